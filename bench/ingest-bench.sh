#!/usr/bin/env bash
# ingest-bench.sh: heraldd's whole ingest (fetch, parse, store, index, topic
# matching) side by side with its peers over the same feeds, in one run,
# interleaved round by round: xmllint --stream (the parser alone),
# sfeed_update, newsboat -x reload and heraldd --once, each over file:// and
# over HTTP from an nginx this script starts on 127.0.0.1 (ETags on), then
# one heraldd cycle over a 10,000-feed corpus on the same nginx.  See
# bench/README.md.
#
# Builds nothing: it expects a built tree (make -j2).  Writes the corpora
# with gen-corpus.py when they are missing.

set -u

here=$(cd "$(dirname "$0")" && pwd)
HERALDD=${HERALDD:-$here/../daemon/heraldd}
CORPUS=${CORPUS:-$here/corpus}
OUT=${OUT:-$here/out/ingest}
PACK=$here/../etc/topics/eu-policy.conf
RUNS=3
FEEDS=0
BIGN=10000
CG=0
PEERS=1
PEER_ROUNDS=1
PORT=0
TOPICS=pack

usage() {
	cat <<EOF
usage: ingest-bench.sh [-d HERALDD] [-c CORPUS] [-o OUTDIR] [-r RUNS]
                       [-P RUNS] [-n FEEDS] [-B FEEDS] [-C FEEDS]
                       [-T pack|none|FILE] [-p PORT] [-H]

  -d HERALDD  heraldd binary (default \$HERALDD or $here/../daemon/heraldd)
  -c CORPUS   the feed corpus (default bench/corpus; made if missing)
  -o OUTDIR   configurations, databases and results (default bench/out/ingest)
  -r RUNS     rounds; each round runs heraldd and xmllint once (default 3)
  -P RUNS     in how many of the rounds newsboat and sfeed_update run too
              (default 1: on 2 cores they take about an hour a round)
  -n FEEDS    only the first FEEDS feeds of the corpus (default all)
  -B FEEDS    the big cycle's corpus size (default 10000, written to
              bench/corpus-FEEDS when missing; 0 skips the big cycle)
  -C FEEDS    also count heraldd's and xmllint's instructions (callgrind)
              over the first FEEDS feeds, file:// (default 0: off)
  -T TOPICS   topic rules heraldd matches: the shipped pack (default), none,
              or a file of [topic] sections
  -p PORT     nginx's port on 127.0.0.1 (default: a free one)
  -H          heraldd and xmllint only (no newsboat, no sfeed)

Environment: HERALDD, CORPUS, OUT as the options; HERALD_REV labels the
heraldd build in the report when its directory is not a git checkout.
EOF
	exit 2
}

while getopts d:c:o:r:P:n:B:C:T:p:Hh opt; do
	case $opt in
	d) HERALDD=$OPTARG ;;
	c) CORPUS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	P) PEER_ROUNDS=$OPTARG ;;
	n) FEEDS=$OPTARG ;;
	B) BIGN=$OPTARG ;;
	C) CG=$OPTARG ;;
	T) TOPICS=$OPTARG ;;
	p) PORT=$OPTARG ;;
	H) PEERS=0 ;;
	*) usage ;;
	esac
done

die() { echo "ingest-bench: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "no $1: apt-get install $2"; }

for v in RUNS PEER_ROUNDS FEEDS BIGN CG PORT; do
	case ${!v} in ''|*[!0-9]*) die "$v wants a number" ;; esac
done
[ "$RUNS" -gt 0 ] || die "-r wants a positive number"
[ -x "$HERALDD" ] || die "no heraldd at $HERALDD: build the tree first (make -j2) or pass -d"
need python3 python3
need xmllint libxml2-utils
need nginx nginx-light
if [ "$PEERS" = 1 ]; then
	need sfeed_update sfeed
	need newsboat newsboat
	need curl curl		# sfeed_update fetches with curl
fi
[ "$CG" -gt 0 ] && need valgrind valgrind
case $TOPICS in
pack) TOPICS=$PACK ;;
none) TOPICS= ;;
*) [ -r "$TOPICS" ] || die "-T: cannot read $TOPICS" ;;
esac
[ -n "$TOPICS" ] && TOPICS=$(cd "$(dirname "$TOPICS")" && pwd)/$(basename "$TOPICS")
HERALDD=$(cd "$(dirname "$HERALDD")" && pwd)/$(basename "$HERALDD")
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)

