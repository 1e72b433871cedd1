/* cli_resample.c - what the resampling commands (boot, permtest, gosh) share: the progress
 * bar, moderators, the seed. (Ctrl-C: cli_interrupt, set by the handler main() installs.) */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_progress_init(cli_progress_state *ps, const char *what)
{
    ps->start = now();
    ps->last = 0;
    ps->shown = 0;
    ps->what = what;
}

/* "[#########           ] 45%  12345/s  3 s left", redrawn at most 10 times a second. */
int cli_progress(void *ctx, double done, double total)
{
    cli_progress_state *ps = ctx;
    if (cli_interrupt) return 1;
    double t = now(), el = t - ps->start;
    if (el < 1.0 || t - ps->last < 0.1) return 0;
    ps->last = t; /* isatty (a system call) at most every 0.1 s */
    if (!isatty(2)) return 0;
    ps->shown = 1;
    double f = total > 0 ? done / total : 0, rate = done / el, left = rate > 0 ? (total - done) / rate : 0;
    char bar[31];
    int n = (int)(f * 30);
    for (int i = 0; i < 30; i++) bar[i] = i < n ? '#' : ' ';
    bar[30] = '\0';
    fprintf(stderr, "\r%s [%s] %3.0f%%  %.0f/s  %.0f s left ", ps->what, bar, 100 * f, rate, left);
    fflush(stderr);
    return 0;
}

void cli_progress_end(cli_progress_state *ps)
{
    if (ps->shown) fprintf(stderr, "\r%*s\r", 79, "");
}

int cli_resample_mods(const cmeta_data *d, const char *mods, double **X, size_t *q)
{
    *X = NULL;
    *q = 0;
    if (!mods || !*mods) return 0;
    char *list = strdup(mods);
    if (!list) return cli_failf(4, "out of memory");
    size_t n = 1;
    for (const char *c = mods; *c; c++) n += *c == ',';
    long *col = calloc(n, sizeof *col);
    double *x = calloc(n * (d->k ? d->k : 1), sizeof *x);
    if (!col || !x) {
        free(list);
        free(col);
        free(x);
        return cli_failf(4, "out of memory");
    }
    size_t m = 0;
    int rc = 0;
    for (char *tok = strtok(list, ","); tok && !rc; tok = strtok(NULL, ",")) {
        col[m] = cmeta_table_find_raw(d->table, tok);
        if (col[m] < 0) rc = cli_failf(1, "--mods: no column '%s' in %s", tok, cmeta_table_name(d->table));
        m++;
    }
    for (size_t i = 0; i < d->k && !rc; i++)
        for (size_t a = 0; a < m && !rc; a++) {
            const char *cell = cmeta_table_cell(d->table, d->row[i], (size_t)col[a]);
            cmeta_error err;
            cmeta_error_clear(&err);
            if (cmeta_parse_double(cell, &x[i * m + a], &err) != CMETA_OK)
                rc = cli_failf(2, "%s:%ld: study '%s': moderator '%s': %s", cmeta_table_name(d->table),
                               cmeta_table_cell_line(d->table, d->row[i], (size_t)col[a]), d->label[i],
                               cmeta_table_colname(d->table, (size_t)col[a]), err.message);
        }
    free(list);
    free(col);
    if (rc) {
        free(x);
        return rc;
    }
    *X = x;
    *q = m;
    return 0;
}

unsigned long cli_seed(const cli_opts *o)
{
    if (o->seed_set) return o->seed;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (unsigned long)((ts.tv_nsec ^ (ts.tv_sec << 10) ^ (long)getpid()) & 0x7fffffffL);
}

void cli_resample_opts(const cli_opts *o, const char *what, cli_progress_state *ps,
                       cmeta_resample_opts *ro)
{
    cmeta_resample_opts_default(ro);
    ro->method = o->fit.method;
    ro->tol = o->fit.tol;
    ro->maxiter = o->fit.maxiter;
    ro->seed = cli_seed(o);
    ro->threads = o->threads;
    ro->interrupt = &cli_interrupt;
    cli_progress_init(ps, what);
    ro->progress = cli_progress;
    ro->progress_ctx = ps;
}
