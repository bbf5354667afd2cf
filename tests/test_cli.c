/*
 * test_cli.c: the CLI's shared text helpers (cli/cli-util.c): what
 * cli_clean() lets through to a terminal, on fixed cases and against a
 * one-character-at-a-time reference over random bytes.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "termtext.h"
#include "text.h"
#include "util.h"

struct cleancase {
	const char	*name;
	const char	*in;
	int		 keep_marks;
	const char	*want;
};

static const struct cleancase cleancases[] = {
	{ "plain", "Council adopts 17th package", 0,
	    "Council adopts 17th package" },
	{ "controls to space", "a\tb\nc\rd\x01" "e\x7f" "f", 0, "a b c d e f" },
	{ "C1 to space", "a\xc2\x85" "b\xc2\x9f" "c", 0, "a b c" },
	{ "line separators", "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", 0, "a b c" },
	{ "bidi dropped", "ab\xe2\x80\xae" "cd\xe2\x81\xa6" "e\xd8\x9c" "f", 0,
	    "abcdef" },
	{ "bad byte", "a\xff" "b", 0, "a\xef\xbf\xbd" "b" },
	{ "truncated sequence", "a\xe2\x80", 0, "a\xef\xbf\xbd\xef\xbf\xbd" },
	{ "real U+FFFD kept", "a\xef\xbf\xbd" "b", 0, "a\xef\xbf\xbd" "b" },
	{ "marks kept", "a\x02" "b\x03" "c", 1, "a\x02" "b\x03" "c" },
	{ "marks dropped", "a\x02" "b\x03" "c", 0, "a b c" },
	{ "collapsed", "  a \xc2\xa0 b\n\n c  ", 0, "a b c" },
	{ "non-ASCII kept", "Ta\xc3\xafwan \xce\x9a\xce\xac\xce\xbb\xce\xb1\xcf"
	    "\x82 \xf0\x9f\x87\xaa\xf0\x9f\x87\xba", 0,
	    "Ta\xc3\xafwan \xce\x9a\xce\xac\xce\xbb\xce\xb1\xcf\x82 "
	    "\xf0\x9f\x87\xaa\xf0\x9f\x87\xba" },
	{ "empty", "", 0, "" },
};
#define NCLEANCASES	(sizeof(cleancases) / sizeof(cleancases[0]))

static void
test_clean_case(void **state)
{
	const struct cleancase	*c = *state;
	char			*got = cli_clean(c->in, c->keep_marks);

	assert_string_equal(got, c->want);
	free(got);
}

static void
test_clean_null(void **state)
{
	char	*got = cli_clean(NULL, 0);

	(void)state;
	assert_string_equal(got, "");
	free(got);
}

/* The rules one character at a time, as cli_clean() was first written. */
static char *
clean_reference(const char *s, int keep_marks)
{
	struct buf	 b;
	uint32_t	 cp;
	size_t		 n;
	char		*out;

	buf_init(&b, 0);
	for (; *s != '\0'; s += n) {
		n = termtext_next(s, &cp);
		if (keep_marks && (cp == CLI_MARK_OPEN || cp == CLI_MARK_CLOSE))
			buf_putc(&b, (char)cp);
		else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    cp == 0x2028 || cp == 0x2029)
			buf_putc(&b, ' ');
		else if (termtext_is_bidi(cp))
			;
		else if (cp == 0xfffd && n == 1)
			buf_puts(&b, "\xef\xbf\xbd");
		else
			buf_append(&b, s, n);
	}
	out = buf_steal(&b);
	text_collapse_ws(out);
	return out;
}

/* Random strings over bytes that make every kind of character. */
static void
test_clean_random(void **state)
{
	static const char *const atoms[] = {
		"a", "Z", " ", "\t", "\n", "\x01", "\x02", "\x03", "\x7f",
		"\xc2\x85", "\xc2\xa0", "\xc3\xa9", "\xe2\x80\xae",
		"\xe2\x80\xa8", "\xd8\x9c", "\xef\xbf\xbd", "\xf0\x9f\x98\x80",
		"\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "\xc0\xaf",
	};
	char	 in[256];
	char	*got, *want;
	size_t	 i, len, k;
	int	 round;

	(void)state;
	srand(7);
	for (round = 0; round < 20000; round++) {
		len = 0;
		for (k = (size_t)(rand() % 40); k > 0; k--) {
			const char	*a = atoms[(size_t)rand() %
					    (sizeof(atoms) / sizeof(atoms[0]))];

			if (len + strlen(a) >= sizeof(in))
				break;
			memcpy(in + len, a, strlen(a));
			len += strlen(a);
		}
		in[len] = '\0';
		for (i = 0; i < 2; i++) {
			got = cli_clean(in, (int)i);
			want = clean_reference(in, (int)i);
			assert_string_equal(got, want);
			free(got);
			free(want);
		}
	}
}

/*
 * herald feeds at 80 columns cut every URL to its first 17 columns, and
 * the feeds of one host read the same (review7 D18): cut from the middle,
 * the host's start and the path's end stay.
 */
static void
test_fit_middle(void **state)
{
	static const struct {
		const char	*in;
		size_t		 width;
		const char	*want;
	} cases[] = {
		{ "council.example.eu/rss.xml", 40, "council.example.eu/rss.xml" },
		{ "council.example.eu/rss.xml", 18, "council.e\u2026/rss.xml" },
		{ "http://127.0.0.1:18931/ok/a", 18, "http://127.0\u2026/ok/a" },
		{ "http://127.0.0.1:18931/ok/b", 18, "http://127.0\u2026/ok/b" },
		{ "thinktank.example.org/a/long/path/to/the/feed.xml", 18,
		    "thinktan\u2026/feed.xml" },
		{ "thinktank.example.org/a/long/path/to/the/feed.xml", 30,
		    "thinktank.exa\u2026/to/the/feed.xml" },
		/* a last segment longer than two thirds: its end */
		{ "example.org/averyveryverylongfeedname", 18,
		    "exampl\u2026ongfeedname" },
		{ "example.org/\u00e9t\u00e9/\u7d71\u8a08.xml", 14,
		    "examp\u2026\u7d71\u8a08.xml" },
		{ "abcdef", 2, "a\u2026" },
	};
	size_t	 i;
	char	*got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = cli_fit_middle(cases[i].in, cases[i].width);
		assert_string_equal(got, cases[i].want);
		assert_true(cli_width(got) <= cases[i].width);
		free(got);
	}
}

int
main(void)
{
	struct CMUnitTest	 tests[NCLEANCASES + 3];
	size_t			 i, n = 0;

	for (i = 0; i < NCLEANCASES; i++) {
		tests[n].name = cleancases[i].name;
		tests[n].test_func = test_clean_case;
		tests[n].setup_func = NULL;
		tests[n].teardown_func = NULL;
		tests[n].initial_state = (void *)&cleancases[i];
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_clean_null);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_clean_random);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_fit_middle);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
