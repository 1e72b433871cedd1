# Reference values for tests/test_resample.c (GOSH, permutation tests, bootstrap).
# Run from the source root: Rscript tests/reference/make_resample_fixtures.R
# metafor 3.8-1, boot. Writes tests/reference/resample/*.csv.
suppressPackageStartupMessages({library(metafor); library(boot)})
options(digits = 17)
out <- "tests/reference/resample"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wr <- function(x, f) write.csv(format(x, digits = 17), file.path(out, f), row.names = FALSE, quote = FALSE)
ctl <- list(threshold = 1e-12, maxiter = 10000)

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
wr(data.frame(yi = c(bcg$yi), vi = bcg$vi, ablat = bcg$ablat, year = bcg$year), "bcg.csv")

# ---- GOSH: every subset, rows identified by mask = sum(2^(j-1) over included j)
gosh_csv <- function(fit, f) {
  g <- gosh(fit, progbar = FALSE)
  mask <- as.vector(g$incl %*% 2^(seq_len(ncol(g$incl)) - 1))
  wr(data.frame(mask = mask, k = g$res$k, Q = g$res$QE, I2 = g$res$I2, H2 = g$res$H2,
                tau2 = g$res$tau2, estimate = g$res$estimate), f)
}
gosh_csv(rma(yi, vi, data = bcg, method = "FE"), "gosh_bcg_fe.csv")
gosh_csv(rma(yi, vi, data = bcg, method = "DL"), "gosh_bcg_dl.csv")
gosh_csv(rma(yi, vi, data = bcg[1:9, ], method = "REML", control = ctl), "gosh_bcg9_reml.csv")

# ---- permutation tests, exact
pt <- function(fit, name, ...) {
  p <- permutest(fit, exact = TRUE, progbar = FALSE, ...)
  data.frame(case = name, coef = seq_along(p$pval), pval = p$pval, QMp = p$QMp,
             zval = fit$zval, beta = c(fit$beta), QM = fit$QM)
}
sm <- bcg[1:10, ]
res <- rbind(
  pt(rma(yi, vi, data = sm, method = "FE"), "int_fe"),
  pt(rma(yi, vi, data = sm, method = "DL"), "int_dl"),
  pt(rma(yi, vi, data = sm, method = "REML", control = ctl), "int_reml"),
  pt(rma(yi, vi, mods = ~ ablat, data = bcg[1:7, ], method = "DL"), "mod1_dl"),
  pt(rma(yi, vi, mods = ~ ablat + year, data = bcg[1:6, ], method = "REML", control = ctl), "mod2_reml"),
  pt(rma(yi, vi, mods = ~ ablat + year, data = bcg[1:7, ], method = "FE"), "mod2_fe"))
wr(res, "permtest_exact.csv")

# ---- permutation test, Monte Carlo (full BCG, REML, ablat), 20000 iterations
set.seed(20240601)
fit <- rma(yi, vi, mods = ~ ablat, data = bcg, method = "REML", control = ctl)
p <- permutest(fit, iter = 20000, progbar = FALSE)
wr(data.frame(iter = 20000, coef = 1:2, pval = p$pval, QMp = p$QMp), "permtest_mc_bcg_reml.csv")

# ---- bootstrap of rma REML on dat.normand1999 (MD), as metafor's bootstrapping example
nd <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
             data = dat.normand1999)
wr(data.frame(yi = c(nd$yi), vi = nd$vi), "normand.csv")
bf <- function(d, i) {
  r <- try(suppressWarnings(rma(yi, vi, data = d[i, ], method = "REML", control = ctl)), silent = TRUE)
  if (inherits(r, "try-error")) c(NA, NA, NA) else c(coef(r), r$tau2, r$I2)
}
set.seed(4711)
B <- 5000
b <- boot(nd, bf, R = B)
rows <- list()
for (s in 1:3) {
  t <- b$t[, s]; t <- t[is.finite(t)]
  pc <- boot.ci(b, type = "perc", index = s)$percent[4:5]
  L <- empinf(b, index = s, type = "jack")
  bc <- boot.ci(b, type = "bca", index = s, L = L)$bca[4:5]
  rows[[s]] <- data.frame(stat = c("estimate", "tau2", "I2")[s], t0 = b$t0[s], iter = B,
                          mean = mean(t), se = sd(t), perc_lb = pc[1], perc_ub = pc[2],
                          bca_lb = bc[1], bca_ub = bc[2])
}
wr(do.call(rbind, rows), "boot_normand_reml.csv")
