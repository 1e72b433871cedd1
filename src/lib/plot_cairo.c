/* plot_cairo.c - drawing a laid-out plot with cairo (SVG, PNG, PDF), and measuring text.
 *
 * One drawing function (draw) serves every format; only the surface differs. Text is set
 * in "DejaVu Sans" (fonts-dejavu-core) through cairo's toy font API; the measurer below
 * uses the same font so that the layout's widths are the drawn widths.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

#include "plot_internal.h"


/* ---- the cairo seam ----------------------------------------------------------------------------
 * cairo is not linked: it is opened (dlopen) the first time the library draws or measures
 * text, once per process, and every cairo call goes through this table (CA(f) below), filled
 * with dlsym and typed with <cairo.h>'s own prototypes. Why: loading cairo (with pixman,
 * freetype, fontconfig, png, xcb, X11 ... ~20 shared libraries) costs ~1.1 ms at start-up, more
 * than half of a `cmeta pool` that never draws. Library searched: $CMETA_CAIRO if set, else the
 * soname the Makefile found (CMETA_CAIRO_SONAME). When it cannot be opened every entry point
 * returns CMETA_EIO (with the message where it takes a cmeta_error); nothing exits.
 * A new cairo call: add it to CAIRO_SYMS (tests/layers.sh fails on a direct call). */
#ifndef CMETA_CAIRO_SONAME
#define CMETA_CAIRO_SONAME "libcairo.so.2"
#endif
#define CAIRO_SYMS(X) X(cairo_arc) X(cairo_close_path) X(cairo_create) X(cairo_debug_reset_static_data) X(cairo_destroy) X(cairo_fill) X(cairo_fill_preserve) X(cairo_font_extents) X(cairo_image_surface_create) X(cairo_line_to) X(cairo_move_to) X(cairo_new_path) X(cairo_new_sub_path) X(cairo_paint) X(cairo_pdf_surface_create_for_stream) X(cairo_pdf_surface_set_metadata) X(cairo_rectangle) X(cairo_scale) X(cairo_select_font_face) X(cairo_set_dash) X(cairo_set_font_size) X(cairo_set_line_cap) X(cairo_set_line_join) X(cairo_set_line_width) X(cairo_set_source_rgb) X(cairo_show_text) X(cairo_status) X(cairo_status_to_string) X(cairo_stroke) X(cairo_surface_destroy) X(cairo_surface_finish) X(cairo_surface_status) X(cairo_surface_write_to_png_stream) X(cairo_svg_surface_create_for_stream) X(cairo_text_extents) X(cairo_translate)
#define CAIRO_FIELD(f) __typeof__(&f) f;
#define CAIRO_NAME(f) #f,
static struct {
    CAIRO_SYMS(CAIRO_FIELD)
} cairo_tab;
static const char *const cairo_names[] = {CAIRO_SYMS(CAIRO_NAME)};
#define CA(f) (cairo_tab.f)
static pthread_once_t cairo_once = PTHREAD_ONCE_INIT;
static cmeta_status cairo_st = CMETA_EIO;
static char cairo_msg[512];

cmeta_status cmeta__cairo_open(const char *soname, void **fns, size_t n, char *msg, size_t nmsg)
{
    void *h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(msg, nmsg, "cannot load the drawing library %s: %s", soname, e ? e : "not found");
        return CMETA_EIO;
    }
    for (size_t i = 0; i < n; i++) {
        fns[i] = dlsym(h, cairo_names[i]);
        if (!fns[i]) {
            snprintf(msg, nmsg, "cannot load the drawing library %s: no %s", soname, cairo_names[i]);
            dlclose(h);
            return CMETA_EIO;
        }
    }
    return CMETA_OK;
}

