/* plot_common.c - the primitive list, axis ticks and number formats shared by the layouts. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_internal.h"

void cmeta_plot_free(cmeta_plot *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) cmeta_free(p->prim[i].text);
    cmeta_free(p->prim);
    memset(p, 0, sizeof *p);
}

void cmeta_prim_text_box(const cmeta_prim *t, double box[4])
{
    double left = t->x;
    if (t->anchor == CMETA_ANCHOR_CENTER) left -= t->tw / 2;
    else if (t->anchor == CMETA_ANCHOR_RIGHT) left -= t->tw;
    box[0] = left;
    box[1] = t->y - t->ascent;
    box[2] = left + t->tw;
    box[3] = t->y + t->descent;
}

double cmeta_plot_xpos(const cmeta_plot *p, double v)
{
    return p->ax0 + (v - p->lo) / (p->hi - p->lo) * (p->ax1 - p->ax0);
}

double cmeta_plot_shown(const cmeta_plot *p, double v)
{
    if (p->transf == CMETA_TRANS_NONE) return v;
    return cmeta_back_transform(p->transf, v, p->transf_n);
}

double cmeta__harmonic_n(const cmeta_data *d)
{
    if (!d->ni || d->k == 0) return NAN;
    double s = 0;
    for (size_t i = 0; i < d->k; i++) s += 1.0 / d->ni[i];
    return (double)d->k / s;
}

double cmeta__forward_transform(cmeta_transform_kind tk, double x, double n)
{
    switch (tk) {
    case CMETA_TRANS_EXP: return x > 0 ? log(x) : NAN;
    case CMETA_TRANS_ILOGIT: return x > 0 && x < 1 ? log(x / (1 - x)) : NAN;
    case CMETA_TRANS_IARCSIN: return x >= 0 && x <= 1 ? asin(sqrt(x)) : NAN;
    case CMETA_TRANS_TANH: return x > -1 && x < 1 ? atanh(x) : NAN;
    case CMETA_TRANS_IFT: {
        /* the inverse of metafor's transf.ipft.hm, found by bisection (it increases from
         * 0 at the transform of p = 0 to 1 at that of p = 1), so that the back-transform
         * of the position is x itself */
        if (!(n > 0) || !(x >= 0 && x <= 1)) return NAN;
        double a = 0.5 * (asin(0) + asin(sqrt(1 / (n + 1)))), b = 0.5 * (asin(sqrt(n / (n + 1))) + asin(1));
        if (x == 0) return a;
        if (x == 1) return b;
        for (int i = 0; i < 200 && b - a > 1e-15; i++) {
            double m = 0.5 * (a + b), v = cmeta_back_transform(tk, m, n);
            if (v < x || isnan(v)) a = m;
            else b = m;
        }
        return 0.5 * (a + b);
    }
    case CMETA_TRANS_NONE:
    default: return x;
    }
}

cmeta_prim *cmeta__plot_push(cmeta_plot *p, cmeta_prim_kind kind, cmeta_prim_role role, long index)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        cmeta_prim *np = cmeta_realloc(p->prim, cap * sizeof *np);
        if (!np) return NULL;
        p->prim = np;
        p->cap = cap;
    }
    cmeta_prim *q = &p->prim[p->n++];
    memset(q, 0, sizeof *q);
    q->kind = kind;
    q->role = role;
    q->index = index;
    q->value = NAN;
    q->fill = -1;
    q->stroke = 0;
    q->line_width = 1;
    return q;
}

cmeta_status cmeta__plot_text(cmeta_plot *p, cmeta_prim_role role, long index, double x, double y,
                              cmeta_anchor anchor, double size, int bold, const char *text,
                              cmeta_text_measure_fn measure, void *ctx)
{
    char *copy = cmeta_strdup(text);
    if (!copy) return CMETA_ENOMEM;
    cmeta_prim *q = cmeta__plot_push(p, CMETA_PRIM_TEXT, role, index);
    if (!q) {
        cmeta_free(copy);
        return CMETA_ENOMEM;
    }
    cmeta_text_extent e = {0, 0, 0};
    measure(ctx, text, size, bold, &e);
    q->text = copy;
    q->x = x;
    q->y = y;
    q->anchor = anchor;
    q->size = size;
    q->bold = bold;
    q->tw = e.width;
    q->ascent = e.ascent;
    q->descent = e.descent;
    q->fill = 0;
    q->stroke = -1;
    return CMETA_OK;
}

