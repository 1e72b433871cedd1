/* test_rma.c - cmeta_rma, cmeta_rma_mh, cmeta_rma_peto and cmeta_fit_data against R metafor
 * 3.8 (tests/reference/make_rma_fixtures.R writes the fixtures).
 * Tolerances (relative): 1e-8 for the closed forms (FE, DL, HE, HS, SJ, MH, Peto), 1e-6 for
 * the iterative estimators (ML, REML, EB, PM) and for every Q-profile interval. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

#define MAXK 64

typedef struct {
    size_t k, q;
    double yi[MAXK], vi[MAXK], X[MAXK * 3];
} dataset;

static int load_data(const char *name, const char *mods, dataset *d)
{
    char path[256];
    snprintf(path, sizeof path, "tests/reference/rma/data_%s.csv", name);
    tu_fixture *f = tu_fixture_load(path);
    if (!f) return -1;
    d->k = f->nrows;
    d->q = 0;
    CU_ASSERT_FATAL(d->k <= MAXK);
    char cols[3][64];
    if (strcmp(mods, "none") != 0) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", mods);
        for (char *t = strtok(buf, "+"); t && d->q < 3; t = strtok(NULL, "+"))
            snprintf(cols[d->q++], sizeof cols[0], "%s", t);
    }
    for (size_t i = 0; i < d->k; i++) {
        d->yi[i] = tu_num(f, i, "yi");
        d->vi[i] = tu_num(f, i, "vi");
        for (size_t j = 0; j < d->q; j++) d->X[i * d->q + j] = tu_num(f, i, cols[j]);
    }
    tu_fixture_free(f);
    return 0;
}

static int is_closed(const char *m)
{
    return !strcmp(m, "FE") || !strcmp(m, "DL") || !strcmp(m, "HE") || !strcmp(m, "HS") ||
           !strcmp(m, "SJ");
}

/* compare unless the reference is NA (metafor gives none) */
static void cmp_opt(double got, double ref, double rtol, double atol, const char *what)
{
    if (isnan(ref)) return;
    TU_ASSERT_CLOSE(got, ref, rtol, atol, what);
}

