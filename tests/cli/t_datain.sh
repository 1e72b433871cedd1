# Data as researchers have it (issue 16 items 1, 2): --col, --sep, --decimal (sourced by run.sh).
# A file with the researcher's own column names, a ';'-separated export with decimal commas and
# a tab-separated one give exactly the output of the canonical file (tests/cli/data/datain).
DI=tests/cli/data/datain
DO=$TMP/datain
mkdir -p "$DO"
COLS=m1i=MSC_mean,sd1i=MSC_sd,n1i=MSC_n,m2i=Ctrl_mean,sd2i=Ctrl_sd,n2i=Ctrl_n

# same_run NAME CANONICAL_ARGS -- OTHER_ARGS : both succeed with the same standard output
same_run() {
    name=$1; shift
    set -- "$@" "|"
    a=""; n=0
    while [ "$1" != -- ]; do a="$a $1"; shift; done; shift
    # shellcheck disable=SC2086
    $CMETA $a >"$DO/a" 2>"$DO/ea"; ra=$?
    set -- "$@"
    b=""
    while [ "$1" != "|" ]; do b="$b $1"; shift; done
    # shellcheck disable=SC2086
    $CMETA $b >"$DO/b" 2>"$DO/eb"; rb=$?
    if [ "$ra" != 0 ] || [ "$rb" != 0 ]; then bad "$name: exit $ra / $rb: $(cat "$DO/ea" "$DO/eb")"
    elif ! cmp -s "$DO/a" "$DO/b"; then bad "$name: outputs differ: $(diff "$DO/a" "$DO/b" | head -5)"
    else ok; fi
}

for fmt in text json; do
    same_run "own names --col ($fmt)" pool $DI/canonical.csv --measure SMD --format $fmt -- \
        pool $DI/own.csv --measure SMD --col $COLS,study=Study --format $fmt
    same_run "';' and decimal commas ($fmt)" pool $DI/canonical.csv --measure SMD --format $fmt -- \
        pool $DI/eu.csv --measure SMD --sep ';' --decimal , --format $fmt
    same_run "tabs and decimal commas ($fmt)" pool $DI/canonical.csv --measure SMD --format $fmt -- \
        pool $DI/eu_tab.tsv --measure SMD --sep tab --decimal , --format $fmt
done
# moderators and subgroups: by a mapped name or the file's own; labelled by the file's column
$CMETA regress $DI/canonical.csv --measure SMD --mods dose 2>&1 | tr -s ' ' >"$DO/r1"
$CMETA regress $DI/own.csv --measure SMD --col $COLS --col dose=Dose_group --mods dose 2>&1 | sed 's/Dose_group/dose/g' | tr -s ' ' >"$DO/r2"
$CMETA regress $DI/own.csv --measure SMD --col $COLS --mods Dose_group 2>&1 | sed 's/Dose_group/dose/g' | tr -s ' ' >"$DO/r3"
if grep -q doselow "$DO/r1" && cmp -s "$DO/r1" "$DO/r2" && cmp -s "$DO/r1" "$DO/r3"; then ok
else bad "--col: moderator: $(diff "$DO/r1" "$DO/r2" | head -5)"; fi
same_run "--col: subgroup by a mapped name" pool $DI/canonical.csv --measure SMD --subgroup dose -- \
    pool $DI/own.csv --measure SMD --col $COLS,dose=Dose_group --subgroup dose
$CMETA pool $DI/canonical.csv --measure SMD --subgroup dose 2>&1 | tr -s ' ' >"$DO/s1"
$CMETA pool $DI/own.csv --measure SMD --col $COLS --subgroup Dose_group 2>&1 | sed 's/Dose_group/dose/g' | tr -s ' ' >"$DO/s2"
if cmp -s "$DO/s1" "$DO/s2"; then ok; else bad "--col: subgroup by the file's name: $(diff "$DO/s1" "$DO/s2" | head -5)"; fi
same_run "--col: study label and order" cumul $DI/canonical.csv --measure SMD --order year -- \
    cumul $DI/own.csv --measure SMD --col $COLS,study=Study,year=Year --order year
