/* reported.c - effect sizes from reported statistics (cmeta/reported.h).
 *
 * The conversions on single values first (each with its formula and source), then the rows of
 * a table: each row takes the most direct of its complete routes (group means and SDs or 2x2
 * counts; group SE or CI of the mean; five-number summary; estimate with CI, SE, p-value),
 * arms marked by --combine are merged (Cochrane Handbook Table 6.5.a), the group rows go through
 * cmeta_escalc together (so that continuity corrections see every table, as metafor's), and
 * the estimate rows give yi and vi directly.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "internal.h"
#include "reported_internal.h"

/* ---- names ------------------------------------------------------------------------------- */

const char *cmeta_fivenum_name(cmeta_fivenum_method m)
{
    switch (m) {
    case CMETA_FIVENUM_DEFAULT: return "luo-wan-shi";
    case CMETA_FIVENUM_WAN: return "wan";
    case CMETA_FIVENUM_HOZO: return "hozo";
    }
    return NULL;
}

cmeta_status cmeta_fivenum_from_name(const char *name, cmeta_fivenum_method *out)
{
    static const struct { const char *s; cmeta_fivenum_method m; } t[] = {
        {"default", CMETA_FIVENUM_DEFAULT}, {"luo-wan-shi", CMETA_FIVENUM_DEFAULT},
        {"luo/wan/shi", CMETA_FIVENUM_DEFAULT}, {"wan", CMETA_FIVENUM_WAN},
        {"wan2014", CMETA_FIVENUM_WAN}, {"hozo", CMETA_FIVENUM_HOZO}, {"hozo2005", CMETA_FIVENUM_HOZO}};
    if (!name || !out) return CMETA_EUSAGE;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (cmeta__strcasecmp(name, t[i].s) == 0) {
            *out = t[i].m;
            return CMETA_OK;
        }
    return CMETA_EUSAGE;
}

/* ---- conversions of single values --------------------------------------------------------- */


cmeta_status cmeta_fivenum_meansd(cmeta_fivenum_method method, double a, double q1, double m,
                                  double q3, double b, double n, double *mean, double *sd,
                                  int *skewed, cmeta_error *err)
{
    *mean = *sd = NAN;
    *skewed = 0;
    int range = isfinite(a) && isfinite(b), iqr = isfinite(q1) && isfinite(q3);
    if (!isfinite(m) || (!range && !iqr))
        return cmeta_error_set(err, CMETA_EDATA, "a five-number summary needs the median and the "
                                                 "quartiles or the range");
    if (!(n >= 5))
        return cmeta_error_set(err, CMETA_EDATA, "a median with quartiles or range needs n >= 5 "
                                                 "(as metafor's conv.fivenum; got %g)", n);
    /* a <= q1 <= m <= q3 <= b over the values given (conv.fivenum refuses otherwise) */
    double v[5] = {range ? a : NAN, iqr ? q1 : NAN, m, iqr ? q3 : NAN, range ? b : NAN}, prev = -INFINITY;
    for (int i = 0; i < 5; i++) {
        if (isnan(v[i])) continue;
        if (v[i] < prev)
            return cmeta_error_set(err, CMETA_EDATA, "min <= q1 <= median <= q3 <= max does not hold");
        prev = v[i];
    }
    if ((range && !(b > a)) || (iqr && !(q3 > q1)))
        return cmeta_error_set(err, CMETA_EDATA, "the %s has width 0: no SD can be estimated",
                               iqr && !(q3 > q1) ? "interquartile range" : "range");
    if (method == CMETA_FIVENUM_HOZO && !range)
        return cmeta_error_set(err, CMETA_EDATA, "Hozo et al. (2005) give no formula for the "
                                                 "quartiles alone (use --fivenum wan or default)");

    /* skewness: Shi et al. (2023), the test of metafor 4's conv.fivenum (test = TRUE) */
    double tval, crit;
    if (range && iqr) {
        tval = fmax(2.65 * log(0.6 * n) / sqrt(n) * fabs((a + b - 2 * m) / (b - a)),
                    fabs((q1 + q3 - 2 * m) / (q3 - q1)));
        crit = 3 / sqrt(n) - 40 / (n * n * n);
    } else if (range) {
        tval = fabs((a + b - 2 * m) / (b - a));
        crit = 1 / log(n + 9) + 2.5 / (n + 1);
    } else {
        tval = fabs((q1 + q3 - 2 * m) / (q3 - q1));
        crit = 2.65 / sqrt(n) - 6 / (n * n);
    }
    if (tval >= crit) {
        *skewed = 1;
        return CMETA_OK;
    }

    /* xi(n) = 2 qnorm((n - 0.375)/(n + 0.25)) (Wan eq 9), eta(n) = 2 qnorm((0.75 n - 0.125)/(n + 0.25))
     * (Wan eq 16), through the upper tails 0.625/(n + 0.25) and (0.25 n + 0.375)/(n + 0.25) */
    double xi = range ? 2 * cmeta__qnorm_upper(0.625 / (n + 0.25)) : NAN;
    double eta = iqr ? 2 * cmeta__qnorm_upper((0.25 * n + 0.375) / (n + 0.25)) : NAN;
    switch (method) {
    case CMETA_FIVENUM_DEFAULT:
        if (range && iqr) {
            /* Luo et al. (2018) eq 15; Shi et al. (2020) eq 10 */
            double w1 = 2.2 / (2.2 + pow(n, 0.75)), w2 = 0.7 - 0.72 / pow(n, 0.55);
            *mean = w1 * (a + b) / 2 + w2 * (q1 + q3) / 2 + (1 - w1 - w2) * m;
            double w = 1 / (1 + 0.07 * pow(n, 0.6));
            *sd = w * (b - a) / xi + (1 - w) * (q3 - q1) / eta;
        } else if (range) {
            double w = 4 / (4 + pow(n, 0.75)); /* Luo eq 7 */
            *mean = w * (a + b) / 2 + (1 - w) * m;
            *sd = (b - a) / xi;                /* Wan eq 9 */
        } else {
            double w = 0.7 + 0.39 / n;         /* Luo eq 11 */
            *mean = w * (q1 + q3) / 2 + (1 - w) * m;
            *sd = (q3 - q1) / eta;             /* Wan eq 16 */
        }
        break;
    case CMETA_FIVENUM_WAN:
        if (range && iqr) {
            *mean = (a + 2 * q1 + 2 * m + 2 * q3 + b) / 8; /* Wan 2014 (as Bland 2015) */
            *sd = 0.5 * ((b - a) / xi + (q3 - q1) / eta);  /* Wan 2014: average of the two */
        } else if (range) {
            *mean = (a + 2 * m + b) / 4;                   /* Wan 2014 (Hozo's small-n mean) */
            *sd = (b - a) / xi;                            /* Wan eq 9 */
        } else {
            *mean = (q1 + m + q3) / 3;                     /* Wan 2014 */
            *sd = (q3 - q1) / eta;                         /* Wan eq 16 */
        }
        break;
    case CMETA_FIVENUM_HOZO:
        /* Hozo et al. (2005), as conv.fivenum "hozo2005": the minimum, median and maximum */
        *mean = n <= 25 ? (a + 2 * m + b) / 4 : m;
        if (n <= 15) *sd = sqrt(((a - 2 * m + b) * (a - 2 * m + b) / 4 + (b - a) * (b - a)) / 12);
        else if (n <= 70) *sd = (b - a) / 4;
        else *sd = (b - a) / 6;
        break;
    default: return cmeta_error_set(err, CMETA_EUSAGE, "unknown five-number method");
    }
    return CMETA_OK;
}

