/* plot_bayes.c - plots of the Bayesian model (include/cmeta/bayes.h):
 *   cmeta_bayes_tau_plot_layout: the posterior density of tau (black) with its prior (grey),
 *     the central interval marked, as bayesmeta's plot(x, which = 4, prior = TRUE);
 *   cmeta_bayes_forest_layout: each study's observed estimate and CI (square, black) with its
 *     shrinkage estimate and central credible interval (circle, grey) just below, then the
 *     posterior of mu (diamond over the central interval) and the prediction interval, as
 *     bayesmeta's forestplot(x) shows them.
 * Both are laid out in points like the other plots and rendered by plot_cairo.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmeta/bayes.h"
#include "plot_internal.h"

#define TRY(x)                                                                                     \
    do {                                                                                           \
        cmeta_status st_ = (x);                                                                    \
        if (st_ != CMETA_OK) goto fail;                                                            \
    } while (0)

/* x axis along [x0, x1] at page y, ticks covering [lo, hi]; returns the axis limits. */
static cmeta_status axis(cmeta_plot *p, double x0, double x1, double y, double lo, double hi, const char *title,
                         double fs, cmeta_text_measure_fn m, void *ctx, double *alo, double *ahi)
{
    double t[64];
    size_t nt = cmeta__ticks(lo, hi, 0, t, 64, alo, ahi);
    p->ax0 = x0;
    p->ax1 = x1;
    p->lo = *alo;
    p->hi = *ahi;
    cmeta_status st = cmeta__plot_line(p, CMETA_ROLE_AXIS, -1, x0, y, x1, y, 1, 0);
    for (size_t i = 0; st == CMETA_OK && i < nt; i++) {
        double x = cmeta_plot_xpos(p, t[i]);
        char lab[64];
        cmeta__fmt_tick(lab, sizeof lab, t[i]);
        st = cmeta__plot_line(p, CMETA_ROLE_TICK, (long)i, x, y, x, y + 4, 1, 0);
        if (st == CMETA_OK) {
            st = cmeta__plot_text(p, CMETA_ROLE_TICKLABEL, (long)i, x, y + 6 + fs, CMETA_ANCHOR_CENTER, fs, 0, lab, m, ctx);
            if (st == CMETA_OK) p->prim[p->n - 1].value = t[i];
        }
    }
    if (st == CMETA_OK)
        st = cmeta__plot_text(p, CMETA_ROLE_AXISTITLE, 0, (x0 + x1) / 2, y + 10 + 2.2 * fs, CMETA_ANCHOR_CENTER, fs, 0,
                              title, m, ctx);
    return st;
}

