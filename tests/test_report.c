/* test_report.c - the report layer (include/cmeta/report.h), called directly:
 *  - cmeta_fmt_num against R's formatC (tests/reference/make_report_fmt.R made the table);
 *  - every text writer fed results whose numbers are all one value from 1e-300 to 1e300 (both
 *    signs), 0, NaN and +-Inf: the writer succeeds, the value appears in full as cmeta_fmt_num
 *    writes it (never cut), no number runs over 17 digits (never the noise digits of a fixed
 *    1e300), and no raw control byte from a label reaches the output;
 *  - the JSON and CSV writers on the same results (well-formed enough: balanced braces, one
 *    header and rows of the header's width);
 *  - cmeta_study_ci (z = 1.959963984540054 at 95 %), cmeta_choose_model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

/* ---- numbers ---------------------------------------------------------------------------- */

static const struct {
    double x;
    const char *cell;
} fmt_cases[] = {
    /* Rscript tests/reference/make_report_fmt.R */
    {0, "0.0000"},
    {1e-300, "0.0000"},
    {-1e-300, "-0.0000"},
    {1.0000000000000001e-05, "0.0000"},
    {4.9999e-05, "0.0000"},
    {5.0000999999999998e-05, "0.0001"},
    {0.12345, "0.1235"},
    {-0.12345, "-0.1235"},
    {1, "1.0000"},
    {-1, "-1.0000"},
    {123.456789, "123.4568"},
    {99999.999949999998, "99999.9999"},
    {100000000000000, "100000000000000.0000"},
    {-100000000000000, "-100000000000000.0000"},
    {999999999999999, "999999999999999.0000"},
    {1000000000000000, "1.0000e+15"},
    {-1000000000000000, "-1.0000e+15"},
    {2e+100, "2.0000e+100"},
    {-3.0000000000000001e+45, "-3.0000e+45"},
    {1.0000000000000001e+300, "1.0000e+300"},
    {-1.0000000000000001e+300, "-1.0000e+300"},
    {1.7976931348623157e+308, "1.7977e+308"},
};

static void test_fmt_num(void)
{
    char b[CMETA_FMT_CELL];
    for (size_t i = 0; i < sizeof fmt_cases / sizeof *fmt_cases; i++) {
        size_t n = cmeta_fmt_num(b, sizeof b, fmt_cases[i].x, 4);
        CU_ASSERT_STRING_EQUAL(b, fmt_cases[i].cell);
        CU_ASSERT_EQUAL(n, strlen(fmt_cases[i].cell));
    }
    cmeta_fmt_num(b, sizeof b, NAN, 4);
    CU_ASSERT_STRING_EQUAL(b, "NA");
    cmeta_fmt_num(b, sizeof b, INFINITY, 4);
    CU_ASSERT_STRING_EQUAL(b, "Inf");
    cmeta_fmt_num(b, sizeof b, -INFINITY, 2);
    CU_ASSERT_STRING_EQUAL(b, "-Inf");
    /* the longest cells fit CMETA_FMT_CELL at the largest digits */
    double worst[] = {-999999999999999.9, -1.7976931348623157e308, -4.9e-324};
    for (size_t i = 0; i < 3; i++) {
        size_t n = cmeta_fmt_num(b, sizeof b, worst[i], CMETA_FMT_MAX_DIGITS);
        CU_ASSERT(n < CMETA_FMT_CELL);
        CU_ASSERT_EQUAL(strlen(b), n);
    }
    /* rounding up to 16 integer digits goes scientific (found by fuzz_fmt) */
    cmeta_fmt_num(b, sizeof b, -999999999999999.88, 0);
    CU_ASSERT_STRING_EQUAL(b, "-1e+15");
    cmeta_fmt_num(b, sizeof b, 999999999999999.88, 1);
    CU_ASSERT_STRING_EQUAL(b, "999999999999999.9");
    /* digits clamped, a short buffer cut but the full length returned (as snprintf) */
    CU_ASSERT_EQUAL(cmeta_fmt_num(b, sizeof b, 1.5, -3), 1);
    CU_ASSERT_STRING_EQUAL(b, "2");
    char small[4];
    CU_ASSERT_EQUAL(cmeta_fmt_num(small, sizeof small, 123.25, 2), 6);
    CU_ASSERT_STRING_EQUAL(small, "123");
    /* every value from 1e-300 to 1e300 reads back within half a unit of the last place shown */
    for (int e = -300; e <= 300; e++) {
        for (int s = -1; s <= 1; s += 2) {
            double x = s * 1.2345678901234567 * pow(10.0, e);
            size_t n = cmeta_fmt_num(b, sizeof b, x, 4);
            CU_ASSERT(n < CMETA_FMT_CELL);
            double back = strtod(b, NULL);
            double tol = fabs(x) < 1e15 ? 0.5e-4 * (1 + 1e-12) + 1e-12 * fabs(x) : 0.5e-4 * fabs(x);
            CU_ASSERT(fabs(back - x) <= tol);
        }
    }
}

