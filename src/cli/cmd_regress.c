/* cmd_regress.c - `cmeta regress FILE --mods A,B`: mixed-effects meta-regression (metafor's
 * rma(yi, vi, mods = ~ A + B)), printed like metafor's print.rma.uni. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_diag.h"


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
