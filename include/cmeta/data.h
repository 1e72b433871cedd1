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

typedef struct {
    int measure_set;          /* 0: infer from the columns (only GEN is inferred) */
    cmeta_measure measure;
    cmeta_escalc_opts escalc;
    int ri_set;               /* --ri R given: used where the file has no ri column */
    double ri;
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
    char **row_label;         /* length nrows */
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

/* The measures whose input columns are all present in t (bit i set for measure i), used to
 * say "these columns fit: SMD, MD, ..." when --measure is missing. */
CMETA_EXPORT unsigned long cmeta_measures_fitting(const cmeta_table *t);

#ifdef __cplusplus
}
#endif
#endif
