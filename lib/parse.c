/*
 * parse.c: the feed parser.  Bytes pass through an input filter (infilter_*:
 * encoding, repair, caps) into a libxml2 SAX2 push parser whose callbacks
 * drive a port of feedparser's element state machine (fp_*), so that herald
 * reads RSS and Atom the way the reference parser of the field does.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "date.h"
#include "log.h"
#include "parse.h"
#include "parse-int.h"
#include "text.h"
#include "url.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Input filter: bytes in any encoding -> repaired UTF-8 for libxml2.  */
/* ------------------------------------------------------------------ */

enum mstate {
	M_START,		/* before the first '<' */
	M_TEXT,
	M_TAG,
	M_TAG_SQ,
	M_TAG_DQ,
	M_COMMENT,
	M_CDATA,
	M_PI,
	M_DECL,
	M_DOCTYPE,		/* collecting a DOCTYPE declaration */
};

/* Where the DOCTYPE scanner is (infilter_doctype). */
enum dtstate {
	DT_HEAD,		/* <!DOCTYPE name ExternalID */
	DT_HEAD_QUOTE,
	DT_SUBSET,		/* inside [ ... ] */
	DT_DECL,		/* <!ELEMENT ... > and friends */
	DT_DECL_QUOTE,
	DT_COMMENT,
	DT_PI,
};

/* An entity declared in the internal subset. */
struct dtd_entity {
	char	 name[40];
	char	*text;		/* replacement text, UTF-8; NULL: external */
	size_t	 len;
};

struct infilter {
	int		 decided;	/* encoding known */
	struct buf	 head;		/* raw bytes before that */
	iconv_t		 cd;		/* (iconv_t)-1: input is UTF-8 */
	int		 declared;	/* the encoding was declared */
	int		 utf16;		/* bytes per unit, to skip on EILSEQ */
	char		 pend[16];	/* incomplete sequence at a chunk end */
	size_t		 npend;
	char		 encoding[64];	/* what the bytes are read as */
	char		 reported[64];	/* what the document says it is */
	int		 ascii_label;	/* reported as US-ASCII */
	int		 strict_utf8;	/* declared UTF-8: bad bytes -> U+FFFD */
	int		 saw_high;	/* a byte >= 0x80 was read */
	char		 fallback[64];	/* the XML declaration's encoding, when
					 * the HTTP charset overrode it */
	int		 nonascii;	/* a non-ASCII character was decoded */
	char		 overwhy[192];	/* the message of an override */
	int		 resorted;	/* then windows-1252 (last resort) */
	struct buf	 dec;		/* decoded UTF-8 not yet filtered */
	enum mstate	 m;
	size_t		 tagbytes;
	size_t		 tagattrs;
	int		 declnest;
	char		 declquote;
	int		 endrun;	/* '-', ']' or '?' just before, in a row */
	int		 seen_tag;	/* an element started: no DOCTYPE now */
	struct buf	 doctype;	/* the DOCTYPE being collected */
	enum dtstate	 dt;
	char		 dtquote;
	size_t		 dt_open;	/* offset of its '[', 0: none yet */
	size_t		 dt_close;	/* offset of its ']' */
	struct dtd_entity *ents;
	size_t		 nents;
	size_t		 expanded;	/* bytes of entity text expanded */
	struct buf	 out;		/* filtered UTF-8 for libxml2 */
	int		 fixed;		/* something was repaired (bozo) */
	int		 fixenc;	/* ... and the first repair was of the encoding */
	int		 cp1252_used;	/* undeclared 8-bit bytes read as windows-1252 */
	const char	*fixwhy;
	char		*error;		/* fatal: the document is rejected */
	enum parse_failure fail;	/* ... and the kind of it */
};

static const uint16_t cp1252_high[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

/* A repair: of the markup (not well-formed XML) or of the encoding. */
static void
infilter_fix_kind(struct infilter *f, const char *why, int encoding)
{
	if (!f->fixed) {
		f->fixwhy = why;
		f->fixenc = encoding;
	}
	f->fixed = 1;
}

static void
infilter_fix(struct infilter *f, const char *why)
{
	infilter_fix_kind(f, why, 0);
}

static void
infilter_fix_enc(struct infilter *f, const char *why)
{
	infilter_fix_kind(f, why, 1);
}

/* Rejects the document (the first reason stands); takes `msg`. */
static void
infilter_reject(struct infilter *f, enum parse_failure kind, char *msg)
{
	if (f->error == NULL) {
		f->error = msg;
		f->fail = kind;
	} else
		free(msg);
}

static void
put_cp(struct buf *b, uint32_t cp)
{
	char	 u[4];
	size_t	 n;

	if ((n = utf8_encode(cp, u)) == 0)
		n = utf8_encode(0xfffd, u);
	buf_append(b, u, n);
}

/* Length of the UTF-8 sequence at s (n bytes available): >0 valid, 0 need more, -1 invalid. */
static inline int
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char	 c = s[0];
	int		 len, i;
	uint32_t	 cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return -1;
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return 0;
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
		if (i == 1) {
			/* reject overlongs, surrogates and > U+10FFFF early */
			if (len == 3 && c == 0xe0 && s[1] < 0xa0)
				return -1;
			if (len == 3 && c == 0xed && s[1] > 0x9f)
				return -1;
			if (len == 4 && c == 0xf0 && s[1] < 0x90)
				return -1;
			if (len == 4 && c == 0xf4 && s[1] > 0x8f)
				return -1;
		}
	}
	if (cp == 0xfffe || cp == 0xffff)
		return -1;
	return len;
}

static int	 is_utf8_label(const char *);
static iconv_t	 infilter_open(const char *);
static void	 infilter_decode_iconv(struct infilter *, const char *, size_t,
		    int);

/*
 * The bytes are not in the HTTP charset: reads the rest as the XML
 * declaration says, as feedparser's convert_to_utf8() tries the declared
 * encoding next.  feedparser decodes the whole document again; a stream
 * cannot, so this is done only while what was decoded is ASCII (which
 * reads the same in both): then the result is feedparser's.  Returns 1 when
 * the decoder was switched.
 */
static int
infilter_override(struct infilter *f)
{
	iconv_t	 cd = (iconv_t)-1;

	if (f->fallback[0] == '\0' || f->nonascii)
		return 0;
	if (!is_utf8_label(f->fallback) &&
	    (cd = infilter_open(f->fallback)) == (iconv_t)-1)
		return 0;
	if (f->cd != (iconv_t)-1)
		iconv_close(f->cd);
	f->cd = cd;
	snprintf(f->overwhy, sizeof(f->overwhy),
	    "document declared as %s, but parsed as %s", f->reported,
	    f->fallback);
	infilter_fix_enc(f, f->overwhy);
	snprintf(f->encoding, sizeof(f->encoding), "%s", f->fallback);
	snprintf(f->reported, sizeof(f->reported), "%s", f->fallback);
	f->fallback[0] = '\0';
	f->strict_utf8 = 0;	/* feedparser's next try is windows-1252 */
	f->utf16 = 0;		/* a 16-bit declaration without a BOM is ignored */
	return 1;
}

/*
 * The declared encoding an override chose cannot read the bytes either:
 * the rest is read as windows-1252, feedparser's last try (it reads the
 * whole document so; a stream reads on from here).  Returns 1 when the
 * decoder was switched.
 */
static int
infilter_last_resort(struct infilter *f)
{
	iconv_t	 cd;

	if (f->overwhy[0] == '\0' || f->resorted || f->utf16 ||
	    (cd = infilter_open("windows-1252")) == (iconv_t)-1)
		return 0;
	iconv_close(f->cd);
	f->cd = cd;
	f->resorted = 1;
	snprintf(f->overwhy, sizeof(f->overwhy),
	    "document declared as %s, but parsed as windows-1252",
	    f->reported);
	infilter_fix_enc(f, f->overwhy);
	snprintf(f->encoding, sizeof(f->encoding), "windows-1252");
	snprintf(f->reported, sizeof(f->reported), "windows-1252");
	return 1;
}

/* Decodes UTF-8 input: invalid bytes become U+FFFD, or windows-1252 when not declared UTF-8. */
static void
infilter_decode_utf8(struct infilter *f, const char *data, size_t len, int final)
{
	const unsigned char	*s = (const unsigned char *)data;
	size_t			 i = 0, run = 0;
	int			 n;

	while (i < len) {
		if (s[i] < 0x80) {
			uint64_t	 w;

			/* ASCII eight bytes at a time */
			while (i + 8 <= len) {
				memcpy(&w, s + i, 8);
				if (w & 0x8080808080808080ULL)
					break;
				i += 8;
				run += 8;
			}
			if (i < len && s[i] < 0x80) {
				i++;
				run++;
			}
			continue;
		}
		/* two-byte sequences (Latin, Greek, Cyrillic) inline */
		if (s[i] >= 0xc2 && s[i] <= 0xdf && i + 1 < len &&
		    (s[i + 1] & 0xc0) == 0x80) {
			i += 2;
			run += 2;
			f->nonascii = 1;
			continue;
		}
		n = utf8_seq(s + i, len - i);
		if (n > 0) {
			i += (size_t)n;
			run += (size_t)n;
			f->nonascii = 1;
			continue;
		}
		buf_append(&f->dec, data + i - run, run);
		run = 0;
		if (n == 0 && !final) {
			memcpy(f->pend, s + i, len - i);
			f->npend = len - i;
			return;
		}
		if (infilter_override(f)) {
			if (f->cd == (iconv_t)-1)
				infilter_decode_utf8(f, data + i, len - i, final);
			else
				infilter_decode_iconv(f, data + i, len - i, final);
			return;
		}
		if (!f->strict_utf8) {
			uint32_t cp = s[i] < 0xa0 ? cp1252_high[s[i] - 0x80] : s[i];

			put_cp(&f->dec, cp);
			f->cp1252_used = 1;
			infilter_fix_enc(f, f->declared ?
			    "8-bit text that is not UTF-8 read as windows-1252" :
			    "undeclared 8-bit text read as windows-1252");
		} else {
			put_cp(&f->dec, 0xfffd);
			infilter_fix_enc(f, "invalid UTF-8 replaced");
		}
		i++;
	}
	buf_append(&f->dec, data + i - run, run);
}

static void
infilter_decode_iconv(struct infilter *f, const char *data, size_t len, int final)
{
	char	 obuf[8192];
	char	*in = (char *)data, *out;
	size_t	 inleft = len, outleft, r;

	while (inleft > 0) {
		out = obuf;
		outleft = sizeof(obuf);
		r = iconv(f->cd, &in, &inleft, &out, &outleft);
		buf_append(&f->dec, obuf, sizeof(obuf) - outleft);
		if (f->fallback[0] != '\0' && !f->nonascii)
			for (char *c = obuf; c < out && !f->nonascii; c++)
				f->nonascii = (unsigned char)*c >= 0x80;
		if (r != (size_t)-1)
			continue;
		if (errno == E2BIG)
			continue;
		if (errno == EINVAL && !final && inleft < sizeof(f->pend)) {
			memcpy(f->pend, in, inleft);
			f->npend = inleft;
			return;
		}
		if (infilter_override(f)) {
			if (f->cd == (iconv_t)-1) {
				infilter_decode_utf8(f, in, inleft, final);
				return;
			}
			continue;
		}
		if (infilter_last_resort(f))
			continue;
		/* EILSEQ, or a truncated sequence at the very end */
		put_cp(&f->dec, 0xfffd);
		infilter_fix_enc(f, "invalid byte sequence replaced");
		r = f->utf16 == 2 ? 4 : f->utf16 ? 2 : 1;
		if (r > inleft)
			r = inleft;
		in += r;
		inleft -= r;
		iconv(f->cd, NULL, NULL, NULL, NULL);
	}
}

static void
infilter_decode(struct infilter *f, const char *data, size_t len, int final)
{
	char	 tmp[sizeof(f->pend) * 2];

	if (f->ascii_label && !f->saw_high) {
		size_t	 i;

		for (i = 0; i < len; i++)
			if ((unsigned char)data[i] >= 0x80) {
				f->saw_high = 1;
				break;
			}
	}

	/* finish a sequence split across chunks first */
	if (f->npend > 0) {
		size_t	 n = f->npend, take = sizeof(f->pend) - n, used;
		int	 last;

		if (take > len)
			take = len;
		last = final && take == len;
		memcpy(tmp, f->pend, n);
		memcpy(tmp + n, data, take);
		f->npend = 0;
		if (f->cd == (iconv_t)-1)
			infilter_decode_utf8(f, tmp, n + take, last);
		else
			infilter_decode_iconv(f, tmp, n + take, last);
		if (take == len)
			return;		/* any new tail is in f->pend already */
		/*
		 * More input follows: a sequence is at most 4 bytes (8 for
		 * UTF-16 pairs), so a new incomplete tail starts inside `data`.
		 */
		used = n + take - f->npend;
		if (used < n)
			used = n;
		data += used - n;
		len -= used - n;
		f->npend = 0;
	}
	if (len == 0)
		return;
	if (f->cd == (iconv_t)-1)
		infilter_decode_utf8(f, data, len, final);
	else
		infilter_decode_iconv(f, data, len, final);
}

static int
is_name_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':' ||
	    c >= 0x80;
}

static int
xml_char_ok(unsigned long cp)
{
	if (cp == 0x9 || cp == 0xa || cp == 0xd)
		return 1;
	if (cp < 0x20 || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe ||
	    cp == 0xffff || cp > 0x10ffff)
		return 0;
	return 1;
}

static int
starts(const char *s, size_t n, const char *lit)
{
	size_t	 l = strlen(lit);

	return n >= l && memcmp(s, lit, l) == 0;
}

static int
prefix_of(const char *s, size_t n, const char *lit)
{
	size_t	 l = strlen(lit);

	return n < l && memcmp(s, lit, n) == 0;
}

/* ---- entity declarations (a DOCTYPE's internal subset) ---- */

static const struct dtd_entity *
infilter_entity(const struct infilter *f, const char *name)
{
	size_t	 i;

	for (i = 0; i < f->nents; i++)
		if (strcmp(f->ents[i].name, name) == 0)
			return &f->ents[i];
	return NULL;
}

/* Writes a declared entity's replacement text, as text that stays text. */
static void
infilter_expand(struct infilter *f, const struct dtd_entity *e, int attr)
{
	const char	*s, *end;
	size_t		 run = 0;

	if (e->text == NULL) {
		/* external: never loaded, so its reference is dropped */
		infilter_fix(f, "reference to an external entity dropped");
		return;
	}
	s = e->text;
	end = e->text + e->len;
	if (f->expanded + e->len > PARSE_MAX_ENTITY_EXPANSION) {
		infilter_reject(f, PARSE_ENTITY, xasprintf("entity references "
		    "expand to more than %d bytes", PARSE_MAX_ENTITY_EXPANSION));
		return;
	}
	f->expanded += e->len;
	for (; s < end; s++) {
		const char	*esc;

		switch (*s) {
		case '>':
			esc = "&gt;";
			break;
		case '"':
			esc = "&#34;";
			break;
		case '\'':
			esc = "&#39;";
			break;
		case '\r':
			esc = attr ? " " : "&#13;";
			break;
		default:
			run++;
			continue;
		}
		buf_append(&f->out, s - run, run);
		run = 0;
		buf_puts(&f->out, esc);
	}
	buf_append(&f->out, s - run, run);
}

static int
is_xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_predefined(const char *name)
{
	return strcmp(name, "amp") == 0 || strcmp(name, "lt") == 0 ||
	    strcmp(name, "gt") == 0 || strcmp(name, "quot") == 0 ||
	    strcmp(name, "apos") == 0;
}

/*
 * The replacement text of an entity value: character references decoded,
 * the five predefined entities (&amp; &lt; &gt; &quot; &apos;) kept as
 * they are, for the content to decode as XML does ("Council &amp;
 * Parliament" is the common way to put an ampersand in one); markup or a
 * reference to any other entity is refused, so that nothing nests
 * (billion laughs).  Returns heap text, or NULL with f->error set.
 */
static char *
dtd_entity_value(struct infilter *f, const char *name, const char *v,
    size_t n, size_t *len)
{
	struct buf	 b;
	size_t		 i = 0, run = 0;

	buf_init(&b, 0);
	buf_append(&b, "", 0);
	while (i < n) {
		char		 c = v[i];
		unsigned long	 cp;
		const char	*end;

		if (c == '<') {
			infilter_reject(f, PARSE_ENTITY, xasprintf("entity '%s' "
			    "contains markup", name));
			goto fail;
		}
		if (c == '%') {
			infilter_reject(f, PARSE_ENTITY, xasprintf("entity '%s' "
			    "refers to a parameter entity", name));
			goto fail;
		}
		if (c != '&') {
			run++;
			i++;
			continue;
		}
		buf_append(&b, v + i - run, run);
		run = 0;
		if (i + 1 >= n || v[i + 1] != '#') {
			char	 ref[8];
			size_t	 j;

			for (j = i + 1; j < n && j - i - 1 < sizeof(ref) - 1 &&
			    isalpha((unsigned char)v[j]); j++)
				ref[j - i - 1] = v[j];
			ref[j - i - 1] = '\0';
			if (j < n && v[j] == ';' && is_predefined(ref)) {
				buf_append(&b, v + i, j + 1 - i);
				i = j + 1;
				continue;
			}
			infilter_reject(f, PARSE_ENTITY, xasprintf("entity '%s' "
			    "refers to another entity", name));
			goto fail;
		}
		/* &#N; or &#xH; */
		{
			size_t	 j = i + 2, d;
			int	 hex = j < n && v[j] == 'x';

			j += hex;
			cp = 0;
			for (d = j; d < n && (hex ? isxdigit((unsigned char)v[d]) :
			    isdigit((unsigned char)v[d])) && cp <= 0x10ffff; d++)
				cp = cp * (hex ? 16 : 10) + (unsigned long)(
				    isdigit((unsigned char)v[d]) ? v[d] - '0' :
				    tolower((unsigned char)v[d]) - 'a' + 10);
			if (d == j || d >= n || v[d] != ';' || !xml_char_ok(cp)) {
				infilter_reject(f, PARSE_ENTITY, xasprintf("entity "
				    "'%s' has a malformed character reference", name));
				goto fail;
			}
			end = v + d;
		}
		if (cp == '<' || cp == '&') {
			/* in the replacement text, markup or a reference again */
			infilter_reject(f, PARSE_ENTITY, xasprintf("entity '%s' "
			    "contains markup", name));
			goto fail;
		}
		put_cp(&b, (uint32_t)cp);
		i = (size_t)(end - v) + 1;
	}
	buf_append(&b, v + i - run, run);
	if (b.len > PARSE_MAX_ENTITY_TEXT) {
		infilter_reject(f, PARSE_ENTITY, xasprintf("entity '%s' is longer "
		    "than %d bytes", name, PARSE_MAX_ENTITY_TEXT));
		goto fail;
	}
	*len = b.len;
	return buf_steal(&b);
fail:
	buf_free(&b);
	return NULL;
}

/*
 * One <!ENTITY ...> declaration, s[0..n) from "<!ENTITY" to its '>'.
 * Internal general entities are kept; external ones are recorded so that
 * their references can be dropped; parameter entities are ignored.  None
 * is ever loaded.  Declaring one is no wart (feedparser drops them too, and
 * a parser that reads no external DTD may); a reference in the content to
 * one that was not loaded is (infilter_expand).  Returns -1 with f->error
 * set when the document is to be rejected.
 */
