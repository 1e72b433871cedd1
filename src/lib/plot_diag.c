/* plot_diag.c - layouts of the Baujat, radial (Galbraith) and normal Q-Q plots: one scatter
 * panel with linear axes, the quantities from cmeta_diagplot_compute (diagplot.c), drawn as
 * metafor 3.8 draws them (baujat.rma: study numbers at the points (here beside them, placed so
 * that no two overlap); radial.rma: grey band
 * mu x +- zcrit, solid line z = mu x, dotted band edges, x axis from 0 to 1.3 max x;
 * qqnorm.rma.uni: points and the line y = x; labbe.rma: grey circles sized by weight, largest
 * drawn first, the solid line y = x and the dashed line y = x + estimate; the Q-Q envelope, when
 * computed, as dotted lines). The secondary (arc) axis of radial.rma is not drawn. Also the drapery
 * plot (p-value curves) and the bubble plot of a meta-regression (regplot.rma). See
 * cmeta/diagplot.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_internal.h"
#include "cmeta/diagplot.h"

#define TRY(x)                                                                         \
    do {                                                                               \
        cmeta_status st_ = (x);                                                        \
        if (st_ != CMETA_OK) return st_;                                               \
    } while (0)

typedef struct {
    cmeta_plot *out;
    double fs, W, H, asc, desc, lh, tl;
    char xt[96], yt[96];
    cmeta_text_measure_fn measure;
    void *mctx;
    const cmeta_diagplot_opts *o; /* figure controls, or NULL */
} page;

static cmeta_status text(const page *g, cmeta_prim_role role, long idx, double x, double y, cmeta_anchor a,
                         const char *s)
{
    return cmeta__plot_text(g->out, role, idx, x, y, a, g->fs, 0, s, g->measure, g->mctx);
}

/* a range [lo, hi] of the finite values v[0..n-1] and extra[0..ne-1], widened when empty */
static void range_of(const double *v, size_t n, const double *extra, size_t ne, double *lo, double *hi)
{
    double a = INFINITY, b = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) a = fmin(a, v[i]), b = fmax(b, v[i]);
    for (size_t i = 0; i < ne; i++)
        if (isfinite(extra[i])) a = fmin(a, extra[i]), b = fmax(b, extra[i]);
    if (!(a <= b)) a = 0, b = 1;
    if (b - a < 1e-12 * fmax(1, fabs(a))) {
        double d = fmax(0.5 * fabs(a), 0.5);
        a -= d, b += d;
    }
    *lo = a, *hi = b;
}

/* the frame, ticks and their labels (x: on the plot's scale, labels as shown, log ticks when
 * out->log_scale), the axis titles (the caller's xlab/ylab when given) and the title */
