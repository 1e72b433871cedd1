# Reference values for cmeta's derived analyses (tests/test_derive.c) and the pool CLI
# golden tests (tests/cli/t_pool.sh): metafor 3.8 leave1out(), cumul(), per-subgroup rma()
# fits and the test for subgroup differences, on real data sets from metadat.
#
# The meta package (whose subgroup analysis cmeta follows) is not installable here, so the
# subgroup references are computed from metafor fits as the meta package defines them:
#   - separate tau^2: rma(yi, vi, subset = group == g, method = M) per subgroup;
#   - common tau^2 (meta's tau.common = TRUE, meta 8.x R/hetcalc.R): tau2c =
#     rma(yi, vi, mods = ~ factor(group), method = M)$tau2 (0 when k < groups + 1), and
#     each subgroup refitted with rma(..., tau2 = tau2c);
#   - Q_between = rma(b_g, se_g^2, method = "FE")$QE on the subgroup estimates, df = G - 1.
# Run from the source tree:  Rscript tests/reference/make_derive_fixtures.R
suppressMessages(library(metafor))
out <- "tests/reference/derive"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
ctl <- list(threshold = 1e-12, maxiter = 10000)
num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
wcsv <- function(df, name) {
  for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- num(df[[j]])
  write.csv(df, file.path(out, name), row.names = FALSE, quote = TRUE)
}

# ---- data sets (yi, vi as cmeta computes them from the raw columns) ------------------------
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg <- data.frame(study = bcg$author, year = bcg$year, alloc = as.character(bcg$alloc),
                  yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi), stringsAsFactors = FALSE)
nor <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
              n2i = n2i, data = dat.normand1999)
nor <- data.frame(study = as.character(nor$source), year = nor$n1i,
                  alloc = sub("-.*", "", as.character(nor$source)),
                  yi = as.numeric(nor$yi), vi = as.numeric(nor$vi), stringsAsFactors = FALSE)
hac <- dat.hackshaw1998
hac <- data.frame(study = paste(hac$author, hac$year), year = hac$year,
                  alloc = as.character(hac$design),
                  yi = hac$yi, vi = hac$vi, stringsAsFactors = FALSE)
sets <- list(bcg = bcg, normand = nor, hackshaw = hac)

# the CLI input files (raw columns; cmeta computes yi/vi itself)
if (dir.exists("tests/cli/data")) {
  b <- dat.bcg
  write.csv(data.frame(study = b$author, year = b$year, alloc = b$alloc, ai = b$tpos,
                       bi = b$tneg, ci = b$cpos, di = b$cneg), "tests/cli/data/bcg.csv",
            row.names = FALSE)
  n <- dat.normand1999
  write.csv(data.frame(study = n$source, setting = sub("-.*", "", n$source),
                       n1i = n$n1i, m1i = n$m1i, sd1i = n$sd1i, n2i = n$n2i, m2i = n$m2i,
                       sd2i = n$sd2i), "tests/cli/data/normand.csv", row.names = FALSE)
  h <- dat.hackshaw1998
  write.csv(data.frame(study = paste(h$author, h$year), year = h$year, design = h$design,
                       yi = h$yi, vi = h$vi), "tests/cli/data/hackshaw.csv", row.names = FALSE)
}

# FE fits have no tau^2 column in leave1out()/cumul(): cmeta reports tau^2 = 0 there
z0 <- function(x, n) if (is.null(x)) rep(0, n) else x

row_of <- function(fit) {
  data.frame(k = fit$k, estimate = as.numeric(fit$beta), se = fit$se, zval = fit$zval,
             pval = fit$pval, ci_lb = fit$ci.lb, ci_ub = fit$ci.ub, Q = fit$QE, Qp = fit$QEp,
             tau2 = fit$tau2, I2 = fit$I2, H2 = fit$H2)
}

