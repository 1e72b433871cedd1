/* test_datain.c - data as researchers have it (issue 16 items 1, 2): the separator decided
 * from the header line (fed in every chunk size), decimal commas, --col mappings
 * (cmeta_table_map_column) and the message when no measure fits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

/* text fed in chunks of `chunk` bytes with format (sep, decimal) */
static cmeta_status read_text(const char *text, size_t chunk, char sep, char decimal, cmeta_table **t,
                              cmeta_error *e)
{
    cmeta_table_reader *r = cmeta_table_reader_new("t.csv");
    cmeta_status st = cmeta_table_reader_set_format(r, sep, decimal, e);
    size_t n = strlen(text);
    for (size_t i = 0; st == CMETA_OK && i < n; i += chunk)
        st = cmeta_table_reader_feed(r, text + i, i + chunk < n ? chunk : n - i, e);
    if (st == CMETA_OK) st = cmeta_table_reader_finish(r, t, e);
    cmeta_table_reader_free(r);
    return st;
}

static void test_sep_auto(void)
{
    static const struct { const char *text; char sep; size_t ncols; } cases[] = {
        {"a;b;c\n1;2;3\n", ';', 3},
        {"a,b,c\n1,2,3\n", ',', 3},
        {"a\tb\tc\n1\t2\t3\n", '\t', 3},
        {"\xEF\xBB\xBF" "a;b\r\n1;2\r\n", ';', 2},
        {"\n\n  \na;b\n1;2\n", ';', 2},                 /* blank lines before the header */
        {"\"x;y;z\",b\n1,2\n", ',', 2},                 /* separators inside quotes do not count */
        {"\"multi\nline;;;\";b;c\n1;2;3\n", ';', 3},    /* a quoted line break stays in the line */
        {"a;b,c\n1;2,3\n", ',', 2},                     /* a tie: comma */
        {"only\n1\n", ',', 1},                          /* one column */
        {"a;b", ';', 2},                                /* no line end at all */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (size_t chunk = 1; chunk <= strlen(cases[c].text); chunk++) {
            cmeta_table *t = NULL;
            cmeta_error e;
            cmeta_error_clear(&e);
            cmeta_status st = read_text(cases[c].text, chunk, 0, '.', &t, &e);
            CU_ASSERT_EQUAL_FATAL(st, CMETA_OK);
            CU_ASSERT_EQUAL(cmeta_table_separator(t), cases[c].sep);
            CU_ASSERT_EQUAL(cmeta_table_ncols(t), cases[c].ncols);
            cmeta_table_free(t);
        }
    /* the line numbers are those of the file */
    cmeta_table *t = NULL;
    cmeta_error e;
    CU_ASSERT_EQUAL_FATAL(read_text("\na;b\n\n1;2\n", 3, 0, '.', &t, &e), CMETA_OK);
    CU_ASSERT_EQUAL(cmeta_table_header_line(t), 2);
    CU_ASSERT_EQUAL(cmeta_table_row_line(t, 0), 4);
    cmeta_table_free(t);
    /* a NUL byte is still refused at once (the header is never complete) */
    cmeta_error_clear(&e);
    t = NULL;
    CU_ASSERT_EQUAL(read_text("a;b", 3, 0, '.', &t, &e), CMETA_OK);
    cmeta_table_free(t);
    cmeta_table_reader *r = cmeta_table_reader_new("z");
    CU_ASSERT_EQUAL(cmeta_table_reader_set_format(r, 0, '.', &e), CMETA_OK);
    CU_ASSERT_EQUAL(cmeta_table_reader_feed(r, "a;b\0\0", 5, &e), CMETA_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "NUL byte"));
    cmeta_table_reader_free(r);
}

