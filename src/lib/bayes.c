/* bayes.c - the normal-normal hierarchical model by numerical integration (include/cmeta/bayes.h).
 *
 * Formulas (Roever 2020, J Stat Softw 93(6), sections 2.2-2.4; the same facts as R bayesmeta):
 *   p(y | tau), mu integrated over its prior (flat: k - 1 below; normal N(m0, s^2): the prior
 *   enters as a (k+1)-th "study" y_0 = m0 with variance s^2, and k below):
 *     log p(y | tau) = -1/2 [ n log(2 pi) + sum_j log sigma_j^2 + sum_j (y_j - m)^2 / sigma_j^2
 *                            + log sum_j 1/sigma_j^2 ],   sigma_j^2 = v_j + tau^2 (s^2 for j = 0),
 *     with m = sum_j y_j/sigma_j^2 / sum_j 1/sigma_j^2 the conditional mean of mu and
 *     V = 1 / sum_j 1/sigma_j^2 its variance (sums over the k studies and the prior "study").
 *   theta_new | tau, y ~ N(m, V + tau^2);
 *   theta_i | tau, y ~ N(B_i y_i + (1 - B_i) m, B_i v_i + (1 - B_i)^2 V),  B_i = tau^2/(v_i + tau^2).
 *
 * Integration over tau: tau = c t/(1 - t), t in [0, 1) (uniform prior: tau = A + (B - A) t),
 * adaptive bisection with the 15-point Gauss-Kronrod rule (QUADPACK qk15; Piessens et al. 1983)
 * of the vector of integrands g, g tau, g tau^2, g m, g (V + m^2), g = p(tau) p(y | tau) dtau/dt,
 * the interval with the largest |K15 - G7| split first, until the sum of those estimates is below
 * 1e-11 of each integral. Moments that do not exist are left out of the criterion and reported
 * as INFINITY: the posterior density of tau decays as tau^-(a_prior + a_lik) with a_lik = k - 1
 * (flat mu prior) or k (normal mu prior), so E tau^r exists iff that exponent exceeds r + 1.
 * The K15 nodes of the final intervals, weighted, are the mixture grid for mu, the prediction
 * and the shrinkage estimates.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/bayes.h"
#include "internal.h"

#define LOG_2PI 1.8378770664093454835606594728112

/* ---- Turner et al. 2015 and Rhodes et al. 2015 ---------------------------------------------
 * Turner RM, Jackson D, Wei Y, Thompson SG, Higgins JPT. Predictive distributions for between-
 * study heterogeneity and simple methods for their application in Bayesian meta-analysis.
 * Stat Med 2015;34(6):984-998, Table IV: log-normal predictive distributions
 * tau^2 ~ logN(mu, sigma^2) for log odds ratios by outcome type (16 rows) and comparison type
 * (5 columns); the marginal "any" setting logN(-2.56, 1.74^2) on p. 993 (page as bayesmeta
 * cites it; the table's own page was not checked here).
 * Rhodes KM, Turner RM, Higgins JPT. Predictive distributions were developed for the extent of
 * heterogeneity in meta-analyses of continuous outcome data. J Clin Epidemiol 2015;68(1):52-60,
 * Table 3: log-t_5 predictive distributions for tau^2 of standardised mean differences,
 * log tau^2 ~ location + scale t_5, by outcome type (8 rows) and comparison type (3 columns),
 * medical areas other than respiratory and cancer; the general setting t(-3.44, 2.59^2, 5) is in
 * section 3.3. The papers' pages could not be opened here: the values were typed from the
 * tables R bayesmeta 3.4 ships (TurnerEtAlParameters, RhodesEtAlParameters, which cite these
 * tables), and every cell is tested against a second transcription made independently of
 * bayesmeta (R package rnmamod; tests/reference/bayes/prior_tables.csv and the script beside
 * it): all 106 cells agree. Converted exactly to tau: log tau = log(tau^2)/2, so location and
 * scale (or mean and SD) are halved. */
static const char *const turner_outcomes[16] = {
    "all-cause-mortality", "obstetric", "cause-specific-mortality", "resource-use",
    "surgical", "withdrawals", "internal", "general-health", "adverse-events", "infection",
    "signs-symptoms", "pain", "quality-of-life", "mental-health", "biomarkers", "subjective"};
static const char *const turner_comparisons[5] = {"pharm-placebo", "pharm-pharm", "nonpharm-placebo",
                                                   "nonpharm-pharm", "nonpharm-nonpharm"};
/* [outcome][comparison]: mean of log tau^2 */
static const double turner_mu[16][5] = {
    {-3.95, -4.18, -4.17, -2.92, -3.50}, {-3.52, -3.75, -3.74, -2.49, -3.08},
    {-3.71, -3.95, -3.93, -2.68, -3.27}, {-2.34, -2.58, -2.56, -1.31, -1.90},
    {-2.14, -2.37, -2.36, -1.11, -1.69}, {-2.99, -3.23, -3.21, -1.96, -2.55},
    {-2.71, -2.94, -2.93, -1.67, -2.26}, {-2.29, -2.53, -2.51, -1.26, -1.85},
    {-1.87, -2.10, -2.10, -0.84, -1.43}, {-2.49, -2.73, -2.71, -1.46, -2.05},
    {-2.06, -2.29, -2.28, -1.03, -1.61}, {-1.83, -2.06, -2.05, -0.80, -1.38},
    {-2.54, -2.78, -2.77, -1.51, -2.10}, {-2.12, -2.35, -2.34, -1.09, -1.67},
    {-1.77, -2.00, -1.99, -0.74, -1.33}, {-2.70, -2.93, -2.92, -1.67, -2.26}};
/* [outcome][comparison]: SD of log tau^2 */
static const double turner_sd[16][5] = {
    {1.34, 1.41, 1.55, 1.02, 1.26}, {1.74, 1.79, 1.91, 1.50, 1.68},
    {1.74, 1.79, 1.91, 1.51, 1.68}, {1.74, 1.79, 1.91, 1.50, 1.68},
    {1.74, 1.79, 1.91, 1.50, 1.68}, {1.74, 1.79, 1.91, 1.51, 1.68},
    {1.74, 1.79, 1.92, 1.51, 1.68}, {1.53, 1.58, 1.72, 1.25, 1.46},
    {1.52, 1.58, 1.71, 1.24, 1.45}, {1.52, 1.58, 1.71, 1.24, 1.45},
    {1.51, 1.58, 1.71, 1.24, 1.45}, {1.52, 1.58, 1.71, 1.25, 1.45},
    {1.54, 1.60, 1.73, 1.27, 1.47}, {1.53, 1.60, 1.72, 1.27, 1.47},
    {1.52, 1.58, 1.71, 1.24, 1.45}, {1.52, 1.58, 1.71, 1.25, 1.45}};

