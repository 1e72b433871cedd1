/* plot_risweep.c - the pooled estimate and its confidence interval against the assumed
 * pre-post correlation (cmeta_ri_plot_layout, cmeta/risweep.h): the interval as a grey band,
 * the estimate as a line with a dot at each grid point, the null (0) as a dashed line and each
 * tipping point's root as a dotted vertical line. Laid out in points like the other plots and
 * rendered by plot_cairo.c. The y axis uses the plot's GOSH fields (ylo, yhi, ay0, ay1:
 * cmeta_plot_ypos). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmeta/report.h"
#include "cmeta/risweep.h"
#include "plot_internal.h"

#define TRY(x)                                                                                     \
    do {                                                                                           \
        if ((x) != CMETA_OK) goto fail;                                                            \
    } while (0)

cmeta_status cmeta_ri_plot_layout(const cmeta_ri_report *r, cmeta_text_measure_fn measure, void *ctx,
                                  cmeta_plot *out, cmeta_error *err)
{
    memset(out, 0, sizeof *out);
    if (!r || !r->pts || r->n == 0) return cmeta_error_set(err, CMETA_EUSAGE, "ri plot: no sweep");
    const double W = 420, H = 280, fs = 10;
    const double x0 = 60, x1 = W - 10, y0 = 40, y1 = H - 50;
    size_t n = r->n;
    double rlo = r->pts[0].ri, rhi = r->pts[n - 1].ri;
    if (rhi <= rlo) rlo -= 0.05, rhi += 0.05; /* one point */
    double vlo = 0, vhi = 0; /* the null is always shown */
    for (size_t i = 0; i < n; i++) {
        const cmeta_ri_point *p = &r->pts[i];
        if (isfinite(p->ci_lb) && p->ci_lb < vlo) vlo = p->ci_lb;
        if (isfinite(p->ci_ub) && p->ci_ub > vhi) vhi = p->ci_ub;
    }
    if (vhi <= vlo) vhi = vlo + 1;
    double t[64], alo, ahi, ylo, yhi;
    /* x axis: ri */
    size_t nt = cmeta__ticks(rlo, rhi, 0, t, 64, &alo, &ahi);
    out->ax0 = x0, out->ax1 = x1, out->lo = alo, out->hi = ahi;
    TRY(cmeta__plot_line(out, CMETA_ROLE_AXIS, -1, x0, y1, x1, y1, 1, 0));
    for (size_t i = 0; i < nt; i++) {
        char lab[64];
        double x = cmeta_plot_xpos(out, t[i]);
        cmeta__fmt_tick(lab, sizeof lab, t[i]);
        TRY(cmeta__plot_line(out, CMETA_ROLE_TICK, (long)i, x, y1, x, y1 + 4, 1, 0));
        out->prim[out->n - 1].value = t[i];
        TRY(cmeta__plot_text(out, CMETA_ROLE_TICKLABEL, (long)i, x, y1 + 6 + fs, CMETA_ANCHOR_CENTER, fs, 0, lab,
                             measure, ctx));
        out->prim[out->n - 1].value = t[i];
    }
    TRY(cmeta__plot_text(out, CMETA_ROLE_AXISTITLE, 0, (x0 + x1) / 2, y1 + 10 + 2.2 * fs, CMETA_ANCHOR_CENTER, fs, 0,
                         "assumed pre-post correlation (ri) of the studies without one", measure, ctx));
    /* y axis: the estimate */
    nt = cmeta__ticks(vlo, vhi, 0, t, 64, &ylo, &yhi);
    out->ylo = ylo, out->yhi = yhi, out->ay0 = y1, out->ay1 = y0;
