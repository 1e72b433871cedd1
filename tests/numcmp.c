/* numcmp.c - compare a program output with its golden file: structure and text byte for byte,
 * computed numbers with a tolerance. Built by the Makefile as $(BUILD)/tests/numcmp; used by
 * tests/cli/run.sh (expect_golden) and tests/readme.sh. No dependency beyond libc.
 *
 *   numcmp [--json|--csv|--text] [-r RTOL] [-a ATOL] [-k NAME=RTOL[:ATOL]]... [-t TABLE] [-v]
 *          EXPECTED ACTUAL
 *
 * Why: OpenBLAS chooses its kernel per CPU at run time, so the 16th-17th significant digit of a
 * result that went through BLAS/LAPACK moves between machines (OPENBLAS_CORETYPE=Prescott|Haswell|
 * Zen reproduces that on one machine; the largest move seen is 4.8e-15 relative). Goldens print
 * %.17g, so they are compared number by number:
 *   numbers a (expected), b (actual) agree when  |a - b| <= max(RTOL * max(|a|, |b|), ATOL);
 *   non-finite or unparsable numbers must be byte-identical.
 * Defaults: RTOL 1e-12 (the project's closed-form tolerance is 1e-8 against metafor; 1e-12 leaves
 * 200x room above the largest kernel difference and still catches any change of a formula);
 * ATOL 1e-13: a value that is 0 in exact arithmetic (a residual, a centred sum, tau^2 of identical
 * studies) comes out as rounding noise of the terms it cancels: at most a few ulps of the largest
 * term, and the largest terms in the goldens are ~1e3 (Normand 1999 MD: tau^2 684, |y| <= 55,
 * Q 239), i.e. ~1e-13 absolute. Every printed number below 1e-13 in magnitude is either such noise
 * or a p-value whose statistic is compared beside it with RTOL.
 *
 * Modes (default from EXPECTED's extension: .json, .csv, anything else text):
 *   json  tokens walked in step: punctuation, keys, strings, true/false/null byte for byte,
 *         numbers with the tolerance; whitespace between tokens ignored. Reports the JSON path
 *         of the first difference: $.studies[3].ci_lb
 *   csv   RFC 4180 records (quoted fields, embedded newlines); a field that is a plain number on
 *         both sides is compared with the tolerance, any other byte for byte. Reports
 *         row R, column NAME (NAME from the expected header; row 0 is the header).
 *   text  byte for byte, except numbers printed at full precision (>= 15 significant digits on
 *         either side, i.e. a %.17g print): tables rounded to 4-6 digits stay exact. Reports
 *         line L, column C.
 * Tolerances per key or column: -k NAME=RTOL[:ATOL] (NAME: the innermost JSON key or the CSV
 * column), or -t TABLE: lines "GLOB KEY RTOL ATOL  reason..." ('#' comments); the rows whose GLOB
 * matches EXPECTED's file name apply, KEY '*' sets the file's default.
 * Exit 0 same, 1 different (one line on stdout: where, expected, got), 2 usage or I/O error.
 *
 *   numcmp --paths FILE.json
 * lists every scalar of a JSON document, one line each: its path (as the json mode reports it,
 * $.studies[3].ci_lb), a space, the value as written (strings with their quotes). Used to check
 * the numbers an HTML report carries against the JSON of the same command (t_htmlreport.sh).
 * -v lists every number compared that is not byte-identical, with its differences (stderr).
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[128];
    double rtol, atol;
} keytol;

static double g_rtol = 1e-12, g_atol = 1e-13;
static keytol g_keys[64];
static size_t g_nkeys;
static int g_verbose;
static const char *g_where_prefix = "";

static char *read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    size_t r;
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(b, 2 * cap + 1);
            if (!nb) { free(b); b = NULL; break; }
            b = nb, cap *= 2;
        }
    }
    if (f != stdin) fclose(f);
    if (b) b[n] = 0, *len = n;
    return b;
}

/* A short, printable rendering of n bytes (at most 40), for the one-line report. */
static const char *shown(const char *s, size_t n, char *buf)
{
    size_t o = 0, lim = 40;
    buf[o++] = '"';
    for (size_t i = 0; i < n && o < lim + 1; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') buf[o++] = '\\', buf[o++] = 'n';
        else if (c < 0x20 || c == 0x7f) o += (size_t)sprintf(buf + o, "\\x%02X", c);
        else buf[o++] = (char)c;
    }
    if (n > 0 && o >= lim + 1) buf[o++] = '.', buf[o++] = '.', buf[o++] = '.';
    buf[o++] = '"';
    buf[o] = 0;
    return buf;
}

