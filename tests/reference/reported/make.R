# make.R - reference values for the reported-statistics routes (cmeta/reported.h, issue 16 item 3).
#
#   cd tests/reference/reported && Rscript make.R
#
# An independent computation: every conversion is written out here from its published formula
# (not from cmeta's code), and R metafor 3.8's escalc() turns the converted means/SDs (or counts)
# into yi/vi. metafor 3.8 has no conv.fivenum (it came with metafor 4.0); the formulas below are
# those of metafor 4's R/conv.fivenum.r and its sources:
#   Luo et al. (2018) Stat Methods Med Res 27:1785, means (their eqs 7, 11, 15);
#   Wan et al. (2014) BMC Med Res Methodol 14:135, SDs (eqs 9, 16) and means (eqs 2, 10, 14);
#   Shi et al. (2020) Res Synth Methods 11:641, SD from all five numbers (eq 10);
#   Hozo et al. (2005) BMC Med Res Methodol 5:13 (rules by n);
#   Shi et al. (2023) Stat Methods Med Res 32:1338, the skewness test (conv.fivenum test = TRUE).
# Cochrane Handbook 6.5.2.2 (SD from SE or CI of a group mean), Table 6.5.a (combining groups);
# Altman & Bland (2011) BMJ 343:d2304 (SE from a CI), d2090 (SE from a two-sided P, exact z here).
suppressPackageStartupMessages(library(metafor))
stopifnot(packageVersion("metafor") >= "3.8")
options(digits = 17)
# CSV with every number at 17 significant digits (write.csv keeps 15)
wcsv <- function(d, f) {
  for (j in seq_along(d)) if (is.numeric(d[[j]])) d[[j]] <- ifelse(is.na(d[[j]]), NA, sprintf("%.17g", d[[j]]))
  write.csv(d, f, row.names = FALSE, na = "", quote = FALSE)
}

fivenum <- function(method, a, q1, m, q3, b, n) {
  range <- !is.na(a) && !is.na(b); iqr <- !is.na(q1) && !is.na(q3)
  if (range && iqr) {
    tv <- max(2.65 * log(0.6 * n) / sqrt(n) * abs((a + b - 2 * m) / (b - a)), abs((q1 + q3 - 2 * m) / (q3 - q1)))
    cr <- 3 / sqrt(n) - 40 / n^3
  } else if (range) {
    tv <- abs((a + b - 2 * m) / (b - a)); cr <- 1 / log(n + 9) + 2.5 / (n + 1)
  } else {
    tv <- abs((q1 + q3 - 2 * m) / (q3 - q1)); cr <- 2.65 / sqrt(n) - 6 / n^2
  }
  if (tv >= cr) return(c(mean = NA, sd = NA, skewed = 1))
  xi <- 2 * qnorm((n - 0.375) / (n + 0.25)); eta <- 2 * qnorm((0.75 * n - 0.125) / (n + 0.25))
  if (method == "default") {
    if (range && iqr) {
      w1 <- 2.2 / (2.2 + n^0.75); w2 <- 0.7 - 0.72 / n^0.55
      mu <- w1 * (a + b) / 2 + w2 * (q1 + q3) / 2 + (1 - w1 - w2) * m
      w <- 1 / (1 + 0.07 * n^0.6); s <- w * (b - a) / xi + (1 - w) * (q3 - q1) / eta
    } else if (range) {
      w <- 4 / (4 + n^0.75); mu <- w * (a + b) / 2 + (1 - w) * m; s <- (b - a) / xi
    } else {
      w <- 0.7 + 0.39 / n; mu <- w * (q1 + q3) / 2 + (1 - w) * m; s <- (q3 - q1) / eta
    }
  } else if (method == "wan") {
    if (range && iqr) { mu <- (a + 2 * q1 + 2 * m + 2 * q3 + b) / 8; s <- ((b - a) / xi + (q3 - q1) / eta) / 2 }
    else if (range) { mu <- (a + 2 * m + b) / 4; s <- (b - a) / xi }
    else { mu <- (q1 + m + q3) / 3; s <- (q3 - q1) / eta }
  } else { # hozo: minimum, median, maximum
    if (!range) return(c(mean = NA, sd = NA, skewed = 0))
    mu <- if (n <= 25) (a + 2 * m + b) / 4 else m
    s <- if (n <= 15) sqrt(((a - 2 * m + b)^2 / 4 + (b - a)^2) / 12) else if (n <= 70) (b - a) / 4 else (b - a) / 6
  }
  c(mean = mu, sd = s, skewed = 0)
}

