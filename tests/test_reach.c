/*
 * test_reach.c: the formats of issue 10 on the wire, without a daemon:
 * alerts for Teams, Discord, Telegram, Gotify and Pushover, and every
 * service's single alert too long cut within its limit; a digest for
 * every webhook format, split at each service's size limit (every message
 * within it, every story in exactly one message, a topic carried on under
 * its heading again, "(k/n)" marks) with what a feed wrote escaped; the
 * digest mail (its headers, the Message-ID from the key) and the SMTP
 * envelope's addresses.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common.h"

#define NSTORIES	60

static const struct herald_alert hostile = {
	.key = "41", .id = 41, .topic = "russia",
	.snippet = "sanctions @everyone <b>bold</b>",
	.title = "*Bold* [x](javascript:y) <script> @here \xe2\x80\xae" "evil",
	.link = "https://e.test/a?b=1&c=<2>", .feed = "feed-a",
	.published = 1795876200, .matched = 1795880000,
};

static json_t *
parse(const char *s)
{
	json_error_t	 e;
	json_t		*j = json_loads(s, 0, &e);

	if (j == NULL)
		fail_msg("not JSON: %s: %s", e.text, s);
	return j;
}

static const struct format_target target = {
	"herald", "-100123", "u123", "a456", 1
};

static void
test_reach_alerts(void **state)
{
	struct herald_delivery	 d = { &hostile, 1, 1, "hook", NULL };
	json_t			*j;
	const char		*t;
	char			*s;

	(void)state;
	s = format_reach_body(FORMAT_DISCORD, &d, &target);
	j = parse(s);
	t = json_string_value(json_object_get(j, "content"));
	assert_non_null(t);
	assert_non_null(strstr(t, "\\*Bold\\*"));
	assert_null(strstr(t, "@here"));	/* broken by a zero-width space */
	assert_null(strstr(t, "\xe2\x80\xae"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(j,
	    "allowed_mentions"), "parse")), 0);
	json_decref(j);
	free(s);

	s = format_reach_body(FORMAT_TELEGRAM, &d, &target);
	j = parse(s);
	t = json_string_value(json_object_get(j, "text"));
	assert_string_equal(json_string_value(json_object_get(j, "parse_mode")),
	    "HTML");
	assert_string_equal(json_string_value(json_object_get(j, "chat_id")),
	    "-100123");
	assert_non_null(strstr(t, "&lt;script&gt;"));
	assert_non_null(strstr(t, "<a href=\"https://e.test/a?b=1&amp;c=%3C2%3E\">"));
	assert_non_null(strstr(t, "<i>sanctions @"));
	json_decref(j);
	free(s);

	s = format_reach_body(FORMAT_TEAMS, &d, &target);
	j = parse(s);
	assert_string_equal(json_string_value(json_object_get(j, "type")),
	    "message");
	t = json_string_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(j, "attachments"), 0), "content"), "type"));
	assert_string_equal(t, "AdaptiveCard");
	json_decref(j);
	free(s);

	s = format_reach_body(FORMAT_GOTIFY, &d, &target);
	j = parse(s);
	assert_int_equal(json_integer_value(json_object_get(j, "priority")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(j, "extras"), "client::display"), "contentType")),
	    "text/markdown");
	json_decref(j);
	free(s);

	s = format_reach_body(FORMAT_PUSHOVER, &d, &target);
	j = parse(s);
	assert_string_equal(json_string_value(json_object_get(j, "user")),
	    "u123");
	assert_string_equal(json_string_value(json_object_get(j, "token")),
	    "a456");
	assert_int_equal(json_integer_value(json_object_get(j, "html")), 1);
	assert_true(format_length(FORMAT_PUSHOVER, json_string_value(
	    json_object_get(j, "message"))) <= 1024);
	json_decref(j);
	free(s);
}

/* A batch longer than Pushover takes ends in a line for the rest. */
static void
test_reach_batch_cut(void **state)
{
	struct herald_alert	 v[40];
	struct herald_delivery	 d = { v, 40, 1, "hook", NULL };
	json_t			*j;
	const char		*t;
	char			*s;
	size_t			 i;

	(void)state;
	for (i = 0; i < 40; i++) {
		v[i] = hostile;
		v[i].title = "A fairly long title about sanctions and the Council";
	}
	s = format_reach_body(FORMAT_PUSHOVER, &d, &target);
	j = parse(s);
	t = json_string_value(json_object_get(j, "message"));
	assert_true(format_length(FORMAT_PUSHOVER, t) <= 1024);
	assert_non_null(strstr(t, "more alerts"));
	json_decref(j);
	free(s);
}

/* The digest of three topics, 60 stories, each title with its number. */
struct fixture {
	struct herald_digest		 d;
	struct herald_digest_topic	 topics[3];
	const struct herald_digest_topic *tp[3];
	struct herald_digest_story	 stories[NSTORIES];
	const struct herald_digest_story *sp[NSTORIES];
	char				*titles[NSTORIES];
	unsigned			 trend[14];
	struct herald_digest_feed	 failing;
	const struct herald_digest_feed	*fp[1];
};

