/* data.c - from a table of trial records to studies ready for analysis (cmeta/data.h).
 *
 * Steps: choose the measure (given, or GEN when the file has yi with vi or sei); find the
 * columns of its family; read every used cell of every row (missing cells leave the study
 * out with a warning; text or non-finite numbers are errors at FILE:LINE:COLUMN); check the
 * rules of the measure with cmeta_escalc_check() and map its study index and column name
 * back to the cell; compute yi/vi with cmeta_escalc().
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "reported_internal.h"

/* The input variables, by canonical column name. */
enum { V_M1, V_SD1, V_N1, V_M2, V_SD2, V_N2, V_AI, V_BI, V_CI, V_DI, V_XI, V_NI, V_RI,
       V_YI, V_VI, V_SEI, NV };
static const char *const vname[NV] = {"m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i", "ai", "bi",
                                      "ci", "di", "xi", "ni", "ri", "yi", "vi", "sei"};
/* The aliases accepted for each (cli.md), named in "missing column" messages. */
static const char *const valias[NV] = {
    "mean1, mean.e", "sd1, sd.e", "n1, n.e", "mean2, mean.c", "sd2, sd.c", "n2, n.c",
    "event.e, events1", "", "event.c, events2", "", "events", "n", "", "TE", "", "seTE"};

void cmeta_data_opts_default(cmeta_data_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->measure_set = 0;
    o->measure = CMETA_GEN;
    cmeta_escalc_opts_default(&o->escalc);
    o->ri_set = 0;
    o->ri = 0;
    o->smcr_sd = CMETA_SMCR_SD_FOLLOWUP;
}

const char *cmeta_smcr_sd_name(cmeta_smcr_sd s)
{
    switch (s) {
    case CMETA_SMCR_SD_FOLLOWUP: return "followup";
    case CMETA_SMCR_SD_BASELINE: return "baseline";
    }
    return NULL;
}

cmeta_status cmeta_smcr_sd_from_name(const char *name, cmeta_smcr_sd *out)
{
    static const struct { const char *s; cmeta_smcr_sd v; } t[] = {
        {"followup", CMETA_SMCR_SD_FOLLOWUP}, {"follow-up", CMETA_SMCR_SD_FOLLOWUP},
        {"post", CMETA_SMCR_SD_FOLLOWUP},     {"baseline", CMETA_SMCR_SD_BASELINE},
        {"pre", CMETA_SMCR_SD_BASELINE}};
    if (!name || !out) return CMETA_EUSAGE;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (cmeta__strcasecmp(name, t[i].s) == 0) {
            *out = t[i].v;
            return CMETA_OK;
        }
    return CMETA_EUSAGE;
}

/* ---- which columns ------------------------------------------------------------------ */

typedef struct {
    long col[NV];      /* table column of each variable, -1 when absent */
    int use[NV];       /* variables read from the file */
    int bin_derived;   /* binary data given as ai n1i ci n2i */
    int ri_const;      /* pre/post ri from opts->ri */
    int sd_swapped;    /* SMCR/SMCRH by the baseline SD: escalc gets sd1i = file's sd2i and
                        * sd2i = file's sd1i (cmeta_smcr_sd) */
} plan;

static int has(const long *col, int v) { return col[v] >= 0; }

static void find_columns(const cmeta_table *t, long *col)
{
    for (int v = 0; v < NV; v++) col[v] = cmeta_table_find(t, vname[v]);
}

/* Measures whose family's columns are all there (bit m set for measure m). */
static unsigned long fitting_from(const long *col)
{
    unsigned long bits = 0;
    int fam_ok[6] = {0};
    fam_ok[CMETA_FAMILY_CONT2] = has(col, V_M1) && has(col, V_SD1) && has(col, V_N1) &&
                                 has(col, V_M2) && has(col, V_SD2) && has(col, V_N2);
    /* ri may come from --ri */
    fam_ok[CMETA_FAMILY_PREPOST] = has(col, V_M1) && has(col, V_SD1) && has(col, V_M2) &&
                                   has(col, V_SD2) && has(col, V_NI);
    fam_ok[CMETA_FAMILY_BIN2] = has(col, V_AI) && has(col, V_CI) &&
                                ((has(col, V_BI) && has(col, V_DI)) ||
                                 (has(col, V_N1) && has(col, V_N2)));
    fam_ok[CMETA_FAMILY_PROP] = has(col, V_XI) && has(col, V_NI);
    fam_ok[CMETA_FAMILY_COR] = has(col, V_RI) && has(col, V_NI);
    fam_ok[CMETA_FAMILY_GEN] = has(col, V_YI) && (has(col, V_VI) || has(col, V_SEI));
    for (int m = 0; m < CMETA_NMEASURES; m++)
        if (fam_ok[cmeta_measure_family((cmeta_measure)m)]) bits |= 1UL << m;
    return bits;
}

unsigned long cmeta_measures_fitting(const cmeta_table *t)
{
    long col[NV];
    if (!t) return 0;
    find_columns(t, col);
    return fitting_from(col);
}

static cmeta_status fail_at(cmeta_error *err, const cmeta_table *t, long line, long column,
                            const char *study, cmeta_status st, const char *msg)
{
    if (err) {
        cmeta_error_clear(err);
        snprintf(err->file, sizeof err->file, "%s", cmeta_table_name(t));
        err->line = line;
        err->column = column;
        if (study) snprintf(err->study, sizeof err->study, "%s", study);
    }
    return cmeta_error_set(err, st, "%s", msg);
}

static cmeta_status missing_column(const cmeta_table *t, cmeta_measure m, int v, int nmissing,
                                   cmeta_error *err)
{
    char head[256], msg[1024];
    long col[NV];
    find_columns(t, col);
    /* one column short, or columns that fit another measure: the name says it all */
    if (nmissing < 2 || fitting_from(col)) {
        if (valias[v][0])
            snprintf(msg, sizeof msg, "measure %s needs a column %s (or %s)", cmeta_measure_name(m),
                     vname[v], valias[v]);
        else
            snprintf(msg, sizeof msg, "measure %s needs a column %s", cmeta_measure_name(m), vname[v]);
        return fail_at(err, t, cmeta_table_header_line(t), 0, NULL, CMETA_EDATA, msg);
    }
    /* several: the file's own names, probably; show them and a --col line */
    if (valias[v][0])
        snprintf(head, sizeof head, "measure %s needs a column %s (or %s); columns found", cmeta_measure_name(m),
                 vname[v], valias[v]);
    else
        snprintf(head, sizeof head, "measure %s needs a column %s; columns found", cmeta_measure_name(m), vname[v]);
    cmeta__no_measure_message(t, (int)cmeta_measure_family(m), head, msg, sizeof msg);
    return fail_at(err, t, cmeta_table_header_line(t), 0, NULL, CMETA_EDATA, msg);
}

