/* main.c - the cmeta program: dispatch to one file per command (src/cli/cmd_*.c), as listed
 * in the command table (options.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cli.h"
#include "options.h"

int main(int argc, char **argv)
{
    /* GSL's default error handler aborts; the library reports through statuses instead. */
    gsl_set_error_handler_off();
    /* OpenBLAS runs single-threaded unless the user says otherwise. It is opened only for
       LAPACK's dsyev (the cluster-robust CR2 estimator; the rank check above 64 coefficients;
       src/lib/linalg.c), on small matrices, and cmeta threads over its own work itself;
       OpenBLAS's own threads, created when it is loaded, spin between calls and took permtest
       k = 50 REML from ~15 to ~28 ms when it did its products (bench/README.md). Set here,
       before any thread exists and before the library opens OpenBLAS. */
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    cli_install_signals();
    if (argc < 2) {
        cli_help_main(stderr);
        return 1;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        cli_help_main(stdout);
        return 0;
    }
    /* hidden: --man, --completion bash, --list-options, --readme-options (options.c) */
    int rc = cli_generate(argc, argv);
    if (rc >= 0) return rc;
    if (!strcmp(argv[1], "--version")) {
        printf("cmeta %s\n", cmeta_version());
        return 0;
    }
    const cli_command *c = cli_find_command(argv[1]);
    if (c) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "cmeta: unknown command '%s' (see cmeta --help)\n", argv[1]);
    return 1;
}
