/* report_resample.c - bootstrap, permutation test and GOSH results: text, JSON, CSV. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/report.h"
#include "internal.h"
#include "report_frame.h"

/* ---- boot ----------------------------------------------------------------------------------- */

cmeta_status cmeta_report_boot(FILE *fp, cmeta_report_format fmt, const cmeta_boot_result *r,
                               const cmeta_report_run *run, const cmeta_warnings *w)
{
    const char *nm[3] = {"estimate", "tau2", "I2"};
    const cmeta_boot_stat *bs[3] = {&r->estimate, &r->tau2, &r->I2};
    int bca = r->type == CMETA_BOOT_NONPARAMETRIC;
    if (fmt == CMETA_REPORT_JSON) {
        int first = 1;
        fputc('{', fp);
        cmeta_json_key(fp, "bootstrap", &first);
        int f2 = 1;
        fputc('{', fp);
        cmeta_json_key(fp, "iter", &f2);
        fprintf(fp, "%llu", (unsigned long long)r->iter);
        cmeta_json_key(fp, "seed", &f2);
        fprintf(fp, "%lu", run->seed);
        cmeta_json_key(fp, "type", &f2);
        cmeta_json_str(fp, bca ? "nonparametric" : "parametric");
        cmeta_json_key(fp, "method", &f2);
        cmeta_json_str(fp, cmeta_method_name(run->method));
        cmeta_json_kv(fp, "level", r->level, &f2);
        cmeta_json_key(fp, "failed", &f2);
        fprintf(fp, "%llu", (unsigned long long)r->failed);
        cmeta_json_key(fp, "ci_type", &f2);
        cmeta_json_str(fp, bca ? "bca" : "percentile");
        for (int s = 0; s < 3; s++) {
            cmeta_json_key(fp, nm[s], &f2);
            int f3 = 1;
            fputc('{', fp);
            const char *kk[9] = {"estimate", "ci_lb", "ci_ub", "se", "bias", "perc_lb", "perc_ub", "bca_lb", "bca_ub"};
            double v[9] = {bs[s]->t0, bca ? bs[s]->bca_lb : bs[s]->perc_lb, bca ? bs[s]->bca_ub : bs[s]->perc_ub,
                           bs[s]->se, bs[s]->bias, bs[s]->perc_lb, bs[s]->perc_ub, bs[s]->bca_lb, bs[s]->bca_ub};
            for (int j = 0; j < 9; j++) cmeta_json_kv(fp, kk[j], v[j], &f3);
            fputc('}', fp);
        }
        fputc('}', fp);
        cmeta_json_warnings(fp, w, &first);
        fputs("}\n", fp);
        return CMETA_OK;
    }
    if (fmt == CMETA_REPORT_CSV) {
        fputs("statistic,estimate,se,bias,perc_lb,perc_ub,bca_lb,bca_ub\n", fp);
        for (int s = 0; s < 3; s++) {
            fputs(nm[s], fp);
            double v[7] = {bs[s]->t0, bs[s]->se, bs[s]->bias, bs[s]->perc_lb, bs[s]->perc_ub, bs[s]->bca_lb, bs[s]->bca_ub};
            for (int j = 0; j < 7; j++) {
                fputc(',', fp);
                cmeta_csv_num(fp, v[j]);
            }
            fputc('\n', fp);
        }
        return CMETA_OK;
    }
    char pc[64], bc[64];
    snprintf(pc, sizeof pc, "%g%% percentile CI", r->level);
    snprintf(bc, sizeof bc, "%g%% BCa CI", r->level);
    fprintf(fp, "Bootstrap (%s, %s, k = %zu): %llu replicates, seed %lu\n", bca ? "nonparametric" : "parametric",
            cmeta_method_name(run->method), run->k, (unsigned long long)r->iter, run->seed);
    if (r->failed) fprintf(fp, "failed fits: %llu (left out)\n", (unsigned long long)r->failed);
    fprintf(fp, "\n%-9s %12s %12s %12s  %-27s %s\n", "", "observed", "boot se", "bias", pc, bca ? bc : "");
    for (int s = 0; s < 3; s++) {
        char c[7][CMETA_FMT_CELL];
        const double v[7] = {bs[s]->t0, bs[s]->se, bs[s]->bias, bs[s]->perc_lb, bs[s]->perc_ub, bs[s]->bca_lb, bs[s]->bca_ub};
        for (int j = 0; j < 7; j++) cmeta_fmt_num(c[j], CMETA_FMT_CELL, v[j], 4);
        fprintf(fp, "%-9s %12s %12s %12s  [%11s, %11s]", nm[s], c[0], c[1], c[2], c[3], c[4]);
        if (bca) fprintf(fp, "  [%11s, %11s]", c[5], c[6]);
        fputc('\n', fp);
    }
    return CMETA_OK;
}

