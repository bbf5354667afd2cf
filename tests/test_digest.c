/*
 * test_digest.c: the digest model and its renderers over rows made here:
 * articles grouped into the store's stories, ranked (outlets, then
 * recency) and cut at max-stories; the sources line; JSON written and
 * read back; text wrapped to its width, nothing cut, and free of control
 * characters the feeds sent; Markdown and HTML escaping; HTML with no
 * script and no remote asset, and its size for 100 stories; the trend's
 * sparkline and spike; word wrapping.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "digest.h"
#include "termtext.h"
#include "tz.h"
#include "util.h"

#define T0	1795849200LL	/* 2026-11-28 07:00:00 UTC */

static struct store_digest_row *
row(struct store_digest_row *v, size_t *n, int64_t id, const char *topic,
    const char *title, int64_t seen, const char *lang, const char *feeds)
{
	struct store_digest_row	*r = &v[(*n)++];
	char			*f, *save = NULL, *copy = xstrdup(feeds);

	memset(r, 0, sizeof(*r));
	r->item_id = id;
	r->topic = topic != NULL ? xstrdup(topic) : NULL;
	r->title = xstrdup(title);
	r->link = xasprintf("https://example.org/%lld", (long long)id);
	r->summary = xasprintf("Summary of %s.", title);
	r->lang = lang != NULL ? xstrdup(lang) : NULL;
	r->first_seen = seen;
	r->feeds = xcalloc(8, sizeof(char *));
	for (f = strtok_r(copy, " ", &save); f != NULL;
	    f = strtok_r(NULL, " ", &save))
		r->feeds[r->nfeeds++] = xstrdup(f);
	free(copy);
	return r;
}

static const char *
outlet(void *arg, const char *feed)
{
	(void)arg;
	if (strcmp(feed, "euractiv") == 0)
		return "Euractiv";
	if (strcmp(feed, "politico") == 0)
		return "Politico";
	if (strcmp(feed, "council-en") == 0 || strcmp(feed, "council-fr") == 0)
		return "Council";
	return NULL;
}

/* A digest of two topics from a small, known set of rows. */
static struct digest *
small_digest(void)
{
	struct store_digest_row	*v = xcalloc(16, sizeof(*v));
	struct digest		*d = xcalloc(1, sizeof(*d));
	size_t			 n = 0;

	row(v, &n, 1, "sanctions", "Old single story", T0 - 7200, "en",
	    "euractiv");
	row(v, &n, 2, "sanctions", "Package adopted", T0 - 3600, "en-GB",
	    "euractiv politico council-en council-fr a b c");
	row(v, &n, 3, "sanctions", "Newer single story", T0 - 60, "fr",
	    "politico");
	row(v, &n, 4, "sanctions", "Two outlets", T0 - 9000, "de",
	    "euractiv politico");
	row(v, &n, 2, "russia", "Package adopted", T0 - 3600, "en-GB",
	    "euractiv politico council-en council-fr a b c");
	row(v, &n, 5, NULL, "Matched nothing", T0 - 100, NULL, "b");
	/* one article in seven feeds: breaking only when the store says so */
	v[1].breaking = v[4].breaking = 1;
	d->name = xstrdup("morning");
	d->since = T0 - 86400;
	d->until = T0;
	d->topics = xcalloc(2, sizeof(*d->topics));
	d->ntopics = 2;
	d->topics[0].name = xstrdup("sanctions");
	digest_group(&d->topics[0], v, n, "sanctions", 3, outlet, NULL);
	d->topics[1].name = xstrdup("russia");
	digest_group(&d->topics[1], v, n, "russia", 0, outlet, NULL);
	d->topics[0].trend[13] = 9;
	d->topics[0].trend[0] = 1;
	d->failing = xcalloc(1, sizeof(*d->failing));
	d->nfailing = 1;
	d->failing[0].feed = xstrdup("euractiv-fr");
	d->failing[0].outlet = xstrdup("Euractiv FR");
	d->failing[0].error = xstrdup("HTTP 503");
	d->failing[0].failures = 7;
	d->failing[0].last_success = T0 - 20000;
	store_digest_rows_free(v, n);
	return d;
}

static void
test_group_rank(void **state)
{
	struct digest		*d = small_digest();
	struct digest_topic	*t = &d->topics[0];
	char			*s;

	(void)state;
	/* four stories, three shown: most outlets, then the most recent */
	assert_int_equal(t->total, 4);
	assert_int_equal(t->nstories, 3);
	assert_string_equal(t->stories[0].items[0].title, "Package adopted");
	assert_string_equal(t->stories[1].items[0].title, "Two outlets");
	assert_string_equal(t->stories[2].items[0].title, "Newer single story");
	/* outlets by display name, each once; languages as primary tags */
	assert_int_equal(t->stories[0].noutlets, 6);
	assert_string_equal(t->stories[0].outlets[2], "Council");
	assert_int_equal(t->stories[0].nlanguages, 1);
	assert_string_equal(t->stories[0].languages[0], "en");
	assert_true(t->stories[0].breaking);
	assert_false(t->stories[1].breaking);
	s = digest_sources(&t->stories[0]);
	assert_string_equal(s, "Euractiv, Politico, Council (en) +3");
	free(s);
	s = digest_sources(&t->stories[2]);
	assert_string_equal(s, "Politico (fr)");
	free(s);
	/* the story under two topics counts once */
	assert_int_equal(d->topics[1].nstories, 1);
	assert_int_equal(digest_nstories(d), 3);
	digest_free(d);
}

