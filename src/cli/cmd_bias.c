/* cmd_bias.c - `cmeta bias FILE`: small-study effects: Egger's regression test (metafor
 * regtest(model = "lm")), Begg's rank correlation (ranktest), trim and fill (trimfill, L0),
 * fail-safe N (fsn: Rosenthal, Orwin), printed like metafor's print methods. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_diag.h"

static const char usage[] =
    "usage: cmeta bias FILE [options]\n"
    "  Small-study effects: Egger's regression test, Begg & Mazumdar's rank correlation,\n"
    "  trim and fill (L0 estimator; the side chosen as metafor), fail-safe N (Rosenthal,\n"
    "  Orwin). Needs at least 3 studies; warns below 10.\n"
    "  --measure M, --method M (model of trim and fill: FE DL HE HS SJ ML REML EB PM),\n"
    "  --test z|t|knha, --level 95, --format text|json|csv, -o PATH\n";

typedef struct {
    cmeta_regtest_result eg;
    cmeta_ranktest_result rk;
    cmeta_trimfill_result *tf;
    cmeta_failsafe_result fs;
} bias_res;

static void peq(char *buf, size_t n, double p)
{
    char t[64];
    cmeta_fmt_pval(t, sizeof t, p, 4);
    if (t[0] == '<') snprintf(buf, n, "p < %s", t + 1);
    else snprintf(buf, n, "p = %s", t);
}

static void print_text(FILE *fp, const bias_res *r, const cmeta_data *d, double level)
{
    char a[64], b[80], c[64], e[80];
    cmeta_fmt_num(a, sizeof a, r->eg.stat, 4);
    peq(b, sizeof b, r->eg.pval);
    fputs("\nRegression Test for Funnel Plot Asymmetry\n\n"
          "Model:     weighted regression with multiplicative dispersion\n"
          "Predictor: standard error\n\n", fp);
    fprintf(fp, "Test for Funnel Plot Asymmetry: t = %s, df = %.0f, %s\n", a, r->eg.df, b);
    cmeta_fmt_num(a, sizeof a, r->eg.intercept, 4);
    cmeta_fmt_num(b, sizeof b, r->eg.ci_lb, 4);
    cmeta_fmt_num(c, sizeof c, r->eg.ci_ub, 4);
    fprintf(fp, "Limit Estimate (as sei -> 0):   b = %s (CI: %s, %s)\n", a, b, c);
    cmeta_fmt_num(a, sizeof a, r->eg.slope, 4);
    cmeta_fmt_num(b, sizeof b, r->eg.slope_se, 4);
    fprintf(fp, "Egger's bias coefficient (slope on sei): %s (SE = %s)\n\n", a, b);

    cmeta_fmt_num(a, sizeof a, r->rk.tau, 4);
    peq(b, sizeof b, r->rk.pval);
    fprintf(fp, "\nRank Correlation Test for Funnel Plot Asymmetry\n\nKendall's tau = %s, %s%s\n\n", a, b,
            r->rk.exact ? "" : " (normal approximation)");

    const cmeta_trimfill_result *tf = r->tf;
    cmeta_fmt_num(a, sizeof a, tf->se_k0, 4);
    fprintf(fp, "\nEstimated number of missing studies on the %s side: %zu (SE = %s)\n\n",
            tf->side == CMETA_TF_RIGHT ? "right" : "left", tf->k0, a);
    const cmeta_fit *f = tf->fit;
    if (f->method == CMETA_METHOD_FE) fprintf(fp, "Fixed-Effects Model (k = %zu)\n", f->k);
    else fprintf(fp, "Random-Effects Model (k = %zu; tau^2 estimator: %s)\n", f->k, cmeta_method_name(f->method));
    cmeta_fmt_num(a, sizeof a, f->beta[0], 4);
    cmeta_fmt_num(b, sizeof b, f->ci_lb[0], 4);
    cmeta_fmt_num(c, sizeof c, f->ci_ub[0], 4);
    peq(e, sizeof e, f->pval[0]);
    fprintf(fp, "estimate = %s, %g%% CI: %s, %s, %s", a, level, b, c, e);
    if (f->method != CMETA_METHOD_FE) {
        cmeta_fmt_num(a, sizeof a, f->tau2, fabs(f->tau2) <= 10 * 2.220446049250313e-16 ? 0 : 4);
        fprintf(fp, ", tau^2 = %s", a);
    }
    fputs("\n\n", fp);
    if (tf->k0) {
        const char *cols[] = {"yi", "vi", "mirrors"};
        char (*buf)[64] = calloc(tf->k0 * 4, sizeof *buf);
        const char **cells = calloc(tf->k0 * 3, sizeof *cells);
        const char **rows = calloc(tf->k0, sizeof *rows);
        if (buf && cells && rows) {
            for (size_t j = 0; j < tf->k0; j++) {
                snprintf(buf[j * 4], 64, "Filled %zu", j + 1);
                rows[j] = buf[j * 4];
                cmeta_fmt_num(buf[j * 4 + 1], 64, tf->fill_yi[j], 4);
                cmeta_fmt_num(buf[j * 4 + 2], 64, tf->fill_vi[j], 4);
                snprintf(buf[j * 4 + 3], 64, "%s", d->label[tf->fill_of[j]]);
                for (size_t c2 = 0; c2 < 3; c2++) cells[j * 3 + c2] = buf[j * 4 + 1 + c2];
            }
            cli_diag_frame(fp, rows, tf->k0, cols, 3, cells, 1);
            fputc('\n', fp);
        }
        free(buf);
        free(cells);
        free(rows);
    }

    cmeta_fmt_pval(a, sizeof a, r->fs.rosenthal_pval, 4);
    fprintf(fp, "\nFail-safe N Calculation Using the Rosenthal Approach\n\n"
                "Observed Significance Level: %s\nTarget Significance Level:   %g\n\n"
                "Fail-safe N: %.0f\n\n", a, r->fs.alpha, r->fs.rosenthal);
    cmeta_fmt_num(a, sizeof a, r->fs.orwin_mean, 4);
    cmeta_fmt_num(b, sizeof b, r->fs.orwin_target, 4);
    fprintf(fp, "\nFail-safe N Calculation Using the Orwin Approach\n\n"
                "Average Effect Size: %s\nTarget Effect Size:  %s\n\nFail-safe N: ", a, b);
    if (isfinite(r->fs.orwin)) fprintf(fp, "%.0f\n\n", r->fs.orwin);
    else fputs("Inf\n\n", fp);
}

static void kv(FILE *fp, const char *k, double v, int *first)
{
    cmeta_json_key(fp, k, first);
    cmeta_json_num(fp, v);
}

static void print_json(FILE *fp, const bias_res *r, const cmeta_data *d, const cmeta_warnings *w)
{
    int first = 1, f2;
    fputc('{', fp);
    cmeta_json_key(fp, "k", &first);
    fprintf(fp, "%zu", d->k);
    cmeta_json_key(fp, "egger", &first);
    fputc('{', fp);
    f2 = 1;
    kv(fp, "stat", r->eg.stat, &f2);
    kv(fp, "df", r->eg.df, &f2);
    kv(fp, "pval", r->eg.pval, &f2);
    kv(fp, "intercept", r->eg.intercept, &f2);
    kv(fp, "intercept_se", r->eg.intercept_se, &f2);
    kv(fp, "ci_lb", r->eg.ci_lb, &f2);
    kv(fp, "ci_ub", r->eg.ci_ub, &f2);
    kv(fp, "slope", r->eg.slope, &f2);
    kv(fp, "slope_se", r->eg.slope_se, &f2);
    fputc('}', fp);
    cmeta_json_key(fp, "begg", &first);
    fputc('{', fp);
    f2 = 1;
    kv(fp, "tau", r->rk.tau, &f2);
    kv(fp, "pval", r->rk.pval, &f2);
    cmeta_json_key(fp, "exact", &f2);
    fputs(r->rk.exact ? "true" : "false", fp);
    fputc('}', fp);
    const cmeta_trimfill_result *tf = r->tf;
    const cmeta_fit *f = tf->fit;
    cmeta_json_key(fp, "trimfill", &first);
    fputc('{', fp);
    f2 = 1;
    cmeta_json_key(fp, "estimator", &f2);
    cmeta_json_str(fp, tf->estimator == CMETA_TF_R0 ? "R0" : "L0");
    cmeta_json_key(fp, "k0", &f2);
    fprintf(fp, "%zu", tf->k0);
    kv(fp, "se_k0", tf->se_k0, &f2);
    cmeta_json_key(fp, "side", &f2);
    cmeta_json_str(fp, tf->side == CMETA_TF_RIGHT ? "right" : "left");
    cmeta_json_key(fp, "k", &f2);
    fprintf(fp, "%zu", f->k);
    cmeta_json_key(fp, "method", &f2);
    cmeta_json_str(fp, cmeta_method_name(f->method));
    kv(fp, "estimate", f->beta[0], &f2);
    kv(fp, "se", f->se[0], &f2);
    kv(fp, "pval", f->pval[0], &f2);
    kv(fp, "ci_lb", f->ci_lb[0], &f2);
    kv(fp, "ci_ub", f->ci_ub[0], &f2);
    kv(fp, "tau2", f->tau2, &f2);
    cmeta_json_key(fp, "filled", &f2);
    fputc('[', fp);
    for (size_t j = 0; j < tf->k0; j++) {
        int f3 = 1;
        fputs(j ? ",{" : "{", fp);
        kv(fp, "yi", tf->fill_yi[j], &f3);
        kv(fp, "vi", tf->fill_vi[j], &f3);
        cmeta_json_key(fp, "mirrors", &f3);
        cmeta_json_str(fp, d->label[tf->fill_of[j]]);
        fputc('}', fp);
    }
    fputs("]}", fp);
    cmeta_json_key(fp, "failsafe", &first);
    fputc('{', fp);
    f2 = 1;
    kv(fp, "rosenthal", r->fs.rosenthal, &f2);
    kv(fp, "rosenthal_pval", r->fs.rosenthal_pval, &f2);
    kv(fp, "alpha", r->fs.alpha, &f2);
    kv(fp, "orwin", r->fs.orwin, &f2);
    kv(fp, "orwin_mean", r->fs.orwin_mean, &f2);
    kv(fp, "orwin_target", r->fs.orwin_target, &f2);
    fputc('}', fp);
    cmeta_json_warnings(fp, w, &first);
    fputs("}\n", fp);
}

static void row(FILE *fp, const char *test, const char *key, double v)
{
    fprintf(fp, "%s,%s,", test, key);
    cmeta_csv_num(fp, v);
    fputc('\n', fp);
}

static void print_csv(FILE *fp, const bias_res *r)
{
    fputs("test,key,value\n", fp);
    row(fp, "egger", "stat", r->eg.stat);
    row(fp, "egger", "df", r->eg.df);
    row(fp, "egger", "pval", r->eg.pval);
    row(fp, "egger", "intercept", r->eg.intercept);
    row(fp, "egger", "ci_lb", r->eg.ci_lb);
    row(fp, "egger", "ci_ub", r->eg.ci_ub);
    row(fp, "egger", "slope", r->eg.slope);
    row(fp, "egger", "slope_se", r->eg.slope_se);
    row(fp, "begg", "tau", r->rk.tau);
    row(fp, "begg", "pval", r->rk.pval);
    row(fp, "trimfill", "k0", (double)r->tf->k0);
    row(fp, "trimfill", "side_right", r->tf->side == CMETA_TF_RIGHT);
    row(fp, "trimfill", "estimate", r->tf->fit->beta[0]);
    row(fp, "trimfill", "ci_lb", r->tf->fit->ci_lb[0]);
    row(fp, "trimfill", "ci_ub", r->tf->fit->ci_ub[0]);
    row(fp, "trimfill", "tau2", r->tf->fit->tau2);
    for (size_t j = 0; j < r->tf->k0; j++) {
        char k1[32], k2[32];
        snprintf(k1, sizeof k1, "filled%zu_yi", j + 1);
        snprintf(k2, sizeof k2, "filled%zu_vi", j + 1);
        row(fp, "trimfill", k1, r->tf->fill_yi[j]);
        row(fp, "trimfill", k2, r->tf->fill_vi[j]);
    }
    row(fp, "failsafe", "rosenthal", r->fs.rosenthal);
    row(fp, "failsafe", "orwin", r->fs.orwin);
}

int cmeta_cmd_bias(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o, usage);
    if (rc >= 0) return rc;
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    bias_res r;
    memset(&r, 0, sizeof r);
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st;
    if ((rc = cli_load(&o, o.inputs[0], &t, &d, &w))) goto done;
    if ((rc = cli_diag_check_method(&o))) goto done;
    if (d->k < 3) {
        rc = cli_failf(2, "%s: bias: the tests for small-study effects need at least 3 studies (k = %zu)",
                       cmeta_table_name(t), d->k);
        goto done;
    }
    if (d->k < 10 && cmeta_warn(&w, "only %zu studies: tests for funnel-plot asymmetry have little "
                                    "power with fewer than 10 (Sterne et al. 2011)", d->k) != CMETA_OK) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    if ((st = cmeta_regtest(d->yi, d->vi, d->k, o.fit.level, &r.eg, &err)) != CMETA_OK ||
        (st = cmeta_ranktest(d->yi, d->vi, d->k, &r.rk, &w, &err)) != CMETA_OK ||
        (st = cmeta_trimfill(d->yi, d->vi, d->k, &o.fit, CMETA_TF_L0, CMETA_TF_AUTO, 0, &r.tf, &w, &err)) != CMETA_OK ||
        (st = cmeta_failsafe(d->yi, d->vi, d->k, 0.05, NAN, &r.fs, &err)) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    cli_out out;
    if ((rc = cli_out_open(&out, o.output))) goto done;
    if (o.format == CLI_FMT_JSON) print_json(out.fp, &r, d, &w);
    else if (o.format == CLI_FMT_CSV) print_csv(out.fp, &r);
    else print_text(out.fp, &r, d, o.fit.level);
    rc = cli_out_commit(&out);
    if (o.format != CLI_FMT_JSON) cli_print_warnings(&w);
done:
    cmeta_trimfill_free(r.tf);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    cli_opts_free(&o);
    return rc;
}
