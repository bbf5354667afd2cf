/*
 * store-tokens.c: the search index's tokenizer, on every connection of the
 * store: SQLite's unicode61 with Greek folded as it folds Latin, and on the
 * daemon's connection an article's text tokenized once in a transaction,
 * not once for the topic matcher and again for the search index.  It is
 * registered as "unicode61", the name the schema gives, so the index, the
 * topic matcher (store-topics.c) and the reads' queries all use it.  It
 * keeps the tokens of each text the topic matcher reads and hands out the
 * same again for a text the same byte for byte (the index's insert), until
 * the transaction ends.  A connection of another program (sqlite3, Python)
 * has SQLite's own, which keeps Greek accents: its queries miss accented
 * Greek words and FTS5's integrity-check finds their tokens differ.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "util.h"

/*
 * What a transaction's texts may keep (their bytes, the tokens' bytes and
 * their records): a fetch of the bench corpus keeps a few hundred KB.
 * Past it, texts are tokenized as they come.
 */
#define TOKENS_MAX	(32u << 20)
#define TOKENS_KEEP	(1u << 20)	/* what stays allocated between them */

/* one text as the tokenizer read it: texts[i] */
struct tok_text {
	size_t	 text;		/* its bytes, at bytes + text */
	int	 len;
	size_t	 first;		/* its tokens, toks[first..first + n) */
	size_t	 n;
};

struct tok_rec {
	size_t	 off;		/* the token's bytes, at bytes + off */
	int	 len;
	int	 tflags;
	int	 start, end;
};

struct store_tokens {
	fts5_tokenizer	 api;	/* SQLite's unicode61 */
	void		*ud;
	struct tok_text	*texts;
	size_t		 ntexts, captexts;
	struct tok_rec	*toks;
	size_t		 ntoks, captoks;
	char		*bytes;
	size_t		 nbytes, capbytes;
	uint32_t	*slots;	/* open addressing: texts' index plus one */
	size_t		 nslots;
	int		 keeping;	/* tokens_keep(): the topic matcher's scan */
	int		 recording;
};

/* an instance: SQLite's, and whether its tokens may be kept */
struct tok_wrap {
	struct store_tokens	*c;
	Fts5Tokenizer		*inner;
	int			 keep;
};

/* what the folded tokens go to */
struct tok_fold_ctx {
	void			*ctx;
	int			(*token)(void *, int, const char *, int, int,
				    int);
};

/* what a text's tokens go through while they are kept */
struct tok_rec_ctx {
	struct store_tokens	*c;
	void			*ctx;
	int			(*token)(void *, int, const char *, int, int,
				    int);
};

static size_t
tokens_put(struct store_tokens *c, const char *s, size_t n)
{
	size_t	 off = c->nbytes;

	if (c->nbytes + n > c->capbytes) {
		c->capbytes = c->capbytes == 0 ? 65536 : c->capbytes;
		while (c->nbytes + n > c->capbytes)
			c->capbytes *= 2;
		c->bytes = xrealloc(c->bytes, c->capbytes);
	}
	memcpy(c->bytes + off, s, n);
	c->nbytes += n;
	return off;
}

static int
tokens_rec_cb(void *arg, int tflags, const char *tok, int n, int start,
    int end)
{
	struct tok_rec_ctx	*r = arg;
	struct store_tokens	*c = r->c;
	struct tok_rec		*t;

	if (c->ntoks == c->captoks) {
		c->captoks = c->captoks == 0 ? 4096 : 2 * c->captoks;
		c->toks = xrealloc(c->toks, c->captoks * sizeof(*c->toks));
	}
	t = &c->toks[c->ntoks++];
	t->off = tokens_put(c, tok, n > 0 ? (size_t)n : 0);
	t->len = n;
	t->tflags = tflags;
	t->start = start;
	t->end = end;
	return r->token(r->ctx, tflags, tok, n, start, end);
}

/*
 * A text's place in the table, from all its bytes: texts of one length
 * that share their ends (a feed's "<p>...</p>", a fixed tail) would
 * otherwise probe one chain, each a memcmp.
 */
