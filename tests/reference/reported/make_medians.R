# make_medians.R - tests/cli/data/datain/medians.csv: the canonical file's groups
# (tests/cli/data/datain/canonical.csv) written as medians with quartiles and/or ranges, so that
# `cmeta pool medians.csv --measure SMD` must give the canonical file's numbers (issue 16: "a file
# of medians and IQRs ... give the same numbers as the canonical file").
# Each summary is symmetric about the mean (median = mean; not skewed by the test of Shi et al.
# 2023), with the IQR = SD x eta(n) and the range = SD x xi(n), eta and xi the divisors of metafor
# 4's conv.fivenum default (Wan et al. 2014 eqs 9 and 16), so that the conversion gives back the
# mean and SD: rows 1-2 quartiles, rows 3-4 ranges, row 5 all five numbers (Shi et al. 2020's
# weighted SD of the two estimates is then the SD again). Run here: Rscript make_medians.R
d <- read.csv("../../cli/data/datain/canonical.csv", stringsAsFactors = FALSE)
xi <- function(n) 2 * qnorm((n - 0.375) / (n + 0.25))
eta <- function(n) 2 * qnorm((0.75 * n - 0.125) / (n + 0.25))
f <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))
out <- data.frame(study = ifelse(grepl(",", d$study), paste0("\"", d$study, "\""), d$study), year = d$year, dose = d$dose)
for (g in 1:2) {
  m <- d[[paste0("m", g, "i")]]; s <- d[[paste0("sd", g, "i")]]; n <- d[[paste0("n", g, "i")]]
  iqr <- c(TRUE, TRUE, FALSE, FALSE, TRUE); rng <- c(FALSE, FALSE, TRUE, TRUE, TRUE)
  out[[paste0("n", g, "i")]] <- n
  out[[paste0("med", g, "i")]] <- f(m)
  out[[paste0("q1", g, "i")]] <- f(ifelse(iqr, m - s * eta(n) / 2, NA))
  out[[paste0("q3", g, "i")]] <- f(ifelse(iqr, m + s * eta(n) / 2, NA))
  out[[paste0("min", g, "i")]] <- f(ifelse(rng, m - s * xi(n) / 2, NA))
  out[[paste0("max", g, "i")]] <- f(ifelse(rng, m + s * xi(n) / 2, NA))
}
write.csv(out, "../../cli/data/datain/medians.csv", row.names = FALSE, quote = FALSE)
