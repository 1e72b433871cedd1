# Options belong to commands (sourced by run.sh). Every (command, option) pair of the option
# tables (src/cli/options.c, listed by `cmeta --list-options`) is run through the program: a
# pair the table gives is accepted (no "cmeta COMMAND: ..." parse error: the run then stops at the
# missing input file, or wherever else it would), any other pair is refused with exit 1 and
# "cmeta COMMAND: OPTION is not an option of COMMAND (see cmeta COMMAND --help)". Then: repeats,
# what an option needs or cannot go with, enum words, ranges, --level as metafor reads it, and
# that --help, the man page, the bash completion and README.md list exactly the table's options.
O=$TMP/options
mkdir -p "$O"
NOFILE=$O/no-such-file.csv
D=tests/cli/data
TAB=$(printf '\t')
$CMETA --list-options >"$O/list" 2>"$O/err" || bad "cmeta --list-options: $(cat "$O/err")"
$CMETA --man >"$O/man" 2>/dev/null || bad "cmeta --man failed"
$CMETA --completion bash >"$O/bash" 2>/dev/null || bad "cmeta --completion bash failed"

# value_of OPTION KIND EXAMPLE : a valid value (paths inside $O)
value_of() {
    case $2 in
    flag) ;;
    path) echo "$O/$3" ;;
    dir) echo "$O/dir-$3" ;;
    *) echo "$3" ;;
    esac
}
# needed_args COMMAND NEEDS : the option (and value) that NEEDS names, e.g. --model auto
needed_args() {
    set -- "$1" "${2#\?}" # "?--measure=A,B": A or B when --measure is given
    nname=${2%%=*}
    if [ "$nname" != "$2" ]; then
        nval=${2#*=}
        echo "$nname ${nval%%,*}"
        return
    fi
    nline=$(grep "^$1$TAB$nname$TAB" "$O/list")
    nkind=$(echo "$nline" | cut -f4)
    nex=$(echo "$nline" | cut -f5)
    echo "$nname $(value_of "$nname" "$nkind" "$nex")"
}
# parse_ok COMMAND : the last run was not refused by the parser
parse_ok() { ! grep -q "^cmeta $1: " "$TMP/err"; }

# 1. every pair the table refuses, one run each: exit 1 and exactly the message
npairs=0
nyes=0
while IFS="$TAB" read -r cmd opt takes kind example repeat needs conflicts words; do
    case $cmd in '#'*) continue ;; esac
    npairs=$((npairs + 1))
    [ "$takes" = yes ] && { nyes=$((nyes + 1)); continue; }
    # under valgrind (CMETA_LIGHT) one refused pair in 8: the refusal is one code path, and
    # the ~1000 runs took 11 minutes of CI there (every pair runs in the normal and ASan suites)
    [ -n "${CMETA_LIGHT:-}" ] && [ $((npairs % 8)) != 0 ] && continue
    # (builtins only in this loop: it runs some 250 times)
    case $kind in
    flag) run_cmd "$cmd" "$NOFILE" "$opt" ;;
    path | dir) run_cmd "$cmd" "$NOFILE" "$opt" "$O/$example" ;;
    *) run_cmd "$cmd" "$NOFILE" "$opt" "$example" ;;
    esac
    want="cmeta $cmd: $opt is not an option of $cmd (see cmeta $cmd --help)"
    got=""
    more=""
    { read -r got; read -r more; } <"$TMP/err"
    if [ "$rc" = 1 ] && [ "$got" = "$want" ] && [ -z "$more" ]; then ok
    else bad "options: $cmd $opt: exit $rc, stderr '$got', expected '$want'"; fi
done <"$O/list"
# 13 commands x 34 options when this was written; the table only grows
if [ "$npairs" -ge 400 ] && [ "$nyes" -ge 150 ]; then ok; else bad "options: only $npairs pairs ($nyes taken) listed"; fi

