/* cmeta/data.h - from a table of trial records to studies ready for analysis.
 *
 * cmeta_data_from_table() picks the columns of a table (canonical names and aliases, see
 * cmeta/table.h), validates every cell (naming FILE:LINE:COLUMN, the study and the rule on
 * the first rule broken), leaves out studies with missing values (with a warning naming
 * each), and computes yi/vi with cmeta_escalc().
 */
#ifndef CMETA_DATA_H
#define CMETA_DATA_H

#include "status.h"
#include "table.h"
#include "effect.h"
#include "reported.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which of a pre/post file's SDs standardizes SMCR and SMCRH (cli.md: m1i sd1i = follow-up,
 * m2i sd2i = baseline). cmeta_escalc divides by its sd1i argument, as metafor 3.8 escalc():
 *   FOLLOWUP: escalc(sd1i = follow-up SD, sd2i = baseline SD) - metafor's result for the file's
 *             columns as they stand, g = J(n-1) (m1i - m2i) / sd1i (the default);
 *   BASELINE: escalc(sd1i = baseline SD, sd2i = follow-up SD) - the pre-test SD, as Becker
 *             (1988), Morris (2000, 2008) and metafor's escalc help recommend,
 *             g = J(n-1) (m1i - m2i) / sd2i. For SMCRH the variance uses both SDs:
 *             v = J^2 (sdiff^2 / (sd2i^2 (n-1)) + g^2 / (2 (n-1))), sdiff^2 = sd1i^2 + sd2i^2
 *             - 2 ri sd1i sd2i, i.e. exactly escalc("SMCRH", m1i = post, m2i = pre,
 *             sd1i = sd_pre, sd2i = sd_post, ni, ri).
 * Other measures ignore it (MC, SMCC use the SDs symmetrically; ROMC pairs each SD with its mean). */
typedef enum {
    CMETA_SMCR_SD_FOLLOWUP = 0,
    CMETA_SMCR_SD_BASELINE = 1
} cmeta_smcr_sd;

/* "followup" / "baseline" (the CLI's --smcr-sd values); NULL for an unknown value. */
CMETA_EXPORT const char *cmeta_smcr_sd_name(cmeta_smcr_sd s);
/* Parse "followup" (also "follow-up", "post") or "baseline" (also "pre"), case-insensitively. CMETA_EUSAGE for anything else. */
CMETA_EXPORT cmeta_status cmeta_smcr_sd_from_name(const char *name, cmeta_smcr_sd *out);

typedef struct {
    int measure_set;          /* 0: infer from the columns (only GEN is inferred) */
    cmeta_measure measure;
    cmeta_escalc_opts escalc;
    int ri_set;               /* --ri R given: used where the file has no ri column and, for the
                               * pre/post measures, for an empty ri cell */
    double ri;
    cmeta_smcr_sd smcr_sd;    /* SD standardizing SMCR/SMCRH (default FOLLOWUP, see above) */
    /* reported statistics (cmeta/reported.h) */
    int ratio;                /* est, ci_lb, ci_ub are ratios (OR RR HR ROM): logs taken; without
                               * a measure (GEN) the results are back-transformed by exp and
                               * named ratio_name (cmeta_data_transform, cmeta_data_measure_name) */
    const char *ratio_name;   /* the name of such log ratios of measure GEN ("HR": --measure HR,
                               * which also sets ratio); NULL: "ratio" when ratio is set */
    cmeta_fivenum_method fivenum; /* medians with IQR/range to means and SDs (default DEFAULT) */
    const char *combine;      /* column (by its name as written) marking arms of one trial: rows
                               * with the same value merge their group 1 into the first such row
                               * (Cochrane Handbook Table 6.5.a; 2x2 counts add), whose control is
                               * used once; later arms may leave the control empty (NULL: none) */
    const unsigned char *rows;/* NULL: every row; else only the table rows i with rows[i] != 0
                               * (the others are neither read nor reported; cmeta_data_load
                               * reads each measure's rows so) */
    int effects_only;         /* 1: the caller needs the effects (yi vi, row_yi row_vi) and
                               * rows only (cmeta escalc): the inputs m1i ... ri and the labels
                               * label, row_label are NULL in the data, which then serves
                               * cmeta_report_escalc and cmeta_data_subset, not the fits and
                               * reports that name studies. Large tables are read in blocks of
                               * rows reusing one set of input arrays, with the results,
                               * warnings and errors of the whole build. Ignored by
                               * cmeta_data_load for a table with a measure column. */
} cmeta_data_opts;

CMETA_EXPORT void cmeta_data_opts_default(cmeta_data_opts *o);

/* Studies ready for analysis. All per-study arrays have length k and follow the table's
 * row order; raw input arrays the family does not use are NULL. */
