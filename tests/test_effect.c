/* test_effect.c - effect sizes against R metafor 3.8 escalc (fixtures written by
 * tests/reference/make_effect_fixtures.R), plus names, back-transforms, validation rules,
 * large-N SMD, the RevMan SMD and NaN propagation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/effect.h"
#include "testutil.h"

#define RTOL 1e-8
#define ATOL 1e-13

/* ---- reference fixtures ------------------------------------------------------------ */

typedef struct {
    tu_fixture *f;
    double *col[20];
} input_cols;

static const char *const input_names[] = {"m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i", "ai", "bi",
                                          "ci",  "di",   "xi",  "ni",  "ri",   "yi",  "vi", "sei"};
#define NIN (sizeof input_names / sizeof input_names[0])

static void bind_input(cmeta_escalc_input *in, double **c, size_t k)
{
    memset(in, 0, sizeof *in);
    in->k = k;
    in->m1i = c[0]; in->sd1i = c[1]; in->n1i = c[2]; in->m2i = c[3]; in->sd2i = c[4];
    in->n2i = c[5]; in->ai = c[6]; in->bi = c[7]; in->ci = c[8]; in->di = c[9];
    in->xi = c[10]; in->ni = c[11]; in->ri = c[12]; in->yi = c[13]; in->vi = c[14];
    in->sei = c[15];
}

/* Check every configuration of <name>_results.csv; returns the number of values compared. */
static size_t check_fixture(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/reference/effect/%s_input.csv", name);
    tu_fixture *fi = tu_fixture_load(path);
    snprintf(path, sizeof path, "tests/reference/effect/%s_results.csv", name);
    tu_fixture *fr = tu_fixture_load(path);
    CU_ASSERT_FATAL(fi != NULL && fr != NULL);
    size_t k = fi->nrows, compared = 0;
    double *cols[NIN];
    for (size_t j = 0; j < NIN; j++) cols[j] = tu_column(fi, input_names[j]);
    cmeta_escalc_input in;
    bind_input(&in, cols, k);
    double *yi = calloc(k, sizeof *yi), *vi = calloc(k, sizeof *vi);
    size_t r = 0;
    while (r < fr->nrows) {
        cmeta_measure m;
        cmeta_escalc_opts o;
        cmeta_escalc_opts_default(&o);
        CU_ASSERT_EQUAL_FATAL(cmeta_measure_from_name(tu_str(fr, r, "measure"), &m), CMETA_OK);
        CU_ASSERT_EQUAL_FATAL(cmeta_vtype_from_name(tu_str(fr, r, "vtype"), &o.vtype), CMETA_OK);
        CU_ASSERT_EQUAL_FATAL(cmeta_to_from_name(tu_str(fr, r, "to"), &o.to), CMETA_OK);
        double add = tu_num(fr, r, "add");
        if (!isnan(add)) { o.add = add; o.add_explicit = 1; }
        o.drop00 = (int)tu_num(fr, r, "drop00");
        cmeta_warnings w;
        cmeta_error err;
        cmeta_warnings_init(&w);
        cmeta_error_clear(&err);
        cmeta_status st = cmeta_escalc(m, &in, &o, yi, vi, &w, &err);
        if (st != CMETA_OK) fprintf(stderr, "  %s %s: %s\n", name, tu_str(fr, r, "measure"), err.message);
        CU_ASSERT_EQUAL(st, CMETA_OK);
        for (size_t i = 0; i < k; i++, r++) {
            char what[160];
            CU_ASSERT_EQUAL_FATAL((size_t)tu_num(fr, r, "study"), i + 1);
            snprintf(what, sizeof what, "%s %s vtype=%s add=%s to=%s drop00=%s study %zu yi", name,
                     tu_str(fr, r, "measure"), tu_str(fr, r, "vtype"), tu_str(fr, r, "add"),
                     tu_str(fr, r, "to"), tu_str(fr, r, "drop00"), i + 1);
            TU_ASSERT_CLOSE(yi[i], tu_num(fr, r, "yi"), RTOL, ATOL, what);
            what[strlen(what) - 2] = 'v';
            TU_ASSERT_CLOSE(vi[i], tu_num(fr, r, "vi"), RTOL, ATOL, what);
            compared += 2;
        }
        cmeta_warnings_free(&w);
    }
    free(yi);
    free(vi);
    for (size_t j = 0; j < NIN; j++) free(cols[j]);
    tu_fixture_free(fi);
    tu_fixture_free(fr);
    return compared;
}

