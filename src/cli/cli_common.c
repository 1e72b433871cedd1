/* cli_common.c - option parsing, input loading, atomic output, JSON/CSV helpers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"

/* One line on stderr with control bytes (from labels, column names, arguments) shown as \xHH:
 * no message may drive the terminal. */
static void put_line(const char *prefix, const char *text)
{
    char esc[8192];
    cmeta_escape_ctrl(esc, sizeof esc, text);
    fprintf(stderr, "%s%s\n", prefix, esc);
}

/* Set once the interruption has been reported (exit status 130): the watchdog, should it
 * fire while the program is already on its way out, then exits without a second message. */
static volatile sig_atomic_t g_interrupt_said;

int cli_failf(int code, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    put_line("cmeta: ", buf);
    if (code == 130) g_interrupt_said = 1;
    return code;
}

/* The input of a single-file run (set by cli_load): named in data errors that are about the
 * whole file rather than one line (e.g. "design matrix not of full rank"). */
static char g_input_name[512];
/* The warnings of the run (set by cli_load): printed before an error, which they may explain
 * ("study 'A' left out ..." before "no study left"), and then forgotten. */
static cmeta_warnings *g_warn;

int cli_fail_status(cmeta_status st, const cmeta_error *err)
{
    char buf[2048];
    cmeta_error e = *err;
    if (e.status == CMETA_OK) e.status = st == CMETA_OK ? CMETA_ENUMERIC : st;
    if (e.status == CMETA_EDATA && !e.file[0] && g_input_name[0])
        snprintf(e.file, sizeof e.file, "%s", g_input_name);
    if (g_warn && g_warn->n) {
        cli_print_warnings(g_warn);
        cmeta_warnings_free(g_warn);
        cmeta_warnings_init(g_warn);
    }
    if (!e.message[0]) snprintf(e.message, sizeof e.message, "%s", cmeta_strerror(e.status));
    cmeta_error_format(&e, buf, sizeof buf);
    fprintf(stderr, "cmeta: %s\n", buf);
    if (e.status == CMETA_EINTR) g_interrupt_said = 1;
    return cmeta_status_exit_code(e.status);
}

int cli_fail(const cmeta_error *err) { return cli_fail_status(err->status, err); }

void cli_print_warnings(const cmeta_warnings *w)
{
    for (size_t i = 0; w && i < w->n; i++) put_line("cmeta: warning: ", w->text[i]);
}

/* Option parsing: options.c, from the option tables. */

static int eq(const char *a, const char *b) { return strcmp(a, b) == 0; }

int cli_start(int argc, char **argv, cli_opts *o)
{
    int rc = cli_parse(argc, argv, o);
    if (rc) {
        cli_opts_free(o);
        return rc < 0 ? 0 : rc;
    }
    if (o->ninputs != 1) {
        size_t n = o->ninputs;
        cli_opts_free(o);
        return cli_failf(1, "%s: expected one input file (use - for standard input), got %zu; see cmeta %s --help",
                         argv[0], n, argv[0]);
    }
    return -1;
}

void cli_opts_free(cli_opts *o)
{
    free(o->inputs);
    for (size_t i = 0; i < o->njoined; i++) free(o->joined[i]);
    free(o->joined);
    o->inputs = NULL;
    o->joined = NULL;
    o->njoined = 0;
}


