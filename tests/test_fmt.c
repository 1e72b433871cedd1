/* test_fmt.c - cmeta_fmt17g (src/lib/report_fmt17g.c) writes exactly the bytes of snprintf "%.17g".
 * Reference: glibc's snprintf itself, on several million values: random bit
 * patterns (every exponent), random values in the ranges cmeta prints, and edge cases
 * (signed zeros, subnormals, powers of 10 and 2 with their neighbours, integers, exact ties
 * m/4 near 10^15, the bounds of the fast path, the %g style switch at 1e-4 and 1e17). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "cmeta/report.h"
#include "cmeta/resample.h"
#include "report_frame.h"

static unsigned long long n_checked, n_bad;

static void check(double x)
{
    char a[64], b[64];
    int la = cmeta_fmt17g(a, sizeof a, x);
    int lb = snprintf(b, sizeof b, "%.17g", x);
    n_checked++;
    if (la != lb || strcmp(a, b) != 0) {
        if (n_bad++ < 10) fprintf(stderr, "cmeta_fmt17g(%a): '%s' (%d), snprintf: '%s' (%d)\n", x, a, la, b, lb);
    }
}

static void check_pm(double x)
{
    check(x);
    check(-x);
    check(nextafter(x, 0));
    check(nextafter(x, INFINITY));
}

static uint64_t rng_state = 0x853c49e6748fea9bULL;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double from_bits(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static void test_edges(void)
{
    n_checked = n_bad = 0;
    double special[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, DBL_MIN, DBL_MAX, DBL_TRUE_MIN,
                        DBL_EPSILON, 1.0, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 100.0, 0.5, 1e-4,
                        1e-5, 9.9999999999999995e-5, 0.00010000000000000001, 1e16, 1e17,
                        9007199254740992.0, 9007199254740991.0, 4503599627370496.5,
                        1e15 + 0.25, 1e15 + 0.75, 2e15 + 0.25, 1.0000000000000002,
                        0.99999999999999989, 99.999999999999986, 84.527484643821936,
                        0.25061101056904805, ldexp(1, -16), ldexp(1, -17), ldexp(1, 53),
                        ldexp(1, 52), ldexp(1, -15)};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) check_pm(special[i]);
    /* powers of 10 and of 2 with neighbours */
    for (int e = -320; e <= 308; e++) check_pm(pow(10.0, e));
    for (int e = -1074; e <= 1023; e++) check_pm(ldexp(1.0, e));
    /* subnormals */
    for (long i = 0, n = tu_scaled(100000); i < n; i++) check(from_bits(rnd() & 0x000FFFFFFFFFFFFFULL));
    /* integers, and exact ties at the 18th digit: m/4 with 4e15 <= m < 2^53 */
    for (long i = 0, n = tu_scaled(200000); i < n; i++) {
        check((double)(rnd() >> (rnd() % 64)));
        uint64_t m = 4000000000000000ULL + rnd() % 5007199254740992ULL;
        check_pm((double)m / 4);
        check_pm((double)m / 8);
        check_pm((double)(m | 1) / 2);
    }
    CU_ASSERT_EQUAL(n_bad, 0);
    CU_ASSERT(n_checked > (unsigned long long)tu_scaled(1000000));
}

static void test_random(void)
{
    n_checked = n_bad = 0;
    /* every bit pattern class: sign, exponent and mantissa at random */
    for (long i = 0, n = tu_scaled(2000000); i < n; i++) check(from_bits(rnd()));
    /* the ranges cmeta prints: |x| in [1e-6, 1e17], log-uniform, and short decimals */
    for (long i = 0, n = tu_scaled(2000000); i < n; i++) {
        double u = (double)(rnd() >> 11) / 9007199254740992.0;
        double x = pow(10.0, -6 + 23 * u);
        check(rnd() & 1 ? x : -x);
    }
    for (long i = 0, n = tu_scaled(500000); i < n; i++) {
        double x = (double)(int64_t)(rnd() % 2000001 - 1000000) / pow(10.0, (double)(rnd() % 12));
        check(x);
    }
    CU_ASSERT_EQUAL(n_bad, 0);
    CU_ASSERT(n_checked >= (unsigned long long)tu_scaled(4500000));
}

