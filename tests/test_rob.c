/* test_rob.c - issue 17 item 4: risk-of-bias traffic lights in the forest plot. The words a
 * cell may hold, and the layout: one circle per study and domain, centred under its heading and
 * on its study's row, in robvis's colour; the legend names the tool's domains; no two texts
 * overlap, nor two circles; both layouts; SVG fills the circles with the colour. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

static cmeta_text_measurer *g_tm;

static void test_parse(void)
{
    static const struct {
        const char *cell;
        cmeta_rob_judgement j;
    } ok[] = {{"Low", CMETA_ROB_LOW},      {" low ", CMETA_ROB_LOW},          {"+", CMETA_ROB_LOW},
              {"Some concerns", CMETA_ROB_SOME}, {"SOME", CMETA_ROB_SOME},     {"Moderate", CMETA_ROB_SOME},
              {"High", CMETA_ROB_HIGH},    {"serious", CMETA_ROB_HIGH},       {"X", CMETA_ROB_HIGH},
              {"Unclear", CMETA_ROB_UNCLEAR}, {"No information", CMETA_ROB_UNCLEAR}, {"?", CMETA_ROB_UNCLEAR},
              {"", CMETA_ROB_NONE}};
    cmeta_error err;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        cmeta_rob_judgement j = (cmeta_rob_judgement)99;
        CU_ASSERT_EQUAL(cmeta_rob_parse(ok[i].cell, CMETA_ROB_TOOL_ROB2, &j, &err), CMETA_OK);
        CU_ASSERT_EQUAL(j, ok[i].j);
    }
    cmeta_rob_judgement j;
    CU_ASSERT_EQUAL(cmeta_rob_parse("-", CMETA_ROB_TOOL_ROB2, &j, &err), CMETA_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "RevMan 5"));
    CU_ASSERT_EQUAL(cmeta_rob_parse("Critical", CMETA_ROB_TOOL_ROB2, &j, &err), CMETA_EDATA);
    CU_ASSERT_EQUAL(cmeta_rob_parse("Critical", CMETA_ROB_TOOL_ROBINS_I, &j, &err), CMETA_OK);
    CU_ASSERT_EQUAL(j, CMETA_ROB_CRITICAL);
    CU_ASSERT_EQUAL(cmeta_rob_parse("lowish", CMETA_ROB_TOOL_ROB2, &j, &err), CMETA_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "'lowish'"));
    CU_ASSERT_EQUAL(cmeta_rob_ndomains(CMETA_ROB_TOOL_ROB2), 5);
    CU_ASSERT_EQUAL(cmeta_rob_ndomains(CMETA_ROB_TOOL_ROBINS_I), 7);
    CU_ASSERT_EQUAL(cmeta_rob_ndomains(CMETA_ROB_TOOL_ROBINS_I_V2), 6); /* no deviations domain in V2 */
    CU_ASSERT_STRING_EQUAL(cmeta_rob_domain_name(CMETA_ROB_TOOL_ROBINS_I_V2, 3), "Bias due to missing data");
    CU_ASSERT_STRING_EQUAL(cmeta_rob_domain_name(CMETA_ROB_TOOL_ROBINS_I_V2, 5), "Bias in selection of the reported result");
    CU_ASSERT_PTR_NULL(cmeta_rob_domain_name(CMETA_ROB_TOOL_ROBINS_I_V2, 6));
    CU_ASSERT_STRING_EQUAL(cmeta_rob_domain_name(CMETA_ROB_TOOL_ROB2, 0), "Bias arising from the randomization process");
    CU_ASSERT_STRING_EQUAL(cmeta_rob_domain_name(CMETA_ROB_TOOL_ROBINS_I, 2), "Bias in classification of interventions");
    CU_ASSERT_STRING_EQUAL(cmeta_rob_domain_name(CMETA_ROB_TOOL_ROBINS_I_V2, 1), "Bias in classification of interventions");
    CU_ASSERT_PTR_NULL(cmeta_rob_domain_name(CMETA_ROB_TOOL_ROB2, 5));
    /* robvis's "cochrane" colours */
    CU_ASSERT_EQUAL(cmeta_rob_colour(CMETA_ROB_LOW), 0x02C100UL);
    CU_ASSERT_EQUAL(cmeta_rob_colour(CMETA_ROB_SOME), 0xE2DF07UL);
    CU_ASSERT_EQUAL(cmeta_rob_colour(CMETA_ROB_HIGH), 0xBF0000UL);
    CU_ASSERT_EQUAL(cmeta_rob_colour(CMETA_ROB_CRITICAL), 0x820000UL);
    CU_ASSERT_EQUAL(cmeta_rob_colour(CMETA_ROB_UNCLEAR), 0x4EA1F7UL);
}

