/* parse_floor.c - the floor of reading a numeric CSV: read the whole file (one fread into
 * memory), then strtod every field (fields split at ',' and line ends; the header line is
 * skipped). This is the least any CSV-to-numbers program does, and what issue 15 calls the
 * strtod floor of `cmeta escalc`. bench/run_parse.sh times it as a whole process beside
 * `cmeta escalc` (timeit.c).
 * Usage: build/bench/parse_floor FILE   (prints the number of fields and their sum) */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: parse_floor FILE\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) {
        perror(argv[1]);
        return 1;
    }
    size_t cap = 1 << 20, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            char *b = realloc(buf, 2 * cap + 1);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(fp);
    if (!buf) return 1;
    buf[n] = '\0';
    char *p = buf;
    while (*p && *p != '\n') p++; /* header */
    double sum = 0;
    size_t nf = 0;
    while (*p) {
        while (*p == '\n' || *p == '\r' || *p == ',') p++;
        if (!*p) break;
        char *end;
        sum += strtod(p, &end);
        nf++;
        p = end > p ? end : p + 1;
        while (*p && *p != ',' && *p != '\n') p++;
    }
    printf("%zu fields, sum %.17g\n", nf, sum);
    free(buf);
    return 0;
}
