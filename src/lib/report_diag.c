/* report_diag.c - meta-regression (print.rma.uni with moderators), case diagnostics
 * (print.infl.rma.uni) and small-study effects (print.regtest, print.ranktest,
 * print.rma.uni of trimfill, print.fsn): text as metafor prints them, JSON and CSV. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/report.h"
#include "cmeta/robust.h"

/* R's print(data.frame) at its default width 80 (metafor's .print.table) */
static cmeta_status frame80(FILE *fp, const char *const *rownames, size_t nrows, const char *const *colnames,
                            size_t ncols, const char *const *cells, int gap)
{
    return cmeta_text_frame(fp, rownames, nrows, colnames, ncols, cells, gap, 80);
}

/* ==== regress ==== */

/* "2:4", "2", "1:3" as metafor's .format.btt for a consecutive range */
static void btt_text(char *buf, size_t n, size_t from, size_t to)
{
    if (from == to) snprintf(buf, n, "coefficient %zu", from);
    else snprintf(buf, n, "coefficients %zu:%zu", from, to);
}

static cmeta_status regress_text(FILE *fp, const cmeta_fit *f, const cmeta_design *des)
{
    char a[CMETA_FMT_CELL], b[64], c[96];
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
        cmeta_fmt_pval_eq(c, sizeof c, "p-val", f->Q_pval);
        fprintf(fp, "Test for Residual Heterogeneity:\nQE(df = %.0f) = %s, %s\n\n", f->Q_df, a, c);
    }
    if (f->p > 1 && isfinite(f->QM)) {
        size_t from = des->intercept ? 2 : 1;
        btt_text(b, sizeof b, from, f->p);
        cmeta_fmt_num(a, sizeof a, f->QM, 4);
        cmeta_fmt_pval_eq(c, sizeof c, "p-val", f->QM_pval);
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
    cmeta_text_table t;
    if (cmeta_text_table_init(&t, p, nc) != CMETA_OK) return CMETA_ENOMEM;
    for (size_t i = 0; i < p; i++) {
        size_t j = 0;
        cmeta_text_table_num(&t, i, j++, f->beta[i], 4);
        cmeta_text_table_num(&t, i, j++, f->se[i], 4);
        cmeta_text_table_num(&t, i, j++, f->stat[i], 4);
        if (tt) snprintf(t.buf[i * nc + j++], CMETA_FMT_CELL, "%g", round(f->df * 100) / 100);
        cmeta_text_table_pval(&t, i, j++, f->pval[i], 4);
        cmeta_text_table_num(&t, i, j++, f->ci_lb[i], 4);
        cmeta_text_table_num(&t, i, j++, f->ci_ub[i], 4);
        cmeta_text_table_str(&t, i, j++, cmeta_signif_stars(f->pval[i]));
    }
    char lv[32];
    cmeta_fmt_level(lv, sizeof lv, f->level);
    fprintf(fp, "Model Results (%s):\n\n", lv);
    cmeta_status st = frame80(fp, (const char *const *)des->names, p, cols, nc, t.cell, 2);
    fputs("\n---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n", fp);
    cmeta_text_table_free(&t);
    return st;
}

static void regress_json(FILE *fp, const cmeta_fit *f, const cmeta_design *des, const cmeta_data *d,
                         const cmeta_robust_result *r, const char *cluster, const cmeta_warnings *w)
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
    if (r) cmeta_report_robust_json(fp, r, (const char *const *)des->names, cluster, &first);
    cmeta_json_warnings(fp, w, &first);
    fputs("}\n", fp);
}

static void regress_csv(FILE *fp, const cmeta_fit *f, const cmeta_design *des, const cmeta_robust_result *r)
{
    fputs(r ? "name,estimate,se,stat,pval,ci_lb,ci_ub,robust_se,robust_stat,robust_df,robust_pval,robust_ci_lb,"
              "robust_ci_ub\n"
            : "name,estimate,se,stat,pval,ci_lb,ci_ub\n",
          fp);
    for (size_t i = 0; i < f->p; i++) {
        cmeta_csv_field(fp, des->names[i]);
        const double v[] = {f->beta[i], f->se[i], f->stat[i], f->pval[i], f->ci_lb[i], f->ci_ub[i]};
        for (size_t j = 0; j < 6; j++) {
            fputc(',', fp);
            cmeta_csv_num(fp, v[j]);
        }
        if (r) {
            const double rv[] = {r->se[i], r->stat[i], r->df[i], r->pval[i], r->ci_lb[i], r->ci_ub[i]};
            for (size_t j = 0; j < 6; j++) {
                fputc(',', fp);
                cmeta_csv_num(fp, rv[j]);
            }
        }
        fputc('\n', fp);
    }
}


