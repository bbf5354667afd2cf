/*
 * test_plugins.c: what herald's plugins put on the wire, without a daemon:
 * the alert JSON and its batch form, the webhook formats (ntfy, Slack,
 * Mattermost, Matrix), HMAC-SHA256 against RFC 4231's vectors, the mail
 * message (quoted-printable, RFC 2047 headers, the MIME structure), how a
 * child's exit becomes an outcome, and option values.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common.h"

static const char *const terms_ru[] = { "Russia", "Kremlin" };

static const struct herald_alert alerts[] = {
	{
		.key = "17", .id = 17, .topic = "russia",
		.terms = terms_ru, .nterms = 2, .field = "title",
		.snippet = "new sanctions against [Russia] & the [Kremlin]",
		.title = "Council agrees <20th> sanctions package | Russia",
		.link = "https://observer.example.eu/a?x=1&y=2",
		.summary = "EU ambassadors agreed.", .feed = "eu-observer",
		.published = 1795876200, .matched = 1795880000,
	},
	{
		.key = "18", .id = 18, .topic = "china",
		.terms = NULL, .nterms = 0, .field = NULL,
		.snippet = NULL, .title = "Πεκίνο και Βρυξέλλες",
		.link = "javascript:alert(1)", .summary = NULL, .feed = "el",
		.published = 0, .matched = 1795880001,
	},
};

static struct herald_delivery
one(size_t i)
{
	struct herald_delivery	 d = { &alerts[i], 1, 2, "hook", NULL };

	return d;
}

static struct herald_delivery
both(void)
{
	struct herald_delivery	 d = { alerts, 2, 1, "hook", NULL };

	return d;
}

static json_t *
parse(const char *s)
{
	json_error_t	 e;
	json_t		*j = json_loads(s, 0, &e);

	if (j == NULL)
		fail_msg("not JSON (%s): %s", e.text, s);
	return j;
}

static void
test_alert_json(void **state)
{
	struct herald_delivery	 d = one(0);
	char			*s = delivery_json(&d);
	json_t			*j = parse(s);

	assert_string_equal(json_string_value(json_object_get(j, "id")), "17");
	assert_string_equal(json_string_value(json_object_get(j, "topic")),
	    "russia");
	assert_int_equal(json_array_size(json_object_get(j, "terms")), 2);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(j, "terms"), 1)), "Kremlin");
	assert_string_equal(json_string_value(json_object_get(j, "published")),
	    "2026-11-28T14:30:00Z");
	assert_int_equal(json_integer_value(json_object_get(j, "attempt")), 2);
	assert_string_equal(json_string_value(json_object_get(j, "plugin")),
	    "hook");
	assert_non_null(strstr(s, "\"link\":\"https://observer.example.eu/a?x=1&y=2\""));
	json_decref(j);
	free(s);

	/* no date: null, not "" */
	d = one(1);
	s = delivery_json(&d);
	j = parse(s);
	assert_true(json_is_null(json_object_get(j, "published")));
	assert_true(json_is_null(json_object_get(j, "snippet")));
	assert_string_equal(json_string_value(json_object_get(j, "title")),
	    "Πεκίνο και Βρυξέλλες");
	json_decref(j);
	free(s);
}

static void
test_batch_json(void **state)
{
	struct herald_delivery	 d = both();
	char			*s = delivery_json(&d), *k;
	json_t			*j = parse(s), *ids;

	assert_int_equal(json_integer_value(json_object_get(j, "count")), 2);
	ids = json_object_get(j, "ids");
	assert_string_equal(json_string_value(json_array_get(ids, 0)), "17");
	assert_string_equal(json_string_value(json_array_get(ids, 1)), "18");
	assert_int_equal(json_array_size(json_object_get(j, "alerts")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "alerts"), 1), "id")), "18");
	json_decref(j);
	free(s);
	k = delivery_keys(&d, ",");
	assert_string_equal(k, "17,18");
	free(k);
}

/*
 * ABI 1.2: each alert's story.  Alert 17 is the breaking alert of a story
 * of four outlets in three languages, alert 18 an article alone.  The
 * host names outlets by their feeds' titles, as the digest does.
 */
static const char *const outlets4[] = { "Euractiv", "Politico Europe",
    "Council of the EU", "FAZ" };
static const char *const langs3[] = { "en", "fr", "de" };
static const char *const langs1[] = { "el" };
static const struct herald_alert_story story17 = { 42, 4, outlets4, 4,
    langs3, 3, 1 };
static const struct herald_alert_story story18 = { 43, 1, outlets4 + 3, 1,
    langs1, 1, 0 };
static const struct herald_alert_story *const stories[] = { &story17,
    &story18 };

static struct herald_delivery
with_stories(size_t n)
{
	struct herald_delivery	 d = { alerts, n, 1, "hook", stories };

	return d;
}

