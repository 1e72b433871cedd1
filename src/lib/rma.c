/* rma.c - fixed- and random-/mixed-effects models by weighted least squares, as metafor 3.8
 * rma.uni (Viechtbauer 2010, J Stat Softw 36(3)).
 *
 *   w_i  = 1 / (v_i + tau^2)                       (tau^2 = 0 for FE)
 *   b    = (X'WX)^-1 X'W y,   Var(b) = (X'WX)^-1
 *   Knapp & Hartung (2003): Var(b) * s^2, s^2 = sum w_i (y_i - x_i'b)^2 / (k - p),
 *        t tests with k - p df (metafor: s^2 not truncated at 1; s^2 = 0 when the
 *        residual sum of squares is <= machine epsilon)
 *   QM   = b_m' Var(b_m)^-1 b_m over the non-intercept coefficients (all when there is no
 *          intercept, the intercept when it is the only one); chi^2_m, or F(m, k - p) as QM/m
 *          under t/knha
 *   QE   = y'P y with FE weights 1/v_i; chi^2_{k-p}
 *   I^2  = 100 tau^2/(vt + tau^2), H^2 = tau^2/vt + 1, vt = (k - p)/tr(P_FE) (metafor's
 *          "typical" within-study variance; Higgins & Thompson 2002 for p = 1); FE models:
 *          I^2 = max(0, (QE - df)/QE), H^2 = QE/df
 *   prediction interval (intercept-only): b +- crit sqrt(se^2 + tau^2), crit z or t_{k-p}
 *   pseudo-R^2 = max(0, (tau^2_0 - tau^2)/tau^2_0) * 100, tau^2_0 from the model without
 *          moderators (same method); FE models: max(0, adjusted R^2 of the weighted
 *          regression) * 100 (as metafor).
 *   ll   = ML: -k/2 log 2pi - 1/2 sum log(v_i + tau^2) - 1/2 RSS
 *          REML: -(k-p)/2 log 2pi + 1/2 log|X'X| - 1/2 sum log(v_i + tau^2)
 *                - 1/2 log|X'WX| - 1/2 RSS
 *   deviance: REML -2 ll; ML -2 (ll - sum log N(y_i; y_i, v_i)).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "rma_internal.h"

/* ---- fits ---------------------------------------------------------------------------------- */

cmeta_fit *cmeta__fit_new(size_t k, size_t p)
{
    cmeta_fit *f = cmeta_calloc(1, sizeof *f);
    if (!f) return NULL;
    f->k = k;
    f->p = p;
    f->beta = cmeta__dnew(p);
    f->se = cmeta__dnew(p);
    f->stat = cmeta__dnew(p);
    f->pval = cmeta__dnew(p);
    f->ci_lb = cmeta__dnew(p);
    f->ci_ub = cmeta__dnew(p);
    f->vb = cmeta__dnew(p * p);
    f->weight = cmeta__dnew(k);
    f->wi = cmeta__dnew(k);
    if (!f->beta || !f->se || !f->stat || !f->pval || !f->ci_lb || !f->ci_ub || !f->vb ||
        !f->weight || !f->wi) {
        cmeta_fit_free(f);
        return NULL;
    }
    f->df = f->QM = f->QM_df = f->QM_pval = NAN;
    f->Q = f->Q_df = f->Q_pval = NAN;
    f->tau2 = f->se_tau2 = f->tau = f->tau2_ci_lb = f->tau2_ci_ub = NAN;
    f->I2 = f->I2_ci_lb = f->I2_ci_ub = f->H2 = f->H2_ci_lb = f->H2_ci_ub = NAN;
    f->I2_Q = f->vt = f->R2 = f->pi_lb = f->pi_ub = NAN;
    f->ll = f->deviance = NAN;
    return f;
}

void cmeta_fit_free(cmeta_fit *f)
{
    if (!f) return;
    cmeta_free(f->beta);
    cmeta_free(f->se);
    cmeta_free(f->stat);
    cmeta_free(f->pval);
    cmeta_free(f->ci_lb);
    cmeta_free(f->ci_ub);
    cmeta_free(f->vb);
    cmeta_free(f->weight);
    cmeta_free(f->wi);
    cmeta_free(f);
}

