/*
 * store-query.c: the CLI's reads of the SQLite store (herald feeds, digest,
 * search, topics, topics test): each one short read whose rows are copied
 * out, so the read transaction lasts as long as the query, not the printing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "store-int.h"
#include "util.h"

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
		v[n].item_count = sqlite3_column_int64(st, FEED_NCOLS);
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

void
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
		free(v[i].story_feeds);
		free(v[i].story_langs);
	}
	free(v);
}

/*
 * Steps a prepared entry query to the end and copies the rows out, so the
 * read transaction lasts as long as the query and not as long as the
 * caller's printing.  `extra` says which columns follow ENTRY_COLS:
 * ENTRY_SNIPPET snippet and rank, then ENTRY_STORY the story's.
 */
int
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
		if (extra & ENTRY_SNIPPET) {
			v[n].snippet = col_str(st, 12);
			v[n].rank = sqlite3_column_double(st, 13);
		}
		if (extra & ENTRY_STORY) {
			v[n].story_id = sqlite3_column_int64(st, 14);
			v[n].story_size = sqlite3_column_int64(st, 15);
			v[n].story_feeds = col_str(st, 16);
			v[n].story_langs = col_str(st, 17);
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

/*
 * What FTS5 says of a query it cannot read, for a person: what is wrong
 * and what to do (heap).  Its own words stay where they say enough.
 */
char *
store_query_error(const char *msg)
{
	const char	*hint = "quote a word that is an operator (\"NOT\"),"
			    " close quotes and parentheses; herald(1) under"
			    " herald search shows the syntax";

	if (strncmp(msg, "fts5: ", 6) == 0)
		msg += 6;
	if (strcmp(msg, "syntax error near \"\"") == 0)
		return xasprintf("syntax error at the end of the query: %s",
		    hint);
	if (strncmp(msg, "syntax error", 12) == 0 ||
	    strcmp(msg, "unterminated string") == 0)
		return xasprintf("%s: %s", msg, hint);
	if (strncmp(msg, "unknown special query", 21) == 0)
		return xstrdup("a query cannot begin with * (a prefix needs"
		    " letters before it: sanction*)");
	if (strncmp(msg, "no such column: ", 16) == 0)
		return xasprintf("no column \"%s\" (title, summary, content,"
		    " author)", msg + 16);
	return xstrdup(msg);
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
	 * `h` lets FTS5 sort by rank itself and stop at the limit, so
	 * snippet() runs only for the rows returned.  Item ids grow with
	 * first_seen, which turns `since` into a rowid bound FTS5 uses; the
	 * outer test keeps the answer exact.  `sc` reads each story's
	 * outlets and languages once, not once for each of its articles
	 * found: 7,300 results in stories of thousands (the bench corpus)
	 * read their links for each, 25 s over 50,252 articles.
	 */
	if (sqlite3_prepare_v2(s->db,
	    "WITH h AS MATERIALIZED (SELECT rowid AS id, rank,"
	    "   snippet(items_fts, -1, ?2, ?3, '…', 16) AS snip"
	    "   FROM items_fts WHERE items_fts MATCH ?1"
	    "   AND rowid >= (SELECT coalesce(min(id), 9223372036854775807)"
	    "     FROM items WHERE first_seen >= ?4)"
	    "   ORDER BY rank LIMIT ?5),"
	    " sc AS MATERIALIZED (SELECT u.sid AS sid,"
	    STORY_OUTLETS_OF("d.name", "u.sid") " AS outlets,"
	    STORY_LANGS_OF("u.sid") " AS langs"
	    "   FROM (SELECT DISTINCT sl.story_id AS sid FROM h"
	    "   JOIN story_links sl ON sl.item_id = h.id) u)"
	    "SELECT " ENTRY_COLS ", h.snip, h.rank,"
	    " sl.story_id, ss.size, sc.outlets, sc.langs"
	    " FROM h JOIN items i ON i.id = h.id" ENTRY_ORIGIN STORY_FROM
	    " LEFT JOIN sc ON sc.sid = sl.story_id"
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
	ret = entries_collect(s, st, ENTRY_SNIPPET | ENTRY_STORY, out, np,
	    "search", errstr);
	if (ret == -1) {
		rc = sqlite3_extended_errcode(s->db);
		/* FTS5 reports a bad query as a plain SQLITE_ERROR. */
		if (rc == SQLITE_ERROR && errstr != NULL) {
			char	*why = store_query_error(sqlite3_errmsg(s->db));

			free(*errstr);
			*errstr = xasprintf("invalid query: %s", why);
			free(why);
		}
	}
	sqlite3_finalize(st);
	return ret;
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
	if (sqlite3_prepare_v2(s->db, "SELECT t.name, c.day, c.week, c.n,"
	    " c.last FROM topics t JOIN (SELECT topic_id,"
	    " sum(created > ?1 - 86400) AS day,"
	    " sum(created > ?1 - 7 * 86400) AS week,"
	    " count(*) AS n, max(created) AS last"
	    " FROM matches GROUP BY topic_id) c ON c.topic_id = t.id"
	    " ORDER BY t.name", -1, &st, NULL) != SQLITE_OK) {
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
	if (sqlite3_prepare_v2(s->db, "SELECT " ENTRY_COLS ", "
	    MATCH_WHY("2", "snippet") ", " MATCH_WHY("0", "terms")
	    " FROM matches m JOIN items i ON i.id = m.item_id"
	    ENTRY_ORIGIN " WHERE m.topic_id = (SELECT id FROM topics"
	    " WHERE name = ?1) AND i.first_seen >= ?2"
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

/* Backtesting a topic over the search index. */

int
store_topic_test(struct store *s, const struct store_topic *t,
    int64_t since, size_t limit, struct store_entry **out, char ***termsp,
    char ***fieldsp, size_t *np, char **errstr)
{
	struct store_topics	*ts;
	struct rule_set		*rules;
	sqlite3_stmt		*st = NULL;
	struct store_entry	*v = NULL;
	struct buf		 sql;
	char			**terms = NULL, **fields = NULL;
	const char		*text[RULE_NCOLS], *field;
	static const int	 cols[RULE_NCOLS] = { 4, 6, 12, 7 };
	size_t			 n = 0, cap = 0, i;
	int			 len[RULE_NCOLS], rc, c, ret = -1;

	*out = NULL;
	*termsp = NULL;
	*fieldsp = NULL;
	*np = 0;
	if ((ts = topics_compile(s, t, 1, errstr)) == NULL)
		return -1;
	rules = topics_rules(ts);
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
		for (c = 0; c < RULE_NCOLS; c++) {
			text[c] = (const char *)sqlite3_column_text(st,
			    cols[c]);
			len[c] = sqlite3_column_bytes(st, cols[c]);
		}
		rule_scan(rules, text, len, NULL);
		rule_explain(rules, 0, &terms[n], &field, &v[n].snippet);
		fields[n] = field != NULL ? xstrdup(field) : NULL;
		n++;
	}
	if (rc != SQLITE_DONE) {
		rc = sqlite3_extended_errcode(s->db);
		if (rc == SQLITE_ERROR) {
			char	*why = store_query_error(sqlite3_errmsg(s->db));

			*errstr = xasprintf("topic %s: invalid query: %s",
			    t->name, why);
			free(why);
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
