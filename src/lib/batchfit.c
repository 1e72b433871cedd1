/* batchfit.c - batched fits of many replicates at once (formulas in batchfit.h). */
#include <math.h>
#include <string.h>

#include "batchfit.h"
#include "linalg.h"

void cmeta__bfit_free(cmeta__bfit_ws *ws)
{
    if (!ws) return;
    double *arr[] = {ws->X, ws->Xt, ws->XX, ws->W, ws->W2, ws->W3, ws->WY, ws->R, ws->A, ws->M2,
                     ws->M3, ws->Xy, ws->Ai, ws->beta, ws->t, ws->s0, ws->Q0, ws->trP0,
                     ws->m, ws->sw, ws->sw2, ws->rss, ws->ypy, ws->trP, ws->trPP, ws->pppy, ws->lv, ws->ld, ws->ll0,
                     ws->Ya, ws->Va, ws->Ca, ws->ta};
    for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++) cmeta_free(arr[i]);
    cmeta_free(ws->bad);
    cmeta_free(ws->done);
    cmeta_free(ws->sbad);
    cmeta_free(ws->idx);
    cmeta_free(ws->scratch);
    cmeta_free(ws);
}

cmeta__bfit_ws *cmeta__bfit_alloc(size_t k, size_t p, const double *X, size_t bmax)
{
    cmeta__bfit_ws *ws = cmeta_calloc(1, sizeof *ws);
    if (!ws) return NULL;
    if (!X) p = 1;
    ws->k = k;
    ws->p = p;
    ws->pp = p * (p + 1) / 2;
    if (bmax > CMETA__BFIT_CHUNK) bmax = CMETA__BFIT_CHUNK; /* cmeta__bfit goes in chunks */
    ws->bmax = bmax;
    size_t bk = bmax * k;
    /* zero-padded to cmeta__gemm_ld columns, as cmeta__gemm_rm reads them */
    ws->px = cmeta__gemm_ld(p);
    ws->ppx = cmeta__gemm_ld(ws->pp);
    ws->kx = cmeta__gemm_ld(k);
    ws->X = cmeta_calloc(k * ws->px, sizeof(double));
    ws->Xt = cmeta_calloc(p * ws->kx, sizeof(double));
    ws->XX = cmeta_calloc(k * ws->ppx, sizeof(double));
    ws->W = CMETA__NEW(double, bk);
    ws->W2 = CMETA__NEW(double, bk);
    ws->W3 = CMETA__NEW(double, bk);
    ws->WY = CMETA__NEW(double, bk);
    ws->R = CMETA__NEW(double, bk);
    ws->Ya = CMETA__NEW(double, bk);
    ws->Va = CMETA__NEW(double, bk);
    ws->Ca = CMETA__NEW(double, bk);
    ws->A = CMETA__NEW(double, bmax * ws->pp);
    ws->M2 = CMETA__NEW(double, bmax * ws->pp);
    ws->M3 = CMETA__NEW(double, bmax * ws->pp);
    ws->Xy = CMETA__NEW(double, bmax * p);
    ws->Ai = CMETA__NEW(double, bmax * p * p);
    ws->beta = CMETA__NEW(double, bmax * p);
    double **vec[] = {&ws->t, &ws->s0, &ws->Q0, &ws->trP0, &ws->m, &ws->sw,
                      &ws->sw2, &ws->rss, &ws->ypy, &ws->trP, &ws->trPP, &ws->pppy, &ws->ta, &ws->lv, &ws->ld, &ws->ll0};
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) *vec[i] = CMETA__NEW(double, bmax);
    ws->bad = CMETA__NEW(int, bmax);
    ws->done = CMETA__NEW(int, bmax);
    ws->sbad = CMETA__NEW(int, bmax);
    ws->idx = CMETA__NEW(size_t, bmax);
    ws->scratch = CMETA__NEW(double, 3 * p * p);
    int fail = !ws->scratch || !ws->X || !ws->Xt || !ws->XX || !ws->W || !ws->W2 || !ws->W3 || !ws->WY || !ws->R ||
               !ws->A || !ws->M2 || !ws->M3 || !ws->Xy || !ws->Ai || !ws->beta || !ws->bad ||
               !ws->done || !ws->sbad || !ws->idx || !ws->Ya || !ws->Va || !ws->Ca;
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) fail |= *vec[i] == NULL;
    if (fail) {
        cmeta__bfit_free(ws);
        return NULL;
    }
    for (size_t j = 0; j < k; j++) {
        double *xj = ws->X + j * ws->px;
        for (size_t a = 0; a < p; a++) xj[a] = ws->Xt[a * ws->kx + j] = X ? X[j * p + a] : 1.0;
        size_t c = 0;
        for (size_t a = 0; a < p; a++)
            for (size_t b = a; b < p; b++) ws->XX[j * ws->ppx + c++] = xj[a] * xj[b];
    }
    return ws;
}