static const char *const rhodes_outcomes[8] = {"obstetric", "resource-use", "internal",
                                                "general-health", "signs-symptoms", "mental-health",
                                                "biomarkers", "subjective"};
static const char *const rhodes_comparisons[3] = {"pharm-placebo", "pharm-pharm", "nonpharm"};
/* [outcome][comparison]: location and scale of log tau^2 (t with 5 df). The mental-health,
 * non-pharmacological location -3.85 breaks the pattern of that column (every other row is 0.14
 * above pharmacological vs placebo, which would give -2.85), but both transcriptions have
 * -3.85, so it is kept as printed. */
static const double rhodes_loc[8][3] = {{-4.13, -4.40, -3.99}, {-2.55, -2.83, -2.41},
                                        {-2.43, -2.70, -2.29}, {-3.16, -3.44, -3.02},
                                        {-3.00, -3.27, -2.86}, {-2.99, -3.27, -3.85},
                                        {-3.41, -3.68, -3.27}, {-2.76, -3.03, -2.62}};
static const double rhodes_scale[8][3] = {{2.34, 2.31, 2.11}, {2.73, 2.70, 2.57},
                                          {2.50, 2.46, 2.32}, {2.50, 2.44, 2.27},
                                          {2.50, 2.47, 2.33}, {2.16, 2.14, 1.93},
                                          {2.83, 2.78, 2.66}, {2.58, 2.59, 2.41}};

const char *cmeta_tau_prior_keys(int which)
{
    if (which == 0)
        return "turner outcomes: any, all-cause-mortality, obstetric, cause-specific-mortality, "
               "resource-use, surgical, withdrawals, internal, general-health, adverse-events, "
               "infection, signs-symptoms, pain, quality-of-life, mental-health, biomarkers, "
               "subjective; comparisons: pharm-placebo, pharm-pharm, nonpharm-placebo, "
               "nonpharm-pharm, nonpharm-nonpharm (any with outcome any)";
    return "rhodes outcomes: any, obstetric, resource-use, internal, general-health, "
           "signs-symptoms, mental-health, biomarkers, subjective; comparisons: pharm-placebo, "
           "pharm-pharm, nonpharm (any with outcome any)";
}

/* ---- parsing ------------------------------------------------------------------------------ */

/* Split spec at ':' into at most 4 fields (copied into buf). Returns the number of fields. */
static int split_fields(const char *spec, char *buf, size_t size, char *f[4])
{
    size_t n = strlen(spec);
    if (n >= size) return -1;
    memcpy(buf, spec, n + 1);
    int nf = 0;
    char *p = buf;
    for (;;) {
        if (nf == 4) return -1;
        f[nf++] = p;
        char *q = strchr(p, ':');
        if (!q) break;
        *q = '\0';
        p = q + 1;
    }
    return nf;
}

static int parse_num(const char *s, double *x)
{
    char *end;
    if (!*s) return 0;
    *x = strtod(s, &end);
    return *end == '\0' && isfinite(*x);
}

static int find_key(const char *s, const char *const *keys, int n)
{
    for (int i = 0; i < n; i++)
        if (cmeta__strcasecmp(s, keys[i]) == 0) return i;
    return -1;
}

cmeta_status cmeta_tau_prior_parse(const char *spec, cmeta_tau_prior *out, cmeta_error *err)
{
    char buf[160], *f[4];
    memset(out, 0, sizeof *out);
    int nf = spec ? split_fields(spec, buf, sizeof buf, f) : -1;
    if (nf < 1)
        return cmeta_error_set(err, CMETA_EUSAGE, "--tau-prior: not a prior specification");
    snprintf(out->name, sizeof out->name, "%s", spec);
    const char *kind = f[0];
    double a = 0, b = 0;
#define NEED(n, what)                                                                              \
    do {                                                                                           \
        if (nf != (n) + 1)                                                                         \
            return cmeta_error_set(err, CMETA_EUSAGE, "--tau-prior %s: expected %s", spec, what); \
    } while (0)
    if (!cmeta__strcasecmp(kind, "halfnormal") || !cmeta__strcasecmp(kind, "halfcauchy")) {
        NEED(1, "NAME:SCALE");
        if (!parse_num(f[1], &a) || a <= 0)
            return cmeta_error_set(err, CMETA_EUSAGE, "--tau-prior %s: the scale must be a number > 0", spec);
        out->kind = kind[4] == 'n' || kind[4] == 'N' ? CMETA_TAU_HALFNORMAL : CMETA_TAU_HALFCAUCHY;
        out->a = a;
        snprintf(out->label, sizeof out->label, "half-%s(scale %g)",
                 out->kind == CMETA_TAU_HALFNORMAL ? "normal" : "Cauchy", a);
    } else if (!cmeta__strcasecmp(kind, "halft")) {
        NEED(2, "halft:SCALE:DF");
        if (!parse_num(f[1], &a) || a <= 0 || !parse_num(f[2], &b) || b <= 0)
            return cmeta_error_set(err, CMETA_EUSAGE, "--tau-prior %s: scale and df must be numbers > 0", spec);
        out->kind = CMETA_TAU_HALFT;
        out->a = a;
        out->b = b;
        snprintf(out->label, sizeof out->label, "half-Student-t(scale %g, df %g)", a, b);
    } else if (!cmeta__strcasecmp(kind, "lognormal")) {
        NEED(2, "lognormal:M:S (log tau ~ N(M, S^2))");
        if (!parse_num(f[1], &a) || !parse_num(f[2], &b) || b <= 0)
            return cmeta_error_set(err, CMETA_EUSAGE, "--tau-prior %s: M must be a number and S a number > 0", spec);
        out->kind = CMETA_TAU_LOGNORMAL;
        out->a = a;
        out->b = b;
        snprintf(out->label, sizeof out->label, "log-normal: log tau ~ N(%g, %g^2)", a, b);
    } else if (!cmeta__strcasecmp(kind, "uniform")) {
        NEED(2, "uniform:A:B");
        if (!parse_num(f[1], &a) || !parse_num(f[2], &b) || a < 0 || b <= a)
            return cmeta_error_set(err, CMETA_EUSAGE, "--tau-prior %s: needs 0 <= A < B, both finite", spec);
        out->kind = CMETA_TAU_UNIFORM;
        out->a = a;
        out->b = b;
        snprintf(out->label, sizeof out->label, "uniform(%g, %g)", a, b);
    } else if (!cmeta__strcasecmp(kind, "jeffreys")) {
        NEED(0, "jeffreys (no parameters)");
        out->kind = CMETA_TAU_JEFFREYS;
        snprintf(out->label, sizeof out->label, "Jeffreys (improper)");
    } else if (!cmeta__strcasecmp(kind, "turner") || !cmeta__strcasecmp(kind, "rhodes")) {
        int turner = !cmeta__strcasecmp(kind, "turner");
        NEED(2, turner ? "turner:OUTCOME:COMPARISON" : "rhodes:OUTCOME:COMPARISON");
        int no = turner ? 16 : 8, nc = turner ? 5 : 3;
        const char *const *ok = turner ? turner_outcomes : rhodes_outcomes;
        const char *const *ck = turner ? turner_comparisons : rhodes_comparisons;
        int io = !cmeta__strcasecmp(f[1], "any") ? -2 : find_key(f[1], ok, no);
        int ic = !cmeta__strcasecmp(f[2], "any") ? -2 : find_key(f[2], ck, nc);
        if (io == -1 || ic == -1 || (io == -2) != (ic == -2))
            return cmeta_error_set(err, CMETA_EUSAGE, "--tau-prior %s: unknown %s (%s)", spec,
                                   io == -1 ? "outcome" : ic == -1 ? "comparison" : "combination",
                                   cmeta_tau_prior_keys(!turner));
        out->kind = turner ? CMETA_TAU_TURNER : CMETA_TAU_RHODES;
        if (io == -2) {
            out->a = turner ? -2.56 : -3.44;
            out->b = turner ? 1.74 : 2.59;
        } else {
            out->a = turner ? turner_mu[io][ic] : rhodes_loc[io][ic];
            out->b = turner ? turner_sd[io][ic] : rhodes_scale[io][ic];
        }
        snprintf(out->label, sizeof out->label,
                 turner ? "Turner 2015 %s, %s: tau^2 ~ logN(%.2f, %.2f^2)"
                        : "Rhodes 2015 %s, %s: log tau^2 ~ %.2f + %.2f t_5",
                 io == -2 ? "any outcome" : ok[io], ic == -2 ? "any comparison" : ck[ic], out->a, out->b);
    } else {
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "--tau-prior %s: unknown prior (halfnormal:S, halfcauchy:S, halft:S:DF, "
                               "lognormal:M:S, uniform:A:B, jeffreys, turner:OUTCOME:COMPARISON, "
                               "rhodes:OUTCOME:COMPARISON)",
                               spec);
    }
