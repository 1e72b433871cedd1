/* plot_gosh.c - GOSH plot (Olkin, Dahabreh & Trikalinos 2012): subset estimates against
 * their I^2, counted in a fixed grid while cmeta_gosh streams the subsets, then laid out
 * as shaded cells with marginal histograms (what metafor 3.8 plot.gosh.rma shows as a
 * transparent scatter with histograms above and to the right). See cmeta/plot.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_internal.h"

#define DEFAULT_NX 160
#define DEFAULT_NY 100

/* ---- counting ---------------------------------------------------------------------------- */

cmeta_status cmeta_gosh_bins_init(cmeta_gosh_bins *b, const cmeta_data *d, size_t nx, size_t ny,
                                  cmeta_error *err)
{
    if (!b) return cmeta_error_set(err, CMETA_EUSAGE, "GOSH plot: no bins given");
    memset(b, 0, sizeof *b);
    if (!d || d->k == 0 || !d->yi) return cmeta_error_set(err, CMETA_EUSAGE, "GOSH plot: no studies");
    if (nx == 0) nx = DEFAULT_NX;
    if (ny == 0) ny = DEFAULT_NY;
    if (nx > 10000 || ny > 10000)
        return cmeta_error_set(err, CMETA_EUSAGE, "GOSH plot: grid of %zu x %zu cells is too large (at most 10000 a side)", nx, ny);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < d->k; i++) {
        if (!isfinite(d->yi[i])) continue;
        lo = fmin(lo, d->yi[i]);
        hi = fmax(hi, d->yi[i]);
    }
    if (!(lo <= hi)) return cmeta_error_set(err, CMETA_EDATA, "GOSH plot: no study with a finite estimate");
    cmeta_transform_kind tk = cmeta_data_transform(d);
    double hn = tk == CMETA_TRANS_IFT ? cmeta__harmonic_n(d) : NAN;
    if (tk == CMETA_TRANS_IFT && !(hn > 0)) tk = CMETA_TRANS_NONE; /* no ni: the FT scale itself */
    double t[64], alo, ahi;
    (void)cmeta__ticks_transf(lo, hi, tk, hn, t, 64, &alo, &ahi);
    b->count = cmeta_calloc(nx * ny, sizeof *b->count);
    b->xmarg = cmeta_calloc(nx, sizeof *b->xmarg);
    b->ymarg = cmeta_calloc(ny, sizeof *b->ymarg);
    if (!b->count || !b->xmarg || !b->ymarg) {
        cmeta_gosh_bins_free(b);
        return cmeta_error_set(err, CMETA_ENOMEM, "GOSH plot: %s", cmeta_strerror(CMETA_ENOMEM));
    }
    b->nx = nx;
    b->ny = ny;
    b->xlo = alo;
    b->xhi = ahi;
    b->ylo = 0;
    b->yhi = 100;
    b->dlo = lo;
    b->dhi = hi;
    b->k = d->k;
    b->measure = d->measure;
    b->transf = tk;
    b->transf_n = tk == CMETA_TRANS_IFT ? hn : NAN;
    return CMETA_OK;
}

void cmeta_gosh_bins_free(cmeta_gosh_bins *b)
{
    if (!b) return;
    cmeta_free(b->count);
    cmeta_free(b->xmarg);
    cmeta_free(b->ymarg);
    memset(b, 0, sizeof *b);
}

/* index of v in n equal cells over [lo, hi]; -1 off the grid */
static long cell_of(double v, double lo, double hi, size_t n)
{
    double tol = 1e-9 * (hi - lo);
    if (!(v >= lo - tol && v <= hi + tol)) return -1;
    double f = (v - lo) / (hi - lo) * (double)n;
    long i = f < 0 ? 0 : (long)floor(f);
    if (i >= (long)n) i = (long)n - 1;
    return i;
}

int cmeta_gosh_bins_cell(const cmeta_gosh_bins *b, double x, double I2, size_t *ix, size_t *iy)
{
    long a = cell_of(x, b->xlo, b->xhi, b->nx), c = cell_of(I2, b->ylo, b->yhi, b->ny);
    if (a < 0 || c < 0) return 0;
    *ix = (size_t)a;
    *iy = (size_t)c;
    return 1;
}

