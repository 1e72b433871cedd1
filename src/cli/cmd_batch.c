/* cmd_batch.c - `cmeta batch FILE... | DIR --out DIR`: the pool analysis over many trial CSVs.
 *
 * Every input file is analysed exactly as `cmeta pool FILE OPTIONS --format json -o OUT/NAME.json`
 * would analyse it: worker processes (fork; up to --jobs, each taking one file after another,
 * WORKER_FILES at most) call the pool command with the user's options (cli_pool_main: the same
 * in-process path as `cmeta pool`), so the per-file JSON is the pool command's JSON by
 * construction and a file that makes the analysis fail - or even crash - costs only its own
 * row (a worker that dies is replaced). For each file a worker sends its key figures
 * (cli_pool_key) through a pipe, or leaves the error line it printed; the parent writes one
 * summary row per input file, in sorted file order:
 *
 *     file,k,estimate,ci_lb,ci_ub,tau2,I2,Q_pval,status,error
 *
 * estimate and its CI are on the analysis scale (the JSON's top-level `estimate`, e.g. log RR).
 * Files are sorted by name (byte order, locale independent) before --shard I/N keeps every N-th
 * (positions I, I+N, ...), so each task of a Slurm/SGE job array gets a fixed, disjoint share.
 * With --shard the summary is OUT/summary.shard-I-of-N.csv, so shards can share one OUT.
 * A *.csv entry of an input directory that is not analysed (hidden, a directory, a link loop,
 * unreadable, OUT itself or its summary: batch_dir.c) is a row with status "skipped".
 *
 * A run is a transaction on OUT (issue 14): it holds a record lock on OUT/.cmeta-batch.lock;
 * workers (own process group, PR_SET_PDEATHSIG) write only into OUT/.cmeta-staging.PID; the
 * parent then writes the summary there, makes staging durable (--durable group: syncfs;
 * per-file: each file fsync'ed by cli_out), writes the commit record .commit and moves the
 * outputs into OUT, the summary last (commit_staging). Before the record nothing in OUT has
 * changed; after it, the commit is finished by this run or, after a crash, by the next one
 * (out_recover). SIGINT/SIGTERM before the record: workers killed, staging removed, exit 130.
 * Exit status: 0 every file ok, 2 at least one file failed (rows say which and why),
 * 1 usage error, 4 OUT not writable or locked by another run, or an output not writable.
 */
#define _GNU_SOURCE /* syncfs */
#if defined(__has_include)
#if __has_include("cmeta/plot.h")
#define BATCH_HAVE_PLOTS 1
#endif
#endif
#ifndef BATCH_HAVE_PLOTS
#define BATCH_HAVE_PLOTS 0
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batch_dir.h"
#include "cli.h"
#include "cli_html.h"

typedef struct {
    char *path;      /* input path as given or found */
    char *name;      /* output stem: basename without .csv, made unique */
    const char *skip; /* not analysed: why (static text), else NULL */
    /* result */
    int ok;
    double k, estimate, ci_lb, ci_ub, tau2, I2, Q_pval;
    char *error;     /* NULL when ok */
} batch_file;

typedef struct {
    batch_file *v;
    size_t n, cap;
} file_list;

static int list_push(file_list *l, const char *path)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        batch_file *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    memset(&l->v[l->n], 0, sizeof l->v[l->n]);
    l->v[l->n].path = strdup(path);
    if (!l->v[l->n].path) return -1;
    l->n++;
    return 0;
}

static void list_free(file_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].name);
        free(l->v[i].error);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* The --out directory's identity (when it exists before the run): it is never scanned as
 * input, and its own summaries are skipped when it is also an input directory. */
typedef struct {
    int exists;
    dev_t dev;
    ino_t ino;
} dir_id;

/* Add every *.csv entry of directory dir (not recursive): regular readable files as inputs,
 * the rest (hidden files, directories, symbolic link loops, unreadable files, the output
 * directory and its summaries) as skipped rows with the reason (cli_batch_classify). */
static int add_dir(file_list *l, const char *dir, const dir_id *out)
{
    DIR *d = opendir(dir);
    if (!d) return cli_failf(4, "%s: cannot read directory: %s", dir, strerror(errno));
    struct stat ds;
    int dir_is_out = out->exists && fstat(dirfd(d), &ds) == 0 && ds.st_dev == out->dev && ds.st_ino == out->ino;
    struct dirent *e;
    int rc = 0;
    size_t dn = strlen(dir);
    while ((e = readdir(d)) != NULL) {
        if (!cli_batch_ends_with_csv(e->d_name)) continue;
        size_t len = dn + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (!p) { rc = cli_failf(4, "out of memory"); break; }
        if (dn && dir[dn - 1] == '/') snprintf(p, len, "%s%s", dir, e->d_name);
        else snprintf(p, len, "%s/%s", dir, e->d_name);
        struct stat st;
        batch_entry be = {0};
        be.name = e->d_name;
        if (stat(p, &st) != 0) be.stat_errno = errno ? errno : EIO;
        else {
            be.mode = st.st_mode;
            be.readable = access(p, R_OK) == 0;
            be.is_outdir = out->exists && st.st_dev == out->dev && st.st_ino == out->ino;
        }
        be.dir_is_outdir = dir_is_out;
        const char *why;
        int kind = cli_batch_classify(&be, &why);
        if (kind != BATCH_IGNORE) {
            if (list_push(l, p) != 0) rc = cli_failf(4, "out of memory");
            else l->v[l->n - 1].skip = why;
        }
        free(p);
        if (rc) break;
    }
    closedir(d);
    return rc;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(((const batch_file *)a)->path, ((const batch_file *)b)->path);
}

/* Output stem of each file: its basename without ".csv"; a stem already used by an earlier
 * file (in sorted order) gets "-2", "-3", ... Computed on the whole sorted list, before
 * sharding, so every shard names a file the same way. Skipped entries get no name. With
 * --report (report = 1) a stem whose NAME.html would be the index page (index.csv,
 * index.shard-1-of-2.csv) is taken too: it gets "-2". */
static int assign_names(file_list *l, int report)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].skip) continue;
        size_t cap = strlen(l->v[i].path) + 24;
        char *name = malloc(cap);
        if (!name) return -1;
        size_t n = cli_batch_stem(l->v[i].path, name, cap);
        for (unsigned long suffix = 2;; suffix++) {
            size_t j;
            for (j = 0; j < i; j++)
                if (l->v[j].name && strcmp(l->v[j].name, name) == 0) break;
            int reserved = 0;
            if (report && j == i) {
                size_t nl = strlen(name);
                char *h = malloc(nl + 6);
                if (!h) return -1;
                snprintf(h, nl + 6, "%s.html", name);
                reserved = cli_batch_is_index(h);
                free(h);
            }
            if (j == i && !reserved) break;
            snprintf(name + n, cap - n, "-%lu", suffix);
        }
        l->v[i].name = name;
    }
    return 0;
}