static void
test_story_json(void **state)
{
	struct herald_delivery	 d = with_stories(2);
	char			*s = delivery_json(&d);
	json_t			*j = parse(s), *a, *st;

	a = json_array_get(json_object_get(j, "alerts"), 0);
	assert_true(json_is_true(json_object_get(a, "breaking")));
	st = json_object_get(a, "story");
	assert_int_equal(json_integer_value(json_object_get(st, "id")), 42);
	assert_int_equal(json_integer_value(json_object_get(st, "size")), 4);
	assert_int_equal(json_array_size(json_object_get(st, "outlets")), 4);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(st, "outlets"), 3)), "FAZ");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(st, "languages"), 2)), "de");
	a = json_array_get(json_object_get(j, "alerts"), 1);
	assert_true(json_is_false(json_object_get(a, "breaking")));
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(a, "story"), "size")), 1);
	json_decref(j);
	free(s);
	/* a daemon before 1.2 gives no stories: null, not breaking */
	d = one(0);
	s = delivery_json(&d);
	j = parse(s);
	assert_true(json_is_null(json_object_get(j, "story")));
	assert_true(json_is_false(json_object_get(j, "breaking")));
	json_decref(j);
	free(s);
}

/* Every format shows the story and a breaking alert as such. */
static void
test_story_formats(void **state)
{
	static const struct {
		const char	*format;
		const char	*has[3];
	} t[] = {
		{ "ntfy", { "russia: BREAKING: Council agrees",
		    "Story 42: 4 articles, 4 outlets: Euractiv, Politico Europe, "
		    "Council of the EU, FAZ (en, fr, de)", "\"breaking\"" } },
		{ "slack", { "BREAKING: Council agrees",
		    "story 42: 4 articles, 4 outlets", NULL } },
		{ "mattermost", { "BREAKING: Council agrees",
		    "story 42: 4 articles, 4 outlets", NULL } },
		{ "matrix", { "[russia] BREAKING: Council agrees",
		    "Story 42: 4 articles, 4 outlets: Euractiv, Politico Europe, "
		    "Council of the EU, FAZ (en, fr, de)", "Story 42: 4 articles" } },
		{ "json", { "\"breaking\":true", "\"size\":4", NULL } },
		{ "teams", { "BREAKING: Council agrees",
		    "story 42: 4 articles", NULL } },
		{ "discord", { "BREAKING: Council agrees",
		    "story 42: 4 articles", NULL } },
		{ "telegram", { "BREAKING: Council agrees",
		    "story 42: 4 articles, 4 outlets", NULL } },
		{ "gotify", { "BREAKING: Council agrees",
		    "story 42: 4 articles", NULL } },
		{ "pushover", { "BREAKING: Council agrees",
		    "story 42: 4 articles", NULL } },
	};
	struct format_target	 tgt = { "alerts", "1", "u", "t", 0 };
	struct herald_delivery	 d = with_stories(1), plain = one(0);
	size_t			 i, k;
	char			*s;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum webhook_format	 f;

		assert_int_equal(format_parse(t[i].format, &f), 0);
		s = f >= FORMAT_TEAMS ? format_reach_body(f, &d, &tgt) :
		    format_body(f, &d, "alerts");
		for (k = 0; k < 3 && t[i].has[k] != NULL; k++)
			if (strstr(s, t[i].has[k]) == NULL)
				fail_msg("%s: \"%s\" not in %s", t[i].format,
				    t[i].has[k], s);
		free(s);
		/* without stories: neither */
		s = f >= FORMAT_TEAMS ? format_reach_body(f, &plain, &tgt) :
		    format_body(f, &plain, "alerts");
		if (strstr(s, "BREAKING") != NULL ||
		    strstr(s, "articles, ") != NULL)
			fail_msg("%s without stories: %s", t[i].format, s);
		free(s);
	}
	/*
	 * a batch of two: each alert's line names a story of more than one
	 * article, the article alone none (review6: no id in a batch)
	 */
	{
		static const char *const batch[] = { "ntfy", "slack",
		    "mattermost", "matrix", "teams", "discord", "telegram",
		    "gotify", "pushover" };
		struct herald_delivery	 two = with_stories(2);

		for (i = 0; i < sizeof(batch) / sizeof(batch[0]); i++) {
			enum webhook_format	 f;

			assert_int_equal(format_parse(batch[i], &f), 0);
			s = f >= FORMAT_TEAMS ?
			    format_reach_body(f, &two, &tgt) :
			    format_body(f, &two, "alerts");
			if (strstr(s, "story 42 (4 articles)") == NULL &&
			    strstr(s, "Story 42: 4 articles") == NULL)
				fail_msg("%s, a batch: no story 42 in %s",
				    batch[i], s);
			if (strstr(s, "story 43") != NULL ||
			    strstr(s, "Story 43") != NULL)
				fail_msg("%s, a batch: an article alone as a "
				    "story in %s", batch[i], s);
			free(s);
		}
	}
	s = format_text(&d);
	assert_non_null(strstr(s, "[russia] BREAKING: Council agrees"));
	assert_non_null(strstr(s, "\nStory 42: 4 articles, 4 outlets: Euractiv, "
	    "Politico Europe, Council of the EU, FAZ (en, fr, de)\n"));
	free(s);
	s = format_html(&d);
	assert_non_null(strstr(s, "BREAKING: Council agrees &lt;20th&gt;"));
	assert_non_null(strstr(s, "Story 42: 4 articles"));
	free(s);
	/* an article alone: no story line */
	d = with_stories(2);
	d.alerts = &alerts[1];
	d.stories = &stories[1];
	d.nalerts = 1;
	s = format_text(&d);
	assert_null(strstr(s, "Story"));
	assert_null(strstr(s, "BREAKING"));
	free(s);
	/* but the mail's header names its story (review5) */
	s = mail_build(&d, "h@example.org", "me@example.org", "[herald]",
	    "host.example", 1795880000);
	assert_non_null(strstr(s, "\nX-Herald-Story: 43\n"));
	assert_null(strstr(s, "Story 43"));
	free(s);
	/* the mail's subject, its story's id in the header, text and HTML */
	d = with_stories(1);
	s = mail_build(&d, "h@example.org", "me@example.org", "[herald]",
	    "host.example", 1795880000);
	assert_non_null(strstr(s, "Subject: [herald] russia: BREAKING: "));
	assert_non_null(strstr(s, "\nX-Herald-Story: 42\n"));
	assert_non_null(strstr(s, "Story 42: 4 articles"));
	assert_non_null(strstr(s, "&middot; Story 42: 4 articles"));
	free(s);
	/* a batch: each story once; none without stories */
	d = with_stories(2);
	s = mail_build(&d, "h@example.org", "me@example.org", "[herald]",
	    "host.example", 1795880000);
	assert_non_null(strstr(s, "\nX-Herald-Story: 42, 43\n"));
	free(s);
	d = one(0);
	s = mail_build(&d, "h@example.org", "me@example.org", "[herald]",
	    "host.example", 1795880000);
	assert_null(strstr(s, "X-Herald-Story"));
	free(s);
}

