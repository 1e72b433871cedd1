/* tau2.c - estimators of the between-study variance tau^2, with moderators (design X, k x p),
 * as metafor 3.8 rma.uni defines them. y is centred (y - mean(y)) as metafor does; with an
 * intercept in X this changes nothing. P(w) = W - W X (X'WX)^-1 X'W, RSS(w) = y'P(w)y.
 *
 *  HS   Hunter & Schmidt (2004):        w = 1/v,  tau^2 = (RSS - k)/sum w
 *  HE   Hedges (1983):                  P = I - X(X'X)^-1X',  tau^2 = (RSS - tr(PV))/(k - p)
 *  DL   DerSimonian & Laird (1986):     w = 1/v,  tau^2 = (RSS - (k - p))/tr(P)
 *  SJ   Sidik & Jonkman (2005):         t0 = mean((y - ybar)^2) (i.e. var(y)(k-1)/k),
 *                                       w = 1/(v + t0),  tau^2 = t0 RSS/(k - p)
 *  ML   maximum likelihood:   Fisher scoring  tau^2 += (y'PPy - sum w)/sum w^2
 *  REML restricted ML:        Fisher scoring  tau^2 += (y'PPy - tr P)/tr(PP)
 *       (Viechtbauer 2005), started at max(0, HE), step halved while tau^2 would go below 0,
 *       stopped when the step is <= tol; then metafor's check that the log-likelihood at
 *       tau^2 = 0 is not higher (else tau^2 = 0 with a warning).
 *  EB   empirical Bayes (Morris 1983; Berkey et al. 1995) and
 *  PM   Paule & Mandel (1982): both solve the same estimating equation
 *       RSS(1/(v + tau^2)) = k - p  (metafor: EB by a Fisher-scoring-type iteration, PM by
 *       uniroot); here both by Brent's method, tau^2 = 0 when RSS(1/v) < k - p.
 * Negative estimates are truncated at 0 (tau2_truncated, warning).
 *
 * Standard errors as metafor 3.8 (tau^2 below is the truncated estimate):
 *  HS  sqrt((2(k-p) + 4 tau^2 tr P + 2 tau^4 sum P.P) / (sum w)^2)
 *  HE  sqrt((2 sum P_ij^2 v_i v_j + 4 tau^2 tr(PV) + 2 tau^4 (k-p)) / (k-p)^2)
 *  DL  sqrt((2(k-p) + 4 tau^2 tr P + 2 tau^4 sum P.P) / (tr P)^2)
 *  SJ  t0/(k-p) sqrt(2 sum P_ij^2 v_i v_j + 4 tau^2 sum P_ij^2 v_j + 2 tau^4 sum P.P)
 *  ML  sqrt(2/sum w^2),  REML sqrt(2/sum P.P)  (w, P at the estimate)
 *  EB, PM  sqrt(2 k^2/(k-p) / (sum w)^2)
 */
#include <math.h>
#include <string.h>

#include "rma_internal.h"

typedef struct {
    cmeta__lin *L;
    const double *y, *vi;
    double target;
    int reml;
} score_arg;

/* y'PPy = sum (w_i r_i)^2 with r the WLS residuals (after cmeta__lin_rss). */
static double yPPy(const cmeta__lin *L)
{
    double s = 0;
    for (size_t i = 0; i < L->k; i++) s += L->w[i] * L->r[i] * L->w[i] * L->r[i];
    return s;
}

/* Score (times 2) of the (restricted) log-likelihood at tau2; also sets *info (Fisher
 * information times 2). NAN on a singular X'WX. */
static double ml_score(cmeta__lin *L, const double *y, const double *vi, double tau2, int reml,
                       double *info)
{
    if (cmeta__lin_at(L, vi, tau2, y, NULL) != 0) return NAN;
    (void)cmeta__lin_rss(L, y);
    double ypp = yPPy(L);
    if (reml) {
        if (info) *info = cmeta__lin_sumPP(L, NULL, NULL);
        return ypp - cmeta__lin_trPD(L, NULL);
    }
    double sw = 0, sw2 = 0;
    for (size_t i = 0; i < L->k; i++) {
        sw += L->w[i];
        sw2 += L->w[i] * L->w[i];
    }
    if (info) *info = sw2;
    return ypp - sw;
}

static double score_f(double t, void *a)
{
    score_arg *s = a;
    return ml_score(s->L, s->y, s->vi, t, s->reml, NULL);
}

static double qgen_f(double t, void *a)
{
    score_arg *s = a;
    return cmeta__qgen(s->L, s->vi, t, s->y) - s->target;
}

/* (restricted) log-likelihood at tau2 without constants common to both tau2 values */
static double loglik(cmeta__lin *L, const double *y, const double *vi, double tau2, int reml)
{
    double rss;
    if (cmeta__lin_at(L, vi, tau2, y, &rss) != 0) return NAN;
    double s = 0;
    for (size_t i = 0; i < L->k; i++) s += log(vi[i] + tau2);
    return -0.5 * s - 0.5 * rss - (reml ? 0.5 * L->logdet : 0.0);
}

