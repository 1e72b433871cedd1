/* test_resample.c - GOSH, permutation tests and the bootstrap against metafor 3.8 (fixtures
 * from tests/reference/make_resample_fixtures.R), the batched kernel against a plain
 * replicate-by-replicate loop, and independence of the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "cmeta/cmeta.h"
#include "batchfit.h"
#include "testutil.h"

/* ---- data ------------------------------------------------------------------------------ */

typedef struct {
    size_t k;
    double *yi, *vi, *ablat, *year;
} ds;

static ds load_ds(const char *rel)
{
    ds d = {0};
    tu_fixture *f = tu_fixture_load(rel);
    if (!f) return d;
    d.k = f->nrows;
    d.yi = tu_column(f, "yi");
    d.vi = tu_column(f, "vi");
    d.ablat = tu_column(f, "ablat");
    d.year = tu_column(f, "year");
    tu_fixture_free(f);
    return d;
}

static void free_ds(ds *d)
{
    free(d->yi);
    free(d->vi);
    free(d->ablat);
    free(d->year);
}

/* ---- GOSH ------------------------------------------------------------------------------- */

typedef struct {
    cmeta_gosh_row *rows; /* indexed by mask */
    size_t n, calls;
    uint64_t last_mask;
} gosh_sink;

static int gosh_collect(void *ctx, const cmeta_gosh_row *rows, size_t n)
{
    gosh_sink *s = ctx;
    for (size_t i = 0; i < n; i++) s->rows[rows[i].mask] = rows[i];
    s->n += n;
    s->calls++;
    return 0;
}

static void gosh_vs_metafor(cmeta_method m, size_t k, const char *fixture, double rtol, int threads)
{
    ds d = load_ds("tests/reference/resample/bcg.csv");
    CU_ASSERT_FATAL(d.k == 13);
    tu_fixture *f = tu_fixture_load(fixture);
    CU_ASSERT_FATAL(f != NULL);
    size_t N = ((size_t)1 << k) - 1;
    CU_ASSERT_EQUAL(f->nrows, N);
    gosh_sink s = {0};
    s.rows = calloc(N + 1, sizeof *s.rows);
    cmeta_resample_opts o;
    cmeta_resample_opts_default(&o);
    o.method = m;
    o.threads = threads;
    o.block = 1000; /* several blocks, restarts of the running sums inside the run */
    cmeta_gosh_summary sum;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh(d.yi, d.vi, k, 0, &o, gosh_collect, &s, &sum, &err), CMETA_OK);
    CU_ASSERT_EQUAL(s.n, N);
    CU_ASSERT_EQUAL(sum.subsets, N);
    CU_ASSERT_EQUAL(sum.exact, 1);
    CU_ASSERT_EQUAL(sum.failed, 0);
    int bad = 0;
    for (size_t r = 0; r < f->nrows; r++) {
        uint64_t mask = (uint64_t)tu_num(f, r, "mask");
        CU_ASSERT_FATAL(mask >= 1 && mask <= N);
        const cmeta_gosh_row *g = &s.rows[mask];
        if (g->mask != mask) { bad++; continue; }
        CU_ASSERT_EQUAL(g->k, (int)tu_num(f, r, "k"));
        /* Q, I2 near 0 are differences of large sums: absolute tolerance scaled to Q's terms */
        TU_ASSERT_CLOSE(g->estimate, tu_num(f, r, "estimate"), rtol, 1e-12, "estimate");
        TU_ASSERT_CLOSE(g->Q, tu_num(f, r, "Q"), rtol, 1e-10, "Q");
        TU_ASSERT_CLOSE(g->I2, tu_num(f, r, "I2"), rtol, 1e-6, "I2"); /* percent */
        TU_ASSERT_CLOSE(g->H2, tu_num(f, r, "H2"), rtol, 1e-10, "H2");
        TU_ASSERT_CLOSE(g->tau2, tu_num(f, r, "tau2"), rtol, 1e-10, "tau2");
    }
    CU_ASSERT_EQUAL(bad, 0);
    free(s.rows);
    tu_fixture_free(f);
    free_ds(&d);
}

static void test_gosh_fe(void) { gosh_vs_metafor(CMETA_METHOD_FE, 13, "tests/reference/resample/gosh_bcg_fe.csv", 1e-8, 1); }
static void test_gosh_dl(void) { gosh_vs_metafor(CMETA_METHOD_DL, 13, "tests/reference/resample/gosh_bcg_dl.csv", 1e-8, 2); }
static void test_gosh_reml(void) { gosh_vs_metafor(CMETA_METHOD_REML, 9, "tests/reference/resample/gosh_bcg9_reml.csv", 1e-6, 2); }

/* Random subsets: same seed -> same rows with 1 or 2 threads; sizes follow dbinom(m, k, 1/2). */
typedef struct {
    cmeta_gosh_row *rows;
    size_t n, cap;
} gosh_list;

static int gosh_append(void *ctx, const cmeta_gosh_row *rows, size_t n)
{
    gosh_list *l = ctx;
    if (l->n + n > l->cap) return 1;
    memcpy(l->rows + l->n, rows, n * sizeof *rows);
    l->n += n;
    return 0;
}

static void run_random_gosh(const ds *d, cmeta_method m, int threads, size_t N, gosh_list *l)
{
    cmeta_resample_opts o;
    cmeta_resample_opts_default(&o);
    o.method = m;
    o.threads = threads;
    o.seed = 42;
    o.block = 300;
    l->cap = N;
    l->n = 0;
    l->rows = calloc(N, sizeof *l->rows);
    cmeta_gosh_summary sum;
    cmeta_error err;
    CU_ASSERT_EQUAL(cmeta_gosh(d->yi, d->vi, d->k, N, &o, gosh_append, l, &sum, &err), CMETA_OK);
    CU_ASSERT_EQUAL(sum.exact, 0);
    CU_ASSERT_EQUAL(l->n, N);
}

