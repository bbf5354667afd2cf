/*
 * sched.c: when each feed is fetched, and what its result does.  Timers are
 * libev's (monotonic time), so a clock step or a resume from suspend does
 * not fire every feed at once; each delay carries +-10% jitter.  A feed that
 * is due waits in one queue for a slot under the global and per-host caps.
 * Success sets the next fetch from the feed's interval (raised, never
 * lowered, by <ttl>, sy:updatePeriod and Cache-Control max-age, and pushed
 * out of skipHours/skipDays); failure backs off exponentially per class up
 * to 24 h; Retry-After holds back the whole host.
 */
#include "config.h"

#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ev.h>

#include "daemon.h"
#include "log.h"
#include "topic.h"
#include "util.h"

#define SCHED_MAX_DELAY		(24 * 3600)
#define SCHED_TRANSIENT_BASE	60	/* first retry after a network error */
#define SCHED_REDIRECTS_TO_MOVE	3	/* same 301 on this many fetches */
#define SCHED_START_SPREAD	30.	/* seconds over which overdue feeds start */
#define SCHED_STORE_RETRY_MAX	3600	/* after failed stores, at most */

struct host {
	LIST_ENTRY(host)	 entry;
	char			*name;
	int			 active;
	int			 refs;
	ev_tstamp		 blocked_until;	/* ev_now() time */
	time_t			 blocked_wall;	/* the same on the wall clock */
	long			 blocked_asked;	/* the Retry-After, seconds */
};

struct feedrt {
	TAILQ_ENTRY(feedrt)	 entry;
	TAILQ_ENTRY(feedrt)	 qentry;
	struct sched		*s;
	int64_t			 id;
	char			*name;
	char			*config_url;
	char			*url;		/* what is fetched (after moves) */
	long long		 interval;
	int			 enabled;
	int			 disabled;	/* by herald: 410 Gone */
	struct host		*host;
	ev_timer		 timer;
	int			 queued;
	struct fetch		*fetch;
	struct ingest		*ingest;
	int			 failures;
	int			 store_failures;	/* in a row: not in the store */
	char			*etag;
	char			*last_modified;
	char			*redirect_url;
	int			 redirect_count;
	uint64_t		 body_hash;	/* of the last body stored, 0 none */
	long			 hint;		/* what that body said: ttl, */
	uint32_t		 skip_hours;	/* skipHours, skipDays */
	uint32_t		 skip_days;
	int			 seen;		/* in the configuration being applied */
	int			 first_due;	/* due at start, not fetched since
						   (not one a reload added) */
	uint64_t		 bytes;		/* body bytes fetched since start */
	int64_t			 announce;	/* armed to fetch then (wall
						   clock): for the store, 0 none */
	time_t			 held_until;	/* due, but its host's
						   Retry-After held it back
						   until then; 0 none */
};

struct sched {
	struct ev_loop		*loop;
	struct store		*st;
	struct fetcher		*fr;
	TAILQ_HEAD(, feedrt)	 feeds;
	TAILQ_HEAD(, feedrt)	 queue;
	size_t			 nqueued;	/* feeds in queue */
	LIST_HEAD(, host)	 hosts;
	struct fetch_opts	 fopts;
	char			*user_agent;
	int			 max_parallel;
	int			 per_host;
	size_t			 max_items;
	int			 active;
	int			 stopping;
	uint64_t		 nstore_failures;	/* fetches the store refused */
	uint64_t		 nfetches;
	uint64_t		 nbytes;
	time_t			 last_cycle;	/* when nothing was left to fetch */
	int			 applied;	/* a configuration was applied */
	struct hooks		 idle;		/* a fetch ended */
	void			(*commit_cb)(void *);	/* alert.c */
	void			*commit_arg;
	struct store_topics	*topics;	/* compiled [topic]s */
};

static void	sched_dispatch(struct sched *);

static double
jitter(double d)
{
	/* +-10%, from a PRNG seeded once per process */
	return d + d * ((double)random() / RAND_MAX - 0.5) * 0.2;
}

