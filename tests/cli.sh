#!/bin/sh
# cli.sh: herald feeds, digest and search over a database written through
# the real store by mkfixture (times fixed relative to now), in text and
# JSON; and the shipped configurations (etc/) loaded by config_load.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
HERALD=${HERALD:-$top_builddir/cli/herald}
PY=${PYTHON3:-python3}
MKFIXTURE=$top_builddir/tests/mkfixture
CHECKCONF=$top_builddir/tests/checkconf
[ -n "$PY" ] || PY=python3
if ! command -v "$PY" >/dev/null 2>&1; then
	echo "SKIP: python3 is needed to check the JSON"
	exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/herald-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
T=$(cd "$T" && pwd -P)
export T
trap 'exit 1' HUP INT TERM

export TZ=UTC
unset COLUMNS
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	for f in "$T/out" "$T/err"; do
		[ -s "$f" ] && sed 's/^/#   /' "$f" | head -40
	done
}
# run CMD...: stdout in $T/out, stderr in $T/err, exit status in $rc.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}
# check DESC EXPECTED_RC PYTHON: the command just run exited with
# EXPECTED_RC and PYTHON is true of its output (out: text, err: text,
# lines: out's lines, j: out as JSON when it parses).
check() {
	if [ "$rc" -ne "$2" ]; then
		nok "$1 (exit $rc, expected $2)"
		return
	fi
	if "$PY" - "$T/out" "$T/err" "$3" <<'EOF'
import json, os, re, sys, time, unicodedata, urllib.parse
out = open(sys.argv[1], encoding="utf-8").read()
err = open(sys.argv[2], encoding="utf-8").read()
lines = out.splitlines()
try:
    j = json.loads(out)
except ValueError:
    j = None
def width(s):
    s = re.sub("\x1b\\[[0-9;]*m", "", s)
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
def has(*words):
    return all(w in out for w in words)
def ago(seconds, fmt="%Y-%m-%d %H:%M UTC"):
    """A time mkfixture wrote, `seconds` before NOW, as the CLI prints it."""
    import time
    return time.strftime(fmt, time.gmtime(int(os.environ["NOW"]) - seconds))
sys.exit(0 if eval(sys.argv[3]) else 1)
EOF
	then
		ok "$1"
	else
		nok "$1"
	fi
}

now=$(date +%s)
export NOW=$now		# mkfixture's dates are relative to it; checks use it
db=$T/herald.db
if ! "$MKFIXTURE" "$db" "$now"; then
	echo "not ok 1 - mkfixture"
	exit 1
fi

# herald feeds
COLUMNS=250 run "$HERALD" feeds -d "$db"
check "feeds: a header and 7 feeds sorted by name" 0 \
    'len(lines) == 8 and lines[0].split()[:2] == ["NAME", "URL"] and [l.split()[0] for l in lines[1:]] == ["council", "eu-observer", "gone-feed", "off-feed", "parliament", "politico", "think-tank"]'
check "feeds: relative times, status and items of a healthy feed" 0 \
    're.search(r"^eu-observer +observer\.example\.eu/rss +3m ago +200 +0 +in 12m +2$", out, re.M)'
check "feeds: 304, a failing feed, a 410, an unfetched feed" 0 \
    're.search(r"^council .* 50m ago +304 not modified +0 +in 9m +2$", out, re.M) and re.search(r"^parliament .* 2d ago +HTTP 503 +3 +in 3h +1$", out, re.M) and re.search(r"^gone-feed .* 40d ago +disabled: HTTP 410 Gone: the feed was removed; fetching stopped +1 +- +0$", out, re.M) and re.search(r"^off-feed .* never +off \(config\) +0 +- +0$", out, re.M) and re.search(r"^think-tank .* never +not fetched yet +0 +- +0$", out, re.M)'
run "$HERALD" feeds -d "$db"
check "feeds: 80 columns when not a terminal, URLs give way first" 0 \
    'max(width(l) for l in lines) <= 80 and lines[0].split()[:2] == ["NAME", "URL"] and "HTTP 503" in out and "304 not modified" in out and re.search(r"^think-tank +thinktan…/feed\.xml ", out, re.M) and re.search(r"^council +council\.e…/rss\.xml ", out, re.M)'

