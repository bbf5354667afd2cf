/*
 * notify.c: heraldd and its service manager (sd_notify(3)): READY=1,
 * RELOADING=1, STOPPING=1, a one-line STATUS= refreshed from the loop, and
 * WATCHDOG=1 from an ev_timer at half of WatchdogSec, so a loop that is
 * stuck stops the pings and systemd restarts the daemon.  With libsystemd
 * sd_notify() sends the datagrams; without it (or built with NOTIFY_BUILTIN,
 * as the tests do) this file speaks the documented protocol itself.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#if defined(HAVE_LIBSYSTEMD) && !defined(NOTIFY_BUILTIN)
#define NOTIFY_LIBSYSTEMD	1
#include <systemd/sd-daemon.h>
#endif

#include "daemon.h"
#include "log.h"
#include "util.h"

#define STATUS_EVERY	30.		/* seconds between STATUS= refreshes */
#define STATUS_NOTE_MAX	160		/* bytes of a reload error shown */

static struct {
	struct ev_loop	*loop;
	ev_timer	 watchdog;
	ev_timer	 status;
	struct sched	*sched;
	size_t		 nfeeds;
	time_t		 last_cycle;	/* wall time the last cycle ended; 0 none */
	char		*note;		/* "reload refused at ...", or NULL */
	int		 fd;		/* the builtin sender's socket, -1 none */
	int		 warned;
} nt = { .fd = -1 };

#ifndef NOTIFY_LIBSYSTEMD
/*
 * The datagram protocol of sd_notify(3): one message per datagram to the
 * AF_UNIX socket in $NOTIFY_SOCKET, a path or, with a leading '@', a name
 * in the abstract namespace.  Returns 1 sent, 0 no socket, -1 error (errno).
 */
static int
notify_sendto(const char *msg)
{
	const char		*path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un	 sun;
	size_t			 len;
	socklen_t		 salen;

	if (path == NULL || *path == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len >= sizeof(sun.sun_path)) {
		errno = EINVAL;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@') {
		/* abstract: no terminating NUL, the length says where it ends */
		sun.sun_path[0] = '\0';
		salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	} else
		salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    len + 1);
	/*
	 * One socket kept open: a watchdog ping must not need a new fd.  Never
	 * blocking: a manager that does not read must not stop the loop.
	 */
	if (nt.fd == -1 && (nt.fd = socket(AF_UNIX,
	    SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	if (sendto(nt.fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&sun, salen) == -1)
		return -1;
	return 1;
}

/* WATCHDOG_USEC when it is meant for this process (WATCHDOG_PID), else 0. */
static uint64_t
notify_watchdog_usec(void)
{
	const char	*s, *pid;
	char		*end;
	uintmax_t	 v;

	if ((s = getenv("WATCHDOG_USEC")) == NULL)
		return 0;
	if ((pid = getenv("WATCHDOG_PID")) != NULL) {
		errno = 0;
		v = strtoumax(pid, &end, 10);
		if (errno != 0 || end == pid || *end != '\0' ||
		    v != (uintmax_t)getpid())
			return 0;
	}
	errno = 0;
	v = strtoumax(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-')
		return 0;
	return (uint64_t)v;
}
#else
static int
notify_sendto(const char *msg)
{
	int	 rc = sd_notify(0, msg);

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc > 0;
}

static uint64_t
notify_watchdog_usec(void)
{
	uint64_t	 usec = 0;

	/* checks WATCHDOG_PID against getpid() too */
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}
#endif

int
notify_send(const char *msg)
{
	int	 rc;

	if ((rc = notify_sendto(msg)) == -1) {
		/* once: a broken socket must not flood the log every ping */
		if (!nt.warned)
			log_warn("notify socket %s", getenv("NOTIFY_SOCKET"));
		nt.warned = 1;
		return -1;
	}
	return rc;
}

/* Drops a UTF-8 sequence cut short at the end of b. */
static void
utf8_trim_partial(struct buf *b)
{
	size_t		 i = b->len, cont = 0, need;
	unsigned char	 c;

	while (i > 0 && cont < 3 &&
	    ((unsigned char)b->data[i - 1] & 0xc0) == 0x80) {
		i--;
		cont++;
	}
	if (i == 0)
		return;
	c = (unsigned char)b->data[i - 1];
	need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	if (need > cont) {
		b->len = i - 1;
		b->data[b->len] = '\0';
	}
}

/* Appends `s` to b on one line: controls become spaces, cut at `max`. */
static void
status_put_line(struct buf *b, const char *s, size_t max)
{
	size_t	 n = 0;

	for (; *s != '\0' && *s != '\n' && n < max; s++, n++)
		buf_putc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
	if (*s != '\0' && *s != '\n') {
		utf8_trim_partial(b);
		buf_puts(b, "...");
	}
}

void
notify_busy(const char *what, unsigned seconds)
{
	struct buf	 b;

	buf_init(&b, 0);
	buf_printf(&b, "EXTEND_TIMEOUT_USEC=%llu\nSTATUS=",
	    (unsigned long long)seconds * 1000000ULL);
	status_put_line(&b, what, STATUS_NOTE_MAX);
	notify_send(b.data);
	buf_free(&b);
}

/* "STATUS=12 feeds, 1 in error, 340 fetches, last cycle ended 14:03:05". */
static char *
notify_status_line(const char *prefix)
{
	struct buf	 b;
	struct tm	 tm;
	char		 when[32];
	time_t		 last;

	buf_init(&b, 0);
	buf_puts(&b, prefix);
	buf_printf(&b, "STATUS=%zu feed%s", nt.nfeeds, nt.nfeeds == 1 ? "" : "s");
	if (nt.sched != NULL) {
		buf_printf(&b, ", %zu in error, %" PRIu64 " fetch%s",
		    sched_nerrors(nt.sched), sched_nfetches(nt.sched),
		    sched_nfetches(nt.sched) == 1 ? "" : "es");
		/* a start with no feed due ended a cycle without a fetch */
		last = nt.last_cycle != 0 || nt.nfeeds == 0 ? nt.last_cycle :
		    sched_last_cycle(nt.sched);
		if (last == 0 && nt.nfeeds == 0)
			;
		else if (last == 0)
			buf_puts(&b, ", first cycle running");
		else if (localtime_r(&last, &tm) != NULL &&
		    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) > 0)
			buf_printf(&b, ", last cycle ended %s", when);
	}
	if (nt.note != NULL)
		buf_printf(&b, "; %s", nt.note);
	return buf_steal(&b);
}

static void
notify_status_send(const char *prefix)
{
	char	*msg = notify_status_line(prefix);

	notify_send(msg);
	free(msg);
}

static void
watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	notify_send("WATCHDOG=1");
}

static void
status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	notify_status_send("");
}

