/* design.c - moderators -> design matrix, as R's model.matrix() for metafor's
 * rma(yi, vi, mods = ~ ...). See cmeta/design.h for the rules. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/design.h"
#include "linalg.h"
#include "internal.h"

void cmeta_design_free(cmeta_design *d)
{
    if (!d) return;
    if (d->names)
        for (size_t j = 0; j < d->p; j++) cmeta_free(d->names[j]);
    cmeta_free(d->names);
    cmeta_free(d->X);
    cmeta_free(d->keep);
    cmeta_free(d);
}

double *cmeta_design_full(const cmeta_design *d)
{
    double *F = CMETA_ARRAY_NEW(double, d->n * d->p);
    if (!F) return NULL;
    size_t off = d->intercept ? 1 : 0;
    for (size_t i = 0; i < d->n; i++) {
        if (off) F[i * d->p] = 1.0;
        for (size_t j = 0; j < d->q; j++) F[i * d->p + off + j] = d->X[i * d->q + j];
    }
    return F;
}

static int is_missing(const char *s) { return !s || cmeta_cell_is_missing(s); }

/* Level order: ASCII letters compared without case first, then lower before upper case at
 * the first difference in case, other bytes by value. */
static int level_cmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (; *x && *y; x++, y++) {
        int cx = (*x >= 'A' && *x <= 'Z') ? *x + 32 : *x;
        int cy = (*y >= 'A' && *y <= 'Z') ? *y + 32 : *y;
        if (cx != cy) return cx < cy ? -1 : 1;
    }
    if (*x || *y) return *x ? 1 : -1;
    /* equal ignoring case: lower case first */
    for (x = (const unsigned char *)a, y = (const unsigned char *)b; *x; x++, y++) {
        if (*x != *y) {
            int lx = *x >= 'a' && *x <= 'z';
            return lx ? -1 : 1;
        }
    }
    return 0;
}

