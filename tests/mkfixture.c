/*
 * mkfixture.c: writes the database tests/cli.sh reads, through the real
 * store, with every time fixed relative to NOW, so the relative times the
 * CLI prints ("3m ago", "in 12m") are known in advance.  Published dates
 * are relative to NOW too: a fixed date ages, and the newest-first order
 * it was chosen for flips once the calendar passes it (cli.sh computes the
 * dates it expects from the same NOW).
 *
 * usage: mkfixture DBPATH NOW
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define MIN	60
#define HOUR	(60 * MIN)
#define DAY	(24 * HOUR)

struct fitem {
	const char	*guid;
	const char	*link;
	const char	*title;
	const char	*summary;
	int64_t		 published_ago;	/* before NOW; 0: none */
	int64_t		 seen;		/* first seen, seconds before NOW */
};

struct ffeed {
	const char	*name;
	const char	*url;
	int		 enabled;
	int		 fetched;	/* 0: never fetched */
	int		 ok;
	int		 status;
	const char	*error;
	const char	*error_class;
	int		 failures;
	int64_t		 success_ago;	/* last success, before NOW; 0 never */
	int64_t		 next_in;	/* next fetch, after NOW */
	const char	*disabled;
	struct fitem	 items[4];
};

static const struct ffeed feeds[] = {
	{ "eu-observer", "https://observer.example.eu/rss", 1, 1, 1, 200,
	    NULL, NULL, 0, 3 * MIN + 30, 12 * MIN + 30, NULL, {
		{ "obs-1", "https://observer.example.eu/sanctions-20"
		    "?utm_source=rss&utm_medium=feed",
		  "Council agrees 20th sanctions package against Russia",
		  "EU ambassadors agreed on new sanctions targeting Russia's "
		  "shadow fleet and banks in third countries. The package "
		  "also lists 40 people and entities, and extends the "
		  "transaction ban to more ports.",
		  2 * HOUR + 30 * MIN, 2 * HOUR },
		{ "obs-2", "https://observer.example.eu/dma-cloud",
		  "Commission opens DMA probe into cloud services",
		  "The Digital Markets Act investigation looks at "
		  "interoperability.",
		  3 * DAY + HOUR, 3 * DAY },
	} },
	{ "politico", "https://www.politico.example/feed/", 1, 1, 1, 200,
	    NULL, NULL, 0, 20 * MIN + 30, 40 * MIN + 30, NULL, {
		/* the same article as obs-1, other tracking parameters */
		{ "pol-1", "https://observer.example.eu/sanctions-20"
		    "?utm_source=politico&fbclid=abc",
		  "Council agrees 20th sanctions package against Russia",
		  "EU ambassadors agreed on new sanctions.",
		  2 * HOUR + 30 * MIN, 1 * HOUR },
		{ "pol-2", "https://www.politico.example/beijing-summit",
		  "Beijing summit: 中国 and the EU — Pékin signals trade "
		  "talks",
		  "Leaders met in Pékin to discuss tariffs and rare earths.",
		  35 * MIN, 30 * MIN },
	} },
	{ "council", "https://council.example.eu/rss.xml", 1, 1, 1, 304,
	    NULL, NULL, 0, 50 * MIN + 30, 9 * MIN + 30, NULL, {
		{ "cou-1", "https://council.example.eu/press/energy",
		  "Énergie : le Conseil adopte sa position sur le marché du "
		  "gaz",
		  "Les ministres de l'énergie se sont accordés sur le "
		  "stockage de gaz et les achats communs de GNL.",
		  5 * HOUR + 30 * MIN, 5 * HOUR },
		{ "cou-2", "https://council.example.eu/press/nato",
		  "Rada UE i NATO: wspólna deklaracja w sprawie "
		  "bezpieczeństwa",
		  "Wspólna deklaracja UE–NATO o współpracy w dziedzinie "
		  "obronności.",
		  10 * DAY + HOUR, 10 * DAY },
	} },
	{ "parliament", "https://parliament.example.eu/press.atom", 1, 1, 0,
	    503, "HTTP 503", "http5xx", 3,
	    2 * DAY + HOUR, 3 * HOUR + 10 * MIN, NULL, {
		{ "ep-1", "https://parliament.example.eu/news/ai-act",
		  "Plenary adopts AI Act guidelines",
		  "MEPs adopted guidelines on general-purpose AI models.",
		  0, 26 * HOUR },
	} },
	{ "gone-feed", "https://gone.example.eu/feed", 1, 1, 0, 410,
	    "HTTP 410", "http4xx", 1, 40 * DAY, 0,
	    "HTTP 410 Gone: the feed was removed; fetching stopped",
	    { { NULL } } },
	{ "off-feed", "https://off.example.eu/feed", 0, 0, 0, 0,
	    NULL, NULL, 0, 0, 0, NULL, { { NULL } } },
	{ "think-tank", "https://thinktank.example.org/a/rather/long/path/"
	    "to/a/feed/that/cannot/fit/in/a/narrow/terminal/feed.xml", 1, 0, 0,
	    0, NULL, NULL, 0, 0, 0, NULL, { { NULL } } },
};