cmeta_status cmeta__plot_line(cmeta_plot *p, cmeta_prim_role role, long index, double x, double y,
                              double x2, double y2, double width, int dashed)
{
    cmeta_prim *q = cmeta__plot_push(p, CMETA_PRIM_LINE, role, index);
    if (!q) return CMETA_ENOMEM;
    q->x = x;
    q->y = y;
    q->x2 = x2;
    q->y2 = y2;
    q->line_width = width;
    q->dashed = dashed;
    return CMETA_OK;
}

cmeta_status cmeta__plot_arrow(cmeta_plot *p, cmeta_prim_role role, long index, double x, double y,
                               double bx, double by, double hw)
{
    cmeta_prim *q = cmeta__plot_push(p, CMETA_PRIM_ARROW, role, index);
    if (!q) return CMETA_ENOMEM;
    q->x = x;
    q->y = y;
    q->x2 = bx;
    q->y2 = by;
    q->h = hw;
    q->fill = 0;
    return CMETA_OK;
}

static void grow(double b[4], double x, double y)
{
    if (x < b[0]) b[0] = x;
    if (y < b[1]) b[1] = y;
    if (x > b[2]) b[2] = x;
    if (y > b[3]) b[3] = y;
}

/* Move every primitive and the axis panel by (dx, dy) points. */
void cmeta__plot_translate(cmeta_plot *p, double dx, double dy)
{
    for (size_t i = 0; i < p->n; i++) {
        cmeta_prim *q = &p->prim[i];
        q->x += dx;
        q->y += dy;
        if (q->kind == CMETA_PRIM_LINE || q->kind == CMETA_PRIM_ARROW) {
            q->x2 += dx;
            q->y2 += dy;
        }
        for (size_t j = 0; j < q->np; j++) {
            q->px[j] += dx;
            q->py[j] += dy;
        }
    }
    p->ax0 += dx;
    p->ax1 += dx;
    p->ay0 += dy;
    p->ay1 += dy;
}

void cmeta__plot_finish(cmeta_plot *p, double margin)
{
    double b[4] = {DBL_MAX, DBL_MAX, -DBL_MAX, -DBL_MAX};
    for (size_t i = 0; i < p->n; i++) {
        const cmeta_prim *q = &p->prim[i];
        double tb[4];
        switch (q->kind) {
        case CMETA_PRIM_TEXT:
            cmeta_prim_text_box(q, tb);
            grow(b, tb[0], tb[1]);
            grow(b, tb[2], tb[3]);
            break;
        case CMETA_PRIM_LINE:
            grow(b, q->x, q->y);
            grow(b, q->x2, q->y2);
            break;
        case CMETA_PRIM_POLYGON:
            for (size_t j = 0; j < q->np; j++) grow(b, q->px[j], q->py[j]);
            break;
        case CMETA_PRIM_RECT:
            grow(b, q->x, q->y);
            grow(b, q->x + q->w, q->y + q->h);
            break;
        case CMETA_PRIM_CIRCLE:
            grow(b, q->x - q->w, q->y - q->w);
            grow(b, q->x + q->w, q->y + q->w);
            break;
        case CMETA_PRIM_ARROW:
            grow(b, q->x, q->y);
            grow(b, q->x2 - q->h, q->y2 - q->h);
            grow(b, q->x2 + q->h, q->y2 + q->h);
            break;
        }
    }
    if (p->n == 0) b[0] = b[1] = b[2] = b[3] = 0;
    double dx = margin - b[0], dy = margin - b[1];
    cmeta__plot_translate(p, dx, dy);
    p->width = ceil(b[2] - b[0] + 2 * margin);
    p->height = ceil(b[3] - b[1] + 2 * margin);
}

