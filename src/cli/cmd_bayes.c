/* cmd_bayes.c - `cmeta bayes FILE`: Bayesian random-effects meta-analysis by numerical
 * integration (include/cmeta/bayes.h; Roever 2020, J Stat Softw 93(6)). Text, JSON and CSV
 * output are written here, self-contained; --plot draws the posterior of tau with its prior. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void json_summary(FILE *fp, const char *key, const cmeta_bayes_summary *s, int *first)
{
    int f = 1;
    cmeta_json_key(fp, key, first);
    fputc('{', fp);
    const char *k[] = {"mean", "median", "sd", "ci_lb", "ci_ub", "hpd_lb", "hpd_ub"};
    double v[] = {s->mean, s->median, s->sd, s->ci_lb, s->ci_ub, s->hpd_lb, s->hpd_ub};
    for (int i = 0; i < 7; i++) {
        cmeta_json_key(fp, k[i], &f);
        cmeta_json_num(fp, v[i]);
    }
    fputc('}', fp);
}

static void print_json(FILE *fp, const cmeta_bayes *b, const cmeta_data *d, const cmeta_warnings *w)
{
    int first = 1, f;
    fputc('{', fp);
    cmeta_json_key(fp, "k", &first);
    cmeta_json_num(fp, (double)b->k);
    cmeta_json_key(fp, "measure", &first);
    cmeta_json_str(fp, cmeta_measure_name(d->measure));
    cmeta_json_key(fp, "model", &first);
    cmeta_json_str(fp, "bayes");
    cmeta_json_key(fp, "level", &first);
    cmeta_json_num(fp, b->level);
    cmeta_json_key(fp, "prior", &first);
    fputc('{', fp);
    f = 1;
    cmeta_json_key(fp, "tau", &f);
    cmeta_json_str(fp, b->tau_prior.name);
    cmeta_json_key(fp, "tau_label", &f);
    cmeta_json_str(fp, b->tau_prior.label);
    cmeta_json_key(fp, "tau_proper", &f);
    fputs(cmeta_tau_prior_proper(&b->tau_prior) ? "true" : "false", fp);
    cmeta_json_key(fp, "mu", &f);
    cmeta_json_str(fp, b->mu_prior.flat ? "flat" : b->mu_prior.name);
    cmeta_json_key(fp, "mu_mean", &f);
    cmeta_json_num(fp, b->mu_prior.flat ? NAN : b->mu_prior.mean);
    cmeta_json_key(fp, "mu_sd", &f);
    cmeta_json_num(fp, b->mu_prior.flat ? NAN : b->mu_prior.sd);
    fputc('}', fp);
    cmeta_json_key(fp, "posterior", &first);
    fputc('{', fp);
    f = 1;
    json_summary(fp, "mu", &b->mu, &f);
    json_summary(fp, "tau", &b->tau, &f);
    json_summary(fp, "prediction", &b->pred, &f);
    fputc('}', fp);
    cmeta_json_key(fp, "shrinkage", &first);
    fputc('[', fp);
    for (size_t i = 0; i < b->k; i++) {
        int g = 1;
        if (i) fputc(',', fp);
        fputc('{', fp);
        cmeta_json_key(fp, "study", &g);
        cmeta_json_str(fp, d->label[i]);
        cmeta_json_key(fp, "yi", &g);
        cmeta_json_num(fp, d->yi[i]);
        cmeta_json_key(fp, "vi", &g);
        cmeta_json_num(fp, d->vi[i]);
        cmeta_json_key(fp, "mean", &g);
        cmeta_json_num(fp, b->shr_mean[i]);
        cmeta_json_key(fp, "ci_lb", &g);
        cmeta_json_num(fp, b->shr_lb[i]);
        cmeta_json_key(fp, "ci_ub", &g);
        cmeta_json_num(fp, b->shr_ub[i]);
        fputc('}', fp);
    }
    fputc(']', fp);
    cmeta_json_key(fp, "bayes_factor", &first);
    fputc('{', fp);
    f = 1;
    cmeta_json_key(fp, "mu0", &f);
    cmeta_json_num(fp, b->bf01_mu0);
    cmeta_json_key(fp, "tau0", &f);
    cmeta_json_num(fp, b->bf01_tau0);
    fputc('}', fp);
    cmeta_json_key(fp, "marginal_likelihood", &first);
    cmeta_json_num(fp, b->marglik);
    cmeta_json_key(fp, "log_marginal_likelihood", &first);
    cmeta_json_num(fp, b->log_marglik);
    cmeta_json_key(fp, "integration", &first);
    fputc('{', fp);
    f = 1;
    cmeta_json_key(fp, "grid_points", &f);
    cmeta_json_num(fp, (double)b->ngrid);
    cmeta_json_key(fp, "intervals", &f);
    cmeta_json_num(fp, (double)b->nint);
    cmeta_json_key(fp, "rel_error", &f);
    cmeta_json_num(fp, b->quad_err);
    fputc('}', fp);
    cmeta_json_warnings(fp, w, &first);
    fputs("}\n", fp);
}

static void print_csv(FILE *fp, const cmeta_bayes *b, const cmeta_data *d)
{
    fputs("parameter,mean,median,sd,ci_lb,ci_ub,hpd_lb,hpd_ub\n", fp);
    const char *nm[3] = {"mu", "tau", "prediction"};
    const cmeta_bayes_summary *s[3] = {&b->mu, &b->tau, &b->pred};
    for (int i = 0; i < 3; i++) {
        double v[] = {s[i]->mean, s[i]->median, s[i]->sd, s[i]->ci_lb, s[i]->ci_ub, s[i]->hpd_lb, s[i]->hpd_ub};
        fputs(nm[i], fp);
        for (int j = 0; j < 7; j++) {
            fputc(',', fp);
            cmeta_csv_num(fp, v[j]);
        }
        fputc('\n', fp);
    }
    for (size_t i = 0; i < b->k; i++) {
        char lab[300];
        snprintf(lab, sizeof lab, "theta[%s]", d->label[i]);
        cmeta_csv_field(fp, lab);
        double v[] = {b->shr_mean[i], NAN, NAN, b->shr_lb[i], b->shr_ub[i], NAN, NAN};
        for (int j = 0; j < 7; j++) {
            fputc(',', fp);
            cmeta_csv_num(fp, v[j]);
        }
        fputc('\n', fp);
    }
}

static void fnum(char *buf, size_t n, double x)
{
    if (isinf(x)) snprintf(buf, n, "%s", x > 0 ? "Inf" : "-Inf");
    else if (!isfinite(x)) snprintf(buf, n, "NA");
    else snprintf(buf, n, "%.4f", x); /* fixed, 4 decimals */
}

