/* cmd_gosh.c - `cmeta gosh`: not written yet (see the issue tracker). */
#include "cli.h"

int cmeta_cmd_gosh(int argc, char **argv)
{
    (void)argc;
    return cli_failf(1, "'%s' is not available in this version yet", argv[0]);
}
