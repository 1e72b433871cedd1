# issue 17: figure controls through the program (sourced by run.sh). The layout numbers are
# tested in tests/test_figures.c; here each option reaches the picture.
D=tests/cli/data
F="$TMP/fig.svg"
svg_has() { grep -qF -- "$1" "$F" && ok || bad "$2: the SVG lacks $1"; }
svg_lacks() { grep -qF -- "$1" "$F" && bad "$2: the SVG has $1" || ok; }

expect_picture svg "$F" "forest all figure options" forest $D/bcg.csv --measure RR -o "$F" \
    --title "BCG & TB" --xlab "Risk ratio of TB" --favours "Favours vaccine,Favours control" \
    --group-labels "Vaccinated,Unvaccinated" --sort estimate --xlim 0.1,4 --at 0.1,0.25,0.5,1,2,4 \
    --digits 3 --no-overall-test --annotate year,data,effect
svg_has '>BCG &amp; TB</text>' "--title"
svg_has '>Risk ratio of TB</text>' "--xlab"
svg_has '>Favours vaccine</text>' "--favours"
svg_has '>Unvaccinated</text>' "--group-labels"
svg_has '>0.489 [0.344, 0.696]</text>' "--digits"
svg_has '>0.25</text>' "--at"
svg_has '>year</text>' "--annotate (column)"
svg_lacks 'Test for overall effect' "--no-overall-test"
svg_lacks 'Weight' "--annotate (no weight)"
svg_lacks '>Experimental</text>' "--group-labels"
# --sort estimate: Vandiviere (RR 0.198) is the first study, Comstock & Webster (1.56) the last
line_of() { grep -nF -- ">$1</text>" "$F" | head -1 | cut -d: -f1; }
a=$(line_of "Vandiviere et al"); b=$(line_of "Aronson"); c=$(line_of "Comstock &amp; Webster")
[ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ "$a" -lt "$b" ] && [ "$b" -lt "$c" ] && ok || bad "--sort estimate: lines $a $b $c"

# PNG: resolution in pHYs (300 dpi = 11811 pixels per metre), --dpi, --size in px and in
phys() { od -A n -t x1 -v "$1" | tr -d ' \n' | sed -n 's/.*70485973\(........\)\(........\)01.*/\1 \2/p'; }
ihdr() { od -A n -t x1 -j 16 -N 8 -v "$1" | tr -d ' \n'; }
P="$TMP/fig.png"
expect_picture png "$P" "forest png 300 dpi" forest $D/bcg.csv --measure RR -o "$P"
[ "$(phys "$P")" = "00002e23 00002e23" ] && ok || bad "default pHYs: $(phys "$P")"
expect_picture png "$P" "forest png 600 dpi 1600x1200px" forest $D/bcg.csv --measure RR -o "$P" --dpi 600 --size 1600x1200px
[ "$(phys "$P")" = "00005c46 00005c46" ] && ok || bad "--dpi 600 pHYs: $(phys "$P")"
[ "$(ihdr "$P")" = "00000640000004b0" ] && ok || bad "--size 1600x1200px: IHDR $(ihdr "$P")"
expect_picture png "$P" "funnel png 8x6in" funnel $D/bcg.csv --measure RR -o "$P" --size 8x6in --title Funnel
[ "$(ihdr "$P")" = "0000096000000708" ] && ok || bad "--size 8x6in at 300 dpi: IHDR $(ihdr "$P")"
expect_picture svg "$F" "funnel options" funnel $D/bcg.csv --measure RR -o "$F" --title "Small studies" --xlab "RR" --xlim 0.1,10 --size 10x8cm
svg_has '>Small studies</text>' "funnel --title"
svg_has 'width="283.465pt" height="226.772pt"' "funnel --size 10x8cm"
expect_picture svg "$F" "svg outlines" forest $D/bcg.csv --measure RR -o "$F" --svg-text outline
svg_lacks '<text' "--svg-text outline"
# the single-arm proportion: the test of p = 0.5 goes
L=datasets/lupus/responders.csv
expect_picture svg "$F" "PLO with the test" forest $L --measure PLO -o "$F"
svg_has 'Test for overall effect' "PLO default"
expect_picture svg "$F" "PLO without the test" forest $L --measure PLO -o "$F" --no-overall-test
svg_lacks 'Test for overall effect' "PLO --no-overall-test"
# subgroups with --sort weight
expect_picture svg "$F" "subgroups sorted by weight" forest $D/bcg.csv --measure RR --subgroup alloc --sort weight -o "$F"
# batch --plots passes them to forest only
rm -rf "$TMP/fb"
expect_exit 0 "batch --plots --title" batch --out "$TMP/fb" --plots --measure RR --title "Batch title" --no-overall-test $D/bcg.csv
F="$TMP/fb/bcg.svg"
svg_has '>Batch title</text>' "batch --title"
svg_lacks 'Test for overall effect' "batch --no-overall-test"
rm -rf "$TMP/fb"
F="$TMP/fig.svg"

