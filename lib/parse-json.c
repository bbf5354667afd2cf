/*
 * parse-json.c: feedparser's JSON shape of a document (`herald parse --json`,
 * documented in herald(1), read by the conformance corpus), after
 * feedparser_adapter.py.  It is made from the whole dictionaries behind the
 * parser's typed view, the long tail of elements included; nothing but this
 * file reads them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "date.h"
#include "parse.h"
#include "parse-int.h"
#include "parse-json.h"
#include "util.h"

static const char *
jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int
is_text_name(const char *k)
{
	return strcmp(k, "title") == 0 || strcmp(k, "subtitle") == 0 ||
	    strcmp(k, "summary") == 0 || strcmp(k, "rights") == 0 ||
	    strcmp(k, "info") == 0;
}

static json_t *
date_value(json_t *v)
{
	char	 buf[40];

	if (!json_is_integer(v))
		return json_null();
	date_format_rfc3339(json_integer_value(v), buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
shape(json_t *src)
{
	json_t		*out = json_object(), *v;
	const char	*key;

	json_object_foreach(src, key, v) {
		size_t	 kl = strlen(key);
		char	 base[128];

		if (kl > 7 && strcmp(key + kl - 7, "_parsed") == 0 &&
		    kl - 7 < sizeof(base)) {
			memcpy(base, key, kl - 7);
			base[kl - 7] = '\0';
			json_object_set_new(out, base, date_value(v));
			if (json_object_get(src, base) != NULL) {
				char *rk = xasprintf("%s_raw", base);

				json_object_set(out, rk, json_object_get(src, base));
				free(rk);
			}
			continue;
		}
		{
			char *pk = xasprintf("%s_parsed", key);
			int twin = json_object_get(src, pk) != NULL;

			free(pk);
			if (twin)
				continue;
		}
		if (is_text_name(key)) {
			char	*dk = xasprintf("%s_detail", key);
			json_t	*d = json_object_get(src, dk);

			free(dk);
			if (json_is_object(d)) {
				json_t *o = json_deep_copy(d);

				json_object_set(o, "value", v);
				json_object_set_new(out, key, o);
				continue;
			}
		}
		if (kl > 7 && strcmp(key + kl - 7, "_detail") == 0 &&
		    kl - 7 < sizeof(base)) {
			memcpy(base, key, kl - 7);
			base[kl - 7] = '\0';
			if (is_text_name(base) && json_object_get(src, base) != NULL)
				continue;
		}
		if (strcmp(key, "tags") == 0 && json_is_array(v)) {
			json_object_set(out, "categories", v);
			continue;
		}
		if (strcmp(key, "links") == 0 && json_is_array(v)) {
			json_t	*encl = json_array(), *l;
			size_t	 i;

			json_object_set(out, "links", v);
			json_array_foreach(v, i, l) {
				const char	*lk;
				json_t		*lv, *e;

				if (!streq(jstr(l, "rel"), "enclosure"))
					continue;
				e = json_object();
				json_object_foreach(l, lk, lv) {
					if (strcmp(lk, "rel") == 0)
						continue;
					json_object_set(e, strcmp(lk, "href") == 0 ?
					    "url" : lk, lv);
				}
				json_array_append_new(encl, e);
			}
			if (json_array_size(encl) > 0)
				json_object_set_new(out, "enclosures", encl);
			else
				json_decref(encl);
			continue;
		}
		if (strcmp(key, "source") == 0 && json_is_object(v)) {
			json_object_set_new(out, "source", shape(v));
			continue;
		}
		if (strcmp(key, "image") == 0 && json_is_object(v)) {
			json_t		*o = json_object(), *iv;
			const char	*ik;

			json_object_foreach(v, ik, iv)
				json_object_set(o, strcmp(ik, "href") == 0 ?
				    "url" : ik, iv);
			json_object_set_new(out, "image", o);
			continue;
		}
		json_object_set(out, key, v);
	}
	return out;
}

json_t *
parse_json_entry(const struct parse_entry *e)
{
	return shape(parse_node_json(e->raw));
}

json_t *
parse_json_feed(const struct parse_feed *f)
{
	json_t		*doc = json_object(), *v;
	const char	*k;

	json_object_foreach(parse_node_json(f->raw), k, v) {
		if (strcmp(k, "feed") == 0)
			json_object_set_new(doc, "feed", shape(v));
		else
			json_object_set(doc, k, v);
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
