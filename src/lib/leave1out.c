/* leave1out.c - leave-one-out meta-analysis, as metafor 3.8 leave1out.rma.uni (and
 * leave1out.rma.mh / .rma.peto): for i = 1..k the model is refitted on the k - 1 studies
 * other than i, with the same method and options. */
#include <math.h>

#include "internal.h"

static void summary_nan(cmeta_summary *r, size_t k)
{
    r->k = k;
    r->estimate = r->se = r->stat = r->pval = r->ci_lb = r->ci_ub = NAN;
    r->Q = r->Q_df = r->Q_pval = r->tau2 = r->I2 = r->H2 = r->pi_lb = r->pi_ub = NAN;
}

cmeta_status cmeta_leave1out(const cmeta_studies *s, const cmeta_fit_opts *opts,
                             cmeta_summary *rows, cmeta_warnings *w, cmeta_error *err)
{
    if (!s || !opts || !rows) return cmeta_error_set(err, CMETA_EUSAGE, "leave1out: missing argument");
    if (s->k < 2) return cmeta_error_set(err, CMETA_EDATA, "leave-one-out needs at least 2 studies (k = %zu)", s->k);
    size_t k = s->k;
    size_t *idx = CMETA_ARRAY_NEW(size_t, k);
    if (!idx) return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    cmeta_status st = CMETA_OK;
    for (size_t i = 0; i < k; i++) {
        size_t n = 0;
        for (size_t j = 0; j < k; j++)
            if (j != i) idx[n++] = j;
        cmeta_fit *f = NULL;
        st = cmeta_fit_subset(s, idx, n, opts, &f, NULL, err);
        if (st == CMETA_ENOCONV) {
            /* metafor leaves the row NA when a refit fails */
            summary_nan(&rows[i], n);
            if (cmeta_warn(w, "leave-one-out: fit without study %zu did not converge", i + 1) != CMETA_OK) {
                st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
                break;
            }
            st = CMETA_OK;
            continue;
        }
        if (st != CMETA_OK) break;
        cmeta_summary_from_fit(f, &rows[i]);
        cmeta_fit_free(f);
    }
    cmeta_free(idx);
    return st;
}