# 2. every pair the table gives is accepted: per command, one run with all its options at once
# (an option that needs a value of another, or cannot go with another, gets a run of its own)
for cmd in $(grep -v '^#' "$O/list" | cut -f1 | uniq); do
    set --
    solo=""
    while IFS="$TAB" read -r c opt takes kind example repeat needs conflicts words; do
        [ "$c" = "$cmd" ] && [ "$takes" = yes ] || continue
        if [ "$conflicts" != "-" ] || [ "${needs#*=}" != "$needs" ]; then solo="$solo $opt"; continue; fi
        if [ "$kind" = flag ]; then set -- "$@" "$opt"; else set -- "$@" "$opt" "$(value_of "$opt" "$kind" "$example")"; fi
    done <"$O/list"
    run_cmd "$cmd" "$NOFILE" "$@"
    if parse_ok "$cmd"; then ok; else bad "options: $cmd with all its options refused: $(cat "$TMP/err")"; fi
    for opt in $solo; do
        line=$(grep "^$cmd$TAB$opt$TAB" "$O/list")
        kind=$(echo "$line" | cut -f4)
        needs=$(echo "$line" | cut -f7)
        extra=""
        [ "$needs" != "-" ] && extra=$(needed_args "$cmd" "$needs")
        # shellcheck disable=SC2046,SC2086
        run_cmd "$cmd" "$NOFILE" "$opt" $(value_of "$opt" "$kind" "$(echo "$line" | cut -f5)") $extra
        if parse_ok "$cmd"; then ok; else bad "options: $cmd $opt $extra refused: $(cat "$TMP/err")"; fi
    done
    # --help, the command's section of the man page and its completion list name exactly its options
    grep -v '^#' "$O/list" | awk -F"$TAB" -v c="$cmd" '$1 == c && $3 == "yes" { print $2 }' | sort >"$O/want"
    $CMETA "$cmd" --help 2>&1 | grep -o '^  -[^ ,]*' | sed 's/^  //' | sort >"$O/got"
    if cmp -s "$O/want" "$O/got"; then ok; else bad "options: cmeta $cmd --help lists $(tr '\n' ' ' <"$O/got")"; fi
    awk -v c="$cmd" '/^\.SH/ { on = ($0 == ".SH \"cmeta " c "\"") } on' "$O/man" | sed 's/\\-/-/g' |
        grep -o '^\\fB-[^\\]*' | sed 's/^\\fB//' | sort >"$O/got"
    if cmp -s "$O/want" "$O/got"; then ok; else bad "options: the man page's section $cmd lists $(tr '\n' ' ' <"$O/got")"; fi
    grep "^    $cmd) opts=" "$O/bash" | sed 's/.*opts="//; s/".*//' | tr ' ' '\n' | grep -v '^--help$' | sort >"$O/got"
    if cmp -s "$O/want" "$O/got"; then ok; else bad "options: the completion of $cmd lists $(tr '\n' ' ' <"$O/got")"; fi
done

