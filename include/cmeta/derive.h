/* cmeta/derive.h - analyses derived from repeated model fits: subgroups (with the test for
 * subgroup differences), leave-one-out and cumulative meta-analysis.
 *
 * Every function here works on plain arrays (cmeta_studies: yi, vi and, for Mantel-Haenszel
 * and Peto pooling, the 2x2 cells) and calls cmeta_rma / cmeta_rma_mh / cmeta_rma_peto for
 * each fit, with the caller's cmeta_fit_opts, so each derived fit is exactly the model the
 * user asked for on fewer studies.
 *
 * Sources:
 *  - leave-one-out: as metafor 3.8 leave1out.rma.uni / leave1out.rma.mh / leave1out.rma.peto
 *    (the model refitted without study i, i = 1..k);
 *  - cumulative: as metafor 3.8 cumul.rma.uni (fit j uses the first j studies of the order;
 *    ties keep file order, as R's order() on numbers);
 *  - subgroups: as the meta package (Schwarzer; meta 8.x R/subgroup.R, R/hetcalc.R) and
 *    RevMan 5: a separate fit per subgroup, and the test for subgroup differences
 *        Q_between = sum_g w_g (b_g - b_w)^2,  w_g = 1 / se_g^2,  b_w = sum w_g b_g / sum w_g,
 *    on the subgroup estimates b_g of the model in use (fixed-effect estimates under FE/MH/
 *    Peto, random-effects estimates otherwise), df = (number of subgroups) - 1, p from the
 *    chi-square upper tail (Borenstein et al. 2009 ch. 19; Deeks, Higgins & Altman, Cochrane
 *    Handbook 10.11.3.1).
 *  - common tau^2 (tau_common = 1), as meta's tau.common = TRUE: tau^2 is the residual
 *    heterogeneity of the mixed-effects model with the subgroup as a categorical moderator,
 *        yi = b_1 + sum_{g>1} b_g [group_i = g] + u_i + e_i   (same tau^2 estimator),
 *    i.e. metafor rma(yi, vi, mods = ~ factor(group), method = M)$tau2; when that model has
 *    no residual degrees of freedom (k <= number of subgroups) tau^2 = 0, as meta does. Every
 *    subgroup is then fitted with that tau^2 held fixed. The overall fit keeps its own tau^2
 *    (as meta 8.x).
 */
#ifndef CMETA_DERIVE_H
#define CMETA_DERIVE_H

#include "status.h"
#include "effect.h"
#include "data.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The studies to analyse (arrays of length k, not owned). The 2x2 cells and measure are read
 * only when the fit options ask for CMETA_METHOD_MH or CMETA_METHOD_PETO. */
typedef struct {
    size_t k;
    const double *yi, *vi;
    cmeta_measure measure;
    const double *ai, *bi, *ci, *di;
    const cmeta_escalc_opts *escalc;   /* continuity handling for MH/Peto; NULL = defaults */
} cmeta_studies;

/* Point s at the arrays of d (no copy: d must outlive s). */
CMETA_EXPORT void cmeta_studies_from_data(const cmeta_data *d, const cmeta_escalc_opts *eo,
                                          cmeta_studies *s);

/* Fit the model on the studies idx[0..n-1] (n >= 1). With n = 1 the fit is the study itself:
 * tau^2 = 0, Q = 0 with p = 1, I^2 = 0, H^2 = 1 (as metafor reports a k = 1 model).
 * *out is a new fit: free with cmeta_fit_free. */
CMETA_EXPORT cmeta_status cmeta_fit_subset(const cmeta_studies *s, const size_t *idx, size_t n,
                                           const cmeta_fit_opts *opts, cmeta_fit **out,
                                           cmeta_warnings *w, cmeta_error *err) CMETA_RESULT_USED;

/* One derived fit, the columns metafor's leave1out/cumul print (plus k, stat df and the
 * prediction interval). NAN where the fit failed (e.g. no convergence: a warning says which). */
typedef struct {
    size_t k;                        /* studies in the fit */
    double estimate, se, stat, pval, ci_lb, ci_ub;
    double Q, Q_df, Q_pval;
    double tau2, I2, H2;
    double pi_lb, pi_ub;
} cmeta_summary;

/* Fill a summary from a fit. */
CMETA_EXPORT void cmeta_summary_from_fit(const cmeta_fit *f, cmeta_summary *out);

/* Leave-one-out: rows[i] is the model fitted without study i (k >= 2). rows: caller's array
 * of length s->k. */
CMETA_EXPORT cmeta_status cmeta_leave1out(const cmeta_studies *s, const cmeta_fit_opts *opts,
                                          cmeta_summary *rows, cmeta_warnings *w,
                                          cmeta_error *err) CMETA_RESULT_USED;

/* Cumulative: rows[j] is the model fitted on studies order[0..j] (order: a permutation of
 * 0..k-1, NULL = file order). rows: caller's array of length s->k. */
CMETA_EXPORT cmeta_status cmeta_cumul(const cmeta_studies *s, const size_t *order,
                                      const cmeta_fit_opts *opts, cmeta_summary *rows,
                                      cmeta_warnings *w, cmeta_error *err) CMETA_RESULT_USED;

/* Stable orderings for cumul: perm (length k) receives 0..k-1 sorted by key, ascending, ties
 * in index order. Numbers: NaN last. Text: byte order (strcmp, locale-independent), NULL last. */
CMETA_EXPORT cmeta_status cmeta_order_numeric(const double *key, size_t k,
                                              size_t *perm) CMETA_RESULT_USED;
CMETA_EXPORT cmeta_status cmeta_order_text(const char *const *key, size_t k,
                                           size_t *perm) CMETA_RESULT_USED;

/* Subgroup analysis result. All arrays have length ngroups, groups in index order. */
typedef struct {
    size_t ngroups;
    size_t *k;                 /* studies per subgroup */
    cmeta_fit **fits;          /* per-subgroup fits */
    cmeta_fit *overall;        /* all studies, own tau^2 */
    int tau_common;            /* 1: subgroups share tau2_common */
    double tau2_common;        /* NAN unless tau_common */
    /* test for subgroup differences (estimates of the model in use) */
    double Q_between, Q_between_df, Q_between_pval;
    /* sum of the within-subgroup Q statistics (meta's Q.w.common), df = sum (k_g - 1) */
    double Q_within, Q_within_df, Q_within_pval;
} cmeta_subgroups;

/* group[i] in 0..ngroups-1 for study i; every subgroup must have at least one study
 * (CMETA_EUSAGE otherwise). *out is new: free with cmeta_subgroups_free. */
CMETA_EXPORT cmeta_status cmeta_subgroup(const cmeta_studies *s, const size_t *group,
                                         size_t ngroups, int tau_common,
                                         const cmeta_fit_opts *opts, cmeta_subgroups **out,
                                         cmeta_warnings *w, cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT void cmeta_subgroups_free(cmeta_subgroups *g);

#ifdef __cplusplus
}
#endif
#endif
