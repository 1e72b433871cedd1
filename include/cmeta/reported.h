/* cmeta/reported.h - effect sizes from the statistics trials report (issue 16 item 3).
 *
 * Trials report medians with quartiles or ranges, standard errors and confidence intervals
 * of group means, or only an effect estimate with its confidence interval, standard error or
 * p-value. These functions turn each into what cmeta_escalc() takes (group means and SDs) or
 * into yi and vi directly. All work on single values (NaN = not given); the formulas and their
 * sources are given here and beside the code (src/lib/reported.c).
 *
 * cmeta_data_from_table() uses them per row when the table has any of the columns
 *   est ci_lb ci_ub ci_level pval       an effect estimate with CI, p-value (and sei: SE)
 *   med1i q11i q31i min1i max1i         a group's five-number summary (2 for the control arm)
 *   se1i ci_lb1i ci_ub1i                a group's SE, or CI, of its mean (2 for the control arm)
 * (est or any of the group columns: ci_lb, ci_ub, ci_level and pval alone, as in a results file
 * read back, do not) or when cmeta_data_opts.combine names a column; each row then takes the
 * most direct of its complete routes, in this order: group means and SDs (or 2x2 counts), group
 * SE or CI of the mean, five-number summary, yi with vi or sei as given ("yi_vi"), estimate with
 * CI, with SE, with p-value (cmeta_data.row_yi_from says which). Group routes need a two-group
 * measure (CONT2: means; BIN2: counts); pre/post, proportion and correlation measures take only
 * the estimate routes, and not beside their own columns (CMETA_EUSAGE). ci_level (default 95)
 * applies to est's CI and to the groups' CIs of the mean alike.
 */