/* The judgements of tests/cli/data/rob_madeup.csv (made-up values), study x (D1..D5, overall). */
#define L CMETA_ROB_LOW
#define S CMETA_ROB_SOME
#define H CMETA_ROB_HIGH
#define U CMETA_ROB_UNCLEAR
#define N CMETA_ROB_NONE
static const cmeta_rob_judgement madeup[6 * 6] = {L, L, S, L, L, S, L, H, L, L, L, H, U, L, L, U, L, S,
                                                  S, S, L, L, H, H, L, L, L, L, L, L, L, S, U, H, L, N};

static const cmeta_prim *find_text(const cmeta_plot *p, cmeta_prim_role role, const char *s)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->prim[i].kind == CMETA_PRIM_TEXT && p->prim[i].role == role && !strcmp(p->prim[i].text, s))
            return &p->prim[i];
    return NULL;
}

static void check_layout(const cmeta_data *d, const cmeta_fit *f, cmeta_forest_layout_kind lay, int real)
{
    cmeta_text_measure_fn ms = real ? cmeta_text_measure_cairo : tu_fake_measure;
    void *mc = real ? g_tm : NULL;
    cmeta_forest_opts o;
    cmeta_forest_opts_default(&o);
    o.layout = lay;
    o.rob_ndomains = 5;
    o.rob_overall = 1;
    o.rob = madeup;
    cmeta_plot p;
    cmeta_error err;
    CU_ASSERT_EQUAL_FATAL(cmeta_forest_layout(d, f, NULL, &o, ms, mc, &p, &err), CMETA_OK);
    size_t ncirc = 0;
    for (long i = 0; i < 6; i++) {
        /* the row's centre: its interval line */
        const cmeta_prim *ci = NULL;
        for (size_t q = 0; q < p.n && !ci; q++)
            if (p.prim[q].role == CMETA_ROLE_CI && p.prim[q].index == i) ci = &p.prim[q];
        CU_ASSERT_PTR_NOT_NULL_FATAL(ci);
        for (int j = 0; j < 6; j++) {
            char head[16];
            if (j < 5) snprintf(head, sizeof head, "D%d", j + 1);
            else snprintf(head, sizeof head, "Overall");
            const cmeta_prim *h = find_text(&p, CMETA_ROLE_HEADING, head);
            CU_ASSERT_PTR_NOT_NULL_FATAL(h);
            const cmeta_prim *c = NULL;
            size_t nfound = 0;
            for (size_t q = 0; q < p.n; q++)
                if (p.prim[q].kind == CMETA_PRIM_CIRCLE && p.prim[q].role == CMETA_ROLE_ROB && p.prim[q].index == i &&
                    p.prim[q].value == j)
                    c = &p.prim[q], nfound++;
            cmeta_rob_judgement jd = madeup[i * 6 + j];
            if (jd == CMETA_ROB_NONE) {
                CU_ASSERT_EQUAL(nfound, 0);
                continue;
            }
            CU_ASSERT_EQUAL_FATAL(nfound, 1);
            ncirc++;
            CU_ASSERT_DOUBLE_EQUAL(c->x, h->x, 1e-9); /* centred under its heading (centre-anchored) */
            CU_ASSERT_EQUAL(h->anchor, CMETA_ANCHOR_CENTER);
            CU_ASSERT_DOUBLE_EQUAL(c->y, ci->y, 1e-9);
            CU_ASSERT_EQUAL(c->fill_rgb, CMETA_RGB(cmeta_rob_colour(jd)));
            CU_ASSERT(c->w > 3);
            /* the circle lies right of every interval, estimate and weight text of its row */
            for (size_t q = 0; q < p.n; q++) {
                const cmeta_prim *t = &p.prim[q];
                if (t->kind != CMETA_PRIM_TEXT || t->index != i || t->role == CMETA_ROLE_ROB) continue;
                double box[4];
                cmeta_prim_text_box(t, box);
                CU_ASSERT(box[2] < c->x - c->w || box[0] > c->x + c->w || box[3] < c->y - c->w || box[1] > c->y + c->w);
            }
        }
    }
    CU_ASSERT_EQUAL(ncirc, 35);
    /* no two circles overlap */
    for (size_t a = 0; a < p.n; a++)
        for (size_t b = a + 1; b < p.n; b++)
            if (p.prim[a].kind == CMETA_PRIM_CIRCLE && p.prim[b].kind == CMETA_PRIM_CIRCLE)
                CU_ASSERT(hypot(p.prim[a].x - p.prim[b].x, p.prim[a].y - p.prim[b].y) >= p.prim[a].w + p.prim[b].w);
    /* the legend: the tool's domains and the four RoB 2 judgements (no "Critical") */
    CU_ASSERT_PTR_NOT_NULL(find_text(&p, CMETA_ROLE_LEGEND, "Risk of bias legend"));
    CU_ASSERT_PTR_NOT_NULL(find_text(&p, CMETA_ROLE_LEGEND, "D1: Bias arising from the randomization process"));
    CU_ASSERT_PTR_NOT_NULL(find_text(&p, CMETA_ROLE_LEGEND, "D5: Bias in selection of the reported result"));
    CU_ASSERT_PTR_NOT_NULL(find_text(&p, CMETA_ROLE_LEGEND, "Some concerns"));
    CU_ASSERT_PTR_NOT_NULL(find_text(&p, CMETA_ROLE_LEGEND, "Unclear"));
    CU_ASSERT_PTR_NULL(find_text(&p, CMETA_ROLE_LEGEND, "Critical"));
    CU_ASSERT_PTR_NOT_NULL(find_text(&p, CMETA_ROLE_HEADING, "Risk of bias"));
    tu_check_no_overlap(&p);
    if (real && lay == CMETA_FOREST_METAFOR) { /* SVG: the circles filled with robvis's colours */
        char *buf = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&buf, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
        CU_ASSERT_EQUAL(cmeta_plot_render_stream(&p, CMETA_PLOT_SVG, fp, &err), CMETA_OK);
        fclose(fp);
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<circle") ? strstr(buf, "fill=\"#02c100\"") : NULL);
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, "fill=\"#bf0000\""));
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, "fill=\"#4ea1f7\""));
        free(buf);
    }
    cmeta_plot_free(&p);
    /* a domain count that does not fit the tool */
    o.rob_tool = CMETA_ROB_TOOL_ROBINS_I;
    CU_ASSERT_EQUAL(cmeta_forest_layout(d, f, NULL, &o, ms, mc, &p, &err), CMETA_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "ROBINS-I has 7"));
}

