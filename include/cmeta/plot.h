/* cmeta/plot.h - forest and funnel plots: layout apart from drawing.
 *
 * A plot is a flat list of primitives (text, lines, polygons, rectangles, circles, arrow
 * heads) in page coordinates: points (1/72 inch), origin at the top left, y growing
 * downwards. The layout functions (src/lib/plot_forest.c, src/lib/plot_funnel.c) decide
 * every position, text and size, and know nothing of the drawing library; they measure
 * text through a caller-supplied callback, so that columns can be sized to their widest
 * text and no two texts overlap whatever the labels (long labels are never cut: the column
 * widens). src/lib/plot_cairo.c draws a plot to SVG, PNG or PDF through one cairo drawing
 * function, and supplies the measuring callback (cairo text extents, "DejaVu Sans").
 *
 * Every primitive carries a role and an index (the study, subgroup or tick it belongs to),
 * so that tests and other renderers can find "the square of study 3" or "the tick labels".
 */
#ifndef CMETA_PLOT_H
#define CMETA_PLOT_H

#include <stdio.h>
#include "status.h"
#include "effect.h"
#include "data.h"
#include "model.h"
#include "resample.h"
#include "bayes.h"
#include "derive.h"
#include "mv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CMETA_PRIM_TEXT,    /* text at (x, y) = anchor point on the baseline */
    CMETA_PRIM_LINE,    /* from (x, y) to (x2, y2) */
    CMETA_PRIM_POLYGON, /* closed polygon px/py[0..np-1] (diamonds, funnel regions) */
    CMETA_PRIM_RECT,    /* rectangle x, y (top left), w, h */
    CMETA_PRIM_CIRCLE,  /* circle centred at (x, y), radius w */
    CMETA_PRIM_ARROW    /* filled arrow head with its tip at (x, y), pointing away from (x2, y2) */
} cmeta_prim_kind;

/* What a primitive shows (for tests and for renderers that want to style by meaning). */
typedef enum {
    CMETA_ROLE_OTHER,
    CMETA_ROLE_HEADING,     /* column headings */
    CMETA_ROLE_LABEL,       /* study label (index = study) */
    CMETA_ROLE_DATA,        /* events / totals / means ... (index = study, -1 for totals) */
    CMETA_ROLE_EFFECT,      /* "estimate [lb, ub]" text (index = study; -1 overall; -2-g subgroup g) */
    CMETA_ROLE_WEIGHT,      /* weight text "12.3%" (index as EFFECT) */
    CMETA_ROLE_SQUARE,      /* weight square (index = study) */
    CMETA_ROLE_CI,          /* confidence interval line (index = study) */
    CMETA_ROLE_CI_ARROW,    /* arrow head where a CI is cut by the axis (index = study) */
    CMETA_ROLE_DIAMOND,     /* summary diamond (index -1 overall, g >= 0 subgroup g) */
    CMETA_ROLE_PRED,        /* prediction interval line / end bars (index as DIAMOND) */
    CMETA_ROLE_SUMMARY,     /* summary label ("RE Model", "Total (95% CI)", "Subtotal") */
    CMETA_ROLE_GROUP,       /* subgroup heading (index = subgroup) */
    CMETA_ROLE_STATS,       /* heterogeneity / test lines */
    CMETA_ROLE_REFLINE,     /* line at the null effect */
    CMETA_ROLE_AXIS,        /* axis line */
    CMETA_ROLE_TICK,        /* tick mark (value = position on the yi scale; funnel y axis:
                               index < 0 and value = standard error) */
    CMETA_ROLE_TICKLABEL,   /* tick label (value = position on the yi scale) */
    CMETA_ROLE_AXISTITLE,   /* axis title */
    CMETA_ROLE_FAVOURS,     /* "Favours ..." (index 0 left, 1 right) */
    CMETA_ROLE_POINT,       /* funnel: a study (index = study) */
    CMETA_ROLE_FILLED,      /* funnel: a filled (trim-and-fill) study, open circle */
    CMETA_ROLE_REGION,      /* funnel: pseudo-confidence or contour region */
    CMETA_ROLE_ESTLINE,     /* funnel: summary line */
    CMETA_ROLE_LEGEND,      /* funnel, GOSH: legend keys and texts */
    CMETA_ROLE_CELL,        /* GOSH: a grid cell (index = iy * nx + ix, value = its count) */
    CMETA_ROLE_HIST,        /* GOSH: marginal histogram bar (index j >= 0: estimate bar j;
                               index -1 - j: I^2 bar j; value = its count) */
    CMETA_ROLE_TITLE,       /* the plot's title (forest, funnel: opts title) */
    CMETA_ROLE_ROB          /* forest: risk-of-bias circle and its symbol (index = study, value =
                               domain j, 0-based; the overall column is j = rob_ndomains); the
                               legend's keys and texts are CMETA_ROLE_LEGEND */
} cmeta_prim_role;