static cmeta_status axes(const page *g, const char *xtitle, const char *ytitle)
{
    cmeta_plot *out = g->out;
    char lab[64];
    double t[64], a, b;
    if (g->o && g->o->xlab) xtitle = g->o->xlab;
    if (g->o && g->o->ylab) ytitle = g->o->ylab;
    cmeta_prim *r = cmeta__plot_push(out, CMETA_PRIM_RECT, CMETA_ROLE_AXIS, -1);
    if (!r) return CMETA_ENOMEM;
    r->x = 0, r->y = 0, r->w = g->W, r->h = g->H, r->fill = -1, r->stroke = 0, r->line_width = 1;
    size_t n = cmeta__ticks(out->lo, out->hi, out->log_scale, t, 64, &a, &b);
    double base = g->H + g->tl + 2 + g->asc, prev = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < out->lo - 1e-9 * (out->hi - out->lo) || t[i] > out->hi + 1e-9 * (out->hi - out->lo)) continue;
        double x = cmeta_plot_xpos(out, t[i]);
        TRY(cmeta__plot_line(out, CMETA_ROLE_TICK, (long)i, x, g->H, x, g->H + g->tl, 1, 0));
        out->prim[out->n - 1].value = t[i];
        cmeta__fmt_tick(lab, sizeof lab, cmeta_plot_shown(out, t[i]));
        cmeta_text_extent e = {0, 0, 0};
        g->measure(g->mctx, lab, g->fs, 0, &e);
        if (x - e.width / 2 < prev + g->fs * 0.4) continue; /* a label that would touch the last one */
        prev = x + e.width / 2;
        TRY(text(g, CMETA_ROLE_TICKLABEL, (long)i, x, base, CMETA_ANCHOR_CENTER, lab));
        out->prim[out->n - 1].value = t[i];
    }
    TRY(text(g, CMETA_ROLE_AXISTITLE, 0, g->W / 2, base + g->desc + g->lh * 0.3 + g->asc, CMETA_ANCHOR_CENTER,
             xtitle));
    n = cmeta__ticks(out->ylo, out->yhi, 0, t, 64, &a, &b);
    for (size_t i = 0; i < n; i++) {
        if (t[i] < out->ylo - 1e-9 * (out->yhi - out->ylo) || t[i] > out->yhi + 1e-9 * (out->yhi - out->ylo))
            continue;
        double y = cmeta_plot_ypos(out, t[i]);
        TRY(cmeta__plot_line(out, CMETA_ROLE_TICK, -1 - (long)i, -g->tl, y, 0, y, 1, 0));
        out->prim[out->n - 1].value = t[i];
        cmeta__fmt_tick(lab, sizeof lab, t[i]);
        TRY(text(g, CMETA_ROLE_TICKLABEL, -1 - (long)i, -g->tl - 3, y + (g->asc - g->desc) / 2, CMETA_ANCHOR_RIGHT,
                 lab));
        out->prim[out->n - 1].value = t[i];
    }
    /* the y title above the panel (texts are horizontal) */
    TRY(text(g, CMETA_ROLE_AXISTITLE, 1, 0, -g->lh * 0.6, CMETA_ANCHOR_LEFT, ytitle));
    if (g->o && g->o->title && *g->o->title) { /* bold, centred over the panel, above the y title */
        double ts = g->fs * 1.2;
        cmeta_text_extent te = {0, 0, 0};
        g->measure(g->mctx, g->o->title, ts, 1, &te);
        double tdesc = te.descent > 0 ? te.descent : 0.25 * ts;
        TRY(cmeta__plot_text(out, CMETA_ROLE_TITLE, -1, g->W / 2, -g->lh * 0.6 - g->asc - 4 - tdesc, CMETA_ANCHOR_CENTER,
                             ts, 1, g->o->title, g->measure, g->mctx));
    }
    return CMETA_OK;
}

/* the line from (x1, y1) to (x2, y2) in data units, clipped to the panel in x */
static cmeta_status data_line(const page *g, cmeta_prim_role role, long idx, double x1, double y1, double x2,
                              double y2, double width, int dashed)
{
    cmeta_plot *o = g->out;
    return cmeta__plot_line(o, role, idx, cmeta_plot_xpos(o, x1), cmeta_plot_ypos(o, y1), cmeta_plot_xpos(o, x2),
                            cmeta_plot_ypos(o, y2), width, dashed);
}

/* L'Abbe: circles of radius 2.5 pt times the size, largest first so that small ones stay visible */
static cmeta_status sized_points(const page *g, const cmeta_diagplot_data *dd)
{
    cmeta_plot *o = g->out;
    unsigned char *done = cmeta_calloc(dd->k ? dd->k : 1, 1);
    if (!done) return CMETA_ENOMEM;
    for (size_t n = 0; n < dd->k; n++) {
        size_t best = dd->k;
        for (size_t i = 0; i < dd->k; i++)
            if (!done[i] && isfinite(dd->size[i]) && (best == dd->k || dd->size[i] > dd->size[best])) best = i;
        if (best == dd->k) break;
        done[best] = 1;
        cmeta_prim *c = cmeta__plot_push(o, CMETA_PRIM_CIRCLE, CMETA_ROLE_POINT, (long)best);
        if (!c) {
            cmeta_free(done);
            return CMETA_ENOMEM;
        }
        c->x = cmeta_plot_xpos(o, dd->x[best]), c->y = cmeta_plot_ypos(o, dd->y[best]);
        c->w = 2.5 * dd->size[best], c->fill = 0.6, c->stroke = 0, c->line_width = 0.75;
        c->value = dd->size[best];
    }
    cmeta_free(done);
    return CMETA_OK;
}