static void test_fits(void)
{
    tu_fixture *F = tu_fixture_load("tests/reference/rma/fits.csv");
    tu_fixture *W = tu_fixture_load("tests/reference/rma/weights.csv");
    CU_ASSERT_FATAL(F != NULL && W != NULL);
    size_t wrow = 0, nfits = 0;
    for (size_t r = 0; r < F->nrows; r++) {
        const char *data = tu_str(F, r, "data"), *mods = tu_str(F, r, "mods");
        const char *meth = tu_str(F, r, "method"), *test = tu_str(F, r, "test");
        char what[256];
        dataset d;
        CU_ASSERT_FATAL(load_data(data, mods, &d) == 0);
        cmeta_fit_opts o;
        cmeta_fit_opts_default(&o);
        CU_ASSERT_FATAL(cmeta_method_from_name(meth, &o.method) == CMETA_OK);
        CU_ASSERT_FATAL(cmeta_test_from_name(test, &o.test) == CMETA_OK);
        cmeta_fit *f = NULL;
        cmeta_error e;
        cmeta_error_clear(&e);
        cmeta_warnings w;
        cmeta_warnings_init(&w);
        cmeta_status st = cmeta_rma(d.yi, d.vi, d.k, d.q ? d.X : NULL, d.q, &o, &f, &w, &e);
        snprintf(what, sizeof what, "%s mods=%s %s %s", data, mods, meth, test);
        if (st != CMETA_OK) {
            printf("\n%s: %s\n", what, e.message);
            CU_FAIL("fit failed");
            cmeta_warnings_free(&w);
            continue;
        }
        nfits++;
        double rt = is_closed(meth) ? 1e-8 : 1e-6, at = is_closed(meth) ? 1e-12 : 1e-9;
        char lab[320];
#define CMP(got, col, rtol, atol)                                                     \
    do {                                                                              \
        snprintf(lab, sizeof lab, "%s: %s", what, col);                               \
        TU_ASSERT_CLOSE((got), tu_num(F, r, col), (rtol), (atol), lab);               \
    } while (0)
#define CMPO(got, col, rtol, atol)                                                    \
    do {                                                                              \
        snprintf(lab, sizeof lab, "%s: %s", what, col);                               \
        cmp_opt((got), tu_num(F, r, col), (rtol), (atol), lab);                       \
    } while (0)
        CU_ASSERT_EQUAL(f->k, (size_t)tu_num(F, r, "k"));
        CU_ASSERT_EQUAL(f->p, (size_t)tu_num(F, r, "p"));
        for (size_t j = 0; j < f->p; j++) {
            char c[32];
            snprintf(c, sizeof c, "b%zu", j); CMP(f->beta[j], c, rt, at);
            snprintf(c, sizeof c, "se%zu", j); CMP(f->se[j], c, rt, at);
            snprintf(c, sizeof c, "zval%zu", j); CMP(f->stat[j], c, rt, at);
            snprintf(c, sizeof c, "pval%zu", j); CMP(f->pval[j], c, rt, 1e-15);
            snprintf(c, sizeof c, "cilb%zu", j); CMP(f->ci_lb[j], c, rt, at);
            snprintf(c, sizeof c, "ciub%zu", j); CMP(f->ci_ub[j], c, rt, at);
        }
        CMP(f->tau2, "tau2", rt, at);
        CMP(f->se_tau2, "se_tau2", rt, at);
        CMP(f->QM, "QM", rt, at);
        CMP(f->QM_pval, "QMp", rt, 1e-15);
        CMP(f->QM_df, "QMdf1", 0, 0);
        CMP(f->df, "QMdf2", 0, 0);
        CMP(f->ll, "ll", rt, at);
        CMP(f->deviance, "dev", rt, at);
        CMPO(f->R2, "R2", rt, 1e-7);
        if (f->k == 1) {
            /* cmeta: no heterogeneity statistics with one study (metafor prints 0/1) */
            CU_ASSERT(isnan(f->Q) && isnan(f->I2) && isnan(f->H2));
            CU_ASSERT(w.n >= 1 || o.method == CMETA_METHOD_FE);
        } else {
            CMP(f->Q, "QE", rt, at);
            CMP(f->Q_pval, "QEp", rt, 1e-15);
            CMP(f->I2, "I2", rt, at);
            CMP(f->H2, "H2", rt, at);
            CMP(f->vt, "vt", rt, at);
            double QE = tu_num(F, r, "QE"), df = (double)(f->k - f->p);
            if (df > 0) {
                double i2q = QE > 0 ? fmax(0, 100 * (QE - df) / QE) : 0;
                TU_ASSERT_CLOSE(f->I2_Q, i2q, rt, at, "I2_Q");
            }
            CMPO(f->tau2_ci_lb, "tau2_lb", 1e-6, 1e-9);
            CMPO(f->tau2_ci_ub, "tau2_ub", 1e-6, 1e-9);
            CMPO(f->I2_ci_lb, "I2_lb", 1e-6, 1e-7);
            CMPO(f->I2_ci_ub, "I2_ub", 1e-6, 1e-7);
            CMPO(f->H2_ci_lb, "H2_lb", 1e-6, 1e-9);
            CMPO(f->H2_ci_ub, "H2_ub", 1e-6, 1e-9);
            if (o.method == CMETA_METHOD_FE) CU_ASSERT(isnan(f->tau2_ci_lb));
        }
        CMPO(f->pi_lb, "pi_lb", rt, at);
        CMPO(f->pi_ub, "pi_ub", rt, at);
        if (o.method == CMETA_METHOD_FE && f->p == 1) {
            TU_ASSERT_CLOSE(f->pi_lb, f->ci_lb[0], 1e-15, 0, "FE pi = ci");
        }
        /* weights */
        double id = tu_num(F, r, "id"), sum = 0;
        size_t n = 0;
        while (wrow < W->nrows && tu_num(W, wrow, "id") < id) wrow++;
        for (; wrow < W->nrows && tu_num(W, wrow, "id") == id; wrow++, n++) {
            size_t i = (size_t)tu_num(W, wrow, "i") - 1;
            snprintf(lab, sizeof lab, "%s: weight %zu", what, i + 1);
            TU_ASSERT_CLOSE(f->weight[i], tu_num(W, wrow, "weight"), rt, at, lab);
            sum += f->weight[i];
        }
        CU_ASSERT_EQUAL(n, f->k);
        TU_ASSERT_CLOSE(sum, 100.0, 1e-12, 0, "weights sum to 100");
        cmeta_fit_free(f);
        cmeta_warnings_free(&w);
#undef CMP
#undef CMPO
    }
    CU_ASSERT(nfits >= 300);
    tu_fixture_free(F);
    tu_fixture_free(W);
}