COLUMNS=60 run "$HERALD" feeds -d "$db"
check "feeds: COLUMNS=60 fits: no URL column, cut statuses" 0 \
    'max(width(l) for l in lines) <= 60 and "URL" not in lines[0] and "example" not in out and re.search(r"^gone-feed +40d ago +disabled: HTTP \S*… +1 +- +0$", out, re.M)'

run "$HERALD" feeds --errors -d "$db"
check "feeds --errors: the failing feed and the 410" 0 \
    '[l.split()[0] for l in lines[1:]] == ["gone-feed", "parliament"]'

run "$HERALD" feeds --json -d "$db"
check "feeds --json: every feed, RFC 3339 UTC times" 0 \
    'j is not None and len(j["feeds"]) == 7 and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", f["last_success"]) for f in j["feeds"] if f["last_success"])'
check "feeds --json: the fields of a healthy and a failing feed" 0 \
    '[(f["state"], f["last_status"], f["failures"], f["items"], f["last_error"], f["error_class"]) for f in j["feeds"] if f["name"] in ("eu-observer", "parliament")] == [("ok", 200, 0, 2, None, None), ("failing", 503, 3, 1, "HTTP 503", "http5xx")]'
check "feeds --json: disabled, off and never-fetched feeds" 0 \
    '[(f["name"], f["state"], f["disabled_reason"], f["enabled"], f["next_fetch"]) for f in j["feeds"] if f["state"] != "ok" and f["state"] != "failing"] == [("gone-feed", "disabled", "HTTP 410 Gone: the feed was removed; fetching stopped", True, None), ("off-feed", "off", None, False, None), ("think-tank", "new", None, True, None)]'

run "$HERALD" feeds --errors --json -d "$db"
check "feeds --errors --json" 0 \
    '[f["name"] for f in j["feeds"]] == ["gone-feed", "parliament"]'

# herald digest: no topic matched in this database, so every story goes
# under one heading; here each story is one article (it_digest.py and
# test_digest have stories of several), carried by the feeds that carried it
run "$HERALD" digest -d "$db"
check "digest: the last 24h, stories by outlets then recency" 0 \
    'lines[0] == "herald digest" and lines[1].endswith(" UTC · 3 stories in 1 topic") and lines[3].startswith("━━ all stories ━━") and [l[2:] for l in lines if l.startswith("• ") and "failures" not in l and "disabled since" not in l] == ["Council agrees 20th sanctions package against Russia", "Beijing summit: 中国 and the EU — Pékin signals trade talks", "Énergie : le Conseil adopte sa position sur le marché du gaz"] and not has("DMA probe") and not has("AI Act")'
check "digest: outlets, first seen, two lines of summary, whole link" 0 \
    'has("• Council agrees 20th sanctions package against Russia\n  eu-observer, politico (en) · first seen " + ago(7200, "%a %-d %b %H:%M") + "\n  EU ambassadors agreed on new sanctions targeting Russia\x27s shadow fleet and\n  banks in third countries. The package also lists 40 people and entities, and…\n  https://observer.example.eu/sanctions-20?utm_source=rss&utm_medium=feed\n")'
check "digest: the failing feed at the end, since its last success" 0 \
    'lines[-4].startswith("━━ failing feeds") and lines[-1] == "• parliament: HTTP 503 · 3 failures since the last success, " + ago(2 * 86400 + 3600, "%a %-d %b %H:%M")'
# a feed herald disabled (410 Gone) is failing too, first, since when and
# until what (review7 D4: it was left out)
check "digest: the disabled feed among the failing, since when" 0 \
    'lines[-3:-1] == ["• gone-feed: disabled since " + ago(300, "%a %-d %b %H:%M") + ": HTTP 410 Gone: the feed was", "  removed; fetching stopped · fetched again when its url changes"]'

