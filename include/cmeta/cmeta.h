/* cmeta/cmeta.h - the whole public API of the cmeta meta-analysis library. */
#ifndef CMETA_CMETA_H
#define CMETA_CMETA_H

#include "status.h"
#include "table.h"
#include "effect.h"
#include "data.h"
#include "model.h"
#include "derive.h"
#include "design.h"
#include "influence.h"
#include "bias.h"
#include "plot.h"
#include "diagplot.h"
#include "report.h"
#include "bayes.h"

#include "resample.h"
#include "risweep.h"
#include "mv.h"
#include "sha256.h"
#include "robust.h"

#endif
