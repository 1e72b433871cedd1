/* test_prepost.c - which SD standardizes SMCR and SMCRH (cmeta_data_opts.smcr_sd, the CLI's
 * --smcr-sd): yi/vi from files through cmeta_data_from_table against R metafor 3.8 escalc()
 * (tests/reference/make_prepost_fixtures.R) on Liang 2010 (datasets/lupus, ri given as --ri)
 * and Morris 2008 (ri column), both standardizers; rules broken name the file's column; the
 * warning names the SD used; the names parse. Tolerance 1e-10 relative (closed forms). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

static cmeta_table *table_file(const char *rel)
{
    cmeta_table *t = NULL;
    cmeta_error e;
    cmeta_error_clear(&e);
    if (cmeta_table_read_file(tu_path(rel), &t, &e) != CMETA_OK)
        fprintf(stderr, "%s: %s\n", rel, e.message);
    return t;
}

static cmeta_table *table_of(const char *text)
{
    cmeta_table_reader *r = cmeta_table_reader_new("t.csv");
    cmeta_table *t = NULL;
    cmeta_error e;
    cmeta_error_clear(&e);
    if (cmeta_table_reader_feed(r, text, strlen(text), &e) != CMETA_OK ||
        cmeta_table_reader_finish(r, &t, &e) != CMETA_OK)
        fprintf(stderr, "table error: %s\n", e.message);
    cmeta_table_reader_free(r);
    return t;
}

/* Every row of fixture ref (measure, sd, vtype, ri, study, yi, vi) against the data built from
 * input with those options; returns the number of rows checked. */
static size_t check_fixture(const char *input, const char *ref)
{
    cmeta_table *t = table_file(input);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    tu_fixture *f = tu_fixture_load(ref);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t checked = 0;
    for (size_t r = 0; r < f->nrows; r++) {
        cmeta_data_opts o;
        cmeta_data_opts_default(&o);
        o.measure_set = 1;
        CU_ASSERT_EQUAL_FATAL(cmeta_measure_from_name(tu_str(f, r, "measure"), &o.measure), CMETA_OK);
        CU_ASSERT_EQUAL_FATAL(cmeta_smcr_sd_from_name(tu_str(f, r, "sd"), &o.smcr_sd), CMETA_OK);
        CU_ASSERT_EQUAL_FATAL(cmeta_vtype_from_name(tu_str(f, r, "vtype"), &o.escalc.vtype), CMETA_OK);
        double ri = tu_num(f, r, "ri");
        if (!isnan(ri)) {
            o.ri_set = 1;
            o.ri = ri;
        }
        size_t study = (size_t)tu_num(f, r, "study") - 1;
        cmeta_data *d = NULL;
        cmeta_warnings w;
        cmeta_warnings_init(&w);
        cmeta_error e;
        cmeta_error_clear(&e);
        cmeta_status st = cmeta_data_from_table(t, &o, &d, &w, &e);
        CU_ASSERT_EQUAL_FATAL(st, CMETA_OK);
        CU_ASSERT_FATAL(study < d->k);
        char what[160];
        snprintf(what, sizeof what, "%s %s %s %s ri=%s study %zu yi", input, tu_str(f, r, "measure"),
                 tu_str(f, r, "sd"), tu_str(f, r, "vtype"), tu_str(f, r, "ri"), study + 1);
        TU_ASSERT_CLOSE(d->yi[study], tu_num(f, r, "yi"), 1e-10, 0, what);
        what[strlen(what) - 2] = 'v';
        TU_ASSERT_CLOSE(d->vi[study], tu_num(f, r, "vi"), 1e-10, 0, what);
        cmeta_warnings_free(&w);
        cmeta_data_free(d);
        checked++;
    }
    cmeta_table_free(t);
    tu_fixture_free(f);
    return checked;
}

static void test_liang2010(void)
{
    CU_ASSERT_EQUAL(check_fixture("datasets/lupus/liang2010_sledai.csv",
                                  "tests/reference/prepost/liang2010_sledai.csv"), 18);
    CU_ASSERT_EQUAL(check_fixture("datasets/lupus/liang2010_proteinuria.csv",
                                  "tests/reference/prepost/liang2010_proteinuria.csv"), 18);
}

static void test_morris2008(void)
{
    CU_ASSERT_EQUAL(check_fixture("tests/reference/prepost/morris2008.csv",
                                  "tests/reference/prepost/morris2008_results.csv"), 60);
}

/* The two standardizers really differ, the arrays handed back are the file's columns, and the
 * default is the follow-up SD. Liang 2010 SLEDAI: (3.2 - 12.2) / 2.8 vs / 3.3, J(11). */
