/*
 * store.h: what herald keeps between fetches (feeds, articles, the search
 * index) behind a narrow interface.  The SQLite backend (store*.c, sharing
 * the private store-int.h) is the only code that knows SQL; another backend
 * would be other files behind the same header.  All times are seconds since
 * the epoch, UTC.  All text is UTF-8.
 * depends on: store-int.h, rule.h, url.h, util.h, story.h, SQLite
 * (store*.c); used by: daemon/ (sched.c, ingest.c, alert.c, topic.c,
 * control.c), cli/.
 */
#ifndef HERALD_STORE_H
#define HERALD_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* store_open() flags. */
#define STORE_RDONLY	0x0	/* the CLI: never writes, never migrates */
#define STORE_RDWR	0x1	/* the daemon: creates and migrates */
#define STORE_CHECK	0x2	/* run PRAGMA quick_check, whatever the record */
#define STORE_NOCHECK	0x4	/* never run it on a read-write open */

/*
 * Opens the database at `path`.  STORE_RDWR creates it if missing, runs the
 * schema's forward migrations and sets WAL mode; a read-only open refuses a
 * database whose schema is older or missing ("start heraldd once").  A
 * schema newer than this program, a file that is not a herald database, or
 * one that fails PRAGMA quick_check is refused with a message naming the
 * file and what to do; nothing is ever deleted or recreated.  quick_check
 * reads the whole file (about 2 s per GB here), so a read-write open runs
 * it only when the last read-write process did not close the database
 * (store_close() records a clean close in the file), when no check is
 * recorded or the last passed a week ago or more, or with STORE_CHECK; it
 * logs why before it starts.  A read-only open checks only with
 * STORE_CHECK.  Damage met later is reported the same way.
 * Returns NULL and sets *errstr (heap) on failure.
 */
struct store	*store_open(const char *path, int flags, char **errstr);

/*
 * store_open() that says what a long open is doing.  A schema upgrade runs
 * inside the open, one transaction per step, and a step that rebuilds the
 * search index or gives every stored article its story takes minutes on a
 * database of hundreds of thousands of articles.  `fn` is called as each
 * upgrade step starts and then about every STORE_PROGRESS_EVERY seconds
 * while one runs, with a line saying which step: heraldd passes it on to
 * its service manager (EXTEND_TIMEOUT_USEC=, STATUS=), so that
 * TimeoutStartSec does not kill a start that is upgrading.  The open also
 * logs when an upgrade starts and how long it took.
 */
#define STORE_PROGRESS_EVERY	10
typedef void	 store_progress_fn(void *arg, const char *what);
struct store	*store_open_progress(const char *path, int flags,
		    store_progress_fn *fn, void *arg, char **errstr);
void		 store_close(struct store *);

/* Why store_open() ran quick_check on this handle (static), or NULL. */
const char	*store_check_reason(const struct store *);

/*
 * FTS5's integrity-check of the search index against the articles, on a
 * read-write handle: only the store's tokenizer folds Greek accents as the
 * index does, so another program's check finds their words wrong.
 */
int		 store_index_check(struct store *, char **errstr);

/*
 * Whether a check found the database at `path` damaged: the file
 * DATABASE.damaged a failed check leaves beside it (and a check that
 * passes removes).  1 with its time in *when and its path in *mark (heap,
 * may be NULL), 0 none.  Needs no open store: the database may not open.
 */
int		 store_damaged_mark(const char *path, int64_t *when,
		    char **mark);

/* The schema version this program writes (PRAGMA user_version). */
int		 store_schema_version(void);

/*
 * Pins the clock the store stamps first_seen and changed with (tests and
 * replays); 0 returns to time(NULL).
 */
void		 store_set_now(struct store *, int64_t now);

/*
 * Rows inserted, updated or deleted through this handle since it was opened,
 * index triggers included: how tests and the benchmark show that a poll with
 * nothing new writes nothing.
 */
int64_t		 store_changes(struct store *);

/*
 * Write transactions: every one is BEGIN IMMEDIATE (a deferred transaction
 * that reads then writes fails with SQLITE_BUSY_SNAPSHOT under a concurrent
 * writer).  The daemon runs one per fetched feed: begin, upsert the items,
 * store_feed_update(), commit.  store_rollback() is safe to call when no
 * transaction is open.
 */
int	 store_begin(struct store *, char **errstr);
int	 store_commit(struct store *, char **errstr);
int	 store_rollback(struct store *);

/* Feeds. */

