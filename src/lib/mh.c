/* mh.c - Mantel-Haenszel (OR, RR, RD) and Peto (OR) pooling of 2x2 tables, as metafor 3.8
 * rma.mh and rma.peto. Table i: a_i, b_i (events, non-events, group 1), c_i, d_i (group 2),
 * n1 = a + b, n2 = c + d, N = n1 + n2. The pooled estimate uses the tables as they are
 * (metafor's default add = c(1/2, 0), to = c("only0", "none")); the continuity correction
 * (add/to of the escalc options) only enters the per-study yi/vi that feed Q, I^2 and H^2.
 * Tables with no events or no non-events in both groups (double zero) get no yi/vi there
 * (metafor's rma.mh/rma.peto default drop00 = TRUE), so k_yi may be below k.
 *
 *  MH OR (Mantel & Haenszel 1959): OR = R/S, R = sum a d/N, S = sum b c/N;
 *     Var(log OR) (Robins, Breslow & Greenland 1986) =
 *       sum P R_i/(2R^2) + sum (P S_i + Q R_i)/(2RS) + sum Q S_i/(2S^2),
 *       P = (a + d)/N, Q = (b + c)/N;  weights b c/N.
 *  MH RR (Greenland & Robins 1985): RR = R/S, R = sum a n2/N, S = sum c n1/N;
 *     Var(log RR) = sum (n1 n2 (a + c)/N^2 - a c/N) / (R S);  weights c n1/N.
 *  MH RD (Greenland & Robins 1985; Sato's variance as metafor):
 *     RD = sum (a n2 - c n1)/N / sum n1 n2/N,
 *     Var = (RD sum (c n1^2/N^2 - a n2^2/N^2 + n1 n2 (n2 - n1)/(2N^2))
 *            + sum (a (n2 - c) + c (n1 - a))/(2N)) / (sum n1 n2/N)^2;  weights n1 n2/N.
 *  Heterogeneity: Q = sum (y_i - b)^2/v_i over the k_yi studies with yi/vi (b the MH
 *     estimate on the log scale for OR/RR), df = k_yi - 1, I^2 = max(0, (Q - df)/Q),
 *     H^2 = Q/df.
 *  Peto (Yusuf et al. 1985): E_i = (a + c) n1/N, V_i = (a + c)(b + d) n1 n2/(N^2 (N - 1)),
 *     log OR = sum (a - E)/sum V, Var = 1/sum V, weights V_i;
 *     Q = sum_{V_i>0} (a - E)^2/V_i - (sum (a - E))^2/sum V, df = k_yi - 1.
 *
 *  mh_random (RevMan 5 for binary data; Deeks & Higgins, "Statistical algorithms in Review
 *  Manager 5", 2010, and the Cochrane Handbook 10.10.4): DerSimonian-Laird
 *     tau^2 = max(0, (Q - df) / (sum w - sum w^2/sum w)),  w_i = 1/v_i,
 *  with Q the heterogeneity statistic above (computed around the MH or Peto fixed estimate;
 *  Peto: y_i = (a - E)/V, v_i = 1/V), then inverse-variance pooling of y_i with weights
 *  1/(v_i + tau^2), z test; I^2 = max(0, (Q - df)/Q) as RevMan.
 */
#include <math.h>
#include <string.h>

#include "rma_internal.h"

static cmeta_status check_tables(const double *ai, const double *bi, const double *ci,
                                 const double *di, size_t k, cmeta_error *err)
{
    if (!ai || !bi || !ci || !di) return cmeta_error_set(err, CMETA_EUSAGE, "missing 2x2 table");
    if (k < 1) return cmeta_error_set(err, CMETA_EDATA, "no studies to pool (k = 0)");
    const char *nm[4] = {"ai", "bi", "ci", "di"};
    for (size_t i = 0; i < k; i++) {
        double x[4] = {ai[i], bi[i], ci[i], di[i]};
        for (int j = 0; j < 4; j++)
            if (!(x[j] >= 0) || !isfinite(x[j])) {
                if (err) err->index = (long)i;
                return cmeta_error_set(err, CMETA_EDATA, "%s must be >= 0 (got %g)", nm[j], x[j]);
            }
        if (!(ai[i] + bi[i] > 0) || !(ci[i] + di[i] > 0)) {
            if (err) err->index = (long)i;
            return cmeta_error_set(err, CMETA_EDATA, "group sizes ai+bi and ci+di must be > 0");
        }
    }
    return CMETA_OK;
}

