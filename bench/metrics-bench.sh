#!/usr/bin/env bash
# metrics-bench.sh: how long `herald metrics` takes with many feeds (issue 8
# item 4: under 100 ms with 10,000 feeds; the loop is blocked meanwhile).
#
# usage: bench/metrics-bench.sh [-n FEEDS] [-r RUNS] [-B BUILDDIR]
#
# Writes a configuration of FEEDS (default 10000) file:// feeds, all on one
# small feed file, fills a database with one `heraldd --once`, then starts
# heraldd in the foreground and times RUNS (default 10) `herald metrics`
# requests on its control socket, end to end.  -B BUILDDIR times the
# heraldd and herald of another build tree (an older commit, say) the same
# way, on a copy of the same database, and prints it beside this tree's.
# Each line says whether the text was complete (a line per feed of each
# per-feed metric, ending with a newline), and the CPU time heraldd spent
# per request (from /proc: what blocks its loop, steadier than the wall
# time on a busy machine).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
feeds=10000
runs=10
base=

while getopts n:r:B: opt; do
	case $opt in
	n) feeds=$OPTARG ;;
	r) runs=$OPTARG ;;
	B) base=$(cd "$OPTARG" && pwd) ;;
	*) sed -n '2,14p' "$0" >&2; exit 2 ;;
	esac
done

for b in "$top" ${base:+"$base"}; do
	for p in daemon/heraldd cli/herald; do
		[ -x "$b/$p" ] || { echo "metrics-bench: $b/$p is not built" >&2;
		    exit 1; }
	done
done

T=$(mktemp -d "${TMPDIR:-/tmp}/herald-metrics.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

now=$(date -u '+%a, %d %b %Y %H:%M:%S GMT')
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<rss version="2.0"><channel><title>bench</title>'
	echo '<link>https://bench.example/</link><description>d</description>'
	for i in 1 2 3 4 5; do
		echo "<item><title>Item $i</title><guid>bench-$i</guid>"
		echo "<link>https://bench.example/$i</link><pubDate>$now</pubDate>"
		echo "<description>Article $i.</description></item>"
	done
	echo '</channel></rss>'
} >"$T/feed.xml"

{
	echo '[herald]'
	echo "database = $T/bench.db"
	echo 'interval = 1d'
	echo 'max-parallel = 64'
	echo 'per-host = 64'
	for ((i = 0; i < feeds; i++)); do
		printf '\n[feed "bench-%05d"]\nurl = file://%s/feed.xml\n' "$i" "$T"
	done
} >"$T/bench.conf"

s=$(date +%s.%N)
"$top/daemon/heraldd" -c "$T/bench.conf" --once 2>"$T/once.log" || {
	echo "metrics-bench: heraldd --once failed:" >&2
	tail -5 "$T/once.log" >&2
	exit 1
}
e=$(date +%s.%N)
printf 'database: %d feeds stored by heraldd --once in %.1f s\n' "$feeds" \
    "$(echo "$e - $s" | bc)"
cp "$T/bench.db" "$T/pristine.db"

# cpu_ticks PID: user + system CPU time of a process, in clock ticks
cpu_ticks() {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# bench BUILDDIR LABEL: the figures of one build's heraldd and herald
bench() {
	local b=$1 label=$2 run i t0 t1 ms=() sorted lines bytes cpu0 cpu1
	run=$T/run-$label
	mkdir -p "$run"
	cp "$T/pristine.db" "$T/bench.db"
	rm -f "$T/bench.db-wal" "$T/bench.db-shm" "$T/bench.db.lock"
	RUNTIME_DIRECTORY=$run "$b/daemon/heraldd" -c "$T/bench.conf" -f \
	    2>"$T/$label.log" &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		[ -S "$run/heraldd.sock" ] && break
		sleep 0.1
	done
	[ -S "$run/heraldd.sock" ] || { echo "$label: no socket" >&2; return 1; }
	cpu0=$(cpu_ticks "$pid")
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		"$b/cli/herald" metrics -s "$run/heraldd.sock" >"$T/out" ||
		    echo "$label: a request failed" >&2
		t1=$(date +%s%N)
		ms+=("$(( (t1 - t0) / 1000 ))")
	done
	cpu1=$(cpu_ticks "$pid")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	sorted=$(printf '%s\n' "${ms[@]}" | sort -n)
	lines=$(grep -c '^herald_feed_items{' "$T/out" || true)
	bytes=$(wc -c <"$T/out")
	printf '%-5s %d feeds: median %.1f ms, min %.1f ms (heraldd CPU %.1f ms a request) over %d runs; ' \
	    "$label" "$feeds" \
	    "$(echo "$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p") / 1000" | bc -l)" \
	    "$(echo "$(echo "$sorted" | head -1) / 1000" | bc -l)" \
	    "$(echo "($cpu1 - $cpu0) * 1000 / $(getconf CLK_TCK) / $runs" | bc -l)" \
	    "$runs"
	if [ "$lines" -eq "$feeds" ] && [ "$(tail -c 1 "$T/out" | od -An -c | tr -d ' ')" = '\n' ]; then
		printf '%d bytes, complete\n' "$bytes"
	else
		printf '%d bytes, CUT SHORT (%d of %d feeds)\n' "$bytes" "$lines" \
		    "$feeds"
	fi
}

bench "$top" this
[ -n "$base" ] && bench "$base" base
exit 0