/* A feed row as read back; every string is owned by the struct. */
struct store_feed {
	int64_t	 id;
	char	*name;
	char	*url;		/* fetched URL (301s can update it) */
	char	*config_url;	/* URL as configured */
	char	*title;		/* the feed's own title, from its last parse */
	char	*config_title;	/* [feed] title (or OPML's); NULL none */
	char	*site_link;
	int	 enabled;	/* from the configuration */
	char	*disabled_reason; /* non-NULL: disabled by herald (410 Gone) */
	char	*etag;
	char	*last_modified;
	int64_t	 last_fetch;	/* last attempt, 0 if never */
	int64_t	 last_success;	/* 0 if never */
	int	 last_status;	/* HTTP status of the last attempt, 0 if none */
	char	*last_error;	/* NULL after a success */
	char	*error_class;	/* the daemon's words ("dns", "http5xx"...) */
	int	 failures;	/* consecutive */
	int64_t	 next_fetch;	/* wall clock, for display; 0 unknown */
	int64_t	 n_fetches;	/* counters since the feed was added */
	int64_t	 n_errors;
	int64_t	 n_not_modified;
	int64_t	 n_new;		/* items new to the store */
	int64_t	 n_updated;
	int64_t	 item_count;	/* store_feeds_list() only: items carried now */
	int64_t	 newest_item;	/* store_feeds_list() only: last first_seen */
	char	*redirect_url;	/* a permanent redirect seen lately ... */
	int	 redirect_count; /* ... on this many fetches in a row */
	/* what the last body stored said (store_fetch.set_body) */
	uint64_t body_hash;	/* 0: none */
	long	 hint;		/* ttl, sy:updatePeriod: seconds, -1 none */
	uint32_t skip_hours;	/* skipHours bitmask, 0 none */
	uint32_t skip_days;	/* skipDays bitmask, 0 none */
};

/*
 * What readers call a feed (digests, alerts' outlets, herald feeds): its
 * configured title, else its own, else its name.  Borrowed from `f`.
 */
const char *store_feed_outlet(const struct store_feed *f);
/*
 * Whether a feed is failing, for every reader (herald feeds --errors and
 * its state, herald status, the digest's failing feeds): watched (not off)
 * and disabled by herald (410 Gone), or its last attempt failed.
 */
int	 store_feed_failing(const struct store_feed *f);

/*
 * Makes sure a configured feed has a row and returns its id in *id.  A new
 * configured URL replaces the stored one and clears the HTTP validators and
 * a disabled_reason; the same configured URL leaves a redirected URL alone.
 * `title` is the configured title (NULL or "": none), stored as it is.
 */
int	 store_feed_ensure(struct store *, const char *name, const char *url,
	    const char *title, int enabled, int64_t *id, char **errstr);

/*
 * Every feed whose id is not among ids[0..n) is off (enabled 0): it was
 * taken out of the configuration, and is neither watched nor in error;
 * its row and articles stay.  store_feed_ensure() turns it on again.
 */
int	 store_feeds_only(struct store *, const int64_t *ids, size_t n,
	    char **errstr);
/*
 * Records when the daemon will fetch each of n feeds (ids[i] at when[i],
 * wall clock) where it armed their timers without a fetch (the start-up
 * spread), so that herald feeds can say it; one transaction.
 */
int	 store_feeds_set_next(struct store *, const int64_t *ids,
	    const int64_t *when, size_t n, char **errstr);

/* Reads one feed by id (returns 1 if found, 0 if not, -1 on error). */
int	 store_feed_get(struct store *, int64_t id, struct store_feed *,
	    char **errstr);
void	 store_feed_clear(struct store_feed *);

/*
 * The outcome of one fetch attempt.  NULL strings store NULL except where
 * "keeps" is said.
 */
struct store_fetch {
	int64_t		 fetched;	/* when the attempt ended */
	int		 ok;		/* parsed, or 304 */
	int		 status;	/* HTTP status, 0 if none */
	const char	*error;		/* last_error (NULL when ok) */
	const char	*error_class;
	int		 failures;	/* consecutive, counting this one */
	int64_t		 next_fetch;
	int		 set_validators; /* 0 keeps etag and last_modified */
	const char	*etag;
	const char	*last_modified;
	const char	*title;		/* NULL keeps */
	const char	*site_link;	/* NULL keeps */
	const char	*url;		/* new URL (301s); NULL keeps */
	const char	*disabled_reason; /* non-NULL disables (410) */
	int		 n_new;		/* added to the counters */
	int		 n_updated;
	/*
	 * 1 when every item of a successful parse was passed to
	 * store_item_upsert() in this transaction: those items become the
	 * feed's current contents, which store_prune() keeps.  0 for a 304,
	 * an error, or a partial parse.
	 */
	int		 complete;
	/* the permanent-redirect streak, stored as given (NULL, 0: none) */
	const char	*redirect_url;
	int		 redirect_count;
	/*
	 * 1 when a body was parsed: its hash (0 unknown) and what it said
	 * replace the stored ones, as store_feed reads them back.  0 keeps
	 * them (a 304, an error, a body the same as the stored one).
	 */
	int		 set_body;
	uint64_t	 body_hash;
	long		 hint;
	uint32_t	 skip_hours;
	uint32_t	 skip_days;
};

