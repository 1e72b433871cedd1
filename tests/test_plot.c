/* test_plot.c - forest and funnel layouts (geometry that can be checked as numbers) and the
 * cairo renderer (every format written to build/ and checked for well-formedness).
 *
 * Layout invariants checked on every plot made here:
 *  - no two text boxes overlap (every pair), and every text lies on the page;
 *  - every study appears exactly once (label, and square or arrow);
 *  - square areas are proportional to the weights (relative 1e-9);
 *  - the diamond spans the summary CI with its centre at the estimate;
 *  - the axis covers every CI, or the CI is cut at the axis and ends in an arrow head;
 *  - log-scale tick labels are the back-transformed tick positions, and round.
 * Texts compared with metafor 3.8 printouts (BCG, RR, REML): estimate 0.49 [0.34, 0.70],
 * tau^2 = 0.31, I^2 = 92.2%, Q = 152.23 on 12 df. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

static cmeta_text_measurer *g_tm;

/* ---- invariants -------------------------------------------------------------------------- */

static size_t count(const cmeta_plot *p, cmeta_prim_role role, long index)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->prim[i].role == role && p->prim[i].index == index) n++;
    return n;
}

static const cmeta_prim *find(const cmeta_plot *p, cmeta_prim_role role, long index)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->prim[i].role == role && p->prim[i].index == index) return &p->prim[i];
    return NULL;
}

/* Every invariant of a forest plot of d with fit. */
static void check_forest(const cmeta_plot *p, const cmeta_data *d, const cmeta_fit *fit, int log_scale)
{
    tu_check_no_overlap(p);
    CU_ASSERT_EQUAL(p->log_scale, log_scale);
    const double z = 1.959963984540054;
    double ratio = NAN;
    for (size_t i = 0; i < d->k; i++) {
        /* each study once */
        CU_ASSERT_EQUAL(count(p, CMETA_ROLE_LABEL, (long)i), 1);
        const cmeta_prim *lab = find(p, CMETA_ROLE_LABEL, (long)i);
        CU_ASSERT_PTR_NOT_NULL_FATAL(lab);
        CU_ASSERT_STRING_EQUAL(lab->text, d->label[i]);
        double lb = d->yi[i] - z * sqrt(d->vi[i]), ub = d->yi[i] + z * sqrt(d->vi[i]);
        /* axis covers the CI or an arrow is drawn at the cut end */
        size_t arrows = count(p, CMETA_ROLE_CI_ARROW, (long)i);
        size_t want = (lb < p->lo) + (ub > p->hi);
        CU_ASSERT_EQUAL(arrows, want);
        for (size_t j = 0; j < p->n; j++) {
            const cmeta_prim *q = &p->prim[j];
            if (q->role != CMETA_ROLE_CI_ARROW || q->index != (long)i) continue;
            CU_ASSERT(fabs(q->x - p->ax0) < 1e-9 || fabs(q->x - p->ax1) < 1e-9);
        }
        const cmeta_prim *ci = find(p, CMETA_ROLE_CI, (long)i);
        if (ci) {
            TU_ASSERT_CLOSE(ci->x, cmeta_plot_xpos(p, fmax(lb, p->lo)), 1e-12, 1e-9, "CI start");
            TU_ASSERT_CLOSE(ci->x2, cmeta_plot_xpos(p, fmin(ub, p->hi)), 1e-12, 1e-9, "CI end");
        }
        /* square: centred on the estimate, area proportional to the weight */
        const cmeta_prim *sq = find(p, CMETA_ROLE_SQUARE, (long)i);
        CU_ASSERT_EQUAL(count(p, CMETA_ROLE_SQUARE, (long)i), d->yi[i] >= p->lo && d->yi[i] <= p->hi);
        if (sq) {
            TU_ASSERT_CLOSE(sq->x + sq->w / 2, cmeta_plot_xpos(p, d->yi[i]), 1e-12, 1e-9, "square centre");
            CU_ASSERT_DOUBLE_EQUAL(sq->w, sq->h, 1e-12);
            double r = sq->w * sq->h / fit->weight[i];
            if (isnan(ratio)) ratio = r;
            TU_ASSERT_CLOSE(r, ratio, 1e-9, 0, "square area / weight");
        }
    }
    /* the overall diamond */
    const cmeta_prim *dm = find(p, CMETA_ROLE_DIAMOND, -1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dm);
    CU_ASSERT_EQUAL(dm->np, 4);
    TU_ASSERT_CLOSE(dm->px[0], cmeta_plot_xpos(p, fit->ci_lb[0]), 1e-12, 1e-9, "diamond left");
    TU_ASSERT_CLOSE(dm->px[1], cmeta_plot_xpos(p, fit->beta[0]), 1e-12, 1e-9, "diamond top");
    TU_ASSERT_CLOSE(dm->px[2], cmeta_plot_xpos(p, fit->ci_ub[0]), 1e-12, 1e-9, "diamond right");
    TU_ASSERT_CLOSE(dm->px[3], cmeta_plot_xpos(p, fit->beta[0]), 1e-12, 1e-9, "diamond bottom");
    CU_ASSERT(dm->py[1] < dm->py[0] && dm->py[3] > dm->py[0]);
    /* ticks: labels are the (back-transformed) positions, round, increasing */
    size_t nlab = 0;
    double prev = -INFINITY;
    for (size_t j = 0; j < p->n; j++) {
        const cmeta_prim *q = &p->prim[j];
        if (q->role != CMETA_ROLE_TICKLABEL) continue;
        nlab++;
        double shown = cmeta_plot_shown(p, q->value);
        if (log_scale) TU_ASSERT_CLOSE(shown, exp(q->value), 1e-15, 0, "exp tick");
        TU_ASSERT_CLOSE(strtod(q->text, NULL), shown, 1e-9, 1e-12, "tick label");
        CU_ASSERT(q->value > prev);
        prev = q->value;
        /* round: at most 3 significant digits */
        double e10 = pow(10, floor(log10(fabs(shown) > 0 ? fabs(shown) : 1)) - 2);
        CU_ASSERT(fabs(shown / e10 - round(shown / e10)) < 1e-6);
    }
    CU_ASSERT(nlab >= 2);
    CU_ASSERT(p->ax1 > p->ax0);
}

