/* cmd_influence.c - `cmeta influence FILE [--mods A,B]`: case diagnostics (metafor's
 * influence.rma.uni), printed like metafor's print.infl.rma.uni. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_diag.h"


int cmeta_cmd_influence(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o);
    if (rc >= 0) return rc;
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_design *des = NULL;
    cmeta_influence *inf = NULL;
    double *y = NULL, *v = NULL;
    const char **labels = NULL;
    const char *intr[] = {"intrcpt"};
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_error err;
    cmeta_error_clear(&err);
    if ((rc = cli_load(&o, o.inputs[0], &t, &d, &w))) goto done;
    if ((rc = cli_diag_check_method(&o))) goto done;
    cmeta_status st;
    size_t k = d->k;
    if (o.mods && *o.mods) {
        st = cmeta_design_from_data(d, o.mods, !o.no_intercept, &des, &w, &err);
        if (st != CMETA_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        k = des->n;
    }
    y = malloc((k ? k : 1) * sizeof *y);
    v = malloc((k ? k : 1) * sizeof *v);
    labels = malloc((k ? k : 1) * sizeof *labels);
    if (!y || !v || !labels) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < k; i++) {
        size_t s = des ? des->keep[i] : i;
        y[i] = d->yi[s];
        v[i] = d->vi[s];
        labels[i] = d->label[s];
    }
    o.fit.intercept = des ? des->intercept : 1;
    st = cmeta_influence_compute(y, v, k, des ? des->X : NULL, des ? des->q : 0, &o.fit, &inf, &w, &err);
    if (st != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    const char *const *coefnames = des ? (const char *const *)des->names : intr;
    cli_out out;
    if ((rc = cli_out_open(&out, o.output))) goto done;
    rc = cli_report_status(cmeta_report_influence(out.fp, (cmeta_report_format)o.format, inf, labels, coefnames,
                                                  &o.fit, &w));
    if (rc) {
        cli_out_abort(&out);
        goto done;
    }
    rc = cli_out_commit(&out);
    if (o.format != CLI_FMT_JSON) cli_print_warnings(&w);
done:
    free(y);
    free(v);
    free(labels);
    cmeta_influence_free(inf);
    cmeta_design_free(des);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    cli_opts_free(&o);
    return rc;
}
