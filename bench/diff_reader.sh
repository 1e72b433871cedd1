#!/bin/sh
# bench/diff_reader.sh - differential check of the CSV reader and the data build: runs two
# cmeta binaries (OLD, NEW) over every file given (default: every CSV under datasets/,
# examples/, tests/, and every file of the fuzz corpora tests/fuzz/seed-*) with commands that
# read a table (escalc with and without a measure, pool in text and JSON, --sep auto,
# --sep ';' --decimal ',', standard input, forest) and compares stdout,
# stderr and the exit status byte for byte. Prints each difference; exit 1 if any.
# Usage: OLD=/work/base/cmeta NEW=./build/cmeta sh bench/diff_reader.sh [FILE...]
set -u
OLD=${OLD:-/work/base/cmeta}
NEW=${NEW:-./build/cmeta}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if [ $# -eq 0 ]; then
    set -- $( (find datasets examples tests -type f -name '*.csv'; find tests/fuzz -type f -path '*seed-*') | sort -u)
fi
nfiles=0 nruns=0 ndiff=0
run() { # run BIN OUTPREFIX ARGS...
    b=$1 o=$2; shift 2
    if [ "$1" = "-stdin" ]; then
        shift; f=$1; shift
        "$b" "$@" - <"$f" >"$o.out" 2>"$o.err"; echo $? >"$o.rc"
    else
        "$b" "$@" >"$o.out" 2>"$o.err"; echo $? >"$o.rc"
    fi
}
for f in "$@"; do
    nfiles=$((nfiles + 1))
    for args in "escalc F" "escalc F --measure SMD" "pool F --format json" \
                "pool F --sep auto" "pool F --sep ; --decimal , --format json" "-stdin F escalc" \
                "forest F -o FIG"; do
        # the file's name in place of F, the figure (compared too) in place of FIG
        set -f
        a=$(printf '%s' "$args" | sed "s|FIG|$T/fig|")
        set -- $a
        set +f
        for side in old new; do
            b=$OLD; [ $side = new ] && b=$NEW
            rm -f "$T/fig"
            # F is the file: rebuild the argument list with it
            n=$#; i=0; for x in "$@"; do i=$((i + 1)); [ "$x" = F ] && x=$f; set -- "$@" "$x"; done
            shift $n
            run "$b" "$T/$side" "$@"
            [ -f "$T/fig" ] && mv "$T/fig" "$T/$side.fig" || : >"$T/$side.fig"
            # restore the template for the second side
            set -f; set -- $a; set +f
        done
        nruns=$((nruns + 1))
        sed "s|$T/fig|FIG|g" "$T/old.err" >"$T/old.e2"; sed "s|$T/fig|FIG|g" "$T/new.err" >"$T/new.e2"
        if ! cmp -s "$T/old.out" "$T/new.out" || ! cmp -s "$T/old.e2" "$T/new.e2" ||
           ! cmp -s "$T/old.rc" "$T/new.rc" || ! cmp -s "$T/old.fig" "$T/new.fig"; then
            ndiff=$((ndiff + 1))
            echo "DIFF: $args  [F=$f]"
            diff "$T/old.e2" "$T/new.e2" | head -5
            echo "rc $(cat "$T/old.rc") vs $(cat "$T/new.rc")"
        fi
    done
done
echo "diff_reader: $nfiles files, $nruns runs per binary, $ndiff differences ($OLD vs $NEW)"
[ "$ndiff" -eq 0 ]
