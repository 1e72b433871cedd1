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
    if (f->inner_labels)
        for (size_t a = 0; a < f->ninner; a++) cmeta_free(f->inner_labels[a]);
    cmeta_free(f->inner_labels);
    cmeta_free(f->inner_name), cmeta_free(f->outer_name);
    cmeta_free(f->tau2), cmeta_free(f->rho), cmeta_free(f->tau2_fixed), cmeta_free(f->rho_fixed);
    cmeta_free(f->k_lvl), cmeta_free(f->k_comb);
    cmeta_free(f->tau2_ci_lb), cmeta_free(f->tau2_ci_ub), cmeta_free(f->rho_ci_lb), cmeta_free(f->rho_ci_ub);
    cmeta_free(f->tau2_ci_open), cmeta_free(f->rho_ci_open);
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
    /* parameters: np = s sigma2, then the term's nt tau2 and nr rho (term NULL: np = s) */
    size_t np, nt, nr, L;
    const cmeta_mv_term *term;
    double *lo, *hi;       /* np: bounds */
    double *G;             /* L x L: the term's G at the last evaluation */
    double *Rc;            /* L x L scratch (UN: the correlation matrix's factor) */
    /* the generic derivatives (term models), per block: D_j = dM/dtheta_j, W D_j, D_j B,
     * W D_j B, D_j Py; sums of the second-derivative terms */
    double *Dm, *WD, *DB, *WDB, *U, *tr2, *q2, *H2;
} mvctx;

/* ---- the `inner | outer` term: G and its derivatives, one cell (a, b) at a time ----
 * th: the full parameter vector (term parameters from c->s). For the heteroscedastic
 * structures G_ab = s_a s_b c_ab (s_a = sqrt(tau2_a), c_ab the correlation: rho, rho_ab or
 * rho^|a-b|), so dG_ab/dtau2_a = c_ab s_b / (2 s_a); at tau2_a = 0 that derivative is taken as 0
 * (the likelihood is not differentiable there; the component then sits at its bound). */
static int hetero(cmeta_mv_structure st)
{
    return st == CMETA_MV_HCS || st == CMETA_MV_UN || st == CMETA_MV_HAR || st == CMETA_MV_DIAG;
}

/* metafor's order of the UN correlations: the lower triangle by columns (a > b, 0-based) */
static size_t un_index(size_t L, size_t a, size_t b)
{
    if (a < b) {
        size_t t = a;
        a = b, b = t;
    }
    return b * L - b * (b + 1) / 2 + (a - b - 1);
}

/* the correlation factor c_ab (a != b) and its first and second derivatives in its rho
 * parameter (index *ri, SIZE_MAX when there is none) */
static double corr_ab(const mvctx *c, const double *th, size_t a, size_t b, size_t *ri, double *d1,
                      double *d2)
{
    const double *rho = th + c->s + c->nt;
    size_t d = a > b ? a - b : b - a;
    *d1 = *d2 = 0;
    *ri = SIZE_MAX;
    switch (c->term->structure) {
    case CMETA_MV_CS:
    case CMETA_MV_HCS:
        if (!c->nr) return 0;
        *ri = c->s + c->nt, *d1 = 1;
        return rho[0];
    case CMETA_MV_UN: {
        size_t q = un_index(c->L, a, b);
        *ri = c->s + c->nt + q, *d1 = 1;
        return rho[q];
    }
    case CMETA_MV_AR:
    case CMETA_MV_HAR:
        if (!c->nr) return 0;
        *ri = c->s + c->nt;
        *d1 = (double)d * pow(rho[0], (double)(d - 1));
        *d2 = d >= 2 ? (double)(d * (d - 1)) * pow(rho[0], (double)(d - 2)) : 0;
        return pow(rho[0], (double)d);
    default:
        return 0;
    }
}

static double G_cell(const mvctx *c, const double *th, size_t a, size_t b)
{
    const double *t2 = th + c->s;
    cmeta_mv_structure st = c->term->structure;
    size_t ri;
    double d1, d2;
    if (a == b) return hetero(st) ? t2[a] : t2[0];
    double r = corr_ab(c, th, a, b, &ri, &d1, &d2);
    if (hetero(st)) return r == 0 ? 0 : r * sqrt(t2[a] * t2[b]);
    return t2[0] * r;
}

/* the nonzero first derivatives of G_ab: parameter indexes jj, values vv; returns how many (<= 3) */
static size_t dG_cell(const mvctx *c, const double *th, size_t a, size_t b, size_t *jj, double *vv)
{
    const double *t2 = th + c->s;
    cmeta_mv_structure st = c->term->structure;
    size_t n = 0, ri;
    double d1, d2;
    if (a == b) {
        jj[0] = c->s + (hetero(st) ? a : 0), vv[0] = 1;
        return 1;
    }
    if (st == CMETA_MV_ID || st == CMETA_MV_DIAG) return 0;
    double r = corr_ab(c, th, a, b, &ri, &d1, &d2);
    if (hetero(st)) {
        double sa = sqrt(t2[a]), sb = sqrt(t2[b]);
        if (sa > 0) jj[n] = c->s + a, vv[n++] = r * sb / (2 * sa);
        if (sb > 0) jj[n] = c->s + b, vv[n++] = r * sa / (2 * sb);
        if (ri != SIZE_MAX) jj[n] = ri, vv[n++] = sa * sb * d1;
    } else {
        jj[n] = c->s, vv[n++] = r;
        if (ri != SIZE_MAX) jj[n] = ri, vv[n++] = t2[0] * d1;
    }
    return n;
}

/* the nonzero second derivatives of G_ab: pairs (j1 <= j2), values; returns how many (<= 6) */
static size_t d2G_cell(const mvctx *c, const double *th, size_t a, size_t b, size_t *j1, size_t *j2,
                       double *vv)
{
    const double *t2 = th + c->s;
    cmeta_mv_structure st = c->term->structure;
    size_t n = 0, ri;
    double d1, d2;
    if (a == b || st == CMETA_MV_ID || st == CMETA_MV_DIAG) return 0;
    double r = corr_ab(c, th, a, b, &ri, &d1, &d2);
    if (hetero(st)) {
        double sa = sqrt(t2[a]), sb = sqrt(t2[b]);
        size_t ja = c->s + a, jb = c->s + b;
        if (sa > 0) j1[n] = j2[n] = ja, vv[n++] = -r * sb / (4 * sa * sa * sa);
        if (sb > 0) j1[n] = j2[n] = jb, vv[n++] = -r * sa / (4 * sb * sb * sb);
        if (sa > 0 && sb > 0) j1[n] = ja < jb ? ja : jb, j2[n] = ja < jb ? jb : ja, vv[n++] = r / (4 * sa * sb);
        if (ri != SIZE_MAX) {
            if (sa > 0) j1[n] = ja, j2[n] = ri, vv[n++] = d1 * sb / (2 * sa);
            if (sb > 0) j1[n] = jb, j2[n] = ri, vv[n++] = d1 * sa / (2 * sb);
            if (d2 != 0) j1[n] = j2[n] = ri, vv[n++] = sa * sb * d2;
        }
    } else if (ri != SIZE_MAX) {
        j1[n] = c->s, j2[n] = ri, vv[n++] = d1;
        if (d2 != 0) j1[n] = j2[n] = ri, vv[n++] = t2[0] * d2;
    }
    return n;
}

static size_t uf_find(size_t *par, size_t i)
{
    while (par[i] != i) {
        par[i] = par[par[i]];
        i = par[i];
    }
    return i;
}

/* The generic derivative sums of one block (models with a term): every parameter's
 * D_j = dM/dtheta_j formed as a dense n x n matrix (sigma2: the 0/1 matrix of shared levels;
 * term parameters: dG/dtheta_j on the pairs of rows with the same outer level), then the same
 * sums as for the random intercepts (T1, S, K, H, bu, quad, trWG) and, for the observed
 * information, those of the second derivatives d2M/dtheta_j dtheta_l:
 *   tr2 = tr(W d2M), q2 = (Py)'d2M(Py), H2 = B'd2M B. */
