/* fault_cost.c - what one page fault costs on this machine: the first write to each of 2000
 * pages of a fresh anonymous mapping, timed (CLOCK_MONOTONIC), in microseconds per fault. On
 * bare metal ~0.1-0.3 us; on this project's Firecracker VM (2026-12-02) 12.5 us, which bounds
 * every whole-process figure of bench/README.md ("Issue 15, fifth pass"). make bench prints it.
 * Usage: build/bench/fault_cost */
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

int main(void)
{
    enum { PAGES = 2000, PAGE = 4096 };
    size_t n = (size_t)PAGES * PAGE;
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (size_t i = 0; i < n; i += PAGE) p[i] = 1;
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / PAGES / 1e3;
    printf("page fault (first write to a fresh anonymous page): %.2f us\n", us);
    munmap(p, n);
    return 0;
}