int cmeta_gosh_bins_add(void *bins, const cmeta_gosh_row *rows, size_t n)
{
    cmeta_gosh_bins *b = bins;
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].ok) {
            b->failed++;
            continue;
        }
        size_t ix, iy;
        if (!cmeta_gosh_bins_cell(b, rows[i].estimate, rows[i].I2, &ix, &iy)) {
            b->outside++;
            continue;
        }
        b->count[iy * b->nx + ix]++;
        b->xmarg[ix]++;
        b->ymarg[iy]++;
        b->n++;
    }
    return 0;
}

/* ---- layout ------------------------------------------------------------------------------ */

void cmeta_gosh_plot_opts_default(cmeta_gosh_plot_opts *o)
{
    memset(o, 0, sizeof *o);
    o->font_size = 10;
    o->width = 320;
    o->height = 200;
    o->hist_size = 60;
    o->hist_x = 4;
    o->hist_y = 2;
}

double cmeta_plot_ypos(const cmeta_plot *p, double v)
{
    return p->ay0 + (v - p->ylo) / (p->yhi - p->ylo) * (p->ay1 - p->ay0);
}

/* grey of a cell holding c subsets when the fullest holds cmax */
static double shade(uint64_t c, uint64_t cmax)
{
    if (cmax <= 1) return 0.4;
    return 0.82 * (1 - log((double)c) / log((double)cmax));
}

static cmeta_status rect(cmeta_plot *p, cmeta_prim_role role, long index, double value, double x,
                         double y, double w, double h, double fill, double stroke, double lw)
{
    cmeta_prim *q = cmeta__plot_push(p, CMETA_PRIM_RECT, role, index);
    if (!q) return CMETA_ENOMEM;
    q->value = value;
    q->x = x, q->y = y, q->w = w, q->h = h;
    q->fill = fill;
    q->stroke = stroke;
    q->line_width = lw;
    return CMETA_OK;
}

/* move everything by less than a point so that the panel's corner (ax0, ay1) is on whole
 * points; the page grows by a point each way */
static void shift_whole(cmeta_plot *p)
{
    double dx = ceil(p->ax0) - p->ax0, dy = ceil(p->ay1) - p->ay1;
    cmeta__plot_translate(p, dx, dy);
    p->width += 1;
    p->height += 1;
}

/* What every part of the GOSH figure needs: the plot being built, the panel's size in points,
 * the font's size and metrics, the cell size and the text measure. */
typedef struct {
    cmeta_plot *out;
    double fs, W, H, hs, gap, asc, desc, lh, cw, ch, tl;
    cmeta_text_measure_fn measure;
    void *mctx;
} gosh_page;

#define TRY(x)                                                                         \
    do {                                                                               \
        cmeta_status st_ = (x);                                                        \
        if (st_ != CMETA_OK) return st_;                                               \
    } while (0)

static cmeta_status text(const gosh_page *g, cmeta_prim_role role, long idx, double x, double y,
                         cmeta_anchor anchor, const char *s)
{
    return cmeta__plot_text(g->out, role, idx, x, y, anchor, g->fs, 0, s, g->measure, g->mctx);
}

/* cells: one rectangle each (no outline); the page is shifted at the end so that the cell edges
 * fall on whole points, hence on pixel edges of the PNG (no seams) */
static cmeta_status draw_cells(const gosh_page *g, const cmeta_gosh_bins *b, uint64_t cmax)
{
    const size_t nx = b->nx, ny = b->ny;
    for (size_t iy = 0; iy < ny; iy++)
        for (size_t ix = 0; ix < nx; ix++) {
            uint64_t c = b->count[iy * nx + ix];
            if (!c) continue;
            TRY(rect(g->out, CMETA_ROLE_CELL, (long)(iy * nx + ix), (double)c, (double)ix * g->cw,
                     g->H - (double)(iy + 1) * g->ch, g->cw, g->ch, shade(c, cmax), -1, 0));
        }
    return rect(g->out, CMETA_ROLE_AXIS, -1, NAN, 0, 0, g->W, g->H, -1, 0, 1);
}

