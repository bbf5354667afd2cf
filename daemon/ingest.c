/*
 * ingest.c: one fetched document on its way to the store.  The parser runs
 * as bytes arrive; each completed entry becomes a compact store_item (HTML
 * turned into text, dates checked) kept until the transfer ends, so that
 * the store sees one short transaction per fetch and never a partial one.
 */
#include "config.h"

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

/*
 * The articles of one fetch, as the store takes them.  Each item's strings
 * live in one heap block of its own (mem), which the store_item points into.
 */
struct ingest {
	char			*url;
	struct parser		*parser;
	size_t			 max_items;
	int64_t			 now;
	struct store_item	*items;
	char			**mem;
	size_t			 nitems;
	size_t			 capitems;
	int			 finished;
	int			 rc;
	char			*error;
	char			*malformed;
};

/*
 * A text construct as plain text, at most `max` bytes (cut on a character
 * boundary), appended to b with its NUL; returns its offset, or -1 when
 * there is no text.
 */
static long
text_put(struct buf *b, const struct parse_text *t, size_t max)
{
	const char	*v = t->value;
	size_t		 len, off = b->len;
	char		*h;

	if (v == NULL || *v == '\0')
		return -1;
	len = strlen(v);
	if (t->type != NULL && strcmp(t->type, "text/plain") == 0) {
		if (len > max) {
			len = max;
			/* never cut a character in two */
			while (len > 0 && ((unsigned char)v[len] & 0xc0) == 0x80)
				len--;
		}
		if (len == 0)
			return -1;
		buf_append(b, v, len);
	} else {
		h = html_to_text(v, len, max);
		if (*h == '\0') {
			free(h);
			return -1;
		}
		buf_puts(b, h);
		free(h);
	}
	buf_append(b, "", 1);
	return (long)off;
}

/* A string appended to b with its NUL; its offset, or -1 when empty. */
static long
str_put(struct buf *b, const char *s)
{
	size_t	 off = b->len;

	if (s == NULL || *s == '\0')
		return -1;
	buf_append(b, s, strlen(s) + 1);
	return (long)off;
}

/* A date the store can sort by: none before 1990, none in the future. */
static int
entry_date(const struct parse_date *d, int64_t now, int64_t *out)
{
	if (d == NULL || !d->valid || d->epoch < INGEST_OLDEST)
		return 0;
	/* a date in the future is the fetch time */
	*out = d->epoch > now + INGEST_FUTURE_SLACK ? now : d->epoch;
	return 1;
}

enum { F_GUID, F_LINK, F_TITLE, F_SUMMARY, F_CONTENT, F_AUTHOR, F_CATS,
	F_ENCL, F_LANG, F_N };