static struct fixture *
fixture(void)
{
	struct fixture	*f = calloc(1, sizeof(*f));
	size_t		 i;

	assert_non_null(f);
	for (i = 0; i < NSTORIES; i++) {
		f->titles[i] = casprintf("Story %03zu: *sanctions* <b> @everyone "
		    "& the Council's [package] \xe2\x80\xae" "fdp", i);
		f->stories[i].id = (int64_t)i + 1;
		f->stories[i].title = f->titles[i];
		f->stories[i].link = "https://news.test/a?id=1&x=(2)";
		f->stories[i].summary = "EU ambassadors agreed on the package "
		    "against the Kremlin, with more words to make it longer "
		    "than a line, @channel, and <i>markup</i>.";
		f->stories[i].sources = "Euractiv, Politico, Council (en, fr) +3";
		f->stories[i].breaking = i == 0;
		f->sp[i] = &f->stories[i];
	}
	for (i = 0; i < 3; i++) {
		f->topics[i].name = i == 0 ? "russia" : i == 1 ? "china" :
		    "energy";
		f->topics[i].trend = f->trend;
		f->topics[i].ntrend = 14;
		f->topics[i].sparkline = "\xe2\x96\x81\xe2\x96\x88";
		f->topics[i].trend_text = "spike: 9 in the last day, usually 1";
		f->topics[i].stories = f->sp + i * (NSTORIES / 3);
		f->topics[i].nstories = NSTORIES / 3;
		f->topics[i].total = NSTORIES / 3 + 4;
		f->tp[i] = &f->topics[i];
	}
	f->failing.feed = "ep";
	f->failing.outlet = "Parliament";
	f->failing.error = "HTTP 503";
	f->failing.failures = 3;
	f->fp[0] = &f->failing;
	f->d.key = "morning/2026-11-27T06:30:00Z/2026-11-28T06:30:00Z";
	f->d.name = "morning";
	f->d.since = 1795761000;
	f->d.until = 1795847400;
	f->d.subject = "herald morning digest \xc2\xb7 Sat 28 Nov \xc2\xb7 60 "
	    "stories: russia, china, energy";
	f->d.period = "Fri 27 Nov 07:30 \xe2\x80\x93 Sat 28 Nov 07:30 CET";
	f->d.text = "text";
	f->d.markdown = "markdown";
	f->d.html = "<html></html>";
	f->d.json = "{\"key\":\"morning/2026-11-27T06:30:00Z/"
	    "2026-11-28T06:30:00Z\"}";
	f->d.topics = f->tp;
	f->d.ntopics = 3;
	f->d.failing = f->fp;
	f->d.nfailing = 1;
	f->d.nstories = NSTORIES;
	f->d.attempt = 1;
	f->d.plugin = "hook";
	return f;
}

static void
fixture_free(struct fixture *f)
{
	size_t	 i;

	for (i = 0; i < NSTORIES; i++)
		free(f->titles[i]);
	free(f);
}

/* The text a part carries, whatever the service's envelope. */
static const char *
part_text(enum webhook_format fm, json_t *j)
{
	switch (fm) {
	case FORMAT_SLACK:
	case FORMAT_MATTERMOST:
		return json_string_value(json_object_get(j, "text"));
	case FORMAT_DISCORD:
		return json_string_value(json_object_get(j, "content"));
	case FORMAT_TELEGRAM:
		return json_string_value(json_object_get(j, "text"));
	case FORMAT_MATRIX:
		return json_string_value(json_object_get(j, "formatted_body"));
	case FORMAT_TEAMS:
		return json_string_value(json_object_get(json_array_get(
		    json_object_get(json_object_get(json_array_get(
		    json_object_get(j, "attachments"), 0), "content"), "body"),
		    0), "text"));
	default:
		return json_string_value(json_object_get(j, "message"));
	}
}

/* Whether the '&' at p starts a whole entity ("&amp;", "&#39;"). */
static int
entity_whole(const char *p)
{
	const char	*e;

	for (e = p + 1; isalnum((unsigned char)*e) || *e == '#'; e++)
		;
	return e > p + 1 && *e == ';';
}

/*
 * Telegram's and Pushover's HTML as they parse it: every '&' starts a
 * whole entity, every '<' a whole tag, each <b>, <i> and <a> closed.
 */
static int
html_whole(const char *t)
{
	const char	*p, *e;
	int		 b = 0, i = 0, a = 0;

	for (p = t; *p != '\0'; p++) {
		if (*p == '&') {
			if (!entity_whole(p))
				return 0;
		} else if (*p == '<') {
			if ((e = strchr(p, '>')) == NULL ||
			    memchr(p + 1, '<', (size_t)(e - p - 1)) != NULL)
				return 0;
			b += strncmp(p, "<b>", 3) == 0;
			b -= strncmp(p, "</b>", 4) == 0;
			i += strncmp(p, "<i>", 3) == 0;
			i -= strncmp(p, "</i>", 4) == 0;
			a += strncmp(p, "<a ", 3) == 0;
			a -= strncmp(p, "</a>", 4) == 0;
			if (b < 0 || i < 0 || a < 0)
				return 0;
		}
	}
	return b == 0 && i == 0 && a == 0;
}