static void gen_block(mvctx *c, const double *th, size_t n, const size_t *rw, const double *W,
                      const double *Pr)
{
    size_t np = c->np, p = c->p, nm = c->nmax, s = c->s, L = c->L;
    const size_t *in = c->term->inner, *ou = c->term->outer;
    const double *B = c->B;
    size_t jj[3], j1[6], j2[6];
    double vv[6];
    (void)L;
    for (size_t j = 0; j < np; j++) memset(c->Dm + j * nm * nm, 0, n * n * sizeof(double));
    for (size_t q = 0; q < s; q++) {
        const size_t *lv = c->re[q].level;
        double *D = c->Dm + q * nm * nm;
        for (size_t i = 0; i < n; i++)
            for (size_t m = 0; m < n; m++) D[i * n + m] = lv[rw[i]] == lv[rw[m]];
    }
    for (size_t i = 0; i < n; i++)
        for (size_t m = 0; m < n; m++) {
            if (ou[rw[i]] != ou[rw[m]]) continue;
            size_t nd = dG_cell(c, th, in[rw[i]], in[rw[m]], jj, vv);
            for (size_t e = 0; e < nd; e++) c->Dm[jj[e] * nm * nm + i * n + m] += vv[e];
        }
    for (size_t j = 0; j < np; j++) {
        const double *D = c->Dm + j * nm * nm;
        double *WDj = c->WD + j * nm * nm, *DBj = c->DB + j * nm * p, *WDBj = c->WDB + j * nm * p,
               *Uj = c->U + j * nm, *Hj = c->H + j * p * p;
        for (size_t i = 0; i < n; i++)
            for (size_t m = 0; m < n; m++) {
                double t = 0;
                for (size_t l = 0; l < n; l++) t += W[i * n + l] * D[l * n + m];
                WDj[i * n + m] = t;
            }
        for (size_t i = 0; i < n; i++) c->trWG[j] += WDj[i * n + i];
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < p; a++) {
                double t = 0;
                for (size_t l = 0; l < n; l++) t += D[i * n + l] * B[l * p + a];
                DBj[i * p + a] = t;
            }
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < p; a++) {
                double t = 0;
                for (size_t l = 0; l < n; l++) t += W[i * n + l] * DBj[l * p + a];
                WDBj[i * p + a] = t;
            }
        for (size_t i = 0; i < n; i++) {
            double t = 0;
            for (size_t l = 0; l < n; l++) t += D[i * n + l] * Pr[l];
            Uj[i] = t;
            c->quad[j] += Pr[i] * t;
        }
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < p; a++) {
                c->bu[j * p + a] += B[i * p + a] * Uj[i];
                for (size_t e = 0; e < p; e++) Hj[a * p + e] += B[i * p + a] * DBj[i * p + e];
            }
    }
    for (size_t j = 0; j < np; j++)
        for (size_t l = 0; l <= j; l++) {
            const double *WDj = c->WD + j * nm * nm, *WDl = c->WD + l * nm * nm;
            const double *Uj = c->U + j * nm, *Ul = c->U + l * nm;
            double t1 = 0, sv = 0;
            for (size_t i = 0; i < n; i++)
                for (size_t m = 0; m < n; m++) t1 += WDj[i * n + m] * WDl[m * n + i];
            for (size_t i = 0; i < n; i++) {
                double t = 0;
                for (size_t m = 0; m < n; m++) t += W[i * n + m] * Ul[m];
                sv += Uj[i] * t;
            }
            c->T1[j * np + l] += t1;
            c->S[j * np + l] += sv;
            double *Kjl = c->K + (j * np + l) * p * p;
            const double *DBj = c->DB + j * nm * p, *WDBl = c->WDB + l * nm * p;
            for (size_t i = 0; i < n; i++)
                for (size_t a = 0; a < p; a++)
                    for (size_t e = 0; e < p; e++) Kjl[a * p + e] += DBj[i * p + a] * WDBl[i * p + e];
        }
    for (size_t i = 0; i < n; i++)
        for (size_t m = 0; m < n; m++) {
            if (ou[rw[i]] != ou[rw[m]]) continue;
            size_t nd = d2G_cell(c, th, in[rw[i]], in[rw[m]], j1, j2, vv);
            for (size_t e = 0; e < nd; e++) {
                size_t idx = j2[e] * np + j1[e]; /* j1 <= j2 */
                c->tr2[idx] += W[m * n + i] * vv[e];
                c->q2[idx] += Pr[i] * vv[e] * Pr[m];
                double *H2 = c->H2 + idx * p * p;
                for (size_t a = 0; a < p; a++)
                    for (size_t b = 0; b < p; b++) H2[a * p + b] += vv[e] * B[i * p + a] * B[m * p + b];
            }
        }
}

/* score, Fisher and observed information of a term model from gen_block's sums:
 *   g_j   = -1/2 tr(R D_j) + 1/2 (Py)'D_j(Py)
 *   I_jl  = 1/2 tr(R D_j R D_l)                                     (Fisher)
 *   J_jl  = -1/2 tr(R D_j R D_l) + (D_j Py)'P(D_l Py) + 1/2 tr(R d2M_jl)
 *           - 1/2 (Py)'d2M_jl(Py)             (observed: minus the Hessian of the log-likelihood)
 * with R = P (REML) or W (ML), traces through P as in the header of this file. */
static void gen_finish(mvctx *c)
{
    size_t np = c->np, p = c->p;
    const double *A = c->A;
    for (size_t q = 0; q < np; q++) {
        double tr = c->trWG[q];
        const double *Hq = c->H + q * p * p;
        if (c->reml)
            for (size_t a = 0; a < p; a++)
                for (size_t e = 0; e < p; e++) tr -= A[a * p + e] * Hq[e * p + a];
        c->g[q] = -0.5 * tr + 0.5 * c->quad[q];
        for (size_t d = 0; d <= q; d++) {
            size_t idx = q * np + d;
            double T = c->T1[idx], t2 = c->tr2[idx];
            if (c->reml) {
                const double *Kqd = c->K + idx * p * p, *Hd = c->H + d * p * p, *H2 = c->H2 + idx * p * p;
                double tk = 0, th = 0, tt = 0;
                for (size_t a = 0; a < p; a++)
                    for (size_t e = 0; e < p; e++) {
                        tk += A[a * p + e] * Kqd[e * p + a];
                        tt += A[a * p + e] * H2[e * p + a];
                        double x1 = 0, x2 = 0;
                        for (size_t f = 0; f < p; f++) {
                            x1 += A[a * p + f] * Hq[f * p + e];
                            x2 += A[e * p + f] * Hd[f * p + a];
                        }
                        th += x1 * x2;
                    }
                T = T - 2 * tk + th;
                t2 -= tt;
            }
            double uPu = c->S[idx];
            for (size_t a = 0; a < p; a++)
                for (size_t e = 0; e < p; e++) uPu -= c->bu[q * p + a] * A[a * p + e] * c->bu[d * p + e];
            c->Ifis[q * np + d] = c->Ifis[d * np + q] = 0.5 * T;
            c->Jobs[q * np + d] = c->Jobs[d * np + q] = -0.5 * T + uPu + 0.5 * t2 - 0.5 * c->q2[idx];
        }
    }
}

/* The term's G at the parameters into c->G; for UN, check that the correlations form a
 * positive semidefinite matrix. 0, or -1 (*badblock = SIZE_MAX) outside the domain. */
static int term_G(mvctx *c, const double *sig, size_t *badblock)
{
    size_t s = c->s, L = c->L;
    for (size_t a = 0; a < L; a++)
        for (size_t b = 0; b < L; b++) c->G[a * L + b] = G_cell(c, sig, a, b);
    if (c->term->structure == CMETA_MV_UN) {
        /* the correlation matrix must be positive semidefinite (metafor's Cholesky
         * parametrisation of UN); a ridge of 1e-10 lets a correlation reach +-1 */
        for (size_t a = 0; a < L; a++)
            for (size_t b = 0; b < L; b++)
                c->Rc[a * L + b] = a == b ? 1 + 1e-10 : sig[s + c->nt + un_index(L, a, b)];
        if (cmeta__chol(c->Rc, L) != 0) {
            if (badblock) *badblock = SIZE_MAX;
            return -1;
        }
    }
    return 0;
}

/* B = W X_b for block rows rw (n of them) into c->B */
static void form_B(mvctx *c, size_t n, const size_t *rw, const double *W)
{
    size_t p = c->p;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < p; a++) {
            double t = 0;
            for (size_t j = 0; j < n; j++) t += W[i * n + j] * c->X[rw[j] * p + a];
            c->B[i * p + a] = t;
        }
}

/* Pass 1 for block b: M_b, its inverse W_b (into c->Wb), log|M| and the block's share of
 * X'WX and X'Wy. 0, or -1 (*badblock = b) when M_b is not positive definite. */
static int pass1_block(mvctx *c, const double *sig, size_t b, size_t *badblock)
{
    size_t p = c->p, s = c->s;
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
    if (c->term) {
        const size_t *in = c->term->inner, *ou = c->term->outer;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                if (ou[rw[i]] == ou[rw[j]]) M[i * n + j] += c->G[in[rw[i]] * c->L + in[rw[j]]];
    }
    if (cmeta__chol(M, n) != 0) {
        if (badblock) *badblock = b;
        return -1;
    }
    c->logdetM += cmeta__chol_logdet(M, n);
    cmeta__chol_inv(M, n, W);
    /* B = W X_b, then X'WX += X_b'B, X'Wy += B'y_b */
    form_B(c, n, rw, W);
    for (size_t i = 0; i < n; i++) {
        const double *x = c->X + rw[i] * p;
        double yi = c->y[rw[i]];
        for (size_t a = 0; a < p; a++) {
            c->XWy[a] += c->B[i * p + a] * yi;
            for (size_t e = 0; e < p; e++) c->XWX[a * p + e] += x[a] * c->B[i * p + e];
        }
    }
    return 0;
}

/* A = (X'WX)^-1 (symmetrised first), log|X'WX| and beta = A X'Wy; 0, or -2 when X'WX is not
 * positive definite */
static int solve_beta(mvctx *c)
{
    size_t p = c->p;
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
    return 0;
}

