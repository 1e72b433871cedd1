/* cumul.c - cumulative meta-analysis, as metafor 3.8 cumul.rma.uni (and cumul.rma.mh /
 * .rma.peto): fit j (j = 1..k) uses the first j studies of the given order, with the same
 * method and options. The orderings are stable (ties keep file order), like R's order(). */
#include <math.h>
#include <string.h>

#include "internal.h"

cmeta_status cmeta_cumul(const cmeta_studies *s, const size_t *order, const cmeta_fit_opts *opts,
                         cmeta_summary *rows, cmeta_warnings *w, cmeta_error *err)
{
    if (!s || !opts || !rows) return cmeta_error_set(err, CMETA_EUSAGE, "cumul: missing argument");
    if (s->k < 1) return cmeta_error_set(err, CMETA_EDATA, "cumulative meta-analysis needs at least 1 study");
    size_t k = s->k;
    size_t *idx = CMETA_ARRAY_NEW(size_t, k);
    unsigned char *seen = CMETA_ARRAY_NEW(unsigned char, k);
    if (!idx || !seen) {
        cmeta_free(idx);
        cmeta_free(seen);
        return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    cmeta_status st = CMETA_OK;
    for (size_t j = 0; j < k; j++) {
        idx[j] = order ? order[j] : j;
        if (idx[j] >= k || seen[idx[j]]) {
            st = cmeta_error_set(err, CMETA_EUSAGE, "cumul: order is not a permutation of the studies");
            break;
        }
        seen[idx[j]] = 1;
    }
    for (size_t j = 0; st == CMETA_OK && j < k; j++) {
        cmeta_fit *f = NULL;
        st = cmeta_fit_subset(s, idx, j + 1, opts, &f, NULL, err);
        if (st == CMETA_ENOCONV) {
            cmeta_summary *r = &rows[j];
            r->k = j + 1;
            r->estimate = r->se = r->stat = r->pval = r->ci_lb = r->ci_ub = NAN;
            r->Q = r->Q_df = r->Q_pval = r->tau2 = r->I2 = r->H2 = r->pi_lb = r->pi_ub = NAN;
            if (cmeta_warn(w, "cumulative: fit of the first %zu studies did not converge", j + 1) != CMETA_OK)
                st = cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
            else
                st = CMETA_OK;
            continue;
        }
        if (st != CMETA_OK) break;
        cmeta_summary_from_fit(f, &rows[j]);
        cmeta_fit_free(f);
    }
    cmeta_free(idx);
    cmeta_free(seen);
    return st;
}

/* ---- stable orderings (merge sort of indices) ------------------------------------------ */

typedef int (*cmp_fn)(const void *ctx, size_t a, size_t b);

static void merge_sort(size_t *a, size_t *tmp, size_t n, cmp_fn cmp, const void *ctx)
{
    if (n < 2) return;
    size_t h = n / 2;
    merge_sort(a, tmp, h, cmp, ctx);
    merge_sort(a + h, tmp, n - h, cmp, ctx);
    size_t i = 0, j = h, t = 0;
    while (i < h && j < n) {
        /* take from the right only when strictly smaller: ties keep index order */
        if (cmp(ctx, a[j], a[i]) < 0) tmp[t++] = a[j++];
        else tmp[t++] = a[i++];
    }
    while (i < h) tmp[t++] = a[i++];
    while (j < n) tmp[t++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

static int cmp_num(const void *ctx, size_t a, size_t b)
{
    const double *x = ctx;
    int na = isnan(x[a]), nb = isnan(x[b]);
    if (na || nb) return na - nb;
    return (x[a] > x[b]) - (x[a] < x[b]);
}

static int cmp_text(const void *ctx, size_t a, size_t b)
{
    const char *const *x = ctx;
    if (!x[a] || !x[b]) return (x[a] == NULL) - (x[b] == NULL);
    int c = strcmp(x[a], x[b]);
    return (c > 0) - (c < 0);
}

static cmeta_status order_with(size_t k, size_t *perm, cmp_fn cmp, const void *ctx)
{
    for (size_t i = 0; i < k; i++) perm[i] = i;
    if (k < 2) return CMETA_OK;
    size_t *tmp = CMETA_ARRAY_NEW(size_t, k);
    if (!tmp) return CMETA_ENOMEM;
    merge_sort(perm, tmp, k, cmp, ctx);
    cmeta_free(tmp);
    return CMETA_OK;
}

cmeta_status cmeta_order_numeric(const double *key, size_t k, size_t *perm)
{
    if ((!key || !perm) && k) return CMETA_EUSAGE;
    return order_with(k, perm, cmp_num, key);
}

cmeta_status cmeta_order_text(const char *const *key, size_t k, size_t *perm)
{
    if ((!key || !perm) && k) return CMETA_EUSAGE;
    return order_with(k, perm, cmp_text, key);
}
