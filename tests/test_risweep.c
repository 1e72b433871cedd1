/* test_risweep.c - the unknown pre-post correlation (cmeta/risweep.h, issue 16 item 5):
 * sweep rows, tipping-point roots and the range over the corners of per-study ri intervals
 * against R metafor 3.8 (escalc + rma at each correlation; tests/reference/risweep/make.R) on
 * Morris 2008 with some ri removed; SMCR by either SD, SMCRH, SMCC, MC; FE, DL, PM, REML;
 * z, t and Knapp-Hartung (the box's unbatched path). Tolerances: 1e-8 relative for FE/DL
 * (closed forms), 1e-6 for the iterative estimators; roots within 1e-6 in ri (bisection to a
 * width of 1e-9 against uniroot at 1e-12). Also: the 2 + 2m corners searched beyond m = 20,
 * a grid point making a variance 0, bracketing of sign changes without bisection. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

#define REF "tests/reference/risweep/"

typedef struct {
    tu_fixture *in;
    double *m1i, *sd1i, *m2i, *sd2i, *ni, *ri, *lb, *ub;
    size_t k;
} morris;

static int load(morris *m)
{
    memset(m, 0, sizeof *m);
    m->in = tu_fixture_load(REF "morris_partial.csv");
    if (!m->in) return -1;
    m->k = m->in->nrows;
    m->m1i = tu_column(m->in, "m1i"), m->sd1i = tu_column(m->in, "sd1i");
    m->m2i = tu_column(m->in, "m2i"), m->sd2i = tu_column(m->in, "sd2i");
    m->ni = tu_column(m->in, "ni"), m->ri = tu_column(m->in, "ri");
    m->lb = tu_column(m->in, "ri_lb"), m->ub = tu_column(m->in, "ri_ub");
    return m->m1i && m->sd1i && m->m2i && m->sd2i && m->ni && m->ri && m->lb && m->ub ? 0 : -1;
}

static void unload(morris *m)
{
    free(m->m1i), free(m->sd1i), free(m->m2i), free(m->sd2i), free(m->ni), free(m->ri), free(m->lb), free(m->ub);
    tu_fixture_free(m->in);
}

/* the studies and fit options of a fixture row's configuration (measure, sd, method, test) */
static int config(const morris *m, const tu_fixture *f, size_t row, cmeta_ri_studies *s, cmeta_fit_opts *fo,
                  double *rtol)
{
    cmeta_measure meas;
    memset(s, 0, sizeof *s);
    cmeta_fit_opts_default(fo);
    if (cmeta_measure_from_name(tu_str(f, row, "measure"), &meas) != CMETA_OK ||
        cmeta_method_from_name(tu_str(f, row, "method"), &fo->method) != CMETA_OK ||
        cmeta_test_from_name(tu_str(f, row, "test"), &fo->test) != CMETA_OK)
        return -1;
    int base = strcmp(tu_str(f, row, "sd"), "baseline") == 0;
    s->measure = meas;
    s->k = m->k;
    s->m1i = m->m1i, s->m2i = m->m2i, s->ni = m->ni, s->ri = m->ri;
    s->sd1i = base ? m->sd2i : m->sd1i;
    s->sd2i = base ? m->sd1i : m->sd2i;
    fo->tol = 1e-12;
    *rtol = fo->method == CMETA_METHOD_FE || fo->method == CMETA_METHOD_DL ? 1e-8 : 1e-6;
    return 0;
}

static int same_config(const tu_fixture *f, size_t a, size_t b)
{
    static const char *const keys[] = {"measure", "sd", "method", "test"};
    for (int i = 0; i < 4; i++)
        if (strcmp(tu_str(f, a, keys[i]), tu_str(f, b, keys[i]))) return 0;
    return 1;
}

