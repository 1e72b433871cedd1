/* resample.c - seeding and thread choice for the resampling analyses (see resample_internal.h). */
#include <math.h>

#include "resample_internal.h"
#include "threads.h"

unsigned long cmeta__seed_mix(unsigned long seed, unsigned long long stream)
{
    unsigned long long z = (unsigned long long)seed * 0x9E3779B97F4A7C15ULL + stream + 1;
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (unsigned long)(z & 0xFFFFFFFFUL) ? (unsigned long)(z & 0xFFFFFFFFUL) : 1UL;
}

int cmeta__auto_threads(int requested, double reps, size_t k, int iterative,
                        unsigned long long nblocks)
{
    if (requested > 0) return requested > 64 ? 64 : requested;
    double work_ns = reps * (double)k * (iterative ? 150.0 : 2.0);
    if (work_ns < CMETA__THREADS_MIN_NS) return 1;
    int T = cmeta__cpus_free();
    if (T < 1) return 1;
    if (nblocks < (unsigned long long)T) T = nblocks > 0 ? (int)nblocks : 1;
    return T;
}

cmeta_status cmeta__check_yivi(const char *who, const double *yi, const double *vi, size_t k,
                               const double *X, size_t q, cmeta_error *err)
{
    for (size_t j = 0; j < k; j++) {
        if (!isfinite(yi[j]))
            return cmeta_error_set(err, CMETA_EDATA, "%s: yi of study %zu is not finite", who, j + 1);
        if (!(vi[j] > 0) || !isfinite(vi[j]))
            return cmeta_error_set(err, CMETA_EDATA, "%s: vi of study %zu must be > 0", who, j + 1);
        for (size_t a = 0; a < q; a++)
            if (!isfinite(X[j * q + a]))
                return cmeta_error_set(err, CMETA_EDATA,
                                       "%s: moderator %zu of study %zu is not finite", who, a + 1, j + 1);
    }
    return CMETA_OK;
}

void cmeta__rs_ws_free(cmeta__rs_ws *w)
{
    if (!w) return;
    cmeta__bfit_free(w->bf);
    double *arr[] = {w->Y, w->V, w->C, w->est, w->Q, w->tau2, w->I2, w->H2, w->z, w->QM};
    for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++) cmeta_free(arr[i]);
    cmeta_free(w->ok);
    cmeta_free(w->perm);
    cmeta_free(w->used);
    if (w->rng) gsl_rng_free(w->rng);
}