double cmeta_sd_from_se(double se, double n) { return se * sqrt(n); }

double cmeta_sd_from_ci(double lb, double ub, double n, double level)
{
    double div;
    if (n <= 100) div = 2 * cmeta__qcrit(level, n - 1);
    else if (level == 95) div = 3.92;
    else div = 2 * cmeta__qcrit(level, NAN);
    return sqrt(n) * (ub - lb) / div;
}

void cmeta_combine_groups(double n1, double m1, double sd1, double n2, double m2, double sd2,
                          double *n, double *m, double *sd)
{
    double N = n1 + n2;
    *n = N;
    *m = (n1 * m1 + n2 * m2) / N;
    *sd = sqrt(((n1 - 1) * sd1 * sd1 + (n2 - 1) * sd2 * sd2 +
                n1 * n2 / N * (m1 * m1 + m2 * m2 - 2 * m1 * m2)) / (N - 1));
}

double cmeta_vi_from_ci(double lb, double ub, double level, int ratio)
{
    if (ratio) lb = log(lb), ub = log(ub);
    double se = (ub - lb) / (2 * cmeta__qcrit(level, NAN));
    return se * se;
}

double cmeta_vi_from_p(double yi, double p)
{
    double z = cmeta__qnorm_upper(p / 2); /* qnorm(1 - p/2), exact for tiny p */
    double se = fabs(yi) / z;
    return se * se;
}

/* ---- rows of a table --------------------------------------------------------------------- */

/* Columns: the group data by canonical name (aliases too), the reported statistics by name. */
enum { C_M1, C_SD1, C_N1, C_M2, C_SD2, C_N2, C_AI, C_BI, C_CI, C_DI, C_YI, C_VI,
       C_EST, C_LB, C_UB, C_LEVEL, C_P, C_SEI,
       C_MED1, C_Q11, C_Q31, C_MIN1, C_MAX1, C_SE1, C_LB1, C_UB1,
       C_MED2, C_Q12, C_Q32, C_MIN2, C_MAX2, C_SE2, C_LB2, C_UB2, NC };
static const char *const cname[NC] = {
    "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i", "ai", "bi", "ci", "di", "yi", "vi",
    "est", "ci_lb", "ci_ub", "ci_level", "pval", "sei",
    "med1i", "q11i", "q31i", "min1i", "max1i", "se1i", "ci_lb1i", "ci_ub1i",
    "med2i", "q12i", "q32i", "min2i", "max2i", "se2i", "ci_lb2i", "ci_ub2i"};
#define FIRST_REPORTED C_EST

