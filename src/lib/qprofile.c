/* qprofile.c - the Q-profile confidence interval for tau^2 (Viechtbauer 2007, Stat Med
 * 26:37-52), as metafor 3.8 confint.rma.uni(type = "QP").
 *
 * The generalised Q statistic Q(tau^2) = sum w_i (y_i - x_i'b)^2, w_i = 1/(v_i + tau^2), is
 * decreasing in tau^2 and chi^2_{k-p} at the true tau^2, so
 *     lower bound: Q(tau^2) = chi^2_{k-p, 1 - alpha/2}
 *     upper bound: Q(tau^2) = chi^2_{k-p, alpha/2}
 * searched in [0, tau2_max], tau2_max = max(100, 10 tau^2_hat) as metafor. A bound whose
 * equation has no root there is 0 (Q(0) already below the quantile) or tau2_max (metafor
 * prints it as "> tau2_max"); the same convention is kept so the numbers match.
 * The I^2 and H^2 intervals follow from the bounds through vt (see rma.c).
 * Q itself, I^2, H^2 and I^2_Q are computed in rma.c (finish_fit) beside the fit.
 */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "rma_internal.h"

/* Q(t) and its derivative. By the envelope theorem (b(t) minimises Q at each t),
 *   Q'(t) = -sum w_i^2 (y_i - x_i'b(t))^2,
 * from the residuals and weights cmeta__qgen leaves in L. O(k p^2). */
static double q_and_slope_p(cmeta__lin *L, const double *y, const double *vi, double t,
                            double *slope)
{
    double q = cmeta__qgen(L, vi, t, y);
    double d = 0;
    for (size_t i = 0; i < L->k; i++) {
        double wr = L->w[i] * L->r[i];
        d += wr * wr;
    }
    *slope = -d;
    return q;
}

/* The same for X = 1 (p = 1, every plain pooling; ones != 0) in two passes over the studies
 * instead of five, with the very operations of cmeta__lin_at, cmeta__lin_solve (its p = 1
 * branch), cmeta__lin_rss and the slope's sum, each sum in the same order (w 1 1 = w and
 * w 1 y = w y exactly), so the same bits, and L left as they leave it (issue 15: the Q-profile
 * CI at 10^6 studies). */
static double q_and_slope(cmeta__lin *L, const double *y, const double *vi, double t,
                          double *slope, int ones)
{
    if (!ones) return q_and_slope_p(L, y, vi, t, slope);
    size_t k = L->k;
    double *w = L->w, *r = L->r, m = 0, xwy = 0;
    for (size_t i = 0; i < k; i++) {
        double wi = 1.0 / (vi[i] + t);
        w[i] = wi;
        m += wi;
        xwy += wi * y[i];
    }
    L->S[0] = m;
    *slope = NAN;
    if (!(m > 0)) return NAN;
    double l = sqrt(m);
    if (!isfinite(l)) return NAN;
    double tl = 1.0 / l, b = 0;
    L->logdet = 2.0 * log(l);
    L->inv[0] = tl * tl;
    b += L->inv[0] * xwy;
    L->beta[0] = b;
    double f = 0, q = 0, d = 0;
    f += 1.0 * b;
    for (size_t i = 0; i < k; i++) {
        r[i] = y[i] - f;
        q += w[i] * r[i] * r[i];
        double wr = w[i] * r[i];
        d += wr * wr;
    }
    *slope = -d;
    return q;
}

/* The root of Q(t) = target in (lo, hi), where Q(lo) > target > Q(hi) (Q decreases): Newton
 * steps from t0, kept inside the bracket, which every evaluation shrinks; a step that would
 * leave it is a bisection instead (Numerical Recipes' rtsafe, Press et al. 2007, 9.4).
 * Stops when a step or the bracket is below 1e-13 relative, as the Brent search it replaced
 * (gsl_root_test_interval with reltol 1e-13); at k = 10^6, 10 evaluations for both bounds where
 * Brent from [0, tau2_max] took 76 (each O(k p^2)). NAN when Q cannot be evaluated. */
static double qp_root(cmeta__lin *L, const double *y, const double *vi, double target,
                      double lo, double hi, double t0, int ones)
{
    double t = t0 > lo && t0 < hi ? t0 : 0.5 * (lo + hi);
    for (int it = 0; it < 200; it++) {
        double d, q = q_and_slope(L, y, vi, t, &d, ones);
        if (isnan(q)) return NAN;
        double f = q - target;
        if (f == 0) return t;
        if (f > 0) lo = t;
        else hi = t;
        double tn = d < 0 ? t - f / d : NAN;
        if (!(tn > lo && tn < hi)) tn = 0.5 * (lo + hi);
        if (fabs(tn - t) <= 1e-13 * fabs(tn) || hi - lo <= 1e-13 * fabs(lo)) return tn;
        t = tn;
    }
    return t;
}

void cmeta__tau2_qprofile(cmeta__lin *L, const double *y, const double *vi, double tau2_hat,
                          double level, double *lb, double *ub)
{
    size_t k = L->k, p = L->p;
    *lb = *ub = NAN;
    if (k <= p) return;
    double df = (double)(k - p), alpha = 1.0 - level / 100.0;
    double crit_u = cmeta__qchisq(alpha / 2, df, 1); /* upper quantile -> lower bound */
    double crit_l = cmeta__qchisq(alpha / 2, df, 0); /* lower quantile -> upper bound */
    if (isnan(crit_u) || isnan(crit_l)) return;
    double tmax = fmax(100.0, 10.0 * tau2_hat);
    int ones = p == 1;
    for (size_t i = 0; i < k && ones; i++) ones = L->X[i] == 1.0;
    double sl, q0 = q_and_slope(L, y, vi, 0.0, &sl, ones), qmax = q_and_slope(L, y, vi, tmax, &sl, ones);
    if (isnan(q0) || isnan(qmax)) return;
    /* Newton starts at the estimate (where Q is near df, between the two quantiles) */
    double t0 = tau2_hat >= 0 ? tau2_hat : 0.0, r;
    if (q0 < crit_l) {
        *lb = *ub = 0.0;
    } else if (qmax > crit_l) {
        *ub = tmax;
    } else if (q0 == crit_l) {
        *ub = 0.0;
    } else if (qmax == crit_l) {
        *ub = tmax;
    } else if (!isnan(r = qp_root(L, y, vi, crit_l, 0.0, tmax, t0, ones))) {
        *ub = r;
    }
    if (qmax > crit_u) {
        *lb = *ub = tmax;
    } else if (q0 < crit_u) {
        *lb = 0.0;
    } else if (q0 == crit_u) {
        *lb = 0.0;
    } else if (qmax == crit_u) {
        *lb = tmax;
    } else if (!isnan(r = qp_root(L, y, vi, crit_u, 0.0, tmax, t0, ones))) {
        *lb = r;
    }
}