/* Per-study yi/vi of the 2x2 measures for the heterogeneity statistics, as metafor 3.8
 * rma.mh/rma.peto: escalc (cmeta_escalc, vtype LS) with the caller's add/to and drop00 = TRUE;
 * NAN for dropped tables and for tables whose yi/vi is not finite (vi > 0 required). *n gets
 * the number of studies with yi. Status of cmeta_escalc (its warnings are not repeated). */
static cmeta_status bin_yivi(cmeta_measure m, const double *ai, const double *bi,
                             const double *ci, const double *di, size_t k,
                             const cmeta_escalc_opts *eo, double *yi, double *vi, size_t *n,
                             cmeta_error *err)
{
    cmeta_escalc_opts o = *eo;
    o.drop00 = 1;
    o.vtype = CMETA_VTYPE_LS;
    cmeta_escalc_input in;
    memset(&in, 0, sizeof in);
    in.k = k;
    in.ai = ai;
    in.bi = bi;
    in.ci = ci;
    in.di = di;
    cmeta_status st = cmeta_escalc(m, &in, &o, yi, vi, NULL, err);
    if (st != CMETA_OK) return st;
    *n = 0;
    for (size_t i = 0; i < k; i++) {
        if (isfinite(yi[i]) && isfinite(vi[i]) && vi[i] > 0) (*n)++;
        else yi[i] = vi[i] = NAN;
    }
    return CMETA_OK;
}

/* Fill the common part of an MH/Peto fit: estimate on the analysis scale, se, z test. */
static void set_coef(cmeta_fit *f, double beta, double se, double level)
{
    double crit = cmeta__qcrit(level, NAN);
    f->beta[0] = beta;
    f->se[0] = se;
    f->vb[0] = se * se;
    f->stat[0] = beta / se;
    f->pval[0] = cmeta__pnorm2(f->stat[0]);
    f->ci_lb[0] = beta - crit * se;
    f->ci_ub[0] = beta + crit * se;
    f->QM = f->stat[0] * f->stat[0];
    f->QM_df = 1;
    f->QM_pval = isnan(f->QM) ? NAN : cmeta__pchisq_upper(f->QM, 1);
}

static void set_het(cmeta_fit *f, double Q, size_t kyi)
{
    if (kyi <= 1 || isnan(Q)) return; /* no heterogeneity with one study */
    double df = (double)kyi - 1;
    f->Q = Q > 0 ? Q : 0.0;
    f->Q_df = df;
    f->Q_pval = cmeta__pchisq_upper(f->Q, df);
    f->I2 = f->Q > 0 ? fmax(0.0, 100.0 * (f->Q - df) / f->Q) : 0.0;
    f->I2_Q = f->I2;
    f->H2 = f->Q / df;
}

/* ML log-likelihood of the yi around beta (as metafor prints for rma.mh/peto). */
static void set_ll(cmeta_fit *f, const double *yi, const double *vi, size_t k)
{
    double s = 0, rss = 0, n = 0;
    for (size_t i = 0; i < k; i++) {
        if (isnan(yi[i])) continue;
        s += log(vi[i]);
        rss += (yi[i] - f->beta[0]) * (yi[i] - f->beta[0]) / vi[i];
        n += 1;
    }
    f->ll = -0.5 * n * log(2 * M_PI) - 0.5 * s - 0.5 * rss;
    f->deviance = rss;
}

