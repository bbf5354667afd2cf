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
#include "parse-json.h"
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
	/* UTF-8 misread as windows-1252 and written as UTF-8 again */
	{ "mojibake of windows-1252 repaired", "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>l\xc3\xa2\xe2\x82\xac\xe2\x84\xa2on a attir\xc3\x83\xc2\xa9</title>"
	    "<item><title>\xc3\x90\xe2\x80\x99 \xc3\x90\xc5\x93\xc3\x90\xc2\xbe\xc3\x91\xc2\x81\xc3\x90\xc2\xba\xc3\x90\xc2\xb2\xc3\x90\xc2\xb5</title>"
	    "<description>Beaucoup \xc3\x83\xc2\xa0 gauche \xc3\xa2\xe2\x82\xac\xc5\xbeOhne uns\xc3\xa2\xe2\x82\xac\xc5\x93</description></item>"
	    "<item><title>Gro\xc3\x83\xc5\xb8" "eltern \xc3\x83\xc5\x93" "ber</title></item></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "l\xe2\x80\x99on a attir\xc3\xa9" },
	      { "entries.0.title.value", "\xd0\x92 \xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb5" },
	      { "entries.0.summary.value", "Beaucoup \xc3\xa0 gauche \xe2\x80\x9eOhne uns\xe2\x80\x9c" },
	      /* every pair A-tilde and a windows-1252 character: Gro\xc3\x9feltern, \xc3\x9cber */
	      { "entries.1.title.value", "Gro\xc3\x9f" "eltern \xc3\x9c" "ber" } } },
	/* right text stays: its accents and quotes alone are not UTF-8 */
	{ "right text is no mojibake", "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Caf\xc3\xa9 \xe2\x80\x9c" "d\xc3\xa9j\xc3\xa0\xe2\x80\x9d \xc3\x83\xc2\xa9t\xc3\xa9 \xe2\x82\xac" "5 \xc2\xa9 \xc3\x84rger</title>"
	    "<item><title>Die Erwartungen sind gro\xc3\x9f\xe2\x80\xa6</title><description>Le CAF\xc3\x89\xe2\x80\x94 Spa\xc3\x9f\xe2\x80\x93</description></item>"
	    "<item><title>IND\xc3\x83\xef\xbf\xbd" "CE</title></item></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "Caf\xc3\xa9 \xe2\x80\x9c" "d\xc3\xa9j\xc3\xa0\xe2\x80\x9d \xc3\x83\xc2\xa9t\xc3\xa9 \xe2\x82\xac" "5 \xc2\xa9 \xc3\x84rger" },
	      /* a sharp s or a capital before punctuation: right text */
	      { "entries.0.title.value", "Die Erwartungen sind gro\xc3\x9f\xe2\x80\xa6" },
	      { "entries.0.summary.value", "Le CAF\xc3\x89\xe2\x80\x94 Spa\xc3\x9f\xe2\x80\x93" },
	      /* a byte lost to U+FFFD is not guessed */
	      { "entries.1.title.value", "IND\xc3\x83\xef\xbf\xbd" "CE" } } },
	{ "invalid utf-8 replaced", "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>a\xff" "b</title></channel></rss>",
	    NULL, NULL, NULL,
	    { { "feed.title.value", "a\xef\xbf\xbd" "b" }, { "bozo", "true" } } },
	{ "http charset for application/xml", "<rss version='2.0'><channel><title>\xe9</title></channel></rss>",
	    NULL, "application/rss+xml; charset=ISO-8859-1", NULL,
	    { { "feed.title.value", "\xc3\xa9" }, { "encoding", "iso-8859-1" } } },
	/* the HTTP charset cannot read the bytes: the declared encoding next, as feedparser */
	{ "http charset utf-8 fails, declared iso-8859-2 read", "<?xml version='1.0' encoding='iso-8859-2'?><rss version='2.0'><channel>"
	    "<title>Zak\xb3" "ad \xbf" "ycia</title></channel></rss>",
	    NULL, "application/rss+xml; charset=utf-8", NULL,
	    { { "feed.title.value", "Zak\xc5\x82" "ad \xc5\xbc" "ycia" }, { "encoding", "iso-8859-2" },
	      { "bozo_exception", "CharacterEncodingOverride" },
	      { "bozo_message", "document declared as utf-8, but parsed as iso-8859-2" } } },
	{ "http charset euc-jp fails, declared iso-8859-2 read", "<?xml version='1.0' encoding='iso-8859-2'?><rss version='2.0'><channel>"
	    "<title>Zak\xb3" "ad \xbf" "ycia</title></channel></rss>",
	    NULL, "application/xml; charset=EUC-JP", NULL,
	    { { "feed.title.value", "Zak\xc5\x82" "ad \xc5\xbc" "ycia" }, { "encoding", "iso-8859-2" },
	      { "bozo_message", "document declared as euc-jp, but parsed as iso-8859-2" } } },
	/* ... and when the declared one cannot either, windows-1252 next (review4) */
	{ "http charset and declared both fail, windows-1252 read", "<?xml version='1.0' encoding='euc-jp'?><rss version='2.0'><channel>"
	    "<title>Caf\xe9 news</title><item><title>R\xe9sum\xe9</title></item></channel></rss>",
	    NULL, "application/rss+xml; charset=utf-8", NULL,
	    { { "feed.title.value", "Caf\xc3\xa9 news" }, { "encoding", "windows-1252" },
	      { "bozo_exception", "CharacterEncodingOverride" } } },
	/* a stream cannot read back what it decoded: after UTF-8 text, stray bytes stay windows-1252 */
	{ "http charset utf-8 read UTF-8 before the stray byte", "<?xml version='1.0' encoding='iso-8859-2'?><rss version='2.0'><channel>"
	    "<title>\xc3\xa9 \xb3</title></channel></rss>",
	    NULL, "application/rss+xml; charset=utf-8", NULL,
	    { { "feed.title.value", "\xc3\xa9 \xc2\xb3" }, { "encoding", "utf-8" },
	      { "bozo_message", "8-bit text that is not UTF-8 read as windows-1252" } } },
	{ "http charset and declaration agree", "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
	    "<title>\xce\xbd</title></channel></rss>",
	    NULL, "application/rss+xml; charset=utf8", NULL,
	    { { "feed.title.value", "\xce\xbd" }, { "bozo", "false" } } },
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
	/* ---- entity declarations: honoured, dropped or rejected ---- */
	{ "declared entity honoured", "<!DOCTYPE rss [\n  <!ENTITY id \"tag:example.com,\">\n]>"
	    "<rss version='2.0'><channel><item><guid isPermaLink='false'>&id;2006-05-04:/blog/</guid>"
	    "</item></channel></rss>", NULL, NULL, NULL,
	    { { "entries.0.id", "tag:example.com,2006-05-04:/blog/" }, { "bozo", "false" } } },
	{ "declared html entities", "<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY nbsp '&#160;'>"
	    "<!ENTITY eacute \"&#xE9;\"><!ENTITY mdash '&#8212;'>]><rss version='2.0'><channel>"
	    "<title>a&nbsp;b &eacute;t&eacute; &mdash; c</title></channel></rss>", NULL, NULL, NULL,
	    { { "feed.title.value", "a\xc2\xa0" "b \xc3\xa9t\xc3\xa9 \xe2\x80\x94 c" }, { "bozo", "false" } } },
	{ "declared entity in attributes", "<!DOCTYPE feed [<!ENTITY site 'http://e.eu/'>"
	    "<!ENTITY q \"say 'a' &#34;b&#34; &#62;\">]><feed xmlns='http://www.w3.org/2005/Atom'>"
	    "<entry><link href='&site;x'/><title type='text'>&q;</title>"
	    "<category term=\"&q;\"/></entry></feed>", NULL, NULL, NULL,
	    { { "entries.0.link", "http://e.eu/x" }, { "entries.0.title.value", "say 'a' \"b\" >" },
	      { "entries.0.categories.0.term", "say 'a' \"b\" >" }, { "bozo", "false" } } },
	{ "subset comments, PIs, other declarations", "<!DOCTYPE rss [\n<!-- it's ] > a comment -->\n"
	    "<?pi ] > ?>\n<!ELEMENT rss ANY>\n<!ATTLIST rss note CDATA \"]>\">\n<!ENTITY e 'ok'>\n]>"
	    "<rss version='2.0'><channel><title>&e;</title></channel></rss>", NULL, NULL, NULL,
	    { { "feed.title.value", "ok" }, { "version", "rss20" }, { "bozo", "false" } } },
	{ "predefined redeclared, first wins", "<!DOCTYPE rss [<!ENTITY amp '&#38;#38;'><!ENTITY lt '&#38;#60;'>"
	    "<!ENTITY a 'first'><!ENTITY a 'second'>]><rss version='2.0'><channel>"
	    "<title>&a; &amp; &lt;</title></channel></rss>", NULL, NULL, NULL,
	    { { "feed.title.value", "first & <" }, { "bozo", "false" } } },
	{ "undeclared entities still mapped", "<!DOCTYPE rss [<!ENTITY x 'y'>]><rss version='2.0'><channel>"
	    "<title>&x;&nbsp;&nosuch;</title></channel></rss>", NULL, NULL, NULL,
	    { { "feed.title.value", "y\xc2\xa0&nosuch;" }, { "bozo", "true" } } },
	{ "xxe dropped, rest kept", "<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY x SYSTEM 'file:///etc/passwd'>"
	    "<!ENTITY p PUBLIC '-//X//Y' 'http://127.0.0.1:1/p'>]><rss version='2.0'><channel><title>a&x;b&p;c</title>"
	    "<item><title>i</title><link>http://e.eu/&x;</link></item></channel></rss>", NULL, NULL, NULL,
	    { { "feed.title.value", "abc" }, { "entries.0.title.value", "i" },
	      { "entries.0.link", "http://e.eu/" }, { "bozo", "true" },
	      { "bozo_message", "reference to an external entity dropped" } } },
	{ "external entities declared, not referenced", "<!DOCTYPE rdf:RDF [<!ENTITY % HTMLlat1 PUBLIC\n"
	    " \"-//W3C//ENTITIES Latin 1 for XHTML//EN\"\n \"http://www.w3.org/TR/xhtml1/DTD/xhtml-lat1.ent\">\n"
	    "%HTMLlat1;<!ENTITY x SYSTEM 'file:///etc/passwd'>]><rss version='2.0'><channel><title>&eacute;t&eacute;"
	    "</title></channel></rss>", NULL, NULL, NULL,
	    { { "feed.title.value", "\xc3\xa9t\xc3\xa9" }, { "bozo", "true" },
	      { "bozo_message", "undeclared entity" } } },
	{ "parameter entity alone is no wart", "<!DOCTYPE rss [<!ENTITY % p SYSTEM 'http://127.0.0.1:1/x'>%p;]>"
	    "<rss version='2.0'><channel><title>t</title></channel></rss>", NULL, NULL, NULL,
	    { { "feed.title.value", "t" }, { "bozo", "false" } } },
	{ "parameter entities ignored", "<!DOCTYPE rss [<!ENTITY % p \"<!ENTITY x 'PWNED'>\"> %p;"
	    "<!ENTITY % q SYSTEM 'file:///etc/passwd'>%q;]><rss version='2.0'><channel>"
	    "<title>&x;</title></channel></rss>", NULL, NULL, NULL,
	    { { "feed.title.value", "&x;" }, { "bozo", "true" } } },
	{ "doctype after the root dropped", "<rss version='2.0'><!DOCTYPE rss [<!ENTITY a 'b'>]><channel>"
	    "<title>&a;</title></channel></rss>", NULL, NULL, NULL,
	    { { "feed.title.value", "&a;" }, { "bozo", "true" } } },
	{ "an entity declaration past the filter meets the backstop", "<!DOCTY\x01PE rss [<!ENTITY a 'b'>]>"
	    "<rss version='2.0'><channel><title>&a;</title></channel></rss>", NULL, NULL,
	    "entity declarations are not allowed", { { NULL, NULL } } },
	{ "unterminated doctype", "<!DOCTYPE rss [<!ENTITY a 'b'>", NULL, NULL, "not a feed", { { NULL, NULL } } },
	{ "entity with the predefined entities", "<!DOCTYPE rss [<!ENTITY co \"Council &amp; Parliament\">"
	    "<!ENTITY t 'a &lt;b&gt; &quot;c&quot; &apos;d&apos;'>]><rss version='2.0'><channel>"
	    "<title>&co;</title><description>&t;</description><item><title a='&co;'>&co;</title>"
	    "</item></channel></rss>", NULL, NULL, NULL,
	    { { "feed.title.value", "Council & Parliament" }, { "feed.subtitle.value", "a <b> \"c\" 'd'" },
	      { "entries.0.title.value", "Council & Parliament" }, { "bozo", "false" } } },
	{ "entity refers to a name like a predefined one", "<!DOCTYPE rss [<!ENTITY a 'x'><!ENTITY b '&amp2;'>]>"
	    "<rss><channel><title>&b;</title></channel></rss>", NULL, NULL, "entity 'b' refers to another entity",
	    { { NULL, NULL } } },
	{ "entity with an unterminated predefined reference", "<!DOCTYPE rss [<!ENTITY b 'x &amp y'>]>"
	    "<rss><channel><title>&b;</title></channel></rss>", NULL, NULL, "entity 'b' refers to another entity",
	    { { NULL, NULL } } },
	{ "entity refers to another", "<!DOCTYPE rss [<!ENTITY a 'x'><!ENTITY b '&a;&a;'>]><rss><channel>"
	    "<title>&b;</title></channel></rss>", NULL, NULL, "entity 'b' refers to another entity", { { NULL, NULL } } },
	{ "entity with markup", "<!DOCTYPE rss [<!ENTITY m '<b>x</b>'>]><rss><channel><title>&m;</title>"
	    "</channel></rss>", NULL, NULL, "entity 'm' contains markup", { { NULL, NULL } } },
	{ "entity with markup by reference", "<!DOCTYPE rss [<!ENTITY m 'AT&#38;T'>]><rss><channel>"
	    "<title>&m;</title></channel></rss>", NULL, NULL, "entity 'm' contains markup", { { NULL, NULL } } },
	{ "entity with a parameter reference", "<!DOCTYPE rss [<!ENTITY m '50%'>]><rss><channel>"
	    "<title>&m;</title></channel></rss>", NULL, NULL, "entity 'm' refers to a parameter entity", { { NULL, NULL } } },
	{ "entity with a bad character reference", "<!DOCTYPE rss [<!ENTITY m 'a&#1;'>]><rss><channel>"
	    "<title>&m;</title></channel></rss>", NULL, NULL, "malformed character reference", { { NULL, NULL } } },
	{ "malformed entity declaration", "<!DOCTYPE rss [<!ENTITY m>]><rss><channel></channel></rss>",
	    NULL, NULL, "a malformed entity declaration", { { NULL, NULL } } },
	{ "entity over the size cap", "<!DOCTYPE rss [<!ENTITY m '"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "'>]><rss><channel></channel></rss>", NULL, NULL, "entity 'm' is longer than 1024 bytes", { { NULL, NULL } } },
	/* libxml2's first fatal error and its line, not the push parser's last */
	{ "truncated: premature end reported", "<?xml version='1.0'?>\n<rss version='2.0'><channel>\n<title>T</title>"
	    "<item><title>a</title></item>\n<item><title>trunc",
	    NULL, NULL, NULL,
	    { { "bozo_exception", "SAXParseException" },
	      { "bozo_message", "Premature end of data in tag title line 4" }, { "bozo_line", "4" } } },
	{ "markup after the root: extra content", "<rss version='2.0'><channel><title>T</title></channel></rss>\n<x/>",
	    NULL, NULL, NULL,
	    { { "bozo_message", "Extra content at the end of the document" }, { "bozo_line", "2" } } },
	{ "tag mismatch: the first error, not the last", "<rss version='2.0'><channel><title>T</b>\n"
	    "<item><title>a</i></item></channel></rss>\n",
	    NULL, NULL, NULL,
	    { { "bozo_message", "Opening and ending tag mismatch: title line 1 and b" }, { "bozo_line", "1" } } },
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
	char		*path = xasprintf("%s/%s", dir ? dir : "data", name);
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
collect(void *arg, const struct parse_entry *e)
{
	json_array_append_new(arg, parse_json_entry(e));
}