static int
fail(const char *what, char *err)
{
	fprintf(stderr, "mkfixture: %s: %s\n", what, err ? err : "?");
	free(err);
	return 1;
}

int
main(int argc, char **argv)
{
	struct store		*s;
	struct store_item	 it;
	struct store_fetch	 fx;
	const struct ffeed	*f;
	const struct fitem	*fi;
	char			*err = NULL;
	int64_t			 now, id;
	size_t			 i, j;
	int			 nnew;

	if (argc != 3) {
		fprintf(stderr, "usage: mkfixture DBPATH NOW\n");
		return 2;
	}
	now = strtoll(argv[2], NULL, 10);
	if ((s = store_open(argv[1], STORE_RDWR, &err)) == NULL)
		return fail(argv[1], err);
	for (i = 0; i < sizeof(feeds) / sizeof(feeds[0]); i++) {
		f = &feeds[i];
		store_set_now(s, now - 41 * DAY);
		if (store_feed_ensure(s, f->name, f->url, NULL, f->enabled, &id,
		    &err) == -1)
			return fail(f->name, err);
		if (!f->fetched)
			continue;
		if (store_begin(s, &err) == -1)
			return fail("begin", err);
		nnew = 0;
		for (j = 0; j < 4 && f->items[j].guid != NULL; j++) {
			fi = &f->items[j];
			memset(&it, 0, sizeof(it));
			it.guid = fi->guid;
			it.link = fi->link;
			it.title = fi->title;
			it.summary = fi->summary;
			it.published = now - fi->published_ago;
			it.has_published = fi->published_ago != 0;
			store_set_now(s, now - fi->seen);
			if (store_item_upsert(s, id, &it, NULL, NULL,
			    &err) == -1)
				return fail(fi->guid, err);
			nnew++;
		}
		/* the last success, then for a failing feed its failure */
		memset(&fx, 0, sizeof(fx));
		fx.fetched = now - f->success_ago;
		fx.ok = 1;
		fx.status = f->ok ? f->status : 200;
		fx.next_fetch = now + f->next_in;
		fx.n_new = nnew;
		fx.complete = 1;
		if (f->success_ago != 0 && store_feed_update(s, id, &fx,
		    &err) == -1)
			return fail(f->name, err);
		if (!f->ok) {
			memset(&fx, 0, sizeof(fx));
			fx.fetched = now - 5 * MIN;
			fx.status = f->status;
			fx.error = f->error;
			fx.error_class = f->error_class;
			fx.failures = f->failures;
			fx.next_fetch = f->next_in != 0 ? now + f->next_in : 0;
			fx.disabled_reason = f->disabled;
			if (store_feed_update(s, id, &fx, &err) == -1)
				return fail(f->name, err);
		}
		if (store_commit(s, &err) == -1)
			return fail("commit", err);
	}
	store_close(s);
	return 0;
}