#undef NEED
    return CMETA_OK;
}

cmeta_status cmeta_mu_prior_parse(const char *spec, cmeta_mu_prior *out, cmeta_error *err)
{
    char buf[160], *f[4];
    memset(out, 0, sizeof *out);
    int nf = spec ? split_fields(spec, buf, sizeof buf, f) : -1;
    if (nf < 1) return cmeta_error_set(err, CMETA_EUSAGE, "--mu-prior: not a prior specification");
    snprintf(out->name, sizeof out->name, "%s", spec);
    if (!cmeta__strcasecmp(f[0], "flat") && nf == 1) {
        out->flat = 1;
        out->mean = NAN;
        out->sd = INFINITY;
        return CMETA_OK;
    }
    if (!cmeta__strcasecmp(f[0], "normal") && nf == 3 && parse_num(f[1], &out->mean) &&
        parse_num(f[2], &out->sd) && out->sd > 0)
        return CMETA_OK;
    return cmeta_error_set(err, CMETA_EUSAGE, "--mu-prior %s: expected normal:M:S (S > 0) or flat", spec);
}

int cmeta_tau_prior_proper(const cmeta_tau_prior *p) { return p->kind != CMETA_TAU_JEFFREYS; }

/* log density of the t distribution with df degrees of freedom */
static double t_logpdf(double z, double df)
{
    return lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * M_PI) - (df + 1) / 2 * log1p(z * z / df);
}

double cmeta_tau_prior_logpdf(const cmeta_tau_prior *p, double tau, const double *vi, size_t k)
{
    if (!(tau >= 0)) return -INFINITY;
    switch (p->kind) {
    case CMETA_TAU_HALFNORMAL:
        return M_LN2 - 0.5 * LOG_2PI - log(p->a) - 0.5 * (tau / p->a) * (tau / p->a);
    case CMETA_TAU_HALFCAUCHY:
        return M_LN2 - log(M_PI) - log(p->a) - log1p((tau / p->a) * (tau / p->a));
    case CMETA_TAU_HALFT:
        return M_LN2 + t_logpdf(tau / p->a, p->b) - log(p->a);
    case CMETA_TAU_LOGNORMAL:
    case CMETA_TAU_TURNER: {
        if (tau == 0) return -INFINITY;
        double m = p->kind == CMETA_TAU_TURNER ? p->a / 2 : p->a, s = p->kind == CMETA_TAU_TURNER ? p->b / 2 : p->b;
        double z = (log(tau) - m) / s;
        return -log(tau) - log(s) - 0.5 * LOG_2PI - 0.5 * z * z;
    }
    case CMETA_TAU_RHODES: {
        if (tau == 0) return -INFINITY;
        double m = p->a / 2, s = p->b / 2;
        return t_logpdf((log(tau) - m) / s, 5) - log(s) - log(tau);
    }
    case CMETA_TAU_UNIFORM:
        return tau >= p->a && tau <= p->b ? -log(p->b - p->a) : -INFINITY;
    case CMETA_TAU_JEFFREYS: {
        /* sqrt(sum_i (tau/(v_i + tau^2))^2) = tau sqrt(sum_i 1/(v_i + tau^2)^2) */
        if (tau == 0) return -INFINITY;
        double s = 0;
        for (size_t i = 0; i < k; i++) {
            double w = 1 / (vi[i] + tau * tau);
            s += w * w;
        }
        return log(tau) + 0.5 * log(s);
    }
    }
    return -INFINITY;
}

/* Decay of the prior density for large tau, p(tau) ~ tau^-a (INFINITY: faster than any power);
 * *logdecay = 1 when an extra (log tau)^-6 factor makes tau^-1 integrable (log-t_5). */
static double prior_tail(const cmeta_tau_prior *p, int *logdecay)
{
    *logdecay = 0;
    switch (p->kind) {
    case CMETA_TAU_HALFCAUCHY: return 2;
    case CMETA_TAU_HALFT: return p->b + 1;
    case CMETA_TAU_JEFFREYS: return 1;
    case CMETA_TAU_RHODES: *logdecay = 1; return 1;
    default: return INFINITY;
    }
}

/* ---- the conditional model given tau -------------------------------------------------------- */

typedef struct {
    const double *y, *v;
    size_t k;
    const cmeta_tau_prior *tp;
    const cmeta_mu_prior *mp;
    double c;      /* scale of the map t -> tau */
    double ref;    /* log reference subtracted before exp() */
    int uniform;   /* tau = A + (B - A) t */
} model;