static cmeta_status check_inputs(const double *yi, const double *vi, size_t k, const double *X,
                                 size_t q, const cmeta_fit_opts *o, cmeta_error *err)
{
    if (!yi || !vi || (q > 0 && !X) || !o)
        return cmeta_error_set(err, CMETA_EUSAGE, "rma: missing argument");
    if (k < 1) return cmeta_error_set(err, CMETA_EDATA, "no studies to pool (k = 0)");
    if (o->method == CMETA_METHOD_MH || o->method == CMETA_METHOD_PETO)
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "method %s needs 2x2 tables (use cmeta_rma_mh/cmeta_rma_peto)",
                               cmeta_method_name(o->method));
    if ((int)o->method < 0 || o->method > CMETA_METHOD_PETO)
        return cmeta_error_set(err, CMETA_EUSAGE, "unknown method");
    if (o->test != CMETA_TEST_Z && o->test != CMETA_TEST_T && o->test != CMETA_TEST_KNHA &&
        o->test != CMETA_TEST_ADHOC)
        return cmeta_error_set(err, CMETA_EUSAGE, "unknown test");
    if (o->hakn_ci != CMETA_HAKN_CI_NONE && (o->test != CMETA_TEST_KNHA || q > 0 || !o->intercept))
        return cmeta_error_set(err, CMETA_EUSAGE, "--hakn-ci needs --test knha and no moderators");
    if (!(o->level > 0 && o->level < 100))
        return cmeta_error_set(err, CMETA_EUSAGE, "level must be between 0 and 100 (got %g)",
                               o->level);
    if (!(o->tol > 0) || o->maxiter < 1)
        return cmeta_error_set(err, CMETA_EUSAGE, "tol must be > 0 and maxiter >= 1");
    if (o->tau2_fixed && !(o->tau2 >= 0 && isfinite(o->tau2)))
        return cmeta_error_set(err, CMETA_EUSAGE, "fixed tau2 must be >= 0 (got %g)", o->tau2);
    for (size_t i = 0; i < k; i++) {
        if (!isfinite(yi[i])) {
            if (err) err->index = (long)i;
            return cmeta_error_set(err, CMETA_EDATA, "yi must be finite (got %g)", yi[i]);
        }
        if (!(vi[i] > 0) || !isfinite(vi[i])) {
            if (err) err->index = (long)i;
            return cmeta_error_set(err, CMETA_EDATA, "vi must be > 0 (got %g)", vi[i]);
        }
        for (size_t j = 0; j < q; j++)
            if (!isfinite(X[i * q + j])) {
                if (err) err->index = (long)i;
                return cmeta_error_set(err, CMETA_EDATA,
                                       "moderator column %zu must be finite (got %g)", j + 1,
                                       X[i * q + j]);
            }
    }
    return CMETA_OK;
}

/* The omnibus test QM = b_m' Var(b_m)^-1 b_m over the coefficients tested (all but the
 * intercept, or the intercept when it is alone): chi^2_m, or F(m, df) as QM/m under t/knha.
 * CMETA_ENOMEM when out of memory (the caller reports it). */
static cmeta_status qm_test(cmeta_fit *f, int intercept, int tdist)
{
    size_t p = f->p;
    size_t b0 = (intercept && p > 1) ? 1 : 0, m = p - b0;
    double *A = cmeta__dnew(2 * m * m);
    if (!A) return CMETA_ENOMEM;
    for (size_t a = 0; a < m; a++)
        for (size_t b = 0; b < m; b++) A[a * m + b] = f->vb[(a + b0) * p + b + b0];
    double QM = NAN;
    if (cmeta__spd_inverse(A, m, 0.0, NULL, A + m * m) == 0) {
        QM = 0;
        for (size_t a = 0; a < m; a++)
            for (size_t b = 0; b < m; b++) QM += f->beta[a + b0] * A[a * m + b] * f->beta[b + b0];
    }
    cmeta_free(A);
    f->QM_df = (double)m;
    if (tdist) {
        f->QM = QM / (double)m;
        f->QM_pval = (f->df > 0 && !isnan(QM)) ? cmeta__pf_upper(f->QM, (double)m, f->df)
                                               : NAN;
    } else {
        f->QM = QM;
        f->QM_pval = isnan(QM) ? NAN : cmeta__pchisq_upper(QM, (double)m);
    }
    return CMETA_OK;
}

