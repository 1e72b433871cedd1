/* cmeta/report.h - the report layer: text, JSON and CSV writers for every result type, the
 * number formats they share, a study's confidence interval and the --model auto choice.
 *
 * The writers write to a FILE * the caller opened (stdout, a temporary file, a memory stream);
 * they never open, close or flush it, never print anywhere else and never exit. They return
 * CMETA_OK, or CMETA_ENOMEM when a work buffer could not be allocated (nothing is written
 * after that point; the caller discards the stream). Write errors are the stream's (ferror).
 *
 * Formats:
 *  - JSON: one object; numbers with 17 significant digits (C's "%.17g", made locale-free
 *    and faster by cmeta_fmt17g); NaN and infinities as null.
 *  - CSV: RFC 4180 fields, numbers as in JSON, empty when not finite.
 *  - text: as metafor's print methods (R 4.2, metafor 3.8): fixed notation with the digits
 *    metafor shows, tables laid out as R prints a data.frame. A number whose fixed form would
 *    show digits a double does not hold (|x| >= 1e15, where metafor's formatC(format = "f")
 *    prints noise such as -3000000000000000106184517130664004033968078848.0000 for -3e45) is
 *    written in scientific notation with the same number of decimals, as R's
 *    formatC(format = "e") (-3.0000e+45): no cell is ever cut or holds invented digits.
 *    Labels pass through cmeta_escape_ctrl (line breaks and tabs print as spaces).
 */
#ifndef CMETA_REPORT_H
#define CMETA_REPORT_H

#include <stdio.h>

#include "status.h"
#include "effect.h"
#include "data.h"
#include "model.h"
#include "derive.h"
#include "design.h"
#include "influence.h"
#include "bias.h"
#include "resample.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { CMETA_REPORT_TEXT, CMETA_REPORT_JSON, CMETA_REPORT_CSV } cmeta_report_format;

/* ---- numbers ------------------------------------------------------------------------------ */

/* snprintf(buf, n, "%.17g", x), byte for byte (exact integer arithmetic for usual values;
 * tests/test_fmt.c compares the two on millions of values). Returns the length. */
CMETA_EXPORT int cmeta_fmt17g(char *buf, size_t n, double x);

/* Room for any cell cmeta_fmt_num writes with digits <= CMETA_FMT_MAX_DIGITS. */
#define CMETA_FMT_MAX_DIGITS 20
#define CMETA_FMT_CELL 48

/* A number in a text table, as metafor's .fcf (formatC(x, digits, format = "f")) where that is
 * faithful: fixed with `digits` decimals while that shows at most 15 integer digits (|x| < 1e15
 * before rounding), else scientific with `digits`
 * decimals and an exponent of at least two digits (formatC(format = "e")). NaN prints "NA",
 * infinities "Inf" and "-Inf" (as R). digits is clamped to 0..CMETA_FMT_MAX_DIGITS. Writes at
 * most n bytes (NUL terminated) and returns the length the cell needs, as snprintf: with
 * n >= CMETA_FMT_CELL the cell is never cut. */
CMETA_EXPORT size_t cmeta_fmt_num(char *buf, size_t n, double x, int digits);
/* A p-value as metafor's .pval: fixed with `digits` decimals, "<.0001" (for digits 4) below
 * 10^-digits, "NA" when not finite. */
CMETA_EXPORT void cmeta_fmt_pval(char *buf, size_t n, double p, int digits);
/* "<lhs> = 0.0123" or "<lhs> < .0001" (metafor's .pval(showeq = TRUE)); lhs e.g. "p-val". */
CMETA_EXPORT void cmeta_fmt_pval_eq(char *buf, size_t n, const char *lhs, double p);
/* Significance stars as R's symnum: "***" p <= .001, "**" <= .01, "*" <= .05, "." <= .1,
 * " " otherwise and when p is not finite. */
CMETA_EXPORT const char *cmeta_signif_stars(double p);
/* The confidence level as the text output states it: "95% CI", "90% CI", "99.5% CI". */
CMETA_EXPORT void cmeta_fmt_level(char *buf, size_t n, double level);

/* ---- JSON and CSV pieces ------------------------------------------------------------------- */

CMETA_EXPORT void cmeta_json_num(FILE *fp, double x);          /* %.17g, null if not finite */
CMETA_EXPORT void cmeta_json_str(FILE *fp, const char *s);     /* escaped string, null for NULL */
CMETA_EXPORT void cmeta_json_key(FILE *fp, const char *key, int *first); /* [,]"key": */
CMETA_EXPORT void cmeta_json_kv(FILE *fp, const char *key, double x, int *first);
CMETA_EXPORT void cmeta_json_warnings(FILE *fp, const cmeta_warnings *w, int *first);
CMETA_EXPORT void cmeta_csv_field(FILE *fp, const char *s);    /* quoted when needed */
CMETA_EXPORT void cmeta_csv_num(FILE *fp, double x);           /* %.17g, empty if not finite */

/* ---- text tables --------------------------------------------------------------------------- */