/* Unpack the packed upper triangle (a <= b, row by row) into a full p x p matrix. */
static void unpack(const double *s, size_t p, double *full)
{
    size_t c = 0;
    for (size_t a = 0; a < p; a++)
        for (size_t b = a; b < p; b++) full[a * p + b] = full[b * p + a] = s[c++];
}

/* Invert a symmetric positive definite p x p matrix in place. 0 ok, -1 not PD (a pivot
 * below 1e-14 of its diagonal: a numerically singular replicate fails). logdet (may be
 * NULL): log det of the matrix. work: p * p doubles. p > 1: the library's one Cholesky
 * (cmeta__spd_inverse). p = 1, every GOSH and bootstrap fit and most permutation tests, is
 * the hot path: 1/a and log a directly, two operations instead of a sqrt and two divisions
 * (and the bits every intercept-only replicate was always computed with). */
static int spd_inverse(double *a, size_t p, double *logdet, double *work)
{
    if (p == 1) {
        if (!(a[0] > 0)) return -1;
        if (logdet) *logdet = log(a[0]);
        a[0] = 1.0 / a[0];
        return 0;
    }
    return cmeta__spd_inverse(a, p, 1e-14, logdet, work);
}

/* tr(A S) for symmetric A (full) and S packed. */
static double tr_packed(const double *A, const double *S, size_t p)
{
    double x = 0;
    size_t c = 0;
    for (size_t a = 0; a < p; a++)
        for (size_t b = a; b < p; b++, c++) x += (a == b ? 1.0 : 2.0) * A[a * p + b] * S[c];
    return x;
}

/* What a pass computes besides beta, Q(t) = sum W R^2 and y'PPy = sum W2 R^2. */
enum {
    NEED_TRP = 1,  /* tr P */
    NEED_TRPP = 2, /* tr PP */
    NEED_PPPY = 4, /* y'PPPy */
    NEED_LL = 8,   /* lv = sum C log(V + t) and ld = log det X'WX (log-likelihoods) */
    NEED_OLS = 16  /* instead of a fit at t: weights C (ordinary least squares), W2 = C.V,
                      and trP = sum C V - tr((X'CX)^-1 X'CVX) = tr(P V) (the HE estimator) */
};

/* sum_j c_j log(v_j + t) of one replicate (c = NULL: all 1): the log-likelihood's log det V. */
static double sum_clog(const double *vr, const double *cr, double t, size_t k)
{
    double lv = 0;
    for (size_t j = 0; j < k; j++) lv += (cr ? cr[j] : 1.0) * log(vr[j] + t);
    return lv;
}

/* Intercept only (p = 1): X'WX, X'W^2X, X'W^3X and X'Wy are the row sums of W, W2, W3 and
 * W.Y. A product call per row sum costs more than the sum (bench/README.md), so they are
 * summed in the loop that forms the weights; the formulas are those of fit_at with
 * (X'WX)^-1 = 1/sum W. */
