/* influence.c - case diagnostics, as metafor 3.8 influence.rma.uni() (Viechtbauer & Cheung
 * 2010, Res Synth Methods 1:112).
 *
 * Full model: b, Vb (times the Knapp-Hartung factor s2w under test knha), tau^2,
 * w_i = 1/(vi + tau^2), W = diag(w). Model without study i (refitted with the same
 * estimator): b(-i), Vb(-i), tau^2(-i), QE(-i), and s2w(-i) = 1, or under knha
 * RSS(-i)/(k - 1 - p) with RSS(-i) = sum_{j != i} (yj - xj'b(-i))^2 / (vj + tau^2(-i)).
 *   hat_i     = w_i x_i'(X'WX)^{-1} x_i (set to 1 above 1 - 10 eps)
 *   weight_i  = 100 w_i / sum w
 *   rstudent  = (yi - x_i'b(-i)) / sqrt(s2w(-i) (vi + tau^2(-i)) + x_i'Vb(-i)x_i)
 *   dffits    = x_i'(b - b(-i)) / sqrt(s2w(-i) hat_i (tau^2(-i) + vi))
 *   dfbetas_j = (b_j - b(-i)_j) / sqrt(s2w(-i) [(X'W(-i)X)^{-1}]_jj),
 *               W(-i) = diag(1/(v + tau^2(-i))) over all k studies
 *   cook_d    = (b - b(-i))' Vb^{-1} (b - b(-i))
 *   cov_r     = det Vb(-i) / det Vb
 * A study is flagged influential (metafor's rule) when any of
 *   |dffits| > 3 sqrt(p/(k - p)),  P(chi^2_p <= cook_d) > 0.5,  hat > 3p/k,  any |dfbetas| > 1.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "cmeta/influence.h"
#include "linalg.h"
#include "internal.h"

void cmeta_influence_free(cmeta_influence *inf)
{
    if (!inf) return;
    cmeta_free(inf->rstudent);
    cmeta_free(inf->dffits);
    cmeta_free(inf->cook_d);
    cmeta_free(inf->cov_r);
    cmeta_free(inf->tau2_del);
    cmeta_free(inf->QE_del);
    cmeta_free(inf->hat);
    cmeta_free(inf->weight);
    cmeta_free(inf->dfbetas);
    cmeta_free(inf->influential);
    cmeta_free(inf);
}

/* Determinant of a p x p matrix by Gaussian elimination with partial pivoting (a copy). */
static double det(const double *A, size_t p, double *work)
{
    memcpy(work, A, p * p * sizeof *A);
    double d = 1;
    for (size_t c = 0; c < p; c++) {
        size_t piv = c;
        for (size_t r = c + 1; r < p; r++)
            if (fabs(work[r * p + c]) > fabs(work[piv * p + c])) piv = r;
        if (work[piv * p + c] == 0) return 0;
        if (piv != c) {
            for (size_t j = 0; j < p; j++) {
                double t = work[c * p + j];
                work[c * p + j] = work[piv * p + j];
                work[piv * p + j] = t;
            }
            d = -d;
        }
        d *= work[c * p + c];
        for (size_t r = c + 1; r < p; r++) {
            double f = work[r * p + c] / work[c * p + c];
            for (size_t j = c; j < p; j++) work[r * p + j] -= f * work[c * p + j];
        }
    }
    return d;
}

static double quad(const double *x, const double *M, size_t p)
{
    double s = 0;
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++) s += x[a] * M[a * p + b] * x[b];
    return s;
}

