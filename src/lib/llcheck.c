/* llcheck.c - is the ML/REML estimate of tau^2 the highest maximum of the likelihood?
 *
 * Fisher scoring from the Hedges estimate (as metafor 3.8 rma.uni) finds a local maximum of
 * the (restricted) log-likelihood in tau^2. With a precise cluster of studies and a few
 * imprecise outliers the profile can have two maxima (e.g. near 0.07 and near 20), and the
 * scoring may stop at the lower one. cmeta keeps metafor's answer but says so: the profile
 *   ll(t)  = -1/2 sum log(vi + t) - 1/2 sum wi (yi - xi'b(t))^2,   wi = 1/(vi + t)
 *   rll(t) = ll(t) - 1/2 log det(X'WX)                          (REML; constants dropped)
 * (Viechtbauer 2005, J Educ Behav Stat 30:261) is evaluated at tau^2 = 0 and on a log grid
 * from s 1e-8 to 10 s, s = max(max vi, mean (yi - mean y)^2); a grid value above the
 * estimate's by more than 1e-8 (1 + |ll|) gives a warning naming where the higher maximum is.
 * Cost: O(E k p^2) for E profile evaluations, E <= G + 2 = 123 (G = 121 grid points). Most
 * grid points are never evaluated: between two evaluated points ta < tb, for every t in
 * [ta, tb]
 *   slv(t) = sum log(vi + t) >= its chord between ta and tb     (log is concave),
 *   wi(t) = wi(tb) (vi + tb)/(vi + t) >= c wi(tb),  c = (vmax + tb)/(vmax + t) >= 1
 *     ((v + tb)/(v + t) decreases in v), hence
 *   rss(t) = min_b sum wi(t) (yi - xi'b)^2 >= c rss(tb)  and
 *   log det X'W(t)X >= log det X'W(tb)X + p log c      (X'W(t)X >= c X'W(tb)X, Loewner order),
 * so ll(t) <= U(t) = -1/2 chord(t) - 1/2 c rss(tb) [- 1/2 (logdet(tb) + p log c)], from the
 * parts ll is made of at the two ends. When U at every grid point inside is below the warning's threshold
 * (less a floating-point allowance for sums of k terms, 4 (k + p + 10) eps times the
 * magnitudes), no grid point between them can warn and none is evaluated; otherwise the
 * middle grid point is evaluated and both halves are tried again. Every grid point that could
 * warn is thus evaluated, and when one does, the whole grid is evaluated as before, so the
 * warning (its tau^2 and log-likelihoods included) is exactly the full grid's. With a
 * single-peaked profile and large k (10^6 studies) this evaluates ~20 points instead of 123. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "rma_internal.h"

#define LLC_GRID 121

/* Profile (restricted) log-likelihood at t, constants dropped (cmeta__loglik with m = 0);
 * NAN when X'WX is not positive definite. A: p x p, b: p scratch. Its parts (sum log(vi + t),
 * the weighted RSS at b(t), log det X'WX or 0 for ML) go to part[0..2] when part is not NULL. */
static double prof_ll(int reml, const double *y, const double *vi, size_t k, const double *X,
                      size_t p, double t, double *A, double *b, double *part)
{
    for (size_t a = 0; a < p * p; a++) A[a] = 0;
    for (size_t a = 0; a < p; a++) b[a] = 0;
    double slv = 0;
    for (size_t i = 0; i < k; i++) {
        double v = vi[i] + t;
        if (!(v > 0)) return NAN;
        double w = 1.0 / v;
        slv += log(v);
        const double *x = X + i * p;
        for (size_t r = 0; r < p; r++) {
            b[r] += w * x[r] * y[i];
            for (size_t c = 0; c <= r; c++) A[r * p + c] += w * x[r] * x[c];
        }
    }
    if (cmeta__chol(A, p) != 0) return NAN;
    cmeta__chol_solve(A, p, b); /* beta */
    double rss = 0;
    for (size_t i = 0; i < k; i++) {
        double e = y[i];
        for (size_t r = 0; r < p; r++) e -= X[i * p + r] * b[r];
        rss += e * e / (vi[i] + t);
    }
    double ld = reml ? cmeta__chol_logdet(A, p) : 0.0;
    if (part) part[0] = slv, part[1] = rss, part[2] = ld;
    return cmeta__loglik(reml, 0.0, slv, rss, ld, 0.0);
}

/* grid point g: 0, then s 10^-8 ... 10 s */
static double grid_t(double s, int g)
{
    return g == 0 ? 0.0 : s * pow(10.0, -8.0 + 9.0 * (g - 1) / (LLC_GRID - 1));
}

