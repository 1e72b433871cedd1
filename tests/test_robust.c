/* test_robust.c - cluster-robust inference (src/lib/robust.c) against clubSandwich 0.5.8 (CR2:
 * vcovCR, coef_test Satterthwaite, conf_int, Wald_test HTZ) and metafor 3.8.1's robust(adjust =
 * TRUE) (CR1), tests/reference/robust/make.R: BCG (pool and regress, clusters alloc and a grouping
 * of unequal sizes), Konstantopoulos 2011 (three-level, clusters district; CR1 with clusters that
 * cut the random effects), Assink 2016 (V from rho = 0.6, a factor moderator, clusters study).
 * Every value at 1e-8 relative, twice: (a) the library's robust step on the variance components
 * make.R fitted (written in the fixture: the robust numerics alone), and (b) after cmeta's own
 * fit (cmeta_rma / cmeta_mv, whose optimum is the fixture's to ~1e-9): the whole pipeline. The
 * largest relative difference of each is printed. */
#include <gsl/gsl_errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../src/lib/linalg.h"

#define RTOL 1e-8

static double maxrel[2];
static char maxwhat[2][128];
static long nchecks[2];

static tu_fixture *E;

static double expect(const char *cs, const char *key)
{
    for (size_t r = 0; r < E->nrows; r++)
        if (!strcmp(tu_str(E, r, "case"), cs) && !strcmp(tu_str(E, r, "key"), key)) return tu_num(E, r, "value");
    fprintf(stderr, "no expected value %s %s\n", cs, key);
    CU_FAIL("expected value missing");
    return NAN;
}

static void cmp(int pass, double got, double want, const char *what)
{
    TU_ASSERT_CLOSE(got, want, RTOL, 1e-300, what);
    double r = fabs(got - want) / fmax(fabs(want), 1e-300);
    nchecks[pass]++;
    if (isfinite(r) && r > maxrel[pass]) {
        maxrel[pass] = r;
        snprintf(maxwhat[pass], sizeof maxwhat[pass], "%s", what);
    }
}

/* every value of case cs for the robust type t */
static void check(int pass, const char *cs, const cmeta_robust_result *r)
{
    char key[64], what[160];
    const char *tn = cmeta_robust_type_name(r->type);
    CU_ASSERT_EQUAL((double)r->n_clusters, expect(cs, "n_clusters"));
    for (size_t i = 0; i < r->p; i++) {
        snprintf(key, sizeof key, "beta[%zu]", i);
        snprintf(what, sizeof what, "%s %s", cs, key);
        cmp(pass, r->beta[i], expect(cs, key), what);
        const char *nm[] = {"se", "stat", "df", "pval", "ci_lb", "ci_ub"};
        const double got[] = {r->se[i], r->stat[i], r->df[i], r->pval[i], r->ci_lb[i], r->ci_ub[i]};
        for (int j = 0; j < 6; j++) {
            snprintf(key, sizeof key, "%s.%s[%zu]", tn, nm[j], i);
            snprintf(what, sizeof what, "%s %s", cs, key);
            cmp(pass, got[j], expect(cs, key), what);
        }
    }
    const char *nm[] = {"QM", "QM_df", "QM_df2", "QM_pval"};
    const double got[] = {r->QM, r->QM_df, r->QM_df2, r->QM_pval};
    for (int j = 0; j < 4; j++) {
        snprintf(key, sizeof key, "%s.%s", tn, nm[j]);
        snprintf(what, sizeof what, "%s %s", cs, key);
        cmp(pass, got[j], expect(cs, key), what);
    }
}

/* ---- rma.uni fits (pool, regress) ---- */