/*
 * The sched says each time a fetch ends; when nothing is left in flight or
 * waiting, and every feed was fetched once, a cycle has ended.  The first
 * one is shown at once.
 */
static void
notify_fetch_done(void *arg)
{
	int	 first = nt.last_cycle == 0;

	if (nt.sched == NULL || sched_busy(nt.sched) > 0 ||
	    sched_last_cycle(nt.sched) == 0)
		return;
	nt.last_cycle = time(NULL);
	if (first)
		notify_status_send("");
}

void
notify_init(struct ev_loop *loop)
{
	uint64_t	 usec;
	double		 every;

	nt.loop = loop;
	if ((usec = notify_watchdog_usec()) == 0)
		return;
	every = (double)usec / 2e6;
	log_debug("watchdog: WATCHDOG=1 every %.3f s", every);
	ev_timer_init(&nt.watchdog, watchdog_cb, every, every);
	ev_timer_start(loop, &nt.watchdog);
	/* the timer must not keep an otherwise finished loop alive */
	ev_unref(loop);
	notify_send("WATCHDOG=1");
}

void
notify_status_start(struct sched *s)
{
	nt.sched = s;
	sched_add_idle_cb(s, notify_fetch_done, NULL);
	if (nt.loop == NULL || ev_is_active(&nt.status))
		return;
	ev_timer_init(&nt.status, status_cb, STATUS_EVERY, STATUS_EVERY);
	ev_timer_start(nt.loop, &nt.status);
	ev_unref(nt.loop);
}

void
notify_ready(size_t nfeeds, const char *reload_error)
{
	struct buf	 b;
	struct tm	 tm;
	time_t		 now;
	char		 when[16];

	nt.nfeeds = nfeeds;
	free(nt.note);
	nt.note = NULL;
	if (reload_error != NULL) {
		now = time(NULL);
		buf_init(&b, 0);
		buf_puts(&b, "reload refused");
		if (localtime_r(&now, &tm) != NULL &&
		    strftime(when, sizeof(when), "%H:%M:%S", &tm) > 0)
			buf_printf(&b, " at %s", when);
		buf_puts(&b, ": ");
		status_put_line(&b, reload_error, STATUS_NOTE_MAX);
		nt.note = buf_steal(&b);
	}
	notify_status_send("READY=1\n");
}

void
notify_stop(void)
{
	if (nt.loop != NULL) {
		if (ev_is_active(&nt.watchdog)) {
			ev_ref(nt.loop);
			ev_timer_stop(nt.loop, &nt.watchdog);
		}
		if (ev_is_active(&nt.status)) {
			ev_ref(nt.loop);
			ev_timer_stop(nt.loop, &nt.status);
		}
	}
	if (nt.sched != NULL)
		sched_remove_idle_cb(nt.sched, notify_fetch_done, NULL);
	nt.sched = NULL;
	free(nt.note);
	nt.note = NULL;
	if (nt.fd != -1)
		close(nt.fd);
	nt.fd = -1;
}