/* marginal histograms: estimates above the panel, I^2 to its right, each bar hist_x (hist_y)
 * cells wide and scaled to the fullest bar of its histogram */
static cmeta_status draw_histograms(const gosh_page *g, const cmeta_gosh_bins *b, const cmeta_gosh_plot_opts *o)
{
    const size_t nx = b->nx, ny = b->ny;
    size_t nbx = (nx + o->hist_x - 1) / o->hist_x, nby = (ny + o->hist_y - 1) / o->hist_y;
    for (int axis = 0; axis < 2; axis++) {
        size_t nb = axis ? nby : nbx, gw = axis ? o->hist_y : o->hist_x, n = axis ? ny : nx;
        const uint64_t *m = axis ? b->ymarg : b->xmarg;
        uint64_t hmax = 0;
        for (size_t j = 0; j < nb; j++) {
            uint64_t s = 0;
            for (size_t i = j * gw; i < n && i < (j + 1) * gw; i++) s += m[i];
            if (s > hmax) hmax = s;
        }
        for (size_t j = 0; j < nb; j++) {
            uint64_t s = 0;
            size_t i1 = (j + 1) * gw < n ? (j + 1) * gw : n;
            for (size_t i = j * gw; i < i1; i++) s += m[i];
            if (!s) continue;
            double len = (double)s / (double)hmax * g->hs;
            if (axis == 0)
                TRY(rect(g->out, CMETA_ROLE_HIST, (long)j, (double)s, (double)(j * gw) * g->cw, -g->gap - len,
                         (double)(i1 - j * gw) * g->cw, len, 0.7, 0.35, 0.5));
            else
                TRY(rect(g->out, CMETA_ROLE_HIST, -1 - (long)j, (double)s, g->W + g->gap, g->H - (double)i1 * g->ch,
                         len, (double)(i1 - j * gw) * g->ch, 0.7, 0.35, 0.5));
        }
    }
    TRY(cmeta__plot_line(g->out, CMETA_ROLE_AXIS, -2, 0, -g->gap, g->W, -g->gap, 0.75, 0));
    return cmeta__plot_line(g->out, CMETA_ROLE_AXIS, -3, g->W + g->gap, 0, g->W + g->gap, g->H, 0.75, 0);
}

/* y axis: I^2 0, 20, ..., 100 */
static cmeta_status draw_y_axis(const gosh_page *g, const cmeta_gosh_bins *b)
{
    cmeta_plot *out = g->out;
    char lab[256];
    double yt[64], ya, yb, ylw = 0;
    size_t nyt = cmeta__ticks(b->ylo, b->yhi, 0, yt, 64, &ya, &yb);
    for (size_t t = 0; t < nyt; t++) {
        if (yt[t] < b->ylo - 1e-9 || yt[t] > b->yhi + 1e-9) continue;
        double yy = cmeta_plot_ypos(out, yt[t]);
        TRY(cmeta__plot_line(out, CMETA_ROLE_TICK, -1 - (long)t, -g->tl, yy, 0, yy, 1, 0));
        out->prim[out->n - 1].value = yt[t];
        cmeta__fmt_tick(lab, sizeof lab, yt[t]);
        TRY(text(g, CMETA_ROLE_TICKLABEL, -1 - (long)t, -g->tl - 3, yy + (g->asc - g->desc) / 2,
                 CMETA_ANCHOR_RIGHT, lab));
        out->prim[out->n - 1].value = yt[t];
        ylw = fmax(ylw, out->prim[out->n - 1].tw);
    }
    return text(g, CMETA_ROLE_AXISTITLE, 1, -g->tl - 3 - ylw - g->fs * 0.6, g->H / 2 + (g->asc - g->desc) / 2,
                CMETA_ANCHOR_RIGHT, "I\u00b2 (%)");
}

/* x axis: the estimate, labelled back-transformed; labels thinned until none touch. Returns in
 * *yline the baseline of the axis title. */
