/* effect.c - effect sizes and sampling variances, as R metafor 3.8 escalc().
 *
 * Every formula below is written from metafor 3.8's escalc() definitions and its help
 * page (escalc.Rd), with the original paper cited where the help page names one.
 * Layout: names and options; back-transforms; validation (cmeta_escalc_check);
 * one computing function per family; the dispatcher cmeta_escalc().
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_hyperg.h>

#include "internal.h"

/* ---- names ---------------------------------------------------------------------- */

static const char *const measure_names[CMETA_NMEASURES] = {
    "SMD", "SMDH", "SMD1", "MD", "ROM",
    "MC", "SMCC", "SMCR", "SMCRH", "ROMC",
    "OR", "RR", "RD", "PETO", "AS",
    "PR", "PLN", "PLO", "PAS", "PFT",
    "COR", "UCOR", "ZCOR",
    "GEN"};

const char *cmeta_measure_name(cmeta_measure m)
{
    if ((int)m < 0 || m >= CMETA_NMEASURES) return "?";
    return measure_names[m];
}

cmeta_status cmeta_measure_from_name(const char *name, cmeta_measure *out)
{
    if (!name) return CMETA_EUSAGE;
    for (int i = 0; i < CMETA_NMEASURES; i++)
        if (cmeta__strcasecmp(name, measure_names[i]) == 0) {
            if (out) *out = (cmeta_measure)i;
            return CMETA_OK;
        }
    return CMETA_EUSAGE;
}

cmeta_family cmeta_measure_family(cmeta_measure m)
{
    switch (m) {
    case CMETA_SMD: case CMETA_SMDH: case CMETA_SMD1: case CMETA_MD: case CMETA_ROM:
        return CMETA_FAMILY_CONT2;
    case CMETA_MC: case CMETA_SMCC: case CMETA_SMCR: case CMETA_SMCRH: case CMETA_ROMC:
        return CMETA_FAMILY_PREPOST;
    case CMETA_OR: case CMETA_RR: case CMETA_RD: case CMETA_PETO: case CMETA_AS:
        return CMETA_FAMILY_BIN2;
    case CMETA_PR: case CMETA_PLN: case CMETA_PLO: case CMETA_PAS: case CMETA_PFT:
        return CMETA_FAMILY_PROP;
    case CMETA_COR: case CMETA_UCOR: case CMETA_ZCOR:
        return CMETA_FAMILY_COR;
    default:
        return CMETA_FAMILY_GEN;
    }
}

cmeta_transform_kind cmeta_measure_transform(cmeta_measure m)
{
    switch (m) {
    case CMETA_OR: case CMETA_RR: case CMETA_PETO: case CMETA_ROM: case CMETA_ROMC:
    case CMETA_PLN:
        return CMETA_TRANS_EXP;
    case CMETA_PLO: return CMETA_TRANS_ILOGIT;
    case CMETA_PAS: return CMETA_TRANS_IARCSIN;
    case CMETA_PFT: return CMETA_TRANS_IFT;
    case CMETA_ZCOR: return CMETA_TRANS_TANH;
    default: return CMETA_TRANS_NONE;
    }
}

/* Freeman-Tukey double arcsine of a proportion p with n trials, as metafor transf.pft:
 * t = (asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1)))) / 2 with x = p n. */
static double ft_of_prop(double p, double n)
{
    double x = p * n;
    return 0.5 * (asin(sqrt(x / (n + 1.0))) + asin(sqrt((x + 1.0) / (n + 1.0))));
}

double cmeta_back_transform(cmeta_transform_kind kind, double x, double n)
{
    if (isnan(x)) return x;
    switch (kind) {
    case CMETA_TRANS_EXP: return exp(x);
    case CMETA_TRANS_ILOGIT:
        /* 1 / (1 + exp(-x)) for every x, as R's plogis (metafor transf.ilogit), so that
         * values on a rounding tie print as metafor's (ilogit(log(13/27)) = 0.32499...96
         * there, 0.325000...01 with exp(x) / (1 + exp(x))); exp(-x) = Inf gives 0 */
        return 1.0 / (1.0 + exp(-x));
    case CMETA_TRANS_IARCSIN:
        /* sin(x)^2 clamped to [0, 1] outside [0, pi/2] (metafor transf.iarcsin) */
        if (x < 0) return 0.0;
        if (x > asin(1.0)) return 1.0;
        { double s = sin(x); return s * s; }
    case CMETA_TRANS_IFT: {
        /* Miller (1978), inverse of the Freeman-Tukey double arcsine, with n the harmonic
         * mean of the sample sizes (metafor transf.ipft.hm):
         * p = (1 - sgn(cos 2x) sqrt(1 - (sin 2x + (sin 2x - 1/sin 2x)/n)^2)) / 2,
         * 1 above the transform of p = 1, 0 below that of p = 0, NaN where the root fails. */
        if (!(n > 0)) return NAN;
        if (x > ft_of_prop(1.0, n)) return 1.0;
        if (x < ft_of_prop(0.0, n)) return 0.0;
        double s = sin(2.0 * x), c = cos(2.0 * x);
        double t = s + (s - 1.0 / s) / n;
        double r = 1.0 - t * t;
        if (r < 0) return NAN;
        double sg = (c > 0) ? 1.0 : (c < 0 ? -1.0 : 0.0);
        return 0.5 * (1.0 - sg * sqrt(r));
    }
    case CMETA_TRANS_TANH: return tanh(x);
    case CMETA_TRANS_NONE:
    default: return x;
    }
}

/* ---- options -------------------------------------------------------------------- */

void cmeta_escalc_opts_default(cmeta_escalc_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->add = 0.5;
    o->to = CMETA_TO_ONLY0;
    o->drop00 = 0;
    o->vtype = CMETA_VTYPE_LS;
    o->revman_smd = 0;
}

