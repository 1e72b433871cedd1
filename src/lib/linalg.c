/* linalg.c - small dense linear algebra and the LAPACK seam (see linalg.h). */
#include <dlfcn.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "linalg.h"

/* ---- BLAS / LAPACK seam ---------------------------------------------------------------------- */

#ifndef CMETA_BLAS_SONAME
#define CMETA_BLAS_SONAME "libopenblas.so.0"
#endif

cmeta_status cmeta__blas_open(const char *soname, cmeta__blas_table *t, cmeta_error *err)
{
    memset(t, 0, sizeof *t);
    void *h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        return cmeta_error_set(err, CMETA_EIO, "cannot load the BLAS library %s: %s", soname,
                               e ? e : "not found");
    }
    void *fn = dlsym(h, "dsyev_");
    if (!fn) {
        dlclose(h);
        return cmeta_error_set(err, CMETA_EIO, "cannot load the BLAS library %s: no %s", soname,
                               "dsyev_");
    }
    /* POSIX: dlsym's object pointer holds a function's address; copy its bits. The handle
     * stays open for the life of the process (the table points into it). */
    memcpy(&t->dsyev, &fn, sizeof fn);
    return CMETA_OK;
}

static cmeta__blas_table blas_table;
static cmeta_error blas_err;
static cmeta_status blas_status = CMETA_EIO;
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void blas_load(void)
{
    const char *name = getenv("CMETA_OPENBLAS");
    blas_status = cmeta__blas_open(name && *name ? name : CMETA_BLAS_SONAME, &blas_table,
                                   &blas_err);
}

const cmeta__blas_table *cmeta__blas(cmeta_error *err)
{
    pthread_once(&blas_once, blas_load);
    if (blas_status == CMETA_OK) return &blas_table;
    if (err) cmeta_error_set(err, blas_status, "%s", blas_err.message);
    return NULL;
}

/* ---- Cholesky -------------------------------------------------------------------------------- */

int cmeta__chol_tol(double *A, size_t p, double rtol)
{
    for (size_t j = 0; j < p; j++) {
        double s = A[j * p + j], lim = rtol * fabs(A[j * p + j]);
        for (size_t k = 0; k < j; k++) s -= A[j * p + k] * A[j * p + k];
        if (!(s > lim) || !isfinite(s)) return -1;
        double d = sqrt(s);
        A[j * p + j] = d;
        for (size_t i = j + 1; i < p; i++) {
            double t = A[i * p + j];
            for (size_t k = 0; k < j; k++) t -= A[i * p + k] * A[j * p + k];
            A[i * p + j] = t / d;
        }
        for (size_t i = j + 1; i < p; i++) A[j * p + i] = 0;
    }
    return 0;
}

void cmeta__chol_inv(const double *L, size_t p, double *inv)
{
    /* inv = (L L')^{-1} = L'^{-1} L^{-1}: solve column by column. */
    for (size_t c = 0; c < p; c++) {
        double *x = inv; /* column c of x is column c of the result */
        /* forward: L z = e_c */
        for (size_t i = 0; i < p; i++) {
            double s = (i == c) ? 1.0 : 0.0;
            for (size_t k = 0; k < i; k++) s -= L[i * p + k] * x[k * p + c];
            x[i * p + c] = s / L[i * p + i];
        }
        /* backward: L' x = z */
        for (size_t ii = p; ii-- > 0;) {
            double s = x[ii * p + c];
            for (size_t k = ii + 1; k < p; k++) s -= L[k * p + ii] * x[k * p + c];
            x[ii * p + c] = s / L[ii * p + ii];
        }
    }
    /* symmetrise */
    for (size_t i = 0; i < p; i++)
        for (size_t j = i + 1; j < p; j++) {
            double m = 0.5 * (inv[i * p + j] + inv[j * p + i]);
            inv[i * p + j] = inv[j * p + i] = m;
        }
}

double cmeta__chol_logdet(const double *L, size_t p)
{
    double s = 0;
    for (size_t i = 0; i < p; i++) s += log(L[i * p + i]);
    return 2 * s;
}

