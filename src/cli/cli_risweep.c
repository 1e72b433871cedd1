/* cli_risweep.c - pool/forest --ri-sweep and the ri_lb/ri_ub box (issue 16, item 5): the
 * pre-post correlation that trials do not report, swept over a grid and ranged over per-study
 * intervals (the analyses: src/lib/risweep.c, cmeta/risweep.h).
 *
 * Which studies are swept: those without an ri value (no ri column, or an empty/NA cell); a
 * study's own ri is kept. --ri R instead fixes them at R (then --ri-sweep is refused). The box
 * is reported whenever the file has ri_lb and ri_ub columns: a study with both cells varies
 * over [ri_lb, ri_ub]; one with neither keeps its ri, or --ri, or with --ri-sweep takes the
 * sweep's ends as its interval. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define RI_GRID_MAX 10001
#define RI_ROOT_TOL 1e-6 /* bisection width in ri (cmeta_ri_tipping) */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A number of the grid as written ("0.3" is 0.3, not 0 + 3 * 0.1): 12 significant digits. */
static double tidy(double x)
{
    char b[64];
    snprintf(b, sizeof b, "%.12g", x);
    return strtod(b, NULL);
}

static int parse_num(const char *s, size_t len, double *out)
{
    char b[64], *end;
    if (len == 0 || len >= sizeof b) return -1;
    memcpy(b, s, len);
    b[len] = 0;
    *out = strtod(b, &end);
    while (*end == ' ') end++;
    return *end || !isfinite(*out) ? -1 : 0;
}

int cli_ri_grid_parse(const char *s, double **grid, size_t *n, char *msg, size_t msglen)
{
    double *g = NULL;
    size_t m = 0;
    *grid = NULL, *n = 0;
    if (strchr(s, ':')) {
        double a, b, step;
        const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || strchr(c2 + 1, ':') || parse_num(s, (size_t)(c1 - s), &a) ||
            parse_num(c1 + 1, (size_t)(c2 - c1 - 1), &b) || parse_num(c2 + 1, strlen(c2 + 1), &step)) {
            snprintf(msg, msglen, "--ri-sweep: '%s' is not FROM:TO:STEP (e.g. 0:0.9:0.1) or a list (0.2,0.5,0.8)", s);
            return 1;
        }
        if (!(step > 0) || !(a <= b)) {
            snprintf(msg, msglen, "--ri-sweep: '%s': STEP must be > 0 and FROM <= TO", s);
            return 1;
        }
        double cnt = floor((b - a) / step + 1e-9) + 1;
        if (cnt > RI_GRID_MAX) {
            snprintf(msg, msglen, "--ri-sweep: '%s' makes %.0f values (at most %d)", s, cnt, RI_GRID_MAX);
            return 1;
        }
        m = (size_t)cnt;
        g = malloc(m * sizeof *g);
        if (!g) return snprintf(msg, msglen, "out of memory"), 4;
        for (size_t i = 0; i < m; i++) g[i] = tidy(a + (double)i * step);
    } else {
        size_t cap = 1;
        for (const char *p = s; *p; p++) cap += *p == ',';
        if (cap > RI_GRID_MAX) {
            snprintf(msg, msglen, "--ri-sweep: more than %d values", RI_GRID_MAX);
            return 1;
        }
        g = malloc(cap * sizeof *g);
        if (!g) return snprintf(msg, msglen, "out of memory"), 4;
        for (const char *p = s;;) {
            size_t len = strcspn(p, ",");
            while (len && *p == ' ') p++, len--;
            if (parse_num(p, len, &g[m])) {
                snprintf(msg, msglen, "--ri-sweep: '%.*s' is not a number (a list is 0.2,0.5,0.8)", (int)len, p);
                free(g);
                return 1;
            }
            m++;
            p += len;
            if (!*p) break;
            p++;
        }
        qsort(g, m, sizeof *g, cmp_double);
        size_t u = 0;
        for (size_t i = 0; i < m; i++)
            if (u == 0 || g[i] != g[u - 1]) g[u++] = g[i];
        m = u;
    }
    for (size_t i = 0; i < m; i++)
        if (!(g[i] >= -1 && g[i] <= 1)) {
            snprintf(msg, msglen, "--ri-sweep: %g is not a correlation (each value in [-1, 1])", g[i]);
            free(g);
            return 1;
        }
    *grid = g, *n = m;
    return 0;
}

