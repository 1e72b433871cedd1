/* cmeta/diagplot.h - the quantities of the diagnostic plots reviewers ask for, defined as
 * metafor 3.8 draws them, and their layouts:
 *   Baujat plot   (baujat.rma; Baujat et al. 2002, Stat Med 21:2641)
 *   radial plot   (radial.rma; Galbraith 1988, Stat Med 7:889)
 *   normal Q-Q    (qqnorm.rma.uni, standardized residuals, with its simulated envelope)
 *   L'Abbe plot   (labbe.rma; L'Abbe, Detsky & O'Rourke 1987, Ann Intern Med 107:224)
 *   drapery plot  (p-value functions; Ruecker & Schwarzer 2021, Res Synth Methods 12:1; the
 *                  meta package's drapery(type = "pvalue"): metafor 3.8 has no drapery())
 *   bubble plot   (regplot.rma: meta-regression on one moderator)
 * Quantities: src/lib/diagplot.c (formulas beside the code); layouts: src/lib/plot_diag.c.
 */
#ifndef CMETA_DIAGPLOT_H
#define CMETA_DIAGPLOT_H

#include "status.h"
#include "model.h"
#include "derive.h"
#include "plot.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { CMETA_DIAG_BAUJAT, CMETA_DIAG_RADIAL, CMETA_DIAG_QQ, CMETA_DIAG_LABBE } cmeta_diagplot_kind;

/* Per study (input order, arrays of length k) the point drawn, x[i], y[i]; NAN where it
 * could not be computed (Baujat: the model without study i failed).
 *   BAUJAT: x = (yi - mu)^2 / (vi + tau2), y = (mu(-i) - mu)^2 / Var(mu(-i))
 *   RADIAL: x = 1 / sqrt(vi + tau2), y = yi / sqrt(vi + tau2); the line y = estimate * x and
 *           the band y = estimate * x +- zcrit (zcrit = the normal quantile of level)
 *   QQ:     x = qnorm(ppoints(k))[rank of y], y = standardized residual (rstandard)
 *   LABBE:  x = the control arm's (ci, di) event rate, y = the treatment arm's (ai, bi), each on
 *           the measure's scale (RR: log p, OR: logit p, RD: p, AS: asin sqrt p; escalc's PLN,
 *           PLO, PR, PAS with the data's add/to), size[i] the point size (metafor's cex), and
 *           the line y = x + estimate over line_lo <= x <= line_hi */
typedef struct {
    cmeta_diagplot_kind kind;
    size_t k;
    double *x, *y;
    double *size;                  /* LABBE only (else NULL) */
    double line_lo, line_hi;       /* LABBE only */
    double estimate, tau2, zcrit;  /* of the full model (RADIAL uses all three) */
    int fixed;                     /* 1: the model has no tau^2 (FE, MH, Peto) */
    cmeta_measure measure;         /* of the studies */
    /* QQ only, filled by cmeta_diagplot_qq_envelope (else NULL): the pseudo confidence
     * envelope at rank j = 0..k-1, x env_x[j] = qnorm(ppoints(k))[j], bounds env_lb[j],
     * env_ub[j]; env_reps replicates from env_seed */
    double *env_x, *env_lb, *env_ub;
    size_t env_reps;
    unsigned long env_seed;
} cmeta_diagplot_data;

/* The quantities of plot `kind` for the model fit (fitted by cmeta_fit_subset(s, all, k,
 * opts), intercept only) of the k >= 2 studies s. QQ refuses MH and Peto fits, LABBE measures
 * other than RR, OR, RD and AS (CMETA_EUSAGE).
 * *out is filled; free with cmeta_diagplot_data_free. */