/* RevMan 5 random effects on top of a fixed MH/Peto fit (see the header comment). */
static void revman_random(cmeta_fit *f, const double *yi, const double *vi, size_t k, size_t kyi,
                          double level)
{
    if (isnan(f->Q) || kyi < 2) return;
    double sw = 0, sw2 = 0;
    for (size_t i = 0; i < k; i++)
        if (!isnan(yi[i])) {
            sw += 1 / vi[i];
            sw2 += 1 / (vi[i] * vi[i]);
        }
    double tau2 = (f->Q - ((double)kyi - 1)) / (sw - sw2 / sw);
    f->tau2_truncated = tau2 < 0;
    if (tau2 < 0) tau2 = 0;
    double W = 0, WY = 0;
    for (size_t i = 0; i < k; i++) {
        f->wi[i] = isnan(yi[i]) ? 0.0 : 1 / (vi[i] + tau2);
        W += f->wi[i];
        if (!isnan(yi[i])) WY += f->wi[i] * yi[i];
    }
    for (size_t i = 0; i < k; i++) f->weight[i] = 100 * f->wi[i] / W;
    f->tau2 = tau2;
    f->tau = sqrt(tau2);
    set_coef(f, WY / W, sqrt(1 / W), level);
    double crit = cmeta__qcrit(level, NAN), sp = sqrt(f->se[0] * f->se[0] + tau2);
    f->pi_lb = f->beta[0] - crit * sp;
    f->pi_ub = f->beta[0] + crit * sp;
}

static cmeta_status prepare(const double *ai, const double *bi, const double *ci,
                            const double *di, size_t k, const cmeta_escalc_opts **eo,
                            cmeta_escalc_opts *eod, const cmeta_fit_opts **o,
                            cmeta_fit_opts *od, cmeta_fit **f, double **yi, double **vi,
                            cmeta_warnings *w, cmeta_error *err)
{
    cmeta_status st = check_tables(ai, bi, ci, di, k, err);
    if (st != CMETA_OK) return st;
    if (!*o) {
        cmeta_fit_opts_default(od);
        *o = od;
    }
    if (!*eo) {
        cmeta_escalc_opts_default(eod);
        *eo = eod;
    }
    if (!((*o)->level > 0 && (*o)->level < 100))
        return cmeta_error_set(err, CMETA_EUSAGE, "level must be between 0 and 100 (got %g)",
                               (*o)->level);
    if ((*o)->test != CMETA_TEST_Z && w &&
        cmeta_warn(w, "Mantel-Haenszel and Peto models use the z test") != CMETA_OK)
        return cmeta__nomem(err);
    *f = cmeta__fit_new(k, 1);
    *yi = cmeta__dnew(k);
    *vi = cmeta__dnew(k);
    if (!*f || !*yi || !*vi) return cmeta__nomem(err);
    (*f)->test = CMETA_TEST_Z;
    (*f)->level = (*o)->level;
    (*f)->tau2 = 0;
    (*f)->tau = 0;
    return CMETA_OK;
}

static cmeta_status finish(cmeta_fit *f, const double *yi, const double *vi, size_t k,
                           size_t kyi, const cmeta_fit_opts *o, cmeta_warnings *w,
                           cmeta_error *err)
{
    if (kyi <= 1 && w && cmeta_warn(w, "only one study with an estimable effect: "
                                       "no heterogeneity statistics") != CMETA_OK)
        return cmeta__nomem(err);
    set_ll(f, yi, vi, k);
    if (o->mh_random) revman_random(f, yi, vi, k, kyi, o->level);
    else {
        f->pi_lb = f->ci_lb[0];
        f->pi_ub = f->ci_ub[0];
    }
    return CMETA_OK;
}

