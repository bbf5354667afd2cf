/*
 * digests.c: the [digest] sections run by heraldd.  Each one's next slot
 * (slot.h: `at`, `days`, `timezone`, across daylight saving time) is
 * watched by a libev timer of at most DIGESTS_WAKE seconds, so that a
 * clock step or a resume from suspend is seen within minutes; when a slot
 * has come, the period since the digest's watermark is assembled
 * (digest_build()) and queued with the watermark moved, in one
 * transaction (store_digest_queue()), and the alerter delivers it through
 * the outbox like an alert.  At start, a slot missed while heraldd was
 * down is queued at once, covering its real period.  The view at the end
 * of the file turns a queued digest into what a plugin's on_digest() gets.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>

#include "daemon.h"
#include "date.h"
#include "digest.h"
#include "log.h"
#include "slot.h"
#include "tz.h"
#include "util.h"

#define DIGESTS_WAKE		600.	/* longest sleep: clock steps, suspend */
#define DIGESTS_STORE_PAUSE	60.	/* after the store refused a write */
#define DIGESTS_TEXT_WIDTH	78	/* the plain text of mail */

/* One [digest] section, copied out of the configuration. */
struct dsec {
	TAILQ_ENTRY(dsec)	 entry;
	struct digests		*ds;
	char			*name;
	char			**topics;
	size_t			 ntopics;
	char			**feeds;
	size_t			 nfeeds;
	char			**plugins;
	size_t			 nplugins;
	size_t			 max_stories;
	int			 all_stories;
	char			*tzname;	/* what the payload records */
	struct tz		*tz;
	struct slot_sched	 slots;
	int64_t			 due;		/* the next slot; 0 none */
	ev_timer		 timer;
	int			 seen;
};

struct digests {
	struct ev_loop		*loop;
	struct store		*st;
	struct alerter		*alerts;
	TAILQ_HEAD(, dsec)	 secs;
};

static void	dsec_arm(struct dsec *, double delay);

/*
 * The wall clock, as the timers read it.  time() reads the kernel's coarse
 * clock, up to a tick behind ev_time(): a slot looked for by one and armed
 * by the other was not yet passed when the timer fired, and the timer
 * went off at 0 s again and again until time() caught up (review7 D17).
 */
static int64_t
dsec_now(void)
{
	return (int64_t)ev_time();
}

