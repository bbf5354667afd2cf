#!/usr/bin/env bash
# digest-bench.sh: what assembling a digest over a busy period costs, side
# by side with another build (-B: the herald CLI of another tree, e.g.
# main before the store cut the period in SQL).  heraldd assembles a digest
# on its event loop with the same digest_build() as `herald digest`, so
# the CLI's wall time over a database of ARTICLES articles first seen in the
# last week (8 topics, FEEDS feeds, stories of one to three articles, a
# summary of ~600 bytes each) is what the loop would stall for.  Prints the
# median wall time of RUNS runs of each build and the rows the store reads
# for the digest (the period's articles before; the shown stories' after).
# Builds nothing; the database is made once per size with heraldd (schema)
# and Python's sqlite3 (rows); with -D (the base's heraldd) the base gets a
# database of its own schema with the same rows, for a base that reads an
# older schema.  See bench/README.md.

set -u

here=$(cd "$(dirname "$0")" && pwd)
HERALD=${HERALD:-$here/../cli/herald}
HERALDD=${HERALDD:-$here/../daemon/heraldd}
BASE=
BASED=
OUT=${OUT:-$here/out/digest}
PYTHON3=${PYTHON3:-python3}
RUNS=5
ARTICLES=50000
FEEDS=500
MAX=10

usage() {
	cat <<EOF
usage: digest-bench.sh -B BASE_HERALD [-D BASE_HERALDD] [-d HERALD]
                       [-o OUTDIR] [-r RUNS] [-n ARTICLES] [-f FEEDS]
                       [-m MAX_STORIES]

  -B HERALD   the herald CLI to compare with
  -D HERALDD  the base's heraldd: the base reads a database it made
              (same rows; default: both read the one this tree's made)
  -d HERALD   the herald CLI measured (default $here/../cli/herald)
  -o OUTDIR   configuration and database (default bench/out/digest)
  -r RUNS     runs of each build, the median is shown (default 5)
  -n ARTICLES articles first seen in the last 7 days (default 50000)
  -f FEEDS    feeds carrying them (default 500)
  -m MAX      stories per topic (--limit; default 10)
EOF
	exit 2
}

while getopts B:D:d:o:r:n:f:m:h opt; do
	case $opt in
	B) BASE=$OPTARG ;;
	D) BASED=$OPTARG ;;
	d) HERALD=$OPTARG ;;
	o) OUT=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	n) ARTICLES=$OPTARG ;;
	f) FEEDS=$OPTARG ;;
	m) MAX=$OPTARG ;;
	*) usage ;;
	esac
done
[ -n "$BASE" ] || usage
for b in "$HERALD" "$BASE" "$HERALDD" ${BASED:+"$BASED"}; do
	if [ ! -x "$b" ]; then
		echo "digest-bench.sh: $b is not built" >&2
		exit 1
	fi
done

mkdir -p "$OUT"
topics="russia digital china climate energy trade migration health"
now=$(date +%s)

