/*
 * test_rule.c: the topic rule engine on its own, with a small ASCII
 * tokenizer of the test's and no database: FTS5's precedence, phrases,
 * prefixes, column filters, ^, NOT and exclude, what is left to FTS5, which
 * articles make a topic a candidate, and the terms, field and snippet that
 * explain a match.  test_topics checks
 * the same engine against FTS5 itself through the store.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rule.h"
#include "util.h"

static int	 ntokenize;

/* Runs of ASCII letters and digits, folded to lower case. */
static void
ascii_tokenize(void *arg, void *ctx, int flags, const char *text, int len,
    int (*token)(void *, int, const char *, int, int, int))
{
	char	 tok[64];
	int	 i = 0, start, n;

	(void)arg;
	(void)flags;
	ntokenize++;
	while (i < len) {
		while (i < len && !((text[i] >= 'a' && text[i] <= 'z') ||
		    (text[i] >= 'A' && text[i] <= 'Z') ||
		    (text[i] >= '0' && text[i] <= '9')))
			i++;
		if (i == len)
			break;
		for (start = i, n = 0; i < len && ((text[i] >= 'a' &&
		    text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z') ||
		    (text[i] >= '0' && text[i] <= '9')); i++)
			if (n < (int)sizeof(tok))
				tok[n++] = text[i] >= 'A' && text[i] <= 'Z' ?
				    (char)(text[i] - 'A' + 'a') : text[i];
		if (token(ctx, 0, tok, n, start, i) != 0)
			return;
	}
}

static const struct rule_tokenizer ascii = { ascii_tokenize, NULL };

struct rule_case {
	const char	*match;
	const char	*exclude;
	const char	*title;
	const char	*summary;
	int		 fts;		/* left to FTS5 */
	int		 cand;		/* a candidate of the scan */
	int		 match_ok;
	const char	*terms;		/* of a match; NULL: none */
	const char	*field;
	const char	*snippet;
};

static const struct rule_case cases[] = {
	{ "china", NULL, "Trade with China grows", NULL, 0, 1, 1,
	  "China", "title", "Trade with [China] grows" },
	{ "china", NULL, "Fine porcelain", NULL, 0, 0, 0, NULL, NULL, NULL },
	{ "chin*", NULL, NULL, "Chinese exports, china", 0, 1, 1,
	  "Chinese\nchina", "summary", "[Chinese] exports, [china]" },
	{ "\"xi jinping\"", NULL, "Xi met Jinping", NULL, 0, 1, 0,
	  NULL, NULL, NULL },
	{ "\"xi jinping\"", NULL, "President Xi Jinping said", NULL, 0, 1, 1,
	  "Xi Jinping", "title", "President [Xi Jinping] said" },
	{ "xi + jinping", NULL, "Jinping and Xi", NULL, 0, 1, 0,
	  NULL, NULL, NULL },
	/* triggers: a phrase's longest token, an AND's stronger side */
	{ "\"xi jinping\"", NULL, "Xi met", NULL, 0, 0, 0, NULL, NULL, NULL },
	{ "\"gel des avoirs\"", NULL, "La fin des haricots", NULL, 0, 0, 0,
	  NULL, NULL, NULL },
	{ "restrictive + measures AND (eu OR council)", NULL,
	  "EU Council meets", NULL, 0, 0, 0, NULL, NULL, NULL },
	{ "restrictive + measures AND (eu OR council)", NULL,
	  "Restrictive measures on imports", NULL, 0, 1, 0, NULL, NULL, NULL },
	{ "restrictive + measures AND (eu OR council)", NULL,
	  "Council prolongs restrictive measures", NULL, 0, 1, 1,
	  "Council\nrestrictive measures", "title",
	  "[Council] prolongs [restrictive measures]" },
	{ "\"asset freez\"*", NULL, "Asset freezes and travel bans", NULL,
	  0, 1, 1, "Asset freezes", "title",
	  "[Asset freezes] and travel bans" },
	/* AND binds tighter than OR: a OR (b AND c); beta alone is no
	 * trigger (gamma, longer, stands for the AND) */
	{ "alpha OR beta AND gamma", NULL, "beta", NULL, 0, 0, 0,
	  NULL, NULL, NULL },
	{ "alpha OR beta AND gamma", NULL, "gamma", NULL, 0, 1, 0,
	  NULL, NULL, NULL },
	{ "alpha OR beta AND gamma", NULL, "alpha", NULL, 0, 1, 1,
	  "alpha", "title", "[alpha]" },
	/* adjacent phrases: an implicit AND, tighter than OR */
	{ "alpha beta OR gamma", NULL, "beta", NULL, 0, 0, 0,
	  NULL, NULL, NULL },
	{ "alpha beta OR gamma", NULL, "alpha", NULL, 0, 1, 0,
	  NULL, NULL, NULL },
	{ "alpha beta OR gamma", NULL, "gamma", NULL, 0, 1, 1,
	  "gamma", "title", "[gamma]" },
	{ "title:russia", NULL, NULL, "Russia", 0, 1, 0, NULL, NULL, NULL },
	{ "title:russia", NULL, "Russia", NULL, 0, 1, 1,
	  "Russia", "title", "[Russia]" },
	{ "-title:russia", NULL, "Russia", NULL, 0, 1, 0, NULL, NULL, NULL },
	{ "{summary content}:russia", NULL, NULL, "in Russia", 0, 1, 1,
	  "Russia", "summary", "in [Russia]" },
	{ "^eu", NULL, "EU summit", NULL, 0, 1, 1, "EU", "title", "[EU] summit" },
	{ "^eu", NULL, "The EU", NULL, 0, 1, 0, NULL, NULL, NULL },
	{ "china NOT porcelain", NULL, "China porcelain", NULL, 0, 1, 0,
	  NULL, NULL, NULL },
	{ "china", "\"fine china\"", "Fine china sale", NULL, 0, 1, 0,
	  NULL, NULL, NULL },
	{ "china", "\"fine china\"", "China fine", NULL, 0, 1, 1,
	  "China", "title", "[China] fine" },
	{ "NEAR(china trade, 3)", NULL, "China trade", NULL, 1, 1, -1,
	  NULL, NULL, NULL },
	{ "china", "NEAR(fine china)", "China", NULL, 1, 1, -1,
	  NULL, NULL, NULL },
	/* a snippet is 16 tokens from 3 before the first term, cut with … */
	{ "kappa", NULL,
	  "one two three four five six seven eight kappa ten eleven twelve "
	  "thirteen fourteen fifteen sixteen seventeen eighteen nineteen",
	  NULL, 0, 1, 1, "kappa", "title",
	  "…six seven eight [kappa] ten eleven twelve thirteen fourteen "
	  "fifteen sixteen seventeen eighteen nineteen" },
};

/*
 * The packed explanation (what the store keeps) is a fraction of the text
 * and writes out the same terms, field and snippet from the same texts;
 * other texts that its offsets do not fit, or bytes cut short, give -1.
 */
static void
packed_same(struct rule_set *rs, const struct rule_case *c,
    const char *const text[RULE_NCOLS], const int len[RULE_NCOLS])
{
	const char	*field, *other[RULE_NCOLS] = { "x", NULL, NULL, NULL };
	char		*terms, *snippet;
	unsigned char	*p;
	size_t		 n, k;
	int		 olen[RULE_NCOLS] = { 1, 0, 0, 0 };

	rule_explain_packed(rs, 0, &p, &n);
	if (n >= strlen(c->terms) + strlen(c->field) + strlen(c->snippet))
		fail_msg("%s: packed in %zu bytes", c->match, n);
	assert_int_equal(rule_unpack(p, n, text, len, &terms, &field,
	    &snippet), 0);
	assert_string_equal(terms, c->terms);
	assert_string_equal(field, c->field);
	assert_string_equal(snippet, c->snippet);
	free(terms);
	free(snippet);
	/* one part alone */
	assert_int_equal(rule_unpack(p, n, text, len, NULL, NULL, &snippet),
	    0);
	assert_string_equal(snippet, c->snippet);
	free(snippet);
	assert_int_equal(rule_unpack(p, n, other, olen, &terms, &field,
	    &snippet), -1);
	assert_null(terms);
	assert_null(snippet);
	for (k = 0; k < n; k++)
		assert_int_equal(rule_unpack(p, k, text, len, &terms, &field,
		    &snippet), -1);
	free(p);
}

static void
test_cases(void **state)
{
	const struct rule_case	*c;
	struct rule_set		*rs;
	const uint32_t		*cand;
	const char		*text[RULE_NCOLS], *field;
	char			*terms, *snippet;
	int			 len[RULE_NCOLS], k;
	size_t			 i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		rs = rule_set_new(&ascii);
		assert_int_equal(rule_set_add(rs, c->match, c->exclude), 0);
		memset(text, 0, sizeof(text));
		memset(len, 0, sizeof(len));
		text[0] = c->title;
		text[1] = c->summary;
		for (k = 0; k < RULE_NCOLS; k++)
			len[k] = text[k] != NULL ? (int)strlen(text[k]) : 0;
		if (rule_fts(rs, 0) != c->fts)
			fail_msg("%s: fts %d", c->match, rule_fts(rs, 0));
		n = rule_scan(rs, text, len, &cand);
		if ((int)n != c->cand || (n > 0 && cand[0] != 0))
			fail_msg("%s on %s: %zu candidates", c->match,
			    c->title ? c->title : c->summary, n);
		if (c->fts || n == 0) {
			rule_set_free(rs);
			continue;
		}
		if (rule_match(rs, 0) != c->match_ok)
			fail_msg("%s on %s: match %d", c->match,
			    c->title ? c->title : c->summary, !c->match_ok);
		if (c->match_ok) {
			rule_explain(rs, 0, &terms, &field, &snippet);
			assert_non_null(terms);
			assert_string_equal(terms, c->terms);
			assert_string_equal(field, c->field);
			assert_string_equal(snippet, c->snippet);
			free(terms);
			free(snippet);
			packed_same(rs, c, text, len);
		}
		rule_set_free(rs);
	}
}

