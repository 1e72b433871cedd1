/* cmd_plot.c - `cmeta plot baujat|radial|qq|labbe|drapery|rob-summary FILE -o F.svg|.png|.pdf|.csv`:
 * the diagnostic plots of the pooled model (cmeta/diagplot.h); -o F.csv writes the plotted
 * quantities. The drawing controls (--title --xlab --size --dpi --svg-text) apply to pictures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define KIND_DRAPERY 100

static int kind_of(const char *s, int *k)
{
    if (!s) return 0;
    if (strcmp(s, "baujat") == 0) *k = CMETA_DIAG_BAUJAT;
    else if (strcmp(s, "radial") == 0) *k = CMETA_DIAG_RADIAL;
    else if (strcmp(s, "qq") == 0) *k = CMETA_DIAG_QQ;
    else if (strcmp(s, "labbe") == 0) *k = CMETA_DIAG_LABBE;
    else if (strcmp(s, "drapery") == 0) *k = KIND_DRAPERY;
    else return 0;
    return 1;
}

static int is_csv(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcasecmp(path + n - 4, ".csv") == 0;
}

static int write_csv(const cmeta_diagplot_data *dd, const cmeta_data *d, const char *path)
{
    cli_out out = {0};
    int rc = cli_out_open(&out, path);
    if (rc) return rc;
    FILE *fp = out.fp;
    int radial = dd->kind == CMETA_DIAG_RADIAL, labbe = dd->kind == CMETA_DIAG_LABBE;
    fputs(radial ? "study,x,y,line,band_lb,band_ub\n" : labbe ? "study,x,y,size,line\n" : "study,x,y\n", fp);
    for (size_t i = 0; i < dd->k; i++) {
        cmeta_csv_field(fp, d->label ? d->label[i] : "");
        fputc(',', fp);
        cmeta_csv_num(fp, dd->x[i]);
        fputc(',', fp);
        cmeta_csv_num(fp, dd->y[i]);
        if (radial) {
            double l = dd->estimate * dd->x[i];
            fputc(',', fp);
            cmeta_csv_num(fp, l);
            fputc(',', fp);
            cmeta_csv_num(fp, l - dd->zcrit);
            fputc(',', fp);
            cmeta_csv_num(fp, l + dd->zcrit);
        }
        if (labbe) {
            fputc(',', fp);
            cmeta_csv_num(fp, dd->size[i]);
            fputc(',', fp);
            cmeta_csv_num(fp, dd->x[i] + dd->estimate);
        }
        fputc('\n', fp);
    }
    return cli_out_commit(&out);
}

/* drapery: one row per grid point: theta, the p-value of each study (columns named by the
 * study labels), of the pooled estimate, and the prediction curve (empty for fixed effect) */
static int write_drapery_csv(const cmeta_drapery_data *dd, const cmeta_data *d, const char *path)
{
    cli_out out = {0};
    int rc = cli_out_open(&out, path);
    if (rc) return rc;
    FILE *fp = out.fp;
    fputs("theta", fp);
    for (size_t i = 0; i < dd->k; i++) {
        char num[32];
        snprintf(num, sizeof num, "Study %zu", i + 1);
        fputc(',', fp);
        cmeta_csv_field(fp, d->label && d->label[i] ? d->label[i] : num);
    }
    fputs(",pooled,prediction\n", fp);
    for (size_t j = 0; j < dd->n; j++) {
        cmeta_csv_num(fp, dd->theta[j]);
        for (size_t i = 0; i < dd->k; i++) {
            fputc(',', fp);
            cmeta_csv_num(fp, dd->p[i * dd->n + j]);
        }
        fputc(',', fp);
        cmeta_csv_num(fp, dd->pooled[j]);
        fputc(',', fp);
        if (dd->pred) cmeta_csv_num(fp, dd->pred[j]);
        fputc('\n', fp);
    }
    return cli_out_commit(&out);
}

/* The drawing controls given, by name (the first one), or NULL. */
static const char *figure_option(const cli_opts *o)
{
    return o->plot_title ? "--title" : o->xlab ? "--xlab" : o->size_w > 0 ? "--size" : o->dpi > 0 ? "--dpi"
         : o->svg_text_set ? "--svg-text" : NULL;
}

