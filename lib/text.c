/*
 * text.c: UTF-8 checks and repair, the HTML5 entity table, and HTML-to-text
 * on libxml2's HTML parser driven through SAX, so that no tree is built and
 * a long document costs no more memory than its text.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "util.h"
#include "text.h"
#include "entities.h"

/* Valid attributes kept per start tag: libxml2 checks duplicates in O(n^2). */
#define HTML_ATTR_MAX	64

static const char utf8_replacement[] = "\357\277\275";	/* U+FFFD */

size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp, size_t *bad)
{
	unsigned char	 b = s[0], lo = 0x80, hi = 0xbf;
	uint32_t	 c;
	size_t		 need, i;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		need = 1;
		c = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		need = 2;
		c = b & 0x0f;
		if (b == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (b == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		need = 3;
		c = b & 0x07;
		if (b == 0xf0)
			lo = 0x90;		/* overlong */
		else if (b == 0xf4)
			hi = 0x8f;		/* above U+10FFFF */
	} else {
		*bad = 1;	/* continuation, C0, C1, F5..FF */
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		c = (c << 6) | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return need + 1;
}

size_t
utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp <= 0x10ffff) {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i = 0, n, bad;

	while (i < len) {
		if (p[i] >= 0x01 && p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] == 0x00)
			return 0;
		if ((n = utf8_decode(p + i, len - i, &cp, &bad)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* C0 controls other than tab, newline and carriage return, and DEL. */
static int
utf8_is_dropped(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

char *
utf8_sanitize(const char *s, size_t len, size_t *outlen, int *changed)
{
	const unsigned char	*p = (const unsigned char *)s;
	struct buf		 b;
	uint32_t		 cp;
	size_t			 i = 0, run = 0, n, bad;
	int			 dirty = 0;

	buf_init(&b, 0);
	/* Bytes from `run` to `i` are good and not copied yet. */
	while (i < len) {
		/* eight bytes of printable ASCII at once, most of a text */
		if (i + 8 <= len) {
			uint64_t	 w;

			memcpy(&w, p + i, 8);
			if (((w | (w - UINT64_C(0x2020202020202020)) |
			    ((w ^ UINT64_C(0x7f7f7f7f7f7f7f7f)) -
			    UINT64_C(0x0101010101010101))) &
			    UINT64_C(0x8080808080808080)) == 0) {
				i += 8;
				continue;
			}
		}
		/* a two-byte character, most of the rest */
		if (p[i] >= 0xc2 && p[i] <= 0xdf && i + 1 < len &&
		    (p[i + 1] & 0xc0) == 0x80) {
			i += 2;
			continue;
		}
		if (p[i] < 0x80) {
			if (!utf8_is_dropped(p[i])) {
				i++;
				continue;
			}
			buf_append(&b, s + run, i - run);
			i++;
			run = i;
			dirty = 1;
			continue;
		}
		if ((n = utf8_decode(p + i, len - i, &cp, &bad)) != 0) {
			i += n;
			continue;
		}
		buf_append(&b, s + run, i - run);
		buf_append(&b, utf8_replacement, 3);
		i += bad;
		run = i;
		dirty = 1;
	}
	buf_append(&b, s + run, i - run);
	if (outlen != NULL)
		*outlen = b.len;
	if (changed != NULL)
		*changed = dirty;
	return buf_steal(&b);
}

struct entity_key {
	const char	*name;
	size_t		 len;
};

/* strcmp() order between key->name[0..key->len) and a NUL-terminated name. */
static int
entity_name_cmp(const struct entity_key *key, const char *name)
{
	const unsigned char	*a = (const unsigned char *)key->name;
	const unsigned char	*b = (const unsigned char *)name;
	size_t			 i;

	for (i = 0; i < key->len; i++) {
		if (b[i] == '\0' || a[i] > b[i])
			return 1;
		if (a[i] < b[i])
			return -1;
	}
	return b[i] == '\0' ? 0 : -1;
}

static int
entity_cmp(const void *k, const void *e)
{
	return entity_name_cmp(k, ((const struct html_entity *)e)->name);
}

static int
entity_legacy_cmp(const void *k, const void *e)
{
	return entity_name_cmp(k, *(const char *const *)e);
}

const char *
html_entity_lookup(const char *name, size_t len)
{
	const struct html_entity	*ent;
	struct entity_key		 key;
	size_t				 i;

	if (name == NULL || len == 0 || len > HTML_ENTITY_NAME_MAX)
		return NULL;
	for (i = 0; i < len; i++) {
		/* Also keeps NUL, '&' and ';' from ever matching. */
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			return NULL;
	}
	key.name = name;
	key.len = len;
	ent = bsearch(&key, html_entities, HTML_ENTITY_COUNT,
	    sizeof(html_entities[0]), entity_cmp);
	return ent != NULL ? ent->utf8 : NULL;
}

static int
text_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* Length of a white-space character at s[0..len) (ASCII or U+00A0), or 0. */
static size_t
text_space_len(const unsigned char *s, size_t len)
{
	if (text_is_space(s[0]))
		return 1;
	if (s[0] == 0xc2 && len > 1 && s[1] == 0xa0)
		return 2;
	return 0;
}

/*
 * White space is ASCII's and U+00A0.  The text before the first of it
 * stays where it is, and runs without it are copied in one loop: every
 * article's text goes through here, often twice.
 */
void
text_collapse_ws(char *s)
{
	unsigned char	*p = (unsigned char *)s;
	size_t		 i = 0, o;
	int		 space = 0;

	if (s == NULL)
		return;
	while (p[i] > ' ' && p[i] != 0xc2)
		i++;
	o = i;
	while (p[i] != '\0') {
		if (text_is_space(p[i])) {
			space = 1;
			i++;
		} else if (p[i] == 0xc2 && p[i + 1] == 0xa0) {
			space = 1;
			i += 2;
		} else {
			if (space && o > 0)
				p[o++] = ' ';
			space = 0;
			do
				p[o++] = p[i++];
			while (p[i] > ' ' && p[i] != 0xc2);
		}
	}
	p[o] = '\0';
}

/*
 * Preparing HTML for libxml2.  One linear pass over (valid UTF-8) input that
 * fixes what libxml2 2.9.14's HTML parser gets wrong or too slowly, and
 * leaves everything else byte for byte:
 * - named references are decoded from the HTML5 table (libxml2 knows only
 *   HTML 4's), the legacy ones also without ';', numeric ones in 0x80-0x9F
 *   as Windows-1252 like browsers do; decoded text goes in as raw UTF-8,
 *   ASCII as "&#N;" so that markup characters stay text; any other '&'
 *   becomes "&#38;" (libxml2 drops "&#;");
 * - a '<' that cannot open a tag ("<3", "a < b", "</>") becomes "&#60;"
 *   (libxml2 drops some of them);
 *   (numeric, not "&lt;": libxml2 finds names by a linear search)
 * - a start tag keeps its first HTML_ATTR_MAX attributes (libxml2's
 *   duplicate check is quadratic);
 * script and style contents and comments are copied untouched, so that the
 * pass agrees with the parser on where they end.
 */

/* Windows-1252 for 0x80-0x9F; 0 where it has no character. */
static const uint16_t cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178
};

static int
html_is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
html_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The characters libxml2 accepts in tag and attribute names. */
static int
html_is_namechar(unsigned char c)
{
	return html_is_letter(c) || html_is_digit(c) || c == ':' ||
	    c == '-' || c == '_' || c == '.';
}

static int
html_is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
html_put_utf8(struct buf *b, const char *utf8)
{
	unsigned char	 c;
	char		 num[8];
	size_t		 n;

	for (; (c = (unsigned char)*utf8) != '\0'; utf8++) {
		if (c >= 0x80) {
			buf_putc(b, (char)c);
			continue;
		}
		n = 0;
		num[n++] = '&';
		num[n++] = '#';
		if (c >= 100)
			num[n++] = (char)('0' + c / 100);
		if (c >= 10)
			num[n++] = (char)('0' + c / 10 % 10);
		num[n++] = (char)('0' + c % 10);
		num[n++] = ';';
		buf_append(b, num, n);
	}
}

/*
 * At s[i] == '&': writes the decoded reference and returns the bytes it
 * took, or returns 0 when there is none (the caller escapes the '&', so
 * libxml2 decodes nothing of its own in text).
 */
static size_t
html_prepare_ref(const unsigned char *s, size_t len, size_t i, struct buf *b)
{
	struct entity_key	 key;
	const char		*utf8;
	char			 enc[5];
	uint32_t		 cp = 0;
	size_t			 j = i + 1, start, n;
	int			 hex = 0;

	if (j < len && s[j] == '#') {
		j++;
		if (j < len && (s[j] == 'x' || s[j] == 'X')) {
			hex = 1;
			j++;
		}
		for (start = j; j < len; j++) {
			unsigned d;

			if (html_is_digit(s[j]))
				d = s[j] - '0';
			else if (hex && s[j] >= 'a' && s[j] <= 'f')
				d = s[j] - 'a' + 10;
			else if (hex && s[j] >= 'A' && s[j] <= 'F')
				d = s[j] - 'A' + 10;
			else
				break;
			cp = cp * (hex ? 16 : 10) + d;
			if (cp > 0x10ffff)
				cp = 0x110000;	/* saturate */
		}
		if (j == start)
			return 0;
		if (j < len && s[j] == ';')
			j++;
		if (cp < 0x80) {
			if (cp == 0)
				buf_append(b, utf8_replacement, 3);
			else if (!utf8_is_dropped(cp)) {
				enc[0] = (char)cp;
				enc[1] = '\0';
				html_put_utf8(b, enc);
			}
			return j - i;
		}
		if (cp <= 0x9f) {
			if ((cp = cp1252[cp - 0x80]) == 0)
				return j - i;	/* a C1 control: dropped */
		}
		if ((n = utf8_encode(cp, enc)) == 0)
			buf_append(b, utf8_replacement, 3);
		else
			buf_append(b, enc, n);
		return j - i;
	}
	for (start = j; j < len && j - start <= HTML_ENTITY_NAME_MAX &&
	    (html_is_letter(s[j]) || html_is_digit(s[j])); j++)
		;
	if ((utf8 = html_entity_lookup((const char *)s + start, j - start)) ==
	    NULL)
		return 0;
	if (j < len && s[j] == ';') {
		html_put_utf8(b, utf8);
		return j + 1 - i;
	}
	/*
	 * Without its ';', only a legacy name ("&copy 2024") and only before
	 * a non-alphanumeric: "&nothing" stays as it is, unlike in HTML5.
	 */
	key.name = (const char *)s + start;
	key.len = j - start;
	if ((j < len && (html_is_letter(s[j]) || html_is_digit(s[j]))) ||
	    bsearch(&key, html_legacy_names, HTML_LEGACY_COUNT,
	    sizeof(html_legacy_names[0]), entity_legacy_cmp) == NULL)
		return 0;
	html_put_utf8(b, utf8);
	return j - i;
}

/*
 * At s[i] == '<' followed by a letter: copies the start tag the way
 * libxml2's htmlParseStartTag reads it, dropping attributes past
 * HTML_ATTR_MAX.  Returns the index after the tag; *raw gets the length
 * of the name when the element's content is script or style text, else 0.
 */
static size_t
html_prepare_tag(const unsigned char *s, size_t len, size_t i,
    struct buf *b, size_t *raw)
{
	size_t	 j = i + 1, k, nattr = 0;
	int	 valid;

	while (j < len && html_is_namechar(s[j]))
		j++;
	*raw = j - i - 1;
	if (!(*raw == 6 &&
	    strncasecmp((const char *)s + i + 1, "script", 6) == 0) &&
	    !(*raw == 5 &&
	    strncasecmp((const char *)s + i + 1, "style", 5) == 0))
		*raw = 0;
	buf_append(b, (const char *)s + i, j - i);

	for (;;) {
		k = j;
		while (j < len && html_is_blank(s[j]))
			j++;
		if (j >= len || s[j] == '>' ||
		    (s[j] == '/' && j + 1 < len && s[j + 1] == '>'))
			break;
		valid = 0;
		if (html_is_letter(s[j]) || s[j] == '_' || s[j] == ':' ||
		    s[j] == '.') {
			valid = 1;
			while (j < len && html_is_namechar(s[j]))
				j++;
			while (j < len && html_is_blank(s[j]))
				j++;
			if (j < len && s[j] == '=') {
				j++;
				while (j < len && html_is_blank(s[j]))
					j++;
				if (j < len && (s[j] == '"' || s[j] == '\'')) {
					const unsigned char *q;

					q = memchr(s + j + 1, s[j],
					    len - j - 1);
					j = q != NULL ? (size_t)(q - s) + 1 :
					    len;
				} else {
					while (j < len && !html_is_blank(s[j]) &&
					    s[j] != '>')
						j++;
				}
			}
		} else {
			/* libxml2 skips a bogus attribute to a blank or the end. */
			while (j < len && !html_is_blank(s[j]) && s[j] != '>' &&
			    !(s[j] == '/' && j + 1 < len && s[j + 1] == '>'))
				j++;
		}
		if (valid)
			nattr++;
		if (nattr <= HTML_ATTR_MAX)
			buf_append(b, (const char *)s + k, j - k);
	}
	buf_append(b, (const char *)s + k, j - k);	/* blanks */
	if (j < len && s[j] == '>') {
		buf_putc(b, '>');
		j++;
	} else if (j < len) {
		buf_append(b, "/>", 2);		/* empty: no content follows */
		*raw = 0;
		j += 2;
	}
	return j;
}

/* Returns the prepared copy of s[0..len) (valid UTF-8) in *b. */
static void
html_prepare(const unsigned char *s, size_t len, struct buf *b)
{
	const unsigned char	*q;
	const char		*name;
	size_t			 i = 0, j, n, raw;

	while (i < len) {
		for (j = i; j < len && s[j] != '&' && s[j] != '<'; j++)
			;
		buf_append(b, (const char *)s + i, j - i);
		if ((i = j) >= len)
			break;
		if (s[i] == '&') {
			if ((n = html_prepare_ref(s, len, i, b)) == 0) {
				buf_append(b, "&#38;", 5);
				n = 1;
			}
			i += n;
			continue;
		}
		/* s[i] == '<' */
		if (i + 1 >= len) {
			buf_append(b, "&#60;", 5);
			i++;
		} else if (html_is_letter(s[i + 1])) {
			name = (const char *)s + i + 1;
			i = html_prepare_tag(s, len, i, b, &raw);
			if (!raw)
				continue;
			/* Up to "</script" or "</style", as libxml2 reads it. */
			for (j = i; j + 1 < len; j++) {
				if (s[j] == '<' && s[j + 1] == '/' &&
				    len - j - 2 >= raw &&
				    strncasecmp((const char *)s + j + 2, name,
				    raw) == 0)
					break;
			}
			if (j + 1 >= len)
				j = len;
			buf_append(b, (const char *)s + i, j - i);
			i = j;
		} else if (s[i + 1] == '!' && len - i >= 4 &&
		    memcmp(s + i, "<!--", 4) == 0) {
			q = memmem(s + i + 4, len - i - 4, "-->", 3);
			j = q != NULL ? (size_t)(q - s) + 3 : len;
			buf_append(b, (const char *)s + i, j - i);
			i = j;
		} else if ((s[i + 1] == '/' && i + 2 < len &&
		    html_is_letter(s[i + 2])) || s[i + 1] == '!' ||
		    s[i + 1] == '?') {
			buf_putc(b, '<');
			i++;
		} else {
			buf_append(b, "&#60;", 5);
			i++;
		}
	}
}

/*
 * Walking the document: how each element shapes the text.  Unknown
 * elements are inline.
 */
enum html_kind {
	HTML_INLINE,
	HTML_SKIP,	/* contents dropped */
	HTML_BREAK,	/* br */
	HTML_LINE,	/* a block: its own lines */
	HTML_PARA,	/* a block set off by blank lines */
	HTML_PRE,	/* a paragraph that keeps its line ends */
	HTML_CELL	/* a table cell: a space apart */
};

struct html_elem {
	const char	*name;
	enum html_kind	 kind;
};

/* Sorted by name for bsearch. */
static const struct html_elem html_elems[] = {
	{ "address",	HTML_LINE },
	{ "article",	HTML_LINE },
	{ "aside",	HTML_LINE },
	{ "blockquote",	HTML_PARA },
	{ "body",	HTML_LINE },
	{ "br",		HTML_BREAK },
	{ "caption",	HTML_LINE },
	{ "center",	HTML_LINE },
	{ "dd",		HTML_LINE },
	{ "details",	HTML_LINE },
	{ "dialog",	HTML_LINE },
	{ "dir",	HTML_LINE },
	{ "div",	HTML_LINE },
	{ "dl",		HTML_LINE },
	{ "dt",		HTML_LINE },
	{ "fieldset",	HTML_LINE },
	{ "figcaption",	HTML_LINE },
	{ "figure",	HTML_LINE },
	{ "footer",	HTML_LINE },
	{ "form",	HTML_LINE },
	{ "frameset",	HTML_SKIP },
	{ "h1",		HTML_PARA },
	{ "h2",		HTML_PARA },
	{ "h3",		HTML_PARA },
	{ "h4",		HTML_PARA },
	{ "h5",		HTML_PARA },
	{ "h6",		HTML_PARA },
	{ "head",	HTML_SKIP },
	{ "header",	HTML_LINE },
	{ "hgroup",	HTML_LINE },
	{ "hr",		HTML_PARA },
	{ "html",	HTML_LINE },
	{ "iframe",	HTML_SKIP },
	{ "legend",	HTML_LINE },
	{ "li",		HTML_LINE },
	{ "listing",	HTML_PRE },
	{ "main",	HTML_LINE },
	{ "menu",	HTML_LINE },
	{ "nav",	HTML_LINE },
	{ "noembed",	HTML_SKIP },
	{ "noframes",	HTML_SKIP },
	{ "ol",		HTML_LINE },
	{ "option",	HTML_LINE },
	{ "p",		HTML_PARA },
	{ "pre",	HTML_PRE },
	{ "script",	HTML_SKIP },
	{ "section",	HTML_LINE },
	{ "select",	HTML_SKIP },
	{ "style",	HTML_SKIP },
	{ "summary",	HTML_LINE },
	{ "table",	HTML_LINE },
	{ "tbody",	HTML_LINE },
	{ "td",		HTML_CELL },
	{ "template",	HTML_SKIP },
	{ "textarea",	HTML_SKIP },
	{ "tfoot",	HTML_LINE },
	{ "th",		HTML_CELL },
	{ "thead",	HTML_LINE },
	{ "title",	HTML_SKIP },
	{ "tr",		HTML_LINE },
	{ "ul",		HTML_LINE },
	{ "xmp",	HTML_PRE },
};

struct html_text {
	htmlParserCtxtPtr	 ctxt;
	struct buf		 out;
	size_t			 maxlen;
	int			 skip;	/* depth inside HTML_SKIP elements */
	int			 pre;	/* depth inside HTML_PRE elements */
	int			 nl;	/* line ends owed before more text: 0-2 */
	int			 space;	/* a space owed before more text */
	int			 full;	/* maxlen reached: the parser is stopped */
};

static int
html_elem_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct html_elem *)e)->name);
}

