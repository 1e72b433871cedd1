/* cmd_funnel.c - `cmeta funnel FILE -o F.svg|.png|.pdf [--contours] [--trimfill]`. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmeta_cmd_funnel(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o);
    if (rc >= 0) return rc;
    if ((rc = cli_plot_check_output(&o))) {
        cli_opts_free(&o);
        return rc;
    }
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_fit *fit = NULL;
    cmeta_trimfill_result *tf = NULL;
    cmeta_text_measurer *tm = NULL;
    size_t *idx = NULL;
    cmeta_plot plot;
    memset(&plot, 0, sizeof plot);
    cmeta_error err;
    cmeta_error_clear(&err);
    rc = cli_load(&o, o.inputs[0], &t, &d, &w);
    if (rc) goto done;
    if (d->k == 0) {
        rc = cli_failf(2, "%s: no study left to plot", o.inputs[0]);
        goto done;
    }
    cmeta_studies s;
    cmeta_studies_from_data(d, &o.data.escalc, &s);
    cmeta_model_choice mc;
    if ((rc = cli_choose_model(&o, &s, &mc))) goto done;
    cmeta_fit_opts fo = mc.opts;
    int random = mc.is_random;
    idx = malloc(d->k * sizeof *idx);
    if (!idx) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < d->k; i++) idx[i] = i;
    if (cmeta_fit_subset(&s, idx, d->k, &fo, &fit, &w, &err) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    cmeta_funnel_fill fill = {0, NULL, NULL, NAN};
    if (o.trimfill) {
        /* trim and fill works on yi/vi (as metafor's trimfill.rma.uni): MH/Peto pooling is
         * replaced by inverse-variance pooling of the same kind */
        cmeta_fit_opts to = fo;
        if (cmeta_method_is_2x2(to.method)) {
            to.method = random ? CMETA_METHOD_DL : CMETA_METHOD_FE;
            if (cmeta_warn(&w, "trim and fill uses inverse-variance %s pooling instead of %s",
                           random ? "DL random-effects" : "fixed-effect", cmeta_method_name(fo.method)) != CMETA_OK) {
                rc = cli_failf(4, "out of memory");
                goto done;
            }
        }
        if (cmeta_trimfill(d->yi, d->vi, d->k, &to, CMETA_TF_L0, CMETA_TF_AUTO, 0, &tf, &w, &err) != CMETA_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        fill.n = tf->k0;
        fill.yi = tf->fill_yi;
        fill.vi = tf->fill_vi;
        fill.estimate = tf->fit->beta[0];
    }
    cmeta_funnel_opts fopt;
    cmeta_funnel_opts_default(&fopt);
    fopt.contours = o.contours;
    fopt.level = fo.level;
    cli_funnel_opts(&o, &fopt);
    if (cmeta_plot_backend_ready(&err) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (cmeta_text_measurer_new(&tm) != CMETA_OK) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    if (cmeta_funnel_layout(d, fit, o.trimfill ? &fill : NULL, &fopt, cmeta_text_measure_cairo, tm, &plot,
                            &err) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    cmeta_render_opts ro;
    cli_render_opts(&o, &ro);
    rc = cli_plot_write_opts(&plot, o.output, &ro);
    if (rc == 0) cli_print_warnings(&w);
done:
    free(idx);
    cmeta_plot_free(&plot);
    cmeta_text_measurer_free(tm);
    cmeta_plot_cleanup_at_exit();
    cmeta_trimfill_free(tf);
    cmeta_fit_free(fit);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    cli_opts_free(&o);
    return rc;
}
