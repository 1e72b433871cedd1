/* cmd_mv.c - `cmeta mv FILE --random A/B [--random C] [--mods ...] [--rho R --cluster COL |
 * --V FILE]`: multilevel and multivariate models (metafor's rma.mv), printed like metafor's
 * summary of an rma.mv fit (src/lib/report_mv.c). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

typedef struct {
    const char *key;
    size_t idx;
} keyrow;

static int keycmp(const void *a, const void *b)
{
    int c = strcmp(((const keyrow *)a)->key, ((const keyrow *)b)->key);
    if (c) return c;
    size_t x = ((const keyrow *)a)->idx, y = ((const keyrow *)b)->idx;
    return x < y ? -1 : x > y;
}

/* the error at a cell of the input (FILE:LINE:COL: study 'X': msg) */
static int cell_fail(const cmeta_table *t, const cmeta_data *d, size_t s, long col, const char *fmt,
                     const char *arg)
{
    cmeta_error e;
    cmeta_error_clear(&e);
    size_t row = d->row[s];
    snprintf(e.file, sizeof e.file, "%s", cmeta_table_name(t));
    e.line = col >= 0 ? cmeta_table_cell_line(t, row, (size_t)col) : cmeta_table_row_line(t, row);
    e.column = col >= 0 ? col + 1 : 0;
    snprintf(e.study, sizeof e.study, "%s", d->label[s]);
    cmeta_error_set(&e, CMETA_EDATA, fmt, arg);
    return cli_fail(&e);
}

/* Level ids (0-based, in sorted order of the joined cells) of the rows (studies keep[0..n)) for
 * the first `depth` columns of cols. */
static int level_ids(const cmeta_table *t, const cmeta_data *d, const size_t *keep, size_t n,
                     const long *cols, size_t depth, size_t *id, size_t *nlev)
{
    keyrow *kr = calloc(n ? n : 1, sizeof *kr);
    char **keys = calloc(n ? n : 1, sizeof *keys);
    int rc = 0;
    if (!kr || !keys) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = 1;
        for (size_t j = 0; j < depth; j++) {
            const char *cell = cmeta_table_cell(t, d->row[keep[i]], (size_t)cols[j]);
            if (cmeta_cell_is_missing(cell)) {
                rc = cell_fail(t, d, keep[i], cols[j], "no value of the --random factor '%s'",
                               cmeta_table_colname(t, (size_t)cols[j]));
                goto done;
            }
            len += strlen(cell) + 1;
        }
        char *k = malloc(len);
        if (!k) {
            rc = cli_failf(4, "out of memory");
            goto done;
        }
        k[0] = '\0';
        for (size_t j = 0; j < depth; j++) {
            strcat(k, cmeta_table_cell(t, d->row[keep[i]], (size_t)cols[j]));
            strcat(k, "\x1f");
        }
        keys[i] = k;
        kr[i].key = k;
        kr[i].idx = i;
    }
    qsort(kr, n, sizeof *kr, keycmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(kr[i].key, kr[i - 1].key)) m++;
        id[kr[i].idx] = m;
    }
    *nlev = n ? m + 1 : 0;
done:
    if (keys)
        for (size_t i = 0; i < n; i++) free(keys[i]);
    free(keys);
    free(kr);
    return rc;
}

/* a V file's error: FILE:LINE:COL: msg (exit 2) */
static int vfail(const char *path, long line, long col, const char *msg)
{
    cmeta_error e;
    cmeta_error_clear(&e);
    snprintf(e.file, sizeof e.file, "%s", path);
    e.line = line;
    e.column = col;
    cmeta_error_set(&e, CMETA_EDATA, "%s", msg);
    return cli_fail(&e);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
    return s;
}

static int parse_num(char *cell, double *x)
{
    char *c = trim(cell), *end;
    if (!*c) return -1;
    errno = 0;
    *x = strtod(c, &end);
    return *end || errno == ERANGE || !isfinite(*x) ? -1 : 0;
}

typedef struct {
    size_t i, j; /* table rows, i <= j */
    double v;
    long line;
} ventry;

static int ventry_cmp(const void *a, const void *b)
{
    const ventry *x = a, *y = b;
    if (x->i != y->i) return x->i < y->i ? -1 : 1;
    if (x->j != y->j) return x->j < y->j ? -1 : 1;
    return 0;
}

/* A V file being read: its entries so far (E[0..n), room for ncap), the matrix rows read
 * (mrow) and the current line number. */
typedef struct {
    const char *path;
    size_t N;
    ventry *E;
    size_t n, ncap, mrow;
    long ln;
} vreader;

/* E[n++] = e, growing E. 0, or the exit code (printed). */
static int vpush(vreader *r, ventry e)
{
    if (r->n == r->ncap) {
        r->ncap = r->ncap ? 2 * r->ncap : 256;
        ventry *ne = realloc(r->E, r->ncap * sizeof *r->E);
        if (!ne) return cli_failf(4, "out of memory");
        r->E = ne;
    }
    r->E[r->n++] = e;
    return 0;
}

/* The first line s of a V file: 1 when it is not a row of numbers (its first cell is not a
 * number): then it must be the long format's header i,j,value. */
static int vfirst_is_header(const char *s)
{
    double x;
    char *cp = strdup(s), *c1 = cp ? strtok(cp, ",") : NULL;
    int longfmt = c1 && parse_num(c1, &x) != 0;
    free(cp);
    return longfmt;
}

/* the header line s (modified) is i,j,value (any case, spaces around the cells) */
static int vheader_ok(char *s)
{
    char h[3][16] = {"", "", ""};
    size_t f = 0;
    for (char *tok = s, *nx; tok && f < 4; tok = nx, f++) {
        nx = strchr(tok, ',');
        if (nx) *nx++ = '\0';
        if (f < 3) snprintf(h[f], sizeof h[f], "%s", trim(tok));
        else f = 9;
    }
    return f == 3 && !strcasecmp(h[0], "i") && !strcasecmp(h[1], "j") && !strcasecmp(h[2], "value");
}

/* a cell that is not a number: FILE:LINE:COL (col 0-based) */
static int vnot_number(const vreader *r, char *tok, size_t col)
{
    char msg[256];
    snprintf(msg, sizeof msg, "'%.60s' is not a number", trim(tok));
    return vfail(r->path, r->ln, (long)col + 1, msg);
}

/* One row s (modified) of the full matrix (row r->mrow): its upper triangle and diagonal are
 * kept (zeros off the diagonal left out), its lower triangle must equal the upper one read
 * before. 0, or the exit code (printed). */