# 3. per option (with the first command that takes it): refused without what it needs, refused
# with what it cannot go with, refused twice unless it may repeat, every enum word accepted
while IFS="$TAB" read -r cmd opt takes kind example repeat needs conflicts words; do
    case $cmd in '#'*) continue ;; esac
    [ "$takes" = yes ] && [ ! -f "$O/once_$opt" ] || continue
    : >"$O/once_$opt"
    val=$(value_of "$opt" "$kind" "$example")
    extra=""
    [ "$needs" != "-" ] && extra=$(needed_args "$cmd" "$needs")
    if [ "$needs" != "-" ] && [ "${needs#\?}" != "$needs" ]; then
        # "?--measure=A,B": accepted without --measure, refused with another word of it
        if [ "$kind" = flag ]; then run_cmd "$cmd" "$NOFILE" "$opt"; else run_cmd "$cmd" "$NOFILE" "$opt" "$val"; fi
        if parse_ok "$cmd"; then ok; else bad "options: $cmd $opt without ${needs#\?} refused: $(cat "$TMP/err")"; fi
        nname=${needs#\?}; nname=${nname%%=*}
        printf '%s\n' "${needs#*=}" | tr ',' '\n' >"$O/w"
        other=$(grep "^$cmd$TAB$nname$TAB" "$O/list" | cut -f9 | tr ',' '\n' | grep -vxF -f "$O/w" | head -1)
        if [ "$kind" = flag ]; then run_cmd "$cmd" "$NOFILE" "$opt" "$nname" "$other"; else run_cmd "$cmd" "$NOFILE" "$opt" "$val" "$nname" "$other"; fi
        if [ "$rc" = 1 ] && grep -q "^cmeta $cmd: $opt needs $nname" "$TMP/err"; then ok
        else bad "options: $cmd $opt with $nname $other: exit $rc: $(cat "$TMP/err")"; fi
    elif [ "$needs" != "-" ]; then
        if [ "$kind" = flag ]; then run_cmd "$cmd" "$NOFILE" "$opt"; else run_cmd "$cmd" "$NOFILE" "$opt" "$val"; fi
        if [ "$rc" = 1 ] && grep -q "^cmeta $cmd: $opt needs ${needs%%=*}" "$TMP/err"; then ok
        else bad "options: $cmd $opt without $needs: exit $rc: $(cat "$TMP/err")"; fi
    fi
    if [ "$conflicts" != "-" ]; then
        cline=$(grep "^$cmd$TAB$conflicts$TAB" "$O/list")
        cval=$(value_of "$conflicts" "$(echo "$cline" | cut -f4)" "$(echo "$cline" | cut -f5)")
        # shellcheck disable=SC2086
        if [ "$kind" = flag ]; then run_cmd "$cmd" "$NOFILE" "$opt" $extra "$conflicts" $cval
        else run_cmd "$cmd" "$NOFILE" "$opt" "$val" $extra "$conflicts" $cval; fi
        if [ "$rc" = 1 ] && grep -q "^cmeta $cmd: .* do not go together" "$TMP/err"; then ok
        else bad "options: $cmd $opt with $conflicts: exit $rc: $(cat "$TMP/err")"; fi
    fi
    # shellcheck disable=SC2086
    if [ "$kind" = flag ]; then run_cmd "$cmd" "$NOFILE" "$opt" "$opt" $extra
    else run_cmd "$cmd" "$NOFILE" "$opt" "$val" "$opt" "$val" $extra; fi
    if [ "$repeat" = yes ]; then
        if parse_ok "$cmd"; then ok; else bad "options: $cmd $opt repeated refused: $(cat "$TMP/err")"; fi
    elif [ "$rc" = 1 ] && grep -q "^cmeta $cmd: $opt is given twice" "$TMP/err"; then ok
    else bad "options: $cmd $opt twice: exit $rc: $(cat "$TMP/err")"; fi
    if [ "$words" != "-" ]; then
        for w in $(echo "$words" | tr ',' ' '); do
            # shellcheck disable=SC2086
            run_cmd "$cmd" "$NOFILE" "$opt" "$w" $extra
            if parse_ok "$cmd"; then ok; else bad "options: $cmd $opt $w refused: $(cat "$TMP/err")"; fi
        done
        # shellcheck disable=SC2086
        run_cmd "$cmd" "$NOFILE" "$opt" no-such-word $extra
        if [ "$rc" = 1 ] && grep -q "^cmeta $cmd: $opt: 'no-such-word' is not one of" "$TMP/err"; then ok
        else bad "options: $cmd $opt no-such-word: exit $rc: $(cat "$TMP/err")"; fi
    fi
done <"$O/list"

# ---- the table itself: pairs the issue names (a table edit that breaks them fails here)
B=tests/cli/data/bcg.csv
for pair in "funnel --subgroup alloc" "pool --mods ablat" "pool --contours" "pool --iter 5" "pool --layout revman5" \
    "pool --type parametric" "permtest --type parametric" "pool --shard 1/2" "pool --jobs 2" "forest --jobs 2" \
    "pool --trimfill" "forest --format json" "batch -o x" "escalc --method DL" "permtest --level 90" \
    "gosh --level 90" "influence --level 90" "funnel --test knha" "boot --test knha" "regress --model auto" \
    "bias --model auto" "loo --order year" "funnel --plot x.svg" "regress --subgroup alloc"; do
    set -- $pair
    c=$1
    shift
    expect_error 1 "$1 is not an option of $c" "options: $c $1 refused" "$c" "$B" --measure RR "$@"
done
expect_error 1 "--frobnicate" "options: unknown option" pool "$B" --measure RR --frobnicate
run_cmd boot "$NOFILE" --type parametric --seed 1 --iter 10
if parse_ok boot; then ok; else bad "options: boot --type refused: $(cat "$TMP/err")"; fi
run_cmd batch "$NOFILE" --shard 1/2 --jobs 2 --out "$O/b" --plots
if parse_ok batch; then ok; else bad "options: batch --shard --jobs refused: $(cat "$TMP/err")"; fi

# ---- repeats, dependencies, ranges (one stderr line, exit 1)
expect_error 1 "cmeta pool: --method is given twice ('REML', then 'DL')" "options: --method twice" \
    pool "$B" --measure RR --method REML --method DL
expect_error 1 "cmeta pool: --measure is given twice" "options: --measure= twice" pool "$B" --measure=RR --measure OR
expect_error 1 "cmeta pool: --het-p needs --model auto" "options: --het-p alone" pool "$B" --measure RR --het-p 0.05
expect_error 1 "cmeta pool: --tau-common needs --subgroup" "options: --tau-common alone" pool "$B" --measure RR --tau-common
expect_error 1 "cmeta regress: --no-intercept needs --mods" "options: --no-intercept alone" regress "$B" --measure RR --no-intercept
expect_error 1 "cmeta pool: --ri needs --measure MC, SMCC, SMCR, SMCRH or ROMC" "options: --ri with RR" \
    pool "$B" --measure RR --ri 0.5
expect_error 1 "cmeta escalc: --smcr-sd needs --measure" "options: --smcr-sd with SMD" \
    escalc "$B" --measure SMD --smcr-sd baseline
expect_error 1 "cmeta funnel: --contours and --level do not go together" "options: funnel --contours --level" \
    funnel "$B" --measure RR --contours --level 90 -o "$O/f.svg"
expect_error 1 "cmeta pool: --drop00 takes no value" "options: flag with a value" pool "$B" --measure RR --drop00=1
expect_error 1 "cmeta boot: --iter: '1' is not a whole number from 2 to 100000000" "options: boot --iter 1" boot "$B" --measure RR --iter 1
expect_error 1 "cmeta permtest: --iter: '1' is not a whole number from 2 to 100000000" "options: permtest --iter 1" \
    permtest "$B" --measure RR --iter 1
expect_error 1 "cmeta pool: --het-p: '1' is not a number > 0 and < 1" "options: --het-p 1" pool "$B" --measure RR --model auto --het-p 1
expect_error 1 "cmeta pool: --add: '-1' is not a number >= 0" "options: --add -1" pool "$B" --measure RR --add -1
expect_error 1 "cmeta gosh: --seed: '-3' is not a whole number >= 0" "options: --seed -3" gosh "$B" --measure RR --seed -3
expect_error 1 "cmeta pool: --format needs a value" "options: missing value" pool "$B" --measure RR --format
for l in 0 1e-400 100 150 -0.5 abc 0x1p-1 ""; do
    expect_error 1 "cmeta pool: --level: '$l' is not a proportion in [0.5, 1) or a percentage in [1, 100)" \
        "options: --level '$l'" pool "$B" --measure RR --level "$l"
done
# metafor reads 0 < level < 0.5 as alpha (level = 0.05 gives a 95 % interval): ambiguous, refused
for l in 0.05 0.3 0.4999; do
    expect_error 1 "cmeta pool: --level: '$l' is ambiguous: metafor reads a level below 0.5 as alpha" \
        "options: --level $l" pool "$B" --measure RR --level "$l"
done
# [0.5, 1) is a proportion, as in metafor: rma(yi, vi, data = dat.bcg RR, level = 0.6) gives
# ci.lb -0.8658403, ci.ub -0.5632244 (metafor 3.8; level 0.5 and 50: -0.8357931, -0.5932715)
run_cmd pool "$B" --measure RR --level 0.6 --format json
if awk -v s="$(cat "$TMP/out")" 'BEGIN {
        n = split(s, a, /[,{}:]/); lb = ub = "x"
        for (i = 1; i < n; i++) { if (a[i] == "\"ci_lb\"" && lb == "x") lb = a[i + 1]; if (a[i] == "\"ci_ub\"" && ub == "x") ub = a[i + 1] }
        d1 = lb + 0.8658403; d2 = ub + 0.5632244
        exit !(lb != "x" && d1 < 1e-6 && d1 > -1e-6 && d2 < 1e-6 && d2 > -1e-6) }'; then ok
