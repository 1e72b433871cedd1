# make_diag_fixtures.R - reference values for meta-regression, influence diagnostics and
# small-study-effect tests, computed with R metafor 3.8.1 and metadat.
#
#   cd tests/reference && Rscript make_diag_fixtures.R
#
# Writes tests/reference/diag/*.csv (full precision, 17 significant digits):
#   data_<set>.csv      the studies (study, yi, vi, moderators) used by the C tests and CLI tests
#   regress.csv         rma(yi, vi, mods = ~ ..., method, test) for every estimator x z/t/knha
#   influence.csv       influence() of rma.uni models
#   bias.csv            regtest(model = "lm"), ranktest(), fsn() (Rosenthal, Orwin)
#   trimfill.csv        trimfill() with L0 and R0, the filled model
#   trimfill_filled.csv the filled studies (yi, vi) of each trimfill() call
suppressPackageStartupMessages({ library(metafor); library(metadat) })
options(digits = 17)
out <- "diag"
dir.create(out, showWarnings = FALSE)
ctl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
num <- function(x) ifelse(is.na(x), NA, sprintf("%.17g", x))
wcsv <- function(df, name) {
  for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- num(df[[j]])
  write.csv(df, file.path(out, name), row.names = FALSE, quote = TRUE, na = "NA")
}

## ---- data sets ---------------------------------------------------------------------
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg <- data.frame(study = paste(bcg$author, bcg$year), yi = c(bcg$yi), vi = c(bcg$vi),
                  ablat = bcg$ablat, alloc = bcg$alloc, year = bcg$year)
raud <- dat.raudenbush1985
# Raudenbush (1985): weeks of prior contact, capped at 3
raud <- data.frame(study = paste(raud$author, raud$year), yi = raud$yi, vi = raud$vi,
                   weeks = raud$weeks, weeksc = ifelse(raud$weeks > 3, 3, raud$weeks))
hack <- dat.hackshaw1998
hack <- data.frame(study = paste(hack$author, hack$year), yi = hack$yi, vi = hack$vi,
                   design = hack$design, year = hack$year)
bd <- dat.bangertdrowns2004
bd <- data.frame(study = paste(bd$author, bd$year), yi = bd$yi, vi = bd$vi,
                 length = bd$length, wic = bd$wic, meta = bd$meta, imag = bd$imag,
                 grade = bd$grade)
sets <- list(bcg = bcg, raud = raud, hackshaw = hack, bangert = bd)
for (s in names(sets)) wcsv(sets[[s]], paste0("data_", s, ".csv"))

## ---- meta-regression ----------------------------------------------------------------
models <- list(
  list(set = "bcg", mods = "ablat", int = TRUE),
  list(set = "bcg", mods = "ablat,alloc", int = TRUE),
  list(set = "bcg", mods = "alloc", int = TRUE),
  list(set = "bcg", mods = "alloc", int = FALSE),
  list(set = "bcg", mods = "ablat,year", int = FALSE),
  list(set = "raud", mods = "weeksc", int = TRUE),
  list(set = "hackshaw", mods = "design", int = TRUE),
  list(set = "hackshaw", mods = "year,design", int = TRUE),
  list(set = "bangert", mods = "length,wic,meta", int = TRUE)
)
methods <- c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
tests <- c("z", "t", "knha")
rows <- list()
for (m in models) {
  d <- sets[[m$set]]
  mv <- strsplit(m$mods, ",")[[1]]
  fml <- as.formula(paste("~", paste(mv, collapse = " + "), if (!m$int) "- 1" else ""))
  keep <- complete.cases(d[, mv, drop = FALSE])
  for (meth in methods) for (tt in tests) {
    r <- rma(yi, vi, mods = fml, data = d, method = meth, test = tt, control = ctl)
    R2 <- if (is.null(r$R2)) NA else r$R2
    rows[[length(rows) + 1]] <- data.frame(
      dataset = m$set, mods = m$mods, intercept = as.integer(m$int), method = meth, test = tt,
      k = r$k, term = rownames(r$beta), estimate = c(r$beta), se = r$se, stat = r$zval,
      pval = r$pval, ci_lb = r$ci.lb, ci_ub = r$ci.ub, QM = r$QM, QM_df = r$QMdf[1],
      QM_df2 = r$QMdf[2], QM_pval = r$QMp, QE = r$QE, QE_df = r$k - r$p, QE_pval = r$QEp,
      tau2 = r$tau2, I2 = r$I2, H2 = r$H2, R2 = R2, omitted = sum(!keep),
      stringsAsFactors = FALSE)
  }
}
wcsv(do.call(rbind, rows), "regress.csv")