static void tol_for(const char *key, size_t klen, double *rtol, double *atol)
{
    *rtol = g_rtol, *atol = g_atol;
    for (size_t i = 0; key && i < g_nkeys; i++)
        if (strlen(g_keys[i].name) == klen && !memcmp(g_keys[i].name, key, klen)) {
            *rtol = g_keys[i].rtol, *atol = g_keys[i].atol;
        }
}

/* Compare two number tokens. Returns 1 when they agree; else fills why. */
static int num_agree(const char *a, size_t na, const char *b, size_t nb, double rtol, double atol,
                     const char *where, char *why)
{
    if (na == nb && !memcmp(a, b, na)) return 1;
    char sa[64], sb[64];
    if (na >= sizeof sa || nb >= sizeof sb) return 0;
    memcpy(sa, a, na), sa[na] = 0;
    memcpy(sb, b, nb), sb[nb] = 0;
    char *ea, *eb;
    double x = strtod(sa, &ea), y = strtod(sb, &eb);
    if (*ea || *eb || !isfinite(x) || !isfinite(y)) {
        sprintf(why, "not the same number");
        return 0;
    }
    double d = fabs(x - y), m = fmax(fabs(x), fabs(y)), tol = fmax(rtol * m, atol);
    if (g_verbose)
        fprintf(stderr, "numcmp: %s%s: %s vs %s: abs %.3g rel %.3g (tol %.3g)\n", g_where_prefix, where, sa,
                sb, d, m > 0 ? d / m : 0.0, tol);
    if (d <= tol) return 1;
    sprintf(why, "|diff| %.2g, rel %.2g > rtol %.2g", d, m > 0 ? d / m : 0.0, rtol);
    return 0;
}

/* ---- JSON ---------------------------------------------------------------------------------- */
enum { T_EOF, T_PUNCT, T_STR, T_NUM, T_LIT, T_BAD };
typedef struct {
    int type;
    const char *s;
    size_t n;
} tok;

static tok json_next(const char **pp, const char *end)
{
    const char *p = *pp;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    tok t = {T_EOF, p, 0};
    if (p >= end) { *pp = p; return t; }
    if (strchr("{}[]:,", *p)) {
        t.type = T_PUNCT, t.n = 1, *pp = p + 1;
        return t;
    }
    const char *q = p;
    if (*p == '"') {
        q++;
        while (q < end && *q != '"') q += (*q == '\\' && q + 1 < end) ? 2 : 1;
        if (q >= end) t.type = T_BAD, q = end;
        else t.type = T_STR, q++;
    } else if (*p == '-' || isdigit((unsigned char)*p)) {
        q++;
        while (q < end && (isdigit((unsigned char)*q) || strchr(".eE+-", *q))) q++;
        t.type = T_NUM;
    } else if (isalpha((unsigned char)*p)) {
        while (q < end && isalpha((unsigned char)*q)) q++;
        t.type = T_LIT;
    } else {
        q++;
        t.type = T_BAD;
    }
    t.n = (size_t)(q - p);
    *pp = q;
    return t;
}

typedef struct {
    int arr;        /* 1 array, 0 object */
    size_t index;   /* arrays: element index */
    const char *key; /* objects: the current key (without quotes) */
    size_t klen;
    int want_key;   /* objects: the next string is a key */
} frame;

static void json_path(const frame *st, size_t depth, char *out, size_t cap)
{
    size_t o = (size_t)snprintf(out, cap, "$");
    for (size_t i = 0; i < depth && o < cap; i++) {
        if (st[i].arr) o += (size_t)snprintf(out + o, cap - o, "[%zu]", st[i].index);
        else if (st[i].key) o += (size_t)snprintf(out + o, cap - o, ".%.*s", (int)st[i].klen, st[i].key);
    }
}

static const char *tok_name(const tok *t, char *buf)
{
    if (t->type == T_EOF) return "end of input";
    if (t->type == T_STR && t->n >= 2) return shown(t->s + 1, t->n - 2, buf);
    if (t->type == T_PUNCT) return sprintf(buf, "'%c'", *t->s), buf;
    if (t->type == T_NUM || t->type == T_LIT) return sprintf(buf, "%.*s", t->n > 40 ? 40 : (int)t->n, t->s), buf;
    return shown(t->s, t->n, buf);
}

