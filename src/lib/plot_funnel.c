/* plot_funnel.c - funnel plot layout (positions, texts, sizes; no drawing).
 *
 * Each study is a point at (yi, sqrt(vi)); the standard error axis is inverted (0 at the
 * top), as in metafor's funnel() and Sterne & Egger (2001). Without contours the pseudo
 * confidence region est +- z_(1-a/2) * se is a white triangle on a grey ground, with the
 * summary line at est. With contours (Peters et al. 2008, J Clin Epidemiol 61:991) the
 * regions are centred on the null effect instead: |yi / se| < 1.645 (p > .10, white),
 * 1.645-1.960 (.05 < p <= .10), 1.960-2.576 (.01 < p <= .05) and beyond (p <= .01), in
 * darkening greys, explained by a legend. Studies imputed by trim-and-fill are open circles.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "plot_internal.h"

void cmeta_funnel_opts_default(cmeta_funnel_opts *o)
{
    memset(o, 0, sizeof *o);
    o->font_size = 10;
    o->width = 300;
    o->height = 260;
    o->contours = 0;
    o->level = 95;
    o->xlim_lo = o->xlim_hi = NAN;
}

/* Sutherland-Hodgman: clip polygon (n <= CMETA_PLOT_MAXPTS - 4 on entry is enough for a
 * triangle) to the rectangle [x0, x1] x [y0, y1]. */
static size_t clip(const double *ix, const double *iy, size_t n, double x0, double y0, double x1,
                   double y1, double *ox, double *oy)
{
    double ax[16], ay[16], bx[16], by[16];
    size_t m = n;
    memcpy(ax, ix, n * sizeof *ix);
    memcpy(ay, iy, n * sizeof *iy);
    for (int e = 0; e < 4; e++) {
        size_t k = 0;
        for (size_t i = 0; i < m; i++) {
            size_t j = (i + 1) % m;
            double v[2] = {e < 2 ? ax[i] : ay[i], e < 2 ? ax[j] : ay[j]};
            double lim = e == 0 ? x0 : e == 1 ? x1 : e == 2 ? y0 : y1;
            int in_i = e % 2 == 0 ? v[0] >= lim : v[0] <= lim;
            int in_j = e % 2 == 0 ? v[1] >= lim : v[1] <= lim;
            if (in_i && k < 16) bx[k] = ax[i], by[k] = ay[i], k++;
            if (in_i != in_j && k < 16) {
                double t = (lim - v[0]) / (v[1] - v[0]);
                bx[k] = ax[i] + t * (ax[j] - ax[i]);
                by[k] = ay[i] + t * (ay[j] - ay[i]);
                k++;
            }
        }
        memcpy(ax, bx, k * sizeof *bx);
        memcpy(ay, by, k * sizeof *by);
        m = k;
    }
    if (m > CMETA_PLOT_MAXPTS) m = CMETA_PLOT_MAXPTS;
    memcpy(ox, ax, m * sizeof *ax);
    memcpy(oy, ay, m * sizeof *ay);
    return m;
}

typedef struct {
    cmeta_plot *p;
    double fs, asc, desc;
    cmeta_text_measure_fn measure;
    void *ctx;
    double x0, x1, y0, y1; /* plotting region */
} funnel;

static double px(const funnel *f, double v) { return cmeta_plot_xpos(f->p, v); }
static double py(const funnel *f, double se) { return f->y0 + se / f->p->se_max * (f->y1 - f->y0); }

/* the region |y - centre| < z * se, clipped to the plotting area */
static cmeta_status region(funnel *f, double centre, double z, double fill)
{
    double tx[3] = {px(f, centre), px(f, centre - z * f->p->se_max), px(f, centre + z * f->p->se_max)};
    double ty[3] = {f->y0, f->y1, f->y1};
    cmeta_prim *q = cmeta__plot_push(f->p, CMETA_PRIM_POLYGON, CMETA_ROLE_REGION, -1);
    if (!q) return CMETA_ENOMEM;
    q->np = clip(tx, ty, 3, f->x0, f->y0, f->x1, f->y1, q->px, q->py);
    q->value = z;
    q->fill = fill;
    q->stroke = -1;
    return CMETA_OK;
}

static cmeta_status text(funnel *f, cmeta_prim_role role, long index, double x, double y,
                         cmeta_anchor a, const char *s)
{
    return cmeta__plot_text(f->p, role, index, x, y, a, f->fs, 0, s, f->measure, f->ctx);
}

