/* plot_forest.c - forest plot layout (positions, texts, sizes; no drawing).
 *
 * The table is built first as rows of cells (one text per column), then every column is
 * sized to its widest text (headings included), then the rows are placed one under the
 * other and the plot column gets squares (area proportional to the weight, as RevMan),
 * interval lines (cut at the axis with an arrow head), diamonds (estimate and CI of a
 * summary), the prediction interval (dotted extension of the diamond with end bars, as
 * metafor's addpred), the null line and the axis. Statistics lines (heterogeneity, test
 * for the overall effect, test for subgroup differences) take whole rows of their own.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmeta/report.h"
#include "plot_internal.h"

#define MAXCOL 32
#define MAXANNOT 4

void cmeta_forest_opts_default(cmeta_forest_opts *o)
{
    memset(o, 0, sizeof *o);
    o->layout = CMETA_FOREST_METAFOR;
    o->font_size = 10;
    o->plot_width = 220;
    o->digits = 2;
    o->show_data = 1;
    o->show_weights = 1;
    o->show_pred = -1;
    o->random = -1;
    o->xlim_lo = o->xlim_hi = NAN;
    o->show_test = 1;
    o->show_effect = 1;
}

typedef struct {
    const char *h1;      /* heading line 1, spanning h1_span columns from this one */
    int h1_span;
    const char *h2;      /* heading line 2 */
    cmeta_anchor align;
    int is_plot;
    int rob;             /* risk-of-bias column: domain rob - 1 (rob_ndomains + 1: overall); 0 none */
    double width, x;
} column;

typedef enum { ROW_STUDY, ROW_GROUP, ROW_SUMMARY, ROW_FREE, ROW_BLANK, ROW_EVENTS } row_kind;

typedef struct {
    row_kind kind;
    long index;                 /* study; group; -1 overall */
    char *cell[MAXCOL];
    cmeta_prim_role role[MAXCOL];
    long cell_index;            /* index given to the cell texts */
    int bold;
    /* plot column */
    double yi, lb, ub, weight;  /* study */
    double est, clb, cub, plb, pub; /* summary */
    int show_pi;
    double indent;              /* the label's indent (rows under a group header: cmeta__forest_rows) */
    double y0, y1;              /* placed: top and bottom */
} row;

typedef struct {
    const cmeta_data *d;
    const cmeta_fit *fit;
    const cmeta_forest_subgroups *sub;
    const cmeta__forest_rows *fr; /* rows given (multilevel forest plot), or NULL */
    cmeta_forest_opts o;
    cmeta_text_measure_fn measure;
    void *ctx;
    int revman, random, show_pred, log_scale, two_group;
    cmeta_transform_kind tk;    /* back-transformation of the numbers shown */
    double hn;                  /* harmonic mean n (inverse Freeman-Tukey) */
    int ncol, col_label, col_annot0, col_data0, ndata, ngrp, col_weight, col_effect, col_plot;
    int col_design;             /* mixed designs (d->measures): each study's design, else -1 */
    int col_rob0, nrob;         /* risk-of-bias columns col_rob0 .. col_rob0 + nrob - 1 (nrob 0: none) */
    char rob_head[9][16];
    column col[MAXCOL];
    row *rows;
    size_t nrows, caprows;
    char hdr_effect[160], hdr_method[160], hdr_axis[1024];
    size_t **gorder;            /* per subgroup, its studies in the order of o.order (or NULL) */
} forest;

/* ---- helpers ----------------------------------------------------------------------------- */

