/* mv.c - multilevel / multivariate models by REML or ML (metafor 3.8 rma.mv), see cmeta/mv.h.
 *
 * Notation: M = V + sum_c sigma2_c G_c, W = M^-1, A = (X'WX)^-1, b = A X'Wy, r = y - Xb,
 * P = W - W X A X' W (so Py = W r). Log-likelihoods as metafor's .ll.rma.mv (REMLf = TRUE):
 *   ML    -k/2 log 2pi - 1/2 log|M| - 1/2 r'Wr
 *   REML  -(k-p)/2 log 2pi + 1/2 log|X'X| - 1/2 log|M| - 1/2 log|X'WX| - 1/2 r'Wr
 * Derivatives in sigma2 (Harville 1977, JASA 72:320; Searle, Casella & McCulloch 1992, ch. 6):
 *   score    g_c = -1/2 tr(R G_c) + 1/2 (Py)'G_c(Py),  R = W (ML) or P (REML)
 *   Hessian  H_cd = 1/2 tr(R G_c R G_d) - (G_c Py)' P (G_d Py)
 *   Fisher   I_cd = 1/2 tr(R G_c R G_d)
 * With B = W X (row block by row block):
 *   tr(P G_c)          = tr(W G_c) - tr(A B'G_c B)
 *   tr(P G_c P G_d)    = tr(W G_c W G_d) - 2 tr(A B'G_c W G_d B) + tr(A B'G_c B A B'G_d B)
 *   u'P v              = u'W v - (B'u)' A (B'v)
 * and every term is a sum over the diagonal blocks of M. G_c within a block is never formed:
 * rows are grouped by their level (local ids), so W G_c is W's row sums over each level.
 * The optimiser: Newton on sigma2 >= 0 with the observed information when it is positive
 * definite, else Fisher scoring; step halving on the log-likelihood; a component at 0 whose
 * score is negative stays at 0 (active set). Start as metafor: each sigma2 = total / s with
 * total = max(0.001 s, var(y - X b_OLS... here b_FE) - 1 / mean(1 / diag V)). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/mv.h"
#include "dist.h"
#include "internal.h"
#include "linalg.h"

void cmeta_mv_opts_default(cmeta_mv_opts *o)
{
    o->method = CMETA_METHOD_REML;
    o->test = CMETA_TEST_Z;
    o->level = 95;
    o->tol = 1e-12;
    o->maxiter = 1000;
    o->profile_ci = 1;
}

void cmeta_mv_fit_free(cmeta_mv_fit *f)
{
    if (!f) return;
    cmeta_free(f->beta);
    cmeta_free(f->se);
    cmeta_free(f->stat);
    cmeta_free(f->pval);
    cmeta_free(f->ci_lb);
    cmeta_free(f->ci_ub);
    cmeta_free(f->vb);
    cmeta_free(f->sigma2);
    cmeta_free(f->nlvls);
    cmeta_free(f->I2);
    cmeta_free(f->sigma2_fixed);
    cmeta_free(f->sigma2_ci_lb);
    cmeta_free(f->sigma2_ci_ub);
    cmeta_free(f->weight);
    cmeta_free(f);
}

void cmeta_mv_predict(const cmeta_mv_fit *f, const double *x, double *pred, double *se, double *ci_lb,
                      double *ci_ub, double *pi_lb, double *pi_ub)
{
    size_t p = f->p;
    double m = 0, v = 0, s2 = 0;
    for (size_t a = 0; a < p; a++) {
        m += x[a] * f->beta[a];
        for (size_t e = 0; e < p; e++) v += x[a] * f->vb[a * p + e] * x[e];
    }
    for (size_t q = 0; q < f->s; q++) s2 += f->sigma2[q];
    double crit = cmeta__qcrit(f->level, f->test == CMETA_TEST_T ? f->df : NAN), sd = sqrt(v);
    if (pred) *pred = m;
    if (se) *se = sd;
    if (ci_lb) *ci_lb = m - crit * sd;
    if (ci_ub) *ci_ub = m + crit * sd;
    if (pi_lb) *pi_lb = m - crit * sqrt(v + s2);
    if (pi_ub) *pi_ub = m + crit * sqrt(v + s2);
}

typedef struct {
    size_t k, p, s, nb, nmax;
    const double *y, *X;
    const cmeta_mv_random *re;
    int reml;
    size_t *bstart;  /* nb + 1: block b holds rows[bstart[b] .. bstart[b+1]) */
    size_t *rows;    /* k: rows grouped by block, increasing within a block */
    size_t *moff;    /* nb: offset of block b's n_b^2 matrices */
    double *Vb;      /* sum n_b^2: V by block */
    double *Wb;      /* sum n_b^2: M^-1 by block (last evaluation) */
    size_t *map;     /* sum of nlevels: level -> local id (SIZE_MAX outside a block) */
    size_t *lid;     /* s x nmax: local level ids of the block's rows */
    size_t *nl;      /* s: levels in the block */
    double *Rs;      /* s x nmax x nmax: W's row sums per level, Rs_c[i][g] */
    double *B, *GB, *QB, *u, *Pr, *lsum, *tmp; /* scratch */
    double logdetXX;
    /* results of the last evaluation */
    double *XWX, *A, *XWy, *beta, *g, *Jobs, *Ifis, *H, *K, *S, *bu, *trWG, *quad, *T1;
    double ll, llML, llREML, rss, logdetM, logdetXWX;
} mvctx;

static size_t uf_find(size_t *par, size_t i)
{
    while (par[i] != i) {
        par[i] = par[par[i]];
        i = par[i];
    }
    return i;
}