/* Log-likelihood and deviance at the fit's tau^2 (cmeta__loglik; formulas at the head of
 * this file): ldw = log det X'WX of the final weights, rss the weighted residual sum of squares.
 * CMETA_ENOMEM when out of memory. */
static cmeta_status fit_loglik(cmeta_fit *f, const double *vi, const double *Xf, int reml,
                               double ldw, double rss)
{
    size_t k = f->k, p = f->p;
    double tau2 = f->tau2;
    double slv = 0, sl0 = 0;
    for (size_t i = 0; i < k; i++) {
        slv += log(vi[i] + tau2);
        sl0 += -0.5 * log(2 * M_PI * vi[i]);
    }
    if (reml) {
        /* + 1/2 log|X'X| (metafor's REMLf = TRUE) */
        /* log det X'X with cmeta__lin_solve's arithmetic at unit weights (the same bits),
         * without a k-sized workspace (memory per study at large k) */
        double ldx = 0;
        double *M = cmeta__dnew(p * p);
        if (!M) return CMETA_ENOMEM;
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b <= a; b++) {
                double sab = 0;
                for (size_t i = 0; i < k; i++) sab += Xf[i * p + a] * Xf[i * p + b];
                M[a * p + b] = M[b * p + a] = sab;
            }
        if (p == 1) {
            double l = sqrt(M[0]);
            if (M[0] > 0 && isfinite(l)) ldx = 2.0 * log(l);
        } else if (cmeta__chol(M, p) == 0) {
            ldx = cmeta__chol_logdet(M, p);
        }
        cmeta_free(M);
        f->ll = cmeta__loglik(1, (double)k - (double)p, slv, rss, ldw, ldx);
        f->deviance = -2.0 * f->ll;
    } else {
        f->ll = cmeta__loglik(0, (double)k, slv, rss, 0.0, 0.0);
        f->deviance = k > p ? -2.0 * (f->ll - sl0) : 0.0;
    }
    return CMETA_OK;
}

/* Heterogeneity with FE weights: QE on k - p df, vt (metafor's typical within-study variance),
 * I^2 and H^2 (from QE for FE, from tau^2 otherwise) and the Q-profile interval of tau^2 with
 * the I^2 and H^2 intervals from it; k = 1 and k = p: nothing to estimate (metafor's output). */
static cmeta_status fit_heterogeneity(cmeta_fit *f, const double *yi, const double *yc,
                                      const double *vi, const cmeta_fit_opts *o, cmeta__lin *L,
                                      cmeta_error *err)
{
    size_t k = f->k, p = f->p;
    double tau2 = f->tau2;
    if (k == 1) {
        /* k = 1: nothing to say about heterogeneity (metafor prints QE = 0, I2 = 0) */
        f->Q_df = 0;
        return CMETA_OK;
    }
    if (k > p) {
        double QE;
        if (cmeta__lin_at(L, vi, 0.0, yc, &QE) != 0)
            return cmeta_error_set(err, CMETA_ENUMERIC, "X'WX is singular");
        double trP = cmeta__lin_trPD(L, NULL);
        double df = (double)(k - p);
        f->Q = QE > 0 ? QE : 0.0;
        f->Q_df = df;
        f->Q_pval = cmeta__pchisq_upper(f->Q, df);
        f->vt = df / trP;
        f->I2_Q = f->Q > 0 ? fmax(0.0, 100.0 * (f->Q - df) / f->Q) : 0.0;
        if (o->method == CMETA_METHOD_FE) {
            f->I2 = f->I2_Q;
            f->H2 = f->Q / df;
        } else {
            f->I2 = 100.0 * tau2 / (f->vt + tau2);
            f->H2 = tau2 / f->vt + 1.0;
            if (!o->no_ci_tau2) {
                cmeta__tau2_qprofile(L, yi, vi, tau2, o->level, &f->tau2_ci_lb,
                                     &f->tau2_ci_ub);
                f->I2_ci_lb = 100.0 * f->tau2_ci_lb / (f->vt + f->tau2_ci_lb);
                f->I2_ci_ub = 100.0 * f->tau2_ci_ub / (f->vt + f->tau2_ci_ub);
                f->H2_ci_lb = f->tau2_ci_lb / f->vt + 1.0;
                f->H2_ci_ub = f->tau2_ci_ub / f->vt + 1.0;
            }
        }
    } else {
        f->Q = 0;
        f->Q_df = 0;
        f->Q_pval = 1;
        f->I2 = 0;
        f->H2 = 1;
        f->vt = 0;
        f->I2_Q = 0;
    }
    return CMETA_OK;
}

