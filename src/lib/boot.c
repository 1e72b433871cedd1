/* boot.c - nonparametric and parametric bootstrap of the pooled estimate, tau^2 and I^2
 * with percentile and BCa intervals (Efron & Tibshirani 1993; Davison & Hinkley 1997, as
 * R boot::boot.ci). Definitions in cmeta/resample.h.
 *
 * A nonparametric bootstrap sample is a vector of multiplicities c_j (how often study j was
 * drawn), so a block of samples is a B x k multiplicity matrix for the batched kernel; the
 * parametric bootstrap draws new outcome rows Y_b. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "internal.h"
#include "batchfit.h"
#include "resample_internal.h"
#include "threads.h"

/* per thread: bf, Y, C, est, tau2, I2, ok, rng */
typedef cmeta__rs_ws bt_ws;
#define ws_free cmeta__rs_ws_free

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* boot's norm.inter: the alpha quantile of sorted t (length R) by interpolation on the
 * normal quantile scale between order statistics k = floor((R+1) alpha) and k + 1. */
static double norm_inter(const double *t, size_t R, double alpha)
{
    double rk = ((double)R + 1) * alpha;
    double kf = floor(rk);
    if (!(kf >= 0)) return t[0];
    size_t k = (size_t)kf;
    if (k == 0) return t[0];
    if (k >= R) return t[R - 1];
    if (kf == rk) return t[k - 1];
    double z = gsl_cdf_ugaussian_Pinv(alpha), z1 = gsl_cdf_ugaussian_Pinv((double)k / ((double)R + 1)),
           z2 = gsl_cdf_ugaussian_Pinv(((double)k + 1) / ((double)R + 1));
    return t[k - 1] + (z - z1) / (z2 - z1) * (t[k] - t[k - 1]);
}

/* Summaries of one statistic; t: the finite replicate values (sorted here), L: jackknife
 * influence values (NULL: no BCa). */
static void summarise(cmeta_boot_stat *s, double *t, size_t R, const double *L, size_t n,
                      double level)
{
    s->mean = s->se = s->bias = s->perc_lb = s->perc_ub = s->bca_lb = s->bca_ub = NAN;
    if (R == 0) return;
    double m = 0, ss = 0;
    for (size_t i = 0; i < R; i++) m += t[i];
    m /= (double)R;
    for (size_t i = 0; i < R; i++) ss += (t[i] - m) * (t[i] - m);
    s->mean = m;
    s->bias = m - s->t0;
    s->se = R > 1 ? sqrt(ss / (double)(R - 1)) : NAN;
    qsort(t, R, sizeof *t, cmp_dbl);
    double conf = level / 100.0, a_lo = (1 - conf) / 2, a_hi = (1 + conf) / 2;
    s->perc_lb = norm_inter(t, R, a_lo);
    s->perc_ub = norm_inter(t, R, a_hi);
    if (!L) return;
    size_t below = 0;
    for (size_t i = 0; i < R; i++) below += t[i] < s->t0;
    double w = gsl_cdf_ugaussian_Pinv((double)below / (double)R);
    double s2 = 0, s3 = 0;
    for (size_t i = 0; i < n; i++) {
        s2 += L[i] * L[i];
        s3 += L[i] * L[i] * L[i];
    }
    double a = s3 / (6.0 * pow(s2, 1.5));
    if (!isfinite(w) || !isfinite(a)) return;
    double za = gsl_cdf_ugaussian_Pinv(a_lo), zb = gsl_cdf_ugaussian_Pinv(a_hi);
    double p1 = gsl_cdf_ugaussian_P(w + (w + za) / (1 - a * (w + za)));
    double p2 = gsl_cdf_ugaussian_P(w + (w + zb) / (1 - a * (w + zb)));
    s->bca_lb = norm_inter(t, R, p1);
    s->bca_ub = norm_inter(t, R, p2);
}

/* The observed fit (row 0) and the k jackknife fits (rows 1..k, study i left out by a zero
 * multiplicity) as one block of ws[0]: out's t0 values, and in L[s] the jackknife influence
 * values (k - 1)(mean - L_i) of estimate, tau^2 and I^2 for the BCa intervals (freed and set
 * to NULL when a jackknife fit failed). Leaves ws[0]'s multiplicities at 1. */
