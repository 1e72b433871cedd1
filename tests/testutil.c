/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

const char *tu_path(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("CMETA_TEST_ROOT");
    snprintf(buf, sizeof buf, "%s/%s", root && *root ? root : ".", rel);
    return buf;
}

int tu_close(double a, double e, double rtol, double atol)
{
    if (isnan(a) || isnan(e)) return isnan(a) && isnan(e);
    if (isinf(a) || isinf(e)) return a == e;
    return fabs(a - e) <= rtol * fabs(e) + atol;
}

void tu_assert_close(double a, double e, double rtol, double atol, const char *what,
                     const char *file, int line)
{
    char msg[512];
    int ok = tu_close(a, e, rtol, atol);
    snprintf(msg, sizeof msg, "%s: got %.17g, expected %.17g (rtol %g, atol %g)", what, a, e,
             rtol, atol);
    CU_assertImplementation(ok, (unsigned)line, ok ? "close" : msg, file, "", CU_FALSE);
    if (!ok) fprintf(stderr, "  FAIL %s:%d %s\n", file, line, msg);
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static char **split(const char *line, size_t *n)
{
    size_t cap = 8, k = 0;
    char **out = malloc(cap * sizeof *out);
    const char *p = line;
    for (;;) {
        const char *q = p;
        int quoted = *p == '"';
        if (quoted) {
            q = ++p;
            while (*q && *q != '"') q++;
        } else {
            while (*q && *q != ',' && *q != '\n' && *q != '\r') q++;
        }
        if (k == cap) out = realloc(out, (cap *= 2) * sizeof *out);
        out[k++] = dupn(p, (size_t)(q - p));
        if (quoted && *q == '"') q++;
        if (*q != ',') break;
        p = q + 1;
    }
    *n = k;
    return out;
}

tu_fixture *tu_fixture_load(const char *rel)
{
    FILE *fp = fopen(tu_path(rel), "r");
    if (!fp) {
        CU_FAIL_FATAL("fixture file cannot be opened");
        return NULL;
    }
    tu_fixture *f = calloc(1, sizeof *f);
    char *line = NULL;
    size_t cap = 0, rcap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, fp)) > 0) {
        if (line[0] == '\n' || line[0] == '\r') continue;
        size_t n;
        char **cells = split(line, &n);
        if (!f->names) {
            f->names = cells;
            f->ncols = n;
            continue;
        }
        if (n != f->ncols) {
            fprintf(stderr, "fixture %s: row %zu has %zu fields, header %zu\n", rel,
                    f->nrows + 1, n, f->ncols);
            for (size_t j = 0; j < n; j++) free(cells[j]);
            free(cells);
            continue;
        }
        if (f->nrows == rcap) f->cells = realloc(f->cells, (rcap = rcap ? 2 * rcap : 16) * sizeof *f->cells);
        f->cells[f->nrows++] = cells;
    }
    free(line);
    fclose(fp);
    return f;
}

void tu_fixture_free(tu_fixture *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->nrows; i++) {
        for (size_t j = 0; j < f->ncols; j++) free(f->cells[i][j]);
        free(f->cells[i]);
    }
    for (size_t j = 0; j < f->ncols; j++) free(f->names[j]);
    free(f->names);
    free(f->cells);
    free(f);
}

long tu_col(const tu_fixture *f, const char *name)
{
    for (size_t j = 0; j < f->ncols; j++)
        if (!strcmp(f->names[j], name)) return (long)j;
    return -1;
}

double tu_num(const tu_fixture *f, size_t row, const char *name)
{
    long j = tu_col(f, name);
    if (j < 0 || row >= f->nrows) return NAN;
    const char *s = f->cells[row][j];
    if (!*s || !strcmp(s, "NA")) return NAN;
    if (!strcmp(s, "Inf")) return INFINITY;
    if (!strcmp(s, "-Inf")) return -INFINITY;
    return strtod(s, NULL);
}

const char *tu_str(const tu_fixture *f, size_t row, const char *name)
{
    long j = tu_col(f, name);
    if (j < 0 || row >= f->nrows) return "";
    return f->cells[row][j];
}

double *tu_column(const tu_fixture *f, const char *name)
{
    if (tu_col(f, name) < 0) return NULL;
    double *x = malloc((f->nrows ? f->nrows : 1) * sizeof *x);
    for (size_t i = 0; i < f->nrows; i++) x[i] = tu_num(f, i, name);
    return x;
}

