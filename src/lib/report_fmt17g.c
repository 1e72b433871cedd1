/* report_fmt17g.c - cmeta_fmt17g: the bytes snprintf(buf, n, "%.17g", x) writes, faster.
 *
 * glibc's printf is exact: it rounds the exact binary value of x to 17 significant digits,
 * ties to even (the default rounding mode, which cmeta never changes). Here, for finite
 * |x| in [2^-16, 2^53) written in fixed style, the same digits come from exact integer
 * arithmetic: x = m / 2^t (m < 2^53 an integer, 0 <= t <= 68), the 17 digits are
 * N = m 10^s / 2^t with s = 16 - X (X the decimal exponent, 10^16 <= N < 10^17), computed
 * as a 128-bit product (m 10^s < 2^53 10^21 < 2^123) and an exact quotient and remainder by
 * 2^t, then rounded half to even on the exact remainder. %g's rules follow (C11 7.21.6.1):
 * fixed style when -4 <= X < 17 (X after rounding), precision 16 - X, trailing zeros and a
 * bare decimal point removed. Everything else (tiny, huge, subnormal, infinite, NaN,
 * exponent style) goes to snprintf itself, except zeros ("0", "-0"). tests/test_fmt.c compares both on millions of
 * values. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmeta/report.h"

__extension__ typedef unsigned __int128 u128;

static u128 pow10_128(int s)
{
    static const uint64_t p[20] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
                                   10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
                                   100000000000ULL, 1000000000000ULL, 10000000000000ULL,
                                   100000000000000ULL, 1000000000000000ULL,
                                   10000000000000000ULL, 100000000000000000ULL,
                                   1000000000000000000ULL, 10000000000000000000ULL};
    return s <= 19 ? (u128)p[s] : (u128)p[19] * p[s - 19];
}

int cmeta_fmt17g(char *buf, size_t n, double x)
{
    double a = fabs(x);
    int e2;
    double f = frexp(a, &e2); /* a = f 2^e2, f in [0.5, 1) */
    if (a == 0 && n >= 3) { /* "0" or "-0" */
        char *p = buf;
        if (signbit(x)) *p++ = '-';
        *p++ = '0';
        *p = '\0';
        return (int)(p - buf);
    }
    if (!(a > 0) || !isfinite(a) || e2 < -15 || e2 > 53 || n < 32)
        return snprintf(buf, n, "%.17g", x);
    uint64_t m = (uint64_t)ldexp(f, 53); /* exact: f has at most 53 significant bits */
    int t = 53 - e2;                     /* a = m / 2^t, 0 <= t <= 68 */
    /* decimal exponent X: 10^X <= a < 10^(X+1); start near log10(2^(e2-1)) and adjust */
    int X = (int)floor((e2 - 1) * 0.30102999566398120);
    const u128 lo = (u128)10000000000000000ULL, hi = (u128)100000000000000000ULL;
    u128 q, r, half;
    for (;;) {
        int s = 16 - X; /* X in [-5, 15] here, so s in [1, 21] */
        u128 P = (u128)m * pow10_128(s);
        q = P >> t;
        r = P - (q << t);
        if (q < lo) X--;
        else if (q >= hi) X++;
        else break;
    }
    half = t > 0 ? (u128)1 << (t - 1) : 0;
    if (t > 0 && (r > half || (r == half && (q & 1)))) q++;
    if (q == hi) {
        q = lo;
        X++;
    }
    if (X < -4 || X >= 17) return snprintf(buf, n, "%.17g", x);
    char d[17];
    /* two independent halves (9 + 8 digits): shorter dependency chains */
    uint32_t vh = (uint32_t)((uint64_t)q / 100000000u), vl = (uint32_t)((uint64_t)q % 100000000u);
    for (int i = 7; i >= 0; i--) {
        d[9 + i] = (char)('0' + vl % 10);
        vl /= 10;
        d[i + 1] = (char)('0' + vh % 10);
        vh /= 10;
    }
    d[0] = (char)('0' + vh);
    int nd = 17; /* significant digits kept: trailing zeros after the point go */
    int intd = X >= 0 ? X + 1 : 0;
    while (nd > intd && d[nd - 1] == '0') nd--;
    char *p = buf;
    if (signbit(x)) *p++ = '-';
    if (X >= 0) {
        memcpy(p, d, (size_t)intd);
        p += intd;
        if (nd > intd) {
            *p++ = '.';
            memcpy(p, d + intd, (size_t)(nd - intd));
            p += nd - intd;
        }
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -X - 1; i++) *p++ = '0';
        memcpy(p, d, (size_t)nd);
        p += nd;
    }
    *p = '\0';
    return (int)(p - buf);
}
