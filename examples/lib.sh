# examples/lib.sh - helpers sourced by the example scripts (POSIX sh + awk).
#   CMETA   the program (default build/cmeta, relative to the repository root)
#   jflat   flatten cmeta's JSON to "path<TAB>value" lines (a.b, a[0].b)
#   jget F P   the value at path P of the flattened JSON file F ("" when absent, null kept)
#   check LABEL PUBLISHED VALUE   VALUE rounded to PUBLISHED's decimals must equal PUBLISHED;
#           prints both and counts a miss; `finish` exits 1 if anything missed.
#   ref LABEL METAFOR VALUE       the same against R metafor 3.8.1 where nothing was published
#   info LABEL VALUE DECIMALS     a figure with nothing published to compare (printed only)
set -u
cd "$(dirname "$0")/.." || exit 4
CMETA=${CMETA:-./build/cmeta}
EX_TMP=$(mktemp -d)
trap 'rm -rf "$EX_TMP"' EXIT
EX_MISS=0
EX_OK=0

if [ ! -x "${CMETA%% *}" ] && [ "${CMETA#valgrind}" = "$CMETA" ]; then
    echo "examples: $CMETA not found; run make first" >&2
    exit 4
fi

jflat() {
    awk 'BEGIN { RS = "\001" }
    {
        s = $0; n = length(s); i = 1; depth = 0
        while (i <= n) {
            c = substr(s, i, 1)
            if (c == "{") { depth++; kind[depth] = "o"; key[depth] = ""; i++; continue }
            if (c == "[") { depth++; kind[depth] = "a"; idx[depth] = 0; i++; continue }
            if (c == "}" || c == "]") { depth--; i++; continue }
            if (c == ",") { if (kind[depth] == "a") idx[depth]++; i++; continue }
            if (c == " " || c == "\n" || c == "\t" || c == "\r" || c == ":") { i++; continue }
            # a string or a scalar
            if (c == "\"") {
                j = i + 1; v = ""
                while (j <= n && substr(s, j, 1) != "\"") {
                    if (substr(s, j, 1) == "\\") { v = v substr(s, j, 2); j += 2 } else { v = v substr(s, j, 1); j++ }
                }
                i = j + 1
                # a key when followed by a colon
                k = i; while (substr(s, k, 1) == " ") k++
                if (kind[depth] == "o" && substr(s, k, 1) == ":") { key[depth] = v; continue }
            } else {
                j = i; while (j <= n && index(",}] \n\r\t", substr(s, j, 1)) == 0) j++
                v = substr(s, i, j - i); i = j
            }
            p = ""
            for (d = 1; d <= depth; d++) {
                if (kind[d] == "o") p = p (p == "" ? "" : ".") key[d]
                else p = p "[" idx[d] "]"
            }
            print p "\t" v
        }
    }'
}

jget() { awk -F'\t' -v p="$2" '$1 == p { print $2; exit }' "$1"; }

# run NAME ARGS... : cmeta ARGS --format json, flattened into $EX_TMP/NAME; returns cmeta's exit code
run() {
    name=$1; shift
    $CMETA "$@" --format json >"$EX_TMP/$name.json" 2>"$EX_TMP/$name.err"
    rc=$?
    jflat <"$EX_TMP/$name.json" >"$EX_TMP/$name"
    if [ $rc != 0 ]; then echo "  cmeta $*: exit $rc: $(head -c 300 "$EX_TMP/$name.err")"; fi
    return $rc
}

# round VALUE DECIMALS (no "-0.00")
round() {
    awk -v x="$1" -v d="$2" 'BEGIN { if (x == "" || x == "null") { print "NA"; exit }
        s = sprintf("%." d "f", x); t = s; gsub(/[-0.]/, "", t); if (t == "") sub(/^-/, "", s); print s }'
}

decimals() { case $1 in *.*) x=${1#*.}; echo ${#x} ;; *) echo 0 ;; esac; }

check() { compare published "$@"; }
# ref LABEL METAFOR VALUE: as check, against a figure computed with R metafor 3.8.1
# (examples/metafor_reference.R) where nothing was published.
ref() { compare "metafor" "$@"; }

compare() {
    src=$1; label=$2; pub=$3; val=$4
    got=$(round "$val" "$(decimals "$pub")")
    if [ "$got" = "$pub" ]; then EX_OK=$((EX_OK + 1)); mark="ok"
    else EX_MISS=$((EX_MISS + 1)); mark="MISS"; fi
    printf '  %-34s %9s %12s   cmeta %12s   %s\n' "$label" "$src" "$pub" "$got" "$mark"
}

info() { printf '  %-34s %9s %12s   cmeta %12s\n' "$1" "" "" "$(round "$2" "$3")"; }

note() { printf '  %s\n' "$*"; }

finish() {
    printf '  -> %d figure(s) reproduced, %d missed\n\n' "$EX_OK" "$EX_MISS"
    [ "$EX_MISS" = 0 ]
}