/* log p(y | tau) with mu integrated over its prior; the conditional mean m and variance V of mu. */
static double loglik(const model *M, double tau, double *m, double *V)
{
    double t2 = tau * tau, sw = 0, swy = 0, slog = 0, n = (double)M->k - 1;
    for (size_t i = 0; i < M->k; i++) {
        double s2 = M->v[i] + t2;
        sw += 1 / s2;
        swy += M->y[i] / s2;
        slog += log(s2);
    }
    if (!M->mp->flat) {
        double s2 = M->mp->sd * M->mp->sd;
        sw += 1 / s2;
        swy += M->mp->mean / s2;
        slog += log(s2);
        n += 1;
    }
    double mm = swy / sw, q = 0;
    for (size_t i = 0; i < M->k; i++) {
        double d = M->y[i] - mm;
        q += d * d / (M->v[i] + t2);
    }
    if (!M->mp->flat) {
        double d = M->mp->mean - mm;
        q += d * d / (M->mp->sd * M->mp->sd);
    }
    *m = mm;
    *V = 1 / sw;
    return -0.5 * (n * LOG_2PI + slog + q + log(sw));
}

static double map_tau(const model *M, double t, double *jac)
{
    if (M->uniform) {
        *jac = M->tp->b - M->tp->a;
        return M->tp->a + (M->tp->b - M->tp->a) * t;
    }
    if (t >= 1) {
        *jac = INFINITY;
        return INFINITY;
    }
    double u = 1 - t;
    *jac = M->c / (u * u);
    return M->c * t / u;
}

#define NCOMP 5
/* The integrands at t: g, g tau, g tau^2, g m, g (V + m^2); returns tau, m, V through pointers. */
static void integrand(const model *M, double t, double F[NCOMP], double *tau_out, double *m_out,
                      double *V_out)
{
    double jac, tau = map_tau(M, t, &jac), m = NAN, V = NAN;
    double g = 0;
    if (isfinite(tau)) {
        double lp = cmeta_tau_prior_logpdf(M->tp, tau, M->v, M->k);
        double ll = loglik(M, tau, &m, &V);
        if (lp > -INFINITY) g = exp(lp + ll - M->ref) * jac;
        if (!isfinite(g)) g = 0;
    }
    F[0] = g;
    F[1] = g * tau;
    F[2] = g * tau * tau;
    F[3] = g * m;
    F[4] = g * (V + m * m);
    if (g == 0)
        for (int j = 1; j < NCOMP; j++) F[j] = 0;
    if (tau_out) *tau_out = tau;
    if (m_out) *m_out = m;
    if (V_out) *V_out = V;
}

/* QUADPACK qk15: Kronrod abscissae (xgk[1], xgk[3], xgk[5], xgk[7] are the 7-point Gauss nodes)
 * and weights. */