void cmeta__chol_solve(const double *L, size_t p, double *b)
{
    for (size_t r = 0; r < p; r++) { /* L z = b */
        double s = b[r];
        for (size_t m = 0; m < r; m++) s -= L[r * p + m] * b[m];
        b[r] = s / L[r * p + r];
    }
    for (size_t r = p; r-- > 0;) { /* L' x = z */
        double s = b[r];
        for (size_t m = r + 1; m < p; m++) s -= L[m * p + r] * b[m];
        b[r] = s / L[r * p + r];
    }
}

int cmeta__spd_inverse(double *A, size_t p, double rtol, double *logdet, double *work)
{
    memcpy(work, A, p * p * sizeof *A);
    if (cmeta__chol_tol(work, p, rtol) != 0) return -1;
    if (logdet) *logdet = cmeta__chol_logdet(work, p);
    cmeta__chol_inv(work, p, A);
    return 0;
}

void cmeta__xtwx(const double *X, const double *w, size_t n, size_t p, double *out)
{
    memset(out, 0, p * p * sizeof *out);
    for (size_t r = 0; r < n; r++) {
        const double *x = X + r * p;
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j <= i; j++) out[i * p + j] += w[r] * x[i] * x[j];
    }
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < i; j++) out[j * p + i] = out[i * p + j];
}

void cmeta__xtwy(const double *X, const double *w, const double *y, size_t n, size_t p,
                 double *out)
{
    memset(out, 0, p * sizeof *out);
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < p; i++) out[i] += w[r] * X[r * p + i] * y[r];
}

int cmeta__xtwx_inv(const double *X, const double *w, size_t n, size_t p, double *inv,
                    double *work)
{
    cmeta__xtwx(X, w, n, p, work);
    if (cmeta__chol(work, p) != 0) return -1;
    cmeta__chol_inv(work, p, inv);
    return 0;
}

/* ---- symmetric eigen-decomposition, powers, products ------------------------------------------- */

cmeta_status cmeta__sym_eigen(double *A, size_t n, double *ev, double *work, cmeta_error *err)
{
    if (n == 0) return CMETA_OK;
    if (n == 1) {
        ev[0] = A[0];
        A[0] = 1.0;
        return CMETA_OK;
    }
    const cmeta__blas_table *B = cmeta__blas(err);
    if (!B) return CMETA_EIO;
    /* a symmetric row-major matrix is its own column-major transpose; dsyev returns the
     * eigenvectors in the columns of a column-major matrix, i.e. in the rows of A as stored */
    int m = (int)n, info = 0, lwork = (int)cmeta__sym_eigen_lwork(n);
    B->dsyev("V", "L", &m, A, &m, ev, work, &lwork, &info, 1, 1);
    if (info != 0)
        return cmeta_error_set(err, CMETA_ENUMERIC, "symmetric eigen-decomposition failed (LAPACK dsyev info %d)",
                               info);
    for (size_t i = 0; i < n; i++) /* rows to columns */
        for (size_t j = i + 1; j < n; j++) {
            double t = A[i * n + j];
            A[i * n + j] = A[j * n + i];
            A[j * n + i] = t;
        }
    return CMETA_OK;
}

cmeta_status cmeta__sym_power(const double *A, size_t n, double power, double cut, double *out,
                              double *work, cmeta_error *err)
{
    double *V = work, *ev = work + n * n;
    memcpy(V, A, n * n * sizeof *A);
    cmeta_status st = cmeta__sym_eigen(V, n, ev, ev + n, err);
    if (st != CMETA_OK) return st;
    for (size_t j = 0; j < n; j++) ev[j] = ev[j] > cut ? pow(ev[j], power) : 0.0;
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b <= a; b++) {
            double s = 0;
            for (size_t j = 0; j < n; j++) s += V[a * n + j] * ev[j] * V[b * n + j];
            out[a * n + b] = out[b * n + a] = s;
        }
    return CMETA_OK;
}

