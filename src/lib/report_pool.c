/* report_pool.c - the pool result (metafor's print.rma.uni and predict(), JSON, CSV), plain
 * and by subgroup. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/report.h"
#include "cmeta/robust.h"
#include "report_frame.h"

typedef struct {
    const cmeta_data *d;
    cmeta_transform_kind tk;
    double hn;                        /* harmonic mean n (PFT) */
    const cmeta_model_choice *mc;     /* NULL unless --model auto */
} pool_ctx;

static double bt(const pool_ctx *c, double x) { return cmeta_back_transform(c->tk, x, c->hn); }

double cmeta_harmonic_n(const cmeta_data *d)
{
    if (!d->ni || d->k == 0) return NAN;
    double s = 0;
    for (size_t i = 0; i < d->k; i++) s += 1.0 / d->ni[i];
    return (double)d->k / s;
}

const char *cmeta_transform_label(cmeta_transform_kind k)
{
    switch (k) {
    case CMETA_TRANS_EXP: return "exp";
    case CMETA_TRANS_ILOGIT: return "inverse logit";
    case CMETA_TRANS_IARCSIN: return "inverse arcsine";
    case CMETA_TRANS_IFT: return "inverse Freeman-Tukey";
    case CMETA_TRANS_TANH: return "inverse Fisher z";
    default: return "identity";
    }
}

/* the fit's own method (--model auto may have changed it), with the options' mh_random */
static int fit_is_random(const cmeta_fit *f, const cmeta_fit_opts *o)
{
    cmeta_fit_opts t = *o;
    t.method = f->method;
    return cmeta_fit_is_random(&t);
}

static void pool_ctx_init(pool_ctx *c, const cmeta_data *d, const cmeta_model_choice *mc)
{
    c->d = d;
    c->tk = cmeta_data_transform(d); /* exp also for log ratios as GEN (--measure HR) */
    c->hn = cmeta_harmonic_n(d);
    c->mc = mc && mc->automatic ? mc : NULL;
}

/* ---- text ---------------------------------------------------------------------------------- */