static void print_text(FILE *fp, const cmeta_bayes *b, const cmeta_data *d)
{
    char lv[32];
    snprintf(lv, sizeof lv, "%g%%", b->level);
    fprintf(fp, "\nBayesian random-effects model (k = %zu; normal-normal, numerical integration)\n\n", b->k);
    fprintf(fp, "Prior on tau: %s\n", b->tau_prior.label);
    if (b->mu_prior.flat) fprintf(fp, "Prior on mu:  flat (improper)\n\n");
    else fprintf(fp, "Prior on mu:  normal(mean %g, sd %g)\n\n", b->mu_prior.mean, b->mu_prior.sd);
    char cells[3][7][40];
    const char *cp[21];
    const char *rows[3] = {"mu", "tau", "prediction"};
    char c1[48], c2[48], c3[48], c4[48];
    snprintf(c1, sizeof c1, "ci.lb");
    snprintf(c2, sizeof c2, "ci.ub");
    snprintf(c3, sizeof c3, "hpd.lb");
    snprintf(c4, sizeof c4, "hpd.ub");
    const char *cols[7] = {"mean", "median", "sd", c1, c2, c3, c4};
    const cmeta_bayes_summary *s[3] = {&b->mu, &b->tau, &b->pred};
    for (int i = 0; i < 3; i++) {
        double v[] = {s[i]->mean, s[i]->median, s[i]->sd, s[i]->ci_lb, s[i]->ci_ub, s[i]->hpd_lb, s[i]->hpd_ub};
        for (int j = 0; j < 7; j++) {
            fnum(cells[i][j], 40, v[j]);
            cp[i * 7 + j] = cells[i][j];
        }
    }
    cmeta_text_frame(fp, rows, 3, cols, 7, cp, 1, (size_t)-1);
    fprintf(fp, "(ci: central %s interval; hpd: shortest %s interval)\n", lv, lv);
    if (isinf(b->tau.sd) || isinf(b->mu.sd) || isinf(b->tau.mean))
        fputs("(Inf: that posterior moment does not exist: the posterior of tau has too heavy a tail\n"
              " for this prior and k; medians and intervals are still defined)\n",
              fp);
    fputs("\nShrinkage estimates (posterior of each study's true effect):\n\n", fp);
    char (*sb)[40] = calloc(b->k * 5, sizeof *sb);
    const char **sp = calloc(b->k * 5, sizeof *sp);
    if (sb && sp) {
        for (size_t i = 0; i < b->k; i++) {
            double v[] = {d->yi[i], sqrt(d->vi[i]), b->shr_mean[i], b->shr_lb[i], b->shr_ub[i]};
            for (int j = 0; j < 5; j++) {
                fnum(sb[i * 5 + j], 40, v[j]);
                sp[i * 5 + j] = sb[i * 5 + j];
            }
        }
        const char *sc[5] = {"yi", "sei", "mean", "ci.lb", "ci.ub"};
        cmeta_text_frame(fp, (const char *const *)d->label, b->k, sc, 5, sp, 1, (size_t)-1);
    }
    free(sb);
    free(sp);
    fputc('\n', fp);
    if (isfinite(b->marglik))
        fprintf(fp, "Marginal likelihood: %.6g (log %.6f)\n", b->marglik, b->log_marglik);
    else
        fprintf(fp, "Marginal likelihood: not defined (needs proper priors on mu and tau)\n");
    char m0[40] = "not defined (flat mu prior)", t0[40] = "not defined (improper tau prior)";
    if (isfinite(b->bf01_mu0)) snprintf(m0, sizeof m0, "%.6g", b->bf01_mu0);
    if (isfinite(b->bf01_tau0)) snprintf(t0, sizeof t0, "%.6g", b->bf01_tau0);
    fprintf(fp, "Bayes factors for the null (BF01): mu = 0: %s; tau = 0: %s\n", m0, t0);
    fprintf(fp, "Integration: %zu grid points on %zu Gauss-Kronrod intervals, relative error estimate %.1e\n\n",
            b->ngrid, b->nint, b->quad_err);
}

