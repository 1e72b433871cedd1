/* cmd_escalc.c - `cmeta escalc FILE --measure M`: effect sizes per study, as CSV.
 *
 * Output: every input column in input order, headed as written, then yi and vi (%.17g).
 * A column already named yi or vi is filled in place instead of being repeated. Rows
 * left out (missing values, --drop00) keep their row with yi and vi empty. */
#include <string.h>

#include "cli.h"

int cmeta_cmd_escalc(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o);
    if (rc >= 0) return rc;
    if (o.format == CLI_FMT_JSON) {
        cli_opts_free(&o);
        return cli_failf(1, "escalc writes CSV; --format json is not available for it");
    }

    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    o.data.effects_only = 1; /* the report reads yi and vi per row, never the inputs */
    rc = cli_load(&o, o.inputs[0], &t, &d, &w);
    if (rc != 0) {
        cli_print_warnings(&w);
        cmeta_warnings_free(&w);
        cli_opts_free(&o);
        return rc;
    }

    cli_out out;
    rc = cli_out_open(&out, o.output);
    if (rc == 0) {
        rc = cli_report_status(cmeta_report_escalc(out.fp, t, d));
        if (rc) cli_out_abort(&out);
        else rc = cli_out_commit(&out);
    }
    cli_print_warnings(&w);
    cmeta_warnings_free(&w);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cli_opts_free(&o);
    return rc;
}
