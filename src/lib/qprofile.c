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