static cmeta_status observed_and_jackknife(bt_ws *ws, size_t k, size_t bs, const double *vi,
                                           const cmeta_resample_opts *o, cmeta_boot_result *out,
                                           double *L[3], cmeta_error *err)
{
    bt_ws *w = ws;
    cmeta__bfit_out fo = {0};
    size_t n = k + 1;
    for (size_t b = 0; b < n; b++)
        for (size_t j = 0; j < k; j++) w->C[b * k + j] = (b > 0 && j == b - 1) ? 0.0 : 1.0;
    fo.beta = w->est;
    fo.tau2 = w->tau2;
    fo.I2 = w->I2;
    fo.ok = w->ok;
    cmeta__bfit(w->bf, n, w->Y, NULL, vi, w->C, o->method, o->tol, o->maxiter, 0, &fo);
    if (!w->ok[0]) {
        return cmeta_error_set(err, CMETA_ENOCONV, "boot: the model fit to the observed data failed");
    }
    out->estimate.t0 = w->est[0];
    out->tau2.t0 = w->tau2[0];
    out->I2.t0 = w->I2[0];
    {
        double mj[3] = {0, 0, 0};
        int jok = 1;
        for (size_t i = 0; i < k; i++) {
            jok &= w->ok[i + 1];
            L[0][i] = w->est[i + 1];
            L[1][i] = w->tau2[i + 1];
            L[2][i] = w->I2[i + 1];
            for (int s = 0; s < 3; s++) mj[s] += L[s][i] / (double)k;
        }
        for (int s = 0; s < 3; s++)
            for (size_t i = 0; i < k; i++) L[s][i] = (double)(k - 1) * (mj[s] - L[s][i]);
        if (!jok)
            for (int s = 0; s < 3; s++) {
                cmeta_free(L[s]);
                L[s] = NULL;
            }
    }
    /* restore multiplicities for the parametric bootstrap */
    for (size_t b = 0; b < bs * k; b++) w->C[b] = 1.0;
    return CMETA_OK;
}

/* Block draws: nonparametric (multiplicities of k studies drawn with replacement) or
 * parametric (y_j ~ N(mu, v_j + tau^2)), from w's generator. */
static void draw_block(bt_ws *w, cmeta_boot_type type, size_t k, size_t n, double mu,
                       double t2, const double *vi)
{
    for (size_t i = 0; i < n; i++) {
        if (type == CMETA_BOOT_NONPARAMETRIC) {
            double *c = w->C + i * k;
            memset(c, 0, k * sizeof(double));
            for (size_t j = 0; j < k; j++) c[gsl_rng_uniform_int(w->rng, (unsigned long)k)] += 1.0;
        } else {
            for (size_t j = 0; j < k; j++)
                w->Y[i * k + j] = mu + gsl_ran_gaussian_ziggurat(w->rng, sqrt(vi[j] + t2));
        }
    }
}

/* Blocks per round (progress between rounds). */
#define BT_ROUND 64u

/* A round's blocks as items of cmeta__par_run (threads.c). */
typedef struct {
    bt_ws *ws; /* per thread */
    cmeta_boot_type type;
    size_t k, bs;
    uint64_t iter, b0;
    double mu, t2;
    const double *vi;
    const cmeta_resample_opts *o;
    double *est, *tau2, *I2; /* iter: every replicate's results */
    int *ok;
} bt_par;

/* block b0 + rr on thread tid: its samples (from the block's own generator) and their fits */
static void bt_work(void *c, uint64_t rr, unsigned slot, int tid)
{
    const bt_par *q = c;
    (void)slot;
    bt_ws *w = q->ws + tid;
    uint64_t blk = q->b0 + rr, first = blk * q->bs;
    size_t n = (size_t)((q->iter - first) < q->bs ? (q->iter - first) : q->bs);
    gsl_rng_set(w->rng, cmeta__seed_mix(q->o->seed, blk));
    draw_block(w, q->type, q->k, n, q->mu, q->t2, q->vi);
    cmeta__bfit_out bo = {0};
    bo.beta = q->est + first;
    bo.tau2 = q->tau2 + first;
    bo.I2 = q->I2 + first;
    bo.ok = q->ok + first;
    cmeta__bfit(w->bf, n, w->Y, NULL, q->vi, q->type == CMETA_BOOT_NONPARAMETRIC ? w->C : NULL,
                q->o->method, q->o->tol, q->o->maxiter, 0, &bo);
}