/* ---- data -------------------------------------------------------------------------------- */

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

static cmeta_fit *fit_of(const cmeta_data *d, cmeta_method method)
{
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    fo.method = method;
    cmeta_fit *f = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_fit_data(d, &fo, &f, NULL, &err), CMETA_OK);
    return f;
}

/* a hand-made yi/vi data set (measure GEN or as given) */
typedef struct {
    cmeta_data d;
    char *lab[16];
    double yi[16], vi[16];
} mini;

static void mini_make(mini *m, cmeta_measure meas, size_t k, const char *const *labels,
                      const double *yi, const double *vi)
{
    memset(m, 0, sizeof *m);
    m->d.measure = meas;
    m->d.k = k;
    for (size_t i = 0; i < k; i++) {
        m->lab[i] = (char *)labels[i];
        m->yi[i] = yi[i];
        m->vi[i] = vi[i];
    }
    m->d.label = m->lab;
    m->d.yi = m->yi;
    m->d.vi = m->vi;
}

static cmeta_fit *fit_yv(const double *yi, const double *vi, size_t k, cmeta_method method)
{
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    fo.method = method;
    cmeta_fit *f = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_rma(yi, vi, k, NULL, 0, &fo, &f, NULL, &err), CMETA_OK);
    return f;
}

/* ---- forest ------------------------------------------------------------------------------ */

static void test_forest_bcg(void)
{
    cmeta_table *t = NULL;
    cmeta_data *d = load("tests/cli/data/bcg.csv", CMETA_RR, &t);
    cmeta_fit *f = fit_of(d, CMETA_METHOD_REML);
    for (int lay = 0; lay < 2; lay++)
        for (int real = 0; real < 2; real++) {
            cmeta_forest_opts o;
            cmeta_forest_opts_default(&o);
            o.layout = lay ? CMETA_FOREST_REVMAN5 : CMETA_FOREST_METAFOR;
            cmeta_plot p;
            cmeta_error err;
            CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, f, NULL, &o, real ? cmeta_text_measure_cairo : tu_fake_measure,
                                                      real ? g_tm : NULL, &p, &err),
                                  CMETA_OK);
            check_forest(&p, d, f, 1);
            /* metafor 3.8: exp(-0.7145 [-1.0669, -0.3622]); tau^2 0.3132, I^2 92.22%, Q 152.233 */
            const cmeta_prim *e = find(&p, CMETA_ROLE_EFFECT, -1);
            CU_ASSERT_PTR_NOT_NULL_FATAL(e);
            CU_ASSERT_STRING_EQUAL(e->text, "0.49 [0.34, 0.70]");
            if (lay == 0) {
                CU_ASSERT(tu_has_text(&p, "\u03c4\u00b2 = 0.31, I\u00b2 = 92.2%, Q = 152.23 (df = 12)"));
                CU_ASSERT(tu_has_text(&p, "Risk Ratio (log scale)"));
                CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_PRED, -1) >= 2, 1); /* prediction interval */
            } else {
                CU_ASSERT(tu_has_text(&p, "IV, Random (REML), 95% CI")); /* REML is not RevMan's */
                CU_ASSERT(!tu_has_text(&p, "IV, Random, 95% CI"));
                CU_ASSERT(tu_has_text(&p, "Chi\u00b2 = 152.23, df = 12 (P < 0.00001); I\u00b2 = 92%"));
                CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_PRED, -1), 0);
            }
            /* study 1 of BCG: 4/123 vs 11/139, RR 0.41 [0.13, 1.26], weight 5.1% */
            const cmeta_prim *s0 = find(&p, CMETA_ROLE_EFFECT, 0);
            CU_ASSERT_STRING_EQUAL(s0->text, "0.41 [0.13, 1.26]");
            CU_ASSERT(tu_has_text(&p, "123"));
            CU_ASSERT_STRING_EQUAL(find(&p, CMETA_ROLE_WEIGHT, 0)->text, "5.1%");
            /* favours: left of the null line is "treatment" */
            const cmeta_prim *fl = find(&p, CMETA_ROLE_FAVOURS, 0), *fr = find(&p, CMETA_ROLE_FAVOURS, 1);
            CU_ASSERT_PTR_NOT_NULL_FATAL(fl);
            CU_ASSERT_PTR_NOT_NULL_FATAL(fr);
            CU_ASSERT(fl->x < cmeta_plot_xpos(&p, 0) && fr->x > cmeta_plot_xpos(&p, 0));
            CU_ASSERT_STRING_EQUAL(fl->text, "Favours treatment");
            if (real) {
                char path[256];
                snprintf(path, sizeof path, "build/test_plot_bcg_%s.png", lay ? "revman5" : "metafor");
                CU_ASSERT_EQUAL(cmeta_plot_render(&p, path, &err), CMETA_OK);
            }
            cmeta_plot_free(&p);
        }
    /* Mantel-Haenszel, fixed: RevMan heading */
    cmeta_fit *mh = fit_of(d, CMETA_METHOD_MH);
    cmeta_forest_opts o;
    cmeta_forest_opts_default(&o);
    o.layout = CMETA_FOREST_REVMAN5;
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, mh, NULL, &o, tu_fake_measure, NULL, &p, NULL), CMETA_OK);
    CU_ASSERT(tu_has_text(&p, "M-H, Fixed, 95% CI"));
    CU_ASSERT(tu_has_text(&p, "Total events"));
    CU_ASSERT(!tu_has_text(&p, "Tau"));
    tu_check_no_overlap(&p);
    cmeta_plot_free(&p);
    cmeta_fit_free(mh);
    cmeta_fit_free(f);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

