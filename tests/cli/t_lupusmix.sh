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
