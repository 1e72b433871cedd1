/* test_gosh_plot.c - the GOSH plot: counting streamed subsets into the grid, and the layout.
 *
 * Checked on every plot made here:
 *  - the cells' counts sum to the subsets binned, each non-empty cell is drawn once, at the
 *    grid position of its index; both marginal histograms sum to the same number and their
 *    bar lengths are proportional to their counts;
 *  - x tick labels are the back-transformed tick positions (1e-9) and round, y ticks are
 *    0, 20, ..., 100 at their I^2 positions;
 *  - no two texts overlap and every text is on the page.
 * Cases: k = 3 by hand (FE: every subset's estimate, Q, I^2 and cell written out below),
 * BCG (k = 13, RR, DL: 8191 subsets; each subset's cell from cmeta's rows equals the cell
 * of metafor 3.8 gosh()'s row, tests/reference/resample/gosh_bcg_dl.csv), random subsets,
 * a back-transformed (PLO) axis, errors, and SVG/PNG/PDF files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>

#include "cmeta/cmeta.h"
#include "testutil.h"

static cmeta_text_measurer *g_tm;

/* round: at most two significant digits (0.15, 0.2, 1.5, 20) */
static int is_round(double v)
{
    if (v == 0) return 1;
    double m = fabs(v) / pow(10, floor(log10(fabs(v)) + 1e-12)) * 10;
    return fabs(m - round(m)) < 1e-6;
}

