#!/bin/sh
# bench/mv.sh - `cmeta mv` against metafor's rma.mv on a three-level model (random intercepts
# ~ 1 | cluster/es), effect sizes in clusters of 2-10, side by side in one run; then cmeta alone
# at 10^5 and 10^6. Data simulated in R with set.seed(18) (sigma2 = 0.05 and 0.02, vi ~ U(0.01,
# 0.1)). Prints wall seconds: cmeta as a whole process (parse + fit + print), rma.mv as the
# call alone (data already read). Not run by `make bench`; run from the source root:
#   sh bench/mv.sh            10^3 and 10^4 (rma.mv dense at 10^3, sparse = TRUE at 10^4)
#   BIG=1 sh bench/mv.sh      also 10^5 and 10^6 for cmeta (peak memory from /usr/bin/time)
#   SKIP_R=1                  cmeta alone (rma.mv takes minutes at 10^3 and ~20 min at 10^4 here)
#   R_MAX=K                   rma.mv up to K effect sizes (default 10^4; BIG=1: 10^5, "where R
#                             finishes": each rma.mv run is stopped after R_TIMEOUT seconds,
#                             default 1800, and reported as not finished; an R error is printed)
# The machine's load average is printed first and last (a shared machine inflates wall times).
# cmeta runs with --no-ci (rma.mv computes no CIs of the variance components either).
set -u
CMETA=${CMETA:-./build/cmeta}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
sizes="1000 10000"
[ "${BIG:-0}" = 1 ] && sizes="$sizes 100000 1000000"
rmax=${R_MAX:-10000}
[ "${BIG:-0}" = 1 ] && [ -z "${R_MAX:-}" ] && rmax=100000
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
Rscript - "$OUT" $sizes <<'REOF' || exit 1
a <- commandArgs(TRUE); out <- a[1]
for (k in as.numeric(a[-1])) {
  set.seed(18)
  m <- sample(2:10, k, replace = TRUE); m <- m[cumsum(m) <= k]; m <- c(m, k - sum(m)); m <- m[m > 0]
  cl <- rep(seq_along(m), m); es <- sequence(m)
  u <- rnorm(length(m), 0, sqrt(0.05)); vi <- runif(k, 0.01, 0.1)
  yi <- 0.3 + u[cl] + rnorm(k, 0, sqrt(0.02)) + rnorm(k, 0, sqrt(vi))
  write.csv(data.frame(cluster = cl, es = es, yi = round(yi, 6), vi = round(vi, 6)),
            file.path(out, sprintf("k%d.csv", k)), row.names = FALSE, quote = FALSE)
}
REOF
for k in $sizes; do
    f=$OUT/k$k.csv
    t0=$(date +%s.%N)
    /usr/bin/time -f "%M %U" -o "$OUT/mem" "$CMETA" mv "$f" --random cluster/es --no-ci --format json >"$OUT/c$k.json" || exit 1
    t1=$(date +%s.%N)
    c=$(echo "$t1 - $t0" | bc)
    read -r mem cpu <"$OUT/mem"
    r="-"
    if [ "${SKIP_R:-0}" != 1 ] && [ "$k" -le "$rmax" ] && command -v Rscript >/dev/null 2>&1; then
        r=$(timeout "${R_TIMEOUT:-1800}" Rscript - "$f" "$k" 2>"$OUT/rerr" <<'REOF'
suppressMessages(library(metafor))
a <- commandArgs(TRUE); d <- read.csv(a[1]); k <- as.numeric(a[2])
t <- system.time(fit <- rma.mv(yi, vi, random = ~ 1 | cluster/es, data = d, sparse = k > 1000))[["elapsed"]]
cat(sprintf("%.3f %.10g %.10g %.10g", t, fit$sigma2[1], fit$sigma2[2], fit$beta[1]))
REOF
)
        rrc=$?
        if [ $rrc = 124 ]; then r="not finished in ${R_TIMEOUT:-1800} s"
        elif [ $rrc != 0 ]; then r="failed: $(grep -v '^Execution halted' "$OUT/rerr" | tr '\n' ' ')"; fi
    fi
    cs=$(sed 's/.*"sigma2":\[{"name":"cluster","estimate":\([^,]*\),.*"estimate":\([^,]*\),"nlvls".*/\1 \2/' "$OUT/c$k.json")
    printf 'k = %-8s cmeta %8.3f s wall, %s s user CPU (peak %6d KB; sigma2 %s)   rma.mv %s\n' "$k" "$c" "$cpu" "$mem" "$cs" "$r"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