static row *add_row(forest *f, row_kind kind, long index)
{
    if (f->nrows == f->caprows) {
        size_t cap = f->caprows ? 2 * f->caprows : 32;
        row *nr = cmeta_realloc(f->rows, cap * sizeof *nr);
        if (!nr) return NULL;
        f->rows = nr;
        f->caprows = cap;
    }
    row *r = &f->rows[f->nrows++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->index = index;
    r->cell_index = index;
    r->yi = r->lb = r->ub = r->weight = NAN;
    r->est = r->clb = r->cub = r->plb = r->pub = NAN;
    return r;
}

static cmeta_status set_cell(row *r, int c, cmeta_prim_role role, const char *fmt, ...)
    CMETA_PRINTF(4, 5);
static cmeta_status set_cell(row *r, int c, cmeta_prim_role role, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cmeta_free(r->cell[c]);
    r->cell[c] = cmeta_strdup(buf);
    r->role[c] = role;
    return r->cell[c] ? CMETA_OK : CMETA_ENOMEM;
}

/* A long text cell (labels): no length limit. */
static cmeta_status set_cell_str(row *r, int c, cmeta_prim_role role, const char *s)
{
    cmeta_free(r->cell[c]);
    r->cell[c] = cmeta_strdup(s ? s : "");
    r->role[c] = role;
    return r->cell[c] ? CMETA_OK : CMETA_ENOMEM;
}

static double shown(const forest *f, double x)
{
    return f->tk == CMETA_TRANS_NONE ? x : cmeta_back_transform(f->tk, x, f->hn);
}

static void fmt_ci(const forest *f, char *buf, size_t n, double est, double lb, double ub)
{
    char a[64], b[64], c[64];
    cmeta__fmt_fixed(a, sizeof a, shown(f, est), f->o.digits);
    cmeta__fmt_fixed(b, sizeof b, shown(f, lb), f->o.digits);
    cmeta__fmt_fixed(c, sizeof c, shown(f, ub), f->o.digits);
    snprintf(buf, n, "%s [%s, %s]", a, b, c);
}

static void fmt_num(char *buf, size_t n, double x)
{
    if (!isfinite(x)) snprintf(buf, n, "NA");
    else snprintf(buf, n, "%g", x);
}

/* p-values: metafor style "p = 0.0123" / "p < 0.0001"; RevMan "P = 0.01" / "P < 0.00001". */
static void fmt_p(const forest *f, char *buf, size_t n, double p)
{
    if (!isfinite(p)) snprintf(buf, n, "%s = NA", f->revman ? "P" : "p");
    else if (f->revman) {
        if (p < 0.00001) snprintf(buf, n, "P < 0.00001");
        else if (p < 0.0001) snprintf(buf, n, "P < 0.0001");
        else if (p < 0.001) snprintf(buf, n, "P = %.4f", p);
        else if (p < 0.01) snprintf(buf, n, "P = %.3f", p);
        else snprintf(buf, n, "P = %.2f", p);
    } else {
        if (p < 0.0001) snprintf(buf, n, "p < 0.0001");
        else snprintf(buf, n, "p = %.4f", p);
    }
}

/* "Heterogeneity: ..." for a fit. */
static void fmt_het(const forest *f, char *buf, size_t n, const cmeta_fit *fit)
{
    char t2[64], q[64], p[64], i2[64];
    if (!(fit->Q_df >= 1) || !isfinite(fit->Q)) {
        snprintf(buf, n, "Heterogeneity: not applicable");
        return;
    }
    cmeta__fmt_fixed(t2, sizeof t2, fit->tau2, f->o.digits);
    cmeta__fmt_fixed(q, sizeof q, fit->Q, f->o.digits);
    fmt_p(f, p, sizeof p, fit->Q_pval);
    if (f->revman) {
        cmeta__fmt_fixed(i2, sizeof i2, fit->I2_Q, 0);
        if (f->random)
            snprintf(buf, n, "Heterogeneity: Tau\u00b2 = %s; Chi\u00b2 = %s, df = %g (%s); I\u00b2 = %s%%",
                     t2, q, fit->Q_df, p, i2);
        else
            snprintf(buf, n, "Heterogeneity: Chi\u00b2 = %s, df = %g (%s); I\u00b2 = %s%%", q, fit->Q_df, p, i2);
    } else {
        cmeta__fmt_fixed(i2, sizeof i2, fit->I2, 1);
        if (f->random)
            snprintf(buf, n, "Heterogeneity: \u03c4\u00b2 = %s, I\u00b2 = %s%%, Q = %s (df = %g), %s", t2, i2,
                     q, fit->Q_df, p);
        else
            snprintf(buf, n, "Heterogeneity: I\u00b2 = %s%%, Q = %s (df = %g), %s", i2, q, fit->Q_df, p);
    }
}

/* "Test for overall effect: z = ..., p = ..." */
static void fmt_test(const forest *f, char *buf, size_t n, const cmeta_fit *fit)
{
    char s[64], p[64], name[64];
    double stat = fit->stat ? fit->stat[0] : NAN;
    int t = fit->test != CMETA_TEST_Z;
    if (f->revman) stat = fabs(stat);
    cmeta__fmt_fixed(s, sizeof s, stat, f->o.digits);
    fmt_p(f, p, sizeof p, fit->pval ? fit->pval[0] : NAN);
    if (t && isfinite(fit->df)) snprintf(name, sizeof name, "%s(%g)", f->revman ? "T" : "t", fit->df);
    else snprintf(name, sizeof name, "%s", t ? (f->revman ? "T" : "t") : (f->revman ? "Z" : "z"));
    if (f->revman) snprintf(buf, n, "Test for overall effect: %s = %s (%s)", name, s, p);
    else snprintf(buf, n, "Test for overall effect: %s = %s, %s", name, s, p);
}

static void free_rows(forest *f)
{
    for (size_t i = 0; i < f->nrows; i++)
        for (int c = 0; c < MAXCOL; c++) cmeta_free(f->rows[i].cell[c]);
    cmeta_free(f->rows);
    f->rows = NULL;
    f->nrows = f->caprows = 0;
}

/* ---- columns ----------------------------------------------------------------------------- */

static void setup_columns(forest *f)
{
    const cmeta_data *d = f->d;
    cmeta_family fam = cmeta_measure_family(d->measure);
    int nd = 0;
    if (f->o.show_data && !f->o.derived) {
        if (fam == CMETA_FAMILY_BIN2 && d->ai && d->bi && d->ci && d->di) nd = 2;
        else if (fam == CMETA_FAMILY_CONT2 && d->m1i && d->sd1i && d->n1i && d->m2i && d->sd2i && d->n2i)
            nd = 3;
        else if (fam == CMETA_FAMILY_PROP && d->xi && d->ni) nd = 2;
    }
    /* one-group data (xi of ni) have one Events | Total pair without a group heading */
    f->ngrp = fam == CMETA_FAMILY_PROP ? 1 : 2;
    int c = 0;
    memset(f->col, 0, sizeof f->col);
    f->col_label = c;
    f->col[c].h2 = f->o.derived == 1 ? "Study omitted" : f->o.derived == 2 ? "Study added"
                 : f->revman ? "Study or Subgroup" : "Study";
    if (f->fr && f->fr->label_heading) f->col[c].h2 = f->fr->label_heading;
    f->col[c++].align = CMETA_ANCHOR_LEFT;
    f->col_design = -1;
    if (d->measures && !f->o.derived) { /* mixed designs: "two-group SMD", "pre-post SMCR" beside the label */
        f->col_design = c;
        f->col[c].h2 = "Design";
        f->col[c++].align = CMETA_ANCHOR_LEFT;
    }
    f->col_annot0 = c; /* --annotate COL: the file's columns named, left-aligned */
    for (size_t j = 0; j < f->o.nannot; j++) {
        f->col[c].h2 = f->o.annot_head[j];
        f->col[c++].align = CMETA_ANCHOR_LEFT;
    }
    f->col_data0 = c;
    f->ndata = f->ngrp * nd;
    for (int g = 0; g < f->ngrp && nd; g++) {
        static const char *bin[] = {"Events", "Total"}, *cont[] = {"Mean", "SD", "Total"};
        for (int j = 0; j < nd; j++) {
            column *k = &f->col[c++];
            if (j == 0 && f->ngrp == 2) {
                k->h1 = g == 0 ? (f->o.group1 ? f->o.group1 : "Experimental")
                               : (f->o.group2 ? f->o.group2 : "Control");
                k->h1_span = nd;
            }
            k->h2 = nd == 2 ? bin[j] : cont[j];
            k->align = CMETA_ANCHOR_RIGHT;
        }
    }
    const char *mname = f->tk == CMETA_TRANS_NONE ? cmeta__data_long_name(d) : cmeta__data_shown_name(d);
    /* RevMan's heading "IV, Random, 95% CI" names the pooling (IV, M-H, Peto) and the model; in
     * RevMan 5 a random-effects model is always DerSimonian-Laird with a z test. The heading says
     * so only when that is what was fitted and the caller vouches for RevMan's numbers
     * (revman_exact: --preset revman5); otherwise it names the tau^2 estimator and a test other
     * than z: "IV, Random (REML)", "M-H, Random (DL)", "IV, Random (DL, Knapp-Hartung)". */
    cmeta_method fm = f->fit->method;
    int twobytwo = fm == CMETA_METHOD_MH || fm == CMETA_METHOD_PETO;
    const char *pre = fm == CMETA_METHOD_MH ? "M-H" : fm == CMETA_METHOD_PETO ? "Peto" : "IV";
    const char *tau = f->random ? (twobytwo ? "DL" : cmeta_method_name(fm)) : NULL;
    const char *test = f->fit->test == CMETA_TEST_KNHA ? "Knapp-Hartung" : f->fit->test == CMETA_TEST_T ? "t" : NULL;
    int revman_own = !test && (!f->random || twobytwo || fm == CMETA_METHOD_DL);
    char named[96] = "";
    if (!(f->o.revman_exact && revman_own) && (tau || test))
        snprintf(named, sizeof named, " (%s%s%s)", tau ? tau : "", tau && test ? ", " : "", test ? test : "");
    snprintf(f->hdr_method, sizeof f->hdr_method, "%s, %s%s, %g%% CI", pre, f->random ? "Random" : "Fixed",
             named, f->fit->level);
    snprintf(f->hdr_effect, sizeof f->hdr_effect, "%s [%g%% CI]", mname, f->fit->level);
    snprintf(f->hdr_axis, sizeof f->hdr_axis, "%s%s", mname, f->log_scale ? " (log scale)" : "");
    f->col_weight = f->col_effect = -1;
    if (f->o.derived) f->o.show_weights = 0;
    if (f->revman) {
        if (f->o.show_weights) {
            f->col_weight = c;
            f->col[c].h2 = "Weight";
            f->col[c++].align = CMETA_ANCHOR_RIGHT;
        }
        if (f->o.show_effect) {
            f->col_effect = c;
            f->col[c].h1 = mname;
            f->col[c].h1_span = 1;
            f->col[c].h2 = f->hdr_method;
            f->col[c++].align = CMETA_ANCHOR_CENTER;
        }
        f->col_plot = c;
        f->col[c].h1 = mname;
        f->col[c].h1_span = 1;
        f->col[c].h2 = f->hdr_method;
        f->col[c].is_plot = 1;
        f->col[c++].align = CMETA_ANCHOR_CENTER;
    } else {
        f->col_plot = c;
        f->col[c].is_plot = 1;
        f->col[c++].align = CMETA_ANCHOR_CENTER;
        if (f->o.show_weights) {
            f->col_weight = c;
            f->col[c].h2 = "Weight";
            f->col[c++].align = CMETA_ANCHOR_RIGHT;
        }
        if (f->o.show_effect) {
            f->col_effect = c;
            f->col[c].h2 = f->hdr_effect;
            f->col[c++].align = CMETA_ANCHOR_RIGHT;
        }
    }
    /* risk of bias: D1..Dn and Overall after the table (as RevMan 5's columns A-G right of the
     * plot, and robvis's D1..Dn, Overall), under one spanning heading */
    f->col_rob0 = c;
    f->nrob = f->o.rob_ndomains && !f->o.derived ? (int)f->o.rob_ndomains + (f->o.rob_overall ? 1 : 0) : 0;
    for (int j = 0; j < f->nrob; j++) {
        column *k = &f->col[c++];
        if (j == (int)f->o.rob_ndomains) snprintf(f->rob_head[j], sizeof f->rob_head[j], "Overall");
        else snprintf(f->rob_head[j], sizeof f->rob_head[j], "D%d", j + 1);
        if (j == 0) {
            k->h1 = "Risk of bias";
            k->h1_span = f->nrob;
        }
        k->h2 = f->rob_head[j];
        k->align = CMETA_ANCHOR_CENTER;
        k->rob = j + 1;
    }
    if (f->o.xlab) snprintf(f->hdr_axis, sizeof f->hdr_axis, "%s", f->o.xlab);
    f->ncol = c;
}

/* ---- rows -------------------------------------------------------------------------------- */

static cmeta_status study_row(forest *f, size_t i)
{
    const cmeta_data *d = f->d;
    row *r = add_row(f, ROW_STUDY, (long)i);
    if (!r) return CMETA_ENOMEM;
    char buf[256];
    cmeta_status st = set_cell_str(r, f->col_label, CMETA_ROLE_LABEL,
                                   f->fr ? f->fr->label[i] : d->label ? d->label[i] : "");
    if (st) return st;
    if (f->fr) r->indent = f->fr->indent;
    if (f->col_design >= 0 &&
        (st = set_cell_str(r, f->col_design, CMETA_ROLE_DATA,
                           d->measures[i] == CMETA_GEN && d->ratio_name[0] ? d->ratio_name /* HR rows */
                                                                           : cmeta_measure_design(d->measures[i], buf, sizeof buf))))
        return st;
    for (size_t j = 0; j < f->o.nannot; j++) {
        const char *a = f->o.annot[j] ? f->o.annot[j][i] : NULL;
        if (a && *a && (st = set_cell_str(r, f->col_annot0 + (int)j, CMETA_ROLE_DATA, a))) return st;
    }
    if (f->ndata == 2) {
        fmt_num(buf, sizeof buf, d->xi[i]);
        if ((st = set_cell_str(r, f->col_data0, CMETA_ROLE_DATA, buf))) return st;
        fmt_num(buf, sizeof buf, d->ni[i]);
        if ((st = set_cell_str(r, f->col_data0 + 1, CMETA_ROLE_DATA, buf))) return st;
    } else if (f->ndata == 4) {
        double ev[2] = {d->ai[i], d->ci[i]}, tot[2] = {d->ai[i] + d->bi[i], d->ci[i] + d->di[i]};
        for (int g = 0; g < 2; g++) {
            fmt_num(buf, sizeof buf, ev[g]);
            if ((st = set_cell_str(r, f->col_data0 + 2 * g, CMETA_ROLE_DATA, buf))) return st;
            fmt_num(buf, sizeof buf, tot[g]);
            if ((st = set_cell_str(r, f->col_data0 + 2 * g + 1, CMETA_ROLE_DATA, buf))) return st;
        }
    } else if (f->ndata == 6) {
        const double *v[6] = {d->m1i, d->sd1i, d->n1i, d->m2i, d->sd2i, d->n2i};
        for (int j = 0; j < 6; j++) {
            fmt_num(buf, sizeof buf, v[j][i]);
            if ((st = set_cell_str(r, f->col_data0 + j, CMETA_ROLE_DATA, buf))) return st;
        }
    }
    /* the study's Wald interval at the fit's level, as metafor's forest (the one used by the
     * text, JSON and CSV reports too) */
    r->yi = d->yi[i];
    cmeta_study_ci(d->yi[i], d->vi[i], f->fit->level, &r->lb, &r->ub);
    r->weight = f->fit->weight ? f->fit->weight[i] : NAN;
    fmt_ci(f, buf, sizeof buf, r->yi, r->lb, r->ub);
    if (f->col_effect >= 0 && (st = set_cell_str(r, f->col_effect, CMETA_ROLE_EFFECT, buf))) return st;
    if (f->col_weight >= 0) {
        cmeta__fmt_fixed(buf, sizeof buf, r->weight, 1);
        if ((st = set_cell(r, f->col_weight, CMETA_ROLE_WEIGHT, "%s%%", buf))) return st;
    }
    return CMETA_OK;
}

/* A leave-one-out / cumulative row: derived fit i, a square of fixed size (weight NAN). */
static cmeta_status derived_row(forest *f, size_t i)
{
    row *r = add_row(f, ROW_STUDY, (long)i);
    if (!r) return CMETA_ENOMEM;
    char buf[256];
    const cmeta_summary *s = &f->o.rows[i];
    cmeta_status st = set_cell_str(r, f->col_label, CMETA_ROLE_LABEL, f->o.row_labels ? f->o.row_labels[i] : "");
    if (st) return st;
    r->yi = s->estimate;
    r->lb = s->ci_lb;
    r->ub = s->ci_ub;
    fmt_ci(f, buf, sizeof buf, r->yi, r->lb, r->ub);
    if (f->col_effect >= 0 && (st = set_cell_str(r, f->col_effect, CMETA_ROLE_EFFECT, buf))) return st;
    return CMETA_OK;
}

/* A summary (diamond) row for fit over studies idx[0..n-1] (all when idx is NULL). */
static cmeta_status summary_row(forest *f, const cmeta_fit *fit, const size_t *idx, size_t n,
                                long index, const char *label)
{
    const cmeta_data *d = f->d;
    row *r = add_row(f, ROW_SUMMARY, index);
    if (!r) return CMETA_ENOMEM;
    r->cell_index = index >= 0 ? -2 - index : -1;
    r->bold = 1;
    char buf[256];
    cmeta_status st = set_cell_str(r, f->col_label, CMETA_ROLE_SUMMARY, label);
    if (st) return st;
    r->est = fit->beta[0];
    r->clb = fit->ci_lb[0];
    r->cub = fit->ci_ub[0];
    r->plb = fit->pi_lb;
    r->pub = fit->pi_ub;
    r->show_pi = f->show_pred && isfinite(r->plb) && isfinite(r->pub) && fit->k > 1;
    fmt_ci(f, buf, sizeof buf, r->est, r->clb, r->cub);
    if (f->col_effect >= 0 && (st = set_cell_str(r, f->col_effect, CMETA_ROLE_EFFECT, buf))) return st;
    double w = 0, tot[2] = {0, 0}, ev[2] = {0, 0};
    for (size_t j = 0; j < n; j++) {
        size_t i = idx ? idx[j] : j;
        if (f->fit->weight) w += f->fit->weight[i];
        if (f->ndata == 2) {
            ev[0] += d->xi[i];
            tot[0] += d->ni[i];
        } else if (f->ndata == 4) {
            ev[0] += d->ai[i];
            ev[1] += d->ci[i];
            tot[0] += d->ai[i] + d->bi[i];
            tot[1] += d->ci[i] + d->di[i];
        } else if (f->ndata == 6) {
            tot[0] += d->n1i[i];
            tot[1] += d->n2i[i];
        }
    }
    if (f->col_weight >= 0) {
        cmeta__fmt_fixed(buf, sizeof buf, w, 1);
        if ((st = set_cell(r, f->col_weight, CMETA_ROLE_WEIGHT, "%s%%", buf))) return st;
    }
    if (f->revman && f->ndata) {
        int per = f->ndata / f->ngrp;
        for (int g = 0; g < f->ngrp; g++) {
            fmt_num(buf, sizeof buf, tot[g]);
            if ((st = set_cell_str(r, f->col_data0 + g * per + per - 1, CMETA_ROLE_DATA, buf))) return st;
        }
        if (f->ndata == 4 || f->ndata == 2) {
            row *e = add_row(f, ROW_EVENTS, index);
            if (!e) return CMETA_ENOMEM;
            e->cell_index = -1;
            if ((st = set_cell_str(e, f->col_label, CMETA_ROLE_SUMMARY, "Total events"))) return st;
            for (int g = 0; g < f->ngrp; g++) {
                fmt_num(buf, sizeof buf, ev[g]);
                if ((st = set_cell_str(e, f->col_data0 + 2 * g, CMETA_ROLE_DATA, buf))) return st;
            }
        }
    }
    return CMETA_OK;
}

static cmeta_status free_row(forest *f, cmeta_prim_role role, long index, const char *text)
{
    row *r = add_row(f, ROW_FREE, index);
    if (!r) return CMETA_ENOMEM;
    return set_cell_str(r, 0, role, text);
}

/* The rows of a cmeta__forest_rows: group headers with their rows, a blank row, the diamonds. */
static cmeta_status build_rows_given(forest *f)
{
    const cmeta__forest_rows *fr = f->fr;
    cmeta_status st;
    char buf[256];
    for (size_t i = 0; i < f->d->k && !fr->ngroups; i++) /* no groups: the rows as they are */
        if ((st = study_row(f, i))) return st;
    for (size_t g = 0; g < fr->ngroups; g++) {
        row *r = add_row(f, ROW_GROUP, (long)g);
        if (!r) return CMETA_ENOMEM;
        r->bold = 1;
        if ((st = set_cell_str(r, f->col_label, CMETA_ROLE_GROUP, fr->group_name[g]))) return st;
        for (size_t i = 0; i < f->d->k; i++)
            if (fr->group[i] == g && (st = study_row(f, i))) return st;
    }
    if (!add_row(f, ROW_BLANK, -1)) return CMETA_ENOMEM;
    for (size_t j = 0; j < fr->nsum; j++) {
        long index = fr->nsum == 1 ? -1 : (long)j;
        row *r = add_row(f, ROW_SUMMARY, index);
        if (!r) return CMETA_ENOMEM;
        r->cell_index = -2 - index;
        r->bold = 1;
        if ((st = set_cell_str(r, f->col_label, CMETA_ROLE_SUMMARY, fr->sum_label[j]))) return st;
        r->est = fr->est[j];
        r->clb = fr->ci_lb[j];
        r->cub = fr->ci_ub[j];
        r->plb = fr->pi_lb ? fr->pi_lb[j] : NAN;
        r->pub = fr->pi_ub ? fr->pi_ub[j] : NAN;
        r->show_pi = f->show_pred && isfinite(r->plb) && isfinite(r->pub);
        fmt_ci(f, buf, sizeof buf, r->est, r->clb, r->cub);
        if (f->col_effect >= 0 && (st = set_cell_str(r, f->col_effect, CMETA_ROLE_EFFECT, buf))) return st;
        if (f->col_weight >= 0 && fr->sum_weight && isfinite(fr->sum_weight[j])) {
            cmeta__fmt_fixed(buf, sizeof buf, fr->sum_weight[j], 1);
            if ((st = set_cell(r, f->col_weight, CMETA_ROLE_WEIGHT, "%s%%", buf))) return st;
        }
    }
    return CMETA_OK;
}

static cmeta_status build_rows(forest *f)
{
    const cmeta_data *d = f->d;
    const cmeta_forest_subgroups *sub = f->sub;
    cmeta_status st;
    char buf[512];
    const char *overall = f->revman ? "Total (95% CI)" : (f->random ? "RE Model" : "FE Model");
    char overall_buf[64];
    if (f->revman && f->fit->level != 95) {
        snprintf(overall_buf, sizeof overall_buf, "Total (%g%% CI)", f->fit->level);
        overall = overall_buf;
    }
    if (f->fr) return build_rows_given(f);
    if (f->o.derived) {
        for (size_t i = 0; i < f->o.nderived; i++)
            if ((st = derived_row(f, i))) return st;
        if (f->o.derived == 2) return CMETA_OK; /* cumulative: the last row is the full fit */
        if (!add_row(f, ROW_BLANK, -1)) return CMETA_ENOMEM;
        return summary_row(f, f->fit, NULL, d->k, -1, overall);
    }
    if (sub && sub->ngroups) {
        for (size_t g = 0; g < sub->ngroups; g++) {
            const cmeta_forest_group *gr = &sub->group[g];
            row *r = add_row(f, ROW_GROUP, (long)g);
            if (!r) return CMETA_ENOMEM;
            r->bold = 1;
            if ((st = set_cell_str(r, f->col_label, CMETA_ROLE_GROUP, gr->name))) return st;
            for (size_t j = 0; j < gr->n; j++)
                if ((st = study_row(f, f->gorder ? f->gorder[g][j] : gr->idx[j]))) return st;
            if (gr->fit && gr->fit->beta) {
                char lab[64];
                if (f->revman) snprintf(lab, sizeof lab, "Subtotal (%g%% CI)", gr->fit->level);
                else snprintf(lab, sizeof lab, "%s Model for Subgroup", f->random ? "RE" : "FE");
                if ((st = summary_row(f, gr->fit, gr->idx, gr->n, (long)g, lab))) return st;
                fmt_het(f, buf, sizeof buf, gr->fit);
                if ((st = free_row(f, CMETA_ROLE_STATS, (long)g, buf))) return st;
                fmt_test(f, buf, sizeof buf, gr->fit);
                if (f->o.show_test && (st = free_row(f, CMETA_ROLE_STATS, (long)g, buf))) return st;
            }
            if (!add_row(f, ROW_BLANK, -1)) return CMETA_ENOMEM;
        }
    } else {
        for (size_t i = 0; i < d->k; i++)
            if ((st = study_row(f, f->o.order ? f->o.order[i] : i))) return st;
        if (!add_row(f, ROW_BLANK, -1)) return CMETA_ENOMEM;
    }
    return summary_row(f, f->fit, NULL, d->k, -1, overall);
}

/* The issue 17 options: limits and ticks inside the scale shown, the order a permutation,
 * the annotation columns at most MAXANNOT. CMETA_OK or CMETA_EUSAGE with the reason. */
static cmeta_status check_opts(forest *f, cmeta_error *err)
{
    const cmeta_forest_opts *o = &f->o;
    const char *scale = cmeta__data_shown_name(f->d);
    if (isfinite(o->xlim_lo) != isfinite(o->xlim_hi) || isnan(o->xlim_lo) != isnan(o->xlim_hi))
        return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: give both axis limits or neither");
    if (isfinite(o->xlim_lo)) {
        double a = cmeta__forward_transform(f->tk, o->xlim_lo, f->hn), b = cmeta__forward_transform(f->tk, o->xlim_hi, f->hn);
        if (!isfinite(a) || !isfinite(b))
            return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: the axis limits %g, %g are not both on the %s scale%s",
                                   o->xlim_lo, o->xlim_hi, scale, f->tk == CMETA_TRANS_EXP ? " (ratios are > 0)" : "");
        if (!(b > a))
            return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: the axis limits %g, %g are not increasing",
                                   o->xlim_lo, o->xlim_hi);
    }
    if (o->at && o->nat > 64) return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: at most 64 ticks");
    for (size_t j = 0; o->at && j < o->nat; j++)
        if (!isfinite(cmeta__forward_transform(f->tk, o->at[j], f->hn)))
            return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: the tick %g is not on the %s scale%s", o->at[j],
                                   scale, f->tk == CMETA_TRANS_EXP ? " (ratios are > 0)" : "");
    if (o->order) {
        unsigned char *seen = cmeta_calloc(f->d->k, 1);
        if (!seen) return cmeta_error_set(err, CMETA_ENOMEM, "forest plot: out of memory");
        int bad = 0;
        for (size_t i = 0; i < f->d->k && !bad; i++) {
            if (o->order[i] >= f->d->k || seen[o->order[i]]) bad = 1;
            else seen[o->order[i]] = 1;
        }
        cmeta_free(seen);
        if (bad) return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: the order is not a permutation of the studies");
    }
    if (o->derived && (o->derived > 2 || !o->rows || o->nderived == 0 || o->nderived > f->d->k || o->order || o->nannot))
        return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: leave-one-out / cumulative rows missing, or "
                                                  "combined with an order or annotation columns");
    if (o->derived && f->sub && f->sub->ngroups)
        return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: leave-one-out / cumulative rows have no subgroups");
    if (o->rob_ndomains) {
        if (o->rob_ndomains != cmeta_rob_ndomains(o->rob_tool) || !o->rob)
            return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: %zu risk-of-bias domains, but %s has %zu",
                                   o->rob_ndomains,
                                   o->rob_tool == CMETA_ROB_TOOL_ROB2 ? "RoB 2"
                                   : o->rob_tool == CMETA_ROB_TOOL_ROBINS_I ? "ROBINS-I" : "ROBINS-I V2",
                                   cmeta_rob_ndomains(o->rob_tool));
    }
    if (o->nannot > MAXANNOT)
        return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: at most %d annotation columns", MAXANNOT);
    if (o->nannot && (!o->annot || !o->annot_head))
        return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: annotation columns without headings or texts");
    return CMETA_OK;
}