cmeta_status cmeta_bayes_tau_plot_layout(const cmeta_bayes *b, cmeta_text_measure_fn measure, void *ctx,
                                         cmeta_plot *out, cmeta_error *err)
{
    memset(out, 0, sizeof *out);
    const double W = 360, H = 220, fs = 10, N = 240;
    /* range: 0 to the 99.5% posterior quantile, widened to the central interval of the prior
     * where it is proper and not much wider */
    double hi = b->tau.ci_ub * 2;
    if (b->tau_prior.kind == CMETA_TAU_UNIFORM) hi = b->tau_prior.b;
    if (!(hi > 0) || !isfinite(hi)) hi = 1;
    double lo = b->tau_prior.kind == CMETA_TAU_UNIFORM ? b->tau_prior.a : 0;
    double ymax = 0, post[241], prior[241];
    for (int i = 0; i <= N; i++) {
        double t = lo + (hi - lo) * i / N;
        if (i == 0 && t == 0) t = 1e-9 * hi;
        post[i] = cmeta_bayes_tau_pdf(b, t);
        prior[i] = exp(cmeta_tau_prior_logpdf(&b->tau_prior, t, b->v_, b->k));
        if (!cmeta_tau_prior_proper(&b->tau_prior)) prior[i] = NAN; /* no scale to draw it on */
        if (isfinite(post[i]) && post[i] > ymax) ymax = post[i];
        if (isfinite(prior[i]) && prior[i] > ymax) ymax = prior[i];
    }
    if (!(ymax > 0)) ymax = 1;
    double x0 = 50, x1 = W - 10, y0 = 30, y1 = H - 50, alo, ahi;
    TRY(axis(out, x0, x1, y1, lo, hi, "tau (heterogeneity SD)", fs, measure, ctx, &alo, &ahi));
#define PX(t) cmeta_plot_xpos(out, (t))
#define PY(d) (y1 - (d) / (ymax * 1.05) * (y1 - y0))
    for (int i = 0; i < N; i++) {
        double ta = lo + (hi - lo) * i / N, tb = lo + (hi - lo) * (i + 1) / N;
        if (isfinite(prior[i]) && isfinite(prior[i + 1]))
        {
            TRY(cmeta__plot_line(out, CMETA_ROLE_OTHER, 1, PX(ta), PY(prior[i]), PX(tb), PY(prior[i + 1]), 1.5, 0));
            out->prim[out->n - 1].stroke = 0.65; /* grey: dashes do not show on short segments */
        }
        if (isfinite(post[i]) && isfinite(post[i + 1]))
            TRY(cmeta__plot_line(out, CMETA_ROLE_ESTLINE, 0, PX(ta), PY(post[i]), PX(tb), PY(post[i + 1]), 1.5, 0));
    }
    /* the central interval and the median */
    double marks[3] = {b->tau.ci_lb, b->tau.median, b->tau.ci_ub};
    for (int j = 0; j < 3; j++)
        if (marks[j] >= lo && marks[j] <= hi)
            TRY(cmeta__plot_line(out, CMETA_ROLE_REFLINE, j, PX(marks[j]), y1, PX(marks[j]),
                                 PY(cmeta_bayes_tau_pdf(b, marks[j])), 0.75, j == 1 ? 0 : 2));
    char t1[300];
    snprintf(t1, sizeof t1, "posterior (black) and prior (grey): %s", b->tau_prior.label);
    TRY(cmeta__plot_text(out, CMETA_ROLE_LEGEND, 0, x0, y0 - 12, CMETA_ANCHOR_LEFT, fs * 0.9, 0, t1, measure, ctx));
    snprintf(t1, sizeof t1, "median %.3g, %g%% interval %.3g to %.3g (dotted); k = %zu", b->tau.median, b->level,
             b->tau.ci_lb, b->tau.ci_ub, b->k);
    TRY(cmeta__plot_text(out, CMETA_ROLE_LEGEND, 1, x0, y0, CMETA_ANCHOR_LEFT, fs * 0.9, 0, t1, measure, ctx));
    TRY(cmeta__plot_line(out, CMETA_ROLE_AXIS, -2, x0, y1, x0, y0, 1, 0));
    TRY(cmeta__plot_text(out, CMETA_ROLE_AXISTITLE, 1, x0 - 6, (y0 + y1) / 2, CMETA_ANCHOR_RIGHT, fs, 0, "density",
                         measure, ctx));
#undef PX
#undef PY
    cmeta__plot_finish(out, 10);
    return CMETA_OK;
fail:
    cmeta_plot_free(out);
    return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
}

/* an interval line with a marker: square (observed) or circle (shrinkage) */
static cmeta_status interval(cmeta_plot *p, long idx, double lb, double ub, double est, double y, int circle,
                             double grey)
{
    double a = cmeta_plot_xpos(p, fmax(lb, p->lo)), c = cmeta_plot_xpos(p, fmin(ub, p->hi));
    cmeta_status st = cmeta__plot_line(p, CMETA_ROLE_CI, idx, a, y, c, y, 1, 0);
    if (st != CMETA_OK) return st;
    p->prim[p->n - 1].stroke = grey;
    if (!(est >= p->lo && est <= p->hi)) return CMETA_OK;
    cmeta_prim *q = cmeta__plot_push(p, circle ? CMETA_PRIM_CIRCLE : CMETA_PRIM_RECT, CMETA_ROLE_SQUARE, idx);
    if (!q) return CMETA_ENOMEM;
    double x = cmeta_plot_xpos(p, est);
    if (circle) {
        q->x = x;
        q->y = y;
        q->w = 3;
    } else {
        q->x = x - 3;
        q->y = y - 3;
        q->w = q->h = 6;
    }
    q->fill = grey;
    q->stroke = grey;
    return CMETA_OK;
}