#define TRY(x)                                                                         \
    do {                                                                               \
        cmeta_status st_ = (x);                                                        \
        if (st_ != CMETA_OK) return st_;                                               \
    } while (0)
#define PUSH(kind, role, idx)                                                          \
    do {                                                                               \
        if (!(q = cmeta__plot_push(f->p, kind, role, idx))) return CMETA_ENOMEM;       \
    } while (0)

static const double zc[3] = {1.6448536269514722, 1.959963984540054, 2.5758293035489004};
static const double shade[4] = {1.0, 0.88, 0.74, 0.6}; /* p > .10, .05-.10, .01-.05, < .01 */

/* The x axis: the caller's limits (--xlim) and ticks (--at), on the scale shown (as the forest
 * plot's), or ticks chosen over [xlo, xhi]. Sets out->lo, out->hi; the ticks in xt (at most 64). */
static cmeta_status funnel_x_axis(const cmeta_funnel_opts *o, cmeta_transform_kind tk, double hn, double xlo,
                                  double xhi, cmeta_plot *out, double *xt, size_t *nxt_out, cmeta_error *err)
{
    size_t nxt;
    int has_xlim = isfinite(o->xlim_lo) || isfinite(o->xlim_hi);
    double ulo = NAN, uhi = NAN;
    if (has_xlim) {
        ulo = cmeta__forward_transform(tk, o->xlim_lo, hn);
        uhi = cmeta__forward_transform(tk, o->xlim_hi, hn);
        if (!isfinite(ulo) || !isfinite(uhi) || !(uhi > ulo))
            return cmeta_error_set(err, CMETA_EUSAGE, "funnel plot: the axis limits %g, %g are not increasing values "
                                   "on the scale shown%s", o->xlim_lo, o->xlim_hi, tk == CMETA_TRANS_EXP ? " (ratios are > 0)" : "");
    }
    if (o->at && o->nat) {
        if (o->nat > 64) return cmeta_error_set(err, CMETA_EUSAGE, "funnel plot: at most 64 ticks");
        size_t na = 0;
        for (size_t j = 0; j < o->nat; j++) {
            double v = cmeta__forward_transform(tk, o->at[j], hn);
            if (!isfinite(v))
                return cmeta_error_set(err, CMETA_EUSAGE, "funnel plot: the tick %g is not on the scale shown", o->at[j]);
            size_t b = na++;
            for (; b > 0 && xt[b - 1] > v; b--) xt[b] = xt[b - 1];
            xt[b] = v;
        }
        if (!has_xlim) ulo = xt[0], uhi = xt[na - 1];
        if (!(uhi > ulo)) {
            double dd = fabs(ulo) > 0 ? fabs(ulo) * 0.5 : 1;
            ulo -= dd, uhi += dd;
        }
        nxt = 0;
        double tol = (uhi - ulo) * 1e-9;
        for (size_t j = 0; j < na; j++)
            if (xt[j] >= ulo - tol && xt[j] <= uhi + tol && (nxt == 0 || xt[j] > xt[nxt - 1])) xt[nxt++] = xt[j];
        out->lo = ulo, out->hi = uhi;
    } else if (has_xlim) {
        double t[64], alo, ahi, tol = (uhi - ulo) * 1e-9;
        size_t n = cmeta__ticks_transf(ulo, uhi, tk, hn, t, 64, &alo, &ahi);
        nxt = 0;
        for (size_t j = 0; j < n; j++)
            if (t[j] >= ulo - tol && t[j] <= uhi + tol) xt[nxt++] = t[j];
        out->lo = ulo, out->hi = uhi;
    } else nxt = cmeta__ticks_transf(xlo, xhi, tk, hn, xt, 64, &out->lo, &out->hi);
    *nxt_out = nxt;
    return CMETA_OK;
}

/* Ground, the pseudo confidence region (or the significance contours), the summary line and
 * the points (studies, then filled studies). yhi is the SE at the bottom of the axis. */
