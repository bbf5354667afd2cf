/*
 * control.c: heraldd's control socket and metrics.  A SOCK_STREAM unix
 * socket in the runtime directory (systemd's RuntimeDirectory=, mode 0660:
 * the daemon's user and the members of its group), on the libev loop and
 * never blocking: accept is non-blocking, a connection must send its one
 * line of at most CONTROL_LINE_MAX bytes within CONTROL_IDLE seconds and
 * is closed CONTROL_TIMEOUT seconds after it came, at most CONTROL_MAX_CONNS
 * are open at once, and when they are, the oldest one that has not sent its
 * request yet makes room: idle connections cannot lock operators out.
 * The commands:
 *
 *	status		one JSON object (pid, version, started, last cycle...)
 *	fetch [FEED]	that feed, or every feed, due now
 *	reload		the configuration file again, as SIGHUP
 *	metrics		the Prometheus text exposition
 *	digest NAME	that [digest]'s period until now, queued at once
 *
 * Anything else is answered "error: ...".  The answer is written, then the
 * connection closed.  The same metrics go to [herald] metrics-file every
 * minute when it is set (node_exporter's textfile collector).
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <jansson.h>

#include "daemon.h"
#include "date.h"
#include "log.h"
#include "util.h"

#define CONTROL_SOCKET_NAME	"heraldd.sock"
#define CONTROL_DEFAULT_DIR	"/run/herald"
#define CONTROL_LINE_MAX	256	/* bytes of a request line */
#define CONTROL_IDLE		2.	/* seconds to send the request line */
#define CONTROL_TIMEOUT		10.	/* seconds a connection may live */
#define CONTROL_MAX_CONNS	16
#define CONTROL_STR(x)		CONTROL_STR1(x)
#define CONTROL_STR1(x)		#x
#define METRICS_EVERY		60.	/* seconds between metrics-file writes */

struct conn {
	LIST_ENTRY(conn)	 entry;
	struct control		*c;
	int			 fd;
	ev_io			 io;
	ev_timer		 timer;
	char			 in[CONTROL_LINE_MAX];
	size_t			 inlen;
	struct buf		 out;
	size_t			 off;
	int			 writing;
	ev_tstamp		 born;
};

struct control {
	struct ev_loop		*loop;
	struct store		*st;
	struct sched		*sched;
	struct digests		*digests;
	struct alerter		*alerts;
	control_reload_fn	 reload;
	void			*reload_arg;
	time_t			 started;
	char			*path;		/* the socket, NULL none */
	int			 fd;
	ev_io			 accept_io;
	LIST_HEAD(, conn)	 conns;
	size_t			 nconns;
	char			*metrics_path;
	ev_timer		 metrics_timer;
	int			 metrics_warned;
};

static void	conn_free(struct conn *);

/* ------------------------------------------------------------------ */
/* Metrics                                                             */
/* ------------------------------------------------------------------ */

/* A label value: backslash, double quote and newline escaped. */
static void
metrics_label(struct buf *b, const char *s)
{
	size_t	 n = strcspn(s, "\\\"\n");

	/* feed and plugin names rarely hold any: one copy */
	buf_append(b, s, n);
	for (s += n; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			buf_putc(b, '\\');
		if (*s == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *s);
	}
}

static void
metrics_head(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

enum feed_field {
	FF_LAST_SUCCESS,
	FF_FAILURES,
	FF_FETCHES,
	FF_ERRORS,
	FF_NOT_MODIFIED,
	FF_NEW,
	FF_ITEMS,
	FF_BYTES,
};

/*
 * The store's feeds that are configured, each with its bytes fetched:
 * looked up once per request (the metrics below are one pass each), so
 * 10,000 feeds cost milliseconds, not seconds.
 */
struct mfeed {
	const struct store_feed	*f;
	uint64_t		 bytes;
	char			*label;		/* {feed="..."}, escaped */
};

static int
mfeed_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sched_feed_bytes *)elem)->name);
}

