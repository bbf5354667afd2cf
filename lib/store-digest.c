/*
 * store-digest.c: the store's part of digests (store.h, "Digests"): the
 * rows of a period, the topics' trends, each digest's watermark, its runs
 * (the digest as assembled, in its JSON) and the digest outbox, whose
 * rows move through the same states as the alert outbox's.  Lists of
 * names are bound as one JSON array and read with json_each().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store-int.h"
#include "util.h"

#define DAY	86400

/* ["a","b"] for the names, or NULL when there are none. */
char *
names_json(const char *const *v, size_t n)
{
	json_t	*a;
	char	*s;
	size_t	 i;

	if (n == 0)
		return NULL;
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (s == NULL)
		abort();
	return s;
}

/*
 * The digest statements, prepared once per connection on first use (as
 * store.c's table is) and reset after each use.
 */
enum dst_id {
	DST_ROWS,
	DST_TRENDS,
	DST_MARK_GET,
	DST_MARK_SET,
	DST_RUN_INSERT,
	DST_RUN_ID,
	DST_OUTBOX_INSERT,
	DST_DUE,
	DST_LIST,
	DST_ATTEMPT,
	DST_SENT,
	DST_RETRY,
	DST_DEAD,
	DST_EXPIRE,
	DST_ORPHANS,
	DST_NEXT,
	DST_PRUNE,
	DST__COUNT
};

#define SEND_COLS \
	"b.id, r.id, r.name, b.plugin, b.state, b.attempts, b.next_attempt," \
	" b.last_error, b.created, b.sent_at, r.since, r.until"
#define SEND_FROM \
	" FROM digest_outbox b JOIN digest_runs r ON r.id = b.run_id"

/* ---- the rows of a period ---- */

/*
 * ?1 since, ?2 until, ?3 topics (JSON or NULL: all), ?4 feeds (JSON or
 * NULL: all), ?5 unmatched (one group of every story), ?6 stories per
 * group (0: all).  The feeds carrying each article, first first, one name
 * a line.
 */
#define DIGEST_FEEDS_OK \
	" AND (?4 IS NULL OR EXISTS (SELECT 1 FROM item_feeds x" \
	"   JOIN feeds d ON d.id = x.feed_id WHERE x.item_id = i.id" \
	"   AND d.name IN (SELECT value FROM json_each(?4))))"
#define DIGEST_ITEM_COLS \
	"i.id, i.title, i.link, i.summary, i.published, i.first_seen," \
	" (SELECT group_concat(name, char(10)) FROM (SELECT d.name" \
	"   FROM item_feeds x JOIN feeds d ON d.id = x.feed_id" \
	"   WHERE x.item_id = i.id ORDER BY x.first_seen, d.name))"

/*
 * `pa` holds the period's articles and their stories: an article without
 * a story (none should be left after the stories migration) is a story of
 * its own, -id.  A topic's stories (`grp`) are those with an article of
 * the period that matched it; without topics, every story is one group
 * (topic NULL).  Each story is ranked as digest_group() ranks it, from
 * small columns only: its distinct outlets (what readers call each feed
 * that carried one of its articles of the period: its title, else its
 * name), its latest article, its id.  Only the first ?6 of each group are
 * read, through the story's links (an index), with all their articles of
 * the period, matched or not (an
 * outlet's article in another language that says it otherwise), and the
 * count of the group's stories for "and N more", and of every group's
 * (a story under two topics once) for the digest's header.  The language is the
 * one the stories engine read or guessed; breaking is
 * story_topics.breaking.  The story's first sighting counts its articles
 * before the period too: a story that goes on from yesterday says so.
 */
