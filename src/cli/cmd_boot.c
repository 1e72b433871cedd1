/* cmd_boot.c - `cmeta boot`: bootstrap intervals for the pooled estimate, tau^2 and I^2. */
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: cmeta boot FILE [--iter B] [--seed S] [--type nonparametric|parametric] [--method M] [--level 95]\n"
    "  Nonparametric: studies resampled with replacement (percentile and BCa intervals);\n"
    "  parametric: yi* ~ N(estimate, vi + tau^2) (percentile intervals). Default --iter 1000.\n";

int cmeta_cmd_boot(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o, usage);
    if (rc >= 0) return rc;
    cmeta_boot_type type = CMETA_BOOT_NONPARAMETRIC;
    if (o.type) {
        if (!strcmp(o.type, "parametric")) type = CMETA_BOOT_PARAMETRIC;
        else if (strcmp(o.type, "nonparametric")) {
            cli_opts_free(&o);
            return cli_failf(1, "--type: '%s' is not one of nonparametric, parametric", o.type);
        }
    }
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    rc = cli_load(&o, o.inputs[0], &t, &d, &w);
    if (rc) goto out;
    cmeta_resample_opts ro;
    cli_progress_state ps;
    cli_resample_opts(&o, "boot", &ps, &ro);
    uint64_t iter = o.iter ? (uint64_t)o.iter : 1000;
    cmeta_boot_result r;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_boot(d->yi, d->vi, d->k, type, iter, o.fit.level, &ro, &r, &err);
    cli_progress_end(&ps);
    if (st != CMETA_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    if (r.failed) cmeta_warn(&w, "%llu of %llu bootstrap fits failed and were left out",
                             (unsigned long long)r.failed, (unsigned long long)r.iter);
    cli_out out;
    if ((rc = cli_out_open(&out, o.output))) goto out;
    FILE *fp = out.fp;
    const char *nm[3] = {"estimate", "tau2", "I2"};
    const cmeta_boot_stat *bs[3] = {&r.estimate, &r.tau2, &r.I2};
    int bca = type == CMETA_BOOT_NONPARAMETRIC;
    if (o.format == CLI_FMT_JSON) {
        int first = 1;
        fputc('{', fp);
        cmeta_json_key(fp, "bootstrap", &first);
        int f2 = 1;
        fputc('{', fp);
        cmeta_json_key(fp, "iter", &f2);
        fprintf(fp, "%llu", (unsigned long long)r.iter);
        cmeta_json_key(fp, "seed", &f2);
        fprintf(fp, "%lu", ro.seed);
        cmeta_json_key(fp, "type", &f2);
        cmeta_json_str(fp, bca ? "nonparametric" : "parametric");
        cmeta_json_key(fp, "method", &f2);
        cmeta_json_str(fp, cmeta_method_name(ro.method));
        cmeta_json_key(fp, "level", &f2);
        cmeta_json_num(fp, r.level);
        cmeta_json_key(fp, "failed", &f2);
        fprintf(fp, "%llu", (unsigned long long)r.failed);
        cmeta_json_key(fp, "ci_type", &f2);
        cmeta_json_str(fp, bca ? "bca" : "percentile");
        for (int s = 0; s < 3; s++) {
            cmeta_json_key(fp, nm[s], &f2);
            int f3 = 1;
            fputc('{', fp);
            const char *kk[9] = {"estimate", "ci_lb", "ci_ub", "se", "bias", "perc_lb", "perc_ub", "bca_lb", "bca_ub"};
            double v[9] = {bs[s]->t0, bca ? bs[s]->bca_lb : bs[s]->perc_lb, bca ? bs[s]->bca_ub : bs[s]->perc_ub,
                           bs[s]->se, bs[s]->bias, bs[s]->perc_lb, bs[s]->perc_ub, bs[s]->bca_lb, bs[s]->bca_ub};
            for (int j = 0; j < 9; j++) {
                cmeta_json_key(fp, kk[j], &f3);
                cmeta_json_num(fp, v[j]);
            }
            fputc('}', fp);
        }
        fputc('}', fp);
        cmeta_json_warnings(fp, &w, &first);
        fputs("}\n", fp);
    } else if (o.format == CLI_FMT_CSV) {
        cli_print_warnings(&w);
        fputs("statistic,estimate,se,bias,perc_lb,perc_ub,bca_lb,bca_ub\n", fp);
        for (int s = 0; s < 3; s++) {
            fputs(nm[s], fp);
            double v[7] = {bs[s]->t0, bs[s]->se, bs[s]->bias, bs[s]->perc_lb, bs[s]->perc_ub, bs[s]->bca_lb, bs[s]->bca_ub};
            for (int j = 0; j < 7; j++) {
                fputc(',', fp);
                cmeta_csv_num(fp, v[j]);
            }
            fputc('\n', fp);
        }
    } else {
        cli_print_warnings(&w);
        fprintf(fp, "Bootstrap (%s, %s, k = %zu): %llu replicates, seed %lu\n", bca ? "nonparametric" : "parametric",
                cmeta_method_name(ro.method), d->k, (unsigned long long)r.iter, ro.seed);
        if (r.failed) fprintf(fp, "failed fits: %llu (left out)\n", (unsigned long long)r.failed);
        fprintf(fp, "\n%-9s %12s %12s %12s  %-27s %s\n", "", "observed", "boot se", "bias",
                "percentile CI", bca ? "BCa CI" : "");
        for (int s = 0; s < 3; s++) {
            fprintf(fp, "%-9s %12.4f %12.4f %12.4f  [%11.4f, %11.4f]", nm[s], bs[s]->t0, bs[s]->se, bs[s]->bias,
                    bs[s]->perc_lb, bs[s]->perc_ub);
            if (bca) fprintf(fp, "  [%11.4f, %11.4f]", bs[s]->bca_lb, bs[s]->bca_ub);
            fputc('\n', fp);
        }
    }
    rc = cli_out_commit(&out);
out:
    cmeta_warnings_free(&w);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cli_opts_free(&o);
    return rc;
}
