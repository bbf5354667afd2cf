/*
 * parse-json.h: feedparser's JSON shape of what the parser read, for
 * `herald parse --json` (herald(1) documents it) and the tests.  Made from
 * the whole dictionaries behind parse.h's typed view, the long tail of
 * elements included.  Every result is a new reference.
 * depends on: parse.h, parse-int.h, date.h, util.h, jansson;
 * used by: cli/cmd-parse.c (herald parse --json).
 */
#ifndef HERALD_PARSE_JSON_H
#define HERALD_PARSE_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "parse.h"

/* One entry, as feedparser's entries[i]. */
json_t	*parse_json_entry(const struct parse_entry *);

/*
 * The document without its entries: {"version", "bozo", "bozo_exception"?,
 * "bozo_message"?, "encoding", "truncated"?, "namespaces", "feed"}.
 */
json_t	*parse_json_feed(const struct parse_feed *);

/*
 * For tests: parses the whole buffer and returns the complete document
 * {"shape_version": 1, "version", "bozo", ..., "feed", "entries": [...]},
 * or NULL with *errstr set (heap).
 */
json_t	*parse_buffer(const struct parse_opts *, const char *, size_t,
	    char **errstr);

#endif
