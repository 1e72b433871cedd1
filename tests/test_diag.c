/* test_diag.c - meta-regression design, influence diagnostics and small-study-effect tests
 * against R metafor 3.8.1 (tests/reference/make_diag_fixtures.R -> tests/reference/diag/).
 * Tolerance: 1e-6 relative (plus 1e-10 absolute for values that are 0 in R) for anything
 * that depends on an iterative tau^2 estimator; 1e-8 relative for the closed forms
 * (regtest, ranktest, fail-safe N). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

#define RTOL 1e-6
#define ATOL 1e-10
#define RTOL_CF 1e-8

/* ---- helpers ---------------------------------------------------------------------------- */

typedef struct {
    tu_fixture *f;
    size_t k;
    double *yi, *vi;
    const char **labels;
} dataset;

static int load_set(const char *name, dataset *d)
{
    char path[256];
    snprintf(path, sizeof path, "tests/reference/diag/data_%s.csv", name);
    memset(d, 0, sizeof *d);
    d->f = tu_fixture_load(path);
    if (!d->f) return -1;
    d->k = d->f->nrows;
    d->yi = tu_column(d->f, "yi");
    d->vi = tu_column(d->f, "vi");
    d->labels = calloc(d->k, sizeof *d->labels);
    for (size_t i = 0; i < d->k; i++) d->labels[i] = tu_str(d->f, i, "study");
    return 0;
}

static void free_set(dataset *d)
{
    free(d->yi);
    free(d->vi);
    free(d->labels);
    tu_fixture_free(d->f);
}

/* Split "a,b,c" into at most 8 names (pointers into buf). */
static size_t split_mods(const char *mods, char *buf, size_t size, const char **names)
{
    snprintf(buf, size, "%s", mods);
    size_t n = 0;
    for (char *t = strtok(buf, ","); t && n < 8; t = strtok(NULL, ",")) names[n++] = t;
    return n;
}

/* Design of dataset d for moderators mods; returns NULL (and a CUnit failure) on error. */
static cmeta_design *design_for(const dataset *d, const char *mods, int intercept,
                                cmeta_warnings *w, cmeta_status *st_out, cmeta_error *err)
{
    char buf[256];
    const char *names[8];
    size_t nm = split_mods(mods, buf, sizeof buf, names);
    const char **cells = calloc(d->k * nm + 1, sizeof *cells);
    for (size_t i = 0; i < d->k; i++)
        for (size_t j = 0; j < nm; j++) cells[i * nm + j] = tu_str(d->f, i, names[j]);
    cmeta_design *des = NULL;
    cmeta_status st = cmeta_design_build(cells, d->k, names, nm, d->labels, intercept, &des, w, err);
    if (st_out) *st_out = st;
    free(cells);
    return st == CMETA_OK ? des : NULL;
}

/* yi/vi of the studies a design keeps. */
static void subset(const dataset *d, const cmeta_design *des, double *y, double *v)
{
    for (size_t a = 0; a < des->n; a++) {
        y[a] = d->yi[des->keep[a]];
        v[a] = d->vi[des->keep[a]];
    }
}

static int same_group(const tu_fixture *f, size_t r, size_t s, const char *const *cols)
{
    for (; *cols; cols++)
        if (strcmp(tu_str(f, r, *cols), tu_str(f, s, *cols)) != 0) return 0;
    return 1;
}

static void set_method_test(cmeta_fit_opts *o, const char *method, const char *test)
{
    CU_ASSERT_EQUAL_FATAL(cmeta_method_from_name(method, &o->method), CMETA_OK);
    CU_ASSERT_EQUAL_FATAL(cmeta_test_from_name(test, &o->test), CMETA_OK);
    o->tol = 1e-12;
    o->maxiter = 10000;
}

/* ---- meta-regression -------------------------------------------------------------------- */

