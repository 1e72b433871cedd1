/* diagplot.c - the plotted quantities of the Baujat, radial and normal Q-Q plots, as
 * metafor 3.8.1 computes them for an intercept-only rma.uni / rma.mh / rma.peto model
 * (R/baujat.rma.r, R/radial.rma.r, R/qqnorm.rma.uni.r, R/rstandard.rma.uni.r, R/labbe.rma.r). See
 * cmeta/diagplot.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "internal.h"
#include "dist.h"
#include "cmeta/diagplot.h"

void cmeta_diagplot_data_free(cmeta_diagplot_data *d)
{
    if (!d) return;
    cmeta_free(d->x);
    cmeta_free(d->y);
    cmeta_free(d->size);
    cmeta_free(d->env_x);
    cmeta_free(d->env_lb);
    cmeta_free(d->env_ub);
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

/* ---- Q-Q envelope ------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* R's quantile(x, p), type 7, of the sorted v[0..n-1]: h = (n - 1) p, v[floor h] +
 * (h - floor h) (v[floor h + 1] - v[floor h]) (Hyndman & Fan 1996, definition 7). */
static double quantile7(const double *v, size_t n, double p)
{
    double h = (double)(n - 1) * p, f = floor(h);
    size_t j = (size_t)f;
    if (j + 1 >= n) return v[n - 1];
    return v[j] + (h - f) * (v[j + 1] - v[j]);
}

/* metafor qqnorm.rma.uni (envelope = TRUE): dat = matrix(rnorm(k * reps), k, reps);
 * ei = (I - H) dat, each column sorted; lb, ub = the row quantiles at alpha/2, 1 - alpha/2.
 * (I - H) z for the intercept-only H = 1 w' / sum w is z - (sum_j w_j z_j / sum w). */
cmeta_status cmeta_diagplot_qq_envelope(cmeta_diagplot_data *dd, const cmeta_studies *s, size_t reps,
                                        unsigned long seed, double level, cmeta_error *err)
{
    if (!dd || !s || dd->kind != CMETA_DIAG_QQ || dd->k != s->k || !s->vi)
        return cmeta_error_set(err, CMETA_EUSAGE, "Q-Q envelope: needs the Q-Q plot's data of the same studies");
    if (reps < 2) return cmeta_error_set(err, CMETA_EUSAGE, "Q-Q envelope: needs at least 2 replicates");
    if (!(level > 0 && level < 100)) return cmeta_error_set(err, CMETA_EUSAGE, "Q-Q envelope: level %g", level);
    size_t k = dd->k;
    if (reps > (size_t)-1 / (k * sizeof(double)))
        return cmeta_error_set(err, CMETA_ENOMEM, "Q-Q envelope: %s", cmeta_strerror(CMETA_ENOMEM));
    double *e = cmeta__dnew(k * reps), *w = cmeta__dnew(k), *col = cmeta__dnew(reps);
    cmeta_free(dd->env_x), cmeta_free(dd->env_lb), cmeta_free(dd->env_ub);
    dd->env_x = cmeta__dnew(k), dd->env_lb = cmeta__dnew(k), dd->env_ub = cmeta__dnew(k);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    cmeta_status st = CMETA_OK;
    if (!e || !w || !col || !dd->env_x || !dd->env_lb || !dd->env_ub || !r) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "Q-Q envelope: %s", cmeta_strerror(CMETA_ENOMEM));
        goto out;
    }
    gsl_rng_set(r, seed);
    double sw = 0;
    for (size_t i = 0; i < k; i++) sw += w[i] = 1 / (s->vi[i] + dd->tau2);
    for (size_t b = 0; b < reps; b++) {
        double *z = e + b * k, m = 0;
        for (size_t i = 0; i < k; i++) z[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
        for (size_t i = 0; i < k; i++) m += w[i] * z[i];
        m /= sw;
        for (size_t i = 0; i < k; i++) z[i] -= m;
        qsort(z, k, sizeof *z, cmp_double);
    }
    double alpha = 1 - level / 100, a = k <= 10 ? 3.0 / 8.0 : 0.5;
    for (size_t j = 0; j < k; j++) {
        for (size_t b = 0; b < reps; b++) col[b] = e[b * k + j];
        qsort(col, reps, sizeof *col, cmp_double);
        dd->env_lb[j] = quantile7(col, reps, alpha / 2);
        dd->env_ub[j] = quantile7(col, reps, 1 - alpha / 2);
        dd->env_x[j] = qnorm_lower(((double)(j + 1) - a) / ((double)k + 1 - 2 * a));
    }
    dd->env_reps = reps;
    dd->env_seed = seed;
out:
    if (st != CMETA_OK) {
        cmeta_free(dd->env_x), cmeta_free(dd->env_lb), cmeta_free(dd->env_ub);
        dd->env_x = dd->env_lb = dd->env_ub = NULL;
    }
    if (r) gsl_rng_free(r);
    cmeta_free(e);
    cmeta_free(w);
    cmeta_free(col);
    return st;
}

