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

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "rma_internal.h"

/* LAPACK (OpenBLAS), Fortran calling convention. */
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
extern void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
                   double *w, double *work, const int *lwork, int *info);

/* Cholesky factor (dpotrf) and inverse from it (dpotri) of a symmetric positive definite
 * n x n matrix, lower triangle, column-major. The 1 x 1 case -- every intercept-only model,
 * i.e. every plain pooling -- is done here with LAPACK's own arithmetic (dpotf2: l = sqrt(a),
 * refused unless a > 0; dtrti2 + dlauu2: (1/l)(1/l)), so that pooling never needs to load
 * OpenBLAS and gives bit-identical results. Return LAPACK's info (0 = success). */
static int chol_factor(double *A, int n)
{
    int info = 0;
    if (n == 1) {
        if (!(A[0] > 0)) return 1;
        A[0] = sqrt(A[0]);
        return 0;
    }
    dpotrf_("L", &n, A, &n, &info);
    return info;
}

static int chol_invert(double *A, int n)
{
    int info = 0;
    if (n == 1) {
        double t = 1.0 / A[0];
        A[0] = t * t;
        return 0;
    }
    dpotri_("L", &n, A, &n, &info);
    return info;
}

/* ---- names ------------------------------------------------------------------------------ */

static const char *const method_names[] = {"FE", "DL", "HE", "HS", "SJ", "ML",
                                           "REML", "EB", "PM", "MH", "PETO"};

const char *cmeta_method_name(cmeta_method m)
{
    if ((int)m < 0 || (size_t)m >= sizeof method_names / sizeof method_names[0]) return "?";
    return method_names[m];
}

cmeta_status cmeta_method_from_name(const char *name, cmeta_method *out)
{
    if (!name || !out) return CMETA_EUSAGE;
    if (!cmeta__strcasecmp(name, "EE") || !cmeta__strcasecmp(name, "CE")) {
        *out = CMETA_METHOD_FE;
        return CMETA_OK;
    }
    for (size_t i = 0; i < sizeof method_names / sizeof method_names[0]; i++)
        if (!cmeta__strcasecmp(name, method_names[i])) {
            *out = (cmeta_method)i;
            return CMETA_OK;
        }
    return CMETA_EUSAGE;
}

const char *cmeta_test_name(cmeta_test t)
{
    switch (t) {
    case CMETA_TEST_Z: return "z";
    case CMETA_TEST_T: return "t";
    case CMETA_TEST_KNHA: return "knha";
    case CMETA_TEST_ADHOC: return "knha-adhoc";
    }
    return "?";
}

cmeta_status cmeta_test_from_name(const char *name, cmeta_test *out)
{
    if (!name || !out) return CMETA_EUSAGE;
    if (!cmeta__strcasecmp(name, "z")) *out = CMETA_TEST_Z;
    else if (!cmeta__strcasecmp(name, "t")) *out = CMETA_TEST_T;
    else if (!cmeta__strcasecmp(name, "knha") || !cmeta__strcasecmp(name, "hksj"))
        *out = CMETA_TEST_KNHA;
    else if (!cmeta__strcasecmp(name, "knha-adhoc") || !cmeta__strcasecmp(name, "adhoc"))
        *out = CMETA_TEST_ADHOC;
    else return CMETA_EUSAGE;
    return CMETA_OK;
}

void cmeta_fit_opts_default(cmeta_fit_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->method = CMETA_METHOD_REML;
    o->test = CMETA_TEST_Z;
    o->level = 95.0;
    o->tol = 1e-10;
    o->maxiter = 1000;
    o->tau2_fixed = 0;
    o->tau2 = 0.0;
    o->intercept = 1;
    o->mh_random = 0;
    o->no_ci_tau2 = 0;
}

/* ---- distributions ---------------------------------------------------------------------- */

double cmeta__pnorm2(double z)
{
    if (isnan(z)) return NAN;
    return 2.0 * gsl_cdf_ugaussian_Q(fabs(z));
}

double cmeta__pt2(double t, double df)
{
    if (isnan(t) || !(df > 0)) return NAN;
    return 2.0 * gsl_cdf_tdist_Q(fabs(t), df);
}

