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

/* ---- the study table: one formatting pass ------------------------------------------------- */

cmeta__obuf *cmeta__obuf_new(FILE *fp)
{
    cmeta__obuf *ob = cmeta_malloc(sizeof *ob);
    if (ob) ob->fp = fp, ob->n = 0;
    return ob;
}

void cmeta__obuf_flush(cmeta__obuf *ob)
{
    if (ob->n) fwrite(ob->b, 1, ob->n, ob->fp);
    ob->n = 0;
}

void cmeta__obuf_put(cmeta__obuf *ob, const char *s, size_t n)
{
    if (n > sizeof ob->b - ob->n) {
        cmeta__obuf_flush(ob);
        if (n > sizeof ob->b) {
            fwrite(s, 1, n, ob->fp);
            return;
        }
    }
    memcpy(ob->b + ob->n, s, n);
    ob->n += n;
}

void cmeta__obuf_json_num(cmeta__obuf *ob, double x)
{
    char b[40];
    if (!isfinite(x)) {
        cmeta__obuf_put(ob, "null", 4);
        return;
    }
    int n = cmeta_fmt17g(b, sizeof b, x);
    cmeta__obuf_put(ob, b, n > 0 ? (size_t)n : strlen(b));
}

void cmeta__obuf_json_str(cmeta__obuf *ob, const char *s)
{
    if (!s) {
        cmeta__obuf_put(ob, "null", 4);
        return;
    }
    cmeta__obuf_put(ob, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    for (;;) { /* as cmeta_json_str: runs of plain bytes, then one escape */
        const unsigned char *q = p;
        while (*q >= 0x20 && *q != '"' && *q != '\\') q++;
        if (q > p) cmeta__obuf_put(ob, (const char *)p, (size_t)(q - p));
        if (!*q) break;
        char e[8];
        switch (*q) {
        case '"': cmeta__obuf_put(ob, "\\\"", 2); break;
        case '\\': cmeta__obuf_put(ob, "\\\\", 2); break;
        case '\n': cmeta__obuf_put(ob, "\\n", 2); break;
        case '\r': cmeta__obuf_put(ob, "\\r", 2); break;
        case '\t': cmeta__obuf_put(ob, "\\t", 2); break;
        default: cmeta__obuf_put(ob, e, (size_t)snprintf(e, sizeof e, "\\u%04x", *q));
        }
        p = q + 1;
    }
    cmeta__obuf_put(ob, "\"", 1);
}

void cmeta__obuf_csv_field(cmeta__obuf *ob, const char *s)
{
    if (!s) return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        cmeta__obuf_put(ob, s, strlen(s));
        return;
    }
    cmeta__obuf_put(ob, "\"", 1);
    for (; *s; s++) {
        if (*s == '"') cmeta__obuf_put(ob, "\"", 1);
        cmeta__obuf_put(ob, s, 1);
    }
    cmeta__obuf_put(ob, "\"", 1);
}

void cmeta__obuf_csv_num(cmeta__obuf *ob, double x)
{
    char b[40];
    if (isfinite(x)) {
        int n = cmeta_fmt17g(b, sizeof b, x);
        cmeta__obuf_put(ob, b, n > 0 ? (size_t)n : strlen(b));
    }
}

static void obuf_pad(cmeta__obuf *ob, size_t n)
{
    static const char sp[32] = "                                ";
    while (n) {
        size_t k = n < sizeof sp ? n : sizeof sp;
        cmeta__obuf_put(ob, sp, k);
        n -= k;
    }
}

/* cmeta_text_put into ob; returns the width written (width() of s) */
static size_t obuf_text(cmeta__obuf *ob, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t w = 0;
    for (;;) {
        const unsigned char *q = p;
        while (*q && !is_ctrl(*q)) w += (*q++ & 0xC0) != 0x80;
        if (q > p) cmeta__obuf_put(ob, (const char *)p, (size_t)(q - p));
        if (!*q) break;
        if (*q == '\n' || *q == '\r' || *q == '\t') {
            cmeta__obuf_put(ob, " ", 1);
            w++;
        } else {
            char e[8];
            const char c[2] = {(char)*q, 0};
            cmeta__obuf_put(ob, e, cmeta_escape_ctrl(e, sizeof e, c));
            w += 4;
        }
        p = q + 1;
    }
    return w;
}

/* cell j of a row: the number's cmeta_fmt_num text (and the column's suffix when it is finite),
 * or the text cut to CMETA_FMT_CELL - 1 bytes (as snprintf into a cell); its length */
static size_t frame_cell(char *buf, const cmeta__frame_col *c, double v, const char *s)
{
    if (c->digits < 0) {
        size_t n = strlen(s ? s : "");
        if (n > CMETA_FMT_CELL - 1) n = CMETA_FMT_CELL - 1;
        memcpy(buf, s ? s : "", n);
        buf[n] = '\0';
        return n;
    }
    size_t n = cmeta_fmt_num(buf, CMETA_FMT_CELL, v, c->digits);
    if (c->suffix && isfinite(v) && n + 1 < CMETA_FMT_CELL) buf[n++] = c->suffix, buf[n] = '\0';
    return n;
}

