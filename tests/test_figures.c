/* test_figures.c - issue 17's figure controls: each option changes the figure as named
 * (tested on the layout's primitives and numbers), no two texts overlap, SVG text is text,
 * PNG says its resolution (pHYs). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

static cmeta_text_measurer *g_tm;

static const cmeta_prim *find(const cmeta_plot *p, cmeta_prim_role role, long index)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->prim[i].role == role && p->prim[i].index == index) return &p->prim[i];
    return NULL;
}

static size_t count(const cmeta_plot *p, cmeta_prim_role role)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++) n += p->prim[i].role == role;
    return n;
}

static cmeta_data *load(const char *rel, cmeta_measure m, cmeta_table **t)
{
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_table_read_file(tu_path(rel), t, &err), CMETA_OK);
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    o.measure_set = 1;
    o.measure = m;
    cmeta_data *d = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(*t, &o, &d, NULL, &err), CMETA_OK);
    return d;
}

static cmeta_fit *fit_of(const cmeta_data *d)
{
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    cmeta_fit *f = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_fit_data(d, &fo, &f, NULL, &err), CMETA_OK);
    return f;
}

/* Page y of the label of study i. */
static double label_y(const cmeta_plot *p, long i)
{
    const cmeta_prim *q = find(p, CMETA_ROLE_LABEL, i);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    return q->y;
}

