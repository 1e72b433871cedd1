/* timeit.c - wall time of a whole process, for bench/run.sh.
 *
 * Usage: build/bench/timeit RUNS COMMAND [ARG ...]
 * Runs COMMAND once to warm the page cache, then RUNS times, each started with posix_spawn
 * and timed from just before the spawn to the return of waitpid (CLOCK_MONOTONIC), with
 * standard output and standard error sent to /dev/null. Prints "MEDIAN MIN" in seconds.
 * Exit status 1 when a run fails (non-zero exit or a signal), 2 on a usage error.
 *
 * Why not `date` around the command in the shell: each `$(date ...)` is a fork and exec of
 * its own (~1 ms here), as much as a third of a GOSH run it would be timing. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One run; its wall time in seconds, or a negative value when it failed. */
static double run_once(char **argv, const posix_spawn_file_actions_t *fa)
{
    pid_t pid;
    int status;
    double t0 = now();
    if (posix_spawnp(&pid, argv[0], fa, NULL, argv, environ) != 0) return -1;
    if (waitpid(pid, &status, 0) != pid) return -1;
    double t = now() - t0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? t : -1;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: timeit RUNS COMMAND [ARG ...]\n");
        return 2;
    }
    int runs = atoi(argv[1]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    double *t = malloc(sizeof *t * (size_t)runs);
    if (!t) return 2;
    int bad = run_once(argv + 2, &fa) < 0;
    for (int i = 0; i < runs && !bad; i++) bad = (t[i] = run_once(argv + 2, &fa)) < 0;
    posix_spawn_file_actions_destroy(&fa);
    if (bad) {
        fprintf(stderr, "timeit: %s failed\n", argv[2]);
        free(t);
        return 1;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    double med = runs % 2 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]);
    printf("%.6f %.6f\n", med, t[0]);
    free(t);
    return 0;
}