static void cairo_load(void)
{
    enum { N = sizeof cairo_names / sizeof cairo_names[0] };
    void *fns[N];
    const char *name = getenv("CMETA_CAIRO");
    cairo_st = cmeta__cairo_open(name && *name ? name : CMETA_CAIRO_SONAME, fns, N, cairo_msg,
                                 sizeof cairo_msg);
    /* POSIX: dlsym's object pointer holds a function's address; copy its bits in order */
    if (cairo_st == CMETA_OK) memcpy(&cairo_tab, fns, sizeof cairo_tab);
}

/* CMETA_OK once cairo is loaded, else CMETA_EIO (err, may be NULL, gets the message). */
static cmeta_status cairo_ready(cmeta_error *err)
{
    pthread_once(&cairo_once, cairo_load);
    if (cairo_st != CMETA_OK) return cmeta_error_set(err, cairo_st, "%s", cairo_msg);
    return CMETA_OK;
}

cmeta_status cmeta_plot_backend_ready(cmeta_error *err) { return cairo_ready(err); }

#define FONT_FAMILY "DejaVu Sans"

static void set_font(cairo_t *cr, double size, int bold)
{
    CA(cairo_select_font_face)(cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    CA(cairo_set_font_size)(cr, size);
}

struct cmeta_text_measurer {
    cairo_surface_t *surface;
    cairo_t *cr;
};

cmeta_status cmeta_text_measurer_new(cmeta_text_measurer **out)
{
    *out = NULL;
    cmeta_status st = cairo_ready(NULL);
    if (st != CMETA_OK) return st;
    cmeta_text_measurer *m = cmeta_calloc(1, sizeof *m);
    if (!m) return CMETA_ENOMEM;
    m->surface = CA(cairo_image_surface_create)(CAIRO_FORMAT_ARGB32, 1, 1);
    m->cr = CA(cairo_create)(m->surface);
    if (CA(cairo_status)(m->cr) != CAIRO_STATUS_SUCCESS) {
        cmeta_text_measurer_free(m);
        return CMETA_ENOMEM;
    }
    *out = m;
    return CMETA_OK;
}

void cmeta_text_measurer_free(cmeta_text_measurer *m)
{
    if (!m) return;
    if (m->cr) CA(cairo_destroy)(m->cr);
    if (m->surface) CA(cairo_surface_destroy)(m->surface);
    cmeta_free(m);
}

/* width = the advance of the text (where the next text would start); ascent/descent of the
 * font, so that every row of a given size has the same box. Measured at 100 units and scaled
 * to size: on the 1 x 1 measuring surface a 10-point font is 10 pixels, where hinting rounds
 * every glyph's advance to whole pixels (a 100-character line of DejaVu Sans measured 543
 * points at 10 px against 561 drawn at 300 dpi or in a PDF, so the end of a long left-aligned
 * line was cut off the page); at 100 px the rounding error is below 0.3 %. */
static void measure_with(cairo_t *cr, const char *text, double size, int bold, cmeta_text_extent *e)
{
    cairo_text_extents_t te;
    cairo_font_extents_t fe;
    const double big = 100, f = size / big;
    set_font(cr, big, bold);
    CA(cairo_text_extents)(cr, text, &te);
    CA(cairo_font_extents)(cr, &fe);
    e->width = te.x_advance;
    /* ink may reach a little past the advance (italics, some glyphs): keep the larger */
    if (te.x_bearing + te.width > e->width) e->width = te.x_bearing + te.width;
    e->width *= f;
    e->ascent = fe.ascent * f;
    e->descent = fe.descent * f;
}

void cmeta_text_measure_cairo(void *ctx, const char *text, double size, int bold,
                              cmeta_text_extent *e)
{
    cmeta_text_measurer *m = ctx;
    if (m && m->cr) {
        measure_with(m->cr, text, size, bold, e);
        return;
    }
    cairo_surface_t *s = CA(cairo_image_surface_create)(CAIRO_FORMAT_ARGB32, 1, 1);
    cairo_t *cr = CA(cairo_create)(s);
    measure_with(cr, text, size, bold, e);
    CA(cairo_destroy)(cr);
    CA(cairo_surface_destroy)(s);
}

/* ---- drawing ----------------------------------------------------------------------------- */

static void grey(cairo_t *cr, double g) { CA(cairo_set_source_rgb)(cr, g, g, g); }

static void fill_stroke(cairo_t *cr, const cmeta_prim *q)
{
    if (q->fill_rgb || q->fill >= 0) {
        if (q->fill_rgb)
            CA(cairo_set_source_rgb)(cr, (double)((q->fill_rgb >> 16) & 0xFF) / 255,
                                     (double)((q->fill_rgb >> 8) & 0xFF) / 255, (double)(q->fill_rgb & 0xFF) / 255);
        else grey(cr, q->fill);
        if (q->stroke >= 0) CA(cairo_fill_preserve)(cr);
        else CA(cairo_fill)(cr);
    }
    if (q->stroke >= 0) {
        grey(cr, q->stroke);
        CA(cairo_set_line_width)(cr, q->line_width);
        CA(cairo_stroke)(cr);
    }
    CA(cairo_new_path)(cr);
}

static void draw(cairo_t *cr, const cmeta_plot *p)
{
    CA(cairo_set_source_rgb)(cr, 1, 1, 1);
    CA(cairo_paint)(cr);
    CA(cairo_set_line_cap)(cr, CAIRO_LINE_CAP_BUTT);
    CA(cairo_set_line_join)(cr, CAIRO_LINE_JOIN_MITER);
    for (size_t i = 0; i < p->n; i++) {
        const cmeta_prim *q = &p->prim[i];
        switch (q->kind) {
        case CMETA_PRIM_TEXT: {
            cairo_text_extents_t te;
            set_font(cr, q->size, q->bold);
            CA(cairo_text_extents)(cr, q->text, &te);
            double x = q->x;
            if (q->anchor == CMETA_ANCHOR_CENTER) x -= q->tw / 2;
            else if (q->anchor == CMETA_ANCHOR_RIGHT) x -= q->tw;
            grey(cr, q->fill >= 0 ? q->fill : 0);
            CA(cairo_move_to)(cr, x, q->y);
            CA(cairo_show_text)(cr, q->text);
            CA(cairo_new_path)(cr);
            break;
        }
        case CMETA_PRIM_LINE: {
            double dash[2] = {4, 3}, dot[2] = {1, 2};
            if (q->dashed == 1) CA(cairo_set_dash)(cr, dash, 2, 0);
            else if (q->dashed == 2) CA(cairo_set_dash)(cr, dot, 2, 0);
            CA(cairo_move_to)(cr, q->x, q->y);
            CA(cairo_line_to)(cr, q->x2, q->y2);
            grey(cr, q->stroke >= 0 ? q->stroke : 0);
            CA(cairo_set_line_width)(cr, q->line_width);
            CA(cairo_stroke)(cr);
            CA(cairo_set_dash)(cr, NULL, 0, 0);
            break;
        }
        case CMETA_PRIM_POLYGON:
            if (q->np < 2) break;
            if (q->dashed) {
                double dash[2] = {4, 3};
                CA(cairo_set_dash)(cr, dash, 2, 0);
            }
            CA(cairo_move_to)(cr, q->px[0], q->py[0]);
            for (size_t j = 1; j < q->np; j++) CA(cairo_line_to)(cr, q->px[j], q->py[j]);
            CA(cairo_close_path)(cr);
            fill_stroke(cr, q);
            CA(cairo_set_dash)(cr, NULL, 0, 0);
            break;
        case CMETA_PRIM_RECT:
            CA(cairo_rectangle)(cr, q->x, q->y, q->w, q->h);
            fill_stroke(cr, q);
            break;
        case CMETA_PRIM_CIRCLE:
            CA(cairo_new_sub_path)(cr);
            CA(cairo_arc)(cr, q->x, q->y, q->w, 0, 2 * M_PI);
            fill_stroke(cr, q);
            break;
        case CMETA_PRIM_ARROW: {
            double dx = q->x - q->x2, dy = q->y - q->y2, len = hypot(dx, dy);
            if (!(len > 0)) break;
            double nx = -dy / len * q->h, ny = dx / len * q->h;
            CA(cairo_move_to)(cr, q->x, q->y);
            CA(cairo_line_to)(cr, q->x2 + nx, q->y2 + ny);
            CA(cairo_line_to)(cr, q->x2 - nx, q->y2 - ny);
            CA(cairo_close_path)(cr);
            grey(cr, q->fill >= 0 ? q->fill : 0);
            CA(cairo_fill)(cr);
            break;
        }
        }
    }
}

static cairo_status_t write_fp(void *closure, const unsigned char *data, unsigned int len)
{
    FILE *fp = closure;
    return fwrite(data, 1, len, fp) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* A growing memory buffer (the PNG before its pHYs chunk is inserted). */
typedef struct {
    unsigned char *b;
    size_t n, cap;
} membuf;

static cairo_status_t write_mem(void *closure, const unsigned char *data, unsigned int len)
{
    membuf *m = closure;
    if (m->n + len > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < m->n + len) cap *= 2;
        unsigned char *nb = cmeta_realloc(m->b, cap);
        if (!nb) return CAIRO_STATUS_NO_MEMORY;
        m->b = nb;
        m->cap = cap;
    }
    memcpy(m->b + m->n, data, len);
    m->n += len;
    return CAIRO_STATUS_SUCCESS;
}

/* CRC-32 of PNG chunks (ISO 3309 polynomial 0xedb88320; PNG specification, Annex D). */
static unsigned long png_crc(const unsigned char *b, size_t n)
{
    unsigned long c = 0xffffffffUL;
    for (size_t i = 0; i < n; i++) {
        c ^= b[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320UL ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffUL;
}

static void put32(unsigned char *b, unsigned long v)
{
    b[0] = (unsigned char)(v >> 24 & 0xff);
    b[1] = (unsigned char)(v >> 16 & 0xff);
    b[2] = (unsigned char)(v >> 8 & 0xff);
    b[3] = (unsigned char)(v & 0xff);
}

static unsigned long get32(const unsigned char *b)
{
    return (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 | (unsigned long)b[2] << 8 | b[3];
}

/* Write the PNG in m to fp with a pHYs chunk right after IHDR (PNG specification 11.3.5.3:
 * pixels per unit x and y, unit 1 = metre; it must precede IDAT) saying dpi; a pHYs chunk
 * cairo may have written is dropped. 0, or -1 on a malformed PNG or a write error. */
static int png_with_phys(const membuf *m, double dpi, FILE *fp)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (m->n < 8 + 25 || memcmp(m->b, sig, 8) || memcmp(m->b + 12, "IHDR", 4)) return -1;
    if (fwrite(m->b, 1, 33, fp) != 33) return -1;
    unsigned char ph[4 + 4 + 9 + 4];
    unsigned long ppm = (unsigned long)lround(dpi / 0.0254);
    put32(ph, 9);
    memcpy(ph + 4, "pHYs", 4);
    put32(ph + 8, ppm);
    put32(ph + 12, ppm);
    ph[16] = 1;
    put32(ph + 17, png_crc(ph + 4, 13));
    if (fwrite(ph, 1, sizeof ph, fp) != sizeof ph) return -1;
    size_t at = 33;
    while (at + 12 <= m->n) {
        unsigned long len = get32(m->b + at);
        if (len > m->n - at - 12) return -1;
        size_t whole = 12 + (size_t)len;
        if (memcmp(m->b + at + 4, "pHYs", 4) && fwrite(m->b + at, 1, whole, fp) != whole) return -1;
        at += whole;
    }
    return at == m->n ? 0 : -1;
}

/* Case-insensitive ASCII comparison of an extension. */
static int ext_is(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        if (x != *b) return 1;
    }
    return *a != *b;
}

cmeta_status cmeta_plot_format_from_path(const char *path, cmeta_plot_format *fmt, cmeta_error *err)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (dot && (!slash || dot > slash)) {
        if (ext_is(dot, ".svg") == 0) return *fmt = CMETA_PLOT_SVG, CMETA_OK;
        if (ext_is(dot, ".png") == 0) return *fmt = CMETA_PLOT_PNG, CMETA_OK;
        if (ext_is(dot, ".pdf") == 0) return *fmt = CMETA_PLOT_PDF, CMETA_OK;
    }
    return cmeta_error_set(err, CMETA_EUSAGE, "%s: unknown picture format (use .svg, .png or .pdf)",
                           path ? path : "(none)");
}

void cmeta_render_opts_default(cmeta_render_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dpi = 300;
}

cmeta_status cmeta_plot_render_stream_opts(const cmeta_plot *p, cmeta_plot_format fmt, FILE *fp,
                                           const cmeta_render_opts *ro, cmeta_error *err)
{
    if (!p || !fp || !(p->width > 0) || !(p->height > 0))
        return cmeta_error_set(err, CMETA_EUSAGE, "render: empty plot or no stream");
    cmeta_render_opts o;
    if (ro) o = *ro;
    else cmeta_render_opts_default(&o);
    if (!(o.dpi >= 10 && o.dpi <= 10000))
        return cmeta_error_set(err, CMETA_EUSAGE, "render: the resolution must be 10 to 10000 dpi (got %g)", o.dpi);
    if (!(o.width >= 0 && o.width < 1e6) || !(o.height >= 0 && o.height < 1e6))
        return cmeta_error_set(err, CMETA_EUSAGE, "render: the page size must be positive and finite");
    /* the page, and the plot scaled uniformly to fit it, centred */
    double pw = o.width > 0 ? o.width : p->width, ph = o.height > 0 ? o.height : p->height;
    double scale = fmin(pw / p->width, ph / p->height);
    double ox = (pw - p->width * scale) / 2, oy = (ph - p->height * scale) / 2;
    if (fmt == CMETA_PLOT_SVG && !o.svg_text_outline) {
        if (cmeta__svg_write(p, fp, pw, ph, scale, ox, oy) != CMETA_OK || ferror(fp))
            return cmeta_error_set(err, CMETA_EIO, "render: write error");
        return CMETA_OK;
    }
    cmeta_status cst = cairo_ready(err);
    if (cst != CMETA_OK) return cst;
    const double px = o.dpi / 72; /* pixels per point */
    /* whole pixels covering the page (8 x 6 in at 600 dpi: 4800 x 3600, not one more for
     * the rounding of 600 / 72) */
    const double npx = ceil(pw * px - 1e-6), npy = ceil(ph * px - 1e-6);
    if (fmt == CMETA_PLOT_PNG && (npx > 32767 || npy > 32767))
        return cmeta_error_set(err, CMETA_EUSAGE, "render: the picture would be %.0f x %.0f pixels (at most 32767 "
                                                  "each): lower the resolution or the size", npx, npy);
    cairo_surface_t *s = NULL;
    switch (fmt) {
    case CMETA_PLOT_SVG: s = CA(cairo_svg_surface_create_for_stream)(write_fp, fp, pw, ph); break;
    case CMETA_PLOT_PDF:
        s = CA(cairo_pdf_surface_create_for_stream)(write_fp, fp, pw, ph);
        CA(cairo_pdf_surface_set_metadata)(s, CAIRO_PDF_METADATA_CREATOR, "cmeta " CMETA_VERSION);
        break;
    case CMETA_PLOT_PNG:
        s = CA(cairo_image_surface_create)(CAIRO_FORMAT_RGB24, (int)npx, (int)npy);
        break;
    }
    if (!s || CA(cairo_surface_status)(s) != CAIRO_STATUS_SUCCESS) {
        if (s) CA(cairo_surface_destroy)(s);
        return cmeta_error_set(err, CMETA_ENOMEM, "render: cannot create the drawing surface");
    }
    cairo_t *cr = CA(cairo_create)(s);
    if (fmt == CMETA_PLOT_PNG) {
        /* the white page first (draw paints only the plot's box once moved) */
        CA(cairo_set_source_rgb)(cr, 1, 1, 1);
        CA(cairo_paint)(cr);
        CA(cairo_scale)(cr, px, px);
    }
    CA(cairo_translate)(cr, ox, oy);
    CA(cairo_scale)(cr, scale, scale);
    draw(cr, p);
    cairo_status_t cs = CA(cairo_status)(cr);
    CA(cairo_destroy)(cr);
    membuf mb = {NULL, 0, 0};
    if (cs == CAIRO_STATUS_SUCCESS) {
        if (fmt == CMETA_PLOT_PNG) {
            cs = CA(cairo_surface_write_to_png_stream)(s, write_mem, &mb);
            if (cs == CAIRO_STATUS_SUCCESS && png_with_phys(&mb, o.dpi, fp) != 0) cs = CAIRO_STATUS_WRITE_ERROR;
        } else {
            CA(cairo_surface_finish)(s);
            cs = CA(cairo_surface_status)(s);
        }
    }
    cmeta_free(mb.b);
    CA(cairo_surface_destroy)(s);
    if (cs == CAIRO_STATUS_WRITE_ERROR) return cmeta_error_set(err, CMETA_EIO, "render: write error");
    if (cs == CAIRO_STATUS_NO_MEMORY) return cmeta_error_set(err, CMETA_ENOMEM, "render: out of memory");
    if (cs != CAIRO_STATUS_SUCCESS)
        return cmeta_error_set(err, CMETA_ENUMERIC, "render: %s", CA(cairo_status_to_string)(cs));
    if (ferror(fp)) return cmeta_error_set(err, CMETA_EIO, "render: write error");
    return CMETA_OK;
}

cmeta_status cmeta_plot_render_stream(const cmeta_plot *p, cmeta_plot_format fmt, FILE *fp, cmeta_error *err)
{
    return cmeta_plot_render_stream_opts(p, fmt, fp, NULL, err);
}

cmeta_status cmeta_plot_render(const cmeta_plot *p, const char *path, cmeta_error *err)
{
    cmeta_plot_format fmt;
    cmeta_status st = cmeta_plot_format_from_path(path, &fmt, err);
    if (st != CMETA_OK) return st;
    FILE *fp = fopen(path, "wb");
    if (!fp) return cmeta_error_set(err, CMETA_EIO, "%s: cannot write", path);
    st = cmeta_plot_render_stream(p, fmt, fp, err);
    if (fclose(fp) != 0 && st == CMETA_OK) st = cmeta_error_set(err, CMETA_EIO, "%s: write error", path);
    return st;
}

void cmeta_plot_cleanup(void)
{
    /* nothing to release when nothing was drawn: cairo is not opened just to reset it */
    if (cairo_st == CMETA_OK) CA(cairo_debug_reset_static_data)();
}

void cmeta_plot_cleanup_at_exit(void)
{
    if (cairo_st != CMETA_OK) return;
    cmeta_plot_cleanup();
    /* FcFini from the fontconfig cairo loaded (a dependency of the handle: dlsym searches it) */
    const char *name = getenv("CMETA_CAIRO");
    void *h = dlopen(name && *name ? name : CMETA_CAIRO_SONAME, RTLD_LAZY | RTLD_NOLOAD);
    if (!h) return;
    void *sym = dlsym(h, "FcFini");
    void (*fcfini)(void) = NULL;
    if (sym) memcpy(&fcfini, &sym, sizeof sym);
    if (fcfini) fcfini();
    dlclose(h);
}
