/* report_fmt.c - the pieces every writer shares: number formats (metafor's .fcf and .pval,
 * R's formatC), JSON and CSV fields, R-style text tables, a study's confidence interval. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "cmeta/report.h"
#include "report_frame.h"

/* ---- numbers ---------------------------------------------------------------------------- */

size_t cmeta_fmt_num(char *buf, size_t n, double x, int digits)
{
    int len;
    if (digits < 0) digits = 0;
    if (digits > CMETA_FMT_MAX_DIGITS) digits = CMETA_FMT_MAX_DIGITS;
    if (isnan(x)) len = snprintf(buf, n, "NA");
    else if (isinf(x)) len = snprintf(buf, n, "%s", x > 0 ? "Inf" : "-Inf");
    /* fixed while every integer digit shown is one the double holds (|x| < 1e15: at most 15
     * integer digits; 2^53 ~ 9.007e15); metafor's formatC(format = "f") goes on printing
     * the binary value's decimal expansion, digits no input had */
    else if (n >= 32 && digits <= 9 && (len = cmeta__fmt_f(buf, x, digits)) >= 0) {
        /* the common case without printf (issue 15: the study table of 10^6 studies) */
    } else {
        char f[64];
        int intd = 16;
        if (fabs(x) < 1e15) { /* at most 1 + 15 + 1 + 20 characters */
            snprintf(f, sizeof f, "%.*f", digits, x);
            intd = (int)strcspn(f + (f[0] == '-'), ".");
        }
        /* 999999999999999.9 rounds to 16 integer digits at 0 decimals: scientific too */
        if (intd <= 15) len = snprintf(buf, n, "%s", f);
        else len = snprintf(buf, n, "%.*e", digits, x); /* R's formatC(format = "e"): e+45, e+100 */
    }
    return len < 0 ? 0 : (size_t)len;
}

void cmeta_fmt_pval(char *buf, size_t n, double p, int digits)
{
    if (!isfinite(p)) {
        snprintf(buf, n, "NA");
        return;
    }
    if (digits < 1) digits = 1;
    if (digits > CMETA_FMT_MAX_DIGITS) digits = CMETA_FMT_MAX_DIGITS;
    double cut = pow(10.0, -digits);
    if (p >= cut) {
        if (n < 32 || cmeta__fmt_f(buf, p, digits) < 0) snprintf(buf, n, "%.*f", digits, p);
    }
    else snprintf(buf, n, "<.%0*d", digits, 1);
}

void cmeta_fmt_pval_eq(char *buf, size_t n, const char *lhs, double p)
{
    char t[64];
    cmeta_fmt_pval(t, sizeof t, p, 4);
    if (t[0] == '<') snprintf(buf, n, "%s < %s", lhs, t + 1);
    else snprintf(buf, n, "%s = %s", lhs, t);
}

const char *cmeta_signif_stars(double p)
{
    if (!isfinite(p)) return " ";
    return p <= 0.001 ? "***" : p <= 0.01 ? "**" : p <= 0.05 ? "*" : p <= 0.1 ? "." : " ";
}

void cmeta_fmt_level(char *buf, size_t n, double level)
{
    snprintf(buf, n, "%g%% CI", level);
}

/* ---- JSON / CSV ------------------------------------------------------------------------- */

void cmeta_json_num(FILE *fp, double x)
{
    char b[40];
    if (isfinite(x)) {
        cmeta_fmt17g(b, sizeof b, x);
        fputs(b, fp);
    } else {
        fputs("null", fp);
    }
}

void cmeta_json_str(FILE *fp, const char *s)
{
    if (!s) {
        fputs("null", fp);
        return;
    }
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", fp); break;
        case '\\': fputs("\\\\", fp); break;
        case '\n': fputs("\\n", fp); break;
        case '\r': fputs("\\r", fp); break;
        case '\t': fputs("\\t", fp); break;
        default:
            if (*p < 0x20) fprintf(fp, "\\u%04x", *p);
            else fputc(*p, fp);
        }
    }
    fputc('"', fp);
}

