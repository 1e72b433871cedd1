/* cli_html.c - HTML pieces of the reports (cli_html.h). */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "cli_html.h"

void cli_html_text(FILE *fp, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (!u) return;
    while (*u) {
        unsigned c = *u;
        if (c == '&') fputs("&amp;", fp), u++;
        else if (c == '<') fputs("&lt;", fp), u++;
        else if (c == '>') fputs("&gt;", fp), u++;
        else if (c == '"') fputs("&quot;", fp), u++;
        else if (c == '\'') fputs("&#39;", fp), u++;
        else if (c == '\t' || c == '\n' || c == '\r') fputc(' ', fp), u++;
        else if (c < 0x20 || c == 0x7f) fputs("\xef\xbf\xbd", fp), u++;
        else if (c < 0x80) fputc((int)c, fp), u++;
        else {
            /* a UTF-8 sequence: lead byte, its continuation bytes, no overlong or surrogate
             * forms (E0 needs A0.., ED at most 9F, F0 needs 90.., F4 at most 8F) */
            size_t n = c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
            size_t j = 1;
            for (; n && j < n && (u[j] & 0xc0) == 0x80; j++) {}
            int ok = n && j == n;
            if (ok && ((c == 0xe0 && u[1] < 0xa0) || (c == 0xed && u[1] > 0x9f) || (c == 0xf0 && u[1] < 0x90) ||
                       (c == 0xf4 && u[1] > 0x8f)))
                ok = 0;
            if (!ok) {
                fputs("\xef\xbf\xbd", fp);
                u += j ? j : 1;
            } else {
                fwrite(u, 1, n, fp);
                u += n;
            }
        }
    }
}

static void cell_open(FILE *fp, const char *cls, int digits, const char *src, const char *fmt, va_list ap)
{
    char path[256];
    vsnprintf(path, sizeof path, fmt, ap);
    fprintf(fp, "<td class=\"%s\"", cls);
    if (digits >= 0) fprintf(fp, " data-d=\"%d\"", digits);
    fputs(" data-src=\"", fp);
    cli_html_text(fp, src);
    fputs("\" data-path=\"", fp);
    cli_html_text(fp, path);
    fputs("\" data-v=\"", fp);
}

void cli_html_num(FILE *fp, const char *src, int digits, double x, const char *path, ...)
{
    va_list ap;
    va_start(ap, path);
    cell_open(fp, digits < 0 ? "num p" : "num", digits, src, path, ap);
    va_end(ap);
    char v[48], shown[CMETA_FMT_CELL];
    if (isfinite(x)) cmeta_fmt17g(v, sizeof v, x);
    else snprintf(v, sizeof v, "null");
    if (digits < 0) cmeta_fmt_pval(shown, sizeof shown, x, 4);
    else cmeta_fmt_num(shown, sizeof shown, x, digits);
    fprintf(fp, "%s\">", v);
    cli_html_text(fp, shown); /* "<.0001" */
    fputs("</td>", fp);
}

void cli_html_bool(FILE *fp, const char *src, int v, const char *path, ...)
{
    va_list ap;
    va_start(ap, path);
    cell_open(fp, "flag", -1, src, path, ap);
    va_end(ap);
    fprintf(fp, "%s\">%s</td>", v ? "true" : "false", v ? "yes" : "no");
}

/* The style sheet: readable on a phone and at 1280 px, wide tables scroll inside their own
 * box (the page never scrolls sideways), figures shrink to the column, nothing external. */
static const char css[] =
    ":root{color-scheme:light}\n"
    "body{margin:0;background:#fff;color:#111;font:15px/1.45 system-ui,-apple-system,'Segoe UI','DejaVu Sans',"
    "Arial,sans-serif}\n"
    "main{max-width:1100px;margin:0 auto;padding:1rem 1.25rem 3rem;box-sizing:border-box}\n"
    "h1{font-size:1.6rem;margin:.5rem 0 .25rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid "
    "#ccc;padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}\n"
    "p,li,dd{overflow-wrap:anywhere}\n"
    "nav ol{columns:2 16rem;padding-left:1.4rem;margin:.5rem 0}\n"
    ".scroll{overflow-x:auto;max-width:100%;margin:.4rem 0}\n"
    "table{border-collapse:collapse;font-size:.9rem}\n"
    "th,td{padding:.2rem .55rem;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}\n"
    "th{background:#f4f4f4;font-weight:600}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.out td{color:#777}\n"
    "table.kv th{background:none;font-weight:normal}\n"
    "figure{margin:.8rem 0;max-width:100%;overflow-x:auto}\n"
    "figure svg{max-width:100%;height:auto;display:block}\n"
    "figcaption{font-size:.85rem;color:#444;margin-top:.3rem}\n"
    ".note{color:#444;font-size:.9rem}\n"
    ".warn{color:#8a4b00}\n"
    "code,kbd,.mono{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:.85rem;"
    "overflow-wrap:anywhere}\n"
    "dl.record{display:grid;grid-template-columns:minmax(8rem,max-content) minmax(0,1fr);gap:.3rem 1rem}\n"
    "dl.record dt{font-weight:600}dl.record dd{margin:0}\n"
    "@media print{.scroll,figure{overflow:visible}main{max-width:none}h2{break-after:avoid}"
    "table,figure{break-inside:avoid}}\n";

void cli_html_head(FILE *fp, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
          fp);
    fprintf(fp, "<meta name=\"generator\" content=\"cmeta %s\">\n<title>", cmeta_version());
    cli_html_text(fp, title);
    fprintf(fp, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", css);
}

void cli_html_foot(FILE *fp) { fputs("</main>\n</body>\n</html>\n", fp); }

void cli_html_shell_arg(FILE *fp, const char *a)
{
    int plain = *a != '\0';
    for (const char *p = a; *p && plain; p++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,+-@%", *p)) plain = 0;
    if (plain) {
        cli_html_text(fp, a);
        return;
    }
    /* '...' with each ' written as '\'' (segments copied whole: UTF-8 stays intact) */
    fputc('\'', fp);
    char seg[256];
    for (const char *p = a; *p;) {
        size_t n = strcspn(p, "'");
        while (n) {
            size_t m = n < sizeof seg - 1 ? n : sizeof seg - 1;
            /* never cut a UTF-8 sequence: back up to a lead byte */
            while (m < n && m > 1 && ((unsigned char)p[m] & 0xc0) == 0x80) m--;
            memcpy(seg, p, m);
            seg[m] = '\0';
            cli_html_text(fp, seg);
            p += m, n -= m;
        }
        if (*p == '\'') {
            cli_html_text(fp, "'\\''");
            p++;
        }
    }
    fputc('\'', fp);
}
