/* cli_plotopts.c - issue 17's figure controls: from the parsed options to the library's
 * forest, funnel and drawing options (forest, funnel and batch --plots); and the part the
 * plotting commands (forest, funnel, plot) share, cli_fig_*. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

void cli_render_opts(const cli_opts *o, cmeta_render_opts *ro)
{
    cmeta_render_opts_default(ro);
    if (o->dpi > 0) ro->dpi = o->dpi;
    ro->svg_text_outline = o->svg_outline;
    if (o->size_w > 0 && o->size_h > 0) {
        /* points per unit: 72 per inch, 2.54 cm per inch; px at the resolution */
        const char *u = o->size_unit;
        double per = !strcmp(u, "in") ? 72 : !strcmp(u, "cm") ? 72 / 2.54 : !strcmp(u, "mm") ? 72 / 25.4
                   : !strcmp(u, "px") ? 72 / ro->dpi : 1;
        ro->width = o->size_w * per;
        ro->height = o->size_h * per;
    }
}

void cli_funnel_opts(const cli_opts *o, cmeta_funnel_opts *fo)
{
    fo->title = o->plot_title;
    fo->xlab = o->xlab;
    fo->xlim_lo = o->xlim[0];
    fo->xlim_hi = o->xlim[1];
    if (o->nat) {
        fo->at = o->at;
        fo->nat = o->nat;
    }
}

void cli_annot_free(cli_annot *a)
{
    for (size_t j = 0; j < a->n; j++) free(a->cells[j]);
    free(a->rob);
    memset(a, 0, sizeof *a);
}

/* --sort: estimate, weight or a column; *order allocated (k entries). */
static int sort_order(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, const cmeta_fit *fit,
                      size_t **order)
{
    size_t k = d->k;
    double *key = calloc(k ? k : 1, sizeof *key);
    const char **tkey = calloc(k ? k : 1, sizeof *tkey);
    size_t *ord = calloc(k ? k : 1, sizeof *ord);
    int rc = 0, numeric = 1;
    if (!key || !tkey || !ord) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    if (!strcasecmp(o->sort, "estimate")) {
        for (size_t i = 0; i < k; i++) key[i] = d->yi[i];
    } else if (!strcasecmp(o->sort, "weight")) {
        for (size_t i = 0; i < k; i++) key[i] = fit && fit->weight ? -fit->weight[i] : 0; /* heaviest first */
    } else {
        long col = cmeta_table_find_raw(t, o->sort);
        if (col < 0) {
            rc = cli_failf(1, "--sort: no column '%s' in %s (or use estimate, weight)", o->sort, cmeta_table_name(t));
            goto done;
        }
        /* numeric when every non-missing cell is a number, else text; empty cells last */
        for (size_t i = 0; i < k; i++) {
            const char *cell = cmeta_table_cell(t, d->row[i], (size_t)col);
            if (cmeta_cell_is_missing(cell)) {
                key[i] = NAN;
                tkey[i] = NULL;
                continue;
            }
            tkey[i] = cell;
            if (numeric && cmeta_parse_double(cell, &key[i], NULL) != CMETA_OK) numeric = 0;
        }
    }
    if ((numeric ? cmeta_order_numeric(key, k, ord) : cmeta_order_text((const char *const *)tkey, k, ord)) !=
        CMETA_OK) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    *order = ord;
    ord = NULL;
done:
    free(key);
    free(tkey);
    free(ord);
    return rc;
}