same_run "--col: escalc's yi vi" pool $DI/canonical.csv --measure MD -- \
    pool $DI/own.csv --measure MD --col "$COLS"
same_run "forest reads --col" pool $DI/canonical.csv --measure SMD -- \
    pool $DI/own.csv --measure SMD --col sd1i=MSC_sd,n1i=MSC_n --col m1i=MSC_mean,m2i=Ctrl_mean,sd2i=Ctrl_sd,n2i=Ctrl_n
run_cmd forest $DI/own.csv --measure SMD --col $COLS -o "$DO/f.svg"
if [ "$rc" = 0 ] && [ -s "$DO/f.svg" ]; then ok; else bad "forest --col: exit $rc $(cat "$TMP/err")"; fi

# the warning when auto finds another separator; none when it is given
run_cmd pool $DI/eu.csv --measure SMD --decimal ,
if [ "$rc" = 0 ] && grep -qF "warning: $DI/eu.csv: fields separated by ';' (seen in the header line; --sep to choose)" "$TMP/err"; then ok
else bad "auto ';' warning: exit $rc, $(cat "$TMP/err")"; fi
run_cmd pool $DI/eu.csv --measure SMD --decimal , --sep ';'
if [ "$rc" = 0 ] && ! grep -q "separated by" "$TMP/err"; then ok; else bad "--sep ; still warns: $(cat "$TMP/err")"; fi
run_cmd pool $DI/eu_tab.tsv --measure SMD --decimal ,
if [ "$rc" = 0 ] && grep -qF "fields separated by tabs" "$TMP/err"; then ok; else bad "auto tab warning: $(cat "$TMP/err")"; fi
run_cmd pool $DI/canonical.csv --measure SMD
if [ "$rc" = 0 ] && [ ! -s "$TMP/err" ]; then ok; else bad "comma file warns: $(cat "$TMP/err")"; fi
# separators inside quotes do not count
expect_exit 0 "quoted ';' in the header" pool $DI/quoted_semicolons.csv --measure MD
# standard input is detected too
$CMETA pool - --measure SMD --decimal , <$DI/eu.csv >"$DO/stdin" 2>/dev/null
$CMETA pool $DI/canonical.csv --measure SMD >"$DO/canon" 2>/dev/null
if cmp -s "$DO/stdin" "$DO/canon"; then ok; else bad "';' on standard input differs"; fi

# decimal commas without --decimal: a hint naming it
expect_stderr 2 "cmeta: $DI/eu.csv:2:4: study 'Liang': m1i: '3,2' is not a number (the file seems to use decimal commas: add --decimal ,)" \
    "decimal comma hint" pool $DI/eu.csv --measure SMD --sep ';'
# --decimal , with a comma separator: usage errors
expect_stderr 1 "cmeta pool: --decimal , needs a separator other than a comma (--sep ; or --sep tab)" \
    "--decimal , --sep ," pool $DI/canonical.csv --measure SMD --decimal , --sep ,
expect_stderr 1 "cmeta: $DI/canonical.csv:1: --decimal , needs fields separated by ';' or tabs, and the header line is separated by commas (use --sep ; or --sep tab if it is not)" \
    "--decimal , on a comma file" pool $DI/canonical.csv --measure SMD --decimal ,
expect_error 1 "--sep: 'x' is not one of auto , ; tab" "--sep x" pool $DI/canonical.csv --sep x
expect_error 1 "--decimal: ';' is not one of . ," "--decimal ;" pool $DI/canonical.csv --decimal ';'
# a number with a point in a decimal-comma file is refused at its cell
expect_error 2 "eu_point.csv:2:3: '1.5' has a decimal point, and --decimal , says numbers use a comma" \
    "point under --decimal ," pool $DI/eu_point.csv --measure SMD --decimal ,

# --col errors name both sides
expect_stderr 1 "cmeta: $DI/own.csv: --col n2i=Ctrl_N2: the header has no column 'Ctrl_N2' (columns: Study, Year, Dose_group, MSC_mean, MSC_sd, MSC_n, Ctrl_mean, Ctrl_sd, Ctrl_n)" \
    "--col to a missing column" pool $DI/own.csv --measure SMD --col m1i=MSC_mean,n2i=Ctrl_N2