/*
 * Markdown as a renderer reads ours (a feed's punctuation is escaped):
 * every unescaped '[' closed by a ']' and, when "](" follows, by a ')' on
 * its line; "**" and '_' in pairs.
 */
static int
md_whole(const char *t)
{
	const char	*p, *q, *r;
	int		 strong = 0, em = 0;

	for (p = t; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '[') {
			for (q = p + 1; *q != '\0' && *q != ']' && *q != '['; q++)
				if (*q == '\\' && q[1] != '\0')
					q++;
			if (*q != ']')
				return 0;
			p = q;
			if (q[1] == '(') {
				if ((r = strchr(q, ')')) == NULL ||
				    memchr(q, '\n', (size_t)(r - q)) != NULL)
					return 0;
				p = r;
			}
		} else if (*p == '*' && p[1] == '*') {
			strong = !strong;
			p++;
		} else if (*p == '_')
			em = !em;
	}
	return !strong && !em;
}

/* mrkdwn: every '<' a whole <url|text> on its line, every '&' an entity. */
static int
slack_whole(const char *t)
{
	const char	*p, *e;

	for (p = t; *p != '\0'; p++) {
		if (*p == '<' && ((e = strchr(p, '>')) == NULL ||
		    memchr(p, '\n', (size_t)(e - p)) != NULL))
			return 0;
		if (*p == '&' && !entity_whole(p))
			return 0;
	}
	return 1;
}

/*
 * Matrix's HTML as a client parses it: every '&' a whole entity, every
 * '<' a whole tag on one line, each element closed in order.
 */
static int
html_nested(const char *t)
{
	const char	*p, *e;
	char		 open[16][16];
	size_t		 n = 0, k;

	for (p = t; *p != '\0'; p++) {
		if (*p == '&') {
			if (!entity_whole(p))
				return 0;
		} else if (*p == '<') {
			if ((e = strchr(p, '>')) == NULL ||
			    memchr(p, '\n', (size_t)(e - p)) != NULL)
				return 0;
			k = strcspn(p + 1 + (p[1] == '/'), " />");
			if (k == 0 || k >= sizeof(open[0]))
				return 0;
			if (p[1] == '/') {
				if (n == 0 || strlen(open[n - 1]) != k ||
				    strncmp(open[n - 1], p + 2, k) != 0)
					return 0;
				n--;
			} else if (e[-1] != '/') {
				if (n == 16)
					return 0;
				memcpy(open[n], p + 1, k);
				open[n++][k] = '\0';
			}
			p = e;
		}
	}
	return n == 0;
}

/*
 * Body s of format f, text t its part, within what the service takes:
 * Matrix's event 60 KiB with its HTML nested, Slack's 40,000 characters
 * and Mattermost's 16,383 with their markup whole, ntfy's 4,096-byte
 * message in a request of 8,192.
 */
static void
body_fits(enum webhook_format f, const char *s, const char *t)
{
	switch (f) {
	case FORMAT_MATRIX:
		if (strlen(s) > 60 * 1024 || !html_nested(t))
			fail_msg("Matrix: %zu bytes or HTML cut: %.300s",
			    strlen(s), t);
		break;
	case FORMAT_SLACK:
		if (format_length(FORMAT_SLACK, t) > 40000 || !slack_whole(t))
			fail_msg("Slack: %zu characters or mrkdwn cut",
			    format_length(FORMAT_SLACK, t));
		break;
	case FORMAT_MATTERMOST:
		if (format_length(FORMAT_MATTERMOST, t) > 16383 || !md_whole(t))
			fail_msg("Mattermost: %zu characters or Markdown cut",
			    format_length(FORMAT_MATTERMOST, t));
		break;
	default:
		if (strlen(t) > 4096 || strlen(s) > 8192)
			fail_msg("ntfy: message %zu bytes, body %zu",
			    strlen(t), strlen(s));
		break;
	}
}

/*
 * The formats of format_body() with one alert of a 200 KB title and
 * summary: within what the service takes (Slack's 40,000 characters of
 * text, Mattermost's 16,383, a Matrix event's 64 KiB with room for the
 * server's envelope, ntfy's 4,096 bytes of message in a request of
 * 8,192), cut with the markup whole; Matrix's plain body cut as plain text.
 */