static void test_gosh_random_threads(void)
{
    ds d = load_ds("tests/reference/resample/bcg.csv");
    cmeta_method ms[] = {CMETA_METHOD_DL, CMETA_METHOD_REML};
    for (int mi = 0; mi < 2; mi++) {
        gosh_list a, b;
        size_t N = 3000;
        run_random_gosh(&d, ms[mi], 1, N, &a);
        run_random_gosh(&d, ms[mi], 2, N, &b);
        CU_ASSERT(memcmp(a.rows, b.rows, N * sizeof *a.rows) == 0);
        /* mean subset size k/2 = 6.5, sd sqrt(13)/2 / sqrt(N) */
        double mk = 0;
        for (size_t i = 0; i < N; i++) mk += a.rows[i].k;
        mk /= (double)N;
        CU_ASSERT(fabs(mk - 6.5) < 4 * sqrt(13.0) / 2 / sqrt((double)N));
        /* each random row equals the exact computation of its subset */
        gosh_sink s = {0};
        s.rows = calloc(1u << 13, sizeof *s.rows);
        cmeta_resample_opts o;
        cmeta_resample_opts_default(&o);
        o.method = ms[mi];
        cmeta_gosh_summary sum;
        CU_ASSERT_EQUAL(cmeta_gosh(d.yi, d.vi, 13, 0, &o, gosh_collect, &s, &sum, NULL), CMETA_OK);
        for (size_t i = 0; i < N; i++) {
            const cmeta_gosh_row *x = &a.rows[i], *y = &s.rows[x->mask];
            TU_ASSERT_CLOSE(x->estimate, y->estimate, 1e-9, 1e-12, "random subset estimate");
            TU_ASSERT_CLOSE(x->tau2, y->tau2, 1e-7, 1e-12, "random subset tau2");
        }
        free(s.rows);
        free(a.rows);
        free(b.rows);
    }
    free_ds(&d);
}

static int count_rows(void *ctx, const cmeta_gosh_row *rows, size_t n)
{
    (void)rows;
    *(uint64_t *)ctx += n;
    return 0;
}

/* Summary only (no callback: one parallel region) gives the summary of a run with a
 * callback bit for bit, with 1 or 2 threads, exact and random, FE/DL/REML, with block sizes
 * that leave a short last block. */
static void test_gosh_summary_only(void)
{
    ds d = load_ds("tests/reference/resample/bcg.csv");
    cmeta_method ms[] = {CMETA_METHOD_FE, CMETA_METHOD_DL, CMETA_METHOD_REML};
    uint64_t subsets[] = {0, 3000};
    for (size_t mi = 0; mi < 3; mi++)
        for (size_t si = 0; si < 2; si++) {
            cmeta_resample_opts o;
            cmeta_resample_opts_default(&o);
            o.method = ms[mi];
            o.seed = 17;
            o.block = 300;
            o.threads = 1;
            cmeta_gosh_summary ref, x;
            uint64_t n = 0;
            CU_ASSERT_EQUAL_FATAL(cmeta_gosh(d.yi, d.vi, d.k, subsets[si], &o, count_rows, &n, &ref, NULL), CMETA_OK);
            CU_ASSERT_EQUAL(n, ref.subsets);
            for (int T = 1; T <= 2; T++) {
                o.threads = T;
                memset(&x, 0xff, sizeof x);
                CU_ASSERT_EQUAL_FATAL(cmeta_gosh(d.yi, d.vi, d.k, subsets[si], &o, NULL, NULL, &x, NULL), CMETA_OK);
                CU_ASSERT(memcmp(&x, &ref, sizeof x) == 0);
            }
        }
    free_ds(&d);
}

static int stop_after_first(void *ctx, const cmeta_gosh_row *rows, size_t n)
{
    (void)rows;
    (void)n;
    (*(int *)ctx)++;
    return 1;
}

static void test_gosh_interrupt(void)
{
    ds d = load_ds("tests/reference/resample/bcg.csv");
    volatile sig_atomic_t flag = 1;
    cmeta_resample_opts o;
    cmeta_resample_opts_default(&o);
    o.method = CMETA_METHOD_DL;
    o.interrupt = &flag;
    int calls = 0;
    cmeta_gosh_summary sum;
    cmeta_error err;
    CU_ASSERT_EQUAL(cmeta_gosh(d.yi, d.vi, d.k, 0, &o, stop_after_first, &calls, &sum, &err), CMETA_EINTR);
    CU_ASSERT_EQUAL(calls, 0);
    flag = 0;
    CU_ASSERT_EQUAL(cmeta_gosh(d.yi, d.vi, d.k, 0, &o, stop_after_first, &calls, &sum, &err), CMETA_EINTR);
    CU_ASSERT_EQUAL(calls, 1);
    CU_ASSERT_EQUAL(cmeta_gosh(d.yi, d.vi, 1, 0, &o, stop_after_first, &calls, &sum, &err), CMETA_EDATA);
    free_ds(&d);
}

/* ---- permutation tests ------------------------------------------------------------------- */

typedef struct {
    const char *name;
    cmeta_method m;
    size_t k, q; /* q: 0, 1 (ablat), 2 (ablat, year) */
} pt_case;

static double *mods(const ds *d, size_t k, size_t q)
{
    double *X = calloc(k * (q ? q : 1), sizeof *X);
    for (size_t j = 0; j < k; j++) {
        if (q >= 1) X[j * q] = d->ablat[j];
        if (q >= 2) X[j * q + 1] = d->year[j];
    }
    return X;
}

