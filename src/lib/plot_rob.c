/* plot_rob.c - risk-of-bias judgements for the forest plot's traffic-light columns
 * (issue 17 item 4): the words accepted in a data cell, the domains of each tool, and the
 * colours and symbols drawn.
 *
 * Domains (the legend's names):
 *   RoB 2 (Sterne JAC et al. RoB 2: a revised tool for assessing risk of bias in randomised
 *   trials. BMJ 2019;366:l4898; domain titles as in the tool and in the training material at
 *   latitudes-network.org/resource/training-on-rob-2): D1 randomization process, D2 deviations
 *   from intended interventions, D3 missing outcome data, D4 measurement of the outcome, D5
 *   selection of the reported result.
 *   ROBINS-I (Sterne JAC et al. ROBINS-I: a tool for assessing risk of bias in non-randomised
 *   studies of interventions. BMJ 2016;355:i4919, Table 2; as in published assessments, e.g.
 *   PMC10267093 Table 3): D1 confounding, D2 selection of participants into the study, D3
 *   classification of interventions, D4 deviations from intended interventions, D5 missing
 *   data, D6 measurement of outcomes, D7 selection of the reported result.
 *   ROBINS-I V2 (Sterne JAC, Higgins JPT et al. The Risk Of Bias In Non-randomized Studies - of
 *   Interventions, Version 2 (ROBINS-I V2): assessment tool for follow-up studies,
 *   riskofbias.info/welcome/robins-i-v2; launch version 2024, revised 20 November 2025): SIX
 *   domains. The V1 domain "deviations from intended interventions" is gone (its concerns moved
 *   into confounding, variant B for per-protocol effects, and the other domains): D1 confounding,
 *   D2 classification of interventions, D3 selection of participants into the study (or into
 *   the analysis), D4 missing data, D5 measurement of the outcome, D6 selection of the
 *   reported result. Checked against the tool's text (domain headings "Domain 1: Bias due to
 *   confounding" .. "Domain 6: Bias in selection of the reported result") as transcribed in
 *   two independent implementations: the 20 November 2025 tool document and the CoRATES
 *   ROBINS-I V2 checklist map (github.com/InfinityBowman/corates,
 *   packages/web/src/components/checklist/ROBINSIChecklist/checklist-map.js). cmeta until
 *   issue 17 item 3 listed 7 V2 domains, keeping the V1 deviations domain as D4: wrong.
 * Colours and symbols: robvis's default ("cochrane") scheme (McGuinness LA, Higgins JPT.
 *   Risk-of-bias VISualization (robvis). Res Synth Methods 2021;12:55-61; the package's
 *   scale values): low #02C100 "+", some concerns #E2DF07 "-", high #BF0000 "x" (drawn as
 *   U+00D7), critical #820000 "!", no information #4EA1F7 "?".
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "plot_internal.h"

static const char *const rob2_domains[] = {
    "Bias arising from the randomization process", "Bias due to deviations from intended interventions",
    "Bias due to missing outcome data", "Bias in measurement of the outcome",
    "Bias in selection of the reported result"};
static const char *const robins_i_domains[] = {
    "Bias due to confounding", "Bias in selection of participants into the study",
    "Bias in classification of interventions", "Bias due to deviations from intended interventions",
    "Bias due to missing data", "Bias in measurement of outcomes", "Bias in selection of the reported result"};
static const char *const robins_i_v2_domains[] = {
    "Bias due to confounding", "Bias in classification of interventions",
    "Bias in selection of participants into the study (or into the analysis)", "Bias due to missing data",
    "Bias in measurement of the outcome", "Bias in selection of the reported result"};

size_t cmeta_rob_ndomains(cmeta_rob_tool tool)
{
    return tool == CMETA_ROB_TOOL_ROB2 ? 5 : tool == CMETA_ROB_TOOL_ROBINS_I ? 7 : 6;
}

const char *cmeta_rob_domain_name(cmeta_rob_tool tool, size_t j)
{
    if (j >= cmeta_rob_ndomains(tool)) return NULL;
    return tool == CMETA_ROB_TOOL_ROB2 ? rob2_domains[j]
         : tool == CMETA_ROB_TOOL_ROBINS_I ? robins_i_domains[j] : robins_i_v2_domains[j];
}

const char *cmeta_rob_word(cmeta_rob_tool tool, cmeta_rob_judgement j)
{
    int r2 = tool == CMETA_ROB_TOOL_ROB2;
    switch (j) {
    case CMETA_ROB_LOW: return "Low";
    case CMETA_ROB_SOME: return r2 ? "Some concerns" : "Moderate";
    case CMETA_ROB_HIGH: return r2 ? "High" : "Serious";
    case CMETA_ROB_CRITICAL: return "Critical";
    case CMETA_ROB_UNCLEAR: return r2 ? "Unclear" : "No information";
    default: return "";
    }
}

const char *cmeta_rob_symbol(cmeta_rob_judgement j)
{
    switch (j) {
    case CMETA_ROB_LOW: return "+";
    case CMETA_ROB_SOME: return "\u2212"; /* minus sign */
    case CMETA_ROB_HIGH: return "\u00d7";
    case CMETA_ROB_CRITICAL: return "!";
    case CMETA_ROB_UNCLEAR: return "?";
    default: return "";
    }
}

