/* cli_common.c - option parsing, input loading, atomic output, JSON/CSV helpers. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cli_failf(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("cmeta: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cli_fail_status(cmeta_status st, const cmeta_error *err)
{
    char buf[2048];
    cmeta_error e = *err;
    if (e.status == CMETA_OK) e.status = st == CMETA_OK ? CMETA_ENUMERIC : st;
    if (!e.message[0]) snprintf(e.message, sizeof e.message, "%s", cmeta_strerror(e.status));
    cmeta_error_format(&e, buf, sizeof buf);
    fprintf(stderr, "cmeta: %s\n", buf);
    return cmeta_status_exit_code(e.status);
}

int cli_fail(const cmeta_error *err) { return cli_fail_status(err->status, err); }

void cli_print_warnings(const cmeta_warnings *w)
{
    for (size_t i = 0; w && i < w->n; i++) fprintf(stderr, "cmeta: warning: %s\n", w->text[i]);
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
    cmeta_status st = cmeta_table_read_file(path, t, &err);
    if (st != CMETA_OK) return cli_fail_status(st, &err);
    st = cmeta_data_from_table(*t, &o->data, d, w, &err);
    if (st != CMETA_OK) {
        cmeta_table_free(*t);
        *t = NULL;
        return cli_fail_status(st, &err);
    }
    apply_preset(o, *d);
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

static void on_signal(int sig)
{
    if (!cli_interrupt) {
        cli_interrupt = 1;
        return;
    }
    cli_remove_tmp_files();
    _exit(128 + sig);
}

void cli_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---- output ---------------------------------------------------------------------------- */

int cli_out_open(cli_out *out, const char *path)
{
    memset(out, 0, sizeof *out);
    if (!path || eq(path, "-")) {
        out->fp = stdout;
        return 0;
    }
    /* A device or pipe (/dev/stdout, /dev/full, a FIFO) is written directly: renaming a
     * temporary file over it would replace the device. Only regular files get the
     * write-then-rename treatment. */
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        if (S_ISDIR(sb.st_mode)) return cli_failf(4, "%s: is a directory", path);
        out->fp = fopen(path, "w");
        if (!out->fp) return cli_failf(4, "%s: cannot write: %s", path, strerror(errno));
        out->direct = 1;
        out->name = path;
        return 0;
    }
    size_t n = strlen(path);
    out->path = malloc(n + 1);
    out->tmp = malloc(n + 16);
    if (!out->path || !out->tmp) {
        free(out->path);
        free(out->tmp);
        return cli_failf(4, "out of memory");
    }
    memcpy(out->path, path, n + 1);
    snprintf(out->tmp, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(out->tmp);
    if (fd < 0) {
        int e = errno;
        free(out->path);
        free(out->tmp);
        memset(out, 0, sizeof *out);
        return cli_failf(4, "%s: cannot write: %s", path, strerror(e));
    }
    /* mkstemp makes the file 0600; give it the mode a plain fopen would (0666 less the umask) */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    out->fp = fdopen(fd, "w");
    if (out->fp) register_tmp(out->tmp);
    if (!out->fp) {
        close(fd);
        unlink(out->tmp);
        free(out->path);
        free(out->tmp);
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
    if (!bad && fsync(fileno(out->fp)) != 0 && errno != EINVAL) bad = 1;
    int e = errno;
    if (fclose(out->fp) != 0) bad = 1, e = errno;
    out->fp = NULL;
    if (!bad && rename(out->tmp, out->path) != 0) bad = 1, e = errno;
    if (bad) {
        unlink(out->tmp);
        cli_failf(4, "%s: write error: %s", out->path, strerror(e));
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

/* ---- JSON / CSV ------------------------------------------------------------------------ */

void json_num(FILE *fp, double x)
{
    char b[40];
    if (isfinite(x)) {
        cli_fmt17g(b, sizeof b, x);
        fputs(b, fp);
    } else {
        fputs("null", fp);
    }
}

void json_str(FILE *fp, const char *s)
{
    if (!s) {
        fputs("null", fp);
        return;
    }
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", fp); break;
        case '\\': fputs("\\\\", fp); break;
        case '\n': fputs("\\n", fp); break;
        case '\r': fputs("\\r", fp); break;
        case '\t': fputs("\\t", fp); break;
        default:
            if (*p < 0x20) fprintf(fp, "\\u%04x", *p);
            else fputc(*p, fp);
        }
    }
    fputc('"', fp);
}

void json_key(FILE *fp, const char *key, int *first)
{
    if (!*first) fputc(',', fp);
    *first = 0;
    json_str(fp, key);
    fputc(':', fp);
}

void json_warnings(FILE *fp, const cmeta_warnings *w, int *first)
{
    json_key(fp, "warnings", first);
    fputc('[', fp);
    for (size_t i = 0; w && i < w->n; i++) {
        if (i) fputc(',', fp);
        json_str(fp, w->text[i]);
    }
    fputc(']', fp);
}

void csv_field(FILE *fp, const char *s)
{
    if (!s) return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

void csv_num(FILE *fp, double x)
{
    char b[40];
    if (isfinite(x)) {
        cli_fmt17g(b, sizeof b, x);
        fputs(b, fp);
    }
}
