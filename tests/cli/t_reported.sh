# Reported statistics (cmeta/reported.h, issue 16 item 3): every row of every dataset under
# datasets/reported, with each option set, against an independent computation in R from the
# published formulas + metafor 3.8 escalc (tests/reference/reported/make.R, routes.csv): yi and vi
# within 1e-10 relative (closed forms), yi_from equal. Pooled REML against rma on the same yi/vi
# (1e-6). Bad input: one line, exit 2 (data) or 1 (usage). Sourced by run.sh ($T is tests/cli).
RR=tests/reference/reported
DR=datasets/reported

# rp_check FILE OPTIONS: cmeta escalc's study, yi, vi, yi_from against routes.csv
rp_check() {
    f=$1; opts=$2
    # shellcheck disable=SC2086
    run_cmd escalc "$DR/$f" $opts
    awk -F, -v f="$f" -v o="$opts" 'NR > 1 && $1 == f && $2 == o { print $3 "|" $4 "|" $5 "|" $6 }' \
        "$RR/routes.csv" >"$TMP/want"
    awk -F, 'NR > 1 { print $1 "|" $(NF - 2) "|" $(NF - 1) "|" $NF }' "$TMP/out" >"$TMP/got"
    n=$(wc -l <"$TMP/want")
    if [ "$rc" = 0 ] && [ "$n" -gt 0 ] && [ "$(wc -l <"$TMP/got")" = "$n" ] &&
       paste -d'|' "$TMP/got" "$TMP/want" | awk -F'|' '
           function ad(x) { return x < 0 ? -x : x }
           function near(a, b) { return (a == "" && b == "") || (a != "" && b != "" && ad(a - b) <= 1e-10 * ad(b) + 1e-15) }
           { if ($1 != $5 || !near($2, $6) || !near($3, $7) || $4 != $8) { print "row " NR ": " $0 > "/dev/stderr"; bad = 1 } }
           END { exit bad }' 2>"$TMP/why"; then ok
    else bad "reported escalc $f $opts: rc $rc; $(head -c 400 "$TMP/why") $(head -c 300 "$TMP/err")"; fi
}
rp_check routes_smd.csv "--measure SMD"
rp_check routes_smd.csv "--measure MD --fivenum wan"
rp_check medians.csv "--measure MD"
rp_check medians.csv "--measure MD --fivenum wan"
rp_check medians.csv "--measure SMD --fivenum hozo"
rp_check arms_combine.csv "--measure MD --combine trial"
rp_check arms_combine.csv "--measure SMD --combine trial"
rp_check hazard_ratios.csv "--ratio"
rp_check or_mixed.csv "--measure OR --ratio"

# pooled REML equals metafor's rma on the converted yi/vi
rp_pool() {
    f=$1; opts=$2
    # shellcheck disable=SC2086
    run_cmd pool "$DR/$f" $opts --format json
    want=$(awk -F, -v f="$f" -v o="$opts" 'NR > 1 && $1 == f && $2 == o { print $3, $4, $5, $6, $7 }' "$RR/pooled.csv")
    got=""
    for key in estimate se tau2 ci_lb ci_ub; do
        got="$got $(grep -o "\"$key\":[-0-9.eE+]*" "$TMP/out" | head -n 1 | cut -d: -f2)"
    done
    if [ "$rc" = 0 ] && echo "$got $want" | awk '
           function ad(x) { return x < 0 ? -x : x }
           { for (i = 1; i <= 5; i++) if (ad($i - $(i + 5)) > 1e-6 * ad($(i + 5)) + 1e-10) exit 1 }'; then ok
    else bad "reported pool $f $opts: rc $rc, got$got, want $want; $(head -c 300 "$TMP/err")"; fi
}
rp_pool routes_smd.csv "--measure SMD"
rp_pool or_mixed.csv "--measure OR --ratio"