/* One evaluation at sigma2 (s values). deriv: also score and information.
 * Returns 0, -1 when a block of M is not positive definite (*badblock set), -2 when X'WX is. */
static int evaluate(mvctx *c, const double *sig, int deriv, size_t *badblock)
{
    size_t p = c->p, s = c->s;
    memset(c->XWX, 0, p * p * sizeof(double));
    memset(c->XWy, 0, p * sizeof(double));
    c->logdetM = 0;
    /* pass 1: W by block, X'WX, X'Wy */
    for (size_t b = 0; b < c->nb; b++) {
        size_t n = c->bstart[b + 1] - c->bstart[b];
        const size_t *rw = c->rows + c->bstart[b];
        double *M = c->tmp, *W = c->Wb + c->moff[b];
        memcpy(M, c->Vb + c->moff[b], n * n * sizeof(double));
        for (size_t q = 0; q < s; q++) {
            if (sig[q] == 0) continue;
            const size_t *lv = c->re[q].level;
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                    if (lv[rw[i]] == lv[rw[j]]) M[i * n + j] += sig[q];
        }
        if (cmeta__chol(M, n) != 0) {
            if (badblock) *badblock = b;
            return -1;
        }
        c->logdetM += cmeta__chol_logdet(M, n);
        cmeta__chol_inv(M, n, W);
        /* B = W X_b, then X'WX += X_b'B, X'Wy += B'y_b */
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < p; a++) {
                double t = 0;
                for (size_t j = 0; j < n; j++) t += W[i * n + j] * c->X[rw[j] * p + a];
                c->B[i * p + a] = t;
            }
        for (size_t i = 0; i < n; i++) {
            const double *x = c->X + rw[i] * p;
            double yi = c->y[rw[i]];
            for (size_t a = 0; a < p; a++) {
                c->XWy[a] += c->B[i * p + a] * yi;
                for (size_t e = 0; e < p; e++) c->XWX[a * p + e] += x[a] * c->B[i * p + e];
            }
        }
    }
    for (size_t a = 0; a < p; a++) /* symmetric in exact arithmetic */
        for (size_t e = 0; e < a; e++)
            c->XWX[a * p + e] = c->XWX[e * p + a] = 0.5 * (c->XWX[a * p + e] + c->XWX[e * p + a]);
    memcpy(c->A, c->XWX, p * p * sizeof(double));
    if (cmeta__spd_inverse(c->A, p, 0.0, &c->logdetXWX, c->tmp) != 0) return -2;
    for (size_t a = 0; a < p; a++) {
        double t = 0;
        for (size_t e = 0; e < p; e++) t += c->A[a * p + e] * c->XWy[e];
        c->beta[a] = t;
    }
    /* pass 2: residuals, Py, and the derivative sums */
    c->rss = 0;
    if (deriv) {
        memset(c->trWG, 0, s * sizeof(double));
        memset(c->quad, 0, s * sizeof(double));
        memset(c->T1, 0, s * s * sizeof(double));
        memset(c->S, 0, s * s * sizeof(double));
        memset(c->H, 0, s * p * p * sizeof(double));
        memset(c->K, 0, s * s * p * p * sizeof(double));
        memset(c->bu, 0, s * p * sizeof(double));
    }
    for (size_t b = 0; b < c->nb; b++) {
        size_t n = c->bstart[b + 1] - c->bstart[b], nm = c->nmax;
        const size_t *rw = c->rows + c->bstart[b];
        const double *W = c->Wb + c->moff[b];
        double *r = c->tmp, *Pr = c->Pr;
        for (size_t i = 0; i < n; i++) {
            double t = c->y[rw[i]];
            for (size_t a = 0; a < p; a++) t -= c->X[rw[i] * p + a] * c->beta[a];
            r[i] = t;
        }
        for (size_t i = 0; i < n; i++) {
            double t = 0;
            for (size_t j = 0; j < n; j++) t += W[i * n + j] * r[j];
            Pr[i] = t;
            c->rss += r[i] * t;
        }
        if (!deriv) continue;
        /* B = W X_b again (pass 1's was overwritten by later blocks) */
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < p; a++) {
                double t = 0;
                for (size_t j = 0; j < n; j++) t += W[i * n + j] * c->X[rw[j] * p + a];
                c->B[i * p + a] = t;
            }
        size_t loff = 0;
        for (size_t q = 0; q < s; q++) {
            const size_t *lv = c->re[q].level;
            size_t *map = c->map + loff, *lid = c->lid + q * nm, m = 0;
            loff += c->re[q].nlevels;
            for (size_t i = 0; i < n; i++) {
                size_t L = lv[rw[i]];
                if (map[L] == SIZE_MAX) map[L] = m++;
                lid[i] = map[L];
            }
            for (size_t i = 0; i < n; i++) map[lv[rw[i]]] = SIZE_MAX;
            c->nl[q] = m;
            /* Rs_q[i][g] = sum_{j in g} W_ij; tr(W G_q) = sum_i Rs_q[i][lid_i] */
            double *R = c->Rs + q * nm * nm;
            memset(R, 0, n * m * sizeof(double));
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++) R[i * m + lid[j]] += W[i * n + j];
            for (size_t i = 0; i < n; i++) c->trWG[q] += R[i * m + lid[i]];
            /* level sums of Py: quad = sum_g (sum_{i in g} Py_i)^2, u = G_q Py */
            double *ls = c->lsum;
            memset(ls, 0, m * sizeof(double));
            for (size_t i = 0; i < n; i++) ls[lid[i]] += Pr[i];
            for (size_t g = 0; g < m; g++) c->quad[q] += ls[g] * ls[g];
            double *u = c->u + q * nm;
            for (size_t i = 0; i < n; i++) u[i] = ls[lid[i]];
            /* GB_q = G_q B (level sums of B's rows) */
            double *GB = c->GB + q * nm * p;
            memset(c->lsum, 0, m * p * sizeof(double));
            for (size_t i = 0; i < n; i++)
                for (size_t a = 0; a < p; a++) c->lsum[lid[i] * p + a] += c->B[i * p + a];
            for (size_t i = 0; i < n; i++)
                for (size_t a = 0; a < p; a++) GB[i * p + a] = c->lsum[lid[i] * p + a];
            /* QB_q = W G_q B = W GB_q */
            double *QB = c->QB + q * nm * p;
            for (size_t i = 0; i < n; i++)
                for (size_t a = 0; a < p; a++) {
                    double t = 0;
                    for (size_t j = 0; j < n; j++) t += W[i * n + j] * GB[j * p + a];
                    QB[i * p + a] = t;
                }
            /* H_q += B'G_q B; bu_q += B'u_q */
            double *Hq = c->H + q * p * p;
            for (size_t i = 0; i < n; i++)
                for (size_t a = 0; a < p; a++) {
                    c->bu[q * p + a] += c->B[i * p + a] * u[i];
                    for (size_t e = 0; e < p; e++) Hq[a * p + e] += c->B[i * p + a] * GB[i * p + e];
                }
        }
        for (size_t q = 0; q < s; q++)
            for (size_t d = 0; d <= q; d++) {
                /* T1 += tr(W G_q W G_d) = sum_ij Rs_q[i][lid_q j] Rs_d[j][lid_d i] */
                const double *Rq = c->Rs + q * nm * nm, *Rd = c->Rs + d * nm * nm;
                const size_t *lq = c->lid + q * nm, *ld = c->lid + d * nm;
                size_t mq = c->nl[q], md = c->nl[d];
                double t1 = 0, sv = 0;
                for (size_t i = 0; i < n; i++)
                    for (size_t j = 0; j < n; j++) t1 += Rq[i * mq + lq[j]] * Rd[j * md + ld[i]];
                c->T1[q * s + d] += t1;
                /* S += u_q' W u_d */
                const double *uq = c->u + q * nm, *ud = c->u + d * nm;
                for (size_t i = 0; i < n; i++) {
                    double t = 0;
                    for (size_t j = 0; j < n; j++) t += W[i * n + j] * ud[j];
                    sv += uq[i] * t;
                }
                c->S[q * s + d] += sv;
                /* K_qd += (G_q B)'(W G_d B) */
                double *Kqd = c->K + (q * s + d) * p * p;
                const double *GBq = c->GB + q * nm * p, *QBd = c->QB + d * nm * p;
                for (size_t i = 0; i < n; i++)
                    for (size_t a = 0; a < p; a++)
                        for (size_t e = 0; e < p; e++) Kqd[a * p + e] += GBq[i * p + a] * QBd[i * p + e];
            }
    }
    double l2pi = log(2 * M_PI);
    c->llML = -0.5 * (double)c->k * l2pi - 0.5 * c->logdetM - 0.5 * c->rss;
    c->llREML = -0.5 * (double)(c->k - p) * l2pi + 0.5 * c->logdetXX - 0.5 * c->logdetM -
                0.5 * c->logdetXWX - 0.5 * c->rss;
    c->ll = c->reml ? c->llREML : c->llML;
    if (!deriv) return 0;
    /* score, Fisher and observed information */
    for (size_t q = 0; q < s; q++) {
        double tr = c->trWG[q];
        if (c->reml) {
            double t = 0;
            for (size_t a = 0; a < p; a++)
                for (size_t e = 0; e < p; e++) t += c->A[a * p + e] * c->H[q * p * p + e * p + a];
            tr -= t;
        }
        c->g[q] = -0.5 * tr + 0.5 * c->quad[q];
        for (size_t d = 0; d <= q; d++) {
            double T = c->T1[q * s + d];
            if (c->reml) {
                /* tr(A K_qd), tr(A H_q A H_d) */
                const double *Kqd = c->K + (q * s + d) * p * p, *Hq = c->H + q * p * p,
                             *Hd = c->H + d * p * p;
                double t2 = 0, t3 = 0;
                for (size_t a = 0; a < p; a++)
                    for (size_t e = 0; e < p; e++) t2 += c->A[a * p + e] * Kqd[e * p + a];
                /* AH_q and AH_d products: p small, O(p^3) */
                for (size_t a = 0; a < p; a++)
                    for (size_t e = 0; e < p; e++) {
                        double x1 = 0, x2 = 0;
                        for (size_t f = 0; f < p; f++) {
                            x1 += c->A[a * p + f] * Hq[f * p + e];
                            x2 += c->A[e * p + f] * Hd[f * p + a];
                        }
                        t3 += x1 * x2;
                    }
                T = T - 2 * t2 + t3;
            }
            double uPu = c->S[q * s + d];
            for (size_t a = 0; a < p; a++)
                for (size_t e = 0; e < p; e++)
                    uPu -= c->bu[q * p + a] * c->A[a * p + e] * c->bu[d * p + e];
            c->Ifis[q * s + d] = c->Ifis[d * s + q] = 0.5 * T;
            c->Jobs[q * s + d] = c->Jobs[d * s + q] = -0.5 * T + uPu;
        }
    }
    return 0;
}

