/*
 * url.c: resolving the relative references feeds are full of (xml:base,
 * relative links and enclosures) with libxml2's RFC 3986 implementation.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
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

/* Percent-encodes bytes libxml2's URI code refuses (non-ASCII, spaces). */
static char *
url_escape_iri(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*out = xmalloc(strlen(s) * 3 + 1), *o = out;

	for (; *s != '\0'; s++) {
		unsigned char	 c = (unsigned char)*s;

		if (c >= 0x80 || c == ' ' || c == '"' || c == '<' || c == '>' ||
		    c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' ||
		    c == '}') {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else
			*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

/* Undoes url_escape_iri for the non-ASCII bytes only: IRIs stay IRIs. */
static void
url_unescape_high(char *s)
{
	char	*o = s;

	while (*s != '\0') {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2]) && strchr("89ABCDEFabcdef", s[1])) {
			char	 h[3] = { s[1], s[2], '\0' };

			*o++ = (char)strtol(h, NULL, 16);
			s += 3;
		} else
			*o++ = *s++;
	}
	*o = '\0';
}

char *
url_resolve(const char *base, const char *ref)
{
	xmlChar		*r;
	char		*trimmed, *out, *eb, *er;
	size_t		 len;

	while (isspace((unsigned char)*ref))
		ref++;
	len = strlen(ref);
	while (len > 0 && isspace((unsigned char)ref[len - 1]))
		len--;
	trimmed = xstrndup(ref, len);
	if (base == NULL || *base == '\0' || url_is_absolute(trimmed))
		return trimmed;
	eb = url_escape_iri(base);
	er = url_escape_iri(trimmed);
	r = xmlBuildURI((const xmlChar *)er, (const xmlChar *)eb);
	free(eb);
	free(er);
	if (r == NULL)
		return trimmed;
	/* libxml2 drops the empty authority of file:/// bases */
	if (strncmp(base, "file:///", 8) == 0 &&
	    strncmp((const char *)r, "file://", 7) == 0 && r[7] != '/')
		out = xasprintf("file:///%s", (const char *)r + 7);
	else
		out = xstrdup((const char *)r);
	xmlFree(r);
	url_unescape_high(out);
	free(trimmed);
	return out;
}

/*
 * Query parameters that only say where a reader came from.  Names compare
 * without regard to case; the prefixes cover whole families.
 */
static const char *const url_tracking_prefixes[] = {
	"utm_", "mtm_", "hsa_",
};
static const char *const url_tracking_params[] = {
	"fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid",
	"mc_cid", "mc_eid", "_ga", "_gl", "yclid", "igshid", "twclid",
	"ttclid", "li_fat_id", "mkt_tok", "_hsenc", "_hsmi", "__hstc",
	"__hssc", "__hsfp", "hsctatracking", "oly_anon_id", "oly_enc_id",
	"vero_id", "vero_conv", "xtor", "at_medium", "at_campaign",
	"ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",
	"pk_campaign", "pk_kwd", "pk_keyword", "pk_source", "pk_medium",
	"pk_content", "pk_cid", "cmp", "cmpid", "ocid", "s_kwcid", "soc_src",
	"soc_trk", "wt.mc_id", "wt_mc_id", "_openstat", "ref_src", "ref_url",
	"guccounter", "guce_referrer", "guce_referrer_sig",
	"__twitter_impression",
};

static int
url_param_is_tracking(const char *name, size_t len)
{
	size_t	 i, n;

	for (i = 0; i < sizeof(url_tracking_prefixes) /
	    sizeof(url_tracking_prefixes[0]); i++) {
		n = strlen(url_tracking_prefixes[i]);
		if (len >= n &&
		    strncasecmp(name, url_tracking_prefixes[i], n) == 0)
			return 1;
	}
	for (i = 0; i < sizeof(url_tracking_params) /
	    sizeof(url_tracking_params[0]); i++) {
		n = strlen(url_tracking_params[i]);
		if (len == n &&
		    strncasecmp(name, url_tracking_params[i], n) == 0)
			return 1;
	}
	return 0;
}