static void test_permtest_exact(void)
{
    ds d = load_ds("tests/reference/resample/bcg.csv");
    tu_fixture *f = tu_fixture_load("tests/reference/resample/permtest_exact.csv");
    CU_ASSERT_FATAL(f != NULL);
    pt_case cs[] = {{"int_fe", CMETA_METHOD_FE, 10, 0},   {"int_dl", CMETA_METHOD_DL, 10, 0},
                    {"int_reml", CMETA_METHOD_REML, 10, 0}, {"mod1_dl", CMETA_METHOD_DL, 7, 1},
                    {"mod2_reml", CMETA_METHOD_REML, 6, 2}, {"mod2_fe", CMETA_METHOD_FE, 7, 2}};
    int seen = 0;
    for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++) {
        double *X = mods(&d, cs[c].k, cs[c].q);
        for (int threads = 1; threads <= 2; threads++) {
            cmeta_resample_opts o;
            cmeta_resample_opts_default(&o);
            o.method = cs[c].m;
            o.threads = threads;
            o.block = 100;
            cmeta_permtest_result *r = NULL;
            cmeta_error err;
            CU_ASSERT_EQUAL_FATAL(cmeta_permtest(d.yi, d.vi, cs[c].k, X, cs[c].q, 1, 1000000, &o, &r, &err), CMETA_OK);
            CU_ASSERT_EQUAL(r->exact, 1);
            CU_ASSERT_EQUAL(r->failed, 0);
            double rtol = cs[c].m == CMETA_METHOD_REML ? 1e-6 : 1e-8;
            for (size_t row = 0; row < f->nrows; row++) {
                if (strncmp(tu_str(f, row, "case"), cs[c].name, strlen(cs[c].name)) ||
                    tu_str(f, row, "case")[strlen(cs[c].name)] > ' ')
                    continue;
                size_t a = (size_t)tu_num(f, row, "coef") - 1;
                CU_ASSERT_FATAL(a < r->p);
                TU_ASSERT_CLOSE(r->zval[a], tu_num(f, row, "zval"), rtol, 0, "observed z");
                TU_ASSERT_CLOSE(r->beta[a], tu_num(f, row, "beta"), rtol, 1e-12, "observed beta");
                TU_ASSERT_CLOSE(r->QM, tu_num(f, row, "QM"), rtol, 0, "observed QM");
                TU_ASSERT_CLOSE(r->pval[a], tu_num(f, row, "pval"), 1e-12, 0, "exact pval");
                TU_ASSERT_CLOSE(r->QM_pval, tu_num(f, row, "QMp"), 1e-12, 0, "exact QM pval");
                seen++;
            }
            cmeta_permtest_free(r);
        }
        free(X);
    }
    CU_ASSERT_EQUAL(seen, 2 * 11);
    tu_fixture_free(f);
    free_ds(&d);
}

/* Monte Carlo mode: within 4 Monte Carlo standard errors of metafor's (20000 iterations). */
static void test_permtest_mc(void)
{
    ds d = load_ds("tests/reference/resample/bcg.csv");
    tu_fixture *f = tu_fixture_load("tests/reference/resample/permtest_mc_bcg_reml.csv");
    CU_ASSERT_FATAL(f != NULL);
    double *X = mods(&d, d.k, 1);
    cmeta_resample_opts o;
    cmeta_resample_opts_default(&o);
    o.seed = 7;
    cmeta_permtest_result *r = NULL, *r2 = NULL;
    uint64_t B = 20000;
    CU_ASSERT_EQUAL_FATAL(cmeta_permtest(d.yi, d.vi, d.k, X, 1, 1, B, &o, &r, NULL), CMETA_OK);
    CU_ASSERT_EQUAL(r->exact, 0);
    CU_ASSERT_EQUAL(r->iter, B);
    for (size_t a = 0; a < 2; a++) {
        double pr = tu_num(f, a, "pval"), pc = r->pval[a];
        double se = sqrt(fmax(pr * (1 - pr), 1e-4) * 2.0 / (double)B);
        CU_ASSERT(fabs(pc - pr) < 4 * se);
    }
    double pr = tu_num(f, 0, "QMp");
    CU_ASSERT(fabs(r->QM_pval - pr) < 4 * sqrt(fmax(pr * (1 - pr), 1e-4) * 2.0 / (double)B));
    /* thread count does not change anything */
    o.threads = 2;
    CU_ASSERT_EQUAL_FATAL(cmeta_permtest(d.yi, d.vi, d.k, X, 1, 1, B, &o, &r2, NULL), CMETA_OK);
    CU_ASSERT(memcmp(r->pval, r2->pval, 2 * sizeof(double)) == 0);
    CU_ASSERT_EQUAL(r->QM_pval, r2->QM_pval);
    cmeta_permtest_free(r);
    cmeta_permtest_free(r2);
    /* sign flips, random mode, different seeds give different but close answers */
    o.threads = 1;
    CU_ASSERT_EQUAL_FATAL(cmeta_permtest(d.yi, d.vi, d.k, NULL, 0, 1, 5000, &o, &r, NULL), CMETA_OK);
    o.seed = 8;
    CU_ASSERT_EQUAL_FATAL(cmeta_permtest(d.yi, d.vi, d.k, NULL, 0, 1, 5000, &o, &r2, NULL), CMETA_OK);
    CU_ASSERT_EQUAL(r->exact, 0);
    CU_ASSERT(r->pval[0] >= 1.0 / 5000);  /* the observed replicate counts itself */
    CU_ASSERT(fabs(r->pval[0] - r2->pval[0]) < 0.02);
    cmeta_permtest_free(r);
    cmeta_permtest_free(r2);
    free(X);
    tu_fixture_free(f);
    free_ds(&d);
}

/* ---- bootstrap ----------------------------------------------------------------------------- */