# the route of each study in JSON
run_cmd pool "$DR/routes_smd.csv" --measure SMD --format json
if [ "$rc" = 0 ] && grep -q '"study":"Median both",[^}]*"yi_from":"fivenum:luo-wan-shi"' "$TMP/out" &&
   grep -q '"study":"Est p",[^}]*"yi_from":"est_p"' "$TMP/out"; then ok
else bad "reported: studies[].yi_from in JSON"; fi
# the merged arm says so, and the warning names the trial's first row
run_cmd escalc "$DR/arms_combine.csv" --measure MD --combine trial
if [ "$rc" = 0 ] && grep -q "^Trial A high dose,.*,,,merged$" "$TMP/out" &&
   grep -q "study 'Trial A low dose' (line 2): 2 arms merged by --combine trial" "$TMP/err"; then ok
else bad "reported: --combine output and warning: $(cat "$TMP/err")"; fi
# a skewed summary (Shi et al. 2023 test) with no other route leaves the study out, with a warning
printf 'study,n1i,med1i,q11i,q31i,n2i,m2i,sd2i\nS,30,10,9,20,30,8,2\nT,30,10,8,12,30,8,2\n' >"$TMP/sk.csv"
run_cmd escalc "$TMP/sk.csv" --measure MD
if [ "$rc" = 0 ] && grep -q "^S,.*,,,$" "$TMP/out" && grep -q "study 'S' (line 2) left out: the quartiles/range of group 1 are skewed" "$TMP/err"; then ok
else bad "reported: skewed summary left out: rc $rc $(cat "$TMP/err")"; fi

# bad input
printf 'study,est,ci_lb,ci_ub\nA,0.5,0.6,0.9\n' >"$TMP/b1.csv"
expect_error 2 "b1.csv:2:2: study 'A': est must lie within its confidence interval (got 0.5)" \
    "reported: est outside its CI" escalc "$TMP/b1.csv"
printf 'study,est,pval\nA,0.5,1\n' >"$TMP/b2.csv"
expect_error 2 "study 'A': pval must be > 0 and < 1" "reported: p = 1" escalc "$TMP/b2.csv"
printf 'study,est,ci_lb,ci_ub\nA,-0.5,-0.9,0.1\n' >"$TMP/b3.csv"
expect_error 2 "study 'A': est must be > 0 with --ratio (got -0.5)" "reported: ratio <= 0" escalc "$TMP/b3.csv" --ratio
printf 'study,n1i,med1i,q11i,q31i,n2i,m2i,sd2i\nA,30,10,11,12,30,8,2\n' >"$TMP/b4.csv"
expect_error 2 "min <= q1 <= median <= q3 <= max does not hold" "reported: unordered quartiles" escalc "$TMP/b4.csv" --measure MD
printf 'study,n1i,m1i,se1i,n2i,m2i,sd2i\nA,30,10,x,30,8,2\n' >"$TMP/b5.csv"
expect_error 2 "b5.csv:2:4: study 'A': se1i: 'x' is not a number" "reported: text cell" escalc "$TMP/b5.csv" --measure MD
expect_error 1 "--combine: no column 'nope'" "reported: --combine unknown column" escalc "$DR/arms_combine.csv" --measure MD --combine nope
expect_error 1 "--ratio needs a measure on the log scale" "reported: --ratio with SMD" escalc "$DR/routes_smd.csv" --measure SMD --ratio
expect_error 1 "--measure is required: the file has group statistics" "reported: group data without --measure" escalc "$DR/medians.csv"
expect_error 1 "--fivenum" "reported: unknown --fivenum" escalc "$DR/medians.csv" --measure MD --fivenum nope

