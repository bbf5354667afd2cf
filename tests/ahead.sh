#!/bin/sh
# ahead.sh NAME.ahead: runs the test that NAME.ahead names (its first line)
# with the clock a year ahead, under libfaketime (Debian's faketime), so a
# test that passes only near today's date fails now rather than next year
# (RELIABILITY.md case 47).  Registered in Makefile.am as AHEAD_TESTS.
set -u
[ $# -eq 1 ] || { echo "usage: ahead.sh NAME.ahead" >&2; exit 99; }
srcdir=${srcdir:-$(dirname "$0")}
t=$(sed -n 1p "$1")
if ! command -v faketime >/dev/null 2>&1; then
	echo "SKIP: faketime is not installed (apt-get install faketime)"
	exit 77
fi
# Every faketime wrapper (the probes below too, in subshells of their own
# pids) keeps a semaphore and a memory segment in /dev/shm named by its
# pid for its life; one killed before (a test's timeout, a killed run)
# left its pair, and a later wrapper given that pid fails with "sem_open:
# File exists".  A pair whose pid is not running is nobody's: it goes.
for f in /dev/shm/sem.faketime_sem_*; do
	[ -e "$f" ] || continue
	p=${f##*_}
	case $p in *[!0-9]*|'') continue ;; esac
	[ -d "/proc/$p" ] || rm -f "$f" "/dev/shm/faketime_shm_$p"
done
for f in /dev/shm/faketime_shm_*; do
	[ -e "$f" ] || continue
	p=${f##*_}
	case $p in *[!0-9]*|'') continue ;; esac
	[ -d "/proc/$p" ] || rm -f "$f"
done
# The offset is checked first: a libfaketime that does not take hold
# would run the test at today's date and prove nothing.
ahead=${HERALD_AHEAD:-+365d}
now=$(date +%s)
then_=$(faketime -f "$ahead" date +%s) || exit 99
if [ $((then_ - now)) -lt $((360 * 86400)) ]; then
	echo "ERROR: faketime -f $ahead did not move the clock ($now -> $then_)"
	exit 99
fi
echo "# $t with the clock at $(faketime -f "$ahead" date -u '+%Y-%m-%d %H:%M UTC')"
# The wrapper exec'd below takes our pid: a pair of that name is stale
# (the sweep above may have raced with a wrapper killed since).
rm -f "/dev/shm/faketime_shm_$$" "/dev/shm/sem.faketime_sem_$$"
case $t in
*.py)	exec faketime -f "$ahead" "${PYTHON3:-python3}" "$srcdir/$t" ;;
*.sh)	exec faketime -f "$ahead" "${SHELL:-/bin/sh}" "$srcdir/$t" ;;
*)	exec faketime -f "$ahead" "./$t" ;;
esac
