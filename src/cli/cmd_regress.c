/* cmd_regress.c - `cmeta regress FILE --mods A,B`: mixed-effects meta-regression (metafor's
 * rma(yi, vi, mods = ~ A + B)), printed like metafor's print.rma.uni. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_diag.h"

static const char usage[] =
    "usage: cmeta regress FILE --mods A,B [options]\n"
    "  Mixed-effects meta-regression of the effect sizes on the moderator columns A, B, ...\n"
    "  (numeric columns as they are; text columns as factors, first level the reference).\n"
    "  --mods A,B        moderator columns (required)\n"
    "  --no-intercept    no intercept (a first factor then gets one column per level)\n"
    "  --measure M       effect measure (required unless the file has yi/vi)\n"
    "  --method M        FE DL HE HS SJ ML REML(default) EB PM\n"
    "  --test z|t|knha   z (default), t, or Knapp-Hartung (t and F tests)\n"
    "  --level 95        confidence level in percent\n"
    "  --format text|json|csv, -o PATH\n";

/* "2:4", "2", "1:3" as metafor's .format.btt for a consecutive range */
static void btt_text(char *buf, size_t n, size_t from, size_t to)
{
    if (from == to) snprintf(buf, n, "coefficient %zu", from);
    else snprintf(buf, n, "coefficients %zu:%zu", from, to);
}

static void print_text(FILE *fp, const cmeta_fit *f, const cmeta_design *des)
{
    char a[64], b[64], c[96];
    int fe = f->method == CMETA_METHOD_FE;
    const double eps10 = 10 * 2.220446049250313e-16;
    fputc('\n', fp);
    if (fe) fprintf(fp, "Fixed-Effects with Moderators Model (k = %zu)\n\n", f->k);
    else fprintf(fp, "Mixed-Effects Model (k = %zu; tau^2 estimator: %s)\n\n", f->k, cmeta_method_name(f->method));
    if (!fe) {
        cmeta_fmt_num(a, sizeof a, f->tau2, fabs(f->tau2) <= eps10 ? 0 : 4);
        fprintf(fp, "tau^2 (estimated amount of residual heterogeneity):     %s", a);
        if (isfinite(f->se_tau2)) {
            cmeta_fmt_num(b, sizeof b, f->se_tau2, 4);
            fprintf(fp, " (SE = %s)", b);
        }
        cmeta_fmt_num(a, sizeof a, f->tau2 >= 0 ? sqrt(f->tau2) : NAN, f->tau2 <= eps10 ? 0 : 4);
        fprintf(fp, "\ntau (square root of estimated tau^2 value):             %s\n", a);
    }
    if (isfinite(f->I2)) {
        cmeta_fmt_num(a, sizeof a, f->I2, 2);
        fprintf(fp, "I^2 (residual heterogeneity / unaccounted variability): %s%%\n", a);
    }
    if (isfinite(f->H2)) {
        cmeta_fmt_num(a, sizeof a, f->H2, 2);
        fprintf(fp, "H^2 (unaccounted variability / sampling variability):   %s\n", a);
    }
    if (des->intercept) {
        cmeta_fmt_num(a, sizeof a, f->R2, 2);
        fprintf(fp, "R^2 (amount of heterogeneity accounted for):            %s%%\n", a);
    }
    fputc('\n', fp);
    if (isfinite(f->Q)) {
        cmeta_fmt_num(a, sizeof a, f->Q, 4);
        cli_diag_pval_eq(c, sizeof c, f->Q_pval);
        fprintf(fp, "Test for Residual Heterogeneity:\nQE(df = %.0f) = %s, %s\n\n", f->Q_df, a, c);
    }
    if (f->p > 1 && isfinite(f->QM)) {
        size_t from = des->intercept ? 2 : 1;
        btt_text(b, sizeof b, from, f->p);
        cmeta_fmt_num(a, sizeof a, f->QM, 4);
        cli_diag_pval_eq(c, sizeof c, f->QM_pval);
        if (f->test != CMETA_TEST_Z)
            fprintf(fp, "Test of Moderators (%s):\nF(df1 = %.0f, df2 = %g) = %s, %s\n\n", b, f->QM_df,
                    round(f->df * 100) / 100, a, c);
        else
            fprintf(fp, "Test of Moderators (%s):\nQM(df = %.0f) = %s, %s\n\n", b, f->QM_df, a, c);
    }
    int tt = f->test != CMETA_TEST_Z;
    size_t nc = tt ? 8 : 7, p = f->p;
    const char *cols[8];
    size_t n = 0;
    cols[n++] = "estimate";
    cols[n++] = "se";
    cols[n++] = tt ? "tval" : "zval";
    if (tt) cols[n++] = "df";
    cols[n++] = "pval";
    cols[n++] = "ci.lb";
    cols[n++] = "ci.ub";
    cols[n++] = "";
    char (*buf)[48] = calloc(p * nc, sizeof *buf);
    const char **cells = calloc(p * nc, sizeof *cells);
    if (!buf || !cells) {
        free(buf);
        free(cells);
        return;
    }
    for (size_t i = 0; i < p; i++) {
        size_t j = 0;
        char (*r)[48] = buf + i * nc;
        cmeta_fmt_num(r[j++], 48, f->beta[i], 4);
        cmeta_fmt_num(r[j++], 48, f->se[i], 4);
        cmeta_fmt_num(r[j++], 48, f->stat[i], 4);
        if (tt) snprintf(r[j++], 48, "%g", round(f->df * 100) / 100);
        cmeta_fmt_pval(r[j++], 48, f->pval[i], 4);
        cmeta_fmt_num(r[j++], 48, f->ci_lb[i], 4);
        cmeta_fmt_num(r[j++], 48, f->ci_ub[i], 4);
        snprintf(r[j++], 48, "%s", cmeta_signif_stars(f->pval[i]));
        for (j = 0; j < nc; j++) cells[i * nc + j] = r[j];
    }
    fputs("Model Results:\n\n", fp);
    cli_diag_frame(fp, (const char *const *)des->names, p, cols, nc, cells, 2);
    fputs("\n---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n", fp);
    free(buf);
    free(cells);
}

