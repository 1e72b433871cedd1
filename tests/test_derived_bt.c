/* test_derived_bt.c - leave-one-out and cumulative results back-transformed (issue 17) against
 * R metafor 3.8.1 (tests/reference/figures/make.R -> derived_bt.csv): the CSV report's
 * estimate_bt, ci_lb_bt, ci_ub_bt, pi_lb_bt, pi_ub_bt columns; 1e-8 relative for the closed
 * forms (FE, DL), 1e-6 for REML. Also the JSON "transformed" object and the text table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

typedef struct {
    const char *name, *file;
    cmeta_measure measure;
    cmeta_method method;
    int cumul;
    const char *order; /* sort column (cumul) or NULL */
} bt_case;

static const bt_case cases[] = {
    {"bcg_rr_reml_loo", "tests/cli/data/bcg.csv", CMETA_RR, CMETA_METHOD_REML, 0, NULL},
    {"bcg_rr_dl_loo", "tests/cli/data/bcg.csv", CMETA_RR, CMETA_METHOD_DL, 0, NULL},
    {"bcg_rr_fe_loo", "tests/cli/data/bcg.csv", CMETA_RR, CMETA_METHOD_FE, 0, NULL},
    {"bcg_rr_reml_cumul_year", "tests/cli/data/bcg.csv", CMETA_RR, CMETA_METHOD_REML, 1, "year"},
    {"bcg_rr_dl_cumul", "tests/cli/data/bcg.csv", CMETA_RR, CMETA_METHOD_DL, 1, NULL},
    {"lupus_plo_reml_loo", "datasets/lupus/responders.csv", CMETA_PLO, CMETA_METHOD_REML, 0, NULL},
    {"lupus_plo_dl_cumul", "datasets/lupus/responders.csv", CMETA_PLO, CMETA_METHOD_DL, 1, NULL},
    {"pritz_pft_dl_loo", "tests/reference/effect/prop_pritz1997_input.csv", CMETA_PFT, CMETA_METHOD_DL, 0, NULL},
    {"molloy_zcor_dl_loo", "tests/reference/effect/cor_molloy2014_input.csv", CMETA_ZCOR, CMETA_METHOD_DL, 0, NULL},
    {"molloy_zcor_reml_cumul", "tests/reference/effect/cor_molloy2014_input.csv", CMETA_ZCOR, CMETA_METHOD_REML, 1,
     NULL},
};

/* Run one case and write its report in fmt to path; returns k. */
static size_t run_case(const bt_case *c, cmeta_report_format fmt, const char *path)
{
    cmeta_table *t = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_table_read_file(tu_path(c->file), &t, &err), CMETA_OK);
    cmeta_data_opts dopt;
    cmeta_data_opts_default(&dopt);
    dopt.measure_set = 1;
    dopt.measure = c->measure;
    cmeta_data *d = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(t, &dopt, &d, NULL, &err), CMETA_OK);
    size_t k = d->k;
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    fo.method = c->method;
    fo.no_ci_tau2 = 1;
    fo.tol = 1e-12;
    cmeta_studies s;
    cmeta_studies_from_data(d, &dopt.escalc, &s);
    cmeta_summary *rows = calloc(k, sizeof *rows);
    size_t *ord = calloc(k, sizeof *ord);
    double *key = calloc(k, sizeof *key);
    const char **labels = calloc(k, sizeof *labels);
    char (*lab)[32] = calloc(k, sizeof *lab);
    CU_ASSERT_FATAL(rows && ord && key && labels && lab);
    for (size_t i = 0; i < k; i++) ord[i] = i;
    if (c->order) {
        long col = cmeta_table_find_raw(t, c->order);
        CU_ASSERT_FATAL(col >= 0);
        for (size_t i = 0; i < k; i++)
            CU_ASSERT_EQUAL(cmeta_parse_double(cmeta_table_cell(t, d->row[i], (size_t)col), &key[i], NULL), CMETA_OK);
        CU_ASSERT_EQUAL_FATAL(cmeta_order_numeric(key, k, ord), CMETA_OK);
    }
    cmeta_status st = c->cumul ? cmeta_cumul(&s, ord, &fo, rows, NULL, &err) : cmeta_leave1out(&s, &fo, rows, NULL, &err);
    CU_ASSERT_EQUAL_FATAL(st, CMETA_OK);
    for (size_t i = 0; i < k; i++) {
        size_t j = c->cumul ? ord[i] : i;
        if (d->label && d->label[j]) labels[i] = d->label[j];
        else {
            snprintf(lab[i], sizeof lab[i], "Study %zu", j + 1);
            labels[i] = lab[i];
        }
    }
    cmeta_report_derived_info info = {c->cumul ? "cumulative" : "leave1out", c->cumul ? "added" : "omitted", c->order,
                                      d, &fo, NULL};
    FILE *fp = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL(cmeta_report_derived(fp, fmt, &info, labels, rows, k, NULL), CMETA_OK);
    fclose(fp);
    free(rows);
    free(ord);
    free(key);
    free(labels);
    free(lab);
    cmeta_data_free(d);
    cmeta_table_free(t);
    return k;
}