static int
url_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return tolower(c) - 'a' + 10;
}

/*
 * RFC 3986 section 6.2.2.2: escapes of unreserved characters are decoded.
 * The hex digits of the others are lower-cased, as libcurl 7.88 writes them
 * when a part is set (RFC 3986 prefers upper case; one form is what
 * matters).  Returns a heap string.
 */
static char *
url_norm_escapes(const char *s)
{
	struct buf	 b;
	int		 c;

	buf_init(&b, 0);
	buf_puts(&b, "");
	for (; *s != '\0'; s++) {
		if (s[0] != '%' || !isxdigit((unsigned char)s[1]) ||
		    !isxdigit((unsigned char)s[2])) {
			buf_putc(&b, *s);
			continue;
		}
		c = url_hexval((unsigned char)s[1]) * 16 +
		    url_hexval((unsigned char)s[2]);
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			buf_putc(&b, (char)c);
		else {
			buf_putc(&b, '%');
			buf_putc(&b, (char)tolower((unsigned char)s[1]));
			buf_putc(&b, (char)tolower((unsigned char)s[2]));
		}
		s += 2;
	}
	return buf_steal(&b);
}

/* Returns the query without tracking and empty parameters (heap string). */
static char *
url_filter_query(const char *q)
{
	struct buf	 b;
	const char	*p, *end, *eq;
	size_t		 len, namelen;

	buf_init(&b, 0);
	buf_puts(&b, "");
	for (p = q; *p != '\0'; p = *end == '\0' ? end : end + 1) {
		if ((end = strchr(p, '&')) == NULL)
			end = p + strlen(p);
		len = end - p;
		if (len == 0)
			continue;
		eq = memchr(p, '=', len);
		namelen = eq != NULL ? (size_t)(eq - p) : len;
		if (url_param_is_tracking(p, namelen))
			continue;
		if (b.len > 0)
			buf_putc(&b, '&');
		buf_append(&b, p, len);
	}
	return buf_steal(&b);
}

char *
url_canonical(const char *url)
{
	CURLU		*h;
	char		*part = NULL, *norm = NULL, *query = NULL, *out = NULL;
	char		*trimmed, *ret = NULL, *p;
	size_t		 len;

	while (isspace((unsigned char)*url))
		url++;
	len = strlen(url);
	while (len > 0 && isspace((unsigned char)url[len - 1]))
		len--;
	trimmed = xstrndup(url, len);
	if ((h = curl_url()) == NULL)
		goto done;
	if (curl_url_set(h, CURLUPART_URL, trimmed,
	    CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE) != CURLUE_OK)
		goto done;

	if (curl_url_get(h, CURLUPART_HOST, &part, 0) != CURLUE_OK)
		goto done;
	for (p = part; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (curl_url_set(h, CURLUPART_HOST, part, 0) != CURLUE_OK)
		goto done;
	curl_free(part);
	part = NULL;

	if (curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK)
		goto done;

	if (curl_url_get(h, CURLUPART_PATH, &part, 0) == CURLUE_OK) {
		norm = url_norm_escapes(part);
		if (curl_url_set(h, CURLUPART_PATH, norm, 0) != CURLUE_OK)
			goto done;
		curl_free(part);
		part = NULL;
		free(norm);
		norm = NULL;
	}

	if (curl_url_get(h, CURLUPART_QUERY, &part, 0) == CURLUE_OK) {
		norm = url_norm_escapes(part);
		query = url_filter_query(norm);
		if (curl_url_set(h, CURLUPART_QUERY,
		    *query == '\0' ? NULL : query, 0) != CURLUE_OK)
			goto done;
	}

	if (curl_url_get(h, CURLUPART_URL, &out, CURLU_NO_DEFAULT_PORT) !=
	    CURLUE_OK)
		goto done;
	ret = xstrdup(out);
done:
	curl_free(out);
	curl_free(part);
	free(norm);
	free(query);
	free(trimmed);
	curl_url_cleanup(h);
	return ret;
}