/* zero the derivative sums that pass 2 accumulates */
static void zero_sums(mvctx *c)
{
    size_t p = c->p, s = c->s;
    if (c->term) {
        size_t np = c->np;
        memset(c->trWG, 0, np * sizeof(double));
        memset(c->quad, 0, np * sizeof(double));
        memset(c->T1, 0, np * np * sizeof(double));
        memset(c->S, 0, np * np * sizeof(double));
        memset(c->H, 0, np * p * p * sizeof(double));
        memset(c->K, 0, np * np * p * p * sizeof(double));
        memset(c->bu, 0, np * p * sizeof(double));
        memset(c->tr2, 0, np * np * sizeof(double));
        memset(c->q2, 0, np * np * sizeof(double));
        memset(c->H2, 0, np * np * p * p * sizeof(double));
    } else {
        memset(c->trWG, 0, s * sizeof(double));
        memset(c->quad, 0, s * sizeof(double));
        memset(c->T1, 0, s * s * sizeof(double));
        memset(c->S, 0, s * s * sizeof(double));
        memset(c->H, 0, s * p * p * sizeof(double));
        memset(c->K, 0, s * s * p * p * sizeof(double));
        memset(c->bu, 0, s * p * sizeof(double));
    }
}

/* The derivative sums of one block for the random intercepts (no term): per component the
 * local level ids, W's row sums per level (Rs), trWG, quad, u = G Py, G B, W G B, H and bu;
 * then per pair T1, S and K (see the header of this file) */
