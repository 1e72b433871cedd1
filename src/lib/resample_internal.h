/* resample_internal.h - what the resampling analyses (boot.c, permtest.c, gosh.c) share: seeding and
 * the choice of threads (private; never installed). Timings behind the thresholds: bench/README.md. */
#ifndef CMETA_RESAMPLE_INTERNAL_H
#define CMETA_RESAMPLE_INTERNAL_H

#include <stddef.h>

#include "internal.h"

/* Threads for a resampling run of `reps` replicates of k studies in `nblocks` blocks.
 * requested > 0: that many (the caller asked). requested <= 0: OpenMP's maximum, but one
 * thread when the estimated single-thread work is below min_ns, and never more threads than
 * blocks. A run that hands rows to a callback in order works in rounds of one block per
 * thread with the callback between rounds: there threads cost more than they save below
 * ~50 ms (start-up, and on a loaded machine every round waits for a descheduled thread); a
 * run in one parallel region (GOSH summary only, permutation tests but exact permutations of
 * the design rows) gains from ~1 ms. Estimate (bench/README.md): ~2 ns per replicate and study for FE/DL, ~150 ns for the
 * iterative estimators (~8 passes: FE, HE, ~5 iterations, final). Results never depend on
 * the thread count; this only decides speed. */
int cmeta__auto_threads(int requested, double reps, size_t k, int iterative,
                        unsigned long long nblocks, double min_ns);

/* The calling thread's number inside an OpenMP parallel region (0 outside, or without
 * OpenMP): which per-thread workspace a block uses. */
int cmeta__thread_num(void);


/* The inputs every resampling analysis checks before any arithmetic: yi finite, vi > 0 and
 * finite, the q moderator columns of X (k x q, may be NULL with q = 0) finite. CMETA_EDATA
 * naming the analysis (`who`), the study (1-based) and the rule. */
cmeta_status cmeta__check_yivi(const char *who, const double *yi, const double *vi, size_t k,
                               const double *X, size_t q, cmeta_error *err);

/* 64-bit mixing of (seed, stream) into a generator seed (splitmix64 finaliser). */
unsigned long cmeta__seed_mix(unsigned long seed, unsigned long long stream);

#endif