static enum html_kind
html_kind_of(const xmlChar *name)
{
	const struct html_elem	*e;

	if (name == NULL)
		return HTML_INLINE;
	e = bsearch(name, html_elems, sizeof(html_elems) / sizeof(html_elems[0]),
	    sizeof(html_elems[0]), html_elem_cmp);
	return e != NULL ? e->kind : HTML_INLINE;
}

/*
 * Appends s[0..n) (no white space in it) after the separator owed.
 * Separators are only ever written before text, which is what trims every
 * line and the whole, and what keeps blank lines single.
 */
static void
html_text_emit(struct html_text *h, const unsigned char *s, size_t n)
{
	const char	*sep = "";
	size_t		 seplen = 0, room;

	if (h->out.len > 0) {
		if (h->nl > 0) {
			sep = h->nl > 1 ? "\n\n" : "\n";
			seplen = h->nl > 1 ? 2 : 1;
		} else if (h->space) {
			sep = " ";
			seplen = 1;
		}
	}
	h->nl = 0;
	h->space = 0;
	if (h->maxlen != 0 && h->out.len + seplen + n > h->maxlen) {
		room = h->maxlen - h->out.len;
		if (room > seplen) {
			n = room - seplen;
			/* s[n] is the first byte left out: not inside a character. */
			while (n > 0 && (s[n] & 0xc0) == 0x80)
				n--;
			if (n > 0) {
				buf_append(&h->out, sep, seplen);
				buf_append(&h->out, (const char *)s, n);
			}
		}
		h->full = 1;
		if (h->ctxt != NULL)
			xmlStopParser(h->ctxt);
		return;
	}
	if (seplen == 1)
		buf_putc(&h->out, *sep);
	else if (seplen > 1)
		buf_append(&h->out, sep, seplen);
	buf_append(&h->out, (const char *)s, n);
}