/* Presets set defaults only: explicit flags win. */
static void apply_preset(cli_opts *o, const cmeta_data *d)
{
    /* RevMan Web since January 2025 (Cochrane Methods, "Random-effects meta-analysis methods
     * for Intervention Reviews", methods.cochrane.org, updates of May 2024 and January 2025):
     * REML tau^2 with a Q-profile CI, the HKSJ CI for the summary effect, a t-based prediction
     * interval, I^2 from tau^2 (metafor's definition). Inverse variance for every data type
     * (MH/Peto only when asked for with --method). */
    if (o->preset_revmanweb) {
        (void)d;
        if (!o->method_set) o->fit.method = CMETA_METHOD_REML;
        if (!o->test_set && o->fit.method != CMETA_METHOD_FE && o->fit.method != CMETA_METHOD_MH &&
            o->fit.method != CMETA_METHOD_PETO)
            o->fit.test = CMETA_TEST_KNHA; /* HKSJ belongs to the random-effects model */
        return;
    }
    if (!o->preset_revman5) return;
    if (d && d->measure == CMETA_SMD) o->data.escalc.revman_smd = 1;
    if (!o->method_set) {
        if (d && cmeta_measure_family(d->measure) == CMETA_FAMILY_BIN2 && d->measure != CMETA_AS) {
            o->fit.method = d->measure == CMETA_PETO ? CMETA_METHOD_PETO : CMETA_METHOD_MH;
            o->fit.mh_random = 1;
        } else {
            o->fit.method = CMETA_METHOD_DL;
        }
    }
}

cmeta_status cli_read_table(const cli_opts *o, const char *path, cmeta_table **t, cmeta_warnings *w,
                            cmeta_error *err)
{
    cmeta_status st = cmeta_table_read_file_fmt(path, o->sep, o->decimal ? o->decimal : '.',
                                                &cli_interrupt, t, err);
    if (st != CMETA_OK) return st;
    if (!o->sep && cmeta_table_separator(*t) != ',' &&
        cmeta_warn(w, "%s: fields separated by %s (seen in the header line; --sep to choose)",
                   cmeta_table_name(*t), cmeta_table_separator(*t) == ';' ? "';'" : "tabs") != CMETA_OK)
        st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    /* --col NAME=COLUMN,... */
    for (const char *p = o->col; st == CMETA_OK && p && *p;) {
        size_t n = strcspn(p, ","), eq = strcspn(p, "=");
        char name[128], col[512];
        snprintf(name, sizeof name, "%.*s", (int)eq, p);
        snprintf(col, sizeof col, "%.*s", (int)(n - eq - 1), p + eq + 1);
        st = cmeta_table_map_column(*t, name, col, err);
        p += n + (p[n] == ',');
    }
    if (st != CMETA_OK) {
        cmeta_table_free(*t);
        *t = NULL;
    }
    return st;
}

int cli_load(const cli_opts *oc, const char *path, cmeta_table **t, cmeta_data **d,
             cmeta_warnings *w)
{
    cli_opts *o = (cli_opts *)oc;
    cmeta_error err;
    cmeta_error_clear(&err);
    *t = NULL;
    *d = NULL;
    if (!path) return cli_failf(1, "%s: no input file (use - for standard input)", o->command);
    /* RevMan's approximate Hedges' g applies to SMD only (escalc refuses it elsewhere) */
    if (o->preset_revman5 && o->data.measure_set && o->data.measure == CMETA_SMD)
        o->data.escalc.revman_smd = 1;
    cli_note_input(path);
    g_warn = w;
    snprintf(g_input_name, sizeof g_input_name, "%s", strcmp(path, "-") == 0 ? "<stdin>" : path);
    cmeta_status st = cli_read_table(o, path, t, w, &err);
    if (st != CMETA_OK) return cli_fail_status(st, &err);
    st = cmeta_data_load(*t, &o->data, d, w, &err);
    if (st != CMETA_OK) {
        cmeta_data_free(*d);
        *d = NULL;
        cmeta_table_free(*t);
        *t = NULL;
        /* the warnings explain the error (studies left out before "no study left"): they
         * come first (cli_fail_status), and are not printed again by the command */
        return cli_fail_status(st, &err);
    }
    apply_preset(o, *d);
    /* --ri and --smcr-sd need a pre/post measure (--measure, or rows of a measure column) */
    if ((o->data.ri_set && !o->ri_probe) || o->smcr_sd_set) {
        int pp = 0;
        for (size_t i = 0; i < (*d)->k && !pp; i++)
            pp = cmeta_measure_family((*d)->measures ? (*d)->measures[i] : (*d)->measure) == CMETA_FAMILY_PREPOST;
        if (!pp && (*d)->k) {
            cmeta_data_free(*d);
            *d = NULL;
            cmeta_table_free(*t);
            *t = NULL;
            fprintf(stderr, "cmeta %s: %s needs --measure MC, SMCC, SMCR, SMCRH or ROMC (the pre/post measures%s)\n",
                    o->command, o->data.ri_set && !o->ri_probe ? "--ri" : "--smcr-sd",
                    o->data.ri_set && !o->ri_probe ? "" : "; SMCR and SMCRH use it");
            return 1;
        }
    }
    /* Mantel-Haenszel and Peto pool the 2x2 tables of one measure */
    if ((*d)->measures && (o->fit.method == CMETA_METHOD_MH || o->fit.method == CMETA_METHOD_PETO)) {
        cmeta_data_free(*d);
        *d = NULL;
        cmeta_table_free(*t);
        *t = NULL;
        return cli_failf(1, "--method %s pools the 2x2 tables of one measure; a measure column "
                            "mixes designs (use an inverse-variance method)",
                         o->fit.method == CMETA_METHOD_MH ? "MH" : "PETO");
    }
    /* a variance of 0 is a valid effect-size result (escalc prints it, as metafor's does) and
     * Mantel-Haenszel / Peto pool the 2x2 tables themselves, but no inverse-variance fit can
     * use it: say here which study and which input made it 0 */
    if (strcmp(o->command, "escalc") != 0 && o->fit.method != CMETA_METHOD_MH &&
        o->fit.method != CMETA_METHOD_PETO && (st = cmeta_data_check_vi(*d, &err)) != CMETA_OK) {
        cmeta_data_free(*d);
        *d = NULL;
        cmeta_table_free(*t);
        *t = NULL;
        return cli_fail_status(st, &err);
    }
    return 0;
}