/* Write s for a terminal: line breaks and tabs as spaces, other control bytes as \xHH
 * (cmeta_escape_ctrl). */
CMETA_EXPORT void cmeta_text_put(FILE *fp, const char *s);
/* Print a table as R prints a data.frame (right = TRUE): row names left-justified, columns
 * right-justified to the wider of header and cells, `gap` spaces apart, each line ending with
 * " " as metafor's .print.table; the columns wrapped into blocks narrower than `wrap`
 * characters as R wraps a wide table ((size_t)-1: no wrapping). cells: nrows x ncols row-major.
 * rownames may be NULL. Row names and cells are written with cmeta_text_put. */
CMETA_EXPORT cmeta_status cmeta_text_frame(FILE *fp, const char *const *rownames, size_t nrows,
                                           const char *const *colnames, size_t ncols,
                                           const char *const *cells, int gap, size_t wrap);

/* A table of numbers built cell by cell (every text table of the writers uses one): nrows x
 * ncols cells of CMETA_FMT_CELL bytes, owned by the table. */
typedef struct {
    size_t nrows, ncols;
    char (*buf)[CMETA_FMT_CELL];
    const char **cell;  /* cell[i * ncols + j] points into buf (or at a caller's string) */
} cmeta_text_table;
CMETA_EXPORT cmeta_status cmeta_text_table_init(cmeta_text_table *t, size_t nrows, size_t ncols);
CMETA_EXPORT void cmeta_text_table_free(cmeta_text_table *t);
/* Cell (i, j) := cmeta_fmt_num(x, digits) / a p-value / a string (copied, cut to the cell). */
CMETA_EXPORT void cmeta_text_table_num(cmeta_text_table *t, size_t i, size_t j, double x, int digits);
CMETA_EXPORT void cmeta_text_table_pval(cmeta_text_table *t, size_t i, size_t j, double p, int digits);
CMETA_EXPORT void cmeta_text_table_str(cmeta_text_table *t, size_t i, size_t j, const char *s);

/* ---- a study's confidence interval --------------------------------------------------------- */

/* The normal quantile of a two-sided `level` (percent) interval: z = Phi^-1(1 - alpha/2),
 * alpha = 1 - level/100, computed as the upper-tail quantile of alpha/2 (metafor's
 * qnorm(alpha/2, lower.tail = FALSE)). */
CMETA_EXPORT double cmeta_study_zcrit(double level);
/* yi -/+ z sqrt(vi), z = cmeta_study_zcrit(level): the Wald interval metafor's forest() and
 * summary(escalc()) show for each study. The one place the program, the writers and the plots
 * compute it. NaN bounds when vi is negative or not finite. */
CMETA_EXPORT void cmeta_study_ci(double yi, double vi, double level, double *lb, double *ub);

/* ---- --model auto ---------------------------------------------------------------------------- */

/* The model a run uses. With automatic = 0 it is the options as given. With automatic = 1 the
 * fixed-effect model (FE, or MH/Peto without random effects) is fitted first and its
 * heterogeneity test decides: fixed effect when Q_pval >= het_p, random effects otherwise (the
 * method asked for when it is a random-effects one, else REML; for MH/Peto the DerSimonian-Laird
 * random-effects variant, as RevMan 5). `reason` says which and why, on one line. */
typedef struct {
    cmeta_fit_opts opts;     /* the options to fit with */
    int automatic;           /* chosen by the heterogeneity test */
    int is_random;           /* random-effects model */
    double Q, Q_pval;        /* the fixed-effect model's test (NAN unless automatic) */
    double het_p;
    char reason[256];
} cmeta_model_choice;
CMETA_EXPORT cmeta_status cmeta_choose_model(const cmeta_studies *s, const cmeta_fit_opts *opts,
                                             int automatic, double het_p, cmeta_model_choice *out,
                                             cmeta_error *err) CMETA_RESULT_USED;

/* ---- writers ------------------------------------------------------------------------------- */

/* Harmonic mean of d->ni (the n of the inverse Freeman-Tukey back-transformation), NAN if none. */
CMETA_EXPORT double cmeta_harmonic_n(const cmeta_data *d);
/* "exp", "inverse logit", ... : the back-transformation's name as the output prints it. */
CMETA_EXPORT const char *cmeta_transform_label(cmeta_transform_kind k);

/* pool: the model f fitted on the studies of d with options fo (metafor's print.rma.uni plus
 * predict() and the per-study table; JSON with the keys of the pool command; CSV with the
 * forest plot's rows). mc: the --model auto choice (NULL or not automatic: not shown). */
CMETA_EXPORT cmeta_status cmeta_report_pool(FILE *fp, cmeta_report_format fmt, const cmeta_data *d,
                                            const cmeta_fit *f, const cmeta_fit_opts *fo,
                                            const cmeta_model_choice *mc,
                                            const cmeta_warnings *w) CMETA_RESULT_USED;
/* pool --subgroup: g fitted on the studies of d, study i in subgroup grp[i] named lev[grp[i]];
 * column: the subgroup column's name. */
