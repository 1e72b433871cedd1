/* risweep.c - the unknown pre-post correlation: sweep, tipping points and the range over the
 * corners of per-study intervals (cmeta/risweep.h, issue 16 item 5).
 *
 * Batching: the effect sizes of many correlation settings are computed by one cmeta_escalc
 * call over the settings' studies stacked (setting g's study i is entry g k + i), the formulas
 * being per study (metafor escalc, measures MC/SMCC/SMCR/SMCRH/ROMC; Becker 1988, Morris 2008).
 * The sweep then fits each grid point with cmeta_fit_subset (the fit of a single run, so a
 * sweep row is that run's result); the box fits its corners in blocks with the batched kernel
 * (batchfit.h) where it applies (FE, DL, ML, REML, PM, EB with the z or t test, k >= 2), else
 * one by one with cmeta_fit_subset. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "batchfit.h"
#include "dist.h"
#include "cmeta/derive.h"
#include "cmeta/risweep.h"

const char *cmeta_tip_kind_name(cmeta_tip_kind k)
{
    switch (k) {
    case CMETA_TIP_CI_EXCLUDES_NULL: return "ci_excludes_null";
    case CMETA_TIP_CI_INCLUDES_NULL: return "ci_includes_null";
    case CMETA_TIP_SIGN_CHANGE: return "sign_change";
    }
    return NULL;
}

#define SWEEP_STACK ((size_t)1 << 16) /* studies x grid points per escalc call of a sweep */

/* Stacked escalc input for up to nb settings of the k studies. */
typedef struct {
    size_t k, nb;
    double *m1, *s1, *m2, *s2, *n, *r, *yi, *vi;
} stack;

static void stack_free(stack *st)
{
    cmeta_free(st->m1), cmeta_free(st->s1), cmeta_free(st->m2), cmeta_free(st->s2);
    cmeta_free(st->n), cmeta_free(st->r), cmeta_free(st->yi), cmeta_free(st->vi);
    memset(st, 0, sizeof *st);
}

static int stack_alloc(stack *st, const cmeta_ri_studies *s, size_t nb)
{
    size_t k = s->k, N = k * nb;
    memset(st, 0, sizeof *st);
    if (nb && N / nb != k) return -1;
    st->k = k, st->nb = nb;
    st->m1 = cmeta__dnew(N), st->s1 = cmeta__dnew(N), st->m2 = cmeta__dnew(N);
    st->s2 = cmeta__dnew(N), st->n = cmeta__dnew(N), st->r = cmeta__dnew(N);
    st->yi = cmeta__dnew(N), st->vi = cmeta__dnew(N);
    if (!st->m1 || !st->s1 || !st->m2 || !st->s2 || !st->n || !st->r || !st->yi || !st->vi) {
        stack_free(st);
        return -1;
    }
    for (size_t g = 0; g < nb; g++)
        for (size_t i = 0; i < k; i++) {
            size_t j = g * k + i;
            st->m1[j] = s->m1i[i], st->s1[j] = s->sd1i ? s->sd1i[i] : NAN;
            st->m2[j] = s->m2i[i], st->s2[j] = s->sd2i ? s->sd2i[i] : NAN;
            st->n[j] = s->ni[i];
        }
    return 0;
}

/* yi/vi of the first nb settings (st->r filled); CMETA_EDATA naming the study and its ri when
 * a sampling variance is not > 0 and finite (what cmeta_data_check_vi refuses in a single
 * run). */
/* Mixed designs: the entries of each pre/post measure gathered, put through cmeta_escalc with
 * that measure and scattered back (so that each study is computed exactly as a run with its own
 * measure); the other studies take their fixed yi/vi. */