else bad "options: pool --level 0.6 vs metafor: $(head -c 300 "$TMP/out")"; fi
run_cmd pool "$B" --measure RR --level 0.5 --format json
cp "$TMP/out" "$O/lev_a"
run_cmd pool "$B" --measure RR --level 50 --format json
if [ "$rc" = 0 ] && cmp -s "$TMP/out" "$O/lev_a"; then ok; else bad "options: --level 0.5 and 50 differ"; fi
# the same run with a repeated list option and with the values joined
run_cmd regress "$D/diag_bcg.csv" --mods ablat --mods year --format json
cp "$TMP/out" "$O/mods2"
run_cmd regress "$D/diag_bcg.csv" --mods ablat,year --format json
if [ "$rc" = 0 ] && cmp -s "$TMP/out" "$O/mods2"; then ok; else bad "options: --mods repeated differs from --mods A,B"; fi
# --help wins wherever it is (not as a value); help goes to stdout with exit 0
run_cmd funnel --subgroup x --help
if [ "$rc" = 0 ] && grep -q "^usage: cmeta funnel " "$TMP/out"; then ok; else bad "options: funnel ... --help: exit $rc"; fi

# ---- --level as metafor reads it: 0.95 and 95 give byte-identical output
# (the pairs that multiplying by 100 would get wrong, 0.57 * 100 = 56.99999999999999, included)
for pair in "0.95 95" "0.57 57" ".999 99.9" "9.5e-1 95"; do
    set -- $pair
    run_cmd pool "$B" --measure RR --format json --level "$1"
    cp "$TMP/out" "$O/lev_a"
    run_cmd pool "$B" --measure RR --format json --level "$2"
    if [ "$rc" = 0 ] && [ -s "$TMP/out" ] && cmp -s "$TMP/out" "$O/lev_a"; then ok
    else bad "options: pool --level $1 and --level $2 differ (exit $rc)"; fi
