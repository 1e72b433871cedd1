/* test_data.c - from tables to studies (cmeta/data.h): effect sizes against R metafor on
 * metadat datasets, one test per validation rule (status, line, column, study, message),
 * missing-value warnings, subsets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

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

static cmeta_table *table_file(const char *rel)
{
    cmeta_table *t = NULL;
    cmeta_error e;
    cmeta_error_clear(&e);
    if (cmeta_table_read_file(tu_path(rel), &t, &e) != CMETA_OK)
        fprintf(stderr, "%s: %s\n", rel, e.message);
    return t;
}

/* Build data with measure m (or inferred when m < 0). */
static cmeta_status build(const cmeta_table *t, int m, cmeta_data **d, cmeta_warnings *w,
                          cmeta_error *e)
{
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    if (m >= 0) {
        o.measure_set = 1;
        o.measure = (cmeta_measure)m;
    }
    cmeta_error_clear(e);
    return cmeta_data_from_table(t, &o, d, w, e);
}

/* ---- effect sizes against metafor ----------------------------------------------------- */

static void check_reference(const char *input, cmeta_measure m, const char *ref)
{
    cmeta_table *t = table_file(input);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    tu_fixture *f = tu_fixture_load(ref);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    cmeta_data *d = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_error e;
    cmeta_status st = build(t, (int)m, &d, &w, &e);
    CU_ASSERT_EQUAL_FATAL(st, CMETA_OK);
    CU_ASSERT_EQUAL(d->k, f->nrows);
    CU_ASSERT_EQUAL(d->nrows, f->nrows);
    for (size_t i = 0; i < d->k && i < f->nrows; i++) {
        char what[128];
        snprintf(what, sizeof what, "%s %s yi[%zu]", input, cmeta_measure_name(m), i);
        TU_ASSERT_CLOSE(d->yi[i], tu_num(f, i, "yi"), 1e-10, 0, what);
        TU_ASSERT_CLOSE(d->row_yi[i], tu_num(f, i, "yi"), 1e-10, 0, what);
        snprintf(what, sizeof what, "%s %s vi[%zu]", input, cmeta_measure_name(m), i);
        TU_ASSERT_CLOSE(d->vi[i], tu_num(f, i, "vi"), 1e-10, 0, what);
        CU_ASSERT_EQUAL(d->row[i], i);
    }
    cmeta_warnings_free(&w);
    cmeta_data_free(d);
    cmeta_table_free(t);
    tu_fixture_free(f);
}

static void test_reference_values(void)
{
    check_reference("tests/cli/data/bcg.csv", CMETA_RR, "tests/reference/data/bcg_RR.csv");
    check_reference("tests/cli/data/bcg.csv", CMETA_OR, "tests/reference/data/bcg_OR.csv");
    check_reference("tests/cli/data/bcg.csv", CMETA_RD, "tests/reference/data/bcg_RD.csv");
    /* events and group sizes (bi = n1i - ai, di = n2i - ci), meta-package names */
    check_reference("tests/cli/data/bcg_counts.csv", CMETA_OR, "tests/reference/data/bcg_OR.csv");
    check_reference("tests/cli/data/bcg_counts.csv", CMETA_RR, "tests/reference/data/bcg_RR.csv");
    check_reference("tests/cli/data/normand1999.csv", CMETA_SMD, "tests/reference/data/normand_SMD.csv");
    check_reference("tests/cli/data/normand1999.csv", CMETA_MD, "tests/reference/data/normand_MD.csv");
    check_reference("tests/cli/data/normand1999.csv", CMETA_ROM, "tests/reference/data/normand_ROM.csv");
    check_reference("tests/cli/data/pritz1997.csv", CMETA_PLO, "tests/reference/data/pritz_PLO.csv");
}