/* Solve the free rows/columns of the s x s system I x = g (x zero elsewhere); 0 or -1. */
static int solve_free(const double *I, const double *g, const int *fixed, size_t s, double *x,
                      double *work)
{
    size_t idx[64], nf = 0;
    for (size_t q = 0; q < s; q++)
        if (!fixed[q]) idx[nf++] = q;
    for (size_t q = 0; q < s; q++) x[q] = 0;
    if (!nf) return 0;
    double *Mf = work, *b = work + nf * nf;
    for (size_t a = 0; a < nf; a++) {
        b[a] = g[idx[a]];
        for (size_t e = 0; e < nf; e++) Mf[a * nf + e] = I[idx[a] * s + idx[e]];
    }
    if (cmeta__chol(Mf, nf) != 0) return -1;
    cmeta__chol_solve(Mf, nf, b);
    for (size_t a = 0; a < nf; a++) x[idx[a]] = b[a];
    return 0;
}

/* Maximise the (restricted) log-likelihood over sigma2 >= 0 from sig (updated in place), the
 * components with hold[q] (may be NULL) kept where they are. On return c is evaluated at sig.
 * Returns the iterations, -1 without convergence, -2 when M became singular.
 * Scratch: sig2, step (s), work (s * s + s), fixed (s). */
