#!/bin/sh
# stories.sh: the story evaluation (issue 9).  Replays the labelled sets of
# tests/data/stories through the store, in the order the articles were
# published, with the shipped topic pack, and holds floors on what
# story-eval prints: pairwise precision, recall over same-language pairs,
# recall over cross-language pairs, and the share of (story, topic) pairs
# that alerted exactly once.  labelled.jsonl
# is the set the measure was chosen on, heldout.jsonl the one it never
# was, dev.jsonl one written later that the rules were then mended on,
# dev2.jsonl and dev3.jsonl ones written later still by someone who had
# not read the rules, scored before they were looked at (doc/stories.md).  The floors guard against regressions; the figures
# themselves are printed in the test log.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
EVAL=${STORY_EVAL:-$top_builddir/tests/story-eval}
TESTDATA=${TESTDATA:-$top_srcdir/tests/data}
DATA=$TESTDATA/stories
PACK=$top_srcdir/etc/topics/eu-policy.conf
n=0
failed=0

# floor NAME FIGURE MIN
floor() {
	n=$((n + 1))
	if awk -v v="$2" -v m="$3" 'BEGIN { exit !(v + 0 >= m + 0) }'; then
		echo "ok $n - $1 $2 >= $3"
	else
		echo "not ok $n - $1 $2 < $3"
		failed=$((failed + 1))
	fi
}

# check SET PRECISION SAME CROSS ONCE
check() {
	out=$("$EVAL" -s "$PACK" "$DATA/$1.jsonl") || {
		n=$((n + 1))
		echo "not ok $n - story-eval $1 failed"
		failed=$((failed + 1))
		return
	}
	echo "$out" | sed 's/^/# /'
	floor "$1: pairwise precision" \
	    "$(echo "$out" | awk '/^pairwise precision/ { print $3 }')" "$2"
	floor "$1: same-language recall" \
	    "$(echo "$out" | awk '/^same-language recall/ { print $3 }')" "$3"
	floor "$1: cross-language recall" \
	    "$(echo "$out" | awk '/^cross-language recall/ { print $3 }')" "$4"
	floor "$1: (story, topic) pairs alerted once" \
	    "$(echo "$out" | awk '/^alerted once/ { print $3 }')" "$5"
}

# just below the figures of doc/stories.md: a regression fails
check labelled 0.97 0.93 0.97 0.96
check heldout 0.98 0.85 0.65 0.70
check dev 0.84 0.74 0.84 0.91
check dev2 0.74 0.78 0.58 0.80
check dev3 0.83 0.48 0.48 0.73