# The corpora: written when MANIFEST is missing or does not match (a
# corpus may be a symbolic link to one written elsewhere: find -H).
corpus_ready() {
	local want
	want=$(sed -n 's/^# gen-corpus.py .* count \([0-9]*\) .*/\1/p' \
	    "$1/MANIFEST" 2>/dev/null)
	[ -n "$want" ] && [ "$(find -H "$1" -maxdepth 1 -name 'feed-*.xml' |
	    wc -l)" -eq "$want" ]
}
make_corpus() {	# DIR COUNT
	corpus_ready "$1" && return 0
	echo "ingest-bench: writing the corpus into $1 (once)"
	mkdir -p "$1" && rm -f "$1"/feed-*.xml "$1/MANIFEST"
	python3 "$here/gen-corpus.py" --count "$2" "$1" ||
	    die "gen-corpus.py failed"
}
make_corpus "$CORPUS" 1000
CORPUS=$(cd "$CORPUS" && pwd)
BIGCORPUS=
if [ "$BIGN" -gt 0 ]; then
	BIGCORPUS=$here/corpus-$BIGN
	make_corpus "$BIGCORPUS" "$BIGN"
	BIGCORPUS=$(cd "$BIGCORPUS" && pwd)
fi

# nginx on 127.0.0.1 serving the corpora (the big one under /big/), static
# files with their ETag and Last-Modified, so a second fetch is a 304.
NGX=$OUT/nginx
NGINX_PID=
stop_nginx() {
	if [ -n "$NGINX_PID" ]; then
		kill "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
		NGINX_PID=
	fi
}
trap stop_nginx EXIT
trap 'exit 130' INT TERM
[ "$PORT" -gt 0 ] || PORT=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -rf "$NGX" && mkdir -p "$NGX/tmp" || die "cannot create $NGX"
{
	echo "daemon off;"
	echo "worker_processes 1;"
	# a root master would hand the workers to nobody; keep them ours
	[ "$(id -u)" = 0 ] && echo "user root root;"
	echo "pid $NGX/nginx.pid;"
	echo "error_log $NGX/error.log;"
	echo "events { worker_connections 4096; }"
	echo "http {"
	echo "  access_log off;"
	echo "  types { application/rss+xml xml; }"
	echo "  client_body_temp_path $NGX/tmp;"
	echo "  keepalive_requests 1000000;"
	echo "  server {"
	echo "    listen 127.0.0.1:$PORT;"
	echo "    root $CORPUS;"
	[ -n "$BIGCORPUS" ] && echo "    location /big/ { alias $BIGCORPUS/; }"
	echo "  }"
	echo "}"
} >"$NGX/nginx.conf"
nginx -p "$NGX" -c "$NGX/nginx.conf" 2>>"$NGX/error.log" &
NGINX_PID=$!
BASE=http://127.0.0.1:$PORT
for i in $(seq 50); do
	curl -sf -o /dev/null "$BASE/MANIFEST" 2>/dev/null && break
	kill -0 "$NGINX_PID" 2>/dev/null || die "nginx did not start: $NGX/error.log"
	sleep 0.1
done
python3 - "$BASE/MANIFEST" <<'EOF' || die "nginx does not answer on $BASE: $NGX/error.log"
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=5).read()
EOF

# The feed lists: one file path or URL a line.
LIST=$OUT/files.list
grep '^feed-' "$CORPUS/MANIFEST" >"$OUT/names.list"
[ "$FEEDS" -gt 0 ] && { head -n "$FEEDS" "$OUT/names.list" >"$OUT/n"; mv "$OUT/n" "$OUT/names.list"; }
sed "s|^|$CORPUS/|" "$OUT/names.list" >"$LIST"
sed "s|^|file://$CORPUS/|" "$OUT/names.list" >"$OUT/file.urls"
sed "s|^|$BASE/|" "$OUT/names.list" >"$OUT/http.urls"
sed "s|^|$BASE/|" "$OUT/names.list" >"$OUT/xmllint-http.args"
cp "$LIST" "$OUT/xmllint-file.args"
nfeeds=$(wc -l <"$LIST")
nbytes=$(xargs -a "$LIST" -d '\n' cat | wc -c)	# also warms the page cache
mitems=$(sed -n 's/^# [0-9]* files, [0-9]* bytes, \([0-9]*\) items.*/\1/p' \
    "$CORPUS/MANIFEST")
mitems="$mitems items"
[ "$FEEDS" -gt 0 ] && mitems="$mitems in all $(grep -c '^feed-' "$CORPUS/MANIFEST") feeds"