# its feed declares no language and its two short lines are not clearly
# English (libexttextcat's runner-up within 4%): no language is shown
run "$HERALD" digest --since 2d -d "$db"
check "digest --since 2d adds the 26h-old article" 0 \
    '"4 stories in 1 topic" in lines[1] and has("• Plenary adopts AI Act guidelines\n  parliament · first seen ")'

run "$HERALD" digest --since 30d --limit 0 -d "$db"
check "digest --since 30d: every article once" 0 \
    '"6 stories in 1 topic" in lines[1] and out.count("sanctions package against") == 1 and has("Énergie", "Rada UE", "DMA probe")'

COLUMNS=40 run "$HERALD" digest --since 30d -d "$db"
check "digest: COLUMNS=40 wraps text in 40 columns and cuts none of it, links whole" 0 \
    'all(width(l) <= 40 for l in lines if not l.startswith("  http")) and "• Énergie : le Conseil adopte sa" in lines and "  position sur le marché du gaz" in lines and "Beijing summit: 中国 and the EU — Pékin signals trade talks" in " ".join(l.strip() for l in lines) and not any(l.startswith("• ") and l.endswith("…") for l in lines)'

run "$HERALD" digest --json -d "$db"
check "digest --json: topics, stories, items, trend, failing feeds" 0 \
    'j["name"] is None and j["stories"] == 3 and [t["topic"] for t in j["topics"]] == [None] and len(j["topics"][0]["trend"]) == 14 and j["topics"][0]["stories"][0]["outlets"] == ["eu-observer", "politico"] and j["topics"][0]["stories"][0]["languages"] == ["en"] and j["topics"][0]["stories"][0]["items"][0]["published"] == ago(9000, "%Y-%m-%dT%H:%M:%SZ") and j["topics"][0]["stories"][0]["first_seen"] == ago(7200, "%Y-%m-%dT%H:%M:%SZ") and [(f["feed"], f["disabled"]) for f in j["failing_feeds"]] == [("gone-feed", ago(300, "%Y-%m-%dT%H:%M:%SZ")), ("parliament", None)] and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", j["since"])'

run "$HERALD" digest --format json -d "$db"
check "digest --format json is --json" 0 'j is not None and j["stories"] == 3'

run "$HERALD" digest --since 30d --limit 2 -d "$db"
check "digest --limit 2: two stories a topic, then how many more" 0 \
    '[l[2:] for l in lines if l.startswith("• ") and "failures" not in l and "disabled since" not in l] == ["Council agrees 20th sanctions package against Russia", "Beijing summit: 中国 and the EU — Pékin signals trade talks"] and "  … 4 more stories in all stories" in lines'
check "digest --limit 2: the header counts the period's stories and those shown" 0 \
    'lines[1].endswith(" UTC · 6 stories, 2 shown, in 1 topic")'
run "$HERALD" digest --since 30d --limit 2 --json -d "$db"
check "digest --limit 2 --json: total and stories (shown)" 0 'j["total"] == 6 and j["stories"] == 2'

run "$HERALD" digest --since 1h -d "$db"
check "digest --since 1h: one story" 0 '"1 story in 1 topic" in lines[1] and has("• Beijing summit")'

run "$HERALD" digest --format md -d "$db"
check "digest --format md: headings, escaped links, outlets" 0 \
    'lines[0] == "# herald digest" and "## all stories" in lines and has("- **[Council agrees 20th sanctions package against Russia](<https://observer.example.eu/sanctions-20?utm_source=rss&utm_medium=feed>)**  \n  eu-observer, politico (en) · first seen ")'
check "digest --format md: the disabled feed among the failing" 0 \
    'has("## Failing feeds\n\n- gone-feed: disabled since " + ago(300, "%a %-d %b %H:%M") + ": HTTP 410 Gone")'

run "$HERALD" digest --format html -d "$db"
check "digest --format html: one document, no script, no remote asset" 0 \
    'out.startswith("<!DOCTYPE html>") and "<script" not in out and "src=" not in out and "url(" not in out and has(">Council agrees 20th sanctions package against Russia</a>", "all stories")'
check "digest --format html: the disabled feed among the failing" 0 \
    'has(">Failing feeds</h2>", ">gone-feed: disabled since " + ago(300, "%a %-d %b %H:%M") + ": HTTP 410 Gone")'

