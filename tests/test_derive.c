/* test_derive.c - subgroups, leave-one-out and cumulative meta-analysis against R metafor 3.8
 * (tests/reference/make_derive_fixtures.R): dat.bcg (log RR), dat.normand1999 (MD),
 * dat.hackshaw1998 (log OR), methods REML, DL, FE. Tolerance 1e-6 relative (iterative
 * estimators; both sides converge to 1e-10 or tighter) plus 1e-9 absolute for values at 0. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"
#include "cmeta/derive.h"
#include "testutil.h"

#define RTOL 1e-6
#define ATOL 1e-9

static const char *sets[] = {"bcg", "normand", "hackshaw"};
static const char *methods[] = {"REML", "DL", "FE"};

typedef struct {
    tu_fixture *fx;
    double *yi, *vi, *year;
    size_t k;
} dataset;

static int load(const char *name, dataset *d)
{
    char path[256];
    snprintf(path, sizeof path, "tests/reference/derive/%s_data.csv", name);
    d->fx = tu_fixture_load(path);
    if (!d->fx) return 0;
    d->k = d->fx->nrows;
    d->yi = tu_column(d->fx, "yi");
    d->vi = tu_column(d->fx, "vi");
    d->year = tu_column(d->fx, "year");
    return d->yi && d->vi && d->year;
}

static void unload(dataset *d)
{
    free(d->yi);
    free(d->vi);
    free(d->year);
    tu_fixture_free(d->fx);
}

static void opts_for(const char *m, cmeta_fit_opts *o)
{
    cmeta_fit_opts_default(o);
    CU_ASSERT_EQUAL_FATAL(cmeta_method_from_name(m, &o->method), CMETA_OK);
    o->tol = 1e-12;
    o->maxiter = 10000;
    o->no_ci_tau2 = 1;
}

static void check_row(const cmeta_summary *r, const tu_fixture *fx, size_t i, const char *what)
{
    char w[128];
#define CK(field, col)                                                              \
    do {                                                                            \
        snprintf(w, sizeof w, "%s row %zu %s", what, i + 1, col);                  \
        TU_ASSERT_CLOSE(r->field, tu_num(fx, i, col), RTOL, ATOL, w);                \
    } while (0)
    CK(estimate, "estimate");
    CK(se, "se");
    CK(stat, "zval");
    CK(pval, "pval");
    CK(ci_lb, "ci_lb");
    CK(ci_ub, "ci_ub");
    CK(Q, "Q");
    CK(Q_pval, "Qp");
    CK(tau2, "tau2");
    CK(I2, "I2");
    CK(H2, "H2");
#undef CK
}

static void test_leave1out(void)
{
    for (size_t s = 0; s < 3; s++) {
        dataset d;
        CU_ASSERT_FATAL(load(sets[s], &d));
        cmeta_studies st = {.k = d.k, .yi = d.yi, .vi = d.vi, .measure = CMETA_GEN};
        for (size_t m = 0; m < 3; m++) {
            char path[256], what[64];
            snprintf(path, sizeof path, "tests/reference/derive/%s_%s_loo.csv", sets[s], methods[m]);
            snprintf(what, sizeof what, "%s %s loo", sets[s], methods[m]);
            tu_fixture *fx = tu_fixture_load(path);
            CU_ASSERT_FATAL(fx != NULL);
            CU_ASSERT_EQUAL(fx->nrows, d.k);
            cmeta_fit_opts o;
            opts_for(methods[m], &o);
            cmeta_summary *rows = calloc(d.k, sizeof *rows);
            cmeta_error err;
            cmeta_error_clear(&err);
            CU_ASSERT_EQUAL_FATAL(cmeta_leave1out(&st, &o, rows, NULL, &err), CMETA_OK);
            for (size_t i = 0; i < d.k; i++) {
                CU_ASSERT_EQUAL(rows[i].k, d.k - 1);
                check_row(&rows[i], fx, i, what);
            }
            free(rows);
            tu_fixture_free(fx);
        }
        unload(&d);
    }
}

static void test_cumul(void)
{
    for (size_t s = 0; s < 3; s++) {
        dataset d;
        CU_ASSERT_FATAL(load(sets[s], &d));
        cmeta_studies st = {.k = d.k, .yi = d.yi, .vi = d.vi, .measure = CMETA_GEN};
        size_t *ord = calloc(d.k, sizeof *ord);
        CU_ASSERT_EQUAL_FATAL(cmeta_order_numeric(d.year, d.k, ord), CMETA_OK);
        for (size_t m = 0; m < 3; m++) {
            char path[256], what[64];
            snprintf(path, sizeof path, "tests/reference/derive/%s_%s_cumul.csv", sets[s], methods[m]);
            snprintf(what, sizeof what, "%s %s cumul", sets[s], methods[m]);
            tu_fixture *fx = tu_fixture_load(path);
            CU_ASSERT_FATAL(fx != NULL);
            /* the stable order (ties in file order) is R's order() */
            for (size_t i = 0; i < d.k; i++)
                CU_ASSERT_EQUAL(ord[i] + 1, (size_t)tu_num(fx, i, "added"));
            cmeta_fit_opts o;
            opts_for(methods[m], &o);
            cmeta_summary *rows = calloc(d.k, sizeof *rows);
            cmeta_error err;
            cmeta_error_clear(&err);
            CU_ASSERT_EQUAL_FATAL(cmeta_cumul(&st, ord, &o, rows, NULL, &err), CMETA_OK);
            for (size_t i = 0; i < d.k; i++) {
                CU_ASSERT_EQUAL(rows[i].k, i + 1);
                check_row(&rows[i], fx, i, what);
            }
            free(rows);
            tu_fixture_free(fx);
        }
        free(ord);
        unload(&d);
    }
}