static cmeta_status draw_x_axis(const gosh_page *g, const cmeta_gosh_bins *b, double *yline)
{
    cmeta_plot *out = g->out;
    const double fs = g->fs;
    char lab[256];
    double xt[64], xa, xb, lw[64];
    size_t nxt = cmeta__ticks_transf(b->dlo, b->dhi, b->transf, b->transf_n, xt, 64, &xa, &xb);
    for (size_t t = 0; t < nxt; t++) {
        cmeta__fmt_tick(lab, sizeof lab, cmeta_plot_shown(out, xt[t]));
        cmeta_text_extent e = {0, 0, 0};
        g->measure(g->mctx, lab, fs, 0, &e);
        lw[t] = e.width;
    }
    size_t stride = 1;
    for (; stride < nxt; stride++) {
        int ok = 1;
        double prev = -INFINITY;
        for (size_t t = 0; t < nxt; t += stride) {
            double cx = cmeta_plot_xpos(out, xt[t]);
            if (cx - lw[t] / 2 < prev + fs * 0.5) ok = 0;
            prev = cx + lw[t] / 2;
        }
        if (ok) break;
    }
    double lab_base = g->H + fmax(g->tl + 2, (g->asc + g->desc) / 2 + 2) + g->asc;
    for (size_t t = 0; t < nxt; t++) {
        double cx = cmeta_plot_xpos(out, xt[t]);
        if (cx < -1e-9 || cx > g->W + 1e-9) continue;
        TRY(cmeta__plot_line(out, CMETA_ROLE_TICK, (long)t, cx, g->H, cx, g->H + g->tl, 1, 0));
        out->prim[out->n - 1].value = xt[t];
        if (t % stride) continue;
        cmeta__fmt_tick(lab, sizeof lab, cmeta_plot_shown(out, xt[t]));
        TRY(text(g, CMETA_ROLE_TICKLABEL, (long)t, cx, lab_base, CMETA_ANCHOR_CENTER, lab));
        out->prim[out->n - 1].value = xt[t];
    }
    const char *name = b->measure == CMETA_GEN ? "Estimate"
                       : b->transf == CMETA_TRANS_NONE ? cmeta__measure_long_name(b->measure)
                                                       : cmeta__measure_shown_name(b->measure);
    snprintf(lab, sizeof lab, "%s%s", name, out->log_scale ? " (log scale)" : "");
    *yline = lab_base + g->desc + g->lh * 0.3 + g->asc;
    return text(g, CMETA_ROLE_AXISTITLE, 0, g->W / 2, *yline, CMETA_ANCHOR_CENTER, lab);
}

/* note (subsets and method) and legend: the shade of 1, 10, 100, ... subsets per cell, and of
 * the fullest cell */
static cmeta_status draw_notes(const gosh_page *g, const cmeta_gosh_bins *b, const cmeta_gosh_summary *sum,
                               cmeta_method method, uint64_t cmax, double yline)
{
    cmeta_plot *out = g->out;
    const double fs = g->fs;
    char lab[256];
    uint64_t nsub = sum ? sum->subsets : b->n + b->failed + b->outside;
    uint64_t nfail = sum ? sum->failed : b->failed;
    int exact = sum ? sum->exact : 0;
    char fail[64] = "";
    if (nfail) snprintf(fail, sizeof fail, "; %llu failed fits not shown", (unsigned long long)nfail);
    snprintf(lab, sizeof lab, "GOSH: %s%llu %ssubsets of k = %zu studies, %s%s", exact ? "all " : "",
             (unsigned long long)nsub, exact ? "" : sum ? "random " : "", b->k, cmeta_method_name(method), fail);
    yline += g->lh * 1.2;
    TRY(text(g, CMETA_ROLE_STATS, 0, 0, yline, CMETA_ANCHOR_LEFT, lab));
    if (cmax == 0) return CMETA_OK;
    yline += g->lh;
    TRY(text(g, CMETA_ROLE_LEGEND, -1, 0, yline, CMETA_ANCHOR_LEFT, "Subsets per cell:"));
    double lx = out->prim[out->n - 1].tw + fs * 0.6, key = fs * 0.9;
    uint64_t keys[24];
    size_t nk = 0;
    for (uint64_t c = 1; c <= cmax && nk < 23; c *= 10) keys[nk++] = c;
    if (keys[nk - 1] != cmax) {
        if (nk > 1 && cmax < 2 * keys[nk - 1]) nk--;
        keys[nk++] = cmax;
    }
    for (size_t j = 0; j < nk; j++) {
        double sh = shade(keys[j], cmax);
        TRY(rect(out, CMETA_ROLE_LEGEND, (long)j, (double)keys[j], lx, yline - g->asc + (g->asc + g->desc - key) / 2,
                 key, key, sh, 0, 0.5));
        lx += key + fs * 0.3;
        snprintf(lab, sizeof lab, "%llu", (unsigned long long)keys[j]);
        TRY(text(g, CMETA_ROLE_LEGEND, (long)j, lx, yline, CMETA_ANCHOR_LEFT, lab));
        lx += out->prim[out->n - 1].tw + fs * 0.8;
    }
    return CMETA_OK;
}
#undef TRY