/* Parses `data` in chunks of `chunk` bytes; returns the entries and feed. */
static char *
parse_chunked(const char *data, size_t len, size_t chunk, const char *ctype)
{
	json_t		*entries = json_array(), *all, *doc;
	struct parse_opts o = { .url = "http://example.eu/feed",
	    .content_type = ctype };
	struct parser	*p = parse_new(&o, collect, entries);
	size_t		 off;
	char		*s;

	for (off = 0; off < len; off += chunk)
		assert_int_equal(parse_push(p, data + off,
		    len - off < chunk ? len - off : chunk), 0);
	assert_int_equal(parse_finish(p), 0);
	doc = parse_json_feed(parse_feed(p));
	/* which wart comes first may depend on the chunks: not compared */
	all = json_pack("{s:o, s:O, s:O}", "entries", entries,
	    "feed", json_object_get(doc, "feed"),
	    "bozo", json_object_get(doc, "bozo"));
	json_decref(doc);
	s = json_dumps(all, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(all);
	parse_free(p);
	return s;
}

/* The same document in chunks of 1..64 bytes gives the same result. */
static void
test_chunking(void **state)
{
	static const char *const files[] = { "feeds/eu-observer.rss",
	    "feeds/parliament-press.atom", "feeds/council-rdf.xml",
	    "feeds/thinktank-warts.xml", "parse/declared-entities.xml" };
	size_t	 i, chunk, len;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char	*data = slurp(files[i], &len);
		char	*whole = parse_chunked(data, len, len ? len : 1, NULL);

		assert_non_null(strstr(whole, "\"entries\":[{"));
		for (chunk = 1; chunk <= 64; chunk++) {
			char	*s = parse_chunked(data, len, chunk, NULL);

			if (strcmp(s, whole) != 0)
				fail_msg("%s in %zu-byte chunks differs:\n%s\n%s",
				    files[i], chunk, s, whole);
			free(s);
		}
		free(whole);
		free(data);
	}
}

