/*
 * digest.h: a digest as data: topics, most active first; under each, its
 * stories (the store's, issue 9) ranked by distinct outlets then recency;
 * under each story, its articles of the period.  Plus a 14-day trend per
 * topic and the feeds that are failing.
 * Built from the store's rows (digest_build()), written and read back as
 * the JSON of herald(1) (the daemon keeps a digest in its outbox that way),
 * and rendered as text, Markdown or HTML (digest-render.c).  The CLI and
 * the daemon both use it, so a preview and the mail show the same digest.
 * depends on: store.h, date.h, tz.h, termtext.h, util.h, log.h, jansson;
 * used by: daemon/digests.c, cli/cmd-digest.c.
 */
#ifndef HERALD_DIGEST_H
#define HERALD_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"

#define DIGEST_TREND_DAYS	14
#define DIGEST_OUTLETS_SHOWN	3	/* "A, B, C (en, fr) +3" */
#define DIGEST_STORY_ITEMS	25	/* a story's articles listed, at most */

struct tz;

/* One article of a story; strings may be NULL but title's fallback. */
struct digest_item {
	int64_t		 id;
	int64_t		 story;		/* its story (store.h); 0 none */
	char		*title;
	char		*link;
	char		*summary;	/* plain text */
	char		*feed;		/* the feed's configured name */
	char		*outlet;	/* what readers call it: its title */
	char		*lang;		/* "en"; NULL unknown */
	int64_t		 published;	/* 0 unknown */
	int64_t		 first_seen;
};

struct digest_story {
	int64_t		 id;		/* the store's story; else its article */
	struct digest_item *items;	/* the lead first, then by first seen */
	size_t		 nitems;	/* at most DIGEST_STORY_ITEMS */
	size_t		 articles;	/* of the period, listed or not */
	char		**outlets;	/* distinct, the lead's first */
	size_t		 noutlets;
	char		**languages;	/* distinct, sorted */
	size_t		 nlanguages;
	int		 breaking;	/* the store says so, or 3 outlets
					   published within 6 hours */
	int64_t		 first_seen;	/* of its first article, before the
					   period too */
	int64_t		 last_seen;	/* of its latest article */
};

struct digest_topic {
	char		*name;		/* NULL: every story (no topics) */
	unsigned	 trend[DIGEST_TREND_DAYS]; /* matches a day, oldest first */
	struct digest_story *stories;	/* the ones shown, ranked */
	size_t		 nstories;
	size_t		 total;		/* stories in the period, shown or not */
};

struct digest_failing {
	char		*feed;
	char		*outlet;
	char		*error;
	int		 failures;	/* in a row */
	int64_t		 last_success;	/* 0 never */
	int64_t		 last_attempt;
	int64_t		 disabled;	/* when herald stopped fetching it
					   (410 Gone: its last attempt);
					   0: not disabled */
};

/*
 * The whole digest; it owns everything it points to.  `name` is NULL for
 * `herald digest` without --name.  The period is [since, until).
 */
struct digest {
	char		*name;
	char		*timezone;	/* how times are shown; NULL: UTC */
	int64_t		 since;
	int64_t		 until;
	int64_t		 next;		/* a preview: when it is due; else 0 */
	size_t		 total;		/* stories in the period under its
					   topics, a story once, shown or not
					   (at least digest_nstories()) */
	struct digest_topic *topics;	/* most active first */
	size_t		 ntopics;
	struct digest_failing *failing;	/* failing longest first */
	size_t		 nfailing;
};

/* What to put in a digest. */
struct digest_spec {
	const char	*name;		/* NULL: no name */
	const char *const *topics;	/* NULL, 0: every topic of the store's */
	size_t		 ntopics;
	const char *const *feeds;	/* NULL, 0: every feed */
	size_t		 nfeeds;
	size_t		 max_stories;	/* per topic; 0: no limit */
	const char	*timezone;	/* for the renderers; NULL: UTC */
	int		 all_stories;	/* no topics configured: one group */
};

/*
 * Reads the period [since, until) from the store and builds the digest.
 * NULL with *errstr on a store error.
 */