static void t_ref_cont2(void)
{
    CU_ASSERT(check_fixture("cont2_normand1999") == 2 * 153);
    CU_ASSERT(check_fixture("cont2_large") == 2 * 6);
}
static void t_ref_prepost(void)
{
    CU_ASSERT(check_fixture("prepost_morris2008") == 2 * 70);
    CU_ASSERT(check_fixture("prepost_morris2008_sdpre") == 2 * 30);
}
static void t_ref_bin2(void)
{
    CU_ASSERT(check_fixture("bin2_bcg") == 2 * 1456);
    CU_ASSERT(check_fixture("bin2_nielweise2007") == 2 * 2016);
    CU_ASSERT(check_fixture("bin2_collins1985b") == 2 * 1008);
}
static void t_ref_prop(void)
{
    CU_ASSERT(check_fixture("prop_pritz1997") == 2 * 1008);
    CU_ASSERT(check_fixture("prop_debruin2009") == 2 * 936);
    CU_ASSERT(check_fixture("prop_nielweise2007") == 2 * 1296);
}
static void t_ref_cor(void) { CU_ASSERT(check_fixture("cor_molloy2014") == 2 * 96); }
static void t_ref_gen(void)
{
    CU_ASSERT(check_fixture("gen_bcg_vi") == 2 * 13);
    CU_ASSERT(check_fixture("gen_bcg_sei") == 2 * 13);
}

/* ---- names and options ----------------------------------------------------------------- */

static void t_names(void)
{
    for (int i = 0; i < CMETA_NMEASURES; i++) {
        cmeta_measure m = (cmeta_measure)-1;
        const char *s = cmeta_measure_name((cmeta_measure)i);
        CU_ASSERT_EQUAL(cmeta_measure_from_name(s, &m), CMETA_OK);
        CU_ASSERT_EQUAL(m, i);
        char low[16];
        size_t n = strlen(s);
        for (size_t j = 0; j <= n; j++) low[j] = (char)(s[j] >= 'A' && s[j] <= 'Z' ? s[j] + 32 : s[j]);
        m = (cmeta_measure)-1;
        CU_ASSERT_EQUAL(cmeta_measure_from_name(low, &m), CMETA_OK);
        CU_ASSERT_EQUAL(m, i);
    }
    cmeta_measure m;
    CU_ASSERT_EQUAL(cmeta_measure_from_name("SMDX", &m), CMETA_EUSAGE);
    CU_ASSERT_EQUAL(cmeta_measure_from_name("", &m), CMETA_EUSAGE);
    CU_ASSERT_EQUAL(cmeta_measure_from_name(NULL, &m), CMETA_EUSAGE);
    CU_ASSERT_STRING_EQUAL(cmeta_measure_name(CMETA_SMCRH), "SMCRH");
    CU_ASSERT_STRING_EQUAL(cmeta_measure_name(CMETA_NMEASURES), "?");
    CU_ASSERT_EQUAL(cmeta_measure_family(CMETA_SMD1), CMETA_FAMILY_CONT2);
    CU_ASSERT_EQUAL(cmeta_measure_family(CMETA_ROMC), CMETA_FAMILY_PREPOST);
    CU_ASSERT_EQUAL(cmeta_measure_family(CMETA_PETO), CMETA_FAMILY_BIN2);
    CU_ASSERT_EQUAL(cmeta_measure_family(CMETA_PFT), CMETA_FAMILY_PROP);
    CU_ASSERT_EQUAL(cmeta_measure_family(CMETA_UCOR), CMETA_FAMILY_COR);
    CU_ASSERT_EQUAL(cmeta_measure_family(CMETA_GEN), CMETA_FAMILY_GEN);
    CU_ASSERT_EQUAL(cmeta_measure_transform(CMETA_OR), CMETA_TRANS_EXP);
    CU_ASSERT_EQUAL(cmeta_measure_transform(CMETA_ROMC), CMETA_TRANS_EXP);
    CU_ASSERT_EQUAL(cmeta_measure_transform(CMETA_PLN), CMETA_TRANS_EXP);
    CU_ASSERT_EQUAL(cmeta_measure_transform(CMETA_PLO), CMETA_TRANS_ILOGIT);
    CU_ASSERT_EQUAL(cmeta_measure_transform(CMETA_PAS), CMETA_TRANS_IARCSIN);
    CU_ASSERT_EQUAL(cmeta_measure_transform(CMETA_PFT), CMETA_TRANS_IFT);
    CU_ASSERT_EQUAL(cmeta_measure_transform(CMETA_ZCOR), CMETA_TRANS_TANH);
    CU_ASSERT_EQUAL(cmeta_measure_transform(CMETA_SMD), CMETA_TRANS_NONE);
    CU_ASSERT_EQUAL(cmeta_measure_transform(CMETA_RD), CMETA_TRANS_NONE);

    cmeta_vtype v;
    CU_ASSERT_EQUAL(cmeta_vtype_from_name("ho", &v), CMETA_OK);
    CU_ASSERT_EQUAL(v, CMETA_VTYPE_HO);
    CU_ASSERT_EQUAL(cmeta_vtype_from_name("LS2", &v), CMETA_OK);
    CU_ASSERT_EQUAL(v, CMETA_VTYPE_LS2);
    CU_ASSERT_EQUAL(cmeta_vtype_from_name("XX", &v), CMETA_EUSAGE);
    cmeta_to t;
    CU_ASSERT_EQUAL(cmeta_to_from_name("IF0ALL", &t), CMETA_OK);
    CU_ASSERT_EQUAL(t, CMETA_TO_IF0ALL);
    CU_ASSERT_EQUAL(cmeta_to_from_name("none", &t), CMETA_OK);
    CU_ASSERT_EQUAL(t, CMETA_TO_NONE);
    CU_ASSERT_EQUAL(cmeta_to_from_name("some", &t), CMETA_EUSAGE);

    cmeta_escalc_opts o;
    memset(&o, 0x5a, sizeof o);
    cmeta_escalc_opts_default(&o);
    CU_ASSERT_EQUAL(o.add, 0.5);
    CU_ASSERT_EQUAL(o.to, CMETA_TO_ONLY0);
    CU_ASSERT_EQUAL(o.drop00, 0);
    CU_ASSERT_EQUAL(o.vtype, CMETA_VTYPE_LS);
    CU_ASSERT_EQUAL(o.revman_smd, 0);
    CU_ASSERT_EQUAL(o.add_explicit, 0);
}