static void
body_long_alert(const struct herald_delivery *d)
{
	static const enum webhook_format fmts[] = { FORMAT_MATRIX,
	    FORMAT_SLACK, FORMAT_MATTERMOST, FORMAT_NTFY };
	const char		*t, *plain;
	json_t			*j;
	char			*s;
	size_t			 fi;

	for (fi = 0; fi < sizeof(fmts) / sizeof(fmts[0]); fi++) {
		s = format_body(fmts[fi], d, "herald");
		j = parse(s);
		t = part_text(fmts[fi], j);
		if (t == NULL)
			fail_msg("format %d: no text", fmts[fi]);
		if (strstr(t, "Sanctions") == NULL ||
		    strstr(t, "\xe2\x80\xa6") == NULL)
			fail_msg("format %d: not cut: %.200s", fmts[fi], t);
		body_fits(fmts[fi], s, t);
		switch (fmts[fi]) {
		case FORMAT_MATRIX:
			plain = json_string_value(json_object_get(j, "body"));
			assert_non_null(plain);
			assert_non_null(strstr(plain, "[russia] Sanctions"));
			assert_non_null(strstr(plain, "\xe2\x80\xa6"));
			/* plain text cut as such, no tag closed after it */
			assert_null(strstr(plain, "</"));
			assert_null(strstr(plain, "&amp;"));
			/* each body kept its share */
			assert_true(strlen(plain) > 10000 && strlen(t) > 10000);
			break;
		case FORMAT_SLACK:
			if (strstr(t, "<https://e.test/a?b=1&amp;c=%3C2%3E|") ==
			    NULL)
				fail_msg("Slack: the link lost: %s", t);
			break;
		case FORMAT_MATTERMOST:
			if (strstr(t, "](https://e.test/a?b=1&c=%3C2%3E)") == NULL)
				fail_msg("Mattermost: the link lost: %s", t);
			break;
		default:
			t = json_string_value(json_object_get(j, "title"));
			assert_non_null(t);
			assert_non_null(strstr(t, "russia: Sanctions"));
			assert_true(strlen(t) <= 1024);
			break;
		}
		json_decref(j);
		free(s);
	}
}

/*
 * One alert longer than the service takes goes cut, not left out: within
 * the limit, its title's start there, the markup whole; in every format.
 */
static void
test_reach_long_alert(void **state)
{
	static const enum webhook_format fmts[] = { FORMAT_PUSHOVER,
	    FORMAT_TELEGRAM, FORMAT_DISCORD, FORMAT_GOTIFY, FORMAT_TEAMS };
	struct herald_alert	 a = hostile;
	struct herald_delivery	 d = { &a, 1, 1, "hook", NULL };
	struct sbuf		 title;
	const char		*t;
	json_t			*j;
	char			*s;
	size_t			 i, fi;

	(void)state;
	sbuf_init(&title);
	sbuf_puts(&title, "Sanctions: ");
	for (i = 0; i < 3000; i++)
		sbuf_puts(&title, "caf\xc3\xa9 & <co> ");
	a.title = title.s;
	a.snippet = title.s;
	for (fi = 0; fi < sizeof(fmts) / sizeof(fmts[0]); fi++) {
		s = format_reach_body(fmts[fi], &d, &target);
		j = parse(s);
		t = part_text(fmts[fi], j);
		if (t == NULL)
			fail_msg("format %d: no text", fmts[fi]);
		if (format_length(fmts[fi], t) > format_limit(fmts[fi]))
			fail_msg("format %d: %zu > %zu", fmts[fi],
			    format_length(fmts[fi], t), format_limit(fmts[fi]));
		if (strstr(t, "Sanctions") == NULL || strstr(t, "more alert") !=
		    NULL)
			fail_msg("format %d: the alert left out: %s", fmts[fi],
			    t);
		assert_non_null(strstr(t, "\xe2\x80\xa6"));
		if ((fmts[fi] == FORMAT_PUSHOVER || fmts[fi] == FORMAT_TELEGRAM) &&
		    !html_whole(t))
			fail_msg("format %d: markup cut: %s", fmts[fi], t);
		if ((fmts[fi] == FORMAT_DISCORD || fmts[fi] == FORMAT_GOTIFY ||
		    fmts[fi] == FORMAT_TEAMS) && (!md_whole(t) ||
		    strstr(t, "](https://e.test/a?b=1&c=%3C2%3E)") == NULL))
			fail_msg("format %d: Markdown cut: %s", fmts[fi], t);
		json_decref(j);
		free(s);
	}
	/* format_body()'s formats, the title 200 KB, JSON's escapes in it */
	while (strlen(title.s) < 200 * 1024)
		for (i = 0; i < 1000; i++)
			sbuf_puts(&title, "caf\xc3\xa9 & <co> \"q\" \\ ");
	a.title = title.s;
	a.snippet = title.s;
	a.summary = title.s;
	body_long_alert(&d);
	sbuf_free(&title);
}

/*
 * How many of the batch's titles ("Batch NNNN: ...") text shows, checking
 * that they come in order from the first and none is cut; the number the
 * "... and N more alerts" line gives, 0 without one.
 */
static size_t
batch_shown(const char *t, size_t n, size_t *more)
{
	char		 want[32];
	const char	*p, *m;
	size_t		 i;

	*more = 0;
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "Batch %04zu: sanctions", i);
		if ((p = strstr(t, want)) == NULL)
			break;
		if (strstr(p, "package against the Kremlin") == NULL)
			fail_msg("title %zu cut: %s", i, p);
	}
	if ((m = strstr(t, "\xe2\x80\xa6 and ")) != NULL)
		*more = strtoul(m + strlen("\xe2\x80\xa6 and "), NULL, 10);
	return i;
}

