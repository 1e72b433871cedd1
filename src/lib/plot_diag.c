/* plot_diag.c - layouts of the Baujat, radial (Galbraith) and normal Q-Q plots: one scatter
 * panel with linear axes, the quantities from cmeta_diagplot_compute (diagplot.c), drawn as
 * metafor 3.8 draws them (baujat.rma: study numbers at the points (here beside them, placed so
 * that no two overlap); radial.rma: grey band
 * mu x +- zcrit, solid line z = mu x, dotted band edges, x axis from 0 to 1.3 max x;
 * qqnorm.rma.uni: points and the line y = x; labbe.rma: grey circles sized by weight, largest
 * drawn first, the solid line y = x and the dashed line y = x + estimate). The secondary (arc) axis of radial.rma and the
 * simulated envelope of qqnorm.rma.uni are not drawn. See cmeta/diagplot.h.
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

static cmeta_status axes(const page *g, const char *xtitle, const char *ytitle)
{
    cmeta_plot *out = g->out;
    char lab[64];
    double t[64], a, b;
    cmeta_prim *r = cmeta__plot_push(out, CMETA_PRIM_RECT, CMETA_ROLE_AXIS, -1);
    if (!r) return CMETA_ENOMEM;
    r->x = 0, r->y = 0, r->w = g->W, r->h = g->H, r->fill = -1, r->stroke = 0, r->line_width = 1;
    size_t n = cmeta__ticks(out->lo, out->hi, 0, t, 64, &a, &b);
    double base = g->H + g->tl + 2 + g->asc;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < out->lo - 1e-9 * (out->hi - out->lo) || t[i] > out->hi + 1e-9 * (out->hi - out->lo)) continue;
        double x = cmeta_plot_xpos(out, t[i]);
        TRY(cmeta__plot_line(out, CMETA_ROLE_TICK, (long)i, x, g->H, x, g->H + g->tl, 1, 0));
        out->prim[out->n - 1].value = t[i];
        cmeta__fmt_tick(lab, sizeof lab, t[i]);
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
    return text(g, CMETA_ROLE_AXISTITLE, 1, 0, -g->lh * 0.6, CMETA_ANCHOR_LEFT, ytitle);
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
        range_of(dd->y, dd->k, NULL, 0, &ylo, &yhi);
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
    }
    TRY(axes(g, xt, yt));
    return points(g, dd, labels);
}
#undef TRY

cmeta_status cmeta_diagplot_layout(const cmeta_diagplot_data *dd, const char *const *labels,
                                   cmeta_text_measure_fn measure, void *mctx, cmeta_plot *out, cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "diagnostic plot: no output plot given");
    memset(out, 0, sizeof *out);
    if (!dd || !dd->x || !dd->y || !measure)
        return cmeta_error_set(err, CMETA_EUSAGE, "diagnostic plot: quantities and a text measure are required");
    page g = {out, 10, 300, 300, 0, 0, 0, 3.5, "", "", measure, mctx};
    if (dd->kind == CMETA_DIAG_BAUJAT || dd->kind == CMETA_DIAG_QQ) g.H = 240, g.W = 320;
    cmeta_text_extent fe = {0, 0, 0};
    measure(mctx, "Hg", g.fs, 0, &fe);
    g.asc = fe.ascent > 0 ? fe.ascent : 0.8 * g.fs;
    g.desc = fe.descent > 0 ? fe.descent : 0.25 * g.fs;
    g.lh = (g.asc + g.desc) * 1.3;
    cmeta_status st = draw(&g, dd, labels);
    if (st != CMETA_OK) {
        cmeta_plot_free(out);
        return cmeta_error_set(err, st, "diagnostic plot: %s", cmeta_strerror(st));
    }
    cmeta__plot_finish(out, g.fs);
    return CMETA_OK;
}