/* The RevMan layout's method heading names what was fitted; RevMan 5's own words only with
 * revman_exact (--preset revman5) over a fit RevMan 5 makes (FE, DL, MH, Peto; z test). */
static void test_forest_revman_headings(void)
{
    cmeta_table *t = NULL;
    cmeta_data *d = load("tests/cli/data/bcg.csv", CMETA_RR, &t);
    static const struct {
        cmeta_method method;
        int mh_random;
        cmeta_test test;
        const char *plain, *exact; /* heading with revman_exact 0 and 1 */
    } c[] = {
        {CMETA_METHOD_REML, 0, CMETA_TEST_Z, "IV, Random (REML), 95% CI", "IV, Random (REML), 95% CI"},
        {CMETA_METHOD_PM, 0, CMETA_TEST_Z, "IV, Random (PM), 95% CI", "IV, Random (PM), 95% CI"},
        {CMETA_METHOD_DL, 0, CMETA_TEST_Z, "IV, Random (DL), 95% CI", "IV, Random, 95% CI"},
        {CMETA_METHOD_DL, 0, CMETA_TEST_KNHA, "IV, Random (DL, Knapp-Hartung), 95% CI",
         "IV, Random (DL, Knapp-Hartung), 95% CI"},
        {CMETA_METHOD_REML, 0, CMETA_TEST_T, "IV, Random (REML, t), 95% CI", "IV, Random (REML, t), 95% CI"},
        {CMETA_METHOD_FE, 0, CMETA_TEST_Z, "IV, Fixed, 95% CI", "IV, Fixed, 95% CI"},
        {CMETA_METHOD_FE, 0, CMETA_TEST_T, "IV, Fixed (t), 95% CI", "IV, Fixed (t), 95% CI"},
        {CMETA_METHOD_MH, 0, CMETA_TEST_Z, "M-H, Fixed, 95% CI", "M-H, Fixed, 95% CI"},
        {CMETA_METHOD_MH, 1, CMETA_TEST_Z, "M-H, Random (DL), 95% CI", "M-H, Random, 95% CI"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        cmeta_fit_opts fo;
        cmeta_fit_opts_default(&fo);
        fo.method = c[i].method;
        fo.mh_random = c[i].mh_random;
        fo.test = c[i].test;
        cmeta_fit *f = NULL;
        CU_ASSERT_EQUAL_FATAL(cmeta_fit_data(d, &fo, &f, NULL, NULL), CMETA_OK);
        for (int exact = 0; exact < 2; exact++) {
            cmeta_forest_opts o;
            cmeta_forest_opts_default(&o);
            o.layout = CMETA_FOREST_REVMAN5;
            o.revman_exact = exact;
            o.random = c[i].mh_random || (c[i].method != CMETA_METHOD_FE && c[i].method != CMETA_METHOD_MH);
            cmeta_plot p;
            CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, f, NULL, &o, tu_fake_measure, NULL, &p, NULL), CMETA_OK);
            const char *want = exact ? c[i].exact : c[i].plain;
            if (!tu_has_text(&p, want)) {
                fprintf(stderr, "\n  case %zu exact %d: no heading '%s'\n", i, exact, want);
                CU_FAIL("RevMan method heading");
            }
            /* the unqualified heading appears only where RevMan would print it */
            int plain_shown = tu_has_text(&p, c[i].mh_random ? "M-H, Random, 95% CI" : "IV, Random, 95% CI");
            CU_ASSERT_EQUAL(plain_shown, strstr(want, "Random, 95%") != NULL);
            tu_check_no_overlap(&p);
            cmeta_plot_free(&p);
        }
        cmeta_fit_free(f);
    }
    cmeta_data_free(d);
    cmeta_table_free(t);
}

static void test_forest_normand(void)
{
    cmeta_table *t = NULL;
    cmeta_data *d = load("tests/cli/data/normand.csv", CMETA_MD, &t);
    cmeta_fit *f = fit_of(d, CMETA_METHOD_REML);
    cmeta_forest_opts o;
    cmeta_forest_opts_default(&o);
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, f, NULL, &o, cmeta_text_measure_cairo, g_tm, &p, NULL), CMETA_OK);
    check_forest(&p, d, f, 0);
    CU_ASSERT(tu_has_text(&p, "Mean"));
    CU_ASSERT(tu_has_text(&p, "SD"));
    CU_ASSERT(tu_has_text(&p, "Mean Difference [95% CI]"));
    /* the axis includes the null line */
    CU_ASSERT(p.lo <= 0 && p.hi >= 0);
    CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_REFLINE, -1) >= 1, 1);
    cmeta_error err;
    CU_ASSERT_EQUAL(cmeta_plot_render(&p, "build/test_plot_normand.png", &err), CMETA_OK);
    cmeta_plot_free(&p);
    cmeta_fit_free(f);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