/*
 * A batch too long for Matrix, Slack, Mattermost or ntfy shows its first
 * alerts whole and a line for the rest, the two adding up to the batch,
 * within the service's limit; a batch that fits has no such line.
 */
static void
test_body_batch_cut(void **state)
{
	static const enum webhook_format fmts[] = { FORMAT_MATRIX,
	    FORMAT_SLACK, FORMAT_MATTERMOST, FORMAT_NTFY };
	enum { N = 1500 };
	struct herald_alert	*v = calloc(N, sizeof(*v));
	struct herald_delivery	 d = { v, N, 1, "hook", NULL };
	char			*titles = calloc(N, 64), *keys = calloc(N, 16);
	const char		*t;
	json_t			*j;
	char			*s;
	size_t			 i, fi, shown, more;

	(void)state;
	assert_non_null(v);
	assert_non_null(titles);
	assert_non_null(keys);
	for (i = 0; i < N; i++) {
		v[i] = hostile;
		snprintf(titles + i * 64, 64, "Batch %04zu: sanctions "
		    "package against the Kremlin", i);
		snprintf(keys + i * 16, 16, "k%zu", i);
		v[i].title = titles + i * 64;
		v[i].key = keys + i * 16;
	}
	for (fi = 0; fi < sizeof(fmts) / sizeof(fmts[0]); fi++) {
		s = format_body(fmts[fi], &d, "herald");
		j = parse(s);
		t = part_text(fmts[fi], j);
		assert_non_null(t);
		shown = batch_shown(t, N, &more);
		if (shown == 0 || shown == N || shown + more != N)
			fail_msg("format %d: %zu shown and %zu more of %d: %.300s",
			    fmts[fi], shown, more, N, t);
		body_fits(fmts[fi], s, t);
		if (fmts[fi] == FORMAT_MATRIX) {
			t = json_string_value(json_object_get(j, "body"));
			assert_non_null(t);
			if (batch_shown(t, N, &more) != shown || more != N - shown)
				fail_msg("Matrix: the plain body differs");
		}
		/* every alert's id still in the payload's ids */
		if (fmts[fi] != FORMAT_NTFY)
			assert_int_equal(json_array_size(json_object_get(j,
			    fmts[fi] == FORMAT_MATRIX ? "org.herald.alert_ids" :
			    "herald_alert_ids")), N);
		json_decref(j);
		free(s);
		/* the first ten fit: all shown, no line */
		d.nalerts = 10;
		s = format_body(fmts[fi], &d, "herald");
		j = parse(s);
		if (batch_shown(part_text(fmts[fi], j), N, &more) != 10 ||
		    more != 0)
			fail_msg("format %d: ten alerts not all shown", fmts[fi]);
		json_decref(j);
		free(s);
		d.nalerts = N;
	}
	free(v);
	free(titles);
	free(keys);
}

/*
 * An alert in Markdown (mrkdwn) cut at every length: never a dangling
 * '[' nor half a link (Markdown's "](url)", mrkdwn's "|text>"), "**" and
 * '_' closed; a cut in the link's text keeps the link, closed after the
 * "…", and one in its URL goes before the '['.
 */
static void
test_cut_markdown_link(void **state)
{
	static const enum webhook_format fmts[] = { FORMAT_DISCORD,
	    FORMAT_GOTIFY, FORMAT_TEAMS, FORMAT_MATTERMOST, FORMAT_SLACK };
	static const char md_url[] = "https://e.test/a?b=1&c=%3C2%3E";
	static const char slack_url[] = "https://e.test/a?b=1&amp;c=%3C2%3E";
	struct herald_alert	 a = hostile;
	struct herald_delivery	 d = { &a, 1, 1, "hook", NULL };
	struct sbuf		 want;
	const char		*at, *close;
	char			*s, *t;
	size_t			 fi, room, all, ell, pre;
	int			 slack, linked;

	(void)state;
	a.title = "Sanctions: caf\xc3\xa9 & <co> [x](javascript:y) **not bold**";
	for (fi = 0; fi < sizeof(fmts) / sizeof(fmts[0]); fi++) {
		slack = fmts[fi] == FORMAT_SLACK;
		s = format_chat_text(&d, slack ? MARKUP_SLACK : MARKUP_MARKDOWN);
		all = format_length(fmts[fi], s);
		ell = format_length(fmts[fi], "\xe2\x80\xa6");
		if (!slack ? !md_whole(s) : !slack_whole(s))
			fail_msg("format %d: not whole before a cut: %s",
			    fmts[fi], s);
		for (room = 3, linked = 0; room < all; room++) {
			t = format_cut(fmts[fi], s, room);
			if (format_length(fmts[fi], t) > room)
				fail_msg("format %d, room %zu: %zu: %s",
				    fmts[fi], room, format_length(fmts[fi], t),
				    t);
			if (!slack ? !md_whole(t) : !slack_whole(t))
				fail_msg("format %d, room %zu: cut inside: %s",
				    fmts[fi], room, t);
			/* the link is all there or not at all */
			if ((at = strstr(t, slack ? "<https" : "](")) != NULL) {
				if (slack ? strncmp(at + 1, slack_url,
				    strlen(slack_url)) != 0 : strncmp(at + 2,
				    md_url, strlen(md_url)) != 0)
					fail_msg("format %d, room %zu: half "
					    "a link: %s", fmts[fi], room, t);
				linked = 1;
			} else if (linked)
				fail_msg("format %d, room %zu: the link gone: "
				    "%s", fmts[fi], room, t);
			free(t);
		}
		/* cut four characters into the link's text */
		at = strstr(s, slack ? "|Sanc" : "[Sanc") + 5;
		close = slack ? ">" : strstr(s, "](");
		pre = all - format_length(fmts[fi], at);
		room = pre + ell + (slack ? 1 : (size_t)(strchr(close, ')') -
		    close) + 1);
		sbuf_init(&want);
		sbuf_add(&want, s, (size_t)(at - s));
		sbuf_puts(&want, "\xe2\x80\xa6");
		if (slack)
			sbuf_puts(&want, ">");
		else
			sbuf_add(&want, close, (size_t)(strchr(close, ')') -
			    close) + 1);
		t = format_cut(fmts[fi], s, room);
		assert_string_equal(t, want.s);
		free(t);
		/*
		 * no room for one character of the text and the URL (nor a
		 * "[…](url)"): the link goes
		 */
		t = format_cut(fmts[fi], s, room - 4);
		assert_null(strstr(t, "Sanc"));
		assert_non_null(strstr(t, slack ? "* \xe2\x80\xa6" :
		    "** \xe2\x80\xa6"));
		free(t);
		sbuf_free(&want);
		free(s);
	}
}