void cmeta__matmul(const double *A, int ta, const double *B, int tb, size_t m, size_t n, size_t kk,
                   double *C)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t l = 0; l < kk; l++)
                s += (ta ? A[l * m + i] : A[i * kk + l]) * (tb ? B[j * kk + l] : B[l * n + j]);
            C[i * n + j] = s;
        }
}

/* ---- skinny products ---------------------------------------------------------------------------- */

/* On x86-64 (GCC, clang) the kernel is compiled twice, for AVX2 and for the baseline (SSE2),
 * and cmeta__gemm_rm calls the one the CPU can run (-DCMETA_NO_AVX2 keeps the baseline only).
 * Both give the same bits: the same order per element and no fused multiply-add (AVX2 does not
 * include FMA, and -std=c11 does not contract a * b + c); test_robust checks the kernel against
 * a plain loop. AVX2 does the 4 columns in one instruction: bench/kernels' REML kernel
 * 5.0-5.2 -> 5.7-5.8 GFLOP/s (OpenBLAS's dgemm there: 5.6-5.7). A dispatch of our own, not
 * target_clones: GCC 12 exports target_clones' symbols from the shared library despite
 * -fvisibility=hidden. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(CMETA_NO_AVX2)
#define GEMM_AVX2 1
#define GEMM_INLINE static inline __attribute__((always_inline))
#else
#define GEMM_AVX2 0
#define GEMM_INLINE static inline
#endif
/* The 4 x 4 block of A B whose rows of A start at a0..a3 and whose columns of B start at B:
 * c[r][j] = sum over i = 0..kk-1, in order, of a_r[i] B[i][j] (linalg.h). The 16 sums are
 * written out as scalars so that the compiler keeps them in registers (an array of sums stays
 * in memory at -O2) and pairs them into vector operations over j. */
_Static_assert(CMETA__GEMM_NB == 4, "gemm_block is written out for 4 columns");
GEMM_INLINE void gemm_block(size_t kk, const double *a0, const double *a1, const double *a2,
                            const double *a3, const double *B, size_t ldb, double c[4][4])
{
    double c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    double c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
    for (size_t i = 0; i < kk; i++) {
        const double *b = B + i * ldb;
        double b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], x;
        x = a0[i], c00 += x * b0, c01 += x * b1, c02 += x * b2, c03 += x * b3;
        x = a1[i], c10 += x * b0, c11 += x * b1, c12 += x * b2, c13 += x * b3;
        x = a2[i], c20 += x * b0, c21 += x * b1, c22 += x * b2, c23 += x * b3;
        x = a3[i], c30 += x * b0, c31 += x * b1, c32 += x * b2, c33 += x * b3;
    }
    c[0][0] = c00, c[0][1] = c01, c[0][2] = c02, c[0][3] = c03;
    c[1][0] = c10, c[1][1] = c11, c[1][2] = c12, c[1][3] = c13;
    c[2][0] = c20, c[2][1] = c21, c[2][2] = c22, c[2][3] = c23;
    c[3][0] = c30, c[3][1] = c31, c[3][2] = c32, c[3][3] = c33;
}

/* The whole product (linalg.h), inlined into each of the compiled versions below. */
GEMM_INLINE void gemm_rm(size_t m, size_t n, size_t kk, const double *A, size_t lda,
                         const double *B, size_t ldb, double *C, size_t ldc)
{
    double c[4][4];
    for (size_t b0 = 0; b0 < m; b0 += 4) {
        size_t rb = m - b0 < 4 ? m - b0 : 4;
        const double *a[4];
        for (size_t r = 0; r < 4; r++) a[r] = A + (b0 + (r < rb ? r : rb - 1)) * lda;
        for (size_t j0 = 0; j0 < n; j0 += CMETA__GEMM_NB) {
            size_t nb = n - j0 < CMETA__GEMM_NB ? n - j0 : CMETA__GEMM_NB;
            gemm_block(kk, a[0], a[1], a[2], a[3], B + j0, ldb, c);
            for (size_t r = 0; r < rb; r++)
                for (size_t j = 0; j < nb; j++) C[(b0 + r) * ldc + j0 + j] = c[r][j];
        }
    }
}

