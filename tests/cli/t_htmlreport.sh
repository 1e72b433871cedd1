# cmeta report and batch --report (issue 17 items 5 and 6), read as a reader would: the page's
# structure, every user string escaped, no external address, every number equal to the JSON of
# the command the table names (numcmp's tolerance), the reproducibility record (SHA-256 as
# sha256sum prints it, the command line, the date), outputs written atomically, options the
# report cannot honour refused. The browser test (tests/report_chromium.sh) renders the pages.
H=$TMP/html
mkdir -p "$H"
LUPUS=datasets/lupus/responders.csv
BCG=tests/cli/data/bcg.csv

# html_numbers_match HTML SRC JSON NAME: every number cell of HTML with data-src SRC holds at
# data-v the value the JSON has at its data-path (numcmp --text: %.17g numbers within 1e-12)
html_numbers_match() {
    hm_html=$1 hm_src=$2 hm_json=$3 hm_name=$4
    if ! $NUMCMP --paths "$hm_json" >"$H/paths"; then bad "$hm_name: $hm_json is not JSON"; return; fi
    grep -o "data-src=\"$hm_src\" data-path=\"[^\"]*\" data-v=\"[^\"]*\"" "$hm_html" |
        sed 's/^data-src="[^"]*" data-path="\([^"]*\)" data-v="\([^"]*\)"$/\1 \2/' >"$H/cells"
    hm_n=$(wc -l <"$H/cells")
    if [ "$hm_n" -lt 3 ]; then bad "$hm_name: only $hm_n '$hm_src' numbers in the report"; return; fi
    if ! awk -v E="$H/exp" -v A="$H/act" 'NR == FNR { v[$1] = $2; next }
            !($1 in v) { print $1; miss = 1; next } { print $1, v[$1] > E; print $1, $2 > A }
            END { exit miss }' "$H/paths" "$H/cells" >"$H/miss"; then
        bad "$hm_name: report paths missing in the JSON: $(head -3 "$H/miss" | tr '\n' ' ')"; return
    fi
    if hm_why=$($NUMCMP --text "$H/exp" "$H/act" 2>&1); then ok; else bad "$hm_name: $hm_why"; fi
    hm_count=$hm_n
}

# html_display_ok HTML NAME: each number cell shows its data-v rounded to data-d decimals (p-values
# with 4, "<.0001" below 1e-4), "NA" for null
html_display_ok() {
    if LC_ALL=C grep -o '<td class="num[^"]*"[^>]*data-v="[^"]*">[^<]*</td>' "$1" | LC_ALL=C awk '
        { d = ""; if (match($0, /data-d="[0-9]+"/)) d = substr($0, RSTART + 8, RLENGTH - 9)
          match($0, /data-v="[^"]*"/); v = substr($0, RSTART + 8, RLENGTH - 9)
          match($0, />[^<]*</); t = substr($0, RSTART + 1, RLENGTH - 2)
          if (v == "null") e = "NA"
          else if (d == "") e = (v + 0 < 0.0001) ? "&lt;.0001" : sprintf("%.4f", v)
          else if (v + 0 >= 1e15 || v + 0 <= -1e15) next
          else e = sprintf("%." d "f", v)
          if (e != t) { print "shows " t " for " v " (expected " e ")"; bad = 1; exit }
          n++ }
        END { if (n < 3) { print "only " n " number cells"; bad = 1 } exit bad }' >"$H/disp"; then ok
    else bad "$2: $(head -1 "$H/disp")"; fi
}

# html_structure_ok HTML NAME: a whole page, the nine sections, two inline SVG figures with text
# as <text>, nothing that runs or loads (no script, iframe, img, link, object, embed, @import,
# url()), every src/href a fragment of the page, no http(s) address but the SVG namespace, no
# raw '<' that opens no tag
html_structure_ok() {
    hs=$1 hn=$2
    if ! head -c 15 "$hs" | grep -q '<!DOCTYPE html>' || ! tail -c 9 "$hs" | grep -q '</html>'; then
        bad "$hn: not a whole HTML page"; return
    fi
    for id in data effects model forest bias loo influence methods reproducibility; do
        grep -q "<section id=\"$id\">" "$hs" || { bad "$hn: no section $id"; return; }
    done
    if [ "$(grep -c '<svg ' "$hs")" != 2 ] || ! grep -q '<text ' "$hs" || grep -q '<?xml' "$hs"; then
        bad "$hn: not two inline SVG figures with <text>"; return
    fi
    if LC_ALL=C grep -qiE '<(script|iframe|img|link|object|embed)|@import|url\(' "$hs"; then
        bad "$hn: something that runs or loads: $(LC_ALL=C grep -oiE '<(script|iframe|img|link|object|embed)|@import|url\(' "$hs" | head -1)"; return
    fi
    if grep -oE ' (src|href)="[^"]*"' "$hs" | grep -v '="#' | grep -q .; then
        bad "$hn: a src/href that leaves the page: $(grep -oE ' (src|href)="[^"]*"' "$hs" | grep -v '="#' | head -1)"; return
    fi
    if grep -oE 'https?://[^" <]*' "$hs" | grep -v '^http://www.w3.org/2000/svg$' | grep -q .; then
        bad "$hn: an external address: $(grep -oE 'https?://[^" <]*' "$hs" | grep -v '^http://www.w3.org/2000/svg$' | head -1)"; return
    fi
    if LC_ALL=C grep -q '<[^a-zA-Z/!]' "$hs"; then bad "$hn: a raw '<': $(LC_ALL=C grep -o '.\{20\}<[^a-zA-Z/!].\{10\}' "$hs" | head -1)"; return; fi
    ok
}

