# make_struct.R - fixtures of `cmeta mv --random "inner|outer" --struct S` (issue 18) from
# metafor 3.8.1's rma.mv (random = ~ inner | outer, struct = S) on metadat datasets.
# Run from this directory: Rscript make_struct.R. Writes the inputs (ishak2007_long.csv,
# ishak2007_Vlong.csv; berkey1998.csv and its V come from make.R) and expected_struct.txt: one
# line per value, "CASE KEY VALUE" with 17 significant digits.
# The fits use tight control (optim BFGS or Nelder-Mead, reltol 1e-15). Independently of metafor's optimiser,
# polish() finds the optimum to rounding: Newton's method on the score of the (restricted)
# likelihood from its definition with dense k x k matrices (g_j = -1/2 tr(R dM_j) + 1/2 y'P dM_j P y,
# R = P (REML) or M^-1 (ML), dM_j by central differences of M, which is smooth in the parameters,
# the Jacobian by central differences of the score); G is built here from metafor's
# documentation of each structure. Written as theta_opt with llopt (metafor's log-likelihood with
# the parameters fixed there, which checks that this G is metafor's).
suppressMessages({library(metafor); library(metadat)})
ctl <- list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-15, maxit = 10000)
# for Berkey's five trials BFGS stops ~1e-5 short of the optimum (UN's Cholesky parametrisation,
# HCS); Nelder-Mead with reltol 1e-15 gets to ~1e-8 of it
ctl_nm <- list(optimizer = "optim", optmethod = "Nelder-Mead", reltol = 1e-15, maxit = 100000)
out <- file("expected_struct.txt", "w")

