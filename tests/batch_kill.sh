#!/bin/sh
# Kill test of `cmeta batch` as a transaction (issue 14): TRIALS times, a 300-file batch into an
# output directory holding the complete results of the other method is stopped at a random
# moment by SIGKILL or SIGTERM of the parent. After each stop:
#   - OUT holds exactly the previous complete set (summary.csv and every JSON byte for byte) or
#     exactly the new one; the only other state allowed is a SIGKILL during the commit, which
#     leaves the commit record (.cmeta-staging.PID/.commit) that the next run finishes;
#   - no worker of the stopped run is still running (parent-death signal; polled, 30 s guard);
#   - the next run (one shard of one file, same method as OUT's set) removes or finishes what
#     the stopped run left, says so, and leaves no staging directory and no temporary file.
# usage: sh tests/batch_kill.sh [TRIALS [SEED]]   (CMETA, default ./build/cmeta; BATCH_KILL_VERBOSE=1:
# one line per trial)
# Prints one line per failure and a total; exit 1 on any failure. No timing is asserted: the
# moment is when a random number M of the N files (0 <= M < 1.1 N) are in staging, plus a random
# 0-0.1 s, so kills fall anywhere from start-up to the commit and after the run.
set -u
CMETA=${CMETA:-./build/cmeta}
TRIALS=${1:-5}
SEED=${2:-$$}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
N=300
mkdir -p "$W/in"
awk -v N=$N -v dir="$W/in" 'BEGIN { srand(14)
    for (f = 1; f <= N; f++) {
        path = sprintf("%s/trial%03d.csv", dir, f); print "study,yi,vi" > path
        k = 4 + int(rand() * 9)
        for (j = 1; j <= k; j++) printf "S%d,%.4f,%.4f\n", j, rand() - 0.3, 0.01 + rand() * 0.1 > path
        close(path)
    } }'
fail=0
bad() { fail=$((fail + 1)); echo "FAIL: trial $t: $*"; }
now() { date +%s.%N; }

# the two complete sets: FE and DL (different numbers in every file)
t=0
t0=$(now)
$CMETA batch "$W/in" --out "$W/ref-FE" --method FE --jobs 2 >/dev/null 2>&1 || bad "reference run FE"
t1=$(now)
$CMETA batch "$W/in" --out "$W/ref-DL" --method DL --jobs 2 >/dev/null 2>&1 || bad "reference run DL"
full=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
cp -r "$W/ref-FE" "$W/out"
cur=FE
same() { diff -rq -x '.cmeta*' -x 'summary.shard*' "$W/ref-$1" "$W/out" >/dev/null 2>&1; }
procs() { ps -eo args= | grep -F -- "$W/out" | grep -v grep | grep -c cmeta; }

echo "batch kill test: $TRIALS trials, $N files, --jobs 2, seed $SEED, full run ${full} s"
start=$(now)
nkill=0; nterm=0; nold=0; nnew=0; nmid=0; stopmax=0
t=1
while [ $t -le "$TRIALS" ]; do
    set -- $(awk -v s="$SEED" -v t=$t -v n=$N 'BEGIN { srand(s * 1000 + t); m = int(rand() * 1.1 * n)
        sig = rand() < 0.5 ? "KILL" : "TERM"; printf "%d %s %.3f\n", m, sig, rand() * 0.1 }')
    m=$1; sig=$2; extra=$3
    new=$([ $cur = FE ] && echo DL || echo FE)
    $CMETA batch "$W/in" --out "$W/out" --method $new --jobs 2 >/dev/null 2>"$W/err" </dev/null &
    pid=$!
    # the moment: once M files are in staging (M > N: after the run), plus 0-0.1 s
    while kill -0 $pid 2>/dev/null; do
        [ "$(ls "$W/out/.cmeta-staging.$pid" 2>/dev/null | grep -c 'json$')" -ge "$m" ] && break
        sleep 0.05
    done
    sleep "$extra"
    delay="$m files + $extra"
    ts=$(now)
    kill -$sig $pid 2>/dev/null
    wait $pid 2>/dev/null
    rc=$?
    te=$(now)
    stopmax=$(awk -v a="$ts" -v b="$te" -v m="$stopmax" 'BEGIN { d = b - a; printf "%.3f", (d > m ? d : m) }')
    [ $sig = KILL ] && nkill=$((nkill + 1)) || nterm=$((nterm + 1))
    case "$sig:$rc" in
        KILL:137|KILL:0|TERM:130|TERM:0) ;;
        *) bad "SIG$sig at ${delay} s: exit $rc ($(head -c 200 "$W/err"))" ;;
    esac
    # the workers die with the parent
    n=0
    while [ "$(procs)" != 0 ]; do
        n=$((n + 1)); [ $n -gt 300 ] && { bad "SIG$sig: workers still running after 30 s"; break; }; sleep 0.1
    done
    mid=0
    # a commit record left by a SIGKILL comes first: the next run must finish that commit, even
    # when the kill fell before its first rename and OUT still reads as the old set
    if [ $sig = KILL ] && ls "$W"/out/.cmeta-staging.*/.commit >/dev/null 2>&1; then
        mid=1; nmid=$((nmid + 1)); cur=$new
    elif same $cur; then nold=$((nold + 1))
    elif same $new; then nnew=$((nnew + 1)); cur=$new
    else
        bad "SIG$sig at ${delay} s (exit $rc): OUT is neither the old nor the new complete set: $(diff -rq -x '.cmeta*' "$W/ref-$cur" "$W/out" 2>&1 | head -3 | tr '\n' ' ')"
    fi
    # the next run cleans up (and finishes a commit in progress), and says so
    left=$(ls -A "$W/out" | grep -c -e '^\.cmeta-staging' -e '\.tmp\.')
    $CMETA batch "$W/in" --out "$W/out" --method $cur --shard $N/$N >/dev/null 2>"$W/err2" </dev/null ||
        bad "next run: exit $? ($(head -c 200 "$W/err2"))"
    if [ "$left" != 0 ] && ! grep -q 'warning: batch: .*\(removed\|finished the commit\)' "$W/err2"; then
        bad "next run removed what the stopped one left without saying so"
    fi
    if ls -A "$W/out" | grep -q -e '^\.cmeta-staging' -e '\.tmp\.'; then bad "stale files after the next run: $(ls -A "$W/out" | grep -e staging -e tmp | head -3)"; fi
    same $cur || bad "after the next run OUT is not the complete $cur set (mid-commit $mid)"
    [ -n "${BATCH_KILL_VERBOSE:-}" ] && echo "trial $t: SIG$sig at $delay s, exit $rc, OUT $([ $mid = 1 ] && echo mid-commit || echo "$cur"), failures so far $fail"
    t=$((t + 1))
done
end=$(now)
awk -v n="$TRIALS" -v f=$fail -v k=$nkill -v s=$nterm -v o=$nold -v w=$nnew -v m=$nmid -v a="$start" -v b="$end" -v x="$stopmax" \
    'BEGIN { printf "batch kill test: %d trials (%d SIGKILL, %d SIGTERM): %d left the old set, %d the new, %d stopped mid-commit (finished by the next run); %d failures; %.0f s; longest stop %.2f s\n", n, k, s, o, w, m, f, b - a, x }'
[ $fail = 0 ]