/* An upper end hi with f(hi) < 0 for a decreasing estimating function, by doubling. */
static int bracket_up(double (*f)(double, void *), void *arg, double start, double *hi)
{
    double h = start > 0 ? start : 1.0;
    for (int i = 0; i < 200; i++) {
        double v = f(h, arg);
        if (isnan(v)) return -1;
        if (v < 0) { *hi = h; return 0; }
        h *= 2;
    }
    return -1;
}

static cmeta_status truncated_warning(cmeta_method m, cmeta_warnings *w)
{
    if (!w) return CMETA_OK;
    return cmeta_warn(w, "%s estimate of tau^2 truncated at 0",
                      cmeta_method_name(m));
}

/* ML / REML by Fisher scoring from `start` (metafor: max(0, HE)), converging on the scale of
 * the data, with Brent's method on the score as a safeguard; the boundary snap and metafor's
 * ll0check after it; se from the information. *tau2, res->iter, res->truncated (snapped to 0),
 * res->se_tau2. CMETA_ENUMERIC without a message when X'WX is singular (the caller says so),
 * CMETA_ENOCONV, CMETA_ENOMEM. */
static cmeta_status ml_reml(cmeta__lin *L, const double *y, const double *vi, size_t k,
                            cmeta_method m, double start, double tol, int maxiter, double *tau2_out,
                            cmeta__tau2_result *res, cmeta_warnings *w, cmeta_error *err)
{
    int reml = m == CMETA_METHOD_REML, conv = 0, it = 0;
    double tau2 = start;
    /* convergence on the scale of the data: |step| <= tol x min(1, 100 mean vi), so
     * that vi ~ 1e-12 converges as vi ~ 1 does (metafor's absolute threshold does not);
     * unchanged for mean vi >= 0.01 */
    double vsc = 0;
    for (size_t i = 0; i < k; i++) vsc += vi[i] / (double)k;
    vsc = fmin(1.0, 100.0 * vsc);
    while (it < maxiter) {
        it++;
        double info, sc = ml_score(L, y, vi, tau2, reml, &info);
        if (isnan(sc) || !(info > 0)) break;
        double adj = sc / info;
        if (tau2 == 0 && adj < 0) adj = 0; /* at the boundary: halving would end at 0 */
        while (tau2 + adj < 0) adj /= 2;
        tau2 += adj;
        /* the scale is the larger of the data's and tau^2's: with vi = 1e-300 and
         * tau^2 = 0.01 a step of tol x 1e-298 can never be met (metafor converges) */
        if (fabs(adj) <= tol * fmin(1.0, fmax(vsc, 100.0 * tau2))) { conv = 1; break; }
    }
    if (!conv) {
        /* safeguard: bracket the root of the score and use Brent's method */
        score_arg sa = {L, y, vi, 0, reml};
        double s0 = score_f(0.0, &sa), hi, r;
        int bit = 0;
        if (isnan(s0)) return CMETA_ENUMERIC;
        if (s0 <= 0) tau2 = 0.0, conv = 1;
        else if (bracket_up(score_f, &sa, 1.0, &hi) == 0 &&
                 cmeta__brent(score_f, &sa, 0.0, hi, 1e-14, maxiter, &r, &bit) == 0) {
            tau2 = r;
            conv = 1;
        }
        it += bit;
        if (!conv)
            return cmeta_error_set(err, CMETA_ENOCONV, "%s did not converge after %d "
                                   "iterations", cmeta_method_name(m), it);
    }
    res->iter = it;
    /* at the boundary: Fisher scoring creeps towards 0 by halving; snap to 0 when the
     * score at 0 is not positive */
    if (tau2 <= 100 * tol) {
        double s0 = ml_score(L, y, vi, 0.0, reml, NULL);
        if (s0 <= 0) {
            tau2 = 0.0;
            res->truncated = 1;
        }
    }
    /* metafor's ll0check */
    if (tau2 > tol) {
        double l0 = loglik(L, y, vi, 0.0, reml), l1 = loglik(L, y, vi, tau2, reml);
        if (l0 - l1 > 1.220703125e-4) {
            tau2 = 0.0;
            if (w && cmeta_warn(w, "%s: Fisher scoring may have stopped at a local maximum; "
                                   "tau^2 set to 0", cmeta_method_name(m)) != CMETA_OK)
                return cmeta__nomem(err);
        }
    }
    double info;
    if (isnan(ml_score(L, y, vi, tau2, reml, &info))) return CMETA_ENUMERIC;
    res->se_tau2 = sqrt(2.0 / info);
    *tau2_out = tau2;
    return CMETA_OK;
}

