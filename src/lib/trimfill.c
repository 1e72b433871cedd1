/* trimfill.c - trim and fill (Duval & Tweedie 2000, Biometrics 56:455), as metafor 3.8
 * trimfill.rma.uni().
 *
 * Side: unless given, fit yi = b0 + b1 sqrt(vi) with the model's tau^2 estimator; the missing
 * studies are on the right when b1 < 0, else on the left. Studies are then put on a scale
 * where the missing ones would be on the left (yi -> -yi for the right side) and sorted by
 * yi (stable). Iterate, from k0 = 0, until k0 does not change:
 *   fit the k - k0 smallest yi -> b;  yc_i = yi - b for all k studies;
 *   r_i = rank of |yc_i| (ties by position), signed: s_i = sign(yc_i) r_i;
 *   L0: Sr = sum of the positive s_i, k0 = (4 Sr - k(k+1)) / (2k - 1),
 *       var(Sr) = [k(k+1)(2k+1) + 10k0^3 + 27k0^2 + 17k0 - 18k k0^2 - 18k k0 + 6k^2 k0] / 24,
 *       se(k0) = 4 sqrt(var Sr) / (2k - 1);
 *   R0: k0 = k - (largest rank among the negative s_i) - 1, se(k0) = sqrt(2 max(0, k0) + 2);
 *   k0 <- max(0, round(k0)) (round half to even, as R).
 * The k0 largest studies are mirrored about the last b: yi_fill = 2b - yi (on the original
 * scale), with their vi, and the model is refitted to the k + k0 studies.
 * R0 also gives p(k0) = 1 - sum_{m=-1}^{k0-1} 0.5^(m+2) (metafor's p.k0).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/bias.h"
#include "linalg.h"
#include "internal.h"

void cmeta_trimfill_free(cmeta_trimfill_result *r)
{
    if (!r) return;
    cmeta_free(r->fill_yi);
    cmeta_free(r->fill_vi);
    cmeta_free(r->fill_of);
    cmeta_fit_free(r->fit);
    cmeta_free(r);
}

typedef struct {
    double key;
    size_t pos;
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key < y->key) return -1;
    if (x->key > y->key) return 1;
    return (x->pos > y->pos) - (x->pos < y->pos); /* stable */
}

/* Signed ranks of the centred estimates yc = y - b by |yc| (ties keep input order). */
static void signed_ranks(const double *y, size_t k, double b, double *yc, double *sr, keyed *ord)
{
    for (size_t i = 0; i < k; i++) {
        yc[i] = y[i] - b;
        ord[i].key = fabs(yc[i]);
        ord[i].pos = i;
    }
    qsort(ord, k, sizeof *ord, keyed_cmp);
    for (size_t rk = 0; rk < k; rk++) {
        size_t i = ord[rk].pos;
        double s = (yc[i] > 0) - (yc[i] < 0);
        sr[i] = s * (double)(rk + 1);
    }
}

/* Duval and Tweedie's (2000) estimators of the number of missing studies from the signed ranks
 * (as metafor's trimfill): R0 = k - (largest negative rank's magnitude) - 1, se sqrt(2 max(0, k0)
 * + 2); L0 = (4 S_r - n(n + 1))/(2n - 1), S_r the sum of the positive ranks, se from their
 * variance of S_r. */
static double k0_estimate(const double *sr, size_t k, cmeta_tf_estimator estimator, double *se_k0)
{
    double n = (double)k, k0;
    if (estimator == CMETA_TF_R0) {
        double maxneg = 0;
        int anyneg = 0;
        for (size_t i = 0; i < k; i++)
            if (sr[i] < 0) {
                anyneg = 1;
                if (-sr[i] > maxneg) maxneg = -sr[i];
            }
        /* no negative ranks (every yi equal to b): metafor fails here; cmeta says k0 = 0 */
        k0 = anyneg ? (n - maxneg) - 1 : 0;
        *se_k0 = sqrt(2 * fmax(0, k0) + 2);
    } else {
        double Sr = 0;
        for (size_t i = 0; i < k; i++)
            if (sr[i] > 0) Sr += sr[i];
        k0 = (4 * Sr - n * (n + 1)) / (2 * n - 1);
        double varSr = (n * (n + 1) * (2 * n + 1) + 10 * k0 * k0 * k0 + 27 * k0 * k0 +
                        17 * k0 - 18 * n * k0 * k0 - 18 * n * k0 + 6 * n * n * k0) / 24;
        *se_k0 = 4 * sqrt(varSr) / (2 * n - 1);
    }
    return k0;
}

/* The filled studies (the k0 most extreme of the sorted, flipped y, mirrored about b) and the
 * final fit over the k + k0 studies with the caller's options (tau^2 CI included). */