/* ---- permtest ------------------------------------------------------------------------------- */

cmeta_status cmeta_report_permtest(FILE *fp, cmeta_report_format fmt, const cmeta_permtest_result *r,
                                   const char *const *names, int moderators, const cmeta_report_run *run,
                                   const cmeta_warnings *w)
{
    size_t p = r->p;
    if (fmt == CMETA_REPORT_JSON) {
        int first = 1;
        fputc('{', fp);
        cmeta_json_key(fp, "permutation", &first);
        int f2 = 1;
        fputc('{', fp);
        cmeta_json_key(fp, "iter", &f2);
        fprintf(fp, "%llu", (unsigned long long)r->iter);
        cmeta_json_key(fp, "exact", &f2);
        fputs(r->exact ? "true" : "false", fp);
        cmeta_json_key(fp, "seed", &f2);
        fprintf(fp, "%lu", run->seed);
        cmeta_json_key(fp, "method", &f2);
        cmeta_json_str(fp, cmeta_method_name(run->method));
        cmeta_json_key(fp, "failed", &f2);
        fprintf(fp, "%llu", (unsigned long long)r->failed);
        cmeta_json_key(fp, "pval", &f2);
        fputc('[', fp);
        for (size_t a = 0; a < p; a++) {
            if (a) fputc(',', fp);
            cmeta_json_num(fp, r->pval[a]);
        }
        fputc(']', fp);
        cmeta_json_key(fp, "coefficients", &f2);
        fputc('[', fp);
        for (size_t a = 0; a < p; a++) {
            int f3 = 1;
            fputs(a ? ",{" : "{", fp);
            cmeta_json_key(fp, "name", &f3);
            cmeta_json_str(fp, names[a]);
            cmeta_json_kv(fp, "estimate", r->beta[a], &f3);
            cmeta_json_kv(fp, "stat", r->zval[a], &f3);
            cmeta_json_kv(fp, "pval", r->pval[a], &f3);
            fputc('}', fp);
        }
        fputc(']', fp);
        cmeta_json_kv(fp, "QM", r->QM, &f2);
        cmeta_json_kv(fp, "QM_df", r->QM_df, &f2);
        cmeta_json_kv(fp, "QM_pval", r->QM_pval, &f2);
        fputc('}', fp);
        cmeta_json_warnings(fp, w, &first);
        fputs("}\n", fp);
        return CMETA_OK;
    }
    if (fmt == CMETA_REPORT_CSV) {
        fputs("name,estimate,stat,pval\n", fp);
        for (size_t a = 0; a < p; a++) {
            cmeta_csv_field(fp, names[a]);
            fputc(',', fp);
            cmeta_csv_num(fp, r->beta[a]);
            fputc(',', fp);
            cmeta_csv_num(fp, r->zval[a]);
            fputc(',', fp);
            cmeta_csv_num(fp, r->pval[a]);
            fputc('\n', fp);
        }
        fputs("QM,,", fp);
        cmeta_csv_num(fp, r->QM);
        fputc(',', fp);
        cmeta_csv_num(fp, r->QM_pval);
        fputc('\n', fp);
        return CMETA_OK;
    }
    char a1[CMETA_FMT_CELL], a2[CMETA_FMT_CELL], a3[CMETA_FMT_CELL];
    fprintf(fp, "Permutation test (%s, k = %zu): %llu %s%s\n", cmeta_method_name(run->method), run->k,
            (unsigned long long)r->iter, moderators ? "permutations" : "sign flips",
            r->exact ? " (exact: all of them)" : "");
    if (!r->exact) fprintf(fp, "seed: %lu\n", run->seed);
    if (r->failed) fprintf(fp, "failed fits: %llu (left out)\n", (unsigned long long)r->failed);
    fprintf(fp, "\n%-12s %12s %10s %10s\n", "", "estimate", "zval", "pval*");
    for (size_t a = 0; a < p; a++) {
        cmeta_fmt_num(a1, sizeof a1, r->beta[a], 4);
        cmeta_fmt_num(a2, sizeof a2, r->zval[a], 4);
        cmeta_fmt_num(a3, sizeof a3, r->pval[a], 4);
        /* the name left-justified in 12 columns, as before, escaped */
        size_t len = cmeta_escape_ctrl(NULL, 0, names[a]);
        cmeta_text_put(fp, names[a]);
        for (size_t j = len; j < 12; j++) fputc(' ', fp);
        fprintf(fp, " %12s %10s %10s\n", a1, a2, a3);
    }
    cmeta_fmt_num(a1, sizeof a1, r->QM, 4);
    cmeta_fmt_num(a2, sizeof a2, r->QM_pval, 4);
    fprintf(fp, "\nTest of moderators (QM, df = %.0f) = %s, p-val* = %s\n", r->QM_df, a1, a2);
    return CMETA_OK;
}

