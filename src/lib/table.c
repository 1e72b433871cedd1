/* table.c - trial records read from CSV (RFC 4180) with libcsv in strict mode.
 *
 * Positions. libcsv's callbacks say neither where a field starts nor on which line, so the
 * reader feeds libcsv one physical line at a time (each piece ends just after a '\r' or a
 * '\n', or at the end of the caller's chunk) and counts lines itself between pieces:
 *   - a line break is "\n", "\r\n" or a lone "\r"; the line counter moves after the piece
 *     holding the break has been parsed, so callbacks fired by the break see its own line;
 *   - a field that is not the first of its row starts just after the comma that ended the
 *     previous field, i.e. on the line current when the previous field's callback ran;
 *   - the first field of a row starts on the line of the first byte after the previous
 *     row's end that is not blank (space, tab, CR, LF), which the reader spots itself
 *     while libcsv is between rows (libcsv skips exactly those bytes there).
 * Columns are 1-based field indices within the row (not character offsets).
 *
 * Storage is linear in the input: all cell texts live in one growing arena (NUL-separated),
 * with one offset per cell (32 bits while the arena is under OFF32_LIMIT bytes, widened to
 * size_t once it grows past) and one start line per row; a cell starting on another line than
 * its row's first cell (after a quoted line break) is an exception kept in a short list
 * sorted by cell index (issue 15: 4 bytes per cell instead of 16).
 *
 * Fast path (issue 15, item 2): a complete physical line without a quote or a NUL, fed while
 * libcsv is between rows, is split here (memchr-free table scan, fields trimmed of spaces and
 * tabs as libcsv trims unquoted fields) and handed to the same callbacks libcsv would call,
 * with the same texts; everything else goes through libcsv. tests/test_table.c feeds files in
 * every chunk size, so both paths meet on every input there.
 */
#include <csv.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "numparse.h"

/* ---- column names and aliases (cli.md "Input CSV") ------------------------------------ */

typedef struct {
    const char *alias;
    const char *canonical;
} alias_entry;

/* Study-label aliases come first, in priority order (see cmeta_table_find). */
static const alias_entry aliases[] = {
    {"study", "study"}, {"label", "study"}, {"author", "study"}, {"trial", "study"},
    {"studlab", "study"},
    {"m1i", "m1i"}, {"mean1", "m1i"}, {"mean.e", "m1i"},
    {"sd1i", "sd1i"}, {"sd1", "sd1i"}, {"sd.e", "sd1i"},
    {"n1i", "n1i"}, {"n1", "n1i"}, {"n.e", "n1i"},
    {"m2i", "m2i"}, {"mean2", "m2i"}, {"mean.c", "m2i"},
    {"sd2i", "sd2i"}, {"sd2", "sd2i"}, {"sd.c", "sd2i"},
    {"n2i", "n2i"}, {"n2", "n2i"}, {"n.c", "n2i"},
    {"ai", "ai"}, {"event.e", "ai"}, {"events1", "ai"},
    {"bi", "bi"},
    {"ci", "ci"}, {"event.c", "ci"}, {"events2", "ci"},
    {"di", "di"},
    {"xi", "xi"}, {"events", "xi"},
    {"ni", "ni"}, {"n", "ni"},
    {"ri", "ri"},
    {"yi", "yi"}, {"te", "yi"},
    {"vi", "vi"},
    {"sei", "sei"}, {"sete", "sei"},
};
#define NALIASES (sizeof aliases / sizeof *aliases)

#define CMETA_TABLE_NAME_MAX 64 /* a --col name */
#ifndef CMETA_TABLE_OFF32_LIMIT /* a smaller value tests the widening (bench/README.md) */
#define CMETA_TABLE_OFF32_LIMIT UINT32_MAX
#endif

/* a cell that does not start on its row's first line (a quoted line break before it) */
typedef struct {
    size_t cell;
    long line;
} xline;
#define CMETA_TABLE_MAXMAP 64   /* --col mappings per table */

struct cmeta_table {
    char *name;
    size_t nrows, ncols;
    char **colnames;    /* ncols, owned */
    char *arena;        /* cell texts */
    uint32_t *off32;    /* nrows * ncols offsets into arena, or (arena past OFF32_LIMIT) */
    size_t *off64;      /* the same in size_t (exactly one of the two is used) */
    long *row_line;     /* nrows: start line of each row's first cell */
    xline *xl;          /* cells starting on another line, by cell index */
    size_t nxl;
    long header_line;
    long alias_col[NALIASES]; /* first column named aliases[i].alias, -1 when none: the
                               * lookups by canonical name cost O(1), not O(ncols) */
    char sep, decimal;        /* the field separator used and the decimal mark (format) */
    size_t nmap;              /* --col mappings (cmeta_table_map_column) */
    struct { char name[CMETA_TABLE_NAME_MAX]; long col; } map[CMETA_TABLE_MAXMAP];
};

struct cmeta_table_reader {
    struct csv_parser p;
    int p_ok;
    char *name;
    long line;            /* current physical line, 1-based */
    int prev_cr;          /* last byte seen was '\r' (a following '\n' is the same break) */
    long row_start_line;  /* line of the current row's first byte; 0 = row not begun */
    long field_line;      /* start line of the next field of the current row */
    unsigned char bom[3];
    size_t bom_n;
    int bom_done;
    /* current row */
    size_t nfields;
    int row_nonempty;
    size_t row_first_cell, row_arena_start;
    /* header */
    int have_header;
    char **hdr;
    size_t nhdr, hdr_cap;
    long header_line;
    long alias_col[NALIASES]; /* see struct cmeta_table */
    /* storage */
    char *arena;
    size_t alen, acap;
    uint32_t *off32;     /* see struct cmeta_table */
    size_t *off64;
    size_t ncell, ccap;
    long *row_line;
    size_t nrl, rlcap;   /* rows whose line is kept (nrows, + 1 while a row is read) */
    xline *xl;
    size_t nxl, xlcap;
    size_t nrows;
    /* Ctrl-C: polled once per line piece fed (cmeta_table_reader_set_interrupt) */
    volatile sig_atomic_t *interrupt;
    /* bytes the caller expects to feed (a regular file's size; 0: unknown), for reserve() */
    size_t expect;
    /* format: separator ('\0' until decided when sep_auto), decimal mark; with sep_auto the
     * bytes up to the end of the header line are held in pend and the separator decided from
     * them (cmeta_table_reader_set_format) */
    char sep, decimal;
    int sep_auto;
    char *pend;
    size_t plen, pcap;
    /* a failure seen inside a callback */
    int failed;
    cmeta_status st;
    cmeta_error err;
};