/* The summary bars: each domain's shares of the pooled model's weights (computed here from
 * fit->weight), bars laid end to end from the axis origin, widths proportional to the shares. */
static void check_summary(const cmeta_fit *f, int real)
{
    cmeta_text_measure_fn ms = real ? cmeta_text_measure_cairo : tu_fake_measure;
    void *mc = real ? g_tm : NULL;
    cmeta_plot p;
    cmeta_error err;
    double pct[6 * 6];
    CU_ASSERT_EQUAL_FATAL(cmeta_rob_summary_layout(madeup, 6, 5, 1, f->weight, CMETA_ROB_TOOL_ROB2, pct, ms, mc, &p, &err),
                          CMETA_OK);
    const cmeta_prim *t0 = NULL, *t100 = NULL;
    for (size_t q = 0; q < p.n; q++)
        if (p.prim[q].role == CMETA_ROLE_TICK) {
            if (p.prim[q].value == 0) t0 = &p.prim[q];
            if (p.prim[q].value == 100) t100 = &p.prim[q];
        }
    CU_ASSERT_PTR_NOT_NULL_FATAL(t0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t100);
    double full = t100->x - t0->x;
    for (size_t j = 0; j < 6; j++) {
        double want[6] = {0, 0, 0, 0, 0, 0}, tot = 0;
        for (size_t i = 0; i < 6; i++) {
            cmeta_rob_judgement jd = madeup[i * 6 + j];
            if (jd == CMETA_ROB_NONE) continue;
            want[jd] += f->weight[i];
            tot += f->weight[i];
        }
        double sum = 0, x = t0->x;
        for (int q = 1; q < 6; q++) {
            CU_ASSERT_DOUBLE_EQUAL(pct[j * 6 + q], 100 * want[q] / tot, 1e-9);
            sum += pct[j * 6 + q];
        }
        CU_ASSERT_DOUBLE_EQUAL(sum, 100, 1e-9);
        /* bars of domain j, in drawing order, low first */
        for (size_t q = 0; q < p.n; q++) {
            const cmeta_prim *r = &p.prim[q];
            if (r->kind != CMETA_PRIM_RECT || r->role != CMETA_ROLE_ROB || r->index != (long)j) continue;
            CU_ASSERT_DOUBLE_EQUAL(r->x, x, 1e-9);
            CU_ASSERT_DOUBLE_EQUAL(r->w, full * r->value / 100, 1e-9);
            x += r->w;
        }
        CU_ASSERT_DOUBLE_EQUAL(x, t100->x, 1e-9);
    }
    /* overall (study F not assessed): E's share is w_E / (w_A + .. + w_E) */
    CU_ASSERT_DOUBLE_EQUAL(pct[5 * 6 + CMETA_ROB_LOW],
                           100 * f->weight[4] / (f->weight[0] + f->weight[1] + f->weight[2] + f->weight[3] + f->weight[4]),
                           1e-9);
    tu_check_no_overlap(&p);
    cmeta_plot_free(&p);
    CU_ASSERT_EQUAL(cmeta_rob_summary_layout(madeup, 6, 7, 1, f->weight, CMETA_ROB_TOOL_ROB2, pct, ms, mc, &p, &err),
                    CMETA_EUSAGE);
}

