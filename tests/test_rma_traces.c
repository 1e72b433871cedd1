/* test_rma_traces.c - internals of the model fit that must hold for any k: the O(k p^2) sums over P = W - W X (X'WX)^-1 X'W used by the tau^2
 * estimators (src/lib/linalg.c: cmeta__lin_Pii, cmeta__lin_trPD, cmeta__lin_sumPP) against the
 * same sums over an explicitly formed dense k x k P, on pseudo-random data (fixed seed), for
 * p = 1..4 and several weight spreads. Tolerance 1e-12 relative.
 * Also the chi-square quantile of the Q-profile CI for large df. */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "rma_internal.h"
#include "testutil.h"

static double lcg(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

/* P_ij = w_i [i = j] - sum_ab (w_i x_ia) A_ab (w_j x_jb), as the former dense code did */
static void dense_P(const cmeta__lin *L, double *P)
{
    size_t k = L->k, p = L->p;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            double s = 0;
            for (size_t a = 0; a < p; a++)
                for (size_t b = 0; b < p; b++)
                    s += L->w[i] * L->X[i * p + a] * L->inv[a * p + b] * L->w[j] * L->X[j * p + b];
            P[i * k + j] = (i == j ? L->w[i] : 0.0) - s;
        }
}

static double dense_sumPP(const double *P, size_t k, const double *a, const double *b)
{
    double s = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            s += (a ? a[i] : 1.0) * (b ? b[j] : 1.0) * P[i * k + j] * P[i * k + j];
    return s;
}

static void test_traces(void)
{
    unsigned long long seed = 2024;
    size_t ks[] = {2, 3, 7, 40, 157};
    double spreads[] = {0.1, 1.0, 30.0};
    size_t ncase = 0;
    for (size_t ik = 0; ik < sizeof ks / sizeof ks[0]; ik++)
        for (size_t p = 1; p <= 4; p++)
            for (size_t is = 0; is < 3; is++) {
                size_t k = ks[ik];
                if (p >= k) continue;
                double *X = malloc(k * p * sizeof *X), *v = malloc(k * sizeof *v),
                       *u = malloc(k * sizeof *u), *P = malloc(k * k * sizeof *P);
                CU_ASSERT_FATAL(X && v && u && P);
                for (size_t i = 0; i < k; i++) {
                    X[i * p] = 1.0;
                    for (size_t a = 1; a < p; a++) X[i * p + a] = 10.0 * lcg(&seed) - 3.0;
                    v[i] = 0.01 + spreads[is] * lcg(&seed);
                    u[i] = lcg(&seed) - 0.3;
                }
                cmeta__lin L;
                CU_ASSERT_FATAL(cmeta__lin_init(&L, X, k, p) == CMETA_OK);
                double tau2 = 0.05 * (double)is;
                if (cmeta__lin_at(&L, v, tau2, NULL, NULL) != 0) {
                    cmeta__lin_free(&L);
                    free(X), free(v), free(u), free(P);
                    continue; /* k = 2 with p = 2 random columns may be near singular */
                }
                dense_P(&L, P);
                double tr = 0, trv = 0;
                for (size_t i = 0; i < k; i++) {
                    TU_ASSERT_CLOSE(cmeta__lin_Pii(&L, i), P[i * k + i], 1e-12, 1e-14, "P_ii");
                    tr += P[i * k + i];
                    trv += P[i * k + i] * v[i];
                }
                TU_ASSERT_CLOSE(cmeta__lin_trPD(&L, NULL), tr, 1e-12, 1e-12, "tr P");
                TU_ASSERT_CLOSE(cmeta__lin_trPD(&L, v), trv, 1e-12, 1e-12, "tr PV");
                TU_ASSERT_CLOSE(cmeta__lin_sumPP(&L, NULL, NULL), dense_sumPP(P, k, NULL, NULL),
                                1e-12, 1e-12, "sum P_ij^2");
                TU_ASSERT_CLOSE(cmeta__lin_sumPP(&L, v, v), dense_sumPP(P, k, v, v), 1e-12,
                                1e-12, "sum P_ij^2 v_i v_j");
                TU_ASSERT_CLOSE(cmeta__lin_sumPP(&L, NULL, v), dense_sumPP(P, k, NULL, v), 1e-12,
                                1e-12, "sum P_ij^2 v_j");
                TU_ASSERT_CLOSE(cmeta__lin_sumPP(&L, v, u), dense_sumPP(P, k, v, u), 1e-12,
                                1e-12, "sum P_ij^2 v_i u_j");
                /* tr(P) = k - p when the weights are all 1 (P is then a projection) */
                for (size_t i = 0; i < k; i++) L.w[i] = 1.0;
                CU_ASSERT_FATAL(cmeta__lin_solve(&L, NULL) == 0);
                TU_ASSERT_CLOSE(cmeta__lin_trPD(&L, NULL), (double)(k - p), 1e-12, 1e-12,
                                "tr P (unit weights) = k - p");
                TU_ASSERT_CLOSE(cmeta__lin_sumPP(&L, NULL, NULL), (double)(k - p), 1e-12, 1e-12,
                                "tr PP (unit weights) = k - p");
                cmeta__lin_free(&L);
                free(X), free(v), free(u), free(P);
                ncase++;
            }
    CU_ASSERT(ncase == 45); /* every (k, p, spread) with p < k */
}

/* Chi-square quantiles against R 4 qchisq(0.025, df, lower.tail = FALSE) and
 * qchisq(0.025, df) (GSL's own inverse is wrong from df ~ 1e5 on). 1e-12 relative (2e-12 for df > 1e6). */
static void test_qchisq(void)
{
    static const double ref[][3] = {
        {10, 20.483177350807388, 3.2469727802368413},
        {1000, 1089.53091277491353, 914.25715379925896},
        {10000, 10279.0701798875907, 9724.7183773897978},
        {100000, 100878.415305665578, 99125.373300647349},
        {999999, 1002772.70008202165, 997229.08852919447},
        {10000000, 10008767.1195578109, 9991236.6690538954},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        /* df > 1e6: Wilson-Hilferty, 1.4e-12 at df = 1e7 */
        double tol = ref[i][0] > 1e6 ? 2e-12 : 1e-12;
        TU_ASSERT_CLOSE(cmeta__qchisq(0.025, ref[i][0], 1), ref[i][1], tol, 0, "upper quantile");
        TU_ASSERT_CLOSE(cmeta__qchisq(0.025, ref[i][0], 0), ref[i][2], tol, 0, "lower quantile");
    }
}

int main(void)
{
    gsl_set_error_handler_off();
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("rma_traces", NULL, NULL);
    CU_add_test(s, "sums over P in O(k p^2) vs dense P", test_traces);
    CU_add_test(s, "chi-square quantiles for large df vs R qchisq", test_qchisq);
    return tu_run();
}
