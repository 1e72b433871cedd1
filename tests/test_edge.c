/* test_edge.c - numerical edge cases against R metafor 3.8 (tests/reference/make_edge_fixtures.R
 * writes tests/reference/edge/): vi tiny (1e-12), huge (1e12) and of mixed scales, tau^2 at the
 * boundary, k = 2, flat and multimodal (RE)ML likelihoods, constant and collinear moderators,
 * ties in the rank test, zero-event and double-zero 2x2 tables (escalc, rma, rma.mh, rma.peto,
 * drop00) and proportions of 0 and 1 (PR PLN PLO PAS PFT). k = 1, k = 2 and identical studies
 * for every estimator x test are in test_rma.c.
 * Tolerances (relative): 1e-8 closed forms, 1e-6 iterative estimators; the scale-free parts of
 * the tiny/huge cases are compared relative to the scale (atol = scale x 1e-9). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

#define MAXK 64

static int is_closed(const char *m)
{
    return !strcmp(m, "FE") || !strcmp(m, "DL") || !strcmp(m, "HE") || !strcmp(m, "HS") ||
           !strcmp(m, "SJ");
}

/* rows of `f` whose column "case" is `name` (and, when col2 != NULL, col2 == val2) */
static size_t load_case(const tu_fixture *f, const char *name, const char *const *cols,
                        size_t ncols, double out[][MAXK])
{
    size_t k = 0;
    for (size_t r = 0; r < f->nrows; r++) {
        if (strcmp(tu_str(f, r, "case"), name) != 0) continue;
        CU_ASSERT_FATAL(k < MAXK);
        for (size_t c = 0; c < ncols; c++) out[c][k] = tu_num(f, r, cols[c]);
        k++;
    }
    return k;
}

