/* cli_blas.c - the program loads OpenBLAS only when the library first calls it.
 *
 * The library calls four OpenBLAS routines: cblas_dgemm (the batched resampling kernels,
 * batchfit.c) and LAPACK's dpotrf, dpotri, dsyev (rma.c), and links OpenBLAS normally
 * (libcmeta.so, libcmeta.a and API users are unaffected). The program alone is linked
 * without -lopenblas and defines these four symbols here: the first call opens the OpenBLAS
 * shared library (CMETA_BLAS_SONAME, the soname the Makefile found) and every call is
 * forwarded to OpenBLAS's own routine, so the arithmetic and the results are unchanged.
 * Why: loading OpenBLAS costs ~1.5 ms at start-up (mostly its ~14,000 symbol relocations),
 * as much as a whole GOSH run with FE or DL over 65535 subsets, which never calls it.
 * If the library cannot be opened, one line goes to stderr and the program exits with
 * status 4, leaving no temporary output file (cmeta is built against OpenBLAS and cannot
 * compute without it). The opening is cli_lazy.c's, shared with cli_cairo.c. */
#include <pthread.h>
#include <stddef.h>
#include <cblas.h>

#include "cli.h"

#ifndef CMETA_BLAS_SONAME
#define CMETA_BLAS_SONAME "libopenblas.so.0"
#endif

typedef void (*dgemm_fn)(const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE,
                         const enum CBLAS_TRANSPOSE, const blasint, const blasint, const blasint,
                         const double, const double *, const blasint, const double *,
                         const blasint, const double, double *, const blasint);
/* Fortran LAPACK (gfortran convention: the lengths of character arguments follow, by value) */
typedef void (*potr_fn)(const char *, const int *, double *, const int *, int *, size_t);
typedef void (*syev_fn)(const char *, const char *, const int *, double *, const int *, double *,
                        double *, const int *, int *, size_t, size_t);

enum { B_DGEMM, B_POTRF, B_POTRI, B_SYEV, B_N };
static const char *const blas_names[B_N] = { "cblas_dgemm", "dpotrf_", "dpotri_", "dsyev_" };
static cli_lazy_fn blas[B_N];
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void blas_open(void)
{
    cli_lazy_open(CMETA_BLAS_SONAME, blas_names, blas, B_N);
}

void cblas_dgemm(const enum CBLAS_ORDER Order, const enum CBLAS_TRANSPOSE TransA,
                 const enum CBLAS_TRANSPOSE TransB, const blasint M, const blasint N,
                 const blasint K, const double alpha, const double *A, const blasint lda,
                 const double *B, const blasint ldb, const double beta, double *C,
                 const blasint ldc)
{
    pthread_once(&blas_once, blas_open);
    ((dgemm_fn)blas[B_DGEMM])(Order, TransA, TransB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* as declared in src/lib/rma.c */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info);

void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info)
{
    pthread_once(&blas_once, blas_open);
    ((potr_fn)blas[B_POTRF])(uplo, n, a, lda, info, 1);
}

void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info)
{
    pthread_once(&blas_once, blas_open);
    ((potr_fn)blas[B_POTRI])(uplo, n, a, lda, info, 1);
}

void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info)
{
    pthread_once(&blas_once, blas_open);
    ((syev_fn)blas[B_SYEV])(jobz, uplo, n, a, lda, w, work, lwork, info, 1, 1);
}