static void test_forest_controls(void)
{
    cmeta_table *t = NULL;
    cmeta_data *d = load("tests/cli/data/bcg.csv", CMETA_RR, &t);
    cmeta_fit *f = fit_of(d);
    for (int real = 0; real < 2; real++) {
        cmeta_text_measure_fn ms = real ? cmeta_text_measure_cairo : tu_fake_measure;
        void *mc = real ? g_tm : NULL;
        cmeta_plot p0, p;
        cmeta_forest_opts o;
        cmeta_forest_opts_default(&o);
        CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, f, NULL, &o, ms, mc, &p0, NULL), CMETA_OK);
        CU_ASSERT_PTR_NULL(find(&p0, CMETA_ROLE_TITLE, -1));
        CU_ASSERT(tu_has_text(&p0, "Test for overall effect"));
        /* every option at once, then each checked */
        static const double at[] = {0.1, 0.25, 0.5, 1, 2, 4};
        o.title = "BCG vaccine <trials> & more";
        o.xlab = "Risk ratio";
        o.favours_left = "Favours vaccine";
        o.favours_right = "Favours control";
        o.group1 = "Vaccinated";
        o.group2 = "Unvaccinated";
        o.xlim_lo = 0.1;
        o.xlim_hi = 4;
        o.at = at;
        o.nat = 6;
        o.digits = 3;
        o.show_test = 0;
        size_t order[13];
        for (size_t i = 0; i < d->k; i++) order[i] = d->k - 1 - i; /* reversed */
        o.order = order;
        CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, f, NULL, &o, ms, mc, &p, NULL), CMETA_OK);
        tu_check_no_overlap(&p);
        const cmeta_prim *ti = find(&p, CMETA_ROLE_TITLE, -1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ti);
        CU_ASSERT_STRING_EQUAL(ti->text, "BCG vaccine <trials> & more");
        CU_ASSERT(ti->bold && ti->size > 10);
        for (size_t i = 0; i < p.n; i++) /* above every heading */
            if (p.prim[i].role == CMETA_ROLE_HEADING) CU_ASSERT(ti->y < p.prim[i].y - p.prim[i].ascent);
        const cmeta_prim *ax = find(&p, CMETA_ROLE_AXISTITLE, -1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ax);
        CU_ASSERT_STRING_EQUAL(ax->text, "Risk ratio");
        CU_ASSERT_STRING_EQUAL(find(&p, CMETA_ROLE_FAVOURS, 0)->text, "Favours vaccine");
        CU_ASSERT_STRING_EQUAL(find(&p, CMETA_ROLE_FAVOURS, 1)->text, "Favours control");
        CU_ASSERT(tu_has_text(&p, "Vaccinated") && tu_has_text(&p, "Unvaccinated"));
        CU_ASSERT(!tu_has_text(&p, "Experimental"));
        /* axis: exactly the limits given; ticks exactly at the values given */
        TU_ASSERT_CLOSE(p.lo, log(0.1), 1e-15, 0, "xlim lo");
        TU_ASSERT_CLOSE(p.hi, log(4), 1e-15, 0, "xlim hi");
        size_t nt = 0;
        for (size_t i = 0; i < p.n; i++)
            if (p.prim[i].role == CMETA_ROLE_TICK) {
                CU_ASSERT(nt < 6);
                if (nt < 6) TU_ASSERT_CLOSE(p.prim[i].value, log(at[nt]), 1e-15, 1e-15, "tick");
                nt++;
            }
        CU_ASSERT_EQUAL(nt, 6);
        /* TPT Madras RR 1.01 [0.90, 1.15] inside; Comstock & Webster 1.56 [0.37, 6.53] cut at 4 */
        CU_ASSERT(count(&p, CMETA_ROLE_CI_ARROW) > count(&p0, CMETA_ROLE_CI_ARROW));
        /* digits: metafor 3.8 exp(-0.7145 [-1.0669, -0.3622]) = 0.489 [0.344, 0.696] */
        CU_ASSERT_STRING_EQUAL(find(&p, CMETA_ROLE_EFFECT, -1)->text, "0.489 [0.344, 0.696]");
        CU_ASSERT_STRING_EQUAL(find(&p0, CMETA_ROLE_EFFECT, -1)->text, "0.49 [0.34, 0.70]");
        CU_ASSERT(!tu_has_text(&p, "Test for overall effect"));
        CU_ASSERT(tu_has_text(&p, "Heterogeneity"));
        /* order: reversed, top to bottom */
        for (size_t i = 1; i < d->k; i++) CU_ASSERT(label_y(&p, (long)order[i - 1]) < label_y(&p, (long)order[i]));
        CU_ASSERT(label_y(&p0, 0) < label_y(&p0, 1));
        cmeta_plot_free(&p);
        cmeta_plot_free(&p0);
    }
    /* annotation columns by name: a column of the file, no weights, no effect texts */
    const char *years[13];
    for (size_t i = 0; i < d->k; i++) years[i] = cmeta_table_cell(t, d->row[i], (size_t)cmeta_table_find_raw(t, "year"));
    const char *const *cells[1] = {years};
    const char *heads[1] = {"Year"};
    cmeta_forest_opts o;
    cmeta_forest_opts_default(&o);
    o.nannot = 1;
    o.annot_head = heads;
    o.annot = cells;
    o.show_weights = 0;
    o.show_effect = 0;
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, f, NULL, &o, cmeta_text_measure_cairo, g_tm, &p, NULL), CMETA_OK);
    tu_check_no_overlap(&p);
    CU_ASSERT(tu_has_text(&p, "Year") && tu_has_text(&p, "1948"));
    CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_EFFECT), 0);
    CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_WEIGHT), 0);
    /* the year column lies between the labels and the data */
    const cmeta_prim *yr = NULL;
    for (size_t i = 0; i < p.n; i++)
        if (p.prim[i].kind == CMETA_PRIM_TEXT && !strcmp(p.prim[i].text, "1948")) yr = &p.prim[i];
    CU_ASSERT_PTR_NOT_NULL_FATAL(yr);
    CU_ASSERT(yr->x > find(&p, CMETA_ROLE_LABEL, 0)->x);
    CU_ASSERT(yr->x < cmeta_plot_xpos(&p, p.lo));
    cmeta_plot_free(&p);
    /* refusals */
    cmeta_error err;
    cmeta_forest_opts_default(&o);
    o.xlim_lo = 0, o.xlim_hi = 2; /* a ratio of 0 is not on the scale */
    CU_ASSERT_EQUAL(cmeta_forest_layout(d, f, NULL, &o, tu_fake_measure, NULL, &p, &err), CMETA_EUSAGE);
    CU_ASSERT(strstr(err.message, "ratios are > 0") != NULL);
    cmeta_forest_opts_default(&o);
    o.xlim_lo = 2, o.xlim_hi = 1;
    CU_ASSERT_EQUAL(cmeta_forest_layout(d, f, NULL, &o, tu_fake_measure, NULL, &p, &err), CMETA_EUSAGE);
    cmeta_forest_opts_default(&o);
    static const double bad_at[] = {1, -1};
    o.at = bad_at, o.nat = 2;
    CU_ASSERT_EQUAL(cmeta_forest_layout(d, f, NULL, &o, tu_fake_measure, NULL, &p, &err), CMETA_EUSAGE);
    cmeta_forest_opts_default(&o);
    size_t dup[13] = {0};
    o.order = dup;
    CU_ASSERT_EQUAL(cmeta_forest_layout(d, f, NULL, &o, tu_fake_measure, NULL, &p, &err), CMETA_EUSAGE);
    cmeta_fit_free(f);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

