/* cmd_bias.c - `cmeta bias FILE`: small-study effects: Egger's regression test (metafor
 * regtest(model = "lm")), Begg's rank correlation (ranktest), trim and fill (trimfill, L0),
 * fail-safe N (fsn: Rosenthal, Orwin), printed like metafor's print methods. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_diag.h"


int cmeta_cmd_bias(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o);
    if (rc >= 0) return rc;
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_bias_report r;
    memset(&r, 0, sizeof r);
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st;
    if ((rc = cli_load(&o, o.inputs[0], &t, &d, &w))) goto done;
    if ((rc = cli_diag_check_method(&o))) goto done;
    if (d->k < 3) {
        rc = cli_failf(2, "%s: bias: the tests for small-study effects need at least 3 studies (k = %zu)",
                       cmeta_table_name(t), d->k);
        goto done;
    }
    if (d->k < 10 && cmeta_warn(&w, "only %zu studies: tests for funnel-plot asymmetry have little "
                                    "power with fewer than 10 (Sterne et al. 2011)", d->k) != CMETA_OK) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    if ((st = cmeta_regtest(d->yi, d->vi, d->k, o.fit.level, &r.eg, &err)) != CMETA_OK ||
        (st = cmeta_ranktest(d->yi, d->vi, d->k, &r.rk, &w, &err)) != CMETA_OK ||
        (st = cmeta_trimfill(d->yi, d->vi, d->k, &o.fit, CMETA_TF_L0, CMETA_TF_AUTO, 0, &r.tf, &w, &err)) != CMETA_OK ||
        (st = cmeta_failsafe(d->yi, d->vi, d->k, 0.05, NAN, &r.fs, &err)) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    cli_out out;
    if ((rc = cli_out_open(&out, o.output))) goto done;
    rc = cli_report_status(cmeta_report_bias(out.fp, (cmeta_report_format)o.format, &r, d, o.fit.level, &w));
    if (rc) {
        cli_out_abort(&out);
        goto done;
    }
    rc = cli_out_commit(&out);
    if (o.format != CLI_FMT_JSON) cli_print_warnings(&w);
done:
    cmeta_trimfill_free(r.tf);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    cli_opts_free(&o);
    return rc;
}