static int
dtd_entity_decl(struct infilter *f, const char *s, size_t n)
{
	size_t			 i = 8, start;
	char			 name[sizeof(f->ents[0].name)], q;
	const char		*v;
	size_t			 vlen, len = 0;
	char			*text = NULL;
	struct dtd_entity	*e;
	int			 external = 0;

	if (i >= n || !is_xml_space(s[i]))
		goto malformed;
	while (i < n && is_xml_space(s[i]))
		i++;
	if (s[i] == '%')
		return 0;	/* a parameter entity: never loaded */
	start = i;
	while (i < n && is_name_char((unsigned char)s[i]))
		i++;
	if (i == start || i - start >= sizeof(name))
		goto malformed;
	memcpy(name, s + start, i - start);
	name[i - start] = '\0';
	if (i >= n || !is_xml_space(s[i]))
		goto malformed;
	/* the five predefined keep their meaning; the first declaration wins */
	if (is_predefined(name) || infilter_entity(f, name) != NULL)
		return 0;
	while (i < n && is_xml_space(s[i]))
		i++;
	if (n - i >= 6 && (memcmp(s + i, "SYSTEM", 6) == 0 ||
	    memcmp(s + i, "PUBLIC", 6) == 0))
		external = 1;
	else if (s[i] == '"' || s[i] == '\'') {
		q = s[i++];
		v = s + i;
		while (i < n && s[i] != q)
			i++;
		if (i >= n)
			goto malformed;
		vlen = (size_t)(s + i - v);
		i++;
		while (i < n && is_xml_space(s[i]))
			i++;
		if (i + 1 != n || s[i] != '>')
			goto malformed;
		if ((text = dtd_entity_value(f, name, v, vlen, &len)) == NULL)
			return -1;
	} else
		goto malformed;
	if (f->nents >= PARSE_MAX_ENTITIES) {
		free(text);
		infilter_reject(f, PARSE_ENTITY, xasprintf("more than %d "
		    "entities declared", PARSE_MAX_ENTITIES));
		return -1;
	}
	if ((f->nents & (f->nents - 1)) == 0)
		f->ents = xrealloc(f->ents, (f->nents ? f->nents * 2 : 8) *
		    sizeof(*f->ents));
	e = &f->ents[f->nents++];
	memcpy(e->name, name, sizeof(name));
	e->text = external ? NULL : text;
	e->len = len;
	return 0;
malformed:
	infilter_reject(f, PARSE_ENTITY, xstrdup("a malformed entity declaration"));
	return -1;
}

/* The end of the markup declaration at s (quotes respected), or NULL. */
static const char *
dtd_decl_end(const char *s, const char *end)
{
	char	 q = 0;

	for (; s < end; s++) {
		if (q != 0) {
			if (*s == q)
				q = 0;
		} else if (*s == '"' || *s == '\'')
			q = *s;
		else if (*s == '>')
			return s;
	}
	return NULL;
}

/*
 * A complete DOCTYPE declaration in f->doctype: reads its entity
 * declarations, and hands libxml2 the rest (name, external ID and the other
 * markup declarations), without entities, parameter entity references,
 * comments or processing instructions, so that libxml2 has nothing to load
 * or substitute.
 */
static void
infilter_doctype_done(struct infilter *f)
{
	const char	*s = f->doctype.data, *end, *p, *e;

	if (f->seen_tag) {
		infilter_fix(f, "DOCTYPE after the root element dropped");
		return;
	}
	if (f->dt_open == 0) {
		buf_append(&f->out, s, f->doctype.len);
		return;
	}
	buf_append(&f->out, s, f->dt_open + 1);
	p = s + f->dt_open + 1;
	end = s + f->dt_close;
	while (p < end && f->error == NULL) {
		if (is_xml_space(*p)) {
			buf_putc(&f->out, *p++);
		} else if (*p == '%') {
			/* a parameter entity reference: nothing is loaded */
			while (p < end && *p != ';' && !is_xml_space(*p))
				p++;
			if (p < end && *p == ';')
				p++;
		} else if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			e = memmem(p + 4, (size_t)(end - p - 4), "-->", 3);
			p = e != NULL ? e + 3 : end;
		} else if (end - p >= 2 && memcmp(p, "<?", 2) == 0) {
			e = memmem(p + 2, (size_t)(end - p - 2), "?>", 2);
			p = e != NULL ? e + 2 : end;
		} else if (end - p >= 2 && memcmp(p, "<!", 2) == 0) {
			if ((e = dtd_decl_end(p, end)) == NULL)
				e = end - 1;
			if (end - p >= 8 && memcmp(p, "<!ENTITY", 8) == 0)
				dtd_entity_decl(f, p, (size_t)(e + 1 - p));
			else
				buf_append(&f->out, p, (size_t)(e + 1 - p));
			p = e + 1;
		} else {
			/* not a declaration: libxml2 will say so */
			buf_putc(&f->out, *p++);
		}
	}
	buf_append(&f->out, end, f->doctype.len - f->dt_close);
}

/*
 * Collects a DOCTYPE declaration from s[0..n): returns the bytes consumed.
 * Sets *more when the rest has to wait for more input.  At its end, hands
 * it to infilter_doctype_done().
 */
static size_t
infilter_doctype(struct infilter *f, const char *s, size_t n, int final,
    int *more)
{
	size_t	 i = 0;

	*more = 0;
	while (i < n) {
		unsigned char	 c = (unsigned char)s[i];

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			infilter_fix(f, "control character removed");
			i++;
			continue;
		}
		switch (f->dt) {
		case DT_HEAD:
			if (c == '"' || c == '\'') {
				f->dtquote = (char)c;
				f->dt = DT_HEAD_QUOTE;
			} else if (c == '[' && f->dt_open == 0) {
				f->dt_open = f->doctype.len;
				f->dt = DT_SUBSET;
			} else if (c == '>') {
				buf_putc(&f->doctype, (char)c);
				i++;
				f->m = M_TEXT;
				infilter_doctype_done(f);
				return i;
			}
			break;
		case DT_HEAD_QUOTE:
			if (c == (unsigned char)f->dtquote)
				f->dt = DT_HEAD;
			break;
		case DT_SUBSET:
			if (c == ']') {
				f->dt_close = f->doctype.len;
				f->dt = DT_HEAD;
			} else if (c == '<') {
				if (n - i < 4 && !final) {
					*more = 1;
					return i;
				}
				if (starts(s + i, n - i, "<!--")) {
					buf_append(&f->doctype, s + i, 4);
					i += 4;
					f->dt = DT_COMMENT;
					continue;
				}
				if (starts(s + i, n - i, "<?"))
					f->dt = DT_PI;
				else if (starts(s + i, n - i, "<!"))
					f->dt = DT_DECL;
			}
			break;
		case DT_DECL:
			if (c == '"' || c == '\'') {
				f->dtquote = (char)c;
				f->dt = DT_DECL_QUOTE;
			} else if (c == '>')
				f->dt = DT_SUBSET;
			break;
		case DT_DECL_QUOTE:
			if (c == (unsigned char)f->dtquote)
				f->dt = DT_DECL;
			break;
		case DT_COMMENT:
			if (c == '>' && f->doctype.len >= 2 &&
			    memcmp(f->doctype.data + f->doctype.len - 2, "--", 2) == 0)
				f->dt = DT_SUBSET;
			break;
		case DT_PI:
			if (c == '>' && f->doctype.len >= 1 &&
			    f->doctype.data[f->doctype.len - 1] == '?')
				f->dt = DT_SUBSET;
			break;
		}
		buf_putc(&f->doctype, (char)c);
		i++;
		if (f->doctype.len > PARSE_MAX_DOCTYPE) {
			infilter_reject(f, PARSE_LIMIT, xasprintf("the DOCTYPE "
			    "declaration is longer than %d bytes", PARSE_MAX_DOCTYPE));
			return i;
		}
	}
	return i;
}

/*
 * An '&' at s (n bytes).  Writes its repaired form and returns the bytes
 * consumed, or 0 when more input is needed to decide.
 */
static size_t
infilter_amp(struct infilter *f, const char *s, size_t n, int final, int attr)
{
	size_t			 i, max = 40;
	const char		*u;
	char			 name[48];
	const struct dtd_entity	*ent;

	for (i = 1; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ';')
			break;
		if (i == 1 && c == '#')
			continue;
		if (!is_name_char(c))
			break;
	}
	if (i >= n && !final && i < max)
		return 0;
	if (i >= n || s[i] != ';' || i == 1) {
		buf_puts(&f->out, "&amp;");
		infilter_fix(f, "bare '&' escaped");
		return 1;
	}
	memcpy(name, s + 1, i - 1);
	name[i - 1] = '\0';
	if (name[0] == '#') {
		char		*end;
		unsigned long	 cp;

		errno = 0;
		if (name[1] == 'x' || name[1] == 'X')
			cp = strtoul(name + 2, &end, 16);
		else
			cp = strtoul(name + 1, &end, 10);
		if (end == name + 1 || end == name + 2 || *end != '\0' ||
		    errno != 0 || !xml_char_ok(cp)) {
			infilter_fix(f, "invalid character reference dropped");
			return i + 1;
		}
		if (name[1] == 'X') {
			/* "&#X41;" is not XML, but feedparser reads it */
			buf_puts(&f->out, "&#x");
			buf_append(&f->out, s + 3, i - 2);
			infilter_fix(f, "upper-case X in a character reference");
		} else
			buf_append(&f->out, s, i + 1);
		return i + 1;
	}
	if (strcmp(name, "amp") == 0 || strcmp(name, "lt") == 0 ||
	    strcmp(name, "gt") == 0 || strcmp(name, "quot") == 0 ||
	    strcmp(name, "apos") == 0) {
		buf_append(&f->out, s, i + 1);
		return i + 1;
	}
	if (f->nents > 0 && (ent = infilter_entity(f, name)) != NULL) {
		infilter_expand(f, ent, attr);
		return i + 1;
	}
	infilter_fix(f, "undeclared entity");
	/* HTML 4 meanings, as feedparser has them, where HTML5 differs */
	if (strcmp(name, "lang") == 0)
		u = "\xe2\x8c\xa9";
	else if (strcmp(name, "rang") == 0)
		u = "\xe2\x8c\xaa";
	else
		u = html_entity_lookup(name, i - 1);
	if (u != NULL) {
		/* numeric references, so that '<' or '&' stay text */
		const unsigned char *p = (const unsigned char *)u;

		while (*p != '\0') {
			int		 l = utf8_seq(p, strlen((const char *)p));
			uint32_t	 cp;

			if (l <= 0)
				break;
			cp = l == 1 ? p[0] : l == 2 ? (uint32_t)(p[0] & 0x1f) << 6 |
			    (p[1] & 0x3f) : l == 3 ? (uint32_t)(p[0] & 0x0f) << 12 |
			    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f) :
			    (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
			    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
			buf_printf(&f->out, "&#x%X;", cp);
			p += l;
		}
		return i + 1;
	}
	buf_puts(&f->out, "&amp;");
	return 1;
}

/*
 * The bytes each state of infilter_markup() must look at; it skips the
 * others in one tight loop.  cclass is filled by parse_global_init().
 */
enum {
	C_CTRL = 0x001,		/* C0 controls but tab, LF, CR: removed */
	C_LT = 0x002,
	C_AMP = 0x004,
	C_GT = 0x008,
	C_DQ = 0x010,
	C_SQ = 0x020,
	C_EQ = 0x040,
	C_DASH = 0x080,
	C_RBR = 0x100,
	C_LBR = 0x200,
	C_QM = 0x400,
};

static uint16_t	 cclass[256];

static const uint16_t skip_mask[] = {
	[M_START] = 0xffff,
	[M_TEXT] = C_CTRL | C_LT | C_AMP,
	[M_TAG] = C_CTRL | C_DQ | C_SQ | C_EQ | C_GT,
	[M_TAG_SQ] = C_CTRL | C_SQ | C_AMP | C_LT,
	[M_TAG_DQ] = C_CTRL | C_DQ | C_AMP | C_LT,
	[M_COMMENT] = C_CTRL | C_DASH | C_GT,
	[M_CDATA] = C_CTRL | C_RBR | C_GT,
	[M_PI] = C_CTRL | C_QM | C_GT,
	[M_DECL] = C_CTRL | C_DQ | C_SQ | C_LBR | C_RBR | C_GT,
	[M_DOCTYPE] = 0xffff,
};

static void
cclass_init(void)
{
	int	 c;

	for (c = 0; c < 0x20; c++)
		if (c != '\t' && c != '\n' && c != '\r')
			cclass[c] = C_CTRL;
	cclass['<'] = C_LT;
	cclass['&'] = C_AMP;
	cclass['>'] = C_GT;
	cclass['"'] = C_DQ;
	cclass['\''] = C_SQ;
	cclass['='] = C_EQ;
	cclass['-'] = C_DASH;
	cclass[']'] = C_RBR;
	cclass['['] = C_LBR;
	cclass['?'] = C_QM;
}

/*
 * Runs the markup repair over f->dec, appending to f->out.  Incomplete
 * constructs at the end stay in f->dec for the next round.
 */
static void
infilter_markup(struct infilter *f, int final)
{
	const char	*s = f->dec.data;
	size_t		 n = f->dec.len, i = 0, run = 0, k;

	if (n == 0)
		return;

#define FLUSH() do { buf_append(&f->out, s + i - run, run); run = 0; } while (0)
	while (i < n && f->error == NULL) {
		unsigned char	 c = (unsigned char)s[i];

		if (f->m == M_DOCTYPE) {
			int	 more;

			i += infilter_doctype(f, s + i, n - i, final, &more);
			if (more)
				goto more;
			continue;
		}
		if (f->m != M_START) {
			/* a run of bytes that mean nothing in this state */
			uint16_t	 mask = skip_mask[f->m];
			size_t		 j = i;

			while (j < n && !(cclass[(unsigned char)s[j]] & mask))
				j++;
			if (j > i) {
				run += j - i - 1;
				if (f->m == M_TAG || f->m == M_TAG_SQ ||
				    f->m == M_TAG_DQ)
					f->tagbytes += j - i - 1;
				else
					f->endrun = 0;
				i = j - 1;
				c = (unsigned char)s[i];
				/* the run's last byte goes through the switch */
			}
		}

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			FLUSH();
			i++;
			infilter_fix(f, "control character removed");
			continue;
		}
		switch (f->m) {
		case M_START:
			if (c == '<') {
				f->m = M_TEXT;
				continue;
			}
			if (!isspace(c) || i > 0 || f->out.len > 0)
				infilter_fix(f, "text before the first element");
			else
				infilter_fix(f, "white space before the XML declaration");
			i++;
			continue;
		case M_TEXT:
			if (c == '&') {
				FLUSH();
				if ((k = infilter_amp(f, s + i, n - i, final, 0)) == 0)
					goto more;
				i += k;
				continue;
			}
			if (c == '<') {
				const char	*p = s + i;
				size_t		 left = n - i;

				if (!final && (prefix_of(p, left, "<![CDATA[") ||
				    prefix_of(p, left, "<!--") ||
				    prefix_of(p, left, "<!DOCTYPE") || left < 2)) {
					FLUSH();
					goto more;
				}
				if (starts(p, left, "<!DOCTYPE")) {
					FLUSH();
					f->m = M_DOCTYPE;
					f->dt = DT_HEAD;
					f->dt_open = f->dt_close = 0;
					buf_reset(&f->doctype);
					continue;
				}
				if (starts(p, left, "<!--"))
					f->m = M_COMMENT, f->endrun = 0,
					    run += 4, i += 4;
				else if (starts(p, left, "<![CDATA["))
					f->m = M_CDATA, f->endrun = 0,
					    run += 9, i += 9;
				else if (starts(p, left, "<!"))
					f->m = M_DECL, f->declnest = 0,
					    f->declquote = 0, run += 2, i += 2;
				else if (starts(p, left, "<?"))
					f->m = M_PI, f->endrun = 0,
					    run += 2, i += 2;
				else {
					f->m = M_TAG;
					f->seen_tag = 1;
					f->tagbytes = 0;
					f->tagattrs = 0;
					run++, i++;
				}
				continue;
			}
			break;
		case M_TAG:
			if (++f->tagbytes > PARSE_MAX_TAG) {
				infilter_reject(f, PARSE_LIMIT, xasprintf("a start "
				    "tag is longer than %d bytes", PARSE_MAX_TAG));
				continue;
			}
			if (c == '"')
				f->m = M_TAG_DQ;
			else if (c == '\'')
				f->m = M_TAG_SQ;
			else if (c == '=' && ++f->tagattrs > PARSE_MAX_ATTRS) {
				infilter_reject(f, PARSE_LIMIT, xasprintf("a start "
				    "tag has more than %d attributes", PARSE_MAX_ATTRS));
				continue;
			} else if (c == '>')
				f->m = M_TEXT;
			break;
		case M_TAG_SQ:
		case M_TAG_DQ:
			if (++f->tagbytes > PARSE_MAX_TAG) {
				infilter_reject(f, PARSE_LIMIT, xasprintf("a start "
				    "tag is longer than %d bytes", PARSE_MAX_TAG));
				continue;
			}
			if ((c == '"' && f->m == M_TAG_DQ) ||
			    (c == '\'' && f->m == M_TAG_SQ)) {
				f->m = M_TAG;
				break;
			}
			if (c == '&') {
				FLUSH();
				if ((k = infilter_amp(f, s + i, n - i, final, 1)) == 0)
					goto more;
				i += k;
				continue;
			}
			if (c == '<') {
				/* a '<' in an attribute value breaks libxml2 */
				FLUSH();
				buf_puts(&f->out, "&lt;");
				infilter_fix(f, "'<' in an attribute value");
				i++;
				continue;
			}
			break;
		/*
		 * The "--", "]]" or "?" before the '>' may have come in an
		 * earlier chunk: count them as they pass.
		 */
		case M_COMMENT:
			if (c == '>' && f->endrun >= 2)
				f->m = M_TEXT;
			f->endrun = c == '-' ? f->endrun + 1 : 0;
			break;
		case M_CDATA:
			if (c == '>' && f->endrun >= 2)
				f->m = M_TEXT;
			f->endrun = c == ']' ? f->endrun + 1 : 0;
			break;
		case M_PI:
			if (c == '>' && f->endrun >= 1)
				f->m = M_TEXT;
			f->endrun = c == '?';
			break;
		case M_DOCTYPE:		/* handled above */
			break;
		case M_DECL:
			if (f->declquote) {
				if (c == (unsigned char)f->declquote)
					f->declquote = 0;
			} else if (c == '"' || c == '\'')
				f->declquote = (char)c;
			else if (c == '[')
				f->declnest++;
			else if (c == ']' && f->declnest > 0)
				f->declnest--;
			else if (c == '>' && f->declnest == 0)
				f->m = M_TEXT;
			break;
		}
		run++;
		i++;
	}
	FLUSH();
more:
#undef FLUSH
	/* keep the unprocessed tail */
	if (i < n) {
		memmove(f->dec.data, s + i, n - i);
		f->dec.len = n - i;
		f->dec.data[f->dec.len] = '\0';
	} else
		buf_reset(&f->dec);
	if (final && f->m == M_DOCTYPE) {
		f->m = M_TEXT;
		infilter_fix(f, "the document ends inside its DOCTYPE");
	}
	if (final && f->dec.len > 0) {
		/* an incomplete construct at the very end: pass it on */
		buf_append(&f->out, f->dec.data, f->dec.len);
		buf_reset(&f->dec);
	}
}

/*
 * Splits a Content-Type into its lower-cased media type and charset
 * parameter ("" when absent), tolerating spaces and quotes.
 */
static void
content_type_split(const char *ctype, char *type, size_t tlen, char *cs,
    size_t cslen)
{
	const char	*p = ctype ? ctype : "", *q;
	size_t		 i = 0;

	type[0] = cs[0] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	while (*p != '\0' && *p != ';' && i + 1 < tlen)
		type[i++] = (char)tolower((unsigned char)*p++);
	while (i > 0 && isspace((unsigned char)type[i - 1]))
		i--;
	type[i] = '\0';
	while (*p == ';') {
		p++;
		while (isspace((unsigned char)*p))
			p++;
		q = p;
		while (*p != '\0' && *p != '=' && *p != ';' &&
		    !isspace((unsigned char)*p))
			p++;
		if (p - q == 7 && strncasecmp(q, "charset", 7) == 0) {
			while (isspace((unsigned char)*p))
				p++;
			if (*p == '=') {
				p++;
				while (isspace((unsigned char)*p) || *p == '"' ||
				    *p == '\'')
					p++;
				i = 0;
				while (*p != '\0' && *p != ';' && *p != '"' &&
				    *p != '\'' && !isspace((unsigned char)*p) &&
				    i + 1 < cslen)
					cs[i++] = (char)tolower((unsigned char)*p++);
				cs[i] = '\0';
			}
		}
		while (*p != '\0' && *p != ';')
			p++;
	}
}

/* The encoding named in an XML declaration at the start of s, or "". */
static void
charset_from_decl(const char *s, size_t n, char *dst, size_t dstlen)
{
	const char	*end, *p;
	size_t		 i = 0;
	char		 q;

	dst[0] = '\0';
	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	if (!starts(s, n, "<?xml"))
		return;
	if ((end = memmem(s, n, "?>", 2)) == NULL)
		end = s + n;
	if ((p = memmem(s, (size_t)(end - s), "encoding", 8)) == NULL)
		return;
	p += 8;
	while (p < end && (isspace((unsigned char)*p) || *p == '='))
		p++;
	if (p >= end || (*p != '"' && *p != '\''))
		return;
	q = *p++;
	while (p < end && *p != q && i + 1 < dstlen)
		dst[i++] = (char)tolower((unsigned char)*p++);
	dst[i] = '\0';
}

