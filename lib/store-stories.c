/*
 * store-stories.c: the stories of the SQLite store (issue 9).  Each new
 * article gets its story in the transaction that stores it: lib/story.c
 * decides, this file keeps what was decided (story_links: each article's
 * story and why; story_docs: the window's packed keys; stories: first and
 * last seen, size, lead) and the index of the window's keys in memory
 * with the newest docs (story-index.c), made again from the tables when
 * the database changed under it.  Also the reads for herald stories and
 * the per-story alert bookkeeping (story_topics).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "story.h"
#include "util.h"

#define STORIES_EXPIRE_EVERY	256	/* assignments between expiry passes */
#define STORIES_EXPIRE_BATCH	256	/* articles taken out of the index */
/*
 * The newest arrivals stay in the index however old their time: the
 * articles of one fetch round that tell an old story (a feed's history,
 * the first fetch of a new feed) meet each other whatever order their
 * feeds came in.  Expiry by time alone took a feed's articles out before
 * the next feeds' came (../shared/feeds/real's Fort Lauderdale shooting:
 * ten stories over the 59 feeds, one over its four outlets alone).
 */
#define STORIES_EXPIRE_KEEP	4096

enum sst_id {
	SST_LOAD,
	SST_LINK,
	SST_DOC,
	SST_STORY_NEW,
	SST_STORY_JOIN,
	SST_STORY_SIZE,
	SST_EXPIRE_LIST,
	SST_EXPIRE_MARK,
	SST_EXPIRE_DOC,
	SST_ITEM_STORY,
	SST_ITEM_TOPIC,
	SST_TOPIC_SEEN,
	SST_MERGE_ITEMS,
	SST_MERGE_LINKS,
	SST_MERGE_TOPICS,
	SST_MERGE_TOPIC,
	SST_MERGE_FROM,
	SST_MERGE_STORY,
	SST_MERGE_DROP,
	SST_MERGE_DROP_TOPICS,
	SST_BREAK_PAIR,
	SST_BREAK_LINKS,
	SST_BREAK_MARK,
	SST_BREAK_OUTBOX,
	SST_INDEXED,
	SST_DATA_VERSION,
	SST_LEAD,
	SST_NEWEST,
	SST__COUNT
};

static const char *const sst_sql[SST__COUNT] = {
	[SST_LOAD] =
	    "SELECT d.doc, l.story_id, s.first_seen, l.feed_id"
	    " FROM story_links l JOIN stories s ON s.id = l.story_id"
	    " JOIN story_docs d ON d.item_id = l.item_id"
	    " WHERE l.item_id = ?1",
	/*
	 * matched and score (schema 4) are no longer written: nothing read
	 * them, and they were 9 bytes of every joined article's row
	 */
	[SST_LINK] =
	    "INSERT INTO story_links (item_id, story_id, at, lang, feed_id,"
	    " why) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[SST_DOC] =
	    "INSERT INTO story_docs (item_id, doc) VALUES (?1, ?2)",
	/* the title is the lead's (NULL: migration 17) */
	[SST_STORY_NEW] =
	    "INSERT INTO stories (first_seen, last_seen, size, lead_item)"
	    " VALUES (?1, ?1, 1, ?2)",
	[SST_STORY_JOIN] =
	    "UPDATE stories SET size = size + 1,"
	    " first_seen = min(first_seen, ?2), last_seen = max(last_seen, ?2)"
	    " WHERE id = ?1",
	[SST_STORY_SIZE] =
	    "SELECT size FROM stories WHERE id = ?1",
	/*
	 * Expiry: the articles still indexed before time ?1 that arrived
	 * before article ?3, less the rectangle that an earlier pass left
	 * empty (none before time ?5 and article ?4: struct store_stories'
	 * exp_at and exp_id).  Read as the new arrivals' rows by id and the
	 * rows by time that the window's move uncovered, not the whole
	 * range by time: on a fresh ingest of old articles that range holds
	 * the 4,096 newest arrivals (STORIES_EXPIRE_KEEP), read again at
	 * each pass.  Nothing empty known: ?4 = ?3, ?5 = INT64_MIN.
	 */
#define EXPIRE_ROWS(cols) \
	"SELECT " cols " FROM story_links WHERE item_id >= ?4" \
	" AND item_id < ?3 AND +indexed = 1 AND +at < ?1" \
	" UNION ALL SELECT " cols " FROM story_links WHERE indexed = 1" \
	" AND at >= ?5 AND at < ?1 AND item_id < min(?3, ?4)"
	[SST_EXPIRE_LIST] =
	    EXPIRE_ROWS("item_id, at") " ORDER BY 2 LIMIT ?2",
	/* out of the window: the docs are never read again, they go */
	[SST_EXPIRE_DOC] =
	    "DELETE FROM story_docs WHERE item_id IN ("
	    EXPIRE_ROWS("item_id") ") RETURNING item_id, doc",
	[SST_EXPIRE_MARK] =
	    "UPDATE story_links SET indexed = 0 WHERE item_id IN ("
	    EXPIRE_ROWS("item_id") ")",
	[SST_ITEM_STORY] =
	    "SELECT story_id FROM story_links WHERE item_id = ?1",
	/*
	 * An article's story and whether its pair with topic ?2 is stored:
	 * most matches are of a pair already stored (10,235 of the 100 bench
	 * feeds' 14,203), which then need no INSERT OR IGNORE.
	 */
	[SST_ITEM_TOPIC] =
	    "SELECT l.story_id, EXISTS (SELECT 1 FROM story_topics t"
	    " WHERE t.story_id = l.story_id AND t.topic = ?2)"
	    " FROM story_links l WHERE l.item_id = ?1",
	[SST_TOPIC_SEEN] =
	    "INSERT OR IGNORE INTO story_topics (story_id, topic, match_id,"
	    " created) VALUES (?1, ?2, ?3, ?4)",
	/* a story ?2 merged into ?1 */
	[SST_MERGE_ITEMS] =
	    "SELECT item_id FROM story_links"
	    " WHERE story_id = ?1 AND indexed = 1",
	[SST_MERGE_LINKS] =
	    "UPDATE story_links SET story_id = ?1 WHERE story_id = ?2",
	/*
	 * Its (story, topic) pairs, read and then written one by one: an
	 * INSERT ... SELECT of a table into itself gathers the rows in a
	 * temporary table first, which cost more than the one or two rows
	 * a merge moves.
	 */
	[SST_MERGE_TOPICS] =
	    "SELECT topic, match_id, created, breaking FROM story_topics"
	    " WHERE story_id = ?1",
	/* a pair that broke in either story has broken in the merged one */
	[SST_MERGE_TOPIC] =
	    "INSERT INTO story_topics (story_id, topic, match_id,"
	    " created, breaking) VALUES (?1, ?2, ?3, ?4, ?5)"
	    " ON CONFLICT (story_id, topic) DO UPDATE SET"
	    " breaking = max(breaking, excluded.breaking),"
	    /* the pair's first alert is the earlier of the two (its key) */
	    " match_id = CASE WHEN excluded.created < created"
	    "  OR (excluded.created = created AND excluded.match_id < match_id)"
	    "  THEN excluded.match_id ELSE match_id END,"
	    " created = min(created, excluded.created)",
	/*
	 * The story merged, read once: eight subqueries of the UPDATE read
	 * its row each (20,000 instructions a merge on the bench corpus)
	 */
	[SST_MERGE_FROM] =
	    "SELECT size, first_seen, last_seen, lead_item, title"
	    " FROM stories WHERE id = ?1",
	/*
	 * ... into stories' row ?1 (size ?2, first and last seen ?3 and
	 * ?4); the lead and its title (NULL: the lead's) go together, the
	 * merged one's (?5, ?6) if it began earlier.  first_seen in a SET
	 * is the row's before the UPDATE.
	 */
	[SST_MERGE_STORY] =
	    "UPDATE stories SET size = size + ?2,"
	    " first_seen = min(first_seen, ?3),"
	    " last_seen = max(last_seen, ?4),"
	    " lead_item = CASE WHEN ?3 < first_seen THEN ?5"
	    "  ELSE lead_item END,"
	    " title = CASE WHEN ?3 < first_seen THEN ?6 ELSE title END"
	    " WHERE id = ?1",
	[SST_MERGE_DROP] =
	    "DELETE FROM stories WHERE id = ?2",
	/* its pairs, once moved (a cascade before migration 23) */
	[SST_MERGE_DROP_TOPICS] =
	    "DELETE FROM story_topics WHERE story_id = ?1",
	/* the pair's first match, or its first still stored */
	[SST_BREAK_PAIR] =
	    "SELECT coalesce((SELECT m.id FROM matches m"
	    "  WHERE m.id = t.match_id), (SELECT m.id FROM story_links l"
	    "  JOIN matches m ON m.item_id = l.item_id"
	    "  WHERE l.story_id = t.story_id AND m.topic_id ="
	    "  (SELECT id FROM topics WHERE name = t.topic)"
	    "  ORDER BY m.id LIMIT 1))"
	    " FROM story_topics t"
	    " WHERE t.story_id = ?1 AND t.topic = ?2 AND t.breaking = 0",
	[SST_BREAK_LINKS] =
	    "SELECT feed_id, at FROM story_links"
	    " WHERE story_id = ?1 AND feed_id IS NOT NULL ORDER BY at",
	[SST_BREAK_MARK] =
	    "UPDATE story_topics SET breaking = ?3"
	    " WHERE story_id = ?1 AND topic = ?2",
	[SST_BREAK_OUTBOX] =
	    "INSERT OR IGNORE INTO outbox (match_id, plugin, next_attempt,"
	    " created, breaking) VALUES (?1, ?2, ?3, ?3, 1)",
	/* what the index in memory is made of */
	[SST_INDEXED] =
	    "SELECT l.item_id, l.story_id, l.at, d.doc, s.first_seen"
	    " FROM story_links l JOIN story_docs d ON d.item_id = l.item_id"
	    " JOIN stories s ON s.id = l.story_id WHERE l.indexed = 1",
	/* changes when another connection commits */
	[SST_DATA_VERSION] = "PRAGMA data_version",
	/* a story's first article in one language (story_links_story) */
	[SST_LEAD] =
	    "SELECT item_id, at FROM story_links"
	    " WHERE story_id = ?1 AND lang = ?2 ORDER BY at, item_id LIMIT 1",
	/* the last article given a story */
	[SST_NEWEST] =
	    "SELECT coalesce(max(item_id), 0) FROM story_links",
};