static const char digest_rows_sql[] =
	"WITH pa AS MATERIALIZED (SELECT i.id AS item, i.first_seen AS seen,"
	"   coalesce(sl.story_id, -i.id) AS sid"
	" FROM items i LEFT JOIN story_links sl ON sl.item_id = i.id"
	" WHERE i.first_seen >= ?1 AND i.first_seen < ?2" DIGEST_FEEDS_OK "),"
	" grp AS MATERIALIZED (SELECT DISTINCT t.name AS topic, pa.sid AS sid"
	"   FROM pa JOIN matches m ON m.item_id = pa.item"
	"   JOIN topics t ON t.id = m.topic_id WHERE NOT ?5"
	"   AND (?3 IS NULL OR t.name IN (SELECT value FROM json_each(?3)))"
	"   UNION ALL SELECT DISTINCT NULL, pa.sid FROM pa WHERE ?5),"
	" rank AS (SELECT pa.sid AS sid, max(pa.seen) AS last,"
	"   count(DISTINCT coalesce(" FEED_OUTLET ", '?')) AS nout"
	"   FROM pa LEFT JOIN item_feeds x ON x.item_id = pa.item"
	"   LEFT JOIN feeds d ON d.id = x.feed_id GROUP BY pa.sid),"
	" shown AS (SELECT topic, sid, total FROM (SELECT g.topic AS topic,"
	"   g.sid AS sid, row_number() OVER (PARTITION BY g.topic"
	"     ORDER BY r.nout DESC, r.last DESC, abs(g.sid) DESC) AS n,"
	"   count(*) OVER (PARTITION BY g.topic) AS total"
	"   FROM grp g JOIN rank r ON r.sid = g.sid) WHERE ?6 <= 0 OR n <= ?6),"
	/*
	 * each shown story's lead and first sighting, once a story: read
	 * for each of its rows, they cost the square of its size (a story
	 * of 564 articles under six topics: 1.9 M reads of items)
	 */
	" head AS MATERIALIZED (SELECT s.id AS sid, s.lead_item AS lead,"
	"   (SELECT min(i2.first_seen) FROM story_links l2"
	"    JOIN items i2 ON i2.id = l2.item_id WHERE l2.story_id = s.id)"
	"   AS seen FROM stories s"
	"   WHERE s.id IN (SELECT sid FROM shown WHERE sid > 0))"
	"SELECT h.topic, " DIGEST_ITEM_COLS ", h.sid,"
	" coalesce(sl.lang, i.lang), coalesce((SELECT t.breaking"
	"   FROM story_topics t WHERE t.story_id = h.sid"
	"   AND t.topic = h.topic), 0),"
	/* is i its story's lead (its first article); the story's first seen */
	" coalesce(i.id = hd.lead, 1), coalesce(hd.seen, i.first_seen),"
	" h.total, (SELECT count(DISTINCT sid) FROM grp)"
	" FROM shown h JOIN story_links sl ON sl.story_id = h.sid"
	" JOIN items i ON i.id = sl.item_id"
	" LEFT JOIN head hd ON hd.sid = h.sid"
	" WHERE h.sid > 0 AND i.first_seen >= ?1 AND i.first_seen < ?2"
	DIGEST_FEEDS_OK
	" UNION ALL "
	"SELECT h.topic, " DIGEST_ITEM_COLS ", h.sid, i.lang, 0, 1,"
	" i.first_seen, h.total, (SELECT count(DISTINCT sid) FROM grp)"
	" FROM shown h JOIN items i ON i.id = -h.sid WHERE h.sid < 0";

