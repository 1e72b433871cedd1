#!/bin/sh
# The README is tested: every ```console block of README.md is a transcript. Each `$ ` line is a
# command (a line ending in \ continues on the next), run with sh from a copy of the repository
# root (a directory of links to its entries, so outputs such as gosh.csv land in a temporary
# directory) with `cmeta` meaning the built program ($CMETA, build/cmeta). The lines after it, up
# to the next `$ ` or the block's end, are its output: stdout, then stderr, then `(exit N)` when
# the exit status N is not 0. They are compared with tests/numcmp.c in text mode: byte for byte,
# except numbers printed at full precision (%.17g), compared with its 1e-12 relative tolerance.
# Also fails when a `$ cmeta` line stands outside a console block (an untested example) or when
# .ci/run runs a step the README does not show.
#
#   sh tests/readme.sh            check (make readme-test, part of make check)
#   sh tests/readme.sh --update   rewrite every shown output with the program's (make readme-update);
#                                 review with git diff.
set -u
: "${CMETA:=./build/cmeta}" "${NUMCMP:=./build/tests/numcmp}" "${README:=README.md}"
ROOT=$(pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
update=0
# --update, or CMETA_UPDATE_GOLDEN=1 as for the golden files (so that one
# `CMETA_UPDATE_GOLDEN=1 make check` re-syncs goldens and README after an intended output change)
[ "${1:-}" = --update ] || [ "${CMETA_UPDATE_GOLDEN:-0}" = 1 ] && update=1
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
case $CMETA in /*) ;; *) CMETA=$ROOT/$CMETA ;; esac
case $NUMCMP in /*) ;; *) NUMCMP=$ROOT/$NUMCMP ;; esac
BUILD_DIR=$(dirname "$CMETA")

# ---- split the README into commands and expected outputs ----
mkdir -p "$TMP/r" "$TMP/bin" "$TMP/w" "$TMP/tmp"
awk -v dir="$TMP/r" '
    function out(f, s) { print s >> f; close(f) }
    /^```/ {
        if (inblk) { inblk = 0; cont = 0; next }
        inblk = ($0 ~ /^```console[ \t]*$/)
        if (!inblk) fenced = !fenced
        else started = 0
        next
    }
    inblk {
        if (cont) { out(dir "/" n ".cmd", $0); cont = ($0 ~ /\\$/); next }
        if ($0 ~ /^\$ /) {
            n++; started = 1
            out(dir "/" n ".cmd", substr($0, 3)); out(dir "/" n ".line", NR)
            printf "" > (dir "/" n ".exp"); close(dir "/" n ".exp")
            cont = ($0 ~ /\\$/); next
        }
        if (!started) { out(dir "/stray", NR ": output before any command in a console block"); next }
        out(dir "/" n ".exp", $0); next
    }
    # an example outside a console block would never be run
    /^[ \t]*\$ cmeta / { out(dir "/stray", NR ": `$ cmeta` outside a ```console block: " $0) }
    END { print n + 0 > (dir "/count") }
' "$README"
n=$(cat "$TMP/r/count")
if [ -s "$TMP/r/stray" ]; then
    while IFS= read -r l; do bad "$README:$l"; done <"$TMP/r/stray"
else ok; fi

# ---- the copy of the root: links to every entry, build -> the build directory in use ----
for e in "$ROOT"/* "$ROOT"/.ci; do
    [ -e "$e" ] || continue
    [ "$(basename "$e")" = build ] && continue
    ln -s "$e" "$TMP/w/$(basename "$e")"
done
ln -s "$BUILD_DIR" "$TMP/w/build"
ln -s "$CMETA" "$TMP/bin/cmeta"

# ---- run and compare ----
i=1
while [ "$i" -le "$n" ]; do
    line=$(cat "$TMP/r/$i.line")
    (cd "$TMP/w" && PATH="$TMP/bin:$PATH" TMPDIR="$TMP/tmp" LC_ALL=C sh -c "$(cat "$TMP/r/$i.cmd")" \
        >"$TMP/r/$i.out" 2>"$TMP/r/$i.err" </dev/null)
    rc=$?
    cat "$TMP/r/$i.out" "$TMP/r/$i.err" >"$TMP/r/$i.act"
    [ "$rc" = 0 ] || echo "(exit $rc)" >>"$TMP/r/$i.act"
    if [ "$update" = 1 ]; then :
    elif why=$("$NUMCMP" --text "$TMP/r/$i.exp" "$TMP/r/$i.act" 2>&1); then ok
    else bad "$README:$line: \$ $(head -1 "$TMP/r/$i.cmd"): ${why:-numcmp failed}"; fi
    i=$((i + 1))
done

# ---- .ci/run runs nothing the README does not show ----
if [ -f .ci/run ]; then
    sed -n 's/^step "\(.*\)"$/\1/p' .ci/run >"$TMP/ci_steps"
    [ -s "$TMP/ci_steps" ] || bad ".ci/run: no step \"...\" lines found"
    while IFS= read -r s; do
        if grep -qxF -- "$s" "$README"; then ok; else bad "$README does not show the CI step '$s' (.ci/run) on a line of its own"; fi
    done <"$TMP/ci_steps"
fi

# ---- --update: each command's output replaced by what the program printed ----
if [ "$update" = 1 ]; then
    awk -v dir="$TMP/r" '
        function dump(  f, l) { f = dir "/" n ".act"; while ((getline l < f) > 0) print l; close(f) }
        /^```/ {
            if (inblk) { inblk = 0; print; next }
            inblk = ($0 ~ /^```console[ \t]*$/); print; next
        }
        inblk {
            if (cont) { print; cont = ($0 ~ /\\$/); if (!cont) dump(); next }
            if ($0 ~ /^\$ /) { n++; print; cont = ($0 ~ /\\$/); if (!cont) dump(); next }
            next
        }
        { print }
    ' "$README" >"$TMP/readme.new" && cat "$TMP/readme.new" >"$README"
    echo "readme: $n command outputs rewritten in $README (review with git diff)"
    exit 0
fi
echo "readme tests: $pass passed, $fail failed ($n commands)"
[ "$fail" = 0 ]