static int cmp_json(const char *a, size_t na, const char *b, size_t nb)
{
    const char *pa = a, *pb = b, *ea = a + na, *eb = b + nb;
    frame st[256];
    size_t depth = 0;
    char path[1024], b1[128], b2[128], why[160];
    for (;;) {
        tok x = json_next(&pa, ea), y = json_next(&pb, eb);
        json_path(st, depth, path, sizeof path);
        if (x.type == T_BAD || y.type == T_BAD) {
            printf("%s: %s is not JSON (%s)\n", path, x.type == T_BAD ? "expected" : "actual",
                   tok_name(x.type == T_BAD ? &x : &y, b1));
            return 1;
        }
        if (x.type == T_EOF && y.type == T_EOF) return 0;
        frame *top = depth ? &st[depth - 1] : NULL;
        int is_key = top && !top->arr && top->want_key && x.type == T_STR;
        if (x.type == T_NUM && y.type == T_NUM) {
            double rt, at;
            const char *k = NULL;
            size_t kl = 0;
            for (size_t i = depth; i-- > 0;)
                if (!st[i].arr) { k = st[i].key, kl = st[i].klen; break; }
            tol_for(k ? k + 0 : NULL, kl, &rt, &at);
            if (!num_agree(x.s, x.n, y.s, y.n, rt, at, path, why)) {
                printf("%s: expected %.*s, got %.*s (%s)\n", path, (int)x.n, x.s, (int)y.n, y.s, why);
                return 1;
            }
        } else if (x.type != y.type || x.n != y.n || memcmp(x.s, y.s, x.n)) {
            /* name what is missing or extra where the structure differs */
            int xc = x.type == T_PUNCT ? *x.s : 0, yc = y.type == T_PUNCT ? *y.s : 0;
            int xend = xc == ']' || xc == '}', yend = yc == ']' || yc == '}';
            /* after a ',' one side goes on and the other ends; or one of them is empty */
            int ends = xc == ',' && yend, more = xend && yc == ',';
            int empty_x = top && xend && !yend && yc != ',', empty_y = top && yend && !xend && xc != ',';
            if (top && (ends || more || empty_x || empty_y)) {
                /* name the element or key that is missing or extra */
                if (ends || more) {
                    if (top->arr) top->index++;
                } else {
                    more = empty_x, ends = empty_y;
                    if (!top->arr) { /* the key is the token just read */
                        printf("%s: key %s %s\n", (top->key = NULL, json_path(st, depth, path, sizeof path), path),
                               tok_name(empty_x ? &y : &x, b1), empty_x ? "extra in actual output" : "missing in actual output");
                        return 1;
                    }
                }
                if (!top->arr) top->key = NULL;
                json_path(st, depth, path, sizeof path);
                if (!top->arr) {
                    tok nx = ends ? json_next(&pa, ea) : json_next(&pb, eb);
                    printf("%s: key %s %s\n", path, tok_name(&nx, b1),
                           ends ? "missing in actual output" : "extra in actual output");
                } else
                    printf("%s: %s\n", path, ends ? "missing in actual output (the array ends)"
                                                  : "extra element in actual output");
            } else if (is_key && y.type == T_STR) {
                top->key = NULL;
                json_path(st, depth, path, sizeof path);
                printf("%s: key %s, expected key %s\n", path, tok_name(&y, b2), tok_name(&x, b1));
            } else
                printf("%s: expected %s, got %s\n", path, tok_name(&x, b1), tok_name(&y, b2));
            return 1;
        }
        /* advance the path along the expected text */
        if (x.type == T_PUNCT) {
            char c = *x.s;
            if (c == '{' || c == '[') {
                if (depth == sizeof st / sizeof st[0]) { printf("%s: nested too deeply\n", path); return 2; }
                st[depth++] = (frame){c == '[', 0, NULL, 0, c == '{'};
            } else if (c == '}' || c == ']') {
                if (depth) depth--;
            } else if (c == ',' && top) {
                if (top->arr) top->index++;
                else top->want_key = 1;
            }
        } else if (is_key) {
            top->key = x.s + 1, top->klen = x.n - 2, top->want_key = 0;
        }
    }
}