/* plot rob-summary: the weighted risk-of-bias bar chart of the input's rob_D1..rob_Dn,
 * rob_overall columns, weighted by the studies' weights in the pooled model; -o F.csv writes the
 * shares (domain, judgement, percent). */
static int rob_summary(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, const cmeta_fit *fit)
{
    cmeta_forest_opts fo;
    cmeta_forest_opts_default(&fo);
    cli_annot a;
    memset(&a, 0, sizeof a);
    cmeta_text_measurer *tm = NULL;
    cmeta_plot plot;
    memset(&plot, 0, sizeof plot);
    cmeta_error err;
    cmeta_error_clear(&err);
    double pct[9 * 6];
    int rc = cli_rob_columns(o, t, d, &fo, &a);
    if (rc) goto done;
    if (!fo.rob_ndomains) {
        rc = cli_failf(2, "%s: plot rob-summary needs the risk-of-bias columns rob_D1..rob_Dn (and rob_overall)",
                       cmeta_table_name(t));
        goto done;
    }
    if (!fit->weight) {
        rc = cli_failf(3, "plot rob-summary: the model has no study weights");
        goto done;
    }
    if (cmeta_plot_backend_ready(&err) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (cmeta_text_measurer_new(&tm) != CMETA_OK) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    if (cmeta_rob_summary_layout(fo.rob, d->k, fo.rob_ndomains, fo.rob_overall, fit->weight, fo.rob_tool, pct,
                                 cmeta_text_measure_cairo, tm, &plot, &err) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (o->output && is_csv(o->output)) {
        cli_out out = {0};
        if ((rc = cli_out_open(&out, o->output))) goto done;
        fputs("domain,judgement,percent\n", out.fp);
        static const cmeta_rob_judgement js[] = {CMETA_ROB_LOW, CMETA_ROB_SOME, CMETA_ROB_HIGH, CMETA_ROB_CRITICAL,
                                                 CMETA_ROB_UNCLEAR};
        for (size_t j = 0; j <= fo.rob_ndomains; j++) {
            if (j == fo.rob_ndomains && !fo.rob_overall) break;
            for (size_t q = 0; q < sizeof js / sizeof *js; q++) {
                if (js[q] == CMETA_ROB_CRITICAL && fo.rob_tool == CMETA_ROB_TOOL_ROB2) continue;
                if (j < fo.rob_ndomains) fprintf(out.fp, "D%zu,", j + 1);
                else fputs("Overall,", out.fp);
                cmeta_csv_field(out.fp, cmeta_rob_word(fo.rob_tool, js[q]));
                fputc(',', out.fp);
                cmeta_csv_num(out.fp, pct[j * 6 + js[q]]);
                fputc('\n', out.fp);
            }
        }
        rc = cli_out_commit(&out);
    } else {
        cmeta_render_opts ro;
        cli_render_opts(o, &ro);
        rc = cli_plot_write_opts(&plot, o->output, &ro);
    }
done:
    cmeta_plot_free(&plot);
    cmeta_text_measurer_free(tm);
    cli_annot_free(&a);
    return rc;
}

/* The options plot NAME does not use (csv: -o F.csv, the plotted values), or NULL. */
static const char *unused_option(const cli_opts *o, int kind, int is_rob, int csv)
{
    if (csv && figure_option(o)) return figure_option(o);
    if (is_rob && (o->plot_title || o->xlab)) return o->plot_title ? "--title" : "--xlab";
    if (kind != CMETA_DIAG_QQ || is_rob || csv)
        return o->reps ? "--reps" : o->seed_set ? "--seed" : o->no_envelope ? "--no-envelope" : NULL;
    return NULL;
}

/* The diagnostic plot (or drapery) of the pooled fit g->fit: its values computed, the qq
 * envelope, then written as -o F.csv or drawn. */
static int diag_plot(cli_fig *g, int kind, int csv)
{
    const cli_opts *o = &g->o;
    cmeta_fit_opts fo = g->mc.opts;
    cmeta_diagplot_data dd;
    memset(&dd, 0, sizeof dd);
    cmeta_drapery_data dr;
    memset(&dr, 0, sizeof dr);
    int rc = 0;
    if ((kind == KIND_DRAPERY ? cmeta_drapery_compute(&g->s, &fo, g->fit, 1000, &dr, &g->err)
                              : cmeta_diagplot_compute((cmeta_diagplot_kind)kind, &g->s, &fo, g->fit, &dd, &g->w,
                                                       &g->err)) != CMETA_OK) {
        rc = cli_fail(&g->err);
        goto done;
    }
    /* qq: metafor's envelope (reps 1000, the fit's level), seed 1 unless given */
    if (kind == CMETA_DIAG_QQ && !csv && !o->no_envelope &&
        cmeta_diagplot_qq_envelope(&dd, &g->s, o->reps > 0 ? (size_t)o->reps : 1000, o->seed_set ? o->seed : 1,
                                   fo.level, &g->err) != CMETA_OK) {
        rc = cli_fail(&g->err);
        goto done;
    }
    if (csv) {
        rc = kind == KIND_DRAPERY ? write_drapery_csv(&dr, g->d, o->output) : write_csv(&dd, g->d, o->output);
    } else {
        if ((rc = cli_fig_measurer(g))) goto done;
        cmeta_diagplot_opts po = {o->plot_title, o->xlab, NULL};
        if ((kind == KIND_DRAPERY ? cmeta_drapery_layout(&dr, &po, cmeta_text_measure_cairo, g->tm, &g->plot, &g->err)
                                  : cmeta_diagplot_layout_opts(&dd, NULL, &po, cmeta_text_measure_cairo, g->tm,
                                                               &g->plot, &g->err)) != CMETA_OK) {
            rc = cli_fail(&g->err);
            goto done;
        }
        rc = cli_fig_write(g);
    }
done:
    cmeta_diagplot_data_free(&dd);
    cmeta_drapery_data_free(&dr);
    return rc;
}

int cmeta_cmd_plot(int argc, char **argv)
{
    int kind = CMETA_DIAG_BAUJAT;
    int is_rob = argc > 1 && strcmp(argv[1], "rob-summary") == 0;
    int have_kind = argc > 1 && (is_rob || kind_of(argv[1], &kind));
    char **av = argv;
    if (have_kind) { /* drop the plot's name: the rest parses as every command does */
        av = malloc((size_t)argc * sizeof *av);
        if (!av) return cli_failf(4, "out of memory");
        av[0] = argv[0];
        for (int i = 2; i < argc; i++) av[i - 1] = argv[i];
        av[argc - 1] = NULL;
    }
    cli_fig g;
    int rc = cli_fig_start(&g, have_kind ? argc - 1 : argc, av, 0);
    if (av != argv) free(av);
    if (rc >= 0) return rc;
    const cli_opts *o = &g.o;
    const char *pname = argv[1], *bad;
    int csv = o->output && is_csv(o->output);
    rc = 0;
    if (!have_kind) {
        rc = cli_failf(1, "plot: name the plot first: cmeta plot baujat|radial|qq|labbe|drapery|rob-summary FILE -o F.svg (see cmeta plot --help)");
    } else if (!is_rob && o->rob_tool) {
        rc = cli_failf(1, "plot: --rob-tool is for plot rob-summary");
    } else if ((bad = unused_option(o, kind, is_rob, csv))) { /* options a plot does not use are refused */
        rc = cli_failf(1, "plot %s: %s does not apply%s", pname, bad,
                       csv ? " to -o F.csv (the plotted values)"
                       : !strcmp(bad, "--reps") || !strcmp(bad, "--seed") || !strcmp(bad, "--no-envelope")
                           ? " (it is for the envelope of plot qq)"
                           : " (rob-summary has no title or axis title)");
    } else if (!csv) {
        rc = cli_plot_check_output(o);
    }
    if (rc) {
        cli_opts_free(&g.o);
        return rc;
    }
    rc = cli_load(o, o->inputs[0], &g.t, &g.d, &g.w);
    if (rc) goto done;
    if (g.d->k < 2) {
        rc = cli_failf(2, "%s: the plot needs at least 2 studies (%zu left)", o->inputs[0], g.d->k);
        goto done;
    }
    if ((rc = cli_fig_fit(&g, 1))) goto done;
    rc = is_rob ? rob_summary(o, g.t, g.d, g.fit) : diag_plot(&g, kind, csv);
    if (rc == 0) cli_print_warnings(&g.w);
done:
    cli_fig_free(&g);
    return rc;
}
