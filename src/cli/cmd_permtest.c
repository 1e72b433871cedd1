/* cmd_permtest.c - `cmeta permtest`: permutation tests of the coefficients and of the
 * omnibus test, as metafor's permutest. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmeta_cmd_permtest(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o);
    if (rc >= 0) return rc;
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    double *X = NULL;
    size_t q = 0;
    cmeta_permtest_result *r = NULL;
    rc = cli_load(&o, o.inputs[0], &t, &d, &w);
    if (rc) goto out;
    if ((rc = cli_resample_mods(d, o.mods, &X, &q))) goto out;
    cmeta_resample_opts ro;
    cli_progress_state ps;
    cli_resample_opts(&o, "permtest", &ps, &ro);
    uint64_t iter = o.iter ? (uint64_t)o.iter : 1000;
    int intercept = !o.no_intercept;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_permtest(d->yi, d->vi, d->k, X, q, intercept, iter, &ro, &r, &err);
    cli_progress_end(&ps);
    if (st != CMETA_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    /* coefficient names */
    const char *names[64];
    size_t c = 0;
    char *mods = o.mods ? strdup(o.mods) : NULL;
    if (intercept) names[c++] = "intrcpt";
    for (char *tok = mods ? strtok(mods, ",") : NULL; tok && c < 64; tok = strtok(NULL, ",")) names[c++] = tok;
    cli_out out;
    if ((rc = cli_out_open(&out, o.output))) {
        free(mods);
        goto out;
    }
    if (o.format != CLI_FMT_JSON) cli_print_warnings(&w);
    cmeta_report_run run = {d->k, ro.method, ro.seed};
    rc = cli_report_status(cmeta_report_permtest(out.fp, (cmeta_report_format)o.format, r, names, q != 0, &run, &w));
    free(mods);
    if (rc) {
        cli_out_abort(&out);
        goto out;
    }
    rc = cli_out_commit(&out);
out:
    cmeta_permtest_free(r);
    free(X);
    cmeta_warnings_free(&w);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cli_opts_free(&o);
    return rc;
}
