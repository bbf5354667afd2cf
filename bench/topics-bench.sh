#!/usr/bin/env bash
# topics-bench.sh: what topic matching costs heraldd.  Runs `heraldd --once`
# over the 1,000-feed corpus (file:// URLs, a fresh database each run)
# three ways: without topics, with the shipped pack (etc/topics/
# eu-policy.conf) and with a generated rule set the size of the Europe
# Media Monitor (gen-rules.py: 850 topics, 30,000 terms).  Prints the CPU
# time of each (heraldd is one thread: one core), the time topics add to
# the ingest, and how many articles per second the matching alone
# sustains.  See bench/README.md.
#
# Builds nothing: it expects a built tree (make -j2).  Writes the corpus
# with gen-corpus.py when it is missing.

set -u

here=$(cd "$(dirname "$0")" && pwd)
HERALDD=${HERALDD:-$here/../daemon/heraldd}
CORPUS=${CORPUS:-$here/corpus}
OUT=${OUT:-$here/out/topics}
PACK=$here/../etc/topics/eu-policy.conf
PYTHON3=${PYTHON3:-python3}
RUNS=3
FEEDS=0

usage() {
	cat <<EOF
usage: topics-bench.sh [-d HERALDD] [-c CORPUS] [-o OUTDIR] [-r RUNS]
                       [-n FEEDS]

  -d HERALDD  heraldd binary (default \$HERALDD or $here/../daemon/heraldd)
  -c CORPUS   the feed corpus (default bench/corpus; made if missing)
  -o OUTDIR   configurations, rules and databases (default bench/out/topics)
  -r RUNS     runs of each measurement, the median is shown (default 3)
  -n FEEDS    only the first FEEDS feeds of the corpus (default all)
EOF
	exit 2
}

while getopts d:c:o:r:n:h opt; do
	case $opt in
	d) HERALDD=$OPTARG ;;
	c) CORPUS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	n) FEEDS=$OPTARG ;;
	*) usage ;;
	esac
done

if [ ! -x "$HERALDD" ]; then
	echo "topics-bench: $HERALDD: not built (run make -j2 first)" >&2
	exit 1
fi
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
if [ ! -f "$CORPUS/MANIFEST" ]; then
	echo "topics-bench: writing the corpus into $CORPUS" >&2
	"$PYTHON3" "$here/gen-corpus.py" "$CORPUS" >&2 || exit 1
fi
CORPUS=$(cd "$CORPUS" && pwd)
"$PYTHON3" "$here/gen-rules.py" --corpus "$CORPUS" "$OUT/emm-rules.conf" \
    || exit 1

# One configuration per rule set, the same feeds in each.
feeds=$OUT/feeds.conf
: > "$feeds"
n=0
for f in "$CORPUS"/feed-*.xml; do
	[ "$FEEDS" -gt 0 ] && [ "$n" -ge "$FEEDS" ] && break
	name=$(basename "$f" .xml)
	printf '\n[feed "%s"]\nurl = file://%s\n' "$name" "$f" >> "$feeds"
	n=$((n + 1))
done
for set in none pack emm; do
	{
		printf '[herald]\ndatabase = %s/%s.db\n' "$OUT" "$set"
		printf 'interval = 1h\nmax-parallel = 64\nper-host = 64\n'
		printf 'max-items = 1000\n'
		case $set in
		pack) printf 'include = %s\n' "$PACK" ;;
		emm) printf 'include = %s/emm-rules.conf\n' "$OUT" ;;
		esac
		cat "$feeds"
	} > "$OUT/$set.conf"
	"$HERALDD" -n -c "$OUT/$set.conf" > /dev/null || exit 1
done

# heraldd --once on a fresh database: "user+sys wall" of the run.
PIN=
command -v taskset > /dev/null 2>&1 && PIN="taskset -c 0"
run_once() {
	rm -f "$OUT/$1.db" "$OUT/$1.db-wal" "$OUT/$1.db-shm"
	"$PYTHON3" - "$OUT/$1.conf" $PIN "$HERALDD" <<'EOF'
import resource, subprocess, sys, time
conf, cmd = sys.argv[1], sys.argv[2:]
t = time.monotonic()
rc = subprocess.call(cmd + ["-c", conf, "--once"])
wall = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
if rc != 0:
    sys.exit("heraldd exited with %d" % rc)
print("%.3f %.3f" % (r.ru_utime + r.ru_stime, wall))
EOF
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

declare -A CPU WALL
for set in none pack emm; do
	: > "$OUT/$set.times"
	for r in $(seq "$RUNS"); do
		run_once "$set" >> "$OUT/$set.times" || exit 1
	done
	CPU[$set]=$(awk '{ print $1 }' "$OUT/$set.times" | median)
	WALL[$set]=$(awk '{ print $2 }' "$OUT/$set.times" | median)
done

# What each run stored and matched, and the size of each rule set.
"$PYTHON3" - "$OUT" "$PACK" "${CPU[none]}" "${CPU[pack]}" "${CPU[emm]}" \
    "${WALL[none]}" "${WALL[pack]}" "${WALL[emm]}" "$n" "$RUNS" <<'EOF'
import re, sqlite3, sys
out, pack = sys.argv[1], sys.argv[2]
cpu = dict(zip(("none", "pack", "emm"), map(float, sys.argv[3:6])))
wall = dict(zip(("none", "pack", "emm"), map(float, sys.argv[6:9])))
nfeeds, runs = sys.argv[9], sys.argv[10]

def rules(path):
    text = open(path, encoding="utf-8").read()
    # continuation lines join the value with one space
    text = re.sub(r"\n[ \t]+", " ", text)
    topics = len(re.findall(r'^\[topic "', text, re.M))
    terms = sum(len(m.split(" OR ")) for m in
                re.findall(r"^match = (.*)$", text, re.M))
    return topics, terms

sets = {"none": (0, 0), "pack": rules(pack),
        "emm": rules(out + "/emm-rules.conf")}
rows = []
for s, label in (("none", "no topics"), ("pack", "eu-policy pack"),
                 ("emm", "EMM-size set")):
    db = sqlite3.connect(out + "/" + s + ".db")
    items = db.execute("SELECT count(*) FROM items").fetchone()[0]
    m, arts = db.execute("SELECT count(*), count(DISTINCT item_id) "
                         "FROM matches").fetchone()
    db.close()
    added = cpu[s] - cpu["none"]
    rows.append((label, sets[s][0], sets[s][1], items, m, arts, cpu[s],
                 wall[s], added, 100 * added / cpu["none"],
                 items / added if added > 0 else None))
print("heraldd --once over %s feeds, median of %s runs; CPU = user + sys "
      "of one process (one core)" % (nfeeds, runs))
print()
print("%-15s %6s %6s %7s %8s %9s %7s %7s %8s %7s %12s" % (
    "rule set", "topics", "terms", "items", "matches", "articles",
    "CPU s", "wall s", "added s", "added", "matching/s"))
for r in rows:
    print("%-15s %6d %6d %7d %8d %9d %7.2f %7.2f %8.2f %6.1f%% %12s" % (
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
        "-" if r[10] is None else "%.0f" % r[10]))
print()
print("added: CPU time over the run without topics; matching/s: articles "
      "matched per second of that added time")
EOF
