/*
 * alert.c: delivers the outbox (store.h) through the plugins, at least
 * once.  One delivery per plugin is in flight at a time, oldest due first,
 * so a plugin sees its alerts in order; a failure retries with exponential
 * backoff and jitter (or after the receiver's Retry-After) until the
 * plugin's max-age, then the row is dead with the reason.  Nothing is kept
 * in memory that the outbox does not hold: a restart resumes where the
 * last run stopped (an attempt cut short by a crash is made again).  One
 * timer is armed for the earliest moment something can be sent.  New
 * articles reach the plugins' on_item from the same pass.  Queued digests
 * (digests.c) go out the same way, one per delivery, before a plugin's
 * alerts; rate-limit and batch are for alerts only.
 */
#include "config.h"

#include <sys/queue.h>

#include <math.h>	/* HUGE_VAL only: no libm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>

#include "daemon.h"
#include "log.h"
#include "util.h"

#define ALERT_DEADLINE		900.	/* a plugin's answer, at most */
#define ALERT_BATCH_MAX		200	/* alerts in one batched call */
#define ALERT_STORE_PAUSE	30	/* after the store refused a write */
#define ALERT_EXPIRE_EVERY	3600	/* sweep of rows past max-age */
#define ALERT_ORPHANS_SAY_EVERY	86400	/* a start says the orphans again */
#define ALERT_RATE_MAX		10000	/* rate-limit window entries kept */
#define ALERT_ORPHAN_AGE	86400	/* for a plugin no longer configured */

/* Per plugin name: survives reloads that replace the instance. */
struct pstate {
	TAILQ_ENTRY(pstate)	 entry;
	char			*name;
	struct ratelimit	 rate;
	unsigned		 rate_count;	/* as configured */
	long long		 rate_period;
	struct delivery		*inflight;
	int64_t			 hold_until;	/* store trouble: wait */
	int64_t			 last_expire;
};

struct delivery {
	struct alerter		*a;
	struct pstate		*ps;
	struct plugin_limits	 limits;
	struct store_digest_send *drow;	/* a digest, else alerts below */
	struct digest_view	*view;
	struct store_alert	*rows;
	size_t			 n;
	struct herald_alert	*alerts;
	char			**keys;
	const char		***terms;
	char			**termbuf;
	struct herald_alert_story *stories;	/* ABI 1.2 */
	const struct herald_alert_story **storyp;
	const char		***lists;	/* outlets, languages: 2 each */
	char			**listbuf;
};

struct alerter {
	struct ev_loop		*loop;
	struct store		*st;
	struct plugin_set	*set;
	ev_timer		 timer;
	int			 kicked;	/* a pass is due at once */
	int			 flush;		/* batching windows closed now */
	TAILQ_HEAD(, pstate)	 pstates;
	size_t			 inflight;
	int64_t			 items_since;	/* on_item: first_seen bound */
	int64_t			 last_item;	/* on_item: highest id passed on */
	int64_t			 last_orphans;	/* sweep of unconfigured plugins */
	int			 orphans;	/* their alerts wait: sweep again */
	struct hooks		 idle;		/* nothing in flight or due */
};

static void	alert_arm(struct alerter *, double when);
static void	alert_orphans_say(struct alerter *, int start);

/* ---- rate limiting: a sliding window of the last `count` sends ---- */

void
ratelimit_init(struct ratelimit *r, unsigned count, double period)
{
	free(r->ring);
	memset(r, 0, sizeof(*r));
	if (count == 0 || period <= 0)
		return;
	r->count = count > ALERT_RATE_MAX ? ALERT_RATE_MAX : count;
	r->period = period * r->count / count;
	r->ring = xcalloc(r->count, sizeof(*r->ring));
}

void
ratelimit_clear(struct ratelimit *r)
{
	free(r->ring);
	memset(r, 0, sizeof(*r));
}

double
ratelimit_next(const struct ratelimit *r, double now)
{
	double	 oldest;

	if (r->count == 0 || r->n < r->count)
		return now;
	oldest = r->ring[r->head];	/* the full ring's oldest entry */
	return oldest + r->period > now ? oldest + r->period : now;
}

void
ratelimit_take(struct ratelimit *r, double now)
{
	if (r->count == 0)
		return;
	r->ring[r->head] = now;
	r->head = (r->head + 1) % r->count;
	if (r->n < r->count)
		r->n++;
}

void
alert_rate_limited(struct alerter *a, double now,
    void (*fn)(const char *, double, void *), void *arg)
{
	struct pstate	*ps;
	double		 t;

	TAILQ_FOREACH(ps, &a->pstates, entry)
		if ((t = ratelimit_next(&ps->rate, now)) > now)
			fn(ps->name, t, arg);
}