/* A plugin reads stories only from a daemon of ABI 1.2 or later. */
static void
test_delivery_adopt(void **state)
{
	struct herald_delivery	 d = with_stories(2), out;
	struct herald_host	 h;

	memset(&h, 0, sizeof(h));
	h.abi = HERALD_PLUGIN_ABI;
	h.size = offsetof(struct herald_host, abi_minor);	/* 1.0 */
	h.abi_minor = 2;	/* past the 1.0 host's struct: not read */
	delivery_adopt(&h, &d, &out);
	assert_null(out.stories);
	assert_int_equal(out.nalerts, 2);
	assert_ptr_equal(out.alerts, alerts);
	h.size = sizeof(h);
	h.abi_minor = 1;
	delivery_adopt(&h, &d, &out);
	assert_null(out.stories);
	assert_null(alert_story(&out, 0));
	assert_int_equal(alert_breaking(&out, 0), 0);
	h.abi_minor = HERALD_PLUGIN_ABI_MINOR;
	delivery_adopt(&h, &d, &out);
	assert_ptr_equal(out.stories, stories);
	assert_ptr_equal(alert_story(&out, 1), &story18);
	assert_int_equal(alert_breaking(&out, 0), 1);
	assert_string_equal(out.plugin, "hook");
	assert_int_equal(out.attempt, 1);
}

/* Every format: valid JSON that carries the keys, with what it must hold. */
static void
test_formats(void **state)
{
	static const struct {
		const char	*format;
		int		 batch;
		const char	*field;		/* a string member to look at */
		const char	*has[4];	/* substrings it must hold */
		const char	*hasnt;
	} t[] = {
		{ "json", 0, "id", { "17", NULL }, NULL },
		{ "ntfy", 0, "title", { "russia: Council agrees <20th>",
		    NULL }, NULL },
		{ "ntfy", 0, "message", { "alert 17", "[Russia]", NULL }, NULL },
		{ "ntfy", 1, "message", { "alerts 17, 18", "[china] Πεκίνο",
		    NULL }, NULL },
		{ "slack", 0, "text", { "*[russia]*",
		    "<https://observer.example.eu/a?x=1&amp;y=2|Council agrees "
		    "&lt;20th&gt; sanctions package \xe2\x88\xa3 Russia>", "alert 17",
		    NULL }, "<20th>" },
		{ "slack", 1, "text", { "*herald: 2 alerts*",
		    "_alerts 17, 18_", NULL }, "javascript:" },
		{ "mattermost", 0, "text", { "**[russia]**",
		    "[Council agrees \\<20th\\> sanctions package \\| Russia]"
		    "(https://observer.example.eu/a?x=1&y=2)", NULL }, NULL },
		{ "matrix", 0, "body", { "[russia] Council agrees",
		    "Alert: 17", NULL }, NULL },
		{ "matrix", 0, "formatted_body", { "<b>Russia</b>",
		    "&lt;20th&gt;", "href=\"https://observer.example.eu/a?x=1&amp;y=2\"",
		    NULL }, "<20th>" },
		{ "matrix", 1, "formatted_body", { "2 alerts", NULL },
		    "javascript:" },
	};
	size_t	 i, k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum webhook_format	 f;
		struct herald_delivery	 d = t[i].batch ? both() : one(0);
		char			*s;
		json_t			*j;
		const char		*v;

		assert_int_equal(format_parse(t[i].format, &f), 0);
		s = format_body(f, &d, "alerts");
		j = parse(s);
		v = json_string_value(json_object_get(j, t[i].field));
		if (v == NULL)
			fail_msg("%s: no \"%s\" in %s", t[i].format, t[i].field,
			    s);
		for (k = 0; t[i].has[k] != NULL; k++)
			if (strstr(v, t[i].has[k]) == NULL)
				fail_msg("%s %zu: \"%s\" not in %s", t[i].format,
				    i, t[i].has[k], v);
		if (t[i].hasnt != NULL && strstr(v, t[i].hasnt) != NULL)
			fail_msg("%s %zu: \"%s\" in %s", t[i].format, i,
			    t[i].hasnt, v);
		/* every payload names its alerts */
		if (strstr(s, "17") == NULL)
			fail_msg("%s: no key in %s", t[i].format, s);
		if (f == FORMAT_NTFY)
			assert_string_equal(json_string_value(
			    json_object_get(j, "topic")), "alerts");
		json_decref(j);
		free(s);
	}
	{
		enum webhook_format	 f;

		assert_int_equal(format_parse("xml", &f), -1);
		assert_int_equal(format_parse("Slack", &f), 0);
		assert_int_equal(f, FORMAT_SLACK);
	}
}

