/* diagplot.c - the plotted quantities of the Baujat, radial and normal Q-Q plots, as
 * metafor 3.8.1 computes them for an intercept-only rma.uni / rma.mh / rma.peto model
 * (R/baujat.rma.r, R/radial.rma.r, R/qqnorm.rma.uni.r, R/rstandard.rma.uni.r, R/labbe.rma.r). See
 * cmeta/diagplot.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "dist.h"
#include "cmeta/diagplot.h"

void cmeta_diagplot_data_free(cmeta_diagplot_data *d)
{
    if (!d) return;
    cmeta_free(d->x);
    cmeta_free(d->y);
    cmeta_free(d->size);
    memset(d, 0, sizeof *d);
}

/* standard normal quantile of p in (0, 1) */
static double qnorm_lower(double p)
{
    return p < 0.5 ? -cmeta__qnorm_upper(p) : cmeta__qnorm_upper(1 - p);
}

/* Baujat et al. (2002); metafor baujat.rma:
 *   x_i = (y_i - mu)^2 / (v_i + tau2)             (resid(x)^2 / (tau2 + vi); tau2 = 0 for FE/MH/Peto)
 *   y_i = (mu(-i) - mu)^2 / Var(mu(-i))            (the model refitted without study i, same
 *                                                  estimator and test, so Var includes the
 *                                                  Knapp-Hartung factor when test = knha) */
static cmeta_status baujat(const cmeta_studies *s, const cmeta_fit_opts *opts, cmeta_diagplot_data *o,
                           cmeta_warnings *w, cmeta_error *err)
{
    cmeta_summary *rows = CMETA_ARRAY_NEW(cmeta_summary, s->k);
    if (!rows) return cmeta_error_set(err, CMETA_ENOMEM, "Baujat plot: %s", cmeta_strerror(CMETA_ENOMEM));
    cmeta_status st = cmeta_leave1out(s, opts, rows, w, err);
    if (st == CMETA_OK)
        for (size_t i = 0; i < s->k; i++) {
            double r = s->yi[i] - o->estimate;
            o->x[i] = r * r / (s->vi[i] + o->tau2);
            double d = rows[i].estimate - o->estimate, v = rows[i].se * rows[i].se;
            o->y[i] = isfinite(d) && v > 0 ? d * d / v : NAN;
        }
    cmeta_free(rows);
    return st;
}

/* Galbraith (1988); metafor radial.rma (intercept only): x_i = 1/sqrt(v_i + tau2),
 * z_i = y_i / sqrt(v_i + tau2), tau2 = 0 for fixed-effect models; the line z = mu x and the
 * band mu x +- zcrit, zcrit = qnorm(1 - alpha/2) (normal whatever the test). */
static void radial(const cmeta_studies *s, cmeta_diagplot_data *o)
{
    for (size_t i = 0; i < s->k; i++) {
        double sd = sqrt(s->vi[i] + o->tau2);
        o->x[i] = 1 / sd;
        o->y[i] = s->yi[i] / sd;
    }
}

/* metafor rstandard.rma.uni: e = (I - H) y with H = X (X'WX)^-1 X'W, W = diag(1/(v_i + tau2));
 * Var(e) = (I - H) M (I - H)', M = diag(v_i + tau2). Intercept only, H_ij = w_j / sum(w), so
 * Var(e_i) = (v_i + tau2) - 1/sum(w), and z_i = (y_i - mu) / sqrt(Var(e_i)) (no Knapp-Hartung
 * factor). qqnorm: x = qnorm(ppoints(k))[order(order(z))], ppoints(k)_j = (j - a)/(k + 1 - 2a),
 * a = 3/8 for k <= 10, else 1/2; ties keep input order (R's order is stable). */
