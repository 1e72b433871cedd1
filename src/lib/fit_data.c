/* fit_data.c - fit the model that the data and the options call for. */
#include "rma_internal.h"

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
    if (opts->method == CMETA_METHOD_MH || opts->method == CMETA_METHOD_PETO) {
        const char *mn = cmeta_method_name(opts->method);
        if (cmeta_measure_family(d->measure) != CMETA_FAMILY_BIN2 || !d->ai || !d->bi ||
            !d->ci || !d->di)
            return cmeta_error_set(err, CMETA_EUSAGE,
                                   "method %s needs 2x2 tables (columns ai, bi, ci, di and "
                                   "measure OR, RR, RD or PETO); measure %s has none",
                                   mn, cmeta_measure_name(d->measure));
        /* the heterogeneity yi/vi use escalc's default continuity correction (add 1/2 to
         * tables with a zero cell); call cmeta_rma_mh/cmeta_rma_peto for other choices */
        cmeta_escalc_opts eo;
        cmeta_escalc_opts_default(&eo);
        if (opts->method == CMETA_METHOD_PETO) {
            if (d->measure != CMETA_PETO && d->measure != CMETA_OR)
                return cmeta_error_set(err, CMETA_EUSAGE,
                                       "method PETO pools odds ratios: use measure PETO or OR "
                                       "(got %s)", cmeta_measure_name(d->measure));
            return cmeta_rma_peto(d->ai, d->bi, d->ci, d->di, d->k, &eo, opts, out, w, err);
        }
        if (d->measure != CMETA_OR && d->measure != CMETA_RR && d->measure != CMETA_RD)
            return cmeta_error_set(err, CMETA_EUSAGE,
                                   "method MH pools OR, RR or RD (got measure %s)",
                                   cmeta_measure_name(d->measure));
        return cmeta_rma_mh(d->measure, d->ai, d->bi, d->ci, d->di, d->k, &eo, opts, out, w,
                            err);
    }
    return cmeta_rma(d->yi, d->vi, d->k, NULL, 0, opts, out, w, err);
}
