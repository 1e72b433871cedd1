/* report_frame.h - cmeta_text_frame with cells made on demand (report_fmt.c); library-internal. */
#ifndef CMETA_REPORT_FRAME_H
#define CMETA_REPORT_FRAME_H

#include <stdio.h>

#include "cmeta/report.h"

/* Fill cell[0 .. ncols-1] (CMETA_FMT_CELL bytes each) with the cells of row i. Called twice per
 * row and block: the same row must give the same cells. */
typedef void (*cmeta__frame_row_fn)(void *arg, size_t i, char (*cell)[CMETA_FMT_CELL]);

/* The bytes cmeta_text_frame writes for the same cells (ncols <= 16), without keeping them:
 * a first pass over the rows takes the column widths, a second formats each row again and
 * writes it. Memory O(ncols), whatever nrows. */
cmeta_status cmeta__text_frame_rows(FILE *fp, const char *const *rownames, size_t nrows,
                                    const char *const *colnames, size_t ncols,
                                    cmeta__frame_row_fn row, void *arg, int gap, size_t wrap);

/* snprintf(buf, n, "%.*f", d, x) for 0 <= d <= 9 and finite |x| < 1e9, byte for byte (exact
 * arithmetic, report_fmt17g.c); -1 outside that range. buf holds at least 32 bytes. */
int cmeta__fmt_f(char *buf, double x, int d);

#endif
