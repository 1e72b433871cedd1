/* cmeta/status.h - status codes, error reports, warnings and the allocator hook.
 *
 * The library never prints and never exits. Every function that can fail returns a
 * cmeta_status; when the caller passes a cmeta_error, it is filled with a one-line
 * message and, where they are known, the file, line, column and study involved
 * (the style of sqlite3_errmsg and libcsv's csv_strerror).
 */
#ifndef CMETA_STATUS_H
#define CMETA_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CMETA_EXPORT __attribute__((visibility("default")))
#define CMETA_RESULT_USED __attribute__((warn_unused_result))
#define CMETA_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CMETA_EXPORT
#define CMETA_RESULT_USED
#define CMETA_PRINTF(a, b)
#endif

/* Status codes. The program maps them to exit codes: EUSAGE -> 1, EDATA -> 2,
 * ENOCONV/ENUMERIC -> 3, EIO -> 4, ENOMEM -> 4, EINTR -> 130. */
typedef enum {
    CMETA_OK = 0,
    CMETA_EUSAGE,   /* invalid argument or option (a caller's mistake) */
    CMETA_EDATA,    /* bad input data: the message names the rule broken */
    CMETA_ENOCONV,  /* an iterative method did not converge */
    CMETA_ENUMERIC, /* any other numerical failure (singular matrix, overflow, ...) */
    CMETA_ENOMEM,   /* allocation failed */
    CMETA_EIO,      /* reading or writing a file failed */
    CMETA_EINTR     /* interrupted on request (see cmeta_interrupt_flag) */
} cmeta_status;

/* A short, static description of a status ("bad input data", ...). */
CMETA_EXPORT const char *cmeta_strerror(cmeta_status status);

/* Exit code of the cmeta program for a status (0, 1, 2, 3, 4, or 130 when interrupted). */
CMETA_EXPORT int cmeta_status_exit_code(cmeta_status status);

/* Where and why something failed. line/column are 1-based, 0 when unknown;
 * index is the 0-based study (row) index for array-level functions, -1 when unknown. */
typedef struct {
    cmeta_status status;
    char file[512];
    long line;
    long column;
    long index;
    char study[256];
    char message[1024];
} cmeta_error;

CMETA_EXPORT void cmeta_error_clear(cmeta_error *err);

/* Fill err (if not NULL) and return status. Keeps file/line/column/study as they are. */
CMETA_EXPORT cmeta_status cmeta_error_set(cmeta_error *err, cmeta_status status,
                                          const char *fmt, ...) CMETA_PRINTF(3, 4);

/* Format err as the program prints it: "FILE:LINE:COLUMN: study 'X': message"
 * (parts that are unknown are left out), always on one line (line breaks in a study label
 * become spaces). Writes at most size bytes, NUL terminated. */
CMETA_EXPORT void cmeta_error_format(const cmeta_error *err, char *buf, size_t size);

/* Copy src into dst (size bytes, NUL terminated, cut at a whole escape) with every control
 * character (bytes 0x01-0x1f and 0x7f) written as \xHH, so that a label read from a CSV file
 * cannot move the cursor, ring the bell or inject terminal escapes (ESC = \x1b) when it is
 * printed in a message or a text table. Returns the length the full escaped text needs
 * (without the NUL), as snprintf does. Bytes >= 0x80 (UTF-8) pass unchanged. */
CMETA_EXPORT size_t cmeta_escape_ctrl(char *dst, size_t size, const char *src);

/* A growing list of warnings (studies omitted, corrections applied, tau^2 truncated...).
 * Library functions append to it when the caller passes one; NULL means "not wanted". */
typedef struct {
    size_t n, cap;
    char **text;
} cmeta_warnings;

CMETA_EXPORT void cmeta_warnings_init(cmeta_warnings *w);
CMETA_EXPORT void cmeta_warnings_free(cmeta_warnings *w);
/* Returns CMETA_ENOMEM when the warning could not be stored (w is left as it was). The text is
 * kept on one line (line breaks become spaces). */
CMETA_EXPORT cmeta_status cmeta_warn(cmeta_warnings *w, const char *fmt, ...) CMETA_PRINTF(2, 3);

/* Allocator hook: every allocation the library makes goes through these. Passing NULLs
 * restores malloc/realloc/free. Not thread safe: set it once, before any other call. */
typedef void *(*cmeta_malloc_fn)(size_t);
typedef void *(*cmeta_realloc_fn)(void *, size_t);
typedef void (*cmeta_free_fn)(void *);
CMETA_EXPORT void cmeta_set_allocator(cmeta_malloc_fn m, cmeta_realloc_fn r, cmeta_free_fn f);
CMETA_EXPORT void *cmeta_malloc(size_t n);
CMETA_EXPORT void *cmeta_calloc(size_t count, size_t size); /* zeroed; checks overflow */
CMETA_EXPORT void *cmeta_realloc(void *p, size_t n);
CMETA_EXPORT void cmeta_free(void *p);
CMETA_EXPORT char *cmeta_strdup(const char *s);

/* Library version, "MAJOR.MINOR.PATCH". */
#define CMETA_VERSION "0.1.0"
CMETA_EXPORT const char *cmeta_version(void);

#ifdef __cplusplus
}
#endif
#endif
