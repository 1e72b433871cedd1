/* cmd_forest.c - `cmeta forest FILE -o F.svg|.png|.pdf`: forest plot (optionally by subgroup). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Render plot p to o->output atomically (temporary file, then rename). */
int cli_plot_write(const cmeta_plot *p, const char *path)
{
    return cli_plot_write_opts(p, path, NULL);
}

int cli_plot_write_opts(const cmeta_plot *p, const char *path, const cmeta_render_opts *ro)
{
    cmeta_plot_format fmt;
    cmeta_error err;
    cmeta_error_clear(&err);
    if (cmeta_plot_format_from_path(path, &fmt, &err) != CMETA_OK) return cli_fail(&err);
    cli_out out;
    int rc = cli_out_open(&out, path);
    if (rc) return rc;
    if (cmeta_plot_render_stream_opts(p, fmt, out.fp, ro, &err) != CMETA_OK) {
        cli_out_abort(&out);
        snprintf(err.file, sizeof err.file, "%s", path);
        return cli_fail(&err);
    }
    return cli_out_commit(&out);
}

/* Check -o before any work: required, and a known picture format. */
int cli_plot_check_output(const cli_opts *o)
{
    if (!o->output || strcmp(o->output, "-") == 0)
        return cli_failf(1, "%s: -o F.svg|F.png|F.pdf is required (pictures are not written to standard output)",
                         o->command);
    if (!o->output[0]) return cli_failf(1, "%s: the output file name is empty (-o F.svg|F.png|F.pdf)", o->command);
    cmeta_plot_format fmt;
    cmeta_error err;
    cmeta_error_clear(&err);
    if (cmeta_plot_format_from_path(o->output, &fmt, &err) != CMETA_OK) return cli_fail(&err);
    return 0;
}

/* --subgroup: the split (cli_split_subgroups) and the plot's view of it. */
typedef struct {
    cli_split sp;
    cmeta_forest_group *groups;
    size_t *gidx;                /* study indices, grouped */
} sub_ctx;

static void sub_free(sub_ctx *s)
{
    cli_split_free(&s->sp);
    free(s->groups);
    free(s->gidx);
}

static int make_subgroups(const cli_opts *o, const cmeta_table *t, const cmeta_data *d0,
                          const cmeta_fit_opts *fo, sub_ctx *sc, cmeta_warnings *w)
{
    int rc = cli_split_subgroups(o, t, d0, fo, &sc->sp, w);
    if (rc) return rc;
    size_t ng = sc->sp.ngroups, n = sc->sp.d->k;
    sc->groups = calloc(ng, sizeof *sc->groups);
    sc->gidx = malloc(n * sizeof *sc->gidx);
    if (!sc->groups || !sc->gidx) return cli_failf(4, "out of memory");
    size_t m = 0;
    for (size_t j = 0; j < ng; j++) {
        sc->groups[j].name = sc->sp.lev[j];
        sc->groups[j].idx = sc->gidx + m;
        sc->groups[j].fit = sc->sp.g->fits[j];
        for (size_t i = 0; i < n; i++)
            if (sc->sp.grp[i] == j) sc->gidx[m++] = i;
        sc->groups[j].n = (size_t)(sc->gidx + m - sc->groups[j].idx);
    }
    return 0;
}

static int cli_forest_bayes(const cli_opts *o, const cmeta_data *d)
{
    cmeta_tau_prior tp;
    cmeta_mu_prior mp;
    cmeta_error err;
    cmeta_error_clear(&err);
    if (o->subgroup) return cli_failf(1, "forest: --bayes does not take --subgroup");
    if (o->plot_title || o->xlab || o->favours[0] || o->group_labels[0] || o->sort || o->annotate || o->digits >= 0 ||
        !isnan(o->xlim[0]) || o->nat || o->no_overall_test)
        return cli_failf(1, "forest: --bayes takes only the drawing options --size, --dpi and --svg-text of the figure "
                            "options");
    if (!o->tau_prior) return cli_failf(1, "forest: --bayes needs --tau-prior (see cmeta bayes --help)");
    if (cmeta_tau_prior_parse(o->tau_prior, &tp, &err) != CMETA_OK ||
        cmeta_mu_prior_parse(o->mu_prior ? o->mu_prior : "flat", &mp, &err) != CMETA_OK)
        return cli_failf(1, "forest: %s", err.message);
    cmeta_bayes *b = NULL;
    cmeta_status st = cmeta_bayes_fit(d->yi, d->vi, d->k, &tp, &mp, o->fit.level, &b, &err);
    if (st != CMETA_OK) return cli_fail_status(st, &err);
    cmeta_text_measurer *tm = NULL;
    cmeta_plot plot;
    memset(&plot, 0, sizeof plot);
    int rc;
    if (cmeta_text_measurer_new(&tm) != CMETA_OK) rc = cli_failf(4, "out of memory");
    else if (cmeta_bayes_forest_layout(b, (const char *const *)d->label, d->yi, d->vi, cmeta_text_measure_cairo, tm,
                                       &plot, &err) != CMETA_OK)
        rc = cli_fail(&err);
    else {
        cmeta_render_opts ro;
        cli_render_opts(o, &ro);
        rc = cli_plot_write_opts(&plot, o->output, &ro);
    }
    cmeta_plot_free(&plot);
    cmeta_text_measurer_free(tm);
    cmeta_bayes_free(b);
    return rc;
}

/* The first figure control given (issue 17 flags), or NULL: the sweep plot of --ri-sweep does
 * not take them, and an option a run does not use is an error. */