static void test_regress_fixtures(void)
{
    tu_fixture *f = tu_fixture_load("tests/reference/diag/regress.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static const char *const key[] = {"dataset", "mods", "intercept", "method", "test", NULL};
    size_t groups = 0;
    for (size_t r = 0; r < f->nrows;) {
        size_t e = r;
        while (e < f->nrows && same_group(f, r, e, key)) e++;
        dataset d;
        CU_ASSERT_EQUAL_FATAL(load_set(tu_str(f, r, "dataset"), &d), 0);
        int intercept = atoi(tu_str(f, r, "intercept"));
        char what[512];
        snprintf(what, sizeof what, "%s ~ %s%s %s %s", tu_str(f, r, "dataset"), tu_str(f, r, "mods"),
                 intercept ? "" : " - 1", tu_str(f, r, "method"), tu_str(f, r, "test"));
        cmeta_error err;
        cmeta_error_clear(&err);
        cmeta_warnings w;
        cmeta_warnings_init(&w);
        cmeta_design *des = design_for(&d, tu_str(f, r, "mods"), intercept, &w, NULL, &err);
        if (!des) {
            fprintf(stderr, "%s: %s\n", what, err.message);
            CU_FAIL("design");
            free_set(&d);
            cmeta_warnings_free(&w);
            r = e;
            continue;
        }
        CU_ASSERT_EQUAL(des->p, e - r);
        CU_ASSERT_EQUAL((double)des->n, tu_num(f, r, "k"));
        CU_ASSERT_EQUAL((double)(d.k - des->n), tu_num(f, r, "omitted"));
        CU_ASSERT_EQUAL((double)w.n, tu_num(f, r, "omitted"));
        double *y = calloc(des->n, sizeof *y), *v = calloc(des->n, sizeof *v);
        subset(&d, des, y, v);
        cmeta_fit_opts o;
        cmeta_fit_opts_default(&o);
        set_method_test(&o, tu_str(f, r, "method"), tu_str(f, r, "test"));
        o.intercept = intercept;
        cmeta_fit *fit = NULL;
        cmeta_status st = cmeta_rma(y, v, des->n, des->X, des->q, &o, &fit, NULL, &err);
        if (st != CMETA_OK) fprintf(stderr, "%s: %s\n", what, err.message);
        CU_ASSERT_EQUAL(st, CMETA_OK);
        if (st == CMETA_OK) {
            for (size_t j = 0; j < des->p && r + j < e; j++) {
                size_t row = r + j;
                char w2[600];
                if (strcmp(des->names[j], tu_str(f, row, "term")) != 0) {
                    fprintf(stderr, "%s: term %zu is '%s', R says '%s'\n", what, j, des->names[j],
                            tu_str(f, row, "term"));
                    CU_FAIL("term name");
                }
#define CHK(field, col)                                                               \
    do {                                                                              \
        snprintf(w2, sizeof w2, "%s %s %s", what, des->names[j], col);                \
        TU_ASSERT_CLOSE(field, tu_num(f, row, col), RTOL, ATOL, w2);                  \
    } while (0)
                CHK(fit->beta[j], "estimate");
                CHK(fit->se[j], "se");
                CHK(fit->stat[j], "stat");
                CHK(fit->pval[j], "pval");
                CHK(fit->ci_lb[j], "ci_lb");
                CHK(fit->ci_ub[j], "ci_ub");
            }
            char w2[600];
            size_t row = r;
#undef CHK
/* I2, H2, R2 are percentages/ratios: R's tau^2 of 3e-14 at the boundary gives I2 = 4e-10 */
#define CHK_A(field, col, atol)                                                       \
    do {                                                                              \
        snprintf(w2, sizeof w2, "%s %s", what, col);                                  \
        TU_ASSERT_CLOSE(field, tu_num(f, row, col), RTOL, atol, w2);                  \
    } while (0)
#define CHK(field, col) CHK_A(field, col, ATOL)
            CHK(fit->QM, "QM");
            CHK(fit->QM_df, "QM_df");
            CHK(fit->QM_pval, "QM_pval");
            CHK(fit->Q, "QE");
            CHK(fit->Q_df, "QE_df");
            CHK(fit->Q_pval, "QE_pval");
            CHK(fit->tau2, "tau2");
            CHK_A(fit->I2, "I2", 1e-8);
            CHK_A(fit->H2, "H2", 1e-8);
            if (!isnan(tu_num(f, row, "R2"))) CHK_A(fit->R2, "R2", 1e-8);
            if (!isnan(tu_num(f, row, "QM_df2"))) CHK(fit->df, "QM_df2");
#undef CHK
#undef CHK_A
        }
        cmeta_fit_free(fit);
        free(y);
        free(v);
        cmeta_design_free(des);
        cmeta_warnings_free(&w);
        free_set(&d);
        groups++;
        r = e;
    }
    CU_ASSERT(groups >= 9 * 9 * 3);
    tu_fixture_free(f);
}

/* The published Raudenbush (1985) meta-regression: weeks of prior contact capped at 3,
 * REML: intercept 0.4072, slope -0.1572, tau^2 = 0. */
static void test_raudenbush_published(void)
{
    dataset d;
    CU_ASSERT_EQUAL_FATAL(load_set("raud", &d), 0);
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_design *des = design_for(&d, "weeksc", 1, NULL, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(des);
    cmeta_fit_opts o;
    cmeta_fit_opts_default(&o);
    cmeta_fit *fit = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_rma(d.yi, d.vi, d.k, des->X, des->q, &o, &fit, NULL, &err), CMETA_OK);
    CU_ASSERT(fabs(fit->beta[0] - 0.4072) < 5e-5);
    CU_ASSERT(fabs(fit->beta[1] - -0.1572) < 5e-5);
    CU_ASSERT(fit->tau2 < 1e-8);
    CU_ASSERT_STRING_EQUAL(des->names[1], "weeksc");
    cmeta_fit_free(fit);
    cmeta_design_free(des);
    free_set(&d);
}

static void test_design_factor_coding(void)
{
    /* levels sorted as R's factor(); with an intercept the first is the reference */
    const char *cells[] = {"b", "1", "A", "2", "a", "3", "b", "4", "c", "9"};
    const char *names[] = {"g", "x"};
    cmeta_design *des = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_design_build(cells, 5, names, 2, NULL, 1, &des, NULL, &err), CMETA_OK);
    CU_ASSERT_EQUAL(des->p, 5);
    CU_ASSERT_STRING_EQUAL(des->names[0], "intrcpt");
    CU_ASSERT_STRING_EQUAL(des->names[1], "gA"); /* a < A < b < c */
    CU_ASSERT_STRING_EQUAL(des->names[2], "gb");
    CU_ASSERT_STRING_EQUAL(des->names[3], "gc");
    CU_ASSERT_STRING_EQUAL(des->names[4], "x");
    CU_ASSERT_EQUAL(des->X[0 * 4 + 1], 1); /* study 1: g = b */
    CU_ASSERT_EQUAL(des->X[2 * 4 + 0], 0); /* study 3: g = a (reference) */
    CU_ASSERT_EQUAL(des->X[2 * 4 + 1], 0);
    CU_ASSERT_EQUAL(des->X[4 * 4 + 3], 9);
    cmeta_design_free(des);
    /* without an intercept: one column per level */
    CU_ASSERT_EQUAL_FATAL(cmeta_design_build(cells, 5, names, 2, NULL, 0, &des, NULL, &err), CMETA_OK);
    CU_ASSERT_EQUAL(des->p, 5);
    CU_ASSERT_STRING_EQUAL(des->names[0], "ga");
    cmeta_design_free(des);
}