/* ---- the layout -------------------------------------------------------------------------- */

static cmeta_status text(forest *f, cmeta_plot *p, cmeta_prim_role role, long index, double x,
                         double y, cmeta_anchor a, int bold, const char *s)
{
    return cmeta__plot_text(p, role, index, x, y, a, f->o.font_size, bold, s, f->measure, f->ctx);
}

static double width_of(forest *f, const char *s, int bold)
{
    cmeta_text_extent e = {0, 0, 0};
    f->measure(f->ctx, s, f->o.font_size, bold, &e);
    return e.width;
}

static double cell_x(const column *c, cmeta_anchor a)
{
    if (a == CMETA_ANCHOR_LEFT) return c->x;
    if (a == CMETA_ANCHOR_RIGHT) return c->x + c->width;
    return c->x + c->width / 2;
}

/* Column widths (the widest text in each, headings included; a spanning heading wider than
 * its columns widens the last of them) and their x positions, gap apart; returns the right
 * edge of the table. */
static double column_widths(forest *f, double gap)
{
    /* column widths: widest text in each, headings included */
    for (int c = 0; c < f->ncol; c++) {
        column *k = &f->col[c];
        k->width = k->is_plot ? f->o.plot_width : k->rob ? f->o.font_size * 1.5 : 0;
        if (k->h2) {
            double w = width_of(f, k->h2, 1);
            if (w > k->width) k->width = w;
        }
        for (size_t i = 0; i < f->nrows; i++) {
            const row *r = &f->rows[i];
            if (r->kind == ROW_FREE || !r->cell[c]) continue;
            double w = width_of(f, r->cell[c], r->bold) + (c == f->col_label ? r->indent : 0);
            if (w > k->width) k->width = w;
        }
    }
    /* spanning headings: widen the last spanned column when the heading is wider */
    for (int c = 0; c < f->ncol; c++) {
        column *k = &f->col[c];
        if (!k->h1) continue;
        double w = width_of(f, k->h1, 1), have = 0;
        int last = c + k->h1_span - 1;
        for (int j = c; j <= last; j++) have += f->col[j].width + (j > c ? gap : 0);
        if (w > have) f->col[last].width += w - have;
    }
    double x = 0;
    for (int c = 0; c < f->ncol; c++) {
        f->col[c].x = x;
        x += f->col[c].width + gap;
    }
    return x - gap;
}

