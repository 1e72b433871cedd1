/* internal.h - helpers shared inside the library; never installed, never included by the
 * program or the tests through the public path. */
#ifndef CMETA_INTERNAL_H
#define CMETA_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include "cmeta/cmeta.h"

/* A zeroed array of n elements (n may be 0; cmeta_calloc checks the product for overflow). */
#define CMETA_ARRAY_NEW(type, n) ((type *)cmeta_calloc((n), sizeof(type)))

/* Case-insensitive ASCII comparison (locale independent). */
int cmeta__strcasecmp(const char *a, const char *b);

#endif
