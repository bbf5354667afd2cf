/*
 * ingest.c: one fetched document on its way to the store.  The parser runs
 * as bytes arrive; each completed entry becomes a compact store_item (HTML
 * turned into text, dates checked) kept until the transfer ends, so that
 * the store sees one short transaction per fetch and never a partial one.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "parse.h"
#include "text.h"
#include "util.h"

#define INGEST_TITLE_MAX	2048
#define INGEST_SUMMARY_MAX	(16 * 1024)
#define INGEST_CONTENT_MAX	(64 * 1024)
#define INGEST_FIELD_MAX	(256 * 1024)	/* raw text before conversion */
#define INGEST_OLDEST		631152000	/* 1990-01-01: older is no date */
#define INGEST_FUTURE_SLACK	86400

struct ingest_item {
	char	*guid;
	char	*link;
	char	*title;
	char	*summary;
	char	*content;
	char	*author;
	char	*categories;
	char	*enclosure_url;
	char	*lang;
	int64_t	 published;
	int	 has_published;
	int64_t	 updated;
	int	 has_updated;
};

struct ingest {
	char			*url;
	struct parser		*parser;
	size_t			 max_items;
	int64_t			 now;
	struct ingest_item	*items;
	size_t			 nitems;
	size_t			 capitems;
	int			 finished;
	int			 rc;
	char			*error;
	const char		*error_class;
	char			*malformed;
};

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static char *
dup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

/* The text of a feedparser text construct, as plain text. */
static char *
entry_text(json_t *e, const char *key, size_t max)
{
	const char	*v = jstr(e, key), *type;
	char		*dk, *t;
	json_t		*detail;

	if (v == NULL || *v == '\0')
		return NULL;
	dk = xasprintf("%s_detail", key);
	detail = json_object_get(e, dk);
	free(dk);
	type = jstr(detail, "type");
	if (type == NULL || strcmp(type, "text/plain") != 0)
		t = html_to_text(v, strlen(v), max);
	else {
		t = xstrndup(v, strlen(v) > max ? max : strlen(v));
		/* never cut a character in two */
		if (strlen(v) > max) {
			size_t n = strlen(t);

			while (n > 0 && ((unsigned char)t[n - 1] & 0xc0) == 0x80)
				n--;
			if (n > 0 && (unsigned char)t[n - 1] >= 0xc0)
				n--;
			t[n] = '\0';
		}
	}
	if (*t == '\0') {
		free(t);
		return NULL;
	}
	return t;
}

static int
entry_date(json_t *e, const char *key, int64_t now, int64_t *out)
{
	json_t	*v = json_object_get(e, key);
	int64_t	 t;

	if (!json_is_integer(v))
		return 0;
	t = json_integer_value(v);
	if (t < INGEST_OLDEST)
		return 0;
	if (t > now + INGEST_FUTURE_SLACK)
		t = now;	/* a date in the future is the fetch time */
	*out = t;
	return 1;
}