/* "estimate  se  zval ..." as metafor's .print.vector (gap of two spaces) */
static void text_model(FILE *fp, const cmeta_fit *f, const cmeta_fit_opts *o)
{
    char a[CMETA_FMT_CELL], b[CMETA_FMT_CELL];
    int random = fit_is_random(f, o);
    fputc('\n', fp);
    if (!random) {
        fprintf(fp, "Fixed-Effects Model (k = %zu", f->k);
        if (f->method == CMETA_METHOD_MH) fputs("; Mantel-Haenszel method", fp);
        if (f->method == CMETA_METHOD_PETO) fputs("; Peto method", fp);
        fputs(")\n\n", fp);
    } else {
        fprintf(fp, "Random-Effects Model (k = %zu; ", f->k);
        if (o->tau2_fixed) fputs("user-specified tau^2 value)", fp);
        else if (f->method == CMETA_METHOD_MH || f->method == CMETA_METHOD_PETO)
            fprintf(fp, "tau^2 estimator: DL around the %s estimate)", cmeta_method_name(f->method));
        else fprintf(fp, "tau^2 estimator: %s)", cmeta_method_name(f->method));
        fputs("\n\n", fp);
        const double eps10 = 10 * 2.220446049250313e-16;
        cmeta_fmt_num(a, sizeof a, f->tau2, fabs(f->tau2) <= eps10 ? 0 : 4);
        fprintf(fp, "tau^2 (estimated amount of total heterogeneity): %s", a);
        if (isfinite(f->se_tau2)) {
            cmeta_fmt_num(b, sizeof b, f->se_tau2, 4);
            fprintf(fp, " (SE = %s)", b);
        }
        fputc('\n', fp);
        cmeta_fmt_num(a, sizeof a, f->tau2 >= 0 ? sqrt(f->tau2) : NAN, f->tau2 <= eps10 ? 0 : 4);
        fprintf(fp, "tau (square root of estimated tau^2 value):      %s\n", a);
    }
    if (isfinite(f->I2)) {
        cmeta_fmt_num(a, sizeof a, f->I2, 2);
        fprintf(fp, "I^2 (total heterogeneity / total variability):   %s%%\n", a);
    }
    if (isfinite(f->H2)) {
        cmeta_fmt_num(a, sizeof a, f->H2, 2);
        fprintf(fp, "H^2 (total variability / sampling variability):  %s\n", a);
    }
    if (random || isfinite(f->I2) || isfinite(f->H2)) fputc('\n', fp);
    if (isfinite(f->Q)) {
        cmeta_fmt_num(a, sizeof a, f->Q, 4);
        cmeta_fmt_pval_eq(b, sizeof b, "p-val", f->Q_pval);
        fprintf(fp, "Test for Heterogeneity:\nQ(df = %.0f) = %s, %s\n\n", f->Q_df, a, b);
    }
    int tt = f->test != CMETA_TEST_Z && !isnan(f->df); /* --hakn-ci ci may switch to z */
    const char *names[8];
    char cells[8][CMETA_FMT_CELL];
    size_t n = 0;
    names[n] = "estimate"; cmeta_fmt_num(cells[n++], CMETA_FMT_CELL, f->beta[0], 4);
    names[n] = "se"; cmeta_fmt_num(cells[n++], CMETA_FMT_CELL, f->se[0], 4);
    names[n] = tt ? "tval" : "zval"; cmeta_fmt_num(cells[n++], CMETA_FMT_CELL, f->stat[0], 4);
    if (tt) {
        names[n] = "df";
        snprintf(cells[n++], CMETA_FMT_CELL, "%g", round(f->df * 100) / 100);
    }
    names[n] = "pval"; cmeta_fmt_pval(cells[n++], CMETA_FMT_CELL, f->pval[0], 4);
    names[n] = "ci.lb"; cmeta_fmt_num(cells[n++], CMETA_FMT_CELL, f->ci_lb[0], 4);
    names[n] = "ci.ub"; cmeta_fmt_num(cells[n++], CMETA_FMT_CELL, f->ci_ub[0], 4);
    double p = f->pval[0];
    names[n] = ""; snprintf(cells[n++], CMETA_FMT_CELL, "%s", isfinite(p) ? cmeta_signif_stars(p) : "");
    cmeta_fmt_level(a, sizeof a, f->level);
    fprintf(fp, "Model Results (%s):\n\n", a);
    size_t wdt[8];
    for (size_t j = 0; j < n; j++) {
        size_t a1 = strlen(names[j]), b1 = strlen(cells[j]);
        wdt[j] = a1 > b1 ? a1 : b1;
    }
    for (size_t j = 0; j < n; j++) fprintf(fp, "%s%*s", j ? "  " : "", (int)wdt[j], names[j]);
    fputs(" \n", fp);
    for (size_t j = 0; j < n; j++) fprintf(fp, "%s%*s", j ? "  " : "", (int)wdt[j], cells[j]);
    fputs(" \n\n---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n", fp);
    if (f->hakn_ci != CMETA_HAKN_CI_NONE) { /* meta 8.3-0 adhoc.hakn.ci (R/metagen.R) */
        static const char *const what[] = {"", "q < 1: the classic random-effects SE, t quantile",
                                           "the HK CI was narrower: the classic random-effects (z) CI",
                                           "the HK CI was narrower than DerSimonian-Laird's: the classic SE, t quantile"};
        fprintf(fp, "Hartung-Knapp ad hoc rule %s (meta adhoc.hakn.ci): %s%s\n\n", cmeta_hakn_ci_name(f->hakn_ci),
                f->hakn_ci_applied ? "applied, " : "not applied (HK interval kept)",
                f->hakn_ci_applied ? what[f->hakn_ci] : "");
    }
}

/* What the back-transformed values are called: the ratio for log-ratio measures, otherwise
 * the natural scale ("proportion" for PLO, PLN, PAS, PFT; "correlation" for ZCOR). */