/* cmeta__fmt_f (cmeta_fmt_num's "%.*f") against snprintf: the same bytes, or -1 outside
 * its range (|x| >= 1e9, not finite, d > 9) */
static unsigned long long nf_checked, nf_bad, nf_fast;

static void check_fixed(double x, int d)
{
    char a[64], b[64];
    int la = cmeta__fmt_f(a, x, d);
    nf_checked++;
    if (la < 0) {
        if (isfinite(x) && fabs(x) < 1e9 && d >= 0 && d <= 9 && nf_bad++ < 10)
            fprintf(stderr, "cmeta__fmt_f(%a, %d) refused a value in its range\n", x, d);
        return;
    }
    nf_fast++;
    int lb = snprintf(b, sizeof b, "%.*f", d, x);
    if (la != lb || strcmp(a, b) != 0) {
        if (nf_bad++ < 10) fprintf(stderr, "cmeta__fmt_f(%a, %d): '%s', snprintf: '%s'\n", x, d, a, b);
    }
}

static void test_fixed(void)
{
    nf_checked = nf_bad = nf_fast = 0;
    double special[] = {0.0, -0.0, 1e-30, -1e-30, 0.5, 1.5, 2.5, -0.5, 0.125, 0.375, 0.00005,
                        0.00015, 0.00025, -0.00005, 999999999.99999, 999999999.5, -999999999.5,
                        1e9, -1e9, 1e9 - 0.5, INFINITY, -INFINITY, NAN, DBL_TRUE_MIN, DBL_MIN,
                        0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 84.527484643821936, 0.044999999999999998};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        for (int d = 0; d <= 10; d++) {
            check_fixed(special[i], d);
            check_fixed(-special[i], d);
            check_fixed(nextafter(special[i], 0), d);
            check_fixed(nextafter(special[i], INFINITY), d);
        }
    /* exact ties at every digit position: k / 2^j and (k + 0.5) 10^-d */
    for (long i = 0, n = tu_scaled(300000); i < n; i++) {
        int d = (int)(rnd() % 10);
        double x = ((double)(int64_t)(rnd() % 2000001 - 1000000) + 0.5) / pow(10.0, d);
        check_fixed(x, d);
        check_fixed(ldexp((double)(rnd() % 100000), -(int)(rnd() % 30)), d);
    }
    /* log-uniform |x| in [1e-12, 1e10], random bit patterns */
    for (long i = 0, n = tu_scaled(1000000); i < n; i++) {
        double v = (double)(rnd() >> 11) / 9007199254740992.0;
        double x = pow(10.0, -12 + 22 * v);
        check_fixed(rnd() & 1 ? x : -x, (int)(rnd() % 11));
        check_fixed(from_bits(rnd()), (int)(rnd() % 10));
    }
    CU_ASSERT_EQUAL(nf_bad, 0);
    CU_ASSERT(nf_fast > (unsigned long long)tu_scaled(1000000));
}

/* cmeta__text_frame_nums (widths from the values' largest magnitudes, each cell formatted
 * once) against cmeta_text_frame on the same cells formatted beforehand: the same bytes, on
 * random columns with edge values (negative zeros, values rounding up to another integer
 * digit or to zero, NA, Inf, |x| >= 1e9 and 1e15, scientific notation), and a text column
 * (UTF-8, control bytes, cells cut at CMETA_FMT_CELL - 1 bytes). */
typedef struct {
    size_t n;
    const double *v;  /* n x 4 */
    const char *const *s;
} frame_rows;

static const cmeta__frame_col frame_cols[5] = {{4, 0}, {0, 0}, {9, 0}, {2, '%'}, {-1, 0}};

static void frame_row(void *arg, size_t i, double *v, const char **s)
{
    const frame_rows *r = arg;
    for (int j = 0; j < 4; j++) v[j] = r->v[i * 4 + j];
    s[4] = r->s[i];
}

