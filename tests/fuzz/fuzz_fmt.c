/* fuzz_fmt.c - libFuzzer target: the text formatter of the report layer.
 * Bytes 0-7: a double (any bit pattern: NaN payloads, subnormals, infinities); byte 8: digits
 * (0..255, clamped by the formatter); the rest: a label. Checks, aborting on a breach:
 *  - cmeta_fmt_num fits CMETA_FMT_CELL, returns its length, and is "NA", "Inf", "-Inf", fixed
 *    ([-]D+[.D+], at most 15 integer digits) or scientific ([-]D[.D+]e[+-]DD[D]);
 *  - a finite value reads back within half a unit of the last place shown (fixed) or of the
 *    mantissa's last place (scientific);
 *  - cmeta_fmt_pval and cmeta_fmt17g stay within their buffers; %.17g reads back exactly;
 *  - cmeta_text_frame with the label as row name and cell writes no raw control byte. */
/* open_memstream is POSIX 2008: without this, -std=c11 leaves it undeclared, the implicit int
 * truncates the FILE pointer and the first write crashes (make fuzz, CI of 2026-12-02) */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/cmeta.h"

static int grammar(const char *s)
{
    if (!strcmp(s, "NA") || !strcmp(s, "Inf") || !strcmp(s, "-Inf")) return 1;
    const char *p = s;
    if (*p == '-') p++;
    int intd = 0;
    while (*p >= '0' && *p <= '9') p++, intd++;
    if (intd == 0) return 0;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9')) return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p == '\0') return intd <= 15;
    if (*p != 'e' || intd != 1) return 0;
    p++;
    if (*p != '+' && *p != '-') return 0;
    p++;
    int ed = 0;
    while (*p >= '0' && *p <= '9') p++, ed++;
    return *p == '\0' && ed >= 2 && ed <= 3;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9) return 0;
    double x;
    memcpy(&x, data, sizeof x);
    int digits = data[8];
    char b[CMETA_FMT_CELL + 8];
    memset(b, 'Z', sizeof b);
    size_t n = cmeta_fmt_num(b, CMETA_FMT_CELL, x, digits);
    if (n >= CMETA_FMT_CELL || strlen(b) != n || b[CMETA_FMT_CELL] != 'Z') abort();
    if (!grammar(b)) abort();
    if (isfinite(x)) {
        int dg = digits > CMETA_FMT_MAX_DIGITS ? CMETA_FMT_MAX_DIGITS : digits;
        double back = strtod(b, NULL), ulp;
        if (strchr(b, 'e')) ulp = 0.5 * pow(10.0, floor(log10(fabs(back) > 0 ? fabs(back) : fabs(x))) - dg);
        else ulp = 0.5 * pow(10.0, -dg);
        /* slack for the decimal <-> binary conversions of the value and of the bound */
        if (!(fabs(back - x) <= ulp * (1 + 1e-9) + 4e-16 * fabs(x))) abort();
    } else if (strcmp(b, isnan(x) ? "NA" : x > 0 ? "Inf" : "-Inf")) abort();
    char p[64];
    cmeta_fmt_pval(p, sizeof p, x, digits);
    if (strlen(p) >= sizeof p) abort();
    char g[40];
    int gl = cmeta_fmt17g(g, sizeof g, x);
    if (gl < 0 || (size_t)gl >= sizeof g) abort();
    if (isfinite(x) && strtod(g, NULL) != x) abort();

    /* the label through a text table */
    size_t ln = size - 9;
    char *label = malloc(ln + 1);
    if (!label) return 0;
    memcpy(label, data + 9, ln);
    label[ln] = '\0';
    char *out = NULL;
    size_t outn = 0;
    FILE *fp = open_memstream(&out, &outn);
    if (fp) {
        const char *rows[1] = {label}, *cols[2] = {label, "x"}, *cells[2] = {label, b};
        (void)cmeta_text_frame(fp, rows, 1, cols, 2, cells, 1 + data[8] % 3, data[8] & 1 ? 80 : (size_t)-1);
        fclose(fp);
        for (size_t i = 0; i < outn; i++) {
            unsigned char c = (unsigned char)out[i];
            if ((c < 0x20 && c != '\n') || c == 0x7f) abort();
        }
        free(out);
    }
    free(label);
    return 0;
}