static void test_default_and_arrays(void)
{
    cmeta_table *t = table_file("datasets/lupus/liang2010_sledai.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    CU_ASSERT_EQUAL(o.smcr_sd, CMETA_SMCR_SD_FOLLOWUP);
    o.measure_set = 1;
    o.measure = CMETA_SMCR;
    o.ri_set = 1;
    o.ri = 0.5;
    /* Hedges' exact J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)), m = ni - 1 = 11 */
    double J = exp(lgamma(5.5) - 0.5 * log(5.5) - lgamma(5.0));
    for (int s = 0; s < 2; s++) {
        o.smcr_sd = s ? CMETA_SMCR_SD_BASELINE : CMETA_SMCR_SD_FOLLOWUP;
        cmeta_data *d = NULL;
        cmeta_error e;
        cmeta_error_clear(&e);
        CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(t, &o, &d, NULL, &e), CMETA_OK);
        TU_ASSERT_CLOSE(d->yi[0], J * (3.2 - 12.2) / (s ? 3.3 : 2.8), 1e-12, 0, "SMCR g");
        CU_ASSERT_EQUAL(d->sd1i[0], 2.8);
        CU_ASSERT_EQUAL(d->sd2i[0], 3.3);
        cmeta_data_free(d);
    }
    cmeta_table_free(t);
}

/* The warning names the SD used; measures other than SMCR/SMCRH do not warn and ignore it. */
static void test_warning_names_sd(void)
{
    cmeta_table *t = table_file("tests/reference/prepost/morris2008.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    static const struct { cmeta_measure m; cmeta_smcr_sd s; const char *text; } c[] = {
        {CMETA_SMCR, CMETA_SMCR_SD_FOLLOWUP, "SMCR standardized by the follow-up SD (column sd1i)"},
        {CMETA_SMCR, CMETA_SMCR_SD_BASELINE, "SMCR standardized by the baseline SD (column sd2i)"},
        {CMETA_SMCRH, CMETA_SMCR_SD_FOLLOWUP, "SMCRH standardized by the follow-up SD (column sd1i)"},
        {CMETA_SMCRH, CMETA_SMCR_SD_BASELINE, "SMCRH standardized by the baseline SD (column sd2i)"},
        {CMETA_SMCC, CMETA_SMCR_SD_BASELINE, NULL},
        {CMETA_MC, CMETA_SMCR_SD_BASELINE, NULL},
        {CMETA_ROMC, CMETA_SMCR_SD_BASELINE, NULL}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        cmeta_data_opts o;
        cmeta_data_opts_default(&o);
        o.measure_set = 1;
        o.measure = c[i].m;
        cmeta_data *d = NULL, *d0 = NULL;
        cmeta_warnings w;
        cmeta_warnings_init(&w);
        cmeta_error e;
        cmeta_error_clear(&e);
        CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(t, &o, &d0, NULL, &e), CMETA_OK);
        o.smcr_sd = c[i].s;
        CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(t, &o, &d, &w, &e), CMETA_OK);
        if (c[i].text) {
            CU_ASSERT_EQUAL(w.n, 1);
            if (w.n) {
                CU_ASSERT_PTR_NOT_NULL(strstr(w.text[0], c[i].text));
                if (!strstr(w.text[0], c[i].text)) fprintf(stderr, "\n  got: %s\n", w.text[0]);
            }
        } else {
            CU_ASSERT_EQUAL(w.n, 0);
            for (size_t j = 0; j < d->k; j++) { /* unchanged by the option */
                CU_ASSERT_EQUAL(d->yi[j], d0->yi[j]);
                CU_ASSERT_EQUAL(d->vi[j], d0->vi[j]);
            }
        }
        cmeta_warnings_free(&w);
        cmeta_data_free(d);
        cmeta_data_free(d0);
    }
    cmeta_table_free(t);
}

/* A rule broken points at the file's cell even though escalc saw the SDs swapped. */
static void expect_rule(const char *csv, cmeta_measure m, cmeta_smcr_sd s, long line, long col,
                        const char *msg)
{
    cmeta_table *t = table_of(csv);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    o.measure_set = 1;
    o.measure = m;
    o.smcr_sd = s;
    cmeta_data *d = NULL;
    cmeta_error e;
    cmeta_error_clear(&e);
    cmeta_status st = cmeta_data_from_table(t, &o, &d, NULL, &e);
    CU_ASSERT_EQUAL(st, CMETA_EDATA);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT_EQUAL(e.line, line);
    CU_ASSERT_EQUAL(e.column, col);
    CU_ASSERT_STRING_EQUAL(e.message, msg);
    if (strcmp(e.message, msg) || e.column != col)
        fprintf(stderr, "\n  got %ld:%ld %s\n", e.line, e.column, e.message);
    cmeta_table_free(t);
}