static void test_pval_stars_level(void)
{
    char b[64];
    cmeta_fmt_pval(b, sizeof b, 0.5, 4);
    CU_ASSERT_STRING_EQUAL(b, "0.5000");
    cmeta_fmt_pval(b, sizeof b, 1e-300, 4);
    CU_ASSERT_STRING_EQUAL(b, "<.0001");
    cmeta_fmt_pval(b, sizeof b, NAN, 4);
    CU_ASSERT_STRING_EQUAL(b, "NA");
    cmeta_fmt_pval_eq(b, sizeof b, "p-val", 2e-5);
    CU_ASSERT_STRING_EQUAL(b, "p-val < .0001");
    cmeta_fmt_pval_eq(b, sizeof b, "p", 0.0123);
    CU_ASSERT_STRING_EQUAL(b, "p = 0.0123");
    CU_ASSERT_STRING_EQUAL(cmeta_signif_stars(0.0005), "***");
    CU_ASSERT_STRING_EQUAL(cmeta_signif_stars(0.05), "*");
    CU_ASSERT_STRING_EQUAL(cmeta_signif_stars(0.2), " ");
    CU_ASSERT_STRING_EQUAL(cmeta_signif_stars(NAN), " ");
    cmeta_fmt_level(b, sizeof b, 95);
    CU_ASSERT_STRING_EQUAL(b, "95% CI");
    cmeta_fmt_level(b, sizeof b, 99.5);
    CU_ASSERT_STRING_EQUAL(b, "99.5% CI");
}

static void test_json_csv_pieces(void)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&buf, &n);
    int first = 1;
    fputc('{', fp);
    cmeta_json_kv(fp, "a", 0.1, &first);
    cmeta_json_kv(fp, "b", NAN, &first);
    cmeta_json_key(fp, "c\"\n\x1b", &first);
    cmeta_json_str(fp, NULL);
    fputs("}\n", fp);
    cmeta_csv_field(fp, "x,\"y\"");
    fputc(',', fp);
    cmeta_csv_num(fp, INFINITY);
    fputc(',', fp);
    cmeta_csv_num(fp, -2.5);
    fclose(fp);
    CU_ASSERT_STRING_EQUAL(buf, "{\"a\":0.10000000000000001,\"b\":null,\"c\\\"\\n\\u001b\":null}\n"
                                "\"x,\"\"y\"\"\",,-2.5");
    free(buf);
}

static void test_text_frame_escapes(void)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&buf, &n);
    const char *rows[] = {"A\x1b[31m", "B\nC"};
    const char *cols[] = {"x"};
    const char *cells[] = {"1", "\x07"};
    CU_ASSERT_EQUAL(cmeta_text_frame(fp, rows, 2, cols, 1, cells, 1, (size_t)-1), CMETA_OK);
    fclose(fp);
    /* widths count the escapes as printed: "A\x1b[31m" is 9 columns */
    CU_ASSERT_STRING_EQUAL(buf, "             x \n"
                                "A\\x1b[31m    1 \n"
                                "B C       \\x07 \n");
    free(buf);
}

/* ---- the writers on extreme values ------------------------------------------------------- */

