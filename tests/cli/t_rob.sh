# issue 17 item 4: risk-of-bias traffic lights in the forest plot (sourced by run.sh). The
# layout (positions, colours, legend, no overlaps) is tested in tests/test_rob.c; here the
# columns reach the picture and bad cells are refused. Data: made-up judgements
# (tests/cli/data/rob_*.csv, studies "Made-up trial A".."F" on BCG-like counts).
D=tests/cli/data
F="$TMP/rob.svg"
rob_has() { grep -qF -- "$1" "$F" && ok || bad "$2: the SVG lacks $1"; }
rob_count() { n=$(grep -cF -- "$1" "$F"); [ "$n" = "$2" ] && ok || bad "$3: $n x $1, expected $2"; }

expect_picture svg "$F" "forest rob2 (default)" forest $D/rob_madeup.csv --measure RR -o "$F"
rob_has '>Risk of bias</text>' "rob heading"
rob_has '>Overall</text>' "rob overall column"
rob_has '>D1: Bias arising from the randomization process</text>' "rob2 legend"
rob_has '>Some concerns</text>' "rob2 judgement words"
# 35 circles in the table (6 x 6, one empty cell) and 4 legend keys; 21 low (green) in the table
rob_count '<circle' 39 "circles"
rob_count 'fill="#02c100"' 22 "green circles"
rob_count 'fill="#820000"' 0 "no critical under RoB 2"
expect_picture png "$TMP/rob.png" "forest rob2 revman5 png" forest $D/rob_madeup.csv --measure RR --layout revman5 -o "$TMP/rob.png"

expect_picture svg "$F" "forest robins-i" forest $D/rob_robins7.csv --measure RR --rob-tool robins-i -o "$F"
rob_has '>D7: Bias in selection of the reported result</text>' "robins-i legend"
rob_has '>D3: Bias in classification of interventions</text>' "robins-i D3"
rob_has '>Serious</text>' "robins-i judgement words"
rob_has 'fill="#820000"' "critical circle"
# ROBINS-I V2 has six domains (no "deviations from intended interventions"; src/lib/plot_rob.c)
expect_picture svg "$F" "forest robins-i-v2" forest $D/rob_robinsv2.csv --measure RR --rob-tool robins-i-v2 --layout revman5 -o "$F"
rob_has '>D2: Bias in classification of interventions</text>' "robins-i-v2 D2"
rob_has '>D4: Bias due to missing data</text>' "robins-i-v2 D4"
rob_has '>D6: Bias in selection of the reported result</text>' "robins-i-v2 D6"
grep -qF 'deviations' "$F" && bad "robins-i-v2: no deviations domain" || ok
expect_error 2 "ROBINS-I V2 has 6 domains, rob_D1..rob_D6, but the file has 7 (ROBINS-I: --rob-tool robins-i)" "rob count v2" \
    forest $D/rob_robins7.csv --measure RR --rob-tool robins-i-v2 -o "$F"
expect_error 2 "but the file has 6 (ROBINS-I V2: --rob-tool robins-i-v2)" "rob count 6 under rob2" \
    forest $D/rob_robinsv2.csv --measure RR -o "$F"

# refused: a word that is no judgement (file:line:column: study), '-', the count of columns
expect_stderr 2 "cmeta: $D/rob_bad_word.csv:2:10: study 'Made-up trial A': rob_D5: risk of bias 'maybe' is not one of low, some concerns (moderate), high (serious), critical, unclear (no information), +, x, !, ?" \
    "rob bad word" forest $D/rob_bad_word.csv --measure RR -o "$F"
sed 's/"Unclear","Low","Low"/"-","Low","Low"/' $D/rob_madeup.csv >"$TMP/rob_dash.csv"
expect_error 2 "$TMP/rob_dash.csv:4:6: study 'Made-up trial C': rob_D1: '-' is high risk in RevMan 5" "rob dash" \
    forest "$TMP/rob_dash.csv" --measure RR -o "$F"
expect_error 2 "RoB 2 has 5 domains, rob_D1..rob_D5, but the file has 7 (ROBINS-I: --rob-tool robins-i" "rob count" \
    forest $D/rob_robins7.csv --measure RR -o "$F"
expect_error 2 "ROBINS-I has 7 domains" "rob count robins" forest $D/rob_madeup.csv --measure RR --rob-tool robins-i -o "$F"
sed 's/"Unclear","Low","Low"/"Unclear","Critical","Low"/' $D/rob_madeup.csv >"$TMP/rob_crit.csv"
expect_error 2 "$TMP/rob_crit.csv:4:7: study 'Made-up trial C': rob_D2: 'critical' is not a RoB 2 judgement" \
    "rob critical in rob2" forest "$TMP/rob_crit.csv" --measure RR -o "$F"
expect_error 1 "--rob-tool: $D/bcg.csv has no risk-of-bias columns" "rob-tool without columns" \
    forest $D/bcg.csv --measure RR --rob-tool rob2 -o "$F"
expect_error 1 "--rob-tool: leave-one-out and cumulative plots have no risk-of-bias columns" "rob-tool with --loo" \
    forest $D/rob_madeup.csv --measure RR --loo --rob-tool rob2 -o "$F"
expect_error 1 "--rob-tool" "rob-tool on pool" pool $D/rob_madeup.csv --measure RR --rob-tool rob2

# plot rob-summary: the weighted bar chart; -o F.csv the shares. Overall low = study E's share of
# the weights of A..E (F not assessed): metafor 3.8.1, weights(rma(yi, vi)) on
# escalc("RR", ...) of rob_madeup.csv: 26.911357591984654 (REML converged tighter here: 1e-6)
expect_picture png "$TMP/rs.png" "plot rob-summary png" plot rob-summary $D/rob_madeup.csv --measure RR -o "$TMP/rs.png"
expect_exit 0 "plot rob-summary csv" plot rob-summary $D/rob_madeup.csv --measure RR -o "$TMP/rs.csv"
v=$(grep '^Overall,Low,' "$TMP/rs.csv" | cut -d, -f3)
awk -v v="$v" 'BEGIN { r = (v - 26.911357591984654) / 26.911357591984654; exit !(r < 1e-6 && r > -1e-6) }' && ok || bad "rob-summary Overall low $v"
[ "$(grep -c '^D[1-5],' "$TMP/rs.csv")" = 20 ] && ok || bad "rob-summary: 5 domains x 4 judgements"
expect_error 2 "needs the risk-of-bias columns" "rob-summary without columns" plot rob-summary $D/bcg.csv --measure RR -o "$TMP/rs.png"
expect_error 1 "--rob-tool is for plot rob-summary" "rob-tool on baujat" plot baujat $D/rob_madeup.csv --measure RR --rob-tool rob2 -o "$TMP/b.png"

# batch --plots: the forest plots get the traffic lights; --rob-tool passes to forest only
expect_exit 0 "batch --plots --rob-tool" batch --out "$TMP/rb" --plots --measure RR --rob-tool robins-i $D/rob_robins7.csv
F="$TMP/rb/rob_robins7.svg"
rob_has '>D7: Bias in selection of the reported result</text>' "batch --rob-tool robins-i"
expect_error 1 "batch: --rob-tool needs --plots" "batch --rob-tool without --plots" \
    batch --out "$TMP/rb2" --measure RR --rob-tool robins-i $D/rob_robins7.csv
