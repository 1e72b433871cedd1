/* test_mv.c - multilevel / multivariate models (src/lib/mv.c) against metafor 3.8.1's rma.mv
 * (tests/reference/mv/make.R: konstantopoulos2011 three-level, berkey1998 with a V matrix,
 * assink2016 with V from vcalc(rho = 0.6) and with crossed factors). Tolerance 1e-6 relative
 * (iterative; the fixtures were fitted with optim BFGS reltol 1e-15, whose score is still
 * ~5e-6 there), and 1e-9 for sigma2, coefficients and SEs at the optimum found to rounding by
 * Newton's method on the score in make.R (sigma2opt, betaopt, seopt, llopt). The rows' weights
 * and predictions (weights.rma.mv, predict.rma.mv; tests/reference/mv/weights.R) to 1e-8. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define RTOL 1e-6

/* the largest relative difference from rma.mv's values seen (printed at the end) */
static double maxrel = 0;
static char maxwhat[128];
static void track(double got, double want, const char *what)
{
    double r = fabs(got - want) / fmax(fabs(want), 1e-300);
    if (isfinite(r) && r > maxrel) {
        maxrel = r;
        snprintf(maxwhat, sizeof maxwhat, "%s", what);
    }
}

/* "CASE KEY VALUE" lines of expected.txt */
static double expect(const char *cs, const char *key)
{
    FILE *fp = fopen(tu_path("tests/reference/mv/expected.txt"), "r");
    char c[64], kk[64];
    double v, out = NAN;
    if (!fp) return NAN;
    while (fscanf(fp, "%63s %63s %lf", c, kk, &v) == 3)
        if (!strcmp(c, cs) && !strcmp(kk, key)) out = v;
    fclose(fp);
    return out;
}

/* "CASE KEY VALUE" lines of weights.txt (tests/reference/mv/weights.R: weights(fit) and
 * predict(fit) of rma.mv at the optimum to rounding) */
static double expect_w(const char *cs, const char *key)
{
    FILE *fp = fopen(tu_path("tests/reference/mv/weights.txt"), "r");
    char c[64], kk[64];
    double v, out = NAN;
    if (!fp) return NAN;
    while (fscanf(fp, "%63s %63s %lf", c, kk, &v) == 3)
        if (!strcmp(c, cs) && !strcmp(kk, key)) out = v;
    fclose(fp);
    return out;
}

/* the rows' weights (metafor's weights.rma.mv) and the predictions with CI and prediction
 * interval (predict.rma.mv; x = e_j for each of the np coefficients) to 1e-8 relative */
static int nweights_checked = 0;
static double wmaxrel = 0;
static void wtrack(double got, double want)
{
    double r = fabs(got - want) / fmax(fabs(want), 1e-300);
    if (isfinite(r) && r > wmaxrel) wmaxrel = r;
}
static void check_wp(const char *cs, const cmeta_mv_fit *f, size_t np)
{
    char key[64], what[128];
    double sum = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->weight);
    for (size_t i = 0; i < f->k; i++) {
        snprintf(key, sizeof key, "weight[%zu]", i);
        snprintf(what, sizeof what, "%s %s", cs, key);
        TU_ASSERT_CLOSE(f->weight[i], expect_w(cs, key), 1e-8, 1e-14, what);
        wtrack(f->weight[i], expect_w(cs, key));
        sum += f->weight[i];
        nweights_checked++;
    }
    TU_ASSERT_CLOSE(sum, 100, 1e-13, 0, "weights sum to 100");
    for (size_t j = 0; j < np; j++) {
        double x[8] = {0}, got[5];
        x[j] = 1;
        cmeta_mv_predict(f, x, &got[0], NULL, &got[1], &got[2], &got[3], &got[4]);
        const char *nm[] = {"pred", "ci_lb", "ci_ub", "pi_lb", "pi_ub"};
        for (int a = 0; a < 5; a++) {
            snprintf(key, sizeof key, "%s[%zu]", nm[a], j);
            snprintf(what, sizeof what, "%s %s", cs, key);
            TU_ASSERT_CLOSE(got[a], expect_w(cs, key), 1e-8, 1e-14, what);
            wtrack(got[a], expect_w(cs, key));
            nweights_checked++;
        }
        /* the CI of predict(x = e_j) is the coefficient's */
        TU_ASSERT_CLOSE(got[1], f->ci_lb[j], 1e-14, 1e-15, "predict CI = coefficient CI");
    }
}