static void check_gosh_plot(const cmeta_plot *p, const cmeta_gosh_bins *b)
{
    tu_check_no_overlap(p);
    /* cells */
    uint64_t sum = 0;
    size_t ncells = 0, nonempty = 0, badpos = 0;
    double cw = (p->ax1 - p->ax0) / (double)b->nx, ch = (p->ay0 - p->ay1) / (double)b->ny;
    for (size_t c = 0; c < b->nx * b->ny; c++) nonempty += b->count[c] > 0;
    for (size_t i = 0; i < p->n; i++) {
        const cmeta_prim *q = &p->prim[i];
        if (q->role != CMETA_ROLE_CELL) continue;
        CU_ASSERT_EQUAL_FATAL(q->kind, CMETA_PRIM_RECT);
        CU_ASSERT_FATAL(q->index >= 0 && (size_t)q->index < b->nx * b->ny);
        size_t ix = (size_t)q->index % b->nx, iy = (size_t)q->index / b->nx;
        CU_ASSERT_EQUAL(q->value, (double)b->count[q->index]);
        sum += (uint64_t)q->value;
        ncells++;
        /* the cell spans [xlo + ix dx, xlo + (ix + 1) dx] x [iy dy, (iy + 1) dy] */
        double dx = (b->xhi - b->xlo) / (double)b->nx, dy = (b->yhi - b->ylo) / (double)b->ny;
        if (fabs(q->x - cmeta_plot_xpos(p, b->xlo + (double)ix * dx)) > 1e-9 ||
            fabs(q->x + q->w - cmeta_plot_xpos(p, b->xlo + (double)(ix + 1) * dx)) > 1e-9 ||
            fabs(q->y + q->h - cmeta_plot_ypos(p, b->ylo + (double)iy * dy)) > 1e-9 ||
            fabs(q->y - cmeta_plot_ypos(p, b->ylo + (double)(iy + 1) * dy)) > 1e-9)
            badpos++;
        CU_ASSERT(q->fill >= 0 && q->fill <= 0.82 + 1e-12);
    }
    CU_ASSERT_EQUAL(badpos, 0);
    CU_ASSERT_EQUAL(sum, b->n);
    CU_ASSERT_EQUAL(ncells, nonempty);
    CU_ASSERT(cw > 0 && ch > 0);
    /* histograms */
    uint64_t hs[2] = {0, 0};
    double ratio[2] = {NAN, NAN};
    for (size_t i = 0; i < p->n; i++) {
        const cmeta_prim *q = &p->prim[i];
        if (q->role != CMETA_ROLE_HIST) continue;
        int a = q->index < 0;
        hs[a] += (uint64_t)q->value;
        double len = a ? q->w : q->h, r = len / q->value;
        if (isnan(ratio[a])) ratio[a] = r;
        TU_ASSERT_CLOSE(r, ratio[a], 1e-9, 0, "histogram bar length / count");
        /* the bar sits over its cells */
        if (!a) {
            CU_ASSERT(fabs(q->x - (p->ax0 + (double)q->index * 4 * cw)) < 1e-9);
        } else {
            CU_ASSERT(fabs(q->y + q->h - (p->ay0 - (double)(-1 - q->index) * 2 * ch)) < 1e-9);
        }
    }
    CU_ASSERT_EQUAL(hs[0], b->n);
    CU_ASSERT_EQUAL(hs[1], b->n);
    /* ticks */
    size_t nx = 0, ny = 0;
    double prev = -INFINITY;
    for (size_t i = 0; i < p->n; i++) {
        const cmeta_prim *q = &p->prim[i];
        if (q->role != CMETA_ROLE_TICKLABEL) continue;
        double v = strtod(q->text, NULL);
        if (q->index >= 0) {
            nx++;
            TU_ASSERT_CLOSE(v, cmeta_plot_shown(p, q->value), 1e-9, 1e-12, "x tick label = back-transformed position");
            CU_ASSERT(is_round(v));
            if (!is_round(v)) fprintf(stderr, "  tick '%s' not round\n", q->text);
            CU_ASSERT(fabs(q->x - cmeta_plot_xpos(p, q->value)) < 1e-9);
            CU_ASSERT(q->value > prev);
            prev = q->value;
            CU_ASSERT(q->y > p->ay0);
        } else {
            ny++;
            CU_ASSERT_EQUAL(v, q->value);
            CU_ASSERT_EQUAL(fmod(v, 20), 0);
            CU_ASSERT(q->x < p->ax0);
            /* label centred on its tick */
            double box[4];
            cmeta_prim_text_box(q, box);
            CU_ASSERT(box[1] < cmeta_plot_ypos(p, v) && box[3] > cmeta_plot_ypos(p, v));
        }
    }
    CU_ASSERT(nx >= 3);
    CU_ASSERT_EQUAL(ny, 6);
    CU_ASSERT(tu_has_text(p, "I\u00b2 (%)"));
    /* the axis covers the grid, the grid covers every study's estimate */
    CU_ASSERT(p->lo == b->xlo && p->hi == b->xhi);
    CU_ASSERT(b->xlo <= b->dlo && b->xhi >= b->dhi);
}

/* rows kept by mask as well as counted */
typedef struct {
    cmeta_gosh_bins *b;
    cmeta_gosh_row *rows;
    uint64_t n;
} both;

static int collect(void *ctx, const cmeta_gosh_row *r, size_t n)
{
    both *s = ctx;
    for (size_t i = 0; i < n; i++) {
        if (s->rows) s->rows[r[i].mask] = r[i];
        s->n++;
    }
    return cmeta_gosh_bins_add(s->b, r, n);
}

static void mini(cmeta_data *d, cmeta_measure m, double *yi, double *vi, size_t k)
{
    memset(d, 0, sizeof *d);
    d->measure = m;
    d->k = k;
    d->yi = yi;
    d->vi = vi;
}

/* ---- k = 3 by hand --------------------------------------------------------------------- */