static const double xgk[8] = {0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                              0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                              0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                              0.207784955007898467600689403773245, 0.0};
static const double wgk[8] = {0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                              0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                              0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                              0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
static const double wg[4] = {0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                             0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

typedef struct {
    double a, b;
    double K[NCOMP], E[NCOMP];
} interval;

static void qk15(const model *M, interval *iv)
{
    double c = 0.5 * (iv->a + iv->b), h = 0.5 * (iv->b - iv->a), F[NCOMP], Fl[NCOMP], Fr[NCOMP];
    double K[NCOMP], G[NCOMP];
    integrand(M, c, F, NULL, NULL, NULL);
    for (int j = 0; j < NCOMP; j++) {
        K[j] = wgk[7] * F[j];
        G[j] = wg[3] * F[j];
    }
    for (int i = 0; i < 7; i++) {
        integrand(M, c - h * xgk[i], Fl, NULL, NULL, NULL);
        integrand(M, c + h * xgk[i], Fr, NULL, NULL, NULL);
        for (int j = 0; j < NCOMP; j++) {
            K[j] += wgk[i] * (Fl[j] + Fr[j]);
            if (i & 1) G[j] += wg[i / 2] * (Fl[j] + Fr[j]);
        }
    }
    for (int j = 0; j < NCOMP; j++) {
        iv->K[j] = K[j] * h;
        iv->E[j] = fabs(K[j] - G[j]) * h;
    }
}

static int cmp_interval(const void *x, const void *y)
{
    const interval *a = x, *b = y;
    return (a->a > b->a) - (a->a < b->a);
}

/* ---- mixtures of normals -------------------------------------------------------------------- */

typedef struct {
    size_t n;
    const double *w, *m, *s; /* weights, means, SDs */
} mixture;

static double norm_cdf(double z) { return 0.5 * erfc(-z * M_SQRT1_2); }

static double mix_cdf(const mixture *X, double x)
{
    double p = 0;
    for (size_t j = 0; j < X->n; j++)
        if (X->w[j] > 0) p += X->w[j] * norm_cdf((x - X->m[j]) / X->s[j]);
    return p;
}

static double mix_pdf(const mixture *X, double x)
{
    double p = 0;
    for (size_t j = 0; j < X->n; j++)
        if (X->w[j] > 0) {
            double z = (x - X->m[j]) / X->s[j];
            p += X->w[j] * exp(-0.5 * z * z) / X->s[j];
        }
    return p / sqrt(2 * M_PI);
}

/* Quantile of a mixture: bracket, then Newton steps kept inside the bracket (bisection when a
 * step leaves it), until the bracket or the step is below 1e-14 of the scale. */
static double mix_quantile(const mixture *X, double p, double center, double scale)
{
    double lo = center - scale, hi = center + scale;
    while (mix_cdf(X, lo) > p) {
        lo = center - 2 * (center - lo);
        if (!isfinite(lo)) return -INFINITY;
    }
    while (mix_cdf(X, hi) < p) {
        hi = center + 2 * (hi - center);
        if (!isfinite(hi)) return INFINITY;
    }
    double x = 0.5 * (lo + hi);
    for (int it = 0; it < 2000; it++) { /* bisection halves the bracket: 2000 steps cover any range */
        double F = mix_cdf(X, x) - p;
        if (F == 0) return x;
        if (F < 0) lo = x; else hi = x;
        double f = mix_pdf(X, x), xn = f > 0 ? x - F / f : NAN;
        if (!(xn > lo && xn < hi)) xn = 0.5 * (lo + hi);
        if (fabs(xn - x) <= 1e-15 * (fabs(x) + scale) || hi - lo <= 1e-15 * (fabs(x) + scale)) return xn;
        x = xn;
    }
    return x;
}

/* A one-dimensional distribution for the shortest-interval search. */
typedef struct {
    double (*quantile)(const void *ctx, double p);
    double (*pdf)(const void *ctx, double x);
    const void *ctx;
} dist1;

/* Shortest interval of probability alpha of a unimodal distribution: p in [plo, phi] with
 * L = Q(p), U = Q(p + alpha) and f(L) = f(U) (the condition for a stationary width), found by
 * bisection on h(p) = f(L) - f(U); the ends of [plo, phi] when h does not change sign. */
static void shortest(const dist1 *D, double alpha, double plo, double *lb, double *ub)
{
    double a = plo, b = 1 - alpha - plo;
#define H(p) (D->pdf(D->ctx, D->quantile(D->ctx, (p))) - D->pdf(D->ctx, D->quantile(D->ctx, (p) + alpha)))
    double ha = H(a), hb = H(b);
    if (ha >= 0) {
        *lb = D->quantile(D->ctx, a);
        *ub = D->quantile(D->ctx, a + alpha);
        return;
    }
    if (hb <= 0) {
        *lb = D->quantile(D->ctx, b);
        *ub = D->quantile(D->ctx, b + alpha);
        return;
    }
    /* Illinois-modified regula falsi keeps the bracket and converges superlinearly */
    int side = 0;
    for (int it = 0; it < 200 && b - a > 1e-15; it++) {
        double p = (a * hb - b * ha) / (hb - ha);
        if (!(p > a && p < b)) p = 0.5 * (a + b);
        double hp = H(p);
        if (hp == 0) { a = b = p; break; }
        if (hp < 0) {
            a = p;
            ha = hp;
            if (side == -1) hb /= 2;
            side = -1;
        } else {
            b = p;
            hb = hp;
            if (side == 1) ha /= 2;
            side = 1;
        }
    }
#undef H
    double p = 0.5 * (a + b);
    *lb = D->quantile(D->ctx, p);
    *ub = D->quantile(D->ctx, p + alpha);
}

typedef struct {
    mixture X;
    double center, scale;
} mixctx;

static double mixq(const void *ctx, double p)
{
    const mixctx *c = ctx;
    return mix_quantile(&c->X, p, c->center, c->scale);
}
static double mixf(const void *ctx, double x) { return mix_pdf(&((const mixctx *)ctx)->X, x); }

/* ---- tau's posterior on the integration intervals ----------------------------------------- */

typedef struct {
    model M;
    interval *iv;
    size_t nint;
    double *cum; /* cum[i] = posterior probability of t < iv[i].a */
    double Z;    /* ∫ g dt */
} taupost;

/* P(t' < t) */
static double tp_cdf_t(const taupost *T, double t)
{
    if (t <= 0) return 0;
    if (t >= 1) return 1;
    size_t lo = 0, hi = T->nint; /* find the interval holding t */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (T->iv[mid].a <= t) lo = mid; else hi = mid;
    }
    interval part = {T->iv[lo].a, t, {0}, {0}};
    if (t > part.a) qk15(&T->M, &part);
    double p = T->cum[lo] + part.K[0] / T->Z;
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

static double tp_gt(const taupost *T, double t)
{
    double F[NCOMP];
    integrand(&T->M, t, F, NULL, NULL, NULL);
    return F[0] / T->Z;
}

static double tp_quantile_t(const taupost *T, double p)
{
    if (p <= 0) return 0;
    if (p >= 1) return 1;
    size_t i = 0;
    while (i + 1 < T->nint && T->cum[i + 1] <= p) i++;
    double lo = T->iv[i].a, hi = T->iv[i].b, x = 0.5 * (lo + hi);
    for (int it = 0; it < 200; it++) {
        double F = tp_cdf_t(T, x) - p;
        if (F == 0) return x;
        if (F < 0) lo = x; else hi = x;
        double f = tp_gt(T, x), xn = f > 0 ? x - F / f : NAN;
        if (!(xn > lo && xn < hi)) xn = 0.5 * (lo + hi);
        if (fabs(xn - x) <= 1e-16 || hi - lo <= 1e-16) return xn;
        x = xn;
    }
    return x;
}

static double t_of_tau(const model *M, double tau)
{
    if (M->uniform) return (tau - M->tp->a) / (M->tp->b - M->tp->a);
    return tau / (M->c + tau);
}

static double tp_quantile(const void *ctx, double p)
{
    const taupost *T = ctx;
    double jac, t = tp_quantile_t(T, p);
    return map_tau(&T->M, t, &jac);
}

static double tp_pdf_tau(const void *ctx, double tau)
{
    const taupost *T = ctx;
    double jac, t = t_of_tau(&T->M, tau);
    if (t < 0 || t > 1) return 0;
    if (t == 1 && !T->M.uniform) return 0;
    map_tau(&T->M, t, &jac);
    return tp_gt(T, t) / jac;
}

/* ---- the fit --------------------------------------------------------------------------------- */

void cmeta_bayes_free(cmeta_bayes *b)
{
    if (!b) return;
    cmeta_free(b->shr_mean);
    cmeta_free(b->shr_lb);
    cmeta_free(b->shr_ub);
    cmeta_free(b->grid_tau);
    cmeta_free(b->grid_w);
    cmeta_free(b->grid_mean);
    cmeta_free(b->grid_var);
    cmeta_free(b->y_);
    cmeta_free(b->v_);
    cmeta_free(b);
}

static void set_model(model *M, const cmeta_bayes *b)
{
    M->y = b->y_;
    M->v = b->v_;
    M->k = b->k;
    M->tp = &b->tau_prior;
    M->mp = &b->mu_prior;
    M->uniform = b->tau_prior.kind == CMETA_TAU_UNIFORM;
    M->c = b->scale_;
    M->ref = 0;
}

double cmeta_bayes_tau_pdf(const cmeta_bayes *b, double tau)
{
    model M;
    double m, V;
    set_model(&M, b);
    if (!(tau >= 0) || !isfinite(tau)) return 0;
    double lp = cmeta_tau_prior_logpdf(&b->tau_prior, tau, b->v_, b->k);
    if (lp == -INFINITY) return 0;
    return exp(lp + loglik(&M, tau, &m, &V) - b->lognorm_);
}

/* P(tau' <= tau) from the grid would be a step function; integrate the density instead, with the
 * same 15-point rule on [0, t] split at the grid's interval ends (cheap enough for plots). */
double cmeta_bayes_tau_cdf(const cmeta_bayes *b, double tau)
{
    model M;
    set_model(&M, b);
    M.ref = b->lognorm_;
    double t = tau <= 0 ? 0 : t_of_tau(&M, tau);
    if (t <= 0) return 0;
    if (t >= 1) return 1;
    double s = 0;
    int n = 64;
    for (int i = 0; i < n; i++) {
        interval iv = {t * i / n, t * (i + 1) / n, {0}, {0}};
        qk15(&M, &iv);
        s += iv.K[0];
    }
    return s > 1 ? 1 : s;
}

static void mix_of(const cmeta_bayes *b, int predict, double *s, mixture *X)
{
    for (size_t j = 0; j < b->ngrid; j++)
        s[j] = sqrt(b->grid_var[j] + (predict ? b->grid_tau[j] * b->grid_tau[j] : 0));
    X->n = b->ngrid;
    X->w = b->grid_w;
    X->m = b->grid_mean;
    X->s = s;
}

double cmeta_bayes_mu_pdf(const cmeta_bayes *b, double mu, int predict)
{
    double *s = CMETA_ARRAY_NEW(double, b->ngrid);
    if (!s) return NAN;
    mixture X;
    mix_of(b, predict, s, &X);
    double r = mix_pdf(&X, mu);
    cmeta_free(s);
    return r;
}

double cmeta_bayes_mu_cdf(const cmeta_bayes *b, double mu, int predict)
{
    double *s = CMETA_ARRAY_NEW(double, b->ngrid);
    if (!s) return NAN;
    mixture X;
    mix_of(b, predict, s, &X);
    double r = mix_cdf(&X, mu);
    cmeta_free(s);
    return r;
}

/* Summaries of a mixture whose mean and variance are known (var INFINITY when it does not exist). */
static void summarise_mix(const mixture *X, double mean, double var, double alpha, int want_hpd,
                          cmeta_bayes_summary *S)
{
    double scale = isfinite(var) && var > 0 ? sqrt(var) : 0;
    if (!(scale > 0)) {
        /* no variance (heavy tails): the SD of the component at the weighted median (the grid
         * is in tau order). Not the widest component: under a log-t prior that one sits at
         * tau ~ 1e100 and bisection from such a bracket does not reach 1e-15 in 200 steps. */
        double c = 0;
        for (size_t j = 0; j < X->n; j++) {
            c += X->w[j];
            if (c >= 0.5 && isfinite(X->s[j]) && X->s[j] > 0) {
                scale = X->s[j];
                break;
            }
        }
        if (!(scale > 0)) scale = 1;
    }
    S->mean = mean;
    S->sd = isfinite(var) ? sqrt(var) : INFINITY;
    S->median = mix_quantile(X, 0.5, mean, scale);
    S->ci_lb = mix_quantile(X, (1 - alpha) / 2, S->median, scale);
    S->ci_ub = mix_quantile(X, (1 + alpha) / 2, S->median, scale);
    S->hpd_lb = S->hpd_ub = NAN;
    if (want_hpd) {
        mixctx c = {*X, S->median, scale};
        dist1 D = {mixq, mixf, &c};
        shortest(&D, alpha, 1e-13, &S->hpd_lb, &S->hpd_ub);
    }
}

/* ---- the fit, step by step --------------------------------------------------------------- */

static cmeta_status check_inputs(const double *yi, const double *vi, size_t k, const cmeta_mu_prior *mp,
                                 double level, cmeta_error *err)
{
    if (k < 1) return cmeta_error_set(err, CMETA_EDATA, "bayes: no studies");
    if (!(level > 0 && level < 100))
        return cmeta_error_set(err, CMETA_EUSAGE, "bayes: level must be in (0, 100)");
    for (size_t i = 0; i < k; i++) {
        if (!isfinite(yi[i])) {
            if (err) err->index = (long)i;
            return cmeta_error_set(err, CMETA_EDATA, "yi must be finite");
        }
        if (!(vi[i] > 0) || !isfinite(vi[i])) {
            if (err) err->index = (long)i;
            return cmeta_error_set(err, CMETA_EDATA, "vi must be > 0 and finite for the Bayesian model");
        }
    }
    if (!mp->flat && !(mp->sd > 0 && isfinite(mp->sd) && isfinite(mp->mean)))
        return cmeta_error_set(err, CMETA_EUSAGE, "--mu-prior: the normal prior needs a finite mean and SD > 0");
    return CMETA_OK;
}

/* Scale of the map: the tau where tau p(tau | y) (the density of log tau) peaks, searched on
 * log tau in steps of 0.25 over 20 units either side of sqrt(mean v) and the prior's scale.
 * Sets M->c (the scale) and M->ref (the largest log posterior seen, the integrand's reference). */
static cmeta_status map_scale(model *M, const cmeta_tau_prior *tp, const double *vi, size_t k,
                              cmeta_error *err)
{
    double mv = 0;
    for (size_t i = 0; i < k; i++) mv += vi[i] / (double)k;
    double c0 = sqrt(mv), best = -INFINITY, bt = c0, ref = -INFINITY, m, V;
    for (int i = -200; i <= 200; i++) {
        double tau = c0 * exp(0.25 * i);
        double lp = cmeta_tau_prior_logpdf(tp, tau, vi, k);
        if (lp == -INFINITY) continue;
        double l = lp + loglik(M, tau, &m, &V);
        if (l > ref) ref = l;
        if (l + log(tau) > best) {
            best = l + log(tau);
            bt = tau;
        }
    }
    if (tp->kind == CMETA_TAU_UNIFORM) {
        for (int i = 0; i <= 64; i++) {
            double tau = tp->a + (tp->b - tp->a) * i / 64.0;
            double l = cmeta_tau_prior_logpdf(tp, tau, vi, k) + loglik(M, tau, &m, &V);
            if (l > ref) ref = l;
        }
    }
    if (ref == -INFINITY)
        return cmeta_error_set(err, CMETA_ENUMERIC, "bayes: the posterior of tau is zero everywhere searched");
    M->c = bt;
    M->ref = ref;
    return CMETA_OK;
}

/* Adaptive Gauss-Kronrod subdivision of the map's [0, 1]: split the interval with the largest
 * error estimate (relative to each used component's total) until every used component's
 * relative error is below 1e-11, or 4096 intervals. *iv_out is allocated (n_out intervals). */
static cmeta_status integrate_tau(const model *M, const int use[NCOMP], interval **iv_out, size_t *n_out,
                                  double *relerr_out, cmeta_error *err)
{
    size_t cap = 4096, n = 16;
    interval *iv = CMETA_ARRAY_NEW(interval, cap);
    if (!iv) return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        iv[i].a = (double)i / (double)n;
        iv[i].b = (double)(i + 1) / (double)n;
        qk15(M, &iv[i]);
    }
    const double tol = 1e-11;
    double relerr = INFINITY;
    for (;;) {
        double tot[NCOMP] = {0}, etot[NCOMP] = {0};
        for (size_t i = 0; i < n; i++)
            for (int j = 0; j < NCOMP; j++) {
                tot[j] += fabs(iv[i].K[j]);
                etot[j] += iv[i].E[j];
            }
        if (!(tot[0] > 0) || !isfinite(tot[0])) {
            cmeta_free(iv);
            return cmeta_error_set(err, CMETA_ENUMERIC, "bayes: the posterior of tau could not be normalised");
        }
        relerr = 0;
        for (int j = 0; j < NCOMP; j++)
            if (use[j] && tot[j] > 0 && etot[j] / tot[j] > relerr) relerr = etot[j] / tot[j];
        if (relerr <= tol || n == cap) break;
        size_t worst = 0;
        double we = -1;
        for (size_t i = 0; i < n; i++) {
            double e = 0;
            for (int j = 0; j < NCOMP; j++)
                if (use[j] && tot[j] > 0 && iv[i].E[j] / tot[j] > e) e = iv[i].E[j] / tot[j];
            if (e > we) {
                we = e;
                worst = i;
            }
        }
        double mid = 0.5 * (iv[worst].a + iv[worst].b);
        if (!(mid > iv[worst].a && mid < iv[worst].b)) break; /* cannot split further */
        iv[n].a = mid;
        iv[n].b = iv[worst].b;
        iv[worst].b = mid;
        qk15(M, &iv[worst]);
        qk15(M, &iv[n]);
        n++;
    }
    if (!(relerr <= 1e-7)) {
        cmeta_free(iv);
        return cmeta_error_set(err, CMETA_ENUMERIC,
                               "bayes: the integral over tau did not reach the accuracy wanted (relative error %.2g)",
                               relerr);
    }
    qsort(iv, n, sizeof *iv, cmp_interval);
    *iv_out = iv;
    *n_out = n;
    *relerr_out = relerr;
    return CMETA_OK;
}

/* The grid: the K15 nodes of each interval with their posterior weights, and the mean and
 * variance of mu | tau at each. */
static cmeta_status build_grid(cmeta_bayes *b, const model *M, const interval *iv, size_t n, double Z)
{
    size_t ng = 15 * n;
    b->ngrid = ng;
    b->grid_tau = CMETA_ARRAY_NEW(double, ng);
    b->grid_w = CMETA_ARRAY_NEW(double, ng);
    b->grid_mean = CMETA_ARRAY_NEW(double, ng);
    b->grid_var = CMETA_ARRAY_NEW(double, ng);
    if (!b->grid_tau || !b->grid_w || !b->grid_mean || !b->grid_var) return CMETA_ENOMEM;
    for (size_t i = 0, g = 0; i < n; i++) {
        double c = 0.5 * (iv[i].a + iv[i].b), h = 0.5 * (iv[i].b - iv[i].a);
        for (int q = 0; q < 15; q++) {
            int r = q < 7 ? q : q > 7 ? 14 - q : 7;
            double x = q < 7 ? c - h * xgk[r] : q > 7 ? c + h * xgk[r] : c, F[NCOMP];
            integrand(M, x, F, &b->grid_tau[g], &b->grid_mean[g], &b->grid_var[g]);
            b->grid_w[g] = wgk[r] * h * F[0] / Z;
            if (!(b->grid_w[g] > 0) || !isfinite(b->grid_mean[g])) {
                b->grid_w[g] = 0;
                b->grid_mean[g] = 0;
                b->grid_var[g] = 1;
                b->grid_tau[g] = isfinite(b->grid_tau[g]) ? b->grid_tau[g] : 0;
            }
            g++;
        }
    }
    return CMETA_OK;
}

/* tau: moments from the integrals (two-pass variance on the grid when it exists), quantiles and
 * the shortest interval from the interpolated posterior CDF. */
static void summarise_tau(cmeta_bayes *b, const model *M, interval *iv, size_t n, double *cum, double Z,
                          int fin1, int fin2, double alpha)
{
    taupost T = {*M, iv, n, cum, Z};
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        s1 += iv[i].K[1];
        s2 += iv[i].K[2];
    }
    b->tau.mean = fin1 ? s1 / Z : INFINITY;
    b->tau.sd = fin2 ? sqrt(fmax(s2 / Z - b->tau.mean * b->tau.mean, 0)) : INFINITY;
    if (fin2) { /* two-pass variance on the grid, free of cancellation */
        double v = 0;
        for (size_t j = 0; j < b->ngrid; j++) {
            double d = b->grid_tau[j] - b->tau.mean;
            v += b->grid_w[j] * d * d;
        }
        b->tau.sd = sqrt(v);
    }
    b->tau.median = tp_quantile(&T, 0.5);
    b->tau.ci_lb = tp_quantile(&T, (1 - alpha) / 2);
    b->tau.ci_ub = tp_quantile(&T, (1 + alpha) / 2);
    dist1 D = {tp_quantile, tp_pdf_tau, &T};
    shortest(&D, alpha, 0, &b->tau.hpd_lb, &b->tau.hpd_ub);
}