static void load_tab(const char *name, double *a, double *b, double *c, double *d, size_t *k)
{
    char path[256];
    snprintf(path, sizeof path, "tests/reference/rma/tab_%s.csv", name);
    tu_fixture *f = tu_fixture_load(path);
    CU_ASSERT_FATAL(f != NULL && f->nrows <= MAXK);
    *k = f->nrows;
    for (size_t i = 0; i < *k; i++) {
        a[i] = tu_num(f, i, "ai");
        b[i] = tu_num(f, i, "bi");
        c[i] = tu_num(f, i, "ci");
        d[i] = tu_num(f, i, "di");
    }
    tu_fixture_free(f);
}

static void test_mh(void)
{
    tu_fixture *F = tu_fixture_load("tests/reference/rma/mh.csv");
    tu_fixture *W = tu_fixture_load("tests/reference/rma/mh_weights.csv");
    CU_ASSERT_FATAL(F != NULL && W != NULL);
    size_t wrow = 0;
    for (size_t r = 0; r < F->nrows; r++) {
        double a[MAXK], b[MAXK], c[MAXK], d[MAXK];
        size_t k;
        const char *data = tu_str(F, r, "data"), *meas = tu_str(F, r, "measure");
        load_tab(data, a, b, c, d, &k);
        cmeta_escalc_opts eo;
        cmeta_escalc_opts_default(&eo);
        for (int rnd = 0; rnd < 2; rnd++) {
            cmeta_fit_opts o;
            cmeta_fit_opts_default(&o);
            o.mh_random = rnd;
            cmeta_fit *f = NULL;
            cmeta_error e;
            cmeta_error_clear(&e);
            cmeta_status st;
            cmeta_measure m = CMETA_OR;
            if (!strcmp(meas, "PETO")) {
                st = cmeta_rma_peto(a, b, c, d, k, &eo, &o, &f, NULL, &e);
            } else {
                CU_ASSERT_FATAL(cmeta_measure_from_name(meas, &m) == CMETA_OK);
                st = cmeta_rma_mh(m, a, b, c, d, k, &eo, &o, &f, NULL, &e);
            }
            CU_ASSERT_FATAL(st == CMETA_OK);
            char lab[128];
#define CMP(got, col)                                                                 \
    do {                                                                              \
        snprintf(lab, sizeof lab, "%s %s%s: %s", data, meas, rnd ? " random" : "", col); \
        TU_ASSERT_CLOSE((got), tu_num(F, r, col), 1e-8, 1e-15, lab);                  \
    } while (0)
            CU_ASSERT_EQUAL(f->k, k);
            CMP(f->Q, "QE");
            CMP(f->Q_pval, "QEp");
            CMP(f->I2, "I2");
            CMP(f->H2, "H2");
            if (!rnd) {
                CMP(f->beta[0], "b");
                CMP(f->se[0], "se");
                CMP(f->stat[0], "zval");
                CMP(f->pval[0], "pval");
                CMP(f->ci_lb[0], "cilb");
                CMP(f->ci_ub[0], "ciub");
                CU_ASSERT(f->tau2 == 0);
                double id = tu_num(F, r, "id");
                while (wrow < W->nrows && tu_num(W, wrow, "id") < id) wrow++;
                for (; wrow < W->nrows && tu_num(W, wrow, "id") == id; wrow++) {
                    size_t i = (size_t)tu_num(W, wrow, "i") - 1;
                    TU_ASSERT_CLOSE(f->weight[i], tu_num(W, wrow, "weight"), 1e-8, 1e-15,
                                    "MH/Peto weight");
                }
            } else {
                CMP(f->tau2, "rm_tau2");
                CMP(f->beta[0], "rm_b");
                CMP(f->se[0], "rm_se");
            }
#undef CMP
            cmeta_fit_free(f);
        }
    }
    tu_fixture_free(F);
    tu_fixture_free(W);
}