static void test_arrays_and_labels(void)
{
    cmeta_table *t = table_file("tests/cli/data/bcg_counts.csv");
    cmeta_data *d;
    cmeta_error e;
    CU_ASSERT_EQUAL_FATAL(build(t, CMETA_OR, &d, NULL, &e), CMETA_OK);
    CU_ASSERT_EQUAL(d->measure, CMETA_OR);
    CU_ASSERT_PTR_EQUAL(d->table, t);
    CU_ASSERT_STRING_EQUAL(d->label[0], "Aronson");
    CU_ASSERT_STRING_EQUAL(d->row_label[1], "Ferguson & Simes");
    CU_ASSERT_EQUAL(d->ai[0], 4);
    CU_ASSERT_EQUAL(d->bi[0], 119); /* 123 - 4 */
    CU_ASSERT_EQUAL(d->ci[0], 11);
    CU_ASSERT_EQUAL(d->di[0], 128); /* 139 - 11 */
    CU_ASSERT_PTR_NULL(d->n1i);
    CU_ASSERT_PTR_NULL(d->m1i);
    CU_ASSERT_PTR_NULL(d->xi);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_data_free(NULL);

    /* bcg has both author and trial: author labels the studies */
    t = table_file("tests/cli/data/bcg.csv");
    CU_ASSERT_EQUAL_FATAL(build(t, CMETA_RR, &d, NULL, &e), CMETA_OK);
    CU_ASSERT_STRING_EQUAL(d->label[0], "Aronson");
    cmeta_data_free(d);
    cmeta_table_free(t);

    /* no label column: "Study N" with N the row number */
    t = table_of("m1i,sd1i,n1i,m2i,sd2i,n2i\n1,1,10,2,1,10\n1,1,10,2,1,12\n");
    CU_ASSERT_EQUAL_FATAL(build(t, CMETA_MD, &d, NULL, &e), CMETA_OK);
    CU_ASSERT_STRING_EQUAL(d->label[1], "Study 2");
    CU_ASSERT_DOUBLE_EQUAL(d->yi[1], -1, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(d->vi[1], 1.0 / 10 + 1.0 / 12, 1e-15);
    CU_ASSERT_EQUAL(d->n2i[1], 12);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

static void test_gen_inferred(void)
{
    cmeta_table *t = table_of("Study,TE,seTE,year\nA,0.5,0.1,2001\nB,-0.25,0.2,2002\n");
    cmeta_data *d;
    cmeta_error e;
    CU_ASSERT_EQUAL_FATAL(build(t, -1, &d, NULL, &e), CMETA_OK);
    CU_ASSERT_EQUAL(d->measure, CMETA_GEN);
    CU_ASSERT_EQUAL(d->k, 2);
    TU_ASSERT_CLOSE(d->yi[1], -0.25, 1e-15, 0, "yi");
    TU_ASSERT_CLOSE(d->vi[0], 0.01, 1e-14, 0, "vi = sei^2");
    TU_ASSERT_CLOSE(d->vi[1], 0.04, 1e-14, 0, "vi = sei^2");
    cmeta_data_free(d);
    cmeta_table_free(t);
}

static void test_measure_required(void)
{
    cmeta_table *t = table_of("study,mean.e,sd.e,n.e,mean.c,sd.c,n.c\nA,1,1,10,2,1,10\n");
    cmeta_data *d = (cmeta_data *)1;
    cmeta_error e;
    CU_ASSERT_EQUAL(build(t, -1, &d, NULL, &e), CMETA_EUSAGE);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT_STRING_EQUAL(e.message, "--measure is required; the columns fit: SMD, SMDH, SMD1, MD, ROM");
    unsigned long bits = cmeta_measures_fitting(t);
    CU_ASSERT(bits & (1UL << CMETA_SMD));
    CU_ASSERT(bits & (1UL << CMETA_ROM));
    CU_ASSERT(!(bits & (1UL << CMETA_OR)));
    CU_ASSERT(!(bits & (1UL << CMETA_GEN)));
    cmeta_table_free(t);

    t = table_of("study,x\nA,1\n");
    CU_ASSERT_EQUAL(build(t, -1, &d, NULL, &e), CMETA_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "no measure fits the columns"));
    CU_ASSERT_EQUAL(cmeta_measures_fitting(t), 0);
    cmeta_table_free(t);

    t = table_of("study,ai,n1i,ci,n2i,xi,ni\nA,1,10,2,10,3,9\n");
    bits = cmeta_measures_fitting(t);
    CU_ASSERT(bits & (1UL << CMETA_OR));
    CU_ASSERT(bits & (1UL << CMETA_PFT));
    CU_ASSERT(!(bits & (1UL << CMETA_COR)));
    cmeta_table_free(t);
}

/* ---- one test per validation rule --------------------------------------------------------- */

/* Expect data building to fail with status st at line:col, naming study and message. */
static void expect_rule(const char *csv, int m, cmeta_status st, long line, long col,
                        const char *study, const char *msg)
{
    cmeta_table *t = table_of(csv);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    cmeta_data *d = (cmeta_data *)1;
    cmeta_error e;
    cmeta_status got = build(t, m, &d, NULL, &e);
    CU_ASSERT_EQUAL(got, st);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT_EQUAL(e.status, st);
    CU_ASSERT_EQUAL(e.line, line);
    CU_ASSERT_EQUAL(e.column, col);
    CU_ASSERT_STRING_EQUAL(e.study, study);
    CU_ASSERT_STRING_EQUAL(e.message, msg);
    if (got != st || e.line != line || e.column != col || strcmp(e.study, study) ||
        strcmp(e.message, msg))
        fprintf(stderr, "\n  got %d %ld:%ld '%s' '%s'\n want %d %ld:%ld '%s' '%s'\n", (int)got,
                e.line, e.column, e.study, e.message, (int)st, line, col, study, msg);
    if (got == CMETA_OK) cmeta_data_free(d);
    if (got != CMETA_OK) {
        CU_ASSERT_STRING_EQUAL(e.file, "t.csv");
    }
    cmeta_table_free(t);
}

#define CONT "study,m1i,sd1i,n1i,m2i,sd2i,n2i\n"

static void test_rule_sd(void)
{
    expect_rule(CONT "A,1,1,10,2,1,10\nB,1,-1.2,10,2,1,10\n", CMETA_SMD, CMETA_EDATA, 3, 3, "B",
                "sd1i must be > 0 (got -1.2)");
    expect_rule(CONT "A,1,1,10,2,0,10\n", CMETA_MD, CMETA_EDATA, 2, 6, "A", "sd2i must be > 0 (got 0)");
}

static void test_rule_n(void)
{
    expect_rule(CONT "A,1,1,10,2,1,10\nB,1,1,0,2,1,10\n", CMETA_MD, CMETA_EDATA, 3, 4, "B",
                "n1i must be >= 1 for MD (got 0)");
    /* SMDH needs two per group for its variance */
    expect_rule(CONT "A,1,1,10,2,1,1\n", CMETA_SMDH, CMETA_EDATA, 2, 7, "A",
                "n2i must be >= 2 for SMDH (got 1)");
    /* pre/post SMCC: J(ni - 1) needs ni >= 3 */
    expect_rule("study,m1i,sd1i,m2i,sd2i,ni,ri\nA,1,1,2,1,2,0.5\n", CMETA_SMCC, CMETA_EDATA, 2, 6,
                "A", "ni must be >= 3 for SMCC (got 2)");
}

static void test_rule_events(void)
{
    expect_rule("study,ai,bi,ci,di\nA,1,2,3,4\nB,-1,2,3,4\n", CMETA_OR, CMETA_EDATA, 3, 2, "B",
                "ai must be >= 0 (got -1)");
    expect_rule("studlab,event.e,n.e,event.c,n.c\nA,12,10,3,10\n", CMETA_RR, CMETA_EDATA, 2, 2, "A",
                "ai must be <= n1i (got ai=12, n1i=10)");
    expect_rule("studlab,event.e,n.e,event.c,n.c\nA,1,10,11,10\n", CMETA_RR, CMETA_EDATA, 2, 4, "A",
                "ci must be <= n2i (got ci=11, n2i=10)");
    expect_rule("study,events,n\nA,3,10\nB,12,10\n", CMETA_PR, CMETA_EDATA, 3, 2, "B",
                "xi must be <= ni (got xi=12, ni=10)");
}

static void test_rule_r(void)
{
    expect_rule("study,ri,ni\nA,0.3,20\nB,1.2,20\n", CMETA_COR, CMETA_EDATA, 3, 2, "B",
                "ri must be <= 1 (got 1.2)");
    expect_rule("study,m1i,sd1i,m2i,sd2i,ni,ri\nA,1,1,2,1,20,-1.5\n", CMETA_MC, CMETA_EDATA, 2, 7,
                "A", "ri must be >= -1 (got -1.5)");
}

static void test_rule_vi_sei(void)
{
    expect_rule("study,yi,vi\nA,0.1,0.2\nB,0.1,0\n", -1, CMETA_EDATA, 3, 3, "B", "vi must be > 0 (got 0)");
    expect_rule("study,TE,seTE\nA,0.1,-0.2\n", CMETA_GEN, CMETA_EDATA, 2, 3, "A",
                "sei must be > 0 (got -0.2)");
}

static void test_rule_text_and_nonfinite(void)
{
    expect_rule(CONT "A,1,abc,10,2,1,10\n", CMETA_SMD, CMETA_EDATA, 2, 3, "A",
                "sd1i: 'abc' is not a number");
    expect_rule(CONT "A,Inf,1,10,2,1,10\n", CMETA_SMD, CMETA_EDATA, 2, 2, "A",
                "m1i: 'Inf' is not a finite number");
    expect_rule(CONT "A,1,1,10,NaN,1,10\n", CMETA_SMD, CMETA_EDATA, 2, 5, "A",
                "m2i: 'NaN' is not a finite number");
    expect_rule(CONT "A,1,1,10,1e999,1,10\n", CMETA_SMD, CMETA_EDATA, 2, 5, "A",
                "m2i: '1e999' is too large for a number");
    /* a quoted multi-line label moves the lines of what follows */
    expect_rule(CONT "\"A\nsecond line\",1,1,10,2,1,10\nB,1,1,x,2,1,10\n", CMETA_SMD, CMETA_EDATA, 4, 4,
                "B", "n1i: 'x' is not a number");
    expect_rule(CONT "\"A\nsecond line\",1,1,\"1\n0\",2,1,10\n", CMETA_SMD, CMETA_EDATA, 3, 4,
                "A\nsecond line", "n1i: '1\n0' is not a number");
}

static void test_rule_missing_column(void)
{
    expect_rule("study,m1i,sd1i,n1i,m2i,n2i\nA,1,1,10,2,10\n", CMETA_SMD, CMETA_EDATA, 1, 0, "",
                "measure SMD needs a column sd2i (or sd2, sd.c)");
    expect_rule("study,ai,bi,ci\nA,1,2,3\n", CMETA_OR, CMETA_EDATA, 1, 0, "",
                "measure OR needs a column di");
    expect_rule("study,event.e,n.e,event.c\nA,1,2,3\n", CMETA_OR, CMETA_EDATA, 1, 0, "",
                "measure OR needs a column n2i (or n2, n.c)");
    expect_rule("study,yi\nA,1\n", CMETA_GEN, CMETA_EDATA, 1, 0, "",
                "measure GEN needs a column vi or sei (or seTE) beside yi");
    expect_rule("study,m1i,sd1i,m2i,sd2i,ni\nA,1,1,2,1,20\n", CMETA_MC, CMETA_EDATA, 1, 0, "",
                "pre/post measure MC needs the pre-post correlation: add an ri column or use --ri");
}

static void test_reader_rules_through_data(void)
{
    /* ragged rows and duplicated columns stop at the reader, with their place */
    cmeta_table_reader *r = cmeta_table_reader_new("t.csv");
    cmeta_table *t = NULL;
    cmeta_error e;
    const char *ragged = CONT "A,1,1,10,2,1,10\nB,1,1,10,2,1\n";
    /* the row's end is in the data fed: the error comes from feed */
    CU_ASSERT_EQUAL(cmeta_table_reader_feed(r, ragged, strlen(ragged), &e), CMETA_EDATA);
    CU_ASSERT_EQUAL(cmeta_table_reader_finish(r, &t, &e), CMETA_EDATA);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_EQUAL(e.line, 3);
    CU_ASSERT_EQUAL(e.column, 7);
    CU_ASSERT_STRING_EQUAL(e.message, "row has 6 fields, header has 7");
    cmeta_table_reader_free(r);
    r = cmeta_table_reader_new("t.csv");
    const char *dup = "study,mean.e,sd1i,n1i,m1i\nA,1,1,10,2\n";
    CU_ASSERT_EQUAL(cmeta_table_reader_feed(r, dup, strlen(dup), &e), CMETA_EDATA);
    CU_ASSERT_EQUAL(e.line, 1);
    CU_ASSERT_EQUAL(e.column, 5);
    CU_ASSERT_STRING_EQUAL(e.message, "duplicated column: 'm1i' and 'mean.e' (column 2) both give m1i");
    cmeta_table_reader_free(r);
}

/* ---- missing values ------------------------------------------------------------------------ */

static void test_missing_values(void)
{
    cmeta_table *t = table_of(CONT "A,1,1,10,2,1,10\nB,1,,10,2,NA,10\nC,1,1,10,2,1,12\n");
    cmeta_data *d;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_error e;
    CU_ASSERT_EQUAL_FATAL(build(t, CMETA_MD, &d, &w, &e), CMETA_OK);
    CU_ASSERT_EQUAL(d->k, 2);
    CU_ASSERT_EQUAL(d->nrows, 3);
    CU_ASSERT_EQUAL(d->row[1], 2);
    CU_ASSERT_STRING_EQUAL(d->label[1], "C");
    CU_ASSERT(isnan(d->row_yi[1]) && isnan(d->row_vi[1]));
    CU_ASSERT(!isnan(d->row_yi[2]));
    CU_ASSERT_EQUAL_FATAL(w.n, 1);
    CU_ASSERT_STRING_EQUAL(w.text[0], "study 'B' (line 3) left out: missing sd1i, sd2i");
    cmeta_warnings_free(&w);
    cmeta_data_free(d);
    cmeta_table_free(t);

    /* a missing cell does not hide a broken rule in a later study */
    expect_rule(CONT "A,1,,10,2,1,10\nB,1,1,10,2,-1,10\n", CMETA_MD, CMETA_EDATA, 3, 6, "B",
                "sd2i must be > 0 (got -1)");
    /* every study missing */
    expect_rule(CONT "A,1,,10,2,1,10\nB,NA,1,10,2,1,10\n", CMETA_MD, CMETA_EDATA, 0, 0, "",
                "no studies with complete data");
    expect_rule(CONT, CMETA_MD, CMETA_EDATA, 0, 0, "",
                "no studies with complete data (the file has no data rows)");
}

static void test_ri_option(void)
{
    cmeta_table *t = table_of("study,m1i,sd1i,m2i,sd2i,ni\nA,5,2,3,2,20\n");
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    o.measure_set = 1;
    o.measure = CMETA_MC;
    o.ri_set = 1;
    o.ri = 0.5;
    cmeta_data *d;
    cmeta_error e;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(t, &o, &d, NULL, &e), CMETA_OK);
    CU_ASSERT_EQUAL(d->ri[0], 0.5);
    /* MC: yi = m1 - m2, vi = (sd1^2 + sd2^2 - 2 r sd1 sd2) / n */
    TU_ASSERT_CLOSE(d->yi[0], 2, 1e-15, 0, "MC yi");
    TU_ASSERT_CLOSE(d->vi[0], (4 + 4 - 2 * 0.5 * 4) / 20.0, 1e-14, 0, "MC vi");
    cmeta_data_free(d);
    cmeta_table_free(t);
}

