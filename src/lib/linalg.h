/* linalg.h - the library's small dense linear algebra (private; never installed).
 *
 * The numeric layer: every Cholesky factorisation, solve and inverse, the weighted least
 * squares object the fits refit many times, the batched fits' products, the rank check, and
 * the only calls into LAPACK (through the seam below). Matrices are row-major, p small (coefficients).
 * Nothing here knows about studies, files or printing.
 *
 * Notation (Viechtbauer 2010; metafor 3.8 rma.uni): X is the k x p design (row-major),
 * W = diag(w), and
 *     P = W - W X (X'WX)^-1 X'W,
 * so that y'Py = sum w_i (y_i - x_i'b)^2 with b the weighted least-squares fit.
 *
 * P is never formed (it is k x k): with A = (X'WX)^-1, x_i the i-th row of X and
 * M(c) = X' diag(c) X (p x p), P_ij = w_i [i = j] - w_i w_j x_i'A x_j, and every sum the
 * estimators need has an O(k p^2) form (derivations beside the code in linalg.c):
 *     P_ii                      = w_i - w_i^2 x_i'A x_i
 *     sum_i d_i P_ii            = sum d_i w_i - sum d_i w_i^2 x_i'A x_i
 *     sum_ij a_i b_j P_ij^2     = sum a_i b_i w_i^2 - 2 sum a_i b_i w_i^3 x_i'A x_i
 *                                 + tr(A M(a w^2) A M(b w^2))
 * Memory O(k p + p^2). */
#ifndef CMETA_LINALG_H
#define CMETA_LINALG_H

#include <stddef.h>

#include "internal.h"

/* ---- BLAS / LAPACK seam ----------------------------------------------------------------------
 * OpenBLAS is not linked: it is opened (dlopen) on first need, once per process, and its
 * routines are called through this table. Why: loading OpenBLAS costs ~1.5 ms at start-up (its
 * ~14,000 relocations) and more in page faults: when they loaded it (for dgemm, dsyev) a
 * `cmeta regress` took ~9.5 ms and a 1000-iteration `cmeta permtest` with 2 moderators ~18.5 ms
 * on one thread, without it ~3.8 and ~13.3 ms. Nothing common needs it: the batched fits'
 * products are cmeta__gemm_rm and the rank check's eigenvalues cmeta__jacobi_eigenvalues (both
 * below); only cmeta__sym_eigen (the cluster-robust CR2 estimator) and the rank check of a model
 * with more than 64 coefficients call LAPACK's dsyev. The prototype is LAPACK's real one,
 * including the hidden lengths of the character arguments (gfortran passes them by value after
 * the other arguments). Library searched: $CMETA_OPENBLAS if set, else the soname the Makefile
 * found (CMETA_BLAS_SONAME). */
typedef struct cmeta__blas_table_s {
    void (*dsyev)(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
                  double *w, double *work, const int *lwork, int *info, size_t jobz_len,
                  size_t uplo_len); /* LAPACK dsyev_ */
} cmeta__blas_table;

/* The process's BLAS table, opening OpenBLAS on the first call (thread-safe). NULL when it
 * cannot be opened: then err (may be NULL) gets CMETA_EIO and a message naming the library
 * and the reason. The library never exits for it; every caller returns the status. */
const cmeta__blas_table *cmeta__blas(cmeta_error *err);
/* Open the shared library `soname` and fill t from it (no global state; for cmeta__blas and
 * for the unit tests of the failure path). CMETA_OK, or CMETA_EIO with the message. */
cmeta_status cmeta__blas_open(const char *soname, cmeta__blas_table *t, cmeta_error *err);

/* ---- Cholesky ------------------------------------------------------------------------------
 * The one Cholesky of the library, for small p (X'WX, p x p). */

/* In place A = L L' of a p x p symmetric matrix (lower triangle holds L on return, upper
 * triangle zeroed). A pivot s is refused (returns -1) unless s > rtol * |A_jj| (the
 * original diagonal) and finite: rtol = 0 refuses only non-positive pivots; the batched
 * kernel uses 1e-14 to call a numerically singular replicate failed. Returns 0 on success. */
int cmeta__chol_tol(double *A, size_t p, double rtol);
static inline int cmeta__chol(double *A, size_t p) { return cmeta__chol_tol(A, p, 0.0); }
/* Inverse of A from its Cholesky factor L (as left by cmeta__chol) into inv (p x p), by
 * columns (L z = e_c, L'x = z) then symmetrised; as R's chol2inv. */
void cmeta__chol_inv(const double *L, size_t p, double *inv);
/* log det A = 2 sum log L_ii. */
double cmeta__chol_logdet(const double *L, size_t p);
/* Solve L L' x = b in place (b: p). */
void cmeta__chol_solve(const double *L, size_t p, double *b);
/* The inverse and log-determinant of a p x p symmetric positive definite matrix, in
 * place: cmeta__chol_tol(rtol), cmeta__chol_logdet, cmeta__chol_inv. work: p * p doubles.
 * Returns 0, or -1 when not positive definite (A then undefined). logdet may be NULL. */
