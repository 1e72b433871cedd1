#!/bin/sh
# layers.sh - the library's layering, checked from the object files' symbol tables (nm).
#
#   sh tests/layers.sh [BUILD]             check BUILD/obj (default build)
#   sh tests/layers.sh --selftest [BUILD]  show that the check fails on a back-reference
#
# Rules (house.md, "The layers"):
#  1. every src/lib object is in the layer list below (a new file must be placed);
#  2. a library file calls only files of its own layer or below, and no two library files
#     call each other, directly or round a longer circle (the call graph has no cycle);
#  3. no library object references a symbol the program (src/cli) defines;
#  4. the program references, of the library's symbols, only exported cmeta_ names (in the
#     dynamic symbol table of libcmeta.so), never private cmeta__ ones;
#  5. no library object calls BLAS/LAPACK, cairo or fontconfig directly: they are loaded
#     behind one seam each (linalg.c for OpenBLAS, plot_cairo.c for cairo).
# Exit 0 when all hold, 1 with one line per broken rule otherwise.
set -u

# The layer list, bottom to top: a file (src/lib/NAME.c, shell patterns) and its layer.
LAYERS='
0 status
1 linalg dist threads numparse sha256
2 table colmap effect data mixed design reported
3 method llcheck tau2 qprofile hakn rma mh fit batchfit mv
4 subgroup leave1out cumul regtest influence ranktest trimfill fsn resample boot permtest gosh bayes risweep diagplot mv_compare robust
5 report* plot_*
'
# 6: the program (src/cli)

selftest=0
if [ "${1:-}" = --selftest ]; then selftest=1; shift; fi
BUILD=${1:-build}
LIBDIR=$BUILD/obj/src/lib
CLIDIR=$BUILD/obj/src/cli
NM=${NM:-nm}
SRCDIR=src/lib

# the layer list as "PATTERN LAYER" lines
layer_pats() { echo "$LAYERS" | awk 'NF { for (i = 2; i <= NF; i++) print $i, $1 }'; }

check() { # LIBDIR CLIDIR SOLIB -> 0 / 1
    ldir=$1 cdir=$2 solib=$3
    tmp=$(mktemp -d)
    fail=0
    # the objects whose source exists (a stale object of a removed file is not the library's)
    : >"$tmp/lobj"; : >"$tmp/cobj"
    for o in "$ldir"/*.o; do b=${o##*/}; [ -f "$SRCDIR/${b%.o}.c" ] && echo "$o" >>"$tmp/lobj"; done
    for o in "$cdir"/*.o; do b=${o##*/}; [ -f "src/cli/${b%.o}.c" ] && echo "$o" >>"$tmp/cobj"; done
    # each object's layer (shell patterns of the list, first match)
    layer_pats >"$tmp/pats"
    while read -r o; do
        b=${o##*/} l=
        b=${b%.o}
        while read -r pat n; do
            # shellcheck disable=SC2254
            case $b in $pat) l=$n; break ;; esac
        done <"$tmp/pats"
        if [ -z "$l" ]; then echo "layers: src/lib/$b.c is in no layer (add it to the list in tests/layers.sh)"; fail=1; continue; fi
        echo "$b $l" >>"$tmp/layer"
    done <"$tmp/lobj"
    : >>"$tmp/layer"
    # defined globals: SYMBOL FILE (library), SYMBOL (program); undefined: SYMBOL FILE
    # (nm -A prefixes each line with the object's path)
    syms() { # nm options, list file -> "SYMBOL FILE"
        lst=$1; shift
        [ -s "$lst" ] || return 0
        # shellcheck disable=SC2046
        $NM -A "$@" $(cat "$lst") | awk '{ f = $1; sub(/:.*/, "", f); n = split(f, parts, "/"); b = parts[n]; sub(/\.o$/, "", b); print $NF, b }'
    }
    syms "$tmp/lobj" -g --defined-only >"$tmp/libdef"
    syms "$tmp/lobj" -u >"$tmp/libund"
    syms "$tmp/cobj" -g --defined-only | awk '{ print $1 }' >"$tmp/clidef"
    syms "$tmp/cobj" -u >"$tmp/cliund"
    # rule 2: edges FROM TO with layers, upward references and cycles
    awk 'FILENAME == ARGV[1] { def[$1] = $2; next }
         FILENAME == ARGV[2] { lay[$1] = $2; next }
         ($1 in def) && def[$1] != $2 { e = $2 " " def[$1]; if (!(e in seen)) { seen[e] = 1; print $2, def[$1], $1, lay[$2], lay[def[$1]] } }' \
        "$tmp/libdef" "$tmp/layer" "$tmp/libund" >"$tmp/edges"
    awk '$5 > $4 { printf "layers: %s (layer %s) calls %s (layer %s, above it): %s\n", $1, $4, $2, $5, $3; bad = 1 }
         END { exit bad }' "$tmp/edges" || fail=1
    if ! awk '{ print $1, $2 }' "$tmp/edges" | tsort >/dev/null 2>"$tmp/tsort"; then
        echo "layers: library files call each other (a cycle): $(grep -v '^tsort: -:' "$tmp/tsort" | sed 's/^tsort: //' | tr '\n' ' ')"
        fail=1
    fi
    # rule 3: the library never references a program symbol
    awk 'FILENAME == ARGV[1] { cli[$1] = 1; next } ($1 in cli) { printf "layers: src/lib/%s.c references %s, defined by the program\n", $2, $1; bad = 1 }
         END { exit bad }' "$tmp/clidef" "$tmp/libund" || fail=1
    # rule 4: the program uses only exported cmeta_ names of the library
    if [ -f "$solib" ]; then $NM -D --defined-only "$solib" | awk '{ print $NF }' >"$tmp/exported"; else : >"$tmp/exported"; fi
    awk 'FILENAME == ARGV[1] { lib[$1] = 1; next } FILENAME == ARGV[2] { dyn[$1] = 1; next }
         ($1 in lib) && ($1 !~ /^cmeta_/ || $1 ~ /^cmeta__/ || !($1 in dyn)) {
             printf "layers: the program (src/cli/%s.c) uses %s, not an exported cmeta_ symbol of the library\n", $2, $1; bad = 1 }
         END { exit bad }' "$tmp/libdef" "$tmp/exported" "$tmp/cliund" || fail=1
    # rule 5: the optional heavy libraries only behind their seams
    awk '$1 ~ /^(cblas_|cairo_|Fc[A-Z])/ || $1 ~ /^(dpotrf|dpotri|dsyev|dgemm|dgesv|dtrsm)_$/ {
             printf "layers: src/lib/%s.c calls %s directly (use the seam: linalg.c / plot_cairo.c)\n", $2, $1; bad = 1 }
         END { exit bad }' "$tmp/libund" || fail=1
    rm -rf "$tmp"
    return $fail
}