# datasets/lupus/deng2017_outcomes.csv (Deng 2017's outcomes in one file): MD rows and RR rows
# against metafor 3.8 escalc (make.R, deng2017.csv); each run leaves the other kind's rows out
for rp_m in MD RR; do
    run_cmd escalc datasets/lupus/deng2017_outcomes.csv --measure "$rp_m"
    col=$([ "$rp_m" = MD ] && echo 2 || echo 4)
    awk -F, -v c="$col" 'NR > 1 { v = $(c + 1); if (v == "") $c = ""; print $1 "|" $c "|" v }' \
        "$RR/deng2017.csv" >"$TMP/want"
    awk -F, 'NR > 1 { print $1 "|" $(NF - 1) "|" $NF }' "$TMP/out" >"$TMP/got"
    if [ "$rc" = 0 ] && [ "$(wc -l <"$TMP/want")" = 21 ] && paste -d'|' "$TMP/got" "$TMP/want" | awk -F'|' '
           function ad(x) { return x < 0 ? -x : x }
           function near(a, b) { return (a == "" && b == "") || (a != "" && b != "" && ad(a - b) <= 1e-10 * ad(b) + 1e-15) }
           { if ($1 != $4 || !near($2, $5) || !near($3, $6)) bad = 1 } END { exit bad }'; then ok
    else bad "deng2017_outcomes.csv --measure $rp_m against metafor: rc $rc"; fi
done

# hostile: overflow is refused, not dropped; a tiny p keeps its precision; pre/post columns with est
printf 'study,est,sei\nA,1e308,1e200\n' >"$TMP/h1.csv"
expect_error 2 "study 'A': the effect size or its variance (from est_se) is not finite and positive" \
    "reported: overflow" escalc "$TMP/h1.csv"
printf 'study,est,pval\nA,0.5,1e-300\n' >"$TMP/h2.csv"
run_cmd escalc "$TMP/h2.csv"
if [ "$rc" = 0 ] && awk -F, 'NR == 2 { v = $(NF - 1); exit !(v > 0 && v < 1e-3) }' "$TMP/out"; then ok
else bad "reported: p = 1e-300 gives a small positive vi: rc $rc $(cat "$TMP/out")"; fi
printf 'study,m1i,sd1i,m2i,sd2i,ni,est,sei\nA,1,1,2,1,10,0.3,0.1\n' >"$TMP/h3.csv"
expect_error 1 "--measure SMCR: its own columns (m1i) and reported statistics" "reported: pre/post with est" \
    escalc "$TMP/h3.csv" --measure SMCR --ri 0.5
# a results-like file with ci_lb/ci_ub/pval columns but no est stays a plain GEN file
printf 'study,yi,vi,ci_lb,ci_ub,pval\nA,0.2,0.04,-0.2,0.6,0.3\nB,0.1,0.02,-0.2,0.4,0.5\n' >"$TMP/h4.csv"
run_cmd escalc "$TMP/h4.csv"
if [ "$rc" = 0 ] && ! grep -q yi_from "$TMP/out"; then ok; else bad "reported: ci_lb/pval alone switch routes on"; fi
# yi with vi rows beside est rows (GEN)
printf 'study,yi,vi,est,ci_lb,ci_ub\nA,0.2,0.04,,,\nB,,,0.3,0.1,0.5\n' >"$TMP/h5.csv"
run_cmd escalc "$TMP/h5.csv"
if [ "$rc" = 0 ] && grep -q '^A,.*,yi_vi$' "$TMP/out" && grep -q '^B,.*,est_ci$' "$TMP/out"; then ok
else bad "reported: yi/vi rows beside est rows"; fi

# --combine: the second arm may leave the shared control empty (same result as with it); a control
# that differs is named; 2x2 arms add their counts (8/12 vs 4/6: OR 1, vi 1/8 + 1/12 + 1/4 + 1/6)
sed 's/^\(Trial A high dose,A,high,-8.4,3.9,11\),-3.0,4.8,12$/\1,,,/' "$DR/arms_combine.csv" >"$TMP/c1.csv"
run_cmd escalc "$TMP/c1.csv" --measure MD --combine trial
want=$(awk -F, '$1 == "arms_combine.csv" && $2 == "--measure MD --combine trial" && $3 == "Trial A low dose" { print $4, $5 }' "$RR/routes.csv")
got=$(awk -F, '$1 == "Trial A low dose" { print $(NF - 2), $(NF - 1) }' "$TMP/out")
if [ "$rc" = 0 ] && grep -q ',,,,,merged$' "$TMP/out" && echo "$got $want" | awk '
       function ad(x) { return x < 0 ? -x : x }
       { exit !(ad($1 - $3) <= 1e-12 * ad($3) && ad($2 - $4) <= 1e-12 * ad($4)) }'; then ok