/* ---- ticks ----------------------------------------------------------------------------- */

/* A round step near range/target: 1, 2, 2.5 or 5 times a power of ten. */
static double nice_step(double range, double target)
{
    double raw = range / target;
    double p10 = pow(10, floor(log10(raw)));
    static const double m[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < 5; i++)
        if (m[i] * p10 >= raw * (1 - 1e-9)) return m[i] * p10;
    return 10 * p10;
}

static size_t linear_ticks(double lo, double hi, double *t, size_t max, double *alo, double *ahi)
{
    if (!(hi > lo)) {
        double d = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1;
        lo -= d;
        hi += d;
    }
    double step = nice_step(hi - lo, 5);
    for (;;) {
        double a = floor(lo / step + 1e-9), b = ceil(hi / step - 1e-9);
        size_t n = (size_t)(b - a) + 1;
        if (n <= max && n <= 9) {
            for (size_t i = 0; i < n; i++) {
                t[i] = (a + (double)i) * step;
                if (fabs(t[i]) < step * 1e-9) t[i] = 0;
            }
            *alo = t[0];
            *ahi = t[n - 1];
            return n;
        }
        step = nice_step(step * 2.01, 1);
    }
}

/* Round ratios built from mantissas per decade: the ticks enclosing [rlo, rhi]. */
static size_t mantissa_ticks(double rlo, double rhi, const double *m, size_t nm, double *t,
                             size_t max)
{
    int d0 = (int)floor(log10(rlo)) - 1, d1 = (int)ceil(log10(rhi)) + 1;
    double cand[512];
    size_t nc = 0;
    for (int d = d0; d <= d1 && nc < 512; d++)
        for (size_t i = 0; i < nm && nc < 512; i++) {
            /* exact decimal value: mantissa times 10^d computed without drift */
            double v = d >= 0 ? m[i] * pow(10, d) : m[i] / pow(10, -d);
            cand[nc++] = v;
        }
    size_t first = 0, last = nc - 1;
    for (size_t i = 0; i < nc; i++)
        if (cand[i] <= rlo * (1 + 1e-9)) first = i;
    for (size_t i = nc; i-- > 0;)
        if (cand[i] >= rhi * (1 - 1e-9)) last = i;
    size_t n = last - first + 1;
    if (n > max) return 0;
    for (size_t i = 0; i < n; i++) t[i] = cand[first + i];
    return n;
}

size_t cmeta__ticks(double lo, double hi, int log_scale, double *t, size_t max, double *alo,
                    double *ahi)
{
    if (!log_scale) return linear_ticks(lo, hi, t, max, alo, ahi);
    if (!(hi > lo)) {
        lo -= 0.1;
        hi += 0.1;
    }
    double rlo = exp(lo), rhi = exp(hi);
    static const double dec[] = {1}, m125[] = {1, 2, 5}, m7[] = {1, 1.5, 2, 3, 5, 7};
    const double *sets[] = {dec, m125, m7};
    const size_t sizes[] = {1, 3, 6};
    /* the coarsest set whose enclosing ticks waste at most a quarter of the axis; else the
     * set covering best */
    double r[64], best[64];
    size_t nbest = 0;
    double best_cov = 0;
    for (size_t s = 0; s < 3; s++) {
        size_t n = mantissa_ticks(rlo, rhi, sets[s], sizes[s], r, 64);
        if (n < 4 || n > max || n > 9) continue;
        double cov = (hi - lo) / (log(r[n - 1]) - log(r[0]));
        if (cov > best_cov + 1e-9) {
            best_cov = cov;
            nbest = n;
            memcpy(best, r, n * sizeof *r);
        }
        if (cov >= 0.75) break;
    }
    if (nbest) {
        for (size_t i = 0; i < nbest; i++) t[i] = log(best[i]);
        *alo = t[0];
        *ahi = t[nbest - 1];
        return nbest;
    }
    /* narrow range: round values of the ratio itself */
    double a, b;
    size_t n = linear_ticks(rlo, rhi, r, max < 64 ? max : 64, &a, &b);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (r[i] > 0) t[m++] = log(r[i]);
    *alo = t[0];
    *ahi = t[m - 1];
    return m;
}

