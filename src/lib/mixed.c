/* mixed.c - mixed designs in one analysis (issue 16 item 4; cmeta/data.h cmeta_data_load):
 * a `measure` column gives each row its own measure; the rows of each measure are read by
 * cmeta_data_from_table with that measure, and the studies put back in file order.
 *
 * Pooling a mix is an inverse-variance fit of the concatenated yi/vi, exactly what metafor's
 * rma(yi, vi) does on rbind(escalc("SMD", ...), escalc("SMCR", ...)); the scales that may be
 * mixed are those of cmeta_measure_scale (Morris & DeShon 2002, Psychol Methods 7:105-125,
 * on combining effect sizes from independent-groups and repeated-measures designs).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int cmeta_measure_scale(cmeta_measure m)
{
    switch (m) {
    case CMETA_SMD: case CMETA_SMDH: case CMETA_SMD1:
    case CMETA_SMCC: case CMETA_SMCR: case CMETA_SMCRH: return 1000;
    case CMETA_MD: case CMETA_MC: return 1001;
    case CMETA_ROM: case CMETA_ROMC: return 1002;
    case CMETA_OR: case CMETA_PETO: return 1003;
    default: return (int)m;
    }
}

const char *cmeta_measure_design(cmeta_measure m, char *buf, size_t n)
{
    const char *d = "";
    switch (cmeta_measure_family(m)) {
    case CMETA_FAMILY_CONT2: d = "two-group "; break;
    case CMETA_FAMILY_PREPOST: d = "pre-post "; break;
    case CMETA_FAMILY_BIN2: d = "2x2 "; break;
    case CMETA_FAMILY_PROP: d = "one-group "; break;
    case CMETA_FAMILY_COR: d = "correlation "; break;
    case CMETA_FAMILY_GEN: d = ""; break;
    }
    if (buf && n) snprintf(buf, n, "%s%s", d, cmeta_measure_name(m));
    return buf;
}

const char *cmeta_data_mix(const cmeta_data *d, char *buf, size_t n)
{
    if (!buf || !n) return buf;
    buf[0] = '\0';
    if (!d || !d->measures) return buf;
    size_t u = 0;
    int seen[CMETA_NMEASURES] = {0};
    for (size_t s = 0; s < d->k; s++) {
        cmeta_measure m = d->measures[s];
        if ((int)m < 0 || m >= CMETA_NMEASURES || seen[m]++) continue;
        size_t c = 0;
        for (size_t j = s; j < d->k; j++) c += d->measures[j] == m;
        char des[48];
        if (m == CMETA_GEN && d->ratio_name[0]) snprintf(des, sizeof des, "%s", d->ratio_name); /* HR rows */
        else cmeta_measure_design(m, des, sizeof des);
        if (u < n) u += (size_t)snprintf(buf + u, n - u, "%s%zu %s", u ? ", " : "", c, des);
    }
    return buf;
}

static cmeta_status at_cell(cmeta_error *err, const cmeta_table *t, size_t row, long col,
                            const char *study, cmeta_status st, const char *msg)
{
    if (err) {
        cmeta_error_clear(err);
        snprintf(err->file, sizeof err->file, "%s", cmeta_table_name(t));
        err->line = col >= 0 ? cmeta_table_cell_line(t, row, (size_t)col) : cmeta_table_row_line(t, row);
        err->column = col >= 0 ? col + 1 : 0;
        err->index = (long)row;
        if (study) snprintf(err->study, sizeof err->study, "%s", study);
    }
    return cmeta_error_set(err, st, "%s", msg);
}

/* "lines 2, 3, 5" of the rows with measure m (the first few) */
static void lines_of(const cmeta_table *t, const int *rm, size_t nrows, int m, char *buf, size_t n)
{
    size_t u = 0, c = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < nrows && u < n; i++) {
        if (rm[i] != m) continue;
        if (c++ == 6) {
            u += (size_t)snprintf(buf + u, n - u, ", ...");
            break;
        }
        u += (size_t)snprintf(buf + u, n - u, "%s%ld", c > 1 ? ", " : "", cmeta_table_row_line(t, i));
    }
}