static cmeta_status funnel_body(funnel *f, const cmeta_data *d, const cmeta_funnel_fill *fill, size_t nf,
                                const cmeta_funnel_opts *o, double est, double z, double yhi)
{
    cmeta_plot *out = f->p;
    cmeta_prim *q;
    PUSH(CMETA_PRIM_RECT, CMETA_ROLE_REGION, -1);
    q->x = f->x0, q->y = f->y0, q->w = f->x1 - f->x0, q->h = f->y1 - f->y0;
    q->fill = o->contours ? shade[3] : 0.9;
    q->stroke = -1;
    if (o->contours) {
        for (int c = 2; c >= 0; c--) TRY(region(f, 0, zc[c], shade[c]));
    } else {
        TRY(region(f, est, z, 1.0));
        /* dotted edges of the pseudo confidence region */
        double a[2] = {est - z * yhi, est + z * yhi};
        for (int s = 0; s < 2; s++) {
            double xe = a[s], ye = yhi;
            /* cut the edge where it leaves the plotting area */
            if (xe < out->lo) ye = (est - out->lo) / z, xe = out->lo;
            if (xe > out->hi) ye = (out->hi - est) / z, xe = out->hi;
            TRY(cmeta__plot_line(out, CMETA_ROLE_REGION, s, px(f, est), f->y0, px(f, xe), py(f, ye), 0.75, 2));
        }
    }
    /* summary line (inside the axis) */
    if (est >= out->lo && est <= out->hi)
        TRY(cmeta__plot_line(out, CMETA_ROLE_ESTLINE, -1, px(f, est), f->y0, px(f, est), f->y1, 1, 0));
    /* points */
    const double r = f->fs * 0.3;
    for (size_t i = 0; i < d->k + nf; i++) {
        int filled = i >= d->k;
        double y = filled ? fill->yi[i - d->k] : d->yi[i];
        double v = filled ? fill->vi[i - d->k] : d->vi[i];
        if (!isfinite(y) || !(v >= 0) || y < out->lo || y > out->hi) continue; /* off the axis (xlim) */
        PUSH(CMETA_PRIM_CIRCLE, filled ? CMETA_ROLE_FILLED : CMETA_ROLE_POINT, (long)(filled ? i - d->k : i));
        q->x = px(f, y);
        q->y = py(f, sqrt(v));
        q->w = r;
        q->fill = filled ? 1 : 0;
        q->stroke = 0;
        q->line_width = 0.75;
    }
    return CMETA_OK;
}

/* Frame, y ticks (standard errors), the title, x ticks thinned until no two labels touch, and
 * the axis title (--xlab, or the measure's name on the scale shown). */
static cmeta_status funnel_axes(funnel *f, const cmeta_data *d, const cmeta_funnel_opts *o, const double *yt,
                                size_t nyt, const double *xt, size_t nxt, cmeta_transform_kind tk)
{
    cmeta_plot *out = f->p;
    cmeta_prim *q;
    const double lh = (f->asc + f->desc) * 1.3;
    PUSH(CMETA_PRIM_RECT, CMETA_ROLE_AXIS, -1);
    q->x = f->x0, q->y = f->y0, q->w = f->x1 - f->x0, q->h = f->y1 - f->y0;
    q->stroke = 0;
    const double tl = f->fs * 0.35;
    char lab[64];
    /* y ticks: labels right-aligned left of the axis, centred on the tick */
    for (size_t t = 0; t < nyt; t++) {
        double yy = py(f, yt[t]);
        TRY(cmeta__plot_line(out, CMETA_ROLE_TICK, -1 - (long)t, f->x0 - tl, yy, f->x0, yy, 1, 0));
        cmeta__fmt_tick(lab, sizeof lab, yt[t]);
        out->prim[out->n - 1].value = yt[t];
        TRY(text(f, CMETA_ROLE_TICKLABEL, -1 - (long)t, f->x0 - tl - 3, yy + (f->asc - f->desc) / 2,
                 CMETA_ANCHOR_RIGHT, lab));
        out->prim[out->n - 1].value = yt[t];
    }
    TRY(text(f, CMETA_ROLE_AXISTITLE, 1, f->x0, f->y0 - (f->asc + f->desc) / 2 - 3 - f->desc, CMETA_ANCHOR_CENTER,
             "Standard Error"));
    if (o->title && *o->title) { /* above "Standard Error", centred over the panel */
        double ts = f->fs * 1.2, top = f->y0 - (f->asc + f->desc) / 2 - 3 - f->desc - f->asc;
        cmeta_text_extent te = {0, 0, 0};
        f->measure(f->ctx, o->title, ts, 1, &te);
        double tdesc = te.descent > 0 ? te.descent : 0.25 * ts;
        TRY(cmeta__plot_text(out, CMETA_ROLE_TITLE, -1, (f->x0 + f->x1) / 2, top - lh * 0.5 - tdesc,
                             CMETA_ANCHOR_CENTER, ts, 1, o->title, f->measure, f->ctx));
    }
    /* x ticks: thin labels until none touch */
    double lw[64];
    size_t stride = 1;
    for (size_t t = 0; t < nxt; t++) {
        cmeta__fmt_tick(lab, sizeof lab, cmeta_plot_shown(out, xt[t]));
        cmeta_text_extent e = {0, 0, 0};
        f->measure(f->ctx, lab, f->fs, 0, &e);
        lw[t] = e.width;
    }
    for (; stride < nxt; stride++) {
        int ok = 1;
        double prev = -INFINITY;
        for (size_t t = 0; t < nxt; t += stride) {
            double cx = px(f, xt[t]);
            if (cx - lw[t] / 2 < prev + f->fs * 0.5) ok = 0;
            prev = cx + lw[t] / 2;
        }
        if (ok) break;
    }
    double below = fmax(tl + 2, (f->asc + f->desc) / 2 + 2);
    double lab_base = f->y1 + below + f->asc;
    for (size_t t = 0; t < nxt; t++) {
        double cx = px(f, xt[t]);
        TRY(cmeta__plot_line(out, CMETA_ROLE_TICK, (long)t, cx, f->y1, cx, f->y1 + tl, 1, 0));
        out->prim[out->n - 1].value = xt[t];
        if (t % stride) continue;
        cmeta__fmt_tick(lab, sizeof lab, cmeta_plot_shown(out, xt[t]));
        TRY(text(f, CMETA_ROLE_TICKLABEL, (long)t, cx, lab_base, CMETA_ANCHOR_CENTER, lab));
        out->prim[out->n - 1].value = xt[t];
    }
    char title[1024];
    if (o->xlab) snprintf(title, sizeof title, "%s", o->xlab);
    else snprintf(title, sizeof title, "%s%s",
             tk == CMETA_TRANS_NONE ? cmeta__data_long_name(d) : cmeta__data_shown_name(d),
             out->log_scale ? " (log scale)" : "");
    return text(f, CMETA_ROLE_AXISTITLE, 0, (f->x0 + f->x1) / 2, lab_base + f->desc + lh * 0.3 + f->asc,
                CMETA_ANCHOR_CENTER, title);
}