/* The host part of a URL, lower-cased; "" for file: URLs. */
static char *
url_host(const char *url)
{
	const char	*p = strstr(url, "://"), *end;
	char		*h, *c;

	if (p == NULL)
		return xstrdup("");
	p += 3;
	end = p + strcspn(p, "/?#");
	h = xstrndup(p, (size_t)(end - p));
	if ((c = strrchr(h, '@')) != NULL)
		memmove(h, c + 1, strlen(c + 1) + 1);
	for (c = h; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	return h;
}

static struct host *
host_get(struct sched *s, const char *url)
{
	struct host	*h;
	char		*name = url_host(url);

	LIST_FOREACH(h, &s->hosts, entry)
		if (strcmp(h->name, name) == 0) {
			free(name);
			h->refs++;
			return h;
		}
	h = xcalloc(1, sizeof(*h));
	h->name = name;
	h->refs = 1;
	LIST_INSERT_HEAD(&s->hosts, h, entry);
	return h;
}

static void
host_put(struct host *h)
{
	if (h == NULL || --h->refs > 0 || h->active > 0)
		return;
	LIST_REMOVE(h, entry);
	free(h->name);
	free(h);
}

static void
feed_arm(struct feedrt *f, double delay)
{
	struct sched	*s = f->s;

	ev_timer_stop(s->loop, &f->timer);
	if (delay < 0)
		delay = 0;
	ev_timer_set(&f->timer, delay, 0.);
	ev_timer_start(s->loop, &f->timer);
	/*
	 * a time noted by feed_arm_announce() and not recorded (an apply
	 * that failed after it) is no longer this timer's
	 */
	f->announce = 0;
}

/*
 * Arms a feed's timer and notes when that is on the wall clock, which
 * sched_apply() records for herald feeds (a feed spread over the start
 * has no next fetch stored, or one long past).
 */
static void
feed_arm_announce(struct feedrt *f, double delay, time_t now)
{
	int64_t	 secs = delay > 0 ? (int64_t)delay : 0;

	feed_arm(f, delay);
	/* rounded up: "due" only once it is */
	f->announce = (int64_t)now + secs + (delay > (double)secs);
}

/* Records the times feed_arm_announce() noted, in one transaction. */
static void
sched_announce(struct sched *s)
{
	struct feedrt	*f;
	int64_t		*ids = NULL, *when = NULL;
	char		*err = NULL;
	size_t		 n = 0, cap = 0;

	TAILQ_FOREACH(f, &s->feeds, entry) {
		if (f->announce == 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 64 : 2 * cap;
			ids = xrealloc(ids, cap * sizeof(*ids));
			when = xrealloc(when, cap * sizeof(*when));
		}
		ids[n] = f->id;
		when[n++] = f->announce;
		f->announce = 0;
	}
	/* only what herald feeds shows: the fetches go on without it */
	if (store_feeds_set_next(s->st, ids, when, n, &err) == -1) {
		log_warnx("recording when feeds are fetched next: %s", err);
		free(err);
	}
	free(ids);
	free(when);
}

static void
feed_enqueue(struct feedrt *f)
{
	if (f->queued || f->fetch != NULL || f->s->stopping)
		return;
	ev_timer_stop(f->s->loop, &f->timer);
	TAILQ_INSERT_TAIL(&f->s->queue, f, qentry);
	f->queued = 1;
	f->s->nqueued++;
}

static void
feed_dequeue(struct feedrt *f)
{
	if (!f->queued)
		return;
	TAILQ_REMOVE(&f->s->queue, f, qentry);
	f->queued = 0;
	f->s->nqueued--;
}

static void
feed_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct feedrt	*f = w->data;

	if (!f->enabled || f->disabled)
		return;
	feed_enqueue(f);
	sched_dispatch(f->s);
}

/* Moves `t` (epoch seconds) out of skipped UTC hours and days. */
static time_t
skip_adjust(time_t t, uint32_t hours, uint32_t days)
{
	int	 i;

	for (i = 0; i < 8 * 24 && (hours || days); i++) {
		struct tm	 tm;

		gmtime_r(&t, &tm);
		if (!(hours & (1u << tm.tm_hour)) && !(days & (1u << tm.tm_wday)))
			break;
		t += 3600 - (tm.tm_min * 60 + tm.tm_sec);
	}
	return t;
}

static int
class_transient(const char *c)
{
	static const char *const transient[] = { "dns", "connect", "timeout",
	    "io", "tls", "http5xx", "http429", NULL };
	const char *const *p;

	for (p = transient; *p != NULL; p++)
		if (strcmp(*p, c) == 0)
			return 1;
	return 0;
}

/*
 * Seconds until the next fetch: the interval after a success (raised by
 * the feed's own hints, clamped to a day), or an exponential backoff from
 * one minute (network and server errors) or from the interval (the feed or
 * the request is wrong) after `failures` failures in a row.
 */
static double
feed_delay(struct feedrt *f, int failures, const char *error_class,
    long retry_after, long hint)
{
	double	 d;

	if (error_class == NULL) {
		double	 h = hint > SCHED_MAX_DELAY ? SCHED_MAX_DELAY : hint;

		d = (double)f->interval;
		if (h > d)	/* a hint raises the interval, never lowers it */
			d = h;
	} else {
		int	 n = failures > 1 ? failures - 1 : 0;

		d = class_transient(error_class) ? SCHED_TRANSIENT_BASE :
		    (double)f->interval;
		while (n-- > 0 && d < SCHED_MAX_DELAY)
			d *= 2;
		if (d > SCHED_MAX_DELAY)
			d = SCHED_MAX_DELAY;
	}
	d = jitter(d);
	if (retry_after > 0) {
		double	 ra = retry_after > SCHED_MAX_DELAY ? SCHED_MAX_DELAY :
		    (double)retry_after;

		if (d < ra)
			d = ra + jitter(ra) * 0.05;
	}
	return d;
}

