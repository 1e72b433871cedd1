# The lupus mixed design (issue 16 item 6): Deng 2017 (RCT, change in SLEDAI, SMD) pooled with
# Liang 2010 (single arm, SLEDAI before/after, SMCR by the baseline SD) from one file with a
# measure column, at each ASSUMED pre-post correlation ri = 0, 0.1, ..., 0.9 (Liang 2010 reports
# none): every run equals metafor's rma() on the concatenated escalc yi/vi
# (tests/reference/mixed/lupus_make.R wrote lupus_values.csv). FE/DL 1e-8, REML 1e-6 relative.
LMF=datasets/lupus/lupus_mixed_sledai.csv
LMV=tests/reference/mixed/lupus_values.csv
LMD=$TMP/lupusmix
mkdir -p "$LMD"
# lm_num FILE KEY [AFTER] : the first number under "KEY": in FILE (after the text AFTER)
lm_num() {
    awk -v key="\"$2\":" -v after="${3:-}" 'BEGIN { RS = "\001" } {
        s = $0
        if (after != "") { i = index(s, after); if (!i) exit 1; s = substr(s, i) }
        i = index(s, key); if (!i) exit 1
        s = substr(s, i + length(key)); match(s, /^-?[0-9.eE+-]+/); print substr(s, 1, RLENGTH) }' "$1"
}
# lm_close NAME GOT WANT RTOL ATOL
lm_close() {
    if awk -v a="$2" -v b="$3" -v r="$4" -v t="$5" 'BEGIN { d = a - b; if (d < 0) d = -d
        m = (a < 0 ? -a : a); n = (b < 0 ? -b : b); if (n > m) m = n
        exit !(a != "" && (d <= r * m || d <= t)) }'; then ok; else bad "$1: got '$2', metafor $3"; fi
}
# lupus_values.csv: ri,method,liang_yi,liang_vi,estimate,se,ci_lb,ci_ub,pval,tau2,I2,Q,deng_yi,deng_vi
lm_rows=0
while IFS=, read -r ri method lyi lvi est se lb ub pval tau2 i2 q dyi dvi; do
    [ "$ri" = ri ] && continue
    lm_rows=$((lm_rows + 1))
    if ! $CMETA pool $LMF --smcr-sd baseline --ri "$ri" --method "$method" --format json >"$LMD/o.json" 2>"$LMD/e"; then
        bad "lupus mixed ri $ri $method: $(cat "$LMD/e")"; continue
    fi
    rt=1e-8; [ "$method" = REML ] && rt=1e-6
    set -- estimate "$est" se "$se" ci_lb "$lb" ci_ub "$ub" pval "$pval" tau2 "$tau2" I2 "$i2" Q "$q"
    while [ $# -gt 0 ]; do
        lm_close "lupus mixed ri $ri $method $1" "$(lm_num "$LMD/o.json" "$1")" "$2" $rt 1e-8
        shift 2
    done
    lm_close "lupus mixed ri $ri Deng yi" "$(lm_num "$LMD/o.json" yi '"study":"Deng 2017"')" "$dyi" 1e-10 0
    lm_close "lupus mixed ri $ri Deng vi" "$(lm_num "$LMD/o.json" vi '"study":"Deng 2017"')" "$dvi" 1e-10 0
    lm_close "lupus mixed ri $ri Liang yi" "$(lm_num "$LMD/o.json" yi '"study":"Liang 2010"')" "$lyi" 1e-10 0
    lm_close "lupus mixed ri $ri Liang vi" "$(lm_num "$LMD/o.json" vi '"study":"Liang 2010"')" "$lvi" 1e-10 0
    if grep -qF '"designs":"1 two-group SMD, 1 pre-post SMCR"' "$LMD/o.json"; then ok
    else bad "lupus mixed ri $ri $method: designs label: $(head -c 200 "$LMD/o.json")"; fi
done <"$LMV"
if [ "$lm_rows" = 30 ]; then ok; else bad "lupus mixed: $lm_rows fixture rows, expected 30"; fi

# --ri-sweep on mixed designs: only the pre/post rows without an ri take each value; the
# two-group rows keep their yi/vi. Every row of the sweep equals a separate run with that --ri
# and a run on the file with the empty ri cells filled (FE/DL 1e-8, REML 1e-6), and metafor's
# rma() on the concatenated escalc yi/vi at each ri (tests/reference/mixed/make_sweep.R:
# sweep.csv mixes SMD, SMCR, SMCC and SMCRH rows, some with their own ri).
# lm_sweep_check NAME FILE 'ARGS' : sweep rows against single runs (--ri r, and ri filled)
lm_sweep_check() {
    for meth in REML DL FE; do
        rt=1e-8; [ "$meth" = REML ] && rt=1e-6
        # shellcheck disable=SC2086 # ARGS are words
        if ! $CMETA pool "$2" $3 --method $meth --ri-sweep=-0.5:0.9:0.35 --format csv >"$LMD/sw.csv" 2>"$LMD/e"; then
            bad "$1 sweep $meth: $(cat "$LMD/e")"; continue
        fi
        n=0
        while IFS=, read -r ri est se lb ub pv tau2 i2; do
            [ "$ri" = ri ] && continue
            n=$((n + 1))
            awk -F, -v r="$ri" 'NR == 1 { for (j = 1; j <= NF; j++) if ($j == "ri") c = j
                    if (!c) { c = NF + 1; $c = "ri" } print; next }
                { if ($c == "" && $2 ~ /^SMC/) $c = r; else $c = $c; print }' OFS=, "$2" >"$LMD/filled.csv"
            for how in ri filled; do
                # shellcheck disable=SC2086
                if [ "$how" = filled ]; then $CMETA pool "$LMD/filled.csv" $3 --method $meth --format json >"$LMD/one.json" 2>"$LMD/e"
                else $CMETA pool "$2" $3 --method $meth --ri "$ri" --format json >"$LMD/one.json" 2>"$LMD/e"; fi || {
                    bad "$1 $meth $how $ri: $(cat "$LMD/e")"; continue; }
                for kv in estimate:"$est" se:"$se" ci_lb:"$lb" ci_ub:"$ub" pval:"$pv" tau2:"$tau2" I2:"$i2"; do
                    lm_close "$1 $meth ri $ri ($how) ${kv%%:*}" "$(lm_num "$LMD/one.json" "${kv%%:*}")" "${kv#*:}" $rt 1e-10
                done
            done
        done <"$LMD/sw.csv"
        if [ "$n" = 5 ]; then ok; else bad "$1 $meth: $n sweep rows, expected 5"; fi
    done
}
cut -d, -f1-10 tests/reference/mixed/sweep.csv >"$LMD/sweep.csv" # without ri_lb/ri_ub (no box)
lm_sweep_check "mixed sweep" "$LMD/sweep.csv" "--smcr-sd baseline"
lm_sweep_check "lupus mixed sweep" "$LMF" "--smcr-sd baseline"
lm_sweep_check "lupus mixed sweep followup" "$LMF" ""
# against metafor (make_sweep.R): sweep_values.csv ri,method,estimate,se,ci_lb,ci_ub,pval,tau2,I2
for meth in REML DL FE; do
    rt=1e-8; [ "$meth" = REML ] && rt=1e-6
    $CMETA pool "$LMD/sweep.csv" --smcr-sd baseline --method $meth --tol 1e-12 --ri-sweep=-0.5,0,0.3,0.6,0.9 --format csv >"$LMD/sw.csv" 2>/dev/null ||
        bad "mixed sweep $meth against metafor: exit $?"
    grep ",\"$meth\"," tests/reference/mixed/sweep_values.csv >"$LMD/ref.csv"
    n=0
    while IFS=, read -r ri _ est se lb ub pv tau2 i2; do
        n=$((n + 1))
        row=$(sed -n "$((n + 1))p" "$LMD/sw.csv")
        set -- "$est" "$se" "$lb" "$ub" "$pv" "$tau2" "$i2"
        j=2
        for want in "$@"; do
            lm_close "mixed sweep $meth ri $ri column $j vs metafor" "$(echo "$row" | cut -d, -f$j)" "$want" $rt 1e-10
            j=$((j + 1))
        done
        lm_close "mixed sweep $meth ri column" "$(echo "$row" | cut -d, -f1)" "$ri" 1e-12 0
    done <"$LMD/ref.csv"
    if [ "$n" = 5 ]; then ok; else bad "mixed sweep $meth: $n metafor rows, expected 5"; fi