# G of a structure (levels in sorted order) from tau2 and rho
Gmat <- function(st, L, tau2, rho) {
  d <- abs(outer(1:L, 1:L, "-"))
  if (st %in% c("CS", "AR", "ID")) tau2 <- rep(tau2, L)
  R <- switch(st, CS = , HCS = ifelse(d == 0, 1, rho), AR = , HAR = rho^d, ID = , DIAG = diag(L),
              UN = { R <- diag(L); R[lower.tri(R)] <- rho; R[upper.tri(R)] <- t(R)[upper.tri(R)]; R })
  diag(sqrt(tau2), L) %*% R %*% diag(sqrt(tau2), L)
}
# theta = (sigma2, tau2, rho) -> M
Mof <- function(th, V, S, st, inner, outer, ns, nt, nr) {
  M <- V
  for (c in seq_len(ns)) M <- M + th[c] * S[[c]]
  G <- Gmat(st, nlevels(inner), th[ns + seq_len(nt)], th[ns + nt + seq_len(nr)])
  Z <- model.matrix(~ 0 + inner)
  M + (Z %*% G %*% t(Z)) * outer(outer, outer, "==")
}
polish <- function(fit, V, S, st, inner, outer) {
  y <- c(fit$yi); X <- fit$X; reml <- fit$method == "REML"
  ns <- length(S); nt <- length(fit$tau2)
  free_rho <- !fit$vc.fix$rho & !(st %in% c("ID", "DIAG"))
  nr <- if (st %in% c("ID", "DIAG")) 0 else length(fit$rho)
  th <- c(if (ns) fit$sigma2, fit$tau2, if (nr) fit$rho)
  free <- c(rep(TRUE, ns + nt), free_rho[seq_len(nr)])
  Mf <- function(th) Mof(th, V, S, st, inner, outer, ns, nt, nr)
  score <- function(th) {
    M <- Mf(th); W <- solve(M); P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
    R <- if (reml) P else W
    sapply(which(free), function(j) {
      h <- 1e-5 * max(abs(th[j]), 1e-2); e <- replace(0 * th, j, h)
      dM <- (Mf(th + e) - Mf(th - e)) / (2 * h)
      -0.5 * sum(diag(R %*% dM)) + 0.5 * c(t(y) %*% P %*% dM %*% P %*% y)
    })
  }
  ok <- function(th) all(th[ns + seq_len(nt)] > 0) && all(abs(th[ns + nt + seq_len(nr)]) < 1)
  for (it in 1:12) {
    g <- score(th); fj <- which(free)
    J <- sapply(fj, function(j) { h <- 1e-6 * max(abs(th[j]), 1e-3); e <- replace(0 * th, j, h)
      (score(th + e) - score(th - e)) / (2 * h) })
    step <- solve(J, g); t <- 1
    repeat { # halve a step that leaves the domain or does not shrink the score
      th2 <- th; th2[fj] <- th[fj] - t * step
      if ((ok(th2) && max(abs(score(th2))) <= max(abs(g))) || t < 1e-3) break
      t <- t / 2
    }
    th <- th2
  }
  list(th = th, ns = ns, nt = nt, nr = nr, grad = max(abs(score(th))))
}
# cifit: the fit whose confint is taken (default fit; for Berkey the BFGS fit, since the profile
# refits under Nelder-Mead often fail to converge)
emit <- function(case, fit, V, S, st, inner, outer, ci = TRUE, cifit = fit) {
  w <- function(key, x) for (j in seq_along(x)) writeLines(sprintf("%s %s%s %.17g", case, key,
        if (length(x) > 1) paste0("[", j - 1, "]") else "", x[j]), out)
  w("beta", as.vector(fit$beta)); w("se", fit$se); w("zval", fit$zval); w("pval", fit$pval)
  w("ci_lb", fit$ci.lb); w("ci_ub", fit$ci.ub)
  if (fit$withS) w("sigma2", fit$sigma2)
  w("tau2", fit$tau2); if (!(st %in% c("ID", "DIAG"))) w("rho", fit$rho)
  w("k_lvl", fit$g.levels.k); w("nlvls_outer", fit$g.nlevels[2])
  w("QE", fit$QE); w("QEp", fit$QEp); w("QM", fit$QM); w("QMp", fit$QMp)
  fs <- fitstats(fit)
  w("ll", fs[1]); w("deviance", fs[2]); w("AIC", fs[3]); w("BIC", fs[4]); w("AICc", fs[5])
  if (ci) {
    # profile-likelihood CIs (confint.rma.mv, uniroot tolerance 1e-12 instead of its 1.2e-4).
    # Each bound inside the search range is verified: the refit with the component fixed there
    # must have 2 (ll_max - ll) = qchisq(0.95, 1) to 1e-6; a bound where it does not (a refit
    # inside confint that failed) is written NA, with the refit's distance from the cut as
    # KEY_miss (the tests skip NA)
    cc <- list(tol = 1e-12)
    target <- c(logLik(cifit)) - qchisq(0.95, 1) / 2
    one <- function(comp, j, n) {
      r <- do.call(confint, c(list(cifit, control = cc), setNames(list(j), comp)))$random[1, 2:3]
      for (b in 1:2) {
        x <- r[b]
        ends <- if (comp != "rho") c(0, Inf) else if (st %in% c("AR", "HAR")) c(min(0, cifit$rho[j]), 1) else c(-1, 1)
        if (is.na(x) || x %in% ends || (b == 2 && comp != "rho" && x >= max(10, 100 * cifit[[comp]][j]))) next
        fixed <- replace(rep(NA_real_, n), j, x)
        rf <- do.call(update, c(list(cifit), setNames(list(fixed), comp)))
        miss <- c(logLik(rf)) - target
        if (abs(miss) > 1e-6) {
          r[b] <- NA
          writeLines(sprintf("%s %s_ci[%d][%d]_miss %.17g", case, comp, j - 1, b - 1, miss), out)
        }
      }
      w(paste0(comp, "_ci[", j - 1, "]"), r)
    }
    if (fit$withS) for (j in seq_along(fit$sigma2)) one("sigma2", j, length(fit$sigma2))
    for (j in seq_along(fit$tau2)) if (!fit$vc.fix$tau2[j]) one("tau2", j, length(fit$tau2))
    if (!(st %in% c("ID", "DIAG"))) for (j in seq_along(fit$rho)) if (!fit$vc.fix$rho[j]) one("rho", j, length(fit$rho))
  }
  pl <- polish(fit, V, S, st, inner, outer)
  th <- pl$th
  w("theta_opt", th); w("opt_grad", pl$grad)
  args <- list(tau2 = th[pl$ns + seq_len(pl$nt)])
  if (pl$ns) args$sigma2 <- th[seq_len(pl$ns)]
  if (pl$nr) args$rho <- th[pl$ns + pl$nt + seq_len(pl$nr)]
  fx <- do.call(update, c(list(fit), args))
  w("llopt", c(logLik(fx))); w("betaopt", as.vector(fx$beta)); w("seopt", fx$se)
}