static void test_boot_normand(void)
{
    ds d = load_ds("tests/reference/resample/normand.csv");
    tu_fixture *f = tu_fixture_load("tests/reference/resample/boot_normand_reml.csv");
    CU_ASSERT_FATAL(f != NULL && d.k == 9);
    cmeta_resample_opts o;
    cmeta_resample_opts_default(&o);
    o.seed = 99;
    cmeta_boot_result r, r2;
    uint64_t B = 20000;
    CU_ASSERT_EQUAL_FATAL(cmeta_boot(d.yi, d.vi, d.k, CMETA_BOOT_NONPARAMETRIC, B, 95, &o, &r, NULL), CMETA_OK);
    CU_ASSERT_EQUAL(r.iter, B);
    CU_ASSERT(r.failed < B / 100);
    const cmeta_boot_stat *st[3] = {&r.estimate, &r.tau2, &r.I2};
    double BR = tu_num(f, 0, "iter");
    for (size_t s = 0; s < 3; s++) {
        TU_ASSERT_CLOSE(st[s]->t0, tu_num(f, s, "t0"), 1e-6, 1e-9, "observed statistic");
        double se = tu_num(f, s, "se");
        /* Monte Carlo error of both runs; quantiles ~2.5x the error of the mean */
        double mc = se * sqrt(1.0 / BR + 1.0 / (double)B);
        CU_ASSERT(fabs(st[s]->mean - tu_num(f, s, "mean")) < 4 * mc);
        CU_ASSERT(fabs(st[s]->se - se) < 4 * mc);
        CU_ASSERT(fabs(st[s]->perc_lb - tu_num(f, s, "perc_lb")) < 10 * mc);
        CU_ASSERT(fabs(st[s]->perc_ub - tu_num(f, s, "perc_ub")) < 10 * mc);
        CU_ASSERT(fabs(st[s]->bca_lb - tu_num(f, s, "bca_lb")) < 12 * mc);
        CU_ASSERT(fabs(st[s]->bca_ub - tu_num(f, s, "bca_ub")) < 12 * mc);
    }
    /* same seed, 2 threads: identical */
    o.threads = 2;
    CU_ASSERT_EQUAL_FATAL(cmeta_boot(d.yi, d.vi, d.k, CMETA_BOOT_NONPARAMETRIC, B, 95, &o, &r2, NULL), CMETA_OK);
    CU_ASSERT(memcmp(&r, &r2, sizeof r) == 0);
    /* parametric: percentile only */
    CU_ASSERT_EQUAL_FATAL(cmeta_boot(d.yi, d.vi, d.k, CMETA_BOOT_PARAMETRIC, 2000, 95, &o, &r2, NULL), CMETA_OK);
    CU_ASSERT(isnan(r2.estimate.bca_lb));
    CU_ASSERT(r2.estimate.perc_lb < r2.estimate.t0 && r2.estimate.t0 < r2.estimate.perc_ub);
    /* parametric estimate sd close to sqrt(1 / sum 1/(vi + tau2)) */
    double sw = 0;
    for (size_t j = 0; j < d.k; j++) sw += 1.0 / (d.vi[j] + r2.tau2.t0);
    CU_ASSERT(fabs(r2.estimate.se / sqrt(1.0 / sw) - 1) < 0.15);
    tu_fixture_free(f);
    free_ds(&d);
}

/* The batched kernel against a plain loop: every replicate of a block refitted alone
 * (B = 1), for each estimator, with multiplicities and with permuted rows. Each row's
 * arithmetic is its own (p = 1 row sums, p > 1 cmeta__gemm_rm), so alone or in a block of 37
 * a replicate gets the same bits. */
static void test_kernel_vs_loop(void)
{
    ds d = load_ds("tests/reference/resample/bcg.csv");
    size_t k = d.k, B = 37, p = 3;
    double *X = calloc(k * p, sizeof *X), *Y = calloc(B * k, sizeof *Y), *V = calloc(B * k, sizeof *V),
           *C = calloc(B * k, sizeof *C);
    for (size_t j = 0; j < k; j++) {
        X[j * p] = 1;
        X[j * p + 1] = d.ablat[j];
        X[j * p + 2] = d.year[j] - 1960;
    }
    unsigned s = 12345;
    for (size_t b = 0; b < B; b++)
        for (size_t j = 0; j < k; j++) {
            s = s * 1103515245u + 12345u;
            size_t src = (s >> 8) % k;
            Y[b * k + j] = d.yi[src];
            V[b * k + j] = d.vi[src];
            C[b * k + j] = (double)((s >> 20) % 3);
        }
    cmeta_method ms[] = {CMETA_METHOD_FE, CMETA_METHOD_DL, CMETA_METHOD_ML, CMETA_METHOD_REML, CMETA_METHOD_PM};
    for (size_t pi = 1; pi <= p; pi += 2) {
        cmeta__bfit_ws *wb = cmeta__bfit_alloc(k, pi, pi == 1 ? NULL : X, B);
        cmeta__bfit_ws *w1 = cmeta__bfit_alloc(k, pi, pi == 1 ? NULL : X, 1);
        CU_ASSERT_FATAL(wb && w1);
        for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; mi++) {
            double beta[37 * 3], z[37 * 3], QM[37], tau2[37], I2[37], Q[37];
            int ok[37];
            cmeta__bfit_out ob = {beta, NULL, z, QM, Q, tau2, I2, NULL, NULL, ok};
            /* p = 3 with multiplicities 0..2 could drop below 3 distinct rows: no C then */
            const double *Cb = pi == 1 ? C : NULL;
            cmeta__bfit(wb, B, Y, V, NULL, Cb, ms[mi], 1e-12, 1000, pi > 1 ? 1 : 0, &ob);
            for (size_t b = 0; b < B; b++) {
                double be1[3], z1[3], qm1, t1, i1, q1;
                int ok1;
                cmeta__bfit_out o1 = {be1, NULL, z1, &qm1, &q1, &t1, &i1, NULL, NULL, &ok1};
                cmeta__bfit(w1, 1, Y + b * k, V + b * k, NULL, Cb ? Cb + b * k : NULL, ms[mi], 1e-12,
                            1000, pi > 1 ? 1 : 0, &o1);
                CU_ASSERT_EQUAL(ok[b], ok1);
                if (!ok1) continue;
                CU_ASSERT(memcmp(beta + b * pi, be1, pi * sizeof be1[0]) == 0 && tau2[b] == t1 && Q[b] == q1 &&
                          (QM[b] == qm1 || (isnan(QM[b]) && isnan(qm1))));
                for (size_t a = 0; a < pi; a++) {
                    TU_ASSERT_CLOSE(beta[b * pi + a], be1[a], 1e-9, 1e-12, "batched beta");
                    TU_ASSERT_CLOSE(z[b * pi + a], z1[a], 1e-9, 1e-12, "batched z");
                }
                TU_ASSERT_CLOSE(QM[b], qm1, 1e-9, 1e-12, "batched QM");
                TU_ASSERT_CLOSE(tau2[b], t1, 1e-9, 1e-12, "batched tau2");
                TU_ASSERT_CLOSE(I2[b], i1, 1e-9, 1e-10, "batched I2");
                TU_ASSERT_CLOSE(Q[b], q1, 1e-9, 1e-12, "batched Q");
                /* hand-checked intercept-only FE/DL against the closed forms */
                if (pi == 1 && ms[mi] <= CMETA_METHOD_DL) {
                    double a0 = 0, a1 = 0, a2 = 0, s2 = 0, m = 0;
                    for (size_t j = 0; j < k; j++) {
                        double c = C[b * k + j], w = c / V[b * k + j];
                        a0 += w;
                        a1 += w * Y[b * k + j];
                        a2 += w * Y[b * k + j] * Y[b * k + j];
                        s2 += c / (V[b * k + j] * V[b * k + j]);
                        m += c;
                    }
                    double q = a2 - a1 * a1 / a0, t = 0;
                    if (ms[mi] == CMETA_METHOD_DL && m > 1) t = fmax(0, (q - (m - 1)) / (a0 - s2 / a0));
                    double e0 = 0, e1 = 0;
                    for (size_t j = 0; j < k; j++) {
                        double w = C[b * k + j] / (V[b * k + j] + t);
                        e0 += w;
                        e1 += w * Y[b * k + j];
                    }
                    TU_ASSERT_CLOSE(Q[b], q, 1e-9, 1e-9, "closed-form Q");
                    TU_ASSERT_CLOSE(tau2[b], t, 1e-9, 1e-12, "closed-form DL tau2");
                    TU_ASSERT_CLOSE(beta[b], e1 / e0, 1e-9, 1e-12, "closed-form estimate");
                }
            }
        }
        cmeta__bfit_free(wb);
        cmeta__bfit_free(w1);
    }
    free(X);
    free(Y);
    free(V);
    free(C);
    free_ds(&d);
}

