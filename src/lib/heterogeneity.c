/* heterogeneity.c - the Q-profile confidence interval for tau^2 (Viechtbauer 2007, Stat Med
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

typedef struct {
    cmeta__lin *L;
    const double *y, *vi;
    double target;
} qp_arg;

static double qp_f(double t, void *a)
{
    qp_arg *q = a;
    return cmeta__qgen(q->L, q->vi, t, q->y) - q->target;
}

/* Chi-square quantile: x with P(X > x) = a (upper = 1) or P(X <= x) = a (upper = 0).
 * GSL's gsl_cdf_chisq_Qinv/Pinv go wrong for large df (df = 1e5: Qinv(0.025) = 132866
 * instead of 100878; df = 1e6: Pinv gives NaN), while its CDFs stay accurate up to df = 1e6
 * (about 1e-13 relative; at df = 1e7 the upper tail is off by 5e-4). So, for df <= 1e6, the
 * GSL value is accepted only when the CDF gives back a to 1e-12 relative, else the root of
 * CDF(x) - a is found by Brent's method; for df > 1e6 the Wilson-Hilferty approximation
 * x = df (1 - 2/(9 df) + z_a sqrt(2/(9 df)))^3 (Johnson, Kotz & Balakrishnan 1994, 18.5) is
 * used as it stands: its relative error, O(df^-1.5), is 4e-11 at df = 1e6, 1.4e-12 at 1e7
 * (checked against R qchisq). */
typedef struct {
    double df, a;
    int upper;
} chisq_arg;

static double chisq_f(double x, void *v)
{
    chisq_arg *c = v;
    return (c->upper ? gsl_cdf_chisq_Q(x, c->df) : gsl_cdf_chisq_P(x, c->df)) - c->a;
}

double cmeta__qchisq(double a, double df, int upper)
{
    chisq_arg c = {df, a, upper};
    double z = upper ? gsl_cdf_ugaussian_Qinv(a) : gsl_cdf_ugaussian_Pinv(a);
    double h = 2.0 / (9.0 * df), t = 1.0 - h + z * sqrt(h);
    double x0 = df * (t > 0 ? t * t * t : 1e-3);
    if (df > 1e6) return t > 0 ? x0 : NAN;
    double x = upper ? gsl_cdf_chisq_Qinv(a, df) : gsl_cdf_chisq_Pinv(a, df);
    if (isfinite(x) && x > 0 && fabs(chisq_f(x, &c)) <= 1e-12 * a) return x;
    double lo = x0, hi = x0, r;
    /* chisq_f decreases in x for upper, increases otherwise: widen until the sign changes */
    for (int i = 0; i < 200; i++) {
        lo *= 0.9;
        hi *= 1.1;
        double flo = chisq_f(lo, &c), fhi = chisq_f(hi, &c);
        if (isnan(flo) || isnan(fhi)) return NAN;
        if ((flo > 0) != (fhi > 0) || flo == 0 || fhi == 0) break;
    }
    if (cmeta__brent(chisq_f, &c, lo, hi, 1e-15, 1000, &r, NULL) != 0) return NAN;
    return r;
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
    double q0 = cmeta__qgen(L, vi, 0.0, y), qmax = cmeta__qgen(L, vi, tmax, y);
    if (isnan(q0) || isnan(qmax)) return;
    qp_arg a = {L, y, vi, 0};
    double r;
    if (q0 < crit_l) {
        *lb = *ub = 0.0;
    } else if (qmax > crit_l) {
        *ub = tmax;
    } else {
        a.target = crit_l;
        if (cmeta__brent(qp_f, &a, 0.0, tmax, 1e-13, 1000, &r, NULL) == 0) *ub = r;
    }
    if (qmax > crit_u) {
        *lb = *ub = tmax;
    } else if (q0 < crit_u) {
        *lb = 0.0;
    } else {
        a.target = crit_u;
        if (cmeta__brent(qp_f, &a, 0.0, tmax, 1e-13, 1000, &r, NULL) == 0) *lb = r;
    }
}