static int boxes_overlap(const double a[4], const double b[4])
{
    return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/* Baujat labels (metafor writes each study's number at its point, where they may overlap):
 * the label of the point at (px, py) goes to its right, else left, above, below, else
 * further up or down in steps of a line, at the first place where it touches no text placed
 * before it (tick labels, titles, other labels; label j of the plot, a text primitive just
 * pushed). */
static void place_label(const page *g, size_t j, double px, double py)
{
    cmeta_plot *o = g->out;
    cmeta_prim *t = &o->prim[j];
    const double gap = 3, mid = (g->asc - g->desc) / 2;
    for (int step = 0; step < 400; step++) {
        int side = step % 4, ring = step / 4;
        double dy = (ring % 2 ? 1 : -1) * ((ring + 1) / 2) * g->lh;
        switch (side) {
        case 0: t->x = px + gap, t->y = py + mid + dy, t->anchor = CMETA_ANCHOR_LEFT; break;
        case 1: t->x = px - gap, t->y = py + mid + dy, t->anchor = CMETA_ANCHOR_RIGHT; break;
        case 2: t->x = px, t->y = py - gap - g->desc + dy, t->anchor = CMETA_ANCHOR_CENTER; break;
        default: t->x = px, t->y = py + gap + g->asc + dy, t->anchor = CMETA_ANCHOR_CENTER; break;
        }
        double b[4], c[4];
        cmeta_prim_text_box(t, b);
        int clash = 0;
        for (size_t q = 0; q < j && !clash; q++) {
            if (o->prim[q].kind != CMETA_PRIM_TEXT) continue;
            cmeta_prim_text_box(&o->prim[q], c);
            clash = boxes_overlap(b, c);
        }
        if (!clash) return;
    }
}

static cmeta_status points(const page *g, const cmeta_diagplot_data *dd, const char *const *labels)
{
    cmeta_plot *o = g->out;
    char num[32];
    if (dd->kind == CMETA_DIAG_LABBE) return sized_points(g, dd);
    for (size_t i = 0; i < dd->k; i++) {
        if (!isfinite(dd->x[i]) || !isfinite(dd->y[i])) continue;
        double px = cmeta_plot_xpos(o, dd->x[i]), py = cmeta_plot_ypos(o, dd->y[i]);
        cmeta_prim *c = cmeta__plot_push(o, CMETA_PRIM_CIRCLE, CMETA_ROLE_POINT, (long)i);
        if (!c) return CMETA_ENOMEM;
        int lab = dd->kind == CMETA_DIAG_BAUJAT;
        c->x = px, c->y = py, c->w = lab ? 1.5 : 2.5, c->fill = 0, c->stroke = 0, c->line_width = 0.5;
        c->value = dd->y[i];
        if (!lab) continue;
        const char *s = labels && labels[i] ? labels[i] : NULL;
        if (!s) {
            snprintf(num, sizeof num, "%zu", i + 1);
            s = num;
        }
        TRY(text(g, CMETA_ROLE_LABEL, (long)i, px, py, CMETA_ANCHOR_LEFT, s));
        place_label(g, o->n - 1, px, py);
    }
    return CMETA_OK;
}

static cmeta_status draw(page *g, const cmeta_diagplot_data *dd, const char *const *labels)
{
    cmeta_plot *o = g->out;
    const double b = dd->estimate, zc = dd->zcrit;
    double xlo, xhi, ylo, yhi;
    const char *xt = "", *yt = "";
    if (dd->kind == CMETA_DIAG_RADIAL) {
        double xmax = 0;
        for (size_t i = 0; i < dd->k; i++)
            if (isfinite(dd->x[i])) xmax = fmax(xmax, dd->x[i]);
        xlo = 0, xhi = xmax > 0 ? 1.3 * xmax : 1;
        double ex[4] = {zc, -zc, zc + xhi * b, -zc + xhi * b};
        range_of(dd->y, dd->k, ex, 4, &ylo, &yhi);
        xt = dd->fixed ? "x = 1/\u221av" : "x = 1/\u221a(v + \u03c4\u00b2)";
        yt = dd->fixed ? "z = y/\u221av" : "z = y/\u221a(v + \u03c4\u00b2)";
    } else if (dd->kind == CMETA_DIAG_LABBE) {
        /* both axes over both arms' range, as labbe.rma (with R's 4% widening) */
        range_of(dd->x, dd->k, dd->y, dd->k, &xlo, &xhi);
        double d = 0.04 * (xhi - xlo);
        xlo -= d, xhi += d, ylo = xlo, yhi = xhi;
        const char *sc = dd->measure == CMETA_RR   ? "Log Proportion"
                         : dd->measure == CMETA_OR ? "Log Odds"
                         : dd->measure == CMETA_RD ? "Proportion"
                                                   : "Arcsine Transformed Proportion";
        snprintf(g->xt, sizeof g->xt, "%s (Group 2, control)", sc);
        snprintf(g->yt, sizeof g->yt, "%s (Group 1, treatment)", sc);
        xt = g->xt, yt = g->yt;
    } else {
        range_of(dd->x, dd->k, NULL, 0, &xlo, &xhi);
        range_of(dd->y, dd->k, dd->env_lb, dd->env_lb ? dd->k : 0, &ylo, &yhi);
        for (size_t j = 0; dd->env_ub && j < dd->k; j++)
            if (isfinite(dd->env_ub[j])) yhi = fmax(yhi, dd->env_ub[j]);
        /* R's default 4% widening of each axis range (par xaxs = yaxs = "r") */
        double dx = 0.04 * (xhi - xlo), dy = 0.04 * (yhi - ylo);
        xlo -= dx, xhi += dx, ylo -= dy, yhi += dy;
        if (dd->kind == CMETA_DIAG_BAUJAT) xlo = fmax(xlo, 0), ylo = fmax(ylo, 0); /* both are >= 0 */
        if (dd->kind == CMETA_DIAG_BAUJAT) {
            xt = dd->fixed ? "Contribution to Overall Heterogeneity" : "Squared Pearson Residual";
            yt = "Influence on Overall Result";
        } else {
            xt = "Theoretical Quantiles";
            yt = "Sample Quantiles (standardized residuals)";
        }
    }
    double t[64];
    (void)cmeta__ticks(xlo, xhi, 0, t, 64, &o->lo, &o->hi);
    if (dd->kind == CMETA_DIAG_RADIAL) o->lo = 0, o->hi = xhi;
    (void)cmeta__ticks(ylo, yhi, 0, t, 64, &o->ylo, &o->yhi);
    o->ax0 = 0, o->ax1 = g->W, o->ay0 = g->H, o->ay1 = 0;
    o->transf = CMETA_TRANS_NONE;
    o->transf_n = NAN;
    o->log_scale = 0;
    if (dd->kind == CMETA_DIAG_RADIAL) {
        cmeta_prim *p = cmeta__plot_push(o, CMETA_PRIM_POLYGON, CMETA_ROLE_REGION, 0);
        if (!p) return CMETA_ENOMEM;
        double vx[4] = {0, xhi, xhi, 0}, vy[4] = {zc, zc + xhi * b, -zc + xhi * b, -zc};
        for (int j = 0; j < 4; j++) p->px[j] = cmeta_plot_xpos(o, vx[j]), p->py[j] = cmeta_plot_ypos(o, vy[j]);
        p->np = 4, p->fill = 0.85, p->stroke = -1;
        TRY(data_line(g, CMETA_ROLE_ESTLINE, -1, 0, 0, xhi, xhi * b, 1, 0));
        TRY(data_line(g, CMETA_ROLE_ESTLINE, 0, 0, -zc, xhi, -zc + xhi * b, 1, 2));
        TRY(data_line(g, CMETA_ROLE_ESTLINE, 1, 0, zc, xhi, zc + xhi * b, 1, 2));
    } else if (dd->kind == CMETA_DIAG_LABBE) {
        TRY(data_line(g, CMETA_ROLE_REFLINE, -1, o->lo, o->lo, o->hi, o->hi, 1, 0));
        /* y = x + b for x in [line_lo, line_hi], clipped to the panel */
        double c0 = fmax(fmax(dd->line_lo, o->lo), o->ylo - b), c1 = fmin(fmin(dd->line_hi, o->hi), o->yhi - b);
        if (c0 < c1) TRY(data_line(g, CMETA_ROLE_ESTLINE, -1, c0, c0 + b, c1, c1 + b, 1, 1));
    } else if (dd->kind == CMETA_DIAG_QQ) {
        double a = fmax(o->lo, o->ylo), c = fmin(o->hi, o->yhi);
        if (a < c) TRY(data_line(g, CMETA_ROLE_REFLINE, -1, a, a, c, c, 1, 0));
        /* the pseudo confidence envelope, dotted (qqnorm.rma.uni lty[2] = "dotted") */
        for (size_t j = 0; dd->env_x && j + 1 < dd->k; j++) {
            TRY(data_line(g, CMETA_ROLE_REGION, (long)j, dd->env_x[j], dd->env_lb[j], dd->env_x[j + 1],
                          dd->env_lb[j + 1], 1, 2));
            o->prim[o->n - 1].value = dd->env_lb[j];
            TRY(data_line(g, CMETA_ROLE_REGION, -1 - (long)j, dd->env_x[j], dd->env_ub[j], dd->env_x[j + 1],
                          dd->env_ub[j + 1], 1, 2));
            o->prim[o->n - 1].value = dd->env_ub[j];
        }
    }
    TRY(axes(g, xt, yt));
    return points(g, dd, labels);
}
cmeta_status cmeta_diagplot_layout(const cmeta_diagplot_data *dd, const char *const *labels,
                                   cmeta_text_measure_fn measure, void *mctx, cmeta_plot *out, cmeta_error *err)
{
    return cmeta_diagplot_layout_opts(dd, labels, NULL, measure, mctx, out, err);
}

/* a page of the panel size w x h with the font's metrics */
static void page_init(page *g, cmeta_plot *out, double w, double h, const cmeta_diagplot_opts *o,
                      cmeta_text_measure_fn measure, void *mctx)
{
    memset(g, 0, sizeof *g);
    g->out = out, g->fs = 10, g->W = w, g->H = h, g->tl = 3.5, g->measure = measure, g->mctx = mctx, g->o = o;
    cmeta_text_extent fe = {0, 0, 0};
    measure(mctx, "Hg", g->fs, 0, &fe);
    g->asc = fe.ascent > 0 ? fe.ascent : 0.8 * g->fs;
    g->desc = fe.descent > 0 ? fe.descent : 0.25 * g->fs;
    g->lh = (g->asc + g->desc) * 1.3;
}

cmeta_status cmeta_diagplot_layout_opts(const cmeta_diagplot_data *dd, const char *const *labels,
                                        const cmeta_diagplot_opts *o, cmeta_text_measure_fn measure, void *mctx,
                                        cmeta_plot *out, cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "diagnostic plot: no output plot given");
    memset(out, 0, sizeof *out);
    if (!dd || !dd->x || !dd->y || !measure)
        return cmeta_error_set(err, CMETA_EUSAGE, "diagnostic plot: quantities and a text measure are required");
    page g;
    int wide = dd->kind == CMETA_DIAG_BAUJAT || dd->kind == CMETA_DIAG_QQ;
    page_init(&g, out, wide ? 320 : 300, wide ? 240 : 300, o, measure, mctx);
    cmeta_status st = draw(&g, dd, labels);
    if (st != CMETA_OK) {
        cmeta_plot_free(out);
        return cmeta_error_set(err, st, "diagnostic plot: %s", cmeta_strerror(st));
    }
    cmeta__plot_finish(out, g.fs);
    return CMETA_OK;
}

