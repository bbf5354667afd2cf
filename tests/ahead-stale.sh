#!/bin/sh
# ahead-stale.sh: the year-ahead harness (ahead.sh) survives what a killed
# faketime wrapper leaves in /dev/shm.  The wrapper names its semaphore and
# memory segment by its pid; the pair of one killed earlier made every
# later wrapper given that pid fail with "sem_open: File exists" (a CI run
# failed ahead/it_steady.py.ahead so).  Here a stale pair is made for the
# very pid ahead.sh runs as (exec keeps it), and a short test run through
# it must pass; and pairs of pids not running (any of which ahead.sh's
# probes, run in subshells, could be given) must be gone after it.
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")" && pwd)}
export srcdir
if ! command -v faketime >/dev/null 2>&1; then
	echo "1..0 # SKIP faketime is not installed (apt-get install faketime)"
	exit 77
fi
echo "1..2"
out=$(sh -c 'touch "/dev/shm/sem.faketime_sem_$$" "/dev/shm/faketime_shm_$$"
	echo "pid $$"
	exec sh "$srcdir/ahead.sh" "$srcdir/ahead/test_date.ahead"' 2>&1)
rc=$?
pid=$(echo "$out" | sed -n 's/^pid //p' | head -1)
left=0
for f in "/dev/shm/sem.faketime_sem_$pid" "/dev/shm/faketime_shm_$pid"; do
	[ -e "$f" ] && { left=1; rm -f "$f"; }
done
failed=0
if [ "$rc" -eq 0 ] && [ "$left" -eq 0 ] &&
    ! echo "$out" | grep -q "sem_open"; then
	echo "ok 1 - a stale faketime pair for ahead.sh's pid: the test ran, the pair is gone"
else
	echo "$out" | tail -5 | sed 's/^/# /'
	echo "not ok 1 - a stale faketime pair for ahead.sh's pid (exit $rc, pair left: $left)"
	failed=1
fi
# three pids no process has now
dead= p=$(( $$ + 7919 ))
while [ "$(echo $dead | wc -w)" -lt 3 ]; do
	p=$(( (p + 104729) % 4000000 + 300 ))
	[ -d "/proc/$p" ] || dead="$dead $p"
done
for p in $dead; do
	touch "/dev/shm/sem.faketime_sem_$p" "/dev/shm/faketime_shm_$p"
done
sh "$srcdir/ahead.sh" "$srcdir/ahead/test_date.ahead" >/dev/null 2>&1
rc=$?
left=
for p in $dead; do
	for f in "/dev/shm/sem.faketime_sem_$p" "/dev/shm/faketime_shm_$p"; do
		[ -e "$f" ] && { left="$left $f"; rm -f "$f"; }
	done
done
if [ "$rc" -eq 0 ] && [ -z "$left" ]; then
	echo "ok 2 - pairs of pids not running are swept before the probes"
else
	echo "not ok 2 - pairs of pids not running (exit $rc, left:$left)"
	failed=1
fi
exit $failed
