/* cmd_loo.c - `cmeta loo FILE`: leave-one-out meta-analysis (metafor leave1out), and
 * cmd_cumul.c shares its output code through loo_print() (declared in cli.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: cmeta loo FILE [options]\n"
    "  Leave-one-out analysis: the model refitted without each study in turn (metafor leave1out).\n"
    "  Options as for cmeta pool (--measure --method --test --level --preset --model auto ...),\n"
    "  --format text|json|csv, -o PATH\n";

/* One table of derived fits: text like metafor's print of leave1out()/cumul(), JSON with
 * key `listkey` and row label key `labkey`, CSV with the same columns. */
void cli_print_derived(FILE *fp, cli_format fmt, const char *listkey, const char *labkey,
                       const char *const *labels, const cmeta_summary *rows, size_t n,
                       const cmeta_data *d, const cmeta_fit_opts *fo, const char *reason,
                       const cmeta_warnings *w, const char *order)
{
    int fe = !cmeta_fit_is_random(fo);
    int tt = fo->test != CMETA_TEST_Z;
    if (fmt == CLI_FMT_JSON) {
        int first = 1;
        fputc('{', fp);
        json_key(fp, "k", &first);
        json_num(fp, (double)d->k);
        json_key(fp, "measure", &first);
        json_str(fp, cmeta_measure_name(d->measure));
        json_key(fp, "method", &first);
        json_str(fp, cmeta_method_name(fo->method));
        json_key(fp, "test", &first);
        json_str(fp, cmeta_test_name(fo->test));
        json_key(fp, "level", &first);
        json_num(fp, fo->level);
        if (order) {
            json_key(fp, "order", &first);
            json_str(fp, order);
        }
        if (reason) {
            json_key(fp, "model_choice", &first);
            json_str(fp, reason);
        }
        json_key(fp, listkey, &first);
        fputc('[', fp);
        for (size_t i = 0; i < n; i++) {
            const cmeta_summary *r = &rows[i];
            int f2 = 1;
            if (i) fputc(',', fp);
            fputc('{', fp);
            json_key(fp, labkey, &f2);
            json_str(fp, labels[i]);
            const char *keys[] = {"k", "estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "Q", "Q_df",
                                  "Q_pval", "tau2", "I2", "H2", "pi_lb", "pi_ub"};
            double v[] = {(double)r->k, r->estimate, r->se, r->stat, r->pval, r->ci_lb, r->ci_ub, r->Q,
                          r->Q_df, r->Q_pval, r->tau2, r->I2, r->H2, r->pi_lb, r->pi_ub};
            for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
                json_key(fp, keys[j], &f2);
                json_num(fp, v[j]);
            }
            fputc('}', fp);
        }
        fputc(']', fp);
        json_warnings(fp, w, &first);
        fputs("}\n", fp);
        return;
    }
    if (fmt == CLI_FMT_CSV) {
        fprintf(fp, "%s,k,estimate,se,stat,pval,ci_lb,ci_ub,Q,Q_df,Q_pval,tau2,I2,H2,pi_lb,pi_ub\n", labkey);
        for (size_t i = 0; i < n; i++) {
            const cmeta_summary *r = &rows[i];
            csv_field(fp, labels[i]);
            double v[] = {(double)r->k, r->estimate, r->se, r->stat, r->pval, r->ci_lb, r->ci_ub, r->Q,
                          r->Q_df, r->Q_pval, r->tau2, r->I2, r->H2, r->pi_lb, r->pi_ub};
            for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
                fputc(',', fp);
                csv_num(fp, v[j]);
            }
            fputc('\n', fp);
        }
        return;
    }
    /* text: metafor's print.list.rma (digits 4; the tau2 column only for random effects) */
    const char *names[11];
    size_t nc = 0;
    names[nc++] = "estimate";
    names[nc++] = "se";
    names[nc++] = tt ? "tval" : "zval";
    names[nc++] = "pval";
    names[nc++] = "ci.lb";
    names[nc++] = "ci.ub";
    names[nc++] = "Q";
    names[nc++] = "Qp";
    if (!fe) names[nc++] = "tau2";
    names[nc++] = "I2";
    names[nc++] = "H2";
    char (*buf)[40] = calloc(nc * (n ? n : 1), sizeof *buf);
    const char **cp = calloc(nc * (n ? n : 1), sizeof *cp);
    if (!buf || !cp) {
        free(buf);
        free(cp);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const cmeta_summary *r = &rows[i];
        double v[] = {r->estimate, r->se, r->stat, r->pval, r->ci_lb, r->ci_ub, r->Q, r->Q_pval, r->tau2, r->I2, r->H2};
        size_t c = 0;
        for (size_t j = 0; j < 11; j++) {
            if (j == 8 && fe) continue;
            cli_fcf(buf[i * nc + c], 40, v[j], 4);
            cp[i * nc + c] = buf[i * nc + c];
            c++;
        }
    }
    if (reason) fprintf(fp, "\nModel chosen by --model auto: %s.\n", reason);
    fputc('\n', fp);
    cli_print_frame(fp, labels, n, names, nc, cp);
    fputc('\n', fp);
    free(buf);
    free(cp);
}

/* Shared driver of loo and cumul. */
int cli_run_derived(int argc, char **argv, const char *usage_text, int cumulative)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o, usage_text);
    if (rc >= 0) return rc;
    if (!cumulative && o.order) {
        cli_opts_free(&o);
        return cli_failf(1, "loo: --order applies to cumul only");
    }
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
    cmeta_fit_opts fo;
    char reason[256];
    int is_random;
    double aq, aqp;
    rc = cli_choose_model(&o, &s, &fo, &is_random, &aq, &aqp, reason, sizeof reason, &w);
    if (rc) goto done;
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
    cli_print_derived(out.fp, o.format, cumulative ? "cumulative" : "leave1out", cumulative ? "added" : "omitted",
                      labels, rows, k, d, &fo, o.model_auto ? reason : NULL, &w,
                      cumulative ? o.order : NULL);
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
    return cli_run_derived(argc, argv, usage, 0);
}