int	 store_feed_update(struct store *, int64_t feed_id,
	    const struct store_fetch *, char **errstr);

/* Items. */

/*
 * An article as the store takes it.  summary and content are plain text
 * (already converted from HTML: they are what gets indexed and shown);
 * the store keeps no HTML.  categories are separated by newlines.  Every
 * pointer may be NULL; all are borrowed for the call.
 */
struct store_item {
	const char	*guid;		/* RSS guid, Atom id */
	const char	*link;
	const char	*title;
	const char	*summary;
	const char	*content;
	const char	*author;
	const char	*categories;
	const char	*enclosure_url;
	const char	*lang;
	int64_t		 published;
	int		 has_published;
	int64_t		 updated;
	int		 has_updated;
	int64_t		 raw_hash;	/* of the entry as parsed; 0 none */
};

enum store_upsert_result {
	STORE_UNCHANGED,	/* known, unchanged, or joined from a 2nd feed */
	STORE_NEW,		/* a new article */
	STORE_UPDATED,		/* known, content changed: updated in place */
};

/*
 * Stores one item carried by feed_id, inside a store_begin() transaction
 * (outside one, the call runs in its own).  Identity, strongest first:
 *  1. the GUID within this feed;
 *  2. the canonical link (url_canonical): another feed's item with that link
 *     is the same article, now carried by both feeds; an item this feed
 *     already carries under another GUID is the same one when the titles
 *     agree (GUIDs that change on every fetch), or when neither has a GUID
 *     and it is the only one (an edited title);
 *  3. for an item without a usable link, a hash of its title (or text) and
 *     date among this feed's items; for an item with a GUID only when it is
 *     dated (an undated "Weekly update" says too little).
 * An item that an earlier item of the same transaction already claimed is
 * never matched again (feeds that point every link at their home page; the
 * same GUID twice in one fetch: the first wins).
 * The content hash covers title, canonical link, summary, content, author,
 * categories and enclosure, not the dates (feeds that stamp every item
 * "now" would look changed on every fetch).  An unchanged item costs
 * lookups and writes nothing; a changed one is updated in place with its
 * index row; another feed's version of an article already stored is not
 * written over it (STORE_UNCHANGED).  *res and *item_id may be NULL.
 */
int	 store_item_upsert(struct store *, int64_t feed_id,
	    const struct store_item *, enum store_upsert_result *res,
	    int64_t *item_id, char **errstr);

/*
 * An entry the same as one the feed carries now (store_feed_seen() gave
 * its raw hash): that item counts as delivered by this fetch, without a
 * write.  Call it inside the transaction, before the upserts.
 */
void	 store_item_keep(struct store *, int64_t feed_id, int64_t item_id);

/* The raw hash (store_item.raw_hash) of an item a feed carries now. */
struct store_seen {
	int64_t	 raw_hash;
	int64_t	 item_id;
};

/*
 * The items the feed's latest complete parse gave, by raw hash, in *out
 * (heap, caller frees; unsorted).  Returns 0 or -1.
 */
int	 store_feed_seen(struct store *, int64_t feed_id,
	    struct store_seen **out, size_t *np, char **errstr);

/*
 * Deletes items first seen before `older_than`, with their feed links and
 * index rows, except items in the latest complete parse of a feed (see
 * store_fetch.complete): those would come back as new.  Runs its own
 * transactions in batches (not inside store_begin()).  *deleted may be NULL.
 */
int	 store_prune(struct store *, int64_t older_than, int64_t *deleted,
	    char **errstr);
/*
 * store_prune() for about `seconds` at most: it stops after the first
 * batch that ends past them and sets *more to 1 when items are left to
 * delete (0 when none), so that a caller with an event loop (heraldd: a
 * watchdog, fetches due) prunes a large backlog in passes.  A batch is
 * 1,000 items; 0 seconds deletes one batch a call.
 */
int	 store_prune_for(struct store *, int64_t older_than, double seconds,
	    int64_t *deleted, int *more, char **errstr);

/* Reads for the CLI: each is one short read, results copied out. */