/*
 * An ISO-8859-7 document served as UTF-8 (tests/data/enc): read as
 * declared however the bytes arrive, as heraldd pushes them.
 */
static void
test_charset_override_chunks(void **state)
{
	const char	*ct = "application/rss+xml; charset=utf-8";
	size_t		 len, chunk;
	char		*data = slurp("enc/greek-iso-8859-7.xml", &len);
	char		*whole = parse_chunked(data, len, len, ct);

	/* the feed's title, "Νέα από τις Βρυξέλλες" */
	assert_non_null(strstr(whole, "\"value\":\"\xce\x9d\xce\xad\xce\xb1 "
	    "\xce\xb1\xcf\x80\xcf\x8c \xcf\x84\xce\xb9\xcf\x82 "
	    "\xce\x92\xcf\x81\xcf\x85\xce\xbe\xce\xad\xce\xbb\xce\xbb\xce\xb5\xcf\x82\""));
	for (chunk = 1; chunk <= 64; chunk++) {
		char	*s = parse_chunked(data, len, chunk, ct);

		if (strcmp(s, whole) != 0)
			fail_msg("in %zu-byte chunks differs:\n%s\n%s", chunk, s,
			    whole);
		free(s);
	}
	free(whole);
	free(data);
}

/*
 * The end of a CDATA section, comment or PI split across chunks: the text
 * after it is still repaired (its undeclared entity mapped, not bozo).
 */
