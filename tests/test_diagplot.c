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
 *    data position; errors (k = 1, Q-Q of an MH fit, L'Abbe of a non-2x2 measure).
 * Issue 17 item 3 (tests/reference/plots/make_plots2.R, metafor 3.8.1):
 *  - drapery: the p-value curves against R's values of the same definitions from metafor's fit
 *    (REML z, DL + Knapp-Hartung t, FE; 200 grid points + yi + estimate); the prediction
 *    curve crosses alpha at the fit's prediction interval;
 *  - bubble plot: fitted line, CI and PI bands against predict(rma) at regplot's 1000 x
 *    values (ablat; ablat + year with year at its mean), point sizes against regplot's;
 *  - Q-Q envelope: against R's (qqnorm.rma.uni's code, smooth = FALSE, 1e5 replicates) within
 *    Monte Carlo error, its pointwise coverage over fresh simulated residual vectors, and
 *    the same seed giving the same envelope. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

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

/* fixture cell (row r, column c) as a number; NAN when empty */
static double cell(const tu_fixture *f, size_t r, size_t c)
{
    const char *t = f->cells[r][c];
    return t && *t ? strtod(t, NULL) : NAN;
}

static double relerr(double a, double b)
{
    if (a == b) return 0;
    return fabs(a - b) / fmax(fabs(a), fabs(b));
}

static double worst_drapery, worst_regplot, worst_env;

static void drapery_case(const char *name, cmeta_method m, cmeta_test t, double rtol)
{
    cmeta_studies s;
    studies(&s);
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    fo.method = m, fo.test = t;
    size_t idx[K];
    for (size_t i = 0; i < K; i++) idx[i] = i;
    cmeta_fit *f = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_fit_subset(&s, idx, K, &fo, &f, NULL, NULL), CMETA_OK);
    cmeta_drapery_data dd;
    CU_ASSERT_EQUAL_FATAL(cmeta_drapery_compute(&s, &fo, f, 200, &dd, NULL), CMETA_OK);
    char path[128];
    snprintf(path, sizeof path, "tests/reference/plots/drapery_%s.csv", name);
    tu_fixture *fx = tu_fixture_load(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx);
    CU_ASSERT_EQUAL_FATAL(fx->nrows, dd.n);
    CU_ASSERT_EQUAL_FATAL(fx->ncols, K + 3);
    double w = 0;
    size_t off = 0;
    for (size_t j = 0; j < dd.n; j++) {
        double e = relerr(dd.theta[j], cell(fx, j, 0));
        w = fmax(w, e);
        if (e > 1e-12) off++;
        for (size_t i = 0; i <= K + 1; i++) {
            double got = i < K ? dd.p[i * dd.n + j] : i == K ? dd.pooled[j] : dd.pred ? dd.pred[j] : NAN;
            double want = cell(fx, j, i + 1);
            if (isnan(want) && isnan(got)) continue;
            e = relerr(got, want);
            w = fmax(w, e);
            if (!(e <= rtol)) off++;
        }
    }
    CU_ASSERT_EQUAL(off, 0);
    worst_drapery = fmax(worst_drapery, w);
    if (off) fprintf(stderr, "drapery %s: %zu values off, worst %.3g\n", name, off, w);
    CU_ASSERT_EQUAL(dd.pred == NULL, m == CMETA_METHOD_FE);
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_drapery_layout(&dd, NULL, tu_fake_measure, NULL, &p, NULL), CMETA_OK);
    tu_check_no_overlap(&p);
    CU_ASSERT(tu_has_text(&p, "p = 0.05"));
    CU_ASSERT(tu_has_text(&p, "95% CI"));
    CU_ASSERT(tu_has_text(&p, "P-value"));
    CU_ASSERT_EQUAL(tu_has_text(&p, "Prediction region"), m != CMETA_METHOD_FE);
    cmeta_plot_free(&p);
    cmeta_diagplot_opts po = {"A title", "My axis", NULL};
    CU_ASSERT_EQUAL_FATAL(cmeta_drapery_layout(&dd, &po, tu_fake_measure, NULL, &p, NULL), CMETA_OK);
    tu_check_no_overlap(&p);
    CU_ASSERT(tu_has_text(&p, "A title") && tu_has_text(&p, "My axis"));
    CU_ASSERT(!tu_has_text(&p, "Risk Ratio (log scale)"));
    cmeta_plot_free(&p);
    tu_fixture_free(fx);
    cmeta_drapery_data_free(&dd);
    cmeta_fit_free(f);
}

