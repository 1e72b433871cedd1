/* fuzz_regress.c - libFuzzer target: read -> validate -> effect sizes -> design matrix from
 * table columns -> meta-regression (the `cmeta regress` path).
 * Byte 0 chooses the measure, byte 1 the method and test, byte 2 which of the table's first
 * eight columns are moderators (a bit mask; byte 3 bit 0 drops the intercept); the rest is
 * the CSV file. */
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_table *t = NULL;
    if (fuzz_read(data + 4, size - 4, size - 4, &t, &err) != CMETA_OK) return 0;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_data *d = NULL;
    cmeta_status st = fuzz_data(t, data[0], &d, &w, &err);
    if (st == CMETA_OK) {
        char mods[1024] = "";
        size_t len = 0, nc = cmeta_table_ncols(t);
        for (size_t j = 0; j < nc && j < 8; j++) {
            if (!(data[2] >> j & 1)) continue;
            const char *nm = cmeta_table_colname(t, j);
            if (!nm || strchr(nm, ',') || len + strlen(nm) + 2 >= sizeof mods) continue;
            len += (size_t)snprintf(mods + len, sizeof mods - len, "%s%s", len ? "," : "", nm);
        }
        cmeta_design *des = NULL;
        if (len && cmeta_design_from_data(d, mods, !(data[3] & 1), &des, &w, &err) == CMETA_OK) {
            double *y = malloc((des->n + 1) * sizeof *y), *v = malloc((des->n + 1) * sizeof *v);
            if (y && v) {
                for (size_t i = 0; i < des->n; i++) {
                    y[i] = d->yi[des->keep[i]];
                    v[i] = d->vi[des->keep[i]];
                }
                cmeta_fit_opts fo;
                cmeta_fit_opts_default(&fo);
                fo.method = (cmeta_method)(data[1] % (CMETA_METHOD_PM + 1));
                fo.test = (cmeta_test)((data[1] >> 4) % 3);
                fo.intercept = des->intercept;
                cmeta_fit *fit = NULL;
                if (cmeta_rma(y, v, des->n, des->X, des->q, &fo, &fit, &w, &err) == CMETA_OK)
                    cmeta_fit_free(fit);
            }
            free(y);
            free(v);
        }
        cmeta_design_free(des);
    }
    cmeta_data_free(d);
    cmeta_warnings_free(&w);
    cmeta_table_free(t);
    return 0;
}