static void check(const char *cs, const cmeta_mv_fit *f)
{
    char what[128], key[64];
    for (size_t a = 0; a < f->p; a++) {
        const char *nm[] = {"beta", "se", "zval", "pval", "ci_lb", "ci_ub"};
        const double got[] = {f->beta[a], f->se[a], f->stat[a], f->pval[a], f->ci_lb[a], f->ci_ub[a]};
        for (int j = 0; j < 6; j++) {
            if (f->p > 1) snprintf(key, sizeof key, "%s[%zu]", nm[j], a);
            else snprintf(key, sizeof key, "%s", nm[j]);
            snprintf(what, sizeof what, "%s %s", cs, key);
            TU_ASSERT_CLOSE(got[j], expect(cs, key), RTOL, 1e-12, what);
            track(got[j], expect(cs, key), what);
        }
    }
    for (size_t q = 0; q < f->s; q++) {
        if (f->s > 1) snprintf(key, sizeof key, "sigma2[%zu]", q);
        else snprintf(key, sizeof key, "sigma2");
        snprintf(what, sizeof what, "%s %s", cs, key);
        TU_ASSERT_CLOSE(f->sigma2[q], expect(cs, key), RTOL, 1e-12, what);
        track(f->sigma2[q], expect(cs, key), what);
        if (f->s > 1) snprintf(key, sizeof key, "nlvls[%zu]", q);
        else snprintf(key, sizeof key, "nlvls");
        CU_ASSERT_EQUAL((double)f->nlvls[q], expect(cs, key));
    }
    /* profile-likelihood CIs (confint.rma.mv), 1e-5 */
    for (size_t q = 0; q < f->s; q++)
        for (int b = 0; b < 2; b++) {
            const char *nm = b ? "sigma2_ci_ub" : "sigma2_ci_lb";
            double got = b ? f->sigma2_ci_ub[q] : f->sigma2_ci_lb[q];
            if (f->s > 1) snprintf(key, sizeof key, "%s[%zu]", nm, q);
            else snprintf(key, sizeof key, "%s", nm);
            snprintf(what, sizeof what, "%s %s", cs, key);
            TU_ASSERT_CLOSE(got, expect(cs, key), 1e-5, 1e-12, what);
            track(got, expect(cs, key), what);
        }
    /* multilevel I^2 (metafor FAQ) */
    for (size_t q = 0; q < f->s; q++) {
        if (f->s > 1) snprintf(key, sizeof key, "I2[%zu]", q);
        else snprintf(key, sizeof key, "I2");
        snprintf(what, sizeof what, "%s %s", cs, key);
        TU_ASSERT_CLOSE(f->I2[q], expect(cs, key), RTOL, 1e-12, what);
        track(f->I2[q], expect(cs, key), what);
    }
    snprintf(what, sizeof what, "%s I2total", cs);
    TU_ASSERT_CLOSE(f->I2_total, expect(cs, "I2total"), RTOL, 1e-12, what);
    track(f->I2_total, expect(cs, "I2total"), what);
    /* the optimum itself (make.R: Newton on the score from its definition), to 1e-9 */
    for (size_t q = 0; q < f->s; q++) {
        if (f->s > 1) snprintf(key, sizeof key, "sigma2opt[%zu]", q);
        else snprintf(key, sizeof key, "sigma2opt");
        snprintf(what, sizeof what, "%s %s", cs, key);
        TU_ASSERT_CLOSE(f->sigma2[q], expect(cs, key), 1e-9, 1e-14, what);
    }
    for (size_t a = 0; a < f->p; a++) {
        const char *nm[] = {"betaopt", "seopt"};
        const double got[] = {f->beta[a], f->se[a]};
        for (int j = 0; j < 2; j++) {
            if (f->p > 1) snprintf(key, sizeof key, "%s[%zu]", nm[j], a);
            else snprintf(key, sizeof key, "%s", nm[j]);
            snprintf(what, sizeof what, "%s %s", cs, key);
            TU_ASSERT_CLOSE(got[j], expect(cs, key), 1e-9, 1e-14, what);
        }
    }
    snprintf(what, sizeof what, "%s llopt", cs);
    TU_ASSERT_CLOSE(f->ll, expect(cs, "llopt"), 1e-12, 1e-12, what);
    const char *nm[] = {"QE", "QEp", "QM", "QMp", "ll", "deviance", "AIC", "BIC", "AICc"};
    const double got[] = {f->QE, f->QE_pval, f->QM, f->QM_pval, f->ll, f->deviance, f->AIC, f->BIC, f->AICc};
    for (int j = 0; j < 9; j++) {
        snprintf(what, sizeof what, "%s %s", cs, nm[j]);
        TU_ASSERT_CLOSE(got[j], expect(cs, nm[j]), RTOL, 1e-12, what);
        track(got[j], expect(cs, nm[j]), what);
    }
}

