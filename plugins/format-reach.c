/*
 * format-reach.c: alerts for the services people read on their phones:
 * Microsoft Teams (an adaptive card posted to a Workflows incoming
 * webhook), Discord, Telegram (the Bot API's sendMessage with HTML),
 * Gotify (Markdown) and Pushover (its HTML subset).  What a feed wrote
 * goes through markup.c; a batch too long for the service ends in a line
 * that says how many alerts were left out (their keys are all there), and
 * an alert too long alone is cut.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

/*
 * Telegram and Pushover read a few HTML tags (<b>, <i>, <a href>) and
 * line breaks as they are: no <p>, no <br>.
 */
static void
html_alert(struct sbuf *b, const struct herald_delivery *d, size_t i,
    int one)
{
	const struct herald_alert	*a = &d->alerts[i];
	char				*title = alert_title(d, i);
	int				 fl = MARKUP_CHAT | MARKUP_ONELINE;

	sbuf_puts(b, "<b>[");
	markup_text(b, MARKUP_HTML, fl, a->topic);
	sbuf_puts(b, "]</b> ");
	markup_link(b, MARKUP_HTML, fl, a->link, title);
	free(title);
	if (!one)
		story_tag(b, alert_story(d, i));
	sbuf_puts(b, "\n");
	if (one && a->snippet != NULL && *a->snippet != '\0') {
		sbuf_puts(b, "<i>");
		markup_text(b, MARKUP_HTML, fl, a->snippet);
		sbuf_puts(b, "</i>\n");
	}
	if (one) {
		markup_text(b, MARKUP_HTML, fl, cnz(a->feed, "?"));
		if (alert_story(d, i) != NULL && alert_story(d, i)->size > 1) {
			sbuf_puts(b, " \xc2\xb7 ");
			story_line(b, MARKUP_HTML, fl, "story",
			    alert_story(d, i));
		}
		sbuf_puts(b, " \xc2\xb7 alert ");
		markup_text(b, MARKUP_HTML, fl, a->key);
	}
}

/*
 * The alerts one after the other, stopping before `limit` (in the
 * format's unit) with a line for the rest; the first alert, if it alone
 * is too long, cut (format_cut()) rather than left out.
 */
static char *
alerts_text(enum webhook_format f, const struct herald_delivery *d,
    size_t limit)
{
	struct sbuf	 b, one;
	size_t		 i, room;
	int		 html = f == FORMAT_TELEGRAM || f == FORMAT_PUSHOVER;

	if (!html) {
		char	*s = format_chat_text(d, MARKUP_MARKDOWN);

		if (format_length(f, s) <= limit)
			return s;
		free(s);
	}
	sbuf_init(&b);
	if (d->nalerts > 1)
		sbuf_printf(&b, html ? "<b>herald: %zu alerts</b>\n" :
		    "**herald: %zu alerts**\n", d->nalerts);
	room = limit > 64 ? limit - 64 : limit;
	for (i = 0; i < d->nalerts; i++) {
		sbuf_init(&one);
		if (html)
			html_alert(&one, d, i, d->nalerts == 1);
		else {
			struct herald_delivery	 d1 = *d;
			char			*t;

			d1.alerts = &d->alerts[i];
			d1.nalerts = 1;
			if (d->stories != NULL)
				d1.stories = &d->stories[i];
			t = format_chat_text(&d1, MARKUP_MARKDOWN);
			sbuf_puts(&one, t);
			sbuf_puts(&one, "\n");
			free(t);
		}
		if (format_length(f, b.s) + format_length(f, one.s) > room &&
		    i == 0) {
			/* one alert alone too long: it goes, cut */
			char	*c = format_cut(f, one.s, room -
				    format_length(f, b.s));

			sbuf_puts(&b, c);
			sbuf_puts(&b, "\n");
			free(c);
			sbuf_free(&one);
			if (d->nalerts > 1)
				sbuf_printf(&b, "\xe2\x80\xa6 and %zu more "
				    "alert%s", d->nalerts - 1, d->nalerts - 1 ==
				    1 ? "" : "s");
			break;
		}
		if (format_length(f, b.s) + format_length(f, one.s) > room) {
			sbuf_free(&one);
			sbuf_printf(&b, "\xe2\x80\xa6 and %zu more alert%s",
			    d->nalerts - i, d->nalerts - i == 1 ? "" : "s");
			break;
		}
		sbuf_puts(&b, one.s);
		sbuf_free(&one);
	}
	return b.s;
}

