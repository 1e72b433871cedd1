# weights.R - fixtures of the multilevel forest plot (cmeta mv --plot, issue 18 item 4) from
# metafor 3.8.1. Run from this directory: Rscript weights.R. Writes weights.txt: "CASE KEY VALUE"
# with 17 significant digits:
#   weight[i]   weights(fit) (weights.rma.mv, type "diagonal": diag(M^-1) normalised to 100)
#   pred[j], ci_lb[j], ci_ub[j], pi_lb[j], pi_ub[j]   predict(fit) for the intercept-only
#               model, predict(fit, newmods = diag(p)) for a cell-means model
# Both are computed at the optimum found to rounding (Newton on the score from its definition,
# as make.R's polish), with sigma2 fixed there (rma.mv(..., sigma2 = sg)), so that the tests
# compare the formulas at 1e-8 and not metafor's optimiser's stopping point.
suppressMessages({library(metafor); library(metadat)})
ctl <- list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-15, maxit = 10000)
out <- file("weights.txt", "w")
polish <- function(fit, G, V) {
  y <- c(fit$yi); X <- fit$X; reml <- fit$method == "REML"
  score <- function(sg) {
    M <- V; for (c in seq_along(G)) M <- M + sg[c] * G[[c]]
    W <- solve(M); P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
    R <- if (reml) P else W
    sapply(G, function(Gc) -0.5 * sum(diag(R %*% Gc)) + 0.5 * c(t(y) %*% P %*% Gc %*% P %*% y))
  }
  sg <- fit$sigma2
  for (it in 1:20) {
    g <- score(sg); h <- 1e-6 * pmax(sg, 1e-4)
    J <- sapply(seq_along(sg), function(j) { e <- replace(0 * sg, j, h[j]); (score(sg + e) - score(sg - e)) / (2 * h[j]) })
    sg <- sg - solve(J, g)
  }
  sg
}
G_of <- function(...) { f <- interaction(..., drop = TRUE); outer(f, f, "==") * 1 }
emit <- function(case, fit, G, V = NULL, newmods = NULL) {
  if (is.null(V)) V <- diag(fit$vi)
  fx <- update(fit, sigma2 = polish(fit, G, V))
  w <- function(key, x) for (j in seq_along(x)) writeLines(sprintf("%s %s[%d] %.17g", case, key, j - 1, x[j]), out)
  w("weight", weights(fx))
  pr <- if (is.null(newmods)) predict(fx) else predict(fx, newmods = newmods)
  w("pred", pr$pred); w("ci_lb", pr$ci.lb); w("ci_ub", pr$ci.ub); w("pi_lb", pr$pi.lb); w("pi_ub", pr$pi.ub)
}
dat <- dat.konstantopoulos2011
G <- list(G_of(dat$district), G_of(dat$district, dat$school))
emit("k3_reml", rma.mv(yi, vi, random = ~ 1 | district/school, data = dat, control = ctl), G)
emit("k3_ml_t", rma.mv(yi, vi, random = ~ 1 | district/school, data = dat, method = "ML", test = "t",
                       control = ctl), G)
dat <- dat.berkey1998
V <- bldiag(lapply(split(dat[c("v1i", "v2i")], dat$trial), as.matrix))
emit("berkey_cm", rma.mv(yi, V, mods = ~ outcome - 1, random = ~ 1 | trial/outcome, data = dat, control = ctl),
     list(G_of(dat$trial), G_of(dat$trial, dat$outcome)), V, newmods = diag(2))
dat <- dat.assink2016
V <- vcalc(vi, cluster = study, obs = esid, data = dat, rho = 0.6)
emit("assink_rho", rma.mv(yi, V, random = ~ 1 | study/esid, data = dat, control = ctl),
     list(G_of(dat$study), G_of(dat$study, dat$esid)), V)
close(out)
