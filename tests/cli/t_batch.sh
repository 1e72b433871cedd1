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

# ---- batch as a transaction (issue 14): skipped inputs, --out inside the input, lock, signals,
# write failures. Real processes are started and killed; a FIFO given as an input file keeps a
# worker blocked in open(2) for as long as the test needs, so nothing depends on timing (each
# wait is a poll with a generous guard).
TB="$B/tx"
mkdir -p "$TB/in"
for i in 1 2 3; do printf 'study,yi,vi\nA,0.%d,0.02\nB,0.3,0.05\nC,0.2,0.04\n' $i >"$TB/in/t$i.csv"; done
mkdir "$TB/in/dir.csv"; ln -s loop.csv "$TB/in/loop.csv"; cp "$TB/in/t1.csv" "$TB/in/.hidden.csv"
# skipped inputs are rows with status skipped and the reason; exit 0 when the rest is ok
expect_exit 0 "batch: skipped inputs" batch "$TB/in" --out "$TB/in"
S="$TB/in/summary.csv"
for w in '.hidden.csv,,,,,,,,skipped,hidden file' 'dir.csv,,,,,,,,skipped,"a directory' 'loop.csv,,,,,,,,skipped,symbolic link loop'; do
    if grep -qF -- "$w" "$S" 2>/dev/null; then ok; else bad "batch: no skipped row '$w'"; fi
done
if grep -q 'skipped: symbolic link loop' "$TMP/err"; then ok; else bad "batch: skipped input not said on stderr"; fi
# --out equal to the input directory: its summary is never read as a trial
expect_exit 0 "batch: --out is the input directory" batch "$TB/in" --out "$TB/in"
if grep -qF 'summary.csv,,,,,,,,skipped,a summary written by cmeta batch' "$S" && [ "$(grep -c ',ok,$' "$S")" = 3 ]
then ok; else bad "batch: --out = input: $(cat "$S")"; fi
# --out inside the input directory and named *.csv: skipped, not scanned
mkdir "$TB/in2"; cp "$TB/in/t1.csv" "$TB/in/t2.csv" "$TB/in2/"
expect_exit 0 "batch: --out inside the input" batch "$TB/in2" --out "$TB/in2/res.csv"
expect_exit 0 "batch: --out inside the input, again" batch "$TB/in2" --out "$TB/in2/res.csv"
if grep -qF 'res.csv,,,,,,,,skipped,the --out directory' "$TB/in2/res.csv/summary.csv" 2>/dev/null &&
   [ "$(grep -c ',ok,$' "$TB/in2/res.csv/summary.csv")" = 2 ]; then ok
else bad "batch: --out inside the input not skipped"; fi
# --durable per-file gives the same files
expect_exit 0 "batch --durable per-file" batch "$TB/in/t1.csv" "$TB/in/t2.csv" --out "$TB/pf" --durable per-file
expect_exit 0 "batch --durable group" batch "$TB/in/t1.csv" "$TB/in/t2.csv" --out "$TB/gr"
if cmp -s "$TB/pf/summary.csv" "$TB/gr/summary.csv" && cmp -s "$TB/pf/t2.json" "$TB/gr/t2.json"; then ok
else bad "batch: --durable per-file and group differ"; fi
expect_error 1 "--durable" "batch --durable bad word" batch "$TB/in/t1.csv" --out "$TB/pf" --durable never

# a write failure (file size limit: every output larger than 512 bytes fails with EFBIG) is
# exit 4, and the previous complete set stays
cp "$TB/gr/summary.csv" "$TB/gr.before"
(trap '' XFSZ; ulimit -f 1; exec $CMETA batch "$TB/in/t1.csv" "$TB/in/t3.csv" --out "$TB/gr" --method FE) \
    >"$TMP/out" 2>"$TMP/err" </dev/null