/* ---- drapery ----------------------------------------------------------------------------- */

/* the x axis of the measure's scale: ratios on a log axis labelled with ratios, everything
 * else as yi (transformed proportions and correlations too: their yi scale) */
static void effect_axis(cmeta_plot *o, cmeta_measure m, double lo, double hi)
{
    double t[64];
    o->log_scale = cmeta_measure_transform(m) == CMETA_TRANS_EXP;
    o->transf = o->log_scale ? CMETA_TRANS_EXP : CMETA_TRANS_NONE;
    o->transf_n = NAN;
    (void)cmeta__ticks(lo, hi, o->log_scale, t, 64, &o->lo, &o->hi);
}

static const char *effect_title(cmeta_measure m, char *buf, size_t n)
{
    if (cmeta_measure_transform(m) == CMETA_TRANS_EXP)
        snprintf(buf, n, "%s (log scale)", cmeta__measure_long_name(m));
    else snprintf(buf, n, "%s", cmeta__measure_long_name(m));
    return buf;
}

/* the indices of the grid drawn: every stride-th point, the last, and every point at which a
 * curve peaks (theta = a study's yi or the estimate), so that no peak is cut */
static size_t draw_points(const cmeta_drapery_data *dd, size_t *idx)
{
    size_t n = dd->n, stride = n > 240 ? (n + 239) / 240 : 1, m = 0;
    for (size_t j = 0; j < n; j++) {
        int keep = j % stride == 0 || j + 1 == n || dd->theta[j] == dd->estimate;
        for (size_t i = 0; i < dd->k && !keep; i++) keep = dd->theta[j] == dd->yi[i];
        if (keep) idx[m++] = j;
    }
    return m;
}