/* ---- column names and aliases --------------------------------------------------------- */

static long alias_index(const char *name)
{
    if (!name) return -1;
    for (size_t i = 0; i < NALIASES; i++)
        if (cmeta__strcasecmp(name, aliases[i].alias) == 0) return (long)i;
    return -1;
}

const char *cmeta_column_canonical(const char *name)
{
    long i = alias_index(name);
    return i < 0 ? NULL : aliases[i].canonical;
}

/* ---- small helpers ------------------------------------------------------------------ */

static int is_blank(int c) { return c == ' ' || c == '\t'; }

/* Offset of the first byte of s[0..n) that is not valid UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or n when all is valid. */
static size_t utf8_invalid_at(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c == 0xE0) need = 2, lo = 0xA0;
        else if (c >= 0xE1 && c <= 0xEC) need = 2;
        else if (c == 0xED) need = 2, hi = 0x9F;
        else if (c >= 0xEE && c <= 0xEF) need = 2;
        else if (c == 0xF0) need = 3, lo = 0x90;
        else if (c >= 0xF1 && c <= 0xF3) need = 3;
        else if (c == 0xF4) need = 3, hi = 0x8F;
        else return i;
        if (i + need >= n) return i;
        if (s[i + 1] < lo || s[i + 1] > hi) return i;
        for (size_t k = 2; k <= need; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
        i += need + 1;
    }
    return n;
}

/* Offset into the arena of cell i (row-major), and the line the cell starts on. */
static size_t cell_off(const cmeta_table *t, size_t i)
{
    return t->off64 ? t->off64[i] : t->off32[i];
}

static long cell_line(const cmeta_table *t, size_t i)
{
    size_t lo = 0, hi = t->nxl; /* the exceptions, sorted by cell */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->xl[mid].cell < i) lo = mid + 1;
        else hi = mid;
    }
    if (lo < t->nxl && t->xl[lo].cell == i) return t->xl[lo].line;
    return t->row_line[i / t->ncols];
}

/* Line breaks ("\n", "\r\n", lone "\r") in s[0..n). */
static long count_breaks(const char *s, size_t n)
{
    long b = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') b++;
        else if (s[i] == '\r' && (i + 1 >= n || s[i + 1] != '\n')) b++;
    }
    return b;
}

static void reader_fail(cmeta_table_reader *r, cmeta_status st, long line, long col,
                        const char *fmt, const char *arg)
{
    if (r->failed) return;
    r->failed = 1;
    r->st = st;
    cmeta_error_clear(&r->err);
    snprintf(r->err.file, sizeof r->err.file, "%s", r->name ? r->name : "");
    r->err.line = line;
    r->err.column = col;
    cmeta_error_set(&r->err, st, fmt, arg);
}

static void reader_fail_nomem(cmeta_table_reader *r)
{
    reader_fail(r, CMETA_ENOMEM, 0, 0, "%s", "out of memory while reading the file");
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem) return -1;
        nc *= 2;
    }
    void *q = cmeta_realloc(*p, nc * elem);
    if (!q) return -1;
    *p = q;
    *cap = nc;
    return 0;
}

/* Room for one more cell offset. */
static int grow_cells(cmeta_table_reader *r)
{
    if (r->ncell < r->ccap) return 0;
    size_t nc = r->ccap ? 2 * r->ccap : 256;
    if (nc > SIZE_MAX / sizeof(size_t) / 2) return -1;
    if (r->off64) {
        size_t *o = cmeta_realloc(r->off64, nc * sizeof *o);
        if (!o) return -1;
        r->off64 = o;
    } else {
        uint32_t *o = cmeta_realloc(r->off32, nc * sizeof *o);
        if (!o) return -1;
        r->off32 = o;
    }
    r->ccap = nc;
    return 0;
}

/* The arena is about to pass OFF32_LIMIT bytes: offsets from now on in size_t. */
static int widen_offsets(cmeta_table_reader *r)
{
    size_t cap = r->ccap ? r->ccap : 256;
    size_t *o = cmeta_malloc(cap * sizeof *o);
    if (!o) return -1;
    for (size_t i = 0; i < r->ncell; i++) o[i] = r->off32[i];
    cmeta_free(r->off32);
    r->off32 = NULL;
    r->off64 = o;
    r->ccap = cap;
    return 0;
}

/* Store cell text[0..len) (a field within the header's columns) starting on line `start`,
 * column col (0-based). */
static int store_cell(cmeta_table_reader *r, const char *text, size_t len, size_t col, long start)
{
    if (col == 0) {
        if (grow((void **)&r->row_line, &r->rlcap, r->nrl + 1, sizeof *r->row_line)) return -1;
        r->row_line[r->nrl++] = start;
    } else if (start != r->row_line[r->nrl - 1]) {
        if (grow((void **)&r->xl, &r->xlcap, r->nxl + 1, sizeof *r->xl)) return -1;
        r->xl[r->nxl].cell = r->ncell;
        r->xl[r->nxl++].line = start;
    }
    if (!r->off64 && r->alen + len + 1 > (size_t)CMETA_TABLE_OFF32_LIMIT && widen_offsets(r))
        return -1;
    if (grow_cells(r) || grow((void **)&r->arena, &r->acap, r->alen + len + 1, 1)) return -1;
    if (r->off64) r->off64[r->ncell] = r->alen;
    else r->off32[r->ncell] = (uint32_t)r->alen;
    r->ncell++;
    memcpy(r->arena + r->alen, text, len);
    r->arena[r->alen + len] = '\0';
    r->alen += len + 1;
    return 0;
}

/* ---- libcsv callbacks --------------------------------------------------------------- */