static void test_design_refusals(void)
{
    dataset d;
    CU_ASSERT_EQUAL_FATAL(load_set("bcg", &d), 0);
    cmeta_error err;
    cmeta_status st;
    /* constant moderator */
    const char *c1[] = {"5", "1", "5", "2", "5", "3", "5", "4"};
    const char *n1[] = {"dose", "x"};
    cmeta_design *des = NULL;
    cmeta_error_clear(&err);
    st = cmeta_design_build(c1, 4, n1, 2, NULL, 1, &des, NULL, &err);
    CU_ASSERT_EQUAL(st, CMETA_EDATA);
    CU_ASSERT_PTR_NULL(des);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "'dose' is constant"));
    /* collinear: z = x + y */
    const char *c2[] = {"1", "0", "1", "2", "1", "3", "3", "5", "8", "4", "4", "8"};
    const char *n2[] = {"x", "y", "z"};
    cmeta_error_clear(&err);
    st = cmeta_design_build(c2, 4, n2, 3, NULL, 1, &des, NULL, &err);
    CU_ASSERT_EQUAL(st, CMETA_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "'z' is a linear combination of 'x', 'y'"));
    /* a factor collinear with the intercept and another factor (no intercept, two levels) */
    cmeta_error_clear(&err);
    des = design_for(&d, "alloc,year", 1, NULL, &st, &err);
    CU_ASSERT_EQUAL(st, CMETA_OK);
    cmeta_design_free(des);
    /* more coefficients than studies */
    const char *c3[] = {"1", "2", "3", "4"};
    const char *n3[] = {"a", "b"};
    cmeta_error_clear(&err);
    st = cmeta_design_build(c3, 2, n3, 2, NULL, 1, &des, NULL, &err);
    CU_ASSERT_EQUAL(st, CMETA_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "too few studies"));
    free_set(&d);
}