/* the curve v[idx[.]] as line segments (those lying on p < 0.001 at both ends are left out:
 * they would be drawn on the axis) */
static cmeta_status curve(const page *g, const cmeta_drapery_data *dd, const size_t *idx, size_t m, const double *v,
                          cmeta_prim_role role, long index, double grey, double width)
{
    cmeta_plot *o = g->out;
    for (size_t u = 0; u + 1 < m; u++) {
        size_t a = idx[u], b = idx[u + 1];
        if (v[a] < 1e-3 && v[b] < 1e-3) continue;
        TRY(data_line(g, role, index, dd->theta[a], v[a], dd->theta[b], v[b], width, 0));
        o->prim[o->n - 1].stroke = grey;
    }
    return CMETA_OK;
}

static cmeta_status drapery_draw(page *g, const cmeta_drapery_data *dd, size_t *idx, size_t *ord)
{
    cmeta_plot *o = g->out;
    char buf[32];
    effect_axis(o, dd->measure, dd->theta[0], dd->theta[dd->n - 1]);
    o->ylo = 0, o->yhi = 1;
    o->ax0 = 0, o->ax1 = g->W, o->ay0 = g->H, o->ay1 = 0;
    size_t m = draw_points(dd, idx);
    /* the prediction region: under the prediction curve (meta: polygon, col.predict) */
    if (dd->pred)
        for (size_t u = 0; u + 1 < m; u++) {
            size_t a = idx[u], b = idx[u + 1];
            if (dd->pred[a] < 1e-3 && dd->pred[b] < 1e-3) continue;
            cmeta_prim *p = cmeta__plot_push(o, CMETA_PRIM_POLYGON, CMETA_ROLE_PRED, -1);
            if (!p) return CMETA_ENOMEM;
            double vx[4] = {dd->theta[a], dd->theta[b], dd->theta[b], dd->theta[a]},
                   vy[4] = {0, 0, dd->pred[b], dd->pred[a]};
            for (int j = 0; j < 4; j++) p->px[j] = cmeta_plot_xpos(o, vx[j]), p->py[j] = cmeta_plot_ypos(o, vy[j]);
            p->np = 4, p->fill = 0.85, p->stroke = 0.85, p->line_width = 0.3;
        }
    /* null effect */
    if (0 >= o->lo && 0 <= o->hi) TRY(data_line(g, CMETA_ROLE_REFLINE, -1, 0, 0, 0, 1, 1, 0));
    /* the studies, least precise first, grey levels as gray.colors(k): 0.3 (most precise) to
     * 0.9 (least), gamma 2.2 as R's gray.colors */
    for (size_t i = 0; i < dd->k; i++) ord[i] = i;
    for (size_t i = 1; i < dd->k; i++) /* by decreasing se, stable */
        for (size_t j = i; j > 0 && dd->sei[ord[j - 1]] < dd->sei[ord[j]]; j--) {
            size_t t = ord[j];
            ord[j] = ord[j - 1], ord[j - 1] = t;
        }
    for (size_t r = 0; r < dd->k; r++) {
        size_t i = ord[r];
        double f = dd->k > 1 ? (double)(dd->k - 1 - r) / (double)(dd->k - 1) : 0; /* 1 least precise */
        double lvl = pow(pow(0.3, 2.2) + (pow(0.9, 2.2) - pow(0.3, 2.2)) * f, 1 / 2.2);
        TRY(curve(g, dd, idx, m, dd->p + i * dd->n, CMETA_ROLE_CI, (long)i, lvl, 1));
    }
    TRY(curve(g, dd, idx, m, dd->pooled, CMETA_ROLE_DIAMOND, -1, 0, 2.5));
    /* the level line (meta: alpha lines with "p = a" left and "(1 - a)%-CI" right) */
    double alpha = 1 - dd->level / 100, yl = cmeta_plot_ypos(o, alpha);
    TRY(cmeta__plot_line(o, CMETA_ROLE_REFLINE, 0, 0, yl, g->W, yl, 1, 1));
    o->prim[o->n - 1].value = alpha;
    cmeta__fmt_tick(buf, 32, alpha);
    char lab[64];
    snprintf(lab, sizeof lab, "p = %s", buf);
    TRY(text(g, CMETA_ROLE_STATS, 0, 3, yl - g->desc - 2, CMETA_ANCHOR_LEFT, lab));
    cmeta__fmt_tick(buf, 32, dd->level);
    snprintf(lab, sizeof lab, "%s%% CI", buf);
    TRY(text(g, CMETA_ROLE_STATS, 1, g->W - 3, yl - g->desc - 2, CMETA_ANCHOR_RIGHT, lab));
    TRY(axes(g, effect_title(dd->measure, g->xt, sizeof g->xt), "P-value"));
    /* the right axis: confidence level 1 - p */
    for (int j = 0; j <= 5; j++) {
        double p = j / 5.0, y = cmeta_plot_ypos(o, p);
        TRY(cmeta__plot_line(o, CMETA_ROLE_TICK, 100 + j, g->W, y, g->W + g->tl, y, 1, 0));
        cmeta__fmt_tick(buf, 32, 1 - p);
        TRY(text(g, CMETA_ROLE_TICKLABEL, 100 + j, g->W + g->tl + 3, y + (g->asc - g->desc) / 2, CMETA_ANCHOR_LEFT, buf));
    }
    TRY(text(g, CMETA_ROLE_AXISTITLE, 2, g->W, -g->lh * 0.6, CMETA_ANCHOR_RIGHT, "Confidence level"));
    /* legend under the x axis title: the pooled curve, the prediction region, the studies */
    double ly = g->H + g->tl + 2 + g->asc + g->desc + g->lh * 0.3 + g->asc + g->desc + g->lh * 0.8, key = 18;
    int fe = dd->fixed;
    const char *names[3] = {fe ? "Fixed-effect model" : "Random-effects model", "Prediction region", "Studies"};
    for (long li = 0; li < 3; li++) {
        if (li == 1 && !dd->pred) continue;
        double cy = ly + g->lh / 2;
        if (li == 1) {
            cmeta_prim *q = cmeta__plot_push(o, CMETA_PRIM_RECT, CMETA_ROLE_LEGEND, li);
            if (!q) return CMETA_ENOMEM;
            q->x = 0, q->y = cy - g->fs * 0.35, q->w = key, q->h = g->fs * 0.7, q->fill = 0.85, q->stroke = -1;
        } else {
            TRY(cmeta__plot_line(o, CMETA_ROLE_LEGEND, li, 0, cy, key, cy, li == 0 ? 2.5 : 1, 0));
            if (li == 2) o->prim[o->n - 1].stroke = 0.6;
        }
        TRY(text(g, CMETA_ROLE_LEGEND, li, key + 5, cy + (g->asc - g->desc) / 2, CMETA_ANCHOR_LEFT, names[li]));
        ly += g->lh;
    }
    return CMETA_OK;
}