/*
 * Seconds before attempt `attempts` + 1: 30 s doubling to an hour, each
 * spread over [0.75, 1.25) by `rnd` in [0, 1); a Retry-After (seconds)
 * replaces it, with up to 10% added so that many senders do not return
 * at once.  Whatever a receiver sent (9223372036854775807 overflowed the
 * conversion to a time and made a tight loop), the delay is within
 * [1 s, max_age].
 */
double
alert_backoff(int attempts, long retry_after, double rnd, double max_age)
{
	double	 d = ALERT_BACKOFF_BASE;
	int	 i;

	if (retry_after > 0)
		d = (double)retry_after * (1 + 0.1 * rnd);
	else {
		for (i = 1; i < attempts && d < ALERT_BACKOFF_MAX; i++)
			d *= 2;
		if (d > ALERT_BACKOFF_MAX)
			d = ALERT_BACKOFF_MAX;
		d *= 0.75 + 0.5 * rnd;
	}
	if (max_age >= ALERT_BACKOFF_MIN && !(d <= max_age))
		d = max_age;
	if (!(d >= ALERT_BACKOFF_MIN))		/* NaN too */
		d = ALERT_BACKOFF_MIN;
	return d;
}

static double
rnd(void)
{
	return (double)random() / ((double)RAND_MAX + 1);
}

/* ---- plugin state ---- */

static struct pstate *
pstate_get(struct alerter *a, struct plugin *p)
{
	const struct plugin_limits	*lim = plugin_limits(p);
	struct pstate			*ps;

	TAILQ_FOREACH(ps, &a->pstates, entry)
		if (strcmp(ps->name, plugin_name(p)) == 0)
			break;
	if (ps == NULL) {
		ps = xcalloc(1, sizeof(*ps));
		ps->name = xstrdup(plugin_name(p));
		TAILQ_INSERT_TAIL(&a->pstates, ps, entry);
	}
	if (ps->rate_count != lim->rate_count ||
	    ps->rate_period != lim->rate_period) {
		/* new, or a reload changed the limit: start afresh */
		ps->rate_count = lim->rate_count;
		ps->rate_period = lim->rate_period;
		ratelimit_init(&ps->rate, lim->rate_count,
		    (double)lim->rate_period);
	}
	return ps;
}

/* ---- one delivery ---- */

static void
delivery_free(struct delivery *dl)
{
	size_t	 i;

	for (i = 0; i < dl->n; i++) {
		free(dl->keys[i]);
		free(dl->terms[i]);
		free(dl->termbuf[i]);
	}
	for (i = 0; dl->lists != NULL && i < 2 * dl->n; i++) {
		free(dl->lists[i]);
		free(dl->listbuf[i]);
	}
	free(dl->keys);
	free(dl->terms);
	free(dl->termbuf);
	free(dl->stories);
	free(dl->storyp);
	free(dl->lists);
	free(dl->listbuf);
	free(dl->alerts);
	store_alerts_free(dl->rows, dl->n);
	if (dl->drow != NULL)
		store_digest_sends_free(dl->drow, 1);
	digest_view_free(dl->view);
	free(dl);
}

/*
 * Splits "a\nb\nc" into a NULL-terminated vector over a copy: an alert's
 * terms, its story's outlets and languages.
 */
static const char **
split_terms(const char *s, char **copy, size_t *n)
{
	const char	**v;
	char		*p, *q;
	size_t		 k = 0, cap = 1;

	*n = 0;
	*copy = xstrdup(s != NULL ? s : "");
	for (p = *copy; *p != '\0'; p++)
		if (*p == '\n')
			cap++;
	v = xcalloc(cap + 1, sizeof(*v));
	for (p = *copy; p != NULL && *p != '\0'; p = q) {
		if ((q = strchr(p, '\n')) != NULL)
			*q++ = '\0';
		if (*p != '\0')
			v[k++] = p;
	}
	*n = k;
	return v;
}

