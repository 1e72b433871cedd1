/* test_threads.c - the library's runs of items on threads (src/lib/threads.c): every item
 * done exactly once, an ordered run's items handed on in order and never more than nslots
 * ahead, stop and a refusing emit; the CPU counts. No timing is asserted. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "threads.h"

typedef struct {
    int *count;        /* per item: times worked */
    uint64_t *slot_of; /* per slot: the item it holds (ordered) */
    uint64_t emitted, n;
    unsigned nslots;
    int order_ok, slot_ok, tid_ok, T;
    uint64_t stop_after; /* emit returns 1 at this item (ordered), or sets *flag */
    volatile sig_atomic_t *flag;
} run_t;

static void spin(uint64_t i)
{
    volatile double x = 0;
    for (uint64_t j = 0; j < (i % 7) * 200; j++) x += (double)j;
}

static void work(void *c, uint64_t item, unsigned slot, int tid)
{
    run_t *r = c;
    __atomic_add_fetch(&r->count[item], 1, __ATOMIC_RELAXED);
    if (tid < 0 || tid >= r->T) r->tid_ok = 0;
    if (r->nslots) {
        if (slot != item % r->nslots) r->slot_ok = 0;
        r->slot_of[slot] = item;
    }
    spin(item);
}

static int emit(void *c, uint64_t item, unsigned slot)
{
    run_t *r = c;
    if (item != r->emitted || r->count[item] != 1 || r->slot_of[slot] != item) r->order_ok = 0;
    r->emitted++;
    if (r->flag && item == r->stop_after) *r->flag = 1;
    return !r->flag && item == r->stop_after;
}

static void test_unordered(void)
{
    for (int T = 1; T <= 5; T++)
        for (uint64_t n = 0; n <= 300; n += 37) {
            run_t r;
            memset(&r, 0, sizeof r);
            r.count = calloc(n + 1, sizeof *r.count);
            r.T = T;
            r.tid_ok = 1;
            CU_ASSERT_EQUAL(cmeta__par_run(T, n, 0, work, NULL, &r, NULL), 0);
            int once = 1;
            for (uint64_t i = 0; i < n; i++) once &= r.count[i] == 1;
            CU_ASSERT(once);
            CU_ASSERT(r.tid_ok);
            free(r.count);
        }
}

static void test_ordered(void)
{
    for (int T = 1; T <= 5; T++)
        for (unsigned ns = 1; ns <= 9; ns += 4)
            for (uint64_t n = 0; n <= 300; n += 61) {
                run_t r;
                memset(&r, 0, sizeof r);
                r.count = calloc(n + 1, sizeof *r.count);
                r.slot_of = calloc(ns, sizeof *r.slot_of);
                r.T = T;
                r.nslots = ns;
                r.order_ok = r.slot_ok = r.tid_ok = 1;
                r.stop_after = UINT64_MAX;
                CU_ASSERT_EQUAL(cmeta__par_run(T, n, ns, work, emit, &r, NULL), 0);
                CU_ASSERT_EQUAL(r.emitted, n);
                CU_ASSERT(r.order_ok);
                CU_ASSERT(r.slot_ok);
                CU_ASSERT(r.tid_ok);
                free(r.count);
                free(r.slot_of);
            }
}

/* emit refusing at item 50: items 0..50 emitted, nothing after; every item at most once */
static void test_stops(void)
{
    for (int T = 1; T <= 4; T++)
        for (int use_flag = 0; use_flag <= 1; use_flag++) {
            volatile sig_atomic_t flag = 0;
            run_t r;
            memset(&r, 0, sizeof r);
            uint64_t n = 400;
            r.count = calloc(n, sizeof *r.count);
            r.slot_of = calloc(8, sizeof *r.slot_of);
            r.T = T;
            r.nslots = 8;
            r.order_ok = r.slot_ok = r.tid_ok = 1;
            r.stop_after = 50;
            r.flag = use_flag ? &flag : NULL;
            int rc = cmeta__par_run(T, n, 8, work, emit, &r, use_flag ? &flag : NULL);
            CU_ASSERT_EQUAL(rc, use_flag ? 2 : 1);
            CU_ASSERT_EQUAL(r.emitted, 51);
            CU_ASSERT(r.order_ok);
            int most_once = 1;
            for (uint64_t i = 0; i < n; i++) most_once &= r.count[i] <= 1;
            CU_ASSERT(most_once);
            free(r.count);
            free(r.slot_of);
        }
    /* unordered: a flag set before the run stops it at once */
    volatile sig_atomic_t flag = 1;
    run_t r;
    memset(&r, 0, sizeof r);
    r.count = calloc(100, sizeof *r.count);
    r.T = 3;
    r.tid_ok = 1;
    CU_ASSERT_EQUAL(cmeta__par_run(3, 100, 0, work, NULL, &r, &flag), 2);
    free(r.count);
}

static void test_cpus(void)
{
    int a = cmeta__cpus_available(), f = cmeta__cpus_free();
    CU_ASSERT(a >= 1);
    CU_ASSERT(f >= 1 && f <= a);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("threads", NULL, NULL);
    CU_add_test(s, "unordered: every item once, T = 1..5", test_unordered);
    CU_add_test(s, "ordered: in order, slots, T = 1..5", test_ordered);
    CU_add_test(s, "emit refusing, stop flag", test_stops);
    CU_add_test(s, "CPUs available and free", test_cpus);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails != 0;
}
