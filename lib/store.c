/*
 * store.c: opening the SQLite database behind store.h, its schema and
 * migrations, the table of prepared statements and transactions.  WAL mode
 * so the CLI reads while the daemon writes; every write in BEGIN IMMEDIATE;
 * the schema versioned by PRAGMA user_version and moved forward by the
 * migrations below, never backward and never recreated.  The other parts
 * (store-*.c) share what store-int.h declares.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rule.h"
#include "store-int.h"
#include "url.h"
#include "util.h"

#define STORE_APPLICATION_ID	0x68726c64	/* "hrld" */
#define STORE_BUSY_TIMEOUT_MS	5000
#define STORE_JOURNAL_LIMIT	(64 * 1024 * 1024)
#define STORE_PAGE_SIZE		"16384"
#define STORE_CHECK_EVERY	(7 * 86400)	/* quick_check at least this often */
#define STORE_DAMAGED_SUFFIX	".damaged"	/* beside a file a check refused */

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
/*
 * migration 24: a column of its own; store_migrate() leaves it out when the
 * column is there (the step run again over a database that has it)
 */
static const char feeds_config_title_sql[] =
	"ALTER TABLE feeds ADD COLUMN config_title TEXT;";

/* migration 21: a GUID kept as '' is its article's link (ST_IF_INSERT) */
#define items_link_au_sql \
	"CREATE TRIGGER IF NOT EXISTS items_link_au" \
	"  AFTER UPDATE OF link ON items" \
	"  WHEN old.link IS NOT new.link BEGIN" \
	"  UPDATE item_feeds SET guid = old.link" \
	"  WHERE item_id = old.id AND guid = '';" \
	"END;"

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
	/*
	 * 3: canonical links sort their query parameters (url_canonical());
	 * the stored keys with two or more parameters are made again, so an
	 * item without a GUID is still found by its link.  Its content hash
	 * (which covers the canonical link) then differs once: the next
	 * fetch updates it in place, which alerts nothing.
	 */
	"UPDATE items SET canon_link = herald_canonical_link(link)"
	"  WHERE canon_link LIKE '%&%';",
	/*
	 * 4: the search index written once per transaction, not by a trigger
	 * per row: store_commit() writes the rows the transaction added or
	 * changed in one statement.  With FTS5 in SQLite 3.40 every statement
	 * journal flushed the pending index data: a segment per article, and
	 * merges to match, a quarter of a fresh fetch's instructions.
	 */
	"DROP TRIGGER items_fts_ai;"
	"DROP TRIGGER items_fts_au;"
	/*
	 * Fewer, larger merges of the index's segments (a level holds up to
	 * 15 before they merge, 3 by default): 15% less work to index a fresh
	 * fetch of the bench corpus, a few more segments to read per query.
	 */
	"INSERT INTO items_fts(items_fts, rank) VALUES ('automerge', 16);",
	/*
	 * 5: what makes a fetch with nothing new cheap.  feeds.body_hash is
	 * the hash of the last body stored (one the same is not parsed
	 * again), with what it said for scheduling; item_feeds.raw_hash the
	 * hash of an entry as the feed gave it, before any text work (one the
	 * same as an item the feed carries is neither converted nor written).
	 */
	"ALTER TABLE feeds ADD COLUMN body_hash INTEGER;"
	"ALTER TABLE feeds ADD COLUMN ttl_hint INTEGER;"
	"ALTER TABLE feeds ADD COLUMN skip_hours INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE feeds ADD COLUMN skip_days INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE item_feeds ADD COLUMN raw_hash INTEGER;",
	/*
	 * 6: stories (issue 9; store-stories.c has the SQL): each article's
	 * story, why it joined, the index of the window, the (story, topic)
	 * pairs that alerted.  The articles already stored get their stories
	 * in the same transaction (stories_backfill).
	 */
	stories_schema,
	/*
	 * 7: digests (issue 10).  digest_marks holds each [digest]'s
	 * watermark; digest_runs a digest as assembled (its JSON), one per
	 * (name, period): the idempotency key; digest_outbox one row per
	 * (run, plugin), in the states of the alert outbox.  matches_created
	 * serves the topics' 14-day trends.
	 */
	"CREATE TABLE digest_marks ("
	"  name TEXT PRIMARY KEY,"
	"  until INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE digest_runs ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  since INTEGER NOT NULL,"
	"  until INTEGER NOT NULL,"
	"  payload TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (name, since, until)"
	");"
	"CREATE TABLE digest_outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES digest_runs(id) ON DELETE CASCADE,"
	"  plugin TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (state IN ('pending', 'sent', 'dead')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL,"
	"  last_error TEXT,"
	"  created INTEGER NOT NULL,"
	"  sent_at INTEGER,"
	"  UNIQUE (run_id, plugin)"
	");"
	"CREATE INDEX digest_outbox_due ON digest_outbox(plugin, next_attempt)"
	"  WHERE state = 'pending';"
	"CREATE INDEX matches_created ON matches(created);",
	/*
	 * 8: breaking alerts (issue 9): outbox.breaking marks the one more
	 * alert a (story, topic) pair sends when the topic's rule (breaking
	 * = N/DURATION) fires, on the pair's first match: one row per
	 * (match, plugin, breaking).  SQLite cannot change a table's UNIQUE
	 * constraint, so the table is made again with its rows.
	 */
	"CREATE TABLE outbox_new ("
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
	"  breaking INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (match_id, plugin, breaking)"
	");"
	"INSERT INTO outbox_new (id, match_id, plugin, state, attempts,"
	"  next_attempt, last_error, created, sent_at)"
	"  SELECT id, match_id, plugin, state, attempts, next_attempt,"
	"  last_error, created, sent_at FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_new RENAME TO outbox;"
	"CREATE INDEX outbox_due ON outbox(plugin, next_attempt)"
	"  WHERE state = 'pending';"
	"CREATE INDEX outbox_state ON outbox(state, id);",
	/*
	 * 9: what the store knows of itself (issue 11).  'open' is 1 while a
	 * process has the database open read-write and 0 once it closed it
	 * cleanly; 'checked' is when PRAGMA quick_check last passed.  A
	 * read-write open reads the whole file only when one of them asks
	 * for it (store_check_why()).
	 */
	"CREATE TABLE store_meta ("
	"  key TEXT PRIMARY KEY,"
	"  value INTEGER"
	") WITHOUT ROWID;",
	/*
	 * 10: an article keeps one copy of its link (issue 11 item 5, disk).
	 * canon_link is stored only where it differs from link (it rarely
	 * does: 0 of the bench corpus's 50,252 articles), and the lookup by
	 * canonical link goes through link_key, a 64-bit hash of it
	 * (item_link_key()), whose index is a fifth of one on the text.
	 * items.guid is no longer written: nothing read it, and
	 * item_feeds.guid is the one dedup uses.  110 bytes an article.
	 */
	"ALTER TABLE items ADD COLUMN link_key INTEGER;"
	"UPDATE items SET guid = NULL,"
	"  link_key = herald_link_key(canon_link),"
	"  canon_link = CASE WHEN canon_link = link THEN NULL"
	"    ELSE canon_link END;"
	"DROP INDEX items_canon_link;"
	"CREATE INDEX items_link_key ON items(link_key)"
	"  WHERE link_key IS NOT NULL;",
	/*
	 * 11: the index of the window's story keys lives in memory
	 * (store-stories.c makes it from story_links), not in story_keys.
	 */
	"DROP TABLE story_keys;",
	/*
	 * 12: the packed keys of the story window's articles in a table of
	 * their own (store-stories.c): an article leaving the window keeps
	 * its story and why in story_links, and its doc is deleted, its pages
	 * reused (set to NULL in story_links, it left those pages three
	 * quarters empty).  The docs out of the window go with the column.
	 */
	stories_docs_schema,
	/*
	 * 13: a match's terms, field and snippet packed (issue 11 item 5,
	 * disk): the topic matcher stores them as offsets into the article's
	 * texts (rule_explain_packed(), a BLOB in matches.snippet, terms and
	 * field NULL), a tenth of the text, and the reads write them out
	 * (MATCH_WHY, herald_why()); before the article's texts change, its
	 * packed matches are written out in full (ST_MATCH_FREEZE).  Nothing
	 * to convert: a text snippet reads as before.  The version tells an
	 * older herald, which would print the bytes, to refuse the file.
	 */
	"SELECT 1;",
	/*
	 * 14: a match names its topic by a number (issue 11 item 5, disk):
	 * topics holds each name once, and matches, its UNIQUE (item, topic)
	 * and its index by topic hold the number, 60 bytes an article less on
	 * the bench corpus.  SQLite cannot change a column, so matches is made
	 * again with its rows and ids, and the outbox, which refers to it, too
	 * (renamed first, so that no row is deleted by a cascade).
	 */
	"CREATE TABLE topics ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE"
	");"
	"INSERT INTO topics (name) SELECT DISTINCT topic FROM matches"
	"  ORDER BY topic;"
	"ALTER TABLE outbox RENAME TO outbox_old;"
	"ALTER TABLE matches RENAME TO matches_old;"
	"CREATE TABLE matches ("
	"  id INTEGER PRIMARY KEY,"
	"  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
	"  topic_id INTEGER NOT NULL REFERENCES topics(id),"
	"  terms TEXT,"
	"  field TEXT,"
	"  snippet TEXT,"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (item_id, topic_id)"
	");"
	"INSERT INTO matches (id, item_id, topic_id, terms, field, snippet,"
	"  created) SELECT m.id, m.item_id, t.id, m.terms, m.field, m.snippet,"
	"  m.created FROM matches_old m JOIN topics t ON t.name = m.topic;"
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
	"  breaking INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (match_id, plugin, breaking)"
	");"
	"INSERT INTO outbox (id, match_id, plugin, state, attempts,"
	"  next_attempt, last_error, created, sent_at, breaking)"
	"  SELECT id, match_id, plugin, state, attempts, next_attempt,"
	"  last_error, created, sent_at, breaking FROM outbox_old;"
	"DROP TABLE outbox_old;"
	"DROP TABLE matches_old;"
	"CREATE INDEX matches_topic ON matches(topic_id, created);"
	"CREATE INDEX matches_created ON matches(created);"
	"CREATE INDEX outbox_due ON outbox(plugin, next_attempt)"
	"  WHERE state = 'pending';"
	"CREATE INDEX outbox_state ON outbox(state, id);",
	/*
	 * 15: the digests' 14-day trends read each topic's matches of the
	 * period through matches_topic (topic, created), one range a topic,
	 * so matches_created goes: 42 bytes an article on the bench corpus.
	 */
	"DROP INDEX matches_created;",
	/*
	 * 16: a feed's GUIDs found by a 64-bit hash (issue 11 item 5, disk):
	 * item_feeds_guid holds (feed, guid_key), a fifth of the text it held
	 * (50 bytes an article on the bench corpus); the text stays in the
	 * row, and a lookup compares it.  Two GUIDs of a feed with one hash
	 * (never seen: about one in 10^11 for a feed of 50,000) are kept
	 * apart by a NULL key on the later one, which a lookup that found
	 * none reads too (ST_IF_BY_GUID_NULL, through a partial index that is
	 * otherwise empty); so are any the migration finds.
	 */
	"ALTER TABLE item_feeds ADD COLUMN guid_key INTEGER;"
	"UPDATE item_feeds SET guid_key = herald_link_key(guid);"
	"UPDATE item_feeds SET guid_key = NULL"
	"  WHERE (feed_id, guid_key) IN (SELECT feed_id, guid_key"
	"  FROM item_feeds WHERE guid_key IS NOT NULL"
	"  GROUP BY feed_id, guid_key HAVING count(*) > 1);"
	"DROP INDEX item_feeds_guid;"
	"CREATE UNIQUE INDEX item_feeds_guid ON item_feeds(feed_id, guid_key);"
	"CREATE INDEX item_feeds_keyless ON item_feeds(feed_id, guid)"
	"  WHERE guid_key IS NULL AND guid IS NOT NULL;",
	/*
	 * 17: a story's title is its lead article's (issue 11 item 5, disk),
	 * so stories.title is NULL while it is the same and the reads take
	 * the lead's (store_stories_list()): 32 bytes an article on the bench
	 * corpus.  stories_title_sql keeps it true when the lead's title
	 * changes or the lead goes; a story whose lead has no title has ''.
	 */
	stories_title_sql,
	/*
	 * 18: why an article joined its story is packed by its parts (issue
	 * 11 item 5, disk: story_match_pack(), a BLOB in story_links.why), a
	 * third of the text, and written out the same when read
	 * (store_stories_list()).  A text why reads as before; the version
	 * tells an older herald, which would print the bytes, to refuse the
	 * file.
	 */
	"SELECT 1;",
	/*
	 * 19: the search index merges a level's segments when it holds 32,
	 * not 16 (issue 11 item 5, fresh CPU).  Each fetch's commit writes a
	 * small segment; indexing the 1,000-feed bench corpus a fetch at a
	 * time took 9.3 G instructions with 16, 7.9 G with 32 (24: 9.0 G;
	 * 48 and 64 no better), for 4 bytes an article more and 0.5% to
	 * 2.7% more instructions a search.  crisismerge, which merges a
	 * level whole at 16 by default, goes with it.
	 */
	"INSERT INTO items_fts(items_fts, rank) VALUES ('automerge', 32);"
	"INSERT INTO items_fts(items_fts, rank) VALUES ('crisismerge', 32);",
	/*
	 * 20: the index folds Greek tonos and dialytika (store-tokens.c), so
	 * its tokens, made without, are made again from the articles.  The
	 * topic matches already recorded stay as they were.
	 */
	"INSERT INTO items_fts(items_fts) VALUES ('rebuild');",
	/*
	 * 21: a feed's GUID that is the article's link is kept as '' in
	 * item_feeds.guid (issue 11 item 5, disk: 27 bytes an article on
	 * the bench corpus, where 45% of GUIDs are the link, as an RSS
	 * permalink GUID is).  A lookup reads '' as items.link; before an
	 * article's link changes, items_link_au writes the old link into
	 * the GUIDs that were it.  Rows stored before keep their text; the
	 * version tells an older herald, which would take '' for a GUID,
	 * to refuse the file.
	 */
	items_link_au_sql,
	/*
	 * 22: the index writes German ß as ss (store-tokens.c), so its
	 * tokens, made without, are made again from the articles, as in 20.
	 */
	"INSERT INTO items_fts(items_fts) VALUES ('rebuild');",
	/*
	 * 23: the story tables carry no foreign keys (store-stories.c): a
	 * merge wrote through a statement journal.  story_links loses the
	 * columns nothing writes.
	 */
	stories_nofk_sql,
	/*
	 * 24: a feed's [feed] title (or its OPML outline's), which readers
	 * see instead of the feed's own (review7 D5); NULL none.  The
	 * configuration's, written by store_feed_ensure() at each start and
	 * reload, beside the feed's own title from its last parse.
	 */
	feeds_config_title_sql,
};