cmeta_status cmeta_gosh_plot_layout(const cmeta_gosh_bins *b, const cmeta_gosh_summary *sum,
                                    cmeta_method method, const cmeta_gosh_plot_opts *oo,
                                    cmeta_text_measure_fn measure, void *mctx, cmeta_plot *out,
                                    cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "GOSH plot: no output plot given");
    memset(out, 0, sizeof *out);
    if (!b || !b->count || !measure)
        return cmeta_error_set(err, CMETA_EUSAGE, "GOSH plot: counts and a text measure are required");
    cmeta_gosh_plot_opts o;
    if (oo) o = *oo;
    else cmeta_gosh_plot_opts_default(&o);
    if (!(o.font_size > 0)) o.font_size = 10;
    if (!(o.width > 0)) o.width = 320;
    if (!(o.height > 0)) o.height = 200;
    if (!(o.hist_size > 0)) o.hist_size = 60;
    if (o.hist_x == 0) o.hist_x = 4;
    if (o.hist_y == 0) o.hist_y = 2;

    gosh_page g = {out, o.font_size, o.width, o.height, o.hist_size, o.font_size * 0.4, 0, 0, 0,
                   o.width / (double)b->nx, o.height / (double)b->ny, o.font_size * 0.35, measure, mctx};
    cmeta_text_extent fe = {0, 0, 0};
    measure(mctx, "Hg", g.fs, 0, &fe);
    g.asc = fe.ascent > 0 ? fe.ascent : 0.8 * g.fs;
    g.desc = fe.descent > 0 ? fe.descent : 0.25 * g.fs;
    g.lh = (g.asc + g.desc) * 1.3;

    out->ax0 = 0;
    out->ax1 = g.W;
    out->lo = b->xlo;
    out->hi = b->xhi;
    out->transf = b->transf;
    out->transf_n = b->transf_n;
    out->log_scale = b->transf == CMETA_TRANS_EXP;
    out->ay0 = g.H;
    out->ay1 = 0;
    out->ylo = b->ylo;
    out->yhi = b->yhi;

    uint64_t cmax = 0;
    for (size_t c = 0; c < b->nx * b->ny; c++)
        if (b->count[c] > cmax) cmax = b->count[c];
    double yline = 0;
    cmeta_status st;
    if ((st = draw_cells(&g, b, cmax)) != CMETA_OK || (st = draw_histograms(&g, b, &o)) != CMETA_OK ||
        (st = draw_y_axis(&g, b)) != CMETA_OK || (st = draw_x_axis(&g, b, &yline)) != CMETA_OK ||
        (st = draw_notes(&g, b, sum, method, cmax, yline)) != CMETA_OK) {
        cmeta_plot_free(out);
        return cmeta_error_set(err, st, "GOSH plot: %s", cmeta_strerror(st));
    }
    cmeta__plot_finish(out, g.fs);
    shift_whole(out);
    return CMETA_OK;
}
