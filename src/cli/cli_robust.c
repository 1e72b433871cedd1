/* cli_robust.c - --robust COL for pool, regress and mv: the cluster of each analysed row, the
 * library's cluster-robust results (src/lib/robust.c) and their errors. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
    const char *key;
    size_t idx;
} ckey;

static int ckey_cmp(const void *a, const void *b)
{
    int c = strcmp(((const ckey *)a)->key, ((const ckey *)b)->key);
    if (c) return c;
    size_t x = ((const ckey *)a)->idx, y = ((const ckey *)b)->idx;
    return x < y ? -1 : x > y;
}

/* the error at row i of the analysis (study keep[i] of d, or i), or of the whole file (i < 0) */
static int row_fail(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, const size_t *keep, long i,
                    long col, cmeta_status st, const char *msg)
{
    cmeta_error e;
    cmeta_error_clear(&e);
    snprintf(e.file, sizeof e.file, "%s", cmeta_table_name(t));
    if (i >= 0) {
        size_t s = keep ? keep[i] : (size_t)i, row = d->row[s];
        e.line = col >= 0 ? cmeta_table_cell_line(t, row, (size_t)col) : cmeta_table_row_line(t, row);
        e.column = col >= 0 ? col + 1 : 0;
        snprintf(e.study, sizeof e.study, "%s", d->label[s]);
    }
    cmeta_error_set(&e, st, "--robust %s: %s", o->robust, msg);
    return cli_fail(&e);
}

int cli_robust_clusters(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, const size_t *keep,
                        size_t n, size_t **ids, size_t *ncl)
{
    *ids = NULL;
    *ncl = 0;
    long c = cmeta_table_find_raw(t, o->robust);
    if (c < 0) {
        cmeta_error e;
        cmeta_error_clear(&e);
        cmeta_error_set(&e, CMETA_EDATA, "--robust: no column '%s' in %s", o->robust, cmeta_table_name(t));
        return cli_fail(&e);
    }
    size_t *id = malloc((n ? n : 1) * sizeof *id);
    ckey *kr = malloc((n ? n : 1) * sizeof *kr);
    if (!id || !kr) {
        free(id), free(kr);
        return cli_failf(4, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        size_t s = keep ? keep[i] : i;
        const char *cell = cmeta_table_cell(t, d->row[s], (size_t)c);
        if (cmeta_cell_is_missing(cell)) {
            free(id), free(kr);
            return row_fail(o, t, d, keep, (long)i, c, CMETA_EDATA, "no value of the cluster column");
        }
        kr[i].key = cell;
        kr[i].idx = i;
    }
    qsort(kr, n, sizeof *kr, ckey_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(kr[i].key, kr[i - 1].key)) m++;
        id[kr[i].idx] = m;
    }
    free(kr);
    *ids = id;
    *ncl = n ? m + 1 : 0;
    return 0;
}

int cli_robust_fail(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, const size_t *keep, size_t n,
                    cmeta_status st, const cmeta_error *err)
{
    if (st == CMETA_EUSAGE) return cli_failf(1, "--robust: %s", err->message);
    if (st != CMETA_EDATA) return cli_fail_status(st, err);
    long i = err->index >= 0 && (size_t)err->index < n ? err->index : -1;
    return row_fail(o, t, d, keep, i, -1, st, err->message);
}

void cli_robust_opts(const cli_opts *o, int intercept, cmeta_robust_opts *ro)
{
    cmeta_robust_opts_default(ro);
    ro->type = o->robust_cr1 ? CMETA_ROBUST_CR1 : CMETA_ROBUST_CR2;
    ro->level = o->fit.level;
    ro->intercept = intercept;
}
