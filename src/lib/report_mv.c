/* report_mv.c - a multilevel / multivariate fit (cmeta/mv.h) as metafor 3.8's summary of an
 * rma.mv fit prints it (print.rma.mv with showfit = TRUE), and as JSON and CSV. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/mv.h"
#include "cmeta/robust.h"

/* metafor's fit-statistics line: print(fs, quote = FALSE, print.gap = 2) of a named character
 * vector (every entry right-aligned to the widest name or value) through .print.table */
static void fitstats_text(FILE *fp, const cmeta_mv_fit *f)
{
    const char *nm[5] = {"logLik", "Deviance", "AIC", "BIC", "AICc"};
    const double v[5] = {f->ll, f->deviance, f->AIC, f->BIC, f->AICc};
    char cell[5][CMETA_FMT_CELL];
    size_t w = 0;
    for (int i = 0; i < 5; i++) {
        cmeta_fmt_num(cell[i], sizeof cell[i], v[i], 4);
        if (strlen(cell[i]) > w) w = strlen(cell[i]);
        if (strlen(nm[i]) > w) w = strlen(nm[i]);
    }
    for (int i = 0; i < 5; i++) fprintf(fp, "%s%*s", i ? "  " : "", (int)w, nm[i]);
    fputs("   \n", fp);
    for (int i = 0; i < 5; i++) fprintf(fp, "%s%*s", i ? "  " : "", (int)w, cell[i]);
    fputs("   \n", fp);
}

static cmeta_status mv_text(FILE *fp, const cmeta_mv_fit *f, const char *const *coef,
                            const char *const *comp)
{
    char a[CMETA_FMT_CELL], b[64], c[96];
    cmeta_status st;
    fprintf(fp, "\nMultivariate Meta-Analysis Model (k = %zu; method: %s)\n\n", f->k,
            cmeta_method_name(f->method));
    fitstats_text(fp, f);
    fputs("\nVariance Components:\n\n", fp);
    {
        size_t s = f->s;
        const char *cols[5] = {"estim", "sqrt", "nlvls", "fixed", "factor"};
        cmeta_text_table t;
        if (cmeta_text_table_init(&t, s, 5) != CMETA_OK) return CMETA_ENOMEM;
        char **rn = cmeta_calloc(s, sizeof *rn);
        char *rbuf = cmeta_calloc(s, 32);
        if (!rn || !rbuf) {
            cmeta_free(rn), cmeta_free(rbuf), cmeta_text_table_free(&t);
            return CMETA_ENOMEM;
        }
        for (size_t q = 0; q < s; q++) {
            rn[q] = rbuf + 32 * q;
            if (s == 1) snprintf(rn[q], 32, "sigma^2  ");
            else snprintf(rn[q], 32, "sigma^2.%zu", q + 1);
            cmeta_text_table_num(&t, q, 0, f->sigma2[q], 4);
            cmeta_text_table_num(&t, q, 1, sqrt(f->sigma2[q]), 4);
            snprintf(t.buf[q * 5 + 2], CMETA_FMT_CELL, "%zu", f->nlvls[q]);
            cmeta_text_table_str(&t, q, 3, f->sigma2_fixed[q] ? "yes" : "no");
            cmeta_text_table_str(&t, q, 4, comp[q]);
        }
        st = cmeta_text_frame(fp, (const char *const *)rn, s, cols, 5, t.cell, 2, 80);
        cmeta_free(rn), cmeta_free(rbuf), cmeta_text_table_free(&t);
        if (st != CMETA_OK) return st;
    }
    fputc('\n', fp);
    int intonly = f->intercept && f->p == 1; /* metafor's int.only */
    cmeta_fmt_num(a, sizeof a, f->QE, 4);
    cmeta_fmt_pval_eq(c, sizeof c, "p-val", f->QE_pval);
    if (!intonly)
        fprintf(fp, "Test for Residual Heterogeneity:\nQE(df = %.0f) = %s, %s\n\n", f->QE_df, a, c);
    else
        fprintf(fp, "Test for Heterogeneity:\nQ(df = %.0f) = %s, %s\n\n", f->QE_df, a, c);
    int tt = f->test == CMETA_TEST_T;
    if (!intonly && isfinite(f->QM)) {
        size_t from = f->btt_from;
        if (from == f->p) snprintf(b, sizeof b, "coefficient %zu", from);
        else snprintf(b, sizeof b, "coefficients %zu:%zu", from, f->p);
        cmeta_fmt_num(a, sizeof a, f->QM, 4);
        cmeta_fmt_pval_eq(c, sizeof c, "p-val", f->QM_pval);
        if (tt)
            fprintf(fp, "Test of Moderators (%s):\nF(df1 = %.0f, df2 = %g) = %s, %s\n\n", b, f->QM_df,
                    f->df, a, c);
        else
            fprintf(fp, "Test of Moderators (%s):\nQM(df = %.0f) = %s, %s\n\n", b, f->QM_df, a, c);
    }
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
        if (tt) snprintf(t.buf[i * nc + j++], CMETA_FMT_CELL, "%g", f->df);
        cmeta_text_table_pval(&t, i, j++, f->pval[i], 4);
        cmeta_text_table_num(&t, i, j++, f->ci_lb[i], 4);
        cmeta_text_table_num(&t, i, j++, f->ci_ub[i], 4);
        cmeta_text_table_str(&t, i, j++, cmeta_signif_stars(f->pval[i]));
    }
    char lv[32];
    cmeta_fmt_level(lv, sizeof lv, f->level);
    fprintf(fp, "Model Results (%s):\n\n", lv);
    /* an intercept-only model's row has no name (metafor prints it so) */
    if (intonly) { /* no row names: R prints the first column without the gap */
        for (int pass = 0; pass < 2; pass++) {
            for (size_t j = 0; j < nc; j++) {
                size_t wj = strlen(cols[j]), wc = strlen(t.cell[j]);
                int width = (int)(wj > wc ? wj : wc) + (j ? 2 : 0);
                fprintf(fp, "%*s", width, pass ? t.cell[j] : cols[j]);
            }
            fputs(" \n", fp);
        }
        st = CMETA_OK;
    } else
        st = cmeta_text_frame(fp, coef, p, cols, nc, t.cell, 2, 80);
    fputs("\n---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n", fp);
    cmeta_text_table_free(&t);
    return st;
}

