#!/bin/sh
# Batch throughput: 2,000 generated trial files (10 of them bad) through
# `cmeta batch --jobs 2`; checks 2,000 summary rows with exactly the 10 bad files failed,
# and prints files per second.   usage: sh bench/batch_throughput.sh [NFILES] [JOBS]
# CMETA (default ./build/cmeta) is the program; the work directory is removed afterwards.
set -u
CMETA=${CMETA:-./build/cmeta}
N=${1:-2000}
JOBS=${2:-2}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/in"

# Good files: 5 to 12 two-group continuous studies each (SMD); bad files: every N/10-th,
# with a rule broken in one study (SD <= 0, text in a number, too few columns...).
awk -v N="$N" -v dir="$W/in" 'BEGIN {
    srand(20240601)
    step = int(N / 10)
    for (f = 1; f <= N; f++) {
        path = sprintf("%s/trial%05d.csv", dir, f)
        print "study,m1i,sd1i,n1i,m2i,sd2i,n2i" > path
        k = 5 + int(rand() * 8)
        isbad = (f % step == 0) && (f / step <= 10)
        for (j = 1; j <= k; j++) {
            m2 = 20 + rand() * 5; d = rand() * 4 - 1
            line = sprintf("S%d,%.2f,%.2f,%d,%.2f,%.2f,%d", j, m2 - d, 3 + rand() * 3, 10 + int(rand() * 90),
                           m2, 3 + rand() * 3, 10 + int(rand() * 90))
            if (isbad && j == 3) {
                b = (f / step) % 3
                if (b == 0) line = sprintf("S%d,1.5,-2,20,1.0,2,20", j)
                else if (b == 1) line = sprintf("S%d,1.5,two,20,1.0,2,20", j)
                else line = sprintf("S%d,1.5,2,20", j)
            }
            print line > path
        }
        close(path)
    }
}'

now() { date +%s.%N; }
t0=$(now)
$CMETA batch "$W/in" --out "$W/out" --measure SMD --jobs "$JOBS" >/dev/null 2>"$W/stderr"
rc=$?
t1=$(now)
S="$W/out/summary.csv"
rows=$(($(wc -l <"$S") - 1))
failed=$(awk -F, 'NR > 1 && $9 == "failed"' "$S" | wc -l)
json=$(ls "$W/out" | grep -c '\.json$')
awk -v n="$N" -v t0="$t0" -v t1="$t1" -v j="$JOBS" -v rows="$rows" -v failed="$failed" -v json="$json" -v rc="$rc" \
    'BEGIN { s = t1 - t0; printf "batch throughput: %d files (--jobs %d) in %.2f s = %.0f files/s; %d summary rows, %d failed, %d JSON files, exit %d\n", n, j, s, n / s, rows, failed, json, rc }'
fail=0
[ "$rows" = "$N" ] || { echo "FAIL: $rows summary rows, expected $N"; fail=1; }
[ "$failed" = 10 ] || { echo "FAIL: $failed failed rows, expected 10"; fail=1; }
[ "$json" = $((N - 10)) ] || { echo "FAIL: $json JSON files, expected $((N - 10))"; fail=1; }
[ "$rc" = 2 ] || { echo "FAIL: exit $rc, expected 2"; fail=1; }
exit $fail
