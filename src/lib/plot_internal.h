/* plot_internal.h - helpers shared by the plot layouts (plot_common.c); never installed. */
#ifndef CMETA_PLOT_INTERNAL_H
#define CMETA_PLOT_INTERNAL_H

#include "internal.h"
#include "cmeta/plot.h"

/* A new primitive at the end of p, zeroed, value NAN, no fill, black stroke of width 1;
 * NULL when memory runs out. */
cmeta_prim *cmeta__plot_push(cmeta_plot *p, cmeta_prim_kind kind, cmeta_prim_role role,
                             long index);
/* A text primitive (text copied, measured through measure/ctx). */
cmeta_status cmeta__plot_text(cmeta_plot *p, cmeta_prim_role role, long index, double x,
                              double y, cmeta_anchor anchor, double size, int bold,
                              const char *text, cmeta_text_measure_fn measure, void *ctx);
cmeta_status cmeta__plot_line(cmeta_plot *p, cmeta_prim_role role, long index, double x,
                              double y, double x2, double y2, double width, int dashed);
/* An arrow head with its tip at (x, y), pointing away from (bx, by), half width hw. */
cmeta_status cmeta__plot_arrow(cmeta_plot *p, cmeta_prim_role role, long index, double x,
                               double y, double bx, double by, double hw);
/* Move everything so that the bounding box of all primitives starts at (margin, margin)
 * and set the page size to the box plus the margin on every side. */
void cmeta__plot_finish(cmeta_plot *p, double margin);

/* Axis ticks on the yi scale covering [lo, hi]: round values ("pretty", steps 1, 2, 2.5, 5
 * times a power of 10) on a linear scale; on a log scale (log_scale = 1) round ratios
 * (decades; 1-2-5; 1-1.5-2-3-5-7; else round linear values of the ratio) at their logs.
 * Fills at most max ticks, returns their number; *alo, *ahi receive the axis limits
 * (the outermost ticks, which enclose [lo, hi]). */
size_t cmeta__ticks(double lo, double hi, int log_scale, double *t, size_t max, double *alo,
                    double *ahi);
/* Ticks for an axis whose positions are shown back-transformed by tk (n: harmonic mean n
 * for CMETA_TRANS_IFT): CMETA_TRANS_NONE and CMETA_TRANS_EXP as cmeta__ticks; the others
 * at round values of the back-transformed scale (multiples of a 1-2-5 step inside
 * [0, 1], or [-1, 1] for tanh; 1-2-5 tails 0.1, 0.05, 0.02, 0.01 ... towards the ends of
 * the logit and atanh scales, whose ends are infinite), placed at their transformed
 * positions. *alo, *ahi: the axis limits, the outermost ticks when they enclose [lo, hi],
 * else lo or hi itself. */
size_t cmeta__ticks_transf(double lo, double hi, cmeta_transform_kind tk, double n, double *t,
                           size_t max, double *alo, double *ahi);
/* The position (yi scale) whose back-transformation by tk is x (the inverse of
 * cmeta_back_transform); NAN outside the back-transformation's range. */
double cmeta__forward_transform(cmeta_transform_kind tk, double x, double n);
/* Harmonic mean of d->ni, NAN when d has no ni. */
double cmeta__harmonic_n(const cmeta_data *d);
/* Name of the measure on its back-transformed scale ("Proportion" for PLO, "Correlation"
 * for ZCOR; cmeta__measure_long_name otherwise). */
const char *cmeta__measure_shown_name(cmeta_measure m);
/* The same for a data set: log ratios as GEN (d->ratio_name) are "Hazard Ratio" (HR) or "Ratio". */
const char *cmeta__data_shown_name(const cmeta_data *d);
const char *cmeta__data_long_name(const cmeta_data *d);
/* Tick label: the shortest fixed notation (up to 6 decimals) of x. */
void cmeta__fmt_tick(char *buf, size_t n, double x);
/* Fixed notation with d decimals, never "-0.00"; "NA" when not finite. */
void cmeta__fmt_fixed(char *buf, size_t n, double x, int d);

/* Long name of a measure for headings and axis titles ("Risk Ratio"). */
const char *cmeta__measure_long_name(cmeta_measure m);

/* Move every primitive and the axis panel by (dx, dy) points (plot_common.c). */
void cmeta__plot_translate(cmeta_plot *p, double dx, double dy);

/* Open the cairo shared library `soname` and fill fns[0..n-1] with its functions named in
 * plot_cairo.c's table (no global state; for the seam and for the unit tests of its failure
 * path). CMETA_OK, or CMETA_EIO with the reason in msg. */
cmeta_status cmeta__cairo_open(const char *soname, void **fns, size_t n, char *msg, size_t nmsg);

/* Write plot p as SVG 1.1 with text as <text> elements (plot_svg.c): a page of page_w x
 * page_h points on which the plot is drawn scaled by scale and moved by (ox, oy).
 * CMETA_EIO when the stream reports an error. */
cmeta_status cmeta__svg_write(const cmeta_plot *p, FILE *fp, double page_w, double page_h, double scale,
                              double ox, double oy);

/* A forest plot whose rows are given rather than derived from a cmeta_fit (the multilevel
 * forest plot, plot_mv.c): ngroups bold header rows, each followed by its rows i (group[i] = g,
 * in data order) labelled label[i] and indented by indent points (square sized by
 * fit->weight[i]); then nsum summary rows (diamonds: est, ci_lb, ci_ub; a prediction interval
 * where pi_lb/pi_ub are finite; the weight column sum_weight[j] when finite), labelled
 * sum_label[j], diamond index -1 when nsum is 1, else j; then the statistics lines stats[].
 * ngroups 0: no header rows, the rows in data order (group may be NULL).
 * fit supplies k, level, method, test and weight only. */
typedef struct {
    const char *label_heading;
    size_t ngroups;
    const char *const *group_name;
    const size_t *group;
    const char *const *label;
    double indent;
    size_t nsum;
    const char *const *sum_label;
    const double *est, *ci_lb, *ci_ub, *pi_lb, *pi_ub, *sum_weight;
    size_t nstats;
    const char *const *stats;
} cmeta__forest_rows;

cmeta_status cmeta__forest_layout_rows(const cmeta_data *d, const cmeta_fit *fit, const cmeta__forest_rows *fr,
                                       const cmeta_forest_opts *o, cmeta_text_measure_fn measure, void *measure_ctx,
                                       cmeta_plot *out, cmeta_error *err);

#endif