/* ---- back-transforms (values from R: metafor transf.* functions) ----------------------- */

static void t_back(void)
{
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_NONE, -0.3, 0), -0.3, 0, 0, "none");
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_EXP, log(0.49), 0), 0.49, 1e-15, 0, "exp");
    /* plogis(0.8) = 0.6899744811276125 */
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_ILOGIT, 0.8, 0), 0.6899744811276125, 1e-14, 0, "ilogit");
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_ILOGIT, -800, 0), 0, 0, 1e-300, "ilogit -800");
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_ILOGIT, 800, 0), 1, 0, 0, "ilogit 800");
    /* transf.iarcsin: sin(0.6)^2 = 0.31882112227603; clamps below 0 and above pi/2 */
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_IARCSIN, 0.6, 0), pow(sin(0.6), 2), 1e-15, 0, "iarcsin");
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_IARCSIN, -0.1, 0), 0, 0, 0, "iarcsin <0");
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_IARCSIN, 1.6, 0), 1, 0, 0, "iarcsin >pi/2");
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_TANH, 0.5, 0), 0.46211715726000974, 1e-14, 0, "tanh");
    /* transf.ipft.hm(c(0.2, 0.9, 1.5, 0.01, 1.57), targs=list(ni=c(10, 20, 40))):
     * harmonic mean 17.142857142857142 */
    double nhm = 1.0 / ((1.0 / 10 + 1.0 / 20 + 1.0 / 40) / 3);
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_IFT, 0.2, nhm), 0.017512023757080941, 1e-10, 0, "ift 0.2");
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_IFT, 0.9, nhm), 0.62003505383873214, 1e-10, 0, "ift 0.9");
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_IFT, 1.5, nhm), 1, 0, 0, "ift 1.5");
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_IFT, 0.01, nhm), 0, 0, 0, "ift 0.01");
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_IFT, 1.57, nhm), 1, 0, 0, "ift 1.57");
    /* round trip through the forward transform at p = 0.3, n = 50 */
    double x = 0.3 * 50, n = 50;
    double t = 0.5 * (asin(sqrt(x / (n + 1))) + asin(sqrt((x + 1) / (n + 1))));
    TU_ASSERT_CLOSE(cmeta_back_transform(CMETA_TRANS_IFT, t, n), 0.3, 1e-12, 0, "ift round trip");
    CU_ASSERT(isnan(cmeta_back_transform(CMETA_TRANS_EXP, NAN, 0)));
}

