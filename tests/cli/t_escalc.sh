# cmeta escalc: golden outputs on real data, and every validation rule with its exact
# one-line message (sourced by run.sh; $T is tests/cli).
D=$T/data
G=$T/golden

# ---- golden outputs (metadat datasets; values checked against metafor in tests/test_data.c)
expect_golden "$G/escalc_bcg_RR.csv" "escalc bcg RR" escalc "$D/bcg_full.csv" --measure RR
expect_golden "$G/escalc_bcg_counts_OR.csv" "escalc bcg counts OR" escalc "$D/bcg_counts.csv" --measure OR
expect_golden "$G/escalc_normand_SMD.csv" "escalc normand SMD" escalc "$D/normand1999.csv" --measure SMD
expect_golden "$G/escalc_normand_MD_HO.csv" "escalc normand MD HO" escalc "$D/normand1999.csv" --measure MD --vtype HO
expect_golden_stdin "$G/escalc_pritz_PLO.csv" "$D/pritz1997.csv" "escalc stdin" escalc - --measure PLO
expect_golden "$G/escalc_missing_values.csv" "escalc missing values" escalc "$D/missing_values.csv" --measure MD
expect_golden "$G/escalc_prepost_ri.csv" "escalc --ri" escalc "$D/prepost_no_ri.csv" --measure MC --ri 0.5
expect_golden "$G/escalc_bcg_OR_all.csv" "escalc --add --to" escalc "$D/bcg_full.csv" --measure OR --add 1 --to all
# cells echoed as written, quoted only when they hold , " CR or LF (rows without such a cell are
# copied whole: labels longer than eight bytes with the comma past the eighth, CRLF inside a
# quoted label, a quoted last cell of the last row); golden checked with Python's csv module
expect_golden "$G/escalc_quoting_SMD.csv" "escalc quoting" escalc "$D/escalc_quoting.csv" --measure SMD
expect_golden "$G/escalc_quoting_last_MD.csv" "escalc quoting, last row" escalc "$D/escalc_quoting_last.csv" --measure MD

# the warnings for left-out studies, one line each, on stderr
run_cmd escalc "$D/missing_values.csv" --measure MD
if [ "$(cat "$TMP/err")" = "cmeta: warning: study 'B' (line 4) left out: missing sd1i, sd2i" ]; then ok
else bad "escalc missing values warning: $(cat "$TMP/err")"; fi

# -o writes the same bytes atomically, leaving no temporary file
OUTD=$TMP/o
mkdir -p "$OUTD"
run_cmd escalc "$D/bcg_full.csv" --measure RR -o "$OUTD/bcg.csv"
if [ "$rc" = 0 ] && ! golden_differs "$G/escalc_bcg_RR.csv" "$OUTD/bcg.csv" && [ ! -s "$TMP/out" ] &&
   [ "$(ls "$OUTD")" = "bcg.csv" ]; then ok; else bad "escalc -o: rc $rc, $(ls "$OUTD")"; fi
# a failed run leaves the old file as it was
cp "$OUTD/bcg.csv" "$TMP/bcg.before"
run_cmd escalc "$D/bad_sd.csv" --measure SMD -o "$OUTD/bcg.csv"
if [ "$rc" = 2 ] && cmp -s "$OUTD/bcg.csv" "$TMP/bcg.before" && [ "$(ls "$OUTD")" = "bcg.csv" ]; then ok
else bad "escalc -o on failure: rc $rc, $(ls "$OUTD")"; fi
expect_exit 4 "escalc -o into a missing directory" escalc "$D/bcg_full.csv" --measure RR -o "$TMP/nodir/x.csv"

# ---- validation rules: exit 2 and exactly one line naming file, line, column, study, rule
expect_stderr 2 "cmeta: $D/bad_sd.csv:3:3: study 'B': sd1i must be > 0 (got -1.2)" \
    "rule SD > 0" escalc "$D/bad_sd.csv" --measure SMD
expect_stderr 2 "cmeta: $D/bad_n.csv:3:4: study 'B': n1i must be >= 1 for MD (got 0)" \
    "rule n >= 1" escalc "$D/bad_n.csv" --measure MD
expect_stderr 2 "cmeta: $D/bad_n2.csv:2:7: study 'A': n2i must be >= 2 for SMDH (got 1)" \
    "rule n >= 2 (SMDH)" escalc "$D/bad_n2.csv" --measure SMDH
expect_stderr 2 "cmeta: $D/bad_events_neg.csv:3:2: study 'B': ai must be >= 0 (got -1)" \
    "rule events >= 0" escalc "$D/bad_events_neg.csv" --measure OR
expect_stderr 2 "cmeta: $D/bad_events_gt_n.csv:2:2: study 'A': ai must be <= n1i (got ai=12, n1i=10)" \
    "rule events <= n" escalc "$D/bad_events_gt_n.csv" --measure RR
expect_stderr 2 "cmeta: $D/bad_prop_gt_n.csv:3:2: study 'B': xi must be <= ni (got xi=12, ni=10)" \
    "rule xi <= ni" escalc "$D/bad_prop_gt_n.csv" --measure PR
