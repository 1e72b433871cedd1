/* plot_svg.c - a laid-out plot written as SVG by hand: text stays text.
 *
 * cairo's SVG surface draws every glyph as an outline (<symbol>/<use>), so a label cannot be
 * corrected in an editor and a journal's text check finds no text. The plot is already a
 * flat list of six primitives in points (include/cmeta/plot.h), so SVG 1.1 is written
 * directly: one element per primitive, in the list's order (later ones on top, as cairo
 * paints them), text as <text> with the font named ("DejaVu Sans", the font the layout was
 * measured with, then sans-serif) and anchored where the layout anchors it (text-anchor
 * start / middle / end), so that right-aligned columns stay aligned even where a viewer
 * substitutes another font. Coordinates are the layout's points (viewBox); width and height
 * say the page size in pt. No locale enters the numbers (fixed notation with '.' only).
 * Outlines are still available through cairo (cmeta_render_opts.svg_text_outline).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_internal.h"

/* x in fixed notation with up to 6 decimals (nd: 3 or 6), trailing zeros removed, never
 * "-0"; '.' as the decimal separator whatever the locale (built from integers). */
static void num_d(FILE *fp, double x, int nd)
{
    const long long unit = nd == 6 ? 1000000 : 1000;
    if (!isfinite(x) || fabs(x) > 1e12) x = 0;
    long long m = llround(x * (double)unit);
    if (m < 0) {
        fputc('-', fp);
        m = -m;
    }
    long long ip = m / unit, fr = m % unit;
    fprintf(fp, "%lld", ip);
    if (fr) {
        char d[8];
        snprintf(d, sizeof d, "%0*lld", nd, fr);
        size_t n = (size_t)nd;
        while (n && d[n - 1] == '0') n--;
        fprintf(fp, ".%.*s", (int)n, d);
    }
}

static void num(FILE *fp, double x) { num_d(fp, x, 3); }

/* grey level g (0 black, 1 white) as #rrggbb */
static void colour(FILE *fp, double g)
{
    int v = (int)lround(fmin(fmax(g, 0), 1) * 255);
    fprintf(fp, "#%02x%02x%02x", v, v, v);
}

static void paint(FILE *fp, const cmeta_prim *q)
{
    fputs(" fill=\"", fp);
    if (q->fill_rgb) fprintf(fp, "#%06lx", q->fill_rgb & 0xFFFFFFUL);
    else if (q->fill >= 0) colour(fp, q->fill);
    else fputs("none", fp);
    fputs("\" stroke=\"", fp);
    if (q->stroke >= 0) {
        colour(fp, q->stroke);
        fputs("\" stroke-width=\"", fp);
        num(fp, q->line_width);
    } else fputs("none", fp);
    fputc('"', fp);
    if (q->dashed == 1) fputs(" stroke-dasharray=\"4 3\"", fp);
    else if (q->dashed == 2) fputs(" stroke-dasharray=\"1 2\"", fp);
}

/* UTF-8 text escaped for XML 1.0: & < > " escaped; control characters (not allowed in XML
 * 1.0) and bytes that are not UTF-8 become U+FFFD. */
static void xml_text(FILE *fp, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        unsigned c = *u;
        if (c == '&') fputs("&amp;", fp), u++;
        else if (c == '<') fputs("&lt;", fp), u++;
        else if (c == '>') fputs("&gt;", fp), u++;
        else if (c == '"') fputs("&quot;", fp), u++;
        else if (c < 0x20) fputs("\xef\xbf\xbd", fp), u++;
        else if (c < 0x80) fputc((int)c, fp), u++;
        else {
            size_t n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
            size_t j = 1;
            if (n) for (; j < n && (u[j] & 0xc0) == 0x80; j++) {}
            if (n == 0 || j < n) {
                fputs("\xef\xbf\xbd", fp);
                u += j;
            } else {
                fwrite(u, 1, n, fp);
                u += n;
            }
        }
    }
}

/* ` name="v"`: one numeric attribute */
static void attr(FILE *fp, const char *name, double v)
{
    fprintf(fp, " %s=\"", name);
    num(fp, v);
    fputc('"', fp);
}

/* "x,y": one point of a points="" list */
static void point(FILE *fp, double x, double y)
{
    num(fp, x);
    fputc(',', fp);
    num(fp, y);
}

