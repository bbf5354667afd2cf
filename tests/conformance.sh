#!/bin/bash
# The feedparser conformance corpus (../shared/conformance), run through
# `herald parse --json`.  Fails when a profile drops below its floor:
# every test of both profiles passes (core 523 of 523, extended 1192 of
# 1192; feedparser itself passes 519 of the core 523).
set -u
shared="${top_srcdir:-..}/../shared"
runner="$shared/tools/conformance/feedparser_expect.py"
if [ ! -f "$runner" ]; then
	echo "SKIP: $runner not found (the shared corpus is not beside this checkout)"
	exit 77
fi
py="${PYTHON3:-python3}"
cmd="$HERALD parse --json --url {url} --base-url {base_url} --content-type {content_type} --language {language} {file}"
status=0
for spec in core:100 extended:100; do
	profile=${spec%%:*}
	floor=${spec##*:}
	out=$("$py" "$runner" run --profile "$profile" -j 2 --show-failures 50 --cmd "$cmd" 2>&1)
	total=$(printf '%s\n' "$out" | awk '$1 == "TOTAL" { print; exit }')
	echo "$profile: $total"
	pct=$(printf '%s\n' "$total" | awk '{ sub("%", "", $NF); print $NF }')
	if [ -z "$pct" ] || awk -v p="$pct" -v f="$floor" 'BEGIN { exit !(p < f) }'; then
		echo "FAIL: $profile profile at ${pct:-?}%, below the floor of $floor%"
		printf '%s\n' "$out" | sed -n '/^first/,$p'
		status=1
	fi
done
exit $status