# report_vs_json NAME FILE REPORT-OPTIONS -- OTHER-OPTIONS: the report against pool (same options),
# loo, influence and bias (OTHER-OPTIONS: without --subgroup, which they do not take)
report_vs_json() {
    rv_name=$1 rv_file=$2; shift 2
    rv_ropts= rv_oopts= rv_seen=0
    for a in "$@"; do
        if [ "$a" = -- ]; then rv_seen=1; elif [ $rv_seen = 0 ]; then rv_ropts="$rv_ropts $a"; else rv_oopts="$rv_oopts $a"; fi
    done
    # shellcheck disable=SC2086
    run_cmd report "$rv_file" $rv_ropts -o "$H/r.html"
    if [ "$rc" != 0 ]; then bad "$rv_name: report exit $rc: $(head -c 300 "$TMP/err")"; return; fi
    html_structure_ok "$H/r.html" "$rv_name: structure"
    html_display_ok "$H/r.html" "$rv_name: shown numbers"
    # shellcheck disable=SC2086
    $CMETA pool "$rv_file" $rv_ropts --format json >"$H/pool.json" 2>/dev/null
    html_numbers_match "$H/r.html" pool "$H/pool.json" "$rv_name: pool numbers"
    for c in loo influence bias; do
        if grep -q "id=\"$c-note\"" "$H/r.html"; then continue; fi
        # shellcheck disable=SC2086
        $CMETA $c "$rv_file" $rv_oopts --format json >"$H/$c.json" 2>/dev/null
        html_numbers_match "$H/r.html" $c "$H/$c.json" "$rv_name: $c numbers"
    done
}

# the lupus responders (the make run data set), the BCG trials by allocation, DL with Knapp-Hartung,
# Mantel-Haenszel (no influence or bias: as those commands), --model auto, reported statistics
report_vs_json "report: lupus PLO" $LUPUS --measure PLO -- --measure PLO
report_vs_json "report: BCG RR by alloc" $BCG --measure RR --subgroup alloc -- --measure RR
grep -q 'id="subgroups-table"' "$H/r.html" && grep -q 'data-path="$.Q_between"' "$H/r.html" && ok ||
    bad "report: --subgroup gives no subgroup table or test"
report_vs_json "report: BCG OR DL knha" $BCG --measure OR --method DL --test knha -- --measure OR --method DL --test knha
report_vs_json "report: BCG OR MH" $BCG --measure OR --method MH -- --measure OR --method MH
grep -q 'id="influence-note"' "$H/r.html" && grep -q 'id="bias-note"' "$H/r.html" && ok ||
    bad "report: MH: influence and bias should say why they are not computed"
report_vs_json "report: BCG model auto" $BCG --measure RR --model auto --het-p 0.05 -- --measure RR --method REML
grep -q 'id="model-choice"' "$H/r.html" && ok || bad "report: --model auto: the choice is not stated"
report_vs_json "report: mixed designs" tests/reference/mixed/mixed.csv -- 
report_vs_json "report: PFT (harmonic n)" datasets/lupus/responders_all.csv --measure PFT -- --measure PFT
report_vs_json "report: tau-common, level 90, t" $BCG --measure RR --subgroup alloc --tau-common --level 90 --test t -- --measure RR --level 90 --test t
grep -q 'data-path="$.tau2_common"' "$H/r.html" && ok || bad "report: --tau-common: the common tau^2 is not shown"
report_vs_json "report: reported statistics" datasets/reported/routes_smd.csv --measure SMD -- --measure SMD
grep -q '<th>yi from</th>' "$H/r.html" && ok || bad "report: no yi from column for reported statistics"

# a study left out: listed with its line and the reason
run_cmd report tests/cli/data/missing_values.csv --measure MD -o "$H/miss.html"
if [ "$rc" = 0 ] && grep -q '<span id="n-left-out">1</span>' "$H/miss.html" &&
    grep -q '<li data-row="2">line 4, <span class="study">B</span>: study &#39;B&#39; (line 4) left out: missing sd1i, sd2i</li>' "$H/miss.html"; then ok
