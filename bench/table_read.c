/* table_read.c - the table read alone (cmeta_table_read_file), for bench/run_large.sh: its
 * maximum resident set is the "table read" that `cmeta pool` / `cmeta escalc` memory on 10^6
 * studies is measured beyond (issue 15: at most 100 bytes per study more).
 * Usage: build/bench/table_read FILE   (prints rows and columns) */
#include <stdio.h>

#include "cmeta/cmeta.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: table_read FILE\n");
        return 2;
    }
    cmeta_table *t = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    if (cmeta_table_read_file(argv[1], &t, &err) != CMETA_OK) {
        fprintf(stderr, "table_read: %s\n", err.message);
        return 1;
    }
    printf("%zu rows, %zu columns\n", cmeta_table_nrows(t), cmeta_table_ncols(t));
    cmeta_table_free(t);
    return 0;
}