/* The axis: limits that cover every estimate and every summary interval, study and
 * prediction intervals too unless they reach further than one such width beyond; up to 64
 * ticks into ticks (their number returned), the plot's scale fields, *has_null: the measure
 * has a null line (not proportions). */
static size_t axis_limits(forest *f, cmeta_plot *p, const column *pc, double *ticks,
                          int *has_null)
{
    /* axis limits: cover every estimate and every summary interval; study intervals and
     * prediction intervals too unless they reach further than one such width beyond */
    double clo = INFINITY, chi = -INFINITY, flo = INFINITY, fhi = -INFINITY;
    for (size_t i = 0; i < f->nrows; i++) {
        const row *r = &f->rows[i];
        if (r->kind == ROW_STUDY && isfinite(r->yi)) {
            clo = fmin(clo, r->yi), chi = fmax(chi, r->yi);
            if (isfinite(r->lb)) flo = fmin(flo, r->lb);
            if (isfinite(r->ub)) fhi = fmax(fhi, r->ub);
        } else if (r->kind == ROW_SUMMARY) {
            if (isfinite(r->clb)) clo = fmin(clo, r->clb);
            if (isfinite(r->cub)) chi = fmax(chi, r->cub);
            if (isfinite(r->est)) clo = fmin(clo, r->est), chi = fmax(chi, r->est);
            if (r->show_pi) flo = fmin(flo, r->plb), fhi = fmax(fhi, r->pub);
        }
    }
    cmeta_family fam = cmeta_measure_family(f->d->measure);
    *has_null = fam != CMETA_FAMILY_PROP;
    if (*has_null) clo = fmin(clo, 0), chi = fmax(chi, 0);
    if (!isfinite(clo) || !isfinite(chi)) clo = -1, chi = 1;
    double wc = chi - clo;
    if (!(wc > 0)) wc = fmax(fabs(chi), 1) * 0.5;
    double lo = fmax(fmin(flo, clo), clo - wc), hi = fmin(fmax(fhi, chi), chi + wc);
    size_t nt;
    /* the caller's limits and ticks (on the scale shown; checked by cmeta_forest_layout) */
    int has_xlim = isfinite(f->o.xlim_lo) && isfinite(f->o.xlim_hi);
    double ulo = has_xlim ? cmeta__forward_transform(f->tk, f->o.xlim_lo, f->hn) : NAN;
    double uhi = has_xlim ? cmeta__forward_transform(f->tk, f->o.xlim_hi, f->hn) : NAN;
    if (f->o.at && f->o.nat) {
        double at[64];
        size_t na = 0;
        for (size_t j = 0; j < f->o.nat && na < 64; j++) at[na++] = cmeta__forward_transform(f->tk, f->o.at[j], f->hn);
        for (size_t a = 1; a < na; a++) /* ascending (insertion sort: at most 64) */
            for (size_t b = a; b > 0 && at[b - 1] > at[b]; b--) {
                double t = at[b];
                at[b] = at[b - 1];
                at[b - 1] = t;
            }
        if (!has_xlim) ulo = at[0], uhi = at[na - 1];
        if (!(uhi > ulo)) { /* a single tick: an axis around it */
            double d = fabs(ulo) > 0 ? fabs(ulo) * 0.5 : 1;
            ulo -= d, uhi += d;
        }
        nt = 0;
        double tol = (uhi - ulo) * 1e-9;
        for (size_t j = 0; j < na; j++)
            if (at[j] >= ulo - tol && at[j] <= uhi + tol && (nt == 0 || at[j] > ticks[nt - 1])) ticks[nt++] = at[j];
        p->lo = ulo;
        p->hi = uhi;
    } else if (has_xlim) {
        double t[64], alo, ahi, tol = (uhi - ulo) * 1e-9;
        size_t n = cmeta__ticks_transf(ulo, uhi, f->tk, f->hn, t, 64, &alo, &ahi);
        nt = 0;
        for (size_t j = 0; j < n; j++)
            if (t[j] >= ulo - tol && t[j] <= uhi + tol) ticks[nt++] = t[j];
        p->lo = ulo;
        p->hi = uhi;
    } else nt = cmeta__ticks_transf(lo, hi, f->tk, f->hn, ticks, 64, &p->lo, &p->hi);
    p->log_scale = f->log_scale;
    p->transf = f->tk;
    p->transf_n = f->tk == CMETA_TRANS_IFT ? f->hn : NAN;
    p->ax0 = pc->x;
    p->ax1 = pc->x + pc->width;
    return nt;
}

