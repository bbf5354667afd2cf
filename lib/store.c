/*
 * store.c: the SQLite backend of store.h, the only file that includes
 * sqlite3.h.  WAL mode so the CLI reads while the daemon writes; every write
 * in BEGIN IMMEDIATE; the schema versioned by PRAGMA user_version and moved
 * forward by the migrations below, never backward and never recreated.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"
#include "url.h"
#include "util.h"

#define STORE_APPLICATION_ID	0x68726c64	/* "hrld" */
#define STORE_BUSY_TIMEOUT_MS	5000
#define STORE_JOURNAL_LIMIT	(64 * 1024 * 1024)
#define STORE_PRUNE_BATCH	1000
#define STORE_CANDIDATES	32	/* rows looked at per link or hash */

/*
 * The schema, one migration per version: step i takes user_version i to
 * i + 1 in its own transaction.  Append, never edit a released step.
 *
 * items.content_hash and item_feeds.content_hash are 64-bit FNV-1a hashes
 * of what a reader sees (see item_hash_content()); item_feeds keeps the hash
 * of the version each feed last delivered, so two feeds carrying different
 * versions of one article do not overwrite it in turn on every fetch.
 * items.dedup_key hashes the title (or text) and the date: the identity of
 * last resort.  item_feeds.current marks the items of a feed's latest
 * complete parse, which pruning keeps.
 *
 * The matches and outbox tables of the topic alerts (issue 4) are
 * migration 2; items(id) is their parent, with ON DELETE CASCADE so that
 * pruning removes them too.
 */
static const char *const store_migrations[] = {
	/* 1: feeds, items, which feed carried what, the search index. */
	"CREATE TABLE feeds ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  url TEXT NOT NULL,"
	"  config_url TEXT NOT NULL,"
	"  title TEXT,"
	"  site_link TEXT,"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  disabled_reason TEXT,"
	"  etag TEXT,"
	"  last_modified TEXT,"
	"  last_fetch INTEGER,"
	"  last_success INTEGER,"
	"  last_status INTEGER,"
	"  last_error TEXT,"
	"  error_class TEXT,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  next_fetch INTEGER,"
	"  last_new INTEGER,"
	"  redirect_url TEXT,"
	"  redirect_count INTEGER NOT NULL DEFAULT 0,"
	"  n_fetches INTEGER NOT NULL DEFAULT 0,"
	"  n_errors INTEGER NOT NULL DEFAULT 0,"
	"  n_not_modified INTEGER NOT NULL DEFAULT 0,"
	"  n_new INTEGER NOT NULL DEFAULT 0,"
	"  n_updated INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL"
	");"
	"CREATE TABLE items ("
	"  id INTEGER PRIMARY KEY,"
	"  guid TEXT,"
	"  canon_link TEXT,"
	"  link TEXT,"
	"  title TEXT,"
	"  summary TEXT,"
	"  content TEXT,"
	"  author TEXT,"
	"  categories TEXT,"
	"  enclosure_url TEXT,"
	"  lang TEXT,"
	"  published INTEGER,"
	"  updated INTEGER,"
	"  first_seen INTEGER NOT NULL,"
	"  changed INTEGER NOT NULL,"
	"  content_hash INTEGER NOT NULL,"
	"  dedup_key INTEGER NOT NULL"
	");"
	"CREATE INDEX items_canon_link ON items(canon_link)"
	"  WHERE canon_link IS NOT NULL;"
	"CREATE INDEX items_dedup_key ON items(dedup_key);"
	"CREATE INDEX items_first_seen ON items(first_seen);"
	"CREATE TABLE item_feeds ("
	"  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
	"  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	"  guid TEXT,"
	"  first_seen INTEGER NOT NULL,"
	"  content_hash INTEGER NOT NULL,"
	"  current INTEGER NOT NULL DEFAULT 1,"
	"  PRIMARY KEY (item_id, feed_id)"
	") WITHOUT ROWID;"
	"CREATE UNIQUE INDEX item_feeds_guid ON item_feeds(feed_id, guid);"
	"CREATE INDEX item_feeds_current ON item_feeds(feed_id)"
	"  WHERE current = 1;"
	"CREATE VIRTUAL TABLE items_fts USING fts5("
	"  title, summary, content, author,"
	"  content='items', content_rowid='id',"
	"  tokenize='unicode61 remove_diacritics 2');"
	/* ORDER BY rank: a title hit weighs most, then summary, author. */
	"INSERT INTO items_fts(items_fts, rank)"
	"  VALUES ('rank', 'bm25(10.0, 3.0, 1.0, 2.0)');"
	"CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN"
	"  INSERT INTO items_fts(rowid, title, summary, content, author)"
	"  VALUES (new.id, new.title, new.summary, new.content, new.author);"
	"END;"
	"CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN"
	"  INSERT INTO items_fts(items_fts, rowid, title, summary, content,"
	"    author)"
	"  VALUES ('delete', old.id, old.title, old.summary, old.content,"
	"    old.author);"
	"END;"
	"CREATE TRIGGER items_fts_au AFTER UPDATE OF title, summary, content,"
	"  author ON items BEGIN"
	"  INSERT INTO items_fts(items_fts, rowid, title, summary, content,"
	"    author)"
	"  VALUES ('delete', old.id, old.title, old.summary, old.content,"
	"    old.author);"
	"  INSERT INTO items_fts(rowid, title, summary, content, author)"
	"  VALUES (new.id, new.title, new.summary, new.content, new.author);"
	"END;",
	/*
	 * 2: topic matches, one per (item, topic) ever, and the alert
	 * outbox, one row per (match, plugin).  outbox.state is 'pending',
	 * 'sent' or 'dead'; the partial index serves the deliverer's "what
	 * is due" and "when is the next one" without reading sent rows.
	 */
	"CREATE TABLE matches ("
	"  id INTEGER PRIMARY KEY,"
	"  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
	"  topic TEXT NOT NULL,"
	"  terms TEXT,"
	"  field TEXT,"
	"  snippet TEXT,"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (item_id, topic)"
	");"
	"CREATE INDEX matches_topic ON matches(topic, created);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  match_id INTEGER NOT NULL REFERENCES matches(id) ON DELETE CASCADE,"
	"  plugin TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (state IN ('pending', 'sent', 'dead')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL,"
	"  last_error TEXT,"
	"  created INTEGER NOT NULL,"
	"  sent_at INTEGER,"
	"  UNIQUE (match_id, plugin)"
	");"
	"CREATE INDEX outbox_due ON outbox(plugin, next_attempt)"
	"  WHERE state = 'pending';"
	"CREATE INDEX outbox_state ON outbox(state, id);",
};

#define STORE_NMIGRATIONS \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

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
	ST_IF_BY_GUID,
	ST_IF_GET,
	ST_ITEMS_BY_LINK,
	ST_ITEMS_BY_KEY,
	ST_ITEM_INSERT,
	ST_ITEM_UPDATE,
	ST_IF_INSERT,
	ST_IF_SET_HASH,
	ST_IF_SET_CURRENT,
	ST_IF_COUNT_CURRENT,
	ST_IF_LIST_CURRENT,
	ST_PRUNE,
	ST_MATCH_INSERT,
	ST_MATCH_GET,
	ST_OUTBOX_INSERT,
	ST_ALERTS_DUE,
	ST_ALERT_SENT,
	ST_ALERT_RETRY,
	ST_ALERT_DEAD,
	ST_ALERTS_EXPIRE,
	ST_ALERTS_NEXT,
	ST_ALERTS_NEXT_ANY,
	ST__COUNT
};

#define FEED_COLS \
	"id, name, url, config_url, title, site_link, enabled, " \
	"disabled_reason, etag, last_modified, last_fetch, last_success, " \
	"last_status, last_error, error_class, failures, next_fetch, " \
	"n_fetches, n_errors, n_not_modified, n_new, n_updated, last_new, " \
	"redirect_url, redirect_count"

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

#define ALERT_COLS \
	"b.id, m.id, b.plugin, b.state, b.attempts, b.next_attempt," \
	" b.last_error, b.created, b.sent_at, m.topic, m.terms, m.field," \
	" m.snippet, i.id, i.title, i.link, i.summary, i.author, i.published," \
	" i.first_seen, o.name," \
	" (SELECT group_concat(name, ', ') FROM (SELECT d.name" \
	"   FROM item_feeds x JOIN feeds d ON d.id = x.feed_id" \
	"   WHERE x.item_id = i.id ORDER BY x.first_seen, d.name))"
#define ALERT_FROM \
	" FROM outbox b JOIN matches m ON m.id = b.match_id" \
	" JOIN items i ON i.id = m.item_id" ENTRY_ORIGIN

static const char *const stmt_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_FEED_BY_NAME] =
	    "SELECT id, config_url, enabled FROM feeds WHERE name = ?1",
	[ST_FEED_INSERT] =
	    "INSERT INTO feeds (name, url, config_url, enabled, created)"
	    " VALUES (?1, ?2, ?2, ?3, ?4)",
	[ST_FEED_RECONF] =
	    "UPDATE feeds SET url = ?2, config_url = ?2, enabled = ?3,"
	    " etag = NULL, last_modified = NULL, disabled_reason = NULL,"
	    " failures = 0, error_class = NULL WHERE id = ?1",
	[ST_FEED_ENABLE] = "UPDATE feeds SET enabled = ?2 WHERE id = ?1",
	[ST_FEED_GET] = "SELECT " FEED_COLS " FROM feeds WHERE id = ?1",
	[ST_FEED_UPDATE] =
	    "UPDATE feeds SET last_fetch = ?2,"
	    " last_success = CASE WHEN ?3 THEN ?2 ELSE last_success END,"
	    " last_status = ?4, last_error = ?5, error_class = ?6,"
	    " failures = ?7, next_fetch = ?8,"
	    " etag = CASE WHEN ?9 THEN ?10 ELSE etag END,"
	    " last_modified = CASE WHEN ?9 THEN ?11 ELSE last_modified END,"
	    " title = coalesce(?12, title),"
	    " site_link = coalesce(?13, site_link),"
	    " url = coalesce(?14, url),"
	    " disabled_reason = coalesce(?15, disabled_reason),"
	    " n_fetches = n_fetches + 1,"
	    " n_errors = n_errors + (NOT ?3),"
	    " n_not_modified = n_not_modified + (?4 = 304),"
	    " n_new = n_new + ?16, n_updated = n_updated + ?17,"
	    " last_new = CASE WHEN ?16 > 0 THEN ?2 ELSE last_new END,"
	    " redirect_url = ?18, redirect_count = ?19"
	    " WHERE id = ?1",
	[ST_IF_BY_GUID] =
	    "SELECT item_id, content_hash, current FROM item_feeds"
	    " WHERE feed_id = ?1 AND guid = ?2",
	[ST_IF_GET] =
	    "SELECT content_hash, current, guid FROM item_feeds"
	    " WHERE item_id = ?1 AND feed_id = ?2",
	[ST_ITEMS_BY_LINK] =
	    "SELECT id, title, summary, content FROM items"
	    " WHERE canon_link = ?1 ORDER BY id LIMIT 32",
	[ST_ITEMS_BY_KEY] =
	    "SELECT i.id FROM items i JOIN item_feeds f ON f.item_id = i.id"
	    " WHERE i.dedup_key = ?1 AND f.feed_id = ?2 ORDER BY i.id LIMIT 32",
	[ST_ITEM_INSERT] =
	    "INSERT INTO items (guid, canon_link, link, title, summary,"
	    " content, author, categories, enclosure_url, lang, published,"
	    " updated, first_seen, changed, content_hash, dedup_key)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?13, ?14, ?15)",
	[ST_ITEM_UPDATE] =
	    "UPDATE items SET canon_link = ?2, link = ?3, title = ?4,"
	    " summary = ?5, content = ?6, author = ?7, categories = ?8,"
	    " enclosure_url = ?9, lang = ?10, published = ?11, updated = ?12,"
	    " changed = ?13, content_hash = ?14, dedup_key = ?15"
	    " WHERE id = ?1 AND content_hash <> ?14",
	[ST_IF_INSERT] =
	    "INSERT INTO item_feeds (item_id, feed_id, guid, first_seen,"
	    " content_hash, current) VALUES (?1, ?2, ?3, ?4, ?5, 1)",
	[ST_IF_SET_HASH] =
	    "UPDATE item_feeds SET content_hash = ?3, current = 1"
	    " WHERE item_id = ?1 AND feed_id = ?2",
	[ST_IF_SET_CURRENT] =
	    "UPDATE item_feeds SET current = ?3"
	    " WHERE item_id = ?1 AND feed_id = ?2",
	[ST_IF_COUNT_CURRENT] =
	    "SELECT count(*) FROM item_feeds"
	    " WHERE feed_id = ?1 AND current = 1",
	[ST_IF_LIST_CURRENT] =
	    "SELECT item_id FROM item_feeds WHERE feed_id = ?1 AND current = 1",
	/*
	 * An item in a feed's latest parse stays, unless that feed is
	 * disabled or has not succeeded since the cutoff (a dead feed must
	 * not pin its items forever).
	 */
	[ST_PRUNE] =
	    "DELETE FROM items WHERE id IN (SELECT i.id FROM items i"
	    " WHERE i.first_seen < ?1 AND NOT EXISTS (SELECT 1"
	    " FROM item_feeds f JOIN feeds d ON d.id = f.feed_id"
	    " WHERE f.item_id = i.id AND f.current = 1 AND d.enabled"
	    " AND d.disabled_reason IS NULL AND d.last_success >= ?1)"
	    " LIMIT ?2)",
	[ST_MATCH_INSERT] =
	    "INSERT OR IGNORE INTO matches (item_id, topic, terms, field,"
	    " snippet, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_MATCH_GET] =
	    "SELECT id FROM matches WHERE item_id = ?1 AND topic = ?2",
	[ST_OUTBOX_INSERT] =
	    "INSERT OR IGNORE INTO outbox (match_id, plugin, next_attempt,"
	    " created) VALUES (?1, ?2, ?3, ?3)",
	[ST_ALERTS_DUE] =
	    "SELECT " ALERT_COLS ALERT_FROM
	    " WHERE b.plugin = ?1 AND b.state = 'pending'"
	    " AND b.next_attempt <= ?2"
	    " ORDER BY b.next_attempt, b.id LIMIT ?3",
	[ST_ALERT_SENT] =
	    "UPDATE outbox SET state = 'sent', attempts = attempts + 1,"
	    " sent_at = ?2, last_error = NULL"
	    " WHERE id = ?1 AND state = 'pending'",
	[ST_ALERT_RETRY] =
	    "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2,"
	    " last_error = ?3 WHERE id = ?1 AND state = 'pending'",
	[ST_ALERT_DEAD] =
	    "UPDATE outbox SET state = 'dead', attempts = attempts + 1,"
	    " last_error = ?3 WHERE id = ?1 AND state = 'pending'",
	[ST_ALERTS_EXPIRE] =
	    "UPDATE outbox SET state = 'dead', last_error = 'expired after '"
	    " || attempts || CASE attempts WHEN 1 THEN ' attempt' ELSE"
	    " ' attempts' END || coalesce(': ' || last_error, '')"
	    " WHERE plugin = ?1 AND state = 'pending' AND created < ?2",
	[ST_ALERTS_NEXT] =
	    "SELECT min(next_attempt) FROM outbox"
	    " WHERE plugin = ?1 AND state = 'pending'",
	[ST_ALERTS_NEXT_ANY] =
	    "SELECT min(next_attempt) FROM outbox WHERE state = 'pending'",
};

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
};