int cmeta__reported_wanted(const cmeta_table *t, const cmeta_data_opts *o)
{
    if (!t) return 0;
    if (o && o->combine) return 1;
    /* est, or a group's reported columns; ci_lb, ci_ub, ci_level, pval alone (as in a results
     * file read back) do not switch the route on */
    for (int c = FIRST_REPORTED; c < NC; c++)
        if ((c == C_EST || c >= C_MED1) && cmeta_table_find(t, cname[c]) >= 0) return 1;
    return 0;
}

void cmeta__reported_free(cmeta__reported *r)
{
    if (!r) return;
    cmeta_free(r->yi);
    cmeta_free(r->vi);
    if (r->from)
        for (size_t i = 0; i < r->nrows; i++) cmeta_free(r->from[i]);
    cmeta_free(r->from);
    for (int g = 0; g < CMETA__NG; g++) cmeta_free(r->g[g]);
    memset(r, 0, sizeof *r);
}

static char *label_of(const cmeta_table *t, size_t i, char *buf, size_t n)
{
    long lc = cmeta_table_find(t, "study");
    const char *s = lc >= 0 ? cmeta_table_cell(t, i, (size_t)lc) : "";
    if (lc >= 0 && !cmeta_cell_is_missing(s)) snprintf(buf, n, "%s", s);
    else snprintf(buf, n, "Study %zu", i + 1);
    return buf;
}

static cmeta_status fail_row(cmeta_error *err, const cmeta_table *t, size_t row, long col,
                             const char *fmt, const char *a, double x)
{
    char lab[256], msg[512];
    label_of(t, row, lab, sizeof lab);
    snprintf(msg, sizeof msg, fmt, a, x);
    if (err) {
        cmeta_error_clear(err);
        snprintf(err->file, sizeof err->file, "%s", cmeta_table_name(t));
        err->line = col >= 0 ? cmeta_table_cell_line(t, row, (size_t)col) : cmeta_table_row_line(t, row);
        err->column = col >= 0 ? col + 1 : 0;
        err->index = (long)row;
        snprintf(err->study, sizeof err->study, "%s", lab);
    }
    return cmeta_error_set(err, CMETA_EDATA, "%s", msg);
}

/* One group's mean and SD from its cells (v: the row's values, base: C_MED1 or C_MED2, and the
 * m/sd/n columns of the group). level 0 direct, 1 SE/CI, 2 five-number summary, -1 none.
 * *why is set when a five-number summary is there but gives no mean (skewed, n < 5...). */
typedef struct { double m, sd, n; int level; const char *how; } group_val;

static cmeta_status group_of(const cmeta_table *t, size_t row, const long *col, const double *v,
                             int g, const cmeta_data_opts *o, group_val *out, char *why, size_t nwhy,
                             cmeta_error *err)
{
    int cm = g == 1 ? C_M1 : C_M2, csd = g == 1 ? C_SD1 : C_SD2, cn = g == 1 ? C_N1 : C_N2;
    int b = g == 1 ? C_MED1 : C_MED2; /* med q1 q3 min max se lb ub */
    out->m = out->sd = NAN;
    out->n = v[cn];
    out->level = -1;
    out->how = NULL;
    if (isnan(v[cn])) return CMETA_OK;
    if (!isnan(v[cm]) && !isnan(v[csd])) {
        out->m = v[cm], out->sd = v[csd], out->level = 0, out->how = "mean_sd";
        return CMETA_OK;
    }
    if (!isnan(v[cm]) && !isnan(v[b + 5])) {
        if (!(v[b + 5] > 0))
            return fail_row(err, t, row, col[b + 5], "%s must be > 0 (got %g)", cname[b + 5], v[b + 5]);
        out->m = v[cm], out->sd = cmeta_sd_from_se(v[b + 5], v[cn]), out->level = 1, out->how = "group_se";
        return CMETA_OK;
    }
    if (!isnan(v[cm]) && !isnan(v[b + 6]) && !isnan(v[b + 7])) {
        double lb = v[b + 6], ub = v[b + 7], lev = isnan(v[C_LEVEL]) ? 95 : v[C_LEVEL];
        if (!(ub > lb))
            return fail_row(err, t, row, col[b + 7], "%s must be > the lower limit (got %g)", cname[b + 7], ub);
        if (!(v[cm] >= lb && v[cm] <= ub))
            return fail_row(err, t, row, col[cm], "%s must lie within its confidence interval (got %g)",
                            cname[cm], v[cm]);
        if (!(v[cn] >= 2))
            return fail_row(err, t, row, col[cn], "%s must be >= 2 for an SD from a CI (got %g)", cname[cn], v[cn]);
        out->m = v[cm], out->sd = cmeta_sd_from_ci(lb, ub, v[cn], lev), out->level = 1, out->how = "group_ci";
        return CMETA_OK;
    }
    int range = !isnan(v[b + 3]) && !isnan(v[b + 4]), iqr = !isnan(v[b + 1]) && !isnan(v[b + 2]);
    if (!isnan(v[b]) && (range || iqr)) {
        int sk = 0;
        cmeta_error e;
        cmeta_error_clear(&e);
        if (cmeta_fivenum_meansd(o->fivenum, v[b + 3], v[b + 1], v[b], v[b + 2], v[b + 4], v[cn],
                                 &out->m, &out->sd, &sk, &e) != CMETA_OK) {
            if (why[0]) { /* the first group's reason stands */
            } else if (!(v[cn] >= 5)) { /* conv.fivenum gives NA below n = 5: a reason to leave out */
                snprintf(why, nwhy, "%s = %g: a median needs n >= 5 (as conv.fivenum)", cname[cn], v[cn]);
            } else if (o->fivenum == CMETA_FIVENUM_HOZO && !range) { /* conv.fivenum "hozo2005": NA */
                snprintf(why, nwhy, "group %d has quartiles only, for which Hozo et al. (2005) give "
                                    "no formula (use --fivenum wan or default)", g);
            }
            if (!(v[cn] >= 5) || (o->fivenum == CMETA_FIVENUM_HOZO && !range)) return CMETA_OK;
            return fail_row(err, t, row, col[b], "%s (group %g)", e.message, g);
        }
        if (sk) {
            if (!why[0]) snprintf(why, nwhy, "the quartiles/range of group %d are skewed (Shi et al. 2023 test, "
                                "as conv.fivenum's default test = TRUE)", g);
            out->m = out->sd = NAN;
            return CMETA_OK;
        }
        static const char *const how[] = {"fivenum:luo-wan-shi", "fivenum:wan", "fivenum:hozo"};
        out->level = 2;
        out->how = how[o->fivenum];
    }
    return CMETA_OK;
}