static int frame_same(size_t n, const double *v, const char *const *s, const char *const *rn)
{
    static const char *const names[5] = {"estimate", "x", "ci.lb", "weight", "yi_from"};
    char *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    FILE *fa = open_memstream(&a, &la), *fb = open_memstream(&b, &lb);
    char(*cell)[CMETA_FMT_CELL] = calloc(n * 5 + 1, sizeof *cell);
    const char **cp = calloc(n * 5 + 1, sizeof *cp);
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < 5; j++) {
            char *c = cell[i * 5 + j];
            cp[i * 5 + j] = c;
            if (j == 4) {
                snprintf(c, CMETA_FMT_CELL, "%s", s[i] ? s[i] : "");
                continue;
            }
            double x = v[i * 4 + j];
            size_t m = cmeta_fmt_num(c, CMETA_FMT_CELL, x, frame_cols[j].digits);
            if (frame_cols[j].suffix && isfinite(x)) c[m] = '%', c[m + 1] = '\0';
        }
    frame_rows r = {n, v, s};
    cmeta_text_frame(fa, rn, n, names, 5, cp, 1, (size_t)-1);
    cmeta__text_frame_nums(fb, rn, n, names, frame_cols, 5, frame_row, &r, 1, (size_t)-1);
    fclose(fa);
    fclose(fb);
    int same = la == lb && memcmp(a, b, la) == 0;
    if (!same) fprintf(stderr, "cmeta__text_frame_nums differs (%zu rows):\n%s---\n%s", n, a, b);
    free(a);
    free(b);
    free(cell);
    free(cp);
    return same;
}