/* Everything after tau^2 is known: coefficients, tests, heterogeneity, weights. */
static cmeta_status finish_fit(cmeta_fit *f, const double *yi, const double *yc,
                               const double *vi, const double *Xf, int intercept,
                               const cmeta_fit_opts *o, cmeta__lin *L, cmeta_warnings *w,
                               cmeta_error *err)
{
    size_t k = f->k, p = f->p;
    double tau2 = f->tau2;
    double rss;
    if (cmeta__lin_at(L, vi, tau2, yi, &rss) != 0)
        return cmeta_error_set(err, CMETA_ENUMERIC, "X'WX is singular");
    double s2w = 1.0;
    if (o->test == CMETA_TEST_KNHA || o->test == CMETA_TEST_ADHOC) {
        if (k > p) s2w = rss <= DBL_EPSILON ? 0.0 : rss / (double)(k - p);
        else s2w = NAN;
        if (o->test == CMETA_TEST_ADHOC && s2w < 1) s2w = 1; /* metafor 4 test = "adhoc" */
        if (o->method == CMETA_METHOD_FE && w)
            if (cmeta_warn(w, "the Knapp-Hartung adjustment is not meant for fixed-effect "
                              "models") != CMETA_OK)
                return cmeta__nomem(err);
    }
    double sumw = 0;
    for (size_t i = 0; i < k; i++) {
        f->wi[i] = L->w[i];
        sumw += L->w[i];
    }
    for (size_t i = 0; i < k; i++) f->weight[i] = 100.0 * f->wi[i] / sumw;
    for (size_t a = 0; a < p; a++) {
        f->beta[a] = L->beta[a];
        for (size_t b = 0; b < p; b++) f->vb[a * p + b] = s2w * L->inv[a * p + b];
    }
    int tdist = o->test != CMETA_TEST_Z;
    f->df = tdist ? (double)k - (double)p : NAN;
    double crit = cmeta__qcrit(o->level, f->df);
    for (size_t a = 0; a < p; a++) {
        f->se[a] = sqrt(f->vb[a * p + a]);
        f->stat[a] = f->beta[a] / f->se[a];
        f->pval[a] = tdist ? cmeta__pt2(f->stat[a], f->df) : cmeta__pnorm2(f->stat[a]);
        f->ci_lb[a] = f->beta[a] - crit * f->se[a];
        f->ci_ub[a] = f->beta[a] + crit * f->se[a];
    }
    /* QM over btt */
    if (qm_test(f, intercept, tdist) != CMETA_OK) return cmeta__nomem(err);
    /* log-likelihood / deviance */
    if (fit_loglik(f, vi, Xf, o->method == CMETA_METHOD_REML, L->logdet, rss) != CMETA_OK)
        return cmeta__nomem(err);
    /* prediction interval (intercept-only) */
    if (intercept && p == 1) {
        double sp = sqrt(f->se[0] * f->se[0] + tau2);
        f->pi_lb = f->beta[0] - crit * sp;
        f->pi_ub = f->beta[0] + crit * sp;
    }
    f->hakn_ci = o->hakn_ci;
    if (o->hakn_ci != CMETA_HAKN_CI_NONE && intercept && p == 1) cmeta__hakn_ci(f, o, yi, vi);
    /* heterogeneity with FE weights */
    return fit_heterogeneity(f, yi, yc, vi, o, L, err);
}

