# Reference values for cmeta's Bayesian random-effects model (tests/test_bayes.c), computed by an
# independent numerical integration with R's integrate(), not with bayesmeta:
#   p(tau | y) ∝ p(tau) p(y | tau), normalised by integrate() over tau (split at the posterior's
#   scale); p(y | tau) in closed form, checked against integrate() over mu at three tau values;
#   mu, the prediction and each theta_i: CDFs and densities as integrate() over tau of the normal
#   conditionals, quantiles by uniroot(), shortest intervals by uniroot() on f(Q(p)) = f(Q(p+a));
#   the marginal likelihood and E(mu | y) also as double integrals over tau and mu (asserted to agree).
# Moments that do not exist (heavy tails) are written as Inf: the posterior of tau decays as
# tau^-(a_prior + k - 1) (flat mu prior) or tau^-(a_prior + k) (normal mu prior).
# Run from the repository root:  Rscript tests/reference/bayes/make_bayes_fixtures.R
suppressMessages({library(metafor); library(metadat)})
out <- "tests/reference/bayes"
RT <- 1e-11

## ---- data sets -------------------------------------------------------------------------
ds <- list()
# Zhou 2020 (Stem Cells Int 2020:6518508) Table 2, proteinuria at 6 months, k = 2, fixed effect
# -2.00 (-3.81, -0.19). One trial is Deng 2017 (24-h protein at 6 months 1.0 (1.0), n = 12 vs
# 3.1 (2.7), n = 6 g): MD -2.1, v = 1/12 + 2.7^2/6. The other trial's yi, vi are back-solved from
# the pooled estimate and its CI (inverse-variance fixed effect): APPROXIMATE (rounded inputs).
se.p <- (-0.19 - -3.81) / (2 * qnorm(0.975)); y1 <- 1.0 - 3.1; v1 <- 1.0^2/12 + 2.7^2/6
w2 <- 1/se.p^2 - 1/v1; y2 <- (-2.00/se.p^2 - y1/v1) / w2
ds$lupus2 <- data.frame(study = c("Deng 2017", "other trial (back-solved)"), yi = c(y1, y2), vi = c(v1, 1/w2))
d <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
            data = dat.normand1999)
ds$normand9 <- data.frame(study = d$source, yi = as.numeric(d$yi), vi = as.numeric(d$vi))
d <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
ds$bcg13 <- data.frame(study = paste(d$author, d$year), yi = as.numeric(d$yi), vi = as.numeric(d$vi))
ds$bcg3 <- ds$bcg13[1:3, ]
d <- dat.raudenbush1985
ds$raud19 <- data.frame(study = paste(d$author, d$year), yi = d$yi, vi = d$vi)
d <- dat.hackshaw1998[1:30, ]
ds$hack30 <- data.frame(study = paste(d$author, d$year), yi = d$yi, vi = d$vi)
for (n in names(ds)) write.csv(ds[[n]], file.path(out, paste0("data_", n, ".csv")), row.names = FALSE)

## ---- priors (R's own densities) ----------------------------------------------------------
# Turner 2015 Table IV, pain, pharmacological vs placebo/control: tau^2 ~ logN(-1.83, 1.52^2)
# Rhodes 2015 Table 3, various subjectively measured outcomes, non-pharmacological: log tau^2 ~ -2.62 + 2.41 t_5
tau.priors <- list(
  "halfnormal:0.5"  = list(d = function(t) 2 * dnorm(t, 0, 0.5), tail = Inf),
  "halfcauchy:0.5"  = list(d = function(t) 2 * dcauchy(t, 0, 0.5), tail = 2),
  "halft:0.5:3"     = list(d = function(t) 2 * dt(t / 0.5, 3) / 0.5, tail = 4),
  "lognormal:-1:1"  = list(d = function(t) dlnorm(t, -1, 1), tail = Inf),
  "uniform:0:2"     = list(d = function(t) dunif(t, 0, 2), tail = Inf, lo = 0, hi = 2),
  "jeffreys"        = list(d = NULL, tail = 1, improper = TRUE),
  "turner:pain:pharm-placebo" = list(d = function(t) 2 * t * dlnorm(t^2, -1.83, 1.52), tail = Inf),
  "rhodes:subjective:nonpharm" = list(d = function(t) ifelse(t > 0, dt((log(t^2) + 2.62) / 2.41, 5) / 2.41 * 2 / t, 0),
                                      tail = 1, logdecay = TRUE))
