/* cli_derive.c - output helpers shared by pool, loo and cumul: metafor's number formats,
 * R-style tables, the --model auto choice, and the --subgroup split (pool, forest). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_fcf(char *buf, size_t n, double x, int digits)
{
    if (!isfinite(x)) snprintf(buf, n, "NA");
    else snprintf(buf, n, "%.*f", digits, x);
}

void cli_pval(char *buf, size_t n, double p, int digits)
{
    if (!isfinite(p)) {
        snprintf(buf, n, "NA");
        return;
    }
    if (digits < 1) digits = 1;
    double cut = pow(10.0, -digits);
    if (p >= cut) snprintf(buf, n, "%.*f", digits, p);
    else snprintf(buf, n, "<.%0*d", digits, 1);
}

/* display width of UTF-8 text (code points) */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

static void pad(FILE *fp, size_t n)
{
    while (n--) fputc(' ', fp);
}

/* A row name on one line: line breaks and tabs inside a (quoted) label print as spaces, so a
 * label never breaks the table; the width is unchanged (one code point each). */
static void put_label(FILE *fp, const char *s)
{
    for (; *s; s++) fputc(*s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s, fp);
}

void cli_text_frame(FILE *fp, const char *const *rownames, size_t nrows,
                    const char *const *colnames, size_t ncols, const char *const *cells,
                    int gap, size_t wrap)
{
    size_t rw = 0;
    for (size_t i = 0; rownames && i < nrows; i++)
        if (width(rownames[i]) > rw) rw = width(rownames[i]);
    size_t *cw = calloc(ncols ? ncols : 1, sizeof *cw);
    if (!cw) return;
    for (size_t j = 0; j < ncols; j++) {
        cw[j] = width(colnames[j]);
        for (size_t i = 0; i < nrows; i++)
            if (width(cells[i * ncols + j]) > cw[j]) cw[j] = width(cells[i * ncols + j]);
    }
    for (size_t j0 = 0; j0 < ncols;) {
        size_t j1 = j0, used = rw;
        while (j1 < ncols && (j1 == j0 || used + (size_t)gap + cw[j1] < wrap)) used += (size_t)gap + cw[j1++];
        pad(fp, rw);
        for (size_t j = j0; j < j1; j++) {
            pad(fp, (size_t)gap + cw[j] - width(colnames[j]));
            fputs(colnames[j], fp);
        }
        fputs(" \n", fp);
        for (size_t i = 0; i < nrows; i++) {
            const char *r = rownames ? rownames[i] : "";
            put_label(fp, r);
            pad(fp, rw - width(r));
            for (size_t j = j0; j < j1; j++) {
                const char *c = cells[i * ncols + j];
                pad(fp, (size_t)gap + cw[j] - width(c));
                fputs(c, fp);
            }
            fputs(" \n", fp);
        }
        j0 = j1;
    }
    free(cw);
}

void cli_print_frame(FILE *fp, const char *const *rownames, size_t nrows,
                     const char *const *colnames, size_t ncols, const char *const *cells)
{
    cli_text_frame(fp, rownames, nrows, colnames, ncols, cells, 1, (size_t)-1);
}

double cli_harmonic_n(const cmeta_data *d)
{
    if (!d->ni || d->k == 0) return NAN;
    double s = 0;
    for (size_t i = 0; i < d->k; i++) s += 1.0 / d->ni[i];
    return (double)d->k / s;
}

