# forest and funnel pictures (sourced by run.sh).
D=tests/cli/data

expect_picture svg "$TMP/f.svg" "forest svg" forest $D/bcg.csv --measure RR -o "$TMP/f.svg"
expect_picture png "$TMP/f.png" "forest png" forest $D/bcg.csv --measure RR -o "$TMP/f.png"
expect_picture pdf "$TMP/f.pdf" "forest pdf" forest $D/bcg.csv --measure OR --method MH -o "$TMP/f.pdf"
expect_picture svg "$TMP/r.svg" "forest revman5" forest $D/bcg.csv --measure RR --layout revman5 -o "$TMP/r.svg"
expect_picture svg "$TMP/p.svg" "forest preset revman5" forest $D/normand.csv --measure SMD --preset revman5 -o "$TMP/p.svg"
expect_picture svg "$TMP/q.svg" "forest preset revman5 RR (MH random)" forest $D/bcg.csv --measure RR --preset revman5 -o "$TMP/q.svg"
expect_picture png "$TMP/s.png" "forest subgroups" forest $D/bcg.csv --measure RR --subgroup alloc -o "$TMP/s.png"
expect_picture svg "$TMP/n.svg" "forest normand MD subgroups revman" forest $D/normand.csv --measure MD --subgroup setting --layout revman5 -o "$TMP/n.svg"
expect_picture svg "$TMP/h.svg" "forest GEN" forest $D/hackshaw.csv -o "$TMP/h.svg"
expect_picture svg "$TMP/u.svg" "funnel svg" funnel $D/bcg.csv --measure RR -o "$TMP/u.svg"
expect_picture png "$TMP/u.png" "funnel contours" funnel $D/hackshaw.csv --contours -o "$TMP/u.png"
expect_picture pdf "$TMP/u.pdf" "funnel trimfill" funnel $D/hackshaw.csv --trimfill -o "$TMP/u.pdf"
expect_picture svg "$TMP/m.svg" "funnel MH trimfill" funnel $D/bcg.csv --measure OR --method MH --trimfill -o "$TMP/m.svg"

# the SVG keeps its text as text, naming the font (issue 17); outlines only on request
grep -q '<text[^>]*font-family="'"'"'DejaVu Sans'"'"', sans-serif"[^>]*>Aronson</text>' "$TMP/f.svg" && ok || bad "forest svg: study label is not a <text>"
grep -q '<path\|<use' "$TMP/f.svg" && bad "forest svg: glyph outlines without --svg-text outline" || ok

expect_error 1 "-o F.svg|F.png|F.pdf is required" "forest without -o" forest $D/bcg.csv --measure RR
expect_error 1 "-o F.svg|F.png|F.pdf is required" "funnel without -o" funnel $D/bcg.csv --measure RR
expect_error 1 "unknown picture format" "forest bad extension" forest $D/bcg.csv --measure RR -o "$TMP/f.jpg"
[ -e "$TMP/f.jpg" ] && bad "bad extension left a file" || ok
expect_error 1 "unknown picture format" "funnel bad extension" funnel $D/bcg.csv --measure RR -o "$TMP/f"
expect_error 1 "--layout" "forest bad layout" forest $D/bcg.csv --measure RR --layout rev -o "$TMP/x.svg"
expect_error 1 "no column 'nope'" "forest unknown subgroup column" forest $D/bcg.csv --measure RR --subgroup nope -o "$TMP/x.svg"
expect_error 4 "cannot write" "forest unwritable" forest $D/bcg.csv --measure RR -o "$TMP/no/such/dir/x.svg"
expect_error 4 "cannot open" "forest missing file" forest $D/nonexistent.csv --measure RR -o "$TMP/x.svg"
expect_exit 0 "forest --help" forest --help
# back-transformed scales: the lupus responders (PLO), the texts are metafor's transformed ones
L=datasets/lupus/responders.csv
expect_exit 0 "forest PLO svg" forest $L --measure PLO -o "$TMP/plo.svg"
expect_exit 0 "forest PLO revman5 png" forest $L --measure PLO --layout revman5 -o "$TMP/plo.png"
expect_exit 0 "funnel PLO" funnel $L --measure PLO -o "$TMP/plof.svg"
expect_exit 0 "forest ZCOR" forest tests/reference/effect/cor_molloy2014_input.csv --measure ZCOR -o "$TMP/z.svg"
expect_exit 0 "forest PFT" forest tests/reference/effect/prop_pritz1997_input.csv --measure PFT -o "$TMP/pft.pdf"
rm -f "$TMP/plo.svg" "$TMP/plo.png" "$TMP/plof.svg" "$TMP/z.svg" "$TMP/pft.pdf"