/* Errors. */

static char *
store_hint(int rc, const char *path)
{
	switch (rc & 0xff) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return xasprintf(": herald will not modify it; stop heraldd, "
		    "keep a copy, then restore a backup or salvage it with "
		    "`sqlite3 %s .recover`", path);
	case SQLITE_FULL:
		return xstrdup(": free some space; the database is intact "
		    "(the write that failed was rolled back)");
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return xstrdup(": check the permissions of the database, its "
		    "-wal and -shm files and their directory");
	case SQLITE_BUSY:
		return xstrdup(": another process holds the write lock");
	case SQLITE_CANTOPEN:
		return xstrdup(": check that the file and its directory exist "
		    "and are readable (the CLI needs the -wal and -shm files "
		    "heraldd leaves beside it)");
	default:
		return xstrdup("");
	}
}

static void
store_seterr(struct store *s, char **errstr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets *errstr to "PATH: what: sqlite's message[: hint]". */
static void
store_seterr(struct store *s, char **errstr, const char *fmt, ...)
{
	va_list	 ap;
	char	 what[256], *hint;
	int	 rc;

	if (errstr == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	rc = sqlite3_extended_errcode(s->db);
	hint = store_hint(rc, s->path);
	free(*errstr);
	*errstr = xasprintf("%s: %s: %s%s", s->path, what,
	    sqlite3_errmsg(s->db), hint);
	free(hint);
}

/* Statements. */

static sqlite3_stmt *
stmt_get(struct store *s, enum stmt_id id, char **errstr)
{
	if (s->st[id] == NULL &&
	    sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->st[id], NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "preparing a statement");
		return NULL;
	}
	return s->st[id];
}

static void
stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Binds a string, NULL for a NULL or empty one. */
static void
bind_str(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL || *v == '\0')
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static char *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char	*v = sqlite3_column_text(st, i);

	return v == NULL ? NULL : xstrdup((const char *)v);
}

/* Runs SQL returning at most one value (a pragma); *out gets it (heap). */
static int
store_exec1(struct store *s, const char *sql, char **out, char **errstr)
{
	sqlite3_stmt	*st = NULL;
	int		 rc, ret = -1;

	if (out != NULL)
		*out = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "%s", sql);
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (out != NULL && *out == NULL)
			*out = col_str(st, 0);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "%s", sql);
		if (out != NULL) {
			free(*out);
			*out = NULL;
		}
		goto done;
	}
	ret = 0;
done:
	sqlite3_finalize(st);
	return ret;
}

static int
store_pragma_int(struct store *s, const char *sql, int64_t *v, char **errstr)
{
	char	*out;

	if (store_exec1(s, sql, &out, errstr) == -1)
		return -1;
	*v = out != NULL ? strtoll(out, NULL, 10) : 0;
	free(out);
	return 0;
}

/* Opening, checking and migrating. */

int
store_schema_version(void)
{
	return STORE_NMIGRATIONS;
}

static int64_t
store_now(struct store *s)
{
	return s->now != 0 ? s->now : (int64_t)time(NULL);
}

void
store_set_now(struct store *s, int64_t now)
{
	s->now = now;
}

static int
store_quick_check(struct store *s, char **errstr)
{
	char	*out = NULL;

	if (store_exec1(s, "PRAGMA quick_check", &out, errstr) == -1)
		return -1;
	if (out == NULL || strcmp(out, "ok") != 0) {
		*errstr = xasprintf("%s: the database is damaged (quick_check: "
		    "%s): herald will not modify it; stop heraldd, keep a "
		    "copy, then restore a backup or salvage it with "
		    "`sqlite3 %s .recover`", s->path, out ? out : "no answer",
		    s->path);
		free(out);
		return -1;
	}
	free(out);
	return 0;
}

/* Reads the header fields that say whose database this is, and how old. */
static int
store_check_identity(struct store *s, int64_t *version, char **errstr)
{
	int64_t	 appid, ntables;

	if (store_pragma_int(s, "PRAGMA application_id", &appid,
	    errstr) == -1 ||
	    store_pragma_int(s, "PRAGMA user_version", version, errstr) == -1 ||
	    store_pragma_int(s, "SELECT count(*) FROM sqlite_master",
	    &ntables, errstr) == -1)
		return -1;
	if (appid != 0 && appid != STORE_APPLICATION_ID) {
		*errstr = xasprintf("%s: not a herald database (application_id "
		    "%#llx): choose another path", s->path,
		    (unsigned long long)appid);
		return -1;
	}
	if (appid == 0 && *version == 0 && ntables > 0) {
		*errstr = xasprintf("%s: not a herald database (it has tables "
		    "but no herald schema version): choose another path",
		    s->path);
		return -1;
	}
	if (*version > STORE_NMIGRATIONS) {
		*errstr = xasprintf("%s: schema version %lld is newer than "
		    "this herald understands (%d): upgrade herald, or restore a "
		    "backup made by this version", s->path,
		    (long long)*version, STORE_NMIGRATIONS);
		return -1;
	}
	return 0;
}

static int
store_migrate(struct store *s, char **errstr)
{
	int64_t	 v;
	char	*sql;
	int	 i;

	for (i = 0; i < STORE_NMIGRATIONS; i++) {
		if (store_exec1(s, "BEGIN IMMEDIATE", NULL, errstr) == -1)
			return -1;
		/* Another process may have migrated while we waited. */
		if (store_pragma_int(s, "PRAGMA user_version", &v,
		    errstr) == -1)
			goto fail;
		if (v > i) {
			store_exec1(s, "COMMIT", NULL, NULL);
			continue;
		}
		if (sqlite3_exec(s->db, store_migrations[i], NULL, NULL,
		    NULL) != SQLITE_OK) {
			store_seterr(s, errstr, "migrating the schema to "
			    "version %d", i + 1);
			goto fail;
		}
		sql = xasprintf("PRAGMA user_version = %d; "
		    "PRAGMA application_id = %d", i + 1, STORE_APPLICATION_ID);
		if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			free(sql);
			store_seterr(s, errstr, "migrating the schema to "
			    "version %d", i + 1);
			goto fail;
		}
		free(sql);
		if (store_exec1(s, "COMMIT", NULL, errstr) == -1)
			goto fail;
	}
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

struct store *
store_open(const char *path, int flags, char **errstr)
{
	struct store	*s;
	struct stat	 sb;
	int64_t		 version;
	char		*mode = NULL, *sql;
	int		 rc, oflags, on = 1;

	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	s->rdonly = !(flags & STORE_RDWR);
	if (s->rdonly && stat(path, &sb) == -1) {
		*errstr = xasprintf("%s: %s%s", path, strerror(errno),
		    errno == ENOENT ? " (heraldd creates the database on its "
		    "first run)" : "");
		goto fail;
	}
	oflags = s->rdonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (s->db == NULL) {
		*errstr = xasprintf("%s: %s", path, sqlite3_errstr(rc));
		goto fail;
	}
	if (rc != SQLITE_OK) {
		store_seterr(s, errstr, "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	if (!s->rdonly)
		sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL,
		    &on);

	/* Nothing is written before the file has shown it is ours and sound. */
	if (store_check_identity(s, &version, errstr) == -1)
		goto fail;
	if (((flags & STORE_RDWR) && !(flags & STORE_NOCHECK)) ||
	    (flags & STORE_CHECK)) {
		if (store_quick_check(s, errstr) == -1)
			goto fail;
	}
	if (s->rdonly) {
		if (version < STORE_NMIGRATIONS) {
			*errstr = xasprintf("%s: schema version %lld is older "
			    "than this herald's (%d): start heraldd once to "
			    "upgrade it", path, (long long)version,
			    STORE_NMIGRATIONS);
			goto fail;
		}
		if (store_exec1(s, "PRAGMA query_only = 1", NULL,
		    errstr) == -1)
			goto fail;
		return s;
	}

	if (store_exec1(s, "PRAGMA journal_mode = WAL", &mode, errstr) == -1)
		goto fail;
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		*errstr = xasprintf("%s: cannot switch to WAL mode (journal "
		    "mode is %s)", path, mode ? mode : "unknown");
		goto fail;
	}
	sql = xasprintf("PRAGMA synchronous = NORMAL; "
	    "PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = %d",
	    STORE_JOURNAL_LIMIT);
	rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		store_seterr(s, errstr, "setting pragmas");
		goto fail;
	}
	if (store_migrate(s, errstr) == -1)
		goto fail;
	free(mode);
	return s;
fail:
	free(mode);
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int	 i;

	if (s == NULL)
		return;
	for (i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	/* Cheap, and keeps the planner's statistics fresh for the CLI. */
	if (s->db != NULL && !s->rdonly)
		sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
	sqlite3_close(s->db);
	free(s->touched.keys);
	free(s->path);
	free(s);
}

int64_t
store_changes(struct store *s)
{
	return sqlite3_total_changes(s->db);
}

/* The set of items upserted in this transaction. */

static uint64_t
touched_slot(int64_t feed, int64_t item)
{
	uint64_t	 x = (uint64_t)feed * 0x9e3779b97f4a7c15ULL ^
			     (uint64_t)item;

	/* splitmix64's finaliser */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int
touched_has(struct touched *t, int64_t feed, int64_t item)
{
	size_t	 i;

	if (t->cap == 0)
		return 0;
	for (i = touched_slot(feed, item) & (t->cap - 1); t->keys[2 * i] != 0;
	    i = (i + 1) & (t->cap - 1))
		if (t->keys[2 * i] == feed && t->keys[2 * i + 1] == item)
			return 1;
	return 0;
}

static void
touched_add(struct touched *t, int64_t feed, int64_t item)
{
	int64_t	*old = t->keys;
	size_t	 oldcap = t->cap, i, j;

	if (touched_has(t, feed, item))
		return;
	if (2 * (t->n + 1) > t->cap) {
		t->cap = oldcap == 0 ? 64 : 2 * oldcap;
		t->keys = xcalloc(2 * t->cap, sizeof(int64_t));
		t->n = 0;
		for (j = 0; j < oldcap; j++)
			if (old[2 * j] != 0)
				touched_add(t, old[2 * j], old[2 * j + 1]);
		free(old);
	}
	for (i = touched_slot(feed, item) & (t->cap - 1); t->keys[2 * i] != 0;
	    i = (i + 1) & (t->cap - 1))
		;
	t->keys[2 * i] = feed;
	t->keys[2 * i + 1] = item;
	t->n++;
}

static size_t
touched_count(struct touched *t, int64_t feed)
{
	size_t	 i, n = 0;

	for (i = 0; i < t->cap; i++)
		if (t->keys[2 * i] == feed)
			n++;
	return n;
}

static void
touched_clear(struct touched *t)
{
	if (t->cap > 0)
		memset(t->keys, 0, 2 * t->cap * sizeof(int64_t));
	t->n = 0;
}

/* Transactions. */

static int
store_step_simple(struct store *s, enum stmt_id id, const char *what,
    char **errstr)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = stmt_get(s, id, errstr)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "%s", what);
		return -1;
	}
	return 0;
}

int
store_begin(struct store *s, char **errstr)
{
	touched_clear(&s->touched);
	return store_step_simple(s, ST_BEGIN, "BEGIN IMMEDIATE", errstr);
}

int
store_commit(struct store *s, char **errstr)
{
	touched_clear(&s->touched);
	if (store_step_simple(s, ST_COMMIT, "COMMIT", errstr) == -1) {
		store_rollback(s);
		return -1;
	}
	return 0;
}

int
store_rollback(struct store *s)
{
	touched_clear(&s->touched);
	if (sqlite3_get_autocommit(s->db))
		return 0;
	return store_step_simple(s, ST_ROLLBACK, "ROLLBACK", NULL);
}

/*
 * A write called outside store_begin() runs in its own transaction:
 * *own says whether this call opened one, for txn_end().
 */
static int
txn_auto(struct store *s, int *own, char **errstr)
{
	*own = 0;
	if (s->rdonly) {
		*errstr = xasprintf("%s: opened read-only", s->path);
		return -1;
	}
	if (!sqlite3_get_autocommit(s->db))
		return 0;
	if (store_begin(s, errstr) == -1)
		return -1;
	*own = 1;
	return 0;
}

static int
txn_end(struct store *s, int own, int ret, char **errstr)
{
	if (!own)
		return ret;
	if (ret == -1) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, errstr);
}

/* Feeds. */

