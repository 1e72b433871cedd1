#!/bin/sh
# The unknown pre-post correlation of the lupus before/after studies, in one run (issue 16 item 5):
# `cmeta pool FILE --ri-sweep 0:0.9:0.1` re-pools with every assumed correlation for the studies
# that report none, prints the table and the tipping points (where the CI starts or stops
# including 0, where the estimate changes sign). Liang 2010 (Ann Rheum Dis 69:1423-9; SLEDAI
# 12.2 -> 3.2, n 12, correlation not reported) is checked row by row against R metafor 3.8.1
# (examples/metafor_reference.txt, the same figures examples/liang2010_prepost.sh gets with one
# --ri per run): SMCR by the baseline SD and SMCC.
#
# To extend: add pre/post files to PREPOST (columns m1i sd1i = follow-up, m2i sd2i = baseline, ni,
# and ri where it was reported: those studies keep their own), or give per-study bounds in
# ri_lb/ri_ub columns to get the range over their corners. The mixed design (Deng 2017's RCT beside
# Liang 2010 on SLEDAI, as the published lupus meta-analyses pool them) is examples/lupus_mixed.sh:
# a `measure` column and the same sweep (only the pre/post row takes each ri).
. "$(dirname "$0")/lib.sh"
L=datasets/lupus
PREPOST="$L/liang2010_sledai.csv"
refs=$(sed -n '/Liang 2010 sledai :/,/Liang 2010 proteinuria :/p' examples/metafor_reference.txt | grep '^0\.')
for f in $PREPOST; do
    echo "$f: pool --ri-sweep 0:0.9:0.1 (SMCR by the baseline SD; SMCC)"
    run r pool "$f" --measure SMCR --smcr-sd baseline --ri-sweep 0:0.9:0.1 || { EX_MISS=$((EX_MISS + 1)); continue; }
    run c pool "$f" --measure SMCC --ri-sweep 0:0.9:0.1 || { EX_MISS=$((EX_MISS + 1)); continue; }
    i=0
    echo "$refs" | while read -r ri a alb aub b blb bub; do
        [ -n "$ri" ] || continue
        got="$(round "$(jget "$EX_TMP/r" "ri_sweep[$i].ri")" 1) $(round "$(jget "$EX_TMP/r" "ri_sweep[$i].estimate")" 4)"
        got="$got $(round "$(jget "$EX_TMP/r" "ri_sweep[$i].ci_lb")" 4) $(round "$(jget "$EX_TMP/r" "ri_sweep[$i].ci_ub")" 4)"
        got="$got $(round "$(jget "$EX_TMP/c" "ri_sweep[$i].estimate")" 4) $(round "$(jget "$EX_TMP/c" "ri_sweep[$i].ci_lb")" 4)"
        got="$got $(round "$(jget "$EX_TMP/c" "ri_sweep[$i].ci_ub")" 4)"
        if [ "$got" = "$ri $a $alb $aub $b $blb $bub" ]; then mark=ok; else mark="MISS (metafor: $ri $a $alb $aub $b $blb $bub)"; echo x >>"$EX_TMP/miss"; fi
        printf '  ri %s  SMCR %s (%s, %s)  SMCC %s (%s, %s)  %s\n' $got "$mark"
        i=$((i + 1))
    done
    for m in r c; do
        tp=$(jget "$EX_TMP/$m" "tipping_points[0].type")
        note "tipping points ($([ $m = r ] && echo SMCR || echo SMCC)): ${tp:-none on this grid (the CI excludes 0 at every ri)}"
    done
done
EX_MISS=$((EX_MISS + $(cat "$EX_TMP/miss" 2>/dev/null | wc -l)))
EX_OK=$((10 - $(cat "$EX_TMP/miss" 2>/dev/null | wc -l)))
finish
