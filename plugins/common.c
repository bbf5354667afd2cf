/*
 * common.c: helpers every herald plugin here compiles in: allocation that
 * aborts instead of returning NULL, a string buffer, option values, the
 * alert JSON all formats start from, and children's exit statuses.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common.h"

void *
cmalloc(size_t n)
{
	void	*p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		abort();
	return p;
}

void *
ccalloc(size_t n, size_t m)
{
	void	*p = calloc(n == 0 ? 1 : n, m == 0 ? 1 : m);

	if (p == NULL)
		abort();
	return p;
}

char *
cstrdup(const char *s)
{
	char	*p = strdup(s != NULL ? s : "");

	if (p == NULL)
		abort();
	return p;
}

char *
casprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		abort();
	va_end(ap);
	return s;
}

void
sbuf_init(struct sbuf *b)
{
	b->size = 256;
	b->s = cmalloc(b->size);
	b->s[0] = '\0';
	b->len = 0;
}

void
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		while (b->len + n + 1 > b->size)
			b->size *= 2;
		if ((b->s = realloc(b->s, b->size)) == NULL)
			abort();
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
sbuf_puts(struct sbuf *b, const char *s)
{
	if (s != NULL)
		sbuf_add(b, s, strlen(s));
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		abort();
	sbuf_add(b, s, (size_t)n);
	free(s);
}

void
sbuf_free(struct sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->size = 0;
}

int
opt_duration(struct herald_ctx *ctx, const struct herald_host *h,
    const struct herald_option *o, double min, double max, double *out)
{
	const char	*p = o->value;
	double		 total = 0;
	int		 pairs = 0;

	while (*p != '\0') {
		char	*end;
		double	 v = strtod(p, &end);

		if (end == p || v < 0)
			goto bad;
		p = end;
		switch (*p) {
		case 'h':
			v *= 3600;
			p++;
			break;
		case 'm':
			v *= 60;
			p++;
			break;
		case 's':
			p++;
			break;
		case '\0':
			if (pairs > 0)
				goto bad;	/* "1m30" */
			break;
		default:
			goto bad;
		}
		total += v;
		pairs++;
	}
	if (pairs == 0)
		goto bad;
	if (total < min || total > max) {
		h->error(ctx, o, "\"%s\" is out of range (%g to %g seconds)",
		    o->value, min, max);
		return -1;
	}
	*out = total;
	return 0;
bad:
	h->error(ctx, o, "\"%s\" is not a duration (such as 30s, 5m, 1h)",
	    o->value);
	return -1;
}

int
opt_bool(struct herald_ctx *ctx, const struct herald_host *h,
    const struct herald_option *o, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };
	size_t	 i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(o->value, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(o->value, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	h->error(ctx, o, "\"%s\" is not yes or no", o->value);
	return -1;
}

int
opt_check_known(struct herald_ctx *ctx, const struct herald_host *h,
    const struct herald_option *opts, size_t n, const char *const *known)
{
	size_t	 i, k;
	int	 rc = 0;

	for (i = 0; i < n; i++) {
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(opts[i].key, known[k]) == 0)
				break;
		if (known[k] == NULL) {
			struct sbuf	 b;

			sbuf_init(&b);
			for (k = 0; known[k] != NULL; k++)
				sbuf_printf(&b, "%s%s", k ? ", " : "", known[k]);
			h->error(ctx, &opts[i], "unknown key (this plugin knows "
			    "%s, and path, topics, rate-limit, batch, max-age)",
			    b.s);
			sbuf_free(&b);
			rc = -1;
		}
	}
	return rc;
}

size_t
utf8_prefix(const char *s, size_t max)
{
	size_t	 n = strnlen(s, max + 1);

	if (n <= max)
		return n;
	/*
	 * s[max] is the first byte left out: back off a split character
	 * (3 continuation bytes at most; past that it was not UTF-8)
	 */
	for (n = max; n > 0 && n + 3 > max &&
	    ((unsigned char)s[n] & 0xc0) == 0x80; n--)
		;
	return ((unsigned char)s[n] & 0xc0) == 0x80 ? max : n;
}

const char *
cnz(const char *s, const char *dflt)
{
	return s != NULL && *s != '\0' ? s : dflt;
}

char *
cdump(json_t *o)
{
	char	*s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (s == NULL)
		abort();
	return s;
}

const char *
iso_time(int64_t t, char *buf, size_t len)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
	return buf;
}

static json_t *
json_str(const char *s)
{
	json_t	*j;

	if (s == NULL)
		return json_null();
	/* the store keeps valid UTF-8; never lose an alert over a bad byte */
	if ((j = json_string(s)) == NULL)
		j = json_stringn_nocheck(s, strlen(s));
	return j;
}

unsigned
host_abi_minor(const struct herald_host *h)
{
	return h->size > offsetof(struct herald_host, abi_minor) ?
	    h->abi_minor : 0;
}

void
delivery_adopt(const struct herald_host *h, const struct herald_delivery *in,
    struct herald_delivery *out)
{
	memset(out, 0, sizeof(*out));
	out->alerts = in->alerts;
	out->nalerts = in->nalerts;
	out->attempt = in->attempt;
	out->plugin = in->plugin;
	if (h->size > offsetof(struct herald_host, abi_minor) &&
	    h->abi_minor >= 2)
		out->stories = in->stories;
}

