/*
 * markup.c: feed text and links put safely into each markup a message
 * goes out in (plain text, HTML, Markdown, Slack's mrkdwn).  A title or a
 * link comes from whoever writes the feed: it must never become markup of
 * its own (an image, a second link, a mention that pings a whole channel).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "common.h"

#define ZWSP	"\xe2\x80\x8b"		/* U+200B ZERO WIDTH SPACE */

int
markup_url_ok(const char *u)
{
	return u != NULL && (strncasecmp(u, "http://", 7) == 0 ||
	    strncasecmp(u, "https://", 8) == 0);
}

/*
 * The length of a bidi control at s (U+061C, U+200E-200F, U+202A-202E,
 * U+2066-2069), or 0.  They can turn a link's text round on the screen.
 */
size_t
markup_bidi_len(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;

	if (u[0] == 0xd8 && u[1] == 0x9c)
		return 2;
	if (u[0] != 0xe2)
		return 0;
	if (u[1] == 0x80 && (u[2] == 0x8e || u[2] == 0x8f ||
	    (u[2] >= 0xaa && u[2] <= 0xae)))
		return 3;
	if (u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9)
		return 3;
	return 0;
}

/* @channel, @here, @all, @room, @everyone, @someone: a mention if chat. */
static int
is_mention(const char *s)
{
	unsigned char	 c = (unsigned char)s[1];

	return s[0] == '@' && (c == '_' || c >= 0x80 ||
	    (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z'));
}

void
markup_text(struct sbuf *b, enum markup m, int flags, const char *s)
{
	size_t	 n;

	for (; s != NULL && *s != '\0'; s++) {
		unsigned char	 c = (unsigned char)*s;

		if ((n = markup_bidi_len(s)) > 0) {
			s += n - 1;
			continue;
		}
		/* C1 controls (U+0080-009F) go */
		if (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f) {
			s++;
			continue;
		}
		/* a line break could start a quote, a list or a heading */
		if (c < 0x20 || c == 0x7f) {
			if (c == '\n' && !(flags & MARKUP_ONELINE))
				sbuf_add(b, s, 1);
			else
				sbuf_add(b, " ", 1);
			continue;
		}
		if ((flags & MARKUP_CHAT) && is_mention(s)) {
			sbuf_puts(b, "@" ZWSP);
			continue;
		}
		switch (m) {
		case MARKUP_HTML:
		case MARKUP_SLACK:
			/*
			 * mrkdwn knows only &amp; &lt; &gt;; with < gone no
			 * <!channel>, <@U…> or <url|text> can be written, and
			 * '|' would end a link's text early.
			 */
			if (c == '&')
				sbuf_puts(b, "&amp;");
			else if (c == '<')
				sbuf_puts(b, "&lt;");
			else if (c == '>')
				sbuf_puts(b, "&gt;");
			else if (m == MARKUP_HTML && c == '"')
				sbuf_puts(b, "&quot;");
			else if (m == MARKUP_HTML && c == '\'')
				sbuf_puts(b, "&#39;");
			else if (m == MARKUP_SLACK && c == '|' &&
			    (flags & MARKUP_LINKTEXT))
				sbuf_puts(b, "\xe2\x88\xa3");	/* U+2223 */
			else
				sbuf_add(b, s, 1);
			break;
		case MARKUP_MARKDOWN:
			/*
			 * CommonMark lets any ASCII punctuation be escaped;
			 * these are the ones that make links, images, emphasis,
			 * code, HTML, tables, ~channel links and block starts.
			 */
			if (strchr("\\`*_{}[]()<>#+-!|~", c) != NULL)
				sbuf_add(b, "\\", 1);
			sbuf_add(b, s, 1);
			break;
		case MARKUP_PLAIN:
		default:
			sbuf_add(b, s, 1);
		}
	}
}

/*
 * A link target as one token in any markup: bytes that could end it
 * (space, quotes, parentheses, angle brackets, '|') or that are not
 * printable ASCII are percent-encoded, as a browser would send them; past
 * the host, so are the brackets and '!' a Markdown image starts with.
 */
void
markup_url(struct sbuf *b, enum markup m, const char *u)
{
	struct sbuf	 e;
	const char	*path = NULL;

	if (u != NULL && (path = strstr(u, "://")) != NULL)
		path += 3 + strcspn(path + 3, "/?#");
	sbuf_init(&e);
	for (; u != NULL && *u != '\0'; u++) {
		unsigned char	 c = (unsigned char)*u;

		if (c <= 0x20 || c >= 0x7f || strchr("\"'()<>\\^`{|}", c) ||
		    (path != NULL && u >= path && strchr("[]!", c)))
			sbuf_printf(&e, "%%%02X", c);
		else
			sbuf_add(&e, u, 1);
	}
	/* what is left of &: HTML and mrkdwn need it as an entity */
	if (m == MARKUP_HTML || m == MARKUP_SLACK)
		markup_text(b, m, 0, e.s);
	else
		sbuf_puts(b, e.s);
	sbuf_free(&e);
}

void
markup_link(struct sbuf *b, enum markup m, int flags, const char *url,
    const char *text)
{
	if (!markup_url_ok(url)) {
		markup_text(b, m, flags, text);
		return;
	}
	switch (m) {
	case MARKUP_HTML:
		sbuf_puts(b, "<a href=\"");
		markup_url(b, m, url);
		sbuf_puts(b, "\">");
		markup_text(b, m, flags, text);
		sbuf_puts(b, "</a>");
		break;
	case MARKUP_SLACK:
		sbuf_puts(b, "<");
		markup_url(b, m, url);
		sbuf_puts(b, "|");
		markup_text(b, m, flags | MARKUP_LINKTEXT | MARKUP_ONELINE,
		    text);
		sbuf_puts(b, ">");
		break;
	case MARKUP_MARKDOWN:
		sbuf_puts(b, "[");
		markup_text(b, m, flags | MARKUP_LINKTEXT | MARKUP_ONELINE,
		    text);
		sbuf_puts(b, "](");
		markup_url(b, m, url);
		sbuf_puts(b, ")");
		break;
	case MARKUP_PLAIN:
	default:
		markup_text(b, m, flags, text);
		sbuf_puts(b, " ");
		markup_url(b, m, url);
	}
}
