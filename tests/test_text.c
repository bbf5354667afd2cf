/*
 * test_text.c: the text module: UTF-8 validation and repair (Markus Kuhn's
 * decoder stress cases, Unicode's maximal-subpart examples, an exhaustive
 * check against an independent decoder), the HTML5 entity table, and
 * html_to_text() on real and broken HTML.  One TAP line per case.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util.h"
#include "text.h"
#include "entities.h"

/* A literal and its length, NUL bytes included. */
#define B(s)	s, sizeof(s) - 1
/* U+FFFD; keep it a separate literal so a hex digit after it is not eaten. */
#define R	"\xef\xbf\xbd"

struct u8case {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 valid;		/* utf8_valid() */
	const char	*want;		/* utf8_sanitize() */
};

static const struct u8case u8cases[] = {
	{ "empty", B(""), 1, "" },
	{ "ascii", B("hello, world"), 1, "hello, world" },
	{ "kuhn 1 kosme", B("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"), 1,
	    "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5" },
	/* 2.1 first sequence of each length */
	{ "kuhn 2.1.1 U+0000", B("a\0b"), 0, "ab" },
	{ "kuhn 2.1.2 U+0080", B("\xc2\x80"), 1, "\xc2\x80" },
	{ "kuhn 2.1.3 U+0800", B("\xe0\xa0\x80"), 1, "\xe0\xa0\x80" },
	{ "kuhn 2.1.4 U+10000", B("\xf0\x90\x80\x80"), 1, "\xf0\x90\x80\x80" },
	{ "kuhn 2.1.5 5 bytes", B("\xf8\x88\x80\x80\x80"), 0, R R R R R },
	{ "kuhn 2.1.6 6 bytes", B("\xfc\x84\x80\x80\x80\x80"), 0,
	    R R R R R R },
	/* 2.2 last sequence of each length */
	{ "kuhn 2.2.1 U+007F", B("a\x7f" "b"), 1, "ab" },
	{ "kuhn 2.2.2 U+07FF", B("\xdf\xbf"), 1, "\xdf\xbf" },
	{ "kuhn 2.2.3 U+FFFF", B("\xef\xbf\xbf"), 1, "\xef\xbf\xbf" },
	{ "kuhn 2.2.4 U+1FFFFF", B("\xf7\xbf\xbf\xbf"), 0, R R R R },
	{ "kuhn 2.2.5 5 bytes", B("\xfb\xbf\xbf\xbf\xbf"), 0, R R R R R },
	{ "kuhn 2.2.6 6 bytes", B("\xfd\xbf\xbf\xbf\xbf\xbf"), 0,
	    R R R R R R },
	/* 2.3 other boundaries */
	{ "kuhn 2.3.1 U+D7FF", B("\xed\x9f\xbf"), 1, "\xed\x9f\xbf" },
	{ "kuhn 2.3.2 U+E000", B("\xee\x80\x80"), 1, "\xee\x80\x80" },
	{ "kuhn 2.3.3 U+FFFD", B("\xef\xbf\xbd"), 1, "\xef\xbf\xbd" },
	{ "kuhn 2.3.4 U+10FFFF", B("\xf4\x8f\xbf\xbf"), 1, "\xf4\x8f\xbf\xbf" },
	{ "kuhn 2.3.5 U+110000", B("\xf4\x90\x80\x80"), 0, R R R R },
	/* 3.1 unexpected continuation bytes */
	{ "kuhn 3.1.1 80", B("\x80"), 0, R },
	{ "kuhn 3.1.2 bf", B("\xbf"), 0, R },
	{ "kuhn 3.1.3 2 continuations", B("\x80\xbf"), 0, R R },
	{ "kuhn 3.1.4 3 continuations", B("\x80\xbf\x80"), 0, R R R },
	{ "kuhn 3.1.7 7 continuations", B("\x80\xbf\x80\xbf\x80\xbf\x80"), 0,
	    R R R R R R R },
	{ "lone continuation in text", B("a\x80" "b"), 0, "a" R "b" },
	{ "continuation after a character", B("\xc3\xa9\xa9"), 0, "\xc3\xa9" R },
	/* 3.2 lonely start characters, each followed by a space */
	{ "kuhn 3.2.1 c0 c1 df", B("\xc0 \xc1 \xdf "), 0, R " " R " " R " " },
	{ "kuhn 3.2.2 e0 ef", B("\xe0 \xef "), 0, R " " R " " },
	{ "kuhn 3.2.3 f0 f7", B("\xf0 \xf7 "), 0, R " " R " " },
	{ "kuhn 3.2.4 f8 fb", B("\xf8 \xfb "), 0, R " " R " " },
	{ "kuhn 3.2.5 fc fd", B("\xfc \xfd "), 0, R " " R " " },
	/* 3.3 sequences with the last continuation byte missing */
	{ "kuhn 3.3.1 c0", B("\xc0"), 0, R },
	{ "kuhn 3.3.2 e0 80", B("\xe0\x80"), 0, R R },
	{ "kuhn 3.3.3 f0 80 80", B("\xf0\x80\x80"), 0, R R R },
	{ "kuhn 3.3.4 f8 80 80 80", B("\xf8\x80\x80\x80"), 0, R R R R },
	{ "kuhn 3.3.5 fc 80 80 80 80", B("\xfc\x80\x80\x80\x80"), 0,
	    R R R R R },
	{ "kuhn 3.3.6 df", B("\xdf"), 0, R },
	{ "kuhn 3.3.7 ef bf", B("\xef\xbf"), 0, R },
	{ "kuhn 3.3.8 f7 bf bf", B("\xf7\xbf\xbf"), 0, R R R },
	{ "kuhn 3.3.9 fb bf bf bf", B("\xfb\xbf\xbf\xbf"), 0, R R R R },
	{ "kuhn 3.3.10 fd bf bf bf bf", B("\xfd\xbf\xbf\xbf\xbf"), 0,
	    R R R R R },
	{ "truncated 3 bytes then ascii", B("\xe2\x82x"), 0, R "x" },
	{ "truncated 4 bytes then ascii", B("\xf0\x9f\x98x"), 0, R "x" },
	{ "truncated at end", B("ok\xf0\x9f\x98"), 0, "ok" R },
	/* 3.4 all of 3.3 concatenated */
	{ "kuhn 3.4 concatenation",
	    B("\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80\xfc\x80\x80\x80\x80"
	    "\xdf\xef\xbf\xf7\xbf\xbf\xfb\xbf\xbf\xbf\xfd\xbf\xbf\xbf\xbf"), 0,
	    R R R R R R R R R R R R R R R R R R R R R R R R R R R R R },
	/* 3.5 impossible bytes */
	{ "kuhn 3.5.1 fe", B("\xfe"), 0, R },
	{ "kuhn 3.5.2 ff", B("\xff"), 0, R },
	{ "kuhn 3.5.3 fe fe ff ff", B("\xfe\xfe\xff\xff"), 0, R R R R },
	/* 4.1 overlong slashes */
	{ "kuhn 4.1.1 c0 af", B("\xc0\xaf"), 0, R R },
	{ "kuhn 4.1.2 e0 80 af", B("\xe0\x80\xaf"), 0, R R R },
	{ "kuhn 4.1.3 f0 80 80 af", B("\xf0\x80\x80\xaf"), 0, R R R R },
	{ "kuhn 4.1.4 f8 80 80 80 af", B("\xf8\x80\x80\x80\xaf"), 0,
	    R R R R R },
	{ "kuhn 4.1.5 fc 80 80 80 80 af", B("\xfc\x80\x80\x80\x80\xaf"), 0,
	    R R R R R R },
	/* 4.2 largest overlongs */
	{ "kuhn 4.2.1 c1 bf", B("\xc1\xbf"), 0, R R },
	{ "kuhn 4.2.2 e0 9f bf", B("\xe0\x9f\xbf"), 0, R R R },
	{ "kuhn 4.2.3 f0 8f bf bf", B("\xf0\x8f\xbf\xbf"), 0, R R R R },
	/* 4.3 overlong NUL */
	{ "kuhn 4.3.1 c0 80", B("\xc0\x80"), 0, R R },
	{ "kuhn 4.3.2 e0 80 80", B("\xe0\x80\x80"), 0, R R R },
	{ "kuhn 4.3.3 f0 80 80 80", B("\xf0\x80\x80\x80"), 0, R R R R },
	/* 5.1 single surrogates */
	{ "kuhn 5.1.1 U+D800", B("\xed\xa0\x80"), 0, R R R },
	{ "kuhn 5.1.2 U+DB7F", B("\xed\xad\xbf"), 0, R R R },
	{ "kuhn 5.1.3 U+DB80", B("\xed\xae\x80"), 0, R R R },
	{ "kuhn 5.1.4 U+DBFF", B("\xed\xaf\xbf"), 0, R R R },
	{ "kuhn 5.1.5 U+DC00", B("\xed\xb0\x80"), 0, R R R },
	{ "kuhn 5.1.6 U+DF80", B("\xed\xbe\x80"), 0, R R R },
	{ "kuhn 5.1.7 U+DFFF", B("\xed\xbf\xbf"), 0, R R R },
	/* 5.2 paired surrogates (CESU-8) */
	{ "kuhn 5.2.1 U+D800 U+DC00", B("\xed\xa0\x80\xed\xb0\x80"), 0,
	    R R R R R R },
	{ "kuhn 5.2.8 U+DBFF U+DFFF", B("\xed\xaf\xbf\xed\xbf\xbf"), 0,
	    R R R R R R },
	/* 5.3 noncharacters are valid */
	{ "kuhn 5.3.1 U+FFFE", B("\xef\xbf\xbe"), 1, "\xef\xbf\xbe" },
	{ "kuhn 5.3.4 U+10FFFE", B("\xf4\x8f\xbf\xbe"), 1, "\xf4\x8f\xbf\xbe" },
	/* The Unicode Standard's table 3-8 (and WHATWG's) example. */
	{ "unicode table 3-8",
	    B("\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64"), 0,
	    "a" R R R "b" R "c" R R "d" },
	{ "maximal subpart e1 80 41", B("\xe1\x80\x41"), 0, R "A" },
	{ "maximal subpart f1 80 80 41", B("\xf1\x80\x80\x41"), 0, R "A" },
	{ "maximal subpart f4 8f bf 41", B("\xf4\x8f\xbf\x41"), 0, R "A" },
	{ "maximal subpart ed 9f 41", B("\xed\x9f\x41"), 0, R "A" },
	{ "maximal subpart ed a0 41", B("\xed\xa0\x41"), 0, R R "A" },
	{ "maximal subpart f0 90 41", B("\xf0\x90\x41"), 0, R "A" },
	{ "maximal subpart f0 8f 41", B("\xf0\x8f\x41"), 0, R R "A" },
	/* controls */
	{ "tab newline return kept", B("a\tb\nc\rd"), 1, "a\tb\nc\rd" },
	{ "C0 controls dropped", B("a\x01\x02\x08\x0b\x0c\x0e\x1b\x1f" "b"), 1,
	    "ab" },
	{ "DEL dropped", B("\x7f" "x\x7f"), 1, "x" },
	{ "NULs dropped", B("\0\0a\0"), 0, "a" },
	{ "C1 control kept", B("\xc2\x85"), 1, "\xc2\x85" },
	{ "control between bad bytes", B("\xff\x01\xff"), 0, R R },
	{ "latin-1 text", B("caf\xe9 cr\xe8me"), 0, "caf" R " cr" R "me" },
};
#define NU8CASES	(sizeof(u8cases) / sizeof(u8cases[0]))