/* An item as listed by store_digest() and store_search(); owns its strings. */
struct store_entry {
	int64_t	 id;
	int64_t	 feed_id;	/* the feed that carried it first */
	char	*feed_name;
	char	*feeds;		/* every carrying feed's name, ", " between */
	char	*title;
	char	*link;
	char	*summary;
	char	*author;
	char	*categories;
	int64_t	 published;	/* 0 when has_published is 0 */
	int	 has_published;
	int64_t	 first_seen;
	int64_t	 changed;	/* last content change (first_seen if none) */
	char	*snippet;	/* store_search() only */
	double	 rank;		/* store_search() only: bm25, lower is better */
	/* store_search() only: the article's story (issue 9) */
	int64_t	 story_id;	/* 0: none */
	int64_t	 story_size;	/* its articles */
	char	*story_feeds;	/* its outlets (feed names), '\n' between,
				   in the order of its articles */
	char	*story_langs;	/* its languages, likewise */
};

void	 store_entries_free(struct store_entry *, size_t n);

/* Every feed by name, with item counts; free with store_feeds_free(). */
int	 store_feeds_list(struct store *, struct store_feed **out, size_t *n,
	    char **errstr);
void	 store_feeds_free(struct store_feed *, size_t n);

/*
 * Items first seen at or after `since`, grouped by their first feed (by
 * name), newest first within a feed (published date, else first seen).  At
 * most `limit` entries (0: no limit).
 */
int	 store_digest(struct store *, int64_t since, size_t limit,
	    struct store_entry **out, size_t *n, char **errstr);

/*
 * Full-text search in FTS5 query syntax (AND OR NOT, "phrases", prefix*,
 * NEAR, column filters title: summary: content: author:), folding case and
 * diacritics.  Ranked by bm25 with title hits weighing most; a snippet of
 * the best column with hits between hl_open and hl_close (NULL: "[" and
 * "]").  Items first seen before `since` are skipped (0: all).  Each
 * result carries its story: id, size, outlets and languages.  A malformed
 * query returns -1 with "invalid query: ..." in *errstr.
 */
struct store_search {
	const char	*query;
	int64_t		 since;
	size_t		 limit;		/* 0: no limit */
	const char	*hl_open;
	const char	*hl_close;
};

int	 store_search(struct store *, const struct store_search *,
	    struct store_entry **out, size_t *n, char **errstr);

/*
 * Topic matches and the alert outbox (issue 4).
 *
 * A match is one (article, topic) pair, recorded once ever: an article
 * carried by two feeds, fetched again or updated never matches a topic
 * twice.  It keeps the terms that hit (as they appear in the text, '\n'
 * between), the first field that holds a hit ("title", "summary",
 * "content", "author") and a snippet with the hits between "[" and "]".
 * Each new match writes one outbox row per subscribed plugin, in the same
 * transaction as the article.
 *
 * The alert's id (store_alert.alert_id, the matches row id) is the
 * idempotency key put in every payload: stable across retries, restarts
 * and plugins, unique per (article, topic).  The outbox row id
 * (store_alert.id) names one plugin's delivery of it: the store_alert_*()
 * calls take that one.  Deleting an article (store_prune()) deletes its
 * matches and their outbox rows.
 */

enum store_alert_state {
	STORE_ALERT_PENDING,	/* to deliver at next_attempt */
	STORE_ALERT_SENT,
	STORE_ALERT_DEAD,	/* given up: last_error says why */
};

/*
 * Records a match of item_id for `topic` inside the caller's transaction
 * (outside one, in its own) with one pending outbox row per plugin, due at
 * once.  An existing (item, topic) match is left alone and adds no outbox
 * row: *created (may be NULL) is 1 for a new match, 0 otherwise; *match_id
 * (may be NULL) is the match's id either way.  The topic matcher below
 * calls it; tests and tools may too.
 */
int	 store_match_add(struct store *, int64_t item_id, const char *topic,
	    const char *terms, const char *field, const char *snippet,
	    const char *const *plugins, size_t nplugins, int64_t *match_id,
	    int *created, char **errstr);

/* An outbox row with its match and article; owns its strings. */
struct store_alert {
	int64_t	 id;		/* the outbox row */
	int64_t	 alert_id;	/* the match: the idempotency key */
	char	*plugin;
	enum store_alert_state state;
	int	 attempts;	/* delivery attempts made */
	int64_t	 next_attempt;	/* pending: when it is due */
	char	*last_error;	/* NULL if none */
	int64_t	 created;	/* when the row was written */
	int64_t	 sent_at;	/* 0 unless sent */
	/* the match */
	char	*topic;
	char	*terms;		/* '\n' between */
	char	*field;
	char	*snippet;
	/* the article */
	int64_t	 item_id;
	char	*title;
	char	*link;
	char	*summary;
	char	*author;
	int64_t	 published;	/* 0 when has_published is 0 */
	int	 has_published;
	int64_t	 first_seen;
	char	*feed_name;	/* the feed that carried it first */
	char	*feeds;		/* every carrying feed's name, ", " between */
	/*
	 * The story (issue 9): breaking is 1 for the one more alert of a
	 * (story, topic) pair whose breaking rule fired (on the pair's first
	 * match: alert_id is that match's).  The article's story as it is
	 * when read: id (0: none), articles, outlets (the feeds that carried
	 * them first, by title as the digest names them, else by name) and
	 * languages, distinct in the order of its articles, '\n' between.
	 */
	int	 breaking;
	int64_t	 story_id;
	int64_t	 story_size;
	char	*story_feeds;
	char	*story_langs;
};