cmeta_status cmeta_vtype_from_name(const char *name, cmeta_vtype *out)
{
    static const struct { const char *s; cmeta_vtype v; } t[] = {
        {"LS", CMETA_VTYPE_LS}, {"UB", CMETA_VTYPE_UB}, {"HO", CMETA_VTYPE_HO},
        {"AV", CMETA_VTYPE_AV}, {"LS2", CMETA_VTYPE_LS2},
        {"AVHO", CMETA_VTYPE_AVHO}};
    if (!name) return CMETA_EUSAGE;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (cmeta__strcasecmp(name, t[i].s) == 0) {
            if (out) *out = t[i].v;
            return CMETA_OK;
        }
    return CMETA_EUSAGE;
}

cmeta_status cmeta_to_from_name(const char *name, cmeta_to *out)
{
    static const struct { const char *s; cmeta_to v; } t[] = {
        {"only0", CMETA_TO_ONLY0}, {"all", CMETA_TO_ALL}, {"if0all", CMETA_TO_IF0ALL},
        {"none", CMETA_TO_NONE}};
    if (!name) return CMETA_EUSAGE;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (cmeta__strcasecmp(name, t[i].s) == 0) {
            if (out) *out = t[i].v;
            return CMETA_OK;
        }
    return CMETA_EUSAGE;
}

static const char *vtype_name(cmeta_vtype v)
{
    switch (v) {
    case CMETA_VTYPE_LS: return "LS";
    case CMETA_VTYPE_UB: return "UB";
    case CMETA_VTYPE_HO: return "HO";
    case CMETA_VTYPE_AV: return "AV";
    case CMETA_VTYPE_LS2: return "LS2";
    case CMETA_VTYPE_AVHO: return "AVHO";
    }
    return "?";
}

/* The vtypes each measure has in metafor 3.8 escalc (see effect.h). */
static int vtype_allowed(cmeta_measure m, cmeta_vtype v)
{
    if (v == CMETA_VTYPE_LS) return 1;
    switch (m) {
    case CMETA_SMD: case CMETA_SMD1:
        return v == CMETA_VTYPE_UB || v == CMETA_VTYPE_LS2 || v == CMETA_VTYPE_AV;
    case CMETA_SMDH: case CMETA_SMCC: case CMETA_SMCR: return v == CMETA_VTYPE_LS2;
    case CMETA_MD: return v == CMETA_VTYPE_UB || v == CMETA_VTYPE_HO;
    case CMETA_ROM:
        return v == CMETA_VTYPE_HO || v == CMETA_VTYPE_AV || v == CMETA_VTYPE_AVHO;
    case CMETA_RD: case CMETA_PR: case CMETA_UCOR:
        return v == CMETA_VTYPE_UB || v == CMETA_VTYPE_AV;
    case CMETA_COR: case CMETA_PLN: case CMETA_PLO: return v == CMETA_VTYPE_AV;
    case CMETA_GEN: return 1;
    default: return 0;
    }
}

/* ---- validation ----------------------------------------------------------------- */

#define AT(a, i) ((a) ? (a)[i] : NAN)

/* Report rule broken by study i. */
static cmeta_status bad(cmeta_error *err, size_t i, const char *fmt, ...) CMETA_PRINTF(3, 4);

static cmeta_status bad(cmeta_error *err, size_t i, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->status = CMETA_EDATA;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->index = (long)i;
    }
    return CMETA_EDATA;
}