cmeta_status cmeta_bayes_forest_layout(const cmeta_bayes *b, const char *const *labels, const double *yi,
                                       const double *vi, cmeta_text_measure_fn measure, void *ctx,
                                       cmeta_plot *out, cmeta_error *err)
{
    memset(out, 0, sizeof *out);
    const double fs = 10, row = 14, lw = 150, pw = 260;
    size_t k = b->k;
    double z; /* observed CIs at the fit's level */
    {
        /* normal quantile for the level by bisection on erfc (no GSL here) */
        double p = 0.5 + b->level / 200, lo = 0, hi = 40;
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (lo + hi);
            if (1 - 0.5 * erfc(mid / M_SQRT2) > p) hi = mid; else lo = mid; /* Phi(mid) vs p */
        }
        z = 0.5 * (lo + hi);
    }
    double lo = b->pred.ci_lb, hi = b->pred.ci_ub;
    for (size_t i = 0; i < k; i++) {
        double s = sqrt(vi[i]);
        lo = fmin(lo, fmin(yi[i] - z * s, b->shr_lb[i]));
        hi = fmax(hi, fmax(yi[i] + z * s, b->shr_ub[i]));
    }
    if (!(hi > lo)) {
        lo -= 1;
        hi += 1;
    }
    double x0 = lw + 10, x1 = x0 + pw, ytop = 30, alo, ahi;
    double ybot = ytop + row * (2 * (double)k + 3);
    char buf[128];
    TRY(cmeta__plot_text(out, CMETA_ROLE_HEADING, 0, 0, ytop - row, CMETA_ANCHOR_LEFT, fs, 1, "Study", measure, ctx));
    snprintf(buf, sizeof buf, "observed [%g%% CI]  /  shrinkage [%g%% CrI]", b->level, b->level);
    TRY(cmeta__plot_text(out, CMETA_ROLE_HEADING, 1, x1 + 10, ytop - row, CMETA_ANCHOR_LEFT, fs, 1, buf, measure,
                         ctx));
    TRY(axis(out, x0, x1, ybot, lo, hi, "effect (posterior: grey)", fs, measure, ctx, &alo, &ahi));
    if (0 >= alo && 0 <= ahi)
        TRY(cmeta__plot_line(out, CMETA_ROLE_REFLINE, -1, cmeta_plot_xpos(out, 0), ytop - 4, cmeta_plot_xpos(out, 0),
                             ybot, 0.75, 1));
    for (size_t i = 0; i < k; i++) {
        double y = ytop + row * 2 * (double)i, s = sqrt(vi[i]);
        TRY(cmeta__plot_text(out, CMETA_ROLE_LABEL, (long)i, 0, y + fs / 3, CMETA_ANCHOR_LEFT, fs, 0, labels[i],
                             measure, ctx));
        TRY(interval(out, (long)i, yi[i] - z * s, yi[i] + z * s, yi[i], y, 0, 0));
        TRY(interval(out, (long)i, b->shr_lb[i], b->shr_ub[i], b->shr_mean[i], y + row * 0.8, 1, 0.55));
        char a[32], c1[32], c2[32];
        cmeta__fmt_fixed(a, sizeof a, yi[i], 2);
        cmeta__fmt_fixed(c1, sizeof c1, yi[i] - z * s, 2);
        cmeta__fmt_fixed(c2, sizeof c2, yi[i] + z * s, 2);
        snprintf(buf, sizeof buf, "%s [%s, %s]", a, c1, c2);
        TRY(cmeta__plot_text(out, CMETA_ROLE_EFFECT, (long)i, x1 + 10, y + fs / 3, CMETA_ANCHOR_LEFT, fs, 0, buf,
                             measure, ctx));
        cmeta__fmt_fixed(a, sizeof a, b->shr_mean[i], 2);
        cmeta__fmt_fixed(c1, sizeof c1, b->shr_lb[i], 2);
        cmeta__fmt_fixed(c2, sizeof c2, b->shr_ub[i], 2);
        snprintf(buf, sizeof buf, "%s [%s, %s]", a, c1, c2);
        TRY(cmeta__plot_text(out, CMETA_ROLE_EFFECT, (long)i, x1 + 10, y + row * 0.8 + fs / 3, CMETA_ANCHOR_LEFT,
                             fs * 0.9, 0, buf, measure, ctx));
    }
    /* mu: diamond over the central interval; prediction: a line below it */
    double ym = ytop + row * 2 * (double)k + row * 0.5;
    cmeta_prim *q = cmeta__plot_push(out, CMETA_PRIM_POLYGON, CMETA_ROLE_DIAMOND, -1);
    if (!q) goto fail;
    q->np = 4;
    q->px[0] = cmeta_plot_xpos(out, b->mu.ci_lb);
    q->py[0] = ym;
    q->px[1] = cmeta_plot_xpos(out, b->mu.median);
    q->py[1] = ym - 5;
    q->px[2] = cmeta_plot_xpos(out, b->mu.ci_ub);
    q->py[2] = ym;
    q->px[3] = q->px[1];
    q->py[3] = ym + 5;
    q->fill = 0.55;
    q->stroke = 0;
    TRY(cmeta__plot_line(out, CMETA_ROLE_PRED, -1, cmeta_plot_xpos(out, b->pred.ci_lb), ym + row,
                         cmeta_plot_xpos(out, b->pred.ci_ub), ym + row, 1, 0));
    TRY(cmeta__plot_text(out, CMETA_ROLE_SUMMARY, -1, 0, ym + fs / 3, CMETA_ANCHOR_LEFT, fs, 1, "mu (posterior)",
                         measure, ctx));
    TRY(cmeta__plot_text(out, CMETA_ROLE_SUMMARY, -2, 0, ym + row + fs / 3, CMETA_ANCHOR_LEFT, fs, 0, "prediction",
                         measure, ctx));
    {
        char a[32], c1[32], c2[32];
        cmeta__fmt_fixed(a, sizeof a, b->mu.median, 2);
        cmeta__fmt_fixed(c1, sizeof c1, b->mu.ci_lb, 2);
        cmeta__fmt_fixed(c2, sizeof c2, b->mu.ci_ub, 2);
        snprintf(buf, sizeof buf, "%s [%s, %s]", a, c1, c2);
        TRY(cmeta__plot_text(out, CMETA_ROLE_EFFECT, -1, x1 + 10, ym + fs / 3, CMETA_ANCHOR_LEFT, fs, 1, buf, measure,
                             ctx));
        cmeta__fmt_fixed(c1, sizeof c1, b->pred.ci_lb, 2);
        cmeta__fmt_fixed(c2, sizeof c2, b->pred.ci_ub, 2);
        snprintf(buf, sizeof buf, "[%s, %s]", c1, c2);
        TRY(cmeta__plot_text(out, CMETA_ROLE_EFFECT, -2, x1 + 10, ym + row + fs / 3, CMETA_ANCHOR_LEFT, fs, 0, buf,
                             measure, ctx));
    }
    char pl[260];
    snprintf(pl, sizeof pl, "tau prior: %s", b->tau_prior.label);
    TRY(cmeta__plot_text(out, CMETA_ROLE_STATS, 0, 0, ybot + 10 + 4 * fs, CMETA_ANCHOR_LEFT, fs * 0.9, 0, pl, measure,
                         ctx));
    cmeta__plot_finish(out, 10);
    return CMETA_OK;
fail:
    cmeta_plot_free(out);
    return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
}
