# The metafor 3.8.1 figures the lupus examples print beside cmeta's (where nothing was
# published). Run from the repository root: Rscript examples/metafor_reference.R
suppressMessages(library(metafor))
ctl <- list(threshold = 1e-12, maxiter = 10000)
f4 <- function(...) cat(sprintf("%.4f", c(...)), "\n")
L <- "datasets/lupus/"
cat("Deng 2017, SMD (estimate, ci.lb, ci.ub):\n")
for (o in c("sledai", "protein6m", "albumin", "c3", "c4")) {
  d <- read.csv(paste0(L, "deng2017_", o, ".csv"))
  r <- rma(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = d)
  cat(o, ": "); f4(r$b, r$ci.lb, r$ci.ub)
}
cat("Deng 2017, RR (exp scale):\n")
for (o in c("remission", "complete_remission", "sledai_gt8_6m")) {
  d <- read.csv(paste0(L, "deng2017_", o, ".csv"))
  r <- rma(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d)
  cat(o, ": "); f4(exp(c(r$b, r$ci.lb, r$ci.ub)))
}
# Deng 2017 as a multivariate model (examples/deng2017_mv.sh): the seven change-from-baseline
# outcomes as Hedges' g, signed so that a positive g favours UC-MSC (SLEDAI, 24-h urine protein
# and creatinine improve when they fall), ~ 1 | outcome with V = rho sqrt(vi vj) for every pair
# (vcalc's basic case); rho is assumed, not reported.
cat("Deng 2017 multivariate: rho, estimate, ci.lb, ci.ub, sigma2, pi.lb, pi.ub\n")
d <- read.csv(paste0(L, "deng2017_outcomes.csv"))
sgn <- c("Change in SLEDAI" = -1, "Change in 24-h protein" = -1, "Change in albumin" = 1, "Change in C3" = 1,
         "Change in C4" = 1, "Change in creatinine" = -1, "Change in creatinine clearance" = 1)
d <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
            data = d[d$study %in% names(sgn), ])
d$yi <- d$yi * sgn[d$study]
for (rho in seq(0, 0.8, 0.2)) {
  V <- vcalc(vi, cluster = rep(1, nrow(d)), obs = seq_len(nrow(d)), rho = rho, data = d)
  r <- rma.mv(yi, V, random = ~ 1 | outcome, data = d,
              control = list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-15, maxit = 10000))
  p <- predict(r)
  cat("rho", sprintf("%.1f", rho), ""); f4(r$b, r$ci.lb, r$ci.ub, r$sigma2, p$pi.lb, p$pi.ub)
}
for (f in c("responders.csv", "responders_all.csv")) {
  d <- read.csv(paste0(L, f))
  r <- rma(measure = "PLO", xi = xi, ni = ni, data = d, control = ctl)
  p <- predict(r, transf = transf.ilogit)
  cat(f, "PLO REML: proportion, ci, tau2, I2, Q_pval: "); f4(p$pred, p$ci.lb, p$ci.ub, r$tau2, r$I2, r$QEp)
  r <- rma(measure = "PFT", xi = xi, ni = ni, data = d, control = ctl)
  p <- predict(r, transf = transf.ipft.hm, targs = list(ni = d$ni))
  cat(f, "PFT REML: proportion, ci: "); f4(p$pred, p$ci.lb, p$ci.ub)
}
for (o in c("sledai", "proteinuria")) {
  d <- read.csv(paste0(L, "liang2010_", o, ".csv"))
  # SMCR standardized by the baseline (pre-test) SD, as Becker (1988): the file's m1i sd1i are
  # the 12-month values, m2i sd2i the baseline, so metafor's standardizer sd1i gets the file's
  # sd2i (cmeta: --smcr-sd baseline)
  cat("Liang 2010", o, ": ri, SMCR g (baseline SD), ci.lb, ci.ub, SMCC g, ci.lb, ci.ub\n")
  for (ri in seq(0, 0.9, 0.1)) {
    a <- rma(measure = "SMCR", m1i = m1i, sd1i = sd2i, m2i = m2i, sd2i = sd1i, ni = ni, ri = rep(ri, nrow(d)), data = d)
    b <- rma(measure = "SMCC", m1i = m1i, sd1i = sd1i, m2i = m2i, sd2i = sd2i, ni = ni, ri = rep(ri, nrow(d)), data = d)
    cat(sprintf("%.1f", ri), ""); f4(a$b, a$ci.lb, a$ci.ub, b$b, b$ci.lb, b$ci.ub)
  }
}