void	 store_alerts_free(struct store_alert *, size_t n);

/*
 * The idempotency key plugins receive: the match's id ("1234"), and
 * "1234-breaking" for a breaking alert.  Written into buf (at least
 * STORE_ALERT_KEY_LEN bytes), which it returns.
 */
#define STORE_ALERT_KEY_LEN	32
char	*store_alert_key(const struct store_alert *, char *buf);

/*
 * The articles for the plugins' on_item: first seen at or after `since`
 * with an id above `after`, in the order herald digest lists them (by the
 * first feed's name, then newest first), the order plugins have always
 * been given.  The deliverer's own query: a change to the CLI's reports
 * (store_digest()) does not change what plugins receive.
 */
int	 store_items_new(struct store *, int64_t since, int64_t after,
	    struct store_entry **out, size_t *n, char **errstr);

/*
 * A plugin's pending rows due at `now` (next_attempt <= now), oldest due
 * first (next_attempt, then id), at most `limit` (0: no limit).
 */
int	 store_alerts_due(struct store *, const char *plugin, int64_t now,
	    size_t limit, struct store_alert **out, size_t *n, char **errstr);

/*
 * store_alert_attempt() counts one delivery attempt of outbox row `id`,
 * written before the attempt starts, so that one a crash or kill -9 cut
 * short counts too (herald-plugin(3): the attempt counts from 1, across
 * restarts).  The others write its outcome, which counts nothing more.
 * Only a pending row changes (a row already sent or dead stays as it is,
 * and the call still returns 0).  store_alert_retry() keeps it pending
 * until next_attempt; store_alert_dead() gives up.  The caller applies
 * the backoff and the maximum age (created + max_age < now: dead).
 */
int	 store_alert_attempt(struct store *, int64_t id, char **errstr);
int	 store_alert_sent(struct store *, int64_t id, int64_t when,
	    char **errstr);
int	 store_alert_retry(struct store *, int64_t id, int64_t next_attempt,
	    const char *error, char **errstr);
int	 store_alert_dead(struct store *, int64_t id, const char *error,
	    char **errstr);

/*
 * Marks dead, without an attempt, a plugin's pending rows created before
 * `before` (the maximum age passed while the daemon was down); last_error
 * becomes "expired after N attempts[: last error]".  *n (may be NULL) gets
 * the count.
 */
int	 store_alerts_expire(struct store *, const char *plugin, int64_t before,
	    size_t *n, char **errstr);

/*
 * The earliest next_attempt among pending rows of `plugin` (NULL: of every
 * plugin), so the deliverer arms one timer.  Returns 1 and sets *when if
 * there is one, 0 if nothing is pending, -1 on error.
 */
int	 store_alerts_next(struct store *, const char *plugin, int64_t *when,
	    char **errstr);
/*
 * When a start last said that `plugin`, no longer configured, has alerts
 * waiting (store_meta 'orphans_said PLUGIN'; *when 0 never), and recording
 * it: every heraldd --once under cron said it again for a day.  0 or -1.
 */
int	 store_orphans_said(struct store *, const char *plugin, int64_t *when,
	    char **errstr);
int	 store_orphans_said_set(struct store *, const char *plugin,
	    int64_t when, char **errstr);

/* herald alerts: newest first, optionally one state and one plugin. */
struct store_alerts_filter {
	int		 state;		/* -1: every state */
	const char	*plugin;	/* NULL: every plugin */
	const char	*topic;		/* NULL: every topic */
	size_t		 limit;		/* 0: no limit */
};

int	 store_alerts_list(struct store *, const struct store_alerts_filter *,
	    struct store_alert **out, size_t *n, char **errstr);

/* Outbox rows per plugin and state, for herald alerts' summary. */
struct store_outbox_count {
	char	*plugin;
	int64_t	 pending;
	int64_t	 sent;
	int64_t	 dead;
	int64_t	 next_attempt;	/* earliest pending; 0 none */
};

int	 store_outbox_counts(struct store *, struct store_outbox_count **out,
	    size_t *n, char **errstr);
/* The same, of one topic's alerts only (a plugin with none is left out). */
int	 store_outbox_counts_topic(struct store *, const char *topic,
	    struct store_outbox_count **out, size_t *n, char **errstr);
