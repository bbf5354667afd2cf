/*
 * store-int.h: what the parts of the SQLite store share (store.c,
 * store-items.c, store-alerts.c, store-query.c, store-topics.c,
 * store-stories.c, store-digest.c): the connection, the table of
 * prepared statements and the helpers around it.
 * Private to lib/store*.c, the only files that include sqlite3.h.
 * depends on: store.h, sqlite3.h; used by: lib/store*.c only.
 */
#ifndef HERALD_STORE_INT_H
#define HERALD_STORE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"

/* Prepared once per connection, reset after each use. */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_FEED_BY_NAME,
	ST_FEED_INSERT,
	ST_FEED_RECONF,
	ST_FEED_ENABLE,
	ST_FEED_GET,
	ST_FEED_UPDATE,
	ST_FEED_SEEN,
	ST_IF_BY_GUID,
	ST_IF_BY_GUID_NULL,
	ST_IF_GET,
	ST_ITEMS_BY_LINK,
	ST_ITEMS_BY_KEY,
	ST_ITEM_INSERT,
	ST_ITEM_UPDATE,
	ST_IF_INSERT,
	ST_IF_SET_HASH,
	ST_IF_SET_RAW,
	ST_IF_SET_CURRENT,
	ST_FTS_DELETE,
	ST_FTS_INSERT,
	ST_IF_COUNT_CURRENT,
	ST_IF_LIST_CURRENT,
	ST_PRUNE,
	ST_MATCH_INSERT,
	ST_MATCH_GET,
	ST_MATCH_FREEZE,
	ST_TOPIC_ADD,
	ST_TOPIC_ID,
	ST_MATCH_INSERT_ID,
	ST_MATCH_GET_ID,
	ST_OUTBOX_INSERT,
	ST_ALERTS_DUE,
	ST_ALERT_ATTEMPT,
	ST_ALERT_SENT,
	ST_ALERT_RETRY,
	ST_ALERT_DEAD,
	ST_ALERTS_EXPIRE,
	ST_ALERTS_NEXT,
	ST_ALERTS_NEXT_ANY,
	ST_ITEMS_NEW,
	ST__COUNT
};

#define FEED_COLS \
	"id, name, url, config_url, title, site_link, enabled, " \
	"disabled_reason, etag, last_modified, last_fetch, last_success, " \
	"last_status, last_error, error_class, failures, next_fetch, " \
	"n_fetches, n_errors, n_not_modified, n_new, n_updated, last_new, " \
	"redirect_url, redirect_count, body_hash, ttl_hint, skip_hours, " \
	"skip_days, config_title"
#define FEED_NCOLS	30

/*
 * The columns of a store_entry; the first feed to carry an item is the one
 * it is listed under.
 */
#define ENTRY_COLS \
	"i.id, o.id, o.name," \
	" (SELECT group_concat(name, ', ') FROM (SELECT d.name" \
	"   FROM item_feeds x JOIN feeds d ON d.id = x.feed_id" \
	"   WHERE x.item_id = i.id ORDER BY x.first_seen, d.name))," \
	" i.title, i.link, i.summary, i.author, i.categories, i.published," \
	" i.first_seen, i.changed"
#define ENTRY_ORIGIN \
	" LEFT JOIN feeds o ON o.id = (SELECT x.feed_id FROM item_feeds x" \
	"   WHERE x.item_id = i.id ORDER BY x.first_seen, x.feed_id LIMIT 1)"

/*
 * An article's story (issue 9), columns after another list: its id and
 * size, its outlets (first-carrying feeds, each as the expression `feed`
 * of feeds d says) and languages, each distinct in the order of its
 * articles, '\n' between.  STORY_FROM joins the story of the article `i`.
 */
#define STORY_OUTLETS_OF(feed, sid) \
	" (SELECT group_concat(name, char(10)) FROM (SELECT " feed " AS name" \
	"   FROM story_links x JOIN feeds d ON d.id = x.feed_id" \
	"   WHERE x.story_id = " sid " GROUP BY 1" \
	"   ORDER BY min(x.at), 1))"
