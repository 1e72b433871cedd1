/* pool_floor.c - the floor of `cmeta pool FILE` (REML) on a large file: read the file (one
 * fread), strtod the yi and vi fields (columns 2 and 3 of "study,yi,vi"), and estimate the
 * REML model (cmeta_rma: Fisher scoring; no Q-profile interval, no likelihood check, no
 * study table). What is left is what any program pooling these studies must do.
 * bench/run_large.sh times it as a whole process beside `cmeta pool` (timeit.c).
 * Usage: build/bench/pool_floor FILE   (prints k, the estimate and tau^2) */
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pool_floor FILE\n");
        return 2;
    }
    gsl_set_error_handler_off();
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) {
        perror(argv[1]);
        return 1;
    }
    size_t cap = 1 << 20, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            char *b = realloc(buf, 2 * cap + 1);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(fp);
    if (!buf) return 1;
    buf[n] = '\0';
    size_t lines = 0;
    for (size_t i = 0; i < n; i++) lines += buf[i] == '\n';
    double *yi = malloc((lines + 1) * sizeof *yi), *vi = malloc((lines + 1) * sizeof *vi);
    if (!yi || !vi) return 1;
    size_t k = 0;
    char *p = buf;
    while (*p && *p != '\n') p++; /* header */
    while (*p) {
        p++; /* '\n' */
        while (*p && *p != ',' && *p != '\n') p++; /* study */
        if (*p != ',') continue;
        yi[k] = strtod(p + 1, &p);
        if (*p != ',') continue;
        vi[k] = strtod(p + 1, &p);
        k++;
        while (*p && *p != '\n') p++;
    }
    cmeta_fit_opts o;
    cmeta_fit_opts_default(&o);
    o.method = CMETA_METHOD_REML;
    o.no_ci_tau2 = 1;
    cmeta_fit *f = NULL;
    cmeta_error e;
    cmeta_error_clear(&e);
    if (cmeta_rma(yi, vi, k, NULL, 0, &o, &f, NULL, &e) != CMETA_OK) {
        fprintf(stderr, "pool_floor: %s\n", e.message);
        return 1;
    }
    printf("k = %zu, estimate %.6f, tau2 %.6f\n", k, f->beta[0], f->tau2);
    cmeta_fit_free(f);
    free(yi);
    free(vi);
    free(buf);
    return 0;
}
