/* test_diagplot.c - the Baujat, radial, Q-Q and L'Abbe plots (cmeta/diagplot.h): identities
 * of the plotted quantities and the layouts. (The quantities against metafor 3.8.1:
 * tests/cli/t_diagplot.sh with tests/reference/plots/make.R.)
 * Checked here, BCG (k = 13, RR), FE and REML:
 *  - Baujat FE: the x values sum to Q (each is the study's share of Q); every y >= 0;
 *  - radial: x_i = 1/sqrt(v_i + tau^2), y_i = y_i x_i (1e-14);
 *  - Q-Q: x is increasing in the rank of y and symmetric (x of rank j = -x of rank k + 1 - j);
 *  - L'Abbe RR: y - x = log(p1/p2) = the study's yi (no zero cells: 1e-12); sizes in [0.5, 3.5],
 *    0.5 and 3.5 both taken;
 *  - every layout: no two texts overlap, every point is drawn inside the panel at its
 *    data position; errors (k = 1, Q-Q of an MH fit, L'Abbe of a non-2x2 measure). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

#define K 13
static const double AI[K] = {4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27};
static const double BI[K] = {119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886};
static const double CI[K] = {11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29};
static const double DI[K] = {128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825};
static double YI[K], VI[K];

static int setup(void)
{
    cmeta_escalc_input in;
    memset(&in, 0, sizeof in);
    in.k = K, in.ai = AI, in.bi = BI, in.ci = CI, in.di = DI;
    cmeta_escalc_opts eo;
    cmeta_escalc_opts_default(&eo);
    return cmeta_escalc(CMETA_RR, &in, &eo, YI, VI, NULL, NULL) == CMETA_OK ? 0 : 1;
}

static void studies(cmeta_studies *s)
{
    memset(s, 0, sizeof *s);
    s->k = K, s->yi = YI, s->vi = VI, s->measure = CMETA_RR;
    s->ai = AI, s->bi = BI, s->ci = CI, s->di = DI;
}

static cmeta_fit *fit_of(const cmeta_studies *s, cmeta_method m)
{
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    fo.method = m;
    size_t idx[K];
    for (size_t i = 0; i < K; i++) idx[i] = i;
    cmeta_fit *f = NULL;
    CU_ASSERT_EQUAL(cmeta_fit_subset(s, idx, s->k, &fo, &f, NULL, NULL), CMETA_OK);
    return f;
}

static void check_layout(const cmeta_diagplot_data *dd)
{
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_diagplot_layout(dd, NULL, tu_fake_measure, NULL, &p, NULL), CMETA_OK);
    tu_check_no_overlap(&p);
    size_t drawn = 0, off = 0, labels = 0;
    for (size_t j = 0; j < p.n; j++) {
        const cmeta_prim *q = &p.prim[j];
        if (q->kind == CMETA_PRIM_TEXT && q->role == CMETA_ROLE_LABEL) labels++;
        if (q->kind != CMETA_PRIM_CIRCLE || q->role != CMETA_ROLE_POINT) continue;
        drawn++;
        size_t i = (size_t)q->index;
        double px = cmeta_plot_xpos(&p, dd->x[i]), py = cmeta_plot_ypos(&p, dd->y[i]);
        if (fabs(q->x - px) > 1e-9 || fabs(q->y - py) > 1e-9) off++;
        if (px < p.ax0 - 1e-9 || px > p.ax1 + 1e-9 || py < p.ay1 - 1e-9 || py > p.ay0 + 1e-9) off++;
    }
    CU_ASSERT_EQUAL(drawn, dd->k);
    CU_ASSERT_EQUAL(labels, dd->kind == CMETA_DIAG_BAUJAT ? dd->k : 0);
    CU_ASSERT_EQUAL(off, 0);
    CU_ASSERT(p.width > 0 && p.height > 0);
    cmeta_plot_free(&p);
}

static void test_quantities(void)
{
    cmeta_studies s;
    studies(&s);
    cmeta_method ms[2] = {CMETA_METHOD_FE, CMETA_METHOD_REML};
    for (int mi = 0; mi < 2; mi++) {
        cmeta_fit *f = fit_of(&s, ms[mi]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        cmeta_fit_opts fo;
        cmeta_fit_opts_default(&fo);
        fo.method = ms[mi];
        double tau2 = mi ? f->tau2 : 0;
        cmeta_diagplot_data dd;
        /* Baujat */
        CU_ASSERT_EQUAL_FATAL(cmeta_diagplot_compute(CMETA_DIAG_BAUJAT, &s, &fo, f, &dd, NULL, NULL), CMETA_OK);
        double sx = 0;
        for (size_t i = 0; i < K; i++) {
            sx += dd.x[i];
            CU_ASSERT(dd.y[i] >= 0);
        }
        if (mi == 0) TU_ASSERT_CLOSE(sx, f->Q, 1e-12, 0, "Baujat FE: sum of x = Q");
        check_layout(&dd);
        cmeta_diagplot_data_free(&dd);
        /* radial */
        CU_ASSERT_EQUAL_FATAL(cmeta_diagplot_compute(CMETA_DIAG_RADIAL, &s, &fo, f, &dd, NULL, NULL), CMETA_OK);
        for (size_t i = 0; i < K; i++) {
            TU_ASSERT_CLOSE(dd.x[i], 1 / sqrt(VI[i] + tau2), 1e-14, 0, "radial x");
            TU_ASSERT_CLOSE(dd.y[i], YI[i] * dd.x[i], 1e-14, 0, "radial y");
        }
        TU_ASSERT_CLOSE(dd.zcrit, 1.959963984540054, 1e-14, 0, "radial zcrit");
        check_layout(&dd);
        cmeta_diagplot_data_free(&dd);
        /* Q-Q */
        CU_ASSERT_EQUAL_FATAL(cmeta_diagplot_compute(CMETA_DIAG_QQ, &s, &fo, f, &dd, NULL, NULL), CMETA_OK);
        double xs[K];
        size_t bad = 0;
        for (size_t i = 0; i < K; i++) {
            size_t r = 0;
            for (size_t j = 0; j < K; j++) r += dd.y[j] < dd.y[i];
            xs[r] = dd.x[i];
            for (size_t j = 0; j < K; j++)
                if (dd.y[j] < dd.y[i] && !(dd.x[j] < dd.x[i])) bad++;
        }
        CU_ASSERT_EQUAL(bad, 0);
        for (size_t r = 0; r < K; r++) TU_ASSERT_CLOSE(xs[r], -xs[K - 1 - r], 1e-14, 1e-15, "qq symmetric");
        check_layout(&dd);
        cmeta_diagplot_data_free(&dd);
        /* L'Abbe */
        CU_ASSERT_EQUAL_FATAL(cmeta_diagplot_compute(CMETA_DIAG_LABBE, &s, &fo, f, &dd, NULL, NULL), CMETA_OK);
        double smin = INFINITY, smax = -INFINITY;
        for (size_t i = 0; i < K; i++) {
            TU_ASSERT_CLOSE(dd.y[i] - dd.x[i], YI[i], 1e-12, 1e-14, "L'Abbe RR: y - x = yi");
            smin = fmin(smin, dd.size[i]), smax = fmax(smax, dd.size[i]);
        }
        TU_ASSERT_CLOSE(smin, 0.5, 1e-14, 0, "L'Abbe smallest point");
        TU_ASSERT_CLOSE(smax, 3.5, 1e-14, 0, "L'Abbe largest point");
        check_layout(&dd);
        cmeta_diagplot_data_free(&dd);
        cmeta_fit_free(f);
    }
}