/* A feed's guessed language, so that one guess serves its next articles. */
#define STORIES_LANG_FEEDS	1024	/* feeds remembered */
#define STORIES_LANG_VOTES	3	/* agreeing guesses before trusting */

struct feed_lang {
	int64_t	 feed;
	char	 lang[4];
	int	 votes;
};

/*
 * A story's first article in one language, as SST_LEAD reads it: kept,
 * since on a story of thousands that read walks its rows to the language
 * (a tenth of the assignment on the live corpus).  Direct-mapped by
 * (story, language); kept in step with story_links by every join and
 * merge, emptied with the index and before a prune.
 */
#define STORIES_LEADS		2048
#define STORIES_LEAD_LANGS	32	/* languages a merge looks for */

struct story_lead {
	int64_t	 story;			/* 0: empty */
	int64_t	 item;			/* 0: the story has none in lang */
	int64_t	 at;
	char	 lang[4];
};

/*
 * The languages of a story's articles, as a set of lead_langs' indexes,
 * for a story made since the cache was last emptied: such a story known
 * here without a language has no first article in it, which SST_LEAD
 * learnt by walking all its rows (278 of the 309 reads left over the
 * first 100 bench feeds, 45,000 instructions each).  Direct-mapped; in
 * step with every new story, join and merge (a story whose language has
 * no index, or which merged with one not known, is not kept), emptied
 * with the leads.
 */
#define STORIES_LANGSETS	2048

struct story_langs {
	int64_t	 story;			/* 0: empty */
	uint32_t set;			/* bit i: lead_langs[i] */
};

/*
 * The (story, topic) pairs known to be in story_topics, so that a match
 * of one (most are: 10,235 of the 100 bench feeds' 14,203) is answered
 * without SQL when the index in memory holds the article's story.
 * Direct-mapped.  A pair stays stored while its story does: a merge
 * forgets the story merged (its id goes, and may come again), a prune,
 * a rollback and the index made again forget them all.
 */
#define STORIES_PAIRS		512

struct pair_seen {
	int64_t	 story;			/* 0: empty */
	char	*topic;
};

struct store_stories {
	struct story_ctx	*ctx;
	struct feed_lang	 langs[STORIES_LANG_FEEDS];
	struct story_lead	 leads[STORIES_LEADS];
	char			 lead_langs[STORIES_LEAD_LANGS][4];
	struct story_langs	 langsets[STORIES_LANGSETS];
	struct pair_seen	 pairs[STORIES_PAIRS];
	size_t			 nlead_langs;
	struct story_params	 params;
	struct story_window	 win;
	int			 per_story;	/* alert once per (story, topic) */
	sqlite3_stmt		*st[SST__COUNT];
	unsigned		 since_expire;
	/*
	 * No article indexed before exp_at arrived before exp_id (when
	 * exp_ok): what the last expiry pass left, so that the next reads
	 * only around it (EXPIRE_ROWS).  Cleared with the index made again
	 * (a rollback, another connection's commit, a prune that deleted)
	 * and by a link below exp_id (an id used again).
	 */
	int64_t			 exp_at;
	int64_t			 exp_id;
	int			 exp_ok;
	/*
	 * The window's keys (story-index.c).  mem_ok is cleared by a
	 * rollback (the hook below) and the index made again from
	 * story_links before its next use, as it is when another
	 * connection committed (data_version moved).
	 */
	struct story_mem	*mem;
	int			 mem_ok;
	int64_t			 data_version;
	/*
	 * data_version was read in the write transaction still open: no
	 * other connection commits before it ends (the commit and rollback
	 * hooks clear it), so a match's pair is answered without reading
	 * it again (stories_topic_alerts()).
	 */
	int			 dv_txn;
	unsigned char		*loadbuf;	/* a doc read by ix_load */
	size_t			 loadcap;
};

static struct store_stories *
stories_of(struct store *s)
{
	if (s->stories == NULL) {
		s->stories = xcalloc(1, sizeof(*s->stories));
		s->stories->ctx = story_ctx_new();
		story_params_default(&s->stories->params);
		s->stories->win.window = STORY_WINDOW_DEFAULT;
		s->stories->win.open = STORY_OPEN_DEFAULT;
		s->stories->per_story = 1;
	}
	return s->stories;
}

static sqlite3_stmt *
sst_get(struct store *s, enum sst_id id, char **errstr)
{
	return stmt_cached(s, &stories_of(s)->st[id], sst_sql[id], errstr);
}

void
stories_close(struct store *s)
{
	int	 i;

	if (s->stories == NULL)
		return;
	if (s->stories->mem != NULL) {
		sqlite3_rollback_hook(s->db, NULL, NULL);
		sqlite3_commit_hook(s->db, NULL, NULL);
	}
	for (i = 0; i < SST__COUNT; i++)
		sqlite3_finalize(s->stories->st[i]);
	story_mem_free(s->stories->mem);
	for (i = 0; i < STORIES_PAIRS; i++)
		free(s->stories->pairs[i].topic);
	free(s->stories->loadbuf);
	story_ctx_free(s->stories->ctx);
	free(s->stories);
	s->stories = NULL;
}

void
store_stories_configure(struct store *s, const struct store_story_conf *c)
{
	struct store_stories	*ss = stories_of(s);

	if (c->window > 0)
		ss->win.window = c->window;
	if (c->open > 0)
		ss->win.open = c->open;
	ss->per_story = c->alert_per != STORE_ALERT_PER_ARTICLE;
}

/* ---- the index, as story_assign() reaches it ---- */

struct ixarg {
	struct store	*s;
	char		**errstr;
};

static int
ix_postings(void *arg, uint64_t key, int64_t from, int64_t to,
    struct story_posting *out, size_t max)
{
	struct ixarg	*a = arg;

	return (int)story_mem_postings(a->s->stories->mem, key, from, to, out,
	    max);
}

static int
ix_load(void *arg, int64_t item, const void **doc, size_t *len,
    const struct story_sum **sum, int64_t *story, int64_t *first,
    int64_t *feed)
{
	struct ixarg		*a = arg;
	struct store_stories	*ss = a->s->stories;
	sqlite3_stmt		*st;
	int			 rc, ret;

	/* the newest docs are in memory with what the row joins */
	if ((*doc = story_mem_doc(ss->mem, item, len, story, first, feed)) !=
	    NULL) {
		*sum = story_mem_doc_sum(ss->mem, item);
		return 1;
	}
	*sum = NULL;
	if ((st = sst_get(a->s, SST_LOAD, a->errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, item);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*story = sqlite3_column_int64(st, 1);
		*first = sqlite3_column_int64(st, 2);
		*feed = sqlite3_column_int64(st, 3);
		*len = (size_t)sqlite3_column_bytes(st, 0);
		story_mem_story_first_is(ss->mem, *story, *first);
		story_mem_keep_doc(ss->mem, item, *feed,
		    sqlite3_column_blob(st, 0), *len);
		/* the row's bytes last until the statement's reset */
		if (*len > ss->loadcap) {
			ss->loadbuf = xrealloc(ss->loadbuf, *len);
			ss->loadcap = *len;
		}
		if (*len > 0)
			memcpy(ss->loadbuf, sqlite3_column_blob(st, 0), *len);
		*doc = ss->loadbuf;
		ret = 1;
	} else
		ret = 0;
	stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_seterr(a->s, a->errstr, "reading a story's article");
		return -1;
	}
	return ret;
}