static int vrow_matrix(vreader *r, char *s)
{
    char msg[256];
    size_t col = 0, mrow = r->mrow, N = r->N;
    for (char *tok = s, *nx; tok; tok = nx, col++) {
        nx = strchr(tok, ',');
        if (nx) *nx++ = '\0';
        double x;
        if (parse_num(tok, &x) != 0) return vnot_number(r, tok, col);
        if (col >= N) {
            snprintf(msg, sizeof msg, "the V matrix has more than %zu columns (the input has %zu rows)", N, N);
            return vfail(r->path, r->ln, (long)col + 1, msg);
        }
        if ((x != 0 || col == mrow) && col >= mrow) { /* the upper triangle and the diagonal */
            int rc = vpush(r, (ventry){mrow, col, x, r->ln});
            if (rc) return rc;
        } else if (col < mrow) {
            /* symmetry: V[mrow][col] must equal V[col][mrow] (kept from the earlier row) */
            ventry key = {col, mrow, 0, 0};
            ventry *hit = r->E ? bsearch(&key, r->E, r->n, sizeof *r->E, ventry_cmp) : NULL;
            double up = hit ? hit->v : 0;
            if (fabs(up - x) > 1e-12 * fmax(fabs(up), fabs(x))) {
                snprintf(msg, sizeof msg, "the V matrix is not symmetric: V[%zu,%zu] = %g but V[%zu,%zu] = %g",
                         mrow + 1, col + 1, x, col + 1, mrow + 1, up);
                return vfail(r->path, r->ln, (long)col + 1, msg);
            }
        }
    }
    if (col != N) {
        snprintf(msg, sizeof msg, "row %zu of the V matrix has %zu columns; the input has %zu rows", mrow + 1,
                 col, N);
        return vfail(r->path, r->ln, 0, msg);
    }
    r->mrow++;
    return 0;
}

/* One line s (modified) of the long format: i,j,value with i and j input rows (1-based), kept
 * as i <= j. 0, or the exit code (printed). */
static int vrow_long(vreader *r, char *s)
{
    char msg[256];
    size_t col = 0;
    double vals[3];
    for (char *tok = s, *nx; tok; tok = nx, col++) {
        nx = strchr(tok, ',');
        if (nx) *nx++ = '\0';
        double x;
        if (parse_num(tok, &x) != 0) return vnot_number(r, tok, col);
        if (col >= 3) return vfail(r->path, r->ln, (long)col + 1, "a long V file has three columns i,j,value");
        vals[col] = x;
    }
    if (col != 3) return vfail(r->path, r->ln, 0, "a long V file has three columns i,j,value");
    for (int a = 0; a < 2; a++)
        if (vals[a] != floor(vals[a]) || vals[a] < 1 || vals[a] > (double)r->N) {
            snprintf(msg, sizeof msg, "%s = %g is not a row number of the input (1 to %zu)", a ? "j" : "i",
                     vals[a], r->N);
            return vfail(r->path, r->ln, a + 1, msg);
        }
    size_t i = (size_t)vals[0] - 1, j = (size_t)vals[1] - 1;
    if (i > j) {
        size_t tt = i;
        i = j, j = tt;
    }
    return vpush(r, (ventry){i, j, vals[2], r->ln});
}

/* The long format gives one triangle or both: sort the entries, a pair given twice must agree
 * (kept once). 0, or the exit code (printed). */
static int vmerge_long(vreader *r)
{
    ventry *E = r->E;
    if (r->n) qsort(E, r->n, sizeof *E, ventry_cmp); /* E is NULL after the header alone */
    size_t m = 0;
    for (size_t a = 0; a < r->n; a++) {
        if (m && E[m - 1].i == E[a].i && E[m - 1].j == E[a].j) {
            if (fabs(E[m - 1].v - E[a].v) > 1e-12 * fmax(fabs(E[a].v), fabs(E[m - 1].v))) {
                char msg[256];
                snprintf(msg, sizeof msg, "V[%zu,%zu] is given twice with different values", E[a].i + 1,
                         E[a].j + 1);
                return vfail(r->path, E[a].line, 3, msg);
            }
            continue;
        }
        E[m++] = E[a];
    }
    r->n = m;
    return 0;
}

/* the lines of the V file fp: blank lines skipped, the format decided by the first line
 * (*longfmt: -1 no line yet, 0 the full matrix, 1 the long format). 0, or the exit code. */
static int vread_lines(vreader *r, FILE *fp, int *longfmt)
{
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (!rc && getline(&line, &cap, fp) >= 0) {
        r->ln++;
        char *s = trim(line);
        size_t l = strlen(s);
        if (l && s[l - 1] == '\n') s[--l] = '\0';
        s = trim(s);
        if (!*s) continue;
        if (*longfmt < 0 && (*longfmt = vfirst_is_header(s))) {
            if (!vheader_ok(s))
                rc = vfail(r->path, r->ln, 0, "a V file is a k x k matrix of numbers, or has the header i,j,value");
            continue;
        }
        rc = *longfmt ? vrow_long(r, s) : vrow_matrix(r, s);
    }
    free(line);
    return rc;
}

/* --V FILE: the entries (table rows) of a full N x N matrix without header, or of a long file
 * with header i,j,value. 0, or the exit code (printed). */
static int read_vfile(const char *path, size_t N, ventry **out, size_t *nout)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return cli_failf(4, "%s: cannot read: %s", path, strerror(errno));
    cli_note_input(path);
    vreader r = {path, N, NULL, 0, 0, 0, 0};
    int longfmt = -1;
    int rc = vread_lines(&r, fp, &longfmt);
    if (!rc && ferror(fp)) rc = cli_failf(4, "%s: read error", path);
    if (!rc && longfmt <= 0 && r.mrow != N) {
        char msg[256];
        snprintf(msg, sizeof msg, "the V matrix has %zu rows; the input has %zu", r.mrow, N);
        rc = vfail(path, r.ln, 0, msg);
    }
    if (!rc && longfmt == 1) rc = vmerge_long(&r);
    fclose(fp);
    if (rc) {
        free(r.E);
        r.E = NULL;
        r.n = 0;
    }
    *out = r.E;
    *nout = r.n;
    return rc;
}

/* The random components of the specs (A/B/C gives A, A/B, A/B/C) on the rows keep[0..n):
 * re[*ncomp..] and names[*ncomp..] (owned by the caller, freed there). 0, or the exit code. */
