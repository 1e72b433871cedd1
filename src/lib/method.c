/* method.c - names of the methods and tests, default fit options, and the two questions
 * every caller asks of a method (cmeta/model.h). The bottom of the fit layer. */
#include <string.h>

#include "internal.h"

/* ---- names ------------------------------------------------------------------------------ */

static const char *const method_names[] = {"FE", "DL", "HE", "HS", "SJ", "ML",
                                           "REML", "EB", "PM", "MH", "PETO"};

const char *cmeta_method_name(cmeta_method m)
{
    if ((int)m < 0 || (size_t)m >= sizeof method_names / sizeof method_names[0]) return "?";
    return method_names[m];
}

cmeta_status cmeta_method_from_name(const char *name, cmeta_method *out)
{
    if (!name || !out) return CMETA_EUSAGE;
    if (!cmeta__strcasecmp(name, "EE") || !cmeta__strcasecmp(name, "CE")) {
        *out = CMETA_METHOD_FE;
        return CMETA_OK;
    }
    for (size_t i = 0; i < sizeof method_names / sizeof method_names[0]; i++)
        if (!cmeta__strcasecmp(name, method_names[i])) {
            *out = (cmeta_method)i;
            return CMETA_OK;
        }
    return CMETA_EUSAGE;
}

const char *cmeta_test_name(cmeta_test t)
{
    switch (t) {
    case CMETA_TEST_Z: return "z";
    case CMETA_TEST_T: return "t";
    case CMETA_TEST_KNHA: return "knha";
    case CMETA_TEST_ADHOC: return "knha-adhoc";
    }
    return "?";
}

cmeta_status cmeta_test_from_name(const char *name, cmeta_test *out)
{
    if (!name || !out) return CMETA_EUSAGE;
    if (!cmeta__strcasecmp(name, "z")) *out = CMETA_TEST_Z;
    else if (!cmeta__strcasecmp(name, "t")) *out = CMETA_TEST_T;
    else if (!cmeta__strcasecmp(name, "knha") || !cmeta__strcasecmp(name, "hksj"))
        *out = CMETA_TEST_KNHA;
    else if (!cmeta__strcasecmp(name, "knha-adhoc") || !cmeta__strcasecmp(name, "adhoc"))
        *out = CMETA_TEST_ADHOC;
    else return CMETA_EUSAGE;
    return CMETA_OK;
}

void cmeta_fit_opts_default(cmeta_fit_opts *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->method = CMETA_METHOD_REML;
    o->test = CMETA_TEST_Z;
    o->level = 95.0;
    o->tol = 1e-10;
    o->maxiter = 1000;
    o->tau2_fixed = 0;
    o->tau2 = 0.0;
    o->intercept = 1;
    o->mh_random = 0;
    o->no_ci_tau2 = 0;
}

int cmeta_method_is_2x2(cmeta_method m)
{
    return m == CMETA_METHOD_MH || m == CMETA_METHOD_PETO;
}

int cmeta_fit_is_random(const cmeta_fit_opts *o)
{
    if (!o || o->method == CMETA_METHOD_FE) return 0;
    if (cmeta_method_is_2x2(o->method)) return o->mh_random != 0;
    return 1;
}
