/* cmeta/bayes.h - Bayesian random-effects meta-analysis (the normal-normal hierarchical model)
 * computed by numerical integration, without MCMC.
 *
 * Model (Roever 2020, J Stat Softw 93(6), section 2):
 *     y_i | theta_i ~ N(theta_i, v_i),  theta_i | mu, tau ~ N(mu, tau^2),  i = 1..k,
 *     priors p(mu) (normal or flat) and p(tau) (below), independent.
 * Integrating theta and mu out analytically leaves one dimension, tau:
 *     p(tau | y) ∝ p(tau) p(y | tau),
 *     mu | tau, y ~ N(m(tau), V(tau)),  1/V = sum_i w_i (+ 1/s^2),  w_i = 1/(v_i + tau^2),
 *                                       m = V (sum_i w_i y_i (+ m0/s^2)),
 * so that every posterior of interest (mu, a new study's theta, each study's theta_i) is a
 * mixture of normals over p(tau | y): the "direct algorithm" of Roever 2020 (section 2.4) and
 * of R bayesmeta. Where bayesmeta places its mixture grid by a bound on the divergence between
 * neighbouring conditionals (Roever & Friede 2017, delta = 0.01), cmeta takes the nodes and
 * weights of an adaptive Gauss-Kronrod (G7/K15) subdivision of p(tau | y) refined until the
 * QUADPACK a-posteriori error estimate of every integral it serves is below 1e-11 relative
 * (cmeta_bayes.quad_err reports it): the same mixture representation, accurate to 1e-6 and
 * better instead of to the divergence bound. See src/lib/bayes.c for the formulas.
 */
#ifndef CMETA_BAYES_H
#define CMETA_BAYES_H

#include <stddef.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CMETA_TAU_HALFNORMAL, /* halfnormal:S    p = 2 phi(tau/S)/S */
    CMETA_TAU_HALFCAUCHY, /* halfcauchy:S    p = 2 / (pi S (1 + (tau/S)^2)) */
    CMETA_TAU_HALFT,      /* halft:S:DF      p = 2 t_DF(tau/S)/S */
    CMETA_TAU_LOGNORMAL,  /* lognormal:M:S   log tau ~ N(M, S^2) */
    CMETA_TAU_UNIFORM,    /* uniform:A:B     1/(B - A) on [A, B] */
    CMETA_TAU_JEFFREYS,   /* jeffreys        ∝ sqrt(sum_i (tau/(v_i + tau^2))^2), improper */
    CMETA_TAU_TURNER,     /* Turner et al. 2015: tau^2 ~ logN(m, s^2), i.e. tau ~ logN(m/2, (s/2)^2) */
    CMETA_TAU_RHODES      /* Rhodes et al. 2015: log tau^2 ~ m + s t_5, i.e. log tau ~ m/2 + (s/2) t_5 */
} cmeta_tau_prior_kind;

typedef struct {
    cmeta_tau_prior_kind kind;
    double a, b, c;   /* parameters: S | S | S, DF | M, S | A, B | - | m, s (tau^2 scale) | m, s */
    char name[160];   /* the specification as given, e.g. "halfnormal:0.5" */
    char label[200];  /* a description, e.g. "Turner 2015 pain, pharmacological vs placebo/control:
                         tau^2 ~ logN(-1.83, 1.52^2)" */
} cmeta_tau_prior;

typedef struct {
    int flat;         /* 1: p(mu) ∝ 1 (improper) */
    double mean, sd;  /* normal:M:S */
    char name[160];
} cmeta_mu_prior;

/* Parse a --tau-prior / --mu-prior specification (see the enum above; turner:OUTCOME:COMPARISON
 * and rhodes:OUTCOME:COMPARISON take the keys listed by cmeta_tau_prior_keys). CMETA_EUSAGE with
 * a message naming the rule when the text is not valid. */