static void
ingest_entry(void *arg, json_t *e)
{
	struct ingest		*in = arg;
	struct ingest_item	*it;
	json_t			*v, *c;
	size_t			 i;
	struct buf		 cats;

	/* an empty <item/> (feeds have them) is no article */
	if (jstr(e, "id") == NULL && jstr(e, "link") == NULL &&
	    jstr(e, "title") == NULL && jstr(e, "summary") == NULL)
		return;
	if (in->nitems == in->capitems) {
		in->capitems = in->capitems ? in->capitems * 2 : 32;
		in->items = xrealloc(in->items, in->capitems * sizeof(*in->items));
	}
	it = &in->items[in->nitems++];
	memset(it, 0, sizeof(*it));
	it->guid = dup_or_null(jstr(e, "id"));
	it->link = dup_or_null(jstr(e, "link"));
	it->title = entry_text(e, "title", INGEST_TITLE_MAX);
	it->summary = entry_text(e, "summary", INGEST_SUMMARY_MAX);
	c = json_array_get(json_object_get(e, "content"), 0);
	if (c != NULL && jstr(c, "value") != NULL) {
		const char	*val = jstr(c, "value"), *type = jstr(c, "type");

		it->content = type != NULL && strcmp(type, "text/plain") == 0 ?
		    xstrdup(val) : html_to_text(val, strlen(val), INGEST_CONTENT_MAX);
		if (it->summary != NULL && strcmp(it->content, it->summary) == 0) {
			free(it->content);
			it->content = NULL;
		}
	}
	it->author = dup_or_null(jstr(e, "author"));
	buf_init(&cats, 4096);
	json_array_foreach(json_object_get(e, "tags"), i, v) {
		const char *t = jstr(v, "term");

		if (t == NULL || *t == '\0')
			continue;
		if (cats.len > 0)
			buf_putc(&cats, '\n');
		buf_puts(&cats, t);
	}
	it->categories = cats.len > 0 ? buf_steal(&cats) : NULL;
	buf_free(&cats);
	json_array_foreach(json_object_get(e, "links"), i, v) {
		const char *rel = jstr(v, "rel"), *href = jstr(v, "href");

		if (rel != NULL && strcmp(rel, "enclosure") == 0 && href != NULL) {
			it->enclosure_url = xstrdup(href);
			break;
		}
	}
	if (it->enclosure_url == NULL) {
		v = json_array_get(json_object_get(e, "media_content"), 0);
		it->enclosure_url = dup_or_null(jstr(v, "url"));
	}
	v = json_object_get(e, "title_detail");
	if (jstr(v, "language") == NULL)
		v = json_object_get(e, "summary_detail");
	it->lang = dup_or_null(jstr(v, "language"));
	it->has_published = entry_date(e, "published_parsed", in->now,
	    &it->published);
	it->has_updated = entry_date(e, "updated_parsed", in->now, &it->updated);
	if (!it->has_published && it->has_updated) {
		it->published = it->updated;
		it->has_published = 1;
	}
}

struct ingest *
ingest_new(const char *url, size_t max_items, int64_t now)
{
	struct ingest	*in = xcalloc(1, sizeof(*in));

	in->url = xstrdup(url);
	in->max_items = max_items;
	in->now = now;
	return in;
}

int
ingest_data(struct ingest *in, const char *ctype, const char *data, size_t len)
{
	if (in->parser == NULL) {
		struct parse_opts o = {
			.url = in->url,
			.content_type = ctype,
			.max_items = in->max_items,
			.max_field = INGEST_FIELD_MAX,
		};

		in->parser = parse_new(&o, ingest_entry, in);
	}
	return parse_push(in->parser, data, len);
}

int
ingest_finish(struct ingest *in)
{
	const char	*err;

	if (in->finished)
		return in->rc;
	in->finished = 1;
	if (in->parser == NULL)
		in->parser = parse_new(&(struct parse_opts){ .url = in->url },
		    ingest_entry, in);
	in->rc = parse_finish(in->parser);
	if (in->rc == -1) {
		err = parse_error(in->parser);
		in->error = xstrdup(err ? err : "rejected");
		in->error_class = strncmp(in->error, "not a feed", 10) == 0 ?
		    "notfeed" : "parse";
	}
	return in->rc;
}

const char *
ingest_error(struct ingest *in)
{
	if (in->error == NULL && in->parser != NULL && parse_error(in->parser))
		return parse_error(in->parser);
	return in->error;
}

const char *
ingest_malformed(struct ingest *in)
{
	json_t		*res;
	const char	*m;

	if (in->malformed != NULL)
		return in->malformed;
	if (in->parser == NULL || in->rc == -1)
		return NULL;
	res = parse_result(in->parser);
	if ((m = jstr(res, "xml_error")) == NULL)
		return NULL;
	in->malformed = xasprintf("parse error line %lld: %s",
	    (long long)json_integer_value(json_object_get(res, "bozo_line")), m);
	return in->malformed;
}

const char *
ingest_error_class(struct ingest *in)
{
	return in->error_class ? in->error_class : "parse";
}

static json_t *
ingest_feed(struct ingest *in)
{
	return in->parser ? json_object_get(parse_result(in->parser), "feed") :
	    NULL;
}

const char *
ingest_title(struct ingest *in)
{
	return jstr(ingest_feed(in), "title");
}

const char *
ingest_site_link(struct ingest *in)
{
	return jstr(ingest_feed(in), "link");
}