/* ==== influence ==== */

static const char *const infl_cols[] = {"rstudent", "dffits", "cook.d", "cov.r", "tau2.del",
                                   "QE.del", "hat", "weight"};

static double colval(const cmeta_influence *inf, size_t i, size_t c)
{
    const double *a[] = {inf->rstudent, inf->dffits, inf->cook_d, inf->cov_r, inf->tau2_del,
                         inf->QE_del, inf->hat, inf->weight};
    return a[c][i];
}

static cmeta_status influence_text(FILE *fp, const cmeta_influence *inf, const char *const *labels,
                       const char *const *coefnames)
{
    size_t k = inf->k, p = inf->p;
    size_t nc = p == 1 ? 10 : 9; /* p == 1: the dfbs column joins the table */
    const char *names[10];
    for (size_t c = 0; c < 8; c++) names[c] = infl_cols[c];
    if (p == 1) names[8] = "dfbs";
    names[nc - 1] = "inf";
    cmeta_text_table t, t2;
    memset(&t2, 0, sizeof t2);
    if (cmeta_text_table_init(&t, k, nc) != CMETA_OK) return CMETA_ENOMEM;
    for (size_t i = 0; i < k; i++) {
        for (size_t c = 0; c < 8; c++) cmeta_text_table_num(&t, i, c, colval(inf, i, c), 4);
        if (p == 1) cmeta_text_table_num(&t, i, 8, inf->dfbetas[i], 4);
        cmeta_text_table_str(&t, i, nc - 1, inf->influential[i] ? "*" : "");
    }
    cmeta_status st;
    if (p == 1) {
        fputc('\n', fp);
        st = frame80(fp, labels, k, names, nc, t.cell, 1);
        fputc('\n', fp);
        goto done;
    }
    fputs("$inf\n\n", fp);
    st = frame80(fp, labels, k, names, nc, t.cell, 1);
    fputs("\n$dfbs\n\n", fp);
    if (st == CMETA_OK) st = cmeta_text_table_init(&t2, k, p);
    if (st != CMETA_OK) goto done;
    for (size_t i = 0; i < k; i++)
        for (size_t c = 0; c < p; c++) cmeta_text_table_num(&t2, i, c, inf->dfbetas[i * p + c], 4);
    st = frame80(fp, labels, k, coefnames, p, t2.cell, 1);
    fputc('\n', fp);
done:
    cmeta_text_table_free(&t);
    cmeta_text_table_free(&t2);
    return st;
}

