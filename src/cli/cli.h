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
    int smcr_sd_set;          /* --smcr-sd given (value in data.smcr_sd) */
    int preset_revman5;
    int preset_revmanweb;     /* --preset revmanweb (RevMan Web since 2025; see apply_preset) */
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
    int report;               /* --report (batch) */
    const char *durable;      /* --durable per-file|group (batch) */
    const char *plot;         /* --plot F.svg|.png|.pdf (gosh) */
    unsigned long seed;       /* --seed S */
    int seed_set;
    int model_auto;           /* --model auto */
    double het_p;             /* --het-p P (default 0.10) */
    char **joined;            /* per option, a repeated list's values joined (owned; cli_opts_free) */
    size_t njoined;
    /* issue 19 */
    const char *tau_prior;    /* --tau-prior SPEC (bayes) */
    const char *mu_prior;     /* --mu-prior SPEC (bayes) */
    int hakn_ci_set;          /* --hakn-ci given (value in fit.hakn_ci; needs --test knha) */
    int forest_bayes;         /* --bayes (forest): shrinkage intervals beside the observed ones */
    /* issue 17: figure controls (forest, funnel, batch --plots; parsed by options.c) */
    const char *plot_title, *xlab, *sort, *annotate;
    const char *favours[2], *group_labels[2]; /* point into fav_buf / grp_buf */
    char fav_buf[512], grp_buf[512];
    double xlim[2];           /* NAN, NAN: not given */
    double at[64];            /* --at ticks */
    size_t nat;
    double size_w, size_h;    /* --size, in size_unit ("in", "cm", "mm", "pt", "px"); 0 not given */
    char size_unit[3];
    double dpi;               /* --dpi (0: not given, 300) */
    int digits;               /* --digits (-1: not given) */
    int no_overall_test;      /* --no-overall-test */
    int svg_outline;          /* --svg-text outline */
    int svg_text_set;         /* --svg-text given */
    long reps;                /* --reps N (plot qq envelope; 0: not given, 1000) */
    int no_envelope;          /* --no-envelope (plot qq) */
    const char *plot_mod;     /* --plot-mod NAME (regress --plot) */
    int plot_pi;              /* --plot-pi (regress --plot) */
    const char *rob_tool;     /* --rob-tool rob2|robins-i|robins-i-v2 (NULL: rob2) */
    int forest_loo, forest_cumul; /* forest --loo / --cumul */
    const char *ri_sweep;     /* --ri-sweep FROM:TO:STEP or a list (pool, forest; cli_risweep.c) */
    int ri_probe;             /* cli_ri_load: --ri set as a placeholder to read a measure column's
                               * pre/post rows without ri (cli_load then does not ask for --measure) */
    /* issue 15 */
    int threads;              /* --threads N (gosh, boot, permtest); 0: the library's policy */
    /* issue 16: data as researchers have it */
    const char *col;          /* --col NAME=COLUMN,... (checked for form by the parser) */
    char sep;                 /* --sep: 0 auto, ',', ';', '\t' */
    char decimal;             /* --decimal: 0 (= '.') or ',' */
    /* issue 18: mv */
    const char *random[16];   /* --random SPEC, in the order given */
    size_t nrandom;
    double rho;               /* --rho R (with --cluster COL) */
    const char *cluster;      /* --cluster COL */
    const char *vfile;        /* --V FILE */
    int no_ci;                /* --no-ci: no profile CIs of the variance components */
    const char *cmp_random[16]; /* --compare-random SPEC: the reduced model's random effects */
    size_t ncmp_random;
    const char *cmp_mods;     /* --compare-mods LIST (or "1"): the reduced model's moderators */
    const char *robust;       /* --robust COL: cluster-robust inference (pool, regress, mv) */
    int robust_cr1;           /* --robust-type CR1 (default CR2) */
    const char *structure;    /* --struct S (an "inner|outer" --random term) */
    const char *time_col;     /* --time COL (AR, HAR) */
} cli_opts;

/* Parse argv (argv[0] is the command name) by the option tables (options.c): an option the
 * command does not take, a value out of its range, an option given twice or without the one
 * it needs prints one line to stderr and returns 1; --help prints the command's help and
 * returns -1; else 0. */
