/* cmd_escalc.c - `cmeta escalc FILE --measure M`: effect sizes per study, as CSV.
 *
 * Output: every input column in input order, headed as written, then yi and vi (%.17g).
 * A column already named yi or vi is filled in place instead of being repeated. Rows
 * left out (missing values, --drop00) keep their row with yi and vi empty. */
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: cmeta escalc FILE --measure M [options] [-o PATH]\n"
    "\n"
    "Effect sizes and sampling variances per study (as R metafor's escalc). Writes CSV:\n"
    "every input column, then yi and vi. FILE - reads standard input.\n"
    "\n"
    "options:\n"
    "  --measure M     SMD SMDH SMD1 MD ROM | MC SMCC SMCR SMCRH ROMC | OR RR RD PETO AS |\n"
    "                  PR PLN PLO PAS PFT | COR UCOR ZCOR | GEN (yi with vi or sei; the\n"
    "                  default when the file has those columns)\n"
    "  --vtype T       sampling-variance formula: LS (default), UB, HO, AV, LS2\n"
    "  --add X         continuity correction for 2x2 tables (default 0.5)\n"
    "  --to W          where to add it: only0 (default), all, if0all, none\n"
    "  --drop00        leave out studies with no events (or only events) in both groups\n"
    "  --ri R          pre-post correlation for MC SMCC SMCR SMCRH ROMC when there is no ri column\n"
    "  --smcr-sd S     SD that standardizes SMCR and SMCRH: followup (default; sd1i, metafor's\n"
    "                  escalc on these columns) or baseline (sd2i, the pre-test SD of Becker\n"
    "                  1988 and Morris 2008, = metafor with sd1i = baseline SD)\n"
    "  -o PATH         write to PATH (atomically) instead of standard output\n"
    "\n"
    "input columns (case-insensitive; aliases in brackets):\n"
    "  study label     study [label author trial studlab]\n"
    "  two groups      m1i sd1i n1i m2i sd2i n2i [mean1 sd1 n1 mean2 sd2 n2;\n"
    "                  mean.e sd.e n.e mean.c sd.c n.c]\n"
    "  2x2 tables      ai bi ci di, or ai n1i ci n2i [event.e n.e event.c n.c; events1 n1 events2 n2]\n"
    "  pre/post        m1i sd1i (follow-up) m2i sd2i (baseline) ni ri\n"
    "  proportions     xi ni [events n]\n"
    "  correlations    ri ni\n"
    "  precomputed     yi with vi or sei [TE seTE]\n"
    "\n"
    "Empty or NA cells leave the study out with a warning. Group 1 is the treatment group.\n"
    "Exit status: 0 ok, 1 usage, 2 bad input data, 3 numerical failure, 4 I/O error.\n";

int cmeta_cmd_escalc(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o, usage);
    if (rc >= 0) return rc;
    if (o.format == CLI_FMT_JSON) {
        cli_opts_free(&o);
        return cli_failf(1, "escalc writes CSV; --format json is not available for it");
    }

    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    rc = cli_load(&o, o.inputs[0], &t, &d, &w);
    if (rc != 0) {
        cli_print_warnings(&w);
        cmeta_warnings_free(&w);
        cli_opts_free(&o);
        return rc;
    }

    cli_out out;
    rc = cli_out_open(&out, o.output);
    if (rc == 0) {
        rc = cli_report_status(cmeta_report_escalc(out.fp, t, d));
        if (rc) cli_out_abort(&out);
        else rc = cli_out_commit(&out);
    }
    cli_print_warnings(&w);
    cmeta_warnings_free(&w);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cli_opts_free(&o);
    return rc;
}
