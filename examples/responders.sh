#!/bin/sh
# Pooled proportion of responders across single-arm lupus MSC trials (logit, PLO, REML,
# back-transformed). No meta-analysis published this pool: the figures are compared with
# R metafor 3.8.1 (examples/metafor_reference.R).
. "$(dirname "$0")/lib.sh"
L=datasets/lupus
echo "Single-arm lupus MSC trials: proportion reaching the trial's own response criterion"
note "Wang 2014 major clinical response 13/40, Kamen 2022 SRI-4 5/6, Barbado 2018 complete remission 2/3"
note "(independent cohorts; the definitions differ, so expect heterogeneity). Logit (PLO): no zero"
note "or full cells, so no continuity correction, and the back-transform needs no sample size (PFT's"
note "does: the harmonic mean of n, 7.2 here for n = 40, 6, 3, is a poor summary of such unequal trials)."
run plo pool $L/responders.csv --measure PLO &&
{ ref "proportion (PLO, REML)" 0.5544 "$(jget "$EX_TMP/plo" transformed.estimate)"
  ref "  95% CI lower" 0.2138 "$(jget "$EX_TMP/plo" transformed.ci_lb)"
  ref "  95% CI upper" 0.8505 "$(jget "$EX_TMP/plo" transformed.ci_ub)"
  ref "  tau^2 (logit scale)" 1.0823 "$(jget "$EX_TMP/plo" tau2)"
  ref "  I^2 (%)" 59.0999 "$(jget "$EX_TMP/plo" I2)"
  ref "  heterogeneity p" 0.0782 "$(jget "$EX_TMP/plo" Q_pval)"; } || EX_MISS=$((EX_MISS + 1))
run pft pool $L/responders.csv --measure PFT &&
{ ref "same with PFT (Freeman-Tukey)" 0.5475 "$(jget "$EX_TMP/pft" transformed.estimate)"
  ref "  95% CI lower" 0.1888 "$(jget "$EX_TMP/pft" transformed.ci_lb)"
  ref "  95% CI upper" 0.8847 "$(jget "$EX_TMP/pft" transformed.ci_ub)"; } || EX_MISS=$((EX_MISS + 1))
note "Sensitivity: adding Wang (4 years) complete remission 23/83 at 1 year (same centre as Wang 2014"
note "and Liang 2010: patients may be counted twice; stricter end point):"
run all pool $L/responders_all.csv --measure PLO &&
{ ref "proportion, 4 trials (PLO)" 0.4160 "$(jget "$EX_TMP/all" transformed.estimate)"
  ref "  95% CI lower" 0.2157 "$(jget "$EX_TMP/all" transformed.ci_lb)"
  ref "  95% CI upper" 0.6485 "$(jget "$EX_TMP/all" transformed.ci_ub)"; } || EX_MISS=$((EX_MISS + 1))
finish