void	 store_outbox_counts_free(struct store_outbox_count *, size_t n);

/*
 * Matches per topic: in the 24 hours and 7 days before `now`, in all, and
 * the time of the last one, by topic name.  Only topics with a match.
 */
struct store_topic_count {
	char	*topic;
	int64_t	 day;
	int64_t	 week;
	int64_t	 total;
	int64_t	 last;
};

int	 store_topic_counts(struct store *, int64_t now,
	    struct store_topic_count **out, size_t *n, char **errstr);
void	 store_topic_counts_free(struct store_topic_count *, size_t n);

/*
 * The matches of one topic (herald digest --topic): articles first seen at
 * or after `since`, newest first; store_entry.snippet is the match's
 * snippet and *terms (an array of n strings, '\n' between terms) its terms.
 */
int	 store_topic_entries(struct store *, const char *topic, int64_t since,
	    size_t limit, struct store_entry **out, char ***terms, size_t *n,
	    char **errstr);

/*
 * Topic matching.  A topic's match and exclude are FTS5 queries in the
 * language of store_search(); the exclude vetoes a match.  The matcher
 * tokenizes each article once with the search index's tokenizer
 * (unicode61 remove_diacritics 2, and Greek accents folded:
 * store-tokens.c), looks its tokens up among those the rules name (exact,
 * or as prefixes for prefix*), and evaluates the rules of the topics
 * whose tokens it holds with FTS5's semantics: precedence,
 * phrases, column filters, prefixes, ^ and +.  Rules with NEAR are run by
 * FTS5 itself over a TEMP index of the articles they may match.  The
 * terms, field and snippet come from the same tokens, for alerts and for
 * store_topic_test() alike.
 */

/* A topic as the daemon gives it; store_topics_new() copies it all. */
struct store_topic {
	const char		*name;
	const char		*match;
	const char		*exclude;	/* NULL: none */
	const int64_t		*feeds;		/* feed ids; nfeeds 0: all */
	size_t			 nfeeds;
	const char *const	*plugins;	/* an outbox row for each */
	size_t			 nplugins;
	/*
	 * breaking = N/DURATION (issue 9): once a story of the topic (one
	 * that alerted it) has articles of breaking_outlets distinct
	 * outlets (the feeds that carried them first) published within
	 * breaking_within seconds, the (story, topic) pair sends one more
	 * alert, breaking, on its first match.  0: no rule.
	 */
	int			 breaking_outlets;
	int64_t			 breaking_within;
};

struct store_topics;

/*
 * Checks one query without a database (a private in-memory one): 0, or
 * -1 with *errstr saying what is wrong ("syntax error near ...",
 * "no such column: ...").  A checker serves many queries; free it after.
 */
struct store_qcheck;

struct store_qcheck	*store_qcheck_new(char **errstr);
int			 store_qcheck(struct store_qcheck *, const char *query,
			    char **errstr);
void			 store_qcheck_free(struct store_qcheck *);

/*
 * Compiles topics for the matcher on this store's connection (outside a
 * transaction: it creates the TEMP index, and records each topic's name).  NULL with *errstr naming the
 * topic when a query does not compile.
 */
struct store_topics	*store_topics_new(struct store *,
			    const struct store_topic *, size_t n,
			    char **errstr);
void			 store_topics_free(struct store_topics *);

/*
 * Matches items (ids of items this fetch of feed_id made new or updated)
 * against the topics, inside the caller's transaction: a new (item, topic)
 * match gets its matches row and its outbox rows (store_match_add()).
 * Topics restricted to feeds other than feed_id are skipped.  Then the
 * stories of the items are held against the topics' breaking rules (any
 * feed's articles count).  *nmatches (may be NULL) gets the number of new
 * matches.
 */
int	 store_topics_match(struct store *, struct store_topics *,
	    int64_t feed_id, const int64_t *items, size_t nitems,
	    size_t *nmatches, char **errstr);

/* Work done by a compiled set since store_topics_new(), for benchmarks. */
struct store_topics_stats {
	uint64_t	 batches;
	uint64_t	 items;
	uint64_t	 candidates;	/* (article, topic) pairs evaluated */
	uint64_t	 matches;	/* (item, topic) hits, old or new */
	uint64_t	 breaking;	/* (story, topic) pairs that broke */
};

void	 store_topics_stats(const struct store_topics *,
	    struct store_topics_stats *);

/*
 * Backtests one topic over stored articles first seen at or after `since`
 * (herald topics test): FTS5 picks the articles over the search index,
 * the matcher's code gives the same terms, field and snippet as alerts
 * have; nothing is written.  Newest first, at most
 * `limit` (0: no limit).  store_entry.snippet is the snippet, (*terms)[i]
 * the terms ('\n' between) and (*fields)[i] the field of entry i.
 */