static cmeta_mv_fit *fit(const tu_fixture *D, const double *X, size_t p, int icpt,
                         const cmeta_mv_random *re, size_t s, const cmeta_mv_cov *cov, size_t ncov,
                         cmeta_method m, cmeta_test t)
{
    double *y = tu_column(D, "yi"), *v = tu_column(D, "vi");
    cmeta_mv_opts o;
    cmeta_mv_opts_default(&o);
    o.method = m;
    o.test = t;
    cmeta_mv_fit *f = NULL;
    cmeta_error e;
    cmeta_error_clear(&e);
    cmeta_status st = cmeta_mv(y, v, D->nrows, cov, ncov, X, p, icpt, re, s, &o, &f, NULL, &e);
    if (st != CMETA_OK) fprintf(stderr, "cmeta_mv: %s\n", e.message);
    CU_ASSERT_EQUAL(st, CMETA_OK);
    free(y);
    free(v);
    return f;
}

static void test_konstantopoulos(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/mv/konstantopoulos2011.csv");
    if (!D) return;
    size_t k = D->nrows, n1, n2, n3;
    const char *c1[] = {"district"}, *c2[] = {"district", "school"}, *c3[] = {"study"};
    size_t *l1 = tu_levels(D, c1, 1, &n1), *l2 = tu_levels(D, c2, 2, &n2), *l3 = tu_levels(D, c3, 1, &n3);
    cmeta_mv_random re[2] = {{"district", l1, n1}, {"district/school", l2, n2}};
    double *X1 = malloc(k * sizeof *X1), *X2 = malloc(2 * k * sizeof *X2);
    for (size_t i = 0; i < k; i++) {
        X1[i] = 1;
        X2[2 * i] = 1;
        X2[2 * i + 1] = tu_num(D, i, "year");
    }
    cmeta_mv_fit *f = fit(D, X1, 1, 1, re, 2, NULL, 0, CMETA_METHOD_REML, CMETA_TEST_Z);
    if (f) {
        check("k3_reml", f);
        check_wp("k3_reml", f, 1);
        CU_ASSERT_EQUAL(f->nblocks, 11);
        CU_ASSERT_EQUAL(f->maxblock, 11);
    }
    cmeta_mv_fit_free(f);
    f = fit(D, X1, 1, 1, re, 2, NULL, 0, CMETA_METHOD_ML, CMETA_TEST_Z);
    if (f) check("k3_ml", f);
    cmeta_mv_fit_free(f);
    f = fit(D, X1, 1, 1, re, 2, NULL, 0, CMETA_METHOD_ML, CMETA_TEST_T); /* t(k - 1) quantile */
    if (f) check_wp("k3_ml_t", f, 1);
    cmeta_mv_fit_free(f);
    f = fit(D, X2, 2, 1, re, 2, NULL, 0, CMETA_METHOD_REML, CMETA_TEST_T);
    if (f) {
        check("k3_year_t", f);
        CU_ASSERT_EQUAL(f->df, 54);
    }
    cmeta_mv_fit_free(f);
    cmeta_mv_random re2[2] = {{"district", l1, n1}, {"study", l3, n3}};
    f = fit(D, X1, 1, 1, re2, 2, NULL, 0, CMETA_METHOD_REML, CMETA_TEST_Z);
    if (f) check("k3_two", f);
    cmeta_mv_fit_free(f);
    free(l1), free(l2), free(l3), free(X1), free(X2);
    tu_fixture_free(D);
}