/* With no topic, every article once, the unmatched one too. */
static void
test_group_all(void **state)
{
	struct store_digest_row	*v = xcalloc(8, sizeof(*v));
	struct digest_topic	 t;
	struct digest		*d;
	size_t			 n = 0;

	(void)state;
	row(v, &n, 7, "a", "Seven", T0, "en", "x");
	row(v, &n, 7, "b", "Seven", T0, "en", "x");
	row(v, &n, 8, NULL, "Eight", T0 - 5, "en", "y");
	memset(&t, 0, sizeof(t));
	digest_group(&t, v, n, NULL, 0, NULL, NULL);
	assert_int_equal(t.total, 2);
	assert_string_equal(t.stories[0].items[0].title, "Seven");
	assert_string_equal(t.stories[1].outlets[0], "y");
	d = xcalloc(1, sizeof(*d));
	d->topics = xcalloc(1, sizeof(*d->topics));
	d->topics[0] = t;
	d->ntopics = 1;
	assert_int_equal(digest_nstories(d), 2);
	digest_free(d);
	store_digest_rows_free(v, n);
}

/* Rows of one story (the store's) are one story, its outlets and langs. */
static void
test_group_story(void **state)
{
	struct store_digest_row	*v = xcalloc(8, sizeof(*v));
	struct digest_topic	 t;
	struct digest		*d;
	size_t			 n = 0;
	char			*s;

	(void)state;
	row(v, &n, 11, "russia", "EU adopts sanctions", T0 - 3000, "en",
	    "euractiv");
	row(v, &n, 12, "russia", "L'UE adopte des sanctions", T0 - 2000, "fr",
	    "council-fr");
	row(v, &n, 13, "russia", "Sanktionen beschlossen", T0 - 1000, "de",
	    "b");
	row(v, &n, 14, "russia", "Another story", T0 - 100, "en", "a");
	v[0].story_id = v[1].story_id = v[2].story_id = 900;
	v[2].breaking = 1;
	memset(&t, 0, sizeof(t));
	digest_group(&t, v, n, "russia", 0, outlet, NULL);
	assert_int_equal(t.total, 2);
	assert_int_equal(t.stories[0].id, 900);
	assert_int_equal(t.stories[0].nitems, 3);
	assert_string_equal(t.stories[0].items[0].title, "EU adopts sanctions");
	assert_true(t.stories[0].breaking);
	s = digest_sources(&t.stories[0]);
	assert_string_equal(s, "Euractiv, Council, b (de, en, fr)");
	free(s);
	/* an article without a story is its own, under its own id */
	assert_int_equal(t.stories[1].id, 14);
	assert_false(t.stories[1].breaking);
	d = xcalloc(1, sizeof(*d));
	d->topics = xcalloc(1, sizeof(*d->topics));
	d->topics[0] = t;
	d->ntopics = 1;
	digest_free(d);
	store_digest_rows_free(v, n);
}

/*
 * A story of more articles than a digest lists: the first
 * DIGEST_STORY_ITEMS (the lead first), the count of all, and every
 * outlet and language, also after the JSON's round trip (over the 1,000
 * bench feeds a day's digest --json printed 190 MB, every article of
 * stories of thousands).
 */
static void
test_story_cap(void **state)
{
	size_t			 total = DIGEST_STORY_ITEMS + 15, n = 0, i;
	struct store_digest_row	*v = xcalloc(total, sizeof(*v));
	struct digest		*d = xcalloc(1, sizeof(*d)), *back;
	struct digest_story	*st;
	char			 title[32], feed[32], *j, *err = NULL, *k;

	(void)state;
	for (i = 0; i < total; i++) {
		snprintf(title, sizeof(title), "Article %zu", i);
		snprintf(feed, sizeof(feed), "feed%zu", i);
		row(v, &n, 100 + (int64_t)i, "trade", title,
		    T0 - 5000 + (int64_t)i, i == total - 1 ? "pl" : "en", feed);
		v[i].story_id = 77;
	}
	d->name = xstrdup("morning");
	d->since = T0 - 86400;
	d->until = T0;
	d->topics = xcalloc(1, sizeof(*d->topics));
	d->ntopics = 1;
	d->topics[0].name = xstrdup("trade");
	digest_group(&d->topics[0], v, n, "trade", 0, outlet, NULL);
	st = &d->topics[0].stories[0];
	assert_int_equal(d->topics[0].nstories, 1);
	assert_int_equal(st->nitems, DIGEST_STORY_ITEMS);
	assert_int_equal(st->articles, total);
	assert_int_equal(st->noutlets, total);
	assert_int_equal(st->nlanguages, 2);
	assert_string_equal(st->items[0].title, "Article 0");
	j = digest_to_json(d, 0);
	k = xasprintf("\"articles\":%zu,", total);
	assert_non_null(strstr(j, k));
	assert_null(strstr(j, "\"Article 30\""));
	if ((back = digest_from_json(j, &err)) == NULL)
		fail_msg("%s", err);
	assert_int_equal(back->topics[0].stories[0].articles, total);
	assert_int_equal(back->topics[0].stories[0].nitems,
	    DIGEST_STORY_ITEMS);
	assert_int_equal(back->topics[0].stories[0].noutlets, total);
	free(k);
	free(j);
	digest_free(back);
	digest_free(d);
	store_digest_rows_free(v, n);
}

/*
 * BREAKING of the digest's own: three outlets whose articles were published
 * within six hours of one another, not three outlets fetched within six
 * hours (review5: after a first start every story of three outlets was
 * BREAKING).  A missing publication time, or one after the arrival, is the
 * arrival.
 */