/* Opens a converter for `label`, reading Latin-1 and ASCII as windows-1252. */
static iconv_t
infilter_open(const char *label)
{
	if (strcmp(label, "iso-8859-1") == 0 || strcmp(label, "latin1") == 0 ||
	    strcmp(label, "latin-1") == 0 || strcmp(label, "us-ascii") == 0 ||
	    strcmp(label, "ascii") == 0 || strcmp(label, "iso8859-1") == 0 ||
	    strcmp(label, "l1") == 0)
		label = "WINDOWS-1252";
	else if (strcmp(label, "gb2312") == 0)
		label = "GB18030";
	return iconv_open("UTF-8", label);
}

static int
is_utf8_label(const char *l)
{
	return strcmp(l, "utf-8") == 0 || strcmp(l, "utf8") == 0;
}

/*
 * Decides the encoding from the head of the document, after RFC 3023 as
 * feedparser reads it: a byte order mark always wins; for application/xml
 * types the HTTP charset, then the XML declaration; for text/xml types the
 * HTTP charset, else US-ASCII (read as the declaration says, and reported as
 * overridden when the bytes are not ASCII); otherwise the declaration, then
 * UTF-8.  When the HTTP charset wins but cannot read the bytes, the
 * declared encoding is tried next (infilter_override()).  Stray bytes that
 * are not UTF-8 in UTF-8 not declared so by the document are read as
 * windows-1252.  Returns the number of BOM bytes to skip.
 */
static size_t
infilter_decide(struct infilter *f, const char *http_ctype)
{
	const char		*hd = f->head.data != NULL ? f->head.data : "";
	const unsigned char	*s = (const unsigned char *)hd;
	size_t			 n = f->head.len, skip = 0;
	char			 decl[64], cs[64], mt[128];
	const char		*bom = "", *want, *cand[4];
	size_t			 i, ml;
	int			 app = 0, text = 0;

	content_type_split(http_ctype, mt, sizeof(mt), cs, sizeof(cs));
	ml = strlen(mt);
	if (n >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xfe && s[3] == 0xff)
		bom = "utf-32be", skip = 4;
	else if (n >= 4 && s[0] == 0xff && s[1] == 0xfe && s[2] == 0 && s[3] == 0)
		bom = "utf-32le", skip = 4;
	else if (n >= 2 && s[0] == 0xfe && s[1] == 0xff)
		bom = "utf-16be", skip = 2;
	else if (n >= 2 && s[0] == 0xff && s[1] == 0xfe)
		bom = "utf-16le", skip = 2;
	else if (n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		bom = "utf-8", skip = 3;
	else if (n >= 4 && s[0] == 0x4c && s[1] == 0x6f && s[2] == 0xa7 && s[3] == 0x94)
		bom = "cp037";
	else if (n >= 4 && s[0] == 0 && s[1] == '<' && s[2] == 0 && s[3] == '?')
		bom = "utf-16be";
	else if (n >= 4 && s[0] == '<' && s[1] == 0 && s[2] == '?' && s[3] == 0)
		bom = "utf-16le";
	else if (n >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == '<')
		bom = "utf-32be";
	else if (n >= 4 && s[0] == '<' && s[1] == 0 && s[2] == 0 && s[3] == 0)
		bom = "utf-32le";
	if (*bom != '\0' && strcmp(bom, "utf-8") != 0) {
		/* a 16- or 32-bit declaration says what the BOM said */
		snprintf(decl, sizeof(decl), "%s", bom);
	} else
		charset_from_decl(hd + skip, n - skip, decl, sizeof(decl));
	if (*bom != '\0' && (strncmp(decl, "utf-16", 6) == 0 ||
	    strncmp(decl, "utf16", 5) == 0 || strncmp(decl, "utf-32", 6) == 0 ||
	    strncmp(decl, "ucs-", 4) == 0))
		snprintf(decl, sizeof(decl), "%s", bom);
	if (*bom == '\0' && (strncmp(decl, "utf-16", 6) == 0 ||
	    strncmp(decl, "utf-32", 6) == 0 || strncmp(decl, "ucs-", 4) == 0)) {
		/* says 16-bit, but the bytes are not: ignore it */
		decl[0] = '\0';
		infilter_fix_enc(f, "declared encoding contradicts the bytes");
	}
	if (strcmp(mt, "application/xml") == 0 ||
	    strcmp(mt, "application/xml-dtd") == 0 ||
	    strcmp(mt, "application/xml-external-parsed-entity") == 0 ||
	    (strncmp(mt, "application/", 12) == 0 && ml > 4 &&
	    strcmp(mt + ml - 4, "+xml") == 0))
		app = 1;
	else if (strncmp(mt, "text/", 5) == 0)
		text = 1;
	if (app)
		want = *cs ? cs : *decl ? decl : "utf-8";
	else if (text)
		want = *cs ? cs : "us-ascii";
	else
		want = *decl ? decl : "utf-8";
	if (*bom != '\0')
		want = bom;
	if (strcmp(want, "gb2312") == 0)
		want = "gb18030";	/* its superset, as feedparser reads it */
	if (strcmp(decl, "gb2312") == 0)
		snprintf(decl, sizeof(decl), "gb18030");
	snprintf(f->reported, sizeof(f->reported), "%s", want);
	f->ascii_label = strcmp(want, "us-ascii") == 0 || strcmp(want, "ascii") == 0;
	f->declared = *bom != '\0' || *cs != '\0' || *decl != '\0';
	f->strict_utf8 = (*bom != '\0' || *decl != '\0') && !*cs;

	/* candidates in feedparser's order; US-ASCII reads as the document says */
	i = 0;
	if (!f->ascii_label)
		cand[i++] = want;
	if (*decl)
		cand[i++] = decl;
	if (*bom)
		cand[i++] = bom;
	cand[i++] = "utf-8";
	f->cd = (iconv_t)-1;
	for (size_t k = 0; k < i; k++) {
		if (is_utf8_label(cand[k])) {
			snprintf(f->encoding, sizeof(f->encoding), "utf-8");
			break;
		}
		if ((f->cd = infilter_open(cand[k])) != (iconv_t)-1) {
			snprintf(f->encoding, sizeof(f->encoding), "%s", cand[k]);
			break;
		}
	}
	if (!f->ascii_label && strcmp(f->encoding, f->reported) != 0 &&
	    !(is_utf8_label(f->reported) && is_utf8_label(f->encoding))) {
		infilter_fix_enc(f, "unknown encoding: read as another");
		snprintf(f->reported, sizeof(f->reported), "%s", f->encoding);
	}
	f->utf16 = strncmp(f->encoding, "utf-16", 6) == 0;
	if (strncmp(f->encoding, "utf-32", 6) == 0)
		f->utf16 = 2;
	/* bytes the HTTP charset cannot read are tried as declared */
	if (*cs && *decl && *bom == '\0' && (strcmp(f->encoding, cs) == 0 ||
	    (is_utf8_label(f->encoding) && is_utf8_label(cs))) &&
	    strcmp(decl, cs) != 0 &&
	    !(is_utf8_label(decl) && is_utf8_label(cs)))
		snprintf(f->fallback, sizeof(f->fallback), "%s", decl);
	return skip;
}

/* ------------------------------------------------------------------ */
/* The feedparser state machine.                                       */
/* ------------------------------------------------------------------ */

/*
 * An open element.  Its text arrives in pieces (one per SAX characters
 * call, or per start and end tag of inline XHTML), kept one after another
 * in `text` with where each ends, since the XHTML <div> stripping looks at
 * the pieces.  A slot of the stack keeps its buffers for the next element
 * pushed there.
 */
struct elem {
	char		*name;		/* namebuf, or heap when long */
	char		 namebuf[40];
	int		 name_inline;
	int		 expecting_text;
	struct buf	 text;
	size_t		*ends;
	size_t		 npieces;
	size_t		 cap;
};

/* The arrays behind one typed view (struct parse_entry or parse_feed). */
struct vec {
	void		*v;
	size_t		 n;
	size_t		 cap;
};

struct view {
	struct vec	 links, authors, tags, content, encl, media;
};

struct parser {
	char		*url;
	char		*base_url;
	char		*content_type;
	char		*language;
	size_t		 max_items;
	size_t		 max_field;
	parse_entry_fn	 cb;
	void		*cbarg;

	struct infilter	 in;
	xmlParserCtxtPtr ctxt;
	struct buf	 sniff;
	int		 finished;

	/*
	 * feedparser's dictionaries, each in the arena of its lifetime: the
	 * document's, the entry's in hand (freed once it was handed out), an
	 * entry's <source> in hand, the content parameters of the element in
	 * hand, and the attributes of the start tag in hand.
	 */
	struct arena	 doc_arena, entry_arena, src_arena, cp_arena, el_arena;
	struct parse_node *result;
	struct parse_node *feed;
	struct parse_node *entry;
	struct parse_node *entry_depths;
	struct parse_node *sourcedata;
	struct parse_node *contentparams;
	struct parse_node *namespaces_in_use;
	struct parse_node *namespacemap;
	char		**alternates;
	size_t		 nalternates;
	char		*version;
	char		*doctype_version;
	char		*root;

	int		 infeed, inentry, incontent, intextinput, inimage;
	int		 inauthor, incontributor, inpublisher, insource;
	int		 guidislink, has_content, svg_ok, inskip;
	int		 title_depth, depth;
	const char	*summary_key;
	char		*baseuri;
	char		*lang;
	char		**basestack;	/* xml:base and xml:lang of each */
	char		**langstack;	/* open element, shared with the */
	unsigned char	*stackown;	/* parent's unless stackown says */
	char		*base_same;	/* a base that resolves to itself */
	size_t		 nbase, capbase;
	struct elem	*stack;
	size_t		 nstack, capstack;

	struct {
		const xmlChar	*uri;		/* libxml2 interns URIs */
		const char	*mapped;	/* ns_match() of it, or NULL */
	}		 nscache[16];
	size_t		 nscache_next;

	struct view	 ev;		/* the entry handed to the callback */
	struct view	 fv;		/* the feed */
	struct parse_feed fview;
	long		 ttl;		/* <ttl>, minutes */
	long		 sy_period;	/* sy:updatePeriod, seconds */
	long		 sy_freq;	/* sy:updateFrequency */
	uint32_t	 skip_hours;
	uint32_t	 skip_days;
	enum parse_failure fail;

	size_t		 nentries;
	int		 skip_entry;
	int		 truncated;
	int		 fields_truncated;
	int		 bozo;
	char		*bozo_exception;
	char		*error;
	char		*xml_first;	/* libxml2's first fatal error: the
					 * cause, where the last is an echo */
	long		 xml_first_line;
	int		 xml_first_code;
	long		 open_line[PARSE_MAX_DEPTH + 1]; /* where each open
					 * element started, by libxml2's depth */
};

static const char *const acceptable_elements[] = {
	"a", "abbr", "acronym", "address", "area", "article", "aside",
	"audio", "b", "big", "blockquote", "br", "button", "canvas",
	"caption", "center", "cite", "code", "col", "colgroup", "command",
	"datagrid", "datalist", "dd", "del", "details", "dfn", "dialog",
	"dir", "div", "dl", "dt", "em", "event-source", "fieldset",
	"figcaption", "figure", "font", "footer", "form", "h1", "h2", "h3",
	"h4", "h5", "h6", "header", "hr", "i", "img", "input", "ins", "kbd",
	"keygen", "label", "legend", "li", "m", "map", "menu", "meter",
	"multicol", "nav", "nextid", "noscript", "ol", "optgroup", "option",
	"output", "p", "pre", "progress", "q", "s", "samp", "section",
	"select", "small", "sound", "source", "spacer", "span", "strike",
	"strong", "sub", "sup", "table", "tbody", "td", "textarea", "tfoot",
	"th", "thead", "time", "tr", "tt", "u", "ul", "var", "video",
};

static const char *const safe_schemes[] = {
	"file", "ftp", "gopher", "h323", "hdl", "http", "https", "imap",
	"magnet", "mailto", "mms", "news", "nntp", "prospero", "rsync",
	"rtsp", "rtspu", "sftp", "shttp", "sip", "sips", "snews", "svn",
	"svn+ssh", "telnet", "wais", "aim", "callto", "cvs", "facetime",
	"feed", "git", "gtalk", "irc", "ircs", "irc6", "itms", "msnim",
	"skype", "ssh", "smb", "ymsg",
};

/* The namespace URIs feedparser knows, and the prefix each maps to. */
static const struct {
	const char	*uri;
	const char	*prefix;
} known_ns[] = {
	{ "", "" },
	{ "http://backend.userland.com/rss", "" },
	{ "http://blogs.law.harvard.edu/tech/rss", "" },
	{ "http://purl.org/rss/1.0/", "" },
	{ "http://my.netscape.com/rdf/simple/0.9/", "" },
	{ "http://example.com/newformat#", "" },
	{ "http://example.com/necho", "" },
	{ "http://purl.org/echo/", "" },
	{ "uri/of/echo/namespace#", "" },
	{ "http://purl.org/pie/", "" },
	{ "http://purl.org/atom/ns#", "" },
	{ "http://www.w3.org/2005/atom", "" },
	{ "http://purl.org/rss/1.0/modules/rss091#", "" },
	{ "http://webns.net/mvcb/", "admin" },
	{ "http://purl.org/rss/1.0/modules/aggregation/", "ag" },
	{ "http://purl.org/rss/1.0/modules/annotate/", "annotate" },
	{ "http://media.tangent.org/rss/1.0/", "audio" },
	{ "http://backend.userland.com/blogchannelmodule", "blogChannel" },
	{ "http://creativecommons.org/ns#license", "cc" },
	{ "http://web.resource.org/cc/", "cc" },
	{ "http://cyber.law.harvard.edu/rss/creativecommonsrssmodule.html", "creativeCommons" },
	{ "http://backend.userland.com/creativecommonsrssmodule", "creativeCommons" },
	{ "http://purl.org/rss/1.0/modules/company", "co" },
	{ "http://purl.org/rss/1.0/modules/content/", "content" },
	{ "http://my.theinfo.org/changed/1.0/rss/", "cp" },
	{ "http://purl.org/dc/elements/1.1/", "dc" },
	{ "http://purl.org/dc/terms/", "dcterms" },
	{ "http://purl.org/rss/1.0/modules/email/", "email" },
	{ "http://purl.org/rss/1.0/modules/event/", "ev" },
	{ "http://rssnamespace.org/feedburner/ext/1.0", "feedburner" },
	{ "http://freshmeat.net/rss/fm/", "fm" },
	{ "http://xmlns.com/foaf/0.1/", "foaf" },
	{ "http://www.w3.org/2003/01/geo/wgs84_pos#", "geo" },
	{ "http://www.georss.org/georss", "georss" },
	{ "http://www.opengis.net/gml", "gml" },
	{ "http://postneo.com/icbm/", "icbm" },
	{ "http://purl.org/rss/1.0/modules/image/", "image" },
	{ "http://www.itunes.com/dtds/podcast-1.0.dtd", "itunes" },
	{ "http://example.com/dtds/podcast-1.0.dtd", "itunes" },
	{ "http://purl.org/rss/1.0/modules/link/", "l" },
	{ "http://search.yahoo.com/mrss", "media" },
	{ "http://search.yahoo.com/mrss/", "media" },
	{ "http://madskills.com/public/xml/rss/module/pingback/", "pingback" },
	{ "http://prismstandard.org/namespaces/1.2/basic/", "prism" },
	{ "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf" },
	{ "http://www.w3.org/2000/01/rdf-schema#", "rdfs" },
	{ "http://purl.org/rss/1.0/modules/reference/", "ref" },
	{ "http://purl.org/rss/1.0/modules/richequiv/", "reqv" },
	{ "http://purl.org/rss/1.0/modules/search/", "search" },
	{ "http://purl.org/rss/1.0/modules/slash/", "slash" },
	{ "http://schemas.xmlsoap.org/soap/envelope/", "soap" },
	{ "http://purl.org/rss/1.0/modules/servicestatus/", "ss" },
	{ "http://hacks.benhammersley.com/rss/streaming/", "str" },
	{ "http://purl.org/rss/1.0/modules/subscription/", "sub" },
	{ "http://purl.org/rss/1.0/modules/syndication/", "sy" },
	{ "http://schemas.pocketsoap.com/rss/mydescmodule/", "szf" },
	{ "http://purl.org/rss/1.0/modules/taxonomy/", "taxo" },
	{ "http://purl.org/rss/1.0/modules/threading/", "thr" },
	{ "http://purl.org/rss/1.0/modules/textinput/", "ti" },
	{ "http://madskills.com/public/xml/rss/module/trackback/", "trackback" },
	{ "http://wellformedweb.org/commentapi/", "wfw" },
	{ "http://purl.org/rss/1.0/modules/wiki/", "wiki" },
	{ "http://www.w3.org/1999/xhtml", "xhtml" },
	{ "http://www.w3.org/1999/xlink", "xlink" },
	{ "http://www.w3.org/xml/1998/namespace", "xml" },
	{ "http://podlove.org/simple-chapters", "psc" },
};

/* Looks up a lower-cased namespace URI; NULL when unknown. */
static const char *
ns_match(const char *loweruri)
{
	size_t	 i;

	for (i = 0; i < sizeof(known_ns) / sizeof(known_ns[0]); i++)
		if (strcmp(known_ns[i].uri, loweruri) == 0)
			return known_ns[i].prefix;
	return NULL;
}

static char *
str_lower(const char *s)
{
	char	*d = xstrdup(s), *p;

	for (p = d; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/*
 * a, then sep and b when b is not NULL, into buf (size bytes) when it fits,
 * else into a heap copy: name_free() it.  lower: lower-cased.  The element
 * and key names of every start and end tag are made here, without malloc
 * in the common case.
 */
static char *
name_join(char *buf, size_t size, const char *a, char sep, const char *b,
    int lower)
{
	size_t	 la = strlen(a), lb = b != NULL ? strlen(b) : 0, n, i;
	char	*d;

	n = la + (b != NULL) + lb;
	d = n < size ? buf : xmalloc(n + 1);
	memcpy(d, a, la);
	if (b != NULL) {
		d[la] = sep;
		memcpy(d + la + 1, b, lb);
	}
	d[n] = '\0';
	if (lower)
		for (i = 0; i < n; i++)
			d[i] = (char)tolower((unsigned char)d[i]);
	return d;
}

static void
name_free(char *s, const char *buf)
{
	if (s != buf)
		free(s);
}

static int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Equal, or both NULL. */
static int
streq_null(const char *a, const char *b)
{
	return a == b || streq(a, b);
}

static const char *
jstr(const struct parse_node *obj, const char *key)
{
	return pn_s(pn_get(obj, key));
}

/* Every string here is valid UTF-8 already (the input filter sees to it). */
static void
jset_str(struct parse_node *obj, const char *key, const char *val)
{
	pn_set_str(obj, key, val);
}

static void
fp_bozo(struct parser *p, const char *exc)
{
	if (!p->bozo && exc != NULL)
		p->bozo_exception = xstrdup(exc);
	p->bozo = 1;
}

/* ---- URLs, after feedparser's urls.py ---- */

static int
scheme_safe(const char *uri)
{
	const char	*colon;
	size_t		 i, n;

	while (isspace((unsigned char)*uri))
		uri++;
	if ((colon = strchr(uri, ':')) == NULL)
		return 0;
	n = (size_t)(colon - uri);
	for (i = 0; i < sizeof(safe_schemes) / sizeof(safe_schemes[0]); i++)
		if (strlen(safe_schemes[i]) == n &&
		    strncmp(safe_schemes[i], uri, n) == 0)
			return 1;
	return 0;
}

/* feedparser's _urljoin; returns heap. */
static char *
fp_urljoin(const char *base, const char *uri)
{
	char		*fixed, *out;
	const char	*p = uri;

	/* "http:///x" -> "http://x" */
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (p != uri && strncmp(p, "://", 3) == 0 && p[3] == '/' &&
	    strncasecmp(uri, "file:", 5) != 0) {	/* file:/// is right */
		const char *q = p + 3;

		while (*q == '/')
			q++;
		fixed = xasprintf("%.*s%s", (int)(p + 3 - uri), uri, q);
	} else
		fixed = xstrdup(uri);
	if (base == NULL || *base == '\0')
		return fixed;
	out = url_resolve(base, fixed);
	free(fixed);
	return out;
}

/* feedparser's make_safe_absolute_uri; returns heap ("" when unsafe). */
static char *
fp_safe_uri(const char *base, const char *rel)
{
	char	*uri;

	if (base == NULL || *base == '\0')
		return xstrdup(rel != NULL ? rel : "");
	if (rel == NULL || *rel == '\0') {
		if (!url_is_absolute(base) || scheme_safe(base))
			return xstrdup(base);
		return xstrdup("");
	}
	uri = fp_urljoin(base, rel);
	if (!scheme_safe(uri)) {
		free(uri);
		return xstrdup("");
	}
	return uri;
}

/* ---- small text helpers ---- */

static int
is_py_space(const unsigned char *s, size_t *len)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
	    *s == '\f' || *s == '\v') {
		*len = 1;
		return 1;
	}
	if (s[0] == 0xc2 && (s[1] == 0xa0 || s[1] == 0x85)) {
		*len = 2;
		return 1;
	}
	return 0;
}

/* Python's str.strip(), in place on a heap string. */
static void
py_strip(char *s)
{
	size_t	 n = strlen(s), l, start = 0;

	while (start < n && is_py_space((unsigned char *)s + start, &l))
		start += l;
	while (n > start) {
		if (isspace((unsigned char)s[n - 1]))
			n--;
		else if (n - start >= 2 && (unsigned char)s[n - 2] == 0xc2 &&
		    ((unsigned char)s[n - 1] == 0xa0 ||
		    (unsigned char)s[n - 1] == 0x85))
			n -= 2;
		else
			break;
	}
	memmove(s, s + start, n - start);
	s[n - start] = '\0';
}

static char *
xml_escape(const char *s, int quot)
{
	struct buf	 b;

	buf_init(&b, 0);
	for (; *s != '\0'; s++) {
		if (*s == '&')
			buf_puts(&b, "&amp;");
		else if (*s == '<')
			buf_puts(&b, "&lt;");
		else if (*s == '>')
			buf_puts(&b, "&gt;");
		else if (quot && *s == '"')
			buf_puts(&b, "&quot;");
		else
			buf_putc(&b, *s);
	}
	return buf_steal(&b);
}

/* The windows-1252 byte of code point cp; -1 when it has none. */
static int
cp1252_byte(uint32_t cp)
{
	int	 i;

	if (cp < 0x100)
		return (int)cp;	/* Latin-1, and C1 left as its byte */
	if (cp == 0xfffd)
		return -1;	/* a byte lost: which one is not known */
	for (i = 0; i < 32; i++)
		if (cp1252_high[i] == cp)
			return 0x80 + i;
	return -1;
}

/*
 * feedparser's repair of text that was UTF-8, read as Latin-1 and written
 * as UTF-8 again, widened to windows-1252, which is how such text is most
 * often misread (a typographic apostrophe shown as a-circumflex, euro
 * sign, trade mark; Cyrillic as capital eth and a quote).  The text is
 * its windows-1252 bytes when every character has one, those beyond
 * ASCII make UTF-8, and one of them says so: a sequence of three or four
 * bytes, a pair whose second character is Latin-1 ("\u00c3\u00a9", never
 * written on purpose), or one that starts with A-tilde or A-circumflex,
 * the leads of all Latin-1 ("Gro\u00c3\u0178eltern").  Another pair whose
 * second character is punctuation only windows-1252 has is what right
 * text writes too ("gro\u00df\u2026", "CAF\u00c9\u2014") and proves nothing.
 * Reading stops at the first byte that cannot be UTF-8, most often the
 * first accent of right text.  Then feedparser's mapping of C1 controls
 * to windows-1252.
 */
static char *
fp_fix_text(char *s)
{
	const unsigned char	*p;
	struct buf		 b;
	unsigned char		*raw;
	size_t			 len, i, n, o = 0, bad, seq = 0;
	uint32_t		 cp;
	int			 c, lead = 0, need = 0, proof = 0;

	for (p = (const unsigned char *)s; *p != '\0' && *p < 0x80; p++)
		;
	if (*p == '\0')
		return s;	/* ASCII: nothing to repair or map */
	len = strlen(s);
	raw = xmalloc(len + 1);
	for (i = 0; i < len; i += n) {
		if ((unsigned char)s[i] < 0x80) {
			if (need > 0)
				break;
			raw[o++] = (unsigned char)s[i];
			n = 1;
			continue;
		}
		bad = 0;
		n = utf8_decode((const unsigned char *)s + i, len - i, &cp,
		    &bad);
		if (n == 0 || bad != 0 || (c = cp1252_byte(cp)) < 0)
			break;
		if (need > 0) {
			if (c < 0x80 || c > 0xbf)
				break;
			need--;
			if (seq > 2 || cp < 0x100 || lead == 0xc2 ||
			    lead == 0xc3)
				proof = 1;
		} else if (c >= 0xc2 && c <= 0xdf)
			need = 1, seq = 2, lead = c;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, seq = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, seq = 4;
		else
			break;
		raw[o++] = (unsigned char)c;
	}
	if (i == len && need == 0 && proof &&
	    utf8_valid((const char *)raw, o)) {
		raw[o] = '\0';
		free(s);
		s = (char *)raw;
	} else
		free(raw);
	/* C1 controls U+0080..U+009F -> windows-1252 */
	for (p = (const unsigned char *)s; (p = (const unsigned char *)
	    strchr((const char *)p, 0xc2)) != NULL; p++)
		if (p[1] >= 0x80 && p[1] <= 0x9f)
			break;
	if (p == NULL)
		return s;
	buf_init(&b, 0);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f &&
		    cp1252_high[p[1] - 0x80] != 0xfffd) {
			put_cp(&b, cp1252_high[p[1] - 0x80]);
			p++;
		} else
			buf_putc(&b, (char)*p);
	}
	free(s);
	return buf_steal(&b);
}