# 1. Berkey 1998 (two outcomes per trial, V known): random = ~ outcome | trial
dat <- dat.berkey1998
V <- bldiag(lapply(split(dat[c("v1i", "v2i")], dat$trial), as.matrix))
inner <- factor(dat$outcome); outer <- dat$trial
for (st in c("UN", "CS", "HCS", "DIAG", "ID")) {
  fit <- rma.mv(yi, V, mods = ~ outcome - 1, random = ~ outcome | trial, struct = st, data = dat, control = ctl_nm)
  fb <- rma.mv(yi, V, mods = ~ outcome - 1, random = ~ outcome | trial, struct = st, data = dat, control = ctl)
  emit(paste0("berkey_", tolower(st)), fit, V, list(), st, inner, outer, cifit = fb)
}
fit <- rma.mv(yi, V, mods = ~ outcome - 1, random = ~ outcome | trial, struct = "UN", data = dat,
              method = "ML", control = ctl_nm)
fb <- rma.mv(yi, V, mods = ~ outcome - 1, random = ~ outcome | trial, struct = "UN", data = dat,
             method = "ML", control = ctl)
emit("berkey_un_ml", fit, V, list(), "UN", inner, outer, cifit = fb)

# 2. Ishak 2007 (UPDRS change at up to four time points per study) in long format, sampling
# errors AR(1) over time with phi = 0.97 (vcalc, as metafor's help page of dat.ishak2007)
dl <- reshape(dat.ishak2007, direction = "long", idvar = "study", v.names = c("yi", "vi"),
              varying = list(c(2, 4, 6, 8), c(3, 5, 7, 9)))
dl <- dl[order(dl$study, dl$time), ]
dl <- dl[!is.na(dl$yi), ]
rownames(dl) <- NULL
V2 <- vcalc(vi, cluster = study, time1 = time, phi = 0.97, data = dl)
dl$tp <- paste0("t", dl$time) # the time point as a factor for --mods (cmeta takes a numeric column as numeric)
write.csv(dl[c("study", "time", "tp", "yi", "vi", "mdur", "mbase")], "ishak2007_long.csv", row.names = FALSE, quote = TRUE)
ij <- which(V2 != 0 & row(V2) > col(V2), arr.ind = TRUE)
write.csv(data.frame(i = ij[, 1], j = ij[, 2], value = V2[ij]), "ishak2007_Vlong.csv",
          row.names = FALSE, quote = FALSE)
inner <- factor(dl$time); outer <- as.character(dl$study)
for (st in c("AR", "HAR")) {
  fit <- rma.mv(yi, V2, mods = ~ factor(time) - 1, random = ~ time | study, struct = st, data = dl, control = ctl)
  emit(paste0("ishak_", tolower(st)), fit, V2, list(), st, inner, outer)
}
fit <- rma.mv(yi, V2, mods = ~ factor(time) - 1, random = ~ time | study, struct = "AR", data = dl,
              method = "ML", control = ctl)
emit("ishak_ar_ml", fit, V2, list(), "AR", inner, outer)
# (UN over the four time points is left out: its estimate lies on the boundary of the positive
# semidefinite correlation matrices, smallest eigenvalue 0, where the score is not 0)
fit <- rma.mv(yi, V2, mods = ~ factor(time) - 1, random = ~ time | study, struct = "HCS", data = dl, control = ctl)
emit("ishak_hcs", fit, V2, list(), "HCS", inner, outer, ci = FALSE)
# a random intercept per study and an AR term: list(~ 1 | study, ~ time | study)
# (BFGS stops ~1e-5 short here: the estimates by Nelder-Mead, the CIs from the BFGS fit)
fit <- rma.mv(yi, V2, mods = ~ factor(time) - 1, random = list(~ 1 | study, ~ time | study),
              struct = "AR", data = dl, control = ctl_nm)
fb <- rma.mv(yi, V2, mods = ~ factor(time) - 1, random = list(~ 1 | study, ~ time | study),
             struct = "AR", data = dl, control = ctl)
emit("ishak_s_ar", fit, V2, list(outer(outer, outer, "==") * 1), "AR", inner, outer, cifit = fb)
close(out)