static void
test_chunked_markup_ends(void **state)
{
	static const char doc[] = "<?xml version='1.0'?><rss version='2.0'><channel><item>"
	    "<description><![CDATA[<p>x</p>]]></description><!-- c -->"
	    "<?pi x?><title>a&eacute;b</title></item></channel></rss>";
	char	*whole = parse_chunked(doc, sizeof(doc) - 1, sizeof(doc) - 1, NULL);
	size_t	 chunk;

	assert_non_null(strstr(whole, "a\xc3\xa9" "b"));
	assert_non_null(strstr(whole, "\"bozo\":true"));
	for (chunk = 1; chunk <= 16; chunk++) {
		char	*s = parse_chunked(doc, sizeof(doc) - 1, chunk, NULL);

		if (strcmp(s, whole) != 0)
			fail_msg("in %zu-byte chunks:\n%s\n%s", chunk, s, whole);
		free(s);
	}
	free(whole);
}

static void
count_entry(void *arg, const struct parse_entry *e)
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

/* The entity caps: count, and bytes expanded per document. */
static void
test_entity_caps(void **state)
{
	struct buf	 b;
	char		*err = NULL;
	json_t		*doc;
	size_t		 i, n;

	for (n = PARSE_MAX_ENTITIES; n <= PARSE_MAX_ENTITIES + 1; n++) {
		buf_init(&b, 0);
		buf_puts(&b, "<!DOCTYPE rss [");
		for (i = 0; i < n; i++)
			buf_printf(&b, "<!ENTITY e%zu 'v'>", i);
		buf_printf(&b, "]><rss version='2.0'><channel><title>&e%zu;"
		    "</title></channel></rss>", n - 1);
		doc = parse_buffer(NULL, b.data, b.len, &err);
		if (n == PARSE_MAX_ENTITIES) {
			assert_non_null(doc);
			json_decref(doc);
		} else {
			assert_null(doc);
			assert_non_null(strstr(err, "more than 256 entities"));
			free(err);
		}
		buf_free(&b);
	}
	/* 1 KB entities: exactly the expansion cap, then one more */
	for (n = 1024; n <= 1025; n++) {
		buf_init(&b, 0);
		buf_puts(&b, "<!DOCTYPE rss [<!ENTITY k '");
		for (i = 0; i < PARSE_MAX_ENTITY_TEXT; i++)
			buf_putc(&b, 'k');
		buf_puts(&b, "'>]><rss version='2.0'><channel><item><description>");
		for (i = 0; i < n; i++)
			buf_puts(&b, "&k;");
		buf_puts(&b, "</description></item></channel></rss>");
		doc = parse_buffer(NULL, b.data, b.len, &err);
		if (n * PARSE_MAX_ENTITY_TEXT <= PARSE_MAX_ENTITY_EXPANSION) {
			assert_non_null(doc);
			json_decref(doc);
		} else {
			assert_null(doc);
			assert_non_null(strstr(err, "expand to more than"));
			free(err);
		}
		buf_free(&b);
	}
}

