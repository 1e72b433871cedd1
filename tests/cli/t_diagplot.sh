# cmeta plot baujat|radial|qq|labbe (sourced by run.sh): the plotted quantities (-o F.csv) against
# metafor 3.8.1 (tests/reference/plots/make.R; tolerances: tests/cli/tolerances, diagplot_*),
# the pictures, and the refusals.
D=tests/cli/data
R=tests/reference/plots
# expect_plotdata NAME KIND ARGS... : -o F.csv equals $R/diagplot_NAME_KIND.csv
expect_plotdata() {
    pname=$1 pkind=$2; shift 2
    rm -f "$TMP/dp.csv"
    run_cmd plot "$pkind" "$@" -o "$TMP/dp.csv"
    if [ "$rc" != 0 ]; then bad "plot $pkind $pname: exit $rc; stderr: $(head -c 300 "$TMP/err")"
    elif golden_differs "$R/diagplot_${pname}_$pkind.csv" "$TMP/dp.csv"; then bad "plot $pkind $pname: $why"
    else ok; fi
}
for k in baujat radial qq; do
    expect_plotdata bcg_rr_reml $k $D/bcg.csv --measure RR --method REML
    expect_plotdata bcg_rr_dl_knha $k $D/bcg.csv --measure RR --method DL --test knha
    expect_plotdata bcg_rr_fe $k $D/bcg.csv --measure RR --method FE
    expect_plotdata bcg_rr_pm_l90 $k $D/bcg.csv --measure RR --method PM --level 90
    expect_plotdata normand_md_reml $k $D/normand1999.csv --measure MD
done
expect_plotdata bcg_or_mh baujat $D/bcg.csv --measure OR --method MH
expect_plotdata bcg_or_mh radial $D/bcg.csv --measure OR --method MH
rm -f "$TMP/dp.csv"

expect_picture svg "$TMP/b.svg" "plot baujat svg" plot baujat $D/bcg.csv --measure RR -o "$TMP/b.svg"
expect_picture png "$TMP/b.png" "plot radial png" plot radial $D/bcg.csv --measure RR -o "$TMP/b.png"
expect_picture pdf "$TMP/b.pdf" "plot qq pdf" plot qq $D/normand1999.csv --measure MD -o "$TMP/b.pdf"
expect_picture svg "$TMP/m.svg" "plot baujat MH" plot baujat $D/bcg.csv --measure OR --method MH -o "$TMP/m.svg"
rm -f "$TMP/b.svg" "$TMP/b.png" "$TMP/b.pdf" "$TMP/m.svg"

expect_error 1 "name the plot first" "plot without a kind" plot $D/bcg.csv --measure RR -o "$TMP/x.svg"
expect_error 1 "-o F.svg|F.png|F.pdf is required" "plot without -o" plot radial $D/bcg.csv --measure RR
expect_error 1 "unknown picture format" "plot bad extension" plot radial $D/bcg.csv --measure RR -o "$TMP/x.jpg"
expect_error 1 "inverse-variance model" "plot qq MH" plot qq $D/bcg.csv --measure OR --method MH -o "$TMP/x.svg"
expect_error 2 "at least 2 studies" "plot one study" plot baujat $D/one.csv -o "$TMP/x.svg"
[ -e "$TMP/x.svg" ] && bad "plot: a refused run left a file" || ok
expect_exit 0 "plot --help" plot --help

# L'Abbe (labbe.rma): per-arm rates on the measure's scale, sizes, the effect line
Z=$R/labbe_zeros.csv
expect_plotdata bcg_rr_reml labbe $D/bcg.csv --measure RR
expect_plotdata bcg_or_dl labbe $D/bcg.csv --measure OR --method DL
expect_plotdata bcg_rd_fe labbe $D/bcg.csv --measure RD --method FE
expect_plotdata bcg_as_reml labbe $D/bcg.csv --measure AS
expect_plotdata bcg_or_mh labbe $D/bcg.csv --measure OR --method MH
expect_plotdata zeros_or_dl labbe $Z --measure OR --method DL
expect_plotdata zeros_rr_fe labbe $Z --measure RR --method FE
rm -f "$TMP/dp.csv"
expect_picture svg "$TMP/l.svg" "plot labbe svg" plot labbe $D/bcg.csv --measure OR -o "$TMP/l.svg"
expect_picture png "$TMP/l.png" "plot labbe RD png" plot labbe $D/bcg.csv --measure RD -o "$TMP/l.png"
rm -f "$TMP/l.svg" "$TMP/l.png"
expect_error 1 "measure RR, OR, RD or AS" "plot labbe MD" plot labbe $D/normand1999.csv --measure MD -o "$TMP/x.svg"
expect_error 1 "measure RR, OR, RD or AS" "plot labbe PETO" plot labbe $D/bcg.csv --measure PETO -o "$TMP/x.svg"

