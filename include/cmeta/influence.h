/* cmeta/influence.h - case diagnostics of a fixed-, random- or mixed-effects model, as
 * metafor 3.8 influence.rma.uni() (Viechtbauer & Cheung 2010, Res Synth Methods 1:112).
 * Formulas are beside the code in src/lib/influence.c.
 */
#ifndef CMETA_INFLUENCE_H
#define CMETA_INFLUENCE_H

#include "status.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-study diagnostics (arrays of length k, dfbetas k x p row-major). A value that could not
 * be computed (the model without the study could not be fitted) is NAN. */
typedef struct {
    size_t k, p;
    double *rstudent;   /* externally studentized residual */
    double *dffits;
    double *cook_d;     /* Cook's distance (all p coefficients) */
    double *cov_r;      /* covariance ratio det(Vb(-i)) / det(Vb) */
    double *tau2_del;   /* tau^2 without study i */
    double *QE_del;     /* QE without study i */
    double *hat;        /* leverage: diagonal of X (X'WX)^-1 X'W */
    double *weight;     /* percentage weight in the full model */
    double *dfbetas;    /* k x p */
    int *influential;   /* metafor's rule (see influence.c) */
    double tau2, QE;    /* of the full model */
} cmeta_influence;

/* Diagnostics of the model cmeta_rma(yi, vi, k, X, q, opts) (X: k x q moderators, NULL for
 * none, intercept per opts->intercept). Needs k >= p + 2 (CMETA_EDATA below). Refits the
 * model k times, each without one study (a failed refit gives NAN for that study and a
 * warning). *out is new: free with cmeta_influence_free. */
CMETA_EXPORT cmeta_status cmeta_influence_compute(const double *yi, const double *vi, size_t k,
                                                  const double *X, size_t q,
                                                  const cmeta_fit_opts *opts,
                                                  cmeta_influence **out, cmeta_warnings *w,
                                                  cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT void cmeta_influence_free(cmeta_influence *inf);

#ifdef __cplusplus
}
#endif
#endif
