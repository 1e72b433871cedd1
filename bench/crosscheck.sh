#!/bin/sh
# bench/crosscheck.sh - held-out cross-check of build/cmeta against R metafor on metadat data sets
# that no test uses (bench/crosscheck.R). Run by hand from the source root: `sh bench/crosscheck.sh`
# (needs Rscript with metafor, metadat and jsonlite); never part of `make test`.
# Optional argument: a file to receive the markdown summary tables.
set -u
CMETA=${CMETA:-./build/cmeta}
[ -x "$CMETA" ] || { echo "crosscheck: $CMETA not built (run make)" >&2; exit 1; }
if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'quit(status = !all(sapply(c("metafor", "metadat", "jsonlite"), requireNamespace, quietly = TRUE)))' >/dev/null 2>&1; then
    echo "crosscheck: needs Rscript with metafor, metadat and jsonlite; skipped" >&2
    exit 0
fi
exec Rscript "$(dirname "$0")/crosscheck.R" "$CMETA" "${1:-}"