int
store_feed_ensure(struct store *s, const char *name, const char *url,
    int enabled, int64_t *id, char **errstr)
{
	sqlite3_stmt	*st;
	const char	*curl;
	int		 own, rc, ret = -1, cur_enabled = 0, found = 0;
	int		 reconf = 0;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	enabled = enabled != 0;
	if ((st = stmt_get(s, ST_FEED_BY_NAME, errstr)) == NULL)
		goto done;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		found = 1;
		*id = sqlite3_column_int64(st, 0);
		curl = (const char *)sqlite3_column_text(st, 1);
		reconf = curl == NULL || strcmp(curl, url) != 0;
		cur_enabled = sqlite3_column_int(st, 2);
	}
	stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_seterr(s, errstr, "feed %s", name);
		goto done;
	}
	if (!found) {
		if ((st = stmt_get(s, ST_FEED_INSERT, errstr)) == NULL)
			goto done;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, enabled);
		sqlite3_bind_int64(st, 4, store_now(s));
	} else if (reconf) {
		if ((st = stmt_get(s, ST_FEED_RECONF, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, enabled);
	} else if (cur_enabled != enabled) {
		if ((st = stmt_get(s, ST_FEED_ENABLE, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int(st, 2, enabled);
	} else {
		ret = 0;
		goto done;
	}
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "feed %s", name);
		goto done;
	}
	if (!found)
		*id = sqlite3_last_insert_rowid(s->db);
	ret = 0;
done:
	return txn_end(s, own, ret, errstr);
}

/* Fills a feed from a row of FEED_COLS. */
static void
feed_from_row(sqlite3_stmt *st, struct store_feed *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->name = col_str(st, 1);
	f->url = col_str(st, 2);
	f->config_url = col_str(st, 3);
	f->title = col_str(st, 4);
	f->site_link = col_str(st, 5);
	f->enabled = sqlite3_column_int(st, 6);
	f->disabled_reason = col_str(st, 7);
	f->etag = col_str(st, 8);
	f->last_modified = col_str(st, 9);
	f->last_fetch = sqlite3_column_int64(st, 10);
	f->last_success = sqlite3_column_int64(st, 11);
	f->last_status = sqlite3_column_int(st, 12);
	f->last_error = col_str(st, 13);
	f->error_class = col_str(st, 14);
	f->failures = sqlite3_column_int(st, 15);
	f->next_fetch = sqlite3_column_int64(st, 16);
	f->n_fetches = sqlite3_column_int64(st, 17);
	f->n_errors = sqlite3_column_int64(st, 18);
	f->n_not_modified = sqlite3_column_int64(st, 19);
	f->n_new = sqlite3_column_int64(st, 20);
	f->n_updated = sqlite3_column_int64(st, 21);
	f->newest_item = sqlite3_column_int64(st, 22);
	f->redirect_url = col_str(st, 23);
	f->redirect_count = sqlite3_column_int(st, 24);
}

void
store_feed_clear(struct store_feed *f)
{
	if (f == NULL)
		return;
	free(f->name);
	free(f->url);
	free(f->config_url);
	free(f->title);
	free(f->site_link);
	free(f->disabled_reason);
	free(f->etag);
	free(f->last_modified);
	free(f->last_error);
	free(f->error_class);
	free(f->redirect_url);
	memset(f, 0, sizeof(*f));
}

int
store_feed_get(struct store *s, int64_t id, struct store_feed *f,
    char **errstr)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(f, 0, sizeof(*f));
	if ((st = stmt_get(s, ST_FEED_GET, errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		feed_from_row(st, f);
	stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading feed %lld", (long long)id);
		return -1;
	}
	return rc == SQLITE_ROW;
}

/*
 * After a complete parse: the items upserted now are the feed's current
 * ones.  Upserts already set current = 1 on each; when the feed has more
 * current rows than were upserted, clear the ones that left the feed.
 */
static int
feed_settle_current(struct store *s, int64_t feed_id, char **errstr)
{
	sqlite3_stmt	*st;
	int64_t		*gone = NULL, ncur = 0;
	size_t		 n = 0, cap = 0, i;
	int		 rc, ret = -1;

	if ((st = stmt_get(s, ST_IF_COUNT_CURRENT, errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, feed_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ncur = sqlite3_column_int64(st, 0);
	stmt_done(st);
	if (rc != SQLITE_ROW) {
		store_seterr(s, errstr, "counting current items");
		return -1;
	}
	if ((size_t)ncur == touched_count(&s->touched, feed_id))
		return 0;

	if ((st = stmt_get(s, ST_IF_LIST_CURRENT, errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, feed_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t	 item = sqlite3_column_int64(st, 0);

		if (touched_has(&s->touched, feed_id, item))
			continue;
		if (n == cap) {
			cap = cap == 0 ? 64 : 2 * cap;
			gone = xrealloc(gone, cap * sizeof(*gone));
		}
		gone[n++] = item;
	}
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "listing current items");
		goto done;
	}
	if ((st = stmt_get(s, ST_IF_SET_CURRENT, errstr)) == NULL)
		goto done;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, gone[i]);
		sqlite3_bind_int64(st, 2, feed_id);
		sqlite3_bind_int(st, 3, 0);
		rc = sqlite3_step(st);
		stmt_done(st);
		if (rc != SQLITE_DONE) {
			store_seterr(s, errstr, "updating current items");
			goto done;
		}
	}
	ret = 0;
done:
	free(gone);
	return ret;
}

int
store_feed_update(struct store *s, int64_t feed_id,
    const struct store_fetch *fx, char **errstr)
{
	sqlite3_stmt	*st;
	int		 own, rc, ret = -1;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	if (fx->ok && fx->complete &&
	    feed_settle_current(s, feed_id, errstr) == -1)
		goto done;
	if ((st = stmt_get(s, ST_FEED_UPDATE, errstr)) == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, feed_id);
	sqlite3_bind_int64(st, 2, fx->fetched != 0 ? fx->fetched :
	    store_now(s));
	sqlite3_bind_int(st, 3, fx->ok != 0);
	sqlite3_bind_int(st, 4, fx->status);
	bind_str(st, 5, fx->error);
	bind_str(st, 6, fx->error_class);
	sqlite3_bind_int(st, 7, fx->failures);
	if (fx->next_fetch != 0)
		sqlite3_bind_int64(st, 8, fx->next_fetch);
	sqlite3_bind_int(st, 9, fx->set_validators != 0);
	bind_str(st, 10, fx->etag);
	bind_str(st, 11, fx->last_modified);
	bind_str(st, 12, fx->title);
	bind_str(st, 13, fx->site_link);
	bind_str(st, 14, fx->url);
	bind_str(st, 15, fx->disabled_reason);
	sqlite3_bind_int(st, 16, fx->n_new);
	sqlite3_bind_int(st, 17, fx->n_updated);
	bind_str(st, 18, fx->redirect_url);
	sqlite3_bind_int(st, 19, fx->redirect_count);
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "updating feed %lld",
		    (long long)feed_id);
		goto done;
	}
	ret = 0;
done:
	return txn_end(s, own, ret, errstr);
}

/* Items. */

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static uint64_t
fnv_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*c = p;

	while (len-- > 0) {
		h ^= *c++;
		h *= FNV_PRIME;
	}
	return h;
}

/* A field and a separator byte no UTF-8 text contains (0xfe for NULL). */
static uint64_t
fnv_field(uint64_t h, const char *s)
{
	unsigned char	 sep = s == NULL ? 0xfe : 0xff;

	if (s != NULL)
		h = fnv_bytes(h, s, strlen(s));
	return fnv_bytes(h, &sep, 1);
}

/*
 * Hashes text with ASCII case folded and runs of white space as one space,
 * trimmed: two feeds, or two fetches, that space a title differently agree.
 */
static uint64_t
fnv_text_norm(uint64_t h, const char *s)
{
	unsigned char	 c, sp = ' ';
	int		 pending = 0, any = 0;

	for (; s != NULL && *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			pending = any;
			continue;
		}
		if (pending)
			h = fnv_bytes(h, &sp, 1);
		pending = 0;
		any = 1;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = fnv_bytes(h, &c, 1);
	}
	return h;
}

/*
 * What a reader sees.  Dates are left out (some feeds stamp "now" on every
 * item) and the link counts in its canonical form (tracking parameters that
 * change on every fetch are not a change).
 */
static int64_t
item_hash_content(const struct store_item *it, const char *canon)
{
	uint64_t	 h = FNV_OFFSET;

	h = fnv_field(h, it->title);
	h = fnv_field(h, canon != NULL ? canon : it->link);
	h = fnv_field(h, it->summary);
	h = fnv_field(h, it->content);
	h = fnv_field(h, it->author);
	h = fnv_field(h, it->categories);
	h = fnv_field(h, it->enclosure_url);
	return (int64_t)h;
}

static const char *
item_key_text(const char *title, const char *summary, const char *content)
{
	if (title != NULL && *title != '\0')
		return title;
	if (summary != NULL && *summary != '\0')
		return summary;
	return content;
}

/* The identity of last resort: the title (or text) and the date. */
static int64_t
item_dedup_key(const struct store_item *it)
{
	uint64_t	 h;
	char		 date[32];

	h = fnv_text_norm(FNV_OFFSET,
	    item_key_text(it->title, it->summary, it->content));
	if (it->has_published)
		snprintf(date, sizeof(date), "\xff%lld",
		    (long long)it->published);
	else
		snprintf(date, sizeof(date), "\xfe");
	return (int64_t)fnv_bytes(h, date, strlen(date));
}

static int
nonempty(const char *s)
{
	return s != NULL && *s != '\0';
}

/*
 * Finds the stored item an item with canonical link `canon` is, or 0.
 * Another feed's item with that link is the same article carried twice.
 * An item this feed already carries is the same one when the titles agree
 * (GUIDs that change on every fetch) or when neither has a GUID and it is
 * the only candidate (an edited title); otherwise it is another article
 * (feeds that link every item to one page).  Items already claimed in this
 * transaction are never candidates.
 */
static int
item_find_by_link(struct store *s, int64_t feed_id,
    const struct store_item *it, const char *canon, int64_t *found,
    char **errstr)
{
	sqlite3_stmt	*st, *sf;
	int64_t		 ids[STORE_CANDIDATES], tkeys[STORE_CANDIDATES];
	int64_t		 want, other = 0, weak = 0;
	size_t		 n = 0, i;
	int		 rc, nweak = 0;

	*found = 0;
	if ((st = stmt_get(s, ST_ITEMS_BY_LINK, errstr)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, canon, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < STORE_CANDIDATES) {
		ids[n] = sqlite3_column_int64(st, 0);
		tkeys[n] = (int64_t)fnv_text_norm(FNV_OFFSET, item_key_text(
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3)));
		n++;
	}
	stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_seterr(s, errstr, "looking up a link");
		return -1;
	}
	want = (int64_t)fnv_text_norm(FNV_OFFSET,
	    item_key_text(it->title, it->summary, it->content));
	if ((sf = stmt_get(s, ST_IF_GET, errstr)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		int	 carried, hasguid = 0;

		if (touched_has(&s->touched, feed_id, ids[i]))
			continue;
		sqlite3_bind_int64(sf, 1, ids[i]);
		sqlite3_bind_int64(sf, 2, feed_id);
		rc = sqlite3_step(sf);
		carried = rc == SQLITE_ROW;
		if (carried)
			hasguid = sqlite3_column_type(sf, 2) != SQLITE_NULL;
		stmt_done(sf);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			store_seterr(s, errstr, "looking up a link");
			return -1;
		}
		if (carried && tkeys[i] == want) {
			*found = ids[i];
			return 0;
		}
		if (carried && !hasguid && !nonempty(it->guid)) {
			weak = ids[i];
			nweak++;
		} else if (!carried && other == 0)
			other = ids[i];
	}
	if (nweak == 1)
		*found = weak;
	else if (other != 0)
		*found = other;
	return 0;
}

/* Among this feed's items, one with the same title and date, or 0. */
static int
item_find_by_key(struct store *s, int64_t feed_id, int64_t key,
    int64_t *found, char **errstr)
{
	sqlite3_stmt	*st;
	int64_t		 id;
	int		 rc;

	*found = 0;
	if ((st = stmt_get(s, ST_ITEMS_BY_KEY, errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_int64(st, 2, feed_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (!touched_has(&s->touched, feed_id, id)) {
			*found = id;
			break;
		}
	}
	stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_seterr(s, errstr, "looking up an item");
		return -1;
	}
	return 0;
}

/* Binds the item's columns shared by ST_ITEM_INSERT and ST_ITEM_UPDATE. */
static void
bind_item(sqlite3_stmt *st, int first, const struct store_item *it,
    const char *canon)
{
	bind_str(st, first, canon);
	bind_str(st, first + 1, it->link);
	bind_str(st, first + 2, it->title);
	bind_str(st, first + 3, it->summary);
	bind_str(st, first + 4, it->content);
	bind_str(st, first + 5, it->author);
	bind_str(st, first + 6, it->categories);
	bind_str(st, first + 7, it->enclosure_url);
	bind_str(st, first + 8, it->lang);
	if (it->has_published)
		sqlite3_bind_int64(st, first + 9, it->published);
	if (it->has_updated)
		sqlite3_bind_int64(st, first + 10, it->updated);
}

static int
step_write(struct store *s, sqlite3_stmt *st, const char *what, char **errstr)
{
	int	 rc = sqlite3_step(st);

	stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "%s", what);
		return -1;
	}
	return 0;
}