/* The kernel against cmeta_rma (the one-replicate-at-a-time reference): permuted designs with
 * two moderators, sign flips, and bootstrap samples written out as repeated rows. */
static void test_kernel_vs_rma(void)
{
    ds d = load_ds("tests/reference/resample/bcg.csv");
    size_t k = d.k, B = 12, q = 2, p = 3;
    double *X = calloc(k * p, sizeof *X), *Y = calloc(B * k, sizeof *Y), *V = calloc(B * k, sizeof *V);
    double *C = calloc(B * k, sizeof *C), *Xq = calloc(k * q, sizeof *Xq), *yy = calloc(3 * k, sizeof *yy),
           *vv = calloc(3 * k, sizeof *vv);
    for (size_t j = 0; j < k; j++) {
        X[j * p] = 1;
        X[j * p + 1] = Xq[j * q] = d.ablat[j];
        X[j * p + 2] = Xq[j * q + 1] = d.year[j];
    }
    unsigned s = 777;
    cmeta_method ms[] = {CMETA_METHOD_FE, CMETA_METHOD_DL, CMETA_METHOD_ML, CMETA_METHOD_REML, CMETA_METHOD_PM};
    for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; mi++) {
        cmeta_fit_opts fo;
        cmeta_fit_opts_default(&fo);
        fo.method = ms[mi];
        fo.tol = 1e-12;
        fo.no_ci_tau2 = 1;
        /* (1) permutations of (y, v) against the fixed design, p = 3 */
        cmeta__bfit_ws *w = cmeta__bfit_alloc(k, p, X, B);
        for (size_t b = 0; b < B; b++) {
            size_t pi[13];
            for (size_t j = 0; j < k; j++) pi[j] = j;
            for (size_t j = k - 1; j > 0; j--) {
                s = s * 1103515245u + 12345u;
                size_t r = (s >> 8) % (j + 1), t = pi[j];
                pi[j] = pi[r];
                pi[r] = t;
            }
            for (size_t j = 0; j < k; j++) {
                Y[b * k + j] = d.yi[pi[j]];
                V[b * k + j] = d.vi[pi[j]];
            }
        }
        double beta[12 * 3], z[12 * 3], QM[12], tau2[12], I2[12], Q[12];
        int ok[12];
        cmeta__bfit_out ob = {beta, NULL, z, QM, Q, tau2, I2, NULL, NULL, ok};
        cmeta__bfit(w, B, Y, V, NULL, NULL, ms[mi], 1e-12, 1000, 1, &ob);
        for (size_t b = 0; b < B; b++) {
            cmeta_fit *f = NULL;
            cmeta_error err;
            CU_ASSERT_EQUAL_FATAL(cmeta_rma(Y + b * k, V + b * k, k, Xq, q, &fo, &f, NULL, &err), CMETA_OK);
            CU_ASSERT(ok[b]);
            for (size_t a = 0; a < p; a++) {
                TU_ASSERT_CLOSE(beta[b * p + a], f->beta[a], 1e-7, 1e-10, "perm beta vs cmeta_rma");
                TU_ASSERT_CLOSE(z[b * p + a], f->stat[a], 1e-7, 1e-10, "perm z vs cmeta_rma");
            }
            TU_ASSERT_CLOSE(QM[b], f->QM, 1e-7, 1e-10, "perm QM vs cmeta_rma");
            TU_ASSERT_CLOSE(tau2[b], f->tau2, 1e-7, 1e-10, "perm tau2 vs cmeta_rma");
            TU_ASSERT_CLOSE(Q[b], f->Q, 1e-9, 1e-10, "perm QE vs cmeta_rma");
            TU_ASSERT_CLOSE(I2[b], f->I2, 1e-7, 1e-8, "perm I2 vs cmeta_rma");
            cmeta_fit_free(f);
        }
        cmeta__bfit_free(w);
        /* (2) intercept only: sign flips and bootstrap multiplicities */
        w = cmeta__bfit_alloc(k, 1, NULL, B);
        for (size_t b = 0; b < B; b++)
            for (size_t j = 0; j < k; j++) {
                s = s * 1103515245u + 12345u;
                Y[b * k + j] = ((s >> 16) & 1) ? -d.yi[j] : d.yi[j];
                C[b * k + j] = 0;
            }
        for (size_t b = 0; b < B; b++)
            for (size_t j = 0; j < k; j++) {
                s = s * 1103515245u + 12345u;
                C[b * k + (s >> 8) % k] += 1;
            }
        for (int mode = 0; mode < 2; mode++) {
            cmeta__bfit_out o1 = {beta, NULL, z, QM, Q, tau2, I2, NULL, NULL, ok};
            if (mode == 0) cmeta__bfit(w, B, Y, NULL, d.vi, NULL, ms[mi], 1e-12, 1000, 0, &o1);
            else {
                for (size_t b = 0; b < B; b++) memcpy(Y + b * k, d.yi, k * sizeof(double));
                cmeta__bfit(w, B, Y, NULL, d.vi, C, ms[mi], 1e-12, 1000, 0, &o1);
            }
            for (size_t b = 0; b < B; b++) {
                size_t n = 0;
                for (size_t j = 0; j < k; j++) {
                    size_t c = mode ? (size_t)C[b * k + j] : 1;
                    for (size_t r = 0; r < c; r++) {
                        yy[n] = Y[b * k + j];
                        vv[n++] = d.vi[j];
                    }
                }
                cmeta_fit *f = NULL;
                CU_ASSERT_EQUAL_FATAL(cmeta_rma(yy, vv, n, NULL, 0, &fo, &f, NULL, NULL), CMETA_OK);
                TU_ASSERT_CLOSE(beta[b], f->beta[0], 1e-7, 1e-10, "int-only beta vs cmeta_rma");
                TU_ASSERT_CLOSE(z[b], f->stat[0], 1e-7, 1e-10, "int-only z vs cmeta_rma");
                TU_ASSERT_CLOSE(tau2[b], f->tau2, 1e-7, 1e-10, "int-only tau2 vs cmeta_rma");
                TU_ASSERT_CLOSE(Q[b], f->Q, 1e-9, 1e-10, "int-only Q vs cmeta_rma");
                TU_ASSERT_CLOSE(I2[b], f->I2, 1e-7, 1e-8, "int-only I2 vs cmeta_rma");
                cmeta_fit_free(f);
            }
        }
        cmeta__bfit_free(w);
    }
    free(X); free(Y); free(V); free(C); free(Xq); free(yy); free(vv);
    free_ds(&d);
}

