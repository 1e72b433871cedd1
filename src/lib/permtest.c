/* permtest.c - permutation tests for (mixed-effects) meta-regression models, as metafor 3.8
 * permutest.rma.uni (Follmann & Proschan 1999; Higgins & Thompson 2004). Definitions in
 * cmeta/resample.h.
 *
 * Every replicate is a refit on the same design with the outcome rows rearranged, so a
 * block of replicates is one call of the batched kernel (batchfit.h):
 *  - sign flips (no moderators): Y_b = s_b . y;
 *  - permutations of the design rows: a permutation pi puts design row pi(i) beside study i;
 *    the same fit has design row j beside study pi^-1(j), i.e. the design stays fixed and
 *    (y, v) are permuted: Y_b[j] = y[pi^-1(j)], V_b[j] = v[pi^-1(j)].
 * Exact mode enumerates all 2^k sign vectors, or all distinct permutations of the design rows
 * (multiset permutations of the labels of the groups of identical rows, in lexicographic
 * order). */
#include <float.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_rng.h>

#include "internal.h"
#include "batchfit.h"
#include "resample_internal.h"
#include "threads.h"

void cmeta_permtest_free(cmeta_permtest_result *r)
{
    if (!r) return;
    cmeta_free(r->beta);
    cmeta_free(r->zval);
    cmeta_free(r->pval);
    cmeta_free(r);
}

/* per thread: bf, Y, V, z, QM, ok, perm, used, rng */
typedef cmeta__rs_ws pt_ws;
#define ws_free cmeta__rs_ws_free

/* Next multiset permutation in lexicographic order; 0 when a is the last one. */
static int next_perm(int *a, size_t n)
{
    if (n < 2) return 0;
    size_t i = n - 1;
    while (i > 0 && a[i - 1] >= a[i]) i--;
    if (i == 0) return 0;
    size_t j = n - 1;
    while (a[j] <= a[i - 1]) j--;
    int t = a[i - 1];
    a[i - 1] = a[j];
    a[j] = t;
    for (size_t l = i, r = n - 1; l < r; l++, r--) {
        t = a[l];
        a[l] = a[r];
        a[r] = t;
    }
    return 1;
}

/* Blocks per run of threads (cmeta__par_run) when the replicates need no order. */
#define PT_ROUND 64u
/* Blocks per thread of a round of exact permutations of the design rows (generated in
   sequence before the round). */
#define PT_ROUND_ORDERED 8u

/* The number of distinct replicates: 2^k sign vectors (capped at 2^1000), or the distinct
 * permutations of the design rows k! / prod(n_g!) over the groups g of identical rows (in
 * logs, no overflow); for permutations also the groups: lab0[j] the group of study j (in order
 * of first appearance), grp_rows[grp_start[g] ..] the rows of group g in order. */
static double exact_count(const double *Xd, size_t k, size_t p, int signflip, int *lab0,
                          size_t *grp_rows, size_t *grp_start)
{
    double nexact;
if (signflip) {
    nexact = ldexp(1.0, (int)(k < 1000 ? k : 1000));
} else {
    /* groups of identical design rows, labels in order of first appearance */
    size_t ng = 0;
    for (size_t j = 0; j < k; j++) {
        lab0[j] = -1;
        for (size_t i = 0; i < j && lab0[j] < 0; i++)
            if (memcmp(Xd + i * p, Xd + j * p, p * sizeof(double)) == 0) lab0[j] = lab0[i];
        if (lab0[j] < 0) lab0[j] = (int)ng++;
    }
    /* multinomial coefficient, in logs to avoid overflow */
    double lg = lgamma((double)k + 1);
    for (size_t g = 0; g < ng; g++) {
        size_t n = 0;
        for (size_t j = 0; j < k; j++) n += lab0[j] == (int)g;
        lg -= lgamma((double)n + 1);
    }
    nexact = floor(exp(lg) + 0.5);
    /* rows of each group, in order, for turning labels into a permutation */
    size_t c = 0;
    for (size_t g = 0; g < ng; g++) {
        grp_start[g] = c;
        for (size_t j = 0; j < k; j++)
            if (lab0[j] == (int)g) grp_rows[c++] = j;
    }
    grp_start[ng] = c;
}
    return nexact;
}