/* A column that must be finite when present (NaN = missing is allowed). */
#define FINITE(col)                                                                    \
    do {                                                                               \
        double x_ = AT(in->col, i);                                                    \
        if (!isnan(x_) && !isfinite(x_))                                               \
            return bad(err, i, #col " must be finite (got %g)", x_);                   \
    } while (0)
/* A column that must satisfy `x cmp lim` when present. */
#define RULE(col, cmp, lim, what)                                                      \
    do {                                                                               \
        double x_ = AT(in->col, i);                                                    \
        if (!isnan(x_) && !(x_ cmp (lim)))                                             \
            return bad(err, i, #col " must be " #cmp " %g%s (got %g)", (double)(lim), what, x_); \
    } while (0)

static int needs(const double *a) { return a != NULL; }

cmeta_status cmeta_escalc_check(cmeta_measure m, const cmeta_escalc_input *in, cmeta_error *err)
{
    if (!in || (int)m < 0 || m >= CMETA_NMEASURES)
        return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_escalc_check: bad arguments");
    const char *mn = measure_names[m];
    char forwhat[32];
    snprintf(forwhat, sizeof forwhat, " for %s", mn);

    /* required columns */
#define REQUIRE(col)                                                                   \
    do {                                                                               \
        if (!needs(in->col))                                                           \
            return cmeta_error_set(err, CMETA_EUSAGE, "measure %s needs column " #col, mn); \
    } while (0)
    switch (cmeta_measure_family(m)) {
    case CMETA_FAMILY_CONT2:
        REQUIRE(m1i); REQUIRE(m2i); REQUIRE(sd2i); REQUIRE(n1i); REQUIRE(n2i);
        if (m != CMETA_SMD1) REQUIRE(sd1i);
        break;
    case CMETA_FAMILY_PREPOST:
        REQUIRE(m1i); REQUIRE(m2i); REQUIRE(sd1i); REQUIRE(ni); REQUIRE(ri);
        if (m != CMETA_SMCR) REQUIRE(sd2i);
        break;
    case CMETA_FAMILY_BIN2:
        REQUIRE(ai); REQUIRE(ci);
        if (!in->bi && !in->n1i)
            return cmeta_error_set(err, CMETA_EUSAGE, "measure %s needs column bi or n1i", mn);
        if (!in->di && !in->n2i)
            return cmeta_error_set(err, CMETA_EUSAGE, "measure %s needs column di or n2i", mn);
        break;
    case CMETA_FAMILY_PROP: REQUIRE(xi); REQUIRE(ni); break;
    case CMETA_FAMILY_COR: REQUIRE(ri); REQUIRE(ni); break;
    case CMETA_FAMILY_GEN:
        REQUIRE(yi);
        if (!in->vi && !in->sei)
            return cmeta_error_set(err, CMETA_EUSAGE, "measure GEN needs column vi or sei");
        break;
    }
#undef REQUIRE

    for (size_t i = 0; i < in->k; i++) {
        switch (cmeta_measure_family(m)) {
        case CMETA_FAMILY_CONT2: {
            FINITE(m1i); FINITE(m2i); FINITE(sd1i); FINITE(sd2i); FINITE(n1i); FINITE(n2i);
            if (m != CMETA_SMD1) RULE(sd1i, >, 0, "");
            RULE(sd2i, >, 0, "");
            double nmin = (m == CMETA_SMDH) ? 2 : 1;
            RULE(n1i, >=, nmin, forwhat);
            RULE(n2i, >=, (m == CMETA_SMD1 ? 3 : nmin), forwhat);
            double n1 = AT(in->n1i, i), n2 = AT(in->n2i, i);
            /* SMD: the bias correction J(N - 2) needs N - 2 > 1; pooled SD (MD HO, ROM HO) N > 2 */
            if (m == CMETA_SMD && n1 + n2 < 4)
                return bad(err, i, "n1i + n2i must be >= 4 for SMD (got %g)", n1 + n2);
            if ((m == CMETA_MD || m == CMETA_ROM) && n1 + n2 < 3)
                return bad(err, i, "n1i + n2i must be >= 3 for %s (got %g)", mn, n1 + n2);
            if (m == CMETA_ROM) { RULE(m1i, >, 0, forwhat); RULE(m2i, >, 0, forwhat); }
            break;
        }
        case CMETA_FAMILY_PREPOST: {
            FINITE(m1i); FINITE(m2i); FINITE(sd1i); FINITE(sd2i); FINITE(ni); FINITE(ri);
            RULE(sd1i, >, 0, "");
            if (m != CMETA_SMCR) RULE(sd2i, >, 0, "");
            /* J(ni - 1) needs ni - 1 > 1 */
            RULE(ni, >=, (m == CMETA_MC || m == CMETA_ROMC) ? 1 : 3, forwhat);
            RULE(ri, >=, -1, "");
            RULE(ri, <=, 1, "");
            if (m == CMETA_ROMC) { RULE(m1i, >, 0, forwhat); RULE(m2i, >, 0, forwhat); }
            break;
        }
        case CMETA_FAMILY_BIN2: {
            FINITE(ai); FINITE(bi); FINITE(ci); FINITE(di); FINITE(n1i); FINITE(n2i);
            RULE(ai, >=, 0, ""); RULE(ci, >=, 0, "");
            double a = in->ai[i], c = in->ci[i];
            double b = in->bi ? in->bi[i] : AT(in->n1i, i) - a;
            double d = in->di ? in->di[i] : AT(in->n2i, i) - c;
            if (in->bi) RULE(bi, >=, 0, "");
            else if (!isnan(b) && b < 0)
                return bad(err, i, "ai must be <= n1i (got ai=%g, n1i=%g)", a, in->n1i[i]);
            if (in->di) RULE(di, >=, 0, "");
            else if (!isnan(d) && d < 0)
                return bad(err, i, "ci must be <= n2i (got ci=%g, n2i=%g)", c, in->n2i[i]);
            if (in->bi && in->n1i && !isnan(in->n1i[i]) && !isnan(a) && !isnan(b) &&
                in->n1i[i] != a + b)
                return bad(err, i, "n1i must equal ai + bi (got n1i=%g, ai + bi=%g)", in->n1i[i], a + b);
            if (in->di && in->n2i && !isnan(in->n2i[i]) && !isnan(c) && !isnan(d) &&
                in->n2i[i] != c + d)
                return bad(err, i, "n2i must equal ci + di (got n2i=%g, ci + di=%g)", in->n2i[i], c + d);
            if (a + b == 0) return bad(err, i, "ai + bi must be > 0 (got 0: empty group 1)");
            if (c + d == 0) return bad(err, i, "ci + di must be > 0 (got 0: empty group 2)");
            break;
        }
        case CMETA_FAMILY_PROP: {
            FINITE(xi); FINITE(ni);
            RULE(xi, >=, 0, "");
            RULE(ni, >, 0, "");
            double x = in->xi[i], n = in->ni[i];
            if (x > n) return bad(err, i, "xi must be <= ni (got xi=%g, ni=%g)", x, n);
            break;
        }
        case CMETA_FAMILY_COR: {
            FINITE(ri); FINITE(ni);
            if (m == CMETA_ZCOR) { RULE(ri, >, -1, forwhat); RULE(ri, <, 1, forwhat); }
            else { RULE(ri, >=, -1, ""); RULE(ri, <=, 1, ""); }
            /* metafor: vi is NA when ni <= 3; UCOR's 2F1((ni-2)/2) needs ni > 4 */
            RULE(ni, >=, (m == CMETA_UCOR ? 5 : 4), forwhat);
            break;
        }
        case CMETA_FAMILY_GEN:
            FINITE(yi); FINITE(vi); FINITE(sei);
            if (in->vi) RULE(vi, >, 0, "");
            else RULE(sei, >, 0, "");
            break;
        }
    }
    return CMETA_OK;
}
#undef FINITE
#undef RULE

/* ---- shared pieces ------------------------------------------------------------------ */

/* Hedges' exact bias correction J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)), NaN for
 * m <= 1 (Hedges 1981; metafor .cmicalc). For m/2 >= 1000 the log-gamma difference loses
 * digits to cancellation, so there J = sqrt(x/(x + 1/2)) (1 - 1/(8x) + 1/(128x^2)
 * + 5/(1024x^3) - 21/(32768x^4)) with x = (m-1)/2, the asymptotic series of
 * Gamma(x + 1/2)/(Gamma(x) sqrt(x)) (error < 1e-17 there); it never overflows. */
static double hedges_j(double m)
{
    if (!(m > 1)) return NAN;
    double x = (m - 1.0) / 2.0;
    if (x < 1000.0) return exp(lgamma(m / 2.0) - log(sqrt(m / 2.0)) - lgamma(x));
    double u = 1.0 / x;
    double s = 1.0 + u * (-1.0 / 8 + u * (1.0 / 128 + u * (5.0 / 1024 - u * 21.0 / 32768)));
    return sqrt(x / (x + 0.5)) * s;
}

/* hedges_j() remembered: a file of many studies has few distinct sample sizes, and each J costs
 * two lgamma, an exp and a log. Direct-mapped by the integer part of m; a hit returns the bits
 * hedges_j(m) returned before, so the memo never changes a result. One per escalc call (the
 * library keeps no state between calls and threads). */
#define JMEMO_SIZE 512
typedef struct { double m[JMEMO_SIZE], j[JMEMO_SIZE]; } jmemo;

static void jmemo_init(jmemo *c)
{
    for (size_t i = 0; i < JMEMO_SIZE; i++) c->m[i] = NAN; /* NaN equals no m */
}

static double hedges_j_memo(jmemo *c, double m)
{
    if (!(m > 1 && m < 1e15)) return hedges_j(m);
    size_t h = (size_t)m % JMEMO_SIZE;
    if (c->m[h] != m) {
        c->m[h] = m;
        c->j[h] = hedges_j(m);
    }
    return c->j[h];
}

/* The UB variance's factor 1 - (m - 2)/(m J^2) (Hedges 1983). It is about 1/(2m), so for
 * m/2 >= 1000 it is formed without cancellation as (m (J^2 - 1) + 2)/(m J^2), with
 * J^2 - 1 = (x (s - 1)(s + 1) - 1/2)/(x + 1/2) from the series of hedges_j(). metafor
 * evaluates the plain form, which at n = 1e7 per arm keeps only 3 digits of the factor. */
static double smd_ub_factor(double m, double J)
{
    double x = (m - 1.0) / 2.0;
    if (!(x >= 1000.0)) return 1.0 - (m - 2.0) / (m * J * J);
    double u = 1.0 / x;
    double sm1 = u * (-1.0 / 8 + u * (1.0 / 128 + u * (5.0 / 1024 - u * 21.0 / 32768)));
    double j2m1 = (x * sm1 * (sm1 + 2.0) - 0.5) / (x + 0.5);
    return (m * j2m1 + 2.0) / (m * J * J);
}

/* Sum(w x) / Sum(w) over the studies where both are present (metafor .wmean, na.rm). */
typedef struct { double sw, swx; } wmean_acc;
static void wm_add(wmean_acc *a, double x, double w)
{
    if (isnan(x) || isnan(w)) return;
    a->sw += w;
    a->swx += w * x;
}
static double wm_get(const wmean_acc *a) { return a->swx / a->sw; }

/* metafor's last step: +-Inf or NaN in yi or vi -> both missing; vi < 0 -> vi missing. */
static void finish(double *yi, double *vi, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        if (!isfinite(yi[i]) || !isfinite(vi[i])) yi[i] = vi[i] = NAN;
        else if (vi[i] < 0) vi[i] = NAN;
    }
}

/* ---- two groups, continuous ------------------------------------------------------------ */

static void es_cont2(cmeta_measure m, const cmeta_escalc_input *in, const cmeta_escalc_opts *o,
                     double *yi, double *vi)
{
    size_t k = in->k;
    cmeta_vtype vt = o->vtype;
    /* pass 1: yi (and what the AV variances average over) */
    wmean_acc ay = {0, 0}, acv1 = {0, 0}, acv2 = {0, 0}, acv = {0, 0};
    jmemo jm;
    jmemo_init(&jm);
    for (size_t i = 0; i < k; i++) {
        double m1 = in->m1i[i], m2 = in->m2i[i], s1 = AT(in->sd1i, i), s2 = in->sd2i[i];
        double n1 = in->n1i[i], n2 = in->n2i[i], N = n1 + n2;
        if (m == CMETA_SMD1) s1 = 0; /* not used */
        if (isnan(m1) || isnan(m2) || isnan(s1) || isnan(s2) || isnan(n1) || isnan(n2)) {
            yi[i] = vi[i] = NAN;
            continue;
        }
        /* pooled SD: sqrt(((n1-1) s1^2 + (n2-1) s2^2) / (N - 2)) */
        double sp = sqrt(((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / (N - 2));
        double v = NAN, y = NAN;
        switch (m) {
        case CMETA_MD:
            /* Mean difference; LS/UB: s1^2/n1 + s2^2/n2; HO: sp^2 (1/n1 + 1/n2) */
            y = m1 - m2;
            v = (vt == CMETA_VTYPE_HO) ? sp * sp * (1 / n1 + 1 / n2) : s1 * s1 / n1 + s2 * s2 / n2;
            break;
        case CMETA_SMD:
        case CMETA_SMD1: {
            /* Hedges' g = J(mi) d, d = (m1 - m2)/sp, mi = N - 2 (SMD1: sd2i, mi = n2 - 1,
             * Glass 1976). Variances (Hedges 1981/1983; Borenstein 2009):
             * LS: 1/n1 + 1/n2 + g^2/(2 np); UB: 1/n1 + 1/n2 + (1 - (mi-2)/(mi J^2)) g^2;
             * LS2: J^2 (1/n1 + 1/n2 + d^2/(2 np)); AV: LS with the N-weighted mean g;
             * np = N (SMD) or n2 (SMD1). */
            double sd = (m == CMETA_SMD1) ? s2 : sp, mi = (m == CMETA_SMD1) ? n2 - 1 : N - 2;
            double np = (m == CMETA_SMD1) ? n2 : N;
            double d = (m1 - m2) / sd;
            if (m == CMETA_SMD && o->revman_smd) {
                /* RevMan 5: J = 1 - 3/(4N - 9); v = N/(n1 n2) + g^2/(2 (N - 3.94)) */
                y = (1.0 - 3.0 / (4.0 * N - 9.0)) * d;
                v = N / (n1 * n2) + y * y / (2.0 * (N - 3.94));
                break;
            }
            double J = hedges_j_memo(&jm, mi);
            y = J * d;
            if (vt == CMETA_VTYPE_UB) v = 1 / n1 + 1 / n2 + smd_ub_factor(mi, J) * y * y;
            else if (vt == CMETA_VTYPE_LS2) v = J * J * (1 / n1 + 1 / n2 + d * d / (2 * np));
            else v = 1 / n1 + 1 / n2 + y * y / (2 * np); /* LS; AV in pass 2 */
            wm_add(&ay, y, N);
            break;
        }
        case CMETA_SMDH: {
            /* Bonett (2008, 2009): g = J(N-2) (m1 - m2)/sqrt((s1^2 + s2^2)/2);
             * LS: J^2 [g^2 (s1^4/(n1-1) + s2^4/(n2-1)) / (2 (s1^2+s2^2)^2)
             *          + (s1^2/(n1-1) + s2^2/(n2-1)) / ((s1^2+s2^2)/2)]   (g already J-corrected);
             * LS2: g^2 s1^2/(2 n1 S^2) + g^2 s2^2/(2 n2 S^2) + 2 s1^2/(n1 S) + 2 s2^2/(n2 S),
             * S = s1^2 + s2^2. */
            double J = hedges_j_memo(&jm, N - 2), S = s1 * s1 + s2 * s2;
            y = J * (m1 - m2) / sqrt(S / 2);
            if (vt == CMETA_VTYPE_LS2)
                v = y * y * s1 * s1 / (2 * n1 * S * S) + y * y * s2 * s2 / (2 * n2 * S * S) +
                    2 * s1 * s1 / (n1 * S) + 2 * s2 * s2 / (n2 * S);
            else
                v = J * J * (y * y * (s1 * s1 * s1 * s1 / (n1 - 1) + s2 * s2 * s2 * s2 / (n2 - 1)) /
                                 (2 * S * S) +
                             (s1 * s1 / (n1 - 1) + s2 * s2 / (n2 - 1)) / (S / 2));
            break;
        }
        case CMETA_ROM:
            /* log ratio of means (Hedges, Gurevitch & Curtis 1999):
             * LS: s1^2/(n1 m1^2) + s2^2/(n2 m2^2); HO: the same with sp for s1 and s2;
             * AV: cv1^2/n1 + cv2^2/n2 with cv_g the n_g-weighted mean of s_g/m_g;
             * AVHO: cv^2 (1/n1 + 1/n2) with cv the n-weighted mean of both groups' s/m. */
            y = log(m1 / m2);
            if (vt == CMETA_VTYPE_HO) v = sp * sp / (n1 * m1 * m1) + sp * sp / (n2 * m2 * m2);
            else v = s1 * s1 / (n1 * m1 * m1) + s2 * s2 / (n2 * m2 * m2);
            wm_add(&acv1, s1 / m1, n1);
            wm_add(&acv2, s2 / m2, n2);
            wm_add(&acv, s1 / m1, n1);
            wm_add(&acv, s2 / m2, n2);
            break;
        default: break;
        }
        yi[i] = y;
        vi[i] = v;
    }
    /* pass 2: the AV variances */
    if (vt != CMETA_VTYPE_AV && vt != CMETA_VTYPE_AVHO) return;
    for (size_t i = 0; i < k; i++) {
        if (isnan(yi[i])) continue;
        double n1 = in->n1i[i], n2 = in->n2i[i];
        if (m == CMETA_SMD || m == CMETA_SMD1) {
            double g = wm_get(&ay), np = (m == CMETA_SMD1) ? n2 : n1 + n2;
            vi[i] = 1 / n1 + 1 / n2 + g * g / (2 * np);
        } else if (m == CMETA_ROM && vt == CMETA_VTYPE_AV) {
            double c1 = wm_get(&acv1), c2 = wm_get(&acv2);
            vi[i] = c1 * c1 / n1 + c2 * c2 / n2;
        } else if (m == CMETA_ROM) {
            double c = wm_get(&acv);
            vi[i] = c * c * (1 / n1 + 1 / n2);
        }
    }
}

/* ---- one group, pre/post ---------------------------------------------------------------
 * m1i sd1i: follow-up (or first) measurement; m2i sd2i: baseline (or second); ni; ri the
 * correlation between the two. */

static void es_prepost(cmeta_measure m, const cmeta_escalc_input *in, const cmeta_escalc_opts *o,
                       double *yi, double *vi)
{
    jmemo jm;
    jmemo_init(&jm);
    for (size_t i = 0; i < in->k; i++) {
        double m1 = in->m1i[i], m2 = in->m2i[i], s1 = in->sd1i[i];
        double s2 = (m == CMETA_SMCR) ? 0 : in->sd2i[i], n = in->ni[i], r = in->ri[i];
        double y = NAN, v = NAN;
        if (isnan(m1) || isnan(m2) || isnan(s1) || isnan(s2) || isnan(n) || isnan(r)) {
            yi[i] = vi[i] = NAN;
            continue;
        }
        double sdiff2 = s1 * s1 + s2 * s2 - 2 * r * s1 * s2; /* variance of the change */
        double J = hedges_j_memo(&jm, n - 1);
        switch (m) {
        case CMETA_MC: /* raw mean change; v = sdiff^2 / n */
            y = m1 - m2;
            v = sdiff2 / n;
            break;
        case CMETA_SMCC: {
            /* change-score standardization (Gibbons et al. 1993): d = (m1 - m2)/sdiff,
             * g = J(n-1) d; LS: 1/n + g^2/(2n); LS2: J^2 (1/n + d^2/(2n)) */
            double d = (m1 - m2) / sqrt(sdiff2);
            y = J * d;
            v = (o->vtype == CMETA_VTYPE_LS2) ? J * J * (1 / n + d * d / (2 * n))
                                              : 1 / n + y * y / (2 * n);
            break;
        }
        case CMETA_SMCR: {
            /* raw-score standardization by sd1i (Becker 1988): d = (m1 - m2)/s1,
             * g = J(n-1) d; LS: 2(1-r)/n + g^2/(2n); LS2: J^2 (2(1-r)/n + d^2/(2n)) */
            double d = (m1 - m2) / s1;
            y = J * d;
            v = (o->vtype == CMETA_VTYPE_LS2) ? J * J * (2 * (1 - r) / n + d * d / (2 * n))
                                              : 2 * (1 - r) / n + y * y / (2 * n);
            break;
        }
        case CMETA_SMCRH:
            /* raw-score standardization, heteroscedastic (Bonett 2008):
             * g = J(n-1)(m1 - m2)/s1; v = J^2 (sdiff^2/(s1^2 (n-1)) + g^2/(2(n-1))) */
            y = J * (m1 - m2) / s1;
            v = J * J * (sdiff2 / (s1 * s1 * (n - 1)) + y * y / (2 * (n - 1)));
            break;
        case CMETA_ROMC:
            /* log ratio of means, paired (Lajeunesse 2011):
             * v = s1^2/(n m1^2) + s2^2/(n m2^2) - 2 r s1 s2/(m1 m2 n) */
            y = log(m1 / m2);
            v = s1 * s1 / (n * m1 * m1) + s2 * s2 / (n * m2 * m2) - 2 * r * s1 * s2 / (m1 * m2 * n);
            break;
        default: break;
        }
        yi[i] = y;
        vi[i] = v;
    }
}

/* ---- continuity correction (2x2 tables and proportions) ------------------------------ */

/* The add metafor uses: 0 for AS PAS PFT unless the caller chose add, else o->add. */
static double effective_add(cmeta_measure m, const cmeta_escalc_opts *o)
{
    if (!o->add_explicit && (m == CMETA_AS || m == CMETA_PAS || m == CMETA_PFT)) return 0.0;
    return o->add;
}

/* One warning line for the corrections applied (none when add is 0 or nothing was corrected). */
static cmeta_status warn_corrected(cmeta_warnings *w, double add, cmeta_to to, size_t ncorr,
                                   size_t nzero)
{
    if (!w || add == 0 || ncorr == 0) return CMETA_OK;
    if (to == CMETA_TO_ONLY0)
        return cmeta_warn(w, "continuity correction %g added to %zu stud%s with a zero cell",
                          add, ncorr, ncorr == 1 ? "y" : "ies");
    return cmeta_warn(w, "continuity correction %g added to all %zu studies (%s; %zu with a zero cell)",
                      add, ncorr, to == CMETA_TO_ALL ? "to=all" : "to=if0all", nzero);
}

/* ---- two groups, binary ---------------------------------------------------------------- */

static cmeta_status es_bin2(cmeta_measure m, const cmeta_escalc_input *in,
                            const cmeta_escalc_opts *o, double *yi, double *vi,
                            cmeta_warnings *w)
{
    size_t k = in->k, nzero = 0, ncorr = 0, ndrop = 0;
    double add = effective_add(m, o);
    /* zero cells (after drop00), for only0 / if0all */
    for (size_t i = 0; i < k; i++) {
        double a = in->ai[i], c = in->ci[i];
        double b = in->bi ? in->bi[i] : in->n1i[i] - a, d = in->di ? in->di[i] : in->n2i[i] - c;
        if (isnan(a) || isnan(b) || isnan(c) || isnan(d)) continue;
        if (o->drop00 && ((a == 0 && c == 0) || (b == 0 && d == 0))) continue;
        if (a == 0 || b == 0 || c == 0 || d == 0) nzero++;
    }
    wmean_acc ap1 = {0, 0}, ap2 = {0, 0};
    for (size_t i = 0; i < k; i++) {
        double a = in->ai[i], c = in->ci[i];
        double b = in->bi ? in->bi[i] : in->n1i[i] - a, d = in->di ? in->di[i] : in->n2i[i] - c;
        yi[i] = vi[i] = NAN;
        if (isnan(a) || isnan(b) || isnan(c) || isnan(d)) continue;
        if (o->drop00 && ((a == 0 && c == 0) || (b == 0 && d == 0))) {
            ndrop++;
            continue;
        }
        int zero = (a == 0 || b == 0 || c == 0 || d == 0);
        int corr = (o->to == CMETA_TO_ALL) || (o->to == CMETA_TO_ONLY0 && zero) ||
                   (o->to == CMETA_TO_IF0ALL && nzero > 0);
        if (corr) {
            a += add; b += add; c += add; d += add;
            ncorr++;
        }
        double n1 = a + b, n2 = c + d, N = n1 + n2, p1 = a / n1, p2 = c / n2;
        double y = NAN, v = NAN;
        switch (m) {
        case CMETA_OR: /* log odds ratio; v = 1/a + 1/b + 1/c + 1/d (Woolf 1955) */
            y = log(p1 / (1 - p1)) - log(p2 / (1 - p2));
            v = 1 / a + 1 / b + 1 / c + 1 / d;
            break;
        case CMETA_RR: /* log risk ratio; v = 1/a - 1/n1 + 1/c - 1/n2 */
            y = log(p1) - log(p2);
            v = 1 / a - 1 / n1 + 1 / c - 1 / n2;
            break;
        case CMETA_RD:
            /* risk difference; LS: p1(1-p1)/n1 + p2(1-p2)/n2; UB: divisors n - 1;
             * AV: with the n-weighted mean risks of all studies (pass 2) */
            y = p1 - p2;
            if (o->vtype == CMETA_VTYPE_UB) v = p1 * (1 - p1) / (n1 - 1) + p2 * (1 - p2) / (n2 - 1);
            else v = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2;
            wm_add(&ap1, p1, n1);
            wm_add(&ap2, p2, n2);
            break;
        case CMETA_PETO: {
            /* Peto's log odds ratio (Yusuf et al. 1985): E = (a+c) n1/N,
             * V = (a+c)(b+d)(n1/N)(n2/N)/(N-1); y = (a - E)/V, v = 1/V */
            double E = (a + c) * n1 / N, V = (a + c) * (b + d) * (n1 / N) * (n2 / N) / (N - 1);
            y = (a - E) / V;
            v = 1 / V;
            break;
        }
        case CMETA_AS: /* arcsine square-root risk difference (Ruecker et al. 2009) */
            y = asin(sqrt(p1)) - asin(sqrt(p2));
            v = 1 / (4 * n1) + 1 / (4 * n2);
            break;
        default: break;
        }
        yi[i] = y;
        vi[i] = v;
    }
    if (m == CMETA_RD && o->vtype == CMETA_VTYPE_AV) {
        double q1 = wm_get(&ap1), q2 = wm_get(&ap2);
        for (size_t i = 0; i < k; i++) {
            if (isnan(yi[i])) continue;
            double a = in->ai[i], c = in->ci[i];
            double b = in->bi ? in->bi[i] : in->n1i[i] - a, d = in->di ? in->di[i] : in->n2i[i] - c;
            double n1 = a + b, n2 = c + d;
            int zero = (a == 0 || b == 0 || c == 0 || d == 0);
            if ((o->to == CMETA_TO_ALL) || (o->to == CMETA_TO_ONLY0 && zero) ||
                (o->to == CMETA_TO_IF0ALL && nzero > 0)) {
                n1 += 2 * add;
                n2 += 2 * add;
            }
            vi[i] = q1 * (1 - q1) / n1 + q2 * (1 - q2) / n2;
        }
    }
    cmeta_status st = warn_corrected(w, add, o->to, ncorr, nzero);
    if (st == CMETA_OK && w && ndrop > 0)
        st = cmeta_warn(w, "%zu double-zero stud%s left out (drop00)", ndrop, ndrop == 1 ? "y" : "ies");
    return st;
}

/* ---- one group, proportion ------------------------------------------------------------- */

static cmeta_status es_prop(cmeta_measure m, const cmeta_escalc_input *in,
                            const cmeta_escalc_opts *o, double *yi, double *vi, cmeta_warnings *w)
{
    size_t k = in->k, nzero = 0, ncorr = 0;
    double add = effective_add(m, o);
    for (size_t i = 0; i < k; i++) {
        double x = in->xi[i], n = in->ni[i];
        if (!isnan(x) && !isnan(n) && (x == 0 || n - x == 0)) nzero++;
    }
    wmean_acc ap = {0, 0};
    for (size_t i = 0; i < k; i++) {
        double x = in->xi[i], n = in->ni[i];
        yi[i] = vi[i] = NAN;
        if (isnan(x) || isnan(n)) continue;
        double mm = n - x;
        int zero = (x == 0 || mm == 0);
        if ((o->to == CMETA_TO_ALL) || (o->to == CMETA_TO_ONLY0 && zero) ||
            (o->to == CMETA_TO_IF0ALL && nzero > 0)) {
            x += add;
            mm += add;
            ncorr++;
        }
        n = x + mm;
        double p = x / n, y = NAN, v = NAN;
        switch (m) {
        case CMETA_PR: /* raw proportion; LS p(1-p)/n, UB p(1-p)/(n-1), AV mean p (pass 2) */
            y = p;
            v = (o->vtype == CMETA_VTYPE_UB) ? p * (1 - p) / (n - 1) : p * (1 - p) / n;
            break;
        case CMETA_PLN: /* log proportion; LS 1/x - 1/n */
            y = log(p);
            v = 1 / x - 1 / n;
            break;
        case CMETA_PLO: /* logit; LS 1/x + 1/(n - x) */
            y = log(p / (1 - p));
            v = 1 / x + 1 / mm;
            break;
        case CMETA_PAS: /* arcsine square root; 1/(4n) */
            y = asin(sqrt(p));
            v = 1 / (4 * n);
            break;
        case CMETA_PFT: /* Freeman-Tukey double arcsine (Freeman & Tukey 1950); 1/(4n + 2) */
            y = 0.5 * (asin(sqrt(x / (n + 1))) + asin(sqrt((x + 1) / (n + 1))));
            v = 1 / (4 * n + 2);
            break;
        default: break;
        }
        wm_add(&ap, p, n);
        yi[i] = y;
        vi[i] = v;
    }
    if (o->vtype == CMETA_VTYPE_AV && (m == CMETA_PR || m == CMETA_PLN || m == CMETA_PLO)) {
        /* AV: the per-study p replaced by the n-weighted mean p of all studies:
         * PR q(1-q)/n, PLN 1/(q n) - 1/n, PLO 1/(q n) + 1/((1-q) n) */
        double q = wm_get(&ap);
        for (size_t i = 0; i < k; i++) {
            if (isnan(yi[i])) continue;
            double x = in->xi[i], n = in->ni[i];
            int zero = (x == 0 || n - x == 0);
            if ((o->to == CMETA_TO_ALL) || (o->to == CMETA_TO_ONLY0 && zero) ||
                (o->to == CMETA_TO_IF0ALL && nzero > 0))
                n += 2 * add;
            if (m == CMETA_PR) vi[i] = q * (1 - q) / n;
            else if (m == CMETA_PLN) vi[i] = 1 / (q * n) - 1 / n;
            else vi[i] = 1 / (q * n) + 1 / ((1 - q) * n);
        }
    }
    return warn_corrected(w, add, o->to, ncorr, nzero);
}

/* ---- correlations ---------------------------------------------------------------------- */

static cmeta_status hyp2f1(double a, double b, double c, double x, double *out)
{
    gsl_sf_result r;
    int s = gsl_sf_hyperg_2F1_e(a, b, c, x, &r);
    *out = (s == GSL_SUCCESS) ? r.val : NAN;
    return s == GSL_SUCCESS ? CMETA_OK : CMETA_ENUMERIC;
}

static cmeta_status es_cor(cmeta_measure m, const cmeta_escalc_input *in,
                           const cmeta_escalc_opts *o, double *yi, double *vi, cmeta_error *err)
{
    size_t k = in->k;
    wmean_acc ar = {0, 0};
    for (size_t i = 0; i < k; i++) {
        double r = in->ri[i], n = in->ni[i], y = NAN, v = NAN;
        yi[i] = vi[i] = NAN;
        if (isnan(r) || isnan(n)) continue;
        switch (m) {
        case CMETA_COR: /* r; LS (1 - r^2)^2/(n - 1) */
            y = r;
            v = (1 - y * y) * (1 - y * y) / (n - 1);
            break;
        case CMETA_UCOR: {
            /* unbiased r (Olkin & Pratt 1958): r 2F1(1/2, 1/2; (n-2)/2; 1 - r^2);
             * LS (1 - y^2)^2/(n - 1);
             * UB y^2 - (1 - (n-3)/(n-2) (1 - r^2) 2F1(1, 1; n/2; 1 - r^2)) */
            double F;
            if (hyp2f1(0.5, 0.5, (n - 2) / 2, 1 - r * r, &F) != CMETA_OK) goto numfail;
            y = r * F;
            if (o->vtype == CMETA_VTYPE_UB) {
                double G;
                if (hyp2f1(1, 1, n / 2, 1 - r * r, &G) != CMETA_OK) goto numfail;
                v = y * y - (1 - (n - 3) / (n - 2) * (1 - r * r) * G);
            } else {
                v = (1 - y * y) * (1 - y * y) / (n - 1);
            }
            break;
        }
        case CMETA_ZCOR: /* Fisher's z = atanh(r); v = 1/(n - 3) */
            y = 0.5 * log((1 + r) / (1 - r));
            v = 1 / (n - 3);
            break;
        default: break;
        }
        if (m != CMETA_ZCOR) wm_add(&ar, y, n);
        yi[i] = y;
        vi[i] = v;
        continue;
    numfail:
        if (err) err->index = (long)i;
        return cmeta_error_set(err, CMETA_ENUMERIC,
                               "hypergeometric function 2F1 failed for UCOR (ri=%g, ni=%g)", r, n);
    }
    if (o->vtype == CMETA_VTYPE_AV && m != CMETA_ZCOR) {
        /* AV: (1 - ybar^2)^2/(n - 1), ybar the n-weighted mean */
        double yb = wm_get(&ar);
        for (size_t i = 0; i < k; i++)
            if (!isnan(yi[i])) vi[i] = (1 - yb * yb) * (1 - yb * yb) / (in->ni[i] - 1);
    }
    return CMETA_OK;
}

/* ---- dispatcher ------------------------------------------------------------------------ */

cmeta_status cmeta_escalc(cmeta_measure m, const cmeta_escalc_input *in,
                          const cmeta_escalc_opts *o, double *yi, double *vi,
                          cmeta_warnings *w, cmeta_error *err)
{
    cmeta_escalc_opts def;
    if (!o) {
        cmeta_escalc_opts_default(&def);
        o = &def;
    }
    if (!in || !yi || !vi || (int)m < 0 || m >= CMETA_NMEASURES)
        return cmeta_error_set(err, CMETA_EUSAGE, "cmeta_escalc: bad arguments");
    if (!vtype_allowed(m, o->vtype))
        return cmeta_error_set(err, CMETA_EUSAGE, "vtype %s is not available for measure %s",
                               vtype_name(o->vtype), measure_names[m]);
    if (o->revman_smd && (m != CMETA_SMD || o->vtype != CMETA_VTYPE_LS))
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "the RevMan SMD applies to measure SMD with vtype LS only");
    if (!(o->add >= 0) || !isfinite(o->add))
        return cmeta_error_set(err, CMETA_EUSAGE, "add must be a finite number >= 0 (got %g)", o->add);
    cmeta_status st = cmeta_escalc_check(m, in, err);
    if (st != CMETA_OK) return st;

    switch (cmeta_measure_family(m)) {
    case CMETA_FAMILY_CONT2: es_cont2(m, in, o, yi, vi); break;
    case CMETA_FAMILY_PREPOST: es_prepost(m, in, o, yi, vi); break;
    case CMETA_FAMILY_BIN2: st = es_bin2(m, in, o, yi, vi, w); break;
    case CMETA_FAMILY_PROP: st = es_prop(m, in, o, yi, vi, w); break;
    case CMETA_FAMILY_COR: st = es_cor(m, in, o, yi, vi, err); break;
    case CMETA_FAMILY_GEN:
        /* precomputed: vi given, or vi = sei^2 */
        for (size_t i = 0; i < in->k; i++) {
            double s = AT(in->sei, i);
            yi[i] = in->yi[i];
            vi[i] = in->vi ? in->vi[i] : s * s;
            if (isnan(yi[i]) || isnan(vi[i])) yi[i] = vi[i] = NAN;
        }
        break;
    }
    if (st == CMETA_ENOMEM) return cmeta_error_set(err, st, "out of memory storing a warning");
    if (st != CMETA_OK) return st;
    finish(yi, vi, in->k);
    return CMETA_OK;
}
