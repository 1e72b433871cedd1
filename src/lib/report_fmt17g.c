/* report_fmt17g.c - cmeta_fmt17g: the bytes snprintf(buf, n, "%.17g", x) writes, faster.
 *
 * glibc's printf is exact: it rounds the exact binary value of x to 17 significant digits,
 * ties to even (the default rounding mode, which cmeta never changes). Here, for finite
 * |x| in [2^-16, 2^53) written in fixed style, the same digits come from exact integer
 * arithmetic: x = m / 2^t (m < 2^53 an integer, 0 <= t <= 68), X the decimal exponent (from
 * the binary one and a table of where the binade crosses a power of 10), the 17 digits
 * N = m 10^s / 2^t = m 5^s / 2^(t-s) with s = 16 - X (10^16 <= N < 10^17) from one 64 x 64 bit
 * product (m 5^s < 2^102) and a shift by t - s < 64, rounded half to even on the exact
 * remainder; then the digits 8 at a time in a 64-bit register (no division instruction) and
 * the text in 8-byte stores. %g's rules follow (C11 7.21.6.1):
 * fixed style when -4 <= X < 17 (X after rounding), precision 16 - X, trailing zeros and a
 * bare decimal point removed. Everything else (tiny, huge, subnormal, infinite, NaN,
 * exponent style) goes to snprintf itself, except zeros ("0", "-0"). tests/test_fmt.c
 * compares both on millions of values; bench/fmt_speed.c times it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmeta/report.h"
#include "report_frame.h"

__extension__ typedef unsigned __int128 u128;

/* 10^s, 0 <= s <= 19 (report_frame.h) */
const uint64_t cmeta__pow10[20] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
                                   10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
                                   100000000000ULL, 1000000000000ULL, 10000000000000ULL,
                                   100000000000000ULL, 1000000000000000ULL,
                                   10000000000000000ULL, 100000000000000000ULL,
                                   1000000000000000000ULL, 10000000000000000000ULL};

/* "00" "01" ... "99": two digits per step (report_frame.h) */
const char cmeta__digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* 5^s, 0 <= s <= 21 (5^21 = 476837158203125 < 2^49) */
static const uint64_t pow5[22] = {
    1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL, 1953125ULL,
    9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL, 6103515625ULL, 30517578125ULL,
    152587890625ULL, 762939453125ULL, 3814697265625ULL, 19073486328125ULL, 95367431640625ULL,
    476837158203125ULL};

/* v < 10^8 -> its 8 decimal digits (leading zeros included) as the byte values 0..9 of a
 * uint64_t, the first digit in the lowest byte (so a little-endian store writes them in
 * order), with no division instruction ("SWAR": SIMD within a register; the lane trick of
 * P. Khuong and D. Lemire's "Converting integers to decimal strings faster", 2021):
 *   1. a = v / 10^4, b = v % 10^4 in the two 32-bit lanes of x (a compiler's multiply-shift).
 *   2. each lane / 100 as floor(y 10486 / 2^20): for y < 10^4, 10486 / 2^20 = 1/100 + e with
 *      0 < e < 2.3e-7, so y (1/100 + e) < floor(y/100) + 99/100 + 0.0023 and the floor is
 *      floor(y / 100). The products are < 10^4 10486 < 2^27, so the low lane's product stays
 *      below bit 27 (its quotient in bits 0..6 after the shift) and the high lane's quotient
 *      lands in bits 32..38; the mask keeps just these. y - 100 (y / 100) per lane: no borrow.
 *   3. the four 2-digit groups in 16-bit lanes, each / 10 as floor(z 103 / 2^10): for z < 100,
 *      103 / 2^10 = 1/10 + e with 0 < e < 5.9e-4, z e < 0.059 < 1/10, so the floor is
 *      floor(z / 10); z 103 < 2^14 keeps each product inside its lane, and after the shift
 *      the next lane's bits start at bit 6 of the lane, above the 4-bit mask.
 *   4. the tens digit in a lane's low byte, the units digit in its high byte.
 * tests/test_fmt.c checks every v in [0, 10^8). */
