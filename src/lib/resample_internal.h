/* resample_internal.h - what the resampling analyses (boot.c, permtest.c, gosh.c) share: seeding and
 * the choice of threads (private; never installed). Timings behind the thresholds: bench/README.md. */
#ifndef CMETA_RESAMPLE_INTERNAL_H
#define CMETA_RESAMPLE_INTERNAL_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "internal.h"
#include "batchfit.h"

/* Estimated single-thread work (ns) below which a run takes one thread: 30 ms. A second thread
 * costs its creation, wake-ups and the page faults of its workspace (~12 us each on this
 * project's VM): measured there, `permtest` k = 50 REML took 10.9 ms on one thread and 12.5 ms
 * on two at 1000 permutations (7.5 ms estimated), 19.6 against 21.9 ms at 3000 (22 ms
 * estimated), and two won from 5000 on (37 ms estimated: 29.4 against 26.9 ms) (bench/README.md,
 * "Issue 15, fifth pass"). The earlier 1 ms, measured where a page fault took well under a
 * microsecond, made two threads slower than one here. */
#define CMETA__THREADS_MIN_NS 30e6

/* Threads for a resampling run of `reps` replicates of k studies in `nblocks` blocks.
 * requested > 0: that many (the caller asked; at most 64). requested <= 0: the CPUs this
 * process may use (affinity mask and cgroup CPU quota) that no other task keeps busy right
 * now (cmeta__cpus_free), but one thread when the estimated single-thread work is below
 * CMETA__THREADS_MIN_NS, and never more threads than blocks. The work is estimated at 2 ns per
 * replicate and study for FE/DL and 150 ns for the iterative estimators. The threads
 * (threads.c) claim one block at a time and sleep when idle, and the calling thread always
 * works too, so a thread the system does not run costs little.
 * Results never depend on the thread count; this only decides speed. */
int cmeta__auto_threads(int requested, double reps, size_t k, int iterative,
                        unsigned long long nblocks);

/* The one per-thread workspace of the resampling analyses (boot.c, permtest.c, gosh.c): the
 * batched fits and their buffers for a block of up to bmax replicates of k studies, and the
 * block's generator. Each analysis allocates the members it uses (the others stay NULL) once
 * per thread and run; cmeta__rs_ws_free releases whatever is there (zeroed workspace: no-op). */
typedef struct {
    cmeta__bfit_ws *bf;               /* the batched fits (NULL where a run needs none) */
    double *Y, *V, *C;                /* bmax x k: outcomes, variances, multiplicities */
    double *est, *Q, *tau2, *I2, *H2; /* bmax: per replicate results */
    double *z, *QM;                   /* bmax x p and bmax: Wald statistics, omnibus test */
    int *ok;                          /* bmax: fit succeeded */
    size_t *perm, *used;              /* k: a permutation, and per-group counts */
    gsl_rng *rng;
} cmeta__rs_ws;
void cmeta__rs_ws_free(cmeta__rs_ws *w);

/* The inputs every resampling analysis checks before any arithmetic: yi finite, vi > 0 and
 * finite, the q moderator columns of X (k x q, may be NULL with q = 0) finite. CMETA_EDATA
 * naming the analysis (`who`), the study (1-based) and the rule. */
cmeta_status cmeta__check_yivi(const char *who, const double *yi, const double *vi, size_t k,
                               const double *X, size_t q, cmeta_error *err);

/* 64-bit mixing of (seed, stream) into a generator seed (splitmix64 finaliser). */
unsigned long cmeta__seed_mix(unsigned long seed, unsigned long long stream);

#endif