typedef enum { CMETA_ANCHOR_LEFT, CMETA_ANCHOR_CENTER, CMETA_ANCHOR_RIGHT } cmeta_anchor;

#define CMETA_PLOT_MAXPTS 8

/* Colours are grey levels: 0 black, 1 white; a negative value means "none". */
typedef struct {
    cmeta_prim_kind kind;
    cmeta_prim_role role;
    long index;
    double value;              /* ticks: position on the yi scale; else NAN */
    double x, y, x2, y2, w, h;
    double px[CMETA_PLOT_MAXPTS], py[CMETA_PLOT_MAXPTS];
    size_t np;
    double fill, stroke;       /* grey levels, < 0 none */
    double line_width;
    int dashed;                /* 1 dashed, 2 dotted */
    /* text */
    char *text;                /* UTF-8, owned by the plot */
    double size;               /* font size in points */
    int bold;
    cmeta_anchor anchor;
    double tw, ascent, descent;/* measured width and font ascent/descent */
    unsigned long fill_rgb;    /* 0: fill is the grey level above; else CMETA_RGB(0xRRGGBB), a
                                  colour fill (risk-of-bias circles) */
} cmeta_prim;

#define CMETA_RGB(hex) (0x1000000UL | (unsigned long)(hex))

/* A laid-out plot. Owned by the caller of the layout function: free with cmeta_plot_free. */
typedef struct {
    double width, height;      /* page size in points */
    size_t n, cap;
    cmeta_prim *prim;
    /* the x axis: page x = ax0 + (v - lo) / (hi - lo) * (ax1 - ax0) for v on the yi scale */
    double ax0, ax1, lo, hi;
    int log_scale;             /* ticks are labelled with exp(v) (transf == CMETA_TRANS_EXP) */
    /* the numbers shown (tick labels, estimates) are the back-transformation of positions:
     * cmeta_back_transform(transf, v, transf_n); transf_n is the harmonic mean of the ni
     * (inverse Freeman-Tukey), else NAN. See cmeta_plot_shown. */
    cmeta_transform_kind transf;
    double transf_n;
    /* funnel only: page y = ay0 + se / se_max * (ay1 - ay0) */
    double ay0, ay1, se_max;
    /* GOSH only: page y = ay0 + (v - ylo) / (yhi - ylo) * (ay1 - ay0) for I^2 = v (%);
     * ay0 is the bottom of the panel (I^2 = ylo), ay1 its top. See cmeta_plot_ypos. */
    double ylo, yhi;
} cmeta_plot;

CMETA_EXPORT void cmeta_plot_free(cmeta_plot *p);
/* The box of a text primitive: left, top, right, bottom in page coordinates. */
CMETA_EXPORT void cmeta_prim_text_box(const cmeta_prim *t, double box[4]);
/* Page x of a value on the yi scale. */
CMETA_EXPORT double cmeta_plot_xpos(const cmeta_plot *p, double v);
/* The number shown for position v of the x axis: v back-transformed as the plot's labels
 * are (exp, inverse logit, sin^2, inverse Freeman-Tukey, tanh; v itself otherwise). */
CMETA_EXPORT double cmeta_plot_shown(const cmeta_plot *p, double v);

/* GOSH plot: page y of I^2 = v (%). */
CMETA_EXPORT double cmeta_plot_ypos(const cmeta_plot *p, double v);

/* Text measuring callback: width of text (UTF-8) at size points, and the font's ascent and
 * descent (the same for every text of that size, so rows line up). */
typedef struct {
    double width, ascent, descent;
} cmeta_text_extent;
typedef void (*cmeta_text_measure_fn)(void *ctx, const char *text, double size, int bold,
                                      cmeta_text_extent *ext);

/* ---- forest plot ------------------------------------------------------------------- */

typedef enum {
    CMETA_FOREST_METAFOR, /* Study | data | plot | Weight | estimate [CI] (as metafor forest) */
    CMETA_FOREST_REVMAN5  /* Study | Experimental | Control | Weight | "IV, Random (REML), 95% CI" | plot */
} cmeta_forest_layout_kind;

