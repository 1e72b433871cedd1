# make.R - fixtures of `cmeta mv` (issue 18) from metafor 3.8.1's rma.mv on metadat datasets.
# Run from this directory: Rscript make.R. Writes the input files (*.csv, V files) and
# expected.txt: one line per value, "CASE KEY VALUE" with 17 significant digits.
# metafor's own optimiser stops at its defaults; these fits are refitted with tight control
# (optim BFGS, reltol 1e-15) so the reference is the optimum, not metafor's stopping point.
suppressMessages({library(metafor); library(metadat)})
ctl <- list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-15, maxit = 10000)
out <- file("expected.txt", "w")
# The optimum to rounding, independently of metafor's optimiser: Newton's method on the score
# of the (restricted) likelihood from its textbook definition with dense k x k matrices
# (Harville 1977): g_c = -1/2 tr(R G_c) + 1/2 y'P G_c P y, R = P (REML) or M^-1 (ML), the
# Jacobian by central differences. Written as sigma2opt (and llopt, the fit's log-likelihood
# there, from rma.mv with sigma2 fixed) so that the tests can check the optimum to 1e-8.
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
emit <- function(case, fit, G = NULL, V = NULL) {
  w <- function(key, x) for (j in seq_along(x)) writeLines(sprintf("%s %s%s %.17g", case, key,
        if (length(x) > 1) paste0("[", j - 1, "]") else "", x[j]), out)
  w("beta", as.vector(fit$beta)); w("se", fit$se); w("zval", fit$zval); w("pval", fit$pval)
  w("ci_lb", fit$ci.lb); w("ci_ub", fit$ci.ub)
  w("sigma2", fit$sigma2); w("nlvls", fit$s.nlevels)
  w("QE", fit$QE); w("QEp", fit$QEp); w("QM", fit$QM); w("QMp", fit$QMp)
  # multilevel I^2 as the metafor FAQ computes it (W = V^-1; with V diagonal W = diag(1/vi))
  Vm <- if (is.null(V)) diag(fit$vi) else V
  W <- solve(Vm); X <- fit$X
  P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
  vt <- (fit$k - fit$p) / sum(diag(P))
  w("I2", 100 * fit$sigma2 / (sum(fit$sigma2) + vt)); w("I2total", 100 * sum(fit$sigma2) / (sum(fit$sigma2) + vt))
  # profile-likelihood CIs (confint.rma.mv, uniroot tolerance 1e-12 instead of its 1.2e-4)
  ci <- sapply(seq_along(fit$sigma2), function(j)
    confint(fit, sigma2 = j, control = list(tol = 1e-12))$random[1, 2:3])
  w("sigma2_ci_lb", ci[1, ]); w("sigma2_ci_ub", ci[2, ])
  fs <- fitstats(fit)
  w("ll", fs[1]); w("deviance", fs[2]); w("AIC", fs[3]); w("BIC", fs[4]); w("AICc", fs[5])
  if (!is.null(G)) {
    if (is.null(V)) V <- diag(fit$vi)
    sg <- polish(fit, G, V)
    w("sigma2opt", sg)
    fx <- update(fit, sigma2 = sg)
    w("llopt", c(logLik(fx))); w("betaopt", as.vector(fx$beta)); w("seopt", fx$se)
  }
}
# 1. three-level (Konstantopoulos 2011): ~ 1 | district/school
dat <- dat.konstantopoulos2011
write.csv(dat, "konstantopoulos2011.csv", row.names = FALSE, quote = FALSE)
G <- list(G_of(dat$district), G_of(dat$district, dat$school))
emit("k3_reml", rma.mv(yi, vi, random = ~ 1 | district/school, data = dat, control = ctl), G)
emit("k3_ml", rma.mv(yi, vi, random = ~ 1 | district/school, data = dat, method = "ML", control = ctl), G)
emit("k3_year_t", rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school, data = dat,
                         test = "t", control = ctl), G)
# crossed-as-separate components: district and study (two --random)
emit("k3_two", rma.mv(yi, vi, random = list(~ 1 | district, ~ 1 | study), data = dat, control = ctl),
     list(G_of(dat$district), G_of(dat$study)))
# 2. multivariate with a known V (Berkey 1998): V from v1i/v2i, random = ~ 1 | trial/outcome
dat <- dat.berkey1998
V <- bldiag(lapply(split(dat[c("v1i", "v2i")], dat$trial), as.matrix))
write.csv(dat[c("trial", "author", "year", "ni", "outcome", "yi", "vi")], "berkey1998.csv",
          row.names = FALSE, quote = TRUE)
write.table(V, "berkey1998_V.csv", sep = ",", row.names = FALSE, col.names = FALSE)
ij <- which(V != 0 & row(V) >= col(V), arr.ind = TRUE)
write.csv(data.frame(i = ij[, 1], j = ij[, 2], value = V[ij]), "berkey1998_Vlong.csv",
          row.names = FALSE, quote = FALSE)
emit("berkey_ml", rma.mv(yi, V, mods = ~ outcome - 1, random = ~ 1 | trial/outcome, data = dat,
                         method = "ML", control = ctl), list(G_of(dat$trial), G_of(dat$trial, dat$outcome)), V)
emit("berkey_reml", rma.mv(yi, V, mods = ~ outcome, random = ~ 1 | trial, data = dat, control = ctl),
     list(G_of(dat$trial)), V)
# 3. --rho/--cluster (Assink 2016): V = vcalc(vi, cluster = study, obs = esid, rho = 0.6)
dat <- dat.assink2016
write.csv(dat, "assink2016.csv", row.names = FALSE, quote = FALSE)
V <- vcalc(vi, cluster = study, obs = esid, data = dat, rho = 0.6)
G <- list(G_of(dat$study), G_of(dat$study, dat$esid))
emit("assink_rho", rma.mv(yi, V, random = ~ 1 | study/esid, data = dat, control = ctl), G, V)
emit("assink_rho_mods", rma.mv(yi, V, mods = ~ deltype, random = ~ 1 | study/esid, data = dat,
                               method = "ML", control = ctl), G, V)
# esid crossed with study (esid labels reused across studies): one block of k rows
emit("assink_crossed", rma.mv(yi, vi, random = list(~ 1 | study, ~ 1 | esid), data = dat, control = ctl),
     list(G_of(dat$study), G_of(dat$esid)))
close(out)
