# make_plot_fixtures.R - back-transformed forest plot texts (metafor 3.8 forest(..., transf=)).
# For each data set / measure: the REML fit's estimate and CI back-transformed (as forest
# prints them with transf = transf.ilogit, transf.iarcsin, transf.ipft.hm (harmonic mean of
# ni), tanh), and the same for every study's yi +- qnorm(.975) sqrt(vi).
# Run from the repository root: Rscript tests/reference/make_plot_fixtures.R
suppressMessages(library(metafor))
options(digits = 17)
out <- "tests/reference/plot"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
f17 <- function(x) format(x, digits = 17)
lupus <- read.csv("datasets/lupus/responders.csv")
cases <- list(
  list(name = "lupus_PLO", file = "datasets/lupus/responders.csv", measure = "PLO",
       dat = escalc("PLO", xi = xi, ni = ni, data = lupus), tf = transf.ilogit, ni = lupus$ni),
  list(name = "pritz_PLO", file = "tests/reference/effect/prop_pritz1997_input.csv", measure = "PLO",
       dat = escalc("PLO", xi = xi, ni = ni, data = dat.pritz1997), tf = transf.ilogit, ni = dat.pritz1997$ni),
  list(name = "pritz_PAS", file = "tests/reference/effect/prop_pritz1997_input.csv", measure = "PAS",
       dat = escalc("PAS", xi = xi, ni = ni, data = dat.pritz1997), tf = transf.iarcsin, ni = dat.pritz1997$ni),
  list(name = "pritz_PFT", file = "tests/reference/effect/prop_pritz1997_input.csv", measure = "PFT",
       dat = escalc("PFT", xi = xi, ni = ni, data = dat.pritz1997), tf = "ipft", ni = dat.pritz1997$ni),
  list(name = "molloy_ZCOR", file = "tests/reference/effect/cor_molloy2014_input.csv", measure = "ZCOR",
       dat = escalc("ZCOR", ri = ri, ni = ni, data = dat.molloy2014), tf = transf.ztor, ni = dat.molloy2014$ni))
rows <- list()
for (cs in cases) {
  fit <- rma(yi, vi, data = cs$dat, method = "REML", control = list(threshold = 1e-12, maxiter = 10000))
  tf <- if (identical(cs$tf, "ipft")) function(x) transf.ipft.hm(x, targs = list(ni = cs$ni)) else cs$tf
  z <- qnorm(0.975)
  est <- c(fit$b[1], cs$dat$yi)
  lb <- c(fit$ci.lb, cs$dat$yi - z * sqrt(cs$dat$vi))
  ub <- c(fit$ci.ub, cs$dat$yi + z * sqrt(cs$dat$vi))
  rows[[length(rows) + 1]] <- data.frame(case = cs$name, file = cs$file, measure = cs$measure,
    row = c(-1, seq_along(cs$dat$yi) - 1), est = f17(tf(est)), lb = f17(tf(lb)), ub = f17(tf(ub)))
}
write.csv(do.call(rbind, rows), file.path(out, "transf.csv"), row.names = FALSE)