static void gemm_rm_base(size_t m, size_t n, size_t kk, const double *A, size_t lda,
                         const double *B, size_t ldb, double *C, size_t ldc)
{
    gemm_rm(m, n, kk, A, lda, B, ldb, C, ldc);
}

#if GEMM_AVX2
__attribute__((target("avx2"))) static void gemm_rm_avx2(size_t m, size_t n, size_t kk,
                                                         const double *A, size_t lda,
                                                         const double *B, size_t ldb, double *C,
                                                         size_t ldc)
{
    gemm_rm(m, n, kk, A, lda, B, ldb, C, ldc);
}
#endif

void cmeta__gemm_rm(size_t m, size_t n, size_t kk, const double *A, size_t lda, const double *B,
                    size_t ldb, double *C, size_t ldc)
{
#if GEMM_AVX2
    if (__builtin_cpu_supports("avx2")) {
        gemm_rm_avx2(m, n, kk, A, lda, B, ldb, C, ldc);
        return;
    }
#endif
    gemm_rm_base(m, n, kk, A, lda, B, ldb, C, ldc);
}

/* ---- rank ------------------------------------------------------------------------------------ */

/* Eigenvalues of a small symmetric matrix by the cyclic Jacobi method: Golub & Van Loan,
 * Matrix Computations (4th ed., 2013), sec. 8.5.2-8.5.3, Algorithm 8.5.1 (sym.schur2) applied
 * row by row over the pairs p < q (Algorithm 8.5.3, cyclic Jacobi). A rotation J in the plane
 * (p, q) makes b_pq = 0 in B = J'AJ:
 *     tau = (a_qq - a_pp) / (2 a_pq),  t = sign(tau) / (|tau| + sqrt(1 + tau^2))
 *     (the smaller root of t^2 + 2 tau t - 1 = 0; sign(0) = 1), c = 1 / sqrt(1 + t^2), s = t c,
 *     b_pp = a_pp - t a_pq,  b_qq = a_qq + t a_pq,
 *     b_rp = c a_rp - s a_rq,  b_rq = s a_rp + c a_rq  (r != p, q).
 * a_pq is left alone when |a_pq| <= eps sqrt(|a_pp a_qq|), and the iteration stops after a sweep
 * with no rotation: the stopping rule of Demmel & Veselic (1992, SIAM J Matrix Anal Appl
 * 13:1204), under which the computed eigenvalues are within a few eps ||A|| of the exact ones
 * (as LAPACK's dsyev's) and, for a positive definite A such as X'X, within a relative error of
 * about eps times the condition number of A scaled to unit diagonal. Convergence is quadratic:
 * ~5-10 sweeps for p <= 64. Checked against dsyev and 50-digit Hilbert eigenvalues in
 * tests/test_robust.c. */
int cmeta__jacobi_eigenvalues(double *A, size_t n, double *ev)
{
    int converged = 0;
    for (int sweep = 0; sweep < 60 && !converged; sweep++) {
        converged = 1;
        for (size_t p = 0; p + 1 < n; p++)
            for (size_t q = p + 1; q < n; q++) {
                double apq = A[p * n + q], app = A[p * n + p], aqq = A[q * n + q];
                if (apq == 0.0 || fabs(apq) <= DBL_EPSILON * sqrt(fabs(app) * fabs(aqq))) continue;
                converged = 0;
                double tau = (aqq - app) / (2.0 * apq);
                double t = (tau >= 0 ? 1.0 : -1.0) / (fabs(tau) + hypot(1.0, tau));
                double c = 1.0 / sqrt(1.0 + t * t), s = t * c;
                A[p * n + p] = app - t * apq;
                A[q * n + q] = aqq + t * apq;
                A[p * n + q] = A[q * n + p] = 0.0;
                for (size_t r = 0; r < n; r++) {
                    if (r == p || r == q) continue;
                    double arp = A[r * n + p], arq = A[r * n + q];
                    A[r * n + p] = A[p * n + r] = c * arp - s * arq;
                    A[r * n + q] = A[q * n + r] = s * arp + c * arq;
                }
            }
    }
    for (size_t i = 0; i < n; i++) { /* ascending (insertion: n is small) */
        double x = A[i * n + i];
        size_t j = i;
        for (; j > 0 && ev[j - 1] > x; j--) ev[j] = ev[j - 1];
        ev[j] = x;
    }
    return converged ? 0 : -1;
}