static int build_random(const cmeta_table *t, const cmeta_data *d, const size_t *keep, size_t n,
                        const char *const *specs, size_t nspecs, const char *opt, cmeta_mv_random *re,
                        char **names, size_t *ncomp_io)
{
    size_t ncomp = *ncomp_io;
    int rc = 0;
    cmeta_error err;
    cmeta_error_clear(&err);
    for (size_t r = 0; r < nspecs; r++) {
        if (strchr(specs[r], '|')) continue; /* the inner|outer term: build_term */
        char *spec = strdup(specs[r]);
        long cols[16];
        size_t depth = 0;
        if (!spec) {
            rc = cli_failf(4, "out of memory");
            goto done;
        }
        for (char *tok = spec, *nx; tok; tok = nx) {
            nx = strchr(tok, '/');
            if (nx) *nx++ = '\0';
            char *nm = trim(tok);
            if (!*nm || depth == 16) {
                rc = cli_failf(1, "mv: %s '%s': give column names separated by '/' (at most 16)", opt, specs[r]);
                free(spec);
                goto done;
            }
            long c = cmeta_table_find_raw(t, nm);
            if (c < 0) {
                cmeta_error_clear(&err);
                cmeta_error_set(&err, CMETA_EDATA, "%s: no column '%s' in %s", opt, nm, cmeta_table_name(t));
                rc = cli_fail(&err);
                free(spec);
                goto done;
            }
            cols[depth++] = c;
        }
        free(spec);
        for (size_t j = 1; j <= depth; j++) {
            if (ncomp == 32) {
                rc = cli_failf(1, "mv: at most 32 variance components");
                goto done;
            }
            size_t len = 1;
            for (size_t a = 0; a < j; a++) len += strlen(cmeta_table_colname(t, (size_t)cols[a])) + 1;
            names[ncomp] = malloc(len);
            size_t *id = malloc((n ? n : 1) * sizeof *id);
            if (!names[ncomp] || !id) {
                free(id);
                rc = cli_failf(4, "out of memory");
                goto done;
            }
            names[ncomp][0] = '\0';
            for (size_t a = 0; a < j; a++) {
                if (a) strcat(names[ncomp], "/");
                strcat(names[ncomp], cmeta_table_colname(t, (size_t)cols[a]));
            }
            size_t nl = 0;
            if ((rc = level_ids(t, d, keep, n, cols, j, id, &nl))) {
                free(id);
                goto done;
            }
            re[ncomp].name = names[ncomp];
            re[ncomp].level = id;
            re[ncomp].nlevels = nl;
            ncomp++;
        }
    }
done:
    *ncomp_io = ncomp;
    return rc;
}

/* A number (all digits, optionally signed / with a point): a level shown with its column name. */
static int numeric_text(const char *s)
{
    char *end;
    if (!*s) return 0;
    (void)strtod(s, &end);
    return *end == '\0';
}

/* The first figure control given without --plot (they belong to the plot), or NULL. */
static const char *figure_flag_given(const cli_opts *o)
{
    if (o->plot_title) return "--title";
    if (o->xlab) return "--xlab";
    if (!isnan(o->xlim[0])) return "--xlim";
    if (o->nat) return "--at";
    if (o->digits >= 0) return "--digits";
    if (o->size_w > 0) return "--size";
    if (o->dpi > 0) return "--dpi";
    if (o->svg_outline) return "--svg-text";
    return NULL;
}

/* The rows of the --plot forest plot: n rows of the fit, each in group grp[i] of ng (first[g]:
 * the first row of group g, until mvp_row_labels reuses it), grouped by the column gcol; the
 * first --random factor's columns cols[0..depth); the names of the groups, rows and p
 * coefficients, and the heading of the label column. */
typedef struct {
    size_t n, p, ng;
    size_t *grp, *first;
    char **gname, **lab, **coef;
    long cols[16], gcol;
    size_t depth;
    int use_label;
    const char *ocol, *lhead; /* the grouping column's name; the heading of the row labels */
} mv_plotrows;

/* the first --random factor's columns (checked by build_random); an "INNER|OUTER" term groups
 * by OUTER and labels by INNER, as the nested A/B does by A and B. 0, or the exit code. */
static int mvp_columns(const cli_opts *o, const cmeta_table *t, char *spec, mv_plotrows *pr)
{
    pr->depth = 0;
    char *bar = strchr(spec, '|');
    if (bar) {
        *bar = '\0';
        pr->cols[pr->depth++] = cmeta_table_find_raw(t, trim(bar + 1));
        pr->cols[pr->depth++] = cmeta_table_find_raw(t, trim(spec));
    } else
        for (char *tok = spec, *nx; tok && pr->depth < 16; tok = nx) {
            nx = strchr(tok, '/');
            if (nx) *nx++ = '\0';
            pr->cols[pr->depth++] = cmeta_table_find_raw(t, trim(tok));
        }
    for (size_t c = 0; c < pr->depth; c++)
        if (pr->cols[c] < 0) return cli_failf(1, "mv: --plot: no column for the --random term '%s'", o->random[0]);
    return 0;
}

/* groups by the outer column's cell, in order of first appearance; when that puts every row in
 * a group of its own (--random outcome), by the --cluster column instead, and without a cluster
 * there are no group rows */
static void mvp_groups(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, const cmeta_design *des,
                       mv_plotrows *pr)
{
    size_t n = pr->n, ng = 0;
    pr->gcol = pr->cols[0];
    for (int pass = 0; pass < 2; pass++) {
        ng = 0;
        for (size_t i = 0; i < n; i++) {
            const char *cell = cmeta_table_cell(t, d->row[des->keep[i]], (size_t)pr->gcol);
            size_t g = 0;
            /* a linear search per row: fine for a figure's rows */
            while (g < ng && strcmp(cell, cmeta_table_cell(t, d->row[des->keep[pr->first[g]]], (size_t)pr->gcol)))
                g++;
            if (g == ng) pr->first[ng++] = i;
            pr->grp[i] = g;
        }
        if (ng < n || pass == 1) break;
        if (o->cluster) pr->gcol = cmeta_table_find_raw(t, o->cluster);
        else break;
    }
    pr->ng = ng;
}

/* headers: the study label when constant within each level and distinct between levels, else
 * the cell ("COL VALUE" when a number). 0, or the exit code. */
static int mvp_group_names(const cmeta_table *t, const cmeta_data *d, const cmeta_design *des, mv_plotrows *pr)
{
    size_t n = pr->n, ng = pr->ng;
    const size_t *first = pr->first, *grp = pr->grp;
    pr->use_label = 1;
    for (size_t i = 0; i < n && pr->use_label; i++)
        pr->use_label = !strcmp(d->label[des->keep[i]], d->label[des->keep[first[grp[i]]]]);
    for (size_t g = 0; g < ng && pr->use_label; g++)
        for (size_t h = 0; h < g && pr->use_label; h++)
            pr->use_label = strcmp(d->label[des->keep[first[g]]], d->label[des->keep[first[h]]]) != 0;
    const char *ocol = pr->ocol = cmeta_table_colname(t, (size_t)pr->gcol);
    for (size_t g = 0; g < ng; g++) {
        const char *cell = cmeta_table_cell(t, d->row[des->keep[first[g]]], (size_t)pr->gcol);
        char buf[1024];
        if (pr->use_label) snprintf(buf, sizeof buf, "%s", d->label[des->keep[first[g]]]);
        else if (numeric_text(cell)) snprintf(buf, sizeof buf, "%s %s", ocol, cell);
        else snprintf(buf, sizeof buf, "%s", cell);
        if (!(pr->gname[g] = strdup(buf))) return cli_failf(4, "out of memory");
    }
    return 0;
}

/* row labels: the `outcome` column, else the last column of the nested factor, else the study
 * label, else "ES j"; pr->lhead their heading. 0, or the exit code. */