int cmeta_cmd_bayes(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o);
    if (rc >= 0) return rc;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_bayes *b = NULL;
    cli_out out = {0};
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_tau_prior tp;
    cmeta_mu_prior mp;
    if (!o.tau_prior) {
        rc = cli_failf(1, "bayes: --tau-prior is required (e.g. halfnormal:0.5 for log odds ratios); see cmeta bayes --help");
        goto done;
    }
    if (cmeta_tau_prior_parse(o.tau_prior, &tp, &err) != CMETA_OK ||
        cmeta_mu_prior_parse(o.mu_prior ? o.mu_prior : "flat", &mp, &err) != CMETA_OK) {
        rc = cli_failf(1, "bayes: %s", err.message);
        goto done;
    }
    if (o.plot && (!strcmp(o.plot, "-") || (o.output && !strcmp(o.plot, o.output)) || !strcmp(o.plot, o.inputs[0]))) {
        rc = cli_failf(1, "bayes: --plot needs a file of its own (not -, the input or the -o output)");
        goto done;
    }
    if (o.plot) {
        cmeta_plot_format fmt;
        if (cmeta_plot_format_from_path(o.plot, &fmt, &err) != CMETA_OK) {
            rc = cli_fail(&err);
            goto done;
        }
    }
    rc = cli_load(&o, o.inputs[0], &t, &d, &w);
    if (rc) goto done;
    cmeta_status st = cmeta_bayes_fit(d->yi, d->vi, d->k, &tp, &mp, o.fit.level, &b, &err);
    if (st != CMETA_OK) {
        if (err.index >= 0 && (size_t)err.index < d->k) snprintf(err.study, sizeof err.study, "%s", d->label[err.index]);
        snprintf(err.file, sizeof err.file, "%s", o.inputs[0]);
        rc = cli_fail_status(st, &err);
        goto done;
    }
    if (o.plot) {
        cmeta_text_measurer *tm = NULL;
        cmeta_plot plot;
        memset(&plot, 0, sizeof plot);
        if (cmeta_text_measurer_new(&tm) != CMETA_OK) rc = cli_failf(4, "out of memory");
        else if (cmeta_bayes_tau_plot_layout(b, cmeta_text_measure_cairo, tm, &plot, &err) != CMETA_OK)
            rc = cli_fail(&err);
        else rc = cli_plot_write(&plot, o.plot);
        cmeta_plot_free(&plot);
        cmeta_text_measurer_free(tm);
        cmeta_plot_cleanup_at_exit(); /* the program owns the process */
        if (rc) goto done;
    }
    rc = cli_out_open(&out, o.output);
    if (rc) goto done;
    if (o.format == CLI_FMT_JSON) print_json(out.fp, b, d, &w);
    else if (o.format == CLI_FMT_CSV) print_csv(out.fp, b, d);
    else print_text(out.fp, b, d);
    rc = cli_out_commit(&out);
    if (o.format != CLI_FMT_JSON) cli_print_warnings(&w);
done:
    cmeta_bayes_free(b);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cmeta_warnings_free(&w);
    cli_opts_free(&o);
    return rc;
}