static void test_drapery(void)
{
    drapery_case("bcg_rr_fe", CMETA_METHOD_FE, CMETA_TEST_Z, 1e-8);
    drapery_case("bcg_rr_dl_knha", CMETA_METHOD_DL, CMETA_TEST_KNHA, 1e-8);
    drapery_case("bcg_rr_reml", CMETA_METHOD_REML, CMETA_TEST_Z, 1e-6);
    /* the prediction curve at the fit's prediction interval is alpha */
    cmeta_studies s;
    studies(&s);
    cmeta_fit *f = fit_of(&s, CMETA_METHOD_REML);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    double sp = sqrt(f->se[0] * f->se[0] + f->tau2);
    TU_ASSERT_CLOSE(2 * gsl_cdf_ugaussian_Q((f->beta[0] - f->pi_lb) / sp), 0.05, 1e-12, 0, "prediction curve at pi_lb");
    cmeta_fit_free(f);
    fprintf(stderr, "drapery against R: worst relative difference %.3g\n", worst_drapery);
}

static const double ABLAT[K] = {44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33};
static const double YEAR[K] = {1948, 1949, 1960, 1977, 1973, 1953, 1973, 1980, 1968, 1961, 1974, 1969, 1976};

static void regplot_case(const char *name, size_t q, cmeta_method m, cmeta_test t, double rtol)
{
    double X[K * 2];
    for (size_t i = 0; i < K; i++) {
        X[i * q] = ABLAT[i];
        if (q == 2) X[i * q + 1] = YEAR[i];
    }
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    fo.method = m, fo.test = t;
    cmeta_fit *f = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_rma(YI, VI, K, X, q, &fo, &f, NULL, NULL), CMETA_OK);
    cmeta_regplot_data rd;
    CU_ASSERT_EQUAL_FATAL(cmeta_regplot_compute(YI, VI, K, X, q, 1, f, 0, 1000, CMETA_RR, &rd, NULL), CMETA_OK);
    char path[128];
    snprintf(path, sizeof path, "tests/reference/plots/regplot_%s.csv", name);
    tu_fixture *fx = tu_fixture_load(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx);
    CU_ASSERT_EQUAL_FATAL(fx->nrows, 1000);
    const double *cols[6] = {rd.xs, rd.pred, rd.ci_lb, rd.ci_ub, rd.pi_lb, rd.pi_ub};
    double w = 0;
    size_t off = 0;
    /* relative to the band's scale (max(|value|, 0.1)): the line crosses 0, where a relative
     * difference means nothing */
    for (size_t j = 0; j < 1000; j++)
        for (size_t c = 0; c < 6; c++) {
            double a = cols[c][j], b = cell(fx, j, c);
            double e = a == b ? 0 : fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), 0.1);
            w = fmax(w, e);
            if (!(e <= (c ? rtol : 1e-13))) off++;
        }
    tu_fixture_free(fx);
    snprintf(path, sizeof path, "tests/reference/plots/regplot_%s_points.csv", name);
    fx = tu_fixture_load(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx);
    for (size_t i = 0; i < K; i++) {
        double e = fmax(relerr(rd.x[i], cell(fx, i, 0)), relerr(rd.y[i], cell(fx, i, 1)));
        e = fmax(e, relerr(rd.psize[i], cell(fx, i, 2)));
        w = fmax(w, e);
        if (!(e <= rtol)) off++;
    }
    tu_fixture_free(fx);
    CU_ASSERT_EQUAL(off, 0);
    fprintf(stderr, "regplot %s: worst relative difference %.3g (%zu values off)\n", name, w, off);
    worst_regplot = fmax(worst_regplot, w);
    for (int pi = 0; pi < 2; pi++) {
        cmeta_plot p;
        cmeta_diagplot_opts po = {pi ? "Bubbles" : NULL, NULL, NULL};
        CU_ASSERT_EQUAL_FATAL(cmeta_regplot_layout(&rd, "ablat", pi, &po, tu_fake_measure, NULL, &p, NULL), CMETA_OK);
        tu_check_no_overlap(&p);
        CU_ASSERT(tu_has_text(&p, "ablat") && tu_has_text(&p, "Log Risk Ratio"));
        CU_ASSERT_EQUAL(tu_has_text(&p, "Bubbles"), pi);
        size_t circles = 0, pred = 0;
        for (size_t j = 0; j < p.n; j++) {
            circles += p.prim[j].kind == CMETA_PRIM_CIRCLE;
            pred += p.prim[j].role == CMETA_ROLE_PRED;
        }
        CU_ASSERT_EQUAL(circles, K);
        CU_ASSERT_EQUAL(pred > 0, pi);
        cmeta_plot_free(&p);
    }
    cmeta_regplot_data_free(&rd);
    cmeta_fit_free(f);
}