double cmeta__qcrit(double level, double df)
{
    double a = 1.0 - level / 100.0;
    if (isnan(df)) return gsl_cdf_ugaussian_Qinv(a / 2.0);
    if (!(df > 0)) return NAN;
    return gsl_cdf_tdist_Qinv(a / 2.0, df);
}

/* ---- weighted least squares --------------------------------------------------------------- */

cmeta_status cmeta__lin_init(cmeta__lin *L, const double *X, size_t k, size_t p)
{
    memset(L, 0, sizeof *L);
    L->k = k;
    L->p = p;
    L->X = X;
    L->w = cmeta__dnew(k);
    L->inv = cmeta__dnew(p * p);
    L->beta = cmeta__dnew(p);
    L->S = cmeta__dnew(4 * p * p);
    L->WX = cmeta__dnew(k * p);
    L->r = cmeta__dnew(k);
    if (!L->w || !L->inv || !L->beta || !L->S || !L->WX || !L->r) {
        cmeta__lin_free(L);
        return CMETA_ENOMEM;
    }
    return CMETA_OK;
}

void cmeta__lin_free(cmeta__lin *L)
{
    if (!L) return;
    cmeta_free(L->w);
    cmeta_free(L->inv);
    cmeta_free(L->beta);
    cmeta_free(L->S);
    cmeta_free(L->WX);
    cmeta_free(L->r);
    memset(L, 0, sizeof *L);
}

int cmeta__lin_solve(cmeta__lin *L, const double *y)
{
    size_t k = L->k, p = L->p;
    const double *X = L->X;
    for (size_t i = 0; i < k; i++)
        for (size_t a = 0; a < p; a++) L->WX[i * p + a] = L->w[i] * X[i * p + a];
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b <= a; b++) {
            double s = 0;
            for (size_t i = 0; i < k; i++) s += L->WX[i * p + a] * X[i * p + b];
            L->inv[a * p + b] = L->inv[b * p + a] = s;
        }
    int n = (int)p;
    if (chol_factor(L->inv, n) != 0) return -1;
    double ld = 0;
    for (size_t a = 0; a < p; a++) {
        double d = L->inv[a * p + a];
        if (!(d > 0) || !isfinite(d)) return -1;
        ld += 2.0 * log(d);
    }
    L->logdet = ld;
    if (chol_invert(L->inv, n) != 0) return -1;
    /* column-major lower = row-major upper: mirror */
    for (size_t a = 0; a < p; a++)
        for (size_t b = a + 1; b < p; b++) L->inv[b * p + a] = L->inv[a * p + b];
    if (y) {
        for (size_t a = 0; a < p; a++) {
            double s = 0;
            for (size_t b = 0; b < p; b++) {
                double xwy = 0;
                for (size_t i = 0; i < k; i++) xwy += L->WX[i * p + b] * y[i];
                s += L->inv[a * p + b] * xwy;
            }
            L->beta[a] = s;
        }
    }
    return 0;
}

double cmeta__lin_rss(cmeta__lin *L, const double *y)
{
    double s = 0;
    for (size_t i = 0; i < L->k; i++) {
        double f = 0;
        for (size_t a = 0; a < L->p; a++) f += L->X[i * L->p + a] * L->beta[a];
        L->r[i] = y[i] - f;
        s += L->w[i] * L->r[i] * L->r[i];
    }
    return s;
}

/* x_i'A x_i, A = (X'WX)^-1 */
static double xAx(const cmeta__lin *L, size_t i)
{
    size_t p = L->p;
    const double *x = L->X + i * p;
    double s = 0;
    for (size_t a = 0; a < p; a++) {
        double t = 0;
        for (size_t b = 0; b < p; b++) t += L->inv[a * p + b] * x[b];
        s += x[a] * t;
    }
    return s;
}

/* P = W - W X A X'W, so P_ii = w_i - w_i^2 x_i'A x_i. */
double cmeta__lin_Pii(const cmeta__lin *L, size_t i)
{
    return L->w[i] - L->w[i] * L->w[i] * xAx(L, i);
}

/* tr(P D) = sum_i d_i P_ii. */
double cmeta__lin_trPD(const cmeta__lin *L, const double *d)
{
    double s = 0;
    for (size_t i = 0; i < L->k; i++) s += (d ? d[i] : 1.0) * cmeta__lin_Pii(L, i);
    return s;
}