cmeta_status cmeta_rma_mh(cmeta_measure m, const double *ai, const double *bi, const double *ci,
                          const double *di, size_t k, const cmeta_escalc_opts *eo,
                          const cmeta_fit_opts *opts, cmeta_fit **out, cmeta_warnings *w,
                          cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "rma_mh: out is NULL");
    *out = NULL;
    if (m != CMETA_OR && m != CMETA_RR && m != CMETA_RD)
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "the Mantel-Haenszel method needs measure OR, RR or RD (got %s)",
                               cmeta_measure_name(m));
    cmeta_escalc_opts eod;
    cmeta_fit_opts od;
    cmeta_fit *f = NULL;
    double *yi = NULL, *vi = NULL;
    cmeta_status st = prepare(ai, bi, ci, di, k, &eo, &eod, &opts, &od, &f, &yi, &vi, w, err);
    if (st != CMETA_OK) goto fail;
    f->method = CMETA_METHOD_MH;
    size_t kyi = 0;
    if ((st = bin_yivi(m, ai, bi, ci, di, k, eo, yi, vi, &kyi, err)) != CMETA_OK) goto fail;

    double beta = NAN, se = NAN, sw = 0;
    if (m == CMETA_OR) {
        double R = 0, S = 0, PR = 0, PSQR = 0, QS = 0;
        for (size_t i = 0; i < k; i++) {
            double N = ai[i] + bi[i] + ci[i] + di[i];
            double P = (ai[i] + di[i]) / N, Q = (bi[i] + ci[i]) / N;
            double Ri = ai[i] / N * di[i], Si = bi[i] / N * ci[i];
            R += Ri;
            S += Si;
            PR += P * Ri;
            PSQR += P * Si + Q * Ri;
            QS += Q * Si;
            f->wi[i] = Si;
        }
        if (R > 0 && S > 0) {
            beta = log(R / S);
            se = sqrt(0.5 * (PR / (R * R) + PSQR / (R * S) + QS / (S * S)));
        }
    } else if (m == CMETA_RR) {
        double R = 0, S = 0, V = 0, sa = 0, sc = 0;
        for (size_t i = 0; i < k; i++) {
            double n1 = ai[i] + bi[i], n2 = ci[i] + di[i], N = n1 + n2;
            R += ai[i] * (n2 / N);
            S += ci[i] * (n1 / N);
            V += (n1 / N) * (n2 / N) * (ai[i] + ci[i]) - (ai[i] / N) * ci[i];
            sa += ai[i];
            sc += ci[i];
            f->wi[i] = ci[i] / N * n1;
        }
        if (sa > 0 && sc > 0) {
            beta = log(R / S);
            se = sqrt(V / (R * S));
        }
    } else {
        double num = 0, den = 0, s1 = 0, s2 = 0;
        for (size_t i = 0; i < k; i++) {
            double n1 = ai[i] + bi[i], n2 = ci[i] + di[i], N = n1 + n2;
            num += ai[i] * (n2 / N) - ci[i] * (n1 / N);
            den += n1 * (n2 / N);
            f->wi[i] = n1 / N * n2;
        }
        beta = num / den;
        for (size_t i = 0; i < k; i++) {
            double n1 = ai[i] + bi[i], n2 = ci[i] + di[i], N = n1 + n2;
            s1 += ci[i] * (n1 / N) * (n1 / N) - ai[i] * (n2 / N) * (n2 / N) +
                  (n1 / N) * (n2 / N) * (n2 - n1) / 2;
            s2 += ai[i] * (n2 - ci[i]) / N + ci[i] * (n1 - ai[i]) / N;
        }
        se = sqrt((beta * s1 + s2 / 2) / (den * den));
    }
    for (size_t i = 0; i < k; i++) sw += f->wi[i];
    for (size_t i = 0; i < k; i++) f->weight[i] = 100 * f->wi[i] / sw;
    set_coef(f, beta, se, opts->level);
    if (isnan(beta) && w &&
        cmeta_warn(w, "Mantel-Haenszel %s not estimable (no events in one group of every "
                      "table)", cmeta_measure_name(m)) != CMETA_OK) { st = cmeta__nomem(err); goto fail; }
    {
        double Q = 0;
        for (size_t i = 0; i < k; i++)
            if (!isnan(yi[i])) Q += (yi[i] - beta) * (yi[i] - beta) / vi[i];
        set_het(f, Q, kyi);
    }
    if ((st = finish(f, yi, vi, k, kyi, opts, w, err)) != CMETA_OK) goto fail;
    cmeta_free(yi);
    cmeta_free(vi);
    *out = f;
    return CMETA_OK;
