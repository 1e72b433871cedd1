#!/bin/sh
# A mixed design, as the published lupus meta-analyses pool them (issue 16 item 6): Deng 2017's
# randomised trial (change in SLEDAI, UC-MSC -8 (SD 4) n 12 vs placebo -5 (SD 8) n 6: SMD) with
# Liang 2010's single-arm before/after study (SLEDAI 12.2 (3.3) -> 3.2 (2.8), n 12: SMCR by the
# baseline SD), one file with a `measure` column (datasets/lupus/lupus_mixed_sledai.csv).
# Liang 2010 does not report the pre-post correlation: it is ASSUMED, and swept from 0 to 0.9 by
# one `--ri` run each (`--ri-sweep` takes a single pre/post measure, not a measure column).
# Every row is checked against R metafor 3.8.1: rma(method = "REML") on the concatenated escalc
# yi/vi (tests/reference/mixed/lupus_make.R, values in tests/reference/mixed/lupus_values.csv).
. "$(dirname "$0")/lib.sh"
F=datasets/lupus/lupus_mixed_sledai.csv
V=tests/reference/mixed/lupus_values.csv
echo "$F: pool --smcr-sd baseline --ri R (Deng 2017 SMD + Liang 2010 SMCR; ri assumed)"
grep ',REML,' "$V" >"$EX_TMP/refs"
incl=""
while IFS=, read -r ri _ _ _ est _ lb ub _; do
    ri=$(round "$ri" 1)
    run m pool "$F" --smcr-sd baseline --ri "$ri" || { EX_MISS=$((EX_MISS + 1)); continue; }
    want="$(round "$est" 4) ($(round "$lb" 4), $(round "$ub" 4))"
    got="$(round "$(jget "$EX_TMP/m" estimate)" 4) ($(round "$(jget "$EX_TMP/m" ci_lb)" 4), $(round "$(jget "$EX_TMP/m" ci_ub)" 4))"
    if awk -v l="$(jget "$EX_TMP/m" ci_lb)" -v u="$(jget "$EX_TMP/m" ci_ub)" 'BEGIN { exit !(l < 0 && u > 0) }'; then
        incl="$incl $ri"; fi
    if [ "$got" = "$want" ]; then mark=ok; EX_OK=$((EX_OK + 1)); else mark="MISS (metafor: $want)"; EX_MISS=$((EX_MISS + 1)); fi
    printf '  ri %s  SMD %s  tau^2 %s  I^2 %s%%  %s\n' "$ri" "$got" \
        "$(round "$(jget "$EX_TMP/m" tau2)" 4)" "$(round "$(jget "$EX_TMP/m" I2)" 1)" "$mark"
done <"$EX_TMP/refs"
note "designs: $(jget "$EX_TMP/m" designs); the 95 % CI includes 0 at ri =${incl:- (none)}"
note "the pooled SMD mixes an RCT difference with an uncontrolled before/after change (see datasets/README.md)"
finish
