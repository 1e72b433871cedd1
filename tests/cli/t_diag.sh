# cmeta regress / influence / bias (sourced by run.sh). Reference numbers: tests/test_diag.c.
D=tests/cli/data
G=tests/cli/golden
expect_golden $G/regress_bcg.json "regress JSON (BCG ~ ablat + alloc)" regress $D/diag_bcg.csv --mods ablat,alloc --format json
expect_golden $G/regress_bcg.txt "regress text (BCG ~ ablat + alloc)" regress $D/diag_bcg.csv --mods ablat,alloc
expect_golden $G/regress_bcg_knha.txt "regress text knha, no intercept" regress $D/diag_bcg.csv --mods alloc --no-intercept --test knha
expect_golden $G/regress_bcg.csv "regress CSV" regress $D/diag_bcg.csv --mods ablat --method DL --format csv
expect_error 2 "moderator 'dose' is constant" "regress: constant moderator refused" regress $D/diag_const.csv --mods dose
expect_error 2 "'x3' is a linear combination of 'intrcpt', 'x2'" "regress: collinear moderators refused" regress $D/diag_const.csv --mods x2,x3
expect_error 2 "no column 'nosuch'" "regress: unknown column" regress $D/diag_bcg.csv --mods nosuch
expect_error 1 "--mods A,B is required" "regress: no --mods" regress $D/diag_bcg.csv
expect_error 1 "not available here" "regress: MH refused" regress $D/diag_bcg.csv --mods ablat --method MH
expect_golden $G/regress_bangert.json "regress: missing moderators leave studies out" regress $D/diag_bangert.csv --mods length,wic,meta --format json
expect_golden $G/influence_bcg.txt "influence text (BCG)" influence $D/diag_bcg.csv
expect_golden $G/influence_bcg_ablat.json "influence JSON (BCG ~ ablat)" influence $D/diag_bcg.csv --mods ablat --format json
expect_golden $G/bias_bcg.json "bias JSON (BCG)" bias $D/diag_bcg.csv --format json
expect_golden $G/bias_bangert.txt "bias text (Bangert-Drowns)" bias $D/diag_bangert.csv
expect_error 2 "need at least 3 studies" "bias: k = 2 refused" bias $D/diag_k2.csv
expect_error 2 "at least 3 studies" "influence: k = 2 refused" influence $D/diag_k2.csv