static int
is_acceptable_element(const char *name, size_t n)
{
	size_t	 i;
	char	 low[32];

	if (n >= sizeof(low))
		return 0;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[n] = '\0';
	for (i = 0; i < sizeof(acceptable_elements) / sizeof(acceptable_elements[0]); i++)
		if (strcmp(acceptable_elements[i], low) == 0)
			return 1;
	return 0;
}

static int
is_word(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* feedparser's looks_like_html(). */
static int
looks_like_html(const char *s)
{
	const char	*p;
	int		 close = 0, ent = 0;

	for (p = s; *p != '\0'; p++) {
		if (p[0] == '<' && p[1] == '/') {
			const char *q = p + 2;

			while (is_word((unsigned char)*q))
				q++;
			if (q > p + 2 && *q == '>')
				close = 1;
		} else if (p[0] == '&') {
			const char *q = p + 1;

			if (*q == '#')
				q++;
			while (is_word((unsigned char)*q))
				q++;
			if (q > p + 1 && *q == ';')
				ent = 1;
		}
	}
	if (!close && !ent)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (p[0] == '<') {
			const char *q = p + 1, *start;

			if (*q == '/')
				q++;
			start = q;
			while (is_word((unsigned char)*q))
				q++;
			if (q > start && !is_acceptable_element(start, (size_t)(q - start)))
				return 0;
		} else if (p[0] == '&' && p[1] != '#') {
			const char *q = p + 1;

			while (is_word((unsigned char)*q))
				q++;
			if (q > p + 1 && *q == ';' &&
			    html_entity_lookup(p + 1, (size_t)(q - p - 1)) == NULL)
				return 0;
		}
	}
	return 1;
}

static char *
base64_decode(const char *s, int *ok)
{
	struct buf	 b;
	uint32_t	 acc = 0;
	int		 bits = 0, pad = 0;
	const char	*p;

	*ok = 0;
	buf_init(&b, 0);
	buf_append(&b, "", 0);
	for (p = s; *p != '\0'; p++) {
		int	 v;

		if (*p >= 'A' && *p <= 'Z')
			v = *p - 'A';
		else if (*p >= 'a' && *p <= 'z')
			v = *p - 'a' + 26;
		else if (*p >= '0' && *p <= '9')
			v = *p - '0' + 52;
		else if (*p == '+')
			v = 62;
		else if (*p == '/')
			v = 63;
		else if (*p == '=') {
			pad++;
			continue;
		} else if (isspace((unsigned char)*p))
			continue;
		else {
			buf_free(&b);
			return NULL;
		}
		if (pad) {
			buf_free(&b);
			return NULL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(&b, (char)((acc >> bits) & 0xff));
		}
	}
	if (!utf8_valid(b.data, b.len)) {
		buf_free(&b);
		return NULL;
	}
	*ok = 1;
	return buf_steal(&b);
}

/* ---- the element stack ---- */

static void
elem_set_name(struct elem *e, const char *name)
{
	size_t	 n = strlen(name);

	if (!e->name_inline)
		free(e->name);
	e->name_inline = n < sizeof(e->namebuf);
	if (e->name_inline) {
		memcpy(e->namebuf, name, n + 1);
		e->name = e->namebuf;
	} else
		e->name = xstrdup(name);
}

static void
fp_push(struct parser *p, const char *name, int expecting_text)
{
	struct elem	*e;

	if (p->nstack == p->capstack) {
		size_t	 old = p->capstack;

		p->capstack = p->capstack ? p->capstack * 2 : 16;
		p->stack = xrealloc(p->stack, p->capstack * sizeof(*p->stack));
		memset(p->stack + old, 0, (p->capstack - old) *
		    sizeof(*p->stack));
		/* the names kept inline moved with their slots */
		for (size_t i = 0; i < old; i++)
			if (p->stack[i].name_inline)
				p->stack[i].name = p->stack[i].namebuf;
	}
	e = &p->stack[p->nstack++];
	elem_set_name(e, name);
	e->expecting_text = expecting_text;
	buf_reset(&e->text);
	e->npieces = 0;
}

