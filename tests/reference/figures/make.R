# Leave-one-out and cumulative fits back-transformed (issue 17), from R metafor 3.8.1.
# Run from the repository root: Rscript tests/reference/figures/make.R
# Writes tests/reference/figures/derived_bt.csv: per case and row, the fit on the studies
# left (loo) or added so far (cumul, by the order given) and predict(fit, transf = ...):
# pred, ci.lb, ci.ub, pi.lb, pi.ub back-transformed (exp, transf.ilogit, transf.ipft.hm with
# the harmonic mean of all k studies' ni, transf.ztor), as cmeta's estimate_bt ... pi_ub_bt.
# The loo and cumul estimates and CIs are also checked here against leave1out()/cumul()
# with transf= (metafor 3.8's cumul takes the sort key as order =, not indices). Closed-form cases (FE, DL) are tested at 1e-8, REML at 1e-6.
suppressMessages(library(metafor))
stopifnot(packageVersion("metafor") == "3.8.1")
options(digits = 17)

bcg <- read.csv("tests/cli/data/bcg.csv")
lupus <- read.csv("datasets/lupus/responders.csv")
pritz <- read.csv("tests/reference/effect/prop_pritz1997_input.csv")
molloy <- read.csv("tests/reference/effect/cor_molloy2014_input.csv")

d_bcg <- escalc("RR", ai = ai, bi = bi, ci = ci, di = di, data = bcg, slab = study)
d_lup <- escalc("PLO", xi = xi, ni = ni, data = lupus, slab = study)
d_pft <- escalc("PFT", xi = xi, ni = ni, data = pritz)
d_pft$slab <- paste("Study", seq_len(nrow(pritz)))
d_cor <- escalc("ZCOR", ri = ri, ni = ni, data = molloy)
d_cor$slab <- paste("Study", seq_len(nrow(molloy)))

out <- NULL
add_case <- function(case, kind, dat, method, transf, targs = NULL, key = seq_len(nrow(dat)),
                     labels = if (!is.null(dat$slab)) as.character(dat$slab) else as.character(attr(dat, "slab"))) {
  if (is.null(labels) || length(labels) == 0) labels <- as.character(attr(dat, "slab"))
  # converged far tighter than metafor's default (threshold 1e-5 on tau^2), as cmeta does
  ctrl <- list(threshold = 1e-13, maxiter = 10000, stepadj = 0.5)
  full <- rma(yi, vi, data = dat, method = method, control = ctrl)
  ord <- order(key) # stable: ties in file order, as cmeta_order_numeric
  k <- nrow(dat)
  rows <- NULL
  for (j in seq_len(k)) {
    sel <- if (kind == "loo") setdiff(seq_len(k), j) else ord[seq_len(j)]
    lab <- if (kind == "loo") labels[j] else labels[ord[j]]
    fit <- suppressWarnings(rma(yi, vi, data = dat[sel, ], method = method, control = ctrl))
    p <- if (is.null(targs)) predict(fit, transf = transf) else predict(fit, transf = transf, targs = targs)
    # metafor's pi = ci when tau^2 is not estimated (FE)
    rows <- rbind(rows, data.frame(case = case, row = j, label = lab, k = length(sel),
                                   estimate = as.numeric(coef(fit)),
                                   estimate_bt = p$pred, ci_lb_bt = p$ci.lb, ci_ub_bt = p$ci.ub,
                                   pi_lb_bt = if (is.null(p$pi.lb)) p$ci.lb else p$pi.lb,
                                   pi_ub_bt = if (is.null(p$pi.ub)) p$ci.ub else p$pi.ub))
  }
  # the same estimates and CIs through metafor's own leave1out()/cumul() with transf=
  chk <- if (kind == "loo") {
    if (is.null(targs)) leave1out(full, transf = transf) else leave1out(full, transf = transf, targs = targs)
  } else {
    if (is.null(targs)) cumul(full, order = key, transf = transf) else cumul(full, order = key, transf = transf, targs = targs)
  }
  if (kind == "loo" || k > 1) {
    sel <- if (kind == "cumul") 2:k else seq_len(k) # cumul's first fit (k = 1) as rma's
    stopifnot(max(abs(chk$estimate[sel] - rows$estimate_bt[sel])) < 1e-10,
              max(abs(chk$ci.lb[sel] - rows$ci_lb_bt[sel])) < 1e-10,
              max(abs(chk$ci.ub[sel] - rows$ci_ub_bt[sel])) < 1e-10)
  }
  out <<- rbind(out, rows)
}

lab_bcg <- as.character(bcg$study)
add_case("bcg_rr_reml_loo", "loo", d_bcg, "REML", exp, labels = lab_bcg)
add_case("bcg_rr_dl_loo", "loo", d_bcg, "DL", exp, labels = lab_bcg)
add_case("bcg_rr_fe_loo", "loo", d_bcg, "FE", exp, labels = lab_bcg)
add_case("bcg_rr_reml_cumul_year", "cumul", d_bcg, "REML", exp, key = bcg$year, labels = lab_bcg)
add_case("bcg_rr_dl_cumul", "cumul", d_bcg, "DL", exp, labels = lab_bcg)
add_case("lupus_plo_reml_loo", "loo", d_lup, "REML", transf.ilogit, labels = as.character(lupus$study))
add_case("lupus_plo_dl_cumul", "cumul", d_lup, "DL", transf.ilogit, labels = as.character(lupus$study))
add_case("pritz_pft_dl_loo", "loo", d_pft, "DL", transf.ipft.hm, targs = list(ni = pritz$ni),
         labels = paste("Study", seq_len(nrow(pritz))))
add_case("molloy_zcor_dl_loo", "loo", d_cor, "DL", transf.ztor, labels = paste("Study", seq_len(nrow(molloy))))
add_case("molloy_zcor_reml_cumul", "cumul", d_cor, "REML", transf.ztor, labels = paste("Study", seq_len(nrow(molloy))))

write.csv(out, "tests/reference/figures/derived_bt.csv", row.names = FALSE)
cat("wrote", nrow(out), "rows\n")