done
for args in "pool $B --measure RR" "pool $B --measure RR --subgroup alloc --format csv" \
    "regress $D/diag_bcg.csv --mods ablat --format json" "bias $B --measure RR --format json" \
    "loo $B --measure RR --format csv" "boot $B --measure RR --seed 7 --iter 50 --format json"; do
    # shellcheck disable=SC2086
    run_cmd $args --level 0.9
    cp "$TMP/out" "$O/lev_a"
    # shellcheck disable=SC2086
    run_cmd $args --level 90
    if [ "$rc" = 0 ] && [ -s "$TMP/out" ] && cmp -s "$TMP/out" "$O/lev_a"; then ok
    else bad "options: $args: --level 0.9 and --level 90 differ (exit $rc)"; fi
done
# the forest plot: the SVG of --level 0.9 and --level 90 are the same bytes (and not those of 95)
run_cmd forest "$B" --measure RR --level 0.9 -o "$O/l1.svg"
run_cmd forest "$B" --measure RR --level 90 -o "$O/l2.svg"
run_cmd forest "$B" --measure RR -o "$O/l3.svg"
if cmp -s "$O/l1.svg" "$O/l2.svg" && ! cmp -s "$O/l1.svg" "$O/l3.svg"; then ok; else bad "options: forest --level 0.9 and 90 differ"; fi
# (0, 1) is a proportion: 95 % is not 0.95 %
run_cmd pool "$B" --measure RR --level 0.95 --format json
if grep -q '"level":95[,}]' "$TMP/out"; then ok; else bad "options: --level 0.95 is not 95: $(head -c 200 "$TMP/out")"; fi

# ---- README.md's option reference is the table's (cmeta --readme-options)
sed -n '/^<!-- options: generated by cmeta --readme-options -->$/,/^<!-- end of options -->$/p' README.md |
    sed '1d;$d' >"$O/readme_block"
$CMETA --readme-options >"$O/readme_gen" 2>&1
if [ -s "$O/readme_block" ] && cmp -s "$O/readme_block" "$O/readme_gen"; then ok
else bad "options: README.md's option table differs from cmeta --readme-options (paste its output between the markers)"; diff "$O/readme_gen" "$O/readme_block" | head -5; fi
