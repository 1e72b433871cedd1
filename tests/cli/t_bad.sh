# The bad-input catalogue (tests/bad/): each file is refused with the right exit code and one
# line naming the file, the place and the rule. Sourced by tests/cli/run.sh.
B=tests/bad
expect_error 2 "$B/empty.csv:1: " "bad: empty file" pool $B/empty.csv
expect_error 2 "$B/header_only.csv" "bad: header only" pool $B/header_only.csv --measure SMD
expect_error 1 "--measure" "bad: unknown columns" pool $B/unknown_columns.csv
expect_error 2 "$B/duplicated_column.csv:1:8:" "bad: duplicated column" pool $B/duplicated_column.csv --measure SMD
expect_error 2 "$B/duplicated_alias.csv:1:5:" "bad: duplicated alias" pool $B/duplicated_alias.csv --measure SMD
expect_error 2 "sd2i" "bad: missing column" pool $B/missing_column.csv --measure SMD
expect_error 2 "$B/ragged.csv:3:" "bad: ragged row" pool $B/ragged.csv --measure SMD
expect_error 2 "$B/unterminated_quote.csv:3:" "bad: unterminated quote" pool $B/unterminated_quote.csv --measure SMD
expect_error 2 "$B/binary_garbage.csv:1:" "bad: binary garbage" pool $B/binary_garbage.csv --measure SMD
expect_error 2 "$B/invalid_utf8.csv:2:1:" "bad: invalid UTF-8" pool $B/invalid_utf8.csv --measure SMD
expect_error 2 "$B/text_in_number.csv:3:3: study 'B'" "bad: text in number" pool $B/text_in_number.csv --measure SMD
expect_error 2 "$B/inf_value.csv:3:2: study 'B'" "bad: inf" pool $B/inf_value.csv --measure SMD
expect_error 2 "$B/nan_value.csv:3:2: study 'B'" "bad: nan" pool $B/nan_value.csv --measure SMD
expect_error 2 "$B/overflow_value.csv:3:2: study 'B'" "bad: overflow" pool $B/overflow_value.csv --measure SMD
expect_error 2 "$B/negative_sd.csv:3:3: study 'B': sd1i must be > 0" "bad: negative SD" pool $B/negative_sd.csv --measure SMD
expect_error 2 "$B/negative_vi.csv:3:3: study 'B': vi must be > 0" "bad: negative vi" pool $B/negative_vi.csv
expect_error 2 "$B/n_zero.csv:3:4: study 'B': n1i" "bad: n = 0" pool $B/n_zero.csv --measure SMD
expect_error 2 "$B/events_gt_n.csv:3:2: study 'B'" "bad: events > n" pool $B/events_gt_n.csv --measure OR
expect_error 2 "$B/r_gt_1.csv:3:2: study 'B'" "bad: |r| > 1" pool $B/r_gt_1.csv --measure ZCOR
expect_error 2 "$B/negative_events.csv:3:2: study 'B'" "bad: negative events" pool $B/negative_events.csv --measure PLO
# options out of range
expect_error 1 "--level" "bad: level 150" pool tests/bad/negative_vi.csv --level 150
expect_error 1 "--measure" "bad: unknown measure" pool tests/bad/negative_vi.csv --measure XYZ
expect_error 1 "--method" "bad: unknown method" pool tests/bad/negative_vi.csv --method XYZ
expect_error 4 "nonexistent.csv" "bad: no such file" pool tests/bad/nonexistent.csv
# a 2 MB label is read; a 2 MB number is refused in one line
awk 'BEGIN { s = "L"; while (length(s) < 2097152) s = s s; print "study,yi,vi"; print s ",0.1,0.02"; print "B,0.3,0.04" }' >"$TMP/bigfield.csv"
expect_exit 0 "bad: 2 MB label" pool "$TMP/bigfield.csv" --format json
awk 'BEGIN { s = "1"; while (length(s) < 2097152) s = s s; print "study,yi,vi"; print "A," s "x,0.02"; print "B,0.3,0.04" }' >"$TMP/bignum.csv"
expect_error 2 "bignum.csv:2:2: study 'A'" "bad: 2 MB number" pool "$TMP/bignum.csv"
# a million rows: read and pooled (time and memory are measured in bench/, not here);
# skipped under valgrind (CMETA_LIGHT=1), where it would take many minutes
if [ -z "${CMETA_LIGHT:-}" ]; then
awk 'BEGIN { srand(1); print "yi,vi"; for (i = 0; i < 1000000; i++) printf "%.6f,%.6f\n", rand() - 0.5, 0.01 + rand() / 10 }' >"$TMP/million.csv"
expect_exit 0 "bad: a million rows" pool "$TMP/million.csv" --method DL --format json
fi
rm -f "$TMP/bigfield.csv" "$TMP/bignum.csv" "$TMP/million.csv"
