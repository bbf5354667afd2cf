#!/usr/bin/env bash
# parse-bench.sh: time `herald parse` against `xmllint --stream --noout` over
# the same files, side by side, in one run.  See bench/README.md.
#
# Builds nothing: it expects a built tree (make -j2).  Generates the corpus
# with gen-corpus.py when it is missing.  Needs bash, GNU xargs, python3 and
# xmllint (Debian: libxml2-utils); uses hyperfine when installed.

set -u

here=$(cd "$(dirname "$0")" && pwd)
HERALD=${HERALD:-$here/../cli/herald}
XMLLINT=${XMLLINT:-xmllint}
CORPUS=${CORPUS:-$here/corpus}
OUT=${OUT:-$here/out}
RUNS=3
COUNT=0
BIG=32
TIMER=auto
CG=0
BASE=

usage() {
	cat <<EOF
usage: parse-bench.sh [-H HERALD] [-x XMLLINT] [-c CORPUS] [-o OUTDIR]
                      [-r RUNS] [-n FILES] [-b MIB] [-t auto|hyperfine|bash]
                      [-C FILES] [-B BASELINE]

  -H HERALD   herald binary (default \$HERALD or $here/../cli/herald)
  -x XMLLINT  xmllint binary (default \$XMLLINT or xmllint)
  -c CORPUS   corpus directory, generated when missing (default bench/corpus)
  -o OUTDIR   scratch and results (default bench/out)
  -r RUNS     timed runs of each measurement (default 3)
  -n FILES    use only the first FILES feeds (default all: 1000)
  -b MIB      size of the single big feed for the one-process comparison
              (default 32; 0 skips it)
  -t TIMER    hyperfine when installed (auto), or bash's time keyword
  -C FILES    also count instructions (valgrind --tool=callgrind) of each
              tool over the first FILES feeds and the 1-item feed: slow, but
              independent of the machine's load (default 0: off)
  -B BASELINE another herald binary (e.g. a build of main) timed in the same
              run, interleaved: rows "baseline ...", so that a change is
              measured against its parent under the same load

Environment: HERALD, XMLLINT, CORPUS, OUT as the options; HERALD_REV labels the
herald build in the report when its directory is not a git checkout.
EOF
	exit 2
}

while getopts H:x:c:o:r:n:b:t:C:B:h opt; do
	case $opt in
	H) HERALD=$OPTARG ;;
	x) XMLLINT=$OPTARG ;;
	c) CORPUS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	n) COUNT=$OPTARG ;;
	b) BIG=$OPTARG ;;
	t) TIMER=$OPTARG ;;
	C) CG=$OPTARG ;;
	B) BASE=$OPTARG ;;
	*) usage ;;
	esac
done

die() { echo "parse-bench: $*" >&2; exit 1; }

[ -x "$HERALD" ] || die "no herald at $HERALD: build the tree first (make -j2) or pass -H"
command -v "$XMLLINT" >/dev/null || die "no $XMLLINT: apt-get install libxml2-utils"
command -v python3 >/dev/null || die "python3 is needed for gen-corpus.py"
case $RUNS in ''|*[!0-9]*|0) die "-r wants a positive number" ;; esac
case $COUNT in ''|*[!0-9]*) die "-n wants a number" ;; esac
case $BIG in ''|*[!0-9]*) die "-b wants a number" ;; esac
case $CG in ''|*[!0-9]*) die "-C wants a number" ;; esac
[ "$CG" -gt 0 ] && ! command -v valgrind >/dev/null &&
    die "-C needs valgrind: apt-get install valgrind"
case $TIMER in
auto) if command -v hyperfine >/dev/null; then TIMER=hyperfine; else TIMER=bash; fi ;;
hyperfine) command -v hyperfine >/dev/null || die "no hyperfine: apt-get install hyperfine" ;;
bash) ;;
*) usage ;;
esac
HERALD=$(cd "$(dirname "$HERALD")" && pwd)/$(basename "$HERALD")
if [ -n "$BASE" ]; then
	[ -x "$BASE" ] || die "no baseline herald at $BASE"
	BASE=$(cd "$(dirname "$BASE")" && pwd)/$(basename "$BASE")