/* Adjusted R^2 of the weighted regression of y on X (weights 1/v_i), as summary.lm gives for
 * lm(yi ~ X, weights = wi): 1 - (1 - R^2)(k - 1)/(k - p). */
static double fe_adj_r2(const double *yi, const double *vi, size_t k, size_t p, cmeta__lin *L)
{
    double rss;
    if (cmeta__lin_at(L, vi, 0.0, yi, &rss) != 0) return NAN;
    double sw = 0, swy = 0;
    for (size_t i = 0; i < k; i++) {
        sw += 1.0 / vi[i];
        swy += yi[i] / vi[i];
    }
    double m = swy / sw, tss = 0;
    for (size_t i = 0; i < k; i++) tss += (yi[i] - m) * (yi[i] - m) / vi[i];
    if (!(tss > 0) || k <= p) return NAN;
    double r2 = 1.0 - rss / tss;
    return 1.0 - (1.0 - r2) * ((double)k - 1.0) / ((double)k - (double)p);
}

/* Pseudo-R^2 of a meta-regression with an intercept: max(0, (tau^2_0 - tau^2)/tau^2_0) * 100,
 * tau^2_0 of the model without moderators (same method); FE: max(0, adjusted R^2 of the
 * weighted regression) * 100 (as metafor). Left NAN when tau^2_0 cannot be estimated. */
static cmeta_status pseudo_r2(cmeta_fit *f, const double *yi, const double *yc, const double *vi,
                              const cmeta_fit_opts *opts, cmeta__lin *L, cmeta_error *err)
{
    size_t k = f->k, p = f->p;
    if (opts->method == CMETA_METHOD_FE) {
        double r2 = fe_adj_r2(yi, vi, k, p, L);
        f->R2 = isnan(r2) ? (k > p ? 0.0 : NAN) : fmax(0.0, 100.0 * r2);
    } else {
        cmeta__tau2_result t0;
        double *ones = cmeta__dnew(k);
        if (!ones) return cmeta__nomem(err);
        for (size_t i = 0; i < k; i++) ones[i] = 1.0;
        cmeta_status s0 = cmeta__tau2(opts->method, yc, vi, k, ones, 1, opts->tol,
                                      opts->maxiter, &t0, NULL, NULL);
        cmeta_free(ones);
        if (s0 == CMETA_ENOMEM) return cmeta__nomem(err);
        if (s0 == CMETA_OK) {
            if (t0.tau2 == 0) f->R2 = 0.0;
            else f->R2 = fmax(0.0, 100.0 * (t0.tau2 - f->tau2) / t0.tau2);
        }
    }
    return CMETA_OK;
}