/* ---- yi/vi cases: every estimator x test z/knha ---- */
static void test_uni(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/edge/uni_data.csv");
    tu_fixture *F = tu_fixture_load("tests/reference/edge/uni_fits.csv");
    CU_ASSERT_FATAL(D != NULL && F != NULL);
    static const char *cols[] = {"yi", "vi"};
    size_t nfit = 0;
    for (size_t r = 0; r < F->nrows; r++) {
        const char *cs = tu_str(F, r, "case"), *meth = tu_str(F, r, "method"),
                   *test = tu_str(F, r, "test");
        double a[2][MAXK];
        size_t k = load_case(D, cs, cols, 2, a);
        CU_ASSERT_FATAL(k > 0);
        cmeta_fit_opts o;
        cmeta_fit_opts_default(&o);
        CU_ASSERT_FATAL(cmeta_method_from_name(meth, &o.method) == CMETA_OK);
        CU_ASSERT_FATAL(cmeta_test_from_name(test, &o.test) == CMETA_OK);
        o.no_ci_tau2 = 1;
        cmeta_fit *f = NULL;
        cmeta_error e;
        cmeta_error_clear(&e);
        cmeta_warnings w;
        cmeta_warnings_init(&w);
        cmeta_status st = cmeta_rma(a[0], a[1], k, NULL, 0, &o, &f, &w, &e);
        char what[160];
        snprintf(what, sizeof what, "%s %s %s", cs, meth, test);
        if (tu_num(F, r, "ok") != 1) {
            CU_ASSERT(st != CMETA_OK);
            cmeta_fit_free(f);
            cmeta_warnings_free(&w);
            continue;
        }
        if (st != CMETA_OK) {
            printf("\n%s: %s\n", what, e.message);
            CU_FAIL("fit failed");
            cmeta_warnings_free(&w);
            continue;
        }
        nfit++;
        /* scale: vi ~ 1e-12 (tiny) or 1e12 (huge): absolute parts relative to it */
        double sv = 0;
        for (size_t i = 0; i < k; i++) sv += a[1][i];
        sv /= (double)k;
        double sy = sqrt(sv);
        double rt = is_closed(meth) ? 1e-8 : 1e-6;
        /* metafor's iterative estimators stop on an absolute change of tau^2 (1e-13 here),
         * far from converged when tau^2 ~ 3e-13: for "tiny" compare with the same data scaled by
         * 1e12 in vi ("huge"), where metafor converges; cmeta is scale-free */
        size_t rr = r;
        double ys = 1, vs = 1;
        if (!strcmp(cs, "tiny") && !is_closed(meth)) {
            for (rr = 0; rr < F->nrows; rr++)
                if (!strcmp(tu_str(F, rr, "case"), "huge") &&
                    !strcmp(tu_str(F, rr, "method"), meth) && !strcmp(tu_str(F, rr, "test"), test))
                    break;
            CU_ASSERT_FATAL(rr < F->nrows);
            ys = 1e-12;
            vs = 1e-24;
        }
        char lab[256];
#define CMPS(got, col, sc, atol)                                                      \
    do {                                                                              \
        snprintf(lab, sizeof lab, "%s: %s", what, col);                               \
        TU_ASSERT_CLOSE((got), (sc) * tu_num(F, rr, col), rt, (atol), lab);           \
    } while (0)
#define CMP(got, col, atol) CMPS(got, col, 1.0, atol)
        CMPS(f->beta[0], "b", ys, 1e-9 * sy);
        CMPS(f->se[0], "se", ys, 1e-9 * sy);
        CMPS(f->ci_lb[0], "cilb", ys, 1e-9 * sy);
        CMPS(f->ci_ub[0], "ciub", ys, 1e-9 * sy);
        CMPS(f->tau2, "tau2", vs, 1e-9 * sv);
        CMP(f->Q, "QE", 1e-9);
        CMP(f->I2, "I2", 1e-7);
        CMP(f->H2, "H2", 1e-9);
        if (rr == r && (!strcmp(meth, "ML") || !strcmp(meth, "REML") || !strcmp(meth, "FE")))
            CMP(f->ll, "ll", 1e-9);
#undef CMP
#undef CMPS
        /* every truncation is said: tau^2 = 0 from a negative raw estimate comes with a
         * warning (and only then) */
        if (f->tau2_truncated) CU_ASSERT(w.n >= 1);
        cmeta_fit_free(f);
        cmeta_warnings_free(&w);
    }
    CU_ASSERT(nfit >= 190);
    tu_fixture_free(D);
    tu_fixture_free(F);
}

/* tau^2 at the boundary: every estimator that truncates says so, SJ never truncates */
static void test_boundary(void)
{
    double y[6] = {0.10, 0.12, 0.09, 0.11, 0.10, 0.105}, v[6] = {0.04, 0.05, 0.03, 0.06, 0.02,
                                                                   0.045};
    for (int m = CMETA_METHOD_DL; m <= CMETA_METHOD_PM; m++) {
        cmeta_fit_opts o;
        cmeta_fit_opts_default(&o);
        o.method = (cmeta_method)m;
        cmeta_fit *f = NULL;
        cmeta_warnings w;
        cmeta_warnings_init(&w);
        CU_ASSERT_FATAL(cmeta_rma(y, v, 6, NULL, 0, &o, &f, &w, NULL) == CMETA_OK);
        if (m == CMETA_METHOD_SJ) {
            CU_ASSERT(f->tau2 > 0);
            CU_ASSERT(f->tau2_truncated == 0);
        } else {
            CU_ASSERT(f->tau2 == 0.0);
            CU_ASSERT(f->tau2_truncated == 1);
            int said = 0;
            for (size_t i = 0; i < w.n; i++) said |= strstr(w.text[i], "truncated") != NULL;
            CU_ASSERT(said);
        }
        if (m != CMETA_METHOD_SJ) CU_ASSERT(f->I2 == 0.0);
        cmeta_fit_free(f);
        cmeta_warnings_free(&w);
    }
}


