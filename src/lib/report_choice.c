/* report_choice.c - --model auto: fixed or random effects from the heterogeneity test, the
 * rule many published tables used (e.g. "a random-effects model was used when p < 0.10";
 * Higgins & Thompson 2002 discuss the practice). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/report.h"

cmeta_status cmeta_choose_model(const cmeta_studies *s, const cmeta_fit_opts *opts, int automatic,
                                double het_p, cmeta_model_choice *out, cmeta_error *err)
{
    memset(out, 0, sizeof *out);
    out->opts = *opts;
    out->Q = out->Q_pval = NAN;
    out->het_p = het_p;
    out->is_random = cmeta_fit_is_random(opts);
    if (!automatic) return CMETA_OK;
    out->automatic = 1;
    int twobytwo = opts->method == CMETA_METHOD_MH || opts->method == CMETA_METHOD_PETO;

    /* the fixed-effect model and its heterogeneity test */
    cmeta_fit_opts fe = *opts;
    if (twobytwo) fe.mh_random = 0;
    else fe.method = CMETA_METHOD_FE;
    fe.no_ci_tau2 = 1;
    size_t *idx = cmeta_malloc((s->k ? s->k : 1) * sizeof *idx);
    if (!idx) return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->k; i++) idx[i] = i;
    cmeta_fit *f = NULL;
    cmeta_status st = cmeta_fit_subset(s, idx, s->k, &fe, &f, NULL, err);
    cmeta_free(idx);
    if (st != CMETA_OK) return st;
    out->Q = f->Q;
    out->Q_pval = f->Q_pval;
    cmeta_fit_free(f);

    /* the random-effects alternative: the method asked for if it is one, else REML
     * (DL-type random effects around MH/Peto, as RevMan, for 2x2 methods) */
    cmeta_fit_opts re = *opts;
    if (twobytwo) re.mh_random = 1;
    else if (re.method == CMETA_METHOD_FE || cmeta_method_is_2x2(re.method)) re.method = CMETA_METHOD_REML;

    char p[32], hp[32];
    cmeta_fmt_pval(p, sizeof p, out->Q_pval, 4);
    snprintf(hp, sizeof hp, "%g", het_p);
    if (!(out->Q_pval < het_p)) {
        out->opts = fe;
        out->is_random = 0;
        snprintf(out->reason, sizeof out->reason,
                 "fixed effect (%s): heterogeneity test p = %s >= --het-p %s",
                 cmeta_method_name(fe.method), p, hp);
    } else {
        out->opts = re;
        out->is_random = 1;
        snprintf(out->reason, sizeof out->reason,
                 "random effects (%s%s): heterogeneity test p %s%s < --het-p %s",
                 cmeta_method_name(re.method), twobytwo ? ", DerSimonian-Laird tau^2" : "",
                 p[0] == '<' ? "< " : "= ", p[0] == '<' ? p + 1 : p, hp);
    }
    return CMETA_OK;
}