static void uni_case(const tu_fixture *D, const char *cs, const double *X, size_t p, int icpt, const char *clcol,
                     cmeta_method method, cmeta_test test)
{
    size_t k = D->nrows, ncl;
    const char *cc[] = {clcol};
    size_t *cl = tu_levels(D, cc, 1, &ncl);
    double *y = tu_column(D, "yi"), *v = tu_column(D, "vi");
    for (int t = 0; t < 2; t++) {
        cmeta_robust_opts ro;
        cmeta_robust_opts_default(&ro);
        ro.type = t ? CMETA_ROBUST_CR1 : CMETA_ROBUST_CR2;
        ro.intercept = icpt;
        cmeta_error err;
        cmeta_error_clear(&err);
        /* (a) at the fixture's tau^2 */
        double tau2 = expect(cs, "tau2");
        double *m = malloc(k * sizeof *m);
        for (size_t i = 0; i < k; i++) m[i] = v[i] + tau2;
        ro.uni_scale = 1;
        cmeta_robust_result *r = NULL;
        CU_ASSERT_EQUAL_FATAL(cmeta_robust(y, X, k, p, m, NULL, 0, cl, ncl, &ro, &r, &err), CMETA_OK);
        check(0, cs, r);
        cmeta_robust_free(r);
        free(m);
        /* (b) after cmeta_rma */
        cmeta_fit_opts fo;
        cmeta_fit_opts_default(&fo);
        fo.method = method;
        fo.test = test;
        fo.intercept = 0; /* X is the full design */
        fo.tol = 1e-14;
        cmeta_fit *f = NULL;
        CU_ASSERT_EQUAL_FATAL(cmeta_rma(y, v, k, X, p, &fo, &f, NULL, &err), CMETA_OK);
        r = NULL;
        CU_ASSERT_EQUAL_FATAL(cmeta_robust_rma(f, y, v, X, cl, ncl, &ro, &r, &err), CMETA_OK);
        check(1, cs, r);
        cmeta_robust_free(r);
        cmeta_fit_free(f);
    }
    free(cl), free(y), free(v);
}

static void test_bcg(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/robust/bcg.csv");
    if (!D) return;
    size_t k = D->nrows;
    double *X1 = malloc(k * sizeof *X1), *X2 = malloc(2 * k * sizeof *X2), *X3 = malloc(2 * k * sizeof *X3);
    for (size_t i = 0; i < k; i++) {
        X1[i] = 1;
        X2[2 * i] = 1, X2[2 * i + 1] = tu_num(D, i, "ablat");
        X3[2 * i] = tu_num(D, i, "ablat"), X3[2 * i + 1] = tu_num(D, i, "year");
    }
    uni_case(D, "bcg_pool_alloc", X1, 1, 1, "alloc", CMETA_METHOD_REML, CMETA_TEST_Z);
    uni_case(D, "bcg_pool_grp", X1, 1, 1, "grp", CMETA_METHOD_REML, CMETA_TEST_Z);
    uni_case(D, "bcg_pool_fe_grp", X1, 1, 1, "grp", CMETA_METHOD_FE, CMETA_TEST_Z);
    uni_case(D, "bcg_ablat_grp", X2, 2, 1, "grp", CMETA_METHOD_REML, CMETA_TEST_Z);
    uni_case(D, "bcg_ablat_alloc", X2, 2, 1, "alloc", CMETA_METHOD_REML, CMETA_TEST_Z);
    uni_case(D, "bcg_ablat_grp_t", X2, 2, 1, "grp", CMETA_METHOD_REML, CMETA_TEST_T);
    uni_case(D, "bcg_ablat_year_grp_noint", X3, 2, 0, "grp", CMETA_METHOD_REML, CMETA_TEST_Z);
    free(X1), free(X2), free(X3);
    tu_fixture_free(D);
}

/* ---- rma.mv fits ---- */