static cmeta_status fill_and_refit(cmeta_trimfill_result *r, const double *yi, const double *vi, size_t k,
                                   const double *y, const double *v, const size_t *idx, double b,
                                   cmeta_tf_side side, const cmeta_fit_opts *o, cmeta_warnings *w,
                                   cmeta_error *err)
{
    size_t k0u = r->k0, kt = k + k0u;
    r->fill_yi = CMETA_ARRAY_NEW(double, k0u);
    r->fill_vi = CMETA_ARRAY_NEW(double, k0u);
    r->fill_of = CMETA_ARRAY_NEW(size_t, k0u);
    double *ya = CMETA_ARRAY_NEW(double, 2 * kt);
    if (!r->fill_yi || !r->fill_vi || !r->fill_of || !ya) {
        cmeta_free(ya);
        return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    double *va = ya + kt;
    memcpy(ya, yi, k * sizeof *yi);
    memcpy(va, vi, k * sizeof *vi);
    for (size_t j = 0; j < k0u; j++) {
        size_t s = k - k0u + j;
        double t = (y[s] - b) - b; /* as metafor: yi.c - beta on the flipped scale */
        r->fill_yi[j] = side == CMETA_TF_RIGHT ? t : -t;
        r->fill_vi[j] = v[s];
        r->fill_of[j] = idx[s];
        ya[k + j] = r->fill_yi[j];
        va[k + j] = v[s];
    }
    cmeta_status st = cmeta_rma(ya, va, kt, NULL, 0, o, &r->fit, w, err);
    cmeta_free(ya);
    return st;
}

cmeta_status cmeta_trimfill(const double *yi, const double *vi, size_t k,
                            const cmeta_fit_opts *opts, cmeta_tf_estimator estimator,
                            cmeta_tf_side side, int maxiter, cmeta_trimfill_result **out,
                            cmeta_warnings *w, cmeta_error *err)
{
    *out = NULL;
    if (maxiter <= 0) maxiter = 100;
    if (k < 3)
        return cmeta_error_set(err, CMETA_EDATA, "trim and fill needs at least 3 studies (k = %zu)", k);
    for (size_t i = 0; i < k; i++)
        if (!isfinite(yi[i]) || !(vi[i] >= 0) || !isfinite(vi[i]))
            return cmeta_error_set(err, CMETA_EDATA,
                                   "trim and fill: study %zu needs a finite yi and vi >= 0", i + 1);
    cmeta_fit_opts o;
    if (opts) o = *opts;
    else cmeta_fit_opts_default(&o);
    o.intercept = 1;
    cmeta_fit_opts oi = o; /* intermediate fits: no tau^2 interval needed */
    oi.no_ci_tau2 = 1;

    cmeta_status st = CMETA_OK;
    cmeta_fit *fit = NULL;
    cmeta_trimfill_result *r = cmeta_calloc(1, sizeof *r);
    double *buf = CMETA_ARRAY_NEW(double, 4 * k);
    keyed *ord = CMETA_ARRAY_NEW(keyed, k);
    size_t *idx = CMETA_ARRAY_NEW(size_t, k);
    if (!r || !buf || !ord || !idx) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        goto fail;
    }
    double *y = buf, *v = buf + k, *yc = buf + 2 * k, *sr = buf + 3 * k;
    r->estimator = estimator;
    r->k = k;

    if (side == CMETA_TF_AUTO) {
        for (size_t i = 0; i < k; i++) y[i] = sqrt(vi[i]);
        st = cmeta_rma(yi, vi, k, y, 1, &oi, &fit, NULL, err);
        if (st != CMETA_OK) goto fail;
        side = fit->beta[1] < 0 ? CMETA_TF_RIGHT : CMETA_TF_LEFT;
        cmeta_fit_free(fit);
        fit = NULL;
    }
    r->side = side;
    double sgn = side == CMETA_TF_RIGHT ? -1.0 : 1.0;
    for (size_t i = 0; i < k; i++) {
        ord[i].key = sgn * yi[i];
        ord[i].pos = i;
    }
    qsort(ord, k, sizeof *ord, keyed_cmp);
    for (size_t i = 0; i < k; i++) {
        idx[i] = ord[i].pos;
        y[i] = ord[i].key;
        v[i] = vi[idx[i]];
    }

    double k0 = 0, se_k0 = NAN, b = NAN;
    long k0_sav = -1, k0r = 0;
    int iter = 0;
    while (k0r != k0_sav) {
        k0_sav = k0r;
        if (++iter > maxiter) {
            st = cmeta_error_set(err, CMETA_ENOCONV,
                                 "trim and fill did not converge after %d iterations", maxiter);
            goto fail;
        }
        st = cmeta_rma(y, v, k - (size_t)k0r, NULL, 0, &oi, &fit, NULL, err);
        if (st != CMETA_OK) goto fail;
        b = fit->beta[0];
        cmeta_fit_free(fit);
        fit = NULL;
        signed_ranks(y, k, b, yc, sr, ord);
        k0 = k0_estimate(sr, k, estimator, &se_k0);
        k0 = fmax(0, nearbyint(k0));
        if (!isnan(se_k0)) se_k0 = fmax(0, se_k0);
        k0r = (long)k0;
        if (k0r >= (long)k) k0r = (long)k - 1; /* cannot trim every study */
    }
    r->iterations = iter;
    r->k0 = (size_t)k0r;
    r->se_k0 = se_k0;
    if (estimator == CMETA_TF_R0) {
        double s = 0;
        for (long m = -1; m <= k0r - 1; m++) s += pow(0.5, (double)(m + 2));
        r->p_k0 = 1 - s;
    } else {
        r->p_k0 = NAN;
    }

    st = fill_and_refit(r, yi, vi, k, y, v, idx, b, side, &o, w, err);
    if (st != CMETA_OK) goto fail;

    cmeta_free(buf);
    cmeta_free(ord);
    cmeta_free(idx);
    *out = r;
    return CMETA_OK;
fail:
    cmeta_fit_free(fit);
    cmeta_free(buf);
    cmeta_free(ord);
    cmeta_free(idx);
    cmeta_trimfill_free(r);
    return st;
}
