/*
 * store-items.c: feeds and their items in the SQLite store: a feed's row
 * and fetch outcome, item identity (GUID, canonical link, title and date),
 * upsert without rewriting what did not change, and pruning.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "url.h"
#include "util.h"

#define STORE_PRUNE_BATCH	1000
#define STORE_CANDIDATES	32	/* rows looked at per link or hash */

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

void
touched_clear(struct touched *t)
{
	if (t->cap > 0)
		memset(t->keys, 0, 2 * t->cap * sizeof(int64_t));
	t->n = 0;
}

/* Feeds. */

int
store_feed_ensure(struct store *s, const char *name, const char *url,
    const char *title, int enabled, int64_t *id, char **errstr)
{
	sqlite3_stmt	*st;
	const char	*curl, *ctitle;
	int		 own, rc, ret = -1, cur_enabled = 0, found = 0;
	int		 reconf = 0, retitle = 0;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	enabled = enabled != 0;
	if (title != NULL && *title == '\0')
		title = NULL;
	if ((st = stmt_get(s, ST_FEED_BY_NAME, errstr)) == NULL)
		goto done;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		found = 1;
		*id = sqlite3_column_int64(st, 0);
		curl = (const char *)sqlite3_column_text(st, 1);
		reconf = curl == NULL || strcmp(curl, url) != 0;
		cur_enabled = sqlite3_column_int(st, 2);
		ctitle = (const char *)sqlite3_column_text(st, 3);
		retitle = (ctitle == NULL) != (title == NULL) ||
		    (title != NULL && strcmp(ctitle, title) != 0);
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
		sqlite3_bind_text(st, 5, title, -1, SQLITE_STATIC);
	} else if (reconf) {
		if ((st = stmt_get(s, ST_FEED_RECONF, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, enabled);
		sqlite3_bind_text(st, 4, title, -1, SQLITE_STATIC);
	} else if (cur_enabled != enabled || retitle) {
		if ((st = stmt_get(s, ST_FEED_ENABLE, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int(st, 2, enabled);
		sqlite3_bind_text(st, 3, title, -1, SQLITE_STATIC);
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

int
store_feeds_only(struct store *s, const int64_t *ids, size_t n,
    char **errstr)
{
	sqlite3_stmt	*st = NULL;
	size_t		 i;
	int		 own, ret = -1;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	if (sqlite3_exec(s->db, "CREATE TEMP TABLE IF NOT EXISTS "
	    "configured(id INTEGER PRIMARY KEY); DELETE FROM temp.configured",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO temp.configured"
	    " VALUES (?1)", -1, &st, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "listing the configured feeds");
		goto done;
	}
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		if (step_write(s, st, "listing the configured feeds",
		    errstr) == -1)
			goto done;
	}
	if (sqlite3_exec(s->db, "UPDATE feeds SET enabled = 0 WHERE enabled"
	    " != 0 AND id NOT IN (SELECT id FROM temp.configured);"
	    " DELETE FROM temp.configured", NULL, NULL, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "turning off the feeds taken out of "
		    "the configuration");
		goto done;
	}
	ret = 0;
done:
	sqlite3_finalize(st);
	return txn_end(s, own, ret, errstr);
}

int
store_feeds_set_next(struct store *s, const int64_t *ids, const int64_t *when,
    size_t n, char **errstr)
{
	sqlite3_stmt	*st = NULL;
	size_t		 i;
	int		 own, ret = -1;

	if (n == 0)
		return 0;
	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	if (sqlite3_prepare_v2(s->db, "UPDATE feeds SET next_fetch = ?2"
	    " WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "recording the next fetches");
		goto done;
	}
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		sqlite3_bind_int64(st, 2, when[i]);
		if (step_write(s, st, "recording the next fetches", errstr) ==
		    -1)
			goto done;
	}
	ret = 0;
done:
	sqlite3_finalize(st);
	return txn_end(s, own, ret, errstr);
}

/* Fills a feed from a row of FEED_COLS. */
void
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
	f->body_hash = (uint64_t)sqlite3_column_int64(st, 25);
	f->hint = sqlite3_column_type(st, 26) == SQLITE_NULL ? -1 :
	    (long)sqlite3_column_int64(st, 26);
	f->skip_hours = (uint32_t)sqlite3_column_int64(st, 27);
	f->skip_days = (uint32_t)sqlite3_column_int64(st, 28);
	f->config_title = col_str(st, 29);
}

const char *
store_feed_outlet(const struct store_feed *f)
{
	if (f->config_title != NULL && *f->config_title != '\0')
		return f->config_title;
	if (f->title != NULL && *f->title != '\0')
		return f->title;
	return f->name;
}

int
store_feed_failing(const struct store_feed *f)
{
	return f->enabled && (f->disabled_reason != NULL ||
	    f->last_error != NULL || f->failures > 0);
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
	free(f->config_title);
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
	sqlite3_bind_int(st, 20, fx->set_body != 0);
	if (fx->body_hash != 0)
		sqlite3_bind_int64(st, 21, (int64_t)fx->body_hash);
	if (fx->hint >= 0)
		sqlite3_bind_int64(st, 22, fx->hint);
	sqlite3_bind_int64(st, 23, fx->skip_hours);
	sqlite3_bind_int64(st, 24, fx->skip_days);
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

/* The key of a canonical link in items.link_key (migration 10). */
int64_t
item_link_key(const char *canon)
{
	return (int64_t)fnv_bytes(FNV_OFFSET, canon, strlen(canon));
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
 * transaction are never candidates, except that an item without a GUID
 * whose link and title repeat one this feed gave earlier in the same fetch
 * is that item again (links that differ only in tracking parameters,
 * their order or a fragment): *again is then 1 and *found the first one.
 */
static int
item_find_by_link(struct store *s, int64_t feed_id,
    const struct store_item *it, const char *canon, int64_t *found,
    int *again, char **errstr)
{
	sqlite3_stmt	*st, *sf;
	int64_t		 ids[STORE_CANDIDATES], tkeys[STORE_CANDIDATES];
	int64_t		 want, other = 0, weak = 0;
	size_t		 n = 0, i;
	int		 rc, nweak = 0;

	*found = 0;
	*again = 0;
	if ((st = stmt_get(s, ST_ITEMS_BY_LINK, errstr)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, canon, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, item_link_key(canon));
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

		if (touched_has(&s->touched, feed_id, ids[i])) {
			if (!nonempty(it->guid) && tkeys[i] == want) {
				*found = ids[i];
				*again = 1;
				return 0;
			}
			continue;
		}
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
	/* the link once: canon_link only where it differs (migration 10) */
	if (canon != NULL && (it->link == NULL || strcmp(canon, it->link) != 0))
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

/*
 * The search index of the items added or changed in the open transaction
 * is written by items_index() as store_commit() begins, in one statement:
 * see migration 4 in store.c.
 */
static void
unindexed_add(struct store *s, int64_t id)
{
	if (s->nunindexed == s->capunindexed) {
		s->capunindexed = s->capunindexed ? 2 * s->capunindexed : 64;
		s->unindexed = xrealloc(s->unindexed,
		    s->capunindexed * sizeof(*s->unindexed));
	}
	s->unindexed[s->nunindexed++] = id;
}

/* Only for an update, which is rare: a scan will do. */
static int
unindexed_has(struct store *s, int64_t id)
{
	size_t	 i;

	for (i = 0; i < s->nunindexed; i++)
		if (s->unindexed[i] == id)
			return 1;
	return 0;
}

int
items_index(struct store *s, char **errstr)
{
	sqlite3_stmt	*st;
	struct buf	 ids;
	size_t		 i;
	int		 ret = -1;

	if (s->nunindexed == 0)
		return 0;
	buf_init(&ids, 0);
	buf_putc(&ids, '[');
	for (i = 0; i < s->nunindexed; i++)
		buf_printf(&ids, "%s%lld", i > 0 ? "," : "",
		    (long long)s->unindexed[i]);
	buf_putc(&ids, ']');
	if ((st = stmt_get(s, ST_FTS_INSERT, errstr)) == NULL)
		goto done;
	sqlite3_bind_text(st, 1, ids.data, (int)ids.len, SQLITE_STATIC);
	if (step_write(s, st, "indexing the new articles", errstr) == -1)
		goto done;
	s->nunindexed = 0;
	ret = 0;
done:
	buf_free(&ids);
	return ret;
}

void
store_item_keep(struct store *s, int64_t feed_id, int64_t item_id)
{
	touched_add(&s->touched, feed_id, item_id);
}

int
store_feed_seen(struct store *s, int64_t feed_id, struct store_seen **out,
    size_t *np, char **errstr)
{
	sqlite3_stmt		*st;
	struct store_seen	*v = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;

	*out = NULL;
	*np = 0;
	if ((st = stmt_get(s, ST_FEED_SEEN, errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, feed_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : 2 * cap;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].raw_hash = sqlite3_column_int64(st, 0);
		v[n].item_id = sqlite3_column_int64(st, 1);
		n++;
	}
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		free(v);
		store_seterr(s, errstr, "reading what feed %lld carries",
		    (long long)feed_id);
		return -1;
	}
	*out = v;
	*np = n;
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
	int64_t			 if_raw = 0, gkey = 0;
	int			 own, rc, ret = -1, carried = 0, current = 0;
	int			 pass, keyless = 0;
	int			 again = 0;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	now = store_now(s);
	if (nonempty(it->link))
		canon = url_canonical(it->link);
	chash = item_hash_content(it, canon);
	dkey = item_dedup_key(it);

	/*
	 * 1. The GUID within this feed, by its hash; when another GUID of
	 * the feed has that hash, among those kept without one.
	 */
	if (guid != NULL) {
		gkey = item_link_key(guid);
		for (pass = 0; pass < 2 && !carried; pass++) {
			if ((st = stmt_get(s, pass == 0 ? ST_IF_BY_GUID :
			    ST_IF_BY_GUID_NULL, errstr)) == NULL)
				goto done;
			sqlite3_bind_int64(st, 1, feed_id);
			sqlite3_bind_text(st, 2, guid, -1, SQLITE_STATIC);
			if (pass == 0)
				sqlite3_bind_int64(st, 3, gkey);
			if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
			    sqlite3_column_int(st, 4)) {
				item_id = sqlite3_column_int64(st, 0);
				if_hash = sqlite3_column_int64(st, 1);
				current = sqlite3_column_int(st, 2);
				if_raw = sqlite3_column_int64(st, 3);
				carried = 1;
			} else if (rc == SQLITE_ROW)
				keyless = 1;	/* another GUID's hash */
			stmt_done(st);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
				store_seterr(s, errstr, "looking up a guid");
				goto done;
			}
			/* no GUID is kept without its hash (nearly always) */
			if (!keyless && !s->keyless)
				break;
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
		    &again, errstr) == -1)
			goto done;
		/* The same article twice in one fetch: the first one wins. */
		if (again) {
			ret = 0;
			goto done;
		}
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
			if_raw = sqlite3_column_int64(st, 3);
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
		if (canon != NULL)
			sqlite3_bind_int64(st, 1, item_link_key(canon));
		bind_item(st, 2, it, canon);
		sqlite3_bind_int64(st, 13, now);
		sqlite3_bind_int64(st, 14, chash);
		sqlite3_bind_int64(st, 15, dkey);
		if (step_write(s, st, "adding an item", errstr) == -1)
			goto done;
		item_id = sqlite3_last_insert_rowid(s->db);
		unindexed_add(s, item_id);
		res = STORE_NEW;
		/* its story, in the same transaction (store-stories.c) */
		if (stories_assign(s, item_id, feed_id, it, errstr) == -1)
			goto done;
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
		if (it->raw_hash != 0)
			sqlite3_bind_int64(st, 6, it->raw_hash);
		if (guid != NULL && !keyless)
			sqlite3_bind_int64(st, 7, gkey);
		if (step_write(s, st, "linking an item to its feed",
		    errstr) == -1)
			goto done;
		if (guid != NULL && keyless)
			s->keyless = 1;
	} else if (if_hash != chash) {
		if ((st = stmt_get(s, ST_IF_SET_HASH, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, item_id);
		sqlite3_bind_int64(st, 2, feed_id);
		sqlite3_bind_int64(st, 3, chash);
		if (it->raw_hash != 0)
			sqlite3_bind_int64(st, 4, it->raw_hash);
		if (step_write(s, st, "updating an item", errstr) == -1)
			goto done;
		/*
		 * Only rewritten when the stored version differs; its index
		 * rows go first (external content: they are found by the old
		 * text), unless it is new in this transaction, not indexed yet.
		 */
		if (!unindexed_has(s, item_id)) {
			if ((st = stmt_get(s, ST_FTS_DELETE, errstr)) == NULL)
				goto done;
			sqlite3_bind_int64(st, 1, item_id);
			sqlite3_bind_int64(st, 2, chash);
			if (step_write(s, st, "updating an item", errstr) == -1)
				goto done;
		}
		/* its matches' packed explanations point into the old texts */
		if ((st = stmt_get(s, ST_MATCH_FREEZE, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, item_id);
		sqlite3_bind_int64(st, 2, chash);
		if (step_write(s, st, "updating an item", errstr) == -1)
			goto done;
		if ((st = stmt_get(s, ST_ITEM_UPDATE, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, item_id);
		bind_item(st, 2, it, canon);
		sqlite3_bind_int64(st, 13, now);
		sqlite3_bind_int64(st, 14, chash);
		sqlite3_bind_int64(st, 15, dkey);
		if (canon != NULL)
			sqlite3_bind_int64(st, 16, item_link_key(canon));
		if (step_write(s, st, "updating an item", errstr) == -1)
			goto done;
		if (sqlite3_changes(s->db) > 0) {
			res = STORE_UPDATED;
			if (!unindexed_has(s, item_id))
				unindexed_add(s, item_id);
		}
	} else if (!current || if_raw != it->raw_hash) {
		/*
		 * Back in the feed after leaving it, or the same article from
		 * an entry written otherwise: the next fetch of this entry
		 * will skip it.
		 */
		if ((st = stmt_get(s, ST_IF_SET_RAW, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, item_id);
		sqlite3_bind_int64(st, 2, feed_id);
		if (it->raw_hash != 0)
			sqlite3_bind_int64(st, 3, it->raw_hash);
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
	return store_prune_for(s, older_than, -1, deleted, NULL, errstr);
}

/* seconds < 0: no bound */
int
store_prune_for(struct store *s, int64_t older_than, double seconds,
    int64_t *deleted, int *more, char **errstr)
{
	sqlite3_stmt	*st;
	struct timespec	 t0;
	int64_t		 total = 0;
	int		 n, rc, over = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (deleted != NULL)
		*deleted = 0;
	if (more != NULL)
		*more = 0;
	if (s->rdonly) {
		*errstr = xasprintf("%s: opened read-only", s->path);
		return -1;
	}
	/* the story index lets go of them first (store-stories.c) */
	if (stories_prune(s, older_than, errstr) == -1)
		return -1;
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
		over = seconds >= 0 && elapsed_since(&t0) >= seconds;
	} while (n == STORE_PRUNE_BATCH && !over);
	if (total > 0 && stories_pruned(s, errstr) == -1)
		return -1;
	if (deleted != NULL)
		*deleted = total;
	/* a full last batch: maybe more (the next call finds out) */
	if (more != NULL)
		*more = n == STORE_PRUNE_BATCH;
	return 0;
}
