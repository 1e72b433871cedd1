# cmeta mv --random "INNER|OUTER" --struct S (sourced by run.sh): multivariate and longitudinal
# structures. The numbers are metafor 3.8.1's rma.mv (tests/reference/mv/make_struct.R;
# tests/test_mv_struct.c compares them to 1e-6, the optimum to 1e-8).
D=tests/cli/data
G=tests/cli/golden
M=tests/reference/mv
BK="$M/berkey1998.csv --V $M/berkey1998_V.csv --mods outcome --no-intercept"
IS="$M/ishak2007_long.csv --V $M/ishak2007_Vlong.csv --mods tp --no-intercept"
expect_golden $G/mv_struct_un.txt "mv text: UN (Berkey 1998)" mv $BK --random "outcome|trial" --struct UN
expect_golden $G/mv_struct_un.json "mv JSON: UN, tau2 per level, rho matrix, profile CIs" mv $BK --random "outcome|trial" --struct UN --format json
expect_golden $G/mv_struct_cs.txt "mv text: CS is the default struct" mv $BK --random "outcome|trial"
expect_golden $G/mv_struct_hcs.json "mv JSON: HCS" mv $BK --random "outcome | trial" --struct hcs --format json --no-ci
expect_golden $G/mv_struct_diag.txt "mv text: DIAG" mv $BK --random "outcome|trial" --struct DIAG
expect_golden $G/mv_struct_id.json "mv JSON: ID" mv $BK --random "outcome|trial" --struct ID --format json
expect_golden $G/mv_struct_ar.txt "mv text: AR over time (Ishak 2007)" mv $IS --random "time|study" --struct AR --no-ci
expect_golden $G/mv_struct_har.json "mv JSON: HAR" mv $IS --random "time|study" --struct HAR --no-ci --format json
expect_golden $G/mv_struct_s_ar.txt "mv text: ~ 1 | study plus AR" mv $IS --random study --random "time|study" --struct AR --no-ci
# --time orders text levels by a numeric column: the same fit as the numeric inner column
run_cmd mv $IS --random "time|study" --struct AR --no-ci --format json
sed 's/"inner":"time"/"inner":"tp"/; s/"inner_levels":\["1","2","3","4"\]/"inner_levels":["t1","t2","t3","t4"]/' "$TMP/out" > "$TMP/mv_time.json"
run_cmd mv $IS --random "tp|study" --struct AR --time time --no-ci --format json
if golden_differs "$TMP/mv_time.json" "$TMP/out"; then bad "mv: --time and a numeric inner column differ: $why"; else ok; fi
# a CSV has the coefficients only
expect_golden $G/mv_struct_un.csv "mv CSV: UN" mv $BK --random "outcome|trial" --struct UN --format csv --no-ci
# a level of the inner factor in a single trial: tau2 and (bivariate) rho fixed to 0, a warning
expect_golden $G/mv_struct_klvl1.txt "mv text: k.lvl = 1 fixes tau2 (as metafor)" mv $D/mv_struct_klvl1.csv --mods outcome --no-intercept --random "outcome|trial" --struct HCS --no-ci
# the LRT of UN against a random intercept per trial (same V, ML)
expect_golden $G/mv_struct_compare.txt "mv text: LRT of UN against ~ 1 | trial" mv $BK --random "outcome|trial" --struct UN --compare-random trial --method ML --no-ci
# errors
expect_error 1 "--struct applies to an --random \"INNER|OUTER\" term (none given)" "mv: --struct without inner|outer" mv $BK --random trial --struct UN
expect_error 1 "--struct" "mv: unknown --struct" mv $BK --random "outcome|trial" --struct CAR
expect_error 1 "one \"INNER|OUTER\" term at most" "mv: two inner|outer terms" mv $BK --random "outcome|trial" --random "outcome|author"
expect_error 1 "--robust with an \"INNER|OUTER\" term (--struct) is not implemented" "mv: --robust with a term refused (its M would leave the term out)" mv $BK --random "outcome|trial" --struct UN --robust trial
expect_error 1 "an inner|outer term is two column names" "mv: nested inner|outer" mv $BK --random "outcome|trial/author"
expect_error 1 "an inner|outer term is two column names" "mv: empty outer" mv $BK --random "outcome|"
expect_error 2 "--random: no column 'nosuch'" "mv: unknown inner column" mv $BK --random "nosuch|trial"
expect_error 2 "--struct AR needs numeric time points: 'PD' in column 'outcome' is not a number (give --time COL" "mv: AR over a text inner column" mv $BK --random "outcome|trial" --struct AR
expect_error 2 "is not a number" "mv: --time not numeric" mv $IS --random "tp|study" --struct HAR --time study
expect_error 1 "--time" "mv: --time without AR/HAR" mv $BK --random "outcome|trial" --struct UN --time year
expect_error 2 "two different times" "mv: --time not constant within a level" mv $IS --random "study|tp" --struct AR --time time
expect_error 2 "two levels of 'tp' have the same time 1" "mv: --time equal for two levels names the time (main printed freed memory)" mv $D/mv_time_tie.csv --V $M/ishak2007_Vlong.csv --mods tp --no-intercept --random "tp|study" --struct AR --time time
expect_error 1 "needs one in --random too" "mv: --compare-random inner|outer without one in the full model" mv $BK --random trial --compare-random "outcome|trial" --method ML
# --plot with an INNER|OUTER term: rows grouped by OUTER, labelled by INNER (or the outcome
# column), tau^2 in the heterogeneity line and no I^2 (null with a term)
F=$TMP/mvstruct_plot.svg
expect_picture svg "$F" "mv --struct UN --plot" mv $BK --random "outcome|trial" --struct UN --plot "$F"
if [ -s "$F" ] && grep -q '>Pihlstrom et al.<' "$F" && grep -q '>PD<' "$F" && grep -q 'τ²(AL) = 0.0327' "$F" &&
    ! grep -q 'I² = ' "$F"; then ok; else bad "mv --struct UN --plot: group headers, labels or the tau^2 line missing"; fi
