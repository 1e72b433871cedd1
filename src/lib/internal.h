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

/* llcheck.c: warn (to w) when the profile (restricted, reml = 1) log-likelihood of the model
 * with design X (k x p, row-major) is higher somewhere on a grid of tau^2 than at tau2,
 * i.e. Fisher scoring stopped at a local maximum. CMETA_ENOMEM only when the warning
 * cannot be stored; does nothing when w is NULL. */
cmeta_status cmeta__ll_check_global(int reml, const double *y, const double *vi, size_t k,
                                    const double *X, size_t p, double tau2, cmeta_warnings *w);

#endif