static const char *bt_name(const cmeta_data *d)
{
    switch (d->measure) {
    case CMETA_PLO: case CMETA_PLN: case CMETA_PAS: case CMETA_PFT: return "proportion";
    case CMETA_ZCOR: return "correlation";
    default: return cmeta_data_measure_name(d); /* "HR" for hazard ratios given as est/CI */
    }
}

/* prediction / back-transformed estimate, as metafor's predict() prints it */
static cmeta_status text_predict(FILE *fp, const pool_ctx *c, const cmeta_fit *f, int random)
{
    const char *names[6];
    char cells[6][CMETA_FMT_CELL];
    size_t n = 0;
    int tr = c->tk != CMETA_TRANS_NONE;
    double v[6];
    names[n] = "pred"; v[n++] = f->beta[0];
    if (!tr) { names[n] = "se"; v[n++] = f->se[0]; }
    names[n] = "ci.lb"; v[n++] = f->ci_lb[0];
    names[n] = "ci.ub"; v[n++] = f->ci_ub[0];
    if (random) {
        names[n] = "pi.lb"; v[n++] = f->pi_lb;
        names[n] = "pi.ub"; v[n++] = f->pi_ub;
    }
    for (size_t j = 0; j < n; j++)
        cmeta_fmt_num(cells[j], CMETA_FMT_CELL, (tr && strcmp(names[j], "se")) ? bt(c, v[j]) : v[j], 4);
    if (tr)
        fprintf(fp, "Pooled %s (%s of the estimate):\n\n", bt_name(c->d), cmeta_transform_label(c->tk));
    else
        fputs("Prediction:\n\n", fp);
    const char *cp[6];
    for (size_t j = 0; j < n; j++) cp[j] = cells[j];
    const char *rn[1] = {""};
    cmeta_status st = cmeta_text_frame(fp, rn, 1, names, n, cp, 1, (size_t)-1);
    fputc('\n', fp);
    return st;
}

typedef struct {
    const pool_ctx *c;
    const cmeta_data *d;
    const cmeta_fit *f;
    double z; /* cmeta_study_zcrit(level), once */
} studies_arg;

/* estimate, ci.lb, ci.ub (cmeta_study_ci), weight [, yi_from] of study i */
static void study_row(void *arg, size_t i, double *v, const char **s)
{
    const studies_arg *a = arg;
    double y = a->d->yi[i], lo, hi;
    cmeta__study_ci_z(y, a->d->vi[i], a->z, &lo, &hi);
    if (a->c->tk != CMETA_TRANS_NONE) {
        y = bt(a->c, y);
        lo = bt(a->c, lo);
        hi = bt(a->c, hi);
    }
    v[0] = y;
    v[1] = lo;
    v[2] = hi;
    v[3] = a->f->weight ? a->f->weight[i] : NAN;
    if (a->d->row_yi_from) /* each row's route (cmeta/reported.h), as escalc's yi_from column */
        s[4] = a->d->row_yi_from[a->d->row[i]];
}

/* The study rows are formatted straight into the stream (widths from the values, then each
 * cell formatted once), not kept as text: O(1) memory per study (issue 15). */
static cmeta_status text_studies(FILE *fp, const pool_ctx *c, const cmeta_data *d, const cmeta_fit *f)
{
    int tr = c->tk != CMETA_TRANS_NONE;
    size_t k = d->k;
    const char *names[5] = {tr ? bt_name(d) : "estimate", "ci.lb", "ci.ub", "weight", "yi_from"};
    static const cmeta__frame_col cols[5] = {{4, 0}, {4, 0}, {4, 0}, {2, '%'}, {-1, 0}};
    char lv[32];
    cmeta_fmt_level(lv, sizeof lv, f->level);
    fprintf(fp, "Studies (%s):\n\n", lv);
    studies_arg a = {c, d, f, cmeta_study_zcrit(f->level)};
    cmeta_status st = cmeta__text_frame_nums(fp, (const char *const *)d->label, k, names, cols,
                                             d->row_yi_from ? 5 : 4, study_row, &a, 1, (size_t)-1);
    fputc('\n', fp);
    return st;
}