static const char *const dst_sql[DST__COUNT] = {
	[DST_ROWS] = digest_rows_sql,
	[DST_TRENDS] =
	    /* a range of matches_topic a topic (migration 15) */
	    "SELECT t.name, (?1 - 1 - m.created) / 86400, count(*)"
	    " FROM topics t CROSS JOIN matches m ON m.topic_id = t.id"
	    " WHERE m.created >= ?1 - ?2 * 86400 AND m.created < ?1"
	    " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM item_feeds x"
	    "   JOIN feeds d ON d.id = x.feed_id WHERE x.item_id = m.item_id"
	    "   AND d.name IN (SELECT value FROM json_each(?3))))"
	    " GROUP BY 1, 2"
	    " UNION ALL "
	    "SELECT NULL, (?1 - 1 - i.first_seen) / 86400, count(*)"
	    " FROM items i"
	    " WHERE ?4 AND i.first_seen >= ?1 - ?2 * 86400"
	    " AND i.first_seen < ?1"
	    " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM item_feeds x"
	    "   JOIN feeds d ON d.id = x.feed_id WHERE x.item_id = i.id"
	    "   AND d.name IN (SELECT value FROM json_each(?3))))"
	    " GROUP BY 1, 2 ORDER BY 1",
	[DST_MARK_GET] = "SELECT until FROM digest_marks WHERE name = ?1",
	/* never moving it back */
	[DST_MARK_SET] =
	    "INSERT INTO digest_marks (name, until)"
	    " VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE"
	    " SET until = max(until, excluded.until)",
	[DST_RUN_INSERT] =
	    "INSERT INTO digest_runs (name, since, until,"
	    " payload, created) VALUES (?1, ?2, ?3, ?4, ?5)"
	    " ON CONFLICT (name, since, until) DO NOTHING",
	[DST_RUN_ID] =
	    "SELECT id FROM digest_runs WHERE"
	    " name = ?1 AND since = ?2 AND until = ?3",
	[DST_OUTBOX_INSERT] =
	    "INSERT INTO digest_outbox (run_id, plugin,"
	    " next_attempt, created) VALUES (?1, ?2, ?3, ?3)"
	    " ON CONFLICT (run_id, plugin) DO NOTHING",
	[DST_DUE] =
	    "SELECT " SEND_COLS ", r.payload" SEND_FROM
	    " WHERE b.plugin = ?1 AND b.state = 'pending'"
	    " AND b.next_attempt <= ?2 ORDER BY b.next_attempt, b.id"
	    " LIMIT ?3",
	[DST_LIST] =
	    "SELECT " SEND_COLS SEND_FROM
	    " WHERE ?1 IS NULL OR r.name = ?1 ORDER BY r.id DESC, b.plugin"
	    " LIMIT ?2",
	/* one UPDATE of a pending row each: ?1 id, ?2 and ?3 as they say */
	/* an attempt counts when it starts, as an alert's (store.h) */
	[DST_ATTEMPT] =
	    "UPDATE digest_outbox SET attempts = attempts + 1"
	    " WHERE id = ?1 AND state = 'pending'",
	[DST_SENT] =
	    "UPDATE digest_outbox SET state = 'sent', sent_at = ?2,"
	    " last_error = ?3 WHERE id = ?1 AND state = 'pending'",
	[DST_RETRY] =
	    "UPDATE digest_outbox SET next_attempt = ?2, last_error = ?3"
	    " WHERE id = ?1 AND state = 'pending'",
	[DST_DEAD] =
	    "UPDATE digest_outbox SET state = 'dead', last_error = ?3"
	    " WHERE id = ?1 AND state = 'pending'",
	/* ?1 the plugin (the plugins, JSON), ?2 created before */
	[DST_EXPIRE] =
	    "UPDATE digest_outbox SET state = 'dead',"
	    " last_error = 'expired after ' || attempts || ' attempts'"
	    "   || coalesce(': ' || last_error, '')"
	    " WHERE plugin = ?1 AND state = 'pending' AND created < ?2",
	[DST_ORPHANS] =
	    "UPDATE digest_outbox SET state = 'dead',"
	    " last_error = 'expired: the plugin is not configured'"
	    " WHERE state = 'pending' AND created < ?2"
	    " AND (?1 IS NULL OR plugin NOT IN"
	    "   (SELECT value FROM json_each(?1)))",
	[DST_NEXT] =
	    "SELECT min(next_attempt) FROM digest_outbox"
	    " WHERE plugin = ?1 AND state = 'pending'",
	[DST_PRUNE] =
	    "DELETE FROM digest_runs WHERE created < ?1"
	    " AND NOT EXISTS (SELECT 1 FROM digest_outbox b"
	    "   WHERE b.run_id = digest_runs.id AND b.state = 'pending')",
};

static sqlite3_stmt *
dst_get(struct store *s, enum dst_id id, char **errstr)
{
	if (s->digest_st == NULL)
		s->digest_st = xcalloc(DST__COUNT, sizeof(*s->digest_st));
	return stmt_cached(s, &s->digest_st[id], dst_sql[id], errstr);
}

void
digests_close(struct store *s)
{
	int	 i;

	if (s->digest_st == NULL)
		return;
	for (i = 0; i < DST__COUNT; i++)
		sqlite3_finalize(s->digest_st[i]);
	free(s->digest_st);
	s->digest_st = NULL;
}

int
store_digest_rows(struct store *s, const struct store_digest_query *q,
    struct store_digest_row **out, size_t *n, char **errstr)
{
	sqlite3_stmt		*st;
	struct store_digest_row	*v = NULL, *r;
	char			*topics, *feeds, *f, *save, *nl;
	size_t			 cap = 0;
	int			 rc, ret = -1;