static struct story_lead *
lead_slot(struct store_stories *ss, int64_t story, const char *lang)
{
	uint64_t	 h = (uint64_t)story * 0x9e3779b97f4a7c15ULL;
	size_t		 i;

	for (i = 0; lang[i] != '\0' && i < 3; i++)
		h = (h ^ (unsigned char)lang[i]) * 0x100000001b3ULL;
	return &ss->leads[(h >> 32) % STORIES_LEADS];
}

static int
lead_is(const struct story_lead *l, int64_t story, const char *lang)
{
	return l->story == story && strcmp(l->lang, lang) == 0;
}

/* lang's index in lead_langs, added if add and there is room; or -1 */
static int
lead_lang_index(struct store_stories *ss, const char *lang, int add)
{
	size_t	 i;

	for (i = 0; i < ss->nlead_langs &&
	    strcmp(ss->lead_langs[i], lang) != 0; i++)
		;
	if (i == ss->nlead_langs) {
		if (!add || i == STORIES_LEAD_LANGS)
			return -1;
		snprintf(ss->lead_langs[ss->nlead_langs++], 4, "%s", lang);
	}
	return (int)i;
}

/* Remembers that the story's first article in lang is item, at `at`. */
static void
lead_keep(struct store_stories *ss, int64_t story, const char *lang,
    int64_t item, int64_t at)
{
	struct story_lead	*l = lead_slot(ss, story, lang);

	if (lead_lang_index(ss, lang, 1) == -1)
		return;	/* a merge could not find it */
	l->story = story;
	l->item = item;
	l->at = at;
	snprintf(l->lang, sizeof(l->lang), "%s", lang);
}

/* An article of lang at `at` joined the story: is it the first now? */
static void
lead_joined(struct store_stories *ss, int64_t story, const char *lang,
    int64_t item, int64_t at)
{
	struct story_lead	*l = lead_slot(ss, story, lang);

	if (lead_is(l, story, lang) && (at < l->at ||
	    (at == l->at && item < l->item)))
		l->item = item, l->at = at;
}

/* Stories merged: what either kept may be wrong now. */
static void
lead_forget(struct store_stories *ss, int64_t story)
{
	struct story_lead	*l;
	size_t			 i;

	for (i = 0; i < ss->nlead_langs; i++) {
		l = lead_slot(ss, story, ss->lead_langs[i]);
		if (l->story == story)
			l->story = 0;
	}
}

/*
 * Story from merged into into: its links are both stories' now, so its
 * first article in a language is the earlier of their two, where both
 * are known (an article, or none); the rest is forgotten.  A merge into
 * a large story forgot what a read of its rows found.
 */
static void
lead_merge(struct store_stories *ss, int64_t into, int64_t from)
{
	struct story_lead	*a, *b, m[STORIES_LEAD_LANGS];
	size_t			 i, n = ss->nlead_langs;

	for (i = 0; i < n; i++) {
		m[i].story = 0;
		a = lead_slot(ss, into, ss->lead_langs[i]);
		b = lead_slot(ss, from, ss->lead_langs[i]);
		if (!lead_is(a, into, ss->lead_langs[i]) ||
		    !lead_is(b, from, ss->lead_langs[i]))
			continue;
		m[i] = b->at < a->at || (b->at == a->at && b->item < a->item) ?
		    *b : *a;
		m[i].story = into;
	}
	lead_forget(ss, into);
	lead_forget(ss, from);
	for (i = 0; i < n; i++)
		if (m[i].story != 0)
			*lead_slot(ss, into, ss->lead_langs[i]) = m[i];
}

static struct story_langs *
langs_slot(struct store_stories *ss, int64_t story)
{
	return &ss->langsets[((uint64_t)story * 0x9e3779b97f4a7c15ULL >> 32) %
	    STORIES_LANGSETS];
}

/*
 * An article of lang joined the story (new: it began it); an article
 * without a language adds none
 */
static void
langs_add(struct store_stories *ss, int64_t story, const char *lang, int new)
{
	struct story_langs	*l = langs_slot(ss, story);
	int			 i = 0;

	if (!new && l->story != story)
		return;
	if (lang[0] != '\0' && (i = lead_lang_index(ss, lang, 1)) == -1) {
		if (l->story == story)
			l->story = 0;
		return;
	}
	if (new) {
		l->story = story;
		l->set = 0;
	}
	if (lang[0] != '\0')
		l->set |= 1u << i;
}

/* from merged into into: both stories' languages, where both are known */
static void
langs_merge(struct store_stories *ss, int64_t into, int64_t from)
{
	struct story_langs	*x = langs_slot(ss, into);
	struct story_langs	*y = langs_slot(ss, from);
	uint32_t		 set;

	if (x->story == into && y->story == from) {
		set = x->set | y->set;
		y->story = 0;
		x->set = set;
		return;
	}
	if (x->story == into)
		x->story = 0;
	if (y->story == from)
		y->story = 0;
}

/* Whether the story is known to have no article in lang. */
static int
langs_none(struct store_stories *ss, int64_t story, const char *lang)
{
	struct story_langs	*l = langs_slot(ss, story);
	int			 i;

	if (l->story != story)
		return 0;
	/* a language without an index is none of a story kept here */
	i = lead_lang_index(ss, lang, 0);
	return i == -1 || !(l->set & 1u << i);
}

static void
leads_clear(struct store_stories *ss)
{
	memset(ss->leads, 0, sizeof(ss->leads));
	memset(ss->langsets, 0, sizeof(ss->langsets));
}

static struct pair_seen *
pair_slot(struct store_stories *ss, int64_t story, const char *topic)
{
	uint64_t	 h = (uint64_t)story * 0x9e3779b97f4a7c15ULL;

	for (; *topic != '\0'; topic++)
		h = (h ^ (unsigned char)*topic) * 0x100000001b3ULL;
	return &ss->pairs[(h >> 32) % STORIES_PAIRS];
}

static int
pair_known(struct store_stories *ss, int64_t story, const char *topic)
{
	struct pair_seen	*p = pair_slot(ss, story, topic);

	return p->story == story && strcmp(p->topic, topic) == 0;
}

static void
pair_keep(struct store_stories *ss, int64_t story, const char *topic)
{
	struct pair_seen	*p = pair_slot(ss, story, topic);

	if (p->topic == NULL || strcmp(p->topic, topic) != 0) {
		free(p->topic);
		p->topic = xstrdup(topic);
	}
	p->story = story;
}

/* story 0: all of them */
static void
pairs_forget(struct store_stories *ss, int64_t story)
{
	size_t	 i;

	if (story == 0) {
		for (i = 0; i < STORIES_PAIRS; i++)
			ss->pairs[i].story = 0;
		return;
	}
	for (i = 0; i < STORIES_PAIRS; i++)
		if (ss->pairs[i].story == story)
			ss->pairs[i].story = 0;
}

static int
ix_lead(void *arg, int64_t story, const char *lang, int64_t *item)
{
	struct ixarg		*a = arg;
	struct store_stories	*ss = a->s->stories;
	struct story_lead	*l = lead_slot(ss, story, lang);
	sqlite3_stmt		*st;
	int			 rc;

	if (lead_is(l, story, lang)) {
		*item = l->item;
		return l->item != 0;	/* 0: the story has none in lang */
	}
	if (langs_none(ss, story, lang)) {
		/* kept as the read's none would be: a join in lang fills it */
		lead_keep(ss, story, lang, 0, INT64_MAX);
		return 0;
	}
	if ((st = sst_get(a->s, SST_LEAD, a->errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, story);
	bind_str(st, 2, lang);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*item = sqlite3_column_int64(st, 0);
		lead_keep(ss, story, lang, *item, sqlite3_column_int64(st, 1));
	} else if (rc == SQLITE_DONE)
		/*
		 * None in lang, kept too: the read walks all the story's rows,
		 * and an article of another language meets the story again
		 * and again.  The first to join in lang takes the slot.
		 */
		lead_keep(ss, story, lang, 0, INT64_MAX);
	stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_seterr(a->s, a->errstr, "reading a story's first article");
		return -1;
	}
	return rc == SQLITE_ROW;
}

/* A rollback takes back what the index learnt in the transaction. */
static void
stories_rolled_back(void *arg)
{
	struct store_stories	*ss = arg;

	ss->mem_ok = 0;
	ss->exp_ok = 0;
	ss->dv_txn = 0;
	pairs_forget(ss, 0);
}

