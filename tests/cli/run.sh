#!/bin/sh
# CLI golden tests. Every tests/cli/t_*.sh (or those named as arguments) is sourced; each
# calls the helpers below.
# CMETA is the program (may be prefixed by valgrind). Prints "N passed, N failed".
set -u
: "${CMETA:=./build/cmeta}"
: "${NUMCMP:=./build/tests/numcmp}"
T=tests/cli
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# run_cmd ARGS... : runs cmeta, leaves $TMP/out, $TMP/err, $rc
run_cmd() {
    $CMETA "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    rc=$?
}

# expect_exit CODE NAME ARGS...
expect_exit() {
    code=$1; name=$2; shift 2
    run_cmd "$@"
    if [ "$rc" = "$code" ]; then ok; else bad "$name: exit $rc, expected $code; stderr: $(head -c 300 "$TMP/err")"; fi
}

# expect_error CODE 'stderr substring' NAME ARGS... : exit code, exactly one stderr line, containing the text
expect_error() {
    code=$1; text=$2; name=$3; shift 3
    run_cmd "$@"
    lines=$(wc -l <"$TMP/err")
    if [ "$rc" != "$code" ]; then bad "$name: exit $rc, expected $code; stderr: $(head -c 300 "$TMP/err")"
    elif [ "$lines" != 1 ]; then bad "$name: $lines stderr lines, expected 1: $(head -c 500 "$TMP/err")"
    elif ! grep -qF -- "$text" "$TMP/err"; then bad "$name: stderr lacks '$text': $(cat "$TMP/err")"
    else ok; fi
}

# golden_differs GOLDEN ACTUAL : true (and $why set to one line: where, expected, got) when
# ACTUAL does not match GOLDEN. tests/numcmp.c: structure, keys, strings and text byte for
# byte; numbers printed at full precision (%.17g: JSON, CSV) with the tolerance of
# tests/cli/tolerances (default 1e-12 relative), because OpenBLAS's kernel, chosen per CPU,
# moves their last digits. Text tables printed at 4-6 digits stay byte for byte.
golden_differs() {
    why=$($NUMCMP -t "$T/tolerances" ${NUMCMP_OPTS:-} "$1" "$2" 2>&1) && return 1
    why="${why:-numcmp failed} [$1]"
    return 0
}

# expect_golden GOLDEN NAME ARGS... : exit 0 and stdout matching the golden file (golden_differs).
# With CMETA_UPDATE_GOLDEN=1 the golden file is (re)written instead.
expect_golden() {
    golden=$1; name=$2; shift 2
    run_cmd "$@"
    if [ "${CMETA_UPDATE_GOLDEN:-0}" = 1 ]; then cp "$TMP/out" "$golden"; fi
    if [ "$rc" != 0 ]; then bad "$name: exit $rc; stderr: $(head -c 300 "$TMP/err")"
    elif golden_differs "$golden" "$TMP/out"; then bad "$name: $why"
    else ok; fi
}

# expect_stderr CODE 'exact stderr' NAME ARGS... : exit code and stderr equal to the text
# (one line, newline added)
expect_stderr() {
    code=$1; text=$2; name=$3; shift 3
    run_cmd "$@"
    if [ "$rc" != "$code" ]; then bad "$name: exit $rc, expected $code; stderr: $(head -c 300 "$TMP/err")"
    elif [ "$(cat "$TMP/err")" != "$text" ] || [ "$(wc -l <"$TMP/err")" != 1 ]; then
        bad "$name: stderr is '$(cat "$TMP/err")', expected '$text'"
    else ok; fi
}

# expect_golden_stdin GOLDEN INPUT NAME ARGS... : as expect_golden, with INPUT on standard input
expect_golden_stdin() {
    golden=$1; input=$2; name=$3; shift 3
    $CMETA "$@" >"$TMP/out" 2>"$TMP/err" <"$input"
    rc=$?
    if [ "${CMETA_UPDATE_GOLDEN:-0}" = 1 ]; then cp "$TMP/out" "$golden"; fi
    if [ "$rc" != 0 ]; then bad "$name: exit $rc; stderr: $(head -c 300 "$TMP/err")"
    elif golden_differs "$golden" "$TMP/out"; then bad "$name: $why"
    else ok; fi
}

# expect_picture KIND FILE NAME ARGS... : exit 0, FILE written with the format's signature,
# and no temporary file left next to it.
expect_picture() {
    kind=$1; file=$2; name=$3; shift 3
    rm -f "$file"
    run_cmd "$@"
    if [ "$rc" != 0 ]; then bad "$name: exit $rc; stderr: $(head -c 300 "$TMP/err")"; return; fi
    if [ ! -s "$file" ]; then bad "$name: $file not written"; return; fi
    case $kind in
    svg) head -c 5 "$file" | grep -q '<?xml' && tail -c 20 "$file" | grep -q '</svg>' ;;
    png) [ "$(head -c 4 "$file" | tail -c 3)" = PNG ] ;;
    pdf) head -c 5 "$file" | grep -q '%PDF-' && tail -c 8 "$file" | grep -q '%%EOF' ;;
    esac
    if [ $? != 0 ]; then bad "$name: $file is not a well-formed $kind"; return; fi
    if ls "$file".tmp.* >/dev/null 2>&1; then bad "$name: temporary file left behind"; return; fi
    ok
}

# Arguments: the t_*.sh files to run (default: all of them).
[ $# -gt 0 ] || set -- "$T"/t_*.sh
for t_file in "$@"; do
    if [ ! -e "$t_file" ]; then bad "no such test file: $t_file (give the path, e.g. tests/cli/t_pool.sh)"; continue; fi
    t_started=$(date +%s)
    . "$t_file"
    # under valgrind (CMETA_LIGHT), the time of each file, for CI's log
    [ -n "${CMETA_LIGHT:-}" ] && echo "  $(basename "$t_file"): $(($(date +%s) - t_started)) s"
done
echo "cli tests: $pass passed, $fail failed"
[ "$fail" = 0 ]