/* ---- registration ------------------------------------------------------------------------- */

/* Where the ML/REML likelihood has more than one maximum the kernel must find metafor's
 * (Fisher scoring from max(0, HE), step halving, ll0check): three data sets and metafor's
 * answers (tests/reference/make_resample_fixtures.R). Each set is fitted alone and as three
 * copies inside a block of other replicates (the compaction of converged rows). */
static void test_kernel_multimodal(void)
{
    tu_fixture *f = tu_fixture_load("tests/reference/resample/multimodal.csv");
    tu_fixture *r = tu_fixture_load("tests/reference/resample/multimodal_ref.csv");
    CU_ASSERT_FATAL(f && r && r->nrows == 6);
    for (size_t c = 0; c < r->nrows; c++) {
        const char *set = tu_str(r, c, "set");
        cmeta_method m = strcmp(tu_str(r, c, "method"), "ML") == 0 ? CMETA_METHOD_ML : CMETA_METHOD_REML;
        double y[32], v[32];
        size_t k = 0;
        for (size_t i = 0; i < f->nrows; i++)
            if (strcmp(tu_str(f, i, "set"), set) == 0) {
                y[k] = tu_num(f, i, "yi");
                v[k++] = tu_num(f, i, "vi");
            }
        CU_ASSERT_FATAL(k > 2 && k <= 32);
        /* a block of 7: the set in rows 1, 3 and 6, sign-flipped copies elsewhere */
        size_t B = 7;
        double Y[7 * 32], V[7 * 32], be[7], se[7], t2[7], i2[7], q[7];
        int ok[7];
        for (size_t b = 0; b < B; b++)
            for (size_t j = 0; j < k; j++) {
                int same = b == 1 || b == 3 || b == 6;
                Y[b * k + j] = same ? y[j] : ((b + j) % 2 ? -y[j] : y[j]);
                V[b * k + j] = v[j];
            }
        for (int pass = 0; pass < 2; pass++) {
            size_t nb = pass ? B : 1;
            cmeta__bfit_ws *w = cmeta__bfit_alloc(k, 1, NULL, nb);
            CU_ASSERT_FATAL(w != NULL);
            cmeta__bfit_out o = {be, se, NULL, NULL, q, t2, i2, NULL, NULL, ok};
            cmeta__bfit(w, nb, pass ? Y : y, pass ? V : NULL, v, NULL, m, 1e-10, 1000, 0, &o);
            for (size_t b = 0; b < nb; b++) {
                if (pass && !(b == 1 || b == 3 || b == 6)) continue;
                CU_ASSERT(ok[b]);
                double rt = tu_num(r, c, "tau2");
                if (rt == 0) CU_ASSERT_EQUAL(t2[b], 0.0); /* the boundary is exact */
                TU_ASSERT_CLOSE(t2[b], rt, 1e-6, 1e-10, "multimodal tau2");
                TU_ASSERT_CLOSE(be[b], tu_num(r, c, "beta"), 1e-6, 1e-10, "multimodal beta");
                TU_ASSERT_CLOSE(se[b], tu_num(r, c, "se"), 1e-6, 1e-10, "multimodal se");
                TU_ASSERT_CLOSE(i2[b], tu_num(r, c, "I2"), 1e-6, 1e-8, "multimodal I2");
                TU_ASSERT_CLOSE(q[b], tu_num(r, c, "QE"), 1e-9, 1e-10, "multimodal Q");
            }
            cmeta__bfit_free(w);
        }
    }
    tu_fixture_free(f);
    tu_fixture_free(r);
}

