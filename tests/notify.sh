#!/bin/sh
# notify.sh: the sd_notify protocol of the real heraldd (READY, STATUS,
# WATCHDOG, RELOADING around SIGHUP with a broken and a good configuration,
# STOPPING) and of daemon/notify.c's own implementation; see notify_test.py.
# Exit: 0 pass, 1 fail, 77 skip (no python3).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
PY=${PYTHON3:-python3}
[ -n "$PY" ] || PY=python3
if ! command -v "$PY" >/dev/null 2>&1; then
	echo "SKIP: python3 is needed to listen on the notify socket"
	exit 77
fi
# notify_test.py bounds each step; this bounds the whole.
exec timeout -k 5 120 "$PY" "$top_srcdir/tests/notify_test.py" "$top_srcdir" "$top_builddir"
