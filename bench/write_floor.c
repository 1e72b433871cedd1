/* write_floor.c - the floor of writing a file, for bench/threads.sh (issue 15, item 5).
 *
 * Usage: build/bench/write_floor BYTES FILE
 * Writes BYTES bytes of CSV-like text (a 1 MB buffer of rows, written again and again) to
 * FILE in 1 MB write(2) calls, then one fsync, then closes and removes it; prints the wall
 * seconds from open to the end of fsync. This is what `cmeta gosh -o FILE` cannot beat:
 * the same bytes reaching the disk once, with no computing and no formatting. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: write_floor BYTES FILE\n");
        return 2;
    }
    long long bytes = atoll(argv[1]);
    size_t cap = (size_t)1 << 20, len = 0;
    char *buf = malloc(cap);
    if (!buf || bytes < 0) return 2;
    const char *row = "1234567,12,0.29811105063025751,48.459239582853705,73.17333059307893,3.7276338140656695,0\n";
    size_t rl = strlen(row);
    while (len + rl <= cap) {
        memcpy(buf + len, row, rl);
        len += rl;
    }
    double t0 = now();
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(argv[2]);
        return 1;
    }
    for (long long left = bytes; left > 0;) {
        size_t n = left < (long long)len ? (size_t)left : len;
        ssize_t w = write(fd, buf, n);
        if (w <= 0) {
            perror("write");
            return 1;
        }
        left -= w;
    }
    if (fsync(fd) != 0) {
        perror("fsync");
        return 1;
    }
    double t = now() - t0;
    close(fd);
    unlink(argv[2]);
    free(buf);
    printf("%.6f\n", t);
    return 0;
}