mu.priors <- list("normal:0:4" = c(0, 4), "flat" = NULL)

fit <- function(y, v, tp, mp, level = 0.95, double.check = FALSE) {
  k <- length(y)
  flat <- is.null(mp)
  dprior <- if (!is.null(tp$d)) tp$d else function(t) { w <- 1 / outer(t^2, v, "+"); t * sqrt(rowSums(w^2)) }
  # [[ ]]: tp$lo would partially match "logdecay"
  lo <- if (is.null(tp[["lo"]])) 0 else tp[["lo"]]; hi <- if (is.null(tp[["hi"]])) Inf else tp[["hi"]]
  condv <- function(t) {  # log p(y | tau), m(tau), V(tau) for a vector of tau
    ss <- outer(t^2, v, "+"); yy <- matrix(y, nrow(ss), k, byrow = TRUE)
    if (!flat) { ss <- cbind(mp[2]^2, ss); yy <- cbind(mp[1], yy) }
    sw <- rowSums(1 / ss); m <- rowSums(yy / ss) / sw
    list(ll = -0.5 * ((ncol(ss) - 1) * log(2 * pi) + rowSums(log(ss)) + rowSums((yy - m)^2 / ss) + log(sw)),
         m = m, V = 1 / sw) }
  cond <- function(t) { r <- condv(t); c(ll = r$ll, m = r$m, V = r$V) }
  # check the closed form against integrate() over mu
  for (t in c(0.1, 1, 3) * sqrt(mean(v))) {
    f <- function(mu) sapply(mu, function(u) exp(sum(dnorm(y, u, sqrt(v + t^2), log = TRUE)) +
                                                 (if (flat) 0 else dnorm(u, mp[1], mp[2], log = TRUE))))
    cm <- cond(t); sc <- sqrt(cm["V"])
    I <- integrate(f, cm["m"] - 40 * sc, cm["m"] + 40 * sc, rel.tol = RT, abs.tol = 0, subdivisions = 2000)$value
    lI <- log(I)
    stopifnot(abs(lI - cm["ll"]) < 1e-8 * max(1, abs(cm["ll"])))
  }
  # reference scale: maximum of tau p(tau|y) on a log grid
  g <- sqrt(mean(v)) * exp(seq(-50, 50, by = 0.25)); g <- g[g > lo & g < hi]
  lp <- log(dprior(g)) + condv(g)$ll
  ref <- max(lp); cc <- g[which.max(lp + log(g))]
  un <- function(t) { p <- dprior(t); r <- ifelse(p > 0 & t >= lo & t <= hi, exp(log(p) + condv(t)$ll - ref), 0)
    r[is.na(r)] <- 0; r }
  cuts <- c(1e-3, 0.1, 1, 10) * cc; cuts <- unique(sort(c(lo, cuts[cuts > lo & cuts < hi], hi)))
  # integrals over tau as integrals over u = log tau (the log-t prior's density grows like
  # 1/(tau log^6 tau) as tau -> 0, which integrate() misses on the tau scale), split at cc, 10 cc
  integ <- function(f, a = lo, b = hi) {
    pts <- unique(c(a, cuts[cuts > a & cuts < b], b)); s <- 0
    for (i in seq_len(length(pts) - 1)) {
      # (tau beyond 1e150: mass below 1e-150 for every tail here, and tau^2 would overflow)
      r <- integrate(function(u) { t <- exp(u); ok <- t > 0 & t < 1e150; r <- numeric(length(u))
                                   r[ok] <- f(t[ok]) * t[ok]; r }, log(pts[i]), log(pts[i + 1]),
                     rel.tol = RT, abs.tol = 0, subdivisions = 5000, stop.on.error = FALSE)
      if (r$message != "OK" && !grepl("roundoff", r$message)) stop("integrate: ", r$message)
      s <- s + r$value }
    s }
  Z <- integ(un)
  post <- function(t) un(t) / Z
  a <- tp$tail + k - (if (flat) 1 else 0)
  fin <- function(r) is.finite(tp$tail) == FALSE || a - r > 1 || (isTRUE(tp$logdecay) && a - r == 1)
  mfun <- function(t) condv(t)$m; Vfun <- function(t) condv(t)$V
  E <- function(h) integ(function(t) post(t) * h(t))
  # tau
  Ftau <- function(x) if (x <= lo) 0 else if (x >= hi) 1 else integ(post, lo, x)
  Qtau <- function(p) { if (p <= 0) return(lo); if (p >= 1) return(hi)
    u <- cc; while (Ftau(u) < p && u < hi) u <- min(2 * u, hi)
    uniroot(function(x) Ftau(x) - p, c(lo, u), tol = 1e-13 * u)$root }
  tmean <- if (fin(1)) E(identity) else Inf
  tsd <- if (fin(2)) sqrt(E(function(t) (t - tmean)^2)) else Inf
  # normal mixtures over tau
  mixF <- function(x, M, S) integ(function(t) post(t) * pnorm(x, M(t), S(t)))
  mixf <- function(x, M, S) integ(function(t) post(t) * dnorm(x, M(t), S(t)))
  mixQ <- function(p, M, S, c0, s0) {
    l <- c0 - s0; u <- c0 + s0
    while (mixF(l, M, S) > p) l <- c0 - 2 * (c0 - l)
    while (mixF(u, M, S) < p) u <- c0 + 2 * (u - c0)
    uniroot(function(x) mixF(x, M, S) - p, c(l, u), tol = 1e-12 * s0)$root }
  hpd <- function(Q, f, plo) {
    h <- function(p) f(Q(p)) - f(Q(p + level))
    a0 <- plo; b0 <- 1 - level - plo
    if (h(a0) >= 0) return(c(Q(a0), Q(a0 + level)))
    if (h(b0) <= 0) return(c(Q(b0), Q(b0 + level)))
    p <- uniroot(h, c(a0, b0), tol = 1e-13)$root
    c(Q(p), Q(p + level)) }
  summ <- function(M, S, mean, sd, want.hpd = TRUE) {
    s0 <- if (is.finite(sd)) sd else max(S(c(cc, 10 * cc)))
    med <- mixQ(0.5, M, S, mean, s0)
    Qf <- function(p) mixQ(p, M, S, med, s0)
    r <- c(mean = mean, median = med, sd = sd, ci_lb = Qf((1 - level) / 2), ci_ub = Qf((1 + level) / 2))
    if (want.hpd) { h <- hpd(Qf, function(x) mixf(x, M, S), 1e-13); r <- c(r, hpd_lb = h[1], hpd_ub = h[2]) }
    r }
  mmean <- E(mfun)
  mvar <- if (!flat || fin(2)) E(function(t) Vfun(t) + (mfun(t) - mmean)^2) else Inf
  pvar <- if (fin(2)) E(function(t) Vfun(t) + t^2 + (mfun(t) - mmean)^2) else Inf
  smu <- summ(mfun, function(t) sqrt(Vfun(t)), mmean, sqrt(mvar))
  spred <- summ(mfun, function(t) sqrt(Vfun(t) + t^2), mmean, sqrt(pvar))
  tmed <- Qtau(0.5)
  th <- hpd(Qtau, function(x) if (x < lo || x > hi) 0 else post(x), 0)
  stau <- c(mean = tmean, median = tmed, sd = tsd, ci_lb = Qtau((1 - level) / 2), ci_ub = Qtau((1 + level) / 2),
            hpd_lb = th[1], hpd_ub = th[2])
  # shrinkage
  # shrinkage of studies 1, 2 and k (all of them costs minutes per fit in R)
  shr.idx <- unique(c(1, 2, k))
  shr <- t(sapply(shr.idx, function(i) {
    M <- function(t) { B <- t^2 / (v[i] + t^2); B * y[i] + (1 - B) * mfun(t) }
    S <- function(t) { B <- t^2 / (v[i] + t^2); sqrt(B * v[i] + (1 - B)^2 * Vfun(t)) }
    mn <- E(M); sd <- sqrt(E(function(t) S(t)^2 + (M(t) - mn)^2))
    summ(M, S, mn, sd, FALSE)[c("mean", "ci_lb", "ci_ub")] }))
  # marginal likelihood, Bayes factors
  proper <- !isTRUE(tp$improper)
  lml <- NA; bft <- NA; bfm <- NA
  logZfull <- log(Z) + ref
  if (proper) bft <- exp(cond(0)["ll"] - logZfull)
  if (!flat) {
    bfm <- mixf(0, mfun, function(t) sqrt(Vfun(t))) / dnorm(0, mp[1], mp[2])
    if (proper) lml <- logZfull
    if (proper && double.check) {
      # the same as a double integral over tau and mu of p(y | mu, tau) p(mu) p(tau)
      inner <- function(t, h) { cm <- cond(t); sc <- sqrt(cm["V"])
        f <- function(mu) sapply(mu, function(u) exp(sum(dnorm(y, u, sqrt(v + t^2), log = TRUE)) +
                    dnorm(u, mp[1], mp[2], log = TRUE) - ref))
        lim <- c(cm["m"] - 40 * sc, cm["m"] + 40 * sc)
        I0 <- integrate(f, lim[1], lim[2], rel.tol = 1e-11, abs.tol = 0, subdivisions = 2000)$value
        if (is.null(h)) return(I0)
        # E(mu): the integrand changes sign, so the tolerance is relative to the integral of |.|
        integrate(function(mu) mu * f(mu), lim[1], lim[2], rel.tol = 1e-11,
                  abs.tol = 1e-12 * I0 * (abs(cm["m"]) + sc), subdivisions = 2000)$value }
      dbl <- function(h) integ(function(tt) sapply(tt, function(t) if (t < lo || t > hi) 0 else dprior(t) * inner(t, h)))
      Z2 <- dbl(NULL)
      stopifnot(abs(log(Z2) + ref - lml) < 1e-7 * max(1, abs(lml)))
      stopifnot(abs(dbl(TRUE) / Z2 - mmean) < 1e-7 * max(1, sqrt(mvar)))
    }
  }
  list(main = c(mu = smu, tau = stau, pred = spred, log_marglik = unname(lml),
                marglik = exp(unname(lml)), bf_mu0 = unname(bfm), bf_tau0 = unname(bft)), shr = shr)
}