static int mkdir_p(const char *dir)
{
    char *p = strdup(dir);
    if (!p) return cli_failf(4, "out of memory");
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                int e = errno;
                free(p);
                return cli_failf(4, "%s: cannot create directory: %s", dir, strerror(e));
            }
            *s = c;
            if (!c) break;
        }
    }
    free(p);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cli_failf(4, "%s: not a directory", dir);
    return 0;
}

static char *path_join(const char *dir, const char *name, const char *ext)
{
    size_t len = strlen(dir) + strlen(name) + strlen(ext) + 2;
    char *p = malloc(len);
    if (p) snprintf(p, len, "%s/%s%s", dir, name, ext);
    return p;
}

static char *read_whole_fd(int fd, size_t max)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            if (cap >= max) break;
            char *b = realloc(buf, cap * 2);
            if (!b) { free(buf); buf = NULL; break; }
            buf = b;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        n += (size_t)got;
    }
    if (buf) buf[n] = '\0';
    return buf;
}

/* The error a child printed: its stderr lines without the "cmeta: " prefix, joined by "; ". */
static char *error_text(const char *raw)
{
    /* each line break becomes "; " (one byte more), so at most 2n + 1 bytes */
    size_t n = strlen(raw);
    char *out = malloc(2 * n + 1), *o = out;
    if (!out) return NULL;
    const char *p = raw;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len && p[len - 1] == '\r') len--;
        if (len >= 7 && memcmp(p, "cmeta: ", 7) == 0) p += 7, len -= 7;
        if (len) {
            if (o != out) *o++ = ';', *o++ = ' ';
            memcpy(o, p, len);
            o += len;
        }
        p = eol ? eol + 1 : p + strlen(p);
    }
    *o = '\0';
    return out;
}

/* ---- the output directory: lock, staging, commit, recovery ----------------------------- */

/* The run's hold on OUT. A POSIX record lock on OUT/.cmeta-batch.lock (fcntl): a run without
 * --shard write-locks the whole file; a --shard I/N run read-locks byte 0 (shards share OUT)
 * and write-locks a byte of its own for I/N. Record locks are not inherited by fork, vanish
 * with the process (even on SIGKILL), and F_GETLK names the holder's PID. */
typedef struct {
    const char *dir;
    int dfd;          /* OUT, O_DIRECTORY */
    int lockfd;
    int exclusive;    /* no --shard: every other run is locked out */
    char *staging;    /* OUT/.cmeta-staging.PID */
    int sfd;          /* the staging directory */
    char sname[48];   /* .cmeta-staging.PID */
    int durable_group;
} outdir;

static int lock_range(int fd, short type, off_t start, off_t len, pid_t *holder)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    if (fcntl(fd, F_SETLK, &fl) == 0) return 0;
    if (errno != EACCES && errno != EAGAIN) return -1;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    *holder = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK ? fl.l_pid : 0;
    return 1;
}

static int out_lock(outdir *od, long shard_i, long shard_n)
{
    od->lockfd = openat(od->dfd, ".cmeta-batch.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (od->lockfd < 0) return cli_failf(4, "%s: cannot write: %s", od->dir, strerror(errno));
    pid_t holder = 0;
    int r;
    if (!shard_n) r = lock_range(od->lockfd, F_WRLCK, 0, 0, &holder);
    else {
        /* byte 1 + the pair's triangular number: one byte per (I, N), I <= N */
        unsigned long long n = (unsigned long long)shard_n, i = (unsigned long long)shard_i;
        off_t b = n < 3000000000ULL ? (off_t)(1 + n * (n - 1) / 2 + (i - 1)) : (off_t)1 << 62;
        r = lock_range(od->lockfd, F_RDLCK, 0, 1, &holder);
        if (r == 0) r = lock_range(od->lockfd, F_WRLCK, b, 1, &holder);
    }
    if (r < 0) return cli_failf(4, "%s: cannot lock .cmeta-batch.lock: %s", od->dir, strerror(errno));
    if (r > 0) {
        if (!holder) { /* another PID namespace: the holder wrote its PID into the file */
            char buf[24] = "";
            ssize_t got = pread(od->lockfd, buf, sizeof buf - 1, 0);
            holder = got > 0 ? (pid_t)strtol(buf, NULL, 10) : 0;
        }
        if (holder > 0)
            return cli_failf(4, "batch: %s is in use by another cmeta batch (PID %ld)", od->dir, (long)holder);
        return cli_failf(4, "batch: %s is in use by another cmeta batch", od->dir);
    }
    if (!shard_n) { /* the holder's PID for people (F_GETLK is what the program uses) */
        char buf[24];
        int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
        if (ftruncate(od->lockfd, 0) != 0 || pwrite(od->lockfd, buf, (size_t)len, 0) != len)
            return cli_failf(4, "%s: cannot write: %s", od->dir, strerror(errno ? errno : EIO));
    }
    return 0;
}

/* Remove every entry of directory fd (one level: staging holds only files), then the
 * directory itself (name in parent pfd). Returns the number of files removed. */
static size_t remove_tree(int pfd, const char *name)
{
    int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    size_t n = 0;
    if (fd >= 0) {
        DIR *d = fdopendir(fd);
        if (!d) close(fd);
        else {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
                if (unlinkat(dirfd(d), e->d_name, 0) == 0) n++;
                else if (errno == EISDIR || errno == EPERM) n += remove_tree(dirfd(d), e->d_name);
            }
            closedir(d);
        }
    }
    unlinkat(pfd, name, AT_REMOVEDIR);
    return n;
}

#define COMMIT_MARK ".commit"

/* Publish staging directory sname (in OUT) into OUT: the commit. It starts when
 * sname/.commit exists (written by the run after every file of its set is in staging and
 * durable); from then on the run's results are the new set, and this function, re-run by
 * the next batch after a crash, finishes it: every per-file output moved into OUT (rename),
 * OUT fsync'ed, the old outputs of files that failed this time removed (.commit lists them),
 * the summary moved last, OUT fsync'ed, staging removed. Each step can be repeated, so a
 * commit stopped anywhere is finished by the next run. Returns the number of files moved. */
