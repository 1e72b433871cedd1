/* report_derived.c - leave-one-out and cumulative fits: text as metafor's print of
 * leave1out()/cumul() (print.list.rma, digits 4; the tau2 column only for random effects),
 * JSON and CSV with the same columns.
 * Transformed measures (ratios, PLO/PAS/PFT proportions, ZCOR) are also given back-transformed,
 * as pool gives them (issue 17): estimate, CI and prediction interval through
 * cmeta_back_transform (exp, inverse logit, sin^2, inverse Freeman-Tukey with the harmonic mean
 * of all k studies' ni, tanh), as metafor's leave1out(res, transf = ...) / cumul(res, transf = ...)
 * transform estimate, ci.lb and ci.ub. JSON: a "transformed" object per row; CSV: the columns
 * estimate_bt, ci_lb_bt, ci_ub_bt, pi_lb_bt, pi_ub_bt (empty for untransformed measures, as
 * pool's CSV); text: a second table under the first. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/report.h"

#define BT(x) cmeta_back_transform(tk, (x), hn)

/* JSON: the settings, then one object per row (with "transformed" for transformed measures). */
static cmeta_status derived_json(FILE *fp, const cmeta_report_derived_info *info, const char *const *labels,
                                 const cmeta_summary *rows, size_t n, const cmeta_warnings *w,
                                 cmeta_transform_kind tk, double hn)
{
    const cmeta_fit_opts *fo = info->fo;
    const cmeta_data *d = info->d;
    const char *reason = info->mc && info->mc->automatic ? info->mc->reason : NULL;
    int first = 1;
    fputc('{', fp);
    cmeta_json_kv(fp, "k", (double)d->k, &first);
    cmeta_json_key(fp, "measure", &first);
    cmeta_json_str(fp, cmeta_data_measure_name(d));
    cmeta_json_key(fp, "method", &first);
    cmeta_json_str(fp, cmeta_method_name(fo->method));
    cmeta_json_key(fp, "test", &first);
    cmeta_json_str(fp, cmeta_test_name(fo->test));
    cmeta_json_kv(fp, "level", fo->level, &first);
    if (info->order) {
        cmeta_json_key(fp, "order", &first);
        cmeta_json_str(fp, info->order);
    }
    if (reason) {
        cmeta_json_key(fp, "model_choice", &first);
        cmeta_json_str(fp, reason);
    }
    cmeta_json_key(fp, info->listkey, &first);
    fputc('[', fp);
    for (size_t i = 0; i < n; i++) {
        const cmeta_summary *r = &rows[i];
        int f2 = 1;
        if (i) fputc(',', fp);
        fputc('{', fp);
        cmeta_json_key(fp, info->labkey, &f2);
        cmeta_json_str(fp, labels[i]);
        const char *keys[] = {"k", "estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "Q", "Q_df",
                              "Q_pval", "tau2", "I2", "H2", "pi_lb", "pi_ub"};
        double v[] = {(double)r->k, r->estimate, r->se, r->stat, r->pval, r->ci_lb, r->ci_ub, r->Q,
                      r->Q_df, r->Q_pval, r->tau2, r->I2, r->H2, r->pi_lb, r->pi_ub};
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) cmeta_json_kv(fp, keys[j], v[j], &f2);
        if (tk != CMETA_TRANS_NONE) {
            int f3 = 1;
            cmeta_json_key(fp, "transformed", &f2);
            fputc('{', fp);
            cmeta_json_key(fp, "transform", &f3);
            cmeta_json_str(fp, cmeta_transform_label(tk));
            const char *tkeys[] = {"estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"};
            double tv[] = {r->estimate, r->ci_lb, r->ci_ub, r->pi_lb, r->pi_ub};
            for (size_t j = 0; j < 5; j++) cmeta_json_kv(fp, tkeys[j], BT(tv[j]), &f3);
            fputc('}', fp);
        }
        fputc('}', fp);
    }
    fputc(']', fp);
    cmeta_json_warnings(fp, w, &first);
    fputs("}\n", fp);
    return CMETA_OK;
}