static void
test_group_breaking(void **state)
{
	struct store_digest_row	*v = xcalloc(16, sizeof(*v));
	struct digest_topic	 t;
	struct digest		*d;
	size_t			 n = 0, i;
	const int64_t		 h = 3600;

	(void)state;
	/* review5's story 2: fetched together, published 13 h apart */
	row(v, &n, 41, "x", "Listings", T0 - 100, "en", "council-en");
	row(v, &n, 42, "x", "Listes", T0 - 90, "fr", "council-fr");
	row(v, &n, 43, "x", "Listen", T0 - 80, "de", "faz");
	row(v, &n, 44, "x", "Listy", T0 - 70, "pl", "rz");
	v[0].published = v[1].published = T0 - 13 * h;
	v[2].published = T0 - 2 * h;
	v[3].published = T0 - 200;
	/* three outlets published within six hours, fetched later */
	row(v, &n, 51, "x", "Three a", T0 - 60, "en", "euractiv");
	row(v, &n, 52, "x", "Three b", T0 - 50, "en", "politico");
	row(v, &n, 53, "x", "Three c", T0 - 40, "en", "a");
	v[4].published = T0 - 10 * h;
	v[5].published = T0 - 7 * h;
	v[6].published = T0 - 4 * h;
	/* no publication time, or one ahead: the arrivals, within an hour */
	row(v, &n, 61, "x", "Undated a", T0 - 3600, "en", "euractiv");
	row(v, &n, 62, "x", "Undated b", T0 - 1800, "en", "politico");
	row(v, &n, 63, "x", "Ahead", T0 - 30, "en", "b");
	v[9].published = T0 + 30 * h;
	/* three outlets, but seven hours from the first to the last */
	row(v, &n, 71, "x", "Slow a", T0 - 20, "en", "euractiv");
	row(v, &n, 72, "x", "Slow b", T0 - 10, "en", "politico");
	row(v, &n, 73, "x", "Slow c", T0, "en", "a");
	v[10].published = T0 - 8 * h;
	v[11].published = T0 - 4 * h;
	v[12].published = T0 - h;
	for (i = 0; i < n; i++)
		v[i].story_id = v[i].item_id / 10;
	memset(&t, 0, sizeof(t));
	digest_group(&t, v, n, "x", 0, outlet, NULL);
	assert_int_equal(t.nstories, 4);
	for (i = 0; i < t.nstories; i++) {
		assert_int_equal(t.stories[i].noutlets, 3);
		if (t.stories[i].id == 4 || t.stories[i].id == 7)
			assert_false(t.stories[i].breaking);
		else
			assert_true(t.stories[i].breaking);
	}
	d = xcalloc(1, sizeof(*d));
	d->topics = xcalloc(1, sizeof(*d->topics));
	d->topics[0] = t;
	d->ntopics = 1;
	digest_free(d);
	store_digest_rows_free(v, n);
}

/*
 * A story whose lead has no summary shows none, in every format: not
 * another article's summary under the lead's title and link.  A lead with
 * a summary shows its own, not an earlier article's.
 */
static void
test_summary_lead(void **state)
{
	struct store_digest_row	*v = xcalloc(8, sizeof(*v));
	struct digest		*d = xcalloc(1, sizeof(*d));
	struct digest_style	 st = { 80, 0, NULL, 0 };
	char			*s;
	size_t			 n = 0;
	int			 f;

	(void)state;
	row(v, &n, 21, "russia", "Obama calls for a seamless transition",
	    T0 - 3000, "en", "euractiv");
	row(v, &n, 22, "russia", "Agencies concluded Russia sought to help",
	    T0 - 2000, "en", "politico");
	row(v, &n, 23, "russia", "Earlier article of the second story",
	    T0 - 2500, "en", "euractiv");
	row(v, &n, 24, "russia", "Lead of the second story", T0 - 1000, "en",
	    "council-en");
	v[0].story_id = v[1].story_id = 700;
	v[0].lead = 1;
	free(v[0].summary);
	v[0].summary = NULL;
	v[2].story_id = v[3].story_id = 701;
	v[3].lead = 1;
	d->since = T0 - 86400;
	d->until = T0;
	d->topics = xcalloc(1, sizeof(*d->topics));
	d->ntopics = 1;
	d->topics[0].name = xstrdup("russia");
	digest_group(&d->topics[0], v, n, "russia", 0, outlet, NULL);
	assert_string_equal(d->topics[0].stories[0].items[0].title,
	    "Lead of the second story");
	assert_string_equal(d->topics[0].stories[1].items[0].title,
	    "Obama calls for a seamless transition");
	for (f = 0; f < 4; f++) {
		s = f == 0 ? digest_render_text(d, &st) : f == 1 ?
		    digest_render_markdown(d, &st) : f == 2 ?
		    digest_render_html(d, &st) : digest_to_json(d, 0);
		assert_non_null(strstr(s, "Obama calls for a seamless"));
		assert_non_null(strstr(s, "Summary of Lead of the second story"));
		/* the lead's title, another article's summary: never */
		if (f < 3) {
			assert_null(strstr(s, "Summary of Agencies"));
			assert_null(strstr(s, "Summary of Earlier"));
		}
		free(s);
	}
	digest_free(d);
	store_digest_rows_free(v, n);
}

/*
 * Through the store and its stories engine: three outlets' articles of one
 * story (two matched the topic, the third did not), and another story, in
 * a period.  The digest lists the story once under the topic, with its
 * three outlets, its first article as the lead, every article carrying the
 * story's id; a match of the Iran article makes a story of its own.
 */
