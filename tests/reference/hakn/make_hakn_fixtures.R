# Reference values for the Hartung-Knapp variants (tests/test_hakn.c), computed directly from
# their definitions with metafor 3.8's rma() for tau^2 and the two standard errors:
#   knha-adhoc (metafor 4 test = "adhoc"; Knapp & Hartung 2003): q truncated at 1, t_{k-1};
#   meta 8.3-0 adhoc.hakn.ci (R/metagen.R):
#     se:     q < 1                        -> SE_classic, t_{k-1}
#     ci:     width(HK) < width(classic z) -> the classic z interval
#     IQWiG6: width(HK) < width(DL classic z) -> SE_classic, t_{k-1}
# Run from the repository root: Rscript tests/reference/hakn/make_hakn_fixtures.R
suppressMessages(library(metafor))
out <- "tests/reference/hakn"
ds <- list()
d <- read.csv("tests/reference/bayes/data_lupus2.csv"); ds$lupus2 <- d[, c("yi", "vi")]
d <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
ds$bcg13 <- data.frame(yi = as.numeric(d$yi), vi = as.numeric(d$vi))
ds$raud19 <- data.frame(yi = dat.raudenbush1985$yi, vi = dat.raudenbush1985$vi)
d <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999)
ds$normand9 <- data.frame(yi = as.numeric(d$yi), vi = as.numeric(d$vi))
ds$bcg3 <- ds$bcg13[c(1, 2, 4), ]
ctrl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12, stepadj = 1)  # as make_rma_fixtures.R
rows <- list()
for (dn in names(ds)) for (meth in c("REML", "DL", "PM")) {
  y <- ds[[dn]]$yi; v <- ds[[dn]]$vi; k <- length(y)
  z <- rma(y, v, method = meth, test = "z", control = ctrl)
  h <- rma(y, v, method = meth, test = "knha", control = ctrl)
  dl <- rma(y, v, method = "DL", test = "z")
  sw <- sum(1 / (v + z$tau2)); se.c <- sqrt(1 / sw); se.h <- h$se
  q <- sum((y - c(z$b))^2 / (v + z$tau2)) / (k - 1)
  stopifnot(abs(se.h - sqrt(q / sw)) < 1e-10 * se.h + 1e-300)
  tq <- qt(0.975, k - 1); zq <- qnorm(0.975); est <- c(z$b)
  res <- function(rule, applied, se, df) {
    crit <- if (is.na(df)) zq else qt(0.975, df)
    st <- est / se
    data.frame(dataset = dn, method = meth, rule = rule, applied = as.integer(applied), estimate = est,
               se = se, ci_lb = est - crit * se, ci_ub = est + crit * se,
               pval = if (is.na(df)) 2 * pnorm(-abs(st)) else 2 * pt(-abs(st), df), q = q)
  }
  r <- list(
    res("knha", FALSE, se.h, k - 1),
    res("adhoc", q < 1, sqrt(max(q, 1) / sw), k - 1),
    res("se", q < 1, if (q < 1) se.c else se.h, k - 1),
    { a <- 2 * tq * se.h < 2 * zq * se.c; res("ci", a, if (a) se.c else se.h, if (a) NA else k - 1) },
    { a <- 2 * tq * se.h < 2 * zq * dl$se; res("iqwig6", a, if (a) se.c else se.h, k - 1) })
  rows <- c(rows, r)
}
m <- do.call(rbind, rows)
write.csv(format(m, digits = 17), file.path(out, "hakn.csv"), row.names = FALSE, quote = FALSE)
for (n in names(ds)) write.csv(ds[[n]], file.path(out, paste0("data_", n, ".csv")), row.names = FALSE)
print(table(m$rule, m$applied))