/* Merge runs of neighbouring nodes whose conditionals are the same to 1e-10 (mean shifts and
 * variance changes below 1e-10 of the SD and variance, tau^2 below 1e-10 of the smallest v):
 * the merged component keeps the run's weight and the first two moments of mu | tau and
 * of tau^2, so every mixture below changes by less than ~1e-10. This matters where a prior
 * piles mass at tau -> 0 over many decades (log-t, log-normal): e.g. Rhodes k = 30, 2865
 * nodes become ~600. */
static void merge_grid(cmeta_bayes *b, const double *vi, size_t k)
{
    double vmin = vi[0];
    for (size_t i = 1; i < k; i++) vmin = fmin(vmin, vi[i]);
    const double eps = 1e-10;
    size_t ng = b->ngrid, nout = 0, j = 0;
    while (j < ng) {
        size_t l = j + 1;
        while (l < ng && fabs(b->grid_mean[l] - b->grid_mean[j]) <= eps * sqrt(b->grid_var[j]) &&
               fabs(b->grid_var[l] - b->grid_var[j]) <= eps * b->grid_var[j] &&
               fabs(b->grid_tau[l] * b->grid_tau[l] - b->grid_tau[j] * b->grid_tau[j]) <= eps * vmin)
            l++;
        double w = 0, m1 = 0, m2 = 0, t2 = 0;
        for (size_t q = j; q < l; q++) {
            w += b->grid_w[q];
            m1 += b->grid_w[q] * b->grid_mean[q];
        }
        if (w > 0) {
            m1 /= w;
            for (size_t q = j; q < l; q++) {
                double d = b->grid_mean[q] - m1;
                m2 += b->grid_w[q] * (b->grid_var[q] + d * d);
                t2 += b->grid_w[q] * b->grid_tau[q] * b->grid_tau[q];
            }
            b->grid_w[nout] = w;
            b->grid_mean[nout] = m1;
            b->grid_var[nout] = m2 / w;
            b->grid_tau[nout] = sqrt(t2 / w);
            nout++;
        }
        j = l;
    }
    b->ngrid = nout;
}

