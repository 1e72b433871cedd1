# make_data_fixtures.R - reference effect sizes for tests/test_data.c and the input files
# of tests/cli/t_escalc.sh, from R metafor 3.8 escalc() on metadat datasets.
# Run from the source root:  Rscript tests/reference/make_data_fixtures.R
suppressPackageStartupMessages({ library(metafor); library(metadat) })
options(digits = 17)
out <- "tests/reference/data"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
dir.create("tests/cli/data", showWarnings = FALSE, recursive = TRUE)
w <- function(x, f) write.csv(x, f, row.names = FALSE)
num <- function(x) format(x, digits = 17)

# BCG vaccine trials (Colditz et al. 1994): 2x2 tables, RR.
bcg <- dat.bcg
bcg_in <- data.frame(trial = bcg$trial, author = bcg$author, year = bcg$year,
                     ai = bcg$tpos, bi = bcg$tneg, ci = bcg$cpos, di = bcg$cneg,
                     ablat = bcg$ablat, alloc = bcg$alloc)
w(bcg_in, "tests/cli/data/bcg.csv")
for (m in c("RR", "OR", "RD")) {
  e <- escalc(m, ai = ai, bi = bi, ci = ci, di = di, data = bcg_in)
  w(data.frame(yi = num(as.numeric(e$yi)), vi = num(e$vi)), file.path(out, paste0("bcg_", m, ".csv")))
}
# the same as events and group sizes, with the meta package's names
bcg_n <- data.frame(studlab = bcg$author, event.e = bcg$tpos, n.e = bcg$tpos + bcg$tneg,
                    event.c = bcg$cpos, n.c = bcg$cpos + bcg$cneg)
w(bcg_n, "tests/cli/data/bcg_counts.csv")

# Normand 1999: length of hospital stay, two groups, continuous; meta-package names.
nd <- dat.normand1999
nd_in <- data.frame(studlab = nd$source, n.e = nd$n1i, mean.e = nd$m1i, sd.e = nd$sd1i,
                    n.c = nd$n2i, mean.c = nd$m2i, sd.c = nd$sd2i)
w(nd_in, "tests/cli/data/normand1999.csv")
for (m in c("SMD", "MD", "ROM")) {
  e <- escalc(m, m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = nd)
  w(data.frame(yi = num(as.numeric(e$yi)), vi = num(e$vi)), file.path(out, paste0("normand_", m, ".csv")))
}
# Pritz 1997: proportions
pr <- dat.pritz1997
w(data.frame(study = pr$authors, events = pr$xi, n = pr$ni), "tests/cli/data/pritz1997.csv")
e <- escalc("PLO", xi = xi, ni = ni, data = pr)
w(data.frame(yi = num(as.numeric(e$yi)), vi = num(e$vi)), file.path(out, "pritz_PLO.csv"))