fi
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)

# The corpus: regenerated when MANIFEST is missing or does not match.
nfeeds() { find "$CORPUS" -maxdepth 1 -name 'feed-*.xml' | wc -l; }
want=$(sed -n 's/^# gen-corpus.py .* count \([0-9]*\) .*/\1/p' \
    "$CORPUS/MANIFEST" 2>/dev/null)
if [ -z "$want" ] || [ "$(nfeeds)" -ne "$want" ]; then
	echo "parse-bench: generating the corpus in $CORPUS"
	rm -f "$CORPUS"/feed-*.xml "$CORPUS/MANIFEST"
	python3 "$here/gen-corpus.py" "$CORPUS" || die "gen-corpus.py failed"
fi
CORPUS=$(cd "$CORPUS" && pwd)

LIST=$OUT/files.list
TINYLIST=$OUT/tiny.list
TINY=$OUT/tiny.xml
grep '^feed-' "$CORPUS/MANIFEST" | sed "s|^|$CORPUS/|" >"$LIST"
[ "$COUNT" -gt 0 ] && { head -n "$COUNT" "$LIST" >"$LIST.n"; mv "$LIST.n" "$LIST"; }
nfiles=$(wc -l <"$LIST")
nbytes=$(xargs -a "$LIST" -d '\n' cat | wc -c)	# also warms the page cache

# A one-item feed: running each tool over it once per corpus file measures
# process start-up and exit alone.
printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' \
    '<rss version="2.0"><channel><title>t</title><link>https://example.org/</link>' \
    '<item><title>x</title><link>https://example.org/1</link></item></channel></rss>' \
    >"$TINY"
yes "$TINY" | head -n "$nfiles" >"$TINYLIST"

BIGFILE=
if [ "$BIG" -gt 0 ]; then
	BIGFILE=$OUT/big-$BIG.xml
	if [ ! -s "$BIGFILE" ]; then
		python3 "$here/gen-corpus.py" --big "$BIG" "$BIGFILE" ||
		    die "gen-corpus.py --big failed"
	fi
	bigbytes=$(wc -c <"$BIGFILE")
fi

q() { printf '%q' "$1"; }
L=$(q "$LIST"); T=$(q "$TINYLIST"); H=$(q "$HERALD"); X=$(q "$XMLLINT")
names=(xmllint herald herald-json start-xmllint start-herald xmllint-1proc)
declare -A cmd label
cmd[xmllint]="xargs -a $L -d '\n' -n 1 $X --stream --noout"
cmd[herald]="xargs -a $L -d '\n' -n 1 $H parse"
cmd[herald-json]="xargs -a $L -d '\n' -n 1 $H parse --json"
cmd[start-xmllint]="xargs -a $T -d '\n' -n 1 $X --stream --noout"
cmd[start-herald]="xargs -a $T -d '\n' -n 1 $H parse"
cmd[xmllint-1proc]="xargs -a $L -d '\n' $X --stream --noout"
label[xmllint]="xmllint --stream --noout FILE"
label[herald]="herald parse FILE"
label[herald-json]="herald parse --json FILE"
label[start-xmllint]="xmllint, 1-item feed (start-up)"
label[start-herald]="herald parse, 1-item feed (start-up)"
label[xmllint-1proc]="xmllint, all files in 1 process"
if [ -n "$BASE" ]; then
	BH=$(q "$BASE")
	names+=(base-herald base-herald-json)
	cmd[base-herald]="xargs -a $L -d '\n' -n 1 $BH parse"
	cmd[base-herald-json]="xargs -a $L -d '\n' -n 1 $BH parse --json"
	label[base-herald]="baseline herald parse FILE"
	label[base-herald-json]="baseline herald parse --json FILE"
