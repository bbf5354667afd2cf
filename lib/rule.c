/*
 * rule.c: the topic rule engine of rule.h.  A rule is parsed into a tree of
 * phrases under AND, OR and NOT; some of the tokens its phrases name become
 * triggers, so that scanning an article once finds the topics it may match,
 * and only those are evaluated.  No SQLite here: tokens come from the
 * caller's tokenizer.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rule.h"
#include "util.h"

#define RULE_MAX_TERMS	32
#define RULE_MAX_TERM	200	/* bytes kept of one matched term */
#define RULE_PREFIX_MAX 64	/* longer tokens are looked up as prefixes */
#define RULE_SNIPPET	16	/* tokens in a snippet ... */
#define RULE_LEAD	3	/* ... of them before the first hit */

const char *const rule_columns[RULE_NCOLS] = {
	"title", "summary", "content", "author"
};

/* A token that some rule names, folded by the index's tokenizer. */
struct trig {
	char		*term;
	size_t		 len;
	uint64_t	 hash;
	uint32_t	 id;		/* index in rule_set.present and .tok */
};

/*
 * A token by its id: its length, and the topics it is a trigger of (an
 * article holding it makes them candidates).
 */
struct tok {
	size_t		 len;
	uint32_t	*topics;
	size_t		 n;
	size_t		 cap;
};

/*
 * Every token of an article probes the prefix map once for each prefix
 * length a rule names (four times a token over the topic pack): a bit
 * per hash, set for each term, turns most probes away before the map's
 * chain is walked (143 M of the 3,481 M instructions of a fresh ingest
 * of 100 feeds went to the probes).
 */
#define TRIG_FILTER_BITS	(1u << 15)	/* 4 KiB */
#define TRIG_FILTER_BIT(h)	((uint32_t)((h) >> 49))

struct trigmap {
	struct trig	*v;		/* open addressing; term NULL: empty */
	size_t		 cap;		/* a power of two */
	size_t		 n;
	uint64_t	*filter;	/* TRIG_FILTER_BITS: a term may hash there */
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
	uint32_t	*first;		/* their first tokens (UINT32_MAX: none) */
	size_t		 nphrases;
	struct qnode	**all;		/* every node, to free */
	size_t		 nall;
	int		 fts;		/* evaluated by FTS5, not root */
};

struct rule_topic {
	struct rule	 match;
	struct rule	 exclude;	/* text NULL: none */
	int		 fts;		/* match or exclude needs FTS5 */
	int		 always;	/* no token to look for */
	uint32_t	 stamp;		/* item that made it a candidate */
};

/* A token of an article that a rule names. */
struct hit {
	uint32_t	 id;
	uint32_t	 pos;
	uint32_t	 start;		/* bytes in the column's text */
	uint32_t	 end;
	uint8_t		 col;
};

/* Where a token of the scanned article is, for its snippet. */
struct tokpos {
	uint32_t	 start;
	uint32_t	 end;
};

/* An occurrence of a rule's phrase: a matched term. */
struct span {
	uint8_t		 col;
	uint32_t	 pos;
	uint32_t	 start;
	uint32_t	 end;
};

struct rule_set {
	struct rule_topic	*t;
	size_t			 n;
	struct trigmap		 exact;
	struct trigmap		 prefix;
	uint64_t		 prefix_lens;	/* bit L-1: L-byte prefix */
	uint32_t		 ntok;
	struct tok		*tok;		/* per token */
	size_t			 captok;
	uint32_t		*present;	/* per token: its item */
	uint32_t		 stamp;		/* the item being scanned */
	struct rule_tokenizer	 tk;
	/* the item being scanned */
	const char		*text[RULE_NCOLS];
	int			 textlen[RULE_NCOLS];
	int			 col;
	uint32_t		 pos;
	struct hit		*hits;
	size_t			 nhits, caphits;
	/* every token's place, by column and position: snippets need no
	 * second tokenization */
	struct tokpos		*toks[RULE_NCOLS];
	size_t			 ntoks[RULE_NCOLS], captoks[RULE_NCOLS];
	uint32_t		*cand;
	size_t			 ncand;
	struct span		*spans;
	size_t			 nspans, capspans;
};

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