rc=$?
if [ "$rc" = 4 ] && cmp -s "$TB/gr.before" "$TB/gr/summary.csv" && ! ls -a "$TB/gr" | grep -q 'staging\|tmp'; then ok
else bad "batch: write failure: exit $rc (expected 4), $(head -c 300 "$TMP/err")"; fi

# helpers: poll (up to ~30 s) for a condition; the processes of a run (workers are forked
# copies of the parent, so they carry its command line with the unique --out path)
poll() { n=0; while ! eval "$1"; do n=$((n + 1)); [ $n -gt 300 ] && return 1; sleep 0.1; done; return 0; }
procs_of() { ps -eo pid=,args= | grep -F -- "$1" | grep -v grep | grep -c cmeta; }
FIFO="$TB/wait.csv"
mkfifo "$FIFO"
unblock() { (exec 3<>"$FIFO") 2>/dev/null; }   # a writer that opens and closes: the reader sees EOF

# a second run into a locked directory: exit 4 naming the holder's PID
$CMETA batch "$FIFO" --out "$TB/lk" >/dev/null 2>&1 </dev/null &
p1=$!
if poll "[ \"\$(cat '$TB/lk/.cmeta-batch.lock' 2>/dev/null)\" = $p1 ]"; then
    expect_error 4 "is in use by another cmeta batch (PID $p1)" "batch: locked --out" batch "$TB/in/t1.csv" --out "$TB/lk"
else bad "batch: the first run never took the lock"; fi
kill -TERM $p1 2>/dev/null; unblock; wait $p1

# SIGTERM mid-batch: exit 130, the worker stopped, OUT exactly as before (old summary and
# JSON), nothing of the run left
expect_exit 0 "batch: first complete run" batch "$TB/in/t1.csv" "$TB/in/t2.csv" --out "$TB/sig"
cp "$TB/sig/summary.csv" "$TB/sig.sum"; cp "$TB/sig/t1.json" "$TB/sig.t1"
$CMETA batch "$TB/in/t1.csv" "$TB/in/t2.csv" "$FIFO" --out "$TB/sig" --method FE >/dev/null 2>"$TB/sig.err" </dev/null &
p1=$!
if poll "[ -e '$TB/sig/.cmeta-staging.$p1/t2.json' ]"; then
    kill -TERM $p1; wait $p1; rc=$?
    if [ "$rc" = 130 ] && grep -q 'interrupted: nothing committed' "$TB/sig.err"; then ok
    else bad "batch: SIGTERM: exit $rc, $(cat "$TB/sig.err")"; fi
    if poll "[ \$(procs_of '$TB/sig') = 0 ]"; then ok; else bad "batch: SIGTERM left workers running"; fi
    if cmp -s "$TB/sig.sum" "$TB/sig/summary.csv" && cmp -s "$TB/sig.t1" "$TB/sig/t1.json" &&
       [ "$(ls -A "$TB/sig" | tr '\n' ' ')" = ".cmeta-batch.lock summary.csv t1.json t2.json " ]; then ok
    else bad "batch: SIGTERM changed OUT: $(ls -A "$TB/sig")"; fi
else bad "batch: SIGTERM test: the run never reached the third file"; kill -TERM $p1; fi
unblock; wait $p1 2>/dev/null