#define K 3
typedef struct {
    double beta[2], se[2], stat[2], pval[2], ci_lb[2], ci_ub[2], vb[4], weight[K], wi[K];
    cmeta_fit f;
} fake_fit;

static void fake_fit_init(fake_fit *ff, double v, size_t p, cmeta_method m, cmeta_test t)
{
    memset(ff, 0, sizeof *ff);
    for (size_t j = 0; j < 2; j++) {
        ff->beta[j] = ff->se[j] = ff->stat[j] = ff->ci_lb[j] = ff->ci_ub[j] = v;
        ff->pval[j] = 0.5;
    }
    for (size_t i = 0; i < K; i++) ff->weight[i] = ff->wi[i] = v;
    cmeta_fit *f = &ff->f;
    f->k = K;
    f->p = p;
    f->method = m;
    f->test = t;
    f->level = 95;
    f->beta = ff->beta, f->se = ff->se, f->stat = ff->stat, f->pval = ff->pval;
    f->ci_lb = ff->ci_lb, f->ci_ub = ff->ci_ub, f->vb = ff->vb;
    f->df = t == CMETA_TEST_Z ? NAN : 2;
    f->QM = f->Q = f->tau2 = f->se_tau2 = f->tau = f->tau2_ci_lb = f->tau2_ci_ub = v;
    f->I2 = f->I2_ci_lb = f->I2_ci_ub = f->H2 = f->H2_ci_lb = f->H2_ci_ub = f->I2_Q = f->vt = f->R2 = v;
    f->pi_lb = f->pi_ub = v;
    f->QM_df = f->Q_df = 2;
    f->QM_pval = f->Q_pval = 0.5;
    f->weight = ff->weight;
    f->wi = ff->wi;
}

typedef struct {
    char *buf;
    size_t n;
    FILE *fp;
} mem;

static FILE *mem_open(mem *m)
{
    m->buf = NULL;
    m->n = 0;
    m->fp = open_memstream(&m->buf, &m->n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->fp);
    return m->fp;
}

/* the checks every text output must pass for value v */
static void check_text(mem *m, cmeta_status st, double v, const char *what)
{
    fclose(m->fp);
    CU_ASSERT_EQUAL(st, CMETA_OK);
    char cell[CMETA_FMT_CELL];
    cmeta_fmt_num(cell, sizeof cell, v, 4);
    int has = strstr(m->buf, cell) != NULL;
    int run = 0, maxrun = 0, ctrl = 0;
    for (const unsigned char *p = (const unsigned char *)m->buf; *p; p++) {
        run = (*p >= '0' && *p <= '9') ? run + 1 : 0;
        if (run > maxrun) maxrun = run;
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f) ctrl = 1;
    }
    if (!has || maxrun > 17 || ctrl)
        fprintf(stderr, "%s, value %.17g: cell '%s' %s, longest digit run %d, control bytes %d\n%s\n", what, v,
                cell, has ? "found" : "MISSING", maxrun, ctrl, m->buf);
    CU_ASSERT(has);
    CU_ASSERT(maxrun <= 17);
    CU_ASSERT(!ctrl);
    free(m->buf);
}

/* a number printed as nan/inf (after ':', ',' or '[', or at a line start) */
static int bad_number(const char *s)
{
    const char *bad[] = {"nan", "-nan", "inf", "-inf", "NaN", "Inf"};
    for (const char *p = s; *p; p++) {
        if (p != s && p[-1] != ':' && p[-1] != ',' && p[-1] != '[' && p[-1] != '\n') continue;
        for (size_t i = 0; i < 6; i++) {
            size_t n = strlen(bad[i]);
            if (strncmp(p, bad[i], n) == 0 && (p[n] == ',' || p[n] == '}' || p[n] == ']' || p[n] == '\n'))
                return 1;
        }
    }
    return 0;
}

/* JSON: braces and brackets balance outside strings; CSV: every line has the header's commas */
static void check_json(mem *m, cmeta_status st)
{
    fclose(m->fp);
    CU_ASSERT_EQUAL(st, CMETA_OK);
    int depth = 0, in = 0, bad = 0;
    for (const char *p = m->buf; *p; p++) {
        if (in) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == '"') in = 0;
            else if ((unsigned char)*p < 0x20) bad = 1;
            continue;
        }
        if (*p == '"') in = 1;
        else if (*p == '{' || *p == '[') depth++;
        else if (*p == '}' || *p == ']') depth--;
        if (depth < 0) bad = 1;
    }
    CU_ASSERT(!bad && depth == 0 && !in);
    CU_ASSERT(!bad_number(m->buf));
    free(m->buf);
}