static void test_sweep_vs_metafor(void)
{
    morris m;
    tu_fixture *f = tu_fixture_load(REF "sweep.csv");
    CU_ASSERT_FATAL(load(&m) == 0 && f != NULL);
    size_t checked = 0;
    for (size_t r0 = 0; r0 < f->nrows;) {
        size_t r1 = r0;
        while (r1 < f->nrows && same_config(f, r0, r1)) r1++;
        size_t n = r1 - r0;
        cmeta_ri_studies s;
        cmeta_fit_opts fo;
        double rtol, *grid = malloc(n * sizeof *grid);
        cmeta_ri_point *p = malloc(n * sizeof *p);
        CU_ASSERT_FATAL(grid && p && config(&m, f, r0, &s, &fo, &rtol) == 0);
        for (size_t i = 0; i < n; i++) grid[i] = tu_num(f, r0 + i, "ri");
        cmeta_error err;
        cmeta_error_clear(&err);
        CU_ASSERT_EQUAL_FATAL(cmeta_ri_sweep(&s, grid, n, &fo, p, &err), CMETA_OK);
        for (size_t i = 0; i < n; i++) {
            size_t r = r0 + i;
            char what[96];
            snprintf(what, sizeof what, "%s %s %s %s ri=%g", tu_str(f, r, "measure"), tu_str(f, r, "sd"),
                     tu_str(f, r, "method"), tu_str(f, r, "test"), grid[i]);
            TU_ASSERT_CLOSE(p[i].estimate, tu_num(f, r, "estimate"), rtol, 1e-12, what);
            TU_ASSERT_CLOSE(p[i].se, tu_num(f, r, "se"), rtol, 1e-12, what);
            TU_ASSERT_CLOSE(p[i].ci_lb, tu_num(f, r, "ci_lb"), rtol, 1e-12, what);
            TU_ASSERT_CLOSE(p[i].ci_ub, tu_num(f, r, "ci_ub"), rtol, 1e-12, what);
            TU_ASSERT_CLOSE(p[i].pval, tu_num(f, r, "pval"), rtol, 1e-14, what);
            TU_ASSERT_CLOSE(p[i].tau2, tu_num(f, r, "tau2"), rtol, 1e-10, what);
            TU_ASSERT_CLOSE(p[i].I2, tu_num(f, r, "I2"), rtol, 1e-8, what);
            checked++;
        }
        free(grid), free(p);
        r0 = r1;
    }
    CU_ASSERT_EQUAL(checked, 105);
    tu_fixture_free(f);
    unload(&m);
}

/* Mixed designs (cmeta_ri_studies.measures): a study marked two-group keeps the yi/vi given
 * (here those of SMCR at its own ri, so the sweep must equal the plain SMCR sweep), the pre/post
 * studies are computed by their own measure; all SMCR with measures set = the plain sweep. */
static void test_sweep_mixed(void)
{
    morris m;
    CU_ASSERT_FATAL(load(&m) == 0);
    size_t k = m.k;
    double grid[] = {-0.5, 0, 0.45, 0.9};
    cmeta_ri_point plain[4], mix[4];
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    fo.tol = 1e-12;
    cmeta_ri_studies s;
    memset(&s, 0, sizeof s);
    s.measure = CMETA_SMCR, s.k = k, s.m1i = m.m1i, s.sd1i = m.sd1i, s.m2i = m.m2i, s.sd2i = m.sd2i;
    s.ni = m.ni, s.ri = m.ri;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_ri_sweep(&s, grid, 4, &fo, plain, &err), CMETA_OK);
    /* the studies with their own ri: their SMCR yi/vi, then marked SMD */
    double *yi = malloc(k * sizeof *yi), *vi = malloc(k * sizeof *vi);
    cmeta_measure *ms = malloc(k * sizeof *ms);
    CU_ASSERT_FATAL(yi && vi && ms);
    cmeta_escalc_input in;
    memset(&in, 0, sizeof in);
    in.k = k, in.m1i = m.m1i, in.sd1i = m.sd1i, in.m2i = m.m2i, in.sd2i = m.sd2i, in.ni = m.ni, in.ri = m.ri;
    CU_ASSERT_EQUAL_FATAL(cmeta_escalc(CMETA_SMCR, &in, NULL, yi, vi, NULL, &err), CMETA_OK);
    size_t fixed = 0;
    for (size_t i = 0; i < k; i++) {
        ms[i] = CMETA_SMCR;
        if (!isnan(m.ri[i]) && fixed < 3) ms[i] = CMETA_SMD, fixed++;
    }
    CU_ASSERT_EQUAL(fixed, 3);
    s.measures = ms, s.yi = yi, s.vi = vi;
    CU_ASSERT_EQUAL_FATAL(cmeta_ri_sweep(&s, grid, 4, &fo, mix, &err), CMETA_OK);
    for (int g = 0; g < 4; g++) {
        TU_ASSERT_CLOSE(mix[g].estimate, plain[g].estimate, 1e-8, 1e-12, "mixed sweep estimate");
        TU_ASSERT_CLOSE(mix[g].se, plain[g].se, 1e-8, 1e-12, "mixed sweep se");
        TU_ASSERT_CLOSE(mix[g].tau2, plain[g].tau2, 1e-6, 1e-10, "mixed sweep tau2");
    }
    /* one scale only; yi/vi needed */
    ms[0] = CMETA_MD;
    CU_ASSERT_EQUAL(cmeta_ri_sweep(&s, grid, 4, &fo, mix, &err), CMETA_EUSAGE);
    ms[0] = CMETA_SMCR;
    s.yi = NULL;
    CU_ASSERT_EQUAL(cmeta_ri_sweep(&s, grid, 4, &fo, mix, &err), CMETA_EUSAGE);
    free(yi), free(vi), free(ms);
    unload(&m);
}

