/* cmd_boot.c - `cmeta boot`: not written yet (see the issue tracker). */
#include "cli.h"

int cmeta_cmd_boot(int argc, char **argv)
{
    (void)argc;
    return cli_failf(1, "'%s' is not available in this version yet", argv[0]);
}