static void check_csv(mem *m, cmeta_status st)
{
    fclose(m->fp);
    CU_ASSERT_EQUAL(st, CMETA_OK);
    long want = -1, n = 0;
    int in = 0, bad = 0;
    for (const char *p = m->buf; *p; p++) {
        if (*p == '"') in = !in;
        else if (*p == ',' && !in) n++;
        else if (*p == '\n' && !in) {
            if (want < 0) want = n;
            else if (n != want) bad = 1;
            n = 0;
        }
    }
    CU_ASSERT(!bad);
    CU_ASSERT(!bad_number(m->buf));
    free(m->buf);
}

static const double extreme[] = {0, 1e-300, 1e-100, 1e-20, 1e-5, 0.5, 1, 123.456, 1e14, 999999999999999,
                                 1e15, 1e16, 3e45, 2e100, 1e200, 1e300, 1.7976931348623157e308};

static void for_each_value(void (*fn)(double))
{
    for (size_t i = 0; i < sizeof extreme / sizeof *extreme; i++) {
        fn(extreme[i]);
        fn(-extreme[i]);
    }
    fn(NAN);
    fn(INFINITY);
    fn(-INFINITY);
}

static char *labels[K] = {"Aronson\x1b[2J", "Ferguson\x07", "Rosen\nthal"};

static void fake_data(cmeta_data *d, double *yi, double *vi, double v)
{
    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < K; i++) {
        yi[i] = v;
        vi[i] = fabs(v);
    }
    d->measure = CMETA_GEN;
    d->k = K;
    d->yi = yi;
    d->vi = vi;
    d->label = labels;
}

static void one_pool(double v)
{
    double yi[K], vi[K];
    cmeta_data d;
    fake_data(&d, yi, vi, v);
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    fake_fit ff, f1, f2;
    fake_fit_init(&ff, v, 1, CMETA_METHOD_REML, CMETA_TEST_Z);
    fake_fit_init(&f1, v, 1, CMETA_METHOD_REML, CMETA_TEST_T);
    fake_fit_init(&f2, v, 1, CMETA_METHOD_REML, CMETA_TEST_Z);
    mem m;
    for (int fmt = 0; fmt < 3; fmt++) {
        mem_open(&m);
        cmeta_status st = cmeta_report_pool(m.fp, (cmeta_report_format)fmt, &d, &ff.f, &fo, NULL, NULL);
        if (fmt == CMETA_REPORT_TEXT) check_text(&m, st, v, "pool");
        else if (fmt == CMETA_REPORT_JSON) check_json(&m, st);
        else check_csv(&m, st);
    }
    /* a back-transformed measure (exp of the values) */
    d.measure = CMETA_RR;
    mem_open(&m);
    cmeta_status st = cmeta_report_pool(m.fp, CMETA_REPORT_TEXT, &d, &ff.f, &fo, NULL, NULL);
    check_text(&m, st, v, "pool RR");
    d.measure = CMETA_GEN;
    /* subgroups */
    size_t grp[K] = {0, 1, 1}, gk[2] = {1, 2};
    const char *lev[2] = {"first\x1b", "second"};
    cmeta_fit *fits[2] = {&f1.f, &f2.f};
    cmeta_subgroups g;
    memset(&g, 0, sizeof g);
    g.ngroups = 2;
    g.k = gk;
    g.fits = fits;
    g.overall = &ff.f;
    g.tau_common = 1;
    g.tau2_common = v;
    g.Q_between = g.Q_within = v;
    g.Q_between_df = 1;
    g.Q_between_pval = 0.5;
    for (int fmt = 0; fmt < 3; fmt++) {
        mem_open(&m);
        st = cmeta_report_subgroups(m.fp, (cmeta_report_format)fmt, &d, grp, lev, "setting", &g, &fo, NULL, NULL);
        if (fmt == CMETA_REPORT_TEXT) check_text(&m, st, v, "subgroups");
        else if (fmt == CMETA_REPORT_JSON) check_json(&m, st);
        else check_csv(&m, st);
    }
    /* loo / cumul */
    cmeta_summary rows[K];
    for (size_t i = 0; i < K; i++) {
        cmeta_summary *r = &rows[i];
        r->k = K - 1;
        r->estimate = r->se = r->stat = r->ci_lb = r->ci_ub = r->Q = r->tau2 = r->I2 = r->H2 = r->pi_lb =
            r->pi_ub = v;
        r->pval = r->Q_pval = 0.5;
        r->Q_df = 1;
    }
    cmeta_report_derived_info info = {"leave1out", "omitted", NULL, &d, &fo, NULL};
    for (int fmt = 0; fmt < 3; fmt++) {
        mem_open(&m);
        st = cmeta_report_derived(m.fp, (cmeta_report_format)fmt, &info, (const char *const *)labels, rows, K, NULL);
        if (fmt == CMETA_REPORT_TEXT) check_text(&m, st, v, "loo");
        else if (fmt == CMETA_REPORT_JSON) check_json(&m, st);
        else check_csv(&m, st);
    }
}