int	 store_topic_test(struct store *, const struct store_topic *,
	    int64_t since, size_t limit, struct store_entry **out,
	    char ***terms, char ***fields, size_t *n, char **errstr);

/*
 * Stories (issue 9, store-stories.c; doc/stories.md says how).  Every new
 * article gets a story in the transaction that stores it (store_item_upsert
 * for STORE_NEW): the best open story it joins, or one of its own.  A
 * story takes articles published within `window` of one of its articles,
 * for `open` after its first; every stored article belongs to exactly one
 * story, a story of one counts.  Under alert-per = story, an (article,
 * topic) match alerts only when it is its story's first match of that
 * topic (store_match_add writes no outbox row otherwise); alert-per =
 * article alerts every match as before.  store_prune() takes a story with
 * its last article.
 */
enum store_alert_per {
	STORE_ALERT_PER_STORY,		/* the default */
	STORE_ALERT_PER_ARTICLE,
};

struct store_story_conf {
	int64_t			 window;	/* seconds; 0: 72 h */
	int64_t			 open;		/* seconds; 0: 7 days */
	enum store_alert_per	 alert_per;
};

void	 store_stories_configure(struct store *,
	    const struct store_story_conf *);

/* An article as a story lists it; owns its strings. */
struct store_story_item {
	int64_t	 id;
	char	*title;
	char	*link;
	char	*feed;		/* the feed that carried it first */
	char	*lang;		/* declared, or guessed */
	int64_t	 published;	/* 0 when has_published is 0 */
	int	 has_published;
	int64_t	 first_seen;
	char	*why;		/* NULL for the article that began the story */
};

struct store_story {
	int64_t	 id;
	char	*title;		/* its first article's */
	int64_t	 first_seen;	/* its articles' times (published, else
				   first seen) */
	int64_t	 last_seen;
	int64_t	 size;		/* articles */
	char	**languages;	/* distinct, in the order of its articles */
	size_t	 nlanguages;
	char	**feeds;	/* distinct first-carrying feeds, likewise */
	size_t	 nfeeds;
	char	**topics;	/* topics its articles matched, by name */
	size_t	 ntopics;
	struct store_story_item *items;	/* oldest first */
	size_t	 nitems;
};

struct store_stories_filter {
	int64_t		 since;		/* last_seen at or after */
	const char *const *topics;	/* any of these names; 0: any */
	size_t		 ntopics;
	size_t		 min_size;	/* 0 or 1: every story */
	size_t		 limit;		/* 0: no limit */
};

/* Newest activity first (last_seen, then id). */
int	 store_stories_list(struct store *, const struct store_stories_filter *,
	    struct store_story **out, size_t *n, char **errstr);
void	 store_stories_free(struct store_story *, size_t n);

/* An article's story: 1 and *story_id, 0 if it has none, -1 on error. */
int	 store_item_story(struct store *, int64_t item_id, int64_t *story_id,
	    char **errstr);

/*
 * The articles in the index of the story window, which lives in memory:
 * 0 until an assignment made it, and after a rollback until the next one
 * makes it again from the database (tests).
 */
size_t	 store_stories_indexed(struct store *);

/*
 * Digests (issue 10): what a period held, and each [digest] section's
 * watermark and outbox.
 *
 * The rows of a period: for each topic (of `topics` when ntopics > 0)
 * and each story that has an article first seen in [since, until) that
 * matched it, one per article of that story first seen in the period,
 * whether or not it matched the topic itself.  With `unmatched` (no
 * topics configured) one group instead, topic NULL: every story of the
 * period.  Only articles carried by one of `feeds` when nfeeds > 0.
 * With max > 0 only the first `max` stories of each group as
 * digest_group() ranks them (distinct outlets, the latest article, the
 * id), so that a busy period reads what a digest shows and no more; each
 * row's group_total counts the group's stories, shown or not, and its
 * all_total those of every group, a story under two topics once.
 */
struct store_digest_query {
	int64_t			 since;
	int64_t			 until;
	const char *const	*feeds;
	size_t			 nfeeds;
	const char *const	*topics;
	size_t			 ntopics;
	int			 unmatched;
	size_t			 max;		/* stories per group; 0 all */
};