	*out = NULL;
	*n = 0;
	if ((st = dst_get(s, DST_ROWS, errstr)) == NULL)
		return -1;
	topics = names_json(q->topics, q->ntopics);
	feeds = names_json(q->feeds, q->nfeeds);
	sqlite3_bind_int64(st, 1, q->since);
	sqlite3_bind_int64(st, 2, q->until);
	bind_str(st, 3, topics);
	bind_str(st, 4, feeds);
	sqlite3_bind_int(st, 5, q->unmatched != 0);
	sqlite3_bind_int64(st, 6, (int64_t)q->max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		r = &v[(*n)++];
		memset(r, 0, sizeof(*r));
		r->topic = col_str(st, 0);
		r->item_id = sqlite3_column_int64(st, 1);
		r->title = col_str(st, 2);
		r->link = col_str(st, 3);
		r->summary = col_str(st, 4);
		r->published = sqlite3_column_int64(st, 5);
		r->first_seen = sqlite3_column_int64(st, 6);
		/* -id: an article without a story, its own */
		r->story_id = sqlite3_column_int64(st, 8) > 0 ?
		    sqlite3_column_int64(st, 8) : 0;
		r->lang = col_str(st, 9);
		r->breaking = sqlite3_column_int(st, 10) != 0;
		r->lead = sqlite3_column_int(st, 11) != 0;
		r->story_first_seen = sqlite3_column_int64(st, 12);
		r->group_total = (size_t)sqlite3_column_int64(st, 13);
		r->all_total = (size_t)sqlite3_column_int64(st, 14);
		f = col_str(st, 7);
		for (save = f; save != NULL && *save != '\0'; save = nl) {
			if ((nl = strchr(save, '\n')) != NULL)
				*nl++ = '\0';
			r->feeds = xrealloc(r->feeds, (r->nfeeds + 1) *
			    sizeof(*r->feeds));
			r->feeds[r->nfeeds++] = xstrdup(save);
		}
		free(f);
	}
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading a digest's articles");
		store_digest_rows_free(v, *n);
		*n = 0;
		goto done;
	}
	*out = v;
	ret = 0;
done:
	stmt_done(st);
	free(topics);
	free(feeds);
	return ret;
}

void
store_digest_rows_free(struct store_digest_row *v, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		free(v[i].topic);
		free(v[i].title);
		free(v[i].link);
		free(v[i].summary);
		free(v[i].lang);
		for (j = 0; j < v[i].nfeeds; j++)
			free(v[i].feeds[j]);
		free(v[i].feeds);
	}
	free(v);
}

/* ---- trends ---- */

static int
same_topic(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

int
store_digest_trends(struct store *s, int64_t until, const char *const *fv,
    size_t nf, int articles, struct store_trend **out, size_t *n,
    char **errstr)
{
	sqlite3_stmt		*st;
	struct store_trend	*v = NULL;
	char			*feeds;
	const char		*topic;
	int64_t			 age;
	int			 rc, ret = -1;

	*out = NULL;
	*n = 0;
	if ((st = dst_get(s, DST_TRENDS, errstr)) == NULL)
		return -1;
	feeds = names_json(fv, nf);
	sqlite3_bind_int64(st, 1, until);
	sqlite3_bind_int(st, 2, STORE_TREND_DAYS);
	bind_str(st, 3, feeds);
	sqlite3_bind_int(st, 4, articles != 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		topic = (const char *)sqlite3_column_text(st, 0);
		age = sqlite3_column_int64(st, 1);
		if (age < 0 || age >= STORE_TREND_DAYS)
			continue;
		if (*n == 0 || !same_topic(v[*n - 1].topic, topic)) {
			v = xrealloc(v, (*n + 1) * sizeof(*v));
			memset(&v[*n], 0, sizeof(*v));
			v[(*n)++].topic = topic != NULL ? xstrdup(topic) : NULL;
		}
		/* day 0 the oldest, the last the 24 hours before until */
		v[*n - 1].days[STORE_TREND_DAYS - 1 - age] =
		    (unsigned)sqlite3_column_int64(st, 2);
	}
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading the topics' trends");
		store_trends_free(v, *n);
		*n = 0;
		goto done;
	}
	*out = v;
	ret = 0;
done:
	stmt_done(st);
	free(feeds);
	return ret;
}

void
store_trends_free(struct store_trend *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].topic);
	free(v);
}

/* ---- watermarks ---- */