int cmeta__spd_inverse(double *A, size_t p, double rtol, double *logdet, double *work);

/* X'WX (p x p) for X n x p row-major and weights w (n). */
void cmeta__xtwx(const double *X, const double *w, size_t n, size_t p, double *out);
/* X'Wy (p). */
void cmeta__xtwy(const double *X, const double *w, const double *y, size_t n, size_t p,
                 double *out);
/* Inverse of X'WX (p x p) into inv; returns -1 when X'WX is not positive definite. work has
 * p * p doubles. */
int cmeta__xtwx_inv(const double *X, const double *w, size_t n, size_t p, double *inv,
                    double *work);

/* ---- symmetric eigen-decomposition, powers, products ------------------------------------------- */

/* doubles of workspace cmeta__sym_eigen needs for an n x n matrix (LAPACK dsyev's lwork with a
 * block size of 32, at least its minimum 3n - 1). */
static inline size_t cmeta__sym_eigen_lwork(size_t n) { return n < 2 ? 1 : 34 * n; }
/* Eigen-decomposition of the n x n symmetric A (row-major; LAPACK dsyev through the seam, no
 * LAPACK for n = 1): ev gets the eigenvalues in ascending order and A the eigenvectors, column j
 * (A[i * n + j], i = 0..n-1) the unit eigenvector of ev[j]. work: cmeta__sym_eigen_lwork(n)
 * doubles. CMETA_OK; CMETA_EIO when LAPACK cannot be loaded; CMETA_ENUMERIC when dsyev fails
 * (info != 0). err may be NULL. */
cmeta_status cmeta__sym_eigen(double *A, size_t n, double *ev, double *work, cmeta_error *err);
/* out = A^power for the n x n symmetric A (not changed) through its eigen-decomposition
 * A = V diag(ev) V': V diag(f) V' with f_j = ev_j^power when ev_j > cut, else 0 (so a negative
 * power gives the pseudo-inverse's power; clubSandwich's matrix_power with cut = 1e-12). work:
 * n * n + n + cmeta__sym_eigen_lwork(n) doubles. Status as cmeta__sym_eigen. */
cmeta_status cmeta__sym_power(const double *A, size_t n, double power, double cut, double *out,
                              double *work, cmeta_error *err);
/* C = op(A) op(B), row-major: op(A) is m x kk (A stored kk x m when ta), op(B) kk x n (B stored
 * n x kk when tb), C m x n (not aliasing A or B). Plain loops: for the small blocks of the
 * cluster-robust estimators. */
void cmeta__matmul(const double *A, int ta, const double *B, int tb, size_t m, size_t n, size_t kk,
                   double *C);

/* ---- skinny products ------------------------------------------------------------------------
 * The batched fits' products (batchfit.c): a block of B replicates (B up to a few hundred)
 * times a k x n matrix with n = p, p(p+1)/2 or k, all small. Our own kernel, not BLAS: loading
 * OpenBLAS costs more than all the products of a permutation test (bench/README.md), and a
 * fixed summation order makes every row's result independent of the block it is computed in. */

/* Columns of a block of cmeta__gemm_rm: B's rows are read up to column cmeta__gemm_ld(n) - 1. */
#define CMETA__GEMM_NB 4
/* Row length to give a k x n matrix used as cmeta__gemm_rm's B: n rounded up to CMETA__GEMM_NB. */
static inline size_t cmeta__gemm_ld(size_t n) { return (n + CMETA__GEMM_NB - 1) / CMETA__GEMM_NB * CMETA__GEMM_NB; }
/* C = A B, row-major: A m x kk (row stride lda), B kk x n (row stride ldb >= cmeta__gemm_ld(n);
 * its columns n .. cmeta__gemm_ld(n) - 1 are read and must be finite, e.g. zero: they feed only
 * results that are not stored), C m x n (row stride ldc; not aliasing A or B). Summation order,
 * fixed: C[b][j] = (...((A[b][0] B[0][j] + A[b][1] B[1][j]) + A[b][2] B[2][j]) ...) + A[b][kk-1]
 * B[kk-1][j], each term added as `c += a * b` (one expression: a compiler contracting it to a
 * fused multiply-add does so for every element alike). So row b's result depends on row b of A
 * and on B only, never on m or on the other rows: the same bits in any block, slot or thread.
 * Blocks of 4 rows x CMETA__GEMM_NB columns are accumulated in registers, the compiler
 * vectorising over the columns; the last block of rows repeats row m - 1 (its copies not
 * stored), so that every element goes through the same code. */
void cmeta__gemm_rm(size_t m, size_t n, size_t kk, const double *A, size_t lda, const double *B,
                    size_t ldb, double *C, size_t ldc);

