#!/bin/sh
# tests/funclen.sh - no function in src/ over 120 lines unless a comment just above it says
# why ("lines on purpose"): house.md's rule, checked by `make layers` (part of make test).
# A function here is a block whose "{" and "}" stand at column 0 after a line holding "(",
# which is how every function in src/ is written (clang-format's Linux brace style).
# Usage: sh tests/funclen.sh [MAX]   (MAX defaults to 120)
# --selftest: shows that a long function without a reason is caught.
MAX=120
check() {
    awk -v max="$MAX" '
        FNR == 1 { n = 0 }
        { line[++n] = $0 }
        /^\{/ { start = FNR; sig = FNR - 1; while (sig > 1 && line[sig] !~ /\(/) sig--; next }
        /^\}/ && start {
            len = FNR - start + 1
            if (len > max) {
                why = 0
                for (i = sig - 1; i > 0 && i >= sig - 15; i--) if (line[i] ~ /lines on purpose/) why = 1
                if (!why) { printf "%s:%d: %d lines without a reason: %s\n", FILENAME, sig, len, line[sig]; bad = 1 }
            }
            start = 0
        }
        END { exit bad }' "$@"
}
if [ "${1:-}" = --selftest ]; then
    t=$(mktemp) || exit 1
    trap 'rm -f "$t"' EXIT
    { printf 'static int f(void)\n{\n'; i=0; while [ $i -lt 130 ]; do echo "    x++;"; i=$((i + 1)); done; printf '}\n'; } >"$t"
    if check "$t" >/dev/null; then echo "funclen selftest: a 132-line function was not caught"; exit 1; fi
    { printf '/* One function of 132 lines on purpose: a test. */\n'; cat "$t"; } >"$t.2" && mv "$t.2" "$t"
    check "$t" >/dev/null || { echo "funclen selftest: the reason comment was not seen"; exit 1; }
    echo "funclen selftest: a long function is caught, a stated reason is accepted"
    exit 0
fi
[ -n "${1:-}" ] && MAX=$1
if out=$(check src/lib/*.c src/cli/*.c); then
    echo "funclen: no function in src/ over $MAX lines without a reason"
else
    printf '%s\n' "$out"; exit 1
fi