#define STORE_NMIGRATIONS \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

static const char *const stmt_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_FEED_BY_NAME] =
	    "SELECT id, config_url, enabled, config_title FROM feeds"
	    " WHERE name = ?1",
	[ST_FEED_INSERT] =
	    "INSERT INTO feeds (name, url, config_url, enabled, created,"
	    " config_title) VALUES (?1, ?2, ?2, ?3, ?4, ?5)",
	[ST_FEED_RECONF] =
	    "UPDATE feeds SET url = ?2, config_url = ?2, enabled = ?3,"
	    " etag = NULL, last_modified = NULL, disabled_reason = NULL,"
	    " failures = 0, error_class = NULL, config_title = ?4"
	    " WHERE id = ?1",
	[ST_FEED_ENABLE] =
	    "UPDATE feeds SET enabled = ?2, config_title = ?3 WHERE id = ?1",
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
	    " redirect_url = ?18, redirect_count = ?19,"
	    " body_hash = CASE WHEN ?20 THEN ?21 ELSE body_hash END,"
	    " ttl_hint = CASE WHEN ?20 THEN ?22 ELSE ttl_hint END,"
	    " skip_hours = CASE WHEN ?20 THEN ?23 ELSE skip_hours END,"
	    " skip_days = CASE WHEN ?20 THEN ?24 ELSE skip_days END"
	    " WHERE id = ?1",
	[ST_FEED_SEEN] =
	    "SELECT raw_hash, item_id FROM item_feeds"
	    " WHERE feed_id = ?1 AND current = 1 AND raw_hash IS NOT NULL",
	/* '' is the article's link (migration 21) */
	[ST_IF_BY_GUID] =
	    "SELECT item_id, content_hash, current, raw_hash,"
	    " CASE guid WHEN '' THEN (SELECT link FROM items WHERE id = item_id)"
	    " ELSE guid END = ?2"
	    " FROM item_feeds WHERE feed_id = ?1 AND guid_key = ?3",
	/* a GUID whose hash another of the feed's has (migration 16) */
	[ST_IF_BY_GUID_NULL] =
	    "SELECT item_id, content_hash, current, raw_hash, 1 FROM item_feeds"
	    " WHERE feed_id = ?1 AND guid_key IS NULL AND guid = ?2",
	[ST_IF_GET] =
	    "SELECT content_hash, current, guid, raw_hash FROM item_feeds"
	    " WHERE item_id = ?1 AND feed_id = ?2",
	[ST_ITEMS_BY_LINK] =
	    "SELECT id, title, summary, content FROM items"
	    " WHERE link_key = ?2 AND coalesce(canon_link, link) = ?1"
	    " ORDER BY id LIMIT 32",
	[ST_ITEMS_BY_KEY] =
	    "SELECT i.id FROM items i JOIN item_feeds f ON f.item_id = i.id"
	    " WHERE i.dedup_key = ?1 AND f.feed_id = ?2 ORDER BY i.id LIMIT 32",
	[ST_ITEM_INSERT] =
	    "INSERT INTO items (link_key, canon_link, link, title, summary,"
	    " content, author, categories, enclosure_url, lang, published,"
	    " updated, first_seen, changed, content_hash, dedup_key)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?13, ?14, ?15)",
	[ST_ITEM_UPDATE] =
	    "UPDATE items SET canon_link = ?2, link = ?3, title = ?4,"
	    " summary = ?5, content = ?6, author = ?7, categories = ?8,"
	    " enclosure_url = ?9, lang = ?10, published = ?11, updated = ?12,"
	    " changed = ?13, content_hash = ?14, dedup_key = ?15,"
	    " link_key = ?16"
	    " WHERE id = ?1 AND content_hash <> ?14",
	/*
	 * A GUID with its hash that is the article's link is kept as ''
	 * (migration 21); one kept without its hash keeps its text, which
	 * item_feeds_keyless finds.
	 */
	[ST_IF_INSERT] =
	    "INSERT INTO item_feeds (item_id, feed_id, guid, first_seen,"
	    " content_hash, current, raw_hash, guid_key)"
	    " VALUES (?1, ?2, CASE WHEN ?7 IS NOT NULL AND"
	    " ?3 = (SELECT link FROM items WHERE id = ?1) THEN '' ELSE ?3 END,"
	    " ?4, ?5, 1, ?6, ?7)",
	[ST_IF_SET_HASH] =
	    "UPDATE item_feeds SET content_hash = ?3, current = 1,"
	    " raw_hash = ?4 WHERE item_id = ?1 AND feed_id = ?2",
	[ST_IF_SET_RAW] =
	    "UPDATE item_feeds SET raw_hash = ?3, current = 1"
	    " WHERE item_id = ?1 AND feed_id = ?2",
	/* the index rows of an item about to change (external content) */
	[ST_FTS_DELETE] =
	    "INSERT INTO items_fts(items_fts, rowid, title, summary, content,"
	    " author) SELECT 'delete', id, title, summary, content, author"
	    " FROM items WHERE id = ?1 AND content_hash <> ?2",
	/* one statement for the whole transaction: see migration 4 */
	[ST_FTS_INSERT] =
	    "INSERT INTO items_fts(rowid, title, summary, content, author)"
	    " SELECT id, title, summary, content, author FROM items"
	    " WHERE id IN (SELECT value FROM json_each(?1))",
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
	/* nothing when the topic is not in topics yet (ST_TOPIC_ADD) */
	[ST_MATCH_INSERT] =
	    "INSERT OR IGNORE INTO matches (item_id, topic_id, terms, field,"
	    " snippet, created) SELECT ?1, id, ?3, ?4, ?5, ?6 FROM topics"
	    " WHERE name = ?2",
	[ST_MATCH_GET] =
	    "SELECT m.id FROM matches m JOIN topics t ON t.id = m.topic_id"
	    " WHERE m.item_id = ?1 AND t.name = ?2",
	[ST_TOPIC_ADD] = "INSERT OR IGNORE INTO topics (name) VALUES (?1)",
	[ST_TOPIC_ID] = "SELECT id FROM topics WHERE name = ?1",
	/* the topic's number known (store_topics_new()) */
	[ST_MATCH_INSERT_ID] =
	    "INSERT OR IGNORE INTO matches (item_id, topic_id, terms, field,"
	    " snippet, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_MATCH_GET_ID] =
	    "SELECT id FROM matches WHERE item_id = ?1 AND topic_id = ?2",
	/* an article's packed matches in full, before its texts change */
	[ST_MATCH_FREEZE] =
	    "UPDATE matches SET"
	    " terms = " WHY_OF("0", "matches.snippet", "matches.terms") ","
	    " field = " WHY_OF("1", "matches.snippet", "matches.field") ","
	    " snippet = " WHY_OF("2", "matches.snippet", "matches.snippet")
	    " FROM items i WHERE i.id = ?1 AND i.content_hash <> ?2"
	    " AND matches.item_id = ?1 AND typeof(matches.snippet) = 'blob'",
	[ST_OUTBOX_INSERT] =
	    "INSERT OR IGNORE INTO outbox (match_id, plugin, next_attempt,"
	    " created) VALUES (?1, ?2, ?3, ?3)",
	[ST_ALERTS_DUE] =
	    "SELECT " ALERT_COLS ALERT_FROM
	    " WHERE b.plugin = ?1 AND b.state = 'pending'"
	    " AND b.next_attempt <= ?2"
	    " ORDER BY b.next_attempt, b.id LIMIT ?3",
	/* an attempt counts when it starts; its outcome counts nothing */
	[ST_ALERT_ATTEMPT] =
	    "UPDATE outbox SET attempts = attempts + 1"
	    " WHERE id = ?1 AND state = 'pending'",
	[ST_ALERT_SENT] =
	    "UPDATE outbox SET state = 'sent', sent_at = ?2, last_error = NULL"
	    " WHERE id = ?1 AND state = 'pending'",
	[ST_ALERT_RETRY] =
	    "UPDATE outbox SET next_attempt = ?2, last_error = ?3"
	    " WHERE id = ?1 AND state = 'pending'",
	[ST_ALERT_DEAD] =
	    "UPDATE outbox SET state = 'dead', last_error = ?3"
	    " WHERE id = ?1 AND state = 'pending'",
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
	[ST_ITEMS_NEW] =
	    "SELECT " ENTRY_COLS " FROM items i" ENTRY_ORIGIN
	    " WHERE i.first_seen >= ?1 AND i.id > ?2"
	    " ORDER BY o.name, coalesce(i.published, i.first_seen) DESC,"
	    " i.id DESC",
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

