/*
 * format.c: what an alert looks like on the wire for each webhook format
 * (herald's own JSON, ntfy's JSON publishing, Slack and Mattermost
 * incoming webhooks, a Matrix m.room.message), and the plain text and HTML
 * renderings mail and Matrix share.  Every payload carries the alerts'
 * idempotency keys; what a feed wrote goes through markup.c.  A payload
 * the service would refuse or shorten is cut within its limit
 * (format_cut()), its markup left whole.
 */
#include "config.h"

#include <stdint.h>
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
		{ "teams", FORMAT_TEAMS },
		{ "discord", FORMAT_DISCORD },
		{ "telegram", FORMAT_TELEGRAM },
		{ "gotify", FORMAT_GOTIFY },
		{ "pushover", FORMAT_PUSHOVER },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasecmp(s, t[i].name) == 0) {
			*f = t[i].f;
			return 0;
		}
	return -1;
}

int
story_line(struct sbuf *b, enum markup m, int flags, const char *word,
    const struct herald_alert_story *s)
{
	size_t	 i;

	if (s == NULL || s->id == 0 || s->size < 2)
		return 0;
	sbuf_printf(b, "%s %lld: %lld articles, %zu outlet%s", word,
	    (long long)s->id, (long long)s->size,
	    s->noutlets, s->noutlets == 1 ? "" : "s");
	for (i = 0; i < s->noutlets && i < 5; i++) {
		sbuf_puts(b, i == 0 ? ": " : ", ");
		markup_text(b, m, flags | MARKUP_ONELINE, s->outlets[i]);
	}
	if (s->noutlets > 5)
		sbuf_printf(b, " +%zu", s->noutlets - 5);
	for (i = 0; i < s->nlanguages; i++) {
		sbuf_puts(b, i == 0 ? " (" : ", ");
		markup_text(b, m, flags | MARKUP_ONELINE, s->languages[i]);
	}
	if (s->nlanguages > 0)
		sbuf_puts(b, ")");
	return 1;
}

void
story_tag(struct sbuf *b, const struct herald_alert_story *s)
{
	if (s == NULL || s->id == 0 || s->size < 2)
		return;
	sbuf_printf(b, " \xc2\xb7 story %lld (%lld articles)",
	    (long long)s->id, (long long)s->size);
}

static void
add_terms(struct sbuf *b, enum markup m, int flags,
    const struct herald_alert *a)
{
	size_t	 i;

	for (i = 0; i < a->nterms; i++) {
		if (i > 0)
			sbuf_puts(b, ", ");
		markup_text(b, m, flags, a->terms[i]);
	}
}

/* The keys of the alerts a batch shows (the rest are in the headers). */
static char *
shown_keys(const struct herald_delivery *d, size_t shown)
{
	struct herald_delivery	 d1 = *d;

	if (shown < d1.nalerts)
		d1.nalerts = shown;
	return delivery_keys(&d1, ", ");
}

/* The line that ends a batch shown in part: how many alerts are not. */
static void
more_line(struct sbuf *b, const char *pre, size_t more, const char *post)
{
	sbuf_printf(b, "%s\xe2\x80\xa6 and %zu more alert%s%s", pre, more,
	    more == 1 ? "" : "s", post);
}

/*
 * The plain text rendering (mail's text part, Matrix's body) of the first
 * `shown` alerts, a line for the rest.  flags: MARKUP_CHAT where a chat
 * client reads it for mentions.
 */