/* ---- drapery ----------------------------------------------------------------------------- */

void cmeta_drapery_data_free(cmeta_drapery_data *d)
{
    if (!d) return;
    cmeta_free(d->theta);
    cmeta_free(d->p);
    cmeta_free(d->pooled);
    cmeta_free(d->pred);
    cmeta_free(d->yi);
    cmeta_free(d->sei);
    memset(d, 0, sizeof *d);
}

/* 2 P(T > |d| / s), T normal (df NAN) or t_df */
static double pfun(double d, double s, double df)
{
    double z = fabs(d) / s;
    return isnan(df) ? cmeta__pnorm2(z) : cmeta__pt2(z, df);
}

cmeta_status cmeta_drapery_compute(const cmeta_studies *s, const cmeta_fit_opts *opts, const cmeta_fit *fit,
                                   size_t ngrid, cmeta_drapery_data *out, cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "drapery plot: no output given");
    memset(out, 0, sizeof *out);
    if (!s || !opts || !fit || !fit->beta || !fit->se)
        return cmeta_error_set(err, CMETA_EUSAGE, "drapery plot: no model given");
    if (s->k < 2) return cmeta_error_set(err, CMETA_EDATA, "drapery plot: needs at least 2 studies (k = %zu)", s->k);
    if (ngrid < 2) return cmeta_error_set(err, CMETA_EUSAGE, "drapery plot: needs at least 2 grid points");
    size_t k = s->k, n = ngrid + k + 1;
    if (n > ((size_t)-1 / sizeof(double)) / (k + 3))
        return cmeta_error_set(err, CMETA_ENOMEM, "drapery plot: %s", cmeta_strerror(CMETA_ENOMEM));
    int two = cmeta_method_is_2x2(opts->method);
    out->k = k, out->n = n;
    out->fixed = two || opts->method == CMETA_METHOD_FE;
    out->estimate = fit->beta[0];
    out->se = fit->se[0];
    out->df = fit->test == CMETA_TEST_Z ? NAN : fit->df;
    out->tau2 = out->fixed ? 0 : fit->tau2;
    out->level = opts->level;
    out->measure = s->measure;
    out->theta = cmeta__dnew(n);
    out->p = cmeta__dnew(k * n);
    out->pooled = cmeta__dnew(n);
    out->pred = out->fixed ? NULL : cmeta__dnew(n);
    out->yi = cmeta__dnew(k);
    out->sei = cmeta__dnew(k);
    if (!out->theta || !out->p || !out->pooled || (!out->fixed && !out->pred) || !out->yi || !out->sei) {
        cmeta_drapery_data_free(out);
        return cmeta_error_set(err, CMETA_ENOMEM, "drapery plot: %s", cmeta_strerror(CMETA_ENOMEM));
    }
    if (fit->test != CMETA_TEST_Z && !(fit->df > 0)) {
        cmeta_drapery_data_free(out);
        return cmeta_error_set(err, CMETA_EDATA, "drapery plot: the t test needs df > 0");
    }
    /* meta: xlim = range of the studies' CIs at the level; seq(mn, mx, length.out = ngrid) */
    double z = cmeta__qcrit(opts->level, NAN), mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < k; i++) {
        out->yi[i] = s->yi[i];
        out->sei[i] = sqrt(s->vi[i]);
        if (!isfinite(s->yi[i]) || !(s->vi[i] > 0)) {
            cmeta_drapery_data_free(out);
            return cmeta_error_set(err, CMETA_EDATA, "drapery plot: study %zu has no finite estimate and positive variance",
                                   i + 1);
        }
        mn = fmin(mn, s->yi[i] - z * out->sei[i]);
        mx = fmax(mx, s->yi[i] + z * out->sei[i]);
    }
    double by = (mx - mn) / (double)(ngrid - 1);
    out->theta[0] = mn;
    for (size_t j = 1; j + 1 < ngrid; j++) out->theta[j] = mn + (double)j * by;
    out->theta[ngrid - 1] = mx;
    for (size_t i = 0; i < k; i++) out->theta[ngrid + i] = s->yi[i];
    out->theta[n - 1] = out->estimate;
    qsort(out->theta, n, sizeof *out->theta, cmp_double);
    double spred = sqrt(out->se * out->se + out->tau2);
    for (size_t j = 0; j < n; j++) {
        double t = out->theta[j];
        for (size_t i = 0; i < k; i++) out->p[i * n + j] = cmeta__pnorm2((s->yi[i] - t) / out->sei[i]);
        out->pooled[j] = pfun(out->estimate - t, out->se, out->df);
        if (out->pred) out->pred[j] = pfun(out->estimate - t, spred, out->df);
    }
    return CMETA_OK;
}

/* ---- bubble plot (regplot) --------------------------------------------------------------- */