/* mu and the prediction (mixtures of normals over the grid); BF01 for mu = 0 by Savage-Dickey. */
static void summarise_mu(cmeta_bayes *b, const cmeta_mu_prior *mp, int var_mu, int fin2, double alpha,
                         double *sbuf)
{
    size_t ng = b->ngrid;
    double mean = 0, v = 0, vp = 0;
    for (size_t j = 0; j < ng; j++) mean += b->grid_w[j] * b->grid_mean[j];
    for (size_t j = 0; j < ng; j++) {
        double d = b->grid_mean[j] - mean;
        v += b->grid_w[j] * (b->grid_var[j] + d * d);
        vp += b->grid_w[j] * (b->grid_var[j] + b->grid_tau[j] * b->grid_tau[j] + d * d);
    }
    mixture X;
    mix_of(b, 0, sbuf, &X);
    summarise_mix(&X, mean, var_mu ? v : INFINITY, alpha, 1, &b->mu);
    b->bf01_mu0 = NAN;
    if (!mp->flat) {
        double z = mp->mean / mp->sd;
        b->bf01_mu0 = mix_pdf(&X, 0) / (exp(-0.5 * z * z) / (mp->sd * sqrt(2 * M_PI)));
    }
    mix_of(b, 1, sbuf, &X);
    summarise_mix(&X, mean, fin2 ? vp : INFINITY, alpha, 1, &b->pred);
}

