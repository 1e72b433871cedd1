/* gosh.c - GOSH: the model refitted on every subset of the studies (Olkin, Dahabreh &
 * Trikalinos 2012, Res Synth Methods 3:214), as metafor 3.8 gosh.rma. Definitions in
 * cmeta/resample.h. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <gsl/gsl_rng.h>

#include "internal.h"
#include "batchfit.h"
#include "resample_internal.h"
#include "threads.h"

void cmeta_resample_opts_default(cmeta_resample_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = CMETA_METHOD_REML;
    o->tol = 1e-10;
    o->maxiter = 1000;
    o->seed = 1;
}

/* per thread: rng, perm; iterative methods also bf, Y, C, est, Q, tau2, I2, H2, ok */
typedef cmeta__rs_ws gosh_ws;

typedef struct {
    const double *y, *v;
    double *yc, *w;         /* centred y, 1/v */
    double *wy, *wyy, *ww;  /* w yc, w yc^2, w^2 (the Gray-code walk's terms) */
    double ke, kq, kd;      /* the Gray-code walk's error bounds per addition (gray_row) */
    double ybar;
    int direct;             /* FE/DL: each subset's sums afresh, not by Gray-code updates */
    size_t k;
    int exact;
    uint64_t N;
    double cum[65];         /* cumulative dbinom(m, k, 1/2), m = 1..k, for random sizes */
    const cmeta_resample_opts *o;
} gosh_job;

#define ws_free cmeta__rs_ws_free

static int ws_init(gosh_ws *g, const gosh_job *jb, size_t bs)
{
    memset(g, 0, sizeof *g);
    size_t k = jb->k;
    int iterative = jb->o->method != CMETA_METHOD_FE && jb->o->method != CMETA_METHOD_DL;
    g->rng = gsl_rng_alloc(gsl_rng_mt19937);
    g->perm = CMETA__NEW(size_t, k);
    if (!g->rng || !g->perm) return -1;
    if (iterative) {
        g->bf = cmeta__bfit_alloc(k, 1, NULL, bs);
        g->Y = CMETA__NEW(double, bs * k);
        g->C = CMETA__NEW(double, bs * k);
        g->est = CMETA__NEW(double, bs);
        g->Q = CMETA__NEW(double, bs);
        g->tau2 = CMETA__NEW(double, bs);
        g->I2 = CMETA__NEW(double, bs);
        g->H2 = CMETA__NEW(double, bs);
        g->ok = CMETA__NEW(int, bs);
        if (!g->bf || !g->Y || !g->C || !g->est || !g->Q || !g->tau2 || !g->I2 || !g->H2 || !g->ok)
            return -1;
        for (size_t b = 0; b < bs; b++) memcpy(g->Y + b * k, jb->y, sizeof(double) * k);
    }
    return 0;
}

/* Random subset (gosh.rma's rule): size m ~ dbinom(m, k, 1/2) restricted to m >= 1, then m
 * distinct studies by a partial Fisher-Yates shuffle. */
static uint64_t random_mask(const gosh_job *jb, gosh_ws *g)
{
    size_t k = jb->k, m = 1;
    double u = gsl_rng_uniform(g->rng) * jb->cum[k];
    while (m < k && u >= jb->cum[m]) m++;
    for (size_t j = 0; j < k; j++) g->perm[j] = j;
    uint64_t mask = 0;
    for (size_t j = 0; j < m; j++) {
        size_t r = j + (size_t)gsl_rng_uniform_int(g->rng, (unsigned long)(k - j));
        size_t tmp = g->perm[j];
        g->perm[j] = g->perm[r];
        g->perm[r] = tmp;
        mask |= (uint64_t)1 << g->perm[j];
    }
    return mask;
}

static inline uint64_t gray(uint64_t i) { return i ^ (i >> 1); }

/* x when x > 0, else +0 (NaN too): fmax(0, x) without a branch. Whether a subset's I^2 is
 * positive is unpredictable, and the mispredicted branch after its division took a third of
 * the FE/DL time (perf). */
static inline double pos_part(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    b &= -(uint64_t)(x > 0.0);
    memcpy(&x, &b, sizeof x);
    return x;
}

/* The row's estimate (est: centred), and ok: overflowed sums (weights 1/vi with vi ~ 1e-300,
 * say) make a failed fit with NaN numbers, as in the batched kernel. */