# --name: a [digest] section of the configuration; no digest sent yet, so
# it starts at the slot before now
printf '[herald]\ndatabase = %s\n[digest "morning"]\nat = 00:00\ntimezone = UTC\nmax-stories = 1\n' "$db" >"$T/digest.conf"
run "$HERALD" digest --name morning -c "$T/digest.conf"
check "digest --name: since the slot before now, the next slot, its max-stories" 0 \
    'lines[0] == "herald digest “morning”" and lines[1].startswith(time.strftime("%a %-d %b 00:00", time.gmtime()) + " – ") and lines[2] == "Preview: the digest goes out " + time.strftime("%a %-d %b 00:00 UTC", time.gmtime(time.time() + 86400)) and len([l for l in lines if l.startswith("• ") and "failures" not in l and "disabled since" not in l]) <= 1' 
run "$HERALD" digest --name evening -c "$T/digest.conf"
check "digest --name: an unknown section" 1 'err.startswith("herald digest: no [digest \"evening\"] in ")'
run "$HERALD" digest --send morning -s "$T/no.sock"
check "digest --send: no heraldd answers" 1 'err.startswith("herald digest: heraldd is not running")'
run "$HERALD" digest --list -d "$db"
check "digest --list: none queued yet" 0 'lines[-1] == "no digest has been queued yet"'
# Two digests queued (a copy of the database): a day's, and one a --send
# 34 s after the slot queued, whose ends fall in one minute.
"$PY" - "$db" "$T/digests.db" <<'EOF'
import sqlite3, sys
src = sqlite3.connect(sys.argv[1])
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)
src.close()
day = 1796681220                # 2026-12-07 22:07:00 UTC
for since, until in ((day - 86400, day), (day, day + 34)):
    c = dst.execute("INSERT INTO digest_runs (name, since, until, payload, "
                    "created) VALUES ('soon', ?, ?, '{}', ?)",
                    (since, until, until))
    dst.execute("INSERT INTO digest_outbox (run_id, plugin, next_attempt, "
                "created) VALUES (?, 'mail', ?, ?)",
                (c.lastrowid, until, until))
dst.commit()
dst.close()
EOF
run "$HERALD" digest --list -d "$T/digests.db"
check "digest --list: seconds where an end is not a whole minute, the date once in one day" 0 \
    'len(lines) == 3 and re.search(r"^soon +2026-12-07 22:07 to 22:07:34 UTC +mail +pending +0 *$", out, re.M) and re.search(r"^soon +2026-12-06 22:07 to 2026-12-07 22:07 UTC +mail +pending +0 *$", out, re.M)'

# herald search
run "$HERALD" search sanctions -d "$db"
check "search: one result, the hit in [brackets] off a terminal" 0 \
    'lines[0] == "1. Council agrees 20th sanctions package against Russia" and "[" in out and "\x1b" not in out'

run "$HERALD" search pekin -d "$db"
check "search: diacritics fold (pekin finds Pékin), title highlighted" 0 \
    'lines[0] == "1. Beijing summit: 中国 and the EU — [Pékin] signals trade talks" and lines[2].startswith("   Leaders met in Pékin")'

run "$HERALD" search --json 'ENERGIE marche' -d "$db"
check "search --json: case and accents folded, snippet, rank" 0 \
    'j["count"] == 1 and j["results"][0]["title"].startswith("Énergie") and "[Énergie]" in j["results"][0]["snippet"] and "[marché]" in j["results"][0]["snippet"] and isinstance(j["results"][0]["rank"], float)'

run "$HERALD" search --json 'russia OR nato OR pekin' -d "$db"
check "search --json: bm25 order, ranks ascending" 0 \
    'j["count"] == 3 and [r["rank"] for r in j["results"]] == sorted(r["rank"] for r in j["results"])'

run "$HERALD" search --json --since 3h 'russia OR nato OR pekin' -d "$db"
check "search --since 3h skips older articles" 0 \
    'j["count"] == 2 and all("Rada" not in r["title"] for r in j["results"])'

