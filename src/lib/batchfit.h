/* batchfit.h - the batched model-fitting kernel behind GOSH, permutation tests and the
 * bootstrap (private to the library).
 *
 * A block of B replicates shares the design X (k x p) and differs in the outcome rows Y
 * (B x k), optionally the variances V (B x k; else one vector v for all) and optionally
 * multiplicities C (B x k: 0/1 for subsets, counts for bootstrap samples; NULL = all 1).
 * With U = 1/(V + tau_b^2) and the weight matrices W = C.U, W2 = C.U^2, W3 = C.U^3 the
 * sums each fit needs are matrix products with the k x p(p+1)/2 matrix XX of the products
 * x_ja x_jb (a <= b):
 *   X'WX = W XX,  X'W^2X = W2 XX,  X'W^3X = W3 XX,  X'Wy = (W.Y) X        (products)
 *   residuals R = Y - B X'                                              (products)
 * and per replicate (P = W - W X (X'WX)^-1 X'W, Viechtbauer 2005):
 *   Q(t)  = sum W R^2,  y'PPy = sum W2 R^2,  tr P = sum W - tr((X'WX)^-1 X'W^2X),
 *   tr PP = sum W2 - 2 tr((X'WX)^-1 X'W^3X) + tr(((X'WX)^-1 X'W^2X)^2).
 *   y'PPPy = sum W3 R^2 - g' (X'WX)^-1 g,  g = (W2.R) X = X'W^2 e            (products)
 * The products are cmeta__gemm_rm (linalg.c: a fixed summation order per row, no BLAS). With
 * an intercept only (p = 1) they are row sums and are summed in the loop that forms the
 * weights (a call per row sum would cost more than the sum).
 * tau^2 updates, all replicates of a block in lockstep, each leaving the block at its own
 * convergence (|change| < tol; the next pass computes only the replicates still iterating),
 * clamped at 0:
 *   DL   (Q(0) - (m - p)) / tr P(0)                         (DerSimonian & Laird 1986)
 *   REML t + (y'PPy - tr P) / tr PP                          (Fisher scoring)
 *   ML   t + (y'PPy - sum W) / sum W2                        (Fisher scoring)
 *        started at max(0, HE) as metafor (HE: (RSS_OLS - tr(P_OLS V)) / (m - p), Hedges
 *        1983), so that where the likelihood has more than one maximum the one metafor
 *        finds is found. Once a Fisher step is below 5% of tau^2 (the maximum is chosen),
 *        Newton-Raphson steps take over where the log-likelihood is concave:
 *   REML t + (y'PPy - tr P) / (2 y'PPPy - tr PP),  ML t + (y'PPy - sum W) / (2 y'PPPy - sum W2)
 *        (the denominators are minus twice the second derivatives; Viechtbauer 2005, J Educ
 *        Behav Stat 30:261). Fisher scoring converges linearly, Newton quadratically: ~5
 *        passes per replicate instead of ~30 at tol = 1e-10, to the same root.
 *        After convergence, metafor's ll0check: tau^2 = 0 when the log-likelihood there is
 *        higher by more than 2^-13.
 *   PM   t + (Q(t) - (m - p)) / y'PPy                        (Newton on Q(t) = m - p)
 *   EB   as PM (the two estimating equations coincide; Viechtbauer et al. 2015)
 * A step that would make tau^2 negative is halved until it does not (metafor), except when
 * it points below 0 by more than 3 tau^2 and the score at tau^2 = 0 is not positive: then
 * tau^2 = 0 (halving would only creep there, ~log2(tau^2 / tol) passes).
 * m = sum of the replicate's multiplicities. */
#ifndef CMETA_BATCHFIT_H
#define CMETA_BATCHFIT_H

#include <stddef.h>
#include "internal.h"

typedef struct {
    size_t k, p, pp, bmax;
    size_t px, ppx, kx;                     /* p, pp, k rounded up by cmeta__gemm_ld */
    double *X, *Xt, *XX;                    /* k x px, p x kx (X'), k x ppx; zero-padded */
    double *W, *W2, *W3, *WY, *R;           /* bmax x k */
    double *A, *M2, *M3, *Xy, *Ai, *beta;   /* bmax x pp / p / p*p / p */
    double *t, *s0, *Q0, *trP0, *m;         /* bmax; s0: score at tau^2 = 0 */
    double *sw, *sw2, *rss, *ypy, *trP, *trPP, *pppy;
    double *lv, *ld, *ll0;                  /* bmax: log-likelihood parts, ll at tau^2 = 0 */
    int *bad, *done;
    double *Ya, *Va, *Ca, *ta;              /* bmax x k, bmax x k, bmax x k, bmax: active rows */
    int *sbad;                              /* bmax: failures of a pass, by slot */
    size_t *idx;                            /* bmax: slot -> replicate */
    double *scratch;                        /* 3 p^2: inverses, tr PP, QM (any p) */
    double flops;                           /* the products' flops (for bench/kernels.c) */
} cmeta__bfit_ws;

/* Per-replicate results (arrays owned by the caller, length B or B x p). */
typedef struct {
    double *beta, *se, *zval;   /* B x p (any may be NULL) */
    double *QM, *Q, *tau2, *I2, *H2, *m;  /* B (any may be NULL) */
    int *ok;                    /* B */
} cmeta__bfit_out;

/* Rows of the workspace: cmeta__bfit fits a batch of any size <= the bmax asked of
 * cmeta__bfit_alloc in chunks of this many. Each chunk's arrays (8 of CHUNK x k doubles: 200 KB
 * at k = 50) are written afresh, so the workspace's size is page faults: a 256-row workspace
 * took ~140 of the ~380 page faults of a `cmeta permtest` (k = 50), each ~12 us on a virtual
 * machine (bench/README.md); 64 rows keep the products' rows in cache as well. */
#define CMETA__BFIT_CHUNK 64
/* X: k x p row-major (NULL: intercept only, p = 1). NULL on allocation failure. */
cmeta__bfit_ws *cmeta__bfit_alloc(size_t k, size_t p, const double *X, size_t bmax);
void cmeta__bfit_free(cmeta__bfit_ws *ws);

/* Fit B <= bmax (as asked of cmeta__bfit_alloc) replicates. v (length k) is used when V is NULL. qm_from: first coefficient
 * of the omnibus test (1 with an intercept, 0 without; p = 1 with intercept: 0). */
void cmeta__bfit(cmeta__bfit_ws *ws, size_t B, const double *Y, const double *V,
                 const double *v, const double *C, cmeta_method method, double tol,
                 int maxiter, size_t qm_from, cmeta__bfit_out *out);

#endif
