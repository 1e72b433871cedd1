/* cli_cairo.c - the program loads cairo and fontconfig only when the library first draws.
 *
 * Only the plotting code (src/lib/plot_cairo.c: forest, funnel, gosh --plot, batch --plots)
 * calls cairo and fontconfig; the library links them normally (libcmeta.so, libcmeta.a and API
 * users are unaffected). The program alone is linked without -lcairo -lfontconfig and defines
 * here, with the prototypes of <cairo.h>, <cairo-svg.h>, <cairo-pdf.h> and
 * <fontconfig/fontconfig.h>, every cairo and fontconfig function the library calls: the first
 * call opens cairo and fontconfig (CMETA_CAIRO_SONAME, CMETA_FONTCONFIG_SONAME: the sonames the
 * Makefile found) through cli_lazy_open, and each call is forwarded to the library's own
 * function, so drawings are byte-identical. Why: loading cairo (with pixman, freetype, png,
 * xcb, X11 ... ~20 shared libraries) costs ~1.1 ms at start-up, more than half of a `cmeta
 * pool` or `cmeta gosh` run that never draws. If cairo cannot be opened, one line goes to
 * stderr and the program exits with status 4, leaving no temporary output file.
 * Adding a cairo call to the library: add it to PLOT_SYMS and a forwarding definition below
 * (the program fails to link until then). */
#include <pthread.h>
#include <stdatomic.h>
#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>

#include "cli.h"

#ifndef CMETA_CAIRO_SONAME
#define CMETA_CAIRO_SONAME "libcairo.so.2"
#endif
#ifndef CMETA_FONTCONFIG_SONAME
#define CMETA_FONTCONFIG_SONAME "libfontconfig.so.1"
#endif

#define CAIRO_SYMS(X)                                                                              \
    X(cairo_arc) X(cairo_close_path) X(cairo_create) X(cairo_debug_reset_static_data)              \
    X(cairo_destroy) X(cairo_fill) X(cairo_fill_preserve) X(cairo_font_extents)                    \
    X(cairo_image_surface_create) X(cairo_line_to) X(cairo_move_to) X(cairo_new_path)              \
    X(cairo_new_sub_path) X(cairo_paint) X(cairo_pdf_surface_create_for_stream)                    \
    X(cairo_pdf_surface_set_metadata) X(cairo_rectangle) X(cairo_scale)                            \
    X(cairo_select_font_face) X(cairo_set_dash) X(cairo_set_font_size) X(cairo_set_line_cap)       \
    X(cairo_set_line_join) X(cairo_set_line_width) X(cairo_set_source_rgb) X(cairo_show_text)      \
    X(cairo_status) X(cairo_status_to_string) X(cairo_stroke) X(cairo_surface_destroy)             \
    X(cairo_surface_finish) X(cairo_surface_status) X(cairo_surface_write_to_png_stream)           \
    X(cairo_svg_surface_create_for_stream) X(cairo_text_extents)
#define FC_SYMS(X) X(FcFini)

#define SYM_INDEX(f) I_##f,
#define SYM_NAME(f) #f,
enum { CAIRO_SYMS(SYM_INDEX) N_CAIRO };
enum { FC_SYMS(SYM_INDEX) N_FC };
static const char *const cairo_names[N_CAIRO] = { CAIRO_SYMS(SYM_NAME) };
static const char *const fc_names[N_FC] = { FC_SYMS(SYM_NAME) };
static cli_lazy_fn cairo_fns[N_CAIRO], fc_fns[N_FC];
static pthread_once_t plot_once = PTHREAD_ONCE_INIT;
static atomic_int plot_loaded;

static void plot_open(void)
{
    cli_lazy_open(CMETA_CAIRO_SONAME, cairo_names, cairo_fns, N_CAIRO);
    /* already in memory: cairo depends on it */
    cli_lazy_open(CMETA_FONTCONFIG_SONAME, fc_names, fc_fns, N_FC);
    atomic_store(&plot_loaded, 1);
}

/* the loaded function f, called through a pointer of f's own declared type */
#define CAIRO(f) (pthread_once(&plot_once, plot_open), (__typeof__(&f))cairo_fns[I_##f])

void cairo_arc(cairo_t *cr, double xc, double yc, double radius, double angle1, double angle2)
{
    CAIRO(cairo_arc)(cr, xc, yc, radius, angle1, angle2);
}

void cairo_close_path(cairo_t *cr)
{
    CAIRO(cairo_close_path)(cr);
}

cairo_t *cairo_create(cairo_surface_t *target)
{
    return CAIRO(cairo_create)(target);
}

void cairo_destroy(cairo_t *cr)
{
    CAIRO(cairo_destroy)(cr);
}

void cairo_fill(cairo_t *cr)
{
    CAIRO(cairo_fill)(cr);
}

void cairo_fill_preserve(cairo_t *cr)
{
    CAIRO(cairo_fill_preserve)(cr);
}

void cairo_font_extents(cairo_t *cr, cairo_font_extents_t *extents)
{
    CAIRO(cairo_font_extents)(cr, extents);
}