static void
feed_set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

/*
 * Writes the fetch in one transaction: its items, then the feed's row
 * (validators, schedule, errors).  -1 with *errstr: nothing of it was
 * written, and the caller keeps the feed as it was before the fetch.
 */
static int
sched_record(struct feedrt *f, struct store_fetch *fx, struct ingest *in,
    int *nitems, char **errstr)
{
	struct sched		*s = f->s;
	struct ingest_stats	 stats;

	memset(&stats, 0, sizeof(stats));
	*nitems = 0;
	if (store_begin(s->st, errstr) == -1)
		goto fail;
	if (in != NULL) {
		if (ingest_store(in, s->st, f->id, s->topics, &stats,
		    errstr) == -1) {
			*nitems = stats.items;
			goto fail;
		}
		fx->n_new = stats.n_new;
		fx->n_updated = stats.n_updated;
		fx->complete = fx->ok && !stats.truncated;
	}
	*nitems = stats.items;
	if (store_feed_update(s->st, f->id, fx, errstr) == -1 ||
	    store_commit(s->st, errstr) == -1)
		goto fail;
	if (in != NULL)
		log_debug("feed %s: %d new, %d updated of %d items (%d "
		    "unchanged, not converted), %zu topic matches", f->name,
		    stats.n_new, stats.n_updated, stats.items, stats.n_kept,
		    stats.n_matches);
	else if (fx->ok && fx->status != 304 && !fx->set_body)
		log_debug("feed %s: the same body as last time, not parsed",
		    f->name);
	if ((stats.n_new > 0 || stats.n_updated > 0) && s->commit_cb != NULL)
		s->commit_cb(s->commit_arg);
	return 0;
fail:
	store_rollback(s->st);
	if (*errstr == NULL)
		*errstr = xstrdup("unknown error");
	return -1;
}

/*
 * The store refused the fetch: the feed stays as it was before it (its
 * validators too, so the next request is not answered 304 for articles
 * that were never stored), and it is fetched again, in full, soon.
 */
static double
feed_store_failed(struct feedrt *f, const char *err, int nitems)
{
	struct sched	*s = f->s;
	double		 d = SCHED_TRANSIENT_BASE;
	int		 i;

	f->store_failures++;
	s->nstore_failures++;
	for (i = 1; i < f->store_failures && d < SCHED_STORE_RETRY_MAX; i++)
		d *= 2;
	if (d > SCHED_STORE_RETRY_MAX)
		d = SCHED_STORE_RETRY_MAX;
	d = jitter(d);
	if (nitems > 0)
		log_warnx("feed %s: storing the fetch failed: %s; its %d "
		    "article%s %s not stored, and the feed stays as it was "
		    "before this fetch: it is fetched again in full in %.0f s",
		    f->name, err, nitems, nitems == 1 ? "" : "s",
		    nitems == 1 ? "was" : "were", d);
	else
		log_warnx("feed %s: storing the fetch failed: %s; the feed "
		    "stays as it was before this fetch: it is fetched again in "
		    "%.0f s", f->name, err, d);
	return d;
}

