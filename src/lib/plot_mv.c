/* plot_mv.c - forest plot of a multilevel / multivariate fit (cmeta_mv), see cmeta/plot.h.
 *
 * The rows are the fit's effect sizes grouped under a bold header per level of the outer
 * factor; the squares are sized by metafor's weights.rma.mv (diag(M^-1), normalised); the
 * diamonds and prediction intervals come from cmeta_mv_predict (metafor's predict.rma.mv).
 * This file decides what is drawn (which diamonds, which statistics lines); the forest plot's
 * layout (plot_forest.c, cmeta__forest_layout_rows) places it, so that column sizing, the
 * axis, arrows for cut intervals and the no-overlap rules are the same as the forest plot's.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_internal.h"

/* metafor style p-value: "p = 0.0123", "p < 0.0001" */
static void fmt_p(char *buf, size_t n, double p)
{
    if (!isfinite(p)) snprintf(buf, n, "p = NA");
    else if (p < 0.0001) snprintf(buf, n, "p < 0.0001");
    else snprintf(buf, n, "p = %.4f", p);
}

/* 1 when the design is a cell-means model: no intercept and every row of X a unit vector
 * (each row estimates exactly one coefficient, which is then the pooled effect of its level). */
static int cell_means(const cmeta_mv_fit *f, const double *X)
{
    if (f->intercept || !X) return 0;
    for (size_t i = 0; i < f->k; i++) {
        size_t ones = 0;
        for (size_t a = 0; a < f->p; a++) {
            double x = X[i * f->p + a];
            if (x == 1) ones++;
            else if (x != 0) return 0;
        }
        if (ones != 1) return 0;
    }
    return 1;
}

/* The statistics lines under the plot, written into lines (3 x 2048 chars), pointed to by
 * stats: the variance components with two more decimals than the estimates (4 by default, as
 * metafor prints sigma2), the multilevel I^2 and the Q test with V; the test of the
 * coefficients (cm: the cell means) or of the overall effect; mf's note. Returns their number. */
static size_t stats_lines(const cmeta_mv_fit *fit, const cmeta_mv_forest *mf, const cmeta_forest_opts *o, int cm,
                          int digits, char *lines, const char **stats)
{
    size_t nstats = 0;
    {
        char *b = lines;
        size_t n = 2048, u = 0;
        u += (size_t)snprintf(b + u, n - u, "%s: ", cm ? "Residual heterogeneity" : "Heterogeneity");
        for (size_t q = 0; q < fit->s && u < n; q++) {
            char v[64];
            cmeta__fmt_fixed(v, sizeof v, fit->sigma2[q], digits + 2);
            u += (size_t)snprintf(b + u, n - u, "\u03c3\u00b2(%s) = %s, ",
                                  mf->comp && mf->comp[q] ? mf->comp[q] : "?", v);
        }
        char i2[64], qe[64], pv[64];
        cmeta__fmt_fixed(i2, sizeof i2, fit->I2_total, 1);
        cmeta__fmt_fixed(qe, sizeof qe, fit->QE, digits);
        fmt_p(pv, sizeof pv, fit->QE_pval);
        /* with an INNER|OUTER term: its tau^2 in place of the sigma^2, and no I^2 (defined for
         * random intercepts only) */
        for (size_t a = 0; fit->has_term && a < fit->ntau2 && u < n; a++) {
            char v[64];
            cmeta__fmt_fixed(v, sizeof v, fit->tau2[a], digits + 2);
            if (fit->ntau2 == 1) u += (size_t)snprintf(b + u, n - u, "\u03c4\u00b2 = %s, ", v);
            else u += (size_t)snprintf(b + u, n - u, "\u03c4\u00b2(%s) = %s, ",
                                       fit->inner_labels ? fit->inner_labels[a] : "?", v);
        }
        if (u < n && isfinite(fit->I2_total)) u += (size_t)snprintf(b + u, n - u, "I\u00b2 = %s%%, ", i2);
        if (u < n) snprintf(b + u, n - u, "Q = %s (df = %g), %s", qe, fit->QE_df, pv);
        stats[nstats++] = b;
    }
    if (!o || o->show_test) {
        char *b = lines + 2048, s1[64], pv[64];
        int t = fit->test == CMETA_TEST_T;
        if (cm) {
            cmeta__fmt_fixed(s1, sizeof s1, fit->QM, digits);
            fmt_p(pv, sizeof pv, fit->QM_pval);
            if (t) snprintf(b, 2048, "Test of the coefficients: F(%g, %g) = %s, %s", fit->QM_df, fit->df, s1, pv);
            else snprintf(b, 2048, "Test of the coefficients: QM (df = %g) = %s, %s", fit->QM_df, s1, pv);
        } else {
            cmeta__fmt_fixed(s1, sizeof s1, fit->stat[0], digits);
            fmt_p(pv, sizeof pv, fit->pval[0]);
            if (t) snprintf(b, 2048, "Test for overall effect: t(%g) = %s, %s", fit->df, s1, pv);
            else snprintf(b, 2048, "Test for overall effect: z = %s, %s", s1, pv);
        }
        stats[nstats++] = b;
    }
    if (mf->note && *mf->note) stats[nstats++] = mf->note;
    return nstats;
}

