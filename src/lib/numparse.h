/* numparse.h - the value of a checked decimal numeral (numparse.c); library-internal. */
#ifndef CMETA_NUMPARSE_H
#define CMETA_NUMPARSE_H

#include <float.h>
#include <stdint.h>

/* Clinger's fast path (numparse.c): (-1)^neg * m * 10^e when that is ONE correctly rounded
 * operation on exact doubles (m <= 2^53, |e| <= 22, double evaluation): sets *out and
 * returns 1; otherwise returns 0 and the caller takes cmeta__decimal_value. Inline: it is
 * the per-cell path of every table read. */
static inline int cmeta__decimal_fast(int neg, uint64_t m, long long e, double *out)
{
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (m > (UINT64_C(1) << 53) || e < -22 || e > 22) return 0;
    double x = (double)m; /* exact */
    x = e >= 0 ? x * p10[e] : x / p10[-e];
    *out = neg ? -x : x;
    return 1;
#else
    (void)neg, (void)m, (void)e, (void)out;
    return 0;
#endif
}

/* The double nearest to (-1)^neg * D * 10^exp10, where D is the digit string
 * [int_start, int_end) followed by the digits [frac_start, frac_end) as a fraction (both
 * ranges hold only '0'-'9', together at least one digit). The result equals what glibc's
 * strtod returns for the same numeral in the "C" locale, bit for bit.
 * Returns 0 (and *out set), 1 when the value overflows a double, -1 when out of memory. */
int cmeta__decimal_value(int neg, const char *int_start, const char *int_end,
                         const char *frac_start, const char *frac_end, long long exp10,
                         double *out);

#endif
