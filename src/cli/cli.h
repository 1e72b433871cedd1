/* cli.h - shared parts of the cmeta program: options, input loading, output files,
 * JSON/CSV writing, messages. The program uses the public headers only. */
#ifndef CMETA_CLI_H
#define CMETA_CLI_H

#include <signal.h>
#include <stdio.h>
#include "cmeta/cmeta.h"

typedef enum { CLI_FMT_TEXT, CLI_FMT_JSON, CLI_FMT_CSV } cli_format;

/* Everything the command line can say. Fields *_set record that a flag was given
 * explicitly (presets only fill in what was not). */
typedef struct {
    const char *command;
    const char **inputs;      /* positional arguments (FILE, or several for batch) */
    size_t ninputs;
    const char *output;       /* -o PATH, NULL = stdout */
    cli_format format;
    cmeta_data_opts data;
    cmeta_fit_opts fit;
    int method_set, test_set, level_set, add_set, to_set, vtype_set;
    int preset_revman5;
    /* command specific */
    const char *subgroup;     /* --subgroup COL */
    int tau_common;           /* --tau-common */
    const char *mods;         /* --mods A,B */
    const char *order;        /* --order COL */
    int no_intercept;         /* --no-intercept */
    const char *layout;       /* --layout metafor|revman5 */
    int trimfill, contours;   /* funnel */
    long iter;                /* --iter B */
    const char *type;         /* --type (boot) */
    long subsets;             /* --subsets N */
    const char *outdir;       /* --out DIR */
    long jobs;                /* --jobs N */
    long shard_i, shard_n;    /* --shard I/N */
    int plots;                /* --plots */
    unsigned long seed;       /* --seed S */
    int seed_set;
    int model_auto;           /* --model auto */
    double het_p;             /* --het-p P (default 0.10) */
} cli_opts;

/* Parse argv (argv[0] is the command name). On a usage error prints one line to stderr
 * and returns 1; on --help prints help and returns -1; else 0. */
int cli_parse(int argc, char **argv, cli_opts *o, const char *usage);
void cli_opts_free(cli_opts *o);

/* Read the input table and build the analysis data. Returns an exit code (0 = ok) and
 * prints the error line itself. *t and *d are to be freed by the caller. */
int cli_load(const cli_opts *o, const char *path, cmeta_table **t, cmeta_data **d,
             cmeta_warnings *w);

/* Print "cmeta: <formatted error>" on stderr and return the exit code for its status. */
int cli_fail(const cmeta_error *err);
/* Print "cmeta: <message>" on stderr and return code. */
int cli_failf(int code, const char *fmt, ...) CMETA_PRINTF(2, 3);
/* Print warnings on stderr ("cmeta: warning: ...") - text and CSV modes. */
void cli_print_warnings(const cmeta_warnings *w);

/* Output: stdout, or a temporary file next to PATH renamed over PATH on commit, so that
 * no partial file is ever left behind. */
typedef struct {
    FILE *fp;
    char *path;   /* final path, NULL for stdout */
    char *tmp;    /* temporary path */
} cli_out;
int cli_out_open(cli_out *out, const char *path);      /* 0 ok, else exit code (printed) */
int cli_out_commit(cli_out *out);                      /* 0 ok, else 4 (printed) */
void cli_out_abort(cli_out *out);                      /* remove the temporary file */

/* JSON writing helpers: numbers with %.17g (null when not finite), escaped strings. */
void json_num(FILE *fp, double x);
void json_str(FILE *fp, const char *s);
void json_key(FILE *fp, const char *key, int *first);  /* writes ,"key": */
void json_warnings(FILE *fp, const cmeta_warnings *w, int *first);
/* CSV field: quoted when needed (RFC 4180). */
void csv_field(FILE *fp, const char *s);
/* CSV number: %.17g, empty when not finite. */
void csv_num(FILE *fp, double x);

/* Resampling commands (cli_resample.c): Ctrl-C sets cli_interrupted (polled by the library
 * through cmeta_resample_opts.interrupt); a progress bar on stderr when it is a terminal and
 * the work passes a second; moderators named by --mods as a k x q matrix (caller frees X). */
extern volatile sig_atomic_t cli_interrupted;
void cli_sigint_install(void);
typedef struct {
    double start, last;
    int shown;
    const char *what;
} cli_progress_state;
void cli_progress_init(cli_progress_state *ps, const char *what);
int cli_progress(void *ctx, double done, double total);
void cli_progress_end(cli_progress_state *ps);
int cli_resample_mods(const cmeta_data *d, const char *mods, double **X, size_t *q);
/* The seed: --seed S, else one made from the clock (printed by the command). */
unsigned long cli_seed(const cli_opts *o);

/* Commands: each returns the process exit code. */
int cmeta_cmd_escalc(int argc, char **argv);
int cmeta_cmd_pool(int argc, char **argv);
int cmeta_cmd_loo(int argc, char **argv);
int cmeta_cmd_cumul(int argc, char **argv);
int cmeta_cmd_regress(int argc, char **argv);
int cmeta_cmd_influence(int argc, char **argv);
int cmeta_cmd_bias(int argc, char **argv);
int cmeta_cmd_forest(int argc, char **argv);
int cmeta_cmd_funnel(int argc, char **argv);
int cmeta_cmd_boot(int argc, char **argv);
int cmeta_cmd_permtest(int argc, char **argv);
int cmeta_cmd_gosh(int argc, char **argv);
int cmeta_cmd_batch(int argc, char **argv);

#endif