if [ $selftest = 0 ]; then
    if check "$LIBDIR" "$CLIDIR" "$BUILD/libcmeta.so"; then
        echo "layers: $(ls src/lib/*.c | wc -l) library files, one-way, no cycles, the program on the public API"
        exit 0
    fi
    exit 1
fi

# Self-test: the check passes on a copy of the objects, and fails once a back-reference is
# added (the status layer calling the fit; tau2.c and rma.c calling each other; the
# library calling the program; the program calling a private symbol; a direct BLAS call).
CC=${CC:-cc}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/lib" "$T/cli"
cp "$LIBDIR"/*.o "$T/lib/" && cp "$CLIDIR"/*.o "$T/cli/" || exit 1
SO=$BUILD/libcmeta.so
status=0
if ! check "$T/lib" "$T/cli" "$SO" >"$T/out"; then
    echo "layers selftest: the unmodified objects fail:"; cat "$T/out"; exit 1
fi
# add_probe OBJECT 'C source' : link the probe into a copy of OBJECT (ld -r)
probe() {
    kind=$1 obj=$2 src=$3
    rm -rf "$T/case"; mkdir -p "$T/case/lib" "$T/case/cli"
    cp "$T/lib/"*.o "$T/case/lib/"; cp "$T/cli/"*.o "$T/case/cli/"
    printf '%s\n' "$src" >"$T/probe.c"
    $CC -c -o "$T/probe.o" "$T/probe.c" || exit 1
    ld -r -o "$T/merged.o" "$T/case/$kind/$obj.o" "$T/probe.o" && mv "$T/merged.o" "$T/case/$kind/$obj.o"
    if check "$T/case/lib" "$T/case/cli" "$SO" >"$T/out"; then
        echo "layers selftest: FAILED to notice: $4"; status=1
    else
        echo "layers selftest: caught $4: $(head -n 1 "$T/out")"
    fi
}
probe lib status 'void cmeta_rma(void); void cmeta__probe1(void); void cmeta__probe1(void) { cmeta_rma(); }' \
    "status.c calling the fit (a back-reference)"
probe lib tau2 'void cmeta_rma(void); void cmeta__probe2(void); void cmeta__probe2(void) { cmeta_rma(); }' \
    "tau2.c and rma.c calling each other (same layer, a cycle)"
probe lib rma 'void cli_remove_tmp_files(void); void cmeta__probe3(void); void cmeta__probe3(void) { cli_remove_tmp_files(); }' \
    "the library calling a program symbol"
probe cli main 'void cmeta__tau2(void); void probe4(void); void probe4(void) { cmeta__tau2(); }' \
    "the program calling a private cmeta__ symbol"
probe lib batchfit 'void cblas_dgemm(void); void cmeta__probe5(void); void cmeta__probe5(void) { cblas_dgemm(); }' \
    "a direct BLAS call outside the seam"
exit $status
