#!/bin/sh
# bench/diff_table.sh - differential check of the table reader and the data build at the
# library level: build/bench/table_dump (this tree) against the same program linked with
# another tree's library (OLD_DUMP, e.g. main's: `git archive main | tar -x -C DIR`, copy
# bench/table_dump.c there, `make build/bench/table_dump`), on N mutants of every CSV under
# datasets/, examples/ and tests/ (bench/csv_mutants.py: quotes, CR/CRLF, blanks, NUL, BOM,
# bad UTF-8, odd numbers...) and on the files themselves, each fed in chunks of 1, 2, 3, 7,
# 64 and 65536 bytes with the separators , ; tab and auto (decimal ',' with ;).
# Usage: OLD_DUMP=/path/to/old/table_dump sh bench/diff_table.sh [N [SEED]]
set -u
OLD_DUMP=${OLD_DUMP:?set OLD_DUMP to the old tree\'s build/bench/table_dump}
NEW_DUMP=${NEW_DUMP:-./build/bench/table_dump}
N=${1:-2000}
SEED=${2:-1}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SRC=$(find datasets examples tests -type f -name '*.csv' | sort)
python3 bench/csv_mutants.py "$T/m" "$N" "$SEED" $SRC || exit 1
ndiff=0 nrun=0
for f in $SRC $(find tests/fuzz -type f -path '*seed-*') "$T"/m/*.csv; do
    for fmt in "65536 , ." "1 a ." "3 ; ," "7 t ." "2 , ." "64 a ."; do
        set -- $fmt
        "$OLD_DUMP" "$f" "$@" >"$T/old" 2>&1
        "$NEW_DUMP" "$f" "$@" >"$T/new" 2>&1
        nrun=$((nrun + 1))
        if ! cmp -s "$T/old" "$T/new"; then
            ndiff=$((ndiff + 1))
            echo "DIFF: $f (chunk $1 sep $2 decimal $3)"
            diff "$T/old" "$T/new" | head -6
            [ -n "${KEEP:-}" ] && cp "$f" "$KEEP/"
        fi
    done
done
echo "diff_table: $nrun runs, $ndiff differences"
[ "$ndiff" -eq 0 ]