/* Risk-of-bias judgements (issue 17 item 4) and the tools whose domains the legend names. */
typedef enum {
    CMETA_ROB_NONE = 0,     /* empty cell: not assessed, no circle */
    CMETA_ROB_LOW,          /* low ("Low"; ROBINS-I "Low") */
    CMETA_ROB_SOME,         /* some concerns (RoB 2); moderate (ROBINS-I) */
    CMETA_ROB_HIGH,         /* high (RoB 2); serious (ROBINS-I) */
    CMETA_ROB_CRITICAL,     /* critical (ROBINS-I only) */
    CMETA_ROB_UNCLEAR       /* unclear / no information */
} cmeta_rob_judgement;

typedef enum { CMETA_ROB_TOOL_ROB2, CMETA_ROB_TOOL_ROBINS_I, CMETA_ROB_TOOL_ROBINS_I_V2 } cmeta_rob_tool;

/* A cell's judgement, case-insensitive, surrounding blanks ignored: "low", "+" -> LOW;
 * "some concerns", "some", "moderate" -> SOME; "high", "serious", "x" -> HIGH; "critical",
 * "!" -> CRITICAL; "unclear", "no information", "ni", "?" -> UNCLEAR; "" -> NONE. "-" is
 * refused (it is high risk in RevMan 5 but some concerns in robvis), as is anything else and
 * "critical" under RoB 2: CMETA_EDATA with the accepted words in err. */
CMETA_EXPORT cmeta_status cmeta_rob_parse(const char *cell, cmeta_rob_tool tool, cmeta_rob_judgement *out,
                                          cmeta_error *err) CMETA_RESULT_USED;
/* Number of domains of a tool (5 RoB 2, 7 ROBINS-I, 6 ROBINS-I V2) and the name of domain
 * j (0-based), e.g. "Bias arising from the randomization process"; NULL out of range. */
CMETA_EXPORT size_t cmeta_rob_ndomains(cmeta_rob_tool tool);
CMETA_EXPORT const char *cmeta_rob_domain_name(cmeta_rob_tool tool, size_t j);
/* The word a judgement is called by a tool ("Some concerns" for RoB 2, "Moderate" for
 * ROBINS-I), the symbol drawn in its circle and its fill colour 0xRRGGBB (robvis). */
CMETA_EXPORT const char *cmeta_rob_word(cmeta_rob_tool tool, cmeta_rob_judgement j);
CMETA_EXPORT const char *cmeta_rob_symbol(cmeta_rob_judgement j);
CMETA_EXPORT unsigned long cmeta_rob_colour(cmeta_rob_judgement j);

/* Risk-of-bias summary (robvis's rob_summary(weighted = TRUE), RevMan's "risk of bias graph"):
 * one horizontal bar per domain (and "Overall" when overall), split into the share of the
 * weight w[i] (e.g. the studies' weights in the pooled model) of the studies judged low, some
 * concerns, high, critical, unclear, left to right; studies not assessed in a domain (NONE) are
 * left out of its bar. rob as in cmeta_forest_opts (k studies, nd + 1 per study). Writes the
 * shares (percent, summing to 100 per bar with any study assessed) to pct[(nd + 1) * 6] when not
 * NULL: pct[j * 6 + judgement]. Bars: CMETA_PRIM_RECT, role CMETA_ROLE_ROB, index = domain j,
 * value = the share (percent), fill_rgb the judgement's colour; domain names CMETA_ROLE_LABEL
 * (index j); 0-100% axis CMETA_ROLE_TICK / TICKLABEL; keys CMETA_ROLE_LEGEND. */
CMETA_EXPORT cmeta_status cmeta_rob_summary_layout(const cmeta_rob_judgement *rob, size_t k, size_t nd, int overall,
                                                   const double *w, cmeta_rob_tool tool, double *pct,
                                                   cmeta_text_measure_fn measure, void *measure_ctx, cmeta_plot *out,
                                                   cmeta_error *err) CMETA_RESULT_USED;