static int mvp_row_labels(const cmeta_table *t, const cmeta_data *d, const cmeta_design *des, mv_plotrows *pr)
{
    long outc = cmeta_table_find_raw(t, "outcome");
    pr->lhead = "effect size";
    size_t *pos = pr->first; /* reused: running count per level */
    for (size_t g = 0; g < pr->ng; g++) pos[g] = 0;
    for (size_t i = 0; i < pr->n; i++) {
        size_t row = d->row[des->keep[i]], g = pr->grp[i];
        char buf[1024];
        pos[g]++;
        const char *cell = outc >= 0 ? cmeta_table_cell(t, row, (size_t)outc) : NULL;
        if (cell && !cmeta_cell_is_missing(cell)) {
            snprintf(buf, sizeof buf, "%s", cell);
            pr->lhead = "outcome";
        } else if (outc < 0 && pr->depth > 1 && pr->gcol == pr->cols[0]) {
            const char *c2 = cmeta_table_cell(t, row, (size_t)pr->cols[pr->depth - 1]);
            const char *nm = cmeta_table_colname(t, (size_t)pr->cols[pr->depth - 1]);
            if (numeric_text(c2)) snprintf(buf, sizeof buf, "%s %s", nm, c2);
            else snprintf(buf, sizeof buf, "%s", c2);
            pr->lhead = nm;
        } else if (!pr->use_label && outc < 0) {
            snprintf(buf, sizeof buf, "%s", d->label[des->keep[i]]);
            pr->lhead = "study";
        } else
            snprintf(buf, sizeof buf, "ES %zu", pos[g]);
        if (!(pr->lab[i] = strdup(buf))) return cli_failf(4, "out of memory");
    }
    return 0;
}

/* coefficient names for the diamonds of a cell-means model: "outcome = AL" for a factor's
 * column "outcomeAL" (--mods outcome --no-intercept). 0, or the exit code. */
static int mvp_coef_names(const cli_opts *o, const cmeta_design *des, mv_plotrows *pr)
{
    const char *mods = o->mods ? o->mods : "";
    size_t ml = strlen(mods);
    for (size_t a = 0; a < pr->p; a++) {
        const char *nm = des->names[a];
        char buf[512];
        if (ml && !strchr(mods, ',') && !strncmp(nm, mods, ml) && nm[ml])
            snprintf(buf, sizeof buf, "%s = %s", mods, nm + ml);
        else snprintf(buf, sizeof buf, "%s", nm);
        if (!(pr->coef[a] = strdup(buf))) return cli_failf(4, "out of memory");
    }
    return 0;
}

/* lays out the forest plot of the rows pr (cmeta_mv_forest_layout) and writes it to --plot F.
 * 0, or the exit code. */
static int mvp_draw(const cli_opts *o, const cmeta_data *d, const cmeta_design *des, const double *X,
                    const cmeta_mv_fit *fit, const char *const *comp, const mv_plotrows *pr)
{
    int nogroups = pr->ng == pr->n, rc = 0;
    char heading[512];
    if (nogroups) snprintf(heading, sizeof heading, "%s", pr->lhead);
    else snprintf(heading, sizeof heading, "%s / %s", pr->use_label ? "study" : pr->ocol, pr->lhead);
    char note[512] = "";
    if (o->cluster)
        snprintf(note, sizeof note, "Sampling errors of the same %s correlated \u03c1 = %g (assumed, not reported)",
                 o->cluster, o->rho);
    else if (o->vfile) snprintf(note, sizeof note, "Sampling covariances from %s", o->vfile);
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_data *dp = NULL;
    cmeta_text_measurer *tm = NULL;
    cmeta_plot plot;
    memset(&plot, 0, sizeof plot);
    cmeta_status st = cmeta_data_subset(d, des->keep, pr->n, &dp);
    if (st != CMETA_OK) {
        rc = cli_fail_status(st, &err);
        goto done;
    }
    cmeta_forest_opts fo;
    cmeta_forest_opts_default(&fo);
    fo.title = o->plot_title;
    fo.xlab = o->xlab;
    if (o->digits >= 0) fo.digits = o->digits;
    fo.xlim_lo = o->xlim[0];
    fo.xlim_hi = o->xlim[1];
    if (o->nat) {
        fo.at = o->at;
        fo.nat = o->nat;
    }
    cmeta_mv_forest mf = {nogroups ? 0 : pr->ng, (const char *const *)pr->gname, pr->grp,
                          (const char *const *)pr->lab, heading, (const char *const *)pr->coef, comp, X,
                          note[0] ? note : NULL};
    if (cmeta_text_measurer_new(&tm) != CMETA_OK) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    if ((st = cmeta_mv_forest_layout(dp, fit, &mf, &fo, cmeta_text_measure_cairo, tm, &plot, &err)) != CMETA_OK) {
        rc = st == CMETA_EUSAGE ? cli_failf(1, "mv: --plot: %s", err.message) : cli_fail_status(st, &err);
        goto done;
    }
    cmeta_render_opts ro;
    cli_render_opts(o, &ro);
    rc = cli_plot_write_opts(&plot, o->plot, &ro);
done:
    cmeta_plot_free(&plot);
    cmeta_text_measurer_free(tm);
    if (tm) cmeta_plot_cleanup_at_exit(); /* the program owns the process */
    cmeta_data_free(dp);
    return rc;
}

/* --plot F: the forest plot of the fit (cmeta_mv_forest_layout). The rows are grouped by the
 * first column of the first --random factor (headers in order of first appearance: the study
 * label when it is the same on every row of a level and differs between levels, else the
 * level, "COL VALUE" when it is a number); each row is labelled by the input's `outcome`
 * column, else the last column of that --random factor (when nested), else its study label
 * when that differs within the level, else "ES j" (its place in the level). 0 or the exit code. */
static int mv_plot(const cli_opts *o, const cmeta_table *t, const cmeta_data *d, const cmeta_design *des,
                   const double *X, const cmeta_mv_fit *fit, const char *const *comp)
{
    size_t n = des->n, p = des->p;
    int rc = 0;
    mv_plotrows pr;
    memset(&pr, 0, sizeof pr);
    pr.n = n, pr.p = p;
    pr.grp = calloc(n ? n : 1, sizeof *pr.grp), pr.first = calloc(n ? n : 1, sizeof *pr.first);
    pr.gname = calloc(n ? n : 1, sizeof *pr.gname), pr.lab = calloc(n ? n : 1, sizeof *pr.lab);
    pr.coef = calloc(p, sizeof *pr.coef);
    char *spec = strdup(o->random[0]);
    if (!pr.grp || !pr.first || !pr.gname || !pr.lab || !pr.coef || !spec) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    if ((rc = mvp_columns(o, t, spec, &pr))) goto done;
    mvp_groups(o, t, d, des, &pr);
    if ((rc = mvp_group_names(t, d, des, &pr)) || (rc = mvp_row_labels(t, d, des, &pr)) ||
        (rc = mvp_coef_names(o, des, &pr)))
        goto done;
    rc = mvp_draw(o, d, des, X, fit, comp, &pr);
done:
    for (size_t i = 0; i < n && pr.gname; i++) free(pr.gname[i]);
    for (size_t i = 0; i < n && pr.lab; i++) free(pr.lab[i]);
    for (size_t a = 0; a < p && pr.coef; a++) free(pr.coef[a]);
    free(pr.gname), free(pr.lab), free(pr.coef), free(pr.grp), free(pr.first), free(spec);
    return rc;
}

/* an inner|outer term and what it owns */
typedef struct {
    cmeta_mv_term t;
    size_t *inner, *outer;
    char **labels;
    char *iname, *oname;
} term_buf;