/*
 * A feed that writes markup: a title with mentions, HTML, a Markdown link
 * and image and a right-to-left override; a link that closes itself and
 * opens an image and a second link (issue 8).
 */
static const char hostile_title[] = "Hi @channel <!channel> @here @all "
    "@room <b>x</b> [Click](https://evil.example/) "
    "![x](https://tracker.example/p.png) \xe2\x80\xaegnp.exe\n# next";
static const char hostile_link[] = "https://ok.example/a) "
    "![x](https://tracker.example/t.png) [Click](https://evil.example/";

static const struct herald_alert hostile = {
	.key = "66", .id = 66, .topic = "sanctions",
	.terms = NULL, .nterms = 0, .field = NULL,
	.snippet = "ping @everyone <!here>", .title = hostile_title,
	.link = hostile_link, .summary = NULL, .feed = "evil @all",
	.published = 0, .matched = 1795880000,
};

/* Occurrences of pat in s at a position no backslash escapes. */
static size_t
count_unescaped(const char *s, const char *pat)
{
	size_t	 n = 0, i, bs;

	for (i = 0; s[i] != '\0'; i++) {
		if (strncmp(s + i, pat, strlen(pat)) != 0)
			continue;
		for (bs = 0; bs < i && s[i - bs - 1] == '\\'; bs++)
			;
		if (bs % 2 == 0)
			n++;
	}
	return n;
}

static size_t
count(const char *s, const char *pat)
{
	size_t	 n = 0;

	while ((s = strstr(s, pat)) != NULL) {
		n++;
		s += strlen(pat);
	}
	return n;
}

/* What every rendering meant for a person must not hold. */
static void
check_clean(const char *what, const char *v, int chat)
{
	static const char *const mentions[] = { "@channel", "@here", "@all",
	    "@room", "@everyone", NULL };
	size_t	 i;

	if (strstr(v, "\xe2\x80\xae") != NULL)
		fail_msg("%s: U+202E kept in %s", what, v);
	for (i = 0; chat && mentions[i] != NULL; i++)
		if (strstr(v, mentions[i]) != NULL)
			fail_msg("%s: \"%s\" kept in %s", what, mentions[i], v);
}

/* The text between open and the first of any of `ends` after it. */
static void
check_token(const char *what, const char *v, const char *open,
    const char *ends)
{
	const char	*p = strstr(v, open);
	size_t		 n;

	if (p == NULL)
		fail_msg("%s: no \"%s\" in %s", what, open, v);
	p += strlen(open);
	n = strcspn(p, ends);
	if (p[n] == '\0')
		fail_msg("%s: link not closed in %s", what, v);
	if (memchr(p, ' ', n) != NULL || memchr(p, '"', n) != NULL)
		fail_msg("%s: link target holds a space or quote: %.*s", what,
		    (int)n, p);
	if (strncmp(p, "https://ok.example/a%29", 23) != 0)
		fail_msg("%s: link target is not the feed's link: %.*s", what,
		    (int)n, p);
}

