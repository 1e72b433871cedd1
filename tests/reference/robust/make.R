# make.R - fixtures of --robust (issue 18 item 2): cluster-robust inference on rma.uni and rma.mv
# fits, CR2 from clubSandwich 0.5.8 (vcovCR type "CR2", coef_test "Satterthwaite", conf_int,
# Wald_test "HTZ" on the coefficients metafor's QM tests) and CR1 from metafor 3.8.1's
# robust(x, cluster, adjust = TRUE). Run from this directory: Rscript make.R. Writes the input
# files (*.csv) and expected.csv: one row per value, case,key,value with 17 significant digits.
# The fits are taken at their optimum: rma.uni REML with threshold 1e-14, rma.mv refitted with
# optim BFGS (reltol 1e-15) and then polished by Newton's method on the score (as
# tests/reference/mv/make.R), the robust values computed on the fit with the variance components
# fixed there (written as tau2 / sigma2[j]), so that cmeta's tighter optimum and the reference
# are the same point.
suppressMessages({library(metafor); library(metadat); library(clubSandwich)})
ctl <- list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-15, maxit = 10000)
out <- file("expected.csv", "w")
writeLines("case,key,value", out)
w <- function(case, key, x) for (j in seq_along(x)) writeLines(sprintf("%s,%s%s,%.17g", case, key,
      if (length(x) > 1 || grepl("^(CR[12][.](se|stat|df|pval|ci_lb|ci_ub)|beta|sigma2)$", key)) paste0("[", j - 1, "]") else "", x[j]), out)
polish <- function(fit, G, V) {
  y <- c(fit$yi); X <- fit$X; reml <- fit$method == "REML"
  score <- function(sg) {
    M <- V; for (c in seq_along(G)) M <- M + sg[c] * G[[c]]
    W <- solve(M); P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
    R <- if (reml) P else W
    sapply(G, function(Gc) -0.5 * sum(diag(R %*% Gc)) + 0.5 * c(t(y) %*% P %*% Gc %*% P %*% y))
  }
  sg <- fit$sigma2
  for (it in 1:20) {
    g <- score(sg); h <- 1e-6 * pmax(sg, 1e-4)
    J <- sapply(seq_along(sg), function(j) { e <- replace(0 * sg, j, h[j]); (score(sg + e) - score(sg - e)) / (2 * h[j]) })
    sg <- sg - solve(J, g)
  }
  sg
}
G_of <- function(...) { f <- interaction(..., drop = TRUE); outer(f, f, "==") * 1 }
# the robust values of fit (fixed variance components) with clusters cl
emit <- function(case, fit, cl, cr2 = TRUE) {
  p <- fit$p
  btt <- if (fit$int.only) 1 else fit$btt
  w(case, "n_clusters", length(unique(cl)))
  w(case, "beta", as.vector(fit$beta))
  if (cr2) {
    vc <- vcovCR(fit, cluster = cl, type = "CR2")
    ct <- coef_test(fit, vcov = vc, test = "Satterthwaite")
    ci <- conf_int(fit, vcov = vc, test = "Satterthwaite", level = 0.95)
    wt <- Wald_test(fit, constraints = constrain_zero(btt), vcov = vc, test = "HTZ")
    w(case, "CR2.se", ct$SE); w(case, "CR2.stat", ct$tstat); w(case, "CR2.df", ct$df_Satt)
    w(case, "CR2.pval", ct$p_Satt); w(case, "CR2.ci_lb", ci$CI_L); w(case, "CR2.ci_ub", ci$CI_U)
    w(case, "CR2.QM", wt$Fstat); w(case, "CR2.QM_df", wt$df_num); w(case, "CR2.QM_df2", wt$df_denom)
    w(case, "CR2.QM_pval", wt$p_val)
    # metafor's own route to clubSandwich gives the same
    rc <- robust(fit, cluster = cl, clubSandwich = TRUE)
    stopifnot(isTRUE(all.equal(rc$se, ct$SE, tolerance = 1e-12)), isTRUE(all.equal(rc$QM, max(0, wt$Fstat), tolerance = 1e-12)))
  }
  r1 <- robust(fit, cluster = cl, adjust = TRUE)
  w(case, "CR1.se", r1$se); w(case, "CR1.stat", r1$zval); w(case, "CR1.df", rep(r1$dfs, p))
  w(case, "CR1.pval", r1$pval); w(case, "CR1.ci_lb", r1$ci.lb); w(case, "CR1.ci_ub", r1$ci.ub)
  w(case, "CR1.QM", r1$QM); w(case, "CR1.QM_df", r1$QMdf[1]); w(case, "CR1.QM_df2", r1$QMdf[2])
  w(case, "CR1.QM_pval", r1$QMp)
}
uctl <- list(threshold = 1e-14, maxiter = 10000)
uni <- function(case, fit) {
  w(case, "tau2", fit$tau2)
  fit
}

