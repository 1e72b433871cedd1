# General behaviour of the program (sourced by run.sh).
expect_exit 0 "--version" --version
expect_exit 0 "--help" --help
expect_error 1 "unknown command" "unknown command" frobnicate
expect_exit 1 "no command"
# Output faults: a full disk and an unwritable place exit 4 and leave no file behind.
# (Run once the pool command exists; uses a small valid yi/vi file.)
printf 'study,yi,vi\nA,0.1,0.02\nB,0.3,0.04\nC,-0.1,0.03\n' >"$TMP/ok.csv"
expect_error 4 "/dev/full" "output: full disk" pool "$TMP/ok.csv" --format json -o /dev/full
expect_error 4 "$TMP/nodir/out.json" "output: missing directory" pool "$TMP/ok.csv" -o "$TMP/nodir/out.json"
expect_error 4 "is a directory" "output: a directory" pool "$TMP/ok.csv" -o "$TMP"
if ls "$TMP"/*.tmp.* >/dev/null 2>&1; then bad "output: temporary file left behind"; else ok; fi
# Output files get the mode a plain fopen would give them (0666 less the umask), not mkstemp's 0600.
(umask 022; $CMETA pool "$TMP/ok.csv" --format json -o "$TMP/mode.json" 2>/dev/null)
if [ "$(stat -c %a "$TMP/mode.json" 2>/dev/null)" = 644 ]; then ok; else bad "output: mode $(stat -c %a "$TMP/mode.json" 2>/dev/null), expected 644"; fi