static cmeta_status stack_escalc_mixed(stack *st, const cmeta_ri_studies *s, size_t nb,
                                       const cmeta_escalc_opts *eo, cmeta_error *err)
{
    size_t N = st->k * nb;
    size_t *at = CMETA__NEW(size_t, N ? N : 1);
    double *b = cmeta__dnew(8 * (N ? N : 1));
    cmeta_status cs = CMETA_OK;
    if (!at || !b) {
        cmeta_free(at), cmeta_free(b);
        return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    for (size_t j = 0; j < N; j++) {
        size_t i = j % st->k;
        if (cmeta_measure_family(s->measures[i]) != CMETA_FAMILY_PREPOST)
            st->yi[j] = s->yi[i], st->vi[j] = s->vi[i];
    }
    for (int m = 0; m < CMETA_NMEASURES && cs == CMETA_OK; m++) {
        if (cmeta_measure_family((cmeta_measure)m) != CMETA_FAMILY_PREPOST) continue;
        size_t c = 0;
        for (size_t j = 0; j < N; j++)
            if (s->measures[j % st->k] == (cmeta_measure)m) at[c++] = j;
        if (!c) continue;
        double *m1 = b, *s1 = b + c, *m2 = b + 2 * c, *s2 = b + 3 * c, *n = b + 4 * c, *r = b + 5 * c;
        double *yi = b + 6 * c, *vi = b + 7 * c;
        for (size_t q = 0; q < c; q++) {
            size_t j = at[q];
            m1[q] = st->m1[j], s1[q] = st->s1[j], m2[q] = st->m2[j], s2[q] = st->s2[j];
            n[q] = st->n[j], r[q] = st->r[j];
        }
        cmeta_escalc_input in;
        memset(&in, 0, sizeof in);
        in.k = c;
        in.m1i = m1, in.sd1i = s1, in.m2i = m2, in.sd2i = s2, in.ni = n, in.ri = r;
        cs = cmeta_escalc((cmeta_measure)m, &in, eo, yi, vi, NULL, err);
        if (cs != CMETA_OK) {
            if (err && err->index >= 0 && (size_t)err->index < c) err->index = (long)(at[err->index] % st->k);
            break;
        }
        for (size_t q = 0; q < c; q++) st->yi[at[q]] = yi[q], st->vi[at[q]] = vi[q];
    }
    cmeta_free(at), cmeta_free(b);
    return cs;
}

static cmeta_status stack_escalc(stack *st, const cmeta_ri_studies *s, size_t nb, cmeta_error *err)
{
    cmeta_escalc_input in;
    cmeta_escalc_opts eo;
    memset(&in, 0, sizeof in);
    if (s->escalc) eo = *s->escalc;
    else cmeta_escalc_opts_default(&eo);
    in.k = st->k * nb;
    in.m1i = st->m1, in.sd1i = st->s1, in.m2i = st->m2, in.sd2i = st->s2, in.ni = st->n, in.ri = st->r;
    cmeta_status cs = s->measures ? stack_escalc_mixed(st, s, nb, &eo, err)
                                  : cmeta_escalc(s->measure, &in, &eo, st->yi, st->vi, NULL, err);
    if (cs != CMETA_OK) {
        if (!s->measures && err && err->index >= 0) err->index = (long)((size_t)err->index % st->k);
        return cs;
    }
    for (size_t j = 0; j < in.k; j++)
        if (!isfinite(st->yi[j]) || !isfinite(st->vi[j]) || st->vi[j] <= 0) {
            cs = cmeta_error_set(err, CMETA_EDATA,
                                 "with ri = %g the sampling variance is %s (it must be > 0)", st->r[j],
                                 isfinite(st->vi[j]) ? "not > 0" : "not finite");
            if (err) err->index = (long)(j % st->k);
            return cs;
        }
    return CMETA_OK;
}

static cmeta_status check_studies(const cmeta_ri_studies *s, cmeta_error *err)
{
    if (!s || !s->m1i || !s->m2i || !s->ni || !s->ri || s->k == 0)
        return cmeta_error_set(err, CMETA_EUSAGE, "ri sweep: no studies");
    if (s->measures) { /* mixed designs: one scale, at least one pre/post study */
        size_t pp = 0;
        if (!s->yi || !s->vi) return cmeta_error_set(err, CMETA_EUSAGE, "ri sweep: mixed designs need yi and vi");
        for (size_t i = 0; i < s->k; i++) {
            if ((int)s->measures[i] < 0 || s->measures[i] >= CMETA_NMEASURES ||
                cmeta_measure_scale(s->measures[i]) != cmeta_measure_scale(s->measures[0]))
                return cmeta_error_set(err, CMETA_EUSAGE, "ri sweep: the studies' measures are not on one scale");
            pp += cmeta_measure_family(s->measures[i]) == CMETA_FAMILY_PREPOST;
        }
        if (!pp) return cmeta_error_set(err, CMETA_EUSAGE, "ri sweep: no pre/post study");
        return CMETA_OK;
    }
    if (cmeta_measure_family(s->measure) != CMETA_FAMILY_PREPOST)
        return cmeta_error_set(err, CMETA_EUSAGE, "ri sweep: %s is not a pre/post measure",
                               cmeta_measure_name(s->measure));
    return CMETA_OK;
}

static void point_from_fit(cmeta_ri_point *p, double r, const cmeta_fit *f)
{
    p->ri = r;
    p->estimate = f->beta[0], p->se = f->se[0];
    p->ci_lb = f->ci_lb[0], p->ci_ub = f->ci_ub[0];
    p->pval = f->pval[0], p->tau2 = f->tau2, p->I2 = f->I2;
}

static cmeta_status fit_row(const cmeta_ri_studies *s, const double *yi, const double *vi,
                            const size_t *idx, const cmeta_fit_opts *fo, cmeta_fit **f, cmeta_error *err)
{
    cmeta_studies cs;
    memset(&cs, 0, sizeof cs);
    cs.k = s->k, cs.yi = yi, cs.vi = vi, cs.measure = s->measure, cs.escalc = s->escalc;
    return cmeta_fit_subset(&cs, idx, s->k, fo, f, NULL, err);
}

cmeta_status cmeta_ri_sweep(const cmeta_ri_studies *s, const double *grid, size_t n,
                            const cmeta_fit_opts *fo, cmeta_ri_point *out, cmeta_error *err)
{
    cmeta_status st = check_studies(s, err);
    if (st != CMETA_OK) return st;
    if (!grid || !out || !fo || n == 0) return cmeta_error_set(err, CMETA_EUSAGE, "ri sweep: no grid");
    for (size_t g = 0; g < n; g++)
        if (!(grid[g] >= -1 && grid[g] <= 1))
            return cmeta_error_set(err, CMETA_EUSAGE, "ri sweep: %g is not a correlation in [-1, 1]", grid[g]);
    /* grid points in blocks of at most SWEEP_STACK studies in all (memory stays bounded) */
    size_t gb = s->k >= SWEEP_STACK ? 1 : SWEEP_STACK / s->k;
    if (gb > n) gb = n;
    stack sk;
    size_t *idx = CMETA__NEW(size_t, s->k);
    if (!idx || stack_alloc(&sk, s, gb)) {
        cmeta_free(idx);
        return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < s->k; i++) idx[i] = i;
    for (size_t g0 = 0; g0 < n && st == CMETA_OK; g0 += gb) {
        size_t nb = n - g0 < gb ? n - g0 : gb;
        for (size_t g = 0; g < nb; g++)
            for (size_t i = 0; i < s->k; i++) sk.r[g * s->k + i] = isnan(s->ri[i]) ? grid[g0 + g] : s->ri[i];
        st = stack_escalc(&sk, s, nb, err);
        for (size_t g = 0; g < nb && st == CMETA_OK; g++) {
            cmeta_fit *f = NULL;
            st = fit_row(s, sk.yi + g * s->k, sk.vi + g * s->k, idx, fo, &f, err);
            if (st == CMETA_OK) point_from_fit(&out[g0 + g], grid[g0 + g], f);
            cmeta_fit_free(f);
        }
    }
    stack_free(&sk);
    cmeta_free(idx);
    return st;
}

/* ---- tipping points ------------------------------------------------------------------------ */

static int excludes_null(const cmeta_ri_point *p) { return p->ci_lb > 0 || p->ci_ub < 0; }
static int sgn(double x) { return (x > 0) - (x < 0); }

/* Bisection on the state (kind: CI excludes 0, or sign of the estimate) between a and b whose
 * states differ; the root is the final bracket's midpoint. */
static cmeta_status bisect(const cmeta_ri_studies *s, const cmeta_fit_opts *fo, cmeta_tip_kind kind,
                           double a, double b, double tol, double *root, cmeta_error *err)
{
    cmeta_ri_point pa, pm;
    double g = a;
    cmeta_status st = cmeta_ri_sweep(s, &g, 1, fo, &pa, err);
    int sa = kind == CMETA_TIP_SIGN_CHANGE ? sgn(pa.estimate) : excludes_null(&pa);
    for (int it = 0; st == CMETA_OK && b - a > tol && it < 200; it++) {
        double mid = a + (b - a) / 2;
        st = cmeta_ri_sweep(s, &mid, 1, fo, &pm, err);
        if (st != CMETA_OK) break;
        int sm = kind == CMETA_TIP_SIGN_CHANGE ? sgn(pm.estimate) : excludes_null(&pm);
        if (kind == CMETA_TIP_SIGN_CHANGE && sm == 0) { /* exactly 0 at mid */
            a = b = mid;
            break;
        }
        if (sm == sa) a = mid;
        else b = mid;
    }
    *root = st == CMETA_OK ? a + (b - a) / 2 : NAN;
    return st;
}

cmeta_status cmeta_ri_tipping(const cmeta_ri_studies *s, const cmeta_ri_point *pts, size_t n,
                              const cmeta_fit_opts *fo, double tol, cmeta_ri_tip **tips,
                              size_t *ntips, cmeta_error *err)
{
    if (!pts || !tips || !ntips) return cmeta_error_set(err, CMETA_EUSAGE, "ri tipping: no sweep");
    *tips = NULL, *ntips = 0;
    for (size_t g = 1; g < n; g++)
        if (!(pts[g].ri > pts[g - 1].ri))
            return cmeta_error_set(err, CMETA_EUSAGE, "ri tipping: the grid is not increasing");
    /* at most 2 changes per interval, plus sign zeros at grid points */
    cmeta_ri_tip *t = CMETA__NEW(cmeta_ri_tip, 3 * n);
    if (!t) return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    size_t m = 0;
    cmeta_status st = CMETA_OK;
    int last_sign = 0;   /* last nonzero sign seen */
    double last_ri = NAN;
    for (size_t g = 0; g < n && st == CMETA_OK; g++) {
        if (g > 0 && excludes_null(&pts[g]) != excludes_null(&pts[g - 1])) {
            cmeta_ri_tip *p = &t[m++];
            p->kind = excludes_null(&pts[g]) ? CMETA_TIP_CI_EXCLUDES_NULL : CMETA_TIP_CI_INCLUDES_NULL;
            p->ri_lo = pts[g - 1].ri, p->ri_hi = pts[g].ri, p->to_positive = 0, p->root = NAN;
            if (tol > 0) st = bisect(s, fo, p->kind, p->ri_lo, p->ri_hi, tol, &p->root, err);
        }
        int sg = sgn(pts[g].estimate);
        if (sg != 0 && last_sign != 0 && sg != last_sign) {
            cmeta_ri_tip *p = &t[m++];
            p->kind = CMETA_TIP_SIGN_CHANGE;
            p->to_positive = sg > 0;
            p->ri_lo = last_ri, p->ri_hi = pts[g].ri, p->root = NAN;
            if (p->ri_lo == p->ri_hi) p->root = p->ri_lo;
            else if (tol > 0 && st == CMETA_OK)
                st = bisect(s, fo, CMETA_TIP_SIGN_CHANGE, p->ri_lo, p->ri_hi, tol, &p->root, err);
        }
        if (sg != 0) {
            last_sign = sg;
            last_ri = pts[g].ri;
        } else if (last_sign != 0) {
            last_ri = pts[g].ri; /* an exact zero: the bracket is that point */
        }
    }
    if (st != CMETA_OK || m == 0) {
        cmeta_free(t);
        if (st != CMETA_OK) return st;
        return CMETA_OK;
    }
    *tips = t, *ntips = m;
    return CMETA_OK;
}

/* ---- the corners of the box ---------------------------------------------------------------- */

#define BOX_EXHAUSTIVE_MAX 20 /* 2^20 corners */
#define BOX_BLOCK 256

/* Is study v[j] (j-th proper interval) at its upper end in corner c? */
static int corner_up(uint64_t c, size_t j, size_t m, int exhaustive)
{
    if (exhaustive) return (int)((c >> j) & 1u);
    if (c == 0) return 0;
    if (c == 1) return 1;
    if (c < 2 + m) return (size_t)(c - 2) == j;      /* all lower, study c-2 upper */
    return (size_t)(c - 2 - m) != j;                  /* all upper, study c-2-m lower */
}

static int batched_ok(const cmeta_fit_opts *fo, size_t k)
{
    if (k < 2 || fo->tau2_fixed || fo->test == CMETA_TEST_KNHA || fo->test == CMETA_TEST_ADHOC) return 0;
    switch (fo->method) {
    case CMETA_METHOD_FE: case CMETA_METHOD_DL: case CMETA_METHOD_ML: case CMETA_METHOD_REML:
    case CMETA_METHOD_PM: case CMETA_METHOD_EB: return 1;
    default: return 0;
    }
}

cmeta_status cmeta_ri_box_eval(const cmeta_ri_studies *s, const double *lb, const double *ub,
                               const cmeta_fit_opts *fo, cmeta_ri_box *out, cmeta_error *err)
{
    cmeta_status st = check_studies(s, err);
    if (st != CMETA_OK) return st;
    if (!lb || !ub || !fo || !out) return cmeta_error_set(err, CMETA_EUSAGE, "ri box: no intervals");
    size_t k = s->k, m = 0;
    for (size_t i = 0; i < k; i++) {
        if (!(lb[i] >= -1 && ub[i] <= 1 && lb[i] <= ub[i])) {
            st = cmeta_error_set(err, CMETA_EUSAGE, "ri box: [%g, %g] is not an interval in [-1, 1]", lb[i], ub[i]);
            if (err) err->index = (long)i;
            return st;
        }
        m += lb[i] < ub[i];
    }
    int exhaustive = m <= BOX_EXHAUSTIVE_MAX;
    uint64_t N = exhaustive ? (uint64_t)1 << m : 2 + 2 * (uint64_t)m;
    size_t nb = k >= SWEEP_STACK / BOX_BLOCK ? (k >= SWEEP_STACK ? 1 : SWEEP_STACK / k) : BOX_BLOCK;
    if ((uint64_t)nb > N) nb = (size_t)N;
    size_t *vary = CMETA__NEW(size_t, k), *idx = CMETA__NEW(size_t, k);
    double *est = cmeta__dnew(nb), *se = cmeta__dnew(nb), *tau2 = cmeta__dnew(nb);
    int *ok = CMETA__NEW(int, nb);
    stack sk;
    int batched = batched_ok(fo, k);
    cmeta__bfit_ws *bf = batched ? cmeta__bfit_alloc(k, 1, NULL, nb) : NULL;
    if (!vary || !idx || !est || !se || !tau2 || !ok || (batched && !bf) || stack_alloc(&sk, s, nb)) {
        cmeta_free(vary), cmeta_free(idx), cmeta_free(est), cmeta_free(se), cmeta_free(tau2), cmeta_free(ok);
        cmeta__bfit_free(bf);
        return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    cmeta_fit_opts fo1 = *fo;
    fo1.no_ci_tau2 = 1; /* the interval of tau^2 is not reported here */
    for (size_t i = 0, j = 0; i < k; i++) {
        idx[i] = i;
        if (lb[i] < ub[i]) vary[j++] = i;
    }
    double emin = INFINITY, emax = -INFINITY, pmin = INFINITY, pmax = -INFINITY;
    for (uint64_t c0 = 0; c0 < N && st == CMETA_OK; c0 += nb) {
        size_t B = (size_t)(N - c0 < nb ? N - c0 : nb);
        for (size_t b = 0; b < B; b++) {
            double *r = sk.r + b * k;
            for (size_t i = 0; i < k; i++) r[i] = lb[i];
            for (size_t j = 0; j < m; j++)
                if (corner_up(c0 + b, j, m, exhaustive)) r[vary[j]] = ub[vary[j]];
        }
        st = stack_escalc(&sk, s, B, err);
        if (st != CMETA_OK) break;
        if (batched) {
            cmeta__bfit_out bo;
            memset(&bo, 0, sizeof bo);
            bo.beta = est, bo.se = se, bo.tau2 = tau2, bo.ok = ok;
            cmeta__bfit(bf, B, sk.yi, sk.vi, NULL, NULL, fo->method, fo->tol, fo->maxiter, 0, &bo);
        } else {
            for (size_t b = 0; b < B; b++) ok[b] = 0;
        }
        for (size_t b = 0; b < B && st == CMETA_OK; b++) {
            double e, p;
            if (ok[b]) {
                e = est[b];
                /* the p-value of cmeta_rma's test: z, or t with k - 1 df */
                p = fo->test == CMETA_TEST_T ? cmeta__pt2(e / se[b], (double)k - 1) : cmeta__pnorm2(e / se[b]);
            } else { /* not batched, or the kernel did not converge: the single fit decides */
                cmeta_fit *f = NULL;
                st = fit_row(s, sk.yi + b * k, sk.vi + b * k, idx, &fo1, &f, err);
                if (st != CMETA_OK) break;
                e = f->beta[0], p = f->pval[0];
                cmeta_fit_free(f);
            }
            if (e < emin) emin = e;
            if (e > emax) emax = e;
            if (p < pmin) pmin = p;
            if (p > pmax) pmax = p;
        }
    }
    stack_free(&sk);
    cmeta__bfit_free(bf);
    cmeta_free(vary), cmeta_free(idx), cmeta_free(est), cmeta_free(se), cmeta_free(tau2), cmeta_free(ok);
    if (st != CMETA_OK) return st;
    out->estimate_min = emin, out->estimate_max = emax;
    out->pval_min = pmin, out->pval_max = pmax;
    out->corners = (double)N, out->m = m, out->exhaustive = exhaustive;
    return CMETA_OK;
}