static void
html_text_break(struct html_text *h, int nl)
{
	if (h->out.len > 0 && h->nl < nl)
		h->nl = nl;
}

/* Text, as libxml2 hands it out (in any number of pieces). */
static void
html_text_chars(struct html_text *h, const unsigned char *s, size_t end)
{
	size_t	 i = 0, j, n;

	if (h->skip > 0 || h->full)
		return;
	while (i < end && !h->full) {
		if ((n = text_space_len(s + i, end - i)) != 0) {
			if (h->pre > 0 && s[i] == '\n') {
				if (h->out.len > 0 && h->nl < 2)
					h->nl++;
			} else
				h->space = 1;
			i += n;
			continue;
		}
		/* a byte above ' ' but 0xc2 is no white space's first */
		for (j = i + 1; j < end && ((s[j] > ' ' && s[j] != 0xc2) ||
		    text_space_len(s + j, end - j) == 0); j++)
			;
		html_text_emit(h, s + i, j - i);
		i = j;
	}
}

static void
html_text_start(struct html_text *h, enum html_kind kind)
{
	if (kind == HTML_SKIP)
		h->skip++;
	if (h->skip > 0)
		return;
	switch (kind) {
	case HTML_INLINE:
	case HTML_SKIP:
		break;
	case HTML_BREAK:
		if (h->out.len > 0 && h->nl < 2)
			h->nl++;
		break;
	case HTML_LINE:
		html_text_break(h, 1);
		break;
	case HTML_PARA:
		html_text_break(h, 2);
		break;
	case HTML_PRE:
		html_text_break(h, 2);
		h->pre++;
		break;
	case HTML_CELL:
		h->space = 1;
		break;
	}
}

