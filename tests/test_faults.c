/* test_faults.c - allocation failures injected through the library's allocator hook
 * (cmeta_set_allocator) are reported as CMETA_ENOMEM, never crash and never leak: the whole
 * read -> effect sizes -> pool path (and the multilevel fit with its forest plot) is run with
 * the n-th allocation failing, for every n until a run needs no failure (170 allocations on
 * the multilevel path). Leaks are caught by running this suite under valgrind/ASan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

static long fail_at = -1, count = 0;

static void *failing_malloc(size_t n)
{
    if (fail_at >= 0 && count++ == fail_at) return NULL;
    return malloc(n);
}

static void *failing_realloc(void *p, size_t n)
{
    if (fail_at >= 0 && count++ == fail_at) return NULL;
    return realloc(p, n);
}

static const char *csv =
    "study,ai,bi,ci,di,year\n"
    "Aronson,4,119,11,128,1948\n"
    "Ferguson & Simes,6,300,29,274,1949\n"
    "Rosenthal,3,228,11,209,1960\n"
    "\"Hart, Sutherland\",62,13536,248,12619,1977\n"
    "Frimodt-Moller,33,5036,47,5761,1973\n"
    "Stein & Aronson,180,1361,372,1079,1953\n"
    "Vandiviere,8,2537,10,619,1973\n"
    "TPT Madras,505,87886,499,87892,1980\n"
    "Coetzee & Berjak,29,7470,45,7232,1968\n"
    "Rosenthal b,17,1699,65,1600,1961\n"
    "Comstock a,186,50448,141,27197,1974\n"
    "Comstock b,5,2493,3,2338,1969\n"
    "Comstock c,27,16886,29,17825,1958\n";

/* One run of the whole path; returns the first failing status. */
static cmeta_status run_path(cmeta_method method, cmeta_measure measure)
{
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_fit *fit = NULL;
    cmeta_status st;
    cmeta_table_reader *r = cmeta_table_reader_new("bcg.csv");
    if (!r) return CMETA_ENOMEM;
    st = cmeta_table_reader_feed(r, csv, strlen(csv), &err);
    if (st == CMETA_OK) st = cmeta_table_reader_finish(r, &t, &err);
    cmeta_table_reader_free(r);
    if (st == CMETA_OK) {
        cmeta_data_opts o;
        cmeta_data_opts_default(&o);
        o.measure = measure;
        o.measure_set = 1;
        st = cmeta_data_from_table(t, &o, &d, &w, &err);
    }
    if (st == CMETA_OK) {
        cmeta_fit_opts fo;
        cmeta_fit_opts_default(&fo);
        fo.method = method;
        st = cmeta_fit_data(d, &fo, &fit, &w, &err);
    }
    cmeta_fit_free(fit);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    return st;
}

/* The multilevel path (issue 18): a three-level fit with profile CIs, then its forest plot
 * (cmeta_mv_forest_layout, measured by the test's font-free measurer). */
static const char *mvcsv = "study,cl,es,yi,vi\n"
                           "A,1,1,0.10,0.02\nA,1,2,0.30,0.03\nB,2,1,-0.20,0.05\nB,2,2,0.05,0.04\n"
                           "B,2,3,0.40,0.02\nC,3,1,0.60,0.06\nC,3,2,0.20,0.03\nD,4,1,0.00,0.01\n";

static cmeta_status run_mv_path(void)
{
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_mv_fit *fit = NULL;
    cmeta_plot plot;
    memset(&plot, 0, sizeof plot);
    cmeta_status st;
    cmeta_table_reader *r = cmeta_table_reader_new("mv.csv");
    if (!r) return CMETA_ENOMEM;
    st = cmeta_table_reader_feed(r, mvcsv, strlen(mvcsv), &err);
    if (st == CMETA_OK) st = cmeta_table_reader_finish(r, &t, &err);
    cmeta_table_reader_free(r);
    if (st == CMETA_OK) {
        cmeta_data_opts o;
        cmeta_data_opts_default(&o);
        st = cmeta_data_from_table(t, &o, &d, &w, &err);
    }
    static const size_t cl[8] = {0, 0, 1, 1, 1, 2, 2, 3}, es[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    static const double X[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    cmeta_mv_random re[2] = {{"cl", cl, 4}, {"cl/es", es, 8}};
    if (st == CMETA_OK) st = cmeta_mv(d->yi, d->vi, d->k, NULL, 0, X, 1, 1, re, 2, NULL, &fit, &w, &err);
    if (st == CMETA_OK) {
        static const char *const gname[4] = {"A", "B", "C", "D"}, *const comp[2] = {"cl", "cl/es"};
        cmeta_mv_forest mf = {4, gname, cl, (const char *const *)d->label, NULL, NULL, comp, X, "note"};
        st = cmeta_mv_forest_layout(d, fit, &mf, NULL, tu_fake_measure, NULL, &plot, &err);
    }
    cmeta_plot_free(&plot);
    cmeta_mv_fit_free(fit);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    return st;
}

static void check_all_failures(cmeta_method method, cmeta_measure measure)
{
    cmeta_set_allocator(failing_malloc, failing_realloc, NULL);
    long n, nomem = 0;
    for (n = 0; n < 100000; n++) {
        fail_at = n;
        count = 0;
        cmeta_status st = method == CMETA_METHOD_ML ? run_mv_path() : run_path(method, measure);
        if (count <= n) { /* the n-th allocation never happened: the run is complete */
            CU_ASSERT_EQUAL(st, CMETA_OK);
            break;
        }
        /* A failure is either reported, or recovered from (libcsv retries a failed buffer
         * growth with a smaller block): never any other status, never a crash. */
        CU_ASSERT(st == CMETA_ENOMEM || st == CMETA_OK);
        if (st != CMETA_ENOMEM && st != CMETA_OK) {
            fprintf(stderr, "  allocation %ld failing gave status %d\n", n, (int)st);
            break;
        }
        nomem += st == CMETA_ENOMEM;
    }
    CU_ASSERT(n > 10);      /* the path does allocate, so failures were really injected */
    CU_ASSERT(nomem > n / 2); /* and most of them are reported */
    fail_at = -1;
    cmeta_set_allocator(NULL, NULL, NULL);
}

static void test_reml(void) { check_all_failures(CMETA_METHOD_REML, CMETA_RR); }
static void test_dl(void) { check_all_failures(CMETA_METHOD_DL, CMETA_OR); }
static void test_mh(void) { check_all_failures(CMETA_METHOD_MH, CMETA_OR); }
static void test_mv(void) { check_all_failures(CMETA_METHOD_ML, CMETA_GEN); } /* ML: the mv path */

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("faults", NULL, NULL);
    CU_add_test(s, "every allocation failure on the REML path", test_reml);
    CU_add_test(s, "every allocation failure on the DL path", test_dl);
    CU_add_test(s, "every allocation failure on the MH path", test_mh);
    CU_add_test(s, "every allocation failure on the multilevel fit and forest plot path", test_mv);
    return tu_run();
}