static void test_errors(void)
{
    cmeta_studies s;
    studies(&s);
    cmeta_fit *f = fit_of(&s, CMETA_METHOD_FE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    fo.method = CMETA_METHOD_FE;
    cmeta_diagplot_data dd;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_studies one = s;
    one.k = 1;
    CU_ASSERT_EQUAL(cmeta_diagplot_compute(CMETA_DIAG_RADIAL, &one, &fo, f, &dd, NULL, &err), CMETA_EDATA);
    CU_ASSERT_PTR_NULL(dd.x);
    cmeta_fit_opts mh = fo;
    mh.method = CMETA_METHOD_MH;
    CU_ASSERT_EQUAL(cmeta_diagplot_compute(CMETA_DIAG_QQ, &s, &mh, f, &dd, NULL, &err), CMETA_EUSAGE);
    cmeta_studies gen = s;
    gen.measure = CMETA_GEN;
    CU_ASSERT_EQUAL(cmeta_diagplot_compute(CMETA_DIAG_LABBE, &gen, &fo, f, &dd, NULL, &err), CMETA_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "RR, OR, RD or AS"));
    CU_ASSERT_EQUAL(cmeta_diagplot_compute(CMETA_DIAG_RADIAL, &s, &fo, NULL, &dd, NULL, &err), CMETA_EUSAGE);
    cmeta_plot p;
    CU_ASSERT_EQUAL(cmeta_diagplot_layout(NULL, NULL, tu_fake_measure, NULL, &p, &err), CMETA_EUSAGE);
    cmeta_fit_free(f);
}

int main(void)
{
    gsl_set_error_handler_off();
    if (setup()) return 1;
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("diagplot", NULL, NULL);
    CU_add_test(s, "BCG FE and REML: identities of the quantities, layouts", test_quantities);
    CU_add_test(s, "errors", test_errors);
    return tu_run();
}