CMETA_EXPORT cmeta_status cmeta_report_subgroups(FILE *fp, cmeta_report_format fmt, const cmeta_data *d,
                                                 const size_t *grp, const char *const *lev,
                                                 const char *column, const cmeta_subgroups *g,
                                                 const cmeta_fit_opts *fo, const cmeta_model_choice *mc,
                                                 const cmeta_warnings *w) CMETA_RESULT_USED;

/* loo / cumul: n derived fits rows[i] labelled labels[i]; listkey "leave1out" or "cumulative",
 * labkey "omitted" or "added"; order: the --order column (cumul) or NULL. */
typedef struct {
    const char *listkey, *labkey, *order;
    const cmeta_data *d;
    const cmeta_fit_opts *fo;
    const cmeta_model_choice *mc;
} cmeta_report_derived_info;
CMETA_EXPORT cmeta_status cmeta_report_derived(FILE *fp, cmeta_report_format fmt,
                                               const cmeta_report_derived_info *info,
                                               const char *const *labels, const cmeta_summary *rows,
                                               size_t n, const cmeta_warnings *w) CMETA_RESULT_USED;

/* regress: f fitted on the rows of des (coefficient names des->names); text as metafor's
 * print.rma.uni for a model with moderators. */
CMETA_EXPORT cmeta_status cmeta_report_regress(FILE *fp, cmeta_report_format fmt, const cmeta_fit *f,
                                               const cmeta_design *des, const cmeta_data *d,
                                               const cmeta_warnings *w) CMETA_RESULT_USED;
/* influence: labels[i] for study i of inf, coefnames[j] for its p coefficients. */
CMETA_EXPORT cmeta_status cmeta_report_influence(FILE *fp, cmeta_report_format fmt,
                                                 const cmeta_influence *inf, const char *const *labels,
                                                 const char *const *coefnames, const cmeta_fit_opts *fo,
                                                 const cmeta_warnings *w) CMETA_RESULT_USED;
/* bias: the four small-study analyses of the studies of d (trim and fill labels from d). */
typedef struct {
    cmeta_regtest_result eg;
    cmeta_ranktest_result rk;
    cmeta_trimfill_result *tf;
    cmeta_failsafe_result fs;
} cmeta_bias_report;
CMETA_EXPORT cmeta_status cmeta_report_bias(FILE *fp, cmeta_report_format fmt, const cmeta_bias_report *r,
                                            const cmeta_data *d, double level,
                                            const cmeta_warnings *w) CMETA_RESULT_USED;

/* What a resampling run was: studies, method, seed (printed so the run can be repeated). */
typedef struct {
    size_t k;
    cmeta_method method;
    unsigned long seed;
} cmeta_report_run;
/* boot: percentile and (nonparametric) BCa intervals of the estimate, tau^2 and I^2. */
CMETA_EXPORT cmeta_status cmeta_report_boot(FILE *fp, cmeta_report_format fmt, const cmeta_boot_result *r,
                                            const cmeta_report_run *run,
                                            const cmeta_warnings *w) CMETA_RESULT_USED;
/* permtest: names[j] for coefficient j; moderators: 1 when rows were permuted (else signs flipped). */
CMETA_EXPORT cmeta_status cmeta_report_permtest(FILE *fp, cmeta_report_format fmt,
                                                const cmeta_permtest_result *r, const char *const *names,
                                                int moderators, const cmeta_report_run *run,
                                                const cmeta_warnings *w) CMETA_RESULT_USED;
/* gosh: the CSV rows (header, then rows as cmeta_gosh hands them over) and the summary (text or
 * JSON; CMETA_EUSAGE for CSV, whose content is the rows). output, plot: the files written (NULL
 * if none). */
CMETA_EXPORT void cmeta_report_gosh_header(FILE *fp);
CMETA_EXPORT void cmeta_report_gosh_rows(FILE *fp, const cmeta_gosh_row *r, size_t n);
/* The same rows as text in buf (room for n * CMETA_REPORT_GOSH_ROW_MAX bytes; no NUL added):
 * the bytes written. Touches nothing else, so threads may format blocks at once (the prep of
 * cmeta_gosh_stream). */
#define CMETA_REPORT_GOSH_ROW_MAX 256
CMETA_EXPORT size_t cmeta_report_gosh_rows_text(char *buf, const cmeta_gosh_row *r, size_t n);
CMETA_EXPORT cmeta_status cmeta_report_gosh(FILE *fp, cmeta_report_format fmt, const cmeta_gosh_summary *sum,
                                            const cmeta_report_run *run, const char *output,
                                            const char *plot, const cmeta_warnings *w) CMETA_RESULT_USED;
/* escalc: every column of t as read, then yi and vi of each row (empty for rows left out; a
 * column already named yi or vi is filled in place). CSV only. */
CMETA_EXPORT cmeta_status cmeta_report_escalc(FILE *fp, const cmeta_table *t,
                                              const cmeta_data *d) CMETA_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
