#!/bin/sh
# install.sh: `make install DESTDIR=...` from the top build directory into a
# scratch tree installs exactly the expected files (the directories as
# configured: bindir, sbindir, sysconfdir, mandir, the systemd unit,
# sysusers.d and tmpfiles.d directories; the configuration files as
# etc/Makefile.am lists them), with the configured paths in the
# units; the installed programs run; a second install keeps a changed
# herald.conf; `make uninstall` removes everything but that changed file.
# Then the installed man pages: they render without warnings (groff -ww,
# and mandoc -T lint when installed) and name every command and option of
# `herald` and `heraldd` and every key of herald.conf (lib/config.c).
# Files of the plugin issue (include/herald, herald-plugin.pc,
# herald-plugin.3, lib/herald) are listed when present, never required.
# Exit: 0 pass, 1 fail, 77 skip (no make).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAKE=${MAKE:-make}
# A sub-make of `make check` inherits -w and the jobserver through these:
# its "make[4]: Entering directory" lines would land in our captured output.
unset MAKEFLAGS MFLAGS MAKELEVEL

if ! command -v "$MAKE" >/dev/null 2>&1; then
	echo "SKIP: $MAKE not found"
	exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/herald-install.XXXXXX") || exit 1
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
D=$T/root
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	[ -s "$T/out" ] && sed 's/^/#   /' "$T/out" | tail -30
}
mk() {
	timeout 600 "$MAKE" --no-print-directory -C "$top_builddir" "$@" \
	    >"$T/out" 2>&1
}

# The directories as this build was configured.
cat >"$T/vars.mk" <<'EOF'
herald-install-vars:
	@echo "bindir='$(bindir)'"
	@echo "sbindir='$(sbindir)'"
	@echo "sysconfdir='$(sysconfdir)'"
	@echo "mandir='$(mandir)'"
	@echo "libdir='$(libdir)'"
	@echo "libexecdir='$(libexecdir)'"
	@echo "includedir='$(includedir)'"
	@echo "unitdir='$(systemdsystemunitdir)'"
	@echo "sysusersdir='$(sysusersdir)'"
	@echo "tmpfilesdir='$(tmpfilesdir)'"
EOF
if ! timeout 60 "$MAKE" -s --no-print-directory -C "$top_builddir" \
    -f Makefile -f "$T/vars.mk" herald-install-vars >"$T/vars" 2>"$T/out"; then
	nok "the configured directories"
	echo "1..$n"
	exit 1
fi
grep -E "^[a-z]+='" "$T/vars" >"$T/vars.sh"
. "$T/vars.sh"
# The shipped configuration files are etc/'s list (etc/Makefile.am).
printf 'herald-install-conf:\n\t@echo $(HERALD_CONF_FILES)\n' >"$T/conf.mk"
conf_files=$(timeout 60 "$MAKE" -s --no-print-directory -C "$top_builddir/etc" \
    -f Makefile -f "$T/conf.mk" herald-install-conf 2>/dev/null)
case " $conf_files " in
*" herald.conf "*) ;;
*)	echo "etc/Makefile: HERALD_CONF_FILES = $conf_files" >"$T/out"
	nok "etc/ ships herald.conf"
	conf_files="herald.conf eu-policy.opml" ;;
esac