static void mv_case(const tu_fixture *D, const char *cs, const double *X, size_t p, int icpt,
                    const cmeta_mv_random *re, size_t s, const cmeta_mv_cov *cov, size_t ncov, const char *clcol,
                    cmeta_test test, int cr2)
{
    size_t k = D->nrows, ncl;
    const char *cc[] = {clcol};
    size_t *cl = tu_levels(D, cc, 1, &ncl);
    double *y = tu_column(D, "yi"), *v = tu_column(D, "vi");
    cmeta_mv_opts mo;
    cmeta_mv_opts_default(&mo);
    mo.test = test;
    mo.profile_ci = 0;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_mv_fit *f = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_mv(y, v, k, cov, ncov, X, p, icpt, re, s, &mo, &f, NULL, &err), CMETA_OK);
    /* the fixture's variance components in a copy of the fit (what cmeta_robust_mv reads) */
    double sg[8];
    cmeta_mv_fit g = *f;
    for (size_t c = 0; c < s; c++) {
        char key[32];
        snprintf(key, sizeof key, "sigma2[%zu]", c);
        sg[c] = expect(cs, key);
    }
    g.sigma2 = sg;
    for (int t = cr2 ? 0 : 1; t < 2; t++) {
        cmeta_robust_opts ro;
        cmeta_robust_opts_default(&ro);
        ro.type = t ? CMETA_ROBUST_CR1 : CMETA_ROBUST_CR2;
        cmeta_robust_result *r = NULL;
        CU_ASSERT_EQUAL_FATAL(cmeta_robust_mv(&g, y, v, cov, ncov, X, re, s, cl, ncl, &ro, &r, &err), CMETA_OK);
        check(0, cs, r);
        cmeta_robust_free(r);
        r = NULL;
        CU_ASSERT_EQUAL_FATAL(cmeta_robust_mv(f, y, v, cov, ncov, X, re, s, cl, ncl, &ro, &r, &err), CMETA_OK);
        check(1, cs, r);
        cmeta_robust_free(r);
    }
    if (!cr2) { /* clusters that cut the random effects: CR2 refuses (clubSandwich's test_nested) */
        cmeta_robust_opts ro;
        cmeta_robust_opts_default(&ro);
        cmeta_robust_result *r = NULL;
        CU_ASSERT_EQUAL(cmeta_robust_mv(f, y, v, cov, ncov, X, re, s, cl, ncl, &ro, &r, &err), CMETA_EDATA);
        CU_ASSERT_PTR_NULL(r);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "not nested") ? err.message : strstr(err.message, "nested"));
    }
    cmeta_mv_fit_free(f);
    free(cl), free(y), free(v);
}

static void test_konstantopoulos(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/robust/konstantopoulos2011.csv");
    if (!D) return;
    size_t k = D->nrows, n1, n2;
    const char *c1[] = {"district"}, *c2[] = {"district", "school"};
    size_t *l1 = tu_levels(D, c1, 1, &n1), *l2 = tu_levels(D, c2, 2, &n2);
    cmeta_mv_random re[2] = {{"district", l1, n1}, {"district/school", l2, n2}};
    double *X1 = malloc(k * sizeof *X1), *X2 = malloc(2 * k * sizeof *X2);
    for (size_t i = 0; i < k; i++) {
        X1[i] = 1;
        X2[2 * i] = 1, X2[2 * i + 1] = tu_num(D, i, "year");
    }
    mv_case(D, "k3", X1, 1, 1, re, 2, NULL, 0, "district", CMETA_TEST_Z, 1);
    mv_case(D, "k3_year", X2, 2, 1, re, 2, NULL, 0, "district", CMETA_TEST_Z, 1);
    mv_case(D, "k3_year_t", X2, 2, 1, re, 2, NULL, 0, "district", CMETA_TEST_T, 1);
    mv_case(D, "k3_cl_year", X1, 1, 1, re, 2, NULL, 0, "year", CMETA_TEST_Z, 0);
    free(l1), free(l2), free(X1), free(X2);
    tu_fixture_free(D);
}