/* Identical studies: tau^2 exactly 0, truncation flagged, for every estimator. */
static void test_identical(void)
{
    double y[5] = {0.5, 0.5, 0.5, 0.5, 0.5}, v[5] = {0.1, 0.2, 0.05, 0.3, 0.15};
    for (int m = CMETA_METHOD_DL; m <= CMETA_METHOD_PM; m++) {
        cmeta_fit_opts o;
        cmeta_fit_opts_default(&o);
        o.method = (cmeta_method)m;
        cmeta_fit *f = NULL;
        CU_ASSERT_FATAL(cmeta_rma(y, v, 5, NULL, 0, &o, &f, NULL, NULL) == CMETA_OK);
        CU_ASSERT(f->tau2 == 0.0);
        CU_ASSERT(f->beta[0] == 0.5 || fabs(f->beta[0] - 0.5) < 1e-15);
        CU_ASSERT(f->Q == 0.0);
        CU_ASSERT(f->I2 == 0.0);
        if (m != CMETA_METHOD_SJ) CU_ASSERT(f->tau2_truncated == 1);
        cmeta_fit_free(f);
    }
}

static void test_errors(void)
{
    double y[6] = {0.1, 0.3, -0.2, 0.5, 0.4, 0.0}, v[6] = {0.1, 0.2, 0.05, 0.3, 0.15, 0.1};
    double X[12];
    for (int i = 0; i < 6; i++) {
        X[2 * i] = i;
        X[2 * i + 1] = 2.0 * i + 1.0; /* = 2 x col1 + intercept */
    }
    cmeta_fit_opts o;
    cmeta_fit_opts_default(&o);
    cmeta_fit *f = (cmeta_fit *)1;
    cmeta_error e;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL(cmeta_rma(y, v, 6, X, 2, &o, &f, NULL, &e), CMETA_EDATA);
    CU_ASSERT(f == NULL);
    CU_ASSERT_EQUAL(e.index, 1);
    CU_ASSERT(strstr(e.message, "column 2") != NULL);
    /* vi <= 0 */
    double vb[6] = {0.1, 0.2, 0.0, 0.3, 0.15, 0.1};
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL(cmeta_rma(y, vb, 6, NULL, 0, &o, &f, NULL, &e), CMETA_EDATA);
    CU_ASSERT_EQUAL(e.index, 2);
    /* MH via cmeta_rma */
    o.method = CMETA_METHOD_MH;
    CU_ASSERT_EQUAL(cmeta_rma(y, v, 6, NULL, 0, &o, &f, NULL, &e), CMETA_EUSAGE);
    /* more coefficients than studies */
    cmeta_fit_opts_default(&o);
    CU_ASSERT_EQUAL(cmeta_rma(y, v, 1, X, 2, &o, &f, NULL, &e), CMETA_EDATA);
    /* non-convergence is reported */
    tu_fixture *d = tu_fixture_load("tests/reference/rma/data_bcg.csv");
    CU_ASSERT_FATAL(d != NULL);
    double *yy = tu_column(d, "yi"), *vv = tu_column(d, "vi");
    o.method = CMETA_METHOD_REML;
    o.maxiter = 1;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL(cmeta_rma(yy, vv, d->nrows, NULL, 0, &o, &f, NULL, &e), CMETA_ENOCONV);
    CU_ASSERT(strstr(e.message, "REML did not converge after") != NULL);
    /* fixed tau^2 */
    cmeta_fit_opts_default(&o);
    o.tau2_fixed = 1;
    o.tau2 = 0.3;
    CU_ASSERT_FATAL(cmeta_rma(yy, vv, d->nrows, NULL, 0, &o, &f, NULL, &e) == CMETA_OK);
    CU_ASSERT(f->tau2 == 0.3);
    double sw = 0, swy = 0;
    for (size_t i = 0; i < d->nrows; i++) {
        sw += 1 / (vv[i] + 0.3);
        swy += yy[i] / (vv[i] + 0.3);
    }
    TU_ASSERT_CLOSE(f->beta[0], swy / sw, 1e-13, 0, "fixed tau2 estimate");
    cmeta_fit_free(f);
    free(yy);
    free(vv);
    tu_fixture_free(d);
}