static void
html_text_end(struct html_text *h, enum html_kind kind)
{
	if (kind == HTML_SKIP && h->skip > 0) {
		h->skip--;
		return;
	}
	if (h->skip > 0)
		return;
	switch (kind) {
	case HTML_INLINE:
	case HTML_BREAK:
	case HTML_SKIP:
		break;
	case HTML_LINE:
		html_text_break(h, 1);
		break;
	case HTML_PARA:
		html_text_break(h, 2);
		break;
	case HTML_PRE:
		html_text_break(h, 2);
		if (h->pre > 0)
			h->pre--;
		break;
	case HTML_CELL:
		h->space = 1;
		break;
	}
}

static void
html_sax_characters(void *ctx, const xmlChar *text, int len)
{
	html_text_chars(((htmlParserCtxtPtr)ctx)->_private, text,
	    len > 0 ? (size_t)len : 0);
}

static void
html_sax_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	(void)atts;
	html_text_start(((htmlParserCtxtPtr)ctx)->_private,
	    html_kind_of(name));
}

static void
html_sax_end(void *ctx, const xmlChar *name)
{
	html_text_end(((htmlParserCtxtPtr)ctx)->_private, html_kind_of(name));
}

/* Parse errors are expected in recovery: keep them off every global handler. */
static void
html_sax_error(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

/*
 * The walk of a simple fragment without libxml2, which costs about twenty
 * times the text it reads, most of it setting up and tearing down a parser
 * for a few hundred bytes.  Feeds' HTML is mostly a few paragraphs, lists,
 * links and emphasis, properly nested: for exactly that, this walk makes
 * the events libxml2's HTML parser would make (start and end of the same
 * elements, the same text) and the handlers above turn them into text.
 * Anything else (an element not listed here, a block where libxml2 would
 * close or imply an element, a tag left open, a stray end tag, markup that
 * is not a tag or a comment) makes it give up, and libxml2 reads the
 * fragment.  test_text.c holds the two paths to the same output over
 * generated fragments.
 */
enum fw_class {
	FW_INLINE,	/* inside anything; no block inside it */
	FW_VOID,	/* inline, no content, no end tag */
	FW_P,
	FW_LIST,	/* ul, ol */
	FW_LI,
	FW_BLOCK,	/* blockquote, div */
	FW_HEADING,
};

static const struct fw_elem {
	const char	*name;
	enum fw_class	 cls;
} fw_elems[] = {	/* sorted for bsearch */
	{ "a",		FW_INLINE },
	{ "abbr",	FW_INLINE },
	{ "b",		FW_INLINE },
	{ "blockquote",	FW_BLOCK },
	{ "br",		FW_VOID },
	{ "cite",	FW_INLINE },
	{ "code",	FW_INLINE },
	{ "div",	FW_BLOCK },
	{ "em",		FW_INLINE },
	{ "h1",		FW_HEADING },
	{ "h2",		FW_HEADING },
	{ "h3",		FW_HEADING },
	{ "h4",		FW_HEADING },
	{ "h5",		FW_HEADING },
	{ "h6",		FW_HEADING },
	{ "i",		FW_INLINE },
	{ "img",	FW_VOID },
	{ "li",		FW_LI },
	{ "ol",		FW_LIST },
	{ "p",		FW_P },
	{ "q",		FW_INLINE },
	{ "s",		FW_INLINE },
	{ "small",	FW_INLINE },
	{ "span",	FW_INLINE },
	{ "strong",	FW_INLINE },
	{ "sub",	FW_INLINE },
	{ "sup",	FW_INLINE },
	{ "u",		FW_INLINE },
	{ "ul",		FW_LIST },
};

#define FW_DEPTH	32

/* The p libxml2 opens for text before any tag. */
static const struct fw_elem fw_implied = { "p", FW_P };
#define FW_IMPLIED	(&fw_implied)

static int
fw_elem_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct fw_elem *)e)->name);
}