/* The fit as the forest layout reads it: k, level, method, test, weights (no tau^2, Q or PI). */
static void fit_shim(const cmeta_mv_fit *fit, cmeta_fit *shim)
{
    memset(shim, 0, sizeof *shim);
    shim->k = fit->k;
    shim->p = fit->p;
    shim->method = fit->method;
    shim->test = fit->test;
    shim->level = fit->level;
    shim->weight = fit->weight;
    shim->df = fit->df;
    shim->Q = shim->Q_df = shim->Q_pval = shim->tau2 = shim->I2 = NAN;
    shim->pi_lb = shim->pi_ub = NAN;
}

cmeta_status cmeta_mv_forest_layout(const cmeta_data *d, const cmeta_mv_fit *fit, const cmeta_mv_forest *mf,
                                    const cmeta_forest_opts *o, cmeta_text_measure_fn measure, void *measure_ctx,
                                    cmeta_plot *out, cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "multilevel forest plot: no output plot given");
    memset(out, 0, sizeof *out);
    if (!d || !fit || !mf || !measure || !fit->weight || (mf->ngroups && (!mf->group || !mf->group_name)) ||
        !mf->label)
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "multilevel forest plot: data, fit, groups, labels and a text measure are required");
    if (fit->k != d->k)
        return cmeta_error_set(err, CMETA_EUSAGE, "multilevel forest plot: the fit has %zu rows, the data %zu",
                               fit->k, d->k);
    size_t p = fit->p, nsum;
    int cm = 0;
    if (p == 1 && fit->intercept) nsum = 1;
    else if ((cm = cell_means(fit, mf->X)) != 0) nsum = p;
    else
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "multilevel forest plot: the model has moderators whose coefficients are not pooled "
                               "effects; plot the intercept-only model, or one coefficient per level of a factor "
                               "(--mods F --no-intercept)");
    if (cm && !mf->coef)
        return cmeta_error_set(err, CMETA_EUSAGE, "multilevel forest plot: coefficient names are required");
    int digits = o && o->digits >= 0 && o->digits <= 10 ? o->digits : 2;

    cmeta_status st = CMETA_ENOMEM;
    double *sv = cmeta_calloc(6 * nsum + p, sizeof *sv);
    const char **slab = cmeta_calloc(nsum, sizeof *slab);
    char *lines = cmeta_calloc(3, 2048), *labbuf = NULL;
    if (!sv || !slab || !lines) goto done;
    double *est = sv, *clb = sv + nsum, *cub = sv + 2 * nsum, *plb = sv + 3 * nsum, *pub = sv + 4 * nsum,
           *sw = sv + 5 * nsum, *x = sv + 6 * nsum;
    if (cm) {
        labbuf = cmeta_calloc(nsum, 256);
        if (!labbuf) goto done;
    }
    for (size_t j = 0; j < nsum; j++) {
        for (size_t a = 0; a < p; a++) x[a] = a == j;
        cmeta_mv_predict(fit, x, &est[j], NULL, &clb[j], &cub[j], &plb[j], &pub[j]);
        /* the CI of the coefficient as the fit reports it (identical: x = e_j) */
        est[j] = fit->beta[j], clb[j] = fit->ci_lb[j], cub[j] = fit->ci_ub[j];
        sw[j] = cm ? NAN : 100;
        if (cm) {
            snprintf(labbuf + 256 * j, 256, "RE Model: %s", mf->coef[j] ? mf->coef[j] : "?");
            slab[j] = labbuf + 256 * j;
        } else
            slab[j] = "RE Model";
    }
    const char *stats[3];
    size_t nstats = stats_lines(fit, mf, o, cm, digits, lines, stats);
    cmeta_fit shim;
    fit_shim(fit, &shim);
    cmeta__forest_rows fr;
    memset(&fr, 0, sizeof fr);
    fr.label_heading = mf->label_heading;
    fr.ngroups = mf->ngroups;
    fr.group_name = mf->group_name;
    fr.group = mf->group;
    fr.label = mf->label;
    fr.indent = mf->ngroups ? (o && o->font_size > 0 ? o->font_size : 10) * 1.2 : 0;
    fr.nsum = nsum;
    fr.sum_label = slab;
    fr.est = est, fr.ci_lb = clb, fr.ci_ub = cub, fr.pi_lb = plb, fr.pi_ub = pub, fr.sum_weight = sw;
    fr.nstats = nstats;
    fr.stats = stats;
    st = cmeta__forest_layout_rows(d, &shim, &fr, o, measure, measure_ctx, out, err);
    goto out_free;
done:
    st = cmeta_error_set(err, CMETA_ENOMEM, "multilevel forest plot: out of memory");
out_free:
    cmeta_free(sv);
    cmeta_free(slab);
    cmeta_free(lines);
    cmeta_free(labbuf);
    return st;
}