struct enccase {
	uint32_t	 cp;
	const char	*want;		/* NULL: not encodable */
	size_t		 len;
};

static const struct enccase enccases[] = {
	{ 0x00, "\0", 1 },
	{ 0x41, "A", 1 },
	{ 0x7f, "\x7f", 1 },
	{ 0x80, "\xc2\x80", 2 },
	{ 0xe9, "\xc3\xa9", 2 },
	{ 0x7ff, "\xdf\xbf", 2 },
	{ 0x800, "\xe0\xa0\x80", 3 },
	{ 0x20ac, "\xe2\x82\xac", 3 },
	{ 0xd7ff, "\xed\x9f\xbf", 3 },
	{ 0xd800, NULL, 0 },
	{ 0xdbff, NULL, 0 },
	{ 0xdc00, NULL, 0 },
	{ 0xdfff, NULL, 0 },
	{ 0xe000, "\xee\x80\x80", 3 },
	{ 0xfffd, "\xef\xbf\xbd", 3 },
	{ 0xffff, "\xef\xbf\xbf", 3 },
	{ 0x10000, "\xf0\x90\x80\x80", 4 },
	{ 0x1f600, "\xf0\x9f\x98\x80", 4 },
	{ 0x10ffff, "\xf4\x8f\xbf\xbf", 4 },
	{ 0x110000, NULL, 0 },
	{ 0x7fffffff, NULL, 0 },
	{ 0xffffffff, NULL, 0 },
};
#define NENCCASES	(sizeof(enccases) / sizeof(enccases[0]))