static void
test_formats_hostile(void **state)
{
	struct herald_delivery	 d = { &hostile, 1, 1, "hook", NULL };
	enum webhook_format	 f;
	char			*s;
	json_t			*j;
	const char		*v;

	/* Slack: one link, no <!channel>, nothing after the link's | */
	assert_int_equal(format_parse("slack", &f), 0);
	s = format_body(f, &d, NULL);
	j = parse(s);
	v = json_string_value(json_object_get(j, "text"));
	check_clean("slack", v, 1);
	if (count(v, "<") != 1 || count(v, "<!") != 0)
		fail_msg("slack: markup besides the one link: %s", v);
	check_token("slack", v, "<", "|>");
	json_decref(j);
	free(s);

	/* Mattermost: one link, no image, no raw HTML, no heading */
	assert_int_equal(format_parse("mattermost", &f), 0);
	s = format_body(f, &d, NULL);
	j = parse(s);
	v = json_string_value(json_object_get(j, "text"));
	check_clean("mattermost", v, 1);
	if (count_unescaped(v, "![") != 0)
		fail_msg("mattermost: an image in %s", v);
	if (count_unescaped(v, "](") != 1 || count_unescaped(v, "<") != 0 ||
	    count_unescaped(v, "\n#") != 0)
		fail_msg("mattermost: markup besides the one link: %s", v);
	check_token("mattermost", v, "](", ")");
	json_decref(j);
	free(s);

	/* Matrix: one <a>, no <img> or <b>x; no mention; m.mentions {} */
	assert_int_equal(format_parse("matrix", &f), 0);
	s = format_body(f, &d, NULL);
	j = parse(s);
	v = json_string_value(json_object_get(j, "body"));
	check_clean("matrix body", v, 1);
	v = json_string_value(json_object_get(j, "formatted_body"));
	check_clean("matrix html", v, 1);
	if (count(v, "<a ") != 1 || strstr(v, "<img") != NULL ||
	    strstr(v, "<b>x") != NULL)
		fail_msg("matrix: markup besides the one link: %s", v);
	check_token("matrix", v, "href=\"", "\"");
	if (!json_is_object(json_object_get(j, "m.mentions")) ||
	    json_object_size(json_object_get(j, "m.mentions")) != 0)
		fail_msg("matrix: no empty m.mentions in %s", s);
	json_decref(j);
	free(s);

	/* ntfy: a one-line title; click is the link as one URL */
	assert_int_equal(format_parse("ntfy", &f), 0);
	s = format_body(f, &d, "alerts");
	j = parse(s);
	v = json_string_value(json_object_get(j, "title"));
	check_clean("ntfy title", v, 0);
	if (strchr(v, '\n') != NULL)
		fail_msg("ntfy: a line break in the title %s", v);
	check_clean("ntfy message", json_string_value(json_object_get(j,
	    "message")), 0);
	v = json_string_value(json_object_get(j, "click"));
	if (v == NULL || strchr(v, ' ') != NULL ||
	    strncmp(v, "https://ok.example/a%29", 23) != 0)
		fail_msg("ntfy: click is not one URL: %s", s);
	json_decref(j);
	free(s);

	/* json is data: what the feed said, exactly */
	assert_int_equal(format_parse("json", &f), 0);
	s = format_body(f, &d, NULL);
	j = parse(s);
	assert_string_equal(json_string_value(json_object_get(j, "title")),
	    hostile_title);
	assert_string_equal(json_string_value(json_object_get(j, "link")),
	    hostile_link);
	json_decref(j);
	free(s);

	/* mail: its HTML part has one link and no image; the text no U+202E */
	s = format_html(&d);
	check_clean("mail html", s, 0);
	if (count(s, "<a ") != 1 || strstr(s, "<img") != NULL ||
	    strstr(s, "<b>x") != NULL)
		fail_msg("mail html: markup besides the one link: %s", s);
	check_token("mail html", s, "href=\"", "\"");
	free(s);
	s = format_text(&d);
	check_clean("mail text", s, 0);
	free(s);
}

/* Exec's variables are cut at 4,096 bytes: never inside a character. */
static void
test_utf8_prefix(void **state)
{
	static const struct {
		const char	*s;
		size_t		 max, want;
	} t[] = {
		{ "abc", 5, 3 },
		{ "abc", 3, 3 },
		{ "abcd", 3, 3 },
		{ "a\xc3\xa9" "b", 2, 1 },		/* é split */
		{ "a\xc3\xa9" "b", 3, 3 },
		{ "ab\xe2\x82\xac", 3, 2 },		/* € split after 1 */
		{ "ab\xe2\x82\xac", 4, 2 },		/* after 2 */
		{ "ab\xe2\x82\xac!", 5, 5 },
		{ "a\xf0\x9f\x98\x80" "b", 4, 1 },	/* U+1F600 split after 3 */
		{ "\x80\x80\x80\x80\x80\x80", 4, 4 },	/* not UTF-8 */
	};
	char	 big[6001];
	size_t	 i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if ((n = utf8_prefix(t[i].s, t[i].max)) != t[i].want)
			fail_msg("case %zu: %zu, want %zu", i, n, t[i].want);
	/* 2,000 euro signs: 4,096 falls inside the 1,366th */
	for (i = 0; i < 2000; i++)
		memcpy(big + 3 * i, "\xe2\x82\xac", 3);
	big[6000] = '\0';
	assert_int_equal(utf8_prefix(big, 4096), 4095);
}