unsigned long cmeta_rob_colour(cmeta_rob_judgement j)
{
    switch (j) {
    case CMETA_ROB_LOW: return 0x02C100UL;
    case CMETA_ROB_SOME: return 0xE2DF07UL;
    case CMETA_ROB_HIGH: return 0xBF0000UL;
    case CMETA_ROB_CRITICAL: return 0x820000UL;
    case CMETA_ROB_UNCLEAR: return 0x4EA1F7UL;
    default: return 0xFFFFFFUL;
    }
}

cmeta_status cmeta_rob_parse(const char *cell, cmeta_rob_tool tool, cmeta_rob_judgement *out, cmeta_error *err)
{
    static const struct {
        const char *word;
        cmeta_rob_judgement j;
    } words[] = {{"low", CMETA_ROB_LOW},           {"low risk", CMETA_ROB_LOW},
                 {"+", CMETA_ROB_LOW},             {"some concerns", CMETA_ROB_SOME},
                 {"some", CMETA_ROB_SOME},         {"moderate", CMETA_ROB_SOME},
                 {"high", CMETA_ROB_HIGH},         {"high risk", CMETA_ROB_HIGH},
                 {"serious", CMETA_ROB_HIGH},      {"x", CMETA_ROB_HIGH},
                 {"critical", CMETA_ROB_CRITICAL}, {"!", CMETA_ROB_CRITICAL},
                 {"unclear", CMETA_ROB_UNCLEAR},   {"unclear risk", CMETA_ROB_UNCLEAR},
                 {"no information", CMETA_ROB_UNCLEAR}, {"ni", CMETA_ROB_UNCLEAR},
                 {"?", CMETA_ROB_UNCLEAR}};
    *out = CMETA_ROB_NONE;
    const char *s = cell ? cell : "";
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
    if (n == 0) return CMETA_OK;
    if (n == 1 && *s == '-')
        return cmeta_error_set(err, CMETA_EDATA, "'-' is high risk in RevMan 5 but some concerns in robvis: write "
                                                 "high or some concerns");
    for (size_t w = 0; w < sizeof words / sizeof *words; w++)
        if (strlen(words[w].word) == n && !strncasecmp(words[w].word, s, n)) {
            if (words[w].j == CMETA_ROB_CRITICAL && tool == CMETA_ROB_TOOL_ROB2)
                return cmeta_error_set(err, CMETA_EDATA, "'critical' is not a RoB 2 judgement (ROBINS-I: "
                                                         "--rob-tool robins-i)");
            *out = words[w].j;
            return CMETA_OK;
        }
    return cmeta_error_set(err, CMETA_EDATA, "risk of bias '%.*s' is not one of low, some concerns (moderate), "
                                             "high (serious), critical, unclear (no information), +, x, !, ?",
                           (int)(n > 40 ? 40 : n), s);
}

