#!/bin/sh
# Zhou 2020 (Stem Cells Int 2020:6518508) chose the model per outcome: fixed effect when the
# heterogeneity test gives P >= 0.10, random effects otherwise (RevMan 5.3, WMD). cmeta applies
# the same rule with --model auto --het-p 0.10 (and RevMan's conventions with --preset revman5).
. "$(dirname "$0")/lib.sh"
L=datasets/lupus
echo "Zhou 2020: the model rule 'fixed if heterogeneity P >= 0.10, else random'"
note "Zhou's RCT pools combine Yang 2014, Zeng 2016, Tang 2016 and Deng 2017. The per-study inputs"
note "of Yang 2014, Zeng 2016 and Tang 2016 are not published in our sources, so Zhou's Table 2"
note "(e.g. proteinuria at 6 months, k 2, het. P 0.84, fixed: WMD -2.00 (-3.81, -0.19)) cannot be"
note "re-computed here: NOT REPRODUCED. Only the rule is shown, on the data we have."
show_rule() {
    name=$1; shift
    $CMETA pool "$@" --model auto --het-p 0.10 --preset revman5 >"$EX_TMP/$name.txt" 2>&1
    rc=$?
    note "\$ cmeta pool $* --model auto --het-p 0.10 --preset revman5"
    sed 's/^/      /' "$EX_TMP/$name.txt"
    [ $rc = 0 ] || EX_MISS=$((EX_MISS + 1))
}
show_rule deng $L/deng2017_protein6m.csv --measure MD
note "(one trial: no heterogeneity to test, the rule keeps the fixed-effect model)"
echo
note "The rule where heterogeneity is present: Normand 1999 (Q p < 0.10 -> random effects, DL):"
show_rule normand datasets/classic/normand1999.csv --measure MD --vtype HO
run auto pool datasets/classic/normand1999.csv --measure MD --vtype HO --model auto --het-p 0.10 --preset revman5 &&
check "auto -> DL estimate (Normand IX)" -14.10 "$(jget "$EX_TMP/auto" estimate)" || EX_MISS=$((EX_MISS + 1))
finish
