# make_rma_cc_fixtures.R - rma.mh / rma.peto heterogeneity statistics under other continuity
# corrections (add, to), for the cmeta_fit_data test in tests/test_rma.c (metafor 3.8).
# Run from the source tree:  Rscript tests/reference/make_rma_cc_fixtures.R
# Uses tests/reference/rma/tab_nielweise.csv (dat.nielweise2007 as 2x2 tables: 3 tables with
# a zero cell) written by make_rma_fixtures.R; writes tests/reference/rma/mh_cc.csv.
# (add = 0 is left out: cmeta_data_from_table drops tables whose yi is not finite, while
# rma.mh keeps them in the MH estimate; see notes.)
suppressMessages(library(metafor))
out <- "tests/reference/rma"
t <- read.csv(file.path(out, "tab_nielweise.csv"))
f17 <- function(x) if (is.numeric(x)) sprintf("%.17g", x) else x
rows <- list()
for (cc in list(c("0.5", "only0"), c("1", "all"), c("0.5", "all"), c("1", "only0"),
                c("0.5", "if0all")))
  for (m in c("OR", "RR", "RD", "PETO")) {
    add <- as.numeric(cc[1]); to <- cc[2]
    r <- if (m == "PETO") rma.peto(ai, bi, ci, di, data = t, add = add, to = to) else
      rma.mh(ai, bi, ci, di, data = t, measure = m, add = add, to = to)
    rows[[length(rows) + 1]] <- data.frame(measure = m, add = add, to = to, k = r$k,
      b = as.numeric(r$beta), se = r$se, QE = r$QE, QEp = r$QEp, I2 = r$I2, H2 = r$H2)
  }
d <- do.call(rbind, rows)
d[] <- lapply(d, function(x) if (is.numeric(x)) ifelse(is.na(x), NA, f17(x)) else x)
write.csv(d, file.path(out, "mh_cc.csv"), row.names = FALSE, quote = FALSE, na = "NA")
cat("wrote", file.path(out, "mh_cc.csv"), "\n")