const struct herald_alert_story *
alert_story(const struct herald_delivery *d, size_t i)
{
	if (d->stories == NULL || i >= d->nalerts || d->stories[i] == NULL)
		return NULL;
	return d->stories[i];
}

int
alert_breaking(const struct herald_delivery *d, size_t i)
{
	const struct herald_alert_story	*s = alert_story(d, i);

	return s != NULL && s->breaking;
}

char *
alert_title(const struct herald_delivery *d, size_t i)
{
	const char	*t = cnz(d->alerts[i].title, "(no title)");

	return alert_breaking(d, i) ? casprintf("BREAKING: %s", t) :
	    cstrdup(t);
}

static json_t *
strv_json(const char *const *v, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_str(v[i]));
	return a;
}

json_t *
alert_json(const struct herald_delivery *d, size_t k, int top)
{
	const struct herald_alert	*a = &d->alerts[k];
	const struct herald_alert_story	*s = alert_story(d, k);
	json_t				*o = json_object(), *terms = json_array();
	json_t				*so = json_null();
	char				 t[32];
	size_t				 i;

	for (i = 0; i < a->nterms; i++)
		json_array_append_new(terms, json_str(a->terms[i]));
	json_object_set_new(o, "id", json_str(a->key));
	json_object_set_new(o, "topic", json_str(a->topic));
	json_object_set_new(o, "terms", terms);
	json_object_set_new(o, "field", json_str(a->field));
	json_object_set_new(o, "snippet", json_str(a->snippet));
	json_object_set_new(o, "title", json_str(a->title));
	json_object_set_new(o, "link", json_str(a->link));
	json_object_set_new(o, "summary", json_str(a->summary));
	json_object_set_new(o, "feed", json_str(a->feed));
	json_object_set_new(o, "published", a->published ?
	    json_string(iso_time(a->published, t, sizeof(t))) : json_null());
	json_object_set_new(o, "matched", json_string(iso_time(a->matched, t,
	    sizeof(t))));
	json_object_set_new(o, "breaking", json_boolean(s != NULL &&
	    s->breaking));
	if (s != NULL && s->id != 0) {
		so = json_object();
		json_object_set_new(so, "id", json_integer(s->id));
		json_object_set_new(so, "size", json_integer(s->size));
		json_object_set_new(so, "outlets", strv_json(s->outlets,
		    s->noutlets));
		json_object_set_new(so, "languages", strv_json(s->languages,
		    s->nlanguages));
	}
	json_object_set_new(o, "story", so);
	if (top) {
		json_object_set_new(o, "plugin", json_str(d->plugin));
		json_object_set_new(o, "attempt", json_integer(d->attempt));
	}
	return o;
}

char *
delivery_keys(const struct herald_delivery *d, const char *sep)
{
	struct sbuf	 b;
	size_t		 i;

	sbuf_init(&b);
	for (i = 0; i < d->nalerts; i++) {
		if (i > 0)
			sbuf_puts(&b, sep);
		sbuf_puts(&b, d->alerts[i].key);
	}
	return b.s;
}

char *
delivery_json(const struct herald_delivery *d)
{
	json_t	*o, *arr, *ids;
	char	*s;
	size_t	 i;

	if (d->nalerts == 1)
		o = alert_json(d, 0, 1);
	else {
		o = json_object();
		arr = json_array();
		ids = json_array();
		for (i = 0; i < d->nalerts; i++) {
			json_array_append_new(arr, alert_json(d, i, 0));
			json_array_append_new(ids, json_str(d->alerts[i].key));
		}
		json_object_set_new(o, "plugin", json_str(d->plugin));
		json_object_set_new(o, "attempt", json_integer(d->attempt));
		json_object_set_new(o, "count", json_integer((json_int_t)
		    d->nalerts));
		json_object_set_new(o, "ids", ids);
		json_object_set_new(o, "alerts", arr);
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		abort();
	return s;
}

/* The last non-empty line of a child's output, at most 200 bytes. */
static char *
last_line(const char *out, size_t len)
{
	size_t	 end = len, start;

	while (end > 0 && isspace((unsigned char)out[end - 1]))
		end--;
	start = end;
	while (start > 0 && out[start - 1] != '\n')
		start--;
	if (end - start > 200)
		start = end - 200;
	return strndup(out + start, end - start);
}

enum herald_outcome
child_outcome(const struct herald_child_result *r, const char *what,
    char **msg)
{
	enum herald_outcome	 o;
	char			*line;

	if (r->error != NULL) {
		*msg = casprintf("%s: cannot run: %s", what, r->error);
		return HERALD_FAIL;
	}
	line = last_line(r->output, r->output_len);
	if (line == NULL)
		abort();
	if (r->timed_out) {
		*msg = casprintf("%s: killed after %.0f s (timeout)%s%s", what,
		    r->seconds, *line ? ": " : "", line);
		o = HERALD_RETRY;
	} else if (!r->exited) {
		*msg = casprintf("%s: killed by signal %d%s%s", what, r->signal,
		    *line ? ": " : "", line);
		o = HERALD_RETRY;
	} else if (r->status == 0) {
		*msg = NULL;
		o = HERALD_OK;
	} else {
		*msg = casprintf("%s: exit status %d%s%s", what, r->status,
		    *line ? ": " : "", line);
		o = (r->status >= 64 && r->status <= 78 && r->status != 75) ||
		    r->status == 126 || r->status == 127 ? HERALD_FAIL :
		    HERALD_RETRY;
	}
	free(line);
	return o;
}
