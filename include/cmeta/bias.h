/* cmeta/bias.h - small-study effects and publication bias: Egger's regression test, Begg's
 * rank correlation test, trim and fill, fail-safe N (metafor's regtest, ranktest, trimfill
 * and fsn). Each works on the plain arrays yi, vi (length k); formulas are given beside their
 * code in src/lib/regtest.c, ranktest.c, trimfill.c and fsn.c.
 *
 * Minimum number of studies (CMETA_EDATA below it): regtest k >= 3 (one residual df);
 * ranktest k >= 3; trimfill k >= 3; fail-safe N k >= 1. The tests have little power with
 * fewer than 10 studies (Sterne et al. 2011, BMJ 343:d4002); the program warns then.
 */
#ifndef CMETA_BIAS_H
#define CMETA_BIAS_H

#include "status.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Egger's regression test as metafor regtest(x, vi, model = "lm", predictor = "sei"):
 * weighted least squares of yi on (1, sei) with weights 1/vi and a multiplicative
 * dispersion (Egger et al. 1997, BMJ 315:629; Sterne & Egger 2005).
 *   yi = b0 + b1 sei_i + e_i,  Var(e_i) = phi vi
 * stat = b1 / se(b1), a t statistic on df = k - 2, two-sided p-value. b1 is the slope on sei,
 * which equals the intercept of Egger's original regression of yi/sei on 1/sei (the "bias"
 * coefficient). b0 is metafor's "limit estimate" (the effect as sei -> 0), printed by
 * metafor's regtest and reported by cmeta as `intercept`, with its t-based CI at `level`. */
typedef struct {
    size_t k;
    double stat, df, pval;           /* test of b1 = 0 */
    double slope, slope_se;          /* b1 (Egger's bias coefficient) and its SE */
    double intercept, intercept_se;  /* b0: limit estimate */
    double ci_lb, ci_ub;             /* CI of b0 */
} cmeta_regtest_result;

CMETA_EXPORT cmeta_status cmeta_regtest(const double *yi, const double *vi, size_t k,
                                        double level, cmeta_regtest_result *out,
                                        cmeta_error *err) CMETA_RESULT_USED;

/* Begg & Mazumdar (1994) rank correlation test as metafor ranktest(): Kendall's tau (tau-b)
 * between the standardized deviates yi* = (yi - b_FE) / sqrt(vi - 1/sum(1/vi)) and vi.
 * p-value as R's cor.test(method = "kendall", exact = TRUE): exact (distribution of the
 * number of inversions of a random permutation) when there are no ties; with ties the
 * normal approximation with the tie-corrected variance of S (Kendall 1970) and a warning.
 * cmeta uses the normal approximation also when k > 500 (the exact sum is O(k^3)). */
typedef struct {
    size_t k;
    double tau, pval;
    double S;        /* sum over pairs of sign(dx) sign(dy) */
    double z;        /* S / sd(S) under the normal approximation, NAN when exact */
    int exact;       /* 1: exact p-value */
} cmeta_ranktest_result;

CMETA_EXPORT cmeta_status cmeta_ranktest(const double *yi, const double *vi, size_t k,
                                         cmeta_ranktest_result *out, cmeta_warnings *w,
                                         cmeta_error *err) CMETA_RESULT_USED;

/* Trim and fill (Duval & Tweedie 2000, Biometrics 56:455) as metafor trimfill.rma.uni(). */
typedef enum { CMETA_TF_L0, CMETA_TF_R0 } cmeta_tf_estimator;
typedef enum { CMETA_TF_AUTO, CMETA_TF_LEFT, CMETA_TF_RIGHT } cmeta_tf_side;

typedef struct {
    cmeta_tf_estimator estimator;
    cmeta_tf_side side;      /* side on which studies were missing: LEFT or RIGHT */
    size_t k;                /* studies observed */
    size_t k0;               /* studies filled */
    double se_k0;
    double p_k0;             /* R0 only: P(k0 >= observed) under no asymmetry; NAN for L0 */
    int iterations;
    double *fill_yi, *fill_vi; /* length k0: the filled (mirrored) studies */
    size_t *fill_of;         /* length k0: index (0-based, into yi) of the study mirrored */
    cmeta_fit *fit;          /* model of the k + k0 studies (the observed ones first);
                                when k0 == 0 the model of the observed studies */
} cmeta_trimfill_result;

/* opts: the model (method, test, level) used in every step; an intercept-only model is
 * fitted (opts->intercept is ignored). side AUTO chooses as metafor: regress yi on sqrt(vi)
 * with the same tau^2 estimator; missing studies are on the right when the slope is
 * negative, otherwise on the left. maxiter: iterations of the trimming loop (metafor: 100;
 * <= 0 means 100); CMETA_ENOCONV when exceeded.
 * *out is new: free with cmeta_trimfill_free (which frees the fit too). */
CMETA_EXPORT cmeta_status cmeta_trimfill(const double *yi, const double *vi, size_t k,
                                         const cmeta_fit_opts *opts,
                                         cmeta_tf_estimator estimator, cmeta_tf_side side,
                                         int maxiter, cmeta_trimfill_result **out,
                                         cmeta_warnings *w, cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT void cmeta_trimfill_free(cmeta_trimfill_result *r);

/* Fail-safe N as metafor fsn():
 *   Rosenthal (1979): z_i = yi / sqrt(vi), Z = |sum z_i| / sqrt(k), p = 1 - Phi(Z),
 *     N = max(0, k (Z / z_{1-alpha})^2 - k), one-sided alpha (default 0.05);
 *   Orwin (1983), unweighted: m = mean(yi), target = m / 2 (metafor's default target; its
 *     sign made that of m), N = max(0, k (m - target) / target) (= k for the default
 *     target); N = infinity when target = 0.
 *   Both are rounded up to a whole number (unless within 1.5e-8 of one, then rounded). */
typedef struct {
    size_t k;
    double alpha;
    double rosenthal, rosenthal_z, rosenthal_pval;
    double orwin, orwin_mean, orwin_target;
} cmeta_failsafe_result;

/* alpha <= 0 or NAN means 0.05; orwin_target NAN means the default (mean / 2). */
CMETA_EXPORT cmeta_status cmeta_failsafe(const double *yi, const double *vi, size_t k,
                                         double alpha, double orwin_target,
                                         cmeta_failsafe_result *out,
                                         cmeta_error *err) CMETA_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