static void test_design_missing(void)
{
    dataset d;
    CU_ASSERT_EQUAL_FATAL(load_set("bangert", &d), 0);
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_design *des = design_for(&d, "length,wic,meta", 1, &w, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(des);
    CU_ASSERT_EQUAL(des->n + w.n, d.k);
    CU_ASSERT(w.n >= 1);
    if (w.n) CU_ASSERT_PTR_NOT_NULL(strstr(w.text[0], "left out: moderator"));
    int found = 0;
    for (size_t i = 0; i < w.n; i++)
        for (size_t j = 0; j < d.k; j++)
            if (strstr(w.text[i], d.labels[j])) found++;
    CU_ASSERT(found >= (int)w.n);
    cmeta_design_free(des);
    cmeta_warnings_free(&w);
    free_set(&d);
}

static void test_rank_check_direct(void)
{
    double X[] = {1, 2, 4, 1, 3, 6, 1, 5, 10}; /* col 3 = 2 * col 2 */
    const char *names[] = {"intrcpt", "a", "b"};
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL(cmeta_design_check_rank(X, 3, 3, names, &err), CMETA_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "'b' is a linear combination of 'a'"));
    CU_ASSERT_EQUAL(cmeta_design_check_rank(X, 3, 2, names, &err), CMETA_OK);
}

/* ---- influence -------------------------------------------------------------------------- */