static size_t commit_staging(int dfd, const char *sname)
{
    int sfd = openat(dfd, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sfd < 0) return 0;
    size_t moved = 0;
    int fd2 = dup(sfd);
    DIR *d = fd2 >= 0 ? fdopendir(fd2) : NULL;
    if (!d && fd2 >= 0) close(fd2);
    char **sums = NULL;
    size_t nsums = 0;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            const char *n = e->d_name;
            int kind = cli_batch_commit_kind(n);
            if (kind == BATCH_LEAVE) continue; /* the record, error files, temporary files */
            if (kind == BATCH_MOVE_LAST) {
                char **v = realloc(sums, (nsums + 1) * sizeof *v);
                if (v && (v[nsums] = strdup(n)) != NULL) sums = v, nsums++;
                else if (v) sums = v;
                continue;
            }
            /* a replaced output keeps its mode (as cli_out does for -o) */
            struct stat old;
            if (fstatat(dfd, n, &old, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(old.st_mode))
                (void)fchmodat(sfd, n, old.st_mode & 07777, 0);
            if (renameat(sfd, n, dfd, n) == 0) moved++;
        }
        closedir(d);
    }
    (void)fsync(dfd);
    /* the old outputs of files that failed in this run */
    int mfd = openat(sfd, COMMIT_MARK, O_RDONLY | O_CLOEXEC);
    if (mfd >= 0) {
        char *list = read_whole_fd(mfd, (size_t)1 << 30);
        close(mfd);
        for (char *p = list, *nl; p && *p; p = nl + 1) {
            nl = strchr(p, '\n');
            if (!nl) break;
            *nl = '\0';
            if (*p && *p != '.' && !strchr(p, '/')) unlinkat(dfd, p, 0);
        }
        free(list);
    }
    for (size_t i = 0; i < nsums; i++) {
        struct stat old;
        if (fstatat(dfd, sums[i], &old, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(old.st_mode))
            (void)fchmodat(sfd, sums[i], old.st_mode & 07777, 0);
        if (renameat(sfd, sums[i], dfd, sums[i]) == 0) moved++;
        free(sums[i]);
    }
    free(sums);
    (void)fsync(dfd);
    close(sfd);
    remove_tree(dfd, sname);
    (void)fsync(dfd);
    return moved;
}

/* Before the run's own work (OUT locked): finish the commit of any earlier run stopped during
 * its commit, remove the staging directories and temporary files of runs that ended without
 * committing; one warning line each. A run without --shard holds OUT alone, so every staging
 * directory is stale; a shard run touches only those a finished process (kill -> ESRCH) left.
 * Temporary files NAME.tmp.PID.XXXXXX go only when their writer is gone. */
