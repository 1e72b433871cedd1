/* hakn.c - the ad hoc rules for the Hartung-Knapp interval of the pooled effect, as the meta
 * package defines them (argument adhoc.hakn.ci; meta 8.3-0, R/metagen.R, the "Hartung-Knapp
 * method for confidence or prediction interval" block, and the help in R/meta-package.R):
 *
 *   q = sum_i w_i (y_i - mu)^2 / (k - 1),  w_i = 1/(v_i + tau^2),  SE_HK = sqrt(q / sum w_i),
 *   SE_classic = sqrt(1 / sum w_i),  HK CI: mu -+ t_{k-1} SE_HK.
 *   "se"     (Knapp & Hartung 2003): when q < 1, use SE_classic (still t_{k-1}).
 *   "ci"     (Wiksten et al. 2016; Jackson et al. 2017, hybrid 2): when the HK CI is narrower
 *            than the classic random-effects CI mu -+ z SE_classic, use the classic one (z).
 *   "IQWiG6" (IQWiG General Methods 6.x): when the HK CI is narrower than the classic CI of a
 *            DerSimonian-Laird random-effects model (z), use SE_classic of the model fitted
 *            (still t_{k-1}).
 * The test statistic and p-value follow the interval (meta's ci() computes all three from the
 * same SE and df). Only the CI of the mean changes; the prediction interval is left as fitted.
 */
#include <math.h>
#include <string.h>

#include "rma_internal.h"

const char *cmeta_hakn_ci_name(cmeta_hakn_ci r)
{
    switch (r) {
    case CMETA_HAKN_CI_NONE: return "none";
    case CMETA_HAKN_CI_SE: return "se";
    case CMETA_HAKN_CI_CI: return "ci";
    case CMETA_HAKN_CI_IQWIG6: return "iqwig6";
    }
    return "?";
}

cmeta_status cmeta_hakn_ci_from_name(const char *name, cmeta_hakn_ci *out)
{
    if (!name || !out) return CMETA_EUSAGE;
    if (!cmeta__strcasecmp(name, "se")) *out = CMETA_HAKN_CI_SE;
    else if (!cmeta__strcasecmp(name, "ci")) *out = CMETA_HAKN_CI_CI;
    else if (!cmeta__strcasecmp(name, "iqwig6")) *out = CMETA_HAKN_CI_IQWIG6;
    else if (!cmeta__strcasecmp(name, "none")) *out = CMETA_HAKN_CI_NONE;
    else return CMETA_EUSAGE;
    return CMETA_OK;
}

void cmeta__hakn_ci(cmeta_fit *f, const cmeta_fit_opts *o, const double *yi, const double *vi)
{
    size_t k = f->k;
    f->hakn_ci_applied = 0;
    if (k < 2 || !(f->se[0] >= 0)) return;
    double sw = 0;
    for (size_t i = 0; i < k; i++) sw += f->wi[i];
    double se_c = sqrt(1 / sw), se_hk = f->se[0], q = se_hk * se_hk * sw;
    double z = cmeta__qcrit(o->level, NAN), t = cmeta__qcrit(o->level, f->df);
    int use_z = 0;
    switch (o->hakn_ci) {
    case CMETA_HAKN_CI_SE:
        f->hakn_ci_applied = q < 1;
        break;
    case CMETA_HAKN_CI_CI:
        f->hakn_ci_applied = 2 * t * se_hk < 2 * z * se_c;
        use_z = 1;
        break;
    case CMETA_HAKN_CI_IQWIG6: {
        /* DerSimonian-Laird: tau^2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w)), w = 1/v */
        double s1 = 0, s2 = 0, sy = 0, Q = 0;
        for (size_t i = 0; i < k; i++) {
            s1 += 1 / vi[i];
            s2 += 1 / (vi[i] * vi[i]);
            sy += yi[i] / vi[i];
        }
        double fe = sy / s1;
        for (size_t i = 0; i < k; i++) Q += (yi[i] - fe) * (yi[i] - fe) / vi[i];
        double t2 = fmax(0, (Q - (double)(k - 1)) / (s1 - s2 / s1)), swd = 0;
        for (size_t i = 0; i < k; i++) swd += 1 / (vi[i] + t2);
        f->hakn_ci_applied = 2 * t * se_hk < 2 * z * sqrt(1 / swd);
        break;
    }
    case CMETA_HAKN_CI_NONE: return;
    }
    if (!f->hakn_ci_applied) return;
    if (use_z) f->df = NAN;
    double crit = use_z ? z : t;
    f->se[0] = se_c;
    f->vb[0] = se_c * se_c;
    f->stat[0] = f->beta[0] / se_c;
    f->pval[0] = use_z ? cmeta__pnorm2(f->stat[0]) : cmeta__pt2(f->stat[0], f->df);
    f->ci_lb[0] = f->beta[0] - crit * se_c;
    f->ci_ub[0] = f->beta[0] + crit * se_c;
}