typedef struct {
    cmeta_forest_layout_kind layout;  /* default METAFOR */
    double font_size;                 /* default 10 */
    double plot_width;                /* width of the plot column, default 220 */
    int digits;                       /* decimals of estimates, default 2 */
    int show_data;                    /* data columns when the data has them (default 1) */
    int show_weights;                 /* default 1 */
    int show_pred;                    /* prediction interval under random effects: -1 auto
                                         (metafor layout yes, revman5 no), 0, 1 */
    int random;                       /* -1 auto (from fit->method: FE, MH, PETO are fixed), 0, 1 */
    const char *favours_left;         /* NULL: "Favours treatment" for two-group measures */
    const char *favours_right;        /* NULL: "Favours control" for two-group measures */
    const char *group1, *group2;      /* data column group names, default "Experimental", "Control" */
    int revman_exact;                 /* revman5 layout: 0 (default) the method heading names the
                                         tau^2 estimator and a test other than z ("IV, Random
                                         (REML), 95% CI", "M-H, Random (DL), ..."); 1 (the caller
                                         reproduces RevMan 5's numbers, --preset revman5) RevMan's
                                         own "IV, Random, 95% CI" when the fit is one RevMan 5 makes
                                         (FE, DL, MH, Peto; z test), else named as with 0 */
    /* issue 17 (cmeta_forest_opts_default sets them; NULL / NAN / 0 mean "as before") */
    const char *title;                /* bold line above the headings; NULL none */
    const char *xlab;                 /* axis title; NULL: the measure's name (metafor layout;
                                         the revman5 layout has none unless given) */
    double xlim_lo, xlim_hi;          /* axis limits on the scale shown (ratios, proportions,
                                         correlations: as the tick labels read); NAN: chosen from
                                         the data. Intervals reaching beyond end in arrow heads */
    const double *at;                 /* nat tick positions on the scale shown (NULL: automatic);
                                         without xlim the axis spans them (as metafor's at) */
    size_t nat;
    int show_test;                    /* the "Test for overall effect" lines (overall and per
                                         subgroup); default 1 */
    const size_t *order;              /* the studies top to bottom: a permutation of 0..k-1
                                         (with subgroups, each group's studies in this order);
                                         NULL: data order */
    int show_effect;                  /* the "estimate [CI]" column; default 1 */
    /* extra text columns after the study label (--annotate COL): nannot headings, and
     * annot[c][i] the text of column c for study i (NULL or "" empty) */
    size_t nannot;
    const char *const *annot_head;
    const char *const *const *annot;
    /* leave-one-out or cumulative forest plot (as metafor's forest() of leave1out()/cumul()
     * results): derived = 1 (leave-one-out) or 2 (cumulative) draws one row per derived fit,
     * rows[i] labelled row_labels[i] ("omitted" / "added" study), its estimate and CI (on the
     * yi scale, shown back-transformed as the studies are) as a square of fixed size and a
     * line; no data or weight columns. Leave-one-out adds the full fit's diamond (the d, fit
     * given) and its heterogeneity line; cumulative ends with its last row (all studies).
     * nderived rows; 0 (default) for the usual plot. order and annot are not used. */
    int derived;
    const cmeta_summary *rows;
    const char *const *row_labels;
    size_t nderived;
    /* risk of bias (issue 17 item 4): rob_ndomains (= cmeta_rob_ndomains(rob_tool)) columns
     * D1..Dn, and "Overall" when rob_overall, of coloured circles (traffic lights as RevMan 5
     * and robvis) right of the table (metafor layout: after the estimate column; revman5: after
     * the plot, as RevMan), with a legend naming the domains and the judgements under the plot.
     * rob[i * (rob_ndomains + 1) + j] is study i's judgement in domain j (j = rob_ndomains:
     * overall); 0 domains (default) draws none; derived rows have none. */
    size_t rob_ndomains;
    int rob_overall;
    const cmeta_rob_judgement *rob;
    cmeta_rob_tool rob_tool;
} cmeta_forest_opts;

CMETA_EXPORT void cmeta_forest_opts_default(cmeta_forest_opts *o);

/* Subgroups for the forest plot. Each group lists its studies (indices into the data) and
 * its own fit; the test for subgroup differences is given as Q_between on Q_between_df df. */
typedef struct {
    const char *name;
    size_t n;
    const size_t *idx;
    const cmeta_fit *fit;
} cmeta_forest_group;

typedef struct {
    size_t ngroups;
    const cmeta_forest_group *group;
    double Q_between, Q_between_df, Q_between_pval;
} cmeta_forest_subgroups;

