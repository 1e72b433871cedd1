# Resampling commands: boot, permtest, gosh (sourced by run.sh).
B=$T/data/bcg_rr.csv
G=$T/golden
expect_golden $G/gosh_bcg6_dl.csv "gosh exact DL CSV on stdout" gosh $T/data/bcg6_rr.csv --method DL --format csv --seed 1
expect_golden $G/gosh_bcg6_reml.json "gosh exact REML summary JSON" gosh $T/data/bcg6_rr.csv --format json --seed 1
expect_golden $G/gosh_bcg_random.json "gosh random subsets JSON" gosh $B --method DL --subsets 5000 --seed 11 --format json
expect_golden $G/permtest_bcg_ablat.txt "permtest with a moderator (text)" permtest $B --mods ablat --iter 2000 --seed 5
expect_golden $G/permtest_bcg6_exact.json "permtest exact sign flips (JSON)" permtest $T/data/bcg6_rr.csv --iter 100 --format json --seed 1
expect_golden $G/boot_bcg.json "boot nonparametric (JSON)" boot $B --iter 500 --seed 9 --format json
expect_golden $G/boot_bcg_param.txt "boot parametric (text)" boot $B --iter 500 --seed 9 --type parametric
expect_error 1 "--type" "boot bad type" boot $B --type jackknife
expect_error 1 "no column 'latitude'" "permtest unknown moderator" permtest $B --mods latitude
expect_error 1 "--subsets: '1' is not a whole number from 2 to" "gosh one subset" gosh $B --subsets 1
# weights 1/vi that overflow (vi = 1e-300): fits fail and say so, never a row of NaNs counted as a fit
expect_error 3 "boot: the model fit to the observed data failed" "boot, overflowing weights" boot $T/data/overflow.csv --method ML --iter 100 --seed 1
expect_error 3 "permtest: the model fit to the observed data failed" "permtest, overflowing weights" permtest $T/data/overflow.csv --iter 100 --seed 1
# gosh: the 12 subsets holding study A or B fail; {C}, {D} and {C, D} are fitted (5, 0, 5e-300)
run_cmd gosh $T/data/overflow.csv --method DL --seed 1 --format json
if [ "$rc" = 0 ] && grep -q '"failed":12,' "$TMP/out" && grep -q '"estimate":{"mean":1.6666666666666667,"sd":2.8867513459481287,"min":0,"max":5}' "$TMP/out"; then ok; else bad "gosh, overflowing weights: rc $rc, $(cat "$TMP/out")"; fi
# every subset failing: exit 3 as gosh.rma stops ("All model fits failed."), and no file left
rm -f "$TMP/gall.csv"
expect_error 3 "gosh: all model fits failed (3 subsets)" "gosh, every fit failing" gosh $T/data/overflow_all.csv --method FE -o "$TMP/gall.csv"
if [ ! -e "$TMP/gall.csv" ] && ! ls "$TMP"/gall.csv.tmp.* >/dev/null 2>&1; then ok; else bad "gosh, every fit failing: output file left behind"; fi
# -o: the file appears whole, and the same seed gives the same rows with 1, 2 or 5 threads
run_cmd gosh $B --method REML --subsets 3000 --seed 4 -o "$TMP/g1.csv"
$CMETA gosh $B --method REML --subsets 3000 --seed 4 --threads 1 -o "$TMP/g2.csv" >/dev/null 2>&1
$CMETA gosh $B --method REML --subsets 3000 --seed 4 --threads 2 -o "$TMP/g3.csv" >/dev/null 2>&1
$CMETA gosh $B --method REML --subsets 3000 --seed 4 --threads 5 -o "$TMP/g4.csv" >/dev/null 2>&1
if [ "$rc" = 0 ] && [ "$(wc -l <"$TMP/g1.csv")" = 3001 ] && cmp -s "$TMP/g1.csv" "$TMP/g2.csv" && cmp -s "$TMP/g2.csv" "$TMP/g3.csv" && cmp -s "$TMP/g2.csv" "$TMP/g4.csv"; then ok; else bad "gosh -o / threads"; fi
# --threads N (and the default policy): byte-identical output for every resampling command;
# exact FE and DL subsets (k = 13: 16 blocks of 512 rows, threads formatting while one writes)
for a in "gosh $B --method FE --format csv --seed 1" "gosh $B --method DL --subsets 20000 --seed 2 --format csv" \
         "gosh $B --method REML --format json --seed 3" "boot $B --iter 3000 --seed 9 --format json" \
         "boot $B --iter 700 --seed 9 --type parametric --method DL" "permtest $B --mods ablat --iter 3000 --seed 5" \
         "permtest $B --iter 2500 --seed 6 --format json" "permtest $T/data/bcg6_rr.csv --mods ablat --iter 800 --seed 1"; do
    # shellcheck disable=SC2086
    $CMETA $a >"$TMP/th0" 2>&1
    same=1
    for n in 1 2 3 7; do
        # shellcheck disable=SC2086
        $CMETA $a --threads $n >"$TMP/thn" 2>&1 || same=0
        cmp -s "$TMP/th0" "$TMP/thn" || same=0
    done
    if [ $same = 1 ] && [ -s "$TMP/th0" ]; then ok; else bad "--threads changes the output of: $a"; fi