/* Replicate idx into y (and v, for permutations): exact sign vectors in expand.grid order,
 * random ones from w's generator (replicate 0 is the observed data); exact permutations from
 * their labels L (next unused row of each group), random ones by Fisher-Yates. */
static void make_replicate(int exact, int signflip, uint64_t idx, const double *yi,
                           const double *vi, size_t k, const int *L, const size_t *grp_rows,
                           const size_t *grp_start, pt_ws *w, double *y, double *v)
{
    if (signflip) {
        for (size_t j = 0; j < k; j++) {
            int neg;
            if (exact) neg = (int)((idx >> j) & 1u); /* expand.grid order */
            else neg = idx == 0 ? 0 : (int)gsl_rng_uniform_int(w->rng, 2);
            y[j] = neg ? -yi[j] : yi[j];
        }
    } else {
        size_t *pi = w->perm; /* pi[i]: design row beside study i */
        if (exact) {
            memset(w->used, 0, k * sizeof(size_t));
            for (size_t s = 0; s < k; s++) {
                int g = L[s];
                /* next unused row of group g */
                pi[s] = grp_rows[grp_start[g] + w->used[g]++];
            }
        } else {
            for (size_t j = 0; j < k; j++) pi[j] = j;
            if (idx > 0)
                for (size_t j = k - 1; j > 0; j--) {
                    size_t s = (size_t)gsl_rng_uniform_int(w->rng, (unsigned long)(j + 1));
                    size_t t = pi[j];
                    pi[j] = pi[s];
                    pi[s] = t;
                }
        }
        for (size_t s = 0; s < k; s++) {
            y[pi[s]] = yi[s];
            v[pi[s]] = vi[s];
        }
    }
}

/* p-value counts of a block: |z*| >= |z| - tol per coefficient, QM* >= QM - tol (metafor,
 * tol = sqrt(eps)); c[0..p-1] coefficients, c[p] QM, c[p + 1] failed fits. */
static void count_block(const pt_ws *w, size_t n, size_t p, const cmeta_permtest_result *r,
                        double tol, uint64_t *c)
{
    for (size_t i = 0; i < n; i++) {
        if (!w->ok[i]) {
            c[p + 1]++;
            continue;
        }
        for (size_t a = 0; a < p; a++) c[a] += fabs(w->z[i * p + a]) >= fabs(r->zval[a]) - tol;
        c[p] += w->QM[i] >= r->QM - tol;
    }
}

/* A round's blocks as items of cmeta__par_run (threads.c). */
typedef struct {
    cmeta_permtest_result *r;
    const double *yi, *vi;
    size_t k, p, bs;
    uint64_t N, b0;
    int signflip;
    const int *labs;
    const size_t *grp_rows, *grp_start;
    pt_ws *ws;
    const cmeta_resample_opts *o;
    size_t qm_from;
    double comptol;
    uint64_t *tcnt;
} pt_par;

/* block b0 + rr of the round on thread tid: replicates, fits, counts (per thread: integer
   sums, the same for any thread count) */
static void pt_work(void *c, uint64_t rr, unsigned slot, int tid)
{
    const pt_par *q = c;
    (void)slot;
    size_t k = q->k, bs = q->bs;
    pt_ws *w = q->ws + tid;
    uint64_t blk = q->b0 + rr, first = blk * bs;
    size_t n = (size_t)((q->N - first) < bs ? (q->N - first) : bs);
    if (!q->r->exact) gsl_rng_set(w->rng, cmeta__seed_mix(q->o->seed, blk));
    for (size_t i = 0; i < n; i++) {
        make_replicate(q->r->exact, q->signflip, first + i, q->yi, q->vi, k,
                       q->labs ? q->labs + ((size_t)rr * bs + i) * k : NULL, q->grp_rows,
                       q->grp_start, w, w->Y + i * k, w->V + i * k);
    }
    cmeta__bfit_out fo = {0};
    fo.zval = w->z;
    fo.QM = w->QM;
    fo.ok = w->ok;
    cmeta__bfit(w->bf, n, w->Y, q->signflip ? NULL : w->V, q->vi, NULL, q->o->method, q->o->tol,
                q->o->maxiter, q->qm_from, &fo);
    count_block(w, n, q->p, q->r, q->comptol, q->tcnt + (size_t)tid * (q->p + 2));
}

