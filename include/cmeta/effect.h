/* cmeta/effect.h - effect sizes and their sampling variances (metafor's escalc).
 *
 * cmeta_escalc() works on plain arrays (one per input variable) and knows nothing of
 * files: batch runs, resampling and tests call it directly. cmeta/data.h builds those
 * arrays from a table.
 * Formulas follow R metafor 3.8 escalc(); each is documented beside its code in effect.c
 * with its source.
 */
#ifndef CMETA_EFFECT_H
#define CMETA_EFFECT_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    /* two groups, continuous (m1i sd1i n1i m2i sd2i n2i) */
    CMETA_SMD, CMETA_SMDH, CMETA_SMD1, CMETA_MD, CMETA_ROM,
    /* one group, pre/post (m1i sd1i m2i sd2i ni ri) */
    CMETA_MC, CMETA_SMCC, CMETA_SMCR, CMETA_SMCRH, CMETA_ROMC,
    /* two groups, binary (ai bi ci di) */
    CMETA_OR, CMETA_RR, CMETA_RD, CMETA_PETO, CMETA_AS,
    /* one group, proportion (xi ni) */
    CMETA_PR, CMETA_PLN, CMETA_PLO, CMETA_PAS, CMETA_PFT,
    /* correlation (ri ni) */
    CMETA_COR, CMETA_UCOR, CMETA_ZCOR,
    /* precomputed (yi with vi or sei) */
    CMETA_GEN,
    CMETA_NMEASURES
} cmeta_measure;

typedef enum {
    CMETA_FAMILY_CONT2,  /* two groups, continuous */
    CMETA_FAMILY_PREPOST,/* one group, pre/post */
    CMETA_FAMILY_BIN2,   /* two groups, binary */
    CMETA_FAMILY_PROP,   /* one group, proportion */
    CMETA_FAMILY_COR,    /* correlation */
    CMETA_FAMILY_GEN     /* yi/vi given */
} cmeta_family;

/* Name <-> enum ("SMD" <-> CMETA_SMD); names are matched case-insensitively. */
CMETA_EXPORT const char *cmeta_measure_name(cmeta_measure m);
CMETA_EXPORT cmeta_status cmeta_measure_from_name(const char *name, cmeta_measure *out);
CMETA_EXPORT cmeta_family cmeta_measure_family(cmeta_measure m);

/* How the effect is back-transformed for reporting. */
typedef enum {
    CMETA_TRANS_NONE,   /* identity */
    CMETA_TRANS_EXP,    /* log ratios: OR RR PETO ROM ROMC PLN */
    CMETA_TRANS_ILOGIT, /* PLO */
    CMETA_TRANS_IARCSIN,/* PAS: sin(x)^2 */
    CMETA_TRANS_IFT,    /* PFT: inverse Freeman-Tukey (Miller 1978) with the harmonic-mean n */
    CMETA_TRANS_TANH    /* ZCOR: Fisher z -> r */
} cmeta_transform_kind;
CMETA_EXPORT cmeta_transform_kind cmeta_measure_transform(cmeta_measure m);
/* Back-transform x. For CMETA_TRANS_IFT, n is the harmonic mean of the ni (ignored otherwise). */
CMETA_EXPORT double cmeta_back_transform(cmeta_transform_kind kind, double x, double n);

/* Continuity correction for 2x2 tables (metafor's add/to/drop00). */
typedef enum { CMETA_TO_ONLY0, CMETA_TO_ALL, CMETA_TO_IF0ALL, CMETA_TO_NONE } cmeta_to;
/* Sampling-variance formula (metafor's vtype): LS large-sample (default), UB unbiased,
 * HO homoscedastic / pooled SD (MD, ROM), AV sample-size-weighted average (SMD, COR...),
 * LS2 the second large-sample formula of metafor for SMD (Borenstein 2009) and SMCC. */
typedef enum { CMETA_VTYPE_LS, CMETA_VTYPE_UB, CMETA_VTYPE_HO, CMETA_VTYPE_AV,
               CMETA_VTYPE_LS2, CMETA_VTYPE_AVHO /* ROM: pooled-CV average */ } cmeta_vtype;

