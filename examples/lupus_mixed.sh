#!/bin/sh
# A mixed design, as the published lupus meta-analyses pool them (issue 16 item 6): Deng 2017's
# randomised trial (change in SLEDAI, UC-MSC -8 (SD 4) n 12 vs placebo -5 (SD 8) n 6: SMD) with
# Liang 2010's single-arm before/after study (SLEDAI 12.2 (3.3) -> 3.2 (2.8), n 12: SMCR by the
# baseline SD), one file with a `measure` column (datasets/lupus/lupus_mixed_sledai.csv).
# Liang 2010 does not report the pre-post correlation: it is ASSUMED, and swept from 0 to 0.9 in
# one run (`--ri-sweep 0:0.9:0.1`: only the pre/post row without ri takes each value, Deng 2017's
# SMD does not depend on it). Every row of the sweep is checked against R metafor 3.8.1:
# rma(method = "REML") on the concatenated escalc yi/vi (tests/reference/mixed/lupus_make.R,
# values in tests/reference/mixed/lupus_values.csv), and tests/cli/t_lupusmix.sh checks that each
# row equals a separate `cmeta pool --ri r` run.
. "$(dirname "$0")/lib.sh"
F=datasets/lupus/lupus_mixed_sledai.csv
V=tests/reference/mixed/lupus_values.csv
echo "$F: pool --smcr-sd baseline --ri-sweep 0:0.9:0.1 (Deng 2017 SMD + Liang 2010 SMCR; ri assumed)"
grep ',REML,' "$V" >"$EX_TMP/refs"
run m pool "$F" --smcr-sd baseline --ri-sweep 0:0.9:0.1 || { EX_MISS=$((EX_MISS + 1)); finish; exit 1; }
i=0
while IFS=, read -r _ _ _ _ est _ lb ub _; do
    got="$(round "$(jget "$EX_TMP/m" "ri_sweep[$i].estimate")" 4) ($(round "$(jget "$EX_TMP/m" "ri_sweep[$i].ci_lb")" 4), $(round "$(jget "$EX_TMP/m" "ri_sweep[$i].ci_ub")" 4))"
    want="$(round "$est" 4) ($(round "$lb" 4), $(round "$ub" 4))"
    if [ "$got" = "$want" ]; then mark=ok; EX_OK=$((EX_OK + 1)); else mark="MISS (metafor: $want)"; EX_MISS=$((EX_MISS + 1)); fi
    printf '  ri %s  SMD %s  tau^2 %s  I^2 %s%%  %s\n' "$(round "$(jget "$EX_TMP/m" "ri_sweep[$i].ri")" 1)" "$got" \
        "$(round "$(jget "$EX_TMP/m" "ri_sweep[$i].tau2")" 4)" "$(round "$(jget "$EX_TMP/m" "ri_sweep[$i].I2")" 1)" "$mark"
    i=$((i + 1))
done <"$EX_TMP/refs"
tp=$(jget "$EX_TMP/m" "tipping_points[0].type")
note "designs: $(jget "$EX_TMP/m" designs); tipping points: ${tp:-none on this grid (the 95 % CI includes 0 at every ri)}"
note "the pooled SMD mixes an RCT difference with an uncontrolled before/after change (see datasets/README.md)"
finish