static inline uint64_t digits8(uint32_t v)
{
    uint64_t x = (uint64_t)(v / 10000u) | ((uint64_t)(v % 10000u) << 32);
    uint64_t h = ((x * 10486u) >> 20) & 0x0000007F0000007FULL;
    x = h | ((x - 100u * h) << 16);
    uint64_t t = ((x * 103u) >> 10) & 0x000F000F000F000FULL;
    return t | ((x - 10u * t) << 8);
}

/* the 8 bytes of w at d, lowest byte first */
static inline void store8(char *d, uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    memcpy(d, &w, 8);
}

#define ASCII0 0x3030303030303030ULL /* '0' in each byte */

static const uint64_t mant10[69] = { /* e2 = -15 .. 53; exact, see exact17 */
    9007199254740992ULL, 9007199254740992ULL, 7378697629483821ULL, 9007199254740992ULL,
    9007199254740992ULL, 9007199254740992ULL, 4611686018427388ULL, 9007199254740992ULL,
    9007199254740992ULL, 5764607523034235ULL, 9007199254740992ULL, 9007199254740992ULL,
    7205759403792794ULL, 9007199254740992ULL, 9007199254740992ULL, 9007199254740992ULL,
    9007199254740992ULL, 9007199254740992ULL, 9007199254740992ULL, 5629499534213120ULL,
    9007199254740992ULL, 9007199254740992ULL, 7036874417766400ULL, 9007199254740992ULL,
    9007199254740992ULL, 8796093022208000ULL, 9007199254740992ULL, 9007199254740992ULL,
    9007199254740992ULL, 5497558138880000ULL, 9007199254740992ULL, 9007199254740992ULL,
    6871947673600000ULL, 9007199254740992ULL, 9007199254740992ULL, 8589934592000000ULL,
    9007199254740992ULL, 9007199254740992ULL, 9007199254740992ULL, 5368709120000000ULL,
    9007199254740992ULL, 9007199254740992ULL, 6710886400000000ULL, 9007199254740992ULL,
    9007199254740992ULL, 8388608000000000ULL, 9007199254740992ULL, 9007199254740992ULL,
    9007199254740992ULL, 5242880000000000ULL, 9007199254740992ULL, 9007199254740992ULL,
    6553600000000000ULL, 9007199254740992ULL, 9007199254740992ULL, 8192000000000000ULL,
    9007199254740992ULL, 9007199254740992ULL, 9007199254740992ULL, 5120000000000000ULL,
    9007199254740992ULL, 9007199254740992ULL, 6400000000000000ULL, 9007199254740992ULL,
    9007199254740992ULL, 8000000000000000ULL, 9007199254740992ULL, 9007199254740992ULL,
    9007199254740992ULL};

/* exact17: for a normal |x| = m / 2^t with -15 <= e2 <= 53 (m = 2^52 + frac, t = 1075 - be,
 * e2 = be - 1022), its 17 significant digits q (10^16 <= q < 10^17), rounded half to even, and
 * its decimal exponent X after rounding. Returns 0 when %g would not write fixed style with X
 * in [-4, 16) (then snprintf does it). */
