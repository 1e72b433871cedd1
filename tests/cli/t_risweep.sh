# pool/forest --ri-sweep and the ri_lb/ri_ub box (issue 16 item 5; sourced by run.sh, $T is
# tests/cli). Every row of a sweep equals a separate run with that --ri (1e-10 relative: the
# same fit); the rows equal R metafor 3.8 (tests/reference/risweep/make.R, 1e-6 relative, REML
# to --tol 1e-12); the box's corners and extremes as metafor's; the options' rules.
D=$T/data
R=tests/reference/risweep
P=$D/risweep_morris.csv       # ri for 3 of 10 studies, ri_lb/ri_ub for 4
Q=$D/risweep_morris_ri.csv    # the same without ri_lb/ri_ub

# rs_json KEY: the first number KEY has in $TMP/out
rs_json() { grep -o "\"$1\":[-0-9.eE+]*" "$TMP/out" | head -n 1 | cut -d: -f2; }

# ---- every row of a sweep = a separate run with that --ri (SMCR both SDs, SMCC, MC, ROMC; REML, DL)
for args in "--measure SMCR" "--measure SMCR --smcr-sd baseline" "--measure SMCC --method DL" \
    "--measure MC --test knha" "--measure ROMC"; do
    run_cmd pool "$Q" $args --ri-sweep -0.5:0.9:0.35 --format csv
    if [ "$rc" != 0 ]; then bad "risweep: pool $args --ri-sweep: exit $rc: $(cat "$TMP/err")"; continue; fi
    cp "$TMP/out" "$TMP/sweep.csv"
    echo "ri,estimate,se,ci_lb,ci_ub,pval,tau2,I2" >"$TMP/single.csv"
    for r in $(awk -F, 'NR > 1 { print $1 }' "$TMP/sweep.csv"); do
        run_cmd pool "$Q" $args --ri "$r" --format json
        echo "$r,$(rs_json estimate),$(rs_json se),$(rs_json ci_lb),$(rs_json ci_ub),$(rs_json pval),$(rs_json tau2),$(rs_json I2)" >>"$TMP/single.csv"
    done
    if [ "$(wc -l <"$TMP/sweep.csv")" = 6 ] && "$NUMCMP" --csv -r 1e-10 -a 1e-14 "$TMP/single.csv" "$TMP/sweep.csv" >"$TMP/cmp" 2>&1; then ok
    else bad "risweep: pool $args: a sweep row differs from its --ri run: $(cat "$TMP/cmp")"; fi
done

# ---- the sweep against metafor (escalc + rma at each ri; the studies with ri keep theirs)
for cfg in "SMCR followup REML z" "SMCR baseline REML z" "SMCRH followup FE z" "SMCC followup DL t" \
    "MC followup PM z" "SMCC followup REML knha"; do
    set -- $cfg
    echo "ri,estimate,se,ci_lb,ci_ub,pval,tau2,I2" >"$TMP/want.csv"
    awk -F, -v m="$1" -v s="$2" -v me="$3" -v te="$4" 'NR > 1 && $1 == m && $2 == s && $3 == me && $4 == te {
        print $5 "," $6 "," $7 "," $8 "," $9 "," $10 "," $11 "," $12 }' $R/sweep.csv >>"$TMP/want.csv"
    run_cmd pool "$Q" --measure "$1" --smcr-sd "$2" --method "$3" --test "$4" --tol 1e-12 --ri-sweep=-0.5:0.9:0.1 --format csv
    if [ "$rc" = 0 ] && [ "$(wc -l <"$TMP/want.csv")" = 16 ] &&
       "$NUMCMP" --csv -r 1e-6 -a 1e-12 "$TMP/want.csv" "$TMP/out" >"$TMP/cmp" 2>&1; then ok
    else bad "risweep: $cfg against metafor: exit $rc $(cat "$TMP/err" "$TMP/cmp")"; fi
done

# ---- tipping point and box against metafor (JSON)
run_cmd pool "$P" --measure SMCR --tol 1e-12 --ri-sweep -0.5:0.9:0.1 --format json
want_root=$(awk -F, '$1 == "SMCR" && $2 == "followup" { print $8 }' $R/tips.csv)
got_root=$(grep -o '"root":[-0-9.eE+]*' "$TMP/out" | cut -d: -f2)
if [ "$rc" = 0 ] && grep -q '"tipping_points":\[{"type":"ci_includes_null","ri_lo":0.5,"ri_hi":0.59999999999999998' "$TMP/out" &&
   awk -v g="$got_root" -v w="$want_root" 'BEGIN { d = g - w; exit !(g != "" && d < 1e-6 && d > -1e-6) }'; then ok