/* The heading rows (spanning headings when there are any, then the column headings) and the
 * rule under them, from *y down; *y is left below them. */
static cmeta_status headings(forest *f, cmeta_plot *p, double rh, double asc, double desc,
                             double table_right, double *yp)
{
    cmeta_status st;
    double y = *yp;
    int has_h1 = 0;
    for (int c = 0; c < f->ncol; c++) has_h1 |= f->col[c].h1 != NULL;
    if (has_h1) {
        double base = y + (rh - asc - desc) / 2 + asc;
        for (int c = 0; c < f->ncol; c++) {
            column *k = &f->col[c];
            if (!k->h1) continue;
            const column *last = &f->col[c + k->h1_span - 1];
            double cx = (k->x + last->x + last->width) / 2;
            if ((st = text(f, p, CMETA_ROLE_HEADING, c, cx, base, CMETA_ANCHOR_CENTER, 1, k->h1))) return st;
        }
        y += rh;
    }
    {
        double base = y + (rh - asc - desc) / 2 + asc;
        for (int c = 0; c < f->ncol; c++) {
            column *k = &f->col[c];
            if (!k->h2) continue;
            cmeta_anchor a = k->is_plot || (c == f->col_effect && f->revman) ? CMETA_ANCHOR_CENTER : k->align;
            if ((st = text(f, p, CMETA_ROLE_HEADING, c, cell_x(k, a), base, a, 1, k->h2)))
                return st;
        }
        y += rh;
    }
    if ((st = cmeta__plot_line(p, CMETA_ROLE_OTHER, -1, 0, y + 1, table_right, y + 1, 0.75, 0))) return st;
    y += 3;
    *yp = y;
    return CMETA_OK;
}

/* A risk-of-bias circle (judgement jd, robvis's colour) centred at (cx, yc), diameter 0.8 of
 * the row height, with its symbol centred in it; nothing for an empty cell. */
static cmeta_status rob_circle(forest *f, cmeta_plot *p, cmeta_prim_role role, long index, int domain, double cx,
                               double yc, double rh, cmeta_rob_judgement jd)
{
    if (jd == CMETA_ROB_NONE) return CMETA_OK;
    cmeta_prim *q = cmeta__plot_push(p, CMETA_PRIM_CIRCLE, role, index);
    if (!q) return CMETA_ENOMEM;
    q->x = cx;
    q->y = yc;
    q->w = rh * 0.4;
    q->fill_rgb = CMETA_RGB(cmeta_rob_colour(jd));
    q->stroke = 0.3;
    q->line_width = 0.5;
    q->value = domain;
    double ss = f->o.font_size * 0.8;
    cmeta_text_extent e = {0, 0, 0};
    const char *sym = cmeta_rob_symbol(jd);
    f->measure(f->ctx, sym, ss, 1, &e);
    double sasc = e.ascent > 0 ? e.ascent : 0.8 * ss, sdesc = e.descent > 0 ? e.descent : 0.25 * ss;
    /* the symbol's font box centred on the circle */
    cmeta_status st = cmeta__plot_text(p, role, index, cx, yc + (sasc - sdesc) / 2, CMETA_ANCHOR_CENTER, ss, 1, sym,
                                       f->measure, f->ctx);
    if (st) return st;
    p->prim[p->n - 1].value = domain;
    if (jd == CMETA_ROB_CRITICAL) p->prim[p->n - 1].fill = 1; /* white on dark red */
    return CMETA_OK;
}

/* The legend under the statistics: "Risk of bias legend", one line per domain ("D1: Bias arising
 * from the randomization process"), then the judgements' circles with their words in a row
 * (index = the judgement). */