/* vi = 1e-300 (valid, tiny): REML and ML converge (issue 14: "REML did not converge"). With
 * vi -> 0 the closed forms are REML tau^2 = sample variance, ML tau^2 = (k-1)/k of it,
 * estimate = mean, se = sqrt(tau^2 / k) (metafor 3.8 prints tau^2 0.0100, 0.2000, se 0.0577
 * for REML); relative error of the vi -> 0 limit ~1e-298, so 1e-6 is the iterative tolerance. */
static void test_tiny_vi_converges(void)
{
    double y[3] = {0.1, 0.2, 0.3}, v[3] = {1e-300, 1e-300, 1e-300};
    for (int reml = 0; reml <= 1; reml++) {
        cmeta_fit_opts o;
        cmeta_fit_opts_default(&o);
        o.method = reml ? CMETA_METHOD_REML : CMETA_METHOD_ML;
        cmeta_fit *f = NULL;
        cmeta_error e;
        cmeta_error_clear(&e);
        cmeta_status st = cmeta_rma(y, v, 3, NULL, 0, &o, &f, NULL, &e);
        if (st != CMETA_OK) fprintf(stderr, "\n  %s: %s\n", reml ? "REML" : "ML", e.message);
        CU_ASSERT_EQUAL_FATAL(st, CMETA_OK);
        double tau2 = reml ? 0.01 : 0.02 / 3;
        TU_ASSERT_CLOSE(f->tau2, tau2, 1e-6, 0, "tau2");
        TU_ASSERT_CLOSE(f->beta[0], 0.2, 1e-6, 0, "estimate");
        TU_ASSERT_CLOSE(f->se[0], sqrt(tau2 / 3), 1e-6, 0, "se");
        cmeta_fit_free(f);
    }
}

/* profile (restricted) log-likelihood of the intercept-only model, constants dropped, the
 * same formula as in make_edge_fixtures.R */
static double prof_ll(int reml, const double *y, const double *v, size_t k, double t2)
{
    double sw = 0, swy = 0, l = 0;
    for (size_t i = 0; i < k; i++) {
        sw += 1 / (v[i] + t2);
        swy += y[i] / (v[i] + t2);
    }
    double b = swy / sw;
    for (size_t i = 0; i < k; i++) l -= 0.5 * log(v[i] + t2) + 0.5 * (y[i] - b) * (y[i] - b) / (v[i] + t2);
    return reml ? l - 0.5 * log(sw) : l;
}

/* Multimodal (RE)ML profile: cmeta (Fisher scoring from the HE estimate, as metafor) stops
 * where metafor stops (checked in test_uni); the profile in uni_profile.csv shows that point
 * is a local maximum and a higher one lies near 0. cmeta must say so in a warning. */
static void test_multimodal(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/edge/uni_data.csv");
    tu_fixture *P = tu_fixture_load("tests/reference/edge/uni_profile.csv");
    CU_ASSERT_FATAL(D != NULL && P != NULL);
    static const char *cols[] = {"yi", "vi"};
    for (size_t r = 0; r < P->nrows; r++) {
        const char *cs = tu_str(P, r, "case"), *meth = tu_str(P, r, "method");
        double a[2][MAXK];
        size_t k = load_case(D, cs, cols, 2, a);
        cmeta_fit_opts o;
        cmeta_fit_opts_default(&o);
        CU_ASSERT_FATAL(cmeta_method_from_name(meth, &o.method) == CMETA_OK);
        o.no_ci_tau2 = 1;
        cmeta_fit *f = NULL;
        cmeta_warnings w;
        cmeta_warnings_init(&w);
        CU_ASSERT_FATAL(cmeta_rma(a[0], a[1], k, NULL, 0, &o, &f, &w, NULL) == CMETA_OK);
        int reml = !strcmp(meth, "REML");
        double llbest = prof_ll(reml, a[0], a[1], k, tu_num(P, r, "tau2_best"));
        double llhat = prof_ll(reml, a[0], a[1], k, f->tau2);
        int said = 0;
        for (size_t i = 0; i < w.n; i++) said |= strstr(w.text[i], "local maximum") != NULL;
        char lab[160];
        snprintf(lab, sizeof lab, "%s %s: ll %.10g below the profile maximum %.10g, %s", cs,
                 meth, llhat, llbest, said ? "warned" : "NOT warned");
        /* the grid maximum can sit a little below the true one */
        if (llhat < llbest - 1e-6) {
            if (!said) printf("\n%s\n", lab);
            CU_ASSERT(said);
        } else {
            CU_ASSERT(!said);
        }
        cmeta_fit_free(f);
        cmeta_warnings_free(&w);
    }
    tu_fixture_free(D);
    tu_fixture_free(P);
}

