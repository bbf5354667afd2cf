/*
 * digest-build.c: a digest (digest.h) assembled from the store: the
 * period's rows grouped by topic into stories, each topic's trend, the
 * feeds' names for readers and the feeds that are failing.  Three short
 * reads, no write: the CLI's preview and the daemon's digest are one
 * function.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "util.h"

/* Feed name -> what readers call it, from store_feeds_list(). */
struct outlets {
	struct store_feed	*v;
	size_t			 n;
};

static int
cmp_feed_name(const void *a, const void *b)
{
	return strcmp(((const struct store_feed *)a)->name,
	    ((const struct store_feed *)b)->name);
}

static const struct store_feed *
feed_find(const struct outlets *o, const char *name)
{
	struct store_feed	 key;

	memset(&key, 0, sizeof(key));
	key.name = (char *)name;
	return bsearch(&key, o->v, o->n, sizeof(*o->v), cmp_feed_name);
}

static const char *
outlet_name(void *arg, const char *feed)
{
	const struct store_feed	*f = feed_find(arg, feed);

	return f != NULL ? store_feed_outlet(f) : NULL;
}

static int
in_list(const char *const *v, size_t n, const char *s)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

static int
cmp_failing(const void *a, const void *b)
{
	const struct digest_failing	*x = a, *y = b;

	/* disabled first, never fetched next, then the oldest success */
	if ((x->disabled != 0) != (y->disabled != 0))
		return x->disabled != 0 ? -1 : 1;
	if (x->last_success != y->last_success)
		return x->last_success < y->last_success ? -1 : 1;
	return strcmp(x->feed, y->feed);
}

static int
cmp_topic(const void *a, const void *b)
{
	const struct digest_topic	*x = a, *y = b;
	unsigned			 tx, ty;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	tx = x->trend[DIGEST_TREND_DAYS - 1];
	ty = y->trend[DIGEST_TREND_DAYS - 1];
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(x->name != NULL ? x->name : "",
	    y->name != NULL ? y->name : "");
}

static void
failing_add(struct digest *d, const struct store_feed *f,
    const struct digest_spec *spec)
{
	struct digest_failing	*df;

	/* a feed herald disabled (410 Gone) is the most failing of all */
	if (!store_feed_failing(f))
		return;
	if (spec->nfeeds > 0 && !in_list(spec->feeds, spec->nfeeds, f->name))
		return;
	d->failing = xrealloc(d->failing, (d->nfailing + 1) *
	    sizeof(*d->failing));
	df = &d->failing[d->nfailing++];
	memset(df, 0, sizeof(*df));
	df->feed = xstrdup(f->name);
	df->outlet = xstrdup(store_feed_outlet(f));
	df->error = f->disabled_reason != NULL ? xstrdup(f->disabled_reason) :
	    f->last_error != NULL ? xstrdup(f->last_error) : NULL;
	df->failures = f->failures;
	df->last_success = f->last_success;
	df->last_attempt = f->last_fetch;
	if (f->disabled_reason != NULL)
		df->disabled = f->last_fetch > 0 ? f->last_fetch : 1;
}

struct digest *
digest_build(struct store *st, const struct digest_spec *spec, int64_t since,
    int64_t until, char **errstr)
{
	struct store_digest_query	 q;
	struct store_digest_row		*rows = NULL;
	struct store_trend		*trends = NULL;
	struct outlets			 o = { NULL, 0 };
	struct digest			*d = xcalloc(1, sizeof(*d));
	char				**names = NULL;
	size_t				 nrows = 0, ntrends = 0, nnames = 0;
	size_t				 i, j;

	d->name = spec->name != NULL ? xstrdup(spec->name) : NULL;
	d->timezone = spec->timezone != NULL ? xstrdup(spec->timezone) : NULL;
	d->since = since;
	d->until = until;
	memset(&q, 0, sizeof(q));
	q.since = since;
	q.until = until;
	q.feeds = spec->feeds;
	q.nfeeds = spec->nfeeds;
	q.topics = spec->topics;
	q.ntopics = spec->ntopics;
	q.unmatched = spec->all_stories;
	q.max = spec->max_stories;
	if (store_digest_rows(st, &q, &rows, &nrows, errstr) == -1 ||
	    store_digest_trends(st, until, spec->feeds, spec->nfeeds,
	    spec->all_stories, &trends, &ntrends, errstr) == -1 ||
	    store_feeds_list(st, &o.v, &o.n, errstr) == -1)
		goto fail;
	qsort(o.v, o.n, sizeof(*o.v), cmp_feed_name);

	/* the topics: those asked for, else those with rows */
	if (spec->all_stories) {
		names = xcalloc(1, sizeof(*names));
		nnames = 1;
	} else if (spec->ntopics > 0) {
		names = xcalloc(spec->ntopics, sizeof(*names));
		for (i = 0; i < spec->ntopics; i++)
			names[nnames++] = xstrdup(spec->topics[i]);
	} else {
		names = xcalloc(nrows + 1, sizeof(*names));
		for (i = 0; i < nrows; i++)
			if (rows[i].topic != NULL && !in_list((const char *const *)
			    names, nnames, rows[i].topic))
				names[nnames++] = xstrdup(rows[i].topic);
	}
	d->topics = xcalloc(nnames + 1, sizeof(*d->topics));
	for (i = 0; i < nnames; i++) {
		struct digest_topic	 t;

		memset(&t, 0, sizeof(t));
		t.name = names[i];
		names[i] = NULL;
		digest_group(&t, rows, nrows, t.name, spec->max_stories,
		    outlet_name, &o);
		/* a topic's matches a day; every story: articles a day */
		for (j = 0; j < ntrends; j++)
			if (t.name == NULL ? trends[j].topic == NULL :
			    trends[j].topic != NULL &&
			    strcmp(trends[j].topic, t.name) == 0)
				memcpy(t.trend, trends[j].days, sizeof(t.trend));
		/* a topic with nothing in the period is left out */
		if (t.total == 0) {
			free(t.name);
			free(t.stories);
			continue;
		}
		d->topics[d->ntopics++] = t;
	}
	qsort(d->topics, d->ntopics, sizeof(*d->topics), cmp_topic);
	/* the store counted the period's stories; else what was read */
	d->total = digest_nstories(d);
	if (nrows > 0 && rows[0].all_total > d->total)
		d->total = rows[0].all_total;
	for (i = 0; i < o.n; i++)
		failing_add(d, &o.v[i], spec);
	if (d->nfailing > 1)
		qsort(d->failing, d->nfailing, sizeof(*d->failing), cmp_failing);
	free(names);
	store_digest_rows_free(rows, nrows);
	store_trends_free(trends, ntrends);
	store_feeds_free(o.v, o.n);
	return d;
fail:
	free(names);
	store_digest_rows_free(rows, nrows);
	store_trends_free(trends, ntrends);
	store_feeds_free(o.v, o.n);
	digest_free(d);
	return NULL;
}