static char *
render_text(const struct herald_delivery *d, int flags, size_t shown)
{
	struct sbuf	 b, story;
	char		 t[32];
	size_t		 i;
	int		 one = flags | MARKUP_ONELINE;

	sbuf_init(&b);
	sbuf_init(&story);
	if (d->nalerts > 1)
		sbuf_printf(&b, "%zu alerts\n\n", d->nalerts);
	for (i = 0; i < shown && i < d->nalerts; i++) {
		const struct herald_alert *a = &d->alerts[i];
		char			*title = alert_title(d, i);

		if (i > 0)
			sbuf_puts(&b, "\n");
		sbuf_puts(&b, "[");
		markup_text(&b, MARKUP_PLAIN, one, a->topic);
		sbuf_puts(&b, "] ");
		markup_text(&b, MARKUP_PLAIN, one, title);
		sbuf_puts(&b, "\n");
		free(title);
		if (markup_url_ok(a->link)) {
			markup_url(&b, MARKUP_PLAIN, a->link);
			sbuf_puts(&b, "\n");
		}
		if (a->snippet != NULL && *a->snippet != '\0') {
			sbuf_puts(&b, "\n  ");
			markup_text(&b, MARKUP_PLAIN, one, a->snippet);
			sbuf_puts(&b, "\n\n");
		}
		if (a->nterms > 0) {
			sbuf_puts(&b, "Matched: ");
			add_terms(&b, MARKUP_PLAIN, one, a);
			if (a->field != NULL) {
				sbuf_puts(&b, " in ");
				markup_text(&b, MARKUP_PLAIN, one, a->field);
			}
			sbuf_puts(&b, "\n");
		}
		sbuf_puts(&b, "Feed: ");
		markup_text(&b, MARKUP_PLAIN, one, cnz(a->feed, "?"));
		if (a->published)
			sbuf_printf(&b, ", published %s", iso_time(a->published,
			    t, sizeof(t)));
		sbuf_puts(&b, "\n");
		if (story_line(&story, MARKUP_PLAIN, one, "Story",
		    alert_story(d, i)))
			sbuf_printf(&b, "%s\n", story.s);
		sbuf_free(&story);
		sbuf_init(&story);
		sbuf_printf(&b, "Alert: %s\n", a->key);
	}
	if (i < d->nalerts)
		more_line(&b, "\n", d->nalerts - i, "\n");
	sbuf_free(&story);
	return b.s;
}

char *
format_text(const struct herald_delivery *d)
{
	return render_text(d, 0, d->nalerts);
}

/* The store marks hits in snippets with [ and ]: bold them. */
static void
html_snippet(struct sbuf *b, int flags, const char *s)
{
	const char	*open, *close;

	while (s != NULL && *s != '\0') {
		if ((open = strchr(s, '[')) == NULL ||
		    (close = strchr(open, ']')) == NULL) {
			markup_text(b, MARKUP_HTML, flags, s);
			return;
		}
		{
			char	*pre = strndup(s, (size_t)(open - s));
			char	*hit = strndup(open + 1, (size_t)(close - open - 1));

			if (pre == NULL || hit == NULL)
				abort();
			markup_text(b, MARKUP_HTML, flags, pre);
			sbuf_puts(b, "<b>");
			markup_text(b, MARKUP_HTML, flags, hit);
			sbuf_puts(b, "</b>");
			free(pre);
			free(hit);
		}
		s = close + 1;
	}
}

static char *
render_html(const struct herald_delivery *d, int flags, size_t shown)
{
	struct sbuf	 b;
	char		 t[32], *title;
	size_t		 i;

	sbuf_init(&b);
	if (d->nalerts > 1)
		sbuf_printf(&b, "<p>%zu alerts</p>\n", d->nalerts);
	for (i = 0; i < shown && i < d->nalerts; i++) {
		const struct herald_alert *a = &d->alerts[i];

		sbuf_puts(&b, "<p><b>[");
		markup_text(&b, MARKUP_HTML, flags, a->topic);
		sbuf_puts(&b, "]</b> ");
		title = alert_title(d, i);
		markup_link(&b, MARKUP_HTML, flags, a->link, title);
		free(title);
		sbuf_puts(&b, "</p>\n");
		if (a->snippet != NULL && *a->snippet != '\0') {
			sbuf_puts(&b, "<blockquote>");
			html_snippet(&b, flags, a->snippet);
			sbuf_puts(&b, "</blockquote>\n");
		}
		sbuf_puts(&b, "<p><small>");
		if (a->nterms > 0) {
			sbuf_puts(&b, "Matched: ");
			add_terms(&b, MARKUP_HTML, flags, a);
			sbuf_puts(&b, " &middot; ");
		}
		sbuf_puts(&b, "Feed: ");
		markup_text(&b, MARKUP_HTML, flags, cnz(a->feed, "?"));
		if (a->published)
			sbuf_printf(&b, " &middot; %s", iso_time(a->published, t,
			    sizeof(t)));
		if (alert_story(d, i) != NULL && alert_story(d, i)->size > 1) {
			sbuf_puts(&b, " &middot; ");
			story_line(&b, MARKUP_HTML, flags, "Story",
			    alert_story(d, i));
		}
		sbuf_puts(&b, " &middot; alert ");
		markup_text(&b, MARKUP_HTML, flags, a->key);
		sbuf_puts(&b, "</small></p>\n");
	}
	if (i < d->nalerts)
		more_line(&b, "<p>", d->nalerts - i, "</p>\n");
	return b.s;
}

