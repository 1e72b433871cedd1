#!/bin/sh
# Run every example; exit 1 if any reproduced figure misses its published (or metafor) value
# at the printed precision, or if the C API example fails. Used by tests/cli/t_examples.sh.
cd "$(dirname "$0")/.." || exit 4
status=0
for s in normand1999 raudenbush1985 deng2017 deng2017_mv zhou2020_rule responders liang2010_prepost lupus_ri_sweep lupus_mixed lupus_published; do
    echo "=== examples/$s.sh"
    sh examples/$s.sh || { echo "examples/$s.sh: FAILED"; status=1; }
done
API=${CMETA_API_EXAMPLE:-build/examples/api}
echo "=== $API datasets/classic/normand1999.csv MD"
if [ -x "$API" ]; then
    "$API" datasets/classic/normand1999.csv MD || { echo "$API: FAILED"; status=1; }
else
    echo "$API not built (make examples)"; status=1
fi
[ $status = 0 ] && echo "examples: all figures reproduced" || echo "examples: SOME FIGURES MISSED"
exit $status
