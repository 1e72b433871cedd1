/* reported_internal.h - rows of a table with reported statistics to yi/vi (private).
 * cmeta_data_from_table (data.c) calls these; they call only the table, effect-size and
 * numeric layers. */
#ifndef CMETA_REPORTED_INTERNAL_H
#define CMETA_REPORTED_INTERNAL_H

#include "cmeta/data.h"

/* Does the table have a column of reported statistics (cmeta/reported.h), or opts a
 * --combine column? Then cmeta__reported_rows builds the data. */
int cmeta__reported_wanted(const cmeta_table *t, const cmeta_data_opts *o);

/* Per table row (length nrows): yi, vi (NaN for rows left out, with a warning naming each),
 * the route (heap string or NULL), the group arrays that went into cmeta_escalc (NaN for rows
 * that did not use group data; index by CMETA__G_*). all_group: every kept row came from
 * group data (then the family's arrays describe every study). Free with cmeta__reported_free. */
enum { CMETA__G_M1, CMETA__G_SD1, CMETA__G_N1, CMETA__G_M2, CMETA__G_SD2, CMETA__G_N2,
       CMETA__G_AI, CMETA__G_BI, CMETA__G_CI, CMETA__G_DI, CMETA__NG };
typedef struct {
    size_t nrows;
    cmeta_measure measure;
    double *yi, *vi;
    char **from;
    double *g[CMETA__NG];
    int all_group;
} cmeta__reported;

cmeta_status cmeta__reported_rows(const cmeta_table *t, const cmeta_data_opts *o,
                                  cmeta__reported *r, cmeta_warnings *w, cmeta_error *err);
void cmeta__reported_free(cmeta__reported *r);

#endif
