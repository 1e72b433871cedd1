/* cmd_pool.c - `cmeta pool FILE`: fixed/random-effects meta-analysis (metafor rma.uni /
 * rma.mh / rma.peto), printed like metafor's print.rma.uni; --subgroup COL for subgroup
 * analysis with the test for subgroup differences; --model auto --het-p P. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"


/* ---- the command ---------------------------------------------------------------------------- */

/* --robust COL: cluster-robust results for the intercept-only fit f of the studies of d */
static int pool_robust(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, const cmeta_fit *f,
                       cmeta_robust_result **rob)
{
    if (f->method == CMETA_METHOD_MH || f->method == CMETA_METHOD_PETO)
        return cli_failf(1, "pool: --robust needs an inverse-variance model (--method %s is not one)",
                         cmeta_method_name(f->method));
    if (f->k != d->k) return cli_failf(3, "pool: --robust: the fit has %zu studies, the data %zu", f->k, d->k);
    size_t *cl = NULL, ncl = 0;
    int rc = cli_robust_clusters(o, t, d, NULL, d->k, &cl, &ncl);
    if (rc) return rc;
    double *X = malloc((d->k ? d->k : 1) * sizeof *X);
    if (!X) {
        free(cl);
        return cli_failf(4, "out of memory");
    }
    for (size_t i = 0; i < d->k; i++) X[i] = 1;
    cmeta_robust_opts ro;
    cli_robust_opts(o, 1, &ro);
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_robust_rma(f, d->yi, d->vi, X, cl, ncl, &ro, rob, &err);
    if (st != CMETA_OK) rc = cli_robust_fail(o, t, d, NULL, d->k, st, &err);
    free(X);
    free(cl);
    return rc;
}

/* The fit of every study (or of the subgroups) and its report on fp; *key, when not NULL, gets
 * the overall model's key figures (batch's summary row). Returns 0 or the exit code (printed). */
static int pool_fit_report(FILE *fp, const cli_opts *o, const cmeta_table *t, const cmeta_data *d,
                           const cmeta_model_choice *mc, cmeta_warnings *w, cli_pool_key *key)
{
    const cmeta_fit_opts *fo = &mc->opts;
    const cmeta_model_choice *shown = o->model_auto ? mc : NULL;
    cmeta_report_format fmt = (cmeta_report_format)o->format;
    int rc = 0;
    if (o->subgroup && o->robust)
        return cli_failf(1, "pool: --robust does not combine with --subgroup (use regress --mods %s --robust %s)",
                         o->subgroup, o->robust);
    if (o->subgroup) {
        cli_split sp;
        rc = cli_split_subgroups(o, t, d, fo, &sp, w);
        if (!rc) {
            rc = cli_report_status(cmeta_report_subgroups(fp, fmt, sp.d, sp.grp, sp.lev, o->subgroup, sp.g,
                                                          fo, shown, w));
            if (key) cli_pool_key_set(key, sp.g->overall);
        }
        cli_split_free(&sp);
        return rc;
    }
    cmeta_studies s;
    cmeta_studies_from_data(d, &o->data.escalc, &s);
    size_t *idx = malloc((d->k ? d->k : 1) * sizeof *idx);
    if (!idx) return cli_failf(4, "out of memory");
    for (size_t i = 0; i < d->k; i++) idx[i] = i;
    cmeta_fit *f = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_fit_subset(&s, idx, d->k, fo, &f, w, &err);
    free(idx);
    if (st != CMETA_OK) return cli_fail_status(st, &err);
    if (d->k == 1 && cmeta_warn(w, "k = 1: the result is the single study itself (nothing to pool, "
                                   "no heterogeneity)") != CMETA_OK) {
        cmeta_fit_free(f);
        return cli_failf(4, "out of memory");
    }
    cmeta_robust_result *rob = NULL;
    if (o->robust && (rc = pool_robust(o, t, d, f, &rob))) {
        cmeta_fit_free(f);
        return rc;
    }
    rc = cli_report_status(cmeta_report_pool_robust(fp, fmt, d, f, fo, shown, rob, o->robust, w));
    if (key) cli_pool_key_set(key, f);
    cmeta_robust_free(rob);
    cmeta_fit_free(f);
    return rc;
}

void cli_pool_key_set(cli_pool_key *key, const cmeta_fit *f)
{
    key->k = (double)f->k;
    key->estimate = f->beta[0];
    key->ci_lb = f->ci_lb[0];
    key->ci_ub = f->ci_ub[0];
    key->tau2 = f->tau2;
    key->I2 = f->I2;
    key->Q_pval = f->Q_pval;
}

int cli_pool_run(const cli_opts *o, const char *output, cli_pool_key *key)
{
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cli_out out = {0};
    int ri_mode = 0; /* --ri-sweep, or ri_lb/ri_ub columns (cli_risweep.c); not in batch runs */
    int rc = key ? cli_load(o, o->inputs[0], &t, &d, &w) : cli_ri_load(o, o->inputs[0], &t, &d, &w, &ri_mode);
    if (rc) goto done;
    if (d->k == 0) {
        rc = cli_failf(2, "%s: no study left to analyse", o->inputs[0]);
        goto done;
    }
    if (ri_mode && o->robust) {
        rc = cli_failf(1, "pool: --robust does not combine with an ri sweep");
        goto done;
    }
    if (ri_mode) {
        rc = cli_risweep_report(o, output, t, d, &w, 0);
        goto done;
    }
    if (o->plot) {
        rc = cli_failf(1, "pool: --plot needs --ri-sweep (the plot is the sweep's)");
        goto done;
    }
    cmeta_studies s;
    cmeta_studies_from_data(d, &o->data.escalc, &s);
    cmeta_model_choice mc;
    if ((rc = cli_choose_model(o, &s, &mc))) goto done;
    if ((rc = cli_out_open(&out, output))) goto done;
    rc = pool_fit_report(out.fp, o, t, d, &mc, &w, key);
    if (rc) {
        cli_out_abort(&out);
        goto done;
    }
    rc = cli_out_commit(&out);
    if (o->format != CLI_FMT_JSON) cli_print_warnings(&w);
done:
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    return rc;
}

int cli_pool_main(int argc, char **argv, cli_pool_key *key)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o);
    if (rc >= 0) return rc;
    rc = cli_pool_run(&o, o.output, key);
    cli_opts_free(&o);
    return rc;
}

int cmeta_cmd_pool(int argc, char **argv) { return cli_pool_main(argc, argv, NULL); }
