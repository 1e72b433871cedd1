/* fuzz_batchdir.c - libFuzzer target: the directory decisions of `cmeta batch`
 * (src/cli/batch_dir.c, compiled in here: the CLI is not in libcmeta.a).
 * Input: a generated directory listing. Byte 0 bit 0: the directory scanned is the --out
 * directory. Then entries separated by '\n': the first byte of each gives what stat saw
 * (bits 0-1: ok / ELOOP / ENOENT / EACCES; bits 2-3: regular / directory / FIFO / symlink-free
 * other; bit 4 readable; bit 5 the entry is the --out directory), the rest is the name.
 * Checks, aborting on a breach:
 *  - classify: not *.csv -> ignored (never reported); an input is a readable regular
 *    non-hidden file that is neither the --out directory nor its summary; every other *.csv
 *    entry is skipped with a reason (printable text);
 *  - a staging name parses to its PID and back; summary.shard-I-of-N.csv is a summary iff
 *    1 <= I <= N;
 *  - the output stem of any name (as a path) makes STEM.json / STEM.svg that the commit moves
 *    (never left behind as hidden, temporary or staging) and that is never a summary; the
 *    commit moves every summary last and never moves a hidden or temporary name. */
#define _DEFAULT_SOURCE /* S_IFREG... under -std=c11 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../src/cli/batch_dir.c"

static void check_name(const char *name, int dir_is_out, unsigned attr)
{
    static const int errs[4] = {0, ELOOP, ENOENT, EACCES};
    static const mode_t modes[4] = {S_IFREG, S_IFDIR, S_IFIFO, S_IFCHR};
    batch_entry e = {0};
    e.name = name;
    e.stat_errno = errs[attr & 3];
    e.mode = modes[(attr >> 2) & 3] | 0644;
    e.readable = (attr >> 4) & 1;
    e.is_outdir = (attr >> 5) & 1;
    e.dir_is_outdir = dir_is_out;
    const char *why = (const char *)1;
    int k = cli_batch_classify(&e, &why);
    int csv = cli_batch_ends_with_csv(name);
    if (!csv && (k != BATCH_IGNORE || why)) abort();
    if (csv && k == BATCH_IGNORE) abort();
    if (k == BATCH_INPUT) {
        if (why || name[0] == '.' || e.stat_errno || !S_ISREG(e.mode) || !e.readable || e.is_outdir) abort();
        if (dir_is_out && cli_batch_is_summary(name)) abort();
    }
    if (k == BATCH_SKIP) {
        if (!why || !*why) abort();
        for (const char *p = why; *p; p++)
            if ((unsigned char)*p < 32 || (unsigned char)*p > 126) abort();
    }
    /* staging names */
    long pid = cli_batch_staging_pid(name);
    if (pid) {
        char back[64];
        snprintf(back, sizeof back, ".cmeta-staging.%ld", pid);
        if (pid <= 0 || pid > INT_MAX || strcmp(back, name)) abort();
        if (cli_batch_commit_kind(name) != BATCH_LEAVE) abort();
    }
    /* temporary names are never moved into OUT */
    long tp;
    if (cli_batch_temp_name(name, &tp) && cli_batch_commit_kind(name) != BATCH_LEAVE) abort();
    if (name[0] == '.' && cli_batch_commit_kind(name) != BATCH_LEAVE) abort();
    if (cli_batch_commit_kind(name) == BATCH_MOVE_LAST && !cli_batch_is_summary(name) && !cli_batch_is_index(name))
        abort();
    if (cli_batch_is_index(name) && cli_batch_commit_kind(name) != BATCH_MOVE_LAST) abort();
    /* the outputs of an input named NAME are moved by the commit, and are not summaries */
    size_t n = strlen(name);
    char *stem = malloc(n + 32);
    if (!stem) return;
    size_t sl = cli_batch_stem(name, stem, n + 32);
    if (sl != strlen(stem) || sl == 0 || stem[0] == '.') abort();
    const char *exts[2] = {".json", ".svg"};
    for (int i = 0; i < 2; i++) {
        char *o = malloc(sl + 8);
        if (!o) break;
        snprintf(o, sl + 8, "%s%s", stem, exts[i]);
        long p2;
        if (!strchr(o, '/') && (cli_batch_commit_kind(o) != BATCH_MOVE || cli_batch_temp_name(o, &p2) ||
                                cli_batch_staging_pid(o) || cli_batch_is_summary(o)))
            abort();
        free(o);
    }
    /* a report NAME.html is moved like the others unless it would be the index page, a name
     * batch --report gives another stem (assign_names: "-2", ...) */
    char *h = malloc(sl + 8);
    if (h) {
        snprintf(h, sl + 8, "%s.html", stem);
        long p3;
        if (!strchr(h, '/') && !cli_batch_is_index(h) &&
            (cli_batch_commit_kind(h) != BATCH_MOVE || cli_batch_temp_name(h, &p3)))
            abort();
        free(h);
    }
    free(stem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int dir_is_out = data[0] & 1;
    /* the shard summary grammar from bytes 0-1 */
    if (size >= 3) {
        long i = (long)data[1] - 8, nn = (long)data[2] - 8;
        char s[80];
        snprintf(s, sizeof s, "summary.shard-%ld-of-%ld.csv", i, nn);
        if (cli_batch_is_summary(s) != (i >= 1 && nn >= 1 && i <= nn)) abort();
        long pid = (long)data[1] * 65536 + data[2] + 1;
        snprintf(s, sizeof s, ".cmeta-staging.%ld", pid);
        if (cli_batch_staging_pid(s) != pid) abort();
    }
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *p = buf, *end = buf + size - 1;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) nl = end;
        *nl = '\0';
        if (nl > p) {
            unsigned attr = (unsigned char)p[0];
            const char *name = p + 1;
            if (*name && !strchr(name, '/')) check_name(name, dir_is_out, attr);
        }
        p = nl + 1;
    }
    free(buf);
    return 0;
}
