# make_edge_fixtures.R - reference values for tests/test_edge.c (numerical edge cases) from
# R metafor 3.8: tiny/huge/mixed-scale vi, tau^2 at the boundary, flat and multimodal REML
# likelihoods, ties in the rank test, zero-event and double-zero 2x2 tables, proportions of
# 0 and 1. Run from the source tree:
#   Rscript tests/reference/make_edge_fixtures.R
# Writes tests/reference/edge/*.csv with 17 significant digits.
suppressMessages({ library(metafor); library(metadat) })
out <- "tests/reference/edge"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
f17 <- function(x) if (is.numeric(x)) sprintf("%.17g", x) else x
wcsv <- function(d, name) {
  d[] <- lapply(d, function(x) if (is.numeric(x)) ifelse(is.na(x), NA, f17(x)) else x)
  write.csv(d, file.path(out, name), row.names = FALSE, quote = FALSE, na = "NA")
}
ctrl <- list(threshold = 1e-13, maxiter = 10000, tol = 1e-13, stepadj = 1)
nz <- function(x) if (is.null(x) || length(x) == 0) NA else as.numeric(x[1])

bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
# ---- yi/vi cases ----
cases <- list(
  tiny = data.frame(yi = bcg$yi * 1e-6, vi = bcg$vi * 1e-12),
  huge = data.frame(yi = bcg$yi * 1e6, vi = bcg$vi * 1e12),
  mixed = data.frame(yi = c(0.1, 0.5, -0.3, 1.2, 0.8, 0.05),
                     vi = c(1e-6, 1e6, 1e-3, 1e3, 1, 1e-5)),
  # sum of squares below its expectation: every estimator truncates (or SJ stays > 0)
  boundary = data.frame(yi = c(0.10, 0.12, 0.09, 0.11, 0.10, 0.105),
                        vi = c(0.04, 0.05, 0.03, 0.06, 0.02, 0.045)),
  # Q just above df: small positive tau^2, near the boundary
  nearzero = data.frame(yi = c(0, 0.45, -0.35, 0.1, 0.5, -0.3),
                        vi = c(0.04, 0.05, 0.03, 0.06, 0.02, 0.045)),
  k2spread = data.frame(yi = c(-1, 2), vi = c(0.01, 0.02)),
  k2equal = data.frame(yi = c(0.3, 0.3), vi = c(0.01, 0.5)),
  # REML/ML likelihood nearly flat in tau^2: two imprecise studies far apart
  flat = data.frame(yi = c(-3, 3, 0.1), vi = c(50, 60, 40)),
  # a precise cluster plus two imprecise outliers: the ML and REML profiles in tau^2 each
  # have two local maxima (about 0.05-0.07 and 10-20; uni_profile.csv says which is global)
  multimodal = data.frame(yi = c(-0.3, 0, 0.3, 0.15, -10, 10),
                          vi = c(0.001, 0.001, 0.001, 0.001, 10, 10)),
  multimodal2 = data.frame(yi = c(-0.5, 0, 0.5, 0.25, -10, 10),
                           vi = c(0.001, 0.001, 0.001, 0.001, 10, 10)),
  # near-zero precise cluster plus imprecise far outliers: profile maximum at tau^2 = 0
  outliers0 = data.frame(yi = c(0, 0.01, -0.01, 0.02, 6, -6, 8),
                         vi = c(0.001, 0.001, 0.001, 0.001, 30, 30, 40))
)
rows <- list(); drows <- list(); prof <- list()
methods <- c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
for (n in names(cases)) {
  d <- cases[[n]]
  drows[[n]] <- data.frame(case = n, i = seq_len(nrow(d)), yi = d$yi, vi = d$vi)
  for (m in methods) for (tt in c("z", "knha")) {
    r <- tryCatch(suppressWarnings(rma(yi, vi, data = d, method = m, test = tt, control = ctrl)),
                  error = function(e) conditionMessage(e))
    if (is.character(r)) {
      rows[[length(rows) + 1]] <- data.frame(case = n, method = m, test = tt, ok = 0,
        b = NA, se = NA, cilb = NA, ciub = NA, tau2 = NA, QE = NA, I2 = NA, H2 = NA, ll = NA,
        msg = gsub(",", ";", r))
      next
    }
    rows[[length(rows) + 1]] <- data.frame(case = n, method = m, test = tt, ok = 1,
      b = nz(r$beta), se = r$se, cilb = r$ci.lb, ciub = r$ci.ub, tau2 = r$tau2, QE = r$QE,
      I2 = r$I2, H2 = r$H2, ll = nz(logLik(r)), msg = "")
  }
  # the REML and ML log-likelihoods on a grid, to say where the global maximum lies
  for (m in c("ML", "REML")) {
    g <- c(0, exp(seq(log(1e-8 * max(d$vi)), log(1e3 * max(d$vi) + 1), length.out = 20000)))
    ll <- sapply(g, function(t2) {   # the (restricted) log-likelihood of the intercept model
      w <- 1 / (d$vi + t2); b <- sum(w * d$yi) / sum(w)
      l <- -0.5 * sum(log(d$vi + t2)) - 0.5 * sum(w * (d$yi - b)^2)
      if (m == "REML") l - 0.5 * log(sum(w)) else l })
    prof[[length(prof) + 1]] <- data.frame(case = n, method = m, tau2_best = g[which.max(ll)],
                                           ll_best = max(ll))
  }
}
wcsv(do.call(rbind, drows), "uni_data.csv")
wcsv(do.call(rbind, rows), "uni_fits.csv")
wcsv(do.call(rbind, prof), "uni_profile.csv")

