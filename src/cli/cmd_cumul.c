/* cmd_cumul.c - `cmeta cumul FILE [--order COL]`: cumulative meta-analysis (metafor cumul),
 * studies added in file order or sorted by COL (numbers numerically, text in byte order;
 * ties keep file order; missing values last). Output code shared with loo (cmd_loo.c). */
#include "cli.h"

static const char usage[] =
    "usage: cmeta cumul FILE [--order COL] [options]\n"
    "  Cumulative meta-analysis: fit j uses the first j studies (metafor cumul).\n"
    "  --order COL   add studies by increasing COL (numeric or text; ties in file order)\n"
    "  Options as for cmeta pool (--measure --method --test --level --preset --model auto ...),\n"
    "  --format text|json|csv, -o PATH\n";

int cmeta_cmd_cumul(int argc, char **argv)
{
    return cli_run_derived(argc, argv, usage, 1);
}