/* metafor 3.8's print.anova.rma for two rma.mv fits (type LRT): a data frame printed with
 * print(res.table, quote = FALSE, right = TRUE) through .print.table: row names left-aligned,
 * every column right-aligned to its widest cell or name, one space between, a blank line
 * before and after; the full model's LRT and pval cells are empty. */
static void compare_text(FILE *fp, const cmeta_mv_compare *c)
{
    const char *cols[8] = {"df", "AIC", "BIC", "AICc", "logLik", "LRT", "pval", "QE"};
    char cell[2][8][CMETA_FMT_CELL];
    for (int r = 0; r < 2; r++) {
        snprintf(cell[r][0], CMETA_FMT_CELL, "%.0f", c->df[r]);
        cmeta_fmt_num(cell[r][1], CMETA_FMT_CELL, c->AIC[r], 4);
        cmeta_fmt_num(cell[r][2], CMETA_FMT_CELL, c->BIC[r], 4);
        cmeta_fmt_num(cell[r][3], CMETA_FMT_CELL, c->AICc[r], 4);
        cmeta_fmt_num(cell[r][4], CMETA_FMT_CELL, c->ll[r], 4);
        cmeta_fmt_num(cell[r][7], CMETA_FMT_CELL, c->QE[r], 4);
    }
    cell[0][5][0] = cell[0][6][0] = '\0';
    cmeta_fmt_num(cell[1][5], CMETA_FMT_CELL, c->LRT, 4);
    cmeta_fmt_pval(cell[1][6], CMETA_FMT_CELL, c->pval, 4);
    int w[8];
    for (int j = 0; j < 8; j++) {
        size_t m = strlen(cols[j]);
        for (int r = 0; r < 2; r++)
            if (strlen(cell[r][j]) > m) m = strlen(cell[r][j]);
        w[j] = (int)m;
    }
    fputs("\n       ", fp);
    for (int j = 0; j < 8; j++) fprintf(fp, " %*s", w[j], cols[j]);
    fputs(" \n", fp);
    for (int r = 0; r < 2; r++) {
        fputs(r ? "Reduced" : "Full   ", fp);
        for (int j = 0; j < 8; j++) fprintf(fp, " %*s", w[j], cell[r][j]);
        fputs(" \n", fp);
    }
    fputc('\n', fp);
}