static void out_recover(outdir *od)
{
    DIR *d = opendir(od->dir);
    if (!d) return;
    struct dirent *e;
    size_t ntemp = 0;
    char first[NAME_MAX + 1] = "";
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        long pid = cli_batch_staging_pid(n);
        int temp = 0;
        if (!pid) {
            temp = cli_batch_temp_name(n, &pid);
            if (!temp) continue;
        }
        if (pid == (long)getpid()) continue;
        /* a temporary file may be another command's (cmeta pool -o OUT/x.json): only when its
         * writer is gone; the old workers' error files (no PID) only when OUT is ours alone */
        int gone = pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
        if (temp ? !(gone || (pid == 0 && od->exclusive)) : !(gone || od->exclusive)) continue;
        struct stat st;
        if (fstatat(od->dfd, n, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (temp) {
            if (S_ISREG(st.st_mode) && unlinkat(od->dfd, n, 0) == 0 && !ntemp++)
                snprintf(first, sizeof first, "%s", n);
            continue;
        }
        if (!S_ISDIR(st.st_mode)) continue;
        char mark[NAME_MAX + 16];
        snprintf(mark, sizeof mark, "%s/" COMMIT_MARK, n);
        if (faccessat(od->dfd, mark, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
            size_t m = commit_staging(od->dfd, n);
            fprintf(stderr, "cmeta: warning: batch: %s: finished the commit of an earlier run (PID %ld) "
                            "that stopped while committing its results (%zu file%s moved into place)\n",
                    od->dir, pid, m, m == 1 ? "" : "s");
        } else {
            size_t m = remove_tree(od->dfd, n);
            fprintf(stderr, "cmeta: warning: batch: %s: removed the uncommitted results of an earlier run "
                            "(PID %ld) that ended without finishing (%s, %zu file%s); the results "
                            "committed before it are unchanged\n",
                    od->dir, pid, n, m, m == 1 ? "" : "s");
        }
    }
    closedir(d);
    if (ntemp)
        fprintf(stderr, "cmeta: warning: batch: %s: removed %zu temporary file%s left by runs that ended "
                        "without finishing (%s%s)\n",
                od->dir, ntemp, ntemp == 1 ? "" : "s", first, ntemp > 1 ? ", ..." : "");
}

/* ---- files in worker processes ---------------------------------------------------------- */

typedef struct {
    char **pool_args;  /* the user's pool options, forwarded to every file */
    size_t npool;
    char **plot_args;  /* the figure options (issue 17), forwarded to forest only */
    size_t nplot;
    const char *staging; /* where the workers write */
    const char *outdir;  /* OUT as given (the reports name their final path) */
    const char *cmdline; /* the batch command line, for the reports' record */
    int plots;
    int report;          /* --report: NAME.html per file (cmeta report) */
    int durable_group;
    pid_t parent;
    int closefd[2];    /* the parent's descriptors a child closes (lock, OUT) */
} batch_cfg;

/* argv for a command: CMD <pool options> [<figure options> for forest] EXTRA... -- FILE (NULL
 * terminated; the EXTRA list ends at the first NULL). "--" keeps a file name that starts with
 * '-' from being an option. */
static char **command_argv(const char *cmd, const char *file, const batch_cfg *c, int *argc,
                           const char *e1, const char *e2, const char *e3, const char *e4)
{
    int forest = !strcmp(cmd, "forest"), report = !strcmp(cmd, "report");
    char **av = calloc(c->npool + (forest || report ? c->nplot : 0) + 9, sizeof *av);
    if (!av) return NULL;
    int n = 0;
    av[n++] = (char *)cmd;
    for (size_t i = 0; i < c->npool; i++) av[n++] = c->pool_args[i];
    for (size_t i = 0; forest && i < c->nplot; i++) av[n++] = c->plot_args[i];
    /* the report's forest plot takes --rob-tool of the figure options (the others are forest's) */
    for (size_t i = 0; report && i < c->nplot; i++)
        if (!strncmp(c->plot_args[i], "--rob-tool", 10)) {
            av[n++] = c->plot_args[i];
            if (!c->plot_args[i][10] && i + 1 < c->nplot) av[n++] = c->plot_args[++i];
        }
    const char *extra[4] = {e1, e2, e3, e4};
    for (int i = 0; i < 4 && extra[i]; i++) av[n++] = (char *)extra[i];
    av[n++] = "--";
    av[n++] = (char *)file;
    av[n] = NULL;
    *argc = n;
    return av;
}

/* Runs in the child: stderr already goes to the error file. Writes NAME.json (and NAME.svg)
 * into the staging directory only. Returns the exit code; on success the pool run's key
 * figures are in *key (sent to the parent through a pipe, never read back from a file). */
static int run_one(const batch_file *f, const batch_cfg *c, cli_pool_key *key)
{
    char *json = path_join(c->staging, f->name, ".json");
    if (!json) return cli_failf(4, "out of memory");
    int argc;
    char **av = command_argv("pool", f->path, c, &argc, "--format", "json", "-o", json);
    int rc = av ? cli_pool_main(argc, av, key) : cli_failf(4, "out of memory");
    free(av);
#if BATCH_HAVE_PLOTS
    if (rc == 0 && c->plots) {
        char *svg = path_join(c->staging, f->name, ".svg");
        av = svg ? command_argv("forest", f->path, c, &argc, "-o", svg, NULL, NULL) : NULL;
        rc = av ? cmeta_cmd_forest(argc, av) : cli_failf(4, "out of memory");
        if (rc != 0) unlink(json); /* the file's outputs are all there or none */
        free(av);
        free(svg);
    }
    if (rc == 0 && c->report) {
        char *html = path_join(c->staging, f->name, ".html");
        char *shown = path_join(c->outdir, f->name, ".html");
        av = html && shown ? command_argv("report", f->path, c, &argc, "-o", html, NULL, NULL) : NULL;
        cli_report_ctx ctx = {shown, c->cmdline};
        rc = av ? cli_report_main(argc, av, &ctx) : cli_failf(4, "out of memory");
        if (rc != 0) { /* all or none */
            unlink(json);
            if (c->plots) {
                char *svg = path_join(c->staging, f->name, ".svg");
                if (svg) unlink(svg);
                free(svg);
            }
        }
        free(av);
        free(html);
        free(shown);
    }
#endif
    free(json);
    return rc;
}

#define WORKER_OUTPUT_FAILED 64

/* Files a worker analyses before it is replaced by a fresh one: bounds what a long run could
 * accumulate in one process (memory a failed analysis did not give back, caches). */
#define WORKER_FILES 256

/* A worker process analyses many files, one at a time (issue 15 item 4: a process per file cost
 * ~2-9 ms of fork, page faults and exit, more than the analysis): the parent sends a file's
 * index through cmdfd; the worker truncates its stderr file, runs the file as before (run_one)
 * and answers through resfd with one worker_msg (< PIPE_BUF bytes: atomic). A worker that dies
 * in a file (a crash, an exit) is seen as the end of resfd before its answer: the file gets the
 * row a crashed process got before, and a new worker takes the next file. EOF on cmdfd ends an
 * idle worker (exit 0). */
typedef struct {
    int rc;
    cli_pool_key key;
} worker_msg;

typedef struct {
    pid_t pid;       /* 0: no worker in this slot */
    int busy;        /* a file sent, no answer yet */
    size_t file;     /* the file being analysed */
    size_t nsent;    /* files sent to this worker */
    int errfd;       /* the worker's stderr (a file in staging, read back by the parent) */
    int cmdfd;       /* write end: file indices to the worker */
    int resfd;       /* read end: the worker's answers */
} slot;

static ssize_t read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return r < 0 ? -1 : (ssize_t)got;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static void worker_loop(file_list *l, const batch_cfg *c, int cmdfd, int resfd)
{
    size_t idx;
    while (read_full(cmdfd, &idx, sizeof idx) == (ssize_t)sizeof idx && idx < l->n) {
        /* this file's stderr starts empty (the parent has read the previous one's) */
        if (ftruncate(STDERR_FILENO, 0) != 0 || lseek(STDERR_FILENO, 0, SEEK_SET) != 0) _exit(WORKER_OUTPUT_FAILED);
        cli_run_reset();
        cli_out_flags = CLI_OUT_NOSCAN | (c->durable_group ? CLI_OUT_NOSYNC : 0);
        worker_msg m;
        memset(&m, 0, sizeof m);
        m.rc = run_one(&l->v[idx], c, &m.key);
        fflush(NULL);
        if (m.rc != 0 && cli_out_failures) m.rc = WORKER_OUTPUT_FAILED;
        if (write(resfd, &m, sizeof m) != (ssize_t)sizeof m) _exit(WORKER_OUTPUT_FAILED);
    }
    _exit(0);
}

static int spawn(file_list *l, slot *all, long nslots, size_t slot_i, const batch_cfg *c)
{
    slot *s = &all[slot_i];
    char num[32];
    snprintf(num, sizeof num, ".err.%zu", slot_i);
    char *ename = path_join(c->staging, num, "");
    if (!ename) return cli_failf(4, "out of memory");
    int fd = open(ename, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int oe = errno;
    if (fd >= 0) unlink(ename); /* the open descriptor is all that is needed */
    free(ename);
    if (fd < 0) return cli_failf(4, "%s: cannot write: %s", c->staging, strerror(oe));
    int cp[2], rp[2];
    if (pipe(cp) != 0) {
        int e = errno;
        close(fd);
        return cli_failf(4, "cannot start a worker process: %s", strerror(e));
    }
    if (pipe(rp) != 0) {
        int e = errno;
        close(cp[0]);
        close(cp[1]);
        close(fd);
        return cli_failf(4, "cannot start a worker process: %s", strerror(e));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(cp[0]);
        close(cp[1]);
        close(rp[0]);
        close(rp[1]);
        close(fd);
        return cli_failf(4, "cannot start a worker process: %s", strerror(e));
    }
    if (pid == 0) {
        /* a process group of its own (a terminal's Ctrl-C goes to the parent, which stops
         * every worker), killed when the parent dies; the re-check covers a parent that died
         * before prctl */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != c->parent) _exit(WORKER_OUTPUT_FAILED);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGALRM, &sa, NULL);
        sigaction(SIGCHLD, &sa, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int i = 0; i < 2; i++)
            if (c->closefd[i] >= 0) close(c->closefd[i]);
        /* the other workers' descriptors (inherited from the parent): only the parent may
         * hold their command pipes, so that closing one ends that worker */
        for (long j = 0; j < nslots; j++)
            if (all[j].pid > 0) {
                close(all[j].cmdfd);
                close(all[j].resfd);
                close(all[j].errfd);
            }
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            if (null > STDERR_FILENO) close(null);
        }
        dup2(fd, STDERR_FILENO);
        close(cp[1]);
        close(rp[0]);
        worker_loop(l, c, cp[0], rp[1]);
    }
    setpgid(pid, pid); /* also here, so that it holds before the parent signals the group */
    close(cp[0]);
    close(rp[1]);
    (void)fcntl(cp[1], F_SETFD, FD_CLOEXEC);
    (void)fcntl(rp[0], F_SETFD, FD_CLOEXEC);
    s->cmdfd = cp[1];
    s->resfd = rp[0];
    s->errfd = fd;
    s->pid = pid;
    s->busy = 0;
    s->nsent = 0;
    return 0;
}

/* Record the result of file f: how = 0 exit code code, 1 killed by signal code, 2 ended
 * abnormally; key holds the figures when code is 0. Returns 0, or 4 when the worker could not
 * write its output (message printed), or 4 for out of memory. */
