/* batchfit.c - batched fits of many replicates at once (formulas in batchfit.h). */
#include <math.h>
#include <string.h>
#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"
#include "batchfit.h"

unsigned long cmeta__seed_mix(unsigned long seed, unsigned long long stream)
{
    unsigned long long z = (unsigned long long)seed * 0x9E3779B97F4A7C15ULL + stream + 1;
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (unsigned long)(z & 0xFFFFFFFFUL) ? (unsigned long)(z & 0xFFFFFFFFUL) : 1UL;
}

int cmeta__auto_threads(int requested, double reps, size_t k, int iterative,
                        unsigned long long nblocks)
{
    if (requested > 0) return requested;
#ifdef _OPENMP
    double work_ns = reps * (double)k * (iterative ? 1000.0 : 2.0);
    int T = omp_get_max_threads();
    if (work_ns < 50e6 || T < 1) return 1;
    if (nblocks < (unsigned long long)T) T = nblocks > 0 ? (int)nblocks : 1;
    return T;
#else
    (void)reps;
    (void)k;
    (void)iterative;
    (void)nblocks;
    return 1;
#endif
}

void cmeta__bfit_free(cmeta__bfit_ws *ws)
{
    if (!ws) return;
    double *arr[] = {ws->X, ws->XX, ws->W, ws->W2, ws->W3, ws->WY, ws->R, ws->A, ws->M2,
                     ws->M3, ws->Xy, ws->Ai, ws->beta, ws->t, ws->tn, ws->Q0, ws->trP0,
                     ws->m, ws->sw, ws->sw2, ws->rss, ws->ypy, ws->trP, ws->trPP};
    for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++) cmeta_free(arr[i]);
    cmeta_free(ws->bad);
    cmeta_free(ws->done);
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
    ws->bmax = bmax;
    size_t bk = bmax * k;
    ws->X = CMETA__NEW(double, k * p);
    ws->XX = CMETA__NEW(double, k * ws->pp);
    ws->W = CMETA__NEW(double, bk);
    ws->W2 = CMETA__NEW(double, bk);
    ws->W3 = CMETA__NEW(double, bk);
    ws->WY = CMETA__NEW(double, bk);
    ws->R = CMETA__NEW(double, bk);
    ws->A = CMETA__NEW(double, bmax * ws->pp);
    ws->M2 = CMETA__NEW(double, bmax * ws->pp);
    ws->M3 = CMETA__NEW(double, bmax * ws->pp);
    ws->Xy = CMETA__NEW(double, bmax * p);
    ws->Ai = CMETA__NEW(double, bmax * p * p);
    ws->beta = CMETA__NEW(double, bmax * p);
    double **vec[] = {&ws->t, &ws->tn, &ws->Q0, &ws->trP0, &ws->m, &ws->sw,
                      &ws->sw2, &ws->rss, &ws->ypy, &ws->trP, &ws->trPP};
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) *vec[i] = CMETA__NEW(double, bmax);
    ws->bad = CMETA__NEW(int, bmax);
    ws->done = CMETA__NEW(int, bmax);
    int fail = !ws->X || !ws->XX || !ws->W || !ws->W2 || !ws->W3 || !ws->WY || !ws->R ||
               !ws->A || !ws->M2 || !ws->M3 || !ws->Xy || !ws->Ai || !ws->beta || !ws->bad ||
               !ws->done;
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) fail |= *vec[i] == NULL;
    if (fail) {
        cmeta__bfit_free(ws);
        return NULL;
    }
    for (size_t j = 0; j < k; j++) {
        for (size_t a = 0; a < p; a++) ws->X[j * p + a] = X ? X[j * p + a] : 1.0;
        size_t c = 0;
        for (size_t a = 0; a < p; a++)
            for (size_t b = a; b < p; b++) ws->XX[j * ws->pp + c++] = ws->X[j * p + a] * ws->X[j * p + b];
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

/* Invert a symmetric positive definite p x p matrix in place (Cholesky). 0 ok, -1 not PD. */
static int spd_inverse(double *a, size_t p)
{
    double L[64 * 64], Li[64 * 64];
    if (p > 64) return -1;
    if (p == 1) {
        if (!(a[0] > 0)) return -1;
        a[0] = 1.0 / a[0];
        return 0;
    }
    memset(L, 0, sizeof(double) * p * p);
    for (size_t j = 0; j < p; j++) {
        double d = a[j * p + j];
        for (size_t s = 0; s < j; s++) d -= L[j * p + s] * L[j * p + s];
        if (!(d > 1e-14 * fabs(a[j * p + j])) || !(d > 0)) return -1;
        L[j * p + j] = sqrt(d);
        for (size_t i = j + 1; i < p; i++) {
            double x = a[i * p + j];
            for (size_t s = 0; s < j; s++) x -= L[i * p + s] * L[j * p + s];
            L[i * p + j] = x / L[j * p + j];
        }
    }
    /* Li = L^-1 (lower), a = Li' Li */
    memset(Li, 0, sizeof(double) * p * p);
    for (size_t j = 0; j < p; j++) {
        Li[j * p + j] = 1.0 / L[j * p + j];
        for (size_t i = j + 1; i < p; i++) {
            double x = 0;
            for (size_t s = j; s < i; s++) x -= L[i * p + s] * Li[s * p + j];
            Li[i * p + j] = x / L[i * p + i];
        }
    }
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j <= i; j++) {
            double x = 0;
            for (size_t s = i; s < p; s++) x += Li[s * p + i] * Li[s * p + j];
            a[i * p + j] = a[j * p + i] = x;
        }
    return 0;
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

/* One pass of fits at tau^2 = ws->t[b] for rows b < B. need: 0 sums for Q only,
 * 1 adds X'W^2X (tr P), 2 adds X'W^3X (tr PP). */
static void fit_at(cmeta__bfit_ws *ws, size_t B, const double *Y, const double *V,
                   const double *v, const double *C, int need)
{
    size_t k = ws->k, p = ws->p, pp = ws->pp;
    for (size_t b = 0; b < B; b++) {
        const double *vr = V ? V + b * k : v;
        const double *cr = C ? C + b * k : NULL;
        const double *yr = Y + b * k;
        double t = ws->t[b], sw = 0, sw2 = 0;
        double *w = ws->W + b * k, *w2 = ws->W2 + b * k, *w3 = ws->W3 + b * k, *wy = ws->WY + b * k;
        for (size_t j = 0; j < k; j++) {
            double u = 1.0 / (vr[j] + t), c = cr ? cr[j] : 1.0;
            w[j] = c * u;
            w2[j] = w[j] * u;
            w3[j] = w2[j] * u;
            wy[j] = w[j] * yr[j];
            sw += w[j];
            sw2 += w2[j];
        }
        ws->sw[b] = sw;
        ws->sw2[b] = sw2;
    }
    int Bi = (int)B, ki = (int)k, pi = (int)p, ppi = (int)pp;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Bi, ppi, ki, 1.0, ws->W, ki, ws->XX,
                ppi, 0.0, ws->A, ppi);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Bi, pi, ki, 1.0, ws->WY, ki, ws->X,
                pi, 0.0, ws->Xy, pi);
    double fl = 2.0 * B * k * (pp + 2.0 * p);
    if (need >= 1) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Bi, ppi, ki, 1.0, ws->W2, ki,
                    ws->XX, ppi, 0.0, ws->M2, ppi);
        fl += 2.0 * B * k * pp;
    }
    if (need >= 2) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Bi, ppi, ki, 1.0, ws->W3, ki,
                    ws->XX, ppi, 0.0, ws->M3, ppi);
        fl += 2.0 * B * k * pp;
    }
    for (size_t b = 0; b < B; b++) {
        double *Ai = ws->Ai + b * p * p, *be = ws->beta + b * p;
        unpack(ws->A + b * pp, p, Ai);
        if (spd_inverse(Ai, p) != 0) ws->bad[b] = 1;
        for (size_t a = 0; a < p; a++) {
            double x = 0;
            for (size_t c = 0; c < p; c++) x += Ai[a * p + c] * ws->Xy[b * p + c];
            be[a] = ws->bad[b] ? 0.0 : x;
        }
    }
    /* R = Y - beta X' */
    memcpy(ws->R, Y, sizeof(double) * B * k);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Bi, ki, pi, -1.0, ws->beta, pi, ws->X,
                pi, 1.0, ws->R, ki);
    ws->flops += fl + 2.0 * B * k * p;
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
        if (need >= 1) {
            const double *Ai = ws->Ai + b * p * p;
            ws->trP[b] = ws->sw[b] - tr_packed(Ai, ws->M2 + b * pp, p);
            if (need >= 2) {
                /* tr((Ai M2)^2) */
                double M[64 * 64], AM[64 * 64], x = 0;
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

void cmeta__bfit(cmeta__bfit_ws *ws, size_t B, const double *Y, const double *V,
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
    /* FE pass: Q and tr P(0) */
    fit_at(ws, B, Y, V, v, C, 1);
    for (size_t b = 0; b < B; b++) {
        ws->Q0[b] = ws->rss[b];
        ws->trP0[b] = ws->trP[b];
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
        if (iterative) {
            int need = method == CMETA_METHOD_REML ? 2 : 0;
            int it;
            for (it = 0; it < maxiter; it++) {
                int left = 0;
                for (size_t b = 0; b < B; b++) left |= !ws->done[b] && !ws->bad[b];
                if (!left) break;
                fit_at(ws, B, Y, V, v, C, need);
                for (size_t b = 0; b < B; b++) {
                    if (ws->done[b] || ws->bad[b]) continue;
                    double t = ws->t[b], step;
                    switch (method) {
                    case CMETA_METHOD_REML: step = (ws->ypy[b] - ws->trP[b]) / ws->trPP[b]; break;
                    case CMETA_METHOD_ML: step = (ws->ypy[b] - ws->sw[b]) / ws->sw2[b]; break;
                    default: step = (ws->rss[b] - (ws->m[b] - dp)) / ws->ypy[b]; break;
                    }
                    /* as metafor: halve the step while it would make tau^2 negative; damp
                       late iterations so that a Fisher-scoring cycle cannot persist */
                    if (it >= 50) step *= 0.5;
                    for (int h = 0; h < 60 && t + step < 0; h++) step *= 0.5;
                    double tn = t + step;
                    if (!(tn > 0)) tn = 0;
                    if (!isfinite(tn)) {
                        ws->bad[b] = 1;
                        continue;
                    }
                    if (fabs(tn - t) < tol) ws->done[b] = 1;
                    ws->t[b] = tn;
                }
            }
            for (size_t b = 0; b < B; b++)
                if (!ws->done[b]) ws->bad[b] = 1;
        }
        fit_at(ws, B, Y, V, v, C, 0);
    }
    for (size_t b = 0; b < B; b++) {
        int ok = !ws->bad[b];
        double df = ws->m[b] - dp, t = ws->t[b], Q = ws->Q0[b], I2, H2;
        const double *Ai = ws->Ai + b * p * p;
        if (method == CMETA_METHOD_FE) {
            I2 = df > 0 ? fmax(0.0, 100.0 * (Q - df) / Q) : 0.0;
            H2 = df > 0 ? Q / df : 1.0;
        } else {
            double vt = df / ws->trP0[b];
            I2 = df > 0 ? 100.0 * t / (vt + t) : 0.0;
            H2 = df > 0 ? 1.0 + t / vt : 1.0;
        }
        for (size_t a = 0; a < p; a++) {
            double be = ws->beta[b * p + a], se = sqrt(Ai[a * p + a]);
            if (out->beta) out->beta[b * p + a] = ok ? be : NAN;
            if (out->se) out->se[b * p + a] = ok ? se : NAN;
            if (out->zval) out->zval[b * p + a] = ok ? be / se : NAN;
        }
        if (out->QM) {
            /* QM = beta_s' (Vb_ss)^-1 beta_s over s = qm_from..p-1 */
            size_t s = p - qm_from;
            double S[64 * 64], qm = NAN;
            if (ok && s > 0 && s <= 64) {
                for (size_t a = 0; a < s; a++)
                    for (size_t c = 0; c < s; c++) S[a * s + c] = Ai[(a + qm_from) * p + c + qm_from];
                if (spd_inverse(S, s) == 0) {
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