static size_t
tokens_slot(const char *text, int len, size_t nslots)
{
	return (size_t)(hash64(0, text, (size_t)len) >> 32) & (nslots - 1);
}

/* The text kept the same as text[0..len), or NULL. */
static const struct tok_text *
tokens_find(struct store_tokens *c, const char *text, int len)
{
	const struct tok_text	*t;
	size_t			 i;

	if (c->nslots == 0)
		return NULL;
	for (i = tokens_slot(text, len, c->nslots); c->slots[i] != 0;
	    i = (i + 1) & (c->nslots - 1)) {
		t = &c->texts[c->slots[i] - 1];
		if (t->len == len &&
		    memcmp(c->bytes + t->text, text, (size_t)len) == 0)
			return t;
	}
	return NULL;
}

/* Keeps nt, its tokens recorded. */
static void
tokens_add(struct store_tokens *c, const struct tok_text *nt)
{
	const struct tok_text	*t;
	size_t			 i, k;

	if (c->ntexts == c->captexts) {
		c->captexts = c->captexts == 0 ? 256 : 2 * c->captexts;
		c->texts = xrealloc(c->texts, c->captexts * sizeof(*c->texts));
	}
	c->texts[c->ntexts++] = *nt;
	if (2 * c->ntexts > c->nslots) {
		c->nslots = c->nslots == 0 ? 1024 : 2 * c->nslots;
		free(c->slots);
		c->slots = xcalloc(c->nslots, sizeof(*c->slots));
		k = 0;
	} else
		k = c->ntexts - 1;
	for (; k < c->ntexts; k++) {
		t = &c->texts[k];
		for (i = tokens_slot(c->bytes + t->text, t->len, c->nslots);
		    c->slots[i] != 0; i = (i + 1) & (c->nslots - 1))
			;
		c->slots[i] = (uint32_t)k + 1;
	}
}

/*
 * The plain vowel for a Greek lower-case one with tonos or dialytika at p
 * (two bytes), or NULL.  unicode61 (remove_diacritics 2, SQLite 3.40)
 * folds case and the diacritics of Latin letters, not these: 'ΕΠΙΤΡΟΠΗ'
 * was επιτροπη and 'Επιτροπή' επιτροπή, capitals being written without
 * tonos.  It folds final sigma already ('ΚΥΡΩΣΕΙΣ' and 'κυρώσεις' end in
 * σ), and decomposed text (a vowel and U+0301) loses the accent; ς is
 * here for a SQLite that would not.  Polytonic letters (U+1F00-U+1FFF)
 * are left as they are: none in the bench corpus's or the shared feeds'
 * Greek.  Each letter and its plain vowel take two bytes.
 */
static const char *
tokens_greek_plain(const unsigned char *p)
{
	switch ((unsigned)p[0] << 8 | p[1]) {
	case 0xce90:			/* ΐ */
	case 0xceaf:			/* ί */
	case 0xcf8a:			/* ϊ */
		return "\xce\xb9";	/* ι */
	case 0xceac:			/* ά */
		return "\xce\xb1";	/* α */
	case 0xcead:			/* έ */
		return "\xce\xb5";	/* ε */
	case 0xceae:			/* ή */
		return "\xce\xb7";	/* η */
	case 0xceb0:			/* ΰ */
	case 0xcf8b:			/* ϋ */
	case 0xcf8d:			/* ύ */
		return "\xcf\x85";	/* υ */
	case 0xcf8c:			/* ό */
		return "\xce\xbf";	/* ο */
	case 0xcf8e:			/* ώ */
		return "\xcf\x89";	/* ω */
	case 0xcf82:			/* ς */
		return "\xcf\x83";	/* σ */
	default:
		return NULL;
	}
}

/*
 * A token with its Greek vowels made plain and German ß written ss (two
 * bytes each way: "Gruß" is found by gruss, as a German writes it in
 * capitals and in Switzerland), to the next callback.
 */
