/*
 * parse-json.c: feedparser's JSON shape of a document (`herald parse --json`,
 * documented in herald(1), read by the conformance corpus), after
 * feedparser_adapter.py.  It is made from the whole dictionaries behind the
 * parser's typed view, the long tail of elements included; nothing but this
 * file reads them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "date.h"
#include "parse.h"
#include "parse-int.h"
#include "parse-json.h"
#include "util.h"

static int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}


/* Every string of the dictionaries is valid UTF-8: the parser sees to it. */
static json_t *
str(const char *s)
{
	return json_string_nocheck(s);
}

static json_t *
tojson(const struct parse_node *n)
{
	json_t	*j;
	size_t	 i;

	switch (n->kind) {
	case PN_NULL:
		break;
	case PN_TRUE:
		return json_true();
	case PN_FALSE:
		return json_false();
	case PN_INT:
		return json_integer(n->u.i);
	case PN_STR:
		return str(n->u.s);
	case PN_OBJ:
		j = json_object();
		for (i = 0; i < n->u.o.n; i++)
			json_object_set_new_nocheck(j, n->u.o.v[i].key,
			    tojson(n->u.o.v[i].val));
		return j;
	case PN_LIST:
		j = json_array();
		for (i = 0; i < n->u.l.n; i++)
			json_array_append_new(j, tojson(n->u.l.v[i]));
		return j;
	}
	return json_null();
}

static int
is_text_name(const char *k)
{
	return strcmp(k, "title") == 0 || strcmp(k, "subtitle") == 0 ||
	    strcmp(k, "summary") == 0 || strcmp(k, "rights") == 0 ||
	    strcmp(k, "info") == 0;
}

static json_t *
date_value(const struct parse_node *v)
{
	char	 buf[40];

	if (!pn_is(v, PN_INT))
		return json_null();
	date_format_rfc3339(pn_i(v), buf, sizeof(buf));
	return str(buf);
}

/* An object's members as JSON, the key `from` renamed `to`, `skip` left out. */
static json_t *
renamed(const struct parse_node *o, const char *from, const char *to,
    const char *skip)
{
	json_t		*j = json_object();
	const char	*k;
	size_t		 i;

	for (i = 0; i < pn_len(o); i++) {
		k = o->u.o.v[i].key;
		if (skip != NULL && strcmp(k, skip) == 0)
			continue;
		json_object_set_new_nocheck(j, strcmp(k, from) == 0 ? to : k,
		    tojson(o->u.o.v[i].val));
	}
	return j;
}

/*
 * One of feedparser's dictionaries (a feed, an entry, a source) in the
 * shape of feedparser_adapter.py: dates as RFC 3339 with the raw text
 * under KEY_raw, text constructs as objects with their detail, tags as
 * categories, enclosures out of the links, image href as url.
 */
static json_t *
shape(const struct parse_node *src)
{
	json_t		*out = json_object();
	size_t		 i, j;

	for (i = 0; i < pn_len(src); i++) {
		const char		*key = src->u.o.v[i].key;
		const struct parse_node	*v = src->u.o.v[i].val, *l;
		size_t			 kl = strlen(key);
		char			 base[128], aux[160];

		if (kl > 7 && strcmp(key + kl - 7, "_parsed") == 0 &&
		    kl - 7 < sizeof(base)) {
			memcpy(base, key, kl - 7);
			base[kl - 7] = '\0';
			json_object_set_new_nocheck(out, base, date_value(v));
			if ((l = pn_get(src, base)) != NULL) {
				snprintf(aux, sizeof(aux), "%s_raw", base);
				json_object_set_new_nocheck(out, aux, tojson(l));
			}
			continue;
		}
		if (kl < sizeof(base)) {
			snprintf(aux, sizeof(aux), "%s_parsed", key);
			if (pn_get(src, aux) != NULL)
				continue;	/* a date: under its _parsed twin */
		}
		if (is_text_name(key)) {
			snprintf(aux, sizeof(aux), "%s_detail", key);
			l = pn_get(src, aux);
			if (pn_is(l, PN_OBJ)) {
				json_t *o = tojson(l);

				json_object_set_new(o, "value", tojson(v));
				json_object_set_new_nocheck(out, key, o);
				continue;
			}
		}
		if (kl > 7 && strcmp(key + kl - 7, "_detail") == 0 &&
		    kl - 7 < sizeof(base)) {
			memcpy(base, key, kl - 7);
			base[kl - 7] = '\0';
			if (is_text_name(base) && pn_get(src, base) != NULL)
				continue;
		}
		if (strcmp(key, "tags") == 0 && pn_is(v, PN_LIST)) {
			json_object_set_new(out, "categories", tojson(v));
			continue;
		}
		if (strcmp(key, "links") == 0 && pn_is(v, PN_LIST)) {
			json_t	*encl = json_array();

			json_object_set_new(out, "links", tojson(v));
			pn_foreach(v, j, l)
				if (streq(pn_s(pn_get(l, "rel")), "enclosure"))
					json_array_append_new(encl,
					    renamed(l, "href", "url", "rel"));
			if (json_array_size(encl) > 0)
				json_object_set_new(out, "enclosures", encl);
			else
				json_decref(encl);
			continue;
		}
		if (strcmp(key, "source") == 0 && pn_is(v, PN_OBJ)) {
			json_object_set_new(out, "source", shape(v));
			continue;
		}
		if (strcmp(key, "image") == 0 && pn_is(v, PN_OBJ)) {
			json_object_set_new(out, "image",
			    renamed(v, "href", "url", NULL));
			continue;
		}
		json_object_set_new_nocheck(out, key, tojson(v));
	}
	return out;
}

json_t *
parse_json_entry(const struct parse_entry *e)
{
	return shape(e->raw);
}

json_t *
parse_json_feed(const struct parse_feed *f)
{
	json_t		*doc = json_object();
	const char	*k;
	size_t		 i;

	for (i = 0; i < pn_len(f->raw); i++) {
		k = f->raw->u.o.v[i].key;
		json_object_set_new_nocheck(doc, k, strcmp(k, "feed") == 0 ?
		    shape(f->raw->u.o.v[i].val) : tojson(f->raw->u.o.v[i].val));
	}
	return doc;
}

static void
collect_entry(void *arg, const struct parse_entry *e)
{
	json_array_append_new(arg, parse_json_entry(e));
}

json_t *
parse_buffer(const struct parse_opts *opts, const char *data, size_t len,
    char **errstr)
{
	json_t		*entries = json_array(), *doc = NULL, *v;
	struct parser	*p = parse_new(opts, collect_entry, entries);

	*errstr = NULL;
	if (parse_push(p, data, len) == -1 || parse_finish(p) == -1) {
		*errstr = xstrdup(parse_error(p));
		goto done;
	}
	doc = json_object();
	json_object_set_new(doc, "shape_version", json_integer(1));
	v = parse_json_feed(parse_feed(p));
	json_object_update(doc, v);
	json_decref(v);
	json_object_set(doc, "entries", entries);
done:
	json_decref(entries);
	parse_free(p);
	return doc;
}
