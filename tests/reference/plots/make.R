# make.R - the plotted quantities of metafor 3.8.1's baujat.rma, radial.rma and qqnorm.rma.uni
# (the data frames they return invisibly, and radial's line and band), written as
# `cmeta plot KIND FILE ... -o F.csv` writes them: study, x, y (radial: line = mu x and the
# band mu x -+ qnorm(1 - alpha/2)). Run from the repository root:
#   Rscript tests/reference/plots/make.R
suppressMessages(library(metafor))
out <- "tests/reference/plots"
f17 <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "")
bcg <- read.csv("tests/cli/data/bcg.csv")
nor <- read.csv("tests/cli/data/normand1999.csv", check.names = FALSE)
rr <- escalc("RR", ai = ai, bi = bi, ci = ci, di = di, data = bcg, slab = study)
or <- escalc("OR", ai = ai, bi = bi, ci = ci, di = di, data = bcg, slab = study)
md <- escalc("MD", m1i = nor$mean.e, sd1i = nor$sd.e, n1i = nor$n.e, m2i = nor$mean.c,
             sd2i = nor$sd.c, n2i = nor$n.c, slab = nor$studlab)
# iterative estimators converged tightly (cmeta converges tighter than metafor's defaults);
# baujat passes the control on to its leave-one-out refits
ctl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
fits <- list(
  bcg_rr_reml = rma(yi, vi, data = rr, method = "REML", control = ctl),
  bcg_rr_dl_knha = rma(yi, vi, data = rr, method = "DL", test = "knha"),
  bcg_rr_fe = rma(yi, vi, data = rr, method = "FE"),
  bcg_rr_pm_l90 = rma(yi, vi, data = rr, method = "PM", level = 90, control = ctl),
  bcg_or_mh = rma.mh(ai = ai, bi = bi, ci = ci, di = di, data = bcg, measure = "OR", slab = study),
  normand_md_reml = rma(md$yi, md$vi, method = "REML", slab = nor$studlab, control = ctl)
)
write_pts <- function(name, slab, x, y, extra = NULL) {
  d <- data.frame(study = slab, x = f17(x), y = f17(y), stringsAsFactors = FALSE)
  if (!is.null(extra)) d <- cbind(d, extra)
  write.table(d, file.path(out, paste0("diagplot_", name, ".csv")), sep = ",", quote = FALSE,
              row.names = FALSE)
}
pdf(NULL)
for (nm in names(fits)) {
  fit <- fits[[nm]]
  # the labels as in the file (metafor makes repeated slabs unique: "Rosenthal et al.1")
  lab <- if (startsWith(nm, "bcg")) bcg$study else nor$studlab
  b <- baujat(fit)
  write_pts(paste0(nm, "_baujat"), lab, b$x, b$y)
  r <- radial(fit)
  zcrit <- qnorm(metafor:::.level(fit$level) / 2, lower.tail = FALSE) # as radial.rma
  line <- c(fit$beta) * r$x
  write_pts(paste0(nm, "_radial"), lab, r$x, r$y,
            data.frame(line = f17(line), band_lb = f17(line - zcrit), band_ub = f17(line + zcrit)))
  if (inherits(fit, "rma.uni")) {
    q <- qqnorm(fit, envelope = FALSE)
    # qqnorm returns the points in input order (stats::qqnorm's x, y)
    write_pts(paste0(nm, "_qq"), lab, q$x, q$y)
  }
}
invisible(dev.off())

# L'Abbe plots (labbe.rma: per-arm escalc PLN/PLO/PR/PAS with the fit's add/to; x = control
# arm, y = treatment arm, cex = the point size; line = x + estimate at each x). The fit takes
# the 2x2 counts (labbe needs them); zeros.csv has single-zero arms (add 1/2 to "only0").
zer <- read.csv(file.path(out, "labbe_zeros.csv"))
lfits <- list(
  bcg_rr_reml = list(rma(measure = "RR", ai = ai, bi = bi, ci = ci, di = di, data = bcg, control = ctl), bcg$study),
  bcg_or_dl = list(rma(measure = "OR", ai = ai, bi = bi, ci = ci, di = di, data = bcg, method = "DL"), bcg$study),
  bcg_rd_fe = list(rma(measure = "RD", ai = ai, bi = bi, ci = ci, di = di, data = bcg, method = "FE"), bcg$study),
  bcg_as_reml = list(rma(measure = "AS", ai = ai, bi = bi, ci = ci, di = di, data = bcg, control = ctl), bcg$study),
  bcg_or_mh = list(rma.mh(measure = "OR", ai = ai, bi = bi, ci = ci, di = di, data = bcg), bcg$study),
  zeros_or_dl = list(rma(measure = "OR", ai = ai, bi = bi, ci = ci, di = di, data = zer, method = "DL"), zer$study),
  zeros_rr_fe = list(rma(measure = "RR", ai = ai, bi = bi, ci = ci, di = di, data = zer, method = "FE"), zer$study)
)
pdf(NULL)
for (nm in names(lfits)) {
  fit <- lfits[[nm]][[1]]
  l <- labbe(fit)
  write_pts(paste0(nm, "_labbe"), lfits[[nm]][[2]], l$x, l$y,
            data.frame(size = f17(l$cex), line = f17(l$x + c(fit$beta))))
}
invisible(dev.off())
