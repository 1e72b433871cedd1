/* cli_diag.h - helpers shared by cmeta regress, influence and bias (cli_diag.c). */
#ifndef CMETA_CLI_DIAG_H
#define CMETA_CLI_DIAG_H

#include "cli.h"

/* Reject methods the diagnostics cannot use (MH, PETO): returns an exit code or 0. */
int cli_diag_check_method(const cli_opts *o);

#endif
