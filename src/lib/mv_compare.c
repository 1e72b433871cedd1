/* mv_compare.c - likelihood-ratio comparison of two multilevel fits (cmeta/mv.h), as metafor
 * 3.8's anova.rma(full, reduced) with test = "LRT" (Viechtbauer 2010, J Stat Softw 36(3),
 * section 3.4; metafor's anova.rma source): LRT = dev_reduced - dev_full with the deviances
 * of the fits' method, set to 0 when negative, referred to chi2 with parms_full - parms_reduced
 * degrees of freedom. The saturated model's term of metafor's ML deviance is the same for both
 * fits (same y and V), so the difference is 2 (ll_full - ll_reduced). */
#include <math.h>

#include "cmeta/mv.h"
#include "dist.h"

static double parms(const cmeta_mv_fit *f)
{
    size_t nfix = 0;
    size_t n = f->p + f->s;
    for (size_t q = 0; q < f->s; q++) nfix += f->sigma2_fixed[q] != 0;
    if (f->has_term) { /* an inner|outer term: its tau2 and rho not fixed (metafor's parms) */
        n += f->ntau2 + f->nrho;
        for (size_t q = 0; q < f->ntau2; q++) nfix += f->tau2_fixed[q] != 0;
        for (size_t q = 0; q < f->nrho; q++) nfix += f->rho_fixed[q] != 0;
    }
    return (double)(n - nfix);
}

cmeta_status cmeta_mv_compare_fits(const cmeta_mv_fit *full, const cmeta_mv_fit *reduced, int same_fixed,
                                   cmeta_mv_compare *out, cmeta_error *err)
{
    if (!full || !reduced || !out) return cmeta_error_set(err, CMETA_EUSAGE, "mv compare: NULL argument");
    if (full->k != reduced->k)
        return cmeta_error_set(err, CMETA_EUSAGE, "the full and reduced models must use the same rows");
    if (full->method != reduced->method)
        return cmeta_error_set(err, CMETA_EUSAGE, "the full and reduced models must use the same method");
    if (full->method == CMETA_METHOD_REML && !same_fixed)
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "REML likelihoods of models with different fixed effects (moderators) are not "
                               "comparable; use --method ML");
    double pf = parms(full), pr = parms(reduced);
    if (pf == pr)
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "the full and reduced models have the same number of parameters (%g): the "
                               "likelihood-ratio test is not meaningful", pf);
    if (pr > pf)
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "the reduced model has more parameters (%g) than the full model (%g)", pr, pf);
    const cmeta_mv_fit *m[2] = {full, reduced};
    out->method = full->method;
    for (int i = 0; i < 2; i++) {
        out->df[i] = parms(m[i]);
        out->AIC[i] = m[i]->AIC;
        out->BIC[i] = m[i]->BIC;
        out->AICc[i] = m[i]->AICc;
        out->ll[i] = m[i]->ll;
        out->QE[i] = m[i]->QE;
    }
    double lrt = 2 * (full->ll - reduced->ll);
    out->LRT = lrt < 0 ? 0 : lrt;
    out->LRT_df = pf - pr;
    out->pval = cmeta__pchisq_upper(out->LRT, out->LRT_df);
    return CMETA_OK;
}