static void
delivery_build(struct delivery *dl)
{
	size_t	 i;

	dl->alerts = xcalloc(dl->n, sizeof(*dl->alerts));
	dl->keys = xcalloc(dl->n, sizeof(*dl->keys));
	dl->terms = xcalloc(dl->n, sizeof(*dl->terms));
	dl->termbuf = xcalloc(dl->n, sizeof(*dl->termbuf));
	dl->stories = xcalloc(dl->n, sizeof(*dl->stories));
	dl->storyp = xcalloc(dl->n, sizeof(*dl->storyp));
	dl->lists = xcalloc(2 * dl->n, sizeof(*dl->lists));
	dl->listbuf = xcalloc(2 * dl->n, sizeof(*dl->listbuf));
	for (i = 0; i < dl->n; i++) {
		const struct store_alert	*r = &dl->rows[i];
		struct herald_alert		*al = &dl->alerts[i];
		struct herald_alert_story	*sy = &dl->stories[i];

		sy->id = r->story_id;
		sy->size = r->story_size;
		sy->breaking = r->breaking;
		dl->lists[2 * i] = split_terms(r->story_feeds,
		    &dl->listbuf[2 * i], &sy->noutlets);
		sy->outlets = dl->lists[2 * i];
		dl->lists[2 * i + 1] = split_terms(r->story_langs,
		    &dl->listbuf[2 * i + 1], &sy->nlanguages);
		sy->languages = dl->lists[2 * i + 1];
		dl->storyp[i] = sy;

		dl->keys[i] = xmalloc(STORE_ALERT_KEY_LEN);
		store_alert_key(r, dl->keys[i]);
		dl->terms[i] = split_terms(r->terms, &dl->termbuf[i],
		    &al->nterms);
		al->key = dl->keys[i];
		al->id = r->alert_id;
		al->topic = r->topic;
		al->terms = dl->terms[i];
		al->field = r->field;
		al->snippet = r->snippet;
		al->title = r->title;
		al->link = r->link;
		al->summary = r->summary;
		al->feed = r->feed_name;
		al->published = r->has_published ? r->published : 0;
		al->matched = r->created;
	}
}

static const char *
outcome_name(int o)
{
	return o == HERALD_OK ? "ok" : o == HERALD_FAIL ? "failed" : "retry";
}

/*
 * After attempt number attempts + 1 failed: NULL and *next, the time of
 * the next one, or (past the row's max-age, or asked by a Retry-After to
 * wait past it) why it is given up (heap).
 */
static char *
retry_next(int attempts, int64_t created, long long max_age,
    long retry_after, double r, const char *msg, int64_t now, int64_t *next)
{
	int64_t	 left = created + max_age - now;

	*next = now + (int64_t)(alert_backoff(attempts + 1, retry_after, r,
	    (double)max_age) + 0.999);
	/* asked to wait past max-age: it could never be sent */
	if (retry_after > 0 && retry_after >= left)
		return xasprintf("gave up after %d attempt%s: Retry-After asks "
		    "for %ld s, past max-age (%lld s): %s", attempts + 1,
		    attempts > 0 ? "s" : "", retry_after, max_age,
		    msg ? msg : "retry");
	if (*next <= created + max_age)
		return NULL;
	return xasprintf("gave up after %d attempt%s over %lld s: %s",
	    attempts + 1, attempts > 0 ? "s" : "", (long long)(now - created),
	    msg ? msg : "retry");
}

/* The store failed: the plugin waits ALERT_STORE_PAUSE (and the loop wakes). */
static void
plugin_hold(struct pstate *ps, int64_t now, double *wake)
{
	ps->hold_until = now + ALERT_STORE_PAUSE;
	if ((double)ps->hold_until < *wake)
		*wake = (double)ps->hold_until;
}

/*
 * Counts the attempt about to start for every row of the delivery, before
 * it starts: one that a crash or kill -9 cuts short counts too, and the
 * next says so in its attempt (herald-plugin(3)).
 */
