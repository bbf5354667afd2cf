/*
 * fuzz_parse.c: libFuzzer target for the feed parser.  The first byte picks
 * the chunk size, so that the input filter's handling of sequences and
 * markup split across chunks is exercised as well as the parser itself.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "parse.h"
#include "parse-json.h"

static void
on_entry(void *arg, const struct parse_entry *entry)
{
	json_t	*s = parse_json_entry(entry);
	char	*d = json_dumps(s, JSON_COMPACT);

	(*(size_t *)arg)++;
	free(d);
	json_decref(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_opts	 opts = { .url = "http://example.com/feed/" };
	struct parser		*p;
	size_t			 chunk, off, n = 0;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	if (data[0] >= 192)
		chunk = size;
	data++;
	size--;
	parse_global_init();
	p = parse_new(&opts, on_entry, &n);
	for (off = 0; off < size; off += chunk) {
		size_t	 len = size - off < chunk ? size - off : chunk;

		if (parse_push(p, (const char *)data + off, len) == -1)
			break;
	}
	parse_finish(p);
	{
		json_t	*s = parse_json_feed(parse_feed(p));
		char	*d = json_dumps(s, JSON_COMPACT);

		free(d);
		json_decref(s);
	}
	parse_free(p);
	return 0;
}