static char **
names_copy(char *const *v, size_t n)
{
	char	**c = xcalloc(n + 1, sizeof(*c));
	size_t	 i;

	for (i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

static void
names_free(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
dsec_clear(struct dsec *s)
{
	names_free(s->topics, s->ntopics);
	names_free(s->feeds, s->nfeeds);
	names_free(s->plugins, s->nplugins);
	free(s->tzname);
	tz_free(s->tz);
	s->topics = s->feeds = s->plugins = NULL;
	s->tzname = NULL;
	s->tz = NULL;
}

static void
dsec_free(struct dsec *s)
{
	ev_timer_stop(s->ds->loop, &s->timer);
	dsec_clear(s);
	free(s->name);
	free(s);
}

/*
 * Assembles [since, until) and queues it with the watermark moved to
 * until.  *nstories (may be NULL) gets its size.
 */
static int
dsec_queue(struct dsec *s, int64_t since, int64_t until, size_t *nstories,
    char **errstr)
{
	struct digest_spec	 spec;
	struct digest		*d;
	char			*json;
	int64_t			 run;
	int			 rc;

	memset(&spec, 0, sizeof(spec));
	spec.name = s->name;
	spec.topics = (const char *const *)s->topics;
	spec.ntopics = s->ntopics;
	spec.feeds = (const char *const *)s->feeds;
	spec.nfeeds = s->nfeeds;
	spec.max_stories = s->max_stories;
	spec.timezone = s->tzname;
	spec.all_stories = s->all_stories;
	if ((d = digest_build(s->ds->st, &spec, since, until, errstr)) == NULL)
		return -1;
	json = digest_to_json(d, 0);
	if (nstories != NULL)
		*nstories = digest_nstories(d);
	rc = store_digest_queue(s->ds->st, s->name, since, until, json,
	    (const char *const *)s->plugins, s->nplugins, &run, errstr);
	if (rc == 0) {
		char	 a[32], b[32];

		date_format_rfc3339(since, a, sizeof(a));
		date_format_rfc3339(until, b, sizeof(b));
		log_info("digest %s: queued for %zu plugin%s: %zu stor%s from "
		    "%s to %s (run %lld)", s->name, s->nplugins,
		    s->nplugins == 1 ? "" : "s", digest_nstories(d),
		    digest_nstories(d) == 1 ? "y" : "ies", a, b,
		    (long long)run);
	}
	digest_free(d);
	free(json);
	if (rc == 0)
		alert_kick(s->ds->alerts);
	return rc;
}

/*
 * Sends what is due: the last slot at or before now, if the watermark is
 * behind it (one digest covers every slot missed), then arms the timer
 * for the next slot.
 */
static void
dsec_run(struct dsec *s)
{
	int64_t	 now = dsec_now(), last, mark = 0;
	char	*err = NULL, a[32], b[32];
	int	 rc;

	if ((rc = store_digest_watermark(s->ds->st, s->name, &mark, &err)) ==
	    -1)
		goto fail;
	last = slot_prev(&s->slots, now);
	if (rc == 0) {
		/* a new section: its first digest covers one period */
		mark = last != -1 ? last : now;
		if (store_digest_watermark_set(s->ds->st, s->name, mark,
		    &err) == -1)
			goto fail;
		date_format_rfc3339(mark, a, sizeof(a));
		log_info("digest %s: starts from %s", s->name, a);
	} else if (last != -1 && last > mark) {
		date_format_rfc3339(last, a, sizeof(a));
		date_format_rfc3339(mark, b, sizeof(b));
		if (s->due == 0 || last != s->due)
			log_info("digest %s: the slot at %s passed while "
			    "heraldd was down or asleep: sending it now, from "
			    "%s", s->name, a, b);
		if (dsec_queue(s, mark, last, NULL, &err) == -1)
			goto fail;
	}
	s->due = slot_next(&s->slots, now);
	date_format_rfc3339(s->due, a, sizeof(a));
	log_debug("digest %s: next at %s", s->name, s->due > 0 ? a : "never");
	dsec_arm(s, s->due > 0 ? (double)s->due - ev_time() : DIGESTS_WAKE);
	return;
fail:
	log_warnx("digest %s: %s; trying again in %.0f s", s->name,
	    err != NULL ? err : "store error", DIGESTS_STORE_PAUSE);
	free(err);
	dsec_arm(s, DIGESTS_STORE_PAUSE);
}

static void
dsec_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dsec	*s = w->data;

	(void)loop;
	(void)revents;
	/* a monotonic timer may run ahead of the wall clock: not yet */
	if (s->due > 0 && (double)s->due > ev_time()) {
		dsec_arm(s, (double)s->due - ev_time());
		return;
	}
	dsec_run(s);
}

static void
dsec_arm(struct dsec *s, double delay)
{
	if (delay < 0)
		delay = 0;
	if (delay > DIGESTS_WAKE)
		delay = DIGESTS_WAKE;
	ev_timer_stop(s->ds->loop, &s->timer);
	ev_timer_set(&s->timer, delay, 0.);
	ev_timer_start(s->ds->loop, &s->timer);
}

struct digests *
digests_new(struct ev_loop *loop, struct store *st, struct alerter *alerts)
{
	struct digests	*ds = xcalloc(1, sizeof(*ds));

	ds->loop = loop;
	ds->st = st;
	ds->alerts = alerts;
	TAILQ_INIT(&ds->secs);
	return ds;
}

static struct dsec *
dsec_find(struct digests *ds, const char *name)
{
	struct dsec	*s;

	TAILQ_FOREACH(s, &ds->secs, entry)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

/* Copies section `dg`; 0, or -1 when its time zone went away. */
static int
dsec_set(struct dsec *s, const struct config *conf,
    const struct config_digest *dg, char **errstr)
{
	size_t	 i;

	dsec_clear(s);
	s->tz = dg->timezone != NULL ? tz_load(dg->timezone, errstr) :
	    tz_load_local(errstr);
	if (s->tz == NULL)
		return -1;
	s->tzname = xstrdup(tz_name(s->tz));
	if (dg->ntopics > 0) {
		s->topics = names_copy(dg->topics, dg->ntopics);
		s->ntopics = dg->ntopics;
	} else {
		/* none means every topic configured now */
		s->topics = xcalloc(conf->ntopics + 1, sizeof(*s->topics));
		for (i = 0; i < conf->ntopics; i++)
			s->topics[i] = xstrdup(conf->topics[i].name);
		s->ntopics = conf->ntopics;
	}
	s->all_stories = conf->ntopics == 0;
	s->feeds = names_copy(dg->feeds, dg->nfeeds);
	s->nfeeds = dg->nfeeds;
	s->plugins = names_copy(dg->plugins, dg->nplugins);
	s->nplugins = dg->nplugins;
	s->max_stories = (size_t)dg->max_stories;
	memset(&s->slots, 0, sizeof(s->slots));
	memcpy(s->slots.at, dg->at, sizeof(s->slots.at));
	s->slots.nat = dg->nat;
	s->slots.days = dg->days;
	s->slots.tz = s->tz;
	return 0;
}

int
digests_apply(struct digests *ds, const struct config *conf, char **errstr)
{
	struct dsec	*s, *next;
	size_t		 i;
	char		*err = NULL;

	TAILQ_FOREACH(s, &ds->secs, entry)
		s->seen = 0;
	for (i = 0; i < conf->ndigests; i++) {
		const struct config_digest	*dg = &conf->digests[i];

		/* without plugins it is for herald digest --name only */
		if (dg->nplugins == 0)
			continue;
		if ((s = dsec_find(ds, dg->name)) == NULL) {
			s = xcalloc(1, sizeof(*s));
			s->ds = ds;
			s->name = xstrdup(dg->name);
			ev_timer_init(&s->timer, dsec_timer_cb, 0., 0.);
			s->timer.data = s;
			TAILQ_INSERT_TAIL(&ds->secs, s, entry);
		}
		s->seen = 1;
		if (dsec_set(s, conf, dg, &err) == -1) {
			*errstr = xasprintf("[digest \"%s\"]: %s", dg->name, err);
			free(err);
			return -1;
		}
		s->due = 0;
		dsec_run(s);
	}
	for (s = TAILQ_FIRST(&ds->secs); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (!s->seen) {
			TAILQ_REMOVE(&ds->secs, s, entry);
			dsec_free(s);
		}
	}
	return 0;
}

int
digests_send_now(struct digests *ds, const char *name, char **summary,
    char **errstr)
{
	struct dsec	*s = dsec_find(ds, name);
	int64_t		 now = dsec_now(), mark = 0;
	size_t		 n = 0;
	char		 a[32], b[32];
	int		 rc;

	if (s == NULL) {
		*errstr = xasprintf("no [digest \"%s\"] with plugins in the "
		    "running configuration", name);
		return -1;
	}
	if ((rc = store_digest_watermark(ds->st, name, &mark, errstr)) == -1)
		return -1;
	if (rc == 0 || mark >= now) {
		/* nothing sent yet: one period back, as the first one */
		int64_t	 last = slot_prev(&s->slots, now - 1);

		mark = rc == 0 ? (last != -1 ? last : now - 86400) : mark;
		if (mark >= now) {
			*errstr = xstrdup("the last digest ended this second; "
			    "try again in a moment");
			return -1;
		}
	}
	if (dsec_queue(s, mark, now, &n, errstr) == -1)
		return -1;
	date_format_rfc3339(mark, a, sizeof(a));
	date_format_rfc3339(now, b, sizeof(b));
	*summary = xasprintf("digest %s queued for delivery: %zu stor%s from "
	    "%s to %s", name, n, n == 1 ? "y" : "ies", a, b);
	return 0;
}

void
digests_free(struct digests *ds)
{
	struct dsec	*s;

	if (ds == NULL)
		return;
	while ((s = TAILQ_FIRST(&ds->secs)) != NULL) {
		TAILQ_REMOVE(&ds->secs, s, entry);
		dsec_free(s);
	}
	free(ds);
}

/* ---- the plugin's view of a queued digest ---- */

struct digest_view {
	struct herald_digest		 hd;
	struct digest			*d;
	struct tz			*tz;
	char				*key, *subject, *text, *markdown, *html;
	char				*payload;
	struct herald_digest_topic	*topics;
	const struct herald_digest_topic **topicp;
	struct herald_digest_feed	*feeds;
	const struct herald_digest_feed	**feedp;
	/* every story, item and pointer array, to free */
	void				**owned;
	size_t				 nowned;
};

static void *
owned(struct digest_view *v, void *p)
{
	v->owned = xrealloc(v->owned, (v->nowned + 1) * sizeof(*v->owned));
	v->owned[v->nowned++] = p;
	return p;
}

static const struct herald_digest_story *
view_story(struct digest_view *v, const struct digest_story *s)
{
	struct herald_digest_story	*hs = owned(v, xcalloc(1, sizeof(*hs)));
	const struct herald_digest_item	**ip;
	size_t				 i;

	hs->id = s->id;
	hs->title = s->items[0].title;
	hs->link = s->items[0].link;
	hs->summary = digest_story_summary(s);
	hs->sources = owned(v, digest_sources(s));
	hs->outlets = (const char *const *)s->outlets;
	hs->noutlets = s->noutlets;
	hs->languages = (const char *const *)s->languages;
	hs->nlanguages = s->nlanguages;
	hs->breaking = s->breaking;
	hs->first_seen = s->first_seen;
	ip = owned(v, xcalloc(s->nitems + 1, sizeof(*ip)));
	for (i = 0; i < s->nitems; i++) {
		struct herald_digest_item	*hi;
		const struct digest_item	*it = &s->items[i];

		hi = owned(v, xcalloc(1, sizeof(*hi)));
		hi->id = it->id;
		hi->title = it->title;
		hi->link = it->link;
		hi->feed = it->feed;
		hi->outlet = it->outlet;
		hi->lang = it->lang;
		hi->published = it->published;
		hi->first_seen = it->first_seen;
		ip[i] = hi;
	}
	hs->items = ip;
	hs->nitems = s->nitems;
	hs->articles = s->articles;	/* >= nitems: digest.c sees to it */
	return hs;
}

struct digest_view *
digest_view_new(const struct store_digest_send *row, unsigned attempt,
    char **errstr)
{
	struct digest_view	*v = xcalloc(1, sizeof(*v));
	struct digest_style	 st;
	char			*err = NULL;
	size_t			 i, j;

	if ((v->d = digest_from_json(row->payload, errstr)) == NULL) {
		free(v);
		return NULL;
	}
	/* the zone it was made in; gone since: UTC, said in the times */
	if (v->d->timezone != NULL &&
	    (v->tz = tz_load(v->d->timezone, &err)) == NULL) {
		log_warnx("digest %s: %s: times in UTC", row->name, err);
		free(err);
	}
	memset(&st, 0, sizeof(st));
	st.width = DIGESTS_TEXT_WIDTH;
	st.tz = v->tz;
	v->key = digest_key(row->name, row->since, row->until);
	v->subject = digest_subject(v->d, &st);
	v->text = digest_render_text(v->d, &st);
	v->markdown = digest_render_markdown(v->d, &st);
	v->html = digest_render_html(v->d, &st);
	v->payload = xstrdup(row->payload);
	v->topics = xcalloc(v->d->ntopics + 1, sizeof(*v->topics));
	v->topicp = xcalloc(v->d->ntopics + 1, sizeof(*v->topicp));
	for (i = 0; i < v->d->ntopics; i++) {
		const struct digest_topic	*t = &v->d->topics[i];
		struct herald_digest_topic	*ht = &v->topics[i];
		const struct herald_digest_story **sp;

		ht->name = t->name;
		ht->trend = t->trend;
		ht->ntrend = DIGEST_TREND_DAYS;
		ht->sparkline = owned(v, digest_sparkline(t->trend,
		    DIGEST_TREND_DAYS));
		ht->trend_text = owned(v, digest_trend_text(t));
		ht->total = t->total;
		sp = owned(v, xcalloc(t->nstories + 1, sizeof(*sp)));
		for (j = 0; j < t->nstories; j++)
			sp[j] = view_story(v, &t->stories[j]);
		ht->stories = sp;
		ht->nstories = t->nstories;
		v->topicp[i] = ht;
	}
	v->feeds = xcalloc(v->d->nfailing + 1, sizeof(*v->feeds));
	v->feedp = xcalloc(v->d->nfailing + 1, sizeof(*v->feedp));
	for (i = 0; i < v->d->nfailing; i++) {
		v->feeds[i].feed = v->d->failing[i].feed;
		v->feeds[i].outlet = v->d->failing[i].outlet;
		v->feeds[i].error = v->d->failing[i].error;
		v->feeds[i].failures = v->d->failing[i].failures;
		v->feeds[i].last_success = v->d->failing[i].last_success;
		v->feeds[i].disabled = v->d->failing[i].disabled;
		v->feedp[i] = &v->feeds[i];
	}
	v->hd.key = v->key;
	v->hd.name = row->name;
	v->hd.since = row->since;
	v->hd.until = row->until;
	v->hd.subject = v->subject;
	v->hd.period = owned(v, digest_period(v->d, &st));
	v->hd.text = v->text;
	v->hd.markdown = v->markdown;
	v->hd.html = v->html;
	v->hd.json = v->payload;
	v->hd.topics = v->topicp;
	v->hd.ntopics = v->d->ntopics;
	v->hd.failing = v->feedp;
	v->hd.nfailing = v->d->nfailing;
	v->hd.nstories = digest_nstories(v->d);
	v->hd.attempt = attempt;
	v->hd.plugin = row->plugin;
	return v;
}

const struct herald_digest *
digest_view_get(const struct digest_view *v)
{
	return &v->hd;
}

void
digest_view_free(struct digest_view *v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < v->nowned; i++)
		free(v->owned[i]);
	free(v->owned);
	free(v->topics);
	free(v->topicp);
	free(v->feeds);
	free(v->feedp);
	free(v->key);
	free(v->subject);
	free(v->text);
	free(v->markdown);
	free(v->html);
	free(v->payload);
	tz_free(v->tz);
	digest_free(v->d);
	free(v);
}