static void fit_at_p1(cmeta__bfit_ws *ws, size_t B, const double *Y, const double *V,
                      const double *v, const double *C, const double *t, int *bad, int need)
{
    size_t k = ws->k;
    for (size_t b = 0; b < B; b++) {
        const double *vr = V ? V + b * k : v;
        const double *cr = C ? C + b * k : NULL;
        const double *yr = Y + b * k;
        double tb = t[b], sw = 0, sw2 = 0, sw3 = 0, swy = 0;
        double *w = ws->W + b * k, *w2 = ws->W2 + b * k, *w3 = ws->W3 + b * k;
        if (need & NEED_OLS) {
            for (size_t j = 0; j < k; j++) {
                double wj = cr ? cr[j] : 1.0;
                w[j] = wj;
                w2[j] = wj * vr[j];
                sw += wj;
                sw2 += w2[j];
                swy += wj * yr[j];
            }
        } else {
            for (size_t j = 0; j < k; j++) {
                double u = 1.0 / (vr[j] + tb), wj = cr ? cr[j] * u : u;
                w[j] = wj;
                w2[j] = wj * u;
                w3[j] = w2[j] * u;
                sw += wj;
                sw2 += w2[j];
                sw3 += w3[j];
                swy += wj * yr[j];
            }
        }
        if (need & NEED_LL) {
            ws->lv[b] = sum_clog(vr, cr, tb, k);
            ws->ld[b] = log(sw);
        }
        double ai = 1.0 / sw;
        if (!(sw > 0)) bad[b] = 1;
        double be = bad[b] ? 0.0 : swy * ai, q = 0, ypy = 0, y3 = 0, g = 0;
        for (size_t j = 0; j < k; j++) { /* y3 and g are used with NEED_PPPY only */
            double r = yr[j] - be, r2 = r * r;
            q += w[j] * r2;
            ypy += w2[j] * r2;
            y3 += w3[j] * r2;
            g += w2[j] * r;
        }
        ws->sw[b] = sw;
        ws->sw2[b] = sw2;
        ws->Ai[b] = ai;
        ws->beta[b] = be;
        ws->rss[b] = q;
        ws->ypy[b] = ypy;
        if (need & NEED_PPPY) ws->pppy[b] = y3 - g * g * ai;
        if (need & (NEED_TRP | NEED_TRPP | NEED_OLS)) {
            double h = sw2 * ai; /* tr((X'WX)^-1 X'W^2X) */
            ws->trP[b] = ((need & NEED_OLS) ? sw2 : sw) - h;
            if (need & NEED_TRPP) ws->trPP[b] = sw2 - 2.0 * sw3 * ai + h * h;
        }
    }
}

/* One pass of fits at tau^2 = t[b] for rows b < B; failures (X'WX not positive definite) are
 * flagged in bad[b]. need: NEED_* flags (tr P needs X'W^2X, tr PP also X'W^3X, y'PPPy the
 * product (W2.R) X).
 * Every row's arithmetic is its own (the same bits in any block and slot): with p = 1 the sums
 * are formed row by row, with p > 1 by cmeta__gemm_rm, whose rows do not depend on the others. */
