/* rma_internal.h - private helpers of the model fit (rma.c, tau2.c, heterogeneity.c, mh.c).
 * Never installed; the program never includes it.
 *
 * Notation (Viechtbauer 2010; metafor 3.8 rma.uni): X is the k x p design (row-major),
 * W = diag(w), and
 *     P = W - W X (X'WX)^-1 X'W,
 * so that y'Py = sum w_i (y_i - x_i'b)^2 with b the weighted least-squares fit.
 *
 * P is never formed (it is k x k): with A = (X'WX)^-1, x_i the i-th row of X and
 * M(c) = X' diag(c) X (p x p), P_ij = w_i [i = j] - w_i w_j x_i'A x_j, and every sum the
 * estimators need has an O(k p^2) form (derivations beside the code in rma.c):
 *     P_ii                      = w_i - w_i^2 x_i'A x_i
 *     sum_i d_i P_ii            = sum d_i w_i - sum d_i w_i^2 x_i'A x_i
 *     sum_ij a_i b_j P_ij^2     = sum a_i b_i w_i^2 - 2 sum a_i b_i w_i^3 x_i'A x_i
 *                                 + tr(A M(a w^2) A M(b w^2))
 * Memory O(k p + p^2). */
#ifndef CMETA_RMA_INTERNAL_H
#define CMETA_RMA_INTERNAL_H

#include "internal.h"

/* A zeroed array of n doubles (at least one), NULL when out of memory. */
static inline double *cmeta__dnew(size_t n) { return (double *)cmeta_calloc(n ? n : 1, sizeof(double)); }

/* Fill err with "out of memory" and return CMETA_ENOMEM (every ENOMEM path names itself). */
static inline cmeta_status cmeta__nomem(cmeta_error *err)
{
    return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
}

/* Weighted least squares for one design. Buffers are allocated once by cmeta__lin_init and
 * reused for every weight vector (the iterative estimators refit many times). */
typedef struct {
    size_t k, p;
    const double *X; /* k x p, not owned */
    double *w;       /* k: weights, set by the caller before cmeta__lin_solve */
    double *inv;     /* p x p: (X'WX)^-1 after cmeta__lin_solve */
    double *beta;    /* p: (X'WX)^-1 X'W y when cmeta__lin_solve got a y */
    double *S;       /* 4 p^2 scratch for cmeta__lin_sumPP */
    double *WX;      /* k x p scratch */
    double *r;       /* k scratch: residuals */
    double logdet;   /* log det(X'WX) */
} cmeta__lin;

/* CMETA_ENOMEM (err not touched: callers report it with cmeta__nomem) or CMETA_OK. */
cmeta_status cmeta__lin_init(cmeta__lin *L, const double *X, size_t k, size_t p);
void cmeta__lin_free(cmeta__lin *L);
/* Factorise X'WX (LAPACK dpotrf/dpotri) and, when y is not NULL, solve for beta.
 * Returns 0, or -1 when X'WX is not positive definite. */
int cmeta__lin_solve(cmeta__lin *L, const double *y);
/* sum w_i (y_i - x_i'beta)^2 for the beta of the last solve with this y. */
double cmeta__lin_rss(cmeta__lin *L, const double *y);
/* Sums over P for the weights of the last cmeta__lin_solve (P itself is never formed).
 * A NULL vector stands for a vector of ones. */
double cmeta__lin_Pii(const cmeta__lin *L, size_t i);           /* P_ii */
double cmeta__lin_trPD(const cmeta__lin *L, const double *d);   /* sum_i d_i P_ii = tr(P D) */
/* sum_ij a_i b_j P_ij^2 = tr(P D_a P D_b) */
double cmeta__lin_sumPP(cmeta__lin *L, const double *a, const double *b);
/* Convenience: w_i = 1/(vi_i + tau2), solve, rss. Returns -1 on a singular X'WX. */
int cmeta__lin_at(cmeta__lin *L, const double *vi, double tau2, const double *y, double *rss);

/* The generalised Q statistic Q(tau2) = y'P(tau2)y with w_i = 1/(vi_i + tau2) (the
 * estimating equation of Paule-Mandel and the Q-profile, metafor's .QE.func). NAN when
 * X'WX is singular. */
double cmeta__qgen(cmeta__lin *L, const double *vi, double tau2, const double *y);

/* Find x in [lo, hi] with f(x) = 0 by Brent's method (GSL), f(lo) and f(hi) of opposite
 * signs. Relative tolerance reltol on x. Returns 0, or -1 when it fails. */
int cmeta__brent(double (*f)(double, void *), void *arg, double lo, double hi, double reltol,
                 int maxiter, double *root, int *iter);

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

/* Chi-square quantile with P(X > x) = a (upper = 1) or P(X <= x) = a (upper = 0), also for
 * large df where GSL's own inverse fails (heterogeneity.c). NAN when it cannot be found. */
double cmeta__qchisq(double a, double df, int upper);

/* A fit with every field NAN / NULL, arrays of the given lengths allocated (zeroed). */
cmeta_fit *cmeta__fit_new(size_t k, size_t p);

/* Standard normal / t / chi-square / F tails used for the tests. */
double cmeta__pnorm2(double z);                 /* 2 * P(Z > |z|) */
double cmeta__pt2(double t, double df);         /* 2 * P(T_df > |t|) */
double cmeta__qcrit(double level, double df);   /* z or t (df finite) quantile 1 - alpha/2 */
/* hakn.c: apply o->hakn_ci to an intercept-only knha fit whose se, ci, pval are set (the
 * prediction interval is left as it is); sets f->hakn_ci_applied. */
void cmeta__hakn_ci(cmeta_fit *f, const cmeta_fit_opts *o, const double *yi, const double *vi);

#endif
