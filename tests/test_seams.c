/* test_seams.c - the library's two seams to optional heavy libraries: OpenBLAS (linalg.c) and
 * cairo (plot_cairo.c). Each is opened on first need; a library that cannot be opened gives
 * CMETA_EIO and a message naming it, never an exit. Checked: the opener on a missing library
 * and on the real one (dsyev through the table, with LAPACK's hidden string lengths, against
 * values computed by hand), and, in a child process whose environment points the seam at a
 * missing file, that a meta-regression needs no BLAS, that the cluster-robust CR2 estimator
 * (LAPACK's dsyev) and a drawing return the status and the message, and that the process goes
 * on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "linalg.h"
#include "plot_internal.h"
#include "testutil.h"

static void test_blas_open(void)
{
    cmeta__blas_table t;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL(cmeta__blas_open("libcmeta-no-such-blas.so.0", &t, &err), CMETA_EIO);
    CU_ASSERT(strstr(err.message, "libcmeta-no-such-blas.so.0") != NULL);
    CU_ASSERT(t.dsyev == NULL);

    const cmeta__blas_table *B = cmeta__blas(&err);
    CU_ASSERT_FATAL(B != NULL);
    /* eigenvalues of [2 1; 1 2]: 1 and 3 (ascending) */
    double S[4] = {2, 1, 1, 2}, ev[2], work[64];
    int n = 2, lwork = 64, info = -1;
    B->dsyev("N", "L", &n, S, &n, ev, work, &lwork, &info, 1, 1);
    CU_ASSERT_EQUAL(info, 0);
    CU_ASSERT(fabs(ev[0] - 1) < 1e-14 && fabs(ev[1] - 3) < 1e-14);
}

static void test_cairo_open(void)
{
    void *fns[4];
    char msg[256] = "";
    CU_ASSERT_EQUAL(cmeta__cairo_open("libcmeta-no-such-cairo.so.2", fns, 4, msg, sizeof msg), CMETA_EIO);
    CU_ASSERT(strstr(msg, "libcmeta-no-such-cairo.so.2") != NULL);
}

/* In a child with `var` set to a missing library: run `body`, exit 0 when it returned the
 * status and the message it should. The parent sees the child's exit status. */
static int in_child(const char *var, int (*body)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        setenv(var, "/nonexistent/libcmeta-missing.so", 1);
        _exit(body());
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

static int regression_without_blas(void)
{
    double yi[6] = {0.1, 0.3, 0.2, 0.5, 0.4, 0.0}, vi[6] = {0.01, 0.02, 0.015, 0.03, 0.02, 0.01};
    double x[6] = {1, 2, 3, 4, 5, 6}, X[12];
    cmeta_fit *f = NULL;
    cmeta_error err;
    cmeta_error_clear(&err);
    /* a meta-regression (rank check, fit) needs no BLAS (linalg.c's own kernels) */
    cmeta_status st = cmeta_rma(yi, vi, 6, x, 1, NULL, &f, NULL, &err);
    cmeta_fit_free(f);
    if (st != CMETA_OK) return 1;
    /* CR2 (clusters of 2: G^-1/2 by LAPACK's dsyev) says why it cannot go on */
    for (int i = 0; i < 6; i++) X[2 * i] = 1, X[2 * i + 1] = x[i];
    size_t cl[6] = {0, 0, 1, 1, 2, 2};
    cmeta_robust_result *r = NULL;
    st = cmeta_robust(yi, X, 6, 2, vi, NULL, 0, cl, 3, NULL, &r, &err);
    if (st != CMETA_EIO || r) return 2;
    if (!strstr(err.message, "cannot load the BLAS library /nonexistent/")) return 3;
    /* the library goes on: an intercept-only fit needs no BLAS */
    st = cmeta_rma(yi, vi, 6, NULL, 0, NULL, &f, NULL, &err);
    cmeta_fit_free(f);
    return st == CMETA_OK ? 0 : 4;
}

static int drawing_without_cairo(void)
{
    cmeta_text_measurer *m = NULL;
    if (cmeta_text_measurer_new(&m) != CMETA_EIO || m) return 1;
    cmeta_plot p;
    memset(&p, 0, sizeof p);
    p.width = p.height = 10;
    cmeta_error err;
    cmeta_error_clear(&err);
    FILE *fp = tmpfile();
    if (!fp) return 4;
    cmeta_status st = cmeta_plot_render_stream(&p, CMETA_PLOT_PNG, fp, &err);
    if (st != CMETA_EIO) return 2;
    if (!strstr(err.message, "cannot load the drawing library /nonexistent/")) return 3;
    /* SVG with text as text is written by cmeta itself (plot_svg.c): no cairo needed */
    st = cmeta_plot_render_stream(&p, CMETA_PLOT_SVG, fp, &err);
    fclose(fp);
    if (st != CMETA_OK) return 5;
    cmeta_plot_cleanup(); /* nothing loaded: nothing to do, no crash */
    return 0;
}

static void test_missing_blas(void)
{
    CU_ASSERT_EQUAL(in_child("CMETA_OPENBLAS", regression_without_blas), 0);
}

static void test_missing_cairo(void)
{
    CU_ASSERT_EQUAL(in_child("CMETA_CAIRO", drawing_without_cairo), 0);
}

int main(void)
{
    gsl_set_error_handler_off();
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("seams", NULL, NULL);
    /* the children first: they must not inherit a seam this process has already opened */
    CU_add_test(s, "without OpenBLAS: meta-regression fine, CR2 CMETA_EIO and a message, no exit", test_missing_blas);
    CU_add_test(s, "drawing without cairo: CMETA_EIO and a message, no exit", test_missing_cairo);
    CU_add_test(s, "OpenBLAS opener: missing library, dsyev through the table", test_blas_open);
    CU_add_test(s, "cairo opener: missing library", test_cairo_open);
    return tu_run();
}