expect_stderr 2 "cmeta: $D/bad_r.csv:3:2: study 'B': ri must be <= 1 (got 1.2)" \
    "rule |r| <= 1" escalc "$D/bad_r.csv" --measure COR
expect_stderr 2 "cmeta: $D/bad_vi.csv:3:3: study 'B': vi must be > 0 (got 0)" \
    "rule vi > 0" escalc "$D/bad_vi.csv"
expect_stderr 2 "cmeta: $D/bad_sei.csv:2:3: study 'A': sei must be > 0 (got -0.2)" \
    "rule sei > 0" escalc "$D/bad_sei.csv"
expect_stderr 2 "cmeta: $D/bad_text.csv:2:3: study 'A': sd1i: 'abc' is not a number" \
    "rule text in a number" escalc "$D/bad_text.csv" --measure SMD
expect_stderr 2 "cmeta: $D/bad_inf.csv:2:2: study 'A': m1i: 'Inf' is not a finite number" \
    "rule inf" escalc "$D/bad_inf.csv" --measure SMD
expect_stderr 2 "cmeta: $D/bad_nan.csv:2:5: study 'A': m2i: 'NaN' is not a finite number" \
    "rule nan" escalc "$D/bad_nan.csv" --measure SMD
expect_stderr 2 "cmeta: $D/multiline_label.csv:4:4: study 'Jones': n1i: 'x' is not a number" \
    "line numbers after a multi-line label" escalc "$D/multiline_label.csv" --measure SMD
expect_stderr 2 "cmeta: $D/missing_column.csv:1: measure SMD needs a column sd2i (or sd2, sd.c)" \
    "rule required column" escalc "$D/missing_column.csv" --measure SMD
expect_stderr 2 "cmeta: $D/prepost_no_ri.csv:1: pre/post measure MC needs the pre-post correlation: add an ri column or use --ri" \
    "rule pre/post needs ri" escalc "$D/prepost_no_ri.csv" --measure MC
expect_stderr 2 "cmeta: $D/ragged.csv:3:7: row has 6 fields, header has 7" \
    "rule ragged row" escalc "$D/ragged.csv" --measure SMD
expect_stderr 2 "cmeta: $D/dup_column.csv:1:5: duplicated column: 'm1i' and 'mean.e' (column 2) both give m1i" \
    "rule duplicated column" escalc "$D/dup_column.csv" --measure SMD
expect_stderr 2 "cmeta: $D/unterminated.csv:3:1: unterminated quoted field: the quote opened here is never closed" \
    "rule unterminated quote" escalc "$D/unterminated.csv" --measure SMD
expect_stderr 2 "cmeta: $D/bad_utf8.csv:3:1: invalid UTF-8 (byte 0xE9): save the file as UTF-8" \
    "rule invalid UTF-8" escalc "$D/bad_utf8.csv" --measure SMD
expect_stderr 2 "cmeta: $D/empty.csv:1: the file is empty: expected a header row" \
    "rule empty file" escalc "$D/empty.csv" --measure SMD
printf 'study,yi,vi\nA,1,0.1\nB,2\0,0.2\n' >"$TMP/nul.csv"
expect_stderr 2 "cmeta: $TMP/nul.csv:3:2: NUL byte in the file (is it a text CSV file?)" \
    "rule NUL byte" escalc "$TMP/nul.csv"
printf 'study,yi,vi\nA,,0.1\nB,NA,0.2\n' >"$TMP/allmissing.csv"
run_cmd escalc "$TMP/allmissing.csv"
# the warnings that explain the error come first (issue 14)
if [ "$rc" = 2 ] && [ "$(tail -n 1 "$TMP/err")" = "cmeta: $TMP/allmissing.csv: no studies with complete data" ] &&
   [ "$(wc -l <"$TMP/err")" = 3 ]; then ok; else bad "escalc no complete studies: rc $rc: $(cat "$TMP/err")"; fi

# ---- usage and I/O errors
expect_stderr 1 "cmeta: --measure is required; the columns fit: OR, RR, RD, PETO, AS" \
    "escalc without --measure" escalc "$D/bcg_full.csv"
expect_error 1 "--measure: 'XYZ' is not one of SMD," "escalc unknown measure" escalc "$D/bcg_full.csv" --measure XYZ
expect_error 1 "unknown option '--bogus'" "escalc unknown option" escalc "$D/bcg_full.csv" --bogus 1
expect_error 1 "expected one input file" "escalc no file" escalc --measure RR
expect_error 1 "expected one input file" "escalc two files" escalc "$D/bcg_full.csv" "$D/bcg_full.csv" --measure RR
expect_error 1 "--ri: '2' is not a number from -1 to 1" "escalc --ri out of range" escalc "$D/prepost_no_ri.csv" --measure MC --ri 2
expect_error 1 "--vtype: 'XX'" "escalc bad --vtype" escalc "$D/bcg_full.csv" --measure RR --vtype XX
expect_error 1 "--format json is not available" "escalc --format json" escalc "$D/bcg_full.csv" --measure RR --format json
expect_error 1 "--measure needs a value" "escalc --measure without value" escalc "$D/bcg_full.csv" --measure
expect_error 4 "cannot open" "escalc missing file" escalc "$D/no_such_file.csv" --measure RR
expect_exit 0 "escalc --help" escalc --help
