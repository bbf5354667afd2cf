/*
 * parse-int.h: what parse.c shares with parse-json.c alone: the whole
 * dictionary behind a typed view (struct parse_node, opaque in parse.h).
 */
#ifndef HERALD_PARSE_INT_H
#define HERALD_PARSE_INT_H

#include <jansson.h>

#include "parse.h"

/* For now feedparser's dictionaries are jansson objects. */
static inline json_t *
parse_node_json(const struct parse_node *n)
{
	return (json_t *)n;
}

#endif