int cli_parse(int argc, char **argv, cli_opts *o);
void cli_opts_free(cli_opts *o);
/* cli_parse, then exactly one input FILE: the start of every single-file command.
 * Returns -1 to go on; otherwise the exit code to return at once (0 after --help), with o
 * already freed and any message printed. */
int cli_start(int argc, char **argv, cli_opts *o);

/* Read the input table and build the analysis data. Returns an exit code (0 = ok) and
 * prints the error line itself. *t and *d are to be freed by the caller. */
int cli_load(const cli_opts *o, const char *path, cmeta_table **t, cmeta_data **d,
             cmeta_warnings *w);
/* Read the input table with --sep/--decimal (a warning when auto found no comma) and apply
 * --col. On failure nothing is left in *t. */
cmeta_status cli_read_table(const cli_opts *o, const char *path, cmeta_table **t, cmeta_warnings *w,
                            cmeta_error *err);

/* --robust COL (cli_robust.c). The cluster id of each analysed row (study keep[i] of d, keep NULL:
 * study i), 0-based in sorted order of the values; *ids to be freed. An unknown column or an empty
 * cell is a data error (printed). Returns 0 or the exit code. */
int cli_robust_clusters(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, const size_t *keep,
                        size_t n, size_t **ids, size_t *ncl);
/* The error of a cmeta_robust_* call (err->index: the analysed row), printed; the exit code. */
int cli_robust_fail(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, const size_t *keep, size_t n,
                    cmeta_status st, const cmeta_error *err);
/* The library's options from --robust-type and --level. */
void cli_robust_opts(const cli_opts *o, int intercept, cmeta_robust_opts *ro);

/* Print "cmeta: <formatted error>" on stderr and return the exit code for its status. */
int cli_fail(const cmeta_error *err);
/* The same, for a call that returned st: a status or message the library did not fill in
 * is taken from st, so that no failure is ever reported as "success". */
int cli_fail_status(cmeta_status st, const cmeta_error *err);
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
    int direct;   /* writing straight to a device or pipe (no rename) */
    const char *name;
} cli_out;
/* cli_out_open refuses (exit 1, naming both) a path that is the same file (device and inode,
 * links followed) as an input of the run or as another output it opened; an empty path is a
 * usage error. A replaced file keeps its mode; a symbolic link stays and its target is
 * replaced. The temporary file is NAME.tmp.PID.XXXXXX, and those of the same NAME whose writer
 * is gone are removed (one warning line). cli_load notes its input; other readers call
 * cli_note_input (a path, or "-" for standard input when it is a file). */
void cli_note_input(const char *path);
int cli_out_open(cli_out *out, const char *path);      /* 0 ok, else exit code (printed) */
int cli_out_commit(cli_out *out);                      /* 0 ok, else 4 (printed) */
void cli_out_abort(cli_out *out);                      /* remove the temporary file */
/* batch's workers (cmd_batch.c) write into a private staging directory: CLI_OUT_NOSYNC leaves
 * out the fsync before the rename (batch --durable group makes the files durable with one
 * syncfs per group), CLI_OUT_NOSCAN the scan for stale temporary files. cli_out_failures counts
 * the outputs that could not be written (cli_out_open or cli_out_commit returned 4), so that a
 * full disk is told apart from bad data. */
#define CLI_OUT_NOSYNC 1
#define CLI_OUT_NOSCAN 2
extern int cli_out_flags;
extern int cli_out_failures;
/* A batch worker runs many files in one process: before each, cli_run_reset forgets what the
 * previous run noted (its inputs and outputs for the same-file checks, its warnings and input
 * name, cli_out_failures), so that every file is analysed as by a process of its own. */
void cli_run_reset(void);

/* gosh --plot (cli_goshplot.c): begin checks the picture format and opens the output (a
 * temporary file, so that an unwritable path fails before any work) and sets up the
 * bins; end lays out and draws the plot and publishes the file; abort (safe to call
 * always) releases both. Return 0 or the exit code (message printed). */
struct cli_goshplot {
    cmeta_gosh_bins bins;
    cli_out out;
    int active;
};
int cli_goshplot_begin(struct cli_goshplot *g, const char *path, const cmeta_data *d);
int cli_goshplot_end(struct cli_goshplot *g, const cmeta_gosh_summary *sum, cmeta_method method);
void cli_goshplot_abort(struct cli_goshplot *g);