static void test_berkey(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/mv/berkey1998.csv");
    tu_fixture *L = tu_fixture_load("tests/reference/mv/berkey1998_Vlong.csv");
    if (!D || !L) return;
    size_t k = D->nrows, n1, n2, nc = 0;
    const char *c1[] = {"trial"}, *c2[] = {"trial", "outcome"};
    size_t *l1 = tu_levels(D, c1, 1, &n1), *l2 = tu_levels(D, c2, 2, &n2);
    cmeta_mv_cov *cov = calloc(L->nrows, sizeof *cov);
    for (size_t r = 0; r < L->nrows; r++) {
        size_t i = (size_t)tu_num(L, r, "i") - 1, j = (size_t)tu_num(L, r, "j") - 1;
        if (i != j) cov[nc++] = (cmeta_mv_cov){i, j, tu_num(L, r, "value")};
    }
    /* ~ outcome - 1: columns outcomeAL, outcomePD (sorted levels); ~ outcome: intrcpt, outcomePD */
    double *Xa = malloc(2 * k * sizeof *Xa), *Xb = malloc(2 * k * sizeof *Xb);
    for (size_t i = 0; i < k; i++) {
        int pd = !strcmp(tu_str(D, i, "outcome"), "PD");
        Xa[2 * i] = !pd, Xa[2 * i + 1] = pd;
        Xb[2 * i] = 1, Xb[2 * i + 1] = pd;
    }
    cmeta_mv_random re[2] = {{"trial", l1, n1}, {"trial/outcome", l2, n2}};
    cmeta_mv_fit *f = fit(D, Xa, 2, 0, re, 2, cov, nc, CMETA_METHOD_ML, CMETA_TEST_Z);
    if (f) check("berkey_ml", f);
    cmeta_mv_fit_free(f);
    f = fit(D, Xb, 2, 1, re, 1, cov, nc, CMETA_METHOD_REML, CMETA_TEST_Z);
    if (f) check("berkey_reml", f);
    cmeta_mv_fit_free(f);
    f = fit(D, Xa, 2, 0, re, 2, cov, nc, CMETA_METHOD_REML, CMETA_TEST_Z); /* cell means */
    if (f) check_wp("berkey_cm", f, 2);
    cmeta_mv_fit_free(f);
    /* a V that is not positive definite: a data error naming the block */
    cov[0].value = 10;
    double *y = tu_column(D, "yi"), *v = tu_column(D, "vi");
    cmeta_error e;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL(cmeta_mv(y, v, k, cov, nc, Xb, 2, 1, re, 1, NULL, &f, NULL, &e), CMETA_EDATA);
    CU_ASSERT_PTR_NULL(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "not positive definite"));
    free(y), free(v), free(cov), free(l1), free(l2), free(Xa), free(Xb);
    tu_fixture_free(D);
    tu_fixture_free(L);
}

