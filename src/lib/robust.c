/* robust.c - cluster-robust inference (cmeta/robust.h): CR1 as metafor 3.8's robust(x, cluster,
 * adjust = TRUE), CR2 with Satterthwaite t tests and the HTZ Wald test as clubSandwich's vcovCR,
 * coef_test and Wald_test (Pustejovsky & Tipton 2018; Tipton & Pustejovsky 2015).
 *
 * Layer 4 (a derived analysis over a fit): works on plain arrays, block by block. The blocks are
 * the connected groups of rows that share a cluster or a nonzero element of M (union-find): W =
 * M^-1 is block diagonal by them, so the cost is the sum of the blocks' cubes. For CR2 every
 * block is one cluster (checked). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/robust.h"
#include "dist.h"
#include "internal.h"
#include "linalg.h"

/* clubSandwich's matrix_power: eigenvalues at or below 1e-12 count as 0 */
#define CS_CUT 1e-12

void cmeta_robust_opts_default(cmeta_robust_opts *o)
{
    o->type = CMETA_ROBUST_CR2;
    o->level = 95;
    o->intercept = 1;
    o->uni_scale = 0;
}

const char *cmeta_robust_type_name(cmeta_robust_type t) { return t == CMETA_ROBUST_CR1 ? "CR1" : "CR2"; }

void cmeta_robust_free(cmeta_robust_result *r)
{
    if (!r) return;
    cmeta_free(r->beta);
    cmeta_free(r->se);
    cmeta_free(r->stat);
    cmeta_free(r->df);
    cmeta_free(r->pval);
    cmeta_free(r->ci_lb);
    cmeta_free(r->ci_ub);
    cmeta_free(r->vb);
    cmeta_free(r);
}

