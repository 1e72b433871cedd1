/* status.c - status codes, error reports, warnings, the allocator hook. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "internal.h"

const char *cmeta_version(void) { return CMETA_VERSION; }

const char *cmeta_strerror(cmeta_status s)
{
    switch (s) {
    case CMETA_OK: return "success";
    case CMETA_EUSAGE: return "invalid argument";
    case CMETA_EDATA: return "bad input data";
    case CMETA_ENOCONV: return "no convergence";
    case CMETA_ENUMERIC: return "numerical failure";
    case CMETA_ENOMEM: return "out of memory";
    case CMETA_EIO: return "input/output error";
    case CMETA_EINTR: return "interrupted";
    }
    return "unknown status";
}

int cmeta_status_exit_code(cmeta_status s)
{
    switch (s) {
    case CMETA_OK: return 0;
    case CMETA_EUSAGE: return 1;
    case CMETA_EDATA: return 2;
    case CMETA_ENOCONV:
    case CMETA_ENUMERIC: return 3;
    case CMETA_ENOMEM:
    case CMETA_EIO: return 4;
    case CMETA_EINTR: return 130; /* as a shell reports a process ended by SIGINT */
    }
    return 4;
}

void cmeta_error_clear(cmeta_error *err)
{
    if (!err) return;
    memset(err, 0, sizeof *err);
    err->index = -1;
}

cmeta_status cmeta_error_set(cmeta_error *err, cmeta_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->status = status;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* Messages are single lines: a study label with a line break (legal inside a quoted CSV field)
 * must not split an error or warning line. */
static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r' || *s == '\t') *s = ' ';
}

void cmeta_error_format(const cmeta_error *err, char *buf, size_t size)
{
    size_t used = 0;
    if (!buf || size == 0) return;
    buf[0] = '\0';
    if (!err) return;
#define APPEND(...)                                                                    \
    do {                                                                               \
        if (used < size) {                                                             \
            int n_ = snprintf(buf + used, size - used, __VA_ARGS__);                   \
            if (n_ > 0) used += (size_t)n_;                                            \
        }                                                                              \
    } while (0)
    if (err->file[0]) {
        APPEND("%s:", err->file);
        if (err->line > 0) APPEND("%ld:", err->line);
        if (err->line > 0 && err->column > 0) APPEND("%ld:", err->column);
        APPEND(" ");
    }
    if (err->study[0]) APPEND("study '%s': ", err->study);
    APPEND("%s", err->message[0] ? err->message : cmeta_strerror(err->status));
#undef APPEND
    one_line(buf);
    /* control bytes left (ESC, BEL... from a label or a file name) are shown as \xHH: a CSV
     * file must not be able to drive the terminal through a message */
    if (cmeta_escape_ctrl(NULL, 0, buf) != strlen(buf)) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s", buf);
        cmeta_escape_ctrl(buf, size, tmp);
    }
}

size_t cmeta_escape_ctrl(char *dst, size_t size, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    size_t need = 0, used = 0;
    for (const unsigned char *p = (const unsigned char *)(src ? src : ""); *p; p++) {
        int ctrl = *p < 0x20 || *p == 0x7f;
        size_t len = ctrl ? 4 : 1;
        if (dst && size > 0 && used + len < size) {
            if (ctrl) {
                dst[used] = '\\';
                dst[used + 1] = 'x';
                dst[used + 2] = hex[*p >> 4];
                dst[used + 3] = hex[*p & 15];
            } else {
                dst[used] = (char)*p;
            }
            used += len;
        } else {
            size = used + 1; /* stop writing: never split an escape or write past the end */
        }
        need += len;
    }
    if (dst && size > 0) dst[used] = '\0';
    return need;
}

/* ---- warnings ---- */

void cmeta_warnings_init(cmeta_warnings *w)
{
    if (w) memset(w, 0, sizeof *w);
}

void cmeta_warnings_free(cmeta_warnings *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->n; i++) cmeta_free(w->text[i]);
    cmeta_free(w->text);
    memset(w, 0, sizeof *w);
}

cmeta_status cmeta_warn(cmeta_warnings *w, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    if (!w) return CMETA_OK;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    one_line(buf);
    char esc[sizeof buf];
    cmeta_escape_ctrl(esc, sizeof esc, buf); /* as cmeta_error_format: no raw control bytes */
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 8;
        char **t = cmeta_realloc(w->text, cap * sizeof *t);
        if (!t) return CMETA_ENOMEM;
        w->text = t;
        w->cap = cap;
    }
    char *s = cmeta_strdup(esc);
    if (!s) return CMETA_ENOMEM;
    w->text[w->n++] = s;
    return CMETA_OK;
}

/* ---- allocator hook ---- */

static cmeta_malloc_fn g_malloc = malloc;
static cmeta_realloc_fn g_realloc = realloc;
static cmeta_free_fn g_free = free;

void cmeta_set_allocator(cmeta_malloc_fn m, cmeta_realloc_fn r, cmeta_free_fn f)
{
    g_malloc = m ? m : malloc;
    g_realloc = r ? r : realloc;
    g_free = f ? f : free;
}

/* Large blocks of the C library's allocator (mmap'ed by glibc above 128 KB) are asked to be
 * backed by transparent huge pages (madvise MADV_HUGEPAGE over the 2 MB-aligned part): a
 * 10^6-row table and its arrays then take a few hundred page faults instead of ~40,000 (on a
 * virtual machine each fault costs microseconds; `cmeta escalc` on 10^6 rows spent ~25 % of
 * its time in them). Only a hint: where THP is "never" or madvise fails nothing changes. Not
 * done for an allocator set by cmeta_set_allocator (its memory is its own). */
enum { HUGE_MIN = 4u << 20, HUGE_PAGE = 2u << 20 };
static void *huge_hint(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p && n >= HUGE_MIN && g_malloc == malloc) {
        uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);
        if (e > a) (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
    }
#else
    (void)n;
#endif
    return p;
}

void *cmeta_malloc(size_t n) { return huge_hint(g_malloc(n ? n : 1), n); }

void *cmeta_calloc(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size) return NULL;
    size_t total = count * size;
    /* the C library's calloc skips clearing memory fresh from the system (already zero):
     * large arrays are then touched once, by their writer, not twice */
    if (g_malloc == malloc && g_free == free) return huge_hint(calloc(total ? total : 1, 1), total);
    void *p = g_malloc(total ? total : 1);
    if (p) memset(p, 0, total);
    return p;
}

void *cmeta_realloc(void *p, size_t n) { return huge_hint(g_realloc(p, n ? n : 1), n); }

void cmeta_free(void *p)
{
    if (p) g_free(p);
}

char *cmeta_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = cmeta_malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

int cmeta__strcasecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (ca >= 'A' && ca <= 'Z') ca += 'a' - 'A';
        if (cb >= 'A' && cb <= 'Z') cb += 'a' - 'A';
        if (ca != cb || ca == 0) return ca - cb;
    }
}
