/*
 * format.c: what an alert looks like on the wire for each webhook format
 * (herald's own JSON, ntfy's JSON publishing, Slack and Mattermost
 * incoming webhooks, a Matrix m.room.message), and the plain text and HTML
 * renderings mail and Matrix share.  Every payload carries the alerts'
 * idempotency keys.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"

int
format_parse(const char *s, enum webhook_format *f)
{
	static const struct {
		const char		*name;
		enum webhook_format	 f;
	} t[] = {
		{ "json", FORMAT_JSON },
		{ "ntfy", FORMAT_NTFY },
		{ "slack", FORMAT_SLACK },
		{ "mattermost", FORMAT_MATTERMOST },
		{ "matrix", FORMAT_MATRIX },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasecmp(s, t[i].name) == 0) {
			*f = t[i].f;
			return 0;
		}
	return -1;
}

static const char *
nz(const char *s, const char *dflt)
{
	return s != NULL && *s != '\0' ? s : dflt;
}

static void
add_terms(struct sbuf *b, const struct herald_alert *a)
{
	size_t	 i;

	for (i = 0; i < a->nterms; i++)
		sbuf_printf(b, "%s%s", i ? ", " : "", a->terms[i]);
}

char *
format_text(const struct herald_delivery *d)
{
	struct sbuf	 b;
	char		 t[32];
	size_t		 i;

	sbuf_init(&b);
	if (d->nalerts > 1)
		sbuf_printf(&b, "%zu alerts\n\n", d->nalerts);
	for (i = 0; i < d->nalerts; i++) {
		const struct herald_alert *a = &d->alerts[i];

		if (i > 0)
			sbuf_puts(&b, "\n");
		sbuf_printf(&b, "[%s] %s\n", a->topic, nz(a->title,
		    "(no title)"));
		if (a->link != NULL)
			sbuf_printf(&b, "%s\n", a->link);
		if (a->snippet != NULL && *a->snippet != '\0')
			sbuf_printf(&b, "\n  %s\n\n", a->snippet);
		if (a->nterms > 0) {
			sbuf_puts(&b, "Matched: ");
			add_terms(&b, a);
			sbuf_printf(&b, "%s%s\n", a->field ? " in " : "",
			    a->field ? a->field : "");
		}
		sbuf_printf(&b, "Feed: %s", nz(a->feed, "?"));
		if (a->published)
			sbuf_printf(&b, ", published %s", iso_time(a->published,
			    t, sizeof(t)));
		sbuf_printf(&b, "\nAlert: %s\n", a->key);
	}
	return b.s;
}

static void
html_esc(struct sbuf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			sbuf_puts(b, "&amp;");
			break;
		case '<':
			sbuf_puts(b, "&lt;");
			break;
		case '>':
			sbuf_puts(b, "&gt;");
			break;
		case '"':
			sbuf_puts(b, "&quot;");
			break;
		default:
			sbuf_add(b, s, 1);
		}
	}
}

/* The store marks hits in snippets with [ and ]: bold them. */
static void
html_snippet(struct sbuf *b, const char *s)
{
	const char	*open, *close;

	while (s != NULL && *s != '\0') {
		if ((open = strchr(s, '[')) == NULL ||
		    (close = strchr(open, ']')) == NULL) {
			html_esc(b, s);
			return;
		}
		{
			char	*pre = strndup(s, (size_t)(open - s));
			char	*hit = strndup(open + 1, (size_t)(close - open - 1));

			if (pre == NULL || hit == NULL)
				abort();
			html_esc(b, pre);
			sbuf_puts(b, "<b>");
			html_esc(b, hit);
			sbuf_puts(b, "</b>");
			free(pre);
			free(hit);
		}
		s = close + 1;
	}
}

static int
safe_url(const char *u)
{
	return u != NULL && (strncasecmp(u, "http://", 7) == 0 ||
	    strncasecmp(u, "https://", 8) == 0);
}