/* trig_find() for the scanner: most tokens are no term, told by a bit. */
static inline const struct trig *
trig_scan(const struct trigmap *m, const char *p, size_t len, uint64_t h)
{
	if (m->filter == NULL || !(m->filter[TRIG_FILTER_BIT(h) / 64] &
	    (1ULL << (TRIG_FILTER_BIT(h) % 64))))
		return NULL;
	return trig_find(m, p, len, h);
}

/* The token's id, added if new. */
static uint32_t
trig_add(struct rule_set *rs, struct trigmap *m, const char *p, size_t len)
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
		if (m->filter == NULL)
			m->filter = xcalloc(TRIG_FILTER_BITS / 64,
			    sizeof(*m->filter));
		m->filter[TRIG_FILTER_BIT(h) / 64] |=
		    1ULL << (TRIG_FILTER_BIT(h) % 64);
		t->term = xstrndup(p, len);
		t->len = len;
		t->hash = h;
		t->id = rs->ntok++;
		m->n++;
		if (rs->ntok > rs->captok) {
			rs->captok = rs->captok == 0 ? 256 : 2 * rs->captok;
			rs->tok = xrealloc(rs->tok, rs->captok *
			    sizeof(*rs->tok));
		}
		memset(&rs->tok[t->id], 0, sizeof(*rs->tok));
		rs->tok[t->id].len = len;
	}
	return t->id;
}

/* Token `id` makes `topic` a candidate. */
static void
trig_topic(struct rule_set *rs, uint32_t id, uint32_t topic)
{
	struct tok	*t = &rs->tok[id];

	if (t->n > 0 && t->topics[t->n - 1] == topic)
		return;
	if (t->n == t->cap) {
		t->cap = t->cap == 0 ? 2 : 2 * t->cap;
		t->topics = xrealloc(t->topics, t->cap * sizeof(*t->topics));
	}
	t->topics[t->n++] = topic;
}

static void
trigmap_free(struct trigmap *m)
{
	size_t	 i;

	for (i = 0; i < m->cap; i++)
		free(m->v[i].term);
	free(m->v);
	free(m->filter);
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
	struct rule_set	*rs;
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
	struct rule_set	*rs;
	struct qnode		*q;
	char			 last[RULE_PREFIX_MAX];
	size_t			 lastlen;
	int			 lastcut;
	int			 any;
};

static void
piece_flush(struct tok_piece *tp, int prefix)
{
	struct rule_set	*rs = tp->rs;
	struct qnode		*q = tp->q;
	int			 asprefix = prefix || tp->lastcut;

	if (!tp->any)
		return;
	q->toks = xrealloc(q->toks, (q->ntoks + 1) * sizeof(*q->toks));
	q->toks[q->ntoks++] = trig_add(rs, asprefix ? &rs->prefix :
	    &rs->exact, tp->last, tp->lastlen);
	if (asprefix)
		rs->prefix_lens |= 1ULL << (tp->lastlen - 1);
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
		return 0;
	piece_flush(tp, 0);
	tp->lastcut = n > RULE_PREFIX_MAX;
	tp->lastlen = tp->lastcut ? RULE_PREFIX_MAX : (size_t)n;
	memcpy(tp->last, p, tp->lastlen);
	tp->any = 1;
	return 0;
}