cmeta_status cmeta_influence_compute(const double *yi, const double *vi, size_t k,
                                     const double *X, size_t q, const cmeta_fit_opts *opts,
                                     cmeta_influence **out, cmeta_warnings *w, cmeta_error *err)
{
    *out = NULL;
    cmeta_fit_opts o;
    if (opts) o = *opts;
    else cmeta_fit_opts_default(&o);
    size_t p = q + (o.intercept ? 1 : 0);
    if (p == 0) return cmeta_error_set(err, CMETA_EUSAGE, "influence: the model has no coefficients");
    if (k < p + 2)
        return cmeta_error_set(err, CMETA_EDATA,
                               "influence diagnostics need at least %zu studies for %zu coefficient%s (k = %zu)",
                               p + 2, p, p == 1 ? "" : "s", k);

    cmeta_status st;
    cmeta_fit *f = NULL, *fi = NULL;
    cmeta_influence *inf = cmeta_calloc(1, sizeof *inf);
    double *Xf = CMETA_ARRAY_NEW(double, k * p);
    double *ys = CMETA_ARRAY_NEW(double, 2 * k + (k * q));
    double *wk = CMETA_ARRAY_NEW(double, k);
    double *M = CMETA_ARRAY_NEW(double, 5 * p * p + p);
    if (!inf || !Xf || !ys || !wk || !M) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        goto done;
    }
    inf->k = k;
    inf->p = p;
    double **cols[] = {&inf->rstudent, &inf->dffits, &inf->cook_d, &inf->cov_r,
                       &inf->tau2_del, &inf->QE_del, &inf->hat, &inf->weight};
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
        if (!(*cols[c] = CMETA_ARRAY_NEW(double, k))) {
            st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
            goto done;
        }
    inf->dfbetas = CMETA_ARRAY_NEW(double, k * p);
    inf->influential = CMETA_ARRAY_NEW(int, k);
    if (!inf->dfbetas || !inf->influential) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        goto done;
    }
    double *vs = ys + k, *Xs = ys + 2 * k;
    double *XtWXi = M, *work = M + p * p, *vbinv = M + 2 * p * p, *vbd = M + 3 * p * p,
           *work2 = M + 4 * p * p, *dfb = M + 5 * p * p;

    o.no_ci_tau2 = 1;
    st = cmeta_rma(yi, vi, k, X, q, &o, &f, NULL, err);
    if (st != CMETA_OK) goto done;
    for (size_t i = 0; i < k; i++) {
        size_t c = 0;
        if (o.intercept) Xf[i * p + c++] = 1;
        for (size_t j = 0; j < q; j++) Xf[i * p + c++] = X[i * q + j];
    }
    inf->tau2 = f->tau2;
    inf->QE = f->Q;
    double tau2 = f->method == CMETA_METHOD_FE ? 0 : f->tau2;
    double sw = 0;
    for (size_t i = 0; i < k; i++) {
        wk[i] = 1 / (vi[i] + tau2);
        sw += wk[i];
    }
    if (cmeta__xtwx_inv(Xf, wk, k, p, XtWXi, work) != 0) {
        st = cmeta_error_set(err, CMETA_ENUMERIC, "influence: X'WX of the full model is singular");
        goto done;
    }
    for (size_t i = 0; i < k; i++) {
        double h = wk[i] * quad(Xf + i * p, XtWXi, p);
        inf->hat[i] = h > 1 - 10 * DBL_EPSILON ? 1 : h;
        inf->weight[i] = 100 * wk[i] / sw;
    }
    memcpy(work, f->vb, p * p * sizeof *work);
    int vb_ok = cmeta__chol(work, p) == 0;
    if (vb_ok) cmeta__chol_inv(work, p, vbinv);
    double det_full = det(f->vb, p, work);

    double crit_dffits = 3 * sqrt((double)p / (double)(k - p));
    double crit_hat = 3 * (double)p / (double)k;
    for (size_t i = 0; i < k; i++) {
        inf->rstudent[i] = inf->dffits[i] = inf->cook_d[i] = inf->cov_r[i] = NAN;
        inf->tau2_del[i] = inf->QE_del[i] = NAN;
        for (size_t j = 0; j < p; j++) inf->dfbetas[i * p + j] = NAN;
        size_t m = 0;
        for (size_t j = 0; j < k; j++) {
            if (j == i) continue;
            ys[m] = yi[j];
            vs[m] = vi[j];
            for (size_t c = 0; c < q; c++) Xs[m * q + c] = X[j * q + c];
            m++;
        }
        cmeta_error e2;
        cmeta_error_clear(&e2);
        st = cmeta_rma(ys, vs, k - 1, q ? Xs : NULL, q, &o, &fi, NULL, &e2);
        if (st == CMETA_ENOMEM) {
            *err = e2;
            goto done;
        }
        if (st != CMETA_OK) {
            st = CMETA_OK;
            if (w && cmeta_warn(w, "influence: the model without study %zu could not be fitted (%s)",
                                i + 1, e2.message) != CMETA_OK) {
                st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
                goto done;
            }
            continue;
        }
        double t2 = fi->method == CMETA_METHOD_FE ? 0 : fi->tau2;
        inf->tau2_del[i] = fi->tau2;
        inf->QE_del[i] = fi->Q;
        /* Knapp-Hartung factor of the refit */
        double s2w = 1;
        if (o.test == CMETA_TEST_KNHA || o.test == CMETA_TEST_ADHOC) {
            double rss = 0;
            for (size_t j = 0; j < k; j++) {
                if (j == i) continue;
                double pred = 0;
                for (size_t c = 0; c < p; c++) pred += Xf[j * p + c] * fi->beta[c];
                double r = yi[j] - pred;
                rss += r * r / (vi[j] + t2);
            }
            s2w = rss <= DBL_EPSILON ? 0 : rss / (double)(k - 1 - p);
            if (o.test == CMETA_TEST_ADHOC && s2w < 1) s2w = 1;
        }
        const double *xi = Xf + i * p;
        double pred_full = 0, delpred = 0;
        for (size_t c = 0; c < p; c++) {
            pred_full += xi[c] * f->beta[c];
            delpred += xi[c] * fi->beta[c];
            dfb[c] = f->beta[c] - fi->beta[c];
        }
        double vdelpred = quad(xi, fi->vb, p);
        double resid = yi[i] - delpred;
        if (fabs(resid) < 100 * DBL_EPSILON) resid = 0;
        inf->rstudent[i] = resid / sqrt(vi[i] * s2w + vdelpred + t2 * s2w);
        inf->dffits[i] = (pred_full - delpred) / sqrt(s2w * inf->hat[i] * (t2 + vi[i]));
        /* (X' diag(1/(v + tau2(-i))) X)^{-1} over all k studies */
        double *wd = ys; /* reuse: ys no longer needed for this study */
        for (size_t j = 0; j < k; j++) wd[j] = 1 / (vi[j] + t2);
        if (cmeta__xtwx_inv(Xf, wd, k, p, vbd, work2) == 0)
            for (size_t c = 0; c < p; c++)
                inf->dfbetas[i * p + c] = dfb[c] / sqrt(s2w * vbd[c * p + c]);
        if (vb_ok) inf->cook_d[i] = quad(dfb, vbinv, p);
        inf->cov_r[i] = det(fi->vb, p, work2) / det_full;
        cmeta_fit_free(fi);
        fi = NULL;
    }
    for (size_t i = 0; i < k; i++) {
        int flag = fabs(inf->dffits[i]) > crit_dffits ||
                   (isfinite(inf->cook_d[i]) && gsl_cdf_chisq_P(inf->cook_d[i], (double)p) > 0.5) ||
                   inf->hat[i] > crit_hat;
        for (size_t c = 0; c < p; c++) flag = flag || fabs(inf->dfbetas[i * p + c]) > 1;
        inf->influential[i] = flag;
    }
    st = CMETA_OK;
done:
    cmeta_fit_free(f);
    cmeta_fit_free(fi);
    cmeta_free(Xf);
    cmeta_free(ys);
    cmeta_free(wk);
    cmeta_free(M);
    if (st == CMETA_OK) *out = inf;
    else cmeta_influence_free(inf);
    return st;
}