static void
elem_add(struct parser *p, struct elem *e, const char *s, size_t n)
{
	size_t	 have = e->text.len;

	if (have + n > p->max_field) {
		p->fields_truncated = 1;
		if (have >= p->max_field)
			return;
		n = p->max_field - have;
		/* cut on a character boundary */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (e->npieces == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 8;
		e->ends = xrealloc(e->ends, e->cap * sizeof(*e->ends));
	}
	buf_append(&e->text, s, n);
	e->ends[e->npieces++] = e->text.len;
}

/* Where piece i starts in e->text, and its length. */
static const char *
elem_piece(const struct elem *e, size_t i, size_t *len)
{
	size_t	 start = i > 0 ? e->ends[i - 1] : 0;

	*len = e->ends[i] - start;
	return e->text.data + start;
}

static void
elem_free(struct elem *e)
{
	if (!e->name_inline)
		free(e->name);
	buf_free(&e->text);
	free(e->ends);
}

static void
fp_handle_data(struct parser *p, const char *text, size_t n, int escape)
{
	struct elem	*e;

	if (p->nstack == 0)
		return;
	e = &p->stack[p->nstack - 1];
	if (escape && streq(jstr(p->contentparams, "type"), "application/xhtml+xml")) {
		char	*t = xstrndup(text, n), *esc = xml_escape(t, 0);

		elem_add(p, e, esc, strlen(esc));
		free(esc);
		free(t);
	} else
		elem_add(p, e, text, n);
}

static struct parse_node *
fp_context(struct parser *p)
{
	struct parse_node *img;

	if (p->insource)
		return p->sourcedata;
	if (p->inimage && (img = pn_get(p->feed, "image")) != NULL)
		return img;
	if (p->intextinput) {
		struct parse_node *ti = pn_get(p->feed, "textinput");

		if (ti == NULL) {
			ti = pn_obj(p->feed->arena);
			pn_set(p->feed, "textinput", ti);
		}
		return ti;
	}
	if (p->inentry && p->entry != NULL)
		return p->entry;
	return p->feed;
}

static const char *
map_content_type(const char *t, char *buf, size_t n)
{
	size_t	 i;

	for (i = 0; t[i] != '\0' && i + 1 < n; i++)
		buf[i] = (char)tolower((unsigned char)t[i]);
	buf[i] = '\0';
	if (strcmp(buf, "text") == 0 || strcmp(buf, "plain") == 0)
		return "text/plain";
	if (strcmp(buf, "html") == 0)
		return "text/html";
	if (strcmp(buf, "xhtml") == 0)
		return "application/xhtml+xml";
	return buf;
}

static int
is_html_type(const char *t)
{
	char		 buf[128];
	const char	*m;

	if (t == NULL)
		return 0;
	m = map_content_type(t, buf, sizeof(buf));
	return strcmp(m, "application/xhtml+xml") == 0 ||
	    strcmp(m, "text/html") == 0;
}

static int
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static const char *const can_be_relative_uri[] = {
	"comments", "docs", "href", "icon", "id", "link", "logo", "url",
	"wfw_comment", "wfw_commentrss", NULL
};

/* Appends to the list ctx[key]; val must live in ctx's arena. */
static void
list_append(struct parse_node *ctx, const char *key, struct parse_node *val)
{
	struct parse_node *l = pn_get(ctx, key);

	if (!pn_is(l, PN_LIST)) {
		l = pn_list(ctx->arena);
		pn_set(ctx, key, l);
	}
	pn_append(l, val);
}

/* Appends a new empty object to the list ctx[key]. */
static void
list_append_obj(struct parse_node *ctx, const char *key)
{
	list_append(ctx, key, pn_obj(ctx->arena));
}

static int
piece_is_space(const struct elem *e, size_t i)
{
	size_t		 l, k;
	const char	*pc = elem_piece(e, i, &l);

	for (k = 0; k < l; k++)
		if (strchr(" \t\r\n", pc[k]) == NULL || pc[k] == '\0')
			return 0;
	return 1;
}

static int
piece_is(const struct elem *e, size_t i, const char *lit, int prefix)
{
	size_t		 l, n = strlen(lit);
	const char	*pc = elem_piece(e, i, &l);

	return (prefix ? l >= n : l == n) && memcmp(pc, lit, n) == 0;
}

/*
 * Strips the enclosing <div> of Atom 1.0 XHTML content, as feedparser does:
 * returns the text of the pieces kept, [*off, *off + *len) of e->text.
 */
static void
strip_xhtml_div(const struct elem *e, size_t *off, size_t *len)
{
	size_t	 i, first = 0, last = e->npieces, l, start;
	int	 depth = 0;

	*off = 0;
	*len = e->text.len;
	if (e->npieces == 0)
		return;

	while (last - first > 1 && piece_is_space(e, last - 1))
		last--;
	while (last - first > 1 && piece_is_space(e, first))
		first++;
	if (last == first)
		goto keep;
	if (!(piece_is(e, first, "<div>", 0) || piece_is(e, first, "<div ", 1)) ||
	    !piece_is(e, last - 1, "</div>", 0))
		goto keep;
	for (i = first; i < last - 1; i++) {
		const char	*pc = elem_piece(e, i, &l);

		if (l >= 2 && memcmp(pc, "</", 2) == 0) {
			if (--depth == 0)
				goto keep;
		} else if (l >= 1 && pc[0] == '<' && !(l >= 2 &&
		    memcmp(pc + l - 2, "/>", 2) == 0))
			depth++;
	}
	first++;
	last--;
keep:
	if (last <= first) {
		*len = 0;
		return;
	}
	start = first > 0 ? e->ends[first - 1] : 0;
	*off = start;
	*len = e->ends[last - 1] - start;
}

/* feedparser's repair of "?a=1&b;=2" style links; amp: also "&amp;" -> "&". */
static char *
fp_link_fix(const char *s, int amp)
{
	struct buf	 b;
	const char	*p = s, *run = s;

	if (strchr(s, '&') == NULL)
		return xstrdup(s);
	buf_init(&b, 0);
	buf_append(&b, "", 0);
	while (*p != '\0') {
		if (*p != '&') {
			p++;
			continue;
		}
		buf_append(&b, run, (size_t)(p - run));
		run = p;
		if (amp && strncmp(p, "&amp;", 5) == 0) {
			buf_putc(&b, '&');
			run = p += 5;
			continue;
		}
		{
			const char *q = p + 1;

			while (isalnum((unsigned char)*q) || *q == '_')
				q++;
			if (q > p + 1 && *q == ';') {
				buf_append(&b, p, (size_t)(q - p));
				run = p = q + 1;
				continue;
			}
		}
		p++;
	}
	buf_append(&b, run, (size_t)(p - run));
	return buf_steal(&b);
}

/* feedparser's pop().  Returns the element's text (heap) or NULL. */
static char *
fp_pop(struct parser *p, const char *element)
{
	struct elem	*e;
	char		*output;
	size_t		 off = 0, len;
	const char	*ctype;

	if (p->nstack == 0 || strcmp(p->stack[p->nstack - 1].name, element) != 0)
		return NULL;
	/* the slot keeps its buffers; nothing is pushed before we are done */
	e = &p->stack[--p->nstack];
	len = e->text.len;
	ctype = jstr(p->contentparams, "type");
	if (streq(p->version, "atom10") &&
	    streq(ctype != NULL ? ctype : "text", "application/xhtml+xml"))
		strip_xhtml_div(e, &off, &len);
	output = xstrndup(len > 0 ? e->text.data + off : "", len);
	py_strip(output);
	if (!e->expecting_text)
		return output;

	if (pn_is(pn_get(p->contentparams, "base64"), PN_TRUE)) {
		int	 ok;
		char	*d = base64_decode(output, &ok);

		if (ok) {
			free(output);
			output = d;
		}
	}
	if (in_list(element, can_be_relative_uri) && *output != '\0' &&
	    (strcmp(element, "id") != 0 || p->guidislink)) {
		char *r = fp_urljoin(p->baseuri, output);

		free(output);
		output = r;
	}
	if ((p->version == NULL || strncmp(p->version, "atom", 4) != 0) &&
	    streq(jstr(p->contentparams, "type"), "text/plain") &&
	    looks_like_html(output))
		jset_str(p->contentparams, "type", "text/html");
	pn_del(p->contentparams, "mode");
	pn_del(p->contentparams, "base64");

	output = fp_fix_text(output);

	if (strcmp(element, "title") == 0 && strlen(output) > PARSE_MAX_TITLE) {
		size_t	 n = PARSE_MAX_TITLE;

		while (n > 0 && ((unsigned char)output[n] & 0xc0) == 0x80)
			n--;
		output[n] = '\0';
		p->fields_truncated = 1;
	}
	if (strcmp(element, "category") == 0 || strcmp(element, "tags") == 0 ||
	    strcmp(element, "itunes_keywords") == 0)
		goto done;
	if (strcmp(element, "title") == 0 && p->title_depth > -1 &&
	    p->title_depth <= p->depth)
		goto done;

	if (p->inentry && !p->insource && p->entry != NULL) {
		if (strcmp(element, "content") == 0) {
			struct parse_node *cp = pn_copy(p->entry->arena,
			    p->contentparams);

			jset_str(cp, "value", output);
			list_append(p->entry, "content", cp);
		} else if (strcmp(element, "link") == 0) {
			if (!p->inimage) {
				char	*fixed = fp_link_fix(output, 1);
				struct parse_node *links = pn_get(p->entry, "links");
				struct parse_node *last = pn_at(links,
				    pn_len(links) - 1);

				/*
				 * Unlike feedparser, the text of a non-alternate
				 * link (an enclosure) is not the entry's link.
				 */
				if (last == NULL || streq(jstr(last, "rel"), "alternate"))
					jset_str(p->entry, "link", fixed);
				if (*fixed != '\0' && last != NULL)
					jset_str(last, "href", fixed);
				free(fixed);
			}
		} else {
			const char	*key = element;
			struct parse_node *old;
			char		*dk, dkbuf[64];

			if (strcmp(key, "description") == 0)
				key = "summary";
			old = pn_get(p->entry_depths, key);
			if (old == NULL || p->depth <= pn_i(old)) {
				pn_set(p->entry_depths, key,
				    pn_int(p->entry_depths->arena, p->depth));
				jset_str(p->entry, key, output);
			}
			if (p->incontent) {
				struct parse_node *cp = pn_copy(p->entry->arena,
				    p->contentparams);

				jset_str(cp, "value", output);
				dk = name_join(dkbuf, sizeof(dkbuf), key, '_',
				    "detail", 0);
				pn_set(p->entry, dk, cp);
				name_free(dk, dkbuf);
			}
		}
	} else if (p->infeed || p->insource) {
		struct parse_node *ctx = fp_context(p);
		const char	*key = element;

		if (strcmp(key, "description") == 0)
			key = "subtitle";
		jset_str(ctx, key, output);
		if (strcmp(key, "link") == 0) {
			char	*fixed = fp_link_fix(output, 0);
			struct parse_node *links = pn_get(ctx, "links");
			size_t	 n = pn_len(links);

			jset_str(ctx, "link", fixed);
			if (n > 0)
				jset_str(pn_at(links, n - 1), "href", fixed);
			free(fixed);
		} else if (p->incontent) {
			struct parse_node *cp = pn_copy(ctx->arena,
			    p->contentparams);
			char	 dkbuf[64], *dk = name_join(dkbuf, sizeof(dkbuf),
			    key, '_', "detail", 0);

			jset_str(cp, "value", output);
			pn_set(ctx, dk, cp);
			name_free(dk, dkbuf);
		}
	}
done:
	return output;
}

/* Empties the content parameters, and the arena they live in. */
static void
cp_clear(struct parser *p)
{
	arena_free(&p->cp_arena);
	p->contentparams = pn_obj(&p->cp_arena);
}

static void
fp_push_content(struct parser *p, const char *tag, struct parse_node *attrs,
    const char *default_type, int expecting_text)
{
	const char	*t = jstr(attrs, "type");
	char		 buf[128];
	const char	*type, *mode;
	int		 base64 = 0;

	p->incontent++;
	if (p->lang != NULL)
		for (char *c = p->lang; *c != '\0'; c++)
			if (*c == '_')
				*c = '-';
	type = map_content_type(t != NULL ? t : default_type, buf, sizeof(buf));
	cp_clear(p);
	jset_str(p->contentparams, "type", type);
	jset_str(p->contentparams, "language", p->lang);
	jset_str(p->contentparams, "base", p->baseuri);
	mode = jstr(attrs, "mode");
	if (streq(mode, "base64"))
		base64 = 1;
	else if (strncmp(type, "text/", 5) == 0)
		base64 = 0;
	else {
		size_t	 l = strlen(type);

		base64 = !((l >= 4 && strcmp(type + l - 4, "+xml") == 0) ||
		    (l >= 4 && strcmp(type + l - 4, "/xml") == 0));
	}
	pn_set(p->contentparams, "base64", pn_bool(base64));
	fp_push(p, tag, expecting_text);
}

static char *
fp_pop_content(struct parser *p, const char *tag)
{
	char	*v = fp_pop(p, tag);

	p->incontent--;
	cp_clear(p);
	return v;
}

/* Saves a date and its parsed form (epoch seconds or null). */
static void
fp_save_date(struct parser *p, const char *key, const char *value)
{
	struct parse_node *ctx = fp_context(p);
	char	 pkbuf[64], *pk = name_join(pkbuf, sizeof(pkbuf), key, '_',
	    "parsed", 0);
	int64_t	 t;

	if (value != NULL && date_parse(value, &t) == 0)
		pn_set(ctx, pk, pn_int(ctx->arena, t));
	else
		pn_set(ctx, pk, pn_null());
	name_free(pk, pkbuf);
}

static void
fp_sync_author_detail(struct parser *p, const char *key)
{
	struct parse_node *ctx = fp_context(p);
	char	 lkbuf[32], dkbuf[32];
	char	*lk = name_join(lkbuf, sizeof(lkbuf), key, 's', "", 0);
	char	*dk = name_join(dkbuf, sizeof(dkbuf), key, '_', "detail", 0);
	struct parse_node *list = pn_get(ctx, lk), *detail;
	const char *name, *email, *author;

	detail = pn_len(list) > 0 ?
	    pn_at(list, pn_len(list) - 1) : NULL;
	if (detail != NULL && pn_len(detail) > 0) {
		name = jstr(detail, "name");
		email = jstr(detail, "email");
		if (name != NULL && *name && email != NULL && *email) {
			char *s = xasprintf("%s (%s)", name, email);

			jset_str(ctx, key, s);
			free(s);
		} else if (name != NULL && *name)
			jset_str(ctx, key, name);
		else if (email != NULL && *email)
			jset_str(ctx, key, email);
		goto out;
	}
	author = jstr(ctx, key);
	if (author == NULL || *author == '\0')
		goto out;
	{
		/* find an e-mail address in "Name (mail@host)" and friends */
		const char	*at = strchr(author, '@'), *s, *e;
		char		*name_s = xstrdup(author), *email_s = NULL;
		struct parse_node *d;

		if (at != NULL) {
			s = at;
			while (s > author && (isalnum((unsigned char)s[-1]) ||
			    strchr("_-.+", s[-1]) != NULL))
				s--;
			e = at + 1;
			while (isalnum((unsigned char)*e) || *e == '-' || *e == '.')
				e++;
			while (e > at + 1 && e[-1] == '.')
				e--;
			if (s < at && e > at + 1 && memchr(at, '.', (size_t)(e - at))) {
				if (strncmp(e, "?subject=", 9) == 0) {
					e += 9;
					while (*e != '\0' && !isspace((unsigned char)*e))
						e++;
				}
				email_s = xstrndup(s, (size_t)(e - s));
			}
		}
		if (email_s != NULL) {
			struct buf	 b;
			const char	*q = author;
			char		*r;
			size_t		 el = strlen(email_s);

			buf_init(&b, 0);
			buf_append(&b, "", 0);
			while ((r = strstr(q, email_s)) != NULL) {
				buf_append(&b, q, (size_t)(r - q));
				q = r + el;
			}
			buf_puts(&b, q);
			free(name_s);
			name_s = buf_steal(&b);
			for (const char *const *pat = (const char *const[]){ "()", "<>", "&lt;&gt;", NULL }; *pat; pat++) {
				while ((r = strstr(name_s, *pat)) != NULL)
					memmove(r, r + strlen(*pat), strlen(r + strlen(*pat)) + 1);
			}
			py_strip(name_s);
			if (name_s[0] == '(')
				memmove(name_s, name_s + 1, strlen(name_s));
			if (*name_s && name_s[strlen(name_s) - 1] == ')')
				name_s[strlen(name_s) - 1] = '\0';
			py_strip(name_s);
		}
		if (*name_s != '\0' || email_s != NULL) {
			/*
			 * As feedparser: the last of the authors list gets the
			 * name and address, and is the detail unless one exists
			 * (the same object, in both places).
			 */
			d = detail != NULL ? detail : pn_obj(ctx->arena);
			if (pn_get(ctx, dk) == NULL)
				pn_set(ctx, dk, d);
			if (*name_s != '\0')
				jset_str(d, "name", name_s);
			if (email_s != NULL)
				jset_str(d, "email", email_s);
		}
		free(name_s);
		free(email_s);
	}
out:
	name_free(lk, lkbuf);
	name_free(dk, dkbuf);
}

static void
fp_save_author(struct parser *p, const char *key, const char *value,
    const char *prefix)
{
	struct parse_node *ctx = fp_context(p), *d, *list;
	char	 dkbuf[32], *dk = name_join(dkbuf, sizeof(dkbuf), prefix, '_',
	    "detail", 0);

	if ((d = pn_get(ctx, dk)) == NULL) {
		d = pn_obj(ctx->arena);
		pn_set(ctx, dk, d);
	}
	jset_str(d, key, value);
	fp_sync_author_detail(p, "author");
	list = pn_get(ctx, "authors");
	if (!pn_is(list, PN_LIST)) {
		list = pn_list(ctx->arena);
		pn_append(list, pn_obj(ctx->arena));
		pn_set(ctx, "authors", list);
	}
	if (pn_len(list) == 0)
		pn_append(list, pn_obj(ctx->arena));
	jset_str(pn_at(list, pn_len(list) - 1), key, value);
	name_free(dk, dkbuf);
}

static void
fp_save_contributor(struct parser *p, const char *key, const char *value)
{
	struct parse_node *ctx = fp_context(p), *list = pn_get(ctx, "contributors");

	if (!pn_is(list, PN_LIST)) {
		list = pn_list(ctx->arena);
		pn_set(ctx, "contributors", list);
	}
	if (pn_len(list) == 0)
		pn_append(list, pn_obj(ctx->arena));
	jset_str(pn_at(list, pn_len(list) - 1), key, value);
}

static void
fp_add_tag(struct parser *p, const char *term, const char *scheme,
    const char *label)
{
	struct parse_node *ctx = fp_context(p), *tags = pn_get(ctx, "tags"), *v;
	size_t	 i;

	if (!pn_is(tags, PN_LIST)) {
		tags = pn_list(ctx->arena);
		pn_set(ctx, "tags", tags);
	}
	if ((term == NULL || !*term) && (scheme == NULL || !*scheme) &&
	    (label == NULL || !*label))
		return;
	for (i = 0; i < pn_len(tags); i++) {
		v = pn_at(tags, i);
		if (streq_null(jstr(v, "term"), term) &&
		    streq_null(jstr(v, "scheme"), scheme) &&
		    streq_null(jstr(v, "label"), label) && pn_len(v) == 3)
			return;
	}
	v = pn_obj(tags->arena);
	jset_str(v, "term", term);
	jset_str(v, "scheme", scheme);
	jset_str(v, "label", label);
	pn_append(tags, v);
}

/* Sets ctx[key] to a copy of `value` (a string, or NULL for null). */
static void
fp_save(struct parser *p, const char *key, const char *value, int overwrite)
{
	struct parse_node *ctx = fp_context(p);

	if (overwrite || pn_get(ctx, key) == NULL)
		jset_str(ctx, key, value);
}

static void
fp_save_bool(struct parser *p, const char *key, int value, int overwrite)
{
	struct parse_node *ctx = fp_context(p);

	if (overwrite || pn_get(ctx, key) == NULL)
		pn_set(ctx, key, pn_bool(value));
}

/* ---- start and end handlers (feedparser's _start_x / _end_x) ---- */

/* Each handler gets the key of its table row: the name it files text under. */
typedef void (*start_fn)(struct parser *, struct parse_node *attrs, const char *key);
typedef void (*end_fn)(struct parser *, const char *key);

static void
enforce_href(struct parse_node *attrs)
{
	struct parse_node *h = pn_get(attrs, "url");

	if (h == NULL)
		h = pn_get(attrs, "uri");
	if (h == NULL)
		h = pn_get(attrs, "href");
	if (pn_s(h) != NULL && *pn_s(h) != '\0') {
		pn_del(attrs, "url");
		pn_del(attrs, "uri");
		pn_set(attrs, "href", h);
	}
}

static void
s_rss(struct parser *p, struct parse_node *a, const char *key)
{
	const char	*v;

	if (p->version != NULL && strncmp(p->version, "rss", 3) == 0)
		return;
	v = jstr(a, "version");
	free(p->version);
	if (streq(v, "0.91"))
		p->version = xstrdup("rss091u");
	else if (streq(v, "0.92"))
		p->version = xstrdup("rss092");
	else if (streq(v, "0.93"))
		p->version = xstrdup("rss093");
	else if (streq(v, "0.94"))
		p->version = xstrdup("rss094");
	else if (v != NULL && strncmp(v, "2.", 2) == 0)
		p->version = xstrdup("rss20");
	else
		p->version = xstrdup("rss");
}

static void s_push(struct parser *, struct parse_node *, const char *);
static void e_date(struct parser *, const char *);
static void s_link(struct parser *, struct parse_node *, const char *);
static void e_link(struct parser *, const char *);

static void
cdf_common(struct parser *p, struct parse_node *a)
{
	const char	*v;

	if ((v = jstr(a, "lastmod")) != NULL) {
		s_push(p, pn_obj(&p->el_arena), "updated");
		elem_add(p, &p->stack[p->nstack - 1], v, strlen(v));
		e_date(p, "updated");
	}
	if ((v = jstr(a, "href")) != NULL) {
		s_link(p, pn_obj(&p->el_arena), "link");
		if (p->nstack > 0 && streq(p->stack[p->nstack - 1].name, "link"))
			elem_add(p, &p->stack[p->nstack - 1], v, strlen(v));
		e_link(p, "link");
	}
}

static void
s_channel(struct parser *p, struct parse_node *a, const char *key)
{
	p->infeed = 1;
	cdf_common(p, a);
}

static void
s_feed(struct parser *p, struct parse_node *a, const char *key)
{
	const char	*v = jstr(a, "version");

	p->infeed = 1;
	if (p->version != NULL && *p->version != '\0')
		return;
	free(p->version);
	if (streq(v, "0.1"))
		p->version = xstrdup("atom01");
	else if (streq(v, "0.2"))
		p->version = xstrdup("atom02");
	else if (streq(v, "0.3"))
		p->version = xstrdup("atom03");
	else
		p->version = xstrdup("atom");
}

static void
e_channel(struct parser *p, const char *key)
{
	p->infeed = 0;
}

static void
s_image(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *ctx = fp_context(p);

	if (!p->inentry && pn_get(ctx, "image") == NULL)
		pn_set(ctx, "image", pn_obj(ctx->arena));
	p->inimage = 1;
	p->title_depth = -1;
	fp_push(p, "image", 0);
}

static void
e_image(struct parser *p, const char *key)
{
	free(fp_pop(p, "image"));
	p->inimage = 0;
}

static void
s_textinput(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *ctx = fp_context(p);

	if (pn_get(ctx, "textinput") == NULL)
		pn_set(ctx, "textinput", pn_obj(ctx->arena));
	p->intextinput = 1;
	p->title_depth = -1;
	fp_push(p, "textinput", 0);
}

static void
e_textinput(struct parser *p, const char *key)
{
	free(fp_pop(p, "textinput"));
	p->intextinput = 0;
}

static void
s_author(struct parser *p, struct parse_node *a, const char *key)
{
	p->inauthor = 1;
	fp_push(p, "author", 1);
	list_append_obj(fp_context(p), "authors");
}

static void
e_author(struct parser *p, const char *key)
{
	free(fp_pop(p, "author"));
	p->inauthor = 0;
	fp_sync_author_detail(p, "author");
}

static void
s_contributor(struct parser *p, struct parse_node *a, const char *key)
{
	p->incontributor = 1;
	list_append_obj(fp_context(p), "contributors");
	fp_push(p, "contributor", 0);
}

static void
e_contributor(struct parser *p, const char *key)
{
	free(fp_pop(p, "contributor"));
	p->incontributor = 0;
}

static void
s_dc_contributor(struct parser *p, struct parse_node *a, const char *key)
{
	p->incontributor = 1;
	list_append_obj(fp_context(p), "contributors");
	fp_push(p, "name", 0);
}

static void e_name(struct parser *, const char *);

static void
e_dc_contributor(struct parser *p, const char *key)
{
	e_name(p, "name");
	p->incontributor = 0;
}

static void
s_name(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push(p, "name", 0);
}

static void
e_name(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "name");

	if (p->inpublisher)
		fp_save_author(p, "name", v, "publisher");
	else if (p->inauthor)
		fp_save_author(p, "name", v, "author");
	else if (p->incontributor)
		fp_save_contributor(p, "name", v);
	else if (p->intextinput)
		jset_str(fp_context(p), "name", v);
	free(v);
}

static void
s_width(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push(p, "width", 0);
}

static void
save_int(struct parser *p, const char *key, char *v)
{
	long	 n = 0;
	char	*end;

	if (v != NULL) {
		n = strtol(v, &end, 10);
		while (isspace((unsigned char)*end))
			end++;
		if (*end != '\0' || end == v)
			n = 0;
	}
	if (p->inimage) {
		struct parse_node *ctx = fp_context(p);

		pn_set(ctx, key, pn_int(ctx->arena, n));
	}
	free(v);
}

static void
e_width(struct parser *p, const char *key)
{
	save_int(p, "width", fp_pop(p, "width"));
}

static void
s_height(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push(p, "height", 0);
}

static void
e_height(struct parser *p, const char *key)
{
	save_int(p, "height", fp_pop(p, "height"));
}

static void
s_url(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push(p, "href", 1);
}

static void
e_url(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "href");

	if (p->inauthor)
		fp_save_author(p, "href", v, "author");
	else if (p->incontributor)
		fp_save_contributor(p, "href", v);
	free(v);
}

static void
s_email(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push(p, "email", 0);
}

static void
e_email(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "email");

	if (p->inpublisher)
		fp_save_author(p, "email", v, "publisher");
	else if (p->inauthor)
		fp_save_author(p, "email", v, "author");
	else if (p->incontributor)
		fp_save_contributor(p, "email", v);
	free(v);
}

static void
s_subtitle(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push_content(p, "subtitle", a, "text/plain", 1);
}

static void
e_subtitle(struct parser *p, const char *key)
{
	free(fp_pop_content(p, "subtitle"));
}

static void
s_rights(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push_content(p, "rights", a, "text/plain", 1);
}

static void
e_rights(struct parser *p, const char *key)
{
	free(fp_pop_content(p, "rights"));
}

static void fp_emit(struct parser *);

/* Frees the entry in hand, and everything filed in it. */
static void
entry_drop(struct parser *p)
{
	arena_free(&p->entry_arena);
	p->entry = NULL;
	p->entry_depths = NULL;
}

static void
s_item(struct parser *p, struct parse_node *a, const char *key)
{
	const char	*id;

	if (p->inentry && p->entry != NULL) {
		/* an item inside an item: the outer one is complete */
		fp_emit(p);
	}
	entry_drop(p);
	p->entry = pn_obj(&p->entry_arena);
	p->entry_depths = pn_obj(&p->entry_arena);
	p->skip_entry = p->nentries >= p->max_items;
	fp_push(p, "item", 0);
	p->inentry = 1;
	p->guidislink = 0;
	p->title_depth = -1;
	if ((id = jstr(a, "rdf:about")) != NULL)
		jset_str(fp_context(p), "id", id);
	cdf_common(p, a);
}

static void
e_item(struct parser *p, const char *key)
{
	free(fp_pop(p, "item"));
	p->inentry = 0;
	p->has_content = 0;
	if (p->entry == NULL)
		return;
	fp_emit(p);
	entry_drop(p);
}

static void
e_language(struct parser *p, const char *key)
{
	free(p->lang);
	p->lang = fp_pop(p, "language");
}

static void
s_webmaster(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push(p, "publisher", 1);
}

static void
e_webmaster(struct parser *p, const char *key)
{
	free(fp_pop(p, "publisher"));
	fp_sync_author_detail(p, "publisher");
}

/* An element whose text is filed under `key`. */
static void
s_push(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push(p, key, 1);
}

/* The dates: each element's text, and its parsed form under KEY_parsed. */
static void
e_date(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, key);

	fp_save_date(p, key, v);
	free(v);
}

static void
e_dcterms_valid(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "validity"), *save, *part;

	if (v == NULL)
		return;
	for (part = strtok_r(v, ";", &save); part != NULL;
	    part = strtok_r(NULL, ";", &save)) {
		char	*eq = strchr(part, '=');

		if (eq == NULL)
			continue;
		*eq++ = '\0';
		if (strcmp(part, "start") == 0) {
			fp_save(p, "validity_start", eq, 1);
			fp_save_date(p, "validity_start", eq);
		} else if (strcmp(part, "end") == 0) {
			fp_save(p, "validity_end", eq, 1);
			fp_save_date(p, "validity_end", eq);
		}
	}
	free(v);
}

static void
s_category(struct parser *p, struct parse_node *a, const char *key)
{
	const char	*scheme = jstr(a, "scheme");

	if (scheme == NULL)
		scheme = jstr(a, "domain");
	fp_add_tag(p, jstr(a, "term"), scheme, jstr(a, "label"));
	fp_push(p, "category", 1);
}

static void
e_category(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "category");
	struct parse_node *tags, *last;

	if (v == NULL || *v == '\0') {
		free(v);
		return;
	}
	tags = pn_get(fp_context(p), "tags");
	last = pn_len(tags) > 0 ?
	    pn_at(tags, pn_len(tags) - 1) : NULL;
	if (last != NULL && (jstr(last, "term") == NULL || !*jstr(last, "term")))
		jset_str(last, "term", v);
	else
		fp_add_tag(p, v, NULL, NULL);
	free(v);
}

static void
e_tags(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "tags"), *save, *t;

	if (v == NULL)
		return;
	for (t = strtok_r(v, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		py_strip(t);
		fp_add_tag(p, t, NULL, NULL);
	}
	free(v);
}

static void
s_cloud(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *ctx = fp_context(p);

	pn_set(ctx, "cloud", pn_copy(ctx->arena, a));
}

static void
s_link(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *ctx = fp_context(p), *attrs = pn_copy(ctx->arena, a);
	const char	*rel, *href;
	int		 expecting = p->infeed || p->inentry || p->insource;

	if (jstr(attrs, "rel") == NULL)
		jset_str(attrs, "rel", "alternate");
	rel = jstr(attrs, "rel");
	if (jstr(attrs, "type") == NULL)
		jset_str(attrs, "type", strcmp(rel, "self") == 0 ?
		    "application/atom+xml" : "text/html");
	enforce_href(attrs);
	if ((href = jstr(attrs, "href")) != NULL) {
		char	*r = fp_urljoin(p->baseuri, href);

		jset_str(attrs, "href", r);
		free(r);
	}
	if (!pn_is(pn_get(ctx, "links"), PN_LIST))
		pn_set(ctx, "links", pn_list(ctx->arena));
	if (!(p->inentry && p->inimage))
		pn_append(pn_get(ctx, "links"), attrs);
	if ((href = jstr(attrs, "href")) != NULL) {
		if (streq(jstr(attrs, "rel"), "alternate") &&
		    is_html_type(jstr(attrs, "type")))
			jset_str(ctx, "link", href);
	} else
		fp_push(p, "link", expecting);
}

