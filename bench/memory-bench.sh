#!/usr/bin/env bash
# memory-bench.sh: peak RSS of `herald parse` on single feeds of 10 and
# 100 MiB, next to `xmllint --stream --noout` on the same files, to show that
# herald's peak memory does not grow with the document.  See bench/README.md.
#
# Builds nothing: it expects a built tree (make -j2).  Writes the feeds with
# gen-corpus.py --big (streamed) when they are missing.  Peak RSS comes from
# GNU time (/usr/bin/time, Debian package "time") when installed, else from
# VmHWM in /proc/PID/status, polled through python3.

set -u

here=$(cd "$(dirname "$0")" && pwd)
HERALD=${HERALD:-$here/../cli/herald}
XMLLINT=${XMLLINT:-xmllint}
OUT=${OUT:-$here/out}
SIZES="10 100"
RUNS=3
FORMAT=rss
DOM=1
METHOD=auto

usage() {
	cat <<EOF
usage: memory-bench.sh [-H HERALD] [-x XMLLINT] [-o OUTDIR] [-s "MIB ..."]
                       [-r RUNS] [-f rss|atom|rdf] [-D] [-m auto|time|proc]

  -H HERALD   herald binary (default \$HERALD or $here/../cli/herald)
  -x XMLLINT  xmllint binary (default \$XMLLINT or xmllint)
  -o OUTDIR   where the feeds and results go (default bench/out)
  -s SIZES    feed sizes in MiB (default "10 100")
  -r RUNS     runs of each measurement, the median is shown (default 3)
  -f FORMAT   format of the generated feeds (default rss)
  -D          skip the reference row of xmllint building a tree (no --stream)
  -m METHOD   peak RSS from GNU time when installed (auto, time) or from
              VmHWM in /proc/PID/status polled by python3 (proc)

Environment: HERALD, XMLLINT, OUT as the options; HERALD_REV labels the
herald build in the report when its directory is not a git checkout.
EOF
	exit 2
}

while getopts H:x:o:s:r:f:m:Dh opt; do
	case $opt in
	H) HERALD=$OPTARG ;;
	x) XMLLINT=$OPTARG ;;
	o) OUT=$OPTARG ;;
	s) SIZES=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	f) FORMAT=$OPTARG ;;
	D) DOM=0 ;;
	m) METHOD=$OPTARG ;;
	*) usage ;;
	esac
done

die() { echo "memory-bench: $*" >&2; exit 1; }

[ -x "$HERALD" ] || die "no herald at $HERALD: build the tree first (make -j2) or pass -H"
command -v "$XMLLINT" >/dev/null || die "no $XMLLINT: apt-get install libxml2-utils"
command -v python3 >/dev/null || die "python3 is needed for gen-corpus.py"
case $RUNS in ''|*[!0-9]*|0) die "-r wants a positive number" ;; esac
for s in $SIZES; do
	case $s in ''|*[!0-9]*|0) die "-s wants sizes in MiB" ;; esac
done
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)

case $METHOD in
auto)	if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
		METHOD=time
	else
		METHOD=proc
	fi ;;
time)	[ -x /usr/bin/time ] || die "no GNU time: apt-get install time" ;;
proc)	;;
*)	usage ;;
esac
if [ "$METHOD" = time ]; then
	METHOD="GNU time (/usr/bin/time -f %M)"
	# measure CMD...: prints "peak_rss_kib wall_seconds exit_status"
	measure() {
		local f=$OUT/time.out rc
		/usr/bin/time -o "$f" -f '%M %e %x' "$@" >/dev/null 2>>"$OUT/memory-bench.err"
		rc=$?
		[ -s "$f" ] || { echo "0 0 $rc"; return; }
		tail -n 1 "$f"
	}
else
	# ru_maxrss of a child forked from python3 would include python's own
	# pages (Linux keeps the pre-exec high-water mark), so read VmHWM,
	# which exec resets, from /proc every millisecond while it runs.  A
	# rise in the last millisecond before exit can be missed.
	METHOD="VmHWM from /proc/PID/status, polled every 1 ms"
	measure() {
		python3 -c '
import subprocess, sys, time
err = open(sys.argv[1], "ab")
t = time.monotonic()
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
path, hwm = "/proc/%d/status" % p.pid, 0
while p.poll() is None:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = max(hwm, int(line.split()[1]))
    except OSError:
        pass
    time.sleep(0.001)
print(hwm, "%.2f" % (time.monotonic() - t), p.returncode)
' "$OUT/memory-bench.err" "$@"
	}
