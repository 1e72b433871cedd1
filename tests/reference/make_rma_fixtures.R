# make_rma_fixtures.R - reference values for tests/test_rma.c from R metafor 3.8 (rma.uni,
# confint, predict, rma.mh, rma.peto). Run from the source tree:
#   Rscript tests/reference/make_rma_fixtures.R
# Writes tests/reference/rma/*.csv with 17 significant digits.
suppressMessages({ library(metafor); library(metadat) })
options(digits = 17)
out <- "tests/reference/rma"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
f17 <- function(x) if (is.numeric(x)) sprintf("%.17g", x) else x
wcsv <- function(d, name) {
  d[] <- lapply(d, function(x) if (is.numeric(x)) ifelse(is.na(x), NA, f17(x)) else x)
  write.csv(d, file.path(out, name), row.names = FALSE, quote = FALSE, na = "NA")
}
ctrl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12, stepadj = 1)

# ---- data sets (yi, vi, moderators) ----
bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
nor <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
              data = dat.normand1999)
rau <- dat.raudenbush1985
rau$weeks.c <- ifelse(rau$weeks > 3, 3, rau$weeks)
hac <- dat.hackshaw1998
ban <- dat.bangertdrowns2004
mol <- escalc("ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
pri <- escalc("PLO", xi = xi, ni = ni, data = dat.pritz1997)
sets <- list(
  bcg = data.frame(yi = bcg$yi, vi = bcg$vi, ablat = bcg$ablat, year = bcg$year),
  normand = data.frame(yi = nor$yi, vi = nor$vi),
  raudenbush = data.frame(yi = rau$yi, vi = rau$vi, weeks_c = rau$weeks.c),
  hackshaw = data.frame(yi = hac$yi, vi = hac$vi),
  bangertdrowns = data.frame(yi = ban$yi, vi = ban$vi),
  molloy = data.frame(yi = mol$yi, vi = mol$vi),
  pritz = data.frame(yi = pri$yi, vi = pri$vi),
  k1 = data.frame(yi = bcg$yi[1], vi = bcg$vi[1]),
  k2 = data.frame(yi = bcg$yi[1:2], vi = bcg$vi[1:2]),
  identical = data.frame(yi = rep(0.5, 5), vi = c(0.1, 0.2, 0.05, 0.3, 0.15))
)
for (n in names(sets)) wcsv(sets[[n]], paste0("data_", n, ".csv"))

# ---- rma.uni fits ----
specs <- list()
for (n in names(sets)) specs[[length(specs) + 1]] <- list(data = n, mods = "")
specs[[length(specs) + 1]] <- list(data = "bcg", mods = "ablat")
specs[[length(specs) + 1]] <- list(data = "bcg", mods = "ablat+year")
specs[[length(specs) + 1]] <- list(data = "raudenbush", mods = "weeks_c")
methods <- c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
tests <- c("z", "t", "knha")
nz <- function(x) if (is.null(x) || length(x) == 0) NA else as.numeric(x[1])
na3 <- function(x, n = 3) { x <- as.numeric(x); c(x, rep(NA, n - length(x)))[1:n] }
rows <- list(); wrows <- list(); id <- 0
for (s in specs) {
  d <- sets[[s$data]]
  for (m in methods) for (tt in tests) {
    if (nrow(d) == 1 && tt == "knha") next
    mods <- if (s$mods == "") ~ 1 else as.formula(paste("~", s$mods))
    r <- tryCatch(suppressWarnings(rma(yi, vi, mods = mods, data = d, method = m, test = tt,
                                       control = ctrl)),
                  error = function(e) { cat("error:", conditionMessage(e), "\n"); NULL })
    if (is.null(r)) { cat("skip", s$data, s$mods, m, tt, "\n"); next }
    id <- id + 1
    ci <- list(random = matrix(NA, 4, 3))
    if (m != "FE" && r$k > r$p)
      ci <- tryCatch(suppressWarnings(confint(r, control = list(tol = 1e-12))),
                     error = function(e) list(random = matrix(NA, 4, 3)))
    rr <- ci$random
    pr <- if (r$p == 1) predict(r) else list(pi.lb = NA, pi.ub = NA)
    R2 <- if (is.null(r$R2)) NA else r$R2
    row <- data.frame(id = id, data = s$data, mods = ifelse(s$mods == "", "none", s$mods),
                      method = m, test = tt, k = r$k, p = r$p)
    for (j in 1:3) {
      row[[paste0("b", j - 1)]] <- na3(r$beta)[j]
      row[[paste0("se", j - 1)]] <- na3(r$se)[j]
      row[[paste0("zval", j - 1)]] <- na3(r$zval)[j]
      row[[paste0("pval", j - 1)]] <- na3(r$pval)[j]
      row[[paste0("cilb", j - 1)]] <- na3(r$ci.lb)[j]
      row[[paste0("ciub", j - 1)]] <- na3(r$ci.ub)[j]
    }
    row <- cbind(row, data.frame(
      tau2 = nz(r$tau2), se_tau2 = nz(r$se.tau2),
      I2 = nz(r$I2), H2 = nz(r$H2), QE = nz(r$QE), QEp = nz(r$QEp), QM = nz(r$QM),
      QMp = nz(r$QMp), QMdf1 = nz(r$QMdf[1]), QMdf2 = nz(r$QMdf[2]),
      tau2_lb = rr[1, 2], tau2_ub = rr[1, 3], I2_lb = rr[3, 2], I2_ub = rr[3, 3],
      H2_lb = rr[4, 2], H2_ub = rr[4, 3], pi_lb = nz(pr$pi.lb), pi_ub = nz(pr$pi.ub), R2 = R2,
      ll = nz(logLik(r)), dev = nz(deviance(r)), vt = nz(r$vt)))
    rows[[id]] <- row
    wrows[[id]] <- data.frame(id = id, i = seq_len(r$k), weight = weights(r))
  }
}
wcsv(do.call(rbind, rows), "fits.csv")
wcsv(do.call(rbind, wrows), "weights.csv")

# ---- Mantel-Haenszel and Peto ----
niel <- dat.nielweise2007
tabs <- list(
  bcg = data.frame(ai = dat.bcg$tpos, bi = dat.bcg$tneg, ci = dat.bcg$cpos, di = dat.bcg$cneg),
  nielweise = data.frame(ai = niel$ai, bi = niel$n1i - niel$ai, ci = niel$ci,
                         di = niel$n2i - niel$ci))
for (n in names(tabs)) wcsv(tabs[[n]], paste0("tab_", n, ".csv"))
# RevMan 5 random effects (Deeks & Higgins 2010): DL tau^2 from Q around the fixed MH/Peto
# estimate with IV weights 1/vi, then IV pooling with 1/(vi + tau^2). Written out by hand.
revman <- function(yi, vi, Q) {
  ok <- !is.na(yi); yi <- yi[ok]; vi <- vi[ok]; w <- 1 / vi; df <- length(yi) - 1
  t2 <- max(0, (Q - df) / (sum(w) - sum(w^2) / sum(w)))
  ws <- 1 / (vi + t2); b <- sum(ws * yi) / sum(ws)
  c(tau2 = t2, b = b, se = sqrt(1 / sum(ws)))
}
mrows <- list(); mw <- list(); id <- 0
for (n in names(tabs)) for (m in c("OR", "RR", "RD", "PETO")) {
  t <- tabs[[n]]
  r <- if (m == "PETO") rma.peto(ai, bi, ci, di, data = t) else
    rma.mh(ai, bi, ci, di, data = t, measure = m)
  id <- id + 1
  if (m == "PETO") {
    n1 <- t$ai + t$bi; n2 <- t$ci + t$di; N <- n1 + n2; xt <- t$ai + t$ci; yt <- t$bi + t$di
    V <- xt * yt * (n1 / N) * (n2 / N) / (N - 1); E <- xt * n1 / N
    yy <- ifelse(V > 0, (t$ai - E) / V, NA); vv <- ifelse(V > 0, 1 / V, NA)
    rv <- revman(yy, vv, r$QE)
  } else {
    es <- escalc(m, ai = ai, bi = bi, ci = ci, di = di, data = t, drop00 = TRUE)
    rv <- revman(es$yi, es$vi, r$QE)
  }
  mrows[[id]] <- data.frame(id = id, data = n, measure = m, k = r$k, b = as.numeric(r$beta),
    se = r$se, zval = r$zval, pval = r$pval, cilb = r$ci.lb, ciub = r$ci.ub, QE = r$QE,
    QEp = r$QEp, I2 = r$I2, H2 = r$H2, rm_tau2 = rv[["tau2"]], rm_b = rv[["b"]],
    rm_se = rv[["se"]])
  mw[[id]] <- data.frame(id = id, i = seq_len(r$k), weight = weights(r))
}
wcsv(do.call(rbind, mrows), "mh.csv")
wcsv(do.call(rbind, mw), "mh_weights.csv")
cat("wrote", out, "\n")