static void
test_digest_parts(void **state)
{
	static const enum webhook_format fmts[] = { FORMAT_SLACK,
	    FORMAT_MATTERMOST, FORMAT_DISCORD, FORMAT_TELEGRAM, FORMAT_MATRIX,
	    FORMAT_TEAMS, FORMAT_GOTIFY, FORMAT_PUSHOVER, FORMAT_NTFY };
	struct fixture	*f = fixture();
	char		**parts, mark[32], num[16];
	size_t		 n, i, k, seen, fi;
	json_t		*j;
	const char	*t;

	(void)state;
	for (fi = 0; fi < sizeof(fmts) / sizeof(fmts[0]); fi++) {
		enum webhook_format	 fm = fmts[fi];
		size_t			 limit = format_limit(fm);
		int			*count = calloc(NSTORIES, sizeof(int));

		parts = format_digest(fm, &f->d, &target, &n);
		if (fm == FORMAT_PUSHOVER || fm == FORMAT_DISCORD ||
		    fm == FORMAT_SLACK || fm == FORMAT_TELEGRAM ||
		    fm == FORMAT_NTFY)
			assert_true(n > 1);
		for (i = 0; i < n; i++) {
			j = parse(parts[i]);
			t = part_text(fm, j);
			if (t == NULL)
				fail_msg("format %d part %zu: no text", fm, i);
			/* Teams doubles the line ends it counted once */
			if (format_length(fm, t) > limit && fm != FORMAT_TEAMS)
				fail_msg("format %d part %zu: %zu > %zu", fm, i,
				    format_length(fm, t), limit);
			if (fm == FORMAT_TEAMS)
				assert_true(strlen(parts[i]) <= 28 * 1024);
			snprintf(mark, sizeof(mark), "(%zu/%zu)", i + 1, n);
			if (n > 1 && strstr(t, mark) == NULL)
				fail_msg("format %d part %zu: no %s", fm, i, mark);
			for (k = 0; k < NSTORIES; k++) {
				snprintf(num, sizeof(num), "Story %03zu", k);
				if (strstr(t, num) != NULL)
					count[k]++;
			}
			/* what a feed wrote stays text */
			assert_null(strstr(t, "@everyone"));
			assert_null(strstr(t, "@channel"));
			assert_null(strstr(t, "\xe2\x80\xae"));
			/* ntfy shows plain text: markup there is harmless */
			if (fm != FORMAT_NTFY) {
				assert_null(strstr(t, "<b> "));
				assert_null(strstr(t, "<i>markup"));
			}
			if (i > 0 && strncmp(t, "**russia", 8) != 0 &&
			    strstr(t, "(continued)") == NULL &&
			    strstr(t, "russia") == NULL &&
			    strstr(t, "china") == NULL &&
			    strstr(t, "energy") == NULL)
				fail_msg("format %d part %zu: no heading", fm,
				    i);
			if (fm == FORMAT_DISCORD)
				assert_int_equal(json_array_size(
				    json_object_get(json_object_get(j,
				    "allowed_mentions"), "parse")), 0);
			json_decref(j);
			free(parts[i]);
		}
		free(parts);
		for (k = 0, seen = 0; k < NSTORIES; k++)
			seen += count[k] == 1;
		if (seen != NSTORIES)
			fail_msg("format %d: %zu of %d stories once", fm, seen,
			    NSTORIES);
		free(count);
	}
	/* herald's own JSON: one body, the digest's */
	parts = format_digest(FORMAT_JSON, &f->d, &target, &n);
	assert_int_equal(n, 1);
	assert_string_equal(parts[0], f->d.json);
	free(parts[0]);
	free(parts);
	fixture_free(f);
}