#define PX(v) cmeta_plot_xpos(out, (v))
#define PY(v) cmeta_plot_ypos(out, (v))
    TRY(cmeta__plot_line(out, CMETA_ROLE_AXIS, -2, x0, y1, x0, y0, 1, 0));
    for (size_t i = 0; i < nt; i++) {
        char lab[64];
        double y = PY(t[i]);
        cmeta__fmt_tick(lab, sizeof lab, t[i]);
        TRY(cmeta__plot_line(out, CMETA_ROLE_TICK, -1 - (long)i, x0 - 4, y, x0, y, 1, 0));
        out->prim[out->n - 1].value = t[i];
        TRY(cmeta__plot_text(out, CMETA_ROLE_TICKLABEL, -1 - (long)i, x0 - 6, y + fs / 3, CMETA_ANCHOR_RIGHT, fs, 0,
                             lab, measure, ctx));
        out->prim[out->n - 1].value = t[i];
    }
    char title[160];
    snprintf(title, sizeof title, "estimate (%s)", cmeta_measure_name(r->measure));
    TRY(cmeta__plot_text(out, CMETA_ROLE_AXISTITLE, 1, x0, y0 - 8, CMETA_ANCHOR_LEFT, fs, 0, title, measure, ctx));
    char lev[32];
    cmeta_fmt_level(lev, sizeof lev, r->fo->level);
    snprintf(title, sizeof title, "%s (grey), %s; %zu of k = %zu studies swept", lev,
             cmeta_method_name(r->fo->method), r->k_swept, r->k);
    TRY(cmeta__plot_text(out, CMETA_ROLE_LEGEND, 0, x1, y0 - 8, CMETA_ANCHOR_RIGHT, fs * 0.9, 0, title, measure, ctx));
    /* the band, one quadrilateral per interval of the grid */
    for (size_t i = 0; i + 1 < n; i++) {
        const cmeta_ri_point *a = &r->pts[i], *b = &r->pts[i + 1];
        cmeta_prim *q = cmeta__plot_push(out, CMETA_PRIM_POLYGON, CMETA_ROLE_REGION, (long)i);
        if (!q) goto fail;
        q->np = 4;
        q->px[0] = PX(a->ri), q->py[0] = PY(a->ci_lb);
        q->px[1] = PX(b->ri), q->py[1] = PY(b->ci_lb);
        q->px[2] = PX(b->ri), q->py[2] = PY(b->ci_ub);
        q->px[3] = PX(a->ri), q->py[3] = PY(a->ci_ub);
        q->fill = 0.85, q->stroke = 0.85, q->line_width = 0.5;
    }
    if (n == 1) TRY(cmeta__plot_line(out, CMETA_ROLE_CI, 0, PX(r->pts[0].ri), PY(r->pts[0].ci_lb), PX(r->pts[0].ri),
                                     PY(r->pts[0].ci_ub), 2, 0));
    /* the null and the tipping points */
    TRY(cmeta__plot_line(out, CMETA_ROLE_REFLINE, 0, x0, PY(0), x1, PY(0), 0.75, 1));
    for (size_t i = 0; i < r->ntips; i++)
        if (isfinite(r->tips[i].root))
            TRY(cmeta__plot_line(out, CMETA_ROLE_REFLINE, 1 + (long)i, PX(r->tips[i].root), y1, PX(r->tips[i].root),
                                 y0, 0.75, 2));
    /* the estimate */
    for (size_t i = 0; i + 1 < n; i++)
        TRY(cmeta__plot_line(out, CMETA_ROLE_ESTLINE, (long)i, PX(r->pts[i].ri), PY(r->pts[i].estimate),
                             PX(r->pts[i + 1].ri), PY(r->pts[i + 1].estimate), 1.5, 0));
    for (size_t i = 0; i < n; i++) {
        cmeta_prim *q = cmeta__plot_push(out, CMETA_PRIM_CIRCLE, CMETA_ROLE_POINT, (long)i);
        if (!q) goto fail;
        q->x = PX(r->pts[i].ri), q->y = PY(r->pts[i].estimate), q->w = 2.2;
        q->fill = 0, q->stroke = 0;
    }
#undef PX
#undef PY
    cmeta__plot_finish(out, 10);
    return CMETA_OK;
fail:
    cmeta_plot_free(out);
    return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
}
