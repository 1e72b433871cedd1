/* threads.c - CPUs available and the runs of items on threads (see threads.h).
 *
 * Why not OpenMP: libgomp's threads spin between parallel regions (OMP_WAIT_POLICY and
 * GOMP_SPINCOUNT are read when libgomp is loaded, before main, so the program cannot choose
 * passive waiting for its users), and `schedule(static)` gives each thread a fixed share: on
 * a loaded machine every round waited for its descheduled thread. Measured on 2 cores with
 * other jobs running: GOSH k = 22 FE to CSV 2.8 s on one thread, 30 s on two (bench/README.md).
 * Here items are claimed one at a time under a mutex and idle threads sleep on a condition
 * variable. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "threads.h"

/* ---- CPUs --------------------------------------------------------------------------- */

/* ceil(quota / period) from a cgroup v2 cpu.max file ("max 100000" or "150000 100000"); 0 when
   there is no file or no quota. */
static int quota_v2(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char q[32];
    double period = 0;
    int n = fscanf(f, "%31s %lf", q, &period);
    fclose(f);
    if (n != 2 || !strcmp(q, "max") || !(period > 0)) return 0;
    double quota = strtod(q, NULL);
    if (!(quota > 0)) return 0;
    double c = quota / period;
    return c >= 1024 ? 1024 : (int)c + (c > (int)c);
}

static int quota_v1(const char *dir)
{
    char p[512];
    double quota = -1, period = 0;
    snprintf(p, sizeof p, "%s/cpu.cfs_quota_us", dir);
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    if (fscanf(f, "%lf", &quota) != 1) quota = -1;
    fclose(f);
    snprintf(p, sizeof p, "%s/cpu.cfs_period_us", dir);
    if (!(f = fopen(p, "r"))) return 0;
    if (fscanf(f, "%lf", &period) != 1) period = 0;
    fclose(f);
    if (!(quota > 0) || !(period > 0)) return 0;
    double c = quota / period;
    return c >= 1024 ? 1024 : (int)c + (c > (int)c);
}

/* The tightest quota on the way from this process's cgroup up to the root (0: none). */
static int cgroup_quota(void)
{
    int best = 0;
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        /* "0::/path" (v2) or "N:cpu,cpuacct:/path" (v1) */
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        int v2 = c2 == c1 + 1;
        *c2 = 0;
        if (!v2 && !strstr(c1 + 1, "cpu")) continue;
        char dir[512];
        for (char *rel = c2 + 1;;) {
            int q;
            if (v2) {
                snprintf(dir, sizeof dir, "/sys/fs/cgroup%s/cpu.max", strcmp(rel, "/") ? rel : "");
                q = quota_v2(dir);
            } else {
                snprintf(dir, sizeof dir, "/sys/fs/cgroup/cpu,cpuacct%s", strcmp(rel, "/") ? rel : "");
                q = quota_v1(dir);
                if (!q) {
                    snprintf(dir, sizeof dir, "/sys/fs/cgroup/cpu%s", strcmp(rel, "/") ? rel : "");
                    q = quota_v1(dir);
                }
            }
            if (q > 0 && (best == 0 || q < best)) best = q;
            char *slash = strrchr(rel, '/');
            if (!slash || slash == rel) {
                if (strcmp(rel, "/") && rel[0]) {
                    rel[1] = 0; /* "/x" -> "/": the root once more */
                    continue;
                }
                break;
            }
            *slash = 0;
        }
    }
    if (f) fclose(f);
    return best;
}

static int cpus;
static pthread_once_t cpus_once = PTHREAD_ONCE_INIT;

static void cpus_count(void)
{
    int n = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
    if (n < 1) n = 1;
    int q = cgroup_quota();
    if (q > 0 && q < n) n = q;
    cpus = n;
}

int cmeta__cpus_available(void)
{
    pthread_once(&cpus_once, cpus_count);
    return cpus;
}

int cmeta__cpus_free(void)
{
    int n = cmeta__cpus_available();
    if (n <= 1) return 1;
    /* /proc/loadavg: "0.50 0.40 0.30 R/T LASTPID", R the tasks runnable right now (this one
       among them) */
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f) return n;
    double a, b, c;
    long r = 0, t = 0;
    int got = fscanf(f, "%lf %lf %lf %ld/%ld", &a, &b, &c, &r, &t);
    fclose(f);
    if (got != 5 || r < 1) return n;
    long free_ = (long)n - (r - 1);
    return free_ < 1 ? 1 : free_ > n ? n : (int)free_;
}

/* ---- runs ---------------------------------------------------------------------------- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t main_cv;  /* the caller: an item finished */
    pthread_cond_t work_cv;  /* workers (ordered runs): a slot came free, or stop */
    uint64_t n, next, emitted;
    unsigned nslots;
    unsigned char *done;     /* ordered: per slot, its item finished */
    int running;             /* items being worked on by the started threads */
    int stop;
    int main_waits, workers_wait;
    cmeta__work_fn work;
    cmeta__emit_fn emit;
    void *ctx;
} par;

