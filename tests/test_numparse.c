/* test_numparse.c - cmeta_parse_double's value (src/lib/numparse.c: Clinger's exact fast path,
 * strtod otherwise) equals glibc's strtod bit for bit. Reference: strtod itself on the same
 * numeral, on random numerals (1-25 digits, any point position, exponents -340..340, leading
 * and trailing zeros) and edge cases: the fast path's bounds (2^53, 10^22), 17+ digit
 * mantissas, halfway cases, subnormals, the smallest and largest doubles, and overflow. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static unsigned long long n_checked, n_bad;

static void check(const char *s)
{
    double a = 0, b;
    cmeta_status st = cmeta_parse_double(s, &a, NULL);
    errno = 0;
    b = strtod(s, NULL);
    int big = errno == ERANGE && fabs(b) > 1.0;
    n_checked++;
    if (big) {
        if (st == CMETA_OK && n_bad++ < 10) fprintf(stderr, "'%s': parsed, strtod overflows\n", s);
        return;
    }
    if (st != CMETA_OK || memcmp(&a, &b, sizeof a) != 0) {
        if (n_bad++ < 10) fprintf(stderr, "'%s': cmeta %a (status %d), strtod %a\n", s, a, (int)st, b);
    }
}

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void test_edges(void)
{
    static const char *e[] = {
        "0", "-0", "0.0", "000", ".0", "0e5", "-0.000e-10", "1", "-1", "+1", "1.", ".5", "  2.5 ",
        "0.1", "0.2", "0.3", "1e22", "1e23", "1e-22", "1e-23", "9007199254740992",
        "9007199254740993", "9007199254740991", "9007199254740992e22", "9007199254740993e-22",
        "9007199254740992e-22", "18014398509481984", "123456789012345678", "1234567890123456789",
        "12345678901234567890", "99999999999999999999999", "0.30000000000000004",
        "2.2250738585072011e-308", "2.2250738585072014e-308", "4.9406564584124654e-324",
        "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400", "1.7976931348623157e308",
        "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-1e309", "1e308",
        "8.98846567431158e307", "0.000000000000000000000000000001", "100000000000000000000000",
        "1000000000000000000000000.0e-3", "3.14159265358979323846264338327950288",
        "2.718281828459045235360287", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126", "9.5367431640625e-7",
        "4503599627370496.5", "4503599627370497.5", "0.1e1", "10e-1", "12.500e3", "1E5", "1e+5",
        "1e-5", "5e-324", "1e-320", "123.456e-300", "00000000000000000000000000001.5",
        /* significant digits counted past leading zeros (the scan's own mantissa) */
        "0.0000000000000000000001234567890123456789", "0.00000000000000000000012345678901234567891",
        "000.000900719925474099e16", "0.0009007199254740993e19", "1234567890123456789.5",
        "-0.0e0", "-00.00", "0000000000000000000000000000000000009"};
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) check(e[i]);
    /* powers of ten and their neighbours across the fast path's bounds */
    char s[64];
    for (int p = -30; p <= 30; p++)
        for (int m = 1; m <= 20; m++) {
            snprintf(s, sizeof s, "%de%d", m, p);
            check(s);
            snprintf(s, sizeof s, "%llue%d", (1ULL << 53) - (unsigned long long)m + 10, p);
            check(s);
        }
    CU_ASSERT_EQUAL(n_bad, 0);
}

static void test_random(void)
{
    char s[128];
    long n = tu_scaled(1000000);
    for (long it = 0; it < n; it++) {
        uint64_t r = rnd();
        size_t k = 0;
        if (r & 1) s[k++] = '-';
        int nd = 1 + (int)((r >> 1) % 25);   /* digits */
        int pt = (int)((r >> 6) % (unsigned)(nd + 1)); /* point after pt digits */
        int lead0 = (r >> 12) % 4 == 0;
        if (lead0) s[k++] = '0', s[k++] = '0';
        uint64_t d = rnd();
        for (int i = 0; i < nd; i++) {
            if (i == pt) s[k++] = '.';
            if (i % 16 == 15) d = rnd();
            int digit = (int)(d % 10);
            d /= 10;
            if ((r >> 20) % 8 == 0 && i > 2) digit = 0; /* trailing zeros */
            s[k++] = (char)('0' + digit);
        }
        int ek = (int)((r >> 24) % 4);
        if (ek) {
            int range = ek == 1 ? 25 : ek == 2 ? 60 : 340;
            int ex = (int)((r >> 28) % (unsigned)(2 * range + 1)) - range;
            k += (size_t)snprintf(s + k, sizeof s - k, "e%d", ex);
        }
        s[k] = '\0';
        check(s);
        /* a random double written with 15-17 digits must come back exactly */
        uint64_t bits = rnd();
        double x;
        memcpy(&x, &bits, sizeof x);
        if (isfinite(x)) {
            snprintf(s, sizeof s, "%.*g", 15 + (int)(r >> 60) % 3, x);
            check(s);
        }
        snprintf(s, sizeof s, "%.*f", (int)((r >> 40) % 8), (double)(rnd() % 100000000) / 1000.0);
        check(s);
    }
    CU_ASSERT_EQUAL(n_bad, 0);
    CU_ASSERT(n_checked > (unsigned long long)tu_scaled(1000000));
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("cmeta_parse_double vs strtod", NULL, NULL);
    CU_add_test(s, "edge cases", test_edges);
    CU_add_test(s, "random numerals", test_random);
    return tu_run();
}
