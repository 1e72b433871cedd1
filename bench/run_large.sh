#!/bin/sh
# bench/run_large.sh - issue 15 items 2 and 3: `cmeta escalc` (SMD) and `cmeta pool` (REML, Q-profile
# CI, study table) on 10^6 rows, each beside its floor and beside R/metafor, in one run.
#   floor of escalc: build/bench/parse_floor (read the file, strtod every field);
#   floor of pool:   build/bench/pool_floor (read, strtod yi and vi, REML by cmeta_rma without
#                    the CI, the likelihood check and the study table);
#   R: the escalc() / rma() call alone (read.csv not timed), median of RUNS calls (as cmeta). metafor's rma() cannot
#   fit 10^5 studies or more here (it allocates k x k matrices: "cannot allocate vector of size
#   74.5 Gb" at k = 10^5), so pool is also timed at k = 2000 (the first 2000 studies) beside rma();
#   memory: maximum resident set (/usr/bin/time) beyond build/bench/table_read (the table read
#   alone), per study.
# cmeta and the floors: median (and fastest) of RUNS whole processes (timeit.c, stdout to
# /dev/null). RUNS_LARGE=N (default 5); N_LARGE=rows (default 1000000). Run by `make bench`.
set -u
CMETA=${CMETA:-./build/cmeta}
TIMEIT=./build/bench/timeit
RUNS=${RUNS_LARGE:-5}
N=${N_LARGE:-1000000}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# deterministic data (LCG), no R needed
awk -v n="$N" 'BEGIN { s = 12345; print "m1i,sd1i,n1i,m2i,sd2i,n2i";
  for (i = 1; i <= n; i++) {
    for (j = 1; j <= 6; j++) { s = (1103515245 * s + 12345) % 2147483648; u[j] = s / 2147483648 }
    printf "%.3f,%.3f,%d,%.3f,%.3f,%d\n", 8 + 4 * u[1], 1 + 3 * u[2], 10 + int(190 * u[3]),
           7 + 4 * u[4], 1 + 3 * u[5], 10 + int(190 * u[6]) } }' >"$OUT/smd.csv"
awk -v n="$N" 'BEGIN { s = 12345; print "study,yi,vi";
  for (i = 1; i <= n; i++) {
    s = (1103515245 * s + 12345) % 2147483648; u = s / 2147483648;
    s = (1103515245 * s + 12345) % 2147483648; v = s / 2147483648;
    printf "Study %d,%.6f,%.6f\n", i, -0.4 + 1.6 * (u - 0.5), 0.01 + 0.1 * v } }' >"$OUT/pool.csv"

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
tm() { "$TIMEIT" "$RUNS" "$@" || { echo "failed: $*" >&2; exit 1; }; }
t=$(tm ./build/bench/parse_floor "$OUT/smd.csv") || exit 1; set -- $t; f_esc=$1; fm_esc=$2
t=$(tm "$CMETA" escalc "$OUT/smd.csv" --measure SMD) || exit 1; set -- $t; c_esc=$1; cm_esc=$2
t=$(tm ./build/bench/pool_floor "$OUT/pool.csv") || exit 1; set -- $t; f_pool=$1; fm_pool=$2
t=$(tm "$CMETA" pool "$OUT/pool.csv") || exit 1; set -- $t; c_pool=$1; cm_pool=$2
head -n 2001 "$OUT/pool.csv" >"$OUT/pool2k.csv"
t=$(tm ./build/bench/pool_floor "$OUT/pool2k.csv") || exit 1; set -- $t; f_p2k=$1; fm_p2k=$2
t=$(tm "$CMETA" pool "$OUT/pool2k.csv") || exit 1; set -- $t; c_p2k=$1; cm_p2k=$2

rss() { # maximum resident set in kB of one run, "-" without GNU time
    if [ -x /usr/bin/time ]; then /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; else echo -; fi
}
m_tab_esc=$(rss ./build/bench/table_read "$OUT/smd.csv")
m_esc=$(rss "$CMETA" escalc "$OUT/smd.csv" --measure SMD)
m_tab_pool=$(rss ./build/bench/table_read "$OUT/pool.csv")
m_pool=$(rss "$CMETA" pool "$OUT/pool.csv")

r_esc=- r_p2k=-
if command -v Rscript >/dev/null 2>&1 && Rscript -e 'quit(status = !requireNamespace("metafor", quietly = TRUE))' >/dev/null 2>&1; then
    Rscript - "$OUT" "$RUNS" >"$OUT/r.txt" 2>/dev/null <<'REOF'
suppressPackageStartupMessages(library(metafor))
D <- commandArgs(TRUE)[1]
s <- read.csv(file.path(D, "smd.csv"))
p <- read.csv(file.path(D, "pool2k.csv"))
R <- as.integer(commandArgs(TRUE)[2])
t1 <- median(replicate(R, system.time(e <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = s))[["elapsed"]]))
t2 <- median(replicate(R, system.time(f <- rma(yi, vi, data = p, method = "REML"))[["elapsed"]]))
cat(t1, t2, "\n")
REOF
    set -- $(cat "$OUT/r.txt") - -
    r_esc=$1 r_p2k=$2
fi

ratio() { case "$1$2" in *-*) echo - ;; *) echo "$1 / $2" | bc -l | xargs printf '%.2f' ;; esac; }
perstudy() { case "$1$2" in *-*) echo - ;; *) echo "($1 - $2) * 1024 / $N" | bc -l | xargs printf '%.0f' ;; esac; }
echo "large inputs, $N rows (bench/run_large.sh): median (fastest) of $RUNS whole processes; R: the call alone, median of $RUNS; load average at the start $LOAD0, now $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-44s %15s %15s %8s %9s %9s\n" "work" "cmeta (s)" "floor (s)" "/floor" "R (s)" "R/cmeta"
printf "%-44s %7.3f (%5.3f) %7.3f (%5.3f) %7sx %9s %8sx\n" "escalc SMD (target <= 1.5x floor, >= 5x R)" \
    "$c_esc" "$cm_esc" "$f_esc" "$fm_esc" "$(ratio "$c_esc" "$f_esc")" "$r_esc" "$(ratio "$r_esc" "$c_esc")"
printf "%-44s %7.3f (%5.3f) %7.3f (%5.3f) %7sx %9s %9s\n" "pool REML + QP CI + table (target <= 2x)" \
    "$c_pool" "$cm_pool" "$f_pool" "$fm_pool" "$(ratio "$c_pool" "$f_pool")" "k x k" "-"
printf "%-44s %7.3f (%5.3f) %7.3f (%5.3f) %7sx %9s %8sx\n" "pool, the first 2000 studies (R: rma() alone)" \
    "$c_p2k" "$cm_p2k" "$f_p2k" "$fm_p2k" "$(ratio "$c_p2k" "$f_p2k")" "$r_p2k" "$(ratio "$r_p2k" "$c_p2k")"
echo "max RSS: escalc $m_esc kB, its table read $m_tab_esc kB: $(perstudy "$m_esc" "$m_tab_esc") bytes per row beyond the table"
echo "max RSS: pool $m_pool kB, its table read $m_tab_pool kB: $(perstudy "$m_pool" "$m_tab_pool") bytes per study beyond the table (target <= 100)"