static struct mfeed *
metrics_feeds(struct control *c, const struct store_feed *v, size_t n,
    size_t *nout)
{
	struct sched_feed_bytes	*sb, *hit;
	struct mfeed		*m = xcalloc(n + 1, sizeof(*m));
	struct buf		 lb;
	size_t			 ns = sched_feeds_bytes(c->sched, &sb), i;

	*nout = 0;
	for (i = 0; i < n; i++) {
		if ((hit = bsearch(v[i].name, sb, ns, sizeof(*sb),
		    mfeed_cmp)) == NULL)
			continue;	/* in the store, not configured */
		buf_init(&lb, 0);
		buf_puts(&lb, "{feed=\"");
		metrics_label(&lb, v[i].name);
		buf_puts(&lb, "\"} ");
		m[*nout].f = &v[i];
		m[*nout].bytes = hit->bytes;
		m[*nout].label = buf_steal(&lb);
		(*nout)++;
	}
	free(sb);
	return m;
}

/* One sample per configured feed of the metric `name`, from `what`. */
static void
metrics_feed_metric(struct buf *b, const struct mfeed *m, size_t n,
    const char *name, const char *type, const char *help,
    enum feed_field what)
{
	size_t	 i, nlen = strlen(name);
	long long val;
	char	 num[32];
	int	 k;

	metrics_head(b, name, type, help);
	for (i = 0; i < n; i++) {
		const struct store_feed	*f = m[i].f;

		switch (what) {
		case FF_LAST_SUCCESS:
			val = f->last_success;
			break;
		case FF_FAILURES:
			val = f->failures;
			break;
		case FF_FETCHES:
			val = f->n_fetches;
			break;
		case FF_ERRORS:
			val = f->n_errors;
			break;
		case FF_NOT_MODIFIED:
			val = f->n_not_modified;
			break;
		case FF_NEW:
			val = f->n_new;
			break;
		case FF_ITEMS:
			val = f->item_count;
			break;
		default:
			val = (long long)m[i].bytes;
			break;
		}
		/* 80,000 lines for 10,000 feeds: no printf per line */
		buf_append(b, name, nlen);
		buf_puts(b, m[i].label);
		k = snprintf(num, sizeof(num), "%lld\n", val);
		buf_append(b, num, (size_t)k);
	}
}

static void
metrics_feeds_free(struct mfeed *m, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(m[i].label);
	free(m);
}

static void
metrics_plugins(struct buf *b, struct store_outbox_count *v, size_t n,
    const char *name, const char *type, const char *help, int which)
{
	size_t	 i;

	metrics_head(b, name, type, help);
	for (i = 0; i < n; i++) {
		buf_printf(b, "%s{plugin=\"", name);
		metrics_label(b, v[i].plugin);
		buf_printf(b, "\"} %lld\n", (long long)(which == 0 ?
		    v[i].sent : which == 1 ? v[i].dead : v[i].pending));
	}
}