for (nm in names(sets)) {
  d <- sets[[nm]]
  wcsv(d, paste0(nm, "_data.csv"))
  for (m in c("REML", "DL", "FE")) {
    fit <- rma(yi, vi, data = d, method = m, control = ctl)
    l <- leave1out(fit)
    wcsv(data.frame(omitted = seq_len(nrow(d)), estimate = l$estimate, se = l$se,
                    zval = l$zval, pval = l$pval, ci_lb = l$ci.lb, ci_ub = l$ci.ub,
                    Q = l$Q, Qp = l$Qp, tau2 = z0(l$tau2, nrow(d)), I2 = l$I2, H2 = l$H2),
         paste0(nm, "_", m, "_loo.csv"))
    ord <- order(d$year)
    cu <- cumul(fit, order = d$year)  # metafor sorts by this variable (stable for ties)
    wcsv(data.frame(added = ord, estimate = cu$estimate, se = cu$se, zval = cu$zval,
                    pval = cu$pvals, ci_lb = cu$ci.lb, ci_ub = cu$ci.ub, Q = cu$Q,
                    Qp = cu$Qp, tau2 = z0(cu$tau2, nrow(d)), I2 = cu$I2, H2 = cu$H2),
         paste0(nm, "_", m, "_cumul.csv"))

    # subgroups in order of first appearance
    levs <- unique(d$alloc)
    gi <- match(d$alloc, levs)
    for (common in c(FALSE, TRUE)) {
      tau2c <- NA
      if (common && m != "FE") {
        if (nrow(d) < length(levs) + 1) tau2c <- 0
        else tau2c <- rma(yi, vi, mods = ~ factor(gi), data = d, method = m, control = ctl)$tau2
      }
      rows <- NULL
      for (g in seq_along(levs)) {
        sub <- d[gi == g, ]
        if (nrow(sub) == 1 && is.na(tau2c)) {
          f <- rma(yi, vi, data = sub, method = "FE")
        } else if (!is.na(tau2c)) {
          f <- rma(yi, vi, data = sub, tau2 = tau2c, control = ctl)
        } else {
          f <- rma(yi, vi, data = sub, method = m, control = ctl)
        }
        r <- row_of(f)
        if (nrow(sub) == 1) { r$Q <- 0; r$Qp <- 1; r$tau2 <- if (is.na(tau2c)) 0 else tau2c; r$I2 <- 0; r$H2 <- 1 }
        rows <- rbind(rows, cbind(subgroup = levs[g], r, stringsAsFactors = FALSE))
      }
      qb <- rma(rows$estimate, rows$se^2, method = "FE")
      ov <- rma(yi, vi, data = d, method = m, control = ctl)
      tail <- data.frame(subgroup = c("_overall", "_between"),
                         k = c(ov$k, length(levs)),
                         estimate = c(ov$beta, NA), se = c(ov$se, NA), zval = c(ov$zval, NA),
                         pval = c(ov$pval, NA), ci_lb = c(ov$ci.lb, NA), ci_ub = c(ov$ci.ub, NA),
                         Q = c(ov$QE, qb$QE), Qp = c(ov$QEp, qb$QEp),
                         tau2 = c(ov$tau2, tau2c), I2 = c(ov$I2, NA), H2 = c(ov$H2, NA),
                         stringsAsFactors = FALSE)
      wcsv(rbind(rows, tail), paste0(nm, "_", m, "_subgroup", if (common) "_common" else "", ".csv"))
    }
  }
}

# ---- pool summaries for the CLI JSON comparison -------------------------------------------
pool_row <- function(d, m, transf = NULL) {
  fit <- rma(yi, vi, data = d, method = m, control = ctl)
  ci <- if (m != "FE") confint(fit, control = list(tol = 1e-12))$random else matrix(NA, 3, 3)
  pr <- predict(fit)
  w <- weights(fit)
  data.frame(k = fit$k, estimate = as.numeric(fit$beta), se = fit$se, stat = fit$zval,
             pval = fit$pval, ci_lb = fit$ci.lb, ci_ub = fit$ci.ub, tau2 = fit$tau2,
             tau2_ci_lb = ci[1, 2], tau2_ci_ub = ci[1, 3], I2 = fit$I2,
             I2_ci_lb = ci[3, 2], I2_ci_ub = ci[3, 3], H2 = fit$H2,
             I2_Q = max(0, 100 * (fit$QE - (fit$k - 1)) / fit$QE), Q = fit$QE,
             Q_df = fit$k - 1, Q_pval = fit$QEp,
             pi_lb = if (is.null(pr$pi.lb)) pr$ci.lb else pr$pi.lb,
             pi_ub = if (is.null(pr$pi.ub)) pr$ci.ub else pr$pi.ub,
             w_first = w[1], w_last = w[length(w)])
}
pr <- NULL
for (nm in names(sets)) for (m in c("REML", "DL", "FE"))
  pr <- rbind(pr, cbind(data = nm, method = m, pool_row(sets[[nm]], m), stringsAsFactors = FALSE))
wcsv(pr, "pool.csv")