/* Lay out a forest plot of data d with the overall fit (an intercept-only model of the
 * same k studies; its weight[] sizes the squares: side proportional to sqrt(weight), so
 * that the areas are proportional to the weights) and optional subgroups (NULL for
 * none). Transformed measures are drawn on their own scale (yi) and labelled on the
 * back-transformed one (cmeta_measure_transform), as metafor's forest(..., transf=):
 * ratio measures (CMETA_TRANS_EXP) on a log scale with round ratios as ticks; PLO, PAS,
 * PFT (proportions) and ZCOR (correlation) with round proportions / correlations as ticks,
 * placed at their transformed positions (logit(p), asin(sqrt(p)), Freeman-Tukey with the
 * harmonic mean of the ni, atanh(r)), and every estimate and interval printed
 * back-transformed under the heading "Proportion [95% CI]" / "Correlation [95% CI]".
 * Ticks near 0 and 1 (or -1 and 1) of the logit and atanh scales follow 1-2-5 steps
 * (0.01, 0.02, 0.05, 0.1, ...), since 0 and 1 themselves lie at infinity there.
 * The x axis is chosen to cover every estimate, the summary interval and the prediction
 * interval; it covers study intervals too unless they are far wider than the rest, in which
 * case the interval is cut at the axis and ends in an arrow head.
 * "Favours" labels (two-group measures only): left of the null effect lies a lower value
 * in group 1 (the treatment; e.g. RR < 1, MD < 0), labelled "Favours treatment", which
 * assumes the outcome is undesirable (events, symptom scores) as RevMan's default does;
 * set favours_left/favours_right for desirable outcomes.
 * *out is filled; free with cmeta_plot_free. */
CMETA_EXPORT cmeta_status cmeta_forest_layout(const cmeta_data *d, const cmeta_fit *fit,
                                              const cmeta_forest_subgroups *sub,
                                              const cmeta_forest_opts *o,
                                              cmeta_text_measure_fn measure, void *measure_ctx,
                                              cmeta_plot *out, cmeta_error *err) CMETA_RESULT_USED;

/* ---- forest plot of a multilevel model (src/lib/plot_mv.c) ------------------------- */

/* The rows of a cmeta_mv fit grouped for the plot: group[i] (0 .. ngroups - 1) is row i's
 * level of the outer factor (the first --random factor), group_name[g] that level's name
 * (the bold header row); label[i] row i's label, drawn indented under its header (ngroups 0:
 * no header rows, the rows in data order, not indented; group may be NULL). coef (p
 * names) labels the diamonds of a cell-means model; comp (s names) the variance components
 * in the statistics line; note (NULL none) an extra line under them (e.g. the assumed
 * correlation of the sampling errors). X: the fit's k x p design (row-major), needed when
 * p > 1. label_heading: the label column's heading (NULL: "Study"). */
typedef struct {
    size_t ngroups;
    const char *const *group_name;
    const size_t *group;
    const char *const *label;
    const char *label_heading;
    const char *const *coef;
    const char *const *comp;
    const double *X;
    const char *note;
} cmeta_mv_forest;

/* Lay out the forest plot of a multilevel / multivariate fit (metafor's forest() of an rma.mv
 * fit, with the rows grouped): under a bold header per level of the outer factor, that
 * level's effect sizes (in data order), indented, each with its Wald CI yi -+ z sqrt(vi)
 * and a square of area proportional to its weight fit->weight[i] (metafor's weights.rma.mv:
 * diag(M^-1) normalised to 100 %); then the fit's diamond:
 *   - intercept-only model (p = 1 with an intercept): one diamond "RE Model" with the
 *     estimate, its CI and the prediction interval pred -+ crit sqrt(se^2 + sum sigma2)
 *     (cmeta_mv_predict; dotted extension with end bars, as the forest plot's);
 *   - a cell-means model (no intercept and every row of X a unit vector: one coefficient per
 *     level of a factor, --mods F --no-intercept): one diamond per coefficient, labelled by
 *     coef[j], with its CI and prediction interval (x = e_j);
 *   - any other model with moderators is refused (CMETA_EUSAGE): its coefficients are
 *     contrasts or slopes, not pooled effects, and no single diamond describes it.
 * Statistics lines: the variance components with their multilevel I^2 and the Q test for
 * (residual) heterogeneity; the test of the overall effect (z or t) or, for a cell-means
 * model, of the coefficients (QM); the note. The options are the forest plot's (metafor
 * layout only; title, xlab, xlim, at, digits, font size, plot width, show_test; data columns
 * shown when d has them). d holds the k rows of the fit (yi, vi, the measure). Primitives as
 * cmeta_forest_layout: CMETA_ROLE_GROUP (index g) for the headers, LABEL / SQUARE / CI
 * (index = row i of d), DIAMOND / PRED / SUMMARY (index -1 for the single diamond, j for
 * coefficient j). *out: free with cmeta_plot_free. */
