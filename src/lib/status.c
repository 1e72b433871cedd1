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
 * backed by transparent huge pages (madvise MADV_HUGEPAGE): a 10^6-row table and its arrays
 * then take a few hundred page faults instead of ~40,000 (on a virtual machine each fault
 * costs microseconds; `cmeta escalc` on 10^6 rows spent ~25 % of its time in them). Only a
 * hint: where THP is "never" or madvise fails nothing changes. Not done for an allocator set
 * by cmeta_set_allocator (its memory is its own).
 *
 * A huge page is used only where a whole 2 MB-aligned 2 MB of the block is advised. Linux
 * places an anonymous mapping whose length is a multiple of 2 MB on a 2 MB boundary, and glibc
 * maps a request of n bytes as n + 24 rounded up to 4 KB (16 bytes of chunk header, 8 of
 * alignment; glibc 2.26-2.40). So a large request is rounded up to a multiple of 2 MB less
 * those 24 bytes (huge_size): the mapping is then aligned at both ends and is advised from its
 * first page to its last (huge_hint), not just its aligned interior. Before this, every array
 * of 10^6 doubles (8,000,000 bytes) left ~1.6 MB of 4 KB pages at its ends: 4,700 of the 6,700
 * faults of `cmeta escalc` on 10^6 rows (now 202 in all, 0.48 s -> 0.37 s on the bench VM).
 * Memory mapped but never written is not resident. If
 * glibc lays chunks out otherwise, only the hint is weaker: nothing else depends on it. */
#ifdef MADV_COLLAPSE
#define CMETA_MADV_COLLAPSE MADV_COLLAPSE
#else
#define CMETA_MADV_COLLAPSE 25 /* Linux's value (include/uapi/asm-generic/mman-common.h) */
#endif
enum { HUGE_MIN = 4u << 20, HUGE_PAGE = 2u << 20, SMALL_PAGE = 4096, GLIBC_MMAP_EXTRA = 24 };

static int huge_ok(void) { return g_malloc == malloc && g_realloc == realloc && g_free == free; }

static size_t huge_size(size_t n)
{
#if defined(__SANITIZE_ADDRESS__)
    return n; /* AddressSanitizer must see the exact size to catch an overrun */
#endif
    if (n < HUGE_MIN || !huge_ok() || n > SIZE_MAX - 2 * (size_t)HUGE_PAGE) return n;
    size_t m = (n + GLIBC_MMAP_EXTRA + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
    return m - GLIBC_MMAP_EXTRA;
}

static void *huge_hint(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p && n >= HUGE_MIN && huge_ok()) {
        /* from the page holding the chunk header (the mapping's first page) to the end of the
         * page holding the last byte, then the 2 MB-aligned part of that */
        uintptr_t a = (uintptr_t)p & ~(uintptr_t)(SMALL_PAGE - 1);
        uintptr_t e = ((uintptr_t)p + n + SMALL_PAGE - 1) & ~(uintptr_t)(SMALL_PAGE - 1);
        a = (a + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        e &= ~(uintptr_t)(HUGE_PAGE - 1);
        if (e <= a) return p;
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
        /* glibc wrote the chunk header before the advice, so the first 2 MB already holds a
         * 4 KB page and would stay in 4 KB pages (512 faults): collapse it now, one copy of
         * that page (Linux 6.1; elsewhere madvise fails and nothing changes) */
        if (a < (uintptr_t)p) (void)madvise((void *)a, HUGE_PAGE, CMETA_MADV_COLLAPSE);
    }
#else
    (void)n;
#endif
    return p;
}

void *cmeta_malloc(size_t n)
{
    n = huge_size(n);
    return huge_hint(g_malloc(n ? n : 1), n);
}

void *cmeta_calloc(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size) return NULL;
    size_t total = count * size;
    /* the C library's calloc skips clearing memory fresh from the system (already zero):
     * large arrays are then touched once, by their writer, not twice */
    if (huge_ok()) {
        total = huge_size(total);
        return huge_hint(calloc(total ? total : 1, 1), total);
    }
    void *p = g_malloc(total ? total : 1);
    if (p) memset(p, 0, total);
    return p;
}

void *cmeta_realloc(void *p, size_t n)
{
    n = huge_size(n);
    return huge_hint(g_realloc(p, n ? n : 1), n);
}

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