void cmeta_json_key(FILE *fp, const char *key, int *first)
{
    if (!*first) fputc(',', fp);
    *first = 0;
    cmeta_json_str(fp, key);
    fputc(':', fp);
}

void cmeta_json_kv(FILE *fp, const char *key, double x, int *first)
{
    cmeta_json_key(fp, key, first);
    cmeta_json_num(fp, x);
}

void cmeta_json_warnings(FILE *fp, const cmeta_warnings *w, int *first)
{
    cmeta_json_key(fp, "warnings", first);
    fputc('[', fp);
    for (size_t i = 0; w && i < w->n; i++) {
        if (i) fputc(',', fp);
        cmeta_json_str(fp, w->text[i]);
    }
    fputc(']', fp);
}

void cmeta_csv_field(FILE *fp, const char *s)
{
    if (!s) return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

void cmeta_csv_num(FILE *fp, double x)
{
    char b[40];
    if (isfinite(x)) {
        cmeta_fmt17g(b, sizeof b, x);
        fputs(b, fp);
    }
}

/* ---- text tables -------------------------------------------------------------------------- */

static int is_ctrl(unsigned char c) { return c < 0x20 || c == 0x7f; }

/* display width of s as cmeta_text_put writes it: code points, 4 for an escaped byte */
static size_t width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') w++;
        else if (is_ctrl(*p)) w += 4;
        else if ((*p & 0xC0) != 0x80) w++;
    }
    return w;
}

void cmeta_text_put(FILE *fp, const char *s)
{
    char e[8];
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    for (;;) {
        /* the run of plain bytes in one write (a table of 10^6 studies: one call per cell,
         * not per byte) */
        const unsigned char *q = p;
        while (*q && !is_ctrl(*q)) q++;
        if (q > p) fwrite(p, 1, (size_t)(q - p), fp);
        if (!*q) break;
        if (*q == '\n' || *q == '\r' || *q == '\t') fputc(' ', fp);
        else {
            const char c[2] = {(char)*q, 0};
            cmeta_escape_ctrl(e, sizeof e, c);
            fputs(e, fp);
        }
        p = q + 1;
    }
}

static void pad(FILE *fp, size_t n)
{
    static const char sp[32] = "                                ";
    while (n) {
        size_t k = n < sizeof sp ? n : sizeof sp;
        fwrite(sp, 1, k, fp);
        n -= k;
    }
}

cmeta_status cmeta_text_frame(FILE *fp, const char *const *rownames, size_t nrows,
                              const char *const *colnames, size_t ncols, const char *const *cells,
                              int gap, size_t wrap)
{
    size_t rw = 0;
    for (size_t i = 0; rownames && i < nrows; i++)
        if (width(rownames[i]) > rw) rw = width(rownames[i]);
    size_t *cw = cmeta_calloc(ncols ? ncols : 1, sizeof *cw);
    if (!cw) return CMETA_ENOMEM;
    for (size_t j = 0; j < ncols; j++) {
        cw[j] = width(colnames[j]);
        for (size_t i = 0; i < nrows; i++)
            if (width(cells[i * ncols + j]) > cw[j]) cw[j] = width(cells[i * ncols + j]);
    }
    for (size_t j0 = 0; j0 < ncols;) {
        size_t j1 = j0, used = rw;
        while (j1 < ncols && (j1 == j0 || used + (size_t)gap + cw[j1] < wrap)) used += (size_t)gap + cw[j1++];
        pad(fp, rw);
        for (size_t j = j0; j < j1; j++) {
            pad(fp, (size_t)gap + cw[j] - width(colnames[j]));
            cmeta_text_put(fp, colnames[j]);
        }
        fputs(" \n", fp);
        for (size_t i = 0; i < nrows; i++) {
            const char *r = rownames ? rownames[i] : "";
            cmeta_text_put(fp, r);
            pad(fp, rw - width(r));
            for (size_t j = j0; j < j1; j++) {
                const char *c = cells[i * ncols + j];
                pad(fp, (size_t)gap + cw[j] - width(c));
                cmeta_text_put(fp, c);
            }
            fputs(" \n", fp);
        }
        j0 = j1;
    }
    cmeta_free(cw);
    return CMETA_OK;
}