/* ---- interrupts ------------------------------------------------------------------------ */

volatile sig_atomic_t cli_interrupt = 0;
#define CLI_MAX_TMP 16
static char *volatile g_tmp[CLI_MAX_TMP];

static void register_tmp(char *p)
{
    for (int i = 0; i < CLI_MAX_TMP; i++)
        if (!g_tmp[i]) {
            g_tmp[i] = p;
            return;
        }
}

static void unregister_tmp(const char *p)
{
    for (int i = 0; i < CLI_MAX_TMP; i++)
        if (g_tmp[i] == p) g_tmp[i] = NULL;
}

void cli_remove_tmp_files(void)
{
    for (int i = 0; i < CLI_MAX_TMP; i++)
        if (g_tmp[i]) unlink(g_tmp[i]); /* async-signal-safe */
}

/* The first SIGINT/SIGTERM asks (cli_interrupt) and starts a half-second watchdog: the stages
 * that poll the flag (reading, resampling, GOSH) stop cleanly well within it; any other stage
 * (a long fit, writing a large output) is stopped by the watchdog, and a second signal stops
 * the program at once. Either way the temporary output files are removed and the exit status
 * is 130: nothing partial is left behind. */
static void stop_now(void)
{
    static const char msg[] = "cmeta: interrupted: output not written\n";
    cli_remove_tmp_files();
    if (!g_interrupt_said) {
        ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1); /* async-signal-safe */
        (void)n;
    }
    _exit(130);
}

static void on_alarm(int sig)
{
    (void)sig;
    stop_now();
}

static void on_signal(int sig)
{
    (void)sig;
    if (!cli_interrupt) {
        cli_interrupt = 1;
        /* half a second: the watchdog's own exit must fit in the promised second on a
         * loaded machine (setitimer is a plain system call, safe here) */
        struct itimerval it = {{0, 0}, {0, 500000}};
        setitimer(ITIMER_REAL, &it, NULL);
        return;
    }
    stop_now();
}

void cli_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* no SA_RESTART: a read blocked on a pipe or terminal returns EINTR, and the reader
     * sees the flag (cmeta_table_read_file_intr) */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
}

/* ---- output ---------------------------------------------------------------------------- */

/* What this run reads and writes, so that no output replaces an input or another output of
 * the same run (house.md habit 13). A file is known by device and inode when it exists; an
 * output not yet created by its directory's device and inode and its name. */