static void test_forest_subgroups(void)
{
    cmeta_table *t = NULL;
    cmeta_data *d = load("tests/cli/data/bcg.csv", CMETA_OR, &t);
    long col = cmeta_table_find_raw(t, "alloc");
    CU_ASSERT_FATAL(col >= 0);
    size_t grp[32], ng = 0;
    const char *lev[8];
    for (size_t i = 0; i < d->k; i++) {
        const char *c = cmeta_table_cell(t, d->row[i], (size_t)col);
        size_t j = 0;
        while (j < ng && strcmp(lev[j], c)) j++;
        if (j == ng) lev[ng++] = c;
        grp[i] = j;
    }
    cmeta_studies s;
    cmeta_studies_from_data(d, NULL, &s);
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    cmeta_subgroups *g = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_subgroup(&s, grp, ng, 0, &fo, &g, NULL, NULL), CMETA_OK);
    cmeta_forest_group groups[8];
    size_t idx[32], m = 0;
    for (size_t j = 0; j < ng; j++) {
        groups[j].name = lev[j];
        groups[j].idx = idx + m;
        groups[j].fit = g->fits[j];
        for (size_t i = 0; i < d->k; i++)
            if (grp[i] == j) idx[m++] = i;
        groups[j].n = (size_t)(idx + m - groups[j].idx);
    }
    cmeta_forest_subgroups sub = {ng, groups, g->Q_between, g->Q_between_df, g->Q_between_pval};
    for (int lay = 0; lay < 2; lay++) {
        cmeta_forest_opts o;
        cmeta_forest_opts_default(&o);
        o.layout = lay ? CMETA_FOREST_REVMAN5 : CMETA_FOREST_METAFOR;
        cmeta_plot p;
        CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, g->overall, &sub, &o, cmeta_text_measure_cairo, g_tm, &p, NULL),
                              CMETA_OK);
        check_forest(&p, d, g->overall, 1);
        for (size_t j = 0; j < ng; j++) {
            CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_GROUP, (long)j), 1);
            const cmeta_prim *dm = find(&p, CMETA_ROLE_DIAMOND, (long)j);
            CU_ASSERT_PTR_NOT_NULL_FATAL(dm);
            TU_ASSERT_CLOSE(dm->px[1], cmeta_plot_xpos(&p, g->fits[j]->beta[0]), 1e-12, 1e-9, "subgroup diamond");
            /* the subgroup block lies between its heading and the next one */
            const cmeta_prim *h = find(&p, CMETA_ROLE_GROUP, (long)j);
            for (size_t q = 0; q < groups[j].n; q++) {
                const cmeta_prim *l = find(&p, CMETA_ROLE_LABEL, (long)groups[j].idx[q]);
                CU_ASSERT(l->y > h->y && l->y < dm->py[0]);
            }
        }
        CU_ASSERT(tu_has_text(&p, "Test for subgroup differences"));
        if (lay == 0) {
            cmeta_error err;
            CU_ASSERT_EQUAL(cmeta_plot_render(&p, "build/test_plot_subgroups.png", &err), CMETA_OK);
        }
        cmeta_plot_free(&p);
    }
    cmeta_subgroups_free(g);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

/* long and UTF-8 labels are kept whole and widen their column; wide CIs are cut with arrows */
static void test_forest_labels_and_arrows(void)
{
    char longlab[400];
    memset(longlab, 'W', 300);
    longlab[300] = '\0';
    const char *labels[5] = {longlab, "M\u00fcller \u0141\u00f3d\u017a \u6771\u4eac \u2013 \u03b1\u03b2\u03b3",
                             "A", "B", "C"};
    double yi[5] = {0.2, -0.1, 0.4, 0.1, 3.0}, vi[5] = {0.01, 0.02, 0.015, 0.012, 9.0};
    mini m;
    mini_make(&m, CMETA_GEN, 5, labels, yi, vi);
    cmeta_fit *f = fit_yv(yi, vi, 5, CMETA_METHOD_DL);
    for (int real = 0; real < 2; real++) {
        cmeta_forest_opts o;
        cmeta_forest_opts_default(&o);
        cmeta_plot p;
        CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(&m.d, f, NULL, &o, real ? cmeta_text_measure_cairo : tu_fake_measure,
                                                  real ? g_tm : NULL, &p, NULL),
                              CMETA_OK);
        check_forest(&p, &m.d, f, 0);
        /* the long label is whole, ends left of the plot */
        const cmeta_prim *l0 = find(&p, CMETA_ROLE_LABEL, 0);
        double b[4];
        cmeta_prim_text_box(l0, b);
        CU_ASSERT(b[2] < p.ax0);
        CU_ASSERT_EQUAL(strlen(l0->text), 300);
        /* study 5's CI (3 +- 5.9) is far wider than the rest: cut, with arrow heads */
        CU_ASSERT(count(&p, CMETA_ROLE_CI_ARROW, 4) >= 1);
        /* GEN: no favours labels by default */
        CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_FAVOURS, 0), 0);
        if (real) {
            cmeta_error err;
            CU_ASSERT_EQUAL(cmeta_plot_render(&p, "build/test_plot_labels.svg", &err), CMETA_OK);
        }
        cmeta_plot_free(&p);
    }
    cmeta_fit_free(f);
}

