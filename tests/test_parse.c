/*
 * test_parse.c: table-driven tests of the feed parser.  Each case parses a
 * document and checks paths in the shaped JSON ("entries.0.title.value")
 * against expected values; further tests feed the sample feeds in
 * tests/data/feeds in chunks of every small size and compare the results.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"
#include "util.h"

#define ABSENT	"<absent>"

struct check {
	const char	*path;
	const char	*want;
};

struct pcase {
	const char	*name;
	const char	*doc;
	const char	*url;
	const char	*ctype;
	const char	*error;		/* substring of the rejection, or NULL */
	struct check	 checks[8];
};

static const struct pcase cases[] = {
	/* ---- formats ---- */
	{ "rss20", "<rss version='2.0'><channel><title>T</title><item><title>I</title>"
	    "<link>http://e.eu/a</link><guid>g1</guid></item></channel></rss>", NULL, NULL, NULL,
	    { { "version", "rss20" }, { "feed.title.value", "T" },
	      { "entries.0.title.value", "I" }, { "entries.0.id", "g1" },
	      { "entries.0.link", "http://e.eu/a" }, { "bozo", "false" } } },
	{ "rss091 netscape doctype", "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" "
	    "\"http://my.netscape.com/publish/formats/rss-0.91.dtd\"><rss version='0.91'><channel>"
	    "<title>N</title></channel></rss>", NULL, NULL, NULL,
	    { { "version", "rss091n" }, { "feed.title.value", "N" } } },
	{ "rss091u", "<rss version='0.91'><channel><title>U</title></channel></rss>", NULL, NULL, NULL,
	    { { "version", "rss091u" } } },
	{ "rss092", "<rss version='0.92'><channel/></rss>", NULL, NULL, NULL,
	    { { "version", "rss092" } } },
	{ "rss094", "<rss version='0.94'><channel/></rss>", NULL, NULL, NULL,
	    { { "version", "rss094" } } },
	{ "rss090", "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
	    "xmlns='http://my.netscape.com/rdf/simple/0.9/'><channel><title>Z</title></channel>"
	    "<item><title>a</title><link>http://e.eu/1</link></item></rdf:RDF>", NULL, NULL, NULL,
	    { { "version", "rss090" }, { "entries.0.link", "http://e.eu/1" } } },
	{ "rss10", "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
	    "xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
	    "<item rdf:about='http://e.eu/x'><title>x</title><dc:date>2026-01-02T03:04:05Z</dc:date>"
	    "<dc:creator>Ann</dc:creator><dc:subject>Energy</dc:subject></item></rdf:RDF>", NULL, NULL, NULL,
	    { { "version", "rss10" }, { "entries.0.id", "http://e.eu/x" },
	      { "entries.0.updated", "2026-01-02T03:04:05Z" }, { "entries.0.author", "Ann" },
	      { "entries.0.categories.0.term", "Energy" } } },
	{ "atom03", "<feed version='0.3' xmlns='http://purl.org/atom/ns#'><title>A3</title>"
	    "<entry><title mode='base64' type='text/plain'>SGVsbG8=</title><issued>2004-01-01T00:00:00Z</issued></entry></feed>",
	    NULL, NULL, NULL,
	    { { "version", "atom03" }, { "entries.0.title.value", "Hello" },
	      { "entries.0.published", "2004-01-01T00:00:00Z" } } },
	{ "atom10 xhtml div stripped", "<feed xmlns='http://www.w3.org/2005/Atom'><entry>"
	    "<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>Hi <b>there</b></p></div></content>"
	    "</entry></feed>", NULL, NULL, NULL,
	    { { "version", "atom10" }, { "entries.0.content.0.value", "<p>Hi <b>there</b></p>" },
	      { "entries.0.content.0.type", "application/xhtml+xml" } } },
	{ "atom10 html title", "<feed xmlns='http://www.w3.org/2005/Atom'><entry>"
	    "<title type='html'>a &amp;lt;b&amp;gt;</title></entry></feed>", NULL, NULL, NULL,
	    { { "entries.0.title.value", "a &lt;b&gt;" }, { "entries.0.title.type", "text/html" } } },
	{ "atom author", "<feed xmlns='http://www.w3.org/2005/Atom'><entry><author><name>Jo</name>"
	    "<email>jo@e.eu</email><uri>http://e.eu/jo</uri></author></entry></feed>", NULL, NULL, NULL,
	    { { "entries.0.author", "Jo (jo@e.eu)" }, { "entries.0.authors.0.href", "http://e.eu/jo" } } },
	{ "rss author email split", "<rss version='2.0'><channel><item><author>jo@e.eu (Jo Smith)</author>"
	    "</item></channel></rss>", NULL, NULL, NULL,
	    { { "entries.0.author_detail.name", "Jo Smith" }, { "entries.0.author_detail.email", "jo@e.eu" } } },
	{ "enclosure and media", "<rss version='2.0' xmlns:media='http://search.yahoo.com/mrss/'><channel><item>"
	    "<enclosure url='/a.mp3' length='12' type='audio/mpeg'/><media:content url='http://e.eu/i.jpg'/>"
	    "</item></channel></rss>", "http://e.eu/feed", NULL, NULL,
	    { { "entries.0.enclosures.0.url", "/a.mp3" }, { "entries.0.enclosures.0.length", "12" },
	      { "entries.0.media_content.0.url", "http://e.eu/i.jpg" } } },
	/* ---- dates ---- */
	{ "date rfc822 named zone", "<rss version='2.0'><channel><item><pubDate>Thu, 26 Nov 2026 14:00:00 CET</pubDate>"
	    "</item></channel></rss>", NULL, NULL, NULL,
	    { { "entries.0.published", "2026-11-26T13:00:00Z" },
	      { "entries.0.published_raw", "Thu, 26 Nov 2026 14:00:00 CET" } } },
	{ "date garbage is null", "<rss version='2.0'><channel><item><pubDate>yesterday</pubDate>"
	    "</item></channel></rss>", NULL, NULL, NULL,
	    { { "entries.0.published", "null" } } },
	{ "date w3cdtf fraction", "<feed xmlns='http://www.w3.org/2005/Atom'><entry><updated>2026-11-28T16:00:00.250+01:00</updated>"
	    "</entry></feed>", NULL, NULL, NULL,
	    { { "entries.0.updated", "2026-11-28T15:00:00Z" } } },
	/* ---- URLs ---- */
	{ "xml:base nested", "<feed xmlns='http://www.w3.org/2005/Atom' xml:base='http://e.eu/a/'>"
	    "<entry xml:base='b/'><link href='c.html'/></entry></feed>", NULL, NULL, NULL,
	    { { "entries.0.link", "http://e.eu/a/b/c.html" } } },
	{ "document url base", "<feed xmlns='http://www.w3.org/2005/Atom'><link href='/x'/></feed>",
	    "http://e.eu/feeds/atom", NULL, NULL,
	    { { "feed.link", "http://e.eu/x" } } },
	{ "rss link relative to url", "<rss version='2.0'><channel><item><link>p/1</link></item></channel></rss>",
	    "http://e.eu/feeds/rss", NULL, NULL,
	    { { "entries.0.link", "http://e.eu/feeds/p/1" } } },
	{ "unsafe base ignored", "<feed xmlns='http://www.w3.org/2005/Atom' xml:base='javascript:alert(1)'>"
	    "<link href='/x'/></feed>", "http://e.eu/", NULL, NULL,
	    { { "feed.link", "http://e.eu/x" } } },
	/* ---- entities and repair ---- */
	{ "undeclared html entities", "<rss version='2.0'><channel><title>a&nbsp;b &eacute; &rsquo;</title></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "a\xc2\xa0" "b \xc3\xa9 \xe2\x80\x99" }, { "bozo", "true" } } },
	{ "bare ampersand", "<rss version='2.0'><channel><title>R&D & more</title></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "R&D & more" }, { "bozo", "true" } } },
	{ "bad char reference dropped", "<rss version='2.0'><channel><title>a&#x1F;b&#0;c</title></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "abc" } } },
	{ "cdata keeps entity text", "<rss version='2.0'><channel><title><![CDATA[a &nbsp; b]]></title></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "a &nbsp; b" }, { "bozo", "false" } } },
	{ "control characters removed", "<rss version='2.0'><channel><title>a\x01" "b\x1f" "c</title></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "abc" }, { "bozo", "true" } } },
	{ "whitespace before declaration", "\n  <?xml version='1.0'?><rss version='2.0'><channel><title>W</title></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "W" }, { "bozo", "true" } } },
	{ "default namespace on rss", "<rss version='2.0' xmlns='http://backend.userland.com/rss2'><channel>"
	    "<title>D</title><item><title>i</title></item></channel></rss>", NULL, NULL, NULL,
	    { { "feed.title.value", "D" }, { "entries.0.title.value", "i" } } },
	{ "wrong dc namespace uri", "<rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.0/'><channel><item>"
	    "<dc:creator>Ann</dc:creator></item></channel></rss>", NULL, NULL, NULL,
	    { { "entries.0.author", "Ann" } } },
	{ "undeclared prefix", "<rss version='2.0'><channel><item><dc:creator>Bo</dc:creator></item></channel></rss>",
	    NULL, NULL, NULL,
	    { { "entries.0.author", "Bo" }, { "bozo", "true" } } },
	/* ---- encodings ---- */
	{ "latin1 declared", "<?xml version='1.0' encoding='iso-8859-1'?><rss version='2.0'><channel><title>caf\xe9</title></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "caf\xc3\xa9" }, { "encoding", "iso-8859-1" }, { "bozo", "false" } } },
	{ "windows-1252 quotes", "<?xml version='1.0' encoding='windows-1252'?><rss version='2.0'><channel><title>\x93q\x94</title></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "\xe2\x80\x9cq\xe2\x80\x9d" } } },
	{ "invalid utf-8 replaced", "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>a\xff" "b</title></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "a\xef\xbf\xbd" "b" }, { "bozo", "true" } } },
	{ "http charset for application/xml", "<rss version='2.0'><channel><title>\xe9</title></channel></rss>",
	    NULL, "application/rss+xml; charset=ISO-8859-1", NULL,
	    { { "feed.title.value", "\xc3\xa9" }, { "encoding", "iso-8859-1" } } },
	{ "text/xml without charset is us-ascii", "<rss version='2.0'><channel><title>plain</title></channel></rss>",
	    NULL, "text/xml", NULL,
	    { { "encoding", "us-ascii" }, { "bozo", "false" } } },
	{ "unknown encoding read as utf-8", "<?xml version='1.0' encoding='x-klingon'?><rss version='2.0'><channel><title>k</title></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "k" }, { "bozo", "true" } } },
	/* ---- not feeds and hostile documents ---- */
	{ "html page with alternates", "<!DOCTYPE html><html><head><link rel='alternate' type='application/rss+xml' href='/rss'>"
	    "<link rel='alternate' type='application/atom+xml' href='http://f.eu/atom'></head><body>x</body></html>",
	    "http://e.eu/page", NULL, "found an HTML page that advertises 2 feeds: http://e.eu/rss", { { NULL, NULL } } },
	{ "json", "{\"version\": \"https://jsonfeed.org/version/1\"}", NULL, NULL, "found JSON", { { NULL, NULL } } },
	{ "empty", "", NULL, NULL, "empty", { { NULL, NULL } } },
	{ "other xml", "<?xml version='1.0'?><svg/>", NULL, NULL, "root element is <svg>", { { NULL, NULL } } },
	{ "entity declaration", "<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY a 'x'>]><rss version='2.0'><channel><title>&a;</title></channel></rss>",
	    NULL, NULL, "entity declarations are not allowed", { { NULL, NULL } } },
	{ "xxe", "<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><rss><channel><title>&x;</title></channel></rss>",
	    NULL, NULL, "entity declarations are not allowed", { { NULL, NULL } } },
	{ "truncated keeps complete items", "<rss version='2.0'><channel><title>T</title><item><title>one</title></item><item><title>tw",
	    NULL, NULL, NULL,
	    { { "entries.0.title.value", "one" }, { "entries.1", ABSENT }, { "bozo", "true" } } },
};

/* Follows a dotted path through `v`; renders the value found as a string. */
static char *
lookup(json_t *v, const char *path)
{
	char	*copy = xstrdup(path), *save, *tok;

	for (tok = strtok_r(copy, ".", &save); tok != NULL && v != NULL;
	    tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, (size_t)atoi(tok));
		else if (json_is_object(v)) {
			json_t *n = json_object_get(v, tok);

			/* a text construct's plain form */
			if (n == NULL && strcmp(tok, "value") == 0 && json_is_string(v))
				n = v;
			v = n;
		} else
			v = NULL;
	}
	free(copy);
	if (v == NULL)
		return xstrdup(ABSENT);
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_true(v))
		return xstrdup("true");
	if (json_is_false(v))
		return xstrdup("false");
	if (json_is_null(v))
		return xstrdup("null");
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	return json_dumps(v, JSON_COMPACT);
}

static void
test_case(void **state)
{
	const struct pcase	*c = *state;
	struct parse_opts	 o = { .url = c->url, .content_type = c->ctype };
	char			*err = NULL;
	json_t			*doc;
	size_t			 i;

	doc = parse_buffer(&o, c->doc, strlen(c->doc), &err);
	if (c->error != NULL) {
		if (err == NULL || strstr(err, c->error) == NULL)
			fail_msg("%s: want error containing \"%s\", got \"%s\"",
			    c->name, c->error, err ? err : "(none)");
		free(err);
		json_decref(doc);
		return;
	}
	if (doc == NULL)
		fail_msg("%s: rejected: %s", c->name, err);
	for (i = 0; i < sizeof(c->checks) / sizeof(c->checks[0]); i++) {
		char	*got;

		if (c->checks[i].path == NULL)
			break;
		got = lookup(doc, c->checks[i].path);
		if (strcmp(got, c->checks[i].want) != 0)
			fail_msg("%s: %s: want \"%s\", got \"%s\"", c->name,
			    c->checks[i].path, c->checks[i].want, got);
		free(got);
	}
	json_decref(doc);
}

static char *
slurp(const char *name, size_t *len)
{
	const char	*dir = getenv("TESTDATA");
	char		*path = xasprintf("%s/feeds/%s", dir ? dir : "data", name);
	FILE		*fp = fopen(path, "rb");
	struct buf	 b;
	char		 chunk[4096];
	size_t		 n;

	if (fp == NULL)
		fail_msg("cannot open %s", path);
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	free(path);
	*len = b.len;
	return buf_steal(&b);
}

static void
collect(void *arg, json_t *e)
{
	json_array_append_new(arg, parse_shape(e));
}

/* Parses `data` in chunks of `chunk` bytes; returns the entries and feed. */
static char *
parse_chunked(const char *data, size_t len, size_t chunk)
{
	json_t		*entries = json_array(), *all;
	struct parse_opts o = { .url = "http://example.eu/feed" };
	struct parser	*p = parse_new(&o, collect, entries);
	size_t		 off;
	char		*s;

	for (off = 0; off < len; off += chunk)
		assert_int_equal(parse_push(p, data + off,
		    len - off < chunk ? len - off : chunk), 0);
	assert_int_equal(parse_finish(p), 0);
	all = json_pack("{s:o, s:o, s:O}", "entries", entries,
	    "feed", parse_shape(json_object_get(parse_result(p), "feed")),
	    "bozo", json_object_get(parse_result(p), "bozo"));
	s = json_dumps(all, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(all);
	parse_free(p);
	return s;
}

/* The same document in chunks of 1..64 bytes gives the same result. */
static void
test_chunking(void **state)
{
	static const char *const files[] = { "eu-observer.rss",
	    "parliament-press.atom", "council-rdf.xml", "thinktank-warts.xml" };
	size_t	 i, chunk, len;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char	*data = slurp(files[i], &len);
		char	*whole = parse_chunked(data, len, len ? len : 1);

		assert_non_null(strstr(whole, "\"entries\":[{"));
		for (chunk = 1; chunk <= 64; chunk++) {
			char	*s = parse_chunked(data, len, chunk);

			if (strcmp(s, whole) != 0)
				fail_msg("%s in %zu-byte chunks differs:\n%s\n%s",
				    files[i], chunk, s, whole);
			free(s);
		}
		free(whole);
		free(data);
	}
}

static void
count_entry(void *arg, json_t *e)
{
	(*(size_t *)arg)++;
}

static void
test_item_cap(void **state)
{
	struct buf		 b;
	struct parse_opts	 o = { .max_items = 10 };
	struct parser		*p;
	size_t			 n = 0, i;

	buf_init(&b, 0);
	buf_puts(&b, "<rss version='2.0'><channel>");
	for (i = 0; i < 25; i++)
		buf_printf(&b, "<item><title>%zu</title></item>", i);
	buf_puts(&b, "</channel></rss>");
	p = parse_new(&o, count_entry, &n);
	assert_int_equal(parse_push(p, b.data, b.len), 0);
	assert_int_equal(parse_finish(p), 0);
	assert_int_equal(n, 10);
	assert_int_equal(parse_nentries(p), 10);
	assert_true(parse_truncated(p));
	parse_free(p);
	buf_free(&b);
}

static void
test_field_cap(void **state)
{
	struct buf		 b;
	struct parse_opts	 o = { .max_field = 1000 };
	char			*err;
	json_t			*doc;
	size_t			 i;
	const char		*v;

	buf_init(&b, 0);
	buf_puts(&b, "<rss version='2.0'><channel><item><description>");
	for (i = 0; i < 5000; i++)
		buf_puts(&b, "\xc3\xa9");	/* two bytes: the cut must not split one */
	buf_puts(&b, "</description></item></channel></rss>");
	doc = parse_buffer(&o, b.data, b.len, &err);
	assert_non_null(doc);
	v = json_string_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(doc, "entries"), 0), "summary"), "value"));
	assert_non_null(v);
	assert_int_equal(strlen(v), 1000);
	json_decref(doc);
	buf_free(&b);
}

static void
test_attribute_cap(void **state)
{
	struct buf	 b;
	char		*err = NULL;
	json_t		*doc;
	size_t		 i;

	buf_init(&b, 0);
	buf_puts(&b, "<rss version='2.0'><channel><item");
	for (i = 0; i < 40000; i++)
		buf_printf(&b, " a%zu='x'", i);
	buf_puts(&b, "/></channel></rss>");
	doc = parse_buffer(NULL, b.data, b.len, &err);
	assert_null(doc);
	assert_non_null(strstr(err, "more than 256 attributes"));
	free(err);
	buf_free(&b);
}

int
main(void)
{
	struct CMUnitTest	 tests[sizeof(cases) / sizeof(cases[0]) + 4];
	size_t			 i, n = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tests[n].name = cases[i].name;
		tests[n].test_func = test_case;
		tests[n].setup_func = NULL;
		tests[n].teardown_func = NULL;
		tests[n].initial_state = (void *)&cases[i];
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_chunking);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_item_cap);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_field_cap);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_attribute_cap);
	return _cmocka_run_group_tests("parse", tests, n, NULL, NULL);
}