# Rscript make_bayes_fixtures.R [DATASET...]: only those data sets (to run in parts); the
# per-fit rows go to parts/ and are joined into bayes_summary.csv and bayes_shrinkage.csv.
args <- commandArgs(trailingOnly = TRUE)
dir.create(file.path(out, "parts"), showWarnings = FALSE)
todo <- if (length(args)) intersect(args, names(ds)) else names(ds)   # "join": only join the parts
# REV=1 walks the priors backwards, so that two processes can share one data set
prior.order <- if (nzchar(Sys.getenv("REV"))) rev(names(tau.priors)) else names(tau.priors)
for (dn in todo) for (tn in prior.order) for (mn in names(mu.priors)) {
  D <- ds[[dn]]
  a <- tau.priors[[tn]]$tail + nrow(D) - (if (mn == "flat") 1 else 0)
  if (!(a > 1 || isTRUE(tau.priors[[tn]]$logdecay))) next   # improper posterior: not a fixture
  tag <- gsub("[^A-Za-z0-9.-]", "_", paste(dn, tn, mn, sep = "__"))
  if (file.exists(file.path(out, "parts", paste0(tag, ".m.csv")))) next   # done in an earlier run
  cat(dn, tn, mn, format(Sys.time()), "\n")
  # the double integral over tau and mu checks the closed form once per data set
  r <- fit(D$yi, D$vi, tau.priors[[tn]], mu.priors[[mn]], double.check = tn %in% c("halfnormal:0.5", "uniform:0:2"))
  m <- data.frame(dataset = dn, tau_prior = tn, mu_prior = mn, t(r$main), check.names = FALSE)
  names(m) <- gsub(".", "_", names(m), fixed = TRUE)
  s <- data.frame(dataset = dn, tau_prior = tn, mu_prior = mn, study = unique(c(1, 2, nrow(D))), r$shr, check.names = FALSE)
  write.csv(format(m, digits = 17), file.path(out, "parts", paste0(tag, ".m.csv")), row.names = FALSE, quote = FALSE)
  write.csv(format(s, digits = 17), file.path(out, "parts", paste0(tag, ".s.csv")), row.names = FALSE, quote = FALSE)
}
# join the parts in a fixed order (data sets, then priors, as listed above)
M <- list(); S <- list()
for (dn in names(ds)) for (tn in names(tau.priors)) for (mn in names(mu.priors)) {
  tag <- gsub("[^A-Za-z0-9.-]", "_", paste(dn, tn, mn, sep = "__"))
  f <- file.path(out, "parts", paste0(tag, ".m.csv"))
  if (!file.exists(f)) next
  M[[length(M) + 1]] <- readLines(f); S[[length(S) + 1]] <- readLines(file.path(out, "parts", paste0(tag, ".s.csv")))
}
if (length(M)) {
  writeLines(c(M[[1]][1], unlist(lapply(M, `[`, -1))), file.path(out, "bayes_summary.csv"))
  writeLines(c(S[[1]][1], unlist(lapply(S, function(x) x[-1]))), file.path(out, "bayes_shrinkage.csv"))
}
