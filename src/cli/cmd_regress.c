/* cmd_regress.c - `cmeta regress FILE --mods A,B`: mixed-effects meta-regression (metafor's
 * rma(yi, vi, mods = ~ A + B)), printed like metafor's print.rma.uni; --plot F.svg draws the
 * bubble plot (metafor's regplot). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_diag.h"

/* --plot: the bubble plot of moderator --plot-mod (the only one when there is one: regplot's
 * mod; with several, regplot needs mod and holds the others at their means) */
static int bubble(const cli_opts *o, const cmeta_design *des, const double *y, const double *v, const cmeta_fit *fit,
                  cmeta_measure m)
{
    size_t mod = 0;
    int found = des->q == 1 && !o->plot_mod;
    const char *first = des->intercept ? des->names[1] : des->names[0];
    for (size_t j = 0; j < des->q && o->plot_mod && !found; j++)
        if (!strcasecmp(des->names[j + (des->intercept ? 1 : 0)], o->plot_mod)) mod = j, found = 1;
    if (!found) {
        if (!o->plot_mod)
            return cli_failf(1, "regress --plot: the model has %zu moderator columns (%s, ...): name the one for the "
                                "x axis with --plot-mod NAME (the others are held at their means, as metafor's regplot)",
                             des->q, first);
        return cli_failf(1, "regress --plot-mod: '%s' is not a coefficient of the model (e.g. %s)", o->plot_mod, first);
    }
    cmeta_regplot_data rd;
    cmeta_plot plot;
    memset(&plot, 0, sizeof plot);
    cmeta_text_measurer *tm = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    int rc = 0;
    if (cmeta_regplot_compute(y, v, des->n, des->X, des->q, des->intercept, fit, mod, 1000, m, &rd, &err) !=
            CMETA_OK ||
        cmeta_plot_backend_ready(&err) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (cmeta_text_measurer_new(&tm) != CMETA_OK) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    cmeta_diagplot_opts po = {o->plot_title, o->xlab, NULL};
    if (cmeta_regplot_layout(&rd, des->names[mod + (des->intercept ? 1 : 0)], o->plot_pi, &po,
                             cmeta_text_measure_cairo, tm, &plot, &err) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    cmeta_render_opts ro;
    cli_render_opts(o, &ro);
    rc = cli_plot_write_opts(&plot, o->plot, &ro);
done:
    cmeta_regplot_data_free(&rd);
    cmeta_plot_free(&plot);
    cmeta_text_measurer_free(tm);
    cmeta_plot_cleanup_at_exit();
    return rc;
}


int cmeta_cmd_regress(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o);
    if (rc >= 0) return rc;
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_design *des = NULL;
    cmeta_fit *fit = NULL;
    double *y = NULL, *v = NULL, *X = NULL;
    size_t *cl = NULL;
    cmeta_robust_result *rob = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_error err;
    cmeta_error_clear(&err);
    if (!o.mods || !*o.mods) {
        rc = cli_failf(1, "regress: --mods A,B is required (the moderator columns)");
        goto done;
    }
    /* the drawing controls belong to --plot */
    const char *fig = o.plot_title ? "--title" : o.xlab ? "--xlab" : o.size_w > 0 ? "--size" : o.dpi > 0 ? "--dpi"
                    : o.svg_text_set ? "--svg-text" : NULL;
    if (fig && !o.plot) {
        rc = cli_failf(1, "regress: %s needs --plot", fig);
        goto done;
    }
    if (o.plot) {
        cmeta_plot_format pf;
        if (cmeta_plot_format_from_path(o.plot, &pf, &err) != CMETA_OK) {
            rc = cli_fail(&err);
            goto done;
        }
    }
    if ((rc = cli_load(&o, o.inputs[0], &t, &d, &w))) goto done;
    if ((rc = cli_diag_check_method(&o))) goto done;
    cmeta_status st = cmeta_design_from_data(d, o.mods, !o.no_intercept, &des, &w, &err);
    if (st != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    y = malloc((des->n ? des->n : 1) * sizeof *y);
    v = malloc((des->n ? des->n : 1) * sizeof *v);
    if (!y || !v) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < des->n; i++) {
        y[i] = d->yi[des->keep[i]];
        v[i] = d->vi[des->keep[i]];
    }
    o.fit.intercept = des->intercept;
    st = cmeta_rma(y, v, des->n, des->X, des->q, &o.fit, &fit, &w, &err);
    if (st != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (o.plot && (rc = bubble(&o, des, y, v, fit, d->measure))) goto done;
    if (o.robust) {
        size_t ncl = 0;
        if ((rc = cli_robust_clusters(&o, t, d, des->keep, des->n, &cl, &ncl))) goto done;
        X = cmeta_design_full(des);
        if (!X) {
            rc = cli_failf(4, "out of memory");
            goto done;
        }
        cmeta_robust_opts ro;
        cli_robust_opts(&o, des->intercept, &ro);
        st = cmeta_robust_rma(fit, y, v, X, cl, ncl, &ro, &rob, &err);
        if (st != CMETA_OK) {
            rc = cli_robust_fail(&o, t, d, des->keep, des->n, st, &err);
            goto done;
        }
    }
    cli_out out;
    if ((rc = cli_out_open(&out, o.output))) goto done;
    rc = cli_report_status(
        cmeta_report_regress_robust(out.fp, (cmeta_report_format)o.format, fit, des, d, rob, o.robust, &w));
    if (rc) {
        cli_out_abort(&out);
        goto done;
    }
    rc = cli_out_commit(&out);
    if (o.format != CLI_FMT_JSON) cli_print_warnings(&w);
done:
    cmeta_robust_free(rob);
    free(cl);
    cmeta_free(X);
    free(y);
    free(v);
    cmeta_fit_free(fit);
    cmeta_design_free(des);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    cli_opts_free(&o);
    return rc;
}
