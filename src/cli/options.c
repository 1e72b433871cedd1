/* options.c - the commands and options of cmeta, and everything generated from them: the
 * parser, `cmeta --help`, `cmeta COMMAND --help`, the man page, the bash completion, the
 * README's option reference and the listing the option tests run from (options.h).
 *
 * HOW TO ADD A COMMAND
 *   1. a bit in options.h:            CMD_BAYES = 1u << 13,
 *   2. one row in cli_commands below: {"bayes", CMD_BAYES, cmeta_cmd_bayes, "FILE [options]", "...", "..."},
 *      and its cmeta_cmd_bayes in cli.h and src/cli/cmd_bayes.c (which starts with cli_start);
 *   3. CMD_BAYES in the command sets (ALL_CMDS, FITS, ...) or option rows that it takes.
 * HOW TO ADD AN OPTION
 *   one row in cli_options below (kind, value words or range, default, example, commands, group,
 *   what it needs, help) with a set function that stores the value (most are one line), and its
 *   field in cli_opts (cli.h). E.g.
 *     {"--hakn-ci", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, CMD_BAYES | CMD_POOL, "model",
 *      NULL, NULL, NULL, set_hakn_ci, "..."},
 *   The group is free text: a new one is listed after the others. A new word of an existing
 *   option (--test knha-adhoc, --preset revmanweb) is a word added to its row's `words` (words
 *   after '|' are accepted but not shown) and, where the library does not convert it, to its set
 *   function. Ranges, defaults and needs are said once, in the row: help, messages and tests
 *   take them from there.
 * Everything else (parser, help, man page, completion, README table, tests/cli/t_options.sh)
 * follows from the tables. A command refuses every option whose row does not name it. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"

/* ---- commands ---------------------------------------------------------------------------- */

const cli_command cli_commands[] = {
    {"escalc", CMD_ESCALC, cmeta_cmd_escalc, "FILE --measure M [options]",
     "effect sizes per study (CSV with yi, vi)",
     "Effect sizes and sampling variances per study (as R metafor's escalc). Writes CSV:\n"
     "every input column, then yi and vi. FILE - reads standard input.\n"
     "\n"
     "Input columns (case-insensitive; aliases in brackets):\n"
     "  study label     study [label author trial studlab]\n"
     "  two groups      m1i sd1i n1i m2i sd2i n2i [mean1 sd1 n1 mean2 sd2 n2;\n"
     "                  mean.e sd.e n.e mean.c sd.c n.c]\n"
     "  2x2 tables      ai bi ci di, or ai n1i ci n2i [event.e n.e event.c n.c; events1 n1 events2 n2]\n"
     "  pre/post        m1i sd1i (follow-up) m2i sd2i (baseline) ni ri\n"
     "  proportions     xi ni [events n]\n"
     "  correlations    ri ni\n"
     "  precomputed     yi with vi or sei [TE seTE]\n"
     "Empty or NA cells leave the study out with a warning. Group 1 is the treatment group.\n"},
    {"pool", CMD_POOL, cmeta_cmd_pool, "FILE [options]",
     "fixed/random-effects meta-analysis (--subgroup COL)",
     "Fixed- or random-effects meta-analysis of the studies in FILE (CSV; - reads standard\n"
     "input); with --subgroup, one fit per subgroup and the test for subgroup differences.\n"},
    {"loo", CMD_LOO, cmeta_cmd_loo, "FILE [options]", "leave-one-out analysis",
     "Leave-one-out analysis: the model refitted without each study in turn (metafor leave1out).\n"},
    {"cumul", CMD_CUMUL, cmeta_cmd_cumul, "FILE [--order COL] [options]",
     "cumulative meta-analysis (--order COL)",
     "Cumulative meta-analysis: fit j uses the first j studies (metafor cumul).\n"},
    {"regress", CMD_REGRESS, cmeta_cmd_regress, "FILE --mods A,B [options]",
     "mixed-effects meta-regression (--mods A,B)",
     "Mixed-effects meta-regression of the effect sizes on the moderator columns A, B, ...\n"
     "(numeric columns as they are; text columns as factors, first level the reference).\n"},
    {"influence", CMD_INFLUENCE, cmeta_cmd_influence, "FILE [options]", "case diagnostics",
     "Case diagnostics of the random-effects model (or meta-regression with --mods):\n"
     "externally studentized residuals, DFFITS, Cook's distance, covariance ratio, tau^2 and QE\n"
     "with each study left out, hat values, weights, DFBETAS, and the 'influential' flag by\n"
     "metafor's rule.\n"},
    {"bias", CMD_BIAS, cmeta_cmd_bias, "FILE [options]",
     "small-study effects: Egger, Begg, trim and fill, fail-safe N",
     "Small-study effects: Egger's regression test, Begg & Mazumdar's rank correlation, trim and\n"
     "fill (L0 estimator; the side chosen as metafor; --method is its model), fail-safe N\n"
     "(Rosenthal, Orwin). Needs at least 3 studies; warns below 10.\n"},
    {"forest", CMD_FOREST, cmeta_cmd_forest, "FILE -o F.svg|F.png|F.pdf [options]",
     "forest plot (-o F.svg|.png|.pdf)",
     "Forest plot: studies, weights, summary diamond, prediction interval, heterogeneity.\n"},
    {"funnel", CMD_FUNNEL, cmeta_cmd_funnel, "FILE -o F.svg|F.png|F.pdf [options]",
     "funnel plot (-o F.svg|.png|.pdf)",
     "Funnel plot: estimates against standard errors, pseudo confidence region, summary line.\n"},
    {"plot", CMD_PLOT, cmeta_cmd_plot, "baujat|radial|qq|labbe|drapery|rob-summary FILE -o F.svg|F.png|F.pdf|F.csv [options]",
     "Baujat, radial (Galbraith), normal Q-Q, L'Abbe, drapery or risk-of-bias summary plot",
     "Diagnostic plots of the pooled model, as R metafor's baujat, radial and qqnorm draw them:\n"
     "  baujat  each study's contribution to Q, (yi - mu)^2 / (vi + tau^2), against its\n"
     "          influence on the estimate, (mu(-i) - mu)^2 / Var(mu(-i)), each point labelled with the study's number (1..k)\n"
     "  radial  zi = yi / sqrt(vi + tau^2) against xi = 1 / sqrt(vi + tau^2), the line\n"
     "          z = mu x and the band mu x +- z(1 - alpha/2)\n"
     "  qq      standardized residuals against normal quantiles, with the line y = x and\n"
     "          metafor's simulated pseudo confidence envelope (--reps N, default 1000; --seed S,\n"
     "          default 1; --no-envelope); not smoothed (metafor smooths it with supsmu)\n"
     "  labbe   2x2 data (RR, OR, RD, AS): each study's treatment-arm event rate against its\n"
     "          control-arm rate on the measure's scale (log, logit, raw, arcsine), sized by\n"
     "          weight, with the lines y = x and y = x + estimate\n"
     "  drapery p-value functions (Ruecker & Schwarzer 2021; meta's drapery, p-value scale):\n"
     "          2 (1 - Phi(|yi - theta| / sei)) per study, the pooled estimate's by the fit's\n"
     "          test (z or t), the prediction region (random effects), the line p = 1 - level\n"
     "-o F.csv writes the plotted quantities instead of the picture (study, x, y; radial\n"
     "also the line and band at each x; labbe the point size and the line at each x; drapery one\n"
     "row per theta: the p-value of every study, the pooled and the prediction curve).\n"
     "  rob-summary  the input's risk-of-bias columns rob_D1..rob_Dn, rob_overall as one bar per\n"
     "          domain split into the shares of the pooled model's study weights judged low, some\n"
     "          concerns, high, (critical,) unclear (robvis rob_summary(weighted = TRUE)); -o F.csv\n"
     "          writes domain, judgement, percent; --rob-tool names the domains\n"},
    {"report", CMD_REPORT, cmeta_cmd_report, "FILE -o F.html [options]",
     "one self-contained HTML report of the whole analysis (-o F.html)",
     "One HTML file (no script, no network: CSS and the plots inline, text as text) with the data as\n"
     "read and the rows left out with the reason, the effect sizes, the model and heterogeneity, the\n"
     "forest plot (by subgroup with --subgroup), the funnel plot with Egger's test, the rank\n"
     "correlation test, trim and fill and fail-safe N, leave-one-out and influence tables, a methods\n"
     "paragraph naming every convention with references, and a reproducibility record (cmeta version,\n"
     "command line, the input's SHA-256, date in UTC; SOURCE_DATE_EPOCH fixes the date). Each number\n"
     "is the one `cmeta pool`, `loo`, `influence` or `bias` prints with --format json (data-v and\n"
     "data-path attributes give the value and its JSON path). --subgroup applies to the model and the\n"
     "forest plot; the other analyses use every study.\n"},
    {"boot", CMD_BOOT, cmeta_cmd_boot, "FILE [--iter B] [--seed S] [options]",
     "bootstrap confidence intervals (--iter B --seed S)",
     "Bootstrap intervals for the pooled estimate, tau^2 and I^2. Nonparametric: studies\n"
     "resampled with replacement (percentile and BCa intervals); parametric:\n"
     "yi* ~ N(estimate, vi + tau^2) (percentile intervals).\n"},
    {"permtest", CMD_PERMTEST, cmeta_cmd_permtest, "FILE [--mods A,B] [--iter B] [--seed S] [options]",
     "permutation tests (--iter B --seed S)",
     "Permutation tests (metafor permutest). Without moderators the signs of the effects are\n"
     "flipped (exact over all 2^k when --iter >= 2^k); with moderators the rows of the design\n"
     "are permuted (exact when the distinct permutations number <= --iter).\n"},
    {"bayes", CMD_BAYES, cmeta_cmd_bayes, "FILE --tau-prior PRIOR [--mu-prior PRIOR] [--plot F.svg] [options]",
     "Bayesian random effects by numerical integration (--tau-prior P)",
     "Bayesian random-effects meta-analysis (normal-normal model) by numerical integration over\n"
     "tau (the direct algorithm of Roever 2020, J Stat Softw 93(6), as R bayesmeta): posterior of\n"
     "mu, tau and the prediction, shrinkage per study, marginal likelihood, Bayes factors.\n"
     "--tau-prior is required (a prior on tau depends on the scale of the effect measure):\n"
     "  halfnormal:S | halfcauchy:S | halft:S:DF | lognormal:M:S (log tau ~ N(M, S^2)) |\n"
     "  uniform:A:B | jeffreys | turner:OUTCOME:COMPARISON | rhodes:OUTCOME:COMPARISON\n"
     "turner keys: any | all-cause-mortality obstetric cause-specific-mortality resource-use\n"
     "  surgical withdrawals internal general-health adverse-events infection signs-symptoms\n"
     "  pain quality-of-life mental-health biomarkers subjective; comparisons pharm-placebo\n"
     "  pharm-pharm nonpharm-placebo nonpharm-pharm nonpharm-nonpharm (Turner 2015, log OR)\n"
     "rhodes keys: any | obstetric resource-use internal general-health signs-symptoms\n"
     "  mental-health biomarkers subjective; comparisons pharm-placebo pharm-pharm nonpharm\n"
     "  (Rhodes 2015, SMD)\n"},
    {"gosh", CMD_GOSH, cmeta_cmd_gosh, "FILE [--subsets N] [--seed S] [-o F.csv] [--plot F.svg] [options]",
     "GOSH: every subset (or --subsets N random ones)",
     "Refits the model on all 2^k - 1 subsets of the studies (k <= 30 by default: exact when\n"
     "2^k - 1 <= 10^6 or <= --subsets N), or on N random subsets (as metafor's gosh).\n"
     "Rows (mask, k, estimate, Q, I2, H2, tau2; bit j-1 of mask = study j) go to -o F.csv,\n"
     "or to standard output with --format csv. Methods FE, DL (O(1) per subset), ML, REML, PM, EB.\n"},
    {"batch", CMD_BATCH, cmeta_cmd_batch, "FILE... | DIR --out DIR [options]",
     "the same analysis over many trial CSVs (--out DIR)",
     "Runs `cmeta pool` with the same options on every FILE (and every *.csv in each DIR) and\n"
     "writes into the --out directory:\n"
     "  summary.csv     one row per input file: file,k,estimate,ci_lb,ci_ub,tau2,I2,Q_pval,status,error\n"
     "                  (estimate on the analysis scale, as the JSON's `estimate`)\n"
     "  NAME.json       the result of `cmeta pool NAME.csv --format json` for each file that succeeded\n"
     "  NAME.svg        its forest plot, with --plots\n"
     "A file that fails is reported in its row (status failed, error) and the run goes on; a\n"
     "*.csv entry not analysed (hidden, a directory, a link loop, unreadable, OUT itself) is a row\n"
     "with status skipped and the reason. A run locks OUT, writes into OUT/.cmeta-staging.PID and\n"
     "commits (summary last): OUT holds the previous complete results or the new ones.\n"
     "Exit status: 0 all files ok; 2 some file failed; 1 usage error; 4 output not writable or\n"
     "OUT in use by another run; 130 interrupted (nothing committed).\n"},
    {"mv", CMD_MV, cmeta_cmd_mv, "FILE --random A/B [options]",
     "multilevel and multivariate models (--random A/B)",
     "Multilevel and multivariate meta-analysis (R metafor's rma.mv): random intercepts per level of\n"
     "the --random factors (A/B nested: one component per level of nesting, as ~ 1 | A/B; several\n"
     "--random: crossed), known sampling covariances (--rho R --cluster COL, or --V FILE), REML or ML.\n"},
};
const size_t cli_ncommands = sizeof cli_commands / sizeof *cli_commands;