static int
tokens_fold_cb(void *arg, int tflags, const char *tok, int n, int start,
    int end)
{
	struct tok_fold_ctx	*f = arg;
	const unsigned char	*u = (const unsigned char *)tok;
	const char		*plain;
	char			 small[128], *buf = NULL, *heap = NULL;
	int			 i, ret;

	for (i = 0; i + 1 < n; i++) {
		if (u[i] == 0xc3 && u[i + 1] == 0x9f)
			plain = "ss";
		else if ((u[i] & 0xfe) != 0xce ||
		    (plain = tokens_greek_plain(u + i)) == NULL)
			continue;
		if (buf == NULL) {
			buf = (size_t)n <= sizeof(small) ? small :
			    (heap = xmalloc((size_t)n));
			memcpy(buf, tok, (size_t)n);
		}
		buf[i] = plain[0];
		buf[++i] = plain[1];
	}
	if (buf == NULL)
		return f->token(f->ctx, tflags, tok, n, start, end);
	ret = f->token(f->ctx, tflags, buf, n, start, end);
	free(heap);
	return ret;
}

/*
 * Whether text[0..len) holds a ß (C3 9F).  memmem() took 1,900
 * instructions a text; 0x9F is rare outside ß (ğ, ş, some Cyrillic and
 * Greek letters, emoji), so memchr() looks for it and the byte before is
 * checked.
 */
static int
tokens_has_sharp_s(const char *text, size_t len)
{
	const char	*p = text, *end = text + len, *q;

	while (p < end && (q = memchr(p, 0x9f, (size_t)(end - p))) != NULL) {
		if (q > text && (unsigned char)q[-1] == 0xc3)
			return 1;
		p = q + 1;
	}
	return 0;
}

/*
 * SQLite's tokenizer over text, its tokens folded: only a text with a byte
 * of Greek's two-byte letters (0xCE, 0xCF) or a ß goes through
 * tokens_fold_cb().
 */
static int
tokens_inner(struct tok_wrap *w, void *ctx, int flags, const char *text,
    int len, int (*token)(void *, int, const char *, int, int, int))
{
	struct tok_fold_ctx	 f;

	if (len <= 0 || (memchr(text, 0xce, (size_t)len) == NULL &&
	    memchr(text, 0xcf, (size_t)len) == NULL &&
	    !tokens_has_sharp_s(text, (size_t)len)))
		return w->c->api.xTokenize(w->inner, ctx, flags, text, len,
		    token);
	f.ctx = ctx;
	f.token = token;
	return w->c->api.xTokenize(w->inner, &f, flags, text, len,
	    tokens_fold_cb);
}

static int
tokw_tokenize(Fts5Tokenizer *tk, void *ctx, int flags, const char *text,
    int len, int (*token)(void *, int, const char *, int, int, int))
{
	struct tok_wrap		*w = (struct tok_wrap *)tk;
	struct store_tokens	*c = w->c;
	const struct tok_text	*t;
	const struct tok_rec	*r;
	struct tok_rec_ctx	 rc;
	struct tok_text		 nt;
	size_t			 i;
	int			 ret;

	if (!w->keep || flags != FTS5_TOKENIZE_DOCUMENT || len <= 0 ||
	    c->recording)
		return tokens_inner(w, ctx, flags, text, len, token);
	if ((t = tokens_find(c, text, len)) != NULL) {
		for (i = 0; i < t->n; i++) {
			r = &c->toks[t->first + i];
			if ((ret = token(ctx, r->tflags, c->bytes + r->off,
			    r->len, r->start, r->end)) != SQLITE_OK)
				return ret;
		}
		return SQLITE_OK;
	}
	/* at worst a token every two bytes: 14 bytes kept a byte of text */
	if (!c->keeping || c->nbytes + c->ntoks * sizeof(*c->toks) +
	    20 * (size_t)len > TOKENS_MAX)
		return tokens_inner(w, ctx, flags, text, len, token);
	nt.first = c->ntoks;
	nt.text = tokens_put(c, text, (size_t)len);
	nt.len = len;
	rc.c = c;
	rc.ctx = ctx;
	rc.token = token;
	c->recording = 1;
	ret = tokens_inner(w, &rc, flags, text, len, tokens_rec_cb);
	c->recording = 0;
	if (ret != SQLITE_OK) {
		/* cut short: not kept */
		c->ntoks = nt.first;
		c->nbytes = nt.text;
		return ret;
	}
	nt.n = c->ntoks - nt.first;
	tokens_add(c, &nt);
	return SQLITE_OK;
}