/* The metrics appended to b (a request's answer: no copy of 4 MB). */
static void
metrics_text(struct control *c, struct buf *b)
{
	struct store_feed		*feeds = NULL;
	struct store_outbox_count	*ob = NULL;
	struct mfeed			*mf;
	size_t				 nf = 0, no = 0, nm;
	char				*err = NULL;

	if (store_feeds_list(c->st, &feeds, &nf, &err) == -1) {
		log_warnx("metrics: reading the feeds failed: %s", err);
		free(err);
		err = NULL;
		nf = 0;
	}
	if (store_outbox_counts(c->st, &ob, &no, &err) == -1) {
		log_warnx("metrics: reading the outbox failed: %s", err);
		free(err);
		no = 0;
	}
	mf = metrics_feeds(c, feeds, nf, &nm);
	metrics_head(b, "herald_start_time_seconds", "gauge",
	    "When heraldd started, seconds since the epoch.");
	buf_printf(b, "herald_start_time_seconds %lld\n",
	    (long long)c->started);
	metrics_head(b, "herald_last_cycle_end_timestamp_seconds", "gauge",
	    "When a fetch last ended with nothing else to fetch (0: not yet).");
	buf_printf(b, "herald_last_cycle_end_timestamp_seconds %lld\n",
	    (long long)sched_last_cycle(c->sched));
	metrics_head(b, "herald_feeds", "gauge", "Configured feeds.");
	buf_printf(b, "herald_feeds %zu\n", sched_nfeeds(c->sched));
	metrics_head(b, "herald_feeds_in_error", "gauge",
	    "Feeds whose last attempt failed.");
	buf_printf(b, "herald_feeds_in_error %zu\n", sched_nerrors(c->sched));
	metrics_head(b, "herald_fetches_total", "counter",
	    "Fetches done since heraldd started.");
	buf_printf(b, "herald_fetches_total %" PRIu64 "\n",
	    sched_nfetches(c->sched));
	metrics_head(b, "herald_fetch_bytes_total", "counter",
	    "Body bytes fetched (decoded) since heraldd started.");
	buf_printf(b, "herald_fetch_bytes_total %" PRIu64 "\n",
	    sched_nbytes(c->sched));
	metrics_head(b, "herald_fetches_busy", "gauge",
	    "Fetches in flight or waiting for a slot.");
	buf_printf(b, "herald_fetches_busy %zu\n", sched_busy(c->sched));
	metrics_head(b, "herald_store_failures_total", "counter",
	    "Fetches whose articles the store refused (locked, disk full): "
	    "each feed is fetched again in full.");
	buf_printf(b, "herald_store_failures_total %" PRIu64 "\n",
	    sched_nstore_failures(c->sched));

	metrics_feed_metric(b, mf, nm,
	    "herald_feed_last_success_timestamp_seconds", "gauge",
	    "The feed's last successful fetch (0: never).", FF_LAST_SUCCESS);
	metrics_feed_metric(b, mf, nm,
	    "herald_feed_consecutive_failures", "gauge",
	    "Failed fetches of the feed in a row.", FF_FAILURES);
	metrics_feed_metric(b, mf, nm, "herald_feed_fetches_total",
	    "counter", "Fetches of the feed since it was added.", FF_FETCHES);
	metrics_feed_metric(b, mf, nm, "herald_feed_errors_total",
	    "counter", "Failed fetches of the feed since it was added.",
	    FF_ERRORS);
	metrics_feed_metric(b, mf, nm,
	    "herald_feed_not_modified_total", "counter",
	    "Fetches answered 304 Not Modified; divided by fetches, the 304 "
	    "ratio.", FF_NOT_MODIFIED);
	metrics_feed_metric(b, mf, nm, "herald_feed_new_items_total",
	    "counter", "Articles new to the store from the feed.", FF_NEW);
	metrics_feed_metric(b, mf, nm, "herald_feed_bytes_total",
	    "counter", "Body bytes fetched from the feed since heraldd "
	    "started.", FF_BYTES);
	metrics_feed_metric(b, mf, nm, "herald_feed_items", "gauge",
	    "Articles the feed carries now.", FF_ITEMS);

	metrics_plugins(b, ob, no, "herald_alerts_delivered_total",
	    "counter", "Alerts the plugin delivered.", 0);
	metrics_plugins(b, ob, no, "herald_alerts_failed_total",
	    "counter", "Alerts given up (dead) for the plugin.", 1);
	metrics_plugins(b, ob, no, "herald_alerts_pending", "gauge",
	    "Alerts waiting for delivery by the plugin.", 2);
	metrics_feeds_free(mf, nm);
	store_feeds_free(feeds, nf);
	store_outbox_counts_free(ob, no);
}

char *
control_metrics(struct control *c)
{
	struct buf	 b;

	/* no cap: a cut line would make a collector reject the whole file */
	buf_init(&b, 0);
	metrics_text(c, &b);
	return buf_steal(&b);
}