/* ---- validation rules: one per rule, with index and message --------------------------- */

static cmeta_error run_check(cmeta_measure m, const cmeta_escalc_input *in, cmeta_status want)
{
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_escalc_check(m, in, &err);
    CU_ASSERT_EQUAL(st, want);
    if (st != want) fprintf(stderr, "  check %s: status %d message '%s'\n", cmeta_measure_name(m), st, err.message);
    return err;
}
#define EXPECT_RULE(m, in, idx, msg)                                                   \
    do {                                                                               \
        cmeta_error e_ = run_check((m), (in), CMETA_EDATA);                            \
        CU_ASSERT_EQUAL(e_.index, (idx));                                              \
        CU_ASSERT_STRING_EQUAL(e_.message, (msg));                                     \
        if (strcmp(e_.message, (msg)) != 0) fprintf(stderr, "  got '%s'\n", e_.message); \
    } while (0)

static void t_rule_sd(void)
{
    double m1[] = {5, 6, 7}, s1[] = {1, -1.2, 1}, n1[] = {10, 10, 10};
    double m2[] = {4, 5, 6}, s2[] = {1, 1, 0}, n2[] = {10, 10, 10};
    cmeta_escalc_input in = {.k = 3, .m1i = m1, .sd1i = s1, .n1i = n1, .m2i = m2, .sd2i = s2, .n2i = n2};
    EXPECT_RULE(CMETA_SMD, &in, 1, "sd1i must be > 0 (got -1.2)");
    s1[1] = 1;
    EXPECT_RULE(CMETA_MD, &in, 2, "sd2i must be > 0 (got 0)");
    s2[2] = 2;
    run_check(CMETA_SMD, &in, CMETA_OK);
    s1[0] = NAN; /* missing: not an error */
    run_check(CMETA_SMD, &in, CMETA_OK);
    s1[0] = 1;
    s1[2] = -5; /* SMD1 does not use sd1i */
    run_check(CMETA_SMD1, &in, CMETA_OK);
}

static void t_rule_n(void)
{
    double m1[] = {5, 6}, s1[] = {1, 1}, n1[] = {10, 1}, m2[] = {4, 5}, s2[] = {1, 1}, n2[] = {10, 2};
    cmeta_escalc_input in = {.k = 2, .m1i = m1, .sd1i = s1, .n1i = n1, .m2i = m2, .sd2i = s2, .n2i = n2};
    EXPECT_RULE(CMETA_SMD, &in, 1, "n1i + n2i must be >= 4 for SMD (got 3)");
    EXPECT_RULE(CMETA_SMDH, &in, 1, "n1i must be >= 2 for SMDH (got 1)");
    EXPECT_RULE(CMETA_SMD1, &in, 1, "n2i must be >= 3 for SMD1 (got 2)");
    run_check(CMETA_MD, &in, CMETA_OK);
    n1[0] = 0;
    EXPECT_RULE(CMETA_MD, &in, 0, "n1i must be >= 1 for MD (got 0)");
    double pm1[] = {5}, ps1[] = {1}, pm2[] = {4}, ps2[] = {1}, pn[] = {2}, pr[] = {0.5};
    cmeta_escalc_input pp = {.k = 1, .m1i = pm1, .sd1i = ps1, .m2i = pm2, .sd2i = ps2, .ni = pn, .ri = pr};
    EXPECT_RULE(CMETA_SMCC, &pp, 0, "ni must be >= 3 for SMCC (got 2)");
    run_check(CMETA_MC, &pp, CMETA_OK);
}

