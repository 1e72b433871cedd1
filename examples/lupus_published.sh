#!/bin/sh
# Published meta-analyses of MSC in lupus: what they report, whether cmeta can re-run them, and
# what the data we have give instead.
. "$(dirname "$0")/lib.sh"
L=datasets/lupus
echo "Published lupus MSC meta-analyses"
note "Liu 2018 (J Peking Univ Health Sci 50:1014-21): 8 studies, 213 patients (3 RCTs + before/after"
note "  studies), RevMan 5.3, SMD: SLEDAI -1.76 (-2.00, -1.51); proteinuria -1.74 (-2.46, -1.03);"
note "  C3 1.28 (0.93, 1.62). Study list and per-study data unpublished: NOT REPRODUCED."
note "Zhou 2020 (Stem Cells Int 2020:6518508): RCT pools of Yang 2014, Zeng 2016, Tang 2016, Deng 2017;"
note "  per-study inputs of the first three unpublished: NOT REPRODUCED (the model rule: zhou2020_rule.sh)."
note "Zeng 2022 (Stem Cells Int 2022:9463314): SLE SLEDAI -2.18 (-3.62, -0.75): NOT REPRODUCED (inputs)."
note "Zeng 2025 (Stem Cell Res Ther 16:65): SLE SLEDAI SMD -2.32 (-3.59, -1.06): NOT REPRODUCED (inputs)."
echo
note "What the available per-study data give (SLEDAI):"
run deng pool $L/deng2017_sledai.csv --measure SMD || EX_MISS=$((EX_MISS + 1))
info "Deng 2017 RCT, g (metafor)" "$(jget "$EX_TMP/deng" estimate)" 4
run dengr pool $L/deng2017_sledai.csv --measure SMD --preset revman5 || EX_MISS=$((EX_MISS + 1))
info "Deng 2017 RCT, g (RevMan 5)" "$(jget "$EX_TMP/dengr" estimate)" 4
run liang pool $L/liang2010_sledai.csv --measure SMCR --smcr-sd baseline --ri 0.5 || EX_MISS=$((EX_MISS + 1))
info "Liang 2010 pre/post, SMCR (baseline SD)" "$(jget "$EX_TMP/liang" estimate)" 4
note "The randomised comparison (g -0.51, CI includes 0) and the before/after change (g -2.54) measure"
note "different things; pooling them, as Liu 2018 did, mixes designs and must be labelled as such."
finish