static void test_drop00(void)
{
    cmeta_table *t = table_of("study,ai,bi,ci,di\nA,1,9,2,8\nB,0,10,0,10\nC,2,8,3,7\n");
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    o.measure_set = 1;
    o.measure = CMETA_OR;
    o.escalc.drop00 = 1;
    cmeta_data *d;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_error e;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(t, &o, &d, &w, &e), CMETA_OK);
    CU_ASSERT_EQUAL(d->k, 2);
    CU_ASSERT_STRING_EQUAL(d->label[1], "C");
    CU_ASSERT_EQUAL(d->ai[1], 2);
    CU_ASSERT(isnan(d->row_yi[1]));
    int found = 0;
    for (size_t i = 0; i < w.n; i++)
        if (strstr(w.text[i], "study 'B' (line 3) left out: double-zero study")) found = 1;
    CU_ASSERT(found);
    cmeta_warnings_free(&w);
    cmeta_data_free(d);
    cmeta_table_free(t);
}


/* ---- issue 14: overflow refused, variances of 0 named in the user's terms ------------------ */

static void test_overflow_refused(void)
{
    /* means 1e308 and -1e308: MD overflows; refused (was: dropped with a warning) */
    expect_rule(CONT "A,1e308,1,10,-1e308,1,10\nB,1,1,10,0,1,10\n", CMETA_MD, CMETA_EDATA, 2, 0, "A",
                "the effect size (MD) is not finite although every input is: the numbers overflow "
                "a double (rescale the data, e.g. other units)");
    /* counts of 1e308: the odds ratio overflows */
    expect_rule("study,ai,bi,ci,di\nA,1,2,3,4\nB,1e308,1,1,1e308\n", CMETA_OR, CMETA_EDATA, 3, 0, "B",
                "the effect size (OR) is not finite although every input is: the numbers overflow "
                "a double (rescale the data, e.g. other units)");
    /* a zero cell without correction is not an overflow: left out with a warning, as metafor */
    cmeta_table *t = table_of("study,ai,bi,ci,di\nA,0,10,5,10\nB,1,9,2,8\n");
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    o.measure_set = 1;
    o.measure = CMETA_OR;
    o.escalc.to = CMETA_TO_NONE;
    cmeta_data *d = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_error e;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(t, &o, &d, &w, &e), CMETA_OK);
    CU_ASSERT_EQUAL(d->k, 1);
    CU_ASSERT_EQUAL(w.n, 1);
    if (w.n) CU_ASSERT_PTR_NOT_NULL(strstr(w.text[0], "study 'A' (line 2) left out"));
    cmeta_data_free(d);
    cmeta_warnings_free(&w);
    cmeta_table_free(t);
    /* every complete study left out: the message says so, not "no studies with complete data" */
    t = table_of("study,ai,bi,ci,di\nA,0,10,5,10\nB,0,9,2,8\n");
    cmeta_warnings_init(&w);
    CU_ASSERT_EQUAL(cmeta_data_from_table(t, &o, &d, &w, &e), CMETA_EDATA);
    CU_ASSERT_STRING_EQUAL(e.message, "no study left: the effect size or variance of every study is "
                                      "not finite (see the warnings)");
    CU_ASSERT_EQUAL(w.n, 2);
    cmeta_warnings_free(&w);
    cmeta_table_free(t);
}