/* Continuity correction, as metafor 3.8 escalc: `add` is added to every cell of the 2x2
 * tables (OR RR RD PETO AS) or to xi and ni - xi (PR PLN PLO PAS PFT) of
 *   to = ONLY0:  the studies with at least one zero cell (default),
 *   to = ALL:    every study,
 *   to = IF0ALL: every study, when any study has a zero cell,
 *   to = NONE:   no study.
 * As in metafor, AS, PAS and PFT get no correction unless add is given explicitly
 * (add_explicit = 1); every other of these measures gets add = 0.5 by default.
 * drop00 = 1 sets yi and vi to NaN for tables with no events in both groups
 * (ai = ci = 0) or only events in both groups (bi = di = 0), before any correction.
 *
 * vtype per measure (CMETA_EUSAGE for any other; metafor silently ignores a vtype a
 * measure does not have, cmeta refuses it):
 *   SMD, SMD1: LS UB LS2 AV     SMDH: LS LS2       MD: LS UB (same) HO   ROM: LS HO AV AVHO
 *   SMCC, SMCR: LS LS2          RD, PR, UCOR: LS UB AV      COR, PLN, PLO: LS AV
 *   every other measure: LS only (GEN ignores vtype). */
typedef struct {
    double add;          /* default 0.5 */
    cmeta_to to;         /* default CMETA_TO_ONLY0 */
    int drop00;          /* leave out double-zero tables (default 0 = keep) */
    cmeta_vtype vtype;   /* default CMETA_VTYPE_LS */
    int revman_smd;      /* SMD as RevMan 5: J = 1 - 3/(4N - 9), v = N/(n1 n2) + g^2/(2(N - 3.94));
                          * not a metafor option (Cochrane Handbook 5.1, section 9.2.3.2;
                          * RevMan 5 statistical methods). SMD with vtype LS only. */
    int add_explicit;    /* 1 when the caller chose `add` (e.g. --add given): then AS, PAS and
                          * PFT use it too; 0 (default): they use 0, as metafor. */
} cmeta_escalc_opts;

CMETA_EXPORT void cmeta_escalc_opts_default(cmeta_escalc_opts *o);
CMETA_EXPORT cmeta_status cmeta_vtype_from_name(const char *name, cmeta_vtype *out);
CMETA_EXPORT cmeta_status cmeta_to_from_name(const char *name, cmeta_to *out);

/* Input arrays, each of length k; only those the measure's family uses are read
 * (the others may be NULL). A NaN in any used input marks the study missing: its yi and
 * vi come out NaN. ri for pre/post measures is the pre-post correlation per study.
 * BIN2: bi (di) may be NULL when n1i (n2i) is given: bi = n1i - ai.
 * SMD1 (Glass) standardizes by sd2i and does not read sd1i. PREPOST: yi is on the
 * m1i - m2i (or m1i/m2i) side; SMCR and SMCRH standardize by sd1i, and SMCR does not
 * read sd2i (metafor's own Morris 2008 example passes m1i = post, m2i = pre,
 * sd1i = pre-test SD for SMCR). The caller owns every array; cmeta_escalc keeps none. */
typedef struct {
    size_t k;
    const double *m1i, *sd1i, *n1i, *m2i, *sd2i, *n2i; /* CONT2; PREPOST uses m1i sd1i m2i sd2i */
    const double *ai, *bi, *ci, *di;                   /* BIN2 */
    const double *xi, *ni;                             /* PROP; ni also PREPOST and COR */
    const double *ri;                                  /* COR, PREPOST */
    const double *yi, *vi, *sei;                       /* GEN: vi, or sei when vi is NULL */
} cmeta_escalc_input;

/* Check every study's inputs against the rules of the measure (SD > 0, n >= 1 or 2,
 * 0 <= events <= n, |r| <= 1, vi > 0, finite values...). Returns CMETA_EDATA on the first
 * rule broken, with err->index the study and the message naming the column and the rule,
 * e.g. "sd1i must be > 0 (got -1.2)". Missing (NaN) inputs are not errors here. */
CMETA_EXPORT cmeta_status cmeta_escalc_check(cmeta_measure m, const cmeta_escalc_input *in,
                                             cmeta_error *err) CMETA_RESULT_USED;

/* Compute yi and vi (caller-provided arrays of length k). Validates first (as above).
 * Studies dropped by drop00 get NaN. Warnings: continuity corrections applied. */
CMETA_EXPORT cmeta_status cmeta_escalc(cmeta_measure m, const cmeta_escalc_input *in,
                                       const cmeta_escalc_opts *o, double *yi, double *vi,
                                       cmeta_warnings *w, cmeta_error *err) CMETA_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