/* ---- gosh ------------------------------------------------------------------------------------ */

void cmeta_report_gosh_header(FILE *fp)
{
    fputs("mask,k,estimate,Q,I2,H2,tau2\n", fp);
}

/* unsigned decimal of v at p; returns the end. The digit count first, without a loop
   (Bit Twiddling Hacks, "integer log base 10": g = floor(bits(v) 1233 / 2^12) is
   floor(log10 v) or one more, 1233 / 2^12 being log10 2 within 2e-5; one comparison with 10^g
   decides), then the digits written backwards from the end two at a time: one division by
   100 (a multiply-shift) per pair instead of one by 10 per digit, and no reversal copy. */
static char *put_u64(char *p, unsigned long long v)
{
    unsigned long long w = v | 1; /* v = 0: one digit, as v = 1 */
    int g = ((64 - __builtin_clzll(w)) * 1233) >> 12; /* 0..19 */
    int n = g + (w >= cmeta__pow10[g]);                        /* digits */
    char *e = p + n, *q = e;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        q -= 2;
        memcpy(q, cmeta__digit_pairs + 2 * r, 2);
    }
    if (v >= 10) memcpy(q - 2, cmeta__digit_pairs + 2 * v, 2);
    else q[-1] = (char)('0' + v);
    return e;
}

/* One CSV row at p (at most CMETA_REPORT_GOSH_ROW_MAX bytes); the end. As fprintf "%llu,%d,"
   then cmeta_csv_num (%.17g, empty when not finite) per column. */
static char *put_gosh_row(char *p, const cmeta_gosh_row *r)
{
    p = put_u64(p, (unsigned long long)r->mask);
    *p++ = ',';
    if (r->k < 0) *p++ = '-';
    p = put_u64(p, (unsigned long long)(r->k < 0 ? -(long long)r->k : r->k));
    const double v[5] = {r->estimate, r->Q, r->I2, r->H2, r->tau2};
    for (int c = 0; c < 5; c++) {
        *p++ = ',';
        if (isfinite(v[c])) p += cmeta_fmt17g(p, 40, v[c]);
    }
    *p++ = '\n';
    return p;
}

void cmeta_report_gosh_rows(FILE *fp, const cmeta_gosh_row *r, size_t n)
{
    char line[CMETA_REPORT_GOSH_ROW_MAX];
    for (size_t i = 0; i < n; i++) {
        char *p = put_gosh_row(line, r + i);
        fwrite(line, 1, (size_t)(p - line), fp);
    }
}

size_t cmeta_report_gosh_rows_text(char *buf, const cmeta_gosh_row *r, size_t n)
{
    char *p = buf;
    for (size_t i = 0; i < n; i++) p = put_gosh_row(p, r + i);
    return (size_t)(p - buf);
}

