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
	struct tok_char	*chars;	/* U+0080..U+07FF, tokens_chars_build() */
	int		 nochars;	/* the table could not be made */
	char		*fold;	/* a token's folded bytes */
	size_t		 capfold;
};

/*
 * What SQLite's unicode61 (remove_diacritics 2) does with a character of
 * two bytes (U+0080..U+07FF: Latin, Greek, Cyrillic and the combining
 * marks), asked of it once per connection: whether the character starts a
 * token (a letter or a digit), whether it continues one (those and the
 * diacritics), and the bytes it folds to, as they are and with Greek
 * folded (tokens_fold_cb()).
 */
struct tok_char {
	unsigned char	 start, cont;
	unsigned char	 n, gn;
	char		 fold[4], gfold[4];
};

#define TOK_CHAR_FIRST	0x80
#define TOK_CHAR_END	0x800

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

/* The two bytes u[0..1] fold to, a Greek vowel plain or ß as ss; NULL none. */
static const char *
tokens_plain(const unsigned char *u)
{
	if (u[0] == 0xc3 && u[1] == 0x9f)
		return "ss";
	if ((u[0] & 0xfe) != 0xce)
		return NULL;
	return tokens_greek_plain(u);
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
		if ((plain = tokens_plain(u + i)) == NULL)
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

/* what tokens_chars_build() saw of one text */
struct tok_probe {
	char	 out[8];
	int	 n, ntok, start, end, bad;
};

static int
tokens_probe_cb(void *arg, int tflags, const char *tok, int n, int start,
    int end)
{
	struct tok_probe	*p = arg;

	if (p->ntok++ > 0 || tflags != 0 || n < 0 || n > (int)sizeof(p->out))
		p->bad = 1;
	else {
		memcpy(p->out, tok, (size_t)n);
		p->n = n;
		p->start = start;
		p->end = end;
	}
	return SQLITE_OK;
}

/* Greek vowels made plain and ß written ss in b[0..n), as tokens_fold_cb(). */
static void
tokens_fold_bytes(char *b, int n)
{
	unsigned char	*u = (unsigned char *)b;
	const char	*plain;
	int		 i;

	for (i = 0; i + 1 < n; i++) {
		if ((plain = tokens_plain(u + i)) == NULL)
			continue;
		b[i] = plain[0];
		b[++i] = plain[1];
	}
}

/*
 * The two-byte characters' table, from SQLite's tokenizer itself: each
 * character alone (does it start a token?) and after an 'a' (does it
 * continue one, and to what bytes does it fold?).  Anything it did not
 * expect leaves the table out, and SQLite tokenizes every text.
 */
static void
tokens_chars_build(struct store_tokens *c, Fts5Tokenizer *inner)
{
	struct tok_char		*t;
	struct tok_probe	 a, b;
	unsigned char		 s[3];
	unsigned		 cp;

	c->chars = xcalloc(TOK_CHAR_END - TOK_CHAR_FIRST, sizeof(*c->chars));
	for (cp = TOK_CHAR_FIRST; cp < TOK_CHAR_END; cp++) {
		t = &c->chars[cp - TOK_CHAR_FIRST];
		s[0] = 'a';
		s[1] = (unsigned char)(0xc0 | cp >> 6);
		s[2] = (unsigned char)(0x80 | (cp & 0x3f));
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		if (c->api.xTokenize(inner, &a, FTS5_TOKENIZE_DOCUMENT,
		    (const char *)s, 3, tokens_probe_cb) != SQLITE_OK ||
		    c->api.xTokenize(inner, &b, FTS5_TOKENIZE_DOCUMENT,
		    (const char *)s + 1, 2, tokens_probe_cb) != SQLITE_OK ||
		    a.bad || b.bad || a.ntok != 1 || a.start != 0 ||
		    a.n < 1 || a.out[0] != 'a' || a.n - 1 > 4)
			goto fail;
		if (a.end == 3) {
			t->cont = 1;
			t->n = (unsigned char)(a.n - 1);
			memcpy(t->fold, a.out + 1, t->n);
		} else if (a.end != 1 || a.n != 1)
			goto fail;
		if (b.ntok == 1) {
			if (!t->cont || b.start != 0 || b.end != 2 ||
			    b.n != t->n || memcmp(b.out, t->fold, t->n) != 0)
				goto fail;
			t->start = 1;
		}
		t->gn = t->n;
		memcpy(t->gfold, t->fold, t->n);
		tokens_fold_bytes(t->gfold, t->gn);
	}
	return;
fail:
	free(c->chars);
	c->chars = NULL;
	c->nochars = 1;
}

static int
tokens_ascii_alnum(unsigned char b)
{
	return (b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z');
}

/* The table's entry for the well-formed two-byte character at p. */
static const struct tok_char *
tokens_char(const struct store_tokens *c, const unsigned char *p)
{
	return &c->chars[((p[0] & 0x1f) << 6 | (p[1] & 0x3f)) -
	    TOK_CHAR_FIRST];
}

/* A run's tokens from SQLite's tokenizer, at their places in the text. */
struct tok_shift {
	void	*ctx;
	int	(*token)(void *, int, const char *, int, int, int);
	int	 off;
};

static int
tokens_shift_cb(void *arg, int tflags, const char *tok, int n, int start,
    int end)
{
	struct tok_shift	*sh = arg;

	return sh->token(sh->ctx, tflags, tok, n, start + sh->off,
	    end + sh->off);
}

/*
 * unicode61's tokens of text[0..len) without calling it for most words.
 * Its tokens are the runs of characters each classed on its own (a letter
 * or digit starts one; those and the diacritics continue it), folded one
 * character at a time, and an ASCII byte other than a letter or digit
 * always ends one.  So the text splits at those bytes into runs tokenized
 * apart: a run of ASCII letters and digits and well-formed two-byte
 * characters through the table, any other run (three- and four-byte
 * characters, bad bytes) by SQLite's tokenizer at its offset.  The same
 * tokens, bytes and offsets (greek: Greek and ß folded, as
 * tokens_fold_cb() does).
 */
static int
tokens_fast(struct tok_wrap *w, void *ctx, int flags, const char *text,
    int len, int greek, int (*token)(void *, int, const char *, int, int,
    int))
{
	struct store_tokens	*c = w->c;
	const unsigned char	*p = (const unsigned char *)text;
	const struct tok_char	*t;
	struct tok_fold_ctx	 f;
	struct tok_shift	 sh;
	int			 i = 0, k, re, is, ie, n, ret, run_ok;

	/* a token's bytes: at most twice its text's */
	if (c->capfold < 2 * (size_t)len + 8) {
		c->capfold = 2 * (size_t)len + 8;
		c->fold = xrealloc(c->fold, c->capfold);
	}
	f.ctx = ctx;
	f.token = token;
	sh.ctx = greek ? (void *)&f : ctx;
	sh.token = greek ? tokens_fold_cb : token;
	while (i < len) {
		while (i < len && p[i] < 0x80 && !tokens_ascii_alnum(p[i]))
			i++;
		if (i == len)
			break;
		run_ok = 1;
		for (re = i; re < len; re++) {
			if (p[re] < 0x80) {
				if (!tokens_ascii_alnum(p[re]))
					break;
				continue;
			}
			if (p[re] >= 0xc2 && p[re] <= 0xdf && re + 1 < len &&
			    (p[re + 1] & 0xc0) == 0x80 && (re + 2 >= len ||
			    (p[re + 2] & 0xc0) != 0x80))
				re++;
			else
				run_ok = 0;
		}
		if (!run_ok) {
			sh.off = i;
			if ((ret = c->api.xTokenize(w->inner, &sh, flags,
			    text + i, re - i, tokens_shift_cb)) != SQLITE_OK)
				return ret;
			i = re;
			continue;
		}
		k = i;
		while (k < re) {
			if (p[k] >= 0x80) {
				t = tokens_char(c, p + k);
				if (!t->start) {
					k += 2;
					continue;
				}
			}
			is = k;
			ie = k;
			n = 0;
			while (k < re) {
				if (p[k] < 0x80) {
					c->fold[n++] = (char)(p[k] >= 'A' &&
					    p[k] <= 'Z' ? p[k] + 32 : p[k]);
					k++;
				} else {
					t = tokens_char(c, p + k);
					k += 2;
					if (!t->cont)
						break;
					if (greek) {
						memcpy(c->fold + n, t->gfold,
						    t->gn);
						n += t->gn;
					} else {
						memcpy(c->fold + n, t->fold,
						    t->n);
						n += t->n;
					}
				}
				ie = k;
			}
			if ((ret = token(ctx, 0, c->fold, n, is, ie)) !=
			    SQLITE_OK)
				return ret;
		}
		i = re;
	}
	return SQLITE_OK;
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
	int			 greek;

	greek = len > 0 && (memchr(text, 0xce, (size_t)len) != NULL ||
	    memchr(text, 0xcf, (size_t)len) != NULL ||
	    tokens_has_sharp_s(text, (size_t)len));
	if (w->keep && len > 0) {
		if (w->c->chars == NULL && !w->c->nochars)
			tokens_chars_build(w->c, w->inner);
		if (w->c->chars != NULL)
			return tokens_fast(w, ctx, flags, text, len, greek,
			    token);
	}
	if (!greek)
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
	free(c->chars);
	free(c->fold);
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