static void fit_at(cmeta__bfit_ws *ws, size_t B, const double *Y, const double *V,
                   const double *v, const double *C, const double *t, int *bad, int need)
{
    size_t k = ws->k, p = ws->p, pp = ws->pp;
    if (p == 1) {
        fit_at_p1(ws, B, Y, V, v, C, t, bad, need);
        return;
    }
    for (size_t b = 0; b < B; b++) {
        const double *vr = V ? V + b * k : v;
        const double *cr = C ? C + b * k : NULL;
        const double *yr = Y + b * k;
        double tb = t[b], sw = 0, sw2 = 0;
        double *w = ws->W + b * k, *w2 = ws->W2 + b * k, *w3 = ws->W3 + b * k, *wy = ws->WY + b * k;
        if (need & NEED_OLS) {
            for (size_t j = 0; j < k; j++) {
                w[j] = cr ? cr[j] : 1.0;
                w2[j] = w[j] * vr[j];
                wy[j] = w[j] * yr[j];
                sw += w[j];
                sw2 += w2[j];
            }
        } else {
            for (size_t j = 0; j < k; j++) {
                double u = 1.0 / (vr[j] + tb), c = cr ? cr[j] : 1.0;
                w[j] = c * u;
                w2[j] = w[j] * u;
                w3[j] = w2[j] * u;
                wy[j] = w[j] * yr[j];
                sw += w[j];
                sw2 += w2[j];
            }
        }
        if (need & NEED_LL) ws->lv[b] = sum_clog(vr, cr, tb, k);
        ws->sw[b] = sw;
        ws->sw2[b] = sw2;
    }
    /* the products (cmeta__gemm_rm: each row's sums in a fixed order) */
    cmeta__gemm_rm(B, pp, k, ws->W, k, ws->XX, ws->ppx, ws->A, pp);
    cmeta__gemm_rm(B, p, k, ws->WY, k, ws->X, ws->px, ws->Xy, p);
    double fl = 2.0 * B * k * (pp + 2.0 * p);
    if (need & (NEED_TRP | NEED_TRPP | NEED_OLS)) {
        cmeta__gemm_rm(B, pp, k, ws->W2, k, ws->XX, ws->ppx, ws->M2, pp);
        fl += 2.0 * B * k * pp;
    }
    if (need & NEED_TRPP) {
        cmeta__gemm_rm(B, pp, k, ws->W3, k, ws->XX, ws->ppx, ws->M3, pp);
        fl += 2.0 * B * k * pp;
    }
    for (size_t b = 0; b < B; b++) {
        double *Ai = ws->Ai + b * p * p, *be = ws->beta + b * p;
        unpack(ws->A + b * pp, p, Ai);
        if (spd_inverse(Ai, p, (need & NEED_LL) ? ws->ld + b : NULL, ws->scratch) != 0) bad[b] = 1;
        for (size_t a = 0; a < p; a++) {
            double x = 0;
            for (size_t c = 0; c < p; c++) x += Ai[a * p + c] * ws->Xy[b * p + c];
            be[a] = bad[b] ? 0.0 : x;
        }
    }
    /* R = Y - beta X' (the fitted values beta X' first, into R) */
    cmeta__gemm_rm(B, k, p, ws->beta, p, ws->Xt, ws->kx, ws->R, k);
    for (size_t i = 0; i < B * k; i++) ws->R[i] = Y[i] - ws->R[i];
    ws->flops += fl + 2.0 * B * k * p;
    if (need & NEED_PPPY) {
        /* G = (W2.R) X = X'W^2 e per replicate (into Xy, free once beta is known) */
        for (size_t i = 0; i < B * k; i++) ws->WY[i] = ws->W2[i] * ws->R[i];
        cmeta__gemm_rm(B, p, k, ws->WY, k, ws->X, ws->px, ws->Xy, p);
        ws->flops += 2.0 * B * k * p;
    }
    for (size_t b = 0; b < B; b++) {
        const double *r = ws->R + b * k, *w = ws->W + b * k, *w2 = ws->W2 + b * k;
        double q = 0, ypy = 0;
        for (size_t j = 0; j < k; j++) {
            double r2 = r[j] * r[j];
            q += w[j] * r2;
            ypy += w2[j] * r2;
        }
        ws->rss[b] = q;
        ws->ypy[b] = ypy;
        if (need & NEED_PPPY) {
            /* y'PPPy = sum W3 R^2 - G' (X'WX)^-1 G */
            const double *Ai = ws->Ai + b * p * p, *g = ws->Xy + b * p, *w3 = ws->W3 + b * k;
            double y3 = 0, gg = 0;
            for (size_t j = 0; j < k; j++) y3 += w3[j] * r[j] * r[j];
            for (size_t a = 0; a < p; a++)
                for (size_t c = 0; c < p; c++) gg += g[a] * Ai[a * p + c] * g[c];
            ws->pppy[b] = y3 - gg;
        }
        if (need & (NEED_TRP | NEED_TRPP | NEED_OLS)) {
            const double *Ai = ws->Ai + b * p * p;
            ws->trP[b] = ((need & NEED_OLS) ? ws->sw2[b] : ws->sw[b]) - tr_packed(Ai, ws->M2 + b * pp, p);
            if (need & NEED_TRPP) {
                /* tr((Ai M2)^2) */
                double *M = ws->scratch + p * p, *AM = ws->scratch + 2 * p * p, x = 0;
                unpack(ws->M2 + b * pp, p, M);
                for (size_t a = 0; a < p; a++)
                    for (size_t c = 0; c < p; c++) {
                        double s = 0;
                        for (size_t d = 0; d < p; d++) s += Ai[a * p + d] * M[d * p + c];
                        AM[a * p + c] = s;
                    }
                for (size_t a = 0; a < p; a++)
                    for (size_t c = 0; c < p; c++) x += AM[a * p + c] * AM[c * p + a];
                ws->trPP[b] = ws->sw2[b] - 2.0 * tr_packed(Ai, ws->M3 + b * pp, p) + x;
            }
        }
    }
}

