/* cmd_funnel.c - `cmeta funnel FILE -o F.svg|.png|.pdf [--contours] [--trimfill]`. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmeta_cmd_funnel(int argc, char **argv)
{
    cli_fig g;
    int rc = cli_fig_start(&g, argc, argv, 1);
    if (rc >= 0) return rc;
    const cli_opts *o = &g.o;
    cmeta_trimfill_result *tf = NULL;
    rc = cli_load(o, o->inputs[0], &g.t, &g.d, &g.w);
    if (rc) goto done;
    const cmeta_data *d = g.d;
    if (d->k == 0) {
        rc = cli_failf(2, "%s: no study left to plot", o->inputs[0]);
        goto done;
    }
    if ((rc = cli_fig_fit(&g, 1))) goto done;
    cmeta_fit_opts fo = g.mc.opts;
    int random = g.mc.is_random;
    cmeta_funnel_fill fill = {0, NULL, NULL, NAN};
    if (o->trimfill) {
        /* trim and fill works on yi/vi (as metafor's trimfill.rma.uni): MH/Peto pooling is
         * replaced by inverse-variance pooling of the same kind */
        cmeta_fit_opts to = fo;
        if (cmeta_method_is_2x2(to.method)) {
            to.method = random ? CMETA_METHOD_DL : CMETA_METHOD_FE;
            if (cmeta_warn(&g.w, "trim and fill uses inverse-variance %s pooling instead of %s",
                           random ? "DL random-effects" : "fixed-effect", cmeta_method_name(fo.method)) != CMETA_OK) {
                rc = cli_failf(4, "out of memory");
                goto done;
            }
        }
        if (cmeta_trimfill(d->yi, d->vi, d->k, &to, CMETA_TF_L0, CMETA_TF_AUTO, 0, &tf, &g.w, &g.err) != CMETA_OK) {
            rc = cli_fail(&g.err);
            goto done;
        }
        fill.n = tf->k0;
        fill.yi = tf->fill_yi;
        fill.vi = tf->fill_vi;
        fill.estimate = tf->fit->beta[0];
    }
    cmeta_funnel_opts fopt;
    cmeta_funnel_opts_default(&fopt);
    fopt.contours = o->contours;
    fopt.level = fo.level;
    cli_funnel_opts(o, &fopt);
    if ((rc = cli_fig_measurer(&g))) goto done;
    if (cmeta_funnel_layout(d, g.fit, o->trimfill ? &fill : NULL, &fopt, cmeta_text_measure_cairo, g.tm, &g.plot,
                            &g.err) != CMETA_OK) {
        rc = cli_fail(&g.err);
        goto done;
    }
    rc = cli_fig_write(&g);
    if (rc == 0) cli_print_warnings(&g.w);
done:
    cmeta_trimfill_free(tf);
    cli_fig_free(&g);
    return rc;
}
