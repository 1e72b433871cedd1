# --smcr-sd followup|baseline: which SD standardizes SMCR and SMCRH (sourced by run.sh; $T is
# tests/cli). Reference numbers: tests/reference/prepost/ (R metafor 3.8, make_prepost_fixtures.R).
D=$T/data
G=$T/golden
R=tests/reference/prepost
M=$D/prepost_morris2008.csv

# pp_json_num KEY: the first number KEY has in $TMP/out (a JSON object)
pp_json_num() { grep -o "\"$1\":[-0-9.eE+]*" "$TMP/out" | head -n 1 | cut -d: -f2; }
# pp_close GOT WANT RTOL: exit 0 when |GOT - WANT| <= RTOL |WANT|
pp_close() { awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; a = w < 0 ? -w : w; exit !(g != "" && d <= t * a) }'; }

# ---- golden outputs (escalc, Morris 2008, both SDs)
expect_golden "$G/prepost_morris2008_SMCR_baseline.csv" "prepost SMCR baseline" \
    escalc "$M" --measure SMCR --smcr-sd baseline
expect_golden "$G/prepost_morris2008_SMCRH_baseline.csv" "prepost SMCRH baseline" \
    escalc "$M" --measure SMCRH --smcr-sd baseline
expect_golden "$G/prepost_morris2008_SMCR_followup.csv" "prepost SMCR followup" \
    escalc "$M" --measure SMCR --smcr-sd followup

# ---- escalc yi/vi against metafor (1e-10 relative), every study, both measures and SDs
for m in SMCR SMCRH; do
    for s in followup baseline; do
        run_cmd escalc "$M" --measure "$m" --smcr-sd "$s"
        # yi, vi are the last two columns; the fixture rows for (m, s, LS) in study order
        awk -F, -v m="$m" -v s="$s" 'NR > 1 && $1 == m && $2 == s && $3 == "LS" { print $6, $7 }' \
            "$R/morris2008_results.csv" >"$TMP/want"
        awk -F, 'NR > 1 { print $(NF - 1), $NF }' "$TMP/out" >"$TMP/got"
        if [ "$rc" = 0 ] && [ "$(wc -l <"$TMP/want")" = 10 ] &&
           paste -d' ' "$TMP/got" "$TMP/want" | awk '
               function ad(x) { return x < 0 ? -x : x }
               { if (ad($1 - $3) > 1e-10 * ad($3) || ad($2 - $4) > 1e-10 * ad($4)) bad = 1; n++ }
               END { exit !(n == 10 && !bad) }'; then ok
        else bad "prepost escalc $m --smcr-sd $s against metafor: rc $rc"; fi
    done
done

# ---- pooled (REML) against metafor (1e-6 relative)
for m in SMCR SMCRH; do
    for s in followup baseline; do
        run_cmd pool "$M" --measure "$m" --smcr-sd "$s" --format json --tol 1e-12
        want=$(awk -F, -v m="$m" -v s="$s" '$1 == m && $2 == s { print $3, $4, $5 }' "$R/morris2008_pooled.csv")
        set -- $want
        if [ "$rc" = 0 ] && pp_close "$(pp_json_num estimate)" "$1" 1e-6 &&
           pp_close "$(pp_json_num se)" "$2" 1e-6 && pp_close "$(pp_json_num tau2)" "$3" 1e-6; then ok
        else bad "prepost pool $m --smcr-sd $s: rc $rc, estimate $(pp_json_num estimate), metafor $1"; fi
    done
done

# ---- Liang 2010 SLEDAI, --ri 0.5: baseline SD 3.3 gives g -2.5363 (metafor, sd1i = 3.3)
want=$(awk -F, '$1 == "SMCR" && $2 == "baseline" && $3 == "LS" && $4 == "0.5" { print $6 }' "$R/liang2010_sledai.csv")
run_cmd pool datasets/lupus/liang2010_sledai.csv --measure SMCR --ri 0.5 --smcr-sd baseline --format json
if [ "$rc" = 0 ] && pp_close "$(pp_json_num estimate)" "$want" 1e-10; then ok
else bad "prepost Liang baseline: rc $rc, $(pp_json_num estimate), metafor $want"; fi

# ---- the default is followup: same output as --smcr-sd followup; the other SD differs
run_cmd escalc "$M" --measure SMCR
cp "$TMP/out" "$TMP/default"
run_cmd escalc "$M" --measure SMCR --smcr-sd follow-up
if cmp -s "$TMP/out" "$TMP/default" && ! cmp -s "$TMP/out" "$G/prepost_morris2008_SMCR_baseline.csv"; then ok
else bad "prepost default is followup"; fi

# ---- the warning names the SD used (stderr in text mode, "warnings" in JSON)
expect_stderr 0 "cmeta: warning: SMCR standardized by the baseline SD (column sd2i), as Becker (1988)" \
    "prepost warning baseline" escalc "$M" --measure SMCR --smcr-sd baseline
expect_stderr 0 "cmeta: warning: SMCRH standardized by the follow-up SD (column sd1i), as metafor's escalc on these columns; --smcr-sd baseline uses the baseline SD (sd2i), as Becker (1988)" \
    "prepost warning followup" escalc "$M" --measure SMCRH
run_cmd pool "$M" --measure SMCR --smcr-sd baseline --format json
if grep -qF '"warnings":["SMCR standardized by the baseline SD (column sd2i)' "$TMP/out"; then ok
else bad "prepost JSON warning: $(head -c 300 "$TMP/out")"; fi
# other pre/post measures take the option and ignore it, without a warning
expect_golden "$G/escalc_prepost_ri.csv" "prepost MC ignores --smcr-sd" \
    escalc "$D/prepost_no_ri.csv" --measure MC --ri 0.5 --smcr-sd baseline
run_cmd escalc "$D/prepost_no_ri.csv" --measure MC --ri 0.5 --smcr-sd baseline
if [ ! -s "$TMP/err" ]; then ok; else bad "prepost MC warns: $(cat "$TMP/err")"; fi

# ---- errors
expect_error 1 "--smcr-sd: 'sdpre' is not one of followup, baseline" "prepost bad value" \
    escalc "$M" --measure SMCR --smcr-sd sdpre
expect_error 1 "--smcr-sd needs a value" "prepost no value" escalc "$M" --measure SMCR --smcr-sd
# a rule broken names the file's cell, not escalc's swapped argument
expect_error 2 "prepost_bad_sd2.csv:3:5: study 'B': sd2i must be > 0 (got 0)" "prepost bad baseline SD" \
    escalc "$D/prepost_bad_sd2.csv" --measure SMCR --smcr-sd baseline
expect_error 2 "prepost_bad_sd2.csv:3:5: study 'B': sd2i must be > 0 (got 0)" "prepost bad SD SMCRH" \
    pool "$D/prepost_bad_sd2.csv" --measure SMCRH