done
expect_error 1 "--threads" "threads 0" boot $B --threads 0
expect_error 1 "--threads" "threads on a command without threads" pool $B --threads 2
# Ctrl-C: exit 130, one line on stderr, no output file and no temporary file left behind
mkdir -p "$TMP/int"
( $CMETA gosh $T/data/synthetic40.csv --method REML --subsets 100000000 --seed 1 -o "$TMP/int/g.csv" >/dev/null 2>"$TMP/int.err" & echo $! >"$TMP/int.pid"; wait $! ; echo $? >"$TMP/int.rc" ) &
sleep 1
kill -INT "$(cat "$TMP/int.pid")" 2>/dev/null
wait
if [ "$(cat "$TMP/int.rc")" = 130 ] && [ -z "$(ls "$TMP/int")" ] && grep -q interrupted "$TMP/int.err"; then ok; else bad "gosh Ctrl-C: rc $(cat "$TMP/int.rc"), left: $(ls "$TMP/int"), $(cat "$TMP/int.err")"; fi
# the same without -o (summary only: no callback, the library polls the flag between rounds)
( $CMETA gosh $T/data/synthetic40.csv --method REML --subsets 100000000 --seed 1 >/dev/null 2>"$TMP/int2.err" & echo $! >"$TMP/int2.pid"; wait $! ; echo $? >"$TMP/int2.rc" ) &
sleep 1
kill -INT "$(cat "$TMP/int2.pid")" 2>/dev/null
wait
if [ "$(cat "$TMP/int2.rc")" = 130 ] && grep -q interrupted "$TMP/int2.err"; then ok; else bad "gosh summary-only Ctrl-C: rc $(cat "$TMP/int2.rc"), $(cat "$TMP/int2.err")"; fi
# summary only and with rows written: the same summary (JSON), with 1 or 2 threads
$CMETA gosh $B --method DL --seed 3 --format json --threads 1 >"$TMP/s1.json" 2>/dev/null
$CMETA gosh $B --method DL --seed 3 --format json --threads 2 >"$TMP/s2.json" 2>/dev/null
$CMETA gosh $B --method DL --seed 3 --format json -o "$TMP/s3.csv" 2>/dev/null | sed 's/"output":"[^"]*"/"output":null/' >"$TMP/s3.json"
if cmp -s "$TMP/s1.json" "$TMP/s2.json" && cmp -s "$TMP/s1.json" "$TMP/s3.json"; then ok; else bad "gosh summary differs: $(cat "$TMP/s1.json" "$TMP/s2.json" "$TMP/s3.json")"; fi