static void ri_block(mvctx *c, size_t n, const size_t *rw, const double *W, const double *Pr)
{
    size_t p = c->p, s = c->s, nm = c->nmax;
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

/* score, Fisher and observed information of a random-intercepts model from ri_block's sums
 * (the formulas in the header of this file) */
static void ri_finish(mvctx *c)
{
    size_t p = c->p, s = c->s;
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
}

/* One evaluation at the parameters (np values: sigma2, then the term's). deriv: also score
 * and information. Returns 0, -1 when a block of M is not positive definite (*badblock set) or
 * the term's parameters are outside their domain, -2 when X'WX is not. */
static int evaluate(mvctx *c, const double *sig, int deriv, size_t *badblock)
{
    size_t p = c->p;
    if (c->term && term_G(c, sig, badblock) != 0) return -1;
    memset(c->XWX, 0, p * p * sizeof(double));
    memset(c->XWy, 0, p * sizeof(double));
    c->logdetM = 0;
    /* pass 1: W by block, X'WX, X'Wy */
    for (size_t b = 0; b < c->nb; b++)
        if (pass1_block(c, sig, b, badblock) != 0) return -1;
    if (solve_beta(c) != 0) return -2;
    /* pass 2: residuals, Py, and the derivative sums */
    c->rss = 0;
    if (deriv) zero_sums(c);
    for (size_t b = 0; b < c->nb; b++) {
        size_t n = c->bstart[b + 1] - c->bstart[b];
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
        form_B(c, n, rw, W);
        if (c->term)
            gen_block(c, sig, n, rw, W, Pr);
        else
            ri_block(c, n, rw, W, Pr);
    }
    double l2pi = log(2 * M_PI);
    c->llML = -0.5 * (double)c->k * l2pi - 0.5 * c->logdetM - 0.5 * c->rss;
    c->llREML = -0.5 * (double)(c->k - p) * l2pi + 0.5 * c->logdetXX - 0.5 * c->logdetM -
                0.5 * c->logdetXWX - 0.5 * c->rss;
    c->ll = c->reml ? c->llREML : c->llML;
    if (!deriv) return 0;
    if (c->term)
        gen_finish(c);
    else
        ri_finish(c);
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

/* Maximise the (restricted) log-likelihood over the parameters within their bounds
 * [c->lo, c->hi] (sigma2, tau2 >= 0, rho in [-1, 1]) from sig (updated in place), the ones
 * with hold[q] (may be NULL) kept where they are. A parameter at a bound whose score points
 * outside stays there (active set). On return c is evaluated at sig. Returns the iterations,
 * -1 without convergence, -2 when M became singular. Scratch: sig2, step (np), work
 * (np * np + np), fixed (np). */
static int optimise(mvctx *c, double *sig, const int *hold, int maxiter, double tol, double *sig2,
                    double *step, double *work, int *fixed)
{
    size_t s = c->np;
    if (evaluate(c, sig, 1, NULL) != 0) return -2;
    int free_any = 0;
    for (size_t q = 0; q < s; q++) free_any |= !(hold && hold[q]);
    if (!free_any) return 0;
    int stall = 0;
    for (int it = 0; it < maxiter; it++) {
        for (size_t q = 0; q < s; q++)
            fixed[q] = (hold && hold[q]) || (sig[q] <= c->lo[q] && c->g[q] <= 0) ||
                       (sig[q] >= c->hi[q] && c->g[q] >= 0);
        double ll0 = c->ll;
        int accepted = 0;
        for (int kind = 0; kind < 2 && !accepted; kind++) {
            if (solve_free(kind == 0 ? c->Jobs : c->Ifis, c->g, fixed, s, step, work) != 0) continue;
            double t = 1;
            for (int h = 0; h < 60; h++, t *= 0.5) {
                for (size_t q = 0; q < s; q++) {
                    sig2[q] = sig[q] + t * step[q];
                    if (sig2[q] < c->lo[q]) sig2[q] = c->lo[q];
                    if (sig2[q] > c->hi[q]) sig2[q] = c->hi[q];
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
        /* steps accepted within rounding that lower the log-likelihood, three in a row: a creep
         * along a bound (a variance at 0 whose likelihood is not differentiable there) */
        stall = c->ll < ll0 ? stall + 1 : 0;
        if (stall >= 3) return it + 1;
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
    memcpy(P->sig, P->est, P->c->np * sizeof(double));
    P->sig[P->q] = x;
    int it = optimise(P->c, P->sig, P->hold, P->maxiter, P->tol, P->sig2, P->step, P->work, P->fixed);
    if (it < 0) P->failed = 1;
    return P->c->ll - P->target;
}

/* One end of the CI of parameter P->q from its estimate est toward end (natural: the end of
 * the parameter's domain there). As metafor's confint.rma.mv: when the profile cannot be
 * evaluated at end (M singular), end moves toward est by (est - end) / 10, at most 10 times;
 * when the profile at end stays above the target, the bound is end (*open when end is not
 * natural); else the root between end and est (Brent, 1e-12). 0, or -1 (*out unchanged). */
static int profile_bound(profctx *P, double est, double end, double natural, double *out, int *open)
{
    *open = 0;
    if (end == est) {
        *out = end;
        return 0;
    }
    double step = (est - end) / 10;
    for (int i = 0; i < 10 && !P->failed; i++, end += step) {
        memcpy(P->sig, P->est, P->c->np * sizeof(double));
        P->sig[P->q] = end;
        int it = optimise(P->c, P->sig, P->hold, P->maxiter, P->tol, P->sig2, P->step, P->work, P->fixed);
        if (it == -2) continue;
        if (it < 0) {
            P->failed = 1;
            return -1;
        }
        if (P->c->ll - P->target >= 0) {
            *out = end;
            *open = end != natural;
            return 0;
        }
        double root;
        int bit;
        if (cmeta__brent(profile_fn, P, end < est ? end : est, end < est ? est : end, 1e-12, 200, &root,
                         &bit) != 0 || P->failed)
            return -1;
        *out = root;
        return 0;
    }
    return -1;
}

cmeta_status cmeta_mv(const double *y, const double *vi, size_t k, const cmeta_mv_cov *cov,
                      size_t ncov, const double *X, size_t p, int intercept,
                      const cmeta_mv_random *re, size_t s, const cmeta_mv_opts *opts,
                      cmeta_mv_fit **out, cmeta_warnings *w, cmeta_error *err)
{
    return cmeta_mv_ex(y, vi, k, cov, ncov, X, p, intercept, re, s, NULL, opts, out, w, err);
}

static const char *const struct_names[] = {"CS", "HCS", "UN", "AR", "HAR", "ID", "DIAG"};

const char *cmeta_mv_structure_name(cmeta_mv_structure st)
{
    return (unsigned)st < 7 ? struct_names[st] : NULL;
}

int cmeta_mv_structure_parse(const char *name, cmeta_mv_structure *out)
{
    for (int i = 0; i < 7 && name; i++) {
        const char *a = name, *b = struct_names[i];
        while (*a && *b && (*a == *b || *a == *b - 'A' + 'a')) a++, b++;
        if (!*a && !*b) {
            *out = (cmeta_mv_structure)i;
            return 0;
        }
    }
    return -1;
}

/* The data checks of cmeta_mv_ex: enough rows, positive finite variances, levels and
 * covariance elements in range, no two random factors grouping the rows identically */
static cmeta_status check_data(const double *y, const double *vi, size_t k, const cmeta_mv_cov *cov,
                               size_t ncov, size_t p, const cmeta_mv_random *re, size_t s,
                               cmeta_error *err)
{
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
            for (size_t l = 0; l < re[q].nlevels; l++) mq[l] = SIZE_MAX;
            for (size_t l = 0; l < re[r].nlevels; l++) mr[l] = SIZE_MAX;
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
    return CMETA_OK;
}

/* tr(P) at the last evaluation (V only) -> the typical sampling variance (k - p) / tr(P) of
 * the multilevel I^2 (see cmeta_mv_ex); BB: p x p scratch */
static double typical_v(const mvctx *c, double *BB)
{
    size_t p = c->p, nb = c->nb, k = c->k;
    const double *X = c->X;
    double trW = 0;
    memset(BB, 0, p * p * sizeof *BB);
    for (size_t b = 0; b < nb; b++) {
        size_t n = c->bstart[b + 1] - c->bstart[b];
        const size_t *rw = c->rows + c->bstart[b];
        const double *Wm = c->Wb + c->moff[b];
        for (size_t i = 0; i < n; i++) {
            trW += Wm[i * n + i];
            for (size_t a = 0; a < p; a++) {
                double t = 0;
                for (size_t j = 0; j < n; j++) t += Wm[i * n + j] * X[rw[j] * p + a];
                c->B[i * p + a] = t;
            }
        }
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < p; a++)
                for (size_t e = 0; e < p; e++) BB[a * p + e] += c->B[i * p + a] * c->B[i * p + e];
    }
    double t = 0;
    for (size_t a = 0; a < p; a++)
        for (size_t e = 0; e < p; e++) t += c->A[a * p + e] * BB[e * p + a];
    return (double)(k - p) / (trW - t);
}

/* ---- cmeta_mv_ex, one step at a time ----
 * In order: the options, the term and the data checked (check_args, check_data); the rows
 * grouped into the diagonal blocks of M (find_blocks); the workspace (alloc_ctx, alloc_work);
 * V by block and log|X'X| (fill_V, logdet_XX); the fit with every component 0: QE, log|V| and
 * the typical sampling variance (fit_null, typical_v); the term's bookkeeping (term_fit_init,
 * term_counts); the start and the parameters fixed as metafor (start_values,
 * fix_single_levels, fix_term_params); the optimisation (optimise, check_interior); the
 * results (set_weights, set_components, set_coefficients, wald_qm, fit_statistics,
 * profile_cis). */

/* The optimiser's vectors and cmeta_mv_ex's scratch: sig, sig2, step (np), work (np^2 + np),
 * XX and wk (p x p), fixed (np); hold0 (np): the parameters fixed by metafor's rules */
typedef struct {
    double *sig, *sig2, *step, *work, *XX, *wk;
    int *fixed, *hold0;
} mvwork;

/* The options and the `inner | outer` term checked. *nt, *nr: the term's numbers of tau2 and
 * rho, as metafor's structures: L tau2 (HCS, UN, HAR, DIAG) else 1; L (L - 1) / 2 rho (UN),
 * none (ID, DIAG) else 1; both 0 without a term. */
static cmeta_status check_args(size_t k, size_t s, const cmeta_mv_term *term,
                               const cmeta_mv_opts *opts, size_t *nt, size_t *nr, cmeta_error *err)
{
    *nt = *nr = 0;
    if (opts->method != CMETA_METHOD_REML && opts->method != CMETA_METHOD_ML)
        return cmeta_error_set(err, CMETA_EUSAGE, "mv: the method must be REML or ML");
    if (opts->test != CMETA_TEST_Z && opts->test != CMETA_TEST_T)
        return cmeta_error_set(err, CMETA_EUSAGE, "mv: the test must be z or t");
    if ((!term && s < 1) || s > 32) return cmeta_error_set(err, CMETA_EUSAGE, "mv: 1 to 32 variance components");
    if (!term) return CMETA_OK;
    size_t L = term->ninner;
    if (!cmeta_mv_structure_name(term->structure) || L < 1 || term->nouter < 1 || !term->inner ||
        !term->outer)
        return cmeta_error_set(err, CMETA_EUSAGE, "mv: bad inner|outer term");
    if (L > 64) return cmeta_error_set(err, CMETA_EUSAGE, "mv: at most 64 levels of the inner factor");
    cmeta_mv_structure st = term->structure;
    *nt = hetero(st) ? L : 1;
    *nr = st == CMETA_MV_ID || st == CMETA_MV_DIAG ? 0 : st == CMETA_MV_UN ? L * (L - 1) / 2 : 1;
    if (s + *nt + *nr > 64)
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "mv: too many variance and correlation parameters (%zu; at most 64)",
                               s + *nt + *nr);
    for (size_t i = 0; i < k; i++)
        if (term->inner[i] >= L || term->outer[i] >= term->nouter)
            return cmeta_error_set(err, CMETA_EUSAGE, "mv: level out of range");
    return CMETA_OK;
}

/* Union-find over the rows (par: k, each row's parent): rows sharing a level of a random
 * factor or of the term's outer factor, or with a nonzero sampling covariance, are joined.
 * first: one slot per level of all factors (totlev), SIZE_MAX on entry. */
static void join_rows(const mvctx *c, const cmeta_mv_cov *cov, size_t ncov, size_t *par, size_t *first)
{
    size_t k = c->k, off = 0;
    const cmeta_mv_random *re = c->re;
    for (size_t i = 0; i < k; i++) par[i] = i;
    for (size_t q = 0; q < c->s; q++) {
        for (size_t i = 0; i < k; i++) {
            size_t Lq = off + re[q].level[i];
            if (first[Lq] == SIZE_MAX) first[Lq] = i;
            else par[uf_find(par, i)] = uf_find(par, first[Lq]);
        }
        off += re[q].nlevels;
    }
    if (c->term) /* the rows of one outer level */
        for (size_t i = 0; i < k; i++) {
            size_t Lx = off + c->term->outer[i];
            if (first[Lx] == SIZE_MAX) first[Lx] = i;
            else par[uf_find(par, i)] = uf_find(par, first[Lx]);
        }
    for (size_t a = 0; a < ncov; a++)
        if (cov[a].value != 0) {
            size_t ri = uf_find(par, cov[a].i), rj = uf_find(par, cov[a].j);
            if (ri != rj) par[ri] = rj;
        }
}

/* The diagonal blocks of M (join_rows), numbered by their first row, rows increasing within a
 * block: sets c->nb, c->bstart, c->rows, c->moff, c->nmax and allocates c->map (one slot per
 * level, SIZE_MAX); bof[i], pos[i] (k each): row i's block and its place in the block.
 * CMETA_OK or CMETA_ENOMEM. */
static cmeta_status find_blocks(mvctx *c, const cmeta_mv_cov *cov, size_t ncov, size_t *bof, size_t *pos)
{
    size_t k = c->k, totlev = 0;
    cmeta_status st = CMETA_ENOMEM;
    size_t *par = CMETA__NEW(size_t, k), *first = NULL;
    for (size_t q = 0; q < c->s; q++) totlev += c->re[q].nlevels;
    if (c->term) totlev += c->term->nouter;
    first = CMETA__NEW(size_t, totlev);
    c->map = CMETA__NEW(size_t, totlev);
    if (!par || !first || !c->map) goto done;
    for (size_t i = 0; i < totlev; i++) first[i] = c->map[i] = SIZE_MAX;
    join_rows(c, cov, ncov, par, first);
    /* number blocks by their first row; count sizes */
    for (size_t i = 0; i < k; i++) bof[i] = SIZE_MAX;
    size_t nb = 0;
    for (size_t i = 0; i < k; i++) {
        size_t r = uf_find(par, i);
        if (bof[r] == SIZE_MAX) bof[r] = nb++;
    }
    c->nb = nb;
    c->bstart = CMETA__NEW(size_t, nb + 1);
    c->rows = CMETA__NEW(size_t, k);
    c->moff = CMETA__NEW(size_t, nb);
    if (!c->bstart || !c->rows || !c->moff) goto done;
    for (size_t i = 0; i < k; i++) c->bstart[bof[uf_find(par, i)] + 1]++;
    for (size_t b = 0; b < nb; b++) c->bstart[b + 1] += c->bstart[b];
    /* place the rows: blk (in bof) is each row's block, pos its place in the block */
    for (size_t i = 0; i < k; i++) pos[i] = bof[uf_find(par, i)];
    for (size_t i = 0; i < k; i++) bof[i] = pos[i];
    for (size_t b = 0; b < nb; b++) par[b] = c->bstart[b]; /* par: running fill per block */
    for (size_t i = 0; i < k; i++) {
        size_t b = bof[i];
        pos[i] = par[b] - c->bstart[b];
        c->rows[par[b]++] = i;
    }
    size_t msum = 0, nmax = 1;
    for (size_t b = 0; b < nb; b++) {
        size_t n = c->bstart[b + 1] - c->bstart[b];
        c->moff[b] = msum;
        msum += n * n;
        if (n > nmax) nmax = n;
    }
    c->nmax = nmax;
    st = CMETA_OK;
done:
    cmeta_free(par), cmeta_free(first);
    return st;
}

/* The context's arrays (sizes in mvctx) once the blocks are known; 0, or -1 out of memory
 * (what was allocated is freed by ctx_free) */
static int alloc_ctx(mvctx *c)
{
    size_t p = c->p, s = c->s, np = c->np, nmax = c->nmax, L = c->L, msum = 0;
    for (size_t b = 0; b < c->nb; b++) {
        size_t n = c->bstart[b + 1] - c->bstart[b];
        msum += n * n;
    }
    c->Vb = cmeta__dnew(msum);
    c->Wb = cmeta__dnew(msum);
    c->lid = CMETA__NEW(size_t, s * nmax);
    c->nl = CMETA__NEW(size_t, s);
    c->Rs = cmeta__dnew(s * nmax * nmax);
    c->B = cmeta__dnew(nmax * p);
    c->GB = cmeta__dnew(s * nmax * p);
    c->QB = cmeta__dnew(s * nmax * p);
    c->u = cmeta__dnew(s * nmax);
    c->Pr = cmeta__dnew(nmax);
    c->lsum = cmeta__dnew(nmax * (p > 1 ? p : 1));
    c->tmp = cmeta__dnew(nmax * nmax > p * p ? nmax * nmax : p * p);
    c->XWX = cmeta__dnew(p * p), c->A = cmeta__dnew(p * p), c->XWy = cmeta__dnew(p);
    c->beta = cmeta__dnew(p), c->g = cmeta__dnew(np), c->Jobs = cmeta__dnew(np * np);
    c->Ifis = cmeta__dnew(np * np), c->H = cmeta__dnew(np * p * p), c->K = cmeta__dnew(np * np * p * p);
    c->S = cmeta__dnew(np * np), c->bu = cmeta__dnew(np * p), c->trWG = cmeta__dnew(np);
    c->quad = cmeta__dnew(np), c->T1 = cmeta__dnew(np * np);
    c->lo = cmeta__dnew(np), c->hi = cmeta__dnew(np);
    size_t tn = c->term ? np : 0; /* the generic derivatives' scratch: term models only */
    c->G = cmeta__dnew(L * L), c->Rc = cmeta__dnew(L * L);
    c->Dm = cmeta__dnew(tn * nmax * nmax), c->WD = cmeta__dnew(tn * nmax * nmax);
    c->DB = cmeta__dnew(tn * nmax * p), c->WDB = cmeta__dnew(tn * nmax * p);
    c->U = cmeta__dnew(tn * nmax), c->tr2 = cmeta__dnew(tn * tn), c->q2 = cmeta__dnew(tn * tn);
    c->H2 = cmeta__dnew(tn * tn * p * p);
    if (!c->Vb || !c->Wb || !c->lid || !c->nl || !c->Rs || !c->B || !c->GB || !c->QB || !c->u ||
        !c->Pr || !c->lsum || !c->tmp || !c->XWX || !c->A || !c->XWy || !c->beta || !c->g ||
        !c->Jobs || !c->Ifis || !c->H || !c->K || !c->S || !c->bu || !c->trWG || !c->quad ||
        !c->T1 || !c->lo || !c->hi || !c->G || !c->Rc || !c->Dm || !c->WD || !c->DB || !c->WDB ||
        !c->U || !c->tr2 || !c->q2 || !c->H2)
        return -1;
    return 0;
}

static void ctx_free(mvctx *c)
{
    cmeta_free(c->map), cmeta_free(c->bstart), cmeta_free(c->rows), cmeta_free(c->moff);
    cmeta_free(c->Vb), cmeta_free(c->Wb), cmeta_free(c->lid), cmeta_free(c->nl), cmeta_free(c->Rs);
    cmeta_free(c->B), cmeta_free(c->GB), cmeta_free(c->QB), cmeta_free(c->u), cmeta_free(c->Pr);
    cmeta_free(c->lsum), cmeta_free(c->tmp), cmeta_free(c->XWX), cmeta_free(c->A), cmeta_free(c->XWy);
    cmeta_free(c->beta), cmeta_free(c->g), cmeta_free(c->Jobs), cmeta_free(c->Ifis), cmeta_free(c->H);
    cmeta_free(c->K), cmeta_free(c->S), cmeta_free(c->bu), cmeta_free(c->trWG), cmeta_free(c->quad);
    cmeta_free(c->T1), cmeta_free(c->lo), cmeta_free(c->hi), cmeta_free(c->G), cmeta_free(c->Rc);
    cmeta_free(c->Dm), cmeta_free(c->WD), cmeta_free(c->DB), cmeta_free(c->WDB), cmeta_free(c->U);
    cmeta_free(c->tr2), cmeta_free(c->q2), cmeta_free(c->H2);
}

/* mvwork's arrays but hold0 (allocated with the start, see cmeta_mv_ex); 0 or -1 */
static int alloc_work(mvwork *wk, size_t np, size_t p)
{
    wk->sig = cmeta__dnew(np), wk->sig2 = cmeta__dnew(np), wk->step = cmeta__dnew(np);
    wk->work = cmeta__dnew(np * np + np), wk->XX = cmeta__dnew(p * p), wk->wk = cmeta__dnew(p * p);
    wk->fixed = CMETA__NEW(int, np);
    return !wk->sig || !wk->sig2 || !wk->step || !wk->work || !wk->XX || !wk->wk || !wk->fixed ? -1 : 0;
}

static void work_free(mvwork *wk)
{
    cmeta_free(wk->sig), cmeta_free(wk->sig2), cmeta_free(wk->step), cmeta_free(wk->work);
    cmeta_free(wk->XX), cmeta_free(wk->wk), cmeta_free(wk->fixed), cmeta_free(wk->hold0);
}

/* The parameters' bounds: sigma2 and tau2 in [0, inf), rho in [-1, 1] */
static void set_bounds(mvctx *c)
{
    for (size_t q = 0; q < c->np; q++) {
        int isrho = q >= c->s + c->nt;
        c->lo[q] = isrho ? -1 : 0;
        c->hi[q] = isrho ? 1 : INFINITY;
    }
}

/* V by block: vi on the diagonal, the nonzero covariances both sides (bof, pos: find_blocks) */
static void fill_V(mvctx *c, const double *vi, const cmeta_mv_cov *cov, size_t ncov,
                   const size_t *bof, const size_t *pos)
{
    for (size_t i = 0; i < c->k; i++) {
        size_t b = bof[i], n = c->bstart[b + 1] - c->bstart[b];
        c->Vb[c->moff[b] + pos[i] * n + pos[i]] = vi[i];
    }
    for (size_t a = 0; a < ncov; a++) {
        size_t i = cov[a].i, j = cov[a].j, b = bof[i], n = c->bstart[b + 1] - c->bstart[b];
        if (cov[a].value == 0) continue;
        c->Vb[c->moff[b] + pos[i] * n + pos[j]] = cov[a].value;
        c->Vb[c->moff[b] + pos[j] * n + pos[i]] = cov[a].value;
    }
}

/* c->logdetXX = log|X'X| (REML constant, metafor's REMLf = TRUE); XX, wk: p x p scratch.
 * 0, or -1 when X is not of full column rank. */
static int logdet_XX(mvctx *c, double *XX, double *wk)
{
    size_t p = c->p;
    for (size_t a = 0; a < p; a++)
        for (size_t e = 0; e < p; e++) {
            double t = 0;
            for (size_t i = 0; i < c->k; i++) t += c->X[i * p + a] * c->X[i * p + e];
            XX[a * p + e] = t;
        }
    return cmeta__spd_inverse(XX, p, 1e-12, &c->logdetXX, wk) != 0 ? -1 : 0;
}

/* A fit with its coefficient and variance-component arrays (p and s long); NULL out of memory */
static cmeta_mv_fit *fit_new(size_t s, size_t p)
{
    cmeta_mv_fit *f = CMETA__NEW(cmeta_mv_fit, 1);
    if (!f) return NULL;
    f->beta = cmeta__dnew(p), f->se = cmeta__dnew(p), f->stat = cmeta__dnew(p);
    f->pval = cmeta__dnew(p), f->ci_lb = cmeta__dnew(p), f->ci_ub = cmeta__dnew(p);
    f->vb = cmeta__dnew(p * p), f->sigma2 = cmeta__dnew(s), f->nlvls = CMETA__NEW(size_t, s);
    f->I2 = cmeta__dnew(s);
    f->sigma2_fixed = CMETA__NEW(int, s);
    f->sigma2_ci_lb = cmeta__dnew(s), f->sigma2_ci_ub = cmeta__dnew(s);
    if (!f->beta || !f->se || !f->stat || !f->pval || !f->ci_lb || !f->ci_ub || !f->vb ||
        !f->sigma2 || !f->nlvls || !f->I2 || !f->sigma2_fixed || !f->sigma2_ci_lb || !f->sigma2_ci_ub) {
        cmeta_mv_fit_free(f);
        return NULL;
    }
    return f;
}

/* QE and log|V|: the fit with every sigma2 = 0 (sig all 0; metafor: FE GLS with V).
 * QE = r'V^-1 r on k - p df; *llQE = -k/2 log 2pi - 1/2 log|V|, the ML deviance's reference.
 * V not positive definite (the error names the block's first row) or X'V^-1 X singular: refused. */
static cmeta_status fit_null(mvctx *c, cmeta_mv_fit *f, const double *sig, double *llQE, cmeta_error *err)
{
    size_t bad = 0;
    int rc = evaluate(c, sig, 0, &bad);
    if (rc == -1) {
        size_t r0 = c->rows[c->bstart[bad]];
        if (err) err->index = (long)r0;
        return cmeta_error_set(err, CMETA_EDATA,
                               "the sampling covariance matrix V is not positive definite (in the "
                               "block of %zu correlated rows that starts with this one)",
                               c->bstart[bad + 1] - c->bstart[bad]);
    }
    if (rc == -2) return cmeta_error_set(err, CMETA_EDATA, "the design matrix is not of full column rank");
    f->QE = c->rss;
    f->QE_df = (double)(c->k - c->p);
    f->QE_pval = cmeta__pchisq_upper(f->QE, f->QE_df);
    *llQE = -0.5 * (double)c->k * log(2 * M_PI) - 0.5 * c->logdetM;
    return CMETA_OK;
}

/* The fit's term fields: names, inner labels ("1", "2", ... without labels), and the tau2,
 * rho, fixed flags, k.lvl, k.comb and CI arrays (nt and nr long). CMETA_OK or CMETA_ENOMEM. */
static cmeta_status term_fit_init(cmeta_mv_fit *f, const cmeta_mv_term *term, size_t nt, size_t nr)
{
    size_t L = term->ninner;
    f->has_term = 1;
    f->structure = term->structure;
    f->ninner = L, f->ntau2 = nt, f->nrho = nr;
    f->inner_name = cmeta_strdup(term->inner_name ? term->inner_name : "inner");
    f->outer_name = cmeta_strdup(term->outer_name ? term->outer_name : "outer");
    f->inner_labels = CMETA__NEW(char *, L);
    f->tau2 = cmeta__dnew(nt), f->rho = cmeta__dnew(nr);
    f->tau2_fixed = CMETA__NEW(int, nt), f->rho_fixed = CMETA__NEW(int, nr);
    f->k_lvl = CMETA__NEW(size_t, L), f->k_comb = CMETA__NEW(size_t, nr);
    f->tau2_ci_lb = cmeta__dnew(nt), f->tau2_ci_ub = cmeta__dnew(nt);
    f->rho_ci_lb = cmeta__dnew(nr), f->rho_ci_ub = cmeta__dnew(nr);
    f->tau2_ci_open = CMETA__NEW(int, nt), f->rho_ci_open = CMETA__NEW(int, nr);
    if (!f->inner_name || !f->outer_name || !f->inner_labels || !f->tau2 || !f->rho ||
        !f->tau2_fixed || !f->rho_fixed || !f->k_lvl || !f->k_comb || !f->tau2_ci_lb ||
        !f->tau2_ci_ub || !f->rho_ci_lb || !f->rho_ci_ub || !f->tau2_ci_open || !f->rho_ci_open)
        return CMETA_ENOMEM;
    for (size_t a = 0; a < L; a++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%zu", a + 1);
        f->inner_labels[a] = cmeta_strdup(term->inner_labels ? term->inner_labels[a] : buf);
        if (!f->inner_labels[a]) return CMETA_ENOMEM;
    }
    return CMETA_OK;
}

/* The term's counts, as metafor: k.lvl (f->k_lvl[a]: the outer levels holding inner level a),
 * k.comb (f->k_comb, UN: the outer levels holding both levels of a pair) and the outer levels
 * that occur (f->nouter), each outer level's rows read within its block (which holds them all).
 * An inner level that never occurs is refused. */
static cmeta_status term_counts(const mvctx *c, cmeta_mv_fit *f, cmeta_error *err)
{
    const cmeta_mv_term *term = c->term;
    size_t L = c->L;
    unsigned char *has = CMETA__NEW(unsigned char, L);
    size_t *seen_outer = CMETA__NEW(size_t, term->nouter);
    if (!has || !seen_outer) {
        cmeta_free(has), cmeta_free(seen_outer);
        return CMETA_ENOMEM;
    }
    size_t nouter = 0;
    for (size_t b = 0; b < c->nb; b++) {
        size_t n = c->bstart[b + 1] - c->bstart[b];
        const size_t *rw = c->rows + c->bstart[b];
        for (size_t i = 0; i < n; i++) {
            size_t o = term->outer[rw[i]];
            if (seen_outer[o] == b + 1) continue; /* this outer level done in this block */
            seen_outer[o] = b + 1, nouter++;
            memset(has, 0, L);
            for (size_t j = i; j < n; j++)
                if (term->outer[rw[j]] == o) has[term->inner[rw[j]]] = 1;
            for (size_t a = 0; a < L; a++) {
                f->k_lvl[a] += has[a];
                if (term->structure == CMETA_MV_UN)
                    for (size_t e = a + 1; e < L; e++)
                        if (has[a] && has[e]) f->k_comb[un_index(L, a, e)]++;
            }
        }
    }
    cmeta_free(has), cmeta_free(seen_outer);
    f->nouter = nouter;
    for (size_t a = 0; a < L; a++)
        if (!f->k_lvl[a])
            return cmeta_error_set(err, CMETA_EUSAGE, "mv: level %zu of the inner factor does not occur", a + 1);
    return CMETA_OK;
}

/* The start, metafor's sigma2.init: total = max(0.001 (number of sigma2 and tau2),
 * var(y - X b_FE) - 1 / mean(1 / vi)) shared equally; every rho 0.5. b_FE: c->beta of the
 * fit with every component 0 (fit_null). */
static void start_values(const mvctx *c, const double *vi, double *sig)
{
    size_t k = c->k, p = c->p, s = c->s, nt = c->nt;
    const double *y = c->y, *X = c->X;
    double mean = 0, var = 0, hm = 0, nv = (double)(s + nt);
    for (size_t i = 0; i < k; i++) {
        double r = y[i];
        for (size_t a = 0; a < p; a++) r -= X[i * p + a] * c->beta[a];
        mean += r;
        hm += 1 / vi[i];
    }
    mean /= (double)k;
    for (size_t i = 0; i < k; i++) {
        double r = y[i];
        for (size_t a = 0; a < p; a++) r -= X[i * p + a] * c->beta[a];
        var += (r - mean) * (r - mean);
    }
    var /= (double)(k - 1);
    double total = var - 1 / (hm / (double)k);
    if (!(total > 0.001 * nv)) total = 0.001 * nv;
    for (size_t q = 0; q < s + nt; q++) sig[q] = total / nv;
    for (size_t q = s + nt; q < c->np; q++) sig[q] = 0.5;
}

/* A factor with a single level: its sigma2 is fixed to 0, as metafor ("Single-level factor(s)
 * found in 'random' argument. Corresponding 'sigma2' value(s) fixed to 0."). Returns the
 * number fixed. */
static size_t fix_single_levels(const mvctx *c, cmeta_mv_fit *f, cmeta_warnings *w, double *sig, int *hold0)
{
    size_t nfix = 0;
    const cmeta_mv_random *re = c->re;
    for (size_t q = 0; q < c->s; q++) {
        size_t first_level = re[q].level[0], one = 1;
        for (size_t i = 1; i < c->k && one; i++) one = re[q].level[i] == first_level;
        if (one) {
            hold0[q] = 1, sig[q] = 0, nfix++;
            f->sigma2_fixed[q] = 1;
            cmeta_warn(w, "the random factor '%s' has a single level: its sigma2 is fixed to 0 (as metafor)",
                       re[q].name ? re[q].name : "?");
        }
    }
    return nfix;
}

/* The term's fixed parameters, as metafor's .process.G.afterrmna: a tau2 whose inner level
 * occurs in a single outer level; rho (CS, HCS, AR, HAR) with a single inner level or one row
 * per outer level; a UN rho whose pair never occurs together; the bivariate rho when a tau2 is
 * fixed. Each fixed to 0 (f->tau2_fixed, f->rho_fixed); returns the number fixed. */
static size_t fix_term_params(const mvctx *c, cmeta_mv_fit *f, cmeta_warnings *w, double *sig, int *hold0)
{
    size_t s = c->s, nt = c->nt, nr = c->nr, np = c->np, L = c->L, nfix = 0;
    cmeta_mv_structure sst = c->term->structure;
    int cor1 = sst == CMETA_MV_CS || sst == CMETA_MV_HCS || sst == CMETA_MV_AR || sst == CMETA_MV_HAR;
    if (hetero(sst)) {
        int any = 0;
        for (size_t a = 0; a < L; a++)
            if (f->k_lvl[a] == 1) hold0[s + a] = 1, sig[s + a] = 0, any = 1;
        if (any)
            cmeta_warn(w, "a level of the inner factor '%s' occurs in a single level of '%s': its "
                          "tau2 is fixed to 0 (as metafor)", f->inner_name, f->outer_name);
    }
    if (cor1 && nr && L == 1) {
        hold0[s + nt] = 1, sig[s + nt] = 0;
        cmeta_warn(w, "the inner factor '%s' has a single level: rho is fixed to 0 (as metafor)", f->inner_name);
    } else if (cor1 && nr && f->nouter == c->k) {
        hold0[s + nt] = 1, sig[s + nt] = 0;
        cmeta_warn(w, "each level of '%s' holds a single row: rho is fixed to 0 (as metafor)", f->outer_name);
    }
    if (sst == CMETA_MV_UN) {
        int any = 0;
        for (size_t q = 0; q < nr; q++)
            if (f->k_comb[q] == 0) hold0[s + nt + q] = 1, sig[s + nt + q] = 0, any = 1;
        if (any)
            cmeta_warn(w, "two levels of the inner factor '%s' never occur in the same level of '%s': "
                          "their rho is fixed to 0 (as metafor)", f->inner_name, f->outer_name);
    }
    /* the bivariate model: a tau2 fixed to 0 fixes rho to 0 */
    if (L == 2 && nr && (hold0[s] || (nt == 2 && hold0[s + 1])))
        hold0[s + nt] = 1, sig[s + nt] = 0;
    for (size_t q = s; q < np; q++) {
        nfix += hold0[q] != 0;
        if (q < s + nt) f->tau2_fixed[q - s] = hold0[q];
        else f->rho_fixed[q - s - nt] = hold0[q];
    }
    return nfix;
}

/* A term model stopped where no step improves but the score is not ~0 (max over the free
 * parameters not at a bound of |g_q| max(|theta_q|, 0.01) > 1e-6): the optimum lies on the
 * boundary of the domain away from the box bounds (UN: a singular correlation matrix), which
 * this parametrisation cannot follow; refused rather than reported */
static cmeta_status check_interior(const mvctx *c, const double *sig, const int *hold0, cmeta_error *err)
{
    double gmax = 0;
    for (size_t q = 0; q < c->np; q++) {
        if (hold0[q] || (sig[q] <= c->lo[q] && c->g[q] <= 0) || (sig[q] >= c->hi[q] && c->g[q] >= 0)) continue;
        double gq = fabs(c->g[q]) * fmax(fabs(sig[q]), 1e-2);
        if (gq > gmax) gmax = gq;
    }
    if (gmax > 1e-6)
        return cmeta_error_set(err, CMETA_ENUMERIC,
                               "the %s estimates stop at the boundary of their domain (score %.2g): "
                               "for UN a singular correlation matrix, which cmeta's parametrisation "
                               "cannot reach; try HCS or fewer levels",
                               cmeta_mv_structure_name(c->term->structure), gmax);
    return CMETA_OK;
}

/* The rows' weights: diag(M^-1) normalised to 100, metafor's weights.rma.mv (type =
 * "diagonal"), from the blocks of W = M^-1 of the last evaluation. CMETA_OK or CMETA_ENOMEM. */
static cmeta_status set_weights(const mvctx *c, cmeta_mv_fit *f)
{
    f->weight = cmeta__dnew(c->k);
    if (!f->weight) return CMETA_ENOMEM;
    double tw = 0;
    for (size_t b = 0; b < c->nb; b++) {
        size_t n = c->bstart[b + 1] - c->bstart[b];
        const double *Wm = c->Wb + c->moff[b];
        for (size_t i = 0; i < n; i++) {
            f->weight[c->rows[c->bstart[b] + i]] = Wm[i * n + i];
            tw += Wm[i * n + i];
        }
    }
    for (size_t i = 0; i < c->k; i++) f->weight[i] *= 100 / tw;
    return CMETA_OK;
}

/* The variance components (sigma2, the term's tau2 and rho from sig), the multilevel I^2
 * (I2_q = 100 sigma2_q / (sum sigma2 + vtyp), vtyp: typical_v; random intercepts only, NAN
 * with a term) and each factor's number of levels present. CMETA_OK or CMETA_ENOMEM. */
static cmeta_status set_components(const mvctx *c, cmeta_mv_fit *f, const double *sig, double vtyp)
{
    size_t s = c->s, nt = c->nt;
    const cmeta_mv_random *re = c->re;
    memcpy(f->sigma2, sig, s * sizeof *sig);
    if (c->term) {
        memcpy(f->tau2, sig + s, nt * sizeof *sig);
        memcpy(f->rho, sig + s + nt, c->nr * sizeof *sig);
    }
    double tot = 0;
    for (size_t q = 0; q < s; q++) tot += sig[q];
    f->vtyp = vtyp;
    /* the multilevel I^2 is defined for random intercepts only: NAN with a term */
    f->I2_total = c->term ? NAN : 100 * tot / (tot + vtyp);
    for (size_t q = 0; q < s; q++) f->I2[q] = c->term ? NAN : 100 * sig[q] / (tot + vtyp);
    for (size_t q = 0; q < s; q++) {
        size_t n = 0;
        char *seen = CMETA__NEW(char, re[q].nlevels);
        if (!seen) return CMETA_ENOMEM;
        for (size_t i = 0; i < c->k; i++)
            if (!seen[re[q].level[i]]) seen[re[q].level[i]] = 1, n++;
        cmeta_free(seen);
        f->nlvls[q] = n;
    }
    return CMETA_OK;
}

/* The coefficients: b, vb = A = (X'WX)^-1, se = sqrt(diag A), the z or t (k - p df) statistics,
 * their two-sided p values and the level% CIs b -+ crit se */
static void set_coefficients(const mvctx *c, cmeta_mv_fit *f, const cmeta_mv_opts *opts)
{
    size_t p = c->p;
    memcpy(f->beta, c->beta, p * sizeof(double));
    memcpy(f->vb, c->A, p * p * sizeof(double));
    int tt = opts->test == CMETA_TEST_T;
    f->df = tt ? (double)(c->k - p) : NAN;
    double crit = cmeta__qcrit(opts->level, f->df);
    for (size_t a = 0; a < p; a++) {
        f->se[a] = sqrt(c->A[a * p + a]);
        f->stat[a] = f->beta[a] / f->se[a];
        f->pval[a] = tt ? cmeta__pt2(f->stat[a], f->df) : cmeta__pnorm2(f->stat[a]);
        f->ci_lb[a] = f->beta[a] - crit * f->se[a];
        f->ci_ub[a] = f->beta[a] + crit * f->se[a];
    }
}

/* QM: Wald test of coefficients btt_from..p (metafor .set.btt: 2:p with an intercept),
 * QM = b_m' (vb_mm)^-1 b_m on m df (chi-square), or QM / m on (m, k - p) df (F) with t tests;
 * NAN when vb_mm is singular. Vm, tmp: p x p scratch. Needs f->beta and f->df set. */
static void wald_qm(const mvctx *c, cmeta_mv_fit *f, int intercept, double *Vm, double *tmp)
{
    size_t p = c->p;
    f->intercept = intercept != 0;
    f->btt_from = intercept && p > 1 ? 2 : 1;
    size_t m = p - (f->btt_from - 1), o = f->btt_from - 1;
    for (size_t a = 0; a < m; a++)
        for (size_t e = 0; e < m; e++) Vm[a * m + e] = c->A[(o + a) * p + o + e];
    if (cmeta__spd_inverse(Vm, m, 0.0, NULL, tmp) != 0) f->QM = NAN;
    else {
        double qm = 0;
        for (size_t a = 0; a < m; a++)
            for (size_t e = 0; e < m; e++) qm += f->beta[o + a] * Vm[a * m + e] * f->beta[o + e];
        f->QM = qm;
    }
    f->QM_df = (double)m;
    if (f->test == CMETA_TEST_T) {
        f->QM /= (double)m;
        f->QM_pval = cmeta__pf_upper(f->QM, (double)m, f->df);
    } else
        f->QM_pval = cmeta__pchisq_upper(f->QM, (double)m);
}

/* Fit statistics as metafor's rma.mv: parms = p + the free parameters; REML on n = k - p,
 * ML on n = k; deviance -2 ll (REML) or -2 (ll - llQE) (ML, llQE: fit_null); AIC -2 ll + 2 parms,
 * BIC -2 ll + parms log n, AICc -2 ll + 2 parms nn / (nn - parms - 1), nn = max(n, parms + 2) */
static void fit_statistics(const mvctx *c, cmeta_mv_fit *f, size_t nfix, double llQE)
{
    size_t k = c->k, p = c->p;
    f->ll_ML = c->llML;
    f->ll_REML = c->llREML;
    double parms = (double)(p + c->np - nfix);
    if (c->reml) {
        double n = (double)(k - p), nn = n > parms + 2 ? n : parms + 2;
        f->ll = c->llREML;
        f->deviance = -2 * c->llREML;
        f->AIC = -2 * c->llREML + 2 * parms;
        f->BIC = -2 * c->llREML + parms * log(n);
        f->AICc = -2 * c->llREML + 2 * parms * nn / (nn - parms - 1);
    } else {
        double n = (double)k, nn = n > parms + 2 ? n : parms + 2;
        f->ll = c->llML;
        f->deviance = -2 * (c->llML - llQE);
        f->AIC = -2 * c->llML + 2 * parms;
        f->BIC = -2 * c->llML + parms * log(n);
        f->AICc = -2 * c->llML + 2 * parms * nn / (nn - parms - 1);
    }
}

/* Every CI of sigma2, tau2 and rho not given (NAN) */
static void clear_cis(const mvctx *c, cmeta_mv_fit *f)
{
    for (size_t q = 0; q < c->s; q++) f->sigma2_ci_lb[q] = f->sigma2_ci_ub[q] = NAN;
    for (size_t q = 0; q < c->nt; q++) f->tau2_ci_lb[q] = f->tau2_ci_ub[q] = NAN;
    for (size_t q = 0; q < c->nr; q++) f->rho_ci_lb[q] = f->rho_ci_ub[q] = NAN;
}

/* The profile CI of parameter P->q (profile_bound both ways from its estimate), stored in f.
 * The search range of metafor's confint.rma.mv: variances [0, max(10, 100 est)] (10 when
 * est <= sqrt(eps)); rho [-1, 1] (CS, HCS, UN) or [min(0, est), 1] (AR, HAR). */
static void profile_one(profctx *P, cmeta_mv_fit *f)
{
    const mvctx *c = P->c;
    size_t q = P->q, s = c->s, nt = c->nt;
    cmeta_mv_structure sst = c->term ? c->term->structure : CMETA_MV_CS;
    double lb = NAN, ub = NAN, e = P->est[q];
    int open = 0, isrho = q >= s + nt;
    double lo_end = isrho ? (sst == CMETA_MV_AR || sst == CMETA_MV_HAR ? fmin(0, e) : -1) : 0;
    double hi_end = isrho ? 1 : (e <= 1.4901161193847656e-08 ? 10 : fmax(10, 100 * e));
    int open1 = 0, open2 = 0;
    (void)profile_bound(P, e, lo_end, isrho ? -1 : 0, &lb, &open1);
    (void)profile_bound(P, e, hi_end, isrho ? 1 : INFINITY, &ub, &open2);
    open = open1 | (open2 ? 2 : 0);
    if (q < s) {
        f->sigma2_ci_lb[q] = lb, f->sigma2_ci_ub[q] = ub;
        if (open & 2) f->sigma2_ci_ub_open = 1;
    } else if (!isrho) {
        f->tau2_ci_lb[q - s] = lb, f->tau2_ci_ub[q - s] = ub, f->tau2_ci_open[q - s] = open;
    } else {
        f->rho_ci_lb[q - s - nt] = lb, f->rho_ci_ub[q - s - nt] = ub;
        f->rho_ci_open[q - s - nt] = open;
    }
}

/* Profile-likelihood CIs of the variance components, tau2 and rho (profile_bound: the values
 * where 2 (ll_max - ll_q) = qchisq(level, 1)) of every parameter not fixed, from the estimates
 * in wk->sig (which serves as the profiles' scratch afterwards). A profile that does not
 * converge: a warning and no CI at all. CMETA_OK or CMETA_ENOMEM. */
static cmeta_status profile_cis(mvctx *c, cmeta_mv_fit *f, const cmeta_mv_opts *opts, mvwork *wk,
                                cmeta_warnings *w)
{
    size_t np = c->np;
    int *hold = CMETA__NEW(int, np);
    double *est = cmeta__dnew(np);
    if (!hold || !est) {
        cmeta_free(hold), cmeta_free(est);
        return CMETA_ENOMEM;
    }
    memcpy(est, wk->sig, np * sizeof *est);
    double chi = cmeta__qchisq(1 - opts->level / 100, 1, 1);
    profctx P = {c, 0, est, wk->sig, wk->sig2, wk->step, wk->work, f->ll - chi / 2, wk->fixed, hold,
                 opts->maxiter, 0, opts->tol};
    for (size_t q = 0; q < np && !P.failed; q++) {
        if (wk->hold0[q]) continue;
        memcpy(hold, wk->hold0, np * sizeof *hold);
        hold[q] = 1;
        P.q = q;
        profile_one(&P, f);
    }
    if (P.failed) {
        cmeta_warn(w, "the profile likelihood of a variance component did not converge: its CI is not given");
        clear_cis(c, f);
    }
    cmeta_free(hold), cmeta_free(est);
    return CMETA_OK;
}

/* The fit, step by step (see "cmeta_mv_ex, one step at a time" above) */
cmeta_status cmeta_mv_ex(const double *y, const double *vi, size_t k, const cmeta_mv_cov *cov,
                         size_t ncov, const double *X, size_t p, int intercept,
                         const cmeta_mv_random *re, size_t s, const cmeta_mv_term *term,
                         const cmeta_mv_opts *opts, cmeta_mv_fit **out, cmeta_warnings *w,
                         cmeta_error *err)
{
    *out = NULL;
    cmeta_mv_opts dop;
    if (!opts) {
        cmeta_mv_opts_default(&dop);
        opts = &dop;
    }
    size_t nt, nr;
    cmeta_status st = check_args(k, s, term, opts, &nt, &nr, err);
    if (st != CMETA_OK) return st;
    st = check_data(y, vi, k, cov, ncov, p, re, s, err);
    if (st != CMETA_OK) return st;
    size_t np = s + nt + nr;
    mvctx c;
    memset(&c, 0, sizeof c);
    c.k = k, c.p = p, c.s = s, c.y = y, c.X = X, c.re = re;
    c.np = np, c.nt = nt, c.nr = nr, c.L = term ? term->ninner : 0, c.term = term;
    c.reml = opts->method == CMETA_METHOD_REML;
    mvwork wk;
    memset(&wk, 0, sizeof wk);
    cmeta_mv_fit *f = NULL;
    size_t *bof = CMETA__NEW(size_t, k), *pos = CMETA__NEW(size_t, k);
    st = CMETA_ENOMEM;
    if (!bof || !pos || find_blocks(&c, cov, ncov, bof, pos) != CMETA_OK) goto done;
    if (alloc_ctx(&c) != 0 || alloc_work(&wk, np, p) != 0) goto done;
    set_bounds(&c);
    fill_V(&c, vi, cov, ncov, bof, pos);
    if (logdet_XX(&c, wk.XX, wk.wk) != 0) {
        st = cmeta_error_set(err, CMETA_EDATA, "the design matrix is not of full column rank");
        goto done;
    }
    if (!(f = fit_new(s, p))) goto done;
    double llQE = 0; /* set by fit_null */
    if ((st = fit_null(&c, f, wk.sig, &llQE, err)) != CMETA_OK) goto done;
    /* the typical sampling variance of the multilevel I^2 (metafor FAQ, "I^2 for multilevel and
     * multivariate models", after Nakagawa & Santos 2012): with W = V^-1 and
     * P = W - W X (X'WX)^-1 X'W, v = (k - p) / tr(P); tr(P) = sum_b tr(W_b) - tr(A sum_b B_b'B_b),
     * B_b = W_b X_b (A = (X'V^-1 X)^-1 of this evaluation, W_b its blocks) */
    double vtyp = typical_v(&c, wk.XX);
    if (term && ((st = term_fit_init(f, term, nt, nr)) != CMETA_OK || (st = term_counts(&c, f, err)) != CMETA_OK))
        goto done;
    start_values(&c, vi, wk.sig);
    st = CMETA_ENOMEM;
    if (!(wk.hold0 = CMETA__NEW(int, np))) goto done;
    size_t nfix = fix_single_levels(&c, f, w, wk.sig, wk.hold0);
    if (term) {
        nfix += fix_term_params(&c, f, w, wk.sig, wk.hold0);
        /* a start outside UN's domain (rho = 0.5 with some fixed to 0): all rho 0 */
        if (evaluate(&c, wk.sig, 0, NULL) == -1)
            for (size_t q = s + nt; q < np; q++) wk.sig[q] = 0;
    }
    int it = optimise(&c, wk.sig, wk.hold0, opts->maxiter, opts->tol, wk.sig2, wk.step, wk.work, wk.fixed);
    if (it == -2) goto numfail;
    if (it < 0) {
        st = cmeta_error_set(err, CMETA_ENUMERIC, "the variance components did not converge in %d iterations",
                             opts->maxiter);
        goto done;
    }
    if (term && (st = check_interior(&c, wk.sig, wk.hold0, err)) != CMETA_OK) goto done;
    /* final evaluation at the estimates */
    if (evaluate(&c, wk.sig, 0, NULL) != 0) goto numfail;
    if ((st = set_weights(&c, f)) != CMETA_OK) goto done;
    f->iterations = it;
    f->k = k, f->p = p, f->s = s, f->method = opts->method, f->test = opts->test;
    f->level = opts->level;
    f->nblocks = c.nb, f->maxblock = c.nmax;
    if ((st = set_components(&c, f, wk.sig, vtyp)) != CMETA_OK) goto done;
    set_coefficients(&c, f, opts);
    wald_qm(&c, f, intercept, wk.wk, wk.XX);
    fit_statistics(&c, f, nfix, llQE);
    clear_cis(&c, f);
    if (opts->profile_ci && (st = profile_cis(&c, f, opts, &wk, w)) != CMETA_OK) goto done;
    st = CMETA_OK;
    *out = f;
    f = NULL;
    goto done;
numfail:
    st = cmeta_error_set(err, CMETA_ENUMERIC, "the marginal covariance matrix became singular");
done:
    if (st == CMETA_ENOMEM) cmeta__nomem(err);
    cmeta_mv_fit_free(f);
    cmeta_free(bof), cmeta_free(pos);
    work_free(&wk);
    ctx_free(&c);
    return st;
}
