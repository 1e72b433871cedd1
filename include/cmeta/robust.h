/* cmeta/robust.h - cluster-robust (sandwich) inference for a fitted model (issue 18), as
 * clubSandwich's vcovCR / coef_test / Wald_test (CR2) and metafor 3.8's robust() (CR1).
 *
 * The model: y = X b + error with marginal covariance M (rma.uni: M = diag(v_i + tau^2); rma.mv:
 * M = V + sum_c sigma2_c Z_c Z_c'), fitted by generalised least squares with W = M^-1:
 *     B = (X'WX)^-1,  b = B X'W y,  e = y - X b.
 * Rows are grouped into clusters j = 1..n (the --robust column). With X_j, W_j, M_j, e_j a
 * cluster's rows (and block of W, M), the sandwich estimators are
 *     CR1 (metafor robust(x, cluster, adjust = TRUE); Hedges, Tipton & Johnson 2010):
 *         V_R = n / (n - p) B (sum_j u_j u_j') B,   u_j = (WX)_j' e_j,
 *         t tests and CIs with df = n - p; QM = b_S' V_R[S,S]^-1 b_S / q ~ F(q, n - p).
 *     CR2 (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018, J Bus Econ Stat 36:672; clubSandwich
 *         0.5 vcovCR type "CR2" with the model's weights, target Theta_j = M_j, inverse_var):
 *         V_R = B (sum_j u_j u_j') B,   u_j = X_j' W_j A_j e_j,
 *         A_j = L_j G_j^-1/2 L_j',  G_j = L_j' (I - X_j B X_j' W_j) M_j L_j,  M_j = L_j L_j'
 *         (G_j^-1/2 from the eigen-decomposition, eigenvalues <= 1e-12 set to 0, as clubSandwich's
 *         matrix_power; on its scale: rma.uni fits divide W by the mean weight and multiply M by it).
 *         Single coefficients: t = b_i / se_i with Satterthwaite df (coef_test, "Satterthwaite"):
 *         with F_j = B X_j' W_j A_j, g_j = F_j L_j, h_j = F_j X_j L_B (B = L_B L_B'), the J x J
 *         matrix P_i = diag_j(|g_j[i,]|^2) - (h_j[i,] . h_l[i,])_jl and df_i = tr(P_i)^2 / sum(P_i^2).
 *         Omnibus test of the coefficients S (q of them): HTZ (Wald_test, test = "HTZ";
 *         Tipton & Pustejovsky 2015, J Educ Behav Stat 40:604): Q = b_S' V_R[S,S]^-1 b_S,
 *         Omega = sum_j tr-terms of P over S, nu = q (q + 1) / sum_st Var_st (clubSandwich's
 *         total_variance_mat of Omega^-1/2 P Omega^-1/2), F = (nu - q + 1) / nu * Q / q with
 *         df (q, nu - q + 1).
 * CIs: b_i -/+ t_{df_i, 1 - alpha/2} se_i.
 *
 * CR2 needs M block diagonal by cluster (every random effect and every sampling covariance
 * within one cluster, clubSandwich's test_nested); CR1 does not (W is the full M^-1, as metafor).
 * Both need n > p clusters (metafor's rule; cmeta applies it to CR2 too). Work is done block by
 * block: the cost is the sum of the blocks' cubes.
 */
#ifndef CMETA_ROBUST_H
#define CMETA_ROBUST_H

#include "status.h"
#include "model.h"
#include "mv.h"
#include "report.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { CMETA_ROBUST_CR2 = 0, CMETA_ROBUST_CR1 = 1 } cmeta_robust_type;

CMETA_EXPORT const char *cmeta_robust_type_name(cmeta_robust_type t); /* "CR2", "CR1" */

typedef struct {
    cmeta_robust_type type; /* default CR2 */
    double level;           /* confidence level in percent, default 95 */
    int intercept;          /* 1 (default): X's first column is an intercept, which the omnibus
                               test leaves out when p > 1 (metafor's btt: 2..p; else 1..p) */
    int uni_scale;          /* 1: clubSandwich's rma.uni scaling (W divided by its mean weight,
                               M multiplied by it) for the 1e-12 eigenvalue cuts; 0: rma.mv's */
} cmeta_robust_opts;

CMETA_EXPORT void cmeta_robust_opts_default(cmeta_robust_opts *o);

typedef struct {
    cmeta_robust_type type;
    size_t k, p, n_clusters;
    size_t csize_min, csize_max;   /* rows per cluster */
    double csize_mean, csize_median;
    double level;
    double *beta, *se, *stat, *df, *pval, *ci_lb, *ci_ub; /* p */
    double *vb;                    /* p x p: the sandwich variance-covariance matrix */
    size_t btt_from;               /* 1-based first coefficient the omnibus test covers (to p) */
    int int_only;                  /* the model is an intercept only (metafor's int.only) */
    double QM, QM_df, QM_df2, QM_pval; /* F statistic (CR2: HTZ), NAN when V_R[S,S] is singular */
} cmeta_robust_result;

