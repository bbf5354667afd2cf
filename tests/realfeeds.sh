#!/bin/bash
# realfeeds.sh: `herald parse` and `herald parse --json` over every real feed
# in ../shared/feeds/real/ (real documents with real warts, described in its
# SOURCES.md).  For each file: no crash and no hang (timeout 20 s per run),
# exit 0 (1 only for the known non-feeds listed below), output that is valid
# UTF-8 JSON, and its items: at least one entry, and as many entries that
# carry something (any non-blank field: title, link, id, date, summary...) as
# SOURCES.md's summary line counts items, unless an exception below says why
# not.  One line per file: name, entries, bozo and why.
#
# Environment (exported by tests/Makefile.am): HERALD, top_srcdir, PYTHON3.
# Exit: 0 pass, 1 fail, 77 skip (no ../shared/feeds/real).

set -u

HERALD=${HERALD:-}
PY=${PYTHON3:-python3}
here=$(cd "$(dirname "$0")" && pwd)
top=${top_srcdir:-$here/..}
REAL=$top/../shared/feeds/real
TIMEOUT=20

if [ ! -d "$REAL" ]; then
	echo "SKIP: $REAL is absent (the real-feed samples live in ../shared)"
	exit 77
fi
if [ -z "$HERALD" ] || [ ! -x "$HERALD" ]; then
	echo "SKIP: HERALD ('$HERALD') is not an executable"
	exit 77
fi
if ! command -v "$PY" >/dev/null 2>&1 || ! command -v timeout >/dev/null 2>&1; then
	echo "SKIP: python3 and timeout are needed"
	exit 77
fi

