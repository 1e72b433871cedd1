#!/bin/sh
# Normand 1999 (Stat Med 18:321-359), Table IX: length of hospital stay, specialist stroke
# units vs general wards, 9 trials. Mean difference with the pooled SD in both arms
# (--measure MD --vtype HO), fixed effect, DerSimonian-Laird and REML.
. "$(dirname "$0")/lib.sh"
D=datasets/classic/normand1999.csv
echo "Normand 1999, Table IX (MD, pooled SDs: --measure MD --vtype HO)"
run fe pool $D --measure MD --vtype HO --method FE &&
{ check "fixed: estimate" -3.49 "$(jget "$EX_TMP/fe" estimate)"
  check "fixed: 95% CI lower" -5.03 "$(jget "$EX_TMP/fe" ci_lb)"
  check "fixed: 95% CI upper" -1.96 "$(jget "$EX_TMP/fe" ci_ub)"; } || EX_MISS=$((EX_MISS + 1))
run dl pool $D --measure MD --vtype HO --method DL &&
{ check "DL: estimate" -14.10 "$(jget "$EX_TMP/dl" estimate)"
  check "DL: 95% CI lower" -24.45 "$(jget "$EX_TMP/dl" ci_lb)"
  check "DL: 95% CI upper" -3.75 "$(jget "$EX_TMP/dl" ci_ub)"
  check "DL: tau^2" 218.72 "$(jget "$EX_TMP/dl" tau2)"; } || EX_MISS=$((EX_MISS + 1))
run reml pool $D --measure MD --vtype HO --method REML &&
{ check "REML: estimate" -15.12 "$(jget "$EX_TMP/reml" estimate)"
  check "REML: 95% CI lower" -32.67 "$(jget "$EX_TMP/reml" ci_lb)"
  check "REML: 95% CI upper" 2.43 "$(jget "$EX_TMP/reml" ci_ub)"
  check "REML: tau^2" 685.20 "$(jget "$EX_TMP/reml" tau2)"; } || EX_MISS=$((EX_MISS + 1))

# The same analysis on the numbers written into this script by hand (as Table IX prints them),
# not read from datasets/: the figures must not change.
cat >"$EX_TMP/typed.csv" <<'CSV'
study,n1i,m1i,sd1i,n2i,m2i,sd2i
Edinburgh,155,55,47,156,75,64
Orpington-Mild,31,27,7,32,29,4
Orpington-Moderate,75,64,17,71,119,29
Orpington-Severe,18,66,20,18,137,48
Montreal-Home,8,14,8,13,18,11
Montreal-Transfer,57,19,7,52,18,4
Newcastle,34,52,45,33,41,34
Umea,110,21,16,183,31,27
Uppsala,60,30,27,52,23,20
CSV
run typed pool "$EX_TMP/typed.csv" --measure MD --vtype HO --method REML &&
{ check "REML, inputs typed afresh" -15.12 "$(jget "$EX_TMP/typed" estimate)"
  check "REML tau^2, inputs typed afresh" 685.20 "$(jget "$EX_TMP/typed" tau2)"; } || EX_MISS=$((EX_MISS + 1))
finish