static void
feed_done(void *arg, const struct fetch_result *r)
{
	struct feedrt		*f = arg;
	struct sched		*s = f->s;
	struct store_fetch	 fx;
	struct ingest		*in = f->ingest;
	const char		*cls = NULL;
	char			*msg = NULL;
	long			 hint = -1;
	double			 delay;
	time_t			 now = time(NULL);
	int			 prev_failures = f->failures;
	int			 keep_items = 0, failures, moved = 0, nitems;
	int			 store_items = 0;
	uint32_t		 skip_hours = 0, skip_days = 0;
	char			*err = NULL;

	f->fetch = NULL;
	f->ingest = NULL;
	f->first_due = 0;
	f->host->active--;
	s->active--;
	s->nfetches++;
	f->bytes += r->bytes;
	s->nbytes += r->bytes;
	memset(&fx, 0, sizeof(fx));
	fx.fetched = now;
	fx.status = (int)r->status;

	if (!r->ok) {
		if (r->error_class != NULL && strcmp(r->error_class, "aborted") == 0 &&
		    in != NULL) {
			/* the parser rejected the document as it arrived */
			ingest_finish(in);
			cls = ingest_error_class(in);
			msg = xstrdup(ingest_error(in) ? ingest_error(in) : "rejected");
		} else {
			cls = r->error_class ? r->error_class : "io";
			msg = xstrdup(r->error ? r->error : "transfer failed");
		}
	} else if (r->status == 304) {
		fx.ok = 1;
	} else if (r->status == 410) {
		cls = "gone";
		msg = xstrdup("HTTP 410 Gone: the feed was removed; fetching stopped");
		fx.disabled_reason = msg;
	} else if (r->status == 429) {
		cls = "http429";
		msg = xstrdup("HTTP 429 Too Many Requests");
	} else if (r->status >= 500) {
		cls = "http5xx";
		msg = xasprintf("HTTP %ld", r->status);
	} else if (r->status >= 400 || (r->status >= 300 && r->status < 400)) {
		cls = r->status >= 400 ? "http4xx" : "redirect";
		msg = xasprintf("HTTP %ld", r->status);
	} else if (ingest_finish(in) == 0) {
		if (ingest_malformed(in) != NULL) {
			/*
			 * Not well-formed: a feed error, but the entries it
			 * completed are kept (RELIABILITY.md case 1, the
			 * streaming choice).
			 */
			cls = "parse";
			msg = xstrdup(ingest_malformed(in));
			keep_items = 1;
		} else
			fx.ok = 1;
	} else {
		cls = ingest_error_class(in);
		msg = xstrdup(ingest_error(in) ? ingest_error(in) : "rejected");
	}

	/*
	 * What the fetch changes is worked out into fx first and applied to
	 * the feed only once the store has it: a failed store leaves the
	 * feed as it was before the fetch.
	 */
	if (fx.ok && r->status != 304) {
		fx.set_validators = 1;
		fx.etag = r->etag;
		fx.last_modified = r->last_modified;
		if (!ingest_unchanged(in)) {
			fx.title = ingest_title(in);
			fx.site_link = ingest_site_link(in);
			fx.set_body = 1;
			fx.body_hash = ingest_body_hash(in);
			fx.hint = ingest_ttl(in);
			fx.skip_hours = ingest_skip_hours(in);
			fx.skip_days = ingest_skip_days(in);
			store_items = 1;
		} else {
			/* the body stored last time: what it said holds */
			fx.hint = f->hint;
			fx.skip_hours = f->skip_hours;
			fx.skip_days = f->skip_days;
		}
		hint = fx.hint;
		skip_hours = fx.skip_hours;
		skip_days = fx.skip_days;
	} else if (fx.ok) {
		/* 304: the same document, so what it said holds too */
		hint = f->hint;
		skip_hours = f->skip_hours;
		skip_days = f->skip_days;
	}
	if (r->max_age > hint)
		hint = r->max_age;

	/* a permanent redirect moves the feed once it has held for a while */
	fx.redirect_url = f->redirect_url;
	fx.redirect_count = f->redirect_count;
	if (fx.ok && r->redirect_url != NULL && strcmp(r->redirect_url, f->url) != 0) {
		if (f->redirect_url != NULL && strcmp(f->redirect_url, r->redirect_url) == 0)
			fx.redirect_count = f->redirect_count + 1;
		else {
			fx.redirect_url = r->redirect_url;
			fx.redirect_count = 1;
		}
		if (fx.redirect_count >= SCHED_REDIRECTS_TO_MOVE) {
			moved = fx.redirect_count;
			fx.url = r->redirect_url;
			fx.redirect_url = NULL;
			fx.redirect_count = 0;
		}
	} else if (fx.ok) {
		fx.redirect_url = NULL;
		fx.redirect_count = 0;
	}

	failures = fx.ok ? 0 : f->failures + 1;
	fx.failures = failures;
	fx.error = msg;
	fx.error_class = cls;
	if ((cls != NULL && strcmp(cls, "http429") == 0) ||
	    (r->status == 503 && r->retry_after > 0)) {
		long ra = r->retry_after > 0 ? r->retry_after : 0;

		if (ra > SCHED_MAX_DELAY)
			ra = SCHED_MAX_DELAY;
		if (ra > 0) {
			f->host->blocked_until = ev_now(s->loop) + ra;
			f->host->blocked_wall = now + ra;
			f->host->blocked_asked = ra;
		}
	}
	delay = feed_delay(f, failures, cls, (cls != NULL) ? r->retry_after :
	    -1, hint);
	if (fx.ok)
		delay = (double)(skip_adjust(now + (time_t)delay, skip_hours,
		    skip_days) - now);
	fx.next_fetch = fx.disabled_reason != NULL ? 0 : now + (int64_t)delay;

	if (sched_record(f, &fx, store_items || keep_items ? in : NULL,
	    &nitems, &err) == -1) {
		delay = feed_store_failed(f, err, nitems);
		free(err);
		goto arm;
	}
	if (f->store_failures > 0) {
		log_info("feed %s: stored again after %d failed attempts",
		    f->name, f->store_failures);
		f->store_failures = 0;
	}

	/* the store has it: the feed is now what the fetch made it */
	if (fx.set_validators) {
		feed_set_str(&f->etag, r->etag);
		feed_set_str(&f->last_modified, r->last_modified);
	}
	if (fx.set_body) {
		f->body_hash = fx.body_hash;
		f->hint = fx.hint;
		f->skip_hours = fx.skip_hours;
		f->skip_days = fx.skip_days;
	}
	if (moved > 0) {
		log_info("feed %s: moved permanently to %s (seen %d times)",
		    f->name, r->redirect_url, moved);
		feed_set_str(&f->url, r->redirect_url);
		host_put(f->host);
		f->host = host_get(s, f->url);
	}
	if (fx.redirect_url != f->redirect_url)
		feed_set_str(&f->redirect_url, fx.redirect_url);
	f->redirect_count = fx.redirect_count;
	f->failures = failures;
	if (fx.disabled_reason != NULL)
		f->disabled = 1;

	/* a feed disabled now is told of below: no retry comes */
	if (cls != NULL && !f->disabled && prev_failures == 0)
		log_info("feed %s: %s; retrying in %.0f s", f->name, msg, delay);
	else if (cls != NULL && !f->disabled)
		log_debug("feed %s: %s (%d failures in a row); retrying in %.0f s",
		    f->name, msg, f->failures, delay);
	else if (cls == NULL && prev_failures > 0)
		log_info("feed %s: fetched again after %d failures", f->name,
		    prev_failures);
	if (f->disabled)
		log_warnx("feed %s: disabled: %s", f->name, msg);

arm:
	if (!f->disabled && f->enabled && !s->stopping)
		feed_arm(f, delay);
	ingest_free(in);
	free(msg);
	sched_dispatch(s);
	if (sched_busy(s) == 0)
		s->last_cycle = now;
	hooks_run(&s->idle);
}