# ---- 1. the five-number conversions on a grid (n across Hozo's thresholds 15, 25, 70) -----------
grid <- expand.grid(n = c(5, 10, 15, 16, 25, 26, 40, 70, 71, 100, 400), case = c("range", "iqr", "both"),
                    method = c("default", "wan", "hozo"), stringsAsFactors = FALSE)
a <- 10; q1 <- 17; m <- 20; q3 <- 23.5; b <- 31
rows <- lapply(seq_len(nrow(grid)), function(i) {
  g <- grid[i, ]
  A <- if (g$case == "iqr") NA else a; B <- if (g$case == "iqr") NA else b
  Q1 <- if (g$case == "range") NA else q1; Q3 <- if (g$case == "range") NA else q3
  r <- fivenum(g$method, A, Q1, m, Q3, B, g$n)
  data.frame(method = g$method, case = g$case, a = A, q1 = Q1, m = m, q3 = Q3, b = B, n = g$n,
             mean = r[["mean"]], sd = r[["sd"]], skewed = r[["skewed"]])
})
# and skewed summaries (conv.fivenum gives NA): metafor 4's own example (min 2, q1 4, m 6, q3 14, max 20, n 20)
sk <- data.frame(method = "default", case = "both", a = 2, q1 = 4, m = 6, q3 = 14, b = 20, n = 20,
                 mean = NA, sd = NA, skewed = fivenum("default", 2, 4, 6, 14, 20, 20)[["skewed"]])
fv <- rbind(do.call(rbind, rows), sk)
wcsv(fv, "fivenum.csv")