static void on_field(void *s, size_t len, void *data)
{
    cmeta_table_reader *r = data;
    if (r->failed) return;
    const char *text = s ? (const char *)s : "";
    if (!s) len = 0;
    long start = r->nfields == 0 ? (r->row_start_line ? r->row_start_line : r->line)
                                 : r->field_line;
    r->field_line = r->line;
    size_t col = r->nfields++;

    /* NUL bytes never get here: feed_bytes refuses them as they are read */
    size_t bad = utf8_invalid_at((const unsigned char *)text, len);
    if (bad < len) {
        char msg[96];
        snprintf(msg, sizeof msg, "invalid UTF-8 (byte 0x%02X): save the file as UTF-8",
                 (unsigned)(unsigned char)text[bad]);
        reader_fail(r, CMETA_EDATA, start + count_breaks(text, bad), (long)col + 1, "%s", msg);
        return;
    }

    if (!r->have_header) {
        /* header name: trim blanks (quoted names keep them in libcsv) */
        while (len && is_blank((unsigned char)text[0])) text++, len--;
        while (len && is_blank((unsigned char)text[len - 1])) len--;
        if (grow((void **)&r->hdr, &r->hdr_cap, r->nhdr + 1, sizeof *r->hdr)) {
            reader_fail_nomem(r);
            return;
        }
        char *name = cmeta_malloc(len + 1);
        if (!name) {
            reader_fail_nomem(r);
            return;
        }
        memcpy(name, text, len);
        name[len] = '\0';
        r->hdr[r->nhdr++] = name;
        return;
    }
    if (len) r->row_nonempty = 1;
    if (col >= r->nhdr) return; /* extra field: counted, reported at the row's end */
    if (store_cell(r, text, len, col, start)) reader_fail_nomem(r);
}

/* FNV-1a over the name folded to lower case (ASCII, as cmeta__strcasecmp folds). */
static size_t hash_folded(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) {
        unsigned c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
        h = (h ^ c) * 1099511628211ULL;
    }
    return (size_t)h;
}

static int looks_numeric(const char *s)
{
    double x;
    cmeta_status st = cmeta_parse_double(s, &x, NULL);
    return st == CMETA_OK;
}

static void finish_header(cmeta_table_reader *r)
{
    long hl = r->header_line;
    int all_numeric = 1;
    for (size_t j = 0; j < r->nhdr; j++) {
        if (!r->hdr[j][0]) {
            char msg[64];
            snprintf(msg, sizeof msg, "column %zu of the header has no name", j + 1);
            reader_fail(r, CMETA_EDATA, hl, (long)j + 1, "%s", msg);
            return;
        }
        if (!looks_numeric(r->hdr[j])) all_numeric = 0;
    }
    if (all_numeric) {
        reader_fail(r, CMETA_EDATA, hl, 1, "%s",
                    "no header row: the first row holds only numbers (it must name the columns)");
        return;
    }
    /* Duplicates in one pass (a file may have 100,000 columns): a hash set of the names
     * folded to lower case, and the first column of each canonical name. The first column j
     * that repeats an earlier one is reported, naming that earlier column: names before j are
     * all distinct, so there is at most one. */
    size_t n = r->nhdr, cap = 16;
    while (cap < 2 * n) cap *= 2;
    size_t *slot = cmeta_malloc(cap * sizeof *slot); /* column + 1, 0 = empty */
    if (!slot) {
        reader_fail_nomem(r);
        return;
    }
    memset(slot, 0, cap * sizeof *slot);
    const char *canon_seen[NALIASES];
    size_t canon_col[NALIASES], ncanon = 0;
    for (size_t a = 0; a < NALIASES; a++) r->alias_col[a] = -1;
    for (size_t j = 0; j < n; j++) {
        long aj = alias_index(r->hdr[j]);
        const char *cj = aj < 0 ? NULL : aliases[aj].canonical;
        if (aj >= 0 && r->alias_col[aj] < 0) r->alias_col[aj] = (long)j;
        long dup_i = -1;
        int same_name = 0;
        size_t h = hash_folded(r->hdr[j]) & (cap - 1);
        while (slot[h]) {
            if (cmeta__strcasecmp(r->hdr[slot[h] - 1], r->hdr[j]) == 0) break;
            h = (h + 1) & (cap - 1);
        }
        if (slot[h]) {
            dup_i = (long)slot[h] - 1;
            same_name = 1;
        } else {
            slot[h] = j + 1;
        }
        /* several label columns (e.g. author and trial) may coexist: the first by priority
         * labels the studies, the others are plain columns */
        if (cj && strcmp(cj, "study") != 0) {
            size_t c = 0;
            while (c < ncanon && strcmp(canon_seen[c], cj) != 0) c++;
            if (c < ncanon) {
                if (dup_i < 0) dup_i = (long)canon_col[c];
            } else {
                canon_seen[ncanon] = cj;
                canon_col[ncanon++] = j;
            }
        }
        if (dup_i >= 0) {
            char msg[1024];
            if (same_name)
                snprintf(msg, sizeof msg, "duplicated column name '%.300s' (also column %ld)",
                         r->hdr[j], dup_i + 1);
            else
                snprintf(msg, sizeof msg,
                         "duplicated column: '%.300s' and '%.300s' (column %ld) both give %s",
                         r->hdr[j], r->hdr[dup_i], dup_i + 1, cj);
            reader_fail(r, CMETA_EDATA, hl, (long)j + 1, "%s", msg);
            break;
        }
    }
    cmeta_free(slot);
}

/* Once the header is read: room for the whole file at once when its size is known, so that
 * the arena, the offsets and the row lines are not grown by doubling (each doubling copies the
 * array into fresh pages: for 10^6 rows ~17,000 page faults and a copy of ~70 MB). Bounds: the
 * arena holds at most the file's bytes plus one NUL (a cell's text is no longer than its field
 * and the separator or line break after it becomes the NUL); a row has nhdr cells and takes at
 * least nhdr bytes (nhdr - 1 separators and a line break). Cells are reserved for fields of
 * one byte or more (bytes / 2); a file of empty cells grows past that as before. Only a hint:
 * memory reserved but never written is not resident, and a failed reservation changes
 * nothing (growth by doubling goes on). */
static void reserve(cmeta_table_reader *r)
{
    if (!r->expect || !r->nhdr || r->off64 || r->expect >= (size_t)CMETA_TABLE_OFF32_LIMIT) return;
    size_t rows = r->expect / r->nhdr + 2, cells = r->expect / 2 + r->nhdr;
    if (cells > rows * r->nhdr) cells = rows * r->nhdr;
    (void)grow((void **)&r->arena, &r->acap, r->expect + 1, 1);
    (void)grow((void **)&r->row_line, &r->rlcap, rows, sizeof *r->row_line);
    if (r->ccap < cells) {
        uint32_t *o = cmeta_realloc(r->off32, cells * sizeof *o);
        if (o) {
            r->off32 = o;
            r->ccap = cells;
        }
    }
}