static void test_assink(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/robust/assink2016.csv");
    if (!D) return;
    size_t k = D->nrows, n1, n2, nc = 0;
    const char *c1[] = {"study"}, *c2[] = {"study", "esid"};
    size_t *l1 = tu_levels(D, c1, 1, &n1), *l2 = tu_levels(D, c2, 2, &n2);
    cmeta_mv_cov *cov = calloc(k * k, sizeof *cov);
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++)
            if (l1[i] == l1[j]) cov[nc++] = (cmeta_mv_cov){i, j, 0.6 * sqrt(tu_num(D, i, "vi") * tu_num(D, j, "vi"))};
    double *X1 = malloc(k * sizeof *X1), *X3 = malloc(3 * k * sizeof *X3);
    for (size_t i = 0; i < k; i++) {
        const char *dt = tu_str(D, i, "deltype");
        X1[i] = 1;
        X3[3 * i] = 1, X3[3 * i + 1] = !strcmp(dt, "general"), X3[3 * i + 2] = !strcmp(dt, "overt");
    }
    cmeta_mv_random re[2] = {{"study", l1, n1}, {"study/esid", l2, n2}};
    mv_case(D, "assink", X1, 1, 1, re, 2, cov, nc, "study", CMETA_TEST_Z, 1);
    mv_case(D, "assink_deltype", X3, 3, 1, re, 2, cov, nc, "study", CMETA_TEST_Z, 1);
    /* CR2 with sampling covariances between clusters: refused (CR1 takes them) */
    {
        size_t ncl, *cl;
        const char *cc[] = {"deltype"};
        cl = tu_levels(D, cc, 1, &ncl);
        double *y = tu_column(D, "yi"), *v = tu_column(D, "vi"), *m = malloc(k * sizeof *m);
        for (size_t i = 0; i < k; i++) m[i] = v[i] + 0.1;
        cmeta_robust_opts ro;
        cmeta_robust_opts_default(&ro);
        cmeta_robust_result *r = NULL;
        cmeta_error err;
        cmeta_error_clear(&err);
        CU_ASSERT_EQUAL(cmeta_robust(y, X1, k, 1, m, cov, nc, cl, ncl, &ro, &r, &err), CMETA_EDATA);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "different clusters"));
        ro.type = CMETA_ROBUST_CR1;
        CU_ASSERT_EQUAL(cmeta_robust(y, X1, k, 1, m, cov, nc, cl, ncl, &ro, &r, &err), CMETA_OK);
        cmeta_robust_free(r);
        free(y), free(v), free(m), free(cl);
    }
    free(l1), free(l2), free(X1), free(X3), free(cov);
    tu_fixture_free(D);
}

/* ---- errors and the linear algebra under it ---- */

static void test_errors(void)
{
    double y[6] = {0.1, 0.3, -0.2, 0.5, 0.4, 0.0}, m[6] = {0.1, 0.2, 0.1, 0.3, 0.2, 0.1};
    double X[12];
    for (int i = 0; i < 6; i++) X[2 * i] = 1, X[2 * i + 1] = i;
    size_t one[6] = {0, 0, 0, 0, 0, 0}, two[6] = {0, 0, 0, 1, 1, 1}, three[6] = {0, 0, 1, 1, 2, 2};
    cmeta_robust_opts ro;
    cmeta_robust_opts_default(&ro);
    cmeta_robust_result *r = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL(cmeta_robust(y, X, 6, 1, m, NULL, 0, one, 1, &ro, &r, &err), CMETA_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "at least 2 clusters"));
    CU_ASSERT_EQUAL(cmeta_robust(y, X, 6, 2, m, NULL, 0, two, 2, &ro, &r, &err), CMETA_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "more clusters than coefficients"));
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_EQUAL(cmeta_robust(y, X, 6, 2, m, NULL, 0, three, 3, &ro, &r, &err), CMETA_OK);
    if (r) {
        CU_ASSERT_EQUAL(r->n_clusters, 3);
        CU_ASSERT_EQUAL(r->csize_min, 2);
        CU_ASSERT_EQUAL(r->btt_from, 2);
        CU_ASSERT(isfinite(r->se[1]) && r->se[1] > 0);
    }
    cmeta_robust_free(r);
    r = NULL;
    /* bad arguments */
    size_t bad[6] = {0, 0, 1, 1, 2, 7};
    CU_ASSERT_EQUAL(cmeta_robust(y, X, 6, 2, m, NULL, 0, bad, 3, &ro, &r, &err), CMETA_EUSAGE);
    double m0[6] = {0.1, 0.2, 0, 0.3, 0.2, 0.1};
    CU_ASSERT_EQUAL(cmeta_robust(y, X, 6, 2, m0, NULL, 0, three, 3, &ro, &r, &err), CMETA_EDATA);
    CU_ASSERT_EQUAL(err.index, 2);
    /* M not positive definite: names the block */
    cmeta_mv_cov c[1] = {{2, 3, 5.0}};
    ro.type = CMETA_ROBUST_CR1;
    CU_ASSERT_EQUAL(cmeta_robust(y, X, 6, 2, m, c, 1, three, 3, &ro, &r, &err), CMETA_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "not positive definite"));
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_EQUAL(cmeta_robust(y, X, 6, 2, m, NULL, 0, three, 3, NULL, NULL, &err), CMETA_EUSAGE);
}