static void test_k3(void)
{
    /* FE, w = 1/vi = 100, 40, 25. Subset estimate sum(w y)/sum(w), Q = sum w (y - est)^2,
     * I2 = max(0, 100 (Q - df)/Q). The x axis: ticks 0, 0.2, ..., 0.8 enclose [0.112, 0.767],
     * so a cell is 0.8/160 = 0.005 wide and 1% of I^2 high:
     *   mask est       Q         I2        cell (ix, iy)
     *   1    0.112     0         0         (22, 0)
     *   2    0.331     0         0         (66, 0)
     *   3    0.174571  1.370314  27.0240   (34, 27)
     *   4    0.767     0         0         (153, 0)
     *   5    0.243     8.580500  88.3457   (48, 88)
     *   6    0.498692  2.924554  65.8068   (99, 65)
     *   7    0.264333  8.815167  77.3118   (52, 77) */
    double yi[3] = {0.112, 0.331, 0.767}, vi[3] = {0.01, 0.025, 0.04};
    static const size_t cell[8][2] = {{0, 0}, {22, 0}, {66, 0}, {34, 27}, {153, 0}, {48, 88}, {99, 65}, {52, 77}};
    cmeta_data d;
    mini(&d, CMETA_GEN, yi, vi, 3);
    cmeta_gosh_bins b;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh_bins_init(&b, &d, 0, 0, &err), CMETA_OK);
    CU_ASSERT_EQUAL(b.nx, 160);
    CU_ASSERT_EQUAL(b.ny, 100);
    TU_ASSERT_CLOSE(b.xlo, 0, 0, 1e-15, "xlo");
    TU_ASSERT_CLOSE(b.xhi, 0.8, 1e-12, 0, "xhi");
    cmeta_gosh_row rows[8];
    memset(rows, 0, sizeof rows);
    both s = {&b, rows, 0};
    cmeta_resample_opts o;
    cmeta_resample_opts_default(&o);
    o.threads = 1; /* no OpenMP pool: valgrind then reports nothing of libgomp's threads */
    o.method = CMETA_METHOD_FE;
    cmeta_gosh_summary sum;
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh(yi, vi, 3, 0, &o, collect, &s, &sum, &err), CMETA_OK);
    CU_ASSERT_EQUAL(s.n, 7);
    CU_ASSERT_EQUAL(b.n, 7);
    CU_ASSERT_EQUAL(b.failed, 0);
    CU_ASSERT_EQUAL(b.outside, 0);
    uint64_t tot = 0;
    for (size_t c = 0; c < b.nx * b.ny; c++) tot += b.count[c];
    CU_ASSERT_EQUAL(tot, 7);
    for (int m = 1; m <= 7; m++) {
        double sw = 0, swy = 0;
        int df = -1;
        for (int j = 0; j < 3; j++)
            if (m >> j & 1) sw += 1 / vi[j], swy += yi[j] / vi[j], df++;
        double est = swy / sw, Q = 0;
        for (int j = 0; j < 3; j++)
            if (m >> j & 1) Q += (yi[j] - est) * (yi[j] - est) / vi[j];
        double I2 = df > 0 ? fmax(0, 100 * (Q - df) / Q) : 0;
        TU_ASSERT_CLOSE(rows[m].estimate, est, 1e-12, 0, "k3 estimate");
        TU_ASSERT_CLOSE(rows[m].I2, I2, 1e-10, 1e-10, "k3 I2");
        size_t ix, iy;
        CU_ASSERT_FATAL(cmeta_gosh_bins_cell(&b, rows[m].estimate, rows[m].I2, &ix, &iy));
        CU_ASSERT_EQUAL(ix, cell[m][0]);
        CU_ASSERT_EQUAL(iy, cell[m][1]);
        CU_ASSERT_EQUAL(b.count[iy * b.nx + ix], 1);
    }
    /* the three single studies share row 0; columns and rows as listed */
    CU_ASSERT_EQUAL(b.ymarg[0], 3);
    CU_ASSERT_EQUAL(b.xmarg[22] + b.xmarg[66] + b.xmarg[153], 3);
    /* edges: the upper edge belongs to the last cell; off the grid is refused */
    size_t ix, iy;
    CU_ASSERT(cmeta_gosh_bins_cell(&b, 0.8, 100, &ix, &iy) && ix == 159 && iy == 99);
    CU_ASSERT(cmeta_gosh_bins_cell(&b, 0, 0, &ix, &iy) && ix == 0 && iy == 0);
    CU_ASSERT(!cmeta_gosh_bins_cell(&b, 0.81, 50, &ix, &iy));
    CU_ASSERT(!cmeta_gosh_bins_cell(&b, 0.5, NAN, &ix, &iy));
    CU_ASSERT(!cmeta_gosh_bins_cell(&b, -0.01, 50, &ix, &iy));

    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh_plot_layout(&b, &sum, CMETA_METHOD_FE, NULL, tu_fake_measure, NULL, &p, &err), CMETA_OK);
    check_gosh_plot(&p, &b);
    CU_ASSERT(tu_has_text(&p, "GOSH: all 7 subsets of k = 3 studies, FE"));
    CU_ASSERT(tu_has_text(&p, "Estimate"));
    /* each subset's page position lies in its cell's rectangle */
    for (int m = 1; m <= 7; m++) {
        double x = cmeta_plot_xpos(&p, rows[m].estimate), y = cmeta_plot_ypos(&p, rows[m].I2);
        int found = 0;
        for (size_t i = 0; i < p.n; i++) {
            const cmeta_prim *q = &p.prim[i];
            if (q->role == CMETA_ROLE_CELL && x >= q->x && x <= q->x + q->w && y >= q->y && y <= q->y + q->h) {
                found++;
                CU_ASSERT_EQUAL((size_t)q->index, cell[m][1] * 160 + cell[m][0]);
            }
        }
        CU_ASSERT_EQUAL(found, 1);
    }
    /* histograms: estimate bars of 4 columns, I2 bars of 2 rows (row 0 holds three) */
    for (size_t i = 0; i < p.n; i++) {
        const cmeta_prim *q = &p.prim[i];
        if (q->role == CMETA_ROLE_HIST && q->index == -1) CU_ASSERT_EQUAL(q->value, 3);
        if (q->role == CMETA_ROLE_HIST && q->index == 38) CU_ASSERT_EQUAL(q->value, 1); /* 153 / 4 */
    }
    /* the legend: one cell per subset, so only "1" */
    CU_ASSERT(tu_has_text(&p, "Subsets per cell:"));
    cmeta_plot_free(&p);
    cmeta_gosh_bins_free(&b);
}