struct digest	*digest_build(struct store *, const struct digest_spec *,
		    int64_t since, int64_t until, char **errstr);

/*
 * The seam between articles and stories: groups rows (store.h: the
 * articles of the period of the stories that matched `topic`, or every
 * row when topic is NULL) into stories, ranks them (distinct outlets, then
 * the latest article, then the id) and keeps the first `max` (0: all) in
 * t->stories; t->total counts them all, or the rows' group_total when
 * the store read only the stories shown.  Rows with the same story id are
 * one story; a row without one is a story of its own.  A story is
 * breaking when a row says so (the store's story_topics), or when articles
 * of three outlets or more, published within six hours of one another,
 * belong to it (publication times, not fetch times; each article for the
 * outlet that carried it first).  outlet(arg, feed) names a feed
 * for readers (its title); NULL, or a NULL answer: the feed's name.
 */
typedef const char *(*digest_outlet_fn)(void *arg, const char *feed);

void		 digest_group(struct digest_topic *t,
		    const struct store_digest_row *rows, size_t nrows,
		    const char *topic, size_t max, digest_outlet_fn outlet,
		    void *arg);

void		 digest_free(struct digest *);

/*
 * Distinct stories shown across the topics (a story under two topics
 * counts once); d->total counts those of the period, shown or not.
 */
size_t		 digest_nstories(const struct digest *);

/*
 * "Euractiv, Politico, Council (en, fr) +3" (heap): the first
 * DIGEST_OUTLETS_SHOWN outlets, the languages, the count of the rest.
 */
char		*digest_sources(const struct digest_story *);

/*
 * A story's summary: its lead article's, or NULL when the lead has none
 * (another article's would describe another text under the lead's title
 * and link).  Borrowed from the story.
 */
const char	*digest_story_summary(const struct digest_story *);

/*
 * The idempotency key of a digest: its name and period, stable across
 * restarts, "morning/2026-11-27T06:30:00Z/2026-11-28T06:30:00Z" (heap).
 */
char		*digest_key(const char *name, int64_t since, int64_t until);

/* The JSON of herald(1) (heap, compact unless `pretty`). */
char		*digest_to_json(const struct digest *, int pretty);
/* And back: NULL with *errstr when it is not one. */
struct digest	*digest_from_json(const char *, char **errstr);

/* digest-render.c: the same digest for people. */

struct digest_style {
	size_t		 width;		/* text: columns, at least 40 */
	int		 color;		/* text: ANSI bold and colour */
	const struct tz	*tz;		/* times in this zone; NULL: UTC */
	int64_t		 now;		/* a time in another year gives its
					   year; 0: none does (the renderers
					   set the digest's end) */
};

/* Each returns a heap string. */
char		*digest_render_text(const struct digest *,
		    const struct digest_style *);
char		*digest_render_markdown(const struct digest *,
		    const struct digest_style *);
/* One HTML document: inline CSS, tables, no script, no remote asset. */
char		*digest_render_html(const struct digest *,
		    const struct digest_style *);
/*
 * "herald morning digest · Fri 28 Nov · 552 stories, 88 shown: russia,
 * china, ukraine…" (the counts as in the header)
 */
char		*digest_subject(const struct digest *,
		    const struct digest_style *);
/* "Fri 27 Nov 07:30 – Sat 28 Nov 07:30 CET" (heap). */
char		*digest_period(const struct digest *,
		    const struct digest_style *);
/* "spike: 25 in the last day, usually 4" or "3 in the last day" (heap). */
char		*digest_trend_text(const struct digest_topic *);
/* "▁▂▃▅▇" for a trend, scaled to its largest day (heap). */
char		*digest_sparkline(const unsigned *trend, size_t n);
/*
 * A spike: the last day against the 13 before it.  Returns 1 and sets
 * *baseline (their mean, rounded) when the last day is at least 3 and
 * at least twice the baseline plus one.
 */
int		 digest_spike(const unsigned *trend, size_t n,
		    unsigned *baseline);

#endif
