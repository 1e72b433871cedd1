/* cmeta/table.h - trial records read from CSV.
 *
 * A table is a header row of column names and rows of text cells; every cell knows the
 * line of the file it came from and its column number, so that any later error can name
 * FILE:LINE:COLUMN. Reading follows RFC 4180 (quoted fields, embedded commas, quotes and
 * newlines, CRLF or LF) and accepts UTF-8 with or without a byte-order mark; it is done by
 * libcsv in strict mode.
 *
 * Rules enforced while reading (each a CMETA_EDATA with the place filled in): the file is
 * not empty, has a header, no empty or duplicated column name (case-insensitive, aliases
 * included: see cmeta_column_canonical), every row has as many fields as the header, the
 * text is valid UTF-8 without NUL bytes (refused as soon as read, so that a binary file or
 * /dev/zero fails at once), quotes are terminated. Any number of byte-order marks at the very
 * start is dropped (tools that prepend one without looking leave two).
 */
#ifndef CMETA_TABLE_H
#define CMETA_TABLE_H

#include <signal.h>
#include <stdio.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cmeta_table cmeta_table;

/* Read a whole CSV file ("-" reads standard input). name is used in messages.
 * On success *out is a new table; the caller frees it with cmeta_table_free. */
CMETA_EXPORT cmeta_status cmeta_table_read_file(const char *path, cmeta_table **out,
                                                cmeta_error *err) CMETA_RESULT_USED;
/* cmeta_table_read_file that can be stopped: reading ends with CMETA_EINTR ("interrupted
 * while reading") once *flag is nonzero (a signal handler sets it; NULL = never). The flag is
 * polled for every line and after every read, and a read cut short by a signal (EINTR) is
 * retried unless the flag is set, so a blocked read of a pipe or terminal ends too when the
 * handler is installed without SA_RESTART. */
