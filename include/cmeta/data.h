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
    int ri_set;               /* --ri R given: used where the file has no ri column */
    double ri;
    cmeta_smcr_sd smcr_sd;    /* SD standardizing SMCR/SMCRH (default FOLLOWUP, see above) */
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
    double *row_yi, *row_vi;  /* length nrows: NaN for rows left out */
    char **row_label;         /* length nrows; one allocation with the texts the data owns
                               * (others point at the table's cells): never freed one by one */
} cmeta_data;

/* Build the analysis data from a table. On CMETA_EDATA, err names file, line, column,
 * study and rule. Missing cells leave the study out with a warning naming it. */
CMETA_EXPORT cmeta_status cmeta_data_from_table(const cmeta_table *t, const cmeta_data_opts *o,
                                                cmeta_data **out, cmeta_warnings *w,
                                                cmeta_error *err) CMETA_RESULT_USED;
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