/* Ctrl-C: the first SIGINT/SIGTERM sets cli_interrupt (long computations poll it through
 * their options and return CMETA_EINTR; cli_out_commit then refuses to publish the output);
 * a second one removes every temporary output file and exits with 130. */
#include <signal.h>
extern volatile sig_atomic_t cli_interrupt;
void cli_install_signals(void);
/* Unlink the temporary files of outputs not yet committed (async-signal-safe; for exits
 * that bypass cli_out_abort). */
void cli_remove_tmp_files(void);

/* --model auto: cmeta_choose_model with o's fit options, --model and --het-p. 0, or the exit
 * code (message printed). */
int cli_choose_model(const cli_opts *o, const cmeta_studies *s, cmeta_model_choice *mc);
/* loo and cumul (cmd_loo.c): run the whole command. */
int cli_run_derived(int argc, char **argv, int cumulative);
/* pool (cmd_pool.c), also run in-process by batch: load o->inputs[0], choose the model, fit,
 * write the report in o->format to output (NULL = stdout). *key (if not NULL) receives the
 * overall model's key figures. Returns 0 or the exit code (message printed). */
typedef struct {
    double k, estimate, ci_lb, ci_ub, tau2, I2, Q_pval;
} cli_pool_key;
int cli_pool_run(const cli_opts *o, const char *output, cli_pool_key *key);
void cli_pool_key_set(cli_pool_key *key, const cmeta_fit *f);
/* cmeta_cmd_pool with the key figures of a successful run in *key (batch's workers). */
int cli_pool_main(int argc, char **argv, cli_pool_key *key);
/* issue 17 (cli_plotopts.c): the drawing options of o (--dpi, --size, --svg-text). */
void cli_render_opts(const cli_opts *o, cmeta_render_opts *ro);
/* Render p to path atomically with the drawing options ro (NULL: defaults). */
int cli_plot_write_opts(const cmeta_plot *p, const char *path, const cmeta_render_opts *ro);
/* The forest plot options of o for the studies d of table t fitted by fit (weights for
 * --sort weight): title, axis, favours, group labels, digits, ticks, the test line, --sort
 * (an order allocated into *order: free it) and --annotate (columns of t: the texts are
 * allocated into *annot: free with cli_annot_free). 0, or the exit code (message printed). */
typedef struct {
    size_t n;
    const char *head[4];
    const char **cells[4];
    cmeta_rob_judgement *rob; /* risk-of-bias columns rob_D1..rob_Dn, rob_overall (cli_plotopts.c) */
} cli_annot;
int cli_forest_opts(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, const cmeta_fit *fit,
                    cmeta_forest_opts *fo, size_t **order, cli_annot *annot);
void cli_annot_free(cli_annot *a);
/* The risk-of-bias columns rob_D1..rob_Dn, rob_overall of t into fo (rob_*; the judgements
 * allocated into a->rob) when t has them; 0 or the exit code (message printed). */
int cli_rob_columns(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, cmeta_forest_opts *fo,
                    cli_annot *a);
/* forest --loo / --cumul (cli_forest_derived.c): the whole command after option checks. */
int cli_forest_derived(const cli_opts *o, const cmeta_render_opts *ro);
/* The funnel plot options of o (title, axis title, limits, ticks). */
void cli_funnel_opts(const cli_opts *o, cmeta_funnel_opts *fo);

/* The plotting commands' shared part (cli_plotopts.c; forest, funnel, plot): their state, set
 * up by cli_fig_start (cli_start, then -o checked when check_output: -1 to go on, else the exit
 * code with the options already freed); cli_fig_fit: d's studies, the model chosen (--model
 * auto) and, when fit is set, fitted to every study; cli_fig_measurer: the drawing backend
 * checked and a text measurer made; cli_fig_write: plot rendered to -o with the drawing
 * options; cli_fig_free frees it all. Each returns 0, or the exit code (message printed). */