static int
feed_data(void *arg, const char *ctype, const char *data, size_t len)
{
	struct feedrt	*f = arg;

	return ingest_data(f->ingest, ctype, data, len);
}

static void
feed_start(struct feedrt *f)
{
	struct sched		*s = f->s;
	struct fetch_req	 req = {
		.url = f->url,
		.etag = f->etag,
		.last_modified = f->last_modified,
	};

	f->host->active++;
	s->active++;
	f->held_until = 0;
	f->ingest = ingest_new(f->url, s->max_items, time(NULL),
	    &(struct ingest_prev){ .st = s->st, .feed_id = f->id,
	    .body_hash = f->body_hash });
	log_debug("feed %s: fetching %s", f->name, f->url);
	f->fetch = fetch_start(s->fr, &s->fopts, &req, feed_data, feed_done, f);
}

static void
sched_dispatch(struct sched *s)
{
	struct feedrt	*f, *next;
	ev_tstamp	 now = ev_now(s->loop);
	int		 held = 0;

	for (f = TAILQ_FIRST(&s->queue); f != NULL; f = next) {
		next = TAILQ_NEXT(f, qentry);
		if (s->stopping || s->active >= s->max_parallel)
			break;
		if (f->host->blocked_until > now) {
			/*
			 * The host asked us to wait (Retry-After).  Noted,
			 * so that --once can say which feeds it did not
			 * fetch, and announced, so that herald feeds shows
			 * the host's time as the next fetch.
			 */
			log_debug("feed %s: held back: host %s asked to wait "
			    "(Retry-After: %ld)", f->name, f->host->name,
			    f->host->blocked_asked);
			feed_dequeue(f);
			f->held_until = f->host->blocked_wall;
			feed_arm_announce(f, jitter(f->host->blocked_until - now),
			    time(NULL));
			held = 1;
			continue;
		}
		if (f->host->active >= s->per_host)
			continue;
		feed_dequeue(f);
		feed_start(f);
	}
	if (held)
		sched_announce(s);
}

