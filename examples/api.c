/* api.c - the cmeta C API in one page: read a CSV of trials, compute effect sizes (escalc),
 * fit a REML random-effects model (rma) and print the pooled estimate.
 *
 *   make examples && build/examples/api datasets/classic/normand1999.csv MD
 *
 * Every library call returns a cmeta_status; on failure the cmeta_error says where and why
 * (file, line, column, study, rule). The library never prints: this program does.
 */
#include <stdio.h>
#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"

static int fail(const cmeta_error *err)
{
    char buf[2048];
    cmeta_error_format(err, buf, sizeof buf);
    fprintf(stderr, "api: %s\n", buf);
    return cmeta_status_exit_code(err->status);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FILE.csv MEASURE   (e.g. normand1999.csv MD)\n", argv[0]);
        return 1;
    }
    gsl_set_error_handler_off(); /* the library reports GSL failures as statuses */

    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_warnings warn;
    cmeta_warnings_init(&warn);
    cmeta_table *table = NULL;
    cmeta_data *data = NULL;
    cmeta_fit *fit = NULL;
    int rc = 0;

    /* 1. read the CSV (RFC 4180; columns named as metafor's escalc arguments) */
    if (cmeta_table_read_file(argv[1], &table, &err) != CMETA_OK) { rc = fail(&err); goto done; }

    /* 2. effect sizes: the table's columns -> yi, vi per study (escalc) */
    cmeta_data_opts dopts;
    cmeta_data_opts_default(&dopts);
    if (cmeta_measure_from_name(argv[2], &dopts.measure) != CMETA_OK) {
        fprintf(stderr, "api: unknown measure '%s'\n", argv[2]);
        rc = 1;
        goto done;
    }
    dopts.measure_set = 1;
    if (cmeta_data_from_table(table, &dopts, &data, &warn, &err) != CMETA_OK) { rc = fail(&err); goto done; }

    /* 3. the model: plain arrays in, a fit out (REML random effects, z test, 95% CI) */
    cmeta_fit_opts fopts;
    cmeta_fit_opts_default(&fopts);
    fopts.method = CMETA_METHOD_REML;
    if (cmeta_rma(data->yi, data->vi, data->k, NULL, 0, &fopts, &fit, &warn, &err) != CMETA_OK) {
        rc = fail(&err);
        goto done;
    }

    for (size_t i = 0; i < warn.n; i++) fprintf(stderr, "api: warning: %s\n", warn.text[i]);
    printf("%s: k = %zu, measure %s, %s\n", argv[1], fit->k, cmeta_measure_name(data->measure),
           cmeta_method_name(fit->method));
    printf("estimate %.4f (SE %.4f), 95%% CI %.4f to %.4f, p = %.4g\n", fit->beta[0], fit->se[0],
           fit->ci_lb[0], fit->ci_ub[0], fit->pval[0]);
    printf("tau^2 %.4f, I^2 %.1f%%, Q %.2f (df %.0f, p = %.4g)\n", fit->tau2, fit->I2, fit->Q,
           fit->Q_df, fit->Q_pval);

done:
    /* every object has its _free; all accept NULL */
    cmeta_fit_free(fit);
    cmeta_data_free(data);
    cmeta_table_free(table);
    cmeta_warnings_free(&warn);
    return rc;
}
