/* cmd_gosh.c - `cmeta gosh`: the model on every subset of studies (or N random subsets),
 * streamed as CSV (-o F.csv, or stdout with --format csv); summary in text or JSON. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: cmeta gosh FILE [--subsets N] [--seed S] [--method M] -o F.csv [--format text|json]\n"
    "       [--plot F.svg|F.png|F.pdf]\n"
    "  Refits the model on all 2^k - 1 subsets of the studies (k <= 30 by default: exact when\n"
    "  2^k - 1 <= 10^6 or <= --subsets N), or on N random subsets (as metafor's gosh).\n"
    "  Rows (mask, k, estimate, Q, I2, H2, tau2; bit j-1 of mask = study j) go to -o F.csv,\n"
    "  or to stdout with --format csv. Methods FE, DL (O(1) per subset), ML, REML, PM, EB.\n"
    "  --plot F: GOSH plot (estimate against I^2, counted in a grid, with histograms).\n";

typedef struct {
    FILE *fp;
    cmeta_gosh_bins *bins;   /* --plot */
} sink;

/* unsigned decimal of v at p; returns the end */
static char *put_u64(char *p, unsigned long long v)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = t[--n];
    return p;
}

static int write_rows(void *ctx, const cmeta_gosh_row *r, size_t n)
{
    sink *s = ctx;
    if (s->bins) cmeta_gosh_bins_add(s->bins, r, n);
    if (!s->fp) return cli_interrupt;
    char line[256];
    for (size_t i = 0; i < n; i++) {
        /* as fprintf "%llu,%d," then cmeta_csv_num (%.17g, empty when not finite) per column */
        char *p = put_u64(line, (unsigned long long)r[i].mask);
        *p++ = ',';
        if (r[i].k < 0) *p++ = '-';
        p = put_u64(p, (unsigned long long)(r[i].k < 0 ? -(long long)r[i].k : r[i].k));
        const double v[5] = {r[i].estimate, r[i].Q, r[i].I2, r[i].H2, r[i].tau2};
        for (int c = 0; c < 5; c++) {
            *p++ = ',';
            if (isfinite(v[c])) p += cmeta_fmt17g(p, 40, v[c]);
        }
        *p++ = '\n';
        fwrite(line, 1, (size_t)(p - line), s->fp);
    }
    return cli_interrupt || ferror(s->fp);
}

int cmeta_cmd_gosh(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o, usage);
    if (rc >= 0) return rc;
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cli_out csv = {0};
    struct cli_goshplot gp = {0};
    rc = cli_load(&o, o.inputs[0], &t, &d, &w);
    if (rc) goto out;
    cmeta_resample_opts ro;
    cli_progress_state ps;
    cli_resample_opts(&o, "gosh", &ps, &ro);
    int csv_stdout = !o.output && o.format == CLI_FMT_CSV;
    sink s = {NULL, NULL};
    if ((rc = cli_goshplot_begin(&gp, o.plot, d))) goto out;
    if (o.plot) s.bins = &gp.bins;
    if (o.output || csv_stdout) {
        if ((rc = cli_out_open(&csv, o.output))) goto out;
        s.fp = csv.fp;
        fputs("mask,k,estimate,Q,I2,H2,tau2\n", s.fp);
    }
    cmeta_gosh_summary sum;
    cmeta_error err;
    cmeta_error_clear(&err);
    /* no rows wanted (no CSV, no plot): summary only, which the library can thread */
    cmeta_gosh_fn fn = (s.fp || s.bins) ? write_rows : NULL;
    cmeta_status st = cmeta_gosh(d->yi, d->vi, d->k, (uint64_t)o.subsets, &ro, fn, &s, &sum, &err);
    cli_progress_end(&ps);
    if (st != CMETA_OK) {
        if (s.fp && ferror(s.fp) && !cli_interrupt) rc = cli_failf(4, "%s: write error", o.output ? o.output : "stdout");
        else rc = cli_fail(&err);
        if (o.output) cli_out_abort(&csv);
        goto out;
    }
    if (s.fp && (rc = cli_out_commit(&csv))) goto out;
    if ((rc = cli_goshplot_end(&gp, &sum, ro.method))) goto out;
    if (csv_stdout) {
        cli_print_warnings(&w);
        goto out;
    }
    if (o.format == CLI_FMT_JSON) {
        int first = 1;
        fputc('{', stdout);
        cmeta_json_key(stdout, "gosh", &first);
        int f2 = 1;
        fputc('{', stdout);
        cmeta_json_key(stdout, "subsets", &f2);
        printf("%llu", (unsigned long long)sum.subsets);
        cmeta_json_key(stdout, "exact", &f2);
        fputs(sum.exact ? "true" : "false", stdout);
        cmeta_json_key(stdout, "seed", &f2);
        printf("%lu", ro.seed);
        cmeta_json_key(stdout, "k", &f2);
        printf("%zu", d->k);
        cmeta_json_key(stdout, "method", &f2);
        cmeta_json_str(stdout, cmeta_method_name(ro.method));
        cmeta_json_key(stdout, "failed", &f2);
        printf("%llu", (unsigned long long)sum.failed);
        cmeta_json_key(stdout, "output", &f2);
        cmeta_json_str(stdout, o.output);
        if (o.plot) {
            cmeta_json_key(stdout, "plot", &f2);
            cmeta_json_str(stdout, o.plot);
        }
        const char *nm[2] = {"estimate", "I2"};
        double v[2][4] = {{sum.est_mean, sum.est_sd, sum.est_min, sum.est_max},
                          {sum.I2_mean, sum.I2_sd, sum.I2_min, sum.I2_max}};
        for (int i = 0; i < 2; i++) {
            cmeta_json_key(stdout, nm[i], &f2);
            int f3 = 1;
            fputc('{', stdout);
            const char *kk[4] = {"mean", "sd", "min", "max"};
            for (int j = 0; j < 4; j++) {
                cmeta_json_key(stdout, kk[j], &f3);
                cmeta_json_num(stdout, v[i][j]);
            }
            fputc('}', stdout);
        }
        fputc('}', stdout);
        cmeta_json_warnings(stdout, &w, &first);
        fputs("}\n", stdout);
    } else {
        cli_print_warnings(&w);
        printf("GOSH (%s, k = %zu): %llu %s subsets%s%s\n", cmeta_method_name(ro.method), d->k,
               (unsigned long long)sum.subsets, sum.exact ? "(all)" : "random", o.output ? " written to " : "",
               o.output ? o.output : "");
        if (!sum.exact) printf("seed: %lu\n", ro.seed);
        if (o.plot) printf("plot: %s\n", o.plot);
        printf("failed fits: %llu\n", (unsigned long long)sum.failed);
        printf("estimate: mean %.4f, sd %.4f, range [%.4f, %.4f]\n", sum.est_mean, sum.est_sd, sum.est_min, sum.est_max);
        printf("I2 (%%):   mean %.2f, sd %.2f, range [%.2f, %.2f]\n", sum.I2_mean, sum.I2_sd, sum.I2_min, sum.I2_max);
    }
    if (fflush(stdout) != 0) rc = cli_failf(4, "standard output: write error");
out:
    cli_goshplot_abort(&gp);
    cmeta_warnings_free(&w);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cli_opts_free(&o);
    return rc;
}
