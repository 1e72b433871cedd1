/* main.c - the cmeta program: dispatch to one file per command (src/cli/cmd_*.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cli.h"

typedef struct {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
} command;

static const command commands[] = {
    {"escalc", cmeta_cmd_escalc, "effect sizes per study (CSV with yi, vi)"},
    {"pool", cmeta_cmd_pool, "fixed/random-effects meta-analysis (--subgroup COL)"},
    {"loo", cmeta_cmd_loo, "leave-one-out analysis"},
    {"cumul", cmeta_cmd_cumul, "cumulative meta-analysis (--order COL)"},
    {"regress", cmeta_cmd_regress, "mixed-effects meta-regression (--mods A,B)"},
    {"influence", cmeta_cmd_influence, "case diagnostics"},
    {"bias", cmeta_cmd_bias, "small-study effects: Egger, Begg, trim and fill, fail-safe N"},
    {"forest", cmeta_cmd_forest, "forest plot (-o F.svg|.png|.pdf)"},
    {"funnel", cmeta_cmd_funnel, "funnel plot (-o F.svg|.png|.pdf)"},
    {"boot", cmeta_cmd_boot, "bootstrap confidence intervals (--iter B --seed S)"},
    {"permtest", cmeta_cmd_permtest, "permutation tests (--iter B --seed S)"},
    {"bayes", cmeta_cmd_bayes, "Bayesian random effects by numerical integration (--tau-prior P)"},
    {"gosh", cmeta_cmd_gosh, "GOSH: every subset (or --subsets N random ones)"},
    {"batch", cmeta_cmd_batch, "the same analysis over many trial CSVs (--out DIR)"},
};

static void usage(FILE *fp)
{
    fputs("usage: cmeta COMMAND [FILE] [options]   (FILE - reads standard input)\n\ncommands:\n", fp);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\ncmeta COMMAND --help shows a command's options; cmeta --version its version.\n"
          "Exit status: 0 ok, 1 usage, 2 bad input data, 3 numerical failure, 4 I/O error.\n",
          fp);
}

int main(int argc, char **argv)
{
    /* GSL's default error handler aborts; the library reports through statuses instead. */
    gsl_set_error_handler_off();
    /* OpenBLAS runs single-threaded unless the user says otherwise: cmeta's products are
       small (blocks of replicates, p x p systems) and cmeta threads over replicate blocks
       itself (OMP_NUM_THREADS); OpenBLAS's own threads, created when it is loaded, spin between
       calls and took permtest k = 50 REML from ~15 to ~28 ms (bench/README.md). Set here,
       before any thread exists and before OpenBLAS is opened (cli_blas.c). */
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    cli_install_signals();
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("cmeta %s\n", cmeta_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "cmeta: unknown command '%s' (see cmeta --help)\n", argv[1]);
    return 1;
}
