#!/bin/sh
# bench/run.sh - the same resampling work in cmeta and, when Rscript with metafor is
# installed, in metafor; prints times and ratios (whole cmeta process vs the R call alone),
# and the GFLOP/s of the batched kernels against the machine's dgemm peak.
# RUNS=N: cmeta processes timed per row (default 21). CROSSCHECK=0: skip the cross-check.
# Run by `make bench` from the source root.
set -u
CMETA=${CMETA:-./build/cmeta}
D=bench/data
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

TIMEIT=./build/bench/timeit
RUNS=${RUNS:-21}
# time_cmd ARGS... : "median min" wall seconds of RUNS whole cmeta processes (timeit.c:
# posix_spawn to waitpid, after one warm-up run)
time_cmd() {
    "$TIMEIT" "$RUNS" "$CMETA" "$@" || { echo "cmeta failed: $*" >&2; exit 1; }
}

t=$(time_cmd gosh $D/hackshaw16.csv --method DL -o "$OUT/gosh.csv") || exit 1; set -- $t; c_gosh=$1; m_gosh=$2
t=$(time_cmd gosh $D/hackshaw16.csv --method DL --format json) || exit 1; set -- $t; c_gosh_s=$1; m_gosh_s=$2
t=$(time_cmd permtest $D/synthetic50.csv --mods x1,x2 --method REML --iter 1000 --seed 1) || exit 1; set -- $t; c_perm=$1; m_perm=$2
t=$(time_cmd boot $D/normand1999.csv --measure MD --method REML --iter 1000 --seed 1) || exit 1; set -- $t; c_boot=$1; m_boot=$2

have_r=0
if command -v Rscript >/dev/null 2>&1 && Rscript -e 'quit(status = !requireNamespace("metafor", quietly = TRUE) || !requireNamespace("boot", quietly = TRUE))' >/dev/null 2>&1; then
    have_r=1
    Rscript - "$D" >"$OUT/r.txt" 2>/dev/null <<'REOF'
suppressPackageStartupMessages({library(metafor); library(boot)})
D <- commandArgs(TRUE)[1]
h <- read.csv(file.path(D, "hackshaw16.csv"))
s <- read.csv(file.path(D, "synthetic50.csv"))
n <- read.csv(file.path(D, "normand1999.csv"))
n <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = n)
fit <- rma(yi, vi, data = h, method = "DL")
t1 <- system.time(g <- gosh(fit, progbar = FALSE))[["elapsed"]]
fit <- rma(yi, vi, mods = ~ x1 + x2, data = s, method = "REML")
t2 <- system.time(p <- permutest(fit, iter = 1000, progbar = FALSE))[["elapsed"]]
bf <- function(d, i) { r <- try(suppressWarnings(rma(yi, vi, data = d[i, ], method = "REML")), silent = TRUE)
  if (inherits(r, "try-error")) c(NA, NA, NA) else c(coef(r), r$tau2, r$I2) }
t3 <- system.time({b <- boot(n, bf, R = 1000); ci <- boot.ci(b, type = c("perc", "bca"))})[["elapsed"]]
cat(t1, t2, t3, "\n")
REOF
    set -- $(cat "$OUT/r.txt")
    r_gosh=$1; r_perm=$2; r_boot=$3
fi

echo "cmeta: median (and fastest) of $RUNS whole processes; metafor: the R call alone, timed once"
printf "%-58s %10s %10s %12s %9s\n" "work" "cmeta (s)" "(min)" "metafor (s)" "ratio"
row() {
    if [ $have_r = 1 ]; then
        printf "%-58s %10.4f %10.4f %12.3f %8.0fx\n" "$1" "$2" "$3" "$4" "$(echo "$4 / $2" | bc -l)"
    else
        printf "%-58s %10.4f %10.4f %12s %9s\n" "$1" "$2" "$3" "-" "-"
    fi
}
row "gosh, k = 16, DL, all 65535 subsets (CSV written)" "$c_gosh" "$m_gosh" "${r_gosh:-}"
row "gosh, k = 16, DL, all 65535 subsets (summary only)" "$c_gosh_s" "$m_gosh_s" "${r_gosh:-}"
row "permtest, k = 50, 2 moderators, REML, 1000 iterations" "$c_perm" "$m_perm" "${r_perm:-}"
row "boot, Normand 1999 MD, REML, 1000 resamples, perc + BCa" "$c_boot" "$m_boot" "${r_boot:-}"
[ $have_r = 1 ] || echo "(Rscript with metafor and boot not found: cmeta timings only)"
echo
echo "batched kernels (GFLOP/s of their matrix products, cmeta's own cmeta__gemm_rm, over the kernel's whole time; OpenBLAS dgemm's rate on 1024 x 1024 for reference):"
./build/bench/kernels
if [ $have_r = 1 ] && [ "${CROSSCHECK:-1}" != 0 ]; then
    echo
    echo "held-out cross-check against metafor (bench/crosscheck.sh; full table: sh bench/crosscheck.sh):"
    sh bench/crosscheck.sh | sed -n '/^per command:/,$p'
fi
