#!/bin/sh
# batch throughput by durability (issue 15 item 4), side by side in one run: 2,000 generated
# trial files (5 to 30 two-group studies each, SMD), `cmeta batch --jobs 2` with
#   group     --durable group (default): one syncfs per 256 files and one before the commit
#   per-file  --durable per-file: an fsync of every file before its rename
#   floor     group with fsync/fdatasync/syncfs/sync made no-ops (an LD_PRELOAD shim built here):
#             the same work without waiting for the disk
# and, when Rscript with metafor is present, an R loop of read.csv + escalc("SMD") + rma over
# the same files (time of the loop inside R, without R's start-up; nothing written).
# Prints, per round, group's rate against the floor's (issue 15 item 4: >= 80 %) and against
# the R loop's (>= 10x).
# ROUNDS rounds, the variants interleaved within each round. Prints files/s per run and the
# CPU time per file (user + system, the workers included), which a loaded machine changes less.
# usage: sh bench/batch_durable.sh [NFILES [ROUNDS]]   (CMETA, default ./build/cmeta; CC)
set -u
CMETA=${CMETA:-./build/cmeta}
N=${1:-2000}
ROUNDS=${2:-2}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/in"
awk -v N="$N" -v dir="$W/in" 'BEGIN { srand(15)
    for (f = 1; f <= N; f++) {
        path = sprintf("%s/trial%05d.csv", dir, f)
        print "study,m1i,sd1i,n1i,m2i,sd2i,n2i" > path
        k = 5 + int(rand() * 26)
        for (j = 1; j <= k; j++) {
            m2 = 20 + rand() * 5; d = rand() * 4 - 1
            printf "S%d,%.2f,%.2f,%d,%.2f,%.2f,%d\n", j, m2 - d, 3 + rand() * 3, 10 + int(rand() * 90),
                   m2, 3 + rand() * 3, 10 + int(rand() * 90) > path
        }
        close(path)
    } }'
cat >"$W/nosync.c" <<'C'
#include <unistd.h>
int fsync(int fd) { (void)fd; return 0; }
int fdatasync(int fd) { (void)fd; return 0; }
int syncfs(int fd) { (void)fd; return 0; }
void sync(void) {}
C
${CC:-cc} -shared -fPIC -O2 -o "$W/nosync.so" "$W/nosync.c" || exit 1
now() { date +%s.%N; }
rate() { awk -v a="$1" -v b="$2" -v n="$N" 'BEGIN { printf "%.2f s = %4.0f files/s", b - a, n / (b - a) }'; }
run() { # NAME [env] -- args
    name=$1; shift
    rm -rf "$W/out"
    t0=$(now)
    /usr/bin/time -f "%U %S" -o "$W/cpu" "$@" batch "$W/in" --out "$W/out" --measure SMD --jobs 2 $DUR >/dev/null 2>"$W/err"
    rc=$?
    t1=$(now)
    eval "wall_$(echo $name | tr -c "a-z\n" _)=\$(echo \"$t1 - $t0\" | bc -l)"
    rows=$(($(wc -l <"$W/out/summary.csv") - 1))
    cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$W/cpu")
    printf '  %-9s %s; CPU %s s = %.2f ms/file (exit %d, %d rows)\n' "$name" "$(rate "$t0" "$t1")" "$cpu" \
        "$(awk -v c="$cpu" -v n="$N" 'BEGIN { print 1000 * c / n }')" "$rc" "$rows"
}
have_r=0
command -v Rscript >/dev/null && Rscript -e 'suppressMessages(library(metafor))' >/dev/null 2>&1 && have_r=1
echo "batch durability: $N files (5-30 studies, SMD), --jobs 2, $ROUNDS rounds; load $(cut -d' ' -f1-3 /proc/loadavg)"
r=1
while [ $r -le "$ROUNDS" ]; do
    echo "round $r"
    DUR="--durable group"; run group "$CMETA"
    DUR="--durable per-file"; run per-file "$CMETA"
    DUR="--durable group"; run floor env LD_PRELOAD="$W/nosync.so" "$CMETA"
    ratio_floor=$(echo "100 * $wall_floor / $wall_group" | bc -l)
    v=$(echo "$ratio_floor >= 80" | bc -l); [ "$v" = 1 ] && v=ok || v=BELOW
    printf '  group against the floor: %.0f %% of its rate (target >= 80 %%) %s\n' "$ratio_floor" "$v"
    if [ $have_r = 1 ]; then
        Rscript -e 'suppressMessages(library(metafor)); fs <- list.files(commandArgs(TRUE)[1], full.names = TRUE)
            c0 <- proc.time(); t0 <- Sys.time(); for (f in fs) { d <- read.csv(f); e <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i,
                m2i = m2i, sd2i = sd2i, n2i = n2i, data = d); r <- rma(yi, vi, data = e) }
            s <- as.numeric(Sys.time() - t0, units = "secs"); c <- sum((proc.time() - c0)[1:2])
            cat(sprintf("  R loop    %.2f s = %4.0f files/s; CPU %.2f s = %.2f ms/file (escalc + rma, in R)\n", s, length(fs) / s, c, 1000 * c / length(fs)))
            cat(s, "\n", file = file.path(dirname(commandArgs(TRUE)[1]), "rwall"))' "$W/in"
        if [ -s "$W/rwall" ]; then
            ratio_r=$(echo "$(cat "$W/rwall") / $wall_group" | bc -l)
            v=$(echo "$ratio_r >= 10" | bc -l); [ "$v" = 1 ] && v=ok || v=BELOW
            printf '  group against the R loop: %.1fx faster (target >= 10x) %s\n' "$ratio_r" "$v"
        fi
    fi
    r=$((r + 1))
done