typedef struct {
    cli_opts o;
    cmeta_warnings w;
    cmeta_table *t;
    cmeta_data *d;
    cmeta_studies s;        /* cli_fig_fit */
    cmeta_model_choice mc;  /* cli_fig_fit */
    cmeta_fit *fit;         /* cli_fig_fit with fit: the pooled fit over every study */
    cmeta_text_measurer *tm;
    cmeta_plot plot;
    cmeta_error err;
} cli_fig;
int cli_fig_start(cli_fig *g, int argc, char **argv, int check_output);
int cli_fig_fit(cli_fig *g, int fit);
int cli_fig_measurer(cli_fig *g);
int cli_fig_write(cli_fig *g);
void cli_fig_free(cli_fig *g);

/* The unknown pre-post correlation (cli_risweep.c, issue 16): the --ri-sweep grid (a new array,
 * sorted; 0, or the exit code with msg); cli_load for pool and forest, *ri_mode = 1 when the run
 * is a sweep or the file has ri_lb/ri_ub (studies without ri kept for it); the report (forest:
 * the plot to output); the sweep's plot to path. */
int cli_ri_grid_parse(const char *s, double **grid, size_t *n, char *msg, size_t msglen);
int cli_ri_load(const cli_opts *o, const char *path, cmeta_table **t, cmeta_data **d, cmeta_warnings *w,
                int *ri_mode);
int cli_risweep_report(const cli_opts *o, const char *output, const cmeta_table *t, const cmeta_data *d,
                       cmeta_warnings *w, int forest);
int cli_riplot_write(const char *path, const cmeta_ri_report *r);
/* A writer's status: 0, or exit 4 with a message (out of memory). */
int cli_report_status(cmeta_status st);

/* --subgroup COL (pool, forest): the studies of d0 split by the values of column
 * o->subgroup of t, in order of first appearance; studies without a value are left out
 * with a warning. Everything is owned by the split: free with cli_split_free. */
typedef struct {
    cmeta_data *d;        /* the studies with a value (subset of d0, same order) */
    size_t *grp;          /* grp[i]: subgroup (0..ngroups-1) of study i of d */
    const char **lev;     /* subgroup names: cells of t, valid while t lives */
    size_t ngroups;
    cmeta_subgroups *g;   /* per-subgroup fits, overall fit, test for subgroup differences */
} cli_split;
/* 0, or the exit code (message printed). On failure sp is still safe to free. */
int cli_split_subgroups(const cli_opts *o, const cmeta_table *t, const cmeta_data *d0,
                        const cmeta_fit_opts *fo, cli_split *sp, cmeta_warnings *w);
void cli_split_free(cli_split *sp);

/* ---- pictures (cmd_forest.c) ---------------------------------------------------------- */
/* -o is required and must name .svg, .png or .pdf: 0, or the exit code (printed). */
int cli_plot_check_output(const cli_opts *o);
/* Render a plot to path atomically (temporary file renamed on success): 0 or exit code. */
int cli_plot_write(const cmeta_plot *p, const char *path);

/* Resampling commands (cli_resample.c): Ctrl-C sets cli_interrupt (above; polled by the
 * library through cmeta_resample_opts.interrupt); a progress bar on stderr when it is a
 * terminal and the work passes a second; moderators named by --mods as a k x q matrix
 * (caller frees X). */
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
/* The resampling options every resampling command starts from: the fit's method, tolerance
 * and iteration limit, the seed, Ctrl-C, and a progress bar named `what` kept in *ps. */
void cli_resample_opts(const cli_opts *o, const char *what, cli_progress_state *ps,
                       cmeta_resample_opts *ro);

/* Commands: each returns the process exit code. */
int cmeta_cmd_escalc(int argc, char **argv);
int cmeta_cmd_pool(int argc, char **argv);
int cmeta_cmd_loo(int argc, char **argv);
int cmeta_cmd_bayes(int argc, char **argv);
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
int cmeta_cmd_mv(int argc, char **argv);
int cmeta_cmd_plot(int argc, char **argv);
int cmeta_cmd_report(int argc, char **argv);

/* report (cmd_report.c), also run by batch --report in its workers: ctx NULL for the command;
 * batch passes the report's final path (shown in the record instead of the staging file's)
 * and its own command line. */
typedef struct {
    const char *shown_output;
    const char *batch_cmdline;
} cli_report_ctx;
int cli_report_main(int argc, char **argv, const cli_report_ctx *ctx);

#endif