static cmeta_status qq(const cmeta_studies *s, cmeta_diagplot_data *o, cmeta_error *err)
{
    size_t k = s->k;
    double sw = 0;
    for (size_t i = 0; i < k; i++) sw += 1 / (s->vi[i] + o->tau2);
    for (size_t i = 0; i < k; i++) {
        double ve = (s->vi[i] + o->tau2) - 1 / sw;
        o->y[i] = ve > 0 ? (s->yi[i] - o->estimate) / sqrt(ve) : NAN;
    }
    size_t *ord = CMETA_ARRAY_NEW(size_t, k);
    if (!ord) return cmeta_error_set(err, CMETA_ENOMEM, "Q-Q plot: %s", cmeta_strerror(CMETA_ENOMEM));
    for (size_t i = 0; i < k; i++) ord[i] = i;
    /* stable insertion sort by y (k is small; NaN last) */
    for (size_t i = 1; i < k; i++) {
        size_t v = ord[i], j = i;
        while (j > 0) {
            double a = o->y[ord[j - 1]], b = o->y[v];
            int greater = isnan(b) ? 0 : isnan(a) ? 1 : a > b;
            if (!greater) break;
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = v;
    }
    double a = k <= 10 ? 3.0 / 8.0 : 0.5;
    for (size_t j = 0; j < k; j++)
        o->x[ord[j]] = qnorm_lower(((double)(j + 1) - a) / ((double)k + 1 - 2 * a));
    cmeta_free(ord);
    return CMETA_OK;
}

/* L'Abbe et al. (1987); metafor labbe.rma: each arm through escalc with the single-group
 * measure of the two-group one (RR -> PLN, OR -> PLO, RD -> PR, AS -> PAS; xi = events,
 * mi = non-events, the fit's add and to, given explicitly), x = control arm (ci, di), y =
 * treatment arm (ai, bi). Point size (cex): w_i = 1/sqrt(v_t + v_c), scaled linearly from
 * plim = (0.5, 3.5) over [min w, max w] (all 1 when the range is <= sqrt(DBL_EPSILON)). The
 * effect line t = c + estimate for c in: RR [min - rng, min(0, -b)], OR [min - rng, max + rng],
 * RD [max(0, -b), min(1, 1 - b)], AS [max(0, -b), min(pi/2, pi/2 - b)] (min, max, rng: of
 * both arms' yi together). */
static cmeta_status labbe(const cmeta_studies *s, cmeta_diagplot_data *o, cmeta_warnings *w, cmeta_error *err)
{
    size_t k = s->k;
    cmeta_measure m;
    switch (s->measure) {
    case CMETA_RR: m = CMETA_PLN; break;
    case CMETA_OR: m = CMETA_PLO; break;
    case CMETA_RD: m = CMETA_PR; break;
    case CMETA_AS: m = CMETA_PAS; break;
    default:
        return cmeta_error_set(err, CMETA_EUSAGE, "L'Abbe plot: needs 2x2 data with measure RR, OR, RD or AS (not %s)",
                               cmeta_measure_name(s->measure));
    }
    if (!s->ai || !s->bi || !s->ci || !s->di)
        return cmeta_error_set(err, CMETA_EUSAGE, "L'Abbe plot: needs the 2x2 counts ai, bi, ci, di");
    cmeta_escalc_opts eo;
    if (s->escalc) eo = *s->escalc;
    else cmeta_escalc_opts_default(&eo);
    eo.add_explicit = 1; /* labbe.rma passes add = x$add to escalc */
    eo.vtype = CMETA_VTYPE_LS;
    eo.drop00 = 0;
    double *n1 = cmeta__dnew(k), *n2 = cmeta__dnew(k), *v1 = cmeta__dnew(k), *v2 = cmeta__dnew(k);
    o->size = cmeta__dnew(k);
    cmeta_status st = CMETA_OK;
    if (!n1 || !n2 || !v1 || !v2 || !o->size) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "L'Abbe plot: %s", cmeta_strerror(CMETA_ENOMEM));
        goto out;
    }
    for (size_t i = 0; i < k; i++) n1[i] = s->ai[i] + s->bi[i], n2[i] = s->ci[i] + s->di[i];
    cmeta_escalc_input in1, in2;
    memset(&in1, 0, sizeof in1);
    memset(&in2, 0, sizeof in2);
    in1.k = in2.k = k;
    in1.xi = s->ai, in1.ni = n1;
    in2.xi = s->ci, in2.ni = n2;
    /* no warnings of their own: the data's continuity correction was already reported */
    (void)w;
    if ((st = cmeta_escalc(m, &in1, &eo, o->y, v1, NULL, err)) != CMETA_OK) goto out;
    if ((st = cmeta_escalc(m, &in2, &eo, o->x, v2, NULL, err)) != CMETA_OK) goto out;
    double wmin = INFINITY, wmax = -INFINITY, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < k; i++) {
        if (!isfinite(o->x[i]) || !isfinite(o->y[i])) continue;
        double wi = sqrt(1 / (v1[i] + v2[i]));
        o->size[i] = wi;
        wmin = fmin(wmin, wi), wmax = fmax(wmax, wi);
        lo = fmin(lo, fmin(o->x[i], o->y[i])), hi = fmax(hi, fmax(o->x[i], o->y[i]));
    }
    for (size_t i = 0; i < k; i++) {
        if (!isfinite(o->x[i]) || !isfinite(o->y[i])) o->size[i] = NAN;
        else if (wmax - wmin <= sqrt(2.220446049250313e-16)) o->size[i] = 1;
        else o->size[i] = (o->size[i] - wmin) / (wmax - wmin) * (3.5 - 0.5) + 0.5;
    }
    double b = o->estimate, rng = hi - lo, top = s->measure == CMETA_AS ? asin(1.0) : 1;
    switch (s->measure) {
    case CMETA_RR: o->line_lo = lo - rng, o->line_hi = b > 0 ? -b : 0; break;
    case CMETA_OR: o->line_lo = lo - rng, o->line_hi = hi + rng; break;
    default: o->line_lo = b > 0 ? 0 : -b, o->line_hi = b > 0 ? top - b : top; break;
    }
