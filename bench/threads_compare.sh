#!/bin/sh
# bench/threads_compare.sh [RUNS] - one cmeta binary against another (OLD=path, e.g. one built
# from main before issue 15: OpenMP), one thread against two and the policy, alternately, medians
# of RUNS whole processes (default 21). The old binary's threads are set by OMP_NUM_THREADS, the
# new one's by --threads. Used for bench/README.md, "Threads under load".
R=${1:-21}
D=bench/data
NEW=${NEW:-./build/cmeta} OLD=${OLD:?OLD=path of the cmeta to compare with}
TI=./build/bench/timeit
O=$(mktemp -d); trap 'rm -rf "$O"' EXIT
for w in "gosh $D/hackshaw16.csv --method DL --format json" "gosh $D/hackshaw16.csv --method DL -o $O/g.csv" \
         "permtest $D/synthetic50.csv --mods x1,x2 --method REML --iter 1000 --seed 1" \
         "boot $D/normand1999.csv --measure MD --method REML --iter 1000 --seed 1" \
         "boot $D/synthetic50.csv --method REML --iter 10000 --seed 1"; do
  a=$(OMP_NUM_THREADS=1 $TI $R $OLD $w | cut -d' ' -f1); b=$(OMP_NUM_THREADS=2 $TI $R $OLD $w | cut -d' ' -f1)
  c=$($TI $R $NEW $w --threads 1 | cut -d' ' -f1); d=$($TI $R $NEW $w --threads 2 | cut -d' ' -f1); e=$($TI $R $NEW $w | cut -d' ' -f1)
  echo "$w | OpenMP 1: $a  OpenMP 2: $b | pool 1: $c  pool 2: $d  policy: $e | $(cut -d' ' -f1,4 /proc/loadavg)"
done
