/*
 * url.h: URL resolution for the parser (relative links against xml:base and
 * the document URL), through libxml2's RFC 3986 code.
 */
#ifndef HERALD_URL_H
#define HERALD_URL_H

/*
 * Returns `ref` resolved against `base` as a heap string.  A NULL or empty
 * base, or an absolute ref, gives a copy of ref.  Leading and trailing white
 * space in ref is ignored.
 */
char	*url_resolve(const char *base, const char *ref);

/* Returns 1 when `s` starts with a URI scheme ("http:", "mailto:"). */
int	 url_is_absolute(const char *s);

#endif