expect_stderr 1 "cmeta pool: --col maps m1i and m2i to one column 'MSC_mean' (a column gives one value)" \
    "--col two names, one column" pool $DI/own.csv --measure SMD --col m1i=MSC_mean,m2i=MSC_mean
expect_stderr 1 "cmeta pool: --col maps m1i twice ('MSC_mean' and 'Ctrl_mean')" \
    "--col one name twice" pool $DI/own.csv --measure SMD --col m1i=MSC_mean --col m1i=Ctrl_mean
expect_stderr 1 "cmeta: $DI/own.csv: --col maps m1i twice (to 'MSC_mean' and 'Ctrl_mean')" \
    "--col one name twice by an alias" pool $DI/own.csv --measure SMD --col m1i=MSC_mean,mean1=Ctrl_mean
expect_stderr 1 "cmeta pool: --col: 'm1i' is not NAME=COLUMN (e.g. --col m1i=MSC_mean,n1i=MSC_n)" \
    "--col without =" pool $DI/own.csv --measure SMD --col m1i
expect_exit 0 "--col the same mapping twice" pool $DI/own.csv --measure SMD --col $COLS --col m1i=MSC_mean

# no measure fits: the columns, the closest kinds of data and a --col line, on one line
expect_stderr 1 "cmeta: --measure is required, and no measure fits the columns (Study, Year, Dose_group, MSC_mean, MSC_sd, MSC_n, Ctrl_mean, Ctrl_sd, Ctrl_n); closest: two groups' means (SMD MD ROM ...) lacks m1i sd1i n1i m2i sd2i n2i; pre/post means (MC SMCR ..., with ri or --ri) lacks m1i sd1i m2i sd2i ni; 2x2 tables (OR RR RD ...) lacks ai n1i ci n2i; start from --col $COLS --measure SMD" \
    "no measure fits" pool $DI/own.csv
expect_stderr 2 "cmeta: $DI/own.csv:1: measure SMD needs a column m1i (or mean1, mean.e); columns found (Study, Year, Dose_group, MSC_mean, MSC_sd, MSC_n, Ctrl_mean, Ctrl_sd, Ctrl_n); start from --col $COLS" \
    "measure given, its columns missing" pool $DI/own.csv --measure SMD
# the suggested line works as it stands
run_cmd pool $DI/own.csv --measure SMD --col $COLS
if [ "$rc" = 0 ]; then ok; else bad "suggested --col line: exit $rc $(cat "$TMP/err")"; fi

# ---- mixed designs (issue 16 item 4): a measure column; pooling equals metafor's rma() on the
# concatenated escalc yi/vi (tests/reference/mixed/make.R wrote values.csv and studies.csv)
MX=tests/reference/mixed
# json_num FILE KEY [AFTER] : the first number under "KEY": in FILE (after the text AFTER)
json_num() {
    awk -v key="\"$2\":" -v after="${3:-}" 'BEGIN { RS = "\001" } {
        s = $0
        if (after != "") { i = index(s, after); if (!i) exit 1; s = substr(s, i) }
        i = index(s, key); if (!i) exit 1
        s = substr(s, i + length(key)); match(s, /^-?[0-9.eE+-]+/); print substr(s, 1, RLENGTH) }' "$1"
}
# close_to NAME GOT WANT RTOL ATOL
close_to() {
    if awk -v a="$2" -v b="$3" -v r="$4" -v t="$5" 'BEGIN { d = a - b; if (d < 0) d = -d
        m = (a < 0 ? -a : a); n = (b < 0 ? -b : b); if (n > m) m = n
        exit !(a != "" && (d <= r * m || d <= t)) }'; then ok; else bad "$1: got '$2', metafor $3"; fi
}
# values.csv rows: method,estimate,se,ci_lb,ci_ub,pval,tau2,I2,Q
for method in REML DL FE; do
    $CMETA pool $MX/mixed.csv --method $method --format json >"$DO/mx.json" 2>"$DO/mx.err"
    [ $? = 0 ] || bad "mixed pool --method $method: $(cat "$DO/mx.err")"
    row=$(grep "^\"$method\"," $MX/values.csv)
    # closed forms (FE, DL) to 1e-8; REML iterative to 1e-6 (tau^2 absolute 1e-8)
    rt=1e-8; [ $method = REML ] && rt=1e-6
    i=2
    for key in estimate se ci_lb ci_ub pval tau2 I2 Q; do
        want=$(echo "$row" | cut -d, -f$i); i=$((i + 1))
        close_to "mixed $method $key" "$(json_num "$DO/mx.json" $key)" "$want" $rt 1e-8
    done
