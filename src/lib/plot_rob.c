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
 *   ROBINS-I V2 (Sterne JAC, Higgins JPT et al., ROBINS-I V2 tool, riskofbias.info, 2024):
 *   classification of interventions moves to D2, selection of participants (now "into the
 *   study (or into the analysis)") to D3, and D6 reads "measurement of the outcome". The V2
 *   names are taken from the V2 tool as released; the stored references searched for this
 *   file did not contain its text, so check them against riskofbias.info before citing.
 * Colours and symbols: robvis's default ("cochrane") scheme (McGuinness LA, Higgins JPT.
 *   Risk-of-bias VISualization (robvis). Res Synth Methods 2021;12:55-61; the package's
 *   scale values): low #02C100 "+", some concerns #E2DF07 "-", high #BF0000 "x" (drawn as
 *   U+00D7), critical #820000 "!", no information #4EA1F7 "?".
 */
#include <ctype.h>
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
    "Bias in selection of participants into the study (or into the analysis)",
    "Bias due to deviations from intended interventions", "Bias due to missing data",
    "Bias in measurement of the outcome", "Bias in selection of the reported result"};

size_t cmeta_rob_ndomains(cmeta_rob_tool tool)
{
    return tool == CMETA_ROB_TOOL_ROB2 ? 5 : 7;
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