/* ---- the weighted summary bar chart -------------------------------------------------------- */

static cmeta_status rs_text(cmeta_plot *p, cmeta_prim_role role, long index, double x, double y, cmeta_anchor a,
                            double fs, int bold, const char *s, cmeta_text_measure_fn ms, void *mc)
{
    return cmeta__plot_text(p, role, index, x, y, a, fs, bold, s, ms, mc);
}

cmeta_status cmeta_rob_summary_layout(const cmeta_rob_judgement *rob, size_t k, size_t nd, int overall,
                                      const double *w, cmeta_rob_tool tool, double *pct, cmeta_text_measure_fn measure,
                                      void *measure_ctx, cmeta_plot *out, cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "risk-of-bias summary: no output plot given");
    memset(out, 0, sizeof *out);
    if (!rob || !w || !measure || k == 0)
        return cmeta_error_set(err, CMETA_EUSAGE, "risk-of-bias summary: judgements, weights and a text measure are required");
    if (nd != cmeta_rob_ndomains(tool))
        return cmeta_error_set(err, CMETA_EUSAGE, "risk-of-bias summary: %zu domains, but the tool has %zu", nd,
                               cmeta_rob_ndomains(tool));
    for (size_t i = 0; i < k; i++)
        if (!(w[i] >= 0) || !isfinite(w[i]))
            return cmeta_error_set(err, CMETA_EUSAGE, "risk-of-bias summary: weight %zu is not a finite number >= 0", i + 1);
    const double fs = 10;
    cmeta_text_extent fe = {0, 0, 0};
    measure(measure_ctx, "Hg", fs, 0, &fe);
    const double asc = fe.ascent > 0 ? fe.ascent : 0.8 * fs, desc = fe.descent > 0 ? fe.descent : 0.25 * fs;
    const double rh = (asc + desc) * 1.6, barw = 300, gap = fs;
    size_t nbar = nd + (overall ? 1 : 0);
    char buf[256];
    /* the label column: widest "Dj: name" */
    double lw = 0;
    for (size_t j = 0; j < nbar; j++) {
        if (j < nd) snprintf(buf, sizeof buf, "D%zu: %s", j + 1, cmeta_rob_domain_name(tool, j));
        else snprintf(buf, sizeof buf, "Overall risk of bias");
        cmeta_text_extent e = {0, 0, 0};
        measure(measure_ctx, buf, fs, 0, &e);
        if (e.width > lw) lw = e.width;
    }
    const double x0 = lw + gap;
    cmeta_status st = CMETA_OK;
    double y = 0;
    static const cmeta_rob_judgement order[] = {CMETA_ROB_LOW, CMETA_ROB_SOME, CMETA_ROB_HIGH, CMETA_ROB_CRITICAL,
                                                CMETA_ROB_UNCLEAR};
    for (size_t j = 0; j < nbar && st == CMETA_OK; j++) {
        size_t col = j < nd ? j : nd;
        double share[6] = {0, 0, 0, 0, 0, 0}, tot = 0;
        for (size_t i = 0; i < k; i++) {
            cmeta_rob_judgement jd = rob[i * (nd + 1) + col];
            if (jd <= CMETA_ROB_NONE || jd > CMETA_ROB_UNCLEAR) continue;
            share[jd] += w[i];
            tot += w[i];
        }
        for (int q = 0; q < 6; q++) share[q] = tot > 0 ? 100 * share[q] / tot : 0;
        if (pct) memcpy(pct + col * 6, share, sizeof share);
        if (j < nd) snprintf(buf, sizeof buf, "D%zu: %s", j + 1, cmeta_rob_domain_name(tool, j));
        else snprintf(buf, sizeof buf, "Overall risk of bias");
        double base = y + (rh - asc - desc) / 2 + asc;
        if ((st = rs_text(out, CMETA_ROLE_LABEL, (long)col, 0, base, CMETA_ANCHOR_LEFT, fs, j == nd, buf, measure,
                          measure_ctx)))
            break;
        double x = x0, bh = rh * 0.75;
        for (size_t q = 0; q < sizeof order / sizeof *order; q++) {
            double s = share[order[q]];
            if (!(s > 0)) continue;
            cmeta_prim *r = cmeta__plot_push(out, CMETA_PRIM_RECT, CMETA_ROLE_ROB, (long)col);
            if (!r) {
                st = CMETA_ENOMEM;
                break;
            }
            r->x = x;
            r->y = y + (rh - bh) / 2;
            r->w = barw * s / 100;
            r->h = bh;
            r->fill_rgb = CMETA_RGB(cmeta_rob_colour(order[q]));
            r->stroke = 0.3;
            r->line_width = 0.5;
            r->value = s;
            r->dashed = 0;
            x += r->w;
        }
        y += rh;
    }
    /* the axis: 0, 25, ..., 100% */
    if (st == CMETA_OK) st = cmeta__plot_line(out, CMETA_ROLE_AXIS, -1, x0, y + 2, x0 + barw, y + 2, 1, 0);
    for (int t = 0; t <= 4 && st == CMETA_OK; t++) {
        double cx = x0 + barw * t / 4;
        if ((st = cmeta__plot_line(out, CMETA_ROLE_TICK, t, cx, y + 2, cx, y + 2 + fs * 0.35, 1, 0))) break;
        out->prim[out->n - 1].value = 25 * t;
        snprintf(buf, sizeof buf, "%d%%", 25 * t);
        if ((st = rs_text(out, CMETA_ROLE_TICKLABEL, t, cx, y + 4 + fs * 0.35 + asc, CMETA_ANCHOR_CENTER, fs, 0, buf,
                          measure, measure_ctx)))
            break;
        out->prim[out->n - 1].value = 25 * t;
    }
    y += 4 + fs * 0.35 + asc + desc + rh * 0.5;
    /* the keys */
    double x = x0;
    for (size_t q = 0; q < sizeof order / sizeof *order && st == CMETA_OK; q++) {
        if (order[q] == CMETA_ROB_CRITICAL && tool == CMETA_ROB_TOOL_ROB2) continue;
        cmeta_prim *r = cmeta__plot_push(out, CMETA_PRIM_RECT, CMETA_ROLE_LEGEND, (long)order[q]);
        if (!r) {
            st = CMETA_ENOMEM;
            break;
        }
        r->x = x;
        r->y = y + (rh - fs) / 2;
        r->w = r->h = fs;
        r->fill_rgb = CMETA_RGB(cmeta_rob_colour(order[q]));
        r->stroke = 0.3;
        r->line_width = 0.5;
        const char *wd = cmeta_rob_word(tool, order[q]);
        if ((st = rs_text(out, CMETA_ROLE_LEGEND, (long)order[q], x + fs * 1.4, y + (rh - asc - desc) / 2 + asc,
                          CMETA_ANCHOR_LEFT, fs, 0, wd, measure, measure_ctx)))
            break;
        cmeta_text_extent e = {0, 0, 0};
        measure(measure_ctx, wd, fs, 0, &e);
        x += fs * 1.4 + e.width + fs * 1.5;
    }
    if (st != CMETA_OK) {
        cmeta_plot_free(out);
        return cmeta_error_set(err, st, "risk-of-bias summary: %s", cmeta_strerror(st));
    }
    cmeta__plot_finish(out, fs);
    return CMETA_OK;
}
