/* cli_diag.h - helpers shared by cmeta regress, influence and bias (cli_diag.c). */
#ifndef CMETA_CLI_DIAG_H
#define CMETA_CLI_DIAG_H

#include "cli.h"

/* Print a table as R's print(data.frame, quote = FALSE, right = TRUE, print.gap = gap):
 * row names left-justified, columns right-justified, wrapped into blocks of columns so that
 * no line reaches 80 columns (as R wraps at its default width 80); every line ends with " " as metafor's
 * .print.table. cells: nrows x ncols row-major. */
void cli_diag_frame(FILE *fp, const char *const *rownames, size_t nrows,
                    const char *const *colnames, size_t ncols, const char *const *cells,
                    int gap);
/* "p-val = 0.0123" or "p-val < .0001" as metafor's .pval(showeq = TRUE). */
void cli_diag_pval_eq(char *buf, size_t n, double p);
/* Reject methods the diagnostics cannot use (MH, PETO): returns an exit code or 0. */
int cli_diag_check_method(const cli_opts *o);

#endif