static void on_row(int c, void *data)
{
    (void)c;
    cmeta_table_reader *r = data;
    if (r->failed) return;
    if (!r->have_header) {
        r->have_header = 1;
        r->header_line = r->row_start_line ? r->row_start_line : r->line;
        finish_header(r);
        reserve(r);
    } else if (!r->row_nonempty) {
        /* a row of empty fields only (",,,"): not a study, skipped like a blank line */
        r->ncell = r->row_first_cell;
        r->alen = r->row_arena_start;
        r->nrl = r->nrows;
        while (r->nxl && r->xl[r->nxl - 1].cell >= r->row_first_cell) r->nxl--;
    } else if (r->nfields != r->nhdr) {
        char msg[128];
        snprintf(msg, sizeof msg, "row has %zu field%s, header has %zu", r->nfields,
                 r->nfields == 1 ? "" : "s", r->nhdr);
        long col = r->nfields > r->nhdr ? (long)r->nhdr + 1 : (long)r->nfields + 1;
        reader_fail(r, CMETA_EDATA, r->row_start_line ? r->row_start_line : r->line, col, "%s", msg);
        return;
    } else {
        r->nrows++;
    }
    r->nfields = 0;
    r->row_nonempty = 0;
    r->row_start_line = 0;
    r->row_first_cell = r->ncell;
    r->row_arena_start = r->alen;
}

/* ---- reader ------------------------------------------------------------------------- */

cmeta_table_reader *cmeta_table_reader_new(const char *name)
{
    cmeta_table_reader *r = cmeta_calloc(1, sizeof *r);
    if (!r) return NULL;
    r->name = cmeta_strdup(name ? name : "");
    if (!r->name) {
        cmeta_free(r);
        return NULL;
    }
    if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        cmeta_free(r->name);
        cmeta_free(r);
        return NULL;
    }
    csv_set_realloc_func(&r->p, cmeta_realloc);
    csv_set_free_func(&r->p, cmeta_free);
    r->p_ok = 1;
    r->line = 1;
    r->sep = ',';
    r->decimal = '.';
    return r;
}

void cmeta_table_reader_free(cmeta_table_reader *r)
{
    if (!r) return;
    if (r->p_ok) csv_free(&r->p);
    for (size_t j = 0; j < r->nhdr; j++) cmeta_free(r->hdr[j]);
    cmeta_free(r->hdr);
    cmeta_free(r->arena);
    cmeta_free(r->off32);
    cmeta_free(r->off64);
    cmeta_free(r->row_line);
    cmeta_free(r->xl);
    cmeta_free(r->name);
    cmeta_free(r->pend);
    cmeta_free(r);
}

static cmeta_status reader_error(cmeta_table_reader *r, cmeta_error *err)
{
    if (err) *err = r->err;
    return r->st;
}

/* Bytes that end the fast path's scan of a line: the line breaks, a quote and NUL. */
static const unsigned char line_stop[256] = {['\0'] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1};

/* The line s[0..n) (its break not included; no quote, no NUL in it), fed while libcsv is
 * between rows: the callbacks libcsv would make for it (libcsv 3.0.3, csv_parse with CSV_STRICT
 * and the default space and terminator tests). Between rows libcsv skips spaces and tabs (those
 * that are not the separator) and the line ends; once any other byte comes, a row begins, every
 * separator ends a field, the break ends the last field and the row. An unquoted field loses
 * its leading blanks (skipped before the field begins) and its trailing ones. */
static void fast_line(cmeta_table_reader *r, const char *s, size_t n)
{
    const unsigned char sep = (unsigned char)r->sep;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t') && (unsigned char)s[i] != sep) i++;
    if (i == n) return; /* a blank line: no row */
    for (size_t k = i; k < n; k++) /* the row starts on this line (feed_bytes' rule) */
        if (s[k] != ' ' && s[k] != '\t') { r->row_start_line = r->line; break; }
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t') && (unsigned char)s[i] != sep) i++;
        size_t b = i;
        const char *e = memchr(s + i, sep, n - i);
        size_t end = e ? (size_t)(e - s) : n, f = end;
        while (f > b && (s[f - 1] == ' ' || s[f - 1] == '\t')) f--;
        on_field((void *)(s + b), f - b, r);
        if (r->failed) return;
        if (!e) break;
        i = end + 1;
    }
    on_row('\n', r);
}

/* Feed bytes one line piece at a time (see the top of the file): to fast_line when it can
 * take the piece, else to libcsv. */
static cmeta_status feed_bytes(cmeta_table_reader *r, const char *s, size_t n, cmeta_error *err)
{
    size_t i = 0;
    while (i < n) {
        if (r->interrupt && *r->interrupt) { /* Ctrl-C: polled once per line piece */
            reader_fail(r, CMETA_EINTR, 0, 0, "%s", "interrupted while reading");
            return reader_error(r, err);
        }
        size_t j = i;
        while (j < n && !line_stop[(unsigned char)s[j]]) j++;
        if (j < n && (s[j] == '\n' || s[j] == '\r') && r->p.pstate == 0 /* between rows */) {
            fast_line(r, s + i, j - i);
            if (r->failed) return reader_error(r, err);
            if (s[j] == '\r') r->line++, r->prev_cr = 1;
            else {
                if (!r->prev_cr || j > i) r->line++;
                r->prev_cr = 0;
            }
            i = j + 1;
            continue;
        }
        while (j < n && s[j] != '\n' && s[j] != '\r') j++;
        int has_break = j < n;
        size_t end = has_break ? j + 1 : n;
        if (r->row_start_line == 0) {
            for (size_t k = i; k < end; k++) {
                int c = (unsigned char)s[k];
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                    r->row_start_line = r->line;
                    break;
                }
            }
        }
        /* A NUL byte is refused as soon as it is read, not when its field ends: a binary
         * file (/dev/zero) may never end a field. The bytes before it are parsed first, so
         * that the place reported is its own line and field. */
        const char *nul = memchr(s + i, '\0', end - i);
        if (nul) end = (size_t)(nul - s), has_break = 0;
        size_t got = csv_parse(&r->p, s + i, end - i, on_field, on_row, r);
        if (r->failed) return reader_error(r, err);
        if (nul && got == end - i) {
            reader_fail(r, CMETA_EDATA, r->line, (long)r->nfields + 1, "%s",
                        "NUL byte in the file (is it a text CSV file?)");
            return reader_error(r, err);
        }
        if (got < end - i) {
            int e = csv_error(&r->p);
            if (e == CSV_ENOMEM || e == CSV_ETOOBIG) {
                reader_fail_nomem(r);
            } else {
                unsigned char c = (unsigned char)s[i + got];
                reader_fail(r, CMETA_EDATA, r->line, (long)r->nfields + 1, "%s",
                            c == '"' ? "stray quote in an unquoted field (put the whole field in "
                                       "quotes and double any quote inside it)"
                                     : "unexpected text after a closing quote");
            }
            return reader_error(r, err);
        }
        if (has_break) {
            if (s[j] == '\r') r->line++, r->prev_cr = 1;
            else {
                if (!r->prev_cr || j > i) r->line++;
                r->prev_cr = 0;
            }
        } else {
            r->prev_cr = 0;
        }
        i = end;
    }
    return CMETA_OK;
}