/* Sets of commands, by what they do. */
#define ALL_CMDS  (CMD_ESCALC | CMD_POOL | CMD_LOO | CMD_CUMUL | CMD_REGRESS | CMD_INFLUENCE | CMD_BIAS | \
                   CMD_FOREST | CMD_FUNNEL | CMD_BOOT | CMD_PERMTEST | CMD_GOSH | CMD_BATCH | CMD_BAYES | CMD_MV | \
                   CMD_PLOT | CMD_REPORT)
#define FITS      (ALL_CMDS & ~(CMD_ESCALC | CMD_BAYES))        /* fit a model by the frequentist estimators */
#define POOLING   (CMD_POOL | CMD_LOO | CMD_CUMUL | CMD_FOREST | CMD_FUNNEL | CMD_BATCH | CMD_PLOT | CMD_REPORT) /* pool's fit */
#define WITH_CI   (POOLING | CMD_REGRESS | CMD_BIAS | CMD_BOOT | CMD_BAYES | CMD_MV)   /* print confidence intervals */
#define WITH_TEST (CMD_REPORT | CMD_PLOT | CMD_POOL | CMD_LOO | CMD_CUMUL | CMD_FOREST | CMD_BATCH | CMD_REGRESS | CMD_INFLUENCE | \
                   CMD_BIAS | CMD_MV)
#define MODS      (CMD_REGRESS | CMD_INFLUENCE | CMD_PERMTEST | CMD_MV)   /* moderators */
#define PRESETS   (CMD_ESCALC | POOLING)                         /* what RevMan 5 does too */
#define SEEDED    (CMD_BOOT | CMD_PERMTEST | CMD_GOSH)
#define TABULAR   (ALL_CMDS & ~(CMD_FOREST | CMD_FUNNEL | CMD_BATCH | CMD_PLOT | CMD_REPORT)) /* --format */

/* ---- set functions: the checked value into cli_opts ------------------------------------- */

static int eq(const char *a, const char *b) { return strcmp(a, b) == 0; }