/* Build, then cmeta_data_check_vi: the error's place and message. */
static void expect_zero_vi(const char *csv, cmeta_measure m, int ri_set, double ri, long line,
                           long col, const char *study, const char *msg)
{
    cmeta_table *t = table_of(csv);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    o.measure_set = 1;
    o.measure = m;
    o.ri_set = ri_set;
    o.ri = ri;
    cmeta_data *d = NULL;
    cmeta_error e;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(t, &o, &d, NULL, &e), CMETA_OK);
    CU_ASSERT_EQUAL(cmeta_data_check_vi(d, &e), CMETA_EDATA);
    CU_ASSERT_STRING_EQUAL(e.file, "t.csv");
    CU_ASSERT_EQUAL(e.line, line);
    CU_ASSERT_EQUAL(e.column, col);
    CU_ASSERT_STRING_EQUAL(e.study, study);
    CU_ASSERT_STRING_EQUAL(e.message, msg);
    if (strcmp(e.message, msg) || e.line != line || e.column != col)
        fprintf(stderr, "\n  got %ld:%ld '%s'\n want %ld:%ld '%s'\n", e.line, e.column, e.message, line, col, msg);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

static void test_zero_variance_named(void)
{
    expect_zero_vi("study,ri,ni\nA,0.5,20\nB,1,30\n", CMETA_COR, 0, 0, 3, 2, "B",
                   "ri = 1 makes the sampling variance 0 (measure COR; a fit needs vi > 0)");
    expect_zero_vi("study,m1i,sd1i,m2i,sd2i,ni\nA,10,2,8,2,20\n", CMETA_MC, 1, 1.0, 2, 0, "A",
                   "--ri 1 with sd1i = sd2i (2) makes the sampling variance 0 (measure MC; a fit "
                   "needs vi > 0)");
    expect_zero_vi("study,mean.e,sd.e,mean.c,sd.c,n,ri\nA,10,2,8,3,20,0.5\nB,10,2,8,2,20,1\n", CMETA_MC, 0,
                   0, 3, 7, "B",
                   "ri = 1 with sd.e = sd.c (2) makes the sampling variance 0 (measure MC; a fit "
                   "needs vi > 0)");
    /* fine data pass */
    cmeta_table *t = table_of("study,ri,ni\nA,0.5,20\n");
    cmeta_data *d = NULL;
    cmeta_error e;
    CU_ASSERT_EQUAL_FATAL(build(t, CMETA_COR, &d, NULL, &e), CMETA_OK);
    CU_ASSERT_EQUAL(cmeta_data_check_vi(d, &e), CMETA_OK);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

/* Control bytes of a label never reach the terminal: errors and warnings show them as \xHH
 * (issue 14: ESC and BEL went out raw); line breaks stay spaces. */
static void test_messages_escaped(void)
{
    cmeta_error e;
    cmeta_error_clear(&e);
    snprintf(e.file, sizeof e.file, "f.csv");
    e.line = 3;
    snprintf(e.study, sizeof e.study, "A\x1b[31mred\nx");
    cmeta_error_set(&e, CMETA_EDATA, "vi must be > 0 (\x07)");
    char buf[256];
    cmeta_error_format(&e, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "f.csv:3: study 'A\\x1b[31mred x': vi must be > 0 (\\x07)");
    /* cut short: never half an escape */
    char small[24];
    cmeta_error_format(&e, small, sizeof small);
    CU_ASSERT(strlen(small) < sizeof small);
    for (const char *p = small; *p; p++) CU_ASSERT((unsigned char)*p >= 0x20);
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    CU_ASSERT_EQUAL(cmeta_warn(&w, "study '%s' left out", "B\x07\x7f"), CMETA_OK);
    CU_ASSERT_STRING_EQUAL(w.text[0], "study 'B\\x07\\x7f' left out");
    cmeta_warnings_free(&w);
}

static void test_subset(void)
{
    cmeta_table *t = table_file("tests/cli/data/bcg.csv");
    cmeta_data *d, *s;
    cmeta_error e;
    CU_ASSERT_EQUAL_FATAL(build(t, CMETA_RR, &d, NULL, &e), CMETA_OK);
    size_t idx[] = {12, 0, 5};
    CU_ASSERT_EQUAL_FATAL(cmeta_data_subset(d, idx, 3, &s), CMETA_OK);
    CU_ASSERT_EQUAL(s->k, 3);
    CU_ASSERT_EQUAL(s->nrows, d->nrows);
    CU_ASSERT_EQUAL(s->measure, CMETA_RR);
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(s->yi[i], d->yi[idx[i]]);
        CU_ASSERT_EQUAL(s->vi[i], d->vi[idx[i]]);
        CU_ASSERT_EQUAL(s->ai[i], d->ai[idx[i]]);
        CU_ASSERT_EQUAL(s->row[i], d->row[idx[i]]);
        CU_ASSERT_STRING_EQUAL(s->label[i], d->label[idx[i]]);
    }
    CU_ASSERT(isnan(s->row_yi[1]));
    CU_ASSERT_EQUAL(s->row_yi[5], d->yi[5]);
    CU_ASSERT_PTR_NULL(s->m1i);
    size_t bad[] = {13};
    cmeta_data *x = (cmeta_data *)1;
    CU_ASSERT_EQUAL(cmeta_data_subset(d, bad, 1, &x), CMETA_EUSAGE);
    CU_ASSERT_PTR_NULL(x);
    cmeta_data_free(s);
    CU_ASSERT_EQUAL(cmeta_data_subset(d, NULL, 0, &s), CMETA_OK);
    CU_ASSERT_EQUAL(s->k, 0);
    cmeta_data_free(s);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

/* ---- effects only, in blocks of rows ----------------------------------------------------- */

/* A table of n rows for family `kind` (0 SMD-like two groups, 1 2x2 counts, 2 pre/post, 3 yi vi
 * with labels), row `bad1`'s cell `col1` replaced by cell1 and likewise bad2 (-1: none). */
static char *big_table(int kind, size_t n, long bad1, int col1, const char *cell1, long bad2, int col2,
                       const char *cell2)
{
    static const char *head[] = {"m1i,sd1i,n1i,m2i,sd2i,n2i\n", "ai,bi,ci,di\n", "m1i,sd1i,m2i,sd2i,ni,ri\n",
                                 "study,yi,vi\n"};
    size_t cap = 64 * (n + 1), len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text, cap, "%s", head[kind]);
    for (size_t i = 0; i < n; i++) {
        char c[6][32];
        unsigned u = (unsigned)(i * 2654435761u);
        snprintf(c[0], 32, "%u", kind == 1 ? 1 + u % 17 : 8 + u % 5);
        snprintf(c[1], 32, "%u.%u", kind == 1 ? 20 + u % 9 : 1 + u % 3, u % 10);
        snprintf(c[2], 32, "%u", kind == 1 ? 2 + u % 13 : 10 + u % 190);
        snprintf(c[3], 32, "%u.%u", kind == 1 ? 20 + u % 7 : 7 + u % 4, (u >> 3) % 10);
        snprintf(c[4], 32, "%u.%u", kind == 2 ? 10 + u % 90 : 1 + (u >> 5) % 3, (u >> 7) % 10);
        snprintf(c[5], 32, kind == 2 ? "0.%u" : "%u", kind == 2 ? 1 + u % 9 : 10 + (u >> 9) % 190);
        if (kind == 3) {
            snprintf(c[0], 32, "Trial %zu", i % 1000);
            snprintf(c[1], 32, "-0.%u", u % 1000);
            snprintf(c[2], 32, "0.0%u", 1 + u % 9);
        }
        int nc = kind == 1 ? 4 : kind == 3 ? 3 : 6;
        if ((long)i == bad1) snprintf(c[col1], 32, "%s", cell1);
        if ((long)i == bad2) snprintf(c[col2], 32, "%s", cell2);
        for (int j = 0; j < nc; j++) len += (size_t)snprintf(text + len, cap - len, "%s%s", j ? "," : "", c[j]);
        text[len++] = '\n';
    }
    text[len] = '\0';
    return text;
}

