/*
 * coarsetime.c: preloaded into heraldd (it_digest.py), time() reads the
 * real-time clock COARSETIME_MS milliseconds (default 50) late, as glibc's
 * time() on Linux reads the kernel's coarse clock, up to a tick (4 ms at
 * 250 Hz) behind clock_gettime(), which libev's ev_time() reads.  The lag
 * is made longer and constant so that a test sees every time a slot is
 * decided by one clock and armed by the other.  Put before libfaketime in
 * LD_PRELOAD, it reads libfaketime's clock.
 */
#include <stdlib.h>
#include <time.h>

time_t
time(time_t *tp)
{
	struct timespec	 ts;
	const char	*e = getenv("COARSETIME_MS");
	long		 ms = e != NULL ? atol(e) : 50;
	long long	 ns;
	time_t		 t;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (time_t)-1;
	ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec - ms * 1000000LL;
	t = (time_t)(ns / 1000000000LL);
	if (tp != NULL)
		*tp = t;
	return t;
}