static inline void finish_row(const gosh_job *jb, cmeta_gosh_row *r, double est)
{
    r->estimate = jb->ybar + est;
    r->ok = isfinite(r->estimate) & isfinite(r->Q) & isfinite(r->H2) & isfinite(r->tau2); /* I2 too */
    if (!r->ok) r->estimate = r->Q = r->I2 = r->H2 = r->tau2 = NAN;
}

/* FE or DL of one subset (m studies) from its estimate (centred y), Q, sum w and sum w^2. */
static inline void fe_dl_finish(const gosh_job *jb, int dl, cmeta_gosh_row *r, double est, double Q,
                                double S1, double S2, int m)
{
    r->k = m;
    if (m == 1) {
        r->Q = 0;
        r->I2 = 0;
        r->H2 = 1;
        r->tau2 = 0;
        finish_row(jb, r, est);
        return;
    }
    double df = m - 1;
    r->Q = Q;
    double i2 = 100.0 * (Q - df) / Q;
    r->I2 = pos_part(i2);
    r->H2 = Q / df;
    r->tau2 = 0;
    if (dl) {
        double t = (Q - df) / (S1 - S2 / S1);
        if (t > 0) {
            r->tau2 = t;
            /* sums over the included studies in study order */
            double a = 0, b = 0;
            for (uint64_t bits = r->mask; bits; bits &= bits - 1) {
                unsigned j = (unsigned)__builtin_ctzll(bits);
                double u = 1.0 / (jb->v[j] + t);
                a += u;
                b += u * jb->yc[j];
            }
            est = b / a;
        }
    }
    finish_row(jb, r, est);
}

/* Agreement asked of a row from the Gray-code walk with the same row summed afresh: bounds on
 * the rounding error of its estimate, Q and (DL) sum w - sum w^2 / sum w, relative. */
#define GOSH_GRAY_REL 1e-10

/* Running sums of the Gray-code walk over one block. A study leaving the subset takes its
 * rounded term with it exactly, but not the rounding errors made while it was in: the sums
 * drift, which matters most where a subset's Q is small beside them (two studies with close
 * y: Q off by 1e-8 relative, seen; weights over 12 orders of magnitude: 1e-5). Each addition
 * errs by at most u |partial sum| (u = 2^-53) <= u (the sum over all studies), so after n
 * additions since the sums were last made afresh, the error of the sum of w is at most
 * n u sum(w), and so on. */
typedef struct {
    double S1, Sy, Syy, S2;       /* sums of w, w yc, w yc^2 and w^2 over the subset */
    double n;                     /* additions since the sums were last made afresh, + 4 */
    int m;
} gray_sums;

/* FE or DL of one subset from its own studies, in two passes (the estimate, then
 * Q = sum w (yc - est)^2), as gosh.rma computes every subset. With g, the walk goes on from
 * this subset's sums (m fresh additions each). */
static void fe_dl_direct(const gosh_job *jb, int dl, cmeta_gosh_row *r, gray_sums *g)
{
    double S1 = 0, S2 = 0, Sy = 0, Syy = 0, Q = 0;
    int m = 0;
    for (uint64_t bits = r->mask; bits; bits &= bits - 1) {
        unsigned j = (unsigned)__builtin_ctzll(bits);
        double w = jb->w[j];
        S1 += w;
        S2 += w * w;
        Sy += w * jb->yc[j];
        Syy += jb->wyy[j]; /* for the walk only */
        m++;
    }
    double est = Sy / S1;
    for (uint64_t bits = r->mask; bits; bits &= bits - 1) {
        unsigned j = (unsigned)__builtin_ctzll(bits);
        double d = jb->yc[j] - est;
        Q += jb->w[j] * d * d;
    }
    if (g) *g = (gray_sums){S1, Sy, Syy, S2, m + 4.0, m};
    fe_dl_finish(jb, dl, r, est, Q, S1, S2, m);
}

/* One study in (in = 1) or out of the walk's subset: O(1). */
static inline void gray_update(gray_sums *g, const gosh_job *jb, unsigned j, int in)
{
    double s = in ? 1.0 : -1.0;
    g->S1 += s * jb->w[j];
    g->Sy += s * jb->wy[j];
    g->Syy += s * jb->wyy[j];
    g->S2 += s * jb->ww[j];
    g->n += 1;
    g->m += in ? 1 : -1;
}