static int is_prepost(const cli_opts *o)
{
    return o->data.measure_set && cmeta_measure_family(o->data.measure) == CMETA_FAMILY_PREPOST;
}

static int has_range_cols(const cmeta_table *t)
{
    return cmeta_table_find_raw(t, "ri_lb") >= 0 || cmeta_table_find_raw(t, "ri_ub") >= 0;
}

/* Mixed designs: does d have a pre/post row (from a measure column)? */
static int mixed_prepost(const cmeta_data *d)
{
    for (size_t i = 0; d && d->measures && i < d->k; i++)
        if (cmeta_measure_family(d->measures[i]) == CMETA_FAMILY_PREPOST) return 1;
    return 0;
}

int cli_ri_load(const cli_opts *oc, const char *path, cmeta_table **t, cmeta_data **d,
                cmeta_warnings *w, int *ri_mode)
{
    cli_opts *o = (cli_opts *)oc; /* as cli_load: the --ri placeholder is set and restored */
    *ri_mode = 0;
    int mixed = !o->data.measure_set; /* a measure column may hold pre/post rows */
    if (!is_prepost(o) && !mixed) {
        if (o->ri_sweep) return cli_failf(1, "--ri-sweep needs a pre/post measure (--measure MC, SMCC, SMCR, SMCRH or ROMC, "
                                             "or pre/post rows in a measure column)");
        return cli_load(o, path, t, d, w);
    }
    int placeholder = !o->data.ri_set;
    if (placeholder) o->data.ri_set = 1, o->data.ri = 0, o->ri_probe = mixed; /* keeps the studies without ri */
    int rc = cli_load(o, path, t, d, w);
    if (placeholder) o->data.ri_set = 0, o->data.ri = 0, o->ri_probe = 0;
    if (rc) return rc;
    if (mixed && !mixed_prepost(*d)) {
        /* no pre/post rows: the placeholder changed nothing */
        if (!o->ri_sweep) return 0;
        cmeta_data_free(*d);
        *d = NULL;
        cmeta_table_free(*t);
        *t = NULL;
        return cli_failf(1, "--ri-sweep needs a pre/post measure (--measure MC, SMCC, SMCR, SMCRH or ROMC, "
                            "or pre/post rows in a measure column)");
    }
    if (o->ri_sweep || has_range_cols(*t)) {
        *ri_mode = 1;
        return 0;
    }
    if (!placeholder) return 0;
    /* neither: the data as a plain run reads them (studies without ri left out, or refused) */
    cmeta_data_free(*d);
    *d = NULL;
    cmeta_warnings_free(w);
    cmeta_warnings_init(w);
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_data_load(*t, &o->data, d, w, &err);
    if (st == CMETA_OK) st = cmeta_data_check_vi(*d, &err);
    if (st != CMETA_OK) {
        cmeta_data_free(*d);
        *d = NULL;
        cmeta_table_free(*t);
        *t = NULL;
        return cli_fail_status(st, &err);
    }
    return 0;
}

/* a data error at a study (its row) */
static int fail_study(const cmeta_table *t, const cmeta_data *d, size_t s, long col, const char *fmt, ...)
    CMETA_PRINTF(5, 6);
