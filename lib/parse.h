/*
 * parse.h: the feed parser.  A libxml2 SAX2 push parser behind an input
 * filter (encoding detection and transcoding to UTF-8, repair of undeclared
 * HTML entities, removal of control characters, caps on start tags), feeding
 * a state machine that follows feedparser's interpretation of RSS 0.9x, 1.0,
 * 2.0 and Atom 0.3 and 1.0.  It knows nothing of curl, SQLite or plugins.
 *
 * Results are jansson objects shaped like feedparser's dictionaries
 * ("title", "title_detail", "links", "tags", "published" with
 * "published_parsed" as epoch seconds or null, ...).  parse_shape() turns one
 * into the documented JSON shape of `herald parse --json`; parse_entry_item()
 * extracts what the store needs.
 */
#ifndef HERALD_PARSE_H
#define HERALD_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Documented caps (herald parse --help and man pages repeat them). */
#define PARSE_MAX_ITEMS		2000		/* entries kept per document */
#define PARSE_MAX_FIELD		(256 * 1024)	/* bytes of one text field */
#define PARSE_MAX_TITLE		4096		/* bytes of a title */
#define PARSE_MAX_DEPTH		256		/* element nesting */
#define PARSE_MAX_ATTRS		256		/* attributes in one start tag */
#define PARSE_MAX_TAG		(1024 * 1024)	/* bytes of one start tag */
#define PARSE_SNIFF_BYTES	(256 * 1024)	/* kept to explain a non-feed */

/*
 * Entity declarations in a DOCTYPE's internal subset.  libxml2 never sees
 * one: the input filter reads them itself.  An internal general entity whose
 * replacement text is plain text and character references is honoured
 * within these caps; an external or parameter entity is never loaded, its
 * references are dropped and the document is flagged bozo; anything else
 * (markup or entity references in a replacement text, a cap exceeded, a
 * malformed declaration) rejects the document.
 */
#define PARSE_MAX_ENTITIES	256		/* declared entities */
#define PARSE_MAX_ENTITY_TEXT	1024		/* bytes of one replacement text */
#define PARSE_MAX_ENTITY_EXPANSION (1024 * 1024) /* bytes expanded per document */
#define PARSE_MAX_DOCTYPE	(256 * 1024)	/* bytes of the DOCTYPE declaration */

struct parse_opts {
	const char	*url;		/* document URL, for relative links */
	const char	*base_url;	/* Content-Location: overrides url as base */
	const char	*content_type;	/* HTTP Content-Type (charset used) */
	const char	*language;	/* HTTP Content-Language */
	size_t		 max_items;	/* 0: PARSE_MAX_ITEMS */
	size_t		 max_field;	/* 0: PARSE_MAX_FIELD */
};

/*
 * Called once per entry as soon as it is complete.  `entry` is borrowed for
 * the call: json_incref() it to keep it.
 */
typedef void (*parse_entry_fn)(void *arg, json_t *entry);

struct parser;

/* Empty strings in opts count as absent.  Never returns NULL. */
struct parser	*parse_new(const struct parse_opts *, parse_entry_fn, void *arg);

/*
 * Hands the next `len` bytes of the document to the parser, in chunks of any
 * size.  Returns 0, or -1 once the document was rejected (hostile or not a
 * feed): stop feeding, parse_error() says why.
 */
int		 parse_push(struct parser *, const char *, size_t);

/*
 * Ends the document.  Returns 0 when it was a feed (possibly with warts:
 * see "bozo" in parse_result), -1 when it was rejected or is not a feed.
 */
int		 parse_finish(struct parser *);

/*
 * The document-level result, borrowed: {"version", "bozo",
 * "bozo_exception"?, "encoding", "namespaces", "feed"}.  Valid until
 * parse_free().
 */
json_t		*parse_result(struct parser *);

/* Why the document was rejected, or NULL. */
const char	*parse_error(struct parser *);

/*
 * For a document that is an HTML page: the feed URLs it advertises
 * (<link rel="alternate" type="application/rss+xml" ...>), absolute.
 * Borrowed JSON array of strings, possibly empty.
 */
json_t		*parse_alternates(struct parser *);

/* Number of entries emitted, and whether the item cap dropped some. */
size_t		 parse_nentries(struct parser *);
int		 parse_truncated(struct parser *);

void		 parse_free(struct parser *);

/*
 * Returns a new JSON object in the shape documented for `herald parse
 * --json` (feedparser_expect.py's shape 1) from a feedparser-shaped feed,
 * entry or source object.
 */
json_t		*parse_shape(json_t *);

/*
 * One-call convenience for tests and the CLI: parses the whole buffer and
 * returns the complete shaped document {"version", "bozo", ..., "feed",
 * "entries": [...]} (new reference), or NULL with *errstr set (heap).
 */
json_t		*parse_buffer(const struct parse_opts *, const char *, size_t,
		    char **errstr);

#endif
