/* batch_dir.c - name decisions of `cmeta batch` (batch_dir.h); no I/O. */
#include "batch_dir.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_batch_ends_with_csv(const char *s)
{
    size_t n = strlen(s);
    if (n < 5) return 0; /* at least one character before ".csv" */
    const char *e = s + n - 4;
    return e[0] == '.' && (e[1] | 32) == 'c' && (e[2] | 32) == 's' && (e[3] | 32) == 'v';
}

static const char *digits(const char *p, long max, long *out)
{
    const char *q = p;
    long v = 0;
    while (*q >= '0' && *q <= '9') {
        if (q - p >= 10) return NULL;
        v = v * 10 + (*q - '0');
        q++;
    }
    if (q == p || v <= 0 || v > max || *p == '0') return NULL;
    *out = v;
    return q;
}

int cli_batch_is_summary(const char *name)
{
    if (strcmp(name, "summary.csv") == 0) return 1;
    if (strncmp(name, "summary.shard-", 14) != 0) return 0;
    long i, n;
    const char *p = digits(name + 14, LONG_MAX, &i);
    if (!p || strncmp(p, "-of-", 4) != 0) return 0;
    p = digits(p + 4, LONG_MAX, &n);
    return p && strcmp(p, ".csv") == 0 && i <= n;
}

int cli_batch_is_index(const char *name)
{
    if (strcmp(name, "index.html") == 0) return 1;
    if (strncmp(name, "index.shard-", 12) != 0) return 0;
    long i, n;
    const char *p = digits(name + 12, LONG_MAX, &i);
    if (!p || strncmp(p, "-of-", 4) != 0) return 0;
    p = digits(p + 4, LONG_MAX, &n);
    return p && strcmp(p, ".html") == 0 && i <= n;
}

long cli_batch_staging_pid(const char *name)
{
    static const char pre[] = ".cmeta-staging.";
    if (strncmp(name, pre, sizeof pre - 1) != 0) return 0;
    long pid;
    const char *p = digits(name + sizeof pre - 1, INT_MAX, &pid);
    return p && !*p ? pid : 0;
}

static int alnum6(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z')))
            return 0;
    return n == 6;
}

int cli_batch_temp_name(const char *name, long *pid)
{
    static const char legacy[] = ".batch-err.tmp.";
    if (strncmp(name, legacy, sizeof legacy - 1) == 0 && alnum6(name + sizeof legacy - 1)) {
        *pid = 0;
        return 1;
    }
    /* the last ".tmp." followed by PID "." and six letters or digits, with a non-empty base */
    const char *t = NULL;
    for (const char *p = strstr(name, ".tmp."); p; p = strstr(p + 1, ".tmp.")) t = p;
    if (!t || t == name) return 0;
    long v;
    const char *q = digits(t + 5, INT_MAX, &v);
    if (!q || *q != '.' || !alnum6(q + 1)) return 0;
    *pid = v;
    return 1;
}

int cli_batch_classify(const batch_entry *e, const char **reason)
{
    *reason = NULL;
    if (!cli_batch_ends_with_csv(e->name)) return BATCH_IGNORE;
    if (e->is_outdir) *reason = "the --out directory of this run (never read as input)";
    else if (e->dir_is_outdir && cli_batch_is_summary(e->name))
        *reason = "a summary written by cmeta batch (--out is this directory)";
    else if (e->name[0] == '.') *reason = "hidden file (name starts with '.')";
    else if (e->stat_errno == ELOOP) *reason = "symbolic link loop";
    else if (e->stat_errno == ENOENT) *reason = "broken symbolic link (its target does not exist)";
    else if (e->stat_errno) *reason = "cannot be examined (stat failed)";
    else if (S_ISDIR(e->mode)) *reason = "a directory, not a file (directories are not searched)";
    else if (!S_ISREG(e->mode)) *reason = "not a regular file (device, FIFO or socket)";
    else if (!e->readable) *reason = "not readable (permission denied)";
    return *reason ? BATCH_SKIP : BATCH_INPUT;
}

int cli_batch_commit_kind(const char *name)
{
    long pid;
    if (!name[0] || name[0] == '.' || strchr(name, '/') || cli_batch_temp_name(name, &pid)) return BATCH_LEAVE;
    return cli_batch_is_summary(name) || cli_batch_is_index(name) ? BATCH_MOVE_LAST : BATCH_MOVE;
}

size_t cli_batch_stem(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (cli_batch_ends_with_csv(b)) n -= 4;
    if (n == 0) b = "input", n = 5;
    if (n >= cap) n = cap - 1;
    memcpy(out, b, n);
    out[n] = '\0';
    if (out[0] == '.') out[0] = '_';
    return n;
}