static int
tokw_create(void *ud, const char **argv, int argc, Fts5Tokenizer **out)
{
	struct store_tokens	*c = ud;
	struct tok_wrap		*w = xcalloc(1, sizeof(*w));
	int			 rc;

	w->c = c;
	if ((rc = c->api.xCreate(c->ud, argv, argc, &w->inner)) != SQLITE_OK) {
		free(w);
		return rc;
	}
	/* the search index's own arguments (store.c's schema) only */
	w->keep = argc == 2 && strcmp(argv[0], "remove_diacritics") == 0 &&
	    strcmp(argv[1], "2") == 0;
	*out = (Fts5Tokenizer *)w;
	return SQLITE_OK;
}

static void
tokw_delete(Fts5Tokenizer *tk)
{
	struct tok_wrap	*w = (struct tok_wrap *)tk;

	w->c->api.xDelete(w->inner);
	free(w);
}

static void
tokens_destroy(void *ud)
{
	struct store_tokens	*c = ud;

	free(c->texts);
	free(c->toks);
	free(c->bytes);
	free(c->slots);
	free(c);
}

/* FTS5's API on db (version 2 or later), or NULL. */
fts5_api *
fts5_api_of(sqlite3 *db)
{
	fts5_api	*fts = NULL;
	sqlite3_stmt	*st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st,
	    NULL) == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, &fts, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return fts != NULL && fts->iVersion >= 2 ? fts : NULL;
}

int
tokens_register(struct store *s, char **errstr)
{
	struct store_tokens	*c;
	fts5_api		*fts = fts5_api_of(s->db);
	fts5_tokenizer		 wrap = { tokw_create, tokw_delete,
				    tokw_tokenize };

	c = xcalloc(1, sizeof(*c));
	if (fts == NULL ||
	    fts->xFindTokenizer(fts, "unicode61", &c->ud, &c->api) !=
	    SQLITE_OK) {
		free(c);
		*errstr = xasprintf("%s: SQLite's FTS5 unicode61 tokenizer is "
		    "not available", s->path);
		return -1;
	}
	/* found before SQLite's of the same name from now on */
	if (fts->xCreateTokenizer(fts, "unicode61", c, &wrap,
	    tokens_destroy) != SQLITE_OK) {
		tokens_destroy(c);
		store_seterr(s, errstr, "registering the tokenizer");
		return -1;
	}
	s->tokens = c;
	return 0;
}

void
tokens_clear(struct store *s)
{
	struct store_tokens	*c = s->tokens;

	if (c == NULL)
		return;
	if (c->ntexts > 0)
		memset(c->slots, 0, c->nslots * sizeof(*c->slots));
	c->ntexts = c->ntoks = c->nbytes = 0;
	/*
	 * What one large transaction grew (a first fetch of many feeds, a
	 * backfill: up to TOKENS_MAX of bytes and as much again of records)
	 * goes back, not kept for the daemon's life.
	 */
	if (c->capbytes + c->captoks * sizeof(*c->toks) +
	    c->captexts * sizeof(*c->texts) > TOKENS_KEEP) {
		free(c->bytes);
		free(c->toks);
		free(c->texts);
		free(c->slots);
		c->bytes = NULL;
		c->toks = NULL;
		c->texts = NULL;
		c->slots = NULL;
		c->capbytes = c->captoks = c->captexts = c->nslots = 0;
	}
}

void
tokens_keep(struct store *s, int on)
{
	if (s->tokens != NULL)
		s->tokens->keeping = on;
}