/*
 * A feed herald disabled says so among the failing feeds, and since when,
 * from a daemon of ABI 1.3; before it, the field is not there to read
 * (review7 D4).
 */
static void
test_digest_disabled(void **state)
{
	static const enum webhook_format fmts[] = { FORMAT_SLACK,
	    FORMAT_MATRIX, FORMAT_NTFY };
	struct fixture		*f = fixture();
	struct format_target	 tgt = target;
	char			**parts;
	size_t			 n, i, fi;
	unsigned		 minor;
	json_t			*j;
	const char		*t;

	(void)state;
	f->failing.error = "HTTP 410 Gone: the feed was removed";
	f->failing.disabled = 1795761000;	/* 2026-11-27 06:30 UTC */
	for (fi = 0; fi < sizeof(fmts) / sizeof(fmts[0]); fi++) {
		for (minor = 2; minor <= 3; minor++) {
			tgt.abi_minor = minor;
			parts = format_digest(fmts[fi], &f->d, &tgt, &n);
			j = parse(parts[n - 1]);
			t = part_text(fmts[fi], j);
			assert_non_null(t);
			assert_non_null(strstr(t, "Failing feeds"));
			if (minor >= 3)
				assert_non_null(strstr(t, "Parliament: disabled "
				    "since 2026-11-27 06:30 UTC: HTTP 410 Gone"));
			else
				assert_non_null(strstr(t,
				    "Parliament: HTTP 410 Gone"));
			json_decref(j);
			for (i = 0; i < n; i++)
				free(parts[i]);
			free(parts);
		}
	}
	fixture_free(f);
}

/*
 * A list of failing feeds too long for a message is cut before an entity
 * or a tag, never inside, with its elements closed (Telegram refuses the
 * message otherwise); every offset of the cut against the entities.
 */
static void
test_digest_failing_cut(void **state)
{
	struct fixture			*f = fixture();
	struct herald_digest_feed	 feeds[200];
	const struct herald_digest_feed	*fp[200];
	char				**parts, name[48];
	const char			*t;
	size_t				 n, i, k, shift;
	json_t				*j;

	(void)state;
	for (shift = 0; shift < 6; shift++) {
		for (i = 0; i < 200; i++) {
			feeds[i] = f->failing;
			feeds[i].outlet = "A & B";
			feeds[i].error = shift == 0 ? "<&&&&&&&&&&>" :
			    shift == 1 ? "x<&&&&&&&&&&>" : shift == 2 ?
			    "xx<&&&&&&&&&&>" : shift == 3 ? "xxx&&&&&&&" :
			    shift == 4 ? "xxxx&&&&&&&" : "\xc3\xa9&&&&&&&";
			fp[i] = &feeds[i];
		}
		f->d.failing = fp;
		f->d.nfailing = 200;
		for (k = 0; k < 2; k++) {
			enum webhook_format fm = k == 0 ? FORMAT_TELEGRAM :
			    FORMAT_PUSHOVER;

			parts = format_digest(fm, &f->d, &target, &n);
			for (i = 0; i < n; i++) {
				j = parse(parts[i]);
				t = part_text(fm, j);
				snprintf(name, sizeof(name), "%zu/%zu", i + 1, n);
				if (t == NULL || !html_whole(t))
					fail_msg("format %d, errors %zu, part "
					    "%s: markup cut: %s", fm, shift,
					    name, t != NULL ? t : "(none)");
				assert_true(format_length(fm, t) <=
				    format_limit(fm));
				json_decref(j);
				free(parts[i]);
			}
			free(parts);
		}
	}
	fixture_free(f);
}

/*
 * Matrix's body is what a client without HTML shows: every block of it
 * plain text, no tag and no entity of ours (the failing feeds' block was
 * the HTML), and so when the list of failing feeds is cut.  What a feed
 * wrote ('&', '<') is there as it is.
 */