static int optimise(mvctx *c, double *sig, const int *hold, int maxiter, double tol, double *sig2,
                    double *step, double *work, int *fixed)
{
    size_t s = c->s;
    if (evaluate(c, sig, 1, NULL) != 0) return -2;
    int free_any = 0;
    for (size_t q = 0; q < s; q++) free_any |= !(hold && hold[q]);
    if (!free_any) return 0;
    for (int it = 0; it < maxiter; it++) {
        for (size_t q = 0; q < s; q++) fixed[q] = (hold && hold[q]) || (sig[q] == 0 && c->g[q] <= 0);
        double ll0 = c->ll;
        int accepted = 0;
        for (int kind = 0; kind < 2 && !accepted; kind++) {
            if (solve_free(kind == 0 ? c->Jobs : c->Ifis, c->g, fixed, s, step, work) != 0) continue;
            double t = 1;
            for (int h = 0; h < 60; h++, t *= 0.5) {
                for (size_t q = 0; q < s; q++) {
                    sig2[q] = sig[q] + t * step[q];
                    if (sig2[q] < 0) sig2[q] = 0;
                }
                if (evaluate(c, sig2, 1, NULL) != 0) continue;
                if (c->ll >= ll0 - 1e-13 * fabs(ll0)) {
                    accepted = 1;
                    break;
                }
            }
        }
        if (!accepted) /* no step improves: at the optimum to rounding */
            return evaluate(c, sig, 1, NULL) != 0 ? -2 : it + 1;
        double dmax = 0;
        for (size_t q = 0; q < s; q++) {
            double d = fabs(sig2[q] - sig[q]) / (fabs(sig2[q]) + 1e-8);
            if (d > dmax) dmax = d;
            sig[q] = sig2[q];
        }
        if (dmax <= tol) return it + 1;
    }
    return -1;
}

/* Profile confidence interval of sigma2_q (metafor's confint.rma.mv): the values x with
 * 2 (ll_max - ll_q(x)) = qchisq(level, 1), ll_q(x) the log-likelihood maximised over the other
 * components with sigma2_q = x; searched in [0, max(10, 100 sigma2_q)] as metafor (a bound
 * the profile does not cross there is the end of the range, *open set). */
typedef struct {
    mvctx *c;
    size_t q;
    const double *est;
    double *sig, *sig2, *step, *work, target;
    int *fixed, *hold, maxiter, failed;
    double tol;
} profctx;

static double profile_fn(double x, void *arg)
{
    profctx *P = arg;
    memcpy(P->sig, P->est, P->c->s * sizeof(double));
    P->sig[P->q] = x;
    int it = optimise(P->c, P->sig, P->hold, P->maxiter, P->tol, P->sig2, P->step, P->work, P->fixed);
    if (it < 0) P->failed = 1;
    return P->c->ll - P->target;
}