# ---- 2. single conversions ---------------------------------------------------------------------
sd_ci <- function(lb, ub, n, level = 95) {
  div <- if (n <= 100) 2 * qt(1 - (1 - level / 100) / 2, n - 1) else if (level == 95) 3.92 else 2 * qnorm(1 - (1 - level / 100) / 2)
  sqrt(n) * (ub - lb) / div
}
comb <- function(n1, m1, s1, n2, m2, s2) {
  N <- n1 + n2; M <- (n1 * m1 + n2 * m2) / N
  S <- sqrt(((n1 - 1) * s1^2 + (n2 - 1) * s2^2 + n1 * n2 / N * (m1^2 + m2^2 - 2 * m1 * m2)) / (N - 1))
  c(N, M, S)
}
cv <- rbind(
  data.frame(kind = "sd_from_se", x1 = 0.52, x2 = NA, x3 = 25, x4 = NA, x5 = NA, x6 = NA, value = 0.52 * sqrt(25)),
  data.frame(kind = "sd_from_ci", x1 = 9.3, x2 = 11.7, x3 = 25, x4 = 95, x5 = NA, x6 = NA, value = sd_ci(9.3, 11.7, 25)),
  data.frame(kind = "sd_from_ci", x1 = 9.3, x2 = 11.7, x3 = 100, x4 = 95, x5 = NA, x6 = NA, value = sd_ci(9.3, 11.7, 100)),
  data.frame(kind = "sd_from_ci", x1 = 10.0, x2 = 10.8, x3 = 120, x4 = 95, x5 = NA, x6 = NA, value = sd_ci(10, 10.8, 120)),
  data.frame(kind = "sd_from_ci", x1 = 10.0, x2 = 10.8, x3 = 120, x4 = 90, x5 = NA, x6 = NA, value = sd_ci(10, 10.8, 120, 90)),
  data.frame(kind = "sd_from_ci", x1 = 10.0, x2 = 10.8, x3 = 40, x4 = 90, x5 = NA, x6 = NA, value = sd_ci(10, 10.8, 40, 90)),
  data.frame(kind = "vi_from_ci", x1 = 0.1, x2 = 0.7, x3 = 95, x4 = 0, x5 = NA, x6 = NA, value = ((0.7 - 0.1) / (2 * qnorm(0.975)))^2),
  data.frame(kind = "vi_from_ci", x1 = 0.55, x2 = 0.94, x3 = 95, x4 = 1, x5 = NA, x6 = NA, value = ((log(0.94) - log(0.55)) / (2 * qnorm(0.975)))^2),
  data.frame(kind = "vi_from_ci", x1 = 0.2, x2 = 0.8, x3 = 90, x4 = 0, x5 = NA, x6 = NA, value = ((0.8 - 0.2) / (2 * qnorm(0.95)))^2),
  data.frame(kind = "vi_from_p", x1 = 17, x2 = 0.032, x3 = NA, x4 = NA, x5 = NA, x6 = NA, value = (17 / qnorm(1 - 0.032 / 2))^2),
  data.frame(kind = "vi_from_p", x1 = log(0.3), x2 = 0.034, x3 = NA, x4 = NA, x5 = NA, x6 = NA, value = (log(0.3) / qnorm(1 - 0.034 / 2))^2),
  data.frame(kind = "combine_n", x1 = 10, x2 = -6.1, x3 = 4.2, x4 = 11, x5 = -8.4, x6 = 3.9, value = comb(10, -6.1, 4.2, 11, -8.4, 3.9)[1]),
  data.frame(kind = "combine_m", x1 = 10, x2 = -6.1, x3 = 4.2, x4 = 11, x5 = -8.4, x6 = 3.9, value = comb(10, -6.1, 4.2, 11, -8.4, 3.9)[2]),
  data.frame(kind = "combine_sd", x1 = 10, x2 = -6.1, x3 = 4.2, x4 = 11, x5 = -8.4, x6 = 3.9, value = comb(10, -6.1, 4.2, 11, -8.4, 3.9)[3]))
wcsv(cv, "conversions.csv")

