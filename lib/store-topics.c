/*
 * store-topics.c: topic matching in the SQLite store: the rules compiled
 * with the search index's FTS5 tokenizer, evaluated on each new article in
 * its transaction, NEAR left to FTS5 over a TEMP index; checking queries
 * without a database; backtesting a topic over the search index.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store-int.h"
#include "util.h"

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
