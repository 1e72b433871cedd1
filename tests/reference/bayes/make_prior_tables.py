#!/usr/bin/env python3
"""Make prior_tables.csv: the Turner et al. 2015 (Stat Med 34:984-998, Table IV) and Rhodes et
al. 2015 (J Clin Epidemiol 68:52-60, Table 3, medical areas other than respiratory and cancer)
predictive distributions as transcribed *independently* of bayesmeta (from which src/lib/bayes.c
was typed) by the R package rnmamod (LoukiaSpin/rnmamod, R/table.tau2.empirical.prior_function.R).
Two separate transcriptions agreeing cell by cell is the check; the papers' pages could not be
opened here. Usage: make_prior_tables.py PATH/TO/table.tau2.empirical.prior_function.R"""
import re
import sys

R = open(sys.argv[1]).read()


def vec(block, var):
    i = R.index(block)
    j = R.index(var + " <- c(", i)
    k = R.index(")", j)
    return [float(x) for x in re.findall(r"-?\d+\.\d+", R[j:k])]


turner_out = ["all-cause-mortality", "obstetric", "cause-specific-mortality", "resource-use",
              "surgical", "withdrawals", "internal", "general-health", "adverse-events",
              "infection", "signs-symptoms", "pain", "quality-of-life", "mental-health",
              "biomarkers", "subjective", "any"]
turner_cmp = ["pharm-placebo", "pharm-pharm", "nonpharm-placebo", "nonpharm-pharm",
              "nonpharm-nonpharm"]
# rnmamod: 13 rows (obstetric .. subjective, general setting) x 5 comparison columns; the last
# three columns repeat Rhodes' single non-pharmacological column
rhodes_rows = {"obstetric": 0, "resource-use": 1, "internal": 2, "general-health": 3,
               "signs-symptoms": 8, "mental-health": 9, "biomarkers": 10, "subjective": 11,
               "any": 12}
rhodes_cmp = ["pharm-placebo", "pharm-pharm", "nonpharm"]

print("spec,a,b")
m = vec('if (measure == "OR") {', "mean_value")
s = vec('if (measure == "OR") {', "sd_value")
for o, name in enumerate(turner_out):
    for c, cmp in enumerate(turner_cmp):
        if name == "any":
            if c == 0:
                print(f"turner:any:any,{m[c * 17 + o]:.2f},{s[c * 17 + o]:.2f}")
            continue
        print(f"turner:{name}:{cmp},{m[c * 17 + o]:.2f},{s[c * 17 + o]:.2f}")
m = vec('area == "other") {', "mean_value")
s = vec('area == "other") {', "sd_value")
for name, r in rhodes_rows.items():
    for c, cmp in enumerate(rhodes_cmp):
        if name == "any":
            if c == 0:
                print(f"rhodes:any:any,{m[c * 13 + r]:.2f},{s[c * 13 + r]:.2f}")
            continue
        print(f"rhodes:{name}:{cmp},{m[c * 13 + r]:.2f},{s[c * 13 + r]:.2f}")
