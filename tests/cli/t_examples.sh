# The examples reproduce their published figures (sourced by run.sh): examples/run_all.sh exits
# non-zero if any figure misses at the printed precision; the C API example matches metafor.
EXB=$(dirname "${CMETA##* }")
API="$EXB/examples/api"
if [ ! -x "$API" ]; then make --no-print-directory BUILD="$EXB" examples >/dev/null 2>&1; fi
if CMETA="$CMETA" CMETA_API_EXAMPLE="$API" sh examples/run_all.sh >"$TMP/examples.out" 2>&1; then ok
else bad "examples/run_all.sh: $(grep -E 'MISS|FAILED|exit [0-9]' "$TMP/examples.out" | head -10)"; fi
# metafor 3.8.1: rma(measure = "MD", ..., data = dat.normand1999) (REML, vtype LS)
"$API" datasets/classic/normand1999.csv MD >"$TMP/api.out" 2>&1
if grep -q 'estimate -15.1060 (SE 8.9466), 95% CI -32.6409 to 2.4289' "$TMP/api.out" &&
   grep -q 'tau^2 684.6462' "$TMP/api.out"; then ok
else bad "examples/api: $(cat "$TMP/api.out")"; fi
"$API" datasets/classic/normand1999.csv NOPE >/dev/null 2>&1
if [ $? = 1 ]; then ok; else bad "examples/api: unknown measure should exit 1"; fi