/* --annotate: the built-in columns named, and the file's columns as text columns. */
static int annotate(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, cmeta_forest_opts *fo,
                    cli_annot *a)
{
    fo->show_data = fo->show_weights = fo->show_effect = 0;
    const char *p = o->annotate;
    while (*p) {
        size_t m = strcspn(p, ",");
        char name[256];
        if (m == 0 || m >= sizeof name) return cli_failf(1, "--annotate: '%s' is not a list of names", o->annotate);
        memcpy(name, p, m);
        name[m] = '\0';
        if (!strcasecmp(name, "data")) fo->show_data = 1;
        else if (!strcasecmp(name, "weight") || !strcasecmp(name, "weights")) fo->show_weights = 1;
        else if (!strcasecmp(name, "effect")) fo->show_effect = 1;
        else if (!strcasecmp(name, "yi_from") && cmeta_table_find_raw(t, name) < 0) {
            /* each row's route to its effect size (reported statistics: cmeta/reported.h) */
            if (!d->row_yi_from)
                return cli_failf(1, "--annotate yi_from: %s has no reported statistics (every row is read from its "
                                    "measure's own columns)", cmeta_table_name(t));
            if (a->n == 4) return cli_failf(1, "--annotate: at most 4 columns of the input");
            const char **cells = calloc(d->k ? d->k : 1, sizeof *cells);
            if (!cells) return cli_failf(4, "out of memory");
            for (size_t i = 0; i < d->k; i++) cells[i] = d->row_yi_from[d->row[i]] ? d->row_yi_from[d->row[i]] : "";
            a->head[a->n] = "Route";
            a->cells[a->n++] = cells;
        } else {
            long col = cmeta_table_find_raw(t, name);
            if (col < 0)
                return cli_failf(1, "--annotate: no column '%s' in %s (or use data, weight, effect, yi_from)", name,
                                 cmeta_table_name(t));
            if (a->n == 4) return cli_failf(1, "--annotate: at most 4 columns of the input");
            const char **cells = calloc(d->k ? d->k : 1, sizeof *cells);
            if (!cells) return cli_failf(4, "out of memory");
            for (size_t i = 0; i < d->k; i++) {
                const char *c = cmeta_table_cell(t, d->row[i], (size_t)col);
                cells[i] = cmeta_cell_is_missing(c) ? "" : c;
            }
            a->head[a->n] = cmeta_table_colname(t, (size_t)col);
            a->cells[a->n++] = cells;
        }
        p += m;
        if (*p == ',') p++;
    }
    fo->nannot = a->n;
    fo->annot_head = a->head;
    fo->annot = (const char *const *const *)a->cells;
    return 0;
}

/* Risk of bias (issue 17 item 4): the columns rob_D1..rob_Dn (consecutive, n the tool's number
 * of domains) and rob_overall (optional), names case-insensitive; each cell a judgement
 * (cmeta_rob_parse; empty or NA: not assessed, no circle). Drawn whenever the columns are there;
 * --rob-tool names the domains (default RoB 2). A cell that is no judgement is a data error
 * naming file, line, column and study (exit 2); a column count that does not fit the tool too. */
int cli_rob_columns(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, cmeta_forest_opts *fo,
                    cli_annot *a)
{
    if (fo->derived)
        return o->rob_tool ? cli_failf(1, "--rob-tool: leave-one-out and cumulative plots have no risk-of-bias columns")
                           : 0;
    cmeta_rob_tool tool = CMETA_ROB_TOOL_ROB2;
    if (o->rob_tool && !strcasecmp(o->rob_tool, "robins-i")) tool = CMETA_ROB_TOOL_ROBINS_I;
    else if (o->rob_tool && !strcasecmp(o->rob_tool, "robins-i-v2")) tool = CMETA_ROB_TOOL_ROBINS_I_V2;
    const char *tname = tool == CMETA_ROB_TOOL_ROB2 ? "RoB 2" : tool == CMETA_ROB_TOOL_ROBINS_I ? "ROBINS-I" : "ROBINS-I V2";
    long cols[9];
    size_t nd = 0, nseen = 0;
    for (size_t c = 0; c < cmeta_table_ncols(t); c++) {
        const char *nm = cmeta_table_colname(t, c);
        if (!strncasecmp(nm, "rob_d", 5) && nm[5] >= '0' && nm[5] <= '9') nseen++;
    }
    for (; nd < 8; nd++) {
        char nm[16];
        snprintf(nm, sizeof nm, "rob_D%zu", nd + 1);
        if ((cols[nd] = cmeta_table_find_raw(t, nm)) < 0) break;
    }
    long ov = cmeta_table_find_raw(t, "rob_overall");
    if (nd == 0 && nseen == 0 && ov < 0) {
        if (o->rob_tool) return cli_failf(1, "--rob-tool: %s has no risk-of-bias columns rob_D1.. (and rob_overall)",
                                          cmeta_table_name(t));
        return 0;
    }
    size_t want = cmeta_rob_ndomains(tool);
    if (nseen != nd || nd != want)
        return cli_failf(2, "%s: risk-of-bias columns: %s has %zu domains, rob_D1..rob_D%zu, but the file has %zu%s%s",
                         cmeta_table_name(t), tname, want, want, nseen, nseen == nd ? "" : " (not numbered 1, 2, ..)",
                         nseen == 7 && tool != CMETA_ROB_TOOL_ROBINS_I ? " (ROBINS-I: --rob-tool robins-i)"
                         : nseen == 6 && tool != CMETA_ROB_TOOL_ROBINS_I_V2 ? " (ROBINS-I V2: --rob-tool robins-i-v2)"
                         : nseen == 5 && tool != CMETA_ROB_TOOL_ROB2 ? " (RoB 2: --rob-tool rob2)" : "");
    cols[nd] = ov;
    a->rob = calloc((d->k ? d->k : 1) * (nd + 1), sizeof *a->rob);
    if (!a->rob) return cli_failf(4, "out of memory");
    for (size_t i = 0; i < d->k; i++)
        for (size_t j = 0; j <= nd; j++) {
            if (cols[j] < 0) continue;
            const char *cell = cmeta_table_cell(t, d->row[i], (size_t)cols[j]);
            if (cmeta_cell_is_missing(cell)) continue;
            cmeta_error err;
            cmeta_error_clear(&err);
            if (cmeta_rob_parse(cell, tool, &a->rob[i * (nd + 1) + j], &err) != CMETA_OK)
                return cli_failf(2, "%s:%ld:%ld: study '%s': %s: %s", cmeta_table_name(t),
                                 cmeta_table_cell_line(t, d->row[i], (size_t)cols[j]), cols[j] + 1,
                                 d->label ? d->label[i] : "", cmeta_table_colname(t, (size_t)cols[j]), err.message);
        }
    fo->rob_ndomains = nd;
    fo->rob_overall = ov >= 0;
    fo->rob = a->rob;
    fo->rob_tool = tool;
    return 0;
}