static inline int exact17(uint64_t frac, int be, uint64_t *qp, int *Xp)
{
    int e2 = be - 1022;
    uint64_t m = frac | (1ULL << 52);
    int t = 1075 - be; /* 0 <= t <= 68 */
    /* decimal exponent X: 10^X <= |x| < 10^(X+1). E = floor((e2 - 1) log10 2) (the shift by
     * 2^18 and 78913 = floor(2^18 log10 2) give it exactly for |e2| < 1650) is X or X - 1,
     * since 2^(e2-1) <= |x| < 2^e2 and log10 2 < 1; X = E + 1 exactly when 10^(E+1) lies in
     * the binade and |x| >= 10^(E+1), i.e. m >= ceil(10^(E+1) 2^t): mant10[] holds that
     * bound for each e2 (2^53, never reached, when the binade holds no power of 10).
     * So -5 <= X <= 15 here (2^-16 > 10^-5, 2^53 < 10^16).
     * With s = 16 - X (1 <= s <= 21) the 17 digits are N = floor(|x| 10^s) =
     * floor(m 10^s / 2^t), 10^16 <= N < 10^17, and 10^s = 5^s 2^s, so N = floor(m 5^s / 2^tt)
     * with tt = t - s = 37 - e2 + X: one 64 x 64 bit product P = m 5^s < 2^53 2^49 = 2^102,
     * and tt is small: X >= E > (e2 - 1) log10 2 - 1 gives tt > 35.7 - 0.699 e2 (so tt >= 0
     * for e2 <= 52, tt >= -1 at e2 = 53: then P is shifted left once, still < 2^103), and
     * X <= E + 1 <= (e2 - 1) log10 2 + 1 gives tt <= 37.7 - 0.699 e2 <= 48 for e2 >= -15.
     * With 0 <= tt <= 48 < 64 the quotient is (ph:pl) >> tt in 64-bit words and the
     * remainder is the low tt bits of pl alone. */
    int E = ((e2 - 1) * 78913) >> 18; /* arithmetic shift: the floor for negatives too */
    int X = E + (m >= mant10[e2 + 15]);
    int s = 16 - X;
    int tt = t - s;
    u128 P = (u128)m * pow5[s];
    if (tt < 0) { /* e2 = 53 only: an integer m of 16 digits, N = 10 m */
        P <<= 1;
        tt = 0;
    }
    uint64_t ph = (uint64_t)(P >> 64), pl = (uint64_t)P;
    /* the two shifts by 63 - tt and 1 are each < 64 (tt = 0 included: then ph = 0, fr = 0) */
    uint64_t q = ((ph << (63 - tt)) << 1) | (pl >> tt);
    /* fr / 2^64 = the exact fraction N has dropped (the remainder's tt bits, left-aligned);
     * rounded half to even: up when fr / 2^64 > 1/2, or = 1/2 and q is odd */
    uint64_t fr = (pl << (63 - tt)) << 1;
    const uint64_t lo17 = 10000000000000000ULL, hi17 = 100000000000000000ULL;
    const uint64_t half = 1ULL << 63;
    q += (uint64_t)((fr > half) | ((fr == half) & (int)(q & 1)));
    if (q == hi17) { /* rounded up to 10^17: one digit more */
        q = lo17;
        X++;
    }
    if (X < -4 || X >= 16) return 0; /* X >= 16: see put17, not here */
    *qp = q;
    *Xp = X;
    return 1;
}

/* put17: the text of %.17g in fixed style for the digits q (10^16 <= q < 10^17) and decimal
 * exponent X (-4 <= X <= 15), a '-' first when neg; trailing zeros and a bare point dropped.
 * buf holds >= 32 bytes. Returns the length. */