# One heraldd configuration per transport and corpus.
herald_conf() {	# CONF DB URLS
	{
		printf '[herald]\ndatabase = %s\ninterval = 1h\n' "$2"
		printf 'max-parallel = 32\nper-host = 32\n'
		[ -n "$TOPICS" ] && printf 'include = %s\n' "$TOPICS"
		awk '{ n = $0; sub(/.*\//, "", n); sub(/\.xml$/, "", n)
		    printf "\n[feed \"%s\"]\nurl = %s\n", n, $0 }' "$3"
	} >"$1"
	"$HERALDD" -n -c "$1" >/dev/null || die "heraldd -n rejects $1"
}
for t in file http; do
	herald_conf "$OUT/herald-$t.conf" "$OUT/herald-$t.db" "$OUT/$t.urls"
	# newsboat: no configuration but where its cache goes
	: >"$OUT/newsboat-$t.conf"
	# sfeed_update: a shell file defining feeds()
	{
		printf 'sfeedpath="%s"\n' "$OUT/sfeed-$t"
		printf 'feeds() {\n'
		awk '{ n = $0; sub(/.*\//, "", n); sub(/\.xml$/, "", n)
		    printf "\tfeed \"%s\" \"%s\"\n", n, $0 }' "$OUT/$t.urls"
		printf '}\n'
	} >"$OUT/sfeedrc-$t"
done

# Runs a command; prints "wall user+sys maxrss_kib rc" (the process tree's
# CPU and its largest process's peak RSS, from getrusage of the children).
measure() {
	python3 - "$@" <<'EOF'
import os, resource, subprocess, sys, time
# the interpreter's own start (a pyenv shim, say) may have had children
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t = time.monotonic()
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL,
                     stderr=open(os.environ["ERRLOG"], "a"))
wall = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.4f %.4f %d %d" % (wall, r.ru_utime + r.ru_stime - r0.ru_utime -
      r0.ru_stime, r.ru_maxrss, rc))
EOF
}

# What each tool stored: articles, and the database's bytes.
db_rm() { rm -f "$1" "$1-wal" "$1-shm"; }
herald_count() {
	python3 - "$1" <<'EOF'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("SELECT count(*) FROM items").fetchone()[0]
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
print(n, os.path.getsize(sys.argv[1]))
EOF
}
newsboat_count() {
	python3 - "$1" <<'EOF'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("SELECT count(*) FROM rss_item").fetchone()[0],
      os.path.getsize(sys.argv[1]))
EOF
}
sfeed_count() {
	echo "$(cat "$1"/* 2>/dev/null | wc -l) $(cat "$1"/* 2>/dev/null | wc -c)"
}

RAW=$OUT/ingest-bench.raw
ERRLOG=$OUT/errors.log
export ERRLOG
: >"$RAW"
: >"$ERRLOG"
row() {	# TRANSPORT NAME ROUND COUNTCMD COUNTARG -- COMMAND...
	local t=$1 n=$2 r=$3 cc=$4 ca=$5 m c
	shift 6
	echo "== $t $n round $r: $*" >>"$ERRLOG"
	m=$(measure "$@")
	c="- -"
	[ "$cc" != - ] && c=$($cc "$ca")
	echo "$t	$n	$r	$m	$c" | tr ' ' '\t' >>"$RAW"
	printf '.'
}

names="xmllint sfeed newsboat-fresh newsboat-cached herald-fresh herald-again"
[ "$PEERS" = 1 ] || names="xmllint herald-fresh herald-again"
echo "ingest-bench: $nfeeds feeds, $RUNS rounds of: $names; over file and http"
[ "$PEERS" = 1 ] && echo "ingest-bench: newsboat and sfeed_update in the first $PEER_ROUNDS round(s)"
for ((r = 1; r <= RUNS; r++)); do
	for t in file http; do
		row "$t" xmllint "$r" - - -- \
		    xargs -a "$OUT/xmllint-$t.args" -d '\n' xmllint --stream --noout
		if [ "$PEERS" = 1 ] && [ "$r" -le "$PEER_ROUNDS" ]; then
			rm -rf "$OUT/sfeed-$t"
			row "$t" sfeed "$r" sfeed_count "$OUT/sfeed-$t" -- \
			    sfeed_update "$OUT/sfeedrc-$t"
			db_rm "$OUT/newsboat-$t.db"
			for n in newsboat-fresh newsboat-cached; do
				row "$t" "$n" "$r" newsboat_count "$OUT/newsboat-$t.db" -- \
				    newsboat -u "$OUT/$t.urls" -c "$OUT/newsboat-$t.db" \
				    -C "$OUT/newsboat-$t.conf" -x reload
			done
		fi
		db_rm "$OUT/herald-$t.db"
		for n in herald-fresh herald-again; do
			row "$t" "$n" "$r" herald_count "$OUT/herald-$t.db" -- \
			    "$HERALDD" -c "$OUT/herald-$t.conf" --once
		done
	done