out:
    cmeta_free(n1);
    cmeta_free(n2);
    cmeta_free(v1);
    cmeta_free(v2);
    return st;
}

cmeta_status cmeta_diagplot_compute(cmeta_diagplot_kind kind, const cmeta_studies *s, const cmeta_fit_opts *opts,
                                    const cmeta_fit *fit, cmeta_diagplot_data *out, cmeta_warnings *w,
                                    cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "diagnostic plot: no output given");
    memset(out, 0, sizeof *out);
    if (!s || !opts || !fit || !fit->beta) return cmeta_error_set(err, CMETA_EUSAGE, "diagnostic plot: no model given");
    if (s->k < 2) return cmeta_error_set(err, CMETA_EDATA, "diagnostic plot: needs at least 2 studies (k = %zu)", s->k);
    int two = cmeta_method_is_2x2(opts->method);
    if (kind == CMETA_DIAG_QQ && two)
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "Q-Q plot: standardized residuals need an inverse-variance model, not %s",
                               cmeta_method_name(opts->method));
    out->kind = kind;
    out->k = s->k;
    out->fixed = two || opts->method == CMETA_METHOD_FE;
    out->estimate = fit->beta[0];
    out->measure = s->measure;
    out->tau2 = out->fixed ? 0 : fit->tau2;
    out->zcrit = cmeta__qcrit(opts->level, NAN);
    out->x = cmeta__dnew(s->k);
    out->y = cmeta__dnew(s->k);
    if (!out->x || !out->y) {
        cmeta_diagplot_data_free(out);
        return cmeta_error_set(err, CMETA_ENOMEM, "diagnostic plot: %s", cmeta_strerror(CMETA_ENOMEM));
    }
    cmeta_status st = CMETA_OK;
    switch (kind) {
    case CMETA_DIAG_BAUJAT: st = baujat(s, opts, out, w, err); break;
    case CMETA_DIAG_RADIAL: radial(s, out); break;
    case CMETA_DIAG_QQ: st = qq(s, out, err); break;
    case CMETA_DIAG_LABBE: st = labbe(s, out, w, err); break;
    default: st = cmeta_error_set(err, CMETA_EUSAGE, "diagnostic plot: unknown kind %d", (int)kind);
    }
    if (st != CMETA_OK) cmeta_diagplot_data_free(out);
    return st;
}