cairo_surface_t *cairo_image_surface_create(cairo_format_t format, int width, int height)
{
    return CAIRO(cairo_image_surface_create)(format, width, height);
}

void cairo_line_to(cairo_t *cr, double x, double y)
{
    CAIRO(cairo_line_to)(cr, x, y);
}

void cairo_move_to(cairo_t *cr, double x, double y)
{
    CAIRO(cairo_move_to)(cr, x, y);
}

void cairo_new_path(cairo_t *cr)
{
    CAIRO(cairo_new_path)(cr);
}

void cairo_new_sub_path(cairo_t *cr)
{
    CAIRO(cairo_new_sub_path)(cr);
}

void cairo_paint(cairo_t *cr)
{
    CAIRO(cairo_paint)(cr);
}

cairo_surface_t *cairo_pdf_surface_create_for_stream(cairo_write_func_t write_func, void *closure,
                                                     double width_in_points,
                                                     double height_in_points)
{
    return CAIRO(cairo_pdf_surface_create_for_stream)(write_func, closure, width_in_points,
                                                      height_in_points);
}

void cairo_pdf_surface_set_metadata(cairo_surface_t *surface, cairo_pdf_metadata_t metadata,
                                    const char *utf8)
{
    CAIRO(cairo_pdf_surface_set_metadata)(surface, metadata, utf8);
}

void cairo_rectangle(cairo_t *cr, double x, double y, double width, double height)
{
    CAIRO(cairo_rectangle)(cr, x, y, width, height);
}

void cairo_scale(cairo_t *cr, double sx, double sy)
{
    CAIRO(cairo_scale)(cr, sx, sy);
}

void cairo_select_font_face(cairo_t *cr, const char *family, cairo_font_slant_t slant,
                            cairo_font_weight_t weight)
{
    CAIRO(cairo_select_font_face)(cr, family, slant, weight);
}

void cairo_set_dash(cairo_t *cr, const double *dashes, int num_dashes, double offset)
{
    CAIRO(cairo_set_dash)(cr, dashes, num_dashes, offset);
}

void cairo_set_font_size(cairo_t *cr, double size)
{
    CAIRO(cairo_set_font_size)(cr, size);
}

void cairo_set_line_cap(cairo_t *cr, cairo_line_cap_t line_cap)
{
    CAIRO(cairo_set_line_cap)(cr, line_cap);
}

void cairo_set_line_join(cairo_t *cr, cairo_line_join_t line_join)
{
    CAIRO(cairo_set_line_join)(cr, line_join);
}

void cairo_set_line_width(cairo_t *cr, double width)
{
    CAIRO(cairo_set_line_width)(cr, width);
}

void cairo_set_source_rgb(cairo_t *cr, double red, double green, double blue)
{
    CAIRO(cairo_set_source_rgb)(cr, red, green, blue);
}

void cairo_show_text(cairo_t *cr, const char *utf8)
{
    CAIRO(cairo_show_text)(cr, utf8);
}

cairo_status_t cairo_status(cairo_t *cr)
{
    return CAIRO(cairo_status)(cr);
}

const char *cairo_status_to_string(cairo_status_t status)
{
    return CAIRO(cairo_status_to_string)(status);
}

void cairo_stroke(cairo_t *cr)
{
    CAIRO(cairo_stroke)(cr);
}

void cairo_surface_destroy(cairo_surface_t *surface)
{
    CAIRO(cairo_surface_destroy)(surface);
}

void cairo_surface_finish(cairo_surface_t *surface)
{
    CAIRO(cairo_surface_finish)(surface);
}

cairo_status_t cairo_surface_status(cairo_surface_t *surface)
{
    return CAIRO(cairo_surface_status)(surface);
}

cairo_status_t cairo_surface_write_to_png_stream(cairo_surface_t *surface,
                                                 cairo_write_func_t write_func, void *closure)
{
    return CAIRO(cairo_surface_write_to_png_stream)(surface, write_func, closure);
}

cairo_surface_t *cairo_svg_surface_create_for_stream(cairo_write_func_t write_func, void *closure,
                                                     double width_in_points,
                                                     double height_in_points)
{
    return CAIRO(cairo_svg_surface_create_for_stream)(write_func, closure, width_in_points,
                                                      height_in_points);
}

void cairo_text_extents(cairo_t *cr, const char *utf8, cairo_text_extents_t *extents)
{
    CAIRO(cairo_text_extents)(cr, utf8, extents);
}

/* The two clean-up calls of cmeta_plot_cleanup: nothing to release if nothing was drawn, so
 * they do not open cairo just to reset it. */
void cairo_debug_reset_static_data(void)
{
    if (atomic_load(&plot_loaded))
        ((__typeof__(&cairo_debug_reset_static_data))cairo_fns[I_cairo_debug_reset_static_data])();
}

void FcFini(void)
{
    if (atomic_load(&plot_loaded))
        ((__typeof__(&FcFini))fc_fns[I_FcFini])();
}