run "$HERALD" search --limit 1 --json 'russia OR nato OR pekin' -d "$db"
check "search --limit 1" 0 'j["count"] == 1'

run "$HERALD" search 'sanctions AND (' -d "$db"
check "search: a malformed query is an error, exit 1" 1 \
    'out == "" and err.startswith("herald search: invalid query: ")'

# what is wrong and what to do, not FTS5's "syntax error near \"\""
run "$HERALD" search 'sanctions NOT' -d "$db"
check "search: a query ending in an operator says what to do" 1 \
    'out == "" and "end of the query" in err and "quote a word" in err and "near" not in err'
run "$HERALD" search '*' -d "$db"
check "search: a lone * says a prefix needs letters" 1 \
    'out == "" and "cannot begin with *" in err'
run "$HERALD" search 'body:russia' -d "$db"
check "search: an unknown column names the columns" 1 \
    'out == "" and "no column \"body\" (title, summary, content, author)" in err'

run "$HERALD" search --json nosuchword -d "$db"
check "search: no match is not an error" 0 'j["count"] == 0 and j["results"] == []'

run "$PY" - "$HERALD" "$db" <<'EOF'
import os, pty, subprocess, sys
# stdout on a terminal: bold highlights
m, s = pty.openpty()
p = subprocess.run([sys.argv[1], "search", "sanctions", "-d", sys.argv[2]],
                   stdout=s, stderr=subprocess.PIPE, timeout=30)
os.close(s)
data = b""
while True:
    try:
        chunk = os.read(m, 65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode())
sys.exit(p.returncode)
EOF
check "search on a terminal: the hit in bold" 0 \
    'has("\x1b[1msanctions\x1b[0m") and "[sanctions]" not in out'

# Where the database comes from, and failures
printf '[herald]\ndatabase = %s\n' "$db" >"$T/herald.conf"
run "$HERALD" feeds -c "$T/herald.conf"
check "feeds -c FILE reads the database key" 0 'len(lines) == 8'

printf '[herald]\ndatabase = %s\n' "$T/none.db" >"$T/nodb.conf"
run "$HERALD" digest -c "$T/nodb.conf"
check "a missing database: exit 1, what to do" 1 \
    'err == "herald digest: no database at " + os.environ["T"] + "/none.db: has heraldd run yet? (see heraldd(8))\n"'

printf '[herald]\nnosuchkey = 1\n' >"$T/bad.conf"
run "$HERALD" search -c "$T/bad.conf" x
check "a broken config: exit 1 with file:line" 1 \
    'err.startswith("herald search: cannot read the configuration") and "bad.conf:2: nosuchkey" in err'

# digest and topics read the whole configuration (its topics): a broken
# one is the command's failure, not a digest without topics
for cmd in digest topics; do
	run "$HERALD" "$cmd" -c "$T/bad.conf" -d "$db"
	check "$cmd with a broken config: exit 1 with file:line" 1 \
	    'out == "" and err.startswith("herald '$cmd': cannot read the configuration") and "bad.conf:2: nosuchkey" in err'
done

run "$HERALD" feeds -c "$T/nosuch.conf"
check "a missing -c file: exit 1" 1 'err.startswith("herald feeds: cannot read the configuration")'

echo "not a database" >"$T/junk.db"
run "$HERALD" feeds -d "$T/junk.db"
check "a file that is not a database: exit 1" 1 'err.startswith("herald feeds: ")'
run "$HERALD" stories -d "$T/herald.conf"
check "-d CONFIG: it looks like a configuration, use -c" 1 \
    'out == "" and err == "herald stories: " + os.environ["T"] + "/herald.conf looks like a configuration file, not a database: give it with -c " + os.environ["T"] + "/herald.conf\n"'
printf '# a comment first\n\n[herald]\n' >"$T/comment.conf"
run "$HERALD" feeds -d "$T/comment.conf"
check "-d CONFIG starting with a comment: use -c" 1 \
    'out == "" and "comment.conf looks like a configuration file" in err'
