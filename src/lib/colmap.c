/* colmap.c - what to say when no measure fits a file's columns (issue 16): the columns found,
 * the kinds of data that come closest and what each still lacks, and a --col line to start
 * from, its columns guessed from the names of the file (MSC_mean -> m1i, Ctrl_sd -> sd2i).
 * The guess is a starting point for the user, never applied by itself.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* what a column name suggests */
enum { K_NONE, K_MEAN, K_SD, K_N, K_EVENT, K_YI, K_VI, K_SE, K_R };

typedef struct {
    const char *what;      /* the kind of data and its measures */
    const char *need[7];   /* canonical names, NULL-terminated */
    int kind[7];           /* what each is guessed from */
    int group[7];          /* 1 treatment, 2 control, 0 either */
} family_need;

static const family_need families[] = {
    {"two groups' means (SMD MD ROM ...)",
     {"m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i", NULL},
     {K_MEAN, K_SD, K_N, K_MEAN, K_SD, K_N}, {1, 1, 1, 2, 2, 2}},
    {"2x2 tables (OR RR RD ...)", {"ai", "n1i", "ci", "n2i", NULL}, {K_EVENT, K_N, K_EVENT, K_N}, {1, 1, 2, 2}},
    {"pre/post means (MC SMCR ..., with ri or --ri)", {"m1i", "sd1i", "m2i", "sd2i", "ni", NULL},
     {K_MEAN, K_SD, K_MEAN, K_SD, K_N}, {1, 1, 2, 2, 0}},
    {"proportions (PR PLO ...)", {"xi", "ni", NULL}, {K_EVENT, K_N}, {0, 0}},
    {"correlations (COR ZCOR)", {"ri", "ni", NULL}, {K_R, K_N}, {0, 0}},
    {"effect sizes (GEN)", {"yi", "vi", NULL}, {K_YI, K_VI}, {0, 0}},
};
#define NFAM (sizeof families / sizeof *families)

/* the words of a name, lower case, split at anything not a letter or digit */
static int has_word(const char *name, const char *const *words)
{
    char w[64];
    const char *p = name;
    while (*p) {
        size_t n = 0;
        while (*p && !isalnum((unsigned char)*p)) p++;
        while (*p && isalnum((unsigned char)*p)) {
            if (n + 1 < sizeof w) w[n++] = (char)tolower((unsigned char)*p);
            p++;
        }
        w[n] = '\0';
        if (!n) continue;
        for (const char *const *x = words; *x; x++)
            if (strcmp(w, *x) == 0) return 1;
    }
    return 0;
}

static int kind_of(const char *name)
{
    static const char *const mean[] = {"mean", "means", "avg", "average", "m", "mu", NULL};
    static const char *const sd[] = {"sd", "std", "stdev", "sdev", "s", NULL};
    static const char *const n[] = {"n", "size", "total", "num", "count", NULL};
    static const char *const ev[] = {"events", "event", "cases", "deaths", "responders", "x", NULL};
    static const char *const yi[] = {"es", "effect", "smd", "lnor", "logor", "lnrr", NULL};
    static const char *const vi[] = {"var", "variance", NULL};
    static const char *const se[] = {"se", "stderr", NULL};
    static const char *const r[] = {"r", "cor", "corr", "correlation", NULL};
    if (has_word(name, sd)) return K_SD;
    if (has_word(name, mean)) return K_MEAN;
    if (has_word(name, ev)) return K_EVENT;
    if (has_word(name, n)) return K_N;
    if (has_word(name, se)) return K_SE;
    if (has_word(name, vi)) return K_VI;
    if (has_word(name, yi)) return K_YI;
    if (has_word(name, r)) return K_R;
    return K_NONE;
}

static int control_word(const char *name)
{
    static const char *const c[] = {"control", "ctrl", "ctl", "c", "placebo", "pbo", "cont", "comparator",
                                    "usual", "pre", "baseline", "before", "2", NULL};
    return has_word(name, c);
}

/* For family f: which of its names the file gives (found), and a guessed column for the
 * others (guess[i] >= 0), each column used once. Returns found + guessed. */