static void
test_store_stories(void **state)
{
	static const struct {
		const char	*feed, *title, *summary;
		int		 match;
	} arts[] = {
	    { "alpha", "EU adopts 20th sanctions package against Russia",
	      "It lists 117 more vessels of the shadow fleet and bans "
	      "transactions with 22 Russian banks.", 1 },
	    { "bravo", "EU agrees 20th Russia sanctions package",
	      "The package targets 117 more shadow fleet tankers and 22 "
	      "banks.", 1 },
	    { "charlie", "New EU sanctions hit 117 ships of Russia's shadow "
	      "fleet", "Transactions with 22 banks are banned under the 20th "
	      "package.", 0 },
	    { "alpha", "Iran: Council sanctions judges over executions",
	      "Restrictive measures now apply to 247 individuals and 44 "
	      "entities responsible for human rights violations in Iran.", 1 },
	};
	static const char *const topics[] = { "sanctions" };
	char			 dir[] = "/tmp/test_digest.XXXXXX", *path;
	char			*err = NULL, *j, *txt, guid[8], *link;
	struct store		*s;
	struct digest_spec	 spec;
	struct digest		*d;
	struct digest_style	 sty = { 100, 0, NULL, 0 };
	struct digest_story	*st;
	int64_t			 t0 = T0 - 7200, id[4], story[4], f;
	size_t			 i;

	(void)state;
	if (mkdtemp(dir) == NULL)
		fail_msg("mkdtemp");
	path = xasprintf("%s/h.db", dir);
	if ((s = store_open(path, STORE_RDWR, &err)) == NULL)
		fail_msg("store_open: %s", err);
	for (i = 0; i < 4; i++) {
		struct store_item it = { .title = arts[i].title,
		    .summary = arts[i].summary, .lang = "en",
		    .published = t0 + 600 * (int64_t)i, .has_published = 1 };
		char *url = xasprintf("https://%s.example/feed", arts[i].feed);

		snprintf(guid, sizeof(guid), "g%zu", i);
		link = xasprintf("https://%s.example/%s", arts[i].feed, guid);
		it.guid = guid;
		it.link = link;
		/* each a fetch of its own, as the daemon does */
		store_set_now(s, t0 + 600 * (int64_t)i + 60);
		if (store_feed_ensure(s, arts[i].feed, url, NULL, 1, &f,
		    &err) == -1 || store_begin(s, &err) == -1 ||
		    store_item_upsert(s, f, &it, NULL, &id[i], &err) == -1 ||
		    (arts[i].match && store_match_add(s, id[i], "sanctions",
		    "sanction*", "title", "[sanctions]", NULL, 0, NULL, NULL,
		    &err) == -1) || store_commit(s, &err) == -1 ||
		    store_item_story(s, id[i], &story[i], &err) != 1)
			fail_msg("article %zu: %s", i, err);
		free(url);
		free(link);
	}
	/* what the stories engine decided, which this test builds on */
	assert_true(story[0] == story[1] && story[1] == story[2]);
	assert_true(story[3] != story[0]);

	memset(&spec, 0, sizeof(spec));
	spec.name = "morning";
	spec.topics = topics;
	spec.ntopics = 1;
	d = digest_build(s, &spec, t0, T0, &err);
	if (d == NULL)
		fail_msg("digest_build: %s", err);
	assert_int_equal(d->ntopics, 1);
	assert_string_equal(d->topics[0].name, "sanctions");
	assert_int_equal(d->topics[0].total, 2);
	assert_int_equal(digest_nstories(d), 2);
	st = &d->topics[0].stories[0];
	assert_int_equal(st->id, story[0]);
	assert_int_equal(st->nitems, 3);
	assert_int_equal(st->noutlets, 3);
	assert_string_equal(st->outlets[0], "alpha");
	assert_string_equal(st->outlets[1], "bravo");
	assert_string_equal(st->outlets[2], "charlie");
	assert_int_equal(st->nlanguages, 1);
	assert_string_equal(st->languages[0], "en");
	assert_string_equal(st->items[0].title, arts[0].title);
	assert_int_equal(st->first_seen, t0 + 60);
	for (i = 0; i < st->nitems; i++)
		assert_int_equal(st->items[i].story, story[0]);
	assert_int_equal(d->topics[0].stories[1].id, story[3]);
	assert_int_equal(d->topics[0].stories[1].nitems, 1);

	/* the JSON's items name their story; the text shows the story once */
	j = digest_to_json(d, 0);
	link = xasprintf("\"story\":%lld,", (long long)story[0]);
	assert_non_null(strstr(j, link));
	free(link);
	free(j);
	txt = digest_render_text(d, &sty);
	assert_non_null(strstr(txt, arts[0].title));
	assert_null(strstr(txt, arts[1].title));
	assert_null(strstr(txt, arts[2].title));
	assert_non_null(strstr(txt, "alpha, bravo, charlie (en)"));
	free(txt);
	digest_free(d);

	/* a story that goes on: first seen before the period, its lead not in it */
	d = digest_build(s, &spec, t0 + 650, T0, &err);
	if (d == NULL)
		fail_msg("digest_build: %s", err);
	st = &d->topics[0].stories[0];
	assert_int_equal(st->id, story[0]);
	assert_int_equal(st->nitems, 2);
	assert_string_equal(st->items[0].title, arts[1].title);
	assert_int_equal(st->first_seen, t0 + 60);
	digest_free(d);

	store_close(s);
	for (i = 0; i < 3; i++) {
		static const char *const ext[] = { "", "-wal", "-shm" };

		link = xasprintf("%s%s", path, ext[i]);
		unlink(link);
		free(link);
	}
	free(path);
	if (rmdir(dir) == -1)
		fail_msg("rmdir %s", dir);
}