char *
format_html(const struct herald_delivery *d)
{
	struct sbuf	 b;
	char		 t[32];
	size_t		 i;

	sbuf_init(&b);
	if (d->nalerts > 1)
		sbuf_printf(&b, "<p>%zu alerts</p>\n", d->nalerts);
	for (i = 0; i < d->nalerts; i++) {
		const struct herald_alert *a = &d->alerts[i];

		sbuf_puts(&b, "<p><b>[");
		html_esc(&b, a->topic);
		sbuf_puts(&b, "]</b> ");
		if (safe_url(a->link)) {
			sbuf_puts(&b, "<a href=\"");
			html_esc(&b, a->link);
			sbuf_puts(&b, "\">");
			html_esc(&b, nz(a->title, "(no title)"));
			sbuf_puts(&b, "</a>");
		} else
			html_esc(&b, nz(a->title, "(no title)"));
		sbuf_puts(&b, "</p>\n");
		if (a->snippet != NULL && *a->snippet != '\0') {
			sbuf_puts(&b, "<blockquote>");
			html_snippet(&b, a->snippet);
			sbuf_puts(&b, "</blockquote>\n");
		}
		sbuf_puts(&b, "<p><small>");
		if (a->nterms > 0) {
			struct sbuf	 tb;

			sbuf_init(&tb);
			add_terms(&tb, a);
			sbuf_puts(&b, "Matched: ");
			html_esc(&b, tb.s);
			sbuf_puts(&b, " &middot; ");
			sbuf_free(&tb);
		}
		sbuf_puts(&b, "Feed: ");
		html_esc(&b, nz(a->feed, "?"));
		if (a->published)
			sbuf_printf(&b, " &middot; %s", iso_time(a->published, t,
			    sizeof(t)));
		sbuf_puts(&b, " &middot; alert ");
		html_esc(&b, a->key);
		sbuf_puts(&b, "</small></p>\n");
	}
	return b.s;
}

/* Slack's mrkdwn escapes only &, < and >; '|' would end a link's text. */
static void
slack_esc(struct sbuf *b, const char *s, int in_link)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '&')
			sbuf_puts(b, "&amp;");
		else if (*s == '<')
			sbuf_puts(b, "&lt;");
		else if (*s == '>')
			sbuf_puts(b, "&gt;");
		else if (in_link && *s == '|')
			sbuf_puts(b, "/");
		else
			sbuf_add(b, s, 1);
	}
}

/* Markdown link text: brackets would end it early. */
static void
md_esc(struct sbuf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (strchr("[]*_`\\<>", *s) != NULL)
			sbuf_add(b, "\\", 1);
		sbuf_add(b, s, 1);
	}
}

static char *
chat_text(const struct herald_delivery *d, int slack)
{
	struct sbuf	 b;
	size_t		 i;

	sbuf_init(&b);
	if (d->nalerts > 1)
		sbuf_printf(&b, slack ? "*herald: %zu alerts*\n" :
		    "**herald: %zu alerts**\n", d->nalerts);
	for (i = 0; i < d->nalerts; i++) {
		const struct herald_alert *a = &d->alerts[i];
		const char		  *title = nz(a->title, "(no title)");

		if (d->nalerts > 1)
			sbuf_puts(&b, "\xe2\x80\xa2 ");	/* bullet */
		sbuf_puts(&b, slack ? "*[" : "**[");
		if (slack)
			slack_esc(&b, a->topic, 0);
		else
			md_esc(&b, a->topic);
		sbuf_puts(&b, slack ? "]* " : "]** ");
		if (safe_url(a->link) && slack) {
			sbuf_puts(&b, "<");
			slack_esc(&b, a->link, 1);
			sbuf_puts(&b, "|");
			slack_esc(&b, title, 1);
			sbuf_puts(&b, ">");
		} else if (safe_url(a->link)) {
			sbuf_puts(&b, "[");
			md_esc(&b, title);
			sbuf_printf(&b, "](%s)", a->link);
		} else if (slack)
			slack_esc(&b, title, 0);
		else
			md_esc(&b, title);
		sbuf_puts(&b, "\n");
		if (d->nalerts == 1 && a->snippet != NULL && *a->snippet) {
			sbuf_puts(&b, "> ");
			if (slack)
				slack_esc(&b, a->snippet, 0);
			else
				md_esc(&b, a->snippet);
			sbuf_puts(&b, "\n");
		}
		if (d->nalerts == 1) {
			sbuf_puts(&b, "_");
			if (slack)
				slack_esc(&b, nz(a->feed, "?"), 0);
			else
				md_esc(&b, nz(a->feed, "?"));
			sbuf_printf(&b, " \xc2\xb7 alert %s_", a->key);
		}
	}
	if (d->nalerts > 1) {
		char	*keys = delivery_keys(d, ", ");

		sbuf_printf(&b, "_alerts %s_", keys);
		free(keys);
	}
	return b.s;
}