int cli_opt_fail(const cli_opts *o, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "cmeta %s: ", o->command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

static int set_output(cli_opts *o, const char *v, double x) { (void)x; o->output = v; return 0; }
static int set_format(cli_opts *o, const char *v, double x)
{
    (void)x;
    o->format = !strcasecmp(v, "json") ? CLI_FMT_JSON : !strcasecmp(v, "csv") ? CLI_FMT_CSV : CLI_FMT_TEXT;
    return 0;
}
/* The words of the library's enums are checked against the table by the parser; a word the
 * library does not know is a table error, reported as such. */
#define LIB_SET(fn, name, expr)                                                          \
    static int fn(cli_opts *o, const char *v, double x)                                  \
    {                                                                                    \
        (void)x;                                                                         \
        if ((expr) != CMETA_OK) return cli_opt_fail(o, "%s: '%s' is not known to the library", name, v); \
        return 0;                                                                        \
    }
LIB_SET(set_measure_lib, "--measure", cmeta_measure_from_name(v, &o->data.measure))
LIB_SET(set_method_lib, "--method", cmeta_method_from_name(v, &o->fit.method))
LIB_SET(set_test_lib, "--test", cmeta_test_from_name(v, &o->fit.test))
LIB_SET(set_to_lib, "--to", cmeta_to_from_name(v, &o->data.escalc.to))
LIB_SET(set_vtype_lib, "--vtype", cmeta_vtype_from_name(v, &o->data.escalc.vtype))
LIB_SET(set_smcr_lib, "--smcr-sd", cmeta_smcr_sd_from_name(v, &o->data.smcr_sd))
static int set_measure(cli_opts *o, const char *v, double x)
{
    o->data.measure_set = 1;
    if (!strcasecmp(v, "HR")) { /* hazard ratios: log ratios as GEN, back-transformed (issue 16) */
        o->data.measure = CMETA_GEN;
        o->data.ratio = 1;
        o->data.ratio_name = "HR";
        return 0;
    }
    return set_measure_lib(o, v, x);
}
static int set_method(cli_opts *o, const char *v, double x) { o->method_set = 1; return set_method_lib(o, v, x); }
static int set_test(cli_opts *o, const char *v, double x) { o->test_set = 1; return set_test_lib(o, v, x); }
static int set_to(cli_opts *o, const char *v, double x) { o->to_set = 1; return set_to_lib(o, v, x); }
static int set_vtype(cli_opts *o, const char *v, double x) { o->vtype_set = 1; return set_vtype_lib(o, v, x); }
static int set_smcr_sd(cli_opts *o, const char *v, double x) { o->smcr_sd_set = 1; return set_smcr_lib(o, v, x); }
static int set_level(cli_opts *o, const char *v, double x) { (void)v; o->fit.level = x; o->level_set = 1; return 0; }
static int set_add(cli_opts *o, const char *v, double x)
{
    (void)v;
    o->data.escalc.add = x;
    o->data.escalc.add_explicit = 1;
    o->add_set = 1;
    return 0;
}
static int set_drop00(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->data.escalc.drop00 = 1; return 0; }
LIB_SET(set_fivenum, "--fivenum", cmeta_fivenum_from_name(v, &o->data.fivenum))
static int set_ratio(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->data.ratio = 1; return 0; }
static int set_combine(cli_opts *o, const char *v, double x) { (void)x; o->data.combine = v; return 0; }
static int set_ri(cli_opts *o, const char *v, double x) { (void)v; o->data.ri = x; o->data.ri_set = 1; return 0; }
static int set_ri_sweep(cli_opts *o, const char *v, double x)
{
    (void)x;
    double *g;
    size_t n;
    char msg[256];
    int rc = cli_ri_grid_parse(v, &g, &n, msg, sizeof msg); /* checked here, parsed again by the run */
    if (rc) return cli_opt_fail(o, "%s", msg);
    free(g);
    o->ri_sweep = v;
    return 0;
}
static int set_preset(cli_opts *o, const char *v, double x)
{
    (void)x;
    o->preset_revman5 = !strcasecmp(v, "revman5");
    o->preset_revmanweb = !strcasecmp(v, "revmanweb");
    return 0;
}
static int set_model(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->model_auto = 1; return 0; }
static int set_het_p(cli_opts *o, const char *v, double x) { (void)v; o->het_p = x; return 0; }
static int set_tol(cli_opts *o, const char *v, double x) { (void)v; o->fit.tol = x; return 0; }
static int set_maxiter(cli_opts *o, const char *v, double x) { (void)v; o->fit.maxiter = (int)x; return 0; }
static int set_seed(cli_opts *o, const char *v, double x)
{
    (void)x;
    o->seed = strtoul(v, NULL, 10); /* checked by the parser (OPT_SEED) */
    o->seed_set = 1;
    return 0;
}
/* --col NAME=COLUMN,...: the form, each name once, each column once (the columns themselves
 * are checked against the file's header by cli_load) */
static int set_col(cli_opts *o, const char *v, double x)
{
    (void)x;
    const char *p = v;
    while (*p) {
        size_t n = strcspn(p, ","), eq = strcspn(p, "=");
        if (eq == 0 || eq + 1 >= n)
            return cli_opt_fail(o, "--col: '%.*s' is not NAME=COLUMN (e.g. --col m1i=MSC_mean,n1i=MSC_n)", (int)n, p);
        for (const char *q = v; q < p;) {
            size_t qn = strcspn(q, ","), qe = strcspn(q, "=");
            int same_name = qe == eq && !strncasecmp(q, p, eq);
            int same_col = qn - qe == n - eq && !strncasecmp(q + qe, p + eq, n - eq);
            if (same_name && same_col) { /* the same mapping again */
                q += qn + (q[qn] == ',');
                continue;
            }
            if (same_name)
                return cli_opt_fail(o, "--col maps %.*s twice ('%.*s' and '%.*s')", (int)eq, p, (int)(qn - qe - 1),
                                    q + qe + 1, (int)(n - eq - 1), p + eq + 1);
            if (same_col)
                return cli_opt_fail(o, "--col maps %.*s and %.*s to one column '%.*s' (a column gives one value)",
                                    (int)qe, q, (int)eq, p, (int)(n - eq - 1), p + eq + 1);
            q += qn + (q[qn] == ',');
        }
        p += n + (p[n] == ',');
    }
    o->col = v;
    return 0;
}
static int sep_decimal_clash(cli_opts *o)
{
    if (o->sep == ',' && o->decimal == ',')
        return cli_opt_fail(o, "--decimal , needs a separator other than a comma (--sep ; or --sep tab)");
    return 0;
}
static int set_sep(cli_opts *o, const char *v, double x)
{
    (void)x;
    if (!strcasecmp(v, "auto")) o->sep = 0;
    else if (!strcmp(v, ",") || !strcasecmp(v, "comma")) o->sep = ',';
    else if (!strcmp(v, ";") || !strcasecmp(v, "semicolon")) o->sep = ';';
    else if (!strcasecmp(v, "tab") || !strcmp(v, "\t") || !strcmp(v, "\\t")) o->sep = '\t';
    else return cli_opt_fail(o, "--sep: '%s' is not one of auto , ; tab", v);
    return sep_decimal_clash(o);
}
static int set_decimal(cli_opts *o, const char *v, double x)
{
    (void)x;
    if (!strcmp(v, ".") || !strcasecmp(v, "point")) o->decimal = 0;
    else if (!strcmp(v, ",") || !strcasecmp(v, "comma")) o->decimal = ',';
    else return cli_opt_fail(o, "--decimal: '%s' is not one of . ,", v);
    return sep_decimal_clash(o);
}
static int set_subgroup(cli_opts *o, const char *v, double x) { (void)x; o->subgroup = v; return 0; }
static int set_tau_common(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->tau_common = 1; return 0; }
static int set_mods(cli_opts *o, const char *v, double x) { (void)x; o->mods = v; return 0; }
static int set_no_intercept(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->no_intercept = 1; return 0; }
static int set_order(cli_opts *o, const char *v, double x) { (void)x; o->order = v; return 0; }
static int set_robust(cli_opts *o, const char *v, double x) { (void)x; o->robust = v; return 0; }
static int set_robust_type(cli_opts *o, const char *v, double x)
{
    (void)x;
    o->robust_cr1 = !strcasecmp(v, "CR1");
    return 0;
}
static int set_random(cli_opts *o, const char *v, double x)
{
    (void)x;
    if (!*v) return cli_opt_fail(o, "--random needs a factor column (A, or nested A/B)");
    if (o->nrandom >= sizeof o->random / sizeof *o->random)
        return cli_opt_fail(o, "--random is given more than %zu times", sizeof o->random / sizeof *o->random);
    o->random[o->nrandom++] = v;
    return 0;
}
static int set_no_ci(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->no_ci = 1; return 0; }
static int set_struct(cli_opts *o, const char *v, double x) { (void)x; o->structure = v; return 0; }
static int set_time(cli_opts *o, const char *v, double x) { (void)x; o->time_col = v; return 0; }
static int set_cmp_random(cli_opts *o, const char *v, double x)
{
    (void)x;
    if (!*v) return cli_opt_fail(o, "--compare-random needs a factor column (A, or nested A/B)");
    if (o->ncmp_random >= sizeof o->cmp_random / sizeof *o->cmp_random)
        return cli_opt_fail(o, "--compare-random is given more than %zu times",
                            sizeof o->cmp_random / sizeof *o->cmp_random);
    o->cmp_random[o->ncmp_random++] = v;
    return 0;
}
static int set_cmp_mods(cli_opts *o, const char *v, double x) { (void)x; o->cmp_mods = v; return 0; }
static int set_rho(cli_opts *o, const char *v, double x) { (void)v; o->rho = x; return 0; }
static int set_cluster(cli_opts *o, const char *v, double x) { (void)x; o->cluster = v; return 0; }
static int set_vfile(cli_opts *o, const char *v, double x)
{
    (void)x;
    if (!*v) return cli_opt_fail(o, "--V needs a file name");
    o->vfile = v;
    return 0;
}
static int set_layout(cli_opts *o, const char *v, double x)
{
    (void)x;
    o->layout = !strcasecmp(v, "revman5") ? "revman5" : "metafor";
    return 0;
}
static int set_trimfill(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->trimfill = 1; return 0; }
static int set_contours(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->contours = 1; return 0; }
static int set_iter(cli_opts *o, const char *v, double x) { (void)v; o->iter = (long)x; return 0; }
static int set_type(cli_opts *o, const char *v, double x)
{
    (void)x;
    o->type = !strcasecmp(v, "parametric") ? "parametric" : "nonparametric";
    return 0;
}
static int set_subsets(cli_opts *o, const char *v, double x) { (void)v; o->subsets = (long)x; return 0; }
static int set_plot(cli_opts *o, const char *v, double x) { (void)x; o->plot = v; return 0; }
/* issue 19: the priors are checked here by the library's parsers (include/cmeta/bayes.h) */
static int set_tau_prior(cli_opts *o, const char *v, double x)
{
    (void)x;
    cmeta_tau_prior tp;
    cmeta_error err;
    cmeta_error_clear(&err);
    if (cmeta_tau_prior_parse(v, &tp, &err) != CMETA_OK) return cli_opt_fail(o, "%s", err.message); /* names the option */
    o->tau_prior = v;
    return 0;
}
static int set_mu_prior(cli_opts *o, const char *v, double x)
{
    (void)x;
    cmeta_mu_prior mp;
    cmeta_error err;
    cmeta_error_clear(&err);
    if (cmeta_mu_prior_parse(v, &mp, &err) != CMETA_OK) return cli_opt_fail(o, "%s", err.message);
    o->mu_prior = v;
    return 0;
}
static int set_bayes(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->forest_bayes = 1; return 0; }
LIB_SET(set_hakn_ci_lib, "--hakn-ci", cmeta_hakn_ci_from_name(v, &o->fit.hakn_ci))
static int set_hakn_ci(cli_opts *o, const char *v, double x) { o->hakn_ci_set = 1; return set_hakn_ci_lib(o, v, x); }
static int set_out(cli_opts *o, const char *v, double x) { (void)x; o->outdir = v; return 0; }
static int set_jobs(cli_opts *o, const char *v, double x) { (void)v; o->jobs = (long)x; return 0; }
static int set_threads(cli_opts *o, const char *v, double x) { (void)v; o->threads = (int)x; return 0; }
static int set_plots(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->plots = 1; return 0; }
static int set_report(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->report = 1; return 0; }
static int set_durable(cli_opts *o, const char *v, double x) { (void)x; o->durable = v; return 0; }
static int set_shard(cli_opts *o, const char *v, double x)
{
    (void)x;
    long si, sn;
    char tail;
    if (sscanf(v, "%ld/%ld%c", &si, &sn, &tail) != 2 || sn < 1 || si < 1 || si > sn)
        return cli_opt_fail(o, "--shard: '%s' is not I/N with 1 <= I <= N", v);
    o->shard_i = si;
    o->shard_n = sn;
    return 0;
}

/* issue 17: figure controls. Numbers are read as the input's cells are (cmeta_parse_double:
 * '.' decimals whatever the locale). */
static int set_title(cli_opts *o, const char *v, double x) { (void)x; o->plot_title = v; return 0; }
static int set_xlab(cli_opts *o, const char *v, double x) { (void)x; o->xlab = v; return 0; }
static int set_sort(cli_opts *o, const char *v, double x)
{
    (void)x;
    if (!*v) return cli_opt_fail(o, "--sort: give estimate, weight or a column name");
    o->sort = v;
    return 0;
}
static int set_annotate(cli_opts *o, const char *v, double x) { (void)x; o->annotate = v; return 0; }
/* "LEFT,RIGHT": two texts split at the one comma */
static int split_pair(cli_opts *o, const char *name, const char *v, char *buf, size_t n, const char *out[2])
{
    const char *c = strchr(v, ',');
    if (!c || strchr(c + 1, ','))
        return cli_opt_fail(o, "%s: '%s' is not two texts separated by one comma (LEFT,RIGHT)", name, v);
    snprintf(buf, n, "%s", v);
    buf[c - v] = '\0';
    out[0] = buf;
    out[1] = buf + (c - v) + 1;
    return 0;
}
static int set_favours(cli_opts *o, const char *v, double x)
{
    (void)x;
    return split_pair(o, "--favours", v, o->fav_buf, sizeof o->fav_buf, o->favours);
}
static int set_group_labels(cli_opts *o, const char *v, double x)
{
    (void)x;
    return split_pair(o, "--group-labels", v, o->grp_buf, sizeof o->grp_buf, o->group_labels);
}
/* numbers separated by commas into x[0..max-1]; their count, or -1 */
static long num_list(const char *v, double *x, size_t max)
{
    size_t n = 0;
    const char *p = v;
    for (;;) {
        size_t m = strcspn(p, ",");
        char cell[64];
        if (m == 0 || m >= sizeof cell || n == max) return -1;
        memcpy(cell, p, m);
        cell[m] = '\0';
        if (cmeta_parse_double(cell, &x[n], NULL) != CMETA_OK) return -1;
        n++;
        if (!p[m]) break;
        p += m + 1;
    }
    return (long)n;
}
static int set_xlim(cli_opts *o, const char *v, double x)
{
    (void)x;
    double a[2];
    if (num_list(v, a, 2) != 2 || !(a[1] > a[0]))
        return cli_opt_fail(o, "--xlim: '%s' is not two increasing numbers A,B", v);
    o->xlim[0] = a[0], o->xlim[1] = a[1];
    return 0;
}
static int set_at(cli_opts *o, const char *v, double x)
{
    (void)x;
    long n = num_list(v, o->at, 64);
    if (n < 1) return cli_opt_fail(o, "--at: '%s' is not a list of up to 64 numbers T1,T2,...", v);
    o->nat = (size_t)n;
    return 0;
}
static int set_digits(cli_opts *o, const char *v, double x) { (void)v; o->digits = (int)x; return 0; }
static int set_dpi(cli_opts *o, const char *v, double x) { (void)v; o->dpi = x; return 0; }
/* WxH with a unit: in, cm, mm, pt or px (pixels at --dpi) */
static int set_size(cli_opts *o, const char *v, double x)
{
    (void)x;
    const char *xp = strpbrk(v, "xX");
    size_t len = strlen(v);
    static const char *const units[] = {"in", "cm", "mm", "pt", "px"};
    const char *unit = NULL;
    for (size_t i = 0; i < 5 && len > 2; i++)
        if (!strcasecmp(v + len - 2, units[i])) unit = units[i];
    char w[64], h[64];
    if (xp && unit && (size_t)(xp - v) < sizeof w && (size_t)(v + len - 2 - xp - 1) < sizeof h) {
        memcpy(w, v, (size_t)(xp - v));
        w[xp - v] = '\0';
        memcpy(h, xp + 1, (size_t)(v + len - 2 - xp - 1));
        h[v + len - 2 - xp - 1] = '\0';
        double a, b;
        if (cmeta_parse_double(w, &a, NULL) == CMETA_OK && cmeta_parse_double(h, &b, NULL) == CMETA_OK && a > 0 &&
            b > 0 && a < 1e5 && b < 1e5) {
            o->size_w = a, o->size_h = b;
            snprintf(o->size_unit, sizeof o->size_unit, "%s", unit);
            return 0;
        }
    }
    return cli_opt_fail(o, "--size: '%s' is not WxH with a unit in, cm, mm, pt or px (e.g. 8x6in, 1600x1200px)", v);
}
static int set_no_overall_test(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->no_overall_test = 1; return 0; }
static int set_forest_loo(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->forest_loo = 1; return 0; }
static int set_forest_cumul(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->forest_cumul = 1; return 0; }
static int set_rob_tool(cli_opts *o, const char *v, double x) { (void)x; o->rob_tool = v; return 0; }
static int set_svg_text(cli_opts *o, const char *v, double x)
{
    (void)x;
    o->svg_outline = !strcasecmp(v, "outline");
    o->svg_text_set = 1;
    return 0;
}
static int set_reps(cli_opts *o, const char *v, double x) { (void)v; o->reps = (long)x; return 0; }
static int set_no_envelope(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->no_envelope = 1; return 0; }
static int set_plot_mod(cli_opts *o, const char *v, double x) { (void)x; o->plot_mod = v; return 0; }
static int set_plot_pi(cli_opts *o, const char *v, double x) { (void)v, (void)x; o->plot_pi = 1; return 0; }

/* ---- options ------------------------------------------------------------------------------
 * One row per option. --help and the man page list a command's options by group, the groups in
 * the order they first appear here, the options in table order. */
#define MEASURES "SMD SMDH SMD1 MD ROM MC SMCC SMCR SMCRH ROMC OR RR RD PETO AS PR PLN PLO PAS PFT COR UCOR ZCOR GEN HR"
#define NONE 0, 0, 0, 0 /* no range */
#define PLOTS (CMD_FOREST | CMD_FUNNEL | CMD_BATCH)   /* issue 17's figure controls */
#define FORESTS (CMD_FOREST | CMD_BATCH)
#define PLOTS_NEED NULL
#define FIGS (PLOTS | CMD_PLOT | CMD_REGRESS) /* the drawing controls: also plot and regress --plot */

const cli_option cli_options[] = {
    /* name, alias, kind, meta, words, lo, hi, lo_open, hi_open, default, example, repeat, commands,
       group, needs, conflicts, why, set, help */
    {"--col", NULL, OPT_LIST, "NAME=COL,...", NULL, NONE, NULL, "m1i=MSC_mean", 1, ALL_CMDS, "input", NULL, NULL,
     NULL, set_col, "read column COL of the file as NAME (a column name cmeta knows, e.g. m1i, study, or a name "
                    "--mods, --subgroup, --order use)"},
    {"--sep", NULL, OPT_TEXT, "S", NULL, NONE, "auto", ";", 0, ALL_CMDS, "input", NULL, NULL, NULL, set_sep,
     "field separator: auto (from the header line, with a warning when not a comma), ',', ';' or tab"},
    {"--decimal", NULL, OPT_TEXT, "D", NULL, NONE, NULL, ",", 0, ALL_CMDS, "input", NULL, NULL, NULL, set_decimal,
     "decimal mark of the numbers: '.' (the default) or ',' (needs a separator other than a comma; numbers "
     "written with a point are then refused)"},
    {"--measure", NULL, OPT_ENUM, "M", MEASURES, NONE, NULL, "RR", 0, ALL_CMDS, "effect sizes", NULL, NULL, NULL,
     set_measure, "effect measure (as metafor's escalc); required unless the file has yi with vi or sei (GEN). HR: "
     "hazard ratios (est with ci_lb/ci_ub, sei or pval as ratios, or yi = log HR with vi or sei), pooled on "
     "the log scale and back-transformed"},
    {"--vtype", NULL, OPT_ENUM, "T", "LS UB HO AV LS2 AVHO", NONE, "LS", "HO", 0, ALL_CMDS, "effect sizes", NULL,
     NULL, NULL, set_vtype, "sampling-variance formula, as metafor's vtype (HO = pooled SD, as Normand 1999)"},
    {"--add", NULL, OPT_NUM, "X", NULL, 0, INFINITY, 0, 0, "0.5", "0.5", 0, ALL_CMDS, "effect sizes", NULL, NULL,
     NULL, set_add, "continuity correction added to 2x2 tables and proportions (as metafor; ignored by measures "
                    "that need none)"},
    {"--to", NULL, OPT_ENUM, "W", "only0 all if0all none", NONE, "only0", "all", 0, ALL_CMDS, "effect sizes", NULL,
     NULL, NULL, set_to, "which studies get the continuity correction"},
    {"--drop00", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, ALL_CMDS, "effect sizes", NULL, NULL, NULL,
     set_drop00, "leave out studies with no events (or only events) in both groups"},
    /* --ri and --smcr-sd need a pre/post measure: --measure (checked by the parser: '?' = when
     * --measure is given), or rows of a measure column (mixed designs: cli_load checks them) */
    {"--ri", NULL, OPT_NUM, "R", NULL, -1, 1, 0, 0, NULL, "0.5", 0, ALL_CMDS, "effect sizes",
     "?--measure=MC,SMCC,SMCR,SMCRH,ROMC", NULL, "the pre/post measures", set_ri,
     "pre-post correlation of the studies without one (no ri column, or an empty cell), for the pre/post "
     "measures (--measure, or the pre/post rows of a measure column)"},
    {"--ri-sweep", NULL, OPT_TEXT, "FROM:TO:STEP", NULL, NONE, NULL, "0:0.9:0.1", 0, CMD_POOL | CMD_FOREST,
     "effect sizes", "?--measure=MC,SMCC,SMCR,SMCRH,ROMC", "--ri", "the pre/post measures", set_ri_sweep,
     "re-pool with each assumed correlation (or a list: 0.2,0.5,0.8) for the studies without ri: a table with "
     "the tipping points (pool; --plot F draws it), or that plot as forest's picture; with a measure column "
     "only its pre/post rows are swept; see README, pre-post correlation"},
    {"--smcr-sd", NULL, OPT_ENUM, "S", "followup baseline | follow-up post pre", NONE, "followup", "baseline", 0,
     ALL_CMDS, "effect sizes", "?--measure=MC,SMCC,SMCR,SMCRH,ROMC", NULL, "the pre/post measures; SMCR and SMCRH use it", set_smcr_sd,
     "SD that standardizes SMCR and SMCRH: followup (sd1i, metafor's escalc on these columns) or baseline "
     "(sd2i, the pre-test SD of Becker 1988 and Morris 2008)"},
    {"--ratio", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, ALL_CMDS, "reported statistics", NULL, NULL, NULL,
     set_ratio, "est, ci_lb and ci_ub are ratios (OR, RR, HR, ROM): their logs are pooled, sei is the SE of "
                "the log, and results are back-transformed (with a log-scale --measure)"},
    {"--fivenum", NULL, OPT_ENUM, "M", "default wan hozo | luo-wan-shi wan2014 hozo2005", NONE, "default", "wan", 0,
     ALL_CMDS, "reported statistics", NULL, NULL, NULL, set_fivenum,
     "medians with quartiles/range (med1i q11i q31i min1i max1i) to means and SDs: default as metafor 4's "
     "conv.fivenum (Luo 2018 means, Wan 2014/Shi 2020 SDs), wan (Wan 2014 at every n), hozo (Hozo 2005 by n)"},
    {"--combine", NULL, OPT_COLUMN, "COL", NULL, NONE, NULL, "trial", 0, ALL_CMDS, "reported statistics", NULL,
     NULL, NULL, set_combine, "rows with the same value of COL are arms of one trial: their group 1 merged "
                              "(Cochrane Handbook Table 6.5.a) into the first row, the control taken once"},
    {"--preset", NULL, OPT_ENUM, "P", "metafor revman5 revmanweb", NONE, "metafor", "revman5", 0, PRESETS, "model", NULL,
     NULL, NULL, set_preset,
     "conventions for reproducing published analyses; revman5: DerSimonian-Laird, RevMan's approximate "
     "Hedges' g, Mantel-Haenszel for 2x2 data, the RevMan forest layout; revmanweb (RevMan Web since 2025, "
     "Cochrane methods page): REML, Knapp-Hartung (HKSJ) for random effects (explicit options win)"},
    {"--method", NULL, OPT_ENUM, "M", "FE EE CE DL HE HS SJ ML REML EB PM MH PETO", NONE, "REML", "DL", 0, FITS,
     "model", NULL, NULL, NULL, set_method,
     "FE (alias EE, CE) for the fixed-effect model, a tau^2 estimator for random effects, MH or PETO for "
     "2x2 data"},
    {"--test", NULL, OPT_ENUM, "T", "z t knha knha-adhoc | hksj adhoc", NONE, "z", "knha", 0, WITH_TEST, "model", NULL,
     NULL, NULL, set_test, "test and confidence intervals of the coefficients: z, t, Knapp-Hartung (knha, alias "
                           "hksj), or Knapp-Hartung with q truncated at 1 (knha-adhoc, alias adhoc; metafor 4 "
                           "test=\"adhoc\")"},
    {"--hakn-ci", NULL, OPT_ENUM, "R", "se ci iqwig6", NONE, NULL, "se", 0, CMD_POOL | CMD_FOREST, "model",
     "--test=knha,hksj", NULL, "the rules modify the Knapp-Hartung interval", set_hakn_ci,
     "the meta package's ad hoc rule for the Knapp-Hartung CI (meta 8.3-0 adhoc.hakn.ci): se (q < 1: the "
     "classic SE), ci (the z CI when it is wider), iqwig6 (DerSimonian-Laird's CI when it is wider); the "
     "output says whether it applied"},
    {"--level", NULL, OPT_LEVEL, "L", NULL, NONE, "95", "95", 0, WITH_CI, "model", NULL, NULL, NULL, set_level,
     "confidence level, as metafor reads it: 0.95 and 95 both mean 95 % (metafor reads a value below 0.5 as alpha: refused as ambiguous)"},
    {"--model", NULL, OPT_ENUM, "auto", "auto", NONE, NULL, "auto", 0, POOLING, "model", NULL, NULL, NULL,
     set_model, "fixed effect when the heterogeneity test's p >= --het-p, else random effects; the output says "
                "which and why"},
    {"--het-p", NULL, OPT_NUM, "P", NULL, 0, 1, 1, 1, "0.10", "0.1", 0, POOLING, "model", "--model", NULL, NULL,
     set_het_p, "threshold of --model auto"},
    {"--tol", NULL, OPT_NUM, "X", NULL, 0, 1, 1, 1, "1e-10", "1e-10", 0, FITS, "model", NULL, NULL, NULL, set_tol,
     "convergence tolerance of iterative estimators"},
    {"--maxiter", NULL, OPT_INT, "N", NULL, 1, 1000000, 0, 0, "1000", "1000", 0, FITS, "model", NULL, NULL, NULL,
     set_maxiter, "iteration limit of iterative estimators"},
    {"--subgroup", NULL, OPT_COLUMN, "COL", NULL, NONE, NULL, "alloc", 0, CMD_POOL | CMD_FOREST | CMD_BATCH | CMD_REPORT,
     "subgroups", NULL, NULL, NULL, set_subgroup, "one fit per value of column COL and the test for subgroup "
                                                   "differences"},
    {"--tau-common", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, CMD_POOL | CMD_FOREST | CMD_BATCH | CMD_REPORT,
     "subgroups", "--subgroup", NULL, NULL, set_tau_common,
     "subgroups share one tau^2 (as the meta package's tau.common)"},
    {"--mods", NULL, OPT_LIST, "A,B", NULL, NONE, NULL, "ablat", 1, MODS, "moderators", NULL, NULL, NULL, set_mods,
     "moderator columns: numeric ones as they are, text ones as factors (first level the reference)"},
    {"--no-intercept", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, MODS, "moderators", "--mods", NULL, NULL,
     set_no_intercept, "no intercept (a first factor then gets one column per level)"},
    {"--random", NULL, OPT_TEXT, "A/B", NULL, NONE, NULL, "district/school", 1, CMD_MV, "multilevel", NULL, NULL,
     NULL, set_random, "random intercepts per level of column A (A/B: and per level of B within A, any depth, as "
                       "metafor's ~ 1 | A/B); repeated: crossed factors; \"INNER|OUTER\" (once): a correlated "
                       "random effect per level of INNER within each level of OUTER, structured by --struct"},
    {"--struct", NULL, OPT_ENUM, "S", "CS HCS UN AR HAR ID DIAG", NONE, "CS", "UN", 0, CMD_MV, "multilevel", NULL,
     NULL, NULL, set_struct,
     "the covariance structure of an --random \"INNER|OUTER\" term (metafor's struct): CS compound symmetry, "
     "HCS heteroscedastic CS, UN unstructured, AR / HAR (heteroscedastic) AR(1) over equally spaced time "
     "points, ID, DIAG"},
    {"--time", NULL, OPT_COLUMN, "COL", NULL, NONE, NULL, "time", 0, CMD_MV, "multilevel", "--struct=AR,HAR", NULL,
     NULL, set_time,
     "numeric column that orders the inner levels in time for AR / HAR (default: the inner column itself, "
     "which must then be numeric, as metafor)"},
    {"--V", NULL, OPT_TEXT, "FILE", NULL, NONE, NULL, "V.csv", 0, CMD_MV, "multilevel", NULL, "--cluster",
     "--V is the whole sampling covariance matrix", set_vfile,
     "known sampling covariance matrix: a k x k CSV without header in the input's row order, or a long CSV "
     "with header i,j,value (1-based input rows; one triangle or both; missing pairs 0; a diagonal not given "
     "is the row's vi); not positive definite: data error"},
    {"--rho", NULL, OPT_NUM, "R", NULL, -1, 1, 0, 0, NULL, "0.6", 0, CMD_MV, "multilevel", "--cluster", NULL, NULL,
     set_rho, "assumed correlation of the sampling errors within a --cluster: v_ij = R sqrt(v_i v_j) (metafor's "
              "vcalc, basic case)"},
    {"--cluster", NULL, OPT_COLUMN, "COL", NULL, NONE, NULL, "district", 0, CMD_MV, "multilevel", "--rho", NULL,
     NULL, set_cluster, "the column whose rows share correlated sampling errors (with --rho)"},
    {"--no-ci", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, CMD_MV, "multilevel", NULL, NULL, NULL, set_no_ci,
     "skip the profile-likelihood CIs of the variance components (each bound costs some twenty refits)"},
    {"--compare-random", NULL, OPT_TEXT, "A/B", NULL, NONE, NULL, "district", 1, CMD_MV, "multilevel", NULL, NULL,
     NULL, set_cmp_random, "likelihood-ratio test against a reduced model with these random effects (as --random; "
                           "repeated: crossed; default: the full model's), fitted on the same rows, V and method "
                           "(metafor's anova of two rma.mv fits)"},
    {"--compare-mods", NULL, OPT_LIST, "A,B", NULL, NONE, NULL, "1", 1, CMD_MV, "multilevel", NULL, NULL, NULL,
     set_cmp_mods, "likelihood-ratio test against a reduced model with these moderators (1: intercept only; "
                   "default: the full model's); models with different moderators need --method ML"},
    {"--robust", NULL, OPT_COLUMN, "COL", NULL, NONE, NULL, "district", 0, CMD_POOL | CMD_REGRESS | CMD_MV,
     "cluster-robust inference", NULL, NULL, NULL, set_robust,
     "cluster-robust (sandwich) tests and CIs with the clusters of column COL, after the model's results "
     "(CR2: clubSandwich's vcovCR, coef_test and Wald_test HTZ; CR1: metafor's robust)"},
    {"--robust-type", NULL, OPT_ENUM, "T", "CR2 CR1", NONE, "CR2", "CR1", 0, CMD_POOL | CMD_REGRESS | CMD_MV,
     "cluster-robust inference", "--robust", NULL, NULL, set_robust_type,
     "CR2: bias-reduced sandwich with Satterthwaite df and the HTZ test; CR1: sandwich times n/(n - p), "
     "df = n - p (n clusters, p coefficients)"},
    {"--order", NULL, OPT_COLUMN, "COL", NULL, NONE, NULL, "year", 0, CMD_CUMUL | CMD_FOREST, "order", NULL, NULL, NULL,
     set_order, "add studies by increasing COL (numeric or text; ties in file order); forest: with --cumul"},
    {"--layout", NULL, OPT_ENUM, "L", "metafor revman5", NONE, "metafor", "revman5", 0, CMD_FOREST, "plot", NULL,
     NULL, NULL, set_layout, "columns as metafor's forest or as RevMan 5 (the default with --preset revman5); "
                             "the headings name the method fitted"},
    {"--contours", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, CMD_FUNNEL, "plot", NULL, "--level",
     "the contours are at p = .10, .05 and .01", set_contours,
     "contour-enhanced regions p > .10, .05-.10, .01-.05, < .01 (Peters 2008)"},
    {"--trimfill", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, CMD_FUNNEL, "plot", NULL, NULL, NULL,
     set_trimfill, "add the studies imputed by trim and fill (L0) as open circles; the summary line is the "
                   "adjusted estimate"},
    {"--title", NULL, OPT_TEXT, "TEXT", NULL, NONE, NULL, "BCG vaccine", 0, FIGS | CMD_MV, "figure", PLOTS_NEED, NULL, NULL,
     set_title, "title above the plot"},
    {"--xlab", NULL, OPT_TEXT, "TEXT", NULL, NONE, NULL, "Risk ratio", 0, FIGS | CMD_MV, "figure", PLOTS_NEED, NULL, NULL,
     set_xlab, "axis title (default: the measure's name)"},
    {"--favours", NULL, OPT_TEXT, "LEFT,RIGHT", NULL, NONE, NULL, "Favours vaccine,Favours control", 0, FORESTS,
     "figure", PLOTS_NEED, NULL, NULL, set_favours, "the texts under the axis, left and right of the null effect "
     "(default for two-group measures: Favours treatment,Favours control)"},
    {"--group-labels", NULL, OPT_TEXT, "TREAT,CONTROL", NULL, NONE, NULL, "Vaccinated,Control", 0, FORESTS, "figure",
     PLOTS_NEED, NULL, NULL, set_group_labels, "names of the two groups over the data columns (default: "
     "Experimental,Control)"},
    {"--sort", NULL, OPT_TEXT, "KEY", NULL, NONE, NULL, "estimate", 0, FORESTS, "figure", PLOTS_NEED, NULL, NULL,
     set_sort, "order of the studies: estimate (increasing, as metafor's order=\"obs\"), weight (heaviest first) "
     "or a column of the input (increasing; numbers or text; ties and empty cells last in file order); within "
     "subgroups"},
    {"--xlim", NULL, OPT_TEXT, "A,B", NULL, NONE, NULL, "0.1,10", 0, PLOTS | CMD_MV, "figure", PLOTS_NEED, NULL, NULL, set_xlim,
     "axis limits on the scale shown (ratios for RR, OR; proportions for PLO ...); intervals beyond end in arrows"},
    {"--at", NULL, OPT_TEXT, "T1,T2,..", NULL, NONE, NULL, "0.25,0.5,1,2", 0, PLOTS | CMD_MV, "figure", PLOTS_NEED, NULL, NULL,
     set_at, "axis ticks on the scale shown; without --xlim the axis spans them"},
    {"--digits", NULL, OPT_INT, "N", NULL, 0, 10, 0, 0, "2", "3", 0, FORESTS | CMD_MV, "figure", PLOTS_NEED, NULL, NULL,
     set_digits, "decimals of the estimates, intervals and statistics printed in the plot"},
    {"--size", NULL, OPT_TEXT, "WxH", NULL, NONE, NULL, "8x6in", 0, FIGS | CMD_MV, "figure", PLOTS_NEED, NULL, NULL, set_size,
     "page size, W x H with a unit: in, cm, mm, pt or px (pixels at --dpi); the plot is scaled to fit, same "
     "factor both ways, and centred (default: its own size)"},
    {"--dpi", NULL, OPT_INT, "N", NULL, 10, 10000, 0, 0, "300", "600", 0, FIGS | CMD_MV, "figure", PLOTS_NEED, NULL, NULL,
     set_dpi, "PNG resolution, pixels per inch, also written in the PNG (pHYs chunk)"},
    {"--no-overall-test", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, FORESTS, "figure", PLOTS_NEED, NULL, NULL,
     set_no_overall_test, "leave out the test for the overall effect (e.g. of p = 0.5 for a single proportion)"},
    {"--annotate", NULL, OPT_LIST, "A,B", NULL, NONE, NULL, "year,effect", 0, FORESTS, "figure", PLOTS_NEED, NULL,
     NULL, set_annotate, "the text columns shown, by name: data, weight, effect (the built-in ones; those not named "
     "are left out), columns of the input (after the study label) and yi_from (each row's route to its effect "
     "size, with reported statistics)"},
    {"--svg-text", NULL, OPT_ENUM, "T", "text outline", NONE, "text", "outline", 0, FIGS | CMD_MV, "figure", PLOTS_NEED, NULL,
     NULL, set_svg_text, "SVG text as text elements naming the font (editable), or as glyph outlines"},
    {"--rob-tool", NULL, OPT_ENUM, "T", "rob2 robins-i robins-i-v2", NONE, "rob2", "robins-i", 0, CMD_FOREST | CMD_PLOT | CMD_BATCH | CMD_REPORT, "figure",
     NULL, NULL, NULL, set_rob_tool, "the risk-of-bias tool whose domains the legend names; the columns rob_D1..rob_Dn "
     "(5 for rob2, 7 for robins-i, 6 for robins-i-v2) and rob_overall, when the input has them, are always drawn as "
     "traffic lights"},
    {"--loo", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, CMD_FOREST, "figure", NULL, "--subgroup", NULL,
     set_forest_loo, "plot the leave-one-out estimates (as cmeta loo) instead of the studies"},
    {"--cumul", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, CMD_FOREST, "figure", NULL, "--subgroup", NULL,
     set_forest_cumul, "plot the cumulative estimates (as cmeta cumul; with --order COL) instead of the studies"},
    {"--plot", NULL, OPT_PATH, "F", NULL, NONE, NULL, "plot.svg", 0, CMD_GOSH | CMD_BAYES | CMD_POOL | CMD_REGRESS | CMD_MV, "plot",
     NULL, NULL, NULL,
     set_plot, "gosh: the GOSH plot (estimate against I^2, counted in a grid, with histograms); bayes: the "
               "posterior of tau with its prior; pool (with --ri-sweep): estimate and CI against ri; regress: the "
               "bubble plot (metafor's regplot: studies sized by weight, fitted line and its CI band); mv: the "
               "forest plot, effect sizes under their outer cluster; .svg, .png or .pdf"},
    {"--plot-mod", NULL, OPT_TEXT, "NAME", NULL, NONE, NULL, "ablat", 0, CMD_REGRESS, "plot", "--plot", NULL, NULL,
     set_plot_mod, "the moderator on the bubble plot's x axis (a coefficient name; required with more than one "
                   "moderator, whose others are held at their means, as regplot's mod)"},
    {"--plot-pi", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, CMD_REGRESS, "plot", "--plot", NULL, NULL,
     set_plot_pi, "also draw the prediction band (regplot's pi = TRUE)"},
    {"--reps", NULL, OPT_INT, "N", NULL, 2, 10000000, 0, 0, "1000", "10000", 0, CMD_PLOT, "plot", NULL, NULL, NULL,
     set_reps, "plot qq: replicates of the simulated envelope (metafor's reps)"},
    {"--no-envelope", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, CMD_PLOT, "plot", NULL, "--reps", NULL,
     set_no_envelope, "plot qq: no simulated envelope (metafor's envelope = FALSE)"},
    {"--tau-prior", NULL, OPT_TEXT, "PRIOR", NULL, NONE, NULL, "halfnormal:0.5", 0, CMD_BAYES | CMD_FOREST,
     "bayes", NULL, NULL, NULL, set_tau_prior,
     "prior of tau (required by bayes; forest only with --bayes): halfnormal:S, halfcauchy:S, halft:S:DF, "
     "lognormal:M:S, uniform:A:B, jeffreys, turner:OUTCOME:COMPARISON or rhodes:OUTCOME:COMPARISON (see "
     "cmeta bayes --help)"},
    {"--mu-prior", NULL, OPT_TEXT, "PRIOR", NULL, NONE, "flat", "normal:0:10", 0, CMD_BAYES | CMD_FOREST, "bayes",
     NULL, NULL, NULL, set_mu_prior, "prior of mu: normal:M:S or flat (forest only with --bayes)"},
    {"--bayes", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, CMD_FOREST, "bayes", "--tau-prior", "--subgroup",
     NULL, set_bayes, "the Bayesian model's shrinkage intervals beside the observed ones, the posterior of mu "
                      "and the prediction"},
    {"--iter", NULL, OPT_INT, "B", NULL, 2, 100000000, 0, 0, "1000", "1000", 0, CMD_BOOT | CMD_PERMTEST,
     "resampling", NULL, NULL, NULL, set_iter, "number of bootstrap or permutation replicates"},
    {"--type", NULL, OPT_ENUM, "T", "nonparametric parametric", NONE, "nonparametric", "parametric", 0, CMD_BOOT,
     "resampling", NULL, NULL, NULL, set_type, "resample the studies, or draw yi* ~ N(estimate, vi + tau^2)"},
    {"--subsets", NULL, OPT_INT, "N", NULL, 2, 1000000000, 0, 0, NULL, "1000", 0, CMD_GOSH, "resampling", NULL,
     NULL, NULL, set_subsets, "N random subsets instead of all 2^k - 1 (the default when 2^k - 1 <= 10^6)"},
    {"--seed", NULL, OPT_SEED, "S", NULL, NONE, NULL, "42", 0, SEEDED | CMD_PLOT, "resampling", NULL, NULL, NULL, set_seed,
     "seed of the random numbers; without it one is made from the clock, and printed (plot qq's envelope: "
     "default 1, so that the figure is the same every run)"},
    {"--threads", NULL, OPT_INT, "N", NULL, 1, 64, 0, 0, NULL, "2", 0, SEEDED, "resampling", NULL, NULL, NULL,
     set_threads, "threads computing the replicates; without it, the CPUs this process may use (affinity "
                  "mask and cgroup CPU quota), one when the work is under ~1 ms. The results are the same "
                  "for any N"},
    {"--out", NULL, OPT_DIR, "DIR", NULL, NONE, NULL, "results", 0, CMD_BATCH, "batch", NULL, NULL, NULL, set_out,
     "output directory (created if missing); required"},
    {"--jobs", NULL, OPT_INT, "N", NULL, 1, 1024, 0, 0, "1", "2", 0, CMD_BATCH, "batch", NULL, NULL, NULL, set_jobs,
     "analyse N files at a time"},
    {"--shard", NULL, OPT_TEXT, "I/N", NULL, NONE, NULL, "1/4", 0, CMD_BATCH, "batch", NULL, NULL, NULL, set_shard,
     "only files I, I+N, I+2N, ... of the sorted list (1 <= I <= N), for job arrays; the summary is then "
     "summary.shard-I-of-N.csv"},
    {"--plots", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, CMD_BATCH, "batch", NULL, NULL, NULL, set_plots,
     "also write a forest plot per file"},
    {"--report", NULL, OPT_FLAG, NULL, NULL, NONE, NULL, NULL, 0, CMD_BATCH, "batch", NULL, NULL, NULL, set_report,
     "also write an HTML report per file (as cmeta report: NAME.html) and index.html, the summary table linking to "
     "them (index.shard-I-of-N.html with --shard)"},
    {"--durable", NULL, OPT_ENUM, "D", "group per-file", NONE, "group", "per-file", 0, CMD_BATCH, "batch", NULL,
     NULL, NULL, set_durable,
     "how outputs are made durable before the commit: group (one syncfs per 256 files and one before the "
     "summary) or per-file (an fsync of every file before its rename)"},
    {"--format", NULL, OPT_ENUM, "F", "text json csv", NONE, "text", "json", 0, TABULAR, "output", NULL, NULL,
     NULL, set_format, "output format (escalc writes CSV; gosh's csv is its rows)"},
    {"-o", "--output", OPT_PATH, "PATH", NULL, NONE, NULL, "out.txt", 0, ALL_CMDS & ~CMD_BATCH, "output", NULL,
     NULL, NULL, set_output, "write to PATH (atomically) instead of standard output; forest, funnel and plot: the "
                             "picture, .svg, .png or .pdf (required; plot also .csv: the plotted values)"},
};
const size_t cli_noptions = sizeof cli_options / sizeof *cli_options;

/* ---- lookup ------------------------------------------------------------------------------ */

const cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < cli_ncommands; i++)
        if (eq(cli_commands[i].name, name)) return &cli_commands[i];
    return NULL;
}