/* RFC 4231 test cases 1, 2, 6 and 7; the empty message. */
static void
test_hmac(void **state)
{
	static const struct {
		const char	*key;
		size_t		 keylen;
		int		 keyfill;	/* keylen bytes of this value */
		const char	*data;
		const char	*hex;
	} t[] = {
		{ NULL, 20, 0x0b, "Hi There",
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ "Jefe", 4, 0, "what do ya want for nothing?",
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ NULL, 131, 0xaa,
		  "Test Using Larger Than Block-Size Key - Hash Key First",
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
		{ NULL, 131, 0xaa,
		  "This is a test using a larger than block-size key and a "
		  "larger than block-size data. The key needs to be hashed "
		  "before being used by the HMAC algorithm.",
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
		{ "key", 3, 0, "",
		  "5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char	 key[200], out[65];

		if (t[i].key != NULL)
			memcpy(key, t[i].key, t[i].keylen);
		else
			memset(key, t[i].keyfill, t[i].keylen);
		assert_int_equal(hmac_sha256_hex(key, t[i].keylen, t[i].data,
		    strlen(t[i].data), out), 0);
		assert_string_equal(out, t[i].hex);
	}
}

static void
test_qp(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} t[] = {
		{ "plain text", "plain text" },
		{ "a=b", "a=3Db" },
		{ "trailing space \nnext", "trailing space=20\nnext" },
		{ "tab\t", "tab=09" },
		{ "Kína", "K=C3=ADna" },
		{ ".dot\n.", "=2Edot\n=2E" },
		{ "From here", "=46rom here" },
		{ "crlf\r\nline", "crlf\nline" },
		{ "", "" },
	};
	size_t	 i;
	char	*s, *line, *save = NULL, *long_in;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = mime_qp(t[i].in);
		assert_string_equal(s, t[i].out);
		free(s);
	}
	/* long lines: soft breaks, no line over 76, never in an =XX */
	long_in = malloc(1001);
	for (i = 0; i < 1000; i++)
		long_in[i] = i % 7 == 0 ? '=' : 'x';
	long_in[1000] = '\0';
	s = mime_qp(long_in);
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		size_t	 len = strlen(line);

		assert_true(len <= 76);
		if (len >= 2)
			assert_true(line[len - 2] != '=');
	}
	free(s);
	free(long_in);
}

static void
test_header_encode(void **state)
{
	static const struct {
		const char	*name;
		const char	*value;
		const char	*out;
	} t[] = {
		{ "Subject", "[herald] russia: plain", "Subject: [herald] russia: plain" },
		{ "Subject", "Kína", "Subject: =?UTF-8?B?S8OtbmE=?=" },
		/* a line break in a value cannot start a header of its own */
		{ "Subject", "a\r\nBcc: x@y", "Subject: a Bcc: x@y" },
		{ "To", "a@b, c@d", "To: a@b, c@d" },
	};
	size_t	 i;
	char	*s, *p;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = mime_header_encode(t[i].name, t[i].value);
		assert_string_equal(s, t[i].out);
		free(s);
	}
	/* long non-ASCII: several words, folded, none over 75, UTF-8 whole */
	s = mime_header_encode("Subject", "Πεκίνο Πεκίνο Πεκίνο Πεκίνο "
	    "Πεκίνο Πεκίνο Πεκίνο Πεκίνο Πεκίνο");
	assert_non_null(strstr(s, "?=\n =?UTF-8?B?"));
	for (p = strtok(s, "\n"); p != NULL; p = strtok(NULL, "\n"))
		assert_true(strlen(p) <= 76);
	free(s);
	/* long ASCII: folded at spaces */
	s = mime_header_encode("Subject", "word word word word word word word "
	    "word word word word word word word word word word word word");
	assert_non_null(strchr(s, '\n'));
	for (p = strtok(s, "\n"); p != NULL; p = strtok(NULL, "\n"))
		assert_true(strlen(p) <= 78);
	free(s);
}

/* The value of header `name` in m: unfolded, encoded-words decoded. */
static char *
header_decoded(const char *m, const char *name)
{
	static const char	 t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct sbuf		 raw, out;
	const char		*p, *q;
	char			*key = casprintf("\n%s:", name);

	if (strncmp(m, key + 1, strlen(key + 1)) == 0)
		p = m + strlen(key + 1);
	else if ((p = strstr(m, key)) != NULL)
		p += strlen(key);
	else
		fail_msg("no %s header", name);
	free(key);
	sbuf_init(&raw);
	/* unfold: a line break before white space goes */
	for (; *p != '\0' && !(*p == '\n' && p[1] != ' ' && p[1] != '\t');
	    p++)
		if (*p != '\n')
			sbuf_add(&raw, p, 1);
	sbuf_init(&out);
	p = raw.s + strspn(raw.s, " ");
	if (strncmp(p, "=?UTF-8?B?", 10) != 0) {
		sbuf_puts(&out, p);
		sbuf_free(&raw);
		return out.s;
	}
	/* encoded-words side by side: the white space between them goes */
	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		unsigned	 acc = 0;
		int		 bits = 0;

		p += 10;
		q = strstr(p, "?=");
		assert_non_null(q);
		for (; p < q && *p != '='; p++) {
			acc = acc << 6 | (unsigned)(strchr(t, *p) - t);
			if ((bits += 6) >= 8) {
				char	 c = (char)(acc >> (bits - 8));

				sbuf_add(&out, &c, 1);
				bits -= 8;
			}
		}
		p = q + 2;
	}
	sbuf_free(&raw);
	return out.s;
}