typedef struct {
    int exists;
    dev_t dev, ddev;
    ino_t ino, dino;
    char *base;   /* name inside its directory (outputs) */
    char *shown;  /* as the user wrote it */
} file_id;
static file_id *g_in, *g_outs;
static size_t g_nin, g_nouts;

static int add_id(file_id **v, size_t *n, const file_id *id)
{
    file_id *nv = realloc(*v, (*n + 1) * sizeof **v);
    if (!nv) return -1;
    *v = nv;
    nv[(*n)++] = *id;
    return 0;
}

void cli_run_reset(void)
{
    for (size_t i = 0; i < g_nin; i++) free(g_in[i].shown);
    for (size_t i = 0; i < g_nouts; i++) {
        free(g_outs[i].shown);
        free(g_outs[i].base);
    }
    free(g_in);
    free(g_outs);
    g_in = g_outs = NULL;
    g_nin = g_nouts = 0;
    g_warn = NULL;
    g_input_name[0] = '\0';
    cli_out_failures = 0;
}

/* An input, by what it is now (standard input when it is "-" and a file). */
void cli_note_input(const char *path)
{
    struct stat sb;
    int ok = strcmp(path, "-") == 0 ? fstat(STDIN_FILENO, &sb) == 0 : stat(path, &sb) == 0;
    if (!ok || !S_ISREG(sb.st_mode)) return;
    file_id id = {0};
    id.exists = 1;
    id.dev = sb.st_dev;
    id.ino = sb.st_ino;
    id.shown = strdup(strcmp(path, "-") == 0 ? "standard input" : path);
    if (!id.shown || add_id(&g_in, &g_nin, &id)) free(id.shown);
}

/* The file a path finally names: symbolic links of the last component followed (relative
 * targets are relative to the link's directory); a missing last target is fine (it will be
 * created, as the shell's > does). NULL with errno set on failure. Caller frees. */
static char *resolve_links(const char *path)
{
    char *cur = strdup(path);
    for (int depth = 0; cur; depth++) {
        struct stat sb;
        if (lstat(cur, &sb) != 0 || !S_ISLNK(sb.st_mode)) return cur;
        if (depth >= 40) {
            free(cur);
            errno = ELOOP;
            return NULL;
        }
        size_t cap = (size_t)sb.st_size + 2 > 256 ? (size_t)sb.st_size + 2 : 256;
        char *t = malloc(cap);
        ssize_t n = t ? readlink(cur, t, cap - 1) : -1;
        if (n < 0 || (size_t)n >= cap - 1) {
            free(t);
            free(cur);
            if (n >= 0) errno = ENAMETOOLONG;
            return NULL;
        }
        t[n] = '\0';
        if (t[0] == '/') {
            free(cur);
            cur = t;
            continue;
        }
        const char *slash = strrchr(cur, '/');
        size_t dl = slash ? (size_t)(slash - cur) + 1 : 0;
        char *next = malloc(dl + (size_t)n + 1);
        if (next) {
            memcpy(next, cur, dl);
            memcpy(next + dl, t, (size_t)n + 1);
        }
        free(t);
        free(cur);
        cur = next;
    }
    return NULL;
}

/* Directory part of path ("." when none) and the name after it: malloc'd, caller frees. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Remove the temporary files an earlier run left for the same output when that run is gone:
 * names exactly BASE.tmp.PID.XXXXXX (cli_out_open's pattern; mkstemp's six letters and
 * digits), regular files, and kill(PID, 0) fails with ESRCH. A live writer (or one we may not
 * signal: EPERM) keeps its file; names of any other form are never touched. One warning line
 * says what was removed. */