/* Cluster-robust inference on plain arrays. y: k; X: k x p row-major (the full design); M given
 * as its diagonal mdiag (k) and off-diagonal elements moff (nmoff triplets i != j, each pair once
 * per triangle; an element listed more than once is the sum of its values; may be NULL / 0);
 * cluster: k ids below ncl (the ids that occur are the clusters). b is refitted by GLS from M.
 * CMETA_EDATA with a message when fewer than 2 clusters or n_clusters <= p, when M is not positive
 * definite (err->index the first row of the block), for CR2 when M has an element between two
 * clusters; CMETA_EUSAGE for bad arguments. *out: free with cmeta_robust_free. */
CMETA_EXPORT cmeta_status cmeta_robust(const double *y, const double *X, size_t k, size_t p,
                                       const double *mdiag, const cmeta_mv_cov *moff, size_t nmoff,
                                       const size_t *cluster, size_t ncl, const cmeta_robust_opts *o,
                                       cmeta_robust_result **out, cmeta_error *err) CMETA_RESULT_USED;

/* For a cmeta_rma fit f of y, vi (k) and the full design X (k x f->p, intercept column included):
 * M = diag(vi + tau^2), uni_scale = 1 (o->uni_scale is ignored). */
CMETA_EXPORT cmeta_status cmeta_robust_rma(const cmeta_fit *f, const double *y, const double *vi,
                                           const double *X, const size_t *cluster, size_t ncl,
                                           const cmeta_robust_opts *o, cmeta_robust_result **out,
                                           cmeta_error *err) CMETA_RESULT_USED;

/* For a cmeta_mv fit f of the same arguments given to cmeta_mv (y, vi, cov, X, re): M = V +
 * sum_c sigma2_c G_c at f's estimates, uni_scale = 0. CMETA_EDATA for CR2 when a random effect
 * is not nested within the clusters (a level in two clusters: clubSandwich's "Random effects are
 * not nested within clustering variable"). */
CMETA_EXPORT cmeta_status cmeta_robust_mv(const cmeta_mv_fit *f, const double *y, const double *vi,
                                          const cmeta_mv_cov *cov, size_t ncov, const double *X,
                                          const cmeta_mv_random *re, size_t s, const size_t *cluster,
                                          size_t ncl, const cmeta_robust_opts *o,
                                          cmeta_robust_result **out, cmeta_error *err) CMETA_RESULT_USED;

CMETA_EXPORT void cmeta_robust_free(cmeta_robust_result *r);

/* ---- report (src/lib/report_robust.c) ----
 * The robust results after a model's report: text as a block laid out like metafor's print of a
 * robust() fit; JSON the key "robust" {type, cluster, n_clusters, coefficients [{name, estimate, se, stat,
 * df, pval, ci_lb, ci_ub}], QM, QM_df, QM_df2, QM_pval} (written with cmeta_json_key: *first as
 * for the other keys). coef: p names; cluster: the cluster column's name. */
CMETA_EXPORT cmeta_status cmeta_report_robust_text(FILE *fp, const cmeta_robust_result *r,
                                                   const char *const *coef, const char *cluster);
CMETA_EXPORT void cmeta_report_robust_json(FILE *fp, const cmeta_robust_result *r,
                                           const char *const *coef, const char *cluster, int *first);

/* The reports of pool, regress and mv (cmeta_report_pool, cmeta_report_regress,
 * cmeta_report_mv_compare) with the robust results r (NULL: none, the same bytes as those):
 * text: the block after the model's results; JSON: the key "robust" before "warnings"; CSV:
 * pool a row of type "robust" after the overall rows (study: "Robust (CR2, n = ... clusters)",
 * estimate, se, ci_lb, ci_ub, stat, df, pval); regress and mv the columns robust_se, robust_stat,
 * robust_df, robust_pval, robust_ci_lb, robust_ci_ub after the model's. */
CMETA_EXPORT cmeta_status cmeta_report_pool_robust(FILE *fp, cmeta_report_format fmt, const cmeta_data *d,
                                                   const cmeta_fit *f, const cmeta_fit_opts *fo,
                                                   const cmeta_model_choice *mc, const cmeta_robust_result *r,
                                                   const char *cluster, const cmeta_warnings *w) CMETA_RESULT_USED;
CMETA_EXPORT cmeta_status cmeta_report_regress_robust(FILE *fp, cmeta_report_format fmt, const cmeta_fit *f,
                                                      const cmeta_design *des, const cmeta_data *d,
                                                      const cmeta_robust_result *r, const char *cluster,
                                                      const cmeta_warnings *w) CMETA_RESULT_USED;
CMETA_EXPORT cmeta_status cmeta_report_mv_robust(FILE *fp, cmeta_report_format fmt, const cmeta_mv_fit *f,
                                                 const char *const *coef, const char *const *comp,
                                                 const char *measure, const cmeta_mv_compare *cmp,
                                                 const cmeta_robust_result *r, const char *cluster,
                                                 const cmeta_warnings *w) CMETA_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