/* Another connection may commit once this transaction is over. */
static int
stories_committed(void *arg)
{
	struct store_stories	*ss = arg;

	ss->dv_txn = 0;
	return 0;
}

/*
 * The index in memory, made again from story_links (the articles still
 * indexed, their packed docs) when it is new, a transaction rolled back,
 * or another connection committed since it was last used.
 */
static int
stories_index_ready(struct store *s, char **errstr)
{
	struct store_stories	*ss = stories_of(s);
	sqlite3_stmt		*st;
	uint64_t		 keys[STORY_INDEX_KEYS];
	int64_t			 version = 0;
	int			 rc, nk;

	/* checked in this write transaction: no other commit since */
	if (ss->mem != NULL && ss->mem_ok && ss->dv_txn)
		return 0;
	if ((st = sst_get(s, SST_DATA_VERSION, errstr)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		version = sqlite3_column_int64(st, 0);
	stmt_done(st);
	if (rc != SQLITE_ROW) {
		store_seterr(s, errstr, "reading the data version");
		return -1;
	}
	if (ss->mem != NULL && ss->mem_ok && version == ss->data_version) {
		ss->dv_txn = sqlite3_txn_state(s->db, NULL) == SQLITE_TXN_WRITE;
		return 0;
	}
	ss->dv_txn = 0;
	if (ss->mem == NULL) {
		ss->mem = story_mem_new();
		sqlite3_rollback_hook(s->db, stories_rolled_back, ss);
		sqlite3_commit_hook(s->db, stories_committed, ss);
	} else
		story_mem_clear(ss->mem);
	leads_clear(ss);
	ss->exp_ok = 0;
	pairs_forget(ss, 0);
	if ((st = sst_get(s, SST_INDEXED, errstr)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((nk = story_doc_index_keys_packed(sqlite3_column_blob(st,
		    3), (size_t)sqlite3_column_bytes(st, 3), keys,
		    STORY_INDEX_KEYS)) <= 0)
			continue;
		story_mem_add(ss->mem, sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
		    keys, (size_t)nk);
		story_mem_story_first_is(ss->mem, sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 4));
	}
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading the story index");
		story_mem_clear(ss->mem);
		return -1;
	}
	ss->mem_ok = 1;
	ss->data_version = version;
	ss->dv_txn = sqlite3_txn_state(s->db, NULL) == SQLITE_TXN_WRITE;
	return 0;
}

size_t
store_stories_indexed(struct store *s)
{
	struct store_stories	*ss = stories_of(s);

	return ss->mem != NULL && ss->mem_ok ? story_mem_count(ss->mem) : 0;
}

/* ---- assignment ---- */

/*
 * Binds an expiry statement's bounds (EXPIRE_ROWS): time ?1, article ?3
 * and the rectangle known empty.
 */
static void
expire_bind(struct store_stories *ss, sqlite3_stmt *st, int64_t before,
    int64_t newer)
{
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int64(st, 3, newer);
	sqlite3_bind_int64(st, 4, ss->exp_ok ? ss->exp_id : newer);
	sqlite3_bind_int64(st, 5, ss->exp_ok ? ss->exp_at : INT64_MIN);
}

/*
 * Takes the oldest articles out of the index (the window passed), but
 * not the ones from article `newer` on (STORIES_EXPIRE_KEEP): their
 * keys out of memory, their docs out of story_docs.
 */
static int
stories_expire(struct store *s, int64_t before, int64_t newer,
    char **errstr)
{
	struct store_stories	*ss = stories_of(s);
	sqlite3_stmt		*st;
	uint64_t		 keys[STORY_INDEX_KEYS];
	int64_t			 last = 0, cut;
	size_t			 n = 0;
	int			 rc, nk;

	/* this pass: the oldest STORIES_EXPIRE_BATCH, and any of the last's time */
	if ((st = sst_get(s, SST_EXPIRE_LIST, errstr)) == NULL)
		return -1;
	expire_bind(ss, st, before, newer);
	sqlite3_bind_int(st, 2, STORIES_EXPIRE_BATCH);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 1);
		n++;
	}
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "listing old story keys");
		return -1;
	}
	cut = n < STORIES_EXPIRE_BATCH ? before : last + 1;
	if (n > 0) {
		if ((st = sst_get(s, SST_EXPIRE_DOC, errstr)) == NULL)
			return -1;
		expire_bind(ss, st, cut, newer);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			/* an index not made yet (or to be made again): the marks */
			if (ss->mem == NULL || !ss->mem_ok || (nk =
			    story_doc_index_keys_packed(sqlite3_column_blob(st,
			    1), (size_t)sqlite3_column_bytes(st, 1), keys,
			    STORY_INDEX_KEYS)) == -1)
				continue;
			story_mem_remove(ss->mem, sqlite3_column_int64(st, 0),
			    keys, (size_t)nk);
		}
		stmt_done(st);
		if (rc != SQLITE_DONE) {
			store_seterr(s, errstr, "expiring story docs");
			return -1;
		}
		if ((st = sst_get(s, SST_EXPIRE_MARK, errstr)) == NULL)
			return -1;
		expire_bind(ss, st, cut, newer);
		if (step_write(s, st, "expiring story keys", errstr) == -1)
			return -1;
	}
	/*
	 * Nothing indexed is left before cut that arrived before newer: kept
	 * where the rollback hook (set with the index) would clear it.
	 */
	ss->exp_ok = ss->mem != NULL;
	ss->exp_at = cut;
	ss->exp_id = newer;
	return 0;
}

/*
 * A new article joined story `into` and bridges story `from` too (it joins
 * an article of each): `from` becomes `into`.  Its articles (and their
 * story in the index), the (story, topic) pairs that alerted, and its
 * times and size.
 */