/* every scalar of a JSON text with its path (--paths) */
static int list_paths(const char *a, size_t na)
{
    const char *pa = a, *ea = a + na;
    frame st[256];
    size_t depth = 0;
    char path[1024];
    for (;;) {
        tok x = json_next(&pa, ea);
        if (x.type == T_EOF) return 0;
        if (x.type == T_BAD) {
            json_path(st, depth, path, sizeof path);
            printf("%s: not JSON\n", path);
            return 1;
        }
        frame *top = depth ? &st[depth - 1] : NULL;
        int is_key = top && !top->arr && top->want_key && x.type == T_STR;
        if (x.type == T_PUNCT) {
            char c = *x.s;
            if (c == '{' || c == '[') {
                if (depth == sizeof st / sizeof st[0]) return 2;
                st[depth++] = (frame){c == '[', 0, NULL, 0, c == '{'};
            } else if (c == '}' || c == ']') {
                if (depth) depth--;
            } else if (c == ',' && top) {
                if (top->arr) top->index++;
                else top->want_key = 1;
            }
        } else if (is_key) {
            top->key = x.s + 1, top->klen = x.n - 2, top->want_key = 0;
        } else {
            json_path(st, depth, path, sizeof path);
            printf("%s %.*s\n", path, (int)x.n, x.s);
        }
    }
}

/* ---- CSV ----------------------------------------------------------------------------------- */
typedef struct {
    const char *s; /* raw field text (with its quotes) */
    size_t n;
    int quoted;
    int eor; /* this field ends the record */
} field;

/* Next field from *pp; returns 0 at end of input. line counts newlines consumed. */
static int csv_field(const char **pp, const char *end, field *f, long *line)
{
    const char *p = *pp;
    if (p >= end) return 0;
    f->s = p, f->quoted = (*p == '"');
    if (f->quoted) {
        p++;
        while (p < end) {
            if (*p == '"') {
                if (p + 1 < end && p[1] == '"') { p += 2; continue; }
                p++;
                break;
            }
            if (*p == '\n') (*line)++;
            p++;
        }
    }
    while (p < end && *p != ',' && *p != '\n' && *p != '\r') p++;
    f->n = (size_t)(p - f->s);
    f->eor = 1;
    if (p < end && *p == ',') f->eor = 0, p++;
    else {
        if (p < end && *p == '\r') p++;
        if (p < end && *p == '\n') p++;
        (*line)++;
    }
    *pp = p;
    return 1;
}

static int csv_is_number(const field *f)
{
    if (f->quoted || f->n == 0 || f->n > 60) return 0;
    char c = f->s[0];
    if (!(isdigit((unsigned char)c) || c == '-' || c == '+' || c == '.')) return 0;
    char buf[64], *e;
    memcpy(buf, f->s, f->n), buf[f->n] = 0;
    strtod(buf, &e);
    return *e == 0;
}

static int cmp_csv(const char *a, size_t na, const char *b, size_t nb)
{
    const char *pa = a, *pb = b, *ea = a + na, *eb = b + nb;
    field hdr[512];
    size_t nhdr = 0, row = 0, col = 0;
    long la = 1, lb = 1;
    char b1[128], b2[128], why[160], where[400];
    for (;;) {
        field x, y;
        long line = la;
        int hx = csv_field(&pa, ea, &x, &la), hy = csv_field(&pb, eb, &y, &lb);
        const char *cname = col < nhdr ? hdr[col].s : "?";
        int cn = col < nhdr ? (int)hdr[col].n : 1;
        if (row == 0) snprintf(where, sizeof where, "header (line 1), column %zu", col + 1);
        else snprintf(where, sizeof where, "row %zu (line %ld), column %.*s", row, line, cn, cname);
        if (!hx && !hy) return 0;
        if (!hx || !hy) {
            printf("row %zu (line %ld): %s\n", row, line, !hx ? "extra row(s) in actual output" : "missing in actual output");
            return 1;
        }
        if (row == 0 && nhdr < sizeof hdr / sizeof hdr[0]) hdr[nhdr++] = x;
        if (csv_is_number(&x) && csv_is_number(&y)) {
            double rt, at;
            tol_for(col < nhdr ? hdr[col].s : NULL, col < nhdr ? hdr[col].n : 0, &rt, &at);
            if (!num_agree(x.s, x.n, y.s, y.n, rt, at, where, why)) {
                printf("%s: expected %.*s, got %.*s (%s)\n", where, (int)x.n, x.s, (int)y.n, y.s, why);
                return 1;
            }
        } else if (x.n != y.n || memcmp(x.s, y.s, x.n)) {
            printf("%s: expected %s, got %s\n", where, shown(x.s, x.n, b1), shown(y.s, y.n, b2));
            return 1;
        }
        if (x.eor != y.eor) {
            printf("row %zu (line %ld): %s after column %zu\n", row, line,
                   x.eor ? "extra field(s) in actual output" : "field(s) missing in actual output", col + 1);
            return 1;
        }
        if (x.eor) row++, col = 0;
        else col++;
    }
}

