/*
 * parse.h: the feed parser.  A libxml2 SAX2 push parser behind an input
 * filter (encoding detection and transcoding to UTF-8, repair of undeclared
 * HTML entities, removal of control characters, caps on start tags), feeding
 * a state machine that follows feedparser's interpretation of RSS 0.9x, 1.0,
 * 2.0 and Atom 0.3 and 1.0.  It knows nothing of curl, SQLite or plugins.
 *
 * Its product is typed: a struct parse_entry for each entry, handed to a
 * callback as soon as the entry is complete, and a struct parse_feed for the
 * document (the feed's own elements, its format and warts, scheduling
 * hints, why it was rejected).  Both are borrowed: an entry for the call, the
 * feed until parse_free().  Strings are valid UTF-8, NUL-terminated.
 *
 * The design: feedparser files whatever it reads, known element or not, in
 * dictionaries keyed by element name, and its JSON shape (`herald parse
 * --json`, the conformance corpus) is that whole dictionary.  The element
 * handlers here fill such dictionaries, privately.  The typed fields below
 * are the view of them that herald reads (heraldd's ingest, the CLI's
 * summary); `raw` leads to the whole dictionary, long tail included, and only
 * the JSON serializer (lib/parse-json.h) follows it.  Nothing else needs a
 * key string or jansson.
 * depends on: parse-int.h, text.h, date.h, url.h, util.h, log.h, libxml2,
 * iconv (parse.c); used by: daemon/ingest.c, daemon/heraldd.c,
 * cli/cmd-parse.c, parse-json.c.
 */
#ifndef HERALD_PARSE_H
#define HERALD_PARSE_H

#include <stddef.h>
#include <stdint.h>

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

/* feedparser's whole dictionary behind a typed view: lib/parse-json.c's. */
struct parse_node;

/* A text construct: title, summary, content... */
struct parse_text {
	const char	*value;		/* NULL: absent */
	const char	*type;		/* "text/plain", "text/html",
					 * "application/xhtml+xml", ...; NULL:
					 * not said (read it as HTML) */
	const char	*language;	/* xml:lang in force, or NULL */
	const char	*base;		/* xml:base in force, or NULL */
	const char	*src;		/* content only: <content src>, or NULL */
};

/* A date element: as written, and as read (parse_date(), date.h). */
struct parse_date {
	const char	*raw;		/* NULL: absent */
	int64_t		 epoch;		/* seconds since 1970, UTC */
	int		 valid;		/* 0: raw could not be read as a date */
};

/* An author, contributor or publisher; any part may be NULL. */
struct parse_person {
	const char	*name;
	const char	*email;
	const char	*href;
};

/* A <link> (RSS text or Atom attributes) or <enclosure>, resolved. */
struct parse_link {
	const char	*rel;		/* "alternate" when not said */
	const char	*type;
	const char	*href;		/* absolute when a base was known */
	const char	*title;
	const char	*length;	/* as written: bytes, for enclosures */
};

/* A category, dc:subject, Atom category, iTunes or media keyword. */
struct parse_tag {
	const char	*term;
	const char	*scheme;	/* RSS domain, Atom scheme */
	const char	*label;
};

/* An attached file: an enclosure link, or a media:content. */
struct parse_enclosure {
	const char	*url;
	const char	*type;
	const char	*length;	/* bytes as written (media: fileSize) */
};

struct parse_entry {
	struct parse_text	 title;
	struct parse_text	 summary;	/* description, summary */
	const struct parse_text	*content;	/* content:encoded, Atom content */
	size_t			 ncontent;
	const char		*id;		/* guid, Atom id, rdf:about */
	const char		*link;		/* the alternate link */
	struct parse_date	 published;	/* pubDate, issued, dcterms:issued */
	struct parse_date	 updated;	/* dc:date, updated, modified */
	const char		*author;	/* "Name (email)", as feedparser */
	const struct parse_person *authors;
	size_t			 nauthors;
	const struct parse_link	*links;
	size_t			 nlinks;
	const struct parse_tag	*tags;
	size_t			 ntags;
	const struct parse_enclosure *enclosures; /* rel="enclosure" links */
	size_t			 nenclosures;
	const struct parse_enclosure *media;	/* media:content */
	size_t			 nmedia;
	const struct parse_node	*raw;
};

/*
 * An entry's date: published, else updated, else NULL.  The one place that
 * says which date an entry goes by.
 */
const struct parse_date *parse_entry_date(const struct parse_entry *);

/* The kind of a rejection (parse_finish() returned -1). */
enum parse_failure {
	PARSE_OK = 0,
	PARSE_NOT_FEED,		/* HTML page, JSON, empty, other XML */
	PARSE_ENTITY,		/* an entity declaration herald refuses */
	PARSE_LIMIT,		/* over a cap: start tag, DOCTYPE, expansion */
};

struct parse_feed {
	/* the feed's own elements */
	struct parse_text	 title;
	struct parse_text	 subtitle;	/* RSS description, Atom subtitle */
	const char		*link;
	const struct parse_link	*links;
	size_t			 nlinks;
	const char		*language;
	struct parse_date	 updated;	/* lastBuildDate, Atom updated */
	long			 ttl;		/* <ttl>: minutes; -1 none */
	long			 update_period;	/* sy:updatePeriod divided by
						 * sy:updateFrequency: seconds;
						 * -1 none */
	uint32_t		 skip_hours;	/* <skipHours>: bit h for hour h
						 * UTC (24 counts as 0) */
	uint32_t		 skip_days;	/* <skipDays>: bit 0 Sunday ... 6 */
	/* the document */
	const char		*version;	/* "rss20", "atom10", ...; "" */
	const char		*encoding;	/* what the bytes were read as */
	int			 bozo;		/* repaired or not well-formed */
	const char		*bozo_exception; /* feedparser's name of it */
	const char		*bozo_message;	/* the first problem, or NULL */
	const char		*xml_error;	/* libxml2 found the document
						 * broken: its message, or NULL */
	long			 xml_error_line;
	int			 truncated;	/* entries or fields over a cap */
	size_t			 nentries;	/* entries handed out */
	enum parse_failure	 failure;
	const char		*error;		/* why it was rejected, or NULL */
	const char *const	*alternates;	/* an HTML page: the feeds it
						 * advertises, absolute */
	size_t			 nalternates;
	const struct parse_node	*raw;
};

/* Called once per entry as soon as it is complete; `entry` is borrowed. */
typedef void (*parse_entry_fn)(void *arg, const struct parse_entry *entry);

struct parser;

/*
 * Once per process, before the first parse_new(): installs libxml2's
 * external entity loader, which is process-wide (2.9.14 has no per-context
 * one), as one that loads nothing.
 */
void		 parse_global_init(void);

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
 * see bozo), -1 when it was rejected or is not a feed (failure and error).
 */
int		 parse_finish(struct parser *);

/* The document, complete once parse_finish() returned; borrowed. */
const struct parse_feed *parse_feed(struct parser *);

/* Why the document was rejected, or NULL (as soon as it is known). */
const char	*parse_error(struct parser *);

/* Number of entries emitted, and whether the item cap dropped some. */
size_t		 parse_nentries(struct parser *);
int		 parse_truncated(struct parser *);

void		 parse_free(struct parser *);

#endif