static void test_layout(void)
{
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_table *t = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_table_read_file(tu_path("tests/cli/data/rob_madeup.csv"), &t, &err), CMETA_OK);
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    o.measure_set = 1;
    o.measure = CMETA_RR;
    cmeta_data *d = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(t, &o, &d, NULL, &err), CMETA_OK);
    cmeta_fit_opts fo;
    cmeta_fit_opts_default(&fo);
    cmeta_fit *f = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_fit_data(d, &fo, &f, NULL, &err), CMETA_OK);
    for (int real = 0; real < 2; real++) {
        check_layout(d, f, CMETA_FOREST_METAFOR, real);
        check_layout(d, f, CMETA_FOREST_REVMAN5, real);
        check_summary(f, real);
    }
    cmeta_fit_free(f);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

int main(void)
{
    gsl_set_error_handler_off();
    mkdir("build", 0777);
    if (cmeta_text_measurer_new(&g_tm) != CMETA_OK) return 1;
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("rob", NULL, NULL);
    CU_add_test(s, "risk of bias: judgements, domains, colours", test_parse);
    CU_add_test(s, "risk of bias: traffic lights in both forest layouts, weighted summary bars", test_layout);
    int rc = tu_run();
    cmeta_text_measurer_free(g_tm);
    cmeta_plot_cleanup_at_exit();
    return rc;
}
