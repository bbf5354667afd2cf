/*
 * text.h: the text helpers every module shares: UTF-8 validation and repair,
 * the HTML named-entity table (so no DTD is ever loaded), and HTML-to-text
 * through libxml2's HTML parser.
 * depends on: util.h, entities.h, libxml2; used by: parse.c, opml.c,
 * story.c, daemon/ingest.c, cli/.
 */
#ifndef HERALD_TEXT_H
#define HERALD_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the sequence at s[0..len) (len >= 1).  Returns its length and
 * fills *cp, or returns 0 and sets *bad to the length of the maximal subpart
 * of an ill-formed sequence there (at least 1), following Unicode's table
 * 3-7 of well-formed byte sequences.
 */
size_t	 utf8_decode(const unsigned char *s, size_t len, uint32_t *cp,
	    size_t *bad);

/* Writes the UTF-8 form of `cp` into `out` (4 bytes) and returns its length (0 if invalid). */
size_t	 utf8_encode(uint32_t cp, char *out);

/* Returns 1 when s[0..len) is valid UTF-8 with no NUL byte, else 0. */
int	 utf8_valid(const char *s, size_t len);

/*
 * Returns a heap copy of s[0..len) that is valid UTF-8: each invalid byte
 * sequence becomes U+FFFD, NUL and C0 controls other than tab, newline and
 * carriage return are dropped.  *outlen (if not NULL) gets the length.
 * *changed (if not NULL) is set to 1 when anything was replaced or removed.
 * Each maximal ill-formed subpart (Unicode's "substitution of maximal
 * subparts", as WHATWG decoders do) becomes one U+FFFD: overlongs,
 * surrogates, values above U+10FFFF, 5- and 6-byte forms, truncated
 * sequences, lone continuation bytes.  DEL (0x7f) is dropped too.  Linear.
 */
char	*utf8_sanitize(const char *s, size_t len, size_t *outlen, int *changed);

/*
 * Looks up an HTML named character reference by its name without '&' and
 * ';' ("nbsp", "eacute", "rsquo").  Returns its UTF-8 expansion (static) or
 * NULL.  The five XML entities (amp lt gt quot apos) are included.
 */
const char *html_entity_lookup(const char *name, size_t len);

/*
 * Whether s[0..len) holds a character reference: "&#39;", "&#x27;", or a
 * named one HTML knows, with its ';' ("&amp;", "&eacute;").
 */
int	 text_has_char_ref(const char *s, size_t len);
/*
 * A heap copy of s[0..len) with those references decoded, once, and
 * nothing else changed (HTML's reading of &#128; to &#159; as
 * windows-1252; NUL, a surrogate or past U+10FFFF as U+FFFD; a C0 control
 * dropped).
 */
char	*text_decode_char_refs(const char *s, size_t len);

/*
 * Returns a heap string: the text of the HTML fragment html[0..len), with
 * scripts and styles dropped, entities decoded, runs of white space folded to
 * one space, block elements (p, br, div, li, h1-h6, tr...) ending a line, and
 * leading and trailing white space trimmed.  At most `maxlen` bytes of output
 * (cut on a character boundary); 0 means no cap.  Never loads anything from
 * the network or the file system.
 * Details: input is repaired like utf8_sanitize() and read as UTF-8 whatever
 * <meta charset> says; named references come from the HTML5 table (its
 * legacy names also without ';' when no letter or digit follows: "&copy
 * 2024"), numeric ones 0x80-0x9F as Windows-1252; text without markup comes
 * out as it went in but for white space ("AT&T", "a < b", "&unknown;" stay).  p, h1-h6,
 * blockquote, pre and hr are set off by a blank line, other blocks by a line
 * end; td and th by a space; pre keeps its line ends; U+00A0 folds like a
 * space; each line is trimmed and blank lines never repeat.  head, title,
 * script, style, template, iframe, select and textarea are dropped.  Parsed
 * by libxml2's HTML parser through SAX (no tree), stopped once `maxlen` is
 * reached; no global libxml2 state is touched.
 */
char	*html_to_text(const char *html, size_t len, size_t maxlen);
/*
 * The same, always through libxml2's HTML parser: html_to_text() reads
 * simple fragments itself and must give the same (test_text.c checks).
 */
char	*html_to_text_libxml2(const char *html, size_t len, size_t maxlen);

/* Folds runs of white space to one space and trims both ends, in place. */
/* White space here is ASCII space, \t \n \r \f \v and U+00A0. */
void	 text_collapse_ws(char *s);

#endif
