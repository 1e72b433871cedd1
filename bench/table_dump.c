/* table_dump.c - everything the reader and the data build make of a file, printed exactly
 * (cells with their lines, numbers in %a), for bench/diff_table.sh: the same program linked
 * with main's library and with the branch's must print the same bytes for every input.
 * Usage: table_dump FILE CHUNK SEP DECIMAL   (CHUNK: bytes per cmeta_table_reader_feed call;
 * SEP: , ; t (tab) or a (auto); DECIMAL: . or ,) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/cmeta.h"

static void print_err(const char *what, cmeta_status st, const cmeta_error *e)
{
    char buf[2048];
    cmeta_error_format(e, buf, sizeof buf);
    printf("%s: status %d index %ld: %s\n", what, (int)st, e->index, buf);
}

static void data_dump(const cmeta_table *t, int measure_set, cmeta_measure m)
{
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    o.measure_set = measure_set;
    o.measure = m;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    cmeta_error e;
    cmeta_error_clear(&e);
    cmeta_data *d = NULL;
    cmeta_status st = cmeta_data_from_table(t, &o, &d, &w, &e);
    printf("data %s:\n", measure_set ? cmeta_measure_name(m) : "auto");
    for (size_t i = 0; i < w.n; i++) printf("  warning: %s\n", w.text[i]);
    if (st != CMETA_OK) print_err("  error", st, &e);
    else {
        printf("  k %zu nrows %zu measure %s\n", d->k, d->nrows, cmeta_data_measure_name(d));
        for (size_t s = 0; s < d->k; s++)
            printf("  %zu '%s' %a %a\n", d->row[s], d->label[s], d->yi[s], d->vi[s]);
        for (size_t i = 0; i < d->nrows; i++)
            printf("  row %zu '%s' %a %a\n", i, d->row_label[i], d->row_yi[i], d->row_vi[i]);
    }
    cmeta_data_free(d);
    cmeta_warnings_free(&w);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: table_dump FILE CHUNK SEP DECIMAL\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) return 2;
    size_t chunk = (size_t)atol(argv[2]);
    char sep = argv[3][0] == 'a' ? 0 : argv[3][0] == 't' ? '\t' : argv[3][0];
    char *buf = malloc(chunk ? chunk : 1);
    cmeta_error e;
    cmeta_error_clear(&e);
    cmeta_table_reader *r = cmeta_table_reader_new("dump.csv");
    cmeta_status st = cmeta_table_reader_set_format(r, sep, argv[4][0], &e);
    size_t n;
    while (st == CMETA_OK && (n = fread(buf, 1, chunk, fp)) > 0) st = cmeta_table_reader_feed(r, buf, n, &e);
    fclose(fp);
    free(buf);
    cmeta_table *t = NULL;
    if (st == CMETA_OK) st = cmeta_table_reader_finish(r, &t, &e);
    cmeta_table_reader_free(r);
    if (st != CMETA_OK) {
        print_err("read", st, &e);
        return 0;
    }
    size_t nr = cmeta_table_nrows(t), nc = cmeta_table_ncols(t);
    printf("rows %zu cols %zu header line %ld sep %d decimal %c\n", nr, nc, cmeta_table_header_line(t),
           cmeta_table_separator(t), cmeta_table_decimal(t));
    for (size_t j = 0; j < nc; j++) printf("col %zu [%s]\n", j, cmeta_table_colname(t, j));
    for (size_t i = 0; i < nr; i++) {
        printf("row %zu line %ld:", i, cmeta_table_row_line(t, i));
        for (size_t j = 0; j < nc; j++)
            printf(" %ld[%s]", cmeta_table_cell_line(t, i, j), cmeta_table_cell(t, i, j));
        printf("\n");
    }
    data_dump(t, 0, CMETA_GEN);
    static const char *ms[] = {"SMD", "OR", "PLO", "ZCOR", "SMCR"};
    for (size_t k = 0; k < sizeof ms / sizeof *ms; k++) {
        cmeta_measure m;
        if (cmeta_measure_from_name(ms[k], &m) == CMETA_OK) data_dump(t, 1, m);
    }
    cmeta_table_free(t);
    return 0;
}
