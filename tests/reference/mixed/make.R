# make.R - fixture of mixed-design pooling (issue 16 item 4): two-group SMD rows and pre/post
# SMCR rows of one file, each escalc'ed by its own measure, concatenated in file order and
# pooled by rma() - what cmeta pool does with a measure column.
# The numbers of mixed.csv are synthetic (made up for the test), not from a publication.
# Run from this directory: Rscript make.R  (metafor 3.8.1)
suppressMessages(library(metafor))
d <- read.csv("mixed.csv", stringsAsFactors = FALSE)
d$measure <- toupper(d$measure)
yi <- vi <- rep(NA_real_, nrow(d))
s <- d$measure == "SMD"
e1 <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = d[s, ])
p <- d$measure == "SMCR"
e2 <- escalc("SMCR", m1i = m1i, sd1i = sd1i, m2i = m2i, ni = ni, ri = ri, data = d[p, ])
yi[s] <- e1$yi; vi[s] <- e1$vi; yi[p] <- e2$yi; vi[p] <- e2$vi
out <- data.frame(study = d$study, yi = yi, vi = vi)
write.csv(out, "studies.csv", row.names = FALSE, quote = TRUE)
rows <- list()
for (m in c("REML", "DL", "FE")) {
  f <- rma(yi, vi, method = m, control = list(threshold = 1e-12, maxiter = 10000))
  rows[[m]] <- data.frame(method = m, estimate = f$b[1], se = f$se, ci_lb = f$ci.lb, ci_ub = f$ci.ub,
                          pval = f$pval, tau2 = f$tau2, I2 = f$I2, Q = f$QE)
}
# subgroups by measure (REML within each), as --subgroup measure
for (m in c("SMD", "SMCR")) {
  f <- rma(yi[d$measure == m], vi[d$measure == m], method = "REML", control = list(threshold = 1e-12, maxiter = 10000))
  rows[[paste0("sub_", m)]] <- data.frame(method = paste0("REML_", m), estimate = f$b[1], se = f$se,
                                          ci_lb = f$ci.lb, ci_ub = f$ci.ub, pval = f$pval, tau2 = f$tau2,
                                          I2 = f$I2, Q = f$QE)
}
write.csv(do.call(rbind, rows), "values.csv", row.names = FALSE)
