#!/usr/bin/env bash
# stories-bench.sh: what story assignment costs heraldd (issue 9), side by
# side with a build without stories (-B: the heraldd of another tree, e.g.
# a worktree at the commit before stories).  Two measures:
#   fresh   heraldd --once over a corpus into a new database: CPU (user +
#           sys) of each build, median of RUNS, and the difference;
#   growth  a database first filled with STORED articles (a corpus of
#           their own), then a fixed batch of new feeds fetched on top:
#           milliseconds per new article, for each build, for each size
#           of -s (default "50000 500000"): the cost per article must
#           not grow with what is stored.
# -k reuses the stored databases of an earlier growth run (filling 500k
# articles takes most of an hour here): each is copied, brought to the
# build's schema by `heraldd --check-database` (not timed), then the batch
# is timed on the copy.
# Builds nothing; writes corpora with gen-corpus.py when missing.  See
# bench/README.md.

set -u

here=$(cd "$(dirname "$0")" && pwd)
HERALDD=${HERALDD:-$here/../daemon/heraldd}
BASE=
OUT=${OUT:-$here/out/stories}
PYTHON3=${PYTHON3:-python3}
RUNS=3
FEEDS=1000
SIZES="50000 500000"
BATCH=100
KEEP=0
LIVE=0

usage() {
	cat <<EOF
usage: stories-bench.sh -B BASE_HERALDD [-d HERALDD] [-o OUTDIR] [-r RUNS]
                        [-n FEEDS] [-s "STORED ..."] [-b BATCH_FEEDS] [-k] [-L]
                        [fresh | growth | all]

  -B HERALDD  the heraldd to compare with (a build without stories)
  -d HERALDD  heraldd with stories (default $here/../daemon/heraldd)
  -o OUTDIR   corpora, configurations, databases (default bench/out/stories)
  -r RUNS     runs of the fresh ingest, the median is shown (default 3)
  -n FEEDS    feeds of the fresh-ingest corpus (default 1000, ~50k articles)
  -s SIZES    articles stored before the growth batch (default "$SIZES")
  -b FEEDS    feeds of the growth batch (default 100, ~5k articles)
  -k          growth: reuse the stored databases an earlier run filled in
              OUTDIR (copied and migrated first; filled when missing)
  -L          fresh: a corpus of live news (gen-corpus.py --end now
              --spread 1: every article within a few days of now, so the
              story window holds them all), in place of the 2025 corpus,
              whose articles mostly leave the window as they arrive
EOF
	exit 2
}

while getopts B:d:o:r:n:s:b:kLh opt; do
	case $opt in
	B) BASE=$OPTARG ;;
	d) HERALDD=$OPTARG ;;
	o) OUT=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	n) FEEDS=$OPTARG ;;
	s) SIZES=$OPTARG ;;
	b) BATCH=$OPTARG ;;
	k) KEEP=1 ;;
	L) LIVE=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
WHAT=${1:-all}
[ -n "$BASE" ] || usage
for b in "$HERALDD" "$BASE"; do
	if [ ! -x "$b" ]; then
		echo "stories-bench: $b: not built" >&2
		exit 1
	fi
done
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)

# corpus DIR COUNT SEED [GEN-CORPUS ARGS]: a corpus of COUNT feeds, written
# once.
corpus() {
	local d=$1 n=$2 seed=$3
	shift 3
	if [ ! -f "$d/MANIFEST" ]; then
		echo "stories-bench: writing $n feeds into $d" >&2
		"$PYTHON3" "$here/gen-corpus.py" --seed "$seed" --count "$n" \
		    "$@" "$d" >&2 || exit 1
	fi
}

# conf FILE DB CORPUS...: one [feed] per file of the corpora.
conf() {
	local f=$1 db=$2 c x
	shift 2
	printf '[herald]\ndatabase = %s\ninterval = 1h\nmax-parallel = 64\n' \
	    "$db" > "$f"
	printf 'per-host = 64\nmax-items = 1000\n' >> "$f"
	for c in "$@"; do
		for x in "$c"/feed-*.xml; do
			printf '\n[feed "%s-%s"]\nurl = file://%s\n' \
			    "$(basename "$c")" "$(basename "$x" .xml)" "$x" >> "$f"
		done
	done
}