static void one_diag(double v)
{
    double yi[K], vi[K];
    cmeta_data d;
    fake_data(&d, yi, vi, v);
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    mem m;
    cmeta_status st;
    /* regress, p = 2, z and t tests */
    char *names[2] = {"intrcpt", "ablat\x1b"};
    size_t keep[K] = {0, 1, 2};
    cmeta_design des = {K, 1, 2, 1, NULL, names, keep};
    for (int t = 0; t < 2; t++) {
        fake_fit ff;
        fake_fit_init(&ff, v, 2, CMETA_METHOD_REML, t ? CMETA_TEST_KNHA : CMETA_TEST_Z);
        for (int fmt = 0; fmt < 3; fmt++) {
            mem_open(&m);
            st = cmeta_report_regress(m.fp, (cmeta_report_format)fmt, &ff.f, &des, &d, NULL);
            if (fmt == CMETA_REPORT_TEXT) check_text(&m, st, v, "regress");
            else if (fmt == CMETA_REPORT_JSON) check_json(&m, st);
            else check_csv(&m, st);
        }
    }
    /* influence, p = 1 and p = 2 */
    double a[8][K], dfb[2 * K];
    int infl[K] = {1, 0, 0};
    for (size_t c = 0; c < 8; c++)
        for (size_t i = 0; i < K; i++) a[c][i] = v;
    for (size_t i = 0; i < 2 * K; i++) dfb[i] = v;
    for (size_t p = 1; p <= 2; p++) {
        cmeta_influence inf = {K, p, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], dfb, infl, v, v};
        for (int fmt = 0; fmt < 3; fmt++) {
            mem_open(&m);
            st = cmeta_report_influence(m.fp, (cmeta_report_format)fmt, &inf, (const char *const *)labels,
                                        (const char *const *)names, &fo, NULL);
            if (fmt == CMETA_REPORT_TEXT) check_text(&m, st, v, "influence");
            else if (fmt == CMETA_REPORT_JSON) check_json(&m, st);
            else check_csv(&m, st);
        }
    }
    /* bias */
    fake_fit tff;
    fake_fit_init(&tff, v, 1, CMETA_METHOD_REML, CMETA_TEST_Z);
    double fy[1] = {v}, fv[1] = {fabs(v)};
    size_t fof[1] = {0};
    cmeta_trimfill_result tf = {CMETA_TF_L0, CMETA_TF_LEFT, K, 1, v, NAN, 1, fy, fv, fof, &tff.f};
    cmeta_bias_report br;
    memset(&br, 0, sizeof br);
    br.eg = (cmeta_regtest_result){K, v, 1, 0.5, v, v, v, v, v, v};
    br.rk = (cmeta_ranktest_result){K, v, 0.5, v, v, 1};
    br.tf = &tf;
    br.fs = (cmeta_failsafe_result){K, 0.05, v, v, 0.5, v, v, v};
    for (int fmt = 0; fmt < 3; fmt++) {
        mem_open(&m);
        st = cmeta_report_bias(m.fp, (cmeta_report_format)fmt, &br, &d, 95, NULL);
        if (fmt == CMETA_REPORT_TEXT) check_text(&m, st, v, "bias");
        else if (fmt == CMETA_REPORT_JSON) check_json(&m, st);
        else check_csv(&m, st);
    }
}