/* The label a row is named by in messages: its study cell, else "Study N" (in dflt). */
static const char *row_study(const cmeta_table *t, long label_col, size_t i, char *dflt, size_t n)
{
    const char *lab = label_col >= 0 && !cmeta_cell_is_missing(cmeta_table_cell(t, i, (size_t)label_col))
                          ? cmeta_table_cell(t, i, (size_t)label_col) : NULL;
    if (!lab) snprintf(dflt, n, "Study %zu", i + 1), lab = dflt;
    return lab;
}

/* The "no studies" error, which names no line (err->line 0: cmeta_data_from_table's alike). */
static cmeta_status no_studies(cmeta_error *err, const cmeta_table *t, const char *msg)
{
    cmeta_status st = at_cell(err, t, 0, -1, NULL, CMETA_EDATA, msg);
    if (err) err->line = 0, err->index = -1;
    return st;
}

/* Step 1: each row's measure into rm[i] (-1: measure cell missing, the row left out with a
 * warning); *first the first row's measure (-1: none), *hr_rows the number of HR rows (read as
 * log ratios of measure GEN, as --measure HR). An unknown measure, HR and GEN rows in one file,
 * or a --measure that disagrees with the column is an error at that cell. */
static cmeta_status row_measures(const cmeta_table *t, const cmeta_data_opts *o, long mcol, long label_col,
                                 int *rm, int *first, size_t *hr_rows, cmeta_warnings *w, cmeta_error *err)
{
    size_t nrows = cmeta_table_nrows(t), gen_rows = 0;
    cmeta_status st = CMETA_OK;
    char msg[512];
    *first = -1;
    *hr_rows = 0;
    for (size_t i = 0; i < nrows && st == CMETA_OK; i++) {
        const char *cell = cmeta_table_cell(t, i, (size_t)mcol);
        char dflt[40];
        const char *lab = row_study(t, label_col, i, dflt, sizeof dflt);
        rm[i] = -1;
        if (cmeta_cell_is_missing(cell)) {
            if (cmeta_warn(w, "study '%s' (line %ld) left out: missing %s", lab, cmeta_table_row_line(t, i),
                           cmeta_table_colname(t, (size_t)mcol)) != CMETA_OK)
                st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
            continue;
        }
        char word[32];
        const char *p = cell;
        while (*p == ' ' || *p == '\t') p++;
        size_t n = strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
        snprintf(word, sizeof word, "%.*s", (int)(n < sizeof word ? n : sizeof word - 1), p);
        cmeta_measure m;
        if (cmeta__strcasecmp(word, "HR") == 0) { /* hazard ratios: log ratios as GEN (as --measure HR) */
            m = CMETA_GEN;
            (*hr_rows)++;
        } else if (cmeta_measure_from_name(word, &m) != CMETA_OK) {
            snprintf(msg, sizeof msg, "%s: '%.40s' is not a measure (a measure column names each row's "
                     "measure: SMD, SMCR, MD, MC, OR, ...)", cmeta_table_colname(t, (size_t)mcol), cell);
            return at_cell(err, t, i, mcol, lab, CMETA_EDATA, msg);
        }
        gen_rows += m == CMETA_GEN && cmeta__strcasecmp(word, "HR") != 0;
        if (*hr_rows && gen_rows) {
            snprintf(msg, sizeof msg, "%s: HR and GEN rows in one file: HR rows give ratios (their logs "
                     "pooled), GEN rows effects on their own scale; they do not pool",
                     cmeta_table_colname(t, (size_t)mcol));
            return at_cell(err, t, i, mcol, lab, CMETA_EDATA, msg);
        }
        if (o->measure_set && m != o->measure) {
            snprintf(msg, sizeof msg, "--measure %s and the %s column (%s here) disagree: the column "
                     "gives each row's measure; drop --measure to use it, or --col %s=OTHER to read "
                     "another column as the measures", cmeta_measure_name(o->measure),
                     cmeta_table_colname(t, (size_t)mcol), cmeta_measure_name(m), "measure");
            return at_cell(err, t, i, mcol, lab, CMETA_EUSAGE, msg);
        }
        rm[i] = (int)m;
        if (*first < 0) *first = (int)m;
    }
    return st;
}