/* Subgroups: the order applies within each group. */
static void test_forest_sort_subgroups(void)
{
    double yi[6] = {0.3, -0.2, 0.5, 0.1, -0.4, 0.2}, vi[6] = {0.04, 0.05, 0.03, 0.06, 0.05, 0.04};
    char *lab[6] = {"a", "b", "c", "d", "e", "f"};
    cmeta_data d;
    memset(&d, 0, sizeof d);
    d.measure = CMETA_GEN;
    d.k = 6;
    d.yi = yi;
    d.vi = vi;
    d.label = lab;
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    cmeta_fit *all = NULL, *g1 = NULL, *g2 = NULL;
    size_t i1[3] = {0, 1, 2}, i2[3] = {3, 4, 5};
    CU_ASSERT_EQUAL_FATAL(cmeta_rma(yi, vi, 6, NULL, 0, &fo, &all, NULL, NULL), CMETA_OK);
    double y1[3] = {0.3, -0.2, 0.5}, v1[3] = {0.04, 0.05, 0.03}, y2[3] = {0.1, -0.4, 0.2}, v2[3] = {0.06, 0.05, 0.04};
    CU_ASSERT_EQUAL_FATAL(cmeta_rma(y1, v1, 3, NULL, 0, &fo, &g1, NULL, NULL), CMETA_OK);
    CU_ASSERT_EQUAL_FATAL(cmeta_rma(y2, v2, 3, NULL, 0, &fo, &g2, NULL, NULL), CMETA_OK);
    cmeta_forest_group gr[2] = {{"one", 3, i1, g1}, {"two", 3, i2, g2}};
    cmeta_forest_subgroups sub = {2, gr, 1, 1, 0.3};
    size_t order[6] = {4, 1, 3, 5, 0, 2}; /* by increasing yi */
    cmeta_forest_opts o;
    cmeta_forest_opts_default(&o);
    o.order = order;
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(&d, all, &sub, &o, tu_fake_measure, NULL, &p, NULL), CMETA_OK);
    tu_check_no_overlap(&p);
    /* group one: b (-0.2), a (0.3), c (0.5); group two: e, d, f; groups stay in place */
    CU_ASSERT(label_y(&p, 1) < label_y(&p, 0) && label_y(&p, 0) < label_y(&p, 2));
    CU_ASSERT(label_y(&p, 4) < label_y(&p, 3) && label_y(&p, 3) < label_y(&p, 5));
    CU_ASSERT(label_y(&p, 2) < find(&p, CMETA_ROLE_GROUP, 1)->y);
    cmeta_plot_free(&p);
    cmeta_fit_free(all);
    cmeta_fit_free(g1);
    cmeta_fit_free(g2);
}

/* A single proportion (PLO): the test of p = 0.5 goes with show_test = 0. */
static void test_forest_single_arm(void)
{
    cmeta_table *t = NULL;
    cmeta_data *d = load("datasets/lupus/responders.csv", CMETA_PLO, &t);
    cmeta_fit *f = fit_of(d);
    cmeta_forest_opts o;
    cmeta_forest_opts_default(&o);
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, f, NULL, &o, cmeta_text_measure_cairo, g_tm, &p, NULL), CMETA_OK);
    CU_ASSERT(tu_has_text(&p, "Test for overall effect"));
    cmeta_plot_free(&p);
    o.show_test = 0;
    static const double at[] = {0.2, 0.4, 0.6, 0.8};
    o.at = at;
    o.nat = 4;
    CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, f, NULL, &o, cmeta_text_measure_cairo, g_tm, &p, NULL), CMETA_OK);
    CU_ASSERT(!tu_has_text(&p, "Test for overall effect"));
    tu_check_no_overlap(&p);
    /* ticks at logit(p), labelled p; the axis spans them */
    TU_ASSERT_CLOSE(p.lo, log(0.2 / 0.8), 1e-12, 0, "lo = logit 0.2");
    TU_ASSERT_CLOSE(p.hi, log(0.8 / 0.2), 1e-12, 0, "hi = logit 0.8");
    CU_ASSERT(tu_has_text(&p, "0.4") && tu_has_text(&p, "0.6"));
    cmeta_plot_free(&p);
    cmeta_fit_free(f);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

static void test_funnel_controls(void)
{
    cmeta_table *t = NULL;
    cmeta_data *d = load("tests/cli/data/bcg.csv", CMETA_RR, &t);
    cmeta_fit *f = fit_of(d);
    cmeta_funnel_opts o;
    cmeta_funnel_opts_default(&o);
    static const double at[] = {0.25, 0.5, 1, 2};
    o.title = "Funnel";
    o.xlab = "RR";
    o.at = at;
    o.nat = 4;
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_funnel_layout(d, f, NULL, &o, cmeta_text_measure_cairo, g_tm, &p, NULL), CMETA_OK);
    tu_check_no_overlap(&p);
    CU_ASSERT_STRING_EQUAL(find(&p, CMETA_ROLE_TITLE, -1)->text, "Funnel");
    CU_ASSERT_STRING_EQUAL(find(&p, CMETA_ROLE_AXISTITLE, 0)->text, "RR");
    TU_ASSERT_CLOSE(p.lo, log(0.25), 1e-15, 0, "lo");
    TU_ASSERT_CLOSE(p.hi, log(2), 1e-15, 0, "hi");
    /* studies off the axis are not drawn: BCG has RR 0.198 and 0.205 below 0.25 */
    size_t inside = 0;
    for (size_t i = 0; i < d->k; i++) inside += d->yi[i] >= log(0.25) && d->yi[i] <= log(2);
    CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_POINT), inside);
    CU_ASSERT(inside < d->k);
    cmeta_plot_free(&p);
    o.at = NULL, o.nat = 0;
    o.xlim_lo = 0.1, o.xlim_hi = 10;
    CU_ASSERT_EQUAL_FATAL(cmeta_funnel_layout(d, f, NULL, &o, cmeta_text_measure_cairo, g_tm, &p, NULL), CMETA_OK);
    TU_ASSERT_CLOSE(p.lo, log(0.1), 1e-15, 0, "xlim lo");
    TU_ASSERT_CLOSE(p.hi, log(10), 1e-15, 0, "xlim hi");
    CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_POINT), d->k);
    cmeta_plot_free(&p);
    o.xlim_lo = -1;
    cmeta_error err;
    CU_ASSERT_EQUAL(cmeta_funnel_layout(d, f, NULL, &o, tu_fake_measure, NULL, &p, &err), CMETA_EUSAGE);
    cmeta_fit_free(f);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