/* Above this order the rank check's eigenvalues come from LAPACK: Jacobi's O(p^3) sweeps then
 * cost more than loading OpenBLAS (~1.5 ms). Measured on X'X of a random 2p x p X, one thread:
 * p = 16 0.03 ms, 32 0.24 ms, 64 1.7 ms, 128 13 ms (dsyev once loaded: 0.02, 0.08, 0.4, 2.4). */
#define JACOBI_MAX 64

/* Smallest eigenvalue of the p x p symmetric A (both triangles; destroyed) into *ev0;
 * cmeta__jacobi_eigenvalues for p <= JACOBI_MAX, else LAPACK dsyev. *failed: no convergence
 * (Jacobi) or dsyev's info was not 0. */
static cmeta_status min_eigen(double *A, size_t p, double *ev, double *ev0, int *failed,
                              cmeta_error *err)
{
    *failed = 0;
    if (p <= JACOBI_MAX) {
        *failed = cmeta__jacobi_eigenvalues(A, p, ev) != 0;
        *ev0 = ev[0];
        return CMETA_OK;
    }
    const cmeta__blas_table *B = cmeta__blas(err);
    if (!B) return CMETA_EIO;
    int n = (int)p, info = 0, lwork = -1;
    double wq;
    B->dsyev("N", "L", &n, A, &n, ev, &wq, &lwork, &info, 1, 1);
    lwork = (int)wq;
    if (lwork < 1) lwork = 3 * n;
    double *work = cmeta__dnew((size_t)lwork);
    if (!work) return cmeta__nomem(err);
    B->dsyev("N", "L", &n, A, &n, ev, work, &lwork, &info, 1, 1);
    cmeta_free(work);
    *ev0 = ev[0];
    *failed = info != 0;
    return CMETA_OK;
}

/* Gram-Schmidt on the columns of X: the column with the smallest relative residual. */
static long worst_column(const double *X, size_t k, size_t p, double *Q)
{
    long col = -1;
    double worst = INFINITY;
    for (size_t a = 0; a < p; a++) {
        double nrm0 = 0, nrm = 0;
        for (size_t i = 0; i < k; i++) {
            Q[i * p + a] = X[i * p + a];
            nrm0 += X[i * p + a] * X[i * p + a];
        }
        for (size_t b = 0; b < a; b++) {
            double d = 0;
            for (size_t i = 0; i < k; i++) d += Q[i * p + b] * Q[i * p + a];
            for (size_t i = 0; i < k; i++) Q[i * p + a] -= d * Q[i * p + b];
        }
        for (size_t i = 0; i < k; i++) nrm += Q[i * p + a] * Q[i * p + a];
        nrm = sqrt(nrm);
        double rel = nrm0 > 0 ? nrm / sqrt(nrm0) : 0.0;
        if (rel < worst) { worst = rel; col = (long)a; }
        for (size_t i = 0; i < k; i++) Q[i * p + a] = nrm > 0 ? Q[i * p + a] / nrm : 0.0;
    }
    return col;
}

cmeta_status cmeta__rank_check(const double *X, size_t k, size_t p, long *col, cmeta_error *err)
{
    *col = -1;
    double *A = cmeta__dnew(p * p);
    double *ev = cmeta__dnew(p);
    double *Q = cmeta__dnew(k * p);
    cmeta_status st = CMETA_OK;
    if (!A || !ev || !Q) {
        st = cmeta__nomem(err);
        goto done;
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++) {
            double s = 0;
            for (size_t i = 0; i < k; i++) s += X[i * p + a] * X[i * p + b];
            A[a * p + b] = s;
        }
    double ev0 = 0;
    int failed = 0;
    st = min_eigen(A, p, ev, &ev0, &failed, err);
    if (st == CMETA_OK && (failed || ev0 <= 1e-7)) *col = worst_column(X, k, p, Q);
done:
    cmeta_free(A);
    cmeta_free(ev);
    cmeta_free(Q);
    return st;
}