# ---- 3. the datasets under datasets/reported, row by row, through escalc -----------------------
num <- function(d, c) if (c %in% names(d)) as.numeric(d[[c]]) else rep(NA_real_, nrow(d))
group <- function(d, g, method) {
  n <- num(d, paste0("n", g, "i")); mm <- num(d, paste0("m", g, "i")); s <- num(d, paste0("sd", g, "i"))
  se <- num(d, paste0("se", g, "i")); lb <- num(d, paste0("ci_lb", g, "i")); ub <- num(d, paste0("ci_ub", g, "i"))
  med <- num(d, paste0("med", g, "i")); q1 <- num(d, paste0("q1", g, "i")); q3 <- num(d, paste0("q3", g, "i"))
  mn <- num(d, paste0("min", g, "i")); mx <- num(d, paste0("max", g, "i")); lev <- num(d, "ci_level")
  out <- data.frame(m = rep(NA_real_, nrow(d)), sd = NA_real_, n = n, level = NA_integer_, how = NA_character_)
  for (i in seq_len(nrow(d))) {
    if (is.na(n[i])) next
    if (!is.na(mm[i]) && !is.na(s[i])) { out[i, c("m", "sd")] <- c(mm[i], s[i]); out$level[i] <- 0; out$how[i] <- "mean_sd" }
    else if (!is.na(mm[i]) && !is.na(se[i])) { out[i, c("m", "sd")] <- c(mm[i], se[i] * sqrt(n[i])); out$level[i] <- 1; out$how[i] <- "group_se" }
    else if (!is.na(mm[i]) && !is.na(lb[i]) && !is.na(ub[i])) {
      out[i, c("m", "sd")] <- c(mm[i], sd_ci(lb[i], ub[i], n[i], if (is.na(lev[i])) 95 else lev[i])); out$level[i] <- 1; out$how[i] <- "group_ci"
    } else if (!is.na(med[i]) && ((!is.na(q1[i]) && !is.na(q3[i])) || (!is.na(mn[i]) && !is.na(mx[i])))) {
      r <- fivenum(method, mn[i], q1[i], med[i], q3[i], mx[i], n[i])
      if (!is.na(r[["mean"]])) {
        out[i, c("m", "sd")] <- r[c("mean", "sd")]; out$level[i] <- 2
        out$how[i] <- paste0("fivenum:", c(default = "luo-wan-shi", wan = "wan", hozo = "hozo")[[method]])
      }
    }
  }
  out
}
est_route <- function(d, ratio) {
  est <- num(d, "est"); lb <- num(d, "ci_lb"); ub <- num(d, "ci_ub"); se <- num(d, "sei"); p <- num(d, "pval")
  lev <- num(d, "ci_level"); lev[is.na(lev)] <- 95
  tr <- if (ratio) log else identity
  yi <- tr(est); vi <- rep(NA_real_, nrow(d)); how <- rep(NA_character_, nrow(d))
  ci <- !is.na(est) & !is.na(lb) & !is.na(ub)
  vi[ci] <- ((tr(ub[ci]) - tr(lb[ci])) / (2 * qnorm(1 - (1 - lev[ci] / 100) / 2)))^2; how[ci] <- "est_ci"
  s <- !ci & !is.na(est) & !is.na(se); vi[s] <- se[s]^2; how[s] <- "est_se"
  pp <- !ci & !s & !is.na(est) & !is.na(p); vi[pp] <- (yi[pp] / qnorm(1 - p[pp] / 2))^2; how[pp] <- "est_p"
  yi[is.na(how)] <- NA
  data.frame(yi = yi, vi = vi, how = how)
}
routes <- function(file, measure = NA, method = "default", ratio = FALSE, combine = NA) {
  d <- read.csv(file.path("../../../datasets/reported", file), stringsAsFactors = FALSE, check.names = FALSE)
  k <- nrow(d); yi <- vi <- rep(NA_real_, k); how <- rep("", k)
  grp <- rep(FALSE, k); G <- NULL
  if (!is.na(measure) && measure %in% c("SMD", "MD")) {
    g1 <- group(d, 1, method); g2 <- group(d, 2, method)
    grp <- !is.na(g1$level) & !is.na(g2$level)
    how[grp] <- ifelse(g1$level[grp] >= g2$level[grp], g1$how[grp], g2$how[grp])
    G <- data.frame(m1 = g1$m, s1 = g1$sd, n1 = g1$n, m2 = g2$m, s2 = g2$sd, n2 = g2$n)
  } else if (!is.na(measure) && measure == "OR") {
    grp <- !is.na(num(d, "ai")) & !is.na(num(d, "n1i")) & !is.na(num(d, "ci")) & !is.na(num(d, "n2i"))
    how[grp] <- "counts"
    G <- data.frame(ai = num(d, "ai"), n1 = num(d, "n1i"), ci = num(d, "ci"), n2 = num(d, "n2i"))
  }
  if (!is.na(combine)) { # arms of one trial into the first row (Handbook Table 6.5.a), control once
    key <- d[[combine]]
    for (i in seq_len(k)) for (j in seq_len(k)) if (j > i && key[j] == key[i] && grp[j] && how[j] != "merged" && how[i] != "merged") {
      cc <- comb(G$n1[i], G$m1[i], G$s1[i], G$n1[j], G$m1[j], G$s1[j])
      G$n1[i] <- cc[1]; G$m1[i] <- cc[2]; G$s1[i] <- cc[3]
      grp[j] <- FALSE; how[j] <- "merged"; how[i] <- paste0(sub("\\+combined$", "", how[i]), "+combined")
    }
  }
  if (any(grp)) {
    e <- if (measure == "OR") escalc("OR", ai = G$ai[grp], n1i = G$n1[grp], ci = G$ci[grp], n2i = G$n2[grp])
         else escalc(measure, m1i = G$m1[grp], sd1i = G$s1[grp], n1i = G$n1[grp], m2i = G$m2[grp], sd2i = G$s2[grp], n2i = G$n2[grp])
    yi[grp] <- e$yi; vi[grp] <- e$vi
  }
  er <- est_route(d, ratio)
  use <- !grp & how != "merged" & !is.na(er$how)
  yi[use] <- er$yi[use]; vi[use] <- er$vi[use]; how[use] <- er$how[use]
  data.frame(file = file, options = "", study = d$study, yi = yi, vi = vi, yi_from = how)
}
cases <- list(
  list("routes_smd.csv", "SMD", "default", FALSE, NA, "--measure SMD"),
  list("routes_smd.csv", "MD", "wan", FALSE, NA, "--measure MD --fivenum wan"),
  list("medians.csv", "MD", "default", FALSE, NA, "--measure MD"),
  list("medians.csv", "MD", "wan", FALSE, NA, "--measure MD --fivenum wan"),
  list("medians.csv", "SMD", "hozo", FALSE, NA, "--measure SMD --fivenum hozo"),
  list("arms_combine.csv", "MD", "default", FALSE, "trial", "--measure MD --combine trial"),
  list("arms_combine.csv", "SMD", "default", FALSE, "trial", "--measure SMD --combine trial"),
  list("hazard_ratios.csv", NA, "default", TRUE, NA, "--ratio"),
  list("or_mixed.csv", "OR", "default", TRUE, NA, "--measure OR --ratio"))
