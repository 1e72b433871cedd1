# make_prepost_fixtures.R - reference yi/vi from R metafor 3.8 escalc() for tests/test_prepost.c:
# SMCR and SMCRH standardized by either SD of a pre/post file (cmeta's --smcr-sd).
#
# Run from the source tree root:  Rscript tests/reference/make_prepost_fixtures.R
# cmeta's pre/post columns (cli.md) are m1i sd1i = follow-up, m2i sd2i = baseline. metafor's
# SMCR/SMCRH divide by the argument sd1i, so
#   followup: escalc(measure, m1i = post, m2i = pre, sd1i = sd_post, sd2i = sd_pre, ni, ri)
#   baseline: escalc(measure, m1i = post, m2i = pre, sd1i = sd_pre,  sd2i = sd_post, ni, ri)
# (baseline = Becker 1988, Morris 2008, and metafor's own Morris 2008 analysis).
# Writes tests/reference/prepost/<name>.csv with columns
#   measure, sd (followup|baseline), vtype, ri (the --ri given, NA = the file's ri column),
#   study (1-based), yi, vi
# and tests/reference/prepost/morris2008.csv (the input file), numbers at 17 significant digits.
suppressMessages(library(metafor))
stopifnot(packageVersion("metafor") >= "3.8")
out <- "tests/reference/prepost"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
f17 <- function(x) ifelse(is.na(x), "NA", format(x, digits = 17))

# d: data frame in cmeta's columns (m1i sd1i = follow-up, m2i sd2i = baseline, ni, ri)
# ris: values given as --ri (NA: use d$ri)
run <- function(name, d, ris) {
  rows <- list()
  for (ri in ris) for (m in c("SMCR", "SMCRH")) for (sd in c("followup", "baseline")) {
    for (vt in if (m == "SMCR") c("LS", "LS2") else "LS") {
      r <- if (is.na(ri)) d$ri else rep(ri, nrow(d))
      s1 <- if (sd == "followup") d$sd1i else d$sd2i   # metafor's standardizer
      s2 <- if (sd == "followup") d$sd2i else d$sd1i
      es <- escalc(measure = m, m1i = d$m1i, m2i = d$m2i, sd1i = s1, sd2i = s2,
                   ni = d$ni, ri = r, vtype = vt)
      rows[[length(rows) + 1]] <- data.frame(
        measure = m, sd = sd, vtype = vt, ri = ifelse(is.na(ri), "NA", format(ri)),
        study = seq_len(nrow(d)), yi = f17(as.vector(es$yi)), vi = f17(as.vector(es$vi)),
        stringsAsFactors = FALSE)
    }
  }
  res <- do.call(rbind, rows)
  write.csv(res, file.path(out, paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  cat(name, ":", nrow(res), "rows\n")
}

## Liang 2010 (datasets/lupus): one group of 12, SLEDAI and 24-h proteinuria at 12 months vs
## baseline; the pre-post correlation is not reported, so it is given as --ri
for (o in c("sledai", "proteinuria")) {
  d <- read.csv(paste0("datasets/lupus/liang2010_", o, ".csv"))
  run(paste0("liang2010_", o), d, c(0, 0.5, 0.9))
}

## Morris (2008): five training studies from Carlson & Schmidt (1999), treatment groups then
## control groups (means, SDs, n and pre-post r as published; metadat has no pre/post set)
mp <- data.frame(
  m_pre   = c(30.6, 23.5, 0.5, 53.4, 35.6, 23.1, 24.9, 0.6, 55.7, 34.8),
  m_post  = c(38.5, 26.8, 0.7, 75.9, 36.0, 19.7, 25.3, 0.6, 60.7, 33.4),
  sd_pre  = c(15.0, 3.1, 0.1, 14.5, 4.7, 13.8, 4.1, 0.2, 17.3, 3.1),
  sd_post = c(11.6, 4.1, 0.1, 4.4, 4.6, 14.8, 3.3, 0.2, 17.9, 6.9),
  ni      = c(20, 50, 9, 10, 14, 20, 42, 9, 11, 14),
  ri      = c(0.47, 0.64, 0.77, 0.89, 0.44, 0.47, 0.64, 0.77, 0.89, 0.44))
d <- data.frame(study = paste(rep(c("T", "C"), each = 5), rep(1:5, 2)),
                m1i = mp$m_post, sd1i = mp$sd_post, m2i = mp$m_pre, sd2i = mp$sd_pre,
                ni = mp$ni, ri = mp$ri)
write.csv(d, file.path(out, "morris2008.csv"), row.names = FALSE, quote = FALSE)
run("morris2008_results", d, NA)
# metafor's own Morris 2008 example (sd1i = sd_pre) must be the baseline rows
chk <- escalc("SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ni = ni, ri = ri, data = mp)
ref <- read.csv(file.path(out, "morris2008_results.csv"))
stopifnot(isTRUE(all.equal(ref$yi[ref$measure == "SMCR" & ref$sd == "baseline" & ref$vtype == "LS"],
                           as.vector(chk$yi), tolerance = 1e-14)))

## pooled (REML, metafor's defaults, tight convergence) for tests/cli/t_prepost.sh:
## measure, sd, estimate, se, tau2
ctl <- list(threshold = 1e-12, maxiter = 10000)
rows <- list()
for (m in c("SMCR", "SMCRH")) for (sd in c("followup", "baseline")) {
  s1 <- if (sd == "followup") d$sd1i else d$sd2i
  s2 <- if (sd == "followup") d$sd2i else d$sd1i
  r <- rma(measure = m, m1i = d$m1i, m2i = d$m2i, sd1i = s1, sd2i = s2, ni = d$ni, ri = d$ri,
           control = ctl)
  rows[[length(rows) + 1]] <- data.frame(measure = m, sd = sd, estimate = f17(as.vector(r$b)),
                                         se = f17(r$se), tau2 = f17(r$tau2))
}
write.csv(do.call(rbind, rows), file.path(out, "morris2008_pooled.csv"), row.names = FALSE,
          quote = FALSE)
cat("morris2008_pooled :", length(rows), "rows\n")
