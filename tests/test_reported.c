/* test_reported.c - effect sizes from reported statistics (cmeta/reported.h).
 *
 * 1. The conversions against an independent computation in R from the published formulas
 *    (tests/reference/reported/make.R: fivenum.csv, conversions.csv), 1e-10 relative.
 * 2. Against worked values printed by the sources, within their printed digits:
 *    - metafor 4's own conv.fivenum example as rendered in its documentation
 *      (docs/reference/conv.fivenum.html of github.com/wviechtb/metafor, commit 71ae8f5): n = 20,
 *      (min, median, max) = (2, 6, 14) -> mean 6.594468, SD 3.211576; (q1, median, q3) = (4, 6, 10)
 *      -> 6.719500, 4.787076; all five (2, 4, 6, 10, 14) -> 6.938841, 3.679435; and (2, 4, 6, 14, 20)
 *      skewed (no mean, no SD: the test of Shi et al. 2023 is significant);
 *    - Cochrane Handbook 6.5.2.2: for a 95% CI of a group mean with n = 25 the divisor 3.92 becomes
 *      2 x 2.0639 = 4.128 (read as quoted from the Handbook on a third-party page; the Handbook
 *      page itself was not seen);
 *    - Altman & Bland (2011, BMJ 343:d2090, worked example (a), seen): Est = 17 percentage points,
 *      P = 0.032 gives z = 2.141 and SE = 7.940 with their approximation
 *      z = -0.862 + sqrt(0.743 - 2.404 log P); cmeta takes the exact normal quantile (z = 2.1444),
 *      so SE agrees to 0.2 % (the error of their approximation), not to the printed digits.
 *    - Wan et al. (2014) Table 1 (values of xi(n), the expected range of n standard normals, for
 *      n <= 50; seen at bmcmedresmethodol.biomedcentral.com/articles/10.1186/1471-2288-14-135/tables/1):
 *      cmeta's range divisor is the approximation 2 qnorm((n - 0.375)/(n + 0.25)) (Wan eq 9, as
 *      metafor 4's conv.fivenum), so it is checked against the table within the approximation's
 *      error (1.45 % at n = 5, under 0.26 % from n = 15), not to the printed digits;
 *    - Wan et al. (2014) Table 2 (eta(n), for the IQR), as transcribed in the R package meta (the
 *      paper's table page itself not seen), likewise within the approximation's error;
 *    - Cochrane Handbook Table 6.5.a (combining groups), applied group by group to three groups, on
 *      StatsToDo's "Combine Means and SDs" page (www.statstodo.com/CombineMeansSDs.php, third-party,
 *      seen as stored; it cites Handbook chapter 6 section 6.5.2): (10, 11.8, 2.4), (20, 15.3, 3.2),
 *      (15, 8.4, 4.1) -> n 45, mean 12.2222, SD 4.5028. The Handbook's own table gives the formula
 *      only; no worked example of it in the Handbook was seen.
 *    - Cochrane Handbook (5.1 section 7.7.7.2; version 6 section 6.3.2), a P value to a standard
 *      error: "the Z value that corresponds to a P value of 0.008 is Z = 2.652", SE = estimate / Z
 *      (read as quoted on a third-party page; the Handbook page itself was not seen). Its t-based
 *      example for a difference in means (5.1 section 7.7.3.3, version 6 6.5.2.3: MD 3.8, P = 0.008,
 *      n 25 and 22, t(45) = 2.78, SE = 1.37) is a route cmeta does not take (est_p uses the normal
 *      quantile, as Altman & Bland) and is not tested.
 *    Hozo et al. (2005): no worked numbers seen (its illustrative example, Figure 3, shows the
 *    converted trials only as a forest plot image); its rules are tested through make.R only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

static void test_fivenum_fixture(void)
{
    tu_fixture *f = tu_fixture_load("tests/reference/reported/fivenum.csv");
    if (!f) return;
    size_t checked = 0;
    for (size_t i = 0; i < f->nrows; i++) {
        cmeta_fivenum_method m;
        CU_ASSERT_EQUAL_FATAL(cmeta_fivenum_from_name(tu_str(f, i, "method"), &m), CMETA_OK);
        double mean, sd;
        int sk;
        cmeta_error e;
        cmeta_error_clear(&e);
        cmeta_status st = cmeta_fivenum_meansd(m, tu_num(f, i, "a"), tu_num(f, i, "q1"), tu_num(f, i, "m"),
                                               tu_num(f, i, "q3"), tu_num(f, i, "b"), tu_num(f, i, "n"),
                                               &mean, &sd, &sk, &e);
        char what[128];
        snprintf(what, sizeof what, "fivenum.csv row %zu (%s %s n %g)", i + 2, tu_str(f, i, "method"),
                 tu_str(f, i, "case"), tu_num(f, i, "n"));
        if (m == CMETA_FIVENUM_HOZO && strcmp(tu_str(f, i, "case"), "iqr") == 0 && !tu_num(f, i, "skewed")) {
            CU_ASSERT_EQUAL(st, CMETA_EDATA); /* Hozo: no formula for the quartiles alone */
            checked++;
            continue;
        }
        CU_ASSERT_EQUAL(st, CMETA_OK);
        CU_ASSERT_EQUAL(sk, (int)tu_num(f, i, "skewed"));
        TU_ASSERT_CLOSE(mean, tu_num(f, i, "mean"), 1e-10, 0, what);
        TU_ASSERT_CLOSE(sd, tu_num(f, i, "sd"), 1e-10, 0, what);
        checked++;
    }
    CU_ASSERT(checked >= 99);
    tu_fixture_free(f);
}