CMETA_EXPORT cmeta_status cmeta_tau_prior_parse(const char *spec, cmeta_tau_prior *out,
                                                cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT cmeta_status cmeta_mu_prior_parse(const char *spec, cmeta_mu_prior *out,
                                               cmeta_error *err) CMETA_RESULT_USED;
/* A static, human-readable list of the turner (which = 0) or rhodes (which = 1) outcome and
 * comparison keys, for usage messages and --help. */
CMETA_EXPORT const char *cmeta_tau_prior_keys(int which);

/* 1 when the prior integrates to 1 (all but jeffreys). */
CMETA_EXPORT int cmeta_tau_prior_proper(const cmeta_tau_prior *p);
/* Log prior density of tau (normalised when proper; jeffreys uses vi, k). -INFINITY outside
 * the support. */
CMETA_EXPORT double cmeta_tau_prior_logpdf(const cmeta_tau_prior *p, double tau, const double *vi,
                                           size_t k);

/* Summary of one posterior (marginal) distribution. Moments that do not exist (heavy tails,
 * e.g. the SD of tau for k = 2 under a half-Cauchy prior and a flat mu prior) are INFINITY. */
typedef struct {
    double mean, median, sd;
    double ci_lb, ci_ub;   /* central interval: quantiles (1 -+ level)/2 */
    double hpd_lb, hpd_ub; /* shortest interval of the same probability (unimodal densities) */
} cmeta_bayes_summary;

typedef struct {
    size_t k;
    double level;              /* percent, e.g. 95 */
    cmeta_tau_prior tau_prior;
    cmeta_mu_prior mu_prior;
    cmeta_bayes_summary mu, tau, pred;
    double *shr_mean, *shr_lb, *shr_ub; /* length k: theta_i | y, mean and central interval */
    /* marginal likelihood p(y) = ∫∫ p(y | mu, tau) p(mu) p(tau); NAN unless both priors proper */
    double marglik, log_marglik;
    /* Bayes factors in favour of the null (BF01): mu0 = p(mu = 0 | y) / p(mu = 0) (Savage-
     * Dickey; NAN with a flat mu prior); tau0 = p(y | tau = 0) / p(y) (NAN with an improper tau
     * prior; with a flat mu prior the common improper constant cancels in the ratio) */
    double bf01_mu0, bf01_tau0;
    /* The mixture: ngrid nodes tau_j with posterior weights w_j (sum 1) and the conditional
     * mean and variance of mu | tau_j, y: the K15 nodes of the nint intervals, neighbours whose
     * conditionals agree to 1e-10 merged (moments kept). Owned by the fit. */
    size_t ngrid, nint;
    double *grid_tau, *grid_w, *grid_mean, *grid_var;
    double quad_err;           /* largest relative a-posteriori quadrature error estimate */
    /* private: the data and the integration map, for the density functions below */
    double *y_, *v_;
    double lognorm_;           /* log ∫ p(tau) p(y | tau) dtau (unnormalised constants kept) */
    double scale_;             /* tau = scale t / (1 - t) (or A + (B - A) t for uniform) */
} cmeta_bayes;

/* Fit the model to yi, vi (k >= 2, vi > 0 finite, yi finite) at level (percent, in (0, 100)).
 * *out is allocated; the caller frees it with cmeta_bayes_free. CMETA_EDATA for bad data,
 * CMETA_ENUMERIC when the integration fails (the message says which integral). */
CMETA_EXPORT cmeta_status cmeta_bayes_fit(const double *yi, const double *vi, size_t k,
                                          const cmeta_tau_prior *tp, const cmeta_mu_prior *mp,
                                          double level, cmeta_bayes **out,
                                          cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT void cmeta_bayes_free(cmeta_bayes *b);

/* Posterior density of tau at tau (normalised); the prior density is cmeta_tau_prior_logpdf. */
CMETA_EXPORT double cmeta_bayes_tau_pdf(const cmeta_bayes *b, double tau);
/* Posterior CDF of tau, and the marginal posterior density and CDF of mu (predict = 1: of a new
 * study's effect). */
CMETA_EXPORT double cmeta_bayes_tau_cdf(const cmeta_bayes *b, double tau);
CMETA_EXPORT double cmeta_bayes_mu_pdf(const cmeta_bayes *b, double mu, int predict);
CMETA_EXPORT double cmeta_bayes_mu_cdf(const cmeta_bayes *b, double mu, int predict);

#ifdef __cplusplus
}
#endif
#endif
