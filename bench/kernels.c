/* kernels.c - GFLOP/s of the batched fitting kernel against the machine's dgemm peak.
 * Prints lines "name seconds gflops". The kernel's GFLOP/s count the flops of its matrix
 * products (X'WX, X'W^2X, X'W^3X, X'Wy, the residuals; batchfit.h), which are cmeta's own
 * cmeta__gemm_rm (linalg.c), not BLAS, over the kernel's whole time (the per-replicate
 * inverses and the iteration included). They run on one thread, as the cmeta program's per
 * block; compare them with OpenBLAS's dgemm on one thread (dgemm_1024_1thread), the rate of
 * large square products. This program links OpenBLAS for that reference only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cblas.h>
#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"
#include "batchfit.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Three n x n products; prints "name seconds GFLOP/s". */
static void time_dgemm(const char *name, const char *note, const double *A, const double *B,
                       double *C, size_t n)
{
    int reps = 3;
    double t0 = now();
    for (int r = 0; r < reps; r++)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, A, (int)n, B, (int)n, 0.0, C, (int)n);
    double el = now() - t0;
    printf("%s %.4f %.2f%s\n", name, el, reps * 2.0 * n * n * n / el / 1e9, note);
}

int main(void)
{
    gsl_set_error_handler_off();
    /* dgemm peak: square 1024 products */
    size_t n = 1024;
    double *A = malloc(n * n * sizeof *A), *B = malloc(n * n * sizeof *B), *C = malloc(n * n * sizeof *C);
    for (size_t i = 0; i < n * n; i++) A[i] = B[i] = 1.0 / (double)(i % 97 + 1);
    time_dgemm("dgemm_1024", " (OpenBLAS's own threads)", A, B, C, n);
    /* the cmeta program runs OpenBLAS single-threaded (src/cli/main.c): one core's rate */
    openblas_set_num_threads(1);
    time_dgemm("dgemm_1024_1thread", "", A, B, C, n);
    free(A);
    free(B);
    free(C);

    /* batched kernel: k = 50, p = 3 (permutation-test shape), blocks of 256, REML and DL */
    size_t k = 50, p = 3, bs = 256, nblk = 200;
    double *X = malloc(k * p * sizeof *X), *Y = malloc(bs * k * sizeof *Y), *V = malloc(bs * k * sizeof *V);
    srand(1);
    for (size_t j = 0; j < k; j++) {
        X[j * p] = 1;
        X[j * p + 1] = rand() % 50;
        X[j * p + 2] = rand() % 2;
    }
    for (size_t i = 0; i < bs * k; i++) {
        Y[i] = (rand() % 1000) / 1000.0;
        V[i] = 0.01 + (rand() % 100) / 500.0;
    }
    double *beta = malloc(bs * p * sizeof *beta), *z = malloc(bs * p * sizeof *z), *QM = malloc(bs * sizeof *QM);
    int *ok = malloc(bs * sizeof *ok);
    cmeta_method ms[2] = {CMETA_METHOD_DL, CMETA_METHOD_REML};
    const char *nm[2] = {"kernel_DL_k50_p3", "kernel_REML_k50_p3"};
    for (int m = 0; m < 2; m++) {
        cmeta__bfit_ws *ws = cmeta__bfit_alloc(k, p, X, bs);
        cmeta__bfit_out o = {beta, NULL, z, QM, NULL, NULL, NULL, NULL, NULL, ok};
        double t0 = now();
        for (size_t b = 0; b < nblk; b++) cmeta__bfit(ws, bs, Y, V, NULL, NULL, ms[m], 1e-10, 1000, 1, &o);
        double el = now() - t0;
        printf("%s %.4f %.2f fits/s=%.0f\n", nm[m], el, ws->flops / el / 1e9, nblk * bs / el);
        cmeta__bfit_free(ws);
    }
    free(X);
    free(Y);
    free(V);
    free(beta);
    free(z);
    free(QM);
    free(ok);
    return 0;
}