static int finish(file_list *l, slot *s, int how, int code, const cli_pool_key *key)
{
    batch_file *f = &l->v[s->file];
    lseek(s->errfd, 0, SEEK_SET);
    char *raw = read_whole_fd(s->errfd, 1 << 20);
    char msg[160];
    msg[0] = '\0';
    int rc = 0;
    if (how == 1)
        snprintf(msg, sizeof msg, "analysis crashed (signal %d)", code);
    else if (how == 2)
        snprintf(msg, sizeof msg, "analysis ended abnormally");
    else if (code == WORKER_OUTPUT_FAILED) {
        char *e = raw ? error_text(raw) : NULL;
        rc = cli_failf(4, "batch: %s: %s", f->path, e && *e ? e : "the output could not be written");
        free(e);
    } else if (code != 0) {
        char *e = raw ? error_text(raw) : NULL;
        if (e && *e) f->error = e;
        else {
            free(e);
            snprintf(msg, sizeof msg, "analysis failed with exit status %d", code);
        }
    } else if (!key) {
        snprintf(msg, sizeof msg, "the worker ended without sending its result");
    } else {
        f->k = key->k;
        f->estimate = key->estimate;
        f->ci_lb = key->ci_lb;
        f->ci_ub = key->ci_ub;
        f->tau2 = key->tau2;
        f->I2 = key->I2;
        f->Q_pval = key->Q_pval;
        f->ok = 1;
    }
    free(raw);
    if (!rc && !f->ok && !f->error) {
        f->error = strdup(msg);
        if (!f->error) return cli_failf(4, "out of memory");
    }
    return rc;
}

static void slot_close(slot *s)
{
    close(s->cmdfd);
    close(s->resfd);
    close(s->errfd);
    s->cmdfd = s->resfd = s->errfd = -1;
    s->pid = 0;
    s->busy = 0;
}

/* Stop every running worker (SIGKILL to its process group) and reap it. */
static void stop_workers(slot *slots, long jobs)
{
    for (long j = 0; j < jobs; j++)
        if (slots[j].pid > 0) {
            kill(-slots[j].pid, SIGKILL);
            kill(slots[j].pid, SIGKILL);
        }
    for (long j = 0; j < jobs; j++)
        if (slots[j].pid > 0) {
            while (waitpid(slots[j].pid, NULL, 0) < 0 && errno == EINTR) {}
            slot_close(&slots[j]);
        }
}

/* An idle worker that has had its share ends (EOF on its commands) and is reaped. */
static void retire(slot *s)
{
    close(s->cmdfd);
    s->cmdfd = -1;
    while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR) {}
    slot_close(s);
}

/* Files per group commit: with --durable group, one syncfs of the staging file system after
 * every GROUP finished files (and one before the commit). */
#define GROUP 256

/* Run every selected file, at most jobs at a time. 130 when interrupted (workers stopped). */
static int run_all(file_list *l, const size_t *sel, size_t nsel, long jobs, const batch_cfg *c,
                   const outdir *od)
{
    slot *slots = calloc((size_t)jobs, sizeof *slots);
    struct pollfd *pfd = calloc((size_t)jobs, sizeof *pfd);
    size_t *pslot = calloc((size_t)jobs, sizeof *pslot);
    if (!slots || !pfd || !pslot) {
        free(slots);
        free(pfd);
        free(pslot);
        return cli_failf(4, "out of memory");
    }
    for (long j = 0; j < jobs; j++) slots[j].cmdfd = slots[j].resfd = slots[j].errfd = -1;
    size_t next = 0, running = 0, done = 0;
    int rc = 0, lost = 0;
    /* SIGINT and SIGTERM are blocked but while the parent sleeps in ppoll, so that a signal
     * can never fall between the check of cli_interrupt and the wait; SIGPIPE is ignored (a
     * worker that died leaves its command pipe without a reader: seen by its answer pipe) */
    struct sigaction sa, old_pipe;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, &old_pipe);
    sigset_t block, old_mask, wait_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old_mask);
    wait_mask = old_mask;
    sigdelset(&wait_mask, SIGINT);
    sigdelset(&wait_mask, SIGTERM);
    while (next < nsel || running > 0) {
        /* a signal that came while blocked (between waits) is taken here */
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
        sigprocmask(SIG_BLOCK, &block, NULL);
        if (cli_interrupt) { rc = 130; break; }
        for (long j = 0; !rc && j < jobs && next < nsel; j++) {
            slot *s = &slots[j];
            if (s->busy) continue;
            if (s->pid && s->nsent >= WORKER_FILES) retire(s);
            if (!s->pid && (rc = spawn(l, slots, jobs, (size_t)j, c)) != 0) break;
            size_t idx = sel[next];
            if (write(s->cmdfd, &idx, sizeof idx) != (ssize_t)sizeof idx) {
                /* the idle worker is gone (it could only have been killed): a new one */
                kill(-s->pid, SIGKILL);
                retire(s);
                if (++lost > 8) rc = cli_failf(4, "cannot start a worker process: workers end at once");
                j--;
                continue;
            }
            lost = 0;
            s->busy = 1;
            s->file = idx;
            s->nsent++;
            next++;
            running++;
        }
        if (rc || running == 0) break;
        nfds_t np = 0;
        for (long j = 0; j < jobs; j++)
            if (slots[j].busy) {
                pfd[np].fd = slots[j].resfd;
                pfd[np].events = POLLIN;
                pfd[np].revents = 0;
                pslot[np++] = (size_t)j;
            }
        int pr = ppoll(pfd, np, NULL, &wait_mask);
        if (pr < 0) {
            if (errno == EINTR) continue;
            rc = cli_failf(4, "waiting for workers: %s", strerror(errno));
            break;
        }
        for (nfds_t i = 0; i < np && !rc; i++) {
            if (!pfd[i].revents) continue;
            slot *s = &slots[pslot[i]];
            worker_msg m;
            ssize_t got = read_full(s->resfd, &m, sizeof m);
            int r;
            if (got == (ssize_t)sizeof m) {
                r = finish(l, s, 0, m.rc, m.rc == 0 ? &m.key : NULL);
                s->busy = 0;
            } else {
                /* the worker ended inside the file: its status says how */
                int ws = 0;
                while (waitpid(s->pid, &ws, 0) < 0 && errno == EINTR) {}
                if (WIFSIGNALED(ws)) r = finish(l, s, 1, WTERMSIG(ws), NULL);
                else if (!WIFEXITED(ws)) r = finish(l, s, 2, 0, NULL);
                else r = finish(l, s, 0, WEXITSTATUS(ws) ? WEXITSTATUS(ws) : 1, NULL);
                slot_close(s);
            }
            running--;
            if (r && !rc) rc = r;
            if (!rc && od->durable_group && ++done % GROUP == 0) (void)syncfs(od->sfd);
        }
        if (rc) break;
    }
    stop_workers(slots, jobs);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    free(slots);
    free(pfd);
    free(pslot);
    return rc;
}

/* The batch command line as one string, each argument quoted for a POSIX shell when it needs
 * it (the reports' record; HTML-escaped where it is written). Caller frees. */
static char *join_cmdline(int argc, char **argv)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&buf, &n);
    if (!fp) return NULL;
    fputs("cmeta", fp);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        fputc(' ', fp);
        int plain = *a != '\0';
        for (const char *p = a; *p && plain; p++)
            if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,+-@%", *p)) plain = 0;
        if (plain) fputs(a, fp);
        else {
            fputc('\'', fp);
            for (const char *p = a; *p; p++) {
                if (*p == '\'') fputs("'\\''", fp);
                else fputc(*p, fp);
            }
            fputc('\'', fp);
        }
    }
    if (fclose(fp) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* A file name as a relative URL: every byte but A-Z a-z 0-9 - . _ ~ percent-encoded (RFC 3986),
 * so that '#', '?', ':' and spaces in a stem stay part of the name. */
static void url_name(FILE *fp, const char *name, const char *ext)
{
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
            fputc(*p, fp);
        else fprintf(fp, "%%%02X", *p);
    }
    fputs(ext, fp);
}