static cmeta_status make_plan(const cmeta_table *t, cmeta_measure m, const cmeta_data_opts *o,
                              plan *p, cmeta_error *err)
{
    static const int cont2[] = {V_M1, V_SD1, V_N1, V_M2, V_SD2, V_N2, -1};
    static const int prepost[] = {V_M1, V_SD1, V_M2, V_SD2, V_NI, -1};
    static const int bin4[] = {V_AI, V_BI, V_CI, V_DI, -1};
    static const int binn[] = {V_AI, V_N1, V_CI, V_N2, -1};
    static const int prop[] = {V_XI, V_NI, -1};
    static const int cor[] = {V_RI, V_NI, -1};
    memset(p, 0, sizeof *p);
    find_columns(t, p->col);
    const int *need = NULL;
    switch (cmeta_measure_family(m)) {
    case CMETA_FAMILY_CONT2: need = cont2; break;
    case CMETA_FAMILY_PREPOST:
        need = prepost;
        if (o->smcr_sd != CMETA_SMCR_SD_FOLLOWUP && o->smcr_sd != CMETA_SMCR_SD_BASELINE)
            return cmeta_error_set(err, CMETA_EUSAGE, "unknown SMCR standardizer");
        p->sd_swapped = (m == CMETA_SMCR || m == CMETA_SMCRH) &&
                        o->smcr_sd == CMETA_SMCR_SD_BASELINE;
        if (has(p->col, V_RI)) p->use[V_RI] = 1;
        else if (o->ri_set) p->ri_const = 1;
        else {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "pre/post measure %s needs the pre-post correlation: add an ri column or use --ri",
                     cmeta_measure_name(m));
            return fail_at(err, t, cmeta_table_header_line(t), 0, NULL, CMETA_EDATA, msg);
        }
        break;
    case CMETA_FAMILY_BIN2: {
        int full = has(p->col, V_BI) && has(p->col, V_DI);
        int counts = has(p->col, V_N1) && has(p->col, V_N2);
        if (!full && counts) p->bin_derived = 1;
        if (!full && !counts && (has(p->col, V_N1) || has(p->col, V_N2))) p->bin_derived = 1;
        need = p->bin_derived ? binn : bin4;
        break;
    }
    case CMETA_FAMILY_PROP: need = prop; break;
    case CMETA_FAMILY_COR: need = cor; break;
    case CMETA_FAMILY_GEN:
        if (!has(p->col, V_YI)) return missing_column(t, m, V_YI, 1, err);
        p->use[V_YI] = 1;
        if (has(p->col, V_VI)) p->use[V_VI] = 1;
        else if (has(p->col, V_SEI)) p->use[V_SEI] = 1;
        else return fail_at(err, t, cmeta_table_header_line(t), 0, NULL, CMETA_EDATA,
                            "measure GEN needs a column vi or sei (or seTE) beside yi");
        return CMETA_OK;
    }
    int nmissing = 0;
    for (const int *v = need; *v >= 0; v++) nmissing += !has(p->col, *v);
    for (const int *v = need; *v >= 0; v++) {
        if (!has(p->col, *v)) return missing_column(t, m, *v, nmissing, err);
        p->use[*v] = 1;
    }
    return CMETA_OK;
}

/* ---- the data object ---------------------------------------------------------------- */

static double **field_of(cmeta_data *d, int v)
{
    switch (v) {
    case V_M1: return &d->m1i;
    case V_SD1: return &d->sd1i;
    case V_N1: return &d->n1i;
    case V_M2: return &d->m2i;
    case V_SD2: return &d->sd2i;
    case V_N2: return &d->n2i;
    case V_AI: return &d->ai;
    case V_BI: return &d->bi;
    case V_CI: return &d->ci;
    case V_DI: return &d->di;
    case V_XI: return &d->xi;
    case V_NI: return &d->ni;
    case V_RI: return &d->ri;
    default: return NULL; /* yi, vi, sei: inputs of GEN, kept in d->yi / d->vi */
    }
}

/* The labels freed: label (pointers into row_label, unless it is row_label itself when every
 * row is a study) and row_label with the label texts it holds (see data_new). cmeta_data_free,
 * and effects_only data once the build no longer names studies. */
static void drop_labels(cmeta_data *d)
{
    if (d->label != d->row_label) cmeta_free(d->label);
    cmeta_free(d->row_label);
    d->label = NULL;
    d->row_label = NULL;
}

void cmeta_data_free(cmeta_data *d)
{
    if (!d) return;
    for (int v = 0; v < NV; v++) {
        double **f = field_of(d, v);
        if (f) cmeta_free(*f);
    }
    cmeta_free(d->row);
    /* when every row is a study, row_yi, row_vi and label may be yi, vi and row_label
     * themselves (cmeta_data_from_table: issue 15, memory per study) */
    drop_labels(d);
    if (d->row_yi != d->yi) cmeta_free(d->row_yi);
    if (d->row_vi != d->vi) cmeta_free(d->row_vi);
    cmeta_free(d->yi);
    cmeta_free(d->vi);
    if (d->row_yi_from)
        for (size_t i = 0; i < d->nrows; i++) cmeta_free(d->row_yi_from[i]);
    cmeta_free(d->row_yi_from);
    cmeta_free(d->measures);
    cmeta_free(d);
}

/* row_label is one allocation: nrows pointers, then `text` bytes for the labels the data
 * owns; a label from the table's label column points at the table's cell instead (the table
 * outlives the data). No allocation per study (issue 15: memory per study). Without rows,
 * row_yi and row_vi are left to the caller (set_rows). */
