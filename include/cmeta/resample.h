/* cmeta/resample.h - resampling on batched BLAS kernels: GOSH, permutation tests, bootstrap.
 *
 * Every replicate (a subset, a sign flip or permutation, a bootstrap sample) is a refit of
 * the random-effects model  yi = x_i' beta + u_i + e_i  (see cmeta/model.h). Replicates are
 * computed in blocks: for a block of B replicates the weighted sums of all fits
 * (sum w, X'WX, X'Wy, ...) come from matrix products (dgemm) of the B x k weight matrix
 * with the k x m matrices of study-level products (row sums when the model has an intercept
 * only); iterative tau^2 estimators (REML, ML, PM, EB) iterate all replicates of a block in
 * lockstep, each leaving the block at its own convergence. ML and REML take metafor's path
 * (start at max(0, HE), Fisher scoring, ll0check; Newton steps once Fisher scoring's are
 * small), so a replicate whose likelihood has several maxima ends at metafor's.
 * cmeta_rma (model.h) is the one-replicate-at-a-time reference these kernels are tested
 * against.
 *
 * Threads (threads.c: one block at a time, idle threads asleep, the calling thread working
 * too) split blocks. Each block's random numbers come from a generator seeded
 * from (seed, block index), so every result depends on the seed only, never on the number
 * of threads. The products are small: run OpenBLAS single-threaded (OPENBLAS_NUM_THREADS=1
 * before it is loaded, as the cmeta program does); its own threads spin between calls.
 *
 * Estimators supported by the batched kernels: FE, DL, ML, REML, PM, EB (EB and PM solve
 * the same equation, Viechtbauer et al. 2015, and give the same tau^2). Tests: z (and t,
 * whose permutation p-values are the same as z's because |t| orders replicates as |z| does).
 */
#ifndef CMETA_RESAMPLE_H
#define CMETA_RESAMPLE_H

#include <signal.h>
#include <stdint.h>
#include "status.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Progress report: called from the calling thread between rounds of blocks with the number
 * of replicates done and the total. Return nonzero to stop (the call then returns
 * CMETA_EINTR). */
typedef int (*cmeta_progress_fn)(void *ctx, double done, double total);

/* Options shared by every resampling function. */
typedef struct {
    cmeta_method method;     /* FE, DL, ML, REML (default), PM, EB */
    double tol;              /* convergence of tau^2 iterations, default 1e-10 */
    int maxiter;             /* default 1000 */
    unsigned long seed;      /* random results depend on this only; default 1 */
    int threads;             /* 0 = the CPUs this process may use (affinity mask, cgroup quota),
                                one thread below ~1 ms of work; 1 = no threads */
    size_t block;            /* replicates per block; 0 = default (256; GOSH with FE or DL:
                                512 exact, 4096 random subsets) */
    volatile sig_atomic_t *interrupt; /* polled between blocks: nonzero -> CMETA_EINTR */
    cmeta_progress_fn progress;       /* optional */
    void *progress_ctx;
} cmeta_resample_opts;

CMETA_EXPORT void cmeta_resample_opts_default(cmeta_resample_opts *o);