/* The typed view: what heraldd and the summary read, without JSON. */
struct typed {
	size_t			 n;
	char			 title[64], type[32], lang[16], date[64];
	int64_t			 published, updated;
	int			 pvalid, uvalid;
	char			 link[64], encl[64], media[64], tag[64];
	char			 author[64], person[64];
	size_t			 nlinks, ntags, ncontent;
};

static void
copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s != NULL ? s : "(null)");
}

static void
typed_entry(void *arg, const struct parse_entry *e)
{
	struct typed		*t = arg;
	const struct parse_date	*d = parse_entry_date(e);

	if (t->n++ > 0)
		return;
	copy(t->title, sizeof(t->title), e->title.value);
	copy(t->type, sizeof(t->type), e->summary.type);
	copy(t->lang, sizeof(t->lang), e->title.language);
	copy(t->date, sizeof(t->date), d != NULL ? d->raw : NULL);
	t->published = e->published.epoch;
	t->pvalid = e->published.valid;
	t->updated = e->updated.epoch;
	t->uvalid = e->updated.valid;
	copy(t->link, sizeof(t->link), e->link);
	copy(t->encl, sizeof(t->encl), e->nenclosures ? e->enclosures[0].url :
	    NULL);
	copy(t->media, sizeof(t->media), e->nmedia ? e->media[0].url : NULL);
	copy(t->tag, sizeof(t->tag), e->ntags ? e->tags[e->ntags - 1].term :
	    NULL);
	copy(t->author, sizeof(t->author), e->author);
	copy(t->person, sizeof(t->person), e->nauthors ? e->authors[0].email :
	    NULL);
	t->nlinks = e->nlinks;
	t->ntags = e->ntags;
	t->ncontent = e->ncontent;
}

