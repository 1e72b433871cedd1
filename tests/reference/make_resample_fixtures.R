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

# ---- batched kernel: where the ML/REML likelihood has more than one maximum, the one
# metafor's Fisher scoring finds from max(0, HE), and metafor's ll0check
#  path: HE = 97.3, Fisher scoring halves its way to the interior maximum 15.76 (ML)
#  stay: HE < 0, metafor stays at tau^2 = 0 although an interior maximum is higher (ML)
#  ll0:  Fisher scoring converges to a maximum below the likelihood at 0; ll0check sets 0
mm <- list(
  path = data.frame(
    yi = c(2.134837957555348, 87.234890717778953, 3.3924583838640983, -5.9035428331662994,
           5.5189375581427917, 3.7961241094346185, 3.5533019845507932, 0.99183308736495857,
           4.1979524681043729),
    vi = c(17.628783491361478, 4346.2356853013571, 24.469960073615905, 0.0097533934353301096,
           18.067568271774174, 19.770467068012987, 1744.8428948782187, 26.209890870333432,
           255.20190075782463)),
  stay = data.frame(
    yi = c(36.185048119364261, 9.1806687149579975, -11.278131252804979, -11.978944958629141,
           -11.288085703307889, -12.880227725353532, -6.5567061600549028, -5.4243291482850848,
           -8.4390631767934128, -28.648022137769516, -3.0763208146341974, -4.1108873527511518,
           6.7632893309113822, -10.424765222465155, 2.9537403962155029),
    vi = c(1102.1950785881293, 58.380236788896376, 43.862044998371346, 53.043434590128939,
           38.801863760580396, 59.453072804428409, 71.034035022205813, 38.579004535545742,
           16.948846870746745, 6300.1718152598032, 4.8786329782441591, 85.134248572244999,
           15.904863694500799, 27.452911492453879, 0.052294035846034072)),
  ll0 = data.frame(
    yi = c(1.1939667807434737, 0.70396172414463976, 0.84674938336165906, 0.75454695575069397,
           0.63788150862445592, -0.74325556076001442),
    vi = c(0.058583156670894761, 0.035936193062776844, 0.3993747262128734,
           0.0039198910733770033, 0.0055416435117174147, 0.16065380633960141)))
rows <- list(); refs <- list()
for (nm in names(mm)) {
  d <- mm[[nm]]
  rows[[nm]] <- data.frame(set = nm, yi = d$yi, vi = d$vi)
  for (m in c("ML", "REML")) {
    r <- suppressWarnings(rma(yi, vi, data = d, method = m, control = ctl))
    refs[[paste(nm, m)]] <- data.frame(set = nm, method = m, tau2 = r$tau2, beta = c(r$beta),
                                       se = r$se, I2 = r$I2, QE = r$QE)
  }
}
wr(do.call(rbind, rows), "multimodal.csv")
wr(do.call(rbind, refs), "multimodal_ref.csv")