static void test_forest_k1(void)
{
    const char *labels[1] = {"Only study"};
    double yi[1] = {-0.3}, vi[1] = {0.04};
    mini m;
    mini_make(&m, CMETA_OR, 1, labels, yi, vi);
    cmeta_fit *f = fit_yv(yi, vi, 1, CMETA_METHOD_FE);
    cmeta_forest_opts o;
    cmeta_forest_opts_default(&o);
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(&m.d, f, NULL, &o, cmeta_text_measure_cairo, g_tm, &p, NULL), CMETA_OK);
    check_forest(&p, &m.d, f, 1);
    CU_ASSERT(tu_has_text(&p, "not applicable"));
    CU_ASSERT(tu_has_text(&p, "FE Model"));
    CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_PRED, -1), 0);
    cmeta_plot_free(&p);
    /* errors */
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL(cmeta_forest_layout(&m.d, NULL, NULL, &o, tu_fake_measure, NULL, &p, &err), CMETA_EUSAGE);
    m.d.k = 0;
    CU_ASSERT_EQUAL(cmeta_forest_layout(&m.d, f, NULL, &o, tu_fake_measure, NULL, &p, &err), CMETA_EDATA);
    cmeta_fit_free(f);
}

/* ticks */
static void test_ticks_in_plots(void)
{
    /* narrow and wide ratio ranges give round back-transformed ticks (checked in check_forest) */
    double spans[][2] = {{0.9, 1.15}, {0.5, 1.6}, {0.2, 3}, {0.02, 40}};
    for (size_t s = 0; s < 4; s++) {
        const char *labels[3] = {"a", "b", "c"};
        double yi[3] = {log(spans[s][0]) + 0.05, 0, log(spans[s][1]) - 0.05};
        double vi[3] = {0.0001, 0.0001, 0.0001};
        mini m;
        mini_make(&m, CMETA_RR, 3, labels, yi, vi);
        cmeta_fit *f = fit_yv(yi, vi, 3, CMETA_METHOD_FE);
        cmeta_plot p;
        CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(&m.d, f, NULL, NULL, tu_fake_measure, NULL, &p, NULL), CMETA_OK);
        check_forest(&p, &m.d, f, 1);
        CU_ASSERT(exp(p.lo) <= spans[s][0] + 1e-12 && exp(p.hi) >= spans[s][1] - 1e-12);
        cmeta_plot_free(&p);
        cmeta_fit_free(f);
    }
}

/* ---- back-transformed scales (PLO, PAS, PFT, ZCOR) ---------------------------------------- */

/* Ticks of a back-transformed axis: each label is the back-transformation of its position
 * (to 1e-9), round (a multiple of 0.01 or a 1-2-5 tail value 10^-e), increasing, inside
 * the scale's range; they include a tick at or beyond each end of the data when one exists. */
static void check_transf_ticks(const cmeta_plot *p, cmeta_transform_kind tk)
{
    CU_ASSERT_EQUAL(p->transf, tk);
    CU_ASSERT_EQUAL(p->log_scale, 0);
    double lo = tk == CMETA_TRANS_TANH ? -1 : 0;
    size_t n = 0;
    double prev = -INFINITY;
    for (size_t j = 0; j < p->n; j++) {
        const cmeta_prim *q = &p->prim[j];
        if (q->role != CMETA_ROLE_TICKLABEL || q->index < 0) continue; /* not funnel SE ticks */
        n++;
        double v = strtod(q->text, NULL);
        TU_ASSERT_CLOSE(v, cmeta_back_transform(tk, q->value, p->transf_n), 1e-9, 1e-12, "transformed tick label");
        CU_ASSERT(v >= lo && v <= 1);
        CU_ASSERT(v > prev);
        prev = v;
        /* round: at most 2 decimals, or 1-2-5 x 10^-e (from either end) */
        double dd = fmin(v - lo, 1 - v) * 1e6;
        int round2 = fabs(v * 100 - round(v * 100)) < 1e-6;
        int tail = 0;
        for (int e = 0; e <= 6 && !tail; e++) {
            double m = dd / pow(10, e);
            tail = fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6;
        }
        CU_ASSERT(round2 || tail);
        if (!(round2 || tail)) fprintf(stderr, "  tick label '%s' not round\n", q->text);
        /* the text is the shortest notation */
        char buf[32];
        snprintf(buf, sizeof buf, "%.6f", v);
        for (char *e = buf + strlen(buf) - 1; *e == '0'; e--) *e = 0;
        if (buf[strlen(buf) - 1] == '.') buf[strlen(buf) - 1] = 0;
        CU_ASSERT_STRING_EQUAL(q->text, buf);
    }
    CU_ASSERT(n >= 3);
}

/* One metafor case of tests/reference/plot/transf.csv: the forest plot's texts are the
 * back-transformed estimates and limits printed with 2 decimals, as metafor 3.8
 * forest(rma(...), transf=...) prints them. */
