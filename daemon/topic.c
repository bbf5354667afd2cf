/*
 * topic.c: checks the [topic] rules of a configuration and turns them into
 * the store's compiled topics.  The query language and its engine are the
 * store's (FTS5); this file knows the configuration's side: where a rule
 * was written and who subscribes to it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "topic.h"
#include "util.h"

static void
check_one(struct store_qcheck *q, const struct config_topic *t,
    const char *key, const char *query, int line, struct buf *errs)
{
	char	*err = NULL;

	if (store_qcheck(q, query, &err) == 0)
		return;
	buf_printf(errs, "%s:%d: %s: %s (topic %s)\n", t->file,
	    line > 0 ? line : t->line, key, err, t->name);
	free(err);
}

int
topic_check_config(const struct config *c, char **errstr)
{
	struct store_qcheck	*q;
	struct buf		 errs;
	size_t			 i;

	if (c->ntopics == 0)
		return 0;
	if ((q = store_qcheck_new(errstr)) == NULL)
		return -1;
	buf_init(&errs, 0);
	for (i = 0; i < c->ntopics; i++) {
		const struct config_topic	*t = &c->topics[i];

		/* no match: a configuration error said already */
		if (t->match != NULL)
			check_one(q, t, "match", t->match, t->match_line,
			    &errs);
		if (t->exclude != NULL)
			check_one(q, t, "exclude", t->exclude,
			    t->exclude_line, &errs);
	}
	store_qcheck_free(q);
	if (errs.len == 0) {
		buf_free(&errs);
		return 0;
	}
	*errstr = buf_steal(&errs);
	buf_free(&errs);
	return -1;
}

int
topic_plugin_wants(const struct config_plugin *p, const char *name)
{
	size_t	 i;

	if (!p->alerts)
		return 0;
	if (p->all_topics)
		return 1;
	for (i = 0; i < p->ntopics; i++)
		if (strcmp(p->topics[i], name) == 0)
			return 1;
	return 0;
}

struct store_topics *
topic_compile(struct store *st, const struct config *c,
    int64_t (*feed_id)(void *, const char *), void *arg, char **errstr)
{
	struct store_topic	*v;
	struct store_topics	*ts;
	int64_t			**feeds;
	const char		***plugins;
	size_t			 i, j, n;

	if (c->ntopics == 0)
		return NULL;
	v = xcalloc(c->ntopics, sizeof(*v));
	feeds = xcalloc(c->ntopics, sizeof(*feeds));
	plugins = xcalloc(c->ntopics, sizeof(*plugins));
	for (i = 0; i < c->ntopics; i++) {
		const struct config_topic	*t = &c->topics[i];

		v[i].name = t->name;
		v[i].match = t->match;
		v[i].exclude = t->exclude;
		v[i].breaking_outlets = t->breaking_outlets;
		v[i].breaking_within = t->breaking_within;
		feeds[i] = xcalloc(t->nfeeds + 1, sizeof(**feeds));
		for (n = 0, j = 0; j < t->nfeeds; j++) {
			int64_t	 id = feed_id(arg, t->feeds[j]);

			if (id != 0)
				feeds[i][n++] = id;
		}
		/* restricted to feeds that all went away: never matches */
		if (n == 0 && t->nfeeds > 0)
			feeds[i][n++] = -1;
		v[i].feeds = feeds[i];
		v[i].nfeeds = n;
		plugins[i] = xcalloc(c->nplugins + 1, sizeof(**plugins));
		for (n = 0, j = 0; j < c->nplugins; j++)
			if (topic_plugin_wants(&c->plugins[j], t->name))
				plugins[i][n++] = c->plugins[j].name;
		v[i].plugins = plugins[i];
		v[i].nplugins = n;
	}
	ts = store_topics_new(st, v, c->ntopics, errstr);
	for (i = 0; i < c->ntopics; i++) {
		free(feeds[i]);
		free(plugins[i]);
	}
	free(feeds);
	free(plugins);
	free(v);
	return ts;
}
