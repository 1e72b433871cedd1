/* test_mv_struct.c - `inner | outer` terms of multivariate models (src/lib/mv.c, cmeta_mv_ex)
 * against metafor 3.8.1's rma.mv(random = ~ inner | outer, struct = S)
 * (tests/reference/mv/make_struct.R): dat.berkey1998 (two outcomes per trial, V known) with UN
 * (REML and ML), CS, HCS, DIAG and ID; dat.ishak2007 in long format (up to four time points per
 * study, AR(1) sampling errors) with AR (REML and ML), HAR, HCS, and a random intercept per
 * study plus AR. Tolerance 1e-6 relative for the values rma.mv reports (fitted with optim BFGS,
 * reltol 1e-15), 1e-5 for the profile CIs (confint, uniroot tol 1e-12), and 1e-8 for the
 * parameters, coefficients and SEs at the optimum found to rounding in make_struct.R (Newton
 * on the score from its definition with dense matrices: theta_opt, betaopt, seopt, llopt). */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define RTOL 1e-6

static double maxrel = 0;
static char maxwhat[128];
static int nchecks = 0;
static void track(double got, double want, const char *what)
{
    double r = fabs(got - want) / fmax(fabs(want), 1e-300);
    nchecks++;
    if (fabs(want) < 1e-12) return; /* compared absolutely (p-values such as 1e-180) */
    if (isfinite(r) && r > maxrel) {
        maxrel = r;
        snprintf(maxwhat, sizeof maxwhat, "%s", what);
    }
}

/* "CASE KEY VALUE" lines of expected_struct.txt (NAN when absent) */
static double expect(const char *cs, const char *key)
{
    FILE *fp = fopen(tu_path("tests/reference/mv/expected_struct.txt"), "r");
    char line[256], c[64], kk[64], val[64];
    double out = NAN;
    if (!fp) return NAN;
    while (fgets(line, sizeof line, fp)) /* "NA" (a CI metafor could not find) reads as NAN */
        if (sscanf(line, "%63s %63s %63s", c, kk, val) == 3 && !strcmp(c, cs) && !strcmp(kk, key))
            out = strcmp(val, "NA") ? strtod(val, NULL) : NAN;
    fclose(fp);
    return out;
}

static void key_of(char *key, size_t cap, const char *name, size_t j, size_t n)
{
    if (n > 1) snprintf(key, cap, "%s[%zu]", name, j);
    else snprintf(key, cap, "%s", name);
}

static void cmp(const char *cs, const char *key, double got, double rtol)
{
    char what[160];
    double want = expect(cs, key);
    snprintf(what, sizeof what, "%s %s", cs, key);
    if (isnan(want)) {
        fprintf(stderr, "no reference value for %s\n", what);
        CU_FAIL("reference value missing");
        return;
    }
    TU_ASSERT_CLOSE(got, want, rtol, 1e-12, what);
    if (rtol == RTOL) track(got, want, what);
}