fi
if [ -n "$BIGFILE" ]; then
	B=$(q "$BIGFILE")
	names+=(big-xmllint big-herald big-herald-json)
	cmd[big-xmllint]="$X --stream --noout $B"
	cmd[big-herald]="$H parse $B"
	cmd[big-herald-json]="$H parse --json $B"
	label[big-xmllint]="xmllint --stream --noout BIG"
	label[big-herald]="herald parse BIG"
	label[big-herald-json]="herald parse --json BIG"
fi

# Check pass (and warm-up): every file parses, herald yields every item.
echo "parse-bench: check pass over $nfiles files"
xargs -a "$LIST" -d '\n' -n 1 "$XMLLINT" --stream --noout >/dev/null \
    2>"$OUT/xmllint.err" || die "xmllint failed on the corpus: $OUT/xmllint.err"
xargs -a "$LIST" -d '\n' -n 1 "$HERALD" parse 2>"$OUT/herald.err" |
    grep -c '^\[[0-9]*\] ' >"$OUT/herald.count"
[ "${PIPESTATUS[0]}" -eq 0 ] || die "herald parse failed on the corpus: $OUT/herald.err"
hitems=$(cat "$OUT/herald.count")
xargs -a "$LIST" -d '\n' -n 1 "$HERALD" parse --json >/dev/null \
    2>>"$OUT/herald.err" || die "herald parse --json failed: $OUT/herald.err"
mitems=$(sed -n 's/^# [0-9]* files, [0-9]* bytes, \([0-9]*\) items.*/\1/p' \
    "$CORPUS/MANIFEST")
[ "$nfiles" -eq "$(grep -c '^feed-' "$CORPUS/MANIFEST")" ] ||
    mitems="$mitems (whole corpus)"

RAW=$OUT/parse-bench.raw
: >"$RAW"
echo "parse-bench: timing with $TIMER, $RUNS runs of ${#names[@]} measurements"
if [ "$TIMER" = hyperfine ]; then
	hf=()
	for n in "${names[@]}"; do hf+=(-n "$n" "${cmd[$n]}"); done
	hyperfine --runs "$RUNS" --style basic --export-json "$OUT/parse-bench.json" \
	    "${hf[@]}" >"$OUT/hyperfine.log" 2>&1 ||
	    die "hyperfine failed (a command exited non-zero?): $OUT/hyperfine.log"
	python3 - "$OUT/parse-bench.json" >"$RAW" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    for i, t in enumerate(r["times"]):
        print("%s\t%d\t%.6f\t%.6f\t%.6f\t0" % (r["command"], i + 1, t,
              r["user"], r["system"]))
EOF
else
	# Rounds interleave the tools, so a change in the machine's load
	# falls on all of them alike.
	TIMEFORMAT='%R %U %S'
	for ((r = 1; r <= RUNS; r++)); do
		for n in "${names[@]}"; do
			t=$( { time eval "${cmd[$n]}" >/dev/null 2>&1; rc=$?; } 2>&1
			    echo "rc=$rc")
			set -- $t
			echo "$n	$r	$1	$2	$3	${4#rc=}" >>"$RAW"
			printf '.'
		done
	done
	echo
fi

python3 - "$RAW" "$nfiles" "$nbytes" "${bigbytes:-0}" \
    "${names[@]}" >"$OUT/parse-bench.table" <<'EOF'
import sys
from statistics import median
raw, nfiles, nbytes, bigbytes = sys.argv[1], int(sys.argv[2]), \
    int(sys.argv[3]), int(sys.argv[4])
names = sys.argv[5:]
runs = {}
for line in open(raw):
    n, _, real, user, sys_, rc = line.split("\t")
    runs.setdefault(n, []).append((float(real), float(user) + float(sys_),
                                   int(rc)))
def stat(n):
    r = runs[n]
    return (median(x[0] for x in r), min(x[0] for x in r),
            max(x[0] for x in r), sum(x[1] for x in r) / len(r),
            any(x[2] for x in r))
