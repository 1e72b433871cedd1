/* cli_forest_derived.c - `cmeta forest --loo` and `forest --cumul [--order COL]`: the
 * leave-one-out or cumulative fits (the same as `cmeta loo` / `cmeta cumul` print) drawn as a
 * forest plot, as metafor's forest() of leave1out() / cumul() results (issue 17). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The order of --cumul --order COL into ord, as cmeta cumul --order: numeric when every
 * non-missing cell is a number, else text; empty cells last (with a warning), ties in file
 * order. Returns an exit status (0: done). */
static int cumul_order(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, size_t *ord, cmeta_warnings *w)
{
    size_t k = d->k;
    long col = cmeta_table_find_raw(t, o->order);
    if (col < 0) return cli_failf(1, "--order: no column '%s' in %s", o->order, cmeta_table_name(t));
    double *key = calloc(k, sizeof *key);
    const char **tkey = calloc(k, sizeof *tkey);
    int rc = 0, numeric = 1;
    if (!key || !tkey) rc = cli_failf(4, "out of memory");
    for (size_t i = 0; i < k && !rc; i++) {
        const char *cell = cmeta_table_cell(t, d->row[i], (size_t)col);
        if (cmeta_cell_is_missing(cell)) {
            key[i] = NAN;
            tkey[i] = NULL;
            if (cmeta_warn(w, "study '%s' has no value in order column '%s': placed last", d->label[i], o->order) !=
                CMETA_OK)
                rc = cli_failf(4, "out of memory");
            continue;
        }
        tkey[i] = cell;
        if (numeric && cmeta_parse_double(cell, &key[i], NULL) != CMETA_OK) numeric = 0;
    }
    if (!rc && (numeric ? cmeta_order_numeric(key, k, ord) : cmeta_order_text((const char *const *)tkey, k, ord)) !=
                   CMETA_OK)
        rc = cli_failf(4, "out of memory");
    free(key);
    free(tkey);
    return rc;
}

int cli_forest_derived(const cli_opts *o, const cmeta_render_opts *ro)
{
    int cumulative = o->forest_cumul;
    if (o->forest_loo && o->forest_cumul) return cli_failf(1, "forest: --loo or --cumul, not both");
    if (o->forest_bayes) return cli_failf(1, "forest: --%s does not take --bayes", cumulative ? "cumul" : "loo");
    if (o->sort || o->annotate || o->group_labels[0])
        return cli_failf(1, "forest: --%s draws one row per refitted model: --sort, --annotate and --group-labels "
                            "do not apply%s", cumulative ? "cumul" : "loo", cumulative ? " (the order: --order COL)" : "");
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_fit *fit = NULL;
    cmeta_summary *rows = NULL;
    size_t *ord = NULL, *idx = NULL;
    const char **labels = NULL;
    cmeta_text_measurer *tm = NULL;
    cmeta_plot plot;
    memset(&plot, 0, sizeof plot);
    cmeta_error err;
    cmeta_error_clear(&err);
    int rc = cli_load(o, o->inputs[0], &t, &d, &w);
    if (rc) goto done;
    size_t k = d->k;
    if (k < (cumulative ? 1u : 2u)) {
        rc = cli_failf(2, "%s: forest --%s needs at least %d studies (k = %zu)", o->inputs[0],
                       cumulative ? "cumul" : "loo", cumulative ? 1 : 2, k);
        goto done;
    }
    rows = calloc(k, sizeof *rows);
    ord = calloc(k, sizeof *ord);
    idx = calloc(k, sizeof *idx);
    labels = calloc(k, sizeof *labels);
    if (!rows || !ord || !idx || !labels) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < k; i++) ord[i] = idx[i] = i;
    if (cumulative && o->order && (rc = cumul_order(o, t, d, ord, &w))) goto done;
    cmeta_studies s;
    cmeta_studies_from_data(d, &o->data.escalc, &s);
    cmeta_model_choice mc;
    if ((rc = cli_choose_model(o, &s, &mc))) goto done;
    cmeta_fit_opts fo = mc.opts;
    if (cmeta_fit_subset(&s, idx, k, &fo, &fit, &w, &err) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    cmeta_fit_opts fd = fo;
    fd.no_ci_tau2 = 1; /* as cmeta loo / cumul */
    cmeta_status st = cumulative ? cmeta_cumul(&s, ord, &fd, rows, &w, &err) : cmeta_leave1out(&s, &fd, rows, &w, &err);
    if (st != CMETA_OK) {
        rc = cli_fail_status(st, &err);
        goto done;
    }
    for (size_t i = 0; i < k; i++) labels[i] = d->label[cumulative ? ord[i] : i];
    cmeta_forest_opts fopt;
    cmeta_forest_opts_default(&fopt);
    fopt.random = mc.is_random;
    if (o->layout ? strcmp(o->layout, "revman5") == 0 : o->preset_revman5) fopt.layout = CMETA_FOREST_REVMAN5;
    fopt.revman_exact = o->preset_revman5;
    size_t *no_order = NULL;
    cli_annot no_annot;
    memset(&no_annot, 0, sizeof no_annot);
    fopt.derived = cumulative ? 2 : 1; /* before: no risk-of-bias columns are read for derived rows */
    if ((rc = cli_forest_opts(o, t, d, fit, &fopt, &no_order, &no_annot))) goto done; /* none: refused above */
    fopt.rows = rows;
    fopt.row_labels = labels;
    fopt.nderived = k;
    if (cmeta_plot_backend_ready(&err) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (cmeta_text_measurer_new(&tm) != CMETA_OK) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    if (cmeta_forest_layout(d, fit, NULL, &fopt, cmeta_text_measure_cairo, tm, &plot, &err) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    rc = cli_plot_write_opts(&plot, o->output, ro);
    if (o->model_auto && rc == 0) fprintf(stderr, "cmeta: model chosen by --model auto: %s\n", mc.reason);
    if (rc == 0) cli_print_warnings(&w);
done:
    cmeta_plot_free(&plot);
    cmeta_text_measurer_free(tm);
    free(rows);
    free(ord);
    free(idx);
    free(labels);
    cmeta_fit_free(fit);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    return rc;
}