struct entcase {
	const char	*name;
	size_t		 len;		/* 0: strlen(name) */
	const char	*want;		/* NULL: unknown */
};

static const struct entcase entcases[] = {
	{ "nbsp", 0, "\xc2\xa0" },
	{ "eacute", 0, "\xc3\xa9" },
	{ "Eacute", 0, "\xc3\x89" },
	{ "rsquo", 0, "\xe2\x80\x99" },
	{ "ldquo", 0, "\xe2\x80\x9c" },
	{ "hellip", 0, "\xe2\x80\xa6" },
	{ "mdash", 0, "\xe2\x80\x94" },
	{ "euro", 0, "\xe2\x82\xac" },
	{ "copy", 0, "\xc2\xa9" },
	{ "amp", 0, "&" },
	{ "lt", 0, "<" },
	{ "gt", 0, ">" },
	{ "quot", 0, "\"" },
	{ "apos", 0, "'" },
	{ "AMP", 0, "&" },
	{ "lang", 0, "\xe2\x9f\xa8" },		/* HTML5's, not HTML 4's */
	{ "Aacute", 0, "\xc3\x81" },		/* first letters of the table */
	{ "zwnj", 0, "\xe2\x80\x8c" },		/* the last name */
	{ "CounterClockwiseContourIntegral", 0, "\xe2\x88\xb3" }, /* longest */
	{ "NotEqualTilde", 0, "\xe2\x89\x82\xcc\xb8" },	/* two code points */
	{ "ngE", 0, "\xe2\x89\xa7\xcc\xb8" },
	{ "fjlig", 0, "fj" },
	{ "not", 0, "\xc2\xac" },		/* prefix of notin */
	{ "notin", 0, "\xe2\x88\x89" },
	{ "notinva", 0, "\xe2\x88\x89" },
	{ "notinv", 0, NULL },			/* prefix of notinva only */
	{ "no", 0, NULL },			/* prefix of not */
	{ "le", 0, "\xe2\x89\xa4" },
	{ "leq", 0, "\xe2\x89\xa4" },
	{ "leqq", 0, "\xe2\x89\xa6" },
	{ "l", 0, NULL },
	{ "notinvaa", 0, NULL },		/* a known name plus one */
	{ "nbspx", 0, NULL },
	{ "Amp", 0, NULL },			/* case matters */
	{ "NBSP", 0, NULL },
	{ "foo", 0, NULL },
	{ "", 0, NULL },
	{ "amp;", 0, NULL },			/* the ';' is not part of it */
	{ "&amp", 0, NULL },
	{ "nbsp;", 4, "\xc2\xa0" },		/* length, not NUL, ends it */
	{ "notin", 3, "\xc2\xac" },
	{ "eacutex", 6, "\xc3\xa9" },
	{ "am\0p", 4, NULL },
	{ "CounterClockwiseContourIntegralX", 0, NULL },	/* too long */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, NULL },
	{ "\xc3\xa9", 0, NULL },
};
#define NENTCASES	(sizeof(entcases) / sizeof(entcases[0]))

struct htmlcase {
	const char	*name;
	const char	*in;
	size_t		 len;
	size_t		 maxlen;
	const char	*want;
};