expected() {
	echo "$bindir/herald"
	echo "$sbindir/heraldd"
	for f in $conf_files; do
		echo "$sysconfdir/herald/$f"
	done
	echo "$mandir/man1/herald.1"
	echo "$mandir/man5/herald.conf.5"
	echo "$mandir/man8/heraldd.8"
	echo "$libexecdir/herald/herald-smtp"
	if [ -n "$unitdir" ]; then
		echo "$unitdir/heraldd.service"
	fi
	[ -n "$sysusersdir" ] && echo "$sysusersdir/herald.conf"
	[ -n "$tmpfilesdir" ] && echo "$tmpfilesdir/herald.conf"
}
# The plugin issue's files: allowed, not required.
plugin_file() {
	case $1 in
	"$includedir"/herald/*|"$libdir"/pkgconfig/herald-plugin.pc|\
	"$mandir"/man3/herald-plugin.3|"$libdir"/herald/*)
		return 0 ;;
	esac
	return 1
}
installed() {
	(cd "$D" && find . \( -type f -o -type l \) -print) | sed 's|^\.||' |
	    LC_ALL=C sort
}

# 1. Install.
if mk install DESTDIR="$D"; then
	ok "make install DESTDIR=..."
else
	nok "make install DESTDIR=..."
	echo "1..$n"
	exit 1
fi
expected | LC_ALL=C sort >"$T/expected"
installed >"$T/got"
: >"$T/extra"
while IFS= read -r f; do
	if grep -qxF "$f" "$T/expected"; then
		:
	elif plugin_file "$f"; then
		echo "# installed by the plugin issue: $f"
	else
		echo "unexpected: $f" >>"$T/extra"
	fi
done <"$T/got"
LC_ALL=C comm -23 "$T/expected" "$T/got" | sed 's/^/missing: /' >>"$T/extra"
cp "$T/extra" "$T/out"
if [ -s "$T/extra" ]; then
	nok "exactly the expected files ($(wc -l <"$T/expected") + plugin files)"
else
	ok "exactly the expected files ($(wc -l <"$T/expected") + plugin files)"
fi
sed 's/^/#   /' "$T/got"

# 2. What was installed works and names the installed paths.
if "$D$sbindir/heraldd" --version >"$T/out" 2>&1 &&
    "$D$bindir/herald" --version >>"$T/out" 2>&1; then
	ok "the installed heraldd and herald run"
else
	nok "the installed heraldd and herald run"
fi
if [ -n "$unitdir" ]; then
	u=$D$unitdir/heraldd.service
	if grep -qxF "ExecStart=$sbindir/heraldd -c $sysconfdir/herald/herald.conf" \
	    "$u" && ! grep -q '@[a-z]*@' "$D$unitdir"/*.service; then
		ok "heraldd.service runs $sbindir/heraldd"
	else
		grep -n 'Exec\|@' "$u" >"$T/out"
		nok "heraldd.service runs $sbindir/heraldd"
	fi
	# digests are heraldd's: the daily timer of old is not installed
	if [ ! -e "$D$unitdir/herald-digest.timer" ] &&
	    [ ! -e "$D$unitdir/herald-digest.service" ]; then
		ok "no herald-digest.timer: heraldd sends digests itself"
	else
		: >"$T/out"; nok "no herald-digest.timer: heraldd sends digests itself"
	fi
fi
perm=$(stat -c %a "$D$sbindir/heraldd")
case $perm in
755) ok "heraldd mode 0755" ;;
*) : >"$T/out"; nok "heraldd mode 0755 (not $perm)" ;;
esac

# 3. A second install keeps a changed configuration.
conf=$D$sysconfdir/herald/herald.conf
echo "# changed by the administrator" >>"$conf"
cp "$conf" "$T/changed.conf"
if mk install DESTDIR="$D" && cmp -s "$conf" "$T/changed.conf"; then
	ok "a second install keeps a changed herald.conf"
else
	nok "a second install keeps a changed herald.conf"
fi

# 4. Uninstall: only the changed configuration stays.
if mk uninstall DESTDIR="$D"; then
	installed >"$T/left"
	if [ "$(cat "$T/left")" = "$sysconfdir/herald/herald.conf" ]; then
		ok "make uninstall leaves only the changed herald.conf"
	else
		grep -vxF "$sysconfdir/herald/herald.conf" "$T/left" |
		    while IFS= read -r f; do
			plugin_file "$f" || echo "left: $f"
		done >"$T/out"
		if [ -s "$T/out" ]; then
			nok "make uninstall leaves only the changed herald.conf"
		else
			ok "make uninstall leaves only the changed herald.conf (and plugin files)"
		fi
	fi
else
	nok "make uninstall DESTDIR=..."
fi

# 5. The man pages, from the source tree (what was installed).
for p in herald.1 herald.conf.5 heraldd.8; do
	page=$top_srcdir/man/$p
	if command -v groff >/dev/null 2>&1; then
		if groff -ww -mdoc -z "$page" >"$T/out" 2>&1 && [ ! -s "$T/out" ]
		then
			ok "$p: groff -ww without a warning"
		else
			nok "$p: groff -ww without a warning"
		fi
	fi
	if command -v mandoc >/dev/null 2>&1; then
		if mandoc -T lint -W warning "$page" >"$T/out" 2>&1; then
			ok "$p: mandoc -T lint -W warning clean"
		else
			nok "$p: mandoc -T lint -W warning clean"
		fi
	fi
done
if ! command -v groff >/dev/null 2>&1 && ! command -v mandoc >/dev/null 2>&1
then
	echo "# neither groff nor mandoc: the pages are not rendered"
fi

# Every command and long option of the programs is in their page.
# mentions PAGE WORD...: the rendered page contains each WORD.
render() {
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -T utf8 "$1" | col -b
	elif command -v groff >/dev/null 2>&1; then
		groff -mdoc -T utf8 -P -c "$1" 2>/dev/null | col -b
	else
		cat "$1"
	fi
}
mentions() {
	page=$1; shift
	render "$top_srcdir/man/$page" >"$T/page"
	: >"$T/out"
	for w in "$@"; do
		grep -qF -- "$w" "$T/page" || echo "not in $page: $w" >>"$T/out"
	done
	[ ! -s "$T/out" ]
}
herald=$top_builddir/cli/herald
heraldd=$top_builddir/daemon/heraldd
cmds=$("$herald" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p')
words=
for c in $cmds; do
	words="$words herald_$c"
	for o in $("$herald" "$c" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' |
	    sort -u); do
		words="$words $o"
	done
done
# herald_CMD stands for "herald CMD" (a space would split the list)
set -- $(echo "$words" | tr ' ' '\n' | sort -u)
args=
for w; do args="$args|$w"; done
IFS='|'
set -- $(echo "$args" | sed 's/^|//; s/herald_/herald /g')
unset IFS
if [ -n "$cmds" ] && mentions herald.1 "$@"; then
	ok "herald(1) has every command and option ($(echo $cmds))"
else
	nok "herald(1) has every command and option"
fi
set -- $("$heraldd" --help | grep -o -- '--[a-z][a-z-]*\|-[a-zA-Z],' |
    tr -d , | sort -u)
if [ $# -gt 0 ] && mentions heraldd.8 "$@" SIGHUP SIGUSR1 SIGTERM \
    READY=1 RELOADING=1 STOPPING=1 WATCHDOG=1 STATUS=; then
	ok "heraldd(8) has every option, signal and notify message"
else
	nok "heraldd(8) has every option, signal and notify message"
fi
# The keys of herald.conf: the names in lib/config.c's key tables.
set -- $(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", V_.*/\1/p' \
    "$top_srcdir/lib/config.c" | sort -u)
if [ $# -ge 20 ] && mentions herald.conf.5 "$@" '[herald]' '[feeds]' \
    '[feed "NAME"]' '[topic "NAME"]' '[plugin "NAME"]' '[digest "NAME"]'; then
	ok "herald.conf(5) has every section and key ($# keys)"
else
	echo "keys found in lib/config.c: $#" >>"$T/out"
	nok "herald.conf(5) has every section and key"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
