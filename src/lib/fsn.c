/* fsn.c - fail-safe N, as metafor 3.8 fsn() (types "Rosenthal" with Stouffer's method and
 * "Orwin", unweighted).
 *
 * Rosenthal (1979, Psychol Bull 86:638): z_i = yi/sqrt(vi), Z = |sum z_i| / sqrt(k),
 *   p = 1 - Phi(Z), N = max(0, k (Z / z_{1-alpha})^2 - k).
 * Orwin (1983, J Educ Stat 8:157): m = mean(yi), target t (default m/2, its sign made that
 *   of m), N = max(0, k (m - t) / t); N = Inf when t = 0.
 * N is rounded up unless within sqrt(machine eps) of a whole number (then rounded).
 */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "cmeta/bias.h"
#include "linalg.h"
#include "internal.h"

static double fsn_round(double n)
{
    if (isfinite(n) && fabs(n - nearbyint(n)) >= 1.4901161193847656e-08) return ceil(n);
    return nearbyint(n);
}

cmeta_status cmeta_failsafe(const double *yi, const double *vi, size_t k, double alpha,
                            double orwin_target, cmeta_failsafe_result *out, cmeta_error *err)
{
    if (!(alpha > 0 && alpha < 1)) alpha = 0.05;
    if (k < 1) return cmeta_error_set(err, CMETA_EDATA, "fail-safe N needs at least 1 study");
    for (size_t i = 0; i < k; i++)
        if (!isfinite(yi[i]) || !(vi[i] > 0) || !isfinite(vi[i]))
            return cmeta_error_set(err, CMETA_EDATA,
                                   "fail-safe N: study %zu needs a finite yi and vi > 0", i + 1);
    double n = (double)k, sz = 0, sy = 0;
    for (size_t i = 0; i < k; i++) {
        sz += yi[i] / sqrt(vi[i]);
        sy += yi[i];
    }
    out->k = k;
    out->alpha = alpha;
    out->rosenthal_z = fabs(sz / sqrt(n));
    out->rosenthal_pval = gsl_cdf_ugaussian_Q(out->rosenthal_z);
    double za = gsl_cdf_ugaussian_Qinv(alpha);
    out->rosenthal = fsn_round(fmax(0, n * pow(out->rosenthal_z / za, 2) - n));

    double m = sy / n;
    double t = isnan(orwin_target) ? m / 2 : orwin_target;
    out->orwin_mean = m;
    if (t == 0) {
        out->orwin_target = t;
        out->orwin = INFINITY;
    } else {
        if ((t > 0) != (m > 0) && m != 0) t = -t;
        out->orwin_target = t;
        out->orwin = fsn_round(fmax(0, n * (m - t) / t));
    }
    return CMETA_OK;
}