cmeta_status cmeta_report_gosh(FILE *fp, cmeta_report_format fmt, const cmeta_gosh_summary *sum,
                               const cmeta_report_run *run, const char *output, const char *plot,
                               const cmeta_warnings *w)
{
    if (fmt == CMETA_REPORT_JSON) {
        int first = 1;
        fputc('{', fp);
        cmeta_json_key(fp, "gosh", &first);
        int f2 = 1;
        fputc('{', fp);
        cmeta_json_key(fp, "subsets", &f2);
        fprintf(fp, "%llu", (unsigned long long)sum->subsets);
        cmeta_json_key(fp, "exact", &f2);
        fputs(sum->exact ? "true" : "false", fp);
        cmeta_json_key(fp, "seed", &f2);
        fprintf(fp, "%lu", run->seed);
        cmeta_json_key(fp, "k", &f2);
        fprintf(fp, "%zu", run->k);
        cmeta_json_key(fp, "method", &f2);
        cmeta_json_str(fp, cmeta_method_name(run->method));
        cmeta_json_key(fp, "failed", &f2);
        fprintf(fp, "%llu", (unsigned long long)sum->failed);
        cmeta_json_key(fp, "output", &f2);
        cmeta_json_str(fp, output);
        if (plot) {
            cmeta_json_key(fp, "plot", &f2);
            cmeta_json_str(fp, plot);
        }
        const char *nm[2] = {"estimate", "I2"};
        double v[2][4] = {{sum->est_mean, sum->est_sd, sum->est_min, sum->est_max},
                          {sum->I2_mean, sum->I2_sd, sum->I2_min, sum->I2_max}};
        for (int i = 0; i < 2; i++) {
            cmeta_json_key(fp, nm[i], &f2);
            int f3 = 1;
            fputc('{', fp);
            const char *kk[4] = {"mean", "sd", "min", "max"};
            for (int j = 0; j < 4; j++) cmeta_json_kv(fp, kk[j], v[i][j], &f3);
            fputc('}', fp);
        }
        fputc('}', fp);
        cmeta_json_warnings(fp, w, &first);
        fputs("}\n", fp);
        return CMETA_OK;
    }
    if (fmt == CMETA_REPORT_CSV) return CMETA_EUSAGE; /* the rows are the CSV */
    fprintf(fp, "GOSH (%s, k = %zu): %llu %s subsets", cmeta_method_name(run->method), run->k,
            (unsigned long long)sum->subsets, sum->exact ? "(all)" : "random");
    if (output) {
        fputs(" written to ", fp);
        cmeta_text_put(fp, output);
    }
    fputc('\n', fp);
    if (!sum->exact) fprintf(fp, "seed: %lu\n", run->seed);
    if (plot) {
        fputs("plot: ", fp);
        cmeta_text_put(fp, plot);
        fputc('\n', fp);
    }
    fprintf(fp, "failed fits: %llu\n", (unsigned long long)sum->failed);
    char c[4][CMETA_FMT_CELL];
    const double e[4] = {sum->est_mean, sum->est_sd, sum->est_min, sum->est_max};
    for (int j = 0; j < 4; j++) cmeta_fmt_num(c[j], CMETA_FMT_CELL, e[j], 4);
    fprintf(fp, "estimate: mean %s, sd %s, range [%s, %s]\n", c[0], c[1], c[2], c[3]);
    const double i2[4] = {sum->I2_mean, sum->I2_sd, sum->I2_min, sum->I2_max};
    for (int j = 0; j < 4; j++) cmeta_fmt_num(c[j], CMETA_FMT_CELL, i2[j], 2);
    fprintf(fp, "I2 (%%):   mean %s, sd %s, range [%s, %s]\n", c[0], c[1], c[2], c[3]);
    return CMETA_OK;
}

/* ---- escalc --------------------------------------------------------------------------------- */

/* escalc's rows go through a local buffer, one fwrite per ~64 KB: a cell is copied as
 * cmeta_csv_field writes it (quoted only when it holds , " CR or LF, quotes doubled), a
 * number as cmeta_csv_num (cmeta_fmt17g; nothing when not finite). */
typedef struct {
    FILE *fp;
    size_t n;
    char b[1 << 16];
} esc_out;

static void esc_flush(esc_out *o)
{
    if (o->n) fwrite(o->b, 1, o->n, o->fp);
    o->n = 0;
}

static void esc_field(esc_out *o, const char *s)
{
    size_t len = strlen(s);
    if (o->n + 2 * len + 3 > sizeof o->b) {
        esc_flush(o);
        if (2 * len + 3 > sizeof o->b) {
            cmeta_csv_field(o->fp, s);
            return;
        }
    }
    char *p = o->b + o->n;
    size_t i = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (c == ',' || c == '"' || c == '\r' || c == '\n') break;
        p[i] = c;
    }
    if (i == len) {
        o->n += len;
        return;
    }
    *p++ = '"';
    for (i = 0; i < len; i++) {
        if (s[i] == '"') *p++ = '"';
        *p++ = s[i];
    }
    *p++ = '"';
    o->n = (size_t)(p - o->b);
}