static void compare_json(FILE *fp, const cmeta_mv_compare *c, int *first)
{
    cmeta_json_key(fp, "compare", first);
    fputc('{', fp);
    int f1 = 1;
    for (int r = 0; r < 2; r++) {
        cmeta_json_key(fp, r ? "reduced" : "full", &f1);
        int f2 = 1;
        fputc('{', fp);
        cmeta_json_kv(fp, "df", c->df[r], &f2);
        cmeta_json_kv(fp, "AIC", c->AIC[r], &f2);
        cmeta_json_kv(fp, "BIC", c->BIC[r], &f2);
        cmeta_json_kv(fp, "AICc", c->AICc[r], &f2);
        cmeta_json_kv(fp, "logLik", c->ll[r], &f2);
        cmeta_json_kv(fp, "QE", c->QE[r], &f2);
        fputc('}', fp);
    }
    cmeta_json_kv(fp, "LRT", c->LRT, &f1);
    cmeta_json_kv(fp, "df", c->LRT_df, &f1);
    cmeta_json_kv(fp, "pval", c->pval, &f1);
    fputc('}', fp);
}

static void mv_json(FILE *fp, const cmeta_mv_fit *f, const char *const *coef,
                    const char *const *comp, const char *measure, const cmeta_mv_compare *cmp,
                    const cmeta_robust_result *r, const char *cluster, const cmeta_warnings *w)
{
    int first = 1;
    fputc('{', fp);
    cmeta_json_key(fp, "k", &first);
    fprintf(fp, "%zu", f->k);
    if (measure) {
        cmeta_json_key(fp, "measure", &first);
        cmeta_json_str(fp, measure);
    }
    cmeta_json_key(fp, "method", &first);
    cmeta_json_str(fp, cmeta_method_name(f->method));
    cmeta_json_key(fp, "test", &first);
    cmeta_json_str(fp, cmeta_test_name(f->test));
    cmeta_json_key(fp, "level", &first);
    cmeta_json_num(fp, f->level);
    cmeta_json_key(fp, "coefficients", &first);
    fputc('[', fp);
    for (size_t i = 0; i < f->p; i++) {
        int f2 = 1;
        fputs(i ? ",{" : "{", fp);
        cmeta_json_key(fp, "name", &f2);
        cmeta_json_str(fp, coef[i]);
        const char *k[] = {"estimate", "se", "stat", "pval", "ci_lb", "ci_ub"};
        const double v[] = {f->beta[i], f->se[i], f->stat[i], f->pval[i], f->ci_lb[i], f->ci_ub[i]};
        for (int j = 0; j < 6; j++) cmeta_json_kv(fp, k[j], v[j], &f2);
        fputc('}', fp);
    }
    fputc(']', fp);
    cmeta_json_key(fp, "sigma2", &first);
    fputc('[', fp);
    for (size_t q = 0; q < f->s; q++) {
        int f2 = 1;
        fputs(q ? ",{" : "{", fp);
        cmeta_json_key(fp, "name", &f2);
        cmeta_json_str(fp, comp[q]);
        cmeta_json_kv(fp, "estimate", f->sigma2[q], &f2);
        cmeta_json_key(fp, "nlvls", &f2);
        fprintf(fp, "%zu", f->nlvls[q]);
        cmeta_json_kv(fp, "ci_lb", f->sigma2_ci_lb[q], &f2);
        cmeta_json_kv(fp, "ci_ub", f->sigma2_ci_ub[q], &f2);
        fputc('}', fp);
    }
    fputc(']', fp);
    cmeta_json_key(fp, "I2", &first);
    {
        int f2 = 1;
        fputc('{', fp);
        cmeta_json_kv(fp, "total", f->I2_total, &f2);
        for (size_t q = 0; q < f->s; q++) cmeta_json_kv(fp, comp[q], f->I2[q], &f2);
        fputc('}', fp);
    }
    int tt = f->test == CMETA_TEST_T;
    struct { const char *k; double v; } kv[] = {
        {"df", tt ? f->df : NAN}, {"QE", f->QE}, {"QE_df", f->QE_df}, {"QE_pval", f->QE_pval},
        {"QM", f->QM}, {"QM_df", f->QM_df}, {"QM_df2", tt ? f->df : NAN}, {"QM_pval", f->QM_pval},
        {"ll", f->ll}, {"deviance", f->deviance}, {"AIC", f->AIC}, {"BIC", f->BIC}, {"AICc", f->AICc}};
    for (size_t i = 0; i < sizeof kv / sizeof *kv; i++) cmeta_json_kv(fp, kv[i].k, kv[i].v, &first);
    if (cmp) compare_json(fp, cmp, &first);
    if (r) cmeta_report_robust_json(fp, r, coef, cluster, &first);
    cmeta_json_warnings(fp, w, &first);
    fputs("}\n", fp);
}

