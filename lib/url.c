/*
 * url.c: resolving the relative references feeds are full of (xml:base,
 * relative links and enclosures) with libxml2's RFC 3986 implementation.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/uri.h>

#include "url.h"
#include "util.h"

int
url_is_absolute(const char *s)
{
	const char	*p = s;

	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.')
		p++;
	return *p == ':';
}

char *
url_resolve(const char *base, const char *ref)
{
	xmlChar		*r;
	char		*trimmed, *out;
	size_t		 len;

	while (isspace((unsigned char)*ref))
		ref++;
	len = strlen(ref);
	while (len > 0 && isspace((unsigned char)ref[len - 1]))
		len--;
	trimmed = xstrndup(ref, len);
	if (base == NULL || *base == '\0' || url_is_absolute(trimmed))
		return trimmed;
	r = xmlBuildURI((const xmlChar *)trimmed, (const xmlChar *)base);
	if (r == NULL) {
		/* Spaces or non-ASCII upset libxml2: escape, then retry. */
		xmlChar	*esc = xmlURIEscapeStr((const xmlChar *)trimmed,
		    (const xmlChar *)":/?#[]@!$&'()*+,;=%~");

		if (esc != NULL) {
			r = xmlBuildURI(esc, (const xmlChar *)base);
			xmlFree(esc);
		}
	}
	if (r == NULL)
		return trimmed;
	out = xstrdup((const char *)r);
	xmlFree(r);
	free(trimmed);
	return out;
}