static void
test_typed_entry(void **state)
{
	static const char doc[] = "<rss version='2.0' "
	    "xmlns:media='http://search.yahoo.com/mrss/' "
	    "xmlns:dc='http://purl.org/dc/elements/1.1/'><channel><item>"
	    "<title>T &amp; U</title><link>http://e.eu/a</link>"
	    "<description>&lt;p&gt;x&lt;/p&gt;</description>"
	    "<dc:date>2026-01-02T03:04:05Z</dc:date>"
	    "<author>jo@e.eu (Jo)</author><category>A</category>"
	    "<category domain='d'>B</category>"
	    "<enclosure url='http://e.eu/a.mp3' length='1' type='audio/mpeg'/>"
	    "<media:content url='http://e.eu/i.jpg'/>"
	    "</item></channel></rss>";
	struct parse_opts	 o = { 0 };
	struct typed		 t = { 0 };
	struct parser		*p = parse_new(&o, typed_entry, &t);

	assert_int_equal(parse_push(p, doc, sizeof(doc) - 1), 0);
	assert_int_equal(parse_finish(p), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.title, "T & U");
	assert_string_equal(t.type, "text/html");
	assert_string_equal(t.date, "2026-01-02T03:04:05Z");
	assert_false(t.pvalid);
	assert_true(t.uvalid);
	assert_int_equal(t.updated, 1767323045);
	assert_string_equal(t.link, "http://e.eu/a");
	assert_string_equal(t.encl, "http://e.eu/a.mp3");
	assert_string_equal(t.media, "http://e.eu/i.jpg");
	assert_int_equal(t.ntags, 2);
	assert_string_equal(t.tag, "B");
	assert_string_equal(t.author, "jo@e.eu (Jo)");	/* as written */
	assert_string_equal(t.person, "jo@e.eu");
	assert_int_equal(t.nlinks, 2);	/* the alternate and the enclosure */
	assert_int_equal(t.ncontent, 0);
	parse_free(p);
}