char *
format_html(const struct herald_delivery *d)
{
	return render_html(d, 0, d->nalerts);
}

/*
 * Slack's mrkdwn or Mattermost's Markdown, one line per alert, the first
 * `shown` of them and a line for the rest.
 */
static char *
chat_text(const struct herald_delivery *d, enum markup m, size_t shown)
{
	struct sbuf	 b;
	size_t		 i;
	int		 slack = m == MARKUP_SLACK;
	int		 fl = MARKUP_CHAT | MARKUP_ONELINE;

	sbuf_init(&b);
	if (d->nalerts > 1)
		sbuf_printf(&b, slack ? "*herald: %zu alerts*\n" :
		    "**herald: %zu alerts**\n", d->nalerts);
	for (i = 0; i < shown && i < d->nalerts; i++) {
		const struct herald_alert *a = &d->alerts[i];
		char			*title = alert_title(d, i);

		if (d->nalerts > 1)
			sbuf_puts(&b, "\xe2\x80\xa2 ");	/* bullet */
		sbuf_puts(&b, slack ? "*[" : "**[");
		markup_text(&b, m, fl, a->topic);
		sbuf_puts(&b, slack ? "]* " : "]** ");
		markup_link(&b, m, fl, a->link, title);
		if (d->nalerts > 1)
			story_tag(&b, alert_story(d, i));
		sbuf_puts(&b, "\n");
		free(title);
		if (d->nalerts == 1 && a->snippet != NULL && *a->snippet) {
			sbuf_puts(&b, "> ");
			markup_text(&b, m, fl, a->snippet);
			sbuf_puts(&b, "\n");
		}
		if (d->nalerts == 1) {
			sbuf_puts(&b, "_");
			markup_text(&b, m, fl, cnz(a->feed, "?"));
			if (alert_story(d, i) != NULL &&
			    alert_story(d, i)->size > 1) {
				sbuf_puts(&b, " \xc2\xb7 ");
				story_line(&b, m, fl, "story",
				    alert_story(d, i));
			}
			sbuf_printf(&b, " \xc2\xb7 alert %s_", a->key);
		}
	}
	if (i < d->nalerts)
		more_line(&b, "", d->nalerts - i, "\n");
	if (d->nalerts > 1) {
		char	*keys = shown_keys(d, shown);

		sbuf_printf(&b, "_alerts %s_", keys);
		free(keys);
	}
	return b.s;
}