cmeta_status cmeta_drapery_layout(const cmeta_drapery_data *dd, const cmeta_diagplot_opts *o,
                                  cmeta_text_measure_fn measure, void *mctx, cmeta_plot *out, cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "drapery plot: no output plot given");
    memset(out, 0, sizeof *out);
    if (!dd || !dd->theta || !dd->p || !dd->pooled || dd->n < 2 || !measure)
        return cmeta_error_set(err, CMETA_EUSAGE, "drapery plot: quantities and a text measure are required");
    page g;
    page_init(&g, out, 340, 240, o, measure, mctx);
    size_t *idx = cmeta_calloc(dd->n, sizeof *idx), *ord = cmeta_calloc(dd->k ? dd->k : 1, sizeof *ord);
    cmeta_status st = idx && ord ? drapery_draw(&g, dd, idx, ord) : CMETA_ENOMEM;
    cmeta_free(idx);
    cmeta_free(ord);
    if (st != CMETA_OK) {
        cmeta_plot_free(out);
        return cmeta_error_set(err, st, "drapery plot: %s", cmeta_strerror(st));
    }
    cmeta__plot_finish(out, g.fs);
    return CMETA_OK;
}

/* ---- bubble plot ------------------------------------------------------------------------- */

/* the band between lb and ub over xs, as quadrilaterals (every step-th point) */
static cmeta_status band(page *g, const cmeta_regplot_data *rd, const double *lb, const double *ub, size_t step,
                         double grey, long index)
{
    cmeta_plot *o = g->out;
    for (size_t m = 0; m + 1 < rd->npred; m += step) {
        size_t e = m + step < rd->npred ? m + step : rd->npred - 1;
        cmeta_prim *p = cmeta__plot_push(o, CMETA_PRIM_POLYGON, CMETA_ROLE_REGION, index);
        if (!p) return CMETA_ENOMEM;
        double vx[4] = {rd->xs[m], rd->xs[e], rd->xs[e], rd->xs[m]}, vy[4] = {lb[m], lb[e], ub[e], ub[m]};
        for (int j = 0; j < 4; j++) p->px[j] = cmeta_plot_xpos(o, vx[j]), p->py[j] = cmeta_plot_ypos(o, vy[j]);
        p->np = 4, p->fill = grey, p->stroke = grey, p->line_width = 0.3;
    }
    return CMETA_OK;
}