long
ingest_ttl(struct ingest *in)
{
	json_t		*f = ingest_feed(in);
	const char	*ttl = jstr(f, "ttl"), *period, *freq;
	long		 best = -1, n;

	/* RSS <ttl> is in minutes */
	if (ttl != NULL && (n = strtol(ttl, NULL, 10)) > 0)
		best = n * 60;
	/* sy:updatePeriod / sy:updateFrequency */
	period = jstr(f, "sy_updateperiod");
	freq = jstr(f, "sy_updatefrequency");
	if (period != NULL) {
		long	 base = 0, k = freq ? strtol(freq, NULL, 10) : 1;

		if (k <= 0)
			k = 1;
		if (strcasecmp(period, "hourly") == 0)
			base = 3600;
		else if (strcasecmp(period, "daily") == 0)
			base = 86400;
		else if (strcasecmp(period, "weekly") == 0)
			base = 7 * 86400;
		else if (strcasecmp(period, "monthly") == 0)
			base = 30 * 86400;
		else if (strcasecmp(period, "yearly") == 0)
			base = 365 * 86400;
		if (base > 0 && base / k > best)
			best = base / k;
	}
	return best;
}

uint32_t
ingest_skip_hours(struct ingest *in)
{
	/* feedparser keeps <skipHours><hour>..</hour></skipHours> as text */
	const char	*s = jstr(ingest_feed(in), "skiphours");
	uint32_t	 mask = 0;

	while (s != NULL && *s != '\0') {
		if (isdigit((unsigned char)*s)) {
			long h = strtol(s, (char **)&s, 10);

			if (h >= 0 && h < 24)
				mask |= 1u << h;
			else if (h == 24)
				mask |= 1u;
		} else
			s++;
	}
	return mask == 0xffffff ? 0 : mask;	/* never skip every hour */
}

uint32_t
ingest_skip_days(struct ingest *in)
{
	static const char *const days[] = { "sunday", "monday", "tuesday",
	    "wednesday", "thursday", "friday", "saturday" };
	const char	*s = jstr(ingest_feed(in), "skipdays");
	uint32_t	 mask = 0;
	size_t		 i;

	if (s == NULL)
		return 0;
	for (i = 0; i < 7; i++)
		if (strcasestr(s, days[i]) != NULL)
			mask |= 1u << i;
	return mask == 0x7f ? 0 : mask;
}

int
ingest_store(struct ingest *in, struct store *st, int64_t feed_id,
    struct store_topics *topics, struct ingest_stats *stats, char **errstr)
{
	int64_t	*ids, id;
	size_t	 i, nids = 0;
	int	 ret = -1;

	memset(stats, 0, sizeof(*stats));
	stats->items = (int)in->nitems;
	stats->truncated = in->parser ? parse_truncated(in->parser) : 0;
	ids = xcalloc(in->nitems + 1, sizeof(*ids));
	for (i = 0; i < in->nitems; i++) {
		struct ingest_item		*it = &in->items[i];
		struct store_item		 si = {
			.guid = it->guid, .link = it->link, .title = it->title,
			.summary = it->summary, .content = it->content,
			.author = it->author, .categories = it->categories,
			.enclosure_url = it->enclosure_url, .lang = it->lang,
			.published = it->published,
			.has_published = it->has_published,
			.updated = it->updated, .has_updated = it->has_updated,
		};
		enum store_upsert_result	 res;

		if (store_item_upsert(st, feed_id, &si, &res, &id, errstr) == -1)
			goto done;
		if (res == STORE_NEW)
			stats->n_new++;
		else if (res == STORE_UPDATED)
			stats->n_updated++;
		if (res != STORE_UNCHANGED)
			ids[nids++] = id;
	}
	/* topic matches in the same transaction as the items */
	if (topics != NULL && nids > 0 && store_topics_match(st, topics,
	    feed_id, ids, nids, &stats->n_matches, errstr) == -1)
		goto done;
	ret = 0;
done:
	free(ids);
	return ret;
}

void
ingest_free(struct ingest *in)
{
	size_t	 i;

	if (in == NULL)
		return;
	for (i = 0; i < in->nitems; i++) {
		struct ingest_item *it = &in->items[i];

		free(it->guid);
		free(it->link);
		free(it->title);
		free(it->summary);
		free(it->content);
		free(it->author);
		free(it->categories);
		free(it->enclosure_url);
		free(it->lang);
	}
	free(in->items);
	parse_free(in->parser);
	free(in->url);
	free(in->error);
	free(in->malformed);
	free(in);
}