static struct feedrt *
feed_find(struct sched *s, const char *name)
{
	struct feedrt	*f;

	TAILQ_FOREACH(f, &s->feeds, entry)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static int
feed_cmp_name(const void *a, const void *b)
{
	const struct feedrt	*x = *(const struct feedrt *const *)a;
	const struct feedrt	*y = *(const struct feedrt *const *)b;

	return strcmp(x->name, y->name);
}

/*
 * The feeds known before a configuration is applied, sorted by name: with
 * 10,000 feeds, feed_find() for each configured one was 50 million strcmp
 * calls.  Returns NULL when there are none; *n is the count.
 */
static struct feedrt **
feed_index(struct sched *s, size_t *n)
{
	struct feedrt	**ix, *f;
	size_t		  i = 0;

	*n = 0;
	TAILQ_FOREACH(f, &s->feeds, entry)
		(*n)++;
	if (*n == 0)
		return NULL;
	ix = xcalloc(*n, sizeof(*ix));
	TAILQ_FOREACH(f, &s->feeds, entry)
		ix[i++] = f;
	qsort(ix, *n, sizeof(*ix), feed_cmp_name);
	return ix;
}

static struct feedrt *
feed_index_find(struct feedrt **ix, size_t n, const char *name)
{
	struct feedrt	 key = { .name = (char *)name }, *kp = &key, **hit;

	if (ix == NULL)
		return NULL;
	hit = bsearch(&kp, ix, n, sizeof(*ix), feed_cmp_name);
	return hit != NULL ? *hit : NULL;
}

static void
feed_free(struct feedrt *f)
{
	struct sched	*s = f->s;

	ev_timer_stop(s->loop, &f->timer);
	feed_dequeue(f);
	if (f->fetch != NULL) {
		fetch_cancel(f->fetch);
		f->host->active--;
		s->active--;
	}
	ingest_free(f->ingest);
	host_put(f->host);
	TAILQ_REMOVE(&s->feeds, f, entry);
	free(f->name);
	free(f->config_url);
	free(f->url);
	free(f->etag);
	free(f->last_modified);
	free(f->redirect_url);
	free(f);
}

/* Loads a feed's stored state and arms its first timer. */
static int
feed_load(struct feedrt *f, int first, char **errstr)
{
	struct sched		*s = f->s;
	struct store_feed	 sf;
	int			 rc;
	time_t			 now = time(NULL);

	if ((rc = store_feed_get(s->st, f->id, &sf, errstr)) != 1) {
		if (rc == 0)
			*errstr = xasprintf("feed %s vanished from the database",
			    f->name);
		return -1;
	}
	feed_set_str(&f->url, sf.url);
	feed_set_str(&f->etag, sf.etag);
	feed_set_str(&f->last_modified, sf.last_modified);
	feed_set_str(&f->redirect_url, sf.redirect_url);
	f->redirect_count = sf.redirect_count;
	f->body_hash = sf.body_hash;
	f->hint = sf.hint;
	f->skip_hours = sf.skip_hours;
	f->skip_days = sf.skip_days;
	f->failures = sf.failures;
	f->disabled = sf.disabled_reason != NULL;
	host_put(f->host);
	f->host = host_get(s, f->url);
	if (f->disabled || !f->enabled) {
		ev_timer_stop(s->loop, &f->timer);
		feed_dequeue(f);
	} else if (first && f->fetch == NULL && !f->queued) {
		double	 delay = sf.next_fetch > now ?
		    (double)(sf.next_fetch - now) : 0;

		if (delay > SCHED_MAX_DELAY)
			delay = SCHED_MAX_DELAY;
		/* spread feeds that are due now over the first seconds */
		if (delay < SCHED_START_SPREAD) {
			delay += SCHED_START_SPREAD * random() / RAND_MAX;
			/* a feed a reload adds does not undo the cycle */
			f->first_due = !s->applied;
		}
		feed_arm_announce(f, delay, now);
		if (f->announce == sf.next_fetch)
			f->announce = 0;	/* stored already */
	}
	store_feed_clear(&sf);
	return 0;
}

/* A configured feed's store id, for topic_compile(). */
static int64_t
sched_feed_id(void *arg, const char *name)
{
	struct feedrt	*f = feed_find(arg, name);

	return f != NULL ? f->id : 0;
}

int
sched_apply(struct sched *s, const struct config *c, char **errstr)
{
	struct feedrt		*f, *next, **ix;
	struct store_topics	*ts;
	size_t			 i, nix;
	int			 first;

	free(s->user_agent);
	s->user_agent = xstrdup(c->user_agent);
	s->fopts.connect_timeout = (long)c->timeout_connect;
	s->fopts.total_timeout = (long)c->timeout_total;
	s->fopts.low_speed_time = c->timeout_total < 30 ? (long)c->timeout_total : 30;
	s->fopts.max_size = c->max_size;
	s->fopts.max_redirects = 5;
	s->fopts.user_agent = s->user_agent;
	s->max_parallel = c->max_parallel > 0 ? c->max_parallel : 1;
	s->per_host = c->per_host > 0 ? c->per_host : 1;
	s->max_items = (size_t)c->max_items;

	TAILQ_FOREACH(f, &s->feeds, entry)
		f->seen = 0;
	/* the configuration's names are unique: a new feed is never looked up */
	ix = feed_index(s, &nix);
	for (i = 0; i < c->nfeeds; i++) {
		const struct config_feed	*cf = &c->feeds[i];
		int				 is_new = 0, url_changed;

		if ((f = feed_index_find(ix, nix, cf->name)) == NULL) {
			f = xcalloc(1, sizeof(*f));
			f->s = s;
			f->name = xstrdup(cf->name);
			ev_timer_init(&f->timer, feed_timer_cb, 0., 0.);
			f->timer.data = f;
			TAILQ_INSERT_TAIL(&s->feeds, f, entry);
			is_new = 1;
		}
		f->seen = 1;
		url_changed = f->config_url == NULL ||
		    strcmp(f->config_url, cf->url) != 0;
		feed_set_str(&f->config_url, cf->url);
		f->interval = cf->interval;
		f->enabled = cf->enabled;
		if (store_feed_ensure(s->st, cf->name, cf->url, cf->title,
		    cf->enabled, &f->id, errstr) == -1)
			goto fail;
		if (url_changed && !is_new && f->fetch != NULL) {
			fetch_cancel(f->fetch);
			f->fetch = NULL;
			f->host->active--;
			s->active--;
			ingest_free(f->ingest);
			f->ingest = NULL;
		}
		if (feed_load(f, is_new || url_changed, errstr) == -1)
			goto fail;
		if (!is_new && f->enabled && !f->disabled && f->fetch == NULL &&
		    !f->queued && !ev_is_active(&f->timer))
			feed_arm_announce(f, jitter(SCHED_START_SPREAD),
			    time(NULL));
	}
	free(ix);
	ix = NULL;
	/* the store's feeds of an older configuration: off, not failing */
	{
		int64_t	*ids = xcalloc(c->nfeeds + 1, sizeof(*ids));
		char	*err = NULL;
		size_t	 n = 0;

		TAILQ_FOREACH(f, &s->feeds, entry)
			if (f->seen)
				ids[n++] = f->id;
		if (store_feeds_only(s->st, ids, n, &err) == -1) {
			log_warnx("%s", err);
			free(err);
		}
		free(ids);
	}
	for (f = TAILQ_FIRST(&s->feeds); f != NULL; f = next) {
		next = TAILQ_NEXT(f, entry);
		if (!f->seen) {
			log_info("feed %s: removed from the configuration", f->name);
			feed_free(f);
		}
	}
	ts = topic_compile(s->st, c, sched_feed_id, s, errstr);
	if (ts == NULL && c->ntopics > 0)
		return -1;
	store_topics_free(s->topics);
	s->topics = ts;
	first = !s->applied;
	s->applied = 1;
	sched_announce(s);
	sched_dispatch(s);
	/* a start with no feed due has nothing left to fetch: a cycle */
	if (first && sched_busy(s) == 0 && sched_unfetched(s) == 0)
		s->last_cycle = time(NULL);
	return 0;
fail:
	free(ix);
	return -1;
}

struct sched *
sched_new(struct ev_loop *loop, struct store *st, struct fetcher *fr)
{
	struct sched	*s = xcalloc(1, sizeof(*s));

	s->loop = loop;
	s->st = st;
	s->fr = fr;
	TAILQ_INIT(&s->feeds);
	TAILQ_INIT(&s->queue);
	LIST_INIT(&s->hosts);
	s->max_parallel = 1;
	s->per_host = 1;
	return s;
}

size_t
sched_all_due(struct sched *s)
{
	struct feedrt	*f;
	size_t		 n = 0;
	int		 failing;

	/*
	 * The feeds that worked last time first, the failing ones after:
	 * under cron, a feed whose host answers Retry-After went first at
	 * every run and held its host's other feeds back at every run
	 * (review8); now they are fetched before it asks again.
	 */
	for (failing = 0; failing <= 1; failing++)
		TAILQ_FOREACH(f, &s->feeds, entry)
			if (f->enabled && !f->disabled &&
			    (f->failures > 0) == failing) {
				feed_enqueue(f);
				n++;
			}
	sched_dispatch(s);
	return n;
}

size_t
sched_waiting(struct sched *s, const char *name, time_t *until)
{
	struct feedrt	*f;
	ev_tstamp	 now = ev_now(s->loop);
	size_t		 n = 0;

	*until = 0;
	TAILQ_FOREACH(f, &s->feeds, entry) {
		if (!f->enabled || f->disabled ||
		    (name != NULL && strcmp(f->name, name) != 0) ||
		    f->host->blocked_until <= now)
			continue;
		n++;
		if (f->host->blocked_wall > *until)
			*until = f->host->blocked_wall;
	}
	return n;
}

int
sched_fetch_now(struct sched *s, const char *name, char **errstr)
{
	struct feedrt	*f;

	if ((f = feed_find(s, name)) == NULL) {
		*errstr = xasprintf("no feed named \"%s\" in the configuration",
		    name);
		return -1;
	}
	if (!f->enabled || f->disabled) {
		*errstr = xasprintf("feed %s is %s", name, f->disabled ?
		    "disabled (410 Gone): change its url or remove it" :
		    "off (enabled = no)");
		return -1;
	}
	feed_enqueue(f);
	sched_dispatch(s);
	return 0;
}

void
sched_stop(struct sched *s)
{
	struct feedrt	*f;

	s->stopping = 1;
	TAILQ_FOREACH(f, &s->feeds, entry) {
		ev_timer_stop(s->loop, &f->timer);
		feed_dequeue(f);
		if (f->fetch != NULL) {
			fetch_cancel(f->fetch);
			f->fetch = NULL;
			f->host->active--;
			s->active--;
			ingest_free(f->ingest);
			f->ingest = NULL;
		}
	}
}

/* Called after every fetch: a count, not a walk of the queue. */
size_t
sched_busy(struct sched *s)
{
	return (size_t)s->active + s->nqueued;
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

void
sched_set_commit_cb(struct sched *s, void (*cb)(void *), void *arg)
{
	s->commit_cb = cb;
	s->commit_arg = arg;
}

/*
 * Counted, not kept: a count kept by hand grew by the failing feeds at
 * every reload (each feed's state loaded again) and kept a removed feed's
 * error (review7).  A feed off is not watched, and not in error.
 */
size_t
sched_nerrors(struct sched *s)
{
	struct feedrt	*f;
	size_t		 n = 0;

	TAILQ_FOREACH(f, &s->feeds, entry)
		if (f->enabled && f->failures > 0)
			n++;
	return n;
}

static int
held_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sched_held *)a)->name,
	    ((const struct sched_held *)b)->name);
}