/* The estimate routes: yi, vi and the route, or *route NULL when none is complete. */
static cmeta_status est_of(const cmeta_table *t, size_t row, const long *col, const double *v,
                           const cmeta_data_opts *o, double *yi, double *vi, const char **route,
                           cmeta_error *err)
{
    *route = NULL;
    double est = v[C_EST];
    if (isnan(est) && !isnan(v[C_YI]) && (!isnan(v[C_VI]) || !isnan(v[C_SEI]))) {
        /* yi with vi or sei given (as GEN): on the analysis scale already */
        double var = !isnan(v[C_VI]) ? v[C_VI] : v[C_SEI] * v[C_SEI];
        int c = !isnan(v[C_VI]) ? C_VI : C_SEI;
        if (!(var > 0)) return fail_row(err, t, row, col[c], "%s must be > 0 (got %g)", cname[c], v[c]);
        *yi = v[C_YI], *vi = var, *route = "yi_vi";
        return CMETA_OK;
    }
    if (isnan(est)) return CMETA_OK;
    int ci = !isnan(v[C_LB]) && !isnan(v[C_UB]), se = !isnan(v[C_SEI]), p = !isnan(v[C_P]);
    if (!ci && !se && !p) return CMETA_OK;
    if (o->ratio) {
        if (!(est > 0)) return fail_row(err, t, row, col[C_EST], "%s must be > 0 with --ratio (got %g)", "est", est);
        *yi = log(est);
    } else {
        *yi = est;
    }
    if (ci) {
        double lb = v[C_LB], ub = v[C_UB], lev = isnan(v[C_LEVEL]) ? 95 : v[C_LEVEL];
        if (o->ratio && !(lb > 0))
            return fail_row(err, t, row, col[C_LB], "%s must be > 0 with --ratio (got %g)", "ci_lb", lb);
        if (!(ub > lb)) return fail_row(err, t, row, col[C_UB], "%s must be > ci_lb (got %g)", "ci_ub", ub);
        if (!(est >= lb && est <= ub))
            return fail_row(err, t, row, col[C_EST], "%s must lie within its confidence interval (got %g)", "est", est);
        if (!(lev > 0 && lev < 100))
            return fail_row(err, t, row, col[C_LEVEL], "%s must be a percentage between 0 and 100 (got %g)", "ci_level", lev);
        *vi = cmeta_vi_from_ci(lb, ub, lev, o->ratio);
        *route = "est_ci";
    } else if (se) {
        if (!(v[C_SEI] > 0)) return fail_row(err, t, row, col[C_SEI], "%s must be > 0 (got %g)", "sei", v[C_SEI]);
        *vi = v[C_SEI] * v[C_SEI];
        *route = "est_se";
    } else {
        double pv = v[C_P];
        if (!(pv > 0 && pv < 1))
            return fail_row(err, t, row, col[C_P], "%s must be > 0 and < 1 to give a standard error (got %g)", "pval", pv);
        if (*yi == 0)
            return fail_row(err, t, row, col[C_EST], "%s = %g (no effect) with a p-value gives no standard error",
                            o->ratio ? "est" : "est", est);
        *vi = cmeta_vi_from_p(*yi, pv);
        *route = "est_p";
    }
    return CMETA_OK;
}

/* cmeta__reported_rows' working arrays, one element per row. */
typedef struct {
    int *isgroup;             /* the row goes through escalc with both groups */
    int *arm1;                /* group 1 complete (an arm for --combine) */
    const char **how1, **how; /* group 1's route; the row's route (NULL: none) */
    char **why;               /* why a row has no route, when known */
    char **merged;            /* label of the row an arm was merged into (--combine) */
} rows_ws;

/* The options against the file's columns: --measure, --ratio, own columns mixed with reported
 * statistics, and the --combine column (*ccol, -1 without --combine). */