else bad "report: the study left out is not listed with its reason: $(grep -A2 'left-out' "$H/miss.html" | head -3)"; fi
html_structure_ok "$H/miss.html" "report: missing values structure"

# hostile labels, column names and file name: escaped everywhere (tables, SVG, title)
printf '%s\n' 'study,yi,vi,"<img src=x onerror=alert(1)>",note' \
    '"<script>alert(""x"")</script>",0.1,0.02,"a&b",'"'q'" \
    '"Tom & Jerry ""T&J"" '"'single'"'",0.3,0.05,"<b>bold</b>",x' \
    '"Ünïcödé ☃ </td>",0.2,0.04,,y' >"$H/hostile&<b>.csv"
run_cmd report "$H/hostile&<b>.csv" -o "$H/hostile.html"
if [ "$rc" != 0 ]; then bad "report: hostile labels: exit $rc: $(head -c 300 "$TMP/err")"
elif LC_ALL=C grep -qiE '<script|<img|<b>|</td>",|onerror=alert\(1\)>' "$H/hostile.html"; then
    bad "report: a hostile string reached the page unescaped: $(LC_ALL=C grep -oiE '.{20}(<script|<img|<b>).{20}' "$H/hostile.html" | head -1)"
elif ! grep -qF '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' "$H/hostile.html" ||
    ! grep -qF 'Tom &amp; Jerry &quot;T&amp;J&quot; &#39;single&#39;' "$H/hostile.html" ||
    ! grep -qF '<th>&lt;img src=x onerror=alert(1)&gt;</th>' "$H/hostile.html" ||
    ! grep -qF 'hostile&amp;&lt;b&gt;.csv</title>' "$H/hostile.html" ||
    ! grep -qF 'Ünïcödé ☃ &lt;/td&gt;' "$H/hostile.html"; then
    bad "report: hostile strings not shown escaped"
else ok; fi
html_structure_ok "$H/hostile.html" "report: hostile structure"

# reproducibility record: SHA-256 as sha256sum, the command, the date (SOURCE_DATE_EPOCH: the same bytes)
SOURCE_DATE_EPOCH=0 $CMETA report $LUPUS --measure PLO --level 90 -o "$H/a.html" 2>/dev/null
mv "$H/a.html" "$H/b.html"
SOURCE_DATE_EPOCH=0 $CMETA report $LUPUS --measure PLO --level 90 -o "$H/a.html" 2>/dev/null
cmp -s "$H/a.html" "$H/b.html" && ok || bad "report: two runs with SOURCE_DATE_EPOCH differ"
grep -qF '<dd id="rec-date">1970-01-01T00:00:00Z (SOURCE_DATE_EPOCH)</dd>' "$H/a.html" && ok || bad "report: date not from SOURCE_DATE_EPOCH"
grep -qF "<code id=\"rec-command\">cmeta report $LUPUS --measure PLO --level 90 -o $H/a.html</code>" "$H/a.html" && ok ||
    bad "report: the command line is not recorded: $(grep -o '<code id="rec-command">[^<]*' "$H/a.html")"
if command -v sha256sum >/dev/null 2>&1; then
    want=$(sha256sum <$LUPUS | cut -c1-64)
    grep -qF "<code class=\"sha256\" id=\"rec-sha256\">$want</code>" "$H/a.html" && ok || bad "report: SHA-256 differs from sha256sum ($want)"
    $CMETA report - --measure PLO -o "$H/stdin.html" <$LUPUS 2>/dev/null
    grep -qF "id=\"rec-sha256\">$want</code>" "$H/stdin.html" && ok || bad "report: SHA-256 of standard input (a file) differs"
    want=$(sha256sum <"$H/hostile&<b>.csv" | cut -c1-64)
    grep -qF "id=\"rec-sha256\">$want</code>" "$H/hostile.html" && ok || bad "report: SHA-256 of the hostile file differs"
fi
cat $LUPUS | $CMETA report - --measure PLO -o "$H/pipe.html" 2>/dev/null
grep -q '<span id="rec-sha256">not a regular file' "$H/pipe.html" && ok || bad "report: a pipe should be said to have no digest"
grep -q 'Viechtbauer W (2010)' "$H/a.html" && grep -q 'logit proportion' "$H/a.html" && grep -q 'restricted maximum-likelihood' "$H/a.html" &&
    grep -q '90% confidence intervals' "$H/a.html" && ok || bad "report: the methods paragraph lacks the measure, estimator, level or metafor"
$CMETA report $BCG --measure OR --method DL -o "$H/dl.html" 2>/dev/null
grep -q 'DerSimonian R, Laird N (1986)' "$H/dl.html" && grep -q 'v = 1/a + 1/b + 1/c + 1/d' "$H/dl.html" && ok ||
    bad "report: DL: the methods do not cite DerSimonian-Laird or give the variance of log OR"