/* FE or DL of the walk's subset from its running sums, Q = sum w yc^2 - (sum w yc)^2 / sum w,
 * when the error bounds allow GOSH_GRAY_REL; 0 (nothing written) when they do not. With
 * est = Sy / S1 and Q = Syy - Sy est, to first order
 *   |d est| S1 <= dSy + |est| dS1,    |dQ| <= dSyy + 2 |est| dSy + est^2 dS1,
 *   |d(S1 - S2 / S1)| S1 <= 2 S1 dS1 + dS2 (as S2 <= S1^2),
 * with dS1 <= n u sum(w), ..., |est| <= max |yc| and S1 <= sum(w) over all studies: the
 * bounds are n times the job's constants (gosh_job.ke, kq, kd; n counts the last operations
 * too). A few multiplications a row; on real data 1 row in 200-400 is summed afresh. */
static inline int gray_row(const gosh_job *jb, int dl, cmeta_gosh_row *r, const gray_sums *g)
{
    const double rel = GOSH_GRAY_REL;
    double S1 = g->S1, est = g->Sy / S1;
    if (!(g->n * jb->ke <= rel * fabs(jb->ybar + est) * S1)) return 0;
    if (g->m == 1) {
        fe_dl_finish(jb, dl, r, est, 0, S1, g->S2, 1);
        return 1;
    }
    double Q = g->Syy - g->Sy * est;
    if (!(g->n * jb->kq <= rel * Q)) return 0;
    if (dl && !(g->n * jb->kd <= rel * (S1 * S1 - g->S2))) return 0;
    fe_dl_finish(jb, dl, r, est, Q, S1, g->S2, g->m);
    return 1;
}

/* Rows [first, first + n) of the run (0-based) into rows[]. */
static void run_block(const gosh_job *jb, gosh_ws *g, unsigned long long block, uint64_t first,
                      size_t n, cmeta_gosh_row *rows)
{
    size_t k = jb->k;
    const cmeta_resample_opts *o = jb->o;
    if (!jb->exact) {
        gsl_rng_set(g->rng, cmeta__seed_mix(o->seed, block));
        for (size_t i = 0; i < n; i++) rows[i].mask = random_mask(jb, g);
    }
    if (o->method == CMETA_METHOD_FE || o->method == CMETA_METHOD_DL) {
        const int dl = o->method == CMETA_METHOD_DL; /* read once: row stores may alias o */
        if (!jb->exact || jb->direct) {
            for (size_t i = 0; i < n; i++) {
                if (jb->exact) rows[i].mask = gray(first + i + 1);
                fe_dl_direct(jb, dl, rows + i, NULL);
            }
            return;
        }
        /* exact: the subsets in Gray-code order, one study in or out from each to the next;
           a row whose error bounds are too wide is summed afresh, and the walk goes on from it */
        gray_sums walk;
        for (size_t i = 0; i < n; i++) {
            uint64_t idx = first + i + 1; /* subset number 1..2^k-1 */
            rows[i].mask = gray(idx);
            if (i > 0) {
                unsigned j = (unsigned)__builtin_ctzll(idx);
                gray_update(&walk, jb, j, (int)((rows[i].mask >> j) & 1u));
                if (gray_row(jb, dl, rows + i, &walk)) continue;
            }
            fe_dl_direct(jb, dl, rows + i, &walk);
        }
        return;
    }
    /* iterative methods: the block's subsets as a 0/1 multiplicity matrix, fitted in lockstep */
    for (size_t i = 0; i < n; i++) {
        uint64_t mask = jb->exact ? gray(first + i + 1) : rows[i].mask;
        rows[i].mask = mask;
        for (size_t j = 0; j < k; j++) g->C[i * k + j] = (double)((mask >> j) & 1u);
    }
    cmeta__bfit_out out = {0};
    out.beta = g->est;
    out.Q = g->Q;
    out.tau2 = g->tau2;
    out.I2 = g->I2;
    out.H2 = g->H2;
    out.ok = g->ok;
    cmeta__bfit(g->bf, n, g->Y, NULL, jb->v, g->C, o->method, o->tol, o->maxiter, 0, &out);
    for (size_t i = 0; i < n; i++) {
        rows[i].k = __builtin_popcountll(rows[i].mask);
        rows[i].ok = g->ok[i];
        rows[i].estimate = g->est[i];
        rows[i].Q = g->Q[i];
        rows[i].tau2 = g->tau2[i];
        rows[i].I2 = g->I2[i];
        rows[i].H2 = g->H2[i];
    }
}