size_t cmeta__ticks_transf(double lo, double hi, cmeta_transform_kind tk, double n, double *t,
                           size_t max, double *alo, double *ahi)
{
    if (tk == CMETA_TRANS_NONE || tk == CMETA_TRANS_EXP) return cmeta__ticks(lo, hi, tk == CMETA_TRANS_EXP, t, max, alo, ahi);
    if (tk == CMETA_TRANS_IFT && !(n > 0)) return cmeta__ticks(lo, hi, 0, t, max, alo, ahi);
    if (!(hi > lo)) {
        lo -= 0.1;
        hi += 0.1;
    }
    const double dlo = tk == CMETA_TRANS_TANH ? -1 : 0, dhi = 1;
    const int open = tk == CMETA_TRANS_ILOGIT || tk == CMETA_TRANS_TANH; /* ends at infinity */
    double blo = cmeta_back_transform(tk, lo, n), bhi = cmeta_back_transform(tk, hi, n);
    if (!(blo >= dlo)) blo = dlo;
    if (!(bhi <= dhi)) bhi = dhi;
    if (!(bhi > blo)) {
        double c = 0.5 * (blo + bhi);
        blo = fmax(dlo, c - 0.01);
        bhi = fmin(dhi, c + 0.01);
    }
    double v[64];
    size_t nv = 0;
    double step = nice_step(bhi - blo, 5);
    /* steps of 2.5 x 10^e would give labels like 0.425: use 2 x 10^e */
    double p10 = pow(10, floor(log10(step) + 1e-9));
    if (fabs(step / p10 - 2.5) < 1e-9) step = 2 * p10;
    double a = floor(blo / step + 1e-9), b = ceil(bhi / step - 1e-9);
    for (double i = a; i <= b && nv < 40; i++) {
        double x = i * step;
        if (fabs(x) < step * 1e-9) x = 0;
        if (x < dlo - 1e-12 || x > dhi + 1e-12) continue;
        if (open && (x <= dlo + step * 1e-9 || x >= dhi - step * 1e-9)) continue;
        v[nv++] = x;
    }
    if (open) {
        /* 1-2-5 tails towards the infinite ends, each at most half the distance of the last
         * tick from the end, until one encloses the range (down to 10^-4) */
        static const double m[] = {5, 2, 1};
        double low[16], high[16];
        size_t nl = 0, nh = 0;
        double last = nv ? v[0] - dlo : dhi - dlo;
        for (int e = 1; e <= 4 && !(nv && v[0] <= blo + 1e-12) && !(nl && dlo + low[nl - 1] <= blo + 1e-12); e++)
            for (size_t j = 0; j < 3 && nl < 16; j++) {
                double d = m[j] / pow(10, e);
                if (d > last / 2 + 1e-12) continue;
                low[nl++] = d;
                last = d;
                if (dlo + d <= blo + 1e-12) break;
            }
        last = nv ? dhi - v[nv - 1] : dhi - dlo;
        for (int e = 1; e <= 4 && !(nv && v[nv - 1] >= bhi - 1e-12) && !(nh && dhi - high[nh - 1] >= bhi - 1e-12); e++)
            for (size_t j = 0; j < 3 && nh < 16; j++) {
                double d = m[j] / pow(10, e);
                if (d > last / 2 + 1e-12) continue;
                high[nh++] = d;
                last = d;
                if (dhi - d >= bhi - 1e-12) break;
            }
        double all[64];
        size_t na = 0;
        for (size_t j = nl; j-- > 0;) all[na++] = dlo + low[j];
        for (size_t j = 0; j < nv; j++) all[na++] = v[j];
        for (size_t j = 0; j < nh; j++) all[na++] = dhi - high[j];
        memcpy(v, all, na * sizeof *v);
        nv = na;
    }
    /* keep the ticks from the last one at or below blo to the first one at or above bhi */
    size_t first = 0, last_i = nv ? nv - 1 : 0;
    for (size_t j = 0; j < nv; j++)
        if (v[j] <= blo + 1e-12) first = j;
    for (size_t j = nv; j-- > 0;)
        if (v[j] >= bhi - 1e-12) last_i = j;
    size_t m = 0;
    for (size_t j = first; j <= last_i && j < nv && m < max; j++) {
        double x = cmeta__forward_transform(tk, v[j], n);
        if (isfinite(x)) t[m++] = x;
    }
    if (m == 0) return cmeta__ticks(lo, hi, 0, t, max, alo, ahi);
    *alo = fmin(lo, t[0]);
    *ahi = fmax(hi, t[m - 1]);
    return m;
}