run "$HERALD" stories -d "$T"
check "-d DIRECTORY: a directory, not a database" 1 \
    'out == "" and err == "herald stories: " + os.environ["T"] + " is a directory, not a database: name the database file with -d\n"'
printf '[herald]\ndatabase = %s\n' "$T" >"$T/dirdb.conf"
run "$HERALD" search -c "$T/dirdb.conf" x
check "database = DIRECTORY: a directory, not a database" 1 \
    'out == "" and err.startswith("herald search: " + os.environ["T"] + " is a directory, not a database: set database in the configuration")'
run "$HERALD" feeds -d "$T/junk.db"
check "-d TEXT that is no configuration: SQLite's 'not a database'" 1 \
    '"not a database" in err and "configuration" not in err'

for args in "digest --since forever" "digest --limit -1" \
    "digest --format pdf" "digest --name a --send a" "search" \
    "feeds --bogus" "feeds extra" "search --since 1x q"; do
	# shellcheck disable=SC2086
	run "$HERALD" $args -d "$db"
	check "usage error: herald $args" 2 'out == "" and err != ""'
done
# getopt's own messages name the command as herald does
run "$HERALD" stories --bogus -d "$db"
check "herald stories --bogus: 'herald stories: unrecognized option'" 2 \
    'out == "" and err.startswith("herald stories: unrecognized option")'
# a usage error says what was wrong before the usage (review7 D18: the
# usage alone)
run "$HERALD" -d "$db" topics test t --exclude x
check "topics test --exclude without --match: says so, then the usage" 2 \
    'out == "" and err.startswith("herald topics test: --exclude needs --match") and "usage: herald topics test" in err'
run "$HERALD" -d "$db" digest --name morning --since 2h
check "digest --name with --since: says so, then the usage" 2 \
    'out == "" and err.startswith("herald digest: --name and --since exclude each other") and "usage: herald digest" in err'
run "$HERALD" -d "$db" topics test --limit
check "herald topics test --limit: 'herald topics test: option ... requires'" 2 \
    'out == "" and err.startswith("herald topics test: option ") and "requires an argument" in err'
# a bad number names the option it was given to
for args in "stories --min-size -2:stories: --min-size -2" \
    "stories --limit x:stories: --limit x" \
    "topics test t --limit -1:topics test: --limit -1" \
    "alerts --limit y:alerts: --limit y"; do
	# shellcheck disable=SC2086
	run "$HERALD" ${args%%:*} -d "$db"
	check "herald ${args%%:*}: says ${args#*:}" 2 \
	    'out == "" and err.startswith("herald '"${args#*:}"': expected a number")'
done
# The shared options before the command, as after it
run "$HERALD" stories --since 3650d --limit 0 --json -d "$db"
cp "$T/out" "$T/after"
for pre in "-d $db --json" "--database=$db --json" "-d$db --json" \
    "--json --database $db"; do
	# shellcheck disable=SC2086
	run "$HERALD" $pre stories --since 3650d --limit 0
	check "herald $(echo "$pre" | sed "s|$db|DB|") stories: as after it" 0 \
	    'j is not None and len(j["stories"]) > 0 and out == open(os.environ["T"] + "/after").read()'
done
run "$HERALD" -d "$db" topics test --since 30d --match sanctions s
check "herald -d DB topics test: a two-word command after options" 0 \
    'has("sanctions package")'
run "$HERALD" -d "$db"
check "herald -d DB, no command: usage error" 2 'out == "" and "usage" in err'
run "$HERALD" -d "$db" nosuch
check "herald -d DB nosuch: unknown command" 2 \
    'out == "" and "unknown command" in err and "nosuch" in err'
run "$HERALD" --bogus
check "herald --bogus: an unknown option, not an unknown command" 2 \
    'out == "" and "unknown option" in err and "--bogus" in err and "unknown command" not in err'
run "$HERALD" -d "$db" parse --bogus
check "herald -d DB parse --bogus: the command's usage error" 2 'out == ""'