static const cli_option *find_option(const char *name)
{
    for (size_t i = 0; i < cli_noptions; i++)
        if (eq(cli_options[i].name, name) || (cli_options[i].alias && eq(cli_options[i].alias, name)))
            return &cli_options[i];
    return NULL;
}

/* word in a list separated by spaces or commas, case-insensitive (words after '|' are
 * accepted aliases that help and messages do not show) */
/* the shown part of a word list: up to '|', without trailing spaces */
static int shown_len(const char *words)
{
    size_t n = strcspn(words, "|");
    while (n && words[n - 1] == ' ') n--;
    return (int)n;
}

static int in_words(const char *words, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = words; *p;) {
        while (*p == ' ' || *p == ',' || *p == '|') p++;
        size_t m = strcspn(p, " ,|");
        if (m && m == n && !strncasecmp(p, w, n)) return 1;
        p += m;
    }
    return 0;
}

/* "from 2 to 100000000", "> 0 and < 1", ">= 0" */
static void range_text(const cli_option *op, char *buf, size_t n)
{
    char lo[32], hi[32];
    const char *fmt = op->kind == OPT_INT ? "%.0f" : "%g";
    snprintf(lo, sizeof lo, fmt, op->lo);
    snprintf(hi, sizeof hi, fmt, op->hi);
    if (isinf(op->hi)) snprintf(buf, n, "%s %s", op->lo_open ? ">" : ">=", lo);
    else if (!op->lo_open && !op->hi_open) snprintf(buf, n, "from %s to %s", lo, hi);
    else snprintf(buf, n, "%s %s and %s %s", op->lo_open ? ">" : ">=", lo, op->hi_open ? "<" : "<=", hi);
}