static void print_json(FILE *fp, const cmeta_fit *f, const cmeta_design *des, const cmeta_data *d,
                       const cmeta_warnings *w)
{
    int first = 1;
    fputc('{', fp);
    cmeta_json_key(fp, "k", &first);
    fprintf(fp, "%zu", f->k);
    cmeta_json_key(fp, "measure", &first);
    cmeta_json_str(fp, cmeta_measure_name(d->measure));
    cmeta_json_key(fp, "method", &first);
    cmeta_json_str(fp, cmeta_method_name(f->method));
    cmeta_json_key(fp, "test", &first);
    cmeta_json_str(fp, cmeta_test_name(f->test));
    cmeta_json_key(fp, "level", &first);
    cmeta_json_num(fp, f->level);
    cmeta_json_key(fp, "intercept", &first);
    fputs(des->intercept ? "true" : "false", fp);
    cmeta_json_key(fp, "coefficients", &first);
    fputc('[', fp);
    for (size_t i = 0; i < f->p; i++) {
        int f2 = 1;
        fputs(i ? ",{" : "{", fp);
        cmeta_json_key(fp, "name", &f2);
        cmeta_json_str(fp, des->names[i]);
        cmeta_json_key(fp, "estimate", &f2);
        cmeta_json_num(fp, f->beta[i]);
        cmeta_json_key(fp, "se", &f2);
        cmeta_json_num(fp, f->se[i]);
        cmeta_json_key(fp, "stat", &f2);
        cmeta_json_num(fp, f->stat[i]);
        cmeta_json_key(fp, "pval", &f2);
        cmeta_json_num(fp, f->pval[i]);
        cmeta_json_key(fp, "ci_lb", &f2);
        cmeta_json_num(fp, f->ci_lb[i]);
        cmeta_json_key(fp, "ci_ub", &f2);
        cmeta_json_num(fp, f->ci_ub[i]);
        fputc('}', fp);
    }
    fputc(']', fp);
    struct { const char *k; double v; } kv[] = {
        {"df", f->test == CMETA_TEST_Z ? NAN : f->df},
        {"QM", f->QM}, {"QM_df", f->QM_df}, {"QM_df2", f->test == CMETA_TEST_Z ? NAN : f->df},
        {"QM_pval", f->QM_pval}, {"QE", f->Q}, {"QE_df", f->Q_df}, {"QE_pval", f->Q_pval},
        {"tau2", f->tau2}, {"se_tau2", f->se_tau2}, {"tau", f->tau2 >= 0 ? sqrt(f->tau2) : NAN},
        {"I2", f->I2}, {"H2", f->H2}, {"R2", f->R2}};
    for (size_t i = 0; i < sizeof kv / sizeof *kv; i++) {
        cmeta_json_key(fp, kv[i].k, &first);
        cmeta_json_num(fp, kv[i].v);
    }
    cmeta_json_warnings(fp, w, &first);
    fputs("}\n", fp);
}

static void print_csv(FILE *fp, const cmeta_fit *f, const cmeta_design *des)
{
    fputs("name,estimate,se,stat,pval,ci_lb,ci_ub\n", fp);
    for (size_t i = 0; i < f->p; i++) {
        cmeta_csv_field(fp, des->names[i]);
        const double v[] = {f->beta[i], f->se[i], f->stat[i], f->pval[i], f->ci_lb[i], f->ci_ub[i]};
        for (size_t j = 0; j < 6; j++) {
            fputc(',', fp);
            cmeta_csv_num(fp, v[j]);
        }
        fputc('\n', fp);
    }
}

int cmeta_cmd_regress(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o, usage);
    if (rc >= 0) return rc;
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_design *des = NULL;
    cmeta_fit *fit = NULL;
    double *y = NULL, *v = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_error err;
    cmeta_error_clear(&err);
    if (!o.mods || !*o.mods) {
        rc = cli_failf(1, "regress: --mods A,B is required (the moderator columns)");
        goto done;
    }
    if ((rc = cli_load(&o, o.inputs[0], &t, &d, &w))) goto done;
    if ((rc = cli_diag_check_method(&o))) goto done;
    cmeta_status st = cmeta_design_from_data(d, o.mods, !o.no_intercept, &des, &w, &err);
    if (st != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    y = malloc((des->n ? des->n : 1) * sizeof *y);
    v = malloc((des->n ? des->n : 1) * sizeof *v);
    if (!y || !v) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < des->n; i++) {
        y[i] = d->yi[des->keep[i]];
        v[i] = d->vi[des->keep[i]];
    }
    o.fit.intercept = des->intercept;
    st = cmeta_rma(y, v, des->n, des->X, des->q, &o.fit, &fit, &w, &err);
    if (st != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    cli_out out;
    if ((rc = cli_out_open(&out, o.output))) goto done;
    if (o.format == CLI_FMT_JSON) print_json(out.fp, fit, des, d, &w);
    else if (o.format == CLI_FMT_CSV) print_csv(out.fp, fit, des);
    else print_text(out.fp, fit, des);
    rc = cli_out_commit(&out);
    if (o.format != CLI_FMT_JSON) cli_print_warnings(&w);
done:
    free(y);
    free(v);
    cmeta_fit_free(fit);
    cmeta_design_free(des);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    cli_opts_free(&o);
    return rc;
}