static int
stories_merge(struct store *s, int64_t into, int64_t from, char **errstr)
{
	static const enum sst_id steps[] = { SST_MERGE_LINKS, SST_MERGE_DROP };
	struct story_mem	*mem = stories_of(s)->mem;
	struct mtopic {
		char	*topic;
		int64_t	 match, created, breaking;
		int	 has_match;
	}			*tv = NULL;
	sqlite3_stmt		*st;
	size_t			 nt = 0, i;
	int			 rc, ret = -1;

	story_mem_merge(mem, into, from);
	lead_merge(stories_of(s), into, from);
	langs_merge(stories_of(s), into, from);
	pairs_forget(stories_of(s), from);
	if ((st = sst_get(s, SST_MERGE_ITEMS, errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		story_mem_set_story(mem, sqlite3_column_int64(st, 0), into);
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "merging stories");
		return -1;
	}
	/* the pairs that alerted, each moved or folded into into's */
	if ((st = sst_get(s, SST_MERGE_TOPICS, errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		tv = xrealloc(tv, (nt + 1) * sizeof(*tv));
		tv[nt].topic = col_str(st, 0);
		tv[nt].has_match = sqlite3_column_type(st, 1) != SQLITE_NULL;
		tv[nt].match = sqlite3_column_int64(st, 1);
		tv[nt].created = sqlite3_column_int64(st, 2);
		tv[nt].breaking = sqlite3_column_int64(st, 3);
		nt++;
	}
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "merging stories");
		goto done;
	}
	for (i = 0; i < nt; i++) {
		if ((st = sst_get(s, SST_MERGE_TOPIC, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, into);
		sqlite3_bind_text(st, 2, tv[i].topic, -1, SQLITE_STATIC);
		if (tv[i].has_match)
			sqlite3_bind_int64(st, 3, tv[i].match);
		sqlite3_bind_int64(st, 4, tv[i].created);
		sqlite3_bind_int64(st, 5, tv[i].breaking);
		if (step_write(s, st, "merging stories", errstr) == -1)
			goto done;
	}
	/* from's times, size and lead into into's row */
	if ((st = sst_get(s, SST_MERGE_FROM, errstr)) == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, from);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_stmt	*up;

		if ((up = sst_get(s, SST_MERGE_STORY, errstr)) == NULL) {
			stmt_done(st);
			goto done;
		}
		sqlite3_bind_int64(up, 1, into);
		for (i = 0; i < 5; i++)
			sqlite3_bind_value(up, (int)i + 2,
			    sqlite3_column_value(st, (int)i));
		stmt_done(st);
		if (step_write(s, up, "merging stories", errstr) == -1)
			goto done;
	} else {
		stmt_done(st);
		store_seterr(s, errstr, "merging stories");
		goto done;
	}
	/* from's pairs, moved, go (no cascade since migration 23) */
	if (nt > 0) {
		if ((st = sst_get(s, SST_MERGE_DROP_TOPICS, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, from);
		if (step_write(s, st, "merging stories", errstr) == -1)
			goto done;
	}
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((st = sst_get(s, steps[i], errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, into);
		sqlite3_bind_int64(st, 2, from);
		if (step_write(s, st, "merging stories", errstr) == -1)
			goto done;
	}
	ret = 0;
done:
	for (i = 0; i < nt; i++)
		free(tv[i].topic);
	free(tv);
	return ret;
}

/*
 * Of the story an article joined and those it bridges, the one with the
 * most articles (the one joined on a tie): the others merge into it, and
 * a merge moves every link of the story merged.  Merging into the story
 * joined made a long-running story's merges cost its size each time (on a
 * window of live news, most of the assignment).
 */
static int
stories_largest(struct store *s, const struct story_decision *dec,
    int64_t *into, char **errstr)
{
	sqlite3_stmt	*st;
	int64_t		 id, size, best = -1;
	size_t		 k;
	int		 rc;

	*into = dec->story;
	if (dec->nmerge == 0)
		return 0;
	if ((st = sst_get(s, SST_STORY_SIZE, errstr)) == NULL)
		return -1;
	for (k = 0; k <= dec->nmerge; k++) {
		id = k == 0 ? dec->story : dec->merge[k - 1];
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
		size = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		stmt_done(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			store_seterr(s, errstr, "reading a story's size");
			return -1;
		}
		if (size > best) {
			best = size;
			*into = id;
		}
	}
	return 0;
}

/*
 * The story of a new article, inside the transaction that stored it: its
 * doc, the decision, its link with why, its keys in the index, and the
 * story's row.  Called by store_item_upsert() for STORE_NEW items.
 */
int
stories_assign(struct store *s, int64_t item_id, int64_t feed_id,
    const struct store_item *it, char **errstr)
{
	struct store_stories	*ss = stories_of(s);
	struct story_input	 in = { it->title, it->summary != NULL ?
				     it->summary : it->content, it->lang,
				     it->link, 0 };
	struct story_doc	 doc;
	struct story_decision	 dec;
	struct ixarg		 ia = { s, errstr };
	struct story_index	 ix = { ix_postings, ix_load, &ia, ix_lead };
	sqlite3_stmt		*st;
	uint64_t		 keys[STORY_INDEX_KEYS];
	void			*blob = NULL;
	size_t			 len, nk, k, nwhy = 0;
	void			*why = NULL;
	int64_t			 now = store_now(s), at, story;
	int			 ret = -1;
	struct feed_lang	*fl;

	/* the story clock: publication, unless missing or ahead of arrival */
	at = it->has_published && it->published <= now ? it->published : now;
	in.at = at;
	/*
	 * A feed that declares no language: the guess for its articles once
	 * three in a row agreed (guessing is most of the cost of a doc).
	 */
	fl = NULL;
	if ((in.lang == NULL || *in.lang == '\0') && feed_id != 0) {
		fl = &ss->langs[(uint64_t)feed_id % STORIES_LANG_FEEDS];
		if (fl->feed != feed_id) {
			memset(fl, 0, sizeof(*fl));
			fl->feed = feed_id;
		}
		if (fl->votes >= STORIES_LANG_VOTES)
			in.lang = fl->lang;
	}
	if (stories_index_ready(s, errstr) == -1)
		return -1;
	if (story_doc_build(ss->ctx, &in, &doc) == -1) {
		/* nothing to read: a story of one, with no keys */
		memset(&doc, 0, sizeof(doc));
	}
	if (fl != NULL && doc.guessed) {
		if (strcmp(fl->lang, doc.lang) == 0)
			fl->votes++;
		else {
			snprintf(fl->lang, sizeof(fl->lang), "%s", doc.lang);
			fl->votes = 1;
		}
	}
	if (story_assign(&ss->params, &ss->win, &ix, &doc, at, feed_id,
	    &dec) == -1)
		goto done;
	if (dec.story != 0) {
		why = story_match_pack(&doc, &dec.match, &nwhy);
		/* stories it bridges become the largest: the fewest links move */
		if (stories_largest(s, &dec, &story, errstr) == -1)
			goto done;
		/*
		 * The merges first: each takes the other story's lead if that
		 * began earlier, which a join lowering first_seen would hide.
		 */
		if (story != dec.story &&
		    stories_merge(s, story, dec.story, errstr) == -1)
			goto done;
		for (k = 0; k < dec.nmerge; k++)
			if (dec.merge[k] != story &&
			    stories_merge(s, story, dec.merge[k], errstr) == -1)
				goto done;
		if ((st = sst_get(s, SST_STORY_JOIN, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, story);
		sqlite3_bind_int64(st, 2, at);
		if (step_write(s, st, "joining a story", errstr) == -1)
			goto done;
		story_mem_story_seen(ss->mem, story, at);
		lead_joined(ss, story, doc.lang, item_id, at);
		langs_add(ss, story, doc.lang, 0);
	} else {
		if ((st = sst_get(s, SST_STORY_NEW, errstr)) == NULL)
			goto done;
		sqlite3_bind_int64(st, 1, at);
		sqlite3_bind_int64(st, 2, item_id);
		if (step_write(s, st, "starting a story", errstr) == -1)
			goto done;
		story = sqlite3_last_insert_rowid(s->db);
		/* its first article in its language: the only one */
		if (doc.lang[0] != '\0')
			lead_keep(ss, story, doc.lang, item_id, at);
		langs_add(ss, story, doc.lang, 1);
	}
	blob = story_doc_pack(&doc, &len);
	if ((st = sst_get(s, SST_LINK, errstr)) == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, item_id);
	sqlite3_bind_int64(st, 2, story);
	sqlite3_bind_int64(st, 3, at);
	bind_str(st, 4, doc.lang);
	if (feed_id != 0)
		sqlite3_bind_int64(st, 5, feed_id);
	if (why != NULL)
		sqlite3_bind_blob(st, 6, why, (int)nwhy, SQLITE_STATIC);
	if (step_write(s, st, "linking an article to its story", errstr) == -1)
		goto done;
	if ((st = sst_get(s, SST_DOC, errstr)) == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, item_id);
	sqlite3_bind_blob(st, 2, blob, (int)len, SQLITE_STATIC);
	if (step_write(s, st, "keeping an article's story keys", errstr) == -1)
		goto done;
	/* an id used again may link inside what expiry thinks empty */
	if (item_id < ss->exp_id)
		ss->exp_ok = 0;
	/* the index learns it; a rollback makes the index again */
	nk = story_doc_index_keys(&doc, keys, STORY_INDEX_KEYS);
	if (nk > 0) {
		story_mem_add(ss->mem, item_id, story, at, keys, nk);
		if (dec.story == 0)
			story_mem_story_first_is(ss->mem, story, at);
		story_mem_keep_doc(ss->mem, item_id, feed_id, blob, len);
	}
	/* now and then, the window's tail leaves the index */
	if (++ss->since_expire >= STORIES_EXPIRE_EVERY) {
		ss->since_expire = 0;
		if (stories_expire(s, now - ss->win.window - ss->win.open,
		    item_id - STORIES_EXPIRE_KEEP, errstr) == -1)
			goto done;
	}
	ret = 0;
done:
	free(blob);
	free(why);
	story_doc_clear(&doc);
	return ret;
}

/*
 * The schema step that adds stories (appended to store.c's migrations):
 * stories; story_links, each article's story with why and its packed
 * keys (the article's row going takes its link, and a story's last link
 * going takes the story); story_keys, the index of the window; and
 * story_topics, the (story, topic) pairs that alerted.  The articles
 * already stored get their stories right after (stories_backfill).
 * Since: story_keys is gone (the index lives in memory) and the docs are
 * in story_docs, the window's only (stories_docs_schema).
 */
const char stories_schema[] =
	"CREATE TABLE stories ("
	"  id INTEGER PRIMARY KEY,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  size INTEGER NOT NULL DEFAULT 0,"
	"  lead_item INTEGER,"
	"  title TEXT"
	");"
	"CREATE INDEX stories_last_seen ON stories(last_seen);"
	"CREATE TABLE story_links ("
	"  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
	"  story_id INTEGER NOT NULL REFERENCES stories(id),"
	"  at INTEGER NOT NULL,"
	"  lang TEXT,"
	"  feed_id INTEGER,"
	"  matched INTEGER,"
	"  score REAL,"
	"  why TEXT,"
	"  doc BLOB,"
	"  indexed INTEGER NOT NULL DEFAULT 1"
	");"
	"CREATE INDEX story_links_story ON story_links(story_id, at);"
	"CREATE INDEX story_links_indexed ON story_links(at) WHERE indexed = 1;"
	"CREATE TABLE story_keys ("
	"  key INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  item_id INTEGER NOT NULL,"
	"  story_id INTEGER NOT NULL,"
	"  PRIMARY KEY (key, at, item_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE story_topics ("
	"  story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,"
	"  topic TEXT NOT NULL,"
	"  match_id INTEGER,"
	"  created INTEGER NOT NULL,"
	"  breaking INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (story_id, topic)"
	") WITHOUT ROWID;"
	"CREATE TRIGGER story_links_ad AFTER DELETE ON story_links BEGIN"
	"  UPDATE stories SET size = size - 1 WHERE id = old.story_id;"
	"  DELETE FROM stories WHERE id = old.story_id AND size <= 0;"
	"END;";

/*
 * The packed keys of the window's articles (the docs story_assign reads
 * again), apart from story_links so that an article leaving the window
 * gives its doc's pages back.  Made by the migration that adds stories'
 * backfill (which writes docs with today's statements) or by migration 11,
 * which moves the docs of a database that kept them in story_links.
 */
#define STORY_DOCS_TABLE \
	"CREATE TABLE IF NOT EXISTS story_docs (" \
	"  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE," \
	"  doc BLOB NOT NULL" \
	");"

const char stories_docs_schema[] =
	STORY_DOCS_TABLE
	"INSERT OR IGNORE INTO story_docs (item_id, doc)"
	"  SELECT item_id, doc FROM story_links"
	"  WHERE indexed = 1 AND doc IS NOT NULL;"
	"ALTER TABLE story_links DROP COLUMN doc;";

/*
 * Migration 17: stories.title is NULL while it is the lead article's
 * title (which is what a story starts with, and what a merge gives it
 * with the lead), and the reads take the lead's.  Before the lead's title
 * changes, or the lead goes while the story stays, the triggers write
 * the title it had into the story; '' stands for none (a title is never
 * stored empty: bind_str()).  The stories stored are made so.
 */
#define STORY_TITLE_KEEP \
	"  UPDATE stories SET title = coalesce(old.title, '')" \
	"  WHERE id = (SELECT story_id FROM story_links" \
	"   WHERE item_id = old.id)" \
	"  AND lead_item = old.id AND title IS NULL;"

#define STORY_TITLE_TRIGGERS \
	"CREATE TRIGGER stories_title_au AFTER UPDATE OF title ON items" \
	"  WHEN old.title IS NOT new.title BEGIN" \
	STORY_TITLE_KEEP \
	"END;" \
	"CREATE TRIGGER stories_title_bd BEFORE DELETE ON items BEGIN" \
	STORY_TITLE_KEEP \
	"END;"

const char stories_title_sql[] =
	STORY_TITLE_TRIGGERS
	/*
	 * A title NULL before this was a lead with none: it stays NULL, the
	 * lead's title now (the stories a migration from before stories just
	 * made are NULL too, and are titled).
	 */
	"UPDATE stories SET title = NULL"
	"  WHERE title = (SELECT i.title FROM items i WHERE i.id = lead_item);";

/*
 * Migration 23: the story tables carry no foreign keys.  A statement
 * that deletes a row other rows' keys reference (a merge's DELETE of the
 * story merged) or changes such a key (a merge's UPDATE of
 * story_links.story_id) runs with a statement journal, each page it
 * writes copied first, and the keys looked up row by row: 91,000 and
 * 85,000 instructions a merge on the bench corpus; and each link and doc
 * written looked its article up.  This file keeps the references (a
 * link's story is made before the link, a merge moves the links and
 * pairs before it drops the story); triggers delete an article's link
 * and doc with it, and a story's pairs with its last link, as the
 * cascades did.  story_links is made again without the columns nothing
 * writes (matched, score).  (The index on stories.last_seen, a write per
 * join, 24 M instructions on the bench corpus, stays: herald stories
 * walks it newest first and stops at its limit, where without it every
 * story is read and sorted.)
 */
const char stories_nofk_sql[] =
	"DROP TRIGGER IF EXISTS story_items_ad;"
	"DROP TRIGGER IF EXISTS stories_title_au;"
	"DROP TRIGGER IF EXISTS stories_title_bd;"
	"CREATE TABLE story_links_new ("
	"  item_id INTEGER PRIMARY KEY,"
	"  story_id INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  lang TEXT,"
	"  feed_id INTEGER,"
	"  why TEXT,"
	"  indexed INTEGER NOT NULL DEFAULT 1"
	");"
	"INSERT INTO story_links_new (item_id, story_id, at, lang, feed_id,"
	"  why, indexed) SELECT item_id, story_id, at, lang, feed_id, why,"
	"  indexed FROM story_links;"
	"DROP TABLE story_links;"
	"ALTER TABLE story_links_new RENAME TO story_links;"
	"CREATE INDEX story_links_story ON story_links(story_id, at);"
	"CREATE INDEX story_links_indexed ON story_links(at) WHERE indexed = 1;"
	"CREATE TABLE story_topics_new ("
	"  story_id INTEGER NOT NULL,"
	"  topic TEXT NOT NULL,"
	"  match_id INTEGER,"
	"  created INTEGER NOT NULL,"
	"  breaking INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (story_id, topic)"
	") WITHOUT ROWID;"
	"INSERT INTO story_topics_new SELECT story_id, topic, match_id,"
	"  created, breaking FROM story_topics;"
	"DROP TABLE story_topics;"
	"ALTER TABLE story_topics_new RENAME TO story_topics;"
	"CREATE TABLE story_docs_new ("
	"  item_id INTEGER PRIMARY KEY,"
	"  doc BLOB NOT NULL"
	");"
	"INSERT INTO story_docs_new SELECT item_id, doc FROM story_docs;"
	"DROP TABLE story_docs;"
	"ALTER TABLE story_docs_new RENAME TO story_docs;"
	/* an article's going takes its link and doc, as the cascade did */
	"CREATE TRIGGER story_items_ad AFTER DELETE ON items BEGIN"
	"  DELETE FROM story_docs WHERE item_id = old.id;"
	"  DELETE FROM story_links WHERE item_id = old.id;"
	"END;"
	"CREATE TRIGGER story_links_ad AFTER DELETE ON story_links BEGIN"
	"  UPDATE stories SET size = size - 1 WHERE id = old.story_id;"
	"  DELETE FROM story_topics WHERE story_id = old.story_id"
	"   AND (SELECT size FROM stories WHERE id = old.story_id) <= 0;"
	"  DELETE FROM stories WHERE id = old.story_id AND size <= 0;"
	"END;"
	STORY_TITLE_TRIGGERS;

/*
 * Assigns stories to the articles stored before stories existed, oldest
 * first, as if they arrived in that order.  Runs in the migration's
 * transaction.
 */
int
stories_backfill(struct store *s, char **errstr)
{
	sqlite3_stmt		*st = NULL;
	struct store_item	 it;
	int64_t			 id, feed, pinned = s->now;
	int			 rc, ret = -1;
	char			*title, *summary, *content, *lang, *link, *sql;

	if (sqlite3_exec(s->db, STORY_DOCS_TABLE, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_seterr(s, errstr, "making the story docs' table");
		return -1;
	}
	if (sqlite3_prepare_v2(s->db,
	    "SELECT i.id, i.title, i.summary, i.content, i.lang, i.link,"
	    " i.published, i.first_seen,"
	    " (SELECT x.feed_id FROM item_feeds x WHERE x.item_id = i.id"
	    "  ORDER BY x.first_seen, x.feed_id LIMIT 1)"
	    " FROM items i ORDER BY coalesce(i.published, i.first_seen), i.id",
	    -1, &st, NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "listing articles for their stories");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&it, 0, sizeof(it));
		id = sqlite3_column_int64(st, 0);
		it.title = title = col_str(st, 1);
		it.summary = summary = col_str(st, 2);
		it.content = content = col_str(st, 3);
		it.lang = lang = col_str(st, 4);
		it.link = link = col_str(st, 5);
		it.has_published = sqlite3_column_type(st, 6) != SQLITE_NULL;
		it.published = sqlite3_column_int64(st, 6);
		feed = sqlite3_column_int64(st, 8);
		/* each as it arrived: the window closes behind it */
		s->now = sqlite3_column_int64(st, 7);
		rc = stories_assign(s, id, feed, &it, errstr);
		free(title);
		free(summary);
		free(content);
		free(lang);
		free(link);
		if (rc == -1)
			goto done;
	}
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "listing articles for their stories");
		goto done;
	}
	/*
	 * The alerts the older herald sent, one per article and topic, are
	 * the stories' alerts now: each (story, topic) with a match is a
	 * pair that alerted, on its first match, so an article that joins
	 * an old story later does not alert its topics again.  Their
	 * breaking rule counts as done at the upgrade: old news is not
	 * breaking news.  (At this schema a match names its topic.)
	 */
	s->now = pinned;
	sql = xasprintf("INSERT OR IGNORE INTO story_topics (story_id, topic,"
	    " match_id, created, breaking) SELECT l.story_id, m.topic,"
	    " min(m.id), min(m.created), %lld"
	    " FROM matches m JOIN story_links l ON l.item_id = m.item_id"
	    " GROUP BY l.story_id, m.topic", (long long)store_now(s));
	rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		store_seterr(s, errstr, "recording the stories' alerts");
		goto done;
	}
	ret = 0;
done:
	s->now = pinned;
	sqlite3_finalize(st);
	return ret;
}

/*
 * Whether a new (item, topic) match alerts: under alert-per = story only
 * the first match of a story for a topic does; every match records its
 * (story, topic) pair either way.  1 alert, 0 not, -1 on error.
 */
/*
 * Records the (story, topic) pair; whether it alerts, as
 * stories_topic_alerts() says (a pair stored already: the INSERT OR
 * IGNORE changes nothing).
 */
static int
stories_pair_record(struct store *s, int64_t story, const char *topic,
    int64_t match_id, char **errstr)
{
	struct store_stories	*ss = stories_of(s);
	sqlite3_stmt		*st;

	if ((st = sst_get(s, SST_TOPIC_SEEN, errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, story);
	sqlite3_bind_text(st, 2, topic, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, match_id);
	sqlite3_bind_int64(st, 4, store_now(s));
	if (step_write(s, st, "recording a story's topic", errstr) == -1)
		return -1;
	pair_keep(ss, story, topic);
	return !ss->per_story || sqlite3_changes(s->db) > 0;
}

int
stories_topic_alerts(struct store *s, int64_t item_id, const char *topic,
    int64_t match_id, char **errstr)
{
	struct store_stories	*ss = stories_of(s);
	sqlite3_stmt		*st;
	int64_t			 story = 0;
	int			 rc, seen = 0;

	/*
	 * The article's story in the index, and no other connection can
	 * have committed since it was made (the write transaction that
	 * checked is open): a pair known stored needs no SQL, and another
	 * no read, the INSERT OR IGNORE telling whether it was stored.
	 */
	if (ss->mem != NULL && ss->mem_ok && ss->dv_txn &&
	    story_mem_story_of(ss->mem, item_id, &story))
		return pair_known(ss, story, topic) ? !ss->per_story :
		    stories_pair_record(s, story, topic, match_id, errstr);
	/* otherwise a pair known stored when data_version says so */
	if (ss->mem != NULL && ss->mem_ok &&
	    story_mem_story_of(ss->mem, item_id, &story)) {
		if ((st = sst_get(s, SST_DATA_VERSION, errstr)) == NULL)
			return -1;
		rc = sqlite3_step(st);
		seen = rc == SQLITE_ROW &&
		    sqlite3_column_int64(st, 0) == ss->data_version &&
		    pair_known(ss, story, topic);
		stmt_done(st);
		if (rc != SQLITE_ROW) {
			store_seterr(s, errstr, "reading the data version");
			return -1;
		}
		if (seen)
			return !ss->per_story;
		story = 0;
	}
	if ((st = sst_get(s, SST_ITEM_TOPIC, errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, item_id);
	sqlite3_bind_text(st, 2, topic, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		story = sqlite3_column_int64(st, 0);
		seen = sqlite3_column_int(st, 1);
	}
	stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading an article's story");
		return -1;
	}
	if (story == 0)
		return 1;	/* no story (yet): alert */
	if (seen) {
		pair_keep(ss, story, topic);
		return !ss->per_story;
	}
	return stories_pair_record(s, story, topic, match_id, errstr);
}

/* ---- breaking stories ---- */

/* A story's articles as the breaking rules count them: outlet and time. */
struct blinks {
	int64_t	*feed;
	int64_t	*at;
	size_t	 n;
};

static int
blinks_load(struct store *s, int64_t story, struct blinks *b, char **errstr)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 rc;

	b->n = 0;
	if ((st = sst_get(s, SST_BREAK_LINKS, errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, story);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (b->n == cap) {
			cap = cap == 0 ? 16 : 2 * cap;
			b->feed = xrealloc(b->feed, cap * sizeof(*b->feed));
			b->at = xrealloc(b->at, cap * sizeof(*b->at));
		}
		b->feed[b->n] = sqlite3_column_int64(st, 0);
		b->at[b->n] = sqlite3_column_int64(st, 1);
		b->n++;
	}
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading a story's outlets");
		return -1;
	}
	return 0;
}

/*
 * The most distinct outlets that carried the story within `within`
 * seconds of one another: a window slides over its articles in time
 * order, counting each outlet's articles inside it.
 */
static int
blinks_outlets(const struct blinks *b, int64_t within)
{
	int64_t	*ofeed;
	int	*ocount;
	size_t	 no = 0, i = 0, j, k;
	int	 live = 0, best = 0;

	ofeed = xcalloc(b->n + 1, sizeof(*ofeed));
	ocount = xcalloc(b->n + 1, sizeof(*ocount));
	for (j = 0; j < b->n; j++) {
		for (; b->at[j] - b->at[i] > within; i++) {
			for (k = 0; ofeed[k] != b->feed[i]; k++)
				;
			if (--ocount[k] == 0)
				live--;
		}
		for (k = 0; k < no && ofeed[k] != b->feed[j]; k++)
			;
		if (k == no)
			ofeed[no++] = b->feed[j];
		if (ocount[k]++ == 0)
			live++;
		if (live > best)
			best = live;
	}
	free(ofeed);
	free(ocount);
	return best;
}

/*
 * After a batch's matches, inside its transaction: for each story of the
 * batch's articles and each rule, a (story, topic) pair that alerted and
 * is not breaking yet becomes breaking when the story's outlets within
 * the rule's time reach its count: story_topics.breaking gets the time,
 * and each of the topic's plugins one more outbox row (breaking = 1) on
 * the pair's first match.  Once per pair, whatever comes after.
 */
int
stories_breaking(struct store *s, const struct story_breaking *rules,
    size_t nrules, const int64_t *items, size_t nitems, size_t *nbroke,
    char **errstr)
{
	sqlite3_stmt	*st;
	struct blinks	 b = { NULL, NULL, 0 };
	int64_t		*stories, match, now = store_now(s);
	size_t		 ns = 0, i, k, r, p;
	int		 rc, loaded, ret = -1;

	*nbroke = 0;
	if (nrules == 0 || nitems == 0)
		return 0;
	stories = xcalloc(nitems, sizeof(*stories));
	for (i = 0; i < nitems; i++) {
		int64_t	 story;

		if ((rc = store_item_story(s, items[i], &story, errstr)) == -1)
			goto done;
		for (k = 0; rc == 1 && k < ns && stories[k] != story; k++)
			;
		if (rc == 1 && k == ns)
			stories[ns++] = story;
	}
	for (i = 0; i < ns; i++) {
		loaded = 0;
		for (r = 0; r < nrules; r++) {
			if ((st = sst_get(s, SST_BREAK_PAIR, errstr)) == NULL)
				goto done;
			sqlite3_bind_int64(st, 1, stories[i]);
			sqlite3_bind_text(st, 2, rules[r].topic, -1,
			    SQLITE_STATIC);
			rc = sqlite3_step(st);
			match = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
			stmt_done(st);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
				store_seterr(s, errstr, "reading a story's topic");
				goto done;
			}
			if (match == 0)
				continue;	/* not of the topic, or broke */
			if (!loaded && blinks_load(s, stories[i], &b,
			    errstr) == -1)
				goto done;
			loaded = 1;
			if (blinks_outlets(&b, rules[r].within) <
			    rules[r].outlets)
				continue;
			if ((st = sst_get(s, SST_BREAK_MARK, errstr)) == NULL)
				goto done;
			sqlite3_bind_int64(st, 1, stories[i]);
			sqlite3_bind_text(st, 2, rules[r].topic, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, now);
			if (step_write(s, st, "marking a story breaking",
			    errstr) == -1)
				goto done;
			for (p = 0; p < rules[r].nplugins; p++) {
				if ((st = sst_get(s, SST_BREAK_OUTBOX,
				    errstr)) == NULL)
					goto done;
				sqlite3_bind_int64(st, 1, match);
				sqlite3_bind_text(st, 2, rules[r].plugins[p], -1,
				    SQLITE_STATIC);
				sqlite3_bind_int64(st, 3, now);
				if (step_write(s, st, "writing a breaking alert",
				    errstr) == -1)
					goto done;
			}
			(*nbroke)++;
		}
	}
	ret = 0;
done:
	free(b.feed);
	free(b.at);
	free(stories);
	return ret;
}

/* ---- reads: herald stories, digests, search ---- */

static void
strv_add(char ***v, size_t *n, const char *s)
{
	size_t	 i;

	if (s == NULL || *s == '\0')
		return;
	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static void
strv_free(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
store_stories_free(struct store_story *v, size_t n)
{
	size_t	 i, k;

	for (i = 0; i < n; i++) {
		free(v[i].title);
		strv_free(v[i].languages, v[i].nlanguages);
		strv_free(v[i].feeds, v[i].nfeeds);
		strv_free(v[i].topics, v[i].ntopics);
		for (k = 0; k < v[i].nitems; k++) {
			free(v[i].items[k].title);
			free(v[i].items[k].link);
			free(v[i].items[k].feed);
			free(v[i].items[k].lang);
			free(v[i].items[k].why);
		}
		free(v[i].items);
	}
	free(v);
}

/* Fills a story's articles, languages, feeds and topics. */
static int
story_fill(struct store *s, sqlite3_stmt *items, sqlite3_stmt *topics,
    struct store_story *x, char **errstr)
{
	struct store_story_item	*it;
	int			 rc, began = 0;

	sqlite3_bind_int64(items, 1, x->id);
	while ((rc = sqlite3_step(items)) == SQLITE_ROW) {
		x->items = xrealloc(x->items, (x->nitems + 1) *
		    sizeof(*x->items));
		it = &x->items[x->nitems++];
		memset(it, 0, sizeof(*it));
		it->id = sqlite3_column_int64(items, 0);
		it->title = col_str(items, 1);
		it->link = col_str(items, 2);
		it->feed = col_str(items, 3);
		it->lang = col_str(items, 4);
		it->has_published = sqlite3_column_type(items, 5) != SQLITE_NULL;
		it->published = sqlite3_column_int64(items, 5);
		it->first_seen = sqlite3_column_int64(items, 6);
		/* packed (a BLOB) since migration 18, text before */
		if (sqlite3_column_type(items, 7) == SQLITE_BLOB)
			it->why = story_why_unpack(
			    sqlite3_column_blob(items, 7),
			    (size_t)sqlite3_column_bytes(items, 7));
		else
			it->why = col_str(items, 7);
		/*
		 * No why: the article began a story.  The first did this one;
		 * another began one that a merge brought in (an article that
		 * came later met both), and --explain says so.
		 */
		if (it->why == NULL && began++ > 0)
			it->why = xstrdup("began a story of its own, merged "
			    "into this one when a later article met both");
		strv_add(&x->languages, &x->nlanguages, it->lang);
		strv_add(&x->feeds, &x->nfeeds, it->feed);
	}
	stmt_done(items);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading a story's articles");
		return -1;
	}
	sqlite3_bind_int64(topics, 1, x->id);
	while ((rc = sqlite3_step(topics)) == SQLITE_ROW)
		strv_add(&x->topics, &x->ntopics,
		    (const char *)sqlite3_column_text(topics, 0));
	stmt_done(topics);
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading a story's topics");
		return -1;
	}
	return 0;
}

int
store_stories_list(struct store *s, const struct store_stories_filter *f,
    struct store_story **out, size_t *np, char **errstr)
{
	sqlite3_stmt		*st = NULL, *items = NULL, *topics = NULL;
	struct store_story	*v = NULL;
	char			*topics_arg = NULL;
	size_t			 n = 0, i;
	int			 rc, ret = -1;

	*out = NULL;
	*np = 0;
	/*
	 * Newest activity first; since: news of the period or an article
	 * that arrived in it (a feed's history fetched today, whatever its
	 * age: a period longer than herald ran lists everything); the topic
	 * filter reads the matches of the story's articles (a story of the
	 * topic under either alert-per).
	 */
	if (sqlite3_prepare_v2(s->db,
	    "SELECT s.id, nullif(coalesce(s.title, (SELECT i.title"
	    "  FROM items i WHERE i.id = s.lead_item)), ''),"
	    " s.first_seen, s.last_seen, s.size FROM stories s"
	    " WHERE (s.last_seen >= ?1 OR s.id IN (SELECT l.story_id"
	    "  FROM items i JOIN story_links l ON l.item_id = i.id"
	    "  WHERE i.first_seen >= ?1)) AND s.size >= ?2"
	    " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM story_links l"
	    "  JOIN matches m ON m.item_id = l.item_id"
	    "  WHERE l.story_id = s.id AND m.topic_id IN"
	    "  (SELECT id FROM topics WHERE name IN"
	    "   (SELECT value FROM json_each(?3)))))"
	    " ORDER BY s.last_seen DESC, s.id DESC LIMIT ?4",
	    -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
	    "SELECT i.id, i.title, i.link, o.name, l.lang, i.published,"
	    " i.first_seen, l.why FROM story_links l"
	    " JOIN items i ON i.id = l.item_id"
	    " LEFT JOIN feeds o ON o.id = l.feed_id"
	    " WHERE l.story_id = ?1 ORDER BY l.at, i.id", -1, &items,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
	    "SELECT DISTINCT t.name FROM story_links l"
	    " JOIN matches m ON m.item_id = l.item_id"
	    " JOIN topics t ON t.id = m.topic_id"
	    " WHERE l.story_id = ?1 ORDER BY t.name", -1, &topics,
	    NULL) != SQLITE_OK) {
		store_seterr(s, errstr, "listing stories");
		goto done;
	}
	sqlite3_bind_int64(st, 1, f->since);
	sqlite3_bind_int64(st, 2, (int64_t)f->min_size);
	topics_arg = names_json(f->topics, f->ntopics);
	bind_str(st, 3, topics_arg);
	sqlite3_bind_int64(st, 4, f->limit > 0 ? (int64_t)f->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		v[n].id = sqlite3_column_int64(st, 0);
		v[n].title = col_str(st, 1);
		v[n].first_seen = sqlite3_column_int64(st, 2);
		v[n].last_seen = sqlite3_column_int64(st, 3);
		v[n].size = sqlite3_column_int64(st, 4);
		n++;
	}
	if (rc != SQLITE_DONE) {
		store_seterr(s, errstr, "listing stories");
		goto done;
	}
	for (i = 0; i < n; i++)
		if (story_fill(s, items, topics, &v[i], errstr) == -1)
			goto done;
	*out = v;
	*np = n;
	v = NULL;
	n = 0;
	ret = 0;
done:
	store_stories_free(v, n);
	sqlite3_finalize(st);
	sqlite3_finalize(items);
	sqlite3_finalize(topics);
	free(topics_arg);
	return ret;
}

int
store_item_story(struct store *s, int64_t item_id, int64_t *story_id,
    char **errstr)
{
	sqlite3_stmt	*st;
	int		 rc;

	*story_id = 0;
	if ((st = sst_get(s, SST_ITEM_STORY, errstr)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, item_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*story_id = sqlite3_column_int64(st, 0);
	stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_seterr(s, errstr, "reading an article's story");
		return -1;
	}
	return rc == SQLITE_ROW;
}

/*
 * Before store_prune() deletes articles first seen before `older_than`:
 * the index's articles whose news is older leave it as the expiry pass
 * takes them (the newest STORIES_EXPIRE_KEEP arrivals stay: a feed's
 * history, dated years back but fetched today, is not deleted and must
 * meet the next feeds' after a restart too).  Own transactions, in
 * batches.  The articles' going takes their links and docs, and a
 * story's last link the story, by the schema; stories_pruned() then has
 * the index made again without them.
 */
int
stories_prune(struct store *s, int64_t older_than, char **errstr)
{
	sqlite3_stmt	*st;
	int64_t		 left, newer;
	int		 rc;

	/* articles will go, and a story's first and pairs with them */
	leads_clear(stories_of(s));
	pairs_forget(stories_of(s), 0);
	if ((st = sst_get(s, SST_NEWEST, errstr)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	newer = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	stmt_done(st);
	if (rc != SQLITE_ROW) {
		store_seterr(s, errstr, "reading the last article's story");
		return -1;
	}
	/* as stories_assign()'s pass after the newest article */
	newer -= STORIES_EXPIRE_KEEP;
	do {
		if (store_begin(s, errstr) == -1)
			return -1;
		if (stories_expire(s, older_than, newer, errstr) == -1) {
			store_rollback(s);
			return -1;
		}
		if ((st = sst_get(s, SST_EXPIRE_LIST, errstr)) == NULL) {
			store_rollback(s);
			return -1;
		}
		expire_bind(stories_of(s), st, older_than, newer);
		sqlite3_bind_int(st, 2, 1);
		rc = sqlite3_step(st);
		left = rc == SQLITE_ROW;
		stmt_done(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			store_seterr(s, errstr, "pruning story keys");
			store_rollback(s);
			return -1;
		}
		if (store_commit(s, errstr) == -1)
			return -1;
	} while (left);
	return 0;
}

/* store_prune() deleted articles: an index in use is made again without. */
int
stories_pruned(struct store *s, char **errstr)
{
	struct store_stories	*ss = stories_of(s);

	ss->mem_ok = 0;
	return ss->mem != NULL ? stories_index_ready(s, errstr) : 0;
}