static const struct htmlcase htmlcases[] = {
	/* plain text passes unchanged but for white space */
	{ "plain", B("Hello, world."), 0, "Hello, world." },
	{ "plain ampersands", B("Fish & Chips, AT&T, R&D; Tom &c"), 0,
	    "Fish & Chips, AT&T, R&D; Tom &c" },
	{ "plain less-than", B("a < b > c, 1<2, x <3 y, 5 <= 6"), 0,
	    "a < b > c, 1<2, x <3 y, 5 <= 6" },
	{ "plain unknown entity", B("&unknown; &#; &#x; &# &"), 0,
	    "&unknown; &#; &#x; &# &" },
	{ "plain names that are no entities", B("&nothing &ampx &copy2 &foo "
	    "&eacutes"), 0, "&nothing &ampx &copy2 &foo &eacutes" },
	{ "plain punctuation", B("100% sure; 3/4 \"quoted\" 'single' {x} [y]"),
	    0, "100% sure; 3/4 \"quoted\" 'single' {x} [y]" },
	{ "plain non-ascii", B("Pe\xcc\x81kin \xe2\x80\x94 \xd0\x9a\xd0\xb8\xd1"
	    "\x82\xd0\xb0\xd0\xb9 \xe4\xb8\xad\xe5\x9b\xbd"), 0,
	    "Pe\xcc\x81kin \xe2\x80\x94 \xd0\x9a\xd0\xb8\xd1\x82\xd0\xb0\xd0\xb9 "
	    "\xe4\xb8\xad\xe5\x9b\xbd" },
	{ "whitespace folded", B("  a \t\n b\r\n\n  c  "), 0, "a b c" },
	{ "nbsp folded", B("a&nbsp;&nbsp; b\xc2\xa0" "c"), 0, "a b c" },
	{ "empty", B(""), 0, "" },
	{ "only white space", B(" \n\t&nbsp; "), 0, "" },
	{ "only markup", B("<p></p><br><div> </div>"), 0, "" },
	/* entities */
	{ "entity amp", B("Q&amp;A"), 0, "Q&A" },
	{ "entity lt gt", B("&lt;b&gt;not bold&lt;/b&gt;"), 0,
	    "<b>not bold</b>" },
	{ "entity quot apos", B("&quot;x&quot; &apos;y&apos;"), 0,
	    "\"x\" 'y'" },
	{ "entity eacute", B("&eacute;t&eacute;"), 0, "\xc3\xa9t\xc3\xa9" },
	{ "entity rsquo hellip euro", B("it&rsquo;s&hellip; 5&euro;"), 0,
	    "it\xe2\x80\x99s\xe2\x80\xa6 5\xe2\x82\xac" },
	{ "entity html5 only", B("a &NotEqualTilde; b"), 0,
	    "a \xe2\x89\x82\xcc\xb8 b" },
	{ "entity with ascii part", B("&nvlt;x"), 0, "<\xe2\x83\x92x" },
	{ "entity not decoded twice", B("&amp;lt; &amp;amp; &amp;#38;"), 0,
	    "&lt; &amp; &#38;" },
	{ "entity legacy without ';'", B("&copy 2024, Tom &amp Jerry, "
	    "caf&eacute, &lt&gt, &nbsp|&COPY"), 0,
	    "\xc2\xa9 2024, Tom & Jerry, caf\xc3\xa9, <>, |\xc2\xa9" },
	{ "entity non-legacy needs ';'", B("&hellip &rsquo. &NotEqualTilde"),
	    0, "&hellip &rsquo. &NotEqualTilde" },
	{ "entity numeric", B("&#8217;&#x2019;&#X2019;&#39;&#38;"), 0,
	    "\xe2\x80\x99\xe2\x80\x99\xe2\x80\x99'&" },
	{ "entity numeric without ';'", B("&#233 x"), 0, "\xc3\xa9 x" },
	{ "entity numeric windows-1252", B("&#146;&#147;&#148;&#150;&#128;"),
	    0, "\xe2\x80\x99\xe2\x80\x9c\xe2\x80\x9d\xe2\x80\x93\xe2\x82\xac" },
	{ "entity numeric invalid", B("a&#0;b&#xD800;c&#1114112;d&#1;e"), 0,
	    "a" R "b" R "c" R "de" },
	{ "entity numeric markup", B("&#60;p&#62;x"), 0, "<p>x" },
	{ "entity in attribute not shown", B("<a title=\"&hellip;\">x</a>"), 0,
	    "x" },
	/* blocks */
	{ "paragraphs", B("<p>one</p><p>two</p>"), 0, "one\n\ntwo" },
	{ "paragraph between text", B("x <p>y</p> z"), 0, "x\n\ny\n\nz" },
	{ "br", B("a<br>b<br/>c<BR />d"), 0, "a\nb\nc\nd" },
	{ "br twice", B("a<br><br>b"), 0, "a\n\nb" },
	{ "br many", B("a<br><br><br><br><br>b"), 0, "a\n\nb" },
	{ "br at end of block", B("<div>a<br></div><div>b</div>"), 0,
	    "a\nb" },
	{ "br at start", B("<br><br>a"), 0, "a" },
	{ "div", B("<div>a</div><div>b</div>c"), 0, "a\nb\nc" },
	{ "headings", B("<h1>Title</h1><p>Body</p><h2>Sub</h2>x"), 0,
	    "Title\n\nBody\n\nSub\n\nx" },
	{ "list", B("<ul><li>one</li><li>two</li></ul>after"), 0,
	    "one\ntwo\nafter" },
	{ "list unclosed items", B("<ol><li>a<li>b<li>c</ol>"), 0,
	    "a\nb\nc" },
	{ "list nested", B("<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>"),
	    0, "a\nb\nc" },
	{ "definition list", B("<dl><dt>term</dt><dd>def</dd></dl>"), 0,
	    "term\ndef" },
	{ "table", B("<table><tr><th>h1</th><th>h2</th></tr>"
	    "<tr><td>a</td><td>b</td></tr></table>"), 0, "h1 h2\na b" },
	{ "blockquote", B("said:<blockquote>quote</blockquote>end"), 0,
	    "said:\n\nquote\n\nend" },
	{ "hr", B("a<hr>b"), 0, "a\n\nb" },
	{ "html5 sections", B("<article><header>h</header><section>s</section>"
	    "<footer>f</footer></article>"), 0, "h\ns\nf" },
	{ "pre keeps lines", B("<pre>  line 1\n    line  2\n\n\n\nline 3</pre>"
	    "after"), 0, "line 1\nline 2\n\nline 3\n\nafter" },
	{ "lines trimmed", B("<p>  a  </p>  <p>\n b \n</p>"), 0, "a\n\nb" },
	{ "one blank line at most", B("<p>a</p><br><br><br><p></p><p>b</p>"),
	    0, "a\n\nb" },
	/* dropped contents */
	{ "script", B("a<script>var x = '<p>no</p>';</script>b"), 0, "ab" },
	{ "script with end tag in string",
	    B("<p>x</p><script>if (a<b) x=\"</p>\";</script>y"), 0, "x\n\ny" },
	{ "script uppercase", B("a<SCRIPT type=text/javascript>1 < 2"
	    "</SCRIPT>b"), 0, "ab" },
	{ "style", B("<style>p { color: red }</style><p>text</p>"), 0,
	    "text" },
	{ "head and title", B("<html><head><title>T</title><meta charset=utf-8>"
	    "<style>x{}</style></head><body><p>Hi</p></body></html>"), 0,
	    "Hi" },
	{ "comment", B("a<!-- comment <p>x</p> -->b"), 0, "ab" },
	{ "template", B("a<template><p>t</p></template>b"), 0, "ab" },
	/* inline */
	{ "nested inline", B("<p>a<b>b<i>c<u>d</u></i></b>e</p>"), 0,
	    "abcde" },
	{ "inline spaces", B("<b>bold</b> <i>italic</i> <a href=\"x\">link</a>"),
	    0, "bold italic link" },
	{ "inline html5", B("<p><mark>a</mark> <time>b</time></p>"), 0,
	    "a b" },
	{ "img", B("a <img src=\"x.png\" alt=\"pic\"> b"), 0, "a b" },
	/* broken HTML */
	{ "broken unclosed", B("<p>unclosed <b>bold <i>italic"), 0,
	    "unclosed bold italic" },
	{ "broken stray end tags", B("</p>stray</b> end</div>"), 0,
	    "stray end" },
	{ "broken misnested", B("<b><i>x</b></i>y"), 0, "xy" },
	{ "broken div in p", B("<p>a<div>b</div>c</p>"), 0, "a\n\nb\nc" },
	{ "broken attribute quote", B("<p title=\"x>hidden</p>shown"), 0, "" },
	{ "broken unterminated comment", B("a<!-- never closed"), 0, "a" },
	{ "broken angle brackets", B("<<>> <> </>"), 0, "<<>> <> </>" },
	{ "broken tag at end", B("text<"), 0, "text<" },
	{ "broken truncated tag", B("text<a href"), 0, "text" },
	/* encoding */
	{ "meta charset ignored", B("<meta charset=\"iso-8859-1\"><p>\xc3\xa9 "
	    "\xe2\x80\x9cx\xe2\x80\x9d</p>"), 0,
	    "\xc3\xa9 \xe2\x80\x9cx\xe2\x80\x9d" },
	{ "invalid utf-8 replaced", B("<p>caf\xe9 au lait</p><p>\xc3\xa9</p>"),
	    0, "caf" R " au lait\n\n\xc3\xa9" },
	{ "NUL and controls dropped", B("a\0b\x01" "c<p>d\x1b</p>"), 0,
	    "abc\n\nd" },
	{ "byte order mark", B("\xef\xbb\xbfhello"), 0, "hello" },
	/* the cap */
	{ "cap ascii", B("abcdef"), 3, "abc" },
	{ "cap exact", B("abc"), 3, "abc" },
	{ "cap 0 is none", B("abcdef"), 0, "abcdef" },
	{ "cap before 2-byte char", B("h&eacute;llo"), 2, "h" },
	{ "cap after 2-byte char", B("h&eacute;llo"), 3, "h\xc3\xa9" },
	{ "cap in 3-byte char 1", B("\xe6\x97\xa5\xe6\x9c\xac"), 4,
	    "\xe6\x97\xa5" },
	{ "cap in 3-byte char 2", B("\xe6\x97\xa5\xe6\x9c\xac"), 5,
	    "\xe6\x97\xa5" },
	{ "cap after 3-byte chars", B("\xe6\x97\xa5\xe6\x9c\xac"), 6,
	    "\xe6\x97\xa5\xe6\x9c\xac" },
	{ "cap in 4-byte char", B("\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), 7,
	    "\xf0\x9f\x98\x80" },
	{ "cap in first char", B("\xf0\x9f\x98\x80"), 3, "" },
	{ "cap on a space", B("ab cd"), 3, "ab" },
	{ "cap on a blank line", B("<p>ab</p><p>cd</p>"), 4, "ab" },
	{ "cap after a blank line", B("<p>ab</p><p>cd</p>"), 5, "ab\n\nc" },
};
#define NHTMLCASES	(sizeof(htmlcases) / sizeof(htmlcases[0]))

struct wscase {
	const char	*in;
	const char	*want;
};

static const struct wscase wscases[] = {
	{ "", "" },
	{ "a", "a" },
	{ "   ", "" },
	{ "  a  b  ", "a b" },
	{ "a\t\n\r\f\vb", "a b" },
	{ "\n\nline one\n\nline two\n", "line one line two" },
	{ "a\xc2\xa0\xc2\xa0" "b", "a b" },
	{ "\xc2\xa0x\xc2\xa0", "x" },
	{ "caf\xc3\xa9  cr\xc3\xa8me", "caf\xc3\xa9 cr\xc3\xa8me" },
	{ "\xc3\xa0 b", "\xc3\xa0 b" },		/* 0xa0 inside a character */
	{ "a\xc2", "a\xc2" },			/* a lone lead byte at the end */
	{ "a\xc2\xc2\xa0" "b", "a\xc2 b" },
	{ "a\x01 \x01" "b  c", "a\x01 \x01" "b c" },	/* controls are no space */
	{ "abc\xc2\xa9 d", "abc\xc2\xa9 d" },
};
#define NWSCASES	(sizeof(wscases) / sizeof(wscases[0]))

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_utf8_case(void **state)
{
	const struct u8case	*c = *state;
	char			*out, *again;
	size_t			 outlen = 12345, len2;
	int			 changed = -1, changed2 = -1, want_changed;

	assert_int_equal(utf8_valid(c->in, c->len), c->valid);
	out = utf8_sanitize(c->in, c->len, &outlen, &changed);
	assert_non_null(out);
	assert_int_equal(outlen, strlen(c->want));
	assert_memory_equal(out, c->want, outlen + 1);
	want_changed = c->len != outlen || memcmp(c->in, out, outlen) != 0;
	assert_int_equal(changed, want_changed);
	/* the output is valid, and sanitizing it again changes nothing */
	assert_true(utf8_valid(out, outlen));
	again = utf8_sanitize(out, outlen, &len2, &changed2);
	assert_int_equal(changed2, 0);
	assert_int_equal(len2, outlen);
	assert_memory_equal(again, out, outlen);
	free(again);
	free(out);
}

/*
 * An independent reference: decode permissively by the lead byte's length,
 * then accept only what utf8_encode() writes back byte for byte.
 */
static int
ref_valid(const unsigned char *s, size_t len)
{
	char		 enc[4];
	uint32_t	 cp;
	size_t		 i = 0, n, k;

	while (i < len) {
		if (s[i] == 0)
			return 0;
		if (s[i] < 0x80)
			n = 1;
		else if ((s[i] & 0xe0) == 0xc0)
			n = 2;
		else if ((s[i] & 0xf0) == 0xe0)
			n = 3;
		else if ((s[i] & 0xf8) == 0xf0)
			n = 4;
		else
			return 0;
		if (i + n > len)
			return 0;
		cp = n == 1 ? s[i] : s[i] & (0x7f >> n);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (utf8_encode(cp, enc) != n || memcmp(enc, s + i, n) != 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Every string of one, two and three bytes, and 4-byte leads with edges. */
static void
test_utf8_exhaustive(void **state)
{
	static const unsigned char edges[] = {
		0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
		0xc2, 0xe0, 0xf4, 0xff
	};
	unsigned char	 s[4];
	uint32_t	 v;
	size_t		 n, a, b;
	int		 i, bad = 0;

	(void)state;
	for (n = 1; n <= 3; n++) {
		for (v = 0; v < (1U << (8 * n)); v++) {
			for (i = 0; i < (int)n; i++)
				s[i] = (v >> (8 * i)) & 0xff;
			if (utf8_valid((char *)s, n) != ref_valid(s, n) &&
			    bad++ < 5)
				print_error("%zu bytes %02x %02x %02x: %d\n", n,
				    s[0], s[1], s[2], utf8_valid((char *)s, n));
		}
	}
	for (v = 0; v < 65536; v++) {
		s[0] = v & 0xff;
		s[1] = (v >> 8) & 0xff;
		for (a = 0; a < sizeof(edges); a++) {
			for (b = 0; b < sizeof(edges); b++) {
				s[2] = edges[a];
				s[3] = edges[b];
				if (utf8_valid((char *)s, 4) != ref_valid(s, 4) &&
				    bad++ < 5)
					print_error("4 bytes %02x %02x %02x "
					    "%02x\n", s[0], s[1], s[2], s[3]);
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* Every code point encodes to valid UTF-8 and back, surrogates excepted. */
static void
test_utf8_encode_all(void **state)
{
	char		 buf[8];
	uint32_t	 cp;
	size_t		 n;

	(void)state;
	for (cp = 1; cp <= 0x10ffff; cp++) {
		n = utf8_encode(cp, buf);
		if (cp >= 0xd800 && cp <= 0xdfff) {
			if (n != 0)
				fail_msg("surrogate U+%04X encoded", cp);
			continue;
		}
		if (n != (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4))
			fail_msg("U+%04X: length %zu", cp, n);
		if (!utf8_valid(buf, n))
			fail_msg("U+%04X: encoding not valid", cp);
	}
}

static void
test_utf8_encode_case(void **state)
{
	const struct enccase	*c = *state;
	char			 buf[4];

	memset(buf, 'x', sizeof(buf));
	if (c->want == NULL) {
		assert_int_equal(utf8_encode(c->cp, buf), 0);
		return;
	}
	assert_int_equal(utf8_encode(c->cp, buf), c->len);
	assert_memory_equal(buf, c->want, c->len);
}

/* Linear time: 8 MB of bad bytes, each one a U+FFFD, well under a second. */
static void
test_utf8_sanitize_large(void **state)
{
	const size_t	 len = 8 << 20;
	char		*in, *out;
	size_t		 outlen, i;
	double		 t0;
	int		 changed;

	(void)state;
	in = xmalloc(len);
	for (i = 0; i < len; i++)
		in[i] = (char)(i % 3 == 0 ? 0xff : i % 3 == 1 ? 0xe2 : 0x82);
	t0 = now();
	out = utf8_sanitize(in, len, &outlen, &changed);
	assert_true(now() - t0 < 5.0);
	assert_int_equal(changed, 1);
	/* ff -> FFFD; e2 82 -> one FFFD (a maximal subpart) */
	assert_int_equal(outlen, (len / 3) * 6 + (len % 3) * 3);
	assert_true(utf8_valid(out, outlen));
	free(out);
	free(in);
}

static void
test_utf8_sanitize_nulls(void **state)
{
	char	*out;

	(void)state;
	out = utf8_sanitize("x", 1, NULL, NULL);	/* both optional */
	assert_string_equal(out, "x");
	free(out);
	assert_int_equal(utf8_valid("", 0), 1);
}

static void
test_entity_case(void **state)
{
	const struct entcase	*c = *state;
	const char		*got;
	size_t			 len = c->len != 0 ? c->len : strlen(c->name);

	got = html_entity_lookup(c->name, len);
	if (c->want == NULL) {
		if (got != NULL)
			fail_msg("\"%s\" found", c->name);
		return;
	}
	if (got == NULL)
		fail_msg("\"%.*s\" not found", (int)len, c->name);
	assert_string_equal(got, c->want);
}

/* The generated tables: sorted, every name found, every value valid UTF-8. */
static void
test_entity_table(void **state)
{
	const char	*got;
	size_t		 i, maxlen = 0;

	(void)state;
	assert_int_equal(HTML_ENTITY_COUNT, 2125);
	for (i = 0; i < HTML_ENTITY_COUNT; i++) {
		const struct html_entity *e = &html_entities[i];

		if (i > 0 && strcmp(html_entities[i - 1].name, e->name) >= 0)
			fail_msg("not sorted at %s", e->name);
		got = html_entity_lookup(e->name, strlen(e->name));
		if (got == NULL || strcmp(got, e->utf8) != 0)
			fail_msg("%s not found", e->name);
		if (e->utf8[0] == '\0' || !utf8_valid(e->utf8, strlen(e->utf8)))
			fail_msg("%s: bad value", e->name);
		if (strlen(e->name) > maxlen)
			maxlen = strlen(e->name);
	}
	assert_int_equal(maxlen, HTML_ENTITY_NAME_MAX);
	assert_null(html_entity_lookup(NULL, 3));
	/* the legacy names: sorted, each also in the table */
	assert_int_equal(HTML_LEGACY_COUNT, 106);
	for (i = 0; i < HTML_LEGACY_COUNT; i++) {
		if (i > 0 && strcmp(html_legacy_names[i - 1],
		    html_legacy_names[i]) >= 0)
			fail_msg("legacy not sorted at %s",
			    html_legacy_names[i]);
		if (html_entity_lookup(html_legacy_names[i],
		    strlen(html_legacy_names[i])) == NULL)
			fail_msg("legacy %s not in the table",
			    html_legacy_names[i]);
	}
}

static void
test_html_case(void **state)
{
	const struct htmlcase	*c = *state;
	char			*out;

	out = html_to_text(c->in, c->len, c->maxlen);
	assert_non_null(out);
	if (strcmp(out, c->want) != 0)
		fail_msg("got \"%s\", want \"%s\"", out, c->want);
	if (c->maxlen != 0)
		assert_true(strlen(out) <= c->maxlen);
	assert_true(utf8_valid(out, strlen(out)));
	free(out);
}

/* Output invariants: valid UTF-8, trimmed lines, single spaces and blank lines. */
static void
check_shape(const char *out, size_t maxlen)
{
	size_t	 len = strlen(out);

	assert_true(utf8_valid(out, len));
	if (maxlen != 0)
		assert_true(len <= maxlen);
	if (len == 0)
		return;
	assert_true(out[0] != ' ' && out[0] != '\n');
	assert_true(out[len - 1] != ' ' && out[len - 1] != '\n');
	assert_null(strstr(out, "  "));
	assert_null(strstr(out, " \n"));
	assert_null(strstr(out, "\n "));
	assert_null(strstr(out, "\n\n\n"));
	assert_null(strchr(out, '\t'));
	assert_null(strchr(out, '\r'));
}

/* 100,000 nested elements of several kinds: fast, text kept. */
static void
test_html_deep(void **state)
{
	static const char *const kinds[] = { "div", "span", "b", "p", "li",
	    "table", "a", "font" };
	struct buf	 b;
	char		*out;
	double		 t0;
	size_t		 k;
	int		 i;

	(void)state;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		buf_init(&b, 0);
		for (i = 0; i < 100000; i++)
			buf_printf(&b, "<%s>", kinds[k]);
		buf_puts(&b, "deep");
		for (i = 0; i < 100000; i++)
			buf_printf(&b, "</%s>", kinds[k]);
		buf_puts(&b, "<p>after");
		t0 = now();
		out = html_to_text(b.data, b.len, 0);
		if (now() - t0 > 5.0)
			fail_msg("%s: %.1f s", kinds[k], now() - t0);
		check_shape(out, 0);
		if (strstr(out, "deep") == NULL ||
		    strstr(out, "after") == NULL)
			fail_msg("%s: got \"%.60s\"", kinds[k], out);
		free(out);
		buf_free(&b);
	}
}

/* One start tag with 100,000 attributes (bare libxml2: about 30 s). */
static void
test_html_attributes(void **state)
{
	struct buf	 b;
	char		*out;
	double		 t0;
	int		 i;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "<p>before <a");
	for (i = 0; i < 100000; i++)
		buf_printf(&b, " a%d=\"%d\"", i, i);
	buf_puts(&b, ">link</a> after</p>");
	t0 = now();
	out = html_to_text(b.data, b.len, 0);
	assert_true(now() - t0 < 5.0);
	assert_string_equal(out, "before link after");
	free(out);
	buf_free(&b);
}

/* A large document capped at 1000 bytes stops early. */
static void
test_html_large_capped(void **state)
{
	struct buf	 b;
	char		*out;
	double		 t0;
	int		 i;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < 500000; i++)
		buf_puts(&b, "<p>w\xc3\xb6rd &amp; <b>more</b></p>");
	t0 = now();
	out = html_to_text(b.data, b.len, 1000);
	assert_true(now() - t0 < 5.0);
	check_shape(out, 1000);
	assert_true(strlen(out) > 990);
	assert_memory_equal(out, "w\xc3\xb6rd & more\n\nw\xc3\xb6rd", 19);
	free(out);
	buf_free(&b);
}

/*
 * Random soup of tags, entities, text and bad bytes: the output always has
 * the promised shape.  Deterministic (a fixed LCG seed).
 */
static void
test_html_soup(void **state)
{
	static const char *const parts[] = {
		"<p>", "</p>", "<br>", "<div>", "</div>", "<li>", "<ul>",
		"</ul>", "<b>", "</b>", "<script>", "</script>", "<pre>",
		"</pre>", "<!--", "-->", "&amp;", "&nbsp;", "&#146;", "&bogus;",
		"&", "<", ">", "\"", "'", " ", "  ", "\n", "\t", "word",
		"\xc3\xa9t\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80", "\xff",
		"\xe2\x82", "\x01", "<td>", "<table>", "<a href='x", "=",
		"<h1>", "</h1>", "\xc2\xa0", "<title>", "</title>", "<style>",
	};
	const size_t	 nparts = sizeof(parts) / sizeof(parts[0]);
	struct buf	 b;
	uint32_t	 seed = 12345;
	char		*out;
	size_t		 maxlen;
	int		 round, i, n;

	(void)state;
	for (round = 0; round < 2000; round++) {
		buf_init(&b, 0);
		seed = seed * 1103515245 + 12345;
		n = (int)(seed >> 16) % 60;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			buf_puts(&b, parts[(seed >> 16) % nparts]);
		}
		seed = seed * 1103515245 + 12345;
		maxlen = (seed >> 16) % 4 == 0 ? 0 : (seed >> 16) % 50;
		out = html_to_text(b.data != NULL ? b.data : "", b.len, maxlen);
		check_shape(out, maxlen);
		free(out);
		buf_free(&b);
	}
}

/*
 * html_to_text() reads simple fragments itself and leaves the rest to
 * libxml2: over generated fragments (mostly the nested paragraphs, lists,
 * links and emphasis of feeds, with text, references, comments, stray '<'
 * and now and then an element, a nesting or a tag libxml2 reads its own
 * way) both paths must give the same text.
 */
struct gen {
	uint32_t	 seed;
	struct buf	 b;
};

static uint32_t
gen_rand(struct gen *g, uint32_t n)
{
	g->seed = g->seed * 1103515245 + 12345;
	return (g->seed >> 8) % n;
}

static void
gen_text(struct gen *g)
{
	static const char *const words[] = {
		"word", "Commission", "\xc3\x9cn\xc3\xaf""c\xc3\xb6""d\xc3\xa9",
		" ", " ", "\n", "  \t ", "\xc2\xa0", "&amp;", "&lt;", "&gt;",
		"&eacute;", "&#233;", "&#x41;", "&#65;", "&copy 2024",
		"&nothing", "&", "a < b", "<3", "x>y", "\"q\"", "&#146;",
		"&nbsp;", "&#10;", "AT&T", "<", "r&d", "l'UE", "\xe2\x80\x94",
	};
	int	 i, n = 1 + (int)gen_rand(g, 4);

	for (i = 0; i < n; i++)
		buf_puts(&g->b, words[gen_rand(g, sizeof(words) /
		    sizeof(words[0]))]);
}

static void
gen_nodes(struct gen *g, int depth)
{
	static const char *const elems[] = {
		"p", "p", "p", "a", "a", "strong", "em", "b", "i", "ul", "ol",
		"li", "li", "blockquote", "div", "h2", "span", "code", "q",
		"small", "sub", "u", "P", "LI", "Strong",
		/* those libxml2 reads (the walk gives up) */
		"pre", "table", "td", "script", "font", "dl", "dt", "center",
		"section", "title",
	};
	static const char *const voids[] = { "br", "img", "BR", "hr", "wbr" };
	static const char *const attrs[] = {
		"", "", "", " href=\"https://e.example/?a=1&b=2\"",
		" class='x'", " data-x=y", " title=\"<p>a > b</p>\"",
		" alt=\"\"", " src=/i.png", " x", " a=\"b\" c='d'",
	};
	const char	*e;
	int		 i, n = 1 + (int)gen_rand(g, 5);

	for (i = 0; i < n; i++) {
		switch (gen_rand(g, 12)) {
		case 0: case 1: case 2: case 3:
			gen_text(g);
			break;
		case 4:
			buf_printf(&g->b, "<%s%s%s>", voids[gen_rand(g, 5)],
			    attrs[gen_rand(g, 11)], gen_rand(g, 3) == 0 ?
			    "/" : "");
			break;
		case 5:
			if (gen_rand(g, 4) == 0)
				buf_puts(&g->b, gen_rand(g, 2) ? "<!-- a <p> -->" :
				    "<!-- cut");
			else
				gen_text(g);
			break;
		case 6:
			if (gen_rand(g, 8) == 0)	/* a stray end tag */
				buf_printf(&g->b, "</%s>", elems[gen_rand(g,
				    sizeof(elems) / sizeof(elems[0]))]);
			else
				gen_text(g);
			break;
		default:
			if (depth >= 5) {
				gen_text(g);
				break;
			}
			e = elems[gen_rand(g, sizeof(elems) /
			    sizeof(elems[0]))];
			buf_printf(&g->b, "<%s%s>", e, attrs[gen_rand(g, 11)]);
			gen_nodes(g, depth + 1);
			if (gen_rand(g, 20) != 0)
				buf_printf(&g->b, "</%s>", e);
			break;
		}
	}
}

static void
test_html_walk(void **state)
{
	struct gen	 g = { .seed = 20261207 };
	char		*fast, *slow;
	size_t		 maxlen;
	int		 round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		buf_init(&g.b, 0);
		gen_nodes(&g, 0);
		maxlen = gen_rand(&g, 5) == 0 ? 1 + gen_rand(&g, 120) : 0;
		fast = html_to_text(g.b.data, g.b.len, maxlen);
		slow = html_to_text_libxml2(g.b.data, g.b.len, maxlen);
		if (strcmp(fast, slow) != 0)
			fail_msg("fragment %d (maxlen %zu):\n%s\nwalk:    %s\n"
			    "libxml2: %s", round, maxlen, g.b.data, fast, slow);
		free(fast);
		free(slow);
		buf_free(&g.b);
	}
}

static void
test_html_null(void **state)
{
	char	*out;

	(void)state;
	out = html_to_text(NULL, 0, 0);
	assert_string_equal(out, "");
	free(out);
}

static void
test_ws_case(void **state)
{
	const struct wscase	*c = *state;
	char			*s;

	s = xstrdup(c->in);
	text_collapse_ws(s);
	assert_string_equal(s, c->want);
	free(s);
}

static void
test_ws_null(void **state)
{
	(void)state;
	text_collapse_ws(NULL);
}

/* buf_printf: pieces short and long, appended, and a capped buffer */
static void
test_buf_printf(void **state)
{
	struct buf	 b;
	char		 big[1000];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 0);
	buf_printf(&b, "%d-%s", 42, "x");
	buf_printf(&b, "[%s]", big);
	buf_printf(&b, "%.3f", 0.5);
	assert_int_equal(b.len, 4 + 2 + 999 + 5);
	assert_memory_equal(b.data, "42-x[", 5);
	assert_memory_equal(b.data + 5, big, 999);
	assert_string_equal(b.data + 5 + 999, "]0.500");
	buf_free(&b);
	buf_init(&b, 300);
	buf_printf(&b, "%s", big);
	assert_int_equal(b.len, 300);
	assert_int_equal(b.truncated, 1);
	assert_memory_equal(b.data, big, 300);
	buf_free(&b);
}

/* Character references in plain text, decoded once and nothing else. */
static void
test_char_refs(void **state)
{
	static const struct {
		const char	*in, *out;
		int		 has;
	} v[] = {
		{ "Iraq&#039;s World Cup", "Iraq's World Cup", 1 },
		{ "Putin&#x27;s &#X27;", "Putin's '", 1 },
		{ "Caf&eacute; &quot;Europa&quot;", "Caf\xc3\xa9 \"Europa\"", 1 },
		{ "once: &amp;amp; &amp;#39;", "once: &amp; &#39;", 1 },
		{ "line one &amp;\nline two", "line one &\nline two", 1 },
		{ "&#128;5 &#150; &#129;", "\xe2\x82\xac" "5 \xe2\x80\x93 \xef\xbf\xbd", 1 },
		{ "&#0; &#1114112; &#x1F600; a&#7;b", "\xef\xbf\xbd \xef\xbf\xbd "
		    "\xf0\x9f\x98\x80 ab", 1 },
		{ "AT&T &c 5% &#; &#x; &#39 &amp &unknown; &", "AT&T &c 5% &#; "
		    "&#x; &#39 &amp &unknown; &", 0 },
		{ "", "", 0 },
	};
	size_t	 i;
	char	*d;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(text_has_char_ref(v[i].in, strlen(v[i].in)),
		    v[i].has);
		d = text_decode_char_refs(v[i].in, strlen(v[i].in));
		assert_string_equal(d, v[i].out);
		free(d);
	}
	/* a reference cut by the length given is none */
	assert_int_equal(text_has_char_ref("a&#39;", 5), 0);
	d = text_decode_char_refs("a&#39;", 5);
	assert_string_equal(d, "a&#39");
	free(d);
}

#define NTESTS	(NU8CASES + 3 + NENCCASES + 1 + NENTCASES + 1 + NHTMLCASES + 6 + \
	    NWSCASES + 1 + 1 + 1)

