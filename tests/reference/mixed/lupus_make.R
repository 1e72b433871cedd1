# lupus_make.R - fixture of the lupus mixed-design example (issue 16 item 6): Deng 2017 (RCT, change
# in SLEDAI, SMD) pooled with Liang 2010 (single arm, SLEDAI before/after, SMCR standardized by the
# baseline SD as `--smcr-sd baseline`), at each ASSUMED pre-post correlation ri = 0, 0.1, ..., 0.9
# (Liang 2010 does not report it). Each row escalc'ed by its own measure, concatenated, rma().
# Numbers: datasets/lupus/lupus_mixed_sledai.csv (from msc-sle-evidence.md, marked seen).
# Run from this directory: Rscript lupus_make.R  (metafor 3.8.1)
suppressMessages(library(metafor))
d <- read.csv("../../../datasets/lupus/lupus_mixed_sledai.csv", stringsAsFactors = FALSE)
s <- d$measure == "SMD"; p <- d$measure == "SMCR"
e1 <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = d[s, ])
rows <- list()
for (ri in seq(0, 0.9, by = 0.1)) {
  ri <- round(ri, 1)
  # --smcr-sd baseline: standardize by the baseline SD (sd2i), i.e. metafor's sd1i = baseline SD
  e2 <- escalc("SMCR", m1i = m1i, sd1i = sd2i, m2i = m2i, ni = ni, ri = rep(ri, sum(p)), data = d[p, ])
  yi <- c(e1$yi, e2$yi); vi <- c(e1$vi, e2$vi)
  for (m in c("REML", "DL", "FE")) {
    f <- rma(yi, vi, method = m, control = list(threshold = 1e-12, maxiter = 10000))
    rows[[length(rows) + 1]] <- data.frame(ri = ri, method = m, liang_yi = e2$yi, liang_vi = e2$vi,
      estimate = f$b[1], se = f$se, ci_lb = f$ci.lb, ci_ub = f$ci.ub, pval = f$pval, tau2 = f$tau2,
      I2 = f$I2, Q = f$QE)
  }
}
out <- do.call(rbind, rows)
out$deng_yi <- e1$yi; out$deng_vi <- e1$vi
out[] <- lapply(out, function(x) if (is.numeric(x)) sprintf("%.17g", x) else x)
write.csv(out, "lupus_values.csv", row.names = FALSE, quote = FALSE)
