#!/bin/sh
# Deng 2017 (Ann Rheum Dis 76:1436-9), UC-MSC (n 12) vs placebo (n 6) in lupus nephritis:
# the check values of the research notes (computed with R metafor 3.8 from the published arm
# summaries; MSC minus placebo). One trial per outcome, so each "pool" is that trial's effect.
. "$(dirname "$0")/lib.sh"
L=datasets/lupus
echo "Deng 2017, one RCT: effect sizes from the published arm summaries"
run g pool $L/deng2017_sledai.csv --measure SMD &&
{ check "SLEDAI change, Hedges' g" -0.513 "$(jget "$EX_TMP/g" estimate)"
  check "  95% CI lower" -1.507 "$(jget "$EX_TMP/g" ci_lb)"
  check "  95% CI upper" 0.481 "$(jget "$EX_TMP/g" ci_ub)"; } || EX_MISS=$((EX_MISS + 1))
run md pool $L/deng2017_sledai.csv --measure MD &&
{ check "SLEDAI change, MD" -3.0 "$(jget "$EX_TMP/md" estimate)"
  check "  95% CI lower" -9.79 "$(jget "$EX_TMP/md" ci_lb)"
  check "  95% CI upper" 3.79 "$(jget "$EX_TMP/md" ci_ub)"; } || EX_MISS=$((EX_MISS + 1))
run pr pool $L/deng2017_protein6m.csv --measure SMD &&
{ check "24-h protein at 6 months, g" -1.161 "$(jget "$EX_TMP/pr" estimate)"
  check "  95% CI lower" -2.212 "$(jget "$EX_TMP/pr" ci_lb)"
  check "  95% CI upper" -0.110 "$(jget "$EX_TMP/pr" ci_ub)"; } || EX_MISS=$((EX_MISS + 1))
run rr pool $L/deng2017_remission.csv --measure RR &&
{ check "remission 9/12 vs 5/6, RR" 0.90 "$(jget "$EX_TMP/rr" transformed.estimate)"
  check "  95% CI lower" 0.554 "$(jget "$EX_TMP/rr" transformed.ci_lb)"
  check "  95% CI upper" 1.461 "$(jget "$EX_TMP/rr" transformed.ci_ub)"; } || EX_MISS=$((EX_MISS + 1))

echo "  other Deng 2017 outcomes (nothing published as an effect size; R metafor 3.8.1 for comparison):"
for o in albumin:0.7935:-0.2201:1.8072 c3:0.0838:-0.8966:1.0642 c4:0.3492:-0.6374:1.3358; do
    IFS=: read -r name e lb ub <<IN
$o
IN
    run "$name" pool $L/deng2017_$name.csv --measure SMD &&
    { ref "change in $name, g" "$e" "$(jget "$EX_TMP/$name" estimate)"
      ref "  95% CI" "$lb" "$(jget "$EX_TMP/$name" ci_lb)"
      ref "" "$ub" "$(jget "$EX_TMP/$name" ci_ub)"; } || EX_MISS=$((EX_MISS + 1))
done
for o in complete_remission:0.8333:0.2936:2.3654 sledai_gt8_6m:0.3750:0.1209:1.1627; do
    IFS=: read -r name e lb ub <<IN
$o
IN
    run "$name" pool $L/deng2017_$name.csv --measure RR &&
    { ref "$name, RR" "$e" "$(jget "$EX_TMP/$name" transformed.estimate)"
      ref "  95% CI" "$lb" "$(jget "$EX_TMP/$name" transformed.ci_lb)"
      ref "" "$ub" "$(jget "$EX_TMP/$name" transformed.ci_ub)"; } || EX_MISS=$((EX_MISS + 1))
done
note "With 12 vs 6 patients every 95% CI includes no difference except protein at 6 months;"
note "the trial was stopped early (Deng 2017)."
finish
