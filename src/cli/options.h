/* options.h - the commands and options of the cmeta program, as tables (options.c).
 *
 * One table of commands and one table of options say everything the command line can say:
 * which command takes which option, what value it takes (a word from a list, a number in a
 * range, a path ...), its help line, an example value, whether it may be repeated and what it
 * needs. The parser (cli_parse), `cmeta COMMAND --help`, `cmeta --help`, the man page
 * (`cmeta --man`), the bash completion (`cmeta --completion bash`), the README's option
 * reference (`cmeta --readme-options`) and the test listing (`cmeta --list-options`) are all
 * generated from them, so they cannot disagree. How to add a command or an option: see the
 * comment at the top of options.c. */
#ifndef CMETA_CLI_OPTIONS_H
#define CMETA_CLI_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"

/* One bit per command (cli_command.bit); an option's `cmds` is the set of commands taking it. */
enum {
    CMD_ESCALC = 1u << 0,
    CMD_POOL = 1u << 1,
    CMD_LOO = 1u << 2,
    CMD_CUMUL = 1u << 3,
    CMD_REGRESS = 1u << 4,
    CMD_INFLUENCE = 1u << 5,
    CMD_BIAS = 1u << 6,
    CMD_FOREST = 1u << 7,
    CMD_FUNNEL = 1u << 8,
    CMD_BOOT = 1u << 9,
    CMD_PERMTEST = 1u << 10,
    CMD_GOSH = 1u << 11,
    CMD_BATCH = 1u << 12,
    CMD_BAYES = 1u << 13,
    CMD_MV = 1u << 14,
    CMD_PLOT = 1u << 15,
    CMD_REPORT = 1u << 16,
};

typedef struct {
    const char *name;           /* "pool" */
    unsigned bit;               /* CMD_POOL */
    int (*run)(int argc, char **argv);
    const char *synopsis;       /* what follows "cmeta NAME " in the usage line */
    const char *summary;        /* one line for `cmeta --help` */
    const char *about;          /* what the command does (lines; --help and the man page) */
} cli_command;

typedef enum {
    OPT_FLAG,   /* no value */
    OPT_ENUM,   /* one word of `words` (case-insensitive) */
    OPT_NUM,    /* a number in [lo, hi] (ends excluded by lo_open / hi_open) */
    OPT_INT,    /* a whole number in [lo, hi] */
    OPT_SEED,   /* a whole number >= 0 (unsigned long) */
    OPT_LEVEL,  /* confidence level: [0.5, 1) a proportion, [1, 100) a percentage (as metafor);
                   (0, 0.5), which metafor reads as alpha, refused */
    OPT_PATH,   /* a file to write */
    OPT_DIR,    /* a directory */
    OPT_COLUMN, /* a column name of the input */
    OPT_LIST,   /* column names separated by commas */
    OPT_TEXT    /* anything else, checked by the option's set function */
} cli_optkind;

typedef struct cli_option {
    const char *name;      /* "--method" (or "-o") */
    const char *alias;     /* another spelling ("--output"), or NULL */
    cli_optkind kind;
    const char *meta;      /* the value in help texts ("M"); NULL for flags */
    const char *words;     /* OPT_ENUM: the accepted words, separated by spaces */
    double lo, hi;         /* OPT_NUM, OPT_INT: the range */
    int lo_open, hi_open;  /* 1: that end is excluded */
    const char *def;       /* the default, as help shows it (NULL: none to show) */
    const char *example;   /* a valid value (help, man page, tests) */
    int repeat;            /* may be given more than once (OPT_LIST: the values are joined by ',') */
    unsigned cmds;         /* the commands that take it (CMD_ bits) */
    const char *group;     /* heading it is listed under in --help and the man page */
    const char *needs;     /* only together with this option ("--model"), or with one of its words
                              ("--measure=MC,SMCC"); a leading '?' ("?--measure=MC,SMCC"):
                              the words only when that option is given; NULL: stands alone */
    const char *conflicts; /* never together with this option (NULL: none) */
    const char *why;       /* said after a needs/conflicts refusal, or NULL */
    /* stores the value in o: val as given (NULL for flags), x the checked number (OPT_NUM,
       OPT_INT, OPT_LEVEL: the level in percent); 0, or 1 after printing why (cli_opt_fail) */
    int (*set)(cli_opts *o, const char *val, double x);
    const char *help;      /* what it does, one sentence or two (wrapped when printed) */
} cli_option;

extern const cli_command cli_commands[];
extern const size_t cli_ncommands;
extern const cli_option cli_options[];
extern const size_t cli_noptions;

const cli_command *cli_find_command(const char *name);
/* "cmeta COMMAND: <message>" on stderr; returns 1 (a usage error). */
int cli_opt_fail(const cli_opts *o, const char *fmt, ...) CMETA_PRINTF(2, 3);
/* `cmeta --help` */
void cli_help_main(FILE *fp);
/* `cmeta COMMAND --help` */
void cli_help_command(FILE *fp, const cli_command *c);
/* The hidden generators: --man, --completion bash, --list-options, --readme-options.
 * Returns the exit code, or -1 when argv[1] is none of them. */
int cli_generate(int argc, char **argv);

#endif
