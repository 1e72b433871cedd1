# cmeta mv (sourced by run.sh): multilevel and multivariate models. The numbers are metafor 3.8.1's
# rma.mv (tests/reference/mv/make.R; tests/test_mv.c compares them to 1e-6, the optimum to 1e-9).
D=tests/cli/data
G=tests/cli/golden
M=tests/reference/mv
expect_golden $G/mv_k3.txt "mv text: three-level (Konstantopoulos 2011)" mv $M/konstantopoulos2011.csv --random district/school
expect_golden $G/mv_k3_year_t.txt "mv text: ~ year, test t" mv $M/konstantopoulos2011.csv --random district/school --mods year --test t
expect_golden $G/mv_k3_ml.json "mv JSON: ML" mv $M/konstantopoulos2011.csv --random district/school --method ML --format json
expect_golden $G/mv_k3_year.csv "mv CSV" mv $M/konstantopoulos2011.csv --random district/school --mods year --format csv
expect_golden $G/mv_berkey_ml.json "mv JSON: --V full matrix, no intercept" mv $M/berkey1998.csv --random trial/outcome --mods outcome --no-intercept --method ML --V $M/berkey1998_V.csv --format json
expect_golden $G/mv_berkey_long.json "mv JSON: --V long format" mv $M/berkey1998.csv --random trial --mods outcome --V $M/berkey1998_Vlong.csv --format json
expect_golden $G/mv_assink_rho.json "mv JSON: --rho --cluster" mv $M/assink2016.csv --random study/esid --rho 0.6 --cluster study --format json
expect_golden $G/mv_assink_crossed.txt "mv text: crossed factors, ML, factor moderator" mv $M/assink2016.csv --random study --random esid --mods deltype --method ML
# the same model from the full and the long V file
run_cmd mv $M/berkey1998.csv --random trial --mods outcome --V $M/berkey1998_V.csv --format json
cp "$TMP/out" "$TMP/mv_full.json"
run_cmd mv $M/berkey1998.csv --random trial --mods outcome --V $M/berkey1998_Vlong.csv --format json
if golden_differs "$TMP/mv_full.json" "$TMP/out"; then bad "mv: full and long V differ: $why"; else ok; fi
expect_error 2 "not positive definite" "mv: V not positive definite" mv $M/berkey1998.csv --random trial --V $D/mv_V_notpd.csv
expect_error 2 "mv_V_asym.csv:2:1: the V matrix is not symmetric: V[2,1] = 0.003 but V[1,2] = 0.004" "mv: V not symmetric" mv $M/berkey1998.csv --random trial --V $D/mv_V_asym.csv
expect_error 2 "mv_V_small.csv:1: row 1 of the V matrix has 9 columns; the input has 10 rows" "mv: V of the wrong size" mv $M/berkey1998.csv --random trial --V $D/mv_V_small.csv
expect_error 2 "mv_V_badlong.csv:3:2: j = 11 is not a row number of the input (1 to 10)" "mv: long V row out of range" mv $M/berkey1998.csv --random trial --V $D/mv_V_badlong.csv
expect_error 2 "mv_V_text.csv:3:3: 'abc' is not a number" "mv: V cell not a number" mv $M/berkey1998.csv --random trial --V $D/mv_V_text.csv
expect_error 4 "cannot read" "mv: V file missing" mv $M/berkey1998.csv --random trial --V $D/no-such-V.csv
expect_error 2 "mv_missing_school.csv:5:2: study '4': no value of the --random factor 'school'" "mv: missing factor cell" mv $D/mv_missing_school.csv --random district/school
expect_error 2 "--random: no column 'nosuch'" "mv: unknown --random column" mv $M/konstantopoulos2011.csv --random district/nosuch
expect_error 1 "--random A (or nested A/B) is required" "mv: no --random" mv $M/konstantopoulos2011.csv
expect_error 1 "--method must be REML or ML" "mv: --method DL refused" mv $M/konstantopoulos2011.csv --random district --method DL
expect_error 1 "--test must be z or t" "mv: --test knha refused" mv $M/konstantopoulos2011.csv --random district --test knha
expect_golden $G/mv_k3_noci.json "mv JSON: --no-ci" mv $M/konstantopoulos2011.csv --random district/school --no-ci --format json
expect_golden $G/mv_single_level.txt "mv text: a single-level factor fixed to 0 (as metafor)" mv $D/mv_single_level.csv --random region --random district/school
expect_error 2 "the random factors 'district/school' and 'study' group the effect sizes identically" "mv: confounded factors refused" mv $M/konstantopoulos2011.csv --random district/school --random study
expect_error 2 "V is not positive definite" "mv: --rho 1 makes V singular" mv $M/assink2016.csv --random study/esid --rho 1 --cluster study
# --compare-random / --compare-mods: metafor's anova of two rma.mv fits (tests/reference/mv/compare.R;
# tests/test_mv.c compares the library's values with metafor's to 1e-6)
expect_golden $G/mv_compare_k3.txt "mv text: LRT three- vs two-level (REML)" mv $M/konstantopoulos2011.csv --random district/school --compare-random district --no-ci
expect_golden $G/mv_compare_year_ml.json "mv JSON: LRT of moderators and a level (ML)" mv $M/konstantopoulos2011.csv --random district/school --mods year --compare-mods 1 --compare-random district --method ML --no-ci --format json
expect_golden $G/mv_compare_year_ml.txt "mv text: LRT of a moderator (ML)" mv $M/konstantopoulos2011.csv --random district/school --mods year --compare-mods 1 --method ML --no-ci
expect_error 1 "REML likelihoods of models with different fixed effects (moderators) are not comparable; use --method ML" "mv: REML LRT of different moderators refused" mv $M/konstantopoulos2011.csv --random district/school --mods year --compare-mods 1 --no-ci
expect_error 1 "the same number of parameters" "mv: reduced model the same as the full one" mv $M/konstantopoulos2011.csv --random district/school --compare-random district/school --no-ci
expect_error 1 "the reduced model has more parameters (3) than the full model (2)" "mv: reduced model larger" mv $M/konstantopoulos2011.csv --random district --compare-random district/school --no-ci
expect_error 2 "--compare-random: no column 'nosuch'" "mv: unknown --compare-random column" mv $M/konstantopoulos2011.csv --random district/school --compare-random nosuch
expect_error 2 "--compare-mods: no column 'nosuch'" "mv: unknown --compare-mods column" mv $M/konstantopoulos2011.csv --random district/school --compare-mods nosuch --method ML
expect_error 2 "mv_compare_missing.csv:4: study '3': no value of a --compare-mods moderator" "mv: --compare-mods moderator missing on a row of the full model" mv $D/mv_compare_missing.csv --random district/school --compare-mods x --method ML --no-ci
# --plot: the forest plot of the fit (issue 18 item 4; the layout is tested in tests/test_figures.c,
# the weights against metafor's weights.rma.mv in tests/test_mv.c)
F="$TMP/mvplot.svg"
mvsvg_has() { grep -qF -- "$1" "$F" && ok || bad "$2: the SVG lacks $1"; }
expect_picture svg "$F" "mv --plot: three-level forest plot (SVG)" mv $M/konstantopoulos2011.csv --random district/school --no-ci --plot "$F" --title "Konstantopoulos 2011" --digits 3 --xlim -1.5,1.5 --at -1,0,1
if golden_differs $G/mv_k3.txt "$TMP/out"; then bad "mv --plot: the text report changed: $why"; else ok; fi
mvsvg_has '>district / school</text>' "mv --plot heading"
mvsvg_has 'font-weight="bold" fill="#000000" xml:space="preserve">district 11</text>' "mv --plot: bold cluster header"
mvsvg_has '>school 4</text>' "mv --plot: effect-size label"
mvsvg_has '>RE Model</text>' "mv --plot: diamond"
mvsvg_has '>0.185 [0.019, 0.350]</text>' "mv --plot: --digits, the fit's CI"
mvsvg_has '>Konstantopoulos 2011</text>' "mv --plot: --title"
mvsvg_has 'Test for overall effect: z = 2.185, p = 0.0289' "mv --plot: test"
[ "$(grep -c '>-1</text>\|>0</text>\|>1</text>' "$F")" = 3 ] && ok || bad "mv --plot: --at ticks"
expect_picture png "$TMP/mvplot.png" "mv --plot: PNG" mv $M/berkey1998.csv --random trial/outcome --mods outcome --no-intercept --V $M/berkey1998_V.csv --no-ci --plot "$TMP/mvplot.png" --dpi 100
expect_picture pdf "$TMP/mvplot.pdf" "mv --plot: PDF, --rho note" mv $M/assink2016.csv --random study/esid --rho 0.6 --cluster study --no-ci --plot "$TMP/mvplot.pdf" --size 8x10in
expect_picture svg "$F" "mv --plot: cell means" mv $M/berkey1998.csv --random trial/outcome --mods outcome --no-intercept --V $M/berkey1998_V.csv --no-ci --plot "$F"
mvsvg_has '>RE Model: outcome = AL</text>' "mv --plot: a diamond per coefficient"
mvsvg_has '>Pihlstrom et al.</text>' "mv --plot: the study label as the header"
expect_picture svg "$F" "mv --plot: --rho" mv $M/assink2016.csv --random study/esid --rho 0.6 --cluster study --no-ci --plot "$F"
mvsvg_has 'correlated ρ = 0.6 (assumed, not reported)' "mv --plot: the assumed correlation is said"
expect_error 1 "plot the intercept-only model, or one coefficient per level of a factor" "mv --plot with a slope refused" mv $M/konstantopoulos2011.csv --random district/school --mods year --no-ci --plot "$F"
expect_error 1 "mv: --title belongs to the forest plot: give --plot" "mv: figure option without --plot" mv $M/konstantopoulos2011.csv --random district --title x
expect_error 1 "--plot needs a file of its own" "mv --plot -" mv $M/konstantopoulos2011.csv --random district --plot -
expect_error 1 "--favours" "mv: --favours is not an mv option" mv $M/konstantopoulos2011.csv --random district --plot "$F" --favours a,b
expect_exit 1 "mv --plot unknown extension" mv $M/konstantopoulos2011.csv --random district --plot "$TMP/x.gif"
expect_picture svg "$F" "mv --plot: --random outcome grouped by --cluster" mv datasets/lupus/deng2017_mv.csv --random outcome --rho 0.6 --cluster study --plot "$F"
mvsvg_has 'font-weight="bold" fill="#000000" xml:space="preserve">Deng 2017</text>' "mv --plot: the cluster as header"
mvsvg_has '>study / outcome</text>' "mv --plot: heading with the cluster"
mvsvg_has '>change in serum creatinine</text>' "mv --plot: outcome column as label"
