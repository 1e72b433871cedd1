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
