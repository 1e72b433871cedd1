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

/* ---- option parsing ------------------------------------------------------------------ */

static int parse_num(const char *opt, const char *s, double *x)
{
    cmeta_error err;
    cmeta_error_clear(&err);
    if (cmeta_parse_double(s, x, &err) != CMETA_OK)
        return cli_failf(1, "%s: '%s' is not a number", opt, s);
    return 0;
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *x)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return cli_failf(1, "%s: '%s' is not a whole number from %ld to %ld", opt, s, lo, hi);
    *x = v;
    return 0;
}

static int eq(const char *a, const char *b) { return strcmp(a, b) == 0; }

int cli_parse(int argc, char **argv, cli_opts *o, const char *usage)
{
    memset(o, 0, sizeof *o);
    o->command = argv[0];
    o->format = CLI_FMT_TEXT;
    cmeta_data_opts_default(&o->data);
    cmeta_fit_opts_default(&o->fit);
    o->het_p = 0.10;
    o->jobs = 1;
    o->inputs = calloc((size_t)argc + 1, sizeof *o->inputs);
    if (!o->inputs) return cli_failf(4, "out of memory");

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        char name[64];
        if (a[0] != '-' || eq(a, "-")) {
            o->inputs[o->ninputs++] = a;
            continue;
        }
        if (eq(a, "--")) {
            while (++i < argc) o->inputs[o->ninputs++] = argv[i];
            break;
        }
        if (eq(a, "-h") || eq(a, "--help")) {
            fputs(usage, stdout);
            return -1;
        }
        /* --opt=value */
        const char *eqs = strchr(a, '=');
        if (eqs && (size_t)(eqs - a) < sizeof name) {
            memcpy(name, a, (size_t)(eqs - a));
            name[eqs - a] = '\0';
            val = eqs + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }
        /* flags without a value */
        if (eq(name, "--drop00")) { o->data.escalc.drop00 = 1; continue; }
        if (eq(name, "--tau-common")) { o->tau_common = 1; continue; }
        if (eq(name, "--no-intercept")) { o->no_intercept = 1; continue; }
        if (eq(name, "--trimfill")) { o->trimfill = 1; continue; }
        if (eq(name, "--contours")) { o->contours = 1; continue; }
        if (eq(name, "--plots")) { o->plots = 1; continue; }
        if (eq(name, "--bayes") && !val) { /* forest only */
            if (!eq(o->command, "forest"))
                return cli_failf(1, "%s: unknown option '%s' (see cmeta %s --help)", o->command, name, o->command);
            o->forest_bayes = 1;
            continue;
        }
#define NEED_VALUE()                                                                   \
    do {                                                                               \
        if (!val) {                                                                    \
            if (i + 1 >= argc) return cli_failf(1, "%s needs a value", name);          \
            val = argv[++i];                                                           \
        }                                                                              \
    } while (0)
        static const char *const with_value[] = {
            "-o", "--output", "--format", "--measure", "--method", "--test", "--level", "--add",
            "--to", "--vtype", "--preset", "--seed", "--ri", "--model", "--het-p", "--tol",
            "--maxiter", "--subgroup", "--mods", "--order", "--layout", "--iter", "--type",
            "--subsets", "--out", "--jobs", "--shard", "--smcr-sd", "--plot", "--tau-prior", "--mu-prior",
            "--hakn-ci", NULL};
        int known = 0;
        for (const char *const *k = with_value; *k; k++) known |= eq(name, *k);
        if (!known)
            return cli_failf(1, "%s: unknown option '%s' (see cmeta %s --help)", o->command, name, o->command);
        NEED_VALUE();
        double x;
        if (eq(name, "-o") || eq(name, "--output")) o->output = val;
        else if (eq(name, "--format")) {
            if (eq(val, "text")) o->format = CLI_FMT_TEXT;
            else if (eq(val, "json")) o->format = CLI_FMT_JSON;
            else if (eq(val, "csv")) o->format = CLI_FMT_CSV;
            else return cli_failf(1, "--format: '%s' is not one of text, json, csv", val);
        } else if (eq(name, "--measure")) {
            if (cmeta_measure_from_name(val, &o->data.measure) != CMETA_OK)
                return cli_failf(1, "--measure: unknown measure '%s' (SMD SMDH SMD1 MD ROM MC SMCC "
                                    "SMCR SMCRH ROMC OR RR RD PETO AS PR PLN PLO PAS PFT COR UCOR ZCOR GEN)", val);
            o->data.measure_set = 1;
        } else if (eq(name, "--method")) {
            if (cmeta_method_from_name(val, &o->fit.method) != CMETA_OK)
                return cli_failf(1, "--method: unknown method '%s' (FE EE CE DL HE HS SJ ML REML EB PM MH PETO)", val);
            o->method_set = 1;
        } else if (eq(name, "--test")) {
            if (cmeta_test_from_name(val, &o->fit.test) != CMETA_OK)
                return cli_failf(1, "--test: '%s' is not one of z, t, knha, knha-adhoc", val);
            o->test_set = 1;
        } else if (eq(name, "--level")) {
            if (parse_num(name, val, &x)) return 1;
            if (!(x > 0 && x < 100)) return cli_failf(1, "--level must be > 0 and < 100 (got %s)", val);
            o->fit.level = x;
            o->level_set = 1;
        } else if (eq(name, "--add")) {
            if (parse_num(name, val, &x)) return 1;
            if (!(x >= 0)) return cli_failf(1, "--add must be >= 0 (got %s)", val);
            o->data.escalc.add = x;
            o->data.escalc.add_explicit = 1;
            o->add_set = 1;
        } else if (eq(name, "--to")) {
            if (cmeta_to_from_name(val, &o->data.escalc.to) != CMETA_OK)
                return cli_failf(1, "--to: '%s' is not one of only0, all, if0all, none", val);
            o->to_set = 1;
        } else if (eq(name, "--vtype")) {
            if (cmeta_vtype_from_name(val, &o->data.escalc.vtype) != CMETA_OK)
                return cli_failf(1, "--vtype: '%s' is not one of LS, UB, HO, AV", val);
            o->vtype_set = 1;
        } else if (eq(name, "--preset")) {
            if (eq(val, "metafor")) o->preset_revman5 = 0;
            else if (eq(val, "revman5")) o->preset_revman5 = 1;
            else if (eq(val, "revmanweb")) o->preset_revmanweb = 1;
            else return cli_failf(1, "--preset: '%s' is not one of metafor, revman5, revmanweb", val);
            if (o->preset_revman5 && o->preset_revmanweb)
                return cli_failf(1, "--preset: give one preset only");
        } else if (eq(name, "--seed")) {
            char *end;
            errno = 0;
            unsigned long s = strtoul(val, &end, 10);
            if (errno || end == val || *end || val[0] == '-')
                return cli_failf(1, "--seed: '%s' is not a non-negative whole number", val);
            o->seed = s;
            o->seed_set = 1;
        } else if (eq(name, "--ri")) {
            if (parse_num(name, val, &x)) return 1;
            if (!(x >= -1 && x <= 1)) return cli_failf(1, "--ri must be between -1 and 1 (got %s)", val);
            o->data.ri = x;
            o->data.ri_set = 1;
        } else if (eq(name, "--smcr-sd")) {
            if (cmeta_smcr_sd_from_name(val, &o->data.smcr_sd) != CMETA_OK)
                return cli_failf(1, "--smcr-sd: '%s' is not one of followup, baseline", val);
            o->smcr_sd_set = 1;
        } else if (eq(name, "--model")) {
            if (eq(val, "auto")) o->model_auto = 1;
            else return cli_failf(1, "--model: '%s' is not 'auto' (use --method for a fixed choice)", val);
        } else if (eq(name, "--het-p")) {
            if (parse_num(name, val, &x)) return 1;
            if (!(x > 0 && x < 1)) return cli_failf(1, "--het-p must be > 0 and < 1 (got %s)", val);
            o->het_p = x;
        } else if (eq(name, "--tol")) {
            if (parse_num(name, val, &x)) return 1;
            if (!(x > 0 && x < 1)) return cli_failf(1, "--tol must be > 0 and < 1 (got %s)", val);
            o->fit.tol = x;
        } else if (eq(name, "--maxiter")) {
            long v;
            if (parse_long(name, val, 1, 1000000, &v)) return 1;
            o->fit.maxiter = (int)v;
        } else if (eq(name, "--subgroup")) o->subgroup = val;
        else if (eq(name, "--mods")) o->mods = val;
        else if (eq(name, "--order")) o->order = val;
        else if (eq(name, "--layout")) {
            if (!eq(val, "metafor") && !eq(val, "revman5"))
                return cli_failf(1, "--layout: '%s' is not one of metafor, revman5", val);
            o->layout = val;
        } else if (eq(name, "--iter")) {
            if (parse_long(name, val, 1, 100000000L, &o->iter)) return 1;
        } else if (eq(name, "--type")) o->type = val;
        else if (eq(name, "--subsets")) {
            if (parse_long(name, val, 1, 1000000000L, &o->subsets)) return 1;
        } else if (eq(name, "--out")) o->outdir = val;
        else if (eq(name, "--tau-prior") || eq(name, "--mu-prior")) {
            if (!eq(o->command, "bayes") && !eq(o->command, "forest")) /* forest: with --bayes */
                return cli_failf(1, "%s: unknown option '%s' (see cmeta %s --help)", o->command, name, o->command);
            if (eq(name, "--tau-prior")) o->tau_prior = val;
            else o->mu_prior = val;
        } else if (eq(name, "--hakn-ci")) {
            if (!eq(o->command, "pool") && !eq(o->command, "forest"))
                return cli_failf(1, "%s: unknown option '%s' (see cmeta %s --help)", o->command, name, o->command);
            if (cmeta_hakn_ci_from_name(val, &o->fit.hakn_ci) != CMETA_OK)
                return cli_failf(1, "--hakn-ci: '%s' is not one of se, ci, iqwig6", val);
            o->hakn_ci_set = 1;
        }
        else if (eq(name, "--plot")) {
            if (!eq(o->command, "gosh") && !eq(o->command, "bayes")) /* pictures of the other commands take -o */
                return cli_failf(1, "%s: unknown option '%s' (see cmeta %s --help)", o->command, name, o->command);
            o->plot = val;
        }
        else if (eq(name, "--jobs")) {
            if (parse_long(name, val, 1, 1024, &o->jobs)) return 1;
        } else if (eq(name, "--shard")) {
            long si, sn;
            char tail;
            if (sscanf(val, "%ld/%ld%c", &si, &sn, &tail) != 2 || sn < 1 || si < 1 || si > sn)
                return cli_failf(1, "--shard: '%s' is not I/N with 1 <= I <= N", val);
            o->shard_i = si;
            o->shard_n = sn;
        } else
            return cli_failf(1, "%s: unknown option '%s' (see cmeta %s --help)", o->command, name, o->command);
#undef NEED_VALUE
    }
    /* --hakn-ci modifies the Hartung-Knapp interval: alone it is a usage error */
    if (o->hakn_ci_set && !(o->test_set && o->fit.test == CMETA_TEST_KNHA))
        return cli_failf(1, "%s: --hakn-ci needs --test knha", o->command);
    return 0;
}

int cli_start(int argc, char **argv, cli_opts *o, const char *usage)
{
    int rc = cli_parse(argc, argv, o, usage);
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
    o->inputs = NULL;
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
