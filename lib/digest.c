/*
 * digest.c: the digest model (digest.h): grouping a period's articles into
 * ranked stories under each topic, the sources line, the idempotency key,
 * and the JSON that herald(1) documents, both ways.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "date.h"
#include "digest.h"
#include "log.h"
#include "util.h"

#define BREAKING_OUTLETS	3
#define BREAKING_WINDOW		(6 * 3600)

/* ---- grouping ---- */

struct pick {
	const struct store_digest_row	*row;
	int64_t				 key;
};

static int
cmp_pick(const void *a, const void *b)
{
	const struct pick	*x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->row->first_seen != y->row->first_seen)
		return x->row->first_seen < y->row->first_seen ? -1 : 1;
	return x->row->item_id < y->row->item_id ? -1 :
	    x->row->item_id > y->row->item_id;
}

static int
cmp_rank(const void *a, const void *b)
{
	const struct digest_story	*x = a, *y = b;

	if (x->noutlets != y->noutlets)
		return x->noutlets > y->noutlets ? -1 : 1;
	if (x->last_seen != y->last_seen)
		return x->last_seen > y->last_seen ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
dup0(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* "en-GB" and "EN_gb" are "en": the language, not the place. */
static char *
lang_primary(const char *s)
{
	size_t	 n, i;
	char	*l;

	if (s == NULL)
		return NULL;
	s += strspn(s, " \t");
	n = strcspn(s, "-_ \t");
	if (n == 0 || n > 8)
		return NULL;
	l = xstrndup(s, n);
	for (i = 0; i < n; i++)
		l[i] = (char)tolower((unsigned char)l[i]);
	return l;
}

static void
list_add_unique(char ***v, size_t *n, const char *s)
{
	size_t	 i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static const char *
outlet_of(const char *feed, digest_outlet_fn fn, void *arg)
{
	const char	*o = feed != NULL && fn != NULL ? fn(arg, feed) : NULL;

	return o != NULL ? o : feed != NULL ? feed : "?";
}

/* An article on the story clock, and its outlet's place in st->outlets. */
struct at_outlet {
	int64_t		 at;
	size_t		 outlet;
};

static int
cmp_at(const void *a, const void *b)
{
	const struct at_outlet	*x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * The most distinct outlets whose articles were published within `within`
 * seconds of one another, as a topic's `breaking` rule counts them
 * (store-stories.c): each article once, for the outlet that carried it
 * first, at its publication time unless missing or after its arrival; a
 * window slides over them in time order.
 */
static size_t
story_outlets_within(const struct digest_story *st, int64_t within)
{
	struct at_outlet	*v;
	size_t			*count, n = st->nitems, i, j = 0, k;
	size_t			 live = 0, best = 0;

	v = xcalloc(n + 1, sizeof(*v));
	count = xcalloc(st->noutlets + 1, sizeof(*count));
	for (i = 0; i < n; i++) {
		const struct digest_item	*it = &st->items[i];

		v[i].at = it->published > 0 && it->published <= it->first_seen ?
		    it->published : it->first_seen;
		for (k = 0; k < st->noutlets &&
		    strcmp(st->outlets[k], it->outlet) != 0; k++)
			;
		v[i].outlet = k;	/* noutlets: not listed, cannot be */
	}
	qsort(v, n, sizeof(*v), cmp_at);
	for (i = 0; i < n; i++) {
		for (; v[i].at - v[j].at > within; j++)
			if (--count[v[j].outlet] == 0)
				live--;
		if (count[v[i].outlet]++ == 0)
			live++;
		if (live > best)
			best = live;
	}
	free(count);
	free(v);
	return best;
}

static void
item_free(struct digest_item *it)
{
	free(it->title);
	free(it->link);
	free(it->summary);
	free(it->feed);
	free(it->outlet);
	free(it->lang);
}

/*
 * One story from its rows p[0..n), sorted by first seen: its lead article
 * first (the story's first, when it is of the period; else the period's
 * first), then the others as they came.
 */
static void
story_make(struct digest_story *st, const struct pick *p, size_t n,
    digest_outlet_fn fn, void *arg)
{
	size_t	 i, j, k, lead = 0;
	char	*l;

	memset(st, 0, sizeof(*st));
	st->id = p[0].key > 0 ? p[0].key : -p[0].key;
	st->items = xcalloc(n, sizeof(*st->items));
	for (i = 0; i < n; i++)
		if (p[i].row->lead && p[i].row->story_id != 0) {
			lead = i;
			break;
		}
	st->first_seen = p[0].row->first_seen;
	if (p[0].row->story_first_seen > 0 &&
	    p[0].row->story_first_seen < st->first_seen)
		st->first_seen = p[0].row->story_first_seen;
	for (k = 0; k < n; k++) {
		/* k = 0 is the lead; the others keep their order */
		const struct store_digest_row	*r;
		struct digest_item		*it = &st->items[st->nitems++];

		i = k == 0 ? lead : k <= lead ? k - 1 : k;
		r = p[i].row;
		it->id = r->item_id;
		it->story = r->story_id;
		it->title = dup0(r->title);
		it->link = dup0(r->link);
		it->summary = dup0(r->summary);
		it->feed = dup0(r->nfeeds > 0 ? r->feeds[0] : NULL);
		it->outlet = xstrdup(outlet_of(it->feed, fn, arg));
		it->lang = lang_primary(r->lang);
		it->published = r->published;
		it->first_seen = r->first_seen;
		if (r->first_seen > st->last_seen)
			st->last_seen = r->first_seen;
		/* every feed that carried it is an outlet of the story */
		for (j = 0; j < r->nfeeds; j++)
			list_add_unique(&st->outlets, &st->noutlets,
			    outlet_of(r->feeds[j], fn, arg));
		if (r->nfeeds == 0)
			list_add_unique(&st->outlets, &st->noutlets, "?");
		if ((l = it->lang) != NULL)
			list_add_unique(&st->languages, &st->nlanguages, l);
		if (r->breaking)
			st->breaking = 1;
	}
	if (st->nlanguages > 1)
		qsort(st->languages, st->nlanguages, sizeof(char *), cmp_str);
	/* the store said so, or many outlets' articles close in time */
	st->breaking = st->breaking || (st->noutlets >= BREAKING_OUTLETS &&
	    story_outlets_within(st, BREAKING_WINDOW) >= BREAKING_OUTLETS);
	/*
	 * The first articles are listed, the rest counted: a story of
	 * thousands (a war's week) would make a digest of hundreds of
	 * megabytes, kept in the outbox and handed to every plugin, while
	 * its outlets and languages above came from every article.
	 */
	st->articles = st->nitems;
	while (st->nitems > DIGEST_STORY_ITEMS)
		item_free(&st->items[--st->nitems]);
}

static void
story_free(struct digest_story *st)
{
	size_t	 i;

	for (i = 0; i < st->nitems; i++)
		item_free(&st->items[i]);
	free(st->items);
	for (i = 0; i < st->noutlets; i++)
		free(st->outlets[i]);
	free(st->outlets);
	for (i = 0; i < st->nlanguages; i++)
		free(st->languages[i]);
	free(st->languages);
}

void
digest_group(struct digest_topic *t, const struct store_digest_row *rows,
    size_t nrows, const char *topic, size_t max, digest_outlet_fn fn,
    void *arg)
{
	struct pick		*p = xcalloc(nrows + 1, sizeof(*p));
	struct digest_story	*v = NULL;
	size_t			 np = 0, nv = 0, i, j, k;

	for (i = 0; i < nrows; i++) {
		if (topic != NULL && (rows[i].topic == NULL ||
		    strcmp(rows[i].topic, topic) != 0))
			continue;
		p[np].row = &rows[i];
		/* the seam: the store's story, else the article alone */
		p[np].key = rows[i].story_id != 0 ? rows[i].story_id :
		    -rows[i].item_id;
		np++;
	}
	qsort(p, np, sizeof(*p), cmp_pick);
	/* an article listed under several topics is one article here */
	for (i = j = 0; i < np; i++)
		if (j == 0 || p[i].row->item_id != p[j - 1].row->item_id ||
		    p[i].key != p[j - 1].key)
			p[j++] = p[i];
	np = j;
	for (i = 0; i < np; i = k) {
		for (k = i + 1; k < np && p[k].key == p[i].key; k++)
			;
		v = xrealloc(v, (nv + 1) * sizeof(*v));
		story_make(&v[nv++], p + i, k - i, fn, arg);
	}
	free(p);
	qsort(v, nv, sizeof(*v), cmp_rank);
	/* the store may have read only the stories shown: its count */
	t->total = nv;
	for (i = 0; i < nrows; i++)
		if ((topic == NULL || (rows[i].topic != NULL &&
		    strcmp(rows[i].topic, topic) == 0)) &&
		    rows[i].group_total > t->total)
			t->total = rows[i].group_total;
	if (max > 0 && nv > max) {
		for (i = max; i < nv; i++)
			story_free(&v[i]);
		nv = max;
	}
	t->stories = v;
	t->nstories = nv;
}

void
digest_free(struct digest *d)
{
	size_t	 i, j;

	if (d == NULL)
		return;
	for (i = 0; i < d->ntopics; i++) {
		for (j = 0; j < d->topics[i].nstories; j++)
			story_free(&d->topics[i].stories[j]);
		free(d->topics[i].stories);
		free(d->topics[i].name);
	}
	free(d->topics);
	for (i = 0; i < d->nfailing; i++) {
		free(d->failing[i].feed);
		free(d->failing[i].outlet);
		free(d->failing[i].error);
	}
	free(d->failing);
	free(d->name);
	free(d->timezone);
	free(d);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

size_t
digest_nstories(const struct digest *d)
{
	int64_t	*ids;
	size_t	 n = 0, i, j, k;

	for (i = 0; i < d->ntopics; i++)
		n += d->topics[i].nstories;
	ids = xcalloc(n + 1, sizeof(*ids));
	for (i = k = 0; i < d->ntopics; i++)
		for (j = 0; j < d->topics[i].nstories; j++)
			ids[k++] = d->topics[i].stories[j].id;
	qsort(ids, n, sizeof(*ids), cmp_i64);
	for (i = j = 0; i < n; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			j++;
	free(ids);
	return j;
}

char *
digest_sources(const struct digest_story *st)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 0);
	for (i = 0; i < st->noutlets && i < DIGEST_OUTLETS_SHOWN; i++)
		buf_printf(&b, "%s%s", i > 0 ? ", " : "", st->outlets[i]);
	if (st->nlanguages > 0) {
		buf_puts(&b, " (");
		for (i = 0; i < st->nlanguages; i++)
			buf_printf(&b, "%s%s", i > 0 ? ", " : "",
			    st->languages[i]);
		buf_puts(&b, ")");
	}
	if (st->noutlets > DIGEST_OUTLETS_SHOWN)
		buf_printf(&b, " +%zu", st->noutlets - DIGEST_OUTLETS_SHOWN);
	return buf_steal(&b);
}

const char *
digest_story_summary(const struct digest_story *st)
{
	const char	*s = st->nitems > 0 ? st->items[0].summary : NULL;

	return s != NULL && *s != '\0' ? s : NULL;
}

char *
digest_key(const char *name, int64_t since, int64_t until)
{
	char	 a[32], b[32];

	date_format_rfc3339(since, a, sizeof(a));
	date_format_rfc3339(until, b, sizeof(b));
	return xasprintf("%s/%s/%s", name != NULL ? name : "-", a, b);
}

/* ---- JSON ---- */

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jtime(int64_t t)
{
	char	 b[32];

	if (t == 0)
		return json_null();
	date_format_rfc3339(t, b, sizeof(b));
	return json_string(b);
}

static json_t *
jlist(char *const *v, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *
story_json(const struct digest_story *st)
{
	json_t				*o = json_object(), *items = json_array();
	const struct digest_item	*lead = &st->items[0];
	size_t				 i;

	json_object_set_new(o, "id", json_integer(st->id));
	json_object_set_new(o, "title", jstr(lead->title));
	json_object_set_new(o, "link", jstr(lead->link));
	json_object_set_new(o, "summary", jstr(lead->summary));
	json_object_set_new(o, "outlets", jlist(st->outlets, st->noutlets));
	json_object_set_new(o, "languages", jlist(st->languages,
	    st->nlanguages));
	json_object_set_new(o, "breaking", json_boolean(st->breaking));
	json_object_set_new(o, "first_seen", jtime(st->first_seen));
	json_object_set_new(o, "last_seen", jtime(st->last_seen));
	json_object_set_new(o, "articles", json_integer((json_int_t)
	    st->articles));
	for (i = 0; i < st->nitems; i++) {
		const struct digest_item	*it = &st->items[i];
		json_t				*j = json_object();

		json_object_set_new(j, "id", json_integer(it->id));
		json_object_set_new(j, "story", it->story != 0 ?
		    json_integer(it->story) : json_null());
		json_object_set_new(j, "title", jstr(it->title));
		json_object_set_new(j, "link", jstr(it->link));
		json_object_set_new(j, "summary", jstr(it->summary));
		json_object_set_new(j, "feed", jstr(it->feed));
		json_object_set_new(j, "outlet", jstr(it->outlet));
		json_object_set_new(j, "lang", jstr(it->lang));
		json_object_set_new(j, "published", jtime(it->published));
		json_object_set_new(j, "first_seen", jtime(it->first_seen));
		json_array_append_new(items, j);
	}
	json_object_set_new(o, "items", items);
	return o;
}

char *
digest_to_json(const struct digest *d, int pretty)
{
	json_t	*o = json_object(), *topics = json_array();
	json_t	*failing = json_array();
	char	*key, *s;
	size_t	 i, j, k;

	key = digest_key(d->name, d->since, d->until);
	json_object_set_new(o, "name", jstr(d->name));
	json_object_set_new(o, "key", json_string(key));
	free(key);
	json_object_set_new(o, "since", jtime(d->since));
	json_object_set_new(o, "until", jtime(d->until));
	if (d->next != 0)
		json_object_set_new(o, "next", jtime(d->next));
	json_object_set_new(o, "timezone", jstr(d->timezone));
	json_object_set_new(o, "stories", json_integer((json_int_t)
	    digest_nstories(d)));
	json_object_set_new(o, "total", json_integer((json_int_t)
	    (d->total > digest_nstories(d) ? d->total : digest_nstories(d))));
	for (i = 0; i < d->ntopics; i++) {
		const struct digest_topic	*t = &d->topics[i];
		json_t				*jt = json_object();
		json_t				*trend = json_array();
		json_t				*stories = json_array();

		for (k = 0; k < DIGEST_TREND_DAYS; k++)
			json_array_append_new(trend, json_integer(t->trend[k]));
		for (j = 0; j < t->nstories; j++)
			json_array_append_new(stories,
			    story_json(&t->stories[j]));
		json_object_set_new(jt, "topic", jstr(t->name));
		json_object_set_new(jt, "total", json_integer((json_int_t)
		    t->total));
		json_object_set_new(jt, "trend", trend);
		json_object_set_new(jt, "stories", stories);
		json_array_append_new(topics, jt);
	}
	json_object_set_new(o, "topics", topics);
	for (i = 0; i < d->nfailing; i++) {
		const struct digest_failing	*f = &d->failing[i];
		json_t				*jf = json_object();

		json_object_set_new(jf, "feed", jstr(f->feed));
		json_object_set_new(jf, "outlet", jstr(f->outlet));
		json_object_set_new(jf, "error", jstr(f->error));
		json_object_set_new(jf, "failures", json_integer(f->failures));
		json_object_set_new(jf, "last_success",
		    jtime(f->last_success));
		json_object_set_new(jf, "last_attempt",
		    jtime(f->last_attempt));
		json_object_set_new(jf, "disabled", jtime(f->disabled));
		json_array_append_new(failing, jf);
	}
	json_object_set_new(o, "failing_feeds", failing);
	s = json_dumps(o, (pretty ? JSON_INDENT(2) : JSON_COMPACT) |
	    JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		fatalx("json_dumps: out of memory");
	return s;
}

/* Reading back: a string or NULL; a time or 0; a whole number. */
static char *
rstr(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static int64_t
rtime(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);
	int64_t	 t;

	if (json_is_string(v) && date_parse(json_string_value(v), &t) == 0)
		return t;
	return 0;
}

static int64_t
rnum(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static char **
rlist(json_t *o, const char *k, size_t *n)
{
	json_t	*a = json_object_get(o, k), *v;
	char	**out = NULL;
	size_t	 i;

	*n = 0;
	if (!json_is_array(a))
		return NULL;
	out = xcalloc(json_array_size(a) + 1, sizeof(*out));
	json_array_foreach(a, i, v)
		if (json_is_string(v))
			out[(*n)++] = xstrdup(json_string_value(v));
	return out;
}

static int
story_from_json(json_t *js, struct digest_story *st)
{
	json_t	*items = json_object_get(js, "items"), *ji;
	size_t	 i;
	int64_t	 n;

	memset(st, 0, sizeof(*st));
	if (!json_is_object(js) || !json_is_array(items) ||
	    json_array_size(items) == 0)
		return -1;
	st->id = rnum(js, "id");
	st->outlets = rlist(js, "outlets", &st->noutlets);
	st->languages = rlist(js, "languages", &st->nlanguages);
	st->breaking = json_is_true(json_object_get(js, "breaking"));
	st->first_seen = rtime(js, "first_seen");
	st->last_seen = rtime(js, "last_seen");
	st->items = xcalloc(json_array_size(items), sizeof(*st->items));
	json_array_foreach(items, i, ji) {
		struct digest_item	*it = &st->items[st->nitems++];

		if (!json_is_object(ji))
			return -1;
		it->id = rnum(ji, "id");
		it->story = rnum(ji, "story");
		it->title = rstr(ji, "title");
		it->link = rstr(ji, "link");
		it->summary = rstr(ji, "summary");
		it->feed = rstr(ji, "feed");
		it->outlet = rstr(ji, "outlet");
		it->lang = rstr(ji, "lang");
		it->published = rtime(ji, "published");
		it->first_seen = rtime(ji, "first_seen");
	}
	/* a digest queued before the count was written lists them all */
	n = rnum(js, "articles");
	st->articles = n > 0 && (uint64_t)n > st->nitems ? (size_t)n :
	    st->nitems;
	return 0;
}

struct digest *
digest_from_json(const char *s, char **errstr)
{
	json_error_t	 je;
	json_t		*o, *topics, *failing, *jt, *js, *v;
	struct digest	*d = NULL;
	size_t		 i, j, k;

	if ((o = json_loads(s, 0, &je)) == NULL) {
		*errstr = xasprintf("not JSON: %s (line %d)", je.text, je.line);
		return NULL;
	}
	topics = json_object_get(o, "topics");
	failing = json_object_get(o, "failing_feeds");
	if (!json_is_object(o) || !json_is_array(topics) ||
	    !json_is_array(failing) ||
	    !json_is_string(json_object_get(o, "since")) ||
	    !json_is_string(json_object_get(o, "until")))
		goto bad;
	d = xcalloc(1, sizeof(*d));
	d->name = rstr(o, "name");
	d->timezone = rstr(o, "timezone");
	d->since = rtime(o, "since");
	d->until = rtime(o, "until");
	d->next = rtime(o, "next");
	d->topics = xcalloc(json_array_size(topics) + 1, sizeof(*d->topics));
	json_array_foreach(topics, i, jt) {
		struct digest_topic	*t = &d->topics[d->ntopics++];
		json_t			*stories = json_object_get(jt, "stories");
		json_t			*trend = json_object_get(jt, "trend");

		if (!json_is_object(jt) || !json_is_array(stories))
			goto bad;
		t->name = rstr(jt, "topic");
		t->total = (size_t)rnum(jt, "total");
		json_array_foreach(trend, k, v)
			if (k < DIGEST_TREND_DAYS && json_is_integer(v))
				t->trend[k] = (unsigned)json_integer_value(v);
		t->stories = xcalloc(json_array_size(stories) + 1,
		    sizeof(*t->stories));
		json_array_foreach(stories, j, js) {
			if (story_from_json(js, &t->stories[t->nstories++]) ==
			    -1)
				goto bad;
		}
		if (t->total < t->nstories)
			t->total = t->nstories;
	}
	/* a digest queued before "total" was written: what it shows */
	d->total = (size_t)rnum(o, "total");
	if (d->total < digest_nstories(d))
		d->total = digest_nstories(d);
	d->failing = xcalloc(json_array_size(failing) + 1,
	    sizeof(*d->failing));
	json_array_foreach(failing, i, v) {
		struct digest_failing	*f = &d->failing[d->nfailing++];

		f->feed = rstr(v, "feed");
		f->outlet = rstr(v, "outlet");
		f->error = rstr(v, "error");
		f->failures = (int)rnum(v, "failures");
		f->last_success = rtime(v, "last_success");
		f->last_attempt = rtime(v, "last_attempt");
		f->disabled = rtime(v, "disabled");
	}
	json_decref(o);
	return d;
bad:
	*errstr = xstrdup("not a herald digest (see herald(1), digest --json)");
	digest_free(d);
	json_decref(o);
	return NULL;
}