static void term_free(term_buf *b)
{
    if (b->labels)
        for (size_t a = 0; a < b->t.ninner; a++) free(b->labels[a]);
    free(b->labels), free(b->inner), free(b->outer), free(b->iname), free(b->oname);
    memset(b, 0, sizeof *b);
}

typedef struct {
    double v;
    size_t idx;
} numrow;

static int numcmp_rows(const void *a, const void *b)
{
    const numrow *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The `INNER|OUTER` term among the specs (at most one): *found, its columns *ci and *co and
 * names b->iname, b->oname. 0 (also when there is none), or the exit code. */
static int term_columns(const cmeta_table *t, const char *const *specs, size_t nspecs, const char *opt,
                        term_buf *b, long *ci, long *co, int *found)
{
    *found = 0;
    const char *spec = NULL;
    for (size_t r = 0; r < nspecs; r++)
        if (strchr(specs[r], '|')) {
            if (spec) return cli_failf(1, "mv: %s: one \"INNER|OUTER\" term at most", opt);
            spec = specs[r];
        }
    if (!spec) return 0;
    char *cp = strdup(spec);
    if (!cp) return cli_failf(4, "out of memory");
    char *bar = strchr(cp, '|');
    *bar = '\0';
    char *in = trim(cp), *out = trim(bar + 1);
    if (!*in || !*out || strchr(in, '/') || strchr(out, '/') || strchr(out, '|')) {
        free(cp);
        return cli_failf(1, "mv: %s '%s': an inner|outer term is two column names, INNER|OUTER", opt, spec);
    }
    *ci = cmeta_table_find_raw(t, in), *co = cmeta_table_find_raw(t, out);
    if (*ci < 0 || *co < 0) {
        cmeta_error err;
        cmeta_error_clear(&err);
        cmeta_error_set(&err, CMETA_EDATA, "%s: no column '%s' in %s", opt, *ci < 0 ? in : out, cmeta_table_name(t));
        free(cp);
        return cli_fail(&err);
    }
    b->iname = strdup(in), b->oname = strdup(out);
    free(cp);
    *found = 1;
    return 0;
}

/* The values nr[i].v that order the inner levels (column ci) of the rows: for AR and HAR
 * (timed) the time (column ct), which must be a number, else the inner value when every one
 * is a number. *numeric: the levels sort by these values. 0, or the exit code. */
static int term_values(const cmeta_table *t, const cmeta_data *d, const size_t *keep, size_t n, long ci,
                       long ct, cmeta_mv_structure st, const char *time_col, numrow *nr, int *numeric)
{
    *numeric = 1;
    for (size_t i = 0; i < n && *numeric; i++) {
        cmeta_error e2;
        *numeric = cmeta_parse_double(cmeta_table_cell(t, d->row[keep[i]], (size_t)ci), &nr[i].v, &e2) == CMETA_OK;
    }
    if (st != CMETA_MV_AR && st != CMETA_MV_HAR) return 0;
    /* the time of each row: the --time column, or the inner column */
    for (size_t i = 0; i < n; i++) {
        cmeta_error e2;
        const char *cell = cmeta_table_cell(t, d->row[keep[i]], (size_t)ct);
        if (cmeta_parse_double(cell, &nr[i].v, &e2) != CMETA_OK) {
            char msg[200];
            snprintf(msg, sizeof msg, "--struct %s needs numeric time points: '%%s' in column '%s' is not a "
                     "number%s", cmeta_mv_structure_name(st), cmeta_table_colname(t, (size_t)ct),
                     time_col ? "" : " (give --time COL to order the inner levels by a numeric column)");
            return cell_fail(t, d, keep[i], ct, msg, cell);
        }
    }
    *numeric = 1;
    return 0;
}

/* The inner levels (lev[i] of *nl, in text order) ranked by their value nr[i].v:
 * b->inner[i], *nl the number of distinct values. With --time (time_col), one time per inner
 * level and a different time for each; without, values equal as numbers ("1" and "1.0") are one
 * level. 0, or the exit code. */
static int term_rank_numeric(const cmeta_table *t, const cmeta_data *d, const size_t *keep, size_t n, long ct,
                             const char *time_col, numrow *nr, const size_t *lev, size_t *nl, term_buf *b)
{
    for (size_t i = 0; i < n; i++) nr[i].idx = i;
    qsort(nr, n, sizeof *nr, numcmp_rows);
    size_t *rank = malloc((*nl ? *nl : 1) * sizeof *rank), m = 0;
    double *tv = malloc((*nl ? *nl : 1) * sizeof *tv);
    int rc = 0;
    if (!rank || !tv) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    for (size_t a = 0; a < *nl; a++) rank[a] = SIZE_MAX;
    for (size_t r = 0; r < n; r++) {
        size_t i = nr[r].idx, a = lev[i];
        if (rank[a] == SIZE_MAX) {
            if (!time_col && m && tv[m - 1] == nr[r].v) rank[a] = m - 1; /* "1" and "1.0": one level */
            else tv[m] = nr[r].v, rank[a] = m++;
        } else if (tv[rank[a]] != nr[r].v) {
            rc = cell_fail(t, d, keep[i], ct, "%s", "--time: a level of the inner factor has two different times");
            goto done;
        }
    }
    if (time_col)
        for (size_t a = 1; a < m; a++)
            if (tv[a] == tv[a - 1]) {
                rc = cli_failf(2, "mv: --time: two levels of '%s' have the same time %g", b->iname, tv[a]);
                goto done;
            }
    for (size_t i = 0; i < n; i++) b->inner[i] = rank[lev[i]];
    *nl = m;
done:
    free(rank), free(tv);
    return rc;
}

/* b->labels: the text of each of the nl inner levels (column ci), from its first row. 0, or the
 * exit code. */
static int term_labels(const cmeta_table *t, const cmeta_data *d, const size_t *keep, size_t n, long ci,
                       size_t nl, term_buf *b)
{
    b->labels = calloc(nl ? nl : 1, sizeof *b->labels);
    if (!b->labels) return cli_failf(4, "out of memory");
    b->t.ninner = nl; /* for term_free */
    for (size_t i = 0; i < n; i++) {
        size_t a = b->inner[i];
        if (b->labels[a]) continue;
        b->labels[a] = strdup(cmeta_table_cell(t, d->row[keep[i]], (size_t)ci));
        if (!b->labels[a]) return cli_failf(4, "out of memory");
    }
    return 0;
}

/* The `INNER|OUTER` term among the specs (at most one) on the rows keep[0..n): its levels.
 * The inner levels are sorted as R's factor() sorts them: numerically when every value is a
 * number, else as text (byte order); AR and HAR order them by time (--time COL, default the
 * inner column, numeric; one time per level). *has: a term was found. 0, or the exit code. */
static int build_term(const cmeta_table *t, const cmeta_data *d, const size_t *keep, size_t n,
                      const char *const *specs, size_t nspecs, const char *opt, cmeta_mv_structure st,
                      const char *time_col, term_buf *b, int *has)
{
    *has = 0;
    long ci = -1, co = -1;
    int found = 0;
    int rc = term_columns(t, specs, nspecs, opt, b, &ci, &co, &found);
    if (rc || !found) return rc;
    b->inner = malloc((n ? n : 1) * sizeof *b->inner);
    b->outer = malloc((n ? n : 1) * sizeof *b->outer);
    numrow *nr = malloc((n ? n : 1) * sizeof *nr);
    size_t *lev = malloc((n ? n : 1) * sizeof *lev), nl = 0, no = 0;
    if (!b->iname || !b->oname || !b->inner || !b->outer || !nr || !lev) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    if ((rc = level_ids(t, d, keep, n, &co, 1, b->outer, &no))) goto done;
    if ((rc = level_ids(t, d, keep, n, &ci, 1, lev, &nl))) goto done; /* text order, for now */
    /* numeric inner values (every one) sort numerically, as R's factor() of a number */
    long ct = time_col ? cmeta_table_find_raw(t, time_col) : ci;
    if (ct < 0) {
        cmeta_error err;
        cmeta_error_clear(&err);
        cmeta_error_set(&err, CMETA_EDATA, "--time: no column '%s' in %s", time_col, cmeta_table_name(t));
        rc = cli_fail(&err);
        goto done;
    }
    int numeric;
    if ((rc = term_values(t, d, keep, n, ci, ct, st, time_col, nr, &numeric))) goto done;
    if (numeric) { /* levels in the order of their value; with --time, one time per inner level */
        if ((rc = term_rank_numeric(t, d, keep, n, ct, time_col, nr, lev, &nl, b))) goto done;
    } else
        memcpy(b->inner, lev, n * sizeof *lev);
    if ((rc = term_labels(t, d, keep, n, ci, nl, b))) goto done;
    b->t.structure = st;
    b->t.inner_name = b->iname, b->t.outer_name = b->oname;
    b->t.inner = b->inner, b->t.outer = b->outer;
    b->t.inner_labels = (const char *const *)b->labels;
    b->t.nouter = no;
    *has = 1;
done:
    free(nr), free(lev);
    return rc;
}

/* One `cmeta mv` run: the options, the input, the full model (and the reduced one of
 * --compare-random / --compare-mods, the --robust results) and what they own (mv_run_free). */
typedef struct {
    cli_opts o;
    cmeta_table *t;
    cmeta_data *d;
    cmeta_design *des; /* the full model's rows (des->keep) and moderators */
    size_t n, p;
    double *y, *v, *X;
    cmeta_mv_random re[64];
    char *names[64];
    size_t ncomp;
    term_buf tb;
    int has_term;
    cmeta_mv_structure mst;
    cmeta_mv_cov *cov; /* the sampling covariances (--cluster or --V) */
    size_t ncov;
    ventry *E; /* --V FILE's entries, in the table's rows; rowpos: a table row's place in y */
    size_t nE, *rowpos;
    cmeta_mv_opts mo;
    cmeta_mv_fit *fit;
    int compare; /* --compare-random / --compare-mods: the reduced model */
    cmeta_mv_random re2[64];
    char *names2[64];
    size_t ncomp2;
    term_buf tb2;
    int has_term2;
    cmeta_data *dsub;
    cmeta_design *rdes;
    double *X2;
    cmeta_mv_fit *rfit;
    cmeta_mv_compare cmp;
    size_t *rcl; /* --robust */
    cmeta_robust_result *rob;
    cmeta_warnings w;
    cmeta_error err;
} mv_run;

/* the options that need no input: --random, --method, --test, the figure options and --plot.
 * 0, or the exit code. */
static int mv_check_opts(mv_run *r)
{
    const cli_opts *o = &r->o;
    if (o->nrandom == 0)
        return cli_failf(1, "mv: --random A (or nested A/B) is required (the random-effects factors)");
    if (o->fit.method != CMETA_METHOD_REML && o->fit.method != CMETA_METHOD_ML)
        return cli_failf(1, "mv: --method must be REML or ML (got %s)", cmeta_method_name(o->fit.method));
    if (o->fit.test != CMETA_TEST_Z && o->fit.test != CMETA_TEST_T)
        return cli_failf(1, "mv: --test must be z or t (got %s)", cmeta_test_name(o->fit.test));
    if (!o->plot && figure_flag_given(o))
        return cli_failf(1, "mv: %s belongs to the forest plot: give --plot F.svg|F.png|F.pdf", figure_flag_given(o));
    if (o->plot) {
        if (!strcmp(o->plot, "-") || (o->output && !strcmp(o->plot, o->output)) || !strcmp(o->plot, o->inputs[0]))
            return cli_failf(1, "mv: --plot needs a file of its own (not -, the input or the -o output)");
        cmeta_plot_format pf;
        if (cmeta_plot_format_from_path(o->plot, &pf, &r->err) != CMETA_OK) return cli_fail(&r->err);
    }
    return 0;
}

/* an inner|outer term: --struct (default CS, as metafor) applies to it only; r->mst. 0, or the
 * exit code. */
static int mv_check_term_opts(mv_run *r)
{
    const cli_opts *o = &r->o;
    size_t nbar = 0;
    for (size_t q = 0; q < o->nrandom; q++) nbar += strchr(o->random[q], '|') != NULL;
    if (o->structure && !nbar)
        return cli_failf(1, "mv: --struct applies to an --random \"INNER|OUTER\" term (none given)");
    if (nbar > 1) return cli_failf(1, "mv: --random: one \"INNER|OUTER\" term at most");
    if (nbar && o->robust)
        /* cmeta_robust_mv builds M from V and the intercept components only: with a term it
         * would weight by the wrong M (and move the estimates), so it is refused */
        return cli_failf(1, "mv: --robust with an \"INNER|OUTER\" term (--struct) is not implemented; "
                            "use --robust with --random intercept terms");
    if (o->structure && cmeta_mv_structure_parse(o->structure, &r->mst) != 0)
        return cli_failf(1, "mv: --struct '%s' is not known", o->structure);
    for (size_t q = 0; q < o->ncmp_random; q++)
        if (strchr(o->cmp_random[q], '|') && !nbar)
            return cli_failf(1, "mv: --compare-random '%s': an inner|outer term needs one in --random too "
                                "(the two share --struct)", o->cmp_random[q]);
    return 0;
}

/* the input, the design (--mods), y and v of its rows, and the random effects (--random).
 * 0, or the exit code. */
static int mv_load(mv_run *r)
{
    const cli_opts *o = &r->o;
    int rc;
    if ((rc = cli_load(o, o->inputs[0], &r->t, &r->d, &r->w))) return rc;
    cmeta_data *d = r->d;
    cmeta_status st;
    if (o->mods && *o->mods) st = cmeta_design_from_data(d, o->mods, !o->no_intercept, &r->des, &r->w, &r->err);
    else st = cmeta_design_build(NULL, d->k, NULL, 0, (const char *const *)d->label, 1, &r->des, &r->w, &r->err);
    if (st != CMETA_OK) return cli_fail_status(st, &r->err);
    size_t n = r->n = r->des->n;
    r->p = r->des->p;
    r->y = malloc((n ? n : 1) * sizeof *r->y);
    r->v = malloc((n ? n : 1) * sizeof *r->v);
    r->X = cmeta_design_full(r->des);
    if (!r->y || !r->v || !r->X) return cli_failf(4, "out of memory");
    for (size_t i = 0; i < n; i++) {
        r->y[i] = d->yi[r->des->keep[i]];
        r->v[i] = d->vi[r->des->keep[i]];
    }
    if ((rc = build_random(r->t, d, r->des->keep, n, o->random, o->nrandom, "--random", r->re, r->names, &r->ncomp)))
        return rc;
    return build_term(r->t, d, r->des->keep, n, o->random, o->nrandom, "--random", r->mst, o->time_col, &r->tb,
                      &r->has_term);
}

/* --rho R --cluster COL: v_ij = R sqrt(v_i v_j) for every pair of rows i < j in a cluster.
 * 0, or the exit code. */
static int mv_cov_cluster(mv_run *r)
{
    const cli_opts *o = &r->o;
    size_t n = r->n;
    long c = cmeta_table_find_raw(r->t, o->cluster);
    if (c < 0) {
        cmeta_error_set(&r->err, CMETA_EDATA, "--cluster: no column '%s' in %s", o->cluster, cmeta_table_name(r->t));
        return cli_fail(&r->err);
    }
    size_t *id = malloc((n ? n : 1) * sizeof *id), nl = 0;
    size_t *cnt = NULL, *ord = NULL;
    int rc = 0;
    if (!id) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    if ((rc = level_ids(r->t, r->d, r->des->keep, n, &c, 1, id, &nl))) goto done;
    /* rows by cluster, then every pair within a cluster */
    cnt = calloc(nl + 1, sizeof *cnt), ord = malloc((n ? n : 1) * sizeof *ord);
    size_t npairs = 0;
    if (!cnt || !ord) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) cnt[id[i] + 1]++;
    for (size_t g = 0; g < nl; g++) {
        size_t m = cnt[g + 1];
        npairs += m * (m - 1) / 2;
        cnt[g + 1] += cnt[g];
    }
    for (size_t i = 0; i < n; i++) ord[cnt[id[i]]++] = i; /* cnt[g] ends at the start of g + 1 */
    r->cov = malloc((npairs ? npairs : 1) * sizeof *r->cov);
    if (!r->cov) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    for (size_t a = 0, g0 = 0; a < n; a = g0) {
        g0 = a;
        while (g0 < n && id[ord[g0]] == id[ord[a]]) g0++;
        for (size_t b = a; b < g0; b++)
            for (size_t e = b + 1; e < g0; e++)
                r->cov[r->ncov++] = (cmeta_mv_cov){ord[b], ord[e], o->rho * sqrt(r->v[ord[b]] * r->v[ord[e]])};
    }
done:
    free(id), free(cnt), free(ord);
    return rc;
}

