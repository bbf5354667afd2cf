#!/bin/sh
# parse_golden.sh: `herald parse --json` over the sample feeds of
# tests/data/feeds (which the demo also reads) and the parser's own sample
# documents in tests/data/parse must give the golden files of tests/data/golden (the
# whole document: entries, feed, encoding, bozo), compared as JSON.  After an
# intended change, regenerate them with: tests/parse_golden.sh --update
set -u
py=${PYTHON3:-python3}
data=${TESTDATA:-$(dirname "$0")/data}
herald=${HERALD:-$(dirname "$0")/../cli/herald}
update=0
[ "${1:-}" = "--update" ] && update=1
fail=0
n=0
for f in "$data"/feeds/* "$data"/parse/*; do
	b=$(basename "$f")
	gold="$data/golden/$b.json"
	out=$("$herald" parse --json --url "https://example.eu/feeds/$b" "$f")
	rc=$?
	n=$((n + 1))
	if [ $rc -ne 0 ]; then
		echo "FAIL: $b: herald parse exited $rc"
		fail=1
		continue
	fi
	if [ $update -eq 1 ]; then
		printf '%s\n' "$out" | "$py" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=1, sort_keys=True, ensure_ascii=False))' >"$gold"
		echo "updated $gold"
		continue
	fi
	if printf '%s\n' "$out" | "$py" -c '
import json, sys
got = json.load(sys.stdin)
want = json.load(open(sys.argv[1], encoding="utf-8"))
if got != want:
    for k in sorted(set(got) | set(want)):
        if got.get(k) != want.get(k):
            print("  %s differs:\n    got  %s\n    want %s" % (k,
                  json.dumps(got.get(k), ensure_ascii=False)[:400],
                  json.dumps(want.get(k), ensure_ascii=False)[:400]))
    sys.exit(1)
' "$gold"; then
		echo "ok: $b"
	else
		echo "FAIL: $b differs from $gold"
		fail=1
	fi
done
[ $n -gt 0 ] || { echo "FAIL: no sample feeds in $data/feeds"; exit 1; }
exit $fail
