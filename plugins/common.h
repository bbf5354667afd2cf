/*
 * common.h: what herald's own plugins share, compiled into each of them
 * (a plugin links nothing of herald's): a string buffer, option values,
 * the alert as JSON, and how a child's exit maps to an outcome.  The
 * formats of the webhook plugin (format.c), its signature (hmac.c) and the
 * mail message (mime.c) are declared here too, for the unit tests.
 */
#ifndef HERALD_PLUGINS_COMMON_H
#define HERALD_PLUGINS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "herald/plugin.h"

/* common.c */

void	*cmalloc(size_t);
void	*ccalloc(size_t, size_t);
char	*cstrdup(const char *);
char	*casprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/* A growable string; always NUL-terminated once initialised. */
struct sbuf {
	char	*s;
	size_t	 len;
	size_t	 size;
};

void	 sbuf_init(struct sbuf *);
void	 sbuf_add(struct sbuf *, const char *, size_t);
void	 sbuf_puts(struct sbuf *, const char *);
void	 sbuf_printf(struct sbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 sbuf_free(struct sbuf *);

/*
 * Option values; each reports a bad value with host->error() and returns
 * -1.  Durations: seconds, or number-unit pairs with s m h ("90", "1m30s").
 */
int	 opt_duration(struct herald_ctx *, const struct herald_host *,
	    const struct herald_option *, double min, double max, double *out);
int	 opt_bool(struct herald_ctx *, const struct herald_host *,
	    const struct herald_option *, int *out);
/* Reports every option whose key is not in `known` (NULL-terminated). */
int	 opt_check_known(struct herald_ctx *, const struct herald_host *,
	    const struct herald_option *, size_t, const char *const *known);

/*
 * The length of s's longest prefix of at most max bytes that does not end
 * inside a UTF-8 character: where to cut a long value.
 */
size_t	 utf8_prefix(const char *s, size_t max);
/* s, or dflt when s is NULL or empty. */
const char *cnz(const char *s, const char *dflt);
/* A JSON value as compact text (heap), the value freed. */
char	*cdump(json_t *);

/* "2026-11-28T16:30:00Z"; buf of at least 21 bytes; "" for 0. */
const char *iso_time(int64_t, char *buf, size_t len);

/*
 * The host's delivery as this plugin may read it (ABI 1.2): its members,
 * with stories NULL when the daemon's minor is older than 1.2 (its struct
 * ends before them).  on_alert() adopts the delivery first.
 */
/* host->abi_minor where host->size covers it (ABI 1.1), else 0. */
unsigned host_abi_minor(const struct herald_host *);
void	 delivery_adopt(const struct herald_host *,
	    const struct herald_delivery *, struct herald_delivery *out);
/* Alert i's story, or NULL when the delivery has none for it. */
const struct herald_alert_story *alert_story(const struct herald_delivery *,
	    size_t i);
/* Whether alert i is a breaking alert. */
int	 alert_breaking(const struct herald_delivery *, size_t i);
/*
 * Alert i's title as every format shows it (heap): "BREAKING: " before a
 * breaking alert's, "(no title)" for none.
 */
char	*alert_title(const struct herald_delivery *, size_t i);

/*
 * Alert i as a JSON object (the idempotency key is "id"), with its
 * "breaking" and "story" ({"id", "size", "outlets", "languages"}, or null);
 * `top`: the delivery's "plugin" and "attempt" too.
 */
json_t	*alert_json(const struct herald_delivery *, size_t i, int top);
/*
 * The delivery: one alert's object, or {"plugin", "attempt", "count",
 * "ids", "alerts": [...]} for a batch.  Compact JSON, heap (free()).
 */
char	*delivery_json(const struct herald_delivery *);
/* The alerts' keys joined by `sep` (heap). */
char	*delivery_keys(const struct herald_delivery *, const char *sep);

/*
 * A child's end as an outcome: exit 0 is success; exit 64-78 but 75
 * (sysexits(3)'s permanent errors), 126 and 127 (cannot run) are
 * failures; anything else, a signal or the timeout, a retry.  *msg (heap)
 * says what happened with the output's last line.
 */
enum herald_outcome child_outcome(const struct herald_child_result *,
	    const char *what, char **msg);

/*
 * markup.c: feed text and links put into a markup so that they stay text
 * and one link: every format (and every new one) writes what a feed said
 * through these.  Control characters and bidi controls go in every markup.
 */

enum markup {
	MARKUP_PLAIN,		/* as it is */
	MARKUP_HTML,		/* & < > " ' as entities */
	MARKUP_MARKDOWN,	/* CommonMark: punctuation backslash-escaped */
	MARKUP_SLACK,		/* Slack mrkdwn: & < > as entities */
};

#define MARKUP_CHAT	0x1	/* break @mentions (@channel, @here, @all…) */
#define MARKUP_ONELINE	0x2	/* line breaks become spaces */
#define MARKUP_LINKTEXT	0x4	/* inside a link's text (set by markup_link) */

/* http:// or https://: the only links a message carries. */
int	 markup_url_ok(const char *);
/* The byte length of a bidi control at s (U+202E and its kind), or 0. */
size_t	 markup_bidi_len(const char *);
void	 markup_text(struct sbuf *, enum markup, int flags, const char *);
/* A URL percent-encoded so that nothing in it can end the link. */
void	 markup_url(struct sbuf *, enum markup, const char *);
/* text linked to url, or the text alone when url is not http(s). */
void	 markup_link(struct sbuf *, enum markup, int flags, const char *url,
	    const char *text);

/*
 * format.c: a story of more than one article in words, after `word`
 * ("Story" or "story") and its id: "Story 42: 4 articles, 4 outlets:
 * euractiv, politico, council, faz (de, en)" (the first five outlets,
 * then "+N"); nothing for an article alone (the mail's X-Herald-Story
 * header and the JSON carry its id).  Returns whether it wrote anything.
 */
int	 story_line(struct sbuf *, enum markup, int flags, const char *word,
	    const struct herald_alert_story *);
/*
 * format.c: the short form, for an alert among others in a batch: " ·
 * story 42 (4 articles)", nothing for an article alone.
 */
void	 story_tag(struct sbuf *, const struct herald_alert_story *);

/* format.c: webhook bodies.  Each returns a heap string (free()). */

enum webhook_format {
	FORMAT_JSON,
	FORMAT_NTFY,
	FORMAT_SLACK,
	FORMAT_MATTERMOST,
	FORMAT_MATRIX,
	FORMAT_TEAMS,		/* Teams Workflows incoming webhook */
	FORMAT_DISCORD,
	FORMAT_TELEGRAM,	/* Bot API sendMessage */
	FORMAT_GOTIFY,
	FORMAT_PUSHOVER,
};

/* What a service needs besides its URL. */
struct format_target {
	const char	*ntfy_topic;	/* ntfy: the URL's last path segment */
	const char	*chat;		/* Telegram: chat_id */
	const char	*user;		/* Pushover: the user or group key */
	const char	*token;		/* Pushover: the application token */
	int		 priority;	/* Gotify 0-10, Pushover -2-2 */
	unsigned	 abi_minor;	/* the host's (host_abi_minor()) */
};

int	 format_parse(const char *, enum webhook_format *);
/*
 * ntfy_topic: the topic for FORMAT_NTFY (the URL's last path segment).
 * Text too long for the service is cut (format_cut()) to its limit.
 */
char	*format_body(enum webhook_format, const struct herald_delivery *,
	    const char *ntfy_topic);
/* Slack's mrkdwn or Markdown for chat, one line per alert of a batch. */
char	*format_chat_text(const struct herald_delivery *, enum markup);

/*
 * format-reach.c: alerts for Microsoft Teams (an adaptive card for a
 * Workflows incoming webhook), Discord, Telegram (HTML), Gotify
 * (Markdown) and Pushover (HTML), each cut to the service's size limit.
 */
char	*format_reach_body(enum webhook_format, const struct herald_delivery *,
	    const struct format_target *);
/* A Teams message holding one adaptive card of these blocks, and a block. */
json_t	*format_teams_card(json_t *blocks);
json_t	*format_teams_text(const char *markdown);

/*
 * format-digest.c: a digest as the bodies to send, in order, each within
 * the service's size limit (format_limit(), in its own unit), split
 * between stories and marked "(2/3)"; herald's JSON is one body.
 * NULL-terminated heap vector of heap strings; *n gets the count.
 */
char	**format_digest(enum webhook_format, const struct herald_digest *,
	    const struct format_target *, size_t *n);
size_t	 format_limit(enum webhook_format);
/* The length a service counts: UTF-16 units, or bytes for byte limits. */
size_t	 format_length(enum webhook_format, const char *);
/*
 * s in the format's markup cut to `room` (format_length's unit), "…"
 * after (heap; s itself when it fits): on a UTF-8 boundary, never inside
 * an HTML tag or entity ("&amp;") nor a Markdown escape, and the elements
 * left open closed after the "…", so that Telegram and Pushover take it;
 * in Markdown and mrkdwn a link whose text is cut keeps its whole
 * "](url)" or ">" after the "…", or goes if that does not fit, and
 * Markdown's "**", "_" and "[" are closed.
 */
char	*format_cut(enum webhook_format, const char *s, size_t room);
/* Plain text and HTML renderings (mail, Matrix). */
char	*format_text(const struct herald_delivery *);
char	*format_html(const struct herald_delivery *);

/* hmac.c */

/* HMAC-SHA256 of data under key as 64 lower-case hex digits and a NUL. */
int	 hmac_sha256_hex(const char *key, size_t keylen, const char *data,
	    size_t len, char out[65]);

/* mime.c: an RFC 5322 message with text/plain and text/html parts. */

struct mime_msg {
	const char	*from;
	const char	*to;		/* "a@b, c@d" */
	const char	*subject;	/* UTF-8 */
	const char	*text;		/* UTF-8 */
	const char	*html;		/* UTF-8 */
	const char	*message_id;	/* without <> */
	const char	*boundary;	/* NULL: made from message_id */
	int64_t		 date;
	const char	*const *extra;	/* "Name: value" headers, ASCII */
};

char	*mime_message(const struct mime_msg *);
/* RFC 2047 encoded-words for a header value that is not plain ASCII. */
char	*mime_header_encode(const char *name, const char *value);
/* Quoted-printable (RFC 2045), lines at most 76, LF line ends. */
char	*mime_qp(const char *);
/* The mail plugin's message for a delivery: subject "PREFIX topic: title". */
char	*mail_build(const struct herald_delivery *, const char *from,
	    const char *to, const char *prefix, const char *hostname,
	    int64_t now);
/*
 * The message for a digest: its subject (after PREFIX when not NULL),
 * its text and HTML, a Message-ID made from its key.
 */
char	*mail_digest_build(const struct herald_digest *, const char *from,
	    const char *to, const char *prefix, const char *hostname,
	    int64_t now);
/*
 * The addresses of "a@b, Name <c@d>" for SMTP's envelope: a
 * NULL-terminated heap vector of heap strings; *n gets the count.
 * mail_rcpts_first() gives the first one alone (heap; "" if none).
 */
char	**mail_rcpts(const char *list, size_t *n);
char	*mail_rcpts_first(const char *list);

#endif
