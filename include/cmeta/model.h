/* cmeta/model.h - fixed- and random-effects models and meta-regression (metafor's rma.uni,
 * rma.mh and rma.peto).
 *
 * The model is  yi = x_i' beta + u_i + e_i,  u_i ~ N(0, tau^2),  e_i ~ N(0, vi)
 * (Viechtbauer 2010, J Stat Softw 36(3)). With X = NULL the design is an intercept only and
 * beta[0] is the pooled estimate. All formulas are given beside their code in src/lib/rma.c
 * (model fit), src/lib/tau2.c (the tau^2 estimators), src/lib/mh.c (Mantel-Haenszel, Peto)
 * and src/lib/heterogeneity.c (Q, I^2, H^2, Q-profile intervals).
 */
#ifndef CMETA_MODEL_H
#define CMETA_MODEL_H

#include "status.h"
#include "effect.h"
#include "data.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CMETA_METHOD_FE,   /* fixed (equal/common) effect, inverse variance */
    CMETA_METHOD_DL,   /* DerSimonian & Laird 1986 */
    CMETA_METHOD_HE,   /* Hedges 1983 (Hedges & Olkin 1985) */
    CMETA_METHOD_HS,   /* Hunter & Schmidt 2004 */
    CMETA_METHOD_SJ,   /* Sidik & Jonkman 2005 */
    CMETA_METHOD_ML,   /* maximum likelihood */
    CMETA_METHOD_REML, /* restricted maximum likelihood (default) */
    CMETA_METHOD_EB,   /* empirical Bayes (Morris 1983) */
    CMETA_METHOD_PM,   /* Paule & Mandel 1982 */
    CMETA_METHOD_MH,   /* Mantel-Haenszel (2x2 data: OR, RR, RD) */
    CMETA_METHOD_PETO  /* Peto's one-step odds ratio (2x2 data) */
} cmeta_method;

/* CMETA_TEST_ADHOC: Knapp-Hartung with the factor q truncated at 1 (Knapp & Hartung 2003;
 * metafor 4's test = "adhoc"; cmeta --test knha-adhoc). */
typedef enum { CMETA_TEST_Z, CMETA_TEST_T, CMETA_TEST_KNHA, CMETA_TEST_ADHOC } cmeta_test;

/* The meta package's adhoc.hakn.ci rules for the Hartung-Knapp CI of the pooled effect
 * (meta 8.3-0, R/metagen.R; src/lib/hakn.c): with test knha and an intercept-only model. */
typedef enum {
    CMETA_HAKN_CI_NONE,
    CMETA_HAKN_CI_SE,     /* "se": the classic RE SE when q < 1 (t quantile, k - 1 df) */
    CMETA_HAKN_CI_CI,     /* "ci": the classic RE (z) CI when it is wider than the HK CI */
    CMETA_HAKN_CI_IQWIG6  /* "IQWiG6": the classic RE SE (t, k - 1 df) when the HK CI is
                             narrower than the DerSimonian-Laird classic RE CI */
} cmeta_hakn_ci;
CMETA_EXPORT const char *cmeta_hakn_ci_name(cmeta_hakn_ci r);
CMETA_EXPORT cmeta_status cmeta_hakn_ci_from_name(const char *name, cmeta_hakn_ci *out);

CMETA_EXPORT const char *cmeta_method_name(cmeta_method m);
/* Accepts FE, EE, CE (all -> CMETA_METHOD_FE), DL, ..., case-insensitive. */
CMETA_EXPORT cmeta_status cmeta_method_from_name(const char *name, cmeta_method *out);
CMETA_EXPORT const char *cmeta_test_name(cmeta_test t);
CMETA_EXPORT cmeta_status cmeta_test_from_name(const char *name, cmeta_test *out);

typedef struct {
    cmeta_method method;  /* default REML */
    cmeta_test test;      /* default z */
    double level;         /* confidence level in percent, default 95 */
    double tol;           /* convergence tolerance of iterative estimators, default 1e-10 */
    int maxiter;          /* default 1000 */
    int tau2_fixed;       /* 1: use tau2 below instead of estimating it */
    double tau2;
    int intercept;        /* 1 (default): a column of ones is put before X */
    int mh_random;        /* MH/Peto: random effects with DL tau^2 from Q around the MH/Peto
                             estimate, as RevMan 5 does (preset revman5) */
    int no_ci_tau2;       /* 1: skip the Q-profile interval for tau^2 (faster) */
    cmeta_hakn_ci hakn_ci;/* ad hoc rule for the HK interval (test knha only), default none */
} cmeta_fit_opts;