static void test_tipping_vs_metafor(void)
{
    morris m;
    tu_fixture *sw = tu_fixture_load(REF "sweep.csv"), *tp = tu_fixture_load(REF "tips.csv");
    CU_ASSERT_FATAL(load(&m) == 0 && sw && tp);
    size_t found = 0;
    for (size_t r0 = 0; r0 < sw->nrows;) {
        size_t r1 = r0;
        while (r1 < sw->nrows && same_config(sw, r0, r1)) r1++;
        size_t n = r1 - r0, ntips = 0;
        cmeta_ri_studies s;
        cmeta_fit_opts fo;
        double rtol, grid[64];
        cmeta_ri_point p[64];
        cmeta_ri_tip *tips = NULL;
        CU_ASSERT_FATAL(n <= 64 && config(&m, sw, r0, &s, &fo, &rtol) == 0);
        for (size_t i = 0; i < n; i++) grid[i] = tu_num(sw, r0 + i, "ri");
        cmeta_error err;
        cmeta_error_clear(&err);
        CU_ASSERT_EQUAL_FATAL(cmeta_ri_sweep(&s, grid, n, &fo, p, &err), CMETA_OK);
        CU_ASSERT_EQUAL_FATAL(cmeta_ri_tipping(&s, p, n, &fo, 1e-9, &tips, &ntips, &err), CMETA_OK);
        /* R's tipping points of this configuration, in order */
        size_t j = 0;
        for (size_t r = 0; r < tp->nrows; r++) {
            int same = 1;
            static const char *const keys[] = {"measure", "sd", "method", "test"};
            for (int q = 0; q < 4; q++) same &= !strcmp(tu_str(tp, r, keys[q]), tu_str(sw, r0, keys[q]));
            if (!same) continue;
            CU_ASSERT_FATAL(j < ntips);
            CU_ASSERT_STRING_EQUAL(cmeta_tip_kind_name(tips[j].kind), tu_str(tp, r, "type"));
            TU_ASSERT_CLOSE(tips[j].ri_lo, tu_num(tp, r, "ri_lo"), 0, 1e-12, "ri_lo");
            TU_ASSERT_CLOSE(tips[j].ri_hi, tu_num(tp, r, "ri_hi"), 0, 1e-12, "ri_hi");
            TU_ASSERT_CLOSE(tips[j].root, tu_num(tp, r, "root"), 0, 1e-6, "root");
            j++, found++;
        }
        CU_ASSERT_EQUAL(j, ntips);
        cmeta_free(tips);
        r0 = r1;
    }
    CU_ASSERT_EQUAL(found, tp->nrows);
    tu_fixture_free(sw), tu_fixture_free(tp);
    unload(&m);
}

static void test_box_vs_metafor(void)
{
    morris m;
    tu_fixture *f = tu_fixture_load(REF "box.csv");
    CU_ASSERT_FATAL(load(&m) == 0 && f != NULL);
    for (size_t r = 0; r < f->nrows; r++) {
        cmeta_ri_studies s;
        cmeta_fit_opts fo;
        double rtol, lb[16], ub[16];
        CU_ASSERT_FATAL(m.k <= 16 && config(&m, f, r, &s, &fo, &rtol) == 0);
        int sweep = strcmp(tu_str(f, r, "mode"), "sweep") == 0;
        for (size_t i = 0; i < m.k; i++) {
            lb[i] = m.lb[i], ub[i] = m.ub[i];
            if (isnan(lb[i]) && !isnan(m.ri[i])) lb[i] = ub[i] = m.ri[i];
            else if (isnan(lb[i])) lb[i] = sweep ? -0.5 : 0.5, ub[i] = sweep ? 0.9 : 0.5;
        }
        cmeta_ri_box b;
        cmeta_error err;
        cmeta_error_clear(&err);
        CU_ASSERT_EQUAL_FATAL(cmeta_ri_box_eval(&s, lb, ub, &fo, &b, &err), CMETA_OK);
        char what[96];
        snprintf(what, sizeof what, "box %s %s %s %s %s", tu_str(f, r, "measure"), tu_str(f, r, "sd"),
                 tu_str(f, r, "method"), tu_str(f, r, "test"), tu_str(f, r, "mode"));
        CU_ASSERT_EQUAL(b.corners, tu_num(f, r, "corners"));
        CU_ASSERT_EQUAL(b.exhaustive, 1);
        TU_ASSERT_CLOSE(b.estimate_min, tu_num(f, r, "estimate_min"), rtol, 1e-12, what);
        TU_ASSERT_CLOSE(b.estimate_max, tu_num(f, r, "estimate_max"), rtol, 1e-12, what);
        TU_ASSERT_CLOSE(b.pval_min, tu_num(f, r, "pval_min"), rtol, 1e-14, what);
        TU_ASSERT_CLOSE(b.pval_max, tu_num(f, r, "pval_max"), rtol, 1e-14, what);
    }
    tu_fixture_free(f);
    unload(&m);
}