done
# every study's yi and vi is its own measure's escalc
$CMETA escalc $MX/mixed.csv >"$DO/mx.csv" 2>/dev/null
n=0
tail -n +2 $MX/studies.csv >"$DO/studies"
while IFS=, read -r st yi vi; do
    n=$((n + 1))
    line=$(sed -n "$((n + 1))p" "$DO/mx.csv")
    gy=$(echo "$line" | awk -F, '{ print $(NF - 1) }'); gv=$(echo "$line" | awk -F, '{ print $NF }')
    close_to "mixed escalc $st yi" "$gy" "$yi" 1e-10 0
    close_to "mixed escalc $st vi" "$gv" "$vi" 1e-10 0
done <"$DO/studies"
if [ "$n" = 8 ]; then ok; else bad "mixed escalc: $n studies in the fixture"; fi
# the label of the mix, in text and JSON, and each study's measure
run_cmd pool $MX/mixed.csv
if [ "$rc" = 0 ] && grep -qxF "Designs (k = 8): 3 two-group SMD, 5 pre-post SMCR" "$TMP/out"; then ok
else bad "mixed text label: $(head -5 "$TMP/out")"; fi
if grep -qF '"designs":"3 two-group SMD, 5 pre-post SMCR"' "$DO/mx.json" &&
   grep -qF '{"study":"Pre-post B","measure":"SMCR","yi"' "$DO/mx.json"; then ok
else bad "mixed JSON labels: $(head -c 300 "$DO/mx.json")"; fi
# --subgroup measure ("smd" and "SMD" are one subgroup), against rma() on each design's rows
$CMETA pool $MX/mixed.csv --subgroup measure --format json >"$DO/mxs.json" 2>/dev/null
for m in SMD SMCR; do
    row=$(grep "^\"REML_$m\"," $MX/values.csv)
    i=2
    for key in estimate se ci_lb ci_ub tau2; do
        want=$(echo "$row" | cut -d, -f$i); i=$((i + 1))
        [ $key = tau2 ] && want=$(echo "$row" | cut -d, -f7)
        close_to "mixed subgroup $m $key" "$(json_num "$DO/mxs.json" $key "\"subgroup\":\"$m\"")" "$want" 1e-6 1e-8
    done
done
if [ "$(grep -o '"subgroup":"[A-Za-z]*"' "$DO/mxs.json" | sort -u | wc -l)" = 2 ]; then ok
else bad "mixed: subgroups by measure: $(grep -o '"subgroup":"[A-Za-z]*"' "$DO/mxs.json" | sort -u)"; fi
# the forest plot shows each row's design
run_cmd forest $MX/mixed.csv -o "$DO/mx.svg"
if [ "$rc" = 0 ] && [ -s "$DO/mx.svg" ]; then ok
else bad "mixed forest: exit $rc $(cat "$TMP/err")"; fi
# refusals: an incompatible mix (exit 2, naming the rows), not a measure, --measure against the column
sed 's/^RCT G,SMD/RCT G,MD/' $MX/mixed.csv >"$DO/inc.csv"
expect_stderr 2 "cmeta: $DO/inc.csv:8:2: study 'RCT G': measures of different scales do not pool: SMD at lines 2, 4; SMCR at lines 3, 5, 6, 7, 9; MD at line 8 (analyse them apart; SMD SMDH SMD1 SMCC SMCR SMCRH pool together, as do MD MC, ROM ROMC, OR PETO)" \
    "mixed: incompatible measures" pool "$DO/inc.csv"