/* Blocks per run of threads (cmeta__par_run) when no callback needs the rows (summary only). */
#define GOSH_ROUND 1024ULL
/* Slots per thread of an ordered run (rows wanted): blocks computed ahead of the one handed on. */
#define GOSH_SLOTS_PER_THREAD 4u

/* Summary of a block of rows: count, mean and sum of squared deviations of the estimate and
 * I2 over the rows that are ok, their min and max, and the failed rows. */
typedef struct {
    double n, me, mi, m2e, m2i, emin, emax, imin, imax;
    uint64_t failed;
} blk_sum;

/* Two passes over the block (in memory): mean, then squared deviations. */
static void block_summary(const cmeta_gosh_row *rr, size_t n, blk_sum *b)
{
    double nb = 0, se = 0, si = 0;
    b->failed = 0;
    b->emin = b->imin = INFINITY;
    b->emax = b->imax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!rr[i].ok) {
            b->failed++;
            continue;
        }
        nb += 1;
        se += rr[i].estimate;
        si += rr[i].I2;
        if (rr[i].estimate < b->emin) b->emin = rr[i].estimate;
        if (rr[i].estimate > b->emax) b->emax = rr[i].estimate;
        if (rr[i].I2 < b->imin) b->imin = rr[i].I2;
        if (rr[i].I2 > b->imax) b->imax = rr[i].I2;
    }
    b->n = nb;
    b->me = b->mi = b->m2e = b->m2i = 0;
    if (nb == 0) return;
    b->me = se / nb;
    b->mi = si / nb;
    for (size_t i = 0; i < n; i++) {
        if (!rr[i].ok) continue;
        double de = rr[i].estimate - b->me, di = rr[i].I2 - b->mi;
        b->m2e += de * de;
        b->m2i += di * di;
    }
}

/* Merge block b into the running summary a (Chan, Golub & LeVeque 1979): as exact as
 * Welford's update, without its two divisions per row. */
static void merge_summary(blk_sum *a, const blk_sum *b)
{
    a->failed += b->failed;
    if (b->n == 0) return;
    double tot = a->n + b->n, de = b->me - a->me, di = b->mi - a->mi;
    a->me += de * (b->n / tot);
    a->mi += di * (b->n / tot);
    a->m2e += b->m2e + de * de * (a->n * b->n / tot);
    a->m2i += b->m2i + di * di * (a->n * b->n / tot);
    a->n = tot;
    if (b->emin < a->emin) a->emin = b->emin;
    if (b->emax > a->emax) a->emax = b->emax;
    if (b->imin < a->imin) a->imin = b->imin;
    if (b->imax > a->imax) a->imax = b->imax;
}

/* The blocks of a run as items of cmeta__par_run (threads.c). */
typedef struct {
    const gosh_job *jb;
    gosh_ws *ws;           /* per thread */
    cmeta_gosh_row *rows;  /* per slot (ordered) or per thread (summary only), bs rows each */
    blk_sum *bsum;         /* per slot (ordered) or per block of the round */
    size_t bs;
    unsigned long long b0; /* summary only: the round's first block */
    cmeta_gosh_prep_fn prep;
    cmeta_gosh_emit_fn emit;
    cmeta_gosh_fn fn;
    void *ctx;
    blk_sum *run;
    cmeta_gosh_summary *sum;
    int progress_stop;
} gosh_par;

static size_t block_rows(const gosh_job *jb, unsigned long long blk, size_t bs)
{
    uint64_t first = blk * bs;
    return (size_t)((jb->N - first) < bs ? (jb->N - first) : bs);
}

/* summary only: block b0 + item on thread tid, its summary in bsum[item] */
static void work_summary(void *c, uint64_t item, unsigned slot, int tid)
{
    gosh_par *g = c;
    (void)slot;
    unsigned long long blk = g->b0 + item;
    size_t n = block_rows(g->jb, blk, g->bs);
    cmeta_gosh_row *rr = g->rows + (size_t)tid * g->bs;
    run_block(g->jb, g->ws + tid, blk, blk * g->bs, n, rr);
    block_summary(rr, n, g->bsum + item);
}

