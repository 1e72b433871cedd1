#!/bin/sh
# tests/pool_diff.sh OLD NEW - differential check of `cmeta pool`: both binaries over every CSV
# under datasets/, examples/ and tests/ (and generated edge cases: UTF-8 and wide labels, control
# bytes, long labels, negative zeros, huge and NaN-producing values, k = 1, 2, 10^5), with the
# methods, tests, levels, formats, measures and subgroup columns below; stdout, stderr and the
# exit status must be byte-identical. Prints the number of runs compared and each difference.
# JOBS=N runs N files at a time (default 2). Used for issue 15's study-table rewrite.
set -u
OLD=${1:?usage: pool_diff.sh OLD NEW}
NEW=${2:?usage: pool_diff.sh OLD NEW}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pool_diff.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

gen() { # the generated edge cases
    d=$TMP/gen
    mkdir -p "$d"
    printf 'study,yi,vi\nA,0.5,0.04\n' >"$d/k1.csv"
    printf 'study,yi,vi\nA,0.5,0.04\nB,-0.2,0.09\n' >"$d/k2.csv"
    printf 'study,yi,vi,grp\nÄrzte 2001,0.5,0.04,a\n日本語の研究,-0.2,0.09,b\nnaïve café,0.1,0.02,a\n한국 연구 2010,0.3,0.05,b\nemoji 🙂 trial,-0.00001,0.01,a\n' >"$d/utf8.csv"
    printf 'study,yi,vi\n"tab\there",0.1,0.01\n"new\nline",0.2,0.02\n"cr\rret",0.3,0.03\n"bell\007x",0.4,0.04\n"del\177x",-0.1,0.05\n' >"$d/ctrl.csv"
    awk 'BEGIN { print "study,yi,vi"; s = ""; for (i = 0; i < 300; i++) s = s "x";
                 print s ",0.1,0.01"; print "short,0.2,0.02"; print "mid " substr(s, 1, 60) ",-0.3,0.05" }' >"$d/long.csv"
    printf 'study,yi,vi\nA,-0.0,0.04\nB,-0.00004,0.09\nC,0.00004,0.02\nD,-0.000049999,0.01\nE,0.0,0.03\n' >"$d/negzero.csv"
    printf 'study,yi,vi\nA,-0.0,0.04\nB,-0.0,0.09\nC,-0.0,0.02\n' >"$d/allnegzero.csv"
    printf 'study,yi,vi\nA,1e9,0.04\nB,-999999999.99999,0.09\nC,123456789012345,0.02\nD,1e15,0.01\nE,-1e300,1e10\nF,1e-300,1e-8\n' >"$d/huge.csv"
    printf 'study,yi,vi\nA,0.5,0\nB,0.3,0\nC,0.1,0\n' >"$d/vizero.csv"
    printf 'study,yi,vi\nA,1e308,1e308\nB,-1e308,1e308\nC,1e308,1e-300\n' >"$d/overflow.csv"
    printf 'study,yi,vi\nA,0.5,0.04\nB,0.5,0.04\nC,0.5,0.04\n' >"$d/same.csv"
    printf 'study,yi,vi\nA,99.99995,0.04\nB,-9.99995,0.09\nC,0.99995,0.02\nD,9999.99995,1\n' >"$d/roundup.csv"
    printf 'study,xi,ni\nA,3,20\nB,0,15\nC,15,15\nD,7,40\n' >"$d/prop.csv"
    printf 'study,ri,ni\nA,0.3,50\nB,-0.2,40\nC,0.99,30\nD,0,60\n' >"$d/cor.csv"
    printf 'study,est,ci_lb,ci_ub\nA,0.8,0.6,1.1\nB,1.3,0.9,1.9\nC,0.5,0.2,1.4\n' >"$d/hr.csv"
    printf 'study,yi,vi,sei\nA,0.5,,0.2\nB,0.3,0.04,\nC,0.1,0.02,\n' >"$d/mixed_route.csv"
    awk 'BEGIN { s = 12345; print "study,yi,vi,g";
      for (i = 1; i <= 100000; i++) {
        s = (1103515245 * s + 12345) % 2147483648; u = s / 2147483648;
        s = (1103515245 * s + 12345) % 2147483648; v = s / 2147483648;
        printf "Study %d,%.6f,%.6f,%s\n", i, -0.4 + 1.6 * (u - 0.5), 0.01 + 0.1 * v, (i % 3 ? "x" : "y") } }' >"$d/k1e5.csv"
}
gen