#define STORY_LANGS_OF(sid) \
	" (SELECT group_concat(lang, char(10)) FROM (SELECT x.lang" \
	"   FROM story_links x WHERE x.story_id = " sid \
	"   AND x.lang <> '' GROUP BY x.lang ORDER BY min(x.at), x.lang))"
#define STORY_COLS_AS(feed) \
	" sl.story_id, ss.size," STORY_OUTLETS_OF(feed, "sl.story_id") "," \
	STORY_LANGS_OF("sl.story_id")
#define STORY_COLS	STORY_COLS_AS("d.name")
/*
 * what a digest calls a feed: its configured title, else its own, else its
 * name (store_feed_outlet())
 */
#define FEED_OUTLET \
	"coalesce(nullif(d.config_title, ''), nullif(d.title, ''), d.name)"
#define STORY_FROM \
	" LEFT JOIN story_links sl ON sl.item_id = i.id" \
	" LEFT JOIN stories ss ON ss.id = sl.story_id"

/*
 * A match's terms, field or snippet (part 0, 1, 2) written out: the
 * matcher keeps them packed in the snippet column (migration 13).  MATCH_WHY
 * reads a match m of the article i.
 */
#define WHY_OF(part, packed, plain) \
	"herald_why(" part ", " packed ", " plain ", i.title, i.summary," \
	" i.content, i.author)"
#define MATCH_WHY(part, col)	WHY_OF(part, "m.snippet", "m." col)

#define ALERT_COLS \
	"b.id, m.id, b.plugin, b.state, b.attempts, b.next_attempt," \
	" b.last_error, b.created, b.sent_at, tp.name, " \
	MATCH_WHY("0", "terms") ", " MATCH_WHY("1", "field") ", " \
	MATCH_WHY("2", "snippet") ", i.id, i.title, i.link, i.summary," \
	" i.author, i.published," \
	" i.first_seen, o.name," \
	" (SELECT group_concat(name, ', ') FROM (SELECT d.name" \
	"   FROM item_feeds x JOIN feeds d ON d.id = x.feed_id" \
	"   WHERE x.item_id = i.id ORDER BY x.first_seen, d.name))," \
	" b.breaking," STORY_COLS_AS(FEED_OUTLET)
#define ALERT_FROM \
	" FROM outbox b JOIN matches m ON m.id = b.match_id" \
	" JOIN topics tp ON tp.id = m.topic_id" \
	" JOIN items i ON i.id = m.item_id" ENTRY_ORIGIN STORY_FROM

/* The (feed, item) pairs upserted in the open transaction. */
struct touched {
	int64_t	*keys;		/* pairs: feed, item; 0 feed = empty slot */
	size_t	 cap;		/* slots, a power of two */
	size_t	 n;
};

struct store {
	sqlite3		*db;
	char		*path;
	int		 rdonly;
	int64_t		 now;
	sqlite3_stmt	*st[ST__COUNT];
	struct touched	 touched;
	/* items added or changed in the open transaction, to index at commit */
	int64_t		*unindexed;
	size_t		 nunindexed;
	size_t		 capunindexed;
	struct store_stories *stories;	/* store-stories.c's, made on use */
	const char	*checked;	/* why store_open() checked, or NULL */
	int		 marked;	/* store_meta says this handle has it open */
	int		 damaged;	/* SQLite said SQLITE_CORRUPT or NOTADB */
	int		 keyless;	/* a GUID is stored without its hash */
	sqlite3_stmt	**digest_st;	/* store-digest.c's, made on use */
	struct store_tokens *tokens;	/* store-tokens.c's tokenizer */
	/* store_open_progress()'s caller, told what a long open does */
	store_progress_fn *progress;
	void		*progress_arg;
	char		 progress_what[96];
	struct timespec	 progress_last;	/* CLOCK_MONOTONIC of the last call */
};

