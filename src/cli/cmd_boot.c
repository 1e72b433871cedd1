/* cmd_boot.c - `cmeta boot`: bootstrap intervals for the pooled estimate, tau^2 and I^2. */
#include <string.h>

#include "cli.h"

int cmeta_cmd_boot(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o);
    if (rc >= 0) return rc;
    cmeta_boot_type type = CMETA_BOOT_NONPARAMETRIC;
    if (o.type) {
        if (!strcmp(o.type, "parametric")) type = CMETA_BOOT_PARAMETRIC;
        else if (strcmp(o.type, "nonparametric")) {
            cli_opts_free(&o);
            return cli_failf(1, "--type: '%s' is not one of nonparametric, parametric", o.type);
        }
    }
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    rc = cli_load(&o, o.inputs[0], &t, &d, &w);
    if (rc) goto out;
    cmeta_resample_opts ro;
    cli_progress_state ps;
    cli_resample_opts(&o, "boot", &ps, &ro);
    uint64_t iter = o.iter ? (uint64_t)o.iter : 1000;
    cmeta_boot_result r;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_boot(d->yi, d->vi, d->k, type, iter, o.fit.level, &ro, &r, &err);
    cli_progress_end(&ps);
    if (st != CMETA_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    if (r.failed) cmeta_warn(&w, "%llu of %llu bootstrap fits failed and were left out",
                             (unsigned long long)r.failed, (unsigned long long)r.iter);
    cli_out out;
    if ((rc = cli_out_open(&out, o.output))) goto out;
    if (o.format != CLI_FMT_JSON) cli_print_warnings(&w);
    cmeta_report_run run = {d->k, ro.method, ro.seed};
    rc = cli_report_status(cmeta_report_boot(out.fp, (cmeta_report_format)o.format, &r, &run, &w));
    if (rc) {
        cli_out_abort(&out);
        goto out;
    }
    rc = cli_out_commit(&out);
out:
    cmeta_warnings_free(&w);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cli_opts_free(&o);
    return rc;
}