static void transf_case(const tu_fixture *fx, const char *name, cmeta_measure m, cmeta_transform_kind tk)
{
    cmeta_table *t = NULL;
    const char *file = NULL;
    for (size_t r = 0; r < fx->nrows && !file; r++)
        if (strcmp(tu_str(fx, r, "case"), name) == 0) file = tu_str(fx, r, "file");
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    cmeta_data *d = load(file, m, &t);
    cmeta_fit *f = fit_of(d, CMETA_METHOD_REML);
    for (int lay = 0; lay < 2; lay++)
        for (int real = 0; real < 2; real++) {
            cmeta_forest_opts o;
            cmeta_forest_opts_default(&o);
            o.layout = lay ? CMETA_FOREST_REVMAN5 : CMETA_FOREST_METAFOR;
            cmeta_plot p;
            cmeta_error err;
            CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, f, NULL, &o, real ? cmeta_text_measure_cairo : tu_fake_measure,
                                                      real ? g_tm : NULL, &p, &err),
                                  CMETA_OK);
            check_forest(&p, d, f, 0);
            check_transf_ticks(&p, tk);
            size_t seen = 0;
            for (size_t r = 0; r < fx->nrows; r++) {
                if (strcmp(tu_str(fx, r, "case"), name) != 0) continue;
                long row = (long)tu_num(fx, r, "row");
                double v[3] = {tu_num(fx, r, "est"), tu_num(fx, r, "lb"), tu_num(fx, r, "ub")};
                char want[128], num[3][32];
                for (int j = 0; j < 3; j++) {
                    snprintf(num[j], sizeof num[j], "%.2f", v[j]);
                    /* cmeta never prints "-0.00" (metafor does: molloy study 1 lower limit) */
                    if (strcmp(num[j], "-0.00") == 0) snprintf(num[j], sizeof num[j], "0.00");
                }
                snprintf(want, sizeof want, "%s [%s, %s]", num[0], num[1], num[2]);
                const cmeta_prim *e = find(&p, CMETA_ROLE_EFFECT, row);
                CU_ASSERT_PTR_NOT_NULL_FATAL(e);
                CU_ASSERT_STRING_EQUAL(e->text, want);
                if (strcmp(e->text, want) != 0) fprintf(stderr, "  %s row %ld: '%s', metafor '%s'\n", name, row, e->text, want);
                /* the numbers themselves (before rounding) */
                double est = row < 0 ? f->beta[0] : d->yi[row];
                double lb = row < 0 ? f->ci_lb[0] : d->yi[row] - 1.959963984540054 * sqrt(d->vi[row]);
                double ub = row < 0 ? f->ci_ub[0] : d->yi[row] + 1.959963984540054 * sqrt(d->vi[row]);
                TU_ASSERT_CLOSE(cmeta_plot_shown(&p, est), v[0], 1e-6, 1e-12, "back-transformed estimate");
                TU_ASSERT_CLOSE(cmeta_plot_shown(&p, lb), v[1], 1e-6, 1e-12, "back-transformed lower limit");
                TU_ASSERT_CLOSE(cmeta_plot_shown(&p, ub), v[2], 1e-6, 1e-12, "back-transformed upper limit");
                seen++;
            }
            CU_ASSERT_EQUAL(seen, d->k + 1);
            const char *nm = tk == CMETA_TRANS_TANH ? "Correlation" : "Proportion";
            char h[64];
            snprintf(h, sizeof h, "%s [95%% CI]", nm);
            if (!lay) {
                CU_ASSERT(tu_has_text(&p, h));
                const cmeta_prim *at = find(&p, CMETA_ROLE_AXISTITLE, -1);
                CU_ASSERT_PTR_NOT_NULL_FATAL(at);
                CU_ASSERT_STRING_EQUAL(at->text, nm);
            } else {
                CU_ASSERT(tu_has_text(&p, nm));
            }
            /* favours labels only for two-group comparisons */
            CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_FAVOURS, 0) + count(&p, CMETA_ROLE_FAVOURS, 1), 0);
            /* proportions: Events | Total columns from xi, ni */
            if (tk != CMETA_TRANS_TANH) {
                CU_ASSERT(tu_has_text(&p, "Events"));
                char xs[32];
                snprintf(xs, sizeof xs, "%g", d->xi[0]);
                const cmeta_prim *dt = find(&p, CMETA_ROLE_DATA, 0);
                CU_ASSERT_PTR_NOT_NULL_FATAL(dt);
                CU_ASSERT_STRING_EQUAL(dt->text, xs);
            }
            cmeta_plot_free(&p);
        }
    /* the funnel plot's x axis is labelled the same way */
    cmeta_plot fp;
    CU_ASSERT_EQUAL_FATAL(cmeta_funnel_layout(d, f, NULL, NULL, tu_fake_measure, NULL, &fp, NULL), CMETA_OK);
    tu_check_no_overlap(&fp);
    check_transf_ticks(&fp, tk);
    CU_ASSERT(tu_has_text(&fp, tk == CMETA_TRANS_TANH ? "Correlation" : "Proportion"));
    cmeta_plot_free(&fp);
    cmeta_fit_free(f);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