static struct CMUnitTest tests[NTESTS];
static char names[NTESTS][96];

static void
add_test(size_t *i, const char *kind, const char *in, CMUnitTestFunction fn,
    const void *state)
{
	char	*name = names[*i];
	size_t	 j;

	if (*i >= NTESTS) {
		fprintf(stderr, "test_text: NTESTS too small\n");
		exit(1);
	}
	snprintf(name, sizeof(names[0]), "%s: %s", kind, in);
	/* keep TAP lines on one line, printable and free of directives */
	for (j = 0; name[j] != '\0'; j++)
		if ((unsigned char)name[j] < 0x20 || name[j] == '#' ||
		    (unsigned char)name[j] >= 0x7f)
			name[j] = '?';
	tests[*i].name = name;
	tests[*i].test_func = fn;
	tests[*i].initial_state = (void *)(uintptr_t)state;
	(*i)++;
}

int
main(void)
{
	size_t	i, n = 0;

	for (i = 0; i < NU8CASES; i++)
		add_test(&n, "utf8", u8cases[i].name, test_utf8_case,
		    &u8cases[i]);
	add_test(&n, "utf8", "all strings of 1-3 bytes", test_utf8_exhaustive,
	    NULL);
	add_test(&n, "utf8", "8 MB of bad bytes", test_utf8_sanitize_large,
	    NULL);
	add_test(&n, "utf8", "optional outputs", test_utf8_sanitize_nulls,
	    NULL);
	for (i = 0; i < NENCCASES; i++) {
		char	cp[16];

		snprintf(cp, sizeof(cp), "U+%04X", (unsigned)enccases[i].cp);
		add_test(&n, "encode", cp, test_utf8_encode_case, &enccases[i]);
	}
	add_test(&n, "encode", "every code point", test_utf8_encode_all, NULL);
	for (i = 0; i < NENTCASES; i++)
		add_test(&n, "entity", entcases[i].name, test_entity_case,
		    &entcases[i]);
	add_test(&n, "entity", "generated table", test_entity_table, NULL);
	for (i = 0; i < NHTMLCASES; i++)
		add_test(&n, "html", htmlcases[i].name, test_html_case,
		    &htmlcases[i]);
	add_test(&n, "html", "100000 nested tags", test_html_deep, NULL);
	add_test(&n, "html", "100000 attributes", test_html_attributes, NULL);
	add_test(&n, "html", "12 MB capped at 1000 bytes",
	    test_html_large_capped, NULL);
	add_test(&n, "html", "2000 random soups", test_html_soup, NULL);
	add_test(&n, "html", "20000 fragments: the walk as libxml2",
	    test_html_walk, NULL);
	add_test(&n, "html", "NULL", test_html_null, NULL);
	for (i = 0; i < NWSCASES; i++)
		add_test(&n, "collapse", wscases[i].in, test_ws_case,
		    &wscases[i]);
	add_test(&n, "collapse", "NULL", test_ws_null, NULL);
	add_test(&n, "buf", "printf short, long and capped", test_buf_printf,
	    NULL);
	add_test(&n, "refs", "character references in plain text",
	    test_char_refs, NULL);
	if (n != NTESTS) {
		fprintf(stderr, "test_text: %zu tests, NTESTS %zu\n", n,
		    (size_t)NTESTS);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