static size_t uf_find(size_t *par, size_t i)
{
    while (par[i] != i) {
        par[i] = par[par[i]];
        i = par[i];
    }
    return i;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static cmeta_robust_result *result_new(size_t p)
{
    cmeta_robust_result *r = cmeta_calloc(1, sizeof *r);
    if (!r) return NULL;
    r->beta = cmeta__dnew(p);
    r->se = cmeta__dnew(p);
    r->stat = cmeta__dnew(p);
    r->df = cmeta__dnew(p);
    r->pval = cmeta__dnew(p);
    r->ci_lb = cmeta__dnew(p);
    r->ci_ub = cmeta__dnew(p);
    r->vb = cmeta__dnew(p * p);
    if (!r->beta || !r->se || !r->stat || !r->df || !r->pval || !r->ci_lb || !r->ci_ub || !r->vb) {
        cmeta_robust_free(r);
        return NULL;
    }
    return r;
}

/* clubSandwich's HTZ degrees of freedom nu for the q coefficients S (0-based) from the per-cluster
 * p x p matrices Gg_j = F_j M_j F_j' and h_j = F_j X_j L_B (J of them), cut the eigenvalue cut of
 * Omega (on cmeta's scale). Omega_ab = sum_j (Gg_j[a,b] - h_j[a,] . h_j[b,]); with Omega^-1/2
 * applied, D_j = O Gg_j[S,S] O, H_j = O h_j[S,] and hh_j = H_j H_j', the array P of
 * clubSandwich's get_P_array (all_terms) is B[a,b,j,l] = [j = l] D_j[a,b] - H_j[a,] . H_l[b,] and
 *   S(ab,cd) = sum_jl B[a,b,j,l] B[c,d,j,l]
 *            = sum_j D_j[a,b] D_j[c,d] - sum_j D_j[a,b] hh_j[c,d] - sum_j D_j[c,d] hh_j[a,b]
 *              + <K_ac, K_bd>,   K_ac = sum_j H_j[a,]' H_j[c,] (p x p),
 * total_variance_mat: Var[s,t] = S(st,ts) + S(ss,tt); nu = q (q + 1) / sum Var (Wald_testing). */
static cmeta_status htz_nu(const double *Gg, const double *h, size_t J, size_t p, const size_t *S,
                           size_t q, double cut, double *nu, cmeta_error *err)
{
    size_t pp = p * p, qq = q * q;
    double *Om = cmeta__dnew(qq), *On = cmeta__dnew(qq), *wk = cmeta__dnew(qq + q + cmeta__sym_eigen_lwork(q));
    double *D = cmeta__dnew(qq), *H = cmeta__dnew(q * p), *hh = cmeta__dnew(qq), *K = cmeta__dnew(qq * pp);
    double *var = cmeta__dnew(qq);
    cmeta_status st = CMETA_OK;
    if (!Om || !On || !wk || !D || !H || !hh || !K || !var) {
        st = cmeta__nomem(err);
        goto done;
    }
    for (size_t j = 0; j < J; j++) {
        const double *g = Gg + j * pp, *hj = h + j * pp;
        for (size_t a = 0; a < q; a++)
            for (size_t b = 0; b < q; b++) {
                double s = g[S[a] * p + S[b]];
                for (size_t u = 0; u < p; u++) s -= hj[S[a] * p + u] * hj[S[b] * p + u];
                Om[a * q + b] += s;
            }
    }
    if ((st = cmeta__sym_power(Om, q, -0.5, cut, On, wk, err)) != CMETA_OK) goto done;
    for (size_t j = 0; j < J; j++) {
        const double *g = Gg + j * pp, *hj = h + j * pp;
        /* D = On g[S,S] On, H = On h[S,], hh = H H' */
        for (size_t a = 0; a < q; a++)
            for (size_t b = 0; b < q; b++) {
                double s = 0;
                for (size_t c = 0; c < q; c++)
                    for (size_t d = 0; d < q; d++) s += On[a * q + c] * g[S[c] * p + S[d]] * On[d * q + b];
                D[a * q + b] = s;
            }
        for (size_t a = 0; a < q; a++)
            for (size_t u = 0; u < p; u++) {
                double s = 0;
                for (size_t c = 0; c < q; c++) s += On[a * q + c] * hj[S[c] * p + u];
                H[a * p + u] = s;
            }
        cmeta__matmul(H, 0, H, 1, q, q, p, hh);
        for (size_t s = 0; s < q; s++)
            for (size_t t = 0; t < q; t++) {
                /* the sums over j of S(st,ts) and S(ss,tt) (the K terms added below) */
                var[s * q + t] += D[s * q + t] * D[t * q + s] - D[s * q + t] * hh[t * q + s] -
                                  D[t * q + s] * hh[s * q + t];
                var[s * q + t] += D[s * q + s] * D[t * q + t] - D[s * q + s] * hh[t * q + t] -
                                  D[t * q + t] * hh[s * q + s];
            }
        for (size_t a = 0; a < q; a++)
            for (size_t c = 0; c < q; c++) {
                double *k = K + (a * q + c) * pp;
                for (size_t u = 0; u < p; u++)
                    for (size_t v = 0; v < p; v++) k[u * p + v] += H[a * p + u] * H[c * p + v];
            }
    }
    double tot = 0;
    for (size_t s = 0; s < q; s++)
        for (size_t t = 0; t < q; t++) {
            const double *kst = K + (s * q + t) * pp, *kts = K + (t * q + s) * pp;
            double a = 0, b = 0;
            for (size_t u = 0; u < pp; u++) {
                a += kst[u] * kts[u]; /* <K_st, K_ts> */
                b += kst[u] * kst[u]; /* <K_st, K_st> */
            }
            tot += var[s * q + t] + a + b;
        }
    *nu = (double)(q * (q + 1)) / tot;
done:
    cmeta_free(Om), cmeta_free(On), cmeta_free(wk), cmeta_free(D), cmeta_free(H), cmeta_free(hh);
    cmeta_free(K), cmeta_free(var);
    return st;
}

/* clubSandwich's Satterthwaite_df for coefficient i: with d_j = Gg_j[i,i], the rows h_j[i,] and
 * P = diag(d) - (h_j[i,] . h_l[i,])_jl: tr P = sum d_j - |h_j[i,]|^2, sum P^2 = sum d_j^2
 * - 2 sum d_j |h_j[i,]|^2 + |K|_F^2 with K = sum_j h_j[i,]' h_j[i,]; df = (tr P)^2 / sum P^2. */
static double satt_df(const double *Gg, const double *h, size_t J, size_t p, size_t i, double *K)
{
    size_t pp = p * p;
    double tr = 0, ss = 0;
    memset(K, 0, pp * sizeof *K);
    for (size_t j = 0; j < J; j++) {
        const double *hi = h + j * pp + i * p;
        double d = Gg[j * pp + i * p + i], n2 = 0;
        for (size_t u = 0; u < p; u++) n2 += hi[u] * hi[u];
        tr += d - n2;
        ss += d * d - 2 * d * n2;
        for (size_t u = 0; u < p; u++)
            for (size_t v = 0; v < p; v++) K[u * p + v] += hi[u] * hi[v];
    }
    for (size_t u = 0; u < pp; u++) ss += K[u] * K[u];
    return tr * tr / ss;
}

/* The blocks of rows (the file's comment): block b holds the rows ord[bstart[b] .. bstart[b + 1]),
 * its m x m matrices start at moff_b[b]; row i is number pos[i] of block bof[uf_find(par, i)]. */
typedef struct {
    size_t *par, *bof, *bstart, *ord, *pos, *moff_b;
    size_t nb, maxm;
} blocks;

/* cmeta_robust's argument checks (o already defaulted). */
static cmeta_status check_args(const double *y, const double *X, size_t k, size_t p, const double *mdiag,
                               const cmeta_mv_cov *moff, size_t nmoff, const size_t *cluster, size_t ncl,
                               const cmeta_robust_opts *o, cmeta_error *err)
{
    if (!y || !X || !mdiag || !cluster || k == 0 || p == 0 || ncl == 0 || (nmoff && !moff))
        return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_robust: missing arguments");
    if (!(o->level > 0 && o->level < 100))
        return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_robust: bad options");
    for (size_t i = 0; i < k; i++) {
        if (cluster[i] >= ncl) return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_robust: cluster id out of range");
        if (!(mdiag[i] > 0) || !isfinite(mdiag[i]) || !isfinite(y[i])) {
            if (err) err->index = (long)i;
            return cmeta_error_set(err, CMETA_EDATA, "the marginal variance must be positive and finite");
        }
    }
    for (size_t a = 0; a < nmoff; a++)
        if (moff[a].i >= k || moff[a].j >= k || moff[a].i == moff[a].j || !isfinite(moff[a].value))
            return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_robust: bad off-diagonal element %zu", a);
    return CMETA_OK;
}

/* The nonempty clusters: their number *np (at least 2 and more than p) and sizes[0 .. *np). */
static cmeta_status count_clusters(const size_t *cluster, size_t k, size_t ncl, size_t p, size_t *cnt,
                                   size_t *sizes, size_t *np, cmeta_error *err)
{
    for (size_t i = 0; i < k; i++) cnt[cluster[i]]++;
    size_t n = 0;
    for (size_t c = 0; c < ncl; c++)
        if (cnt[c]) sizes[n++] = cnt[c];
    *np = n;
    if (n < 2)
        return cmeta_error_set(err, CMETA_EDATA, "cluster-robust inference needs at least 2 clusters (the data have %zu)", n);
    if (n <= p)
        return cmeta_error_set(err, CMETA_EDATA,
                               "cluster-robust inference needs more clusters than coefficients (%zu clusters, %zu "
                               "coefficients)", n, p);
    return CMETA_OK;
}

/* The blocks: union-find over the clusters and the nonzero elements of M, numbered by their
 * first row (for CR2 a covariance across two clusters is an error). */
static cmeta_status make_blocks(blocks *bk, size_t k, const size_t *cluster, size_t ncl, const cmeta_mv_cov *moff,
                                size_t nmoff, int cr2, cmeta_error *err)
{
    size_t *par = bk->par, *bof = bk->bof, *bstart = bk->bstart, *moff_b = bk->moff_b;
    for (size_t i = 0; i < k; i++) par[i] = i;
    {
        size_t *first = CMETA__NEW(size_t, ncl);
        if (!first) return cmeta__nomem(err);
        for (size_t c = 0; c < ncl; c++) first[c] = (size_t)-1;
        for (size_t i = 0; i < k; i++) {
            size_t c = cluster[i];
            if (first[c] == (size_t)-1) first[c] = i;
            else par[uf_find(par, i)] = uf_find(par, first[c]);
        }
        cmeta_free(first);
    }
    for (size_t a = 0; a < nmoff; a++) {
        if (moff[a].value == 0) continue;
        size_t i = moff[a].i, j = moff[a].j;
        if (cr2 && cluster[i] != cluster[j]) {
            if (err) err->index = (long)(i < j ? i : j);
            return cmeta_error_set(err, CMETA_EDATA,
                                   "CR2 needs the model's covariances within the clusters: rows %zu and %zu are "
                                   "correlated but in different clusters (use CR1)", (i < j ? i : j) + 1,
                                   (i < j ? j : i) + 1);
        }
        size_t ri = uf_find(par, i), rj = uf_find(par, j);
        if (ri != rj) par[ri] = rj;
    }
    size_t nb = 0;
    for (size_t i = 0; i < k; i++) bof[i] = (size_t)-1;
    for (size_t i = 0; i < k; i++) {
        size_t rt = uf_find(par, i);
        if (bof[rt] == (size_t)-1) bof[rt] = nb++;
    }
    for (size_t i = 0; i < k; i++) bstart[bof[uf_find(par, i)] + 1]++;
    size_t maxm = 0;
    for (size_t b = 0; b < nb; b++) {
        size_t m = bstart[b + 1];
        if (m > maxm) maxm = m;
        moff_b[b + 1] = moff_b[b] + m * m;
        bstart[b + 1] += bstart[b];
    }
    size_t *fill = CMETA__NEW(size_t, nb);
    if (!fill) return cmeta__nomem(err);
    for (size_t i = 0; i < k; i++) {
        size_t b = bof[uf_find(par, i)];
        bk->pos[i] = fill[b]++;
        bk->ord[bstart[b] + bk->pos[i]] = i;
    }
    cmeta_free(fill);
    bk->nb = nb;
    bk->maxm = maxm;
    return CMETA_OK;
}

/* M by blocks (Mbuf), L its Cholesky factor (Lbuf) and Z = W X with W = M^-1 (made block by
 * block in the scratch blk). */
static cmeta_status whiten(const blocks *bk, const double *X, size_t k, size_t p, const double *mdiag,
                           const cmeta_mv_cov *moff, size_t nmoff, double *Mbuf, double *Lbuf, double *blk,
                           double *Z, cmeta_error *err)
{
    const size_t *bstart = bk->bstart, *ord = bk->ord, *pos = bk->pos, *moff_b = bk->moff_b;
    for (size_t i = 0; i < k; i++) {
        size_t b = bk->bof[uf_find(bk->par, i)], m = bstart[b + 1] - bstart[b];
        Mbuf[moff_b[b] + pos[i] * m + pos[i]] = mdiag[i];
    }
    for (size_t a = 0; a < nmoff; a++) {
        size_t i = moff[a].i, j = moff[a].j;
        if (moff[a].value == 0) continue;
        size_t b = bk->bof[uf_find(bk->par, i)], m = bstart[b + 1] - bstart[b];
        Mbuf[moff_b[b] + pos[i] * m + pos[j]] += moff[a].value;
        Mbuf[moff_b[b] + pos[j] * m + pos[i]] += moff[a].value;
    }
    for (size_t b = 0; b < bk->nb; b++) {
        size_t m = bstart[b + 1] - bstart[b];
        double *Mb = Mbuf + moff_b[b], *Lb = Lbuf + moff_b[b], *W = blk;
        memcpy(Lb, Mb, m * m * sizeof *Lb);
        if (cmeta__chol(Lb, m) != 0) {
            if (err) err->index = (long)ord[bstart[b]];
            return cmeta_error_set(err, CMETA_EDATA, "the model's marginal covariance matrix is not positive definite");
        }
        cmeta__chol_inv(Lb, m, W);
        /* Z = W X on the block's rows */
        for (size_t a = 0; a < m; a++)
            for (size_t c = 0; c < p; c++) {
                double s = 0;
                for (size_t l = 0; l < m; l++) s += W[a * m + l] * X[ord[bstart[b] + l] * p + c];
                Z[ord[bstart[b] + a] * p + c] = s;
            }
    }
    return CMETA_OK;
}

/* A = X'WX (symmetrized), xwy = X'W y and the bread B = A^-1 (in Bm) from Z = W X. */
static cmeta_status gls_bread(const double *X, const double *Z, const double *y, size_t k, size_t p, double *A,
                              double *Bm, double *xwy, double *wk, cmeta_error *err)
{
    for (size_t i = 0; i < k; i++)
        for (size_t a = 0; a < p; a++) {
            xwy[a] += Z[i * p + a] * y[i];
            for (size_t c = 0; c < p; c++) A[a * p + c] += X[i * p + a] * Z[i * p + c];
        }
    for (size_t a = 0; a < p; a++)
        for (size_t c = 0; c < a; c++) A[a * p + c] = A[c * p + a] = 0.5 * (A[a * p + c] + A[c * p + a]);
    memcpy(Bm, A, p * p * sizeof *Bm);
    if (cmeta__spd_inverse(Bm, p, 0.0, NULL, wk) != 0)
        return cmeta_error_set(err, CMETA_EDATA, "the design is singular (X'WX is not positive definite)");
    return CMETA_OK;
}

/* b = B X'W y (r->beta), the residuals e = y - X b and LB the Cholesky factor of B. */
static cmeta_status gls_coef(cmeta_robust_result *r, const double *X, const double *y, size_t k, size_t p,
                             const double *Bm, const double *xwy, double *e, double *LB, cmeta_error *err)
{
    for (size_t a = 0; a < p; a++) {
        double s = 0;
        for (size_t c = 0; c < p; c++) s += Bm[a * p + c] * xwy[c];
        r->beta[a] = s;
    }
    for (size_t i = 0; i < k; i++) {
        double s = y[i];
        for (size_t a = 0; a < p; a++) s -= X[i * p + a] * r->beta[a];
        e[i] = s;
    }
    memcpy(LB, Bm, p * p * sizeof *LB);
    if (cmeta__chol(LB, p) != 0)
        return cmeta_error_set(err, CMETA_ENUMERIC, "the model's variance-covariance matrix is not positive definite");
    return CMETA_OK;
}

/* CR1's meat: u_c = sum over the cluster's rows of (WX)_i e_i; meat = n/(n-p) sum u u'. */
static void meat_cr1(const double *Z, const double *e, const size_t *cluster, size_t k, size_t p, size_t ncl,
                     size_t n, double *u, double *meat)
{
    for (size_t i = 0; i < k; i++)
        for (size_t a = 0; a < p; a++) u[cluster[i] * p + a] += Z[i * p + a] * e[i];
    for (size_t c = 0; c < ncl; c++)
        for (size_t a = 0; a < p; a++)
            for (size_t d = 0; d < p; d++) meat[a * p + d] += u[c * p + a] * u[c * p + d];
    for (size_t a = 0; a < p * p; a++) meat[a] *= (double)n / (double)(n - p);
}

/* CR2's meat, sum over the blocks (= clusters) of u_j u_j' with u_j = (W_j X_j)' A_j e_j and the
 * adjustment A_j = L G^-1/2 L'; per block also Gg_j = F M F' and h_j = F X_j L_B (F = B E) for
 * the degrees of freedom. */
static cmeta_status meat_cr2(const blocks *bk, const double *X, const double *Z, const double *e, size_t p,
                             const double *Mbuf, const double *Lbuf, const double *Bm, const double *LB,
                             double scale, double *blk, double *u, double *meat, double *Gg, double *hh,
                             double *wk, cmeta_error *err)
{
    const size_t pp = p * p, maxm = bk->maxm, mm = maxm * maxm;
    const size_t *bstart = bk->bstart, *ord = bk->ord;
    cmeta_status st;
    for (size_t b = 0; b < bk->nb; b++) {
        size_t m = bstart[b + 1] - bstart[b], r0 = bstart[b];
        const double *Mb = Mbuf + bk->moff_b[b], *Lb = Lbuf + bk->moff_b[b];
        double *T1 = blk, *T2 = T1 + mm, *G = T2 + mm, *Gp = G + mm, *Am = Gp + mm, *T3 = Am + mm;
        double *Xb = T3 + mm, *Zb = Xb + maxm * p, *E = Zb + maxm * p, *F = E + maxm * p;
        double *ew = F + maxm * p, *pwork = ew + maxm;
        for (size_t a = 0; a < m; a++) {
            memcpy(Xb + a * p, X + ord[r0 + a] * p, p * sizeof *Xb);
            memcpy(Zb + a * p, Z + ord[r0 + a] * p, p * sizeof *Zb);
            ew[a] = e[ord[r0 + a]];
        }
        /* IH = I - X_j B (W_j X_j)' (T1 = X_j B, m x p; T2 = IH, m x m) */
        cmeta__matmul(Xb, 0, Bm, 0, m, p, p, T1);
        cmeta__matmul(T1, 0, Zb, 1, m, m, p, T2);
        for (size_t a = 0; a < m * m; a++) T2[a] = -T2[a];
        for (size_t a = 0; a < m; a++) T2[a * m + a] += 1;
        /* G = L' IH M L (clubSandwich: chol(Theta) IH Theta chol(Theta)') */
        cmeta__matmul(T2, 0, Mb, 0, m, m, m, T3);
        cmeta__matmul(T3, 0, Lb, 0, m, m, m, Am);
        cmeta__matmul(Lb, 1, Am, 0, m, m, m, G);
        for (size_t a = 0; a < m; a++)
            for (size_t c = 0; c < a; c++) G[a * m + c] = G[c * m + a] = 0.5 * (G[a * m + c] + G[c * m + a]);
        /* G^-1/2; clubSandwich's G is scale^2 times this one */
        if ((st = cmeta__sym_power(G, m, -0.5, CS_CUT / (scale * scale), Gp, pwork, err)) != CMETA_OK) return st;
        /* A = L G^-1/2 L' */
        cmeta__matmul(Lb, 0, Gp, 0, m, m, m, T3);
        cmeta__matmul(T3, 0, Lb, 1, m, m, m, Am);
        /* E = (W_j X_j)' A (p x m); u = E e_j */
        cmeta__matmul(Zb, 1, Am, 0, p, m, m, E);
        double *uj = u + b * p;
        for (size_t a = 0; a < p; a++) {
            double s = 0;
            for (size_t c = 0; c < m; c++) s += E[a * m + c] * ew[c];
            uj[a] = s;
        }
        for (size_t a = 0; a < p; a++)
            for (size_t d = 0; d < p; d++) meat[a * p + d] += uj[a] * uj[d];
        /* F = B E; Gg = F M F'; h = F X_j L_B */
        cmeta__matmul(Bm, 0, E, 0, p, m, p, F);
        cmeta__matmul(F, 0, Mb, 0, p, m, m, E); /* E := F M (p x m) */
        cmeta__matmul(E, 0, F, 1, p, p, m, Gg + b * pp);
        cmeta__matmul(F, 0, Xb, 0, p, p, m, wk);
        cmeta__matmul(wk, 0, LB, 0, p, p, p, hh + b * pp);
    }
    return CMETA_OK;
}

/* V = B meat B, the cluster sizes (sorts sizes) and each coefficient's SE, test, df (CR2:
 * Satterthwaite; CR1: n - p), p-value and CI. */
static void coef_tests(cmeta_robust_result *r, const cmeta_robust_opts *o, int cr2, size_t k, size_t p, size_t n,
                       size_t *sizes, const double *Bm, const double *meat, double *wk, const double *Gg,
                       const double *hh, size_t nb, double *Kw)
{
    cmeta__matmul(Bm, 0, meat, 0, p, p, p, wk);
    cmeta__matmul(wk, 0, Bm, 0, p, p, p, r->vb);
    for (size_t a = 0; a < p; a++)
        for (size_t c = 0; c < a; c++)
            r->vb[a * p + c] = r->vb[c * p + a] = 0.5 * (r->vb[a * p + c] + r->vb[c * p + a]);
    r->type = o->type;
    r->k = k;
    r->p = p;
    r->n_clusters = n;
    r->level = o->level;
    qsort(sizes, n, sizeof *sizes, cmp_size);
    r->csize_min = sizes[0];
    r->csize_max = sizes[n - 1];
    r->csize_mean = (double)k / (double)n;
    r->csize_median = n % 2 ? (double)sizes[n / 2] : 0.5 * ((double)sizes[n / 2 - 1] + (double)sizes[n / 2]);
    for (size_t i = 0; i < p; i++) {
        r->se[i] = sqrt(r->vb[i * p + i]);
        r->stat[i] = r->beta[i] / r->se[i];
        r->df[i] = cr2 ? satt_df(Gg, hh, nb, p, i, Kw) : (double)(n - p);
        r->pval[i] = cmeta__pt2(r->stat[i], r->df[i]);
        double crit = cmeta__qcrit(o->level, r->df[i]);
        r->ci_lb[i] = r->beta[i] - crit * r->se[i];
        r->ci_ub[i] = r->beta[i] + crit * r->se[i];
    }
}

/* The omnibus test of coefficients from..p (from = 2 with an intercept): F = Q / q on (q, n - p)
 * df for CR1, clubSandwich's HTZ test (htz_nu) for CR2. */
static cmeta_status omnibus(cmeta_robust_result *r, const cmeta_robust_opts *o, int cr2, size_t n, size_t p,
                            const double *Gg, const double *hh, size_t nb, double scale, cmeta_error *err)
{
    cmeta_status st = CMETA_OK;
    size_t from = o->intercept && p > 1 ? 2 : 1, q = p - from + 1;
    size_t *S = CMETA__NEW(size_t, q);
    double *Vs = cmeta__dnew(q * q), *wq = cmeta__dnew(q * q);
    if (!S || !Vs || !wq) {
        cmeta_free(S), cmeta_free(Vs), cmeta_free(wq);
        return cmeta__nomem(err);
    }
    for (size_t a = 0; a < q; a++) S[a] = from - 1 + a;
    for (size_t a = 0; a < q; a++)
        for (size_t c = 0; c < q; c++) Vs[a * q + c] = r->vb[S[a] * p + S[c]];
    r->btt_from = from;
    r->int_only = o->intercept && p == 1;
    r->QM_df = (double)q;
    r->QM = r->QM_df2 = r->QM_pval = NAN;
    if (cmeta__spd_inverse(Vs, q, 0.0, NULL, wq) == 0) {
        double Q = 0;
        for (size_t a = 0; a < q; a++)
            for (size_t c = 0; c < q; c++) Q += r->beta[S[a]] * Vs[a * q + c] * r->beta[S[c]];
        if (!cr2) {
            r->QM = Q / (double)q;
            r->QM_df2 = (double)(n - p);
        } else {
            double nu = NAN;
            st = htz_nu(Gg, hh, nb, p, S, q, CS_CUT * scale, &nu, err);
            if (st == CMETA_OK) {
                double delta = fmax((nu - (double)q + 1) / nu, 0.0);
                r->QM = delta * Q / (double)q;
                r->QM_df2 = nu - (double)q + 1;
            }
        }
        if (r->QM_df2 > 0) r->QM_pval = cmeta__pf_upper(r->QM, r->QM_df, r->QM_df2);
    }
    cmeta_free(S), cmeta_free(Vs), cmeta_free(wq);
    return st;
}

cmeta_status cmeta_robust(const double *y, const double *X, size_t k, size_t p, const double *mdiag,
                          const cmeta_mv_cov *moff, size_t nmoff, const size_t *cluster, size_t ncl,
                          const cmeta_robust_opts *o, cmeta_robust_result **out, cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_robust: out is NULL");
    *out = NULL;
    cmeta_robust_opts def;
    if (!o) {
        cmeta_robust_opts_default(&def);
        o = &def;
    }
    cmeta_status st = check_args(y, X, k, p, mdiag, moff, nmoff, cluster, ncl, o, err);
    if (st != CMETA_OK) return st;
    const int cr2 = o->type == CMETA_ROBUST_CR2;
    const size_t pp = p * p;
    cmeta_robust_result *r = NULL;
    blocks bk = {0};
    size_t *cnt = CMETA__NEW(size_t, ncl + 1);
    bk.par = CMETA__NEW(size_t, k), bk.bof = CMETA__NEW(size_t, k), bk.bstart = CMETA__NEW(size_t, k + 1);
    bk.ord = CMETA__NEW(size_t, k), bk.pos = CMETA__NEW(size_t, k), bk.moff_b = CMETA__NEW(size_t, k + 1);
    size_t *sizes = CMETA__NEW(size_t, ncl);
    double *Z = cmeta__dnew(k * p), *e = cmeta__dnew(k), *A = cmeta__dnew(pp), *Bm = cmeta__dnew(pp);
    double *LB = cmeta__dnew(pp), *wk = cmeta__dnew(pp), *xwy = cmeta__dnew(p), *meat = cmeta__dnew(pp);
    double *u = cmeta__dnew(ncl * p), *Kw = cmeta__dnew(pp);
    double *Mbuf = NULL, *Lbuf = NULL, *Gg = NULL, *hh = NULL;
    double *blk = NULL;
    size_t n = 0;
    if (!cnt || !bk.par || !bk.bof || !bk.bstart || !bk.ord || !bk.pos || !bk.moff_b || !sizes || !Z || !e || !A ||
        !Bm || !LB || !wk || !xwy || !meat || !u || !Kw) {
        st = cmeta__nomem(err);
        goto done;
    }
    if ((st = count_clusters(cluster, k, ncl, p, cnt, sizes, &n, err)) != CMETA_OK) goto done;
    if ((st = make_blocks(&bk, k, cluster, ncl, moff, nmoff, cr2, err)) != CMETA_OK) goto done;
    Mbuf = cmeta__dnew(bk.moff_b[bk.nb]);
    Lbuf = cmeta__dnew(bk.moff_b[bk.nb]);
    /* per block scratch: 6 m x m, 4 m x p, m, and cmeta__sym_power's m x m + m + lwork */
    blk = cmeta__dnew(7 * bk.maxm * bk.maxm + 4 * bk.maxm * p + 2 * bk.maxm + cmeta__sym_eigen_lwork(bk.maxm));
    if (!Mbuf || !Lbuf || !blk) {
        st = cmeta__nomem(err);
        goto done;
    }
    if ((st = whiten(&bk, X, k, p, mdiag, moff, nmoff, Mbuf, Lbuf, blk, Z, err)) != CMETA_OK) goto done;
    /* B = (X'WX)^-1, b = B X'W y, e = y - X b */
    if ((st = gls_bread(X, Z, y, k, p, A, Bm, xwy, wk, err)) != CMETA_OK) goto done;
    if (!(r = result_new(p))) {
        st = cmeta__nomem(err);
        goto done;
    }
    if ((st = gls_coef(r, X, y, k, p, Bm, xwy, e, LB, err)) != CMETA_OK) goto done;
    double scale = 1; /* clubSandwich's w_scale: the mean weight of an rma.uni fit */
    if (o->uni_scale) {
        scale = 0;
        for (size_t i = 0; i < k; i++) scale += 1 / mdiag[i];
        scale /= (double)k;
    }
    if (!cr2) {
        meat_cr1(Z, e, cluster, k, p, ncl, n, u, meat);
    } else {
        Gg = cmeta__dnew(bk.nb * pp);
        hh = cmeta__dnew(bk.nb * pp);
        if (!Gg || !hh) {
            st = cmeta__nomem(err);
            goto done;
        }
        st = meat_cr2(&bk, X, Z, e, p, Mbuf, Lbuf, Bm, LB, scale, blk, u, meat, Gg, hh, wk, err);
        if (st != CMETA_OK) goto done;
    }
    coef_tests(r, o, cr2, k, p, n, sizes, Bm, meat, wk, Gg, hh, bk.nb, Kw);
    st = omnibus(r, o, cr2, n, p, Gg, hh, bk.nb, scale, err);
done:
    cmeta_free(cnt), cmeta_free(bk.par), cmeta_free(bk.bof), cmeta_free(bk.bstart), cmeta_free(bk.ord);
    cmeta_free(bk.pos), cmeta_free(bk.moff_b), cmeta_free(sizes), cmeta_free(Z), cmeta_free(e), cmeta_free(A);
    cmeta_free(Bm), cmeta_free(LB), cmeta_free(wk), cmeta_free(xwy), cmeta_free(meat), cmeta_free(u);
    cmeta_free(Kw), cmeta_free(Mbuf), cmeta_free(Lbuf), cmeta_free(Gg), cmeta_free(hh), cmeta_free(blk);
    if (st != CMETA_OK) {
        cmeta_robust_free(r);
        return st;
    }
    *out = r;
    return CMETA_OK;
}

cmeta_status cmeta_robust_rma(const cmeta_fit *f, const double *y, const double *vi, const double *X,
                              const size_t *cluster, size_t ncl, const cmeta_robust_opts *o,
                              cmeta_robust_result **out, cmeta_error *err)
{
    if (out) *out = NULL;
    if (!f || !y || !vi || !X || !out) return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_robust_rma: missing arguments");
    if (f->method == CMETA_METHOD_MH || f->method == CMETA_METHOD_PETO)
        return cmeta_error_set(err, CMETA_EUSAGE, "cluster-robust inference needs an inverse-variance model (not %s)",
                               cmeta_method_name(f->method));
    cmeta_robust_opts ro;
    if (o) ro = *o;
    else cmeta_robust_opts_default(&ro);
    ro.uni_scale = 1;
    double *m = cmeta__dnew(f->k);
    if (!m) return cmeta__nomem(err);
    double t2 = isfinite(f->tau2) ? f->tau2 : 0;
    for (size_t i = 0; i < f->k; i++) m[i] = vi[i] + t2;
    cmeta_status st = cmeta_robust(y, X, f->k, f->p, m, NULL, 0, cluster, ncl, &ro, out, err);
    cmeta_free(m);
    return st;
}

cmeta_status cmeta_robust_mv(const cmeta_mv_fit *f, const double *y, const double *vi, const cmeta_mv_cov *cov,
                             size_t ncov, const double *X, const cmeta_mv_random *re, size_t s,
                             const size_t *cluster, size_t ncl, const cmeta_robust_opts *o,
                             cmeta_robust_result **out, cmeta_error *err)
{
    if (out) *out = NULL;
    if (!f || !y || !vi || !X || !out || !cluster || (s && !re) || (ncov && !cov))
        return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_robust_mv: missing arguments");
    const size_t k = f->k;
    cmeta_robust_opts ro;
    if (o) ro = *o;
    else cmeta_robust_opts_default(&ro);
    ro.uni_scale = 0;
    ro.intercept = f->intercept;
    int cr2 = ro.type == CMETA_ROBUST_CR2;
    double *m = cmeta__dnew(k);
    size_t *lcl = NULL, *cnt = NULL, *ordr = NULL;
    cmeta_mv_cov *E = NULL;
    cmeta_status st = CMETA_OK;
    if (!m) return cmeta__nomem(err);
    for (size_t i = 0; i < k; i++) m[i] = vi[i];
    /* the off-diagonal elements: V's, then the pairs of rows sharing a level of a component */
    size_t nE = ncov;
    for (size_t c = 0; c < s; c++) {
        size_t nl = re[c].nlevels;
        cmeta_free(cnt);
        if (!(cnt = CMETA__NEW(size_t, nl + 1))) {
            st = cmeta__nomem(err);
            goto done;
        }
        for (size_t i = 0; i < k; i++) cnt[re[c].level[i]]++;
        if (f->sigma2[c] != 0)
            for (size_t l = 0; l < nl; l++) nE += cnt[l] * (cnt[l] - (cnt[l] > 0)) / 2;
    }
    E = CMETA__NEW(cmeta_mv_cov, nE);
    ordr = CMETA__NEW(size_t, k);
    if (!E || !ordr) {
        st = cmeta__nomem(err);
        goto done;
    }
    if (ncov) memcpy(E, cov, ncov * sizeof *E);
    nE = ncov;
    for (size_t c = 0; c < s; c++) {
        size_t nl = re[c].nlevels;
        const size_t *lv = re[c].level;
        double s2 = f->sigma2[c];
        cmeta_free(cnt);
        cmeta_free(lcl);
        cnt = CMETA__NEW(size_t, nl + 1);
        lcl = CMETA__NEW(size_t, nl);
        if (!cnt || !lcl) {
            st = cmeta__nomem(err);
            goto done;
        }
        for (size_t l = 0; l < nl; l++) lcl[l] = (size_t)-1;
        for (size_t i = 0; i < k; i++) {
            m[i] += s2;
            if (cr2) { /* clubSandwich's test_nested: every level within one cluster */
                if (lcl[lv[i]] == (size_t)-1) lcl[lv[i]] = cluster[i];
                else if (lcl[lv[i]] != cluster[i]) {
                    if (err) err->index = (long)i;
                    st = cmeta_error_set(err, CMETA_EDATA,
                                         "CR2 needs the random effects nested within the clusters: a level of '%s' "
                                         "is in two clusters (use CR1)", re[c].name ? re[c].name : "?");
                    goto done;
                }
            }
            cnt[lv[i] + 1]++;
        }
        if (s2 == 0) continue;
        for (size_t l = 0; l < nl; l++) cnt[l + 1] += cnt[l];
        for (size_t i = 0; i < k; i++) ordr[cnt[lv[i]]++] = i; /* cnt[l] ends at the start of l + 1 */
        for (size_t a = 0, g0; a < k; a = g0) {
            g0 = a;
            while (g0 < k && lv[ordr[g0]] == lv[ordr[a]]) g0++;
            for (size_t b = a; b < g0; b++)
                for (size_t d = b + 1; d < g0; d++) E[nE++] = (cmeta_mv_cov){ordr[b], ordr[d], s2};
        }
    }
    st = cmeta_robust(y, X, k, f->p, m, E, nE, cluster, ncl, &ro, out, err);
done:
    cmeta_free(m), cmeta_free(lcl), cmeta_free(cnt), cmeta_free(ordr), cmeta_free(E);
    return st;
}