/* No line of a message over 998 octets (RFC 5322 section 2.1.1). */
static void
assert_lines_short(const char *m, size_t max)
{
	const char	*p = m, *nl;

	while ((nl = strchr(p, '\n')) != NULL) {
		if ((size_t)(nl - p) > max)
			fail_msg("a line of %zu octets (max %zu): %.60s...",
			    (size_t)(nl - p), max, p);
		p = nl + 1;
	}
}

/*
 * A Subject of 2,043 octets came out on one line: a long word is encoded
 * and folded, so is a 200-alert batch's X-Herald-Alert-Ids, and text that
 * looks like an encoded-word is encoded so that it is not read as one.
 */
static void
test_mail_long_headers(void **state)
{
	struct herald_alert	 a = alerts[0], *many;
	struct herald_delivery	 d = { &a, 1, 1, "hook", NULL };
	char			 title[2001], *m, *v, *want;
	size_t			 i;

	(void)state;
	memset(title, 'x', 2000);
	title[2000] = '\0';
	a.title = title;
	m = mail_build(&d, "h@example.org", "me@example.org", "[herald]",
	    "host", 1795880000);
	assert_lines_short(m, 78);
	v = header_decoded(m, "Subject");
	want = casprintf("[herald] russia: %s", title);
	assert_string_equal(v, want);
	free(want);
	free(v);
	free(m);

	/* "=?...?=" in a title is text, not an encoded-word */
	a.title = "cheap =?UTF-8?B?RlJFRSBNT05FWQ==?= offer";
	m = mail_build(&d, "h@example.org", "me@example.org", "[herald]",
	    "host", 1795880000);
	assert_null(strstr(m, "Subject: [herald] russia: cheap =?UTF-8?B?RlJF"));
	v = header_decoded(m, "Subject");
	assert_string_equal(v, "[herald] russia: cheap =?UTF-8?B?RlJFRSBNT05FWQ"
	    "==?= offer");
	free(v);
	free(m);

	/* a batch of 200: every header line short, every key there */
	many = ccalloc(200, sizeof(*many));
	for (i = 0; i < 200; i++) {
		many[i] = alerts[i % 2];
		many[i].key = casprintf("%zu", 100000 + i);
	}
	d.alerts = many;
	d.nalerts = 200;
	m = mail_build(&d, "h@example.org", "me@example.org", "[herald]",
	    "host", 1795880000);
	assert_lines_short(m, 998);
	v = header_decoded(m, "X-Herald-Alert-Ids");
	assert_non_null(strstr(v, "100000"));
	assert_non_null(strstr(v, "100199"));
	free(v);
	free(m);
	for (i = 0; i < 200; i++)
		free((char *)many[i].key);
	free(many);
}

static void
test_mail_message(void **state)
{
	struct herald_delivery	 d = one(0);
	char			*m = mail_build(&d, "herald <h@example.org>",
				    "me@example.org", "[herald]", "host.example",
				    1795880000);
	const char		*body, *b;
	char			*boundary, *delim;

	/* headers, then a blank line */
	body = strstr(m, "\n\n");
	assert_non_null(body);
	assert_non_null(strstr(m, "From: herald <h@example.org>\n"));
	assert_non_null(strstr(m, "To: me@example.org\n"));
	assert_non_null(strstr(m, "Subject: [herald] russia: Council agrees "
	    "<20th> sanctions package | Russia\n"));
	assert_non_null(strstr(m, "Date: Sat, 28 Nov 2026 15:33:20 +0000\n"));
	assert_non_null(strstr(m, "Message-ID: <herald.alert.17.hook@host.example>\n"));
	assert_non_null(strstr(m, "X-Herald-Alert-Ids: 17\n"));
	assert_non_null(strstr(m, "MIME-Version: 1.0\n"));
	b = strstr(m, "boundary=\"");
	assert_non_null(b);
	assert_true(b < body);
	boundary = strndup(b + 10, strcspn(b + 10, "\""));
	assert_non_null(strstr(boundary, "=_"));
	delim = malloc(strlen(boundary) + 8);
	sprintf(delim, "\n--%s\n", boundary);
	b = strstr(body, delim);
	assert_non_null(b);
	assert_non_null(strstr(b, "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n[russia] Council"));
	b = strstr(b + 1, delim);
	assert_non_null(b);
	assert_non_null(strstr(b, "Content-Type: text/html; charset=utf-8\n"));
	assert_non_null(strstr(b, "&lt;20th&gt;"));
	sprintf(delim, "\n--%s--\n", boundary);
	assert_non_null(strstr(b, delim));
	/* no body line over 76 (quoted-printable) */
	{
		const char	*p = body, *nl;

		while ((nl = strchr(p, '\n')) != NULL) {
			assert_true(nl - p <= 78);
			p = nl + 1;
		}
	}
	free(delim);
	free(boundary);
	free(m);

	/* a batch: one message naming every alert */
	d = both();
	m = mail_build(&d, "h@example.org", "me@example.org", "[herald]",
	    "host", 1795880000);
	assert_non_null(strstr(m, "Subject: [herald] 2 alerts: russia, china\n"));
	assert_non_null(strstr(m, "X-Herald-Alert-Ids: 17, 18\n"));
	/* a link that is not http(s) is shown, never made a link */
	assert_null(strstr(m, "href=3D\"javascript"));
	assert_null(strstr(m, "href=\"javascript"));
	free(m);
}

