/* fuzz_pool.c - libFuzzer target: the whole read -> validate -> effect sizes -> pool path.
 * The first two bytes choose the measure and the method; the rest is the CSV file. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_table *t = NULL;
    if (fuzz_read(data + 2, size - 2, size - 2, &t, &err) != CMETA_OK) return 0;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_data *d = NULL;
    cmeta_status st = fuzz_data(t, data[0], &d, &w, &err);
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