static int
delivery_count(struct delivery *dl, char **errstr)
{
	struct store	*st = dl->a->st;
	size_t		 i;

	if (store_begin(st, errstr) == -1)
		return -1;
	for (i = 0; i < dl->n; i++)
		if (store_alert_attempt(st, dl->rows[i].id, errstr) == -1) {
			store_rollback(st);
			return -1;
		}
	if (store_commit(st, errstr) == -1) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

/*
 * Writes the outcome of one attempt for every row of the delivery; of a
 * retry, *ndead gets how many rows were given up instead (past max-age)
 * and *why (heap) the first one's reason.
 */
static int
delivery_record(struct delivery *dl, int outcome, long retry_after,
    const char *msg, size_t *ndead, char **why1, char **errstr)
{
	struct store	*st = dl->a->st;
	int64_t		 now = (int64_t)time(NULL);
	size_t		 i;
	double		 r = rnd();

	*ndead = 0;
	*why1 = NULL;

	if (store_begin(st, errstr) == -1)
		return -1;
	for (i = 0; i < dl->n; i++) {
		const struct store_alert	*row = &dl->rows[i];
		int				 rc;

		if (outcome == HERALD_OK)
			rc = store_alert_sent(st, row->id, now, errstr);
		else if (outcome == HERALD_FAIL)
			rc = store_alert_dead(st, row->id, msg ? msg :
			    "the plugin refused it", errstr);
		else {
			int64_t	 next;
			char	*why = retry_next(row->attempts, row->created,
				    dl->limits.max_age, retry_after, r, msg,
				    now, &next);

			if (why != NULL) {
				rc = store_alert_dead(st, row->id, why, errstr);
				if (*why1 == NULL)
					*why1 = why;
				else
					free(why);
				(*ndead)++;
			} else
				rc = store_alert_retry(st, row->id, next,
				    msg ? msg : "retry", errstr);
		}
		if (rc == -1) {
			store_rollback(st);
			goto fail;
		}
	}
	if (store_commit(st, errstr) == -1) {
		store_rollback(st);
		goto fail;
	}
	return 0;
fail:
	free(*why1);
	*why1 = NULL;
	*ndead = 0;
	return -1;
}

static void
delivery_done(void *arg, int outcome, long retry_after, const char *msg)
{
	struct delivery	*dl = arg;
	struct alerter	*a = dl->a;
	char		*err = NULL, *why = NULL;
	size_t		 ndead = 0;
	int		 rc;

	if (outcome == HERALD_OK)
		log_debug("plugin %s: delivered %zu alert%s (first %s)",
		    dl->ps->name, dl->n, dl->n > 1 ? "s" : "", dl->keys[0]);
	else if (outcome == HERALD_FAIL)
		log_warnx("plugin %s: alert %s%s failed, given up: %s",
		    dl->ps->name, dl->keys[0], dl->n > 1 ? " and others" :
		    "", msg ? msg : "no reason given");
	rc = delivery_record(dl, outcome, retry_after, msg, &ndead, &why,
	    &err);
	/* a retry is said once its rows are known retried or given up */
	if (outcome != HERALD_OK && outcome != HERALD_FAIL) {
		if (ndead == 0)
			log_info("plugin %s: alert %s%s: attempt %d: %s; will "
			    "retry", dl->ps->name, dl->keys[0], dl->n > 1 ?
			    " and others" : "", dl->rows[0].attempts + 1,
			    msg ? msg : "no reason given");
		else if (ndead == dl->n)
			log_warnx("plugin %s: alert %s%s given up: %s",
			    dl->ps->name, dl->keys[0], dl->n > 1 ?
			    " and others" : "", why);
		else
			log_warnx("plugin %s: alert %s and others: attempt %d: "
			    "%s; %zu of %zu given up (%s), the others will "
			    "retry", dl->ps->name, dl->keys[0],
			    dl->rows[0].attempts + 1, msg ? msg :
			    "no reason given", ndead, dl->n, why);
	}
	free(why);
	if (rc == -1) {
		log_warnx("plugin %s: recording the outcome (%s) failed: %s; "
		    "the alert will be sent again", dl->ps->name,
		    outcome_name(outcome), err ? err : "unknown error");
		free(err);
		dl->ps->hold_until = (int64_t)time(NULL) + ALERT_STORE_PAUSE;
	}
	dl->ps->inflight = NULL;
	a->inflight--;
	delivery_free(dl);
	alert_kick(a);
}

/* ---- digests ---- */

/* The outcome of one attempt at a digest row, as for alerts. */
static int
digest_record(struct delivery *dl, int outcome, long retry_after,
    const char *msg, char **errstr)
{
	struct store			*st = dl->a->st;
	const struct store_digest_send	*row = dl->drow;
	int64_t				 now = (int64_t)time(NULL), next;
	char				*why;
	int				 rc;

	if (store_begin(st, errstr) == -1)
		return -1;
	if (outcome == HERALD_OK)
		rc = store_digest_sent(st, row->id, now, errstr);
	else if (outcome == HERALD_FAIL)
		rc = store_digest_dead(st, row->id, msg ? msg :
		    "the plugin refused it", errstr);
	else {
		why = retry_next(row->attempts, row->created,
		    dl->limits.max_age, retry_after, rnd(), msg, now, &next);
		if (why != NULL) {
			rc = store_digest_dead(st, row->id, why, errstr);
			log_warnx("plugin %s: digest %s given up: %s",
			    dl->ps->name, row->name, why);
			free(why);
		} else {
			rc = store_digest_retry(st, row->id, next, msg ? msg :
			    "retry", errstr);
			log_info("plugin %s: digest %s: attempt %d: %s; will "
			    "retry", dl->ps->name, row->name, row->attempts + 1,
			    msg ? msg : "no reason given");
		}
	}
	if (rc == -1 || store_commit(st, errstr) == -1) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

static void
digest_done(void *arg, int outcome, long retry_after, const char *msg)
{
	struct delivery	*dl = arg;
	struct alerter	*a = dl->a;
	char		*err = NULL;

	if (outcome == HERALD_OK)
		log_info("plugin %s: digest %s delivered (%s)", dl->ps->name,
		    dl->drow->name, digest_view_get(dl->view)->key);
	else if (outcome == HERALD_FAIL)
		log_warnx("plugin %s: digest %s failed, given up: %s",
		    dl->ps->name, dl->drow->name, msg ? msg : "no reason given");
	if (digest_record(dl, outcome, retry_after, msg, &err) == -1) {
		log_warnx("plugin %s: recording the outcome (%s) of digest %s "
		    "failed: %s; it will be sent again", dl->ps->name,
		    outcome_name(outcome), dl->drow->name, err ? err :
		    "unknown error");
		free(err);
		dl->ps->hold_until = (int64_t)time(NULL) + ALERT_STORE_PAUSE;
	}
	dl->ps->inflight = NULL;
	a->inflight--;
	delivery_free(dl);
	alert_kick(a);
}

/*
 * Delivers the plugin's oldest due digest: 1 when one is on its way, 0
 * when none is due (*wake says when one will be).
 */
static int
alert_digest(struct alerter *a, struct plugin *p, struct pstate *ps,
    double tnow, double *wake)
{
	const struct plugin_limits	*lim = plugin_limits(p);
	struct store_digest_send	*rows = NULL;
	struct delivery			*dl;
	struct digest_view		*view;
	int64_t				 now = (int64_t)tnow, next;
	size_t				 n = 0;
	char				*err = NULL;
	int				 rc;

	if (!plugin_takes_digests(p))
		return 0;
	if ((rc = store_digests_next(a->st, ps->name, &next, &err)) == -1 ||
	    (rc == 1 && next <= now && store_digests_due(a->st, ps->name, now,
	    1, &rows, &n, &err) == -1)) {
		log_warnx("plugin %s: reading the digest outbox failed: %s",
		    ps->name, err ? err : "unknown error");
		free(err);
		ps->hold_until = now + ALERT_STORE_PAUSE;
		return 0;
	}
	if (rc == 0)
		return 0;
	if (next > now) {
		if ((double)next < *wake)
			*wake = (double)next;
		return 0;
	}
	if (n == 0) {
		*wake = (double)now + 1;	/* raced a write: look again */
		return 0;
	}
	if (rows[0].created + lim->max_age <= now ||
	    (view = digest_view_new(&rows[0], (unsigned)rows[0].attempts + 1,
	    &err)) == NULL) {
		/* aged out while heraldd was down, or unreadable: dead */
		char	*why = err != NULL ? xasprintf("unreadable: %s", err) :
			    xasprintf("expired after %d attempts",
			    rows[0].attempts);

		free(err);	/* its text is in why */
		err = NULL;
		log_warnx("plugin %s: digest %s given up: %s", ps->name,
		    rows[0].name, why);
		if (store_digest_dead(a->st, rows[0].id, why, &err) == -1) {
			log_warnx("plugin %s: %s", ps->name, err);
			ps->hold_until = now + ALERT_STORE_PAUSE;
		}
		free(why);
		free(err);
		store_digest_sends_free(rows, n);
		*wake = (double)now;
		return 0;
	}
	dl = xcalloc(1, sizeof(*dl));
	dl->a = a;
	dl->ps = ps;
	dl->limits = *lim;
	dl->drow = rows;
	dl->view = view;
	/* counted before it starts, as an alert's (delivery_count()) */
	if (store_digest_attempt(a->st, rows[0].id, &err) == -1) {
		log_warnx("plugin %s: counting an attempt at digest %s failed: "
		    "%s", ps->name, rows[0].name, err ? err : "unknown error");
		free(err);
		delivery_free(dl);
		plugin_hold(ps, now, wake);
		return 0;
	}
	ps->inflight = dl;
	a->inflight++;
	log_debug("plugin %s: delivering digest %s (attempt %d)", ps->name,
	    rows[0].name, rows[0].attempts + 1);
	plugin_deliver_digest(p, digest_view_get(view), ALERT_DEADLINE,
	    digest_done, dl);
	return 1;
}

/*
 * Looks at one plugin: delivers what is due, or says when something will
 * be (*wake, wall clock; left alone if nothing is pending).
 */
static void
alert_plugin(struct alerter *a, struct plugin *p, double tnow, double *wake)
{
	const struct plugin_limits	*lim = plugin_limits(p);
	struct pstate			*ps = pstate_get(a, p);
	struct store_alert		*rows = NULL;
	struct herald_delivery		 d;
	struct delivery			*dl;
	size_t				 n = 0, i;
	int64_t				 next, oldest;
	double				 t;
	char				*err = NULL;
	int				 retry = 0, rc;
	int64_t				 now = (int64_t)tnow;

	if (ps->inflight != NULL)
		return;
	if ((double)ps->hold_until > tnow) {
		if ((double)ps->hold_until < *wake)
			*wake = (double)ps->hold_until;
		return;
	}
	/*
	 * Rows past max-age, alerts' and digests': a plugin reloaded as a
	 * build that takes no digests (ABI 1.0) never looks at its digest
	 * rows again, which would stay pending for ever.
	 */
	if (ps->last_expire + ALERT_EXPIRE_EVERY <= now) {
		size_t	 nexp = 0, ndexp = 0;

		ps->last_expire = now;
		if (store_alerts_expire(a->st, ps->name, now - lim->max_age,
		    &nexp, &err) == -1 || store_digests_expire(a->st,
		    ps->name, now - lim->max_age, &ndexp, &err) == -1)
			goto fail;
		if (nexp > 0)
			log_warnx("plugin %s: %zu alert%s older than max-age "
			    "(%lld s) given up", ps->name, nexp, nexp > 1 ?
			    "s" : "", lim->max_age);
		if (ndexp > 0)
			log_warnx("plugin %s: %zu digest%s older than max-age "
			    "(%lld s) given up", ps->name, ndexp, ndexp > 1 ?
			    "s" : "", lim->max_age);
	}
	if (alert_digest(a, p, ps, tnow, wake) || !plugin_takes_alerts(p))
		return;
	if ((rc = store_alerts_next(a->st, ps->name, &next, &err)) == -1)
		goto fail;
	if (rc == 0)
		return;
	t = (double)next;
	if (ps->hold_until > t)
		t = (double)ps->hold_until;
	/* the rate limit keeps fractions: a window of 2 s is 2 s */
	if (ratelimit_next(&ps->rate, tnow) > t)
		t = ratelimit_next(&ps->rate, tnow);
	if (t > tnow) {
		if (t < *wake)
			*wake = t;
		return;
	}
	if (store_alerts_due(a->st, ps->name, now, lim->batch > 0 ?
	    ALERT_BATCH_MAX : 1, &rows, &n, &err) == -1)
		goto fail;
	if (n == 0) {
		*wake = (double)now + 1;	/* raced a write: look again */
		return;
	}
	oldest = rows[0].created;
	for (i = 0; i < n; i++) {
		if (rows[i].created < oldest)
			oldest = rows[i].created;
		if (rows[i].attempts > 0)
			retry = 1;
		if (rows[i].created + lim->max_age <= now) {
			/* aged out since the last sweep */
			ps->last_expire = 0;
			*wake = (double)now;
			store_alerts_free(rows, n);
			return;
		}
	}
	if (lim->batch > 0 && !retry && !a->flush && oldest + lim->batch > now) {
		/* the batching window is still open */
		t = (double)(oldest + lim->batch);
		if (t < *wake)
			*wake = t;
		store_alerts_free(rows, n);
		return;
	}

	dl = xcalloc(1, sizeof(*dl));
	dl->a = a;
	dl->ps = ps;
	dl->limits = *lim;
	dl->rows = rows;
	dl->n = n;
	delivery_build(dl);
	memset(&d, 0, sizeof(d));
	d.alerts = dl->alerts;
	d.nalerts = dl->n;
	d.plugin = ps->name;
	d.stories = dl->storyp;
	for (i = 0; i < n; i++)
		if ((unsigned)rows[i].attempts + 1 > d.attempt)
			d.attempt = (unsigned)rows[i].attempts + 1;
	if (delivery_count(dl, &err) == -1) {
		log_warnx("plugin %s: counting an attempt failed: %s",
		    ps->name, err ? err : "unknown error");
		free(err);
		delivery_free(dl);
		plugin_hold(ps, now, wake);
		return;
	}
	ps->inflight = dl;
	a->inflight++;
	ratelimit_take(&ps->rate, tnow);
	/* the key, as "delivered" and the plugins say: "3-breaking" */
	log_debug("plugin %s: delivering %zu alert%s (first %s, attempt %u)",
	    ps->name, n, n > 1 ? "s" : "", dl->keys[0], d.attempt);
	plugin_deliver(p, &d, ALERT_DEADLINE, delivery_done, dl);
	return;
fail:
	log_warnx("plugin %s: reading the outbox failed: %s", ps->name,
	    err ? err : "unknown error");
	free(err);
	plugin_hold(ps, now, wake);
}

/* on_item: the articles first stored since the last pass. */
static void
alert_items(struct alerter *a, int64_t now)
{
	struct store_entry	*e = NULL;
	size_t			 n = 0, i;
	int64_t			 top = a->last_item;
	char			*err = NULL;

	if (!plugin_set_wants_items(a->set)) {
		a->items_since = now;
		return;
	}
	if (store_items_new(a->st, a->items_since, a->last_item, &e, &n,
	    &err) == -1) {
		log_warnx("reading new articles for the plugins failed: %s",
		    err ? err : "unknown error");
		free(err);
		return;
	}
	for (i = 0; i < n; i++) {
		struct herald_item	 it;

		memset(&it, 0, sizeof(it));
		it.id = e[i].id;
		it.feed = e[i].feed_name;
		it.title = e[i].title;
		it.link = e[i].link;
		it.summary = e[i].summary;
		it.published = e[i].has_published ? e[i].published : 0;
		it.first_seen = e[i].first_seen;
		plugin_set_item(a->set, &it);
		if (e[i].id > top)
			top = e[i].id;
	}
	store_entries_free(e, n);
	a->last_item = top;
	/* a commit in this second may still come: look at it again */
	a->items_since = now - 1;
}

/* The same for digests: their rows for a plugin no longer configured. */
static void
alert_digest_orphans(struct alerter *a, int64_t now)
{
	const char	**names;
	size_t		 n = plugin_set_count(a->set), i, nexp = 0;
	char		*err = NULL;

	names = xcalloc(n + 1, sizeof(*names));
	for (i = 0; i < n; i++)
		names[i] = plugin_name(plugin_set_at(a->set, i));
	if (store_digests_orphans(a->st, names, n, now - ALERT_ORPHAN_AGE,
	    &nexp, &err) == -1) {
		log_warnx("expiring digests failed: %s", err ? err : "?");
		free(err);
	} else if (nexp > 0)
		log_warnx("%zu digest deliver%s to plugins no longer "
		    "configured given up", nexp, nexp > 1 ? "ies" : "y");
	free(names);
}

/*
 * Rows of a plugin no longer configured stay pending (it may come back
 * with the next reload) until ALERT_ORPHAN_AGE after they were queued.
 * While some wait, the sweep comes back every ALERT_EXPIRE_EVERY by the
 * timer: a quiet daemon, with no new article to kick a pass, never gave
 * them up (review7 D11).
 */
static void
alert_orphans(struct alerter *a, int64_t now)
{
	struct store_outbox_count	*c = NULL;
	size_t				 n = 0, i, nexp;
	char				*err = NULL;

	if (a->last_orphans + ALERT_EXPIRE_EVERY > now)
		return;
	a->last_orphans = now;
	a->orphans = 0;
	if (store_outbox_counts(a->st, &c, &n, &err) == -1) {
		log_warnx("reading the outbox failed: %s", err ? err : "?");
		free(err);
		return;
	}
	for (i = 0; i < n; i++) {
		if (c[i].pending == 0 || plugin_set_find(a->set, c[i].plugin))
			continue;
		a->orphans = 1;
		nexp = 0;
		if (store_alerts_expire(a->st, c[i].plugin, now -
		    ALERT_ORPHAN_AGE, &nexp, &err) == -1) {
			log_warnx("plugin %s: expiring alerts failed: %s",
			    c[i].plugin, err ? err : "?");
			free(err);
			err = NULL;
		} else if (nexp > 0)
			log_warnx("plugin %s is not configured: %zu alert%s "
			    "given up", c[i].plugin, nexp, nexp > 1 ? "s" : "");
	}
	store_outbox_counts_free(c, n);
	alert_digest_orphans(a, now);
}

static void
alert_pass(struct alerter *a)
{
	double	 tnow = ev_time();
	double	 wake = HUGE_VAL;
	size_t	 i;

	a->kicked = 0;
	alert_items(a, (int64_t)tnow);
	alert_orphans(a, (int64_t)tnow);
	for (i = 0; i < plugin_set_count(a->set); i++)
		alert_plugin(a, plugin_set_at(a->set, i), tnow, &wake);
	if (a->orphans && (double)(a->last_orphans + ALERT_EXPIRE_EVERY) < wake)
		wake = (double)(a->last_orphans + ALERT_EXPIRE_EVERY);
	if (wake != HUGE_VAL)
		alert_arm(a, wake - ev_time());
	if (a->inflight == 0 && !a->kicked)
		hooks_run(&a->idle);
}

static void
alert_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	alert_pass(w->data);
}

/* Arms the one timer `delay` seconds from now unless it fires sooner. */
static void
alert_arm(struct alerter *a, double delay)
{
	double	 left;

	if (delay < 0)
		delay = 0;
	if (ev_is_active(&a->timer)) {
		left = ev_timer_remaining(a->loop, &a->timer);
		if (left <= delay)
			return;
		ev_timer_stop(a->loop, &a->timer);
	}
	ev_timer_set(&a->timer, delay, 0.);
	ev_timer_start(a->loop, &a->timer);
}

void
alert_kick(struct alerter *a)
{
	if (a == NULL)
		return;
	a->kicked = 1;
	alert_arm(a, 0.);
}

struct alerter *
alert_new(struct ev_loop *loop, struct store *st, struct plugin_set *set)
{
	struct alerter	*a = xcalloc(1, sizeof(*a));

	a->loop = loop;
	a->st = st;
	a->set = set;
	TAILQ_INIT(&a->pstates);
	a->items_since = (int64_t)time(NULL);
	ev_timer_init(&a->timer, alert_timer_cb, 0., 0.);
	a->timer.data = a;
	alert_orphans_say(a, 1);
	alert_kick(a);		/* deliver what a previous run left pending */
	return a;
}

/*
 * A start or a reload: says which plugins no longer configured have alerts
 * waiting for them, how many and until when, which the status counts as
 * pending until then; the next pass sweeps them at once.  A reload always
 * says it; a start once a day (ALERT_ORPHANS_SAY_EVERY), since every
 * heraldd --once under cron is a start, and each said it again.
 */
static void
alert_orphans_say(struct alerter *a, int start)
{
	struct store_outbox_count	*c = NULL;
	size_t				 n = 0, i;
	int64_t				 now = (int64_t)time(NULL), last;
	char				*err = NULL;

	a->last_orphans = 0;
	if (store_outbox_counts(a->st, &c, &n, &err) == -1) {
		log_warnx("reading the outbox failed: %s", err ? err : "?");
		free(err);
		return;
	}
	for (i = 0; i < n; i++) {
		long long	 k = (long long)c[i].pending;

		if (k == 0 || plugin_set_find(a->set, c[i].plugin))
			continue;
		/* a start: each plugin once a day */
		if (start) {
			if (store_orphans_said(a->st, c[i].plugin, &last,
			    &err) == -1) {
				log_warnx("%s", err);
				free(err);
				err = NULL;
				last = 0;
			}
			if (last <= now && now < last +
			    ALERT_ORPHANS_SAY_EVERY)
				continue;
		}
		log_warnx("plugin %s is not in the configuration: its %lld "
		    "pending alert%s wait%s for it (counted as pending) until "
		    "a day after %s queued, then %s given up; configured "
		    "again before that, it sends %s", c[i].plugin, k,
		    k == 1 ? "" : "s", k == 1 ? "s" : "",
		    k == 1 ? "it was" : "each was", k == 1 ? "it is" :
		    "they are", k == 1 ? "it" : "them");
		if (start && store_orphans_said_set(a->st, c[i].plugin, now,
		    &err) == -1) {
			log_warnx("%s", err);
			free(err);
			err = NULL;
		}
	}
	store_outbox_counts_free(c, n);
}

void
alert_set_plugins(struct alerter *a, struct plugin_set *set)
{
	a->set = set;
	alert_orphans_say(a, 0);
	alert_kick(a);
}

void
alert_flush(struct alerter *a)
{
	a->flush = 1;
	alert_kick(a);
}

size_t
alert_busy(struct alerter *a)
{
	return a->inflight + (a->kicked ? 1 : 0);
}

void
alert_add_idle_cb(struct alerter *a, void (*cb)(void *), void *arg)
{
	hooks_add(&a->idle, cb, arg);
}

void
alert_free(struct alerter *a)
{
	struct pstate	*ps;

	if (a == NULL)
		return;
	ev_timer_stop(a->loop, &a->timer);
	while ((ps = TAILQ_FIRST(&a->pstates)) != NULL) {
		TAILQ_REMOVE(&a->pstates, ps, entry);
		/* the plugins are freed next, without reporting: the row
		   stays due and is sent again by the next run */
		if (ps->inflight != NULL)
			delivery_free(ps->inflight);
		ratelimit_clear(&ps->rate);
		free(ps->name);
		free(ps);
	}
	hooks_clear(&a->idle);
	free(a);
}