static void test_influence_fixtures(void)
{
    tu_fixture *f = tu_fixture_load("tests/reference/diag/influence.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static const char *const key[] = {"dataset", "mods", "method", "test", NULL};
    size_t groups = 0, flagged = 0;
    for (size_t r = 0; r < f->nrows;) {
        size_t e = r;
        while (e < f->nrows && same_group(f, r, e, key)) e++;
        dataset d;
        CU_ASSERT_EQUAL_FATAL(load_set(tu_str(f, r, "dataset"), &d), 0);
        CU_ASSERT_EQUAL_FATAL(d.k, e - r);
        cmeta_fit_opts o;
        cmeta_fit_opts_default(&o);
        set_method_test(&o, tu_str(f, r, "method"), tu_str(f, r, "test"));
        const char *mods = tu_str(f, r, "mods");
        double *X = NULL;
        size_t q = 0;
        if (*mods) {
            X = tu_column(d.f, mods);
            q = 1;
        }
        cmeta_influence *inf = NULL;
        cmeta_error err;
        cmeta_error_clear(&err);
        cmeta_status st = cmeta_influence_compute(d.yi, d.vi, d.k, X, q, &o, &inf, NULL, &err);
        if (st != CMETA_OK) fprintf(stderr, "influence: %s\n", err.message);
        CU_ASSERT_EQUAL(st, CMETA_OK);
        if (st == CMETA_OK) {
            size_t p = inf->p;
            for (size_t i = 0; i < d.k; i++) {
                size_t row = r + i;
                char w[600];
#define CHK(field, col)                                                                   \
    do {                                                                                  \
        snprintf(w, sizeof w, "influence %s %s %s ~%s study %zu %s", tu_str(f, r, "dataset"), \
                 tu_str(f, r, "method"), tu_str(f, r, "test"), mods, i + 1, col);         \
        TU_ASSERT_CLOSE(field, tu_num(f, row, col), RTOL, ATOL, w);                       \
    } while (0)
                CHK(inf->rstudent[i], "rstudent");
                CHK(inf->dffits[i], "dffits");
                CHK(inf->cook_d[i], "cook_d");
                CHK(inf->cov_r[i], "cov_r");
                CHK(inf->tau2_del[i], "tau2_del");
                CHK(inf->QE_del[i], "QE_del");
                CHK(inf->hat[i], "hat");
                CHK(inf->weight[i], "weight");
                CHK(inf->dfbetas[i * p], "dfbs1");
                if (p > 1) CHK(inf->dfbetas[i * p + 1], "dfbs2");
#undef CHK
                CU_ASSERT_EQUAL(inf->influential[i], (int)tu_num(f, row, "influential"));
                flagged += inf->influential[i];
            }
        }
        cmeta_influence_free(inf);
        free(X);
        free_set(&d);
        groups++;
        r = e;
    }
    CU_ASSERT_EQUAL(groups, 8);
    CU_ASSERT(flagged > 0); /* the rule is exercised */
    tu_fixture_free(f);
}

static void test_influence_small_k(void)
{
    double y[] = {0.1, 0.2}, v[] = {0.01, 0.02};
    cmeta_fit_opts o;
    cmeta_fit_opts_default(&o);
    cmeta_influence *inf = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL(cmeta_influence_compute(y, v, 2, NULL, 0, &o, &inf, NULL, &err), CMETA_EDATA);
    CU_ASSERT_PTR_NULL(inf);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "at least 3 studies"));
}

/* ---- small-study effects ------------------------------------------------------------------ */