static void
qp_piece(struct qparse *qp, struct qnode *q, const char *text, size_t len,
    int prefix)
{
	struct tok_piece	 tp;

	memset(&tp, 0, sizeof(tp));
	tp.rs = qp->rs;
	tp.q = q;
	qp->rs->tk.tokenize(qp->rs->tk.arg, &tp, RULE_TOKENIZE_QUERY |
	    (prefix ? RULE_TOKENIZE_PREFIX : 0), text, (int)len,
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
			for (c = 0; c < RULE_NCOLS; c++)
				if ((l->type == QL_WORD ? l->len ==
				    strlen(rule_columns[c]) && strncasecmp(l->p,
				    rule_columns[c], l->len) == 0 :
				    l->str.data != NULL && strcasecmp(
				    l->str.data, rule_columns[c]) == 0))
					mask |= 1u << c;
		if (l->type != QL_RB || qp_peek(qp, 1)->type != QL_COLON)
			goto none;
		qp->i += 2;
	} else if ((l->type == QL_WORD || l->type == QL_STRING) &&
	    qp_peek(qp, 1)->type == QL_COLON) {
		for (c = 0; c < RULE_NCOLS; c++)
			if (l->type == QL_WORD ? l->len ==
			    strlen(rule_columns[c]) && strncasecmp(l->p,
			    rule_columns[c], l->len) == 0 :
			    l->str.data != NULL && strcasecmp(l->str.data,
			    rule_columns[c]) == 0)
				mask |= 1u << c;
		qp->i += 2;
	} else
		goto none;
	return minus ? ~mask & ((1u << RULE_NCOLS) - 1) : mask;
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
 * (then FTS5's reading decides).  Its phrases' tokens are looked for in
 * articles; which of them are triggers is rule_set_add()'s choice.
 */
static void
rule_compile(struct rule_set *rs, struct rule *r, const char *text)
{
	struct qparse	 qp;
	const char	*p = text;
	size_t		 cap = 0, i;

	memset(&qp, 0, sizeof(qp));
	qp.rs = rs;
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
	r->root = qp_or(&qp, (1u << RULE_NCOLS) - 1);
	if (qp.i != qp.n || r->root == NULL)
		r->fts = 1;
	/* read in a row by rule_spans(), without a visit to each phrase */
	r->first = xcalloc(r->nphrases + 1, sizeof(*r->first));
	for (i = 0; i < r->nphrases; i++)
		r->first[i] = r->phrases[i]->ntoks > 0 ?
		    r->phrases[i]->toks[0] : UINT32_MAX;
	for (i = 0; i <= qp.n; i++)
		buf_free(&qp.v[i].str);
	free(qp.v);
}

/*
 * Triggers: the tokens one of which every article that a rule matches
 * holds, few and telling, so that an article makes a topic a candidate
 * only when it may match.  A phrase needs all its tokens: its longest
 * stands for it (there are no word counts to go by, and short words are
 * the common ones: de, of, la).  An AND needs both sides: the side whose
 * shortest trigger is longer stands for it (restrictive measures, not the
 * EU beside them).  An OR needs either side, a NOT its left side.
 */
struct pick {
	uint32_t	*v;
	size_t		 n;
	size_t		 cap;
	size_t		 shortest;	/* bytes */
};

static void
pick_add(struct pick *pk, uint32_t id, size_t len)
{
	if (pk->n == pk->cap) {
		pk->cap = pk->cap == 0 ? 16 : 2 * pk->cap;
		pk->v = xrealloc(pk->v, pk->cap * sizeof(*pk->v));
	}
	pk->v[pk->n++] = id;
	if (pk->n == 1 || len < pk->shortest)
		pk->shortest = len;
}

static void
pick_triggers(const struct rule_set *rs, const struct qnode *q,
    struct pick *pk)
{
	struct pick	 side[2], *best;
	size_t		 k, b;

	switch (q->type) {
	case QN_PHRASE:
		if (q->ntoks == 0)
			return;
		for (b = 0, k = 1; k < q->ntoks; k++)
			if (rs->tok[q->toks[k]].len >= rs->tok[q->toks[b]].len)
				b = k;
		pick_add(pk, q->toks[b], rs->tok[q->toks[b]].len);
		return;
	case QN_OR:
		/* rules are long OR chains: walk them, do not recurse */
		for (; q->type == QN_OR; q = q->l)
			pick_triggers(rs, q->r, pk);
		pick_triggers(rs, q, pk);
		return;
	case QN_NOT:
		pick_triggers(rs, q->l, pk);
		return;
	case QN_AND:
		memset(side, 0, sizeof(side));
		pick_triggers(rs, q->l, &side[0]);
		pick_triggers(rs, q->r, &side[1]);
		best = side[0].n == 0 || (side[1].n > 0 &&
		    (side[1].shortest > side[0].shortest ||
		    (side[1].shortest == side[0].shortest &&
		    side[1].n < side[0].n))) ? &side[1] : &side[0];
		for (k = 0; k < best->n; k++)
			pick_add(pk, best->v[k], rs->tok[best->v[k]].len);
		free(side[0].v);
		free(side[1].v);
		return;
	}
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
	free(r->first);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

/* Scanning an article: its tokens that rules name. */

static void
scan_hit(struct rule_set *rs, const struct trig *t, uint32_t pos,
    int start, int end)
{
	const struct tok	*tk = &rs->tok[t->id];
	struct hit		*h;
	size_t			 i;

	if (rs->nhits == rs->caphits) {
		rs->caphits = rs->caphits == 0 ? 64 : 2 * rs->caphits;
		rs->hits = xrealloc(rs->hits, rs->caphits * sizeof(*rs->hits));
	}
	h = &rs->hits[rs->nhits++];
	h->id = t->id;
	h->pos = pos;
	h->start = (uint32_t)start;
	h->end = (uint32_t)end;
	h->col = (uint8_t)rs->col;
	rs->present[t->id] = rs->stamp;
	for (i = 0; i < tk->n; i++) {
		struct rule_topic	*tp = &rs->t[tk->topics[i]];

		if (tp->stamp == rs->stamp)
			continue;
		tp->stamp = rs->stamp;
		rs->cand[rs->ncand++] = tk->topics[i];
	}
}

static int
scan_cb(void *arg, int flags, const char *p, int n, int start, int end)
{
	struct rule_set	*rs = arg;
	const struct trig	*t;
	uint64_t		 h = FNV_OFFSET;
	uint32_t		 pos = rs->pos++;
	size_t			 L, len = n > 0 ? (size_t)n : 0;
	int			 c = rs->col;

	(void)flags;
	if (rs->ntoks[c] == rs->captoks[c]) {
		rs->captoks[c] = rs->captoks[c] == 0 ? 256 : 2 * rs->captoks[c];
		rs->toks[c] = xrealloc(rs->toks[c],
		    rs->captoks[c] * sizeof(*rs->toks[c]));
	}
	rs->toks[c][rs->ntoks[c]].start = (uint32_t)start;
	rs->toks[c][rs->ntoks[c]++].end = (uint32_t)end;
	/* every prefix a rule names, then the whole token */
	for (L = 1; L <= len; L++) {
		h = (h ^ (unsigned char)p[L - 1]) * FNV_PRIME;
		if (L <= RULE_PREFIX_MAX &&
		    (rs->prefix_lens & (1ULL << (L - 1))) &&
		    (t = trig_scan(&rs->prefix, p, L, h)) != NULL)
			scan_hit(rs, t, pos, start, end);
	}
	if (len > 0 && len <= RULE_PREFIX_MAX &&
	    (t = trig_scan(&rs->exact, p, len, h)) != NULL)
		scan_hit(rs, t, pos, start, end);
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Tokenizes an article's columns; the candidate topics in rs->cand. */
size_t
rule_scan(struct rule_set *rs, const char *const text[RULE_NCOLS],
    const int len[RULE_NCOLS], const uint32_t **cand)
{
	size_t	 i;
	int	 c;

	if (++rs->stamp == 0) {
		/* after 2^32 articles: forget every old stamp */
		memset(rs->present, 0, (rs->ntok + 1) * sizeof(*rs->present));
		for (i = 0; i < rs->n; i++)
			rs->t[i].stamp = 0;
		rs->stamp = 1;
	}
	rs->nhits = rs->ncand = 0;
	for (c = 0; c < RULE_NCOLS; c++) {
		rs->text[c] = text[c];
		rs->textlen[c] = text[c] != NULL ? len[c] : 0;
		rs->ntoks[c] = 0;
		if (rs->textlen[c] <= 0)
			continue;
		rs->col = c;
		rs->pos = 0;
		rs->tk.tokenize(rs->tk.arg, rs, RULE_TOKENIZE_DOCUMENT,
		    text[c], len[c], scan_cb);
	}
	for (i = 0; i < rs->n; i++)
		if (rs->t[i].always && rs->t[i].stamp != rs->stamp) {
			rs->t[i].stamp = rs->stamp;
			rs->cand[rs->ncand++] = (uint32_t)i;
		}
	qsort(rs->cand, rs->ncand, sizeof(*rs->cand), cmp_u32);
	if (cand != NULL)
		*cand = rs->cand;
	return rs->ncand;
}

/*
 * Does phrase q occur from hit i (which holds its first token)?  Returns
 * the index of the hit of its last token plus one, or 0.
 */
static size_t
phrase_at(const struct rule_set *rs, const struct qnode *q, size_t i)
{
	const struct hit	*h0 = &rs->hits[i], *h;
	size_t			 k, j, last = i;

	if (!(q->cols & (1u << h0->col)) || (q->initial && h0->pos != 0))
		return 0;
	for (k = 1; k < q->ntoks; k++) {
		for (j = i + 1; j < rs->nhits; j++) {
			h = &rs->hits[j];
			if (h->col != h0->col || h->pos > h0->pos + k)
				return 0;
			if (h->pos == h0->pos + k && h->id == q->toks[k])
				break;
		}
		if (j == rs->nhits)
			return 0;
		last = j;
	}
	return last + 1;
}

static int
phrase_match(const struct rule_set *rs, const struct qnode *q)
{
	size_t	 i, k;

	for (k = 0; k < q->ntoks; k++)
		if (rs->present[q->toks[k]] != rs->stamp)
			return 0;
	for (i = 0; i < rs->nhits; i++)
		if (rs->hits[i].id == q->toks[0] && phrase_at(rs, q, i) > 0)
			return 1;
	return 0;
}

static int
qn_eval(const struct rule_set *rs, const struct qnode *q)
{
	const struct qnode	*r;

	switch (q->type) {
	case QN_PHRASE:
		return q->ntoks > 0 && phrase_match(rs, q);
	case QN_AND:
		return qn_eval(rs, q->l) && qn_eval(rs, q->r);
	case QN_OR:
		/*
		 * Rules are long OR chains of phrases: walk them, do not
		 * recurse, and pass a phrase whose first token the article
		 * lacks (most of them) without a call.
		 */
		for (; q->type == QN_OR; q = q->l) {
			r = q->r;
			if (r->type == QN_PHRASE && (r->ntoks == 0 ||
			    rs->present[r->toks[0]] != rs->stamp))
				continue;
			if (qn_eval(rs, r))
				return 1;
		}
		return qn_eval(rs, q);
	case QN_NOT:
		return qn_eval(rs, q->l) && !qn_eval(rs, q->r);
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
rule_spans(struct rule_set *rs, const struct rule *r)
{
	const struct qnode	*q;
	size_t			 p, i, last;

	rs->nspans = 0;
	for (p = 0; p < r->nphrases; p++) {
		if (r->first[p] == UINT32_MAX ||
		    rs->present[r->first[p]] != rs->stamp)
			continue;
		q = r->phrases[p];
		for (i = 0; i < rs->nhits; i++) {
			if (rs->hits[i].id != q->toks[0] ||
			    (last = phrase_at(rs, q, i)) == 0)
				continue;
			if (rs->nspans == rs->capspans) {
				rs->capspans = rs->capspans == 0 ? 16 :
				    2 * rs->capspans;
				rs->spans = xrealloc(rs->spans,
				    rs->capspans * sizeof(*rs->spans));
			}
			rs->spans[rs->nspans].col = rs->hits[i].col;
			rs->spans[rs->nspans].pos = rs->hits[i].pos;
			rs->spans[rs->nspans].start = rs->hits[i].start;
			rs->spans[rs->nspans].end = rs->hits[last - 1].end;
			rs->nspans++;
		}
	}
	qsort(rs->spans, rs->nspans, sizeof(*rs->spans), cmp_span);
}

/*
 * An explanation in offsets into the article's texts, from which
 * why_render() writes terms, field and snippet: what the store keeps in
 * place of the text (rule_explain_packed()), a tenth of its size.
 */
struct why_span {
	uint8_t		 col;
	uint32_t	 start;
	uint32_t	 end;
};

struct why {
	int		 col;		/* of the first hit; -1: no hit */
	int		 snip;		/* a snippet: at..wend of col */
	int		 lead, trail;	/* "…" before, after */
	uint32_t	 at, wend;
	struct why_span	 hl[RULE_SNIPPET];	/* between "[" "]", in order */
	size_t		 nhl;
	struct why_span	 terms[RULE_MAX_TERMS];
	size_t		 nterms;
};

/*
 * The terms as they are written, case-insensitively distinct; RULE_SNIPPET
 * tokens of the column of the first term, from a few before it, with every
 * term inside between "[" and "]", "…" where it was cut.
 */
static void
why_build(const struct rule_set *rs, struct why *w)
{
	const char	*p, *q;
	uint32_t	 at, from, to;
	size_t		 i, k, len, n;
	int		 dup, col;

	memset(w, 0, sizeof(*w));
	w->col = -1;
	if (rs->nspans == 0)
		return;
	for (i = 0; i < rs->nspans && w->nterms < RULE_MAX_TERMS; i++) {
		p = rs->text[rs->spans[i].col] + rs->spans[i].start;
		len = rs->spans[i].end - rs->spans[i].start;
		if (len > RULE_MAX_TERM) {
			len = RULE_MAX_TERM;
			while (len > 0 && ((unsigned char)p[len] & 0xc0) ==
			    0x80)
				len--;
		}
		for (dup = 0, k = 0; k < w->nterms && !dup; k++) {
			q = rs->text[w->terms[k].col] + w->terms[k].start;
			dup = w->terms[k].end - w->terms[k].start == len &&
			    strncasecmp(q, p, len) == 0;
		}
		if (dup || len == 0)
			continue;
		w->terms[w->nterms].col = rs->spans[i].col;
		w->terms[w->nterms].start = rs->spans[i].start;
		w->terms[w->nterms++].end = rs->spans[i].start +
		    (uint32_t)len;
	}
	w->col = col = rs->spans[0].col;
	n = rs->ntoks[col];
	from = rs->spans[0].pos > RULE_LEAD ? rs->spans[0].pos - RULE_LEAD : 0;
	to = from + RULE_SNIPPET - 1;
	if (from >= n)
		return;
	if (to >= n)
		to = (uint32_t)n - 1;
	w->snip = 1;
	w->lead = from > 0;
	w->trail = to + 1 < n;
	w->at = at = rs->toks[col][from].start;
	w->wend = rs->toks[col][to].end;
	for (i = 0; i < rs->nspans && rs->spans[i].col == col &&
	    w->nhl < RULE_SNIPPET; i++) {
		if (rs->spans[i].start < at || rs->spans[i].end > w->wend)
			continue;
		w->hl[w->nhl].col = (uint8_t)col;
		w->hl[w->nhl].start = rs->spans[i].start;
		w->hl[w->nhl++].end = at = rs->spans[i].end;
	}
}

/*
 * Writes the explanation out of the texts it was made of (NULL for an
 * output not wanted); -1 when an offset lies outside them.
 */
static int
why_render(const struct why *w, const char *const text[RULE_NCOLS],
    const int len[RULE_NCOLS], char **terms, const char **field,
    char **snippet)
{
	struct buf	 b;
	const char	*t;
	uint32_t	 at;
	size_t		 i;

	if (terms != NULL)
		*terms = NULL;
	if (field != NULL)
		*field = NULL;
	if (snippet != NULL)
		*snippet = NULL;
	for (i = 0; i < w->nterms; i++)
		if (w->terms[i].col >= RULE_NCOLS ||
		    w->terms[i].start > w->terms[i].end ||
		    w->terms[i].end > (uint32_t)len[w->terms[i].col])
			return -1;
	if (w->col < 0)
		return 0;
	if (w->snip && (w->at > w->wend || w->wend > (uint32_t)len[w->col]))
		return -1;
	for (at = w->at, i = 0; w->snip && i < w->nhl; i++) {
		if (w->hl[i].start < at || w->hl[i].start > w->hl[i].end ||
		    w->hl[i].end > w->wend)
			return -1;
		at = w->hl[i].end;
	}
	if (terms != NULL && w->nterms > 0) {
		buf_init(&b, 0);
		for (i = 0; i < w->nterms; i++) {
			if (i > 0)
				buf_putc(&b, '\n');
			buf_append(&b, text[w->terms[i].col] +
			    w->terms[i].start, w->terms[i].end -
			    w->terms[i].start);
		}
		*terms = buf_steal(&b);
	}
	if (field != NULL)
		*field = rule_columns[w->col];
	if (snippet == NULL || !w->snip)
		return 0;
	t = text[w->col];
	buf_init(&b, 0);
	if (w->lead)
		buf_puts(&b, "…");
	for (at = w->at, i = 0; i < w->nhl; i++) {
		buf_append(&b, t + at, w->hl[i].start - at);
		buf_putc(&b, '[');
		buf_append(&b, t + w->hl[i].start, w->hl[i].end -
		    w->hl[i].start);
		buf_putc(&b, ']');
		at = w->hl[i].end;
	}
	buf_append(&b, t + at, w->wend - at);
	if (w->trail)
		buf_puts(&b, "…");
	*snippet = buf_steal(&b);
	return 0;
}

void
rule_explain(struct rule_set *rs, size_t i, char **terms, const char **field,
    char **snippet)
{
	struct why	 w;

	rule_spans(rs, &rs->t[i].match);
	why_build(rs, &w);
	(void)why_render(&w, rs->text, rs->textlen, terms, field, snippet);
}

/*
 * The packed form: a format byte (RULE_PACKED_V1), then unsigned LEB128
 * numbers: the first hit's column + 1 (0: no hit, nothing follows); flags
 * (1 a snippet, 2 "…" before it, 4 after it); with a snippet its start,
 * length, the count of its highlights and each one's distance from the
 * end of the one before (from the start) and length; the count of terms
 * and each one's column, start and length.
 */
#define RULE_PACKED_V1	1

static void
put_uint(unsigned char *p, size_t *n, uint32_t v)
{
	while (v >= 0x80) {
		p[(*n)++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[(*n)++] = (unsigned char)v;
}

static int
get_uint(const unsigned char *p, size_t n, size_t *at, uint32_t *v)
{
	uint64_t	 r = 0;
	int		 shift;

	for (shift = 0; shift < 35 && *at < n; shift += 7) {
		r |= (uint64_t)(p[*at] & 0x7f) << shift;
		if ((p[(*at)++] & 0x80) == 0) {
			if (r > UINT32_MAX)
				return -1;
			*v = (uint32_t)r;
			return 0;
		}
	}
	return -1;
}

void
rule_explain_packed(struct rule_set *rs, size_t i, unsigned char **out,
    size_t *np)
{
	struct why	 w;
	unsigned char	*p;
	uint32_t	 at;
	size_t		 n = 0, k;

	rule_spans(rs, &rs->t[i].match);
	why_build(rs, &w);
	/* at most five bytes a number */
	p = xmalloc(2 + 5 * (5 + 2 * w.nhl + 1 + 3 * w.nterms));
	p[n++] = RULE_PACKED_V1;
	put_uint(p, &n, (uint32_t)(w.col + 1));
	if (w.col >= 0) {
		put_uint(p, &n, (uint32_t)(w.snip | w.lead << 1 |
		    w.trail << 2));
		if (w.snip) {
			put_uint(p, &n, w.at);
			put_uint(p, &n, w.wend - w.at);
			put_uint(p, &n, (uint32_t)w.nhl);
			for (at = w.at, k = 0; k < w.nhl; k++) {
				put_uint(p, &n, w.hl[k].start - at);
				put_uint(p, &n, w.hl[k].end - w.hl[k].start);
				at = w.hl[k].end;
			}
		}
		put_uint(p, &n, (uint32_t)w.nterms);
		for (k = 0; k < w.nterms; k++) {
			put_uint(p, &n, w.terms[k].col);
			put_uint(p, &n, w.terms[k].start);
			put_uint(p, &n, w.terms[k].end - w.terms[k].start);
		}
	}
	*out = p;
	*np = n;
}

int
rule_unpack(const unsigned char *p, size_t n,
    const char *const text[RULE_NCOLS], const int len[RULE_NCOLS],
    char **terms, const char **field, char **snippet)
{
	struct why	 w;
	uint32_t	 v, flags, a, b, c, at;
	size_t		 k, i = 0;

	if (terms != NULL)
		*terms = NULL;
	if (field != NULL)
		*field = NULL;
	if (snippet != NULL)
		*snippet = NULL;
	memset(&w, 0, sizeof(w));
	if (n < 2 || p[i++] != RULE_PACKED_V1 || get_uint(p, n, &i, &v) ==
	    -1 || v > RULE_NCOLS)
		return -1;
	w.col = (int)v - 1;
	if (w.col >= 0) {
		if (get_uint(p, n, &i, &flags) == -1)
			return -1;
		w.snip = (flags & 1) != 0;
		w.lead = (flags & 2) != 0;
		w.trail = (flags & 4) != 0;
		if (w.snip) {
			if (get_uint(p, n, &i, &w.at) == -1 ||
			    get_uint(p, n, &i, &v) == -1 ||
			    get_uint(p, n, &i, &c) == -1 || c > RULE_SNIPPET ||
			    v > UINT32_MAX - w.at)
				return -1;
			w.wend = w.at + v;
			w.nhl = c;
			for (at = w.at, k = 0; k < w.nhl; k++) {
				if (get_uint(p, n, &i, &a) == -1 ||
				    get_uint(p, n, &i, &b) == -1 ||
				    a > w.wend - at || b > w.wend - at - a)
					return -1;
				w.hl[k].col = (uint8_t)w.col;
				w.hl[k].start = at + a;
				w.hl[k].end = at = at + a + b;
			}
		}
		if (get_uint(p, n, &i, &c) == -1 || c > RULE_MAX_TERMS)
			return -1;
		w.nterms = c;
		for (k = 0; k < w.nterms; k++) {
			if (get_uint(p, n, &i, &a) == -1 || a >= RULE_NCOLS ||
			    get_uint(p, n, &i, &b) == -1 ||
			    get_uint(p, n, &i, &c) == -1 ||
			    c > UINT32_MAX - b)
				return -1;
			w.terms[k].col = (uint8_t)a;
			w.terms[k].start = b;
			w.terms[k].end = b + c;
		}
	}
	if (i != n)
		return -1;
	return why_render(&w, text, len, terms, field, snippet);
}

int
rule_match(const struct rule_set *rs, size_t i)
{
	const struct rule_topic	*t = &rs->t[i];

	return qn_eval(rs, t->match.root) && (t->exclude.text == NULL ||
	    !qn_eval(rs, t->exclude.root));
}

/* A set of topics. */

struct rule_set *
rule_set_new(const struct rule_tokenizer *tk)
{
	struct rule_set	*rs = xcalloc(1, sizeof(*rs));

	rs->tk = *tk;
	rs->present = xcalloc(1, sizeof(*rs->present));
	rs->cand = xcalloc(1, sizeof(*rs->cand));
	return rs;
}

size_t
rule_set_add(struct rule_set *rs, const char *match, const char *exclude)
{
	struct rule_topic	*t;
	struct pick		 pk;
	const struct qnode	*q;
	size_t			 i = rs->n, j, k;
	uint32_t		 ntok = rs->ntok;

	rs->t = xrealloc(rs->t, (rs->n + 1) * sizeof(*rs->t));
	t = &rs->t[rs->n++];
	memset(t, 0, sizeof(*t));
	rule_compile(rs, &t->match, match);
	if (exclude != NULL && *exclude != '\0')
		rule_compile(rs, &t->exclude, exclude);
	t->fts = t->match.fts || t->exclude.fts;
	memset(&pk, 0, sizeof(pk));
	if (!t->match.fts)
		pick_triggers(rs, t->match.root, &pk);
	else	/* the tree lacks what FTS5 reads (NEAR): every phrase's tokens */
		for (j = 0; j < t->match.nphrases; j++)
			for (q = t->match.phrases[j], k = 0; k < q->ntoks; k++)
				pick_add(&pk, q->toks[k], 0);
	for (j = 0; j < pk.n; j++)
		trig_topic(rs, pk.v[j], (uint32_t)i);
	free(pk.v);
	/* nothing to look for: FTS5 looks at every article */
	if (pk.n == 0)
		t->always = t->fts = 1;
	/* one slot more than needed, as the stamp reset clears ntok + 1 */
	rs->present = xrealloc(rs->present, (rs->ntok + 1) *
	    sizeof(*rs->present));
	memset(rs->present + ntok + 1, 0, (rs->ntok - ntok) *
	    sizeof(*rs->present));
	rs->cand = xrealloc(rs->cand, (rs->n + 1) * sizeof(*rs->cand));
	return i;
}

int
rule_fts(const struct rule_set *rs, size_t i)
{
	return rs->t[i].fts;
}

void
rule_set_free(struct rule_set *rs)
{
	size_t	 i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++) {
		rule_clear(&rs->t[i].match);
		rule_clear(&rs->t[i].exclude);
	}
	free(rs->t);
	trigmap_free(&rs->exact);
	trigmap_free(&rs->prefix);
	for (i = 0; i < rs->ntok; i++)
		free(rs->tok[i].topics);
	free(rs->tok);
	free(rs->present);
	free(rs->hits);
	free(rs->cand);
	free(rs->spans);
	for (i = 0; i < RULE_NCOLS; i++)
		free(rs->toks[i]);
	free(rs);
}