else bad "risweep: tipping point root $got_root, metafor $want_root: $(head -c 400 "$TMP/out")"; fi
box=$(awk -F, '$1 == "SMCR" && $2 == "followup" && $3 == "REML" && $5 == "sweep" { print $7, $8, $9, $10 }' $R/box.csv)
set -- $box
ok_box=1
for kv in "estimate_min $1" "estimate_max $2" "pval_min $3" "pval_max $4"; do
    set -- $kv
    g=$(rs_json "$1")
    awk -v g="$g" -v w="$2" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g != "" && d <= 1e-6 * (w < 0 ? -w : w)) }' || ok_box=0
done
if [ $ok_box = 1 ] && grep -q '"corners":128,"studies_varied":7,"exhaustive":true' "$TMP/out"; then ok
else bad "risweep: box against metafor ($box): $(head -c 600 "$TMP/out")"; fi
for k in '"ri_sweep":\[{"ri":-0.5,"estimate":' '"ri_box":{"over":"corners","estimate_min":' '"k_swept":7' '"root_tol":9.9999999999999995e-07'; do
    if grep -q "$k" "$TMP/out"; then ok; else bad "risweep: JSON lacks $k"; fi
done
# the box alone (ri_lb/ri_ub columns, --ri for the studies with neither): 16 corners, as metafor's "fixed" rows
run_cmd pool "$P" --measure SMCC --ri 0.5 --tol 1e-12 --format json
w=$(awk -F, '$1 == "SMCC" && $3 == "REML" && $4 == "z" && $5 == "fixed" { print $7 }' $R/box.csv)
if [ "$rc" = 0 ] && grep -q '"corners":16' "$TMP/out" && ! grep -q '"ri_sweep"' "$TMP/out" &&
   awk -v g="$(rs_json estimate_min)" -v w="$w" 'BEGIN { d = g - w; exit !(d < 1e-6 * w && d > -1e-6 * w) }'; then ok
else bad "risweep: box with --ri 0.5: $(cat "$TMP/err") $(head -c 400 "$TMP/out")"; fi

# ---- text report: a golden
expect_golden "$T/golden/risweep_smcc.txt" "risweep text" pool "$P" --measure SMCC --ri-sweep 0:0.9:0.3

# ---- a list is sorted, duplicates once
run_cmd pool "$Q" --measure SMCC --ri-sweep 0.8,0.2,0.5,0.2 --format csv
if [ "$rc" = 0 ] && [ "$(awk -F, 'NR > 1 { printf "%s ", $1 }' "$TMP/out")" = "0.20000000000000001 0.5 0.80000000000000004 " ]; then ok
else bad "risweep: list not sorted/deduplicated: $(cat "$TMP/out" "$TMP/err")"; fi

# ---- plots
expect_picture svg "$TMP/rs.svg" "risweep pool --plot svg" pool "$Q" --measure SMCR --ri-sweep 0:0.9:0.1 --plot "$TMP/rs.svg"
expect_picture png "$TMP/rs.png" "risweep forest --ri-sweep png" forest "$Q" --measure SMCR --ri-sweep 0:0.9:0.1 -o "$TMP/rs.png"
expect_picture pdf "$TMP/rs.pdf" "risweep forest --ri-sweep pdf" forest "$P" --measure SMCC --ri-sweep 0.1,0.5 -o "$TMP/rs.pdf"