/* (Restricted) log-likelihood of replicate b after a pass with NEED_LL, up to a constant:
 * -(sum C log(V + t) + Q(t)) / 2, REML also - log det(X'WX) / 2. */
static double loglik(const cmeta__bfit_ws *ws, size_t b, int reml)
{
    return cmeta__loglik(reml, 0.0, ws->lv[b], ws->rss[b], reml ? ws->ld[b] : 0.0, 0.0);
}

/* Newton steps once Fisher scoring's step is below this fraction of tau^2 (Fisher scoring
 * has then chosen the maximum it converges to; Newton only gets there in fewer passes). */
#define NEWTON_FROM 0.05
/* A step below 0 by more than (SNAP_RATIO - 1) tau^2 with the score at 0 not positive: the
 * iteration is creeping to the boundary by halving, tau^2 = 0. A smaller overshoot is halved
 * as metafor does (its path can still reach an interior maximum). */
#define SNAP_RATIO 4.0

/* Move the row of slot `from` of the active set to slot `to` (compaction). */
static void move_slot(cmeta__bfit_ws *ws, size_t from, size_t to, int hasV, int hasC)
{
    size_t k = ws->k;
    memcpy(ws->Ya + to * k, ws->Ya + from * k, k * sizeof(double));
    if (hasV) memcpy(ws->Va + to * k, ws->Va + from * k, k * sizeof(double));
    if (hasC) memcpy(ws->Ca + to * k, ws->Ca + from * k, k * sizeof(double));
    ws->ta[to] = ws->ta[from];
    ws->idx[to] = ws->idx[from];
}

/* One function of ~200 lines on purpose: the passes (FE, HE start, the lockstep iterations
 * with the active set compacted in place, the final fit, ll0check, the results) share the
 * workspace's slot bookkeeping (idx, ta, Ya/Va/Ca, sbad), and each pass is a few lines around
 * fit_at; split, every piece would take the same dozen arrays and the order of the passes,
 * which is the algorithm (batchfit.h), would no longer be read in one place. */