static char *
dump(json_t *o)
{
	char	*s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (s == NULL)
		abort();
	return s;
}

static json_t *
ids_json(const struct herald_delivery *d)
{
	json_t	*ids = json_array();
	size_t	 i;

	for (i = 0; i < d->nalerts; i++)
		json_array_append_new(ids, json_string(d->alerts[i].key));
	return ids;
}

static char *
ntfy_body(const struct herald_delivery *d, const char *topic)
{
	const struct herald_alert	*a = &d->alerts[0];
	json_t				*o = json_object(), *tags = json_array();
	struct sbuf			 msg;
	char				*title;
	size_t				 i;

	sbuf_init(&msg);
	if (d->nalerts == 1) {
		title = casprintf("%s: %s", a->topic, nz(a->title,
		    "(no title)"));
		sbuf_puts(&msg, nz(a->snippet, nz(a->summary, "")));
		sbuf_printf(&msg, "\n%s \xc2\xb7 alert %s", nz(a->feed, "?"),
		    a->key);
		if (safe_url(a->link))
			json_object_set_new(o, "click", json_string(a->link));
	} else {
		char	*keys = delivery_keys(d, ", ");

		title = casprintf("herald: %zu alerts", d->nalerts);
		for (i = 0; i < d->nalerts; i++)
			sbuf_printf(&msg, "[%s] %s\n", d->alerts[i].topic,
			    nz(d->alerts[i].title, "(no title)"));
		sbuf_printf(&msg, "alerts %s", keys);
		free(keys);
	}
	json_array_append_new(tags, json_string("herald"));
	for (i = 0; i < d->nalerts && i < 5; i++)
		json_array_append_new(tags, json_string(d->alerts[i].topic));
	json_object_set_new(o, "topic", json_string(nz(topic, "herald")));
	json_object_set_new(o, "title", json_string(title));
	json_object_set_new(o, "message", json_string(msg.s));
	json_object_set_new(o, "tags", tags);
	free(title);
	sbuf_free(&msg);
	return dump(o);
}

char *
format_body(enum webhook_format f, const struct herald_delivery *d,
    const char *ntfy_topic)
{
	json_t	*o;
	char	*s, *h;

	switch (f) {
	case FORMAT_NTFY:
		return ntfy_body(d, ntfy_topic);
	case FORMAT_SLACK:
	case FORMAT_MATTERMOST:
		s = chat_text(d, f == FORMAT_SLACK);
		o = json_object();
		json_object_set_new(o, "text", json_string(s));
		json_object_set_new(o, "herald_alert_ids", ids_json(d));
		free(s);
		return dump(o);
	case FORMAT_MATRIX:
		s = format_text(d);
		h = format_html(d);
		o = json_object();
		json_object_set_new(o, "msgtype", json_string("m.text"));
		json_object_set_new(o, "body", json_string(s));
		json_object_set_new(o, "format",
		    json_string("org.matrix.custom.html"));
		json_object_set_new(o, "formatted_body", json_string(h));
		json_object_set_new(o, "org.herald.alert_ids", ids_json(d));
		free(s);
		free(h);
		return dump(o);
	case FORMAT_JSON:
	default:
		return delivery_json(d);
	}
}