/* constant and collinear moderators are refused, naming the column */
static void test_moderators(void)
{
    double y[6] = {0.1, 0.3, -0.2, 0.5, 0.4, 0.0}, v[6] = {0.1, 0.2, 0.05, 0.3, 0.15, 0.1};
    double X[12];
    cmeta_fit_opts o;
    cmeta_fit_opts_default(&o);
    cmeta_fit *f = NULL;
    cmeta_error e;
    /* a constant column is collinear with the intercept */
    for (int i = 0; i < 6; i++) X[i] = 3.0;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL(cmeta_rma(y, v, 6, X, 1, &o, &f, NULL, &e), CMETA_EDATA);
    CU_ASSERT(f == NULL);
    CU_ASSERT(strstr(e.message, "column 1") != NULL);
    /* two moderators, the second a multiple of the first */
    for (int i = 0; i < 6; i++) {
        X[2 * i] = i * 0.5;
        X[2 * i + 1] = i * 1.5;
    }
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL(cmeta_rma(y, v, 6, X, 2, &o, &f, NULL, &e), CMETA_EDATA);
    CU_ASSERT(strstr(e.message, "column 2") != NULL);
    /* nearly collinear at relative 1e-10 is refused as well (R's lm() QR tolerance 1e-7) */
    for (int i = 0; i < 6; i++) {
        X[2 * i] = i;
        X[2 * i + 1] = i + (i == 3 ? 1e-10 : 0);
    }
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL(cmeta_rma(y, v, 6, X, 2, &o, &f, NULL, &e), CMETA_EDATA);
    /* without an intercept a constant column is fine */
    for (int i = 0; i < 6; i++) X[i] = 1.0;
    o.intercept = 0;
    CU_ASSERT_EQUAL(cmeta_rma(y, v, 6, X, 1, &o, &f, NULL, &e), CMETA_OK);
    cmeta_fit_free(f);
}

/* rank test with tied yi, tied vi and both, vs metafor ranktest() */
static void test_ranktest_ties(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/edge/rank_data.csv");
    tu_fixture *R = tu_fixture_load("tests/reference/edge/rank.csv");
    CU_ASSERT_FATAL(D != NULL && R != NULL);
    static const char *cols[] = {"yi", "vi"};
    for (size_t r = 0; r < R->nrows; r++) {
        const char *cs = tu_str(R, r, "case");
        double a[2][MAXK];
        size_t k = load_case(D, cs, cols, 2, a);
        cmeta_ranktest_result res;
        cmeta_error e;
        cmeta_error_clear(&e);
        CU_ASSERT_FATAL(cmeta_ranktest(a[0], a[1], k, &res, NULL, &e) == CMETA_OK);
        char lab[128];
        snprintf(lab, sizeof lab, "ranktest %s tau", cs);
        TU_ASSERT_CLOSE(res.tau, tu_num(R, r, "tau"), 1e-10, 1e-14, lab);
        snprintf(lab, sizeof lab, "ranktest %s pval", cs);
        TU_ASSERT_CLOSE(res.pval, tu_num(R, r, "pval"), 1e-8, 1e-14, lab);
    }
    tu_fixture_free(D);
    tu_fixture_free(R);
}

