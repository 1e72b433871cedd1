# cmeta batch (sourced by run.sh): a generated batch of 50 files of which 3 are bad.
B="$TMP/batch"
mkdir -p "$B/in"
i=1
while [ $i -le 50 ]; do
    f=$(printf '%s/in/trial%02d.csv' "$B" $i)
    # 4 to 8 studies with precomputed yi/vi; values vary with the file number
    awk -v s=$i 'BEGIN { print "study,yi,vi"; n = 4 + s % 5
        for (j = 1; j <= n; j++) printf "S%d,%.4f,%.4f\n", j, ((s * 7 + j * 13) % 17 - 8) / 20, 0.02 + ((s + j * 3) % 7) / 100 }' >"$f"
    i=$((i + 1))
done
printf 'study,yi,vi\nA,0.1,0.02\nB,0.3,-0.05\n' >"$B/in/trial07.csv"      # negative variance
printf 'study,yi,vi\nA,0.1,0.02\nB,abc,0.05\n' >"$B/in/trial23.csv"       # not a number
: >"$B/in/trial41.csv"                                                      # empty file
printf 'not a trial\n' >"$B/in/notes.txt"                                   # ignored: not *.csv

# exit 2 (some file failed), a summary row per file, exactly the 3 bad files failed
expect_exit 2 "batch: 3 bad files -> exit 2" batch "$B/in" --out "$B/out1"
S="$B/out1/summary.csv"
if [ -f "$S" ] && [ "$(wc -l <"$S")" = 51 ]; then ok; else bad "batch: summary.csv should have 51 lines"; fi
if [ "$(head -1 "$S" 2>/dev/null)" = "file,k,estimate,ci_lb,ci_ub,tau2,I2,Q_pval,status,error" ]; then ok
else bad "batch: summary header"; fi
failed=$(awk -F, 'NR > 1 && $9 == "failed" { print $1 }' "$S" 2>/dev/null | sed 's|.*/||' | tr '\n' ' ')
if [ "$failed" = "trial07.csv trial23.csv trial41.csv " ]; then ok; else bad "batch: failed rows are '$failed'"; fi
nok=$(awk -F, 'NR > 1 && $9 == "ok"' "$S" 2>/dev/null | wc -l)
if [ "$nok" = 47 ]; then ok; else bad "batch: $nok ok rows, expected 47"; fi
if grep -q 'trial07.csv.*failed,.*vi must be > 0' "$S" 2>/dev/null; then ok; else bad "batch: trial07 error names the rule"; fi
if grep -q 'trial23.csv.*failed,.*abc' "$S" 2>/dev/null; then ok; else bad "batch: trial23 error names the cell"; fi
# rows in sorted file order
if awk -F, 'NR > 1 { print $1 }' "$S" | LC_ALL=C sort -c 2>/dev/null; then ok; else bad "batch: rows not sorted by file"; fi
# one JSON per good file, none for the bad ones, no temporary files left
nj=$(ls "$B/out1" | grep -c '\.json$')
if [ "$nj" = 47 ] && [ ! -e "$B/out1/trial07.json" ]; then ok; else bad "batch: $nj JSON files, expected 47"; fi
if ls -a "$B/out1" | grep -q 'tmp'; then bad "batch: temporary files left in the output directory"; else ok; fi
# the per-file JSON is exactly what `cmeta pool --format json` prints
run_cmd pool "$B/in/trial12.csv" --format json
if cmp -s "$TMP/out" "$B/out1/trial12.json"; then ok; else bad "batch: trial12.json differs from cmeta pool --format json"; fi
# the summary numbers are the JSON's
est=$(awk -F, '$1 ~ /trial12.csv$/ { print $3 }' "$S")
if grep -q "\"estimate\":$est[,}]" "$B/out1/trial12.json" 2>/dev/null && [ -n "$est" ]; then ok
else bad "batch: summary estimate '$est' not the JSON's"; fi

# pool options are passed on: with --method FE every tau2 is 0
expect_exit 2 "batch --method FE" batch "$B/in" --out "$B/outfe" --method FE
if awk -F, 'NR > 1 && $9 == "ok" && $6 != 0 { bad = 1 } END { exit bad }' "$B/outfe/summary.csv" 2>/dev/null
then ok; else bad "batch: --method FE not passed on (tau2 != 0)"; fi

# --jobs 2 gives the same summary and files as --jobs 1
expect_exit 2 "batch --jobs 2" batch "$B/in" --out "$B/out2" --jobs 2
if cmp -s "$B/out1/summary.csv" "$B/out2/summary.csv"; then ok; else bad "batch: --jobs 2 summary differs"; fi
if cmp -s "$B/out1/trial50.json" "$B/out2/trial50.json"; then ok; else bad "batch: --jobs 2 JSON differs"; fi

# --shard: three shards are disjoint, cover every file, and reproduce the full summary
for s in 1 2 3; do $CMETA batch "$B/in" --out "$B/sh" --shard $s/3 >/dev/null 2>&1; done
cat "$B"/sh/summary.shard-*-of-3.csv 2>/dev/null | grep -v '^file,' | LC_ALL=C sort >"$B/shards.txt"
tail -n +2 "$S" | LC_ALL=C sort >"$B/full.txt"
if [ -s "$B/full.txt" ] && cmp -s "$B/shards.txt" "$B/full.txt"; then ok; else bad "batch: shards do not add up to the full run"; fi
n1=$(($(wc -l <"$B/sh/summary.shard-1-of-3.csv" 2>/dev/null || echo 0) - 1))
if [ "$n1" = 17 ]; then ok; else bad "batch: shard 1/3 has $n1 rows, expected 17"; fi
# shard 2/3 takes the 2nd, 5th, 8th ... file of the sorted list
second=$(awk -F, 'NR == 2 { print $1 }' "$B/sh/summary.shard-2-of-3.csv" 2>/dev/null | sed 's|.*/||')
if [ "$second" = "trial02.csv" ]; then ok; else bad "batch: shard 2/3 starts with '$second'"; fi

# files named one by one, a missing one is a failed row, not a stop
expect_exit 2 "batch: missing file" batch "$B/in/trial01.csv" "$B/in/nonesuch.csv" --out "$B/out3"
if grep -q 'nonesuch.csv,,,,,,,,failed,' "$B/out3/summary.csv" 2>/dev/null && grep -q 'trial01.csv,.*,ok,' "$B/out3/summary.csv"
then ok; else bad "batch: missing file row"; fi
expect_exit 0 "batch: all good" batch "$B/in/trial01.csv" "$B/in/trial02.csv" --out "$B/out4" --jobs 3

# usage errors
expect_error 1 "--out DIR is required" "batch without --out" batch "$B/in"
expect_error 1 "no input files" "batch without inputs" batch --out "$B/out5"
expect_error 1 "--shard" "batch bad shard" batch "$B/in" --out "$B/out5" --shard 4/3
expect_error 1 "standard input" "batch from stdin" batch - --out "$B/out5"
# --plots: refused (exit 1, naming plots) in a build without forest plots, else NAME.svg written
run_cmd batch "$B/in/trial01.csv" --out "$B/out6" --plots
if [ "$rc" = 1 ] && grep -q 'plots' "$TMP/err"; then ok
elif [ "$rc" = 0 ] && [ -s "$B/out6/trial01.svg" ]; then ok
else bad "batch --plots: exit $rc, $(cat "$TMP/err")"; fi