#ifndef CMETA_REPORTED_H
#define CMETA_REPORTED_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Methods for a median with quartiles and/or range to a mean and SD, as metafor 4's
 * conv.fivenum() (R/conv.fivenum.r of metafor 4; not in metafor 3.8):
 *   DEFAULT (conv.fivenum's method = "default", i.e. "luo/wan/shi"): mean by Luo et al. (2018,
 *     Stat Methods Med Res 27:1785), SD by Wan et al. (2014, BMC Med Res Methodol 14:135) for
 *     the range or the IQR, and by Shi et al. (2020, Res Synth Methods 11:641) when both are
 *     given (equation numbers as conv.fivenum cites them: Luo 7, 11, 15; Wan 9, 16; Shi 10);
 *   WAN  (conv.fivenum "wan2014"): Wan et al. (2014) at every n: mean (a + 2m + b)/4,
 *     (q1 + m + q3)/3 or (a + 2q1 + 2m + 2q3 + b)/8; SD (b - a)/xi(n), (q3 - q1)/eta(n) or
 *     their average, xi(n) = 2 qnorm((n - 0.375)/(n + 0.25)),
 *     eta(n) = 2 qnorm((0.75 n - 0.125)/(n + 0.25));
 *   HOZO (conv.fivenum "hozo2005"): Hozo et al. (2005, BMC Med Res Methodol 5:13) from the
 *     minimum, median and maximum only: mean (a + 2m + b)/4 for n <= 25, else the median;
 *     SD sqrt(((a - 2m + b)^2/4 + (b - a)^2)/12) for n <= 15, (b - a)/4 for 15 < n <= 70,
 *     (b - a)/6 above 70. Hozo gives no formula for the IQR alone (CMETA_EDATA).
 * Skewness (conv.fivenum's test = TRUE, its default, for every method): the test of Shi et
 * al. (2023, Stat Methods Med Res 32:1338) rejects normality when
 *   range only: |a + b - 2m|/(b - a)                        >= 1/log(n + 9) + 2.5/(n + 1)
 *   IQR only:   |q1 + q3 - 2m|/(q3 - q1)                    >= 2.65/sqrt(n) - 6/n^2
 *   both:       max(2.65 log(0.6 n)/sqrt(n) |a + b - 2m|/(b - a), |q1 + q3 - 2m|/(q3 - q1))
 *                                                           >= 3/sqrt(n) - 40/n^3
 * and conv.fivenum then gives no mean and SD (NA), as it does for n < 5: so does cmeta
 * (*skewed = 1, mean and SD NaN; cmeta_data_from_table leaves the study out, with a warning). */
typedef enum { CMETA_FIVENUM_DEFAULT = 0, CMETA_FIVENUM_WAN, CMETA_FIVENUM_HOZO } cmeta_fivenum_method;

/* "luo-wan-shi" / "wan" / "hozo" (the names in yi_from and the CLI's --fivenum). */
CMETA_EXPORT const char *cmeta_fivenum_name(cmeta_fivenum_method m);
/* "default" or "luo-wan-shi", "wan" (or "wan2014"), "hozo" (or "hozo2005"), case-insensitively. */
CMETA_EXPORT cmeta_status cmeta_fivenum_from_name(const char *name, cmeta_fivenum_method *out);

/* Mean and SD from a median m and quartiles (q1, q3) and/or range (a, b), n >= 5 (NaN = not
 * given; the median and one complete pair are needed). Returns CMETA_EDATA with a message when
 * the values are not ordered (a <= q1 <= m <= q3 <= b), n < 5, or the method has no formula;
 * CMETA_OK with *skewed = 1 and NaN mean/SD when the skewness test rejects normality. */
CMETA_EXPORT cmeta_status cmeta_fivenum_meansd(cmeta_fivenum_method method, double a, double q1,
                                               double m, double q3, double b, double n,
                                               double *mean, double *sd, int *skewed,
                                               cmeta_error *err) CMETA_RESULT_USED;

/* SD of a group from the SE of its mean: SD = SE sqrt(n) (Cochrane Handbook 6.5.2.2). */
CMETA_EXPORT double cmeta_sd_from_se(double se, double n);
/* SD of a group from a level % CI (lb, ub) of its mean (Cochrane Handbook 6.5.2.2):
 * SD = sqrt(n) (ub - lb) / (2 t(1 - alpha/2, n - 1)) for n <= 100, and for n > 100
 * SD = sqrt(n) (ub - lb) / 3.92 at 95 % (the Handbook's 2 x 1.96), 2 z(1 - alpha/2) otherwise. */
CMETA_EXPORT double cmeta_sd_from_ci(double lb, double ub, double n, double level);

/* Two groups merged into one (Cochrane Handbook Table 6.5.a):
 * N = N1 + N2, M = (N1 M1 + N2 M2)/N,
 * SD = sqrt(((N1 - 1) SD1^2 + (N2 - 1) SD2^2 + N1 N2/N (M1^2 + M2^2 - 2 M1 M2)) / (N - 1)). */
CMETA_EXPORT void cmeta_combine_groups(double n1, double m1, double sd1, double n2, double m2,
                                       double sd2, double *n, double *m, double *sd);

/* Effect estimate to yi and vi. ratio = 1: est (and the CI limits) are ratios (OR, RR, HR,
 * ROM), yi = log(est) and the CI is taken on the log scale; sei is then the SE of log(est).
 *   CI:  vi = ((ub - lb) / (2 z(1 - alpha/2)))^2 for a level % CI (Cochrane Handbook 6.3.1,
 *        ratios on the log scale; Altman & Bland 2011, "How to obtain the P value from a
 *        confidence interval", BMJ 343:d2304)
 *   SE:  vi = sei^2
 *   p:   z = qnorm(1 - p/2), vi = (yi / z)^2 (two-sided p; Altman & Bland 2011, BMJ 343:d2090,
 *        "How to obtain the confidence interval from a P value") */
CMETA_EXPORT double cmeta_vi_from_ci(double lb, double ub, double level, int ratio);
CMETA_EXPORT double cmeta_vi_from_p(double yi, double p);

#ifdef __cplusplus
}
#endif
#endif
