#!/bin/sh
# systemd.sh: the units of systemd/ as built (configured paths filled in):
# `systemd-analyze verify` is clean on heraldd.service (ExecStart pointed at
# the heraldd of the build tree, Documentation= at the man pages of man/),
# its security exposure is at most 1.5, the unit says what heraldd does (notify,
# watchdog, reload, static user), and the sysusers.d and tmpfiles.d entries
# create the herald user, group and state directory in a scratch root.
# Exit: 0 pass, 1 fail, 77 skip (no systemd-analyze).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAX_EXPOSURE=1.5

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze is not installed (Debian package systemd)"
	exit 77
fi
for f in heraldd.service; do
	if [ ! -f "$top_builddir/systemd/$f" ]; then
		echo "not ok - $top_builddir/systemd/$f not built (run make)"
		exit 1
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/herald-systemd.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	[ -s "$T/out" ] && sed 's/^/#   /' "$T/out" | head -30
}

# The units with ExecStart= on the build tree's heraldd (verify wants an
# executable), the rest as built.
heraldd=$top_builddir/daemon/heraldd
mkdir "$T/units"
sed "s|^ExecStart=[^ ]*/heraldd |ExecStart=$heraldd |" \
    "$top_builddir/systemd/heraldd.service" >"$T/units/heraldd.service"
units="$T/units/heraldd.service"

if grep -n '@[a-z]*@' "$top_builddir"/systemd/*.service >"$T/out"; then
	nok "no @variable@ left in the generated units"
else
	ok "no @variable@ left in the generated units"
fi

# Documentation=man:... must name pages that exist: a MANPATH over man/.
mandir=
for sec in 1 5 8; do
	for p in "$top_srcdir"/man/*.$sec; do
		[ -f "$p" ] || continue
		mkdir -p "$T/man/man$sec"
		ln -s "$p" "$T/man/man$sec/"
		mandir=$T/man
	done
done
if [ -n "$mandir" ] && command -v man >/dev/null 2>&1; then
	manopt=
	export MANPATH="$mandir"
else
	manopt=--man=no
	echo "# man or the pages missing: Documentation= not checked"
fi

if [ ! -x "$heraldd" ]; then
	nok "heraldd built ($heraldd)"
elif (cd "$T/units" && timeout 60 systemd-analyze verify $manopt $units) \
    >"$T/out" 2>&1 && [ ! -s "$T/out" ]; then
	ok "systemd-analyze verify: clean on the unit"
else
	nok "systemd-analyze verify: clean on the unit"
fi

for u in heraldd.service; do
	timeout 60 systemd-analyze security --offline=yes "$T/units/$u" \
	    >"$T/out" 2>&1
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
	    "$T/out")
	if [ -n "$score" ] &&
	    awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
		ok "$u: security exposure $score <= $MAX_EXPOSURE"
	else
		grep '✗' "$T/out" >"$T/out2"; mv "$T/out2" "$T/out"
		nok "$u: security exposure '$score' <= $MAX_EXPOSURE"
	fi
done

# What heraldd relies on in its unit.
u=$top_builddir/systemd/heraldd.service
for line in 'Type=notify' 'NotifyAccess=main' 'WatchdogSec=' \
    'ExecReload=/bin/kill -HUP $MAINPID' 'User=herald' 'Group=herald' \
    'StateDirectory=herald' 'ConfigurationDirectory=herald' \
    'RuntimeDirectory=herald' 'MemoryDenyWriteExecute=yes' \
    'CapabilityBoundingSet=$' 'ProtectSystem=strict'; do
	if grep -q "^$line" "$u"; then
		ok "heraldd.service: $line"
	else
		: >"$T/out"; nok "heraldd.service: $line"
	fi
done
if grep -q '^DynamicUser=yes' "$u"; then
	nok "heraldd.service: a static user, not DynamicUser="
else
	ok "heraldd.service: a static user, not DynamicUser="
fi

# sysusers.d and tmpfiles.d in a scratch root.
if command -v systemd-sysusers >/dev/null 2>&1; then
	mkdir -p "$T/root/etc"
	if systemd-sysusers --root="$T/root" "$top_srcdir/systemd/herald.sysusers" \
	    >"$T/out" 2>&1 &&
	    grep -q '^herald:x:[0-9]*:[0-9]*:[^:]*:/var/lib/herald:' \
	    "$T/root/etc/passwd" && grep -q '^herald:x:' "$T/root/etc/group"; then
		ok "sysusers.d: a herald user and group"
	else
		nok "sysusers.d: a herald user and group"
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "# not root: tmpfiles.d entry not applied"
	elif systemd-tmpfiles --root="$T/root" --create \
	    "$top_srcdir/systemd/herald.tmpfiles" >"$T/out" 2>&1 &&
	    [ -d "$T/root/var/lib/herald" ] &&
	    [ "$(stat -c %a "$T/root/var/lib/herald")" = 750 ]; then
		ok "tmpfiles.d: /var/lib/herald, mode 0750"
	else
		nok "tmpfiles.d: /var/lib/herald, mode 0750"
	fi
else
	echo "# systemd-sysusers missing: sysusers.d and tmpfiles.d not applied"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