static void t_rule_events(void)
{
    double a[] = {3, 12}, b[] = {7, -1}, c[] = {2, 1}, d[] = {8, 9};
    cmeta_escalc_input in = {.k = 2, .ai = a, .bi = b, .ci = c, .di = d};
    EXPECT_RULE(CMETA_OR, &in, 1, "bi must be >= 0 (got -1)");
    double n1[] = {10, 10}, n2[] = {10, 10};
    cmeta_escalc_input in2 = {.k = 2, .ai = a, .n1i = n1, .ci = c, .n2i = n2};
    EXPECT_RULE(CMETA_RR, &in2, 1, "ai must be <= n1i (got ai=12, n1i=10)");
    double x[] = {0, 5, 11}, n[] = {10, 10, 10};
    cmeta_escalc_input pr = {.k = 3, .xi = x, .ni = n};
    EXPECT_RULE(CMETA_PLO, &pr, 2, "xi must be <= ni (got xi=11, ni=10)");
    x[2] = -1;
    EXPECT_RULE(CMETA_PR, &pr, 2, "xi must be >= 0 (got -1)");
    x[2] = 10;
    run_check(CMETA_PFT, &pr, CMETA_OK);
    double a0[] = {0}, b0[] = {0}, c0[] = {1}, d0[] = {5};
    cmeta_escalc_input e = {.k = 1, .ai = a0, .bi = b0, .ci = c0, .di = d0};
    EXPECT_RULE(CMETA_OR, &e, 0, "ai + bi must be > 0 (got 0: empty group 1)");
}

static void t_rule_r(void)
{
    double r[] = {0.3, 1.2}, n[] = {50, 50};
    cmeta_escalc_input in = {.k = 2, .ri = r, .ni = n};
    EXPECT_RULE(CMETA_COR, &in, 1, "ri must be <= 1 (got 1.2)");
    r[1] = 1;
    run_check(CMETA_COR, &in, CMETA_OK);
    EXPECT_RULE(CMETA_ZCOR, &in, 1, "ri must be < 1 for ZCOR (got 1)");
    r[1] = 0.2;
    n[0] = 3;
    EXPECT_RULE(CMETA_ZCOR, &in, 0, "ni must be >= 4 for ZCOR (got 3)");
    n[0] = 4;
    EXPECT_RULE(CMETA_UCOR, &in, 0, "ni must be >= 5 for UCOR (got 4)");
}

static void t_rule_vi(void)
{
    double y[] = {0.1, 0.2}, v[] = {0.01, 0}, s[] = {0.1, -0.2};
    cmeta_escalc_input in = {.k = 2, .yi = y, .vi = v};
    EXPECT_RULE(CMETA_GEN, &in, 1, "vi must be > 0 (got 0)");
    cmeta_escalc_input in2 = {.k = 2, .yi = y, .sei = s};
    EXPECT_RULE(CMETA_GEN, &in2, 1, "sei must be > 0 (got -0.2)");
}

static void t_rule_finite(void)
{
    double y[] = {0.1, INFINITY}, v[] = {0.01, 0.02};
    cmeta_escalc_input in = {.k = 2, .yi = y, .vi = v};
    EXPECT_RULE(CMETA_GEN, &in, 1, "yi must be finite (got inf)");
    double m1[] = {5}, s1[] = {1}, n1[] = {10}, m2[] = {-4}, s2[] = {1}, n2[] = {10};
    cmeta_escalc_input c = {.k = 1, .m1i = m1, .sd1i = s1, .n1i = n1, .m2i = m2, .sd2i = s2, .n2i = n2};
    EXPECT_RULE(CMETA_ROM, &c, 0, "m2i must be > 0 for ROM (got -4)");
}

static void t_usage(void)
{
    double y[] = {0.1};
    cmeta_escalc_input in = {.k = 1, .yi = y};
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL(cmeta_escalc_check(CMETA_GEN, &in, &err), CMETA_EUSAGE);
    CU_ASSERT_STRING_EQUAL(err.message, "measure GEN needs column vi or sei");
    double r[] = {0.3}, n[] = {50}, yi[1], vi[1];
    cmeta_escalc_input c = {.k = 1, .ri = r, .ni = n};
    cmeta_escalc_opts o;
    cmeta_escalc_opts_default(&o);
    o.vtype = CMETA_VTYPE_UB;
    CU_ASSERT_EQUAL(cmeta_escalc(CMETA_COR, &c, &o, yi, vi, NULL, &err), CMETA_EUSAGE);
    CU_ASSERT_STRING_EQUAL(err.message, "vtype UB is not available for measure COR");
    CU_ASSERT_EQUAL(cmeta_escalc(CMETA_UCOR, &c, &o, yi, vi, NULL, &err), CMETA_OK);
}

/* ---- warnings ------------------------------------------------------------------------ */