static void remove_stale_tmp(const char *dir, const char *base, const char *shown)
{
    DIR *dp = opendir(dir);
    if (!dp) return;
    size_t bl = strlen(base), removed = 0;
    char first[NAME_MAX + 1] = "";
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        const char *n = de->d_name;
        if (strncmp(n, base, bl) != 0 || strncmp(n + bl, ".tmp.", 5) != 0) continue;
        const char *p = n + bl + 5, *q = p;
        while (*q >= '0' && *q <= '9') q++;
        if (q == p || q - p > 10 || *q != '.' || strlen(q + 1) != 6) continue;
        int alnum = 1;
        for (const char *c = q + 1; *c; c++)
            if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))) alnum = 0;
        if (!alnum) continue;
        long pid = strtol(p, NULL, 10);
        if (pid <= 0 || pid > INT_MAX || (pid_t)pid == getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        struct stat sb;
        if (fstatat(dirfd(dp), n, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode)) continue;
        if (unlinkat(dirfd(dp), n, 0) != 0) continue;
        if (!removed++) snprintf(first, sizeof first, "%s", n);
    }
    closedir(dp);
    if (removed)
        fprintf(stderr, "cmeta: warning: removed %zu temporary file%s of '%s' left by a run that "
                        "ended without finishing (%s%s)\n",
                removed, removed == 1 ? "" : "s", shown, first, removed > 1 ? ", ..." : "");
}

int cli_out_flags = 0;
int cli_out_failures = 0;

int cli_out_open(cli_out *out, const char *path)
{
    memset(out, 0, sizeof *out);
    if (!path || eq(path, "-")) {
        out->fp = stdout;
        return 0;
    }
    if (!path[0]) return cli_failf(1, "the output file name is empty (give a file name)");
    out->name = path;
    /* A device or pipe (/dev/stdout, /dev/full, a FIFO) is written directly: renaming a
     * temporary file over it would replace the device. Only regular files get the
     * write-then-rename treatment; standard output named by path (/dev/stdout when it is a
     * file) is standard output, written in the mode the shell opened it (> or >>). */
    struct stat sb, so;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        if (S_ISDIR(sb.st_mode)) return cli_failf(4, "%s: is a directory", path);
        out->fp = fopen(path, "w");
        if (!out->fp) return cli_failf(4, "%s: cannot write: %s", path, strerror(errno));
        out->direct = 1;
        return 0;
    }
    int exists = stat(path, &sb) == 0;
    if (exists && fstat(STDOUT_FILENO, &so) == 0 && so.st_dev == sb.st_dev && so.st_ino == sb.st_ino) {
        out->fp = stdout;
        return 0;
    }
    /* a symbolic link stays: its target is replaced (the temporary file goes next to it) */
    char *target = resolve_links(path);
    if (!target) return cli_failf(4, "%s: cannot write: %s", path, strerror(errno));
    char *dir = dir_of(target);
    struct stat ds;
    if (!dir || stat(dir, &ds) != 0) {
        int e = dir ? errno : ENOMEM;
        free(dir);
        free(target);
        return cli_failf(4, "%s: cannot write: %s", path, strerror(e));
    }
    file_id id = {0};
    id.exists = exists;
    id.dev = exists ? sb.st_dev : 0;
    id.ino = exists ? sb.st_ino : 0;
    id.ddev = ds.st_dev;
    id.dino = ds.st_ino;
    for (size_t i = 0; exists && i < g_nin; i++)
        if (g_in[i].dev == sb.st_dev && g_in[i].ino == sb.st_ino) {
            free(dir);
            free(target);
            return cli_failf(1, "output '%s' is the input file '%s': writing it would destroy the "
                                "input (choose another output file)", path, g_in[i].shown);
        }
    for (size_t i = 0; i < g_nouts; i++) {
        const file_id *o = &g_outs[i];
        if ((exists && o->exists && o->dev == sb.st_dev && o->ino == sb.st_ino) ||
            (o->ddev == ds.st_dev && o->dino == ds.st_ino && strcmp(o->base, base_of(target)) == 0)) {
            free(dir);
            free(target);
            return cli_failf(1, "outputs '%s' and '%s' are the same file (each output needs a file of "
                                "its own)", o->shown, path);
        }
    }
    if (!(cli_out_flags & CLI_OUT_NOSCAN)) remove_stale_tmp(dir, base_of(target), path);
    free(dir);

    size_t n = strlen(target);
    out->path = target;
    out->tmp = malloc(n + 40);
    id.base = strdup(base_of(target));
    id.shown = strdup(path);
    if (!out->tmp || !id.base || !id.shown || add_id(&g_outs, &g_nouts, &id)) {
        free(id.base);
        free(id.shown);
        free(out->path);
        free(out->tmp);
        memset(out, 0, sizeof *out);
        return cli_failf(4, "out of memory");
    }
    /* NAME.tmp.PID.XXXXXX: the writer's PID lets a later run tell a stale file from a live one */
    snprintf(out->tmp, n + 40, "%s.tmp.%ld.XXXXXX", target, (long)getpid());
    int fd = mkstemp(out->tmp);
    if (fd < 0) {
        int e = errno;
        cli_out_failures++;
        free(out->path);
        free(out->tmp);
        memset(out, 0, sizeof *out);
        return cli_failf(4, "%s: cannot write: %s", path, strerror(e));
    }
    register_tmp(out->tmp);
    /* mkstemp makes the file 0600. A file replaced keeps its mode (and, where allowed, its
     * owner); a new one gets the mode a plain fopen would give (0666 less the umask). */
    struct stat ts;
    if (stat(target, &ts) == 0 && S_ISREG(ts.st_mode)) {
        if (ts.st_uid != geteuid() || ts.st_gid != getegid()) (void)!fchown(fd, ts.st_uid, ts.st_gid);
        (void)fchmod(fd, ts.st_mode & 07777);
    } else {
        mode_t mask = umask(0);
        umask(mask);
        (void)fchmod(fd, 0666 & ~mask);
    }
    out->fp = fdopen(fd, "w");
    if (!out->fp) {
        close(fd);
        unlink(out->tmp);
        unregister_tmp(out->tmp);
        free(out->path);
        free(out->tmp);
        cli_out_failures++;
        memset(out, 0, sizeof *out);
        return cli_failf(4, "%s: cannot write", path);
    }
    return 0;
}

