/* cli_diag.c - helpers shared by cmeta regress, influence and bias. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_diag.h"

void cli_diag_frame(FILE *fp, const char *const *rownames, size_t nrows,
                    const char *const *colnames, size_t ncols, const char *const *cells, int gap)
{
    (void)cmeta_text_frame(fp, rownames, nrows, colnames, ncols, cells, gap, 80);
}

void cli_diag_pval_eq(char *buf, size_t n, double p)
{
    cmeta_fmt_pval_eq(buf, n, "p-val", p);
}

int cli_diag_check_method(const cli_opts *o)
{
    if (o->fit.method == CMETA_METHOD_MH || o->fit.method == CMETA_METHOD_PETO)
        return cli_failf(1, "%s: --method %s is not available here (use FE or a tau^2 estimator)",
                         o->command, cmeta_method_name(o->fit.method));
    return 0;
}
