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
    return tu_run();
}
