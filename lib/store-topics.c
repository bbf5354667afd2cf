/*
 * store-topics.c: topic matching in the SQLite store.  The rule engine
 * (rule.c) evaluates the rules with the search index's own FTS5 tokenizer
 * on each new article, in the transaction that stores it; the rules it
 * leaves to FTS5 (NEAR) run over a TEMP index of the batch's articles.
 * Also checking queries without a database.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "store-int.h"
#include "util.h"

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
 * A compiled topic, the store's side: its rules are topic i of the rule
 * set, with the same index.
 */
struct topic_rt {
	char		*name;
	int64_t		 id;		/* in topics */
	char		*match;
	char		*exclude;	/* NULL: none */
	int64_t		*feeds;
	size_t		 nfeeds;
	char		**plugins;
	size_t		 nplugins;
	uint32_t	 fstamp;	/* batch that has it in the fallback */
};

struct store_topics {
	struct store		*s;
	struct topic_rt		*t;
	size_t			 n;
	struct rule_set		*rules;
	struct story_breaking	*breaking;	/* the topics with a rule */
	size_t			 nbreaking;
	uint32_t		 bstamp;	/* the batch */
	struct tok		*tk;
	const uint32_t		*cand;		/* of the article scanned */
	size_t			 ncand;
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
	fts5_api	*fts = fts5_api_of(db);
	void		*ud = NULL;
	const char	*args[] = { "remove_diacritics", "2" };

	memset(t, 0, sizeof(*t));
	if (fts == NULL ||
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

/* The rule engine's tokenizer: FTS5's, which calls token() as it is. */
static void
tok_tokenize(void *arg, void *ctx, int flags, const char *text, int len,
    int (*token)(void *, int, const char *, int, int, int))
{
	struct tok	*t = arg;
	int		 f = 0;

	if (flags & RULE_TOKENIZE_QUERY)
		f |= FTS5_TOKENIZE_QUERY;
	if (flags & RULE_TOKENIZE_PREFIX)
		f |= FTS5_TOKENIZE_PREFIX;
	if (flags & RULE_TOKENIZE_DOCUMENT)
		f |= FTS5_TOKENIZE_DOCUMENT;
	t->api.xTokenize(t->tk, ctx, f, text, len, token);
}

/* Records the match of the scanned article with topic t. */
static int
topic_record(struct store_topics *ts, struct topic_rt *t, int64_t item_id,
    size_t *nmatches, char **errstr)
{
	unsigned char	*why;
	size_t		 nwhy;
	int		 created = 0, rc;

	/* offsets into the article's texts, written out when read */
	rule_explain_packed(ts->rules, (size_t)(t - ts->t), &why, &nwhy);
	ts->stats.matches++;
	rc = match_add(ts->s, item_id, t->name, t->id, NULL, NULL, NULL, why,
	    nwhy, (const char *const *)t->plugins, t->nplugins, NULL,
	    &created, errstr);
	free(why);
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
	free(t->match);
	free(t->exclude);
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
	free(ts->breaking);
	rule_set_free(ts->rules);
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
struct store_topics *
topics_compile(struct store *s, const struct store_topic *in, size_t n,
    char **errstr)
{
	struct store_topics	*ts;
	struct store_qcheck	*qc = NULL;
	struct rule_tokenizer	 rtk;
	char			*err = NULL;
	size_t			 i, j;

	ts = xcalloc(1, sizeof(*ts));
	ts->s = s;
	ts->tk = xcalloc(1, sizeof(*ts->tk));
	if (tok_open(s->db, ts->tk, errstr) == -1 ||
	    (qc = store_qcheck_new(errstr)) == NULL)
		goto fail;
	rtk.tokenize = tok_tokenize;
	rtk.arg = ts->tk;
	ts->rules = rule_set_new(&rtk);
	ts->t = xcalloc(n > 0 ? n : 1, sizeof(*ts->t));
	for (i = 0; i < n; i++) {
		struct topic_rt	*t = &ts->t[ts->n++];

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
		t->match = xstrdup(in[i].match);
		if (in[i].exclude != NULL && *in[i].exclude != '\0')
			t->exclude = xstrdup(in[i].exclude);
		rule_set_add(ts->rules, t->match, t->exclude);
		if (in[i].breaking_outlets > 0) {
			struct story_breaking	*b;

			ts->breaking = xrealloc(ts->breaking,
			    (ts->nbreaking + 1) * sizeof(*ts->breaking));
			b = &ts->breaking[ts->nbreaking++];
			b->topic = t->name;
			b->outlets = in[i].breaking_outlets;
			b->within = in[i].breaking_within;
			b->plugins = (const char *const *)t->plugins;
			b->nplugins = t->nplugins;
		}
	}
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
	/* each topic's number, written now: a match then names it at once */
	for (i = 0; i < ts->n; i++)
		if (topic_id(s, ts->t[i].name, &ts->t[i].id, errstr) == -1)
			goto fail;
	if (topics_prepare(ts, &ts->st_item, "SELECT title, summary, content,"
	    " author FROM main.items WHERE id = ?1", errstr) == -1)
		goto fail;
	for (i = 0; i < ts->n; i++)
		fts |= rule_fts(ts->rules, i);
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

/* The compiled rules, for store_topic_test(). */
struct rule_set *
topics_rules(struct store_topics *ts)
{
	return ts->rules;
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
	const char	*text[RULE_NCOLS];
	int		 len[RULE_NCOLS], c, rc;

	sqlite3_bind_int64(ts->st_item, 1, item_id);
	if ((rc = sqlite3_step(ts->st_item)) != SQLITE_ROW) {
		stmt_done(ts->st_item);
		if (rc == SQLITE_DONE)
			return 0;
		store_seterr(ts->s, errstr, "reading an article to match");
		return -1;
	}
	for (c = 0; c < RULE_NCOLS; c++) {
		text[c] = (const char *)sqlite3_column_text(ts->st_item, c);
		len[c] = sqlite3_column_bytes(ts->st_item, c);
	}
	/* the search index takes these tokens at the commit */
	tokens_keep(ts->s, 1);
	ts->ncand = rule_scan(ts->rules, text, len, &ts->cand);
	tokens_keep(ts->s, 0);
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
		st = t->exclude != NULL ? ts->st_fts_ex : ts->st_fts;
		sqlite3_bind_text(st, 1, t->match, -1, SQLITE_STATIC);
		if (t->exclude != NULL)
			sqlite3_bind_text(st, 2, t->exclude, -1,
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
	size_t	 i, k, nmatches = 0, nbroke;
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
			if (rule_fts(ts->rules, ts->cand[k])) {
				t->fstamp = ts->bstamp;
				fallback = 1;
				continue;
			}
			if (!rule_match(ts->rules, ts->cand[k]))
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
	/* the stories of the batch that reached a topic's breaking rule */
	if (stories_breaking(s, ts->breaking, ts->nbreaking, items, nitems,
	    &nbroke, errstr) == -1)
		goto done;
	ts->stats.breaking += nbroke;
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

	store_sqlite_init();
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
