/* fit.c - the one way to fit: cmeta_fit_data (all studies of a data set) and cmeta_fit_subset
 * (some of them) share one dispatch, one set of checks and one set of k = 1 rules; the
 * program, batch, the derived analyses, the tests and the fuzzers all fit through it.
 *
 * Dispatch: MH / Peto pool the 2x2 tables (cmeta_rma_mh, cmeta_rma_peto, with the continuity
 * handling the data were computed with); every other method fits yi, vi (cmeta_rma).
 * k = 1 (as metafor reports a k = 1 model): tau^2 cannot be estimated and is 0 unless fixed
 * by the caller, no tau^2 interval, Q = 0 on 0 df (p = 1), I^2 = 0, H^2 = 1. */
#include <math.h>
#include <string.h>

#include "rma_internal.h"

void cmeta_studies_from_data(const cmeta_data *d, const cmeta_escalc_opts *eo, cmeta_studies *s)
{
    memset(s, 0, sizeof *s);
    s->k = d->k;
    s->yi = d->yi;
    s->vi = d->vi;
    s->measure = d->measure;
    s->ai = d->ai;
    s->bi = d->bi;
    s->ci = d->ci;
    s->di = d->di;
    s->escalc = eo;
}

void cmeta_summary_from_fit(const cmeta_fit *f, cmeta_summary *o)
{
    o->k = f->k;
    o->estimate = f->beta[0];
    o->se = f->se[0];
    o->stat = f->stat[0];
    o->pval = f->pval[0];
    o->ci_lb = f->ci_lb[0];
    o->ci_ub = f->ci_ub[0];
    o->Q = f->Q;
    o->Q_df = f->Q_df;
    o->Q_pval = f->Q_pval;
    o->tau2 = f->tau2;
    o->I2 = f->I2;
    o->H2 = f->H2;
    o->pi_lb = f->pi_lb;
    o->pi_ub = f->pi_ub;
}

/* Can method m pool these studies? MH / Peto need the 2x2 tables and a measure they pool. */
static cmeta_status check_method(const cmeta_studies *s, cmeta_method m, cmeta_error *err)
{
    if (!cmeta_method_is_2x2(m)) return CMETA_OK;
    const char *mn = cmeta_method_name(m);
    if (!s->ai || !s->bi || !s->ci || !s->di)
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "method %s needs 2x2 tables (columns ai, bi, ci, di and "
                               "measure OR, RR, RD or PETO); measure %s has none",
                               mn, cmeta_measure_name(s->measure));
    if (m == CMETA_METHOD_PETO && s->measure != CMETA_PETO && s->measure != CMETA_OR)
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "method PETO pools odds ratios: use measure PETO or OR (got %s)",
                               cmeta_measure_name(s->measure));
    if (m == CMETA_METHOD_MH && s->measure != CMETA_OR && s->measure != CMETA_RR &&
        s->measure != CMETA_RD)
        return cmeta_error_set(err, CMETA_EUSAGE, "method MH pools OR, RR or RD (got measure %s)",
                               cmeta_measure_name(s->measure));
    return CMETA_OK;
}

/* The k = 1 rules on a finished fit (see the head of this file). */
static void k1_fit(cmeta_fit *f, const cmeta_fit_opts *opts)
{
    f->method = opts->method;
    f->Q = 0;
    f->Q_df = 0;
    f->Q_pval = 1;
    if (!opts->tau2_fixed) {
        f->tau2 = 0;
        f->tau = 0;
    }
    f->I2 = 0;
    f->H2 = 1;
    f->I2_Q = 0;
}

/* The one dispatch: the studies idx[0..n-1] of s, or all of them when idx is NULL. */
static cmeta_status fit_dispatch(const cmeta_studies *s, const size_t *idx, size_t n,
                                 const cmeta_fit_opts *opts, cmeta_fit **out, cmeta_warnings *w,
                                 cmeta_error *err)
{
    cmeta_status st = check_method(s, opts->method, err);
    if (st != CMETA_OK) return st;
    int twobytwo = cmeta_method_is_2x2(opts->method);
    size_t nv = twobytwo ? 4 : 2;
    const double *src[4] = {twobytwo ? s->ai : s->yi, twobytwo ? s->bi : s->vi, s->ci, s->di};
    double *buf = NULL;
    const double *col[4] = {src[0], src[1], src[2], src[3]};
    if (idx) {
        buf = cmeta_calloc(nv * n, sizeof(double));
        if (!buf) return cmeta__nomem(err);
        for (size_t j = 0; j < n; j++) {
            if (idx[j] >= s->k) {
                cmeta_free(buf);
                return cmeta_error_set(err, CMETA_EUSAGE,
                                       "cmeta_fit_subset: study index %zu >= k", idx[j]);
            }
            for (size_t v = 0; v < nv; v++) buf[v * n + j] = src[v][idx[j]];
        }
        for (size_t v = 0; v < nv; v++) col[v] = buf + v * n;
    }
    cmeta_fit_opts o = *opts;
    if (n == 1 && !twobytwo && o.method != CMETA_METHOD_FE && !o.tau2_fixed) {
        o.tau2_fixed = 1;
        o.tau2 = 0;
    }
    if (n == 1) o.no_ci_tau2 = 1;
    cmeta_escalc_opts eo;
    if (s->escalc) eo = *s->escalc;
    else cmeta_escalc_opts_default(&eo);
    if (opts->method == CMETA_METHOD_MH)
        st = cmeta_rma_mh(s->measure, col[0], col[1], col[2], col[3], n, &eo, &o, out, w, err);
    else if (opts->method == CMETA_METHOD_PETO)
        st = cmeta_rma_peto(col[0], col[1], col[2], col[3], n, &eo, &o, out, w, err);
    else
        st = cmeta_rma(col[0], col[1], n, NULL, 0, &o, out, w, err);
    cmeta_free(buf);
    if (st == CMETA_OK && n == 1) k1_fit(*out, opts);
    return st;
}

cmeta_status cmeta_fit_subset(const cmeta_studies *s, const size_t *idx, size_t n,
                              const cmeta_fit_opts *opts, cmeta_fit **out, cmeta_warnings *w,
                              cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_fit_subset: out is NULL");
    *out = NULL;
    if (!s || !idx || !opts || n == 0)
        return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_fit_subset: no studies to fit");
    /* every study in order: no copy of the inputs (memory per study at large k) */
    size_t j = 0;
    if (n == s->k)
        while (j < n && idx[j] == j) j++;
    return fit_dispatch(s, j == n ? NULL : idx, n, opts, out, w, err);
}

cmeta_status cmeta_fit_data(const cmeta_data *d, const cmeta_fit_opts *opts, cmeta_fit **out,
                            cmeta_warnings *w, cmeta_error *err)
{
    cmeta_fit_opts dflt;
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "fit_data: out is NULL");
    *out = NULL;
    if (!d) return cmeta_error_set(err, CMETA_EUSAGE, "fit_data: no data");
    if (!opts) {
        cmeta_fit_opts_default(&dflt);
        opts = &dflt;
    }
    if (d->k == 0) return cmeta_error_set(err, CMETA_EDATA, "no studies to pool (k = 0)");
    /* the per-study yi/vi of MH/Peto's heterogeneity statistics use the continuity
     * correction (add, to, drop00) the data were computed with */
    cmeta_studies s;
    cmeta_studies_from_data(d, &d->escalc, &s);
    if (cmeta_measure_family(d->measure) != CMETA_FAMILY_BIN2) s.ai = s.bi = s.ci = s.di = NULL;
    return fit_dispatch(&s, NULL, d->k, opts, out, w, err);
}