static void check(const char *cs, const cmeta_mv_fit *f, int with_ci)
{
    char key[64];
    for (size_t a = 0; a < f->p; a++) {
        const char *nm[] = {"beta", "se", "zval", "pval", "ci_lb", "ci_ub"};
        const double got[] = {f->beta[a], f->se[a], f->stat[a], f->pval[a], f->ci_lb[a], f->ci_ub[a]};
        for (int j = 0; j < 6; j++) {
            key_of(key, sizeof key, nm[j], a, f->p);
            cmp(cs, key, got[j], RTOL);
        }
    }
    for (size_t q = 0; q < f->s; q++) {
        key_of(key, sizeof key, "sigma2", q, f->s);
        cmp(cs, key, f->sigma2[q], RTOL);
    }
    CU_ASSERT_FATAL(f->has_term);
    for (size_t q = 0; q < f->ntau2; q++) {
        key_of(key, sizeof key, "tau2", q, f->ntau2);
        cmp(cs, key, f->tau2[q], RTOL);
    }
    for (size_t q = 0; q < f->nrho; q++) {
        key_of(key, sizeof key, "rho", q, f->nrho);
        cmp(cs, key, f->rho[q], RTOL);
    }
    for (size_t a = 0; a < f->ninner; a++) {
        key_of(key, sizeof key, "k_lvl", a, f->ninner);
        CU_ASSERT_EQUAL((double)f->k_lvl[a], expect(cs, key));
    }
    CU_ASSERT_EQUAL((double)f->nouter, expect(cs, "nlvls_outer"));
    const char *nm[] = {"QE", "QEp", "QM", "QMp", "ll", "deviance", "AIC", "BIC", "AICc"};
    const double got[] = {f->QE, f->QE_pval, f->QM, f->QM_pval, f->ll, f->deviance, f->AIC, f->BIC, f->AICc};
    for (int j = 0; j < 9; j++) cmp(cs, nm[j], got[j], RTOL);
    /* the optimum to rounding (make_struct.R's polish) */
    size_t np = f->s + f->ntau2 + f->nrho;
    for (size_t q = 0; q < np; q++) {
        double v = q < f->s ? f->sigma2[q] : q < f->s + f->ntau2 ? f->tau2[q - f->s] : f->rho[q - f->s - f->ntau2];
        key_of(key, sizeof key, "theta_opt", q, np);
        cmp(cs, key, v, 1e-8);
    }
    for (size_t a = 0; a < f->p; a++) {
        key_of(key, sizeof key, "betaopt", a, f->p);
        cmp(cs, key, f->beta[a], 1e-8);
        key_of(key, sizeof key, "seopt", a, f->p);
        cmp(cs, key, f->se[a], 1e-8);
    }
    cmp(cs, "llopt", f->ll, 1e-11);
    if (!with_ci) return;
    /* profile-likelihood CIs (confint.rma.mv), 1e-5 */
    const struct { const char *name; size_t n; const double *lb, *ub; const int *fx; } cis[3] = {
        {"sigma2_ci", f->s, f->sigma2_ci_lb, f->sigma2_ci_ub, f->sigma2_fixed},
        {"tau2_ci", f->ntau2, f->tau2_ci_lb, f->tau2_ci_ub, f->tau2_fixed},
        {"rho_ci", f->nrho, f->rho_ci_lb, f->rho_ci_ub, f->rho_fixed}};
    for (int c = 0; c < 3; c++)
        for (size_t q = 0; q < cis[c].n; q++) {
            if (cis[c].fx[q]) continue;
            char what[160];
            for (int b = 0; b < 2; b++) {
                snprintf(key, sizeof key, "%s[%zu][%d]", cis[c].name, q, b);
                double want = expect(cs, key), g = b ? cis[c].ub[q] : cis[c].lb[q];
                snprintf(what, sizeof what, "%s %s", cs, key);
                if (isnan(want)) continue; /* metafor's confint did not converge there */
                TU_ASSERT_CLOSE(g, want, 1e-5, 1e-10, what);
                track(g, want, what);
            }
        }
}

/* 0-based ids of a column's values in sorted order (numeric when every value is a number) */
static size_t *sorted_levels(const tu_fixture *D, const char *col, size_t *nlev)
{
    size_t n = D->nrows, m = 0;
    size_t *id = calloc(n, sizeof *id);
    const char **u = calloc(n, sizeof *u);
    int numeric = 1;
    for (size_t i = 0; i < n; i++) {
        char *end;
        const char *s = tu_str(D, i, col);
        (void)strtod(s, &end);
        if (end == s || *end) numeric = 0;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = tu_str(D, i, col);
        size_t j = 0;
        while (j < m && strcmp(u[j], s)) j++;
        if (j == m) u[m++] = s;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = tu_str(D, i, col);
        size_t r = 0;
        for (size_t j = 0; j < m; j++)
            r += numeric ? strtod(u[j], NULL) < strtod(s, NULL) : strcmp(u[j], s) < 0;
        id[i] = r;
    }
    free(u);
    *nlev = m;
    return id;
}

static cmeta_mv_cov *read_vlong(const char *path, size_t *nc)
{
    tu_fixture *L = tu_fixture_load(path);
    if (!L) return NULL;
    cmeta_mv_cov *cov = calloc(L->nrows + 1, sizeof *cov);
    *nc = 0;
    for (size_t r = 0; r < L->nrows; r++) {
        size_t i = (size_t)tu_num(L, r, "i") - 1, j = (size_t)tu_num(L, r, "j") - 1;
        if (i != j) cov[(*nc)++] = (cmeta_mv_cov){i, j, tu_num(L, r, "value")};
    }
    tu_fixture_free(L);
    return cov;
}

