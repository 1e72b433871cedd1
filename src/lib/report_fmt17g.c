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
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmeta/report.h"
#include "report_frame.h"

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

/* "00" "01" ... "99": two digits per step */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* v < 10^8 as exactly 8 digits at d */
static inline void put8(char *d, uint32_t v)
{
    uint32_t hi = v / 10000, lo = v % 10000;
    memcpy(d, digit_pairs + 2 * (hi / 100), 2);
    memcpy(d + 2, digit_pairs + 2 * (hi % 100), 2);
    memcpy(d + 4, digit_pairs + 2 * (lo / 100), 2);
    memcpy(d + 6, digit_pairs + 2 * (lo % 100), 2);
}

int cmeta_fmt17g(char *buf, size_t n, double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    int neg = (int)(u >> 63);
    int be = (int)((u >> 52) & 0x7FF); /* biased exponent */
    uint64_t frac = u & 0x000FFFFFFFFFFFFFULL;
    if (be == 0 && frac == 0 && n >= 3) { /* "0" or "-0" */
        char *p = buf;
        if (neg) *p++ = '-';
        *p++ = '0';
        *p = '\0';
        return (int)(p - buf);
    }
    /* a normal |x| = m / 2^t with m = 2^52 + frac < 2^53 and t = 1075 - be; in frexp's terms
     * |x| = f 2^e2 with e2 = be - 1022, and the fast path takes -15 <= e2 <= 53 */
    int e2 = be - 1022;
    if (be == 0 || be == 0x7FF || e2 < -15 || e2 > 53 || n < 32) return snprintf(buf, n, "%.17g", x);
    uint64_t m = frac | (1ULL << 52);
    int t = 1075 - be; /* 0 <= t <= 68 */
    /* decimal exponent X: 10^X <= |x| < 10^(X+1). E = floor((e2 - 1) log10 2) (the shift by
     * 2^18 and 78913 = floor(2^18 log10 2) give it exactly for |e2| < 1650) is X or X - 1,
     * since 2^(e2-1) <= |x| < 2^e2. One product: N = floor(m 10^s / 2^t) with s = 16 - E
     * (s <= 21: m 10^s < 2^53 10^21 < 2^123) has 17 digits when X = E and 18 when X = E + 1;
     * r is its exact remainder. */
    int E = ((e2 - 1) * 78913) >> 18; /* arithmetic shift: the floor for negatives too */
    int s = 16 - E;
    u128 P = (u128)m * pow10_128(s);
    u128 q18 = P >> t;
    u128 r = P - (q18 << t);
    const uint64_t lo = 10000000000000000ULL, hi = 100000000000000000ULL;
    uint64_t q;
    int X, up;
    if (q18 >= (u128)hi) {
        /* X = E + 1: 17 digits are q18 / 10; the dropped digit and r decide the rounding
         * (exact: the rest is (q18 % 10 + r / 2^t) / 10 of a unit) */
        X = E + 1;
        uint64_t q18s = (uint64_t)q18; /* < 10^18 */
        q = q18s / 10;
        unsigned last = (unsigned)(q18s - q * 10);
        up = last > 5 || (last == 5 && (r != 0 || (q & 1)));
    } else {
        /* X = E: q18 holds exactly 17 digits; r / 2^t is the rest */
        X = E;
        q = (uint64_t)q18;
        u128 half = t > 0 ? (u128)1 << (t - 1) : 0;
        up = t > 0 && (r > half || (r == half && (q & 1)));
    }
    if (up) q++;
    if (q == hi) {
        q = lo;
        X++;
    }
    if (X < -4 || X >= 17) return snprintf(buf, n, "%.17g", x);
    char d[24];
    /* 17 digits: 1 + 8 + 8 */
    uint64_t top = q / 100000000u;
    d[0] = (char)('0' + top / 100000000u);
    put8(d + 1, (uint32_t)(top % 100000000u));
    put8(d + 9, (uint32_t)(q % 100000000u));
    int nd = 17; /* significant digits kept: trailing zeros after the point go */
    int intd = X >= 0 ? X + 1 : 0;
    while (nd > intd && d[nd - 1] == '0') nd--;
    char *p = buf;
    if (neg) *p++ = '-';
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

/* cmeta__fmt_f: the bytes of snprintf "%.*f" (d decimals, 0 <= d <= 9) for finite |x| < 1e9,
 * by the same exact arithmetic: |x| = m / 2^t (t = 1075 - biased exponent, any t >= 0 here),
 * N = m 10^d / 2^t rounded half to even on the exact remainder (m 10^d < 2^53 10^9 < 2^83; for
 * t >= 84 the quotient is below 2^-1, N = 0, and glibc prints the sign of a negative zero result
 * too: "-0.0000"), then N's digits with the point d places from the right. Returns the length,
 * or -1 when the value is outside that range (the caller uses snprintf). buf holds >= 32 bytes. */
int cmeta__fmt_f(char *buf, double x, int d)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    int neg = (int)(u >> 63);
    int be = (int)((u >> 52) & 0x7FF);
    uint64_t frac = u & 0x000FFFFFFFFFFFFFULL;
    if (d < 0 || d > 9 || be == 0x7FF || !(x < 1e9 && x > -1e9)) return -1;
    uint64_t m = be ? frac | (1ULL << 52) : frac; /* subnormals: m / 2^1074 */
    int t = be ? 1075 - be : 1074;
    uint64_t N;
    if (m == 0 || t >= 84) {
        N = 0;
    } else if (t <= 0) {
        return -1; /* |x| >= 2^53: beyond 1e9 anyway */
    } else {
        u128 P = (u128)m * pow10_128(d);
        u128 q = P >> t;
        u128 r = P - (q << t);
        u128 half = (u128)1 << (t - 1);
        N = (uint64_t)q;
        if (r > half || (r == half && (N & 1))) N++;
    }
    /* N < 1e9 10^9 + 1 < 2^63: the integer part I = N / 10^d (at least one digit), then the
     * d decimals F = N mod 10^d with leading zeros, two digits a step from the right */
    uint64_t p10 = (uint64_t)pow10_128(d), I = N / p10, F = N % p10;
    char *p = buf;
    if (neg) *p++ = '-';
    if (I < 10) {
        *p++ = (char)('0' + I);
    } else {
        char dig[24];
        int nd = 0;
        while (I >= 100) {
            memcpy(dig + 22 - nd, digit_pairs + 2 * (I % 100), 2);
            nd += 2;
            I /= 100;
        }
        if (I >= 10) {
            memcpy(dig + 22 - nd, digit_pairs + 2 * I, 2);
            nd += 2;
        } else {
            dig[23 - nd] = (char)('0' + I);
            nd++;
        }
        memcpy(p, dig + 24 - nd, (size_t)nd);
        p += nd;
    }
    if (d > 0) {
        *p++ = '.';
        char *q = p + d;
        while (q - p >= 2) {
            q -= 2;
            memcpy(q, digit_pairs + 2 * (F % 100), 2);
            F /= 100;
        }
        if (q > p) *p = (char)('0' + F);
        p += d;
    }
    *p = '\0';
    return (int)(p - buf);
}