unsigned char *tu_slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, fp);
    b[*n] = 0;
    fclose(fp);
    return b;
}

/* a tiny XML well-formedness check: tags nest and close, one root <svg> */
int tu_svg_well_formed(const char *s)
{
    char stack[64][64];
    int depth = 0, roots = 0;
    while ((s = strchr(s, '<'))) {
        if (!strncmp(s, "<?", 2)) s = strstr(s, "?>");
        else if (!strncmp(s, "<!--", 4)) s = strstr(s, "-->");
        else if (!strncmp(s, "<!", 2)) s = strchr(s, '>');
        else {
            const char *e = strchr(s, '>');
            if (!e) return 0;
            int close = s[1] == '/', selfc = e[-1] == '/';
            const char *nm = s + 1 + close;
            size_t len = strcspn(nm, " \t\r\n/>");
            if (len == 0 || len >= 64) return 0;
            if (close) {
                if (depth == 0 || strncmp(stack[depth - 1], nm, len) || stack[depth - 1][len]) return 0;
                depth--;
            } else if (!selfc) {
                if (depth == 64) return 0;
                if (depth == 0) {
                    roots++;
                    if (strncmp(nm, "svg", 3)) return 0;
                }
                memcpy(stack[depth], nm, len);
                stack[depth++][len] = 0;
            }
            s = e;
        }
        if (!s) return 0;
        s++;
    }
    return depth == 0 && roots == 1;
}

long tu_scaled(long n)
{
    const char *light = getenv("CMETA_LIGHT");
    if (!light || !*light) return n;
    return n / 100 > 0 ? n / 100 : 1;
}

int tu_run(void)
{
    gsl_set_error_handler_off();
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    return failed || ran == 0 ? 1 : 0;
}

void tu_fake_measure(void *ctx, const char *s, double size, int bold, cmeta_text_extent *e)
{
    (void)ctx;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) n++;
    e->width = (double)n * size * (bold ? 0.66 : 0.6);
    e->ascent = 0.93 * size;
    e->descent = 0.24 * size;
}

void tu_check_no_overlap(const cmeta_plot *p)
{
    size_t bad = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (p->prim[i].kind != CMETA_PRIM_TEXT) continue;
        double a[4];
        cmeta_prim_text_box(&p->prim[i], a);
        if (a[0] < -1e-9 || a[1] < -1e-9 || a[2] > p->width + 1e-9 || a[3] > p->height + 1e-9) {
            fprintf(stderr, "  text off the page: '%s'\n", p->prim[i].text);
            bad++;
        }
        for (size_t j = i + 1; j < p->n; j++) {
            if (p->prim[j].kind != CMETA_PRIM_TEXT) continue;
            double b[4];
            cmeta_prim_text_box(&p->prim[j], b);
            if (a[0] < b[2] - 1e-9 && b[0] < a[2] - 1e-9 && a[1] < b[3] - 1e-9 && b[1] < a[3] - 1e-9) {
                fprintf(stderr, "  overlap: '%s' and '%s'\n", p->prim[i].text, p->prim[j].text);
                bad++;
            }
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

int tu_has_text(const cmeta_plot *p, const char *s)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->prim[i].kind == CMETA_PRIM_TEXT && strstr(p->prim[i].text, s)) return 1;
    return 0;
}

/* 0-based ids of the rows' joined cells of columns cols, in order of first appearance */
size_t *tu_levels(const tu_fixture *D, const char *const *cols, size_t ncols, size_t *nlev)
{
    size_t n = D->nrows, m = 0;
    size_t *id = calloc(n, sizeof *id);
    char **key = calloc(n, sizeof *key);
    for (size_t i = 0; i < n; i++) {
        char buf[512] = "";
        for (size_t c = 0; c < ncols; c++) {
            strcat(buf, tu_str(D, i, cols[c]));
            strcat(buf, "\x1f");
        }
        size_t j = 0;
        while (j < m && strcmp(key[j], buf)) j++;
        if (j == m) key[m++] = strdup(buf);
        id[i] = j;
    }
    for (size_t j = 0; j < m; j++) free(key[j]);
    free(key);
    *nlev = m;
    return id;
}