/* --V FILE: the diagonal replaces v, the rest the covariances, on the rows of the fit (rows
 * left out of the analysis are skipped). 0, or the exit code. */
static int mv_cov_vfile(mv_run *r)
{
    size_t n = r->n, N = cmeta_table_nrows(r->t);
    int rc;
    if ((rc = read_vfile(r->o.vfile, N, &r->E, &r->nE))) return rc;
    r->rowpos = malloc((N ? N : 1) * sizeof *r->rowpos);
    r->cov = malloc((r->nE ? r->nE : 1) * sizeof *r->cov);
    if (!r->rowpos || !r->cov) return cli_failf(4, "out of memory");
    for (size_t q = 0; q < N; q++) r->rowpos[q] = (size_t)-1;
    for (size_t i = 0; i < n; i++) r->rowpos[r->d->row[r->des->keep[i]]] = i;
    for (size_t a = 0; a < r->nE; a++) {
        size_t i = r->rowpos[r->E[a].i], j = r->rowpos[r->E[a].j];
        if (i == (size_t)-1 || j == (size_t)-1) continue; /* a row left out of the analysis */
        if (i == j) r->v[i] = r->E[a].v;
        else r->cov[r->ncov++] = (cmeta_mv_cov){i, j, r->E[a].v};
    }
    for (size_t i = 0; i < n; i++)
        if (!(r->v[i] > 0))
            return cell_fail(r->t, r->d, r->des->keep[i], -1, "%s",
                             "the diagonal of V (the sampling variance) must be positive");
    return 0;
}

