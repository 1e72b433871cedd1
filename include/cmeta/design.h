/* cmeta/design.h - the design matrix of a meta-regression (moderators -> X).
 *
 * Moderator columns are turned into model-matrix columns the way R's model.matrix() does
 * for metafor's rma(yi, vi, mods = ~ A + B):
 *   - a numeric column (every non-missing cell a number) is one column, named as in the file;
 *   - a text column is a factor: its levels are the distinct texts of the studies kept,
 *     sorted (ASCII letters compared without case first, then lower case before upper case,
 *     other bytes by value - R's sort() in an English UTF-8 locale for plain ASCII labels);
 *     with an intercept the first level is the reference and each other level is a 0/1
 *     column named column + level ("alloc" + "random" -> "allocrandom"); without an
 *     intercept the first text moderator gets one column per level (as R's ~ alloc - 1),
 *     later ones are coded against their first level as before;
 *   - the intercept column (all ones) is named "intrcpt", as metafor names it.
 * A study with any moderator missing (empty cell or NA) is left out with a warning naming
 * it and the moderator. A design that is not of full column rank (a constant moderator, a
 * level that never occurs, collinear moderators) is refused with CMETA_EDATA naming the
 * columns involved (metafor drops such columns with a warning instead).
 */
#ifndef CMETA_DESIGN_H
#define CMETA_DESIGN_H

#include "status.h"
#include "data.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t n;          /* studies kept (rows) */
    size_t q;          /* moderator columns (intercept not counted) */
    size_t p;          /* coefficients: q + intercept */
    int intercept;     /* 1: the model has an intercept ("intrcpt", not stored in X) */
    double *X;         /* n x q, row-major: the moderator columns only (what cmeta_rma takes) */
    char **names;      /* p coefficient names, "intrcpt" first when intercept */
    size_t *keep;      /* n: 0-based index, in the input, of each study kept */
} cmeta_design;

/* Build a design from text cells. cells is k x nmods row-major (cells[i * nmods + j] is study
 * i's value of moderator j; NULL, "", "NA" are missing); modnames names the moderators;
 * labels (may be NULL) name the studies in warnings. Fails with CMETA_EDATA when fewer
 * than p studies remain, or the design is rank deficient (message names the columns).
 * *out is new: free with cmeta_design_free. */
CMETA_EXPORT cmeta_status cmeta_design_build(const char *const *cells, size_t k,
                                             const char *const *modnames, size_t nmods,
                                             const char *const *labels, int intercept,
                                             cmeta_design **out, cmeta_warnings *w,
                                             cmeta_error *err) CMETA_RESULT_USED;

/* The same from analysis data: mods is a comma-separated list of column names of d's table
 * (matched case-insensitively, blanks around names ignored). keep[] indexes d's studies.
 * A name that is not a column is CMETA_EDATA ("no column 'x' ..."). */
CMETA_EXPORT cmeta_status cmeta_design_from_data(const cmeta_data *d, const char *mods,
                                                 int intercept, cmeta_design **out,
                                                 cmeta_warnings *w,
                                                 cmeta_error *err) CMETA_RESULT_USED;

/* Check that the n x p row-major matrix X has full column rank (Gram-Schmidt in column
 * order with a relative tolerance of 1e-7, as R's lm() QR). On failure CMETA_EDATA with a
 * message naming the first dependent column and the columns it depends on, e.g.
 * "moderators are collinear: 'b' is a linear combination of 'intrcpt', 'a'" or
 * "moderator 'x' is constant (collinear with the intercept)". names may be NULL. */
CMETA_EXPORT cmeta_status cmeta_design_check_rank(const double *X, size_t n, size_t p,
                                                  const char *const *names,
                                                  cmeta_error *err) CMETA_RESULT_USED;

/* The full n x p matrix (intercept column first when present) in a new array the caller
 * frees with cmeta_free; NULL when out of memory. */
CMETA_EXPORT double *cmeta_design_full(const cmeta_design *d);

CMETA_EXPORT void cmeta_design_free(cmeta_design *d);

#ifdef __cplusplus
}
#endif
#endif
