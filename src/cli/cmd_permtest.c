/* cmd_permtest.c - `cmeta permtest`: permutation tests of the coefficients and of the
 * omnibus test, as metafor's permutest. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: cmeta permtest FILE [--mods A,B] [--iter B] [--seed S] [--method M] [--no-intercept]\n"
    "  Without moderators the signs of the effects are flipped (exact over all 2^k when\n"
    "  --iter >= 2^k); with moderators the rows of the design are permuted (exact when the\n"
    "  distinct permutations number <= --iter). Default --iter 1000; up to 10^8.\n";

int cmeta_cmd_permtest(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o, usage);
    if (rc >= 0) return rc;
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    double *X = NULL;
    size_t q = 0;
    cmeta_permtest_result *r = NULL;
    rc = cli_load(&o, o.inputs[0], &t, &d, &w);
    if (rc) goto out;
    if ((rc = cli_resample_mods(d, o.mods, &X, &q))) goto out;
    cmeta_resample_opts ro;
    cli_progress_state ps;
    cli_resample_opts(&o, "permtest", &ps, &ro);
    uint64_t iter = o.iter ? (uint64_t)o.iter : 1000;
    int intercept = !o.no_intercept;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_permtest(d->yi, d->vi, d->k, X, q, intercept, iter, &ro, &r, &err);
    cli_progress_end(&ps);
    if (st != CMETA_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    /* coefficient names */
    const char *names[64];
    size_t p = r->p, c = 0;
    char *mods = o.mods ? strdup(o.mods) : NULL;
    if (intercept) names[c++] = "intrcpt";
    for (char *tok = mods ? strtok(mods, ",") : NULL; tok && c < 64; tok = strtok(NULL, ",")) names[c++] = tok;
    cli_out out;
    if ((rc = cli_out_open(&out, o.output))) {
        free(mods);
        goto out;
    }
    FILE *fp = out.fp;
    if (o.format == CLI_FMT_JSON) {
        int first = 1;
        fputc('{', fp);
        cmeta_json_key(fp, "permutation", &first);
        int f2 = 1;
        fputc('{', fp);
        cmeta_json_key(fp, "iter", &f2);
        fprintf(fp, "%llu", (unsigned long long)r->iter);
        cmeta_json_key(fp, "exact", &f2);
        fputs(r->exact ? "true" : "false", fp);
        cmeta_json_key(fp, "seed", &f2);
        fprintf(fp, "%lu", ro.seed);
        cmeta_json_key(fp, "method", &f2);
        cmeta_json_str(fp, cmeta_method_name(ro.method));
        cmeta_json_key(fp, "failed", &f2);
        fprintf(fp, "%llu", (unsigned long long)r->failed);
        cmeta_json_key(fp, "pval", &f2);
        fputc('[', fp);
        for (size_t a = 0; a < p; a++) {
            if (a) fputc(',', fp);
            cmeta_json_num(fp, r->pval[a]);
        }
        fputc(']', fp);
        cmeta_json_key(fp, "coefficients", &f2);
        fputc('[', fp);
        for (size_t a = 0; a < p; a++) {
            int f3 = 1;
            fputs(a ? ",{" : "{", fp);
            cmeta_json_key(fp, "name", &f3);
            cmeta_json_str(fp, names[a]);
            cmeta_json_key(fp, "estimate", &f3);
            cmeta_json_num(fp, r->beta[a]);
            cmeta_json_key(fp, "stat", &f3);
            cmeta_json_num(fp, r->zval[a]);
            cmeta_json_key(fp, "pval", &f3);
            cmeta_json_num(fp, r->pval[a]);
            fputc('}', fp);
        }
        fputc(']', fp);
        cmeta_json_key(fp, "QM", &f2);
        cmeta_json_num(fp, r->QM);
        cmeta_json_key(fp, "QM_df", &f2);
        cmeta_json_num(fp, r->QM_df);
        cmeta_json_key(fp, "QM_pval", &f2);
        cmeta_json_num(fp, r->QM_pval);
        fputc('}', fp);
        cmeta_json_warnings(fp, &w, &first);
        fputs("}\n", fp);
    } else if (o.format == CLI_FMT_CSV) {
        cli_print_warnings(&w);
        fputs("name,estimate,stat,pval\n", fp);
        for (size_t a = 0; a < p; a++) {
            cmeta_csv_field(fp, names[a]);
            fputc(',', fp);
            cmeta_csv_num(fp, r->beta[a]);
            fputc(',', fp);
            cmeta_csv_num(fp, r->zval[a]);
            fputc(',', fp);
            cmeta_csv_num(fp, r->pval[a]);
            fputc('\n', fp);
        }
        fputs("QM,,", fp);
        cmeta_csv_num(fp, r->QM);
        fputc(',', fp);
        cmeta_csv_num(fp, r->QM_pval);
        fputc('\n', fp);
    } else {
        cli_print_warnings(&w);
        fprintf(fp, "Permutation test (%s, k = %zu): %llu %s%s\n", cmeta_method_name(ro.method), d->k,
                (unsigned long long)r->iter, q ? "permutations" : "sign flips",
                r->exact ? " (exact: all of them)" : "");
        if (!r->exact) fprintf(fp, "seed: %lu\n", ro.seed);
        if (r->failed) fprintf(fp, "failed fits: %llu (left out)\n", (unsigned long long)r->failed);
        fprintf(fp, "\n%-12s %12s %10s %10s\n", "", "estimate", "zval", "pval*");
        for (size_t a = 0; a < p; a++)
            fprintf(fp, "%-12s %12.4f %10.4f %10.4f\n", names[a], r->beta[a], r->zval[a], r->pval[a]);
        fprintf(fp, "\nTest of moderators (QM, df = %.0f) = %.4f, p-val* = %.4f\n", r->QM_df, r->QM, r->QM_pval);
    }
    free(mods);
    rc = cli_out_commit(&out);
out:
    cmeta_permtest_free(r);
    free(X);
    cmeta_warnings_free(&w);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cli_opts_free(&o);
    return rc;
}