static void test_forest_transformed(void)
{
    tu_fixture *fx = tu_fixture_load("tests/reference/plot/transf.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx);
    transf_case(fx, "lupus_PLO", CMETA_PLO, CMETA_TRANS_ILOGIT);
    transf_case(fx, "pritz_PLO", CMETA_PLO, CMETA_TRANS_ILOGIT);
    transf_case(fx, "pritz_PAS", CMETA_PAS, CMETA_TRANS_IARCSIN);
    transf_case(fx, "pritz_PFT", CMETA_PFT, CMETA_TRANS_IFT);
    transf_case(fx, "molloy_ZCOR", CMETA_ZCOR, CMETA_TRANS_TANH);
    tu_fixture_free(fx);
}

/* Ticks of logit and atanh scales over narrow, wide and extreme ranges. */
static void test_transformed_ticks(void)
{
    const double spans[][2] = {{0.45, 0.55}, {0.3, 0.7}, {0.05, 0.95}, {0.003, 0.999}, {0.6, 0.99}, {0.001, 0.02}};
    for (int sc = 0; sc < 2; sc++)
        for (size_t s = 0; s < 6; s++) {
            cmeta_transform_kind tk = sc ? CMETA_TRANS_TANH : CMETA_TRANS_ILOGIT;
            double a = spans[s][0], b = spans[s][1];
            if (sc) a = 2 * a - 1, b = 2 * b - 1;
            const char *labels[3] = {"a", "b", "c"};
            double yi[3], vi[3] = {1e-6, 1e-6, 1e-6};
            yi[0] = sc ? atanh(a) : log(a / (1 - a));
            yi[2] = sc ? atanh(b) : log(b / (1 - b));
            yi[1] = 0.5 * (yi[0] + yi[2]);
            mini m;
            mini_make(&m, sc ? CMETA_ZCOR : CMETA_PLO, 3, labels, yi, vi);
            cmeta_fit *f = fit_yv(yi, vi, 3, CMETA_METHOD_FE);
            cmeta_plot p;
            CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(&m.d, f, NULL, NULL, tu_fake_measure, NULL, &p, NULL), CMETA_OK);
            check_forest(&p, &m.d, f, 0);
            check_transf_ticks(&p, tk);
            /* the axis covers the data; the outermost labelled ticks are near its ends */
            CU_ASSERT(p.lo <= yi[0] && p.hi >= yi[2]);
            cmeta_plot_free(&p);
            cmeta_fit_free(f);
        }
}

/* ---- funnel ------------------------------------------------------------------------------ */