done
echo

# Instruction counts, the same whatever else the machine is doing.
ir() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
	    2>&1 >/dev/null | sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d ,
}
if [ "$CG" -gt 0 ]; then
	echo "ingest-bench: counting instructions over $CG feeds with callgrind"
	head -n "$CG" "$OUT/file.urls" >"$OUT/cg.urls"
	herald_conf "$OUT/herald-cg.conf" "$OUT/herald-cg.db" "$OUT/cg.urls"
	db_rm "$OUT/herald-cg.db"
	cg_xmllint=$(ir xmllint --stream --noout $(head -n "$CG" "$LIST"))
	cg_fresh=$(ir "$HERALDD" -c "$OUT/herald-cg.conf" --once)
	cg_again=$(ir "$HERALDD" -c "$OUT/herald-cg.conf" --once)
	cg_items=$(herald_count "$OUT/herald-cg.db" | cut -d' ' -f1)
fi

# The big cycle: heraldd alone over HTTP, fresh, then nothing new.
if [ -n "$BIGCORPUS" ]; then
	echo "ingest-bench: the $BIGN-feed cycle over $BASE/big/"
	grep '^feed-' "$BIGCORPUS/MANIFEST" | sed "s|^|$BASE/big/|" >"$OUT/big.urls"
	herald_conf "$OUT/herald-big.conf" "$OUT/herald-big.db" "$OUT/big.urls"
	db_rm "$OUT/herald-big.db"
	bigbytes=$(grep '^feed-' "$BIGCORPUS/MANIFEST" | sed "s|^|$BIGCORPUS/|" |
	    xargs -d '\n' cat | wc -c)
	for n in big-fresh big-again; do
		row http "$n" 1 herald_count "$OUT/herald-big.db" -- \
		    "$HERALDD" -c "$OUT/herald-big.conf" --once
	done
	echo
fi
stop_nginx

hver=${HERALD_REV:-$(git -C "$(dirname "$HERALDD")" rev-parse --short HEAD 2>/dev/null)}
hdirty=$(git -C "$(dirname "$HERALDD")" status --porcelain -- ../lib ../daemon \
    2>/dev/null | grep -c .)