static cmeta_status rob_legend(forest *f, cmeta_plot *p, double rh, double asc, double desc, double *yp)
{
    cmeta_status st;
    double y = *yp + rh * 0.3;
    char buf[256];
    double base = y + (rh - asc - desc) / 2 + asc;
    if ((st = text(f, p, CMETA_ROLE_LEGEND, -1, 0, base, CMETA_ANCHOR_LEFT, 1, "Risk of bias legend"))) return st;
    y += rh;
    for (size_t j = 0; j < f->o.rob_ndomains; j++) {
        base = y + (rh - asc - desc) / 2 + asc;
        snprintf(buf, sizeof buf, "D%zu: %s", j + 1, cmeta_rob_domain_name(f->o.rob_tool, j));
        if ((st = text(f, p, CMETA_ROLE_LEGEND, (long)j, 0, base, CMETA_ANCHOR_LEFT, 0, buf))) return st;
        y += rh;
    }
    static const cmeta_rob_judgement keys[] = {CMETA_ROB_LOW, CMETA_ROB_SOME, CMETA_ROB_HIGH, CMETA_ROB_CRITICAL,
                                               CMETA_ROB_UNCLEAR};
    double x = rh * 0.4;
    base = y + (rh - asc - desc) / 2 + asc;
    for (size_t j = 0; j < sizeof keys / sizeof *keys; j++) {
        if (keys[j] == CMETA_ROB_CRITICAL && f->o.rob_tool == CMETA_ROB_TOOL_ROB2) continue;
        if ((st = rob_circle(f, p, CMETA_ROLE_LEGEND, (long)keys[j], -1, x, y + rh / 2, rh, keys[j]))) return st;
        const char *w = cmeta_rob_word(f->o.rob_tool, keys[j]);
        if ((st = text(f, p, CMETA_ROLE_LEGEND, (long)keys[j], x + rh * 0.6, base, CMETA_ANCHOR_LEFT, 0, w))) return st;
        x += rh * 0.6 + width_of(f, w, 0) + f->o.font_size * 1.5 + rh * 0.4;
    }
    y += rh;
    *yp = y;
    return CMETA_OK;
}

/* The title centred over the table (bold, 1.2 times the font size), if any; *yp moves below it. */
static cmeta_status title_block(forest *f, cmeta_plot *p, double table_right, double rh, double *yp)
{
    if (!(f->o.title && *f->o.title)) return CMETA_OK;
    double ts = f->o.font_size * 1.2;
    cmeta_text_extent te = {0, 0, 0};
    f->measure(f->ctx, f->o.title, ts, 1, &te);
    double tasc = te.ascent > 0 ? te.ascent : 0.8 * ts, tdesc = te.descent > 0 ? te.descent : 0.25 * ts;
    cmeta_status st = cmeta__plot_text(p, CMETA_ROLE_TITLE, -1, table_right / 2, *yp + tasc, CMETA_ANCHOR_CENTER, ts,
                                       1, f->o.title, f->measure, f->ctx);
    if (st) return st;
    *yp += tasc + tdesc + rh * 0.5;
    return CMETA_OK;
}

/* A study's marks on its row (centre yc): the CI line, arrows (head half width ah) where the CI
 * leaves the axis, and the square, of side smax * sqrt(weight / wmax). */
static cmeta_status study_marks(cmeta_plot *p, const row *r, double yc, double smax, double wmax, double ah)
{
    cmeta_status st;
    double a = fmax(r->lb, p->lo), b = fmin(r->ub, p->hi);
    double xa = cmeta_plot_xpos(p, a), xb = cmeta_plot_xpos(p, b);
    if (b > a && (st = cmeta__plot_line(p, CMETA_ROLE_CI, r->index, xa, yc, xb, yc, 1, 0))) return st;
    if (r->lb < p->lo &&
        (st = cmeta__plot_arrow(p, CMETA_ROLE_CI_ARROW, r->index, p->ax0, yc, p->ax0 + 2 * ah, yc, ah)))
        return st;
    if (r->ub > p->hi &&
        (st = cmeta__plot_arrow(p, CMETA_ROLE_CI_ARROW, r->index, p->ax1, yc, p->ax1 - 2 * ah, yc, ah)))
        return st;
    if (r->yi >= p->lo && r->yi <= p->hi) {
        double w = isfinite(r->weight) && wmax > 0 ? r->weight : wmax;
        double side = wmax > 0 ? smax * sqrt(w / wmax) : smax * 0.5;
        cmeta_prim *q = cmeta__plot_push(p, CMETA_PRIM_RECT, CMETA_ROLE_SQUARE, r->index);
        if (!q) return CMETA_ENOMEM;
        q->x = cmeta_plot_xpos(p, r->yi) - side / 2;
        q->y = yc - side / 2;
        q->w = q->h = side;
        q->fill = 0;
        q->stroke = -1;
        q->value = r->weight;
    }
    return CMETA_OK;
}

/* A summary's diamond on its row (centre yc, height 0.7 rh; grey for a subgroup's), and its
 * prediction interval as dashed lines ending in ticks or arrows. */
static cmeta_status summary_marks(forest *f, cmeta_plot *p, const row *r, double yc, double rh, double ah)
{
    cmeta_status st;
    double dh = rh * 0.7;
    cmeta_prim *q = cmeta__plot_push(p, CMETA_PRIM_POLYGON, CMETA_ROLE_DIAMOND, r->index);
    if (!q) return CMETA_ENOMEM;
    double xl = cmeta_plot_xpos(p, fmax(r->clb, p->lo)), xr = cmeta_plot_xpos(p, fmin(r->cub, p->hi));
    double xe = cmeta_plot_xpos(p, fmin(fmax(r->est, p->lo), p->hi));
    q->np = 4;
    q->px[0] = xl, q->py[0] = yc;
    q->px[1] = xe, q->py[1] = yc - dh / 2;
    q->px[2] = xr, q->py[2] = yc;
    q->px[3] = xe, q->py[3] = yc + dh / 2;
    q->fill = r->index >= 0 && !f->fr ? 0.45 : 0;
    q->stroke = 0;
    if (r->show_pi) {
        double pl = fmax(r->plb, p->lo), pu = fmin(r->pub, p->hi);
        double xpl = cmeta_plot_xpos(p, pl), xpu = cmeta_plot_xpos(p, pu);
        if (xpl < xl && (st = cmeta__plot_line(p, CMETA_ROLE_PRED, r->index, xpl, yc, xl, yc, 1, 2))) return st;
        if (xpu > xr && (st = cmeta__plot_line(p, CMETA_ROLE_PRED, r->index, xr, yc, xpu, yc, 1, 2))) return st;
        if (r->plb >= p->lo) {
            if ((st = cmeta__plot_line(p, CMETA_ROLE_PRED, r->index, xpl, yc - dh / 4, xpl, yc + dh / 4, 1, 0))) return st;
        } else if ((st = cmeta__plot_arrow(p, CMETA_ROLE_PRED, r->index, p->ax0, yc, p->ax0 + 2 * ah, yc, ah)))
            return st;
        if (r->pub <= p->hi) {
            if ((st = cmeta__plot_line(p, CMETA_ROLE_PRED, r->index, xpu, yc - dh / 4, xpu, yc + dh / 4, 1, 0))) return st;
        } else if ((st = cmeta__plot_arrow(p, CMETA_ROLE_PRED, r->index, p->ax1, yc, p->ax1 - 2 * ah, yc, ah)))
            return st;
    }
    return CMETA_OK;
}

/* Row r's text cells (text at baseline base) and, for a study, its risk-of-bias circles. */
static cmeta_status row_cells(forest *f, cmeta_plot *p, const row *r, double base, double yc, double rh)
{
    cmeta_status st;
    for (int c = 0; c < f->ncol; c++) {
        if (!r->cell[c]) continue;
        const column *k = &f->col[c];
        long idx = r->role[c] == CMETA_ROLE_GROUP || r->role[c] == CMETA_ROLE_LABEL ? r->index : r->cell_index;
        double x = cell_x(k, k->align) + (c == f->col_label ? r->indent : 0);
        if ((st = text(f, p, r->role[c], idx, x, base, k->align, r->bold, r->cell[c]))) return st;
    }
    if (r->kind == ROW_STUDY && f->nrob)
        for (int j = 0; j < f->nrob; j++) {
            const column *k = &f->col[f->col_rob0 + j];
            cmeta_rob_judgement jd = f->o.rob[(size_t)r->index * (f->o.rob_ndomains + 1) +
                                              (j < (int)f->o.rob_ndomains ? (size_t)j : f->o.rob_ndomains)];
            if ((st = rob_circle(f, p, CMETA_ROLE_ROB, r->index, j, cell_x(k, CMETA_ANCHOR_CENTER), yc, rh, jd)))
                return st;
        }
    return CMETA_OK;
}

/* The table's rows from *yp down, one row height each (y0, y1 set): free text lines, else the
 * cells (row_cells) and the study's or summary's marks; *yp moves below the last. */