# herald stories over what heraldd stored from the sample feeds: every
# article in exactly one story, the JSON shape of herald(1), --explain.
HERALD=${HERALD:-$top_builddir/cli/herald}
HERALDD=${HERALDD:-$top_builddir/daemon/heraldd}
PY=${PYTHON3:-python3}
[ -n "$PY" ] || PY=python3
T=$(mktemp -d "${TMPDIR:-/tmp}/herald-stories.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
sh "$top_srcdir/scripts/demo-config" "$TESTDATA/feeds" "$T/h.db" > "$T/h.conf"
"$HERALDD" -c "$T/h.conf" --once >"$T/log" 2>&1
cat > "$T/check.py" <<'EOF'
import json, sqlite3, sys
d = json.load(open(sys.argv[1]))
items = [i["id"] for s in d["stories"] for i in s["items"]]
stored = [r[0] for r in sqlite3.connect(sys.argv[2]).execute("select id from items")]
assert stored and sorted(items) == sorted(stored), (len(items), len(stored))
for s in d["stories"]:
    assert set(s) == {"id", "title", "first_seen", "last_seen", "languages",
                      "feeds", "topics", "items"}, set(s)
    for i in s["items"]:
        assert set(i) == {"id", "title", "link", "feed", "lang", "published",
                          "first_seen", "why"}, set(i)
last = [s["last_seen"] for s in d["stories"]]
assert last == sorted(last, reverse=True)
EOF
n=$((n + 1))
if "$HERALD" stories -c "$T/h.conf" --since 3650d --limit 0 --json \
    --explain >"$T/out" 2>"$T/err" &&
    "$PY" "$T/check.py" "$T/out" "$T/h.db" 2>>"$T/err"; then
	echo "ok $n - herald stories --json: every stored article in one story"
else
	echo "not ok $n - herald stories --json: every stored article in one story"
	sed 's/^/# /' "$T/err" "$T/log"
	failed=$((failed + 1))
fi
n=$((n + 1))
if "$HERALD" stories -c "$T/h.conf" --since 3650d --explain >"$T/out" \
    2>"$T/err" && grep -q "^story [0-9]*: " "$T/out" &&
    grep -q "why: " "$T/out"; then
	echo "ok $n - herald stories --explain in text"
else
	echo "not ok $n - herald stories --explain in text"
	sed 's/^/# /' "$T/err"
	failed=$((failed + 1))
fi
n=$((n + 1))
# the feed column as wide as its names, up to a quarter of the terminal
if COLUMNS=200 "$HERALD" stories -c "$T/h.conf" --since 3650d >"$T/out" \
    2>"$T/err" && grep -q "^    en  parliament-press Plenary" "$T/out" &&
    COLUMNS=40 "$HERALD" stories -c "$T/h.conf" --since 3650d >"$T/out" \
    2>"$T/err" && grep -q "^    en  parliament-pr… Plenary" "$T/out"; then
	echo "ok $n - herald stories: feed names as wide as COLUMNS allows"
else
	echo "not ok $n - herald stories: feed names as wide as COLUMNS allows"
	sed 's/^/# /' "$T/out" "$T/err"
	failed=$((failed + 1))
fi
n=$((n + 1))
# every line of --explain fits COLUMNS=60, the why wrapped under itself;
# nothing found says which filter left nothing (review5)
if COLUMNS=60 "$HERALD" stories -c "$T/h.conf" --since 3650d --explain \
    >"$T/out" 2>"$T/err" && grep -q "^        why: " "$T/out" &&
    "$PY" -c 'import sys; l = open(sys.argv[1], encoding="utf-8").read().splitlines(); sys.exit(not (l and max(len(x) for x in l) <= 60))' "$T/out" &&
    "$HERALD" stories -c "$T/h.conf" --since 3650d --min-size 1000 \
    >"$T/out2" 2>"$T/err" && [ ! -s "$T/out2" ] &&
    grep -q "^herald stories: no stories since 3650d of 1000 articles or more$" "$T/err"; then
	echo "ok $n - herald stories: fitted to COLUMNS=60; nothing found names --min-size"
else
	echo "not ok $n - herald stories: fitted to COLUMNS=60; nothing found names --min-size"
	sed 's/^/# /' "$T/out" "$T/err"
	failed=$((failed + 1))
fi

# --since 3650d --limit 0 lists everything (herald(1)), an article
# published twelve years ago and fetched now too (review3: 163 of 2,612
# real articles were missing); --since 1d lists it (it arrived today),
# after the period's news.  Dates relative to the clock.
mkdir "$T/old"
old=$(date -u -d '12 years ago' '+%a, %d %b %Y %H:%M:%S GMT')
new=$(date -u -d '2 hours ago' '+%a, %d %b %Y %H:%M:%S GMT')
cat > "$T/old/old.rss" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Archive</title>
<link>https://archive.example.eu/</link><language>en</language>
<item><title>Council adopts the first Ukraine association agreement chapters</title>
<link>https://archive.example.eu/old</link><guid>old</guid><pubDate>$old</pubDate>
<description>An archived report.</description></item>
<item><title>Parliament elects the new Ombudsman in a secret ballot</title>
<link>https://archive.example.eu/new</link><guid>new</guid><pubDate>$new</pubDate>
<description>A report of today.</description></item>
</channel></rss>
EOF
printf '[herald]\ndatabase = %s\n[feed "archive"]\nurl = file://%s\n' \
    "$T/old.db" "$T/old/old.rss" > "$T/old.conf"
n=$((n + 1))
if "$HERALDD" -c "$T/old.conf" --once >"$T/log" 2>&1 &&
    "$HERALD" stories -c "$T/old.conf" --since 3650d --limit 0 --json \
    --explain >"$T/out" 2>"$T/err" &&
    "$PY" "$T/check.py" "$T/out" "$T/old.db" 2>>"$T/err" &&
    "$HERALD" stories -c "$T/old.conf" --since 1d >"$T/out" 2>>"$T/err" &&
    [ "$(grep -c '^story ' "$T/out")" -eq 2 ] &&
    grep '^story ' "$T/out" | head -1 | grep -q Ombudsman; then
	echo "ok $n - herald stories --since: an article published 12 years ago and fetched now is listed"
else
	echo "not ok $n - herald stories --since: an article published 12 years ago and fetched now is listed"
	sed 's/^/# /' "$T/out" "$T/err" "$T/log"
	failed=$((failed + 1))
fi

# herald search shows each result's story (issue 9 item 4): one press
# release in English and in French from two outlets (fixed dates in the
# past: nothing here reads the clock), and an article of its own.
mkdir "$T/press"
cat > "$T/press/commission.rss" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Commission</title>
<link>https://ec.example.eu/</link><language>en</language>
<item><title>Commission fines Apple EUR 500 million under the Digital Markets Act</title>
<link>https://ec.europa.eu/commission/presscorner/detail/en/ip_26_745</link>
<guid>ip-26-745-en</guid><pubDate>Tue, 10 Mar 2026 10:00:00 GMT</pubDate>
<description>IP/26/745. The Commission fined Apple EUR 500 million for breaching the anti-steering obligation of the Digital Markets Act.</description></item>
<item><title>Commission approves Polish scheme for offshore wind ports</title>
<link>https://ec.example.eu/press/wind-ports</link>
<guid>wind-ports</guid><pubDate>Tue, 10 Mar 2026 11:00:00 GMT</pubDate>
<description>The State aid scheme supports ports that serve offshore wind farms in the Baltic.</description></item>
</channel></rss>
EOF
cat > "$T/press/commission-fr.rss" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Commission (FR)</title>
<link>https://ec.example.eu/fr/</link><language>fr</language>
<item><title>La Commission inflige une amende de 500 millions d'euros à Apple</title>
<link>https://ec.europa.eu/commission/presscorner/detail/fr/ip_26_745</link>
<guid>ip-26-745-fr</guid><pubDate>Tue, 10 Mar 2026 10:05:00 GMT</pubDate>
<description>IP/26/745. La Commission a infligé à Apple une amende de 500 millions d'euros pour avoir enfreint le règlement sur les marchés numériques.</description></item>
</channel></rss>
EOF
sh "$top_srcdir/scripts/demo-config" "$T/press" "$T/p.db" > "$T/p.conf"
"$HERALDD" -c "$T/p.conf" --once >"$T/plog" 2>&1
cat > "$T/search.py" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
byid = {r["link"].rsplit("/", 2)[-2]: r for r in d["results"]}
en, fr = byid["en"]["story"], byid["fr"]["story"]
assert en == fr, (en, fr)
assert set(en) == {"id", "size", "feeds", "languages"}, en
assert en["size"] == 2 and en["languages"] == ["en", "fr"], en
assert en["feeds"] == ["commission", "commission-fr"], en
assert isinstance(en["id"], int) and en["id"] > 0
EOF
n=$((n + 1))
if "$HERALD" search -c "$T/p.conf" --json apple >"$T/out" 2>"$T/err" &&
    "$PY" "$T/search.py" "$T/out" 2>>"$T/err"; then
	echo "ok $n - herald search --json: each result with its story"
else
	echo "not ok $n - herald search --json: each result with its story"
	sed 's/^/# /' "$T/out" "$T/err" "$T/plog"
	failed=$((failed + 1))
fi
n=$((n + 1))
line='^   story [0-9]*: 2 articles, commission, commission-fr (en, fr)$'
if "$HERALD" search -c "$T/p.conf" apple >"$T/out" 2>"$T/err" &&
    [ "$(grep -c "$line" "$T/out")" = 2 ] &&
    "$HERALD" search -c "$T/p.conf" --json wind >"$T/wind.json" &&
    "$PY" -c 'import json, sys; r = json.load(open(sys.argv[1]))["results"]; sys.exit(not (len(r) == 1 and r[0]["story"]["size"] == 1))' "$T/wind.json" &&
    "$HERALD" search -c "$T/p.conf" wind >"$T/out" 2>"$T/err" &&
    ! grep -q "story" "$T/out"; then
	echo "ok $n - herald search: a story line under results that share one"
else
	echo "not ok $n - herald search: a story line under results that share one"
	sed 's/^/# /' "$T/out" "$T/err"
	failed=$((failed + 1))
fi
echo "1..$n"
[ "$failed" -eq 0 ]