static void test_conversions_fixture(void)
{
    tu_fixture *f = tu_fixture_load("tests/reference/reported/conversions.csv");
    if (!f) return;
    for (size_t i = 0; i < f->nrows; i++) {
        const char *k = tu_str(f, i, "kind");
        double x1 = tu_num(f, i, "x1"), x2 = tu_num(f, i, "x2"), x3 = tu_num(f, i, "x3");
        double x4 = tu_num(f, i, "x4"), x5 = tu_num(f, i, "x5"), x6 = tu_num(f, i, "x6"), got = NAN;
        double n, m, sd;
        if (!strcmp(k, "sd_from_se")) got = cmeta_sd_from_se(x1, x3);
        else if (!strcmp(k, "sd_from_ci")) got = cmeta_sd_from_ci(x1, x2, x3, x4);
        else if (!strcmp(k, "vi_from_ci")) got = cmeta_vi_from_ci(x1, x2, x3, (int)x4);
        else if (!strcmp(k, "vi_from_p")) got = cmeta_vi_from_p(x1, x2);
        else {
            cmeta_combine_groups(x1, x2, x3, x4, x5, x6, &n, &m, &sd);
            got = !strcmp(k, "combine_n") ? n : !strcmp(k, "combine_m") ? m : sd;
        }
        char what[64];
        snprintf(what, sizeof what, "conversions.csv row %zu (%s)", i + 2, k);
        TU_ASSERT_CLOSE(got, tu_num(f, i, "value"), 1e-10, 0, what);
    }
    CU_ASSERT(f->nrows >= 14);
    tu_fixture_free(f);
}

static void test_metafor4_example(void)
{
    static const struct { double a, q1, m, q3, b, mean, sd; int skewed; } c[] = {
        {2, NAN, 6, NAN, 14, 6.594468, 3.211576, 0},
        {NAN, 4, 6, 10, NAN, 6.719500, 4.787076, 0},
        {2, 4, 6, 10, 14, 6.938841, 3.679435, 0},
        {2, 4, 6, 14, 20, NAN, NAN, 1}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        double mean, sd;
        int sk = -1;
        CU_ASSERT_EQUAL(cmeta_fivenum_meansd(CMETA_FIVENUM_DEFAULT, c[i].a, c[i].q1, c[i].m, c[i].q3, c[i].b, 20,
                                             &mean, &sd, &sk, NULL), CMETA_OK);
        CU_ASSERT_EQUAL(sk, c[i].skewed);
        /* printed to 7 significant digits: within half a unit of the last */
        TU_ASSERT_CLOSE(mean, c[i].mean, 0, 5.1e-7, "conv.fivenum example mean");
        TU_ASSERT_CLOSE(sd, c[i].sd, 0, 5.1e-7, "conv.fivenum example sd");
    }
}

static void test_handbook_t_divisor(void)
{
    /* SD = sqrt(n) (ub - lb) / divisor: the divisor for n = 25 is 4.128 (printed to 3 decimals) */
    double divisor = sqrt(25.0) * 1.0 / cmeta_sd_from_ci(0, 1, 25, 95);
    TU_ASSERT_CLOSE(divisor, 4.128, 0, 5e-4, "Handbook 6.5.2.2 divisor n = 25");
    /* above n = 100 the Handbook's 3.92 itself */
    TU_ASSERT_CLOSE(sqrt(400.0) * 1.0 / cmeta_sd_from_ci(0, 1, 400, 95), 3.92, 1e-15, 0, "Handbook 3.92");
    TU_ASSERT_CLOSE(cmeta_sd_from_se(2, 25), 10, 1e-15, 0, "SD = SE sqrt(n)");
}