static void t_warnings(void)
{
    /* Niel-Weise 2007 studies 1, 4 and 15 (15 is a double-zero table) */
    double a[] = {0, 0, 2, 0}, n1[] = {116, 130, 208, 118}, c[] = {3, 7, 9, 0}, n2[] = {117, 136, 195, 105};
    cmeta_escalc_input in = {.k = 4, .ai = a, .n1i = n1, .ci = c, .n2i = n2};
    double yi[4], vi[4];
    cmeta_escalc_opts o;
    cmeta_escalc_opts_default(&o);
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    CU_ASSERT_EQUAL(cmeta_escalc(CMETA_OR, &in, &o, yi, vi, &w, NULL), CMETA_OK);
    CU_ASSERT_EQUAL_FATAL(w.n, 1);
    CU_ASSERT_STRING_EQUAL(w.text[0], "continuity correction 0.5 added to 3 studies with a zero cell");
    cmeta_warnings_free(&w);
    cmeta_warnings_init(&w);
    o.drop00 = 1;
    CU_ASSERT_EQUAL(cmeta_escalc(CMETA_OR, &in, &o, yi, vi, &w, NULL), CMETA_OK);
    CU_ASSERT_EQUAL_FATAL(w.n, 2);
    CU_ASSERT_STRING_EQUAL(w.text[0], "continuity correction 0.5 added to 2 studies with a zero cell");
    CU_ASSERT_STRING_EQUAL(w.text[1], "1 double-zero study left out (drop00)");
    CU_ASSERT(isnan(yi[3]) && isnan(vi[3]));
    cmeta_warnings_free(&w);
    /* AS: no correction unless add is given */
    cmeta_warnings_init(&w);
    o.drop00 = 0;
    CU_ASSERT_EQUAL(cmeta_escalc(CMETA_AS, &in, &o, yi, vi, &w, NULL), CMETA_OK);
    CU_ASSERT_EQUAL(w.n, 0);
    o.to = CMETA_TO_IF0ALL;
    o.add_explicit = 1;
    CU_ASSERT_EQUAL(cmeta_escalc(CMETA_AS, &in, &o, yi, vi, &w, NULL), CMETA_OK);
    CU_ASSERT_EQUAL_FATAL(w.n, 1);
    CU_ASSERT_STRING_EQUAL(w.text[0], "continuity correction 0.5 added to all 4 studies (to=if0all; 3 with a zero cell)");
    cmeta_warnings_free(&w);
}

/* ---- large N, RevMan SMD, NaN propagation -------------------------------------------- */

static void t_large_n(void)
{
    double m1[] = {10.3, 0.5}, s1[] = {2.1, 1}, n1[] = {1e7, 1e9}, m2[] = {10.1, 0.4}, s2[] = {2.3, 1}, n2[] = {1e7, 1e9};
    cmeta_escalc_input in = {.k = 2, .m1i = m1, .sd1i = s1, .n1i = n1, .m2i = m2, .sd2i = s2, .n2i = n2};
    double yi[2], vi[2];
    cmeta_vtype vts[] = {CMETA_VTYPE_LS, CMETA_VTYPE_UB, CMETA_VTYPE_LS2, CMETA_VTYPE_AV};
    for (size_t j = 0; j < 4; j++) {
        cmeta_escalc_opts o;
        cmeta_escalc_opts_default(&o);
        o.vtype = vts[j];
        CU_ASSERT_EQUAL(cmeta_escalc(CMETA_SMD, &in, &o, yi, vi, NULL, NULL), CMETA_OK);
        for (int i = 0; i < 2; i++) {
            CU_ASSERT(isfinite(yi[i]) && isfinite(vi[i]) && vi[i] > 0);
            /* J -> 1: g within 1e-6 of d; vi ~ 2/n */
            double sp = sqrt(((n1[i] - 1) * s1[i] * s1[i] + (n2[i] - 1) * s2[i] * s2[i]) / (n1[i] + n2[i] - 2));
            double d = (m1[i] - m2[i]) / sp, N = n1[i] + n2[i];
            /* J = 1 - 3/(4(N-2) - 1) + O(N^-2) (Hedges 1981) */
            TU_ASSERT_CLOSE(yi[i], d * (1 - 3 / (4 * (N - 2) - 1)), 1e-12, 0, "large-N g");
            double vls = 1 / n1[i] + 1 / n2[i] + yi[i] * yi[i] / (2 * N);
            double J = 1 - 3 / (4 * (N - 2) - 1);
            /* UB factor 1 - (m-2)/(m J^2) = (1 + 1.75/m + O(m^-2))/(2m), m = N - 2 (mpmath) */
            if (vts[j] == CMETA_VTYPE_UB)
                vls = 1 / n1[i] + 1 / n2[i] + yi[i] * yi[i] * (1 + 1.75 / (N - 2)) / (2 * (N - 2));
            if (vts[j] == CMETA_VTYPE_LS2) vls = J * J * (1 / n1[i] + 1 / n2[i] + d * d / (2 * N));
            TU_ASSERT_CLOSE(vi[i], vls, vts[j] == CMETA_VTYPE_AV ? 1e-3 : 1e-10, 0, "large-N v");
        }
    }
}

