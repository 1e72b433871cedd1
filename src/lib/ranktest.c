/* ranktest.c - Begg & Mazumdar (1994, Biometrics 50:1088) rank correlation test, as metafor
 * 3.8 ranktest(): Kendall's tau between standardized effects and their variances.
 *
 *   b = sum(yi/vi) / sum(1/vi),  vi* = vi - 1/sum(1/vi),  yi* = (yi - b) / sqrt(vi*)
 *   tau = S / sqrt((n0 - n1)(n0 - n2))   (Kendall's tau-b, R's cor(method = "kendall"))
 *   S = sum_{i<j} sign(x_i - x_j) sign(y_i - y_j),  n0 = k(k-1)/2,  n1, n2 tied pairs in x, y
 * p-value as R's cor.test(x = yi*, y = vi, method = "kendall", exact = TRUE):
 *   no ties: exact; q = round((tau + 1) k (k - 1) / 4) and P(T <= q) for T the number of
 *     inversions of a random permutation (Kendall 1970), p = min(1, 2 P(T <= q)) when
 *     q <= n0/2, else min(1, 2 P(T >= q)) (the distribution is symmetric);
 *   ties: z = S / sqrt(var S),
 *     var S = (v0 - vt - vu)/18 + v1/(2k(k-1)) + v2/(9k(k-1)(k-2)),
 *     v0 = k(k-1)(2k+5), vt = sum t(t-1)(2t+5) over tie groups t of x, vu likewise for y,
 *     v1 = sum t(t-1) * sum u(u-1), v2 = sum t(t-1)(t-2) * sum u(u-1)(u-2);
 *     p = 2 min(Phi(z), 1 - Phi(z)).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "cmeta/bias.h"
#include "linalg.h"
#include "internal.h"

#define EXACT_MAX_K 500

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Tie statistics of x (length n): a = sum t(t-1), b = sum t(t-1)(2t+5), c = sum t(t-1)(t-2)
 * over groups of t >= 2 equal values; returns the number of distinct values. */
static size_t ties(const double *x, size_t n, double *sorted, double *a, double *b, double *c)
{
    memcpy(sorted, x, n * sizeof *x);
    qsort(sorted, n, sizeof *sorted, dbl_cmp);
    *a = *b = *c = 0;
    size_t distinct = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && sorted[j] == sorted[i]) j++;
        double t = (double)(j - i);
        distinct++;
        if (t > 1) {
            *a += t * (t - 1);
            *b += t * (t - 1) * (2 * t + 5);
            *c += t * (t - 1) * (t - 2);
        }
        i = j;
    }
    return distinct;
}

/* P(T <= K) for T the number of inversions of a uniformly random permutation of n:
 * f_m(j) = (1/m) sum_{i=0}^{m-1} f_{m-1}(j - i), f_1 = point mass at 0, only j <= K kept. */
static cmeta_status pkendall(size_t K, size_t n, double *p)
{
    double *f = CMETA_ARRAY_NEW(double, K + 1), *S = CMETA_ARRAY_NEW(double, K + 2);
    if (!f || !S) {
        cmeta_free(f);
        cmeta_free(S);
        return CMETA_ENOMEM;
    }
    f[0] = 1;
    for (size_t m = 2; m <= n; m++) {
        S[0] = 0;
        for (size_t j = 0; j <= K; j++) S[j + 1] = S[j] + f[j];
        for (size_t j = 0; j <= K; j++) {
            size_t lo = j + 1 >= m ? j + 1 - m : 0;
            f[j] = (S[j + 1] - S[lo]) / (double)m;
        }
    }
    double s = 0;
    for (size_t j = 0; j <= K; j++) s += f[j];
    *p = s;
    cmeta_free(f);
    cmeta_free(S);
    return CMETA_OK;
}

cmeta_status cmeta_ranktest(const double *yi, const double *vi, size_t k,
                            cmeta_ranktest_result *out, cmeta_warnings *w, cmeta_error *err)
{
    if (k < 3)
        return cmeta_error_set(err, CMETA_EDATA,
                               "the rank correlation test needs at least 3 studies (k = %zu)", k);
    for (size_t i = 0; i < k; i++)
        if (!isfinite(yi[i]) || !(vi[i] > 0) || !isfinite(vi[i]))
            return cmeta_error_set(err, CMETA_EDATA,
                                   "rank correlation test: study %zu needs a finite yi and vi > 0",
                                   i + 1);
    double *x = CMETA_ARRAY_NEW(double, 2 * k);
    if (!x) return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    double *tmp = x + k;
    double sw = 0, swy = 0;
    for (size_t i = 0; i < k; i++) {
        sw += 1 / vi[i];
        swy += yi[i] / vi[i];
    }
    double b = swy / sw, vb = 1 / sw;
    for (size_t i = 0; i < k; i++) x[i] = (yi[i] - b) / sqrt(vi[i] - vb);

    double S = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++) {
            double dx = x[i] - x[j], dy = vi[i] - vi[j];
            S += (double)((dx > 0) - (dx < 0)) * (double)((dy > 0) - (dy < 0));
        }
    double n = (double)k, n0 = n * (n - 1) / 2;
    double xa, xb, xc, ya, yb, yc;
    size_t dx = ties(x, k, tmp, &xa, &xb, &xc);
    size_t dy = ties(vi, k, tmp, &ya, &yb, &yc);
    double n1 = xa / 2, n2 = ya / 2;
    out->k = k;
    out->S = S;
    out->tau = S / sqrt((n0 - n1) * (n0 - n2));
    out->z = NAN;
    int has_ties = (dx < k) || (dy < k);
    cmeta_status st = CMETA_OK;
    if (!isfinite(out->tau)) {
        out->pval = NAN;
        out->exact = 0;
    } else if (!has_ties && k <= EXACT_MAX_K) {
        double q = nearbyint((out->tau + 1) * n * (n - 1) / 4);
        double Kd = q > n0 / 2 ? n0 - q : q, p;
        if (Kd < 0) Kd = 0;
        st = pkendall((size_t)Kd, k, &p);
        if (st != CMETA_OK) {
            cmeta_free(x);
            return cmeta_error_set(err, st, "out of memory");
        }
        out->pval = fmin(2 * p, 1.0);
        out->exact = 1;
    } else {
        double varS = (n * (n - 1) * (2 * n + 5) - xb - yb) / 18 +
                      xa * ya / (2 * n * (n - 1)) + xc * yc / (9 * n * (n - 1) * (n - 2));
        out->z = S / sqrt(varS);
        out->pval = 2 * fmin(gsl_cdf_ugaussian_P(out->z), gsl_cdf_ugaussian_Q(out->z));
        out->exact = 0;
        if (w) {
            st = has_ties ? cmeta_warn(w, "rank correlation test: ties in the data, so the p-value "
                                          "is the normal approximation (as R's cor.test)")
                          : cmeta_warn(w, "rank correlation test: k > %d, so the p-value is the "
                                          "normal approximation", EXACT_MAX_K);
            if (st != CMETA_OK) {
                cmeta_free(x);
                return cmeta_error_set(err, st, "out of memory");
            }
        }
    }
    cmeta_free(x);
    return CMETA_OK;
}
