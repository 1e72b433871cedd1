# t_awkward.sh - awkward but valid files (tests/cli/data/awkward/): BOM, CRLF, quoted labels
# with commas and newlines, UTF-8 labels, NA rows, meta-package column names (studlab,
# event.e n.e event.c n.c, mean.e sd.e n.e mean.c sd.c n.c, TE seTE). Each must be read and
# give the same numbers as its plain twin (labels and warnings aside).
AW=$T/data/awkward

# numbers only: the JSON with study labels and warnings removed
aw_numbers() {
    $CMETA "$@" --format json 2>/dev/null | sed -e 's/"study":"[^"]*"//g' -e 's/"warnings":\[[^]]*\]//'
}

# expect_twin NAME PLAIN AWKWARD ARGS... : both exit 0 and the numbers agree
expect_twin() {
    name=$1; plain=$2; awk_=$3; shift 3
    run_cmd pool "$AW/$awk_" "$@"
    if [ "$rc" != 0 ]; then bad "$name: exit $rc on $awk_: $(head -c 300 "$TMP/err")"; return; fi
    a=$(aw_numbers pool "$AW/$plain" "$@")
    b=$(aw_numbers pool "$AW/$awk_" "$@")
    if [ -z "$a" ]; then bad "$name: no output for $plain"
    elif [ "$a" = "$b" ]; then ok
    else bad "$name: $awk_ differs from $plain"; fi
}

for m in REML DL FE; do
    expect_twin "awkward BOM+CRLF+quotes+UTF-8+NA ($m)" bin_plain.csv bin_bom_crlf.csv --measure OR --method $m
    expect_twin "meta-package binary names ($m)" bin_plain.csv bin_meta.csv --measure OR --method $m
    expect_twin "meta-package continuous names, BOM+CRLF ($m)" cont_plain.csv cont_meta.csv --measure SMD --method $m
    expect_twin "meta-package TE/seTE + NA row ($m)" gen_plain.csv gen_meta.csv --method $m
done
expect_twin "MH on awkward file" bin_plain.csv bin_bom_crlf.csv --measure RR --method MH

# the NA row is said (one warning naming it), and the labels come through intact
run_cmd pool "$AW/bin_bom_crlf.csv" --measure OR --format json
if [ "$rc" = 0 ] && grep -q '"k":5' "$TMP/out" && grep -qF 'Ferguson, Simes' "$TMP/out" &&
   grep -qF 'Rosenthal\net al' "$TMP/out" && grep -qF 'Frimodt-Møller' "$TMP/out" &&
   grep -qF "missing, NA row" "$TMP/out"; then ok
else bad "awkward labels: rc=$rc $(head -c 300 "$TMP/out") / $(cat "$TMP/err")"; fi
# the studlab column gives the labels of meta-package files
run_cmd pool "$AW/bin_meta.csv" --measure OR --format json
if [ "$rc" = 0 ] && grep -qF '"study":"Rosenthal, et al"' "$TMP/out"; then ok
else bad "studlab labels: $(head -c 300 "$TMP/out")"; fi
# Labels with line breaks never break a table row, an error line or a warning line.
expect_golden tests/cli/golden/pool_multiline_labels.txt "awkward: multi-line labels in the text table" pool tests/cli/data/multiline_labels.csv --measure OR --method FE
expect_error 2 "multiline_bad.csv:6:2: study 'Bad  row': ai must be >= 0" "awkward: multi-line label in an error" pool tests/cli/data/multiline_bad.csv --measure OR