cmeta_status cmeta_mv(const double *y, const double *vi, size_t k, const cmeta_mv_cov *cov,
                      size_t ncov, const double *X, size_t p, int intercept,
                      const cmeta_mv_random *re, size_t s, const cmeta_mv_opts *opts,
                      cmeta_mv_fit **out, cmeta_warnings *w, cmeta_error *err)
{
    *out = NULL;
    cmeta_mv_opts dop;
    if (!opts) {
        cmeta_mv_opts_default(&dop);
        opts = &dop;
    }
    if (opts->method != CMETA_METHOD_REML && opts->method != CMETA_METHOD_ML)
        return cmeta_error_set(err, CMETA_EUSAGE, "mv: the method must be REML or ML");
    if (opts->test != CMETA_TEST_Z && opts->test != CMETA_TEST_T)
        return cmeta_error_set(err, CMETA_EUSAGE, "mv: the test must be z or t");
    if (s < 1 || s > 32) return cmeta_error_set(err, CMETA_EUSAGE, "mv: 1 to 32 variance components");
    if (k <= p)
        return cmeta_error_set(err, CMETA_EDATA,
                               "too few effect sizes for the model: %zu, with %zu coefficients", k, p);
    for (size_t i = 0; i < k; i++)
        if (!isfinite(y[i]) || !(vi[i] > 0) || !isfinite(vi[i])) {
            if (err) err->index = (long)i;
            return cmeta_error_set(err, CMETA_EDATA, "the sampling variance must be positive and finite");
        }
    for (size_t q = 0; q < s; q++)
        for (size_t i = 0; i < k; i++)
            if (re[q].level[i] >= re[q].nlevels)
                return cmeta_error_set(err, CMETA_EUSAGE, "mv: level out of range");
    for (size_t a = 0; a < ncov; a++)
        if (cov[a].i >= k || cov[a].j >= k || cov[a].i == cov[a].j || !isfinite(cov[a].value))
            return cmeta_error_set(err, CMETA_EUSAGE, "mv: bad covariance element");

    /* two factors that group the rows identically cannot be told apart (the likelihood is flat
     * along sigma2_q + sigma2_r): refused (metafor fits them and splits the sum arbitrarily) */
    for (size_t q = 0; q < s; q++)
        for (size_t r = q + 1; r < s; r++) {
            size_t *mq = CMETA__NEW(size_t, re[q].nlevels), *mr = CMETA__NEW(size_t, re[r].nlevels);
            int same = 1;
            if (!mq || !mr) {
                cmeta_free(mq), cmeta_free(mr);
                return cmeta__nomem(err);
            }
            for (size_t L = 0; L < re[q].nlevels; L++) mq[L] = SIZE_MAX;
            for (size_t L = 0; L < re[r].nlevels; L++) mr[L] = SIZE_MAX;
            for (size_t i = 0; i < k && same; i++) {
                size_t a = re[q].level[i], b = re[r].level[i];
                if (mq[a] == SIZE_MAX && mr[b] == SIZE_MAX) mq[a] = b, mr[b] = a;
                else same = mq[a] == b && mr[b] == a;
            }
            cmeta_free(mq), cmeta_free(mr);
            if (same)
                return cmeta_error_set(err, CMETA_EDATA,
                                       "the random factors '%s' and '%s' group the effect sizes "
                                       "identically: their variance components cannot be told apart",
                                       re[q].name ? re[q].name : "?", re[r].name ? re[r].name : "?");
        }
    mvctx c;
    memset(&c, 0, sizeof c);
    c.k = k, c.p = p, c.s = s, c.y = y, c.X = X, c.re = re;
    c.reml = opts->method == CMETA_METHOD_REML;
    cmeta_status st = CMETA_ENOMEM;
    cmeta_mv_fit *f = NULL;
    size_t *par = CMETA__NEW(size_t, k), *first = NULL, *bof = CMETA__NEW(size_t, k),
           *pos = CMETA__NEW(size_t, k);
    size_t totlev = 0;
    for (size_t q = 0; q < s; q++) totlev += re[q].nlevels;
    first = CMETA__NEW(size_t, totlev);
    c.map = CMETA__NEW(size_t, totlev);
    if (!par || !first || !bof || !pos || !c.map) goto fail;
    /* blocks: union-find over shared levels and nonzero covariances */
    for (size_t i = 0; i < k; i++) par[i] = i;
    for (size_t i = 0; i < totlev; i++) first[i] = c.map[i] = SIZE_MAX;
    {
        size_t off = 0;
        for (size_t q = 0; q < s; q++) {
            for (size_t i = 0; i < k; i++) {
                size_t L = off + re[q].level[i];
                if (first[L] == SIZE_MAX) first[L] = i;
                else par[uf_find(par, i)] = uf_find(par, first[L]);
            }
            off += re[q].nlevels;
        }
    }
    for (size_t a = 0; a < ncov; a++)
        if (cov[a].value != 0) {
            size_t ri = uf_find(par, cov[a].i), rj = uf_find(par, cov[a].j);
            if (ri != rj) par[ri] = rj;
        }
    /* number blocks by their first row; count sizes */
    for (size_t i = 0; i < k; i++) bof[i] = SIZE_MAX;
    size_t nb = 0;
    for (size_t i = 0; i < k; i++) {
        size_t r = uf_find(par, i);
        if (bof[r] == SIZE_MAX) bof[r] = nb++;
    }
    c.nb = nb;
    c.bstart = CMETA__NEW(size_t, nb + 1);
    c.rows = CMETA__NEW(size_t, k);
    c.moff = CMETA__NEW(size_t, nb);
    if (!c.bstart || !c.rows || !c.moff) goto fail;
    for (size_t i = 0; i < k; i++) c.bstart[bof[uf_find(par, i)] + 1]++;
    for (size_t b = 0; b < nb; b++) c.bstart[b + 1] += c.bstart[b];
    /* place the rows: blk (in bof) is each row's block, pos its place in the block */
    for (size_t i = 0; i < k; i++) pos[i] = bof[uf_find(par, i)];
    for (size_t i = 0; i < k; i++) bof[i] = pos[i];
    for (size_t b = 0; b < nb; b++) par[b] = c.bstart[b]; /* par: running fill per block */
    for (size_t i = 0; i < k; i++) {
        size_t b = bof[i];
        pos[i] = par[b] - c.bstart[b];
        c.rows[par[b]++] = i;
    }
    size_t msum = 0, nmax = 1;
    for (size_t b = 0; b < nb; b++) {
        size_t n = c.bstart[b + 1] - c.bstart[b];
        c.moff[b] = msum;
        msum += n * n;
        if (n > nmax) nmax = n;
    }
    c.nmax = nmax;
    c.Vb = cmeta__dnew(msum);
    c.Wb = cmeta__dnew(msum);
    c.lid = CMETA__NEW(size_t, s * nmax);
    c.nl = CMETA__NEW(size_t, s);
    c.Rs = cmeta__dnew(s * nmax * nmax);
    c.B = cmeta__dnew(nmax * p);
    c.GB = cmeta__dnew(s * nmax * p);
    c.QB = cmeta__dnew(s * nmax * p);
    c.u = cmeta__dnew(s * nmax);
    c.Pr = cmeta__dnew(nmax);
    c.lsum = cmeta__dnew(nmax * (p > 1 ? p : 1));
    c.tmp = cmeta__dnew(nmax * nmax > p * p ? nmax * nmax : p * p);
    c.XWX = cmeta__dnew(p * p), c.A = cmeta__dnew(p * p), c.XWy = cmeta__dnew(p);
    c.beta = cmeta__dnew(p), c.g = cmeta__dnew(s), c.Jobs = cmeta__dnew(s * s);
    c.Ifis = cmeta__dnew(s * s), c.H = cmeta__dnew(s * p * p), c.K = cmeta__dnew(s * s * p * p);
    c.S = cmeta__dnew(s * s), c.bu = cmeta__dnew(s * p), c.trWG = cmeta__dnew(s);
    c.quad = cmeta__dnew(s), c.T1 = cmeta__dnew(s * s);
    double *sig = cmeta__dnew(s), *sig2 = cmeta__dnew(s), *step = cmeta__dnew(s),
           *work = cmeta__dnew(s * s + s), *XX = cmeta__dnew(p * p), *wk = cmeta__dnew(p * p);
    int *fixed = CMETA__NEW(int, s);
    if (!c.Vb || !c.Wb || !c.lid || !c.nl || !c.Rs || !c.B || !c.GB || !c.QB || !c.u || !c.Pr ||
        !c.lsum || !c.tmp || !c.XWX || !c.A || !c.XWy || !c.beta || !c.g || !c.Jobs || !c.Ifis ||
        !c.H || !c.K || !c.S || !c.bu || !c.trWG || !c.quad || !c.T1 || !sig || !sig2 || !step ||
        !work || !XX || !wk || !fixed)
        goto fail2;
    /* V by block */
    for (size_t i = 0; i < k; i++) {
        size_t b = bof[i], n = c.bstart[b + 1] - c.bstart[b];
        c.Vb[c.moff[b] + pos[i] * n + pos[i]] = vi[i];
    }
    for (size_t a = 0; a < ncov; a++) {
        size_t i = cov[a].i, j = cov[a].j, b = bof[i], n = c.bstart[b + 1] - c.bstart[b];
        if (cov[a].value == 0) continue;
        c.Vb[c.moff[b] + pos[i] * n + pos[j]] = cov[a].value;
        c.Vb[c.moff[b] + pos[j] * n + pos[i]] = cov[a].value;
    }
    /* log|X'X| (REML constant, metafor's REMLf = TRUE) */
    for (size_t a = 0; a < p; a++)
        for (size_t e = 0; e < p; e++) {
            double t = 0;
            for (size_t i = 0; i < k; i++) t += X[i * p + a] * X[i * p + e];
            XX[a * p + e] = t;
        }
    if (cmeta__spd_inverse(XX, p, 1e-12, &c.logdetXX, wk) != 0) {
        st = cmeta_error_set(err, CMETA_EDATA, "the design matrix is not of full column rank");
        goto fail2;
    }

    f = CMETA__NEW(cmeta_mv_fit, 1);
    if (!f) goto fail2;
    f->beta = cmeta__dnew(p), f->se = cmeta__dnew(p), f->stat = cmeta__dnew(p);
    f->pval = cmeta__dnew(p), f->ci_lb = cmeta__dnew(p), f->ci_ub = cmeta__dnew(p);
    f->vb = cmeta__dnew(p * p), f->sigma2 = cmeta__dnew(s), f->nlvls = CMETA__NEW(size_t, s);
    f->I2 = cmeta__dnew(s);
    f->sigma2_fixed = CMETA__NEW(int, s);
    f->sigma2_ci_lb = cmeta__dnew(s), f->sigma2_ci_ub = cmeta__dnew(s);
    if (!f->beta || !f->se || !f->stat || !f->pval || !f->ci_lb || !f->ci_ub || !f->vb ||
        !f->sigma2 || !f->nlvls || !f->I2 || !f->sigma2_fixed || !f->sigma2_ci_lb || !f->sigma2_ci_ub)
        goto fail2;

    /* QE and log|V|: the fit with every sigma2 = 0 (metafor: FE GLS with V) */
    size_t bad = 0;
    int rc = evaluate(&c, sig, 0, &bad);
    if (rc == -1) {
        size_t r0 = c.rows[c.bstart[bad]];
        if (err) err->index = (long)r0;
        st = cmeta_error_set(err, CMETA_EDATA,
                             "the sampling covariance matrix V is not positive definite (in the "
                             "block of %zu correlated rows that starts with this one)",
                             c.bstart[bad + 1] - c.bstart[bad]);
        goto fail2;
    }
    if (rc == -2) {
        st = cmeta_error_set(err, CMETA_EDATA, "the design matrix is not of full column rank");
        goto fail2;
    }
    f->QE = c.rss;
    f->QE_df = (double)(k - p);
    f->QE_pval = cmeta__pchisq_upper(f->QE, f->QE_df);
    double llQE = -0.5 * (double)k * log(2 * M_PI) - 0.5 * c.logdetM;
    /* the typical sampling variance of the multilevel I^2 (metafor FAQ, "I^2 for multilevel and
     * multivariate models", after Nakagawa & Santos 2012): with W = V^-1 and
     * P = W - W X (X'WX)^-1 X'W, v = (k - p) / tr(P); tr(P) = sum_b tr(W_b) - tr(A sum_b B_b'B_b),
     * B_b = W_b X_b (A = (X'V^-1 X)^-1 of this evaluation, W_b its blocks) */
    double vtyp;
    {
        double trW = 0, *BB = XX; /* p x p */
        memset(BB, 0, p * p * sizeof *BB);
        for (size_t b = 0; b < nb; b++) {
            size_t n = c.bstart[b + 1] - c.bstart[b];
            const size_t *rw = c.rows + c.bstart[b];
            const double *Wm = c.Wb + c.moff[b];
            for (size_t i = 0; i < n; i++) {
                trW += Wm[i * n + i];
                for (size_t a = 0; a < p; a++) {
                    double t = 0;
                    for (size_t j = 0; j < n; j++) t += Wm[i * n + j] * X[rw[j] * p + a];
                    c.B[i * p + a] = t;
                }
            }
            for (size_t i = 0; i < n; i++)
                for (size_t a = 0; a < p; a++)
                    for (size_t e = 0; e < p; e++) BB[a * p + e] += c.B[i * p + a] * c.B[i * p + e];
        }
        double t = 0;
        for (size_t a = 0; a < p; a++)
            for (size_t e = 0; e < p; e++) t += c.A[a * p + e] * BB[e * p + a];
        vtyp = (double)(k - p) / (trW - t);
    }
    /* start: metafor's sigma2.init */
    {
        double mean = 0, var = 0, hm = 0;
        for (size_t i = 0; i < k; i++) {
            double r = y[i];
            for (size_t a = 0; a < p; a++) r -= X[i * p + a] * c.beta[a];
            mean += r;
            hm += 1 / vi[i];
        }
        mean /= (double)k;
        for (size_t i = 0; i < k; i++) {
            double r = y[i];
            for (size_t a = 0; a < p; a++) r -= X[i * p + a] * c.beta[a];
            var += (r - mean) * (r - mean);
        }
        var /= (double)(k - 1);
        double total = var - 1 / (hm / (double)k);
        if (!(total > 0.001 * (double)s)) total = 0.001 * (double)s;
        for (size_t q = 0; q < s; q++) sig[q] = total / (double)s;
    }
    /* a factor with a single level: its sigma2 is fixed to 0, as metafor ("Single-level factor(s)
     * found in 'random' argument. Corresponding 'sigma2' value(s) fixed to 0.") */
    size_t nfix = 0;
    int *hold0 = CMETA__NEW(int, s);
    if (!hold0) goto fail2;
    for (size_t q = 0; q < s; q++) {
        size_t first_level = re[q].level[0], one = 1;
        for (size_t i = 1; i < k && one; i++) one = re[q].level[i] == first_level;
        if (one) {
            hold0[q] = 1, sig[q] = 0, nfix++;
            f->sigma2_fixed[q] = 1;
            cmeta_warn(w, "the random factor '%s' has a single level: its sigma2 is fixed to 0 (as metafor)",
                       re[q].name ? re[q].name : "?");
        }
    }
    int it = optimise(&c, sig, hold0, opts->maxiter, opts->tol, sig2, step, work, fixed);
    cmeta_free(hold0);
    if (it == -2) goto numfail;
    if (it < 0) {
        st = cmeta_error_set(err, CMETA_ENUMERIC,
                             "the variance components did not converge in %d iterations",
                             opts->maxiter);
        goto fail2;
    }
    /* final evaluation at the estimates */
    if (evaluate(&c, sig, 0, NULL) != 0) goto numfail;
    /* the rows' weights: diag(M^-1) normalised to 100, metafor's weights.rma.mv (type =
     * "diagonal"), from the blocks of W = M^-1 of this evaluation */
    f->weight = cmeta__dnew(k);
    if (!f->weight) goto fail2;
    {
        double tw = 0;
        for (size_t b = 0; b < nb; b++) {
            size_t n = c.bstart[b + 1] - c.bstart[b];
            const double *Wm = c.Wb + c.moff[b];
            for (size_t i = 0; i < n; i++) {
                f->weight[c.rows[c.bstart[b] + i]] = Wm[i * n + i];
                tw += Wm[i * n + i];
            }
        }
        for (size_t i = 0; i < k; i++) f->weight[i] *= 100 / tw;
    }
    f->iterations = it;
    f->k = k, f->p = p, f->s = s, f->method = opts->method, f->test = opts->test;
    f->level = opts->level;
    f->nblocks = nb, f->maxblock = nmax;
    memcpy(f->sigma2, sig, s * sizeof *sig);
    {
        double tot = 0;
        for (size_t q = 0; q < s; q++) tot += sig[q];
        f->vtyp = vtyp;
        f->I2_total = 100 * tot / (tot + vtyp);
        for (size_t q = 0; q < s; q++) f->I2[q] = 100 * sig[q] / (tot + vtyp);
    }
    for (size_t q = 0; q < s; q++) {
        size_t n = 0;
        char *seen = CMETA__NEW(char, re[q].nlevels);
        if (!seen) goto fail2;
        for (size_t i = 0; i < k; i++)
            if (!seen[re[q].level[i]]) seen[re[q].level[i]] = 1, n++;
        cmeta_free(seen);
        f->nlvls[q] = n;
    }
    memcpy(f->beta, c.beta, p * sizeof(double));
    memcpy(f->vb, c.A, p * p * sizeof(double));
    int tt = opts->test == CMETA_TEST_T;
    f->df = tt ? (double)(k - p) : NAN;
    double crit = cmeta__qcrit(opts->level, f->df);
    for (size_t a = 0; a < p; a++) {
        f->se[a] = sqrt(c.A[a * p + a]);
        f->stat[a] = f->beta[a] / f->se[a];
        f->pval[a] = tt ? cmeta__pt2(f->stat[a], f->df) : cmeta__pnorm2(f->stat[a]);
        f->ci_lb[a] = f->beta[a] - crit * f->se[a];
        f->ci_ub[a] = f->beta[a] + crit * f->se[a];
    }
    /* QM: Wald test of coefficients btt_from..p (metafor .set.btt: 2:p with an intercept) */
    f->intercept = intercept != 0;
    f->btt_from = intercept && p > 1 ? 2 : 1;
    {
        size_t m = p - (f->btt_from - 1), o = f->btt_from - 1;
        double *Vm = work; /* s*s+s may be too small: use wk (p*p) */
        Vm = wk;
        for (size_t a = 0; a < m; a++)
            for (size_t e = 0; e < m; e++) Vm[a * m + e] = c.A[(o + a) * p + o + e];
        double *tmp2 = XX;
        if (cmeta__spd_inverse(Vm, m, 0.0, NULL, tmp2) != 0) f->QM = NAN;
        else {
            double qm = 0;
            for (size_t a = 0; a < m; a++)
                for (size_t e = 0; e < m; e++) qm += f->beta[o + a] * Vm[a * m + e] * f->beta[o + e];
            f->QM = qm;
        }
        f->QM_df = (double)m;
        if (tt) {
            f->QM /= (double)m;
            f->QM_pval = cmeta__pf_upper(f->QM, (double)m, f->df);
        } else
            f->QM_pval = cmeta__pchisq_upper(f->QM, (double)m);
    }
    /* fit statistics (metafor rma.mv: parms = p + s) */
    f->ll_ML = c.llML;
    f->ll_REML = c.llREML;
    double parms = (double)(p + s - nfix);
    if (c.reml) {
        double n = (double)(k - p), nn = n > parms + 2 ? n : parms + 2;
        f->ll = c.llREML;
        f->deviance = -2 * c.llREML;
        f->AIC = -2 * c.llREML + 2 * parms;
        f->BIC = -2 * c.llREML + parms * log(n);
        f->AICc = -2 * c.llREML + 2 * parms * nn / (nn - parms - 1);
    } else {
        double n = (double)k, nn = n > parms + 2 ? n : parms + 2;
        f->ll = c.llML;
        f->deviance = -2 * (c.llML - llQE);
        f->AIC = -2 * c.llML + 2 * parms;
        f->BIC = -2 * c.llML + parms * log(n);
        f->AICc = -2 * c.llML + 2 * parms * nn / (nn - parms - 1);
    }
    /* profile-likelihood CIs of the variance components */
    for (size_t q = 0; q < s; q++) f->sigma2_ci_lb[q] = f->sigma2_ci_ub[q] = NAN;
    if (opts->profile_ci) {
        int *hold = CMETA__NEW(int, s);
        double *est = cmeta__dnew(s);
        if (!hold || !est) {
            cmeta_free(hold), cmeta_free(est);
            goto fail2;
        }
        memcpy(est, f->sigma2, s * sizeof *est);
        double chi = cmeta__qchisq(1 - opts->level / 100, 1, 1);
        profctx P = {&c, 0, est, sig, sig2, step, work, f->ll - chi / 2, fixed, hold,
                     opts->maxiter, 0, opts->tol};
        for (size_t q = 0; q < s && !P.failed; q++) {
            if (f->sigma2_fixed[q]) continue;
            for (size_t r = 0; r < s; r++) hold[r] = f->sigma2_fixed[r];
            hold[q] = 1;
            P.q = q;
            double root;
            int bit;
            /* lower: 0 when the profile at 0 stays above the target */
            if (est[q] <= 0 || profile_fn(0, &P) >= 0) f->sigma2_ci_lb[q] = 0;
            else if (cmeta__brent(profile_fn, &P, 0, est[q], 1e-12, 200, &root, &bit) == 0)
                f->sigma2_ci_lb[q] = root;
            double hi = est[q] * 100 > 10 ? est[q] * 100 : 10;
            if (profile_fn(hi, &P) >= 0) {
                f->sigma2_ci_ub[q] = hi;
                f->sigma2_ci_ub_open = 1;
            } else if (cmeta__brent(profile_fn, &P, est[q], hi, 1e-12, 200, &root, &bit) == 0)
                f->sigma2_ci_ub[q] = root;
        }
        if (P.failed)
            cmeta_warn(w, "the profile likelihood of a variance component did not converge: its CI is not given");
        if (P.failed)
            for (size_t q = 0; q < s; q++) f->sigma2_ci_lb[q] = f->sigma2_ci_ub[q] = NAN;
        cmeta_free(hold), cmeta_free(est);
    }
    st = CMETA_OK;
    *out = f;
    f = NULL;
    goto fail2;
numfail:
    st = cmeta_error_set(err, CMETA_ENUMERIC, "the marginal covariance matrix became singular");
fail2:
    cmeta_free(sig), cmeta_free(sig2), cmeta_free(step), cmeta_free(work), cmeta_free(XX);
    cmeta_free(wk), cmeta_free(fixed);
fail:
    if (st == CMETA_ENOMEM) cmeta__nomem(err);
    cmeta_mv_fit_free(f);
    cmeta_free(par), cmeta_free(first), cmeta_free(bof), cmeta_free(pos);
    cmeta_free(c.map), cmeta_free(c.bstart), cmeta_free(c.rows), cmeta_free(c.moff);
    cmeta_free(c.Vb), cmeta_free(c.Wb), cmeta_free(c.lid), cmeta_free(c.nl), cmeta_free(c.Rs);
    cmeta_free(c.B), cmeta_free(c.GB), cmeta_free(c.QB), cmeta_free(c.u), cmeta_free(c.Pr);
    cmeta_free(c.lsum), cmeta_free(c.tmp), cmeta_free(c.XWX), cmeta_free(c.A), cmeta_free(c.XWy);
    cmeta_free(c.beta), cmeta_free(c.g), cmeta_free(c.Jobs), cmeta_free(c.Ifis), cmeta_free(c.H);
    cmeta_free(c.K), cmeta_free(c.S), cmeta_free(c.bu), cmeta_free(c.trWG), cmeta_free(c.quad);
    cmeta_free(c.T1);
    return st;
}