/* cmeta_permtest's argument checks; *pp the number of coefficients. */
static cmeta_status check_args(const double *yi, const double *vi, size_t k, const double *X, size_t q,
                               int intercept, uint64_t iter, const cmeta_resample_opts *o, size_t *pp,
                               cmeta_error *err)
{
    if (!yi || !vi || (q > 0 && !X)) return cmeta_error_set(err, CMETA_EUSAGE, "permtest: missing argument");
    if (iter < 2) return cmeta_error_set(err, CMETA_EUSAGE, "permtest: iter must be > 1");
    switch (o->method) {
    case CMETA_METHOD_FE: case CMETA_METHOD_DL: case CMETA_METHOD_ML: case CMETA_METHOD_REML:
    case CMETA_METHOD_PM: case CMETA_METHOD_EB: break;
    default:
        return cmeta_error_set(err, CMETA_EUSAGE, "permtest: the method is not supported (use FE, DL, ML, REML, PM or EB)");
    }
    size_t p = q + (intercept ? 1 : 0);
    *pp = p;
    if (p == 0) return cmeta_error_set(err, CMETA_EUSAGE, "permtest: the model has no coefficients");
    if (p > 32) return cmeta_error_set(err, CMETA_EUSAGE, "permtest: at most 32 coefficients");
    if (k < p + 1) return cmeta_error_set(err, CMETA_EDATA, "permtest needs more studies than coefficients (got %zu stud%s for %zu coefficient%s)",
                                          k, k == 1 ? "y" : "ies", p, p == 1 ? "" : "s");
    return cmeta__check_yivi("permtest", yi, vi, k, X, q, err);
}

/* The T threads' workspaces (k studies, p coefficients, blocks of bs replicates); 0 when out of memory. */
static int ws_alloc(pt_ws *ws, int T, size_t k, size_t p, const double *Xd, size_t bs)
{
    for (int t = 0; t < T; t++) {
        pt_ws *w = ws + t;
        w->bf = cmeta__bfit_alloc(k, p, Xd, bs);
        w->Y = CMETA__NEW(double, bs * k);
        w->V = CMETA__NEW(double, bs * k);
        w->z = CMETA__NEW(double, bs * p);
        w->QM = CMETA__NEW(double, bs);
        w->ok = CMETA__NEW(int, bs);
        w->perm = CMETA__NEW(size_t, k);
        w->used = CMETA__NEW(size_t, k);
        w->rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (!w->bf || !w->Y || !w->V || !w->z || !w->QM || !w->ok || !w->perm || !w->used || !w->rng)
            return 0;
    }
    return 1;
}

/* The fit to the observed data (r->beta, zval, QM and QM_df), on workspace w. */
static cmeta_status observed_fit(pt_ws *w, const double *yi, const double *vi, size_t k, size_t p, size_t qm_from,
                                 const cmeta_resample_opts *o, cmeta_permtest_result *r, cmeta_error *err)
{
    memcpy(w->Y, yi, k * sizeof(double));
    cmeta__bfit_out fo = {0};
    fo.beta = r->beta;
    fo.zval = r->zval;
    fo.QM = &r->QM;
    fo.ok = w->ok;
    cmeta__bfit(w->bf, 1, w->Y, NULL, vi, NULL, o->method, o->tol, o->maxiter, qm_from, &fo);
    if (!w->ok[0]) return cmeta_error_set(err, CMETA_ENOCONV, "permtest: the model fit to the observed data failed");
    r->QM_df = (double)(p - qm_from);
    return CMETA_OK;
}