static void test_names(void)
{
    cmeta_method m;
    for (int i = CMETA_METHOD_FE; i <= CMETA_METHOD_PETO; i++) {
        CU_ASSERT_EQUAL(cmeta_method_from_name(cmeta_method_name((cmeta_method)i), &m), CMETA_OK);
        CU_ASSERT_EQUAL(m, i);
    }
    CU_ASSERT(cmeta_method_from_name("ee", &m) == CMETA_OK && m == CMETA_METHOD_FE);
    CU_ASSERT(cmeta_method_from_name("Ce", &m) == CMETA_OK && m == CMETA_METHOD_FE);
    CU_ASSERT(cmeta_method_from_name("reml", &m) == CMETA_OK && m == CMETA_METHOD_REML);
    CU_ASSERT(cmeta_method_from_name("XYZ", &m) == CMETA_EUSAGE);
    cmeta_test t;
    CU_ASSERT(cmeta_test_from_name("KNHA", &t) == CMETA_OK && t == CMETA_TEST_KNHA);
    CU_ASSERT(cmeta_test_from_name("t", &t) == CMETA_OK && t == CMETA_TEST_T);
    CU_ASSERT(cmeta_test_from_name("w", &t) == CMETA_EUSAGE);
    CU_ASSERT_STRING_EQUAL(cmeta_test_name(CMETA_TEST_Z), "z");
    cmeta_fit_opts o;
    cmeta_fit_opts_default(&o);
    CU_ASSERT(o.method == CMETA_METHOD_REML && o.test == CMETA_TEST_Z && o.level == 95 &&
              o.intercept == 1 && o.tol == 1e-10);
}

/* cmeta_fit_data: MH/Peto need 2x2 data; other methods fit yi/vi. */
static void test_fit_data(void)
{
    double a[3] = {4, 6, 3}, b[3] = {119, 300, 228}, c[3] = {11, 29, 11}, dd[3] = {128, 274, 209};
    double yi[3], vi[3];
    cmeta_data d;
    memset(&d, 0, sizeof d);
    d.k = 3;
    d.measure = CMETA_OR;
    d.ai = a; d.bi = b; d.ci = c; d.di = dd;
    for (int i = 0; i < 3; i++) {
        yi[i] = log(a[i] * dd[i] / (b[i] * c[i]));
        vi[i] = 1 / a[i] + 1 / b[i] + 1 / c[i] + 1 / dd[i];
    }
    d.yi = yi;
    d.vi = vi;
    cmeta_fit_opts o;
    cmeta_fit_opts_default(&o);
    cmeta_fit *f1 = NULL, *f2 = NULL;
    o.method = CMETA_METHOD_MH;
    CU_ASSERT_FATAL(cmeta_fit_data(&d, &o, &f1, NULL, NULL) == CMETA_OK);
    CU_ASSERT_FATAL(cmeta_rma_mh(CMETA_OR, a, b, c, dd, 3, NULL, &o, &f2, NULL, NULL) == CMETA_OK);
    CU_ASSERT(f1->beta[0] == f2->beta[0] && f1->method == CMETA_METHOD_MH);
    cmeta_fit_free(f1);
    cmeta_fit_free(f2);
    o.method = CMETA_METHOD_DL;
    CU_ASSERT_FATAL(cmeta_fit_data(&d, &o, &f1, NULL, NULL) == CMETA_OK);
    CU_ASSERT_FATAL(cmeta_rma(yi, vi, 3, NULL, 0, &o, &f2, NULL, NULL) == CMETA_OK);
    CU_ASSERT(f1->beta[0] == f2->beta[0] && f1->tau2 == f2->tau2);
    cmeta_fit_free(f1);
    cmeta_fit_free(f2);
    d.measure = CMETA_SMD;
    d.ai = d.bi = d.ci = d.di = NULL;
    o.method = CMETA_METHOD_MH;
    cmeta_error e;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL(cmeta_fit_data(&d, &o, &f1, NULL, &e), CMETA_EUSAGE);
    CU_ASSERT(strstr(e.message, "2x2") != NULL);
    o.method = CMETA_METHOD_PETO;
    CU_ASSERT_EQUAL(cmeta_fit_data(&d, &o, &f1, NULL, &e), CMETA_EUSAGE);
}

int main(void)
{
    gsl_set_error_handler_off();
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("rma", NULL, NULL);
    CU_add_test(s, "rma.uni fits vs metafor (every estimator x test, mods)", test_fits);
    CU_add_test(s, "rma.mh / rma.peto vs metafor, RevMan 5 random effects", test_mh);
    CU_add_test(s, "identical studies give tau2 = 0", test_identical);
    CU_add_test(s, "errors: rank deficiency, vi, non-convergence, fixed tau2", test_errors);
    CU_add_test(s, "method and test names, defaults", test_names);
    CU_add_test(s, "cmeta_fit_data dispatch", test_fit_data);
    return tu_run();
}
