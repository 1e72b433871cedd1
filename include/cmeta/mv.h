/* cmeta/mv.h - multilevel and multivariate meta-analysis models (metafor's rma.mv), issue 18.
 *
 * The model (Viechtbauer 2010, J Stat Softw 36(3); metafor 3.8 rma.mv):
 *     y = X b + sum_c Z_c u_c + e,   u_c ~ N(0, sigma2_c I),   e ~ N(0, V),
 * with V the known sampling covariance matrix and Z_c the 0/1 matrix that gives row i the
 * random intercept of its level of component c. The marginal covariance is
 *     M = V + sum_c sigma2_c G_c,   G_c = Z_c Z_c' (G_c[i][j] = 1 when rows i and j share a level).
 * A nested specification `study/esid` is two components, as metafor's ~ 1 | study/esid builds
 * them: one with the levels of study, one with the levels of the pairs (study, esid).
 *
 * M is block diagonal by the groups of rows that share a level of some component or a nonzero
 * V entry (found by union-find); every likelihood, gradient and information evaluation works
 * block by block, so its cost is the sum of the blocks' cubes, not k^3.
 */
#ifndef CMETA_MV_H
#define CMETA_MV_H

#include "status.h"
#include "model.h"
#include "report.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One variance component: a random intercept per level. */
typedef struct {
    const char *name;     /* as metafor's factor column: "district", "district/school" */
    const size_t *level;  /* k: 0-based level of each row */
    size_t nlevels;       /* levels (every value of level[] is below it) */
} cmeta_mv_random;

/* An off-diagonal element of V: Cov(e_i, e_j) = value (i != j, 0-based rows; V[j][i] is the
 * same element, give it once). */
typedef struct {
    size_t i, j;
    double value;
} cmeta_mv_cov;

typedef struct {
    cmeta_method method;  /* CMETA_METHOD_REML (default) or CMETA_METHOD_ML */
    cmeta_test test;      /* CMETA_TEST_Z (default) or CMETA_TEST_T (df = k - p, as rma.mv) */
    double level;         /* confidence level in percent, default 95 */
    double tol;           /* convergence: relative change of every sigma2, default 1e-12 */
    int maxiter;          /* default 1000 */
    int profile_ci;       /* 1 (default): profile-likelihood CIs of the variance components */
} cmeta_mv_opts;

CMETA_EXPORT void cmeta_mv_opts_default(cmeta_mv_opts *o);

typedef struct {
    size_t k, p, s;              /* rows, coefficients, variance components */
    cmeta_method method;
    cmeta_test test;
    double level;
    double *beta, *se, *stat, *pval, *ci_lb, *ci_ub; /* p */
    double *vb;                  /* p x p */
    double df;                   /* k - p under test t, NAN under z */
    double *sigma2;              /* s */
    size_t *nlvls;               /* s: levels that occur */
    int *sigma2_fixed;           /* s: 1 for a single-level factor, fixed to 0 as metafor */
    /* multilevel I^2 in percent (metafor FAQ): 100 sigma2_c / (sum sigma2 + vtyp), total the sum,
     * vtyp = (k - p) / tr(P) with P from W = V^-1 */
    double *I2, I2_total, vtyp;
    /* profile-likelihood CIs (metafor's confint.rma.mv: 2 (ll_max - ll_profile) = qchisq(level, 1),
     * searched in [0, max(10, 100 sigma2)]; NAN when not asked for) */
    double *sigma2_ci_lb, *sigma2_ci_ub;
    int sigma2_ci_ub_open;       /* an upper bound is the end of the search range */
    double QE, QE_df, QE_pval;   /* residual heterogeneity: y'Py with M = V (FE GLS) */
    double QM, QM_df, QM_pval;   /* omnibus Wald test of btt (F with test t: QM/m, df (m, k - p)) */
    int intercept;               /* the model has an intercept (as given to cmeta_mv) */
    size_t btt_from;             /* 1-based first coefficient tested by QM (2 with an intercept, p > 1) */
    double ll, deviance, AIC, BIC, AICc; /* metafor's fitstats for the method (parameters: p and
                                            the sigma2 not fixed) */
    double ll_ML, ll_REML;       /* both, at this fit's estimates */
    size_t nblocks, maxblock;    /* the block structure used */
    int iterations;
    /* k: percentage weights of the rows, metafor's weights.rma.mv (type "diagonal", its
     * default): 100 w_i / sum_j w_j with w_i = (M^-1)_ii, M = V + sum_c sigma2_c G_c at the
     * estimates (sizes the squares of cmeta_mv_forest_layout) */
    double *weight;
} cmeta_mv_fit;