cmeta_status cmeta_boot(const double *yi, const double *vi, size_t k, cmeta_boot_type type,
                        uint64_t iter, double level, const cmeta_resample_opts *o,
                        cmeta_boot_result *out, cmeta_error *err)
{
    cmeta_resample_opts def;
    if (!o) {
        cmeta_resample_opts_default(&def);
        o = &def;
    }
    if (!yi || !vi || !out) return cmeta_error_set(err, CMETA_EUSAGE, "boot: missing argument");
    if (iter < 2) return cmeta_error_set(err, CMETA_EUSAGE, "boot: iter must be > 1");
    if (!(level > 0 && level < 100)) return cmeta_error_set(err, CMETA_EUSAGE, "boot: level must be in (0, 100)");
    if (k < 2) return cmeta_error_set(err, CMETA_EDATA, "boot needs at least 2 studies (k = %zu)", k);
    switch (o->method) {
    case CMETA_METHOD_FE: case CMETA_METHOD_DL: case CMETA_METHOD_ML: case CMETA_METHOD_REML:
    case CMETA_METHOD_PM: case CMETA_METHOD_EB: break;
    default:
        return cmeta_error_set(err, CMETA_EUSAGE, "boot: the method is not supported (use FE, DL, ML, REML, PM or EB)");
    }
    cmeta_status cst = cmeta__check_yivi("boot", yi, vi, k, NULL, 0, err);
    if (cst != CMETA_OK) return cst;
    memset(out, 0, sizeof *out);
    out->type = type;
    out->iter = iter;
    out->level = level;
    size_t bs = o->block ? o->block : 256;
    if (bs < k + 1) bs = k + 1; /* the observed fit and the jackknife run as one block */
    int T = cmeta__auto_threads(o->threads, (double)iter, k,
                                o->method != CMETA_METHOD_FE && o->method != CMETA_METHOD_DL,
                                (unsigned long long)((iter + bs - 1) / bs));
    cmeta_status st = CMETA_OK;
    bt_ws *ws = cmeta_calloc((size_t)T, sizeof *ws);
    double *tv[3] = {CMETA__NEW(double, iter), CMETA__NEW(double, iter), CMETA__NEW(double, iter)};
    double *L[3] = {CMETA__NEW(double, k), CMETA__NEW(double, k), CMETA__NEW(double, k)};
    size_t nt[3] = {0, 0, 0};
    if (!ws || !tv[0] || !tv[1] || !tv[2] || !L[0] || !L[1] || !L[2]) goto nomem;
    for (int t = 0; t < T; t++) {
        bt_ws *w = ws + t;
        w->bf = cmeta__bfit_alloc(k, 1, NULL, bs);
        w->Y = CMETA__NEW(double, bs * k);
        w->C = CMETA__NEW(double, bs * k);
        w->est = CMETA__NEW(double, bs);
        w->tau2 = CMETA__NEW(double, bs);
        w->I2 = CMETA__NEW(double, bs);
        w->ok = CMETA__NEW(int, bs);
        w->rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (!w->bf || !w->Y || !w->C || !w->est || !w->tau2 || !w->I2 || !w->ok || !w->rng) goto nomem;
        for (size_t b = 0; b < bs; b++) memcpy(w->Y + b * k, yi, k * sizeof(double));
    }
    /* observed fit and the jackknife (leave-one-out) fits, rows 0 and 1..k of one block */
    if ((st = observed_and_jackknife(ws, k, bs, vi, o, out, L, err)) != CMETA_OK) goto done;
    const double mu = out->estimate.t0, t2 = out->tau2.t0;
    uint64_t nblocks = (iter + bs - 1) / bs, done_n = 0;
    /* every replicate's results in its own place (so blocks may finish in any order), taken
       in replicate order after each round: the same bits for any thread count */
    double *aest = CMETA__NEW(double, iter), *atau2 = CMETA__NEW(double, iter),
           *aI2 = CMETA__NEW(double, iter);
    int *aok = CMETA__NEW(int, iter);
    bt_par bp = {ws, type, k, bs, iter, 0, mu, t2, vi, o, aest, atau2, aI2, aok};
    if (!aest || !atau2 || !aI2 || !aok) {
        cmeta_free(aest);
        cmeta_free(atau2);
        cmeta_free(aI2);
        cmeta_free(aok);
        goto nomem;
    }
    for (uint64_t b0 = 0; b0 < nblocks; b0 += BT_ROUND) {
        uint64_t nb = (nblocks - b0) < BT_ROUND ? (nblocks - b0) : BT_ROUND;
        bp.b0 = b0;
        if (cmeta__par_run(T, nb, 0, bt_work, NULL, &bp, o->interrupt) != 0) {
            st = cmeta_error_set(err, CMETA_EINTR, "interrupted");
            break;
        }
        uint64_t from = b0 * bs, to = (b0 + nb) * bs < iter ? (b0 + nb) * bs : iter;
        for (uint64_t i = from; i < to; i++) {
            if (!aok[i]) {
                out->failed++;
                continue;
            }
            double x[3] = {aest[i], atau2[i], aI2[i]};
            for (int s = 0; s < 3; s++)
                if (isfinite(x[s])) tv[s][nt[s]++] = x[s];
        }
        done_n = to;
        if (o->progress && o->progress(o->progress_ctx, (double)done_n, (double)iter)) {
            st = cmeta_error_set(err, CMETA_EINTR, "interrupted");
            break;
        }
    }
    cmeta_free(aest);
    cmeta_free(atau2);
    cmeta_free(aI2);
    cmeta_free(aok);
    if (st != CMETA_OK) goto done;
    {
        int bca = type == CMETA_BOOT_NONPARAMETRIC;
        summarise(&out->estimate, tv[0], nt[0], bca ? L[0] : NULL, k, level);
        summarise(&out->tau2, tv[1], nt[1], bca ? L[1] : NULL, k, level);
        summarise(&out->I2, tv[2], nt[2], bca ? L[2] : NULL, k, level);
    }
    goto done;
nomem:
    st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
done:
    for (int t = 0; ws && t < T; t++) ws_free(ws + t);
    cmeta_free(ws);
    for (int s = 0; s < 3; s++) {
        cmeta_free(tv[s]);
        cmeta_free(L[s]);
    }
    return st;
}
