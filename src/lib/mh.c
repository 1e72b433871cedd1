/* mh.c - Mantel-Haenszel and Peto pooling of 2x2 tables (placeholder until written). */
#include "rma_internal.h"
