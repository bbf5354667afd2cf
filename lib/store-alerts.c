/*
 * store-alerts.c: topic matches and the alert outbox in the SQLite store:
 * a match and its outbox rows in the article's transaction, what is due,
 * the outcome of each delivery attempt, and the outbox as herald alerts
 * lists it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "util.h"

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
	return match_add(s, item_id, topic, 0, terms, field, snippet, NULL,
	    0, plugins, nplugins, match_idp, createdp, errstr);
}

int
topic_id(struct store *s, const char *name, int64_t *id, char **errstr)
{
	sqlite3_stmt	*st;
	int		 own, rc, ret = -1;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	if ((st = stmt_get(s, ST_TOPIC_ADD, errstr)) == NULL)
		goto done;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (step_write(s, st, "recording a topic", errstr) == -1 ||
	    (st = stmt_get(s, ST_TOPIC_ID, errstr)) == NULL)
		goto done;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	stmt_done(st);
	if (rc != SQLITE_ROW) {
		store_seterr(s, errstr, "reading a topic");
		goto done;
	}
	ret = 0;
done:
	return txn_end(s, own, ret, errstr);
}

/*
 * store_match_add(), its topic by number (tid, when known: 0 otherwise),
 * its explanation either text or packed (why, nwhy).
 */
int
match_add(struct store *s, int64_t item_id, const char *topic, int64_t tid,
    const char *terms, const char *field, const char *snippet,
    const unsigned char *why, size_t nwhy, const char *const *plugins,
    size_t nplugins, int64_t *match_idp, int *createdp, char **errstr)
{
	sqlite3_stmt	*st;
	int64_t		 match_id = 0, now;
	size_t		 i;
	int		 own, rc, ret = -1, created = 0, alerts = 1;
	int		 topic_added = 0;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	now = store_now(s);
again:
	if ((st = stmt_get(s, tid > 0 ? ST_MATCH_INSERT_ID : ST_MATCH_INSERT,
	    errstr)) == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, item_id);
	if (tid > 0)
		sqlite3_bind_int64(st, 2, tid);
	else
		sqlite3_bind_text(st, 2, topic, -1, SQLITE_STATIC);
	bind_str(st, 3, terms);
	bind_str(st, 4, field);
	if (why != NULL)
		sqlite3_bind_blob(st, 5, why, (int)nwhy, SQLITE_STATIC);
	else
		bind_str(st, 5, snippet);
	sqlite3_bind_int64(st, 6, now);
	if (step_write(s, st, "recording a match", errstr) == -1)
		goto done;
	if (sqlite3_changes(s->db) > 0) {
		created = 1;
		match_id = sqlite3_last_insert_rowid(s->db);
	} else {
		if ((st = stmt_get(s, tid > 0 ? ST_MATCH_GET_ID :
		    ST_MATCH_GET, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, item_id);
		if (tid > 0)
			sqlite3_bind_int64(st, 2, tid);
		else
			sqlite3_bind_text(st, 2, topic, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			match_id = sqlite3_column_int64(st, 0);
		stmt_done(st);
		if (rc == SQLITE_DONE && tid == 0 && !topic_added) {
			/* the topic's first match: its number, then again */
			if ((st = stmt_get(s, ST_TOPIC_ADD, errstr)) == NULL)
				goto done;
			sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
			if (step_write(s, st, "recording a topic",
			    errstr) == -1)
				goto done;
			topic_added = 1;
			goto again;
		}
		if (rc != SQLITE_ROW) {
			store_seterr(s, errstr, "reading a match");
			goto done;
		}
	}
	/* one alert per (story, topic) unless alert-per = article */
	if (created && (alerts = stories_topic_alerts(s, item_id, topic,
	    match_id, errstr)) == -1)
		goto done;
	for (i = 0; created && alerts && i < nplugins; i++) {
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
	a->breaking = sqlite3_column_int(st, 22) != 0;
	a->story_id = sqlite3_column_int64(st, 23);
	a->story_size = sqlite3_column_int64(st, 24);
	a->story_feeds = col_str(st, 25);
	a->story_langs = col_str(st, 26);
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
		free(v[i].story_feeds);
		free(v[i].story_langs);
	}
	free(v);
}

char *
store_alert_key(const struct store_alert *a, char *buf)
{
	snprintf(buf, STORE_ALERT_KEY_LEN, "%lld%s", (long long)a->alert_id,
	    a->breaking ? "-breaking" : "");
	return buf;
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

int
store_items_new(struct store *s, int64_t since, int64_t after,
    struct store_entry **out, size_t *np, char **errstr)
{
	sqlite3_stmt	*st;
	int		 ret;

	*out = NULL;
	*np = 0;
	if ((st = stmt_get(s, ST_ITEMS_NEW, errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, after);
	ret = entries_collect(s, st, 0, out, np, "reading new articles",
	    errstr);
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
store_alert_attempt(struct store *s, int64_t id, char **errstr)
{
	sqlite3_stmt	*st;
	int		 own, ret = -1;

	if (txn_auto(s, &own, errstr) == -1)
		return -1;
	if ((st = stmt_get(s, ST_ALERT_ATTEMPT, errstr)) != NULL) {
		sqlite3_bind_int64(st, 1, id);
		ret = step_write(s, st, "counting an alert's attempt", errstr);
	}
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
	    " AND (?3 IS NULL OR tp.name = ?3)"
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
	return store_outbox_counts_topic(s, NULL, out, np, errstr);
}

int
store_outbox_counts_topic(struct store *s, const char *topic,
    struct store_outbox_count **out, size_t *np, char **errstr)
{
	sqlite3_stmt			*st = NULL;
	struct store_outbox_count	*v = NULL;
	size_t				 n = 0, cap = 0;
	int				 rc;

	*out = NULL;
	*np = 0;
	/* the daemon's count (no topic) reads the outbox alone */
	if (sqlite3_prepare_v2(s->db, topic == NULL ? "SELECT plugin,"
	    " sum(state = 'pending'), sum(state = 'sent'), sum(state = 'dead'),"
	    " min(CASE WHEN state = 'pending' THEN next_attempt END)"
	    " FROM outbox GROUP BY plugin ORDER BY plugin" : "SELECT b.plugin,"
	    " sum(b.state = 'pending'), sum(b.state = 'sent'),"
	    " sum(b.state = 'dead'),"
	    " min(CASE WHEN b.state = 'pending' THEN b.next_attempt END)"
	    " FROM outbox b JOIN matches m ON m.id = b.match_id"
	    " JOIN topics t ON t.id = m.topic_id WHERE t.name = ?1"
	    " GROUP BY b.plugin ORDER BY b.plugin", -1, &st,
	    NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "counting alerts");
		return -1;
	}
	if (topic != NULL)
		sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
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

/*
 * store_meta's row for one plugin's orphans, "orphans_said PLUGIN": each
 * plugin its own, so that a plugin removed the day another was named is
 * named too (review9 F2).
 */
static char *
orphans_key(const char *plugin)
{
	return xasprintf("orphans_said %s", plugin);
}

int
store_orphans_said(struct store *s, const char *plugin, int64_t *when,
    char **errstr)
{
	sqlite3_stmt	*st;
	char		*key = orphans_key(plugin);
	int		 rc;

	*when = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM store_meta"
	    " WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
		rc = SQLITE_ERROR;
	else {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL)
			*when = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	free(key);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading store_meta");
		return -1;
	}
	return 0;
}

int
store_orphans_said_set(struct store *s, const char *plugin, int64_t when,
    char **errstr)
{
	sqlite3_stmt	*st;
	char		*key = orphans_key(plugin);
	int		 rc = SQLITE_ERROR;

	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO store_meta"
	    " VALUES (?1, ?2)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, when);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	free(key);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "writing store_meta");
		return -1;
	}
	return 0;
}