/* Intercept-only fits (bootstrap, GOSH, sign flips) give the same bits for a replicate
 * whatever block it is in and whatever slot it has while the block iterates. */
static void test_kernel_p1_bitwise(void)
{
    ds d = load_ds("tests/reference/resample/bcg.csv");
    size_t k = d.k, B = 64;
    double *C = calloc(B * k, sizeof *C), *Y = calloc(B * k, sizeof *Y);
    unsigned s = 99;
    for (size_t b = 0; b < B; b++) {
        memcpy(Y + b * k, d.yi, k * sizeof(double));
        for (size_t j = 0; j < k; j++) {
            s = s * 1103515245u + 12345u;
            C[b * k + (s >> 8) % k] += 1;
        }
    }
    cmeta_method ms[] = {CMETA_METHOD_DL, CMETA_METHOD_ML, CMETA_METHOD_REML, CMETA_METHOD_PM};
    for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; mi++) {
        cmeta__bfit_ws *wb = cmeta__bfit_alloc(k, 1, NULL, B), *w1 = cmeta__bfit_alloc(k, 1, NULL, 1);
        double be[64], t2[64], i2[64], b1, t1, j1;
        int ok[64], ok1;
        cmeta__bfit_out ob = {be, NULL, NULL, NULL, NULL, t2, i2, NULL, NULL, ok};
        cmeta__bfit(wb, B, Y, NULL, d.vi, C, ms[mi], 1e-10, 1000, 0, &ob);
        int same = 1;
        for (size_t b = 0; b < B; b++) {
            cmeta__bfit_out o1 = {&b1, NULL, NULL, NULL, NULL, &t1, &j1, NULL, NULL, &ok1};
            cmeta__bfit(w1, 1, Y + b * k, NULL, d.vi, C + b * k, ms[mi], 1e-10, 1000, 0, &o1);
            same &= ok1 == ok[b] && memcmp(&b1, be + b, sizeof b1) == 0 &&
                    memcmp(&t1, t2 + b, sizeof t1) == 0 && memcmp(&j1, i2 + b, sizeof j1) == 0;
        }
        CU_ASSERT(same);
        cmeta__bfit_free(wb);
        cmeta__bfit_free(w1);
    }
    free(C);
    free(Y);
    free_ds(&d);
}

/* Weights that overflow (vi = 1e-300) make a fit fail (ok = 0, NaN out), in the batched
 * kernel and in GOSH's FE/DL path alike; the replicates beside it are unaffected. */
static void test_kernel_overflow(void)
{
    double y[4] = {1e300, -1e300, 5, 0}, v[4] = {1e-300, 1e-300, 1e300, 1};
    double Y[8] = {1e300, -1e300, 5, 0, 1, 2, 3, 4};
    cmeta_method ms[] = {CMETA_METHOD_FE, CMETA_METHOD_DL, CMETA_METHOD_REML, CMETA_METHOD_PM};
    for (size_t mi = 0; mi < 4; mi++) {
        double V[8] = {1e-300, 1e-300, 1e300, 1, 1, 1, 1, 1}, be[2], t2[2], i2[2];
        int ok[2];
        cmeta__bfit_ws *w = cmeta__bfit_alloc(4, 1, NULL, 2);
        cmeta__bfit_out o = {be, NULL, NULL, NULL, NULL, t2, i2, NULL, NULL, ok};
        cmeta__bfit(w, 2, Y, V, NULL, NULL, ms[mi], 1e-10, 1000, 0, &o);
        CU_ASSERT(ok[0] == 0 && isnan(be[0]) && isnan(t2[0]));
        CU_ASSERT(ok[1] == 1 && isfinite(be[1]));
        cmeta__bfit_free(w);
    }
    /* GOSH: only the subsets holding study 1 or 2 fail; {3}, {4} and {3, 4} are fitted */
    gosh_sink s = {0};
    s.rows = calloc(16, sizeof *s.rows);
    cmeta_resample_opts o;
    cmeta_resample_opts_default(&o);
    cmeta_gosh_summary sum;
    cmeta_method fd[2] = {CMETA_METHOD_FE, CMETA_METHOD_DL};
    for (int mi = 0; mi < 2; mi++) {
        o.method = fd[mi];
        CU_ASSERT_EQUAL_FATAL(cmeta_gosh(y, v, 4, 0, &o, gosh_collect, &s, &sum, NULL), CMETA_OK);
        CU_ASSERT_EQUAL(sum.subsets, 15);
        CU_ASSERT_EQUAL(sum.failed, 12);
        for (uint64_t mask = 1; mask < 16; mask++) CU_ASSERT(s.rows[mask].ok == !(mask & 3));
        /* {3, 4}: w = 1e-300 and 1, est = 5e-300 / (1 + 1e-300) = 5e-300, Q = 25e-300 */
        TU_ASSERT_CLOSE(s.rows[12].estimate, 5e-300, 1e-12, 0, "estimate of {3, 4}");
        TU_ASSERT_CLOSE(s.rows[4].estimate, 5, 1e-12, 0, "estimate of {3}");
        CU_ASSERT_EQUAL(s.rows[8].estimate, 0);
        CU_ASSERT(isfinite(sum.est_mean));
    }
    /* every subset failing: CMETA_ENUMERIC, as gosh.rma stops with "All model fits failed." */
    double y2[2] = {1e300, -1e300}, v2[2] = {1e-300, 1e-300};
    cmeta_error e;
    cmeta_error_clear(&e);
    o.method = CMETA_METHOD_DL;
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh(y2, v2, 2, 0, &o, gosh_collect, &s, &sum, &e), CMETA_ENUMERIC);
    CU_ASSERT_STRING_EQUAL(e.message, "gosh: all model fits failed (3 subsets)");
    CU_ASSERT_EQUAL(sum.subsets, 3);
    CU_ASSERT_EQUAL(sum.failed, 3);
    CU_ASSERT(isnan(sum.est_mean) && isnan(sum.est_min) && isnan(sum.I2_max));
    CU_ASSERT_EQUAL(cmeta_gosh(y2, v2, 2, 0, &o, NULL, NULL, &sum, NULL), CMETA_ENUMERIC);
    free(s.rows);
}