/* rows wanted: block `item` into its slot, summarised, and prepared by the caller's prep */
static void work_rows(void *c, uint64_t item, unsigned slot, int tid)
{
    gosh_par *g = c;
    size_t n = block_rows(g->jb, item, g->bs);
    cmeta_gosh_row *rr = g->rows + (size_t)slot * g->bs;
    run_block(g->jb, g->ws + tid, item, item * g->bs, n, rr);
    block_summary(rr, n, g->bsum + slot);
    if (g->prep) g->prep(g->ctx, slot, rr, n);
}

/* in block order, on the calling thread: merged into the summary (the same bits for any
   thread count), handed to the caller, progress */
static int emit_rows(void *c, uint64_t item, unsigned slot)
{
    gosh_par *g = c;
    size_t n = block_rows(g->jb, item, g->bs);
    cmeta_gosh_row *rr = g->rows + (size_t)slot * g->bs;
    merge_summary(g->run, g->bsum + slot);
    g->sum->subsets += n;
    if (g->emit && g->emit(g->ctx, slot, rr, n)) return 1;
    if (g->fn && g->fn(g->ctx, rr, n)) return 1;
    const cmeta_resample_opts *o = g->jb->o;
    if (o->progress && o->progress(o->progress_ctx, (double)g->sum->subsets, (double)g->jb->N)) return 1;
    return 0;
}

/* gosh_run's argument checks (o already defaulted). */
static cmeta_status check_args(const double *yi, const double *vi, size_t k, uint64_t subsets,
                               const cmeta_resample_opts *o, const cmeta_gosh_summary *sum, cmeta_error *err)
{
    if (!yi || !vi || !sum) return cmeta_error_set(err, CMETA_EUSAGE, "gosh: missing argument");
    if (k < 2) return cmeta_error_set(err, CMETA_EDATA, "gosh needs at least 2 studies (k = %zu)", k);
    if (k > 62) return cmeta_error_set(err, CMETA_EUSAGE, "gosh handles at most 62 studies (k = %zu)", k);
    switch (o->method) {
    case CMETA_METHOD_FE: case CMETA_METHOD_DL: case CMETA_METHOD_ML: case CMETA_METHOD_REML:
    case CMETA_METHOD_PM: case CMETA_METHOD_EB: break;
    default:
        return cmeta_error_set(err, CMETA_EUSAGE, "gosh: the method is not supported (use FE, DL, ML, REML, PM or EB)");
    }
    if (subsets == 1) return cmeta_error_set(err, CMETA_EUSAGE, "gosh: subsets must be >= 2");
    return cmeta__check_yivi("gosh", yi, vi, k, NULL, 0, err);
}

/* The job: exact or random subsets (N of them), the subset sizes' cumulative binomial weights,
 * y centred, the walk's per-study terms and the error bounds gray_row needs; -1 when out of memory. */
