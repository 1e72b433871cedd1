/* cli_diag.c - helpers shared by cmeta regress, influence and bias. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_diag.h"

int cli_diag_check_method(const cli_opts *o)
{
    if (cmeta_method_is_2x2(o->fit.method))
        return cli_failf(1, "%s: --method %s is not available here (use FE or a tau^2 estimator)",
                         o->command, cmeta_method_name(o->fit.method));
    return 0;
}
