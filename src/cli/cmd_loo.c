/* cmd_loo.c - `cmeta loo FILE`: leave-one-out meta-analysis (metafor leave1out); cmd_cumul.c
 * shares its driver (cli_run_derived); the report is cmeta_report_derived. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"


/* Shared driver of loo and cumul. */
int cli_run_derived(int argc, char **argv, int cumulative)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o);
    if (rc >= 0) return rc;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_summary *rows = NULL;
    size_t *ord = NULL;
    const char **labels = NULL;
    double *key = NULL;
    const char **tkey = NULL;
    cli_out out = {0};
    rc = cli_load(&o, o.inputs[0], &t, &d, &w);
    if (rc) goto done;
    size_t k = d->k;
    if (k < (cumulative ? 1u : 2u)) {
        rc = cli_failf(2, "%s: %s needs at least %d studies (k = %zu)", o.inputs[0], argv[0],
                       cumulative ? 1 : 2, k);
        goto done;
    }
    rows = calloc(k, sizeof *rows);
    ord = calloc(k, sizeof *ord);
    labels = calloc(k, sizeof *labels);
    if (!rows || !ord || !labels) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < k; i++) ord[i] = i;
    if (cumulative && o.order) {
        long col = cmeta_table_find_raw(t, o.order);
        if (col < 0) {
            rc = cli_failf(1, "--order: no column '%s' in %s", o.order, cmeta_table_name(t));
            goto done;
        }
        /* numeric when every non-missing cell is a number, else text */
        int numeric = 1;
        key = calloc(k, sizeof *key);
        tkey = calloc(k, sizeof *tkey);
        if (!key || !tkey) {
            rc = cli_failf(4, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < k; i++) {
            const char *cell = cmeta_table_cell(t, d->row[i], (size_t)col);
            if (cmeta_cell_is_missing(cell)) {
                key[i] = NAN;
                tkey[i] = NULL;
                if (cmeta_warn(&w, "study '%s' has no value in order column '%s': placed last",
                               d->label[i], o.order) != CMETA_OK) {
                    rc = cli_failf(4, "out of memory");
                    goto done;
                }
                continue;
            }
            tkey[i] = cell;
            if (numeric && cmeta_parse_double(cell, &key[i], NULL) != CMETA_OK) numeric = 0;
        }
        cmeta_status st = numeric ? cmeta_order_numeric(key, k, ord)
                                  : cmeta_order_text((const char *const *)tkey, k, ord);
        if (st != CMETA_OK) {
            rc = cli_failf(4, "out of memory");
            goto done;
        }
    }
    cmeta_studies s;
    cmeta_studies_from_data(d, &o.data.escalc, &s);
    cmeta_model_choice mc;
    if ((rc = cli_choose_model(&o, &s, &mc))) goto done;
    cmeta_fit_opts fo = mc.opts;
    fo.no_ci_tau2 = 1;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cumulative ? cmeta_cumul(&s, ord, &fo, rows, &w, &err)
                                 : cmeta_leave1out(&s, &fo, rows, &w, &err);
    if (st != CMETA_OK) {
        rc = cli_fail_status(st, &err);
        goto done;
    }
    for (size_t i = 0; i < k; i++) labels[i] = d->label[cumulative ? ord[i] : i];
    rc = cli_out_open(&out, o.output);
    if (rc) goto done;
    cmeta_report_derived_info info = {cumulative ? "cumulative" : "leave1out", cumulative ? "added" : "omitted",
                                      cumulative ? o.order : NULL, d, &fo, &mc};
    rc = cli_report_status(cmeta_report_derived(out.fp, (cmeta_report_format)o.format, &info, labels, rows, k, &w));
    if (rc) {
        cli_out_abort(&out);
        goto done;
    }
    rc = cli_out_commit(&out);
    if (o.format != CLI_FMT_JSON) cli_print_warnings(&w);
done:
    free(rows);
    free(ord);
    free(labels);
    free(key);
    free(tkey);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    cli_opts_free(&o);
    return rc;
}

int cmeta_cmd_loo(int argc, char **argv)
{
    return cli_run_derived(argc, argv, 0);
}