size_t
sched_held(struct sched *s, struct sched_held **out)
{
	struct feedrt	*f;
	size_t		 n = 0;

	*out = xcalloc(sched_nfeeds(s) + 1, sizeof(**out));
	TAILQ_FOREACH(f, &s->feeds, entry) {
		if (f->held_until == 0 || !f->enabled || f->disabled)
			continue;
		(*out)[n].name = f->name;
		(*out)[n].host = f->host->name;
		(*out)[n].until = f->held_until;
		(*out)[n].asked = f->host->blocked_asked;
		n++;
	}
	qsort(*out, n, sizeof(**out), held_cmp);
	return n;
}

uint64_t
sched_nstore_failures(struct sched *s)
{
	return s->nstore_failures;
}

uint64_t
sched_nfetches(struct sched *s)
{
	return s->nfetches;
}

uint64_t
sched_nbytes(struct sched *s)
{
	return s->nbytes;
}

/*
 * When nothing was last left to fetch, or 0 while a feed due at start
 * waits for its first fetch: those are spread over the first seconds,
 * and between two of them nothing is in flight, but the first cycle has
 * not ended.
 */
time_t
sched_last_cycle(struct sched *s)
{
	return sched_unfetched(s) > 0 ? 0 : s->last_cycle;
}

/* Feeds due at start that no fetch has ended for yet (a scan). */
size_t
sched_unfetched(struct sched *s)
{
	struct feedrt	*f;
	size_t		 n = 0;

	TAILQ_FOREACH(f, &s->feeds, entry)
		n += f->enabled && !f->disabled && f->first_due;
	return n;
}

size_t
sched_nfeeds(struct sched *s)
{
	struct feedrt	*f;
	size_t		 n = 0;

	TAILQ_FOREACH(f, &s->feeds, entry)
		n++;
	return n;
}

static int
feed_bytes_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sched_feed_bytes *)a)->name,
	    ((const struct sched_feed_bytes *)b)->name);
}

size_t
sched_feeds_bytes(struct sched *s, struct sched_feed_bytes **out)
{
	struct feedrt	*f;
	size_t		 n = 0;

	*out = xcalloc(sched_nfeeds(s) + 1, sizeof(**out));
	TAILQ_FOREACH(f, &s->feeds, entry) {
		(*out)[n].name = f->name;
		(*out)[n].bytes = f->bytes;
		n++;
	}
	qsort(*out, n, sizeof(**out), feed_bytes_cmp);
	return n;
}

void
sched_free(struct sched *s)
{
	struct feedrt	*f;

	if (s == NULL)
		return;
	while ((f = TAILQ_FIRST(&s->feeds)) != NULL)
		feed_free(f);
	store_topics_free(s->topics);
	hooks_clear(&s->idle);
	free(s->user_agent);
	free(s);
}