static void test_altman_bland(void)
{
    double se = sqrt(cmeta_vi_from_p(17, 0.032));
    TU_ASSERT_CLOSE(se, 7.940, 2e-3, 0, "Altman & Bland 2011 SE (their approximate z)");
    double z = 17 / se; /* 1.96 SE either side: 95% CI 1.4 to 32.6 in the paper */
    TU_ASSERT_CLOSE(z, 2.141, 2e-3, 0, "Altman & Bland 2011 z");
    /* the same estimate given with its CI gives back the SE (Altman & Bland 2011, BMJ 343:d2304) */
    double lo = 17 - 1.959963984540054 * se, hi = 17 + 1.959963984540054 * se;
    TU_ASSERT_CLOSE(sqrt(cmeta_vi_from_ci(lo, hi, 95, 0)), se, 1e-12, 0, "CI round trip");
    /* on the log scale for ratios */
    TU_ASSERT_CLOSE(cmeta_vi_from_ci(exp(-1), exp(1), 95, 1), pow(1 / 1.959963984540054, 2), 1e-12, 0,
                    "ratio CI on the log scale");
}

/* Cochrane Handbook 5.1 7.7.7.2 / 6 6.3.2: P = 0.008 -> Z = 2.652 (3 decimals), SE = estimate / Z */
static void test_handbook_p_to_z(void)
{
    double se = sqrt(cmeta_vi_from_p(1, 0.008));
    TU_ASSERT_CLOSE(1 / se, 2.652, 0, 5e-4, "Handbook: Z for P = 0.008");
    /* the SE of a ratio's log from its P value: the sign of the estimate does not matter */
    TU_ASSERT_CLOSE(sqrt(cmeta_vi_from_p(-0.5, 0.008)), 0.5 / 2.652, 2e-4, 0, "Handbook: SE = |est| / Z");
}

/* Wan et al. 2014, BMC Med Res Methodol 14:135, Table 1 (page not seen; URL in the header):
 * xi(n) = expected range of n standard normal values, printed to 3 decimals, n = 5..50. With
 * min 0, median 0.5, max 1 (symmetric: not skewed) cmeta's SD is 1 / xi_approx(n). */
static void test_wan_table1(void)
{
    static const double xi[46] = {
        2.326, 2.534, 2.704, 2.847, 2.970, 3.078, 3.173, 3.259, 3.336, 3.407, 3.472, 3.532,
        3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895, 3.931, 3.964, 3.997, 4.027,
        4.057, 4.086, 4.113, 4.139, 4.165, 4.189, 4.213, 4.236, 4.259, 4.280, 4.301, 4.322,
        4.341, 4.361, 4.379, 4.398, 4.415, 4.433, 4.450, 4.466, 4.482, 4.498};
    for (int n = 5; n <= 50; n++) {
        double mean, sd;
        int sk = -1;
        CU_ASSERT_EQUAL(cmeta_fivenum_meansd(CMETA_FIVENUM_WAN, 0, NAN, 0.5, NAN, 1, n, &mean, &sd, &sk,
                                             NULL), CMETA_OK);
        CU_ASSERT_EQUAL(sk, 0);
        TU_ASSERT_CLOSE(mean, 0.5, 1e-15, 0, "Wan: symmetric range, mean = median");
        /* the approximation's error against the exact table (measured: +1.441 % at n = 5,
         * +0.496 % at n = 10, +0.195 % at n = 15, -0.252 % at n = 50) */
        double tol = n < 10 ? 0.015 : n < 15 ? 0.005 : 0.0026;
        char what[64];
        snprintf(what, sizeof what, "Wan 2014 Table 1 xi(%d)", n);
        TU_ASSERT_CLOSE(1 / sd, xi[n - 5], tol, 0, what);
    }
}

/* Wan et al. 2014 Table 2: eta(n), the expected interquartile range of n = 4Q + 1 standard normal
 * values, Q = 1..50, printed to 3 decimals. The paper's table page was not seen; the values are
 * those transcribed as "Wan2014.Table2" in the R package meta (G. Schwarzer), seen in the code
 * index (its "Wan2014.Table1" beside it equals the Table 1 seen above digit for digit). With
 * q1 0.25, median 0.5, q3 0.75 cmeta's SD is 0.5 / eta_approx(n) (Wan eq 16's approximation). */