char *
format_chat_text(const struct herald_delivery *d, enum markup m)
{
	return chat_text(d, m, d->nalerts);
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

/*
 * What one delivery may take where format_digest() would split: a
 * message the service shortens or refuses when longer.  The room is in
 * format_length()'s unit; the body is bytes of compact JSON.
 */
#define SLACK_TEXT	40000	/* characters of text; Slack cuts the rest */
#define MATRIX_BODY	61440	/* bytes of the content; an event 65536 */
#define NTFY_BODY	8192	/* bytes: ntfy reads twice the message limit */
#define CUT_TRIES	8	/* rounds of cutting after the escaping grew */

/*
 * o's dump with text (and alt, when not NULL) set as its fields key and
 * alt_key, cut only when the service would not take them whole: text to
 * format_limit() (SLACK_TEXT for Slack), and, for Matrix and ntfy,
 * shorter again until the JSON, escaping included, fits the event or
 * the request.  Matrix's two bodies share the room by their lengths, so
 * that both stop near the same place, the plain one cut as plain text;
 * ntfy's title, once anything is cut, gets a quarter of the message's
 * room.  Takes o, text and alt; *cut says whether anything was cut.
 */
static char *
body_cut(enum webhook_format f, json_t *o, const char *key, char *text,
    const char *alt_key, char *alt, int *cut)
{
	size_t	 room = f == FORMAT_SLACK ? SLACK_TEXT : format_limit(f);
	size_t	 max = f == FORMAT_MATRIX ? MATRIX_BODY : f == FORMAT_NTFY ?
		    NTFY_BODY : SIZE_MAX;
	size_t	 tl = strlen(text), al = alt != NULL ? strlen(alt) : 0;
	size_t	 n, over, base, tries;
	char	*t, *a, *s = NULL;
	int	 cutting = f == FORMAT_MATRIX && tl + al > room;

	for (tries = 0; tries <= CUT_TRIES; tries++) {
		t = text;
		a = alt;
		if (f == FORMAT_MATRIX && cutting) {
			size_t	 tr = (size_t)((double)room * tl / (tl + al));

			t = format_cut(f, text, tr);
			a = format_cut(FORMAT_NTFY, alt, room - tr);
		} else if (f != FORMAT_MATRIX) {
			if (format_length(f, text) > room) {
				t = format_cut(f, text, room);
				cutting = 1;
			}
			if (alt != NULL && cutting &&
			    format_length(f, alt) > room / 4)
				a = format_cut(f, alt, room / 4);
		}
		json_object_set_new(o, key, json_string(t));
		if (alt != NULL)
			json_object_set_new(o, alt_key, json_string(a));
		if (t != text)
			free(t);
		if (a != alt)
			free(a);
		free(s);
		if ((s = json_dumps(o, JSON_COMPACT)) == NULL)
			abort();
		if ((n = strlen(s)) <= max)
			break;
		if (cutting) {
			/* each byte cut takes one or more off the JSON */
			over = n - max + 64;
			base = f == FORMAT_MATRIX ? tl + al : tl;
			base = base < room ? base : room;
			room = base > over ? base - over : 0;
		}
		cutting = 1;
	}
	json_decref(o);
	free(text);
	free(alt);
	*cut = cutting;
	return s;
}

/* ntfy shows plain text (no "markdown": true): a one-line title. */
static char *
ntfy_body(const struct herald_delivery *d, const char *topic, size_t shown,
    int *cut)
{
	const struct herald_alert	*a = &d->alerts[0];
	json_t				*o = json_object(), *tags = json_array();
	struct sbuf			 msg, title;
	size_t				 i;
	char				*t;
	int				 brk = 0;

	sbuf_init(&msg);
	sbuf_init(&title);
	if (d->nalerts == 1) {
		t = alert_title(d, 0);
		markup_text(&title, MARKUP_PLAIN, MARKUP_ONELINE, a->topic);
		sbuf_puts(&title, ": ");
		markup_text(&title, MARKUP_PLAIN, MARKUP_ONELINE, t);
		free(t);
		markup_text(&msg, MARKUP_PLAIN, 0,
		    cnz(a->snippet, cnz(a->summary, "")));
		sbuf_puts(&msg, "\n");
		markup_text(&msg, MARKUP_PLAIN, MARKUP_ONELINE, cnz(a->feed, "?"));
		sbuf_printf(&msg, " \xc2\xb7 alert %s", a->key);
		if (alert_story(d, 0) != NULL && alert_story(d, 0)->size > 1) {
			sbuf_puts(&msg, "\n");
			story_line(&msg, MARKUP_PLAIN, 0, "Story",
			    alert_story(d, 0));
		}
		if (markup_url_ok(a->link)) {
			struct sbuf	 u;

			sbuf_init(&u);
			markup_url(&u, MARKUP_PLAIN, a->link);
			json_object_set_new(o, "click", json_string(u.s));
			sbuf_free(&u);
		}
	} else {
		char	*keys = shown_keys(d, shown);

		sbuf_printf(&title, "herald: %zu alerts", d->nalerts);
		for (i = 0; i < shown && i < d->nalerts; i++) {
			sbuf_puts(&msg, "[");
			markup_text(&msg, MARKUP_PLAIN, MARKUP_ONELINE,
			    d->alerts[i].topic);
			sbuf_puts(&msg, "] ");
			t = alert_title(d, i);
			markup_text(&msg, MARKUP_PLAIN, MARKUP_ONELINE, t);
			free(t);
			story_tag(&msg, alert_story(d, i));
			sbuf_puts(&msg, "\n");
		}
		if (i < d->nalerts)
			more_line(&msg, "", d->nalerts - i, "\n");
		sbuf_printf(&msg, "alerts %s", keys);
		free(keys);
	}
	json_array_append_new(tags, json_string("herald"));
	for (i = 0; i < d->nalerts; i++)
		brk |= alert_breaking(d, i);
	if (brk)
		json_array_append_new(tags, json_string("breaking"));
	for (i = 0; i < d->nalerts && i < 5; i++)
		json_array_append_new(tags, json_string(d->alerts[i].topic));
	json_object_set_new(o, "topic", json_string(cnz(topic, "herald")));
	json_object_set_new(o, "title", json_null());
	json_object_set_new(o, "message", json_null());
	json_object_set_new(o, "tags", tags);
	return body_cut(FORMAT_NTFY, o, "message", msg.s, "title", title.s,
	    cut);
}

/* format_body() of the first `shown` alerts; *cut as body_cut()'s. */
static char *
body_shown(enum webhook_format f, const struct herald_delivery *d,
    const char *ntfy_topic, size_t shown, int *cut)
{
	json_t	*o;
	char	*s, *h;

	*cut = 0;
	switch (f) {
	case FORMAT_NTFY:
		return ntfy_body(d, ntfy_topic, shown, cut);
	case FORMAT_SLACK:
	case FORMAT_MATTERMOST:
		s = chat_text(d, f == FORMAT_SLACK ? MARKUP_SLACK :
		    MARKUP_MARKDOWN, shown);
		o = json_object();
		json_object_set_new(o, "text", json_null());
		json_object_set_new(o, "herald_alert_ids", ids_json(d));
		return body_cut(f, o, "text", s, NULL, NULL, cut);
	case FORMAT_MATRIX:
		/* Matrix clients notify on "@room" in the body */
		s = render_text(d, MARKUP_CHAT, shown);
		h = render_html(d, MARKUP_CHAT, shown);
		o = json_object();
		json_object_set_new(o, "msgtype", json_string("m.text"));
		json_object_set_new(o, "body", json_null());
		json_object_set_new(o, "format",
		    json_string("org.matrix.custom.html"));
		json_object_set_new(o, "formatted_body", json_null());
		/* intentional mentions (Matrix 1.7): this message names none */
		json_object_set_new(o, "m.mentions", json_object());
		json_object_set_new(o, "org.herald.alert_ids", ids_json(d));
		return body_cut(f, o, "formatted_body", h, "body", s, cut);
	case FORMAT_JSON:
	default:
		return delivery_json(d);
	}
}

/*
 * A batch too long for the service shows as many whole alerts as fit and
 * a line for the rest (format_reach_body()'s way), not a text cut in the
 * middle of an alert with no word of those after it.  Each try renders
 * the batch again: a few times log2 of its alerts.  When not even the
 * first fits whole, the batch goes cut as it is (its first alert cut,
 * as a single alert is, and no line for the rest).
 */
char *
format_body(enum webhook_format f, const struct herald_delivery *d,
    const char *ntfy_topic)
{
	char	*s, *t;
	size_t	 lo, hi, mid;
	int	 cut;

	s = body_shown(f, d, ntfy_topic, d->nalerts, &cut);
	if (!cut || d->nalerts < 2)
		return s;
	lo = 1;
	hi = d->nalerts - 1;
	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		t = body_shown(f, d, ntfy_topic, mid, &cut);
		if (cut) {
			free(t);
			hi = mid - 1;
		} else {
			free(s);
			s = t;
			lo = mid + 1;
		}
	}
	return s;
}