CMETA_EXPORT cmeta_status cmeta_table_read_file_intr(const char *path, volatile sig_atomic_t *flag,
                                                     cmeta_table **out,
                                                     cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT cmeta_status cmeta_table_read_stream(FILE *fp, const char *name, cmeta_table **out,
                                                  cmeta_error *err) CMETA_RESULT_USED;

/* Incremental reading, for callers that receive data in pieces (and for the tests that feed
 * a file in every chunk size): begin, feed any number of chunks, finish. On error the
 * reader is still to be freed with cmeta_table_reader_free. */
typedef struct cmeta_table_reader cmeta_table_reader;
CMETA_EXPORT cmeta_table_reader *cmeta_table_reader_new(const char *name);
CMETA_EXPORT cmeta_status cmeta_table_reader_feed(cmeta_table_reader *r, const char *data,
                                                  size_t len, cmeta_error *err) CMETA_RESULT_USED;
/* Finish: on success the table is handed to the caller (*out) and the reader keeps nothing. */
CMETA_EXPORT cmeta_status cmeta_table_reader_finish(cmeta_table_reader *r, cmeta_table **out,
                                                    cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT void cmeta_table_reader_free(cmeta_table_reader *r);
/* Poll *flag (NULL = never) for every line fed: nonzero -> CMETA_EINTR. */
CMETA_EXPORT void cmeta_table_reader_set_interrupt(cmeta_table_reader *r,
                                                   volatile sig_atomic_t *flag);

/* The format of the text (before any data is fed): sep is the field separator (',', ';' or
 * '\t'), or 0 to decide from the header line (the first line with more than blanks): the one
 * of ',' ';' tab occurring most often in it outside quotes, a comma on a tie or when none does.
 * decimal is '.' or ','; ',' needs a separator other than a comma (CMETA_EUSAGE otherwise, also
 * when 0 decided on a comma). With ',' every cell that reads as a number with a decimal comma
 * ("-1,5", "2,", ",5e-3") gets a point in its place, so that every reader of the table sees
 * "-1.5"; a number written with a point is then refused (CMETA_EDATA at its cell: it may be a
 * thousands separator). Defaults: ',' and '.'. */
CMETA_EXPORT cmeta_status cmeta_table_reader_set_format(cmeta_table_reader *r, char sep, char decimal,
                                                        cmeta_error *err) CMETA_RESULT_USED;
/* cmeta_table_read_file_intr with a format (as cmeta_table_reader_set_format). */
CMETA_EXPORT cmeta_status cmeta_table_read_file_fmt(const char *path, char sep, char decimal,
                                                    volatile sig_atomic_t *flag, cmeta_table **out,
                                                    cmeta_error *err) CMETA_RESULT_USED;
/* The separator the table was read with (decided or given), and its decimal mark. */
CMETA_EXPORT char cmeta_table_separator(const cmeta_table *t);
CMETA_EXPORT char cmeta_table_decimal(const cmeta_table *t);

/* --col NAME=COLUMN: the column named COLUMN in the header (as written, case-insensitively)
 * is found as NAME from now on, by cmeta_table_find (a known column name or alias: NAME is
 * taken as its canonical name, "sd.e" as sd1i) and cmeta_table_find_raw (any other name:
 * a moderator, a subgroup); a mapped column no longer gives the name it has by itself.
 * CMETA_EUSAGE, naming both, when COLUMN is not in the header, when NAME is mapped twice, or
 * when two names are mapped to one column. */
CMETA_EXPORT cmeta_status cmeta_table_map_column(cmeta_table *t, const char *name, const char *column,
                                                 cmeta_error *err) CMETA_RESULT_USED;

CMETA_EXPORT void cmeta_table_free(cmeta_table *t);

CMETA_EXPORT const char *cmeta_table_name(const cmeta_table *t);
CMETA_EXPORT size_t cmeta_table_nrows(const cmeta_table *t);
CMETA_EXPORT size_t cmeta_table_ncols(const cmeta_table *t);
/* Column name as written in the header (BOM removed, surrounding blanks trimmed). */
CMETA_EXPORT const char *cmeta_table_colname(const cmeta_table *t, size_t col);
/* Cell text (never NULL; "" for an empty cell). */
CMETA_EXPORT const char *cmeta_table_cell(const cmeta_table *t, size_t row, size_t col);
/* 1-based line of the file on which the cell starts, and of the row's first cell.
 * Column numbers in messages are 1-based field indices (the cell's position in its row),
 * not character offsets. Rows made only of empty fields (",,,") are skipped like blank
 * lines; unquoted fields lose surrounding spaces and tabs, quoted ones keep them. */
CMETA_EXPORT long cmeta_table_cell_line(const cmeta_table *t, size_t row, size_t col);
CMETA_EXPORT long cmeta_table_row_line(const cmeta_table *t, size_t row);
/* 1-based line of the header row (1 unless blank lines come first). */
CMETA_EXPORT long cmeta_table_header_line(const cmeta_table *t);

/* Index of a column by canonical name: the header names are matched case-insensitively
 * and through the aliases of the CLI contract (e.g. "mean.e" -> "m1i"). Returns -1 when
 * absent. */
CMETA_EXPORT long cmeta_table_find(const cmeta_table *t, const char *canonical);
/* Index of a column by its exact name as written (case-insensitive); -1 when absent. */
CMETA_EXPORT long cmeta_table_find_raw(const cmeta_table *t, const char *name);

/* The canonical name a header name stands for ("mean.e" -> "m1i", "TE" -> "yi",
 * "Study" -> "study"), or NULL when it is not one of the known data columns. */
CMETA_EXPORT const char *cmeta_column_canonical(const char *name);

/* Is the cell missing (empty, or "NA" in any case, surrounding blanks ignored)? */
CMETA_EXPORT int cmeta_cell_is_missing(const char *cell);

/* Parse a numeric cell independently of the locale: decimal or exponent notation,
 * surrounding blanks allowed. Returns CMETA_EDATA for text, "inf", "nan" or a number that
 * overflows a double, with a message such as "'abc' is not a number". */
CMETA_EXPORT cmeta_status cmeta_parse_double(const char *cell, double *out,
                                             cmeta_error *err) CMETA_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