static int level_qcmp(const void *a, const void *b)
{
    return level_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* Append "what" to a message buffer, keeping it NUL terminated. */
static void cat(char *buf, size_t size, const char *what)
{
    size_t n = strlen(buf);
    if (n + 1 < size) snprintf(buf + n, size - n, "%s", what);
}

cmeta_status cmeta_design_check_rank(const double *X, size_t n, size_t p,
                                     const char *const *names, cmeta_error *err)
{
    /* Modified Gram-Schmidt in column order; a column whose residual norm falls below
     * 1e-7 of its own norm (R's lm() QR tolerance) depends on the columns before it. */
    if (p == 0) return CMETA_OK;
    if (n < p)
        return cmeta_error_set(err, CMETA_EDATA,
                               "too few studies for the model: %zu studies, %zu coefficients", n, p);
    double *Q = CMETA_ARRAY_NEW(double, n * p);
    size_t *idx = CMETA_ARRAY_NEW(size_t, p);
    if (!Q || !idx) {
        cmeta_free(Q);
        cmeta_free(idx);
        return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    size_t r = 0; /* independent columns so far, stored as orthonormal columns of Q */
    cmeta_status st = CMETA_OK;
    for (size_t j = 0; j < p && st == CMETA_OK; j++) {
        double *v = Q + r * n; /* column-major storage for Q */
        double norm0 = 0;
        for (size_t i = 0; i < n; i++) {
            v[i] = X[i * p + j];
            norm0 += v[i] * v[i];
        }
        norm0 = sqrt(norm0);
        for (size_t c = 0; c < r; c++) {
            const double *u = Q + c * n;
            double dot = 0;
            for (size_t i = 0; i < n; i++) dot += u[i] * v[i];
            for (size_t i = 0; i < n; i++) v[i] -= dot * u[i];
        }
        double norm = 0;
        for (size_t i = 0; i < n; i++) norm += v[i] * v[i];
        norm = sqrt(norm);
        const char *nj = names ? names[j] : NULL;
        char jname[300];
        if (nj) snprintf(jname, sizeof jname, "'%s'", nj);
        else snprintf(jname, sizeof jname, "column %zu", j + 1);
        if (norm0 == 0) {
            st = cmeta_error_set(err, CMETA_EDATA,
                                 "design matrix not of full rank: moderator %s is zero for every study",
                                 jname);
        } else if (norm <= 1e-7 * norm0) {
            /* Which earlier columns does it depend on? Least squares of column j on the
             * independent columns idx[0..r-1] (normal equations; they are full rank). */
            char msg[900] = "";
            double *A = CMETA_ARRAY_NEW(double, r * r + r + r * r);
            if (!A) {
                st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
                break;
            }
            double *b = A + r * r, *inv = b + r;
            for (size_t a = 0; a < r; a++) {
                b[a] = 0;
                for (size_t i = 0; i < n; i++) b[a] += X[i * p + idx[a]] * X[i * p + j];
                for (size_t c = 0; c < r; c++) {
                    double s = 0;
                    for (size_t i = 0; i < n; i++) s += X[i * p + idx[a]] * X[i * p + idx[c]];
                    A[a * r + c] = s;
                }
            }
            size_t ndep = 0, only = 0;
            if (r > 0 && cmeta__chol(A, r) == 0) {
                cmeta__chol_inv(A, r, inv);
                for (size_t a = 0; a < r; a++) {
                    double coef = 0;
                    for (size_t c = 0; c < r; c++) coef += inv[a * r + c] * b[c];
                    double scale = 0;
                    for (size_t i = 0; i < n; i++) scale += fabs(X[i * p + idx[a]]);
                    if (fabs(coef) * scale > 1e-6 * norm0) {
                        char part[300];
                        if (names) snprintf(part, sizeof part, "%s'%s'", ndep ? ", " : "", names[idx[a]]);
                        else snprintf(part, sizeof part, "%scolumn %zu", ndep ? ", " : "", idx[a] + 1);
                        cat(msg, sizeof msg, part);
                        ndep++;
                        only = idx[a];
                    }
                }
            }
            cmeta_free(A);
            int vs_intercept = ndep == 1 && names && strcmp(names[only], "intrcpt") == 0;
            if (vs_intercept)
                st = cmeta_error_set(err, CMETA_EDATA,
                                     "design matrix not of full rank: moderator %s is constant "
                                     "(collinear with the intercept)", jname);
            else if (ndep > 0)
                st = cmeta_error_set(err, CMETA_EDATA,
                                     "design matrix not of full rank: moderators are collinear: "
                                     "%s is a linear combination of %s", jname, msg);
            else
                st = cmeta_error_set(err, CMETA_EDATA,
                                     "design matrix not of full rank: %s depends on the columns before it",
                                     jname);
        } else {
            for (size_t i = 0; i < n; i++) v[i] /= norm;
            idx[r++] = j;
        }
    }
    cmeta_free(Q);
    cmeta_free(idx);
    return st;
}

typedef struct {
    int numeric;
    size_t nlev;
    char **lev;   /* sorted levels (pointers into cells, not owned) */
} modinfo;

/* The studies kept (every moderator present) into keep[0..*n); a warning names each study left out. */
static cmeta_status design_keep(const char *const *cells, size_t k, const char *const *modnames, size_t nmods,
                                const char *const *labels, size_t *keep, size_t *n_out, cmeta_warnings *w,
                                cmeta_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < k; i++) {
        size_t miss = nmods;
        for (size_t j = 0; j < nmods; j++)
            if (is_missing(cells[i * nmods + j])) {
                miss = j;
                break;
            }
        if (miss == nmods) {
            keep[n++] = i;
        } else if (w) {
            char lab[64];
            snprintf(lab, sizeof lab, "Study %zu", i + 1);
            if (cmeta_warn(w, "study '%s' left out: moderator '%s' is missing",
                           labels && labels[i] ? labels[i] : lab, modnames[miss]) != CMETA_OK)
                return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        }
    }
    *n_out = n;
    return CMETA_OK;
}

/* Type and levels of each moderator over the n studies kept: numeric when every cell parses as
 * a number, else a factor with its sorted levels. *q_out: the number of columns of X (a numeric
 * moderator 1; a factor its levels - 1, or all of them for the first factor without an
 * intercept, as R's model.matrix codes ~ f - 1). */
static cmeta_status design_types(const char *const *cells, size_t nmods, const size_t *keep, size_t n,
                                 int intercept, modinfo *mi, size_t *q_out, cmeta_error *err)
{
    size_t q = 0;
    int first_factor = 1;
    for (size_t j = 0; j < nmods; j++) {
        mi[j].numeric = 1;
        for (size_t a = 0; a < n; a++) {
            double x;
            if (cmeta_parse_double(cells[keep[a] * nmods + j], &x, NULL) != CMETA_OK) {
                mi[j].numeric = 0;
                break;
            }
        }
        if (mi[j].numeric) {
            q++;
            continue;
        }
        mi[j].lev = CMETA_ARRAY_NEW(char *, n);
        if (!mi[j].lev) return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        for (size_t a = 0; a < n; a++) {
            const char *c = cells[keep[a] * nmods + j];
            size_t l = 0;
            while (l < mi[j].nlev && strcmp(mi[j].lev[l], c) != 0) l++;
            if (l == mi[j].nlev) mi[j].lev[mi[j].nlev++] = (char *)c;
        }
        qsort(mi[j].lev, mi[j].nlev, sizeof *mi[j].lev, level_qcmp);
        /* without an intercept the first factor is coded with every level (R's ~ f - 1) */
        q += (!intercept && first_factor) ? mi[j].nlev : mi[j].nlev - 1;
        first_factor = 0;
    }
    *q_out = q;
    return CMETA_OK;
}

/* The columns of X (n x q, row-major, without the intercept) and the coefficient names
 * ("intrcpt", a numeric moderator's name, a factor's name followed by its level). */
static cmeta_status design_fill(cmeta_design *d, const char *const *cells, const char *const *modnames,
                                size_t nmods, const modinfo *mi, int intercept, cmeta_error *err)
{
    size_t n = d->n, q = d->q, c = 0, col = 0;
    if (d->intercept && !(d->names[c++] = cmeta_strdup("intrcpt")))
        return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    int first_factor = 1;
    for (size_t j = 0; j < nmods; j++) {
        if (mi[j].numeric) {
            for (size_t a = 0; a < n; a++) {
                double x = NAN;
                if (cmeta_parse_double(cells[d->keep[a] * nmods + j], &x, NULL) != CMETA_OK) x = NAN;
                d->X[a * q + col] = x;
            }
            if (!(d->names[c++] = cmeta_strdup(modnames[j])))
                return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
            col++;
            continue;
        }
        size_t l0 = (!intercept && first_factor) ? 0 : 1;
        first_factor = 0;
        for (size_t l = l0; l < mi[j].nlev; l++) {
            for (size_t a = 0; a < n; a++)
                d->X[a * q + col] = strcmp(cells[d->keep[a] * nmods + j], mi[j].lev[l]) == 0;
            size_t len = strlen(modnames[j]) + strlen(mi[j].lev[l]) + 1;
            char *nm = cmeta_malloc(len);
            if (!nm) return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
            snprintf(nm, len, "%s%s", modnames[j], mi[j].lev[l]);
            d->names[c++] = nm;
            col++;
        }
    }
    return CMETA_OK;
}

cmeta_status cmeta_design_build(const char *const *cells, size_t k,
                                const char *const *modnames, size_t nmods,
                                const char *const *labels, int intercept,
                                cmeta_design **out, cmeta_warnings *w, cmeta_error *err)
{
    *out = NULL;
    cmeta_status st = CMETA_OK;
    modinfo *mi = CMETA_ARRAY_NEW(modinfo, nmods);
    size_t *keep = CMETA_ARRAY_NEW(size_t, k);
    cmeta_design *d = cmeta_calloc(1, sizeof *d);
    if (!mi || !keep || !d) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        goto fail;
    }
    d->intercept = intercept ? 1 : 0;
    size_t n = 0, q = 0;
    if ((st = design_keep(cells, k, modnames, nmods, labels, keep, &n, w, err)) != CMETA_OK ||
        (st = design_types(cells, nmods, keep, n, intercept, mi, &q, err)) != CMETA_OK)
        goto fail;
    d->n = n;
    d->q = q;
    d->p = q + (size_t)d->intercept;
    d->keep = keep;
    keep = NULL;
    d->X = CMETA_ARRAY_NEW(double, n * q);
    d->names = CMETA_ARRAY_NEW(char *, d->p);
    if (!d->X || !d->names) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        goto fail;
    }
    if ((st = design_fill(d, cells, modnames, nmods, mi, intercept, err)) != CMETA_OK) goto fail;

    if (n < d->p) {
        st = cmeta_error_set(err, CMETA_EDATA,
                             "too few studies for the model: %zu studies with every moderator "
                             "present, %zu coefficients", n, d->p);
        goto fail;
    }
    double *F = cmeta_design_full(d);
    if (!F) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        goto fail;
    }
    st = cmeta_design_check_rank(F, n, d->p, (const char *const *)d->names, err);
    cmeta_free(F);
    if (st != CMETA_OK) goto fail;

    for (size_t j = 0; j < nmods; j++) cmeta_free(mi[j].lev);
    cmeta_free(mi);
    *out = d;
    return CMETA_OK;