CMETA_EXPORT cmeta_status cmeta_mv_forest_layout(const cmeta_data *d, const cmeta_mv_fit *fit,
                                                 const cmeta_mv_forest *mf, const cmeta_forest_opts *o,
                                                 cmeta_text_measure_fn measure, void *measure_ctx,
                                                 cmeta_plot *out, cmeta_error *err) CMETA_RESULT_USED;

/* ---- funnel plot ------------------------------------------------------------------- */

typedef struct {
    double font_size;       /* default 10 */
    double width, height;   /* plotting region, default 300 x 260 */
    int contours;           /* contour-enhanced (Peters et al. 2008): regions p > .10, .05-.10,
                               .01-.05, < .01 around the null effect, with a legend */
    double level;           /* pseudo confidence region level (percent), default 95 */
    /* issue 17 (cmeta_funnel_opts_default sets them) */
    const char *title;      /* above the plot; NULL none */
    const char *xlab;       /* x axis title; NULL: the measure's name */
    double xlim_lo, xlim_hi;/* x axis limits on the scale shown; NAN: from the data */
    const double *at;       /* nat x ticks on the scale shown; NULL: automatic */
    size_t nat;
} cmeta_funnel_opts;

CMETA_EXPORT void cmeta_funnel_opts_default(cmeta_funnel_opts *o);

/* Extra studies imputed by trim-and-fill (drawn as open circles); estimate, when finite,
 * replaces fit->beta[0] as the summary line (the adjusted estimate). */
typedef struct {
    size_t n;
    const double *yi, *vi;
    double estimate;
} cmeta_funnel_fill;

/* Lay out a funnel plot: yi (x) against sqrt(vi) (y, inverted: 0 at the top), the summary
 * line at the estimate and, without contours, the pseudo confidence region
 * estimate +- z_(1-a/2) * se (Sterne & Egger 2001). fill may be NULL.
 * *out is filled; free with cmeta_plot_free. */
CMETA_EXPORT cmeta_status cmeta_funnel_layout(const cmeta_data *d, const cmeta_fit *fit,
                                              const cmeta_funnel_fill *fill,
                                              const cmeta_funnel_opts *o,
                                              cmeta_text_measure_fn measure, void *measure_ctx,
                                              cmeta_plot *out, cmeta_error *err) CMETA_RESULT_USED;

/* ---- GOSH plot (src/lib/plot_gosh.c) ---------------------------------------------- *
 * What metafor 3.8 plot.gosh.rma draws: every subset's pooled estimate (x) against its
 * I^2 (y), with histograms of the estimates (above) and of I^2 (right). With 2^13 - 1 to
 * 10^6 subsets a point per subset is too heavy for SVG/PDF, so the subsets are counted in
 * a grid of nx x ny cells instead and each non-empty cell is drawn as one rectangle (the
 * panel's corner on whole points, so the default 2-point cells meet on pixel edges) whose
 * grey darkens with log(count) (count 1 light grey, the fullest cell black):
 *   shade(c) = 0.82 (1 - log(c) / log(cmax))   (cmax = 1: 0.4).
 * The grid is fixed before the first subset arrives, so that the counts are accumulated
 * from the streamed rows (cmeta_gosh_bins_add is a cmeta_gosh_fn) in constant memory:
 *   x: the estimate of any subset is a weighted mean of its yi with positive weights, so
 *      it lies in [min yi, max yi]; the grid spans the x axis, i.e. the round ticks that
 *      enclose that range (back-transformed ratios on a log scale for ratio measures, as
 *      the forest plot), cell ix = floor((x - xlo) / (xhi - xlo) * nx);
 *   y: I^2 in [0, 100], cell iy = floor(I^2 / 100 * ny) (iy = 0 at the bottom);
 *   a value on the upper edge goes to the last cell.
 * The marginal histograms are the row and column sums grouped into bars of hist_x
 * columns and hist_y rows (the last bar may be narrower). */
typedef struct {
    size_t nx, ny;          /* grid cells along the estimate and the I^2 axes */
    double xlo, xhi;        /* estimate range of the grid (yi scale) = the x axis limits */
    double ylo, yhi;        /* I^2 range of the grid: 0, 100 */
    double dlo, dhi;        /* min and max yi of the studies */
    uint64_t *count;        /* nx * ny counts, count[iy * nx + ix] */
    uint64_t *xmarg;        /* nx column sums (estimate histogram at cell resolution) */
    uint64_t *ymarg;        /* ny row sums */
    uint64_t n;             /* rows binned */
    uint64_t failed;        /* rows with ok = 0 (not binned) */
    uint64_t outside;       /* finite rows off the grid (not binned; never expected) */
    size_t k;               /* studies */
    cmeta_measure measure;
    cmeta_transform_kind transf;  /* how x tick labels are back-transformed */
    double transf_n;        /* harmonic mean n for CMETA_TRANS_IFT, else NAN */
} cmeta_gosh_bins;

