#!/bin/sh
# bench/threads.sh - issue 15 (threads that never hurt): the speed benchmark's resampling rows
# against metafor, side by side in one run, first on the machine as it is, then with a second
# CPU-bound process running beside (sh -c 'while :; do :; done'); each cmeta row at the thread
# policy (no --threads) and on one thread (--threads 1). Then GOSH FE to CSV at k = 24 (all
# 16,777,215 subsets) against the floor of writing the same bytes with one final fsync
# (build/bench/write_floor).
#
# Targets (issue 15): gosh >= 1000x, permtest >= 300x, boot >= 300x metafor, loaded as well as
# not; GOSH to CSV within 2x of its floor.
# Env: RUNS=N cmeta processes per row (default 21); HOG=0 skips the loaded pass; CSV_K=K the
# GOSH-to-CSV size (default 24, 0 skips it; k = 24 writes ~1.5 GB to $TMPDIR three times);
# OLD=/path/to/an/older/cmeta adds its policy time (and ratio) beside each row, and its GOSH-to-CSV
# time, run alternately with CMETA's.
# Run by `make bench` after bench/run.sh, from the source root.
set -u
CMETA=${CMETA:-./build/cmeta}
D=bench/data
OUT=$(mktemp -d)
HOGPID=
trap '[ -n "$HOGPID" ] && kill "$HOGPID" 2>/dev/null; rm -rf "$OUT"' EXIT INT TERM
TIMEIT=./build/bench/timeit
RUNS=${RUNS:-21}
CSV_K=${CSV_K:-24}

have_r=0
if command -v Rscript >/dev/null 2>&1 && Rscript -e 'quit(status = !requireNamespace("metafor", quietly = TRUE) || !requireNamespace("boot", quietly = TRUE))' >/dev/null 2>&1; then
    have_r=1
fi

# r_times: "gosh permtest boot" seconds of the R calls alone (as bench/run.sh)
r_times() {
    Rscript - "$D" 2>/dev/null <<'REOF'
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
}

OLD=${OLD:-}
# median of RUNS whole processes (medb: of the binary given first)
med() { t=$("$TIMEIT" "$RUNS" "$CMETA" "$@") || { echo "cmeta failed: $*" >&2; exit 1; }; echo "${t%% *}"; }
medb() { b=$1; shift; t=$("$TIMEIT" "$RUNS" "$b" "$@") || { echo "$b failed: $*" >&2; exit 1; }; echo "${t%% *}"; }

pass() { # NAME
    echo "$1 (load average $(cut -d' ' -f1-3 /proc/loadavg), runnable now $(cut -d' ' -f4 /proc/loadavg)):"
    rg= rp= rb=
    if [ $have_r = 1 ]; then set -- $(r_times); rg=${1:-}; rp=${2:-}; rb=${3:-}; fi
    printf "  %-44s %11s %11s %11s %9s %7s" "work" "policy (s)" "1 thread" "metafor (s)" "ratio" "target"
    [ -n "$OLD" ] && printf " %11s %9s" "OLD (s)" "OLD ratio"
    echo
    one() { # LABEL R_SECONDS TARGET ARGS...
        label=$1 r=$2 target=$3; shift 3
        p=$(med "$@") || exit 1
        s=$(med "$@" --threads 1) || exit 1
        o=; [ -n "$OLD" ] && { o=$(medb "$OLD" "$@") || exit 1; }
        if [ -n "$r" ]; then
            ratio=$(echo "$r / $p" | bc -l)
            verdict=$(echo "$ratio >= $target" | bc -l)
            [ "$verdict" = 1 ] && verdict=ok || verdict=BELOW
            printf "  %-44s %11.4f %11.4f %11.3f %8.0fx %4sx %-5s" "$label" "$p" "$s" "$r" "$ratio" "$target" "$verdict"
            [ -n "$o" ] && printf " %11.4f %8.0fx" "$o" "$(echo "$r / $o" | bc -l)"
        else
            printf "  %-44s %11.4f %11.4f %11s %9s %7s" "$label" "$p" "$s" "-" "-" "$target"
            [ -n "$o" ] && printf " %11.4f %9s" "$o" "-"
        fi
        echo
    }
    one "gosh, k = 16, DL, 65535 subsets, summary" "$rg" 1000 gosh $D/hackshaw16.csv --method DL --format json
    one "permtest, k = 50, 2 moderators, REML, 1000" "$rp" 300 permtest $D/synthetic50.csv --mods x1,x2 --method REML --iter 1000 --seed 1
    one "boot, Normand 1999 MD, REML, 1000, perc+BCa" "$rb" 300 boot $D/normand1999.csv --measure MD --method REML --iter 1000 --seed 1
}