static void
e_link(struct parser *p, const char *key)
{
	free(fp_pop(p, "link"));
}

static void
s_guid(struct parser *p, struct parse_node *a, const char *key)
{
	const char	*v = jstr(a, "ispermalink");

	p->guidislink = v == NULL || strcmp(v, "true") == 0;
	fp_push(p, "id", 1);
}

static void
e_guid(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "id");
	struct parse_node *ctx = fp_context(p);

	fp_save_bool(p, "guidislink", (p->guidislink &&
	    pn_get(ctx, "link") == NULL), 0);
	if (p->guidislink && v != NULL)
		fp_save(p, "link", v, 0);
	free(v);
}

static void
s_title(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push_content(p, "title", a, "text/plain",
	    p->infeed || p->inentry || p->insource);
}

static void
e_title(struct parser *p, const char *key)
{
	char	*v;

	if (p->svg_ok)
		return;
	v = fp_pop_content(p, "title");
	if (v != NULL && *v != '\0')
		p->title_depth = p->depth;
	free(v);
}

static void s_content(struct parser *, struct parse_node *, const char *);
static void e_content(struct parser *, const char *);

static void
s_description(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *ctx = fp_context(p);

	if (pn_get(ctx, "summary") != NULL && !p->has_content) {
		p->summary_key = "content";
		s_content(p, a, "content");
	} else
		fp_push_content(p, "description", a, "text/html",
		    p->infeed || p->inentry || p->insource);
}

static void
s_abstract(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push_content(p, "description", a, "text/plain",
	    p->infeed || p->inentry || p->insource);
}

static void
e_description(struct parser *p, const char *key)
{
	if (streq(p->summary_key, "content"))
		e_content(p, "content");
	else
		free(fp_pop_content(p, "description"));
	p->summary_key = NULL;
}

static void
s_info(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push_content(p, "info", a, "text/plain", 1);
}

static void
e_info(struct parser *p, const char *key)
{
	free(fp_pop_content(p, "info"));
}

static void
s_generator(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *ctx = fp_context(p), *attrs = pn_copy(ctx->arena, a);

	if (pn_len(attrs) > 0) {
		const char	*href;

		enforce_href(attrs);
		if ((href = jstr(attrs, "href")) != NULL) {
			char	*r = fp_urljoin(p->baseuri, href);

			jset_str(attrs, "href", r);
			free(r);
		}
	}
	pn_set(ctx, "generator_detail", attrs);
	fp_push(p, "generator", 1);
}

static void
e_generator(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "generator");
	struct parse_node *d = pn_get(fp_context(p), "generator_detail");

	if (d != NULL)
		jset_str(d, "name", v);
	free(v);
}

static void
s_summary(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *ctx = fp_context(p);

	if (pn_get(ctx, "summary") != NULL && !p->has_content) {
		p->summary_key = "content";
		s_content(p, a, "content");
	} else {
		p->summary_key = "summary";
		fp_push_content(p, "summary", a, "text/plain", 1);
	}
}

static void
e_summary(struct parser *p, const char *key)
{
	if (streq(p->summary_key, "content"))
		e_content(p, "content");
	else
		free(fp_pop_content(p, p->summary_key ? p->summary_key : "summary"));
	p->summary_key = NULL;
}

static void
s_enclosure(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *ctx = fp_context(p), *attrs = pn_copy(ctx->arena, a);

	enforce_href(attrs);
	jset_str(attrs, "rel", "enclosure");
	list_append(ctx, "links", attrs);
}

static void
s_source(struct parser *p, struct parse_node *a, const char *key)
{
	const char	*u = jstr(a, "url");

	if (u != NULL)
		jset_str(p->sourcedata, "href", u);
	fp_push(p, "source", 1);
	p->insource = 1;
	p->title_depth = -1;
}

static void
e_source(struct parser *p, const char *key)
{
	struct parse_node *ctx;
	char	*v;

	p->insource = 0;
	v = fp_pop(p, "source");
	if (v != NULL && *v != '\0')
		jset_str(p->sourcedata, "title", v);
	free(v);
	ctx = fp_context(p);
	pn_set(ctx, "source", pn_copy(ctx->arena, p->sourcedata));
	arena_free(&p->src_arena);
	p->sourcedata = pn_obj(&p->src_arena);
}

static void
s_content(struct parser *p, struct parse_node *a, const char *key)
{
	const char	*src = jstr(a, "src");

	p->has_content = 1;
	fp_push_content(p, "content", a, "text/plain", 1);
	if (src != NULL && *src != '\0')
		jset_str(p->contentparams, "src", src);
	fp_push(p, "content", 1);
}

static void
s_body(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push_content(p, "content", a, "application/xhtml+xml", 1);
}

static void
s_content_encoded(struct parser *p, struct parse_node *a, const char *key)
{
	p->has_content = 1;
	fp_push_content(p, "content", a, "text/html", 1);
}

static void
e_content(struct parser *p, const char *key)
{
	const char	*t = jstr(p->contentparams, "type");
	int		 copy = t != NULL && (strcmp(t, "text/plain") == 0 ||
	    is_html_type(t));
	char		*v = fp_pop_content(p, "content");

	if (copy && v != NULL)
		fp_save(p, "summary", v, 0);
	free(v);
}

static void
e_newlocation(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "newlocation"), *u;

	if (v != NULL && fp_context(p) == p->feed) {
		py_strip(v);
		u = fp_safe_uri(p->baseuri, v);
		jset_str(p->feed, "newlocation", u);
		free(u);
	}
	free(v);
}

static void
s_media_content(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *ctx = fp_context(p);

	list_append(ctx, "media_content", pn_copy(ctx->arena, a));
}

static void
s_media_thumbnail(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *ctx = fp_context(p);

	list_append(ctx, "media_thumbnail", pn_copy(ctx->arena, a));
	fp_push(p, "url", 1);
}

static void
e_media_thumbnail(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "url");
	struct parse_node *l = pn_get(fp_context(p), "media_thumbnail");
	struct parse_node *last = pn_at(l, pn_len(l) - 1);

	if (v != NULL && *v != '\0' && last != NULL && jstr(last, "url") == NULL)
		jset_str(last, "url", v);
	free(v);
}

static void
s_cc_license(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *ctx = fp_context(p), *l = pn_obj(ctx->arena);
	const char	*v = jstr(a, "rdf:resource");

	jset_str(l, "rel", "license");
	if (v != NULL && *v != '\0')
		jset_str(l, "href", v);
	list_append(ctx, "links", l);
}

static void
e_creativecommons_license(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "license");
	struct parse_node *ctx = fp_context(p), *l = pn_obj(ctx->arena);

	jset_str(l, "rel", "license");
	if (v != NULL && *v != '\0')
		jset_str(l, "href", v);
	list_append(ctx, "links", l);
	pn_del(ctx, "license");
	free(v);
}

/*
 * skipHours and skipDays: feedparser drops their contents; herald keeps
 * them as one space-separated string ("skiphours": "0 1 2") for the
 * scheduler.
 */
static void
s_skip(struct parser *p, struct parse_node *a, const char *key)
{
	p->inskip = 1;
	fp_push(p, "skip", 0);
}

static void
e_skip(struct parser *p, const char *key)
{
	free(fp_pop(p, "skip"));
	p->inskip = 0;
}

static void
s_skip_value(struct parser *p, struct parse_node *a, const char *key)
{
	fp_push(p, "skipvalue", 1);
}

/* Files the value under `key`; returns it (heap) when it was one. */
static char *
skip_value(struct parser *p, const char *key)
{
	char		*v = fp_pop(p, "skipvalue");
	const char	*old;

	if (v == NULL || *v == '\0' || !p->inskip) {
		free(v);
		return NULL;
	}
	old = jstr(p->feed, key);
	if (old != NULL && *old != '\0') {
		char *n = xasprintf("%s %s", old, v);

		jset_str(p->feed, key, n);
		free(n);
	} else
		jset_str(p->feed, key, v);
	return v;
}

/* Every number in an <hour>: bit h for hour h UTC, 24 read as 0. */
static void
e_hour(struct parser *p, const char *key)
{
	char	*v = skip_value(p, "skiphours"), *s;

	for (s = v; s != NULL && *s != '\0';) {
		if (isdigit((unsigned char)*s)) {
			long	 h = strtol(s, &s, 10);

			if (h >= 0 && h < 24)
				p->skip_hours |= 1u << h;
			else if (h == 24)
				p->skip_hours |= 1u;
		} else
			s++;
	}
	free(v);
}

/* The day names in a <day>: bit 0 Sunday ... bit 6 Saturday. */
static void
e_day(struct parser *p, const char *key)
{
	static const char *const days[] = { "sunday", "monday", "tuesday",
	    "wednesday", "thursday", "friday", "saturday" };
	char	*v = skip_value(p, "skipdays");
	size_t	 i;

	for (i = 0; v != NULL && i < 7; i++)
		if (strcasestr(v, days[i]) != NULL)
			p->skip_days |= 1u << i;
	free(v);
}

/*
 * <ttl>, sy:updatePeriod and sy:updateFrequency: filed as any unknown
 * element is, and read once here for the scheduler.
 */
static void
s_plain(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *ctx;

	if (pn_len(a) == 0)
		fp_push(p, key, 1);
	else {
		ctx = fp_context(p);
		pn_set(ctx, key, pn_copy(ctx->arena, a));
	}
}

static long
plain_long(const char *v)
{
	char	*end;
	long	 n;

	if (v == NULL)
		return -1;
	n = strtol(v, &end, 10);
	return end == v || n < 0 ? -1 : n;
}

static void
e_ttl(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, key);
	long	 n;

	if (fp_context(p) == p->feed && (n = plain_long(v)) > 0)
		p->ttl = n;
	free(v);
}

static void
e_sy_updatefrequency(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, key);

	if (fp_context(p) == p->feed)
		p->sy_freq = plain_long(v);
	free(v);
}

static void
e_sy_updateperiod(struct parser *p, const char *key)
{
	static const struct {
		const char	*name;
		long		 secs;
	} periods[] = { { "hourly", 3600 }, { "daily", 86400 },
	    { "weekly", 7 * 86400 }, { "monthly", 30 * 86400 },
	    { "yearly", 365 * 86400 } };
	char	*v = fp_pop(p, key);
	size_t	 i;

	for (i = 0; v != NULL && fp_context(p) == p->feed &&
	    i < sizeof(periods) / sizeof(periods[0]); i++)
		if (strcasecmp(v, periods[i].name) == 0)
			p->sy_period = periods[i].secs;
	free(v);
}

/* iTunes podcast elements, as feedparser reads them. */
#define ITUNES_SCHEME	"http://www.itunes.com/"

static void
s_itunes_owner(struct parser *p, struct parse_node *a, const char *key)
{
	p->inpublisher = 1;
	fp_push(p, "publisher", 0);
}

static void
e_itunes_owner(struct parser *p, const char *key)
{
	free(fp_pop(p, "publisher"));
	p->inpublisher = 0;
	fp_sync_author_detail(p, "publisher");
}

static void
s_itunes_category(struct parser *p, struct parse_node *a, const char *key)
{
	fp_add_tag(p, jstr(a, "text"), ITUNES_SCHEME, NULL);
	fp_push(p, "category", 1);
}

static void
e_itunes_keywords(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "itunes_keywords"), *save, *t;

	if (v == NULL)
		return;
	for (t = strtok_r(v, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		py_strip(t);
		if (*t != '\0')
			fp_add_tag(p, t, ITUNES_SCHEME, NULL);
	}
	free(v);
}

static void
s_itunes_image(struct parser *p, struct parse_node *a, const char *key)
{
	const char	*href = jstr(a, "href");

	fp_push(p, "itunes_image", 0);
	if (href == NULL || *href == '\0')
		href = jstr(a, "url");
	if (href != NULL && *href != '\0') {
		struct parse_node *ctx = fp_context(p), *img = pn_obj(ctx->arena);

		jset_str(img, "href", href);
		pn_set(ctx, "image", img);
	}
}

static void
e_itunes_image(struct parser *p, const char *key)
{
	free(fp_pop(p, "itunes_image"));
}

static void
e_itunes_block(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "itunes_block");
	struct parse_node *ctx = fp_context(p);

	pn_set(ctx, "itunes_block", pn_int(ctx->arena,
	    v != NULL && (strcmp(v, "yes") == 0 || strcmp(v, "Yes") == 0)));
	free(v);
}

static void
e_itunes_explicit(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "itunes_explicit");

	pn_set(fp_context(p), "itunes_explicit",
	    v != NULL && strcmp(v, "yes") == 0 ? pn_bool(1) :
	    v != NULL && strcmp(v, "clean") == 0 ? pn_bool(0) : pn_null());
	free(v);
}

/* Media RSS: categories, titles, descriptions and groups. */
static void
s_media_category(struct parser *p, struct parse_node *a, const char *key)
{
	struct parse_node *attrs = pn_copy(&p->el_arena, a);

	if (jstr(attrs, "scheme") == NULL)
		jset_str(attrs, "scheme", "http://search.yahoo.com/mrss/category_schema");
	s_category(p, attrs, "category");
}

static void
e_media_title(struct parser *p, const char *key)
{
	int	 depth = p->title_depth;

	e_title(p, "title");
	p->title_depth = depth;
}

static void
e_media_keywords(struct parser *p, const char *key)
{
	char	*v = fp_pop(p, "media_keywords"), *save, *t;

	if (v == NULL)
		return;
	for (t = strtok_r(v, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		py_strip(t);
		if (*t != '\0')
			fp_add_tag(p, t, NULL, NULL);
	}
	free(v);
}

static void
s_media_group(struct parser *p, struct parse_node *a, const char *key)
{
	/* nothing: the elements inside count as the item's */
}

/* Sorted by name for bsearch. */
static const struct handler {
	const char	*name;
	start_fn	 start;
	end_fn		 end;
	const char	*key;	/* handed to start and end; NULL: the name */
} handlers[] = {
	{ "abstract", s_abstract, e_description, NULL },
	{ "author", s_author, e_author, NULL },
	{ "body", s_body, e_content, NULL },
	{ "category", s_category, e_category, NULL },
	{ "cc_license", s_cc_license, NULL, NULL },
	{ "channel", s_channel, e_channel, NULL },
	{ "cloud", s_cloud, NULL, NULL },
	{ "content", s_content, e_content, NULL },
	{ "content_encoded", s_content_encoded, e_content, NULL },
	{ "contributor", s_contributor, e_contributor, NULL },
	{ "copyright", s_rights, e_rights, NULL },
	{ "created", s_push, e_date, NULL },
	{ "creativecommons_license", s_push, e_creativecommons_license,
	    "license" },
	{ "day", s_skip_value, e_day, NULL },
	{ "dc_author", s_author, e_author, NULL },
	{ "dc_contributor", s_dc_contributor, e_dc_contributor, NULL },
	{ "dc_creator", s_author, e_author, NULL },
	{ "dc_date", s_push, e_date, "updated" },
	{ "dc_description", s_description, e_description, NULL },
	{ "dc_language", s_push, e_language, "language" },
	{ "dc_publisher", s_webmaster, e_webmaster, NULL },
	{ "dc_rights", s_rights, e_rights, NULL },
	{ "dc_subject", s_category, e_category, NULL },
	{ "dc_title", s_title, e_title, NULL },
	{ "dcterms_created", s_push, e_date, "created" },
	{ "dcterms_issued", s_push, e_date, "published" },
	{ "dcterms_modified", s_push, e_date, "updated" },
	{ "dcterms_valid", s_push, e_dcterms_valid, "validity" },
	{ "description", s_description, e_description, NULL },
	{ "email", s_email, e_email, NULL },
	{ "enclosure", s_enclosure, NULL, NULL },
	{ "entry", s_item, e_item, NULL },
	{ "expirationdate", s_push, e_date, "expired" },
	{ "feed", s_feed, e_channel, NULL },
	{ "feedburner_browserfriendly", s_info, e_info, NULL },
	{ "fullitem", s_content_encoded, e_content, NULL },
	{ "generator", s_generator, e_generator, NULL },
	{ "guid", s_guid, e_guid, NULL },
	{ "height", s_height, e_height, NULL },
	{ "homepage", s_url, e_url, NULL },
	{ "hour", s_skip_value, e_hour, NULL },
	{ "id", s_guid, e_guid, NULL },
	{ "image", s_image, e_image, NULL },
	{ "info", s_info, e_info, NULL },
	{ "issued", s_push, e_date, "published" },
	{ "item", s_item, e_item, NULL },
	{ "itunes_author", s_author, e_author, NULL },
	{ "itunes_block", s_push, e_itunes_block, NULL },
	{ "itunes_category", s_itunes_category, e_category, NULL },
	{ "itunes_email", s_email, e_email, NULL },
	{ "itunes_explicit", s_push, e_itunes_explicit, NULL },
	{ "itunes_image", s_itunes_image, e_itunes_image, NULL },
	{ "itunes_keywords", s_push, e_itunes_keywords, NULL },
	{ "itunes_link", s_itunes_image, e_itunes_image, NULL },
	{ "itunes_name", s_name, e_name, NULL },
	{ "itunes_owner", s_itunes_owner, e_itunes_owner, NULL },
	{ "itunes_subtitle", s_subtitle, e_subtitle, NULL },
	{ "itunes_summary", s_summary, e_summary, NULL },
	{ "keywords", s_category, e_category, NULL },
	{ "language", s_push, e_language, NULL },
	{ "lastbuilddate", s_push, e_date, "updated" },
	{ "link", s_link, e_link, NULL },
	{ "managingeditor", s_author, e_author, NULL },
	{ "media_category", s_media_category, e_category, NULL },
	{ "media_content", s_media_content, NULL, NULL },
	{ "media_description", s_description, e_description, NULL },
	{ "media_group", s_media_group, NULL, NULL },
	{ "media_keywords", s_push, e_media_keywords, NULL },
	{ "media_thumbnail", s_media_thumbnail, e_media_thumbnail, NULL },
	{ "media_title", s_title, e_media_title, NULL },
	{ "modified", s_push, e_date, "updated" },
	{ "name", s_name, e_name, NULL },
	{ "newlocation", s_push, e_newlocation, NULL },
	{ "pubdate", s_push, e_date, "published" },
	{ "published", s_push, e_date, NULL },
	{ "rights", s_rights, e_rights, NULL },
	{ "rss", s_rss, NULL, NULL },
	{ "skipdays", s_skip, e_skip, NULL },
	{ "skiphours", s_skip, e_skip, NULL },
	{ "source", s_source, e_source, NULL },
	{ "subtitle", s_subtitle, e_subtitle, NULL },
	{ "summary", s_summary, e_summary, NULL },
	{ "sy_updatefrequency", s_plain, e_sy_updatefrequency, NULL },
	{ "sy_updateperiod", s_plain, e_sy_updateperiod, NULL },
	{ "tagline", s_subtitle, e_subtitle, NULL },
	{ "tags", s_push, e_tags, NULL },
	{ "textinput", s_textinput, e_textinput, NULL },
	{ "title", s_title, e_title, NULL },
	{ "ttl", s_plain, e_ttl, NULL },
	{ "updated", s_push, e_date, NULL },
	{ "uri", s_url, e_url, NULL },
	{ "url", s_url, e_url, NULL },
	{ "webmaster", s_webmaster, e_webmaster, NULL },
	{ "width", s_width, e_width, NULL },
	{ "xhtml_body", s_body, e_content, NULL },
};

static int
handler_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct handler *)elem)->name);
}

static const struct handler *
handler_find(const char *name)
{
	return bsearch(name, handlers, sizeof(handlers) / sizeof(handlers[0]),
	    sizeof(handlers[0]), handler_cmp);
}

/* ---- feedparser's unknown_starttag / unknown_endtag ---- */

/*
 * Sets a string of the document's own dictionaries, unless it is set to
 * that already: they live as long as the document, and a namespace may be
 * declared again on every element.
 */
static void
doc_set(struct parse_node *obj, const char *key, const char *val)
{
	if (!streq(jstr(obj, key), val))
		jset_str(obj, key, val);
}

