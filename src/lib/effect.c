/* effect.c - effect sizes and sampling variances, as R metafor 3.8 escalc().
 *
 * Every formula below is written from metafor 3.8's escalc() definitions and its help
 * page (escalc.Rd), with the original paper cited where the help page names one.
 * Layout: names and options; back-transforms; validation (cmeta_escalc_check);
 * one computing function per family; the dispatcher cmeta_escalc().
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

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
        /* 1 / (1 + exp(-x)), written to avoid overflow for large |x| */
        if (x >= 0) return 1.0 / (1.0 + exp(-x));
        else { double e = exp(x); return e / (1.0 + e); }
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
        {"AV", CMETA_VTYPE_AV}, {"LS2", CMETA_VTYPE_LS2}};
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