void cmeta_regplot_data_free(cmeta_regplot_data *d)
{
    if (!d) return;
    double **a[] = {&d->x, &d->y, &d->psize, &d->xs, &d->pred, &d->ci_lb, &d->ci_ub, &d->pi_lb, &d->pi_ub};
    for (size_t i = 0; i < sizeof a / sizeof *a; i++) cmeta_free(*a[i]);
    memset(d, 0, sizeof *d);
}

cmeta_status cmeta_regplot_compute(const double *yi, const double *vi, size_t n, const double *X, size_t q,
                                   int intercept, const cmeta_fit *fit, size_t mod, size_t npred,
                                   cmeta_measure measure, cmeta_regplot_data *out, cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "bubble plot: no output given");
    memset(out, 0, sizeof *out);
    if (!yi || !vi || !X || !fit || !fit->beta || !fit->vb || !fit->wi)
        return cmeta_error_set(err, CMETA_EUSAGE, "bubble plot: data, moderators and a fit are required");
    size_t p = q + (intercept ? 1 : 0);
    if (mod >= q || fit->p != p || fit->k != n || n < 2 || npred < 2)
        return cmeta_error_set(err, CMETA_EUSAGE, "bubble plot: moderator %zu of %zu, fit of %zu coefficients", mod, q,
                               fit->p);
    out->k = n, out->npred = npred, out->measure = measure;
    out->fixed = fit->method == CMETA_METHOD_FE;
    double **a[] = {&out->x, &out->y, &out->psize};
    for (size_t i = 0; i < 3; i++) *a[i] = cmeta__dnew(n);
    double **b[] = {&out->xs, &out->pred, &out->ci_lb, &out->ci_ub, &out->pi_lb, &out->pi_ub};
    for (size_t i = 0; i < 6; i++) *b[i] = cmeta__dnew(npred);
    double *xn = cmeta__dnew(p), *mean = cmeta__dnew(q);
    cmeta_status st = CMETA_OK;
    int ok = xn && mean;
    for (size_t i = 0; i < 3; i++) ok = ok && *a[i];
    for (size_t i = 0; i < 6; i++) ok = ok && *b[i];
    if (!ok) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "bubble plot: %s", cmeta_strerror(CMETA_ENOMEM));
        goto out;
    }
    /* points; regplot: psize from sqrt(weights(x)) scaled to plim = c(0.5, 3) */
    double lo = INFINITY, hi = -INFINITY, wmin = INFINITY, wmax = -INFINITY;
    for (size_t j = 0; j < q; j++) mean[j] = 0;
    for (size_t i = 0; i < n; i++) {
        out->x[i] = X[i * q + mod];
        out->y[i] = yi[i];
        for (size_t j = 0; j < q; j++) mean[j] += X[i * q + j];
        lo = fmin(lo, out->x[i]), hi = fmax(hi, out->x[i]);
        double wi = sqrt(fit->wi[i]);
        out->psize[i] = wi;
        wmin = fmin(wmin, wi), wmax = fmax(wmax, wi);
    }
    for (size_t j = 0; j < q; j++) mean[j] /= (double)n; /* colMeans(X) */
    for (size_t i = 0; i < n; i++)
        out->psize[i] = wmax - wmin <= sqrt(2.220446049250313e-16) ? 1
                        : (out->psize[i] - wmin) / (wmax - wmin) * (3 - 0.5) + 0.5;
    /* predlim = range -+ 4%; xs = seq(predlim[1], predlim[2], length = npred) */
    double r = hi - lo, a0 = lo - 0.04 * r, a1 = hi + 0.04 * r, by = (a1 - a0) / (double)(npred - 1);
    double crit = cmeta__qcrit(fit->level, fit->test == CMETA_TEST_Z ? NAN : fit->df);
    double tau2 = out->fixed ? 0 : fit->tau2;
    for (size_t m = 0; m < npred; m++) {
        double xv = m == 0 ? a0 : m + 1 == npred ? a1 : a0 + (double)m * by;
        size_t c = 0;
        if (intercept) xn[c++] = 1;
        for (size_t j = 0; j < q; j++) xn[c++] = j == mod ? xv : mean[j];
        double pr = 0, v = 0;
        for (size_t u = 0; u < p; u++) {
            pr += xn[u] * fit->beta[u];
            for (size_t t = 0; t < p; t++) v += xn[u] * fit->vb[u * p + t] * xn[t];
        }
        double se = sqrt(v > 0 ? v : 0), sp = sqrt(se * se + tau2);
        out->xs[m] = xv;
        out->pred[m] = pr;
        out->ci_lb[m] = pr - crit * se, out->ci_ub[m] = pr + crit * se;
        out->pi_lb[m] = pr - crit * sp, out->pi_ub[m] = pr + crit * sp;
    }
out:
    cmeta_free(xn);
    cmeta_free(mean);
    if (st != CMETA_OK) cmeta_regplot_data_free(out);
    return st;
}