else bad "reported: --combine with the control left out of the second arm: rc $rc, got $got, want $want"; fi
sed 's/^\(Trial A high dose,A,high,-8.4,3.9,11\),-3.0,4.8,12$/\1,-3.0,4.9,12/' "$DR/arms_combine.csv" >"$TMP/c2.csv"
run_cmd escalc "$TMP/c2.csv" --measure MD --combine trial
if [ "$rc" = 0 ] && grep -q "study 'Trial A high dose' (line 3): its control group differs from that of 'Trial A low dose' (line 2)" "$TMP/err"; then ok
else bad "reported: --combine names a differing control: $(cat "$TMP/err")"; fi
printf 'study,trial,ai,n1i,ci,n2i\nA,1,3,10,4,10\nB,1,5,10,,\n' >"$TMP/c3.csv"
run_cmd escalc "$TMP/c3.csv" --measure OR --combine trial
if [ "$rc" = 0 ] && grep -q '^A,1,3,10,4,10,0,0.625,counts+combined$' "$TMP/out"; then ok
else bad "reported: --combine adds 2x2 counts: $(cat "$TMP/out")"; fi

# Hazard ratios (--measure HR, or --ratio without a measure): the log HRs pooled, the results
# back-transformed by exp and named, against rma + predict(transf = exp) (make.R, pooled_hr.csv)
IFS=, read -r _ h_est h_se h_tau2 h_lb h_ub h_hr h_hlb h_hub _ <<EOF2
$(sed -n 2p "$RR/pooled_hr.csv")
EOF2
for opts in "--measure HR" "--ratio" "--measure hr --ratio"; do
    # shellcheck disable=SC2086
    run_cmd pool "$DR/hazard_ratios.csv" $opts --format json
    got=""
    for key in estimate se tau2 ci_lb ci_ub; do got="$got $(grep -o "\"$key\":[-0-9.eE+]*" "$TMP/out" | head -n 1 | cut -d: -f2)"; done
    tr=$(grep -o '"transformed":{[^}]*}' "$TMP/out")
    for key in estimate ci_lb ci_ub; do got="$got $(echo "$tr" | grep -o "\"$key\":[-0-9.eE+]*" | cut -d: -f2)"; done
    if [ "$rc" = 0 ] && echo "$got $h_est $h_se $h_tau2 $h_lb $h_ub $h_hr $h_hlb $h_hub" | awk '
           function ad(x) { return x < 0 ? -x : x }
           { for (i = 1; i <= 8; i++) if (ad($i - $(i + 8)) > 1e-6 * ad($(i + 8)) + 1e-10) exit 1 }'; then ok
    else bad "reported HR pool $opts: rc $rc, got$got; $(head -c 300 "$TMP/err")"; fi
    name=HR; [ "$opts" = --ratio ] && name=ratio
    if grep -q "^{\"k\":4,\"measure\":\"$name\"," "$TMP/out" && grep -q '"transform":"exp"' "$TMP/out"; then ok
    else bad "reported HR $opts: measure $name, exp: $(head -c 200 "$TMP/out")"; fi
done
run_cmd pool "$DR/hazard_ratios.csv" --measure HR
if [ "$rc" = 0 ] && grep -q '^Pooled HR (exp of the estimate):' "$TMP/out" && grep -q '^ *HR  ci.lb  ci.ub weight' "$TMP/out" &&
   grep -q '^Trial 1 0.7200 0.5507 0.9413' "$TMP/out" && ! grep -q 'not back-transformed' "$TMP/err"; then ok