/* Writes the metrics file: a temporary file beside it, then rename(2). */
static void
metrics_write(struct control *c)
{
	char	*tmp, *text;
	size_t	 len, off = 0;
	ssize_t	 w;
	int	 fd, saved;

	if (c->metrics_path == NULL)
		return;
	text = control_metrics(c);
	len = strlen(text);
	tmp = xasprintf("%s.%ld.tmp", c->metrics_path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1)
		goto fail;
	/* node_exporter runs as another user */
	(void)fchmod(fd, 0644);
	while (off < len) {
		if ((w = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			errno = saved;
			goto fail_unlink;
		}
		off += (size_t)w;
	}
	if (close(fd) == -1 || rename(tmp, c->metrics_path) == -1)
		goto fail_unlink;
	if (c->metrics_warned)
		log_info("metrics file %s: written again", c->metrics_path);
	c->metrics_warned = 0;
	free(tmp);
	free(text);
	return;
fail_unlink:
	saved = errno;
	unlink(tmp);
	errno = saved;
fail:
	/* once until it works again: not every minute */
	if (!c->metrics_warned)
		log_warn("metrics file %s", c->metrics_path);
	c->metrics_warned = 1;
	free(tmp);
	free(text);
}

static void
metrics_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	metrics_write(w->data);
}