int
store_item_upsert(struct store *s, int64_t feed_id,
    const struct store_item *it, enum store_upsert_result *resp,
    int64_t *item_idp, char **errstr)
{
	sqlite3_stmt		*st;
	enum store_upsert_result res = STORE_UNCHANGED;
	char			*canon = NULL;
	const char		*guid = nonempty(it->guid) ? it->guid : NULL;
	int64_t			 item_id = 0, chash, dkey, if_hash = 0, now;
	int			 own, rc, ret = -1, carried = 0, current = 0;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	now = store_now(s);
	if (nonempty(it->link))
		canon = url_canonical(it->link);
	chash = item_hash_content(it, canon);
	dkey = item_dedup_key(it);

	/* 1. The GUID within this feed. */
	if (guid != NULL) {
		if ((st = stmt_get(s, ST_IF_BY_GUID, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, feed_id);
		sqlite3_bind_text(st, 2, guid, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			item_id = sqlite3_column_int64(st, 0);
			if_hash = sqlite3_column_int64(st, 1);
			current = sqlite3_column_int(st, 2);
			carried = 1;
		}
		stmt_done(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			store_seterr(s, errstr, "looking up a guid");
			goto done;
		}
		/* The same GUID twice in one fetch: the first one wins. */
		if (item_id != 0 &&
		    touched_has(&s->touched, feed_id, item_id)) {
			ret = 0;
			goto done;
		}
	}
	/* 2. The canonical link, across feeds; 3. title and date. */
	if (item_id == 0 && canon != NULL) {
		if (item_find_by_link(s, feed_id, it, canon, &item_id,
		    errstr) == -1)
			goto done;
	} else if (item_id == 0 && (guid == NULL || it->has_published)) {
		/*
		 * An undated title alone does not tell apart two items with
		 * GUIDs ("Weekly update"): it identifies only GUID-less ones.
		 */
		if (item_find_by_key(s, feed_id, dkey, &item_id, errstr) == -1)
			goto done;
	}
	if (item_id != 0 && !carried) {
		if ((st = stmt_get(s, ST_IF_GET, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, item_id);
		sqlite3_bind_int64(st, 2, feed_id);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if_hash = sqlite3_column_int64(st, 0);
			current = sqlite3_column_int(st, 1);
			carried = 1;
		}
		stmt_done(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			store_seterr(s, errstr, "looking up an item");
			goto done;
		}
	}

	if (item_id == 0) {
		if ((st = stmt_get(s, ST_ITEM_INSERT, errstr)) == NULL)
			goto done;
		bind_str(st, 1, guid);
		bind_item(st, 2, it, canon);
		sqlite3_bind_int64(st, 13, now);
		sqlite3_bind_int64(st, 14, chash);
		sqlite3_bind_int64(st, 15, dkey);
		if (step_write(s, st, "adding an item", errstr) == -1)
			goto done;
		item_id = sqlite3_last_insert_rowid(s->db);
		res = STORE_NEW;
	}
	if (!carried) {
		/* New, or an article another feed brought first. */
		if ((st = stmt_get(s, ST_IF_INSERT, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, item_id);
		sqlite3_bind_int64(st, 2, feed_id);
		bind_str(st, 3, guid);
		sqlite3_bind_int64(st, 4, now);
		sqlite3_bind_int64(st, 5, chash);
		if (step_write(s, st, "linking an item to its feed",
		    errstr) == -1)
			goto done;
	} else if (if_hash != chash) {
		if ((st = stmt_get(s, ST_IF_SET_HASH, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, item_id);
		sqlite3_bind_int64(st, 2, feed_id);
		sqlite3_bind_int64(st, 3, chash);
		if (step_write(s, st, "updating an item", errstr) == -1)
			goto done;
		/* Only rewritten when the stored version differs. */
		if ((st = stmt_get(s, ST_ITEM_UPDATE, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, item_id);
		bind_item(st, 2, it, canon);
		sqlite3_bind_int64(st, 13, now);
		sqlite3_bind_int64(st, 14, chash);
		sqlite3_bind_int64(st, 15, dkey);
		if (step_write(s, st, "updating an item", errstr) == -1)
			goto done;
		if (sqlite3_changes(s->db) > 0)
			res = STORE_UPDATED;
	} else if (!current) {
		/* Back in the feed after leaving it. */
		if ((st = stmt_get(s, ST_IF_SET_CURRENT, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, item_id);
		sqlite3_bind_int64(st, 2, feed_id);
		sqlite3_bind_int(st, 3, 1);
		if (step_write(s, st, "updating an item", errstr) == -1)
			goto done;
	}
	touched_add(&s->touched, feed_id, item_id);
	ret = 0;
done:
	free(canon);
	if (ret == 0) {
		if (resp != NULL)
			*resp = res;
		if (item_idp != NULL)
			*item_idp = item_id;
	}
	return txn_end(s, own, ret, errstr);
}

int
store_prune(struct store *s, int64_t older_than, int64_t *deleted,
    char **errstr)
{
	sqlite3_stmt	*st;
	int64_t		 total = 0;
	int		 n, rc;

	if (deleted != NULL)
		*deleted = 0;
	if (s->rdonly) {
		*errstr = xasprintf("%s: opened read-only", s->path);
		return -1;
	}
	/* Batches keep the WAL small and let readers see progress. */
	do {
		if (store_begin(s, errstr) == -1)
			return -1;
		if ((st = stmt_get(s, ST_PRUNE, errstr)) == NULL) {
			store_rollback(s);
			return -1;
		}
		sqlite3_bind_int64(st, 1, older_than);
		sqlite3_bind_int(st, 2, STORE_PRUNE_BATCH);
		rc = sqlite3_step(st);
		n = sqlite3_changes(s->db);
		stmt_done(st);
		if (rc != SQLITE_DONE) {
			store_seterr(s, errstr, "pruning");
			store_rollback(s);
			return -1;
		}
		if (store_commit(s, errstr) == -1)
			return -1;
		total += n;
	} while (n == STORE_PRUNE_BATCH);
	if (deleted != NULL)
		*deleted = total;
	return 0;
}

/* Reads for the CLI. */

int
store_feeds_list(struct store *s, struct store_feed **out, size_t *np,
    char **errstr)
{
	sqlite3_stmt		*st = NULL;
	struct store_feed	*v = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;

	*out = NULL;
	*np = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT " FEED_COLS ","
	    " (SELECT count(*) FROM item_feeds x WHERE x.feed_id = f.id)"
	    " FROM feeds f ORDER BY name", -1, &st, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "listing feeds");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 32 : 2 * cap;
			v = xrealloc(v, cap * sizeof(*v));
		}
		feed_from_row(st, &v[n]);
		v[n].item_count = sqlite3_column_int64(st, 25);
		n++;
	}
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "listing feeds");
		sqlite3_finalize(st);
		store_feeds_free(v, n);
		return -1;
	}
	sqlite3_finalize(st);
	*out = v;
	*np = n;
	return 0;
}

void
store_feeds_free(struct store_feed *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		store_feed_clear(&v[i]);
	free(v);
}

static void
entry_from_row(sqlite3_stmt *st, struct store_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, 0);
	e->feed_id = sqlite3_column_int64(st, 1);
	e->feed_name = col_str(st, 2);
	e->feeds = col_str(st, 3);
	e->title = col_str(st, 4);
	e->link = col_str(st, 5);
	e->summary = col_str(st, 6);
	e->author = col_str(st, 7);
	e->categories = col_str(st, 8);
	e->has_published = sqlite3_column_type(st, 9) != SQLITE_NULL;
	e->published = sqlite3_column_int64(st, 9);
	e->first_seen = sqlite3_column_int64(st, 10);
	e->changed = sqlite3_column_int64(st, 11);
}

void
store_entries_free(struct store_entry *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].feed_name);
		free(v[i].feeds);
		free(v[i].title);
		free(v[i].link);
		free(v[i].summary);
		free(v[i].author);
		free(v[i].categories);
		free(v[i].snippet);
	}
	free(v);
}

/*
 * Steps a prepared entry query to the end and copies the rows out, so the
 * read transaction lasts as long as the query and not as long as the
 * caller's printing.  `extra` columns (snippet, rank) follow ENTRY_COLS.
 */
static int
entries_collect(struct store *s, sqlite3_stmt *st, int extra,
    struct store_entry **out, size_t *np, const char *what, char **errstr)
{
	struct store_entry	*v = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : 2 * cap;
			v = xrealloc(v, cap * sizeof(*v));
		}
		entry_from_row(st, &v[n]);
		if (extra) {
			v[n].snippet = col_str(st, 12);
			v[n].rank = sqlite3_column_double(st, 13);
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "%s", what);
		store_entries_free(v, n);
		return -1;
	}
	*out = v;
	*np = n;
	return 0;
}

int
store_digest(struct store *s, int64_t since, size_t limit,
    struct store_entry **out, size_t *np, char **errstr)
{
	sqlite3_stmt	*st = NULL;
	int		 ret;

	*out = NULL;
	*np = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT " ENTRY_COLS
	    " FROM items i" ENTRY_ORIGIN
	    " WHERE i.first_seen >= ?1"
	    " ORDER BY o.name, coalesce(i.published, i.first_seen) DESC,"
	    " i.id DESC LIMIT ?2", -1, &st, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "digest");
		return -1;
	}
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, limit == 0 ? -1 : (int64_t)limit);
	ret = entries_collect(s, st, 0, out, np, "digest", errstr);
	sqlite3_finalize(st);
	return ret;
}

int
store_search(struct store *s, const struct store_search *q,
    struct store_entry **out, size_t *np, char **errstr)
{
	sqlite3_stmt	*st = NULL;
	int		 rc, ret = -1;

	*out = NULL;
	*np = 0;
	if (q->query == NULL || *q->query == '\0') {
		*errstr = xstrdup("invalid query: empty");
		return -1;
	}
	/*
	 * The inner query lets FTS5 sort by rank itself and stop at the
	 * limit, so snippet() runs only for the rows returned.  Item ids grow
	 * with first_seen, which turns `since` into a rowid bound FTS5 uses;
	 * the outer test keeps the answer exact.
	 */
	if (sqlite3_prepare_v2(s->db, "SELECT " ENTRY_COLS ", h.snip, h.rank"
	    " FROM (SELECT rowid AS id, rank,"
	    "   snippet(items_fts, -1, ?2, ?3, '…', 16) AS snip"
	    "   FROM items_fts WHERE items_fts MATCH ?1"
	    "   AND rowid >= (SELECT coalesce(min(id), 9223372036854775807)"
	    "     FROM items WHERE first_seen >= ?4)"
	    "   ORDER BY rank LIMIT ?5) AS h"
	    " JOIN items i ON i.id = h.id" ENTRY_ORIGIN
	    " WHERE i.first_seen >= ?4"
	    " ORDER BY h.rank, i.id DESC", -1, &st, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "search");
		return -1;
	}
	sqlite3_bind_text(st, 1, q->query, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->hl_open ? q->hl_open : "[", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 3, q->hl_close ? q->hl_close : "]", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, q->since);
	sqlite3_bind_int64(st, 5, q->limit == 0 ? -1 : (int64_t)q->limit);
	ret = entries_collect(s, st, 1, out, np, "search", errstr);
	if (ret == -1) {
		rc = sqlite3_extended_errcode(s->db);
		/* FTS5 reports a bad query as a plain SQLITE_ERROR. */
		if (rc == SQLITE_ERROR && errstr != NULL) {
			free(*errstr);
			*errstr = xasprintf("invalid query: %s",
			    sqlite3_errmsg(s->db));
		}
	}
	sqlite3_finalize(st);
	return ret;
}

/* Topic matches and the alert outbox. */

static const char *const alert_state_names[] = {
	[STORE_ALERT_PENDING] = "pending",
	[STORE_ALERT_SENT] = "sent",
	[STORE_ALERT_DEAD] = "dead",
};

static enum store_alert_state
alert_state_parse(const char *v)
{
	if (v != NULL && strcmp(v, "sent") == 0)
		return STORE_ALERT_SENT;
	if (v != NULL && strcmp(v, "dead") == 0)
		return STORE_ALERT_DEAD;
	return STORE_ALERT_PENDING;
}

int
store_match_add(struct store *s, int64_t item_id, const char *topic,
    const char *terms, const char *field, const char *snippet,
    const char *const *plugins, size_t nplugins, int64_t *match_idp,
    int *createdp, char **errstr)
{
	sqlite3_stmt	*st;
	int64_t		 match_id = 0, now;
	size_t		 i;
	int		 own, rc, ret = -1, created = 0;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	now = store_now(s);
	if ((st = stmt_get(s, ST_MATCH_INSERT, errstr)) == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, item_id);
	sqlite3_bind_text(st, 2, topic, -1, SQLITE_STATIC);
	bind_str(st, 3, terms);
	bind_str(st, 4, field);
	bind_str(st, 5, snippet);
	sqlite3_bind_int64(st, 6, now);
	if (step_write(s, st, "recording a match", errstr) == -1)
		goto done;
	if (sqlite3_changes(s->db) > 0) {
		created = 1;
		match_id = sqlite3_last_insert_rowid(s->db);
	} else {
		if ((st = stmt_get(s, ST_MATCH_GET, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, item_id);
		sqlite3_bind_text(st, 2, topic, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			match_id = sqlite3_column_int64(st, 0);
		stmt_done(st);
		if (rc != SQLITE_ROW) {
			store_seterr(s, errstr, "reading a match");
			goto done;
		}
	}
	for (i = 0; created && i < nplugins; i++) {
		if ((st = stmt_get(s, ST_OUTBOX_INSERT, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, match_id);
		sqlite3_bind_text(st, 2, plugins[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		if (step_write(s, st, "writing an alert", errstr) == -1)
			goto done;
	}
	ret = 0;
done:
	if (ret == 0) {
		if (match_idp != NULL)
			*match_idp = match_id;
		if (createdp != NULL)
			*createdp = created;
	}
	return txn_end(s, own, ret, errstr);
}

static void
alert_from_row(sqlite3_stmt *st, struct store_alert *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, 0);
	a->alert_id = sqlite3_column_int64(st, 1);
	a->plugin = col_str(st, 2);
	a->state = alert_state_parse((const char *)sqlite3_column_text(st, 3));
	a->attempts = sqlite3_column_int(st, 4);
	a->next_attempt = sqlite3_column_int64(st, 5);
	a->last_error = col_str(st, 6);
	a->created = sqlite3_column_int64(st, 7);
	a->sent_at = sqlite3_column_int64(st, 8);
	a->topic = col_str(st, 9);
	a->terms = col_str(st, 10);
	a->field = col_str(st, 11);
	a->snippet = col_str(st, 12);
	a->item_id = sqlite3_column_int64(st, 13);
	a->title = col_str(st, 14);
	a->link = col_str(st, 15);
	a->summary = col_str(st, 16);
	a->author = col_str(st, 17);
	a->has_published = sqlite3_column_type(st, 18) != SQLITE_NULL;
	a->published = sqlite3_column_int64(st, 18);
	a->first_seen = sqlite3_column_int64(st, 19);
	a->feed_name = col_str(st, 20);
	a->feeds = col_str(st, 21);
}

void
store_alerts_free(struct store_alert *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].plugin);
		free(v[i].last_error);
		free(v[i].topic);
		free(v[i].terms);
		free(v[i].field);
		free(v[i].snippet);
		free(v[i].title);
		free(v[i].link);
		free(v[i].summary);
		free(v[i].author);
		free(v[i].feed_name);
		free(v[i].feeds);
	}
	free(v);
}

/* Steps an ALERT_COLS query to the end, copying the rows out. */
static int
alerts_collect(struct store *s, sqlite3_stmt *st, struct store_alert **out,
    size_t *np, const char *what, char **errstr)
{
	struct store_alert	*v = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : 2 * cap;
			v = xrealloc(v, cap * sizeof(*v));
		}
		alert_from_row(st, &v[n++]);
	}
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "%s", what);
		store_alerts_free(v, n);
		return -1;
	}
	*out = v;
	*np = n;
	return 0;
}