/* FE and DL of one subset in two passes (the estimate, then Q around it), as gosh.rma. */
static void fe_dl_plain(const double *y, const double *v, uint64_t mask, int dl, double *est,
                        double *Q, double *tau2)
{
    double a = 0, b = 0, c = 0, q = 0;
    int m = 0;
    for (int j = 0; j < 64; j++)
        if ((mask >> j) & 1u) a += 1 / v[j], b += y[j] / v[j], c += 1 / (v[j] * v[j]), m++;
    *est = b / a;
    for (int j = 0; j < 64; j++)
        if ((mask >> j) & 1u) q += (y[j] - *est) * (y[j] - *est) / v[j];
    *Q = q;
    *tau2 = 0;
    if (dl && m > 1 && (q - (m - 1)) / (a - c / a) > 0) {
        double t = (q - (m - 1)) / (a - c / a), a2 = 0, b2 = 0;
        for (int j = 0; j < 64; j++)
            if ((mask >> j) & 1u) a2 += 1 / (v[j] + t), b2 += y[j] / (v[j] + t);
        *est = b2 / a2;
        *tau2 = t;
    }
}

/* The Gray-code walk's running sums keep the rounding errors of studies that left them: with
 * weights over 12 orders of magnitude Q was off by 1e-5 relative, with pairs of close
 * estimates by 1e-7. Now rows whose error bound is too wide are summed afresh, and every row
 * agrees with plain two-pass sums to 1e-9 (tau2 to 1e-8, the closed-form tolerance: DL's
 * sum w - sum w^2 / sum w itself loses ~1e-10 to cancellation with such weights, in metafor
 * too). Ordinary weights (spread 0) as a control. */
static void test_gosh_wide_weights(void)
{
    enum { K = 12 };
    double y[K], v[K];
    unsigned s = 7;
    for (int spread = 0; spread < 3; spread++) {
        for (int j = 0; j < K; j++) {
            s = s * 1103515245u + 12345u;
            y[j] = ((double)(s >> 8) / 16777216.0 - 0.5) * 3;
            v[j] = spread == 1 ? pow(10.0, -8 + 12.0 * j / (K - 1)) : 0.05 + 0.4 * j / (K - 1);
        }
        /* close estimates: pairs of studies 1e-5 apart, far from the mean (tiny Q) */
        if (spread == 2)
            for (int j = 0; j + 1 < K; j += 2) y[j + 1] = y[j] + 1e-5;
        gosh_sink g = {0};
        g.rows = calloc((size_t)1 << K, sizeof *g.rows);
        cmeta_resample_opts o;
        cmeta_resample_opts_default(&o);
        cmeta_gosh_summary sum;
        for (int dl = 0; dl < 2; dl++) {
            o.method = dl ? CMETA_METHOD_DL : CMETA_METHOD_FE;
            CU_ASSERT_EQUAL_FATAL(cmeta_gosh(y, v, K, 0, &o, gosh_collect, &g, &sum, NULL), CMETA_OK);
            CU_ASSERT_EQUAL(sum.failed, 0);
            int good = 1;
            for (uint64_t mask = 1; mask < ((uint64_t)1 << K); mask++) {
                double est, Q, t2;
                fe_dl_plain(y, v, mask, dl, &est, &Q, &t2);
                const cmeta_gosh_row *r = g.rows + mask;
                good &= tu_close(r->estimate, est, 1e-9, 1e-13) && tu_close(r->Q, Q, 1e-9, 1e-20) &&
                        tu_close(r->tau2, t2, 1e-8, 1e-12);
            }
            CU_ASSERT(good);
        }
        free(g.rows);
    }
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("gosh", NULL, NULL);
    CU_add_test(s, "exact FE vs metafor gosh (BCG, k = 13)", test_gosh_fe);
    CU_add_test(s, "exact DL vs metafor gosh (BCG, k = 13)", test_gosh_dl);
    CU_add_test(s, "exact REML vs metafor gosh (BCG 1-9)", test_gosh_reml);
    CU_add_test(s, "random subsets: threads, sizes, values", test_gosh_random_threads);
    CU_add_test(s, "interrupt flag and callback stop", test_gosh_interrupt);
    CU_add_test(s, "summary only (no callback): the same summary, 1 or 2 threads", test_gosh_summary_only);
    CU_add_test(s, "FE/DL, wide weights and close estimates: every row as two-pass sums", test_gosh_wide_weights);
    s = CU_add_suite("permtest", NULL, NULL);
    CU_add_test(s, "exact p-values vs metafor permutest(exact = TRUE)", test_permtest_exact);
    CU_add_test(s, "Monte Carlo p-values vs metafor; threads", test_permtest_mc);
    s = CU_add_suite("boot", NULL, NULL);
    CU_add_test(s, "nonparametric REML on Normand 1999 vs boot + metafor; threads; parametric", test_boot_normand);
    s = CU_add_suite("kernel", NULL, NULL);
    CU_add_test(s, "batched kernel vs one replicate at a time", test_kernel_vs_loop);
    CU_add_test(s, "batched kernel vs cmeta_rma loop", test_kernel_vs_rma);
    CU_add_test(s, "ML/REML with several maxima: metafor's maximum and ll0check", test_kernel_multimodal);
    CU_add_test(s, "intercept-only fits: the same bits in any block and slot", test_kernel_p1_bitwise);
    CU_add_test(s, "overflowing weights: failed fits, never NaN rows counted as fits", test_kernel_overflow);
    return tu_run();
}
