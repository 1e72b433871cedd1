/* bench_rma.c - wall time of cmeta_rma (REML with the Q-profile CI, and DL) on synthetic data
 * of k studies (deterministic LCG values, no R needed).
 * Usage: build/bench/bench_rma [k ...]   (default: 13 100 1000 10000) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"

static double lcg(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int run(size_t k, cmeta_method m, int ci, int q)
{
    double *yi = malloc(k * sizeof *yi), *vi = malloc(k * sizeof *vi), *x = malloc(k * sizeof *x);
    if (!yi || !vi || !x) return 1;
    unsigned long long s = 12345;
    for (size_t i = 0; i < k; i++) {
        x[i] = lcg(&s);
        vi[i] = 0.01 + 0.1 * lcg(&s);
        yi[i] = -0.4 + 0.3 * x[i] + 1.6 * (lcg(&s) - 0.5);
    }
    cmeta_fit_opts o;
    cmeta_fit_opts_default(&o);
    o.method = m;
    o.no_ci_tau2 = !ci;
    int reps = k <= 1000 ? 20 : 3;
    double t0 = now(), tau2 = 0;
    for (int r = 0; r < reps; r++) {
        cmeta_fit *f = NULL;
        cmeta_error e;
        cmeta_error_clear(&e);
        if (cmeta_rma(yi, vi, k, q ? x : NULL, (size_t)q, &o, &f, NULL, &e) != CMETA_OK) {
            fprintf(stderr, "bench_rma: %s\n", e.message);
            return 1;
        }
        tau2 = f->tau2;
        cmeta_fit_free(f);
    }
    double ms = (now() - t0) / reps * 1e3;
    printf("k=%-8zu %-4s%s%s: %10.3f ms per fit (tau2 %.6f)\n", k, cmeta_method_name(m),
           ci ? " + CI" : "     ", q ? " + 1 moderator" : "              ", ms, tau2);
    free(yi);
    free(vi);
    free(x);
    return 0;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    size_t ks[16] = {13, 100, 1000, 10000};
    int nk = 4;
    if (argc > 1) {
        nk = 0;
        for (int i = 1; i < argc && nk < 16; i++) ks[nk++] = (size_t)strtoull(argv[i], NULL, 10);
    }
    for (int i = 0; i < nk; i++) {
        if (run(ks[i], CMETA_METHOD_REML, 1, 0) || run(ks[i], CMETA_METHOD_DL, 0, 0) ||
            run(ks[i], CMETA_METHOD_REML, 1, 1))
            return 1;
    }
    return 0;
}