/* Leave-one-out and cumulative forest plots: one row per refitted model, its numbers shown
 * back-transformed; metafor 3.8.1 (tests/reference/figures/derived_bt.csv, bcg_rr_reml_loo):
 * without Aronson 0.4931 [0.3398, 0.7155]. */
static void test_forest_derived(void)
{
    cmeta_table *t = NULL;
    cmeta_data *d = load("tests/cli/data/bcg.csv", CMETA_RR, &t);
    cmeta_fit *f = fit_of(d);
    cmeta_studies s;
    cmeta_escalc_opts eo;
    cmeta_escalc_opts_default(&eo);
    cmeta_studies_from_data(d, &eo, &s);
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    fo.no_ci_tau2 = 1;
    cmeta_summary rows[13];
    const char *labels[13];
    for (size_t i = 0; i < d->k; i++) labels[i] = d->label[i];
    for (int kind = 1; kind <= 2; kind++) {
        CU_ASSERT_EQUAL_FATAL(kind == 1 ? cmeta_leave1out(&s, &fo, rows, NULL, NULL) : cmeta_cumul(&s, NULL, &fo, rows, NULL, NULL),
                              CMETA_OK);
        cmeta_forest_opts o;
        cmeta_forest_opts_default(&o);
        o.derived = kind;
        o.rows = rows;
        o.row_labels = labels;
        o.nderived = d->k;
        cmeta_plot p;
        CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, f, NULL, &o, cmeta_text_measure_cairo, g_tm, &p, NULL), CMETA_OK);
        tu_check_no_overlap(&p);
        CU_ASSERT(tu_has_text(&p, kind == 1 ? "Study omitted" : "Study added"));
        CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_WEIGHT), 0);
        CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_DATA), 0);
        CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_SQUARE), d->k);
        CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_DIAMOND), kind == 1 ? 1 : 0);
        for (size_t i = 0; i < d->k; i++) {
            const cmeta_prim *q = find(&p, CMETA_ROLE_SQUARE, (long)i);
            CU_ASSERT_PTR_NOT_NULL_FATAL(q);
            TU_ASSERT_CLOSE(q->x + q->w / 2, cmeta_plot_xpos(&p, rows[i].estimate), 1e-12, 1e-9, "square at the estimate");
            CU_ASSERT(i == 0 || label_y(&p, (long)i - 1) < label_y(&p, (long)i));
        }
        if (kind == 1) CU_ASSERT_STRING_EQUAL(find(&p, CMETA_ROLE_EFFECT, 0)->text, "0.49 [0.34, 0.72]");
        /* cumulative: the first row is Aronson alone (0.41 [0.13, 1.26]), the last all 13 */
        if (kind == 2) {
            CU_ASSERT_STRING_EQUAL(find(&p, CMETA_ROLE_EFFECT, 0)->text, "0.41 [0.13, 1.26]");
            CU_ASSERT_STRING_EQUAL(find(&p, CMETA_ROLE_EFFECT, 12)->text, "0.49 [0.34, 0.70]");
            CU_ASSERT(!tu_has_text(&p, "Heterogeneity"));
        }
        cmeta_plot_free(&p);
        /* refusals: no rows; with an order */
        o.rows = NULL;
        CU_ASSERT_EQUAL(cmeta_forest_layout(d, f, NULL, &o, tu_fake_measure, NULL, &p, NULL), CMETA_EUSAGE);
    }
    cmeta_fit_free(f);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

/* ---- rendering --------------------------------------------------------------------------- */