/* ---- separator and decimal mark (--sep, --decimal) ------------------------------------- */

/* --sep auto: the header line is the first line holding more than blanks (line breaks inside
 * quotes belong to the line). Its separator is whichever of ',' ';' and tab occurs most often
 * in it outside quotes; a comma on a tie or when none occurs (a file of one column). Returns 0
 * while the header line is not complete (unless final). */
static int header_sep(const char *s, size_t n, int final, char *sep)
{
    size_t i, nc = 0, ns = 0, nt = 0;
    int inq = 0, seen = 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"') inq = !inq, seen = 1;
        else if (inq) continue;
        else if (c == '\n' || c == '\r') {
            if (seen) break;
        } else if (c == ',') nc++, seen = 1;
        else if (c == ';') ns++, seen = 1;
        else if (c == '\t') nt++;
        else if (c != ' ') seen = 1;
    }
    if (i == n && !final) return 0;
    *sep = ns > nc && ns >= nt ? ';' : nt > nc && nt > ns ? '\t' : ',';
    return 1;
}

static cmeta_status sep_decimal_clash(cmeta_table_reader *r, int detected, cmeta_error *err)
{
    reader_fail(r, CMETA_EUSAGE, detected ? r->header_line ? r->header_line : 1 : 0, 0, "%s",
                detected ? "--decimal , needs fields separated by ';' or tabs, and the header line "
                           "is separated by commas (use --sep ; or --sep tab if it is not)"
                         : "--decimal , needs a separator other than a comma (--sep ; or --sep tab)");
    return reader_error(r, err);
}

static cmeta_status decide_sep(cmeta_table_reader *r, char sep, cmeta_error *err)
{
    r->sep = sep;
    csv_set_delim(&r->p, (unsigned char)sep);
    if (sep == ',' && r->decimal == ',') return sep_decimal_clash(r, 1, err);
    char *held = r->pend;
    size_t n = r->plen;
    r->pend = NULL;
    r->plen = r->pcap = 0;
    cmeta_status st = n ? feed_bytes(r, held, n, err) : CMETA_OK;
    cmeta_free(held);
    return st;
}

static cmeta_status feed_fmt(cmeta_table_reader *r, const char *s, size_t n, cmeta_error *err)
{
    if (!r->sep_auto || r->sep) return feed_bytes(r, s, n, err);
    if (!n) return CMETA_OK;
    if (r->interrupt && *r->interrupt) {
        reader_fail(r, CMETA_EINTR, 0, 0, "%s", "interrupted while reading");
        return reader_error(r, err);
    }
    if (grow((void **)&r->pend, &r->pcap, r->plen + n, 1)) {
        reader_fail_nomem(r);
        return reader_error(r, err);
    }
    memcpy(r->pend + r->plen, s, n);
    r->plen += n;
    char sep;
    /* a NUL byte (a binary file, /dev/zero) is refused by feed_bytes as soon as it is read,
     * and a header line of 16 MB is as good as complete: decide from what is held */
    int now = memchr(s, '\0', n) != NULL || r->plen > ((size_t)1 << 24);
    if (!header_sep(r->pend, r->plen, now, &sep)) return CMETA_OK;
    return decide_sep(r, sep, err);
}

cmeta_status cmeta_table_reader_set_format(cmeta_table_reader *r, char sep, char decimal,
                                           cmeta_error *err)
{
    if (!r) return cmeta_error_set(err, CMETA_EUSAGE, "no reader");
    if ((sep && sep != ',' && sep != ';' && sep != '\t') || (decimal != '.' && decimal != ','))
        return cmeta_error_set(err, CMETA_EUSAGE, "unknown separator or decimal mark");
    r->decimal = decimal;
    r->sep_auto = sep == 0;
    r->sep = sep;
    if (sep) {
        csv_set_delim(&r->p, (unsigned char)sep);
        if (sep == ',' && decimal == ',') return sep_decimal_clash(r, 0, err);
    }
    return CMETA_OK;
}

size_t cmeta__decimal_comma_at(const char *s)
{
    const char *p = s;
    while (is_blank((unsigned char)*p)) p++;
    if (*p == '+' || *p == '-') p++;
    size_t nd = 0;
    while (*p >= '0' && *p <= '9') p++, nd++;
    if (*p != ',') return 0;
    size_t at = (size_t)(p - s) + 1;
    p++;
    while (*p >= '0' && *p <= '9') p++, nd++;
    if (!nd) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    while (is_blank((unsigned char)*p)) p++;
    return *p ? 0 : at;
}

/* --decimal ,: every cell that reads as a number with a decimal comma gets a point instead
 * (in place: the same length), so that every reader of numbers sees one notation. A number
 * written with a point is refused: in such a file "1.500" may be a thousands separator. */
static cmeta_status decimal_commas(cmeta_table *t, cmeta_error *err)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++) {
        char *cell = t->arena + cell_off(t, i);
        size_t at = cmeta__decimal_comma_at(cell);
        if (at) {
            cell[at - 1] = '.';
            continue;
        }
        if (strchr(cell, '.') && cmeta_parse_double(cell, NULL, NULL) == CMETA_OK) {
            if (err) {
                cmeta_error_clear(err);
                snprintf(err->file, sizeof err->file, "%s", t->name);
                err->line = cell_line(t, i);
                err->column = (long)(i % t->ncols) + 1;
            }
            return cmeta_error_set(err, CMETA_EDATA,
                                   "'%.40s' has a decimal point, and --decimal , says numbers use a "
                                   "comma (a point may be a thousands separator here: write the "
                                   "number with a comma)", cell);
        }
    }
    return CMETA_OK;
}

char cmeta_table_separator(const cmeta_table *t) { return t ? t->sep : ','; }
char cmeta_table_decimal(const cmeta_table *t) { return t ? t->decimal : '.'; }