static void one_resample(double v)
{
    mem m;
    cmeta_status st;
    cmeta_report_run run = {K, CMETA_METHOD_REML, 42};
    cmeta_boot_stat bs = {v, v, v, v, v, v, v, v};
    for (int type = 0; type < 2; type++) {
        cmeta_boot_result r = {(cmeta_boot_type)type, 100, 0, 95, bs, bs, bs};
        for (int fmt = 0; fmt < 3; fmt++) {
            mem_open(&m);
            st = cmeta_report_boot(m.fp, (cmeta_report_format)fmt, &r, &run, NULL);
            if (fmt == CMETA_REPORT_TEXT) check_text(&m, st, v, "boot");
            else if (fmt == CMETA_REPORT_JSON) check_json(&m, st);
            else check_csv(&m, st);
        }
    }
    double beta[2] = {v, v}, z[2] = {v, v}, p[2] = {0.5, 0.25};
    cmeta_permtest_result pr = {2, 0, 1000, 0, beta, z, v, p, 0.5, 1};
    const char *names[2] = {"intrcpt", "x\x1b"};
    for (int fmt = 0; fmt < 3; fmt++) {
        mem_open(&m);
        st = cmeta_report_permtest(m.fp, (cmeta_report_format)fmt, &pr, names, 1, &run, NULL);
        if (fmt == CMETA_REPORT_TEXT) check_text(&m, st, v, "permtest");
        else if (fmt == CMETA_REPORT_JSON) check_json(&m, st);
        else check_csv(&m, st);
    }
    cmeta_gosh_summary gs = {0, 100, 1, v, v, v, v, v, v, v, v};
    for (int fmt = 0; fmt < 2; fmt++) {
        mem_open(&m);
        st = cmeta_report_gosh(m.fp, (cmeta_report_format)fmt, &gs, &run, "out.csv", NULL, NULL);
        if (fmt == CMETA_REPORT_TEXT) check_text(&m, st, v, "gosh");
        else check_json(&m, st);
    }
}

static void test_writers_pool(void) { for_each_value(one_pool); }
static void test_writers_diag(void) { for_each_value(one_diag); }
static void test_writers_resample(void) { for_each_value(one_resample); }

/* ---- allocation failures: every writer's allocation made to fail in turn -------------------- */

static long fail_at = -1, n_alloc = 0;
static void *failing_malloc(size_t n) { return ++n_alloc == fail_at ? NULL : malloc(n); }
static void *failing_realloc(void *p, size_t n) { return ++n_alloc == fail_at ? NULL : realloc(p, n); }

static cmeta_status pool_and_loo_text(FILE *fp)
{
    double yi[K], vi[K];
    cmeta_data d;
    fake_data(&d, yi, vi, 0.5);
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    fake_fit ff;
    fake_fit_init(&ff, 0.5, 1, CMETA_METHOD_REML, CMETA_TEST_Z);
    cmeta_status st = cmeta_report_pool(fp, CMETA_REPORT_TEXT, &d, &ff.f, &fo, NULL, NULL);
    if (st != CMETA_OK) return st;
    cmeta_summary rows[K];
    memset(rows, 0, sizeof rows);
    cmeta_report_derived_info info = {"leave1out", "omitted", NULL, &d, &fo, NULL};
    return cmeta_report_derived(fp, CMETA_REPORT_TEXT, &info, (const char *const *)labels, rows, K, NULL);
}

