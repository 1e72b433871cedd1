/* fmt_speed.c - ns per cmeta_fmt17g call (issue 15, item 5: GOSH -o spends most of its CPU there).
 *
 * Usage: build/bench/fmt_speed [REPS]
 * Four sets of 2^16 doubles (splitmix64, fixed seed): GOSH-like rows (estimate 0.1-0.7, Q 0-100,
 * I2 0-97, H2 1-30, in turn), log-uniform |x| in [1e-6, 1e17], random bit patterns (most of them
 * outside the fast path: snprintf), and snprintf "%.17g" on the GOSH-like set for scale. Each
 * set is formatted REPS times (default 20); prints the fastest pass in ns per value, so that a
 * loaded machine's noise is mostly left out. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#include "cmeta/report.h"

#define NV 65536

static uint64_t st = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void)
{
    uint64_t z = (st += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static double unif(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static unsigned sink;

static double pass(const double *v, int reps, int use_snprintf)
{
    char buf[64];
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        for (int i = 0; i < NV; i++) {
            int n = use_snprintf ? snprintf(buf, sizeof buf, "%.17g", v[i]) : cmeta_fmt17g(buf, sizeof buf, v[i]);
            sink += (unsigned)n + (unsigned char)buf[n - 1];
        }
        double dt = (now() - t0) * 1e9 / NV;
        if (dt < best) best = dt;
    }
    return best;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 20;
    if (reps < 1) reps = 1;
    static double gosh[NV], logu[NV], bits[NV];
    for (int i = 0; i < NV; i++) {
        switch (i % 4) {
        case 0: gosh[i] = 0.1 + 0.6 * unif(); break;
        case 1: gosh[i] = 100 * unif(); break;
        case 2: gosh[i] = 97 * unif(); break;
        default: gosh[i] = 1 + 29 * unif(); break;
        }
        double x = pow(10.0, -6 + 23 * unif());
        logu[i] = rnd() & 1 ? x : -x;
        uint64_t u = rnd();
        memcpy(&bits[i], &u, sizeof u);
    }
    printf("cmeta_fmt17g, ns per value (fastest of %d passes over %d values)\n", reps, NV);
    printf("  GOSH-like (estimate, Q, I2, H2)   %6.1f\n", pass(gosh, reps, 0));
    printf("  log-uniform |x| in [1e-6, 1e17]   %6.1f\n", pass(logu, reps, 0));
    printf("  random bit patterns               %6.1f\n", pass(bits, reps, 0));
    printf("snprintf \"%%.17g\", GOSH-like          %6.1f\n", pass(gosh, reps, 1));
    return sink == 1u ? 1 : 0;
}
