#!/bin/sh
# make install into a temporary DESTDIR, as a packager or a user with PREFIX would: then build
# examples/api.c against the installed tree with pkg-config, linked to libcmeta.so and (--static)
# to libcmeta.a, run both, check the SONAME and the links, and `make uninstall` leaves nothing.
# Run by `make install-test` (part of `make check`). BUILD, MAKE from the Makefile.
set -u
: "${BUILD:=build}" "${MAKE:=make}" "${CC:=cc}" "${CFLAGS:=}"
# CFLAGS as the library was built (e.g. the sanitizers of make asan, which need them at link time)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DEST=$TMP/root
PREFIX=/opt/cmeta-test
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: install: $*"; }
so_version=$(sed -n 's/^#define CMETA_VERSION "\([0-9.]*\)".*/\1/p' include/cmeta/status.h)
so_major=${so_version%%.*}

if $MAKE --no-print-directory -s install BUILD="$BUILD" DESTDIR="$DEST" PREFIX="$PREFIX" >"$TMP/install.log" 2>&1; then ok
else bad "make install failed: $(tail -5 "$TMP/install.log")"; exit 1; fi
R=$DEST$PREFIX
for f in bin/cmeta lib/libcmeta.a "lib/libcmeta.so.$so_version" include/cmeta/cmeta.h include/cmeta/status.h \
         lib/pkgconfig/cmeta.pc share/man/man1/cmeta.1 share/bash-completion/completions/cmeta; do
    [ -f "$R/$f" ] && ok || bad "$f not installed"
done
# the links: libcmeta.so -> libcmeta.so.MAJOR -> libcmeta.so.MAJOR.MINOR.PATCH
[ "$(readlink "$R/lib/libcmeta.so")" = "libcmeta.so.$so_major" ] && ok || bad "libcmeta.so -> $(readlink "$R/lib/libcmeta.so")"
[ "$(readlink "$R/lib/libcmeta.so.$so_major")" = "libcmeta.so.$so_version" ] && ok || bad "libcmeta.so.$so_major -> $(readlink "$R/lib/libcmeta.so.$so_major")"
soname=$(readelf -d "$R/lib/libcmeta.so.$so_version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libcmeta.so.$so_major" ] && ok || bad "SONAME is '$soname', expected libcmeta.so.$so_major"
# the installed program runs
"$R/bin/cmeta" --version >/dev/null 2>&1 && ok || bad "installed cmeta --version failed"

# pkg-config against the staged tree: PKG_CONFIG_SYSROOT_DIR prefixes the .pc's -I/-L with DESTDIR
export PKG_CONFIG_PATH="$R/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$DEST"
[ "$(pkg-config --modversion cmeta)" = "$so_version" ] && ok || bad "pkg-config --modversion: $(pkg-config --modversion cmeta 2>&1)"
cflags=$(pkg-config --cflags cmeta) && libs=$(pkg-config --libs cmeta) && slibs=$(pkg-config --static --libs cmeta) ||
    { bad "pkg-config failed: $(pkg-config --libs cmeta 2>&1)"; exit 1; }
# shared: -lcmeta finds libcmeta.so; the program records libcmeta.so.MAJOR
if $CC -std=c11 $CFLAGS $cflags examples/api.c -o "$TMP/api_shared" $libs 2>"$TMP/cc.log"; then ok
else bad "shared build failed: $CC $cflags examples/api.c $libs: $(head -5 "$TMP/cc.log")"; fi
readelf -d "$TMP/api_shared" 2>/dev/null | grep -q "NEEDED.*\[libcmeta.so.$so_major\]" && ok ||
    bad "api (shared) does not need libcmeta.so.$so_major"
# static: libcmeta.a, with Libs.private and Requires.private supplying its dependencies
# (-Bstatic for -lcmeta only: the system libraries stay shared)
slibs_a=$(printf '%s\n' "$slibs" | sed 's/-lcmeta/-Wl,-Bstatic -lcmeta -Wl,-Bdynamic/')
if $CC -std=c11 $CFLAGS $cflags examples/api.c -o "$TMP/api_static" $slibs_a 2>"$TMP/cc.log"; then ok
else bad "static build failed: $CC $cflags examples/api.c $slibs_a: $(head -5 "$TMP/cc.log")"; fi
readelf -d "$TMP/api_static" 2>/dev/null | grep -q 'NEEDED.*libcmeta' && bad "api (static) needs libcmeta.so" || ok
# both give the example's figures (metafor 3.8.1: Normand 1999 MD REML -15.1060, SE 8.9466)
for v in shared static; do
    out=$(LD_LIBRARY_PATH="$R/lib" "$TMP/api_$v" datasets/classic/normand1999.csv MD 2>&1)
    case $out in *"estimate -15.1060 (SE 8.9466)"*) ok ;; *) bad "api ($v): $out" ;; esac
done
# the shared build really loads the installed library
LD_LIBRARY_PATH="$R/lib" ldd "$TMP/api_shared" 2>/dev/null | grep -q "libcmeta.so.$so_major => $R/lib/" && ok ||
    bad "api (shared) does not load $R/lib/libcmeta.so.$so_major"

# uninstall leaves nothing but the directories install created
if $MAKE --no-print-directory -s uninstall BUILD="$BUILD" DESTDIR="$DEST" PREFIX="$PREFIX" >"$TMP/uninstall.log" 2>&1; then ok
else bad "make uninstall failed: $(tail -5 "$TMP/uninstall.log")"; fi
left=$(find "$DEST" ! -type d)
[ -z "$left" ] && ok || bad "left after uninstall: $left"
[ ! -e "$R/include/cmeta" ] && ok || bad "include/cmeta left after uninstall"

echo "install tests: $pass passed, $fail failed"
[ "$fail" = 0 ]