/* One row; owns its strings. */
struct store_digest_row {
	int64_t	 item_id;
	int64_t	 story_id;	/* its story; 0: none, the article its own */
	int	 breaking;	/* story_topics says it broke for the topic */
	int	 lead;		/* its story's lead (first) article */
	int64_t	 story_first_seen; /* its story's first article's */
	char	*topic;		/* NULL: matched no topic asked for */
	char	*title;
	char	*link;
	char	*summary;
	char	*lang;		/* NULL unknown */
	int64_t	 published;	/* 0 unknown */
	int64_t	 first_seen;
	char	**feeds;	/* names of the feeds carrying it, first first */
	size_t	 nfeeds;
	size_t	 group_total;	/* its group's stories; 0 unknown */
	size_t	 all_total;	/* every group's, a story once; 0 unknown */
};

int	 store_digest_rows(struct store *, const struct store_digest_query *,
	    struct store_digest_row **out, size_t *n, char **errstr);
void	 store_digest_rows_free(struct store_digest_row *, size_t n);

/*
 * Matches per topic and day over the STORE_TREND_DAYS days before
 * `until` (day i is [until - (DAYS - i) * 86400, until - (DAYS - i - 1) *
 * 86400)), counting articles carried by one of `feeds` when nfeeds > 0.
 * Only topics with a match in that time; with `articles`, one more with
 * topic NULL counts the articles first seen each day.
 */
#define STORE_TREND_DAYS	14

struct store_trend {
	char		*topic;		/* NULL: every article */
	unsigned	 days[STORE_TREND_DAYS];
};

int	 store_digest_trends(struct store *, int64_t until,
	    const char *const *feeds, size_t nfeeds, int articles,
	    struct store_trend **out, size_t *n, char **errstr);
void	 store_trends_free(struct store_trend *, size_t n);

/*
 * The watermark of digest `name`: the end of the period its last digest
 * covered.  1 and *until, 0 when it has none yet, -1 on error.
 * store_digest_watermark_set() starts one (a new [digest] section) and
 * never moves an existing one back.
 */
int	 store_digest_watermark(struct store *, const char *name,
	    int64_t *until, char **errstr);
int	 store_digest_watermark_set(struct store *, const char *name,
	    int64_t until, char **errstr);

/*
 * Queues a digest for delivery in one transaction: its run (name, period
 * and `payload`, the digest's JSON), one pending outbox row per plugin,
 * due now, and the watermark moved to `until`.  The period's key (name,
 * since, until) is unique: queuing it again changes nothing and returns
 * the same run.  A digest assembled is thus either queued with its
 * watermark moved, or neither: a restart neither skips nor repeats it.
 */
int	 store_digest_queue(struct store *, const char *name, int64_t since,
	    int64_t until, const char *payload, const char *const *plugins,
	    size_t nplugins, int64_t *run_id, char **errstr);

/* A digest outbox row with its run; owns its strings. */
struct store_digest_send {
	int64_t	 id;		/* the outbox row: store_digest_*() take it */
	int64_t	 run_id;
	char	*name;
	char	*plugin;
	enum store_alert_state state;
	int	 attempts;
	int64_t	 next_attempt;
	char	*last_error;
	int64_t	 created;
	int64_t	 sent_at;
	int64_t	 since;
	int64_t	 until;
	char	*payload;
};

void	 store_digest_sends_free(struct store_digest_send *, size_t n);

/*
 * The same calls as the alert outbox's (store_alerts_due() and the rest),
 * for digest rows: what is due for a plugin, the outcome of an attempt,
 * rows past their maximum age, the earliest next attempt.
 */
int	 store_digests_due(struct store *, const char *plugin, int64_t now,
	    size_t limit, struct store_digest_send **out, size_t *n,
	    char **errstr);
int	 store_digest_attempt(struct store *, int64_t id, char **errstr);
int	 store_digest_sent(struct store *, int64_t id, int64_t when,
	    char **errstr);
int	 store_digest_retry(struct store *, int64_t id, int64_t next_attempt,
	    const char *error, char **errstr);
int	 store_digest_dead(struct store *, int64_t id, const char *error,
	    char **errstr);
int	 store_digests_expire(struct store *, const char *plugin,
	    int64_t before, size_t *n, char **errstr);
int	 store_digests_next(struct store *, const char *plugin, int64_t *when,
	    char **errstr);
/*
 * Marks dead the pending rows of plugins not in `plugins` created before
 * `before` ("expired: the plugin is not configured").  *n (may be NULL)
 * gets the count.
 */
int	 store_digests_orphans(struct store *, const char *const *plugins,
	    size_t nplugins, int64_t before, size_t *n, char **errstr);
/*
 * Deletes the runs created before `before` (the retention) that no row
 * still waits to deliver, with their rows.  *deleted may be NULL.
 */
int	 store_digests_prune(struct store *, int64_t before, int64_t *deleted,
	    char **errstr);
/* Runs newest first (herald digest --list), with their rows' states. */
int	 store_digests_list(struct store *, const char *name, size_t limit,
	    struct store_digest_send **out, size_t *n, char **errstr);

#endif
