# Export the classic datasets from R's metadat package (Debian r-cran-metadat) to the CSV
# columns of the cmeta CLI contract (/work/shared/spec/cli.md). Run from datasets/classic:
#   Rscript make_classic.R
# Only column names are changed (to the canonical escalc names) and one derived column is
# added (raudenbush1985: weeks_c); every value is metadat's.
suppressMessages(library(metadat))
w <- function(d, f) write.csv(d, f, row.names = FALSE, quote = TRUE, na = "")

# Normand 1999, Table IX: length of stay (days), stroke units (1) vs general wards (2).
n <- dat.normand1999
w(data.frame(study = n$source, id = n$study,
             m1i = n$m1i, sd1i = n$sd1i, n1i = n$n1i,
             m2i = n$m2i, sd2i = n$sd2i, n2i = n$n2i), "normand1999.csv")

# Colditz 1994 BCG trials: tpos/tneg (vaccinated), cpos/cneg (not vaccinated).
b <- dat.bcg
w(data.frame(study = paste(b$author, b$year), id = b$trial, year = b$year,
             ai = b$tpos, bi = b$tneg, ci = b$cpos, di = b$cneg,
             ablat = b$ablat, alloc = b$alloc), "bcg.csv")

# Raudenbush 1985 teacher expectancy: yi = standardized mean difference, vi its variance.
r <- dat.raudenbush1985
w(data.frame(study = paste(r$author, r$year), id = r$study, year = r$year,
             weeks = r$weeks, weeks_c = pmin(r$weeks, 3),
             setting = r$setting, tester = r$tester,
             n_e = r$n1i, n_c = r$n2i, yi = r$yi, vi = r$vi), "raudenbush1985.csv")
