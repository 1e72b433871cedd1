/* numparse.c - cmeta__decimal_value: a checked decimal numeral to the nearest double.
 *
 * Fast path (Clinger 1990, "How to read floating point numbers accurately", PLDI '90,
 * section 3; the same test as in glibc's and David Gay's strtod): write the numeral as
 * M * 10^E with M the integer of its digits (leading zeros dropped) and E = exp10 - number
 * of fraction digits. When M <= 2^53 and |E| <= 22, both M and 10^|E| are doubles exactly
 * (5^22 < 2^53), so M * 10^E (or M / 10^-E) is ONE correctly rounded IEEE-754 operation on
 * exact operands: the nearest double to the exact value, which is what strtod returns
 * (glibc's strtod is correctly rounded in the current rounding mode, as is the operation).
 * This needs operations evaluated in double precision (FLT_EVAL_METHOD == 0, as on
 * x86-64 with SSE2); elsewhere the fast path is compiled out.
 *
 * Everything else (more than 19 significant digits, M > 2^53, |E| > 22, subnormal or
 * huge results) goes to strtod on the digits rewritten without a decimal point
 * ("-12.5e3" -> "-125e2"), so that its result cannot depend on the locale's radix.
 * tests/test_numparse.c compares both paths with strtod on random and edge numerals. */
#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"
#include "numparse.h"

int cmeta__decimal_value(int neg, const char *int_start, const char *int_end,
                         const char *frac_start, const char *frac_end, long long exp10,
                         double *out)
{
    long long nfrac = (long long)(frac_end - frac_start);
    /* leading zeros dropped (of the integer part, then of the fraction when the integer
     * part is all zeros) */
    const char *a = int_start;
    while (a < int_end && *a == '0') a++;
    const char *b = frac_start;
    if (a == int_end)
        while (b < frac_end && *b == '0') b++;
    size_t nd = (size_t)(int_end - a) + (size_t)(frac_end - b);
    if (nd == 0) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    if (nd <= 19) {
        uint64_t m = 0; /* < 10^19 < 2^64 */
        for (const char *q = a; q < int_end; q++) m = m * 10 + (uint64_t)(*q - '0');
        for (const char *q = b; q < frac_end; q++) m = m * 10 + (uint64_t)(*q - '0');
        if (cmeta__decimal_fast(neg, m, exp10 - nfrac, out)) return 0;
    }
    /* strtod on "[-]DIGITSe<E>" */
    char small[128], *buf = small;
    size_t need = nd + 32;
    if (need > sizeof small) {
        buf = cmeta_malloc(need);
        if (!buf) return -1;
    }
    size_t k = 0;
    if (neg) buf[k++] = '-';
    for (const char *q = a; q < int_end; q++) buf[k++] = *q;
    for (const char *q = b; q < frac_end; q++) buf[k++] = *q;
    long long e = exp10 - nfrac; /* |exp10| <= 10^8 (capped by the caller's syntax check) */
    buf[k++] = 'e';
    if (e < 0) {
        buf[k++] = '-';
        e = -e;
    }
    char rev[24];
    int nr = 0;
    do {
        rev[nr++] = (char)('0' + (int)(e % 10));
        e /= 10;
    } while (e);
    while (nr) buf[k++] = rev[--nr];
    buf[k] = '\0';
    errno = 0;
    double x = strtod(buf, NULL);
    int big = errno == ERANGE && (x > 1.0 || x < -1.0);
    if (buf != small) cmeta_free(buf);
    if (big) return 1;
    *out = x;
    return 0;
}