else bad "reported HR text: $(cat "$TMP/out" "$TMP/err")"; fi
expect_picture svg "$TMP/hr.svg" "reported HR forest" forest "$DR/hazard_ratios.csv" --measure HR -o "$TMP/hr.svg"
if grep -q 'Hazard Ratio (log scale)' "$TMP/hr.svg" && grep -q 'Hazard Ratio \[95% CI\]' "$TMP/hr.svg"; then ok
else bad "reported HR forest: no 'Hazard Ratio' axis/heading"; fi
# log HRs given as yi/sei with --measure HR, and HR rows of a measure column: the same numbers
run_cmd escalc "$DR/hazard_ratios.csv" --measure HR
awk -F, 'NR == 1 { print "study,yi,vi"; next } { print $1 "," $(NF - 2) "," $(NF - 1) }' "$TMP/out" >"$TMP/hr_yivi.csv"
awk -F, 'NR == 1 { print "study,measure," substr($0, index($0, ",") + 1); next } { print $1 ",HR," substr($0, index($0, ",") + 1) }' \
    "$DR/hazard_ratios.csv" >"$TMP/hr_col.csv"
for f in hr_yivi.csv:--measure_HR hr_col.csv:; do
    # shellcheck disable=SC2046
    run_cmd pool "$TMP/${f%%:*}" $(echo "${f#*:}" | tr _ ' ') --format json
    e=$(grep -o '"transformed":{[^}]*}' "$TMP/out" | grep -o '"estimate":[-0-9.eE+]*' | cut -d: -f2)
    if [ "$rc" = 0 ] && awk -v a="$e" -v b="$h_hr" 'BEGIN { d = a - b; exit !(a != "" && (d < 0 ? -d : d) <= 1e-6 * b) }' &&
       grep -q '"measure":"HR"' "$TMP/out"; then ok
    else bad "reported HR from ${f%%:*}: rc $rc, HR '$e' (want $h_hr): $(head -c 300 "$TMP/err")"; fi
done
printf 'study,measure,est,ci_lb,ci_ub,yi,vi\nA,HR,0.72,0.55,0.94,,\nB,GEN,,,,0.1,0.02\n' >"$TMP/hr_gen.csv"
expect_error 2 "HR and GEN rows in one file" "reported: HR and GEN rows" pool "$TMP/hr_gen.csv"

# yi_from in the text study table of pool, and as a forest column (--annotate yi_from)
run_cmd pool "$DR/routes_smd.csv" --measure SMD
if [ "$rc" = 0 ] && grep -q '^ *estimate   ci.lb  ci.ub weight  *yi_from $' "$TMP/out" &&
   grep -q '^Median both  .* 8.85% fivenum:luo-wan-shi $' "$TMP/out" && grep -q '^Est p  .*  est_p $' "$TMP/out"; then ok
else bad "reported: yi_from in pool's study table: $(tail -15 "$TMP/out")"; fi
run_cmd pool tests/cli/data/bcg.csv --measure RR
if [ "$rc" = 0 ] && ! grep -q yi_from "$TMP/out"; then ok; else bad "reported: yi_from in a plain file's study table"; fi
expect_picture svg "$TMP/route.svg" "reported forest --annotate yi_from" forest "$DR/routes_smd.csv" --measure SMD --annotate yi_from,effect -o "$TMP/route.svg"
if grep -q '>Route</text>' "$TMP/route.svg" && grep -q '>fivenum:luo-wan-shi</text>' "$TMP/route.svg" && grep -q '>est_p</text>' "$TMP/route.svg"; then ok
else bad "reported forest --annotate yi_from: no Route column"; fi
expect_error 1 "--annotate yi_from: tests/cli/data/bcg.csv has no reported statistics" "reported: --annotate yi_from on a plain file" \
    forest tests/cli/data/bcg.csv --measure RR --annotate yi_from -o "$TMP/route2.svg"
