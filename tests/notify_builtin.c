/*
 * notify_builtin.c: daemon/notify.c built with its own sd_notify protocol
 * (NOTIFY_BUILTIN), over a stub sched, for notify_test.py: what heraldd sends
 * when built without libsystemd, to a path or an abstract socket.
 *   notify_builtin SECONDS
 * READY=1 + STATUS=, a cycle ending after 0.2 s, WATCHDOG=1 when asked,
 * then two long reload errors (cut at 160 bytes), a refused reload's
 * READY=1 + STATUS=, STOPPING=1, exit 0.
 */
#define NOTIFY_BUILTIN	1
#include "../daemon/notify.c"

struct sched {
	struct hooks	 idle;
};

size_t
sched_nerrors(struct sched *s)
{
	return 1;
}

uint64_t
sched_nfetches(struct sched *s)
{
	return 7;
}

size_t
sched_busy(struct sched *s)
{
	return 0;
}

time_t
sched_last_cycle(struct sched *s)
{
	return 1;	/* every feed fetched once */
}

void
sched_add_idle_cb(struct sched *s, void (*cb)(void *), void *arg)
{
	hooks_add(&s->idle, cb, arg);
}

void
sched_remove_idle_cb(struct sched *s, void (*cb)(void *), void *arg)
{
	hooks_remove(&s->idle, cb, arg);
}

static struct sched	stub;

static void
cycle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	hooks_run(&stub.idle);
}

static void
end_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

int
main(int argc, char **argv)
{
	struct ev_loop	*loop = EV_DEFAULT;
	ev_timer	 cycle, end;
	double		 secs = argc > 1 ? atof(argv[1]) : 1.;
	char		 longerr[1 + 2 * 200 + 1];
	int		 i;

	log_init("notify_builtin", LOG_TO_STDERR, 1);
	notify_init(loop);
	notify_status_start(&stub);
	notify_ready(3, NULL);
	ev_timer_init(&cycle, cycle_cb, .2, 0.);
	ev_timer_start(loop, &cycle);
	ev_timer_init(&end, end_cb, secs, 0.);
	ev_timer_start(loop, &end);
	ev_run(loop, 0);
	/* long errors, cut inside and after a two-byte character */
	memset(longerr, 0, sizeof(longerr));
	for (i = 0; i < 200; i++)
		memcpy(longerr + 1 + 2 * i, "\xc3\xa9", 2);
	longerr[0] = 'x';
	notify_ready(3, longerr);
	notify_ready(3, longerr + 1);
	notify_send("RELOADING=1");
	notify_ready(3, "x.conf:3: bogus: unknown key \xc3\xa9\x01\nsecond error\n");
	notify_send("STOPPING=1");
	notify_stop();
	return 0;
}