/* every allocation made to fail in turn: CMETA_ENOMEM, no crash, no leak (ASan / valgrind) */
static long fail_at = -1, nalloc = 0;
static void *failing_malloc(size_t n)
{
    if (fail_at >= 0 && nalloc++ == fail_at) return NULL;
    return malloc(n);
}
static void *failing_realloc(void *p, size_t n)
{
    if (fail_at >= 0 && nalloc++ == fail_at) return NULL;
    return realloc(p, n);
}

static void test_faults(void)
{
    double y[8] = {0.1, 0.3, -0.2, 0.5, 0.4, 0.0, 0.2, 0.3}, v[8] = {0.1, 0.2, 0.1, 0.3, 0.2, 0.1, 0.2, 0.1};
    double X[16];
    for (int i = 0; i < 8; i++) X[2 * i] = 1, X[2 * i + 1] = i % 3;
    size_t lev[8] = {0, 0, 1, 1, 2, 2, 3, 3}, cl[8] = {0, 0, 0, 0, 1, 1, 2, 2};
    cmeta_mv_random re[1] = {{"a", lev, 4}};
    cmeta_mv_cov cov[2] = {{0, 1, 0.02}, {4, 5, 0.03}};
    double sg[1] = {0.05};
    cmeta_mv_fit f;
    memset(&f, 0, sizeof f);
    f.k = 8, f.p = 2, f.s = 1, f.sigma2 = sg, f.intercept = 1;
    for (int t = 0; t < 2; t++) {
        cmeta_robust_opts ro;
        cmeta_robust_opts_default(&ro);
        ro.type = t ? CMETA_ROBUST_CR1 : CMETA_ROBUST_CR2;
        int done = 0;
        for (fail_at = 0; !done && fail_at < 1000; fail_at++) {
            nalloc = 0;
            cmeta_set_allocator(failing_malloc, failing_realloc, NULL);
            cmeta_robust_result *r = NULL;
            cmeta_error err;
            cmeta_error_clear(&err);
            cmeta_status st = cmeta_robust_mv(&f, y, v, cov, 2, X, re, 1, cl, 3, &ro, &r, &err);
            cmeta_set_allocator(NULL, NULL, NULL);
            CU_ASSERT(st == CMETA_OK || st == CMETA_ENOMEM);
            if (st == CMETA_ENOMEM) CU_ASSERT_PTR_NULL(r);
            if (st == CMETA_OK) {
                CU_ASSERT(isfinite(r->se[0]) && isfinite(r->QM));
                done = nalloc <= fail_at; /* no allocation failed: every one has been tried */
            }
            cmeta_robust_free(r);
        }
        CU_ASSERT(done);
    }
    fail_at = -1;
}

