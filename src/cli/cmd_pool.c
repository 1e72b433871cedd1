/* cmd_pool.c - `cmeta pool FILE`: fixed/random-effects meta-analysis (metafor rma.uni /
 * rma.mh / rma.peto), printed like metafor's print.rma.uni; --subgroup COL for subgroup
 * analysis with the test for subgroup differences; --model auto --het-p P. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "cli.h"

static const char usage[] =
    "usage: cmeta pool FILE [options]\n"
    "  Fixed- or random-effects meta-analysis of the studies in FILE (CSV; - = stdin).\n"
    "  --measure M       effect measure (required unless the file has yi/vi)\n"
    "  --method M        FE|EE|CE DL HE HS SJ ML REML(default) EB PM MH PETO\n"
    "  --test z|t|knha|knha-adhoc   test and CIs of the pooled effect (default z); knha-adhoc:\n"
    "                    Knapp-Hartung with q truncated at 1 (metafor 4 test=\"adhoc\")\n"
    "  --hakn-ci se|ci|iqwig6   with --test knha: the meta package's ad hoc rule for the\n"
    "                    Hartung-Knapp CI (adhoc.hakn.ci); the output says whether it applied\n"
    "  --level 95        confidence level in percent\n"
    "  --model auto      fixed effect when the heterogeneity test's p >= --het-p (0.10),\n"
    "                    else random effects; the output says which and why\n"
    "  --subgroup COL    per-subgroup pooling + test for subgroup differences\n"
    "  --tau-common      subgroups share one tau^2 (as the meta package's tau.common)\n"
    "  --smcr-sd S       SMCR/SMCRH standardized by the followup SD (sd1i, default, as\n"
    "                    metafor on these columns) or the baseline SD (sd2i; Becker 1988)\n"
    "  --preset metafor|revman5|revmanweb, --add, --to, --drop00, --vtype, --ri (see cmeta escalc --help)\n"
    "  --format text|json|csv, -o PATH\n";

/* ---- what every part of the output needs ------------------------------------------------- */
typedef struct {
    const cmeta_data *d;
    cmeta_transform_kind tk;
    double hn;                 /* harmonic mean n (PFT) */
    double zcrit;              /* normal quantile for the study CIs */
    int is_random;
    const char *model_reason;  /* --model auto */
    double auto_Q, auto_Qp;
} pool_ctx;

static double bt(const pool_ctx *c, double x) { return cmeta_back_transform(c->tk, x, c->hn); }

static const char *trans_name(cmeta_transform_kind k)
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

static int fit_is_random(const cmeta_fit *f, const cmeta_fit_opts *o)
{
    if (f->method == CMETA_METHOD_FE) return 0;
    if (f->method == CMETA_METHOD_MH || f->method == CMETA_METHOD_PETO) return o->mh_random;
    return 1;
}

/* ---- text ---------------------------------------------------------------------------------- */