static void test_assink(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/mv/assink2016.csv");
    if (!D) return;
    size_t k = D->nrows, n1, n2, n3, nc = 0;
    const char *c1[] = {"study"}, *c2[] = {"study", "esid"}, *c3[] = {"esid"};
    size_t *l1 = tu_levels(D, c1, 1, &n1), *l2 = tu_levels(D, c2, 2, &n2), *l3 = tu_levels(D, c3, 1, &n3);
    /* vcalc(vi, cluster = study, obs = esid, rho = 0.6): rho sqrt(v_i v_j) within a study */
    cmeta_mv_cov *cov = calloc(k * k, sizeof *cov);
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++)
            if (l1[i] == l1[j])
                cov[nc++] = (cmeta_mv_cov){i, j, 0.6 * sqrt(tu_num(D, i, "vi") * tu_num(D, j, "vi"))};
    double *X1 = malloc(k * sizeof *X1), *X3 = malloc(3 * k * sizeof *X3);
    for (size_t i = 0; i < k; i++) {
        const char *dt = tu_str(D, i, "deltype");
        X1[i] = 1;
        X3[3 * i] = 1, X3[3 * i + 1] = !strcmp(dt, "general"), X3[3 * i + 2] = !strcmp(dt, "overt");
    }
    cmeta_mv_random re[2] = {{"study", l1, n1}, {"study/esid", l2, n2}};
    cmeta_mv_fit *f = fit(D, X1, 1, 1, re, 2, cov, nc, CMETA_METHOD_REML, CMETA_TEST_Z);
    if (f) {
        check("assink_rho", f);
        check_wp("assink_rho", f, 1);
    }
    cmeta_mv_fit_free(f);
    f = fit(D, X3, 3, 1, re, 2, cov, nc, CMETA_METHOD_ML, CMETA_TEST_Z);
    if (f) check("assink_rho_mods", f);
    cmeta_mv_fit_free(f);
    cmeta_mv_random rx[2] = {{"study", l1, n1}, {"esid", l3, n3}};
    f = fit(D, X1, 1, 1, rx, 2, NULL, 0, CMETA_METHOD_REML, CMETA_TEST_Z);
    if (f) {
        check("assink_crossed", f);
        CU_ASSERT_EQUAL(f->nblocks, 1); /* crossed factors join every row */
    }
    cmeta_mv_fit_free(f);
    free(cov), free(l1), free(l2), free(l3), free(X1), free(X3);
    tu_fixture_free(D);
}

/* "CASE KEY VALUE" lines of compare.txt (tests/reference/mv/compare.R: metafor's anova) */
static double expect_cmp(const char *cs, const char *key)
{
    FILE *fp = fopen(tu_path("tests/reference/mv/compare.txt"), "r");
    char c[64], kk[64];
    double v, out = NAN;
    if (!fp) return NAN;
    while (fscanf(fp, "%63s %63s %lf", c, kk, &v) == 3)
        if (!strcmp(c, cs) && !strcmp(kk, key)) out = v;
    fclose(fp);
    return out;
}

static void check_cmp(const char *cs, const cmeta_mv_compare *c)
{
    char what[128];
    const char *nm[] = {"AIC", "BIC", "AICc", "ll", "df", "QE"};
    const double *got[] = {c->AIC, c->BIC, c->AICc, c->ll, c->df, c->QE};
    for (int j = 0; j < 6; j++)
        for (int r = 0; r < 2; r++) {
            char key[32];
            snprintf(key, sizeof key, "%s_%s", nm[j], r ? "r" : "f");
            snprintf(what, sizeof what, "%s %s", cs, key);
            TU_ASSERT_CLOSE(got[j][r], expect_cmp(cs, key), RTOL, 1e-12, what);
            track(got[j][r], expect_cmp(cs, key), what);
        }
    snprintf(what, sizeof what, "%s LRT", cs);
    TU_ASSERT_CLOSE(c->LRT, expect_cmp(cs, "LRT"), RTOL, 1e-12, what);
    track(c->LRT, expect_cmp(cs, "LRT"), what);
    snprintf(what, sizeof what, "%s pval", cs);
    TU_ASSERT_CLOSE(c->pval, expect_cmp(cs, "pval"), RTOL, 1e-300, what);
    track(c->pval, expect_cmp(cs, "pval"), what);
    CU_ASSERT_EQUAL(c->LRT_df, expect_cmp(cs, "df_f") - expect_cmp(cs, "df_r"));
}