static void influence_json(FILE *fp, const cmeta_influence *inf, const char *const *labels,
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

static void influence_csv(FILE *fp, const cmeta_influence *inf, const char *const *labels,
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


/* ==== bias ==== */

static void peq(char *buf, size_t n, double p) { cmeta_fmt_pval_eq(buf, n, "p", p); }

static cmeta_status bias_text(FILE *fp, const cmeta_bias_report *r, const cmeta_data *d, double level)
{
    char a[CMETA_FMT_CELL], b[80], c[CMETA_FMT_CELL], e[80];
    cmeta_fmt_num(a, sizeof a, r->eg.stat, 4);
    peq(b, sizeof b, r->eg.pval);
    fputs("\nRegression Test for Funnel Plot Asymmetry\n\n"
          "Model:     weighted regression with multiplicative dispersion\n"
          "Predictor: standard error\n\n", fp);
    fprintf(fp, "Test for Funnel Plot Asymmetry: t = %s, df = %.0f, %s\n", a, r->eg.df, b);
    cmeta_fmt_num(a, sizeof a, r->eg.intercept, 4);
    cmeta_fmt_num(b, sizeof b, r->eg.ci_lb, 4);
    cmeta_fmt_num(c, sizeof c, r->eg.ci_ub, 4);
    fprintf(fp, "Limit Estimate (as sei -> 0):   b = %s (%g%% CI: %s, %s)\n", a, level, b, c);
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
    cmeta_status st = CMETA_OK;
    if (tf->k0) {
        const char *cols[] = {"yi", "vi", "mirrors"};
        cmeta_text_table t;
        const char **rows = cmeta_calloc(tf->k0, sizeof *rows);
        char (*rn)[32] = cmeta_calloc(tf->k0, sizeof *rn);
        if (!rows || !rn || cmeta_text_table_init(&t, tf->k0, 3) != CMETA_OK) {
            cmeta_free(rows);
            cmeta_free(rn);
            return CMETA_ENOMEM;
        }
        for (size_t j = 0; j < tf->k0; j++) {
            snprintf(rn[j], sizeof rn[j], "Filled %zu", j + 1);
            rows[j] = rn[j];
            cmeta_text_table_num(&t, j, 0, tf->fill_yi[j], 4);
            cmeta_text_table_num(&t, j, 1, tf->fill_vi[j], 4);
            t.cell[j * 3 + 2] = d->label[tf->fill_of[j]]; /* the whole label, never cut */
        }
        st = frame80(fp, rows, tf->k0, cols, 3, t.cell, 1);
        fputc('\n', fp);
        cmeta_text_table_free(&t);
        cmeta_free(rows);
        cmeta_free(rn);
        if (st != CMETA_OK) return st;
    }

    cmeta_fmt_pval(a, sizeof a, r->fs.rosenthal_pval, 4);
    cmeta_fmt_num(b, sizeof b, r->fs.rosenthal, 0);
    fprintf(fp, "\nFail-safe N Calculation Using the Rosenthal Approach\n\n"
                "Observed Significance Level: %s\nTarget Significance Level:   %g\n\n"
                "Fail-safe N: %s\n\n", a, r->fs.alpha, b);
    cmeta_fmt_num(a, sizeof a, r->fs.orwin_mean, 4);
    cmeta_fmt_num(b, sizeof b, r->fs.orwin_target, 4);
    fprintf(fp, "\nFail-safe N Calculation Using the Orwin Approach\n\n"
                "Average Effect Size: %s\nTarget Effect Size:  %s\n\nFail-safe N: ", a, b);
    if (isfinite(r->fs.orwin)) {
        cmeta_fmt_num(a, sizeof a, r->fs.orwin, 0);
        fprintf(fp, "%s\n\n", a);
    } else fputs("Inf\n\n", fp);
    return st;
}

static void kv(FILE *fp, const char *k, double v, int *first)
{
    cmeta_json_key(fp, k, first);
    cmeta_json_num(fp, v);
}

static void bias_json(FILE *fp, const cmeta_bias_report *r, const cmeta_data *d, const cmeta_warnings *w)
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

static void bias_csv(FILE *fp, const cmeta_bias_report *r)
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


/* ==== entry points ==== */

cmeta_status cmeta_report_regress(FILE *fp, cmeta_report_format fmt, const cmeta_fit *f,
                                  const cmeta_design *des, const cmeta_data *d, const cmeta_warnings *w)
{
    return cmeta_report_regress_robust(fp, fmt, f, des, d, NULL, NULL, w);
}

cmeta_status cmeta_report_regress_robust(FILE *fp, cmeta_report_format fmt, const cmeta_fit *f,
                                         const cmeta_design *des, const cmeta_data *d,
                                         const cmeta_robust_result *r, const char *cluster,
                                         const cmeta_warnings *w)
{
    if (fmt == CMETA_REPORT_JSON) regress_json(fp, f, des, d, r, cluster, w);
    else if (fmt == CMETA_REPORT_CSV) regress_csv(fp, f, des, r);
    else {
        cmeta_status st = regress_text(fp, f, des);
        if (st == CMETA_OK && r) st = cmeta_report_robust_text(fp, r, (const char *const *)des->names, cluster);
        return st;
    }
    return CMETA_OK;
}

cmeta_status cmeta_report_influence(FILE *fp, cmeta_report_format fmt, const cmeta_influence *inf,
                                    const char *const *labels, const char *const *coefnames,
                                    const cmeta_fit_opts *fo, const cmeta_warnings *w)
{
    if (fmt == CMETA_REPORT_JSON) influence_json(fp, inf, labels, coefnames, fo, w);
    else if (fmt == CMETA_REPORT_CSV) influence_csv(fp, inf, labels, coefnames);
    else return influence_text(fp, inf, labels, coefnames);
    return CMETA_OK;
}

cmeta_status cmeta_report_bias(FILE *fp, cmeta_report_format fmt, const cmeta_bias_report *r,
                               const cmeta_data *d, double level, const cmeta_warnings *w)
{
    if (fmt == CMETA_REPORT_JSON) bias_json(fp, r, d, w);
    else if (fmt == CMETA_REPORT_CSV) bias_csv(fp, r);
    else return bias_text(fp, r, d, level);
    return CMETA_OK;
}
