# --robust COL / --robust-type CR2|CR1 (sourced by run.sh): cluster-robust inference after pool,
# regress and mv. The numbers are clubSandwich 0.5.8's (CR2) and metafor 3.8.1's robust() (CR1)
# (tests/reference/robust/make.R; tests/test_robust.c compares every value to 1e-8).
D=tests/cli/data
G=tests/cli/golden
R=tests/reference/robust
expect_golden $G/mv_robust_k3.txt "robust: mv text, CR2 (Konstantopoulos 2011, clusters district)" mv $R/konstantopoulos2011.csv --random district/school --robust district --no-ci
expect_golden $G/mv_robust_k3_year_cr1.json "robust: mv JSON, CR1, ~ year" mv $R/konstantopoulos2011.csv --random district/school --mods year --robust district --robust-type CR1 --no-ci --format json
expect_golden $G/mv_robust_k3_year_t.json "robust: mv JSON, CR2, ~ year, test t" mv $R/konstantopoulos2011.csv --random district/school --mods year --test t --robust district --no-ci --format json
expect_golden $G/mv_robust_assink.csv "robust: mv CSV, V from --rho, factor moderator" mv $R/assink2016.csv --random study/esid --rho 0.6 --cluster study --mods deltype --robust study --no-ci --format csv
expect_golden $G/mv_robust_assink.txt "robust: mv text, V from --rho, factor moderator" mv $R/assink2016.csv --random study/esid --rho 0.6 --cluster study --mods deltype --robust study --no-ci
expect_golden $G/robust_bcg_pool.json "robust: pool JSON, CR2 (unequal clusters)" pool $R/bcg.csv --robust grp --format json
expect_golden $G/robust_bcg_pool.csv "robust: pool CSV" pool $R/bcg.csv --robust grp --format csv
expect_golden $G/robust_bcg_pool_cr1.txt "robust: pool text, CR1, clusters alloc" pool $R/bcg.csv --robust alloc --robust-type CR1
expect_golden $G/robust_bcg_regress.txt "robust: regress text, CR2" regress $R/bcg.csv --mods ablat --robust grp
expect_golden $G/robust_bcg_regress_cr1.json "robust: regress JSON, CR1, test t" regress $R/bcg.csv --mods ablat --robust grp --robust-type CR1 --test t --format json
expect_golden $G/robust_bcg_regress_noint.csv "robust: regress CSV, no intercept" regress $R/bcg.csv --mods ablat,year --no-intercept --robust grp --format csv
# the JSON keys of the robust object, in order
run_cmd regress $R/bcg.csv --mods ablat --robust grp --format json
if tr -d '\n' <"$TMP/out" | grep -q '"robust":{"type":"CR2","cluster":"grp","n_clusters":6,"coefficients":\[{"name":"intrcpt","estimate":[^,]*,"se":[^,]*,"stat":[^,]*,"df":[^,]*,"pval":[^,]*,"ci_lb":[^,]*,"ci_ub":[^}]*},{"name":"ablat",.*\],"QM":[^,]*,"QM_df":1,"QM_df2":[^,]*,"QM_pval":[^,]*},"warnings":\[\]}'; then ok; else bad "robust: JSON keys of regress: $(head -c 600 "$TMP/out")"; fi
# the model-based results stay where they were
run_cmd regress $R/bcg.csv --mods ablat --format json
cp "$TMP/out" "$TMP/plain.json"
run_cmd regress $R/bcg.csv --mods ablat --robust grp --format json
if sed 's/,"robust":{.*},"warnings"/,"warnings"/' "$TMP/out" | cmp -s - "$TMP/plain.json"; then ok; else bad "robust: the model's JSON changed with --robust"; fi
# rows left out for a missing moderator: the clusters stay aligned (as the file without that row)
run_cmd regress $D/robust_missing_mod.csv --mods ablat --robust grp --format csv
cp "$TMP/out" "$TMP/missing.csv"
if grep -q "left out" "$TMP/err"; then ok; else bad "robust: no warning for the row left out"; fi
run_cmd regress $D/robust_dropped.csv --mods ablat --robust grp --format csv
if golden_differs "$TMP/out" "$TMP/missing.csv"; then bad "robust: a row left out shifts the clusters: $why"; else ok; fi
# the options belong to pool, regress and mv; --robust-type needs --robust
for c in pool regress mv; do
    expect_error 1 "--robust-type needs --robust" "robust: $c --robust-type without --robust" $c $R/bcg.csv --robust-type CR1
done
for c in escalc loo cumul influence bias forest; do
    expect_error 1 "--robust is not an option of $c" "robust: $c refuses --robust" $c $R/bcg.csv --robust grp
done
expect_exit 1 "robust: --robust-type CR3 refused" regress $R/bcg.csv --mods ablat --robust grp --robust-type CR3
expect_exit 0 "robust: --robust-type cr1 (case-insensitive)" regress $R/bcg.csv --mods ablat --robust grp --robust-type cr1
expect_error 1 "--robust does not combine with --subgroup" "robust: pool --subgroup refused" pool $R/bcg.csv --robust grp --subgroup alloc
expect_error 1 "--robust needs an inverse-variance model" "robust: pool --method MH refused" pool $D/bcg.csv --measure RR --method MH --robust alloc
expect_exit 0 "robust: pool --model auto" pool $R/bcg.csv --robust grp --model auto
# data errors: exit 2, one line
expect_error 2 "--robust: no column 'nosuch' in $R/bcg.csv" "robust: unknown column" pool $R/bcg.csv --robust nosuch
expect_error 2 "--robust: no column 'nosuch'" "robust: regress, unknown column" regress $R/bcg.csv --mods ablat --robust nosuch
expect_error 2 "--robust: no column 'nosuch'" "robust: mv, unknown column" mv $R/konstantopoulos2011.csv --random district --robust nosuch
expect_error 2 "robust_missing_cluster.csv:5:6: study 'Hart & Sutherland': --robust grp: no value of the cluster column" "robust: empty cluster cell" pool $D/robust_missing_cluster.csv --robust grp
expect_error 2 "--robust grp: cluster-robust inference needs at least 2 clusters (the data have 1)" "robust: one cluster" pool $D/robust_one_cluster.csv --robust grp
expect_error 2 "--robust alloc: cluster-robust inference needs more clusters than coefficients (3 clusters, 3 coefficients)" "robust: clusters <= p" regress $R/bcg.csv --mods ablat,year --robust alloc
expect_error 2 "CR2 needs the random effects nested within the clusters: a level of 'district' is in two clusters (use CR1)" "robust: mv CR2, random effects not nested" mv $R/konstantopoulos2011.csv --random district/school --robust year --no-ci
expect_exit 0 "robust: mv CR1 with clusters that cut the random effects" mv $R/konstantopoulos2011.csv --random district/school --robust year --robust-type CR1 --no-ci
