/* cmd_influence.c - `cmeta influence FILE [--mods A,B]`: case diagnostics (metafor's
 * influence.rma.uni), printed like metafor's print.infl.rma.uni. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_diag.h"

static const char usage[] =
    "usage: cmeta influence FILE [options]\n"
    "  Case diagnostics of the random-effects model (or meta-regression with --mods):\n"
    "  externally studentized residuals, DFFITS, Cook's distance, covariance ratio,\n"
    "  tau^2 and QE with each study left out, hat values, weights, DFBETAS, and the\n"
    "  'influential' flag by metafor's rule.\n"
    "  --mods A,B, --no-intercept   moderators (as cmeta regress)\n"
    "  --measure M, --method M (FE DL HE HS SJ ML REML EB PM), --test z|t|knha, --level\n"
    "  --format text|json|csv, -o PATH\n";

static const char *const cols[] = {"rstudent", "dffits", "cook.d", "cov.r", "tau2.del",
                                   "QE.del", "hat", "weight"};

static double colval(const cmeta_influence *inf, size_t i, size_t c)
{
    const double *a[] = {inf->rstudent, inf->dffits, inf->cook_d, inf->cov_r, inf->tau2_del,
                         inf->QE_del, inf->hat, inf->weight};
    return a[c][i];
}

static void print_text(FILE *fp, const cmeta_influence *inf, const char *const *labels,
                       const char *const *coefnames)
{
    size_t k = inf->k, p = inf->p;
    size_t nc = p == 1 ? 10 : 9; /* p == 1: the dfbs column joins the table */
    const char *names[10];
    for (size_t c = 0; c < 8; c++) names[c] = cols[c];
    if (p == 1) names[8] = "dfbs";
    names[nc - 1] = "inf";
    char (*buf)[32] = calloc(k * nc, sizeof *buf);
    const char **cells = calloc(k * (nc > p ? nc : p), sizeof *cells);
    if (!buf || !cells) goto done;
    for (size_t i = 0; i < k; i++) {
        for (size_t c = 0; c < 8; c++) cmeta_fmt_num(buf[i * nc + c], 32, colval(inf, i, c), 4);
        if (p == 1) cmeta_fmt_num(buf[i * nc + 8], 32, inf->dfbetas[i], 4);
        snprintf(buf[i * nc + nc - 1], 32, "%s", inf->influential[i] ? "*" : "");
        for (size_t c = 0; c < nc; c++) cells[i * nc + c] = buf[i * nc + c];
    }
    if (p == 1) {
        fputc('\n', fp);
        cli_diag_frame(fp, labels, k, names, nc, cells, 1);
        fputc('\n', fp);
        goto done;
    }
    fputs("$inf\n\n", fp);
    cli_diag_frame(fp, labels, k, names, nc, cells, 1);
    fputs("\n$dfbs\n\n", fp);
    free(buf);
    buf = calloc(k * p, sizeof *buf);
    if (!buf) goto done;
    for (size_t i = 0; i < k; i++)
        for (size_t c = 0; c < p; c++) {
            cmeta_fmt_num(buf[i * p + c], 32, inf->dfbetas[i * p + c], 4);
            cells[i * p + c] = buf[i * p + c];
        }
    cli_diag_frame(fp, labels, k, coefnames, p, cells, 1);
    fputc('\n', fp);
done:
    free(buf);
    free(cells);
}