/* ---- BCG: cmeta's cells are metafor's cells ---------------------------------------------- */

static cmeta_data *load_bcg(cmeta_table **t, cmeta_measure m)
{
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_table_read_file(tu_path("tests/cli/data/bcg.csv"), t, &err), CMETA_OK);
    cmeta_data_opts o;
    cmeta_data_opts_default(&o);
    o.measure_set = 1;
    o.measure = m;
    cmeta_data *d = NULL;
    CU_ASSERT_EQUAL_FATAL(cmeta_data_from_table(*t, &o, &d, NULL, &err), CMETA_OK);
    return d;
}



static void render_all(const cmeta_plot *p, const char *stem)
{
    char path[256];
    size_t n;
    cmeta_error err;
    cmeta_error_clear(&err);
    snprintf(path, sizeof path, "build/%s.svg", stem);
    CU_ASSERT_EQUAL_FATAL(cmeta_plot_render(p, path, &err), CMETA_OK);
    unsigned char *b = tu_slurp(path, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT(!strncmp((char *)b, "<?xml", 5));
    while (n && (b[n - 1] == '\n' || b[n - 1] == ' ')) b[--n] = 0;
    CU_ASSERT(n > 6 && !strcmp((char *)b + n - 6, "</svg>"));
    CU_ASSERT(tu_svg_well_formed((char *)b));
    free(b);
    snprintf(path, sizeof path, "build/%s.png", stem);
    CU_ASSERT_EQUAL_FATAL(cmeta_plot_render(p, path, &err), CMETA_OK);
    b = tu_slurp(path, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT(n > 33 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8) && !memcmp(b + 12, "IHDR", 4));
    unsigned long w = (unsigned long)b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19];
    unsigned long h = (unsigned long)b[20] << 24 | b[21] << 16 | b[22] << 8 | b[23];
    CU_ASSERT_EQUAL(w, (unsigned long)ceil(p->width * 300 / 72 - 1e-6)); /* the default 300 dpi */
    CU_ASSERT_EQUAL(h, (unsigned long)ceil(p->height * 300 / 72 - 1e-6));
    free(b);
    snprintf(path, sizeof path, "build/%s.pdf", stem);
    CU_ASSERT_EQUAL_FATAL(cmeta_plot_render(p, path, &err), CMETA_OK);
    b = tu_slurp(path, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT(!memcmp(b, "%PDF-", 5));
    CU_ASSERT(n > 6 && strstr((char *)b + n - 8, "%%EOF") != NULL);
    free(b);
}

static void test_bcg(void)
{
    cmeta_table *t = NULL;
    cmeta_data *d = load_bcg(&t, CMETA_RR);
    CU_ASSERT_EQUAL_FATAL(d->k, 13);
    cmeta_gosh_bins b, bm;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh_bins_init(&b, d, 0, 0, &err), CMETA_OK);
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh_bins_init(&bm, d, 0, 0, &err), CMETA_OK);
    CU_ASSERT_EQUAL(b.transf, CMETA_TRANS_EXP);
    const size_t N = 8191;
    both s = {&b, calloc(N + 1, sizeof(cmeta_gosh_row)), 0};
    cmeta_resample_opts o;
    cmeta_resample_opts_default(&o);
    o.threads = 1; /* no OpenMP pool: valgrind then reports nothing of libgomp's threads */
    o.method = CMETA_METHOD_DL;
    o.block = 1000;
    cmeta_gosh_summary sum;
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh(d->yi, d->vi, d->k, 0, &o, collect, &s, &sum, &err), CMETA_OK);
    CU_ASSERT_EQUAL(sum.subsets, N);
    CU_ASSERT_EQUAL(b.n, N);
    CU_ASSERT_EQUAL(b.outside, 0);
    CU_ASSERT_EQUAL(b.failed, 0);
    /* metafor's rows, counted the same way, fill the same cells */
    tu_fixture *f = tu_fixture_load("tests/reference/resample/gosh_bcg_dl.csv");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_EQUAL(f->nrows, N);
    size_t samecell = 0;
    for (size_t r = 0; r < f->nrows; r++) {
        cmeta_gosh_row row;
        memset(&row, 0, sizeof row);
        row.mask = (uint64_t)tu_num(f, r, "mask");
        row.k = (int)tu_num(f, r, "k");
        row.ok = 1;
        row.estimate = tu_num(f, r, "estimate");
        row.I2 = tu_num(f, r, "I2");
        cmeta_gosh_bins_add(&bm, &row, 1);
        size_t a, c, a2, c2;
        CU_ASSERT_FATAL(row.mask >= 1 && row.mask <= N);
        if (cmeta_gosh_bins_cell(&b, row.estimate, row.I2, &a, &c) &&
            cmeta_gosh_bins_cell(&b, s.rows[row.mask].estimate, s.rows[row.mask].I2, &a2, &c2) && a == a2 && c == c2)
            samecell++;
    }
    CU_ASSERT_EQUAL(samecell, N);
    CU_ASSERT_EQUAL(bm.n, N);
    CU_ASSERT(memcmp(b.count, bm.count, b.nx * b.ny * sizeof *b.count) == 0);
    tu_fixture_free(f);
    free(s.rows);
    /* the whole-data subset (mask 2^13 - 1): metafor's DL fit, RR 0.4896, I^2 92.12% */
    size_t ix, iy;
    CU_ASSERT(cmeta_gosh_bins_cell(&b, log(0.4896), 92.12, &ix, &iy));
    CU_ASSERT(b.count[iy * b.nx + ix] >= 1);

    for (int pass = 0; pass < 2; pass++) {
        cmeta_plot p;
        CU_ASSERT_EQUAL_FATAL(cmeta_gosh_plot_layout(&b, &sum, CMETA_METHOD_DL, NULL, pass ? cmeta_text_measure_cairo : tu_fake_measure,
                                                     pass ? (void *)g_tm : NULL, &p, &err),
                              CMETA_OK);
        check_gosh_plot(&p, &b);
        CU_ASSERT(p.log_scale);
        CU_ASSERT(tu_has_text(&p, "Risk Ratio (log scale)"));
        CU_ASSERT(tu_has_text(&p, "GOSH: all 8191 subsets of k = 13 studies, DL"));
        CU_ASSERT(tu_has_text(&p, "Subsets per cell:"));
        /* the tick labels of BCG's axis: yi from log 0.198 to log 1.56 */
        CU_ASSERT(tu_has_text(&p, "0.2") && tu_has_text(&p, "0.5") && tu_has_text(&p, "1"));
        /* PNG cells meet on pixel edges: the panel's corner on whole points */
        CU_ASSERT_EQUAL(p.ax0, floor(p.ax0));
        CU_ASSERT_EQUAL(p.ay1, floor(p.ay1));
        if (pass) render_all(&p, "test_gosh_bcg");
        cmeta_plot_free(&p);
    }
    cmeta_gosh_bins_free(&b);
    cmeta_gosh_bins_free(&bm);
    cmeta_data_free(d);
    cmeta_table_free(t);
}