/*
 * The services are strict about what a body holds: the alerts' keys go in
 * the webhook plugin's headers (Idempotency-Key, X-Herald-Alert-Ids).
 */
/* An adaptive card for Teams, one TextBlock of Markdown. */
json_t *
format_teams_card(json_t *blocks)
{
	json_t	*msg = json_object(), *att = json_object(), *card;

	card = json_object();
	json_object_set_new(card, "$schema",
	    json_string("http://adaptivecards.io/schemas/adaptive-card.json"));
	json_object_set_new(card, "type", json_string("AdaptiveCard"));
	json_object_set_new(card, "version", json_string("1.4"));
	json_object_set_new(card, "body", blocks);
	json_object_set_new(att, "contentType",
	    json_string("application/vnd.microsoft.card.adaptive"));
	json_object_set_new(att, "contentUrl", json_null());
	json_object_set_new(att, "content", card);
	json_object_set_new(msg, "type", json_string("message"));
	json_object_set_new(msg, "attachments", json_array());
	json_array_append_new(json_object_get(msg, "attachments"), att);
	return msg;
}

json_t *
format_teams_text(const char *text)
{
	json_t	*tb = json_object();

	json_object_set_new(tb, "type", json_string("TextBlock"));
	json_object_set_new(tb, "text", json_string(text));
	json_object_set_new(tb, "wrap", json_true());
	return tb;
}

char *
format_reach_body(enum webhook_format f, const struct herald_delivery *d,
    const struct format_target *tgt)
{
	json_t	*o, *blocks;
	char	*text, *title;

	text = alerts_text(f, d, format_limit(f));
	switch (f) {
	case FORMAT_TEAMS:
		blocks = json_array();
		json_array_append_new(blocks, format_teams_text(text));
		o = format_teams_card(blocks);
		break;
	case FORMAT_DISCORD:
		o = json_object();
		json_object_set_new(o, "content", json_string(text));
		/* never ping anyone, whatever a title says */
		json_object_set_new(o, "allowed_mentions",
		    json_pack("{s:[]}", "parse"));
		break;
	case FORMAT_TELEGRAM:
		o = json_object();
		json_object_set_new(o, "chat_id", json_string(cnz(tgt->chat,
		    "")));
		json_object_set_new(o, "text", json_string(text));
		json_object_set_new(o, "parse_mode", json_string("HTML"));
		json_object_set_new(o, "disable_web_page_preview",
		    json_boolean(d->nalerts > 1));
		break;
	case FORMAT_GOTIFY:
	case FORMAT_PUSHOVER:
	default:
		o = json_object();
		title = d->nalerts == 1 ? casprintf("herald: %s",
		    d->alerts[0].topic) : casprintf("herald: %zu alerts",
		    d->nalerts);
		json_object_set_new(o, "title", json_string(title));
		json_object_set_new(o, "message", json_string(text));
		json_object_set_new(o, "priority", json_integer(tgt->priority));
		if (f == FORMAT_GOTIFY)
			json_object_set_new(o, "extras", json_pack(
			    "{s:{s:s}}", "client::display", "contentType",
			    "text/markdown"));
		else {
			json_object_set_new(o, "token", json_string(cnz(
			    tgt->token, "")));
			json_object_set_new(o, "user", json_string(cnz(tgt->user,
			    "")));
			json_object_set_new(o, "html", json_integer(1));
			if (d->nalerts == 1 && markup_url_ok(d->alerts[0].link)) {
				struct sbuf	 u;

				sbuf_init(&u);
				markup_url(&u, MARKUP_PLAIN, d->alerts[0].link);
				if (strlen(u.s) <= 512)
					json_object_set_new(o, "url",
					    json_string(u.s));
				sbuf_free(&u);
			}
		}
		free(title);
		break;
	}
	free(text);
	return cdump(o);
}