static void test_alloc_failures(void)
{
    cmeta_set_allocator(failing_malloc, failing_realloc, free);
    int seen_ok = 0;
    for (fail_at = 1; fail_at < 100 && !seen_ok; fail_at++) {
        n_alloc = 0;
        mem m;
        mem_open(&m);
        cmeta_status st = pool_and_loo_text(m.fp);
        fclose(m.fp);
        free(m.buf);
        CU_ASSERT(st == CMETA_OK || st == CMETA_ENOMEM);
        if (st == CMETA_OK) seen_ok = 1;
    }
    cmeta_set_allocator(NULL, NULL, NULL);
    CU_ASSERT(seen_ok);
    CU_ASSERT(fail_at > 2); /* at least one allocation failed and was reported */
}

/* ---- the study interval and the model choice ----------------------------------------------- */

static void test_study_ci(void)
{
    double lb, ub;
    /* qnorm(0.975) = 1.959963984540054 (R) */
    TU_ASSERT_CLOSE(cmeta_study_zcrit(95), 1.959963984540054, 1e-15, 0, "z 95");
    TU_ASSERT_CLOSE(cmeta_study_zcrit(90), 1.6448536269514722, 1e-15, 0, "z 90");
    cmeta_study_ci(0.5, 0.04, 95, &lb, &ub);
    TU_ASSERT_CLOSE(lb, 0.5 - 1.959963984540054 * 0.2, 1e-15, 0, "lb");
    TU_ASSERT_CLOSE(ub, 0.5 + 1.959963984540054 * 0.2, 1e-15, 0, "ub");
    cmeta_study_ci(0.5, -1, 95, &lb, &ub);
    CU_ASSERT(isnan(lb) && isnan(ub));
}

static void test_choose_model(void)
{
    /* heterogeneous: Q = sum (y - mean)^2 / v = (0.16 + 0 + 0.16) / 0.01 = 32 on 2 df */
    const double yh[3] = {0.1, 0.5, 0.9}, v[3] = {0.01, 0.01, 0.01}, y0[3] = {0.5, 0.51, 0.49};
    cmeta_studies s = {3, yh, v, CMETA_GEN, NULL, NULL, NULL, NULL, NULL};
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    cmeta_model_choice mc;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL(cmeta_choose_model(&s, &fo, 0, 0.1, &mc, &err), CMETA_OK);
    CU_ASSERT(!mc.automatic && mc.is_random && mc.opts.method == CMETA_METHOD_REML && isnan(mc.Q));
    CU_ASSERT_EQUAL(cmeta_choose_model(&s, &fo, 1, 0.1, &mc, &err), CMETA_OK);
    TU_ASSERT_CLOSE(mc.Q, 32, 1e-12, 0, "Q");
    CU_ASSERT(mc.is_random && mc.opts.method == CMETA_METHOD_REML);
    CU_ASSERT(strstr(mc.reason, "random effects (REML)") != NULL);
    s.yi = y0;
    fo.method = CMETA_METHOD_DL;
    CU_ASSERT_EQUAL(cmeta_choose_model(&s, &fo, 1, 0.1, &mc, &err), CMETA_OK);
    CU_ASSERT(!mc.is_random && mc.opts.method == CMETA_METHOD_FE);
    CU_ASSERT(strstr(mc.reason, "fixed effect (FE)") != NULL);
    CU_ASSERT_EQUAL(cmeta_fit_is_random(&mc.opts), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("report layer", NULL, NULL);
    CU_add_test(s, "cmeta_fmt_num as R's formatC", test_fmt_num);
    CU_add_test(s, "p-values, stars, level", test_pval_stars_level);
    CU_add_test(s, "JSON and CSV pieces", test_json_csv_pieces);
    CU_add_test(s, "text frame escapes labels", test_text_frame_escapes);
    CU_add_test(s, "pool, subgroups, loo writers, 1e-300..1e300", test_writers_pool);
    CU_add_test(s, "regress, influence, bias writers, 1e-300..1e300", test_writers_diag);
    CU_add_test(s, "boot, permtest, gosh writers, 1e-300..1e300", test_writers_resample);
    CU_add_test(s, "allocation failures give CMETA_ENOMEM", test_alloc_failures);
    CU_add_test(s, "study CI", test_study_ci);
    CU_add_test(s, "--model auto", test_choose_model);
    return tu_run();
}