/* The first permutation in lexicographic order: lab0's labels sorted into lab. */
static void first_perm(int *lab, const int *lab0, size_t k)
{
    memcpy(lab, lab0, k * sizeof(int));
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && lab[j - 1] > lab[j]; j--) {
            int t = lab[j];
            lab[j] = lab[j - 1];
            lab[j - 1] = t;
        }
}

/* The replicates, in rounds of per_round blocks on T threads (pt_work), with exact permutations
 * (labs, as pr->labs) generated in sequence from lab before each round; polls the interrupt
 * flag and reports progress between rounds. */
static cmeta_status run_rounds(pt_par *pr, int T, uint64_t nblocks, uint64_t per_round, int *labs, int *lab,
                               cmeta_error *err)
{
    const cmeta_resample_opts *o = pr->o;
    const size_t k = pr->k, bs = pr->bs;
    const uint64_t N = pr->N;
    uint64_t done_n = 0;
    for (uint64_t b0 = 0; b0 < nblocks; b0 += per_round) {
        if (o->interrupt && *o->interrupt) return cmeta_error_set(err, CMETA_EINTR, "interrupted");
        int nb = (int)((nblocks - b0) < per_round ? (nblocks - b0) : per_round);
        if (labs) {
            /* the round's exact permutations, generated in sequence */
            for (int rr = 0; rr < nb; rr++) {
                uint64_t first = (b0 + (uint64_t)rr) * bs;
                size_t n = (size_t)((N - first) < bs ? (N - first) : bs);
                for (size_t i = 0; i < n; i++) {
                    memcpy(labs + ((size_t)rr * bs + i) * k, lab, k * sizeof(int));
                    next_perm(lab, k);
                }
            }
        }
        pr->b0 = b0;
        if (cmeta__par_run(T, (uint64_t)nb, 0, pt_work, NULL, pr, o->interrupt) != 0)
            return cmeta_error_set(err, CMETA_EINTR, "interrupted");
        done_n = (b0 + (uint64_t)nb) * bs < N ? (b0 + (uint64_t)nb) * bs : N;
        if (o->progress && o->progress(o->progress_ctx, (double)done_n, (double)N))
            return cmeta_error_set(err, CMETA_EINTR, "interrupted");
    }
    return CMETA_OK;
}

/* The p-values from the T threads' counts (tcnt), over the replicates whose fit succeeded. */
static void pvalues(cmeta_permtest_result *r, const uint64_t *tcnt, int T, size_t p, uint64_t *cnt, uint64_t N)
{
    for (int t = 0; t < T; t++) {
        const uint64_t *c = tcnt + (size_t)t * (p + 2);
        for (size_t a = 0; a <= p; a++) cnt[a] += c[a];
        r->failed += c[p + 1];
    }
    double used = (double)(N - r->failed);
    for (size_t a = 0; a < p; a++) r->pval[a] = used > 0 ? fmin(1.0, (double)cnt[a] / used) : NAN;
    r->QM_pval = used > 0 ? (double)cnt[p] / used : NAN;
}