/* ---- text ---------------------------------------------------------------------------------- */
/* A number token starts at p: [+-]?(digits[.digits]|.digits)([eE][+-]?digits)?, not inside a
 * word (the byte before is not a letter, digit, '_' or '.'). Returns its length or 0. */
static size_t text_number(const char *start, const char *p, const char *end)
{
    if (p > start) {
        unsigned char c = (unsigned char)p[-1];
        if (isalnum(c) || c == '_' || c == '.') return 0;
    }
    const char *q = p;
    if (q < end && (*q == '-' || *q == '+')) q++;
    const char *d = q;
    while (q < end && isdigit((unsigned char)*q)) q++;
    if (q < end && *q == '.' && q + 1 < end && isdigit((unsigned char)q[1])) {
        q++;
        while (q < end && isdigit((unsigned char)*q)) q++;
    }
    if (q == d || (q == d + 1 && *d == '.')) return 0;
    if (q < end && (*q == 'e' || *q == 'E')) {
        const char *r = q + 1;
        if (r < end && (*r == '-' || *r == '+')) r++;
        if (r < end && isdigit((unsigned char)*r)) {
            while (r < end && isdigit((unsigned char)*r)) r++;
            q = r;
        }
    }
    return (size_t)(q - p);
}

static int sig_digits(const char *s, size_t n)
{
    int count = 0, lead = 1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == 'e' || s[i] == 'E') break;
        if (!isdigit((unsigned char)s[i])) continue;
        if (lead && s[i] == '0') continue;
        lead = 0, count++;
    }
    return count;
}

static int cmp_text(const char *a, size_t na, const char *b, size_t nb)
{
    const char *pa = a, *pb = b, *ea = a + na, *eb = b + nb, *line_a = a;
    long line = 1;
    char b1[128], b2[128], why[160], where[64];
    while (pa < ea && pb < eb) {
        size_t xa = text_number(a, pa, ea), xb = text_number(b, pb, eb);
        if (xa && xb) {
            snprintf(where, sizeof where, "line %ld, column %ld", line, (long)(pa - line_a) + 1);
            int same = xa == xb && !memcmp(pa, pb, xa);
            if (!same && (sig_digits(pa, xa) >= 15 || sig_digits(pb, xb) >= 15)) {
                if (!num_agree(pa, xa, pb, xb, g_rtol, g_atol, where, why)) {
                    printf("%s: expected %.*s, got %.*s (%s)\n", where, (int)xa, pa, (int)xb, pb, why);
                    return 1;
                }
                same = 1;
            }
            if (!same) break;
            pa += xa, pb += xb;
            continue;
        }
        if (*pa != *pb) break;
        if (*pa == '\n') line++, line_a = pa + 1;
        pa++, pb++;
    }
    if (pa == ea && pb == eb) return 0;
    /* show from the start of the differing token (or word) to the end of its line */
    const char *sa = pa, *sb = pb;
    while (sa > line_a && !isspace((unsigned char)sa[-1]) && sa - pa > -12) sa--, sb--;
    const char *za = sa, *zb = sb;
    while (za < ea && *za != '\n') za++;
    while (zb < eb && *zb != '\n') zb++;
    printf("line %ld, column %ld: expected %s, got %s\n", line, (long)(sa - line_a) + 1,
           pa == ea ? "end of output" : shown(sa, (size_t)(za - sa), b1),
           pb == eb ? "end of output" : shown(sb, (size_t)(zb - sb), b2));
    return 1;
}

/* ---- options ------------------------------------------------------------------------------- */
static int add_key(const char *name, size_t nlen, double rtol, double atol)
{
    if (g_nkeys == sizeof g_keys / sizeof g_keys[0] || nlen >= sizeof g_keys[0].name) return -1;
    memcpy(g_keys[g_nkeys].name, name, nlen);
    g_keys[g_nkeys].name[nlen] = 0;
    g_keys[g_nkeys].rtol = rtol, g_keys[g_nkeys].atol = atol;
    g_nkeys++;
    return 0;
}

static int parse_tol(const char *s, double *rtol, double *atol)
{
    char *e;
    *rtol = strtod(s, &e);
    if (e == s || *rtol < 0) return -1;
    if (*e == ':') {
        const char *f = e + 1;
        *atol = strtod(f, &e);
        if (e == f || *atol < 0) return -1;
    }
    return *e ? -1 : 0;
}