# Files that are not feeds: herald must reject them (exit 1).  name -> reason.
declare -A NONFEED=(
)
# Files whose count of entries that carry something differs from SOURCES.md's.
# name -> "count reason".
declare -A EXPECT=(
	[dailymail__world-empty-channel-2017.xml]="0 the channel has no items at all (SOURCES.md: 0 items)"
	[pcmag__feedburner-est-zone-2018.xml]="10 10 real items, each with a stray empty <item /> nested inside it (SOURCES.md counts 20)"
)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/herald-realfeeds.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Item counts from SOURCES.md: "### `name`" then "* Summary: ..., N items, ...".
declare -A COUNT=()
if [ -f "$REAL/SOURCES.md" ]; then
	while read -r name n; do
		COUNT[$name]=$n
	done < <(awk '
	    /^### `/ { name = $2; gsub(/`/, "", name) }
	    /^\* Summary:/ && name != "" {
		if (match($0, /[0-9]+ items?,/)) {
			s = substr($0, RSTART, RLENGTH); sub(/ .*/, "", s)
			print name, s
		}
		name = ""
	    }' "$REAL/SOURCES.md")
fi

# Prints "ENTRIES WITH_CONTENT BOZO WHY" for one JSON output, or an error
# (and exits 1) when it is not valid UTF-8 JSON.
ANALYSE='
import json, sys
raw = open(sys.argv[1], "rb").read()
try:
    d = json.loads(raw.decode("utf-8", "strict"))
except (UnicodeDecodeError, ValueError) as ex:
    print("invalid JSON output: %s" % ex)
    sys.exit(1)
bad = []
def walk(x):
    if isinstance(x, str):
        if any((ord(c) < 32 and c not in "\t\n\r") or 0xd800 <= ord(c) <= 0xdfff
               for c in x):
            bad.append(x[:60])
    elif isinstance(x, dict):
        for k, v in x.items():
            walk(k); walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
walk(d)
if bad:
    print("control characters or surrogates in output: %r" % bad[:2])
    sys.exit(1)
def val(x):
    return x.get("value") if isinstance(x, dict) else x
E = d.get("entries", [])
META = ("type", "rel", "language", "base")
def carries(x, key=None):
    """True when x holds a non-blank string that is not just metadata."""
    if isinstance(x, str):
        return key not in META and x.strip() != ""
    if isinstance(x, dict):
        return any(carries(v, k) for k, v in x.items())
    if isinstance(x, list):
        return any(carries(v, key) for v in x)
    return False
full = sum(1 for e in E if carries(e))
why = " ".join(str(d[k]) for k in ("bozo_exception", "bozo_message") if d.get(k))
if d.get("bozo_line"):
    why += " (line %s)" % d["bozo_line"]
print(len(E), full, "true" if d.get("bozo") else "false", why or "-")
'

nfail=0
nfiles=0
fail() {
	echo "FAIL: $*"
	nfail=$((nfail + 1))
}

printf '%-54s %7s %6s  %s\n' FILE ENTRIES BOZO WHY
for f in "$REAL"/*.xml; do
	[ -e "$f" ] || continue
	name=${f##*/}
	nfiles=$((nfiles + 1))
	want_rc=0
	[ -n "${NONFEED[$name]:-}" ] && want_rc=1

	t0=$EPOCHREALTIME
	timeout "$TIMEOUT" "$HERALD" parse --json "$f" >"$tmp/out.json" 2>"$tmp/err.json"
	rc_json=$?
	t1=$EPOCHREALTIME
	timeout "$TIMEOUT" "$HERALD" parse "$f" >"$tmp/out.txt" 2>"$tmp/err.txt"
	rc_txt=$?
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')

	bad=
	for pair in "json:$rc_json" "text:$rc_txt"; do
		mode=${pair%%:*} rc=${pair#*:}
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			bad="$bad; $mode: hang (killed after ${TIMEOUT}s)"
		elif [ "$rc" -ge 126 ]; then
			bad="$bad; $mode: crash or not run (exit $rc)"
		elif [ "$rc" != "$want_rc" ]; then
			bad="$bad; $mode: exit $rc, expected $want_rc: $(head -c 200 "$tmp/err.$mode" | tr '\n' ' ')"
		fi
	done
	if [ $want_rc = 1 ]; then
		printf '%-54s %7s %6s  %s\n' "$name" - - "not a feed (${NONFEED[$name]})"
		[ -n "$bad" ] && fail "$name: ${bad#; }"
		continue
	fi
	if ! res=$("$PY" -c "$ANALYSE" "$tmp/out.json" 2>&1); then
		printf '%-54s %7s %6s  %s\n' "$name" '?' '?' "$res"
		fail "$name: ${bad#; }${bad:+; }$res"
		continue
	fi
	read -r n full bozo why <<<"$res"
	printf '%-54s %7s %6s  %s  [%s s]\n' "$name" "$n" "$bozo" "$why" "$secs"

	exp=${EXPECT[$name]:-}
	if [ -n "$exp" ]; then
		want=${exp%% *}
		echo "    expected $want entries that carry something: ${exp#* }"
	elif [ -n "${COUNT[$name]:-}" ]; then
		want=${COUNT[$name]}
		[ "$want" -gt 2000 ] && want=2000
	else
		want=
	fi
	if [ -n "$bad" ]; then
		fail "$name: ${bad#; }"
	elif [ -z "$exp" ] && [ "$n" -lt 1 ]; then
		fail "$name: no entries"
	elif [ -n "$want" ] && [ "$full" != "$want" ]; then
		fail "$name: $full entries that carry something ($n in all, the others empty), expected $want"
	fi
	# The readable summary counts the same entries.
	tn=$(sed -n 's/^entries: *\([0-9][0-9]*\)$/\1/p' "$tmp/out.txt" | tail -n 1)
	if [ -n "$tn" ] && [ "$tn" != "$n" ]; then
		fail "$name: the text output says $tn entries, the JSON has $n"
	fi
done

if [ $nfiles = 0 ]; then
	echo "SKIP: no *.xml in $REAL"
	exit 77
fi
echo
echo "$nfiles files, $nfail failed"
[ $nfail = 0 ] || exit 1
exit 0