/* Removes a test database and its directory. */
static void
db_remove(char *dir, char *path)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	char			*f;
	size_t			 i;

	for (i = 0; i < 3; i++) {
		f = xasprintf("%s%s", path, ext[i]);
		unlink(f);
		free(f);
	}
	free(path);
	if (rmdir(dir) == -1)
		fail_msg("rmdir %s", dir);
}

/*
 * The store reads only what a digest shows: with max stories per topic,
 * the rows of the first `max` stories as digest_group() ranks them
 * (outlets, then the latest article), each row carrying the count of its
 * topic's stories; and the digest is the one built from every row.
 * Seven articles, each a story of its own: the oldest carried by two
 * feeds (two outlets: first), the others by one, first seen one after the
 * other; six match "t", the last "u".
 */
static void
test_store_cut(void **state)
{
	static const char *const titles[] = {
	    "Parliament approves fisheries quota for Baltic herring",
	    "Volcanic eruption disrupts flights across Iceland",
	    "Central bank holds interest rates steady amid inflation",
	    "Football championship final draws record television audience",
	    "Researchers sequence genome of ancient wheat variety",
	    "Railway strike halts commuter trains in Lisbon",
	    "Astronomers detect water vapour on distant exoplanet",
	};
	char			 dir[] = "/tmp/test_digest.XXXXXX", *path;
	char			*err = NULL, guid[8], *link;
	struct store		*s;
	struct store_digest_query q;
	struct store_digest_row	*v;
	struct digest_spec	 spec;
	struct digest		*d;
	int64_t			 t0 = T0 - 7200, id[7], id2, f[7];
	size_t			 n, i, nt = 0, nu = 0;

	(void)state;
	if (mkdtemp(dir) == NULL)
		fail_msg("mkdtemp");
	path = xasprintf("%s/h.db", dir);
	if ((s = store_open(path, STORE_RDWR, &err)) == NULL)
		fail_msg("store_open: %s", err);
	for (i = 0; i < 7; i++) {
		struct store_item it = { .title = titles[i], .lang = "en" };
		char *name = xasprintf("feed-%zu", i);
		char *url = xasprintf("https://f%zu.example/feed", i);

		snprintf(guid, sizeof(guid), "c%zu", i);
		link = xasprintf("https://news.example/%s", guid);
		it.guid = guid;
		it.link = link;
		store_set_now(s, t0 + 600 * (int64_t)i);
		if (store_feed_ensure(s, name, url, NULL, 1, &f[i], &err) == -1 ||
		    store_begin(s, &err) == -1 ||
		    store_item_upsert(s, f[i], &it, NULL, &id[i], &err) == -1 ||
		    store_match_add(s, id[i], i < 6 ? "t" : "u", "x", "title",
		    "[x]", NULL, 0, NULL, NULL, &err) == -1 ||
		    store_commit(s, &err) == -1)
			fail_msg("article %zu: %s", i, err);
		free(name);
		free(url);
		free(link);
	}
	/* the first article again, from the last feed: a second outlet */
	{
		struct store_item it = { .title = titles[0], .lang = "en",
		    .guid = "c0", .link = "https://news.example/c0" };

		if (store_begin(s, &err) == -1 ||
		    store_item_upsert(s, f[6], &it, NULL, &id2, &err) == -1 ||
		    store_commit(s, &err) == -1)
			fail_msg("second feed: %s", err);
		assert_int_equal(id2, id[0]);
	}

	memset(&q, 0, sizeof(q));
	q.since = t0;
	q.until = T0;
	q.max = 2;
	if (store_digest_rows(s, &q, &v, &n, &err) == -1)
		fail_msg("store_digest_rows: %s", err);
	/* t: the two-outlet story and the latest; u: its one */
	for (i = 0; i < n; i++) {
		if (v[i].topic != NULL && strcmp(v[i].topic, "t") == 0) {
			nt++;
			assert_true(v[i].item_id == id[0] ||
			    v[i].item_id == id[5]);
			assert_int_equal(v[i].group_total, 6);
		} else {
			nu++;
			assert_string_equal(v[i].topic, "u");
			assert_int_equal(v[i].group_total, 1);
		}
	}
	assert_int_equal(nt, 2);
	assert_int_equal(nu, 1);
	store_digest_rows_free(v, n);

	/* no topics configured: one group of every story */
	q.unmatched = 1;
	q.max = 3;
	if (store_digest_rows(s, &q, &v, &n, &err) == -1)
		fail_msg("store_digest_rows: %s", err);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_null(v[i].topic);
		assert_int_equal(v[i].group_total, 7);
		assert_true(v[i].item_id == id[0] || v[i].item_id == id[6] ||
		    v[i].item_id == id[5]);
	}
	store_digest_rows_free(v, n);

	/* the sixth article matches "u" too: one story under two topics */
	if (store_begin(s, &err) == -1 ||
	    store_match_add(s, id[5], "u", "x", "title", "[x]", NULL, 0, NULL,
	    NULL, &err) == -1 || store_commit(s, &err) == -1)
		fail_msg("match: %s", err);

	/* the digest: cut as before, the total of every story */
	memset(&spec, 0, sizeof(spec));
	spec.max_stories = 2;
	if ((d = digest_build(s, &spec, t0, T0, &err)) == NULL)
		fail_msg("digest_build: %s", err);
	assert_int_equal(d->ntopics, 2);
	assert_string_equal(d->topics[0].name, "t");
	assert_int_equal(d->topics[0].total, 6);
	assert_int_equal(d->topics[0].nstories, 2);
	assert_int_equal(d->topics[0].stories[0].id, id[0]);
	assert_int_equal(d->topics[0].stories[0].noutlets, 2);
	assert_string_equal(d->topics[0].stories[1].items[0].title,
	    titles[5]);
	assert_int_equal(d->topics[1].total, 2);
	/*
	 * The header counts the period's stories, each once (7, not 6 + 2),
	 * and those shown (the first two of t, the last of u), the same in
	 * every format, the subject and the JSON, and back from it.
	 */
	assert_int_equal(d->total, 7);
	assert_int_equal(digest_nstories(d), 3);
	{
		struct digest_style	 st = { 80, 0, NULL, 0 };
		struct digest		*d2;
		char			*x;
		int			 k;

		for (k = 0; k < 4; k++) {
			x = k == 0 ? digest_render_text(d, &st) : k == 1 ?
			    digest_render_markdown(d, &st) : k == 2 ?
			    digest_render_html(d, &st) : digest_subject(d, &st);
			assert_non_null(strstr(x, k < 3 ? "7 stories, 3 shown, "
			    "in 2 topics" : "\xc2\xb7 7 stories, 3 shown: t, u"));
			free(x);
		}
		x = digest_to_json(d, 0);
		assert_non_null(strstr(x, "\"stories\":3,\"total\":7"));
		if ((d2 = digest_from_json(x, &err)) == NULL)
			fail_msg("digest_from_json: %s", err);
		assert_int_equal(d2->total, 7);
		free(x);
		x = digest_render_text(d2, &st);
		assert_non_null(strstr(x, "7 stories, 3 shown, in 2 topics"));
		free(x);
		digest_free(d2);
	}
	digest_free(d);
	/* every story shown: one count */
	spec.max_stories = 0;
	if ((d = digest_build(s, &spec, t0, T0, &err)) == NULL)
		fail_msg("digest_build: %s", err);
	assert_int_equal(d->total, 7);
	{
		struct digest_style	 st = { 80, 0, NULL, 0 };
		char			*x = digest_render_text(d, &st);

		assert_non_null(strstr(x, "7 stories in 2 topics"));
		free(x);
	}
	digest_free(d);
	store_close(s);
	db_remove(dir, path);
}

