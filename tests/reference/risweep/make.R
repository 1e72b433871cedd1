# make.R - reference values for the pre-post correlation sweep and box (issue 16 item 5),
# from R metafor 3.8 (escalc + rma), for tests/test_risweep.c and tests/cli/t_risweep.sh.
#
# Run from the source tree root:  Rscript tests/reference/risweep/make.R
# Input: tests/reference/risweep/morris_partial.csv = Morris (2008) pre/post data (metadat
# dat.morris2008, as tests/reference/prepost/morris2008.csv) with some ri removed and per-study
# intervals ri_lb/ri_ub (cmeta columns: m1i sd1i = follow-up, m2i sd2i = baseline).
# Every configuration: the studies without ri take r (sweep), each grid r fitted with rma();
# (REML, ML, PM converged to threshold 1e-12, tighter than metafor's default 1e-5)
# the box: every corner of the intervals (studies with neither ri nor interval: [FROM, TO] of
# the sweep, or fixed at 0.5 for the "fixed" rows), min/max of the estimate and p-value over the
# corners; tipping points: uniroot on the continuous ri (tol 1e-12) of the CI bound that crosses
# 0 / of the estimate, between the bracketing grid points.
# Writes sweep.csv, box.csv, tips.csv beside this script (17 significant digits).
suppressMessages(library(metafor))
stopifnot(packageVersion("metafor") >= "3.8")
dir <- "tests/reference/risweep"
d <- read.csv(file.path(dir, "morris_partial.csv"), na.strings = c("", "NA"))
f17 <- function(x) ifelse(is.na(x), "NA", format(x, digits = 17))
grid <- round(seq(-0.5, 0.9, by = 0.1), 12)

configs <- list(
  list(measure = "SMCR", sd = "followup", method = "REML", test = "z"),
  list(measure = "SMCR", sd = "baseline", method = "REML", test = "z"),
  list(measure = "SMCRH", sd = "followup", method = "FE", test = "z"),
  list(measure = "SMCC", sd = "followup", method = "REML", test = "z"),
  list(measure = "SMCC", sd = "followup", method = "DL", test = "t"),
  list(measure = "MC", sd = "followup", method = "PM", test = "z"),
  list(measure = "SMCC", sd = "followup", method = "REML", test = "knha")
)

# yi/vi with correlations r (length k)
es <- function(cf, r) {
  s1 <- if (cf$sd == "baseline") d$sd2i else d$sd1i
  s2 <- if (cf$sd == "baseline") d$sd1i else d$sd2i
  escalc(measure = cf$measure, m1i = d$m1i, m2i = d$m2i, sd1i = s1, sd2i = s2, ni = d$ni, ri = r)
}
fit <- function(cf, r) {
  e <- es(cf, r)
  rma(e$yi, e$vi, method = cf$method, test = cf$test, control = list(threshold = 1e-12, maxiter = 10000))
}
at <- function(cf, x) { r <- d$ri; r[is.na(r)] <- x; fit(cf, r) }

sw <- list(); bx <- list(); tp <- list()
for (cf in configs) {
  res <- lapply(grid, function(x) at(cf, x))
  est <- sapply(res, function(m) m$b[1]); lb <- sapply(res, function(m) m$ci.lb); ub <- sapply(res, function(m) m$ci.ub)
  for (i in seq_along(grid)) {
    m <- res[[i]]
    sw[[length(sw) + 1]] <- c(cf$measure, cf$sd, cf$method, cf$test, f17(grid[i]), f17(m$b[1]), f17(m$se),
                              f17(m$ci.lb), f17(m$ci.ub), f17(m$pval), f17(m$tau2), f17(m$I2))
  }
  # tipping points
  ex <- lb > 0 | ub < 0
  for (i in seq_along(grid)[-1]) {
    if (ex[i] != ex[i - 1]) {
      g <- if (sign(lb[i]) != sign(lb[i - 1])) function(x) at(cf, x)$ci.lb else function(x) at(cf, x)$ci.ub
      root <- uniroot(g, c(grid[i - 1], grid[i]), tol = 1e-12)$root
      tp[[length(tp) + 1]] <- c(cf$measure, cf$sd, cf$method, cf$test,
                                if (ex[i]) "ci_excludes_null" else "ci_includes_null", f17(grid[i - 1]), f17(grid[i]), f17(root))
    }
    if (sign(est[i]) != sign(est[i - 1]) && est[i] != 0 && est[i - 1] != 0) {
      root <- uniroot(function(x) at(cf, x)$b[1], c(grid[i - 1], grid[i]), tol = 1e-12)$root
      tp[[length(tp) + 1]] <- c(cf$measure, cf$sd, cf$method, cf$test, "sign_change", f17(grid[i - 1]), f17(grid[i]), f17(root))
    }
  }
  # the box over the corners
  for (mode in c("sweep", "fixed")) {
    lo <- d$ri_lb; hi <- d$ri_ub
    own <- is.na(lo) & !is.na(d$ri); lo[own] <- d$ri[own]; hi[own] <- d$ri[own]
    none <- is.na(lo)
    if (mode == "sweep") { lo[none] <- min(grid); hi[none] <- max(grid) } else { lo[none] <- 0.5; hi[none] <- 0.5 }
    v <- which(lo < hi); m <- length(v)
    E <- c(); P <- c()
    for (c in 0:(2^m - 1)) {
      r <- lo
      for (j in seq_len(m)) if (bitwAnd(c, 2^(j - 1)) > 0) r[v[j]] <- hi[v[j]]
      f <- fit(cf, r); E <- c(E, f$b[1]); P <- c(P, f$pval)
    }
    bx[[length(bx) + 1]] <- c(cf$measure, cf$sd, cf$method, cf$test, mode, 2^m, f17(min(E)), f17(max(E)), f17(min(P)), f17(max(P)))
  }
}
wr <- function(rows, header, file) {
  writeLines(c(paste(header, collapse = ","), sapply(rows, paste, collapse = ",")), file.path(dir, file))
}
wr(sw, c("measure", "sd", "method", "test", "ri", "estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "I2"), "sweep.csv")
wr(bx, c("measure", "sd", "method", "test", "mode", "corners", "estimate_min", "estimate_max", "pval_min", "pval_max"), "box.csv")
wr(tp, c("measure", "sd", "method", "test", "type", "ri_lo", "ri_hi", "root"), "tips.csv")