/* What a value must be, for help and messages: "a number from -1 to 1". */
static void value_text(const cli_option *op, char *buf, size_t n)
{
    char r[96];
    switch (op->kind) {
    case OPT_NUM: range_text(op, r, sizeof r); snprintf(buf, n, "a number %s", r); break;
    case OPT_INT: range_text(op, r, sizeof r); snprintf(buf, n, "a whole number %s", r); break;
    case OPT_SEED: snprintf(buf, n, "a whole number >= 0"); break;
    case OPT_LEVEL: snprintf(buf, n, "a proportion in [0.5, 1) or a percentage in [1, 100)"); break;
    case OPT_ENUM: snprintf(buf, n, "one of %.*s", shown_len(op->words), op->words); break;
    case OPT_PATH: snprintf(buf, n, "a file"); break;
    case OPT_DIR: snprintf(buf, n, "a directory"); break;
    case OPT_COLUMN: snprintf(buf, n, "a column of the input"); break;
    case OPT_LIST: snprintf(buf, n, "columns of the input, separated by commas"); break;
    default: buf[0] = '\0';
    }
}

/* "--model auto", "--measure MC, SMCC, SMCR, SMCRH or ROMC" */
static void needs_text(const char *needs, char *buf, size_t n)
{
    needs += needs[0] == '?'; /* "?--measure=...": only when --measure is given */
    const char *eqs = strchr(needs, '=');
    if (!eqs) {
        const cli_option *t = find_option(needs);
        /* an enum of one word (--model auto) is named with its word */
        if (t && t->kind == OPT_ENUM && !strchr(t->words, ' ')) snprintf(buf, n, "%s %s", needs, t->words);
        else snprintf(buf, n, "%s", needs);
        return;
    }
    size_t len = (size_t)snprintf(buf, n, "%.*s ", (int)(eqs - needs), needs);
    const char *p = eqs + 1;
    while (*p && len < n) {
        size_t m = strcspn(p, ",");
        const char *sep = p[m] ? (strchr(p + m + 1, ',') ? ", " : " or ") : "";
        len += (size_t)snprintf(buf + len, n - len, "%.*s%s", (int)m, p, sep);
        p += m + (p[m] ? 1 : 0);
    }
}