cmeta_status cmeta_permtest(const double *yi, const double *vi, size_t k, const double *X,
                            size_t q, int intercept, uint64_t iter,
                            const cmeta_resample_opts *o, cmeta_permtest_result **out,
                            cmeta_error *err)
{
    cmeta_resample_opts def;
    if (!o) {
        cmeta_resample_opts_default(&def);
        o = &def;
    }
    *out = NULL;
    size_t p = 0;
    cmeta_status cst = check_args(yi, vi, k, X, q, intercept, iter, o, &p, err);
    if (cst != CMETA_OK) return cst;
    int signflip = q == 0;
    size_t qm_from = (intercept && p > 1) ? 1 : 0;
    cmeta_status st = CMETA_OK;
    double *Xd = CMETA__NEW(double, k * p);
    int *lab = CMETA__NEW(int, k), *lab0 = CMETA__NEW(int, k);
    size_t *grp_rows = CMETA__NEW(size_t, k), *grp_start = CMETA__NEW(size_t, k + 1);
    cmeta_permtest_result *r = cmeta_calloc(1, sizeof *r);
    size_t bs = o->block ? o->block : 256;
    int T = 1; /* decided once the run is known to be exact or not */
    pt_ws *ws = NULL;
    int *labs = NULL; /* exact permutations of a round: per_round*bs x k labels */
    uint64_t *cnt = NULL, *tcnt = NULL;
    if (!Xd || !lab || !lab0 || !grp_rows || !grp_start || !r) goto nomem;
    r->p = p;
    r->beta = CMETA__NEW(double, p);
    r->zval = CMETA__NEW(double, p);
    r->pval = CMETA__NEW(double, p);
    cnt = CMETA__NEW(uint64_t, p + 1);
    if (!r->beta || !r->zval || !r->pval || !cnt) goto nomem;
    for (size_t j = 0; j < k; j++) {
        size_t c = 0;
        if (intercept) Xd[j * p + c++] = 1.0;
        for (size_t a = 0; a < q; a++) Xd[j * p + c++] = X[j * q + a];
    }

    /* exact or not (metafor: 2^k sign vectors; k! / prod(n_g!) distinct permutations) */
    double nexact = exact_count(Xd, k, p, signflip, lab0, grp_rows, grp_start);
    r->exact = nexact <= (double)iter;
    uint64_t N = r->exact ? (uint64_t)nexact : iter;
    r->iter = N;

    /* Exact permutations of the design rows come in sequence (each from the one before), so
       those runs go in rounds of PT_ROUND_ORDERED blocks per thread, the round's permutations
       generated first; every other run needs nothing in order (a replicate comes from its index or its
       block's generator, and counting is exact integer addition), so its blocks run in rounds
       of up to PT_ROUND in one run of threads (cmeta__par_run), threaded from
       CMETA__THREADS_MIN_NS of estimated work. */
    int in_order = !signflip && r->exact;
    uint64_t nblocks = (N + bs - 1) / bs;
    T = cmeta__auto_threads(o->threads, (double)N, k,
                            o->method != CMETA_METHOD_FE && o->method != CMETA_METHOD_DL, nblocks);
    uint64_t per_round = in_order ? (uint64_t)T * PT_ROUND_ORDERED : PT_ROUND;
    ws = cmeta_calloc((size_t)T, sizeof *ws);
    tcnt = CMETA__NEW(uint64_t, (size_t)T * (p + 2)); /* per thread: p + 1 counts, failed */
    if (!ws || !tcnt || !ws_alloc(ws, T, k, p, Xd, bs)) goto nomem;
    if ((st = observed_fit(ws, yi, vi, k, p, qm_from, o, r, err)) != CMETA_OK) goto done;
    if (!signflip && r->exact) {
        labs = CMETA__NEW(int, (size_t)(per_round < nblocks ? per_round : nblocks) * bs * k);
        if (!labs) goto nomem;
        first_perm(lab, lab0, k);
    }
    const double comptol = sqrt(DBL_EPSILON);
    pt_par pr = {r, yi, vi, k, p, bs, N, 0, signflip, labs, grp_rows, grp_start, ws, o, qm_from,
                 comptol, tcnt};
    if ((st = run_rounds(&pr, T, nblocks, per_round, labs, lab, err)) != CMETA_OK) goto done;
    pvalues(r, tcnt, T, p, cnt, N);
    goto done;
nomem:
    st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
done:
    for (int t = 0; ws && t < T; t++) ws_free(ws + t);
    cmeta_free(ws);
    cmeta_free(labs);
    cmeta_free(cnt);
    cmeta_free(tcnt);
    cmeta_free(Xd);
    cmeta_free(lab);
    cmeta_free(lab0);
    cmeta_free(grp_rows);
    cmeta_free(grp_start);
    if (st == CMETA_OK) *out = r;
    else cmeta_permtest_free(r);
    return st;
}