int cli_forest_opts(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, const cmeta_fit *fit,
                    cmeta_forest_opts *fo, size_t **order, cli_annot *annot)
{
    int rc;
    fo->title = o->plot_title;
    fo->xlab = o->xlab;
    if (o->favours[0]) {
        fo->favours_left = o->favours[0];
        fo->favours_right = o->favours[1];
    }
    if (o->group_labels[0]) {
        fo->group1 = o->group_labels[0];
        fo->group2 = o->group_labels[1];
    }
    if (o->digits >= 0) fo->digits = o->digits;
    fo->xlim_lo = o->xlim[0];
    fo->xlim_hi = o->xlim[1];
    if (o->nat) {
        fo->at = o->at;
        fo->nat = o->nat;
    }
    if (o->no_overall_test) fo->show_test = 0;
    if (o->sort) {
        if ((rc = sort_order(o, t, d, fit, order))) return rc;
        fo->order = *order;
    }
    if (o->annotate && (rc = annotate(o, t, d, fo, annot))) return rc;
    if ((rc = cli_rob_columns(o, t, d, fo, annot))) return rc;
    return 0;
}

/* ---- the plotting commands' shared part ------------------------------------------------ */

int cli_fig_start(cli_fig *g, int argc, char **argv, int check_output)
{
    memset(g, 0, sizeof *g);
    int rc = cli_start(argc, argv, &g->o);
    if (rc >= 0) return rc;
    if (check_output && (rc = cli_plot_check_output(&g->o))) {
        cli_opts_free(&g->o);
        return rc;
    }
    cmeta_warnings_init(&g->w);
    cmeta_error_clear(&g->err);
    return -1;
}

int cli_fig_fit(cli_fig *g, int fit)
{
    int rc;
    cmeta_studies_from_data(g->d, &g->o.data.escalc, &g->s);
    if ((rc = cli_choose_model(&g->o, &g->s, &g->mc))) return rc;
    if (!fit) return 0;
    size_t *idx = malloc(g->d->k * sizeof *idx);
    if (!idx) return cli_failf(4, "out of memory");
    for (size_t i = 0; i < g->d->k; i++) idx[i] = i;
    cmeta_status st = cmeta_fit_subset(&g->s, idx, g->d->k, &g->mc.opts, &g->fit, &g->w, &g->err);
    free(idx);
    return st != CMETA_OK ? cli_fail(&g->err) : 0;
}

int cli_fig_measurer(cli_fig *g)
{
    if (cmeta_plot_backend_ready(&g->err) != CMETA_OK) return cli_fail(&g->err);
    if (cmeta_text_measurer_new(&g->tm) != CMETA_OK) return cli_failf(4, "out of memory");
    return 0;
}

int cli_fig_write(cli_fig *g)
{
    cmeta_render_opts ro;
    cli_render_opts(&g->o, &ro);
    return cli_plot_write_opts(&g->plot, g->o.output, &ro);
}

void cli_fig_free(cli_fig *g)
{
    cmeta_plot_free(&g->plot);
    cmeta_text_measurer_free(g->tm);
    cmeta_plot_cleanup_at_exit();
    cmeta_fit_free(g->fit);
    cmeta_data_free(g->d);
    cmeta_table_free(g->t);
    cmeta_warnings_free(&g->w);
    cli_opts_free(&g->o);
}