/* CSV: one row per fit, the back-transformed columns empty for untransformed measures. */
static cmeta_status derived_csv(FILE *fp, const cmeta_report_derived_info *info, const char *const *labels,
                                const cmeta_summary *rows, size_t n, const cmeta_warnings *w,
                                 cmeta_transform_kind tk, double hn)
{
    (void)w;
    fprintf(fp, "%s,k,estimate,se,stat,pval,ci_lb,ci_ub,Q,Q_df,Q_pval,tau2,I2,H2,pi_lb,pi_ub,estimate_bt,ci_lb_bt,"
                "ci_ub_bt,pi_lb_bt,pi_ub_bt\n", info->labkey);
    for (size_t i = 0; i < n; i++) {
        const cmeta_summary *r = &rows[i];
        cmeta_csv_field(fp, labels[i]);
        double v[] = {(double)r->k, r->estimate, r->se, r->stat, r->pval, r->ci_lb, r->ci_ub, r->Q,
                      r->Q_df, r->Q_pval, r->tau2, r->I2, r->H2, r->pi_lb, r->pi_ub};
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
            fputc(',', fp);
            cmeta_csv_num(fp, v[j]);
        }
        double tv[] = {r->estimate, r->ci_lb, r->ci_ub, r->pi_lb, r->pi_ub};
        for (size_t j = 0; j < 5; j++) {
            fputc(',', fp);
            if (tk != CMETA_TRANS_NONE && isfinite(tv[j])) cmeta_csv_num(fp, BT(tv[j]));
        }
        fputc('\n', fp);
    }
    return CMETA_OK;
}

/* Text: metafor's print of leave1out()/cumul(), then the back-transformed table. */
static cmeta_status derived_text(FILE *fp, const cmeta_report_derived_info *info, const char *const *labels,
                                 const cmeta_summary *rows, size_t n, const cmeta_warnings *w,
                                 cmeta_transform_kind tk, double hn)
{
    const cmeta_fit_opts *fo = info->fo;
    const char *reason = info->mc && info->mc->automatic ? info->mc->reason : NULL;
    int fe = !cmeta_fit_is_random(fo);
    int tt = fo->test != CMETA_TEST_Z;
    (void)w;
    const char *names[11];
    size_t nc = 0;
    names[nc++] = "estimate";
    names[nc++] = "se";
    names[nc++] = tt ? "tval" : "zval";
    names[nc++] = "pval";
    names[nc++] = "ci.lb";
    names[nc++] = "ci.ub";
    names[nc++] = "Q";
    names[nc++] = "Qp";
    if (!fe) names[nc++] = "tau2";
    names[nc++] = "I2";
    names[nc++] = "H2";
    cmeta_text_table t;
    if (cmeta_text_table_init(&t, n, nc) != CMETA_OK) return CMETA_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const cmeta_summary *r = &rows[i];
        double v[] = {r->estimate, r->se, r->stat, r->pval, r->ci_lb, r->ci_ub, r->Q, r->Q_pval, r->tau2, r->I2, r->H2};
        size_t c = 0;
        for (size_t j = 0; j < 11; j++) {
            if (j == 8 && fe) continue;
            cmeta_text_table_num(&t, i, c++, v[j], 4);
        }
    }
    if (reason) fprintf(fp, "\nModel chosen by --model auto: %s.\n", reason);
    char lv[32];
    cmeta_fmt_level(lv, sizeof lv, fo->level);
    fprintf(fp, "\n%s (%s):\n\n", info->order || strcmp(info->listkey, "cumulative") == 0
                                      ? "Cumulative meta-analysis" : "Leave-one-out analysis", lv);
    cmeta_status st = cmeta_text_frame(fp, labels, n, names, nc, t.cell, 1, (size_t)-1);
    fputc('\n', fp);
    cmeta_text_table_free(&t);
    if (st != CMETA_OK || tk == CMETA_TRANS_NONE) return st;
    /* back-transformed: estimate, CI (and the prediction interval under random effects) */
    const char *bnames[5] = {"estimate", "ci.lb", "ci.ub", "pi.lb", "pi.ub"};
    size_t nb = fe ? 3 : 5;
    if (cmeta_text_table_init(&t, n, nb) != CMETA_OK) return CMETA_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const cmeta_summary *r = &rows[i];
        double v[5] = {r->estimate, r->ci_lb, r->ci_ub, r->pi_lb, r->pi_ub};
        for (size_t j = 0; j < nb; j++) cmeta_text_table_num(&t, i, j, BT(v[j]), 4);
    }
    fprintf(fp, "Back-transformed (%s):\n\n", cmeta_transform_label(tk));
    st = cmeta_text_frame(fp, labels, n, bnames, nb, t.cell, 1, (size_t)-1);
    fputc('\n', fp);
    cmeta_text_table_free(&t);
    return st;
}
#undef BT

cmeta_status cmeta_report_derived(FILE *fp, cmeta_report_format fmt, const cmeta_report_derived_info *info,
                                  const char *const *labels, const cmeta_summary *rows, size_t n,
                                  const cmeta_warnings *w)
{
    cmeta_transform_kind tk = cmeta_data_transform(info->d);
    double hn = tk == CMETA_TRANS_IFT ? cmeta_harmonic_n(info->d) : NAN;
    if (fmt == CMETA_REPORT_JSON) return derived_json(fp, info, labels, rows, n, w, tk, hn);
    if (fmt == CMETA_REPORT_CSV) return derived_csv(fp, info, labels, rows, n, w, tk, hn);
    return derived_text(fp, info, labels, rows, n, w, tk, hn);
}