static cmeta_data *data_new_rows(size_t nrows, size_t k, size_t text, int rows, int labels)
{
    cmeta_data *d = cmeta_calloc(1, sizeof *d);
    if (!d) return NULL;
    d->nrows = nrows;
    d->k = k;
    d->row = CMETA_ARRAY_NEW(size_t, k);
    if (labels) d->label = CMETA_ARRAY_NEW(char *, k);
    d->yi = CMETA_ARRAY_NEW(double, k);
    d->vi = CMETA_ARRAY_NEW(double, k);
    if (rows) {
        d->row_yi = CMETA_ARRAY_NEW(double, nrows);
        d->row_vi = CMETA_ARRAY_NEW(double, nrows);
    }
    if (labels && nrows <= ((size_t)-1 - text) / sizeof(char *))
        d->row_label = cmeta_calloc(1, nrows * sizeof(char *) + text);
    if (!d->row || !d->yi || !d->vi || (rows && (!d->row_yi || !d->row_vi)) ||
        (labels && (!d->label || !d->row_label))) {
        cmeta_data_free(d);
        return NULL;
    }
    for (size_t i = 0; rows && i < nrows; i++) d->row_yi[i] = d->row_vi[i] = NAN;
    return d;
}

static cmeta_data *data_new(size_t nrows, size_t k, size_t text)
{
    return data_new_rows(nrows, k, text, 1, 1);
}

/* Row i's label in a message; none in data built without labels (effects_only, whose blocks
 * keep no message: see build_blocks). */
#define LABEL(d, i) ((d)->row_label ? (d)->row_label[i] : "")

/* row_yi, row_vi (NaN for rows left out) and the labels of the k studies of d (until here the
 * build names a study by row_label[row[s]]). When every row is a study (k = nrows, so row[s] =
 * s), row_yi and row_vi are yi and vi and label is row_label: 24 bytes per study fewer
 * (cmeta_data_free knows), and label's own block is never written (8 MB less memory touched
 * at 10^6 rows). */
static int set_rows(cmeta_data *d)
{
    if (d->k == d->nrows) {
        d->row_yi = d->yi;
        d->row_vi = d->vi;
        cmeta_free(d->label);
        d->label = d->row_label;
        return 0;
    }
    d->row_yi = CMETA_ARRAY_NEW(double, d->nrows);
    d->row_vi = CMETA_ARRAY_NEW(double, d->nrows);
    if (!d->row_yi || !d->row_vi) return -1;
    for (size_t s = 0; d->label && s < d->k; s++) d->label[s] = d->row_label[d->row[s]];
    for (size_t i = 0; i < d->nrows; i++) d->row_yi[i] = d->row_vi[i] = NAN;
    for (size_t s = 0; s < d->k; s++) {
        d->row_yi[d->row[s]] = d->yi[s];
        d->row_vi[d->row[s]] = d->vi[s];
    }
    return 0;
}

/* Names of the study in row i: the label column's text, else "Study N" (written at *text,
 * which moves past it; NULL: only the bytes it needs are counted in *need). */