/* ---- GOSH (Olkin, Dahabreh & Trikalinos 2012), as metafor 3.8 gosh.rma --------------- *
 * For every subset of the k studies (2^k - 1 of them, when exact) the model is refitted
 * with the same method; per subset:
 *   estimate  pooled estimate (weights 1/(vi + tau^2))
 *   Q         Cochran's Q with weights 1/vi
 *   tau2      the method's tau^2 (0 for FE)
 *   I2, H2    FE and DL as gosh.rma: I2 = max(0, 100 (Q - (m-1)) / Q), H2 = Q / (m-1);
 *             other methods as rma.uni: I2 = 100 tau2 / (vt + tau2), H2 = 1 + tau2 / vt,
 *             vt = (m-1) / (sum w - sum w^2 / sum w), w = 1/vi.
 *   A subset of one study has Q = 0, I2 = 0, H2 = 1, tau2 = 0.
 * Exact mode (all subsets) is used when 2^k - 1 <= max(subsets, 10^6 when subsets = 0),
 * as gosh.rma decides; otherwise N random subsets whose sizes m are drawn with
 * probability proportional to dbinom(m, k, 1/2), m = 1..k, and whose members are then a
 * simple random sample of m studies (gosh.rma's rule; R's generator itself is not
 * reproduced). Exact mode walks the subsets in Gray-code order (each subset differs from
 * the previous one by one study), so FE and DL update running sums
 * (sum w, sum w y, sum w y^2, sum w^2) in O(1) per subset (the DL estimate itself needs
 * one pass over the included studies with weights 1/(vi + tau^2)); the sums are rebuilt
 * from scratch at the start of every block, and a row whose bound on the sums' rounding
 * drift exceeds 1e-10 of its estimate, Q or DL denominator is summed afresh (two passes,
 * as gosh.rma). Random subsets are always summed afresh.
 * Iterative methods fit blocks of subsets in lockstep. Intercept-only models only. */
typedef struct {
    uint64_t mask;       /* bit j set: study j (0-based) is in the subset */
    int k;               /* studies in the subset */
    int ok;              /* 0: the fit failed (no convergence, overflow); numbers are NaN */
    double estimate, Q, I2, H2, tau2;
} cmeta_gosh_row;

/* Called from the calling thread, in order, with consecutive rows. Return nonzero to stop
 * (cmeta_gosh then returns CMETA_EINTR). */
typedef int (*cmeta_gosh_fn)(void *ctx, const cmeta_gosh_row *rows, size_t n);

typedef struct {
    int exact;            /* 1: all 2^k - 1 subsets */
    uint64_t subsets;     /* rows produced */
    uint64_t failed;      /* rows with ok = 0 */
    /* over the rows with ok: mean, sd, min, max of the estimate and I2 */
    double est_mean, est_sd, est_min, est_max;
    double I2_mean, I2_sd, I2_min, I2_max;
} cmeta_gosh_summary;

/* subsets = 0: exact when 2^k - 1 <= 10^6, else 10^6 random subsets. k <= 62; exact mode
 * needs k <= 30 unless subsets asks for at least 2^k - 1. fn = NULL: summary only (every
 * subset is still fitted; the rows are not kept); the summary is the same, bit for bit, as with a callback.
 * When every fit fails (as gosh.rma, which stops there), CMETA_ENUMERIC, with the rows
 * already given to fn and the summary filled (its numbers NaN). */
CMETA_EXPORT cmeta_status cmeta_gosh(const double *yi, const double *vi, size_t k,
                                     uint64_t subsets, const cmeta_resample_opts *o,
                                     cmeta_gosh_fn fn, void *ctx, cmeta_gosh_summary *sum,
                                     cmeta_error *err) CMETA_RESULT_USED;

/* The rows of a GOSH run in two steps, for a caller whose work per row (formatting, say) may
 * run on the computing threads: prep(ctx, slot, rows, n) is called on any thread, in any
 * order, as soon as a block of rows is computed (prep may be NULL); emit(ctx, slot, rows, n)
 * then on the calling thread, with the blocks in order, as cmeta_gosh's fn (nonzero stops:
 * CMETA_EINTR). The prep and the emit of one block get the same slot (< CMETA_GOSH_SLOTS), a
 * buffer of the caller's, and a slot goes to no other block before that emit returned.
 * Rows, summary and statuses as cmeta_gosh. */
#define CMETA_GOSH_SLOTS 32
typedef void (*cmeta_gosh_prep_fn)(void *ctx, unsigned slot, const cmeta_gosh_row *rows, size_t n);
typedef int (*cmeta_gosh_emit_fn)(void *ctx, unsigned slot, const cmeta_gosh_row *rows, size_t n);
CMETA_EXPORT cmeta_status cmeta_gosh_stream(const double *yi, const double *vi, size_t k,
                                            uint64_t subsets, const cmeta_resample_opts *o,
                                            cmeta_gosh_prep_fn prep, cmeta_gosh_emit_fn emit,
                                            void *ctx, cmeta_gosh_summary *sum,
                                            cmeta_error *err) CMETA_RESULT_USED;