static inline int put17(char *buf, int neg, uint64_t q, int X)
{
    const uint64_t lo17 = 10000000000000000ULL;
    /* 17 digits: 1 + 8 + 8, q = d0 10^16 + dh 10^8 + dl; the two quotients are each one
     * multiply-shift (constant divisors) from q, side by side rather than one after the other */
    uint64_t top = q / 100000000u;                    /* < 10^9 */
    uint32_t d0 = (uint32_t)(q / lo17);               /* 1..9 */
    uint32_t dl = (uint32_t)(q - top * 100000000u);
    uint32_t dh = (uint32_t)(top - (uint64_t)d0 * 100000000u);
    uint64_t wh = digits8(dh), wl = digits8(dl);
    /* trailing zero digits: zero bytes at the top of wl (then wh), as the last digit is the
     * highest byte; d0 >= 1 */
    int tz = wl ? __builtin_clzll(wl) >> 3 : wh ? 8 + (__builtin_clzll(wh) >> 3) : 16;
    int nd = 17 - tz; /* significant digits without the trailing zeros */
    /* The text goes straight to buf in fixed-size stores (8 bytes or one), some of them past
     * the end of the text and overwritten by the next or left after the NUL: n >= 32 and the
     * furthest store ends at byte 25 (X >= 0: '-', then at most 9 + 7 + 8 bytes; X < 0: '-',
     * "0.000", 1 + 8 + 8 digits at most from byte 5). Only stores, and no reading back of
     * bytes just stored: a wide load of narrow stores stalls the CPU (store forwarding). */
    char *p = buf;
    *p = '-';
    p += neg;
    int len;
    if (X >= 0) {
        /* X + 1 <= 16 integer digits (|x| < 2^53 < 10^16 here: X <= 15), then the point and
         * the rest if some nonzero digit follows. Digit j (0..16) goes to p + j for j <= X
         * and p + j + 1 after. Writing wh at p + 1 and then, from p + 1 + k, the point and wh's
         * digits from k on (wh >> 8k, one byte up) puts the point after k of wh's digits; the
         * last digit falls out of the shifted word and is stored alone. */
        int intd = X + 1;
        *p = (char)('0' + d0);
        store8(p + 1, wh | ASCII0);
        if (intd <= 8) {
            int k = intd - 1; /* 0..7 */
            store8(p + 1 + k, (((wh >> (8 * k)) | ASCII0) << 8) | '.');
            p[9] = (char)('0' + (wh >> 56)); /* wh's last digit, shifted out of that store */
            store8(p + 10, wl | ASCII0);
        } else {
            int k = intd - 9; /* 0..7 */
            store8(p + 9, wl | ASCII0);
            store8(p + 9 + k, (((wl >> (8 * k)) | ASCII0) << 8) | '.');
            p[17] = (char)('0' + (wl >> 56)); /* wl's last digit, as above */
        }
        len = nd > intd ? nd + 1 : intd;
    } else {
        /* "0." and -X - 1 <= 3 zeros, then the nd digits */
        memcpy(p, "0.000000", 8);
        p[1 - X] = (char)('0' + d0);
        store8(p + 2 - X, wh | ASCII0);
        store8(p + 10 - X, wl | ASCII0);
        len = 1 - X + nd;
    }
    p[len] = '\0';
    return len + neg;
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
    uint64_t q;
    int X;
    if (!exact17(frac, be, &q, &X)) return snprintf(buf, n, "%.17g", x);
    return put17(buf, neg, q, X);
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
        u128 P = (u128)m * cmeta__pow10[d];
        u128 q = P >> t;
        u128 r = P - (q << t);
        u128 half = (u128)1 << (t - 1);
        N = (uint64_t)q;
        if (r > half || (r == half && (N & 1))) N++;
    }
    /* N < 1e9 10^9 + 1 < 2^63: the integer part I = N / 10^d (at least one digit), then the
     * d decimals F = N mod 10^d with leading zeros, two digits a step from the right */
    uint64_t p10 = cmeta__pow10[d], I = N / p10, F = N % p10;
    char *p = buf;
    if (neg) *p++ = '-';
    if (I < 10) {
        *p++ = (char)('0' + I);
    } else {
        char dig[24];
        int nd = 0;
        while (I >= 100) {
            memcpy(dig + 22 - nd, cmeta__digit_pairs + 2 * (I % 100), 2);
            nd += 2;
            I /= 100;
        }
        if (I >= 10) {
            memcpy(dig + 22 - nd, cmeta__digit_pairs + 2 * I, 2);
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
            memcpy(q, cmeta__digit_pairs + 2 * (F % 100), 2);
            F /= 100;
        }
        if (q > p) *p = (char)('0' + F);
        p += d;
    }
    *p = '\0';
    return (int)(p - buf);
}
