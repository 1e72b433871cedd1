/* llcheck.c - is the ML/REML estimate of tau^2 the highest maximum of the likelihood?
 *
 * Fisher scoring from the Hedges estimate (as metafor 3.8 rma.uni) finds a local maximum of
 * the (restricted) log-likelihood in tau^2. With a precise cluster of studies and a few
 * imprecise outliers the profile can have two maxima (e.g. near 0.07 and near 20), and the
 * scoring may stop at the lower one. cmeta keeps metafor's answer but says so: the profile
 *   ll(t)  = -1/2 sum log(vi + t) - 1/2 sum wi (yi - xi'b(t))^2,   wi = 1/(vi + t)
 *   rll(t) = ll(t) - 1/2 log det(X'WX)                          (REML; constants dropped)
 * (Viechtbauer 2005, J Educ Behav Stat 30:261) is evaluated at tau^2 = 0 and on a log grid
 * from s 1e-8 to 10 s, s = max(max vi, mean (yi - mean y)^2); a grid value above the
 * estimate's by more than 1e-8 (1 + |ll|) gives a warning naming where the higher maximum is.
 * Cost: O(G k p^2) for G = 121 grid points, any number of coefficients p. */
#include <math.h>
#include <stdlib.h>

#include "rma_internal.h"

#define LLC_GRID 121

/* Profile (restricted) log-likelihood at t, constants dropped (cmeta__loglik with m = 0);
 * NAN when X'WX is not positive definite. A: p x p, b: p scratch. */
static double prof_ll(int reml, const double *y, const double *vi, size_t k, const double *X,
                      size_t p, double t, double *A, double *b)
{
    for (size_t a = 0; a < p * p; a++) A[a] = 0;
    for (size_t a = 0; a < p; a++) b[a] = 0;
    double slv = 0;
    for (size_t i = 0; i < k; i++) {
        double v = vi[i] + t;
        if (!(v > 0)) return NAN;
        double w = 1.0 / v;
        slv += log(v);
        const double *x = X + i * p;
        for (size_t r = 0; r < p; r++) {
            b[r] += w * x[r] * y[i];
            for (size_t c = 0; c <= r; c++) A[r * p + c] += w * x[r] * x[c];
        }
    }
    if (cmeta__chol(A, p) != 0) return NAN;
    cmeta__chol_solve(A, p, b); /* beta */
    double rss = 0;
    for (size_t i = 0; i < k; i++) {
        double e = y[i];
        for (size_t r = 0; r < p; r++) e -= X[i * p + r] * b[r];
        rss += e * e / (vi[i] + t);
    }
    return cmeta__loglik(reml, 0.0, slv, rss, reml ? cmeta__chol_logdet(A, p) : 0.0, 0.0);
}

cmeta_status cmeta__ll_check_global(int reml, const double *y, const double *vi, size_t k,
                                    const double *X, size_t p, double tau2, cmeta_warnings *w)
{
    /* Not checked, by design: no warnings wanted (w NULL); fewer than 3 studies (the
     * clusters-and-outliers shape behind a second maximum needs more); no coefficients or no
     * estimate. Any number of coefficients is checked (the 64 limit of a stack array is gone). */
    if (!w || k < 3 || p == 0 || !(tau2 >= 0)) return CMETA_OK;
    double *A = cmeta__dnew(p * p + p);
    if (!A) return CMETA_ENOMEM;
    double *b = A + p * p;
    cmeta_status st = CMETA_OK;
    double lhat = prof_ll(reml, y, vi, k, X, p, tau2, A, b);
    double ym = 0, s2 = 0, vmax = 0;
    for (size_t i = 0; i < k; i++) ym += y[i];
    ym /= (double)k;
    for (size_t i = 0; i < k; i++) {
        s2 += (y[i] - ym) * (y[i] - ym);
        if (vi[i] > vmax) vmax = vi[i];
    }
    double s = fmax(vmax, s2 / (double)k);
    /* the estimate's own X'WX singular, or no scale for the grid: nothing to compare with
     * (the fit itself reports a singular X'WX) */
    if (isnan(lhat) || !(s > 0) || !isfinite(s)) goto done;
    double best = lhat, tbest = tau2;
    for (int g = 0; g <= LLC_GRID; g++) {
        double t = g == 0 ? 0.0 : s * pow(10.0, -8.0 + 9.0 * (g - 1) / (LLC_GRID - 1));
        double l = prof_ll(reml, y, vi, k, X, p, t, A, b);
        if (l > best) best = l, tbest = t;
    }
    if (best - lhat > 1e-8 * (1 + fabs(lhat)))
        st = cmeta_warn(w, "%s: the likelihood has a higher maximum near tau^2 = %.4g than at "
                           "the estimate %.6g (Fisher scoring, as metafor, stopped at a local "
                           "maximum; log-likelihood %.6g vs %.6g)",
                        reml ? "REML" : "ML", tbest, tau2, best, lhat);
done:
    cmeta_free(A);
    return st;
}