static void bfit_chunk(cmeta__bfit_ws *ws, size_t B, const double *Y, const double *V,
                       const double *v, const double *C, cmeta_method method, double tol,
                       int maxiter, size_t qm_from, cmeta__bfit_out *out)
{
    size_t k = ws->k, p = ws->p;
    double dp = (double)p;
    for (size_t b = 0; b < B; b++) {
        double m = 0;
        if (C)
            for (size_t j = 0; j < k; j++) m += C[b * k + j];
        else
            m = (double)k;
        ws->m[b] = m;
        ws->t[b] = 0;
        ws->done[b] = 0;
        ws->bad[b] = 0;
    }
    int mlreml = method == CMETA_METHOD_REML || method == CMETA_METHOD_ML;
    int reml = method == CMETA_METHOD_REML;
    /* FE pass: Q and tr P(0) */
    fit_at(ws, B, Y, V, v, C, ws->t, ws->bad, NEED_TRP | (mlreml ? NEED_LL : 0));
    for (size_t b = 0; b < B; b++) {
        ws->Q0[b] = ws->rss[b];
        ws->trP0[b] = ws->trP[b];
        if (mlreml) ws->ll0[b] = loglik(ws, b, reml);
        /* the estimating equation's score at tau^2 = 0 */
        switch (method) {
        case CMETA_METHOD_REML: ws->s0[b] = ws->ypy[b] - ws->trP[b]; break;
        case CMETA_METHOD_ML: ws->s0[b] = ws->ypy[b] - ws->sw[b]; break;
        default: ws->s0[b] = ws->rss[b] - (ws->m[b] - dp); break;
        }
        if (ws->m[b] < dp) ws->bad[b] = 1;
    }
    int iterative = method == CMETA_METHOD_REML || method == CMETA_METHOD_ML ||
                    method == CMETA_METHOD_PM || method == CMETA_METHOD_EB;
    if (method != CMETA_METHOD_FE) {
        for (size_t b = 0; b < B; b++) {
            double df = ws->m[b] - dp;
            double t = df > 0 ? (ws->Q0[b] - df) / ws->trP0[b] : 0.0;
            ws->t[b] = t > 0 && isfinite(t) ? t : 0.0;
            if (df <= 0) ws->done[b] = 1;  /* one study per coefficient: tau^2 = 0 */
        }
        if (mlreml) {
            /* metafor starts ML and REML at max(0, HE) (Hedges 1983):
               (RSS_OLS - tr(P_OLS V)) / (m - p); where the likelihood has more than one
               maximum, the start decides which one is found, so it is metafor's */
            fit_at(ws, B, Y, V, v, C, ws->t, ws->bad, NEED_OLS);
            for (size_t b = 0; b < B; b++) {
                double df = ws->m[b] - dp, t = df > 0 ? (ws->rss[b] - ws->trP[b]) / df : 0.0;
                ws->t[b] = t > 0 && isfinite(t) ? t : 0.0;
            }
        }
        if (iterative) {
            /* The replicates still iterating are kept in the first `na` slots of Ya/Va/Ca/ta
               (slot s holds replicate idx[s]); a replicate that converges or fails leaves the
               set and the last active one takes its slot, so every pass computes only the
               replicates still iterating: a block costs the sum of its replicates' iteration
               counts, not B times the slowest one's. */
            int need = method == CMETA_METHOD_REML ? NEED_TRP | NEED_TRPP | NEED_PPPY
                       : method == CMETA_METHOD_ML ? NEED_PPPY : 0;
            int hasV = V != NULL, hasC = C != NULL;
            size_t na = 0;
            for (size_t b = 0; b < B; b++) {
                if (ws->done[b] || ws->bad[b]) continue;
                memcpy(ws->Ya + na * k, Y + b * k, k * sizeof(double));
                if (hasV) memcpy(ws->Va + na * k, V + b * k, k * sizeof(double));
                if (hasC) memcpy(ws->Ca + na * k, C + b * k, k * sizeof(double));
                ws->ta[na] = ws->t[b];
                ws->idx[na++] = b;
            }
            for (int it = 0; it < maxiter && na > 0; it++) {
                memset(ws->sbad, 0, na * sizeof(int));
                fit_at(ws, na, ws->Ya, hasV ? ws->Va : NULL, v, hasC ? ws->Ca : NULL, ws->ta,
                       ws->sbad, need);
                /* each replicate's step; sbad[s] becomes "leaves the block" */
                for (size_t s = 0; s < na; s++) {
                    size_t b = ws->idx[s];
                    if (ws->sbad[s]) {
                        ws->bad[b] = 1;
                        continue;
                    }
                    double t = ws->ta[s], step, sc, fi, hn;
                    switch (method) {
                    case CMETA_METHOD_REML:
                        sc = ws->ypy[s] - ws->trP[s];
                        fi = ws->trPP[s];
                        hn = 2.0 * ws->pppy[s] - fi;
                        break;
                    case CMETA_METHOD_ML:
                        sc = ws->ypy[s] - ws->sw[s];
                        fi = ws->sw2[s];
                        hn = 2.0 * ws->pppy[s] - fi;
                        break;
                    default: /* PM, EB: Newton on Q(t) = m - p, Q'(t) = -y'PPy */
                        sc = ws->rss[s] - (ws->m[b] - dp);
                        hn = fi = ws->ypy[s];
                        break;
                    }
                    /* Fisher scoring (fi: the expected information) as metafor, until its
                       steps are small; then Newton where the log-likelihood is concave
                       (hn > 0: minus twice its second derivative) */
                    step = sc / fi;
                    if (hn > 0 && fabs(step) < NEWTON_FROM * t) step = sc / hn;
                    /* as metafor: halve the step while it would make tau^2 negative; damp
                       late iterations so that a Fisher-scoring cycle cannot persist */
                    if (it >= 50) step *= 0.5;
                    double tn;
                    if (t + step / SNAP_RATIO < 0 && ws->s0[b] <= 0) {
                        /* at the boundary: the step points far below 0 and the score at 0
                           is not positive, so halving would creep to 0 (~log2(t / tol)
                           passes); go there, as tau2.c snaps to 0 in the same case */
                        tn = 0;
                    } else {
                        for (int h = 0; h < 60 && t + step < 0; h++) step *= 0.5;
                        tn = t + step;
                    }
                    if (!(tn > 0)) tn = 0;
                    if (!isfinite(tn)) {
                        ws->bad[b] = ws->sbad[s] = 1;
                        continue;
                    }
                    ws->t[b] = ws->ta[s] = tn;
                    if (fabs(tn - t) < tol) ws->done[b] = ws->sbad[s] = 1;
                }
                /* those that left give their slots to the last active ones */
                for (size_t s = 0; s < na;) {
                    if (!ws->sbad[s]) {
                        s++;
                        continue;
                    }
                    if (s != --na) {
                        move_slot(ws, na, s, hasV, hasC);
                        ws->sbad[s] = ws->sbad[na];
                    }
                }
            }
            for (size_t s = 0; s < na; s++) ws->bad[ws->idx[s]] = 1; /* maxiter reached */
        }
        fit_at(ws, B, Y, V, v, C, ws->t, ws->bad, mlreml ? NEED_LL : 0);
        if (mlreml) {
            /* metafor's ll0check: a maximum whose log-likelihood is below that at tau^2 = 0
               (by more than metafor's tol, 2^-13) is left for tau^2 = 0 */
            int again = 0;
            for (size_t b = 0; b < B; b++)
                if (!ws->bad[b] && ws->t[b] > tol && ws->ll0[b] - loglik(ws, b, reml) > 1.220703125e-4) {
                    ws->t[b] = 0;
                    again = 1;
                }
            if (again) fit_at(ws, B, Y, V, v, C, ws->t, ws->bad, 0);
        }
    }
    for (size_t b = 0; b < B; b++) {
        int ok = !ws->bad[b];
        double df = ws->m[b] - dp, t = ws->t[b], Q = ws->Q0[b], I2, H2;
        const double *Ai = ws->Ai + b * p * p;
        /* a fit whose numbers overflowed (weights of 1/vi with vi ~ 1e-300, say) failed, as
           cmeta_rma reports it: never a finite-looking row of NaNs */
        ok = ok && isfinite(Q) && isfinite(t);
        for (size_t a = 0; ok && a < p; a++) ok = isfinite(ws->beta[b * p + a]) && isfinite(Ai[a * p + a]);
        if (method == CMETA_METHOD_FE) {
            I2 = df > 0 ? fmax(0.0, 100.0 * (Q - df) / Q) : 0.0;
            H2 = df > 0 ? Q / df : 1.0;
        } else {
            double vt = df / ws->trP0[b];
            I2 = df > 0 ? 100.0 * t / (vt + t) : 0.0;
            H2 = df > 0 ? 1.0 + t / vt : 1.0;
        }
        ok = ok && isfinite(I2) && isfinite(H2);
        for (size_t a = 0; a < p; a++) {
            double be = ws->beta[b * p + a], se = sqrt(Ai[a * p + a]);
            if (out->beta) out->beta[b * p + a] = ok ? be : NAN;
            if (out->se) out->se[b * p + a] = ok ? se : NAN;
            if (out->zval) out->zval[b * p + a] = ok ? be / se : NAN;
        }
        if (out->QM) {
            /* QM = beta_s' (Vb_ss)^-1 beta_s over s = qm_from..p-1 */
            size_t s = p - qm_from;
            double *S = ws->scratch + p * p, qm = NAN;
            if (ok && s > 0) {
                for (size_t a = 0; a < s; a++)
                    for (size_t c = 0; c < s; c++) S[a * s + c] = Ai[(a + qm_from) * p + c + qm_from];
                if (spd_inverse(S, s, NULL, ws->scratch) == 0) {
                    qm = 0;
                    for (size_t a = 0; a < s; a++)
                        for (size_t c = 0; c < s; c++)
                            qm += ws->beta[b * p + a + qm_from] * S[a * s + c] * ws->beta[b * p + c + qm_from];
                }
            }
            out->QM[b] = qm;
        }
        if (out->Q) out->Q[b] = ok ? Q : NAN;
        if (out->tau2) out->tau2[b] = ok ? t : NAN;
        if (out->I2) out->I2[b] = ok ? I2 : NAN;
        if (out->H2) out->H2[b] = ok ? H2 : NAN;
        if (out->m) out->m[b] = ws->m[b];
        out->ok[b] = ok;
    }
}