/* store.c */
void		 store_sqlite_init(void);
void		 store_seterr(struct store *, char **errstr, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
sqlite3_stmt	*stmt_get(struct store *, enum stmt_id, char **errstr);
sqlite3_stmt	*stmt_cached(struct store *, sqlite3_stmt **, const char *,
		    char **errstr);
void		 stmt_done(sqlite3_stmt *);
void		 bind_str(sqlite3_stmt *, int, const char *);
char		*col_str(sqlite3_stmt *, int);
int		 step_write(struct store *, sqlite3_stmt *, const char *what,
		    char **errstr);
int64_t		 store_now(struct store *);
double		 elapsed_since(const struct timespec *);
int		 txn_auto(struct store *, int *own, char **errstr);
int		 txn_end(struct store *, int own, int ret, char **errstr);

/* store-items.c */
int64_t		 item_link_key(const char *canon);
void		 touched_clear(struct touched *);
int		 items_index(struct store *, char **errstr);
void		 feed_from_row(sqlite3_stmt *, struct store_feed *);

/* store-tokens.c: the index's tokenizer, its tokens kept for a transaction */
fts5_api	*fts5_api_of(sqlite3 *);
int		 tokens_register(struct store *, char **errstr);
void		 tokens_keep(struct store *, int on);
void		 tokens_clear(struct store *);

/* store-query.c */
#define ENTRY_SNIPPET	0x1	/* entries_collect(): snippet, rank follow */
#define ENTRY_STORY	0x2	/* then STORY_COLS */
void		 entry_from_row(sqlite3_stmt *, struct store_entry *);
int		 entries_collect(struct store *, sqlite3_stmt *, int extra,
		    struct store_entry **out, size_t *n, const char *what,
		    char **errstr);

/* store-stories.c */
extern const char stories_schema[];
extern const char stories_docs_schema[];
extern const char stories_title_sql[];
extern const char stories_nofk_sql[];
int		 stories_backfill(struct store *, char **errstr);
int		 stories_assign(struct store *, int64_t item_id, int64_t feed_id,
		    const struct store_item *, char **errstr);
int		 topic_id(struct store *, const char *name, int64_t *id,
		    char **errstr);
int		 match_add(struct store *, int64_t item_id, const char *topic,
		    int64_t topic_id, const char *terms, const char *field, const char *snippet,
		    const unsigned char *why, size_t nwhy,
		    const char *const *plugins, size_t nplugins,
		    int64_t *match_id, int *created, char **errstr);
int		 stories_topic_alerts(struct store *, int64_t item_id,
		    const char *topic, int64_t match_id, char **errstr);
int		 stories_prune(struct store *, int64_t older_than,
		    char **errstr);
int		 stories_pruned(struct store *, char **errstr);
/* FTS5's complaint about a query, said for a person (store-query.c) */
char		*store_query_error(const char *msg);
void		 stories_close(struct store *);

/*
 * A topic's breaking rule as store_topics_match() hands it over: one more
 * alert for its plugins when a story of the topic reaches `outlets`
 * distinct outlets within `within` seconds.
 */
struct story_breaking {
	const char		*topic;
	int			 outlets;
	int64_t			 within;
	const char *const	*plugins;
	size_t			 nplugins;
};

int		 stories_breaking(struct store *, const struct story_breaking *,
		    size_t nrules, const int64_t *items, size_t nitems,
		    size_t *nbroke, char **errstr);

/* store-digest.c */
void		 digests_close(struct store *);
/* ["a","b"] (heap) to bind for json_each(), or NULL when n is 0. */
char		*names_json(const char *const *, size_t n);

/* store-topics.c */
struct store_topics *topics_compile(struct store *, const struct store_topic *,
		    size_t n, char **errstr);
struct rule_set	*topics_rules(struct store_topics *);

#endif