[ "$hdirty" = 0 ] && hdirty=
{
	echo "ingest-bench  $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) cores  load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "heraldd:  $HERALDD (git ${hver:-?}${hdirty:+, $hdirty changed files in lib/ daemon/})"
	echo "topics:   ${TOPICS:-none}"
	echo "xmllint:  $(xmllint --version 2>&1 | head -n 1)"
	if [ "$PEERS" = 1 ]; then
		echo "newsboat: $(newsboat -v 2>&1 | head -n 1)"
		echo "sfeed:    $(dpkg-query -W -f '${Version}' sfeed 2>/dev/null)"
	fi
	echo "nginx:    $(nginx -v 2>&1 | sed 's/.*: //') on $BASE"
	echo "corpus:   $CORPUS: $nfeeds feeds, $nbytes bytes ($mitems)"
	[ -n "$BIGCORPUS" ] && echo "big:      $BIGCORPUS: $BIGN feeds, $bigbytes bytes"
	echo
	python3 - "$RAW" "$RUNS" "$nbytes" ${cg_items:+"$CG" "$cg_items" \
	    "$cg_xmllint" "$cg_fresh" "$cg_again"} <<'EOF'
import sys
from statistics import median
raw, nbytes = sys.argv[1], int(sys.argv[3])
rows = {}
for line in open(raw):
    t, n, r, wall, cpu, rss, rc, cnt, size = line.rstrip("\n").split("\t")
    rows.setdefault((t, n), []).append((float(wall), float(cpu), int(rss),
        int(rc), None if cnt == "-" else int(cnt),
        None if size == "-" else int(size)))
label = {
    "xmllint": "xmllint --stream --noout, 1 process",
    "sfeed": "sfeed_update, fresh",
    "newsboat-fresh": "newsboat -x reload, fresh",
    "newsboat-cached": "newsboat -x reload, all cached",
    "herald-fresh": "heraldd --once, fresh",
    "herald-again": "heraldd --once, nothing new",
    "big-fresh": "heraldd --once, fresh",
    "big-again": "heraldd --once, nothing new",
}
def stat(k):
    v = rows[k]
    return dict(wall=median(x[0] for x in v), lo=min(x[0] for x in v),
                hi=max(x[0] for x in v), cpu=median(x[1] for x in v),
                rss=max(x[2] for x in v) / 1024, bad=any(x[3] for x in v),
                cnt=v[-1][4], size=v[-1][5], n=len(v))
S = {k: stat(k) for k in rows}
print("wall = median of the rounds (min-max), s; CPU = median user+sys of "
      "the process tree, s;")
print("peak = the largest process's peak RSS, MiB; articles = what the tool "
      "stored; x xmllint = wall / xmllint's wall over the same transport.")
print()
hdr = "%-5s %-36s %8s %15s %8s %7s %8s %10s %4s" % ("via", "measurement",
      "wall", "range", "CPU", "peak", "articles", "x xmllint", "runs")
print(hdr)
for t in ("file", "http"):
    for n in label:
        k = (t, n)
        if k not in S or n.startswith("big"):
            continue
        s = S[k]
        x = S.get((t, "xmllint"))
        ratio = "%.1fx" % (s["wall"] / x["wall"]) if x and n != "xmllint" else ""
        print("%-5s %-36s %8.2f %7.2f-%-7.2f %8.2f %7.1f %8s %10s %4d%s" % (
            t, label[n], s["wall"], s["lo"], s["hi"], s["cpu"], s["rss"],
            "" if s["cnt"] is None else s["cnt"], ratio, s["n"],
            "  FAILED (exit status)" if s["bad"] else ""))
print()
for t in ("file", "http"):
    f, a = S.get((t, "herald-fresh")), S.get((t, "herald-again"))
    nb, nbc = S.get((t, "newsboat-fresh")), S.get((t, "newsboat-cached"))
    x = S.get((t, "xmllint"))
    if not f:
        continue
    print("%s: heraldd fresh = %.1fx xmllint (CPU %.1fx)" % (t,
          f["wall"] / x["wall"], f["cpu"] / x["cpu"]), end="")
    if nb:
        print("; newsboat fresh / heraldd fresh = %.1fx (CPU %.1fx)" % (
              nb["wall"] / f["wall"], nb["cpu"] / f["cpu"]), end="")
    print()
    print("%s: nothing new = %.1f%% of fresh wall (CPU %.1f%%)" % (t,
          100 * a["wall"] / f["wall"], 100 * a["cpu"] / f["cpu"]), end="")
    if nbc:
        print("; newsboat all cached / heraldd nothing new = %.1fx" % (
              nbc["wall"] / a["wall"]), end="")
    print()
    if f["cnt"]:
        print("%s: database %.1f MB for %d articles: %.0f bytes per article;"
              " peak RSS %.1f MiB" % (t, f["size"] / 1e6, f["cnt"],
              f["size"] / f["cnt"], max(f["rss"], a["rss"])))
if ("http", "big-fresh") in S:
    f, a = S[("http", "big-fresh")], S[("http", "big-again")]
    print()
    print("The big cycle, one run, over HTTP on loopback (per-host = 32):")
    for n, s in (("big-fresh", f), ("big-again", a)):
        print("  %-28s wall %7.2f s  CPU %7.2f s  peak %6.1f MiB  %d articles%s" % (
              label[n], s["wall"], s["cpu"], s["rss"], s["cnt"],
              "  FAILED (exit status)" if s["bad"] else ""))
    print("  database %.1f MB: %.0f bytes per article" % (f["size"] / 1e6,
          f["size"] / f["cnt"]))
if len(sys.argv) > 4:
    n, items, xl, fr, ag = map(int, sys.argv[4:9])
    print()
    print("Instructions (callgrind) over the first %d feeds, file://, %d "
          "articles:" % (n, items))
    print("  xmllint --stream --noout, 1 process %14d" % xl)
    print("  heraldd --once, fresh               %14d  %.1fx xmllint, %d per "
          "article" % (fr, fr / xl, fr // max(items, 1)))
    print("  heraldd --once, nothing new         %14d  %.1fx xmllint, %.1f%% "
          "of fresh" % (ag, ag / xl, 100 * ag / fr))
EOF
	echo
	echo "heraldd: max-parallel = 32, per-host = 32, default max-items; the"
	echo "nothing-new run is a second --once on the fresh run's database."
	echo "newsboat and sfeed_update run with their defaults (newsboat"
	echo "reload-threads 1, sfeed_update maxjobs 8).  nginx's own CPU is not"
	echo "counted.  Every run's stderr: $ERRLOG"
} | tee "$OUT/ingest-bench.txt"