/* Set up an empty grid for the studies of d (nx, ny = 0: 160 x 100 cells, i.e. 1% of I^2
 * per row). Allocates the counts: free with cmeta_gosh_bins_free. */
CMETA_EXPORT cmeta_status cmeta_gosh_bins_init(cmeta_gosh_bins *b, const cmeta_data *d, size_t nx,
                                               size_t ny, cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT void cmeta_gosh_bins_free(cmeta_gosh_bins *b);
/* The cell of a point (estimate x on the yi scale, I^2 in %): 1 and *ix, *iy when it lies
 * on the grid (values beyond an edge by less than 1e-9 of the range count as on it), else 0. */
CMETA_EXPORT int cmeta_gosh_bins_cell(const cmeta_gosh_bins *b, double x, double I2, size_t *ix,
                                      size_t *iy);
/* Count rows (a cmeta_gosh_fn: pass the bins as ctx to cmeta_gosh). Returns 0. */
CMETA_EXPORT int cmeta_gosh_bins_add(void *bins, const cmeta_gosh_row *rows, size_t n);

typedef struct {
    double font_size;       /* default 10 */
    double width, height;   /* the estimate x I^2 panel, default 320 x 200 (2 points per
                               cell of the default grid) */
    double hist_size;       /* height of the estimate histogram and width of the I^2
                               histogram, default 60 */
    size_t hist_x, hist_y;  /* cells per histogram bar, default 4 and 2 */
} cmeta_gosh_plot_opts;

CMETA_EXPORT void cmeta_gosh_plot_opts_default(cmeta_gosh_plot_opts *o);

/* Lay out the GOSH plot of the counted subsets: the panel of cells with round ticks (x as
 * the forest plot's axis, y 0, 20, ..., 100), axis titles (the measure on its natural
 * scale, "(log scale)" for ratios, "Estimate" for GEN; "I² (%)"), the two histograms, a
 * legend of the shades (counts 1, 10, 100, ... per cell) and a note with the number of
 * subsets (sum: exact or random, failed fits) and the method. sum may be NULL (then the
 * note counts the binned rows). *out is filled; free with cmeta_plot_free. */
CMETA_EXPORT cmeta_status cmeta_gosh_plot_layout(const cmeta_gosh_bins *b, const cmeta_gosh_summary *sum,
                                                 cmeta_method method, const cmeta_gosh_plot_opts *o,
                                                 cmeta_text_measure_fn measure, void *measure_ctx,
                                                 cmeta_plot *out, cmeta_error *err) CMETA_RESULT_USED;

/* ---- Bayesian model (src/lib/plot_bayes.c) ---------------------------------------- */

/* The posterior density of tau (black) with its prior (grey; not drawn when improper), the
 * median and central interval marked. *out is filled; free with cmeta_plot_free. */
CMETA_EXPORT cmeta_status cmeta_bayes_tau_plot_layout(const cmeta_bayes *b, cmeta_text_measure_fn measure,
                                                      void *measure_ctx, cmeta_plot *out,
                                                      cmeta_error *err) CMETA_RESULT_USED;
/* Forest plot of the Bayesian model: per study the observed estimate and CI (black square) and
 * the shrinkage estimate and central credible interval (grey circle) below it; the posterior
 * of mu (diamond: median, central interval) and the prediction interval. labels, yi, vi:
 * length b->k, the data the model was fitted to. */
CMETA_EXPORT cmeta_status cmeta_bayes_forest_layout(const cmeta_bayes *b, const char *const *labels,
                                                    const double *yi, const double *vi,
                                                    cmeta_text_measure_fn measure, void *measure_ctx,
                                                    cmeta_plot *out, cmeta_error *err) CMETA_RESULT_USED;

/* ---- rendering (cairo) ------------------------------------------------------------- */

typedef enum { CMETA_PLOT_SVG, CMETA_PLOT_PNG, CMETA_PLOT_PDF } cmeta_plot_format;

/* The format named by a path's extension (.svg, .png, .pdf, case-insensitive);
 * CMETA_EUSAGE for any other. */
CMETA_EXPORT cmeta_status cmeta_plot_format_from_path(const char *path, cmeta_plot_format *fmt,
                                                      cmeta_error *err) CMETA_RESULT_USED;

/* How a plot is drawn (issue 17). */
typedef struct {
    double dpi;             /* PNG: pixels per inch, also written in the PNG's pHYs chunk (as
                               pixels per metre, dpi / 0.0254 rounded); default 300. 72 points
                               are one inch, so the PNG is ceil(width * dpi / 72) pixels wide */
    double width, height;   /* page size in points; 0 (default): the plot's own size. When
                               given, the plot is scaled by the same factor in x and y to fit
                               the page and centred on it (text scales with it) */
    int svg_text_outline;   /* SVG: 0 (default) every text is a <text> element naming its font
                               ("DejaVu Sans", sans-serif), written by src/lib/plot_svg.c, so
                               it can be edited; 1: glyphs drawn as outlines (cairo's SVG
                               surface), for a viewer without the font */
} cmeta_render_opts;

CMETA_EXPORT void cmeta_render_opts_default(cmeta_render_opts *o);

/* Draw a plot in the given format to an open stream with the drawing options o (NULL:
 * defaults). CMETA_EIO when writing fails; CMETA_EUSAGE for a dpi outside [10, 10000] or a
 * page size that is negative or not finite. */
CMETA_EXPORT cmeta_status cmeta_plot_render_stream_opts(const cmeta_plot *p, cmeta_plot_format fmt,
                                                        FILE *fp, const cmeta_render_opts *o,
                                                        cmeta_error *err) CMETA_RESULT_USED;
/* Draw a plot in the given format to an open stream with the default options (PNG at 300
 * dpi, SVG text as text). CMETA_EIO when writing fails. */
CMETA_EXPORT cmeta_status cmeta_plot_render_stream(const cmeta_plot *p, cmeta_plot_format fmt,
                                                   FILE *fp, cmeta_error *err) CMETA_RESULT_USED;
/* Draw a plot to a file, the format chosen by the extension. Writes the file directly
 * (the program writes through cmeta_plot_render_stream to a temporary file instead). */
CMETA_EXPORT cmeta_status cmeta_plot_render(const cmeta_plot *p, const char *path,
                                            cmeta_error *err) CMETA_RESULT_USED;

/* Open the drawing library (cairo) now if it is not yet: CMETA_OK, or CMETA_EIO with a
 * message naming the library and the reason. Every drawing call opens it on first use and
 * returns the same status; this only lets a caller report it before laying out a plot. */
CMETA_EXPORT cmeta_status cmeta_plot_backend_ready(cmeta_error *err) CMETA_RESULT_USED;

/* A text measurer using cairo's text extents with the font the renderer draws with
 * ("DejaVu Sans"). Pass cmeta_text_measure_cairo as the callback and the measurer as ctx. */
typedef struct cmeta_text_measurer cmeta_text_measurer;
CMETA_EXPORT cmeta_status cmeta_text_measurer_new(cmeta_text_measurer **out) CMETA_RESULT_USED;
CMETA_EXPORT void cmeta_text_measurer_free(cmeta_text_measurer *m);
CMETA_EXPORT void cmeta_text_measure_cairo(void *measurer, const char *text, double size,
                                           int bold, cmeta_text_extent *ext);

/* Release the caches cairo keeps for the whole process (cairo_debug_reset_static_data).
 * For a program that owns the process: call once at exit, after every plot and measurer is
 * freed; optional otherwise. It never calls FcFini: fontconfig's state belongs to the
 * process, and a host application that uses cairo or fontconfig itself must not call this
 * while it has cairo objects alive (better not at all); a program that wants fontconfig's
 * memory released for a leak checker calls FcFini() itself, as its very last call.
 * Drawing opens cairo on first use (CMETA_CAIRO names the library, else the soname found at
 * build time); when it cannot be opened the drawing calls return CMETA_EIO. */
CMETA_EXPORT void cmeta_plot_cleanup(void);
/* For a program that owns the process, as its very last drawing-related call: cmeta_plot_cleanup
 * and then fontconfig's FcFini (the fontconfig cairo uses), so that leak checkers see nothing
 * left. Never for a host application that uses fontconfig or cairo itself. Does nothing when
 * nothing was drawn. */
CMETA_EXPORT void cmeta_plot_cleanup_at_exit(void);

#ifdef __cplusplus
}
#endif
#endif
