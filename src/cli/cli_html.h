/* cli_html.h - pieces of the HTML that `cmeta report` and `cmeta batch --report` write
 * (cli_html.c): escaping, number cells that carry the number the JSON prints, the page's
 * head with its style sheet. The page needs no script, no font and no network: everything is
 * inline (CSS in <style>, figures as inline SVG). */
#ifndef CMETA_CLI_HTML_H
#define CMETA_CLI_HTML_H

#include <stdio.h>

/* Text (element content or a quoted attribute value) escaped for HTML: & < > " ' as entities;
 * tabs and line breaks as spaces; other control characters, DEL and bytes that are not UTF-8
 * as U+FFFD. NULL writes nothing. */
void cli_html_text(FILE *fp, const char *s);
/* A table cell holding a number x as `cmeta SRC --format json` prints it at PATH (the JSON path
 * numcmp reports, "$.studies[0].yi"): shown with `digits` decimals (cmeta_fmt_num: "NA" when
 * not finite), the full value in data-v (%.17g, "null" when not finite, as the JSON):
 *   <td class="num" data-d="4" data-src="pool" data-path="$.estimate" data-v="0.218...">0.2183</td>
 * digits < 0: a p-value (cmeta_fmt_pval, "<.0001"), class "num p", no data-d. path is a
 * printf format. */
void cli_html_num(FILE *fp, const char *src, int digits, double x, const char *path, ...)
    __attribute__((format(printf, 5, 6)));
/* The same for a JSON true/false (shown as "yes" / "no"). */
void cli_html_bool(FILE *fp, const char *src, int v, const char *path, ...) __attribute__((format(printf, 4, 5)));
/* <!DOCTYPE html> ... <body><main>: the title escaped, the generator named, the style sheet. */
void cli_html_head(FILE *fp, const char *title);
void cli_html_foot(FILE *fp);
/* An argument quoted for a POSIX shell when it needs it (as the user could type it again). */
void cli_html_shell_arg(FILE *fp, const char *a);

#endif