static unsigned long be32(const unsigned char *b)
{
    return (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 | (unsigned long)b[2] << 8 | b[3];
}

/* A rendered file in memory (caller frees). */
static unsigned char *render(const cmeta_plot *p, cmeta_plot_format fmt, const cmeta_render_opts *ro, size_t *n)
{
    const char *path = fmt == CMETA_PLOT_PNG ? "build/test_figures.png" : "build/test_figures.svg";
    FILE *fp = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL(cmeta_plot_render_stream_opts(p, fmt, fp, ro, &err), CMETA_OK);
    fclose(fp);
    unsigned char *b = tu_slurp(path, n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    return b;
}

/* The PNG's pHYs chunk (x, y pixels per metre, unit) with a correct CRC; 0 when absent. */
static int png_phys(const unsigned char *b, size_t n, unsigned long *ppx, unsigned long *ppy, int *unit)
{
    size_t at = 8;
    while (at + 12 <= n) {
        unsigned long len = be32(b + at);
        if (!memcmp(b + at + 4, "pHYs", 4) && len == 9) {
            /* CRC-32 over type and data (PNG specification, Annex D) */
            unsigned long c = 0xffffffffUL;
            for (size_t i = at + 4; i < at + 8 + 9; i++) {
                c ^= b[i];
                for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320UL ^ (c >> 1) : c >> 1;
            }
            CU_ASSERT_EQUAL(c ^ 0xffffffffUL, be32(b + at + 17));
            *ppx = be32(b + at + 8);
            *ppy = be32(b + at + 12);
            *unit = b[at + 16];
            /* before the image data */
            for (size_t j = 8; j < at; j += 12 + be32(b + j)) CU_ASSERT(memcmp(b + j + 4, "IDAT", 4) != 0);
            return 1;
        }
        at += 12 + len;
    }
    return 0;
}

static void test_render(void)
{
    cmeta_table *t = NULL;
    cmeta_data *d = load("tests/cli/data/bcg.csv", CMETA_RR, &t);
    cmeta_fit *f = fit_of(d);
    cmeta_forest_opts o;
    cmeta_forest_opts_default(&o);
    o.title = "A & B <c> \"d\"";
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, f, NULL, &o, cmeta_text_measure_cairo, g_tm, &p, NULL), CMETA_OK);
    size_t n;
    unsigned long px, py;
    int unit;
    /* PNG at the default 300 dpi: 300 / 0.0254 = 11811.02 pixels per metre */
    unsigned char *b = render(&p, CMETA_PLOT_PNG, NULL, &n);
    CU_ASSERT(n > 33 && !memcmp(b + 12, "IHDR", 4));
    CU_ASSERT_EQUAL(be32(b + 16), (unsigned long)ceil(p.width * 300 / 72 - 1e-6));
    CU_ASSERT_EQUAL(be32(b + 20), (unsigned long)ceil(p.height * 300 / 72 - 1e-6));
    CU_ASSERT_FATAL(png_phys(b, n, &px, &py, &unit));
    CU_ASSERT_EQUAL(px, 11811);
    CU_ASSERT_EQUAL(py, 11811);
    CU_ASSERT_EQUAL(unit, 1);
    CU_ASSERT(n > 12 && !memcmp(b + n - 8, "IEND", 4));
    free(b);
    /* 600 dpi and a page of 8 x 6 inches: 4800 x 3600 pixels, 23622 per metre */
    cmeta_render_opts ro;
    cmeta_render_opts_default(&ro);
    CU_ASSERT_EQUAL(ro.dpi, 300);
    ro.dpi = 600;
    ro.width = 8 * 72;
    ro.height = 6 * 72;
    b = render(&p, CMETA_PLOT_PNG, &ro, &n);
    CU_ASSERT_EQUAL(be32(b + 16), 4800);
    CU_ASSERT_EQUAL(be32(b + 20), 3600);
    CU_ASSERT_FATAL(png_phys(b, n, &px, &py, &unit));
    CU_ASSERT_EQUAL(px, 23622);
    free(b);
    /* SVG: every text a <text> naming the font, escaped; page size in pt */
    b = render(&p, CMETA_PLOT_SVG, NULL, &n);
    CU_ASSERT(tu_svg_well_formed((char *)b));
    size_t ntext = 0, nprim = 0;
    for (const char *s = (char *)b; (s = strstr(s, "<text ")); s++) ntext++;
    for (size_t i = 0; i < p.n; i++) nprim += p.prim[i].kind == CMETA_PRIM_TEXT;
    CU_ASSERT_EQUAL(ntext, nprim);
    CU_ASSERT(strstr((char *)b, "font-family=\"'DejaVu Sans', sans-serif\"") != NULL);
    CU_ASSERT(strstr((char *)b, ">A &amp; B &lt;c&gt; &quot;d&quot;</text>") != NULL);
    CU_ASSERT(strstr((char *)b, ">Aronson</text>") != NULL);
    CU_ASSERT(strstr((char *)b, "<use") == NULL && strstr((char *)b, "<path") == NULL);
    char wh[128];
    snprintf(wh, sizeof wh, "width=\"%.0fpt\" height=\"%.0fpt\"", p.width, p.height);
    CU_ASSERT(strstr((char *)b, wh) != NULL);
    free(b);
    /* SVG scaled onto 8 x 6 in, centred */
    ro.dpi = 300;
    b = render(&p, CMETA_PLOT_SVG, &ro, &n);
    CU_ASSERT(strstr((char *)b, "width=\"576pt\" height=\"432pt\" viewBox=\"0 0 576 432\"") != NULL);
    CU_ASSERT(strstr((char *)b, "<g transform=\"translate(") != NULL);
    CU_ASSERT(tu_svg_well_formed((char *)b));
    free(b);
    /* outlines on request: cairo's glyphs, no <text> */
    ro.svg_text_outline = 1;
    b = render(&p, CMETA_PLOT_SVG, &ro, &n);
    CU_ASSERT(strstr((char *)b, "<text") == NULL);
    CU_ASSERT(strstr((char *)b, "<use") != NULL || strstr((char *)b, "<path") != NULL);
    free(b);
    /* refusals */
    cmeta_render_opts_default(&ro);
    ro.dpi = 5;
    FILE *fp = fopen("build/test_figures.png", "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    cmeta_error err;
    CU_ASSERT_EQUAL(cmeta_plot_render_stream_opts(&p, CMETA_PLOT_PNG, fp, &ro, &err), CMETA_EUSAGE);
    fclose(fp);
    cmeta_plot_free(&p);
    cmeta_fit_free(f);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

/* ---- the multilevel forest plot (cmeta_mv_forest_layout, issue 18 item 4) ---------------- */

static void test_mv_forest(void)
{
    /* Konstantopoulos 2011: 56 schools in 11 districts, ~ 1 | district/school */
    cmeta_table *t = NULL;
    cmeta_data *d = load("tests/reference/mv/konstantopoulos2011.csv", CMETA_GEN, &t);
    tu_fixture *D = tu_fixture_load("tests/reference/mv/konstantopoulos2011.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(D);
    size_t k = d->k, n1, n2;
    CU_ASSERT_EQUAL_FATAL(k, 56);
    const char *c1[] = {"district"}, *c2[] = {"district", "school"};
    size_t *l1 = tu_levels(D, c1, 1, &n1), *l2 = tu_levels(D, c2, 2, &n2);
    cmeta_mv_random re[2] = {{"district", l1, n1}, {"district/school", l2, n2}};
    double *X = malloc(k * sizeof *X), *X2 = malloc(2 * k * sizeof *X2), *X3 = malloc(2 * k * sizeof *X3);
    for (size_t i = 0; i < k; i++) {
        X[i] = 1;
        X2[2 * i] = 1, X2[2 * i + 1] = tu_num(D, i, "year");          /* a slope: refused */
        X3[2 * i] = tu_num(D, i, "year") < 1990, X3[2 * i + 1] = !X3[2 * i]; /* cell means */
    }
    cmeta_mv_opts mo;
    cmeta_mv_opts_default(&mo);
    mo.profile_ci = 0;
    cmeta_mv_fit *f = NULL, *f2 = NULL, *f3 = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_mv(d->yi, d->vi, k, NULL, 0, X, 1, 1, re, 2, &mo, &f, NULL, &err), CMETA_OK);
    CU_ASSERT_EQUAL_FATAL(cmeta_mv(d->yi, d->vi, k, NULL, 0, X2, 2, 1, re, 2, &mo, &f2, NULL, &err), CMETA_OK);
    CU_ASSERT_EQUAL_FATAL(cmeta_mv(d->yi, d->vi, k, NULL, 0, X3, 2, 0, re, 2, &mo, &f3, NULL, &err), CMETA_OK);
    /* groups: the districts in order of first appearance; labels "school N" */
    char **gname = calloc(n1, sizeof *gname), **lab = calloc(k, sizeof *lab);
    for (size_t i = 0; i < k; i++) {
        char b[64];
        snprintf(b, sizeof b, "school %s", tu_str(D, i, "school"));
        lab[i] = strdup(b);
        if (!gname[l1[i]]) {
            snprintf(b, sizeof b, "district %s", tu_str(D, i, "district"));
            gname[l1[i]] = strdup(b);
        }
    }
    const char *coef[] = {"before 1990", "1990 or later"}, *comp[] = {"district", "district/school"};
    cmeta_mv_forest mf = {n1, (const char *const *)gname, l1, (const char *const *)lab, "district / school",
                          coef, comp, X, "a note"};
    for (int real = 0; real < 2; real++) {
        cmeta_text_measure_fn ms = real ? cmeta_text_measure_cairo : tu_fake_measure;
        void *mc = real ? g_tm : NULL;
        cmeta_forest_opts o;
        cmeta_forest_opts_default(&o);
        o.title = "Konstantopoulos 2011";
        cmeta_plot p;
        CU_ASSERT_EQUAL_FATAL(cmeta_mv_forest_layout(d, f, &mf, &o, ms, mc, &p, &err), CMETA_OK);
        tu_check_no_overlap(&p);
        /* a bold header per district, each above its schools, which are indented under it and
         * come before the next header */
        CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_GROUP), n1);
        CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_LABEL), k);
        CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_SQUARE), k);
        for (size_t g = 0; g < n1; g++) {
            const cmeta_prim *h = find(&p, CMETA_ROLE_GROUP, (long)g);
            CU_ASSERT_PTR_NOT_NULL_FATAL(h);
            CU_ASSERT(h->bold);
            CU_ASSERT_STRING_EQUAL(h->text, gname[g]);
            const cmeta_prim *hn = g + 1 < n1 ? find(&p, CMETA_ROLE_GROUP, (long)g + 1) : NULL;
            for (size_t i = 0; i < k; i++) {
                if (l1[i] != g) continue;
                const cmeta_prim *lb = find(&p, CMETA_ROLE_LABEL, (long)i);
                CU_ASSERT(lb->y > h->y);
                if (hn) CU_ASSERT(lb->y < hn->y);
                CU_ASSERT(lb->x > h->x + 5); /* indented */
                CU_ASSERT(!lb->bold);
                CU_ASSERT_STRING_EQUAL(lb->text, lab[i]);
            }
        }
        /* rows within a district in data order */
        for (size_t i = 1; i < k; i++)
            if (l1[i] == l1[i - 1]) CU_ASSERT(label_y(&p, (long)i) > label_y(&p, (long)i - 1));
        /* squares: area proportional to the weight (side^2 / weight constant), centred on yi */
        double ratio = NAN, wsum = 0;
        for (size_t i = 0; i < k; i++) {
            const cmeta_prim *q = find(&p, CMETA_ROLE_SQUARE, (long)i);
            CU_ASSERT_PTR_NOT_NULL_FATAL(q);
            TU_ASSERT_CLOSE(q->value, f->weight[i], 1e-15, 0, "square value = weight");
            TU_ASSERT_CLOSE(q->w, q->h, 1e-12, 0, "square");
            double r = q->w * q->w / f->weight[i];
            if (isnan(ratio)) ratio = r;
            TU_ASSERT_CLOSE(r, ratio, 1e-9, 0, "area / weight");
            TU_ASSERT_CLOSE(q->x + q->w / 2, cmeta_plot_xpos(&p, d->yi[i]), 1e-9, 1e-9, "square at yi");
            wsum += f->weight[i];
        }
        TU_ASSERT_CLOSE(wsum, 100, 1e-12, 0, "weights sum");
        /* one diamond at the fit: estimate and CI; the prediction interval beyond it */
        const cmeta_prim *dm = find(&p, CMETA_ROLE_DIAMOND, -1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(dm);
        CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_DIAMOND), 1);
        TU_ASSERT_CLOSE(dm->px[0], cmeta_plot_xpos(&p, f->ci_lb[0]), 1e-9, 1e-9, "diamond left");
        TU_ASSERT_CLOSE(dm->px[1], cmeta_plot_xpos(&p, f->beta[0]), 1e-9, 1e-9, "diamond centre");
        TU_ASSERT_CLOSE(dm->px[2], cmeta_plot_xpos(&p, f->ci_ub[0]), 1e-9, 1e-9, "diamond right");
        double one = 1, plb, pub, xmin = INFINITY, xmax = -INFINITY;
        cmeta_mv_predict(f, &one, NULL, NULL, NULL, NULL, &plb, &pub);
        for (size_t i = 0; i < p.n; i++)
            if (p.prim[i].role == CMETA_ROLE_PRED && p.prim[i].kind == CMETA_PRIM_LINE)
                xmin = fmin(xmin, fmin(p.prim[i].x, p.prim[i].x2)), xmax = fmax(xmax, fmax(p.prim[i].x, p.prim[i].x2));
        TU_ASSERT_CLOSE(xmin, cmeta_plot_xpos(&p, plb), 1e-9, 1e-9, "PI lower end");
        TU_ASSERT_CLOSE(xmax, cmeta_plot_xpos(&p, pub), 1e-9, 1e-9, "PI upper end");
        /* the diamond under every row, the statistics under the axis */
        for (size_t i = 0; i < k; i++) CU_ASSERT(dm->py[1] > label_y(&p, (long)i));
        CU_ASSERT(tu_has_text(&p, "RE Model"));
        CU_ASSERT(tu_has_text(&p, "Test for overall effect: z = 2.18, p = 0.0289"));
        CU_ASSERT(tu_has_text(&p, "Heterogeneity: \u03c3\u00b2(district) = 0.0651, \u03c3\u00b2(district/school) = 0.0327"));
        CU_ASSERT(tu_has_text(&p, "a note"));
        CU_ASSERT(tu_has_text(&p, "district / school"));
        CU_ASSERT_STRING_EQUAL(find(&p, CMETA_ROLE_TITLE, -1)->text, "Konstantopoulos 2011");
        /* everything inside the page */
        for (size_t i = 0; i < p.n; i++)
            if (p.prim[i].kind == CMETA_PRIM_TEXT) {
                double b[4];
                cmeta_prim_text_box(&p.prim[i], b);
                CU_ASSERT(b[0] >= 0 && b[2] <= p.width && b[1] >= 0 && b[3] <= p.height);
            }
        cmeta_plot_free(&p);
        /* a cell-means model: one diamond per coefficient, labelled, each with its CI */
        CU_ASSERT_EQUAL_FATAL(cmeta_mv_forest_layout(d, f3, &(cmeta_mv_forest){n1, (const char *const *)gname, l1,
                                                     (const char *const *)lab, NULL, coef, comp, X3, NULL},
                                                     &o, ms, mc, &p, &err), CMETA_OK);
        tu_check_no_overlap(&p);
        CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_DIAMOND), 2);
        for (long j = 0; j < 2; j++) {
            const cmeta_prim *q = find(&p, CMETA_ROLE_DIAMOND, j);
            CU_ASSERT_PTR_NOT_NULL_FATAL(q);
            TU_ASSERT_CLOSE(q->px[1], cmeta_plot_xpos(&p, f3->beta[j]), 1e-9, 1e-9, "coefficient diamond");
            TU_ASSERT_CLOSE(q->px[2], cmeta_plot_xpos(&p, f3->ci_ub[j]), 1e-9, 1e-9, "coefficient CI");
            CU_ASSERT_EQUAL(q->fill, 0);
        }
        CU_ASSERT(tu_has_text(&p, "RE Model: before 1990") && tu_has_text(&p, "RE Model: 1990 or later"));
        CU_ASSERT(tu_has_text(&p, "Test of the coefficients: QM (df = 2)"));
        CU_ASSERT(tu_has_text(&p, "Residual heterogeneity:"));
        CU_ASSERT(tu_has_text(&p, "Study")); /* default heading */
        cmeta_plot_free(&p);
        /* a slope: refused, nothing left allocated */
        mf.X = X2;
        CU_ASSERT_EQUAL(cmeta_mv_forest_layout(d, f2, &mf, &o, ms, mc, &p, &err), CMETA_EUSAGE);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "--no-intercept"));
        CU_ASSERT_EQUAL(p.n, 0);
        mf.X = X;
        /* no groups: no header rows, labels not indented (at the heading's x) */
        CU_ASSERT_EQUAL_FATAL(cmeta_mv_forest_layout(d, f, &(cmeta_mv_forest){0, NULL, NULL, (const char *const *)lab,
                                                     NULL, NULL, comp, X, NULL}, &o, ms, mc, &p, &err), CMETA_OK);
        tu_check_no_overlap(&p);
        CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_GROUP), 0);
        CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_LABEL), k);
        TU_ASSERT_CLOSE(find(&p, CMETA_ROLE_LABEL, 0)->x, find(&p, CMETA_ROLE_HEADING, 0)->x, 1e-12, 0, "not indented");
        for (size_t i = 1; i < k; i++) CU_ASSERT(label_y(&p, (long)i) > label_y(&p, (long)i - 1));
        cmeta_plot_free(&p);
        /* the axis limits and a group index out of range */
        o.xlim_lo = -2, o.xlim_hi = 2;
        CU_ASSERT_EQUAL_FATAL(cmeta_mv_forest_layout(d, f, &mf, &o, ms, mc, &p, &err), CMETA_OK);
        TU_ASSERT_CLOSE(p.lo, -2, 1e-15, 0, "xlim");
        TU_ASSERT_CLOSE(p.hi, 2, 1e-15, 0, "xlim");
        cmeta_plot_free(&p);
        size_t bad = l1[3];
        l1[3] = n1;
        CU_ASSERT_EQUAL(cmeta_mv_forest_layout(d, f, &mf, &o, ms, mc, &p, &err), CMETA_EUSAGE);
        l1[3] = bad;
    }
    for (size_t g = 0; g < n1; g++) free(gname[g]);
    for (size_t i = 0; i < k; i++) free(lab[i]);
    free(gname), free(lab), free(l1), free(l2), free(X), free(X2), free(X3);
    cmeta_mv_fit_free(f), cmeta_mv_fit_free(f2), cmeta_mv_fit_free(f3);
    tu_fixture_free(D);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

int main(void)
{
    gsl_set_error_handler_off();
    mkdir("build", 0777);
    if (cmeta_text_measurer_new(&g_tm) != CMETA_OK) return 1;
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("figures", NULL, NULL);
    CU_add_test(s, "forest: title, axis, favours, groups, limits, ticks, digits, test, order", test_forest_controls);
    CU_add_test(s, "forest: order within subgroups", test_forest_sort_subgroups);
    CU_add_test(s, "forest: single proportion without the test of p = 0.5", test_forest_single_arm);
    CU_add_test(s, "funnel: title, axis, limits, ticks", test_funnel_controls);
    CU_add_test(s, "forest: leave-one-out and cumulative rows", test_forest_derived);
    CU_add_test(s, "render: PNG pHYs and size, SVG text as text", test_render);
    CU_add_test(s, "multilevel forest: groups, indent, squares by weight, diamonds, refusals", test_mv_forest);
    int rc = tu_run();
    cmeta_text_measurer_free(g_tm);
    cmeta_plot_cleanup_at_exit();
    return rc;
}
