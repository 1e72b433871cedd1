/* report_derived.c - leave-one-out and cumulative fits: text as metafor's print of
 * leave1out()/cumul() (print.list.rma, digits 4; the tau2 column only for random effects),
 * JSON and CSV with the same columns. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/report.h"

cmeta_status cmeta_report_derived(FILE *fp, cmeta_report_format fmt, const cmeta_report_derived_info *info,
                                  const char *const *labels, const cmeta_summary *rows, size_t n,
                                  const cmeta_warnings *w)
{
    const cmeta_fit_opts *fo = info->fo;
    const cmeta_data *d = info->d;
    const char *reason = info->mc && info->mc->automatic ? info->mc->reason : NULL;
    int fe = !cmeta_fit_is_random(fo);
    int tt = fo->test != CMETA_TEST_Z;
    if (fmt == CMETA_REPORT_JSON) {
        int first = 1;
        fputc('{', fp);
        cmeta_json_kv(fp, "k", (double)d->k, &first);
        cmeta_json_key(fp, "measure", &first);
        cmeta_json_str(fp, cmeta_measure_name(d->measure));
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
            fputc('}', fp);
        }
        fputc(']', fp);
        cmeta_json_warnings(fp, w, &first);
        fputs("}\n", fp);
        return CMETA_OK;
    }
    if (fmt == CMETA_REPORT_CSV) {
        fprintf(fp, "%s,k,estimate,se,stat,pval,ci_lb,ci_ub,Q,Q_df,Q_pval,tau2,I2,H2,pi_lb,pi_ub\n", info->labkey);
        for (size_t i = 0; i < n; i++) {
            const cmeta_summary *r = &rows[i];
            cmeta_csv_field(fp, labels[i]);
            double v[] = {(double)r->k, r->estimate, r->se, r->stat, r->pval, r->ci_lb, r->ci_ub, r->Q,
                          r->Q_df, r->Q_pval, r->tau2, r->I2, r->H2, r->pi_lb, r->pi_ub};
            for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
                fputc(',', fp);
                cmeta_csv_num(fp, v[j]);
            }
            fputc('\n', fp);
        }
        return CMETA_OK;
    }
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
    return st;
}