int
store_alerts_due(struct store *s, const char *plugin, int64_t now,
    size_t limit, struct store_alert **out, size_t *np, char **errstr)
{
	sqlite3_stmt	*st;
	int		 ret;

	*out = NULL;
	*np = 0;
	if ((st = stmt_get(s, ST_ALERTS_DUE, errstr)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, plugin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, limit == 0 ? -1 : (int64_t)limit);
	ret = alerts_collect(s, st, out, np, "reading due alerts", errstr);
	stmt_done(st);
	return ret;
}

/* One outcome of a delivery attempt on a pending row. */
static int
alert_mark(struct store *s, enum stmt_id id, int64_t row, int64_t t,
    const char *error, char **errstr)
{
	sqlite3_stmt	*st;
	int		 own, ret = -1;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	if ((st = stmt_get(s, id, errstr)) == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_int64(st, 2, t);
	bind_str(st, 3, error);
	if (step_write(s, st, "updating an alert", errstr) == -1)
		goto done;
	ret = 0;
done:
	return txn_end(s, own, ret, errstr);
}

int
store_alert_sent(struct store *s, int64_t id, int64_t when, char **errstr)
{
	return alert_mark(s, ST_ALERT_SENT, id, when, NULL, errstr);
}

int
store_alert_retry(struct store *s, int64_t id, int64_t next_attempt,
    const char *error, char **errstr)
{
	return alert_mark(s, ST_ALERT_RETRY, id, next_attempt, error, errstr);
}

int
store_alert_dead(struct store *s, int64_t id, const char *error,
    char **errstr)
{
	return alert_mark(s, ST_ALERT_DEAD, id, 0, error, errstr);
}

int
store_alerts_expire(struct store *s, const char *plugin, int64_t before,
    size_t *np, char **errstr)
{
	sqlite3_stmt	*st;
	int		 own, ret = -1;

	if (np != NULL)
		*np = 0;
	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	if ((st = stmt_get(s, ST_ALERTS_EXPIRE, errstr)) == NULL)
		goto done;
	sqlite3_bind_text(st, 1, plugin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, before);
	if (step_write(s, st, "expiring alerts", errstr) == -1)
		goto done;
	if (np != NULL)
		*np = (size_t)sqlite3_changes(s->db);
	ret = 0;
done:
	return txn_end(s, own, ret, errstr);
}

int
store_alerts_next(struct store *s, const char *plugin, int64_t *when,
    char **errstr)
{
	sqlite3_stmt	*st;
	int		 rc, found = 0;

	*when = 0;
	if ((st = stmt_get(s, plugin != NULL ? ST_ALERTS_NEXT :
	    ST_ALERTS_NEXT_ANY, errstr)) == NULL)
		return -1;
	if (plugin != NULL)
		sqlite3_bind_text(st, 1, plugin, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*when = sqlite3_column_int64(st, 0);
		found = 1;
	}
	stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading the outbox");
		return -1;
	}
	return found;
}

int
store_alerts_list(struct store *s, const struct store_alerts_filter *f,
    struct store_alert **out, size_t *np, char **errstr)
{
	sqlite3_stmt	*st = NULL;
	int		 ret;

	*out = NULL;
	*np = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT " ALERT_COLS ALERT_FROM
	    " WHERE (?1 IS NULL OR b.state = ?1)"
	    " AND (?2 IS NULL OR b.plugin = ?2)"
	    " AND (?3 IS NULL OR m.topic = ?3)"
	    " ORDER BY b.id DESC LIMIT ?4", -1, &st, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "listing alerts");
		return -1;
	}
	if (f->state >= 0 && f->state <= STORE_ALERT_DEAD)
		sqlite3_bind_text(st, 1, alert_state_names[f->state], -1,
		    SQLITE_STATIC);
	bind_str(st, 2, f->plugin);
	bind_str(st, 3, f->topic);
	sqlite3_bind_int64(st, 4, f->limit == 0 ? -1 : (int64_t)f->limit);
	ret = alerts_collect(s, st, out, np, "listing alerts", errstr);
	sqlite3_finalize(st);
	return ret;
}

int
store_outbox_counts(struct store *s, struct store_outbox_count **out,
    size_t *np, char **errstr)
{
	sqlite3_stmt			*st = NULL;
	struct store_outbox_count	*v = NULL;
	size_t				 n = 0, cap = 0;
	int				 rc;

	*out = NULL;
	*np = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT plugin,"
	    " sum(state = 'pending'), sum(state = 'sent'), sum(state = 'dead'),"
	    " min(CASE WHEN state = 'pending' THEN next_attempt END)"
	    " FROM outbox GROUP BY plugin ORDER BY plugin", -1, &st,
	    NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "counting alerts");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 8 : 2 * cap;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].plugin = col_str(st, 0);
		v[n].pending = sqlite3_column_int64(st, 1);
		v[n].sent = sqlite3_column_int64(st, 2);
		v[n].dead = sqlite3_column_int64(st, 3);
		v[n].next_attempt = sqlite3_column_int64(st, 4);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "counting alerts");
		store_outbox_counts_free(v, n);
		return -1;
	}
	*out = v;
	*np = n;
	return 0;
}

void
store_outbox_counts_free(struct store_outbox_count *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].plugin);
	free(v);
}

int
store_topic_counts(struct store *s, int64_t now,
    struct store_topic_count **out, size_t *np, char **errstr)
{
	sqlite3_stmt			*st = NULL;
	struct store_topic_count	*v = NULL;
	size_t				 n = 0, cap = 0;
	int				 rc;

	*out = NULL;
	*np = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT topic,"
	    " sum(created > ?1 - 86400), sum(created > ?1 - 7 * 86400),"
	    " count(*), max(created)"
	    " FROM matches GROUP BY topic ORDER BY topic", -1, &st,
	    NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "counting matches");
		return -1;
	}
	sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : 2 * cap;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].topic = col_str(st, 0);
		v[n].day = sqlite3_column_int64(st, 1);
		v[n].week = sqlite3_column_int64(st, 2);
		v[n].total = sqlite3_column_int64(st, 3);
		v[n].last = sqlite3_column_int64(st, 4);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "counting matches");
		store_topic_counts_free(v, n);
		return -1;
	}
	*out = v;
	*np = n;
	return 0;
}

void
store_topic_counts_free(struct store_topic_count *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].topic);
	free(v);
}

int
store_topic_entries(struct store *s, const char *topic, int64_t since,
    size_t limit, struct store_entry **out, char ***termsp, size_t *np,
    char **errstr)
{
	sqlite3_stmt		*st = NULL;
	struct store_entry	*v = NULL;
	char			**terms = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;

	*out = NULL;
	*termsp = NULL;
	*np = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT " ENTRY_COLS ", m.snippet,"
	    " m.terms FROM matches m JOIN items i ON i.id = m.item_id"
	    ENTRY_ORIGIN " WHERE m.topic = ?1 AND i.first_seen >= ?2"
	    " ORDER BY coalesce(i.published, i.first_seen) DESC, i.id DESC"
	    " LIMIT ?3", -1, &st, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "reading matches");
		return -1;
	}
	sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, limit == 0 ? -1 : (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 32 : 2 * cap;
			v = xrealloc(v, cap * sizeof(*v));
			terms = xrealloc(terms, cap * sizeof(*terms));
		}
		entry_from_row(st, &v[n]);
		v[n].snippet = col_str(st, 12);
		terms[n] = col_str(st, 13);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading matches");
		store_entries_free(v, n);
		while (n-- > 0)
			free(terms[n]);
		free(terms);
		return -1;
	}
	*out = v;
	*termsp = terms;
	*np = n;
	return 0;
}

/* Topic matching. */

#define TOPIC_NCOLS	4
#define TOPIC_MAX_TERMS	32
#define TOPIC_MAX_TERM	200	/* bytes kept of one matched term */
#define TOPIC_PREFIX_MAX 64	/* longer tokens are looked up as prefixes */
#define TOPIC_NO_TOPIC	UINT32_MAX
#define TOPIC_SNIPPET	16	/* tokens in a snippet ... */
#define TOPIC_LEAD	3	/* ... of them before the first hit */

static const char *const topic_fields[TOPIC_NCOLS] = {
	"title", "summary", "content", "author"
};

/*
 * The temporary index for the rules the matcher leaves to FTS5 itself
 * (those with NEAR): it holds only the batch's items such a rule may
 * match, as an external-content index over items.
 */
static const char topic_temp_sql[] =
	"PRAGMA temp_store = MEMORY;"
	"CREATE TEMP VIEW IF NOT EXISTS topic_src AS"
	"  SELECT id, title, summary, content, author FROM main.items;"
	"CREATE VIRTUAL TABLE IF NOT EXISTS temp.topic_batch USING fts5("
	"  title, summary, content, author,"
	"  content='topic_src', content_rowid='id',"
	"  tokenize='unicode61 remove_diacritics 2');";

/*
 * A token that some rule names, folded by the index's tokenizer, exact or
 * as a prefix, with the topics whose match names it: an article holding it
 * makes those topics candidates.
 */
struct trig {
	char		*term;
	size_t		 len;
	uint64_t	 hash;
	uint32_t	 id;		/* index in store_topics.present */
	uint32_t	*topics;
	size_t		 n;
	size_t		 cap;
};

struct trigmap {
	struct trig	*v;		/* open addressing; term NULL: empty */
	size_t		 cap;		/* a power of two */
	size_t		 n;
};

/*
 * A rule as a tree the matcher evaluates itself, on the tokens of one
 * article: FTS5's query language with its precedence (implicit AND of
 * adjacent phrases, then NOT, AND, OR), column filters, prefixes, ^ and +.
 * NEAR is left to FTS5 (rule.fts).
 */
enum qn_type {
	QN_PHRASE,
	QN_AND,
	QN_OR,
	QN_NOT,
};

struct qnode {
	enum qn_type	 type;
	struct qnode	*l, *r;
	uint32_t	*toks;		/* token ids, in order */
	size_t		 ntoks;
	unsigned	 cols;		/* bit per column */
	int		 initial;	/* ^: the first token of a column */
};

struct rule {
	char		*text;
	struct qnode	*root;
	struct qnode	**phrases;	/* outside a NOT's right side */
	size_t		 nphrases;
	struct qnode	**all;		/* every node, to free */
	size_t		 nall;
	int		 fts;		/* evaluated by FTS5, not root */
};

struct topic_rt {
	char		*name;
	struct rule	 match;
	struct rule	 exclude;	/* text NULL: none */
	int		 fts;		/* match or exclude needs FTS5 */
	int64_t		*feeds;
	size_t		 nfeeds;
	char		**plugins;
	size_t		 nplugins;
	int		 always;	/* no token to look for */
	uint32_t	 stamp;		/* item that made it a candidate */
	uint32_t	 fstamp;	/* batch that has it in the fallback */
};

/* A token of an article that a rule names. */
struct hit {
	uint32_t	 id;
	uint32_t	 pos;
	uint32_t	 start;		/* bytes in the column's text */
	uint32_t	 end;
	uint8_t		 col;
};

/* An occurrence of a rule's phrase: a matched term. */
struct span {
	uint8_t		 col;
	uint32_t	 pos;
	uint32_t	 start;
	uint32_t	 end;
};

struct store_topics {
	struct store		*s;
	struct topic_rt		*t;
	size_t			 n;
	struct trigmap		 exact;
	struct trigmap		 prefix;
	uint64_t		 prefix_lens;	/* bit L-1: L-byte prefix */
	uint32_t		 ntok;
	uint32_t		*present;	/* per token: its item */
	uint32_t		 stamp;		/* the item being scanned */
	uint32_t		 bstamp;	/* the batch */
	struct tok		*tk;
	/* the item being scanned */
	const char		*text[TOPIC_NCOLS];
	int			 textlen[TOPIC_NCOLS];
	int			 col;
	uint32_t		 pos;
	struct hit		*hits;
	size_t			 nhits, caphits;
	uint32_t		*cand;
	size_t			 ncand;
	struct span		*spans;
	size_t			 nspans, capspans;
	int64_t			*fallback;	/* items for FTS5's rules */
	size_t			 nfallback, capfallback;
	int			 temp;		/* the temp index exists */
	sqlite3_stmt		*st_item, *st_insert, *st_flush, *st_clear;
	sqlite3_stmt		*st_fts, *st_fts_ex;
	struct store_topics_stats stats;
};

/* The FTS5 tokenizer the index uses, to fold text the same way. */
struct tok {
	fts5_tokenizer	 api;
	Fts5Tokenizer	*tk;
};

static int
tok_open(sqlite3 *db, struct tok *t, char **errstr)
{
	fts5_api	*fts = NULL;
	sqlite3_stmt	*st = NULL;
	void		*ud = NULL;
	const char	*args[] = { "remove_diacritics", "2" };

	memset(t, 0, sizeof(*t));
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st,
	    NULL) == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, &fts, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (fts == NULL || fts->iVersion < 2 ||
	    fts->xFindTokenizer(fts, "unicode61", &ud, &t->api) != SQLITE_OK ||
	    t->api.xCreate(ud, args, 2, &t->tk) != SQLITE_OK) {
		*errstr = xstrdup("SQLite's FTS5 unicode61 tokenizer is "
		    "not available");
		return -1;
	}
	return 0;
}

static void
tok_close(struct tok *t)
{
	if (t != NULL && t->tk != NULL)
		t->api.xDelete(t->tk);
	free(t);
}

/* Triggers. */

static struct trig *
trig_find(const struct trigmap *m, const char *p, size_t len, uint64_t h)
{
	size_t	 i;

	if (m->cap == 0)
		return NULL;
	for (i = h & (m->cap - 1); m->v[i].term != NULL;
	    i = (i + 1) & (m->cap - 1))
		if (m->v[i].hash == h && m->v[i].len == len &&
		    memcmp(m->v[i].term, p, len) == 0)
			return &m->v[i];
	return NULL;
}

/* The token's id, added if new; `topic` (unless TOPIC_NO_TOPIC) noted. */
static uint32_t
trig_add(struct store_topics *ts, struct trigmap *m, const char *p,
    size_t len, uint32_t topic)
{
	struct trig	*t, *old = m->v;
	uint64_t	 h = fnv_bytes(FNV_OFFSET, p, len);
	size_t		 oldcap = m->cap, i, j;

	if ((t = trig_find(m, p, len, h)) == NULL) {
		if (2 * (m->n + 1) > m->cap) {
			m->cap = oldcap == 0 ? 256 : 2 * oldcap;
			m->v = xcalloc(m->cap, sizeof(*m->v));
			for (i = 0; i < oldcap; i++) {
				if (old[i].term == NULL)
					continue;
				for (j = old[i].hash & (m->cap - 1);
				    m->v[j].term != NULL;
				    j = (j + 1) & (m->cap - 1))
					;
				m->v[j] = old[i];
			}
			free(old);
		}
		for (i = h & (m->cap - 1); m->v[i].term != NULL;
		    i = (i + 1) & (m->cap - 1))
			;
		t = &m->v[i];
		t->term = xstrndup(p, len);
		t->len = len;
		t->hash = h;
		t->id = ts->ntok++;
		m->n++;
	}
	if (topic != TOPIC_NO_TOPIC &&
	    (t->n == 0 || t->topics[t->n - 1] != topic)) {
		if (t->n == t->cap) {
			t->cap = t->cap == 0 ? 2 : 2 * t->cap;
			t->topics = xrealloc(t->topics,
			    t->cap * sizeof(*t->topics));
		}
		t->topics[t->n++] = topic;
	}
	return t->id;
}