fi
: >"$OUT/memory-bench.err"

TINY=$OUT/tiny.xml
printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' \
    '<rss version="2.0"><channel><title>t</title><link>https://example.org/</link>' \
    '<item><title>x</title><link>https://example.org/1</link></item></channel></rss>' \
    >"$TINY"
files=("$TINY")
for s in $SIZES; do
	f=$OUT/big-$s-$FORMAT.xml
	if [ ! -s "$f" ]; then
		python3 "$here/gen-corpus.py" --format "$FORMAT" --big "$s" "$f" ||
		    die "gen-corpus.py --big $s failed"
	fi
	files+=("$f")
done

tools=(herald herald-json xmllint-stream)
[ "$DOM" = 1 ] && tools+=(xmllint-tree)
run_tool() {
	case $1 in
	herald) measure "$HERALD" parse "$2" ;;
	herald-json) measure "$HERALD" parse --json "$2" ;;
	xmllint-stream) measure "$XMLLINT" --stream --noout "$2" ;;
	xmllint-tree) measure "$XMLLINT" --noout --huge "$2" ;;
	esac
}

RAW=$OUT/memory-bench.raw
: >"$RAW"
echo "memory-bench: $METHOD, $RUNS runs of ${#tools[@]} tools on ${#files[@]} files"
for ((r = 1; r <= RUNS; r++)); do
	for f in "${files[@]}"; do
		for t in "${tools[@]}"; do
			set -- $(run_tool "$t" "$f")
			printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$f" "$1" "$2" "$3" >>"$RAW"
			printf '.'
		done
	done
done
echo

python3 - "$RAW" "${tools[@]}" >"$OUT/memory-bench.table" <<'EOF'
import os, sys
from statistics import median
raw, tools = sys.argv[1], sys.argv[2:]
rows = {}
files = []
for line in open(raw):
    t, f, rss, wall, rc = line.rstrip("\n").split("\t")
    if f not in files:
        files.append(f)
    rows.setdefault((t, f), []).append((int(rss), float(wall), int(rc)))
for t in tools:
    peaks = []
    for f in files:
        r = rows[(t, f)]
        rss = median(x[0] for x in r) / 1024
        wall = median(x[1] for x in r)
        bad = [x[2] for x in r if x[2] != 0]
        peaks.append(rss)
        print("%s|%s|%.1f|%.1f|%.2f|%s" % (t, os.path.basename(f),
              os.path.getsize(f) / 1048576, rss, wall,
              "exit %d" % bad[0] if bad else ""))
    # Growth from the smallest big feed to the largest.
    if len(files) > 2:
        grow = peaks[-1] - peaks[1]
        more = (os.path.getsize(files[-1]) - os.path.getsize(files[1])) / 1048576
        print("grow|%s|%.1f|%.1f|%.1f|" % (t, more, grow, 100 * grow / more))
EOF

hver=${HERALD_REV:-$(git -C "$(dirname "$HERALD")" rev-parse --short HEAD 2>/dev/null)}
declare -A label=([herald]="herald parse FILE"
    [herald-json]="herald parse --json FILE"
    [xmllint-stream]="xmllint --stream --noout FILE"
    [xmllint-tree]="xmllint --noout --huge (tree, reference)")
{
	echo "memory-bench  $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) cores  load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "herald:  $HERALD (git ${hver:-?})"
	echo "xmllint: $("$XMLLINT" --version 2>&1 | head -n 1)"
	echo "peak RSS: $METHOD; median of $RUNS runs; stdout to /dev/null"
	echo
	printf '%-42s %-22s %9s %10s %8s\n' tool file MiB "peak MiB" "wall s"
	while IFS='|' read -r t f size rss wall bad; do
		[ "$t" = grow ] && continue
		printf '%-42s %-22s %9s %10s %8s %s\n' "${label[$t]}" "$f" "$size" \
		    "$rss" "$wall" "$bad"
	done <"$OUT/memory-bench.table"
	echo
	echo "Growth of peak RSS from the smallest to the largest big feed:"
	while IFS='|' read -r t tool more grow pct bad; do
		[ "$t" = grow ] || continue
		printf '%-42s +%s MiB of input: %+.1f MiB peak RSS (%s%% of the extra input)\n' \
		    "${label[$tool]}" "$more" "$grow" "$pct"
	done <"$OUT/memory-bench.table"
} | tee "$OUT/memory-bench.txt"
[ -s "$OUT/memory-bench.err" ] &&
    echo "(stderr of the tools: $OUT/memory-bench.err)"
exit 0