static int fail_study(const cmeta_table *t, const cmeta_data *d, size_t s, long col, const char *fmt, ...)
{
    cmeta_error e;
    cmeta_error_clear(&e);
    e.status = CMETA_EDATA;
    snprintf(e.file, sizeof e.file, "%s", cmeta_table_name(t));
    e.line = col >= 0 ? cmeta_table_cell_line(t, d->row[s], (size_t)col) : cmeta_table_row_line(t, d->row[s]);
    e.column = col >= 0 ? col + 1 : 0;
    snprintf(e.study, sizeof e.study, "%s", d->label[s]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    return cli_fail(&e);
}

/* ri_lb/ri_ub of each study into lb/ub (NAN, NAN when both cells are empty) */
static int read_ranges(const cmeta_table *t, const cmeta_data *d, double *lb, double *ub)
{
    long cl = cmeta_table_find_raw(t, "ri_lb"), cu = cmeta_table_find_raw(t, "ri_ub");
    if ((cl < 0) != (cu < 0)) {
        cmeta_error e;
        cmeta_error_clear(&e);
        e.status = CMETA_EDATA;
        snprintf(e.file, sizeof e.file, "%s", cmeta_table_name(t));
        e.line = cmeta_table_header_line(t);
        snprintf(e.message, sizeof e.message, "a column %s needs a column %s beside it (each study's ri interval)",
                 cl < 0 ? "ri_ub" : "ri_lb", cl < 0 ? "ri_lb" : "ri_ub");
        return cli_fail(&e);
    }
    for (size_t s = 0; s < d->k; s++) {
        lb[s] = ub[s] = NAN;
        if (cl < 0) continue;
        const char *a = cmeta_table_cell(t, d->row[s], (size_t)cl), *b = cmeta_table_cell(t, d->row[s], (size_t)cu);
        int ma = cmeta_cell_is_missing(a), mb = cmeta_cell_is_missing(b);
        if (ma && mb) continue;
        if (ma != mb)
            return fail_study(t, d, s, ma ? cl : cu, "%s is empty but %s is not: give both ends of the ri interval, or neither",
                              ma ? "ri_lb" : "ri_ub", ma ? "ri_ub" : "ri_lb");
        cmeta_error e;
        cmeta_error_clear(&e);
        if (cmeta_parse_double(a, &lb[s], &e) != CMETA_OK) return fail_study(t, d, s, cl, "ri_lb: %s", e.message);
        if (cmeta_parse_double(b, &ub[s], &e) != CMETA_OK) return fail_study(t, d, s, cu, "ri_ub: %s", e.message);
        if (!(lb[s] >= -1 && lb[s] <= 1)) return fail_study(t, d, s, cl, "ri_lb must be in [-1, 1] (got %g)", lb[s]);
        if (!(ub[s] >= -1 && ub[s] <= 1)) return fail_study(t, d, s, cu, "ri_ub must be in [-1, 1] (got %g)", ub[s]);
        if (lb[s] > ub[s]) return fail_study(t, d, s, cl, "ri_lb must be <= ri_ub (got %g > %g)", lb[s], ub[s]);
    }
    return 0;
}

/* Mixed designs: the pre/post inputs of the studies d->measures marks pre/post, read again from
 * the table by measure (as cmeta_data_load reads them, with ri 0 in place of a missing one), into
 * arrays of length d->k (NaN for the other studies; SMCR/SMCRH by --smcr-sd as in a single run).
 * mixed_in: m1 s1 m2 s2 n, each k long, in one allocation. */
static int mixed_inputs(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, double *buf)
{
    size_t k = d->k;
    double *m1 = buf, *s1 = buf + k, *m2 = buf + 2 * k, *s2 = buf + 3 * k, *n = buf + 4 * k;
    for (size_t i = 0; i < 5 * k; i++) buf[i] = NAN;
    unsigned char *mask = calloc(d->nrows ? d->nrows : 1, 1);
    if (!mask) return cli_failf(4, "out of memory");
    int rc = 0;
    for (int m = 0; m < CMETA_NMEASURES && !rc; m++) {
        if (cmeta_measure_family((cmeta_measure)m) != CMETA_FAMILY_PREPOST) continue;
        size_t c = 0;
        memset(mask, 0, d->nrows ? d->nrows : 1);
        for (size_t i = 0; i < k; i++)
            if (d->measures[i] == (cmeta_measure)m) mask[d->row[i]] = 1, c++;
        if (!c) continue;
        cmeta_data_opts om = o->data;
        om.measure_set = 1, om.measure = (cmeta_measure)m, om.rows = mask;
        if (!om.ri_set) om.ri_set = 1, om.ri = 0; /* the placeholder of cli_ri_load */
        cmeta_warnings w2; /* said once already, by the first reading */
        cmeta_warnings_init(&w2);
        cmeta_error err;
        cmeta_error_clear(&err);
        cmeta_data *p = NULL;
        cmeta_status st = cmeta_data_from_table(t, &om, &p, &w2, &err);
        cmeta_warnings_free(&w2);
        if (st != CMETA_OK) {
            rc = cli_fail_status(st, &err);
        } else if (p->k != c) {
            rc = cli_failf(4, "internal error: the pre/post rows of %s read %zu studies, not %zu",
                           cmeta_measure_name((cmeta_measure)m), p->k, c);
        } else {
            int swap = (m == CMETA_SMCR || m == CMETA_SMCRH) && o->data.smcr_sd == CMETA_SMCR_SD_BASELINE;
            for (size_t i = 0, j = 0; i < k; i++) {
                if (d->measures[i] != (cmeta_measure)m) continue;
                m1[i] = p->m1i[j], m2[i] = p->m2i[j], n[i] = p->ni[j];
                s1[i] = swap ? p->sd2i[j] : p->sd1i ? p->sd1i[j] : NAN;
                s2[i] = swap ? (p->sd1i ? p->sd1i[j] : NAN) : p->sd2i ? p->sd2i[j] : NAN;
                j++;
            }
        }
        cmeta_data_free(p);
    }
    free(mask);
    return rc;
}

/* The options that do not go with a sweep or a box (1 and one stderr line, or 0). */
static int check_options(const cli_opts *o, int forest)
{
    if (o->subgroup) return cli_failf(1, "--ri-sweep and ri_lb/ri_ub: not with --subgroup");
    if (o->model_auto) return cli_failf(1, "--ri-sweep and ri_lb/ri_ub: not with --model auto (the model would change with ri)");
    if (o->plot && !o->ri_sweep) return cli_failf(1, "--plot needs --ri-sweep here (the plot is the sweep's)");
    if (!forest && !o->ri_sweep && o->format == CLI_FMT_CSV)
        return cli_failf(1, "%s: ri_lb/ri_ub without --ri-sweep: --format csv writes the sweep's rows; use text or json "
                            "for the range over the corners", o->inputs[0]);
    return 0;
}

/* Each study's ri: its own, or --ri, or NAN (swept; counted in *k_swept); 0 for a mixed design's
 * two-group rows. */
static void study_ri(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, double *ri, size_t *k_swept)
{
    long rcol = cmeta_table_find(t, "ri");
    for (size_t i = 0; i < d->k; i++) {
        if (d->measures && cmeta_measure_family(d->measures[i]) != CMETA_FAMILY_PREPOST) {
            ri[i] = 0; /* not read: a two-group study's yi/vi do not depend on ri */
            continue;
        }
        int lacks = rcol < 0 || cmeta_cell_is_missing(cmeta_table_cell(t, d->row[i], (size_t)rcol));
        double own = NAN;
        if (!lacks && cmeta_parse_double(cmeta_table_cell(t, d->row[i], (size_t)rcol), &own, NULL) != CMETA_OK) own = NAN;
        ri[i] = lacks && !o->data.ri_set ? NAN : lacks ? o->data.ri : d->ri ? d->ri[i] : own;
        *k_swept += lacks && !o->data.ri_set;
    }
}

/* The box's interval [lb, ub] of each study: its ri_lb/ri_ub, else its ri, else the sweep's
 * ends (grid[0], grid[n - 1]; counted in *k_box_swept); an error for a study with none. */
static int box_ranges(const cmeta_table *t, const cmeta_data *d, const double *ri, const double *grid, size_t n,
                      double *lb, double *ub, size_t *k_box_swept)
{
    int rc;
    if ((rc = read_ranges(t, d, lb, ub))) return rc;
    for (size_t i = 0; i < d->k; i++) {
        if (d->measures && cmeta_measure_family(d->measures[i]) != CMETA_FAMILY_PREPOST) {
            char des[48];
            if (!isnan(lb[i]))
                return fail_study(t, d, i, cmeta_table_find_raw(t, "ri_lb"), "ri_lb/ri_ub apply to pre/post rows, "
                                  "not to a %s row (its effect size does not depend on ri)",
                                  cmeta_measure_design(d->measures[i], des, sizeof des));
            lb[i] = ub[i] = ri[i];
            continue;
        }
        if (!isnan(lb[i])) continue;
        if (!isnan(ri[i])) lb[i] = ub[i] = ri[i];
        else if (n) lb[i] = grid[0], ub[i] = grid[n - 1], (*k_box_swept)++;
        else return fail_study(t, d, i, -1, "no ri and no ri_lb/ri_ub: give them, or --ri R, or --ri-sweep");
    }
    return 0;
}

/* The sweep over grid (pts) with its tipping points, and the box over [lb, ub] when wanted
 * (box NULL: not); an error naming the study when one is at fault. */
static int sweep_and_box(const cmeta_ri_studies *rs, const double *grid, size_t n, const cmeta_fit_opts *fo,
                         cmeta_ri_point *pts, cmeta_ri_tip **tips, size_t *ntips, const double *lb, const double *ub,
                         cmeta_ri_box *box, const cmeta_table *t, const cmeta_data *d)
{
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = CMETA_OK;
    if (n) {
        st = cmeta_ri_sweep(rs, grid, n, fo, pts, &err);
        if (st == CMETA_OK) st = cmeta_ri_tipping(rs, pts, n, fo, RI_ROOT_TOL, tips, ntips, &err);
    }
    if (st == CMETA_OK && box) st = cmeta_ri_box_eval(rs, lb, ub, fo, box, &err);
    if (st != CMETA_OK) {
        if (st == CMETA_EDATA && err.index >= 0 && (size_t)err.index < d->k)
            return fail_study(t, d, (size_t)err.index, -1, "%s", err.message);
        return cli_fail_status(st, &err);
    }
    return 0;
}

/* The results written: the plot (forest's output, or --plot), and pool's text, JSON or CSV to
 * output; then the warnings (not with JSON, which holds them). */
static int write_results(const cli_opts *o, const char *output, int forest, const cmeta_ri_report *r,
                         cmeta_warnings *w)
{
    int rc = 0;
    cli_out out = {0};
    const char *plot = forest ? output : o->plot;
    if (plot && (rc = cli_riplot_write(plot, r))) return rc;
    if (!forest) {
        if ((rc = cli_out_open(&out, output))) return rc;
        if ((rc = cli_report_status(cmeta_report_ri(out.fp, (int)o->format, r, w)))) {
            cli_out_abort(&out);
            return rc;
        }
        rc = cli_out_commit(&out);
    }
    if (!rc && (forest || o->format != CLI_FMT_JSON)) cli_print_warnings(w);
    return rc;
}

int cli_risweep_report(const cli_opts *o, const char *output, const cmeta_table *t, const cmeta_data *d,
                       cmeta_warnings *w, int forest)
{
    int rc = check_options(o, forest);
    if (rc) return rc;
    size_t k = d->k, n = 0, ntips = 0;
    double *grid = NULL;
    char msg[256];
    if (o->ri_sweep && (rc = cli_ri_grid_parse(o->ri_sweep, &grid, &n, msg, sizeof msg)))
        return cli_failf(rc, "%s", msg);
    cmeta_studies s0;
    cmeta_studies_from_data(d, &o->data.escalc, &s0);
    cmeta_model_choice mc;
    if ((rc = cli_choose_model(o, &s0, &mc))) {
        free(grid);
        return rc;
    }
    const cmeta_fit_opts *fo = &mc.opts;
    double *ri = malloc(k * sizeof *ri), *lb = malloc(k * sizeof *lb), *ub = malloc(k * sizeof *ub);
    cmeta_ri_point *pts = n ? malloc(n * sizeof *pts) : NULL;
    cmeta_ri_tip *tips = NULL;
    cmeta_ri_box box;
    int want_box = !forest && has_range_cols(t); /* the box is text: pool's */
    size_t k_swept = 0, k_box_swept = 0;
    double *mixed_buf = NULL;
    char mix[256] = "";
    int smcr_rows = d->measure == CMETA_SMCR || d->measure == CMETA_SMCRH;
    if (!ri || !lb || !ub || (n && !pts)) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    /* mixed designs: the pre/post studies' inputs; the others keep their yi/vi */
    if (d->measures) {
        mixed_buf = malloc(5 * k * sizeof *mixed_buf);
        if (!mixed_buf) {
            rc = cli_failf(4, "out of memory");
            goto done;
        }
        if ((rc = mixed_inputs(o, t, d, mixed_buf))) goto done;
    }
    study_ri(o, t, d, ri, &k_swept);
    if (n && k_swept == 0 &&
        cmeta_warn(w, "--ri-sweep: every study has its own ri, so every row is the same fit (the sweep moves only studies without one)") != CMETA_OK) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    int swap = (d->measure == CMETA_SMCR || d->measure == CMETA_SMCRH) && o->data.smcr_sd == CMETA_SMCR_SD_BASELINE;
    cmeta_ri_studies rs = {d->measure, &d->escalc, k, d->m1i, swap ? d->sd2i : d->sd1i, d->m2i,
                           swap ? d->sd1i : d->sd2i, d->ni, ri, NULL, NULL, NULL};
    if (d->measures) {
        rs.m1i = mixed_buf, rs.sd1i = mixed_buf + k, rs.m2i = mixed_buf + 2 * k, rs.sd2i = mixed_buf + 3 * k;
        rs.ni = mixed_buf + 4 * k;
        rs.measures = d->measures, rs.yi = d->yi, rs.vi = d->vi;
    }
    if (want_box && (rc = box_ranges(t, d, ri, grid, n, lb, ub, &k_box_swept))) goto done;
    if ((rc = sweep_and_box(&rs, grid, n, fo, pts, &tips, &ntips, lb, ub, want_box ? &box : NULL, t, d))) goto done;
    if (cli_interrupt) {
        rc = cli_failf(130, "interrupted");
        goto done;
    }
    cmeta_ri_report r;
    memset(&r, 0, sizeof r);
    r.measure = d->measure, r.k = k, r.k_swept = k_swept;
    if (d->measures) {
        cmeta_data_mix(d, mix, sizeof mix);
        r.designs = mix;
        for (size_t i = 0; i < k; i++) smcr_rows |= d->measures[i] == CMETA_SMCR || d->measures[i] == CMETA_SMCRH;
    }
    r.smcr_sd = smcr_rows ? cmeta_smcr_sd_name(o->data.smcr_sd) : NULL;
    r.fo = fo, r.pts = pts, r.n = n, r.tips = tips, r.ntips = ntips, r.tol = RI_ROOT_TOL;
    r.box = want_box ? &box : NULL;
    r.k_box_fixed_swept = k_box_swept;
    r.box_lo = n ? grid[0] : NAN, r.box_hi = n ? grid[n - 1] : NAN;
    rc = write_results(o, output, forest, &r, w);
done:
    free(grid), free(ri), free(lb), free(ub), free(pts), free(mixed_buf);
    cmeta_free(tips);
    return rc;
}

int cli_riplot_write(const char *path, const cmeta_ri_report *r)
{
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_plot_format fmt;
    if (cmeta_plot_format_from_path(path, &fmt, &err) != CMETA_OK) return cli_fail(&err);
    if (r->n == 0) return cli_failf(1, "--plot needs --ri-sweep (the plot is the sweep's)");
    cmeta_text_measurer *tm = NULL;
    cmeta_plot plot;
    int rc;
    memset(&plot, 0, sizeof plot);
    if (cmeta_text_measurer_new(&tm) != CMETA_OK) rc = cli_failf(4, "out of memory");
    else if (cmeta_ri_plot_layout(r, cmeta_text_measure_cairo, tm, &plot, &err) != CMETA_OK) rc = cli_fail(&err);
    else rc = cli_plot_write(&plot, path);
    cmeta_plot_free(&plot);
    cmeta_text_measurer_free(tm);
    cmeta_plot_cleanup_at_exit(); /* the program owns the process */
    return rc;
}
