# compare.R - fixtures of `cmeta mv --compare-random/--compare-mods` (issue 18): metafor 3.8.1's
# anova() of two rma.mv fits (the likelihood-ratio test) on dat.konstantopoulos2011.
# Run from this directory: Rscript compare.R. Writes compare.txt: "CASE KEY VALUE" lines with
# 17 significant digits (KEY: df_f, df_r, AIC_f, ..., LRT, pval), and prints metafor's tables.
# Fits are refitted with tight control (as make.R) so that the values are the optimum.
suppressMessages({library(metafor); library(metadat)})
ctl <- list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-15, maxit = 10000)
dat <- dat.konstantopoulos2011   # konstantopoulos2011.csv (written by make.R)
out <- file("compare.txt", "w")
emit <- function(case, a) {
  w <- function(key, x) writeLines(sprintf("%s %s %.17g", case, key, x), out)
  for (nm in c("AIC", "BIC", "AICc", "ll")) {
    w(paste0(nm, "_f"), a$fit.stats.f[[nm]]); w(paste0(nm, "_r"), a$fit.stats.r[[nm]])
  }
  w("df_f", a$parms.f); w("df_r", a$parms.r); w("QE_f", a$QE.f); w("QE_r", a$QE.r)
  w("LRT", a$LRT); w("pval", a$pval)
  print(a)
}
for (m in c("REML", "ML")) {
  full <- rma.mv(yi, vi, random = ~ 1 | district/school, data = dat, method = m, control = ctl)
  red <- rma.mv(yi, vi, random = ~ 1 | district, data = dat, method = m, control = ctl)
  emit(paste0("k3_", tolower(m)), anova(full, red))
}
# moderators under ML: year (numeric) against the intercept-only model, both ~ 1 | district/school
full <- rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school, data = dat, method = "ML", control = ctl)
red <- rma.mv(yi, vi, random = ~ 1 | district/school, data = dat, method = "ML", control = ctl)
emit("year_ml", anova(full, red))
# both at once under ML: year and the school level dropped
red2 <- rma.mv(yi, vi, random = ~ 1 | district, data = dat, method = "ML", control = ctl)
emit("both_ml", anova(full, red2))
# under REML with different fixed effects metafor 3.8 warns and prints (cmeta refuses):
print(tryCatch(anova(update(full, method = "REML"), update(red, method = "REML")), warning = function(w) conditionMessage(w)))
close(out)