## ---- influence ----------------------------------------------------------------------
infl <- list(
  list(set = "bcg", mods = "", method = "REML", test = "z"),
  list(set = "bcg", mods = "", method = "DL", test = "z"),
  list(set = "bcg", mods = "", method = "REML", test = "knha"),
  list(set = "bcg", mods = "", method = "FE", test = "z"),
  list(set = "bcg", mods = "ablat", method = "REML", test = "z"),
  list(set = "hackshaw", mods = "", method = "REML", test = "z"),
  list(set = "hackshaw", mods = "", method = "PM", test = "z"),
  list(set = "bangert", mods = "", method = "REML", test = "z")
)
rows <- list()
for (m in infl) {
  d <- sets[[m$set]]
  r <- if (m$mods == "") rma(yi, vi, data = d, method = m$method, test = m$test, control = ctl)
       else rma(yi, vi, mods = as.formula(paste("~", m$mods)), data = d, method = m$method,
                test = m$test, control = ctl)
  inf <- influence(r)
  dfb <- unclass(inf$dfbs)[seq_len(r$p)]
  rows[[length(rows) + 1]] <- data.frame(
    dataset = m$set, mods = m$mods, method = m$method, test = m$test, study = d$study,
    rstudent = inf$inf$rstudent, dffits = inf$inf$dffits, cook_d = inf$inf$cook.d,
    cov_r = inf$inf$cov.r, tau2_del = inf$inf$tau2.del, QE_del = inf$inf$QE.del,
    hat = inf$inf$hat, weight = inf$inf$weight,
    dfbs1 = dfb[[1]], dfbs2 = if (r$p > 1) dfb[[2]] else NA,
    influential = as.integer(inf$is.infl), stringsAsFactors = FALSE)
}
wcsv(do.call(rbind, rows), "influence.csv")

## ---- small-study effects ----------------------------------------------------------------
rows <- list(); tfrows <- list(); fillrows <- list()
for (s in c("hackshaw", "bangert", "bcg", "raud")) {
  d <- sets[[s]]
  eg <- regtest(d$yi, d$vi, model = "lm")
  cf <- coef(summary(eg$fit))
  rk <- suppressWarnings(ranktest(d$yi, d$vi))
  ros <- fsn(d$yi, d$vi)
  orw <- fsn(d$yi, d$vi, type = "Orwin")
  rows[[length(rows) + 1]] <- data.frame(
    dataset = s, k = nrow(d), egger_stat = eg$zval, egger_df = eg$dfs, egger_pval = eg$pval,
    egger_limit = eg$est, egger_limit_ci_lb = eg$ci.lb, egger_limit_ci_ub = eg$ci.ub,
    egger_slope = cf[2, 1], egger_slope_se = cf[2, 2],
    begg_tau = unname(rk$tau), begg_pval = rk$pval,
    ties = as.integer(length(unique(d$vi)) < nrow(d)),
    rosenthal = ros$fsnum, rosenthal_pval = ros$pval, orwin = orw$fsnum,
    orwin_target = orw$target, stringsAsFactors = FALSE)
  for (meth in c("REML", "DL", "FE", "PM")) for (est in c("L0", "R0")) {
    r <- rma(yi, vi, data = d, method = meth, control = ctl)
    tf <- trimfill(r, estimator = est, control = ctl)
    tfrows[[length(tfrows) + 1]] <- data.frame(
      dataset = s, method = meth, estimator = est, k0 = tf$k0, se_k0 = tf$se.k0,
      side = tf$side, k = tf$k, estimate = c(tf$beta), se = tf$se, stat = tf$zval,
      pval = tf$pval, ci_lb = tf$ci.lb, ci_ub = tf$ci.ub, tau2 = tf$tau2, QE = tf$QE,
      p_k0 = tf$p.k0, stringsAsFactors = FALSE)
    if (tf$k0 > 0) {
      n <- length(tf$yi)
      idx <- (n - tf$k0 + 1):n
      fillrows[[length(fillrows) + 1]] <- data.frame(
        dataset = s, method = meth, estimator = est, i = seq_len(tf$k0),
        yi = c(tf$yi)[idx], vi = tf$vi[idx], stringsAsFactors = FALSE)
    }
  }
}
wcsv(do.call(rbind, rows), "bias.csv")
wcsv(do.call(rbind, tfrows), "trimfill.csv")
wcsv(do.call(rbind, fillrows), "trimfill_filled.csv")
cat("written to", out, "\n")
