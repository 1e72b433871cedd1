/* subgroup.c - subgroup analysis and the test for subgroup differences, as the meta package
 * (meta 8.x R/subgroup.R, R/hetcalc.R) and RevMan 5 compute them. Formulas: cmeta/derive.h. */
#include <math.h>
#include <gsl/gsl_cdf.h>

#include "internal.h"

void cmeta_subgroups_free(cmeta_subgroups *g)
{
    if (!g) return;
    for (size_t j = 0; g->fits && j < g->ngroups; j++) cmeta_fit_free(g->fits[j]);
    cmeta_free(g->fits);
    cmeta_free(g->k);
    cmeta_fit_free(g->overall);
    cmeta_free(g);
}

/* a tau^2 estimator (not FE, not MH/Peto): the model tau.common refits */
static int is_random(cmeta_method m)
{
    return m != CMETA_METHOD_FE && !cmeta_method_is_2x2(m);
}

/* tau^2 of the model with the subgroup as a categorical moderator (meta's tau.common):
 * rma(yi, vi, mods = ~ factor(group), method = M)$tau2; 0 when k < ngroups + 1, where
 * meta falls back to the fixed-effect model. */
static cmeta_status common_tau2(const cmeta_studies *s, const size_t *group, size_t ng,
                                const cmeta_fit_opts *opts, double *tau2, cmeta_warnings *w,
                                cmeta_error *err)
{
    size_t k = s->k, q = ng - 1;
    if (k < ng + 1) {
        *tau2 = 0;
        return cmeta_warn(w, "common tau^2: %zu studies in %zu subgroups leave no residual "
                             "degrees of freedom; tau^2 set to 0 (as the meta package)", k, ng);
    }
    double *X = cmeta_calloc(k * (q ? q : 1), sizeof(double));
    if (!X) return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < q; j++) X[i * q + j] = group[i] == j + 1 ? 1.0 : 0.0;
    cmeta_fit_opts o = *opts;
    o.intercept = 1;
    o.no_ci_tau2 = 1;
    o.tau2_fixed = 0;
    cmeta_fit *f = NULL;
    cmeta_status st = cmeta_rma(s->yi, s->vi, k, q ? X : NULL, q, &o, &f, NULL, err);
    cmeta_free(X);
    if (st != CMETA_OK) return st;
    *tau2 = f->tau2;
    cmeta_fit_free(f);
    return CMETA_OK;
}

cmeta_status cmeta_subgroup(const cmeta_studies *s, const size_t *group, size_t ngroups,
                            int tau_common, const cmeta_fit_opts *opts, cmeta_subgroups **out,
                            cmeta_warnings *w, cmeta_error *err)
{
    *out = NULL;
    if (!s || !group || !opts || ngroups == 0)
        return cmeta_error_set(err, CMETA_EUSAGE, "subgroup: missing argument");
    size_t k = s->k;
    cmeta_subgroups *g = cmeta_calloc(1, sizeof *g);
    size_t *idx = CMETA_ARRAY_NEW(size_t, k);
    if (!g || !idx) {
        cmeta_free(g);
        cmeta_free(idx);
        return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    g->ngroups = ngroups;
    g->k = CMETA_ARRAY_NEW(size_t, ngroups);
    g->fits = CMETA_ARRAY_NEW(cmeta_fit *, ngroups);
    g->tau2_common = NAN;
    g->Q_between = g->Q_between_df = g->Q_between_pval = NAN;
    g->Q_within = g->Q_within_df = g->Q_within_pval = NAN;
    cmeta_status st = CMETA_OK;
    if (!g->k || !g->fits) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < k; i++) {
        if (group[i] >= ngroups) {
            st = cmeta_error_set(err, CMETA_EUSAGE, "subgroup: group index %zu of study %zu >= %zu",
                                 group[i], i + 1, ngroups);
            goto done;
        }
        g->k[group[i]]++;
    }
    for (size_t j = 0; j < ngroups; j++)
        if (g->k[j] == 0) {
            st = cmeta_error_set(err, CMETA_EUSAGE, "subgroup %zu has no studies", j + 1);
            goto done;
        }

    /* overall fit, with its own tau^2 */
    for (size_t i = 0; i < k; i++) idx[i] = i;
    st = cmeta_fit_subset(s, idx, k, opts, &g->overall, w, err);
    if (st != CMETA_OK) goto done;

    cmeta_fit_opts o = *opts;
    if (tau_common) {
        if (!is_random(opts->method) || opts->tau2_fixed) {
            st = cmeta_warn(w, "--tau-common has no effect with method %s%s",
                            cmeta_method_name(opts->method), opts->tau2_fixed ? " and a fixed tau^2" : "");
            if (st != CMETA_OK) goto done;
        } else if (ngroups > 1) {
            st = common_tau2(s, group, ngroups, opts, &g->tau2_common, w, err);
            if (st != CMETA_OK) goto done;
            g->tau_common = 1;
            o.tau2_fixed = 1;
            o.tau2 = g->tau2_common;
        } else {
            g->tau_common = 1;
            g->tau2_common = g->overall->tau2;
            o.tau2_fixed = 1;
            o.tau2 = g->tau2_common;
        }
    }

    double sw = 0, swb = 0, qw = 0, qwdf = 0;
    size_t used = 0;
    for (size_t j = 0; j < ngroups; j++) {
        size_t n = 0;
        for (size_t i = 0; i < k; i++)
            if (group[i] == j) idx[n++] = i;
        st = cmeta_fit_subset(s, idx, n, &o, &g->fits[j], NULL, err);
        if (st != CMETA_OK) goto done;
        const cmeta_fit *f = g->fits[j];
        if (n > 1 && isfinite(f->Q)) {
            qw += f->Q;
            qwdf += (double)(n - 1);
        }
        double b = f->beta[0], se = f->se[0];
        if (isfinite(b) && isfinite(se) && se > 0) {
            double wj = 1.0 / (se * se);
            sw += wj;
            swb += wj * b;
            used++;
        }
    }
    /* test for subgroup differences: Q of a fixed-effect pooling of the subgroup estimates */
    if (used >= 1) {
        double bw = swb / sw, qb = 0;
        for (size_t j = 0; j < ngroups; j++) {
            double b = g->fits[j]->beta[0], se = g->fits[j]->se[0];
            if (isfinite(b) && isfinite(se) && se > 0) qb += (b - bw) * (b - bw) / (se * se);
        }
        g->Q_between = qb;
        g->Q_between_df = (double)(used - 1);
        g->Q_between_pval = used > 1 ? gsl_cdf_chisq_Q(qb, g->Q_between_df) : NAN;
    }
    g->Q_within = qw;
    g->Q_within_df = qwdf;
    g->Q_within_pval = qwdf > 0 ? gsl_cdf_chisq_Q(qw, qwdf) : NAN;

done:
    cmeta_free(idx);
    if (st != CMETA_OK) {
        cmeta_subgroups_free(g);
        return st;
    }
    *out = g;
    return CMETA_OK;
}