int
store_digest_watermark(struct store *s, const char *name, int64_t *until,
    char **errstr)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = dst_get(s, DST_MARK_GET, errstr)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*until = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		store_seterr(s, errstr, "reading digest %s's watermark", name);
	stmt_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Sets the watermark, never moving it back; inside a transaction or not. */
static int
mark_set(struct store *s, const char *name, int64_t until, char **errstr)
{
	sqlite3_stmt	*st;

	if ((st = dst_get(s, DST_MARK_SET, errstr)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, until);
	return step_write(s, st, "moving a digest's watermark", errstr);
}

int
store_digest_watermark_set(struct store *s, const char *name, int64_t until,
    char **errstr)
{
	int	 own, ret;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	ret = mark_set(s, name, until, errstr);
	return txn_end(s, own, ret, errstr);
}

/* ---- queuing ---- */

static int
queue_run(struct store *s, const char *name, int64_t since, int64_t until,
    const char *payload, int64_t *run, char **errstr)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = dst_get(s, DST_RUN_INSERT, errstr)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, until);
	sqlite3_bind_text(st, 4, payload, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, store_now(s));
	if (step_write(s, st, "queuing a digest", errstr) == -1 ||
	    (st = dst_get(s, DST_RUN_ID, errstr)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, until);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*run = sqlite3_column_int64(st, 0);
	else
		store_seterr(s, errstr, "reading a digest's run");
	stmt_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_digest_queue(struct store *s, const char *name, int64_t since,
    int64_t until, const char *payload, const char *const *plugins,
    size_t nplugins, int64_t *run_id, char **errstr)
{
	sqlite3_stmt	*st;
	int64_t		 run = 0, now = store_now(s);
	size_t		 i;
	int		 own, ret = -1;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	if (queue_run(s, name, since, until, payload, &run, errstr) == -1 ||
	    (st = dst_get(s, DST_OUTBOX_INSERT, errstr)) == NULL)
		goto done;
	for (i = 0; i < nplugins; i++) {
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_text(st, 2, plugins[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		if (step_write(s, st, "queuing a digest", errstr) == -1)
			goto done;
	}
	if (mark_set(s, name, until, errstr) == -1)
		goto done;
	if (run_id != NULL)
		*run_id = run;
	ret = 0;
done:
	return txn_end(s, own, ret, errstr);
}

/* ---- the digest outbox ---- */

static void
send_from_row(sqlite3_stmt *st, struct store_digest_send *d, int payload)
{
	const char	*state = (const char *)sqlite3_column_text(st, 4);

	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(st, 0);
	d->run_id = sqlite3_column_int64(st, 1);
	d->name = col_str(st, 2);
	d->plugin = col_str(st, 3);
	d->state = state == NULL ? STORE_ALERT_PENDING :
	    strcmp(state, "sent") == 0 ? STORE_ALERT_SENT :
	    strcmp(state, "dead") == 0 ? STORE_ALERT_DEAD : STORE_ALERT_PENDING;
	d->attempts = sqlite3_column_int(st, 5);
	d->next_attempt = sqlite3_column_int64(st, 6);
	d->last_error = col_str(st, 7);
	d->created = sqlite3_column_int64(st, 8);
	d->sent_at = sqlite3_column_int64(st, 9);
	d->since = sqlite3_column_int64(st, 10);
	d->until = sqlite3_column_int64(st, 11);
	if (payload)
		d->payload = col_str(st, 12);
}

/* Runs a query of SEND_COLS (and the payload when `payload`). */
static int
sends_read(struct store *s, sqlite3_stmt *st, int payload,
    struct store_digest_send **out, size_t *n, char **errstr)
{
	struct store_digest_send	*v = NULL;
	int				 rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		send_from_row(st, &v[(*n)++], payload);
	}
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading the digest outbox");
		store_digest_sends_free(v, *n);
		*n = 0;
		return -1;
	}
	*out = v;
	return 0;
}

int
store_digests_due(struct store *s, const char *plugin, int64_t now,
    size_t limit, struct store_digest_send **out, size_t *n, char **errstr)
{
	sqlite3_stmt	*st;

	if ((st = dst_get(s, DST_DUE, errstr)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, plugin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, limit > 0 ? (int64_t)limit : -1);
	return sends_read(s, st, 1, out, n, errstr);
}

int
store_digests_list(struct store *s, const char *name, size_t limit,
    struct store_digest_send **out, size_t *n, char **errstr)
{
	sqlite3_stmt	*st;

	if ((st = dst_get(s, DST_LIST, errstr)) == NULL)
		return -1;
	bind_str(st, 1, name);
	sqlite3_bind_int64(st, 2, limit > 0 ? (int64_t)limit : -1);
	return sends_read(s, st, 0, out, n, errstr);
}

void
store_digest_sends_free(struct store_digest_send *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].plugin);
		free(v[i].last_error);
		free(v[i].payload);
	}
	free(v);
}