# One command table: herald --help, each herald CMD --help and herald(1)
# name the same commands and the same options, every option listed is in
# the usage line, and every --help fits 80 columns.
cmds=$("$HERALD" --help | sed -n 's/^  \([a-z][a-z]*\( [a-z][a-z]*\)\{0,1\}\)  .*/\1/p' | tr ' ' '_')
for cmd in $cmds; do
	# shellcheck disable=SC2046
	run "$HERALD" $(echo "$cmd" | tr '_' ' ') --help
	# (the line naming the configured default config path is as long as the prefix)
	check "herald $(echo "$cmd" | tr '_' ' ') --help" 0 'lines[0].startswith("usage: herald ") and max(width(l) for l in lines if "herald.conf" not in l) <= 80 and "Exit status: " in out'
done
run "$PY" - "$HERALD" "$top_srcdir/man/herald.1" <<'EOF'
import re, subprocess, sys
herald, man = sys.argv[1], sys.argv[2]
ALIAS = {"-c": "--config", "-d": "--database", "-s": "--socket",
         "-j": "--json"}
top = subprocess.run([herald, "--help"], capture_output=True,
                     text=True).stdout
cmds = re.findall(r"^  ([a-z]+(?: [a-z]+)?)  +\S", top, re.M)
page = open(man, encoding="utf-8").read()
sect = page[page.index(".Sh COMMANDS"):page.index(".Sh ENVIRONMENT")]
synopses = dict(re.findall(r"^\.It Xo\n\.Nm herald ([a-z ]+?)\n(.*?)^\.Xc",
                           sect, re.M | re.S))
problems = []
if sorted(cmds) != sorted(synopses):
    problems.append("herald --help has %s, herald(1) %s" %
                    (sorted(cmds), sorted(synopses)))
def man_options(synopsis):
    opts, fl = set(), False
    for t in synopsis.split():
        if t == "Fl":
            fl = True
        elif re.fullmatch(r"\.?[A-Z][a-z]+", t):
            fl = False
        elif fl and t != "|":
            o = "--" + t[1:] if t.startswith("-") else "-" + t
            opts.add(ALIAS.get(o, o))
    return opts
for c in cmds:
    h = subprocess.run([herald] + c.split() + ["--help"],
                       capture_output=True, text=True).stdout
    usage = h.split("\n\n", 1)[0]
    listed = set(re.findall(r"^  (?:-[a-z], )?(--[a-z-]+)", h, re.M))
    for o in sorted(listed):
        shorts = [s for s, l in ALIAS.items() if l == o]
        if o not in usage and not any(s + " " in usage for s in shorts):
            problems.append("herald %s: %s is not in its usage line" % (c, o))
    if not listed and "[-" in usage:
        problems.append("herald %s: options in the usage line, none listed" % c)
    documented = man_options(synopses.get(c, ""))
    if listed != documented:
        problems.append("herald %s: --help lists %s, herald(1) %s" %
                        (c, sorted(listed), sorted(documented)))
print("\n".join(problems), end="")
print("%d commands" % len(cmds), file=sys.stderr)
EOF
check "herald --help, herald CMD --help and herald(1): the same commands and options" 0 'out == "" and int(err.split()[0]) >= 11'
# Every command that talks to heraldd or reads the database takes -c.
for cmd in fetch reload metrics; do
	run "$HERALD" "$cmd" -c "$T/none.conf" -s "$T/no.sock"
	check "herald $cmd -c FILE: taken; heraldd is not running (exit 1)" 1 \
	    'out == "" and err.startswith("herald '"$cmd"': ") and "no.sock" in err'
done
run "$HERALD" status -c "$T/none.conf" -d "$db" -s "$T/no.sock"
check "herald status -c FILE -d DB: heraldd is not running (exit 3)" 3 \
    '"not running" in out and "no.sock" in out'
# One definition of a failing feed for feeds --errors, status and the
# digest: a copy of the fixture where a feed has an error recorded with no
# failure counted (a database older or edited by hand) read the same by
# all three (feeds --errors listed it, status and the digest did not).
"$PY" - "$db" "$T/failing.db" <<'EOF'
import sqlite3, sys
src = sqlite3.connect(sys.argv[1])
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)
src.close()
dst.execute("UPDATE feeds SET last_error = 'HTTP 502', failures = 0"
            " WHERE name = 'politico'")