/* 22 studies with intervals: 2 + 2 * 22 corners searched, not all 2^22 */
static void test_box_beyond_20(void)
{
    enum { K = 22 };
    double m1[K], s1[K], m2[K], s2[K], n[K], ri[K], lb[K], ub[K];
    for (int i = 0; i < K; i++) {
        m1[i] = 10 + (i % 5), s1[i] = 3 + 0.1 * i, m2[i] = 9 + (i % 3), s2[i] = 3.5, n[i] = 10 + i;
        ri[i] = NAN, lb[i] = 0.2, ub[i] = 0.8;
    }
    cmeta_ri_studies s = {CMETA_MC, NULL, K, m1, s1, m2, s2, n, ri, NULL, NULL, NULL};
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    cmeta_ri_box b;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_ri_box_eval(&s, lb, ub, &fo, &b, &err), CMETA_OK);
    CU_ASSERT_EQUAL(b.exhaustive, 0);
    CU_ASSERT_EQUAL(b.corners, 2 + 2 * K);
    CU_ASSERT_EQUAL(b.m, K);
    /* the all-lower and all-upper corners are among them */
    cmeta_ri_point p[2];
    double g[2] = {0.2, 0.8};
    CU_ASSERT_EQUAL_FATAL(cmeta_ri_sweep(&s, g, 2, &fo, p, &err), CMETA_OK);
    CU_ASSERT(b.estimate_min <= fmin(p[0].estimate, p[1].estimate) + 1e-12);
    CU_ASSERT(b.estimate_max >= fmax(p[0].estimate, p[1].estimate) - 1e-12);
    /* 20 studies with intervals: all 2^20 corners */
    for (int i = 20; i < K; i++) lb[i] = ub[i] = 0.5;
    if (tu_scaled(100) == 100) { /* about 10^6 fits: not under valgrind */
        CU_ASSERT_EQUAL_FATAL(cmeta_ri_box_eval(&s, lb, ub, &fo, &b, &err), CMETA_OK);
        CU_ASSERT_EQUAL(b.exhaustive, 1);
        CU_ASSERT_EQUAL(b.corners, 1048576.0);
    }
}

/* MC with equal SDs and ri = 1: the variance is 0, the study and the ri are named */
static void test_zero_variance(void)
{
    double m1[2] = {3, 4}, s1[2] = {2, 1}, m2[2] = {1, 1}, s2[2] = {2, 1.5}, n[2] = {10, 12}, ri[2] = {NAN, 0.3};
    cmeta_ri_studies s = {CMETA_MC, NULL, 2, m1, s1, m2, s2, n, ri, NULL, NULL, NULL};
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    cmeta_ri_point p[3];
    double g[3] = {0, 0.5, 1};
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL(cmeta_ri_sweep(&s, g, 3, &fo, p, &err), CMETA_EDATA);
    CU_ASSERT_EQUAL(err.index, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "ri = 1"));
    double bad = 1.5;
    CU_ASSERT_EQUAL(cmeta_ri_sweep(&s, &bad, 1, &fo, p, &err), CMETA_EUSAGE);
    s.measure = CMETA_SMD;
    CU_ASSERT_EQUAL(cmeta_ri_sweep(&s, g, 1, &fo, p, &err), CMETA_EUSAGE);
}

