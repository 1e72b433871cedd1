#!/bin/sh
# `make leakcheck`: every unit test program and every CLI test under valgrind (memcheck).
# Usage: sh tests/leakcheck.sh BUILD TEST_PROGRAM...
#
# Definite leaks and memory errors fail (exit 99 from valgrind); libgomp's thread stacks are
# only "possibly lost" and are not shown. Two streams run side by side, one per core: the unit
# programs, then the odd-numbered CLI files; the even-numbered CLI files. Each stream's output
# goes to BUILD/leakcheck-N.log and is printed when both have ended.
#
# CMETA_LIGHT=1 shortens the long loops of test_fmt and test_table and skips one slow CLI case.
# At most two OpenMP threads (a container may show more processors than it may use), idle ones
# sleeping instead of spinning, and OpenBLAS on one thread: valgrind runs one thread at a time,
# so a spinning thread costs whole time slices. Tests that compare thread counts set their own.
set -u
build=$1; shift
export CMETA_LIGHT=1 OMP_NUM_THREADS=2 OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 CMETA_TEST_ROOT=.
VG="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --read-inline-info=no"
VG="$VG --errors-for-leak-kinds=definite --suppressions=tests/valgrind.supp"

odd=""; even=""; i=0
for f in tests/cli/t_*.sh; do
    i=$((i + 1))
    if [ $((i % 2)) = 1 ]; then odd="$odd $f"; else even="$even $f"; fi
done

stream1() {
    for t in "$@"; do
        started=$(date +%s)
        $VG "$t" >/dev/null 2>"$build/leakcheck-unit.err"
        rc=$?
        echo "== valgrind $t: $(($(date +%s) - started)) s"
        if [ $rc != 0 ]; then cat "$build/leakcheck-unit.err"; echo "FAIL: $t exit $rc"; return 1; fi
    done
    # shellcheck disable=SC2086
    CMETA="$VG ./$build/cmeta" NUMCMP=./$build/tests/numcmp sh tests/cli/run.sh $odd
}
stream2() {
    # shellcheck disable=SC2086
    CMETA="$VG ./$build/cmeta" NUMCMP=./$build/tests/numcmp sh tests/cli/run.sh $even
}

started=$(date +%s)
stream1 "$@" >"$build/leakcheck-1.log" 2>&1 &
pid1=$!
stream2 >"$build/leakcheck-2.log" 2>&1 &
pid2=$!
wait $pid1; rc1=$?
wait $pid2; rc2=$?
cat "$build/leakcheck-1.log" "$build/leakcheck-2.log"
echo "leakcheck: $(($(date +%s) - started)) s"
[ $rc1 = 0 ] && [ $rc2 = 0 ]
