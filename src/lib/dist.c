/* dist.c - distribution tails and quantiles, and Brent's method (see dist.h). */
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "dist.h"

/* ---- distributions ---------------------------------------------------------------------- */

double cmeta__pnorm2(double z)
{
    if (isnan(z)) return NAN;
    return 2.0 * gsl_cdf_ugaussian_Q(fabs(z));
}

double cmeta__pt2(double t, double df)
{
    if (isnan(t) || !(df > 0)) return NAN;
    return 2.0 * gsl_cdf_tdist_Q(fabs(t), df);
}

double cmeta__qcrit(double level, double df)
{
    double a = 1.0 - level / 100.0;
    if (isnan(df)) return gsl_cdf_ugaussian_Qinv(a / 2.0);
    if (!(df > 0)) return NAN;
    return gsl_cdf_tdist_Qinv(a / 2.0, df);
}

double cmeta__qnorm_upper(double a) { return gsl_cdf_ugaussian_Qinv(a); }

double cmeta__pchisq_upper(double x, double df) { return gsl_cdf_chisq_Q(x, df); }

double cmeta__pf_upper(double x, double df1, double df2) { return gsl_cdf_fdist_Q(x, df1, df2); }

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

/* ---- Brent root finding (GSL) ------------------------------------------------------------- */

typedef struct {
    double (*f)(double, void *);
    void *arg;
} brent_arg;

static double brent_f(double x, void *a)
{
    brent_arg *b = a;
    return b->f(x, b->arg);
}

int cmeta__brent(double (*f)(double, void *), void *arg, double lo, double hi, double reltol,
                 int maxiter, double *root, int *iter)
{
    double flo = f(lo, arg), fhi = f(hi, arg);
    if (isnan(flo) || isnan(fhi)) return -1;
    if (flo == 0) { *root = lo; if (iter) *iter = 0; return 0; }
    if (fhi == 0) { *root = hi; if (iter) *iter = 0; return 0; }
    if ((flo > 0) == (fhi > 0)) return -1;
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s) return -1;
    brent_arg ba = {f, arg};
    gsl_function F = {brent_f, &ba};
    if (gsl_root_fsolver_set(s, &F, lo, hi) != GSL_SUCCESS) {
        gsl_root_fsolver_free(s);
        return -1;
    }
    int it = 0, status = GSL_CONTINUE;
    while (status == GSL_CONTINUE && it < maxiter) {
        it++;
        if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS) break;
        double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
        status = gsl_root_test_interval(a, b, 1e-300, reltol);
        if (f(gsl_root_fsolver_root(s), arg) == 0) status = GSL_SUCCESS;
    }
    *root = gsl_root_fsolver_root(s);
    if (iter) *iter = it;
    gsl_root_fsolver_free(s);
    return status == GSL_SUCCESS ? 0 : -1;
}