CMETA_EXPORT void cmeta_fit_opts_default(cmeta_fit_opts *o);

/* A fitted model. Arrays are owned by the fit and freed by cmeta_fit_free. */
typedef struct {
    size_t k, p;               /* studies; coefficients */
    cmeta_method method;
    cmeta_test test;
    double level;
    /* coefficients (length p); for p = 1 without moderators beta[0] is the pooled effect */
    double *beta, *se, *stat, *pval, *ci_lb, *ci_ub;
    double *vb;                /* p x p variance-covariance matrix, row-major */
    double df;                 /* df of t/F tests (k - p); NAN under test z */
    /* omnibus test of the moderators (intercept excluded when present) */
    double QM, QM_df, QM_pval;
    /* residual heterogeneity */
    double Q, Q_df, Q_pval;
    double tau2, se_tau2, tau, tau2_ci_lb, tau2_ci_ub;
    double I2, I2_ci_lb, I2_ci_ub, H2, H2_ci_lb, H2_ci_ub;
    double I2_Q;               /* Higgins & Thompson (Q - df)/Q * 100, truncated at 0 */
    double vt;                 /* typical within-study variance (Higgins & Thompson 2002) */
    double R2;                 /* pseudo-R^2 in percent (meta-regression), NAN otherwise */
    double pi_lb, pi_ub;       /* prediction interval (intercept-only models) */
    double *weight;            /* length k: percentage weights (sum 100) */
    double *wi;                /* length k: raw weights 1/(vi + tau2) (or MH/Peto weights) */
    int iterations;            /* iterations of the tau^2 estimator (0 for closed forms) */
    int tau2_truncated;        /* 1 if the estimate was negative and set to 0 */
    double ll, deviance;       /* (restricted) log-likelihood and deviance where defined */
    cmeta_hakn_ci hakn_ci;     /* the ad hoc HK rule asked for, and whether it changed the */
    int hakn_ci_applied;       /* interval (1) or left the HK interval as it was (0) */
} cmeta_fit;

/* Fit a fixed- or random-effects model or meta-regression. yi, vi: length k; X: k x q
 * row-major moderators (NULL for none); with opts->intercept a column of ones is put
 * first, so p = q + 1. Refuses rank-deficient designs (CMETA_EDATA naming the column) and
 * methods MH/PETO (use the functions below). *out is a new fit: free with cmeta_fit_free. */
CMETA_EXPORT cmeta_status cmeta_rma(const double *yi, const double *vi, size_t k,
                                    const double *X, size_t q, const cmeta_fit_opts *opts,
                                    cmeta_fit **out, cmeta_warnings *w,
                                    cmeta_error *err) CMETA_RESULT_USED;

/* Mantel-Haenszel (OR, RR, RD) and Peto (OR) pooling of 2x2 tables. yi/vi (from escalc
 * with the continuity handling in use) feed the heterogeneity statistics as in metafor. */
CMETA_EXPORT cmeta_status cmeta_rma_mh(cmeta_measure m, const double *ai, const double *bi,
                                       const double *ci, const double *di, size_t k,
                                       const cmeta_escalc_opts *eo, const cmeta_fit_opts *opts,
                                       cmeta_fit **out, cmeta_warnings *w,
                                       cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT cmeta_status cmeta_rma_peto(const double *ai, const double *bi, const double *ci,
                                         const double *di, size_t k,
                                         const cmeta_escalc_opts *eo, const cmeta_fit_opts *opts,
                                         cmeta_fit **out, cmeta_warnings *w,
                                         cmeta_error *err) CMETA_RESULT_USED;

/* 1 for the methods that pool 2x2 tables (MH, Peto), else 0. */
CMETA_EXPORT int cmeta_method_is_2x2(cmeta_method m);
/* 1 when a fit with these options is a random-effects model (a tau^2 estimator, or MH/Peto
 * with mh_random), 0 for FE and plain MH/Peto. */
CMETA_EXPORT int cmeta_fit_is_random(const cmeta_fit_opts *o);

/* Fit the model the data and options call for (cmeta_rma, or MH/Peto for 2x2 data), with the
 * same dispatch and k = 1 rules as cmeta_fit_subset (cmeta/derive.h) over all studies. */
CMETA_EXPORT cmeta_status cmeta_fit_data(const cmeta_data *d, const cmeta_fit_opts *opts,
                                         cmeta_fit **out, cmeta_warnings *w,
                                         cmeta_error *err) CMETA_RESULT_USED;

CMETA_EXPORT void cmeta_fit_free(cmeta_fit *f);

#ifdef __cplusplus
}
#endif
#endif
