/*
 * text.h: the text helpers every module shares: UTF-8 validation and repair,
 * the HTML named-entity table (so no DTD is ever loaded), and HTML-to-text
 * through libxml2's HTML parser.
 */
#ifndef HERALD_TEXT_H
#define HERALD_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Writes the UTF-8 form of `cp` into `out` (4 bytes) and returns its length (0 if invalid). */
size_t	 utf8_encode(uint32_t cp, char *out);

/* Returns 1 when s[0..len) is valid UTF-8 with no NUL byte, else 0. */
int	 utf8_valid(const char *s, size_t len);

/*
 * Returns a heap copy of s[0..len) that is valid UTF-8: each invalid byte
 * sequence becomes U+FFFD, NUL and C0 controls other than tab, newline and
 * carriage return are dropped.  *outlen (if not NULL) gets the length.
 * *changed (if not NULL) is set to 1 when anything was replaced or removed.
 */
char	*utf8_sanitize(const char *s, size_t len, size_t *outlen, int *changed);

/*
 * Looks up an HTML named character reference by its name without '&' and
 * ';' ("nbsp", "eacute", "rsquo").  Returns its UTF-8 expansion (static) or
 * NULL.  The five XML entities (amp lt gt quot apos) are included.
 */
const char *html_entity_lookup(const char *name, size_t len);

/*
 * Returns a heap string: the text of the HTML fragment html[0..len), with
 * scripts and styles dropped, entities decoded, runs of white space folded to
 * one space, block elements (p, br, div, li, h1-h6, tr...) ending a line, and
 * leading and trailing white space trimmed.  At most `maxlen` bytes of output
 * (cut on a character boundary); 0 means no cap.  Never loads anything from
 * the network or the file system.
 */
char	*html_to_text(const char *html, size_t len, size_t maxlen);

/* Folds runs of white space to one space and trims both ends, in place. */
void	 text_collapse_ws(char *s);

#endif