/* M = X' diag(c) X with c_i = e_i w_i^2 (e = NULL: ones), p x p. */
static void xdx(const cmeta__lin *L, const double *e, double *M)
{
    size_t p = L->p;
    for (size_t a = 0; a < p * p; a++) M[a] = 0;
    for (size_t i = 0; i < L->k; i++) {
        const double *x = L->X + i * p;
        double c = (e ? e[i] : 1.0) * L->w[i] * L->w[i];
        for (size_t a = 0; a < p; a++) {
            double ca = c * x[a];
            for (size_t b = 0; b <= a; b++) M[a * p + b] += ca * x[b];
        }
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = a + 1; b < p; b++) M[a * p + b] = M[b * p + a];
}

/* sum_ij a_i b_j P_ij^2 without forming P. With G_ij = w_i w_j x_i'A x_j (P = W - G):
 *   P_ij^2 = w_i^2 [i = j] - 2 w_i G_ii [i = j] + G_ij^2, and
 *   sum_ij a_i b_j G_ij^2 = sum_ij (a_i w_i^2)(b_j w_j^2) x_i'A x_j x_j'A x_i
 *                         = sum_i a_i w_i^2 x_i'A M(b w^2) A x_i = tr(A M(a w^2) A M(b w^2)),
 * so sum_ij a_i b_j P_ij^2 = sum a_i b_i w_i^2 - 2 sum a_i b_i w_i^3 x_i'A x_i
 *                            + tr(A M(a w^2) A M(b w^2)).   O(k p^2 + p^3). */
double cmeta__lin_sumPP(cmeta__lin *L, const double *a, const double *b)
{
    size_t k = L->k, p = L->p;
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < k; i++) {
        double ab = (a ? a[i] : 1.0) * (b ? b[i] : 1.0), w = L->w[i];
        s1 += ab * w * w;
        s2 += ab * w * w * w * xAx(L, i);
    }
    double *Ma = L->S, *Mb = L->S + p * p, *Ta = L->S + 2 * p * p, *Tb = L->S + 3 * p * p;
    xdx(L, a, Ma);
    xdx(L, b, Mb);
    /* Ta = A Ma, Tb = A Mb, tr(Ta Tb) = sum_rc Ta_rc Tb_cr */
    for (size_t r = 0; r < p; r++)
        for (size_t c = 0; c < p; c++) {
            double ta = 0, tb = 0;
            for (size_t m = 0; m < p; m++) {
                ta += L->inv[r * p + m] * Ma[m * p + c];
                tb += L->inv[r * p + m] * Mb[m * p + c];
            }
            Ta[r * p + c] = ta;
            Tb[r * p + c] = tb;
        }
    double s3 = 0;
    for (size_t r = 0; r < p; r++)
        for (size_t c = 0; c < p; c++) s3 += Ta[r * p + c] * Tb[c * p + r];
    return s1 - 2.0 * s2 + s3;
}

int cmeta__lin_at(cmeta__lin *L, const double *vi, double tau2, const double *y, double *rss)
{
    for (size_t i = 0; i < L->k; i++) L->w[i] = 1.0 / (vi[i] + tau2);
    if (cmeta__lin_solve(L, y) != 0) return -1;
    if (rss && y) *rss = cmeta__lin_rss(L, y);
    return 0;
}

double cmeta__qgen(cmeta__lin *L, const double *vi, double tau2, const double *y)
{
    double rss;
    if (cmeta__lin_at(L, vi, tau2, y, &rss) != 0) return NAN;
    return rss;
}

/* ---- Brent root finding (GSL) ------------------------------------------------------------- */

typedef struct {
    double (*f)(double, void *);
    void *arg;
} brent_arg;

static double brent_f(double x, void *a)
{
    brent_arg *b = a;
    return b->f(x, b->arg);
}

