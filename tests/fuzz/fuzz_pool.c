/* fuzz_pool.c - libFuzzer target: the whole read -> validate -> effect sizes -> pool path.
 * The first two bytes choose the measure and the method; the rest is the CSV file. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_table_reader *r = cmeta_table_reader_new("fuzz.csv");
    cmeta_table *t = NULL;
    if (!r) return 0;
    cmeta_status st = cmeta_table_reader_feed(r, (const char *)data + 2, size - 2, &err);
    if (st == CMETA_OK) st = cmeta_table_reader_finish(r, &t, &err);
    cmeta_table_reader_free(r);
    if (st != CMETA_OK) return 0;

    cmeta_data_opts dopts;
    cmeta_data_opts_default(&dopts);
    dopts.measure = (cmeta_measure)(data[0] % (CMETA_NMEASURES + 1));
    dopts.measure_set = dopts.measure != CMETA_NMEASURES;
    if (!dopts.measure_set) dopts.measure = CMETA_GEN;
    dopts.ri_set = 1;
    dopts.ri = 0.5;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_data *d = NULL;
    st = cmeta_data_from_table(t, &dopts, &d, &w, &err);
    if (st == CMETA_OK) {
        cmeta_fit_opts fo;
        cmeta_fit_opts_default(&fo);
        fo.method = (cmeta_method)(data[1] % (CMETA_METHOD_PETO + 1));
        fo.test = (cmeta_test)((data[1] >> 4) % 3);
        cmeta_fit *fit = NULL;
        st = cmeta_fit_data(d, &fo, &fit, &w, &err);
        cmeta_fit_free(fit);
    }
    cmeta_data_free(d);
    cmeta_warnings_free(&w);
    cmeta_table_free(t);
    return 0;
}