expect_error 1 "batch: --title needs --plots" "batch figure option without --plots" batch --out "$TMP/fb" --measure RR --title x $D/bcg.csv
[ -e "$TMP/fb" ] && bad "batch refused but made its directory" || ok
expect_error 1 "--size: '8x6' is not WxH with a unit" "bad --size" forest $D/bcg.csv --measure RR -o "$F" --size 8x6
expect_error 1 "--xlim: '2,1' is not two increasing numbers" "bad --xlim" forest $D/bcg.csv --measure RR -o "$F" --xlim 2,1
expect_error 1 "--at: 'a,b'" "bad --at" forest $D/bcg.csv --measure RR -o "$F" --at a,b
expect_error 1 "--favours: 'x' is not two texts" "bad --favours" forest $D/bcg.csv --measure RR -o "$F" --favours x
expect_error 1 "--sort: no column 'nope'" "bad --sort" forest $D/bcg.csv --measure RR -o "$F" --sort nope
expect_error 1 "--annotate: no column 'nope'" "bad --annotate" forest $D/bcg.csv --measure RR -o "$F" --annotate nope
expect_error 1 "ratios are > 0" "--xlim off the ratio scale" forest $D/bcg.csv --measure RR -o "$F" --xlim -1,2
expect_error 1 "--favours" "funnel refuses --favours" funnel $D/bcg.csv --measure RR -o "$F" --favours a,b
expect_error 1 "--dpi" "--dpi out of range" forest $D/bcg.csv --measure RR -o "$P" --dpi 5
expect_error 1 "--bayes takes only the drawing options" "forest --bayes --title" forest $D/bcg.csv --measure RR --bayes --tau-prior halfnormal:0.5 --title x -o "$F"
rm -f "$F" "$P"

# forest --loo / --cumul: the refitted models drawn, numbers as cmeta loo / cumul print them
# back-transformed (metafor 3.8.1: without Aronson RR 0.4931 [0.3398, 0.7155])
expect_picture svg "$F" "forest --loo" forest $D/bcg.csv --measure RR --loo -o "$F" --title "Leave one out"
svg_has '>Study omitted</text>' "--loo heading"
svg_has '>0.49 [0.34, 0.72]</text>' "--loo row 1"
svg_has '>Leave one out</text>' "--loo --title"
expect_picture svg "$F" "forest --cumul --order year" forest $D/bcg.csv --measure RR --cumul --order year -o "$F" --digits 3
svg_has '>Study added</text>' "--cumul heading"
svg_has '>0.411 [0.134, 1.257]</text>' "--cumul first row (Aronson 1948)"
svg_has '>0.266 [0.134, 0.527]</text>' "--cumul second row (+ Ferguson & Simes 1949)"
svg_lacks 'Heterogeneity' "--cumul (the last row is the full model)"
expect_picture png "$P" "forest --cumul PLO png" forest datasets/lupus/responders.csv --measure PLO --cumul -o "$P"
expect_error 1 "--order needs --cumul" "forest --order without --cumul" forest $D/bcg.csv --measure RR --order year -o "$F"
expect_error 1 "--loo or --cumul, not both" "forest --loo --cumul" forest $D/bcg.csv --measure RR --loo --cumul -o "$F"
expect_error 1 "--sort, --annotate and --group-labels do not apply" "forest --loo --sort" forest $D/bcg.csv --measure RR --loo --sort weight -o "$F"
expect_error 1 "--subgroup" "forest --loo --subgroup" forest $D/bcg.csv --measure RR --loo --subgroup alloc -o "$F"
expect_error 2 "needs at least 2 studies" "forest --loo k = 1" forest $D/one.csv --loo -o "$F"
rm -f "$F" "$P"
