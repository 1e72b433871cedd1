# gosh --plot: the GOSH plot picture (sourced by run.sh).
D=tests/cli/data

# --plot alone (no -o): summary on stdout names the picture
expect_picture png "$TMP/g.png" "gosh --plot png without -o" gosh $D/bcg.csv --measure RR --method DL --plot "$TMP/g.png"
grep -q "^plot: $TMP/g.png\$" "$TMP/out" && grep -q "8191 (all) subsets" "$TMP/out" && ok || bad "gosh --plot text summary: $(cat "$TMP/out")"
# with -o F.csv: both files whole
expect_picture svg "$TMP/g.svg" "gosh --plot svg with -o csv" gosh $D/bcg.csv --measure RR --method DL -o "$TMP/g.csv" --plot "$TMP/g.svg"
[ "$(wc -l <"$TMP/g.csv")" = 8192 ] && ok || bad "gosh --plot with -o: CSV has $(wc -l <"$TMP/g.csv") lines"
# the same run draws the same SVG
$CMETA gosh $D/bcg.csv --measure RR --method DL --plot "$TMP/g2.svg" >/dev/null 2>&1
cmp -s "$TMP/g.svg" "$TMP/g2.svg" && ok || bad "gosh --plot: SVG differs between runs"
# PDF, random subsets, JSON names the plot
expect_picture pdf "$TMP/g.pdf" "gosh --plot pdf random REML json" gosh $D/bcg_rr.csv --subsets 2000 --seed 3 --format json --plot "$TMP/g.pdf"
grep -qF "\"plot\":\"$TMP/g.pdf\"" "$TMP/out" && ok || bad "gosh --plot json lacks the plot key: $(cat "$TMP/out")"
# CSV on stdout and the picture
rm -f "$TMP/c.svg"
run_cmd gosh $D/bcg6_rr.csv --method FE --format csv --plot "$TMP/c.svg"
[ "$rc" = 0 ] && [ "$(wc -l <"$TMP/out")" = 64 ] && [ -s "$TMP/c.svg" ] && ok || bad "gosh --format csv --plot: rc $rc"
# errors: nothing is written, not even the CSV
mkdir -p "$TMP/gx"
expect_error 1 "unknown picture format" "gosh --plot bad extension" gosh $D/bcg.csv --measure RR -o "$TMP/gx/g.csv" --plot "$TMP/gx/g.jpg"
[ -z "$(ls "$TMP/gx")" ] && ok || bad "gosh --plot bad extension left files: $(ls "$TMP/gx")"
expect_error 4 "cannot write" "gosh --plot unwritable" gosh $D/bcg.csv --measure RR -o "$TMP/gx/g.csv" --plot "$TMP/gx/no/such/g.svg"
[ -z "$(ls "$TMP/gx")" ] && ok || bad "gosh --plot unwritable left files: $(ls "$TMP/gx")"
expect_error 1 "needs a file" "gosh --plot to stdout" gosh $D/bcg.csv --measure RR --plot -
expect_error 1 "--plot needs a value" "gosh --plot without a value" gosh $D/bcg.csv --plot
expect_error 1 "--plot is not an option of funnel" "--plot elsewhere is not accepted silently" funnel $D/bcg.csv --measure RR --plot "$TMP/gx/p.svg" -o "$TMP/gx/f.svg"