cmeta_status cmeta_table_reader_feed(cmeta_table_reader *r, const char *data, size_t len,
                                     cmeta_error *err)
{
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    if (!r || (!data && len)) return cmeta_error_set(err, CMETA_EUSAGE, "no reader or no data");
    if (r->failed) return reader_error(r, err);
    /* hold back a possible UTF-8 byte-order mark at the very start */
    while (!r->bom_done && len > 0) {
        if ((unsigned char)data[0] == bom[r->bom_n]) {
            r->bom[r->bom_n++] = (unsigned char)data[0];
            data++, len--;
            /* dropped; and so is a second one: a tool that prepends a BOM without looking
             * (e.g. PowerShell 5's Out-File -Encoding utf8 on a file that had one) leaves
             * two, and the invisible U+FEFF would otherwise hide the first column's name */
            if (r->bom_n == 3) r->bom_n = 0;
        } else {
            r->bom_done = 1;
            if (r->bom_n) {
                size_t held = r->bom_n;
                r->bom_n = 0;
                cmeta_status st = feed_fmt(r, (const char *)r->bom, held, err);
                if (st != CMETA_OK) return st;
            }
        }
    }
    return feed_fmt(r, data, len, err);
}

cmeta_status cmeta_table_reader_finish(cmeta_table_reader *r, cmeta_table **out,
                                       cmeta_error *err)
{
    if (!r || !out) return cmeta_error_set(err, CMETA_EUSAGE, "no reader or no output");
    *out = NULL;
    if (r->failed) return reader_error(r, err);
    if (!r->bom_done && r->bom_n) {
        size_t held = r->bom_n;
        r->bom_done = 1;
        r->bom_n = 0;
        cmeta_status st = feed_fmt(r, (const char *)r->bom, held, err);
        if (st != CMETA_OK) return st;
    }
    r->bom_done = 1;
    if (r->sep_auto && !r->sep) {
        char sep;
        (void)header_sep(r->pend, r->plen, 1, &sep);
        cmeta_status st = decide_sep(r, sep, err);
        if (st != CMETA_OK) return st;
    }
    if (csv_fini(&r->p, on_field, on_row, r) != 0 && !r->failed) {
        if (csv_error(&r->p) == CSV_EPARSE) {
            long start = r->nfields == 0 ? (r->row_start_line ? r->row_start_line : r->line)
                                         : r->field_line;
            reader_fail(r, CMETA_EDATA, start, (long)r->nfields + 1, "%s",
                        "unterminated quoted field: the quote opened here is never closed");
        } else {
            reader_fail_nomem(r);
        }
    }
    if (r->failed) return reader_error(r, err);
    if (!r->have_header) {
        reader_fail(r, CMETA_EDATA, 1, 0, "%s", "the file is empty: expected a header row");
        return reader_error(r, err);
    }
    cmeta_table *t = cmeta_calloc(1, sizeof *t);
    if (!t) {
        reader_fail_nomem(r);
        return reader_error(r, err);
    }
    t->name = r->name;
    r->name = NULL;
    t->ncols = r->nhdr;
    t->colnames = r->hdr;
    r->hdr = NULL;
    r->nhdr = 0;
    t->nrows = r->nrows;
    t->arena = r->arena;
    t->off32 = r->off32;
    t->off64 = r->off64;
    t->row_line = r->row_line;
    t->xl = r->xl;
    t->nxl = r->nxl;
    t->header_line = r->header_line;
    memcpy(t->alias_col, r->alias_col, sizeof t->alias_col);
    t->sep = r->sep ? r->sep : ',';
    t->decimal = r->decimal;
    r->arena = NULL;
    r->off32 = NULL;
    r->off64 = NULL;
    r->row_line = NULL;
    r->xl = NULL;
    if (t->decimal == ',') {
        cmeta_status st = decimal_commas(t, err);
        if (st != CMETA_OK) {
            cmeta_table_free(t);
            return st;
        }
    }
    *out = t;
    return CMETA_OK;
}

void cmeta_table_free(cmeta_table *t)
{
    if (!t) return;
    for (size_t j = 0; j < t->ncols; j++) cmeta_free(t->colnames[j]);
    cmeta_free(t->colnames);
    cmeta_free(t->arena);
    cmeta_free(t->off32);
    cmeta_free(t->off64);
    cmeta_free(t->row_line);
    cmeta_free(t->xl);
    cmeta_free(t->name);
    cmeta_free(t);
}

void cmeta_table_reader_set_interrupt(cmeta_table_reader *r, volatile sig_atomic_t *flag)
{
    if (r) r->interrupt = flag;
}

static cmeta_status read_stream(FILE *fp, const char *name, char sep, char decimal,
                                volatile sig_atomic_t *flag, cmeta_table **out, cmeta_error *err)
{
    if (!out) return cmeta_error_set(err, CMETA_EUSAGE, "no output table");
    *out = NULL;
    cmeta_table_reader *r = cmeta_table_reader_new(name);
    if (!r) return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    r->interrupt = flag;
    cmeta_status fst = cmeta_table_reader_set_format(r, sep, decimal, err);
    if (fst != CMETA_OK) {
        cmeta_table_reader_free(r);
        return fst;
    }
    char *buf = cmeta_malloc(1 << 16);
    if (!buf) {
        cmeta_table_reader_free(r);
        return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    }
    struct stat sb;
    long at = ftell(fp);
    if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode) && at >= 0 && sb.st_size > at &&
        (uintmax_t)(sb.st_size - at) < (uintmax_t)SIZE_MAX)
        r->expect = (size_t)(sb.st_size - at);
    cmeta_status st = CMETA_OK;
    for (;;) {
        size_t n = fread(buf, 1, 1 << 16, fp);
        if (n > 0) {
            st = cmeta_table_reader_feed(r, buf, n, err);
            if (st != CMETA_OK) break;
        }
        if (flag && *flag) {
            reader_fail(r, CMETA_EINTR, 0, 0, "%s", "interrupted while reading");
            st = reader_error(r, err);
            break;
        }
        if (n > 0) continue;
        /* a read cut short by a signal that asked for nothing (no interrupt) goes on */
        if (ferror(fp) && errno == EINTR) {
            clearerr(fp);
            continue;
        }
        break;
    }
    if (st == CMETA_OK && ferror(fp)) {
        int e = errno;
        if (err) {
            cmeta_error_clear(err);
            snprintf(err->file, sizeof err->file, "%s", name ? name : "");
        }
        st = cmeta_error_set(err, CMETA_EIO, "read error: %s", e ? strerror(e) : "unknown");
    }
    if (st == CMETA_OK) st = cmeta_table_reader_finish(r, out, err);
    cmeta_free(buf);
    cmeta_table_reader_free(r);
    return st;
}

cmeta_status cmeta_table_read_stream(FILE *fp, const char *name, cmeta_table **out,
                                     cmeta_error *err)
{
    return read_stream(fp, name, ',', '.', NULL, out, err);
}

