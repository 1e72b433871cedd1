/* report_robust.c - cluster-robust results (cmeta/robust.h) after a model's report: a text block
 * laid out like metafor 3.8's print of a robust() fit, the JSON key "robust", and the pool,
 * regress and mv writers with them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/robust.h"

static void fmt_df(char *buf, size_t n, const cmeta_robust_result *r, double df)
{
    if (r->type == CMETA_ROBUST_CR1) snprintf(buf, n, "%.0f", df);
    else cmeta_fmt_num(buf, n, df, 2);
}

cmeta_status cmeta_report_robust_text(FILE *fp, const cmeta_robust_result *r, const char *const *coef,
                                      const char *cluster)
{
    if (!fp || !r || !coef) return CMETA_EUSAGE;
    char a[CMETA_FMT_CELL], b[CMETA_FMT_CELL], c[96], d[64];
    int cr1 = r->type == CMETA_ROBUST_CR1;
    fprintf(fp, "Robust results (%s, clusters: n = %zu, %s):\n\n", cmeta_robust_type_name(r->type), r->n_clusters,
            cr1 ? "df = n - p" : "Satterthwaite df");
    fputs("Cluster variable:      ", fp);
    cmeta_text_put(fp, cluster ? cluster : "");
    fprintf(fp, "\nNumber of estimates:   %zu\nNumber of clusters:    %zu\n", r->k, r->n_clusters);
    cmeta_fmt_num(a, sizeof a, r->csize_mean, 2);
    snprintf(b, sizeof b, "%g", r->csize_median);
    if (r->csize_min == r->csize_max) fprintf(fp, "Estimates per cluster: %zu\n\n", r->csize_min);
    else fprintf(fp, "Estimates per cluster: %zu-%zu (mean: %s, median: %s)\n\n", r->csize_min, r->csize_max, a, b);
    if (!r->int_only) {
        if (r->btt_from == r->p) snprintf(d, sizeof d, "coefficient %zu", r->btt_from);
        else snprintf(d, sizeof d, "coefficients %zu:%zu", r->btt_from, r->p);
        cmeta_fmt_num(a, sizeof a, r->QM, 4);
        fmt_df(b, sizeof b, r, r->QM_df2);
        cmeta_fmt_pval_eq(c, sizeof c, "p-val", r->QM_pval);
        fprintf(fp, "Test of Moderators (%s%s):\nF(df1 = %.0f, df2 = %s) = %s, %s\n\n", d, cr1 ? "" : "; HTZ",
                r->QM_df, b, a, c);
    }
    const char *cols[8] = {"estimate", "se", "tval", "df", "pval", "ci.lb", "ci.ub", ""};
    size_t nc = 8, p = r->p;
    cmeta_text_table t;
    if (cmeta_text_table_init(&t, p, nc) != CMETA_OK) return CMETA_ENOMEM;
    for (size_t i = 0; i < p; i++) {
        cmeta_text_table_num(&t, i, 0, r->beta[i], 4);
        cmeta_text_table_num(&t, i, 1, r->se[i], 4);
        cmeta_text_table_num(&t, i, 2, r->stat[i], 4);
        fmt_df(t.buf[i * nc + 3], CMETA_FMT_CELL, r, r->df[i]);
        cmeta_text_table_pval(&t, i, 4, r->pval[i], 4);
        cmeta_text_table_num(&t, i, 5, r->ci_lb[i], 4);
        cmeta_text_table_num(&t, i, 6, r->ci_ub[i], 4);
        cmeta_text_table_str(&t, i, 7, cmeta_signif_stars(r->pval[i]));
    }
    char lv[32];
    cmeta_fmt_level(lv, sizeof lv, r->level);
    fprintf(fp, "Model Results (%s):\n\n", lv);
    cmeta_status st = cmeta_text_frame(fp, coef, p, cols, nc, t.cell, 2, 80);
    fputs("\n---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n", fp);
    cmeta_text_table_free(&t);
    return st;
}

void cmeta_report_robust_json(FILE *fp, const cmeta_robust_result *r, const char *const *coef,
                              const char *cluster, int *first)
{
    cmeta_json_key(fp, "robust", first);
    int f1 = 1;
    fputc('{', fp);
    cmeta_json_key(fp, "type", &f1);
    cmeta_json_str(fp, cmeta_robust_type_name(r->type));
    cmeta_json_key(fp, "cluster", &f1);
    cmeta_json_str(fp, cluster ? cluster : "");
    cmeta_json_key(fp, "n_clusters", &f1);
    fprintf(fp, "%zu", r->n_clusters);
    cmeta_json_key(fp, "coefficients", &f1);
    fputc('[', fp);
    for (size_t i = 0; i < r->p; i++) {
        int f2 = 1;
        fputs(i ? ",{" : "{", fp);
        cmeta_json_key(fp, "name", &f2);
        cmeta_json_str(fp, coef[i]);
        const char *k[] = {"estimate", "se", "stat", "df", "pval", "ci_lb", "ci_ub"};
        const double v[] = {r->beta[i], r->se[i], r->stat[i], r->df[i], r->pval[i], r->ci_lb[i], r->ci_ub[i]};
        for (int j = 0; j < 7; j++) cmeta_json_kv(fp, k[j], v[j], &f2);
        fputc('}', fp);
    }
    fputc(']', fp);
    cmeta_json_kv(fp, "QM", r->QM, &f1);
    cmeta_json_kv(fp, "QM_df", r->QM_df, &f1);
    cmeta_json_kv(fp, "QM_df2", r->QM_df2, &f1);
    cmeta_json_kv(fp, "QM_pval", r->QM_pval, &f1);
    fputc('}', fp);
}