/* effects_only (cmeta escalc: large tables in blocks of 65536 rows without labels, kept only
 * when no block has anything to say) gives what the whole build gives: status, error (message,
 * line, column, study), warnings in order, studies and the bits of every row_yi, row_vi; the
 * inputs and labels are NULL. */
static void same_as_whole(const char *what, const char *text, cmeta_measure m, cmeta_vtype vt)
{
    cmeta_table *t = table_of(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    cmeta_data *d[2] = {NULL, NULL};
    cmeta_warnings w[2];
    cmeta_error e[2];
    cmeta_status st[2];
    for (int eo = 0; eo < 2; eo++) {
        cmeta_data_opts o;
        cmeta_data_opts_default(&o);
        o.measure_set = 1, o.measure = m, o.escalc.vtype = vt, o.effects_only = eo;
        cmeta_warnings_init(&w[eo]);
        cmeta_error_clear(&e[eo]);
        st[eo] = cmeta_data_from_table(t, &o, &d[eo], &w[eo], &e[eo]);
    }
    int same = st[0] == st[1] && strcmp(e[0].message, e[1].message) == 0 && e[0].line == e[1].line &&
               e[0].column == e[1].column && strcmp(e[0].study, e[1].study) == 0 && w[0].n == w[1].n;
    for (size_t i = 0; same && i < w[0].n; i++) same = strcmp(w[0].text[i], w[1].text[i]) == 0;
    if (same && st[0] == CMETA_OK) {
        same = d[0]->k == d[1]->k && d[0]->nrows == d[1]->nrows && d[1]->m1i == NULL && d[1]->ai == NULL &&
               d[1]->label == NULL && d[1]->row_label == NULL && d[0]->row_label != NULL;
        for (size_t i = 0; same && i < d[0]->nrows; i++)
            same = memcmp(&d[0]->row_yi[i], &d[1]->row_yi[i], sizeof(double)) == 0 &&
                   memcmp(&d[0]->row_vi[i], &d[1]->row_vi[i], sizeof(double)) == 0;
        for (size_t s = 0; same && s < d[0]->k; s++)
            same = d[0]->row[s] == d[1]->row[s] && memcmp(&d[0]->yi[s], &d[1]->yi[s], sizeof(double)) == 0;
        /* a subset of effects-only data: no labels either, the same effects */
        size_t idx[3] = {0, d[0]->k / 2, d[0]->k - 1};
        cmeta_data *sub = NULL;
        same = same && cmeta_data_subset(d[1], idx, 3, &sub) == CMETA_OK && sub->k == 3 && !sub->row_label &&
               !sub->label && sub->row[1] == d[0]->row[idx[1]] && sub->yi[2] == d[0]->yi[idx[2]];
        cmeta_data_free(sub);
    }
    if (!same) fprintf(stderr, "effects only differs from the whole build: %s (%d/%d: %s | %s)\n", what,
                       st[0], st[1], e[0].message, e[1].message);
    CU_ASSERT(same);
    for (int eo = 0; eo < 2; eo++) {
        cmeta_data_free(d[eo]);
        cmeta_warnings_free(&w[eo]);
    }
    cmeta_table_free(t);
}

static void test_effects_only_blocks(void)
{
    const size_t n = 150000; /* two whole blocks and a part */
    struct {
        const char *what;
        int kind;
        cmeta_measure m;
        cmeta_vtype vt;
        long bad1;
        int col1;
        const char *cell1;
        long bad2;
        int col2;
        const char *cell2;
    } c[] = {
        {"clean SMD", 0, CMETA_SMD, CMETA_VTYPE_LS, -1, 0, "", -1, 0, ""},
        {"clean SMD UB", 0, CMETA_SMD, CMETA_VTYPE_UB, -1, 0, "", -1, 0, ""},
        {"a missing cell in the last block", 0, CMETA_SMD, CMETA_VTYPE_LS, 140000, 1, "", -1, 0, ""},
        {"a missing cell in the first row", 0, CMETA_MD, CMETA_VTYPE_LS, 0, 4, "NA", -1, 0, ""},
        {"a text cell late, a rule broken early", 0, CMETA_SMD, CMETA_VTYPE_LS, 100000, 2, "abc", 10, 1, "-1"},
        {"a rule broken in the second block", 0, CMETA_SMD, CMETA_VTYPE_LS, 70000, 4, "0", -1, 0, ""},
        {"an overflow at a block's first row", 0, CMETA_MD, CMETA_VTYPE_LS, 131072, 0, "1e308", 131072, 3, "-1e308"},
        {"AV variances (never in blocks)", 0, CMETA_SMD, CMETA_VTYPE_AV, -1, 0, "", -1, 0, ""},
        {"counts, a zero cell in block 2 (continuity correction warning)", 1, CMETA_OR, CMETA_VTYPE_LS, 99999, 0, "0", -1, 0, ""},
        {"counts, clean", 1, CMETA_RR, CMETA_VTYPE_LS, -1, 0, "", -1, 0, ""},
        {"pre/post SMCR (its note once)", 2, CMETA_SMCR, CMETA_VTYPE_LS, -1, 0, "", -1, 0, ""},
        {"pre/post, r out of range at the last row", 2, CMETA_SMCC, CMETA_VTYPE_LS, 149999, 5, "1.5", -1, 0, ""},
        {"labelled yi vi", 3, CMETA_GEN, CMETA_VTYPE_LS, -1, 0, "", -1, 0, ""},
        {"labelled yi vi, vi 0 in block 3", 3, CMETA_GEN, CMETA_VTYPE_LS, 140001, 2, "0", -1, 0, ""},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *text = big_table(c[i].kind, n, c[i].bad1, c[i].col1, c[i].cell1, c[i].bad2, c[i].col2, c[i].cell2);
        same_as_whole(c[i].what, text, c[i].m, c[i].vt);
        free(text);
    }
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("data", NULL, NULL);
    CU_add_test(s, "effect sizes against metafor", test_reference_values);
    CU_add_test(s, "arrays and labels", test_arrays_and_labels);
    CU_add_test(s, "GEN inferred from TE/seTE", test_gen_inferred);
    CU_add_test(s, "--measure required", test_measure_required);
    CU_add_test(s, "rule: SD > 0", test_rule_sd);
    CU_add_test(s, "rule: n large enough", test_rule_n);
    CU_add_test(s, "rule: 0 <= events <= n", test_rule_events);
    CU_add_test(s, "rule: |r| <= 1", test_rule_r);
    CU_add_test(s, "rule: vi > 0, sei > 0", test_rule_vi_sei);
    CU_add_test(s, "rule: numbers only, finite", test_rule_text_and_nonfinite);
    CU_add_test(s, "rule: required columns", test_rule_missing_column);
    CU_add_test(s, "rule: ragged rows, duplicated columns", test_reader_rules_through_data);
    CU_add_test(s, "missing values", test_missing_values);
    CU_add_test(s, "--ri", test_ri_option);
    CU_add_test(s, "--drop00", test_drop00);
    CU_add_test(s, "subsets", test_subset);
    CU_add_test(s, "overflow refused, zero cells dropped", test_overflow_refused);
    CU_add_test(s, "variance 0 named in the user's terms", test_zero_variance_named);
    CU_add_test(s, "control bytes escaped in messages", test_messages_escaped);
    CU_add_test(s, "effects only, in blocks: as the whole build", test_effects_only_blocks);
    return tu_run();
}