static void test_bias_fixtures(void)
{
    tu_fixture *f = tu_fixture_load("tests/reference/diag/bias.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    int exact_seen = 0, approx_seen = 0;
    for (size_t r = 0; r < f->nrows; r++) {
        dataset d;
        CU_ASSERT_EQUAL_FATAL(load_set(tu_str(f, r, "dataset"), &d), 0);
        char w[256];
        cmeta_error err;
        cmeta_error_clear(&err);
        cmeta_regtest_result eg;
        CU_ASSERT_EQUAL_FATAL(cmeta_regtest(d.yi, d.vi, d.k, 95, &eg, &err), CMETA_OK);
#define CHK(field, col, tol)                                            \
    do {                                                                \
        snprintf(w, sizeof w, "%s %s", tu_str(f, r, "dataset"), col);   \
        TU_ASSERT_CLOSE(field, tu_num(f, r, col), tol, 0, w);           \
    } while (0)
        CHK(eg.stat, "egger_stat", RTOL_CF);
        CHK(eg.df, "egger_df", 0);
        CHK(eg.pval, "egger_pval", RTOL_CF);
        CHK(eg.intercept, "egger_limit", RTOL_CF);
        CHK(eg.ci_lb, "egger_limit_ci_lb", RTOL_CF);
        CHK(eg.ci_ub, "egger_limit_ci_ub", RTOL_CF);
        CHK(eg.slope, "egger_slope", RTOL_CF);
        CHK(eg.slope_se, "egger_slope_se", RTOL_CF);
        cmeta_ranktest_result rk;
        cmeta_warnings wn;
        cmeta_warnings_init(&wn);
        CU_ASSERT_EQUAL_FATAL(cmeta_ranktest(d.yi, d.vi, d.k, &rk, &wn, &err), CMETA_OK);
        CHK(rk.tau, "begg_tau", RTOL_CF);
        CHK(rk.pval, "begg_pval", RTOL_CF);
        int ties = (int)tu_num(f, r, "ties");
        CU_ASSERT_EQUAL(rk.exact, !ties);
        CU_ASSERT_EQUAL(wn.n, (size_t)ties);
        exact_seen += rk.exact;
        approx_seen += !rk.exact;
        cmeta_warnings_free(&wn);
        cmeta_failsafe_result fs;
        CU_ASSERT_EQUAL_FATAL(cmeta_failsafe(d.yi, d.vi, d.k, 0.05, NAN, &fs, &err), CMETA_OK);
        CHK(fs.rosenthal, "rosenthal", 0);
        CHK(fs.rosenthal_pval, "rosenthal_pval", RTOL_CF);
        CHK(fs.orwin, "orwin", 0);
        CHK(fs.orwin_target, "orwin_target", RTOL_CF);
#undef CHK
        free_set(&d);
    }
    CU_ASSERT(exact_seen > 0 && approx_seen > 0);
    tu_fixture_free(f);
}

static void test_trimfill_fixtures(void)
{
    tu_fixture *f = tu_fixture_load("tests/reference/diag/trimfill.csv");
    tu_fixture *ff = tu_fixture_load("tests/reference/diag/trimfill_filled.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ff);
    size_t filled_rows = 0, nonzero = 0;
    for (size_t r = 0; r < f->nrows; r++) {
        dataset d;
        CU_ASSERT_EQUAL_FATAL(load_set(tu_str(f, r, "dataset"), &d), 0);
        cmeta_fit_opts o;
        cmeta_fit_opts_default(&o);
        set_method_test(&o, tu_str(f, r, "method"), "z");
        cmeta_tf_estimator est = strcmp(tu_str(f, r, "estimator"), "R0") == 0 ? CMETA_TF_R0 : CMETA_TF_L0;
        cmeta_trimfill_result *tf = NULL;
        cmeta_error err;
        cmeta_error_clear(&err);
        cmeta_status st = cmeta_trimfill(d.yi, d.vi, d.k, &o, est, CMETA_TF_AUTO, 0, &tf, NULL, &err);
        char w[256];
        snprintf(w, sizeof w, "trimfill %s %s %s", tu_str(f, r, "dataset"), tu_str(f, r, "method"),
                 tu_str(f, r, "estimator"));
        if (st != CMETA_OK) fprintf(stderr, "%s: %s\n", w, err.message);
        CU_ASSERT_EQUAL(st, CMETA_OK);
        if (st == CMETA_OK) {
            char w2[300];
#define CHK(field, col)                                     \
    do {                                                    \
        snprintf(w2, sizeof w2, "%s %s", w, col);           \
        TU_ASSERT_CLOSE(field, tu_num(f, r, col), RTOL, ATOL, w2); \
    } while (0)
            CHK((double)tf->k0, "k0");
            CHK(tf->se_k0, "se_k0");
            CHK((double)tf->fit->k, "k");
            CHK(tf->fit->beta[0], "estimate");
            CHK(tf->fit->se[0], "se");
            CHK(tf->fit->stat[0], "stat");
            CHK(tf->fit->pval[0], "pval");
            CHK(tf->fit->ci_lb[0], "ci_lb");
            CHK(tf->fit->ci_ub[0], "ci_ub");
            CHK(tf->fit->tau2, "tau2");
            CHK(tf->fit->Q, "QE");
            CHK(tf->p_k0, "p_k0");
#undef CHK
            CU_ASSERT_STRING_EQUAL(tf->side == CMETA_TF_LEFT ? "left" : "right", tu_str(f, r, "side"));
            nonzero += tf->k0 > 0;
            /* the filled studies, in metafor's order */
            size_t j = 0;
            for (size_t s = 0; s < ff->nrows; s++) {
                if (strcmp(tu_str(ff, s, "dataset"), tu_str(f, r, "dataset")) ||
                    strcmp(tu_str(ff, s, "method"), tu_str(f, r, "method")) ||
                    strcmp(tu_str(ff, s, "estimator"), tu_str(f, r, "estimator")))
                    continue;
                if (j < tf->k0) {
                    TU_ASSERT_CLOSE(tf->fill_yi[j], tu_num(ff, s, "yi"), 1e-12, 1e-14, w);
                    TU_ASSERT_CLOSE(tf->fill_vi[j], tu_num(ff, s, "vi"), 1e-15, 0, w);
                    /* mirrored about the trimmed estimate: the source study has this vi */
                    CU_ASSERT_EQUAL(d.vi[tf->fill_of[j]], tf->fill_vi[j]);
                }
                j++;
                filled_rows++;
            }
            CU_ASSERT_EQUAL(j, tf->k0);
        }
        cmeta_trimfill_free(tf);
        free_set(&d);
    }
    CU_ASSERT(filled_rows > 0 && nonzero > 0);
    tu_fixture_free(f);
    tu_fixture_free(ff);
}

static void test_bias_small_k(void)
{
    double y[] = {0.1, 0.5}, v[] = {0.01, 0.02};
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_regtest_result eg;
    CU_ASSERT_EQUAL(cmeta_regtest(y, v, 2, 95, &eg, &err), CMETA_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "at least 3"));
    cmeta_ranktest_result rk;
    CU_ASSERT_EQUAL(cmeta_ranktest(y, v, 2, &rk, NULL, &err), CMETA_EDATA);
    cmeta_trimfill_result *tf = NULL;
    CU_ASSERT_EQUAL(cmeta_trimfill(y, v, 2, NULL, CMETA_TF_L0, CMETA_TF_AUTO, 0, &tf, NULL, &err), CMETA_EDATA);
    CU_ASSERT_PTR_NULL(tf);
    /* equal standard errors: Egger's regression is not identified */
    double y3[] = {0.1, 0.5, 0.3}, v3[] = {0.02, 0.02, 0.02};
    CU_ASSERT_EQUAL(cmeta_regtest(y3, v3, 3, 95, &eg, &err), CMETA_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "same standard error"));
    cmeta_failsafe_result fs;
    CU_ASSERT_EQUAL(cmeta_failsafe(y, v, 2, 0.05, NAN, &fs, &err), CMETA_OK);
    double y0[] = {-0.1, 0.1};
    CU_ASSERT_EQUAL(cmeta_failsafe(y0, v, 2, 0.05, NAN, &fs, &err), CMETA_OK);
    CU_ASSERT(isinf(fs.orwin));
}

