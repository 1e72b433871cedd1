/* batch_dir.h - the decisions of `cmeta batch` about the names in its directories, kept free
 * of I/O so that they can be fuzzed (tests/fuzz/fuzz_batchdir.c): which entries of an input
 * directory are inputs, which are skipped (and why), and which names in the output directory
 * are batch's own staging directories and temporary files. */
#ifndef CMETA_CLI_BATCH_DIR_H
#define CMETA_CLI_BATCH_DIR_H

#include <sys/types.h>

/* What a directory entry is to batch. */
enum { BATCH_IGNORE = 0, BATCH_INPUT = 1, BATCH_SKIP = 2 };

/* One entry of a scanned input directory, as stat(2) saw it (links followed). */
typedef struct {
    const char *name;     /* the entry's name (no '/') */
    int stat_errno;       /* 0 when stat succeeded, else its errno (ELOOP, ENOENT, EACCES...) */
    mode_t mode;          /* st_mode when stat succeeded */
    int readable;         /* access(R_OK) succeeded */
    int is_outdir;        /* the entry is the --out directory itself (same device and inode) */
    int dir_is_outdir;    /* the directory scanned is the --out directory */
} batch_entry;

/* BATCH_INPUT, BATCH_SKIP with *reason set (a static string in the user's terms), or
 * BATCH_IGNORE: names not ending in ".csv" (case-insensitive, at least one character before
 * it) are not inputs and not reported. */
int cli_batch_classify(const batch_entry *e, const char **reason);

/* 1 when name ends in .csv (case-insensitive) with at least one character before it. */
int cli_batch_ends_with_csv(const char *name);
/* 1 when name is a summary batch writes: summary.csv or summary.shard-I-of-N.csv. */
int cli_batch_is_summary(const char *name);
/* 1 when name is the page batch --report writes: index.html or index.shard-I-of-N.html. */
int cli_batch_is_index(const char *name);
/* The PID of a staging directory name ".cmeta-staging.PID", else 0. */
long cli_batch_staging_pid(const char *name);
/* 1 when name is a temporary file a batch run or an older cmeta left in the output directory:
 * NAME.tmp.PID.XXXXXX (cli_out's pattern; *pid set) or ".batch-err.tmp.XXXXXX" (before
 * staging; *pid = 0). */
int cli_batch_temp_name(const char *name, long *pid);

/* What the commit does with a name found in a staging directory: BATCH_MOVE (a per-file
 * output: renamed into OUT), BATCH_MOVE_LAST (a summary or the index page: renamed after every other file),
 * BATCH_LEAVE (the commit record, error files, temporary files: removed with staging). */
enum { BATCH_LEAVE = 0, BATCH_MOVE = 1, BATCH_MOVE_LAST = 2 };
int cli_batch_commit_kind(const char *name);

/* The output stem of an input path into out (cap > 0 bytes; truncated to fit): its basename
 * without ".csv"; "input" when that is empty; a leading '.' becomes '_' (so that STEM.json is
 * never a hidden name, which the commit would leave behind). Returns the stem's length. */
size_t cli_batch_stem(const char *path, char *out, size_t cap);

#endif