static void test_wan_table2(void)
{
    static const double eta[50] = {
        0.990, 1.144, 1.206, 1.239, 1.260, 1.274, 1.284, 1.292, 1.298, 1.303,
        1.307, 1.311, 1.313, 1.316, 1.318, 1.320, 1.322, 1.323, 1.324, 1.326,
        1.327, 1.328, 1.329, 1.330, 1.330, 1.331, 1.332, 1.332, 1.333, 1.333,
        1.334, 1.334, 1.335, 1.335, 1.336, 1.336, 1.336, 1.337, 1.337, 1.337,
        1.338, 1.338, 1.338, 1.338, 1.339, 1.339, 1.339, 1.339, 1.339, 1.340};
    for (int q = 1; q <= 50; q++) {
        double n = 4 * q + 1, mean, sd;
        int sk = -1;
        CU_ASSERT_EQUAL(cmeta_fivenum_meansd(CMETA_FIVENUM_WAN, NAN, 0.25, 0.5, 0.75, NAN, n, &mean, &sd,
                                             &sk, NULL), CMETA_OK);
        CU_ASSERT_EQUAL(sk, 0);
        TU_ASSERT_CLOSE(mean, 0.5, 1e-15, 0, "Wan: symmetric quartiles, mean = median");
        /* measured: +0.445 % at n = 5, within 0.174 % from n = 9 */
        char what[64];
        snprintf(what, sizeof what, "Wan 2014 Table 2 eta(%g)", n);
        TU_ASSERT_CLOSE(0.5 / sd, eta[q - 1], q == 1 ? 0.005 : 0.002, 0, what);
    }
}

/* Cochrane Handbook Table 6.5.a (section 6.5.2.10) applied twice, as on StatsToDo's page
 * (www.statstodo.com/CombineMeansSDs.php): groups (n, mean, SD) = (10, 11.8, 2.4), (20, 15.3, 3.2),
 * (15, 8.4, 4.1) combine to n = 45, mean 12.2222, SD 4.5028 (printed to 4 decimals). */
static void test_handbook_combine(void)
{
    double n, m, sd;
    cmeta_combine_groups(10, 11.8, 2.4, 20, 15.3, 3.2, &n, &m, &sd);
    cmeta_combine_groups(n, m, sd, 15, 8.4, 4.1, &n, &m, &sd);
    TU_ASSERT_CLOSE(n, 45, 0, 0, "combined n");
    TU_ASSERT_CLOSE(m, 12.2222, 0, 5.1e-5, "combined mean");
    TU_ASSERT_CLOSE(sd, 4.5028, 0, 5.1e-5, "combined SD");
    /* the order of the groups does not matter (one pooled sample) */
    double n2, m2, sd2;
    cmeta_combine_groups(15, 8.4, 4.1, 20, 15.3, 3.2, &n2, &m2, &sd2);
    cmeta_combine_groups(10, 11.8, 2.4, n2, m2, sd2, &n2, &m2, &sd2);
    TU_ASSERT_CLOSE(m2, m, 1e-13, 0, "order of combining: mean");
    TU_ASSERT_CLOSE(sd2, sd, 1e-13, 0, "order of combining: SD");
}

static void test_errors_and_names(void)
{
    double mean, sd;
    int sk;
    cmeta_error e;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL(cmeta_fivenum_meansd(CMETA_FIVENUM_DEFAULT, 1, 5, 3, 7, 9, 20, &mean, &sd, &sk, &e), CMETA_EDATA);
    CU_ASSERT(strstr(e.message, "min <= q1 <= median <= q3 <= max") != NULL);
    CU_ASSERT_EQUAL(cmeta_fivenum_meansd(CMETA_FIVENUM_DEFAULT, 1, NAN, 3, NAN, 9, 4, &mean, &sd, &sk, &e), CMETA_EDATA);
    CU_ASSERT(isnan(mean) && isnan(sd));
    CU_ASSERT_EQUAL(cmeta_fivenum_meansd(CMETA_FIVENUM_WAN, NAN, NAN, 3, NAN, 9, 20, &mean, &sd, &sk, &e), CMETA_EDATA);
    CU_ASSERT_EQUAL(cmeta_fivenum_meansd(CMETA_FIVENUM_WAN, 3, NAN, 3, NAN, 3, 20, &mean, &sd, &sk, &e), CMETA_EDATA);
    CU_ASSERT_EQUAL(cmeta_fivenum_meansd(CMETA_FIVENUM_HOZO, NAN, 2, 3, 4, NAN, 20, &mean, &sd, &sk, &e), CMETA_EDATA);
    cmeta_fivenum_method m;
    CU_ASSERT_EQUAL(cmeta_fivenum_from_name("default", &m), CMETA_OK);
    CU_ASSERT_EQUAL(m, CMETA_FIVENUM_DEFAULT);
    CU_ASSERT_EQUAL(cmeta_fivenum_from_name("Wan2014", &m), CMETA_OK);
    CU_ASSERT_EQUAL(m, CMETA_FIVENUM_WAN);
    CU_ASSERT_EQUAL(cmeta_fivenum_from_name("hozo", &m), CMETA_OK);
    CU_ASSERT_EQUAL(m, CMETA_FIVENUM_HOZO);
    CU_ASSERT_EQUAL(cmeta_fivenum_from_name("qe", &m), CMETA_EUSAGE);
    CU_ASSERT_EQUAL(cmeta_fivenum_from_name(NULL, &m), CMETA_EUSAGE);
    CU_ASSERT_STRING_EQUAL(cmeta_fivenum_name(CMETA_FIVENUM_DEFAULT), "luo-wan-shi");
    CU_ASSERT_PTR_NULL(cmeta_fivenum_name((cmeta_fivenum_method)7));
}

