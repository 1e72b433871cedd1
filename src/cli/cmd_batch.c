/* cmd_batch.c - `cmeta batch FILE... | DIR --out DIR`: the pool analysis over many trial CSVs.
 *
 * Every input file is analysed exactly as `cmeta pool FILE OPTIONS --format json -o OUT/NAME.json`
 * would analyse it: each file runs in its own child process (fork), which calls the pool command
 with the user's options (cli_pool_main: the same in-process path as `cmeta pool`), so the
 * per-file JSON is the pool command's JSON by construction and a file that makes the analysis
 * fail - or even crash - costs only its own row. The parent keeps up to --jobs children running;
 * each child sends its key figures (cli_pool_key) through a pipe, or leaves the error line it
 * printed; the parent writes one summary row per input file, in sorted file order:
 *
 *     file,k,estimate,ci_lb,ci_ub,tau2,I2,Q_pval,status,error
 *
 * estimate and its CI are on the analysis scale (the JSON's top-level `estimate`, e.g. log RR).
 * Files are sorted by name (byte order, locale independent) before --shard I/N keeps every N-th
 * (positions I, I+N, ...), so each task of a Slurm/SGE job array gets a fixed, disjoint share.
 * With --shard the summary is OUT/summary.shard-I-of-N.csv, so shards can share one OUT.
 * Every file is written to a temporary name and renamed (the pool command's -o, cli_out_*).
 * Exit status: 0 every file ok, 2 at least one file failed (rows say which and why),
 * 1 usage error, 4 the output directory or the summary could not be written.
 */
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
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

