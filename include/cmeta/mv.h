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

/* The structure of an `inner | outer` term (metafor's struct argument of rma.mv): the effect
 * sizes of one level of the outer factor (a study) share a random vector u ~ N(0, G) indexed by
 * the levels of the inner factor (outcomes, time points): Cov = G[inner_i][inner_j] when rows i
 * and j have the same outer level, 0 otherwise. G (L x L, L inner levels) is
 *   CS    tau2 on the diagonal, rho tau2 off it                      (tau2, rho)
 *   HCS   tau2_a on the diagonal, rho sqrt(tau2_a tau2_b) off it      (L tau2, rho)
 *   UN    tau2_a on the diagonal, rho_ab sqrt(tau2_a tau2_b) off it   (L tau2, L(L-1)/2 rho)
 *   AR    tau2 rho^|a - b|  (a, b: the levels' places in time order)  (tau2, rho)
 *   HAR   sqrt(tau2_a tau2_b) rho^|a - b|                              (L tau2, rho)
 *   ID    tau2 I                                                      (tau2)
 *   DIAG  diag(tau2_a)                                                (L tau2) */
typedef enum {
    CMETA_MV_CS,
    CMETA_MV_HCS,
    CMETA_MV_UN,
    CMETA_MV_AR,
    CMETA_MV_HAR,
    CMETA_MV_ID,
    CMETA_MV_DIAG
} cmeta_mv_structure;

/* "CS", "HCS", ...; NULL for an unknown value. */
CMETA_EXPORT const char *cmeta_mv_structure_name(cmeta_mv_structure s);
/* The structure named (case-insensitive); 0, or -1 for an unknown name. */
CMETA_EXPORT int cmeta_mv_structure_parse(const char *name, cmeta_mv_structure *out);

/* One `inner | outer` term. inner[i] is row i's inner level, 0..ninner-1 in the order of G
 * (metafor: the sorted levels of the inner variable; for AR and HAR the time order, level a
 * being time point a, equally spaced as metafor's AR); every level must occur. */
typedef struct {
    cmeta_mv_structure structure;
    const char *inner_name, *outer_name;  /* the factors' names (copied into the fit) */
    const size_t *inner;                  /* k */
    size_t ninner;
    const char *const *inner_labels;      /* ninner labels (copied; may be NULL: "1", "2", ...) */
    const size_t *outer;                  /* k */
    size_t nouter;                        /* every value of outer[] is below it */
} cmeta_mv_term;

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
    /* the `inner | outer` term (has_term 0: none, the rest 0 / NULL). Estimates in the order of
     * the inner levels; rho: CS, HCS, AR, HAR one value; UN the L(L-1)/2 correlations in
     * metafor's order (lower triangle by columns: (2,1), (3,1), ..., (L,1), (3,2), ...); ID, DIAG
     * none. *_fixed: fixed (as metafor: to 0) rather than estimated; CIs NAN when not computed,
     * the *_open flags an end of the search range. */
    int has_term;
    cmeta_mv_structure structure;
    char *inner_name, *outer_name;
    char **inner_labels;         /* ninner */
    size_t ninner, nouter;       /* levels of the inner factor, of the outer factor that occur */
    size_t ntau2, nrho;
    double *tau2, *rho;
    int *tau2_fixed, *rho_fixed;
    size_t *k_lvl;               /* ninner: outer levels in which each inner level occurs */
    size_t *k_comb;              /* nrho (UN): outer levels in which both levels of the pair occur */
    double *tau2_ci_lb, *tau2_ci_ub, *rho_ci_lb, *rho_ci_ub;
    int *tau2_ci_open, *rho_ci_open; /* bit 1: the lower bound, bit 2: the upper one */
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

/* As cmeta_mv with an `inner | outer` term (term may be NULL: cmeta_mv; with a term, s may be
 * 0). The parameters are estimated on their natural scale (tau2 >= 0, rho in [-1, 1], for UN
 * the correlation matrix positive semidefinite, M positive definite) by Newton's method on the
 * exact score and observed information (see mv.c). At most 64 variance and correlation
 * parameters in all. A level of the inner factor found in a single outer level gets tau2 fixed
 * to 0 (HCS, UN, DIAG, HAR), rho is fixed to 0 when the inner factor has a single level or
 * every outer level a single row (CS, HCS, AR, HAR), and a UN correlation of two levels that
 * never occur in the same outer level is fixed to 0: each with a warning, as metafor. */
CMETA_EXPORT cmeta_status cmeta_mv_ex(const double *y, const double *vi, size_t k,
                                      const cmeta_mv_cov *cov, size_t ncov, const double *X, size_t p,
                                      int intercept, const cmeta_mv_random *re, size_t s,
                                      const cmeta_mv_term *term, const cmeta_mv_opts *opts,
                                      cmeta_mv_fit **out, cmeta_warnings *w,
                                      cmeta_error *err) CMETA_RESULT_USED;

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
