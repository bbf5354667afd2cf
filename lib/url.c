/*
 * url.c: resolving the relative references feeds are full of (xml:base,
 * relative links and enclosures) with libxml2's RFC 3986 implementation;
 * canonical links and feed URL checks with a small parser of our own that
 * reads URLs as libcurl does, so that herald(1) need not load libcurl.
 */
#include "config.h"

#include <sys/socket.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>

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

/* One parameter of a query, for sorting. */
struct url_param {
	const char	*p;
	size_t		 len, namelen, pos;
};

/* By name (bytes), then by position: a stable order for repeated names. */
static int
url_param_cmp(const void *a, const void *b)
{
	const struct url_param	*x = a, *y = b;
	size_t			 n = x->namelen < y->namelen ? x->namelen :
				    y->namelen;
	int			 c;

	if ((c = memcmp(x->p, y->p, n)) != 0)
		return c;
	if (x->namelen != y->namelen)
		return x->namelen < y->namelen ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Returns the query without tracking and empty parameters, the others
 * sorted by name (heap string): the order of parameters names no other
 * page, and feeds that build links from a map write them in any order.
 */
static char *
url_filter_query(const char *q)
{
	struct buf		 b;
	struct url_param	*v = NULL;
	const char		*p, *end, *eq;
	size_t			 len, namelen, n = 0, cap = 0, i;

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
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].p = p;
		v[n].len = len;
		v[n].namelen = namelen;
		v[n].pos = n;
		n++;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), url_param_cmp);
	buf_init(&b, 0);
	buf_puts(&b, "");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, '&');
		buf_append(&b, v[i].p, v[i].len);
	}
	free(v);
	return buf_steal(&b);
}

/*
 * An absolute URL cut into its parts, the way libcurl 7.88's URL parser (the
 * one the fetcher uses) reads it, so that what the config accepts is what
 * the fetcher can fetch and canonical links stay what they were when libcurl
 * computed them.  Strings are heap copies; path and query point into the
 * input.
 */
struct url_parts {
	char		*scheme;	/* lower-cased */
	char		*userinfo;	/* as written; NULL when absent */
	char		*host;		/* url_parse_host(); NULL for file: */
	long		 port;		/* -1 when absent */
	const char	*path, *query;	/* query: NULL when there is no '?' */
	size_t		 pathlen, querylen;
};

/* The texts are libcurl's, which the config's messages have always been. */
#define URL_BAD_SCHEME	"Bad scheme"
#define URL_BAD_HOST	"Bad hostname"
#define URL_BAD_IPV6	"Bad IPv6 address"
#define URL_BAD_PORT	"Port number was not a decimal number between 0 " \
			    "and 65535"
#define URL_BAD_SLASHES	"Unsupported number of slashes following scheme"
#define URL_NO_HOST	"No host part in the URL"
#define URL_BAD_FILE	"Bad file:// URL"
#define URL_BAD_USER	"Bad user name or password"
#define URL_CONTROL	"control character in the URL"
#define URL_SPACE	"white space in the URL (write it as %20)"

static const struct {
	const char	*scheme;
	long		 port;
} url_default_ports[] = {
	{ "http", 80 }, { "https", 443 }, { "ftp", 21 }, { "ftps", 990 },
	{ "ws", 80 }, { "wss", 443 }, { "sftp", 22 }, { "scp", 22 },
	{ "gopher", 70 }, { "gophers", 70 }, { "ldap", 389 },
	{ "ldaps", 636 }, { "rtsp", 554 }, { "smtp", 25 }, { "smtps", 465 },
	{ "imap", 143 }, { "imaps", 993 }, { "pop3", 110 }, { "pop3s", 995 },
	{ "telnet", 23 }, { "dict", 2628 }, { "tftp", 69 }, { "mqtt", 1883 },
	{ "smb", 445 }, { "smbs", 445 },
};

static void
url_parts_free(struct url_parts *u)
{
	free(u->scheme);
	free(u->userinfo);
	free(u->host);
	memset(u, 0, sizeof(*u));
}

/*
 * Reads a host (no brackets) into a heap string: escapes decoded, checked
 * against the bytes libcurl refuses in a host name, a numeric IPv4 address
 * in any form inet_aton() takes ("127.1", "0x7f.0.0.1") written as four
 * decimal numbers, ASCII letters lower-cased.  Bytes above 0x7f (IDNs) are
 * kept as they are.  Returns NULL when the host is not one.
 */