/* ---- Permutation tests, as metafor 3.8 permutest.rma.uni -------------------------------- *
 * Without moderators: the signs of yi are flipped at random (yi* = s_i yi, s_i = +-1);
 * exact over all 2^k sign vectors when iter >= 2^k.
 * With moderators (X: k x q, row-major, an intercept column is put first when
 * intercept = 1): the rows of the design are permuted; exact over all distinct
 * permutations (k! / prod(n_g!), n_g the sizes of groups of identical rows) when that
 * number is <= iter.
 * p-value of coefficient j: the proportion of replicates with |z*_j| >= |z_j| - sqrt(eps);
 * QM p-value: proportion with QM* >= QM - sqrt(eps). In random mode the first of the iter
 * replicates is the observed data (so the observed statistic counts itself); in exact mode
 * the enumeration contains it. Replicates that fail (no convergence) are left out of the
 * proportions (na.rm = TRUE) and counted. */
typedef struct {
    size_t p;            /* coefficients */
    int exact;
    uint64_t iter;       /* replicates used (incl. the observed one) */
    uint64_t failed;
    double *beta, *zval; /* length p: the observed fit */
    double QM;           /* omnibus Wald statistic (coefficients other than the intercept;
                            all of them without an intercept) */
    double *pval;        /* length p: permutation p-values */
    double QM_pval;
    double QM_df;
} cmeta_permtest_result;

/* *out is new; free with cmeta_permtest_free. */
CMETA_EXPORT cmeta_status cmeta_permtest(const double *yi, const double *vi, size_t k,
                                         const double *X, size_t q, int intercept,
                                         uint64_t iter, const cmeta_resample_opts *o,
                                         cmeta_permtest_result **out,
                                         cmeta_error *err) CMETA_RESULT_USED;
CMETA_EXPORT void cmeta_permtest_free(cmeta_permtest_result *r);

/* ---- Bootstrap ---------------------------------------------------------------------------- *
 * Nonparametric: studies resampled with replacement (Efron & Tibshirani 1993), as
 * boot::boot(data, function(d, i) rma(yi, vi, data = d[i, ])).
 * Parametric: yi* ~ N(estimate, vi + tau^2) with the observed fit's estimate and tau^2
 * (Viechtbauer's metafor example "bootstrapping with metafor").
 * Statistics: estimate, tau2, I2 (rma.uni's definition, as in cmeta_gosh for ML/REML).
 * Intervals, as boot::boot.ci:
 *   percentile: t*_((R+1) a) with interpolation on the normal quantile scale (norm.inter);
 *   BCa (nonparametric only): bias z0 = qnorm(#{t* < t0} / R), acceleration
 *   a = sum L^3 / (6 (sum L^2)^1.5) from jackknife influence values
 *   L_i = (n-1)(mean t_(-i) - t_(-i)) (boot's type = "jack"; boot.ci's default uses
 *   regression estimates of L, which differ by Monte Carlo error), endpoints at
 *   pnorm(z0 + (z0 + z_a) / (1 - a (z0 + z_a))).
 * Failed replicates (no convergence) are left out and counted. */
typedef enum { CMETA_BOOT_NONPARAMETRIC, CMETA_BOOT_PARAMETRIC } cmeta_boot_type;

typedef struct {
    double t0;           /* observed value */
    double mean, bias, se; /* over the replicates */
    double perc_lb, perc_ub;
    double bca_lb, bca_ub; /* NaN for the parametric bootstrap */
} cmeta_boot_stat;

typedef struct {
    cmeta_boot_type type;
    uint64_t iter, failed;
    double level;        /* percent */
    cmeta_boot_stat estimate, tau2, I2;
} cmeta_boot_result;

CMETA_EXPORT cmeta_status cmeta_boot(const double *yi, const double *vi, size_t k,
                                     cmeta_boot_type type, uint64_t iter, double level,
                                     const cmeta_resample_opts *o, cmeta_boot_result *out,
                                     cmeta_error *err) CMETA_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
