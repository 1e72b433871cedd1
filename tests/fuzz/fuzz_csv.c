/* fuzz_csv.c - libFuzzer target: the CSV reader on arbitrary bytes, fed whole and in two
 * pieces split at a position taken from the input; both must agree and never crash. */
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cmeta_error e1, e2;
    cmeta_table *t1 = NULL, *t2 = NULL;
    cmeta_error_clear(&e1);
    cmeta_error_clear(&e2);
    size_t split = size ? data[0] % (size + 1) : 0;
    cmeta_status s1 = fuzz_read(data, size, size, &t1, &e1);
    cmeta_status s2 = fuzz_read(data, size, split, &t2, &e2);
    if (s1 != s2) abort(); /* chunking must not change the outcome */
    if (s1 == CMETA_OK) {
        if (cmeta_table_nrows(t1) != cmeta_table_nrows(t2) || cmeta_table_ncols(t1) != cmeta_table_ncols(t2))
            abort();
        for (size_t i = 0; i < cmeta_table_nrows(t1); i++)
            for (size_t j = 0; j < cmeta_table_ncols(t1); j++)
                if (strcmp(cmeta_table_cell(t1, i, j), cmeta_table_cell(t2, i, j)) != 0 ||
                    cmeta_table_cell_line(t1, i, j) != cmeta_table_cell_line(t2, i, j))
                    abort();
    } else if (e1.line != e2.line || e1.column != e2.column) {
        abort();
    }
    char buf[2048];
    cmeta_error_format(&e1, buf, sizeof buf);
    cmeta_table_free(t1);
    cmeta_table_free(t2);
    return 0;
}
