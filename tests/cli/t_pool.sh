# cmeta pool / loo / cumul (sourced by run.sh). Inputs: tests/cli/data/{bcg,normand,hackshaw}.csv
# (dat.bcg, dat.normand1999, dat.hackshaw1998 from metadat, written by
# tests/reference/make_derive_fixtures.R). Golden files under tests/cli/golden/.
G=tests/cli/golden
D=tests/cli/data

# ---- golden outputs ---------------------------------------------------------------------------
expect_golden $G/pool_bcg.txt "pool bcg text" pool $D/bcg.csv --measure RR
expect_golden $G/pool_bcg.json "pool bcg json" pool $D/bcg.csv --measure RR --format json
expect_golden $G/pool_bcg.csv "pool bcg csv" pool $D/bcg.csv --measure RR --format csv
expect_golden $G/pool_bcg_fe.txt "pool bcg FE text" pool $D/bcg.csv --measure RR --method FE
expect_golden $G/pool_normand_dl.txt "pool normand DL text" pool $D/normand.csv --measure MD --method DL
expect_golden $G/pool_normand.json "pool normand json" pool $D/normand.csv --measure MD --format json
expect_golden $G/pool_hackshaw_t.txt "pool hackshaw knha text" pool $D/hackshaw.csv --test knha
expect_golden $G/pool_hackshaw_auto.txt "pool model auto (fixed)" pool $D/hackshaw.csv --model auto --het-p 0.05
expect_golden $G/pool_bcg_auto.json "pool model auto (random) json" pool $D/bcg.csv --measure RR --model auto --format json
expect_golden $G/pool_bcg_sub.txt "pool bcg subgroup text" pool $D/bcg.csv --measure RR --subgroup alloc
expect_golden $G/pool_bcg_sub.json "pool bcg subgroup json" pool $D/bcg.csv --measure RR --subgroup alloc --format json
expect_golden $G/pool_bcg_sub.csv "pool bcg subgroup csv" pool $D/bcg.csv --measure RR --subgroup alloc --format csv
expect_golden $G/pool_normand_subc.json "pool normand subgroup tau-common json" pool $D/normand.csv --measure MD --subgroup setting --tau-common --format json
expect_golden $G/pool_bcg_revman_sub.json "pool revman5 preset subgroups json" pool $D/bcg.csv --measure RR --preset revman5 --subgroup alloc --format json
expect_golden $G/loo_bcg_mh.txt "loo bcg MH text" loo $D/bcg.csv --measure RR --method MH
expect_golden $G/pool_one.txt "pool k = 1" pool $D/one.csv
expect_golden $G/pool_sub_missing.json "pool subgroup missing value" pool $D/sub_missing.csv --subgroup grp --format json
expect_golden $G/loo_bcg.txt "loo bcg text" loo $D/bcg.csv --measure RR
expect_golden $G/loo_bcg.json "loo bcg json" loo $D/bcg.csv --measure RR --format json
expect_golden $G/loo_normand_fe.csv "loo normand FE csv" loo $D/normand.csv --measure MD --method FE --format csv
expect_golden $G/cumul_bcg.txt "cumul bcg by year" cumul $D/bcg.csv --measure RR --order year
expect_golden $G/cumul_bcg.json "cumul bcg json" cumul $D/bcg.csv --measure RR --order year --format json
expect_golden $G/cumul_normand_text.csv "cumul normand by text column" cumul $D/normand.csv --measure MD --order study --format csv

# ---- errors -----------------------------------------------------------------------------------
expect_error 1 "no column 'nope'" "pool --subgroup unknown column" pool $D/bcg.csv --measure RR --subgroup nope
expect_error 1 "no column 'nope'" "cumul --order unknown column" cumul $D/bcg.csv --measure RR --order nope
expect_error 2 "at least 2 studies" "loo with k = 1" loo $D/one.csv
expect_error 1 "--het-p" "bad --het-p" pool $D/bcg.csv --measure RR --model auto --het-p 2
expect_error 1 "--order is not an option of loo" "loo --order" loo $D/bcg.csv --measure RR --order year

# ---- JSON numbers against the metafor fixtures (tests/reference/derive/pool.csv) -----------------
# json_top FILE KEY: the first (top-level) value of "KEY" in a one-line JSON object
json_top() { grep -o "\"$2\":[^,}]*" "$1" | head -1 | sed 's/^[^:]*://'; }
pool_check() { # DATA METHOD ARGS...
    data=$1; meth=$2; shift 2
    run_cmd pool "$D/$data.csv" --method "$meth" --format json "$@"
    if [ "$rc" != 0 ]; then bad "pool $data $meth json: exit $rc"; return; fi
    cp "$TMP/out" "$TMP/pool.json"
    errs=""
    for key in k estimate se stat pval ci_lb ci_ub tau2 tau2_ci_lb tau2_ci_ub I2 I2_ci_lb I2_ci_ub H2 I2_Q Q Q_df Q_pval pi_lb pi_ub; do
        got=$(json_top "$TMP/pool.json" "$key")
        want=$(awk -F, -v d="\"$data\"" -v m="\"$meth\"" -v key="\"$key\"" '
            NR == 1 { for (i = 1; i <= NF; i++) if ($i == key) c = i; next }
            $1 == d && $2 == m { v = $c; gsub(/"/, "", v); print v }' tests/reference/derive/pool.csv)
        ok=$(awk -v g="$got" -v w="$want" 'BEGIN {
            if (w == "NA") { print (g == "null") ? 1 : 0; exit }
            if (g == "null" || g == "") { print 0; exit }
            d = g - w; if (d < 0) d = -d; a = w < 0 ? -w : w;
            print (d <= 1e-6 * a + 1e-9) ? 1 : 0 }')
        [ "$ok" = 1 ] || errs="$errs $key(got $got, want $want)"
    done
    if [ -z "$errs" ]; then ok; else bad "pool $data $meth json vs metafor:$errs"; fi
}
for m in REML DL FE; do
    pool_check bcg $m --measure RR
    pool_check normand $m --measure MD
    pool_check hackshaw $m
done
# The `make run` job: pooled proportion of responders (PLO), back-transformed (checked against
# metafor 3.8.1: 0.5544 [0.2138, 0.8505], PI [0.0890, 0.9406], tau^2 1.0823, Q 5.0979).
expect_golden $G/pool_lupus_responders_plo.txt "pool lupus responders PLO text" pool datasets/lupus/responders.csv --measure PLO
