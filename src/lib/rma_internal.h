/* rma_internal.h - private helpers of the model fit (rma.c, tau2.c, qprofile.c, llcheck.c,
 * mh.c, fit.c). Never installed; the program never includes it. The linear algebra and the
 * distributions they use are one layer below: linalg.h, dist.h. */
#ifndef CMETA_RMA_INTERNAL_H
#define CMETA_RMA_INTERNAL_H

#include "internal.h"
#include "linalg.h"
#include "dist.h"

typedef struct {
    double tau2, se_tau2;
    int iter;
    int truncated;
} cmeta__tau2_result;

/* Estimate tau^2 by method m (DL ... PM) for yi (centred, as metafor), vi, design X (k x p).
 * Truncates at 0 as metafor does. ENOCONV with a message when an iterative method fails. */
cmeta_status cmeta__tau2(cmeta_method m, const double *yc, const double *vi, size_t k,
                         const double *X, size_t p, double tol, int maxiter,
                         cmeta__tau2_result *res, cmeta_warnings *w, cmeta_error *err);

/* Q-profile confidence interval for tau^2 (Viechtbauer 2007; as metafor 3.8
 * confint.rma.uni type "QP"). tau2_hat sets the search interval [0, max(100, 10 tau2_hat)]. */
void cmeta__tau2_qprofile(cmeta__lin *L, const double *y, const double *vi, double tau2_hat,
                          double level, double *lb, double *ub);

/* A fit with every field NAN / NULL, arrays of the given lengths allocated (zeroed). */
cmeta_fit *cmeta__fit_new(size_t k, size_t p);

/* llcheck.c: warn (to w) when the profile (restricted, reml = 1) log-likelihood of the model
 * with design X (k x p, row-major) is higher somewhere on a grid of tau^2 than at tau2,
 * i.e. Fisher scoring stopped at a local maximum. CMETA_ENOMEM only when the warning
 * cannot be stored; does nothing when w is NULL. */
cmeta_status cmeta__ll_check_global(int reml, const double *y, const double *vi, size_t k,
                                    const double *X, size_t p, double tau2, cmeta_warnings *w);
/* hakn.c: apply o->hakn_ci to an intercept-only knha fit whose se, ci, pval are set (the
 * prediction interval is left as it is); sets f->hakn_ci_applied. */
void cmeta__hakn_ci(cmeta_fit *f, const cmeta_fit_opts *o, const double *yi, const double *vi);

#endif