sed 's/^RCT G,SMD/RCT G,SMX/' $MX/mixed.csv >"$DO/badm.csv"
expect_error 2 "badm.csv:8:2: study 'RCT G': measure: 'SMX' is not a measure" "mixed: unknown measure" pool "$DO/badm.csv"
expect_error 1 "--measure SMD and the measure column (SMCR here) disagree" "mixed: --measure too" \
    pool $MX/mixed.csv --measure SMD
expect_error 1 "--method MH pools the 2x2 tables of one measure" "mixed: MH" pool $MX/mixed.csv --method MH
# a row without a measure is left out with a warning; the others pool
sed 's/^RCT G,SMD/RCT G,NA/' $MX/mixed.csv >"$DO/miss.csv"
run_cmd pool "$DO/miss.csv"
if [ "$rc" = 0 ] && grep -qF "study 'RCT G' (line 8) left out: missing measure" "$TMP/err" &&
   grep -qxF "Designs (k = 7): 2 two-group SMD, 5 pre-post SMCR" "$TMP/out"; then ok
else bad "mixed: missing measure: exit $rc $(cat "$TMP/err")"; fi
# the measure column by another name
sed '1s/measure/Design/' $MX/mixed.csv >"$DO/design.csv"
$CMETA pool "$DO/design.csv" --col measure=Design --format json >"$DO/mxd.json" 2>/dev/null
$CMETA pool $MX/mixed.csv --format json >"$DO/mx.json" 2>/dev/null
close_to "mixed via --col measure=Design" "$(json_num "$DO/mxd.json" estimate)" "$(json_num "$DO/mx.json" estimate)" 0 0
# --ri needs a pre/post row
grep -v SMCR $MX/mixed.csv >"$DO/smd_only.csv"
expect_error 1 "cmeta pool: --ri needs --measure MC, SMCC, SMCR, SMCRH or ROMC" "mixed: --ri without pre/post rows" \
    pool "$DO/smd_only.csv" --ri 0.5

# A file of medians with quartiles and/or ranges (tests/reference/reported/make_medians.R: the
# canonical groups as symmetric summaries whose conv.fivenum conversion gives back each mean and
# SD) runs with one command and gives the canonical file's numbers (1e-10 relative)
$CMETA pool $DI/canonical.csv --measure SMD --format json >"$DO/mc.json" 2>/dev/null
run_cmd pool $DI/medians.csv --measure SMD --format json
cp "$TMP/out" "$DO/mm.json"
for key in estimate se ci_lb ci_ub pval tau2 I2 Q; do
    a=$(grep -o "\"$key\":[-0-9.eE+]*" "$DO/mc.json" | head -n 1 | cut -d: -f2)
    b=$(grep -o "\"$key\":[-0-9.eE+]*" "$DO/mm.json" | head -n 1 | cut -d: -f2)
    if [ "$rc" = 0 ] && awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; m = a < 0 ? -a : a
        exit !(a != "" && b != "" && d <= 1e-10 * m + 1e-14) }'; then ok
    else bad "medians file = canonical: $key $b, canonical $a; $(head -c 200 "$TMP/err")"; fi
done
$CMETA escalc $DI/canonical.csv --measure SMD 2>/dev/null | awk -F, 'NR > 1 { print $(NF - 1), $NF }' >"$DO/ec"
$CMETA escalc $DI/medians.csv --measure SMD 2>/dev/null | awk -F, 'NR > 1 { print $(NF - 2), $(NF - 1), $NF }' >"$DO/em"
if paste -d' ' "$DO/ec" "$DO/em" | awk 'function ad(x) { return x < 0 ? -x : x }
       { n++; if (ad($1 - $3) > 1e-10 * ad($1) || ad($2 - $4) > 1e-10 * ad($2) || $5 !~ /^fivenum:luo-wan-shi$/) bad = 1 }
       END { exit bad || n != 5 }'; then ok
else bad "medians file: escalc yi/vi differ from the canonical file's: $(paste -d' ' "$DO/ec" "$DO/em")"; fi
