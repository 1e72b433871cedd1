#!/bin/sh
# report_chromium.sh - the HTML reports opened in headless Chromium (make browser-test; part of
# make test when Chromium and node are installed, else skipped with a message and exit 0).
#
# Reports of the lupus responders (the data set of make run), of the BCG trials (plain and by
# allocation), of a file with hostile labels, and batch --report's index page are opened through
# the Chrome DevTools Protocol (tests/browser/cdp_check.js, node's built-in modules only; Chromium
# runs --headless --no-sandbox --disable-gpu): no console error or exception, no request beyond
# the page, no horizontal overflow at 1280 and 390 px, the sections and SVG figures there, and
# each page printed to PDF.
#
#   CMETA=./build/cmeta sh tests/report_chromium.sh
# CHROMIUM names the browser (default: chromium, chromium-browser, google-chrome on PATH).
set -u
: "${CMETA:=./build/cmeta}"
chromium=${CHROMIUM:-}
if [ -z "$chromium" ]; then
    for c in chromium chromium-browser google-chrome; do
        if command -v "$c" >/dev/null 2>&1; then chromium=$c; break; fi
    done
fi
if [ -z "$chromium" ]; then
    echo "browser test: SKIP (no chromium on PATH; apt-get install chromium to run it)"
    exit 0
fi
if ! command -v node >/dev/null 2>&1; then
    echo "browser test: SKIP (no node on PATH, which drives Chromium)"
    exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
start=$(date +%s)
fail=0
mk() { # OUT ARGS...: a report, or the test fails
    out=$1; shift
    if ! $CMETA report "$@" -o "$out" 2>"$T/err"; then echo "FAIL: cmeta report $*: $(head -c 300 "$T/err")"; fail=1; fi
}
mk "$T/lupus.html" datasets/lupus/responders.csv --measure PLO
mk "$T/bcg.html" datasets/classic/bcg.csv --measure RR
mk "$T/bcg_alloc.html" datasets/classic/bcg.csv --measure RR --subgroup alloc
printf '%s\n' 'study,yi,vi,"<img src=x onerror=alert(1)>"' '"<script>alert(""x"")</script>",0.1,0.02,"a&b"' \
    '"Tom & Jerry ""T&J"" '"'single'"'",0.3,0.05,"<b>bold</b>"' \
    '"A study label long enough to test that a long label does not make the page wider than the window",0.2,0.04,x' \
    >"$T/hostile.csv"
mk "$T/hostile.html" "$T/hostile.csv"
mkdir -p "$T/in"
cp datasets/classic/bcg.csv "$T/in/bcg.csv"
cp tests/cli/data/bcg.csv "$T/in/bcg short.csv"
$CMETA batch "$T/in" --out "$T/out" --measure RR --report >/dev/null 2>"$T/err" ||
    { echo "FAIL: cmeta batch --report: $(head -c 300 "$T/err")"; fail=1; }
[ "$fail" = 0 ] || exit 1
node tests/browser/cdp_check.js "$chromium" "$T" "$T/lupus.html:report" "$T/bcg.html:report" "$T/bcg_alloc.html:report" \
    "$T/hostile.html:report,hostile" "$T/out/index.html:index" || fail=1
echo "browser test: $([ $fail = 0 ] && echo passed || echo FAILED) in $(($(date +%s) - start)) s ($($chromium --version 2>/dev/null | head -1))"
exit $fail