/* the full model (cmeta_mv_ex); a data error at a row names its cell. 0, or the exit code. */
static int mv_fit(mv_run *r)
{
    const cli_opts *o = &r->o;
    cmeta_mv_opts_default(&r->mo);
    r->mo.method = o->fit.method;
    r->mo.test = o->fit.test;
    r->mo.level = o->fit.level;
    r->mo.maxiter = o->fit.maxiter;
    r->mo.tol = o->fit.tol;
    r->mo.profile_ci = !o->no_ci;
    cmeta_status st = cmeta_mv_ex(r->y, r->v, r->n, r->cov, r->ncov, r->X, r->p, r->des->intercept, r->re, r->ncomp,
                                  r->has_term ? &r->tb.t : NULL, &r->mo, &r->fit, &r->w, &r->err);
    if (st == CMETA_OK) return 0;
    if (st == CMETA_EDATA && r->err.index >= 0 && (size_t)r->err.index < r->n) {
        size_t s = r->des->keep[r->err.index];
        char msg[sizeof r->err.message];
        snprintf(msg, sizeof msg, "%s", r->err.message);
        return cell_fail(r->t, r->d, s, -1, "%s", msg);
    }
    return cli_fail_status(st, &r->err);
}

/* --compare-mods: the reduced model's design on the full model's rows (r->rdes, its matrix
 * r->X2). 0, or the exit code. */
static int mv_reduced_design(mv_run *r)
{
    const cli_opts *o = &r->o;
    size_t n = r->n;
    cmeta_status st;
    if ((st = cmeta_data_subset(r->d, r->des->keep, n, &r->dsub)) != CMETA_OK) return cli_fail_status(st, &r->err);
    const char *cm = o->cmp_mods;
    while (*cm == ' ') cm++;
    if (cm[0] == '1' && !cm[1 + strspn(cm + 1, " ")])
        st = cmeta_design_build(NULL, n, NULL, 0, (const char *const *)r->dsub->label, 1, &r->rdes, &r->w, &r->err);
    else {
        /* its warnings (a row left out) become the error below */
        cmeta_warnings w2;
        cmeta_warnings_init(&w2);
        st = cmeta_design_from_data(r->dsub, o->cmp_mods, !o->no_intercept, &r->rdes, &w2, &r->err);
        cmeta_warnings_free(&w2);
    }
    if (st != CMETA_OK && !strncmp(r->err.message, "--mods:", 7)) { /* name the option given */
        char m2[sizeof r->err.message];
        snprintf(m2, sizeof m2, "--compare-mods:%.*s", (int)(sizeof m2 - 16), r->err.message + 7);
        snprintf(r->err.message, sizeof r->err.message, "%s", m2);
    }
    if (st != CMETA_OK) return cli_fail_status(st, &r->err);
    if (r->rdes->n != n) { /* a row without a value of a reduced model's moderator */
        size_t i = 0;
        while (i < r->rdes->n && r->rdes->keep[i] == i) i++;
        return cell_fail(r->t, r->d, r->des->keep[i], -1, "%s",
                         "no value of a --compare-mods moderator (the reduced model must use the full "
                         "model's rows)");
    }
    r->X2 = cmeta_design_full(r->rdes);
    if (!r->X2) return cli_failf(4, "out of memory");
    return 0;
}