int cmeta__brent(double (*f)(double, void *), void *arg, double lo, double hi, double reltol,
                 int maxiter, double *root, int *iter)
{
    double flo = f(lo, arg), fhi = f(hi, arg);
    if (isnan(flo) || isnan(fhi)) return -1;
    if (flo == 0) { *root = lo; if (iter) *iter = 0; return 0; }
    if (fhi == 0) { *root = hi; if (iter) *iter = 0; return 0; }
    if ((flo > 0) == (fhi > 0)) return -1;
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s) return -1;
    brent_arg ba = {f, arg};
    gsl_function F = {brent_f, &ba};
    if (gsl_root_fsolver_set(s, &F, lo, hi) != GSL_SUCCESS) {
        gsl_root_fsolver_free(s);
        return -1;
    }
    int it = 0, status = GSL_CONTINUE;
    while (status == GSL_CONTINUE && it < maxiter) {
        it++;
        if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS) break;
        double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
        status = gsl_root_test_interval(a, b, 1e-300, reltol);
        if (f(gsl_root_fsolver_root(s), arg) == 0) status = GSL_SUCCESS;
    }
    *root = gsl_root_fsolver_root(s);
    if (iter) *iter = it;
    gsl_root_fsolver_free(s);
    return status == GSL_SUCCESS ? 0 : -1;
}

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

/* Full rank check as metafor (smallest eigenvalue of X'X <= 1e-7 refuses the model); the
 * column named is the first one that is (nearly) a linear combination of the columns before
 * it (Gram-Schmidt residual below 1e-7 of its norm). Returns the 0-based column or -1. */
static long rank_deficient_column(const double *X, size_t k, size_t p, int *bad)
{
    *bad = 0;
    double *A = cmeta__dnew(p * p);
    double *ev = cmeta__dnew(p);
    double *Q = cmeta__dnew(k * p);
    long col = -2;
    if (!A || !ev || !Q) goto done;
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++) {
            double s = 0;
            for (size_t i = 0; i < k; i++) s += X[i * p + a] * X[i * p + b];
            A[a * p + b] = s;
        }
    int n = (int)p, info = 0, lwork = -1;
    if (n == 1) {
        ev[0] = A[0]; /* the eigenvalue of a 1 x 1 matrix (no LAPACK needed) */
    } else {
        double wq;
        dsyev_("N", "L", &n, A, &n, ev, &wq, &lwork, &info);
        lwork = (int)wq;
        if (lwork < 1) lwork = 3 * n;
        double *work = cmeta__dnew((size_t)lwork);
        if (!work) goto done;
        dsyev_("N", "L", &n, A, &n, ev, work, &lwork, &info);
        cmeta_free(work);
    }
    if (info != 0) { *bad = 1; col = (long)p - 1; }
    else if (ev[0] <= 1e-7) *bad = 1;
    col = -1;
    if (*bad) {
        /* Gram-Schmidt: name the column with the smallest relative residual */
        double worst = INFINITY;
        for (size_t a = 0; a < p; a++) {
            double nrm0 = 0, nrm = 0;
            for (size_t i = 0; i < k; i++) {
                Q[i * p + a] = X[i * p + a];
                nrm0 += X[i * p + a] * X[i * p + a];
            }
            for (size_t b = 0; b < a; b++) {
                double d = 0;
                for (size_t i = 0; i < k; i++) d += Q[i * p + b] * Q[i * p + a];
                for (size_t i = 0; i < k; i++) Q[i * p + a] -= d * Q[i * p + b];
            }
            for (size_t i = 0; i < k; i++) nrm += Q[i * p + a] * Q[i * p + a];
            nrm = sqrt(nrm);
            double rel = nrm0 > 0 ? nrm / sqrt(nrm0) : 0.0;
            if (rel < worst) { worst = rel; col = (long)a; }
            for (size_t i = 0; i < k; i++) Q[i * p + a] = nrm > 0 ? Q[i * p + a] / nrm : 0.0;
        }
    }
