/* report_frame.h - cmeta_text_frame with cells made on demand (report_fmt.c); library-internal. */
#ifndef CMETA_REPORT_FRAME_H
#define CMETA_REPORT_FRAME_H

#include <stdint.h>
#include <stdio.h>

#include "cmeta/report.h"

/* A column of cmeta__text_frame_nums: a number shown by cmeta_fmt_num(digits), followed by
 * suffix (when not 0) if it is finite, or (digits < 0) a text, cut to CMETA_FMT_CELL - 1 bytes. */
typedef struct {
    int digits;
    char suffix;
} cmeta__frame_col;

#define CMETA__FRAME_MAXCOL 16

/* Row i's values: v[j] for the number columns, s[j] for the text columns (NULL: ""). Called
 * twice per row and block: the same row must give the same values. */
typedef void (*cmeta__frame_row_fn)(void *arg, size_t i, double *v, const char **s);

/* The bytes cmeta_text_frame writes for the cells described by cols (ncols <= 16), without
 * keeping them: a first pass over the rows takes the column widths from the values (the
 * largest magnitude of each sign; report_fmt.c says why that is exact), a second formats each
 * cell once and writes the rows through a 64 KB buffer. Memory O(ncols), whatever nrows. */
cmeta_status cmeta__text_frame_nums(FILE *fp, const char *const *rownames, size_t nrows,
                                    const char *const *colnames, const cmeta__frame_col *cols,
                                    size_t ncols, cmeta__frame_row_fn row, void *arg, int gap,
                                    size_t wrap);

/* bytes gathered and written with one fwrite per 64 KB (flush before using fp directly) */
typedef struct {
    FILE *fp;
    size_t n;
    char b[65536];
} cmeta__obuf;
/* a new, empty buffer on fp (cmeta_free it after cmeta__obuf_flush); NULL when out of memory */
cmeta__obuf *cmeta__obuf_new(FILE *fp);
void cmeta__obuf_put(cmeta__obuf *ob, const char *s, size_t n);
void cmeta__obuf_flush(cmeta__obuf *ob);
/* cmeta_json_num, cmeta_json_str, cmeta_csv_field, cmeta_csv_num into ob, the same bytes */
void cmeta__obuf_json_num(cmeta__obuf *ob, double x);
void cmeta__obuf_json_str(cmeta__obuf *ob, const char *s);
void cmeta__obuf_csv_field(cmeta__obuf *ob, const char *s);
void cmeta__obuf_csv_num(cmeta__obuf *ob, double x);

/* 10^s for 0 <= s <= 19, and "00" "01" ... "99" (two digits a step), report_fmt17g.c */
extern const uint64_t cmeta__pow10[20];
extern const char cmeta__digit_pairs[201];

/* cmeta_study_ci with z = cmeta_study_zcrit(level) given (computed once for many studies) */
void cmeta__study_ci_z(double yi, double vi, double z, double *lb, double *ub);

/* snprintf(buf, n, "%.*f", d, x) for 0 <= d <= 9 and finite |x| < 1e9, byte for byte (exact
 * arithmetic, report_fmt17g.c); -1 outside that range. buf holds at least 32 bytes. */
int cmeta__fmt_f(char *buf, double x, int d);

#endif