static void print_json(FILE *fp, const cmeta_influence *inf, const char *const *labels,
                       const char *const *coefnames, const cmeta_fit_opts *fo,
                       const cmeta_warnings *w)
{
    static const char *const keys[] = {"rstudent", "dffits", "cook_d", "cov_r", "tau2_del",
                                       "QE_del", "hat", "weight"};
    int first = 1;
    fputc('{', fp);
    cmeta_json_key(fp, "k", &first);
    fprintf(fp, "%zu", inf->k);
    cmeta_json_key(fp, "method", &first);
    cmeta_json_str(fp, cmeta_method_name(fo->method));
    cmeta_json_key(fp, "test", &first);
    cmeta_json_str(fp, cmeta_test_name(fo->test));
    cmeta_json_key(fp, "tau2", &first);
    cmeta_json_num(fp, inf->tau2);
    cmeta_json_key(fp, "QE", &first);
    cmeta_json_num(fp, inf->QE);
    cmeta_json_key(fp, "influence", &first);
    fputc('[', fp);
    for (size_t i = 0; i < inf->k; i++) {
        int f2 = 1;
        fputs(i ? ",{" : "{", fp);
        cmeta_json_key(fp, "study", &f2);
        cmeta_json_str(fp, labels[i]);
        for (size_t c = 0; c < 8; c++) {
            cmeta_json_key(fp, keys[c], &f2);
            cmeta_json_num(fp, colval(inf, i, c));
        }
        cmeta_json_key(fp, "dfbetas", &f2);
        fputc('{', fp);
        int f3 = 1;
        for (size_t c = 0; c < inf->p; c++) {
            cmeta_json_key(fp, coefnames[c], &f3);
            cmeta_json_num(fp, inf->dfbetas[i * inf->p + c]);
        }
        fputc('}', fp);
        cmeta_json_key(fp, "influential", &f2);
        fputs(inf->influential[i] ? "true" : "false", fp);
        fputc('}', fp);
    }
    fputc(']', fp);
    cmeta_json_warnings(fp, w, &first);
    fputs("}\n", fp);
}

static void print_csv(FILE *fp, const cmeta_influence *inf, const char *const *labels,
                      const char *const *coefnames)
{
    fputs("study,rstudent,dffits,cook_d,cov_r,tau2_del,QE_del,hat,weight", fp);
    for (size_t c = 0; c < inf->p; c++) {
        fputs(",", fp);
        char nm[300];
        snprintf(nm, sizeof nm, "dfbs_%s", coefnames[c]);
        cmeta_csv_field(fp, nm);
    }
    fputs(",influential\n", fp);
    for (size_t i = 0; i < inf->k; i++) {
        cmeta_csv_field(fp, labels[i]);
        for (size_t c = 0; c < 8; c++) {
            fputc(',', fp);
            cmeta_csv_num(fp, colval(inf, i, c));
        }
        for (size_t c = 0; c < inf->p; c++) {
            fputc(',', fp);
            cmeta_csv_num(fp, inf->dfbetas[i * inf->p + c]);
        }
        fprintf(fp, ",%d\n", inf->influential[i]);
    }
}

int cmeta_cmd_influence(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o, usage);
    if (rc >= 0) return rc;
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_design *des = NULL;
    cmeta_influence *inf = NULL;
    double *y = NULL, *v = NULL;
    const char **labels = NULL;
    const char *intr[] = {"intrcpt"};
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_error err;
    cmeta_error_clear(&err);
    if ((rc = cli_load(&o, o.inputs[0], &t, &d, &w))) goto done;
    if ((rc = cli_diag_check_method(&o))) goto done;
    cmeta_status st;
    size_t k = d->k;
    if (o.mods && *o.mods) {
        st = cmeta_design_from_data(d, o.mods, !o.no_intercept, &des, &w, &err);
        if (st != CMETA_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        k = des->n;
    }
    y = malloc((k ? k : 1) * sizeof *y);
    v = malloc((k ? k : 1) * sizeof *v);
    labels = malloc((k ? k : 1) * sizeof *labels);
    if (!y || !v || !labels) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < k; i++) {
        size_t s = des ? des->keep[i] : i;
        y[i] = d->yi[s];
        v[i] = d->vi[s];
        labels[i] = d->label[s];
    }
    o.fit.intercept = des ? des->intercept : 1;
    st = cmeta_influence_compute(y, v, k, des ? des->X : NULL, des ? des->q : 0, &o.fit, &inf, &w, &err);
    if (st != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    const char *const *coefnames = des ? (const char *const *)des->names : intr;
    cli_out out;
    if ((rc = cli_out_open(&out, o.output))) goto done;
    if (o.format == CLI_FMT_JSON) print_json(out.fp, inf, labels, coefnames, &o.fit, &w);
    else if (o.format == CLI_FMT_CSV) print_csv(out.fp, inf, labels, coefnames);
    else print_text(out.fp, inf, labels, coefnames);
    rc = cli_out_commit(&out);
    if (o.format != CLI_FMT_JSON) cli_print_warnings(&w);
done:
    free(y);
    free(v);
    free(labels);
    cmeta_influence_free(inf);
    cmeta_design_free(des);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    cli_opts_free(&o);
    return rc;
}