# issue 17 item 3: drapery, the Q-Q envelope, figure controls of cmeta plot, regress --plot
phys() { od -A n -t x1 -v "$1" | tr -d ' \n' | sed -n 's/.*70485973\(........\)\(........\)01.*/\1 \2/p'; }
F="$TMP/dg.svg"
svg_has() { grep -qF -- "$1" "$F" && ok || bad "$2: the SVG lacks $1"; }
svg_lacks() { grep -qF -- "$1" "$F" && bad "$2: the SVG has $1" || ok; }
# drapery -o F.csv: theta, one column per study, pooled, prediction; 1000 + k + 1 rows; the
# peak of each study's curve (p = 1 at theta = yi) and of the pooled one
run_cmd plot drapery $D/bcg.csv --measure RR -o "$TMP/dr.csv"
[ "$rc" = 0 ] && ok || bad "plot drapery csv: exit $rc $(head -c 300 "$TMP/err")"
[ "$(head -1 "$TMP/dr.csv")" = "theta,Aronson,Ferguson & Simes,Rosenthal et al,Hart & Sutherland,Frimodt-Moller et al,Stein & Aronson,Vandiviere et al,TPT Madras,Coetzee & Berjak,Rosenthal et al,Comstock et al,Comstock & Webster,Comstock et al,pooled,prediction" ] \
    && ok || bad "plot drapery csv header: $(head -1 "$TMP/dr.csv")"
[ "$(wc -l <"$TMP/dr.csv")" = 1015 ] && ok || bad "plot drapery csv rows: $(wc -l <"$TMP/dr.csv")"
n1=$(awk -F, 'NR > 1 { for (i = 2; i <= 15; i++) if ($i == 1) n++ } END { print n }' "$TMP/dr.csv")
[ "$n1" = 14 ] && ok || bad "plot drapery: $n1 curves reach p = 1 (14 expected)"
run_cmd plot drapery $D/bcg.csv --measure RR --method FE -o "$TMP/dr.csv"
awk -F, 'NR > 1 && $16 != "" { bad = 1 } END { exit bad }' "$TMP/dr.csv" && ok || bad "plot drapery FE: a prediction curve"
rm -f "$TMP/dr.csv"
expect_picture svg "$F" "plot drapery svg" plot drapery $D/bcg.csv --measure RR -o "$F"
svg_has '>P-value</text>' "drapery y axis"
svg_has '>p = 0.05</text>' "drapery level line"
svg_has '>95% CI</text>' "drapery level line"
svg_has '>Prediction region</text>' "drapery legend"
svg_has '>Risk Ratio (log scale)</text>' "drapery x axis"
expect_picture svg "$F" "plot drapery 90%" plot drapery $D/bcg.csv --measure RR --level 90 -o "$F"
svg_has '>p = 0.1</text>' "drapery --level 90"
expect_picture png "$TMP/dg.png" "plot drapery png" plot drapery $D/normand1999.csv --measure MD --test knha -o "$TMP/dg.png"
expect_picture pdf "$TMP/dg.pdf" "plot drapery pdf" plot drapery $D/bcg.csv --measure OR --method MH -o "$TMP/dg.pdf"

# every drawing control reaches every plot (and the PNG's resolution is written)
for k in baujat radial qq labbe drapery; do
    expect_picture svg "$F" "plot $k figure options" plot $k $D/bcg.csv --measure RR -o "$F" \
        --title "Title of $k" --xlab "X of $k" --size 12x9cm
    svg_has ">Title of $k</text>" "plot $k --title"
    svg_has ">X of $k</text>" "plot $k --xlab"
    svg_has 'width="340.157pt" height="255.118pt"' "plot $k --size 12x9cm"
    expect_picture svg "$F" "plot $k outlines" plot $k $D/bcg.csv --measure RR -o "$F" --svg-text outline
    svg_lacks '<text' "plot $k --svg-text outline"
    expect_picture png "$TMP/dg.png" "plot $k --dpi 600" plot $k $D/bcg.csv --measure RR -o "$TMP/dg.png" --dpi 600
    [ "$(phys "$TMP/dg.png")" = "00005c46 00005c46" ] && ok || bad "plot $k --dpi 600 pHYs: $(phys "$TMP/dg.png")"
done
expect_picture png "$TMP/dg.png" "plot qq png 300 dpi" plot qq $D/bcg.csv --measure RR -o "$TMP/dg.png"
[ "$(phys "$TMP/dg.png")" = "00002e23 00002e23" ] && ok || bad "plot qq default pHYs: $(phys "$TMP/dg.png")"
expect_picture svg "$F" "plot rob-summary --size" plot rob-summary $D/rob_madeup.csv --measure RR -o "$F" --size 12x9cm
svg_has 'width="340.157pt" height="255.118pt"' "plot rob-summary --size 12x9cm"

