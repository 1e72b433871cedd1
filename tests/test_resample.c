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
        TU_ASSERT_CLOSE(g->I2, tu_num(f, r, "I2"), rtol, 1e-8, "I2");
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

/* ---- registration ------------------------------------------------------------------------- */

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("gosh", NULL, NULL);
    CU_add_test(s, "exact FE vs metafor gosh (BCG, k = 13)", test_gosh_fe);
    CU_add_test(s, "exact DL vs metafor gosh (BCG, k = 13)", test_gosh_dl);
    CU_add_test(s, "exact REML vs metafor gosh (BCG 1-9)", test_gosh_reml);
    CU_add_test(s, "random subsets: threads, sizes, values", test_gosh_random_threads);
    CU_add_test(s, "interrupt flag and callback stop", test_gosh_interrupt);
    s = CU_add_suite("permtest", NULL, NULL);
    CU_add_test(s, "exact p-values vs metafor permutest(exact = TRUE)", test_permtest_exact);
    CU_add_test(s, "Monte Carlo p-values vs metafor; threads", test_permtest_mc);
    return tu_run();
}
