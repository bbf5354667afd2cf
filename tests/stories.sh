#!/bin/sh
# stories.sh: the story evaluation (issue 9).  Replays the labelled sets of
# tests/data/stories through the store, in the order the articles were
# published, with the shipped topic pack, and holds floors on what
# story-eval prints: pairwise precision, recall over same-language pairs,
# recall over cross-language pairs, and the share of (story, topic) pairs
# that alerted exactly once.  labelled.jsonl
# is the set the measure was chosen on, heldout.jsonl the one it never
# was (doc/stories.md).  The floors guard against regressions; the figures
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
check labelled 0.95 0.91 0.97 0.92
check heldout 0.98 0.85 0.65 0.70

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
echo "1..$n"
[ "$failed" -eq 0 ]