/* The replicates in chunks of at most ws->bmax (<= CMETA__BFIT_CHUNK) rows: every row's
 * arithmetic is its own (fit_at, the lockstep passes with converged rows frozen; test_resample
 * checks a batch against each replicate fitted alone), so the chunking changes no bit. */
void cmeta__bfit(cmeta__bfit_ws *ws, size_t B, const double *Y, const double *V,
                 const double *v, const double *C, cmeta_method method, double tol,
                 int maxiter, size_t qm_from, cmeta__bfit_out *out)
{
    size_t k = ws->k, p = ws->p;
    for (size_t b0 = 0; b0 < B; b0 += ws->bmax) {
        size_t n = B - b0 < ws->bmax ? B - b0 : ws->bmax;
        cmeta__bfit_out o = *out;
        double **col[] = {&o.QM, &o.Q, &o.tau2, &o.I2, &o.H2, &o.m};
        for (size_t i = 0; i < sizeof col / sizeof col[0]; i++)
            if (*col[i]) *col[i] += b0;
        double **row[] = {&o.beta, &o.se, &o.zval};
        for (size_t i = 0; i < sizeof row / sizeof row[0]; i++)
            if (*row[i]) *row[i] += b0 * p;
        o.ok += b0;
        bfit_chunk(ws, n, Y + b0 * k, V ? V + b0 * k : NULL, v, C ? C + b0 * k : NULL, method, tol,
                   maxiter, qm_from, &o);
    }
}
