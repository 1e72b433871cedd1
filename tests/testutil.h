/* testutil.h - helpers for the CUnit suites: paths, tolerances, reference fixtures.
 *
 * Fixtures are plain CSV files written by R scripts in tests/reference/ (header row, no
 * quoted commas); "NA" or an empty cell reads as NaN. They are read here by a small
 * reader of their own so that each layer's tests stand without the CSV layer. */
#ifndef CMETA_TESTUTIL_H
#define CMETA_TESTUTIL_H

#include <CUnit/Basic.h>
#include <stddef.h>

#include "cmeta/cmeta.h"

/* Path of a file relative to the source tree (CMETA_TEST_ROOT, default "."). Static buffer. */
const char *tu_path(const char *rel);

/* |actual - expected| <= rtol * |expected| + atol; NaN equals NaN. Messages give both values. */
int tu_close(double actual, double expected, double rtol, double atol);
#define TU_ASSERT_CLOSE(actual, expected, rtol, atol, what)                             \
    tu_assert_close((actual), (expected), (rtol), (atol), (what), __FILE__, __LINE__)
void tu_assert_close(double actual, double expected, double rtol, double atol,
                     const char *what, const char *file, int line);

typedef struct {
    size_t nrows, ncols;
    char **names;   /* ncols */
    char ***cells;  /* nrows x ncols, raw text */
} tu_fixture;

tu_fixture *tu_fixture_load(const char *rel); /* NULL (and a CUnit failure) when unreadable */
void tu_fixture_free(tu_fixture *f);
long tu_col(const tu_fixture *f, const char *name);          /* -1 when absent */
double tu_num(const tu_fixture *f, size_t row, const char *name); /* NaN for NA/empty/absent */
const char *tu_str(const tu_fixture *f, size_t row, const char *name); /* "" when absent */
/* 0-based ids of the rows' joined cells of columns cols, in order of first appearance (*nlev
 * of them; the caller frees the array) */
size_t *tu_levels(const tu_fixture *D, const char *const *cols, size_t ncols, size_t *nlev);
/* A whole numeric column as a new array (caller frees), NULL when absent. */
double *tu_column(const tu_fixture *f, const char *name);

/* A whole file as a NUL-terminated buffer (caller frees), *n its length; NULL if unreadable. */
unsigned char *tu_slurp(const char *path, size_t *n);
/* A small XML well-formedness check of an SVG file: tags nest and close, one root <svg>. */
int tu_svg_well_formed(const char *s);

/* Plot layouts: a deterministic text measurer (no fonts: 0.6 em per code point, bold 0.66);
 * a CUnit failure for each text off the page or overlapping another; whether a text
 * containing s is drawn. */
void tu_fake_measure(void *ctx, const char *s, double size, int bold, cmeta_text_extent *e);
void tu_check_no_overlap(const cmeta_plot *p);
int tu_has_text(const cmeta_plot *p, const char *s);

/* The length of a long loop: n, or n / 100 (at least 1) when CMETA_LIGHT is set, as
 * `make leakcheck` sets it, where every instruction runs ~50x slower under valgrind. */
long tu_scaled(long n);

/* Run the registered suites with the basic interface; returns the process exit code. */
int tu_run(void);

#endif