out <- do.call(rbind, lapply(cases, function(c) { r <- routes(c[[1]], c[[2]], c[[3]], c[[4]], c[[5]]); r$options <- c[[6]]; r }))
out$yi_from[out$yi_from == "merged"] <- "merged"
wcsv(out, "routes.csv")

# ---- 4. pooled: REML on the mixed-route file equals rma on its yi/vi -----------------------------
r <- out[out$file == "routes_smd.csv" & out$options == "--measure SMD", ]
fit <- rma(r$yi, r$vi, method = "REML")
pooled <- data.frame(file = "routes_smd.csv", options = "--measure SMD", estimate = c(fit$beta), se = fit$se,
                     tau2 = fit$tau2, ci_lb = fit$ci.lb, ci_ub = fit$ci.ub)
fo <- out[out$file == "or_mixed.csv", ]
fit2 <- rma(fo$yi, fo$vi, method = "REML")
pooled <- rbind(pooled, data.frame(file = "or_mixed.csv", options = "--measure OR --ratio", estimate = c(fit2$beta),
                                   se = fit2$se, tau2 = fit2$tau2, ci_lb = fit2$ci.lb, ci_ub = fit2$ci.ub))
wcsv(pooled, "pooled.csv")
# hazard ratios (--measure HR, or --ratio without a measure): the log HRs pooled by rma, the
# results back-transformed as predict(fit, transf = exp)
fh <- out[out$file == "hazard_ratios.csv", ]
fit3 <- rma(fh$yi, fh$vi, method = "REML")
p3 <- predict(fit3, transf = exp)
wcsv(data.frame(file = "hazard_ratios.csv", estimate = c(fit3$beta), se = fit3$se, tau2 = fit3$tau2,
                ci_lb = fit3$ci.lb, ci_ub = fit3$ci.ub, hr = p3$pred, hr_ci_lb = p3$ci.lb, hr_ci_ub = p3$ci.ub,
                hr_pi_lb = p3$pi.lb, hr_pi_ub = p3$pi.ub), "pooled_hr.csv")
cat("wrote fivenum.csv conversions.csv routes.csv pooled.csv pooled_hr.csv\n")

# ---- 5. datasets/lupus/deng2017_outcomes.csv (Deng 2017, one file of its outcomes): MD and RR ---
dg <- read.csv("../../../datasets/lupus/deng2017_outcomes.csv", stringsAsFactors = FALSE, check.names = FALSE)
md <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dg)
rr <- suppressWarnings(escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dg))
wcsv(data.frame(study = dg$study, md_yi = c(md$yi), md_vi = c(md$vi), rr_yi = c(rr$yi), rr_vi = c(rr$vi)), "deng2017.csv")