/* brackets without bisection (tol 0): CI changes and sign changes, an exact zero at a point */
static void test_brackets(void)
{
    cmeta_ri_point p[5];
    const double est[5] = {-0.5, -0.1, 0, 0.2, 0.6}, lb[5] = {-0.9, -0.4, -0.3, -0.1, 0.1};
    for (int i = 0; i < 5; i++) {
        memset(&p[i], 0, sizeof p[i]);
        p[i].ri = 0.2 * i, p[i].estimate = est[i], p[i].ci_lb = lb[i];
        p[i].ci_ub = i == 0 ? -0.1 : est[i] + 0.3;
    }
    cmeta_ri_tip *t = NULL;
    size_t n = 0;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_ri_tipping(NULL, p, 5, NULL, 0, &t, &n, &err), CMETA_OK);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_EQUAL(t[0].kind, CMETA_TIP_CI_INCLUDES_NULL);
    CU_ASSERT_DOUBLE_EQUAL(t[0].ri_lo, 0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(t[0].ri_hi, 0.2, 1e-12);
    CU_ASSERT_EQUAL(t[1].kind, CMETA_TIP_SIGN_CHANGE);
    CU_ASSERT_EQUAL(t[1].to_positive, 1);
    CU_ASSERT_DOUBLE_EQUAL(t[1].ri_lo, 0.4, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(t[1].ri_hi, 0.6, 1e-12);
    CU_ASSERT(isnan(t[1].root));
    CU_ASSERT_EQUAL(t[2].kind, CMETA_TIP_CI_EXCLUDES_NULL);
    CU_ASSERT_DOUBLE_EQUAL(t[2].ri_lo, 0.6, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(t[2].ri_hi, 0.8, 1e-12);
    cmeta_free(t);
    /* not increasing */
    p[3].ri = 0.1;
    CU_ASSERT_EQUAL(cmeta_ri_tipping(NULL, p, 5, NULL, 0, &t, &n, &err), CMETA_EUSAGE);
    CU_ASSERT_STRING_EQUAL(cmeta_tip_kind_name(CMETA_TIP_SIGN_CHANGE), "sign_change");
}

/* the plot: nothing overlaps or leaves the page; the band, the null and a root are drawn */
static void test_plot_layout(void)
{
    morris m;
    CU_ASSERT_FATAL(load(&m) == 0);
    cmeta_ri_studies s = {CMETA_SMCR, NULL, m.k, m.m1i, m.sd1i, m.m2i, m.sd2i, m.ni, m.ri, NULL, NULL, NULL};
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    double g[15];
    cmeta_ri_point p[15];
    for (int i = 0; i < 15; i++) g[i] = -0.5 + 0.1 * i;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_ri_tip *tips = NULL;
    size_t nt = 0;
    CU_ASSERT_EQUAL_FATAL(cmeta_ri_sweep(&s, g, 15, &fo, p, &err), CMETA_OK);
    CU_ASSERT_EQUAL_FATAL(cmeta_ri_tipping(&s, p, 15, &fo, 1e-6, &tips, &nt, &err), CMETA_OK);
    CU_ASSERT_EQUAL(nt, 1);
    cmeta_ri_report r;
    memset(&r, 0, sizeof r);
    r.measure = CMETA_SMCR, r.k = m.k, r.k_swept = 7, r.fo = &fo, r.pts = p, r.n = 15, r.tips = tips, r.ntips = nt;
    cmeta_plot pl;
    CU_ASSERT_EQUAL_FATAL(cmeta_ri_plot_layout(&r, tu_fake_measure, NULL, &pl, &err), CMETA_OK);
    tu_check_no_overlap(&pl);
    size_t band = 0, points = 0, refl = 0;
    for (size_t i = 0; i < pl.n; i++) {
        band += pl.prim[i].role == CMETA_ROLE_REGION;
        points += pl.prim[i].role == CMETA_ROLE_POINT;
        refl += pl.prim[i].role == CMETA_ROLE_REFLINE;
    }
    CU_ASSERT_EQUAL(band, 14);
    CU_ASSERT_EQUAL(points, 15);
    CU_ASSERT_EQUAL(refl, 2); /* the null and the root */
    CU_ASSERT(tu_has_text(&pl, "SMCR"));
    cmeta_plot_free(&pl);
    r.n = 0;
    CU_ASSERT_EQUAL(cmeta_ri_plot_layout(&r, tu_fake_measure, NULL, &pl, &err), CMETA_EUSAGE);
    cmeta_free(tips);
    unload(&m);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("risweep", NULL, NULL);
    CU_add_test(s, "sweep rows = metafor escalc + rma at each ri", test_sweep_vs_metafor);
    CU_add_test(s, "mixed designs: fixed two-group rows, pre/post rows swept", test_sweep_mixed);
    CU_add_test(s, "tipping points = uniroot on metafor's fits", test_tipping_vs_metafor);
    CU_add_test(s, "box over the corners = metafor over every corner", test_box_vs_metafor);
    CU_add_test(s, "beyond 20 studies: 2 + 2m corners", test_box_beyond_20);
    CU_add_test(s, "a variance of 0 names the study and ri", test_zero_variance);
    CU_add_test(s, "brackets without bisection", test_brackets);
    CU_add_test(s, "plot layout", test_plot_layout);
    return tu_run();
}