s = {n: stat(n) for n in names if n in runs}
for n in names:
    wall, lo, hi, cpu, bad = s[n]
    size = bigbytes if n.startswith("big-") else nbytes
    mbs = "" if n.startswith("start-") else "%.1f" % (size / 1e6 / wall)
    ref = ("big-xmllint" if n.startswith("big-") else
           "start-xmllint" if n.startswith("start-") else "xmllint")
    ratio = ""
    if "herald" in n:
        ratio = "%.2fx  %.2fx" % (wall / s[ref][0], cpu / s[ref][3])
    print("%s|%.3f|%.3f-%.3f|%.3f|%s|%s|%s" % (n, wall, lo, hi, cpu, mbs,
          ratio, "FAILED (exit status)" if bad else ""))
# Per-file parse work: each tool's time less its start-up time.
for mode in ("herald", "herald-json", "base-herald", "base-herald-json"):
    if "start-herald" in s and mode in s:
        hw = s[mode][0] - s["start-herald"][0]
        xw = s["xmllint"][0] - s["start-xmllint"][0]
        hc = s[mode][3] - s["start-herald"][3]
        xc = s["xmllint"][3] - s["start-xmllint"][3]
        r = lambda h, x: "%.2fx" % (h / x) if x > 0 and h > 0 else "n/a"
        print("net-%s|%.3f||%.3f||%s  %s|" % (mode, hw, hc, r(hw, xw),
              r(hc, xc)))
EOF

# Instruction counts: what each tool executes, whatever else the machine
# is doing.  Start-up (dynamic loading) is counted too.
ir() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
	    2>&1 >/dev/null | sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d ,
}
if [ "$CG" -gt 0 ]; then
	echo "parse-bench: counting instructions over $CG files with callgrind"
	declare -A irs
	cgtools=(xmllint herald herald-json)
	[ -n "$BASE" ] && cgtools+=(base-herald base-herald-json)
	for k in "${cgtools[@]}"; do
		irs[$k]=0
		irs[tiny-$k]=0
	done
	while read -r f; do
		irs[xmllint]=$((irs[xmllint] + $(ir "$XMLLINT" --stream --noout "$f")))
		irs[herald]=$((irs[herald] + $(ir "$HERALD" parse "$f")))
		irs[herald-json]=$((irs[herald-json] + $(ir "$HERALD" parse --json "$f")))
		if [ -n "$BASE" ]; then
			irs[base-herald]=$((irs[base-herald] + $(ir "$BASE" parse "$f")))
			irs[base-herald-json]=$((irs[base-herald-json] + $(ir "$BASE" parse --json "$f")))
		fi
	done < <(head -n "$CG" "$LIST")
	irs[tiny-xmllint]=$(ir "$XMLLINT" --stream --noout "$TINY")
	irs[tiny-herald]=$(ir "$HERALD" parse "$TINY")
	irs[tiny-herald-json]=$(ir "$HERALD" parse --json "$TINY")
	if [ -n "$BASE" ]; then
		irs[tiny-base-herald]=$(ir "$BASE" parse "$TINY")
		irs[tiny-base-herald-json]=$(ir "$BASE" parse --json "$TINY")
	fi
	cgbytes=$(head -n "$CG" "$LIST" | xargs -d '\n' cat | wc -c)
fi

hver=${HERALD_REV:-$(git -C "$(dirname "$HERALD")" rev-parse --short HEAD 2>/dev/null)}
hdirty=$(git -C "$(dirname "$HERALD")" status --porcelain -- ../lib ../cli \
    2>/dev/null | grep -c .)