static void mv_csv(FILE *fp, const cmeta_mv_fit *f, const char *const *coef, const char *const *comp,
                   const cmeta_robust_result *r)
{
    fputs(r ? "name,estimate,se,stat,pval,ci_lb,ci_ub,robust_se,robust_stat,robust_df,robust_pval,robust_ci_lb,"
              "robust_ci_ub\n"
            : "name,estimate,se,stat,pval,ci_lb,ci_ub\n",
          fp);
    for (size_t i = 0; i < f->p; i++) {
        cmeta_csv_field(fp, coef[i]);
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
    (void)comp;
}

cmeta_status cmeta_report_mv_compare(FILE *fp, cmeta_report_format fmt, const cmeta_mv_fit *f,
                                     const char *const *coef, const char *const *comp, const char *measure,
                                     const cmeta_mv_compare *cmp, const cmeta_warnings *w)
{
    return cmeta_report_mv_robust(fp, fmt, f, coef, comp, measure, cmp, NULL, NULL, w);
}

cmeta_status cmeta_report_mv_robust(FILE *fp, cmeta_report_format fmt, const cmeta_mv_fit *f,
                                    const char *const *coef, const char *const *comp, const char *measure,
                                    const cmeta_mv_compare *cmp, const cmeta_robust_result *r,
                                    const char *cluster, const cmeta_warnings *w)
{
    if (!fp || !f || !coef || !comp) return CMETA_EUSAGE;
    cmeta_status st;
    switch (fmt) {
    case CMETA_REPORT_TEXT:
        st = mv_text(fp, f, coef, comp);
        if (st == CMETA_OK && cmp) {
            fputs("Likelihood-ratio test (full model above against the reduced model):\n", fp);
            compare_text(fp, cmp);
        }
        if (st == CMETA_OK && r) st = cmeta_report_robust_text(fp, r, coef, cluster);
        return st;
    case CMETA_REPORT_JSON:
        mv_json(fp, f, coef, comp, measure, cmp, r, cluster, w);
        return CMETA_OK;
    case CMETA_REPORT_CSV:
        mv_csv(fp, f, coef, comp, r);
        return CMETA_OK;
    }
    return CMETA_EUSAGE;
}

cmeta_status cmeta_report_mv(FILE *fp, cmeta_report_format fmt, const cmeta_mv_fit *f,
                             const char *const *coef, const char *const *comp, const char *measure,
                             const cmeta_warnings *w)
{
    return cmeta_report_mv_compare(fp, fmt, f, coef, comp, measure, NULL, w);
}