/* Tolerance table: "GLOB KEY RTOL ATOL reason...". */
static int read_table(const char *path, const char *expected)
{
    FILE *f = fopen(path, "r");
    if (!f) { fprintf(stderr, "numcmp: cannot read %s\n", path); return -1; }
    const char *base = strrchr(expected, '/');
    base = base ? base + 1 : expected;
    char line[1024];
    long ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        char glob[256], key[128], rs[64], as[64];
        char *h = line + strspn(line, " \t");
        if (*h == '#' || *h == '\n' || !*h) continue;
        if (sscanf(h, "%255s %127s %63s %63s", glob, key, rs, as) != 4) {
            fprintf(stderr, "numcmp: %s:%ld: expected GLOB KEY RTOL ATOL\n", path, ln);
            fclose(f);
            return -1;
        }
        if (fnmatch(glob, base, 0) != 0) continue;
        char *e1, *e2;
        double r = strtod(rs, &e1), a = strtod(as, &e2);
        if (*e1 || *e2 || r < 0 || a < 0) {
            fprintf(stderr, "numcmp: %s:%ld: bad tolerance\n", path, ln);
            fclose(f);
            return -1;
        }
        if (!strcmp(key, "*")) g_rtol = r, g_atol = a;
        else if (add_key(key, strlen(key), r, a)) { fclose(f); return -1; }
    }
    fclose(f);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: numcmp [--json|--csv|--text] [-r RTOL] [-a ATOL] [-k NAME=RTOL[:ATOL]]... "
                    "[-t TABLE] [-v] EXPECTED ACTUAL | numcmp --paths FILE.json\n");
    return 2;
}

int main(int argc, char **argv)
{
    int mode = 0; /* 0 by extension, 'j', 'c', 't' */
    if (argc == 3 && !strcmp(argv[1], "--paths")) {
        size_t n = 0;
        char *a = read_all(argv[2], &n);
        if (!a) {
            fprintf(stderr, "numcmp: cannot read %s\n", argv[2]);
            return 2;
        }
        int rc = list_paths(a, n);
        free(a);
        return rc;
    }
    const char *table = NULL, *files[2];
    int nf = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--json")) mode = 'j';
        else if (!strcmp(s, "--csv")) mode = 'c';
        else if (!strcmp(s, "--text")) mode = 't';
        else if (!strcmp(s, "-v")) g_verbose = 1;
        else if ((!strcmp(s, "-r") || !strcmp(s, "-a") || !strcmp(s, "-k") || !strcmp(s, "-t") ||
                  !strcmp(s, "-w")) && i + 1 < argc) {
            const char *v = argv[++i];
            char *e;
            if (s[1] == 't') table = v;
            else if (s[1] == 'w') g_where_prefix = v;
            else if (s[1] == 'k') {
                const char *eq = strchr(v, '=');
                double r, a = g_atol;
                if (!eq || eq == v || parse_tol(eq + 1, &r, &a) || add_key(v, (size_t)(eq - v), r, a))
                    return usage();
            } else {
                double x = strtod(v, &e);
                if (e == v || *e || x < 0) return usage();
                if (s[1] == 'r') g_rtol = x;
                else g_atol = x;
            }
        } else if (nf < 2 && (s[0] != '-' || !s[1])) files[nf++] = s;
        else return usage();
    }
    if (nf != 2) return usage();
    if (table) {
        /* the table sets the file's defaults; -r/-a/-k given before still apply after it */
        if (read_table(table, files[0])) return 2;
    }
    if (!mode) {
        size_t n = strlen(files[0]);
        mode = (n > 5 && !strcmp(files[0] + n - 5, ".json")) ? 'j'
               : (n > 4 && !strcmp(files[0] + n - 4, ".csv")) ? 'c' : 't';
    }
    size_t na = 0, nb = 0;
    char *a = read_all(files[0], &na), *b = read_all(files[1], &nb);
    if (!a || !b) {
        fprintf(stderr, "numcmp: cannot read %s\n", !a ? files[0] : files[1]);
        free(a), free(b);
        return 2;
    }
    int rc = mode == 'j' ? cmp_json(a, na, b, nb) : mode == 'c' ? cmp_csv(a, na, b, nb) : cmp_text(a, na, b, nb);
    free(a), free(b);
    return rc;
}