/* likelihood-ratio comparisons (metafor's anova of two rma.mv fits) on Konstantopoulos 2011 */
static void test_compare(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/mv/konstantopoulos2011.csv");
    if (!D) return;
    size_t k = D->nrows, n1, n2;
    const char *c1[] = {"district"}, *c2[] = {"district", "school"};
    size_t *l1 = tu_levels(D, c1, 1, &n1), *l2 = tu_levels(D, c2, 2, &n2);
    cmeta_mv_random re[2] = {{"district", l1, n1}, {"district/school", l2, n2}};
    double *X1 = malloc(k * sizeof *X1), *X2 = malloc(2 * k * sizeof *X2);
    for (size_t i = 0; i < k; i++) {
        X1[i] = 1;
        X2[2 * i] = 1;
        X2[2 * i + 1] = tu_num(D, i, "year");
    }
    cmeta_mv_compare c;
    cmeta_error e;
    const cmeta_method ms[2] = {CMETA_METHOD_REML, CMETA_METHOD_ML};
    const char *cs[2] = {"k3_reml", "k3_ml"};
    for (int m = 0; m < 2; m++) {
        cmeta_mv_fit *f = fit(D, X1, 1, 1, re, 2, NULL, 0, ms[m], CMETA_TEST_Z);
        cmeta_mv_fit *r = fit(D, X1, 1, 1, re, 1, NULL, 0, ms[m], CMETA_TEST_Z);
        cmeta_error_clear(&e);
        if (f && r) {
            CU_ASSERT_EQUAL(cmeta_mv_compare_fits(f, r, 1, &c, &e), CMETA_OK);
            check_cmp(cs[m], &c);
            /* the reduced model given as the full one: refused, as the same model twice */
            CU_ASSERT_EQUAL(cmeta_mv_compare_fits(r, f, 1, &c, &e), CMETA_EUSAGE);
            CU_ASSERT_EQUAL(cmeta_mv_compare_fits(f, f, 1, &c, &e), CMETA_EUSAGE);
            if (m == 0) /* REML with different fixed effects: refused */
                CU_ASSERT_EQUAL(cmeta_mv_compare_fits(f, r, 0, &c, &e), CMETA_EUSAGE);
        }
        cmeta_mv_fit_free(f);
        cmeta_mv_fit_free(r);
    }
    cmeta_mv_fit *f = fit(D, X2, 2, 1, re, 2, NULL, 0, CMETA_METHOD_ML, CMETA_TEST_Z);
    cmeta_mv_fit *r = fit(D, X1, 1, 1, re, 2, NULL, 0, CMETA_METHOD_ML, CMETA_TEST_Z);
    cmeta_mv_fit *r2 = fit(D, X1, 1, 1, re, 1, NULL, 0, CMETA_METHOD_ML, CMETA_TEST_Z);
    if (f && r && r2) {
        CU_ASSERT_EQUAL(cmeta_mv_compare_fits(f, r, 0, &c, &e), CMETA_OK);
        check_cmp("year_ml", &c);
        CU_ASSERT_EQUAL(cmeta_mv_compare_fits(f, r2, 0, &c, &e), CMETA_OK);
        check_cmp("both_ml", &c);
    }
    cmeta_mv_fit_free(f), cmeta_mv_fit_free(r), cmeta_mv_fit_free(r2);
    free(l1), free(l2), free(X1), free(X2);
    tu_fixture_free(D);
}

int main(void)
{
    gsl_set_error_handler_off();
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("mv", NULL, NULL);
    CU_add_test(s, "three-level (Konstantopoulos 2011) vs rma.mv", test_konstantopoulos);
    CU_add_test(s, "multivariate with V (Berkey 1998) vs rma.mv", test_berkey);
    CU_add_test(s, "vcalc rho and crossed factors (Assink 2016) vs rma.mv", test_assink);
    CU_add_test(s, "likelihood-ratio comparisons vs metafor's anova", test_compare);
    int rc = tu_run();
    fprintf(stderr, "largest relative difference from rma.mv: %.2g (%s)\n", maxrel, maxwhat);
    fprintf(stderr, "weights and predictions checked against weights.txt at 1e-8: %d values, largest relative difference %.2g\n",
            nweights_checked, wmaxrel);
    return rc;
}