static void
test_typed_feed(void **state)
{
	static const char doc[] = "<rss version='2.0' "
	    "xmlns:sy='http://purl.org/rss/1.0/modules/syndication/'>"
	    "<channel><title>F</title><link>http://e.eu/</link>"
	    "<ttl>45</ttl><sy:updatePeriod>daily</sy:updatePeriod>"
	    "<sy:updateFrequency>4</sy:updateFrequency>"
	    "<skipHours><hour>0</hour><hour>5</hour><hour>24</hour>"
	    "<hour>23</hour></skipHours>"
	    "<skipDays><day>Sunday</day><day>saturday</day></skipDays>"
	    "<item><title>i</title></item></channel></rss>";
	const struct parse_feed	*f;
	struct parser		*p = parse_new(NULL, NULL, NULL);

	assert_int_equal(parse_push(p, doc, sizeof(doc) - 1), 0);
	assert_int_equal(parse_finish(p), 0);
	f = parse_feed(p);
	assert_string_equal(f->title.value, "F");
	assert_string_equal(f->link, "http://e.eu/");
	assert_string_equal(f->version, "rss20");
	assert_int_equal(f->ttl, 45);
	assert_int_equal(f->update_period, 86400 / 4);
	assert_int_equal(f->skip_hours, (1u << 0) | (1u << 5) | (1u << 23));
	assert_int_equal(f->skip_days, (1u << 0) | (1u << 6));
	assert_int_equal(f->nentries, 1);
	assert_int_equal(f->failure, PARSE_OK);
	assert_null(f->error);
	assert_false(f->bozo);
	parse_free(p);
}

/* The kind of a rejection, without reading its message. */
static void
test_failure_kinds(void **state)
{
	static const struct {
		const char		*doc;
		enum parse_failure	 want;
	} k[] = {
		{ "<!DOCTYPE html><html><body>x</body></html>", PARSE_NOT_FEED },
		{ "{\"a\": 1}", PARSE_NOT_FEED },
		{ "", PARSE_NOT_FEED },
		{ "<!DOCTYPE rss [<!ENTITY a '<b/>'>]><rss/>", PARSE_ENTITY },
		{ "<rss><channel><item a1='1' a2='2' a3='3'", PARSE_OK },
	};
	size_t	 i, j;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct parser	*p = parse_new(NULL, NULL, NULL);
		int		 rc;

		parse_push(p, k[i].doc, strlen(k[i].doc));
		rc = parse_finish(p);
		assert_int_equal(rc, k[i].want == PARSE_OK ? 0 : -1);
		assert_int_equal(parse_feed(p)->failure, k[i].want);
		parse_free(p);
	}
	{
		struct buf	 b;
		struct parser	*p = parse_new(NULL, NULL, NULL);

		buf_init(&b, 0);
		buf_puts(&b, "<rss><channel><item");
		for (j = 0; j < PARSE_MAX_ATTRS + 1; j++)
			buf_printf(&b, " a%zu='x'", j);
		buf_puts(&b, "/></channel></rss>");
		assert_int_equal(parse_push(p, b.data, b.len), -1);
		assert_int_equal(parse_finish(p), -1);
		assert_int_equal(parse_feed(p)->failure, PARSE_LIMIT);
		parse_free(p);
		buf_free(&b);
	}
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
	struct CMUnitTest	 tests[sizeof(cases) / sizeof(cases[0]) + 10];
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
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_chunked_markup_ends);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_charset_override_chunks);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_item_cap);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_field_cap);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_attribute_cap);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_entity_caps);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_typed_entry);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_typed_feed);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_failure_kinds);
	parse_global_init();
	return _cmocka_run_group_tests("parse", tests, n, NULL, NULL);
}