done
# the box over the corners (REML) against metafor's rma at every corner (sweep_box.csv)
$CMETA pool tests/reference/mixed/sweep.csv --smcr-sd baseline --tol 1e-12 --ri-sweep 0:0.9:0.3 --format json >"$LMD/box.json" 2>/dev/null
IFS=, read -r corners varied emin emax pmin pmax <<EOB
$(sed -n 2p tests/reference/mixed/sweep_box.csv)
EOB
for kv in corners:"$corners" studies_varied:"$varied" estimate_min:"$emin" estimate_max:"$emax" pval_min:"$pmin" pval_max:"$pmax"; do
    lm_close "mixed box ${kv%%:*}" "$(lm_num "$LMD/box.json" "${kv%%:*}" '"ri_box"')" "${kv#*:}" 1e-6 0
done
if grep -qF '"designs":"3 two-group SMD, 3 pre-post SMCR, 1 pre-post SMCC, 1 pre-post SMCRH"' "$LMD/box.json"; then ok
else bad "mixed sweep: designs not in the JSON: $(head -c 300 "$LMD/box.json")"; fi
expect_golden "$T/golden/lupus_mixed_sweep.txt" "lupus mixed sweep text" pool "$LMF" --smcr-sd baseline --ri-sweep 0:0.9:0.3
expect_picture svg "$LMD/lm.svg" "lupus mixed forest --ri-sweep" forest "$LMF" --smcr-sd baseline --ri-sweep 0:0.9:0.1 -o "$LMD/lm.svg"
# refused: an interval on a two-group row; a sweep where no row is pre/post
sed 's/^RCT A,SMD,4.1,2.3,40,6.0,2.8,41,,,,/RCT A,SMD,4.1,2.3,40,6.0,2.8,41,,,0.1,0.2/' tests/reference/mixed/sweep.csv >"$LMD/bad_box.csv"
run_cmd pool "$LMD/bad_box.csv" --smcr-sd baseline --ri-sweep 0:0.9:0.3
if [ "$rc" = 2 ] && grep -v '^cmeta: warning' "$TMP/err" | grep -qF "bad_box.csv:2:11: study 'RCT A': ri_lb/ri_ub apply to pre/post rows, not to a two-group SMD row"; then ok
else bad "mixed box on a two-group row: exit $rc: $(cat "$TMP/err")"; fi
grep -v SMC tests/reference/mixed/mixed.csv >"$LMD/smd_only.csv"
expect_error 1 "--ri-sweep needs a pre/post measure" "mixed sweep without pre/post rows" pool "$LMD/smd_only.csv" --ri-sweep 0:0.9:0.3
