/* cmeta/diagplot.h - the quantities of the diagnostic plots reviewers ask for, defined as
 * metafor 3.8 draws them, and their layouts:
 *   Baujat plot   (baujat.rma; Baujat et al. 2002, Stat Med 21:2641)
 *   radial plot   (radial.rma; Galbraith 1988, Stat Med 7:889)
 *   normal Q-Q    (qqnorm.rma.uni, standardized residuals; no simulated envelope)
 *   L'Abbe plot   (labbe.rma; L'Abbe, Detsky & O'Rourke 1987, Ann Intern Med 107:224)
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

/* Lay out the plot of dd: a scatter panel with both axes; BAUJAT labels each point with its
 * study label (labels: length dd->k, NULL for 1, 2, ...); RADIAL draws the grey band, the
 * solid line through the origin and the dotted band edges; QQ the line y = x; LABBE grey
 * circles sized by size[], the solid line y = x and the dashed line y = x + estimate.
 * *out is filled; free with cmeta_plot_free. */
CMETA_EXPORT cmeta_status cmeta_diagplot_layout(const cmeta_diagplot_data *dd, const char *const *labels,
                                                cmeta_text_measure_fn measure, void *measure_ctx,
                                                cmeta_plot *out, cmeta_error *err) CMETA_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