/* One UPDATE of a pending row: ?1 id, ?2 and ?3 as the SQL says. */
static int
send_update(struct store *s, enum dst_id id_sql, int64_t id, int64_t a,
    const char *b, char **errstr)
{
	sqlite3_stmt	*st;
	int		 own, ret = -1;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	if ((st = dst_get(s, id_sql, errstr)) != NULL) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, a);
		bind_str(st, 3, b);
		ret = step_write(s, st, "recording a digest's delivery",
		    errstr);
	}
	return txn_end(s, own, ret, errstr);
}

int
store_digest_attempt(struct store *s, int64_t id, char **errstr)
{
	sqlite3_stmt	*st;
	int		 own, ret = -1;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	if ((st = dst_get(s, DST_ATTEMPT, errstr)) != NULL) {
		sqlite3_bind_int64(st, 1, id);
		ret = step_write(s, st, "counting a digest's attempt", errstr);
	}
	return txn_end(s, own, ret, errstr);
}

int
store_digest_sent(struct store *s, int64_t id, int64_t when, char **errstr)
{
	return send_update(s, DST_SENT, id, when, NULL, errstr);
}

int
store_digest_retry(struct store *s, int64_t id, int64_t next_attempt,
    const char *error, char **errstr)
{
	return send_update(s, DST_RETRY, id, next_attempt, error, errstr);
}

int
store_digest_dead(struct store *s, int64_t id, const char *error,
    char **errstr)
{
	return send_update(s, DST_DEAD, id, 0, error, errstr);
}

static int
expire(struct store *s, enum dst_id id, const char *arg, int64_t before,
    size_t *n, char **errstr)
{
	sqlite3_stmt	*st;
	int		 own, ret = -1;

	if (n != NULL)
		*n = 0;
	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	if ((st = dst_get(s, id, errstr)) != NULL) {
		bind_str(st, 1, arg);
		sqlite3_bind_int64(st, 2, before);
		ret = step_write(s, st, "expiring digests", errstr);
		if (ret == 0 && n != NULL)
			*n = (size_t)sqlite3_changes(s->db);
	}
	return txn_end(s, own, ret, errstr);
}

int
store_digests_expire(struct store *s, const char *plugin, int64_t before,
    size_t *n, char **errstr)
{
	return expire(s, DST_EXPIRE, plugin, before, n, errstr);
}

int
store_digests_orphans(struct store *s, const char *const *plugins,
    size_t nplugins, int64_t before, size_t *n, char **errstr)
{
	char	*names = names_json(plugins, nplugins);
	int	 rc;

	rc = expire(s, DST_ORPHANS, names, before, n, errstr);
	free(names);
	return rc;
}

int
store_digests_next(struct store *s, const char *plugin, int64_t *when,
    char **errstr)
{
	sqlite3_stmt	*st;
	int		 rc, ret = -1;

	if ((st = dst_get(s, DST_NEXT, errstr)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, plugin, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		store_seterr(s, errstr, "reading the digest outbox");
	else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		ret = 0;
	else {
		*when = sqlite3_column_int64(st, 0);
		ret = 1;
	}
	stmt_done(st);
	return ret;
}

int
store_digests_prune(struct store *s, int64_t before, int64_t *deleted,
    char **errstr)
{
	sqlite3_stmt	*st;
	int		 own, ret = -1;

	if (deleted != NULL)
		*deleted = 0;
	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	if ((st = dst_get(s, DST_PRUNE, errstr)) != NULL) {
		sqlite3_bind_int64(st, 1, before);
		ret = step_write(s, st, "pruning old digests", errstr);
		if (ret == 0 && deleted != NULL)
			*deleted = sqlite3_changes(s->db);
	}
	return txn_end(s, own, ret, errstr);
}