dst.commit()
dst.close()
EOF
"$HERALD" feeds --errors --json -d "$T/failing.db" >"$T/f1" 2>&1
"$HERALD" status --json -d "$T/failing.db" -s "$T/no.sock" >"$T/f2" 2>&1
run "$HERALD" digest --json -d "$T/failing.db"
check "feeds --errors, status and digest: one definition of a failing feed" 0 \
    'sorted(f["name"] for f in json.load(open(os.environ["T"] + "/f1"))["feeds"]) == sorted(json.load(open(os.environ["T"] + "/f2"))["database"]["feeds_in_error_names"]) == sorted(f["feed"] for f in j["failing_feeds"]) == ["gone-feed", "parliament", "politico"]'
# A running daemon's answer, from a stand-in for heraldd on the socket:
# one feed waiting for its first fetch is "1 feed", not "1 feeds".
"$PY" - "$T/fake.sock" <<'EOF' &
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(20)
try:
    c, _ = s.accept()
except OSError:
    sys.exit(0)
c.settimeout(5)
c.recv(100)
now = int(time.time())
c.sendall(json.dumps({"pid": 4242, "version": "x", "started": now - 5,
                      "last_cycle": 0, "fetches": 1, "busy": 0,
                      "unfetched": 1, "feeds": 2,
                      "feeds_in_error": 0}).encode() + b"\n")
c.close()
EOF
fake=$!
i=0
while [ ! -S "$T/fake.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
run "$HERALD" status -d "$db" -s "$T/fake.sock"
wait $fake
check "herald status: one feed not fetched yet is 1 feed" 0 \
    '"running, pid 4242" in out and "0 in flight or waiting, 1 feed not fetched yet\n" in out'

# The shipped configurations load
if [ -x "$CHECKCONF" ]; then
	run "$CHECKCONF" "$top_srcdir/etc/herald.conf"
	check "etc/herald.conf loads with its OPML: >= 30 https feeds" 0 \
	    'lines[0] == "database /var/lib/herald/herald.db" and int(lines[2].split()[1]) >= 30 and all(l.split()[2].startswith("https://") for l in lines[3:])'
	run "$CHECKCONF" "$top_srcdir/etc/demo/herald.conf"
	check "etc/demo/herald.conf loads: the sample feeds over file://" 0 \
	    'int(lines[2].split()[1]) >= 4 and all(l.split()[2].startswith("file:///tmp/herald-demo/feeds/") for l in lines[3:])'

	mkdir -p "$T/demo dir#1"
	cp -R "$top_srcdir/tests/data/feeds" "$T/demo dir#1/"
	run "$top_srcdir/scripts/demo-config" "$T/demo dir#1/feeds" "$T/demo dir#1/herald.db"
	cp "$T/out" "$T/demo.conf"
	check "scripts/demo-config prints a config" 0 'has("[herald]", "[feed ")'
	run "$CHECKCONF" "$T/demo.conf"
	check "demo-config's output loads; a feed per sample file" 0 \
	    'sorted(urllib.parse.unquote(l.split()[2]) for l in lines[3:]) == sorted("file://" + os.environ["T"] + "/demo dir#1/feeds/" + f for f in os.listdir(os.environ["T"] + "/demo dir#1/feeds"))'

	sed "s|$T/demo dir#1|/tmp/herald-demo|g; s|$T/demo%20dir%231|/tmp/herald-demo|g; s|\"/tmp/herald-demo/herald.db\"|/tmp/herald-demo/herald.db|" \
	    "$T/demo.conf" >"$T/demo.norm"
	if cmp -s "$T/demo.norm" "$top_srcdir/etc/demo/herald.conf"; then
		ok "etc/demo/herald.conf is what scripts/demo-config prints"
	else
		diff "$T/demo.norm" "$top_srcdir/etc/demo/herald.conf" | sed 's/^/#   /'
		nok "etc/demo/herald.conf is what scripts/demo-config prints"
	fi
fi

echo "1..$n"
[ "$failed" -eq 0 ] || { echo "$failed of $n failed"; exit 1; }
exit 0