typedef struct {
    par *p;
    int tid;
} worker_arg;

static void *worker(void *a)
{
    par *p = ((worker_arg *)a)->p;
    int tid = ((worker_arg *)a)->tid;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        /* *intr is polled by the calling thread only (a signal handler's flag), which then
           sets stop */
        if (p->stop || p->next >= p->n) break;
        if (p->emit && p->next >= p->emitted + p->nslots) {
            p->workers_wait++;
            pthread_cond_wait(&p->work_cv, &p->mu);
            p->workers_wait--;
            continue;
        }
        uint64_t i = p->next++;
        unsigned slot = p->emit ? (unsigned)(i % p->nslots) : 0;
        p->running++;
        pthread_mutex_unlock(&p->mu);
        p->work(p->ctx, i, slot, tid);
        pthread_mutex_lock(&p->mu);
        p->running--;
        if (p->emit) p->done[slot] = 1;
        if (p->main_waits) pthread_cond_signal(&p->main_cv);
    }
    if (p->main_waits) pthread_cond_signal(&p->main_cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int cmeta__par_run(int T, uint64_t n, unsigned nslots, cmeta__work_fn work, cmeta__emit_fn emit,
                   void *ctx, volatile sig_atomic_t *stop)
{
    if (T < 1) T = 1;
    if (emit && nslots < 1) nslots = 1;
    if ((uint64_t)T > n) T = n > 0 ? (int)n : 1;
    par p;
    memset(&p, 0, sizeof p);
    p.n = n;
    p.nslots = emit ? nslots : 1;
    p.work = work;
    p.emit = emit;
    p.ctx = ctx;
    unsigned char done1[64];
    p.done = emit ? (nslots <= sizeof done1 ? done1 : calloc(nslots, 1)) : NULL;
    if (emit && !p.done) T = 1;
    if (p.done) memset(p.done, 0, nslots <= sizeof done1 ? sizeof done1 : nslots);
    pthread_t th[64];
    worker_arg wa[64];
    if (T > 64) T = 64;
    int started = 0;
    if (T > 1) {
        pthread_mutex_init(&p.mu, NULL);
        pthread_cond_init(&p.main_cv, NULL);
        pthread_cond_init(&p.work_cv, NULL);
        for (int t = 1; t < T; t++) {
            wa[started].p = &p;
            wa[started].tid = t;
            if (pthread_create(&th[started], NULL, worker, &wa[started]) != 0) break;
            started++;
        }
    }
    int rc = 0;
    if (started == 0) {
        /* one thread: no locks */
        for (uint64_t i = 0; i < n; i++) {
            if (stop && *stop) {
                rc = 2;
                break;
            }
            unsigned slot = emit ? (unsigned)(i % nslots) : 0;
            work(ctx, i, slot, 0);
            if (emit && emit(ctx, i, slot)) {
                rc = 1;
                break;
            }
        }
    } else {
        pthread_mutex_lock(&p.mu);
        for (;;) {
            if (stop && *stop) {
                rc = 2;
                break;
            }
            if (emit && p.emitted < n && p.done[p.emitted % nslots]) {
                /* the next item in order is ready: hand it on (items in flight are in
                   [emitted, emitted + nslots), one per slot) */
                uint64_t i = p.emitted;
                unsigned slot = (unsigned)(i % nslots);
                p.done[slot] = 0;
                pthread_mutex_unlock(&p.mu);
                int e = emit(ctx, i, slot);
                pthread_mutex_lock(&p.mu);
                p.emitted++;
                if (p.workers_wait) pthread_cond_broadcast(&p.work_cv);
                if (e) {
                    rc = 1;
                    break;
                }
                continue;
            }
            if (emit ? p.emitted >= n : p.next >= n) break;
            if (p.next < n && (!emit || p.next < p.emitted + nslots)) {
                uint64_t i = p.next++;
                unsigned slot = emit ? (unsigned)(i % nslots) : 0;
                pthread_mutex_unlock(&p.mu);
                work(ctx, i, slot, 0);
                pthread_mutex_lock(&p.mu);
                if (emit) p.done[slot] = 1;
                continue;
            }
            p.main_waits = 1;
            pthread_cond_wait(&p.main_cv, &p.mu);
            p.main_waits = 0;
        }
        /* no more claims; wait for the items the workers hold */
        p.stop = 1;
        pthread_cond_broadcast(&p.work_cv);
        while (p.running > 0) {
            p.main_waits = 1;
            pthread_cond_wait(&p.main_cv, &p.mu);
            p.main_waits = 0;
        }
        pthread_mutex_unlock(&p.mu);
        for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.main_cv);
        pthread_cond_destroy(&p.work_cv);
    }
    if (p.done && p.done != done1) free(p.done);
    return rc;
}