/* ---- random subsets, a back-transformed axis, a coarse grid ----------------------------- */

static void test_random_and_transf(void)
{
    cmeta_table *t = NULL;
    cmeta_data *d = load_bcg(&t, CMETA_RR);
    cmeta_gosh_bins b;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh_bins_init(&b, d, 40, 25, &err), CMETA_OK);
    both s = {&b, NULL, 0};
    cmeta_resample_opts o;
    cmeta_resample_opts_default(&o);
    o.threads = 1; /* no OpenMP pool: valgrind then reports nothing of libgomp's threads */
    o.method = CMETA_METHOD_REML;
    o.seed = 7;
    cmeta_gosh_summary sum;
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh(d->yi, d->vi, d->k, 3000, &o, collect, &s, &sum, &err), CMETA_OK);
    CU_ASSERT_EQUAL(sum.exact, 0);
    CU_ASSERT_EQUAL(b.n + b.failed, 3000);
    CU_ASSERT_EQUAL(b.outside, 0);
    cmeta_gosh_plot_opts po;
    cmeta_gosh_plot_opts_default(&po);
    po.hist_x = 3; /* 40 columns: 13 bars of 3 and one of 1 */
    po.hist_y = 4; /* 25 rows: 6 bars of 4 and one of 1 */
    cmeta_plot p;
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh_plot_layout(&b, &sum, CMETA_METHOD_REML, &po, tu_fake_measure, NULL, &p, &err), CMETA_OK);
    CU_ASSERT(tu_has_text(&p, "GOSH: 3000 random subsets of k = 13 studies, REML"));
    uint64_t h[2] = {0, 0};
    for (size_t i = 0; i < p.n; i++)
        if (p.prim[i].role == CMETA_ROLE_HIST) {
            h[p.prim[i].index < 0] += (uint64_t)p.prim[i].value;
            CU_ASSERT(p.prim[i].index < 14 && p.prim[i].index >= -7);
        }
    CU_ASSERT_EQUAL(h[0], b.n);
    CU_ASSERT_EQUAL(h[1], b.n);
    tu_check_no_overlap(&p);
    cmeta_plot_free(&p);
    cmeta_gosh_bins_free(&b);
    cmeta_data_free(d);
    cmeta_table_free(t);

    /* proportions on the logit scale: ticks are round proportions at their logits */
    double yi[4] = {log(0.1 / 0.9), log(0.25 / 0.75), log(0.4 / 0.6), log(0.3 / 0.7)};
    double vi[4] = {0.05, 0.04, 0.08, 0.03};
    cmeta_data dm;
    mini(&dm, CMETA_PLO, yi, vi, 4);
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh_bins_init(&b, &dm, 0, 0, &err), CMETA_OK);
    CU_ASSERT_EQUAL(b.transf, CMETA_TRANS_ILOGIT);
    both s2 = {&b, NULL, 0};
    o.method = CMETA_METHOD_DL;
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh(yi, vi, 4, 0, &o, collect, &s2, &sum, &err), CMETA_OK);
    CU_ASSERT_EQUAL(b.n, 15);
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh_plot_layout(&b, &sum, CMETA_METHOD_DL, NULL, tu_fake_measure, NULL, &p, &err), CMETA_OK);
    check_gosh_plot(&p, &b);
    CU_ASSERT(tu_has_text(&p, "Proportion"));
    cmeta_plot_free(&p);
    cmeta_gosh_bins_free(&b);
}