static cmeta_status check_columns(const cmeta_table *t, const cmeta_data_opts *o, const long *col, cmeta_measure m,
                                  cmeta_family fam, int groups, long *ccol, cmeta_error *err)
{
    *ccol = -1;
    if (o->ratio && m != CMETA_GEN && cmeta_measure_transform(m) != CMETA_TRANS_EXP)
        return cmeta_error_set(err, CMETA_EUSAGE, "--ratio needs a measure on the log scale (OR, RR, "
                               "PETO, ROM...), not %s", cmeta_measure_name(m));
    if (!o->measure_set) {
        static const int gcols[] = {C_M1, C_MED1, C_SE1, C_LB1, C_AI};
        for (size_t j = 0; j < sizeof gcols / sizeof *gcols; j++)
            if (col[gcols[j]] >= 0)
                return cmeta_error_set(err, CMETA_EUSAGE, "--measure is required: the file has group "
                                       "statistics (column %s)", cmeta_table_colname(t, (size_t)col[gcols[j]]));
        if (col[C_EST] < 0)
            return cmeta_error_set(err, CMETA_EUSAGE, "--measure is required (the file has no est column)");
    }
    if (!groups && fam != CMETA_FAMILY_GEN) { /* pre/post, proportions, correlations: no group route */
        static const int own[] = {C_M1, C_SD1, C_M2};
        for (size_t j = 0; j < sizeof own / sizeof *own; j++)
            if (col[own[j]] >= 0)
                return cmeta_error_set(err, CMETA_EUSAGE, "--measure %s: its own columns (%s) and reported "
                                       "statistics (est, med1i, se1i...) cannot be mixed in one file; "
                                       "reported group statistics go with two-group measures",
                                       cmeta_measure_name(m), cname[own[j]]);
        if (cmeta_table_find(t, "ni") >= 0 || cmeta_table_find(t, "xi") >= 0 || cmeta_table_find(t, "ri") >= 0)
            return cmeta_error_set(err, CMETA_EUSAGE, "--measure %s: its own columns and reported statistics "
                                   "(est...) cannot be mixed in one file", cmeta_measure_name(m));
    }
    if (o->combine) {
        /* by the name as written: "trial" is also an alias of the study label */
        for (size_t j = 0; j < cmeta_table_ncols(t) && *ccol < 0; j++)
            if (cmeta__strcasecmp(cmeta_table_colname(t, j), o->combine) == 0) *ccol = (long)j;
        if (*ccol < 0) return cmeta_error_set(err, CMETA_EUSAGE, "--combine: no column '%s'", o->combine);
        if (!groups)
            return cmeta_error_set(err, CMETA_EUSAGE, "--combine merges group data: it needs a two-group "
                                   "measure (SMD, MD, OR, RR...), not %s", cmeta_measure_name(m));
    }
    return CMETA_OK;
}

/* Row i's numbers v[0 .. NC) (NAN where the column is absent or the cell missing). */
static cmeta_status row_values(const cmeta_table *t, size_t i, const long *col, double *v, cmeta_error *err)
{
    for (int c = 0; c < NC; c++) {
        v[c] = NAN;
        if (col[c] < 0) continue;
        const char *cell = cmeta_table_cell(t, i, (size_t)col[c]);
        if (cmeta_cell_is_missing(cell)) continue;
        cmeta_error e;
        cmeta_error_clear(&e);
        if (cmeta_parse_double(cell, &v[c], &e) != CMETA_OK) {
            char msg[sizeof e.message + 32];
            snprintf(msg, sizeof msg, "%s: %s", cmeta_table_colname(t, (size_t)col[c]), e.message);
            return fail_row(err, t, i, col[c], "%s", msg, 0);
        }
    }
    return CMETA_OK;
}

/* Row i's route: both groups' data (group means and SDs by group_of, or counts), else an
 * estimate (est_of); the reason kept when there is none. */