typedef struct {
    char *path;      /* input path as given or found */
    char *name;      /* output stem: basename without .csv, made unique */
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

static int ends_with_csv(const char *s)
{
    size_t n = strlen(s);
    if (n < 5) return 0; /* at least one character before ".csv" */
    const char *e = s + n - 4;
    return e[0] == '.' && (e[1] | 32) == 'c' && (e[2] | 32) == 's' && (e[3] | 32) == 'v';
}

/* Add every regular *.csv file of directory dir (not recursive, hidden files skipped). */
static int add_dir(file_list *l, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return cli_failf(4, "%s: cannot read directory: %s", dir, strerror(errno));
    struct dirent *e;
    int rc = 0;
    size_t dn = strlen(dir);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !ends_with_csv(e->d_name)) continue;
        size_t len = dn + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (!p) { rc = cli_failf(4, "out of memory"); break; }
        if (dn && dir[dn - 1] == '/') snprintf(p, len, "%s%s", dir, e->d_name);
        else snprintf(p, len, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && list_push(l, p) != 0)
            rc = cli_failf(4, "out of memory");
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
 * sharding, so every shard names a file the same way. */
static int assign_names(file_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *b = strrchr(l->v[i].path, '/');
        b = b ? b + 1 : l->v[i].path;
        size_t n = strlen(b);
        if (ends_with_csv(b)) n -= 4;
        if (n == 0) b = "input", n = 5;
        size_t cap = n + 24;
        char *name = malloc(cap);
        if (!name) return -1;
        memcpy(name, b, n);
        name[n] = '\0';
        for (unsigned long suffix = 2;; suffix++) {
            size_t j;
            for (j = 0; j < i; j++)
                if (strcmp(l->v[j].name, name) == 0) break;
            if (j == i) break;
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

static char *read_whole(const char *path, size_t max)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
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
        size_t got = fread(buf + n, 1, cap - 1 - n, fp);
        n += got;
        if (got == 0) break;
    }
    fclose(fp);
    if (buf) buf[n] = '\0';
    return buf;
}

/* The error a child printed: its stderr lines without the "cmeta: " prefix, joined by "; ". */
static char *error_text(const char *raw)
{
    size_t n = strlen(raw);
    char *out = malloc(n + 1), *o = out;
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

/* ---- one file in a child process ------------------------------------------------------- */

typedef struct {
    char **pool_args;  /* the user's pool options, forwarded to every file */
    size_t npool;
    char **plot_args;  /* the figure options (issue 17), forwarded to forest only */
    size_t nplot;
    const char *outdir;
    int plots;
} batch_cfg;

/* argv for a command: CMD <pool options> [<figure options> for forest] EXTRA... -- FILE (NULL
 * terminated; the EXTRA list ends at the first NULL). "--" keeps a file name that starts with
 * '-' from being an option. */
static char **command_argv(const char *cmd, const char *file, const batch_cfg *c, int *argc,
                           const char *e1, const char *e2, const char *e3, const char *e4)
{
    int forest = !strcmp(cmd, "forest");
    char **av = calloc(c->npool + (forest ? c->nplot : 0) + 9, sizeof *av);
    if (!av) return NULL;
    int n = 0;
    av[n++] = (char *)cmd;
    for (size_t i = 0; i < c->npool; i++) av[n++] = c->pool_args[i];
    for (size_t i = 0; forest && i < c->nplot; i++) av[n++] = c->plot_args[i];
    const char *extra[4] = {e1, e2, e3, e4};
    for (int i = 0; i < 4 && extra[i]; i++) av[n++] = (char *)extra[i];
    av[n++] = "--";
    av[n++] = (char *)file;
    av[n] = NULL;
    *argc = n;
    return av;
}

/* Runs in the child: stderr already goes to the error file. Returns the exit code; on success
 * the pool run's key figures are in *key (sent to the parent through a pipe, never read back
 * from the output directory). */
static int run_one(const batch_file *f, const batch_cfg *c, cli_pool_key *key)
{
    char *json = path_join(c->outdir, f->name, ".json");
    if (!json) return cli_failf(4, "out of memory");
    unlink(json); /* a failed file must not leave an older run's result behind */
    int argc;
    char **av = command_argv("pool", f->path, c, &argc, "--format", "json", "-o", json);
    int rc = av ? cli_pool_main(argc, av, key) : cli_failf(4, "out of memory");
    free(av);
#if BATCH_HAVE_PLOTS
    if (rc == 0 && c->plots) {
        char *svg = path_join(c->outdir, f->name, ".svg");
        av = svg ? command_argv("forest", f->path, c, &argc, "-o", svg, NULL, NULL) : NULL;
        rc = av ? cmeta_cmd_forest(argc, av) : cli_failf(4, "out of memory");
        if (rc != 0) unlink(json); /* the file's outputs are all there or none */
        free(av);
        free(svg);
    }
#endif
    free(json);
    return rc;
}

typedef struct {
    pid_t pid;
    size_t file;
    char *errpath;
    int keyfd;       /* read end of the pipe the worker sends its cli_pool_key through */
} slot;

static int spawn(batch_file *f, size_t idx, const batch_cfg *c, slot *s)
{
    s->errpath = path_join(c->outdir, ".batch-err", ".tmp.XXXXXX");
    if (!s->errpath) return cli_failf(4, "out of memory");
    int fd = mkstemp(s->errpath);
    if (fd < 0) {
        int e = errno;
        free(s->errpath);
        s->errpath = NULL;
        return cli_failf(4, "%s: cannot write: %s", c->outdir, strerror(e));
    }
    int kp[2];
    if (pipe(kp) != 0) {
        int e = errno;
        close(fd);
        unlink(s->errpath);
        free(s->errpath);
        s->errpath = NULL;
        return cli_failf(4, "cannot start a worker process: %s", strerror(e));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(kp[0]);
        close(kp[1]);
        close(fd);
        unlink(s->errpath);
        free(s->errpath);
        s->errpath = NULL;
        return cli_failf(4, "cannot start a worker process: %s", strerror(e));
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
        }
        dup2(fd, STDERR_FILENO);
        close(kp[0]);
        cli_pool_key key;
        int rc = run_one(f, c, &key);
        fflush(NULL);
        /* one write of less than PIPE_BUF bytes: atomic, and the pipe holds it */
        if (rc == 0 && write(kp[1], &key, sizeof key) != (ssize_t)sizeof key) rc = 4;
        _exit(rc);
    }
    close(kp[1]);
    s->keyfd = kp[0];
    close(fd);
    s->pid = pid;
    s->file = idx;
    return 0;
}

/* Collect the result of a finished child. */
static int finish(file_list *l, slot *s, int wstatus)
{
    batch_file *f = &l->v[s->file];
    char *raw = read_whole(s->errpath, 1 << 20);
    unlink(s->errpath);
    free(s->errpath);
    s->errpath = NULL;
    char msg[160];
    msg[0] = '\0';
    if (WIFSIGNALED(wstatus))
        snprintf(msg, sizeof msg, "analysis crashed (signal %d)", WTERMSIG(wstatus));
    else if (!WIFEXITED(wstatus))
        snprintf(msg, sizeof msg, "analysis ended abnormally");
    else if (WEXITSTATUS(wstatus) != 0) {
        char *e = raw ? error_text(raw) : NULL;
        if (e && *e) f->error = e;
        else {
            free(e);
            snprintf(msg, sizeof msg, "analysis failed with exit status %d", WEXITSTATUS(wstatus));
        }
    } else {
        cli_pool_key key;
        ssize_t got;
        do got = read(s->keyfd, &key, sizeof key);
        while (got < 0 && errno == EINTR);
        if (got != (ssize_t)sizeof key)
            snprintf(msg, sizeof msg, "the worker ended without sending its result");
        else {
            f->k = key.k;
            f->estimate = key.estimate;
            f->ci_lb = key.ci_lb;
            f->ci_ub = key.ci_ub;
            f->tau2 = key.tau2;
            f->I2 = key.I2;
            f->Q_pval = key.Q_pval;
            f->ok = 1;
        }
    }
    close(s->keyfd);
    s->keyfd = -1;
    free(raw);
    if (!f->ok && !f->error) {
        f->error = strdup(msg);
        if (!f->error) return cli_failf(4, "out of memory");
    }
    return 0;
}

/* Run every selected file, at most jobs at a time. */
static int run_all(file_list *l, const size_t *sel, size_t nsel, long jobs, const batch_cfg *c)
{
    slot *slots = calloc((size_t)jobs, sizeof *slots);
    if (!slots) return cli_failf(4, "out of memory");
    size_t next = 0, running = 0;
    int rc = 0;
    while (next < nsel || running > 0) {
        while (!rc && running < (size_t)jobs && next < nsel) {
            size_t j = 0;
            while (slots[j].pid) j++;
            rc = spawn(&l->v[sel[next]], sel[next], c, &slots[j]);
            if (rc) break;
            next++;
            running++;
        }
        if (running == 0) break;
        int ws;
        pid_t pid = waitpid(-1, &ws, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            rc = cli_failf(4, "waiting for workers: %s", strerror(errno));
            break;
        }
        for (size_t j = 0; j < (size_t)jobs; j++) {
            if (slots[j].pid != pid) continue;
            int r = finish(l, &slots[j], ws);
            if (r && !rc) rc = r;
            slots[j].pid = 0;
            running--;
            break;
        }
    }
    free(slots);
    return rc;
}

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
        if (f->ok) {
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

/* The figure options (issue 17): forest's only (value-taking, then the flag). */
static const char *const plot_opts[] = {"--title", "--xlab", "--favours", "--group-labels", "--sort", "--xlim",
                                        "--at", "--digits", "--size", "--dpi", "--annotate", "--svg-text",
                                        "--no-overall-test"};

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
    static const char *const flags[] = {"--drop00", "--tau-common", "--no-intercept",
                                        "--trimfill", "--contours", "--plots", "--no-overall-test"};
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
                  (nl == 7 && !strncmp(a, "--shard", 7)) || !strcmp(a, "--plots");
        if (!own && is_plot_opt(a, nl) == plot) {
            out[(*n)++] = argv[i];
            if (takes_next) out[(*n)++] = argv[i + 1];
        }
        if (takes_next) i++;
    }
    return out;
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
    size_t *sel = NULL;
    batch_cfg cfg = {0};
    if (!o.outdir) { rc = cli_failf(1, "batch: --out DIR is required"); goto done; }
    if (o.output) { rc = cli_failf(1, "batch: -o is not used (results go to the --out directory)"); goto done; }
    if (o.format != CLI_FMT_TEXT) {
        rc = cli_failf(1, "batch: --format is not used (summary.csv plus one JSON file per input)");
        goto done;
    }
    if (o.plots && !BATCH_HAVE_PLOTS) {
        rc = cli_failf(1, "batch: --plots needs forest plots, which this build of cmeta lacks");
        goto done;
    }
    if (o.ninputs == 0) { rc = cli_failf(1, "batch: no input files (FILE... or DIR)"); goto done; }
    for (size_t i = 0; i < o.ninputs && !rc; i++) {
        const char *in = o.inputs[i];
        struct stat st;
        if (!strcmp(in, "-")) rc = cli_failf(1, "batch: reads files, not standard input");
        else if (stat(in, &st) == 0 && S_ISDIR(st.st_mode)) rc = add_dir(&files, in);
        else if (list_push(&files, in) != 0) rc = cli_failf(4, "out of memory");
        /* a missing or unreadable FILE is reported in its own row */
    }
    if (rc) goto done;
    if (files.n == 0) { rc = cli_failf(1, "batch: no *.csv files found in the inputs given"); goto done; }
    qsort(files.v, files.n, sizeof *files.v, cmp_path);
    if (assign_names(&files) != 0) { rc = cli_failf(4, "out of memory"); goto done; }

    sel = malloc(files.n * sizeof *sel);
    if (!sel) { rc = cli_failf(4, "out of memory"); goto done; }
    size_t nsel = 0;
    long si = o.shard_n ? o.shard_i : 1, sn = o.shard_n ? o.shard_n : 1;
    for (size_t i = (size_t)(si - 1); i < files.n; i += (size_t)sn) sel[nsel++] = i;

    cfg.pool_args = pool_options(argc, argv, &cfg.npool, 0);
    cfg.plot_args = pool_options(argc, argv, &cfg.nplot, 1);
    if (!cfg.pool_args || !cfg.plot_args) { rc = cli_failf(4, "out of memory"); goto done; }
    if (cfg.nplot && !o.plots) { rc = cli_failf(1, "batch: %s needs --plots", cfg.plot_args[0]); goto done; }
    if ((rc = mkdir_p(o.outdir)) != 0) goto done;
    cfg.outdir = o.outdir;
    cfg.plots = o.plots;

    rc = run_all(&files, sel, nsel, o.jobs, &cfg);
    if (rc) goto done;

    char sname[96];
    if (o.shard_n) snprintf(sname, sizeof sname, "summary.shard-%ld-of-%ld", si, sn);
    else snprintf(sname, sizeof sname, "summary");
    char *spath = path_join(o.outdir, sname, ".csv");
    if (!spath) { rc = cli_failf(4, "out of memory"); goto done; }
    rc = write_summary(&files, sel, nsel, spath);
    if (!rc) {
        size_t nfail = 0;
        for (size_t i = 0; i < nsel; i++)
            if (!files.v[sel[i]].ok) {
                nfail++;
                fprintf(stderr, "cmeta: %s: failed: %s\n", files.v[sel[i]].path, files.v[sel[i]].error);
            }
        printf("batch: %zu file%s, %zu ok, %zu failed; summary in %s\n", nsel, nsel == 1 ? "" : "s",
               nsel - nfail, nfail, spath);
        if (fflush(stdout) != 0) rc = 4;
        else rc = nfail ? 2 : 0;
    }
    free(spath);
done:
    free(cfg.pool_args);
    free(cfg.plot_args);
    free(sel);
    list_free(&files);
    cli_opts_free(&o);
    return rc;
}