/* ---- weighted least squares ------------------------------------------------------------------ */

cmeta_status cmeta__lin_init(cmeta__lin *L, const double *X, size_t k, size_t p)
{
    memset(L, 0, sizeof *L);
    L->k = k;
    L->p = p;
    L->X = X;
    L->w = cmeta__dnew(k);
    L->inv = cmeta__dnew(p * p);
    L->beta = cmeta__dnew(p);
    L->S = cmeta__dnew(4 * p * p);
    L->r = cmeta__dnew(k);
    if (!L->w || !L->inv || !L->beta || !L->S || !L->r) {
        cmeta__lin_free(L);
        return CMETA_ENOMEM;
    }
    return CMETA_OK;
}

void cmeta__lin_free(cmeta__lin *L)
{
    if (!L) return;
    cmeta_free(L->w);
    cmeta_free(L->inv);
    cmeta_free(L->beta);
    cmeta_free(L->S);
    cmeta_free(L->r);
    memset(L, 0, sizeof *L);
}

int cmeta__lin_solve(cmeta__lin *L, const double *y)
{
    size_t k = L->k, p = L->p;
    const double *X = L->X;
    /* w_i x_ia is formed where it is used (the same product each time): no k x p scratch */
    /* X'WX into S (lower triangle used by the factorisation) */
    double *M = L->S;
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b <= a; b++) {
            double s = 0;
            for (size_t i = 0; i < k; i++) s += L->w[i] * X[i * p + a] * X[i * p + b];
            M[a * p + b] = M[b * p + a] = s;
        }
    if (p == 1) {
        /* every intercept-only model, i.e. every plain pooling: l = sqrt(a), refused unless
         * a > 0, inverse (1/l)(1/l), log det 2 log l (LAPACK's dpotf2/dtrti2/dlauu2
         * arithmetic, which the pooling results were always computed with) */
        if (!(M[0] > 0)) return -1;
        double l = sqrt(M[0]);
        if (!isfinite(l)) return -1;
        double t = 1.0 / l;
        L->logdet = 2.0 * log(l);
        L->inv[0] = t * t;
    } else {
        if (cmeta__chol(M, p) != 0) return -1;
        L->logdet = cmeta__chol_logdet(M, p);
        cmeta__chol_inv(M, p, L->inv);
    }
    if (y) {
        for (size_t a = 0; a < p; a++) {
            double s = 0;
            for (size_t b = 0; b < p; b++) {
                double xwy = 0;
                for (size_t i = 0; i < k; i++) xwy += L->w[i] * X[i * p + b] * y[i];
                s += L->inv[a * p + b] * xwy;
            }
            L->beta[a] = s;
        }
    }
    return 0;
}

double cmeta__lin_rss(cmeta__lin *L, const double *y)
{
    double s = 0;
    for (size_t i = 0; i < L->k; i++) {
        double f = 0;
        for (size_t a = 0; a < L->p; a++) f += L->X[i * L->p + a] * L->beta[a];
        L->r[i] = y[i] - f;
        s += L->w[i] * L->r[i] * L->r[i];
    }
    return s;
}

/* x_i'A x_i, A = (X'WX)^-1 */
static double xAx(const cmeta__lin *L, size_t i)
{
    size_t p = L->p;
    const double *x = L->X + i * p;
    double s = 0;
    for (size_t a = 0; a < p; a++) {
        double t = 0;
        for (size_t b = 0; b < p; b++) t += L->inv[a * p + b] * x[b];
        s += x[a] * t;
    }
    return s;
}

