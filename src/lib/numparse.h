/* numparse.h - the value of a checked decimal numeral (numparse.c); library-internal. */
#ifndef CMETA_NUMPARSE_H
#define CMETA_NUMPARSE_H

/* The double nearest to (-1)^neg * D * 10^exp10, where D is the digit string
 * [int_start, int_end) followed by the digits [frac_start, frac_end) as a fraction (both
 * ranges hold only '0'-'9', together at least one digit). The result equals what glibc's
 * strtod returns for the same numeral in the "C" locale, bit for bit.
 * Returns 0 (and *out set), 1 when the value overflows a double, -1 when out of memory. */
int cmeta__decimal_value(int neg, const char *int_start, const char *int_end,
                         const char *frac_start, const char *frac_end, long long exp10,
                         double *out);

#endif