static cmeta_status polyline(page *g, const cmeta_regplot_data *rd, const double *v, size_t step, cmeta_prim_role role,
                             long index, double width, int dashed)
{
    for (size_t m = 0; m + 1 < rd->npred; m += step) {
        size_t e = m + step < rd->npred ? m + step : rd->npred - 1;
        TRY(data_line(g, role, index, rd->xs[m], v[m], rd->xs[e], v[e], width, dashed));
    }
    return CMETA_OK;
}

static cmeta_status regplot_draw(page *g, const cmeta_regplot_data *rd, const char *xname, int show_pi)
{
    cmeta_plot *o = g->out;
    double xlo, xhi, ylo, yhi, t[64];
    range_of(rd->x, rd->k, NULL, 0, &xlo, &xhi);
    range_of(rd->y, rd->k, rd->ci_lb, rd->npred, &ylo, &yhi);
    for (size_t m = 0; m < rd->npred; m++) {
        yhi = fmax(yhi, rd->ci_ub[m]);
        if (show_pi) ylo = fmin(ylo, rd->pi_lb[m]), yhi = fmax(yhi, rd->pi_ub[m]);
    }
    /* R's 4% widening (xs spans exactly this x range) */
    double dx = 0.04 * (xhi - xlo), dy = 0.04 * (yhi - ylo);
    xlo -= dx, xhi += dx, ylo -= dy, yhi += dy;
    o->lo = xlo, o->hi = xhi;
    o->transf = CMETA_TRANS_NONE, o->transf_n = NAN;
    (void)cmeta__ticks(ylo, yhi, 0, t, 64, &o->ylo, &o->yhi);
    o->ax0 = 0, o->ax1 = g->W, o->ay0 = g->H, o->ay1 = 0;
    size_t step = rd->npred > 200 ? rd->npred / 200 : 1;
    if (show_pi) TRY(band(g, rd, rd->pi_lb, rd->pi_ub, step, 0.95, 1));
    TRY(band(g, rd, rd->ci_lb, rd->ci_ub, step, 0.85, 0));
    /* dashed and dotted edges in longer pieces, so that the pattern shows */
    size_t dstep = rd->npred > 25 ? rd->npred / 25 : 1;
    TRY(polyline(g, rd, rd->ci_lb, dstep, CMETA_ROLE_CI, 0, 1, 1));
    TRY(polyline(g, rd, rd->ci_ub, dstep, CMETA_ROLE_CI, 1, 1, 1));
    if (show_pi) {
        TRY(polyline(g, rd, rd->pi_lb, dstep, CMETA_ROLE_PRED, 0, 1, 2));
        TRY(polyline(g, rd, rd->pi_ub, dstep, CMETA_ROLE_PRED, 1, 1, 2));
    }
    TRY(polyline(g, rd, rd->pred, step, CMETA_ROLE_ESTLINE, -1, 3, 0));
    /* points: grey circles with black edges, largest first (regplot: pch 21, bg "darkgray") */
    cmeta_diagplot_data tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.kind = CMETA_DIAG_LABBE, tmp.k = rd->k, tmp.x = rd->x, tmp.y = rd->y, tmp.size = rd->psize;
    TRY(sized_points(g, &tmp));
    for (size_t j = 0; j < o->n; j++)
        if (o->prim[j].kind == CMETA_PRIM_CIRCLE) o->prim[j].fill = 0.66;
    /* y on the yi scale (regplot's ylab: "Log Risk Ratio" for RR) */
    char yt[96];
    if (cmeta_measure_transform(rd->measure) == CMETA_TRANS_EXP)
        snprintf(yt, sizeof yt, "Log %s", cmeta__measure_long_name(rd->measure));
    else snprintf(yt, sizeof yt, "%s", cmeta__measure_long_name(rd->measure));
    TRY(axes(g, xname && *xname ? xname : "Moderator", yt));
    return CMETA_OK;
}

cmeta_status cmeta_regplot_layout(const cmeta_regplot_data *rd, const char *xname, int show_pi,
                                  const cmeta_diagplot_opts *o, cmeta_text_measure_fn measure, void *mctx,
                                  cmeta_plot *out, cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "bubble plot: no output plot given");
    memset(out, 0, sizeof *out);
    if (!rd || !rd->x || !rd->xs || rd->npred < 2 || !measure)
        return cmeta_error_set(err, CMETA_EUSAGE, "bubble plot: quantities and a text measure are required");
    page g;
    page_init(&g, out, 320, 260, o, measure, mctx);
    cmeta_status st = regplot_draw(&g, rd, xname, show_pi);
    if (st != CMETA_OK) {
        cmeta_plot_free(out);
        return cmeta_error_set(err, st, "bubble plot: %s", cmeta_strerror(st));
    }
    cmeta__plot_finish(out, g.fs);
    return CMETA_OK;
}
#undef TRY