/* Fit the model. y, vi: k; cov: ncov off-diagonal elements of V (may be NULL / 0: V diagonal);
 * X: k x p row-major, the full design (intercept column included when intercept = 1, which
 * only sets the QM coefficients); re: s >= 1 components. CMETA_EDATA when V is not positive
 * definite (err->index the first row of the block), when k <= p, or the design is singular;
 * CMETA_ENUMERIC when the optimiser fails. *out: free with cmeta_mv_fit_free. */
CMETA_EXPORT cmeta_status cmeta_mv(const double *y, const double *vi, size_t k,
                                   const cmeta_mv_cov *cov, size_t ncov, const double *X, size_t p,
                                   int intercept, const cmeta_mv_random *re, size_t s,
                                   const cmeta_mv_opts *opts, cmeta_mv_fit **out,
                                   cmeta_warnings *w, cmeta_error *err) CMETA_RESULT_USED;

CMETA_EXPORT void cmeta_mv_fit_free(cmeta_mv_fit *f);

/* The prediction for a new effect size with moderators x (p values; for the intercept-only
 * model x = {1}), as metafor 3.8's predict.rma.mv for models without inner|outer structures:
 *     pred = x'b,  se = sqrt(x' vb x),  CI pred -+ crit se,
 *     PI pred -+ crit sqrt(se^2 + sum_c sigma2_c),
 * crit the normal (test z) or t(k - p) (test t) quantile of the fit's level. Any output
 * pointer may be NULL. */
CMETA_EXPORT void cmeta_mv_predict(const cmeta_mv_fit *f, const double *x, double *pred, double *se,
                                   double *ci_lb, double *ci_ub, double *pi_lb, double *pi_ub);

/* The fit as metafor's summary of an rma.mv fit prints it (text), or JSON / CSV (report layer,
 * src/lib/report_mv.c). coef: p coefficient names; comp: s component names; measure: the
 * effect measure's name for JSON (may be NULL). */
CMETA_EXPORT cmeta_status cmeta_report_mv(FILE *fp, cmeta_report_format fmt, const cmeta_mv_fit *f,
                                          const char *const *coef, const char *const *comp,
                                          const char *measure, const cmeta_warnings *w);

/* Likelihood-ratio comparison of two fits of the same rows, y and V (metafor 3.8's anova of two
 * rma.mv fits, test = "LRT"): index 0 the full model, 1 the reduced one. df is metafor's parms
 * (the coefficients and the variance components not fixed); AIC, BIC, AICc and ll are each
 * fit's statistics for its method; LRT = 2 (ll_full - ll_reduced) (the difference of the
 * deviances; negative values set to 0), LRT_df = df[0] - df[1], pval = P(chi2(LRT_df) > LRT). */
typedef struct {
    cmeta_method method;
    double df[2], AIC[2], BIC[2], AICc[2], ll[2], QE[2];
    double LRT, LRT_df, pval;
} cmeta_mv_compare;

/* Compare full with reduced. same_fixed: the two models have the same design matrix X
 * (metafor's identical(model.f$X, model.r$X)). CMETA_EUSAGE when the methods differ, when the
 * reduced model does not have fewer parameters than the full one, when k differs, or under REML
 * when the fixed effects differ (metafor 3.8 only warns there and prints a statistic it calls
 * "not meaningful"; cmeta refuses and asks for ML). */
CMETA_EXPORT cmeta_status cmeta_mv_compare_fits(const cmeta_mv_fit *full, const cmeta_mv_fit *reduced,
                                                int same_fixed, cmeta_mv_compare *out,
                                                cmeta_error *err) CMETA_RESULT_USED;

/* As cmeta_report_mv, followed by the comparison (cmp may be NULL: none): text as metafor's
 * print of the anova table; JSON key "compare" {"full": {df, AIC, BIC, AICc, logLik, QE},
 * "reduced": {...}, "LRT", "df", "pval"}; CSV has the coefficients only. */
CMETA_EXPORT cmeta_status cmeta_report_mv_compare(FILE *fp, cmeta_report_format fmt, const cmeta_mv_fit *f,
                                                  const char *const *coef, const char *const *comp,
                                                  const char *measure, const cmeta_mv_compare *cmp,
                                                  const cmeta_warnings *w);

#ifdef __cplusplus
}
#endif
#endif