static void test_regplot(void)
{
    regplot_case("bcg_ablat_dl_knha", 1, CMETA_METHOD_DL, CMETA_TEST_KNHA, 1e-8);
    regplot_case("bcg_ablat_reml", 1, CMETA_METHOD_REML, CMETA_TEST_Z, 1e-6);
    regplot_case("bcg_ablat_year_reml", 2, CMETA_METHOD_REML, CMETA_TEST_Z, 1e-6);
    fprintf(stderr, "regplot against R: worst relative difference %.3g\n", worst_regplot);
}

/* the envelope of one fit: against R's at 1e5 replicates, coverage, reproducibility */
static void envelope_case(const char *name, cmeta_method m)
{
    cmeta_studies s;
    studies(&s);
    cmeta_fit *f = fit_of(&s, m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    fo.method = m;
    cmeta_diagplot_data dd;
    CU_ASSERT_EQUAL_FATAL(cmeta_diagplot_compute(CMETA_DIAG_QQ, &s, &fo, f, &dd, NULL, NULL), CMETA_OK);
    size_t reps = (size_t)tu_scaled(100000);
    CU_ASSERT_EQUAL_FATAL(cmeta_diagplot_qq_envelope(&dd, &s, reps, 17, 95, NULL), CMETA_OK);
    char path[128];
    snprintf(path, sizeof path, "tests/reference/plots/qqenv_%s.csv", name);
    tu_fixture *fx = tu_fixture_load(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx);
    CU_ASSERT_EQUAL_FATAL(fx->nrows, K);
    /* Monte Carlo error of a 2.5% quantile from n draws of an order statistic with sd s:
     * s sqrt(p (1 - p) / n) / phi(z_p) = 0.0085 s at n = 1e5 for R's and cmeta's each; the
     * order statistics here have s < 0.6, so 0.03 is more than 4 standard errors of the difference */
    double tol = reps >= 100000 ? 0.03 : 0.03 * sqrt(100000.0 / (double)reps), w = 0;
    for (size_t j = 0; j < K; j++) {
        TU_ASSERT_CLOSE(dd.env_x[j], cell(fx, j, 0), 1e-14, 1e-15, "envelope x = qnorm(ppoints(k))");
        w = fmax(w, fmax(fabs(dd.env_lb[j] - cell(fx, j, 1)), fabs(dd.env_ub[j] - cell(fx, j, 2))));
    }
    CU_ASSERT(w <= tol);
    worst_env = fmax(worst_env, w);
    fprintf(stderr, "qq envelope %s against R (1e5 replicates each): largest difference %.4f (tolerance %.3f)\n", name, w,
            tol);
    tu_fixture_free(fx);
    /* coverage: fresh residual vectors e = (I - H) z fall below lb_j (above ub_j) in 2.5% of
     * cases at each rank j */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12345);
    size_t n = (size_t)tu_scaled(40000), below[K] = {0}, above[K] = {0};
    double wsum = 0, wv[K], e[K];
    for (size_t i = 0; i < K; i++) wsum += wv[i] = 1 / (VI[i] + dd.tau2);
    for (size_t b = 0; b < n; b++) {
        double mbar = 0;
        for (size_t i = 0; i < K; i++) e[i] = gsl_ran_gaussian(r, 1.0), mbar += wv[i] * e[i];
        for (size_t i = 0; i < K; i++) e[i] -= mbar / wsum;
        for (size_t i = 1; i < K; i++)
            for (size_t j = i; j > 0 && e[j - 1] > e[j]; j--) {
                double t = e[j];
                e[j] = e[j - 1], e[j - 1] = t;
            }
        for (size_t j = 0; j < K; j++) below[j] += e[j] < dd.env_lb[j], above[j] += e[j] > dd.env_ub[j];
    }
    gsl_rng_free(r);
    /* binomial sd of the share at n draws: sqrt(0.025 * 0.975 / n) = 0.00078 at 40000 */
    double sd = sqrt(0.025 * 0.975 / (double)n), worst = 0;
    for (size_t j = 0; j < K; j++) {
        double a = (double)below[j] / (double)n - 0.025, c = (double)above[j] / (double)n - 0.025;
        worst = fmax(worst, fmax(fabs(a), fabs(c)));
    }
    CU_ASSERT(worst <= 5 * sd + 0.003);
    fprintf(stderr, "qq envelope %s coverage: largest |share - 0.025| over ranks %.4f (%zu vectors)\n", name, worst, n);
    /* the same seed, the same envelope; another seed, another */
    double lb0 = dd.env_lb[0];
    CU_ASSERT_EQUAL_FATAL(cmeta_diagplot_qq_envelope(&dd, &s, reps, 17, 95, NULL), CMETA_OK);
    CU_ASSERT_EQUAL(dd.env_lb[0], lb0);
    CU_ASSERT_EQUAL_FATAL(cmeta_diagplot_qq_envelope(&dd, &s, 1000, 18, 95, NULL), CMETA_OK);
    CU_ASSERT(dd.env_lb[0] != lb0);
    CU_ASSERT_EQUAL(dd.env_reps, 1000);
    CU_ASSERT_EQUAL(dd.env_seed, 18);
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_diagplot_layout_opts(&dd, NULL, NULL, tu_fake_measure, NULL, &p, NULL), CMETA_OK);
    size_t dotted = 0;
    for (size_t j = 0; j < p.n; j++) dotted += p.prim[j].kind == CMETA_PRIM_LINE && p.prim[j].dashed == 2;
    CU_ASSERT_EQUAL(dotted, 2 * (K - 1));
    tu_check_no_overlap(&p);
    cmeta_plot_free(&p);
    CU_ASSERT_EQUAL(cmeta_diagplot_qq_envelope(&dd, &s, 1, 17, 95, NULL), CMETA_EUSAGE);
    cmeta_diagplot_data_free(&dd);
    cmeta_fit_free(f);
}

