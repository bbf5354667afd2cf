/*
 * url.h: URL resolution for the parser (relative links against xml:base and
 * the document URL), through libxml2's RFC 3986 code; canonical links for
 * the store and URL checks for the config, without libcurl.
 * depends on: util.h, libxml2; used by: parse.c, config.c, store-items.c.
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

/*
 * Returns the canonical form of an absolute URL as a heap string (caller
 * frees), the key the store deduplicates articles on: scheme and host
 * lower-cased, default port, fragment and empty query dropped, dot segments
 * removed, percent-escapes normalised (unreserved characters decoded, hex
 * digits lower-cased as libcurl wrote them), tracking parameters (utm_*,
 * fbclid, gclid, mc_cid, xtor...) removed and the other parameters sorted
 * by name (repeated names keep their order); spaces and bytes above 0x7f percent-encoded.  Returns NULL
 * for input that is not a URL with an authority (relative references,
 * "mailto:", "tag:", "file:").  The forms are the ones libcurl's URL API
 * gave, which the stored keys were made with.
 */
char	*url_canonical(const char *url);

/*
 * Checks `url` the way libcurl's URL parser reads it: a scheme, and a host
 * (or a file: path).  Returns 0, or -1 with *why pointing at a static
 * message ("Bad scheme", "Bad hostname"...).  White space is refused: the
 * fetcher could not send it.
 */
int	 url_check(const char *url, const char **why);

#endif
