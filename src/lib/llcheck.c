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
 * Cost: O(G k p^2) for G = 121 grid points. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

#define LLC_GRID 121
#define LLC_MAXP 64

/* profile (restricted) log-likelihood at t; NAN when X'WX is not positive definite */
static double prof_ll(int reml, const double *y, const double *vi, size_t k, const double *X,
                      size_t p, double t, double *A, double *b)
{
    for (size_t a = 0; a < p * p; a++) A[a] = 0;
    for (size_t a = 0; a < p; a++) b[a] = 0;
    double ll = 0;
    for (size_t i = 0; i < k; i++) {
        double v = vi[i] + t;
        if (!(v > 0)) return NAN;
        double w = 1.0 / v;
        ll -= 0.5 * log(v);
        const double *x = X + i * p;
        for (size_t r = 0; r < p; r++) {
            b[r] += w * x[r] * y[i];
            for (size_t c = 0; c <= r; c++) A[r * p + c] += w * x[r] * x[c];
        }
    }
    /* Cholesky A = L L' in place (lower triangle), then solve for beta into b */
    double logdet = 0;
    for (size_t j = 0; j < p; j++) {
        double d = A[j * p + j];
        for (size_t m = 0; m < j; m++) d -= A[j * p + m] * A[j * p + m];
        if (!(d > 0)) return NAN;
        d = sqrt(d);
        A[j * p + j] = d;
        logdet += 2 * log(d);
        for (size_t r = j + 1; r < p; r++) {
            double s = A[r * p + j];
            for (size_t m = 0; m < j; m++) s -= A[r * p + m] * A[j * p + m];
            A[r * p + j] = s / d;
        }
    }
    for (size_t r = 0; r < p; r++) { /* L z = b */
        double s = b[r];
        for (size_t m = 0; m < r; m++) s -= A[r * p + m] * b[m];
        b[r] = s / A[r * p + r];
    }
    for (size_t r = p; r-- > 0;) { /* L' beta = z */
        double s = b[r];
        for (size_t m = r + 1; m < p; m++) s -= A[m * p + r] * b[m];
        b[r] = s / A[r * p + r];
    }
    for (size_t i = 0; i < k; i++) {
        double e = y[i];
        for (size_t r = 0; r < p; r++) e -= X[i * p + r] * b[r];
        ll -= 0.5 * e * e / (vi[i] + t);
    }
    return reml ? ll - 0.5 * logdet : ll;
}

cmeta_status cmeta__ll_check_global(int reml, const double *y, const double *vi, size_t k,
                                    const double *X, size_t p, double tau2, cmeta_warnings *w)
{
    if (!w || k < 3 || p == 0 || p > LLC_MAXP || !(tau2 >= 0)) return CMETA_OK;
    double A[LLC_MAXP * LLC_MAXP], b[LLC_MAXP];
    double lhat = prof_ll(reml, y, vi, k, X, p, tau2, A, b);
    if (isnan(lhat)) return CMETA_OK;
    double ym = 0, s2 = 0, vmax = 0;
    for (size_t i = 0; i < k; i++) ym += y[i];
    ym /= (double)k;
    for (size_t i = 0; i < k; i++) {
        s2 += (y[i] - ym) * (y[i] - ym);
        if (vi[i] > vmax) vmax = vi[i];
    }
    double s = fmax(vmax, s2 / (double)k);
    if (!(s > 0) || !isfinite(s)) return CMETA_OK;
    double best = lhat, tbest = tau2;
    for (int g = 0; g <= LLC_GRID; g++) {
        double t = g == 0 ? 0.0 : s * pow(10.0, -8.0 + 9.0 * (g - 1) / (LLC_GRID - 1));
        double l = prof_ll(reml, y, vi, k, X, p, t, A, b);
        if (l > best) best = l, tbest = t;
    }
    if (best - lhat > 1e-8 * (1 + fabs(lhat)))
        return cmeta_warn(w, "%s: the likelihood has a higher maximum near tau^2 = %.4g than at "
                             "the estimate %.6g (Fisher scoring, as metafor, stopped at a local "
                             "maximum; log-likelihood %.6g vs %.6g)",
                          reml ? "REML" : "ML", tbest, tau2, best, lhat);
    return CMETA_OK;
}