/* shrinkage: theta_i | tau, y ~ N(B y_i + (1 - B) m, B v_i + (1 - B)^2 V), B = tau^2/(v_i + tau^2) */
static void shrinkage(cmeta_bayes *b, const double *yi, const double *vi, size_t k, double alpha,
                      double *mbuf, double *sbuf)
{
    size_t ng = b->ngrid;
    for (size_t i = 0; i < k; i++) {
        double mean = 0, var = 0;
        for (size_t j = 0; j < ng; j++) {
            double t2 = b->grid_tau[j] * b->grid_tau[j], B = t2 / (vi[i] + t2);
            mbuf[j] = B * yi[i] + (1 - B) * b->grid_mean[j];
            sbuf[j] = sqrt(B * vi[i] + (1 - B) * (1 - B) * b->grid_var[j]);
            mean += b->grid_w[j] * mbuf[j];
        }
        for (size_t j = 0; j < ng; j++) {
            double d = mbuf[j] - mean;
            var += b->grid_w[j] * (sbuf[j] * sbuf[j] + d * d);
        }
        mixture X = {ng, b->grid_w, mbuf, sbuf};
        cmeta_bayes_summary S;
        summarise_mix(&X, mean, var, alpha, 0, &S);
        b->shr_mean[i] = mean;
        b->shr_lb[i] = S.ci_lb;
        b->shr_ub[i] = S.ci_ub;
    }
}

cmeta_status cmeta_bayes_fit(const double *yi, const double *vi, size_t k, const cmeta_tau_prior *tp,
                             const cmeta_mu_prior *mp, double level, cmeta_bayes **out, cmeta_error *err)
{
    *out = NULL;
    cmeta_status st = check_inputs(yi, vi, k, mp, level, err);
    if (st != CMETA_OK) return st;
    /* propriety of the posterior and existence of moments from the tail exponent */
    int logdecay;
    double a = prior_tail(tp, &logdecay) + (double)k - (mp->flat ? 1 : 0);
#define FINITE_MOMENT(r) (a - (r) > 1 || (logdecay && a - (r) == 1))
    if (tp->kind != CMETA_TAU_UNIFORM && !FINITE_MOMENT(0))
        return cmeta_error_set(err, CMETA_EDATA,
                               "bayes: the posterior of tau is improper (%s prior, flat mu prior, k = %zu); "
                               "use a proper prior or more studies",
                               tp->name, k);
    int uniform = tp->kind == CMETA_TAU_UNIFORM;
    int fin1 = uniform || FINITE_MOMENT(1), fin2 = uniform || FINITE_MOMENT(2);
#undef FINITE_MOMENT
    int use[NCOMP] = {1, fin1, fin2, 1, fin2 || !mp->flat};

    st = CMETA_ENOMEM;
    cmeta_bayes *b = cmeta_calloc(1, sizeof *b);
    interval *iv = NULL;
    double *cum = NULL, *sbuf = NULL, *mbuf = NULL;
    if (!b) goto fail;
    b->k = k;
    b->level = level;
    b->tau_prior = *tp;
    b->mu_prior = *mp;
    b->y_ = CMETA_ARRAY_NEW(double, k);
    b->v_ = CMETA_ARRAY_NEW(double, k);
    b->shr_mean = CMETA_ARRAY_NEW(double, k);
    b->shr_lb = CMETA_ARRAY_NEW(double, k);
    b->shr_ub = CMETA_ARRAY_NEW(double, k);
    if (!b->y_ || !b->v_ || !b->shr_mean || !b->shr_lb || !b->shr_ub) goto fail;
    memcpy(b->y_, yi, k * sizeof *yi);
    memcpy(b->v_, vi, k * sizeof *vi);

    model M;
    set_model(&M, b);
    if ((st = map_scale(&M, tp, vi, k, err)) != CMETA_OK) goto fail;
    b->scale_ = M.c;
    size_t n = 0;
    if ((st = integrate_tau(&M, use, &iv, &n, &b->quad_err, err)) != CMETA_OK) goto fail;
    st = CMETA_ENOMEM;
    double Z = 0;
    for (size_t i = 0; i < n; i++) Z += iv[i].K[0];
    cum = CMETA_ARRAY_NEW(double, n + 1);
    if (!cum) goto fail;
    for (size_t i = 0; i < n; i++) cum[i + 1] = cum[i] + iv[i].K[0] / Z;
    b->lognorm_ = log(Z) + M.ref;
    b->nint = n;
    if (build_grid(b, &M, iv, n, Z) != CMETA_OK) goto fail;
    sbuf = CMETA_ARRAY_NEW(double, b->ngrid);
    mbuf = CMETA_ARRAY_NEW(double, b->ngrid);
    if (!sbuf || !mbuf) goto fail;

    double alpha = level / 100;
    summarise_tau(b, &M, iv, n, cum, Z, fin1, fin2, alpha);
    merge_grid(b, vi, k);
    summarise_mu(b, mp, use[4], fin2, alpha, sbuf);
    shrinkage(b, yi, vi, k, alpha, mbuf, sbuf);
    /* marginal likelihood and the Bayes factor for tau = 0 */
    b->marglik = b->log_marglik = NAN;
    b->bf01_tau0 = NAN;
    if (cmeta_tau_prior_proper(tp)) {
        double m, V;
        b->bf01_tau0 = exp(loglik(&M, 0, &m, &V) - b->lognorm_);
        if (!mp->flat) {
            b->log_marglik = b->lognorm_;
            b->marglik = exp(b->lognorm_);
        }
    }
    cmeta_free(cum);
    cmeta_free(iv);
    cmeta_free(sbuf);
    cmeta_free(mbuf);
    *out = b;
    return CMETA_OK;
fail:
    if (st == CMETA_ENOMEM) cmeta_error_set(err, st, "out of memory");
    cmeta_free(cum);
    cmeta_free(iv);
    cmeta_free(sbuf);
    cmeta_free(mbuf);
    cmeta_bayes_free(b);
    return st;
}