/* P = W - W X A X'W, so P_ii = w_i - w_i^2 x_i'A x_i. */
double cmeta__lin_Pii(const cmeta__lin *L, size_t i)
{
    return L->w[i] - L->w[i] * L->w[i] * xAx(L, i);
}

/* tr(P D) = sum_i d_i P_ii. */
double cmeta__lin_trPD(const cmeta__lin *L, const double *d)
{
    double s = 0;
    for (size_t i = 0; i < L->k; i++) s += (d ? d[i] : 1.0) * cmeta__lin_Pii(L, i);
    return s;
}

/* M = X' diag(c) X with c_i = e_i w_i^2 (e = NULL: ones), p x p. */
static void xdx(const cmeta__lin *L, const double *e, double *M)
{
    size_t p = L->p;
    for (size_t a = 0; a < p * p; a++) M[a] = 0;
    for (size_t i = 0; i < L->k; i++) {
        const double *x = L->X + i * p;
        double c = (e ? e[i] : 1.0) * L->w[i] * L->w[i];
        for (size_t a = 0; a < p; a++) {
            double ca = c * x[a];
            for (size_t b = 0; b <= a; b++) M[a * p + b] += ca * x[b];
        }
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = a + 1; b < p; b++) M[a * p + b] = M[b * p + a];
}

/* sum_ij a_i b_j P_ij^2 without forming P. With G_ij = w_i w_j x_i'A x_j (P = W - G):
 *   P_ij^2 = w_i^2 [i = j] - 2 w_i G_ii [i = j] + G_ij^2, and
 *   sum_ij a_i b_j G_ij^2 = sum_ij (a_i w_i^2)(b_j w_j^2) x_i'A x_j x_j'A x_i
 *                         = sum_i a_i w_i^2 x_i'A M(b w^2) A x_i = tr(A M(a w^2) A M(b w^2)),
 * so sum_ij a_i b_j P_ij^2 = sum a_i b_i w_i^2 - 2 sum a_i b_i w_i^3 x_i'A x_i
 *                            + tr(A M(a w^2) A M(b w^2)).   O(k p^2 + p^3). */
double cmeta__lin_sumPP(cmeta__lin *L, const double *a, const double *b)
{
    size_t k = L->k, p = L->p;
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < k; i++) {
        double ab = (a ? a[i] : 1.0) * (b ? b[i] : 1.0), w = L->w[i];
        s1 += ab * w * w;
        s2 += ab * w * w * w * xAx(L, i);
    }
    double *Ma = L->S, *Mb = L->S + p * p, *Ta = L->S + 2 * p * p, *Tb = L->S + 3 * p * p;
    xdx(L, a, Ma);
    xdx(L, b, Mb);
    /* Ta = A Ma, Tb = A Mb, tr(Ta Tb) = sum_rc Ta_rc Tb_cr */
    for (size_t r = 0; r < p; r++)
        for (size_t c = 0; c < p; c++) {
            double ta = 0, tb = 0;
            for (size_t m = 0; m < p; m++) {
                ta += L->inv[r * p + m] * Ma[m * p + c];
                tb += L->inv[r * p + m] * Mb[m * p + c];
            }
            Ta[r * p + c] = ta;
            Tb[r * p + c] = tb;
        }
    double s3 = 0;
    for (size_t r = 0; r < p; r++)
        for (size_t c = 0; c < p; c++) s3 += Ta[r * p + c] * Tb[c * p + r];
    return s1 - 2.0 * s2 + s3;
}

int cmeta__lin_at(cmeta__lin *L, const double *vi, double tau2, const double *y, double *rss)
{
    for (size_t i = 0; i < L->k; i++) L->w[i] = 1.0 / (vi[i] + tau2);
    if (cmeta__lin_solve(L, y) != 0) return -1;
    if (rss && y) *rss = cmeta__lin_rss(L, y);
    return 0;
}

double cmeta__qgen(cmeta__lin *L, const double *vi, double tau2, const double *y)
{
    double rss;
    if (cmeta__lin_at(L, vi, tau2, y, &rss) != 0) return NAN;
    return rss;
}
