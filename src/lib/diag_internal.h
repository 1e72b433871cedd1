/* diag_internal.h - small dense linear algebra shared by the regression diagnostics
 * (design.c, influence.c, regtest.c, trimfill.c). Matrices are row-major, p small. */
#ifndef CMETA_DIAG_INTERNAL_H
#define CMETA_DIAG_INTERNAL_H

#include <stddef.h>

#include "cmeta/status.h"

/* Zeroed array of n elements (at least one), NULL when out of memory. */
static inline void *cmeta__diag_new(size_t n, size_t size) { return cmeta_calloc(n ? n : 1, size); }
#define DIAG_NEW(type, n) ((type *)cmeta__diag_new((n), sizeof(type)))

/* In-place Cholesky A = L L' of a p x p symmetric positive definite matrix (lower triangle
 * holds L on return, upper triangle zeroed). Returns 0, or -1 when not positive definite. */
int cmeta__chol(double *A, size_t p);
/* Inverse of A from its Cholesky factor L (as left by cmeta__chol) into inv (p x p);
 * as R's chol2inv. */
void cmeta__chol_inv(const double *L, size_t p, double *inv);
/* log-determinant of A from its Cholesky factor: 2 sum log L_ii. */
double cmeta__chol_logdet(const double *L, size_t p);

/* X'WX (p x p) for X n x p row-major and weights w (n). */
void cmeta__xtwx(const double *X, const double *w, size_t n, size_t p, double *out);
/* X'Wy (p). */
void cmeta__xtwy(const double *X, const double *w, const double *y, size_t n, size_t p,
                 double *out);
/* Inverse of X'WX (p x p) into inv; returns -1 when X'WX is not positive definite. work has
 * p * p doubles. */
int cmeta__xtwx_inv(const double *X, const double *w, size_t n, size_t p, double *inv,
                    double *work);

#endif