static const char *row_label(const cmeta_table *t, long label_col, size_t i, char **text,
                             size_t *need)
{
    if (label_col >= 0) {
        const char *s = cmeta_table_cell(t, i, (size_t)label_col);
        if (!cmeta_cell_is_missing(s)) return s;
    }
    char dig[24];
    size_t n = 0, v = i + 1;
    do {
        dig[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (!text) {
        *need += 6 + n + 1;
        return "";
    }
    char *p = *text, *out = p;
    memcpy(p, "Study ", 6);
    p += 6;
    while (n) *p++ = dig[--n];
    *p++ = '\0';
    *text = p;
    return out;
}

/* The bytes of label text data_new must hold for rows 0..nrows-1 (row_label's count): with a
 * label column, what its missing cells need; without, "Study N" + NUL for N = 1..nrows, i.e.
 * 7 bytes and the digits of N, counted by number of digits. */
static size_t labels_text(const cmeta_table *t, long label_col, size_t nrows)
{
    size_t text = 0;
    if (label_col >= 0) {
        for (size_t i = 0; i < nrows; i++) (void)row_label(t, label_col, i, NULL, &text);
        return text;
    }
    size_t lo = 1, nd = 1; /* N in [lo, 10 lo) have nd digits */
    while (lo <= nrows) {
        size_t hi = lo <= ((size_t)-1) / 10 ? lo * 10 - 1 : (size_t)-1;
        size_t top = hi < nrows ? hi : nrows;
        text += (top - lo + 1) * (7 + nd);
        if (top == nrows) break;
        lo = hi + 1;
        nd++;
    }
    return text;
}

/* ---- mapping a rule broken back to its cell ---------------------------------------- */

/* err (from cmeta_escalc_check or cmeta_escalc) names a study index into the compact arrays
 * and, as its message's first word, a variable: point it at the file's cell. */
static cmeta_status locate(const cmeta_table *t, const plan *p, const size_t *rows,
                           char *const *row_labels, size_t k, cmeta_status st, cmeta_error *err)
{
    if (!err) return st;
    char msg[sizeof err->message];
    memcpy(msg, err->message, sizeof msg);
    long idx = err->index;
    size_t n = 0;
    while (n < 15 && ((msg[n] >= 'a' && msg[n] <= 'z') || (msg[n] >= '0' && msg[n] <= '9'))) n++;
    int v = -1;
    for (int j = 0; j < NV && n; j++)
        if (strlen(vname[j]) == n && strncmp(vname[j], msg, n) == 0) v = j;
    if (p->sd_swapped && (v == V_SD1 || v == V_SD2)) {
        /* escalc saw the file's SDs the other way round: name the file's column */
        v = v == V_SD1 ? V_SD2 : V_SD1;
        memcpy(msg, vname[v], n);
    }
    if (p->bin_derived && v == V_BI) v = V_N1;
    if (p->bin_derived && v == V_DI) v = V_N2;
    if (v == V_VI && !p->use[V_VI] && p->use[V_SEI]) v = V_SEI;
    if (idx < 0 || (size_t)idx >= k) { /* not about one study (e.g. a vtype the measure lacks) */
        cmeta_error_clear(err);
        return cmeta_error_set(err, st, "%s", msg);
    }
    size_t row = rows[idx];
    long col = v >= 0 && p->use[v] ? p->col[v] : -1;
    long line = col >= 0 ? cmeta_table_cell_line(t, row, (size_t)col) : cmeta_table_row_line(t, row);
    fail_at(err, t, line, col >= 0 ? col + 1 : 0, row_labels ? row_labels[row] : NULL, st, msg);
    err->index = (long)row;
    return st;
}

/* ---- effect sizes that are not finite ------------------------------------------------- */

/* Finite inputs make a study's effect size infinite or undefined without overflow only at a
 * boundary of the measure's formula: a zero cell (log 0, 0/0: metafor recodes the +-Inf to NA
 * and leaves the study out, and so does cmeta, with a warning), a proportion of 0 or 1,
 * |ri| = 1 (atanh, 1 - ri^2), a mean of 0 in a ratio of means (double-zero studies under
 * --drop00 have zero cells). Anything else is an overflow of the double range (means 1e308 and -1e308): a
 * number that would be wrong, refused rather than dropped. raw[v][s] are study s's inputs. */
static int dropped_by_rule(cmeta_measure m, double *const *raw, size_t s)
{
#define RAW(v) (raw[v] ? raw[v][s] : NAN)
    switch (cmeta_measure_family(m)) {
    case CMETA_FAMILY_BIN2:
        return RAW(V_AI) == 0 || RAW(V_BI) == 0 || RAW(V_CI) == 0 || RAW(V_DI) == 0;
    case CMETA_FAMILY_PROP: return RAW(V_XI) == 0 || RAW(V_XI) == RAW(V_NI);
    case CMETA_FAMILY_COR: return fabs(RAW(V_RI)) == 1;
    case CMETA_FAMILY_PREPOST:
        return fabs(RAW(V_RI)) == 1 || (m == CMETA_ROMC && (RAW(V_M1) == 0 || RAW(V_M2) == 0));
    case CMETA_FAMILY_CONT2: return m == CMETA_ROM && (RAW(V_M1) == 0 || RAW(V_M2) == 0);
    default: return 0;
    }
#undef RAW
}

static cmeta_status overflow_error(cmeta_error *err, const cmeta_table *t, size_t row,
                                   const char *label, cmeta_measure m, int yi_bad, int add_set)
{
    char msg[256];
    snprintf(msg, sizeof msg,
             "%s (%s) is not finite although every input is: the numbers overflow a double "
             "(rescale the data, e.g. other units%s)",
             yi_bad ? "the effect size" : "the sampling variance", cmeta_measure_name(m),
             add_set ? ", or use a smaller --add" : "");
    return fail_at(err, t, cmeta_table_row_line(t, row), 0, label, CMETA_EDATA, msg);
}

/* ---- building ------------------------------------------------------------------------ */

/* A table with reported statistics (cmeta/reported.h): reported.c gives every row's yi, vi
 * and route; the family's arrays are kept when every study came from group data. */
static cmeta_status from_reported(const cmeta_table *t, const cmeta_data_opts *o, cmeta_data **out,
                                  cmeta_warnings *w, cmeta_error *err)
{
    cmeta__reported r;
    cmeta_status st = cmeta__reported_rows(t, o, &r, w, err);
    if (st != CMETA_OK) return st;
    size_t nrows = r.nrows, k = 0;
    for (size_t i = 0; i < nrows; i++) k += isfinite(r.yi[i]) && isfinite(r.vi[i]);
    if (k == 0) {
        cmeta__reported_free(&r);
        return fail_at(err, t, 0, 0, NULL, CMETA_EDATA,
                       nrows ? "no studies with complete data (see the warnings)"
                             : "no studies with complete data (the file has no data rows)");
    }
    long label_col = cmeta_table_find(t, "study");
    cmeta_data *d = data_new(nrows, k, labels_text(t, label_col, nrows));
    if (!d) {
        cmeta__reported_free(&r);
        return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    char *label_text = (char *)(d->row_label + nrows);
    d->table = t;
    d->measure = r.measure;
    d->escalc = o->escalc;
    d->row_yi_from = r.from; /* handed over */
    r.from = NULL;
    cmeta_family fam = cmeta_measure_family(r.measure);
    static const int cont[] = {V_M1, V_SD1, V_N1, V_M2, V_SD2, V_N2}, bin[] = {V_AI, V_BI, V_CI, V_DI};
    const int *keep = fam == CMETA_FAMILY_CONT2 ? cont : bin;
    int nkeep = !r.all_group ? 0 : fam == CMETA_FAMILY_CONT2 ? 6 : fam == CMETA_FAMILY_BIN2 ? 4 : 0;
    for (int j = 0; j < nkeep && st == CMETA_OK; j++)
        if (!(*field_of(d, keep[j]) = CMETA_ARRAY_NEW(double, k))) st = CMETA_ENOMEM;
    for (size_t i = 0, s = 0; i < nrows && st == CMETA_OK; i++) {
        /* the table's own text is never written through this pointer */
        d->row_label[i] = (char *)row_label(t, label_col, i, &label_text, NULL);
        if (!isfinite(r.yi[i]) || !isfinite(r.vi[i])) continue;
        d->row[s] = i;
        d->label[s] = d->row_label[i];
        d->yi[s] = d->row_yi[i] = r.yi[i];
        d->vi[s] = d->row_vi[i] = r.vi[i];
        for (int j = 0; j < nkeep; j++)
            (*field_of(d, keep[j]))[s] = r.g[(fam == CMETA_FAMILY_CONT2 ? CMETA__G_M1 : CMETA__G_AI) + j][i];
        s++;
    }
    cmeta__reported_free(&r);
    if (st != CMETA_OK) {
        cmeta_data_free(d);
        return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    *out = d;
    return CMETA_OK;
}

cmeta_transform_kind cmeta_data_transform(const cmeta_data *d)
{
    if (!d) return CMETA_TRANS_NONE;
    return d->ratio_name[0] ? CMETA_TRANS_EXP : cmeta_measure_transform(d->measure);
}

const char *cmeta_data_measure_name(const cmeta_data *d)
{
    if (!d) return NULL;
    return d->ratio_name[0] ? d->ratio_name : cmeta_measure_name(d->measure);
}

static cmeta_status data_from_table(const cmeta_table *t, const cmeta_data_opts *o,
                                    cmeta_data **out, cmeta_warnings *w, cmeta_error *err);

cmeta_status cmeta_data_from_table(const cmeta_table *t, const cmeta_data_opts *o,
                                   cmeta_data **out, cmeta_warnings *w, cmeta_error *err)
{
    cmeta_status st = data_from_table(t, o, out, w, err);
    /* log ratios without a measure of their own (hazard ratios): pooled as GEN on the log scale,
     * results back-transformed by exp and named (--ratio, --measure HR) */
    if (st == CMETA_OK && o && *out && (*out)->measure == CMETA_GEN && (o->ratio || o->ratio_name))
        snprintf((*out)->ratio_name, sizeof (*out)->ratio_name, "%s", o->ratio_name ? o->ratio_name : "ratio");
    return st;
}

/* The measure: o->measure when set, else GEN when the file has yi with vi or sei; otherwise
 * CMETA_EUSAGE naming the measures whose columns are all there (or the closest ones). */
static cmeta_status choose_measure(const cmeta_table *t, const cmeta_data_opts *o, cmeta_measure *mout,
                                   cmeta_error *err)
{
    long col[NV];
    find_columns(t, col);
    cmeta_measure m = o->measure;
    if (!o->measure_set) {
        if (has(col, V_YI) && (has(col, V_VI) || has(col, V_SEI))) {
            m = CMETA_GEN;
        } else {
            unsigned long bits = fitting_from(col);
            char msg[1024];
            size_t used = 0;
            if (!bits) {
                cmeta__no_measure_message(t, -1, "--measure is required, and no measure fits the columns",
                                          msg, sizeof msg);
            } else {
                used = (size_t)snprintf(msg, sizeof msg, "--measure is required; the columns fit:");
                int first = 1;
                for (int k = 0; k < CMETA_NMEASURES && used < sizeof msg; k++)
                    if (bits & (1UL << k)) {
                        used += (size_t)snprintf(msg + used, sizeof msg - used, "%s %s",
                                                 first ? "" : ",", cmeta_measure_name((cmeta_measure)k));
                        first = 0;
                    }
            }
            cmeta_error_clear(err);
            return cmeta_error_set(err, CMETA_EUSAGE, "%s", msg);
        }
    }
    if ((int)m < 0 || m >= CMETA_NMEASURES) return cmeta_error_set(err, CMETA_EUSAGE, "unknown measure");
    *mout = m;
    return CMETA_OK;
}

/* One build of data from a table (data_from_table and its steps). */
typedef struct {
    const cmeta_table *t;
    const cmeta_data_opts *o;
    cmeta_measure m;
    plan p;
    cmeta_data *d;
    double *raw[NV]; /* the inputs of the studies kept, per variable (NULL: not used): study
                      * k0 + j in raw[v][j] */
    size_t k;        /* studies kept so far */
    size_t k0;       /* the first study of raw (0; in blocks, the block's first) */
    char *label_text;/* where the next generated label ("Study N") goes */
    cmeta_warnings *w;
    cmeta_error *err;
} build;

/* The build's arrays and data freed, and the build back to no study read (so a failed try in
 * blocks can start again whole). */
static void build_free(build *b)
{
    for (int v = 0; v < NV; v++) {
        cmeta_free(b->raw[v]);
        b->raw[v] = NULL;
    }
    cmeta_data_free(b->d);
    b->d = NULL;
    b->k = b->k0 = 0;
}

/* The data object (k = nrows, shrunk later) and raw arrays of `cap` studies for the variables
 * read. */
static cmeta_status build_alloc(build *b, size_t cap, int labels)
{
    const cmeta_table *t = b->t;
    size_t nrows = cmeta_table_nrows(t);
    size_t text = labels ? labels_text(t, cmeta_table_find(t, "study"), nrows) : 0;
    b->d = data_new_rows(nrows, nrows, text, 0, labels); /* k shrinks below */
    if (!b->d) return cmeta_error_set(b->err, CMETA_ENOMEM, "out of memory");
    b->d->table = t;
    b->d->measure = b->m;
    b->d->escalc = b->o->escalc;
    b->label_text = labels ? (char *)(b->d->row_label + nrows) : NULL;
    for (int v = 0; v < NV; v++)
        if (b->p.use[v] || (v == V_RI && b->p.ri_const) ||
            (b->p.bin_derived && (v == V_BI || v == V_DI))) {
            b->raw[v] = CMETA_ARRAY_NEW(double, cap);
            if (!b->raw[v]) return cmeta_error_set(b->err, CMETA_ENOMEM, "out of memory");
        }
    return CMETA_OK;
}

/* A cell of variable v in row i (column c) that is neither a number nor missing: the error at
 * its place (the happy path fills no error record: the cell is parsed again for it). */
static cmeta_status bad_cell(build *b, size_t i, int v, size_t c, const char *cell)
{
    const cmeta_table *t = b->t;
    cmeta_error e;
    cmeta_error_clear(&e);
    double x;
    if (cmeta_parse_double(cell, &x, &e) == CMETA_OK) e.status = CMETA_EDATA;
    char msg[sizeof e.message + 32];
    if (e.status == CMETA_ENOMEM) return cmeta_error_set(b->err, CMETA_ENOMEM, "out of memory");
    if (cmeta_table_decimal(t) == '.' && cmeta__decimal_comma_at(cell))
        snprintf(msg, sizeof msg, "%s: '%.40s' is not a number (the file seems to use "
                 "decimal commas: add --decimal ,%s)", vname[v], cell,
                 cmeta_table_separator(t) == ',' ? " and a separator other than a comma" : "");
    else
        snprintf(msg, sizeof msg, "%s: %s", vname[v], e.message);
    cmeta_status st = fail_at(b->err, t, cmeta_table_cell_line(t, i, c), (long)c + 1,
                              LABEL(b->d, i), CMETA_EDATA, msg);
    if (b->err) b->err->index = (long)i;
    return st;
}

/* The labels of rows i0..i1-1, and the used cells of every row wanted: a row with a missing
 * cell is left out with a warning, a bad cell is an error at its place; the rows kept are
 * appended to d->row (b->k counts them) and their inputs to raw[v] (from raw[v][k - k0]). */
static cmeta_status read_cells(build *b, size_t i0, size_t i1)
{
    const cmeta_table *t = b->t;
    const cmeta_data_opts *o = b->o;
    const plan *p = &b->p;
    cmeta_data *d = b->d;
    size_t k = b->k, k0 = b->k0;
    long label_col = cmeta_table_find(t, "study");
    int nused = 0, used[NV];
    for (int v = 0; v < NV; v++)
        if (p->use[v]) used[nused++] = v;
    int ri_fill = o->ri_set && cmeta_measure_family(b->m) == CMETA_FAMILY_PREPOST;
    for (size_t i = i0; i < i1; i++) {
        /* the table's own text is never written through this pointer */
        if (d->row_label) d->row_label[i] = (char *)row_label(t, label_col, i, &b->label_text, NULL);
        if (o->rows && !o->rows[i]) continue; /* another measure's row (cmeta_data_load) */
        char missing[256];
        size_t mlen = 0;
        double val[NV];
        for (int u = 0; u < nused; u++) {
            int v = used[u];
            size_t c = (size_t)p->col[v];
            const char *cell = cmeta_table_cell(t, i, c);
            /* a number (the usual cell) first: a missing cell is never one */
            if (cmeta_parse_double(cell, &val[v], NULL) == CMETA_OK) continue;
            if (!cmeta_cell_is_missing(cell)) return bad_cell(b, i, v, c, cell);
            if (v == V_RI && ri_fill) {
                val[v] = o->ri; /* --ri: the correlation of studies without one (issue 16) */
                continue;
            }
            if (mlen < sizeof missing)
                mlen += (size_t)snprintf(missing + mlen, sizeof missing - mlen, "%s%s",
                                         mlen ? ", " : "", vname[v]);
        }
        if (mlen) {
            if (cmeta_warn(b->w, "study '%s' (line %ld) left out: missing %s", LABEL(d, i),
                           cmeta_table_row_line(t, i), missing) != CMETA_OK)
                return cmeta_error_set(b->err, CMETA_ENOMEM, "out of memory");
            continue;
        }
        for (int u = 0; u < nused; u++) b->raw[used[u]][k - k0] = val[used[u]];
        if (p->ri_const) b->raw[V_RI][k - k0] = o->ri;
        d->row[k++] = i;
    }
    b->k = k; /* d->label is filled by set_rows, once the studies are known */
    return CMETA_OK;
}

/* The rules of the measure, then the effect sizes d->yi, d->vi of studies k0..k-1 (the inputs
 * in raw). Binary counts given as events and group sizes (ai n1i ci n2i) are checked by
 * cmeta_escalc_check as such ("ai must be <= n1i"), then bi = n1i - ai, di = n2i - ci. */
static cmeta_status compute(build *b)
{
    double **raw = b->raw;
    size_t k0 = b->k0;
    const size_t *rows = b->d->row + k0;
    cmeta_escalc_input in;
    memset(&in, 0, sizeof in);
    in.k = b->k - k0;
    in.m1i = raw[V_M1], in.sd1i = raw[V_SD1], in.n1i = raw[V_N1];
    in.m2i = raw[V_M2], in.sd2i = raw[V_SD2], in.n2i = raw[V_N2];
    if (b->p.sd_swapped) in.sd1i = raw[V_SD2], in.sd2i = raw[V_SD1]; /* standardize by baseline */
    in.ai = raw[V_AI], in.ci = raw[V_CI], in.xi = raw[V_XI], in.ni = raw[V_NI], in.ri = raw[V_RI];
    in.yi = raw[V_YI], in.vi = raw[V_VI], in.sei = raw[V_SEI];
    if (!b->p.bin_derived) in.bi = raw[V_BI], in.di = raw[V_DI];
    cmeta_error e;
    cmeta_error_clear(&e);
    cmeta_status cs = cmeta_escalc_check(b->m, &in, &e);
    if (cs != CMETA_OK) {
        if (b->err) *b->err = e;
        return locate(b->t, &b->p, rows, b->d->row_label, in.k, cs, b->err);
    }
    if (b->p.bin_derived)
        for (size_t j = 0; j < in.k; j++) {
            raw[V_BI][j] = raw[V_N1][j] - raw[V_AI][j];
            raw[V_DI][j] = raw[V_N2][j] - raw[V_CI][j];
        }
    cmeta_error_clear(&e);
    cs = cmeta_escalc(b->m, &in, &b->o->escalc, b->d->yi + k0, b->d->vi + k0, b->w, &e);
    if (cs != CMETA_OK) {
        if (b->err) *b->err = e;
        return locate(b->t, &b->p, rows, b->d->row_label, in.k, cs, b->err);
    }
    return CMETA_OK;
}

/* Studies whose effect could not be computed at a boundary of the formula (e.g. --drop00) are
 * left out with a warning (*n_nonfinite counts them); a non-finite effect of finite inputs
 * elsewhere is an overflow error. */
static cmeta_status drop_nonfinite(build *b, size_t *n_nonfinite)
{
    cmeta_data *d = b->d;
    double **raw = b->raw;
    cmeta_measure m = b->m;
    size_t kk = 0;
    *n_nonfinite = 0;
    for (size_t s = 0; s < b->k; s++) {
        size_t row = d->row[s];
        if (!isfinite(d->yi[s]) || !isfinite(d->vi[s])) {
            if (!dropped_by_rule(m, raw, s))
                return overflow_error(b->err, b->t, row, d->row_label[row], m, !isfinite(d->yi[s]),
                                      b->o->escalc.add_explicit);
            int dz = cmeta_measure_family(m) == CMETA_FAMILY_BIN2 && b->o->escalc.drop00 &&
                     ((raw[V_AI][s] == 0 && raw[V_CI][s] == 0) ||
                      (raw[V_BI][s] == 0 && raw[V_DI][s] == 0));
            if (cmeta_warn(b->w, "study '%s' (line %ld) left out: %s", d->row_label[row],
                           cmeta_table_row_line(b->t, row),
                           dz ? "double-zero study (no events, or only events, in both groups) and --drop00"
                              : "its effect size or variance is not finite") != CMETA_OK)
                return cmeta_error_set(b->err, CMETA_ENOMEM, "out of memory");
            (*n_nonfinite)++;
            continue;
        }
        if (kk != s) {
            d->row[kk] = row;
            d->yi[kk] = d->yi[s];
            d->vi[kk] = d->vi[s];
            for (int v = 0; v < NV; v++)
                if (raw[v]) raw[v][kk] = raw[v][s];
        }
        kk++;
    }
    b->k = kk;
    return CMETA_OK;
}

/* No study left: say why, in the words of the warnings printed before (complete data whose
 * effect sizes are all infinite are not "incomplete"). */
static cmeta_status no_study(build *b, size_t n_nonfinite)
{
    size_t nrows = b->d->nrows;
    char msg[160];
    if (!nrows) snprintf(msg, sizeof msg, "no studies with complete data (the file has no data rows)");
    else if (n_nonfinite == 0) snprintf(msg, sizeof msg, "no studies with complete data");
    else if (n_nonfinite == nrows)
        snprintf(msg, sizeof msg, "no study left: the effect size or variance of every study "
                                  "is not finite (see the warnings)");
    else
        snprintf(msg, sizeof msg, "no study left: %zu with missing values, %zu whose effect "
                                  "size or variance is not finite (see the warnings)",
                 nrows - n_nonfinite, n_nonfinite);
    return fail_at(b->err, b->t, 0, 0, NULL, CMETA_EDATA, msg);
}

/* Say which SD standardized SMCR/SMCRH (the two conventions differ: cmeta_smcr_sd), then hand
 * the family's arrays over to the data. */
static cmeta_status finish(build *b)
{
    cmeta_measure m = b->m;
    if (m == CMETA_SMCR || m == CMETA_SMCRH) {
        cmeta_status ws = b->p.sd_swapped
            ? cmeta_warn(b->w, "%s standardized by the baseline SD (column sd2i), as Becker (1988)",
                         cmeta_measure_name(m))
            : cmeta_warn(b->w, "%s standardized by the follow-up SD (column sd1i), as metafor's "
                               "escalc on these columns; --smcr-sd baseline uses the baseline SD "
                               "(sd2i), as Becker (1988)", cmeta_measure_name(m));
        if (ws != CMETA_OK) return cmeta_error_set(b->err, CMETA_ENOMEM, "out of memory");
    }
    cmeta_data *d = b->d;
    d->k = b->k;
    if (set_rows(d) != 0) return cmeta_error_set(b->err, CMETA_ENOMEM, "out of memory");
    cmeta_family fam = cmeta_measure_family(m);
    for (int v = 0; v < NV; v++) {
        double **f = field_of(d, v);
        int keep = f && b->raw[v];
        if (fam == CMETA_FAMILY_BIN2 && (v == V_N1 || v == V_N2)) keep = 0;
        if (b->o->effects_only) keep = 0; /* and in blocks, raw holds only the last block */
        if (keep) *f = b->raw[v];
        else cmeta_free(b->raw[v]);
        b->raw[v] = NULL;
    }
    return CMETA_OK;
}

/* The whole table at once: every row read, then every study computed, then the studies with
 * non-finite effects left out. */
static cmeta_status build_whole(build *b)
{
    size_t n_nonfinite = 0, nrows = cmeta_table_nrows(b->t);
    cmeta_status st = build_alloc(b, nrows, 1);
    if (st == CMETA_OK) st = read_cells(b, 0, nrows);
    if (st == CMETA_OK) st = compute(b);
    if (st == CMETA_OK) st = drop_nonfinite(b, &n_nonfinite);
    if (st == CMETA_OK && b->k == 0) st = no_study(b, n_nonfinite);
    return st;
}

/* Effects only (o->effects_only) of a large table go in blocks of BLOCK_ROWS rows through one
 * set of raw arrays, without labels (SMD at 10^6 rows: 48 MB of inputs and 20 MB of labels
 * fewer written), where each study's yi and vi depend on its own row alone: not the AV
 * variances (means over all studies), not --to if0all (a zero anywhere corrects every study),
 * not a subset of rows (o->rows). */
#define BLOCK_ROWS 65536

static int by_blocks(const build *b)
{
    const cmeta_data_opts *o = b->o;
    cmeta_vtype vt = o->escalc.vtype;
    return o->effects_only && !o->rows && cmeta_table_nrows(b->t) > BLOCK_ROWS &&
           vt != CMETA_VTYPE_AV && vt != CMETA_VTYPE_AVHO && o->escalc.to != CMETA_TO_IF0ALL;
}

/* The blocks, kept (1) only when none warns, fails or leaves a study out, i.e. when the whole
 * build would have said nothing either and kept every row; otherwise 0: the caller builds the
 * whole table again, whose messages (first error in its order, warnings in its order) are the
 * ones the user sees. */
static int build_blocks(build *b)
{
    cmeta_warnings bw, *w = b->w;
    cmeta_error *err = b->err;
    cmeta_warnings_init(&bw);
    b->w = &bw, b->err = NULL;
    size_t nrows = cmeta_table_nrows(b->t);
    int ok = 1;
    for (size_t i0 = 0; i0 < nrows && ok; i0 += BLOCK_ROWS) {
        size_t i1 = nrows - i0 > BLOCK_ROWS ? i0 + BLOCK_ROWS : nrows;
        b->k0 = b->k;
        ok = read_cells(b, i0, i1) == CMETA_OK && b->k - b->k0 == i1 - i0 &&
             compute(b) == CMETA_OK && bw.n == 0;
        for (size_t s = b->k0; s < b->k && ok; s++)
            ok = isfinite(b->d->yi[s]) && isfinite(b->d->vi[s]);
    }
    b->w = w, b->err = err, b->k0 = 0;
    cmeta_warnings_free(&bw);
    return ok;
}

static cmeta_status data_from_table(const cmeta_table *t, const cmeta_data_opts *o,
                                    cmeta_data **out, cmeta_warnings *w, cmeta_error *err)
{
    cmeta_data_opts defaults;
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "no output");
    *out = NULL;
    if (!t) return cmeta_error_set(err, CMETA_EUSAGE, "no table");
    if (!o) {
        cmeta_data_opts_default(&defaults);
        o = &defaults;
    }
    if (cmeta__reported_wanted(t, o)) return from_reported(t, o, out, w, err);

    build b;
    memset(&b, 0, sizeof b);
    b.t = t, b.o = o, b.w = w, b.err = err;
    cmeta_status st = choose_measure(t, o, &b.m, err);
    if (st == CMETA_OK) st = make_plan(t, b.m, o, &b.p, err);
    if (st != CMETA_OK) return st;
    int done = 0;
    if (by_blocks(&b)) {
        st = build_alloc(&b, BLOCK_ROWS, 0); /* no labels: the blocks keep no message */
        if (st == CMETA_OK) done = build_blocks(&b);
        if (st == CMETA_OK && !done) build_free(&b); /* start again, whole */
    }
    if (st == CMETA_OK && !done) st = build_whole(&b);
    if (st == CMETA_OK) st = finish(&b);
    if (st == CMETA_OK && o->effects_only) drop_labels(b.d);
    if (st != CMETA_OK) {
        build_free(&b);
        return st;
    }
    *out = b.d;
    return CMETA_OK;
}

/* ---- subsets ------------------------------------------------------------------------- */

cmeta_status cmeta_data_subset(const cmeta_data *d, const size_t *idx, size_t n, cmeta_data **out)
{
    if (!out) return CMETA_EUSAGE;
    *out = NULL;
    if (!d || (n && !idx)) return CMETA_EUSAGE;
    for (size_t s = 0; s < n; s++)
        if (idx[s] >= d->k) return CMETA_EUSAGE;
    /* the labels are copied into e's own row_label block */
    size_t text = 0;
    int labels = d->row_label != NULL; /* none in effects_only data */
    for (size_t i = 0; labels && i < d->nrows; i++) text += strlen(d->row_label[i]) + 1;
    cmeta_data *e = data_new_rows(d->nrows, n, text, 1, labels);
    if (!e) return CMETA_ENOMEM;
    e->table = d->table;
    e->measure = d->measure;
    e->escalc = d->escalc;
    memcpy(e->ratio_name, d->ratio_name, sizeof e->ratio_name);
    char *q = labels ? (char *)(e->row_label + d->nrows) : NULL;
    for (size_t i = 0; labels && i < d->nrows; i++) {
        size_t len = strlen(d->row_label[i]) + 1;
        memcpy(q, d->row_label[i], len);
        e->row_label[i] = q;
        q += len;
    }
    for (int v = 0; v < NV; v++) {
        double **src = field_of((cmeta_data *)d, v);
        if (!src || !*src) continue;
        double *a = CMETA_ARRAY_NEW(double, n);
        if (!a) {
            cmeta_data_free(e);
            return CMETA_ENOMEM;
        }
        for (size_t s = 0; s < n; s++) a[s] = (*src)[idx[s]];
        *field_of(e, v) = a;
    }
    if (d->row_yi_from) {
        if (!(e->row_yi_from = CMETA_ARRAY_NEW(char *, d->nrows))) {
            cmeta_data_free(e);
            return CMETA_ENOMEM;
        }
        for (size_t i = 0; i < d->nrows; i++)
            if (d->row_yi_from[i] && !(e->row_yi_from[i] = cmeta_strdup(d->row_yi_from[i]))) {
                cmeta_data_free(e);
                return CMETA_ENOMEM;
            }
    }
    if (d->measures) {
        e->measures = CMETA_ARRAY_NEW(cmeta_measure, n ? n : 1);
        if (!e->measures) {
            cmeta_data_free(e);
            return CMETA_ENOMEM;
        }
        for (size_t s = 0; s < n; s++) e->measures[s] = d->measures[idx[s]];
    }
    for (size_t s = 0; s < n; s++) {
        size_t j = idx[s], row = d->row[j];
        e->row[s] = row;
        if (labels) e->label[s] = e->row_label[row];
        e->yi[s] = d->yi[j];
        e->vi[s] = d->vi[j];
        e->row_yi[row] = d->yi[j];
        e->row_vi[row] = d->vi[j];
    }
    *out = e;
    return CMETA_OK;
}

/* ---- sampling variances every fit can use --------------------------------------------- */

/* The column name the user gave for canonical name c ("sd.e" for sd1i), or c. */
static const char *user_col(const cmeta_table *t, const char *c)
{
    long j = cmeta_table_find(t, c);
    return j >= 0 ? cmeta_table_colname(t, (size_t)j) : c;
}

cmeta_status cmeta_data_check_vi(const cmeta_data *d, cmeta_error *err)
{
    if (!d) return cmeta_error_set(err, CMETA_EUSAGE, "no data");
    const cmeta_table *t = d->table;
    cmeta_measure m = d->measure;
    for (size_t s = 0; s < d->k; s++) {
        if (d->vi[s] > 0) continue;
        char msg[512];
        long ricol = t ? cmeta_table_find(t, "ri") : -1, col = 0;
        double ri = d->ri ? d->ri[s] : NAN;
        /* ri from the file is "ri = 1"; from the command line "--ri 1" */
        char rtxt[64];
        if (ricol >= 0) snprintf(rtxt, sizeof rtxt, "%s = %g", cmeta_table_colname(t, (size_t)ricol), ri);
        else snprintf(rtxt, sizeof rtxt, "--ri %g", ri);
        cmeta_family fam = cmeta_measure_family(m);
        if ((fam == CMETA_FAMILY_COR || fam == CMETA_FAMILY_PREPOST) && fabs(ri) == 1) {
            if (ricol >= 0) col = ricol + 1;
            if (m == CMETA_MC && d->sd1i && d->sd2i && d->sd1i[s] == d->sd2i[s])
                snprintf(msg, sizeof msg, "%s with %s = %s (%g) makes the sampling variance 0 "
                         "(measure MC; a fit needs vi > 0)", rtxt, t ? user_col(t, "sd1i") : "sd1i",
                         t ? user_col(t, "sd2i") : "sd2i", d->sd1i[s]);
            else
                snprintf(msg, sizeof msg, "%s makes the sampling variance 0 (measure %s; a fit "
                         "needs vi > 0)", rtxt, cmeta_measure_name(m));
        } else if (fam == CMETA_FAMILY_PROP && d->xi && d->ni) {
            long xc = t ? cmeta_table_find(t, "xi") : -1;
            if (xc >= 0) col = xc + 1;
            snprintf(msg, sizeof msg, "%s = %g of %s = %g makes the sampling variance 0 (measure "
                     "%s; a fit needs vi > 0: use PLO, PAS or PFT, or --add)",
                     t ? user_col(t, "xi") : "xi", d->xi[s], t ? user_col(t, "ni") : "ni",
                     d->ni[s], cmeta_measure_name(m));
        } else if (fam == CMETA_FAMILY_BIN2) {
            snprintf(msg, sizeof msg, "the event risks (0 or 1 in both groups) make the sampling "
                     "variance 0 (measure %s; a fit needs vi > 0: use --add)", cmeta_measure_name(m));
        } else {
            snprintf(msg, sizeof msg, "the sampling variance is %g (measure %s); a fit needs vi > 0",
                     d->vi[s], cmeta_measure_name(m));
        }
        size_t row = d->row[s];
        long line = t ? (col ? cmeta_table_cell_line(t, row, (size_t)col - 1) : cmeta_table_row_line(t, row)) : 0;
        if (err) {
            cmeta_error_clear(err);
            if (t) snprintf(err->file, sizeof err->file, "%s", cmeta_table_name(t));
            err->line = line;
            err->column = col;
            err->index = (long)row;
            snprintf(err->study, sizeof err->study, "%s", d->label ? d->label[s] : "");
        }
        return cmeta_error_set(err, CMETA_EDATA, "%s", msg);
    }
    return CMETA_OK;
}
