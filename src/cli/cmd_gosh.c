/* cmd_gosh.c - `cmeta gosh`: the model on every subset of studies (or N random subsets),
 * streamed as CSV (-o F.csv, or stdout with --format csv); summary in text or JSON. */
#define _GNU_SOURCE /* sync_file_range */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* Early writeback: every GOSH_SYNC_CHUNK bytes written to a file that will be fsync'ed, the
 * kernel is asked to start writing them to the disk (sync_file_range, SYNC_FILE_RANGE_WRITE:
 * it does not wait), so the disk works while the rows are computed and the final fsync has
 * little left to wait for. Without it the whole file (373 MB at k = 22) stays dirty in the page
 * cache (below the background-writeback threshold) until that fsync. 44 calls at k = 22, ~16 ms
 * in all (strace); on the loaded machine of bench/README.md ("Issue 15, third pass") the run
 * was CPU-bound and the gain was within the noise. */
#define GOSH_SYNC_CHUNK ((off_t)8 << 20)

/* The rows: formatted as CSV text by the computing threads (prep_rows, one buffer per slot of
 * cmeta_gosh_stream), written and counted into the plot's bins in order by this thread
 * (write_rows): the one writer overlaps the computing. A block's text (~45 KB) is one fwrite
 * into a 1 MB buffer (glibc then makes ~2 write(2) per block; a write(2) per block straight
 * from the slot, tried, measured the same). */
typedef struct {
    FILE *fp;
    int sync_early;          /* a regular file that will be fsync'ed: early writeback */
    off_t written, synced;   /* bytes handed to fwrite (header included); to sync_file_range */
    cmeta_gosh_bins *bins;   /* --plot */
    char *text[CMETA_GOSH_SLOTS];
    size_t len[CMETA_GOSH_SLOTS], cap[CMETA_GOSH_SLOTS];
    int nomem;               /* a slot's buffer could not be allocated */
} sink;

static void prep_rows(void *ctx, unsigned slot, const cmeta_gosh_row *r, size_t n)
{
    sink *s = ctx;
    if (!s->fp) return;
    s->len[slot] = 0;
    if (s->cap[slot] < n * CMETA_REPORT_GOSH_ROW_MAX) {
        free(s->text[slot]);
        s->cap[slot] = n * CMETA_REPORT_GOSH_ROW_MAX;
        s->text[slot] = malloc(s->cap[slot]);
        if (!s->text[slot]) {
            s->cap[slot] = 0;
            return; /* write_rows sees no text for n rows */
        }
    }
    s->len[slot] = cmeta_report_gosh_rows_text(s->text[slot], r, n);
}

static int write_rows(void *ctx, unsigned slot, const cmeta_gosh_row *r, size_t n)
{
    sink *s = ctx;
    if (s->bins) cmeta_gosh_bins_add(s->bins, r, n);
    if (!s->fp) return cli_interrupt;
    if (n > 0 && !s->text[slot]) {
        s->nomem = 1;
        return 1;
    }
    fwrite(s->text[slot], 1, s->len[slot], s->fp);
    if (ferror(s->fp)) return 1;
    s->written += (off_t)s->len[slot];
    if (s->sync_early && s->written - s->synced >= GOSH_SYNC_CHUNK) {
        /* what stdio still holds (< 1 MB) is not dirty yet: the final fsync takes it. A
           failure here only loses the head start: the final fsync reports real errors. */
        if (sync_file_range(fileno(s->fp), s->synced, s->written - s->synced, SYNC_FILE_RANGE_WRITE) != 0)
            s->sync_early = 0;
        s->synced = s->written;
    }
    return cli_interrupt;
}

int cmeta_cmd_gosh(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o);
    if (rc >= 0) return rc;
    cmeta_table *t = NULL;
    cmeta_data *d = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cli_out csv = {0};
    struct cli_goshplot gp = {0};
    rc = cli_load(&o, o.inputs[0], &t, &d, &w);
    if (rc) goto out;
    cmeta_resample_opts ro;
    cli_progress_state ps;
    cli_resample_opts(&o, "gosh", &ps, &ro);
    int csv_stdout = !o.output && o.format == CLI_FMT_CSV;
    sink s;
    memset(&s, 0, sizeof s);
    if ((rc = cli_goshplot_begin(&gp, o.plot, d))) goto out;
    if (o.plot) s.bins = &gp.bins;
    if (o.output || csv_stdout) {
        if ((rc = cli_out_open(&csv, o.output))) goto out;
        s.fp = csv.fp;
        setvbuf(s.fp, NULL, _IOFBF, (size_t)1 << 20);
        cmeta_report_gosh_header(s.fp);
        s.written = ftello(s.fp); /* the header (not synced early: harmless) */
        if (s.written < 0) s.written = 0;
        struct stat sb;
        s.sync_early = o.output && !csv.direct && csv.path && !(cli_out_flags & CLI_OUT_NOSYNC) &&
                       fstat(fileno(s.fp), &sb) == 0 && S_ISREG(sb.st_mode);
    }
    cmeta_gosh_summary sum;
    cmeta_error err;
    cmeta_error_clear(&err);
    /* no rows wanted (no CSV, no plot): summary only, which the library can thread */
    cmeta_status st = (s.fp || s.bins)
                          ? cmeta_gosh_stream(d->yi, d->vi, d->k, (uint64_t)o.subsets, &ro, prep_rows,
                                              write_rows, &s, &sum, &err)
                          : cmeta_gosh(d->yi, d->vi, d->k, (uint64_t)o.subsets, &ro, NULL, NULL, &sum, &err);
    cli_progress_end(&ps);
    for (unsigned i = 0; i < CMETA_GOSH_SLOTS; i++) free(s.text[i]);
    if (st != CMETA_OK) {
        if (s.nomem && !cli_interrupt) rc = cli_failf(4, "out of memory");
        else if (s.fp && ferror(s.fp) && !cli_interrupt) rc = cli_failf(4, "%s: write error", o.output ? o.output : "stdout");
        else rc = cli_fail(&err);
        if (o.output) cli_out_abort(&csv);
        goto out;
    }
    if (s.fp && (rc = cli_out_commit(&csv))) goto out;
    if ((rc = cli_goshplot_end(&gp, &sum, ro.method))) goto out;
    if (csv_stdout) {
        cli_print_warnings(&w);
        goto out;
    }
    if (o.format != CLI_FMT_JSON) cli_print_warnings(&w);
    cmeta_report_run run = {d->k, ro.method, ro.seed};
    rc = cli_report_status(cmeta_report_gosh(stdout, (cmeta_report_format)o.format, &sum, &run, o.output, o.plot, &w));
    if (!rc && fflush(stdout) != 0) rc = cli_failf(4, "standard output: write error");
out:
    cli_goshplot_abort(&gp);
    cmeta_warnings_free(&w);
    cmeta_data_free(d);
    cmeta_table_free(t);
    cli_opts_free(&o);
    return rc;
}