#define PP "study,m1i,sd1i,m2i,sd2i,ni,ri\n"
static void test_rules_name_file_column(void)
{
    /* baseline: the standardizer is the file's sd2i (column 5) */
    expect_rule(PP "A,1,1,2,1,10,0.5\nB,1,1,2,0,10,0.5\n", CMETA_SMCR, CMETA_SMCR_SD_BASELINE, 3, 5,
                "sd2i must be > 0 (got 0)");
    expect_rule(PP "A,1,-2,2,1,10,0.5\n", CMETA_SMCRH, CMETA_SMCR_SD_BASELINE, 2, 3,
                "sd1i must be > 0 (got -2)");
    expect_rule(PP "A,1,1,2,-1,10,0.5\n", CMETA_SMCRH, CMETA_SMCR_SD_BASELINE, 2, 5,
                "sd2i must be > 0 (got -1)");
    /* follow-up: as the file says */
    expect_rule(PP "A,1,0,2,1,10,0.5\n", CMETA_SMCR, CMETA_SMCR_SD_FOLLOWUP, 2, 3,
                "sd1i must be > 0 (got 0)");
    /* SMCR by the baseline SD does not read the follow-up SD (as metafor's SMCR and sd2i) */
    cmeta_table *t = table_of(PP "A,1,-1,2,1,10,0.5\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    o.measure_set = 1;
    o.measure = CMETA_SMCR;
    o.smcr_sd = CMETA_SMCR_SD_BASELINE;
    cmeta_data *d = NULL;
    cmeta_error e;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL(cmeta_data_from_table(t, &o, &d, NULL, &e), CMETA_OK);
    cmeta_data_free(d);
    /* an unknown standardizer is a usage error */
    o.smcr_sd = (cmeta_smcr_sd)7;
    d = NULL;
    CU_ASSERT_EQUAL(cmeta_data_from_table(t, &o, &d, NULL, &e), CMETA_EUSAGE);
    CU_ASSERT_PTR_NULL(d);
    cmeta_table_free(t);
}

static void test_names(void)
{
    cmeta_smcr_sd s = CMETA_SMCR_SD_BASELINE;
    CU_ASSERT_EQUAL(cmeta_smcr_sd_from_name("followup", &s), CMETA_OK);
    CU_ASSERT_EQUAL(s, CMETA_SMCR_SD_FOLLOWUP);
    CU_ASSERT_EQUAL(cmeta_smcr_sd_from_name("Baseline", &s), CMETA_OK);
    CU_ASSERT_EQUAL(s, CMETA_SMCR_SD_BASELINE);
    CU_ASSERT_EQUAL(cmeta_smcr_sd_from_name("follow-up", &s), CMETA_OK);
    CU_ASSERT_EQUAL(s, CMETA_SMCR_SD_FOLLOWUP);
    CU_ASSERT_EQUAL(cmeta_smcr_sd_from_name("pre", &s), CMETA_OK);
    CU_ASSERT_EQUAL(s, CMETA_SMCR_SD_BASELINE);
    CU_ASSERT_EQUAL(cmeta_smcr_sd_from_name("post", &s), CMETA_OK);
    CU_ASSERT_EQUAL(s, CMETA_SMCR_SD_FOLLOWUP);
    CU_ASSERT_EQUAL(cmeta_smcr_sd_from_name("sd1i", &s), CMETA_EUSAGE);
    CU_ASSERT_EQUAL(cmeta_smcr_sd_from_name("", &s), CMETA_EUSAGE);
    CU_ASSERT_EQUAL(cmeta_smcr_sd_from_name(NULL, &s), CMETA_EUSAGE);
    CU_ASSERT_STRING_EQUAL(cmeta_smcr_sd_name(CMETA_SMCR_SD_FOLLOWUP), "followup");
    CU_ASSERT_STRING_EQUAL(cmeta_smcr_sd_name(CMETA_SMCR_SD_BASELINE), "baseline");
    CU_ASSERT_PTR_NULL(cmeta_smcr_sd_name((cmeta_smcr_sd)9));
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("prepost", NULL, NULL);
    CU_add_test(s, "Liang 2010 SMCR/SMCRH, both SDs, ri 0 0.5 0.9", test_liang2010);
    CU_add_test(s, "Morris 2008 SMCR/SMCRH, both SDs", test_morris2008);
    CU_add_test(s, "default follow-up, arrays as in the file", test_default_and_arrays);
    CU_add_test(s, "warning names the SD", test_warning_names_sd);
    CU_add_test(s, "rules name the file's column", test_rules_name_file_column);
    CU_add_test(s, "names", test_names);
    return tu_run();
}