static cmeta_mv_fit *fit(const tu_fixture *D, const double *X, size_t p, const cmeta_mv_cov *cov,
                         size_t ncov, const cmeta_mv_random *re, size_t s, const cmeta_mv_term *t,
                         cmeta_method m, int ci, cmeta_warnings *w)
{
    double *y = tu_column(D, "yi"), *v = tu_column(D, "vi");
    cmeta_mv_opts o;
    cmeta_mv_opts_default(&o);
    o.method = m;
    o.profile_ci = ci;
    cmeta_mv_fit *f = NULL;
    cmeta_error e;
    cmeta_error_clear(&e);
    cmeta_status st = cmeta_mv_ex(y, v, D->nrows, cov, ncov, X, p, 0, re, s, t, &o, &f, w, &e);
    if (st != CMETA_OK) fprintf(stderr, "cmeta_mv_ex: %s\n", e.message);
    CU_ASSERT_EQUAL(st, CMETA_OK);
    free(y), free(v);
    return f;
}

static void test_berkey(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/mv/berkey1998.csv");
    size_t nc = 0, k, ni, no;
    cmeta_mv_cov *cov = read_vlong("tests/reference/mv/berkey1998_Vlong.csv", &nc);
    if (!D || !cov) return;
    k = D->nrows;
    size_t *in = sorted_levels(D, "outcome", &ni), *out = sorted_levels(D, "trial", &no);
    const char *labs[] = {"AL", "PD"};
    double *X = malloc(2 * k * sizeof *X);
    for (size_t i = 0; i < k; i++) X[2 * i] = in[i] == 0, X[2 * i + 1] = in[i] == 1;
    cmeta_mv_term t = {CMETA_MV_UN, "outcome", "trial", in, ni, labs, out, no};
    const struct { cmeta_mv_structure st; const char *cs; cmeta_method m; } cases[] = {
        {CMETA_MV_UN, "berkey_un", CMETA_METHOD_REML}, {CMETA_MV_CS, "berkey_cs", CMETA_METHOD_REML},
        {CMETA_MV_HCS, "berkey_hcs", CMETA_METHOD_REML}, {CMETA_MV_DIAG, "berkey_diag", CMETA_METHOD_REML},
        {CMETA_MV_ID, "berkey_id", CMETA_METHOD_REML}, {CMETA_MV_UN, "berkey_un_ml", CMETA_METHOD_ML}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        t.structure = cases[c].st;
        cmeta_mv_fit *f = fit(D, X, 2, cov, nc, NULL, 0, &t, cases[c].m, 1, NULL);
        if (f) {
            check(cases[c].cs, f, 1);
            CU_ASSERT_EQUAL(f->nblocks, 5);
            CU_ASSERT_STRING_EQUAL(f->inner_labels[1], "PD");
            CU_ASSERT(isnan(f->I2_total));
        }
        cmeta_mv_fit_free(f);
    }
    /* UN's correlations are ordered as metafor's (one here); k_comb counts the trials with both */
    t.structure = CMETA_MV_UN;
    cmeta_mv_fit *f = fit(D, X, 2, cov, nc, NULL, 0, &t, CMETA_METHOD_REML, 0, NULL);
    if (f) {
        CU_ASSERT_EQUAL(f->nrho, 1);
        CU_ASSERT_EQUAL(f->k_comb[0], 5);
        CU_ASSERT(isnan(f->tau2_ci_lb[0]));
    }
    cmeta_mv_fit_free(f);
    /* a level in a single trial: its tau2 fixed to 0, and (bivariate) rho too, with a warning */
    size_t *in2 = malloc(k * sizeof *in2);
    memcpy(in2, in, k * sizeof *in2);
    cmeta_mv_term t2 = t;
    const char *labs3[] = {"AL", "PD", "XX", "YY"};
    in2[0] = 2; /* trial 1's PD becomes a third level XX */
    t2.inner = in2, t2.ninner = 3, t2.inner_labels = labs3, t2.structure = CMETA_MV_HCS;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    f = fit(D, X, 2, cov, nc, NULL, 0, &t2, CMETA_METHOD_REML, 0, &w);
    if (f) {
        CU_ASSERT_EQUAL(f->k_lvl[2], 1);
        CU_ASSERT(f->tau2_fixed[2] && f->tau2[2] == 0);
        CU_ASSERT(!f->tau2_fixed[0] && !f->rho_fixed[0]);
        CU_ASSERT(w.n >= 1);
    }
    cmeta_mv_fit_free(f);
    cmeta_warnings_free(&w);
    /* UN: PD of trials 1 and 2 relabelled XX: the pair (PD, XX) never shares a trial, its rho
     * is fixed to 0 with a warning. With two trials per pair the other correlations go to the
     * boundary of the positive semidefinite matrices (r13^2 + r23^2 = 1), which cmeta refuses
     * (CMETA_ENUMERIC, "boundary") rather than report a point short of the optimum */
    in2[2] = 2;
    t2.structure = CMETA_MV_UN;
    cmeta_warnings_init(&w);
    {
        double *yy = tu_column(D, "yi"), *vv = tu_column(D, "vi");
        cmeta_error e2;
        cmeta_error_clear(&e2);
        cmeta_status st2 = cmeta_mv_ex(yy, vv, k, cov, nc, X, 2, 0, NULL, 0, &t2, NULL, &f, &w, &e2);
        CU_ASSERT(st2 == CMETA_ENUMERIC && strstr(e2.message, "boundary"));
        CU_ASSERT_PTR_NULL(f);
        int warned = 0;
        for (size_t i = 0; i < w.n; i++) warned |= strstr(w.text[i], "never occur in the same level") != NULL;
        CU_ASSERT(warned);
        free(yy), free(vv);
    }
    cmeta_mv_fit_free(f);
    cmeta_warnings_free(&w);
    /* a level out of range, a level that does not occur: usage errors */
    cmeta_error e;
    cmeta_error_clear(&e);
    double *y = tu_column(D, "yi"), *v = tu_column(D, "vi");
    t2.ninner = 4, t2.structure = CMETA_MV_CS;
    CU_ASSERT_EQUAL(cmeta_mv_ex(y, v, k, cov, nc, X, 2, 0, NULL, 0, &t2, NULL, &f, NULL, &e), CMETA_EUSAGE);
    t2.ninner = 2;
    CU_ASSERT_EQUAL(cmeta_mv_ex(y, v, k, cov, nc, X, 2, 0, NULL, 0, &t2, NULL, &f, NULL, &e), CMETA_EUSAGE);
    CU_ASSERT_PTR_NULL(f);
    free(y), free(v), free(in2);
    free(in), free(out), free(X), free(cov);
    tu_fixture_free(D);
}