/*
 * Several topics in one set: an article is scanned once, and only the
 * topics whose tokens it holds are candidates, in ascending order.
 */
static void
test_set(void **state)
{
	struct rule_set	*rs;
	const uint32_t	*cand;
	const char	*text[RULE_NCOLS] = { "Sanctions on Russia", NULL, NULL,
			    NULL };
	int		 len[RULE_NCOLS] = { 0, 0, 0, 0 };
	size_t		 n;

	(void)state;
	len[0] = (int)strlen(text[0]);
	rs = rule_set_new(&ascii);
	assert_int_equal(rule_set_add(rs, "china OR beijing", NULL), 0);
	assert_int_equal(rule_set_add(rs, "russia", ""), 1);
	assert_int_equal(rule_set_add(rs, "sanction*", NULL), 2);
	assert_int_equal(rule_set_add(rs, "ukrain*", NULL), 3);
	ntokenize = 0;
	n = rule_scan(rs, text, len, &cand);
	assert_int_equal(ntokenize, 1);
	assert_int_equal(n, 2);
	assert_int_equal(cand[0], 1);
	assert_int_equal(cand[1], 2);
	assert_true(rule_match(rs, 1));
	assert_true(rule_match(rs, 2));
	/* the next article forgets this one */
	text[0] = "Beijing";
	len[0] = (int)strlen(text[0]);
	n = rule_scan(rs, text, len, &cand);
	assert_int_equal(n, 1);
	assert_int_equal(cand[0], 0);
	assert_true(rule_match(rs, 0));
	rule_set_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