/* ---- rank --------------------------------------------------------------------------------- */

/* Eigenvalues of the n x n symmetric A (row-major, both triangles; destroyed) into ev in
 * ascending order, by the cyclic Jacobi method (linalg.c gives the method and its sources).
 * No BLAS/LAPACK. Returns 0, or -1 when 60 sweeps did not converge (ev then holds the
 * diagonal the sweeps reached). */
int cmeta__jacobi_eigenvalues(double *A, size_t n, double *ev);

/* Full rank check as metafor (smallest eigenvalue of X'X <= 1e-7 refuses the model; p <= 64
 * by cmeta__jacobi_eigenvalues, larger p by LAPACK dsyev). *col: -1 at full rank, else the
 * 0-based column that is (nearly) a linear combination of the others (the smallest
 * Gram-Schmidt residual relative to its norm). CMETA_OK, CMETA_ENOMEM, or (p > 64 only)
 * CMETA_EIO when LAPACK cannot be loaded (err says why). */
cmeta_status cmeta__rank_check(const double *X, size_t k, size_t p, long *col, cmeta_error *err);

/* ---- weighted least squares ------------------------------------------------------------------
 * Buffers are allocated once by cmeta__lin_init and reused for every weight vector (the
 * iterative estimators refit many times). */
typedef struct {
    size_t k, p;
    const double *X; /* k x p, not owned */
    double *w;       /* k: weights, set by the caller before cmeta__lin_solve */
    double *inv;     /* p x p: (X'WX)^-1 after cmeta__lin_solve */
    double *beta;    /* p: (X'WX)^-1 X'W y when cmeta__lin_solve got a y */
    double *S;       /* 4 p^2 scratch for cmeta__lin_sumPP */
    double *r;       /* k scratch: residuals */
    double logdet;   /* log det(X'WX) */
} cmeta__lin;

/* CMETA_ENOMEM (err not touched: callers report it with cmeta__nomem) or CMETA_OK. */
cmeta_status cmeta__lin_init(cmeta__lin *L, const double *X, size_t k, size_t p);
void cmeta__lin_free(cmeta__lin *L);
/* Factorise X'WX (cmeta__chol) and, when y is not NULL, solve for beta.
 * Returns 0, or -1 when X'WX is not positive definite. */
int cmeta__lin_solve(cmeta__lin *L, const double *y);
/* sum w_i (y_i - x_i'beta)^2 for the beta of the last solve with this y. */
double cmeta__lin_rss(cmeta__lin *L, const double *y);
/* Sums over P for the weights of the last cmeta__lin_solve (P itself is never formed).
 * A NULL vector stands for a vector of ones. */
double cmeta__lin_Pii(const cmeta__lin *L, size_t i);           /* P_ii */
double cmeta__lin_trPD(const cmeta__lin *L, const double *d);   /* sum_i d_i P_ii = tr(P D) */
/* sum_ij a_i b_j P_ij^2 = tr(P D_a P D_b) */
double cmeta__lin_sumPP(cmeta__lin *L, const double *a, const double *b);
/* Convenience: w_i = 1/(vi_i + tau2), solve, rss. Returns -1 on a singular X'WX. */
int cmeta__lin_at(cmeta__lin *L, const double *vi, double tau2, const double *y, double *rss);

/* The generalised Q statistic Q(tau2) = y'P(tau2)y with w_i = 1/(vi_i + tau2) (the
 * estimating equation of Paule-Mandel and the Q-profile, metafor's .QE.func). NAN when
 * X'WX is singular. */
double cmeta__qgen(cmeta__lin *L, const double *vi, double tau2, const double *y);

/* ---- log-likelihood -------------------------------------------------------------------------
 * The one coding of the normal-normal model's log-likelihood at tau^2 (Viechtbauer 2005, J
 * Educ Behav Stat 30:261; metafor 3.8 rma.uni), from its parts:
 *   slv = sum log(v_i + tau^2), rss = sum w_i (y_i - x_i'b)^2, ldw = log det X'WX,
 *   ldx = log det X'X (REML only; metafor's REMLf = TRUE), m = k (ML) or k - p (REML):
 *   ML   -m/2 log 2pi - slv/2 - rss/2
 *   REML -m/2 log 2pi + ldx/2 - slv/2 - ldw/2 - rss/2
 * With m = 0 and ldx = 0 the constants are dropped (the profile compared across tau^2). */
static inline double cmeta__loglik(int reml, double m, double slv, double rss, double ldw,
                                   double ldx)
{
    if (reml) return -0.5 * m * log(2 * M_PI) + 0.5 * ldx - 0.5 * slv - 0.5 * ldw - 0.5 * rss;
    return -0.5 * m * log(2 * M_PI) - 0.5 * slv - 0.5 * rss;
}

#endif