# atomic output: never over the input, nothing left on failure, a replaced file keeps its mode
cp $LUPUS "$H/in.csv"
expect_error 1 "is the input file" "report: -o the input" report "$H/in.csv" --measure PLO -o "$H/in.csv"
cmp -s $LUPUS "$H/in.csv" && ok || bad "report: the input was changed"
expect_exit 4 "report: -o in a missing directory" report $LUPUS --measure PLO -o "$H/nodir/r.html"
printf 'old\n' >"$H/kept.html" && chmod 600 "$H/kept.html"
run_cmd report $LUPUS --measure PLO -o "$H/kept.html"
[ "$rc" = 0 ] && [ "$(stat -c %a "$H/kept.html")" = 600 ] && grep -q '</html>' "$H/kept.html" && ok || bad "report: replaced file lost its mode"
expect_exit 2 "report: bad data, no file" report tests/cli/data/bad_sd.csv --measure SMD -o "$H/bad.html"
[ ! -e "$H/bad.html" ] && ! ls "$H"/bad.html.tmp.* >/dev/null 2>&1 && ok || bad "report: a failed run left a file"

# options it cannot honour are refused
for opt in "--format json" "--mods ablat" "--svg-text outline" "--plot p.svg" "--ri-sweep 0:0.9:0.1" \
    "--seed 1" "--order year" "--title T" "--trimfill" "--hakn-ci se"; do
    # shellcheck disable=SC2086
    expect_exit 1 "report: refuses $opt" report $BCG --measure RR $opt -o "$H/x.html"
done

# batch --report: a report per file, index.html linking to them, committed with the rest
mkdir -p "$H/in" && cp $BCG "$H/in/bcg.csv" && cp tests/cli/data/bcg_counts.csv "$H/in/b c#2.csv" 2>/dev/null ||
    cp $BCG "$H/in/b c#2.csv"
printf 'study,ai,bi,ci,di\nA,1,2,3\n' >"$H/in/broken.csv"
run_cmd batch "$H/in" --out "$H/out" --measure RR --report
if [ "$rc" != 2 ]; then bad "batch --report: exit $rc (expected 2: one file fails): $(head -c 300 "$TMP/err")"
elif [ ! -s "$H/out/index.html" ] || [ ! -s "$H/out/bcg.html" ] || [ ! -s "$H/out/b c#2.html" ] || [ -e "$H/out/broken.html" ]; then
    bad "batch --report: outputs: $(ls "$H/out" | tr '\n' ' ')"
elif ls -a "$H/out" | grep -q '^\.cmeta-staging'; then bad "batch --report: staging left behind"
else ok; fi
grep -qF '<a href="bcg.html">' "$H/out/index.html" && grep -qF '<a href="b%20c%232.html">' "$H/out/index.html" &&
    ! grep -q 'href="broken.html"' "$H/out/index.html" && ok || bad "batch --report: index links: $(grep -o '<a href="[^"]*"' "$H/out/index.html" | tr '\n' ' ')"
html_structure_ok "$H/out/bcg.html" "batch --report: structure"
html_numbers_match "$H/out/bcg.html" pool "$H/out/bcg.json" "batch --report: report numbers = NAME.json"
grep -qF "<code id=\"rec-command\">cmeta report --measure RR -o $H/out/bcg.html -- $H/in/bcg.csv</code>" "$H/out/bcg.html" &&
    grep -q '<code id="rec-batch">cmeta batch ' "$H/out/bcg.html" && ok || bad "batch --report: the record does not name the final path and the batch"
# a file that fails on the next run loses its report (the commit record lists it)
cp "$H/in/broken.csv" "$H/in/bcg.csv"
run_cmd batch "$H/in" --out "$H/out" --measure RR --report
[ "$rc" = 2 ] && [ ! -e "$H/out/bcg.html" ] && [ ! -e "$H/out/bcg.json" ] && [ -s "$H/out/b c#2.html" ] && ok ||
    bad "batch --report: the old report of a file that now fails is still there"
# an input named index.csv: its report is index-2.html, the index page stays the index
mkdir -p "$H/ix" && cp $BCG "$H/ix/index.csv"
run_cmd batch "$H/ix" --out "$H/ixo" --measure RR --report
[ "$rc" = 0 ] && [ -s "$H/ixo/index-2.html" ] && [ -s "$H/ixo/index-2.json" ] && grep -qF '<a href="index-2.html">' "$H/ixo/index.html" && ok ||
    bad "batch --report: index.csv: $(ls "$H/ixo" | tr '\n' ' ')"
expect_exit 1 "batch: --report takes no -o" batch "$H/in" --out "$H/out2" --report -o x.html
