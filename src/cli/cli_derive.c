/* cli_derive.c - the --model auto choice (cmeta_choose_model) with the program's messages,
 * and the --subgroup split (pool, forest). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_choose_model(const cli_opts *o, const cmeta_studies *s, cmeta_model_choice *mc)
{
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_choose_model(s, &o->fit, o->model_auto, o->het_p, mc, &err);
    return st == CMETA_OK ? 0 : cli_fail_status(st, &err);
}

int cli_split_subgroups(const cli_opts *o, const cmeta_table *t, const cmeta_data *d0,
                        const cmeta_fit_opts *fo, cli_split *sp, cmeta_warnings *w)
{
    memset(sp, 0, sizeof *sp);
    long col = cmeta_table_find_raw(t, o->subgroup);
    if (col < 0) return cli_failf(1, "--subgroup: no column '%s' in %s", o->subgroup, cmeta_table_name(t));
    size_t k0 = d0->k, n = 0, ng = 0;
    size_t *idx = malloc((k0 ? k0 : 1) * sizeof *idx);
    sp->grp = malloc((k0 ? k0 : 1) * sizeof *sp->grp);
    sp->lev = malloc((k0 ? k0 : 1) * sizeof *sp->lev);
    int rc = 0;
    if (!idx || !sp->grp || !sp->lev) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    /* --subgroup by the measure column of a mixed design: by each study's measure as read
     * ("smd" and "SMD" are one subgroup) */
    int by_measure = d0->measures && col == cmeta_table_find_raw(t, "measure");
    for (size_t i = 0; i < k0; i++) {
        const char *cell = by_measure ? cmeta_measure_name(d0->measures[i])
                                      : cmeta_table_cell(t, d0->row[i], (size_t)col);
        if (cmeta_cell_is_missing(cell)) {
            if (cmeta_warn(w, "study '%s' left out: no value in subgroup column '%s'", d0->label[i],
                           o->subgroup) != CMETA_OK) {
                rc = cli_failf(4, "out of memory");
                goto done;
            }
            continue;
        }
        size_t j = 0;
        while (j < ng && strcmp(sp->lev[j], cell) != 0) j++;
        if (j == ng) sp->lev[ng++] = cell;
        sp->grp[n] = j;
        idx[n++] = i;
    }
    sp->ngroups = ng;
    if (n == 0) {
        rc = cli_failf(2, "%s: no study has a value in subgroup column '%s'", cmeta_table_name(t), o->subgroup);
        goto done;
    }
    if (cmeta_data_subset(d0, idx, n, &sp->d) != CMETA_OK) {
        rc = cli_failf(4, "out of memory");
        goto done;
    }
    cmeta_studies s;
    cmeta_studies_from_data(sp->d, &o->data.escalc, &s);
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_subgroup(&s, sp->grp, ng, o->tau_common, fo, &sp->g, w, &err);
    if (st != CMETA_OK) rc = cli_fail_status(st, &err);
done:
    free(idx);
    return rc;
}

void cli_split_free(cli_split *sp)
{
    if (!sp) return;
    cmeta_subgroups_free(sp->g);
    cmeta_data_free(sp->d);
    free(sp->grp);
    free(sp->lev);
    memset(sp, 0, sizeof *sp);
}

int cli_report_status(cmeta_status st)
{
    return st == CMETA_OK ? 0 : cli_failf(4, "out of memory while writing the report");
}

/* the program's --format values are the report layer's formats (commands cast one to the other) */
_Static_assert((int)CLI_FMT_TEXT == (int)CMETA_REPORT_TEXT && (int)CLI_FMT_JSON == (int)CMETA_REPORT_JSON &&
                   (int)CLI_FMT_CSV == (int)CMETA_REPORT_CSV,
               "cli_format and cmeta_report_format must agree");