static void run_subgroups(int common)
{
    for (size_t s = 0; s < 3; s++) {
        dataset d;
        CU_ASSERT_FATAL(load(sets[s], &d));
        cmeta_studies st = {.k = d.k, .yi = d.yi, .vi = d.vi, .measure = CMETA_GEN};
        /* groups in order of first appearance */
        size_t *grp = calloc(d.k, sizeof *grp), ng = 0;
        const char **lev = calloc(d.k, sizeof *lev);
        for (size_t i = 0; i < d.k; i++) {
            const char *a = tu_str(d.fx, i, "alloc");
            size_t j = 0;
            while (j < ng && strcmp(lev[j], a) != 0) j++;
            if (j == ng) lev[ng++] = a;
            grp[i] = j;
        }
        for (size_t m = 0; m < 3; m++) {
            char path[256], what[96];
            snprintf(path, sizeof path, "tests/reference/derive/%s_%s_subgroup%s.csv", sets[s],
                     methods[m], common ? "_common" : "");
            tu_fixture *fx = tu_fixture_load(path);
            CU_ASSERT_FATAL(fx != NULL);
            CU_ASSERT_EQUAL_FATAL(fx->nrows, ng + 2);
            cmeta_fit_opts o;
            opts_for(methods[m], &o);
            cmeta_subgroups *g = NULL;
            cmeta_error err;
            cmeta_error_clear(&err);
            CU_ASSERT_EQUAL_FATAL(cmeta_subgroup(&st, grp, ng, common, &o, &g, NULL, &err), CMETA_OK);
            CU_ASSERT_EQUAL(g->ngroups, ng);
            for (size_t j = 0; j < ng; j++) {
                snprintf(what, sizeof what, "%s %s subgroup%s %s", sets[s], methods[m],
                         common ? " common" : "", lev[j]);
                CU_ASSERT_STRING_EQUAL(tu_str(fx, j, "subgroup"), lev[j]);
                CU_ASSERT_EQUAL(g->k[j], (size_t)tu_num(fx, j, "k"));
                cmeta_summary r;
                cmeta_summary_from_fit(g->fits[j], &r);
                check_row(&r, fx, j, what);
            }
            snprintf(what, sizeof what, "%s %s subgroups overall", sets[s], methods[m]);
            cmeta_summary r;
            cmeta_summary_from_fit(g->overall, &r);
            check_row(&r, fx, ng, what);
            snprintf(what, sizeof what, "%s %s%s Q_between", sets[s], methods[m], common ? " common" : "");
            TU_ASSERT_CLOSE(g->Q_between, tu_num(fx, ng + 1, "Q"), RTOL, ATOL, what);
            TU_ASSERT_CLOSE(g->Q_between_pval, tu_num(fx, ng + 1, "Qp"), RTOL, ATOL, what);
            TU_ASSERT_CLOSE(g->Q_between_df, (double)ng - 1, 0, 0, what);
            TU_ASSERT_CLOSE(g->tau2_common, tu_num(fx, ng + 1, "tau2"), RTOL, ATOL, what);
            cmeta_subgroups_free(g);
            tu_fixture_free(fx);
        }
        free(grp);
        free(lev);
        unload(&d);
    }
}

