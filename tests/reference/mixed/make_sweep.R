# make_sweep.R - fixture of --ri-sweep and the ri_lb/ri_ub box on a mixed-design file (issue 16:
# a measure column with two-group SMD rows and pre/post SMCR, SMCC, SMCRH rows). At each assumed
# ri the pre/post rows WITHOUT an ri take it (those with one keep theirs), each row is escalc'ed by
# its own measure, the rows concatenated in file order and pooled by rma(): what one
# `cmeta pool sweep.csv --ri r` does, and so what each row of `--ri-sweep` must equal.
# SMCR/SMCRH by the baseline SD (--smcr-sd baseline): escalc's sd1i is the baseline SD (sd2i).
# Box: every corner of the rows with ri_lb < ri_ub (the others at their ri, or the sweep's ends
# 0 and 0.9 when they have none), the extremes of the REML estimate and p-value.
# Numbers are synthetic (made up for the test). Run here: Rscript make_sweep.R  (metafor 3.8.1)
suppressMessages(library(metafor))
d <- read.csv("sweep.csv", stringsAsFactors = FALSE)
d$measure <- toupper(d$measure)
ctl <- list(threshold = 1e-12, maxiter = 10000)
effects <- function(ri) {
  yi <- vi <- rep(NA_real_, nrow(d))
  for (i in seq_len(nrow(d))) {
    m <- d$measure[i]; x <- d[i, ]
    if (m == "SMD") {
      e <- escalc("SMD", m1i = x$m1i, sd1i = x$sd1i, n1i = x$n1i, m2i = x$m2i, sd2i = x$sd2i, n2i = x$n2i)
    } else if (m == "SMCC") {
      e <- escalc("SMCC", m1i = x$m1i, sd1i = x$sd1i, m2i = x$m2i, sd2i = x$sd2i, ni = x$ni, ri = ri[i])
    } else { # SMCR, SMCRH standardized by the baseline SD (sd2i)
      e <- escalc(m, m1i = x$m1i, sd1i = x$sd2i, m2i = x$m2i, sd2i = x$sd1i, ni = x$ni, ri = ri[i])
    }
    yi[i] <- e$yi; vi[i] <- e$vi
  }
  list(yi = yi, vi = vi)
}
rows <- list()
for (r in c(-0.5, 0, 0.3, 0.6, 0.9)) {
  ri <- ifelse(is.na(d$ri), r, d$ri)
  e <- effects(ri)
  for (m in c("REML", "DL", "FE")) {
    f <- rma(e$yi, e$vi, method = m, control = ctl)
    rows[[length(rows) + 1]] <- data.frame(ri = r, method = m, estimate = f$b[1], se = f$se, ci_lb = f$ci.lb,
                                           ci_ub = f$ci.ub, pval = f$pval, tau2 = f$tau2, I2 = f$I2)
  }
}
write.csv(do.call(rbind, rows), "sweep_values.csv", row.names = FALSE)
# the box (REML): rows with an interval vary over its ends; the others fixed at ri, or at the
# sweep 0:0.9's ends (F: neither ri nor interval) - F varies too, over [0, 0.9]
lo <- ifelse(!is.na(d$ri_lb), d$ri_lb, ifelse(!is.na(d$ri), d$ri, 0))
hi <- ifelse(!is.na(d$ri_ub), d$ri_ub, ifelse(!is.na(d$ri), d$ri, 0.9))
pp <- d$measure != "SMD"
vary <- which(pp & lo < hi)
est <- pv <- c()
for (c in 0:(2^length(vary) - 1)) {
  ri <- ifelse(pp, lo, 0)
  for (j in seq_along(vary)) if (bitwAnd(c, 2^(j - 1)) > 0) ri[vary[j]] <- hi[vary[j]]
  e <- effects(ri)
  f <- rma(e$yi, e$vi, method = "REML", control = ctl)
  est <- c(est, f$b[1]); pv <- c(pv, f$pval)
}
write.csv(data.frame(corners = 2^length(vary), studies_varied = length(vary), estimate_min = min(est),
                     estimate_max = max(est), pval_min = min(pv), pval_max = max(pv)),
          "sweep_box.csv", row.names = FALSE)