fail:
    if (mi)
        for (size_t j = 0; j < nmods; j++) cmeta_free(mi[j].lev);
    cmeta_free(mi);
    cmeta_free(keep);
    cmeta_design_free(d);
    return st;
}

/* Trim blanks around a name in place; returns the start. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    return s;
}

cmeta_status cmeta_design_from_data(const cmeta_data *dd, const char *mods, int intercept,
                                    cmeta_design **out, cmeta_warnings *w, cmeta_error *err)
{
    *out = NULL;
    if (!dd || !dd->table)
        return cmeta_error_set(err, CMETA_EUSAGE, "no table behind the data");
    if (!mods) mods = "";
    char *buf = cmeta_strdup(mods);
    size_t maxm = 1;
    for (const char *s = mods; *s; s++) maxm += *s == ',';
    const char **names = CMETA_ARRAY_NEW(const char *, maxm);
    long *cols = CMETA_ARRAY_NEW(long, maxm);
    const char **cells = NULL;
    cmeta_status st = CMETA_OK;
    if (!buf || !names || !cols) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        goto done;
    }
    size_t nm = 0;
    for (char *tok = buf, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = '\0';
        char *name = trim(tok);
        if (!*name) {
            st = cmeta_error_set(err, CMETA_EUSAGE, "--mods: empty moderator name in '%s'", mods);
            goto done;
        }
        long c = cmeta_table_find_raw(dd->table, name);
        if (c < 0) {
            st = cmeta_error_set(err, CMETA_EDATA, "--mods: no column '%s' in %s", name,
                                 cmeta_table_name(dd->table));
            goto done;
        }
        for (size_t a = 0; a < nm; a++)
            if (cols[a] == c) {
                st = cmeta_error_set(err, CMETA_EUSAGE, "--mods: column '%s' given twice", name);
                goto done;
            }
        cols[nm] = c;
        names[nm++] = cmeta_table_colname(dd->table, (size_t)c);
    }
    cells = CMETA_ARRAY_NEW(const char *, dd->k * nm);
    if (!cells) {
        st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < dd->k; i++)
        for (size_t j = 0; j < nm; j++)
            cells[i * nm + j] = cmeta_table_cell(dd->table, dd->row[i], (size_t)cols[j]);
    st = cmeta_design_build(cells, dd->k, names, nm, (const char *const *)dd->label, intercept,
                            out, w, err);
done:
    cmeta_free(cells);
    cmeta_free(cols);
    cmeta_free(names);
    cmeta_free(buf);
    return st;
}