done:
    cmeta_free(A);
    cmeta_free(ev);
    cmeta_free(Q);
    return col;
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
    size_t b0 = (intercept && p > 1) ? 1 : 0, m = p - b0;
    {
        double *A = cmeta__dnew(m * m);
        if (!A) return cmeta__nomem(err);
        for (size_t a = 0; a < m; a++)
            for (size_t b = 0; b < m; b++) A[a * m + b] = f->vb[(a + b0) * p + b + b0];
        int n = (int)m;
        double QM = NAN;
        if (chol_factor(A, n) == 0) {
            if (chol_invert(A, n) == 0) {
                for (size_t a = 0; a < m; a++)
                    for (size_t b = a + 1; b < m; b++) A[b * m + a] = A[a * m + b];
                QM = 0;
                for (size_t a = 0; a < m; a++)
                    for (size_t b = 0; b < m; b++)
                        QM += f->beta[a + b0] * A[a * m + b] * f->beta[b + b0];
            }
        }
        cmeta_free(A);
        f->QM_df = (double)m;
        if (tdist) {
            f->QM = QM / (double)m;
            f->QM_pval = (f->df > 0 && !isnan(QM)) ? gsl_cdf_fdist_Q(f->QM, (double)m, f->df)
                                                   : NAN;
        } else {
            f->QM = QM;
            f->QM_pval = isnan(QM) ? NAN : gsl_cdf_chisq_Q(QM, (double)m);
        }
    }
    /* log-likelihood / deviance */
    {
        double slv = 0, sl0 = 0;
        for (size_t i = 0; i < k; i++) {
            slv += log(vi[i] + tau2);
            sl0 += -0.5 * log(2 * M_PI * vi[i]);
        }
        if (o->method == CMETA_METHOD_REML) {
            /* + 1/2 log|X'X| (metafor's REMLf = TRUE) */
            double ldx = 0;
            cmeta__lin U;
            if (cmeta__lin_init(&U, Xf, k, p) != CMETA_OK) return cmeta__nomem(err);
            for (size_t i = 0; i < k; i++) U.w[i] = 1.0;
            if (cmeta__lin_solve(&U, NULL) == 0) ldx = U.logdet;
            cmeta__lin_free(&U);
            f->ll = -0.5 * ((double)k - (double)p) * log(2 * M_PI) + 0.5 * ldx - 0.5 * slv -
                    0.5 * L->logdet - 0.5 * rss;
            f->deviance = -2.0 * f->ll;
        } else {
            f->ll = -0.5 * (double)k * log(2 * M_PI) - 0.5 * slv - 0.5 * rss;
            f->deviance = k > p ? -2.0 * (f->ll - sl0) : 0.0;
        }
    }
    /* prediction interval (intercept-only) */
    if (intercept && p == 1) {
        double sp = sqrt(f->se[0] * f->se[0] + tau2);
        f->pi_lb = f->beta[0] - crit * sp;
        f->pi_ub = f->beta[0] + crit * sp;
    }
    f->hakn_ci = o->hakn_ci;
    if (o->hakn_ci != CMETA_HAKN_CI_NONE && intercept && p == 1) cmeta__hakn_ci(f, o, yi, vi);
    /* heterogeneity with FE weights */
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
        f->Q_pval = gsl_cdf_chisq_Q(f->Q, df);
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
        int bad = 0;
        long col = rank_deficient_column(Xf, k, p, &bad);
        if (col == -2) { st = cmeta__nomem(err); goto fail; }
        if (bad) {
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
    if (cmeta__lin_init(&L, Xf, k, p) != CMETA_OK) { st = cmeta__nomem(err); goto fail; }
    have_L = 1;

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
                                         f->tau2, w)) != CMETA_OK)
            goto fail;
    }
    f->tau = sqrt(f->tau2);
    if (opts->method == CMETA_METHOD_FE) f->tau2_ci_lb = f->tau2_ci_ub = NAN;
    st = finish_fit(f, yi, yc, vi, Xf, intercept, opts, &L, w, err);
    if (st != CMETA_OK) goto fail;

    /* pseudo-R^2 for meta-regression with an intercept */
    if (intercept && p > 1) {
        if (opts->method == CMETA_METHOD_FE) {
            double r2 = fe_adj_r2(yi, vi, k, p, &L);
            f->R2 = isnan(r2) ? (k > p ? 0.0 : NAN) : fmax(0.0, 100.0 * r2);
        } else {
            cmeta__tau2_result t0;
            double one_m = 0;
            double *ones = cmeta__dnew(k);
            if (!ones) { st = cmeta__nomem(err); goto fail; }
            for (size_t i = 0; i < k; i++) ones[i] = 1.0;
            (void)one_m;
            cmeta_status s0 = cmeta__tau2(opts->method, yc, vi, k, ones, 1, opts->tol,
                                          opts->maxiter, &t0, NULL, NULL);
            cmeta_free(ones);
            if (s0 == CMETA_ENOMEM) { st = cmeta__nomem(err); goto fail; }
            if (s0 == CMETA_OK) {
                if (t0.tau2 == 0) f->R2 = 0.0;
                else f->R2 = fmax(0.0, 100.0 * (t0.tau2 - f->tau2) / t0.tau2);
            }
        }
    }
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