static void test_decimal(void)
{
    static const char *text = "study;x;y\n\"A, B\";1,5;-2,25e-1\nC; ,5 ;3\nD;2,;NA\n";
    for (size_t chunk = 1; chunk <= strlen(text); chunk++) {
        cmeta_table *t = NULL;
        cmeta_error e;
        CU_ASSERT_EQUAL_FATAL(read_text(text, chunk, chunk % 2 ? 0 : ';', ',', &t, &e), CMETA_OK);
        CU_ASSERT_EQUAL(cmeta_table_decimal(t), ',');
        CU_ASSERT_STRING_EQUAL(cmeta_table_cell(t, 0, 0), "A, B"); /* text stays */
        CU_ASSERT_STRING_EQUAL(cmeta_table_cell(t, 0, 1), "1.5");
        CU_ASSERT_STRING_EQUAL(cmeta_table_cell(t, 0, 2), "-2.25e-1");
        CU_ASSERT_STRING_EQUAL(cmeta_table_cell(t, 1, 1), ".5");
        CU_ASSERT_STRING_EQUAL(cmeta_table_cell(t, 2, 1), "2.");
        double x;
        CU_ASSERT_EQUAL(cmeta_parse_double(cmeta_table_cell(t, 0, 2), &x, NULL), CMETA_OK);
        CU_ASSERT_DOUBLE_EQUAL(x, -0.225, 1e-15);
        cmeta_table_free(t);
    }
    /* a point refused at its cell; a comma separator refused with ',' decimals */
    cmeta_table *t = NULL;
    cmeta_error e;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL(read_text("a;b\n1,5;2\n3;1.500\n", 4, ';', ',', &t, &e), CMETA_EDATA);
    CU_ASSERT_EQUAL(e.line, 3);
    CU_ASSERT_EQUAL(e.column, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "'1.500' has a decimal point"));
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_EQUAL(read_text("a,b\n1,2\n", 3, ',', ',', &t, &e), CMETA_EUSAGE);
    CU_ASSERT_EQUAL(read_text("a,b\n1,2\n", 3, 0, ',', &t, &e), CMETA_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "header line is separated by commas"));
    CU_ASSERT_PTR_NULL(t);
}

static cmeta_table *table_of(const char *text)
{
    cmeta_table *t = NULL;
    cmeta_error e;
    CU_ASSERT_EQUAL(read_text(text, 1 << 20, ',', '.', &t, &e), CMETA_OK);
    return t;
}

static void test_map(void)
{
    cmeta_table *t = table_of("Study,MSC_mean,n1,Ctrl_mean,Dose\nA,1,10,2,low\n");
    cmeta_error e;
    CU_ASSERT_EQUAL(cmeta_table_find(t, "n1i"), 2);
    CU_ASSERT_EQUAL(cmeta_table_map_column(t, "mean.e", "msc_MEAN", &e), CMETA_OK); /* alias, any case */
    CU_ASSERT_EQUAL(cmeta_table_map_column(t, "ni", "n1", &e), CMETA_OK);
    CU_ASSERT_EQUAL(cmeta_table_map_column(t, "dose_level", "Dose", &e), CMETA_OK);
    CU_ASSERT_EQUAL(cmeta_table_find(t, "m1i"), 1);
    CU_ASSERT_EQUAL(cmeta_table_find(t, "mean1"), 1);
    CU_ASSERT_EQUAL(cmeta_table_find(t, "ni"), 2);
    CU_ASSERT_EQUAL(cmeta_table_find(t, "n1i"), -1); /* n1 now gives ni only */
    CU_ASSERT_EQUAL(cmeta_table_find(t, "study"), 0);
    CU_ASSERT_EQUAL(cmeta_table_find_raw(t, "dose_level"), 4);
    CU_ASSERT_EQUAL(cmeta_table_find_raw(t, "Dose"), 4); /* still by its own name */
    CU_ASSERT_EQUAL(cmeta_table_map_column(t, "m1i", "MSC_mean", &e), CMETA_OK); /* the same again */
    CU_ASSERT_EQUAL(cmeta_table_map_column(t, "m2i", "MSC_mean", &e), CMETA_EUSAGE);
    CU_ASSERT_STRING_EQUAL(e.message, "--col maps m1i and m2i to one column 'MSC_mean' (a column gives one value)");
    CU_ASSERT_EQUAL(cmeta_table_map_column(t, "m1i", "Ctrl_mean", &e), CMETA_EUSAGE);
    CU_ASSERT_STRING_EQUAL(e.message, "--col maps m1i twice (to 'MSC_mean' and 'Ctrl_mean')");
    CU_ASSERT_EQUAL(cmeta_table_map_column(t, "m2i", "Ctrl", &e), CMETA_EUSAGE);
    CU_ASSERT_STRING_EQUAL(e.message, "--col m2i=Ctrl: the header has no column 'Ctrl' (columns: Study, "
                                      "MSC_mean, n1, Ctrl_mean, Dose)");
    CU_ASSERT_STRING_EQUAL(e.file, "t.csv");
    cmeta_table_free(t);

    /* a mapped study label column wins over the file's own */
    t = table_of("author,trial,x\nA,T1,1\n");
    CU_ASSERT_EQUAL(cmeta_table_find(t, "study"), 0);
    CU_ASSERT_EQUAL(cmeta_table_map_column(t, "study", "trial", &e), CMETA_OK);
    CU_ASSERT_EQUAL(cmeta_table_find(t, "study"), 1);
    cmeta_table_free(t);
    t = table_of("author,trial,x\nA,T1,1\n");
    CU_ASSERT_EQUAL(cmeta_table_map_column(t, "x", "author", &e), CMETA_OK);
    CU_ASSERT_EQUAL(cmeta_table_find(t, "study"), 1); /* author is taken: trial labels */
    cmeta_table_free(t);
}