[ "$hdirty" = 0 ] && hdirty=
{
	echo "parse-bench  $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) cores  load $(cut -d' ' -f1-3 /proc/loadavg)  timer: $TIMER"
	echo "herald:  $HERALD (git ${hver:-?}${hdirty:+, $hdirty changed files in lib/ cli/})"
	if [ -n "$BASE" ]; then
		bver=$(git -C "$(dirname "$BASE")" rev-parse --short HEAD 2>/dev/null)
		echo "baseline: $BASE${bver:+ (git $bver)}${BASE_REV:+ ($BASE_REV)}"
	fi
	echo "xmllint: $("$XMLLINT" --version 2>&1 | head -n 1)"
	echo "corpus:  $CORPUS: $nfiles files, $nbytes bytes, $mitems items; herald printed $hitems entries"
	echo "         $(sed -n '2s/.*\(sha256 .*\)/\1/p' "$CORPUS/MANIFEST")"
	[ -n "$BIGFILE" ] && echo "big:     $BIGFILE: $bigbytes bytes"
	echo
	echo "$RUNS runs each; wall = median (min-max) in seconds, CPU = mean user+sys of the"
	echo "process tree; ratio = herald / xmllint on wall, then on CPU."
	echo "One process per file (xargs -n 1) for both tools unless said otherwise."
	echo
	printf '%-40s %8s %16s %8s %7s  %s\n' measurement wall range CPU MB/s \
	    "ratio wall  CPU"
	while IFS='|' read -r n wall range cpu mbs ratio bad; do
		case $n in
		net-*) continue ;;
		esac
		printf '%-40s %8s %16s %8s %7s  %s%s\n' "${label[$n]}" "$wall" \
		    "$range" "$cpu" "$mbs" "$ratio" "${bad:+  $bad}"
	done <"$OUT/parse-bench.table"
	echo
	echo "Per-file parse work, start-up taken out (each tool's time less its"
	echo "time over the 1-item feed, as many times):"
	while IFS='|' read -r n wall range cpu mbs ratio bad; do
		case $n in
		net-herald) l="herald parse less start-up" ;;
		net-herald-json) l="herald parse --json less start-up" ;;
		net-base-herald) l="baseline herald parse less start-up" ;;
		net-base-herald-json) l="baseline --json less start-up" ;;
		*) continue ;;
		esac
		printf '%-40s %8s %16s %8s %7s  %s\n' "$l" "$wall" "" "$cpu" "" "$ratio"
	done <"$OUT/parse-bench.table"
	if [ "$CG" -gt 0 ]; then
		echo
		echo "Instructions (callgrind), per process, mean over the first $CG feeds"
		echo "($cgbytes bytes); start-up = the 1-item feed; ratio = herald / xmllint:"
		printf '%-40s %14s %14s %14s  %s\n' tool "per file" start-up \
		    "less start-up" "ratio (all, less start-up)"
		for k in "${cgtools[@]}"; do
			a=$((irs[$k] / CG)); t=${irs[tiny-$k]}
			x=$((irs[xmllint] / CG)); xt=${irs[tiny-xmllint]}
			r=
			[ "$k" != xmllint ] && r=$(awk -v a=$a -v t=$t -v x=$x -v xt=$xt \
			    'BEGIN { printf "%.2fx  %.2fx", a / x, (a - t) / (x - xt) }')
			case $k in
			xmllint) l="xmllint --stream --noout FILE" ;;
			herald) l="herald parse FILE" ;;
			herald-json) l="herald parse --json FILE" ;;
			base-herald) l="baseline herald parse FILE" ;;
			*) l="baseline herald parse --json FILE" ;;
			esac
			printf '%-40s %14d %14d %14d  %s\n' "$l" "$a" "$t" $((a - t)) "$r"
		done
	fi
	if [ -n "$BIGFILE" ]; then
		echo
		echo "BIG is one feed in one process: parser throughput without start-up."
		echo "herald prints only the first $("$HERALD" parse --help 2>&1 |
		    sed -n 's/^Caps: \([0-9]*\) entries.*/\1/p') entries of a document (its cap) but parses all of it."
	fi
} | tee "$OUT/parse-bench.txt"