static char *
url_parse_host(const char *s, size_t len)
{
	static const char	 bad[] = " !\"#$&'()*+,/:;<=>?@[\\]^`{}%";
	char			*h = xmalloc(len + 1), *p;
	struct in_addr		 a;
	size_t			 i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			h[n++] = (char)(url_hexval((unsigned char)s[i + 1]) *
			    16 + url_hexval((unsigned char)s[i + 2]));
			i += 2;
		} else
			h[n++] = s[i];
	}
	h[n] = '\0';
	if (n == 0 || strlen(h) != n)
		goto bad;
	for (p = h; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f ||
		    strchr(bad, *p) != NULL)
			goto bad;
		*p = (char)tolower((unsigned char)*p);
	}
	if (inet_aton(h, &a) != 0) {
		free(h);
		return xstrdup(inet_ntoa(a));
	}
	return h;
bad:
	free(h);
	return NULL;
}

/*
 * Reads "[address]" into "[address]" as inet_ntop() writes it.  A zone
 * ("%25eth0") is dropped: it names an interface of one machine, as libcurl
 * dropped it from the URLs it wrote.
 */
static char *
url_parse_ipv6(const char *s, size_t len)
{
	char			 addr[64], out[INET6_ADDRSTRLEN];
	struct in6_addr		 a;
	const char		*zone;

	if ((zone = memchr(s, '%', len)) != NULL)
		len = zone - s;
	if (len >= sizeof(addr))
		return NULL;
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET6, addr, &a) != 1 ||
	    inet_ntop(AF_INET6, &a, out, sizeof(out)) == NULL)
		return NULL;
	return xasprintf("[%s]", out);
}

/* Reads the digits of a port; -1 when they are not a port number. */
static long
url_parse_port(const char *s, size_t len)
{
	long	 port = 0;
	size_t	 i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		port = port * 10 + (s[i] - '0');
		if (port > 65535)
			return -1;
	}
	return port;
}

/*
 * Cuts `s` into *u: a scheme, then for file: an empty, "localhost" or
 * "127.0.0.1" authority (or none), for other schemes one to three slashes
 * (as libcurl takes them) and an authority with a host.  Control
 * characters are refused anywhere, spaces in the scheme and authority, and
 * in the rest unless `spaces` (the caller encodes them).  Returns 0, or -1
 * with *why (a static message).
 */
static int
url_split(const char *s, int spaces, struct url_parts *u, const char **why)
{
	const char	*p, *auth, *at, *host, *colon, *end;
	size_t		 authlen, hostlen, i;

	memset(u, 0, sizeof(*u));
	u->port = -1;
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = URL_CONTROL;
			return -1;
		}
	}

	if (!url_is_absolute(s)) {
		*why = URL_BAD_SCHEME;
		return -1;
	}
	p = strchr(s, ':');
	u->scheme = xstrndup(s, p - s);
	for (i = 0; u->scheme[i] != '\0'; i++)
		u->scheme[i] = (char)tolower((unsigned char)u->scheme[i]);
	p++;

	if (strcmp(u->scheme, "file") == 0) {
		if (p[0] == '/' && p[1] == '/') {
			p += 2;
			if (strncasecmp(p, "localhost/", 10) == 0)
				p += 9;
			else if (strncmp(p, "127.0.0.1/", 10) == 0)
				p += 9;
			else if (*p != '/') {
				*why = URL_BAD_FILE;
				goto fail;
			}
		}
		goto path;
	}

	for (i = 0; p[i] == '/' && i < 4; i++)
		;
	if (i < 1 || i > 3) {
		*why = URL_BAD_SLASHES;
		goto fail;
	}
	auth = p + i;
	authlen = strcspn(auth, "/?#");
	p = auth + authlen;
	if (authlen == 0) {
		*why = URL_NO_HOST;
		goto fail;
	}

	host = auth;
	if ((at = memchr(auth, '@', authlen)) != NULL) {
		if (memchr(auth, ' ', at - auth) != NULL) {
			*why = URL_BAD_USER;
			goto fail;
		}
		u->userinfo = xstrndup(auth, at - auth);
		host = at + 1;
	}
	hostlen = auth + authlen - host;

	if (hostlen > 0 && *host == '[') {
		if ((end = memchr(host, ']', hostlen)) == NULL ||
		    (u->host = url_parse_ipv6(host + 1, end - host - 1)) ==
		    NULL) {
			*why = URL_BAD_IPV6;
			goto fail;
		}
		end++;
		if (end < host + hostlen && *end != ':') {
			*why = URL_BAD_PORT;
			goto fail;
		}
		colon = end < host + hostlen ? end : NULL;
	} else {
		colon = memchr(host, ':', hostlen);
		end = colon != NULL ? colon : host + hostlen;
		if (end == host) {
			*why = URL_NO_HOST;
			goto fail;
		}
		if ((u->host = url_parse_host(host, end - host)) == NULL) {
			*why = URL_BAD_HOST;
			goto fail;
		}
	}
	/* "host:" is the default port, as in libcurl and RFC 3986 */
	if (colon != NULL && colon + 1 < host + hostlen &&
	    (u->port = url_parse_port(colon + 1,
	    host + hostlen - colon - 1)) == -1) {
		*why = URL_BAD_PORT;
		goto fail;
	}