static void test_against_metafor(void)
{
    tu_fixture *ref = tu_fixture_load("tests/reference/figures/derived_bt.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    size_t checked = 0;
    for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
        const bt_case *c = &cases[ci];
        size_t k = run_case(c, CMETA_REPORT_CSV, "build/test_derived_bt.csv");
        tu_fixture *got = tu_fixture_load("build/test_derived_bt.csv");
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        CU_ASSERT_EQUAL(got->nrows, k);
        double rtol = c->method == CMETA_METHOD_REML ? 1e-6 : 1e-8;
        size_t r = 0;
        for (size_t i = 0; i < ref->nrows; i++) {
            if (strcmp(tu_str(ref, i, "case"), c->name)) continue;
            CU_ASSERT_FATAL(r < got->nrows);
            char what[160];
            static const char *cols[] = {"estimate_bt", "ci_lb_bt", "ci_ub_bt", "pi_lb_bt", "pi_ub_bt"};
            CU_ASSERT_EQUAL(tu_num(got, r, "k"), tu_num(ref, i, "k"));
            snprintf(what, sizeof what, "%s row %zu estimate", c->name, r + 1);
            TU_ASSERT_CLOSE(tu_num(got, r, "estimate"), tu_num(ref, i, "estimate"), rtol, 1e-12, what);
            for (size_t j = 0; j < 5; j++) {
                snprintf(what, sizeof what, "%s row %zu %s", c->name, r + 1, cols[j]);
                TU_ASSERT_CLOSE(tu_num(got, r, cols[j]), tu_num(ref, i, cols[j]), rtol, 1e-12, what);
                checked++;
            }
            r++;
        }
        CU_ASSERT_EQUAL(r, k);
        tu_fixture_free(got);
    }
    CU_ASSERT_EQUAL(checked, 5 * ref->nrows);
    tu_fixture_free(ref);
}

/* JSON: a "transformed" object per row naming the transform; text: the second table. An
 * untransformed measure has neither, and empty _bt columns in CSV. */
static void test_formats(void)
{
    size_t n;
    run_case(&cases[1], CMETA_REPORT_JSON, "build/test_derived_bt.json");
    char *b = (char *)tu_slurp("build/test_derived_bt.json", &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    size_t nt = 0;
    for (const char *s = b; (s = strstr(s, "\"transformed\":{\"transform\":\"exp\",\"estimate\":")); s++) nt++;
    CU_ASSERT_EQUAL(nt, 13);
    free(b);
    run_case(&cases[5], CMETA_REPORT_TEXT, "build/test_derived_bt.txt");
    b = (char *)tu_slurp("build/test_derived_bt.txt", &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT(strstr(b, "Back-transformed (inverse logit):") != NULL);
    CU_ASSERT(strstr(b, "pi.lb") != NULL);
    free(b);
    bt_case md = {"normand", "tests/cli/data/normand.csv", CMETA_MD, CMETA_METHOD_FE, 0, NULL};
    run_case(&md, CMETA_REPORT_TEXT, "build/test_derived_bt.txt");
    b = (char *)tu_slurp("build/test_derived_bt.txt", &n);
    CU_ASSERT(strstr(b, "Back-transformed") == NULL);
    free(b);
    run_case(&md, CMETA_REPORT_CSV, "build/test_derived_bt.csv");
    tu_fixture *got = tu_fixture_load("build/test_derived_bt.csv");
    CU_ASSERT(tu_col(got, "estimate_bt") >= 0);
    CU_ASSERT(isnan(tu_num(got, 0, "estimate_bt")));
    tu_fixture_free(got);
}

int main(void)
{
    gsl_set_error_handler_off();
    mkdir("build", 0777);
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("derived_bt", NULL, NULL);
    CU_add_test(s, "loo/cumul back-transformed vs metafor 3.8.1", test_against_metafor);
    CU_add_test(s, "loo/cumul transformed in JSON, text, CSV", test_formats);
    return tu_run();
}