/* Step 2: the measures must share one scale (cmeta_measure_scale); else the error, at the
 * first row off the first row's scale, names the rows of every measure. */
static cmeta_status one_scale(const cmeta_table *t, long mcol, long label_col, const int *rm, int first,
                              cmeta_error *err)
{
    size_t nrows = cmeta_table_nrows(t);
    char msg[512];
    for (size_t i = 0; first >= 0 && i < nrows; i++) {
        if (rm[i] < 0 || cmeta_measure_scale((cmeta_measure)rm[i]) == cmeta_measure_scale((cmeta_measure)first))
            continue;
        size_t u = (size_t)snprintf(msg, sizeof msg, "measures of different scales do not pool:");
        int seen[CMETA_NMEASURES] = {0}, nm = 0;
        for (size_t j = 0; j < nrows && u < sizeof msg; j++) {
            if (rm[j] < 0 || seen[rm[j]]++) continue;
            char l[96];
            lines_of(t, rm, nrows, rm[j], l, sizeof l);
            u += (size_t)snprintf(msg + u, sizeof msg - u, "%s %s at line%s %s", nm++ ? ";" : "",
                                  cmeta_measure_name((cmeta_measure)rm[j]), strchr(l, ',') ? "s" : "", l);
        }
        if (u < sizeof msg)
            snprintf(msg + u, sizeof msg - u, " (analyse them apart; SMD SMDH SMD1 SMCC SMCR SMCRH pool "
                     "together, as do MD MC, ROM ROMC, OR PETO)");
        const char *cell = label_col >= 0 ? cmeta_table_cell(t, i, (size_t)label_col) : "";
        char dflt[40];
        snprintf(dflt, sizeof dflt, "Study %zu", i + 1);
        return at_cell(err, t, i, mcol, cmeta_cell_is_missing(cell) ? dflt : cell, CMETA_EDATA, msg);
    }
    return CMETA_OK;
}

/* Step 3: each measure's rows read by cmeta_data_from_table with that measure (part[m]; NULL
 * when no row has measure m or all its rows are left out); *k the studies over all parts. */
static cmeta_status read_parts(const cmeta_table *t, const cmeta_data_opts *o, const int *rm, size_t hr_rows,
                               unsigned char *mask, cmeta_data **part, size_t *k, cmeta_warnings *w,
                               cmeta_error *err)
{
    size_t nrows = cmeta_table_nrows(t);
    cmeta_status st = CMETA_OK;
    *k = 0;
    for (int m = 0; m < CMETA_NMEASURES && st == CMETA_OK; m++) {
        size_t c = 0;
        for (size_t i = 0; i < nrows; i++) c += (mask[i] = rm[i] == m);
        if (!c) continue;
        cmeta_data_opts om = *o;
        om.measure_set = 1;
        om.measure = (cmeta_measure)m;
        om.rows = mask;
        if (m == CMETA_GEN && hr_rows) om.ratio = 1, om.ratio_name = "HR";
        st = cmeta_data_from_table(t, &om, &part[m], w, err);
        if (st == CMETA_EDATA && err && err->line == 0 && strncmp(err->message, "no stud", 7) == 0) {
            st = CMETA_OK; /* every row of this measure left out (the warnings say why) */
            part[m] = NULL;
            cmeta_error_clear(err);
            continue;
        }
        if (st == CMETA_OK) *k += part[m]->k;
    }
    return st;
}

/* Step 4: the k studies of the parts back in file order, as one data set of the first row's
 * measure with each study's measure in d->measures. The row labels are taken over from one
 * part (every part labels every row alike). */
