# The golden comparer itself (tests/numcmp.c; sourced by run.sh): it must catch a real difference
# and say where, and let through only a difference within the stated tolerance.
# numcmp_case NAME WANT_EXIT 'message substring' EXPECTED_TEXT ACTUAL_TEXT EXT [OPTIONS...]
numcmp_case() {
    nc_name=$1; nc_want=$2; nc_msg=$3; ext=$6
    printf '%s' "$4" >"$TMP/nc_exp.$ext"
    printf '%s' "$5" >"$TMP/nc_act.$ext"
    shift 6
    nc_out=$($NUMCMP "$@" "$TMP/nc_exp.$ext" "$TMP/nc_act.$ext" 2>&1)
    nc_rc=$?
    if [ "$nc_rc" != "$nc_want" ]; then bad "numcmp $nc_name: exit $nc_rc, expected $nc_want: $nc_out"
    elif [ -n "$nc_msg" ] && ! printf '%s' "$nc_out" | grep -qF -- "$nc_msg"; then bad "numcmp $nc_name: '$nc_out' lacks '$nc_msg'"
    elif [ "$(printf '%s\n' "$nc_out" | grep -c .)" -gt 1 ]; then bad "numcmp $nc_name: more than one line: $nc_out"
    else ok; fi
}
J='{"k":3,"estimate":-0.71453000516560383,"studies":[{"study":"Aronson","ci_lb":-2.0076,"weight":0.5},{"study":"Ferguson","ci_lb":-2.4,"weight":0.5}],"warnings":[]}'
# JSON: 1e-12 relative by default; 1e-13 absolute for values that are 0 in exact arithmetic
numcmp_case "json identical" 0 "" "$J" "$J" json
numcmp_case "json last digits moved (4.8e-15 rel, as OpenBLAS kernels)" 0 "" "$J" "$(printf '%s' "$J" | sed 's/-0.71453000516560383/-0.71453000516560726/')" json
numcmp_case "json just inside 1e-12" 0 "" "$J" "$(printf '%s' "$J" | sed 's/-0.71453000516560383/-0.71453000516631828/')" json
numcmp_case "json just outside 1e-12" 1 '$.estimate: expected -0.71453000516560383, got -0.71453000516646000' "$J" "$(printf '%s' "$J" | sed 's/-0.71453000516560383/-0.71453000516646000/')" json
numcmp_case "json near 0 inside the floor" 0 "" '{"Q":0}' '{"Q":9.9e-14}' json
numcmp_case "json near 0 outside the floor" 1 '$.Q: expected 0, got 2e-13' '{"Q":0}' '{"Q":2e-13}' json
numcmp_case "json nested path" 1 '$.studies[1].ci_lb: expected -2.4, got -2.5' "$J" "$(printf '%s' "$J" | sed 's/-2.4,/-2.5,/')" json
numcmp_case "json changed key" 1 '$.studies[0]: key "ci.lb", expected key "ci_lb"' "$J" "$(printf '%s' "$J" | sed 's/"ci_lb":-2.0076/"ci.lb":-2.0076/')" json
numcmp_case "json changed string" 1 '$.studies[1].study: expected "Ferguson", got "Fergusson"' "$J" "$(printf '%s' "$J" | sed 's/Ferguson/Fergusson/')" json
numcmp_case "json missing element" 1 '$.studies[1]: missing in actual output' "$J" "$(printf '%s' "$J" | sed 's/,{"study":"Ferguson","ci_lb":-2.4,"weight":0.5}//')" json
numcmp_case "json extra element" 1 '$.warnings[0]: extra element' "$J" "$(printf '%s' "$J" | sed 's/\[\]/["x"]/')" json
numcmp_case "json missing key" 1 '$.studies[0]: key "weight" missing' "$J" "$(printf '%s' "$J" | sed 's/,"weight":0.5}/}/')" json
numcmp_case "json number became null" 1 '$.k: expected 3, got null' "$J" "$(printf '%s' "$J" | sed 's/"k":3/"k":null/')" json
numcmp_case "json per-key tolerance" 0 "" '{"pval":0.5}' '{"pval":0.5000001}' json -k pval=1e-6
# CSV: row and column named from the header
C='study,yi,vi
"Li, 李",-0.5,0.2878787878787879
B,,
'
numcmp_case "csv within tolerance" 0 "" "$C" "$(printf '%s' "$C" | sed 's/0.2878787878787879/0.28787878787878812/')
" csv
numcmp_case "csv number outside tolerance" 1 'row 1 (line 2), column vi: expected 0.2878787878787879, got 0.28787878787' "$C" "$(printf '%s' "$C" | sed 's/0.2878787878787879/0.28787878787/')
" csv
numcmp_case "csv changed header" 1 'header (line 1), column 3: expected "vi", got "v"' "$C" "$(printf '%s' "$C" | sed 's/,vi$/,v/')
" csv
numcmp_case "csv changed label" 1 'row 1 (line 2), column study: expected ""Li, 李"", got ""Li; 李""' "$C" "$(printf '%s' "$C" | sed 's/Li, /Li; /')
" csv
numcmp_case "csv missing row" 1 'row 2 (line 3): missing' "$C" 'study,yi,vi
"Li, 李",-0.5,0.2878787878787879
' csv
numcmp_case "csv missing field" 1 'row 2 (line 3): field(s) missing' "$C" "$(printf '%s' "$C" | sed 's/^B,,$/B,/')
" csv
# text: tables printed at 4-6 digits byte for byte, %.17g numbers with the tolerance
T1='estimate      se
  0.2183  0.7758
1,-0.88931133392020545,0.32558476500396133
'
numcmp_case "text 17 digits moved" 0 "" "$T1" "$(printf '%s' "$T1" | sed 's/0.32558476500396133/0.32558476500396211/')
" txt
numcmp_case "text 4-digit table changed" 1 'line 2, column 11: expected "0.7758", got "0.7759"' "$T1" "$(printf '%s' "$T1" | sed 's/0.7758/0.7759/')
" txt
numcmp_case "text 17 digits outside" 1 'line 3, column 3: expected -0.88931133392020545, got -0.889311333 (' "$T1" "$(printf '%s' "$T1" | sed 's/-0.88931133392020545/-0.889311333/')
" txt
numcmp_case "text missing line" 1 'line 3, column 1: expected "1,-0.8893' "$T1" 'estimate      se
  0.2183  0.7758
' txt
numcmp_case "usage" 2 "usage" "" "" txt --nope
# the tolerance table's rows apply by golden name
printf '*.json * 1e-12 1e-13 default\nx_*.json pval 1e-6 0 iterative\n' >"$TMP/nc_tol"
numcmp_case "table row for another golden" 1 '$.pval' '{"pval":0.5}' '{"pval":0.5000001}' json -t "$TMP/nc_tol"
printf '{"pval":0.5}' >"$TMP/x_1.json"; printf '{"pval":0.5000001}' >"$TMP/x_2.json"
if $NUMCMP -t "$TMP/nc_tol" "$TMP/x_1.json" "$TMP/x_2.json" >/dev/null; then ok; else bad "numcmp: tolerance table row not applied"; fi