static cmeta_status row_route(const cmeta_table *t, size_t i, const long *col, const double *v,
                              const cmeta_data_opts *o, cmeta_family fam, int groups, cmeta__reported *r,
                              rows_ws *ws, cmeta_error *err)
{
    cmeta_status st = CMETA_OK;
    char whybuf[200] = "";
    if (groups && fam == CMETA_FAMILY_CONT2) {
        group_val g1, g2;
        st = group_of(t, i, col, v, 1, o, &g1, whybuf, sizeof whybuf, err);
        if (st == CMETA_OK) st = group_of(t, i, col, v, 2, o, &g2, whybuf, sizeof whybuf, err);
        if (st != CMETA_OK) return st;
        if (g1.level >= 0) { /* an arm merged by --combine may leave the shared control out */
            ws->arm1[i] = 1, ws->how1[i] = g1.how;
            r->g[CMETA__G_M1][i] = g1.m, r->g[CMETA__G_SD1][i] = g1.sd, r->g[CMETA__G_N1][i] = g1.n;
        }
        if (g1.level >= 0 && g2.level >= 0) {
            ws->isgroup[i] = 1;
            ws->how[i] = g1.level >= g2.level ? g1.how : g2.how;
            if (g1.level == 1 && g2.level == 1 && strcmp(g1.how, g2.how) != 0) ws->how[i] = "group_se_ci";
            r->g[CMETA__G_M1][i] = g1.m, r->g[CMETA__G_SD1][i] = g1.sd, r->g[CMETA__G_N1][i] = g1.n;
            r->g[CMETA__G_M2][i] = g2.m, r->g[CMETA__G_SD2][i] = g2.sd, r->g[CMETA__G_N2][i] = g2.n;
        }
    } else if (groups) {
        double bi = !isnan(v[C_BI]) ? v[C_BI] : v[C_N1] - v[C_AI];
        double di = !isnan(v[C_DI]) ? v[C_DI] : v[C_N2] - v[C_CI];
        if (!isnan(v[C_AI]) && !isnan(bi)) {
            ws->arm1[i] = 1, ws->how1[i] = "counts";
            r->g[CMETA__G_AI][i] = v[C_AI], r->g[CMETA__G_BI][i] = bi;
        }
        if (!isnan(v[C_AI]) && !isnan(bi) && !isnan(v[C_CI]) && !isnan(di)) {
            ws->isgroup[i] = 1;
            ws->how[i] = "counts";
            r->g[CMETA__G_AI][i] = v[C_AI], r->g[CMETA__G_BI][i] = bi;
            r->g[CMETA__G_CI][i] = v[C_CI], r->g[CMETA__G_DI][i] = di;
        }
    }
    if (!ws->isgroup[i]) {
        const char *route = NULL;
        st = est_of(t, i, col, v, o, &r->yi[i], &r->vi[i], &route, err);
        if (st != CMETA_OK) return st;
        ws->how[i] = route;
        if (!route) r->yi[i] = r->vi[i] = NAN;
    }
    if (!ws->how[i] && whybuf[0]) {
        ws->why[i] = cmeta_strdup(whybuf);
        if (!ws->why[i]) st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    return st;
}

/* Arm j of trial key merged into its first row i: a warning when the rows' control groups
 * differ, group 1 pooled (Cochrane Handbook Table 6.5.a) or its counts added, the less direct
 * route of the two kept, row j marked merged. */
static cmeta_status merge_arm(const cmeta_table *t, cmeta_family fam, const char *key, size_t i, size_t j,
                              cmeta__reported *r, rows_ws *ws, cmeta_warnings *w, cmeta_error *err)
{
    cmeta_status st = CMETA_OK;
    {   /* the control is shared: say so when the arms' rows disagree on it */
        int g0 = fam == CMETA_FAMILY_CONT2 ? CMETA__G_M2 : CMETA__G_CI;
        int g1 = fam == CMETA_FAMILY_CONT2 ? CMETA__G_N2 : CMETA__G_DI, differ = 0;
        for (int g = g0; g <= g1; g++) differ |= !isnan(r->g[g][j]) && r->g[g][i] != r->g[g][j];
        char lab[256], labj[256];
        if (differ && cmeta_warn(w, "study '%s' (line %ld): its control group differs from that of "
                                 "'%s' (line %ld), the first arm of trial %s: the first row's is used",
                                 label_of(t, j, labj, sizeof labj), cmeta_table_row_line(t, j),
                                 label_of(t, i, lab, sizeof lab), cmeta_table_row_line(t, i), key) != CMETA_OK)
            st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    if (fam == CMETA_FAMILY_CONT2) {
        double n, mm, sd;
        cmeta_combine_groups(r->g[CMETA__G_N1][i], r->g[CMETA__G_M1][i], r->g[CMETA__G_SD1][i],
                             r->g[CMETA__G_N1][j], r->g[CMETA__G_M1][j], r->g[CMETA__G_SD1][j],
                             &n, &mm, &sd);
        r->g[CMETA__G_N1][i] = n, r->g[CMETA__G_M1][i] = mm, r->g[CMETA__G_SD1][i] = sd;
    } else { /* counts add up */
        r->g[CMETA__G_AI][i] += r->g[CMETA__G_AI][j];
        r->g[CMETA__G_BI][i] += r->g[CMETA__G_BI][j];
    }
    /* the less direct route of the two names the merged row */
    static const char *const order[] = {"mean_sd", "counts", "group_se", "group_ci", "group_se_ci"};
    int li = 9, lj = 9;
    for (int q = 0; q < 5; q++) {
        if (strcmp(ws->how[i], order[q]) == 0) li = q;
        if (strcmp(ws->how1[j], order[q]) == 0) lj = q;
    }
    if (li < 9 && (lj > li)) ws->how[i] = lj < 9 ? order[lj] : ws->how1[j];
    ws->isgroup[j] = 0;
    ws->how[j] = NULL;
    r->yi[j] = r->vi[j] = NAN;
    char lab1[256];
    ws->merged[j] = cmeta_strdup(label_of(t, i, lab1, sizeof lab1));
    if (!ws->merged[j]) st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    return st;
}

/* --combine: the arms of one trial (rows with the same value in column ccol) merged into its
 * first row (merge_arm; the control arm is the first row's, taken once). */
static cmeta_status merge_trials(const cmeta_table *t, const cmeta_data_opts *o, cmeta_family fam, long ccol,
                                 cmeta__reported *r, rows_ws *ws, cmeta_warnings *w, cmeta_error *err)
{
    cmeta_status st = CMETA_OK;
    size_t nr = r->nrows;
    for (size_t i = 0; i < nr && st == CMETA_OK && ccol >= 0; i++) {
        const char *key = cmeta_table_cell(t, i, (size_t)ccol);
        if (cmeta_cell_is_missing(key) || ws->merged[i]) continue;
        size_t arms = 1;
        for (size_t j = i + 1; j < nr && st == CMETA_OK; j++) {
            if (ws->merged[j] || strcmp(cmeta_table_cell(t, j, (size_t)ccol), key) != 0) continue;
            if (!ws->isgroup[i] || !ws->arm1[j]) {
                size_t bad = ws->isgroup[i] ? j : i;
                st = fail_row(err, t, bad, ccol, ws->isgroup[i] ? "arms merged by --combine %s need group data "
                              "(means and SDs, SE or CI, medians, or counts) in every arm"
                              : "the first arm of a trial merged by --combine %s needs group data for both "
                                "groups (the control is taken from it)", o->combine, 0);
                break;
            }
            st = merge_arm(t, fam, key, i, j, r, ws, w, err);
            arms++;
        }
        if (st == CMETA_OK && arms > 1) {
            char lab[256];
            if (cmeta_warn(w, "study '%s' (line %ld): %zu arms merged by --combine %s into one group "
                           "(Cochrane Handbook Table 6.5.a), the control group taken once",
                           label_of(t, i, lab, sizeof lab), cmeta_table_row_line(t, i), arms, o->combine) != CMETA_OK)
                st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
            char buf[64];
            snprintf(buf, sizeof buf, "%s+combined", ws->how[i]);
            r->from[i] = cmeta_strdup(buf);
            if (!r->from[i]) st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        }
    }
    return st;
}

/* The group rows through cmeta_escalc together (continuity corrections see every table, as
 * metafor's); an error names the row and whether its groups were converted. */
static cmeta_status escalc_groups(const cmeta_table *t, const cmeta_data_opts *o, cmeta_measure m,
                                  cmeta_family fam, cmeta__reported *r, const rows_ws *ws, cmeta_warnings *w,
                                  cmeta_error *err)
{
    size_t nr = r->nrows, kg = 0;
    for (size_t i = 0; i < nr; i++) kg += ws->isgroup[i] != 0;
    if (!kg) return CMETA_OK;
    cmeta_status st = CMETA_OK;
    double *a[CMETA__NG] = {0};
    size_t *rowof = CMETA_ARRAY_NEW(size_t, kg);
    double *yi = CMETA_ARRAY_NEW(double, kg), *vi = CMETA_ARRAY_NEW(double, kg);
    int ok = rowof && yi && vi;
    for (int g = 0; g < CMETA__NG && ok; g++) ok = (a[g] = CMETA_ARRAY_NEW(double, kg)) != NULL;
    if (!ok) st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    for (size_t i = 0, s = 0; i < nr && ok; i++) {
        if (!ws->isgroup[i]) continue;
        for (int g = 0; g < CMETA__NG; g++) a[g][s] = r->g[g][i];
        rowof[s++] = i;
    }
    if (ok) {
        cmeta_escalc_input in;
        memset(&in, 0, sizeof in);
        in.k = kg;
        if (fam == CMETA_FAMILY_CONT2) {
            in.m1i = a[CMETA__G_M1], in.sd1i = a[CMETA__G_SD1], in.n1i = a[CMETA__G_N1];
            in.m2i = a[CMETA__G_M2], in.sd2i = a[CMETA__G_SD2], in.n2i = a[CMETA__G_N2];
        } else {
            in.ai = a[CMETA__G_AI], in.bi = a[CMETA__G_BI], in.ci = a[CMETA__G_CI], in.di = a[CMETA__G_DI];
        }
        cmeta_error e;
        cmeta_error_clear(&e);
        cmeta_status cs = cmeta_escalc(m, &in, &o->escalc, yi, vi, w, &e);
        if (cs != CMETA_OK) {
            if (e.index >= 0 && (size_t)e.index < kg) {
                size_t row = rowof[e.index];
                char msg[sizeof e.message + 64];
                snprintf(msg, sizeof msg, "%s%s", e.message,
                         ws->how[row] && strcmp(ws->how[row], "mean_sd") && strcmp(ws->how[row], "counts")
                             ? " (as converted from the reported statistics)" : "");
                st = fail_row(err, t, row, -1, "%s", msg, 0);
            } else {
                if (err) *err = e;
                st = cs;
            }
        } else {
            for (size_t s = 0; s < kg; s++) r->yi[rowof[s]] = yi[s], r->vi[rowof[s]] = vi[s];
        }
    }
    for (int g = 0; g < CMETA__NG; g++) cmeta_free(a[g]);
    cmeta_free(rowof);
    cmeta_free(yi);
    cmeta_free(vi);
    return st;
}

/* Each row's route named in r->from ("merged" for a merged arm); rows left out said in warnings
 * (an overflow with finite inputs is an error). */
static cmeta_status name_routes(const cmeta_table *t, cmeta__reported *r, const rows_ws *ws, cmeta_warnings *w,
                                cmeta_error *err)
{
    cmeta_status st = CMETA_OK;
    r->all_group = 1;
    for (size_t i = 0; i < r->nrows && st == CMETA_OK; i++) {
        char lab[256];
        if (ws->merged[i]) {
            r->from[i] = cmeta_strdup("merged");
            if (!r->from[i]) st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
            continue;
        }
        if (ws->how[i] && !ws->isgroup[i] && (!isfinite(r->yi[i]) || !(isfinite(r->vi[i]) && r->vi[i] > 0))) {
            st = fail_row(err, t, i, -1, "the effect size or its variance (from %s) is not finite and "
                          "positive although every input is finite: the numbers overflow a double", ws->how[i], 0);
            break;
        }
        if (ws->how[i] && (!isfinite(r->yi[i]) || !isfinite(r->vi[i]))) {
            if (cmeta_warn(w, "study '%s' (line %ld) left out: its effect size or variance is not finite",
                           label_of(t, i, lab, sizeof lab), cmeta_table_row_line(t, i)) != CMETA_OK)
                st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
            r->yi[i] = r->vi[i] = NAN;
            cmeta_free(r->from[i]); /* a row left out has no route */
            r->from[i] = NULL;
            continue;
        }
        if (!ws->how[i]) {
            if (cmeta_warn(w, "study '%s' (line %ld) left out: %s", label_of(t, i, lab, sizeof lab),
                           cmeta_table_row_line(t, i),
                           ws->why[i] ? ws->why[i] : "no complete route to an effect size (group means and SDs"
                                                     " or counts, group SE or CI, median with quartiles or range,"
                                                     " or est with ci_lb and ci_ub, sei or pval)") != CMETA_OK)
                st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
            continue;
        }
        if (!ws->isgroup[i]) r->all_group = 0;
        if (!r->from[i]) {
            r->from[i] = cmeta_strdup(ws->how[i]);
            if (!r->from[i]) st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        }
    }
    return st;
}

cmeta_status cmeta__reported_rows(const cmeta_table *t, const cmeta_data_opts *o,
                                  cmeta__reported *r, cmeta_warnings *w, cmeta_error *err)
{
    memset(r, 0, sizeof *r);
    size_t nr = cmeta_table_nrows(t);
    long col[NC];
    for (int c = 0; c < NC; c++) col[c] = cmeta_table_find(t, cname[c]);
    cmeta_measure m = o->measure_set ? o->measure : CMETA_GEN;
    cmeta_family fam = cmeta_measure_family(m);
    int groups = fam == CMETA_FAMILY_CONT2 || fam == CMETA_FAMILY_BIN2;
    long ccol;
    cmeta_status st = check_columns(t, o, col, m, fam, groups, &ccol, err);
    if (st != CMETA_OK) return st;

    r->nrows = nr;
    r->measure = m;
    r->yi = CMETA_ARRAY_NEW(double, nr ? nr : 1);
    r->vi = CMETA_ARRAY_NEW(double, nr ? nr : 1);
    r->from = CMETA_ARRAY_NEW(char *, nr ? nr : 1);
    rows_ws ws;
    ws.isgroup = CMETA_ARRAY_NEW(int, nr ? nr : 1);
    ws.arm1 = CMETA_ARRAY_NEW(int, nr ? nr : 1);
    ws.how1 = (const char **)CMETA_ARRAY_NEW(char *, nr ? nr : 1);
    ws.how = (const char **)CMETA_ARRAY_NEW(char *, nr ? nr : 1);
    ws.why = CMETA_ARRAY_NEW(char *, nr ? nr : 1);
    ws.merged = NULL;
    int ok = r->yi && r->vi && r->from && ws.isgroup && ws.arm1 && ws.how1 && ws.how && ws.why;
    for (int g = 0; g < CMETA__NG && ok; g++) {
        r->g[g] = CMETA_ARRAY_NEW(double, nr ? nr : 1);
        ok = r->g[g] != NULL;
    }
    st = ok ? CMETA_OK : cmeta_error_set(err, CMETA_ENOMEM, "out of memory");

    /* each row's route */
    for (size_t i = 0; i < nr && st == CMETA_OK; i++) {
        r->yi[i] = r->vi[i] = NAN;
        for (int g = 0; g < CMETA__NG; g++) r->g[g][i] = NAN;
        double v[NC];
        if ((st = row_values(t, i, col, v, err)) != CMETA_OK) break;
        st = row_route(t, i, col, v, o, fam, groups, r, &ws, err);
    }
    /* arms of one trial merged (--combine), the group rows through escalc, the routes named */
    ws.merged = CMETA_ARRAY_NEW(char *, nr ? nr : 1);
    if (st == CMETA_OK && !ws.merged) st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    if (st == CMETA_OK) st = merge_trials(t, o, fam, ccol, r, &ws, w, err);
    if (st == CMETA_OK) st = escalc_groups(t, o, m, fam, r, &ws, w, err);
    if (st == CMETA_OK) st = name_routes(t, r, &ws, w, err);
    for (size_t i = 0; i < nr; i++) {
        if (ws.why) cmeta_free(ws.why[i]);
        if (ws.merged) cmeta_free(ws.merged[i]);
    }
    cmeta_free(ws.why);
    cmeta_free(ws.merged);
    cmeta_free(ws.isgroup);
    cmeta_free(ws.arm1);
    cmeta_free((void *)ws.how1);
    cmeta_free((void *)ws.how);
    if (st != CMETA_OK) cmeta__reported_free(r);
    return st;
}
