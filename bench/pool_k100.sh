#!/bin/sh
# Wall time of `cmeta pool` on a k = 100 file, start-up included (target: < 10 ms per run).
# Uses hyperfine when installed, else times a loop of 100 runs. Usage: sh bench/pool_k100.sh
set -eu
CMETA=${CMETA:-./build/cmeta}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# 100 studies of log odds ratios: deterministic pseudo-random values (LCG), no R needed
awk 'BEGIN { s = 12345; print "study,yi,vi";
  for (i = 1; i <= 100; i++) {
    s = (1103515245 * s + 12345) % 2147483648; u = s / 2147483648;
    s = (1103515245 * s + 12345) % 2147483648; v = s / 2147483648;
    printf "Study %d,%.6f,%.6f\n", i, -0.4 + 1.6 * (u - 0.5), 0.01 + 0.1 * v } }' >"$TMP/k100.csv"
if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --warmup 10 --runs 200 "$CMETA pool $TMP/k100.csv" "$CMETA pool $TMP/k100.csv --format json"
else
    for fmt in text json; do
        start=$(date +%s%N)
        i=0
        while [ $i -lt 100 ]; do "$CMETA" pool "$TMP/k100.csv" --format $fmt >/dev/null 2>&1; i=$((i + 1)); done
        end=$(date +%s%N)
        awk -v ns=$((end - start)) -v f=$fmt 'BEGIN { printf "cmeta pool k=100 (%s, REML + Q-profile CI): %.2f ms per run (mean of 100, start-up included)\n", f, ns / 100 / 1e6 }'
    done
fi