cmeta_status cmeta_table_read_file_intr(const char *path, volatile sig_atomic_t *flag,
                                        cmeta_table **out, cmeta_error *err)
{
    return cmeta_table_read_file_fmt(path, ',', '.', flag, out, err);
}

cmeta_status cmeta_table_read_file_fmt(const char *path, char sep, char decimal,
                                       volatile sig_atomic_t *flag, cmeta_table **out,
                                       cmeta_error *err)
{
    if (!path || !out) return cmeta_error_set(err, CMETA_EUSAGE, "no file name");
    if (strcmp(path, "-") == 0) return read_stream(stdin, "<stdin>", sep, decimal, flag, out, err);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        int e = errno;
        if (err) {
            cmeta_error_clear(err);
            snprintf(err->file, sizeof err->file, "%s", path);
        }
        return cmeta_error_set(err, CMETA_EIO, "cannot open: %s", strerror(e));
    }
    cmeta_status st = read_stream(fp, path, sep, decimal, flag, out, err);
    fclose(fp);
    return st;
}

cmeta_status cmeta_table_read_file(const char *path, cmeta_table **out, cmeta_error *err)
{
    return cmeta_table_read_file_intr(path, NULL, out, err);
}

/* ---- accessors ---------------------------------------------------------------------- */

const char *cmeta_table_name(const cmeta_table *t) { return t ? t->name : ""; }
size_t cmeta_table_nrows(const cmeta_table *t) { return t ? t->nrows : 0; }
size_t cmeta_table_ncols(const cmeta_table *t) { return t ? t->ncols : 0; }

const char *cmeta_table_colname(const cmeta_table *t, size_t col)
{
    return t && col < t->ncols ? t->colnames[col] : "";
}

const char *cmeta_table_cell(const cmeta_table *t, size_t row, size_t col)
{
    if (!t || row >= t->nrows || col >= t->ncols) return "";
    return t->arena + cell_off(t, row * t->ncols + col);
}

/* The arena holds the cells in order with nothing between them (store_cell is the only writer
 * of offsets, and appends): row i runs from its first cell to the next row's first cell. */
size_t cmeta__table_row_text(const cmeta_table *t, size_t row, const char **text)
{
    if (!t || row >= t->nrows || !t->ncols) return 0;
    size_t nc = t->ncols, a = cell_off(t, row * nc);
    size_t b = row + 1 < t->nrows ? cell_off(t, (row + 1) * nc) : cell_off(t, (row + 1) * nc - 1) +
                   strlen(t->arena + cell_off(t, (row + 1) * nc - 1)) + 1;
    *text = t->arena + a;
    return b - a;
}

long cmeta_table_cell_line(const cmeta_table *t, size_t row, size_t col)
{
    if (!t || row >= t->nrows || col >= t->ncols) return 0;
    return cell_line(t, row * t->ncols + col);
}

long cmeta_table_row_line(const cmeta_table *t, size_t row) { return cmeta_table_cell_line(t, row, 0); }

long cmeta_table_header_line(const cmeta_table *t) { return t ? t->header_line : 0; }

/* ---- --col mappings ------------------------------------------------------------------ */

/* The name a mapping is kept under: the canonical name of a known column ("sd.e" -> "sd1i"),
 * else the name as given (a moderator, a subgroup, a column another reader looks for). */
static const char *map_key(const char *name)
{
    const char *c = cmeta_column_canonical(name);
    return c ? c : name;
}

static long mapped(const cmeta_table *t, const char *name)
{
    const char *key = map_key(name);
    for (size_t i = 0; i < t->nmap; i++)
        if (cmeta__strcasecmp(t->map[i].name, key) == 0) return t->map[i].col;
    return -1;
}

static int is_mapped_col(const cmeta_table *t, long col)
{
    for (size_t i = 0; i < t->nmap; i++)
        if (t->map[i].col == col) return 1;
    return 0;
}

cmeta_status cmeta_table_map_column(cmeta_table *t, const char *name, const char *column,
                                    cmeta_error *err)
{
    if (!t || !name || !column || !*name || !*column)
        return cmeta_error_set(err, CMETA_EUSAGE, "--col needs NAME=COLUMN");
    const char *key = map_key(name);
    if (strlen(key) >= CMETA_TABLE_NAME_MAX)
        return cmeta_error_set(err, CMETA_EUSAGE, "--col %.40s...: name too long", key);
    long col = -1;
    for (size_t j = 0; j < t->ncols && col < 0; j++)
        if (cmeta__strcasecmp(t->colnames[j], column) == 0) col = (long)j;
    if (err) {
        cmeta_error_clear(err);
        snprintf(err->file, sizeof err->file, "%s", t->name);
    }
    if (col < 0) {
        char cols[400];
        size_t u = 0;
        cols[0] = '\0';
        for (size_t j = 0; j < t->ncols && u < sizeof cols; j++)
            u += (size_t)snprintf(cols + u, sizeof cols - u, "%s%s", j ? ", " : "", t->colnames[j]);
        if (u >= sizeof cols) memcpy(cols + sizeof cols - 5, "...", 4);
        return cmeta_error_set(err, CMETA_EUSAGE,
                               "--col %s=%s: the header has no column '%s' (columns: %s)", name,
                               column, column, cols);
    }
    for (size_t i = 0; i < t->nmap; i++) {
        if (cmeta__strcasecmp(t->map[i].name, key) == 0 && t->map[i].col == col) {
            if (err) cmeta_error_clear(err);
            return CMETA_OK; /* the same mapping again */
        }
        if (cmeta__strcasecmp(t->map[i].name, key) == 0)
            return cmeta_error_set(err, CMETA_EUSAGE, "--col maps %s twice (to '%s' and '%s')", key,
                                   t->colnames[t->map[i].col], column);
        if (t->map[i].col == col)
            return cmeta_error_set(err, CMETA_EUSAGE,
                                   "--col maps %s and %s to one column '%s' (a column gives one value)",
                                   t->map[i].name, key, column);
    }
    if (t->nmap >= CMETA_TABLE_MAXMAP)
        return cmeta_error_set(err, CMETA_EUSAGE, "--col: more than %d mappings",
                               CMETA_TABLE_MAXMAP);
    snprintf(t->map[t->nmap].name, sizeof t->map[t->nmap].name, "%s", key);
    t->map[t->nmap++].col = col;
    if (err) cmeta_error_clear(err);
    return CMETA_OK;
}