int cli_out_commit(cli_out *out)
{
    if (!out->fp) return 0;
    if (out->direct) {
        int bad = ferror(out->fp) != 0;
        if (fflush(out->fp) != 0) bad = 1;
        int e = errno;
        if (fclose(out->fp) != 0) bad = 1, e = errno;
        out->fp = NULL;
        if (bad) return cli_failf(4, "%s: write error: %s", out->name, strerror(e));
        return 0;
    }
    if (!out->path) {
        if (fflush(stdout) != 0 || ferror(stdout))
            return cli_failf(4, "standard output: write error: %s", strerror(errno));
        out->fp = NULL;
        return 0;
    }
    int bad = ferror(out->fp) != 0;
    if (cli_interrupt) {
        cli_out_abort(out);
        return cli_failf(130, "interrupted: %s not written", "output");
    }
    if (fflush(out->fp) != 0) bad = 1;
    if (!bad && !(cli_out_flags & CLI_OUT_NOSYNC) && fsync(fileno(out->fp)) != 0 && errno != EINVAL) bad = 1;
    int e = errno;
    if (fclose(out->fp) != 0) bad = 1, e = errno;
    out->fp = NULL;
    if (!bad && rename(out->tmp, out->path) != 0) bad = 1, e = errno;
    if (bad) {
        unlink(out->tmp);
        cli_out_failures++;
        cli_failf(4, "%s: write error: %s", out->name ? out->name : out->path, strerror(e));
    }
    unregister_tmp(out->tmp);
    free(out->path);
    free(out->tmp);
    out->path = out->tmp = NULL;
    return bad ? 4 : 0;
}

void cli_out_abort(cli_out *out)
{
    if (out->fp && out->direct) fclose(out->fp);
    if (out->fp && out->path) {
        fclose(out->fp);
        unlink(out->tmp);
    }
    if (out->tmp) unregister_tmp(out->tmp);
    free(out->path);
    free(out->tmp);
    memset(out, 0, sizeof *out);
}