static const char *figure_flag_given(const cli_opts *o)
{
    if (o->plot_title) return "--title";
    if (o->xlab) return "--xlab";
    if (o->favours[0]) return "--favours";
    if (o->group_labels[0]) return "--group-labels";
    if (o->sort) return "--sort";
    if (!isnan(o->xlim[0])) return "--xlim";
    if (o->nat) return "--at";
    if (o->digits >= 0) return "--digits";
    if (o->size_w > 0) return "--size";
    if (o->dpi > 0) return "--dpi";
    if (o->no_overall_test) return "--no-overall-test";
    if (o->svg_outline) return "--svg-text";
    if (o->annotate) return "--annotate";
    return NULL;
}

/* The pictures other than the pooled model's forest plot: --ri-sweep's sweep plot (ri_mode) and
 * --bayes's shrinkage intervals; --tau-prior or --mu-prior without --bayes refused. */
static int other_picture(const cli_opts *o, cli_fig *g, int ri_mode)
{
    if (ri_mode && (o->forest_bayes || figure_flag_given(o)))
        return cli_failf(1, "forest: --ri-sweep draws the sweep plot, which does not take %s",
                         o->forest_bayes ? "--bayes" : figure_flag_given(o));
    if (ri_mode) return cli_risweep_report(o, o->output, g->t, g->d, &g->w, 1);
    if (o->forest_bayes) return cli_forest_bayes(o, g->d); /* --bayes: beside the observed intervals (issue 19) */
    return cli_failf(1, "forest: --tau-prior and --mu-prior need --bayes");
}

int cmeta_cmd_forest(int argc, char **argv)
{
    cli_fig g;
    int rc = cli_fig_start(&g, argc, argv, 1);
    if (rc >= 0) return rc;
    const cli_opts *o = &g.o;
    sub_ctx sc;
    memset(&sc, 0, sizeof sc);
    size_t *order = NULL;
    cli_annot annot;
    memset(&annot, 0, sizeof annot);
    cmeta_render_opts ro;
    cli_render_opts(o, &ro);
    if (o->order && !o->forest_cumul) {
        rc = cli_failf(1, "forest: --order needs --cumul (to sort the studies: --sort)");
        goto done;
    }
    if ((o->forest_loo || o->forest_cumul) && (o->ri_sweep || o->forest_bayes)) {
        rc = cli_failf(1, "forest: %s and %s do not go together (one picture per run)",
                       o->forest_loo ? "--loo" : "--cumul", o->ri_sweep ? "--ri-sweep" : "--bayes");
        goto done;
    }
    if (o->forest_loo || o->forest_cumul) {
        rc = cli_forest_derived(o, &ro);
        goto done;
    }
    int ri_mode = 0; /* --ri-sweep: the picture is the sweep's (cli_risweep.c) */
    rc = o->ri_sweep ? cli_ri_load(o, o->inputs[0], &g.t, &g.d, &g.w, &ri_mode)
                     : cli_load(o, o->inputs[0], &g.t, &g.d, &g.w);
    if (rc) goto done;
    if (g.d->k == 0) {
        rc = cli_failf(2, "%s: no study left to plot", o->inputs[0]);
        goto done;
    }
    if (ri_mode || o->forest_bayes || o->tau_prior || o->mu_prior) {
        rc = other_picture(o, &g, ri_mode);
        goto done;
    }
    if ((rc = cli_fig_fit(&g, !o->subgroup))) goto done; /* by subgroup: make_subgroups fits */
    cmeta_fit_opts fo = g.mc.opts;
    cmeta_forest_opts fopt;
    cmeta_forest_opts_default(&fopt);
    fopt.random = g.mc.is_random;
    if (o->layout ? strcmp(o->layout, "revman5") == 0 : o->preset_revman5) fopt.layout = CMETA_FOREST_REVMAN5;
    fopt.revman_exact = o->preset_revman5; /* RevMan's own headings only over RevMan's numbers */
    const cmeta_data *dp = g.d;
    const cmeta_fit *fp = g.fit;
    cmeta_forest_subgroups fs;
    memset(&fs, 0, sizeof fs);
    if (o->subgroup) {
        rc = make_subgroups(o, g.t, g.d, &fo, &sc, &g.w);
        if (rc) goto done;
        dp = sc.sp.d;
        fp = sc.sp.g->overall;
        fs.ngroups = sc.sp.g->ngroups;
        fs.group = sc.groups;
        fs.Q_between = sc.sp.g->Q_between;
        fs.Q_between_df = sc.sp.g->Q_between_df;
        fs.Q_between_pval = sc.sp.g->Q_between_pval;
    }
    if ((rc = cli_fig_measurer(&g))) goto done;
    if ((rc = cli_forest_opts(o, g.t, dp, fp, &fopt, &order, &annot))) goto done;
    if (cmeta_forest_layout(dp, fp, o->subgroup ? &fs : NULL, &fopt, cmeta_text_measure_cairo, g.tm, &g.plot,
                            &g.err) != CMETA_OK) {
        rc = cli_fail(&g.err);
        goto done;
    }
    rc = cli_plot_write_opts(&g.plot, o->output, &ro);
    if (o->model_auto && rc == 0) fprintf(stderr, "cmeta: model chosen by --model auto: %s\n", g.mc.reason);
    if (rc == 0) cli_print_warnings(&g.w);
done:
    free(order);
    cli_annot_free(&annot);
    sub_free(&sc);
    cli_fig_free(&g);
    return rc;
}
