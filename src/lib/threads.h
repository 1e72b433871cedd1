/* threads.h - the library's one way of running work on several threads (private; never
 * installed): how many CPUs this process may use, and a run of n independent items on T
 * threads (the calling thread one of them), with passive waiting (mutex + condition
 * variables: a thread with nothing to do sleeps, it never spins) and items claimed one at a
 * time, so that a thread the system deschedules delays at most the item it holds.
 * Measurements behind the choices: bench/README.md ("Threads under load"). */
#ifndef CMETA_THREADS_H
#define CMETA_THREADS_H

#include <signal.h>
#include <stdint.h>

/* CPUs this process may run on: the CPUs of its affinity mask (sched_getaffinity), capped by
 * its cgroup's CPU quota rounded up (cgroup v2 cpu.max "QUOTA PERIOD", or v1
 * cpu.cfs_quota_us / cpu.cfs_period_us; no quota: no cap). At least 1. Computed once. */
int cmeta__cpus_available(void);

/* Of those, the CPUs not busy right now: cmeta__cpus_available() less the other tasks the
 * system has runnable at this moment (/proc/loadavg's running count, this task excluded), at
 * least 1. A thread started on a CPU that another task keeps busy gets a share of it, and
 * the run then waits at its end for the block that thread holds while it is not running
 * (measured: bench/README.md, "Threads under load"). Read afresh on each call (~20 us). */
int cmeta__cpus_free(void);

/* work(ctx, item, slot, tid): one item; tid in [0, T) names the thread (0 = the caller), so
 * per-thread scratch is indexed by tid; slot is item % nslots (ordered runs) or 0. */
typedef void (*cmeta__work_fn)(void *ctx, uint64_t item, unsigned slot, int tid);
/* emit(ctx, item, slot): an ordered run's item handed on, on the calling thread, in item
 * order; nonzero stops the run. */
typedef int (*cmeta__emit_fn)(void *ctx, uint64_t item, unsigned slot);

/* Runs work() for items 0..n-1 on T threads (T - 1 started here and joined before the
 * return; fewer when the system refuses one: then the caller does more of the work).
 *   emit == NULL: any order; nslots ignored (slot 0).
 *   emit != NULL: ordered: at most nslots items are computed ahead of the one emitted next,
 *     item i in slot i % nslots (a slot's buffers are the caller's), and emit(i) is called
 *     on the calling thread in order 0, 1, ..., n-1 once work(i) returned. The calling thread
 *     emits what is ready and otherwise computes an item itself, so the run is never held
 *     up by a thread that is not running.
 * stop (may be NULL; a signal handler's flag) is polled by the calling thread before each item
 * it claims or emits; once set, no thread claims another item.
 * Returns 0 when every item was done (and emitted), 1 when emit returned nonzero, 2 when
 * *stop was set (items claimed before then were finished; an unordered run's other items
 * were not). */
int cmeta__par_run(int T, uint64_t n, unsigned nslots, cmeta__work_fn work, cmeta__emit_fn emit,
                   void *ctx, volatile sig_atomic_t *stop);

#endif
