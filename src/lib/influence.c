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

/* The workspace of one influence computation: the full design matrix (intercept included),
 * the leave-one-out data, weights and p x p scratch matrices. */
typedef struct {
    double *Xf;                 /* k x p */
    double *ys, *vs, *Xs;       /* the k - 1 studies left, and their moderators (k x q) */
    double *wk;                 /* full-model weights 1/(v_i + tau2) */
    double *M;                  /* one block for the p x p matrices below */
    double *XtWXi, *work, *vbinv, *vbd, *work2, *dfb;
    int vb_ok;                  /* vb of the full model is positive definite (vbinv set) */
    double det_full;            /* det(vb) of the full model */
} infl_ws;

static void infl_ws_free(infl_ws *W)
{
    cmeta_free(W->Xf);
    cmeta_free(W->ys);
    cmeta_free(W->wk);
    cmeta_free(W->M);
}

static int infl_ws_alloc(infl_ws *W, size_t k, size_t p, size_t q)
{
    memset(W, 0, sizeof *W);
    W->Xf = CMETA_ARRAY_NEW(double, k * p);
    W->ys = CMETA_ARRAY_NEW(double, 2 * k + (k * q));
    W->wk = CMETA_ARRAY_NEW(double, k);
    W->M = CMETA_ARRAY_NEW(double, 5 * p * p + p);
    if (!W->Xf || !W->ys || !W->wk || !W->M) return -1;
    W->vs = W->ys + k;
    W->Xs = W->ys + 2 * k;
    W->XtWXi = W->M;
    W->work = W->M + p * p;
    W->vbinv = W->M + 2 * p * p;
    W->vbd = W->M + 3 * p * p;
    W->work2 = W->M + 4 * p * p;
    W->dfb = W->M + 5 * p * p;
    return 0;
}

static cmeta_influence *influence_new(size_t k, size_t p)
{
    cmeta_influence *inf = cmeta_calloc(1, sizeof *inf);
    if (!inf) return NULL;
    inf->k = k;
    inf->p = p;
    double **cols[] = {&inf->rstudent, &inf->dffits, &inf->cook_d, &inf->cov_r,
                       &inf->tau2_del, &inf->QE_del, &inf->hat, &inf->weight};
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
        if (!(*cols[c] = CMETA_ARRAY_NEW(double, k))) goto fail;
    inf->dfbetas = CMETA_ARRAY_NEW(double, k * p);
    inf->influential = CMETA_ARRAY_NEW(int, k);
    if (!inf->dfbetas || !inf->influential) goto fail;
    return inf;
fail:
    cmeta_influence_free(inf);
    return NULL;
}

/* The full model's part: hat values and weights (in %), vb^{-1} for Cook's distance and det(vb)
 * for the covariance ratio. Returns -1 when X'WX is singular. */
static int full_model(cmeta_influence *inf, const cmeta_fit *f, const double *vi, size_t k, size_t p,
                      infl_ws *W)
{
    double tau2 = f->method == CMETA_METHOD_FE ? 0 : f->tau2;
    double sw = 0;
    for (size_t i = 0; i < k; i++) {
        W->wk[i] = 1 / (vi[i] + tau2);
        sw += W->wk[i];
    }
    if (cmeta__xtwx_inv(W->Xf, W->wk, k, p, W->XtWXi, W->work) != 0) return -1;
    for (size_t i = 0; i < k; i++) {
        double h = W->wk[i] * quad(W->Xf + i * p, W->XtWXi, p);
        inf->hat[i] = h > 1 - 10 * DBL_EPSILON ? 1 : h;
        inf->weight[i] = 100 * W->wk[i] / sw;
    }
    memcpy(W->work, f->vb, p * p * sizeof *W->work);
    W->vb_ok = cmeta__chol(W->work, p) == 0;
    if (W->vb_ok) cmeta__chol_inv(W->work, p, W->vbinv);
    W->det_full = det(f->vb, p, W->work);
    return 0;
}

/* Study i's row from the full fit f and the fit without it, fi (metafor's influence.rma.uni):
 * externally standardised residual, DFFITS, DFBETAS, Cook's distance and the covariance ratio,
 * each scaled by the Knapp-Hartung factor of the refit when the test is knha (or adhoc). */