/* ---- 2x2 tables with zero cells ---- */
static void test_tables(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/edge/tab_data.csv");
    tu_fixture *E = tu_fixture_load("tests/reference/edge/tab_es.csv");
    tu_fixture *F = tu_fixture_load("tests/reference/edge/tab_fits.csv");
    CU_ASSERT_FATAL(D != NULL && E != NULL && F != NULL);
    static const char *cols[] = {"ai", "bi", "ci", "di"};
    /* escalc, per study */
    size_t row = 0, nes = 0;
    while (row < E->nrows) {
        const char *cs = tu_str(E, row, "case"), *meas = tu_str(E, row, "measure");
        int d0 = (int)tu_num(E, row, "drop00");
        double a[4][MAXK], yi[MAXK], vi[MAXK];
        size_t k = load_case(D, cs, cols, 4, a);
        cmeta_measure m;
        CU_ASSERT_FATAL(cmeta_measure_from_name(meas, &m) == CMETA_OK);
        cmeta_escalc_opts eo;
        cmeta_escalc_opts_default(&eo);
        eo.drop00 = d0;
        cmeta_escalc_input in = {0};
        in.k = k;
        in.ai = a[0];
        in.bi = a[1];
        in.ci = a[2];
        in.di = a[3];
        cmeta_error e;
        cmeta_error_clear(&e);
        CU_ASSERT_FATAL(cmeta_escalc(m, &in, &eo, yi, vi, NULL, &e) == CMETA_OK);
        for (size_t i = 0; i < k; i++, row++) {
            char lab[128];
            snprintf(lab, sizeof lab, "%s %s drop00=%d study %zu yi", cs, meas, d0, i + 1);
            TU_ASSERT_CLOSE(yi[i], tu_num(E, row, "yi"), 1e-10, 1e-14, lab);
            snprintf(lab, sizeof lab, "%s %s drop00=%d study %zu vi", cs, meas, d0, i + 1);
            TU_ASSERT_CLOSE(vi[i], tu_num(E, row, "vi"), 1e-10, 1e-14, lab);
            nes++;
        }
    }
    CU_ASSERT(nes == 104);
    /* fits: rma on the escalc values (NaN studies left out, as metafor), rma.mh, rma.peto */
    for (size_t r = 0; r < F->nrows; r++) {
        const char *cs = tu_str(F, r, "case"), *meas = tu_str(F, r, "measure"),
                   *meth = tu_str(F, r, "method");
        int d0 = (int)tu_num(F, r, "drop00");
        double a[4][MAXK], yi[MAXK], vi[MAXK];
        size_t k = load_case(D, cs, cols, 4, a);
        cmeta_measure m;
        CU_ASSERT_FATAL(cmeta_measure_from_name(meas, &m) == CMETA_OK);
        cmeta_escalc_opts eo;
        cmeta_escalc_opts_default(&eo);
        cmeta_fit_opts o;
        cmeta_fit_opts_default(&o);
        o.no_ci_tau2 = 1;
        cmeta_fit *f = NULL;
        cmeta_error e;
        cmeta_error_clear(&e);
        cmeta_status st;
        int closed = 1;
        if (!strcmp(meth, "MH")) {
            st = cmeta_rma_mh(m, a[0], a[1], a[2], a[3], k, &eo, &o, &f, NULL, &e);
        } else if (!strcmp(meth, "PETO")) {
            st = cmeta_rma_peto(a[0], a[1], a[2], a[3], k, &eo, &o, &f, NULL, &e);
        } else {
            eo.drop00 = d0;
            cmeta_escalc_input in = {0};
            in.k = k;
            in.ai = a[0];
            in.bi = a[1];
            in.ci = a[2];
            in.di = a[3];
            CU_ASSERT_FATAL(cmeta_escalc(m, &in, &eo, yi, vi, NULL, &e) == CMETA_OK);
            size_t kk = 0;
            for (size_t i = 0; i < k; i++)
                if (!isnan(yi[i]) && !isnan(vi[i])) yi[kk] = yi[i], vi[kk] = vi[i], kk++;
            CU_ASSERT_FATAL(cmeta_method_from_name(meth, &o.method) == CMETA_OK);
            closed = is_closed(meth);
            st = cmeta_rma(yi, vi, kk, NULL, 0, &o, &f, NULL, &e);
        }
        char what[128], lab[192];
        snprintf(what, sizeof what, "%s %s drop00=%d %s", cs, meas, d0, meth);
        if (st != CMETA_OK) {
            printf("\n%s: %s\n", what, e.message);
            CU_FAIL("fit failed");
            continue;
        }
        double rt = closed ? 1e-8 : 1e-6;
#define CMP(got, col)                                                                 \
    do {                                                                              \
        snprintf(lab, sizeof lab, "%s: %s", what, col);                               \
        TU_ASSERT_CLOSE((got), tu_num(F, r, col), rt, 1e-12, lab);                    \
    } while (0)
        CU_ASSERT_EQUAL(f->k, (size_t)tu_num(F, r, "k"));
        CMP(f->beta[0], "b");
        CMP(f->se[0], "se");
        if (f->k == 1 || (isnan(f->Q) && tu_num(F, r, "QE") == 0)) {
            /* cmeta: no heterogeneity statistics from one study (metafor: Q = 0) */
            CU_ASSERT(isnan(f->Q));
        } else {
            CMP(f->Q, "QE");
        }
        if (!isnan(tu_num(F, r, "tau2"))) CMP(f->tau2, "tau2");
#undef CMP
        cmeta_fit_free(f);
    }
    tu_fixture_free(D);
    tu_fixture_free(E);
    tu_fixture_free(F);
}