/* the whole path: mapped columns give the numbers of the canonical file */
static void test_data_through_map(void)
{
    cmeta_table *a = table_of("study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,1,1.5,10,2,1,12\nB,3,2,20,2.5,2,21\n");
    cmeta_table *b = table_of("Trial,MSC_mean,MSC_sd,MSC_n,Ctrl_mean,Ctrl_sd,Ctrl_n\n"
                              "A,1,1.5,10,2,1,12\nB,3,2,20,2.5,2,21\n");
    cmeta_error e;
    static const char *map[][2] = {{"m1i", "MSC_mean"}, {"sd1i", "MSC_sd"}, {"n1i", "MSC_n"},
                                   {"m2i", "Ctrl_mean"}, {"sd2i", "Ctrl_sd"}, {"n2i", "Ctrl_n"}};
    for (size_t i = 0; i < 6; i++) CU_ASSERT_EQUAL(cmeta_table_map_column(b, map[i][0], map[i][1], &e), CMETA_OK);
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    o.measure_set = 1;
    o.measure = CMETA_SMD;
    cmeta_data *da = NULL, *db = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(a, &o, &da, NULL, &e), CMETA_OK);
    CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(b, &o, &db, NULL, &e), CMETA_OK);
    for (size_t s = 0; s < 2; s++) {
        CU_ASSERT_EQUAL(da->yi[s], db->yi[s]);
        CU_ASSERT_EQUAL(da->vi[s], db->vi[s]);
        CU_ASSERT_STRING_EQUAL(da->label[s], db->label[s]);
    }
    cmeta_data_free(da);
    cmeta_data_free(db);
    cmeta_table_free(a);
    cmeta_table_free(b);
}

static void test_no_measure_message(void)
{
    cmeta_table *t = table_of("Author,Placebo_events,Placebo_total,Active_events,Active_total\nA,1,10,2,12\n");
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    cmeta_data *d = NULL;
    cmeta_error e;
    CU_ASSERT_EQUAL(cmeta_data_from_table(t, &o, &d, NULL, &e), CMETA_EUSAGE);
    /* 2x2 tables come first; placebo is group 2 although it comes first */
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "closest: 2x2 tables (OR RR RD ...) lacks ai n1i ci n2i;"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "start from --col ai=Active_events,n1i=Active_total,"
                                             "ci=Placebo_events,n2i=Placebo_total --measure OR"));
    cmeta_table_free(t);
    /* nothing to guess from: placeholders */
    t = table_of("foo,bar\n1,2\n");
    CU_ASSERT_EQUAL(cmeta_data_from_table(t, &o, &d, NULL, &e), CMETA_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "start from --col m1i=COLUMN,sd1i=COLUMN,n1i=COLUMN,"
                                             "m2i=COLUMN,sd2i=COLUMN,n2i=COLUMN --measure SMD"));
    cmeta_table_free(t);
}