/* ---- the parser -------------------------------------------------------------------------- */

/* The level given as a proportion, in percent: the decimal point moved two places in the text
 * (0.95 -> 0.95e2), so that strtod's correct rounding gives exactly the double of "95" and
 * --level 0.95 and --level 95 give the same output to the last bit. */
static double level_percent(const char *s)
{
    char buf[128];
    while (isspace((unsigned char)*s)) s++;
    size_t n = strcspn(s, " \t");
    const char *e = memchr(s, 'e', n);
    if (!e) e = memchr(s, 'E', n);
    if (!e) snprintf(buf, sizeof buf, "%.*se2", (int)n, s);
    else snprintf(buf, sizeof buf, "%.*se%ld", (int)(e - s), s, strtol(e + 1, NULL, 10) + 2);
    double x = NAN;
    if (cmeta_parse_double(buf, &x, NULL) != CMETA_OK) x = NAN;
    return x;
}

/* Check val against the option's kind; *x gets the number. 0 or 1 (message printed). */
static int check_value(const cli_opts *o, const cli_option *op, const char *val, double *x)
{
    char what[160];
    value_text(op, what, sizeof what);
    *x = NAN;
    switch (op->kind) {
    case OPT_ENUM:
        if (!in_words(op->words, val)) {
            char list[256];
            size_t j = 0;
            for (const char *p = op->words; p < op->words + shown_len(op->words) && j + 2 < sizeof list; p++) {
                if (*p == ' ') list[j++] = ',';
                list[j++] = *p;
            }
            list[j] = '\0';
            return cli_opt_fail(o, "%s: '%s' is not one of %s", op->name, val, list);
        }
        return 0;
    case OPT_NUM:
    case OPT_LEVEL: {
        double v;
        if (cmeta_parse_double(val, &v, NULL) != CMETA_OK) v = NAN;
        if (op->kind == OPT_LEVEL) {
            /* metafor's .level reads 0 < level < 0.5 as alpha (0.05 -> a 95 % interval) and
             * 0.5 <= level < 1 as a proportion: below 0.5 the two readings disagree, so neither
             * is taken silently */
            if (v > 0 && v < 0.5)
                return cli_opt_fail(o, "%s: '%s' is ambiguous: metafor reads a level below 0.5 as alpha "
                                       "(1 - level), a proportion would be the level itself; give a "
                                       "percentage in [1, 100)", op->name, val);
            if (v >= 0.5 && v < 1) v = level_percent(val);
            else if (!(v >= 1 && v < 100)) v = NAN;
            if (!(v > 0 && v < 100)) return cli_opt_fail(o, "%s: '%s' is not %s", op->name, val, what);
        } else if (!(v >= op->lo && v <= op->hi) || (op->lo_open && v == op->lo) ||
                   (op->hi_open && v == op->hi)) {
            return cli_opt_fail(o, "%s: '%s' is not %s", op->name, val, what);
        }
        *x = v;
        return 0;
    }
    case OPT_INT: {
        char *end;
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno || end == val || *end || (double)v < op->lo || (double)v > op->hi)
            return cli_opt_fail(o, "%s: '%s' is not %s", op->name, val, what);
        *x = (double)v;
        return 0;
    }
    case OPT_SEED: {
        char *end;
        errno = 0;
        (void)strtoul(val, &end, 10);
        if (errno || end == val || *end || !isdigit((unsigned char)val[0]))
            return cli_opt_fail(o, "%s: '%s' is not %s", op->name, val, what);
        return 0;
    }
    default: return 0;
    }
}