static void text_reason(FILE *fp, const pool_ctx *c)
{
    if (c->mc) fprintf(fp, "\nModel chosen by --model auto: %s.\n", c->mc->reason);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

#define jnum cmeta_json_kv

/* the summary keys of one fit (pool keys without k/measure/... and studies) */
static void json_summary(FILE *fp, const pool_ctx *c, const cmeta_fit *f, int *first)
{
    jnum(fp, "estimate", f->beta[0], first);
    jnum(fp, "se", f->se[0], first);
    jnum(fp, "stat", f->stat[0], first);
    jnum(fp, "pval", f->pval[0], first);
    jnum(fp, "ci_lb", f->ci_lb[0], first);
    jnum(fp, "ci_ub", f->ci_ub[0], first);
    jnum(fp, "tau2", f->tau2, first);
    jnum(fp, "tau", f->tau, first);
    jnum(fp, "tau2_ci_lb", f->tau2_ci_lb, first);
    jnum(fp, "tau2_ci_ub", f->tau2_ci_ub, first);
    jnum(fp, "I2", f->I2, first);
    jnum(fp, "I2_ci_lb", f->I2_ci_lb, first);
    jnum(fp, "I2_ci_ub", f->I2_ci_ub, first);
    jnum(fp, "H2", f->H2, first);
    jnum(fp, "I2_Q", f->I2_Q, first);
    jnum(fp, "Q", f->Q, first);
    jnum(fp, "Q_df", f->Q_df, first);
    jnum(fp, "Q_pval", f->Q_pval, first);
    jnum(fp, "pi_lb", f->pi_lb, first);
    jnum(fp, "pi_ub", f->pi_ub, first);
    if (c->tk != CMETA_TRANS_NONE) {
        int f2 = 1;
        cmeta_json_key(fp, "transformed", first);
        fputc('{', fp);
        cmeta_json_key(fp, "transform", &f2);
        cmeta_json_str(fp, cmeta_transform_label(c->tk));
        jnum(fp, "estimate", bt(c, f->beta[0]), &f2);
        jnum(fp, "ci_lb", bt(c, f->ci_lb[0]), &f2);
        jnum(fp, "ci_ub", bt(c, f->ci_ub[0]), &f2);
        jnum(fp, "pi_lb", bt(c, f->pi_lb), &f2);
        jnum(fp, "pi_ub", bt(c, f->pi_ub), &f2);
        fputc('}', fp);
    }
}

static void json_head(FILE *fp, const pool_ctx *c, const cmeta_fit *f, int *first)
{
    jnum(fp, "k", (double)f->k, first);
    cmeta_json_key(fp, "measure", first);
    cmeta_json_str(fp, cmeta_data_measure_name(c->d));
    if (c->d->measures) { /* mixed designs: "3 two-group SMD, 5 pre-post SMCR" */
        char mix[256];
        cmeta_json_key(fp, "designs", first);
        cmeta_json_str(fp, cmeta_data_mix(c->d, mix, sizeof mix));
    }
    cmeta_json_key(fp, "method", first);
    cmeta_json_str(fp, cmeta_method_name(f->method));
    cmeta_json_key(fp, "test", first);
    cmeta_json_str(fp, cmeta_test_name(f->test));
    if (f->hakn_ci != CMETA_HAKN_CI_NONE) {
        int f2 = 1;
        cmeta_json_key(fp, "hakn_ci", first);
        fputc('{', fp);
        cmeta_json_key(fp, "rule", &f2);
        cmeta_json_str(fp, cmeta_hakn_ci_name(f->hakn_ci));
        cmeta_json_key(fp, "applied", &f2);
        fputs(f->hakn_ci_applied ? "true" : "false", fp);
        fputc('}', fp);
    }
    jnum(fp, "level", f->level, first);
}

/* "studies":[{...},...], the bytes cmeta_json_key/str/num would write, through a buffer
 * (10^6 studies: no stdio call per character or number) */
static cmeta_status json_studies(FILE *fp, const cmeta_data *d, const cmeta_fit *f, int *first)
{
    cmeta_json_key(fp, "studies", first);
    cmeta__obuf *ob = cmeta__obuf_new(fp);
    if (!ob) return CMETA_ENOMEM;
    double z = cmeta_study_zcrit(f->level);
    cmeta__obuf_put(ob, "[", 1);
#define PUTS(lit) cmeta__obuf_put(ob, lit, sizeof lit - 1)
    for (size_t i = 0; i < d->k; i++) {
        double yi = d->yi[i], vi = d->vi[i], lo, hi;
        cmeta__study_ci_z(yi, vi, z, &lo, &hi);
        if (i) PUTS(",");
        PUTS("{\"study\":");
        cmeta__obuf_json_str(ob, d->label[i]);
        if (d->measures) {
            PUTS(",\"measure\":");
            cmeta__obuf_json_str(ob, d->measures[i] == CMETA_GEN && d->ratio_name[0] ? d->ratio_name
                                                                                  : cmeta_measure_name(d->measures[i]));
        }
        PUTS(",\"yi\":");
        cmeta__obuf_json_num(ob, yi);
        PUTS(",\"vi\":");
        cmeta__obuf_json_num(ob, vi);
        PUTS(",\"ci_lb\":");
        cmeta__obuf_json_num(ob, lo);
        PUTS(",\"ci_ub\":");
        cmeta__obuf_json_num(ob, hi);
        PUTS(",\"weight\":");
        cmeta__obuf_json_num(ob, f->weight ? f->weight[i] : NAN);
        if (d->row_yi_from && d->row_yi_from[d->row[i]]) { /* route (cmeta/reported.h) */
            PUTS(",\"yi_from\":");
            cmeta__obuf_json_str(ob, d->row_yi_from[d->row[i]]);
        }
        PUTS("}");
    }
#undef PUTS
    cmeta__obuf_put(ob, "]", 1);
    cmeta__obuf_flush(ob);
    cmeta_free(ob);
    return CMETA_OK;
}

static void json_extra(FILE *fp, const pool_ctx *c, const cmeta_fit *f, int *first)
{
    jnum(fp, "iterations", f->iterations, first);
    if (c->mc) {
        int f2 = 1;
        cmeta_json_key(fp, "model_choice", first);
        fputc('{', fp);
        cmeta_json_key(fp, "model", &f2);
        cmeta_json_str(fp, c->mc->is_random ? "random" : "fixed");
        cmeta_json_key(fp, "method", &f2);
        cmeta_json_str(fp, cmeta_method_name(f->method));
        jnum(fp, "Q", c->mc->Q, &f2);
        jnum(fp, "Q_pval", c->mc->Q_pval, &f2);
        cmeta_json_key(fp, "reason", &f2);
        cmeta_json_str(fp, c->mc->reason);
        fputc('}', fp);
    }
}

/* ---- CSV: the forest plot's rows ------------------------------------------------------------ */
/* type,subgroup,study,k,estimate,se,ci_lb,ci_ub,weight,estimate_bt,ci_lb_bt,ci_ub_bt,
 * stat,df,pval,tau2,I2,I2_Q
 * One row per thing cmeta forest draws, in its order: the studies (weights as the plot shows
 * them: percentages of the overall model), each subgroup's summary (weight: the sum of its
 * studies'), its prediction interval (random effects, k > 1, as the metafor layout draws it),
 * its heterogeneity line (stat = Q) and
 * its test for the overall effect; then the overall model's rows and, with subgroups, the test
 * for subgroup differences (stat = Q_between; I2_Q = RevMan's I^2 of that test). */

static const char csv_header[] = "type,subgroup,study,k,estimate,se,ci_lb,ci_ub,weight,estimate_bt,"
                                 "ci_lb_bt,ci_ub_bt,stat,df,pval,tau2,I2,I2_Q\n";

static void csv_row(FILE *fp, const pool_ctx *c, const char *type, const char *sub, const char *study,
                    double k, double est, double se, double lo, double hi, double wt, const double tail[6])
{
    cmeta_csv_field(fp, type);
    fputc(',', fp);
    cmeta_csv_field(fp, sub ? sub : "");
    fputc(',', fp);
    cmeta_csv_field(fp, study ? study : "");
    fputc(',', fp);
    cmeta_csv_num(fp, k);
    double v[] = {est, se, lo, hi, wt};
    for (int j = 0; j < 5; j++) {
        fputc(',', fp);
        cmeta_csv_num(fp, v[j]);
    }
    double b[] = {est, lo, hi};
    for (int j = 0; j < 3; j++) {
        fputc(',', fp);
        if (c->tk != CMETA_TRANS_NONE && isfinite(est)) cmeta_csv_num(fp, bt(c, b[j]));
    }
    for (int j = 0; j < 6; j++) {
        fputc(',', fp);
        if (tail) cmeta_csv_num(fp, tail[j]);
    }
    fputc('\n', fp);
}

/* a study's row, as csv_row writes it, into ob (10^6 studies: no stdio call per field); z is
 * cmeta_study_zcrit(level) */
static void csv_study(cmeta__obuf *ob, const pool_ctx *c, const cmeta_data *d, size_t i, const char *sub,
                      double z, double weight)
{
    double yi = d->yi[i], vi = d->vi[i], lo, hi;
    cmeta__study_ci_z(yi, vi, z, &lo, &hi);
    cmeta__obuf_put(ob, "study,", 6);
    cmeta__obuf_csv_field(ob, sub ? sub : "");
    cmeta__obuf_put(ob, ",", 1);
    cmeta__obuf_csv_field(ob, d->label[i] ? d->label[i] : "");
    cmeta__obuf_put(ob, ",1", 2);
    double v[] = {yi, sqrt(vi), lo, hi, weight};
    for (int j = 0; j < 5; j++) {
        cmeta__obuf_put(ob, ",", 1);
        cmeta__obuf_csv_num(ob, v[j]);
    }
    double b[] = {yi, lo, hi};
    for (int j = 0; j < 3; j++) {
        cmeta__obuf_put(ob, ",", 1);
        if (c->tk != CMETA_TRANS_NONE && isfinite(yi)) cmeta__obuf_csv_num(ob, bt(c, b[j]));
    }
    cmeta__obuf_put(ob, ",,,,,,\n", 7);
}

/* the summary rows of one fit: model, prediction, heterogeneity, overall effect */
static void csv_fit(FILE *fp, const pool_ctx *c, const cmeta_fit *f, const char *sub, int random,
                    double weight)
{
    double k = (double)f->k;
    csv_row(fp, c, sub ? "subgroup" : "pooled", sub, random ? "Random-effects model" : "Fixed-effect model",
            k, f->beta[0], f->se[0], f->ci_lb[0], f->ci_ub[0], weight, NULL);
    /* drawn (metafor layout) under random effects when k > 1 and both bounds exist */
    if (random && f->k > 1 && isfinite(f->pi_lb) && isfinite(f->pi_ub))
        csv_row(fp, c, "prediction", sub, "Prediction interval", k, f->beta[0], NAN, f->pi_lb, f->pi_ub, NAN, NULL);
    const double het[6] = {f->Q, f->Q_df, f->Q_pval, random ? f->tau2 : NAN, f->I2, f->I2_Q};
    csv_row(fp, c, "heterogeneity", sub, "Heterogeneity", k, NAN, NAN, NAN, NAN, NAN, het);
    const double eff[6] = {f->stat[0], f->test == CMETA_TEST_Z ? NAN : f->df, f->pval[0], NAN, NAN, NAN};
    csv_row(fp, c, "overall_effect", sub, "Test for overall effect", k, NAN, NAN, NAN, NAN, NAN, eff);
}

/* ---- writers -------------------------------------------------------------------------------- */

cmeta_status cmeta_report_pool(FILE *fp, cmeta_report_format fmt, const cmeta_data *d, const cmeta_fit *f,
                               const cmeta_fit_opts *fo, const cmeta_model_choice *mc,
                               const cmeta_warnings *w)
{
    return cmeta_report_pool_robust(fp, fmt, d, f, fo, mc, NULL, NULL, w);
}

/* the robust results as a CSV row (type "robust") after the overall model's */
static void csv_robust(FILE *fp, const pool_ctx *c, const cmeta_robust_result *r)
{
    char lab[96];
    snprintf(lab, sizeof lab, "Robust (%s, %zu clusters)", cmeta_robust_type_name(r->type), r->n_clusters);
    const double tail[6] = {r->stat[0], r->df[0], r->pval[0], NAN, NAN, NAN};
    csv_row(fp, c, "robust", NULL, lab, (double)r->k, r->beta[0], r->se[0], r->ci_lb[0], r->ci_ub[0], NAN, tail);
}

cmeta_status cmeta_report_pool_robust(FILE *fp, cmeta_report_format fmt, const cmeta_data *d, const cmeta_fit *f,
                                      const cmeta_fit_opts *fo, const cmeta_model_choice *mc,
                                      const cmeta_robust_result *r, const char *cluster, const cmeta_warnings *w)
{
    static const char *const intrcpt[] = {"intrcpt"};
    pool_ctx c;
    pool_ctx_init(&c, d, mc);
    int random = fit_is_random(f, fo);
    cmeta_status st = CMETA_OK;
    if (fmt == CMETA_REPORT_JSON) {
        int first = 1;
        fputc('{', fp);
        json_head(fp, &c, f, &first);
        json_summary(fp, &c, f, &first);
        st = json_studies(fp, d, f, &first);
        if (st != CMETA_OK) return st;
        json_extra(fp, &c, f, &first);
        if (r) cmeta_report_robust_json(fp, r, intrcpt, cluster, &first);
        cmeta_json_warnings(fp, w, &first);
        fputs("}\n", fp);
    } else if (fmt == CMETA_REPORT_CSV) {
        fputs(csv_header, fp);
        cmeta__obuf *ob = cmeta__obuf_new(fp);
        if (!ob) return CMETA_ENOMEM;
        double z = cmeta_study_zcrit(f->level);
        for (size_t i = 0; i < d->k; i++) csv_study(ob, &c, d, i, NULL, z, f->weight ? f->weight[i] : NAN);
        cmeta__obuf_flush(ob);
        cmeta_free(ob);
        csv_fit(fp, &c, f, NULL, random, 100);
        if (r) csv_robust(fp, &c, r);
    } else {
        text_reason(fp, &c);
        if (d->k == 1) fputs("\nNote: k = 1: the result is the single study itself.\n", fp);
        if (d->measures) {
            char mix[256];
            fprintf(fp, "\nDesigns (k = %zu): %s\n", d->k, cmeta_data_mix(d, mix, sizeof mix));
        }
        text_model(fp, f, fo);
        if (random || c.tk != CMETA_TRANS_NONE) st = text_predict(fp, &c, f, random);
        if (st == CMETA_OK) st = text_studies(fp, &c, d, f);
        if (st == CMETA_OK && r) st = cmeta_report_robust_text(fp, r, intrcpt, cluster);
    }
    return st;
}

cmeta_status cmeta_report_subgroups(FILE *fp, cmeta_report_format fmt, const cmeta_data *d,
                                    const size_t *grp, const char *const *lev, const char *column,
                                    const cmeta_subgroups *g, const cmeta_fit_opts *fo,
                                    const cmeta_model_choice *mc, const cmeta_warnings *w)
{
    pool_ctx c;
    pool_ctx_init(&c, d, mc);
    const size_t n = d->k, ng = g->ngroups;
    const cmeta_fit *all = g->overall;
    int random = fit_is_random(all, fo);
    cmeta_status st = CMETA_OK;
    if (fmt == CMETA_REPORT_JSON) {
        int first = 1;
        fputc('{', fp);
        json_head(fp, &c, all, &first);
        json_summary(fp, &c, all, &first);
        st = json_studies(fp, d, all, &first);
        if (st != CMETA_OK) return st;
        cmeta_json_key(fp, "subgroups", &first);
        fputc('[', fp);
        for (size_t j = 0; j < ng; j++) {
            int f2 = 1;
            if (j) fputc(',', fp);
            fputc('{', fp);
            cmeta_json_key(fp, "subgroup", &f2);
            cmeta_json_str(fp, lev[j]);
            jnum(fp, "k", (double)g->k[j], &f2);
            json_summary(fp, &c, g->fits[j], &f2);
            fputc('}', fp);
        }
        fputc(']', fp);
        jnum(fp, "Q_between", g->Q_between, &first);
        jnum(fp, "Q_between_df", g->Q_between_df, &first);
        jnum(fp, "Q_between_pval", g->Q_between_pval, &first);
        jnum(fp, "Q_within", g->Q_within, &first);
        jnum(fp, "Q_within_df", g->Q_within_df, &first);
        jnum(fp, "Q_within_pval", g->Q_within_pval, &first);
        cmeta_json_key(fp, "tau_common", &first);
        fputs(g->tau_common ? "true" : "false", fp);
        jnum(fp, "tau2_common", g->tau2_common, &first);
        json_extra(fp, &c, all, &first);
        cmeta_json_warnings(fp, w, &first);
        fputs("}\n", fp);
    } else if (fmt == CMETA_REPORT_CSV) {
        fputs(csv_header, fp);
        cmeta__obuf *ob = cmeta__obuf_new(fp);
        if (!ob) return CMETA_ENOMEM;
        for (size_t j = 0; j < ng; j++) {
            double wsum = 0, z = cmeta_study_zcrit(g->fits[j]->level);
            for (size_t i = 0; i < n; i++) {
                if (grp[i] != j) continue;
                double wi = all->weight ? all->weight[i] : NAN;
                wsum += wi;
                csv_study(ob, &c, d, i, lev[j], z, wi);
            }
            cmeta__obuf_flush(ob);
            csv_fit(fp, &c, g->fits[j], lev[j], random, wsum);
        }
        cmeta_free(ob);
        csv_fit(fp, &c, all, NULL, random, 100);
        double i2 = g->Q_between > 0 ? 100 * (g->Q_between - g->Q_between_df) / g->Q_between : 0;
        const double diff[6] = {g->Q_between, g->Q_between_df, g->Q_between_pval, NAN, NAN, fmax(i2, 0)};
        csv_row(fp, &c, "subgroup_difference", NULL, "Test for subgroup differences", (double)n, NAN, NAN,
                NAN, NAN, NAN, diff);
    } else {
        char a[CMETA_FMT_CELL], b[CMETA_FMT_CELL];
        text_reason(fp, &c);
        if (g->tau_common) {
            cmeta_fmt_num(a, sizeof a, g->tau2_common, 4);
            fprintf(fp, "\nSubgroups share tau^2 = %s (estimated from the model with '", a);
            cmeta_text_put(fp, column);
            fputs("' as moderator).\n", fp);
        }
        for (size_t j = 0; j < ng && st == CMETA_OK; j++) {
            fputs("\n== Subgroup ", fp);
            cmeta_text_put(fp, column);
            fputs(" = ", fp);
            cmeta_text_put(fp, lev[j]);
            fputs(" ==\n", fp);
            cmeta_fit_opts fj = *fo;
            if (g->tau_common) fj.tau2_fixed = 1;
            text_model(fp, g->fits[j], &fj);
            if (c.tk != CMETA_TRANS_NONE) st = text_predict(fp, &c, g->fits[j], random);
        }
        if (st != CMETA_OK) return st;
        cmeta_fmt_num(a, sizeof a, g->Q_between, 4);
        cmeta_fmt_pval_eq(b, sizeof b, "p-val", g->Q_between_pval);
        fprintf(fp, "\nTest for Subgroup Differences (%s model):\nQ_between(df = %.0f) = %s, %s\n",
                random ? "random-effects" : "fixed-effect", g->Q_between_df, a, b);
        fprintf(fp, "\n== Overall ==\n");
        text_model(fp, all, fo);
        if (random || c.tk != CMETA_TRANS_NONE) st = text_predict(fp, &c, all, random);
        if (st == CMETA_OK) st = text_studies(fp, &c, d, all);
    }
    return st;
}