static void test_linalg(void)
{
    /* A = [[4, 1], [1, 3]]: eigenvalues (7 -/+ sqrt 5) / 2; A^-1/2 A A^-1/2 = I */
    double A[4] = {4, 1, 1, 3}, V[4], ev[2], wk[64], P[4], T[4], U[4];
    memcpy(V, A, sizeof A);
    CU_ASSERT_EQUAL(cmeta__sym_eigen(V, 2, ev, wk, NULL), CMETA_OK);
    TU_ASSERT_CLOSE(ev[0], (7 - sqrt(5)) / 2, 1e-14, 0, "ev0");
    TU_ASSERT_CLOSE(ev[1], (7 + sqrt(5)) / 2, 1e-14, 0, "ev1");
    /* A v = ev v for column 0 */
    TU_ASSERT_CLOSE(4 * V[0] + 1 * V[2], ev[0] * V[0], 1e-13, 1e-14, "Av");
    CU_ASSERT_EQUAL(cmeta__sym_power(A, 2, -0.5, 1e-12, P, wk, NULL), CMETA_OK);
    cmeta__matmul(P, 0, A, 0, 2, 2, 2, T);
    cmeta__matmul(T, 0, P, 1, 2, 2, 2, U);
    TU_ASSERT_CLOSE(U[0], 1, 1e-14, 0, "I00");
    TU_ASSERT_CLOSE(U[1], 0, 0, 1e-14, "I01");
    TU_ASSERT_CLOSE(U[3], 1, 1e-14, 0, "I11");
    /* a singular matrix: the cut gives the pseudo-inverse's power (clubSandwich's matrix_power) */
    double S[4] = {1, 1, 1, 1};
    CU_ASSERT_EQUAL(cmeta__sym_power(S, 2, -1, 1e-12, P, wk, NULL), CMETA_OK);
    TU_ASSERT_CLOSE(P[0], 0.25, 1e-14, 0, "pinv");
    TU_ASSERT_CLOSE(P[1], 0.25, 1e-14, 0, "pinv");
    /* 1 x 1 without LAPACK */
    double one = 4, e1;
    CU_ASSERT_EQUAL(cmeta__sym_eigen(&one, 1, &e1, wk, NULL), CMETA_OK);
    CU_ASSERT_EQUAL(e1, 4);
    CU_ASSERT_EQUAL(one, 1);
}

/* cmeta__jacobi_eigenvalues (the rank check's, no LAPACK) and cmeta__gemm_rm (the batched
 * fits' products, no BLAS). */
