/* cmeta/risweep.h - the unknown pre-post correlation: a sweep over assumed values and the
 * range over per-study intervals (issue 16, item 5).
 *
 * Pre/post measures (MC, SMCC, SMCR, SMCRH, ROMC) need each study's correlation ri between
 * the baseline and follow-up measurements, which trials rarely report. Two analyses answer
 * "how much does the pooled result depend on it?":
 *
 *   cmeta_ri_sweep   every study without a known ri takes the same assumed value r, for each r
 *                    of a grid; yi/vi of all grid points come from one cmeta_escalc call over
 *                    the k x n stacked studies (in blocks of 2^16 studies when larger), then each grid point is fitted exactly as a
 *                    separate run with that ri (cmeta_fit_subset), so a sweep row equals
 *                    `cmeta pool --ri r` to the last digit.
 *   cmeta_ri_tipping where the conclusions change along the grid: the confidence interval
 *                    starts or stops including the null (0: every pre/post measure is on an
 *                    additive or log scale), and the estimate changes sign. Each change is
 *                    reported by the two grid points bracketing it and, optionally, a root
 *                    found by bisection on the continuous ri between them: the state (CI
 *                    excludes 0; sign of the estimate) is evaluated at the midpoint until the
 *                    bracket is narrower than tol; the root is the bracket's midpoint, so it is
 *                    within tol/2 of a point where the state changes. Where the state changes
 *                    more than once between two grid points (the grid cannot see it), one such
 *                    point is found.
 *   cmeta_ri_box     each study's ri varies over its own interval [ri_lb, ri_ub]: the smallest
 *                    and largest pooled estimate and p-value OVER THE CORNERS of the box
 *                    (every study at one end or the other), all 2^m corners when m <= 20
 *                    studies have a proper interval (lb < ub), in blocks fitted together by the
 *                    batched kernel. With m > 20 only 2 + 2m corners are evaluated (all at the
 *                    lower ends, all at the upper ends, and each study alone moved to its other
 *                    end from each of those) and `exhaustive` is 0.
 *                    What the corners give: with the fixed-effect model and a measure whose yi
 *                    does not depend on ri (MC, SMCR, SMCRH, ROMC: only vi does, linearly in
 *                    ri), the estimate sum(y/v)/sum(1/v) is monotone in each 1/v_i, hence in
 *                    each ri, and its extremes over the box ARE at corners. Otherwise (tau^2
 *                    re-estimated at each point by REML/DL/..., or SMCC whose yi depends on ri,
 *                    and always for the p-value) the extremes over the whole box need not be at
 *                    a corner: the corner values bound nothing and are reported as what they
 *                    are, the extremes over the corners.
 */
#ifndef CMETA_RISWEEP_H
#define CMETA_RISWEEP_H

#include <stdio.h>

#include "status.h"
#include "effect.h"
#include "model.h"
#include "plot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The pre/post studies. Arrays of length k (not owned), the inputs of cmeta_escalc for the
 * measure (for SMCR/SMCRH by the baseline SD: sd1i already the baseline SD, as cmeta/data.h
 * describes). ri[i] is the study's known correlation, NaN when it is not known (swept). */
typedef struct {
    cmeta_measure measure;            /* MC, SMCC, SMCR, SMCRH or ROMC (with measures: the
                                       * measure the fits are labelled by, e.g. the first row's) */
    const cmeta_escalc_opts *escalc;  /* NULL = defaults */
    size_t k;
    const double *m1i, *sd1i, *m2i, *sd2i, *ni, *ri;
    /* Mixed designs (a measure column, cmeta_data_load): NULL, or each study's measure, all on
     * one scale (cmeta_measure_scale). A study whose measure is pre/post is computed with its
     * own measure from m1i..ri as above; any other study (a two-group SMD, say) keeps yi[i],
     * vi[i], which do not depend on ri (its m1i..ri are not read; give ri[i] a number so that
     * it is not counted as swept). yi, vi: length k, needed with measures. */
    const cmeta_measure *measures;
    const double *yi, *vi;
} cmeta_ri_studies;

/* One fit of a sweep (metafor's names). */
typedef struct {
    double ri;
    double estimate, se, ci_lb, ci_ub, pval, tau2, I2;
} cmeta_ri_point;

/* Fit at every ri in grid[0..n-1] (each in [-1, 1]); out: n points (caller's array).
 * On a study whose sampling variance is not > 0 and finite at some r (e.g. ri = 1 with equal
 * SDs), CMETA_EDATA with err->index the study and the message naming r. Fit failures (no
 * convergence) return the fit's status. The fit options are those of a single run. */
