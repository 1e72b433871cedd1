/* report_risweep.c - the report of the pre-post correlation analyses (cmeta/risweep.h):
 * the sweep's table, its tipping points and the range over the corners of the box, as text,
 * JSON or CSV. Numbers in text as metafor prints them (4 decimals, I^2 2, p-values .pval). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "cmeta/report.h"
#include "cmeta/risweep.h"

static const char *test_label(cmeta_test t)
{
    switch (t) {
    case CMETA_TEST_Z: return "z test";
    case CMETA_TEST_T: return "t test";
    case CMETA_TEST_KNHA: return "Knapp-Hartung";
    case CMETA_TEST_ADHOC: return "Knapp-Hartung (ad hoc)";
    }
    return "";
}

static void text_head(FILE *fp, const cmeta_ri_report *r)
{
    char lev[32];
    cmeta_fmt_level(lev, sizeof lev, r->fo->level);
    fprintf(fp, "Sensitivity to the pre-post correlation (%s", r->designs ? r->designs : cmeta_measure_name(r->measure));
    if (r->smcr_sd) fprintf(fp, "%s standardized by the %s SD", r->designs ? "; SMCR/SMCRH" : "", r->smcr_sd);
    fprintf(fp, "; k = %zu; %s, %s, %s)\n", r->k, cmeta_method_name(r->fo->method),
            test_label(r->fo->test), lev);
}

static cmeta_status text_sweep(FILE *fp, const cmeta_ri_report *r)
{
    static const char *const cols[] = {"ri", "estimate", "se", "ci.lb", "ci.ub", "pval", "tau2", "I2"};
    cmeta_text_table t;
    if (cmeta_text_table_init(&t, r->n, 8) != CMETA_OK) return CMETA_ENOMEM;
    for (size_t i = 0; i < r->n; i++) {
        const cmeta_ri_point *p = &r->pts[i];
        cmeta_text_table_num(&t, i, 0, p->ri, 4);
        cmeta_text_table_num(&t, i, 1, p->estimate, 4);
        cmeta_text_table_num(&t, i, 2, p->se, 4);
        cmeta_text_table_num(&t, i, 3, p->ci_lb, 4);
        cmeta_text_table_num(&t, i, 4, p->ci_ub, 4);
        cmeta_text_table_pval(&t, i, 5, p->pval, 4);
        cmeta_text_table_num(&t, i, 6, p->tau2, 4);
        cmeta_text_table_num(&t, i, 7, p->I2, 2);
    }
    if (r->designs)
        fprintf(fp, "\n%zu of the %zu studies have no ri and take each value of ri in turn; the other pre/post\n"
                    "studies keep their own, and the others' effect sizes do not depend on ri.\n\n", r->k_swept, r->k);
    else
        fprintf(fp, "\n%zu of the %zu studies have no ri and take each value of ri in turn; the others keep their own.\n\n",
                r->k_swept, r->k);
    cmeta_status st = cmeta_text_frame(fp, NULL, r->n, cols, 8, (const char *const *)t.cell, 2, 10000);
    cmeta_text_table_free(&t);
    if (st != CMETA_OK) return st;
    fputs("\nTipping points", fp);
    if (r->tol > 0) fprintf(fp, " (grid points bracketing each change; root by bisection to a width of %g in ri)", r->tol);
    else fputs(" (grid points bracketing each change)", fp);
    fputs(":\n", fp);
    if (r->ntips == 0) {
        const cmeta_ri_point *p = &r->pts[0];
        int ex = p->ci_lb > 0 || p->ci_ub < 0;
        fprintf(fp, "  none on this grid: the CI %s 0 at every ri shown\n", ex ? "excludes" : "includes");
    }
    for (size_t i = 0; i < r->ntips; i++) {
        const cmeta_ri_tip *tp = &r->tips[i];
        const char *what = tp->kind == CMETA_TIP_CI_EXCLUDES_NULL   ? "the CI stops including 0"
                           : tp->kind == CMETA_TIP_CI_INCLUDES_NULL ? "the CI starts including 0"
                           : tp->to_positive                       ? "the estimate turns positive"
                                                                    : "the estimate turns negative";
        char a[64], b[64], c[64];
        cmeta_fmt_num(a, sizeof a, tp->ri_lo, 4);
        cmeta_fmt_num(b, sizeof b, tp->ri_hi, 4);
        cmeta_fmt_num(c, sizeof c, tp->root, 4);
        if (tp->ri_lo == tp->ri_hi) fprintf(fp, "  %s at ri = %s\n", what, a);
        else if (isfinite(tp->root)) fprintf(fp, "  %s between ri = %s and %s (at ri = %s)\n", what, a, b, c);
        else fprintf(fp, "  %s between ri = %s and %s\n", what, a, b);
    }
    return CMETA_OK;
}

static void text_box(FILE *fp, const cmeta_ri_report *r)
{
    const cmeta_ri_box *b = r->box;
    char e1[64], e2[64], p1[64], p2[64];
    cmeta_fmt_num(e1, sizeof e1, b->estimate_min, 4);
    cmeta_fmt_num(e2, sizeof e2, b->estimate_max, 4);
    cmeta_fmt_pval(p1, sizeof p1, b->pval_min, 4);
    cmeta_fmt_pval(p2, sizeof p2, b->pval_max, 4);
    fprintf(fp, "\nRange over the corners of the studies' ri intervals (ri_lb, ri_ub): ");
    if (b->exhaustive)
        fprintf(fp, "all %.0f corners (%zu studies with an interval)\n", b->corners, b->m);
    else
        fprintf(fp, "%.0f of the 2^%zu corners (all at the lower ends, all at the upper ends, and each study\n"
                    "alone at its other end from those)\n", b->corners, b->m);
    if (r->k_box_fixed_swept)
        fprintf(fp, "(%zu studies with neither ri nor an interval take [%g, %g], the ends of the sweep)\n",
                r->k_box_fixed_swept, r->box_lo, r->box_hi);
    fprintf(fp, "  estimate  min %s  max %s\n", e1, e2);
    fprintf(fp, "  pval      min %s  max %s\n", p1, p2);
    fputs("(extremes over the corners; with tau^2 estimated, with SMCC, and for the p-value, the extremes\n"
          "over the whole box may lie between corners)\n", fp);
}

static void json_point(FILE *fp, const cmeta_ri_point *p)
{
    int first = 1;
    fputc('{', fp);
    cmeta_json_kv(fp, "ri", p->ri, &first);
    cmeta_json_kv(fp, "estimate", p->estimate, &first);
    cmeta_json_kv(fp, "se", p->se, &first);
    cmeta_json_kv(fp, "ci_lb", p->ci_lb, &first);
    cmeta_json_kv(fp, "ci_ub", p->ci_ub, &first);
    cmeta_json_kv(fp, "pval", p->pval, &first);
    cmeta_json_kv(fp, "tau2", p->tau2, &first);
    cmeta_json_kv(fp, "I2", p->I2, &first);
    fputc('}', fp);
}

static void json_report(FILE *fp, const cmeta_ri_report *r, const cmeta_warnings *w)
{
    int first = 1;
    fputc('{', fp);
    cmeta_json_key(fp, "measure", &first);
    cmeta_json_str(fp, cmeta_measure_name(r->measure));
    if (r->designs) {
        cmeta_json_key(fp, "designs", &first);
        cmeta_json_str(fp, r->designs);
    }
    if (r->smcr_sd) {
        cmeta_json_key(fp, "smcr_sd", &first);
        cmeta_json_str(fp, r->smcr_sd);
    }
    cmeta_json_kv(fp, "k", (double)r->k, &first);
    cmeta_json_kv(fp, "k_swept", (double)r->k_swept, &first);
    cmeta_json_key(fp, "method", &first);
    cmeta_json_str(fp, cmeta_method_name(r->fo->method));
    cmeta_json_key(fp, "test", &first);
    cmeta_json_str(fp, cmeta_test_name(r->fo->test));
    cmeta_json_kv(fp, "level", r->fo->level, &first);
    if (r->n) {
        cmeta_json_key(fp, "ri_sweep", &first);
        fputc('[', fp);
        for (size_t i = 0; i < r->n; i++) {
            if (i) fputc(',', fp);
            json_point(fp, &r->pts[i]);
        }
        fputc(']', fp);
        cmeta_json_key(fp, "tipping_points", &first);
        fputc('[', fp);
        for (size_t i = 0; i < r->ntips; i++) {
            const cmeta_ri_tip *tp = &r->tips[i];
            int f2 = 1;
            if (i) fputc(',', fp);
            fputc('{', fp);
            cmeta_json_key(fp, "type", &f2);
            cmeta_json_str(fp, cmeta_tip_kind_name(tp->kind));
            if (tp->kind == CMETA_TIP_SIGN_CHANGE) {
                cmeta_json_key(fp, "to", &f2);
                cmeta_json_str(fp, tp->to_positive ? "positive" : "negative");
            }
            cmeta_json_kv(fp, "ri_lo", tp->ri_lo, &f2);
            cmeta_json_kv(fp, "ri_hi", tp->ri_hi, &f2);
            cmeta_json_kv(fp, "root", tp->root, &f2);
            fputc('}', fp);
        }
        fputc(']', fp);
        cmeta_json_kv(fp, "root_tol", r->tol > 0 ? r->tol : NAN, &first);
    }
    if (r->box) {
        const cmeta_ri_box *b = r->box;
        int f2 = 1;
        cmeta_json_key(fp, "ri_box", &first);
        fputc('{', fp);
        cmeta_json_key(fp, "over", &f2);
        cmeta_json_str(fp, "corners");
        cmeta_json_kv(fp, "estimate_min", b->estimate_min, &f2);
        cmeta_json_kv(fp, "estimate_max", b->estimate_max, &f2);
        cmeta_json_kv(fp, "pval_min", b->pval_min, &f2);
        cmeta_json_kv(fp, "pval_max", b->pval_max, &f2);
        cmeta_json_kv(fp, "corners", b->corners, &f2);
        cmeta_json_kv(fp, "studies_varied", (double)b->m, &f2);
        cmeta_json_key(fp, "exhaustive", &f2);
        fputs(b->exhaustive ? "true" : "false", fp);
        fputc('}', fp);
    }
    cmeta_json_warnings(fp, w, &first);
    fputs("}\n", fp);
}

cmeta_status cmeta_report_ri(FILE *fp, int fmt, const cmeta_ri_report *r, const cmeta_warnings *w)
{
    if (!fp || !r || !r->fo || (r->n && !r->pts)) return CMETA_EUSAGE;
    if (fmt == CMETA_REPORT_JSON) {
        json_report(fp, r, w);
        return CMETA_OK;
    }
    if (fmt == CMETA_REPORT_CSV) {
        fputs("ri,estimate,se,ci_lb,ci_ub,pval,tau2,I2\n", fp);
        for (size_t i = 0; i < r->n; i++) {
            const cmeta_ri_point *p = &r->pts[i];
            const double v[] = {p->ri, p->estimate, p->se, p->ci_lb, p->ci_ub, p->pval, p->tau2, p->I2};
            for (size_t j = 0; j < 8; j++) {
                if (j) fputc(',', fp);
                cmeta_csv_num(fp, v[j]);
            }
            fputc('\n', fp);
        }
        return CMETA_OK;
    }
    text_head(fp, r);
    cmeta_status st = CMETA_OK;
    if (r->n) st = text_sweep(fp, r);
    if (st == CMETA_OK && r->box) text_box(fp, r);
    return st;
}
