#!/bin/sh
# stories-dump.sh HERALDD CONF OUT: the stories a build makes, in a form
# two builds can be compared by, for a step meant to change the stories'
# cost and not the stories (doc/stories.md).  A fresh `heraldd --once` over
# CONF with its database replaced by a temporary one, then every article's
# story link (item, story, language, feed, why, indexed), every story
# (times, size, lead, title) and every (story, topic) pair, sorted, into
# OUT.  `cmp OUT1 OUT2` must say nothing.  An undated article is stamped
# with the clock, so over feeds that have some (../shared/feeds/real) two
# runs differ in the stories' times: mask those above the run's start, or
# compare runs of the same minute.  Prints OUT's line count.
set -eu
if [ $# -ne 3 ]; then
	echo "usage: $0 HERALDD CONF OUT" >&2
	exit 2
fi
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
sed "s|^database *=.*|database = $d/x.db|" "$2" > "$d/x.conf"
"$1" -c "$d/x.conf" --once >/dev/null 2>&1
python3 - "$d/x.db" > "$3" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for r in c.execute("SELECT item_id, story_id, lang, feed_id, why, indexed"
                   " FROM story_links ORDER BY item_id"):
    print("L", *r)
for r in c.execute("SELECT id, first_seen, last_seen, size, lead_item, title"
                   " FROM stories ORDER BY id"):
    print("S", *r)
for r in c.execute("SELECT story_id, topic, match_id, breaking"
                   " FROM story_topics ORDER BY 1, 2"):
    print("T", *r)
PY
wc -l < "$3"