static void
trigmap_free(struct trigmap *m)
{
	size_t	 i;

	for (i = 0; i < m->cap; i++) {
		free(m->v[i].term);
		free(m->v[i].topics);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Parsing rules. */

enum qlex {
	QL_END,
	QL_WORD,	/* a bareword */
	QL_STRING,	/* "...": the text unquoted in str */
	QL_LP,
	QL_RP,
	QL_LB,		/* '{' */
	QL_RB,
	QL_COLON,
	QL_STAR,
	QL_PLUS,
	QL_CARET,
	QL_MINUS,
	QL_COMMA,
	QL_OTHER,
};

struct lexeme {
	enum qlex	 type;
	const char	*p;		/* where it starts in the rule */
	size_t		 len;		/* its length there */
	struct buf	 str;		/* QL_STRING: the text */
};

static int
bareword_char(unsigned char c)
{
	return c >= 0x80 || c == 0x1a || c == '_' ||
	    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static const char *
qlex_next(const char *p, struct lexeme *l)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	l->p = p;
	buf_reset(&l->str);
	if (*p == '\0') {
		l->type = QL_END;
		l->len = 0;
		return p;
	}
	if (*p == '"') {
		l->type = QL_STRING;
		for (p++; *p != '\0'; p++) {
			if (*p == '"' && p[1] == '"')
				p++;
			else if (*p == '"')
				break;
			buf_putc(&l->str, *p);
		}
		if (*p == '"')
			p++;
		l->len = (size_t)(p - l->p);
		return p;
	}
	if (bareword_char((unsigned char)*p)) {
		l->type = QL_WORD;
		while (bareword_char((unsigned char)*p))
			p++;
		l->len = (size_t)(p - l->p);
		return p;
	}
	switch (*p) {
	case '(': l->type = QL_LP; break;
	case ')': l->type = QL_RP; break;
	case '{': l->type = QL_LB; break;
	case '}': l->type = QL_RB; break;
	case ':': l->type = QL_COLON; break;
	case '*': l->type = QL_STAR; break;
	case '+': l->type = QL_PLUS; break;
	case '^': l->type = QL_CARET; break;
	case '-': l->type = QL_MINUS; break;
	case ',': l->type = QL_COMMA; break;
	default: l->type = QL_OTHER; break;
	}
	l->len = 1;
	return p + 1;
}

static int
lex_is(const struct lexeme *l, const char *word)
{
	return l->type == QL_WORD && l->len == strlen(word) &&
	    memcmp(l->p, word, l->len) == 0;
}

struct qparse {
	struct store_topics	*ts;
	uint32_t		 topic;
	struct rule		*r;
	struct lexeme		*v;
	size_t			 n;
	size_t			 i;
	int			 neg;	/* on a NOT's right side */
};

static const struct lexeme *
qp_peek(struct qparse *qp, size_t ahead)
{
	static const struct lexeme	 end = { QL_END, "", 0, { 0 } };

	return qp->i + ahead < qp->n ? &qp->v[qp->i + ahead] : &end;
}

static struct qnode *
qn_new(struct qparse *qp, enum qn_type type)
{
	struct rule	*r = qp->r;
	struct qnode	*q = xcalloc(1, sizeof(*q));

	q->type = type;
	r->all = xrealloc(r->all, (r->nall + 1) * sizeof(*r->all));
	r->all[r->nall++] = q;
	return q;
}

static struct qnode *
qn_bin(struct qparse *qp, enum qn_type type, struct qnode *l,
    struct qnode *r)
{
	struct qnode	*q;

	if (l == NULL || r == NULL)
		return l != NULL ? l : r;
	q = qn_new(qp, type);
	q->l = l;
	q->r = r;
	return q;
}

/* Collects a phrase piece's tokens. */
struct tok_piece {
	struct store_topics	*ts;
	struct qnode		*q;
	uint32_t		 topic;
	char			 last[TOPIC_PREFIX_MAX];
	size_t			 lastlen;
	int			 lastcut;
	int			 any;
};

static void
piece_flush(struct tok_piece *tp, int prefix)
{
	struct store_topics	*ts = tp->ts;
	struct qnode		*q = tp->q;
	int			 asprefix = prefix || tp->lastcut;

	if (!tp->any)
		return;
	q->toks = xrealloc(q->toks, (q->ntoks + 1) * sizeof(*q->toks));
	q->toks[q->ntoks++] = trig_add(ts, asprefix ? &ts->prefix :
	    &ts->exact, tp->last, tp->lastlen, tp->topic);
	if (asprefix)
		ts->prefix_lens |= 1ULL << (tp->lastlen - 1);
	tp->any = 0;
}

static int
tok_piece_cb(void *arg, int flags, const char *p, int n, int start, int end)
{
	struct tok_piece	*tp = arg;

	(void)flags;
	(void)start;
	(void)end;
	if (n <= 0)
		return SQLITE_OK;
	piece_flush(tp, 0);
	tp->lastcut = n > TOPIC_PREFIX_MAX;
	tp->lastlen = tp->lastcut ? TOPIC_PREFIX_MAX : (size_t)n;
	memcpy(tp->last, p, tp->lastlen);
	tp->any = 1;
	return SQLITE_OK;
}

static void
qp_piece(struct qparse *qp, struct qnode *q, const char *text, size_t len,
    int prefix)
{
	struct tok_piece	 tp;

	memset(&tp, 0, sizeof(tp));
	tp.ts = qp->ts;
	tp.q = q;
	tp.topic = qp->neg ? TOPIC_NO_TOPIC : qp->topic;
	qp->ts->tk->api.xTokenize(qp->ts->tk->tk, &tp, FTS5_TOKENIZE_QUERY |
	    (prefix ? FTS5_TOKENIZE_PREFIX : 0), text, (int)len,
	    tok_piece_cb);
	piece_flush(&tp, prefix);
}

static int
lex_phrase_start(const struct lexeme *l)
{
	return l->type == QL_STRING || (l->type == QL_WORD &&
	    !lex_is(l, "AND") && !lex_is(l, "OR") && !lex_is(l, "NOT"));
}

/* phrase := piece ['*'] ('+' piece ['*'])* */
static struct qnode *
qp_phrase(struct qparse *qp, unsigned cols, int initial)
{
	struct qnode		*q = qn_new(qp, QN_PHRASE);
	const struct lexeme	*l;
	int			 prefix;

	q->cols = cols;
	q->initial = initial;
	for (;;) {
		l = qp_peek(qp, 0);
		if (l->type != QL_STRING && l->type != QL_WORD)
			break;
		qp->i++;
		prefix = qp_peek(qp, 0)->type == QL_STAR;
		if (prefix)
			qp->i++;
		if (l->type == QL_STRING)
			qp_piece(qp, q, l->str.data ? l->str.data : "",
			    l->str.len, prefix);
		else
			qp_piece(qp, q, l->p, l->len, prefix);
		if (qp_peek(qp, 0)->type != QL_PLUS)
			break;
		qp->i++;
	}
	if (q->ntoks == 0)
		qp->r->fts = 1;	/* FTS5 knows what an empty phrase does */
	if (!qp->neg) {
		qp->r->phrases = xrealloc(qp->r->phrases,
		    (qp->r->nphrases + 1) * sizeof(*qp->r->phrases));
		qp->r->phrases[qp->r->nphrases++] = q;
	}
	return q;
}

/* A column filter before ':', or 0 if the next lexemes are none. */
static unsigned
qp_colset(struct qparse *qp)
{
	size_t			 save = qp->i, c;
	const struct lexeme	*l;
	unsigned		 mask = 0;
	int			 minus = 0;

	if (qp_peek(qp, 0)->type == QL_MINUS) {
		minus = 1;
		qp->i++;
	}
	l = qp_peek(qp, 0);
	if (l->type == QL_LB) {
		for (qp->i++; (l = qp_peek(qp, 0))->type == QL_WORD ||
		    l->type == QL_STRING; qp->i++)
			for (c = 0; c < TOPIC_NCOLS; c++)
				if ((l->type == QL_WORD ? l->len ==
				    strlen(topic_fields[c]) && strncasecmp(l->p,
				    topic_fields[c], l->len) == 0 :
				    l->str.data != NULL && strcasecmp(
				    l->str.data, topic_fields[c]) == 0))
					mask |= 1u << c;
		if (l->type != QL_RB || qp_peek(qp, 1)->type != QL_COLON)
			goto none;
		qp->i += 2;
	} else if ((l->type == QL_WORD || l->type == QL_STRING) &&
	    qp_peek(qp, 1)->type == QL_COLON) {
		for (c = 0; c < TOPIC_NCOLS; c++)
			if (l->type == QL_WORD ? l->len ==
			    strlen(topic_fields[c]) && strncasecmp(l->p,
			    topic_fields[c], l->len) == 0 :
			    l->str.data != NULL && strcasecmp(l->str.data,
			    topic_fields[c]) == 0)
				mask |= 1u << c;
		qp->i += 2;
	} else
		goto none;
	return minus ? ~mask & ((1u << TOPIC_NCOLS) - 1) : mask;
none:
	qp->i = save;
	return 0;
}

static struct qnode	*qp_or(struct qparse *, unsigned);

/*
 * NEAR(phrase phrase ..., N): its phrases count for the terms and the
 * triggers, the rule for FTS5.
 */
static void
qp_near(struct qparse *qp, unsigned cols)
{
	qp->r->fts = 1;
	qp->i += 2;
	while (qp_peek(qp, 0)->type != QL_RP &&
	    qp_peek(qp, 0)->type != QL_END) {
		if (qp_peek(qp, 0)->type == QL_COMMA) {
			qp->i += 2;	/* , N */
			continue;
		}
		if (qp_peek(qp, 0)->type == QL_CARET)
			qp->i++;
		if (lex_phrase_start(qp_peek(qp, 0)))
			qp_phrase(qp, cols, 0);
		else
			qp->i++;
	}
	qp->i++;
}

/* A nearset with an optional column filter; NULL for a NEAR group. */
static struct qnode *
qp_cnearset(struct qparse *qp, unsigned cols)
{
	unsigned	 c;
	int		 initial = 0;

	if ((c = qp_colset(qp)) != 0)
		cols &= c;
	if (lex_is(qp_peek(qp, 0), "NEAR") &&
	    qp_peek(qp, 1)->type == QL_LP) {
		qp_near(qp, cols);
		return NULL;
	}
	if (qp_peek(qp, 0)->type == QL_CARET) {
		initial = 1;
		qp->i++;
	}
	return qp_phrase(qp, cols, initial);
}

static int
qp_cnearset_start(struct qparse *qp)
{
	const struct lexeme	*l = qp_peek(qp, 0);
	size_t			 save = qp->i;
	unsigned		 c;
	int			 paren;

	if (l->type == QL_CARET || lex_phrase_start(l)) {
		/* not "col : (" which is an expression of its own */
		if ((c = qp_colset(qp)) != 0) {
			paren = qp_peek(qp, 0)->type == QL_LP;
			qp->i = save;
			return !paren;
		}
		return 1;
	}
	if (l->type == QL_MINUS || l->type == QL_LB) {
		if ((c = qp_colset(qp)) == 0)
			return 0;
		paren = qp_peek(qp, 0)->type == QL_LP;
		qp->i = save;
		return !paren;
	}
	return 0;
}

/* ( expr ) | colset : ( expr ) | cnearset+ (an implicit AND) */
static struct qnode *
qp_unit(struct qparse *qp, unsigned cols)
{
	struct qnode	*q = NULL;
	size_t		 save = qp->i;
	unsigned	 c;

	if (qp_peek(qp, 0)->type == QL_LP) {
		qp->i++;
		q = qp_or(qp, cols);
		if (qp_peek(qp, 0)->type == QL_RP)
			qp->i++;
		return q;
	}
	if ((c = qp_colset(qp)) != 0 && qp_peek(qp, 0)->type == QL_LP) {
		qp->i++;
		q = qp_or(qp, c & cols);
		if (qp_peek(qp, 0)->type == QL_RP)
			qp->i++;
		return q;
	}
	qp->i = save;
	while (qp_cnearset_start(qp))
		q = qn_bin(qp, QN_AND, q, qp_cnearset(qp, cols));
	return q;
}

static struct qnode *
qp_not(struct qparse *qp, unsigned cols)
{
	struct qnode	*q = qp_unit(qp, cols), *r;
	int		 neg = qp->neg;

	while (lex_is(qp_peek(qp, 0), "NOT")) {
		qp->i++;
		qp->neg = 1;
		r = qp_unit(qp, cols);
		qp->neg = neg;
		q = q != NULL && r != NULL ? qn_bin(qp, QN_NOT, q, r) : NULL;
	}
	return q;
}

static struct qnode *
qp_and(struct qparse *qp, unsigned cols)
{
	struct qnode	*q = qp_not(qp, cols), *r;

	while (lex_is(qp_peek(qp, 0), "AND")) {
		qp->i++;
		r = qp_not(qp, cols);
		q = q != NULL && r != NULL ? qn_bin(qp, QN_AND, q, r) : NULL;
	}
	return q;
}

static struct qnode *
qp_or(struct qparse *qp, unsigned cols)
{
	struct qnode	*q = qp_and(qp, cols), *r;

	while (lex_is(qp_peek(qp, 0), "OR")) {
		qp->i++;
		r = qp_and(qp, cols);
		q = q != NULL && r != NULL ? qn_bin(qp, QN_OR, q, r) : NULL;
	}
	return q;
}

/*
 * Compiles a rule FTS5 accepted: its tree, or rule.fts when it holds what
 * the tree does not (NEAR) or when the parse did not use every lexeme
 * (then FTS5's reading decides).  Its phrases' tokens become triggers of
 * topic `ti` (of none for an exclude).
 */
static void
rule_compile(struct store_topics *ts, struct rule *r, const char *text,
    uint32_t ti)
{
	struct qparse	 qp;
	const char	*p = text;
	size_t		 cap = 0, i;

	memset(&qp, 0, sizeof(qp));
	qp.ts = ts;
	qp.topic = ti;
	qp.r = r;
	r->text = xstrdup(text);
	do {
		if (qp.n == cap) {
			cap = cap == 0 ? 64 : 2 * cap;
			qp.v = xrealloc(qp.v, cap * sizeof(*qp.v));
		}
		memset(&qp.v[qp.n], 0, sizeof(qp.v[qp.n]));
		buf_init(&qp.v[qp.n].str, 0);
		p = qlex_next(p, &qp.v[qp.n]);
	} while (qp.v[qp.n++].type != QL_END);
	qp.n--;
	r->root = qp_or(&qp, (1u << TOPIC_NCOLS) - 1);
	if (qp.i != qp.n || r->root == NULL)
		r->fts = 1;
	for (i = 0; i <= qp.n; i++)
		buf_free(&qp.v[i].str);
	free(qp.v);
}

static void
rule_clear(struct rule *r)
{
	size_t	 i;

	for (i = 0; i < r->nall; i++) {
		free(r->all[i]->toks);
		free(r->all[i]);
	}
	free(r->all);
	free(r->phrases);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

/* Scanning an article: its tokens that rules name. */

static void
scan_hit(struct store_topics *ts, const struct trig *t, uint32_t pos,
    int start, int end)
{
	struct hit	*h;
	size_t		 i;

	if (ts->nhits == ts->caphits) {
		ts->caphits = ts->caphits == 0 ? 64 : 2 * ts->caphits;
		ts->hits = xrealloc(ts->hits, ts->caphits * sizeof(*ts->hits));
	}
	h = &ts->hits[ts->nhits++];
	h->id = t->id;
	h->pos = pos;
	h->start = (uint32_t)start;
	h->end = (uint32_t)end;
	h->col = (uint8_t)ts->col;
	ts->present[t->id] = ts->stamp;
	for (i = 0; i < t->n; i++) {
		struct topic_rt	*tp = &ts->t[t->topics[i]];

		if (tp->stamp == ts->stamp)
			continue;
		tp->stamp = ts->stamp;
		ts->cand[ts->ncand++] = t->topics[i];
	}
}

static int
scan_cb(void *arg, int flags, const char *p, int n, int start, int end)
{
	struct store_topics	*ts = arg;
	const struct trig	*t;
	uint64_t		 h = FNV_OFFSET;
	uint32_t		 pos = ts->pos++;
	size_t			 L, len = n > 0 ? (size_t)n : 0;

	(void)flags;
	/* every prefix a rule names, then the whole token */
	for (L = 1; L <= len; L++) {
		h = (h ^ (unsigned char)p[L - 1]) * FNV_PRIME;
		if (L <= TOPIC_PREFIX_MAX &&
		    (ts->prefix_lens & (1ULL << (L - 1))) &&
		    (t = trig_find(&ts->prefix, p, L, h)) != NULL)
			scan_hit(ts, t, pos, start, end);
	}
	if (len > 0 && len <= TOPIC_PREFIX_MAX &&
	    (t = trig_find(&ts->exact, p, len, h)) != NULL)
		scan_hit(ts, t, pos, start, end);
	return SQLITE_OK;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Tokenizes an article's columns; the candidate topics in ts->cand. */
static void
item_scan(struct store_topics *ts, const char *const text[TOPIC_NCOLS],
    const int len[TOPIC_NCOLS])
{
	size_t	 i;
	int	 c;

	if (++ts->stamp == 0) {
		/* after 2^32 articles: forget every old stamp */
		memset(ts->present, 0, (ts->ntok + 1) * sizeof(*ts->present));
		for (i = 0; i < ts->n; i++)
			ts->t[i].stamp = 0;
		ts->stamp = 1;
	}
	ts->nhits = ts->ncand = 0;
	for (c = 0; c < TOPIC_NCOLS; c++) {
		ts->text[c] = text[c];
		ts->textlen[c] = text[c] != NULL ? len[c] : 0;
		if (ts->textlen[c] <= 0)
			continue;
		ts->col = c;
		ts->pos = 0;
		ts->tk->api.xTokenize(ts->tk->tk, ts, FTS5_TOKENIZE_DOCUMENT,
		    text[c], len[c], scan_cb);
	}
	for (i = 0; i < ts->n; i++)
		if (ts->t[i].always && ts->t[i].stamp != ts->stamp) {
			ts->t[i].stamp = ts->stamp;
			ts->cand[ts->ncand++] = (uint32_t)i;
		}
	qsort(ts->cand, ts->ncand, sizeof(*ts->cand), cmp_u32);
}

/*
 * Does phrase q occur from hit i (which holds its first token)?  Returns
 * the index of the hit of its last token plus one, or 0.
 */
static size_t
phrase_at(const struct store_topics *ts, const struct qnode *q, size_t i)
{
	const struct hit	*h0 = &ts->hits[i], *h;
	size_t			 k, j, last = i;

	if (!(q->cols & (1u << h0->col)) || (q->initial && h0->pos != 0))
		return 0;
	for (k = 1; k < q->ntoks; k++) {
		for (j = i + 1; j < ts->nhits; j++) {
			h = &ts->hits[j];
			if (h->col != h0->col || h->pos > h0->pos + k)
				return 0;
			if (h->pos == h0->pos + k && h->id == q->toks[k])
				break;
		}
		if (j == ts->nhits)
			return 0;
		last = j;
	}
	return last + 1;
}

static int
phrase_match(const struct store_topics *ts, const struct qnode *q)
{
	size_t	 i, k;

	for (k = 0; k < q->ntoks; k++)
		if (ts->present[q->toks[k]] != ts->stamp)
			return 0;
	for (i = 0; i < ts->nhits; i++)
		if (ts->hits[i].id == q->toks[0] && phrase_at(ts, q, i) > 0)
			return 1;
	return 0;
}

static int
qn_eval(const struct store_topics *ts, const struct qnode *q)
{
	switch (q->type) {
	case QN_PHRASE:
		return q->ntoks > 0 && phrase_match(ts, q);
	case QN_AND:
		return qn_eval(ts, q->l) && qn_eval(ts, q->r);
	case QN_OR:
		/* rules are long OR chains: walk them, do not recurse */
		for (; q->type == QN_OR; q = q->l)
			if (qn_eval(ts, q->r))
				return 1;
		return qn_eval(ts, q);
	case QN_NOT:
		return qn_eval(ts, q->l) && !qn_eval(ts, q->r);
	}
	return 0;
}

/* Explaining a match: terms, field, snippet. */

static int
cmp_span(const void *a, const void *b)
{
	const struct span	*x = a, *y = b;

	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end;
}

/* Every occurrence of the rule's phrases in the scanned article. */
static void
rule_spans(struct store_topics *ts, const struct rule *r)
{
	const struct qnode	*q;
	size_t			 p, i, last;

	ts->nspans = 0;
	for (p = 0; p < r->nphrases; p++) {
		q = r->phrases[p];
		if (q->ntoks == 0 || ts->present[q->toks[0]] != ts->stamp)
			continue;
		for (i = 0; i < ts->nhits; i++) {
			if (ts->hits[i].id != q->toks[0] ||
			    (last = phrase_at(ts, q, i)) == 0)
				continue;
			if (ts->nspans == ts->capspans) {
				ts->capspans = ts->capspans == 0 ? 16 :
				    2 * ts->capspans;
				ts->spans = xrealloc(ts->spans,
				    ts->capspans * sizeof(*ts->spans));
			}
			ts->spans[ts->nspans].col = ts->hits[i].col;
			ts->spans[ts->nspans].pos = ts->hits[i].pos;
			ts->spans[ts->nspans].start = ts->hits[i].start;
			ts->spans[ts->nspans].end = ts->hits[last - 1].end;
			ts->nspans++;
		}
	}
	qsort(ts->spans, ts->nspans, sizeof(*ts->spans), cmp_span);
}

/* The terms as they are written, case-insensitively distinct. */
static char *
spans_terms(const struct store_topics *ts)
{
	struct buf	 b;
	const char	*seen[TOPIC_MAX_TERMS], *p;
	size_t		 seenlen[TOPIC_MAX_TERMS], nseen = 0, i, k, len;
	int		 dup;

	buf_init(&b, 0);
	for (i = 0; i < ts->nspans && nseen < TOPIC_MAX_TERMS; i++) {
		p = ts->text[ts->spans[i].col] + ts->spans[i].start;
		len = ts->spans[i].end - ts->spans[i].start;
		if (len > TOPIC_MAX_TERM) {
			len = TOPIC_MAX_TERM;
			while (len > 0 && ((unsigned char)p[len] & 0xc0) ==
			    0x80)
				len--;
		}
		for (dup = 0, k = 0; k < nseen && !dup; k++)
			dup = seenlen[k] == len &&
			    strncasecmp(seen[k], p, len) == 0;
		if (dup || len == 0)
			continue;
		seen[nseen] = p;
		seenlen[nseen++] = len;
		if (b.len > 0)
			buf_putc(&b, '\n');
		buf_append(&b, p, len);
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

struct snip {
	uint32_t	 from, to;	/* positions of the window */
	uint32_t	 start[TOPIC_SNIPPET];
	uint32_t	 end[TOPIC_SNIPPET];
	uint32_t	 pos;
	int		 n;
	int		 more;
};

static int
snip_cb(void *arg, int flags, const char *p, int n, int start, int end)
{
	struct snip	*sn = arg;
	uint32_t	 pos = sn->pos++;

	(void)flags;
	(void)p;
	(void)n;
	if (pos > sn->to) {
		sn->more = 1;
		return SQLITE_DONE;	/* enough */
	}
	if (pos >= sn->from) {
		sn->start[sn->n] = (uint32_t)start;
		sn->end[sn->n++] = (uint32_t)end;
	}
	return SQLITE_OK;
}

/*
 * TOPIC_SNIPPET tokens of the column of the first term, from a few before
 * it, with every term inside between "[" and "]", "…" where it was cut.
 */
static char *
spans_snippet(struct store_topics *ts)
{
	struct snip	 sn;
	struct buf	 b;
	const char	*text;
	uint32_t	 at, wend;
	size_t		 i;
	int		 col;

	if (ts->nspans == 0)
		return NULL;
	col = ts->spans[0].col;
	text = ts->text[col];
	memset(&sn, 0, sizeof(sn));
	sn.from = ts->spans[0].pos > TOPIC_LEAD ?
	    ts->spans[0].pos - TOPIC_LEAD : 0;
	sn.to = sn.from + TOPIC_SNIPPET - 1;
	ts->tk->api.xTokenize(ts->tk->tk, &sn, FTS5_TOKENIZE_DOCUMENT, text,
	    ts->textlen[col], snip_cb);
	if (sn.n == 0)
		return NULL;
	buf_init(&b, 0);
	if (sn.from > 0)
		buf_puts(&b, "…");
	at = sn.start[0];
	wend = sn.end[sn.n - 1];
	for (i = 0; i < ts->nspans && ts->spans[i].col == col; i++) {
		if (ts->spans[i].start < at || ts->spans[i].end > wend)
			continue;
		buf_append(&b, text + at, ts->spans[i].start - at);
		buf_putc(&b, '[');
		buf_append(&b, text + ts->spans[i].start,
		    ts->spans[i].end - ts->spans[i].start);
		buf_putc(&b, ']');
		at = ts->spans[i].end;
	}
	buf_append(&b, text + at, wend - at);
	if (sn.more)
		buf_puts(&b, "…");
	return buf_steal(&b);
}

/* Records the match of the scanned article with topic t. */
static int
topic_record(struct store_topics *ts, struct topic_rt *t, int64_t item_id,
    size_t *nmatches, char **errstr)
{
	char	*terms, *snippet;
	int	 created = 0, rc;

	rule_spans(ts, &t->match);
	terms = spans_terms(ts);
	snippet = spans_snippet(ts);
	ts->stats.matches++;
	rc = store_match_add(ts->s, item_id, t->name, terms,
	    ts->nspans > 0 ? topic_fields[ts->spans[0].col] : NULL, snippet,
	    (const char *const *)t->plugins, t->nplugins, NULL, &created,
	    errstr);
	free(terms);
	free(snippet);
	if (rc == 0 && created)
		(*nmatches)++;
	return rc;
}

/* Compiling and freeing a set. */

static void
topic_rt_clear(struct topic_rt *t)
{
	size_t	 i;

	free(t->name);
	rule_clear(&t->match);
	rule_clear(&t->exclude);
	free(t->feeds);
	for (i = 0; i < t->nplugins; i++)
		free(t->plugins[i]);
	free(t->plugins);
}

void
store_topics_free(struct store_topics *ts)
{
	size_t	 i;

	if (ts == NULL)
		return;
	for (i = 0; i < ts->n; i++)
		topic_rt_clear(&ts->t[i]);
	free(ts->t);
	trigmap_free(&ts->exact);
	trigmap_free(&ts->prefix);
	free(ts->present);
	free(ts->hits);
	free(ts->cand);
	free(ts->spans);
	free(ts->fallback);
	tok_close(ts->tk);
	sqlite3_finalize(ts->st_item);
	sqlite3_finalize(ts->st_insert);
	sqlite3_finalize(ts->st_flush);
	sqlite3_finalize(ts->st_clear);
	sqlite3_finalize(ts->st_fts);
	sqlite3_finalize(ts->st_fts_ex);
	free(ts);
}

static int
topics_prepare(struct store_topics *ts, sqlite3_stmt **st, const char *sql,
    char **errstr)
{
	if (sqlite3_prepare_v3(ts->s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    st, NULL) != SQLITE_OK) {
		store_seterr(ts->s, errstr, "preparing the topic matcher");
		return -1;
	}
	return 0;
}

/* The rules of `in`, checked and compiled, without the temp index. */
static struct store_topics *
topics_compile(struct store *s, const struct store_topic *in, size_t n,
    char **errstr)
{
	struct store_topics	*ts;
	struct store_qcheck	*qc = NULL;
	char			*err = NULL;
	size_t			 i, j;

	ts = xcalloc(1, sizeof(*ts));
	ts->s = s;
	ts->tk = xcalloc(1, sizeof(*ts->tk));
	if (tok_open(s->db, ts->tk, errstr) == -1 ||
	    (qc = store_qcheck_new(errstr)) == NULL)
		goto fail;
	ts->t = xcalloc(n > 0 ? n : 1, sizeof(*ts->t));
	for (i = 0; i < n; i++) {
		struct topic_rt	*t = &ts->t[ts->n++];
		int		 trig = 0;

		t->name = xstrdup(in[i].name);
		if (store_qcheck(qc, in[i].match, &err) == -1) {
			*errstr = xasprintf("topic %s: match: %s", t->name,
			    err);
			free(err);
			goto fail;
		}
		if (in[i].exclude != NULL && *in[i].exclude != '\0' &&
		    store_qcheck(qc, in[i].exclude, &err) == -1) {
			*errstr = xasprintf("topic %s: exclude: %s", t->name,
			    err);
			free(err);
			goto fail;
		}
		if (in[i].nfeeds > 0) {
			t->feeds = xcalloc(in[i].nfeeds, sizeof(*t->feeds));
			memcpy(t->feeds, in[i].feeds,
			    in[i].nfeeds * sizeof(*t->feeds));
			t->nfeeds = in[i].nfeeds;
		}
		t->plugins = xcalloc(in[i].nplugins + 1, sizeof(*t->plugins));
		for (j = 0; j < in[i].nplugins; j++)
			t->plugins[j] = xstrdup(in[i].plugins[j]);
		t->nplugins = in[i].nplugins;
		rule_compile(ts, &t->match, in[i].match, (uint32_t)i);
		if (in[i].exclude != NULL && *in[i].exclude != '\0')
			rule_compile(ts, &t->exclude, in[i].exclude,
			    TOPIC_NO_TOPIC);
		t->fts = t->match.fts || t->exclude.fts;
		for (j = 0; j < t->match.nphrases; j++)
			trig |= t->match.phrases[j]->ntoks > 0;
		/* nothing to look for: FTS5 looks at every article */
		if (!trig)
			t->always = t->fts = 1;
	}
	ts->present = xcalloc(ts->ntok + 1, sizeof(*ts->present));
	ts->cand = xcalloc(ts->n + 1, sizeof(*ts->cand));
	store_qcheck_free(qc);
	return ts;
fail:
	store_qcheck_free(qc);
	store_topics_free(ts);
	return NULL;
}

struct store_topics *
store_topics_new(struct store *s, const struct store_topic *in, size_t n,
    char **errstr)
{
	struct store_topics	*ts;
	size_t			 i;
	int			 fts = 0;

	if ((ts = topics_compile(s, in, n, errstr)) == NULL)
		return NULL;
	if (topics_prepare(ts, &ts->st_item, "SELECT title, summary, content,"
	    " author FROM main.items WHERE id = ?1", errstr) == -1)
		goto fail;
	for (i = 0; i < ts->n; i++)
		fts |= ts->t[i].fts;
	if (!fts)
		return ts;
	/*
	 * The temp index, for rules FTS5 evaluates; 'optimize' moves a batch
	 * from FTS5's pending terms (whose prefix lookups sort every term)
	 * into one segment before the queries.
	 */
	if (sqlite3_exec(s->db, topic_temp_sql, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_seterr(s, errstr, "creating the topic matcher's index");
		goto fail;
	}
	ts->temp = 1;
	if (topics_prepare(ts, &ts->st_insert,
	    "INSERT INTO temp.topic_batch (rowid, title, summary, content,"
	    " author) SELECT id, title, summary, content, author"
	    " FROM main.items WHERE id = ?1", errstr) == -1 ||
	    topics_prepare(ts, &ts->st_flush,
	    "INSERT INTO temp.topic_batch (topic_batch) VALUES ('optimize')",
	    errstr) == -1 ||
	    topics_prepare(ts, &ts->st_clear,
	    "INSERT INTO temp.topic_batch (topic_batch) VALUES ('delete-all')",
	    errstr) == -1 ||
	    topics_prepare(ts, &ts->st_fts,
	    "SELECT rowid FROM temp.topic_batch WHERE topic_batch MATCH ?1",
	    errstr) == -1 ||
	    topics_prepare(ts, &ts->st_fts_ex,
	    "SELECT rowid FROM temp.topic_batch WHERE topic_batch MATCH ?1"
	    " AND rowid NOT IN (SELECT rowid FROM temp.topic_batch"
	    "   WHERE topic_batch MATCH ?2)", errstr) == -1)
		goto fail;
	return ts;
fail:
	store_topics_free(ts);
	return NULL;
}

void
store_topics_stats(const struct store_topics *ts,
    struct store_topics_stats *out)
{
	*out = ts->stats;
}

static int
topic_has_feed(const struct topic_rt *t, int64_t feed_id)
{
	size_t	 i;

	if (t->nfeeds == 0)
		return 1;
	for (i = 0; i < t->nfeeds; i++)
		if (t->feeds[i] == feed_id)
			return 1;
	return 0;
}

/* Reads an article and scans it; 1 found, 0 gone, -1 error. */
static int
item_load(struct store_topics *ts, int64_t item_id, char **errstr)
{
	const char	*text[TOPIC_NCOLS];
	int		 len[TOPIC_NCOLS], c, rc;

	sqlite3_bind_int64(ts->st_item, 1, item_id);
	if ((rc = sqlite3_step(ts->st_item)) != SQLITE_ROW) {
		stmt_done(ts->st_item);
		if (rc == SQLITE_DONE)
			return 0;
		store_seterr(ts->s, errstr, "reading an article to match");
		return -1;
	}
	for (c = 0; c < TOPIC_NCOLS; c++) {
		text[c] = (const char *)sqlite3_column_text(ts->st_item, c);
		len[c] = sqlite3_column_bytes(ts->st_item, c);
	}
	item_scan(ts, text, len);
	return 1;	/* the row stays current until stmt_done() */
}

/* The topics FTS5 evaluates, over the batch's articles they may match. */
static int
topics_fallback(struct store_topics *ts, size_t *nmatches, char **errstr)
{
	struct store	*s = ts->s;
	sqlite3_stmt	*st;
	int64_t		*ids = NULL, id;
	size_t		 i, k, n = 0, cap = 0;
	int		 rc, ret = -1;

	for (i = 0; i < ts->nfallback; i++) {
		sqlite3_bind_int64(ts->st_insert, 1, ts->fallback[i]);
		if (step_write(s, ts->st_insert, "indexing a batch",
		    errstr) == -1)
			goto done;
	}
	if (step_write(s, ts->st_flush, "indexing a batch", errstr) == -1)
		goto done;
	for (i = 0; i < ts->n; i++) {
		struct topic_rt	*t = &ts->t[i];

		if (t->fstamp != ts->bstamp)
			continue;
		st = t->exclude.text != NULL ? ts->st_fts_ex : ts->st_fts;
		sqlite3_bind_text(st, 1, t->match.text, -1, SQLITE_STATIC);
		if (t->exclude.text != NULL)
			sqlite3_bind_text(st, 2, t->exclude.text, -1,
			    SQLITE_STATIC);
		n = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (n == cap) {
				cap = cap == 0 ? 64 : 2 * cap;
				ids = xrealloc(ids, cap * sizeof(*ids));
			}
			ids[n++] = sqlite3_column_int64(st, 0);
		}
		stmt_done(st);
		if (rc != SQLITE_DONE) {
			store_seterr(s, errstr, "matching topic %s", t->name);
			goto done;
		}
		for (k = 0; k < n; k++) {
			id = ids[k];
			if ((rc = item_load(ts, id, errstr)) == -1)
				goto done;
			if (rc == 1)
				rc = topic_record(ts, t, id, nmatches, errstr);
			stmt_done(ts->st_item);
			if (rc == -1)
				goto done;
		}
	}
	ret = 0;
done:
	free(ids);
	sqlite3_step(ts->st_clear);
	stmt_done(ts->st_clear);
	return ret;
}

int
store_topics_match(struct store *s, struct store_topics *ts,
    int64_t feed_id, const int64_t *items, size_t nitems, size_t *nmatchp,
    char **errstr)
{
	size_t	 i, k, nmatches = 0;
	int	 own, rc, ret = -1, fallback;

	if (nmatchp != NULL)
		*nmatchp = 0;
	if (ts == NULL || ts->n == 0 || nitems == 0)
		return 0;
	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	ts->stats.batches++;
	ts->stats.items += nitems;
	if (++ts->bstamp == 0) {
		for (i = 0; i < ts->n; i++)
			ts->t[i].fstamp = 0;
		ts->bstamp = 1;
	}
	ts->nfallback = 0;
	for (i = 0; i < nitems; i++) {
		if ((rc = item_load(ts, items[i], errstr)) == -1)
			goto done;
		fallback = 0;
		for (k = 0; rc == 1 && k < ts->ncand; k++) {
			struct topic_rt	*t = &ts->t[ts->cand[k]];

			if (!topic_has_feed(t, feed_id))
				continue;
			ts->stats.candidates++;
			if (t->fts) {
				t->fstamp = ts->bstamp;
				fallback = 1;
				continue;
			}
			if (!qn_eval(ts, t->match.root) ||
			    (t->exclude.text != NULL &&
			    qn_eval(ts, t->exclude.root)))
				continue;
			if (topic_record(ts, t, items[i], &nmatches,
			    errstr) == -1) {
				stmt_done(ts->st_item);
				goto done;
			}
		}
		stmt_done(ts->st_item);
		if (fallback) {
			if (ts->nfallback == ts->capfallback) {
				ts->capfallback = ts->capfallback == 0 ? 64 :
				    2 * ts->capfallback;
				ts->fallback = xrealloc(ts->fallback,
				    ts->capfallback * sizeof(*ts->fallback));
			}
			ts->fallback[ts->nfallback++] = items[i];
		}
	}
	if (ts->nfallback > 0 && topics_fallback(ts, &nmatches, errstr) == -1)
		goto done;
	ret = 0;
done:
	if (ret == 0 && nmatchp != NULL)
		*nmatchp = nmatches;
	return txn_end(s, own, ret, errstr);
}

/* Checking queries without a database. */

struct store_qcheck {
	sqlite3		*db;
	sqlite3_stmt	*st;
};

struct store_qcheck *
store_qcheck_new(char **errstr)
{
	struct store_qcheck	*q = xcalloc(1, sizeof(*q));

	if (sqlite3_open_v2(":memory:", &q->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(q->db, "CREATE VIRTUAL TABLE q USING fts5("
	    " title, summary, content, author,"
	    " tokenize='unicode61 remove_diacritics 2');"
	    "INSERT INTO q VALUES ('t', 's', 'c', 'a')", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db, "SELECT rowid,"
	    " highlight(q, 0, '[', ']'), snippet(q, -1, '[', ']', '', 8)"
	    " FROM q WHERE q MATCH ?1", -1, &q->st, NULL) != SQLITE_OK) {
		*errstr = xasprintf("cannot check queries: %s", q->db ?
		    sqlite3_errmsg(q->db) : "out of memory");
		store_qcheck_free(q);
		return NULL;
	}
	return q;
}

int
store_qcheck(struct store_qcheck *q, const char *query, char **errstr)
{
	const char	*msg;
	const char	*p;
	int		 rc;

	for (p = query; p != NULL && (*p == ' ' || *p == '\t'); p++)
		;
	if (p == NULL || *p == '\0') {
		*errstr = xstrdup("empty query");
		return -1;
	}
	sqlite3_bind_text(q->st, 1, query, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q->st)) == SQLITE_ROW)
		;
	sqlite3_reset(q->st);
	sqlite3_clear_bindings(q->st);
	if (rc != SQLITE_DONE) {
		msg = sqlite3_errmsg(q->db);
		if (strncmp(msg, "fts5: ", 6) == 0)
			msg += 6;
		if (strcmp(msg, "syntax error near \"\"") == 0)
			msg = "syntax error at the end of the query";
		*errstr = xasprintf("%s", msg);
		return -1;
	}
	return 0;
}

void
store_qcheck_free(struct store_qcheck *q)
{
	if (q == NULL)
		return;
	sqlite3_finalize(q->st);
	sqlite3_close(q->db);
	free(q);
}

/* Backtesting a topic over the search index. */

int
store_topic_test(struct store *s, const struct store_topic *t,
    int64_t since, size_t limit, struct store_entry **out, char ***termsp,
    char ***fieldsp, size_t *np, char **errstr)
{
	struct store_topics	*ts;
	sqlite3_stmt		*st = NULL;
	struct store_entry	*v = NULL;
	struct buf		 sql;
	char			**terms = NULL, **fields = NULL;
	const char		*text[TOPIC_NCOLS];
	static const int	 cols[TOPIC_NCOLS] = { 4, 6, 12, 7 };
	size_t			 n = 0, cap = 0, i;
	int			 len[TOPIC_NCOLS], rc, c, ret = -1;

	*out = NULL;
	*termsp = NULL;
	*fieldsp = NULL;
	*np = 0;
	if ((ts = topics_compile(s, t, 1, errstr)) == NULL)
		return -1;
	buf_init(&sql, 0);
	/*
	 * FTS5 on the whole index picks the articles (item ids grow with
	 * first_seen, so `since` is a rowid bound, as in store_search()); the
	 * matcher's own code explains each, as it does for alerts.
	 */
	buf_puts(&sql, "SELECT " ENTRY_COLS ", i.content"
	    " FROM (SELECT rowid AS id FROM items_fts WHERE items_fts MATCH ?1"
	    "   AND rowid >= (SELECT coalesce(min(id), 9223372036854775807)"
	    "     FROM items WHERE first_seen >= ?5)");
	if (t->exclude != NULL && *t->exclude != '\0')
		buf_puts(&sql, " AND rowid NOT IN (SELECT rowid FROM items_fts"
		    "   WHERE items_fts MATCH ?2)");
	if (t->nfeeds > 0) {
		buf_puts(&sql, " AND rowid IN (SELECT item_id FROM item_feeds"
		    "   WHERE feed_id IN (");
		for (i = 0; i < t->nfeeds; i++)
			buf_printf(&sql, "%s%lld", i > 0 ? ", " : "",
			    (long long)t->feeds[i]);
		buf_puts(&sql, "))");
	}
	buf_puts(&sql, " ORDER BY rowid DESC LIMIT ?6) AS h"
	    " JOIN items i ON i.id = h.id" ENTRY_ORIGIN
	    " WHERE i.first_seen >= ?5 ORDER BY i.id DESC");
	if (sqlite3_prepare_v2(s->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "topic test");
		goto done;
	}
	sqlite3_bind_text(st, 1, t->match, -1, SQLITE_STATIC);
	if (t->exclude != NULL && *t->exclude != '\0')
		sqlite3_bind_text(st, 2, t->exclude, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, since);
	sqlite3_bind_int64(st, 6, limit == 0 ? -1 : (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 32 : 2 * cap;
			v = xrealloc(v, cap * sizeof(*v));
			terms = xrealloc(terms, cap * sizeof(*terms));
			fields = xrealloc(fields, cap * sizeof(*fields));
		}
		entry_from_row(st, &v[n]);
		for (c = 0; c < TOPIC_NCOLS; c++) {
			text[c] = (const char *)sqlite3_column_text(st,
			    cols[c]);
			len[c] = sqlite3_column_bytes(st, cols[c]);
		}
		item_scan(ts, text, len);
		rule_spans(ts, &ts->t[0].match);
		terms[n] = spans_terms(ts);
		v[n].snippet = spans_snippet(ts);
		fields[n] = ts->nspans > 0 ?
		    xstrdup(topic_fields[ts->spans[0].col]) : NULL;
		n++;
	}
	if (rc != SQLITE_DONE) {
		rc = sqlite3_extended_errcode(s->db);
		if (rc == SQLITE_ERROR) {
			const char *msg = sqlite3_errmsg(s->db);

			*errstr = xasprintf("topic %s: invalid query: %s",
			    t->name, strncmp(msg, "fts5: ", 6) == 0 ?
			    msg + 6 : msg);
		} else
			store_seterr(s, errstr, "topic test");
		store_entries_free(v, n);
		for (i = 0; i < n; i++) {
			free(terms[i]);
			free(fields[i]);
		}
		free(terms);
		free(fields);
		goto done;
	}
	*out = v;
	*termsp = terms;
	*fieldsp = fields;
	*np = n;
	ret = 0;
done:
	sqlite3_finalize(st);
	buf_free(&sql);
	store_topics_free(ts);
	return ret;
}