static void test_ishak(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/mv/ishak2007_long.csv");
    size_t nc = 0, k, ni, no;
    cmeta_mv_cov *cov = read_vlong("tests/reference/mv/ishak2007_Vlong.csv", &nc);
    if (!D || !cov) return;
    k = D->nrows;
    size_t *in = sorted_levels(D, "time", &ni), *out = sorted_levels(D, "study", &no);
    CU_ASSERT_EQUAL(ni, 4);
    double *X = calloc(4 * k, sizeof *X);
    for (size_t i = 0; i < k; i++) X[4 * i + in[i]] = 1;
    cmeta_mv_term t = {CMETA_MV_AR, "time", "study", in, ni, NULL, out, no};
    const struct { cmeta_mv_structure st; const char *cs; cmeta_method m; int ci; } cases[] = {
        {CMETA_MV_AR, "ishak_ar", CMETA_METHOD_REML, 1}, {CMETA_MV_HAR, "ishak_har", CMETA_METHOD_REML, 1},
        {CMETA_MV_AR, "ishak_ar_ml", CMETA_METHOD_ML, 1}, {CMETA_MV_HCS, "ishak_hcs", CMETA_METHOD_REML, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        t.structure = cases[c].st;
        cmeta_mv_fit *f = fit(D, X, 4, cov, nc, NULL, 0, &t, cases[c].m, cases[c].ci, NULL);
        if (f) {
            check(cases[c].cs, f, cases[c].ci);
            CU_ASSERT_STRING_EQUAL(f->inner_labels[3], "4");
        }
        cmeta_mv_fit_free(f);
    }
    /* list(~ 1 | study, ~ time | study), struct = "AR" */
    cmeta_mv_random re[1] = {{"study", out, no}};
    t.structure = CMETA_MV_AR;
    cmeta_mv_fit *f = fit(D, X, 4, cov, nc, re, 1, &t, CMETA_METHOD_REML, 1, NULL);
    if (f) check("ishak_s_ar", f, 1);
    cmeta_mv_fit_free(f);
    free(in), free(out), free(X), free(cov);
    tu_fixture_free(D);
}

/* every allocation of a term fit (with profile CIs and a sigma2) made to fail in turn: CMETA_ENOMEM,
 * never a crash or a leak (ASan) */
static long fail_at = -1, count = 0;
static void *failing_malloc(size_t n) { return count++ == fail_at ? NULL : malloc(n); }
static void *failing_realloc(void *p, size_t n) { return count++ == fail_at ? NULL : realloc(p, n); }

static void test_faults(void)
{
    /* Berkey's first three trials, HCS with a random intercept per trial */
    double y[6] = {0.47, -0.32, 0.2, -0.6, 0.4, -0.12}, v[6] = {0.0075, 0.0077, 0.0057, 0.0008, 0.0021, 0.0014};
    cmeta_mv_cov cov[3] = {{0, 1, 0.003}, {2, 3, 0.0009}, {4, 5, 0.0007}};
    size_t in[6] = {1, 0, 1, 0, 1, 0}, out[6] = {0, 0, 1, 1, 2, 2};
    double X[6];
    for (int i = 0; i < 6; i++) X[i] = 1;
    const char *labs[2] = {"AL", "PD"};
    cmeta_mv_term t = {CMETA_MV_CS, "outcome", "trial", in, 2, labs, out, 3};
    cmeta_set_allocator(failing_malloc, failing_realloc, NULL);
    long n, nomem = 0;
    for (n = 0; n < 100000; n++) {
        fail_at = n;
        count = 0;
        cmeta_mv_fit *f = NULL;
        cmeta_warnings w;
        cmeta_warnings_init(&w);
        cmeta_error e;
        cmeta_error_clear(&e);
        cmeta_status st = cmeta_mv_ex(y, v, 6, cov, 3, X, 1, 1, NULL, 0, &t, NULL, &f, &w, &e);
        cmeta_mv_fit_free(f);
        cmeta_warnings_free(&w);
        if (count <= n) {
            CU_ASSERT(st == CMETA_OK || st == CMETA_ENUMERIC);
            break;
        }
        CU_ASSERT(st == CMETA_ENOMEM || st == CMETA_OK);
        nomem += st == CMETA_ENOMEM;
    }
    fail_at = -1;
    cmeta_set_allocator(NULL, NULL, NULL);
    CU_ASSERT(n > 20);
    CU_ASSERT(nomem > n / 2);
}

static void test_names(void)
{
    cmeta_mv_structure s;
    CU_ASSERT_EQUAL(cmeta_mv_structure_parse("har", &s), 0);
    CU_ASSERT_EQUAL(s, CMETA_MV_HAR);
    CU_ASSERT_EQUAL(cmeta_mv_structure_parse("UNR", &s), -1);
    CU_ASSERT_STRING_EQUAL(cmeta_mv_structure_name(CMETA_MV_DIAG), "DIAG");
    CU_ASSERT_PTR_NULL(cmeta_mv_structure_name((cmeta_mv_structure)7));
}

int main(void)
{
    gsl_set_error_handler_off();
    CU_initialize_registry();
    CU_pSuite s = CU_add_suite("mv_struct", NULL, NULL);
    CU_add_test(s, "berkey1998 UN CS HCS DIAG ID", test_berkey);
    CU_add_test(s, "ishak2007 AR HAR HCS, sigma2 + AR", test_ishak);
    CU_add_test(s, "structure names", test_names);
    CU_add_test(s, "every allocation failing in turn", test_faults);
    int rc = tu_run();
    printf("%d checks; largest relative difference from rma.mv: %.2g (%s)\n", nchecks, maxrel, maxwhat);
    return rc;
}