cmeta_status cmeta__tau2(cmeta_method m, const double *y, const double *vi, size_t k,
                         const double *X, size_t p, double tol, int maxiter,
                         cmeta__tau2_result *res, cmeta_warnings *w, cmeta_error *err)
{
    memset(res, 0, sizeof *res);
    res->se_tau2 = NAN;
    if (m == CMETA_METHOD_FE) return CMETA_OK;
    if (k <= p)
        return cmeta_error_set(err, CMETA_EDATA,
                               "%s estimator needs more studies (k = %zu) than coefficients "
                               "(p = %zu)", cmeta_method_name(m), k, p);
    cmeta__lin L;
    if (cmeta__lin_init(&L, X, k, p) != CMETA_OK) return cmeta__nomem(err);
    double kp = (double)(k - p), tau2 = NAN, raw = NAN;
    double sw = 0;
    switch (m) {
    case CMETA_METHOD_HS:
    case CMETA_METHOD_DL: {
        double rss;
        if (cmeta__lin_at(&L, vi, 0.0, y, &rss) != 0) goto singular;
        double trP = cmeta__lin_trPD(&L, NULL), sPP = cmeta__lin_sumPP(&L, NULL, NULL);
        for (size_t i = 0; i < k; i++) sw += L.w[i];
        raw = (m == CMETA_METHOD_HS) ? (rss - (double)k) / sw : (rss - kp) / trP;
        tau2 = raw > 0 ? raw : 0.0;
        double t = tau2;
        double num = 2 * kp + 4 * t * trP + 2 * t * t * sPP;
        res->se_tau2 = sqrt(num) / (m == CMETA_METHOD_HS ? sw : trP);
        break;
    }
    case CMETA_METHOD_HE:
    case CMETA_METHOD_ML:
    case CMETA_METHOD_REML: {
        for (size_t i = 0; i < k; i++) L.w[i] = 1.0;
        if (cmeta__lin_solve(&L, y) != 0) goto singular;
        double rss = cmeta__lin_rss(&L, y);
        double trPV = cmeta__lin_trPD(&L, vi), sPVPV = cmeta__lin_sumPP(&L, vi, vi);
        raw = (rss - trPV) / kp;
        if (m == CMETA_METHOD_HE) {
            tau2 = raw > 0 ? raw : 0.0;
            res->se_tau2 = sqrt(2 * sPVPV + 4 * tau2 * trPV + 2 * tau2 * tau2 * kp) / kp;
            break;
        }
        /* Fisher scoring from max(0, HE) */
        cmeta_status fs = ml_reml(&L, y, vi, k, m, raw > 0 ? raw : 0.0, tol, maxiter, &tau2, res, w, err);
        if (fs == CMETA_ENUMERIC) goto singular;
        if (fs != CMETA_OK) {
            cmeta__lin_free(&L);
            return fs;
        }
        raw = tau2; /* >= 0: only the boundary snap (res->truncated) truncates ML/REML */
        break;
    }
    case CMETA_METHOD_SJ: {
        double t0 = 0, rss;
        for (size_t i = 0; i < k; i++) t0 += y[i] * y[i];
        t0 /= (double)k; /* y is centred: var(y)(k-1)/k */
        if (cmeta__lin_at(&L, vi, t0, y, &rss) != 0) goto singular;
        raw = t0 * rss / kp;
        tau2 = raw > 0 ? raw : 0.0;
        /* sum P_ij^2 v_i v_j, sum P_ij^2 v_j, sum P_ij^2 */
        double a = cmeta__lin_sumPP(&L, vi, vi), b = cmeta__lin_sumPP(&L, NULL, vi),
               c = cmeta__lin_sumPP(&L, NULL, NULL);
        res->se_tau2 = t0 / kp * sqrt(2 * a + 4 * tau2 * b + 2 * tau2 * tau2 * c);
        break;
    }
    case CMETA_METHOD_EB:
    case CMETA_METHOD_PM: {
        score_arg sa = {&L, y, vi, kp, 0};
        double q0 = qgen_f(0.0, &sa), hi, r;
        int it = 0;
        if (isnan(q0)) goto singular;
        if (q0 < 0) {
            raw = -1; /* no positive root: the estimating equation is met below 0 */
            tau2 = 0.0;
        } else if (bracket_up(qgen_f, &sa, 1.0, &hi) == 0 &&
                   cmeta__brent(qgen_f, &sa, 0.0, hi, 1e-14, maxiter, &r, &it) == 0) {
            tau2 = raw = r;
        } else {
            cmeta__lin_free(&L);
            return cmeta_error_set(err, CMETA_ENOCONV, "%s did not converge after %d iterations",
                                   cmeta_method_name(m), it);
        }
        res->iter = it;
        for (size_t i = 0; i < k; i++) sw += 1.0 / (vi[i] + tau2);
        res->se_tau2 = sqrt(2.0 * (double)k * (double)k / kp) / sw;
        break;
    }
    default:
        cmeta__lin_free(&L);
        return cmeta_error_set(err, CMETA_EUSAGE, "no tau^2 estimator for method %s",
                               cmeta_method_name(m));
    }
    cmeta__lin_free(&L);
    res->tau2 = tau2;
    if (raw < 0) res->truncated = 1;
    if (res->truncated && truncated_warning(m, w) != CMETA_OK) return cmeta__nomem(err);
    return CMETA_OK;
singular:
    cmeta__lin_free(&L);
    return cmeta_error_set(err, CMETA_ENUMERIC, "X'WX is singular while estimating tau^2 (%s)",
                           cmeta_method_name(m));
}