static void test_subgroups(void) { run_subgroups(0); }
static void test_subgroups_common(void) { run_subgroups(1); }

static void test_orders(void)
{
    double key[] = {3, 1, NAN, 1, 2, 3};
    size_t p[6], want[] = {1, 3, 4, 0, 5, 2};
    CU_ASSERT_EQUAL(cmeta_order_numeric(key, 6, p), CMETA_OK);
    for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(p[i], want[i]);
    const char *t[] = {"b", "a", NULL, "B", "a", "b"};
    size_t wt[] = {3, 1, 4, 0, 5, 2};
    CU_ASSERT_EQUAL(cmeta_order_text(t, 6, p), CMETA_OK);
    for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(p[i], wt[i]);
}

static void test_errors(void)
{
    double yi[] = {0.1}, vi[] = {0.01};
    cmeta_studies st = {.k = 1, .yi = yi, .vi = vi, .measure = CMETA_GEN};
    cmeta_fit_opts o;
    cmeta_fit_opts_default(&o);
    cmeta_summary r[1];
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL(cmeta_leave1out(&st, &o, r, NULL, &err), CMETA_EDATA);
    size_t bad[] = {0};
    CU_ASSERT_EQUAL(cmeta_cumul(&st, bad, &o, r, NULL, &err), CMETA_OK);
    TU_ASSERT_CLOSE(r[0].estimate, 0.1, 1e-12, 0, "k = 1 cumul estimate");
    TU_ASSERT_CLOSE(r[0].se, 0.1, 1e-12, 0, "k = 1 cumul se");
    TU_ASSERT_CLOSE(r[0].Q_pval, 1, 0, 0, "k = 1 Q p");
    size_t dup[] = {0, 0};
    double yi2[] = {0.1, 0.2}, vi2[] = {0.01, 0.02};
    cmeta_studies s2 = {.k = 2, .yi = yi2, .vi = vi2, .measure = CMETA_GEN};
    cmeta_summary r2[2];
    CU_ASSERT_EQUAL(cmeta_cumul(&s2, dup, &o, r2, NULL, &err), CMETA_EUSAGE);
    size_t grp[] = {0, 2};
    cmeta_subgroups *g = NULL;
    CU_ASSERT_EQUAL(cmeta_subgroup(&s2, grp, 3, 0, &o, &g, NULL, &err), CMETA_EUSAGE);
    CU_ASSERT_PTR_NULL(g);
}

int main(void)
{
    gsl_set_error_handler_off();
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("derive", NULL, NULL);
    CU_add_test(s, "leave1out vs metafor", test_leave1out);
    CU_add_test(s, "cumul vs metafor", test_cumul);
    CU_add_test(s, "subgroups, separate tau2", test_subgroups);
    CU_add_test(s, "subgroups, common tau2 (meta tau.common)", test_subgroups_common);
    CU_add_test(s, "stable orders", test_orders);
    CU_add_test(s, "errors", test_errors);
    return tu_run();
}