static void
test_json_roundtrip(void **state)
{
	struct digest	*d = small_digest(), *back;
	char		*a, *b, *err = NULL;

	(void)state;
	a = digest_to_json(d, 0);
	assert_non_null(strstr(a, "\"key\":\"morning/2026-11-27T07:00:00Z/"
	    "2026-11-28T07:00:00Z\""));
	assert_non_null(strstr(a, "\"trend\":[1,0,0,0,0,0,0,0,0,0,0,0,0,9]"));
	back = digest_from_json(a, &err);
	if (back == NULL)
		fail_msg("%s", err);
	b = digest_to_json(back, 0);
	assert_string_equal(a, b);
	free(b);
	digest_free(back);
	assert_null(digest_from_json("{\"topics\": 3}", &err));
	free(err);
	err = NULL;
	assert_null(digest_from_json("not json", &err));
	free(err);
	free(a);
	digest_free(d);
}

static int
has_control(const char *s, int allow_esc)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n' &&
		    !(allow_esc && *s == '\033')) || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * A time in another year than the digest's end gives its year: a digest
 * over New Year, an old story, a feed failing since last year; one within
 * the year does not.
 */
static void
test_year(void **state)
{
	struct digest		*d = small_digest();
	struct digest_style	 st = { 80, 0, NULL, 0 };
	char			*s, *p;

	(void)state;
	s = digest_render_text(d, &st);
	assert_non_null(strstr(s, "Fri 27 Nov 07:00 \xe2\x80\x93 Sat 28 Nov 07:00"));
	assert_null(strstr(s, "2026"));
	free(s);
	d->since = T0 - 340 * 86400;	/* 2025-12-23 */
	d->topics[0].stories[0].first_seen = T0 - 340 * 86400;
	s = digest_render_text(d, &st);
	assert_non_null(strstr(s, "Tue 23 Dec 2025 07:00 \xe2\x80\x93 "
	    "Sat 28 Nov 07:00"));
	assert_non_null(strstr(s, "first seen Tue 23 Dec 2025"));
	free(s);
	p = digest_period(d, NULL);
	assert_string_equal(p, "Tue 23 Dec 2025 07:00 \xe2\x80\x93 Sat 28 Nov "
	    "07:00 UTC");
	free(p);
	s = digest_render_html(d, &st);
	assert_non_null(strstr(s, "23 Dec 2025"));
	free(s);
	s = digest_render_markdown(d, &st);
	assert_non_null(strstr(s, "23 Dec 2025"));
	free(s);
	digest_free(d);
}

static void
test_text(void **state)
{
	struct digest		*d = small_digest();
	struct digest_style	 st = { 60, 0, NULL, 0 };
	char			*s, *line, *save = NULL;

	(void)state;
	free(d->topics[0].stories[0].items[0].title);
	d->topics[0].stories[0].items[0].title = xstrdup("Evil \033[2J\rtitle"
	    " with a long tail that will not fit in sixty columns at all");
	s = digest_render_text(d, &st);
	assert_false(has_control(s, 0));
	assert_non_null(strstr(s, "Evil [2J title"));
	assert_non_null(strstr(s, "Two outlets"));
	assert_non_null(strstr(s, "BREAKING"));
	assert_non_null(strstr(s, "Euractiv, Politico, Council (en) +3"));
	assert_non_null(strstr(s, "1 more story in sanctions"));
	assert_non_null(strstr(s, "Euractiv FR: HTTP 503"));
	assert_non_null(strstr(s, "https://example.org/2"));
	assert_non_null(strstr(s, "spike: 9 in the l"));
	/* every line but the links fits */
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "https://") == NULL)
			assert_true(termtext_width(line) <= 60);
	free(s);
	st.color = 1;
	s = digest_render_text(d, &st);
	assert_non_null(strstr(s, "\033[1;31mBREAKING"));
	assert_false(has_control(s, 1));
	free(s);
	digest_free(d);
}