static int is_help(const char *a) { return eq(a, "-h") || eq(a, "--help"); }

/* What each given option needs (another option, or one of its values), and what it cannot go
 * with: the first rule broken is the usage error. */
static int check_requirements(cli_opts *o, const char **val, const int *count)
{
    int rc = 0;
    for (size_t id = 0; id < cli_noptions && !rc; id++) {
        const cli_option *op = &cli_options[id];
        if (!count[id]) continue;
        if (op->needs) {
            /* "?--measure=A,B": when --measure is given, one of A, B (a measure column may say it) */
            int optional = op->needs[0] == '?';
            const char *needs = op->needs + optional;
            char tn[64];
            size_t nl = strcspn(needs, "=");
            snprintf(tn, sizeof tn, "%.*s", (int)nl, needs);
            const cli_option *t = find_option(tn);
            size_t tid = t ? (size_t)(t - cli_options) : cli_noptions;
            int ok = t && (count[tid] ? (!needs[nl] || in_words(needs + nl + 1, val[tid])) : optional);
            if (!ok) {
                char need[160];
                needs_text(op->needs, need, sizeof need);
                rc = cli_opt_fail(o, "%s needs %s%s%s%s", op->name, need, op->why ? " (" : "", op->why ? op->why : "", op->why ? ")" : "");
            }
        }
        if (!rc && op->conflicts) {
            const cli_option *t = find_option(op->conflicts);
            if (t && count[t - cli_options])
                rc = cli_opt_fail(o, "%s and %s do not go together%s%s%s", op->name, t->name, op->why ? " (" : "",
                                  op->why ? op->why : "", op->why ? ")" : "");
        }
    }
    return rc;
}

int cli_parse(int argc, char **argv, cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->command = argv[0];
    o->format = CLI_FMT_TEXT;
    cmeta_data_opts_default(&o->data);
    cmeta_fit_opts_default(&o->fit);
    o->het_p = 0.10;
    o->jobs = 1;
    o->xlim[0] = o->xlim[1] = NAN;
    o->digits = -1;
    const cli_command *cmd = cli_find_command(argv[0]);
    if (!cmd) return cli_failf(1, "unknown command '%s' (see cmeta --help)", argv[0]);
    o->inputs = calloc((size_t)argc + 1, sizeof *o->inputs);
    /* per option: the value last given (or "" for a flag), how often */
    const char **val = calloc(cli_noptions + 1, sizeof *val);
    int *count = calloc(cli_noptions + 1, sizeof *count);
    o->joined = calloc(cli_noptions + 1, sizeof *o->joined);
    o->njoined = o->joined ? cli_noptions : 0;
    if (!o->inputs || !val || !count || !o->joined) {
        free(val);
        free(count);
        return cli_failf(4, "out of memory");
    }
    int rc = 0;

    /* --help anywhere (not as a value, not after --) wins over everything else */
    for (int i = 1; i < argc; i++) {
        if (eq(argv[i], "--")) break;
        if (is_help(argv[i])) {
            cli_help_command(stdout, cmd);
            rc = -1;
            goto out;
        }
        const cli_option *op = find_option(argv[i]);
        if (op && op->kind != OPT_FLAG) i++; /* skip its value */
    }

    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i], *v = NULL;
        char name[64];
        if (a[0] != '-' || eq(a, "-")) {
            o->inputs[o->ninputs++] = a;
            continue;
        }
        if (eq(a, "--")) {
            while (++i < argc) o->inputs[o->ninputs++] = argv[i];
            break;
        }
        const char *eqs = strchr(a, '=');
        if (eqs && (size_t)(eqs - a) < sizeof name) {
            memcpy(name, a, (size_t)(eqs - a));
            name[eqs - a] = '\0';
            v = eqs + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }
        const cli_option *op = find_option(name);
        if (!op) {
            rc = cli_opt_fail(o, "unknown option '%s' (see cmeta %s --help)", name, o->command);
            break;
        }
        if (!(op->cmds & cmd->bit)) {
            rc = cli_opt_fail(o, "%s is not an option of %s (see cmeta %s --help)", op->name, o->command,
                              o->command);
            break;
        }
        size_t id = (size_t)(op - cli_options);
        if (op->kind == OPT_FLAG) {
            if (v) {
                rc = cli_opt_fail(o, "%s takes no value (got '%s')", op->name, v);
                break;
            }
            v = "";
        } else if (!v) {
            if (i + 1 >= argc) {
                rc = cli_opt_fail(o, "%s needs a value (%s)", op->name, op->meta);
                break;
            }
            v = argv[++i];
        }
        if (count[id] && !op->repeat) {
            if (op->kind == OPT_FLAG) rc = cli_opt_fail(o, "%s is given twice", op->name);
            else rc = cli_opt_fail(o, "%s is given twice ('%s', then '%s'): give it once", op->name, val[id], v);
            break;
        }
        double x;
        if ((rc = check_value(o, op, v, &x))) break;
        if (count[id] && op->kind == OPT_LIST) {
            /* a repeated list: the values joined by commas */
            size_t n1 = strlen(val[id]), n2 = strlen(v);
            char *j = malloc(n1 + n2 + 2);
            if (!j) {
                rc = cli_failf(4, "out of memory");
                break;
            }
            memcpy(j, val[id], n1);
            j[n1] = ',';
            memcpy(j + n1 + 1, v, n2 + 1);
            free(o->joined[id]);
            o->joined[id] = j;
            v = j;
        }
        count[id]++;
        val[id] = v;
        if ((rc = op->set(o, op->kind == OPT_FLAG ? NULL : v, x))) break;
    }

    if (!rc) rc = check_requirements(o, val, count);
out:
    free(val);
    free(count);
    return rc;
}

/* ---- help ---------------------------------------------------------------------------------- */

/* option i is the first of its group in the table */
static int first_of_group(size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (!strcmp(cli_options[j].group, cli_options[i].group)) return 0;
    return 1;
}

/* words of s wrapped to `width` columns, continuation lines indented by `indent` */
static void wrap(FILE *fp, const char *s, size_t col, size_t indent, size_t width)
{
    while (*s) {
        while (*s == ' ') s++;
        size_t m = strcspn(s, " ");
        if (!m) break;
        if (col > indent && col + 1 + m > width) {
            fprintf(fp, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', fp);
            col++;
        }
        fwrite(s, 1, m, fp);
        col += m;
        s += m;
    }
    fputc('\n', fp);
}

/* "--method M" */
static void opt_label(const cli_option *op, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s%s%s", op->name, op->alias ? ", " : "", op->alias ? op->alias : "",
             op->meta ? " " : "", op->meta ? op->meta : "");
}

/* the second help sentence: what the value must be, the default, needs, repeats */
static void opt_detail(const cli_option *op, char *buf, size_t n)
{
    char what[256] = "", need[160];
    size_t len = 0;
    buf[0] = '\0';
    int one_word = op->kind == OPT_ENUM && !memchr(op->words, ' ', (size_t)shown_len(op->words));
    if (op->kind != OPT_FLAG && op->kind != OPT_TEXT && op->kind != OPT_PATH && op->kind != OPT_COLUMN &&
        op->kind != OPT_DIR && op->kind != OPT_LIST && !one_word) {
        value_text(op, what, sizeof what);
        len += (size_t)snprintf(buf + len, n - len, "%s: %s", op->meta, what);
    }
    if (op->def && len < n) len += (size_t)snprintf(buf + len, n - len, "%sdefault %s", len ? "; " : "", op->def);
    if (op->needs && len < n) {
        needs_text(op->needs, need, sizeof need);
        len += (size_t)snprintf(buf + len, n - len, "%sneeds %s", len ? "; " : "", need);
    }
    if (op->conflicts && len < n)
        len += (size_t)snprintf(buf + len, n - len, "%snot with %s", len ? "; " : "", op->conflicts);
    if (op->repeat && len < n) len += (size_t)snprintf(buf + len, n - len, "%smay be repeated", len ? "; " : "");
    if (len && len < n) snprintf(buf + len, n - len, ".");
    buf[0] = (char)toupper((unsigned char)buf[0]);
}

void cli_help_command(FILE *fp, const cli_command *c)
{
    fprintf(fp, "usage: cmeta %s %s\n\n", c->name, c->synopsis);
    fputs(c->about, fp);
    for (size_t g = 0; g < cli_noptions; g++) {
        if (!first_of_group(g)) continue;
        int shown = 0;
        for (size_t i = g; i < cli_noptions; i++) {
            const cli_option *op = &cli_options[i];
            if (!(op->cmds & c->bit) || strcmp(op->group, cli_options[g].group)) continue;
            if (!shown++) fprintf(fp, "\n%s:\n", op->group);
            char lab[128], det[512];
            opt_label(op, lab, sizeof lab);
            /* the label in 18 columns, the text from column 20 (on the next line if it is longer) */
            if (strlen(lab) >= 18) fprintf(fp, "  %s\n%20s", lab, "");
            else fprintf(fp, "  %-18s", lab);
            size_t col = 20;
            opt_detail(op, det, sizeof det);
            char all[1024];
            snprintf(all, sizeof all, "%s%s%s", op->help, det[0] ? ". " : "", det);
            wrap(fp, all, col, 20, 79);
        }
    }
    fputs("\n-h, --help shows this text. Exit status: 0 ok, 1 usage, 2 bad input data, 3 numerical\n"
          "failure, 4 I/O error, 130 interrupted.\n",
          fp);
}