static int plan_family(const cmeta_table *t, const family_need *f, long *col, long *guess)
{
    size_t nc = cmeta_table_ncols(t);
    int score = 0;
    unsigned char used[256] = {0}; /* the first 256 columns are guessed from */
    for (int i = 0; f->need[i]; i++) {
        col[i] = cmeta_table_find(t, f->need[i]);
        if (col[i] >= 0 && col[i] < 256) used[col[i]] = 1;
        if (col[i] >= 0) score++;
    }
    for (int pass = 0; pass < 2; pass++) /* first by a control/treatment word, then by order */
        for (int i = 0; f->need[i]; i++) {
            if (pass == 0) guess[i] = -1;
            if (col[i] >= 0 || guess[i] >= 0) continue;
            for (size_t j = 0; j < nc && j < 256; j++) {
                const char *name = cmeta_table_colname(t, j);
                if (used[j] || cmeta_column_canonical(name) || kind_of(name) != f->kind[i]) continue;
                int ctl = control_word(name);
                if (pass == 0 && f->group[i] && ctl != (f->group[i] == 2)) continue;
                guess[i] = (long)j;
                used[j] = 1;
                score++;
                break;
            }
        }
    return score;
}

void cmeta__no_measure_message(const cmeta_table *t, int family, const char *head, char *msg,
                               size_t n)
{
    size_t u = 0;
#define PUT(...) (u += u < n ? (size_t)snprintf(msg + u, n - u, __VA_ARGS__) : 0)
    PUT("%s (", head);
    size_t nc = cmeta_table_ncols(t);
    for (size_t j = 0; j < nc && u < n / 3; j++) PUT("%s%s", j ? ", " : "", cmeta_table_colname(t, j));
    if (u >= n / 3) PUT(", ...");
    PUT(")");
    /* the families by how much of them the file gives or suggests */
    int score[NFAM], order[NFAM];
    long col[NFAM][7], guess[NFAM][7];
    for (size_t f = 0; f < NFAM; f++) {
        score[f] = plan_family(t, &families[f], col[f], guess[f]);
        order[f] = (int)f;
    }
    for (size_t a = 1; a < NFAM; a++) /* stable: ties keep the list's order */
        for (size_t b = a; b > 0 && score[order[b]] > score[order[b - 1]]; b--) {
            int x = order[b];
            order[b] = order[b - 1];
            order[b - 1] = x;
        }
    static const int fam_index[] = {[CMETA_FAMILY_CONT2] = 0, [CMETA_FAMILY_BIN2] = 1,
                                    [CMETA_FAMILY_PREPOST] = 2, [CMETA_FAMILY_PROP] = 3,
                                    [CMETA_FAMILY_COR] = 4, [CMETA_FAMILY_GEN] = 5};
    if (family >= 0 && (size_t)family < sizeof fam_index / sizeof *fam_index) {
        /* the measure is given: its own columns */
        int fi = fam_index[family];
        for (size_t a = 0; a < NFAM; a++)
            if (order[a] == fi) {
                memmove(order + 1, order, a * sizeof *order);
                order[0] = fi;
            }
    } else {
        PUT("; closest:");
    }
    for (int r = 0; r < (family >= 0 ? 0 : 3); r++) {
        const family_need *f = &families[order[r]];
        PUT("%s %s lacks", r ? ";" : "", f->what);
        for (int i = 0; f->need[i]; i++)
            if (col[order[r]][i] < 0) PUT(" %s", f->need[i]);
    }
    const family_need *f = &families[order[0]];
    PUT("; start from --col ");
    int first = 1;
    for (int i = 0; f->need[i]; i++) {
        if (col[order[0]][i] >= 0) continue;
        long g = guess[order[0]][i];
        PUT("%s%s=%s", first ? "" : ",", f->need[i], g >= 0 ? cmeta_table_colname(t, (size_t)g) : "COLUMN");
        first = 0;
    }
    if (cmeta_table_find(t, "study") < 0) {
        for (size_t j = 0; j < nc; j++) {
            static const char *const lab[] = {"study", "author", "trial", "name", "id", NULL};
            if (has_word(cmeta_table_colname(t, j), lab)) {
                PUT(",study=%s", cmeta_table_colname(t, j));
                break;
            }
        }
    }
    if (family < 0)
        PUT(" --measure %s", order[0] == 0 ? "SMD" : order[0] == 1 ? "OR" : order[0] == 2 ? "SMCR"
                             : order[0] == 3 ? "PLO" : order[0] == 4 ? "ZCOR" : "GEN");
    if (u >= n && n > 4) memcpy(msg + n - 4, "...", 4);
#undef PUT
}