static void test_envelope(void)
{
    envelope_case("bcg_rr_reml", CMETA_METHOD_REML);
    envelope_case("bcg_rr_fe", CMETA_METHOD_FE);
}

/* --title, xlab, ylab reach the diagnostic plots */
static void test_figure_opts(void)
{
    cmeta_studies s;
    studies(&s);
    cmeta_fit *f = fit_of(&s, CMETA_METHOD_REML);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    cmeta_diagplot_kind kinds[4] = {CMETA_DIAG_BAUJAT, CMETA_DIAG_RADIAL, CMETA_DIAG_QQ, CMETA_DIAG_LABBE};
    for (int q = 0; q < 4; q++) {
        cmeta_diagplot_data dd;
        CU_ASSERT_EQUAL_FATAL(cmeta_diagplot_compute(kinds[q], &s, &fo, f, &dd, NULL, NULL), CMETA_OK);
        cmeta_diagplot_opts po = {"The title", "X words", "Y words"};
        cmeta_plot p;
        CU_ASSERT_EQUAL_FATAL(cmeta_diagplot_layout_opts(&dd, NULL, &po, tu_fake_measure, NULL, &p, NULL), CMETA_OK);
        CU_ASSERT(tu_has_text(&p, "The title") && tu_has_text(&p, "X words") && tu_has_text(&p, "Y words"));
        size_t titles = 0;
        for (size_t j = 0; j < p.n; j++) titles += p.prim[j].role == CMETA_ROLE_TITLE && p.prim[j].bold;
        CU_ASSERT_EQUAL(titles, 1);
        tu_check_no_overlap(&p);
        cmeta_plot_free(&p);
        cmeta_diagplot_data_free(&dd);
    }
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
    CU_add_test(s, "drapery against R", test_drapery);
    CU_add_test(s, "bubble plot against predict(rma)", test_regplot);
    CU_add_test(s, "Q-Q envelope: R, coverage, seed", test_envelope);
    CU_add_test(s, "title and axis titles", test_figure_opts);
    return tu_run();
}