fail:
    cmeta_free(yi);
    cmeta_free(vi);
    cmeta_fit_free(f);
    return st == CMETA_OK ? cmeta__nomem(err) : st;
}

cmeta_status cmeta_rma_peto(const double *ai, const double *bi, const double *ci,
                            const double *di, size_t k, const cmeta_escalc_opts *eo,
                            const cmeta_fit_opts *opts, cmeta_fit **out, cmeta_warnings *w,
                            cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "rma_peto: out is NULL");
    *out = NULL;
    cmeta_escalc_opts eod;
    cmeta_fit_opts od;
    cmeta_fit *f = NULL;
    double *yi = NULL, *vi = NULL, *py = NULL, *pv = NULL;
    cmeta_status st = prepare(ai, bi, ci, di, k, &eo, &eod, &opts, &od, &f, &yi, &vi, w, err);
    if (st != CMETA_OK) goto fail;
    f->method = CMETA_METHOD_PETO;
    size_t kyi = 0;
    if ((st = bin_yivi(CMETA_PETO, ai, bi, ci, di, k, eo, yi, vi, &kyi, err)) != CMETA_OK) goto fail;
    double sOE = 0, sV = 0, sOE2V = 0;
    size_t kpos = 0;
    py = cmeta__dnew(k);
    pv = cmeta__dnew(k);
    if (!py || !pv) { st = cmeta__nomem(err); goto fail; }
    for (size_t i = 0; i < k; i++) {
        double n1 = ai[i] + bi[i], n2 = ci[i] + di[i], N = n1 + n2;
        double xt = ai[i] + ci[i], yt = bi[i] + di[i];
        double E = xt * n1 / N, V = N > 1 ? xt * yt * (n1 / N) * (n2 / N) / (N - 1) : 0.0;
        f->wi[i] = V;
        sOE += ai[i] - E;
        sV += V;
        py[i] = pv[i] = NAN;
        if (V > 0) {
            kpos++;
            sOE2V += (ai[i] - E) * (ai[i] - E) / V;
            py[i] = (ai[i] - E) / V;
            pv[i] = 1 / V;
        }
    }
    if (!(sV > 0)) {
        st = cmeta_error_set(err, CMETA_EDATA, "one of the two outcomes never occurred in any "
                                               "table: Peto's method cannot be used");
        goto fail;
    }
    for (size_t i = 0; i < k; i++) f->weight[i] = 100 * f->wi[i] / sV;
    set_coef(f, sOE / sV, sqrt(1 / sV), opts->level);
    if (kpos > 1) set_het(f, sOE2V - sOE * sOE / sV, kyi);
    set_ll(f, yi, vi, k);
    if (kyi <= 1 && w && cmeta_warn(w, "only one study with an estimable effect: "
                                       "no heterogeneity statistics") != CMETA_OK) {
        st = cmeta__nomem(err);
        goto fail;
    }
    if (opts->mh_random) revman_random(f, py, pv, k, kpos, opts->level);
    else {
        f->pi_lb = f->ci_lb[0];
        f->pi_ub = f->ci_ub[0];
    }
    cmeta_free(yi);
    cmeta_free(vi);
    cmeta_free(py);
    cmeta_free(pv);
    *out = f;
    return CMETA_OK;
fail:
    cmeta_free(yi);
    cmeta_free(vi);
    cmeta_free(py);
    cmeta_free(pv);
    cmeta_fit_free(f);
    return st == CMETA_OK ? cmeta__nomem(err) : st;
}