long cmeta_table_find_raw(const cmeta_table *t, const char *name)
{
    if (!t || !name) return -1;
    if (t->nmap) {
        long m = mapped(t, name);
        if (m >= 0) return m;
    }
    long a = alias_index(name);
    if (a >= 0) return t->alias_col[a];
    for (size_t j = 0; j < t->ncols; j++)
        if (cmeta__strcasecmp(t->colnames[j], name) == 0) return (long)j;
    return -1;
}

long cmeta_table_find(const cmeta_table *t, const char *canonical)
{
    if (!t || !canonical) return -1;
    const char *want = cmeta_column_canonical(canonical);
    if (!want) return cmeta_table_find_raw(t, canonical);
    if (t->nmap) {
        /* a mapped name is its column; a column mapped to another name gives nothing else */
        long m = mapped(t, want);
        if (m >= 0) return m;
        for (size_t j = 0; j < t->ncols; j++) {
            if (is_mapped_col(t, (long)j)) continue;
            long a = alias_index(t->colnames[j]);
            if (a < 0 || strcmp(aliases[a].canonical, want) != 0) continue;
            if (strcmp(want, "study") != 0) return (long)j;
            /* label columns in priority order */
            long best = -1, best_a = -1;
            for (size_t k = j; k < t->ncols; k++) {
                long ak = is_mapped_col(t, (long)k) ? -1 : alias_index(t->colnames[k]);
                if (ak >= 0 && strcmp(aliases[ak].canonical, "study") == 0 && (best < 0 || ak < best_a))
                    best = (long)k, best_a = ak;
            }
            return best;
        }
        return -1;
    }
    if (strcmp(want, "study") == 0) {
        /* label columns in priority order: study, label, author, trial, studlab */
        for (size_t i = 0; i < NALIASES && strcmp(aliases[i].canonical, "study") == 0; i++)
            if (t->alias_col[i] >= 0) return t->alias_col[i];
        return -1;
    }
    /* the first column, by position, whose name is one of want's aliases */
    long best = -1;
    for (size_t i = 0; i < NALIASES; i++)
        if (strcmp(aliases[i].canonical, want) == 0 && t->alias_col[i] >= 0 &&
            (best < 0 || t->alias_col[i] < best))
            best = t->alias_col[i];
    return best;
}

/* ---- cells -------------------------------------------------------------------------- */

int cmeta_cell_is_missing(const char *cell)
{
    if (!cell) return 1;
    while (is_blank((unsigned char)*cell)) cell++;
    size_t n = strlen(cell);
    while (n && is_blank((unsigned char)cell[n - 1])) n--;
    if (n == 0) return 1;
    return n == 2 && (cell[0] == 'N' || cell[0] == 'n') && (cell[1] == 'A' || cell[1] == 'a');
}

/* Syntax checked here: [blanks][+|-](digits[.digits*] | .digits)[(e|E)[+|-]digits][blanks].
 * Its value is cmeta__decimal_value's (numparse.c: strtod's result, correctly rounded in glibc,
 * independent of the locale's radix). Nothing is formatted unless the cell is bad: the
 * cell as shown in a message (at most 63 bytes, "..." when cut) is built only then. */
static void shown_cell(char shown[64], const char *s)
{
    snprintf(shown, 64, "%s", s);
    if (strlen(s) >= 64) memcpy(shown + 64 - 4, "...", 4);
}

cmeta_status cmeta_parse_double(const char *cell, double *out, cmeta_error *err)
{
    const char *s = cell ? cell : "";
    char shown[64];

    const char *p = s;
    while (is_blank((unsigned char)*p)) p++;
    if (!*p) return cmeta_error_set(err, CMETA_EDATA, "an empty cell is not a number");
    int neg = 0;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    /* the significant digits (leading zeros dropped) are gathered in m as they are checked,
     * for cmeta__decimal_fast: nsig <= 19 means m holds them all (< 10^19 < 2^64) */
    uint64_t m = 0;
    size_t nsig = 0;
    const char *int_start = p;
    for (; *p >= '0' && *p <= '9'; p++)
        if (m || *p != '0') m = nsig++ < 19 ? m * 10 + (uint64_t)(*p - '0') : m;
    const char *int_end = p;
    const char *frac_start = p, *frac_end = p;
    if (*p == '.') {
        frac_start = ++p;
        for (; *p >= '0' && *p <= '9'; p++)
            if (m || *p != '0') m = nsig++ < 19 ? m * 10 + (uint64_t)(*p - '0') : m;
        frac_end = p;
    }
    size_t nint = (size_t)(int_end - int_start), nfrac = (size_t)(frac_end - frac_start);
    long long exp10 = 0;
    int ok = nint + nfrac > 0;
    if (ok && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (*p == '+' || *p == '-') eneg = *p++ == '-';
        if (!(*p >= '0' && *p <= '9')) ok = 0;
        while (*p >= '0' && *p <= '9') {
            if (exp10 < 100000000LL) exp10 = exp10 * 10 + (*p - '0');
            p++;
        }
        if (eneg) exp10 = -exp10;
    }
    while (is_blank((unsigned char)*p)) p++;
    if (!ok || *p) {
        /* name the common cases */
        shown_cell(shown, s);
        const char *q = s;
        while (is_blank((unsigned char)*q)) q++;
        if (*q == '+' || *q == '-') q++;
        if (!cmeta__strcasecmp(q, "inf") || !cmeta__strcasecmp(q, "infinity") ||
            !cmeta__strcasecmp(q, "nan"))
            return cmeta_error_set(err, CMETA_EDATA, "'%s' is not a finite number", shown);
        if (strchr(s, ',') && !strchr(s, '.'))
            return cmeta_error_set(err, CMETA_EDATA,
                                   "'%s' is not a number (use '.' as the decimal point)", shown);
        return cmeta_error_set(err, CMETA_EDATA, "'%s' is not a number", shown);
    }
    double x;
    if (nsig == 0) {
        if (out) *out = neg ? -0.0 : 0.0;
        return CMETA_OK;
    }
    if (nsig <= 19 && cmeta__decimal_fast(neg, m, exp10 - (long long)nfrac, &x)) {
        if (out) *out = x;
        return CMETA_OK;
    }
    int r = cmeta__decimal_value(neg, int_start, int_end, frac_start, frac_end, exp10, &x);
    if (r < 0) return cmeta_error_set(err, CMETA_ENOMEM, "out of memory");
    if (r > 0) {
        shown_cell(shown, s);
        return cmeta_error_set(err, CMETA_EDATA, "'%s' is too large for a number", shown);
    }
    if (out) *out = x;
    return CMETA_OK;
}