# SIGKILL of the parent: the workers die with it (parent-death signal); the next run removes
# the staging directory and says so; the previous results are unchanged
$CMETA batch "$TB/in/t1.csv" "$TB/in/t2.csv" "$FIFO" --out "$TB/sig" --method FE >/dev/null 2>&1 </dev/null &
p1=$!
if poll "[ -e '$TB/sig/.cmeta-staging.$p1/t2.json' ]"; then
    kill -KILL $p1; wait $p1 2>/dev/null
    if poll "[ \$(procs_of '$TB/sig') = 0 ]"; then ok; else bad "batch: SIGKILL of the parent left workers running"; fi
    if cmp -s "$TB/sig.sum" "$TB/sig/summary.csv" && cmp -s "$TB/sig.t1" "$TB/sig/t1.json"; then ok
    else bad "batch: SIGKILL changed the committed results"; fi
    expect_exit 0 "batch: run after SIGKILL" batch "$TB/in/t1.csv" "$TB/in/t2.csv" --out "$TB/sig"
    if grep -q "removed the uncommitted results of an earlier run (PID $p1)" "$TMP/err" &&
       [ "$(ls -A "$TB/sig" | tr '\n' ' ')" = ".cmeta-batch.lock summary.csv t1.json t2.json " ]; then ok
    else bad "batch: after SIGKILL: $(cat "$TMP/err"); $(ls -A "$TB/sig")"; fi
else bad "batch: SIGKILL test: the run never reached the third file"; kill -KILL $p1; fi
unblock; wait 2>/dev/null

# a worker analyses many files (issue 15 item 4); one that dies inside a file (here: SIGKILL
# while it waits in open(2) on the FIFO; SIGKILL, since ASan would catch a SIGSEGV and exit)
# costs that file's row only, and a new worker takes the rest
$CMETA batch "$TB/in/t1.csv" "$FIFO" "$TB/in/t2.csv" --out "$TB/crash" --jobs 1 >/dev/null 2>"$TB/crash.err" </dev/null &
p1=$!
if poll "[ -e '$TB/crash/.cmeta-staging.$p1/t1.json' ]" &&
   poll "[ -n \"\$(ps -eo pid=,ppid= | awk -v p=$p1 '\$2 == p { print \$1 }')\" ]"; then
    kill -KILL $(ps -eo pid=,ppid= | awk -v p=$p1 '$2 == p { print $1 }'); wait $p1; rc=$?
    if [ "$rc" = 2 ] && grep -q 'wait.csv,,,,,,,,failed,analysis crashed (signal 9)' "$TB/crash/summary.csv" &&
       [ "$(awk -F, '$9 == "ok"' "$TB/crash/summary.csv" | wc -l)" = 2 ]; then ok
    else bad "batch: worker crash: exit $rc, $(cat "$TB/crash/summary.csv" "$TB/crash.err")"; fi
else bad "batch: worker crash test: the run never reached the FIFO"; kill -TERM $p1; fi
unblock; wait 2>/dev/null

# temporary files of writers that are gone (and the error files of older versions) are removed
# with a warning; a live writer's stays
dead=$(sh -c 'echo $$')
mkdir -p "$TB/tmpd"
: >"$TB/tmpd/t1.json.tmp.$dead.AbC123"; : >"$TB/tmpd/.batch-err.tmp.x1Y2z3"; : >"$TB/tmpd/t9.json.tmp.$$.QwErTy"
expect_exit 0 "batch: stale temporary files" batch "$TB/in/t1.csv" --out "$TB/tmpd"
if grep -q 'removed 2 temporary files left by runs that ended without finishing' "$TMP/err" &&
   [ "$(ls -A "$TB/tmpd" | grep -c tmp)" = 1 ] && [ -e "$TB/tmpd/t9.json.tmp.$$.QwErTy" ]; then ok
else bad "batch: stale temporary files: $(cat "$TMP/err"); $(ls -A "$TB/tmpd")"; fi

# a replaced output keeps its mode (summary and JSON)
chmod 600 "$TB/tmpd/t1.json" "$TB/tmpd/summary.csv"
expect_exit 0 "batch: rerun over mode-600 outputs" batch "$TB/in/t1.csv" --out "$TB/tmpd"
if [ "$(stat -c %a "$TB/tmpd/t1.json")" = 600 ] && [ "$(stat -c %a "$TB/tmpd/summary.csv")" = 600 ]; then ok
else bad "batch: replaced outputs lost their mode: $(stat -c '%a %n' "$TB/tmpd/t1.json" "$TB/tmpd/summary.csv")"; fi