typedef struct {
    const cmeta_table *table; /* not owned: must outlive the data */
    cmeta_measure measure;
    cmeta_escalc_opts escalc; /* the options yi/vi were computed with (continuity correction,
                               * drop00, vtype); cmeta_fit_data passes them to MH/Peto.
                               * Set it with cmeta_escalc_opts_default when filling a
                               * cmeta_data by hand. */
    size_t nrows;             /* rows in the table */
    size_t k;                 /* studies used */
    size_t *row;              /* table row of each study */
    char **label;             /* study label (column "study" or alias; else "Study N") */
    double *yi, *vi;
    double *m1i, *sd1i, *n1i, *m2i, *sd2i, *n2i;
    double *ai, *bi, *ci, *di;
    double *xi, *ni, *ri;
    double *row_yi, *row_vi;  /* length nrows: NaN for rows left out (when every row is a
                               * study they may be yi and vi themselves, and label row_label) */
    char **row_label;         /* length nrows; one allocation with the texts the data owns
                               * (others point at the table's cells): never freed one by one */
    char **row_yi_from;       /* length nrows, or NULL: the route that gave each row's yi/vi
                               * when the file has reported statistics (cmeta/reported.h):
                               * "mean_sd" "counts" "group_se" "group_ci" "group_se_ci"
                               * "fivenum:METHOD" "yi_vi" "est_ci" "est_se" "est_p" ("+combined" when arms were merged,
                               * "merged" for the arms merged into an earlier row); NULL for a
                               * row left out */
    cmeta_measure *measures;  /* mixed designs (cmeta_data_load, a measure column): each
                               * study's measure, all on one scale (measure is the first
                               * row's); NULL when one measure holds for every study */
    char ratio_name[16];      /* measure GEN holding log ratios (opts ratio or ratio_name):
                               * their name ("HR", "ratio"); "" otherwise */
} cmeta_data;

/* The back-transformation of d's results: the measure's (cmeta_measure_transform), or exp for
 * log ratios given as measure GEN (d->ratio_name set: hazard ratios, e.g.). */
CMETA_EXPORT cmeta_transform_kind cmeta_data_transform(const cmeta_data *d);
/* The name results are labelled by: the measure's, or d->ratio_name ("HR") for such log ratios. */
CMETA_EXPORT const char *cmeta_data_measure_name(const cmeta_data *d);

/* Build the analysis data from a table. On CMETA_EDATA, err names file, line, column,
 * study and rule. Missing cells leave the study out with a warning naming it. */
CMETA_EXPORT cmeta_status cmeta_data_from_table(const cmeta_table *t, const cmeta_data_opts *o,
                                                cmeta_data **out, cmeta_warnings *w,
                                                cmeta_error *err) CMETA_RESULT_USED;
/* Mixed designs (issue 16): cmeta_data_from_table, unless the table has a column `measure`
 * (found by cmeta_table_find_raw, so --col measure=Design names another): then each row's
 * measure is its cell there (a measure name, any case; an empty or NA cell leaves the row out
 * with a warning), the rows of each measure go through cmeta_data_from_table with that measure
 * (one set of columns serves all: m1i sd1i n1i m2i sd2i n2i for two groups, m1i sd1i m2i sd2i
 * ni ri for pre/post ...), and the studies are put back in file order with d->measures set.
 * Measures pool together only on one scale (cmeta_measure_scale): an incompatible mix is
 * CMETA_EDATA naming the rows of each. With o->measure_set the column must agree with it
 * (CMETA_EUSAGE otherwise: which of the two is meant cannot be guessed). */
CMETA_EXPORT cmeta_status cmeta_data_load(const cmeta_table *t, const cmeta_data_opts *o,
                                          cmeta_data **out, cmeta_warnings *w,
                                          cmeta_error *err) CMETA_RESULT_USED;
/* The scale a measure's yi is on; measures with equal scales pool together:
 *   standardized mean differences  SMD SMDH SMD1 SMCC SMCR SMCRH (Morris & DeShon 2002: the
 *                                  two-group and the pre/post d estimate one effect size when
 *                                  both are standardized by a raw-score SD; SMCC by the SD of
 *                                  the change is the change-score metric, kept with them as
 *                                  the issue asks and as meta-analyses of these designs do)
 *   raw mean differences           MD MC
 *   log ratios of means            ROM ROMC
 *   log odds ratios                OR PETO
 * every other measure is a scale of its own. */
CMETA_EXPORT int cmeta_measure_scale(cmeta_measure m);
/* "two-group SMD", "pre-post SMCR", "2x2 OR", "one-group PLO", "correlation ZCOR", "GEN". */
CMETA_EXPORT const char *cmeta_measure_design(cmeta_measure m, char *buf, size_t n);
/* The mix of a mixed-design data set, "3 two-group SMD, 5 pre-post SMCR" (measures in order of
 * first appearance); "" when d->measures is NULL. */
CMETA_EXPORT const char *cmeta_data_mix(const cmeta_data *d, char *buf, size_t n);

/* A new data set holding studies idx[0..n-1] of d (for subgroups, leave-one-out...). */
CMETA_EXPORT cmeta_status cmeta_data_subset(const cmeta_data *d, const size_t *idx, size_t n,
                                            cmeta_data **out) CMETA_RESULT_USED;
CMETA_EXPORT void cmeta_data_free(cmeta_data *d);
/* Every study's sampling variance is > 0, as every fit needs (cmeta_rma refuses vi <= 0 but
 * cannot say where it came from). Otherwise CMETA_EDATA naming file, line, study and the
 * inputs that made it 0, in the user's terms: "ri = 1 makes the sampling variance 0",
 * "--ri 1 with sd1i = sd2i (2) makes ...". escalc results may have vi = 0 (as metafor's):
 * call this before fitting, not before printing effect sizes. */
CMETA_EXPORT cmeta_status cmeta_data_check_vi(const cmeta_data *d, cmeta_error *err) CMETA_RESULT_USED;

/* The measures whose input columns are all present in t (bit i set for measure i), used to
 * say "these columns fit: SMD, MD, ..." when --measure is missing. */
CMETA_EXPORT unsigned long cmeta_measures_fitting(const cmeta_table *t);

#ifdef __cplusplus
}
#endif
#endif