/* mixed designs: each row by its own measure, as the rows of one measure read alone */
static void test_mixed(void)
{
    static const char *mixed = "study,measure,m1i,sd1i,n1i,m2i,sd2i,n2i,ni,ri\n"
                               "A,SMD,4.1,2.3,40,6.0,2.8,41,,\n"
                               "B,smcr,5.2,3.1,,9.8,4.0,,15,0.55\n"
                               "C,SMD,3.0,1.9,25,3.6,2.2,24,,\n"
                               "D,SMCC,6.0,2.5,,11.2,3.6,,12,0.40\n";
    cmeta_table *t = table_of(mixed);
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    cmeta_data *d = NULL;
    cmeta_error e;
    CU_ASSERT_EQUAL_FATAL(cmeta_data_load(t, &o, &d, NULL, &e), CMETA_OK);
    CU_ASSERT_EQUAL(d->k, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d->measures);
    cmeta_measure want[] = {CMETA_SMD, CMETA_SMCR, CMETA_SMD, CMETA_SMCC};
    for (size_t s = 0; s < 4; s++) {
        CU_ASSERT_EQUAL(d->measures[s], want[s]);
        CU_ASSERT_EQUAL(d->row[s], s);
        CU_ASSERT_EQUAL(d->yi[s], d->row_yi[s]);
    }
    char buf[128];
    CU_ASSERT_STRING_EQUAL(cmeta_data_mix(d, buf, sizeof buf), "2 two-group SMD, 1 pre-post SMCR, 1 pre-post SMCC");
    /* the same numbers as each measure's rows alone */
    static const struct { const char *text; cmeta_measure m; size_t s; } alone[] = {
        {"study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,4.1,2.3,40,6.0,2.8,41\n", CMETA_SMD, 0},
        {"study,m1i,sd1i,m2i,sd2i,ni,ri\nB,5.2,3.1,9.8,4.0,15,0.55\n", CMETA_SMCR, 1},
        {"study,m1i,sd1i,m2i,sd2i,ni,ri\nD,6.0,2.5,11.2,3.6,12,0.40\n", CMETA_SMCC, 3},
    };
    for (size_t a = 0; a < 3; a++) {
        cmeta_table *ta = table_of(alone[a].text);
        cmeta_data *da = NULL;
        o.measure_set = 1;
        o.measure = alone[a].m;
        CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(ta, &o, &da, NULL, &e), CMETA_OK);
        CU_ASSERT_EQUAL(da->yi[0], d->yi[alone[a].s]);
        CU_ASSERT_EQUAL(da->vi[0], d->vi[alone[a].s]);
        cmeta_data_free(da);
        cmeta_table_free(ta);
    }
    /* subsets keep each study's measure */
    size_t idx[] = {3, 0};
    cmeta_data *sub = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_data_subset(d, idx, 2, &sub), CMETA_OK);
    CU_ASSERT_EQUAL(sub->measures[0], CMETA_SMCC);
    CU_ASSERT_EQUAL(sub->measures[1], CMETA_SMD);
    cmeta_data_free(sub);
    cmeta_data_free(d);
    /* --measure agreeing with every row is fine; disagreeing is a usage error */
    o.measure = CMETA_SMD;
    d = NULL;
    CU_ASSERT_EQUAL(cmeta_data_load(t, &o, &d, NULL, &e), CMETA_EUSAGE);
    CU_ASSERT_EQUAL(e.line, 3);
    cmeta_table_free(t);
    /* another scale: refused at the first such row, naming every measure's lines */
    t = table_of("study,measure,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,SMD,1,1,10,2,1,10\nB,MD,1,1,10,2,1,10\n"
                 "C,ROM,1,1,10,2,1,10\n");
    o.measure_set = 0;
    CU_ASSERT_EQUAL(cmeta_data_load(t, &o, &d, NULL, &e), CMETA_EDATA);
    CU_ASSERT_EQUAL(e.line, 3);
    CU_ASSERT_STRING_EQUAL(e.study, "B");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "SMD at line 2; MD at line 3; ROM at line 4"));
    cmeta_table_free(t);
    /* MD and MC share a scale; so do ROM and ROMC, OR and PETO; RR and OR do not */
    CU_ASSERT_EQUAL(cmeta_measure_scale(CMETA_MD), cmeta_measure_scale(CMETA_MC));
    CU_ASSERT_EQUAL(cmeta_measure_scale(CMETA_ROM), cmeta_measure_scale(CMETA_ROMC));
    CU_ASSERT_EQUAL(cmeta_measure_scale(CMETA_OR), cmeta_measure_scale(CMETA_PETO));
    CU_ASSERT_NOT_EQUAL(cmeta_measure_scale(CMETA_RR), cmeta_measure_scale(CMETA_OR));
    CU_ASSERT_NOT_EQUAL(cmeta_measure_scale(CMETA_MD), cmeta_measure_scale(CMETA_SMD));
    /* no measure column: cmeta_data_from_table, measures NULL */
    t = table_of("study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,4.1,2.3,40,6.0,2.8,41\n");
    o.measure_set = 1;
    o.measure = CMETA_MD;
    CU_ASSERT_EQUAL_FATAL(cmeta_data_load(t, &o, &d, NULL, &e), CMETA_OK);
    CU_ASSERT_PTR_NULL(d->measures);
    CU_ASSERT_STRING_EQUAL(cmeta_data_mix(d, buf, sizeof buf), "");
    cmeta_data_free(d);
    cmeta_table_free(t);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("datain", NULL, NULL);
    CU_add_test(s, "--sep auto, every chunk size", test_sep_auto);
    CU_add_test(s, "--decimal ,", test_decimal);
    CU_add_test(s, "--col mappings", test_map);
    CU_add_test(s, "data through mappings", test_data_through_map);
    CU_add_test(s, "no measure fits", test_no_measure_message);
    CU_add_test(s, "mixed designs", test_mixed);
    return tu_run();
}