/* --compare-random / --compare-mods: the reduced model, its random effects (default the full
 * model's) and moderators (default the full model's design), on the full model's rows with the
 * same V, and the likelihood-ratio test. 0 (also without them), or the exit code. */
static int mv_compare(mv_run *r)
{
    if (!r->compare) return 0;
    const cli_opts *o = &r->o;
    size_t n = r->n;
    const char *const *specs = o->ncmp_random ? o->cmp_random : o->random;
    size_t nspecs = o->ncmp_random ? o->ncmp_random : o->nrandom;
    int rc;
    if ((rc = build_random(r->t, r->d, r->des->keep, n, specs, nspecs, "--compare-random", r->re2, r->names2,
                           &r->ncomp2)))
        return rc;
    if ((rc = build_term(r->t, r->d, r->des->keep, n, specs, nspecs, "--compare-random", r->mst, o->time_col,
                         &r->tb2, &r->has_term2)))
        return rc;
    if (!r->ncomp2 && !r->has_term2)
        return cli_failf(1, "mv: --compare-random: the reduced model needs a random effect");
    const cmeta_design *rd = r->des;
    if (o->cmp_mods) {
        if ((rc = mv_reduced_design(r))) return rc;
        rd = r->rdes;
    }
    /* metafor's identical(model.f$X, model.r$X) */
    int same_fixed = rd->p == r->p && (!r->X2 || !memcmp(r->X, r->X2, n * r->p * sizeof *r->X));
    cmeta_mv_opts ro = r->mo;
    ro.profile_ci = 0;
    cmeta_status st = cmeta_mv_ex(r->y, r->v, n, r->cov, r->ncov, r->X2 ? r->X2 : r->X, rd->p, rd->intercept, r->re2,
                                  r->ncomp2, r->has_term2 ? &r->tb2.t : NULL, &ro, &r->rfit, &r->w, &r->err);
    if (st != CMETA_OK) return cli_fail_status(st, &r->err);
    if ((st = cmeta_mv_compare_fits(r->fit, r->rfit, same_fixed, &r->cmp, &r->err)) != CMETA_OK)
        return st == CMETA_EUSAGE ? cli_failf(1, "mv: %s", r->err.message) : cli_fail_status(st, &r->err);
    return 0;
}

/* --robust COL: cluster-robust tests of the full model. 0 (also without it), or the exit code. */
static int mv_robust(mv_run *r)
{
    const cli_opts *o = &r->o;
    if (!o->robust) return 0;
    size_t ncl = 0;
    int rc;
    if ((rc = cli_robust_clusters(o, r->t, r->d, r->des->keep, r->n, &r->rcl, &ncl))) return rc;
    cmeta_robust_opts ro;
    cli_robust_opts(o, r->des->intercept, &ro);
    cmeta_status st = cmeta_robust_mv(r->fit, r->y, r->v, r->cov, r->ncov, r->X, r->re, r->ncomp, r->rcl, ncl, &ro,
                                      &r->rob, &r->err);
    if (st != CMETA_OK) return cli_robust_fail(o, r->t, r->d, r->des->keep, r->n, st, &r->err);
    return 0;
}

/* --plot, then the report (-o or stdout) and, except in JSON, the warnings. 0, or the exit code. */
static int mv_report(mv_run *r)
{
    const cli_opts *o = &r->o;
    int rc;
    if (o->plot && (rc = mv_plot(o, r->t, r->d, r->des, r->X, r->fit, (const char *const *)r->names))) return rc;
    cli_out out;
    if ((rc = cli_out_open(&out, o->output))) return rc;
    rc = cli_report_status(cmeta_report_mv_robust(out.fp, (cmeta_report_format)o->format, r->fit,
                                                  (const char *const *)r->des->names, (const char *const *)r->names,
                                                  cmeta_measure_name(r->d->measure), r->compare ? &r->cmp : NULL,
                                                  r->rob, o->robust, &r->w));
    if (rc) {
        cli_out_abort(&out);
        return rc;
    }
    rc = cli_out_commit(&out);
    if (o->format != CLI_FMT_JSON) cli_print_warnings(&r->w);
    return rc;
}

static void mv_run_free(mv_run *r)
{
    cmeta_robust_free(r->rob);
    free(r->rcl);
    term_free(&r->tb), term_free(&r->tb2);
    for (size_t q = 0; q < r->ncomp; q++) free((void *)r->re[q].level);
    for (size_t q = 0; q < 64; q++) free(r->names[q]);
    for (size_t q = 0; q < r->ncomp2; q++) free((void *)r->re2[q].level);
    for (size_t q = 0; q < 64; q++) free(r->names2[q]);
    cmeta_free(r->X2);
    cmeta_mv_fit_free(r->rfit);
    cmeta_design_free(r->rdes);
    cmeta_data_free(r->dsub);
    free(r->cov);
    free(r->E);
    free(r->rowpos);
    free(r->y);
    free(r->v);
    cmeta_free(r->X);
    cmeta_mv_fit_free(r->fit);
    cmeta_design_free(r->des);
    cmeta_data_free(r->d);
    cmeta_table_free(r->t);
    cmeta_warnings_free(&r->w);
    cli_opts_free(&r->o);
}

/* the sampling covariances: --rho R --cluster COL, or --V FILE (else none). 0, or the exit code. */
static int mv_sampling_cov(mv_run *r)
{
    if (r->o.cluster) return mv_cov_cluster(r);
    if (r->o.vfile) return mv_cov_vfile(r);
    return 0;
}

/* cmeta mv: parse (the options) -> load (input, design, random effects, V) -> fit (the full
 * model; the reduced one of --compare-*; --robust) -> report (--plot, the summary). */
int cmeta_cmd_mv(int argc, char **argv)
{
    mv_run r;
    memset(&r, 0, sizeof r);
    int rc = cli_start(argc, argv, &r.o);
    if (rc >= 0) return rc;
    cmeta_warnings_init(&r.w);
    cmeta_error_clear(&r.err);
    r.mst = CMETA_MV_CS;
    r.compare = r.o.ncmp_random > 0 || r.o.cmp_mods != NULL;
    if (!(rc = mv_check_opts(&r)) && !(rc = mv_check_term_opts(&r)) && /* parse */
        !(rc = mv_load(&r)) && !(rc = mv_sampling_cov(&r)) &&          /* load */
        !(rc = mv_fit(&r)) && !(rc = mv_compare(&r)) && !(rc = mv_robust(&r))) /* fit */
        rc = mv_report(&r);                                             /* report */
    mv_run_free(&r);
    return rc;
}