static void
fp_track_namespace(struct parser *p, const char *prefix, const char *uri)
{
	char		*lower = str_lower(uri);
	const char	*m;

	if (p->version == NULL || *p->version == '\0') {
		const char *v = NULL;

		if (prefix == NULL &&
		    strcmp(lower, "http://my.netscape.com/rdf/simple/0.9/") == 0)
			v = "rss090";
		else if (strcmp(lower, "http://purl.org/rss/1.0/") == 0)
			v = "rss10";
		else if (strcmp(lower, "http://www.w3.org/2005/atom") == 0)
			v = "atom10";
		if (v != NULL) {
			free(p->version);
			p->version = xstrdup(v);
		}
	}
	if (strstr(lower, "backend.userland.com/rss") != NULL) {
		free(lower);
		lower = xstrdup("http://backend.userland.com/rss");
		uri = lower;
	}
	if ((m = ns_match(lower)) != NULL) {
		/* feedparser files the default namespace under None, which
		 * no tag lookup ever hits */
		if (prefix != NULL)
			doc_set(p->namespacemap, prefix, m);
		doc_set(p->namespaces_in_use, m, uri);
	} else
		doc_set(p->namespaces_in_use, prefix ? prefix : "", uri);
	free(lower);
}

static char *
strattrs(struct parse_node *attrs)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 0);
	buf_append(&b, "", 0);
	for (i = 0; i < pn_len(attrs); i++) {
		const char	*k = attrs->u.o.v[i].key;
		const char	*v = pn_s(attrs->u.o.v[i].val);
		char		*esc = xml_escape(v != NULL ? v : "", 1);

		buf_printf(&b, " %s=\"%s\"", k, esc);
		free(esc);
	}
	return buf_steal(&b);
}

/*
 * Pushes the element's base and language, sharing its parent's strings
 * when they are the same: most elements change neither.
 */
static void
scope_push(struct parser *p)
{
	size_t		 n = p->nbase;
	char		*b = p->baseuri, *l = p->lang;
	unsigned char	 own = 0;

	if (n == p->capbase) {
		p->capbase = p->capbase ? p->capbase * 2 : 16;
		p->basestack = xrealloc(p->basestack, p->capbase * sizeof(char *));
		p->langstack = xrealloc(p->langstack, p->capbase * sizeof(char *));
		p->stackown = xrealloc(p->stackown, p->capbase);
	}
	if (n > 0 && streq(p->basestack[n - 1], b))
		b = p->basestack[n - 1];
	else {
		b = xstrdup(b);
		own |= 1;
	}
	if (n > 0 && streq_null(p->langstack[n - 1], l))
		l = p->langstack[n - 1];
	else if (l != NULL) {
		l = xstrdup(l);
		own |= 2;
	}
	p->basestack[n] = b;
	p->langstack[n] = l;
	p->stackown[n] = own;
	p->nbase++;
}

/* Pops an element's scope: its parent's base and language are back. */
static void
scope_pop(struct parser *p)
{
	size_t	 n;

	if (p->nbase == 0)
		return;
	n = --p->nbase;
	if (p->stackown[n] & 1)
		free(p->basestack[n]);
	if (p->stackown[n] & 2)
		free(p->langstack[n]);
	if (n == 0)
		return;
	if (p->basestack[n - 1] != NULL && *p->basestack[n - 1] != '\0' &&
	    !streq(p->baseuri, p->basestack[n - 1])) {
		free(p->baseuri);
		p->baseuri = xstrdup(p->basestack[n - 1]);
	}
	if (!streq_null(p->lang, p->langstack[n - 1])) {
		free(p->lang);
		p->lang = p->langstack[n - 1] ? xstrdup(p->langstack[n - 1]) :
		    NULL;
	}
}

/*
 * Splits a mapped tag "prefix:suffix"; returns the handler key
 * "prefix_suffix" in buf (size bytes) or on the heap (name_free() it).
 */
static char *
handler_key(struct parser *p, const char *tag, const char **suffix_out,
    char *buf, size_t size)
{
	const char	*colon = strchr(tag, ':'), *suffix, *mapped;
	char		 pbuf[64], *prefix;

	if (colon != NULL) {
		prefix = (size_t)(colon - tag) < sizeof(pbuf) ? pbuf :
		    xmalloc((size_t)(colon - tag) + 1);
		memcpy(prefix, tag, (size_t)(colon - tag));
		prefix[colon - tag] = '\0';
		suffix = colon + 1;
	} else {
		pbuf[0] = '\0';
		prefix = pbuf;
		suffix = tag;
	}
	mapped = jstr(p->namespacemap, prefix);
	if (mapped == NULL)
		mapped = prefix;
	if (suffix_out != NULL)
		*suffix_out = suffix;
	{
		char *key = *mapped ? name_join(buf, size, mapped, '_', suffix,
		    0) : name_join(buf, size, suffix, 0, NULL, 0);

		name_free(prefix, pbuf);
		return key;
	}
}

static void
fp_unknown_starttag(struct parser *p, const char *tag, struct parse_node *attrs)
{
	const char		*base, *lang, *suffix, *ctype;
	char			*newbase, *key, keybuf[128];
	const struct handler	*h;

	p->depth++;
	/* xml:base and xml:lang */
	base = jstr(attrs, "xml:base");
	if (base == NULL)
		base = jstr(attrs, "base");
	if (base == NULL || *base == '\0')
		base = p->baseuri;
	if (base != p->baseuri || p->base_same == NULL ||
	    strcmp(p->base_same, p->baseuri) != 0) {
		/* resolved, unless it is the base that resolved to itself */
		if (p->baseuri != NULL && *p->baseuri != '\0') {
			newbase = fp_safe_uri(p->baseuri, base);
			if (*newbase == '\0') {
				free(newbase);
				newbase = xstrdup(p->baseuri);
			}
		} else
			newbase = fp_urljoin(p->baseuri, base ? base : "");
		if (base == p->baseuri && streq(newbase, p->baseuri)) {
			free(p->base_same);
			p->base_same = xstrdup(newbase);
		}
		if (streq(newbase, p->baseuri))
			free(newbase);
		else {
			free(p->baseuri);
			p->baseuri = newbase;
		}
	}

	lang = jstr(attrs, "xml:lang");
	if (lang == NULL)
		lang = jstr(attrs, "lang");
	if (lang != NULL && *lang == '\0') {
		free(p->lang);
		p->lang = NULL;
	} else if (lang != NULL && !streq(p->lang, lang)) {
		free(p->lang);
		p->lang = xstrdup(lang);
	}
	if (p->lang != NULL && (strcmp(tag, "feed") == 0 ||
	    strcmp(tag, "rss") == 0 || strcmp(tag, "rdf:RDF") == 0)) {
		char *l = xstrdup(p->lang);

		for (char *c = l; *c; c++)
			if (*c == '_')
				*c = '-';
		jset_str(p->feed, "language", l);
		free(l);
	}
	scope_push(p);

	/* inline content */
	ctype = jstr(p->contentparams, "type");
	if (p->incontent) {
		const char	*t = ctype ? ctype : "xml";
		size_t		 l = strlen(t);

		if (!(l >= 3 && strcmp(t + l - 3, "xml") == 0)) {
			if (strcmp(tag, "xhtml:div") == 0 || strcmp(tag, "div") == 0)
				return;
			jset_str(p->contentparams, "type", "application/xhtml+xml");
		}
	}
	if (p->incontent && streq(jstr(p->contentparams, "type"),
	    "application/xhtml+xml")) {
		const char	*t = tag, *colon = strchr(tag, ':');
		char		*sa, *piece;
		struct parse_node *a = pn_copy(&p->el_arena, attrs);

		if (colon != NULL) {
			char		*pfx = xstrndup(tag, (size_t)(colon - tag));
			const char	*ns = jstr(p->namespaces_in_use, pfx);

			t = colon + 1;
			if (strcmp(t, "math") == 0 &&
			    streq(ns, "http://www.w3.org/1998/Math/MathML"))
				jset_str(a, "xmlns", ns);
			if (strcmp(t, "svg") == 0 &&
			    streq(ns, "http://www.w3.org/2000/svg"))
				jset_str(a, "xmlns", ns);
			free(pfx);
		}
		if (strcmp(t, "svg") == 0)
			p->svg_ok++;
		sa = strattrs(a);
		piece = xasprintf("<%s%s>", t, sa);
		fp_handle_data(p, piece, strlen(piece), 0);
		free(piece);
		free(sa);
		return;
	}

	key = handler_key(p, tag, &suffix, keybuf, sizeof(keybuf));
	{
		int has_prefix = strcmp(key, suffix) != 0;

		if (!has_prefix && strcmp(tag, "title") != 0 &&
		    strcmp(tag, "link") != 0 && strcmp(tag, "description") != 0 &&
		    strcmp(tag, "name") != 0)
			p->intextinput = 0;
		if (!has_prefix && strcmp(tag, "title") != 0 &&
		    strcmp(tag, "link") != 0 && strcmp(tag, "description") != 0 &&
		    strcmp(tag, "url") != 0 && strcmp(tag, "href") != 0 &&
		    strcmp(tag, "width") != 0 && strcmp(tag, "height") != 0)
			p->inimage = 0;
	}
	if ((h = handler_find(key)) != NULL && h->start != NULL) {
		if (!(p->svg_ok && strcmp(key, "title") == 0))
			h->start(p, attrs, h->key != NULL ? h->key : h->name);
	} else if (pn_len(attrs) == 0)
		fp_push(p, key, 1);
	else {
		struct parse_node *ctx = fp_context(p);

		pn_set(ctx, key, pn_copy(ctx->arena, attrs));
	}
	name_free(key, keybuf);
}

static void
fp_unknown_endtag(struct parser *p, const char *tag)
{
	const struct handler	*h;
	const char		*suffix;
	char			 keybuf[128];
	char			*key = handler_key(p, tag, &suffix, keybuf,
	    sizeof(keybuf));

	if (strcmp(suffix, "svg") == 0 && p->svg_ok)
		p->svg_ok--;
	if (!p->svg_ok && (h = handler_find(key)) != NULL && h->end != NULL)
		h->end(p, h->key != NULL ? h->key : h->name);
	else
		free(fp_pop(p, key));
	name_free(key, keybuf);

	if (p->incontent) {
		const char	*t = jstr(p->contentparams, "type");
		size_t		 l;

		if (t == NULL)
			t = "xml";
		l = strlen(t);
		if (!(l >= 3 && strcmp(t + l - 3, "xml") == 0)) {
			if (strcmp(tag, "xhtml:div") == 0 || strcmp(tag, "div") == 0)
				return;
			jset_str(p->contentparams, "type", "application/xhtml+xml");
		}
	}
	if (p->incontent && streq(jstr(p->contentparams, "type"),
	    "application/xhtml+xml")) {
		const char	*t = strrchr(tag, ':');
		char		*piece = xasprintf("</%s>", t ? t + 1 : tag);

		fp_handle_data(p, piece, strlen(piece), 0);
		free(piece);
	}
	scope_pop(p);
	p->depth--;
}

/* ---- libxml2 SAX2 callbacks: feedparser's strict parser ---- */

static char *
lower_dup_n(const xmlChar *s)
{
	return str_lower(s ? (const char *)s : "");
}

/*
 * The prefix feedparser maps a namespace URI to (NULL: unknown), with
 * backend.userland.com's many URIs as one.  Every element asks, so the
 * answers are kept by URI pointer: libxml2 interns names in its
 * dictionary, so one namespace is one pointer for the whole document.
 */
static const char *
ns_lookup(struct parser *p, const xmlChar *uri)
{
	size_t		 i;
	char		*lower;
	const char	*m;

	if (uri == NULL || *uri == '\0')
		return "";
	for (i = 0; i < sizeof(p->nscache) / sizeof(p->nscache[0]); i++)
		if (p->nscache[i].uri == uri)
			return p->nscache[i].mapped;
	lower = str_lower((const char *)uri);
	m = strstr(lower, "backend.userland.com/rss") != NULL ? "" :
	    ns_match(lower);
	free(lower);
	i = p->nscache_next++ % (sizeof(p->nscache) / sizeof(p->nscache[0]));
	p->nscache[i].uri = uri;
	p->nscache[i].mapped = m;
	return m;
}

static void
sax_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *URI, int nb_namespaces, const xmlChar **namespaces,
    int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	struct parser	*p = ctx;
	char		*tag, *lname, tagbuf[128], lbuf[96];
	const char	*given = (const char *)prefix, *mapped;
	const char	*ns = (const char *)URI;
	struct parse_node *attrs;
	int		 i;

	if (p->root == NULL)
		p->root = xstrdup((const char *)localname);
	/* libxml2 counts this element once the callback returns */
	if (p->ctxt->nameNr >= 0 && p->ctxt->nameNr <= PARSE_MAX_DEPTH)
		p->open_line[p->ctxt->nameNr] = xmlSAX2GetLineNumber(p->ctxt);
	if (p->depth >= PARSE_MAX_DEPTH) {
		p->depth++;
		return;
	}
	/* the attributes live until the next start tag */
	arena_free(&p->el_arena);
	attrs = pn_obj(&p->el_arena);
	for (i = 0; i < nb_namespaces; i++) {
		const char *pf = (const char *)namespaces[2 * i];
		const char *u = (const char *)namespaces[2 * i + 1];

		if (u == NULL || *u == '\0')
			continue;
		fp_track_namespace(p, pf, u);
		if (pf != NULL && strcmp(u, "http://www.w3.org/1999/xlink") == 0) {
			char	 kb[64], *k = name_join(kb, sizeof(kb), "xmlns",
			    ':', pf, 0);

			jset_str(attrs, k, u);
			name_free(k, kb);
		}
	}
	mapped = ns_lookup(p, URI);
	if (mapped == NULL)
		mapped = given;
	if (given != NULL && (mapped == NULL || (*mapped == '\0' &&
	    (URI == NULL || *URI == '\0'))) &&
	    pn_get(p->namespaces_in_use, given) == NULL) {
		/* feedparser's loose parser keeps the prefix as written */
		fp_bozo(p, "UndeclaredNamespace");
		mapped = given;
	}
	lname = name_join(lbuf, sizeof(lbuf), (const char *)localname, 0, NULL,
	    1);
	if (strcmp(lname, "math") == 0 && streq(ns, "http://www.w3.org/1998/Math/MathML"))
		jset_str(attrs, "xmlns", ns);
	if (strcmp(lname, "svg") == 0 && streq(ns, "http://www.w3.org/2000/svg"))
		jset_str(attrs, "xmlns", ns);
	tag = name_join(tagbuf, sizeof(tagbuf), mapped != NULL && *mapped ?
	    mapped : lname, ':', mapped != NULL && *mapped ? lname : NULL, 1);
	for (i = 0; i < nb_attributes; i++) {
		const char	*al = (const char *)attributes[5 * i];
		const char	*ap = (const char *)attributes[5 * i + 1];
		const char	*au = (const char *)attributes[5 * i + 2];
		const char	*vb = (const char *)attributes[5 * i + 3];
		const char	*ve = (const char *)attributes[5 * i + 4];
		char		*name, nbuf[96], *v, *r;
		const char	*apfx = au != NULL ? ns_lookup(p, (const xmlChar *)au) : "";
		struct parse_node *val;

		name = name_join(nbuf, sizeof(nbuf), apfx != NULL && *apfx ?
		    apfx : al, ':', apfx != NULL && *apfx ? al : NULL, 1);
		v = arena_strndup(&p->el_arena, vb, (size_t)(ve - vb));
		/* without entity substitution libxml2 hands '&' on as "&#38;" */
		while ((r = strstr(v, "&#38;")) != NULL)
			memmove(r + 1, r + 5, strlen(r + 5) + 1);
		/* rel and type values are compared lower-cased */
		if (strcmp(name, "rel") == 0 || strcmp(name, "type") == 0)
			for (char *c = v; *c != '\0'; c++)
				*c = (char)tolower((unsigned char)*c);
		val = pn_str_wrap(&p->el_arena, v);
		pn_set(attrs, name, val);
		name_free(name, nbuf);
		if (ap != NULL) {
			name = name_join(nbuf, sizeof(nbuf), ap, ':', al, 1);
			pn_set(attrs, name, val);
			name_free(name, nbuf);
		}
	}
	fp_unknown_starttag(p, tag, attrs);
	name_free(tag, tagbuf);
	name_free(lname, lbuf);
}

static void
sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *URI)
{
	struct parser	*p = ctx;
	char		*tag, tagbuf[128];
	const char	*mapped, *given = (const char *)prefix;

	if (p->depth > PARSE_MAX_DEPTH) {
		p->depth--;
		return;
	}
	mapped = ns_lookup(p, URI);
	if (mapped == NULL || (*mapped == '\0' && (URI == NULL || *URI == '\0') &&
	    given))
		mapped = given;
	tag = name_join(tagbuf, sizeof(tagbuf), mapped != NULL && *mapped ?
	    mapped : (const char *)localname, ':', mapped != NULL && *mapped ?
	    (const char *)localname : NULL, 1);
	fp_unknown_endtag(p, tag);
	name_free(tag, tagbuf);
}

static void
sax_characters(void *ctx, const xmlChar *ch, int len)
{
	struct parser	*p = ctx;

	if (p->depth > PARSE_MAX_DEPTH)
		return;
	fp_handle_data(p, (const char *)ch, (size_t)len, 1);
}

/*
 * The input filter takes every entity declaration out of the DOCTYPE before
 * libxml2 sees it (infilter_doctype_done): one reaching libxml2 means the
 * filter was bypassed, so the document is rejected rather than trusted.
 */
static void
sax_entity_decl(void *ctx, const xmlChar *name, int type,
    const xmlChar *publicId, const xmlChar *systemId, xmlChar *content)
{
	struct parser	*p = ctx;

	p->fail = PARSE_ENTITY;
	if (p->error == NULL)
		p->error = xasprintf("entity declarations are not allowed "
		    "(entity '%s')", (const char *)name);
	xmlStopParser(p->ctxt);
}

static void
sax_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ExternalID,
    const xmlChar *SystemID)
{
	struct parser	*p = ctx;
	char		*l1 = lower_dup_n(ExternalID), *l2 = lower_dup_n(SystemID);

	if (strstr(l1, "netscape") != NULL || strstr(l2, "netscape") != NULL) {
		free(p->doctype_version);
		p->doctype_version = xstrdup("rss091n");
	}
	free(l1);
	free(l2);
}

static xmlEntityPtr
sax_get_entity(void *ctx, const xmlChar *name)
{
	return xmlGetPredefinedEntity(name);
}

static xmlParserInputPtr
deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	return NULL;
}

static void
sax_silent(void *ctx, const char *msg, ...)
{
}

/*
 * Keeps libxml2's first fatal error: in recovery mode it goes on after it,
 * and the last error (xmlCtxtGetLastError) is often a consequence of the
 * first, on another line.
 */
static void
sax_error(void *ctx, xmlErrorPtr e)
{
	struct parser	*p = ctx;

	if (e == NULL || e->level != XML_ERR_FATAL || p->xml_first != NULL)
		return;
	p->xml_first = xstrdup(e->message != NULL ? e->message : "error");
	p->xml_first[strcspn(p->xml_first, "\n")] = '\0';
	p->xml_first_line = e->line;
	p->xml_first_code = e->code;
}

/*
 * A push parser told the end of a document still inside elements says
 * "Extra content at the end of the document"; xmllint (a pull parser) says
 * what happened, "Premature end of data in tag title line 1" (where the
 * innermost open element started): so does herald.
 */
static void
xml_error_premature(struct parser *p)
{
	xmlParserCtxtPtr	 c = p->ctxt;
	int			 d;
	char			*m;

	if (p->xml_first_code != XML_ERR_DOCUMENT_END || c->nameNr <= 0 ||
	    c->name == NULL)
		return;
	d = c->nameNr - 1;
	m = xasprintf("Premature end of data in tag %s line %ld",
	    (const char *)c->name, d <= PARSE_MAX_DEPTH ? p->open_line[d] :
	    (long)xmlSAX2GetLineNumber(c));
	free(p->xml_first);
	p->xml_first = m;
}

static int	 parse_initialized;

void
parse_global_init(void)
{
	if (parse_initialized)
		return;
	parse_initialized = 1;
	cclass_init();
	xmlInitParser();
	xmlSetExternalEntityLoader(deny_loader);
	for (size_t i = 1; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (strcmp(handlers[i - 1].name, handlers[i].name) >= 0)
			fatalx("parse.c: handlers[] not sorted at %s",
			    handlers[i].name);
}

/* ------------------------------------------------------------------ */
/* The typed view (parse.h) of feedparser's dictionaries.              */
/* ------------------------------------------------------------------ */

/* Grows a view's array by one zeroed element. */
static void *
vec_push(struct vec *v, size_t size)
{
	char	*e;

	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->v = xrealloc(v->v, v->cap * size);
	}
	e = (char *)v->v + v->n++ * size;
	memset(e, 0, size);
	return e;
}

static void
view_reset(struct view *w)
{
	w->links.n = w->authors.n = w->tags.n = w->content.n = 0;
	w->encl.n = w->media.n = 0;
}