/* effect.c remembers J by sample size (direct-mapped on the integer part of m, 512 slots):
 * studies whose m share a slot (30, 542, 1054), repeat, or are not integers get the same bits
 * as each study alone, for SMD, SMDH and SMCC. */
static void t_j_memo(void)
{
    enum { K = 8 };
    double n1[K] = {16, 271, 16, 527, 271, 16.5, 16, 2000}, n2[K] = {16, 273, 16, 529, 273, 16, 16, 600};
    double m1[K], m2[K], s1[K], s2[K], ri[K], yi[K], vi[K], y1[1], v1[1];
    for (int i = 0; i < K; i++) {
        m1[i] = 10 + 0.1 * i, m2[i] = 9.5 - 0.05 * i, s1[i] = 2 + 0.1 * i, s2[i] = 2.2, ri[i] = 0.5;
    }
    cmeta_measure ms[] = {CMETA_SMD, CMETA_SMDH, CMETA_SMCC};
    cmeta_escalc_opts o;
    cmeta_escalc_opts_default(&o);
    for (int j = 0; j < 3; j++) {
        int pp = ms[j] == CMETA_SMCC;
        cmeta_escalc_input in = {.k = K, .m1i = m1, .sd1i = s1, .m2i = m2, .sd2i = s2};
        if (pp) in.ni = n1, in.ri = ri;
        else in.n1i = n1, in.n2i = n2;
        CU_ASSERT_EQUAL(cmeta_escalc(ms[j], &in, &o, yi, vi, NULL, NULL), CMETA_OK);
        for (int i = 0; i < K; i++) {
            cmeta_escalc_input one = {.k = 1, .m1i = m1 + i, .sd1i = s1 + i, .m2i = m2 + i, .sd2i = s2 + i};
            if (pp) one.ni = n1 + i, one.ri = ri + i;
            else one.n1i = n1 + i, one.n2i = n2 + i;
            CU_ASSERT_EQUAL(cmeta_escalc(ms[j], &one, &o, y1, v1, NULL, NULL), CMETA_OK);
            CU_ASSERT(memcmp(&yi[i], y1, sizeof *y1) == 0 && memcmp(&vi[i], v1, sizeof *v1) == 0);
        }
    }
}

static void t_revman(void)
{
    /* Normand 1999 study 1 (Edinburgh): n1=155 m1=55 sd1=47, n2=156 m2=75 sd2=64.
     * By hand: N = 311, sp = sqrt((154*47^2 + 155*64^2)/309) = 56.174312617585740,
     * d = -20/sp = -0.35603461917109186, J = 1 - 3/(4*311 - 9) = 1 - 3/1235 = 0.99757085020242915,
     * g = J d = -0.35516975774800420, v = 311/(155*156) + g^2/(2*(311 - 3.94)) = 0.013067277958077371 */
    double m1[] = {55}, s1[] = {47}, n1[] = {155}, m2[] = {75}, s2[] = {64}, n2[] = {156}, yi[1], vi[1];
    cmeta_escalc_input in = {.k = 1, .m1i = m1, .sd1i = s1, .n1i = n1, .m2i = m2, .sd2i = s2, .n2i = n2};
    cmeta_escalc_opts o;
    cmeta_escalc_opts_default(&o);
    o.revman_smd = 1;
    CU_ASSERT_EQUAL(cmeta_escalc(CMETA_SMD, &in, &o, yi, vi, NULL, NULL), CMETA_OK);
    TU_ASSERT_CLOSE(yi[0], -0.35516975774800420, 1e-12, 0, "RevMan g");
    TU_ASSERT_CLOSE(vi[0], 0.013067277958077371, 1e-12, 0, "RevMan v");
    /* metafor (exact J = 0.99757052212226227): g = -0.35516964094010689,
     * v = 0.013064675541529683; RevMan's J is Hedges' approximation 1 - 3/(4(N-2) - 1),
     * so g differs in the 7th digit and v (N/(n1 n2), N - 3.94) in the 4th. */
    o.revman_smd = 0;
    CU_ASSERT_EQUAL(cmeta_escalc(CMETA_SMD, &in, &o, yi, vi, NULL, NULL), CMETA_OK);
    TU_ASSERT_CLOSE(yi[0], -0.35516964094010689, 1e-12, 0, "metafor g");
    TU_ASSERT_CLOSE(vi[0], 0.013064675541529683, 1e-12, 0, "metafor v");
    cmeta_error err;
    cmeta_error_clear(&err);
    o.revman_smd = 1;
    CU_ASSERT_EQUAL(cmeta_escalc(CMETA_MD, &in, &o, yi, vi, NULL, &err), CMETA_EUSAGE);
}