int cli_choose_model(const cli_opts *o, const cmeta_studies *s, cmeta_fit_opts *chosen,
                     int *is_random, double *Q, double *Q_pval, char *reason, size_t nreason,
                     cmeta_warnings *w)
{
    *chosen = o->fit;
    *Q = *Q_pval = NAN;
    if (reason && nreason) reason[0] = '\0';
    int twobytwo = cmeta_method_is_2x2(o->fit.method);
    *is_random = cmeta_fit_is_random(&o->fit);
    if (!o->model_auto) return 0;

    /* the fixed-effect model and its heterogeneity test */
    cmeta_fit_opts fe = o->fit;
    if (twobytwo) fe.mh_random = 0;
    else fe.method = CMETA_METHOD_FE;
    fe.no_ci_tau2 = 1;
    size_t *idx = malloc((s->k ? s->k : 1) * sizeof *idx);
    if (!idx) return cli_failf(4, "out of memory");
    for (size_t i = 0; i < s->k; i++) idx[i] = i;
    cmeta_fit *f = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_fit_subset(s, idx, s->k, &fe, &f, NULL, &err);
    free(idx);
    if (st != CMETA_OK) return cli_fail_status(st, &err);
    *Q = f->Q;
    *Q_pval = f->Q_pval;
    cmeta_fit_free(f);

    /* the random-effects alternative: the method asked for if it is one, else REML
     * (DL-type random effects around MH/Peto, as RevMan, for 2x2 methods) */
    cmeta_fit_opts re = o->fit;
    if (twobytwo) re.mh_random = 1;
    else if (re.method == CMETA_METHOD_FE) re.method = CMETA_METHOD_REML;

    char p[32], hp[32];
    cli_pval(p, sizeof p, *Q_pval, 4);
    snprintf(hp, sizeof hp, "%g", o->het_p);
    if (!(*Q_pval < o->het_p)) {
        *chosen = fe;
        *is_random = 0;
        if (reason)
            snprintf(reason, nreason, "fixed effect (%s): heterogeneity test p = %s >= --het-p %s",
                     cmeta_method_name(fe.method), p, hp);
    } else {
        *chosen = re;
        *is_random = 1;
        if (reason)
            snprintf(reason, nreason, "random effects (%s%s): heterogeneity test p %s%s < --het-p %s",
                     cmeta_method_name(re.method), twobytwo ? ", DerSimonian-Laird tau^2" : "",
                     p[0] == '<' ? "< " : "= ", p[0] == '<' ? p + 1 : p, hp);
    }
    (void)w;
    return 0;
}

int cli_split_subgroups(const cli_opts *o, const cmeta_table *t, const cmeta_data *d0,
                        const cmeta_fit_opts *fo, cli_split *sp, cmeta_warnings *w)
{
    memset(sp, 0, sizeof *sp);
    long col = cmeta_table_find_raw(t, o->subgroup);
    if (col < 0) return cli_failf(1, "--subgroup: no column '%s' in %s", o->subgroup, cmeta_table_name(t));
    size_t k0 = d0->k, n = 0, ng = 0;
    size_t *idx = malloc((k0 ? k0 : 1) * sizeof *idx);
    sp->grp = malloc((k0 ? k0 : 1) * sizeof *sp->grp);
    sp->lev = malloc((k0 ? k0 : 1) * sizeof *sp->lev);
    int rc = 0;
    if (!idx || !sp->grp || !sp->lev) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < k0; i++) {
        const char *cell = cmeta_table_cell(t, d0->row[i], (size_t)col);
        if (cmeta_cell_is_missing(cell)) {
            if (cmeta_warn(w, "study '%s' left out: no value in subgroup column '%s'", d0->label[i],
                           o->subgroup) != CMETA_OK) {
                rc = cli_failf(4, "out of memory");
                goto done;
            }
            continue;
        }
        size_t j = 0;
        while (j < ng && strcmp(sp->lev[j], cell) != 0) j++;
        if (j == ng) sp->lev[ng++] = cell;
        sp->grp[n] = j;
        idx[n++] = i;
    }
    sp->ngroups = ng;
    if (n == 0) {
        rc = cli_failf(2, "%s: no study has a value in subgroup column '%s'", cmeta_table_name(t), o->subgroup);
        goto done;
    }
    if (cmeta_data_subset(d0, idx, n, &sp->d) != CMETA_OK) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    cmeta_studies s;
    cmeta_studies_from_data(sp->d, &o->data.escalc, &s);
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_subgroup(&s, sp->grp, ng, o->tau_common, fo, &sp->g, w, &err);
    if (st != CMETA_OK) rc = cli_fail_status(st, &err);
done:
    free(idx);
    return rc;
}

void cli_split_free(cli_split *sp)
{
    if (!sp) return;
    cmeta_subgroups_free(sp->g);
    cmeta_data_free(sp->d);
    free(sp->grp);
    free(sp->lev);
    memset(sp, 0, sizeof *sp);
}