/*
 * The text at the mail's 78 columns (daemon/digests.c) wraps what does
 * not fit, indented under its line, and cuts nothing: a title, the
 * outlets line with its languages, "+N" and first sighting, a failing
 * feed, a long topic name.  Only the summary keeps to two lines.
 */
static void
test_text_wrap(void **state)
{
	struct digest		*d = small_digest();
	struct digest_style	 st = { 78, 0, NULL, 0 };
	struct digest_story	*sy = &d->topics[0].stories[0];
	struct buf		 flat;
	char			*s, *p, *line, *save = NULL;
	int			 color;

	(void)state;
	free(sy->items[0].title);
	sy->items[0].title = xstrdup("Barack Obama calls for seamless "
	    "transition for US military to Donald Trump, and the end of it");
	free(sy->outlets[0]);
	sy->outlets[0] = xstrdup("World \xe2\x80\x93 The Indian Express");
	free(sy->outlets[1]);
	sy->outlets[1] = xstrdup("mirror - World news");
	free(d->failing[0].error);
	d->failing[0].error = xstrdup("HTTP 503 Service Unavailable from the "
	    "server, which said to come back later, much later");
	free(d->topics[1].name);
	d->topics[1].name = xstrdup("russia-and-the-eastern-neighbourhood "
	    "sanctions energy migration digital trade");
	for (color = 0; color < 2; color++) {
		st.color = color;
		s = digest_render_text(d, &st);
		/* the words of each line as one: nothing left out */
		buf_init(&flat, 0);
		for (p = s; *p != '\0'; p++)
			if (*p != '\n' && (*p != ' ' || (flat.len > 0 &&
			    flat.data[flat.len - 1] != ' ')))
				buf_putc(&flat, *p);
			else if (flat.len > 0 && flat.data[flat.len - 1] != ' ')
				buf_putc(&flat, ' ');
		assert_non_null(strstr(flat.data, "Donald Trump, and the end "
		    "of it"));
		assert_non_null(strstr(flat.data, "World \xe2\x80\x93 The Indian "
		    "Express, mirror - World news, Council (en) +3 \xc2\xb7 "
		    "first seen Sat 28 Nov 06:00"));
		assert_non_null(strstr(flat.data, "much later \xc2\xb7 7 "
		    "failures since the last success"));
		assert_non_null(strstr(flat.data, "migration digital trade"));
		buf_free(&flat);
		for (line = strtok_r(s, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			if (strstr(line, "https://") != NULL)
				continue;
			assert_true(termtext_width(line) <= 78);
			/* an ellipsis ends a summary's second line only */
			if (strlen(line) >= 3 && strcmp(line + strlen(line) -
			    3, "\xe2\x80\xa6") == 0)
				assert_non_null(strstr(line, "Summary"));
		}
		free(s);
	}
	/* the continuation of the title, under its text */
	st.color = 0;
	s = digest_render_text(d, &st);
	assert_non_null(strstr(s, "\xe2\x80\xa2 Barack Obama calls for "
	    "seamless transition for US military to Donald\n  Trump, and the "
	    "end of it\n"));
	assert_non_null(strstr(s, "mirror - World news, Council (en)\n    +3 "
	    "\xc2\xb7 first seen"));
	free(s);
	digest_free(d);
}

static void
test_markdown(void **state)
{
	struct digest		*d = small_digest();
	struct digest_style	 st = { 80, 0, NULL, 0 };
	char			*s;

	(void)state;
	free(d->topics[0].stories[0].items[0].title);
	d->topics[0].stories[0].items[0].title = xstrdup("*Bold* [x](y) _u_ "
	    "<b>");
	free(d->topics[0].stories[0].items[0].link);
	d->topics[0].stories[0].items[0].link = xstrdup("https://e.org/a<b>c\\");
	s = digest_render_markdown(d, &st);
	assert_non_null(strstr(s, "\\*Bold\\* \\[x\\](y) \\_u\\_ \\<b\\>"));
	assert_non_null(strstr(s, "(<https://e.org/a%3Cb%3Ec%5C>)"));
	assert_non_null(strstr(s, "## sanctions"));
	assert_non_null(strstr(s, "**breaking**"));
	free(s);
	digest_free(d);
}

static void
test_html_escaping(void **state)
{
	struct digest		*d = small_digest();
	struct digest_style	 st = { 80, 0, NULL, 0 };
	char			*s;

	(void)state;
	free(d->topics[0].stories[0].items[0].title);
	d->topics[0].stories[0].items[0].title =
	    xstrdup("<script>alert(1)</script> & \"q\"");
	free(d->topics[0].stories[1].items[0].link);
	d->topics[0].stories[1].items[0].link = xstrdup("javascript:alert(1)");
	s = digest_render_html(d, &st);
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "javascript:"));
	assert_null(strstr(s, "src="));
	assert_null(strstr(s, "url("));
	assert_non_null(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; "
	    "&quot;q&quot;"));
	assert_non_null(strstr(s, "prefers-color-scheme: dark"));
	assert_non_null(strstr(s, "<h2 class=\"tp\""));
	free(s);
	digest_free(d);
}

static char *
words(size_t n, unsigned seed)
{
	static const char *const w[] = { "Commission", "sanctions", "package",
	    "Parliament", "vote", "energy", "China", "tariffs", "Ukraine",
	    "Council", "adopts", "new", "rules", "on", "the", "digital",
	    "markets", "climate", "target", "migration" };
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 0);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", w[(seed + i * 7) % 20]);
	return buf_steal(&b);
}

