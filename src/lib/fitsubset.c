/* fitsubset.c - one model fit on a subset of the studies, shared by subgroups,
 * leave-one-out and cumulative meta-analysis (cmeta/derive.h). */
#include <math.h>
#include <string.h>

#include "internal.h"

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

static int is_2x2_method(cmeta_method m)
{
    return m == CMETA_METHOD_MH || m == CMETA_METHOD_PETO;
}

cmeta_status cmeta_fit_subset(const cmeta_studies *s, const size_t *idx, size_t n,
                              const cmeta_fit_opts *opts, cmeta_fit **out, cmeta_warnings *w,
                              cmeta_error *err)
{
    *out = NULL;
    if (!s || !idx || !opts || n == 0)
        return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_fit_subset: no studies to fit");
    int twobytwo = is_2x2_method(opts->method);
    if (twobytwo && (!s->ai || !s->bi || !s->ci || !s->di))
        return cmeta_error_set(err, CMETA_EUSAGE, "method %s needs 2x2 tables (ai bi ci di)",
                               cmeta_method_name(opts->method));
    size_t nv = twobytwo ? 4 : 2;
    double *buf = cmeta_calloc(nv * n, sizeof(double));
    if (!buf) return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    for (size_t j = 0; j < n; j++) {
        size_t i = idx[j];
        if (i >= s->k) {
            cmeta_free(buf);
            return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_fit_subset: study index %zu >= k", i);
        }
        if (twobytwo) {
            buf[j] = s->ai[i];
            buf[n + j] = s->bi[i];
            buf[2 * n + j] = s->ci[i];
            buf[3 * n + j] = s->di[i];
        } else {
            buf[j] = s->yi[i];
            buf[n + j] = s->vi[i];
        }
    }
    cmeta_fit_opts o = *opts;
    /* metafor: with k = 1 tau^2 cannot be estimated and is set to 0. */
    if (n == 1 && !twobytwo && o.method != CMETA_METHOD_FE && !o.tau2_fixed) {
        o.tau2_fixed = 1;
        o.tau2 = 0;
    }
    if (n == 1) o.no_ci_tau2 = 1;
    cmeta_escalc_opts eo;
    if (s->escalc) eo = *s->escalc;
    else cmeta_escalc_opts_default(&eo);
    cmeta_status st;
    if (opts->method == CMETA_METHOD_MH)
        st = cmeta_rma_mh(s->measure, buf, buf + n, buf + 2 * n, buf + 3 * n, n, &eo, &o, out, w, err);
    else if (opts->method == CMETA_METHOD_PETO)
        st = cmeta_rma_peto(buf, buf + n, buf + 2 * n, buf + 3 * n, n, &eo, &o, out, w, err);
    else
        st = cmeta_rma(buf, buf + n, n, NULL, 0, &o, out, w, err);
    cmeta_free(buf);
    if (st != CMETA_OK) return st;
    if (n == 1) {
        /* as metafor prints a k = 1 model: no heterogeneity */
        cmeta_fit *f = *out;
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
    return CMETA_OK;
}