# make_db HERALDD TAG: the configuration $OUT/TAG.conf and its database,
# the schema by HERALDD, the rows written as of $now (the same for each)
make_db() {
	local conf=$OUT/$2.conf db=$OUT/$2-$ARTICLES.db t
	{
		printf '[herald]\ndatabase = %s\n' "$db"
		for t in $topics; do
			printf '\n[topic "%s"]\nmatch = %s\n' "$t" "$t"
		done
	} >"$conf"
	[ -s "$db" ] && return 0
	rm -f "$db" "$db-wal" "$db-shm"
	# the schema, through the store's own migrations
	"$1" -c "$conf" --once >/dev/null 2>&1 || {
		echo "digest-bench.sh: $1 --once failed" >&2
		exit 1
	}
	"$PYTHON3" - "$db" "$ARTICLES" "$FEEDS" "$topics" "$now" <<'EOF' || exit 1
import random, sqlite3, sys
db, n, nfeeds, topics, now = sys.argv[1], int(sys.argv[2]), \
    int(sys.argv[3]), sys.argv[4].split(), int(sys.argv[5])
rnd = random.Random(11)
words = ("council commission parliament sanctions package vessels banks "
         "tariffs emissions market energy grid migration asylum health "
         "vaccine trade talks summit minister budget").split()
c = sqlite3.connect(db)
c.execute("BEGIN")
for f in range(nfeeds):
    c.execute("INSERT INTO feeds (id, name, url, config_url, title, created)"
              " VALUES (?, ?, ?, ?, ?, ?)", (f + 1, "feed-%d" % f,
              "https://f%d.test/" % f, "https://f%d.test/" % f,
              "Outlet %d" % (f % (nfeeds // 2 or 1)), now))
story = 0
i = 0
while i < n:
    story += 1
    size = rnd.choice((1, 1, 1, 2, 3))
    topic = topics[story % len(topics)]
    first = now - rnd.randrange(7 * 86400 - 3600)
    c.execute("INSERT INTO stories (id, first_seen, last_seen, size,"
              " lead_item) VALUES (?, ?, ?, ?, ?)",
              (story, first, first, size, i + 1))
    for k in range(size):
        i += 1
        seen = first + 600 * k
        title = " ".join(rnd.choice(words) for _ in range(12))
        summary = " ".join(rnd.choice(words) for _ in range(80))
        c.execute("INSERT INTO items (id, guid, link, title, summary, lang,"
                  " published, first_seen, changed, content_hash, dedup_key)"
                  " VALUES (?, ?, ?, ?, ?, 'en', ?, ?, ?, 0, ?)",
                  (i, "g%d" % i, "https://news.test/%d" % i, title, summary,
                   seen, seen, seen, i))
        c.execute("INSERT INTO item_feeds (item_id, feed_id, guid, first_seen,"
                  " content_hash) VALUES (?, ?, ?, ?, 0)",
                  (i, rnd.randrange(nfeeds) + 1, "g%d" % i, seen))
        c.execute("INSERT INTO story_links (item_id, story_id, at, lang,"
                  " indexed) VALUES (?, ?, ?, 'en', 0)", (i, story, seen))
        c.execute("INSERT OR IGNORE INTO topics (name) VALUES (?)",
                  (topic,))
        c.execute("INSERT INTO matches (item_id, topic_id, created)"
                  " SELECT ?, id, ? FROM topics WHERE name = ?",
                  (i, seen, topic))
        if i >= n:
            break
c.execute("COMMIT")
c.execute("ANALYZE")
c.close()
EOF
}

# the rows of both as of one instant: made again together
if [ ! -s "$OUT/this-$ARTICLES.db" ] ||
    { [ -n "$BASED" ] && [ ! -s "$OUT/base-$ARTICLES.db" ]; }; then
	rm -f "$OUT/this-$ARTICLES.db" "$OUT/base-$ARTICLES.db"
fi
make_db "$HERALDD" this
conf=$OUT/this.conf
db=$OUT/this-$ARTICLES.db
bconf=$conf
if [ -n "$BASED" ]; then
	make_db "$BASED" base
	bconf=$OUT/base.conf
fi

rows=$("$PYTHON3" - "$db" <<'EOF'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT count(*) FROM items WHERE first_seen >= ?",
                (int(time.time()) - 7 * 86400,)).fetchone()[0])
EOF
)

# wall time of one digest by HERALD over CONF, in seconds
run() {
	local t0 t1
	t0=$(date +%s.%N)
	"$1" digest -c "$2" --since 7d --limit "$MAX" --json >"$OUT/out.json" ||
		echo "digest-bench.sh: $1 failed" >&2
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

: >"$OUT/base.times"
: >"$OUT/new.times"
for _ in $(seq "$RUNS"); do
	run "$BASE" "$bconf" >>"$OUT/base.times"
	run "$HERALD" "$conf" >>"$OUT/new.times"
done
"$BASE" digest -c "$bconf" --since 7d --limit "$MAX" --json >"$OUT/base.json"
"$HERALD" digest -c "$conf" --since 7d --limit "$MAX" --json >"$OUT/new.json"
shown=$("$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(sum(len(s["items"]) for t in d["topics"] for s in t["stories"]))' \
    "$OUT/new.json")
same=$("$PYTHON3" -c 'import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
strip = lambda d: [(t["topic"], t["total"], [s["id"] for s in t["stories"]])
                   for t in d["topics"]]
print("same" if strip(a) == strip(b) else "DIFFERENT")' \
    "$OUT/base.json" "$OUT/new.json")

printf 'articles in the period: %s, feeds %s, --limit %s, runs %s\n' \
    "$rows" "$FEEDS" "$MAX" "$RUNS"
printf '%-8s %10s %12s\n' build "median s" "rows read"
printf '%-8s %10s %12s\n' base "$(median <"$OUT/base.times")" \
    "$rows (every article)"
printf '%-8s %10s %12s\n' this "$(median <"$OUT/new.times")" \
    "$shown (the stories shown)"
printf 'the two digests (topics, totals, stories shown): %s\n' "$same"
