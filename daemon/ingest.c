/*
 * ingest.c: one fetched document on its way to the store.  Each completed
 * entry becomes a compact store_item (HTML turned into text, dates checked)
 * kept until the transfer ends, so that the store sees one short
 * transaction per fetch and never a partial one.  What did not change since
 * the last fetch costs little: a body byte for byte the same as the last
 * one is not parsed, and an entry the same as one the feed carries does no
 * text work and writes nothing.
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
 * A body up to this size is held, not parsed, until it is complete, so
 * that one the same as the last is never parsed; a larger one is parsed as
 * it arrives.
 */
#define INGEST_HOLD_MAX		(1024 * 1024)
/* Part of every hash: change it when the same input gives other items. */
#define INGEST_HASH_VERSION	1

/*
 * The articles of one fetch, as the store takes them.  Each item's strings
 * live in one heap block of its own (mem), which the store_item points into.
 */
struct ingest {
	char			*url;
	char			*ctype;
	struct parser		*parser;
	size_t			 max_items;
	int64_t			 now;
	struct store		*st;
	int64_t			 feed_id;
	struct buf		 hold;		/* the body, until parsed */
	int			 holding;
	uint64_t		 prev_body;
	uint64_t		 body_hash;	/* 0: not known */
	int			 unchanged;
	struct store_seen	*seen;		/* sorted by hash */
	size_t			 nseen;
	int64_t			*kept;		/* items seen unchanged */
	size_t			 nkept;
	size_t			 capkept;
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
 * there is no text.  Plain text that still holds character references
 * and no markup was escaped twice by its publisher ("Iraq&#039;s" in a
 * title): its references are read, once, as a reader shows them.
 */
static long
text_put(struct buf *b, const struct parse_text *t, size_t max)
{
	const char	*v = t->value;
	size_t		 len, off = b->len;
	char		*h = NULL;

	if (v == NULL || *v == '\0')
		return -1;
	len = strlen(v);
	if (t->type != NULL && strcmp(t->type, "text/plain") == 0) {
		if (memchr(v, '<', len) == NULL && text_has_char_ref(v, len)) {
			v = h = text_decode_char_refs(v, len);
			len = strlen(v);
		}
		if (len > max) {
			len = max;
			/* never cut a character in two */
			while (len > 0 && ((unsigned char)v[len] & 0xc0) == 0x80)
				len--;
		}
		if (len == 0) {
			free(h);
			return -1;
		}
		buf_append(b, v, len);
	} else {
		h = html_to_text(v, len, max);
		if (*h == '\0') {
			free(h);
			return -1;
		}
		buf_puts(b, h);
	}
	free(h);
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

static uint64_t
hash_str(uint64_t h, const char *s)
{
	static const char	 none = '\0';

	/* NULL and "" differ: "" is a marker and zero bytes */
	return s == NULL ? hash64(h, &none, 1) : hash64(h ^ 1, s, strlen(s));
}

static uint64_t
hash_text(uint64_t h, const struct parse_text *t)
{
	h = hash_str(h, t->value);
	h = hash_str(h, t->type);
	return hash_str(h, t->language);
}

static uint64_t
hash_date(uint64_t h, const struct parse_date *d)
{
	int64_t	 v[2] = { d != NULL && d->valid, d != NULL ? d->epoch : 0 };

	return hash64(h, v, sizeof(v));
}

/*
 * The hash of all that ingest_entry() reads of an entry, taken before any
 * text work: an entry with the same hash as one the feed carries gives the
 * same item.
 */
static int64_t
entry_hash(const struct parse_entry *e)
{
	uint64_t	 h = INGEST_HASH_VERSION;
	size_t		 i;

	h = hash_str(h, e->id);
	h = hash_str(h, e->link);
	h = hash_text(h, &e->title);
	h = hash_text(h, &e->summary);
	if (e->ncontent > 0)
		h = hash_text(h, &e->content[0]);
	else
		h = hash_str(h, NULL);
	h = hash_str(h, e->author);
	for (i = 0; i < e->ntags; i++)
		h = hash_str(h, e->tags[i].term);
	h = hash_str(h, e->nenclosures > 0 ? e->enclosures[0].url :
	    e->nmedia > 0 ? e->media[0].url : NULL);
	h = hash_date(h, parse_entry_date(e));
	h = hash_date(h, &e->updated);
	return (int64_t)h;
}

static int
seen_cmp(const void *a, const void *b)
{
	const struct store_seen	*x = a, *y = b;

	return x->raw_hash < y->raw_hash ? -1 : x->raw_hash > y->raw_hash;
}

/* The item the feed carries unchanged as this entry, or 0. */
static int64_t
seen_find(struct ingest *in, int64_t h)
{
	struct store_seen	 key = { .raw_hash = h }, *hit;

	if (in->nseen == 0)
		return 0;
	hit = bsearch(&key, in->seen, in->nseen, sizeof(*in->seen), seen_cmp);
	return hit != NULL ? hit->item_id : 0;
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
	int64_t			 h, id;

	/* an empty <item/> (feeds have them) is no article */
	if (e->id == NULL && e->link == NULL && e->title.value == NULL &&
	    e->summary.value == NULL)
		return;
	h = entry_hash(e);
	if ((id = seen_find(in, h)) != 0) {
		if (in->nkept == in->capkept) {
			in->capkept = in->capkept ? in->capkept * 2 : 32;
			in->kept = xrealloc(in->kept,
			    in->capkept * sizeof(*in->kept));
		}
		in->kept[in->nkept++] = id;
		return;
	}
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
	it->raw_hash = h;
}

struct ingest *
ingest_new(const char *url, size_t max_items, int64_t now,
    const struct ingest_prev *prev)
{
	struct ingest	*in = xcalloc(1, sizeof(*in));

	in->url = xstrdup(url);
	in->max_items = max_items;
	in->now = now;
	if (prev != NULL) {
		in->st = prev->st;
		in->feed_id = prev->feed_id;
		in->prev_body = prev->body_hash;
	}
	buf_init(&in->hold, 0);
	in->holding = 1;
	return in;
}

/*
 * The hash of a whole body, with what else decides what it yields: the
 * URL relative links resolve against and the item cap.
 */
static uint64_t
body_hash(struct ingest *in)
{
	uint64_t	 h = INGEST_HASH_VERSION, cap = in->max_items;

	h = hash_str(h, in->url);
	h = hash64(h, &cap, sizeof(cap));
	h = hash64(h, in->hold.data != NULL ? in->hold.data : "", in->hold.len);
	return h != 0 ? h : 1;	/* 0 means "not known" */
}

/* Starts the parser on what was held; from now on bytes go straight to it. */
static int
ingest_start(struct ingest *in)
{
	struct parse_opts o = {
		.url = in->url,
		.content_type = in->ctype,
		.max_items = in->max_items,
		.max_field = INGEST_FIELD_MAX,
	};
	char	*err = NULL;
	int	 rc = 0;

	in->holding = 0;
	/* what the feed carries now, so that unchanged entries are skipped */
	if (in->st != NULL && store_feed_seen(in->st, in->feed_id, &in->seen,
	    &in->nseen, &err) == -1) {
		log_warnx("%s: %s", in->url, err);
		free(err);
	}
	if (in->nseen > 1)
		qsort(in->seen, in->nseen, sizeof(*in->seen), seen_cmp);
	in->parser = parse_new(&o, ingest_entry, in);
	if (in->hold.len > 0)
		rc = parse_push(in->parser, in->hold.data, in->hold.len);
	buf_free(&in->hold);
	return rc;
}

int
ingest_data(struct ingest *in, const char *ctype, const char *data, size_t len)
{
	if (in->ctype == NULL && ctype != NULL)
		in->ctype = xstrdup(ctype);
	if (in->holding) {
		if (in->hold.len + len <= INGEST_HOLD_MAX) {
			buf_append(&in->hold, data, len);
			return 0;
		}
		if (ingest_start(in) == -1)
			return -1;
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
	if (in->holding) {
		in->body_hash = body_hash(in);
		if (in->prev_body != 0 && in->body_hash == in->prev_body) {
			/* the same bytes as last time: nothing to do */
			in->unchanged = 1;
			in->holding = 0;
			buf_free(&in->hold);
			return in->rc = 0;
		}
		if (ingest_start(in) == -1) {
			in->rc = parse_finish(in->parser);
			goto rejected;
		}
	}
	in->rc = parse_finish(in->parser);
	if (in->rc == -1)
		goto rejected;
	return in->rc;
rejected:
	in->rc = -1;
	in->body_hash = 0;
	err = parse_error(in->parser);
	in->error = xstrdup(err ? err : "rejected");
	return in->rc;
}

int
ingest_unchanged(struct ingest *in)
{
	return in->unchanged;
}

uint64_t
ingest_body_hash(struct ingest *in)
{
	return in->body_hash;
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
	stats->items = (int)(in->nitems + in->nkept);
	stats->n_kept = (int)in->nkept;
	stats->truncated = in->parser ? parse_truncated(in->parser) : 0;
	/*
	 * The entries the feed carries unchanged first: they are those items,
	 * which a changed entry's link must not claim.
	 */
	for (i = 0; i < in->nkept; i++)
		store_item_keep(st, feed_id, in->kept[i]);
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
	free(in->kept);
	free(in->seen);
	buf_free(&in->hold);
	parse_free(in->parser);
	free(in->url);
	free(in->ctype);
	free(in->error);
	free(in->malformed);
	free(in);
}