static int job_init(gosh_job *jb, const double *yi, const double *vi, size_t k, uint64_t subsets,
                    const cmeta_resample_opts *o)
{
    memset(jb, 0, sizeof *jb);
    jb->y = yi;
    jb->v = vi;
    jb->k = k;
    jb->o = o;
    uint64_t total = ((uint64_t)1 << k) - 1;
    uint64_t limit = subsets ? subsets : 1000000u;
    jb->exact = total <= limit;
    jb->N = jb->exact ? total : limit;
    /* dbinom(m, k, 1/2) up to the common factor 2^-k */
    double c = 1;
    jb->cum[0] = 0;
    for (size_t m = 1; m <= k; m++) {
        c = c * (double)(k - m + 1) / (double)m;
        jb->cum[m] = jb->cum[m - 1] + c;
    }
    jb->yc = CMETA__NEW(double, 5 * k);
    if (!jb->yc) return -1;
    jb->w = jb->yc + k;
    jb->wy = jb->yc + 2 * k;
    jb->wyy = jb->yc + 3 * k;
    jb->ww = jb->yc + 4 * k;
    double sw = 0, swy = 0;
    for (size_t j = 0; j < k; j++) {
        jb->w[j] = 1.0 / vi[j];
        sw += jb->w[j];
        swy += jb->w[j] * yi[j];
    }
    /* y centred at its weighted mean, which keeps the sums of squares small; not at all when
       that mean overflows (weights 1/vi with vi ~ 1e-300, say) */
    jb->ybar = isfinite(swy / sw) ? swy / sw : 0;
    /* the walk's terms, and the data-wide sums its error bounds need (gray_row) */
    double py = 0, syy = 0, s2 = 0, ymax = 0;
    jb->direct = !isfinite(sw);
    for (size_t j = 0; j < k; j++) {
        jb->yc[j] = yi[j] - jb->ybar;
        jb->wy[j] = jb->w[j] * jb->yc[j];
        jb->wyy[j] = jb->wy[j] * jb->yc[j];
        jb->ww[j] = jb->w[j] * jb->w[j];
        /* a sum that overflows would stay in the walk: every subset summed afresh instead */
        if (!isfinite(jb->wyy[j]) || !isfinite(jb->ww[j])) jb->direct = 1;
        py += fabs(jb->wy[j]);
        syy += jb->wyy[j];
        s2 += jb->ww[j];
        ymax = fmax(ymax, fabs(jb->yc[j]));
    }
    const double u = 0x1p-53;
    jb->ke = u * (py + 2 * ymax * sw);
    jb->kq = u * (syy + 2 * ymax * py + ymax * ymax * sw);
    jb->kd = u * (6 * sw * sw + s2);
    return 0;
}

/* Summary only: rounds of up to GOSH_ROUND blocks in any order on T threads (work_summary),
 * their summaries merged in block order; polls the interrupt flag and reports progress. */
static cmeta_status summary_rounds(gosh_par *gp, int T, unsigned long long nblocks, cmeta_error *err)
{
    const gosh_job *jb = gp->jb;
    const cmeta_resample_opts *o = jb->o;
    for (unsigned long long b0 = 0; b0 < nblocks; b0 += GOSH_ROUND) {
        unsigned long long nb = (nblocks - b0) < GOSH_ROUND ? (nblocks - b0) : GOSH_ROUND;
        gp->b0 = b0;
        if (cmeta__par_run(T, nb, 0, work_summary, NULL, gp, o->interrupt) != 0)
            return cmeta_error_set(err, CMETA_EINTR, "interrupted");
        for (unsigned long long r = 0; r < nb; r++) {
            merge_summary(gp->run, gp->bsum + r); /* in block order: the same bits for any T */
            gp->sum->subsets += block_rows(jb, b0 + r, gp->bs);
        }
        if (o->progress && o->progress(o->progress_ctx, (double)gp->sum->subsets, (double)jb->N))
            return cmeta_error_set(err, CMETA_EINTR, "interrupted");
    }
    return CMETA_OK;
}

/* The summary's statistics from the merged run (NAN where too few fits succeeded); an error
 * when every fit failed (as gosh.rma, which stops with "All model fits failed."). */
static cmeta_status finish_summary(cmeta_gosh_summary *sum, const blk_sum *run, cmeta_error *err)
{
    sum->failed = run->failed;
    sum->est_mean = run->n > 0 ? run->me : NAN;
    sum->I2_mean = run->n > 0 ? run->mi : NAN;
    sum->est_sd = run->n > 1 ? sqrt(run->m2e / (run->n - 1)) : NAN;
    sum->I2_sd = run->n > 1 ? sqrt(run->m2i / (run->n - 1)) : NAN;
    sum->est_min = run->n > 0 ? run->emin : NAN;
    sum->est_max = run->n > 0 ? run->emax : NAN;
    sum->I2_min = run->n > 0 ? run->imin : NAN;
    sum->I2_max = run->n > 0 ? run->imax : NAN;
    if (sum->subsets > 0 && run->n == 0)
        return cmeta_error_set(err, CMETA_ENUMERIC, "gosh: all model fits failed (%llu subsets)",
                               (unsigned long long)sum->subsets);
    return CMETA_OK;
}