static void
view_free(struct view *w)
{
	free(w->links.v);
	free(w->authors.v);
	free(w->tags.v);
	free(w->content.v);
	free(w->encl.v);
	free(w->media.v);
}

static void
view_text_detail(struct parse_text *t, struct parse_node *d)
{
	if (!pn_is(d, PN_OBJ))
		return;
	t->type = jstr(d, "type");
	t->language = jstr(d, "language");
	t->base = jstr(d, "base");
	t->src = jstr(d, "src");
}

/* The text filed under `key`, with its KEY_detail. */
static void
view_text(struct parse_text *t, struct parse_node *ctx, const char *key,
    const char *dkey)
{
	memset(t, 0, sizeof(*t));
	t->value = jstr(ctx, key);
	if (t->value != NULL)
		view_text_detail(t, pn_get(ctx, dkey));
}

static void
view_date(struct parse_date *d, struct parse_node *ctx, const char *key,
    const char *pkey)
{
	struct parse_node *v = pn_get(ctx, pkey);

	d->raw = jstr(ctx, key);
	d->valid = pn_is(v, PN_INT);
	d->epoch = d->valid ? pn_i(v) : 0;
}

static void
view_links(struct view *w, struct parse_node *ctx)
{
	struct parse_node *l;
	size_t	 i;

	pn_foreach(pn_get(ctx, "links"), i, l) {
		struct parse_link *k = vec_push(&w->links, sizeof(*k));

		k->rel = jstr(l, "rel");
		k->type = jstr(l, "type");
		k->href = jstr(l, "href");
		k->title = jstr(l, "title");
		k->length = jstr(l, "length");
		if (streq(k->rel, "enclosure") && k->href != NULL) {
			struct parse_enclosure *e = vec_push(&w->encl, sizeof(*e));

			e->url = k->href;
			e->type = k->type;
			e->length = k->length;
		}
	}
}

static void
view_entry(struct view *w, struct parse_node *ctx, struct parse_entry *e)
{
	struct parse_node *v;
	size_t	 i;

	view_reset(w);
	memset(e, 0, sizeof(*e));
	view_text(&e->title, ctx, "title", "title_detail");
	view_text(&e->summary, ctx, "summary", "summary_detail");
	pn_foreach(pn_get(ctx, "content"), i, v) {
		struct parse_text *t = vec_push(&w->content, sizeof(*t));

		t->value = jstr(v, "value");
		view_text_detail(t, v);
	}
	e->id = jstr(ctx, "id");
	e->link = jstr(ctx, "link");
	view_date(&e->published, ctx, "published", "published_parsed");
	view_date(&e->updated, ctx, "updated", "updated_parsed");
	e->author = jstr(ctx, "author");
	pn_foreach(pn_get(ctx, "authors"), i, v) {
		struct parse_person *a = vec_push(&w->authors, sizeof(*a));

		a->name = jstr(v, "name");
		a->email = jstr(v, "email");
		a->href = jstr(v, "href");
	}
	view_links(w, ctx);
	pn_foreach(pn_get(ctx, "tags"), i, v) {
		struct parse_tag *t = vec_push(&w->tags, sizeof(*t));

		t->term = jstr(v, "term");
		t->scheme = jstr(v, "scheme");
		t->label = jstr(v, "label");
	}
	pn_foreach(pn_get(ctx, "media_content"), i, v) {
		struct parse_enclosure *m = vec_push(&w->media, sizeof(*m));

		m->url = jstr(v, "url");
		m->type = jstr(v, "type");
		m->length = jstr(v, "filesize");
	}
	e->content = w->content.v;
	e->ncontent = w->content.n;
	e->authors = w->authors.v;
	e->nauthors = w->authors.n;
	e->links = w->links.v;
	e->nlinks = w->links.n;
	e->tags = w->tags.v;
	e->ntags = w->tags.n;
	e->enclosures = w->encl.v;
	e->nenclosures = w->encl.n;
	e->media = w->media.v;
	e->nmedia = w->media.n;
	e->raw = ctx;
}

/* Hands the entry in hand to the callback, unless it is over the cap. */
static void
fp_emit(struct parser *p)
{
	struct parse_entry	 e;

	if (p->skip_entry) {
		p->truncated = 1;
		return;
	}
	p->nentries++;
	if (p->cb == NULL)
		return;
	view_entry(&p->ev, p->entry, &e);
	p->cb(p->cbarg, &e);
}

const struct parse_date *
parse_entry_date(const struct parse_entry *e)
{
	if (e->published.valid)
		return &e->published;
	if (e->updated.valid)
		return &e->updated;
	return NULL;
}

/* The feed's view, once the document is read. */
static void
view_feed(struct parser *p)
{
	struct parse_feed	*f = &p->fview;
	struct view		*w = &p->fv;
	struct parse_node	*res = p->result, *ctx = p->feed;

	view_reset(w);
	memset(f, 0, sizeof(*f));
	view_text(&f->title, ctx, "title", "title_detail");
	view_text(&f->subtitle, ctx, "subtitle", "subtitle_detail");
	f->link = jstr(ctx, "link");
	view_links(w, ctx);
	f->links = w->links.v;
	f->nlinks = w->links.n;
	f->language = jstr(ctx, "language");
	view_date(&f->updated, ctx, "updated", "updated_parsed");
	f->ttl = p->ttl;
	f->update_period = -1;
	if (p->sy_period > 0)
		f->update_period = p->sy_period / (p->sy_freq > 0 ? p->sy_freq : 1);
	f->skip_hours = p->skip_hours;
	f->skip_days = p->skip_days;
	f->version = jstr(res, "version");
	f->encoding = jstr(res, "encoding");
	f->bozo = pn_is(pn_get(res, "bozo"), PN_TRUE);
	f->bozo_exception = jstr(res, "bozo_exception");
	f->bozo_message = jstr(res, "bozo_message");
	f->xml_error = jstr(res, "xml_error");
	f->xml_error_line = (long)pn_i(pn_get(res, "bozo_line"));
	f->truncated = pn_is(pn_get(res, "truncated"), PN_TRUE);
	f->nentries = p->nentries;
	f->failure = p->error != NULL ? p->fail : PARSE_OK;
	f->error = p->error;
	f->alternates = (const char *const *)p->alternates;
	f->nalternates = p->nalternates;
	f->raw = res;
}

/* ------------------------------------------------------------------ */
/* Life cycle.                                                         */
/* ------------------------------------------------------------------ */

static char *
opt_dup(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

struct parser *
parse_new(const struct parse_opts *opts, parse_entry_fn cb, void *arg)
{
	struct parser	*p;
	const char	*base;

	if (!parse_initialized)
		fatalx("parse_new: parse_global_init() was not called");
	p = xcalloc(1, sizeof(*p));
	p->url = opt_dup(opts ? opts->url : NULL);
	p->base_url = opt_dup(opts ? opts->base_url : NULL);
	p->content_type = opt_dup(opts ? opts->content_type : NULL);
	p->language = opt_dup(opts ? opts->language : NULL);
	p->max_items = opts && opts->max_items ? opts->max_items : PARSE_MAX_ITEMS;
	p->max_field = opts && opts->max_field ? opts->max_field : PARSE_MAX_FIELD;
	p->cb = cb;
	p->cbarg = arg;
	buf_init(&p->in.head, 0);
	buf_init(&p->in.dec, 0);
	buf_init(&p->in.out, 0);
	buf_init(&p->in.doctype, 0);
	p->in.cd = (iconv_t)-1;
	buf_init(&p->sniff, PARSE_SNIFF_BYTES);
	p->result = pn_obj(&p->doc_arena);
	p->feed = pn_obj(&p->doc_arena);
	p->namespaces_in_use = pn_obj(&p->doc_arena);
	p->namespacemap = pn_obj(&p->doc_arena);
	p->sourcedata = pn_obj(&p->src_arena);
	p->contentparams = pn_obj(&p->cp_arena);
	p->title_depth = -1;
	p->ttl = -1;
	/* feedparser: Content-Location against the URL, else the URL */
	base = p->url;
	if (p->base_url != NULL) {
		char *b = fp_safe_uri(p->url, p->base_url);

		if (*b == '\0') {
			free(b);
			b = fp_safe_uri(p->base_url, NULL);
		}
		if (*b != '\0') {
			p->baseuri = b;
			base = NULL;
		} else
			free(b);
	}
	if (p->baseuri == NULL)
		p->baseuri = xstrdup(base ? base : "");
	if (p->language != NULL) {
		p->lang = xstrdup(p->language);
		for (char *c = p->lang; *c; c++)
			if (*c == '_')
				*c = '-';
		jset_str(p->feed, "language", p->lang);
	}
	return p;
}

static void
parse_start_xml(struct parser *p)
{
	xmlSAXHandler	 sax;

	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = sax_start;
	sax.endElementNs = sax_end;
	sax.characters = sax_characters;
	sax.cdataBlock = sax_characters;
	sax.entityDecl = sax_entity_decl;
	sax.internalSubset = sax_internal_subset;
	sax.getEntity = sax_get_entity;
	sax.warning = sax_silent;
	sax.error = sax_silent;
	sax.fatalError = sax_silent;
	sax.serror = sax_error;
	p->ctxt = xmlCreatePushParserCtxt(&sax, p, NULL, 0, p->url);
	if (p->ctxt == NULL)
		fatalx("xmlCreatePushParserCtxt failed");
	xmlCtxtUseOptions(p->ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_RECOVER |
	    XML_PARSE_IGNORE_ENC);
	xmlSwitchEncoding(p->ctxt, XML_CHAR_ENCODING_UTF8);
}

static void
parse_feed_xml(struct parser *p, int final)
{
	struct infilter	*f = &p->in;

	infilter_markup(f, final);
	if (f->error != NULL && p->error == NULL) {
		p->error = xstrdup(f->error);
		p->fail = f->fail;
	}
	if (p->error != NULL)
		return;
	if (p->truncated) {
		/* the item cap was reached: the rest is not worth parsing */
		buf_reset(&f->out);
		return;
	}
	if (f->out.len > 0 || final) {
		xmlParseChunk(p->ctxt, f->out.data ? f->out.data : "",
		    (int)f->out.len, final);
		buf_reset(&f->out);
	}
}

/* Decodes input, keeping the first decoded bytes to explain a non-feed. */
static void
parse_decode(struct parser *p, const char *data, size_t len, int final)
{
	size_t	 before = p->in.dec.len;

	infilter_decode(&p->in, data, len, final);
	if (p->sniff.len < PARSE_SNIFF_BYTES && p->in.dec.len > before)
		buf_append(&p->sniff, p->in.dec.data + before,
		    p->in.dec.len - before);
}

int
parse_push(struct parser *p, const char *data, size_t len)
{
	struct infilter	*f = &p->in;
	size_t		 skip;

	if (p->error != NULL)
		return -1;
	if (!f->decided) {
		buf_append(&f->head, data, len);
		if (f->head.len < 1024 &&
		    (f->head.data == NULL || strstr(f->head.data, "?>") == NULL))
			return 0;
		f->decided = 1;
		skip = infilter_decide(f, p->content_type);
		parse_start_xml(p);
		parse_decode(p, f->head.data + skip, f->head.len - skip, 0);
		buf_free(&f->head);
	} else
		parse_decode(p, data, len, 0);
	parse_feed_xml(p, 0);
	return p->error != NULL ? -1 : 0;
}

/* Finds <link rel="alternate" type="...rss+xml|atom+xml" href> in an HTML page. */
static void
find_alternates(struct parser *p, xmlNodePtr n)
{
	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrcasecmp(n->name, (const xmlChar *)"link") == 0) {
			xmlChar	*rel = xmlGetProp(n, (const xmlChar *)"rel");
			xmlChar	*type = xmlGetProp(n, (const xmlChar *)"type");
			xmlChar	*href = xmlGetProp(n, (const xmlChar *)"href");

			if (rel && type && href &&
			    strcasestr((const char *)rel, "alternate") != NULL &&
			    (strcasestr((const char *)type, "rss+xml") != NULL ||
			    strcasestr((const char *)type, "atom+xml") != NULL ||
			    strcasestr((const char *)type, "rdf+xml") != NULL)) {
				char *u = url_resolve(p->url, (const char *)href);

				p->alternates = xrealloc(p->alternates,
				    (p->nalternates + 1) * sizeof(char *));
				p->alternates[p->nalternates++] = u;
			}
			xmlFree(rel);
			xmlFree(type);
			xmlFree(href);
		}
		if (p->nalternates < 32)
			find_alternates(p, n->children);
	}
}

/* Explains a document that is not a feed. */
static void
parse_not_a_feed(struct parser *p)
{
	const char	*s = p->sniff.data ? p->sniff.data : "";
	size_t		 n = p->sniff.len;

	p->fail = PARSE_NOT_FEED;
	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	if (n == 0 && p->root == NULL) {
		p->error = xstrdup("not a feed: the document is empty");
		return;
	}
	if (*s == '{' || *s == '[') {
		p->error = xstrdup("not a feed: found JSON");
		return;
	}
	if ((p->root != NULL && strcasecmp(p->root, "html") == 0) ||
	    strncasecmp(s, "<!doctype html", 14) == 0 ||
	    strcasestr(s, "<html") != NULL) {
		htmlDocPtr doc = htmlReadMemory(s, (int)n, p->url, "UTF-8",
		    HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
		    HTML_PARSE_NOWARNING);
		size_t	 k;

		if (doc != NULL) {
			find_alternates(p, xmlDocGetRootElement(doc));
			xmlFreeDoc(doc);
		}
		if ((k = p->nalternates) > 0)
			p->error = xasprintf("not a feed: found an HTML page that "
			    "advertises %zu feed%s: %s%s", k, k == 1 ? "" : "s",
			    p->alternates[0],
			    k > 1 ? " ..." : "");
		else
			p->error = xstrdup("not a feed: found an HTML page");
		return;
	}
	if (p->root != NULL)
		p->error = xasprintf("not a feed: the root element is <%s>, not "
		    "rss, RDF or feed", p->root);
	else
		p->error = xstrdup("not a feed: no XML element found");
}

int
parse_finish(struct parser *p)
{
	struct infilter	*f = &p->in;
	xmlErrorPtr	 err;

	if (p->finished)
		return p->error != NULL ? -1 : 0;
	p->finished = 1;
	if (p->error == NULL) {
		if (!f->decided) {
			f->decided = 1;
			parse_start_xml(p);
			{
				size_t skip = infilter_decide(f, p->content_type);

				parse_decode(p, f->head.data ? f->head.data + skip : "",
				    f->head.len > skip ? f->head.len - skip : 0, 1);
			}
			buf_free(&f->head);
		} else
			parse_decode(p, "", 0, 1);
		parse_feed_xml(p, 1);
	}
	/*
	 * A truncated document keeps the entries it completed; one left open
	 * at the end is dropped rather than guessed at.
	 */
	if (p->error == NULL) {
		int	 is_feed = (p->version != NULL && *p->version != '\0') ||
		    p->nentries > 0;

		if (!is_feed && p->root != NULL &&
		    (strcasecmp(p->root, "rss") == 0 ||
		    strcasecmp(p->root, "rdf") == 0 ||
		    strcasecmp(p->root, "feed") == 0 ||
		    strcasecmp(p->root, "channel") == 0))
			is_feed = 1;
		if (!is_feed)
			parse_not_a_feed(p);
	}
	if (p->ctxt != NULL && !p->truncated) {
		err = xmlCtxtGetLastError(p->ctxt);
		if (!p->ctxt->wellFormed || (err != NULL && err->code != 0 &&
		    err->level >= XML_ERR_ERROR)) {
			fp_bozo(p, "SAXParseException");
			if (p->xml_first == NULL && err != NULL &&
			    err->message != NULL) {
				p->xml_first = xstrdup(err->message);
				p->xml_first[strcspn(p->xml_first, "\n")] = '\0';
				p->xml_first_line = err->line;
				p->xml_first_code = err->code;
			}
			if (p->xml_first != NULL) {
				xml_error_premature(p);
				jset_str(p->result, "bozo_message", p->xml_first);
				pn_set(p->result, "bozo_line",
				    pn_int(p->result->arena, p->xml_first_line));
				/* libxml2 itself found the document broken */
				jset_str(p->result, "xml_error", p->xml_first);
			}
		}
	}
	if (f->cp1252_used && !f->declared)
		snprintf(f->reported, sizeof(f->reported), "windows-1252");
	if (f->fixed) {
		fp_bozo(p, f->fixenc ? "CharacterEncodingOverride" :
		    "SAXParseException");
		if (pn_get(p->result, "bozo_message") == NULL)
			jset_str(p->result, "bozo_message", f->fixwhy);
	}
	if (f->ascii_label && f->saw_high) {
		/* declared US-ASCII (RFC 3023's text/xml), but it is not */
		fp_bozo(p, "CharacterEncodingOverride");
		snprintf(f->reported, sizeof(f->reported), "%s", f->encoding);
	}
	if (p->content_type != NULL) {
		char	 t[128];
		size_t	 i;

		for (i = 0; p->content_type[i] && p->content_type[i] != ';' &&
		    i + 1 < sizeof(t); i++)
			t[i] = (char)tolower((unsigned char)p->content_type[i]);
		t[i] = '\0';
		while (i > 0 && isspace((unsigned char)t[i - 1]))
			t[--i] = '\0';
		if (!(strcmp(t, "application/xml") == 0 ||
		    strcmp(t, "text/xml") == 0 ||
		    (i > 4 && strcmp(t + i - 4, "+xml") == 0) ||
		    strcmp(t, "application/xml-dtd") == 0 ||
		    strcmp(t, "application/xml-external-parsed-entity") == 0 ||
		    strcmp(t, "text/xml-external-parsed-entity") == 0))
			fp_bozo(p, "NonXMLContentType");
	}
	jset_str(p->result, "version", p->doctype_version ? p->doctype_version :
	    p->version ? p->version : "");
	pn_set(p->result, "bozo", pn_bool(p->bozo));
	if (p->bozo_exception != NULL)
		jset_str(p->result, "bozo_exception", p->bozo_exception);
	jset_str(p->result, "encoding", f->reported[0] ? f->reported : "utf-8");
	if (p->truncated || p->fields_truncated)
		pn_set(p->result, "truncated", pn_bool(1));
	pn_set(p->result, "namespaces", p->namespaces_in_use);
	pn_set(p->result, "feed", p->feed);
	view_feed(p);
	return p->error != NULL ? -1 : 0;
}

const struct parse_feed *
parse_feed(struct parser *p)
{
	return &p->fview;
}

const char *
parse_error(struct parser *p)
{
	return p->error;
}

size_t
parse_nentries(struct parser *p)
{
	return p->nentries;
}

int
parse_truncated(struct parser *p)
{
	return p->truncated;
}

void
parse_free(struct parser *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	if (p->ctxt != NULL) {
		/*
		 * An entity declaration that reached libxml2 (the backstop
		 * rejected it) made it build a document "for expat
		 * compatibility", which is ours to free.
		 */
		if (p->ctxt->myDoc != NULL)
			xmlFreeDoc(p->ctxt->myDoc);
		xmlFreeParserCtxt(p->ctxt);
	}
	if (p->in.cd != (iconv_t)-1)
		iconv_close(p->in.cd);
	buf_free(&p->in.head);
	buf_free(&p->in.dec);
	buf_free(&p->in.out);
	buf_free(&p->in.doctype);
	for (i = 0; i < p->in.nents; i++)
		free(p->in.ents[i].text);
	free(p->in.ents);
	free(p->in.error);
	free(p->xml_first);
	buf_free(&p->sniff);
	for (i = 0; i < p->capstack; i++)
		elem_free(&p->stack[i]);
	free(p->stack);
	for (i = 0; i < p->nbase; i++) {
		if (p->stackown[i] & 1)
			free(p->basestack[i]);
		if (p->stackown[i] & 2)
			free(p->langstack[i]);
	}
	free(p->basestack);
	free(p->langstack);
	free(p->stackown);
	free(p->base_same);
	arena_free(&p->doc_arena);
	arena_free(&p->entry_arena);
	arena_free(&p->src_arena);
	arena_free(&p->cp_arena);
	arena_free(&p->el_arena);
	for (i = 0; i < p->nalternates; i++)
		free(p->alternates[i]);
	free(p->alternates);
	view_free(&p->ev);
	view_free(&p->fv);
	free(p->version);
	free(p->doctype_version);
	free(p->root);
	free(p->baseuri);
	free(p->lang);
	free(p->bozo_exception);
	free(p->error);
	free(p->url);
	free(p->base_url);
	free(p->content_type);
	free(p->language);
	free(p);
}