# 1. BCG vaccine trials (log risk ratios): pool and regress on ablat; clusters by alloc (3) and by a
#    made-up grouping of unequal sizes (6 clusters: 3, 2, 4, 1, 2, 1 trials)
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
dat$grp <- c("g1", "g1", "g1", "g2", "g2", "g3", "g3", "g3", "g3", "g4", "g5", "g5", "g6")
write.csv(data.frame(trial = dat$trial, author = dat$author, year = dat$year, ablat = dat$ablat,
                     alloc = dat$alloc, grp = dat$grp, yi = as.vector(dat$yi), vi = dat$vi),
          "bcg.csv", row.names = FALSE, quote = FALSE)
emit("bcg_pool_alloc", uni("bcg_pool_alloc", rma(yi, vi, data = dat, control = uctl)), dat$alloc)
emit("bcg_pool_grp", uni("bcg_pool_grp", rma(yi, vi, data = dat, control = uctl)), dat$grp)
emit("bcg_pool_fe_grp", uni("bcg_pool_fe_grp", rma(yi, vi, data = dat, method = "FE", control = uctl)), dat$grp)
emit("bcg_ablat_grp", uni("bcg_ablat_grp", rma(yi, vi, mods = ~ ablat, data = dat, control = uctl)), dat$grp)
emit("bcg_ablat_alloc", uni("bcg_ablat_alloc", rma(yi, vi, mods = ~ ablat, data = dat, control = uctl)), dat$alloc)
emit("bcg_ablat_grp_t", uni("bcg_ablat_grp_t", rma(yi, vi, mods = ~ ablat, data = dat, test = "t", control = uctl)), dat$grp)
emit("bcg_ablat_year_grp_noint", uni("bcg_ablat_year_grp_noint", rma(yi, vi, mods = ~ ablat + year - 1, data = dat, control = uctl)),
     dat$grp)

# 2. three-level model (Konstantopoulos 2011): ~ 1 | district/school, clusters district
dat <- dat.konstantopoulos2011
write.csv(dat, "konstantopoulos2011.csv", row.names = FALSE, quote = FALSE)
G <- list(G_of(dat$district), G_of(dat$district, dat$school))
mv <- function(case, fit, G, V) {
  sg <- polish(fit, G, V)
  w(case, "sigma2", sg)
  update(fit, sigma2 = sg)
}
V <- diag(dat$vi)
emit("k3", mv("k3", rma.mv(yi, vi, random = ~ 1 | district/school, data = dat, control = ctl), G, V), dat$district)
emit("k3_year", mv("k3_year", rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school, data = dat,
                                     control = ctl), G, V), dat$district)
emit("k3_year_t", mv("k3_year_t", rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school, data = dat,
                                         test = "t", control = ctl), G, V), dat$district)
# CR1 with clusters that cut the random effects (by year; districts span years): metafor's robust
# needs no nesting (clubSandwich refuses it)
emit("k3_cl_year", mv("k3_cl_year", rma.mv(yi, vi, random = ~ 1 | district/school, data = dat, control = ctl),
                      G, V), dat$year, cr2 = FALSE)
stopifnot(inherits(try(vcovCR(rma.mv(yi, vi, random = ~ 1 | district/school, data = dat), cluster = dat$year,
                              type = "CR2"), silent = TRUE), "try-error"))

# 3. Assink 2016: V from vcalc(rho = 0.6) within studies, ~ 1 | study/esid, factor moderator
#    deltype (3 levels), clusters study
dat <- dat.assink2016
write.csv(dat, "assink2016.csv", row.names = FALSE, quote = FALSE)
V <- vcalc(vi, cluster = study, obs = esid, data = dat, rho = 0.6)
G <- list(G_of(dat$study), G_of(dat$study, dat$esid))
emit("assink_deltype", mv("assink_deltype", rma.mv(yi, V, mods = ~ deltype, random = ~ 1 | study/esid,
                                                   data = dat, control = ctl), G, V), dat$study)
emit("assink", mv("assink", rma.mv(yi, V, random = ~ 1 | study/esid, data = dat, control = ctl), G, V), dat$study)
close(out)