/* The widest cell of a number column without formatting every cell. For finite |x| < 1e9 and
 * 0 <= digits <= 9 cmeta_fmt_num gives snprintf's "%.*f" (cmeta__fmt_f): '-' when the sign bit
 * is set (negative zeros and values rounding to zero included), then the magnitude correctly
 * rounded to `digits` decimals. Rounding is monotone and the length of a number with a fixed
 * count of decimals grows with it, so among those cells the widest is the largest magnitude of
 * either sign (plus one for the '-'): two cells formatted per column at the end. Every other
 * cell (NA, Inf, |x| >= 1e9, which may be written in scientific notation) is formatted and
 * measured on its own. */
typedef struct {
    double pos, neg;   /* largest |x| with the sign bit clear / set; -1 when none */
    size_t other;      /* widest cell outside the range above */
} frame_span;

static void span_add(frame_span *sp, const cmeta__frame_col *c, double v)
{
    if (c->digits >= 0 && c->digits <= 9 && fabs(v) < 1e9) { /* finite */
        double a = fabs(v);
        if (signbit(v)) {
            if (a > sp->neg) sp->neg = a;
        } else if (a > sp->pos) {
            sp->pos = a;
        }
    } else {
        char b[CMETA_FMT_CELL];
        size_t n = frame_cell(b, c, v, NULL); /* ASCII: its width is its length */
        if (n > sp->other) sp->other = n;
    }
}

static size_t span_width(const frame_span *sp, const cmeta__frame_col *c)
{
    char b[CMETA_FMT_CELL];
    size_t w = sp->other;
    size_t n;
    if (sp->pos >= 0 && (n = frame_cell(b, c, sp->pos, NULL)) > w) w = n;
    if (sp->neg >= 0 && (n = frame_cell(b, c, -sp->neg, NULL)) > w) w = n;
    return w;
}

cmeta_status cmeta__text_frame_nums(FILE *fp, const char *const *rownames, size_t nrows,
                                    const char *const *colnames, const cmeta__frame_col *cols,
                                    size_t ncols, cmeta__frame_row_fn row, void *arg, int gap,
                                    size_t wrap)
{
    double v[CMETA__FRAME_MAXCOL];
    const char *s[CMETA__FRAME_MAXCOL];
    size_t cw[CMETA__FRAME_MAXCOL];
    frame_span sp[CMETA__FRAME_MAXCOL];
    if (ncols > CMETA__FRAME_MAXCOL) return CMETA_EUSAGE;
    size_t rw = 0;
    for (size_t i = 0; rownames && i < nrows; i++)
        if (width(rownames[i]) > rw) rw = width(rownames[i]);
    for (size_t j = 0; j < ncols; j++) sp[j].pos = sp[j].neg = -1, sp[j].other = 0;
    for (size_t i = 0; i < nrows; i++) { /* the widths, from the values */
        row(arg, i, v, s);
        for (size_t j = 0; j < ncols; j++) {
            if (cols[j].digits >= 0) {
                span_add(&sp[j], &cols[j], v[j]);
            } else {
                char b[CMETA_FMT_CELL];
                frame_cell(b, &cols[j], 0, s[j]);
                if (width(b) > sp[j].other) sp[j].other = width(b);
            }
        }
    }
    for (size_t j = 0; j < ncols; j++) {
        cw[j] = span_width(&sp[j], &cols[j]);
        if (width(colnames[j]) > cw[j]) cw[j] = width(colnames[j]);
    }
    /* as cmeta_text_frame: the header, then each row formatted once into the buffer */
    cmeta__obuf *ob = cmeta__obuf_new(fp);
    if (!ob) return CMETA_ENOMEM;
    for (size_t j0 = 0; j0 < ncols;) {
        size_t j1 = j0, used = rw;
        while (j1 < ncols && (j1 == j0 || used + (size_t)gap + cw[j1] < wrap)) used += (size_t)gap + cw[j1++];
        obuf_pad(ob, rw);
        for (size_t j = j0; j < j1; j++) {
            obuf_pad(ob, (size_t)gap + cw[j] - width(colnames[j]));
            obuf_text(ob, colnames[j]);
        }
        cmeta__obuf_put(ob, " \n", 2);
        for (size_t i = 0; i < nrows; i++) {
            row(arg, i, v, s);
            obuf_pad(ob, rw - obuf_text(ob, rownames ? rownames[i] : ""));
            for (size_t j = j0; j < j1; j++) {
                char b[CMETA_FMT_CELL];
                size_t n = frame_cell(b, &cols[j], v[j], s[j]);
                if (cols[j].digits >= 0) { /* ASCII: its width is its length */
                    obuf_pad(ob, (size_t)gap + cw[j] - n);
                    cmeta__obuf_put(ob, b, n);
                } else {
                    obuf_pad(ob, (size_t)gap + cw[j] - width(b));
                    obuf_text(ob, b);
                }
            }
            cmeta__obuf_put(ob, " \n", 2);
        }
        j0 = j1;
    }
    cmeta__obuf_flush(ob);
    cmeta_free(ob);
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

void cmeta__study_ci_z(double yi, double vi, double z, double *lb, double *ub)
{
    double se = vi >= 0 ? sqrt(vi) : NAN;
    *lb = yi - z * se;
    *ub = yi + z * se;
}

void cmeta_study_ci(double yi, double vi, double level, double *lb, double *ub)
{
    cmeta__study_ci_z(yi, vi, cmeta_study_zcrit(level), lb, ub);
}