static void
ingest_entry(void *arg, const struct parse_entry *e)
{
	struct ingest		*in = arg;
	struct store_item	*it;
	const struct parse_text	*c = e->ncontent > 0 ? &e->content[0] : NULL;
	const char		*encl = NULL, *lang;
	struct buf		 b;
	long			 off[F_N];
	size_t			 i, cats;

	/* an empty <item/> (feeds have them) is no article */
	if (e->id == NULL && e->link == NULL && e->title.value == NULL &&
	    e->summary.value == NULL)
		return;
	buf_init(&b, 0);
	off[F_GUID] = str_put(&b, e->id);
	off[F_LINK] = str_put(&b, e->link);
	off[F_TITLE] = text_put(&b, &e->title, INGEST_TITLE_MAX);
	off[F_SUMMARY] = text_put(&b, &e->summary, INGEST_SUMMARY_MAX);
	off[F_CONTENT] = -1;
	if (c != NULL) {
		off[F_CONTENT] = text_put(&b, c, INGEST_CONTENT_MAX);
		if (off[F_CONTENT] >= 0 && off[F_SUMMARY] >= 0 &&
		    strcmp(b.data + off[F_CONTENT], b.data + off[F_SUMMARY]) == 0)
			off[F_CONTENT] = -1;
	}
	off[F_AUTHOR] = str_put(&b, e->author);
	off[F_CATS] = (long)b.len;
	for (i = cats = 0; i < e->ntags; i++) {
		const char *t = e->tags[i].term;

		if (t == NULL || *t == '\0')
			continue;
		if (cats++ > 0)
			buf_putc(&b, '\n');
		buf_puts(&b, t);
	}
	if (cats > 0)
		buf_append(&b, "", 1);
	else
		off[F_CATS] = -1;
	if (e->nenclosures > 0)
		encl = e->enclosures[0].url;
	else if (e->nmedia > 0)
		encl = e->media[0].url;
	off[F_ENCL] = str_put(&b, encl);
	lang = e->title.language != NULL ? e->title.language :
	    e->summary.language;
	off[F_LANG] = str_put(&b, lang);

	if (in->nitems == in->capitems) {
		in->capitems = in->capitems ? in->capitems * 2 : 32;
		in->items = xrealloc(in->items, in->capitems * sizeof(*in->items));
		in->mem = xrealloc(in->mem, in->capitems * sizeof(*in->mem));
	}
	it = &in->items[in->nitems];
	memset(it, 0, sizeof(*it));
	in->mem[in->nitems++] = b.data;	/* the strings' one block */
#define AT(f) (off[f] >= 0 ? b.data + off[f] : NULL)
	it->guid = AT(F_GUID);
	it->link = AT(F_LINK);
	it->title = AT(F_TITLE);
	it->summary = AT(F_SUMMARY);
	it->content = AT(F_CONTENT);
	it->author = AT(F_AUTHOR);
	it->categories = AT(F_CATS);
	it->enclosure_url = AT(F_ENCL);
	it->lang = AT(F_LANG);
#undef AT
	it->has_published = entry_date(parse_entry_date(e), in->now,
	    &it->published);
	it->has_updated = entry_date(&e->updated, in->now, &it->updated);
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
	const struct parse_feed	*f;

	if (in->malformed != NULL)
		return in->malformed;
	if (in->parser == NULL || in->rc == -1 || !in->finished)
		return NULL;
	f = parse_feed(in->parser);
	if (f->xml_error == NULL)
		return NULL;
	in->malformed = xasprintf("parse error line %ld: %s",
	    f->xml_error_line, f->xml_error);
	return in->malformed;
}

const char *
ingest_error_class(struct ingest *in)
{
	if (in->finished && in->parser != NULL &&
	    parse_feed(in->parser)->failure == PARSE_NOT_FEED)
		return "notfeed";
	return "parse";
}

/* The feed's own elements, once the document is read. */
static const struct parse_feed *
ingest_feed(struct ingest *in)
{
	return in->parser != NULL && in->finished ? parse_feed(in->parser) :
	    NULL;
}

const char *
ingest_title(struct ingest *in)
{
	const struct parse_feed	*f = ingest_feed(in);

	return f != NULL ? f->title.value : NULL;
}

const char *
ingest_site_link(struct ingest *in)
{
	const struct parse_feed	*f = ingest_feed(in);

	return f != NULL ? f->link : NULL;
}

long
ingest_ttl(struct ingest *in)
{
	const struct parse_feed	*f = ingest_feed(in);
	long			 best = -1;

	if (f == NULL)
		return -1;
	if (f->ttl > 0)
		best = f->ttl * 60;	/* RSS <ttl> is in minutes */
	if (f->update_period > best)
		best = f->update_period;
	return best;
}

uint32_t
ingest_skip_hours(struct ingest *in)
{
	const struct parse_feed	*f = ingest_feed(in);

	/* never skip every hour */
	return f == NULL || f->skip_hours == 0xffffff ? 0 : f->skip_hours;
}

uint32_t
ingest_skip_days(struct ingest *in)
{
	const struct parse_feed	*f = ingest_feed(in);

	return f == NULL || f->skip_days == 0x7f ? 0 : f->skip_days;
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
		enum store_upsert_result	 res;

		if (store_item_upsert(st, feed_id, &in->items[i], &res, &id,
		    errstr) == -1)
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
	for (i = 0; i < in->nitems; i++)
		free(in->mem[i]);
	free(in->mem);
	free(in->items);
	parse_free(in->parser);
	free(in->url);
	free(in->error);
	free(in->malformed);
	free(in);
}