static void test_funnel(void)
{
    cmeta_table *t = NULL;
    cmeta_data *d = load("tests/cli/data/bcg.csv", CMETA_RR, &t);
    cmeta_fit *f = fit_of(d, CMETA_METHOD_REML);
    double fy[2] = {-1.5, -1.2}, fv[2] = {0.2, 0.1};
    for (int c = 0; c < 2; c++) {
        cmeta_funnel_opts o;
        cmeta_funnel_opts_default(&o);
        o.contours = c;
        cmeta_funnel_fill fill = {2, fy, fv, -0.9};
        cmeta_plot p;
        CU_ASSERT_EQUAL_FATAL(cmeta_funnel_layout(d, f, c ? &fill : NULL, &o, cmeta_text_measure_cairo, g_tm, &p, NULL),
                              CMETA_OK);
        tu_check_no_overlap(&p);
        double semax = 0;
        for (size_t i = 0; i < d->k; i++) {
            CU_ASSERT_EQUAL(count(&p, CMETA_ROLE_POINT, (long)i), 1);
            const cmeta_prim *q = find(&p, CMETA_ROLE_POINT, (long)i);
            TU_ASSERT_CLOSE(q->x, cmeta_plot_xpos(&p, d->yi[i]), 1e-12, 1e-9, "point x");
            TU_ASSERT_CLOSE(q->y, p.ay0 + sqrt(d->vi[i]) / p.se_max * (p.ay1 - p.ay0), 1e-12, 1e-9, "point y");
            CU_ASSERT(q->fill == 0);
            semax = fmax(semax, sqrt(d->vi[i]));
        }
        CU_ASSERT(p.se_max >= semax);
        CU_ASSERT(p.ay1 > p.ay0); /* standard error grows downwards: 0 at the top */
        const cmeta_prim *el = find(&p, CMETA_ROLE_ESTLINE, -1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(el);
        TU_ASSERT_CLOSE(el->x, cmeta_plot_xpos(&p, c ? -0.9 : f->beta[0]), 1e-12, 1e-9, "summary line");
        if (c) {
            for (long i = 0; i < 2; i++) {
                const cmeta_prim *q = find(&p, CMETA_ROLE_FILLED, i);
                CU_ASSERT_PTR_NOT_NULL_FATAL(q);
                CU_ASSERT(q->fill == 1 && q->stroke == 0); /* open circle */
            }
            CU_ASSERT(tu_has_text(&p, "0.01 < p \u2264 0.05"));
            CU_ASSERT(tu_has_text(&p, "Filled studies"));
            /* Peters 2008 shading: white where p > .10, darker the smaller p */
            double shade[3] = {-1, -1, -1};
            for (size_t j = 0; j < p.n; j++)
                if (p.prim[j].role == CMETA_ROLE_REGION && p.prim[j].kind == CMETA_PRIM_POLYGON)
                    shade[p.prim[j].value < 1.7 ? 0 : p.prim[j].value < 2 ? 1 : 2] = p.prim[j].fill;
            CU_ASSERT(shade[0] == 1 && shade[1] < shade[0] && shade[2] < shade[1] && shade[2] >= 0);
            /* the regions lie inside the plotting area */
            for (size_t j = 0; j < p.n; j++)
                if (p.prim[j].role == CMETA_ROLE_REGION && p.prim[j].kind == CMETA_PRIM_POLYGON)
                    for (size_t v = 0; v < p.prim[j].np; v++)
                        CU_ASSERT(p.prim[j].px[v] >= p.ax0 - 1e-9 && p.prim[j].px[v] <= p.ax1 + 1e-9);
        } else {
            /* pseudo 95% region apex at the estimate, se = 0 */
            const cmeta_prim *r = NULL;
            for (size_t j = 0; j < p.n && !r; j++)
                if (p.prim[j].role == CMETA_ROLE_REGION && p.prim[j].kind == CMETA_PRIM_POLYGON) r = &p.prim[j];
            CU_ASSERT_PTR_NOT_NULL_FATAL(r);
            int apex = 0;
            for (size_t v = 0; v < r->np; v++)
                if (fabs(r->px[v] - cmeta_plot_xpos(&p, f->beta[0])) < 1e-9 && fabs(r->py[v] - p.ay0) < 1e-9) apex = 1;
            CU_ASSERT(apex);
        }
        cmeta_error err;
        CU_ASSERT_EQUAL(cmeta_plot_render(&p, c ? "build/test_plot_funnel_contours.png" : "build/test_plot_funnel.png",
                                          &err),
                        CMETA_OK);
        cmeta_plot_free(&p);
    }
    cmeta_fit_free(f);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

/* ---- rendering --------------------------------------------------------------------------- */



static void test_render_formats(void)
{
    const char *labels[3] = {"Alpha", "Beta \u00e9t\u00e9", "Gamma"};
    double yi[3] = {0.1, 0.5, -0.2}, vi[3] = {0.05, 0.08, 0.04};
    mini m;
    mini_make(&m, CMETA_SMD, 3, labels, yi, vi);
    cmeta_fit *f = fit_yv(yi, vi, 3, CMETA_METHOD_REML);
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(&m.d, f, NULL, NULL, cmeta_text_measure_cairo, g_tm, &p, NULL), CMETA_OK);
    cmeta_error err;
    size_t n;
    /* SVG */
    CU_ASSERT_EQUAL_FATAL(cmeta_plot_render(&p, "build/test_plot.svg", &err), CMETA_OK);
    unsigned char *b = tu_slurp("build/test_plot.svg", &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT(!strncmp((char *)b, "<?xml", 5));
    while (n && (b[n - 1] == '\n' || b[n - 1] == ' ')) b[--n] = 0;
    CU_ASSERT(n > 6 && !strcmp((char *)b + n - 6, "</svg>"));
    CU_ASSERT(tu_svg_well_formed((char *)b));
    free(b);
    /* PNG: signature, IHDR at the default 300 dpi (300 / 72 pixels per point) */
    CU_ASSERT_EQUAL_FATAL(cmeta_plot_render(&p, "build/test_plot.PNG", &err), CMETA_OK);
    b = tu_slurp("build/test_plot.PNG", &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT(n > 33 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8) && !memcmp(b + 12, "IHDR", 4));
    unsigned long w = (unsigned long)b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19];
    unsigned long h = (unsigned long)b[20] << 24 | b[21] << 16 | b[22] << 8 | b[23];
    CU_ASSERT_EQUAL(w, (unsigned long)ceil(p.width * 300 / 72 - 1e-6));
    CU_ASSERT_EQUAL(h, (unsigned long)ceil(p.height * 300 / 72 - 1e-6));
    free(b);
    /* PDF */
    CU_ASSERT_EQUAL_FATAL(cmeta_plot_render(&p, "build/test_plot.pdf", &err), CMETA_OK);
    b = tu_slurp("build/test_plot.pdf", &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT(!memcmp(b, "%PDF-", 5));
    CU_ASSERT(n > 6 && strstr((char *)b + n - 8, "%%EOF") != NULL);
    free(b);
    /* formats by extension */
    cmeta_plot_format fmt;
    CU_ASSERT_EQUAL(cmeta_plot_format_from_path("a/b.Svg", &fmt, NULL), CMETA_OK);
    CU_ASSERT_EQUAL(fmt, CMETA_PLOT_SVG);
    CU_ASSERT_EQUAL(cmeta_plot_format_from_path("x.jpg", &fmt, &err), CMETA_EUSAGE);
    CU_ASSERT_EQUAL(cmeta_plot_format_from_path("dir.png/x", &fmt, &err), CMETA_EUSAGE);
    CU_ASSERT_EQUAL(cmeta_plot_render(&p, "build/x.gif", &err), CMETA_EUSAGE);
    CU_ASSERT_EQUAL(cmeta_plot_render(&p, "build/no/such/dir/x.svg", &err), CMETA_EIO);
    cmeta_plot_free(&p);
    cmeta_fit_free(f);
}

int main(void)
{
    gsl_set_error_handler_off();
    mkdir("build", 0777);
    if (cmeta_text_measurer_new(&g_tm) != CMETA_OK) return 1;
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("plot", NULL, NULL);
    CU_add_test(s, "forest BCG (RR): metafor and revman5 layouts", test_forest_bcg);
    CU_add_test(s, "forest RevMan headings name the method fitted", test_forest_revman_headings);
    CU_add_test(s, "forest Normand (MD) with data columns", test_forest_normand);
    CU_add_test(s, "forest subgroups", test_forest_subgroups);
    CU_add_test(s, "forest long/UTF-8 labels, clipped CIs", test_forest_labels_and_arrows);
    CU_add_test(s, "forest k = 1 and errors", test_forest_k1);
    CU_add_test(s, "log-scale ticks", test_ticks_in_plots);
    CU_add_test(s, "back-transformed forest/funnel (PLO, PAS, PFT, ZCOR) vs metafor", test_forest_transformed);
    CU_add_test(s, "logit and atanh ticks", test_transformed_ticks);
    CU_add_test(s, "funnel, contours, filled studies", test_funnel);
    CU_add_test(s, "render SVG/PNG/PDF", test_render_formats);
    int rc = tu_run();
    cmeta_text_measurer_free(g_tm);
    cmeta_plot_cleanup_at_exit();
    return rc;
}