static void svg_text(FILE *fp, const cmeta_prim *q)
{
    if (!q->text) return;
    fputs("<text", fp);
    attr(fp, "x", q->x);
    attr(fp, "y", q->y);
    fputs(" font-family=\"'DejaVu Sans', sans-serif\"", fp);
    attr(fp, "font-size", q->size);
    if (q->bold) fputs(" font-weight=\"bold\"", fp);
    if (q->anchor == CMETA_ANCHOR_CENTER) fputs(" text-anchor=\"middle\"", fp);
    else if (q->anchor == CMETA_ANCHOR_RIGHT) fputs(" text-anchor=\"end\"", fp);
    fputs(" fill=\"", fp);
    colour(fp, q->fill >= 0 ? q->fill : 0);
    fputs("\" xml:space=\"preserve\">", fp);
    xml_text(fp, q->text);
    fputs("</text>\n", fp);
}

static void svg_shape(FILE *fp, const cmeta_prim *q)
{
    switch (q->kind) {
    case CMETA_PRIM_TEXT: svg_text(fp, q); break;
    case CMETA_PRIM_LINE: {
        cmeta_prim l = *q;
        if (l.stroke < 0) l.stroke = 0;
        l.fill = -1;
        fputs("<line", fp);
        attr(fp, "x1", q->x);
        attr(fp, "y1", q->y);
        attr(fp, "x2", q->x2);
        attr(fp, "y2", q->y2);
        paint(fp, &l);
        fputs("/>\n", fp);
        break;
    }
    case CMETA_PRIM_POLYGON:
        if (q->np < 2) break;
        fputs("<polygon points=\"", fp);
        for (size_t j = 0; j < q->np; j++) {
            if (j) fputc(' ', fp);
            point(fp, q->px[j], q->py[j]);
        }
        fputc('"', fp);
        paint(fp, q);
        fputs(" stroke-linejoin=\"miter\"/>\n", fp);
        break;
    case CMETA_PRIM_RECT:
        fputs("<rect", fp);
        attr(fp, "x", q->x);
        attr(fp, "y", q->y);
        attr(fp, "width", q->w);
        attr(fp, "height", q->h);
        paint(fp, q);
        fputs("/>\n", fp);
        break;
    case CMETA_PRIM_CIRCLE:
        fputs("<circle", fp);
        attr(fp, "cx", q->x);
        attr(fp, "cy", q->y);
        attr(fp, "r", q->w);
        paint(fp, q);
        fputs("/>\n", fp);
        break;
    case CMETA_PRIM_ARROW: {
        double dx = q->x - q->x2, dy = q->y - q->y2, len = hypot(dx, dy);
        if (!(len > 0)) break;
        double nx = -dy / len * q->h, ny = dx / len * q->h;
        fputs("<polygon points=\"", fp);
        point(fp, q->x, q->y);
        fputc(' ', fp);
        point(fp, q->x2 + nx, q->y2 + ny);
        fputc(' ', fp);
        point(fp, q->x2 - nx, q->y2 - ny);
        fputs("\" fill=\"", fp);
        colour(fp, q->fill >= 0 ? q->fill : 0);
        fputs("\" stroke=\"none\"/>\n", fp);
        break;
    }
    }
}

cmeta_status cmeta__svg_write(const cmeta_plot *p, FILE *fp, double page_w, double page_h, double scale,
                              double ox, double oy)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", fp);
    fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"", fp);
    num(fp, page_w);
    fputs("pt\" height=\"", fp);
    num(fp, page_h);
    fputs("pt\" viewBox=\"0 0 ", fp);
    num(fp, page_w);
    fputc(' ', fp);
    num(fp, page_h);
    fputs("\">\n<rect", fp);
    attr(fp, "x", 0);
    attr(fp, "y", 0);
    attr(fp, "width", page_w);
    attr(fp, "height", page_h);
    fputs(" fill=\"#ffffff\" stroke=\"none\"/>\n", fp);
    int g = scale != 1 || ox != 0 || oy != 0;
    if (g) {
        fputs("<g transform=\"translate(", fp);
        num(fp, ox);
        fputc(' ', fp);
        num(fp, oy);
        fputs(") scale(", fp);
        num_d(fp, scale, 6);
        fputs(")\">\n", fp);
    }
    for (size_t i = 0; i < p->n; i++) svg_shape(fp, &p->prim[i]);
    if (g) fputs("</g>\n", fp);
    fputs("</svg>\n", fp);
    if (ferror(fp)) return CMETA_EIO;
    return CMETA_OK;
}