/* Through cmeta_data_from_table: routes and their order, the subset keeps yi_from. */
static void test_data_routes(void)
{
    const char *text = "study,m1i,sd1i,se1i,n1i,m2i,sd2i,n2i,est,sei\n"
                       "A,10,2,,30,8,2,30,0.9,0.3\n"
                       "B,10,,0.4,30,8,2,30,,\n"
                       "C,,,,30,,,30,0.4,0.2\n"
                       "D,,,,30,,,30,,\n";
    cmeta_table_reader *r = cmeta_table_reader_new("t.csv");
    cmeta_table *t = NULL;
    cmeta_error e;
    cmeta_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(cmeta_table_reader_feed(r, text, strlen(text), &e), CMETA_OK);
    CU_ASSERT_EQUAL_FATAL(cmeta_table_reader_finish(r, &t, &e), CMETA_OK);
    cmeta_table_reader_free(r);
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    o.measure_set = 1;
    o.measure = CMETA_MD;
    cmeta_data *d = NULL;
    cmeta_warnings w;
    cmeta_warnings_init(&w);
    CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(t, &o, &d, &w, &e), CMETA_OK);
    CU_ASSERT_EQUAL(d->k, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d->row_yi_from);
    CU_ASSERT_STRING_EQUAL(d->row_yi_from[0], "mean_sd");
    CU_ASSERT_STRING_EQUAL(d->row_yi_from[1], "group_se");
    CU_ASSERT_STRING_EQUAL(d->row_yi_from[2], "est_se");
    CU_ASSERT_PTR_NULL(d->row_yi_from[3]);
    TU_ASSERT_CLOSE(d->yi[0], 2, 1e-15, 0, "A: MD from the means, not est");
    TU_ASSERT_CLOSE(d->vi[1], 0.4 * 0.4 + 4.0 / 30, 1e-14, 0, "B: SE^2 + sd2^2/n2");
    CU_ASSERT_PTR_NULL(d->m1i); /* a study from est: the group arrays describe not every study */
    CU_ASSERT_EQUAL(w.n, 1);
    size_t idx[1] = {2};
    cmeta_data *s = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_data_subset(d, idx, 1, &s), CMETA_OK);
    CU_ASSERT_STRING_EQUAL(s->row_yi_from[2], "est_se");
    cmeta_data_free(s);
    cmeta_data_free(d);
    cmeta_warnings_free(&w);
    cmeta_table_free(t);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("reported", NULL, NULL);
    CU_add_test(s, "five-number summaries against make.R", test_fivenum_fixture);
    CU_add_test(s, "SE, CI, p, combining against make.R", test_conversions_fixture);
    CU_add_test(s, "metafor 4 conv.fivenum documented example", test_metafor4_example);
    CU_add_test(s, "Cochrane Handbook 6.5.2.2 t divisor", test_handbook_t_divisor);
    CU_add_test(s, "Altman & Bland 2011 worked example", test_altman_bland);
    CU_add_test(s, "Cochrane Handbook P value to Z (P = 0.008, Z = 2.652)", test_handbook_p_to_z);
    CU_add_test(s, "Wan 2014 Table 1 xi(n)", test_wan_table1);
    CU_add_test(s, "Wan 2014 Table 2 eta(n) (as transcribed by R meta)", test_wan_table2);
    CU_add_test(s, "Cochrane Handbook Table 6.5.a worked three-group example", test_handbook_combine);
    CU_add_test(s, "errors and names", test_errors_and_names);
    CU_add_test(s, "routes through cmeta_data_from_table", test_data_routes);
    return tu_run();
}
