/* fuzz_common.h - what the libFuzzer targets share: GSL's aborting error handler off, the
 * CSV reader fed in two pieces, and the table -> data step with the measure chosen by a byte.
 * Included by exactly one file per target (each target is its own program). */
#ifndef CMETA_FUZZ_COMMON_H
#define CMETA_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gsl_set_error_handler_off();
    return 0;
}

/* The table of data[0..size), fed to the reader in two pieces split at `split`. */
static cmeta_status fuzz_read(const uint8_t *data, size_t size, size_t split, cmeta_table **t,
                              cmeta_error *err)
{
    cmeta_table_reader *r = cmeta_table_reader_new("fuzz.csv");
    if (!r) return CMETA_ENOMEM;
    cmeta_status st = cmeta_table_reader_feed(r, (const char *)data, split, err);
    if (st == CMETA_OK) st = cmeta_table_reader_feed(r, (const char *)data + split, size - split, err);
    if (st == CMETA_OK) st = cmeta_table_reader_finish(r, t, err);
    cmeta_table_reader_free(r);
    return st;
}

/* Validated effect sizes of table t; the measure is `byte` modulo the number of measures,
 * or none (yi/vi columns) for the value one past them; ri = 0.5 for pre-post measures. */
static cmeta_status fuzz_data(const cmeta_table *t, uint8_t byte, cmeta_data **d,
                              cmeta_warnings *w, cmeta_error *err)
{
    cmeta_data_opts dopts;
    cmeta_data_opts_default(&dopts);
    dopts.measure = (cmeta_measure)(byte % (CMETA_NMEASURES + 1));
    dopts.measure_set = dopts.measure != CMETA_NMEASURES;
    if (!dopts.measure_set) dopts.measure = CMETA_GEN;
    dopts.ri_set = 1;
    dopts.ri = 0.5;
    return cmeta_data_from_table(t, &dopts, d, w, err);
}

#endif