static void test_frame(void)
{
    static const double edge[] = {0.0, -0.0, -0.00004, 0.00004, -0.000049999, 9.99995, -9.99995,
                                  99.99995, 0.99995, 999999999.99999, -999999999.5, 1e9, -1e9,
                                  123456789012345.0, 1e15, -1e300, 1e-300, NAN, INFINITY, -INFINITY,
                                  0.005, -0.005, 0.995, 99.995, 5e-10, -5e-10};
    static const char *const text[] = {"", "yi", "est/ci", "日本語の研究", "tab\there", "bell\007",
                                       "ééééééééééééééééééééééééééééééééééééééé", NULL};
    static const char *const names[] = {"A", "日本語", "x\ty", "a long study name, 2001", ""};
    size_t ne = sizeof edge / sizeof edge[0], nt = sizeof text / sizeof text[0];
    double v[4 * 40];
    const char *s[40], *rn[40];
    int bad = 0;
    for (int trial = 0; trial < tu_scaled(3000); trial++) {
        size_t n = 1 + rnd() % 40;
        for (size_t i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                unsigned long long u = rnd();
                double x = u % 3 == 0 ? edge[(u >> 8) % ne]
                                      : (double)(int64_t)((u >> 8) % 2000001 - 1000000) * pow(10.0, -(int)((u >> 40) % 12));
                v[i * 4 + j] = x;
            }
            s[i] = text[rnd() % nt];
            rn[i] = names[rnd() % 5];
        }
        if (!frame_same(n, v, s, rn)) bad++;
        if (bad > 3) break;
    }
    /* the edge values alone, each in its own column position */
    for (size_t e = 0; e < ne; e++) {
        for (int j = 0; j < 4; j++) v[j] = edge[e], v[4 + j] = -edge[e];
        s[0] = s[1] = "r";
        rn[0] = rn[1] = "x";
        if (!frame_same(2, v, s, rn)) bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* The fast path's own edges (report_fmt17g.c): every binary exponent with random mantissas
 * (the fast path takes 2^-16 <= |x| < 2^53, each binade its own shift), each decimal exponent's
 * boundary 10^X and the 17-digit rounding boundary (1 - 5e-18) 10^X with ulps either side, exact
 * ties at the 18th significant digit (k / 2^j with 18 significant digits, k odd: the last is
 * a 5 and nothing follows) at every scale, and every value of each SWAR digit lane. */
static void test_boundaries(void)
{
    n_checked = n_bad = 0;
    for (int be = 1; be < 2047; be++)
        for (long i = 0, n = tu_scaled(2000); i < n; i++)
            check(from_bits(((uint64_t)be << 52) | (rnd() & 0x800FFFFFFFFFFFFFULL)));
    for (int X = -330; X <= 310; X++) {
        char t[64];
        snprintf(t, sizeof t, "1e%d", X);
        double a = strtod(t, NULL);
        snprintf(t, sizeof t, "9.99999999999999995e%d", X - 1);
        double b = strtod(t, NULL);
        for (int k = 0; k < 6; k++) {
            check_pm(a);
            check_pm(b);
            a = nextafter(a, 0);
            b = nextafter(b, 0);
        }
        a = strtod(t, NULL);
        for (int k = 0; k < 6; k++) check_pm(a = nextafter(a, INFINITY));
    }
    /* ties: x = k / 2^j in [10^X0, 10^(X0+1)) has j decimals, so 18 significant digits when
     * X0 = 17 - j (and 17 or 19 for 16 - j, 18 - j) */
    for (int j = 1; j <= 80; j++)
        for (int dx = 16; dx <= 18; dx++) {
            double lo = ldexp(pow(10.0, dx - j), j), hi = ldexp(pow(10.0, dx - j + 1), j);
            if (lo < 1) lo = 1;
            if (hi > 9007199254740991.0) hi = 9007199254740991.0;
            if (!(lo < hi)) continue;
            for (long i = 0, n = tu_scaled(2000); i < n; i++) {
                uint64_t k = ((uint64_t)(lo + (hi - lo) * ((double)(rnd() >> 11) / 9007199254740992.0))) | 1;
                check_pm(ldexp((double)k, -j));
            }
        }
    /* each 4-digit SWAR lane of the digits takes every value: 10^15 + 10^7 (a 10^4 + a) */
    for (int a = 0; a < 10000; a++) {
        check(1e15 + 1e7 * (a * 10000.0 + a));
        check(1e15 + 1e7 * (a * 10000.0 + (9999 - a)) + a);
    }
    CU_ASSERT_EQUAL(n_bad, 0);
    CU_ASSERT(n_checked > (unsigned long long)tu_scaled(4000000));
}

/* GOSH rows (cmeta_report_gosh_rows_text: put_u64 and put_gosh_row) against fprintf's
 * "%llu,%d," and %.17g, empty when not finite: masks of every bit length and 10^j +- 1 */
static void test_gosh_rows(void)
{
    cmeta_gosh_row r[64];
    static char got[64 * CMETA_REPORT_GOSH_ROW_MAX], want[64 * CMETA_REPORT_GOSH_ROW_MAX];
    long bad = 0;
    for (int pass = 0; pass < 3000; pass++) {
        size_t w = 0;
        for (int i = 0; i < 64; i++) {
            uint64_t m;
            if (pass < 20) {
                uint64_t p10 = 1;
                for (int j = 0; j < pass % 20; j++) p10 *= 10;
                m = p10 + (uint64_t)(i % 3) - 1;
            } else {
                m = rnd() >> (rnd() % 64);
            }
            r[i].mask = m;
            r[i].k = (int)(rnd() % 40) - 3;
            r[i].ok = 1;
            double v[5];
            for (int c = 0; c < 5; c++) {
                uint64_t z = rnd() % 8;
                v[c] = z == 0 ? 0.0 : z == 1 ? NAN : z == 2 ? from_bits(rnd()) : (double)(rnd() >> 11) / 9007199254740992.0 * 100;
            }
            r[i].estimate = v[0], r[i].Q = v[1], r[i].I2 = v[2], r[i].H2 = v[3], r[i].tau2 = v[4];
            w += (size_t)snprintf(want + w, sizeof want - w, "%llu,%d", (unsigned long long)m, r[i].k);
            for (int c = 0; c < 5; c++) {
                want[w++] = ',';
                if (isfinite(v[c])) w += (size_t)snprintf(want + w, sizeof want - w, "%.17g", v[c]);
            }
            want[w++] = '\n';
        }
        size_t n = cmeta_report_gosh_rows_text(got, r, 64);
        if (n != w || memcmp(got, want, w) != 0) {
            if (bad++ < 3) fprintf(stderr, "gosh rows differ in pass %d\n", pass);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("cmeta_fmt17g vs snprintf %.17g", NULL, NULL);
    CU_add_test(s, "edge cases", test_edges);
    CU_add_test(s, "random values", test_random);
    CU_add_test(s, "fast path boundaries and ties", test_boundaries);
    CU_add_test(s, "GOSH rows", test_gosh_rows);
    CU_add_test(s, "cmeta__fmt_f vs %.*f", test_fixed);
    CU_add_test(s, "cmeta__text_frame_nums vs cmeta_text_frame", test_frame);
    return tu_run();
}