/* Kendall's exact distribution against hand counts: n = 4, 24 permutations with
 * 1, 3, 5, 6, 5, 3, 1 of 0..6 inversions. A perfectly concordant set: tau = 1,
 * p = 2 * 1/24; with vi increasing and yi* increasing. */
static void test_ranktest_exact_small(void)
{
    /* yi* is increasing in vi when yi grows fast enough with vi */
    double v[] = {0.01, 0.02, 0.04, 0.08}, y[] = {-1, 0, 1, 2};
    cmeta_ranktest_result rk;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_ranktest(y, v, 4, &rk, NULL, &err), CMETA_OK);
    CU_ASSERT_EQUAL(rk.exact, 1);
    TU_ASSERT_CLOSE(rk.tau, 1.0, 1e-15, 0, "tau");
    TU_ASSERT_CLOSE(rk.pval, 2.0 / 24, 1e-14, 0, "p");
}

int main(void)
{
    gsl_set_error_handler_off();
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("regress", NULL, NULL);
    CU_add_test(s, "every estimator x z/t/knha vs metafor", test_regress_fixtures);
    CU_add_test(s, "Raudenbush 1985 published", test_raudenbush_published);
    CU_add_test(s, "factor coding and names", test_design_factor_coding);
    CU_add_test(s, "rank-deficient designs refused", test_design_refusals);
    CU_add_test(s, "missing moderators leave studies out", test_design_missing);
    CU_add_test(s, "rank check", test_rank_check_direct);
    s = CU_add_suite("influence", NULL, NULL);
    CU_add_test(s, "vs metafor influence()", test_influence_fixtures);
    CU_add_test(s, "k too small", test_influence_small_k);
    s = CU_add_suite("bias", NULL, NULL);
    CU_add_test(s, "regtest, ranktest, fsn vs metafor", test_bias_fixtures);
    CU_add_test(s, "trimfill L0/R0 vs metafor", test_trimfill_fixtures);
    CU_add_test(s, "k too small", test_bias_small_k);
    CU_add_test(s, "Kendall exact p", test_ranktest_exact_small);
    return tu_run();
}