static void t_nan(void)
{
    double m1[] = {5, NAN, 6}, s1[] = {1, 1, 1}, n1[] = {10, 10, 10}, m2[] = {4, 4, 4}, s2[] = {1, 1, NAN}, n2[] = {10, 10, 10};
    cmeta_escalc_input in = {.k = 3, .m1i = m1, .sd1i = s1, .n1i = n1, .m2i = m2, .sd2i = s2, .n2i = n2};
    double yi[3], vi[3];
    cmeta_measure ms[] = {CMETA_SMD, CMETA_SMDH, CMETA_SMD1, CMETA_MD, CMETA_ROM};
    for (size_t j = 0; j < 5; j++) {
        cmeta_escalc_opts o;
        cmeta_escalc_opts_default(&o);
        if (ms[j] == CMETA_SMD || ms[j] == CMETA_ROM) o.vtype = CMETA_VTYPE_AV;
        CU_ASSERT_EQUAL(cmeta_escalc(ms[j], &in, &o, yi, vi, NULL, NULL), CMETA_OK);
        CU_ASSERT(isfinite(yi[0]) && isfinite(vi[0]));
        CU_ASSERT(isnan(yi[1]) && isnan(vi[1]));
        CU_ASSERT(isnan(yi[2]) && isnan(vi[2]));
    }
    double x[] = {3, NAN}, n[] = {NAN, 10}, x2[2], v2[2];
    cmeta_escalc_input p = {.k = 2, .xi = x, .ni = n};
    CU_ASSERT_EQUAL(cmeta_escalc(CMETA_PLO, &p, NULL, x2, v2, NULL, NULL), CMETA_OK);
    CU_ASSERT(isnan(x2[0]) && isnan(v2[0]) && isnan(x2[1]) && isnan(v2[1]));
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("effect_reference", NULL, NULL);
    CU_add_test(s, "CONT2 vs metafor", t_ref_cont2);
    CU_add_test(s, "PREPOST vs metafor", t_ref_prepost);
    CU_add_test(s, "BIN2 vs metafor", t_ref_bin2);
    CU_add_test(s, "PROP vs metafor", t_ref_prop);
    CU_add_test(s, "COR vs metafor", t_ref_cor);
    CU_add_test(s, "GEN vs metafor", t_ref_gen);
    CU_pSuite u = CU_add_suite("effect_api", NULL, NULL);
    CU_add_test(u, "names and options", t_names);
    CU_add_test(u, "back-transforms", t_back);
    CU_add_test(u, "warnings", t_warnings);
    CU_add_test(u, "large-N SMD", t_large_n);
    CU_add_test(u, "J remembered by sample size", t_j_memo);
    CU_add_test(u, "RevMan SMD", t_revman);
    CU_add_test(u, "NaN propagation", t_nan);
    CU_pSuite v = CU_add_suite("effect_validation", NULL, NULL);
    CU_add_test(v, "SD > 0", t_rule_sd);
    CU_add_test(v, "sample sizes", t_rule_n);
    CU_add_test(v, "event counts", t_rule_events);
    CU_add_test(v, "correlations", t_rule_r);
    CU_add_test(v, "vi and sei", t_rule_vi);
    CU_add_test(v, "finite values, ROM means", t_rule_finite);
    CU_add_test(v, "usage errors", t_usage);
    return tu_run();
}