echo "threads (issue 15): cmeta the median of $RUNS whole processes, metafor the R call alone, timed once per pass; $(nproc) CPUs"
pass "as the machine is"
if [ "${HOG:-1}" != 0 ]; then
    sh -c 'while :; do :; done' &
    HOGPID=$!
    sleep 1
    pass "with a second CPU-bound process running (sh -c 'while :; do :; done')"
    kill "$HOGPID" 2>/dev/null
    wait "$HOGPID" 2>/dev/null
    HOGPID=
fi
[ $have_r = 1 ] || echo "(Rscript with metafor and boot not found: cmeta timings only)"

if [ "$CSV_K" -gt 0 ] 2>/dev/null; then
    head -n $((CSV_K + 1)) $D/gosh24.csv >"$OUT/k.csv"
    [ "$CSV_K" -le 24 ] || { echo "CSV_K: at most 24 (bench/data/gosh24.csv)"; exit 1; }
    N=$(((1 << CSV_K) - 1))
    # three runs each, alternated; medians
    : >"$OUT/c"; : >"$OUT/f"; : >"$OUT/o"
    for i in 1 2 3; do
        if [ -n "$OLD" ]; then
            t0=$(date +%s.%N)
            "$OLD" gosh "$OUT/k.csv" --method FE --subsets $N -o "$OUT/g.csv" >/dev/null || exit 1
            t1=$(date +%s.%N)
            echo "$t1 - $t0" | bc -l >>"$OUT/o"
            rm -f "$OUT/g.csv"
        fi
        t0=$(date +%s.%N)
        "$CMETA" gosh "$OUT/k.csv" --method FE --subsets $N -o "$OUT/g.csv" >/dev/null || exit 1
        t1=$(date +%s.%N)
        echo "$t1 - $t0" | bc -l >>"$OUT/c"
        bytes=$(stat -c %s "$OUT/g.csv")
        rm -f "$OUT/g.csv"
        ./build/bench/write_floor "$bytes" "$OUT/floor.bin" >>"$OUT/f" || exit 1
    done
    c=$(sort -n "$OUT/c" | sed -n 2p) f=$(sort -n "$OUT/f" | sed -n 2p)
    ratio=$(echo "$c / $f" | bc -l)
    verdict=$(echo "$ratio <= 2" | bc -l)
    [ "$verdict" = 1 ] && verdict=ok || verdict=ABOVE
    echo
    echo "GOSH to CSV (load average $(cut -d' ' -f1-3 /proc/loadavg)): median of 3 alternated runs each"
    printf "  %-52s %9.3f s\n" "cmeta gosh, k = $CSV_K, FE, $N subsets, -o (policy)" "$c"
    printf "  %-52s %9.3f s\n" "floor: the same $bytes bytes written + one fsync" "$f"
    printf "  %-52s %8.2fx (target <= 2x) %s\n" "ratio" "$ratio" "$verdict"
    if [ -n "$OLD" ]; then
        o=$(sort -n "$OUT/o" | sed -n 2p)
        printf "  %-52s %9.3f s = %.2fx the floor\n" "OLD, the same run" "$o" "$(echo "$o / $f" | bc -l)"
    fi
fi