# ---- rank test with ties (tied yi, tied vi, both) ----
rk <- list(
  tiedyi = data.frame(yi = c(0.2, 0.2, 0.5, 0.1, 0.2, 0.7, 0.3, 0.3),
                      vi = c(0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08)),
  tiedvi = data.frame(yi = c(0.1, 0.4, -0.2, 0.6, 0.3, 0.9, 0.2, 0.5),
                      vi = c(0.02, 0.02, 0.05, 0.05, 0.05, 0.1, 0.1, 0.2)),
  tiedboth = data.frame(yi = c(0.3, 0.3, 0.3, 0.1, 0.5, 0.5, 0.2, 0.8, 0.1),
                        vi = c(0.02, 0.02, 0.05, 0.05, 0.05, 0.1, 0.1, 0.2, 0.2)),
  notie = data.frame(yi = bcg$yi, vi = bcg$vi)
)
rrows <- list(); rdata <- list()
for (n in names(rk)) {
  d <- rk[[n]]
  rdata[[n]] <- data.frame(case = n, i = seq_len(nrow(d)), yi = d$yi, vi = d$vi)
  r <- suppressWarnings(ranktest(d$yi, d$vi))
  rrows[[n]] <- data.frame(case = n, tau = r$tau, pval = r$pval)
}
wcsv(do.call(rbind, rdata), "rank_data.csv")
wcsv(do.call(rbind, rrows), "rank.csv")

# ---- 2x2 tables with zero cells ----
tabs <- list(
  # single-zero cells in either arm, one double-zero table, one double-all table
  zeros = data.frame(ai = c(0, 3, 5, 0, 2, 10), bi = c(20, 17, 25, 30, 18, 0),
                     ci = c(4, 0, 9, 0, 6, 12), di = c(16, 20, 21, 30, 14, 0)),
  # only one study with events at all
  sparse = data.frame(ai = c(0, 0, 1, 0), bi = c(50, 40, 59, 45),
                      ci = c(0, 0, 4, 0), di = c(50, 40, 56, 45)),
  # zero events in every treatment arm
  allzero1 = data.frame(ai = c(0, 0, 0), bi = c(30, 25, 40), ci = c(3, 5, 2),
                        di = c(27, 20, 38))
)
tdata <- list(); tes <- list(); tfit <- list()
for (n in names(tabs)) {
  t <- tabs[[n]]
  tdata[[n]] <- cbind(data.frame(case = n, i = seq_len(nrow(t))), t)
  for (m in c("OR", "RR", "RD", "PETO")) for (d0 in c(0, 1)) {
    es <- escalc(m, ai = ai, bi = bi, ci = ci, di = di, data = t, drop00 = d0 == 1)
    tes[[length(tes) + 1]] <- data.frame(case = n, measure = m, drop00 = d0,
                                         i = seq_len(nrow(t)), yi = as.numeric(es$yi),
                                         vi = as.numeric(es$vi))
    for (meth in c("FE", "DL", "REML")) {
      r <- tryCatch(suppressWarnings(rma(yi, vi, data = es, method = meth, control = ctrl)),
                    error = function(e) NULL)
      if (is.null(r)) next
      tfit[[length(tfit) + 1]] <- data.frame(case = n, measure = m, drop00 = d0,
        method = meth, k = r$k, b = nz(r$beta), se = r$se, tau2 = r$tau2, QE = r$QE)
    }
  }
  for (m in c("OR", "RR", "RD", "PETO")) {
    r <- tryCatch(suppressWarnings(
      if (m == "PETO") rma.peto(ai, bi, ci, di, data = t) else
        rma.mh(ai, bi, ci, di, data = t, measure = m)), error = function(e) NULL)
    if (is.null(r)) next
    tfit[[length(tfit) + 1]] <- data.frame(case = n, measure = m, drop00 = 1,
      method = if (m == "PETO") "PETO" else "MH", k = r$k, b = nz(r$beta), se = r$se,
      tau2 = NA, QE = r$QE)
  }
}
wcsv(do.call(rbind, tdata), "tab_data.csv")
wcsv(do.call(rbind, tes), "tab_es.csv")
wcsv(do.call(rbind, tfit), "tab_fits.csv")

# ---- proportions of 0 and 1 ----
props <- list(
  ends = data.frame(xi = c(0, 12, 20, 5, 30, 0), ni = c(20, 40, 20, 25, 60, 15)),
  allzero = data.frame(xi = c(0, 0, 0), ni = c(10, 25, 40)),
  allone = data.frame(xi = c(10, 25, 40), ni = c(10, 25, 40))
)
pdata <- list(); pes <- list(); pfit <- list()
for (n in names(props)) {
  p <- props[[n]]
  pdata[[n]] <- cbind(data.frame(case = n, i = seq_len(nrow(p))), p)
  for (m in c("PR", "PLN", "PLO", "PAS", "PFT")) {
    es <- escalc(m, xi = xi, ni = ni, data = p)
    pes[[length(pes) + 1]] <- data.frame(case = n, measure = m, i = seq_len(nrow(p)),
                                         yi = as.numeric(es$yi), vi = as.numeric(es$vi))
    for (meth in c("FE", "DL", "REML")) {
      r <- tryCatch(suppressWarnings(rma(yi, vi, data = es, method = meth, control = ctrl)),
                    error = function(e) NULL)
      if (is.null(r)) next
      pfit[[length(pfit) + 1]] <- data.frame(case = n, measure = m, method = meth, k = r$k,
        b = nz(r$beta), se = r$se, tau2 = r$tau2, QE = r$QE)
    }
  }
}
wcsv(do.call(rbind, pdata), "prop_data.csv")
wcsv(do.call(rbind, pes), "prop_es.csv")
wcsv(do.call(rbind, pfit), "prop_fits.csv")
cat("wrote", out, "\n")