static void text_model(FILE *fp, const cmeta_fit *f, const cmeta_fit_opts *o, const char *title_extra)
{
    char a[64], b[64];
    int random = fit_is_random(f, o);
    fputc('\n', fp);
    if (!random) {
        fprintf(fp, "Fixed-Effects Model (k = %zu", f->k);
        if (f->method == CMETA_METHOD_MH) fputs("; Mantel-Haenszel method", fp);
        if (f->method == CMETA_METHOD_PETO) fputs("; Peto method", fp);
        fprintf(fp, ")%s\n\n", title_extra ? title_extra : "");
    } else {
        fprintf(fp, "Random-Effects Model (k = %zu; ", f->k);
        if (o->tau2_fixed) fputs("user-specified tau^2 value)", fp);
        else if (f->method == CMETA_METHOD_MH || f->method == CMETA_METHOD_PETO)
            fprintf(fp, "tau^2 estimator: DL around the %s estimate)", cmeta_method_name(f->method));
        else fprintf(fp, "tau^2 estimator: %s)", cmeta_method_name(f->method));
        fprintf(fp, "%s\n\n", title_extra ? title_extra : "");
        const double eps10 = 10 * 2.220446049250313e-16;
        cli_fcf(a, sizeof a, f->tau2, fabs(f->tau2) <= eps10 ? 0 : 4);
        fprintf(fp, "tau^2 (estimated amount of total heterogeneity): %s", a);
        if (isfinite(f->se_tau2)) {
            cli_fcf(b, sizeof b, f->se_tau2, 4);
            fprintf(fp, " (SE = %s)", b);
        }
        fputc('\n', fp);
        cli_fcf(a, sizeof a, f->tau2 >= 0 ? sqrt(f->tau2) : NAN, f->tau2 <= eps10 ? 0 : 4);
        fprintf(fp, "tau (square root of estimated tau^2 value):      %s\n", a);
    }
    if (isfinite(f->I2)) {
        cli_fcf(a, sizeof a, f->I2, 2);
        fprintf(fp, "I^2 (total heterogeneity / total variability):   %s%%\n", a);
    }
    if (isfinite(f->H2)) {
        cli_fcf(a, sizeof a, f->H2, 2);
        fprintf(fp, "H^2 (total variability / sampling variability):  %s\n", a);
    }
    if (random || isfinite(f->I2) || isfinite(f->H2)) fputc('\n', fp);
    if (isfinite(f->Q)) {
        cli_fcf(a, sizeof a, f->Q, 4);
        cli_pval(b, sizeof b, f->Q_pval, 4);
        fprintf(fp, "Test for Heterogeneity:\nQ(df = %.0f) = %s, p-val %s%s\n\n", f->Q_df, a,
                b[0] == '<' ? "< " : "= ", b[0] == '<' ? b + 1 : b);
    }
    /* Model Results, as metafor's .print.vector (gap of two spaces) */
    int tt = f->test != CMETA_TEST_Z && !isnan(f->df); /* --hakn-ci ci may switch to z */
    const char *names[8];
    char cells[8][64];
    size_t n = 0;
    names[n] = "estimate"; cli_fcf(cells[n++], 64, f->beta[0], 4);
    names[n] = "se"; cli_fcf(cells[n++], 64, f->se[0], 4);
    names[n] = tt ? "tval" : "zval"; cli_fcf(cells[n++], 64, f->stat[0], 4);
    if (tt) {
        names[n] = "df";
        snprintf(cells[n++], 64, "%g", round(f->df * 100) / 100);
    }
    names[n] = "pval"; cli_pval(cells[n++], 64, f->pval[0], 4);
    names[n] = "ci.lb"; cli_fcf(cells[n++], 64, f->ci_lb[0], 4);
    names[n] = "ci.ub"; cli_fcf(cells[n++], 64, f->ci_ub[0], 4);
    double p = f->pval[0];
    const char *star = !isfinite(p) ? "" : p <= 0.001 ? "***" : p <= 0.01 ? "**" : p <= 0.05 ? "*" : p <= 0.1 ? "." : " ";
    names[n] = ""; snprintf(cells[n++], 64, "%s", star);
    fputs("Model Results:\n\n", fp);
    size_t wdt[8];
    for (size_t j = 0; j < n; j++) {
        size_t a1 = strlen(names[j]), b1 = strlen(cells[j]);
        wdt[j] = a1 > b1 ? a1 : b1;
    }
    for (size_t j = 0; j < n; j++) fprintf(fp, "%s%*s", j ? "  " : "", (int)wdt[j], names[j]);
    fputs(" \n", fp);
    for (size_t j = 0; j < n; j++) fprintf(fp, "%s%*s", j ? "  " : "", (int)wdt[j], cells[j]);
    fputs(" \n\n---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n", fp);
    if (f->hakn_ci != CMETA_HAKN_CI_NONE) {
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
static const char *bt_name(cmeta_measure m)
{
    switch (m) {
    case CMETA_PLO: case CMETA_PLN: case CMETA_PAS: case CMETA_PFT: return "proportion";
    case CMETA_ZCOR: return "correlation";
    default: return cmeta_measure_name(m);
    }
}

/* prediction / back-transformed estimate, as metafor's predict() prints it */
static void text_predict(FILE *fp, const pool_ctx *c, const cmeta_fit *f, int random)
{
    const char *names[6];
    char cells[6][64];
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
    for (size_t j = 0; j < n; j++) cli_fcf(cells[j], 64, (tr && strcmp(names[j], "se")) ? bt(c, v[j]) : v[j], 4);
    if (tr)
        fprintf(fp, "Pooled %s (%s of the estimate):\n\n", bt_name(c->d->measure), trans_name(c->tk));
    else
        fputs("Prediction:\n\n", fp);
    const char *cp[6];
    for (size_t j = 0; j < n; j++) cp[j] = cells[j];
    const char *rn[1] = {""};
    cli_print_frame(fp, rn, 1, names, n, cp);
    fputc('\n', fp);
}

static void text_studies(FILE *fp, const pool_ctx *c, const cmeta_data *d, const cmeta_fit *f)
{
    int tr = c->tk != CMETA_TRANS_NONE;
    size_t k = d->k;
    const char *names[4] = {tr ? bt_name(d->measure) : "estimate", "ci.lb", "ci.ub", "weight"};
    char (*buf)[40] = calloc(4 * (k ? k : 1), sizeof *buf);
    const char **cp = calloc(4 * (k ? k : 1), sizeof *cp);
    if (!buf || !cp) {
        free(buf);
        free(cp);
        return;
    }
    for (size_t i = 0; i < k; i++) {
        double se = sqrt(d->vi[i]), y = d->yi[i], lo = y - c->zcrit * se, hi = y + c->zcrit * se;
        if (tr) {
            y = bt(c, y);
            lo = bt(c, lo);
            hi = bt(c, hi);
        }
        cli_fcf(buf[4 * i], 40, y, 4);
        cli_fcf(buf[4 * i + 1], 40, lo, 4);
        cli_fcf(buf[4 * i + 2], 40, hi, 4);
        cli_fcf(buf[4 * i + 3], 40, f->weight ? f->weight[i] : NAN, 2);
        if (isfinite(f->weight ? f->weight[i] : NAN)) strcat(buf[4 * i + 3], "%");
        for (int j = 0; j < 4; j++) cp[4 * i + j] = buf[4 * i + j];
    }
    fputs("Studies:\n\n", fp);
    cli_print_frame(fp, (const char *const *)d->label, k, names, 4, cp);
    fputc('\n', fp);
    free(buf);
    free(cp);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void jnum(FILE *fp, const char *key, double x, int *first)
{
    json_key(fp, key, first);
    json_num(fp, x);
}

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
        json_key(fp, "transformed", first);
        fputc('{', fp);
        json_key(fp, "transform", &f2);
        json_str(fp, trans_name(c->tk));
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
    json_key(fp, "measure", first);
    json_str(fp, cmeta_measure_name(c->d->measure));
    json_key(fp, "method", first);
    json_str(fp, cmeta_method_name(f->method));
    json_key(fp, "test", first);
    json_str(fp, cmeta_test_name(f->test));
    if (f->hakn_ci != CMETA_HAKN_CI_NONE) {
        int f2 = 1;
        json_key(fp, "hakn_ci", first);
        fputc('{', fp);
        json_key(fp, "rule", &f2);
        json_str(fp, cmeta_hakn_ci_name(f->hakn_ci));
        json_key(fp, "applied", &f2);
        fputs(f->hakn_ci_applied ? "true" : "false", fp);
        fputc('}', fp);
    }
    jnum(fp, "level", f->level, first);
}

static void json_studies(FILE *fp, const pool_ctx *c, const cmeta_data *d, const cmeta_fit *f, int *first)
{
    json_key(fp, "studies", first);
    fputc('[', fp);
    for (size_t i = 0; i < d->k; i++) {
        int f2 = 1;
        double se = sqrt(d->vi[i]);
        if (i) fputc(',', fp);
        fputc('{', fp);
        json_key(fp, "study", &f2);
        json_str(fp, d->label[i]);
        jnum(fp, "yi", d->yi[i], &f2);
        jnum(fp, "vi", d->vi[i], &f2);
        jnum(fp, "ci_lb", d->yi[i] - c->zcrit * se, &f2);
        jnum(fp, "ci_ub", d->yi[i] + c->zcrit * se, &f2);
        jnum(fp, "weight", f->weight ? f->weight[i] : NAN, &f2);
        fputc('}', fp);
    }
    fputc(']', fp);
}

static void json_extra(FILE *fp, const pool_ctx *c, const cmeta_fit *f, int *first)
{
    jnum(fp, "iterations", f->iterations, first);
    if (c->model_reason) {
        int f2 = 1;
        json_key(fp, "model_choice", first);
        fputc('{', fp);
        json_key(fp, "model", &f2);
        json_str(fp, c->is_random ? "random" : "fixed");
        json_key(fp, "method", &f2);
        json_str(fp, cmeta_method_name(f->method));
        jnum(fp, "Q", c->auto_Q, &f2);
        jnum(fp, "Q_pval", c->auto_Qp, &f2);
        json_key(fp, "reason", &f2);
        json_str(fp, c->model_reason);
        fputc('}', fp);
    }
}

/* ---- CSV ------------------------------------------------------------------------------------ */
/* type,subgroup,study,k,estimate,se,ci_lb,ci_ub,weight,estimate_bt,ci_lb_bt,ci_ub_bt */

static void csv_row(FILE *fp, const pool_ctx *c, const char *type, const char *sub, const char *study,
                    double k, double est, double se, double lo, double hi, double wt)
{
    csv_field(fp, type);
    fputc(',', fp);
    csv_field(fp, sub ? sub : "");
    fputc(',', fp);
    csv_field(fp, study ? study : "");
    fputc(',', fp);
    csv_num(fp, k);
    double v[] = {est, se, lo, hi, wt};
    for (int j = 0; j < 5; j++) {
        fputc(',', fp);
        csv_num(fp, v[j]);
    }
    double b[] = {est, lo, hi};
    for (int j = 0; j < 3; j++) {
        fputc(',', fp);
        if (c->tk != CMETA_TRANS_NONE) csv_num(fp, bt(c, b[j]));
    }
    fputc('\n', fp);
}

static void csv_fit(FILE *fp, const pool_ctx *c, const cmeta_data *d, const cmeta_fit *f, const char *sub,
                    int random, int studies)
{
    for (size_t i = 0; studies && i < d->k; i++) {
        double se = sqrt(d->vi[i]);
        csv_row(fp, c, "study", sub, d->label[i], 1, d->yi[i], se, d->yi[i] - c->zcrit * se,
                d->yi[i] + c->zcrit * se, f->weight ? f->weight[i] : NAN);
    }
    csv_row(fp, c, sub ? "subgroup" : "pooled", sub, random ? "Random-effects model" : "Fixed-effect model",
            (double)f->k, f->beta[0], f->se[0], f->ci_lb[0], f->ci_ub[0], 100);
    if (random) csv_row(fp, c, "prediction", sub, "Prediction interval", (double)f->k, f->beta[0], NAN,
                        f->pi_lb, f->pi_ub, NAN);
}

static const char csv_header[] =
    "type,subgroup,study,k,estimate,se,ci_lb,ci_ub,weight,estimate_bt,ci_lb_bt,ci_ub_bt\n";

/* ---- the command ---------------------------------------------------------------------------- */

static int run_plain(FILE *fp, const cli_opts *o, pool_ctx *c, const cmeta_fit_opts *fo,
                     cmeta_warnings *w)
{
    const cmeta_data *d = c->d;
    cmeta_studies s;
    cmeta_studies_from_data(d, &o->data.escalc, &s);
    size_t *idx = malloc((d->k ? d->k : 1) * sizeof *idx);
    if (!idx) return cli_failf(4, "out of memory");
    for (size_t i = 0; i < d->k; i++) idx[i] = i;
    cmeta_fit *f = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_fit_subset(&s, idx, d->k, fo, &f, w, &err);
    free(idx);
    if (st != CMETA_OK) return cli_fail_status(st, &err);
    if (d->k == 1 && cmeta_warn(w, "k = 1: the result is the single study itself (nothing to pool, "
                                   "no heterogeneity)") != CMETA_OK) {
        cmeta_fit_free(f);
        return cli_failf(4, "out of memory");
    }
    int random = fit_is_random(f, fo);
    if (o->format == CLI_FMT_JSON) {
        int first = 1;
        fputc('{', fp);
        json_head(fp, c, f, &first);
        json_summary(fp, c, f, &first);
        json_studies(fp, c, d, f, &first);
        json_extra(fp, c, f, &first);
        json_warnings(fp, w, &first);
        fputs("}\n", fp);
    } else if (o->format == CLI_FMT_CSV) {
        fputs(csv_header, fp);
        csv_fit(fp, c, d, f, NULL, random, 1);
    } else {
        if (c->model_reason) fprintf(fp, "\nModel chosen by --model auto: %s.\n", c->model_reason);
        if (d->k == 1) fputs("\nNote: k = 1: the result is the single study itself.\n", fp);
        text_model(fp, f, fo, NULL);
        if (random || c->tk != CMETA_TRANS_NONE) text_predict(fp, c, f, random);
        text_studies(fp, c, d, f);
    }
    cmeta_fit_free(f);
    return 0;
}

static int run_subgroups(FILE *fp, const cli_opts *o, const cmeta_table *t, pool_ctx *c,
                         const cmeta_fit_opts *fo, cmeta_warnings *w)
{
    const cmeta_data *d0 = c->d;
    cli_split sp;
    int rc = cli_split_subgroups(o, t, d0, fo, &sp, w);
    if (rc) {
        cli_split_free(&sp);
        return rc;
    }
    const cmeta_data *d = sp.d;
    const cmeta_subgroups *g = sp.g;
    const size_t *grp = sp.grp, n = d->k, ng = sp.ngroups;
    const char **lev = sp.lev;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    c->d = d;
    int random = fit_is_random(g->overall, fo);
    if (o->format == CLI_FMT_JSON) {
        int first = 1;
        fputc('{', fp);
        json_head(fp, c, g->overall, &first);
        json_summary(fp, c, g->overall, &first);
        json_studies(fp, c, d, g->overall, &first);
        json_key(fp, "subgroups", &first);
        fputc('[', fp);
        for (size_t j = 0; j < ng; j++) {
            int f2 = 1;
            if (j) fputc(',', fp);
            fputc('{', fp);
            json_key(fp, "subgroup", &f2);
            json_str(fp, lev[j]);
            jnum(fp, "k", (double)g->k[j], &f2);
            json_summary(fp, c, g->fits[j], &f2);
            fputc('}', fp);
        }
        fputc(']', fp);
        jnum(fp, "Q_between", g->Q_between, &first);
        jnum(fp, "Q_between_df", g->Q_between_df, &first);
        jnum(fp, "Q_between_pval", g->Q_between_pval, &first);
        jnum(fp, "Q_within", g->Q_within, &first);
        jnum(fp, "Q_within_df", g->Q_within_df, &first);
        jnum(fp, "Q_within_pval", g->Q_within_pval, &first);
        json_key(fp, "tau_common", &first);
        fputs(g->tau_common ? "true" : "false", fp);
        jnum(fp, "tau2_common", g->tau2_common, &first);
        json_extra(fp, c, g->overall, &first);
        json_warnings(fp, w, &first);
        fputs("}\n", fp);
    } else if (o->format == CLI_FMT_CSV) {
        fputs(csv_header, fp);
        for (size_t j = 0; j < ng; j++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (grp[i] == j) idx[m++] = i;
            const cmeta_fit *f = g->fits[j];
            for (size_t q = 0; q < m; q++) {
                size_t i = idx[q];
                double se = sqrt(d->vi[i]);
                csv_row(fp, c, "study", lev[j], d->label[i], 1, d->yi[i], se, d->yi[i] - c->zcrit * se,
                        d->yi[i] + c->zcrit * se, f->weight ? f->weight[q] : NAN);
            }
            csv_fit(fp, c, d, f, lev[j], random, 0);
        }
        csv_fit(fp, c, d, g->overall, NULL, random, 0);
    } else {
        char a[64], b[64];
        if (c->model_reason) fprintf(fp, "\nModel chosen by --model auto: %s.\n", c->model_reason);
        if (g->tau_common) {
            cli_fcf(a, sizeof a, g->tau2_common, 4);
            fprintf(fp, "\nSubgroups share tau^2 = %s (estimated from the model with '%s' as moderator).\n",
                    a, o->subgroup);
        }
        for (size_t j = 0; j < ng; j++) {
            fprintf(fp, "\n== Subgroup %s = %s ==\n", o->subgroup, lev[j]);
            cmeta_fit_opts fj = *fo;
            if (g->tau_common) fj.tau2_fixed = 1;
            text_model(fp, g->fits[j], &fj, NULL);
            if (c->tk != CMETA_TRANS_NONE) text_predict(fp, c, g->fits[j], random);
        }
        cli_fcf(a, sizeof a, g->Q_between, 4);
        cli_pval(b, sizeof b, g->Q_between_pval, 4);
        fprintf(fp, "\nTest for Subgroup Differences (%s model):\nQ_between(df = %.0f) = %s, p-val %s%s\n",
                random ? "random-effects" : "fixed-effect", g->Q_between_df, a, b[0] == '<' ? "< " : "= ",
                b[0] == '<' ? b + 1 : b);
        fprintf(fp, "\n== Overall ==\n");
        text_model(fp, g->overall, fo, NULL);
        if (random || c->tk != CMETA_TRANS_NONE) text_predict(fp, c, g->overall, random);
        text_studies(fp, c, d, g->overall);
    }
done:
    c->d = d0;
    free(idx);
    cli_split_free(&sp);
    return rc;
}

int cmeta_cmd_pool(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o, usage);
    if (rc >= 0) return rc;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cli_out out = {0};
    rc = cli_load(&o, o.inputs[0], &t, &d, &w);
    if (rc) goto done;
    if (d->k == 0) {
        rc = cli_failf(2, "%s: no study left to analyse", o.inputs[0]);
        goto done;
    }
    pool_ctx c = {0};
    c.d = d;
    c.tk = cmeta_measure_transform(d->measure);
    c.hn = cli_harmonic_n(d);
    c.zcrit = gsl_cdf_ugaussian_Pinv(1 - (1 - o.fit.level / 100) / 2);
    cmeta_studies s;
    cmeta_studies_from_data(d, &o.data.escalc, &s);
    cmeta_fit_opts fo;
    char reason[256];
    rc = cli_choose_model(&o, &s, &fo, &c.is_random, &c.auto_Q, &c.auto_Qp, reason, sizeof reason, &w);
    if (rc) goto done;
    if (o.model_auto) c.model_reason = reason;
    rc = cli_out_open(&out, o.output);
    if (rc) goto done;
    if (o.subgroup) rc = run_subgroups(out.fp, &o, t, &c, &fo, &w);
    else rc = run_plain(out.fp, &o, &c, &fo, &w);
    if (rc) {
        cli_out_abort(&out);
        goto done;
    }
    rc = cli_out_commit(&out);
    if (o.format != CLI_FMT_JSON) cli_print_warnings(&w);
done:
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    cli_opts_free(&o);
    return rc;
}