void cmeta__fmt_fixed(char *buf, size_t n, double x, int d)
{
    if (!isfinite(x)) {
        snprintf(buf, n, "NA");
        return;
    }
    snprintf(buf, n, "%.*f", d, x);
    /* "-0.00" -> "0.00" */
    int zero = 1;
    for (const char *s = buf; *s; s++)
        if (*s >= '1' && *s <= '9') zero = 0;
    if (zero && buf[0] == '-') memmove(buf, buf + 1, strlen(buf));
}

void cmeta__fmt_tick(char *buf, size_t n, double x)
{
    int d = 0;
    for (; d < 6; d++) {
        double s = x * pow(10, d);
        if (fabs(s - round(s)) < 1e-6 * (fabs(s) > 1 ? fabs(s) : 1)) break;
    }
    cmeta__fmt_fixed(buf, n, x, d);
}

const char *cmeta__measure_shown_name(cmeta_measure m)
{
    switch (cmeta_measure_transform(m)) {
    case CMETA_TRANS_ILOGIT: case CMETA_TRANS_IARCSIN: case CMETA_TRANS_IFT: return "Proportion";
    case CMETA_TRANS_TANH: return "Correlation";
    default: return cmeta__measure_long_name(m);
    }
}

/* log ratios as GEN (d->ratio_name): "Hazard Ratio" for HR, else "Ratio" */
static const char *ratio_long_name(const cmeta_data *d)
{
    return strcmp(d->ratio_name, "HR") == 0 ? "Hazard Ratio" : "Ratio";
}

const char *cmeta__data_shown_name(const cmeta_data *d)
{
    return d->ratio_name[0] ? ratio_long_name(d) : cmeta__measure_shown_name(d->measure);
}

const char *cmeta__data_long_name(const cmeta_data *d)
{
    return d->ratio_name[0] ? ratio_long_name(d) : cmeta__measure_long_name(d->measure);
}

const char *cmeta__measure_long_name(cmeta_measure m)
{
    switch (m) {
    case CMETA_SMD: case CMETA_SMDH: case CMETA_SMD1: return "Std. Mean Difference";
    case CMETA_MD: return "Mean Difference";
    case CMETA_ROM: case CMETA_ROMC: return "Ratio of Means";
    case CMETA_MC: return "Mean Change";
    case CMETA_SMCC: case CMETA_SMCR: case CMETA_SMCRH: return "Std. Mean Change";
    case CMETA_OR: return "Odds Ratio";
    case CMETA_RR: return "Risk Ratio";
    case CMETA_RD: return "Risk Difference";
    case CMETA_PETO: return "Peto Odds Ratio";
    case CMETA_AS: return "Arcsine Risk Difference";
    case CMETA_PR: case CMETA_PLN: return "Proportion";
    case CMETA_PLO: return "Log Odds";
    case CMETA_PAS: return "Arcsine Proportion";
    case CMETA_PFT: return "Freeman-Tukey Proportion";
    case CMETA_COR: case CMETA_UCOR: return "Correlation";
    case CMETA_ZCOR: return "Fisher's z";
    case CMETA_GEN: case CMETA_NMEASURES: break;
    }
    return "Effect";
}