path:
	if (!spaces && strchr(p, ' ') != NULL) {
		*why = URL_SPACE;
		goto fail;
	}
	u->path = p;
	u->pathlen = strcspn(p, "?#");
	p += u->pathlen;
	if (*p == '?') {
		u->query = p + 1;
		u->querylen = strcspn(u->query, "#");
	}
	return 0;
fail:
	url_parts_free(u);
	return -1;
}

int
url_check(const char *url, const char **why)
{
	struct url_parts	 u;

	if (url_split(url, 0, &u, why) == -1)
		return -1;
	url_parts_free(&u);
	return 0;
}

/*
 * Percent-encodes what libcurl's CURLU_URLENCODE did: bytes above 0x7f,
 * and spaces as "%20" in the path and as '+' in the query.  Returns a heap
 * string.
 */
static char *
url_encode_part(const char *s, size_t len, int query)
{
	static const char	 hex[] = "0123456789abcdef";
	struct buf		 b;
	unsigned char		 c;
	size_t			 i;

	buf_init(&b, 0);
	buf_puts(&b, "");
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == ' ')
			buf_puts(&b, query ? "+" : "%20");
		else if (c >= 0x80) {
			buf_putc(&b, '%');
			buf_putc(&b, hex[c >> 4]);
			buf_putc(&b, hex[c & 15]);
		} else
			buf_putc(&b, (char)c);
	}
	return buf_steal(&b);
}

/*
 * RFC 3986 section 5.2.4 on an absolute path, in place: "." and ".."
 * segments go, ".." taking the segment before it; a ".." at the root stays
 * at the root.  An empty path becomes "/".
 */
static void
url_remove_dots(char *path)
{
	char	*in = path, *out = path, *seg;
	size_t	 n;

	while (*in != '\0') {
		if (strncmp(in, "/./", 3) == 0)
			in += 2;
		else if (strcmp(in, "/.") == 0)
			in[1] = '\0';
		else if (strncmp(in, "/../", 4) == 0 ||
		    strcmp(in, "/..") == 0) {
			if (in[3] == '/')
				in += 3;
			else {
				in += 2;
				*in = '/';
			}
			/* drop the last segment written, and its '/' */
			while (out > path && *--out != '/')
				;
		} else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0)
			break;
		else {
			seg = in;
			n = strcspn(in + 1, "/") + 1;
			memmove(out, seg, n);
			out += n;
			in += n;
		}
	}
	*out = '\0';
	if (*path == '\0')
		strcpy(path, "/");
}

/* Returns the port a scheme uses when a URL names none, or -1. */
static long
url_default_port(const char *scheme)
{
	size_t	 i;

	for (i = 0; i < sizeof(url_default_ports) /
	    sizeof(url_default_ports[0]); i++)
		if (strcmp(scheme, url_default_ports[i].scheme) == 0)
			return url_default_ports[i].port;
	return -1;
}

char *
url_canonical(const char *url)
{
	struct url_parts	 u;
	struct buf		 b;
	const char		*why;
	char			*trimmed, *enc, *norm, *query, *ret = NULL;
	size_t			 len;

	while (isspace((unsigned char)*url))
		url++;
	len = strlen(url);
	while (len > 0 && isspace((unsigned char)url[len - 1]))
		len--;
	trimmed = xstrndup(url, len);
	if (url_split(trimmed, 1, &u, &why) == -1)
		goto done;
	if (u.host == NULL)		/* file: has no authority */
		goto done;

	buf_init(&b, 0);
	buf_printf(&b, "%s://", u.scheme);
	if (u.userinfo != NULL)
		buf_printf(&b, "%s@", u.userinfo);
	buf_puts(&b, u.host);
	if (u.port != -1 && u.port != url_default_port(u.scheme))
		buf_printf(&b, ":%ld", u.port);

	/* escapes first, so that "%2e%2e" is a ".." segment (RFC 3986 6.2.2) */
	enc = url_encode_part(u.path, u.pathlen, 0);
	norm = url_norm_escapes(enc);
	url_remove_dots(norm);
	buf_puts(&b, norm);
	free(enc);
	free(norm);

	if (u.query != NULL) {
		enc = url_encode_part(u.query, u.querylen, 1);
		norm = url_norm_escapes(enc);
		query = url_filter_query(norm);
		if (*query != '\0')
			buf_printf(&b, "?%s", query);
		free(enc);
		free(norm);
		free(query);
	}
	ret = buf_steal(&b);
done:
	url_parts_free(&u);
	free(trimmed);
	return ret;
}