static void deleted_row(cmeta_influence *inf, size_t i, const cmeta_fit *f, const cmeta_fit *fi,
                        const double *yi, const double *vi, size_t k, size_t p, const cmeta_fit_opts *o,
                        infl_ws *W)
{
    double t2 = fi->method == CMETA_METHOD_FE ? 0 : fi->tau2;
    inf->tau2_del[i] = fi->tau2;
    inf->QE_del[i] = fi->Q;
    /* Knapp-Hartung factor of the refit */
    double s2w = 1;
    if (o->test == CMETA_TEST_KNHA || o->test == CMETA_TEST_ADHOC) {
        double rss = 0;
        for (size_t j = 0; j < k; j++) {
            if (j == i) continue;
            double pred = 0;
            for (size_t c = 0; c < p; c++) pred += W->Xf[j * p + c] * fi->beta[c];
            double r = yi[j] - pred;
            rss += r * r / (vi[j] + t2);
        }
        s2w = rss <= DBL_EPSILON ? 0 : rss / (double)(k - 1 - p);
        if (o->test == CMETA_TEST_ADHOC && s2w < 1) s2w = 1;
    }
    const double *xi = W->Xf + i * p;
    double pred_full = 0, delpred = 0;
    for (size_t c = 0; c < p; c++) {
        pred_full += xi[c] * f->beta[c];
        delpred += xi[c] * fi->beta[c];
        W->dfb[c] = f->beta[c] - fi->beta[c];
    }
    double vdelpred = quad(xi, fi->vb, p);
    double resid = yi[i] - delpred;
    if (fabs(resid) < 100 * DBL_EPSILON) resid = 0;
    inf->rstudent[i] = resid / sqrt(vi[i] * s2w + vdelpred + t2 * s2w);
    inf->dffits[i] = (pred_full - delpred) / sqrt(s2w * inf->hat[i] * (t2 + vi[i]));
    /* (X' diag(1/(v + tau2(-i))) X)^{-1} over all k studies */
    double *wd = W->ys; /* reuse: ys no longer needed for this study */
    for (size_t j = 0; j < k; j++) wd[j] = 1 / (vi[j] + t2);
    if (cmeta__xtwx_inv(W->Xf, wd, k, p, W->vbd, W->work2) == 0)
        for (size_t c = 0; c < p; c++)
            inf->dfbetas[i * p + c] = W->dfb[c] / sqrt(s2w * W->vbd[c * p + c]);
    if (W->vb_ok) inf->cook_d[i] = quad(W->dfb, W->vbinv, p);
    inf->cov_r[i] = det(fi->vb, p, W->work2) / W->det_full;
}

/* metafor's rule for "influential": |DFFITS| > 3 sqrt(p/(k - p)), Cook's distance beyond the
 * median of chi^2_p, hat > 3 p/k, or any |DFBETAS| > 1. */
static void flag_influential(cmeta_influence *inf, size_t k, size_t p)
{
    double crit_dffits = 3 * sqrt((double)p / (double)(k - p));
    double crit_hat = 3 * (double)p / (double)k;
    for (size_t i = 0; i < k; i++) {
        int flag = fabs(inf->dffits[i]) > crit_dffits ||
                   (isfinite(inf->cook_d[i]) && gsl_cdf_chisq_P(inf->cook_d[i], (double)p) > 0.5) ||
                   inf->hat[i] > crit_hat;
        for (size_t c = 0; c < p; c++) flag = flag || fabs(inf->dfbetas[i * p + c]) > 1;
        inf->influential[i] = flag;
    }
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
    infl_ws W;
    int bad = infl_ws_alloc(&W, k, p, q);
    cmeta_influence *inf = influence_new(k, p);
    if (bad || !inf) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        goto done;
    }
    o.no_ci_tau2 = 1;
    st = cmeta_rma(yi, vi, k, X, q, &o, &f, NULL, err);
    if (st != CMETA_OK) goto done;
    for (size_t i = 0; i < k; i++) {
        size_t c = 0;
        if (o.intercept) W.Xf[i * p + c++] = 1;
        for (size_t j = 0; j < q; j++) W.Xf[i * p + c++] = X[i * q + j];
    }
    inf->tau2 = f->tau2;
    inf->QE = f->Q;
    if (full_model(inf, f, vi, k, p, &W) != 0) {
        st = cmeta_error_set(err, CMETA_ENUMERIC, "influence: X'WX of the full model is singular");
        goto done;
    }
    for (size_t i = 0; i < k; i++) {
        inf->rstudent[i] = inf->dffits[i] = inf->cook_d[i] = inf->cov_r[i] = NAN;
        inf->tau2_del[i] = inf->QE_del[i] = NAN;
        for (size_t j = 0; j < p; j++) inf->dfbetas[i * p + j] = NAN;
        size_t m = 0;
        for (size_t j = 0; j < k; j++) {
            if (j == i) continue;
            W.ys[m] = yi[j];
            W.vs[m] = vi[j];
            for (size_t c = 0; c < q; c++) W.Xs[m * q + c] = X[j * q + c];
            m++;
        }
        cmeta_error e2;
        cmeta_error_clear(&e2);
        st = cmeta_rma(W.ys, W.vs, k - 1, q ? W.Xs : NULL, q, &o, &fi, NULL, &e2);
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
        deleted_row(inf, i, f, fi, yi, vi, k, p, &o, &W);
        cmeta_fit_free(fi);
        fi = NULL;
    }
    flag_influential(inf, k, p);
    st = CMETA_OK;
done:
    cmeta_fit_free(f);
    cmeta_fit_free(fi);
    infl_ws_free(&W);
    if (st == CMETA_OK) *out = inf;
    else cmeta_influence_free(inf);
    return st;
}
