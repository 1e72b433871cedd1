# make_plots2.R - reference values of issue 17 item 3's remaining plots, from metafor 3.8.1:
#   drapery_*.csv   p-value functions on a grid of 200 points (+ every yi and the estimate),
#                   by the definitions (metafor 3.8 has no drapery(); meta's drapery(type =
#                   "pvalue") draws them): study i 2 (1 - pnorm(|yi - theta| / sei)); pooled the
#                   fit's test of mu = theta (pnorm, or pt with df = res$ddf for test t/knha);
#                   prediction 2 P(T > |mu - theta| / sqrt(se^2 + tau2)), checked here to cross
#                   alpha at predict(res)'s pi.lb / pi.ub.
#                   Columns theta, study1..studyk (bcg.csv order), pooled, prediction.
#   regplot_*.csv   metafor's regplot.rma for dat.bcg, mods ablat (and ablat + year, year held
#                   at its mean): xs (regplot's predlim, 1000 points), predict(res, newmods)
#                   pred, ci.lb, ci.ub, pi.lb, pi.ub; regplot_*_points.csv the studies' x, y
#                   and psize (sqrt(weights) scaled to plim = c(0.5, 3), regplot's default).
#   qqenv_*.csv     qqnorm.rma.uni's envelope (smooth = FALSE) at reps = 1e5, set.seed(17):
#                   the bounds lb, ub at each rank.
# Run from the repository root: Rscript tests/reference/plots/make_plots2.R
suppressMessages(library(metafor))
out <- "tests/reference/plots"
f17 <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "")
ctl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
bcg <- read.csv("tests/cli/data/bcg.csv")
rr <- escalc("RR", ai = ai, bi = bi, ci = ci, di = di, data = bcg)

## drapery
drap <- function(name, res, ngrid = 200) {
  yi <- c(res$yi); sei <- sqrt(res$vi); lev <- 100 * (1 - res$level) # res$level holds alpha
  z <- qnorm(1 - (1 - lev / 100) / 2)
  mn <- min(yi - z * sei); mx <- max(yi + z * sei)
  b <- c(res$beta); se <- res$se
  theta <- sort(c(seq(mn, mx, length.out = ngrid), yi, b))
  pf <- function(d, s) if (res$test == "z") 2 * pnorm(abs(d) / s, lower.tail = FALSE) else
    2 * pt(abs(d) / s, df = res$ddf, lower.tail = FALSE)
  d <- data.frame(theta = f17(theta))
  for (i in seq_along(yi)) d[[paste0("study", i)]] <- f17(2 * pnorm(abs(yi[i] - theta) / sei[i], lower.tail = FALSE))
  d$pooled <- f17(pf(b - theta, se))
  fixed <- res$method %in% c("FE", "EE", "CE")
  if (!fixed) {
    sp <- sqrt(se^2 + res$tau2)
    d$prediction <- f17(pf(b - theta, sp))
    p <- predict(res)
    stopifnot(abs(pf(b - p$pi.lb, sp) - (1 - lev / 100)) < 1e-12, abs(pf(b - p$pi.ub, sp) - (1 - lev / 100)) < 1e-12)
  } else d$prediction <- ""
  write.csv(d, file.path(out, paste0("drapery_", name, ".csv")), row.names = FALSE, quote = FALSE)
}
drap("bcg_rr_reml", rma(yi, vi, data = rr, method = "REML", control = ctl))
drap("bcg_rr_dl_knha", rma(yi, vi, data = rr, method = "DL", test = "knha"))
drap("bcg_rr_fe", rma(yi, vi, data = rr, method = "FE"))

## regplot
dat <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
regp <- function(name, res, mod) {
  X <- res$X; xi <- X[, mod]
  r <- max(xi) - min(xi)
  xs <- seq(min(xi) - 0.04 * r, max(xi) + 0.04 * r, length = 1000)
  Xnew <- rbind(colMeans(X))[rep(1, 1000), , drop = FALSE]
  Xnew[, mod] <- xs
  p <- predict(res, newmods = Xnew[, -1, drop = FALSE])
  write.csv(data.frame(x = f17(xs), pred = f17(p$pred), ci_lb = f17(p$ci.lb), ci_ub = f17(p$ci.ub),
                       pi_lb = f17(p$pi.lb), pi_ub = f17(p$pi.ub)),
            file.path(out, paste0("regplot_", name, ".csv")), row.names = FALSE, quote = FALSE)
  wi <- sqrt(weights(res)); ps <- (wi - min(wi)) / (max(wi) - min(wi)) * (3 - 0.5) + 0.5
  write.csv(data.frame(x = f17(xi), y = f17(c(res$yi)), psize = f17(ps)),
            file.path(out, paste0("regplot_", name, "_points.csv")), row.names = FALSE, quote = FALSE)
}
regp("bcg_ablat_reml", rma(yi, vi, mods = ~ ablat, data = dat, control = ctl), 2)
regp("bcg_ablat_dl_knha", rma(yi, vi, mods = ~ ablat, data = dat, method = "DL", test = "knha"), 2)
regp("bcg_ablat_year_reml", rma(yi, vi, mods = ~ ablat + year, data = dat, control = ctl), 2)

## Q-Q envelope (qqnorm.rma.uni's own code with smooth = FALSE, at 1e5 replicates)
qqenv <- function(name, res, reps = 1e5) {
  set.seed(17)
  pdf(NULL)
  level <- res$level # alpha, as .level(level) in qqnorm.rma.uni
  dat <- matrix(rnorm(res$k * reps), nrow = res$k, ncol = reps)
  H <- hatvalues(res, type = "matrix")
  ei <- (diag(res$k) - H) %*% dat
  ei <- apply(ei, 2, sort)
  lb <- apply(ei, 1, quantile, level / 2)
  ub <- apply(ei, 1, quantile, 1 - level / 2)
  invisible(dev.off())
  write.csv(data.frame(x = f17(qnorm(ppoints(res$k))), lb = f17(lb), ub = f17(ub)),
            file.path(out, paste0("qqenv_", name, ".csv")), row.names = FALSE, quote = FALSE)
}
qqenv("bcg_rr_reml", rma(yi, vi, data = rr, method = "REML", control = ctl))
qqenv("bcg_rr_fe", rma(yi, vi, data = rr, method = "FE"))
