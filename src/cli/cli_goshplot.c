/* cli_goshplot.c - `cmeta gosh ... --plot F.svg|.png|.pdf`: the GOSH plot, counted from the
 * streamed subsets (cmeta_gosh_bins) and written atomically like the forest plot. */
#include <string.h>

#include "cli.h"

int cli_goshplot_begin(struct cli_goshplot *g, const char *path, const cmeta_data *d)
{
    memset(g, 0, sizeof *g);
    if (!path) return 0;
    cmeta_plot_format fmt;
    cmeta_error err;
    cmeta_error_clear(&err);
    if (!path[0]) return cli_failf(1, "gosh: the --plot file name is empty (--plot F.svg|F.png|F.pdf)");
    if (strcmp(path, "-") == 0)
        return cli_failf(1, "gosh: --plot F.svg|F.png|F.pdf needs a file (pictures are not written to standard output)");
    if (cmeta_plot_format_from_path(path, &fmt, &err) != CMETA_OK) return cli_fail(&err);
    if (cmeta_gosh_bins_init(&g->bins, d, 0, 0, &err) != CMETA_OK) return cli_fail(&err);
    g->active = 1;
    int rc = cli_out_open(&g->out, path);
    if (rc) {
        cli_goshplot_abort(g);
        return rc;
    }
    return 0;
}

int cli_goshplot_end(struct cli_goshplot *g, const cmeta_gosh_summary *sum, cmeta_method method)
{
    if (!g->active) return 0;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_plot_format fmt;
    const char *path = g->out.name ? g->out.name : g->out.path; /* as given: a link keeps its name */
    if (cmeta_plot_format_from_path(path, &fmt, &err) != CMETA_OK) return cli_fail(&err);
    cmeta_text_measurer *tm = NULL;
    cmeta_plot plot;
    memset(&plot, 0, sizeof plot);
    int rc = 0;
    if (cmeta_plot_backend_ready(&err) != CMETA_OK) {
        rc = cli_fail(&err);
    } else if (cmeta_text_measurer_new(&tm) != CMETA_OK) {
        rc = cli_failf(4, "out of memory");
    } else if (cmeta_gosh_plot_layout(&g->bins, sum, method, NULL, cmeta_text_measure_cairo, tm, &plot, &err) !=
               CMETA_OK) {
        rc = cli_fail(&err);
    } else if (cmeta_plot_render_stream(&plot, fmt, g->out.fp, &err) != CMETA_OK) {
        snprintf(err.file, sizeof err.file, "%s", path);
        rc = cli_fail(&err);
    }
    cmeta_plot_free(&plot);
    cmeta_text_measurer_free(tm);
    cmeta_plot_cleanup_at_exit();
    if (rc) {
        cli_goshplot_abort(g);
        return rc;
    }
    rc = cli_out_commit(&g->out);
    cli_goshplot_abort(g);
    return rc;
}

void cli_goshplot_abort(struct cli_goshplot *g)
{
    if (g->out.fp || g->out.tmp) cli_out_abort(&g->out);
    cmeta_gosh_bins_free(&g->bins);
    g->active = 0;
}