/* MH and Peto with every table double-zero: nothing to pool, refused with a message */
static void test_tables_all_double_zero(void)
{
    double a[3] = {0, 0, 0}, b[3] = {10, 20, 30}, c[3] = {0, 0, 0}, d[3] = {12, 18, 25};
    cmeta_escalc_opts eo;
    cmeta_escalc_opts_default(&eo);
    cmeta_fit_opts o;
    cmeta_fit_opts_default(&o);
    cmeta_fit *f = NULL;
    cmeta_error e;
    cmeta_error_clear(&e);
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    /* MH: as metafor, an NA estimate - with a warning, never a silent number */
    cmeta_status st = cmeta_rma_mh(CMETA_OR, a, b, c, d, 3, &eo, &o, &f, &w, &e);
    CU_ASSERT_FATAL(st == CMETA_OK);
    CU_ASSERT(isnan(f->beta[0]) && isnan(f->se[0]));
    int said = 0;
    for (size_t i = 0; i < w.n; i++) said |= strstr(w.text[i], "not estimable") != NULL;
    CU_ASSERT(said);
    cmeta_fit_free(f);
    f = NULL;
    cmeta_warnings_free(&w);
    /* Peto: refused, as metafor ("one of the two outcomes never occurred") */
    cmeta_error_clear(&e);
    st = cmeta_rma_peto(a, b, c, d, 3, &eo, &o, &f, NULL, &e);
    CU_ASSERT(st == CMETA_EDATA);
    CU_ASSERT(strstr(e.message, "never occurred") != NULL);
}