CMETA_EXPORT cmeta_status cmeta_ri_sweep(const cmeta_ri_studies *s, const double *grid, size_t n,
                                         const cmeta_fit_opts *fo, cmeta_ri_point *out,
                                         cmeta_error *err) CMETA_RESULT_USED;

typedef enum {
    CMETA_TIP_CI_EXCLUDES_NULL = 0, /* as ri increases, the CI stops including 0 */
    CMETA_TIP_CI_INCLUDES_NULL = 1, /* as ri increases, the CI starts including 0 */
    CMETA_TIP_SIGN_CHANGE = 2       /* the estimate changes sign */
} cmeta_tip_kind;

typedef struct {
    cmeta_tip_kind kind;
    double ri_lo, ri_hi;  /* the grid points bracketing the change (equal when the estimate is
                           * exactly 0 at a grid point) */
    double root;          /* bisection root (see above); NAN when tol <= 0 or a fit failed */
    int to_positive;      /* sign change: 1 when the estimate becomes positive as ri increases */
} cmeta_ri_tip;

/* The "short" name of a kind: "ci_excludes_null", "ci_includes_null", "sign_change". */
CMETA_EXPORT const char *cmeta_tip_kind_name(cmeta_tip_kind k);

/* Tipping points of a sweep whose grid is strictly increasing (pts from cmeta_ri_sweep on
 * that grid), in increasing ri. *tips is a new array (free with cmeta_free; NULL when
 * *ntips = 0). tol > 0: bisection to that width in ri. */
CMETA_EXPORT cmeta_status cmeta_ri_tipping(const cmeta_ri_studies *s, const cmeta_ri_point *pts,
                                           size_t n, const cmeta_fit_opts *fo, double tol,
                                           cmeta_ri_tip **tips, size_t *ntips,
                                           cmeta_error *err) CMETA_RESULT_USED;

typedef struct {
    double estimate_min, estimate_max, pval_min, pval_max;
    double corners;   /* corners evaluated (2^m, or 2 + 2m when m > 20) */
    size_t m;         /* studies whose interval is proper (lb < ub) */
    int exhaustive;   /* 1: every corner of the box was evaluated */
} cmeta_ri_box;

/* The extremes over the corners (see above). lb, ub: length k, each study's interval (lb =
 * ub fixes it; -1 <= lb <= ub <= 1). The studies' own ri is not read. CMETA_EDATA (err->index
 * the study) when a corner makes a sampling variance <= 0. */
CMETA_EXPORT cmeta_status cmeta_ri_box_eval(const cmeta_ri_studies *s, const double *lb,
                                            const double *ub, const cmeta_fit_opts *fo,
                                            cmeta_ri_box *out, cmeta_error *err) CMETA_RESULT_USED;

/* ---- report (report layer: src/lib/report_risweep.c) ---------------------------------------- */

/* What cmeta_report_ri writes: the sweep (n points, may be 0), its tipping points and the box
 * (NULL: none). Numbers are on the measure's own scale (ROMC: the log ratio). */
typedef struct {
    cmeta_measure measure;
    size_t k, k_swept;              /* studies; studies without a known ri (swept) */
    const char *smcr_sd;            /* "followup"/"baseline" for SMCR/SMCRH, else NULL */
    const cmeta_fit_opts *fo;
    const cmeta_ri_point *pts;
    size_t n;
    const cmeta_ri_tip *tips;
    size_t ntips;
    double tol;                     /* bisection width (0: no roots) */
    const cmeta_ri_box *box;
    size_t k_box_fixed_swept;       /* box: studies without ri and interval, at the sweep's ends */
    double box_lo, box_hi;          /* ... that interval */
    const char *designs;            /* mixed designs: the mix (cmeta_data_mix), named in place of
                                     * the measure; NULL otherwise */
} cmeta_ri_report;

/* Text (tables as metafor prints numbers), JSON (keys ri_sweep, tipping_points, ri_box) or CSV
 * (the sweep's rows). fmt: a cmeta_report_format. */
CMETA_EXPORT cmeta_status cmeta_report_ri(FILE *fp, int fmt, const cmeta_ri_report *r,
                                          const cmeta_warnings *w) CMETA_RESULT_USED;

/* The plot of the sweep: estimate and CI band against ri, the null dashed, tipping roots
 * dotted (plots layer: src/lib/plot_risweep.c; render with cmeta_plot_render). *out: free with
 * cmeta_plot_free. */
CMETA_EXPORT cmeta_status cmeta_ri_plot_layout(const cmeta_ri_report *r, cmeta_text_measure_fn measure,
                                               void *ctx, cmeta_plot *out, cmeta_error *err) CMETA_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