/* 1 when s[0..n) holds none of , " CR LF (the bytes that make a cell quoted), eight bytes at a
 * time: x = v XOR (c in every byte) has a zero byte exactly where v has c, and
 * (x - 0x01..01) & ~x & 0x80..80 is nonzero exactly when x has a zero byte. */
static int csv_plain(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v, x[4];
        memcpy(&v, s + i, 8);
        x[0] = v ^ (ones * ','), x[1] = v ^ (ones * '"'), x[2] = v ^ (ones * '\r');
        x[3] = v ^ (ones * '\n');
        uint64_t z = 0;
        for (int j = 0; j < 4; j++) z |= (x[j] - ones) & ~x[j];
        if (z & high) return 0;
    }
    for (; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n') return 0;
    return 1;
}

/* Row i's cells, none needing quotes, copied as one block with commas for the NULs between
 * them (what esc_field writes cell by cell); 0 when a cell needs quotes (the caller writes the
 * row cell by cell). */
static int esc_row(esc_out *o, const cmeta_table *t, size_t i, size_t nc)
{
    const char *text;
    size_t n = cmeta__table_row_text(t, i, &text);
    if (!n || !csv_plain(text, n - 1)) return 0;
    n--; /* the last cell's NUL */
    if (o->n + n > sizeof o->b) {
        esc_flush(o);
        if (n > sizeof o->b) return 0;
    }
    char *p = o->b + o->n;
    memcpy(p, text, n);
    for (size_t j = 1; j < nc; j++) p[cmeta_table_cell(t, i, j) - text - 1] = ',';
    o->n += n;
    return 1;
}

static void esc_num(esc_out *o, double x)
{
    if (o->n + 40 > sizeof o->b) esc_flush(o);
    if (isfinite(x)) o->n += (size_t)cmeta_fmt17g(o->b + o->n, 40, x);
}

static void esc_char(esc_out *o, char c)
{
    if (o->n + 1 > sizeof o->b) esc_flush(o);
    o->b[o->n++] = c;
}

cmeta_status cmeta_report_escalc(FILE *fp, const cmeta_table *t, const cmeta_data *d)
{
    size_t nc = cmeta_table_ncols(t), nr = cmeta_table_nrows(t);
    long yc = cmeta_table_find_raw(t, "yi"), vc = cmeta_table_find_raw(t, "vi");
    for (size_t j = 0; j < nc; j++) {
        if (j) fputc(',', fp);
        cmeta_csv_field(fp, cmeta_table_colname(t, j));
    }
    if (yc < 0) fputs(nc ? ",yi" : "yi", fp);
    if (vc < 0) fputs(",vi", fp);
    if (d->row_yi_from) fputs(",yi_from", fp); /* the route of each row (cmeta/reported.h) */
    fputc('\n', fp);
    esc_out *o = cmeta_malloc(sizeof *o);
    if (!o) return CMETA_ENOMEM;
    o->fp = fp;
    o->n = 0;
    for (size_t i = 0; i < nr; i++) {
        int whole = yc < 0 && vc < 0 && esc_row(o, t, i, nc); /* the usual file: no yi, vi */
        for (size_t j = 0; j < nc && !whole; j++) {
            if (j) esc_char(o, ',');
            if ((long)j == yc) esc_num(o, d->row_yi[i]);
            else if ((long)j == vc) esc_num(o, d->row_vi[i]);
            else esc_field(o, cmeta_table_cell(t, i, j));
        }
        if (yc < 0) {
            esc_char(o, ',');
            esc_num(o, d->row_yi[i]);
        }
        if (vc < 0) {
            esc_char(o, ',');
            esc_num(o, d->row_vi[i]);
        }
        if (d->row_yi_from) {
            esc_char(o, ',');
            if (d->row_yi_from[i]) esc_field(o, d->row_yi_from[i]);
        }
        esc_char(o, '\n');
    }
    esc_flush(o);
    cmeta_free(o);
    return CMETA_OK;
}