static void
test_child_outcome(void **state)
{
	static const struct {
		const char	*error;
		int		 exited, status, sig, timed_out;
		const char	*output;
		enum herald_outcome o;
		const char	*msg;
	} t[] = {
		{ NULL, 1, 0, 0, 0, "ok\n", HERALD_OK, NULL },
		{ NULL, 1, 1, 0, 0, "curl: (7) refused\n\n", HERALD_RETRY,
		  "cmd: exit status 1: curl: (7) refused" },
		{ NULL, 1, 75, 0, 0, "", HERALD_RETRY, "cmd: exit status 75" },
		{ NULL, 1, 65, 0, 0, "bad data", HERALD_FAIL,
		  "cmd: exit status 65: bad data" },
		{ NULL, 1, 127, 0, 0, "sh: nope: not found", HERALD_FAIL,
		  "cmd: exit status 127: sh: nope: not found" },
		{ NULL, 0, 0, 9, 1, "", HERALD_RETRY,
		  "cmd: killed after 3 s (timeout)" },
		{ NULL, 0, 0, 11, 0, "", HERALD_RETRY, "cmd: killed by signal 11" },
		{ "No such file", 0, 0, 0, 0, "", HERALD_FAIL,
		  "cmd: cannot run: No such file" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct herald_child_result	 r;
		char				*msg = NULL;

		memset(&r, 0, sizeof(r));
		r.error = t[i].error;
		r.exited = t[i].exited;
		r.status = t[i].status;
		r.signal = t[i].sig;
		r.timed_out = t[i].timed_out;
		r.output = t[i].output;
		r.output_len = strlen(t[i].output);
		r.seconds = 3;
		assert_int_equal(child_outcome(&r, "cmd", &msg), t[i].o);
		if (t[i].msg == NULL)
			assert_null(msg);
		else
			assert_string_equal(msg, t[i].msg);
		free(msg);
	}
}

/* A host whose error() keeps the last message. */
static char	 last_error[512];

static void
fake_error(struct herald_ctx *ctx, const struct herald_option *o,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

static void
test_options(void **state)
{
	static const struct {
		const char	*v;
		int		 rc;
		double		 secs;
	} t[] = {
		{ "30", 0, 30 }, { "30s", 0, 30 }, { "5m", 0, 300 },
		{ "1m30s", 0, 90 }, { "1h", 0, 3600 }, { "0.5", 0, 0.5 },
		{ "", -1, 0 }, { "5x", -1, 0 }, { "1m30", -1, 0 },
		{ "-3", -1, 0 }, { "2h", -1, 0 },	/* over the maximum */
	};
	struct herald_host	 h;
	size_t			 i;

	memset(&h, 0, sizeof(h));
	h.error = fake_error;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct herald_option	 o = { "timeout", t[i].v, "f", 1 };
		double			 secs = -1;

		last_error[0] = '\0';
		assert_int_equal(opt_duration(NULL, &h, &o, 0.1, 3600, &secs),
		    t[i].rc);
		if (t[i].rc == 0)
			assert_true(secs == t[i].secs);
		else
			assert_true(last_error[0] != '\0');
	}
	{
		static const char *const known[] = { "url", NULL };
		struct herald_option	 opts[] = {
			{ "url", "x", "f", 1 }, { "colour", "blue", "f", 2 },
		};
		int			 b = -1;

		assert_int_equal(opt_check_known(NULL, &h, opts, 1, known), 0);
		assert_int_equal(opt_check_known(NULL, &h, opts, 2, known), -1);
		assert_non_null(strstr(last_error, "unknown key"));
		opts[0].value = "yes";
		assert_int_equal(opt_bool(NULL, &h, &opts[0], &b), 0);
		assert_int_equal(b, 1);
		opts[0].value = "maybe";
		assert_int_equal(opt_bool(NULL, &h, &opts[0], &b), -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alert_json),
		cmocka_unit_test(test_batch_json),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_formats_hostile),
		cmocka_unit_test(test_utf8_prefix),
		cmocka_unit_test(test_hmac),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_header_encode),
		cmocka_unit_test(test_mail_message),
		cmocka_unit_test(test_mail_long_headers),
		cmocka_unit_test(test_child_outcome),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_story_json),
		cmocka_unit_test(test_story_formats),
		cmocka_unit_test(test_delivery_adopt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