# the runs of one file: one option set a line
runs() {
    f=$1
    h=$(head -n 1 "$f" | tr -d '\r"')
    m=""
    case ",$h," in *,m1i,*) m="SMD MD ROM" ;; esac
    case ",$h," in *,ai,*) m="$m OR RR RD PETO" ;; esac
    case ",$h," in *,xi,*) m="$m PLO PR PAS PFT" ;; esac
    case ",$h," in *,ri,*) m="$m ZCOR COR" ;; esac
    case ",$h," in *,est,*) m="$m HR" ;; esac
    case "$f" in */k1e5.csv) echo "" ; echo "--format json"; echo "--format csv"; echo "--method DL";
                             echo "--subgroup g"; echo "--test knha --level 90"; return ;; esac
    full=1
    list=" $m"
    case "$f" in tests/*) full=0; set -- $m; list=${1:-} ;; esac
    for mm in "" $list; do
        ms=${mm:+--measure $mm}
        echo "$ms"
        echo "$ms --format json"
        echo "$ms --format csv"
        echo "$ms --method DL --test knha --level 90"
        if [ $full = 1 ]; then
            for me in FE HE HS SJ ML EB PM MH PETO; do echo "$ms --method $me"; done
            echo "$ms --test knha --format json"
            echo "$ms --level 99.9 --format csv"
            echo "$ms --model auto"
        fi
    done
    # subgroups: the first three columns (tests/: two, text and JSON)
    echo "$h" | tr ',' '\n' | head -n $((2 + full)) | while IFS= read -r c; do
        [ -n "$c" ] || continue
        echo "--subgroup $c"
        echo "--subgroup $c --format json"
        [ $full = 1 ] && echo "--subgroup $c --format csv --method DL"
    done
}

one() { # compare the two binaries on file $1; prints "N" then difference lines
    f=$1 n=0
    runs "$f" >"$TMP/runs.$$.$2"
    while IFS= read -r opts; do
        n=$((n + 1))
        # shellcheck disable=SC2086
        "$OLD" pool "$f" $opts >"$TMP/o1.$2" 2>"$TMP/e1.$2"; r1=$?
        # shellcheck disable=SC2086
        "$NEW" pool "$f" $opts >"$TMP/o2.$2" 2>"$TMP/e2.$2"; r2=$?
        if [ $r1 != $r2 ] || ! cmp -s "$TMP/o1.$2" "$TMP/o2.$2" || ! cmp -s "$TMP/e1.$2" "$TMP/e2.$2"; then
            echo "DIFF: $f $opts (rc $r1 vs $r2)"
        fi
    done <"$TMP/runs.$$.$2"
    echo "N $n"
}

{ find datasets examples tests -name '*.csv' | sort; ls "$TMP"/gen/*.csv; } >"$TMP/files"
JOBS=${JOBS:-2}
i=0
while IFS= read -r f; do
    i=$((i + 1))
    one "$f" "$((i % JOBS))" >"$TMP/res.$i" &
    [ $((i % JOBS)) -eq 0 ] && wait
done <"$TMP/files"
wait
cat "$TMP"/res.* >"$TMP/all"
total=$(awk '$1 == "N" { s += $2 } END { print s + 0 }' "$TMP/all")
nd=$(grep -c '^DIFF' "$TMP/all")
grep '^DIFF' "$TMP/all" | head -n 50
echo "pool_diff: $i files, $total runs compared, $nd differences"
[ "$nd" -eq 0 ]