/* Sets *errstr to "PATH: what: sqlite's message[: hint]". */
void
store_seterr(struct store *s, char **errstr, const char *fmt, ...)
{
	va_list	 ap;
	char	 what[256], *hint;
	int	 rc;

	rc = sqlite3_extended_errcode(s->db);
	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
		s->damaged = 1;
	if (errstr == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	hint = store_hint(rc, s->path);
	free(*errstr);
	*errstr = xasprintf("%s: %s: %s%s", s->path, what,
	    sqlite3_errmsg(s->db), hint);
	free(hint);
}

/* Statements. */

/*
 * The statement in *slot, prepared from sql on first use and kept for the
 * connection's life: every part's statement table goes through here.
 */
sqlite3_stmt *
stmt_cached(struct store *s, sqlite3_stmt **slot, const char *sql,
    char **errstr)
{
	if (*slot == NULL && sqlite3_prepare_v3(s->db, sql, -1,
	    SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "preparing a statement");
		return NULL;
	}
	return *slot;
}

sqlite3_stmt *
stmt_get(struct store *s, enum stmt_id id, char **errstr)
{
	return stmt_cached(s, &s->st[id], stmt_sql[id], errstr);
}

void
stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Binds a string, NULL for a NULL or empty one. */
void
bind_str(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL || *v == '\0')
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

char *
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

int64_t
store_now(struct store *s)
{
	return s->now != 0 ? s->now : (int64_t)time(NULL);
}

void
store_set_now(struct store *s, int64_t now)
{
	s->now = now;
}

/*
 * A check that found damage leaves a file beside the database: the file
 * itself is not written, and without this a start after a clean close
 * and a recent check would trust it again.  Any read-write open checks
 * while the file is there; a check that passes removes it.
 */
static void
store_mark_damaged(const char *mark)
{
	int	 fd;

	if ((fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		log_warn("%s", mark);
		return;
	}
	(void)write(fd, "quick_check found damage\n", 25);
	close(fd);
}

int
store_damaged_mark(const char *path, int64_t *when, char **markp)
{
	struct stat	 sb;
	char		*mark = xasprintf("%s" STORE_DAMAGED_SUFFIX, path);
	int		 found = stat(mark, &sb) == 0;

	*when = found ? (int64_t)sb.st_mtime : 0;
	if (markp != NULL && found)
		*markp = mark;
	else {
		if (markp != NULL)
			*markp = NULL;
		free(mark);
	}
	return found;
}

/* Seconds of CLOCK_MONOTONIC since t0. */
double
elapsed_since(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int
store_quick_check(struct store *s, const char *why, char **errstr)
{
	struct timespec	 t0;
	char		*out = NULL, *mark;

	log_info("%s: %s: checking it (PRAGMA quick_check reads the whole "
	    "file)", s->path, why);
	mark = xasprintf("%s" STORE_DAMAGED_SUFFIX, s->path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (store_exec1(s, "PRAGMA quick_check", &out, errstr) == -1) {
		store_mark_damaged(mark);
		free(mark);
		return -1;
	}
	if (out == NULL || strcmp(out, "ok") != 0) {
		*errstr = xasprintf("%s: the database is damaged (quick_check: "
		    "%s): herald will not modify it; stop heraldd, keep a "
		    "copy, then restore a backup or salvage it with "
		    "`sqlite3 %s .recover`", s->path, out ? out : "no answer",
		    s->path);
		free(out);
		store_mark_damaged(mark);
		free(mark);
		return -1;
	}
	free(out);
	/* sound again (restored, recovered): forget the damage */
	if (unlink(mark) == 0)
		log_info("%s: removed %s", s->path, mark);
	free(mark);
	log_info("%s: the database is sound (quick_check took %.1f s)",
	    s->path, elapsed_since(&t0));
	return 0;
}

int
store_index_check(struct store *s, char **errstr)
{
	return store_exec1(s, "INSERT INTO items_fts(items_fts, rank)"
	    " VALUES ('integrity-check', 1)", NULL, errstr);
}

/*
 * Why a read-write open must run quick_check, or NULL: asked to; the last
 * process that had the database open read-write did not close it (a crash,
 * a kill, a power cut: what damages files); no check recorded; or the
 * last is a week old (damage from the disk itself shows up over time).
 * Reading the whole file at every start cost 3.9 s of a 9.7 s poll of
 * 10,000 feeds.  A new database has nothing to check.
 */
static int
store_check_why(struct store *s, int flags, int64_t version,
    const char **why, char **errstr)
{
	sqlite3_stmt	*st = NULL;
	int64_t		 open = 0, checked = -1, now = (int64_t)time(NULL);
	char		*mark;
	int		 rc, damaged;

	*why = NULL;
	if (flags & STORE_CHECK) {
		*why = "a check was asked for";
		return 0;
	}
	if (flags & STORE_NOCHECK || version == 0)
		return 0;
	mark = xasprintf("%s" STORE_DAMAGED_SUFFIX, s->path);
	damaged = access(mark, F_OK) == 0;
	free(mark);
	if (damaged) {
		*why = "an earlier check found it damaged (" STORE_DAMAGED_SUFFIX
		    " beside it)";
		return 0;
	}
	if (version < 9) {
		*why = "no check is recorded yet";
		return 0;
	}
	if (sqlite3_prepare_v2(s->db, "SELECT key, value FROM store_meta",
	    -1, &st, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "reading store_meta");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);

		if (k != NULL && strcmp(k, "open") == 0)
			open = sqlite3_column_int64(st, 1);
		else if (k != NULL && strcmp(k, "checked") == 0 &&
		    sqlite3_column_type(st, 1) != SQLITE_NULL)
			checked = sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading store_meta");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (open != 0)
		*why = "the database was not closed cleanly";
	else if (checked < 0)
		*why = "no check is recorded yet";
	else if (checked > now)
		*why = "the last check is dated in the future (the clock moved)";
	else if (now - checked >= STORE_CHECK_EVERY)
		*why = "the last check is a week old or more";
	return 0;
}

/*
 * Records that this handle has the database open (a crash leaves it so)
 * and, after a check, when it passed.  A failure (a full disk) is logged,
 * not fatal: the writes that follow report it where it matters.
 */
static void
store_mark_open(struct store *s, int checked)
{
	char	*sql, *err = NULL;

	sql = xasprintf("BEGIN IMMEDIATE;"
	    " INSERT OR REPLACE INTO store_meta VALUES ('open', 1);"
	    " INSERT OR REPLACE INTO store_meta SELECT 'checked', %lld"
	    " WHERE %d;"
	    " COMMIT", (long long)time(NULL), checked);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		store_seterr(s, &err, "recording that the database is open");
		log_warnx("%s", err);
		free(err);
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	} else
		s->marked = 1;
	free(sql);
}

const char *
store_check_reason(const struct store *s)
{
	return s->checked;
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

/* herald_link_key(canon_link): item_link_key(), NULL for NULL. */
static void
sql_link_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*canon = (const char *)sqlite3_value_text(argv[0]);

	(void)argc;
	if (canon == NULL)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_int64(ctx, item_link_key(canon));
}

/*
 * herald_why(part, snippet, plain, title, summary, content, author): part 0
 * (terms), 1 (field) or 2 (snippet) of a match whose snippet column is a
 * packed explanation (rule_explain_packed()) of the article's texts; plain
 * when it is not packed.  NULL when the offsets do not fit the texts.
 */
static void
sql_why(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*text[RULE_NCOLS], *field;
	int		 len[RULE_NCOLS], part, c, rc;
	char		*terms, *snippet;

	(void)argc;
	if (sqlite3_value_type(argv[1]) != SQLITE_BLOB) {
		sqlite3_result_value(ctx, argv[2]);
		return;
	}
	for (c = 0; c < RULE_NCOLS; c++) {
		text[c] = (const char *)sqlite3_value_text(argv[3 + c]);
		len[c] = text[c] != NULL ? sqlite3_value_bytes(argv[3 + c]) : 0;
	}
	part = sqlite3_value_int(argv[0]);
	rc = rule_unpack(sqlite3_value_blob(argv[1]),
	    (size_t)sqlite3_value_bytes(argv[1]), text, len,
	    part == 0 ? &terms : NULL, part == 1 ? &field : NULL,
	    part == 2 ? &snippet : NULL);
	if (rc == -1)
		sqlite3_result_null(ctx);
	else if (part == 0)
		sqlite3_result_text(ctx, terms, -1, terms ? free : NULL);
	else if (part == 1)
		sqlite3_result_text(ctx, field, -1, SQLITE_STATIC);
	else if (part == 2)
		sqlite3_result_text(ctx, snippet, -1, snippet ? free : NULL);
	else
		sqlite3_result_null(ctx);
}

/* herald_canonical_link(link): url_canonical(), NULL for no URL. */
static void
sql_canonical_link(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*link = (const char *)sqlite3_value_text(argv[0]);
	char		*canon;

	(void)argc;
	if (link == NULL || (canon = url_canonical(link)) == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_text(ctx, canon, -1, free);
}

/* Tells store_open_progress()'s caller what the open is doing, now. */
static void
progress_tell(struct store *s)
{
	clock_gettime(CLOCK_MONOTONIC, &s->progress_last);
	if (s->progress != NULL)
		s->progress(s->progress_arg, s->progress_what);
}

/*
 * SQLite's progress handler while the schema is upgraded: every few
 * thousand virtual machine steps, and at most every STORE_PROGRESS_EVERY
 * seconds, the caller hears that the step goes on.  Never interrupts.
 */
static int
progress_cb(void *arg)
{
	struct store	*s = arg;

	if (elapsed_since(&s->progress_last) >= STORE_PROGRESS_EVERY)
		progress_tell(s);
	return 0;
}

static int
store_migrate(struct store *s, char **errstr)
{
	struct timespec	 t0;
	int64_t		 v, from;
	char		*sql;
	int		 i, ran = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (store_pragma_int(s, "PRAGMA user_version", &from, errstr) == -1)
		return -1;
	if (from > 0 && from < STORE_NMIGRATIONS)
		log_info("%s: upgrading the database from schema version %lld "
		    "to %d: on a large database this can take minutes; a step "
		    "that is cut short is done again at the next start",
		    s->path, (long long)from, STORE_NMIGRATIONS);
	/* how often SQLite calls back: about a millisecond of work here */
	if (s->progress != NULL)
		sqlite3_progress_handler(s->db, 20000, progress_cb, s);
	for (i = 0; i < STORE_NMIGRATIONS; i++) {
		if (store_exec1(s, "BEGIN IMMEDIATE", NULL, errstr) == -1)
			goto fail_out;
		/* Another process may have migrated while we waited. */
		if (store_pragma_int(s, "PRAGMA user_version", &v,
		    errstr) == -1)
			goto fail;
		if (v > i) {
			store_exec1(s, "COMMIT", NULL, NULL);
			continue;
		}
		snprintf(s->progress_what, sizeof(s->progress_what),
		    "%s the database: schema version %d of %d",
		    from > 0 ? "upgrading" : "creating", i + 1,
		    STORE_NMIGRATIONS);
		progress_tell(s);
		ran++;
		if (store_migrations[i] == feeds_config_title_sql) {
			if (store_pragma_int(s, "SELECT count(*) FROM"
			    " pragma_table_info('feeds')"
			    " WHERE name = 'config_title'", &v, errstr) == -1)
				goto fail;
		} else
			v = 0;
		if (v == 0 && sqlite3_exec(s->db, store_migrations[i], NULL,
		    NULL, NULL) != SQLITE_OK) {
			store_seterr(s, errstr, "migrating the schema to "
			    "version %d", i + 1);
			goto fail;
		}
		if (store_migrations[i] == stories_schema &&
		    stories_backfill(s, errstr) == -1)
			goto fail;
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
		/*
		 * Each step's pages go into the file and the WAL is emptied:
		 * a new database's WAL otherwise holds every page of every
		 * step until the first checkpoint, which on a small disk
		 * left no room for the first fetch.  A reader in the way
		 * only leaves the WAL longer.
		 */
		(void)sqlite3_wal_checkpoint_v2(s->db, NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	sqlite3_progress_handler(s->db, 0, NULL, NULL);
	if (from > 0 && ran > 0)
		log_info("%s: database upgraded to schema version %d in %.1f s",
		    s->path, STORE_NMIGRATIONS, elapsed_since(&t0));
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
fail_out:
	sqlite3_progress_handler(s->db, 0, NULL, NULL);
	return -1;
}

/*
 * SQLite counts every allocation and free under a global mutex for
 * sqlite3_memory_used() and the soft heap limit, neither of which herald
 * uses: 1.04 million mutex calls in a fresh ingest of 100 feeds.  The
 * setting holds only before SQLite's first use in the process (after it,
 * sqlite3_config() says SQLITE_MISUSE and changes nothing).
 */
void
store_sqlite_init(void)
{
	static int	 done;

	if (done)
		return;
	done = 1;
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct store *
store_open(const char *path, int flags, char **errstr)
{
	return store_open_progress(path, flags, NULL, NULL, errstr);
}

struct store *
store_open_progress(const char *path, int flags, store_progress_fn *fn,
    void *arg, char **errstr)
{
	struct store	*s;
	struct stat	 sb;
	int64_t		 version;
	char		*mode = NULL, *sql, *keyless = NULL;
	int		 rc, oflags, on = 1;

	store_sqlite_init();
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	s->progress = fn;
	s->progress_arg = arg;
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

	/* What the reads call besides SQL. */
	if (sqlite3_create_function(s->db, "herald_why", 7,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
	    sql_why, NULL, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "registering functions");
		goto fail;
	}

	/*
	 * Before any statement reads the search index: Greek folded in the
	 * index, the queries and the topic rules alike, here as in the
	 * daemon; a text the topic matcher tokenized is not tokenized again
	 * to index it.
	 */
	if (tokens_register(s, errstr) == -1)
		goto fail;

	/* Nothing is written before the file has shown it is ours and sound. */
	if (store_check_identity(s, &version, errstr) == -1)
		goto fail;
	if (flags & STORE_RDWR) {
		if (store_check_why(s, flags, version, &s->checked,
		    errstr) == -1)
			goto fail;
	} else if (flags & STORE_CHECK)
		s->checked = "a check was asked for";
	if (s->checked != NULL && store_quick_check(s, s->checked,
	    errstr) == -1)
		goto fail;
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

	/*
	 * A new file gets 16 KB pages (once written, a WAL database keeps its
	 * page size): an article's row is about 1 KB, and with 4 KB pages a
	 * sixth of each page of articles was left over.  The bench corpus
	 * makes a file 7% smaller.
	 */
	if (store_exec1(s, "PRAGMA page_size = " STORE_PAGE_SIZE, NULL,
	    errstr) == -1 ||
	    store_exec1(s, "PRAGMA journal_mode = WAL", &mode, errstr) == -1)
		goto fail;
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		*errstr = xasprintf("%s: cannot switch to WAL mode (journal "
		    "mode is %s)", path, mode ? mode : "unknown");
		goto fail;
	}
	/*
	 * A checkpoint every 4,096 pages (64 MB, the journal's limit), not
	 * SQLite's 1,000: each one waits for two fdatasync()s, and a fresh
	 * ingest of the 1,000 bench feeds waited 4.2 s in 380 of them,
	 * 2.9 s in 152 this way (strace -f -c -w).
	 */
	sql = xasprintf("PRAGMA synchronous = NORMAL; "
	    "PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = %d; "
	    "PRAGMA wal_autocheckpoint = 4096",
	    STORE_JOURNAL_LIMIT);
	rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		store_seterr(s, errstr, "setting pragmas");
		goto fail;
	}
	/* What the migrations call besides SQL. */
	if (sqlite3_create_function(s->db, "herald_canonical_link", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
	    sql_canonical_link, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(s->db, "herald_link_key", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
	    sql_link_key, NULL, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "registering functions");
		goto fail;
	}
	rc = store_migrate(s, errstr);
	s->progress = NULL;	/* the caller's for the open only */
	if (rc == -1)
		goto fail;
	/* whether a GUID lookup that misses must read item_feeds_keyless */
	if (store_exec1(s, "SELECT EXISTS (SELECT 1 FROM item_feeds"
	    " INDEXED BY item_feeds_keyless WHERE guid_key IS NULL"
	    " AND guid IS NOT NULL)", &keyless, errstr) == -1)
		goto fail;
	s->keyless = keyless != NULL && strcmp(keyless, "1") == 0;
	free(keyless);
	store_mark_open(s, s->checked != NULL || version == 0);
	free(mode);
	return s;
fail:
	free(mode);
	/* A refused file stays as it was: its WAL is not written back. */
	if (s->db != NULL)
		sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
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
	stories_close(s);
	digests_close(s);
	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	/* Cheap, and keeps the planner's statistics fresh for the CLI. */
	if (s->db != NULL && !s->rdonly && !s->damaged)
		sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
	/*
	 * The next read-write open need not check the whole file, unless
	 * SQLite said it was damaged while it was open.
	 */
	if (s->marked && !s->damaged)
		sqlite3_exec(s->db, "UPDATE store_meta SET value = 0"
		    " WHERE key = 'open'", NULL, NULL, NULL);
	sqlite3_close(s->db);
	free(s->touched.keys);
	free(s->unindexed);
	free(s->path);
	free(s);
}

int64_t
store_changes(struct store *s)
{
	return sqlite3_total_changes(s->db);
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
	tokens_clear(s);
	s->nunindexed = 0;
	return store_step_simple(s, ST_BEGIN, "BEGIN IMMEDIATE", errstr);
}

int
store_commit(struct store *s, char **errstr)
{
	touched_clear(&s->touched);
	if (items_index(s, errstr) == -1 ||
	    store_step_simple(s, ST_COMMIT, "COMMIT", errstr) == -1) {
		store_rollback(s);
		return -1;
	}
	tokens_clear(s);
	return 0;
}

int
store_rollback(struct store *s)
{
	touched_clear(&s->touched);
	tokens_clear(s);
	s->nunindexed = 0;
	if (sqlite3_get_autocommit(s->db))
		return 0;
	return store_step_simple(s, ST_ROLLBACK, "ROLLBACK", NULL);
}

/*
 * A write called outside store_begin() runs in its own transaction:
 * *own says whether this call opened one, for txn_end().
 */
int
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

int
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

/* Steps a write statement once and resets it. */
int
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
