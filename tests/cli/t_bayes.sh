# cmeta bayes, forest --bayes, --test knha-adhoc, --hakn-ci, --preset revmanweb (issue 19;
# sourced by run.sh). The numbers are tested in tests/test_bayes.c and tests/test_hakn.c; here
# the command line: keys, values against the R fixture, pictures and usage errors.
D=tests/cli/data
L2=tests/reference/bayes/data_lupus2.csv

# JSON keys of the contract, and mu's median against the R integrate() fixture (1e-9)
run_cmd bayes $L2 --tau-prior halfnormal:0.5 --mu-prior normal:0:4 --format json
if [ "$rc" = 0 ]; then
    for key in '"posterior":{"mu":{"mean":' '"tau":{"mean":' '"prediction":{"mean":' '"hpd_lb":' '"shrinkage":[{"study":"Deng 2017"' \
               '"bayes_factor":{"mu0":' '"marginal_likelihood":' '"log_marginal_likelihood":' '"prior":{"tau":"halfnormal:0.5"'; do
        grep -qF "$key" "$TMP/out" && ok || bad "bayes json lacks $key"
    done
    got=$(sed 's/.*"mu":{"mean":[^,]*,"median":\([^,]*\),.*/\1/' "$TMP/out")
    want=$(awk -F, '$1=="lupus2" && $2=="halfnormal:0.5" && $3=="normal:0:4" {print $5}' tests/reference/bayes/bayes_summary.csv)
    awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b != "" && d <= 1e-9 * (b < 0 ? -b : b)) }' \
        && ok || bad "bayes mu median $got, R integrate() $want"
else bad "bayes json: exit $rc: $(cat "$TMP/err")"; fi
# heavy tails: no SD of tau for k = 2, half-Cauchy, flat mu prior (null in JSON, Inf in text)
run_cmd bayes $L2 --tau-prior halfcauchy:0.5 --format json
grep -qF '"tau":{"mean":' "$TMP/out" && grep -q '"tau":{"mean":[^,]*,"median":[^,]*,"sd":null' "$TMP/out" && ok || bad "bayes half-Cauchy k=2: tau sd not null"
run_cmd bayes $L2 --tau-prior halfcauchy:0.5
grep -q "^tau .* Inf " "$TMP/out" && ok || bad "bayes text: Inf not printed for the tau SD"
run_cmd bayes $D/bcg.csv --measure RR --tau-prior turner:any:any --format csv
[ "$rc" = 0 ] && [ "$(wc -l <"$TMP/out")" = 17 ] && head -1 "$TMP/out" | grep -q '^parameter,mean,median,sd,ci_lb,ci_ub,hpd_lb,hpd_ub$' && ok || bad "bayes csv: rc $rc"
# pictures
expect_picture png "$TMP/tau.png" "bayes --plot png" bayes $D/bcg.csv --measure RR --tau-prior halfcauchy:0.5 --plot "$TMP/tau.png"
expect_picture svg "$TMP/fb.svg" "forest --bayes svg" forest $D/bcg.csv --measure RR --bayes --tau-prior halfnormal:0.5 -o "$TMP/fb.svg"
# usage errors
expect_error 1 "--tau-prior is required" "bayes without a tau prior" bayes $L2
expect_error 1 "unknown prior" "bayes bad prior" bayes $L2 --tau-prior cauchy:1
expect_error 1 "unknown outcome" "bayes bad turner key" bayes $L2 --tau-prior turner:pains:pharm-placebo
expect_error 1 "normal:M:S" "bayes bad mu prior" bayes $L2 --tau-prior halfnormal:1 --mu-prior normal:0:-1
expect_error 1 "--tau-prior is not an option of pool" "--tau-prior on pool" pool $L2 --tau-prior halfnormal:1
expect_error 1 "--bayes needs --tau-prior" "forest --bayes without a prior" forest $L2 --bayes -o "$TMP/x.svg"
expect_error 1 "need --bayes" "forest --tau-prior without --bayes" forest $L2 --tau-prior halfnormal:1 -o "$TMP/x.svg"
expect_error 1 "--bayes is not an option of pool" "--bayes on pool" pool $L2 --bayes
expect_error 1 "--plot needs a file" "bayes --plot -" bayes $L2 --tau-prior halfnormal:1 --plot -
expect_error 2 "improper" "bayes improper posterior (k = 1, Jeffreys, flat)" bayes $D/one.csv --tau-prior jeffreys
# Hartung-Knapp variants
expect_error 1 "--hakn-ci needs --test knha" "--hakn-ci alone" pool $L2 --hakn-ci se
expect_error 1 "--hakn-ci needs --test knha" "--hakn-ci with knha-adhoc" pool $L2 --test knha-adhoc --hakn-ci se
expect_error 1 "--hakn-ci is not an option of regress" "--hakn-ci on regress" regress $D/bcg.csv --measure RR --mods ablat --test knha --hakn-ci se
expect_error 1 "is not one of se, ci, iqwig6" "--hakn-ci bad rule" pool $L2 --test knha --hakn-ci wide
run_cmd pool $L2 --test knha --hakn-ci ci --format json
grep -qF '"test":"knha","hakn_ci":{"rule":"ci","applied":true}' "$TMP/out" && ok || bad "pool --hakn-ci json: $(head -c 300 "$TMP/out")"
run_cmd pool $L2 --test knha --hakn-ci se
grep -qF "Hartung-Knapp ad hoc rule se (meta adhoc.hakn.ci): applied" "$TMP/out" && ok || bad "pool --hakn-ci text"
run_cmd pool $D/bcg.csv --measure RR --test knha --hakn-ci se --format json
grep -qF '"hakn_ci":{"rule":"se","applied":false}' "$TMP/out" && ok || bad "pool --hakn-ci not applied"
run_cmd pool $L2 --test knha-adhoc --format json
grep -qF '"test":"knha-adhoc"' "$TMP/out" && grep -qF '"ci_lb":-13.734006723533' "$TMP/out" && ok || bad "pool knha-adhoc: $(head -c 400 "$TMP/out")"
# --preset revmanweb: REML + HKSJ for random effects, plain z for FE
run_cmd pool $D/bcg.csv --measure RR --preset revmanweb --format json
grep -qF '"method":"REML","test":"knha"' "$TMP/out" && ok || bad "revmanweb preset: $(head -c 200 "$TMP/out")"
run_cmd pool $D/bcg.csv --measure RR --preset revmanweb --method FE --format json
grep -qF '"method":"FE","test":"z"' "$TMP/out" && ok || bad "revmanweb preset with --method FE"
expect_error 1 "is not one of metafor, revman5, revmanweb" "bad preset" pool $L2 --preset revman6
