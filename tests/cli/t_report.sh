# Report layer (issue 12 item 4, issue 14 items 4 and 6): text numbers as R formats them,
# never cut and never the noise digits of a huge fixed-notation number; control bytes of
# labels escaped in text output; the level stated.
R=$TMP/report
mkdir -p "$R"
printf 'study,yi,vi\nA\033[31m,-3e45,1\nB\007,-3e45,2\nC,-3e45,3\n' >"$R/big.csv"
printf 'study,yi,vi\nA,2e100,1\nB,2e100,2\nC,2.1e100,3\n' >"$R/big2.csv"

# no run of more than 17 digits, no raw control byte (other than the line feed)
report_text_ok() {
    name=$1
    if [ "$rc" != 0 ]; then bad "$name: exit $rc; stderr: $(head -c 300 "$TMP/err")"
    elif grep -qE '[0-9]{18}' "$TMP/out"; then bad "$name: a number of more than 17 digits: $(grep -E '[0-9]{18}' "$TMP/out" | head -2)"
    elif LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$TMP/out"; then bad "$name: raw control byte in the text output"
    else ok; fi
}

for cmd in pool loo cumul; do
    run_cmd $cmd "$R/big.csv"
    report_text_ok "report: $cmd text, yi = -3e45"
    grep -qF -- '-3.0000e+45' "$TMP/out" && ok || bad "report: $cmd text lacks -3.0000e+45"
done
run_cmd pool "$R/big.csv"
grep -qF 'A\x1b[31m' "$TMP/out" && grep -qF 'B\x07' "$TMP/out" && ok || bad "report: labels not escaped as \\xHH"
run_cmd pool "$R/big2.csv" --method FE
report_text_ok "report: pool text, yi = 2e100"
grep -qF '2.0182e+100' "$TMP/out" && ok || bad "report: Model Results lack 2.0182e+100"
run_cmd influence "$R/big2.csv" --method FE
report_text_ok "report: influence text, yi = 2e100"
run_cmd pool tests/cli/data/bcg6_rr.csv --level 90
grep -qF 'Model Results (90% CI):' "$TMP/out" && grep -qF 'Studies (90% CI):' "$TMP/out" && ok ||
    bad "report: the text does not state the 90% level"