static cmeta_status table_rows(forest *f, cmeta_plot *p, double rh, double asc, double desc, double *yp)
{
    cmeta_status st;
    double y = *yp;
    double smax = rh * 0.85, wmax = 0;
    for (size_t i = 0; i < f->nrows; i++)
        if (f->rows[i].kind == ROW_STUDY && isfinite(f->rows[i].weight)) wmax = fmax(wmax, f->rows[i].weight);
    const double ah = f->o.font_size * 0.3; /* arrow head half width */
    for (size_t i = 0; i < f->nrows; i++) {
        row *r = &f->rows[i];
        r->y0 = y;
        r->y1 = y + rh;
        double base = y + (rh - asc - desc) / 2 + asc, yc = y + rh / 2;
        y += rh;
        if (r->kind == ROW_FREE) {
            if ((st = text(f, p, r->role[0], r->index, 0, base, CMETA_ANCHOR_LEFT, 0, r->cell[0]))) return st;
            continue;
        }
        if ((st = row_cells(f, p, r, base, yc, rh))) return st;
        if (r->kind == ROW_STUDY && isfinite(r->yi)) {
            if ((st = study_marks(p, r, yc, smax, wmax, ah))) return st;
        } else if (r->kind == ROW_SUMMARY && isfinite(r->est)) {
            if ((st = summary_marks(f, p, r, yc, rh, ah))) return st;
        }
    }
    *yp = y;
    return CMETA_OK;
}

/* The null line from body_top to the axis, interrupted where a statistics line crosses the plot. */
static cmeta_status null_line(forest *f, cmeta_plot *p, double body_top, double axis_y)
{
    cmeta_status st;
    double x0 = cmeta_plot_xpos(p, 0), seg = body_top;
    for (size_t i = 0; i <= f->nrows; i++) {
        int end = i == f->nrows || f->rows[i].kind == ROW_FREE;
        if (!end) continue;
        double stop = i == f->nrows ? axis_y : f->rows[i].y0;
        if (stop > seg && (st = cmeta__plot_line(p, CMETA_ROLE_REFLINE, -1, x0, seg, x0, stop, 0.75, 0))) return st;
        if (i < f->nrows) seg = f->rows[i].y1;
    }
    return CMETA_OK;
}

/* The axis at axis_y, its ticks and their labels (every other label dropped, keeping the one
 * at 0, until none touch); *yp set below the labels. */
static cmeta_status axis(forest *f, cmeta_plot *p, const double *ticks, size_t nt, double axis_y, double asc,
                         double desc, double *yp)
{
    cmeta_status st;
    const double fs = f->o.font_size;
    if ((st = cmeta__plot_line(p, CMETA_ROLE_AXIS, -1, p->ax0, axis_y, p->ax1, axis_y, 1, 0))) return st;
    double tl = fs * 0.35;
    double lab_base = axis_y + tl + 2 + asc;
    char lab[64][32];
    double lw[64];
    for (size_t t = 0; t < nt; t++) {
        cmeta__fmt_tick(lab[t], sizeof lab[t], shown(f, ticks[t]));
        lw[t] = width_of(f, lab[t], 0);
    }
    size_t stride = 1, anchor = 0;
    for (size_t t = 0; t < nt; t++)
        if (fabs(ticks[t]) < 1e-12) anchor = t;
    for (; stride < nt; stride++) {
        int ok = 1;
        double prev_r = -INFINITY;
        for (size_t t = anchor % stride; t < nt; t += stride) {
            double cx = cmeta_plot_xpos(p, ticks[t]);
            if (cx - lw[t] / 2 < prev_r + fs * 0.5) ok = 0;
            prev_r = cx + lw[t] / 2;
        }
        if (ok) break;
    }
    for (size_t t = 0; t < nt; t++) {
        double cx = cmeta_plot_xpos(p, ticks[t]);
        if ((st = cmeta__plot_line(p, CMETA_ROLE_TICK, (long)t, cx, axis_y, cx, axis_y + tl, 1, 0))) return st;
        p->prim[p->n - 1].value = ticks[t];
        if (t % stride != anchor % stride) continue;
        if ((st = text(f, p, CMETA_ROLE_TICKLABEL, (long)t, cx, lab_base, CMETA_ANCHOR_CENTER, 0, lab[t]))) return st;
        p->prim[p->n - 1].value = ticks[t];
    }
    *yp = lab_base + desc;
    return CMETA_OK;
}

/* The axis title (in RevMan's layout only when given) and the favours labels either side of
 * the null line (two-group measures: treatment left, control right), one row each. */
static cmeta_status axis_titles(forest *f, cmeta_plot *p, int has_null, double rh, double asc, double desc,
                                double *yp)
{
    cmeta_status st;
    const double fs = f->o.font_size;
    double y = *yp;
    if (!f->revman || f->o.xlab) {
        y += rh * 0.15;
        double base = y + (rh - asc - desc) / 2 + asc;
        if ((st = text(f, p, CMETA_ROLE_AXISTITLE, -1, (p->ax0 + p->ax1) / 2, base, CMETA_ANCHOR_CENTER, 0,
                       f->hdr_axis)))
            return st;
        y += rh;
    }
    const char *fl = f->o.favours_left, *fr = f->o.favours_right;
    if (!fl && !fr && f->two_group) fl = "Favours treatment", fr = "Favours control";
    if ((fl || fr) && has_null && 0 >= p->lo && 0 <= p->hi) {
        double base = y + (rh - asc - desc) / 2 + asc, x0 = cmeta_plot_xpos(p, 0);
        if (fl && (st = text(f, p, CMETA_ROLE_FAVOURS, 0, x0 - fs * 0.6, base, CMETA_ANCHOR_RIGHT, 0, fl))) return st;
        if (fr && (st = text(f, p, CMETA_ROLE_FAVOURS, 1, x0 + fs * 0.6, base, CMETA_ANCHOR_LEFT, 0, fr))) return st;
        y += rh;
    }
    *yp = y;
    return CMETA_OK;
}

/* The overall statistics, one a row: heterogeneity, the test for the overall effect and for
 * subgroup differences (RevMan's Chi^2 and I^2 in its layout), or the lines given instead. */
static cmeta_status stats_lines(forest *f, cmeta_plot *p, double rh, double asc, double desc, double *yp)
{
    cmeta_status st;
    double y = *yp + rh * 0.3;
    char buf[512];
    const char *lines[3];
    char l0[512], l1[512], l2[512];
    size_t nl = 0;
    fmt_het(f, l0, sizeof l0, f->fit);
    if (f->o.derived != 2) lines[nl++] = l0;
    fmt_test(f, l1, sizeof l1, f->fit);
    if (f->o.show_test && f->o.derived != 2) lines[nl++] = l1;
    if (f->sub && f->sub->ngroups) {
        char q[64], pv[64];
        cmeta__fmt_fixed(q, sizeof q, f->sub->Q_between, f->o.digits);
        fmt_p(f, pv, sizeof pv, f->sub->Q_between_pval);
        if (f->revman) {
            double i2 = f->sub->Q_between > 0 ? 100 * (f->sub->Q_between - f->sub->Q_between_df) / f->sub->Q_between : 0;
            char i2s[32];
            cmeta__fmt_fixed(i2s, sizeof i2s, fmax(i2, 0), 0);
            snprintf(l2, sizeof l2, "Test for subgroup differences: Chi\u00b2 = %s, df = %g (%s), I\u00b2 = %s%%", q,
                     f->sub->Q_between_df, pv, i2s);
        } else {
            snprintf(l2, sizeof l2, "Test for subgroup differences: Q = %s (df = %g), %s", q,
                     f->sub->Q_between_df, pv);
        }
        lines[nl++] = l2;
    }
    if (f->fr) nl = 0; /* the lines given instead */
    for (size_t i = 0; f->fr && i < f->fr->nstats; i++) {
        double base = y + (rh - asc - desc) / 2 + asc;
        if ((st = text(f, p, CMETA_ROLE_STATS, -1, 0, base, CMETA_ANCHOR_LEFT, 0, f->fr->stats[i]))) return st;
        y += rh;
    }
    for (size_t i = 0; i < nl; i++) {
        double base = y + (rh - asc - desc) / 2 + asc;
        snprintf(buf, sizeof buf, "%s", lines[i]);
        if ((st = text(f, p, CMETA_ROLE_STATS, -1, 0, base, CMETA_ANCHOR_LEFT, 0, buf))) return st;
        y += rh;
    }
    *yp = y;
    return CMETA_OK;
}

/* The whole forest plot, top to bottom: title, headings, rows, null line, axis, its titles,
 * statistics, risk-of-bias legend. */