/* The legend right of the plot: the contours' p-value bands and/or studies against filled studies. */
static cmeta_status funnel_legend(funnel *f, const cmeta_funnel_opts *o, size_t nf)
{
    if (!o->contours && !nf) return CMETA_OK;
    cmeta_prim *q;
    const double lh = (f->asc + f->desc) * 1.3, r = f->fs * 0.3;
    double lx = f->x1 + f->fs, ly = f->y0, key = f->fs * 0.9;
    static const char *ctext[4] = {"0.10 < p \u2264 1.00", "0.05 < p \u2264 0.10", "0.01 < p \u2264 0.05",
                                   "0.00 < p \u2264 0.01"};
    long li = 0;
    if (o->contours)
        for (int c = 0; c < 4; c++, li++) {
            PUSH(CMETA_PRIM_RECT, CMETA_ROLE_LEGEND, li);
            q->x = lx, q->y = ly + (lh - key) / 2, q->w = key, q->h = key;
            q->fill = shade[c];
            q->stroke = 0;
            q->line_width = 0.5;
            TRY(text(f, CMETA_ROLE_LEGEND, li, lx + key + f->fs * 0.5, ly + (lh - f->asc - f->desc) / 2 + f->asc,
                     CMETA_ANCHOR_LEFT, ctext[c]));
            ly += lh;
        }
    for (int s = 0; s < (nf ? 2 : 0); s++, li++) {
        PUSH(CMETA_PRIM_CIRCLE, CMETA_ROLE_LEGEND, li);
        q->x = lx + key / 2, q->y = ly + lh / 2, q->w = r;
        q->fill = s ? 1 : 0;
        q->stroke = 0;
        q->line_width = 0.75;
        TRY(text(f, CMETA_ROLE_LEGEND, li, lx + key + f->fs * 0.5, ly + (lh - f->asc - f->desc) / 2 + f->asc,
                 CMETA_ANCHOR_LEFT, s ? "Filled studies" : "Studies"));
        ly += lh;
    }
    return CMETA_OK;
}
#undef TRY
#undef PUSH

/* The funnel plot (metafor's funnel.rma): standard error down the y axis, estimates across,
 * the pseudo confidence region or Peters' significance contours, trim-and-fill points. */