/* index.html (--report): the summary as a page, each file that succeeded linking to its
 * report NAME.html; numbers as summary.csv has them (data-v, %.17g). Written into staging
 * and moved into OUT last, with the summary (cli_batch_commit_kind). */
static int write_index(const file_list *l, const size_t *sel, size_t nsel, const char *path, const char *sname,
                       const char *cmdline)
{
    cli_out out;
    int rc = cli_out_open(&out, path);
    if (rc) return rc;
    FILE *fp = out.fp;
    size_t nok = 0, nfail = 0, nskip = 0;
    for (size_t i = 0; i < nsel; i++) {
        const batch_file *f = &l->v[sel[i]];
        if (f->skip) nskip++;
        else if (f->ok) nok++;
        else nfail++;
    }
    cli_html_head(fp, "cmeta batch: reports");
    fputs("<h1>cmeta batch: reports</h1>\n<p>", fp);
    fprintf(fp, "<span id=\"n-ok\">%zu</span> ok, <span id=\"n-failed\">%zu</span> failed, "
                "<span id=\"n-skipped\">%zu</span> skipped. The same table as <a href=\"",
            nok, nfail, nskip);
    url_name(fp, sname, ".csv");
    fprintf(fp, "\">%s.csv</a>; estimates on the analysis scale (as the JSON's <code>estimate</code>).</p>\n", sname);
    fputs("<div class=\"scroll\"><table id=\"summary-table\">\n<thead><tr><th>file</th><th class=\"num\">k</th>"
          "<th class=\"num\">estimate</th><th class=\"num\">ci.lb</th><th class=\"num\">ci.ub</th>"
          "<th class=\"num\">tau\xc2\xb2</th><th class=\"num\">I\xc2\xb2 (%)</th><th class=\"num\">Q p-value</th>"
          "<th>status</th><th>error</th></tr></thead>\n<tbody>\n",
          fp);
    for (size_t i = 0; i < nsel; i++) {
        const batch_file *f = &l->v[sel[i]];
        fprintf(fp, "<tr data-i=\"%zu\"><td class=\"file\">", i);
        if (f->ok) {
            fputs("<a href=\"", fp);
            url_name(fp, f->name, ".html");
            fputs("\">", fp);
            cli_html_text(fp, f->path);
            fputs("</a>", fp);
        } else
            cli_html_text(fp, f->path);
        fputs("</td>", fp);
        if (f->ok) {
            cli_html_num(fp, "summary", 0, f->k, "$[%zu].k", i);
            cli_html_num(fp, "summary", 4, f->estimate, "$[%zu].estimate", i);
            cli_html_num(fp, "summary", 4, f->ci_lb, "$[%zu].ci_lb", i);
            cli_html_num(fp, "summary", 4, f->ci_ub, "$[%zu].ci_ub", i);
            cli_html_num(fp, "summary", 4, f->tau2, "$[%zu].tau2", i);
            cli_html_num(fp, "summary", 2, f->I2, "$[%zu].I2", i);
            cli_html_num(fp, "summary", -1, f->Q_pval, "$[%zu].Q_pval", i);
            fputs("<td>ok</td><td></td>", fp);
        } else {
            fputs("<td></td><td></td><td></td><td></td><td></td><td></td><td></td><td>", fp);
            fputs(f->skip ? "skipped" : "failed", fp);
            fputs("</td><td>", fp);
            cli_html_text(fp, f->skip ? f->skip : f->error);
            fputs("</td>", fp);
        }
        fputs("</tr>\n", fp);
    }
    fputs("</tbody></table></div>\n<p class=\"note\">Written by <code>", fp);
    cli_html_text(fp, cmdline);
    fprintf(fp, "</code> (cmeta %s).</p>\n", cmeta_version());
    cli_html_foot(fp);
    return cli_out_commit(&out);
}

/* The summary: one row per selected entry, in sorted order; skipped inputs with status
 * "skipped" and the reason. Written into staging (moved into OUT last, by the commit). */
static int write_summary(const file_list *l, const size_t *sel, size_t nsel, const char *path)
{
    cli_out out;
    int rc = cli_out_open(&out, path);
    if (rc) return rc;
    FILE *fp = out.fp;
    fputs("file,k,estimate,ci_lb,ci_ub,tau2,I2,Q_pval,status,error\n", fp);
    for (size_t i = 0; i < nsel; i++) {
        const batch_file *f = &l->v[sel[i]];
        cmeta_csv_field(fp, f->path);
        if (f->skip) {
            fputs(",,,,,,,,skipped,", fp);
            cmeta_csv_field(fp, f->skip);
            fputc('\n', fp);
        } else if (f->ok) {
            fputc(',', fp);
            cmeta_csv_num(fp, f->k);
            const double x[] = {f->estimate, f->ci_lb, f->ci_ub, f->tau2, f->I2, f->Q_pval};
            for (size_t j = 0; j < sizeof x / sizeof *x; j++) {
                fputc(',', fp);
                cmeta_csv_num(fp, x[j]);
            }
            fputs(",ok,\n", fp);
        } else {
            fputs(",,,,,,,,failed,", fp);
            cmeta_csv_field(fp, f->error);
            fputc('\n', fp);
        }
    }
    return cli_out_commit(&out);
}

/* The commit record staging/.commit: the outputs to remove from OUT (those of the files that
 * failed this time), written and made durable before anything in OUT changes. */