static cmeta_status layout(forest *f, cmeta_plot *p)
{
    const double fs = f->o.font_size;
    cmeta_text_extent fe = {0, 0, 0};
    f->measure(f->ctx, "Hg", fs, 0, &fe);
    const double asc = fe.ascent > 0 ? fe.ascent : 0.8 * fs, desc = fe.descent > 0 ? fe.descent : 0.25 * fs;
    const double rh = (asc + desc) * 1.3, gap = fs * 1.2;
    cmeta_status st;

    /* column widths and positions */
    const double table_right = column_widths(f, gap);
    column *pc = &f->col[f->col_plot];

    /* axis limits and ticks */
    double ticks[64];
    int has_null;
    size_t nt = axis_limits(f, p, pc, ticks, &has_null);
    double y = 0;
    if ((st = title_block(f, p, table_right, rh, &y))) return st;
    if ((st = headings(f, p, rh, asc, desc, table_right, &y))) return st;
    double body_top = y;
    if ((st = table_rows(f, p, rh, asc, desc, &y))) return st;
    double axis_y = y + rh * 0.3;
    if (has_null && 0 >= p->lo && 0 <= p->hi && (st = null_line(f, p, body_top, axis_y))) return st;
    if ((st = axis(f, p, ticks, nt, axis_y, asc, desc, &y))) return st;
    if ((st = axis_titles(f, p, has_null, rh, asc, desc, &y))) return st;
    if ((st = stats_lines(f, p, rh, asc, desc, &y))) return st;
    if (f->nrob && (st = rob_legend(f, p, rh, asc, desc, &y))) return st;
    cmeta__plot_finish(p, fs);
    return CMETA_OK;
}

/* The common set-up of a forest layout: options, scale, columns. */
static cmeta_status forest_init(forest *f, const cmeta_data *d, const cmeta_fit *fit, const cmeta_forest_subgroups *sub,
                                const cmeta__forest_rows *fr, const cmeta_forest_opts *o,
                                cmeta_text_measure_fn measure, void *measure_ctx, cmeta_error *err)
{
    cmeta_status st0;
    memset(f, 0, sizeof *f);
    f->d = d;
    f->fit = fit;
    f->sub = sub;
    f->fr = fr;
    if (o) f->o = *o;
    else cmeta_forest_opts_default(&f->o);
    if (!(f->o.font_size > 0)) f->o.font_size = 10;
    if (!(f->o.plot_width > 0)) f->o.plot_width = 220;
    if (f->o.digits < 0 || f->o.digits > 10) f->o.digits = 2;
    f->measure = measure;
    f->ctx = measure_ctx;
    f->revman = f->o.layout == CMETA_FOREST_REVMAN5;
    f->random = f->o.random >= 0 ? f->o.random
                                 : !(fit->method == CMETA_METHOD_FE || fit->method == CMETA_METHOD_MH ||
                                     fit->method == CMETA_METHOD_PETO);
    f->show_pred = f->o.show_pred >= 0 ? f->o.show_pred : (!f->revman && f->random);
    f->tk = cmeta_data_transform(d);
    f->hn = f->tk == CMETA_TRANS_IFT ? cmeta__harmonic_n(d) : NAN;
    if (f->tk == CMETA_TRANS_IFT && !(f->hn > 0)) f->tk = CMETA_TRANS_NONE; /* no ni: FT scale */
    f->log_scale = f->tk == CMETA_TRANS_EXP;
    cmeta_family fam = cmeta_measure_family(d->measure);
    f->two_group = fam == CMETA_FAMILY_BIN2 || fam == CMETA_FAMILY_CONT2;
    if ((st0 = check_opts(f, err)) != CMETA_OK) return st0;
    setup_columns(f);
    return CMETA_OK;
}

cmeta_status cmeta_forest_layout(const cmeta_data *d, const cmeta_fit *fit,
                                 const cmeta_forest_subgroups *sub, const cmeta_forest_opts *o,
                                 cmeta_text_measure_fn measure, void *measure_ctx, cmeta_plot *out,
                                 cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: no output plot given");
    memset(out, 0, sizeof *out);
    if (!d || !fit || !measure || !fit->beta || !fit->ci_lb || !fit->ci_ub)
        return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: data, fit and a text measure are required");
    if (d->k == 0) return cmeta_error_set(err, CMETA_EDATA, "forest plot: no studies to plot");
    if (fit->k != d->k)
        return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: the fit has %zu studies, the data %zu", fit->k, d->k);
    if (sub)
        for (size_t g = 0; g < sub->ngroups; g++)
            for (size_t j = 0; j < sub->group[g].n; j++)
                if (sub->group[g].idx[j] >= d->k)
                    return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: subgroup '%s' names study %zu of %zu",
                                           sub->group[g].name, sub->group[g].idx[j] + 1, d->k);
    forest f;
    cmeta_status st0;
    if ((st0 = forest_init(&f, d, fit, sub, NULL, o, measure, measure_ctx, err)) != CMETA_OK) return st0;
    cmeta_status st = CMETA_OK;
    if (f.o.order && sub && sub->ngroups) {
        /* each subgroup's studies by their rank in o.order */
        size_t *rank = cmeta_calloc(d->k, sizeof *rank);
        f.gorder = cmeta_calloc(sub->ngroups, sizeof *f.gorder);
        if (!rank || !f.gorder) st = CMETA_ENOMEM;
        for (size_t i = 0; st == CMETA_OK && i < d->k; i++) rank[f.o.order[i]] = i;
        for (size_t g = 0; st == CMETA_OK && g < sub->ngroups; g++) {
            const cmeta_forest_group *gr = &sub->group[g];
            f.gorder[g] = cmeta_calloc(gr->n ? gr->n : 1, sizeof **f.gorder);
            if (!f.gorder[g]) {
                st = CMETA_ENOMEM;
                break;
            }
            memcpy(f.gorder[g], gr->idx, gr->n * sizeof *gr->idx);
            for (size_t a = 1; a < gr->n; a++) /* insertion sort by rank (stable) */
                for (size_t b = a; b > 0 && rank[f.gorder[g][b - 1]] > rank[f.gorder[g][b]]; b--) {
                    size_t t = f.gorder[g][b];
                    f.gorder[g][b] = f.gorder[g][b - 1];
                    f.gorder[g][b - 1] = t;
                }
        }
        cmeta_free(rank);
    }
    if (st == CMETA_OK) st = build_rows(&f);
    if (st == CMETA_OK) st = layout(&f, out);
    free_rows(&f);
    if (f.gorder)
        for (size_t g = 0; g < sub->ngroups; g++) cmeta_free(f.gorder[g]);
    cmeta_free(f.gorder);
    if (st != CMETA_OK) {
        cmeta_plot_free(out);
        return cmeta_error_set(err, st, "forest plot: %s", cmeta_strerror(st));
    }
    return CMETA_OK;
}

cmeta_status cmeta__forest_layout_rows(const cmeta_data *d, const cmeta_fit *fit, const cmeta__forest_rows *fr,
                                       const cmeta_forest_opts *o, cmeta_text_measure_fn measure, void *measure_ctx,
                                       cmeta_plot *out, cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: no output plot given");
    memset(out, 0, sizeof *out);
    if (!d || !fit || !fr || !measure || !fit->weight || (fr->ngroups && (!fr->group_name || !fr->group)) ||
        !fr->label || (fr->nsum && (!fr->sum_label || !fr->est || !fr->ci_lb || !fr->ci_ub)) ||
        (fr->nstats && !fr->stats))
        return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: data, fit, rows and a text measure are required");
    if (d->k == 0) return cmeta_error_set(err, CMETA_EDATA, "forest plot: no studies to plot");
    if (fit->k != d->k)
        return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: the fit has %zu studies, the data %zu", fit->k, d->k);
    for (size_t i = 0; i < d->k && fr->ngroups; i++)
        if (fr->group[i] >= fr->ngroups)
            return cmeta_error_set(err, CMETA_EUSAGE, "forest plot: row %zu is in group %zu of %zu", i + 1,
                                   fr->group[i] + 1, fr->ngroups);
    if (o && (o->layout != CMETA_FOREST_METAFOR || o->order || o->derived || o->nannot || o->rob_ndomains))
        return cmeta_error_set(err, CMETA_EUSAGE, "forest plot of given rows: the metafor layout only, without an "
                                                  "order, derived rows, annotation or risk-of-bias columns");
    forest f;
    cmeta_status st = forest_init(&f, d, fit, NULL, fr, o, measure, measure_ctx, err);
    if (st != CMETA_OK) return st;
    st = build_rows(&f);
    if (st == CMETA_OK) st = layout(&f, out);
    free_rows(&f);
    if (st != CMETA_OK) {
        cmeta_plot_free(out);
        return cmeta_error_set(err, st, "forest plot: %s", cmeta_strerror(st));
    }
    return CMETA_OK;
}