static void
test_digest_matrix_plain(void **state)
{
	struct fixture			*f = fixture();
	struct herald_digest_feed	 feeds[3000];
	const struct herald_digest_feed	*fp[3000];
	static const char *const ours[] = { "<b>", "</b>", "<i>", "</i>",
	    "<a ", "</a>", "<br>", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;",
	    NULL };
	char				**parts;
	const char			*body, *html;
	size_t				 n, i, k, nf;
	json_t				*j;

	(void)state;
	for (i = 0; i < NSTORIES; i++) {
		f->stories[i].title = "Council & Parliament agree <x> 'it'";
		f->stories[i].summary = "A \"deal\" on sanctions & more";
	}
	for (i = 0; i < 3000; i++) {
		feeds[i] = f->failing;
		feeds[i].outlet = "A & B";
		feeds[i].error = "HTTP 503 <Service \"Unavailable\"> & 'more'";
		fp[i] = &feeds[i];
	}
	f->d.failing = fp;
	/* one failing feed, then more than a message takes */
	for (nf = 1; nf <= 3000; nf += 2999) {
		int	 seen = 0;

		f->d.nfailing = nf;
		parts = format_digest(FORMAT_MATRIX, &f->d, &target, &n);
		for (i = 0; i < n; i++) {
			j = parse(parts[i]);
			body = json_string_value(json_object_get(j, "body"));
			html = json_string_value(json_object_get(j,
			    "formatted_body"));
			assert_non_null(body);
			assert_non_null(html);
			assert_true(strlen(body) + strlen(html) <=
			    format_limit(FORMAT_MATRIX));
			for (k = 0; ours[k] != NULL; k++)
				if (strstr(body, ours[k]) != NULL)
					fail_msg("%zu failing, part %zu: %s in "
					    "the plain body: %s", nf, i, ours[k],
					    body);
			if (strstr(body, "Failing feeds\n") != NULL) {
				seen = 1;
				assert_non_null(strstr(body, "\xe2\x80\xa2 A & B: "
				    "HTTP 503 <Service \"Unavailable\"> & "
				    "'more'\n"));
				assert_non_null(strstr(html, "<b>Failing feeds"
				    "</b>"));
			}
			if (i == 0)
				assert_non_null(strstr(body, "Council & "
				    "Parliament agree <x> 'it'"));
			json_decref(j);
			free(parts[i]);
		}
		free(parts);
		if (!seen)
			fail_msg("%zu failing: no failing feeds in the body",
			    nf);
	}
	fixture_free(f);
}

/* A story too long for Pushover alone loses its summary, then its link. */
static void
test_digest_long_story(void **state)
{
	struct fixture	*f = fixture();
	char		**parts, *longlink;
	size_t		 n, i;
	json_t		*j;

	(void)state;
	longlink = calloc(1, 1500);
	memcpy(longlink, "https://news.test/", 18);
	memset(longlink + 18, 'x', 1400);
	f->stories[0].link = longlink;
	parts = format_digest(FORMAT_PUSHOVER, &f->d, &target, &n);
	for (i = 0; i < n; i++) {
		j = parse(parts[i]);
		assert_true(format_length(FORMAT_PUSHOVER, json_string_value(
		    json_object_get(j, "message"))) <= 1024);
		assert_true(format_length(FORMAT_PUSHOVER, json_string_value(
		    json_object_get(j, "title"))) <= 250);
		json_decref(j);
		free(parts[i]);
	}
	free(parts);
	free(longlink);
	fixture_free(f);
}

static void
test_mail_digest(void **state)
{
	struct fixture	*f = fixture();
	char		*m, **r;
	size_t		 n;

	(void)state;
	m = mail_digest_build(&f->d, "herald <h@example.org>",
	    "me@example.org", NULL, "host.example", 1795847400);
	assert_non_null(strstr(m, "\nMessage-ID: <herald.digest.morning."
	    "20261127T063000Z.20261128T063000Z.hook@host.example>\n"));
	assert_non_null(strstr(m, "\nX-Herald-Digest-Key: morning/"
	    "2026-11-27T06:30:00Z/2026-11-28T06:30:00Z\n"));
	assert_non_null(strstr(m, "\nSubject: =?UTF-8?B?"));
	assert_non_null(strstr(m, "boundary=\"=_herald_morning."
	    "20261127T063000Z.20261128T063000Z\""));
	assert_non_null(strstr(m, "\nDate: Sat, 28 Nov 2026 06:30:00 +0000\n"));
	free(m);
	m = mail_digest_build(&f->d, "h@example.org", "me@example.org",
	    "[eu]", "h", 0);
	assert_non_null(strstr(m, "\nSubject: =?UTF-8?B?W2V1XSBoZXJhbGQg"));
	free(m);
	fixture_free(f);

	r = mail_rcpts("a@b.example, Me <me@example.org>,  ,x,\"Q, R\" <q@r>",
	    &n);
	assert_int_equal(n, 3);
	assert_string_equal(r[0], "a@b.example");
	assert_string_equal(r[1], "me@example.org");
	assert_null(r[3]);
	for (n = 0; r[n] != NULL; n++)
		free(r[n]);
	free(r);
	m = mail_rcpts_first("herald <herald@example.org>");
	assert_string_equal(m, "herald@example.org");
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reach_alerts),
		cmocka_unit_test(test_reach_batch_cut),
		cmocka_unit_test(test_reach_long_alert),
		cmocka_unit_test(test_cut_markdown_link),
		cmocka_unit_test(test_body_batch_cut),
		cmocka_unit_test(test_digest_parts),
		cmocka_unit_test(test_digest_long_story),
		cmocka_unit_test(test_digest_failing_cut),
		cmocka_unit_test(test_digest_disabled),
		cmocka_unit_test(test_digest_matrix_plain),
		cmocka_unit_test(test_mail_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