static cmeta_status gosh_run(const double *yi, const double *vi, size_t k, uint64_t subsets,
                             const cmeta_resample_opts *o, cmeta_gosh_prep_fn prep,
                             cmeta_gosh_emit_fn emit, cmeta_gosh_fn fn, void *ctx,
                             cmeta_gosh_summary *sum, cmeta_error *err)
{
    cmeta_resample_opts def;
    if (!o) {
        cmeta_resample_opts_default(&def);
        o = &def;
    }
    cmeta_status cst = check_args(yi, vi, k, subsets, o, sum, err);
    if (cst != CMETA_OK) return cst;
    gosh_job jb;
    if (job_init(&jb, yi, vi, k, subsets, o) != 0) return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");

    int iterative = o->method != CMETA_METHOD_FE && o->method != CMETA_METHOD_DL;
    /* FE/DL exact: blocks of 512 subsets (a 28 KB row buffer; larger blocks cost page faults,
       measured in bench/README.md); random subsets keep 4096, as each block's subsets come from
       its own generator seeded by (seed, block index): the same seed gives the same subsets */
    size_t bs = o->block ? o->block : (iterative ? 256 : jb.exact ? 512 : 4096);
    /* With rows wanted (fn or emit), an ordered run (threads.c): blocks computed (and
       prepared, prep) on every thread into up to GOSH_SLOTS_PER_THREAD slots per thread, handed
       on in order on the calling thread, which computes whenever the next block is not ready.
       Without (summary only), rounds of up to GOSH_ROUND blocks in any order, each thread with
       one row buffer it reuses; per-block summaries merged in block order either way. */
    int rows_wanted = fn || emit;
    unsigned long long nblocks = (jb.N + bs - 1) / bs;
    int T = cmeta__auto_threads(o->threads, (double)jb.N, k, iterative, nblocks);
    unsigned nslots = (unsigned)T * GOSH_SLOTS_PER_THREAD;
    if (nslots > CMETA_GOSH_SLOTS) nslots = CMETA_GOSH_SLOTS;
    size_t nbuf = rows_wanted ? nslots : (size_t)T;
    size_t nsum = rows_wanted ? nslots : (size_t)(GOSH_ROUND < nblocks ? GOSH_ROUND : nblocks);
    cmeta_status st = CMETA_OK;
    gosh_ws *ws = cmeta_calloc((size_t)T, sizeof *ws);
    cmeta_gosh_row *rows = cmeta_calloc(nbuf * bs, sizeof *rows);
    blk_sum *bsum = cmeta_calloc(nsum ? nsum : 1, sizeof *bsum);
    int bad = !ws || !rows || !bsum;
    for (int t = 0; !bad && t < T; t++) bad = ws_init(ws + t, &jb, bs) != 0;
    if (bad) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        goto done;
    }
    memset(sum, 0, sizeof *sum);
    sum->exact = jb.exact;
    blk_sum run = {0};
    run.emin = run.imin = INFINITY;
    run.emax = run.imax = -INFINITY;
    gosh_par gp = {&jb, ws, rows, bsum, bs, 0, prep, emit, fn, ctx, &run, sum, 0};
    if (rows_wanted) {
        if (cmeta__par_run(T, nblocks, nslots, work_rows, emit_rows, &gp, o->interrupt) != 0) {
            st = cmeta_error_set(err, CMETA_EINTR, "interrupted");
            goto done;
        }
    } else if ((st = summary_rounds(&gp, T, nblocks, err)) != CMETA_OK) {
        goto done;
    }
    st = finish_summary(sum, &run, err);
done:
    for (int t = 0; ws && t < T; t++) ws_free(ws + t);
    cmeta_free(ws);
    cmeta_free(rows);
    cmeta_free(bsum);
    cmeta_free(jb.yc);
    return st;
}

cmeta_status cmeta_gosh(const double *yi, const double *vi, size_t k, uint64_t subsets,
                        const cmeta_resample_opts *o, cmeta_gosh_fn fn, void *ctx,
                        cmeta_gosh_summary *sum, cmeta_error *err)
{
    return gosh_run(yi, vi, k, subsets, o, NULL, NULL, fn, ctx, sum, err);
}

cmeta_status cmeta_gosh_stream(const double *yi, const double *vi, size_t k, uint64_t subsets,
                               const cmeta_resample_opts *o, cmeta_gosh_prep_fn prep,
                               cmeta_gosh_emit_fn emit, void *ctx, cmeta_gosh_summary *sum,
                               cmeta_error *err)
{
    if (!emit) return cmeta_error_set(err, CMETA_EUSAGE, "gosh: missing argument");
    return gosh_run(yi, vi, k, subsets, o, prep, emit, NULL, ctx, sum, err);
}