static int write_commit_mark(const outdir *od, const file_list *l, const size_t *sel, size_t nsel, int plots,
                             int report)
{
    int fd = openat(od->sfd, COMMIT_MARK ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return cli_failf(4, "%s: cannot write: %s", od->dir, strerror(errno));
    FILE *fp = fdopen(fd, "w");
    if (!fp) {
        close(fd);
        return cli_failf(4, "%s: cannot write: %s", od->dir, strerror(errno));
    }
    for (size_t i = 0; i < nsel; i++) {
        const batch_file *f = &l->v[sel[i]];
        if (f->skip || f->ok) continue;
        fprintf(fp, "%s.json\n", f->name);
        if (plots) fprintf(fp, "%s.svg\n", f->name);
        if (report) fprintf(fp, "%s.html\n", f->name);
    }
    int bad = fflush(fp) != 0 || ferror(fp) || fsync(fd) != 0;
    int e = errno;
    if (fclose(fp) != 0) bad = 1, e = errno;
    if (!bad && renameat(od->sfd, COMMIT_MARK ".tmp", od->sfd, COMMIT_MARK) != 0) bad = 1, e = errno;
    if (!bad && fsync(od->sfd) != 0) bad = 1, e = errno;
    if (bad) return cli_failf(4, "%s: write error: %s", od->dir, strerror(e));
    return 0;
}

/* The figure options (issue 17): forest's only (value-taking, then the flag). */
static const char *const plot_opts[] = {"--title", "--xlab", "--favours", "--group-labels", "--sort", "--xlim",
                                        "--at", "--digits", "--size", "--dpi", "--annotate", "--svg-text",
                                        "--no-overall-test", "--rob-tool"};

static int is_plot_opt(const char *a, size_t nl)
{
    for (size_t j = 0; j < sizeof plot_opts / sizeof *plot_opts; j++)
        if (strlen(plot_opts[j]) == nl && !strncmp(a, plot_opts[j], nl)) return 1;
    return 0;
}

/* The user's options minus batch's own: what every file's pool run receives (plot = 0), or
 * the figure options, which only forest receives (plot = 1). */
static char **pool_options(int argc, char **argv, size_t *n, int plot)
{
    static const char *const flags[] = {"--drop00", "--tau-common", "--no-intercept", "--trimfill",
                                        "--contours", "--plots", "--no-overall-test", "--report", "--ratio"};
    char **out = calloc((size_t)argc + 1, sizeof *out);
    if (!out) return NULL;
    *n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) break;                  /* only inputs follow */
        if (a[0] != '-' || !strcmp(a, "-")) continue; /* an input */
        int is_flag = 0;
        for (size_t j = 0; j < sizeof flags / sizeof *flags; j++)
            if (!strcmp(a, flags[j])) is_flag = 1;
        int has_eq = strchr(a, '=') != NULL;
        int takes_next = !is_flag && !has_eq && i + 1 < argc;
        size_t nl = has_eq ? (size_t)(strchr(a, '=') - a) : strlen(a);
        int own = (nl == 5 && !strncmp(a, "--out", 5)) || (nl == 6 && !strncmp(a, "--jobs", 6)) ||
                  (nl == 7 && !strncmp(a, "--shard", 7)) || (nl == 9 && !strncmp(a, "--durable", 9)) ||
                  !strcmp(a, "--plots") || !strcmp(a, "--report");
        if (!own && is_plot_opt(a, nl) == plot) {
            out[(*n)++] = argv[i];
            if (takes_next) out[(*n)++] = argv[i + 1];
        }
        if (takes_next) i++;
    }
    return out;
}

/* SIGINT, SIGTERM and the interrupt watchdog's SIGALRM wait while the commit runs. On
 * unblocking after an interrupt the watchdog is disarmed and its pending alarm dropped: the
 * caller exits with 130 itself, saying that the results were committed. */
static void block_signals(int block)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGALRM);
    if (!block && cli_interrupt) {
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
        struct sigaction sa, old;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_IGN;
        sigaction(SIGALRM, &sa, &old); /* discards a pending SIGALRM */
        sigaction(SIGALRM, &old, NULL);
    }
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL);
}

/* Interrupted before the commit: the watchdog of cli_install_signals is not needed (the
 * workers are stopped already); the staging directory goes, OUT is as before. */
static int interrupted(outdir *od)
{
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    return cli_failf(130, "batch: interrupted: nothing committed; %s holds the results of the previous run", od->dir);
}

/* ---- the command, step by step ---------------------------------------------------------- */

/* The options batch cannot take: it always writes summary.csv plus one JSON file per input
 * into --out. */
static int check_options(const cli_opts *o)
{
    if (!o->outdir) return cli_failf(1, "batch: --out DIR is required");
    if (o->output) return cli_failf(1, "batch: -o is not used (results go to the --out directory)");
    if (o->format != CLI_FMT_TEXT)
        return cli_failf(1, "batch: --format is not used (summary.csv plus one JSON file per input)");
    if ((o->plots || o->report) && !BATCH_HAVE_PLOTS)
        return cli_failf(1, "batch: %s needs forest plots, which this build of cmeta lacks",
                         o->plots ? "--plots" : "--report");
    if (o->ninputs == 0) return cli_failf(1, "batch: no input files (FILE... or DIR)");
    return 0;
}

/* The input files: each FILE as given (a missing or unreadable one is reported in its own
 * row), each DIR's *.csv entries (add_dir; never OUT itself); sorted by path, output names
 * assigned. */
