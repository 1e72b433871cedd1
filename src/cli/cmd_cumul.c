/* cmd_cumul.c - `cmeta cumul FILE [--order COL]`: cumulative meta-analysis (metafor cumul),
 * studies added in file order or sorted by COL (numbers numerically, text in byte order;
 * ties keep file order; missing values last). Output code shared with loo (cmd_loo.c). */
#include "cli.h"

int cmeta_cmd_cumul(int argc, char **argv)
{
    return cli_run_derived(argc, argv, 1);
}