/* ---- proportions of 0 and 1 ---- */
static void test_props(void)
{
    tu_fixture *D = tu_fixture_load("tests/reference/edge/prop_data.csv");
    tu_fixture *E = tu_fixture_load("tests/reference/edge/prop_es.csv");
    tu_fixture *F = tu_fixture_load("tests/reference/edge/prop_fits.csv");
    CU_ASSERT_FATAL(D != NULL && E != NULL && F != NULL);
    static const char *cols[] = {"xi", "ni"};
    size_t row = 0;
    while (row < E->nrows) {
        const char *cs = tu_str(E, row, "case"), *meas = tu_str(E, row, "measure");
        double a[2][MAXK], yi[MAXK], vi[MAXK];
        size_t k = load_case(D, cs, cols, 2, a);
        cmeta_measure m;
        CU_ASSERT_FATAL(cmeta_measure_from_name(meas, &m) == CMETA_OK);
        cmeta_escalc_opts eo;
        cmeta_escalc_opts_default(&eo);
        cmeta_escalc_input in = {0};
        in.k = k;
        in.xi = a[0];
        in.ni = a[1];
        cmeta_error e;
        cmeta_error_clear(&e);
        CU_ASSERT_FATAL(cmeta_escalc(m, &in, &eo, yi, vi, NULL, &e) == CMETA_OK);
        for (size_t i = 0; i < k; i++, row++) {
            char lab[128];
            snprintf(lab, sizeof lab, "%s %s study %zu yi", cs, meas, i + 1);
            TU_ASSERT_CLOSE(yi[i], tu_num(E, row, "yi"), 1e-10, 1e-14, lab);
            snprintf(lab, sizeof lab, "%s %s study %zu vi", cs, meas, i + 1);
            TU_ASSERT_CLOSE(vi[i], tu_num(E, row, "vi"), 1e-10, 1e-14, lab);
        }
        /* the fits of this case and measure */
        for (size_t r = 0; r < F->nrows; r++) {
            if (strcmp(tu_str(F, r, "case"), cs) || strcmp(tu_str(F, r, "measure"), meas))
                continue;
            const char *meth = tu_str(F, r, "method");
            cmeta_fit_opts o;
            cmeta_fit_opts_default(&o);
            o.no_ci_tau2 = 1;
            CU_ASSERT_FATAL(cmeta_method_from_name(meth, &o.method) == CMETA_OK);
            cmeta_fit *f = NULL;
            cmeta_status st = cmeta_rma(yi, vi, k, NULL, 0, &o, &f, NULL, &e);
            char lab[160];
            snprintf(lab, sizeof lab, "%s %s %s", cs, meas, meth);
            if (st != CMETA_OK) {
                printf("\n%s: %s\n", lab, e.message);
                CU_FAIL("fit failed");
                continue;
            }
            double rt = is_closed(meth) ? 1e-8 : 1e-6;
            TU_ASSERT_CLOSE(f->beta[0], tu_num(F, r, "b"), rt, 1e-12, lab);
            TU_ASSERT_CLOSE(f->se[0], tu_num(F, r, "se"), rt, 1e-12, lab);
            TU_ASSERT_CLOSE(f->tau2, tu_num(F, r, "tau2"), rt, 1e-12, lab);
            TU_ASSERT_CLOSE(f->Q, tu_num(F, r, "QE"), rt, 1e-12, lab);
            cmeta_fit_free(f);
        }
    }
    tu_fixture_free(D);
    tu_fixture_free(E);
    tu_fixture_free(F);
}

int main(void)
{
    gsl_set_error_handler_off();
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("edge", NULL, NULL);
    CU_add_test(s, "tiny/huge/mixed vi, boundary, k = 2, flat, multimodal vs metafor", test_uni);
    CU_add_test(s, "tau^2 at the boundary: truncation said", test_boundary);
    CU_add_test(s, "vi = 1e-300: REML and ML converge", test_tiny_vi_converges);
    CU_add_test(s, "multimodal (RE)ML profile: a higher maximum is reported", test_multimodal);
    CU_add_test(s, "constant and collinear moderators refused", test_moderators);
    CU_add_test(s, "rank test with ties vs metafor", test_ranktest_ties);
    CU_add_test(s, "zero-event and double-zero tables vs metafor", test_tables);
    CU_add_test(s, "MH/Peto with only double-zero tables: NA + warning / refused", test_tables_all_double_zero);
    CU_add_test(s, "proportions of 0 and 1 vs metafor", test_props);
    return tu_run();
}