static int collect_inputs(const cli_opts *o, file_list *files)
{
    dir_id out_id = {0};
    struct stat ost;
    if (stat(o->outdir, &ost) == 0 && S_ISDIR(ost.st_mode)) {
        out_id.exists = 1;
        out_id.dev = ost.st_dev;
        out_id.ino = ost.st_ino;
    }
    int rc = 0;
    for (size_t i = 0; i < o->ninputs && !rc; i++) {
        const char *in = o->inputs[i];
        struct stat st;
        if (!strcmp(in, "-")) rc = cli_failf(1, "batch: reads files, not standard input");
        else if (stat(in, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = add_dir(files, in, &out_id);
        } else if (list_push(files, in) != 0) rc = cli_failf(4, "out of memory");
    }
    if (rc) return rc;
    if (files->n == 0) return cli_failf(1, "batch: no *.csv files found in the inputs given");
    qsort(files->v, files->n, sizeof *files->v, cmp_path);
    if (assign_names(files, o->report) != 0) return cli_failf(4, "out of memory");
    return 0;
}

/* The files this run analyses (indices into the sorted list): all, or with --shard I/N the
 * positions I, I+N, ... */
static int select_shard(const cli_opts *o, const file_list *files, size_t **sel, size_t *nsel)
{
    *sel = malloc(files->n * sizeof **sel);
    if (!*sel) return cli_failf(4, "out of memory");
    long si = o->shard_n ? o->shard_i : 1, sn = o->shard_n ? o->shard_n : 1;
    for (size_t i = (size_t)(si - 1); i < files->n; i += (size_t)sn) (*sel)[(*nsel)++] = i;
    return 0;
}

/* The options forwarded to every file's pool run and to forest (pool_options). */
static int forwarded_options(int argc, char **argv, const cli_opts *o, batch_cfg *cfg)
{
    cfg->pool_args = pool_options(argc, argv, &cfg->npool, 0);
    cfg->plot_args = pool_options(argc, argv, &cfg->nplot, 1);
    if (!cfg->pool_args || !cfg->plot_args) return cli_failf(4, "out of memory");
    if (cfg->nplot && !o->plots) return cli_failf(1, "batch: %s needs --plots", cfg->plot_args[0]);
    return 0;
}

/* OUT: created, locked, cleared of what earlier runs left unfinished (out_recover), and this
 * run's staging directory OUT/.cmeta-staging.PID made. */
static int open_out(const cli_opts *o, outdir *od)
{
    int rc;
    if ((rc = mkdir_p(o->outdir)) != 0) return rc;
    od->dir = o->outdir;
    od->exclusive = !o->shard_n;
    od->durable_group = !o->durable || strcmp(o->durable, "per-file") != 0;
    od->dfd = open(o->outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (od->dfd < 0) return cli_failf(4, "%s: cannot open: %s", o->outdir, strerror(errno));
    if ((rc = out_lock(od, o->shard_i, o->shard_n)) != 0) return rc;
    out_recover(od);
    snprintf(od->sname, sizeof od->sname, ".cmeta-staging.%ld", (long)getpid());
    od->staging = path_join(o->outdir, od->sname, "");
    if (!od->staging) return cli_failf(4, "out of memory");
    if (mkdirat(od->dfd, od->sname, 0700) != 0 ||
        (od->sfd = openat(od->dfd, od->sname, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return cli_failf(4, "%s: cannot write: %s", o->outdir, strerror(errno));
    return 0;
}

/* What the workers need besides the forwarded options. */
static void worker_config(batch_cfg *cfg, const cli_opts *o, const outdir *od, const char *cmdline)
{
    cfg->staging = od->staging;
    cfg->plots = o->plots;
    cfg->report = o->report;
    cfg->outdir = o->outdir;
    cfg->cmdline = cmdline;
    cfg->durable_group = od->durable_group;
    cfg->parent = getpid();
    cfg->closefd[0] = od->lockfd;
    cfg->closefd[1] = od->dfd;
}

/* BASE, or BASE.shard-I-of-N with --shard: the summary's and the index's name. */
static void shard_name(const cli_opts *o, const char *base, char *buf, size_t n)
{
    if (o->shard_n) snprintf(buf, n, "%s.shard-%ld-of-%ld", base, o->shard_i, o->shard_n);
    else snprintf(buf, n, "%s", base);
}

/* The summary (and with --report index.html, the summary as a page linking to the reports)
 * into staging; everything made durable (group: one syncfs). *spath: the summary's final path. */
static int stage_summary(const cli_opts *o, const file_list *files, const size_t *sel, size_t nsel,
                         const outdir *od, const char *cmdline, char **spath)
{
    char sname[96];
    shard_name(o, "summary", sname, sizeof sname);
    char *stage_sum = path_join(od->staging, sname, ".csv");
    *spath = path_join(o->outdir, sname, ".csv");
    if (!stage_sum || !*spath) {
        free(stage_sum);
        return cli_failf(4, "out of memory");
    }
    cli_out_flags = CLI_OUT_NOSCAN | (od->durable_group ? CLI_OUT_NOSYNC : 0);
    int rc = write_summary(files, sel, nsel, stage_sum);
    free(stage_sum);
    if (!rc && o->report) {
        char iname[96];
        shard_name(o, "index", iname, sizeof iname);
        char *stage_idx = path_join(od->staging, iname, ".html");
        rc = stage_idx ? write_index(files, sel, nsel, stage_idx, sname, cmdline) : cli_failf(4, "out of memory");
        free(stage_idx);
    }
    cli_out_flags = 0;
    if (rc) return rc;
    if (od->durable_group && syncfs(od->sfd) != 0)
        return cli_failf(4, "%s: write error: %s", o->outdir, strerror(errno));
    return 0;
}

/* The commit: from the record on, the new set is the result (signals wait until it is in
 * place; the steps are renames and two directory fsyncs). */
static int commit(outdir *od, const file_list *files, const size_t *sel, size_t nsel, const cli_opts *o)
{
    block_signals(1);
    int rc = write_commit_mark(od, files, sel, nsel, o->plots, o->report);
    if (!rc) {
        close(od->sfd);
        od->sfd = -1;
        commit_staging(od->dfd, od->sname);
    }
    block_signals(0);
    return rc;
}

/* The committed run's account: a line on stderr per skipped or failed file, the counts on
 * stdout; the exit status (0 all ok, 2 a file failed, 4 stdout not writable, 130 interrupted). */
static int report_files(const file_list *files, const size_t *sel, size_t nsel, const char *spath)
{
    size_t nfail = 0, nskip = 0;
    for (size_t i = 0; i < nsel; i++) {
        const batch_file *f = &files->v[sel[i]];
        if (f->skip) {
            nskip++;
            fprintf(stderr, "cmeta: %s: skipped: %s\n", f->path, f->skip);
        } else if (!f->ok) {
            nfail++;
            fprintf(stderr, "cmeta: %s: failed: %s\n", f->path, f->error);
        }
    }
    size_t nrun = nsel - nskip;
    printf("batch: %zu file%s, %zu ok, %zu failed", nrun, nrun == 1 ? "" : "s", nrun - nfail, nfail);
    if (nskip) printf(", %zu skipped", nskip);
    printf("; summary in %s\n", spath);
    if (fflush(stdout) != 0) return 4;
    if (cli_interrupt) return cli_failf(130, "batch: interrupted after the commit: the new results are complete");
    return nfail ? 2 : 0;
}

/* OUT let go; a staging directory left by a failed run goes (a commit record in it means it
 * was committed: the commit is finished instead). */
static void close_out(outdir *od, int rc)
{
    if (od->sfd >= 0) close(od->sfd);
    if (od->staging && od->dfd >= 0 && rc != 0 && faccessat(od->dfd, od->sname, F_OK, 0) == 0) {
        char mark[80];
        snprintf(mark, sizeof mark, "%s/" COMMIT_MARK, od->sname);
        if (faccessat(od->dfd, mark, F_OK, 0) == 0) commit_staging(od->dfd, od->sname);
        else remove_tree(od->dfd, od->sname);
    }
    if (od->lockfd >= 0) close(od->lockfd);
    if (od->dfd >= 0) close(od->dfd);
    free(od->staging);
}

int cmeta_cmd_batch(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, &o);
    if (rc) {
        cli_opts_free(&o);
        return rc < 0 ? 0 : rc;
    }
    file_list files = {0};
    size_t *sel = NULL, nsel = 0;
    batch_cfg cfg = {0};
    outdir od;
    memset(&od, 0, sizeof od);
    od.dfd = od.lockfd = od.sfd = -1;
    char *spath = NULL, *cmdline = NULL;
    if ((rc = check_options(&o)) != 0 || (rc = collect_inputs(&o, &files)) != 0 ||
        (rc = select_shard(&o, &files, &sel, &nsel)) != 0 || (rc = forwarded_options(argc, argv, &o, &cfg)) != 0 ||
        (rc = open_out(&o, &od)) != 0)
        goto done;
    if (!(cmdline = join_cmdline(argc, argv))) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    worker_config(&cfg, &o, &od, cmdline);
    rc = run_all(&files, sel, nsel, o.jobs, &cfg, &od);
    if (rc == 130) {
        rc = interrupted(&od);
        goto done;
    }
    if (rc || (rc = stage_summary(&o, &files, sel, nsel, &od, cmdline, &spath)) != 0) goto done;
    if (cli_interrupt) {
        rc = interrupted(&od);
        goto done;
    }
    if ((rc = commit(&od, &files, sel, nsel, &o)) == 0) rc = report_files(&files, sel, nsel, spath);
done:
    close_out(&od, rc);
    free(spath);
    free(cmdline);
    free(cfg.pool_args);
    free(cfg.plot_args);
    free(sel);
    list_free(&files);
    cli_opts_free(&o);
    return rc;
}