void cli_help_main(FILE *fp)
{
    fputs("usage: cmeta COMMAND [FILE] [options]   (FILE - reads standard input)\n\ncommands:\n", fp);
    for (size_t i = 0; i < cli_ncommands; i++) fprintf(fp, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].summary);
    fputs("\ncmeta COMMAND --help shows a command's options; cmeta --version its version.\n"
          "Exit status: 0 ok, 1 usage, 2 bad input data, 3 numerical failure, 4 I/O error.\n",
          fp);
}

/* ---- generated files ------------------------------------------------------------------------- */

/* roff text: backslashes escaped, '-' as \-, a leading '.' or '\'' protected */
static void roff(FILE *fp, const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\'')) fputs("\\&", fp);
        bol = *s == '\n';
        if (*s == '\\') fputs("\\e", fp);
        else if (*s == '-') fputs("\\-", fp);
        else fputc(*s, fp);
    }
}

static void man_page(FILE *fp)
{
    fprintf(fp, ".\\\" cmeta.1 - generated by `cmeta --man` from the option tables (src/cli/options.c)\n"
                ".TH CMETA 1 \"\" \"cmeta %s\" \"User Commands\"\n", cmeta_version());
    fputs(".SH NAME\ncmeta \\- meta\\-analysis of clinical trials, as R metafor\n"
          ".SH SYNOPSIS\n.B cmeta\n.I COMMAND\n.RI [ FILE ]\n.RI [ options ]\n.br\n"
          ".B cmeta\n.RB [ \\-\\-help | \\-\\-version ]\n"
          ".SH DESCRIPTION\ncmeta reads one row per study from a CSV file (\\fB\\-\\fR reads standard input), "
          "computes effect sizes, fits fixed\\- and random\\-effects models and derived analyses, and writes "
          "text, JSON or CSV, or a picture. Each command takes only its own options: any other is a usage "
          "error, and so is an option given twice or without the option it needs.\n"
          ".SH COMMANDS\n", fp);
    for (size_t i = 0; i < cli_ncommands; i++) {
        fprintf(fp, ".TP\n.B %s\n", cli_commands[i].name);
        roff(fp, cli_commands[i].summary);
        fputc('\n', fp);
    }
    for (size_t i = 0; i < cli_ncommands; i++) {
        const cli_command *c = &cli_commands[i];
        fprintf(fp, ".SH \"cmeta %s\"\n", c->name);
        fprintf(fp, ".B cmeta %s\n", c->name);
        roff(fp, c->synopsis);
        fputs("\n.PP\n.nf\n", fp);
        roff(fp, c->about);
        fputs(".fi\n", fp);
        for (size_t g = 0; g < cli_noptions; g++) {
            if (!first_of_group(g)) continue;
            int shown = 0;
            for (size_t j = g; j < cli_noptions; j++) {
                const cli_option *op = &cli_options[j];
                if (!(op->cmds & c->bit) || strcmp(op->group, cli_options[g].group)) continue;
                if (!shown++) {
                    fputs(".SS ", fp);
                    roff(fp, op->group);
                    fputc('\n', fp);
                }
                fputs(".TP\n\\fB", fp);
                roff(fp, op->name);
                fputs("\\fR", fp);
                if (op->alias) {
                    fputs(", \\fB", fp);
                    roff(fp, op->alias);
                    fputs("\\fR", fp);
                }
                if (op->meta) {
                    fputs(" \\fI", fp);
                    roff(fp, op->meta);
                    fputs("\\fR", fp);
                }
                fputc('\n', fp);
                char det[512];
                opt_detail(op, det, sizeof det);
                roff(fp, op->help);
                fputs(".\n", fp);
                if (det[0]) {
                    roff(fp, det);
                    fputc('\n', fp);
                }
                if (op->example) {
                    fprintf(fp, "Example: \\fB");
                    roff(fp, op->name);
                    fputs(" ", fp);
                    roff(fp, op->example);
                    fputs("\\fR\n", fp);
                }
            }
        }
    }
    fputs(".SH \"EXIT STATUS\"\n0 ok; 1 usage error; 2 bad input data; 3 numerical failure; 4 I/O error; "
          "130 interrupted (no partial output is left behind).\n"
          ".SH \"SEE ALSO\"\nThe README of the cmeta sources; R package metafor (Viechtbauer 2010).\n",
          fp);
}

static void completion_bash(FILE *fp)
{
    fputs("# bash completion for cmeta - generated by `cmeta --completion bash` (src/cli/options.c)\n"
          "# the column names in the header of the command's input FILE (the first non-option word)\n"
          "_cmeta_columns()\n{\n"
          "    local w f=\n"
          "    for w in \"${COMP_WORDS[@]:2}\"; do case $w in -*) ;; *) [ -f \"$w\" ] && { f=$w; break; } ;; esac; done\n"
          "    COMPREPLY=()\n"
          "    [ -n \"$f\" ] && COMPREPLY=( $(compgen -W \"$(head -n 1 -- \"$f\" | tr -d '\"\\r' | tr ',' ' ')\" -- \"$cur\") )\n"
          "}\n"
          "_cmeta()\n{\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} opts\n"
          "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
          "        COMPREPLY=( $(compgen -W \"", fp);
    for (size_t i = 0; i < cli_ncommands; i++) fprintf(fp, "%s ", cli_commands[i].name);
    fputs("--help --version\" -- \"$cur\") )\n        return\n    fi\n    case $prev in\n", fp);
    for (size_t i = 0; i < cli_noptions; i++) {
        const cli_option *op = &cli_options[i];
        if (op->kind == OPT_FLAG) continue;
        fprintf(fp, "    %s%s%s) ", op->name, op->alias ? "|" : "", op->alias ? op->alias : "");
        if (op->kind == OPT_ENUM)
            fprintf(fp, "COMPREPLY=( $(compgen -W \"%.*s\" -- \"$cur\") ); return ;;\n", shown_len(op->words), op->words);
        else if (op->kind == OPT_PATH) fputs("COMPREPLY=( $(compgen -f -- \"$cur\") ); return ;;\n", fp);
        else if (op->kind == OPT_DIR) fputs("COMPREPLY=( $(compgen -d -- \"$cur\") ); return ;;\n", fp);
        else if (op->kind == OPT_COLUMN || op->kind == OPT_LIST) /* the columns of the input FILE */
            fputs("_cmeta_columns; return ;;\n", fp);
        else fputs("COMPREPLY=(); return ;;\n", fp);
    }
    fputs("    esac\n    case ${COMP_WORDS[1]} in\n", fp);
    for (size_t i = 0; i < cli_ncommands; i++) {
        fprintf(fp, "    %s) opts=\"", cli_commands[i].name);
        for (size_t j = 0; j < cli_noptions; j++)
            if (cli_options[j].cmds & cli_commands[i].bit) fprintf(fp, "%s ", cli_options[j].name);
        fputs("--help\" ;;\n", fp);
    }
    fputs("    *) opts=\"\" ;;\n    esac\n"
          "    if [[ $cur == -* ]]; then\n"
          "        COMPREPLY=( $(compgen -W \"$opts\" -- \"$cur\") )\n"
          "    else\n"
          "        COMPREPLY=( $(compgen -f -- \"$cur\") )\n"
          "    fi\n}\n"
          "complete -o filenames -o bashdefault -F _cmeta cmeta\n",
          fp);
}

static const char *kind_name(cli_optkind k)
{
    static const char *const n[] = {"flag", "enum", "number", "integer", "seed", "level",
                                    "path", "dir", "column", "list", "text"};
    return n[k];
}

/* One line per (command, option) pair, tab-separated: the tests run from it. */
static void list_options(FILE *fp)
{
    fputs("# command\toption\ttakes\tkind\texample\trepeat\tneeds\tconflicts\twords\n", fp);
    for (size_t i = 0; i < cli_ncommands; i++)
        for (size_t j = 0; j < cli_noptions; j++) {
            const cli_option *op = &cli_options[j];
            fprintf(fp, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t", cli_commands[i].name, op->name,
                    op->cmds & cli_commands[i].bit ? "yes" : "no", kind_name(op->kind),
                    op->example ? op->example : "-", op->repeat ? "yes" : "no", op->needs ? op->needs : "-",
                    op->conflicts ? op->conflicts : "-");
            if (op->words)
                for (const char *p = op->words; *p; p++) {
                    if (*p == '|' || (*p == ' ' && p[1] == '|')) continue;
                    fputc(*p == ' ' ? ',' : *p, fp);
                }
            else fputc('-', fp);
            fputc('\n', fp);
        }
}

/* Markdown table cell text: | and * escaped */
static void md(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '*') fputc('\\', fp);
        fputc(*s, fp);
    }
}

/* The README's option reference (a Markdown table; tests/cli/t_options.sh compares). */
static void readme_options(FILE *fp)
{
    fputs("| option | commands | meaning |\n| --- | --- | --- |\n", fp);
    for (size_t j = 0; j < cli_noptions; j++) {
        const cli_option *op = &cli_options[j];
        char lab[64], det[512];
        opt_label(op, lab, sizeof lab);
        opt_detail(op, det, sizeof det);
        fprintf(fp, "| `%s` | ", lab);
        size_t nmiss = 0, miss = 0;
        for (size_t i = 0; i < cli_ncommands; i++)
            if (!(op->cmds & cli_commands[i].bit)) nmiss++, miss = i;
        if (nmiss == 0) fputs("all", fp);
        else if (nmiss == 1) fprintf(fp, "all but %s", cli_commands[miss].name);
        else {
            int first = 1;
            for (size_t i = 0; i < cli_ncommands; i++)
                if (op->cmds & cli_commands[i].bit) {
                    fprintf(fp, "%s%s", first ? "" : ", ", cli_commands[i].name);
                    first = 0;
                }
        }
        fputs(" | ", fp);
        md(fp, op->help);
        fputs(det[0] ? ". " : "", fp);
        md(fp, det);
        fputs(" |\n", fp);
    }
}

int cli_generate(int argc, char **argv)
{
    if (argc < 2) return -1;
    const char *a = argv[1];
    if (eq(a, "--man")) man_page(stdout);
    else if (eq(a, "--list-options")) list_options(stdout);
    else if (eq(a, "--readme-options")) readme_options(stdout);
    else if (eq(a, "--completion")) {
        if (argc < 3 || !eq(argv[2], "bash")) {
            fputs("cmeta: --completion: only bash is generated (cmeta --completion bash)\n", stderr);
            return 1;
        }
        completion_bash(stdout);
    } else return -1;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs("cmeta: standard output: write error\n", stderr);
        return 4;
    }
    return 0;
}