static void test_own_kernels(void)
{
    double S[4] = {2, 1, 1, 2}, ev[10];
    CU_ASSERT_EQUAL(cmeta__jacobi_eigenvalues(S, 2, ev), 0);
    TU_ASSERT_CLOSE(ev[0], 1, 1e-15, 0, "jacobi 2x2 ev0");
    TU_ASSERT_CLOSE(ev[1], 3, 1e-15, 0, "jacobi 2x2 ev1");
    double one = -2;
    CU_ASSERT_EQUAL(cmeta__jacobi_eigenvalues(&one, 1, ev), 0);
    CU_ASSERT_EQUAL(ev[0], -2);
    /* Hilbert matrices as rounded to doubles: the smallest eigenvalues from 50-digit arithmetic
       (mpmath eigsy on the same doubles), to 4 eps ||H|| as LAPACK's dsyev (found: relative
       6e-11 for n = 6, 4e-8 for n = 8, where eps ||H|| / ev0 is 3e-9 and 3e-6) */
    static const double hmin[2] = {1.0827994844811010423e-7, 1.1115389694888081586e-10};
    for (size_t t = 0; t < 2; t++) {
        size_t n = t ? 8 : 6;
        double H[64];
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) H[i * n + j] = 1.0 / (double)(i + j + 1);
        CU_ASSERT_EQUAL(cmeta__jacobi_eigenvalues(H, n, ev), 0);
        TU_ASSERT_CLOSE(ev[0], hmin[t], 0, 4 * DBL_EPSILON * ev[n - 1], "jacobi hilbert ev0");
        for (size_t i = 1; i < n; i++) CU_ASSERT(ev[i - 1] <= ev[i]);
    }
    /* against LAPACK's dsyev on a 10 x 10 symmetric matrix with a negative eigenvalue */
    double A[100], V[100], wk[400], ev2[10];
    unsigned u = 12345;
    for (size_t i = 0; i < 10; i++)
        for (size_t j = 0; j <= i; j++) {
            u = u * 1103515245u + 12345u;
            A[i * 10 + j] = A[j * 10 + i] = (double)(u >> 8) / 16777216.0 - 0.5 + (i == j ? 1.0 : 0.0);
        }
    memcpy(V, A, sizeof A);
    CU_ASSERT_EQUAL(cmeta__sym_eigen(V, 10, ev2, wk, NULL), CMETA_OK);
    memcpy(V, A, sizeof A);
    CU_ASSERT_EQUAL(cmeta__jacobi_eigenvalues(V, 10, ev), 0);
    for (size_t i = 0; i < 10; i++) TU_ASSERT_CLOSE(ev[i], ev2[i], 0, 1e-13, "jacobi vs dsyev");
    CU_ASSERT(ev[0] < 0);

    /* C = A B for the batched fits' shapes (B x k times k x p(p+1)/2 or k x p; B x p times
       p x k) and a small one; B's rows padded to cmeta__gemm_ld(n) with zeros: every element
       is the sum in order i = 0..kk-1 (the same bits as this plain loop, whichever of the
       AVX2 or baseline versions runs), and each row is the same computed alone */
    static const size_t shape[5][3] = {{7, 5, 6}, {37, 50, 6}, {37, 50, 3}, {37, 3, 50}, {1, 50, 3}};
    CU_ASSERT_EQUAL(cmeta__gemm_ld(6), 8);
    CU_ASSERT_EQUAL(cmeta__gemm_ld(8), 8);
    for (size_t t = 0; t < 5; t++) {
        size_t m = shape[t][0], kk = shape[t][1], n = shape[t][2], ld = cmeta__gemm_ld(n);
        double *Am = calloc(m * kk, sizeof *Am), *Bm = calloc(kk * ld, sizeof *Bm);
        double *C = calloc(m * n, sizeof *C), *C1 = calloc(n, sizeof *C1);
        CU_ASSERT_FATAL(Am && Bm && C && C1);
        for (size_t i = 0; i < m * kk; i++) Am[i] = 1.0 / (double)(i + 3) - 0.1;
        for (size_t i = 0; i < kk; i++)
            for (size_t j = 0; j < n; j++) Bm[i * ld + j] = sqrt((double)(i * n + j + 1)) - 3.3;
        cmeta__gemm_rm(m, n, kk, Am, kk, Bm, ld, C, n);
        int same = 1, alone = 1;
        for (size_t b = 0; b < m; b++) {
            for (size_t j = 0; j < n; j++) {
                double x = 0;
                for (size_t i = 0; i < kk; i++) x += Am[b * kk + i] * Bm[i * ld + j];
                same &= x == C[b * n + j];
            }
            cmeta__gemm_rm(1, n, kk, Am + b * kk, kk, Bm, ld, C1, n);
            alone &= memcmp(C1, C + b * n, n * sizeof *C1) == 0;
        }
        CU_ASSERT(same);
        CU_ASSERT(alone);
        free(Am), free(Bm), free(C), free(C1);
    }
}

static void test_report(void)
{
    printf("\n  robust: (a) library at the fixtures' variance components: %ld checks, largest relative "
           "difference %.3g (%s)\n", nchecks[0], maxrel[0], maxwhat[0]);
    printf("  robust: (b) after cmeta's own fit: %ld checks, largest relative difference %.3g (%s)\n", nchecks[1],
           maxrel[1], maxwhat[1]);
    CU_ASSERT(nchecks[0] > 300 && nchecks[1] > 300);
}

int main(void)
{
    gsl_set_error_handler_off();
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    E = tu_fixture_load("tests/reference/robust/expected.csv");
    if (!E) return 1;
    CU_pSuite s = CU_add_suite("robust", NULL, NULL);
    CU_add_test(s, "BCG: pool and regress, CR2 and CR1", test_bcg);
    CU_add_test(s, "Konstantopoulos 2011: three-level", test_konstantopoulos);
    CU_add_test(s, "Assink 2016: V from rho, factor moderator", test_assink);
    CU_add_test(s, "errors", test_errors);
    CU_add_test(s, "allocation failures", test_faults);
    CU_add_test(s, "symmetric eigen, powers, products", test_linalg);
    CU_add_test(s, "own kernels: Jacobi eigenvalues, skinny products", test_own_kernels);
    CU_add_test(s, "agreement", test_report);
    int rc = tu_run();
    tu_fixture_free(E);
    return rc;
}
