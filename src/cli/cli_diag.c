/* cli_diag.c - helpers shared by cmeta regress, influence and bias. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_diag.h"

void cli_diag_frame(FILE *fp, const char *const *rownames, size_t nrows,
                    const char *const *colnames, size_t ncols, const char *const *cells, int gap)
{
    cli_text_frame(fp, rownames, nrows, colnames, ncols, cells, gap, 80);
}

const char *cli_diag_stars(double p)
{
    if (!isfinite(p)) return " ";
    return p <= 0.001 ? "***" : p <= 0.01 ? "**" : p <= 0.05 ? "*" : p <= 0.1 ? "." : " ";
}

void cli_diag_pval_eq(char *buf, size_t n, double p)
{
    char t[64];
    cli_pval(t, sizeof t, p, 4);
    if (t[0] == '<') snprintf(buf, n, "p-val < %s", t + 1);
    else snprintf(buf, n, "p-val = %s", t);
}

int cli_diag_check_method(const cli_opts *o)
{
    if (cmeta_method_is_2x2(o->fit.method))
        return cli_failf(1, "%s: --method %s is not available here (use FE or a tau^2 estimator)",
                         o->command, cmeta_method_name(o->fit.method));
    return 0;
}