cmeta_status cmeta_funnel_layout(const cmeta_data *d, const cmeta_fit *fit,
                                 const cmeta_funnel_fill *fill, const cmeta_funnel_opts *oo,
                                 cmeta_text_measure_fn measure, void *measure_ctx, cmeta_plot *out,
                                 cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "funnel plot: no output plot given");
    memset(out, 0, sizeof *out);
    if (!d || !fit || !fit->beta || !measure)
        return cmeta_error_set(err, CMETA_EUSAGE, "funnel plot: data, fit and a text measure are required");
    if (d->k == 0) return cmeta_error_set(err, CMETA_EDATA, "funnel plot: no studies to plot");
    if (fill && fill->n && (!fill->yi || !fill->vi))
        return cmeta_error_set(err, CMETA_EUSAGE, "funnel plot: filled studies need yi and vi");
    cmeta_funnel_opts o;
    if (oo) o = *oo;
    else cmeta_funnel_opts_default(&o);
    if (!(o.font_size > 0)) o.font_size = 10;
    if (!(o.width > 0)) o.width = 300;
    if (!(o.height > 0)) o.height = 260;
    if (!(o.level > 0 && o.level < 100)) o.level = 95;

    funnel f;
    memset(&f, 0, sizeof f);
    f.p = out;
    f.fs = o.font_size;
    f.measure = measure;
    f.ctx = measure_ctx;
    cmeta_text_extent fe = {0, 0, 0};
    measure(measure_ctx, "Hg", f.fs, 0, &fe);
    f.asc = fe.ascent > 0 ? fe.ascent : 0.8 * f.fs;
    f.desc = fe.descent > 0 ? fe.descent : 0.25 * f.fs;
    size_t nf = fill ? fill->n : 0;
    double est = fill && isfinite(fill->estimate) ? fill->estimate : fit->beta[0];
    double z = gsl_cdf_ugaussian_Qinv((1 - o.level / 100) / 2);

    /* y: standard errors, 0 at the top */
    double semax = 0, xlo = INFINITY, xhi = -INFINITY;
    for (size_t i = 0; i < d->k + nf; i++) {
        double y = i < d->k ? d->yi[i] : fill->yi[i - d->k];
        double v = i < d->k ? d->vi[i] : fill->vi[i - d->k];
        if (!isfinite(y) || !(v >= 0)) continue;
        semax = fmax(semax, sqrt(v));
        xlo = fmin(xlo, y);
        xhi = fmax(xhi, y);
    }
    if (!isfinite(xlo) || !isfinite(est))
        return cmeta_error_set(err, CMETA_EDATA, "funnel plot: no study with a finite estimate and variance");
    double yt[64], ylo, yhi;
    size_t nyt = cmeta__ticks(0, semax > 0 ? semax : 1, 0, yt, 64, &ylo, &yhi);
    out->se_max = yhi;
    double centre = o.contours ? 0 : est;
    double zr = o.contours ? zc[1] : z;
    xlo = fmin(xlo, fmin(est, centre - zr * yhi));
    xhi = fmax(xhi, fmax(est, centre + zr * yhi));
    cmeta_transform_kind tk = cmeta_data_transform(d);
    double hn = tk == CMETA_TRANS_IFT ? cmeta__harmonic_n(d) : NAN;
    if (tk == CMETA_TRANS_IFT && !(hn > 0)) tk = CMETA_TRANS_NONE; /* no ni: FT scale */
    double xt[64];
    size_t nxt = 0;
    cmeta_status st = funnel_x_axis(&o, tk, hn, xlo, xhi, out, xt, &nxt, err);
    if (st != CMETA_OK) return st;
    out->log_scale = tk == CMETA_TRANS_EXP;
    out->transf = tk;
    out->transf_n = tk == CMETA_TRANS_IFT ? hn : NAN;
    f.x0 = out->ax0 = 0;
    f.x1 = out->ax1 = o.width;
    f.y0 = out->ay0 = 0;
    f.y1 = out->ay1 = o.height;

    if ((st = funnel_body(&f, d, fill, nf, &o, est, z, yhi)) != CMETA_OK ||
        (st = funnel_axes(&f, d, &o, yt, nyt, xt, nxt, tk)) != CMETA_OK ||
        (st = funnel_legend(&f, &o, nf)) != CMETA_OK) {
        cmeta_plot_free(out);
        return cmeta_error_set(err, st, "funnel plot: %s", cmeta_strerror(st));
    }
    cmeta__plot_finish(out, f.fs);
    return CMETA_OK;
}