CMETA_EXPORT cmeta_status cmeta_diagplot_compute(cmeta_diagplot_kind kind, const cmeta_studies *s,
                                                 const cmeta_fit_opts *opts, const cmeta_fit *fit,
                                                 cmeta_diagplot_data *out, cmeta_warnings *w,
                                                 cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT void cmeta_diagplot_data_free(cmeta_diagplot_data *d);

/* The simulated pseudo confidence envelope of metafor's qqnorm.rma.uni (envelope = TRUE,
 * bonferroni = FALSE) for the QQ data dd of the studies s: reps vectors z ~ N(0, I_k), each
 * e = (I - H) z with H the hat matrix of the fit (intercept only: H_ij = w_j / sum w, w_j =
 * 1/(v_j + tau2)), sorted; env_lb[j] and env_ub[j] are the quantiles alpha/2 and 1 - alpha/2
 * (R's type 7; alpha = 1 - level/100) of the j-th smallest over the replicates. metafor then
 * smooths each bound with supsmu (smooth = TRUE): cmeta does not (the bounds are drawn as
 * computed). The normal draws come from GSL's MT19937 seeded with seed (Ziggurat), so they
 * cannot be R's: the same seed gives the same envelope in cmeta only. reps >= 2. */
CMETA_EXPORT cmeta_status cmeta_diagplot_qq_envelope(cmeta_diagplot_data *dd, const cmeta_studies *s,
                                                     size_t reps, unsigned long seed, double level,
                                                     cmeta_error *err) CMETA_RESULT_USED;

/* Drapery plot (Ruecker G, Schwarzer G. Beyond the forest plot: the drapery plot. Res Synth
 * Methods 2021;12:13-19; the meta package's drapery(type = "pvalue")): two-sided p-value
 * functions over a grid theta[0..n-1] (increasing), n = ngrid evenly spaced points from
 * min(yi - z sei) to max(yi + z sei) (z the normal quantile of level, meta's xlim: the
 * studies' Wald CIs) plus every yi and the pooled estimate, sorted:
 *   study i:    p[i * n + j] = 2 (1 - Phi(|yi - theta_j| / sei))
 *   pooled:     pooled[j] = 2 P(T > |mu - theta_j| / se(mu)), T ~ N(0, 1) under test z,
 *               t_df under test t and knha (se(mu) the fit's, with the Knapp-Hartung factor),
 *               i.e. the fit's own test of mu = theta_j;
 *   prediction: pred[j] = 2 P(T > |mu - theta_j| / sqrt(se(mu)^2 + tau2)), random-effects
 *               models only (NULL for FE, MH, Peto): it crosses alpha = 1 - level/100 at the
 *               fit's prediction interval (metafor's predict: mu -+ crit sqrt(se^2 + tau2)).
 * meta draws the prediction region from its own interval; here it comes from metafor's. */
typedef struct {
    size_t k, n;
    double *theta;       /* n */
    double *p;           /* k * n, row i = study i (input order) */
    double *pooled;      /* n */
    double *pred;        /* n, or NULL */
    double *yi, *sei;    /* k: the studies (copies) */
    double estimate, se, df, tau2, level; /* of the fit; df NAN under test z */
    int fixed;           /* 1: FE, MH or Peto (no tau^2, no prediction) */
    cmeta_measure measure;
} cmeta_drapery_data;

CMETA_EXPORT cmeta_status cmeta_drapery_compute(const cmeta_studies *s, const cmeta_fit_opts *opts,
                                                const cmeta_fit *fit, size_t ngrid, cmeta_drapery_data *out,
                                                cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT void cmeta_drapery_data_free(cmeta_drapery_data *d);

/* Bubble plot of a meta-regression (metafor regplot.rma, defaults pred = TRUE, ci = TRUE,
 * pi = FALSE): the n studies at (x_i = moderator mod, y_i) with point sizes psize_i =
 * sqrt(w_i) scaled linearly to plim = (0.5, 3) over [min, max] (all 1 when the range is <=
 * sqrt(DBL_EPSILON)), w_i the fit's weights; the fitted line pred(x) = x_new' b over npred
 * evenly spaced x from min - 4% to max + 4% of the moderator's range (regplot's predlim),
 * x_new the column means of the design with moderator mod set to x (regplot: other
 * moderators at their means), and metafor's predict() bands: ci = pred -+ crit se(x),
 * se(x)^2 = x_new' Vb x_new, pi = pred -+ crit sqrt(se(x)^2 + tau2), crit the normal (test z)
 * or t_df (t, knha) quantile of level. */
typedef struct {
    size_t k, npred;
    double *x, *y, *psize;                         /* k */
    double *xs, *pred, *ci_lb, *ci_ub, *pi_lb, *pi_ub; /* npred */
    cmeta_measure measure;
    int fixed;                                     /* no tau^2: pi = ci */
} cmeta_regplot_data;

/* For the fit of yi, vi on the n x q moderators X (row-major, as cmeta_rma; intercept as in
 * the fit: fit->p = q + intercept), moderator column mod (0-based in X). */
CMETA_EXPORT cmeta_status cmeta_regplot_compute(const double *yi, const double *vi, size_t n, const double *X,
                                                size_t q, int intercept, const cmeta_fit *fit, size_t mod,
                                                size_t npred, cmeta_measure measure, cmeta_regplot_data *out,
                                                cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT void cmeta_regplot_data_free(cmeta_regplot_data *d);

/* Lay out the plot of dd: a scatter panel with both axes; BAUJAT labels each point with its
 * study label (labels: length dd->k, NULL for 1, 2, ...); RADIAL draws the grey band, the
 * solid line through the origin and the dotted band edges; QQ the line y = x; LABBE grey
 * circles sized by size[], the solid line y = x and the dashed line y = x + estimate.
 * *out is filled; free with cmeta_plot_free. */
CMETA_EXPORT cmeta_status cmeta_diagplot_layout(const cmeta_diagplot_data *dd, const char *const *labels,
                                                cmeta_text_measure_fn measure, void *measure_ctx,
                                                cmeta_plot *out, cmeta_error *err) CMETA_RESULT_USED;

/* Figure controls of these plots: title (bold, above the panel; NULL none), xlab and ylab
 * (axis titles; NULL: the plot's own). */
typedef struct {
    const char *title, *xlab, *ylab;
} cmeta_diagplot_opts;

/* cmeta_diagplot_layout with figure controls o (NULL: none). QQ with an envelope (env_x set)
 * draws its bounds as dotted lines. */
CMETA_EXPORT cmeta_status cmeta_diagplot_layout_opts(const cmeta_diagplot_data *dd, const char *const *labels,
                                                     const cmeta_diagplot_opts *o, cmeta_text_measure_fn measure,
                                                     void *measure_ctx, cmeta_plot *out,
                                                     cmeta_error *err) CMETA_RESULT_USED;

/* Drapery plot: the p-value curves of the studies (grey, darker for more precise studies, as
 * meta's layout = "grayscale"), the pooled curve (thick), the prediction region (light grey,
 * under the prediction curve), the line at p = alpha labelled "p = 0.05" and "95% CI", the
 * null effect line, a legend; x on the measure's scale (ratios: log axis labelled with
 * ratios), y the p-value 0..1 (left) and the confidence level 1 - p (right). */
CMETA_EXPORT cmeta_status cmeta_drapery_layout(const cmeta_drapery_data *dd, const cmeta_diagplot_opts *o,
                                               cmeta_text_measure_fn measure, void *measure_ctx,
                                               cmeta_plot *out, cmeta_error *err) CMETA_RESULT_USED;

/* Bubble plot: grey circles (radius 2.5 pt x psize, largest first), the fitted line (thick),
 * the confidence band (grey, dashed edges) and, with show_pi, the prediction band (lighter,
 * dotted edges). xlab default "Moderator", ylab the measure's scale. */
CMETA_EXPORT cmeta_status cmeta_regplot_layout(const cmeta_regplot_data *rd, const char *xname, int show_pi,
                                               const cmeta_diagplot_opts *o, cmeta_text_measure_fn measure,
                                               void *measure_ctx, cmeta_plot *out,
                                               cmeta_error *err) CMETA_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