/* 100 stories of realistic length in 8 topics: the HTML stays small. */
static void
test_html_size(void **state)
{
	struct store_digest_row	*v = xcalloc(100, sizeof(*v));
	struct digest		*d = xcalloc(1, sizeof(*d));
	struct digest_style	 st = { 80, 0, NULL, 0 };
	size_t			 n = 0, i, k;
	char			*s, *t;

	(void)state;
	for (i = 0; i < 100; i++) {
		t = words(14, (unsigned)i);
		row(v, &n, (int64_t)i + 1, NULL, t, T0 - (int64_t)i * 500, "en",
		    "euractiv politico council-en council-fr a b c d");
		free(v[i].summary);
		v[i].summary = words(110, (unsigned)i * 3);
		free(v[i].link);
		v[i].link = xasprintf("https://www.consilium.europa.eu/en/press/"
		    "press-releases/2026/11/27/%s-%zu/", "russia-sanctions-"
		    "package-adopted-by-the-council", i);
		free(v[i].topic);
		v[i].topic = xasprintf("topic-%zu", i % 8);
		free(t);
	}
	d->since = T0 - 86400;
	d->until = T0;
	d->topics = xcalloc(8, sizeof(*d->topics));
	for (k = 0; k < 8; k++) {
		d->topics[k].name = xasprintf("topic-%zu", k);
		digest_group(&d->topics[k], v, n, d->topics[k].name, 0, outlet,
		    NULL);
		for (i = 0; i < DIGEST_TREND_DAYS; i++)
			d->topics[k].trend[i] = (unsigned)(i * k + 3);
		d->ntopics++;
	}
	assert_int_equal(digest_nstories(d), 100);
	s = digest_render_html(d, &st);
	print_message("# HTML for 100 stories in 8 topics: %zu bytes\n",
	    strlen(s));
	assert_true(strlen(s) <= 200 * 1024);
	free(s);
	store_digest_rows_free(v, n);
	digest_free(d);
}

static void
test_subject(void **state)
{
	struct digest		*d = small_digest();
	struct tz		*z;
	struct digest_style	 st = { 80, 0, NULL, 0 };
	char			*s, *err = NULL;

	(void)state;
	if ((z = tz_load("Europe/Brussels", &err)) == NULL)
		fail_msg("%s", err);
	st.tz = z;
	s = digest_subject(d, &st);
	assert_string_equal(s, "herald morning digest \xc2\xb7 Sat 28 Nov "
	    "\xc2\xb7 3 stories: sanctions, russia");
	free(s);
	s = digest_render_text(d, &st);
	/* 07:00 UTC is 08:00 in Brussels in November */
	assert_non_null(strstr(s, "Sat 28 Nov 08:00 CET"));
	free(s);
	tz_free(z);
	digest_free(d);
}

static void
test_trend(void **state)
{
	unsigned	 flat[14] = { 4, 5, 4, 4, 5, 4, 4, 5, 4, 4, 5, 4, 4, 5 };
	unsigned	 spike[14] = { 4, 5, 4, 4, 5, 4, 4, 5, 4, 4, 5, 4, 4, 25 };
	unsigned	 zero[14] = { 0 }, base;
	char		*s;

	(void)state;
	assert_false(digest_spike(flat, 14, &base));
	assert_int_equal(base, 4);
	assert_true(digest_spike(spike, 14, &base));
	assert_false(digest_spike(zero, 14, &base));
	s = digest_sparkline(spike, 14);
	assert_string_equal(s, "\xe2\x96\x82\xe2\x96\x82\xe2\x96\x82\xe2\x96"
	    "\x82\xe2\x96\x82\xe2\x96\x82\xe2\x96\x82\xe2\x96\x82\xe2\x96\x82"
	    "\xe2\x96\x82\xe2\x96\x82\xe2\x96\x82\xe2\x96\x82\xe2\x96\x88");
	free(s);
	s = digest_sparkline(zero, 14);
	assert_int_equal(termtext_width(s), 14);
	free(s);
}

static void
test_wrap(void **state)
{
	char	*s;

	(void)state;
	s = termtext_wrap("one two three four five six", 9, 0, "> ");
	assert_string_equal(s, "one two\n> three\n> four five\n> six");
	free(s);
	s = termtext_wrap("one two three four five six", 9, 2, "");
	assert_string_equal(s, "one two\nthree\xe2\x80\xa6");
	free(s);
	/* a word longer than a line: whole, on its own */
	s = termtext_wrap("a abcdefghijklmnop qr", 5, 0, "");
	assert_string_equal(s, "a\nabcdefghijklmnop\nqr");
	free(s);
	s = termtext_wrap("  ", 5, 0, "");
	assert_string_equal(s, "");
	free(s);
	/* wide characters count two columns */
	s = termtext_wrap("\xe4\xb8\xad\xe5\x9b\xbd \xe6\xac\xa7\xe7\x9b\x9f", 4,
	    0, "");
	assert_string_equal(s, "\xe4\xb8\xad\xe5\x9b\xbd\n\xe6\xac\xa7\xe7\x9b"
	    "\x9f");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_rank),
		cmocka_unit_test(test_group_all),
		cmocka_unit_test(test_group_story),
		cmocka_unit_test(test_story_cap),
		cmocka_unit_test(test_group_breaking),
		cmocka_unit_test(test_summary_lead),
		cmocka_unit_test(test_store_stories),
		cmocka_unit_test(test_store_cut),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_wrap),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_html_escaping),
		cmocka_unit_test(test_html_size),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_trend),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_year),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
