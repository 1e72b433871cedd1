/* diag_linalg.c - small dense linear algebra for the diagnostics (see diag_internal.h). */
#include <math.h>
#include <string.h>

#include "diag_internal.h"

int cmeta__chol(double *A, size_t p)
{
    for (size_t j = 0; j < p; j++) {
        double s = A[j * p + j];
        for (size_t k = 0; k < j; k++) s -= A[j * p + k] * A[j * p + k];
        if (!(s > 0) || !isfinite(s)) return -1;
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