cmeta_status cmeta__text_frame_rows(FILE *fp, const char *const *rownames, size_t nrows,
                                    const char *const *colnames, size_t ncols,
                                    cmeta__frame_row_fn row, void *arg, int gap, size_t wrap)
{
    char cell[16][CMETA_FMT_CELL];
    size_t cw[16];
    if (ncols > 16) return CMETA_EUSAGE;
    size_t rw = 0;
    for (size_t i = 0; rownames && i < nrows; i++)
        if (width(rownames[i]) > rw) rw = width(rownames[i]);
    for (size_t j = 0; j < ncols; j++) cw[j] = width(colnames[j]);
    for (size_t i = 0; i < nrows; i++) {
        row(arg, i, cell);
        for (size_t j = 0; j < ncols; j++)
            if (width(cell[j]) > cw[j]) cw[j] = width(cell[j]);
    }
    /* as cmeta_text_frame, the cells made again row by row */
    for (size_t j0 = 0; j0 < ncols;) {
        size_t j1 = j0, used = rw;
        while (j1 < ncols && (j1 == j0 || used + (size_t)gap + cw[j1] < wrap)) used += (size_t)gap + cw[j1++];
        pad(fp, rw);
        for (size_t j = j0; j < j1; j++) {
            pad(fp, (size_t)gap + cw[j] - width(colnames[j]));
            cmeta_text_put(fp, colnames[j]);
        }
        fputs(" \n", fp);
        for (size_t i = 0; i < nrows; i++) {
            const char *r = rownames ? rownames[i] : "";
            row(arg, i, cell);
            cmeta_text_put(fp, r);
            pad(fp, rw - width(r));
            for (size_t j = j0; j < j1; j++) {
                pad(fp, (size_t)gap + cw[j] - width(cell[j]));
                cmeta_text_put(fp, cell[j]);
            }
            fputs(" \n", fp);
        }
        j0 = j1;
    }
    return CMETA_OK;
}

cmeta_status cmeta_text_table_init(cmeta_text_table *t, size_t nrows, size_t ncols)
{
    memset(t, 0, sizeof *t);
    size_t n = nrows * ncols;
    if (ncols && n / ncols != nrows) return CMETA_ENOMEM;
    t->buf = cmeta_calloc(n ? n : 1, sizeof *t->buf);
    t->cell = cmeta_calloc(n ? n : 1, sizeof *t->cell);
    if (!t->buf || !t->cell) {
        cmeta_text_table_free(t);
        return CMETA_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) t->cell[i] = t->buf[i];
    t->nrows = nrows;
    t->ncols = ncols;
    return CMETA_OK;
}

void cmeta_text_table_free(cmeta_text_table *t)
{
    if (!t) return;
    cmeta_free(t->buf);
    cmeta_free(t->cell);
    memset(t, 0, sizeof *t);
}

void cmeta_text_table_num(cmeta_text_table *t, size_t i, size_t j, double x, int digits)
{
    cmeta_fmt_num(t->buf[i * t->ncols + j], CMETA_FMT_CELL, x, digits);
}

void cmeta_text_table_pval(cmeta_text_table *t, size_t i, size_t j, double p, int digits)
{
    cmeta_fmt_pval(t->buf[i * t->ncols + j], CMETA_FMT_CELL, p, digits);
}

void cmeta_text_table_str(cmeta_text_table *t, size_t i, size_t j, const char *s)
{
    snprintf(t->buf[i * t->ncols + j], CMETA_FMT_CELL, "%s", s ? s : "");
}

/* ---- a study's confidence interval -------------------------------------------------------- */

double cmeta_study_zcrit(double level)
{
    return gsl_cdf_ugaussian_Qinv((1 - level / 100) / 2);
}

void cmeta_study_ci(double yi, double vi, double level, double *lb, double *ub)
{
    double z = cmeta_study_zcrit(level), se = vi >= 0 ? sqrt(vi) : NAN;
    *lb = yi - z * se;
    *ub = yi + z * se;
}
