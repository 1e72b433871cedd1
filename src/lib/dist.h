/* dist.h - distributions and root finding for the library (private; never installed).
 *
 * The numeric layer: normal, t, chi-square and F tails and quantiles (GSL's, with the
 * fallbacks stated where GSL's fail) and Brent's method. Below everything that fits. */
#ifndef CMETA_DIST_H
#define CMETA_DIST_H

/* 2 P(Z > |z|), standard normal; NAN for NAN. */
double cmeta__pnorm2(double z);
/* 2 P(T_df > |t|); NAN unless df > 0. */
double cmeta__pt2(double t, double df);
/* z (df NAN) or t_df quantile 1 - alpha/2 for a level in percent (95 -> 1.96). */
double cmeta__qcrit(double level, double df);
/* z with P(Z > z) = a, standard normal (a small: no loss of precision near 0). */
double cmeta__qnorm_upper(double a);
/* P(X > x), X ~ chi^2_df. */
double cmeta__pchisq_upper(double x, double df);
/* P(X > x), X ~ F(df1, df2). */
double cmeta__pf_upper(double x, double df1, double df2);

/* Chi-square quantile with P(X > x) = a (upper = 1) or P(X <= x) = a (upper = 0), also for
 * large df where GSL's own inverse fails (method and accuracy in dist.c). NAN when it cannot
 * be found. */
double cmeta__qchisq(double a, double df, int upper);

/* Find x in [lo, hi] with f(x) = 0 by Brent's method (GSL), f(lo) and f(hi) of opposite
 * signs. Relative tolerance reltol on x. Returns 0, or -1 when it fails. */
int cmeta__brent(double (*f)(double, void *), void *arg, double lo, double hi, double reltol,
                 int maxiter, double *root, int *iter);

#endif