cmeta_status cmeta_rma(const double *yi, const double *vi, size_t k, const double *X, size_t q,
                       const cmeta_fit_opts *opts, cmeta_fit **out, cmeta_warnings *w,
                       cmeta_error *err)
{
    cmeta_fit_opts dflt;
    if (!opts) {
        cmeta_fit_opts_default(&dflt);
        opts = &dflt;
    }
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "rma: out is NULL");
    *out = NULL;
    if (!X) q = 0;
    cmeta_status st = check_inputs(yi, vi, k, X, q, opts, err);
    if (st != CMETA_OK) return st;
    int intercept = opts->intercept ? 1 : 0;
    size_t p = q + (size_t)intercept;
    if (p == 0) return cmeta_error_set(err, CMETA_EUSAGE, "model has no coefficients");
    if (p > k)
        return cmeta_error_set(err, CMETA_EDATA,
                               "model has more coefficients (%zu) than studies (%zu)", p, k);

    double *Xf = cmeta__dnew(k * p);
    double *yc = cmeta__dnew(k);
    cmeta_fit *f = NULL;
    cmeta__lin L;
    int have_L = 0;
    if (!Xf || !yc) { st = cmeta__nomem(err); goto fail; }
    for (size_t i = 0; i < k; i++) {
        if (intercept) Xf[i * p] = 1.0;
        for (size_t j = 0; j < q; j++) Xf[i * p + intercept + j] = X[i * q + j];
    }
    {
        long col;
        if ((st = cmeta__rank_check(Xf, k, p, &col, err)) != CMETA_OK) goto fail;
        if (col >= 0) {
            long xc = col - intercept; /* column of the caller's X */
            if (err) err->index = xc;
            if (xc < 0)
                st = cmeta_error_set(err, CMETA_EDATA, "design matrix is rank deficient "
                                                       "(the intercept column)");
            else
                st = cmeta_error_set(err, CMETA_EDATA,
                                     "design matrix is not of full rank: column %ld is "
                                     "constant or a linear combination of the others",
                                     xc + 1);
            goto fail;
        }
    }
    /* metafor centres y before estimating tau^2 (Ymc) */
    {
        double m = 0;
        for (size_t i = 0; i < k; i++) m += yi[i];
        m /= (double)k;
        for (size_t i = 0; i < k; i++) yc[i] = yi[i] - m;
    }
    if (k == 1 && opts->test != CMETA_TEST_Z) {
        /* as metafor: "Setting argument test="z" since k=1" */
        dflt = *opts;
        dflt.test = CMETA_TEST_Z;
        opts = &dflt;
        if (w && cmeta_warn(w, "only one study: z test used") != CMETA_OK) {
            st = cmeta__nomem(err);
            goto fail;
        }
    }
    f = cmeta__fit_new(k, p);
    if (!f) { st = cmeta__nomem(err); goto fail; }
    f->method = opts->method;
    f->test = opts->test;
    f->level = opts->level;

    if (opts->method == CMETA_METHOD_FE) {
        f->tau2 = 0.0;
    } else if (opts->tau2_fixed) {
        f->tau2 = opts->tau2;
    } else if (k == 1) {
        f->tau2 = 0.0;
        if (w && cmeta_warn(w, "only one study: tau^2 set to 0, no heterogeneity statistics") !=
                     CMETA_OK) { st = cmeta__nomem(err); goto fail; }
    } else {
        cmeta__tau2_result tr;
        st = cmeta__tau2(opts->method, yc, vi, k, Xf, p, opts->tol, opts->maxiter, &tr, w, err);
        if (st != CMETA_OK) goto fail;
        f->tau2 = tr.tau2;
        f->se_tau2 = tr.se_tau2;
        f->iterations = tr.iter;
        f->tau2_truncated = tr.truncated;
        /* say when the likelihood has a higher maximum elsewhere (llcheck.c) */
        if ((opts->method == CMETA_METHOD_ML || opts->method == CMETA_METHOD_REML) &&
            (st = cmeta__ll_check_global(opts->method == CMETA_METHOD_REML, yc, vi, k, Xf, p,
                                         f->tau2, w)) != CMETA_OK) {
            st = cmeta__nomem(err);
            goto fail;
        }
    }
    f->tau = sqrt(f->tau2);
    if (opts->method == CMETA_METHOD_FE) f->tau2_ci_lb = f->tau2_ci_ub = NAN;
    /* L made after the tau^2 estimation (which frees its own): one k-sized workspace at a time */
    if (cmeta__lin_init(&L, Xf, k, p) != CMETA_OK) { st = cmeta__nomem(err); goto fail; }
    have_L = 1;
    st = finish_fit(f, yi, yc, vi, Xf, intercept, opts, &L, w, err);
    if (st != CMETA_OK) goto fail;

    /* pseudo-R^2 for meta-regression with an intercept */
    if (intercept && p > 1 && (st = pseudo_r2(f, yi, yc, vi, opts, &L, err)) != CMETA_OK) goto fail;
    cmeta__lin_free(&L);
    cmeta_free(Xf);
    cmeta_free(yc);
    *out = f;
    return CMETA_OK;
fail:
    if (have_L) cmeta__lin_free(&L);
    cmeta_free(Xf);
    cmeta_free(yc);
    cmeta_fit_free(f);
    return st;
}