# the Q-Q envelope: dotted lines; the same seed the same figure, another seed another
expect_picture svg "$F" "plot qq envelope" plot qq $D/bcg.csv --measure RR -o "$F"
n=$(grep -c 'stroke-dasharray' "$F")
[ "$n" -ge 24 ] && ok || bad "plot qq: $n dashed/dotted lines (24 envelope segments expected)"
cp "$F" "$TMP/q1.svg"
expect_picture svg "$F" "plot qq --seed 1" plot qq $D/bcg.csv --measure RR -o "$F" --seed 1 --reps 1000
cmp -s "$F" "$TMP/q1.svg" && ok || bad "plot qq: the default is --seed 1 --reps 1000"
expect_picture svg "$F" "plot qq --seed 2" plot qq $D/bcg.csv --measure RR -o "$F" --seed 2
cmp -s "$F" "$TMP/q1.svg" && bad "plot qq --seed 2 drew the same envelope" || ok
expect_picture svg "$F" "plot qq --reps 5000" plot qq $D/bcg.csv --measure RR -o "$F" --reps 5000
cmp -s "$F" "$TMP/q1.svg" && bad "plot qq --reps 5000 drew the same envelope" || ok
expect_picture svg "$F" "plot qq --no-envelope" plot qq $D/bcg.csv --measure RR -o "$F" --no-envelope
n=$(grep -c 'stroke-dasharray' "$F")
[ "$n" = 0 ] && ok || bad "plot qq --no-envelope: $n dotted lines"
rm -f "$TMP/q1.svg"

# options a plot does not use are refused
expect_error 1 "plot radial: --seed does not apply (it is for the envelope of plot qq)" "plot radial --seed" plot radial $D/bcg.csv --measure RR -o "$F" --seed 3
expect_error 1 "plot drapery: --reps does not apply" "plot drapery --reps" plot drapery $D/bcg.csv --measure RR -o "$F" --reps 10
expect_error 1 "plot qq: --title does not apply to -o F.csv" "plot qq csv --title" plot qq $D/bcg.csv --measure RR -o "$TMP/x.csv" --title x
expect_error 1 "plot qq: --seed does not apply to -o F.csv" "plot qq csv --seed" plot qq $D/bcg.csv --measure RR -o "$TMP/x.csv" --seed 2
expect_error 1 "plot rob-summary: --xlab does not apply" "plot rob-summary --xlab" plot rob-summary $D/rob_madeup.csv --measure RR -o "$F" --xlab x
expect_error 1 "--no-envelope" "plot qq --no-envelope --reps" plot qq $D/bcg.csv --measure RR -o "$F" --no-envelope --reps 10
expect_error 1 "--favours" "plot refuses --favours" plot drapery $D/bcg.csv --measure RR -o "$F" --favours a,b
expect_error 1 "--xlim" "plot refuses --xlim" plot drapery $D/bcg.csv --measure RR -o "$F" --xlim 0.1,2
[ -e "$TMP/x.csv" ] && bad "a refused plot left a file" || ok

# regress --plot: the bubble plot (metafor regplot)
C=datasets/classic/bcg.csv
expect_exit 0 "regress --plot" regress $C --measure RR --mods ablat --plot "$F" --title "Latitude" --xlab "Absolute latitude"
svg_has '>Latitude</text>' "regress --plot --title"
svg_has '>Absolute latitude</text>' "regress --plot --xlab"
svg_has '>Log Risk Ratio</text>' "regress --plot y axis"
[ "$(grep -c '<circle' "$F")" = 13 ] && ok || bad "regress --plot: $(grep -c '<circle' "$F") circles"
svg_lacks 'stroke-dasharray="1' "regress --plot: no dotted prediction band by default"
expect_exit 0 "regress --plot --plot-pi" regress $C --measure RR --mods ablat --plot "$F" --plot-pi
grep -q 'stroke-dasharray' "$F" && ok || bad "regress --plot-pi: no band edges"
expect_exit 0 "regress --plot png" regress $C --measure RR --mods ablat,year --plot "$TMP/dg.png" --plot-mod year --dpi 150
[ "$(phys "$TMP/dg.png")" = "00001712 00001712" ] && ok || bad "regress --plot --dpi 150 pHYs: $(phys "$TMP/dg.png")"
expect_error 1 "name the one for the x axis with --plot-mod NAME" "regress --plot two moderators" regress $C --measure RR --mods ablat,year --plot "$F"
expect_error 1 "--plot-mod: 'nope' is not a coefficient" "regress --plot-mod nope" regress $C --measure RR --mods ablat,year --plot "$F" --plot-mod nope
expect_error 1 "regress: --title needs --plot" "regress --title without --plot" regress $C --measure RR --mods ablat --title x
expect_error 1 "--plot-mod" "regress --plot-mod without --plot" regress $C --measure RR --mods ablat --plot-mod ablat
expect_error 1 "unknown picture format" "regress --plot bad extension" regress $C --measure RR --mods ablat --plot "$TMP/x.jpg"
rm -f "$F" "$TMP/dg.png" "$TMP/dg.pdf"
