/* regtest.c - Egger's regression test for funnel-plot asymmetry, as metafor 3.8
 * regtest(yi, vi, model = "lm", predictor = "sei") (Egger et al. 1997, BMJ 315:629).
 *
 * Weighted least squares with weights w_i = 1/vi of yi on X = (1, sei):
 *   b = (X'WX)^{-1} X'Wy,  phi = sum w_i (yi - x_i'b)^2 / (k - 2),  Var(b) = phi (X'WX)^{-1}
 * (lm(yi ~ sei, weights = 1/vi): a multiplicative dispersion, Sterne & Egger 2005).
 * Test: t = b1 / se(b1) on k - 2 df. Limit estimate: b0 with b0 -/+ t_{k-2,1-a/2} se(b0).
 */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "cmeta/bias.h"
#include "linalg.h"
#include "cmeta/design.h"
#include "internal.h"

cmeta_status cmeta_regtest(const double *yi, const double *vi, size_t k, double level,
                           cmeta_regtest_result *out, cmeta_error *err)
{
    if (!(level > 0 && level < 100)) level = 95;
    if (k < 3)
        return cmeta_error_set(err, CMETA_EDATA,
                               "Egger's regression test needs at least 3 studies (k = %zu)", k);
    for (size_t i = 0; i < k; i++)
        if (!isfinite(yi[i]) || !(vi[i] > 0) || !isfinite(vi[i]))
            return cmeta_error_set(err, CMETA_EDATA,
                                   "Egger's regression test: study %zu needs a finite yi and vi > 0",
                                   i + 1);
    double *X = CMETA_ARRAY_NEW(double, 2 * k), *w = CMETA_ARRAY_NEW(double, k);
    if (!X || !w) {
        cmeta_free(X);
        cmeta_free(w);
        return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < k; i++) {
        X[2 * i] = 1;
        X[2 * i + 1] = sqrt(vi[i]);
        w[i] = 1 / vi[i];
    }
    static const char *const names[] = {"intrcpt", "sei"};
    cmeta_status st = cmeta_design_check_rank(X, k, 2, names, err);
    if (st == CMETA_EDATA) {
        cmeta_error_set(err, CMETA_EDATA,
                        "Egger's regression test: every study has the same standard error");
        goto done;
    }
    if (st != CMETA_OK) goto done;
    double A[4], inv[4], rhs[2], b[2];
    if (cmeta__xtwx_inv(X, w, k, 2, inv, A) != 0) {
        st = cmeta_error_set(err, CMETA_ENUMERIC, "Egger's regression test: singular X'WX");
        goto done;
    }
    cmeta__xtwy(X, w, yi, k, 2, rhs);
    b[0] = inv[0] * rhs[0] + inv[1] * rhs[1];
    b[1] = inv[2] * rhs[0] + inv[3] * rhs[1];
    double rss = 0;
    for (size_t i = 0; i < k; i++) {
        double r = yi[i] - b[0] - b[1] * X[2 * i + 1];
        rss += w[i] * r * r;
    }
    double df = (double)k - 2;
    double phi = rss / df;
    out->k = k;
    out->df = df;
    out->intercept = b[0];
    out->slope = b[1];
    out->intercept_se = sqrt(phi * inv[0]);
    out->slope_se = sqrt(phi * inv[3]);
    out->stat = b[1] / out->slope_se;
    out->pval = 2 * gsl_cdf_tdist_Q(fabs(out->stat), df);
    double crit = gsl_cdf_tdist_Qinv((1 - level / 100) / 2, df);
    out->ci_lb = b[0] - crit * out->intercept_se;
    out->ci_ub = b[0] + crit * out->intercept_se;
done:
    cmeta_free(X);
    cmeta_free(w);
    return st;
}