static void test_errors(void)
{
    cmeta_gosh_bins b;
    cmeta_error err;
    cmeta_error_clear(&err);
    CU_ASSERT_EQUAL(cmeta_gosh_bins_init(&b, NULL, 0, 0, &err), CMETA_EUSAGE);
    double yi[2] = {NAN, NAN}, vi[2] = {1, 1};
    cmeta_data d;
    mini(&d, CMETA_GEN, yi, vi, 2);
    CU_ASSERT_EQUAL(cmeta_gosh_bins_init(&b, &d, 0, 0, &err), CMETA_EDATA);
    yi[0] = yi[1] = 0.5; /* one value: the axis is widened around it */
    CU_ASSERT_EQUAL(cmeta_gosh_bins_init(&b, &d, 20001, 10, &err), CMETA_EUSAGE);
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh_bins_init(&b, &d, 10, 10, &err), CMETA_OK);
    CU_ASSERT(b.xlo < 0.5 && b.xhi > 0.5);
    cmeta_gosh_row r[2];
    memset(r, 0, sizeof r);
    r[0].ok = 0;
    r[1].ok = 1, r[1].estimate = 0.5, r[1].I2 = 0;
    CU_ASSERT_EQUAL(cmeta_gosh_bins_add(&b, r, 2), 0);
    CU_ASSERT_EQUAL(b.failed, 1);
    CU_ASSERT_EQUAL(b.n, 1);
    cmeta_plot p;
    CU_ASSERT_EQUAL(cmeta_gosh_plot_layout(NULL, NULL, CMETA_METHOD_DL, NULL, tu_fake_measure, NULL, &p, &err), CMETA_EUSAGE);
    CU_ASSERT_EQUAL(cmeta_gosh_plot_layout(&b, NULL, CMETA_METHOD_DL, NULL, NULL, NULL, &p, &err), CMETA_EUSAGE);
    /* without a summary the note counts the rows seen */
    CU_ASSERT_EQUAL_FATAL(cmeta_gosh_plot_layout(&b, NULL, CMETA_METHOD_DL, NULL, tu_fake_measure, NULL, &p, &err), CMETA_OK);
    CU_ASSERT(tu_has_text(&p, "GOSH: 2 subsets of k = 2 studies, DL; 1 failed fits not shown"));
    tu_check_no_overlap(&p);
    cmeta_plot_free(&p);
    cmeta_gosh_bins_free(&b);
    cmeta_gosh_bins_free(&b); /* twice is harmless */
}

int main(void)
{
    gsl_set_error_handler_off();
    mkdir("build", 0777);
    if (cmeta_text_measurer_new(&g_tm) != CMETA_OK) return 1;
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("gosh_plot", NULL, NULL);
    CU_add_test(s, "k = 3 by hand: cells, histograms, positions", test_k3);
    CU_add_test(s, "BCG RR DL: 8191 subsets, cells equal metafor's, every format", test_bcg);
    CU_add_test(s, "random subsets (REML), coarse grid, logit axis", test_random_and_transf);
    CU_add_test(s, "errors and failed fits", test_errors);
    int rc = tu_run();
    cmeta_text_measurer_free(g_tm);
    cmeta_plot_cleanup_at_exit();
    return rc;
}