/* The element named s[0..n), case folded, or NULL. */
static const struct fw_elem *
fw_lookup(const unsigned char *s, size_t n)
{
	char	 name[12];
	size_t	 i;

	if (n == 0 || n >= sizeof(name))
		return NULL;
	for (i = 0; i < n; i++)
		name[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	name[n] = '\0';
	return bsearch(name, fw_elems, sizeof(fw_elems) / sizeof(fw_elems[0]),
	    sizeof(fw_elems[0]), fw_elem_cmp);
}

/*
 * Text with its references decoded as html_prepare_ref() reads them (and
 * a '<' that starts nothing, which html_prepare() escapes), to the
 * handlers.
 */
static void
fw_text(struct html_text *h, const unsigned char *s, size_t len,
    struct buf *tmp)
{
	size_t	 i = 0, j, n, k;

	buf_reset(tmp);
	while (i < len) {
		for (j = i; j < len && s[j] != '&'; j++)
			;
		buf_append(tmp, (const char *)s + i, j - i);
		if ((i = j) >= len)
			break;
		k = tmp->len;
		if ((n = html_prepare_ref(s, len, i, tmp)) == 0) {
			buf_putc(tmp, '&');
			i++;
			continue;
		}
		i += n;
		/* html_put_utf8() wrote ASCII as "&#N;": the character */
		while (k + 2 < tmp->len && tmp->data[k] == '&' &&
		    tmp->data[k + 1] == '#') {
			unsigned	 c = 0;
			size_t		 e = k + 2;

			while (e < tmp->len && tmp->data[e] != ';')
				c = c * 10 + (unsigned)(tmp->data[e++] - '0');
			tmp->data[k] = (char)c;
			memmove(tmp->data + k + 1, tmp->data + e + 1,
			    tmp->len - e - 1);
			tmp->len -= e - k;
			k++;
		}
	}
	if (tmp->len > 0)
		html_text_chars(h, (const unsigned char *)tmp->data, tmp->len);
}

/* 1 when a block of class c may open inside `top` without libxml2 closing it. */
static int
fw_block_ok(enum fw_class c, const struct fw_elem *top)
{
	enum fw_class	 t = top != NULL ? top->cls : FW_BLOCK;

	switch (c) {
	case FW_P:
	case FW_LIST:
	case FW_BLOCK:
		return t == FW_BLOCK || t == FW_LI;
	case FW_LI:
		return top != NULL && t == FW_LIST;
	case FW_HEADING:
		return t == FW_BLOCK;
	default:
		return 1;
	}
}

/*
 * The walk itself over s[0..len) (valid UTF-8): 0 when it made the text
 * in h->out, -1 when libxml2 must read it.
 */
static int
html_walk_simple(struct html_text *h, const unsigned char *s, size_t len)
{
	const struct fw_elem	*stack[FW_DEPTH], *e;
	const unsigned char	*q;
	struct buf		 tmp;
	size_t			 depth = 0, i = 0, j, n, raw, d;
	int			 ret = -1, seen_tag = 0, in_a = 0;

	buf_init(&tmp, 0);
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		goto done;	/* a BOM: libxml2's to read */
	while (i < len && !h->full) {
		for (j = i; j < len && s[j] != '<'; j++)
			;
		if (j > i) {
			/*
			 * Text before any tag: libxml2 opens a p for it (and
			 * html and body), which a block closes later.
			 */
			if (!seen_tag && depth == 0) {
				for (n = i; n < j && (text_is_space(s[n]) ||
				    (s[n] == 0xc2 && n + 1 < j &&
				    s[n + 1] == 0xa0)); n += s[n] == 0xc2 ? 2 : 1)
					;
				if (n < j) {
					stack[depth++] = FW_IMPLIED;
					html_text_start(h, HTML_PARA);
				}
			}
			fw_text(h, s + i, j - i, &tmp);
		}
		if ((i = j) >= len || h->full)
			break;
		/* s[i] == '<' */
		if (i + 1 < len && html_is_letter(s[i + 1])) {
			for (n = i + 1; n < len && html_is_namechar(s[n]); n++)
				;
			if ((e = fw_lookup(s + i + 1, n - i - 1)) == NULL)
				goto done;
			j = html_prepare_tag(s, len, i, &tmp, &raw);
			buf_reset(&tmp);
			if (j > len || s[j - 1] != '>')
				goto done;	/* cut short */
			if (j >= 2 && s[j - 2] == '/' && e->cls != FW_VOID)
				goto done;	/* <p/>: libxml2's to read */
			seen_tag = 1;
			if (e->cls != FW_INLINE && e->cls != FW_VOID) {
				/* a block closes the implied p */
				if (depth > 0 && stack[depth - 1] == FW_IMPLIED) {
					depth--;
					html_text_end(h, HTML_PARA);
				}
				if (!fw_block_ok(e->cls, depth > 0 ?
				    stack[depth - 1] : NULL))
					goto done;
				for (d = 0; d < depth; d++)
					if (stack[d]->cls == FW_INLINE ||
					    stack[d]->cls == FW_P ||
					    stack[d]->cls == FW_HEADING)
						goto done;
			} else if (e->name[0] == 'a' && e->name[1] == '\0') {
				if (in_a)
					goto done;	/* libxml2 closes an a */
				in_a = 1;
			}
			html_text_start(h, html_kind_of((const xmlChar *)
			    e->name));
			if (e->cls == FW_VOID) {
				html_text_end(h, html_kind_of((const xmlChar *)
				    e->name));
			} else {
				if (depth == FW_DEPTH)
					goto done;
				stack[depth++] = e;
			}
			i = j;
		} else if (i + 2 < len && s[i + 1] == '/' &&
		    html_is_letter(s[i + 2])) {
			for (n = i + 2; n < len && html_is_namechar(s[n]); n++)
				;
			e = fw_lookup(s + i + 2, n - i - 2);
			for (; n < len && html_is_blank(s[n]); n++)
				;
			if (e == NULL || n >= len || s[n] != '>' || depth == 0)
				goto done;
			if (stack[depth - 1] == FW_IMPLIED) {
				if (strcmp(e->name, "p") != 0)
					goto done;
			} else if (stack[depth - 1] != e)
				goto done;
			if (e->name[0] == 'a' && e->name[1] == '\0')
				in_a = 0;
			depth--;
			html_text_end(h, html_kind_of((const xmlChar *)
			    e->name));
			i = n + 1;
		} else if (len - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
			if ((q = memmem(s + i + 4, len - i - 4, "-->", 3)) ==
			    NULL)
				goto done;
			i = (size_t)(q - s) + 3;
		} else if (i + 1 < len && (s[i + 1] == '!' || s[i + 1] == '?' ||
		    s[i + 1] == '/'))
			goto done;
		else {
			/* a '<' that starts nothing is text */
			if (!seen_tag && depth == 0) {
				stack[depth++] = FW_IMPLIED;
				html_text_start(h, HTML_PARA);
			}
			html_text_chars(h, (const unsigned char *)"<", 1);
			i++;
		}
	}
	/* every element closed, but the implied p */
	if (!h->full && (depth > 1 || (depth == 1 && stack[0] != FW_IMPLIED)))
		goto done;
	ret = 0;
done:
	buf_free(&tmp);
	return ret;
}

static char *
html_to_text_with(const char *html, size_t len, size_t maxlen, int walk)
{
	htmlSAXHandler		 sax;
	struct html_text	 h;
	struct buf		 prep;
	char			*clean;
	size_t			 cleanlen;

	memset(&h, 0, sizeof(h));
	buf_init(&h.out, 0);
	h.maxlen = maxlen;
	if (html == NULL || len == 0)
		return xstrdup("");
	if (memchr(html, '<', len) == NULL && memchr(html, '&', len) == NULL) {
		/*
		 * No markup and no reference: what the parser would give is
		 * the text with its white space folded.  Most summaries are
		 * like this, and an HTML parse costs far more than the text.
		 */
		size_t	 n;

		clean = utf8_sanitize(html, len, &cleanlen, NULL);
		if (cleanlen >= 3 && memcmp(clean, "\xef\xbb\xbf", 3) == 0)
			memmove(clean, clean + 3, cleanlen - 2);	/* a BOM */
		text_collapse_ws(clean);
		n = strlen(clean);
		if (maxlen > 0 && n > maxlen) {
			n = maxlen;
			while (n > 0 && ((unsigned char)clean[n] & 0xc0) == 0x80)
				n--;
			/* a cut does not end in the space it fell on */
			while (n > 0 && clean[n - 1] == ' ')
				n--;
			clean[n] = '\0';
		}
		return clean;
	}

	/*
	 * Valid UTF-8 first: on a bad byte libxml2 2.9.14 switches the rest
	 * of the document to Latin-1.  This also takes out NUL bytes.
	 */
	clean = utf8_sanitize(html, len, &cleanlen, NULL);
	if (walk) {
		if (html_walk_simple(&h, (const unsigned char *)clean,
		    cleanlen) == 0) {
			free(clean);
			return buf_steal(&h.out);
		}
		/* start again with libxml2 */
		buf_free(&h.out);
		memset(&h, 0, sizeof(h));
		buf_init(&h.out, 0);
		h.maxlen = maxlen;
	}
	buf_init(&prep, 0);
	html_prepare((const unsigned char *)clean, cleanlen, &prep);
	free(clean);
	if (prep.len == 0 || prep.len > INT_MAX)
		goto done;

	/*
	 * SAX rather than a tree: a 20 MB document of small elements makes a
	 * tree of about 1 GB.  The handler is the context's own copy, so no
	 * global state changes.  HTML_PARSE_NOIMPLIED is not used: without the
	 * implied html and body elements, 2.9.14 nests sibling top-level
	 * elements and drops the white space between them.
	 */
	if ((h.ctxt = htmlCreateMemoryParserCtxt(prep.data, (int)prep.len)) ==
	    NULL)
		goto done;
	buf_free(&prep);	/* libxml2 parses its own copy */
	memset(&sax, 0, sizeof(sax));
	sax.startElement = html_sax_start;
	sax.endElement = html_sax_end;
	sax.characters = html_sax_characters;
	sax.ignorableWhitespace = html_sax_characters;
	sax.serror = html_sax_error;
	sax.initialized = XML_SAX2_MAGIC;
	*h.ctxt->sax = sax;
	h.ctxt->_private = &h;
	h.ctxt->userData = h.ctxt;
	htmlCtxtUseOptions(h.ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NONET |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC);
	/*
	 * UTF-8 whatever <meta charset> says (IGNORE_ENC), declared without
	 * an encoding handler, which would copy the whole input once more.
	 */
	xmlSwitchEncoding(h.ctxt, XML_CHAR_ENCODING_UTF8);
	htmlParseDocument(h.ctxt);
	htmlFreeParserCtxt(h.ctxt);
done:
	buf_free(&prep);
	return buf_steal(&h.out);
}

char *
html_to_text(const char *html, size_t len, size_t maxlen)
{
	return html_to_text_with(html, len, maxlen, 1);
}

char *
html_to_text_libxml2(const char *html, size_t len, size_t maxlen)
{
	return html_to_text_with(html, len, maxlen, 0);
}

/*
 * The character reference at p ('&'), with its ';': its length, and its
 * code point in *cp or its UTF-8 in *named; 0 when there is none.
 */
static size_t
char_ref_at(const char *p, const char *end, uint32_t *cp, const char **named)
{
	const char	*q = p + 1, *digits;
	int		 hex = 0;

	*cp = 0;
	*named = NULL;
	if (q < end && *q == '#') {
		q++;
		if (q < end && (*q == 'x' || *q == 'X'))
			hex = 1, q++;
		for (digits = q; q < end && (hex ? isxdigit((unsigned char)*q) :
		    isdigit((unsigned char)*q)); q++) {
			*cp = *cp * (hex ? 16 : 10) + (uint32_t)(isdigit(
			    (unsigned char)*q) ? *q - '0' :
			    tolower((unsigned char)*q) - 'a' + 10);
			if (*cp > 0x10ffff)
				*cp = 0x110000;	/* saturate */
		}
		if (q == digits || q >= end || *q != ';')
			return 0;
		return (size_t)(q + 1 - p);
	}
	while (q < end && isalnum((unsigned char)*q))
		q++;
	if (q < end && *q == ';' &&
	    (*named = html_entity_lookup(p + 1, (size_t)(q - p - 1))) != NULL)
		return (size_t)(q + 1 - p);
	return 0;
}

int
text_has_char_ref(const char *s, size_t len)
{
	const char	*p = s, *end = s + len, *named;
	uint32_t	 cp;

	while (p < end && (p = memchr(p, '&', (size_t)(end - p))) != NULL) {
		if (char_ref_at(p, end, &cp, &named) > 0)
			return 1;
		p++;
	}
	return 0;
}

char *
text_decode_char_refs(const char *s, size_t len)
{
	const char	*p = s, *end = s + len, *amp, *named;
	struct buf	 b;
	uint32_t	 cp;
	char		 enc[4];
	size_t		 n;

	buf_init(&b, len + 1);
	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		buf_append(&b, p, (size_t)(amp - p));
		if ((p = amp) == end)
			break;
		if ((n = char_ref_at(p, end, &cp, &named)) == 0) {
			buf_putc(&b, '&');
			p++;
			continue;
		}
		p += n;
		if (named != NULL)
			buf_puts(&b, named);
		else if (cp >= 0x80 && cp <= 0x9f)	/* as HTML: windows-1252 */
			buf_append(&b, enc, utf8_encode(cp1252[cp - 0x80] != 0 ?
			    cp1252[cp - 0x80] : 0xfffd, enc));
		else if (cp == 0 || (n = utf8_encode(cp, enc)) == 0)
			buf_append(&b, utf8_replacement, 3);
		else if (cp >= 0x80 || !utf8_is_dropped((unsigned char)cp))
			buf_append(&b, enc, n);
	}
	buf_putc(&b, '\0');
	return buf_steal(&b);
}
