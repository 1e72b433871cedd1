/* cli_diag.c - helpers shared by cmeta regress, influence and bias. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_diag.h"

static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

static void pad(FILE *fp, size_t n)
{
    while (n--) fputc(' ', fp);
}

void cli_diag_frame(FILE *fp, const char *const *rownames, size_t nrows,
                    const char *const *colnames, size_t ncols, const char *const *cells, int gap)
{
    size_t rw = 0;
    for (size_t i = 0; rownames && i < nrows; i++)
        if (width(rownames[i]) > rw) rw = width(rownames[i]);
    size_t *cw = calloc(ncols ? ncols : 1, sizeof *cw);
    if (!cw) return;
    for (size_t j = 0; j < ncols; j++) {
        cw[j] = width(colnames[j]);
        for (size_t i = 0; i < nrows; i++)
            if (width(cells[i * ncols + j]) > cw[j]) cw[j] = width(cells[i * ncols + j]);
    }
    for (size_t j0 = 0; j0 < ncols;) {
        size_t j1 = j0, used = rw;
        while (j1 < ncols && (j1 == j0 || used + (size_t)gap + cw[j1] < 80)) used += (size_t)gap + cw[j1++];
        pad(fp, rw);
        for (size_t j = j0; j < j1; j++) {
            pad(fp, (size_t)gap + cw[j] - width(colnames[j]));
            fputs(colnames[j], fp);
        }
        fputs(" \n", fp);
        for (size_t i = 0; i < nrows; i++) {
            const char *r = rownames ? rownames[i] : "";
            fputs(r, fp);
            pad(fp, rw - width(r));
            for (size_t j = j0; j < j1; j++) {
                const char *c = cells[i * ncols + j];
                pad(fp, (size_t)gap + cw[j] - width(c));
                fputs(c, fp);
            }
            fputs(" \n", fp);
        }
        j0 = j1;
    }
    free(cw);
}

const char *cli_diag_stars(double p)
{
    if (!isfinite(p)) return " ";
    return p <= 0.001 ? "***" : p <= 0.01 ? "**" : p <= 0.05 ? "*" : p <= 0.1 ? "." : " ";
}

void cli_diag_pval_eq(char *buf, size_t n, double p)
{
    char t[64];
    cli_pval(t, sizeof t, p, 4);
    if (t[0] == '<') snprintf(buf, n, "p-val < %s", t + 1);
    else snprintf(buf, n, "p-val = %s", t);
}

int cli_diag_check_method(const cli_opts *o)
{
    if (o->fit.method == CMETA_METHOD_MH || o->fit.method == CMETA_METHOD_PETO)
        return cli_failf(1, "%s: --method %s is not available here (use FE or a tau^2 estimator)",
                         o->command, cmeta_method_name(o->fit.method));
    return 0;
}