cmeta_status cmeta__ll_check_global(int reml, const double *y, const double *vi, size_t k,
                                    const double *X, size_t p, double tau2, cmeta_warnings *w)
{
    /* Not checked, by design: no warnings wanted (w NULL); fewer than 3 studies (the
     * clusters-and-outliers shape behind a second maximum needs more); no coefficients or no
     * estimate. Any number of coefficients is checked (the 64 limit of a stack array is gone). */
    if (!w || k < 3 || p == 0 || !(tau2 >= 0)) return CMETA_OK;
    double *A = cmeta__dnew(p * p + p);
    if (!A) return CMETA_ENOMEM;
    double *b = A + p * p;
    cmeta_status st = CMETA_OK;
    double lhat = prof_ll(reml, y, vi, k, X, p, tau2, A, b, NULL);
    double ym = 0, s2 = 0, vmax = 0;
    for (size_t i = 0; i < k; i++) ym += y[i];
    ym /= (double)k;
    for (size_t i = 0; i < k; i++) {
        s2 += (y[i] - ym) * (y[i] - ym);
        if (vi[i] > vmax) vmax = vi[i];
    }
    double s = fmax(vmax, s2 / (double)k);
    /* the estimate's own X'WX singular, or no scale for the grid: nothing to compare with
     * (the fit itself reports a singular X'WX) */
    if (isnan(lhat) || !(s > 0) || !isfinite(s)) goto done;
    double thr = 1e-8 * (1 + fabs(lhat)), slack = 4.0 * ((double)k + (double)p + 10) * DBL_EPSILON;
    /* ll and its parts at the grid points evaluated so far (done[g]) */
    double ll[LLC_GRID + 1], part[LLC_GRID + 1][3];
    unsigned char done[LLC_GRID + 1] = {0};
    int warn = 0;
    /* intervals of grid indices [lo, hi] with both ends evaluated, inner points open */
    int stack[2 * (LLC_GRID + 1)][2], ns = 0;
    for (int g = 0; g <= LLC_GRID && !warn; g += 30) {
        int h = g + 30 <= LLC_GRID ? g + 30 : LLC_GRID;
        for (int e = 0; e < 2; e++) {
            int q = e ? h : g;
            if (!done[q]) {
                ll[q] = prof_ll(reml, y, vi, k, X, p, grid_t(s, q), A, b, part[q]);
                done[q] = 1;
                if (ll[q] - lhat > thr) warn = 1;
            }
        }
        if (h - g > 1) stack[ns][0] = g, stack[ns][1] = h, ns++;
        if (h == LLC_GRID) break;
    }
    while (ns > 0 && !warn) {
        int lo = stack[ns - 1][0], hi = stack[ns - 1][1];
        ns--;
        if (!isnan(ll[lo]) && !isnan(ll[hi])) {
            /* the bound at each inner grid point t (see the top) */
            double ta = grid_t(s, lo), tb = grid_t(s, hi), u = -INFINITY;
            for (int g = lo + 1; g < hi; g++) {
                double t = grid_t(s, g), c = (vmax + tb) / (vmax + t);
                double slv = part[lo][0] + (part[hi][0] - part[lo][0]) * ((t - ta) / (tb - ta));
                u = fmax(u, cmeta__loglik(reml, 0.0, slv, c * part[hi][1],
                                          part[hi][2] + (double)p * log(c), 0.0));
            }
            double mag = fabs(part[lo][0]) + fabs(part[hi][0]) + fabs(part[hi][1]) +
                         fabs(part[hi][2]) + fabs(lhat) + 1;
            if (u + slack * mag <= lhat + thr) continue; /* no grid point inside can warn */
        }
        int mid = (lo + hi) / 2;
        ll[mid] = prof_ll(reml, y, vi, k, X, p, grid_t(s, mid), A, b, part[mid]);
        done[mid] = 1;
        if (ll[mid] - lhat > thr) warn = 1;
        if (mid - lo > 1) stack[ns][0] = lo, stack[ns][1] = mid, ns++;
        if (hi - mid > 1) stack[ns][0] = mid, stack[ns][1] = hi, ns++;
    }
    double best = lhat, tbest = tau2;
    if (warn) /* the full grid, in order, as without the bound: the same best point */
        for (int g = 0; g <= LLC_GRID; g++) {
            double t = grid_t(s, g);
            double l = done[g] ? ll[g] : prof_ll(reml, y, vi, k, X, p, t, A, b, NULL);
            if (l > best) best = l, tbest = t;
        }
    if (best - lhat > 1e-8 * (1 + fabs(lhat)))
        st = cmeta_warn(w, "%s: the likelihood has a higher maximum near tau^2 = %.4g than at "
                           "the estimate %.6g (Fisher scoring, as metafor, stopped at a local "
                           "maximum; log-likelihood %.6g vs %.6g)",
                        reml ? "REML" : "ML", tbest, tau2, best, lhat);
done:
    cmeta_free(A);
    return st;
}