static cmeta_status merge_parts(const cmeta_table *t, const cmeta_data_opts *o, const int *rm, int first,
                                size_t k, cmeta_data **part, cmeta_data **out, cmeta_error *err)
{
    size_t nrows = cmeta_table_nrows(t);
    cmeta_data *d = cmeta_calloc(1, sizeof *d);
    if (!d) goto nomem;
    d->table = t;
    d->measure = (cmeta_measure)first;
    d->escalc = part[first] ? part[first]->escalc : o->escalc;
    if (part[first]) memcpy(d->ratio_name, part[first]->ratio_name, sizeof d->ratio_name);
    d->nrows = nrows;
    d->k = k;
    d->row = CMETA_ARRAY_NEW(size_t, k);
    d->label = CMETA_ARRAY_NEW(char *, k);
    d->yi = CMETA_ARRAY_NEW(double, k);
    d->vi = CMETA_ARRAY_NEW(double, k);
    d->measures = CMETA_ARRAY_NEW(cmeta_measure, k);
    d->row_yi = CMETA_ARRAY_NEW(double, nrows);
    d->row_vi = CMETA_ARRAY_NEW(double, nrows);
    if (!d->row || !d->label || !d->yi || !d->vi || !d->measures || !d->row_yi || !d->row_vi) goto nomem;
    for (int m = 0; m < CMETA_NMEASURES && !d->row_label; m++)
        if (part[m]) { /* every part labels every row alike: take one part's labels */
            d->row_label = part[m]->row_label;
            if (part[m]->label == part[m]->row_label) part[m]->label = NULL; /* the same block */
            part[m]->row_label = NULL;
        }
    size_t pos[CMETA_NMEASURES] = {0}, s = 0;
    for (size_t i = 0; i < nrows; i++) {
        d->row_yi[i] = d->row_vi[i] = NAN;
        int m = rm[i];
        if (m < 0 || !part[m] || pos[m] >= part[m]->k || part[m]->row[pos[m]] != i) continue;
        size_t j = pos[m]++;
        d->row[s] = i;
        d->label[s] = d->row_label[i];
        d->yi[s] = d->row_yi[i] = part[m]->yi[j];
        d->vi[s] = d->row_vi[i] = part[m]->vi[j];
        d->measures[s++] = (cmeta_measure)m;
    }
    d->k = s;
    *out = d;
    return CMETA_OK;
nomem:
    cmeta_data_free(d);
    return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
}

cmeta_status cmeta_data_load(const cmeta_table *t, const cmeta_data_opts *o, cmeta_data **out,
                             cmeta_warnings *w, cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "no output");
    *out = NULL;
    if (!t) return cmeta_error_set(err, CMETA_EUSAGE, "no table");
    long mcol = cmeta_table_find_raw(t, "measure");
    if (mcol < 0) return cmeta_data_from_table(t, o, out, w, err);
    cmeta_data_opts defaults;
    if (o) defaults = *o;
    else cmeta_data_opts_default(&defaults);
    defaults.effects_only = 0; /* the parts are merged by their labels */
    o = &defaults;
    size_t nrows = cmeta_table_nrows(t);
    long label_col = cmeta_table_find(t, "study");
    int *rm = CMETA_ARRAY_NEW(int, nrows ? nrows : 1);
    unsigned char *mask = CMETA_ARRAY_NEW(unsigned char, nrows ? nrows : 1);
    cmeta_data *part[CMETA_NMEASURES] = {0};
    cmeta_status st = rm && mask ? CMETA_OK : cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    int first = -1;
    size_t hr_rows = 0, k = 0;
    if (st == CMETA_OK) st = row_measures(t, o, mcol, label_col, rm, &first, &hr_rows, w, err);
    if (st == CMETA_OK) st = one_scale(t, mcol, label_col, rm, first, err);
    if (st == CMETA_OK && first < 0) st = no_studies(err, t, "no studies with complete data (no row names a measure)");
    if (st == CMETA_OK) st = read_parts(t, o, rm, hr_rows, mask, part, &k, w, err);
    if (st == CMETA_OK && !k) st = no_studies(err, t, "no studies with complete data");
    if (st == CMETA_OK) st = merge_parts(t, o, rm, first, k, part, out, err);
    for (int m = 0; m < CMETA_NMEASURES; m++) cmeta_data_free(part[m]);
    cmeta_free(rm);
    cmeta_free(mask);
    return st;
}