void
control_metrics_file(struct control *c, const char *path)
{
	if (c->metrics_path != NULL && path != NULL &&
	    strcmp(c->metrics_path, path) == 0) {
		/* a reload: the feeds changed, the file says so now */
		metrics_write(c);
		return;
	}
	free(c->metrics_path);
	c->metrics_path = path != NULL ? xstrdup(path) : NULL;
	c->metrics_warned = 0;
	ev_timer_stop(c->loop, &c->metrics_timer);
	if (path == NULL)
		return;
	metrics_write(c);
	ev_timer_set(&c->metrics_timer, METRICS_EVERY, METRICS_EVERY);
	ev_timer_start(c->loop, &c->metrics_timer);
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

static json_t *
json_time(time_t t)
{
	return t > 0 ? json_integer((json_int_t)t) : json_null();
}

static void
rate_limited_add(const char *plugin, double until, void *arg)
{
	json_int_t	 t = (json_int_t)until;

	/* the second it is let go, not the one before */
	json_object_set_new(arg, plugin, json_integer(t + ((double)t < until)));
}

static void
cmd_status(struct control *c, struct buf *out)
{
	struct store_outbox_count	*ob = NULL;
	size_t				 no = 0, i;
	long long			 pending = 0, dead = 0, sent = 0;
	char				*err = NULL, *s;
	json_t				*o = json_object();

	if (store_outbox_counts(c->st, &ob, &no, &err) == -1) {
		log_warnx("status: reading the outbox failed: %s", err);
		free(err);
		no = 0;
	}
	for (i = 0; i < no; i++) {
		pending += ob[i].pending;
		dead += ob[i].dead;
		sent += ob[i].sent;
	}
	store_outbox_counts_free(ob, no);
	json_object_set_new(o, "pid", json_integer((json_int_t)getpid()));
	json_object_set_new(o, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(o, "started", json_time(c->started));
	json_object_set_new(o, "last_cycle", json_time(
	    sched_last_cycle(c->sched)));
	json_object_set_new(o, "feeds", json_integer(
	    (json_int_t)sched_nfeeds(c->sched)));
	json_object_set_new(o, "feeds_in_error", json_integer(
	    (json_int_t)sched_nerrors(c->sched)));
	json_object_set_new(o, "fetches", json_integer(
	    (json_int_t)sched_nfetches(c->sched)));
	json_object_set_new(o, "busy", json_integer(
	    (json_int_t)sched_busy(c->sched)));
	json_object_set_new(o, "unfetched", json_integer(
	    (json_int_t)sched_unfetched(c->sched)));
	json_object_set_new(o, "alerts_pending", json_integer(pending));
	json_object_set_new(o, "alerts_dead", json_integer(dead));
	json_object_set_new(o, "alerts_sent", json_integer(sent));
	if (c->alerts != NULL) {
		json_t	*rl = json_object();

		alert_rate_limited(c->alerts, ev_time(), rate_limited_add, rl);
		json_object_set_new(o, "rate_limited", rl);
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	buf_puts(out, s != NULL ? s : "{}");
	buf_putc(out, '\n');
	free(s);
}

/* Runs one request line; the answer goes to `out`. */
static void
control_exec(struct control *c, char *line, struct buf *out)
{
	char	*cmd, *arg, *err = NULL;

	cmd = line + strspn(line, " \t");
	arg = cmd + strcspn(cmd, " \t");
	if (*arg != '\0') {
		*arg++ = '\0';
		arg += strspn(arg, " \t");
		arg[strcspn(arg, " \t")] = '\0';
	}
	if (strcmp(cmd, "status") == 0 && *arg == '\0')
		cmd_status(c, out);
	else if (strcmp(cmd, "metrics") == 0 && *arg == '\0')
		metrics_text(c, out);
	else if (strcmp(cmd, "fetch") == 0 && *arg == '\0') {
		size_t	 n, all = sched_nfeeds(c->sched), held;
		time_t	 until;
		char	 t[32];

		log_info("control: every feed due now");
		n = sched_all_due(c->sched);
		/* those a host's Retry-After holds are not due now */
		held = sched_waiting(c->sched, NULL, &until);
		date_format_rfc3339((int64_t)until, t, sizeof(t));
		if (n == all && held == 0)
			buf_printf(out, "ok: every feed is due now (%zu "
			    "feed%s)\n", n, n == 1 ? "" : "s");
		else {
			buf_printf(out, "ok: %zu feed%s due now", n - held,
			    n - held == 1 ? "" : "s");
			if (held > 0)
				buf_printf(out, "; %zu wait%s for %s host's "
				    "Retry-After, until %s", held, held == 1 ?
				    "s" : "", held == 1 ? "its" : "their", t);
			if (all > n)
				buf_printf(out, "; %zu off or disabled, not "
				    "fetched (herald feeds)", all - n);
			buf_puts(out, "\n");
		}
	} else if (strcmp(cmd, "fetch") == 0) {
		time_t	 until;
		char	 t[32];

		if (sched_fetch_now(c->sched, arg, &err) == -1) {
			buf_printf(out, "error: %s\n", err);
			free(err);
		} else if (sched_waiting(c->sched, arg, &until) > 0) {
			date_format_rfc3339((int64_t)until, t, sizeof(t));
			log_info("control: feed %s due now, held until %s",
			    arg, t);
			buf_printf(out, "ok: feed %s waits for its host's "
			    "Retry-After, until %s; fetched then\n", arg, t);
		} else {
			log_info("control: feed %s due now", arg);
			buf_printf(out, "ok: feed %s is due now\n", arg);
		}
	} else if (strcmp(cmd, "digest") == 0 && *arg != '\0') {
		char	*summary = NULL;

		if (c->digests == NULL)
			buf_puts(out, "error: no digests here\n");
		else if (digests_send_now(c->digests, arg, &summary, &err) ==
		    -1) {
			buf_printf(out, "error: %s\n", err);
			free(err);
		} else {
			log_info("control: %s", summary);
			buf_printf(out, "ok: %s\n", summary);
			free(summary);
		}
	} else if (strcmp(cmd, "reload") == 0 && *arg == '\0') {
		log_debug("control: reload");
		char	*note = NULL;

		if (c->reload(c->reload_arg, &note, &err) == -1) {
			buf_printf(out, "error: reload refused, the running "
			    "configuration stays: %s", err != NULL ? err : "?\n");
			if (out->len > 0 && out->data[out->len - 1] != '\n')
				buf_putc(out, '\n');
			free(err);
		} else {
			/* what a restart must apply is said, not just logged */
			buf_printf(out, "ok: configuration applied (%zu "
			    "feed%s)%s%s\n", sched_nfeeds(c->sched),
			    sched_nfeeds(c->sched) == 1 ? "" : "s",
			    note != NULL ? ", but " : "",
			    note != NULL ? note : "");
			free(note);
		}
	} else
		buf_puts(out, "error: unknown request; the requests are "
		    "status, fetch [FEED], reload, metrics and digest NAME\n");
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */
/* ------------------------------------------------------------------ */

/*
 * Reads what the client sent; once the line is whole, runs it and starts
 * writing the answer.  0: the line is not whole yet; 1: answering; -1:
 * the connection was closed (and freed).
 */
static int
conn_read(struct conn *cn)
{
	struct ev_loop	*loop = cn->c->loop;
	ssize_t		 n;
	char		*nl;

	n = read(cn->fd, cn->in + cn->inlen, sizeof(cn->in) - 1 - cn->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n == -1) {
		conn_free(cn);
		return -1;
	}
	cn->inlen += (size_t)n;
	cn->in[cn->inlen] = '\0';
	if ((nl = memchr(cn->in, '\n', cn->inlen)) != NULL)
		*nl = '\0';
	else if (n == 0 && cn->inlen > 0)
		;	/* the last line without its newline */
	else if (n == 0) {
		conn_free(cn);
		return -1;
	} else if (cn->inlen == sizeof(cn->in) - 1) {
		buf_puts(&cn->out, "error: request too long\n");
		goto answer;
	} else
		return 0;
	if ((nl = strchr(cn->in, '\r')) != NULL)
		*nl = '\0';
	if (strlen(cn->in) != strcspn(cn->in, "\x01\x02\x03\x04\x05\x06\x07"
	    "\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
	    "\x1b\x1c\x1d\x1e\x1f\x7f") || memchr(cn->in, '\0', cn->inlen) !=
	    cn->in + strlen(cn->in))
		buf_puts(&cn->out, "error: control characters in the request\n");
	else
		control_exec(cn->c, cn->in, &cn->out);
answer:
	/* the loop may have run a reload: the connection is still ours */
	cn->writing = 1;
	ev_io_stop(loop, &cn->io);
	ev_io_set(&cn->io, cn->fd, EV_WRITE);
	ev_io_start(loop, &cn->io);
	/* the rest of CONTROL_TIMEOUT to take the answer */
	ev_timer_stop(loop, &cn->timer);
	ev_timer_set(&cn->timer, cn->born + CONTROL_TIMEOUT - ev_now(loop) >
	    0.5 ? cn->born + CONTROL_TIMEOUT - ev_now(loop) : 0.5, 0.);
	ev_timer_start(loop, &cn->timer);
	return 1;
}

static void
conn_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn	*cn = w->data;

	/* a line that came while the loop was busy still counts */
	if (!cn->writing && conn_read(cn) != 0)
		return;
	conn_free(cn);
}

static void
conn_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn	*cn = w->data;
	ssize_t		 n;

	if (cn->writing) {
		n = write(cn->fd, cn->out.data + cn->off, cn->out.len - cn->off);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_free(cn);
			return;
		}
		cn->off += (size_t)n;
		if (cn->off == cn->out.len)
			conn_free(cn);
		return;
	}
	(void)conn_read(cn);
}

static void
conn_free(struct conn *cn)
{
	struct control	*c = cn->c;

	ev_io_stop(c->loop, &cn->io);
	ev_timer_stop(c->loop, &cn->timer);
	close(cn->fd);
	buf_free(&cn->out);
	LIST_REMOVE(cn, entry);
	c->nconns--;
	free(cn);
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control	*c = w->data;
	struct conn	*cn;
	int		 fd;

	if ((fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("control socket: accept");
		return;
	}
	if (c->nconns >= CONTROL_MAX_CONNS) {
		static const char busy[] = "error: too many connections: "
		    "heraldd answers " CONTROL_STR(CONTROL_MAX_CONNS) " at once; "
		    "try again in a few seconds\n";
		struct conn	*idle = NULL;

		/* the oldest that has sent nothing whole yet makes room */
		LIST_FOREACH(cn, &c->conns, entry)
			if (!cn->writing)
				idle = cn;	/* the list is newest first */
		if (idle != NULL) {
			log_debug("control socket: %zu connections: closing "
			    "one idle for %.1f s", c->nconns,
			    ev_now(loop) - idle->born);
			conn_free(idle);
		} else {
			(void)send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT |
			    MSG_NOSIGNAL);
			close(fd);
			return;
		}
	}
	cn = xcalloc(1, sizeof(*cn));
	cn->c = c;
	cn->fd = fd;
	buf_init(&cn->out, 0);
	ev_io_init(&cn->io, conn_io_cb, fd, EV_READ);
	cn->io.data = cn;
	cn->born = ev_now(loop);
	ev_timer_init(&cn->timer, conn_timeout_cb, CONTROL_IDLE, 0.);
	cn->timer.data = cn;
	ev_io_start(loop, &cn->io);
	ev_timer_start(loop, &cn->timer);
	LIST_INSERT_HEAD(&c->conns, cn, entry);
	c->nconns++;
}

/* ------------------------------------------------------------------ */
/* The socket                                                          */
/* ------------------------------------------------------------------ */

struct control *
control_new(struct ev_loop *loop, struct store *st, struct sched *sched,
    control_reload_fn reload, void *arg)
{
	struct control	*c = xcalloc(1, sizeof(*c));

	c->loop = loop;
	c->st = st;
	c->sched = sched;
	c->reload = reload;
	c->reload_arg = arg;
	c->started = time(NULL);
	c->fd = -1;
	LIST_INIT(&c->conns);
	ev_timer_init(&c->metrics_timer, metrics_timer_cb, METRICS_EVERY,
	    METRICS_EVERY);
	c->metrics_timer.data = c;
	return c;
}

/* Where the socket goes, or NULL (heap). */
static char *
control_socket_path(const char *configured)
{
	const char	*rd = getenv("RUNTIME_DIRECTORY");
	struct stat	 sb;
	size_t		 n;

	if (configured != NULL && *configured != '\0')
		return xstrdup(configured);
	if (rd != NULL && *rd != '\0') {
		/* several RuntimeDirectory= entries: the first */
		n = strcspn(rd, ":");
		return xasprintf("%.*s/%s", (int)n, rd, CONTROL_SOCKET_NAME);
	}
	if (stat(CONTROL_DEFAULT_DIR, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    access(CONTROL_DEFAULT_DIR, W_OK | X_OK) == 0)
		return xstrdup(CONTROL_DEFAULT_DIR "/" CONTROL_SOCKET_NAME);
	return NULL;
}

void
control_set_digests(struct control *c, struct digests *ds)
{
	c->digests = ds;
}

void
control_set_alerter(struct control *c, struct alerter *alerts)
{
	c->alerts = alerts;
}

int
control_listen(struct control *c, const char *configured)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	char			*path;
	int			 fd, probe, saved;

	if ((path = control_socket_path(configured)) == NULL) {
		log_info("no control socket: RUNTIME_DIRECTORY is not set and "
		    "%s is not writable (herald status reads the database "
		    "only)", CONTROL_DEFAULT_DIR);
		return 0;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		free(path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control socket");
		free(path);
		return -1;
	}
	/* a socket left by a daemon that died is removed; a live one stays */
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			close(fd);
			log_warnx("control socket %s: another heraldd answers "
			    "there; no control socket", path);
			free(path);
			return 0;
		}
		saved = errno;
		close(probe);
		if (saved == ECONNREFUSED)
			unlink(path);
	}
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("control socket %s: bind", path);
		goto fail;
	}
	umask(old);
	if (chmod(path, 0660) == -1) {
		log_warn("control socket %s: chmod", path);
		unlink(path);
		goto fail;
	}
	if (listen(fd, CONTROL_MAX_CONNS) == -1) {
		log_warn("control socket %s: listen", path);
		unlink(path);
		goto fail;
	}
	c->fd = fd;
	c->path = path;
	ev_io_init(&c->accept_io, accept_cb, fd, EV_READ);
	c->accept_io.data = c;
	ev_io_start(c->loop, &c->accept_io);
	log_debug("control socket %s", path);
	return 0;
fail:
	close(fd);
	free(path);
	return -1;
}

const char *
control_path(struct control *c)
{
	return c->path;
}

void
control_free(struct control *c)
{
	struct conn	*cn;

	if (c == NULL)
		return;
	while ((cn = LIST_FIRST(&c->conns)) != NULL)
		conn_free(cn);
	ev_timer_stop(c->loop, &c->metrics_timer);
	if (c->fd != -1) {
		ev_io_stop(c->loop, &c->accept_io);
		close(c->fd);
		unlink(c->path);
	}
	free(c->path);
	free(c->metrics_path);
	free(c);
}