# ---- refusals: usage (1) and data (2)
expect_error 1 "--ri-sweep needs --measure MC, SMCC, SMCR, SMCRH or ROMC" "risweep: not pre/post" pool "$D/bcg.csv" --measure RR --ri-sweep 0:0.9:0.1
expect_error 1 "--ri" "risweep: with --ri" pool "$Q" --measure SMCR --ri 0.5 --ri-sweep 0:0.9:0.1
# forest draws one picture per run: the sweep's takes no forest-plot controls, and loo/cumul not the sweep
expect_error 1 "forest: --ri-sweep draws the sweep plot, which does not take --title" "risweep: forest with --title" forest "$Q" --measure SMCR --ri-sweep 0:0.9:0.1 --title T -o "$TMP/rs_title.svg"
expect_error 1 "forest: --ri-sweep draws the sweep plot, which does not take --dpi" "risweep: forest with --dpi" forest "$Q" --measure SMCR --ri-sweep 0:0.9:0.1 --dpi 600 -o "$TMP/rs_dpi.png"
expect_error 1 "forest: --loo and --ri-sweep do not go together" "risweep: forest --loo" forest "$Q" --measure SMCR --ri-sweep 0:0.9:0.1 --loo -o "$TMP/rs_loo.svg"
expect_error 1 "forest: --cumul and --bayes do not go together" "forest --cumul --bayes" forest "$D/bcg.csv" --measure RR --cumul --bayes --tau-prior halfnormal:0.5 -o "$TMP/cb.svg"
expect_error 1 "is not FROM:TO:STEP" "risweep: two fields" pool "$Q" --measure SMCR --ri-sweep 0:0.9
expect_error 1 "STEP must be > 0" "risweep: negative step" pool "$Q" --measure SMCR --ri-sweep 0:0.9:-0.1
expect_error 1 "is not a correlation" "risweep: out of [-1, 1]" pool "$Q" --measure SMCR --ri-sweep 0:2:0.5
expect_error 1 "'abc' is not a number" "risweep: list" pool "$Q" --measure SMCR --ri-sweep 0.2,abc
expect_error 1 "at most 10001" "risweep: too many" pool "$Q" --measure SMCR --ri-sweep 0:1:0.00001
expect_error 1 "--ri-sweep is not an option of loo" "risweep: loo" loo "$Q" --measure SMCR --ri-sweep 0:0.9:0.1
expect_error 1 "--plot needs --ri-sweep" "risweep: pool --plot alone" pool "$Q" --measure SMCR --ri 0.5 --plot "$TMP/x.svg"
expect_error 1 "not with --subgroup" "risweep: subgroups" pool "$Q" --measure SMCR --ri-sweep 0:0.9:0.1 --subgroup study
expect_error 1 "not with --model auto" "risweep: model auto" pool "$Q" --measure SMCR --ri-sweep 0:0.9:0.1 --model auto
expect_error 2 "risweep_morris.csv:4: study 'T 3': no ri and no ri_lb/ri_ub" "risweep: box without ri" pool "$P" --measure SMCC --smcr-sd followup
printf 'study,m1i,sd1i,m2i,sd2i,ni,ri_lb\nA,1,2,0,2,10,0.3\n' >"$TMP/lbonly.csv"
expect_error 2 "a column ri_lb needs a column ri_ub" "risweep: ri_lb alone" pool "$TMP/lbonly.csv" --measure MC --ri 0.5
printf 'study,m1i,sd1i,m2i,sd2i,ni,ri_lb,ri_ub\nA,1,2,0,2,10,0.6,0.3\nB,2,2,1,3,12,,0.5\n' >"$TMP/lbub.csv"
expect_error 2 "lbub.csv:2:7: study 'A': ri_lb must be <= ri_ub (got 0.6 > 0.3)" "risweep: lb > ub" pool "$TMP/lbub.csv" --measure MC --ri 0.5
printf 'study,m1i,sd1i,m2i,sd2i,ni,ri_lb,ri_ub\nB,2,2,1,3,12,,0.5\n' >"$TMP/half.csv"
expect_error 2 "half.csv:2:7: study 'B': ri_lb is empty but ri_ub is not" "risweep: half interval" pool "$TMP/half.csv" --measure MC --ri 0.5
printf 'study,m1i,sd1i,m2i,sd2i,ni\nA,3,2,1,2,10\nB,4,1,1,1.5,12\n' >"$TMP/eq.csv"
expect_error 2 "eq.csv:2: study 'A': with ri = 1 the sampling variance is not > 0" "risweep: zero variance" pool "$TMP/eq.csv" --measure MC --ri-sweep 0.5,1

# ---- --ri fills empty ri cells (a study keeps its own ri)
run_cmd pool "$Q" --measure SMCC --ri 0.3 --format json
k=$(rs_json k)
if [ "$rc" = 0 ] && [ "$k" = 10 ]; then ok; else bad "risweep: --ri with empty ri cells: k = $k, exit $rc"; fi
expect_error 1 "--format csv writes the sweep's rows" "risweep: box as csv" pool "$P" --measure SMCC --ri 0.5 --format csv
# every study with its own ri: said
run_cmd pool $D/prepost_morris2008.csv --measure SMCC --ri-sweep 0,0.5
if [ "$rc" = 0 ] && grep -q "every study has its own ri" "$TMP/err"; then ok; else bad "risweep: all ri known not said: $(cat "$TMP/err")"; fi
