/* internal.h - helpers shared inside the library; never installed, never included by the
 * program or the tests through the public path. */
#ifndef CMETA_INTERNAL_H
#define CMETA_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include "cmeta/cmeta.h"

/* A zeroed array of n elements (n may be 0; cmeta_calloc checks the product for overflow). */
#define CMETA_ARRAY_NEW(type, n) ((type *)cmeta_calloc((n), sizeof(type)))

/* A zeroed array of n doubles (at least one), NULL when out of memory. */
static inline double *cmeta__dnew(size_t n) { return (double *)cmeta_calloc(n ? n : 1, sizeof(double)); }
/* Zeroed array of n elements (at least one), NULL when out of memory. */
static inline void *cmeta__anew(size_t n, size_t size) { return cmeta_calloc(n > 0 ? n : 1, size); }
#define CMETA__NEW(type, n) ((type *)cmeta__anew((n), sizeof(type)))

/* Fill err with "out of memory" and return CMETA_ENOMEM (every ENOMEM path names itself). */
static inline cmeta_status cmeta__nomem(cmeta_error *err)
{
    return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
}

/* Case-insensitive ASCII comparison (locale independent). */
int cmeta__strcasecmp(const char *a, const char *b);
/* table.c: 1 + the offset of the comma when cell reads as a number with a decimal comma
 * ([blanks][+|-](digits,digits* | ,digits)[e[+|-]digits][blanks]), else 0. */
size_t cmeta__decimal_comma_at(const char *cell);
/* colmap.c: "HEAD (the columns found); closest: <kind> lacks <names>; ...; start from --col
 * <names guessed from the file's>" into msg[n]; family (a cmeta_family) >= 0: the measure is
 * given, only the --col line for its family follows the columns. */
struct cmeta_table;
void cmeta__no_measure_message(const struct cmeta_table *t, int family, const char *head,
                               char *msg, size_t n);
/* table.c: the cells of row `row` as the table keeps them, one after another, each ended by
 * its NUL: *text points at the first; returns the bytes, the last NUL included (0 when there
 * is no such row or no column). */
size_t cmeta__table_row_text(const struct cmeta_table *t, size_t row, const char **text);

#endif