# cpu HERALDD CONF: user+sys seconds of one heraldd --once.
# (time writes to a file: its stderr went to /dev/null with heraldd's,
# and every figure read 0.00)
cpu() {
	/usr/bin/time -o "$OUT/time.out" -f '%U %S' "$1" -c "$2" --once \
	    >/dev/null 2>&1
	tail -1 "$OUT/time.out" | awk '{ printf "%.2f", $1 + $2 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

articles() {
	"$PYTHON3" - "$1" <<'EOF'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from items").fetchone()[0])
EOF
}

fresh() {
	local c=$OUT/corpus-$FEEDS b t r db n
	if [ "$LIVE" = 1 ]; then
		# live news: every article within a few days of now (the
		# window full, as in use), written again each day
		c=$OUT/corpus-live-$FEEDS-$(date -u +%Y%m%d)
		corpus "$c" "$FEEDS" 1 --end "$(date +%s)" --spread 1
	else
		corpus "$c" "$FEEDS" 1
	fi
	echo "fresh ingest of $FEEDS feeds ($(basename "$c")), CPU seconds" \
	    "(median of $RUNS, interleaved)"
	t_base= t_stories=
	for r in $(seq "$RUNS"); do
		for b in base stories; do
			db=$OUT/fresh-$b.db
			rm -f "$db" "$db-wal" "$db-shm" "$db.lock"
			conf "$OUT/fresh-$b.conf" "$db" "$c"
			t=$(cpu "$([ $b = base ] && echo "$BASE" ||
			    echo "$HERALDD")" "$OUT/fresh-$b.conf")
			eval "t_$b=\"\$t_$b $t\""
		done
	done
	for b in base stories; do
		n=$(articles "$OUT/fresh-$b.db")
		t=$(eval echo \$t_$b)
		eval "cpu_$b=$(echo $t | tr ' ' '\n' | median)"
		printf '  %-8s %6.2f s  %d articles  runs: %s\n' "$b" \
		    "$(eval echo \$cpu_$b)" "$n" "$t"
	done
	awk -v a="$cpu_base" -v b="$cpu_stories" -v n="$n" 'BEGIN {
	    printf "  stories add %.2f s, %+.1f%% (%.3f ms per article)\n",
	    b - a, 100 * (b - a) / a, 1000 * (b - a) / n }'
}

growth() {
	local size feeds base_c batch=$OUT/batch-$BATCH b db t n0 n1 h
	corpus "$batch" "$BATCH" 7
	echo "a batch of $BATCH feeds on top of what is stored: ms per new article"
	for size in $SIZES; do
		feeds=$((size / 50))
		base_c=$OUT/corpus-$feeds
		corpus "$base_c" "$feeds" 1
		for b in base stories; do
			h=$([ $b = base ] && echo "$BASE" || echo "$HERALDD")
			db=$OUT/growth-$b-$size.db
			if [ "$KEEP" = 0 ] || [ ! -f "$db" ]; then
				rm -f "$db" "$db-wal" "$db-shm" "$db.lock"
				conf "$OUT/g1.conf" "$db" "$base_c"
				cpu "$h" "$OUT/g1.conf" >/dev/null
			fi
			# the batch goes into a copy: the filled one stays
			# as it was filled, for -k
			rm -f "$OUT/copy.db" "$OUT/copy.db-wal" \
			    "$OUT/copy.db-shm" "$OUT/copy.db.lock"
			cp "$db" "$OUT/copy.db" || exit 1
			if [ -f "$db-wal" ]; then
				cp "$db-wal" "$OUT/copy.db-wal" || exit 1
			fi
			db=$OUT/copy.db
			if [ "$KEEP" = 1 ]; then
				printf '[herald]\ndatabase = %s\n' "$db" \
				    > "$OUT/g0.conf"
				"$h" -c "$OUT/g0.conf" --check-database \
				    >/dev/null 2>&1 || {
					echo "stories-bench: $h cannot migrate $db" >&2
					exit 1
				}
			fi
			n0=$(articles "$db")
			# only the new feeds: the stored ones are not polled again
			conf "$OUT/g2.conf" "$db" "$batch"
			t=$(cpu "$h" "$OUT/g2.conf")
			n1=$(articles "$db")
			awk -v t="$t" -v a="$n0" -v c="$n1" -v b="$b" 'BEGIN {
			    printf "  %-8s %7d stored  %5d new  %.3f ms per new article\n",
			    b, a, c - a, 1000 * t / (c - a) }'
		done
	done
}

case $WHAT in
fresh) fresh ;;
growth) growth ;;
all) fresh; growth ;;
*) usage ;;
esac
