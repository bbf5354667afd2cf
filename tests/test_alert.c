/*
 * test_alert.c: the arithmetic of alert delivery (daemon/alert.c): the
 * sliding-window rate limit and the retry backoff with its jitter and
 * Retry-After; the idle hooks (daemon/hook.c) the alerter and the sched run.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "daemon.h"

/* Sends as fast as the limit allows: when does each one go? */
static void
test_ratelimit(void **state)
{
	static const struct {
		unsigned	 count;
		double		 period;
		int		 n;
		double		 want[8];
	} t[] = {
		/* no limit: all at once */
		{ 0, 0, 4, { 0, 0, 0, 0 } },
		/* 1 per 2 s */
		{ 1, 2, 4, { 0, 2, 4, 6 } },
		/* 3 per 10 s: a burst of three, then one per slot freed */
		{ 3, 10, 7, { 0, 0, 0, 10, 10, 10, 20 } },
		/* 2 per 1.5 s keeps the fraction */
		{ 2, 1.5, 5, { 0, 0, 1.5, 1.5, 3 } },
	};
	size_t	 i;
	int	 k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ratelimit	 r;
		double			 now = 1000;

		memset(&r, 0, sizeof(r));
		ratelimit_init(&r, t[i].count, t[i].period);
		for (k = 0; k < t[i].n; k++) {
			double	 at = ratelimit_next(&r, now);

			if (at < now)
				fail_msg("case %zu send %d: %f before now", i,
				    k, at);
			now = at;
			if (now - 1000 < t[i].want[k] - 1e-9 ||
			    now - 1000 > t[i].want[k] + 1e-9)
				fail_msg("case %zu send %d at %.3f, want %.3f",
				    i, k, now - 1000, t[i].want[k]);
			ratelimit_take(&r, now);
		}
		ratelimit_clear(&r);
	}
}

/* A send long after the window: no wait; a reload resets the window. */
static void
test_ratelimit_idle(void **state)
{
	struct ratelimit	 r;

	memset(&r, 0, sizeof(r));
	ratelimit_init(&r, 2, 60);
	ratelimit_take(&r, 100);
	ratelimit_take(&r, 101);
	assert_true(ratelimit_next(&r, 102) == 160);
	assert_true(ratelimit_next(&r, 500) == 500);
	ratelimit_init(&r, 2, 60);
	assert_true(ratelimit_next(&r, 102) == 102);
	ratelimit_clear(&r);
}

static void
test_backoff(void **state)
{
	static const struct {
		int	 attempts;
		long	 retry_after;
		double	 rnd;
		double	 want;
		double	 max_age;	/* 0: a day */
	} t[] = {
		/* 30 s doubling, spread over [0.75, 1.25) */
		{ 1, -1, 0.5, 30 },
		{ 2, -1, 0.5, 60 },
		{ 3, -1, 0.5, 120 },
		{ 1, -1, 0.0, 22.5 },
		{ 1, -1, 0.999999, 37.499993 },
		{ 7, -1, 0.5, 1920 },
		/* capped at an hour */
		{ 8, -1, 0.5, 3600 },
		{ 50, -1, 0.5, 3600 },
		{ 50, -1, 0.0, 2700 },
		/* Retry-After wins, with at most 10% more */
		{ 1, 5, 0.0, 5 },
		{ 6, 5, 0.5, 5.25 },
		{ 1, 7200, 0.0, 7200 },
		{ 1, 0, 0.5, 30 },
		/*
		 * Whatever the receiver sent, within [1 s, max-age]: huge
		 * (9223372036854775807 overflowed into a tight loop), what
		 * is left of negative, fractional or garbage values (curl
		 * gives -N for a past date, 1 for "1.5", 0 for "soon").
		 */
		{ 1, LONG_MAX, 0.5, 86400 },
		{ 3, LONG_MAX, 0.999999, 600, 600 },
		{ 1, 9223372036L * 1000000000L, 0.0, 86400 },
		{ 1, 864000, 0.0, 86400 },
		{ 1, 3600, 0.0, 600, 600 },
		{ 1, -1800000000L, 0.5, 30 },
		{ 4, -5, 0.5, 240 },
		{ 1, 1, 0.0, 1 },
		{ 1, 1, 0.999999, 1.1 },
		{ 1, 0, 0.0, 22.5 },
		/* computed delays too: an hour's backoff under max-age 2m */
		{ 50, -1, 0.5, 120, 120 },
		{ 1, -1, 0.5, 30, 3600 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		double	 d = alert_backoff(t[i].attempts, t[i].retry_after,
			    t[i].rnd, t[i].max_age > 0 ? t[i].max_age : 86400);

		if (d < t[i].want - 1e-3 || d > t[i].want + 1e-3)
			fail_msg("case %zu: %.4f, want %.4f", i, d, t[i].want);
	}
}

static void
count_a(void *arg)
{
	((int *)arg)[0]++;
}

static void
count_b(void *arg)
{
	((int *)arg)[1]++;
}

/*
 * Two users of one event (heraldd --once and notify.c when a fetch ends)
 * both run, neither replaces the other, and one's removal leaves the
 * other's.
 */
static void
test_hooks(void **state)
{
	struct hooks	 h = { NULL, 0 };
	int		 calls[2] = { 0, 0 };

	(void)state;
	hooks_add(&h, count_a, calls);
	hooks_add(&h, count_b, calls);
	hooks_add(&h, count_a, calls);	/* the same pair: still one */
	hooks_run(&h);
	assert_int_equal(calls[0], 1);
	assert_int_equal(calls[1], 1);
	hooks_remove(&h, count_a, calls);
	hooks_remove(&h, count_a, calls);	/* gone already */
	hooks_run(&h);
	assert_int_equal(calls[0], 1);
	assert_int_equal(calls[1], 2);
	hooks_clear(&h);
	hooks_run(&h);
	assert_int_equal(calls[1], 2);
}

/*
 * What a plugin gets of a digest story (daemon/digests.c): the lead's
 * title, link and summary, one article's; a lead without a summary has
 * none, not another article's.
 */
static void
test_digest_view_summary(void **state)
{
	struct store_digest_send	 row;
	struct digest_view		*v;
	const struct herald_digest	*hd;
	const struct herald_digest_story *hs;
	char				*err = NULL;

	(void)state;
	memset(&row, 0, sizeof(row));
	row.name = "morning";
	row.plugin = "webhook";
	row.payload = "{\"since\": \"2026-11-27T06:30:00Z\","
	    " \"until\": \"2026-11-28T06:30:00Z\", \"failing_feeds\": [],"
	    " \"topics\": [{\"topic\": \"russia\", \"total\": 2, \"stories\": ["
	    "{\"id\": 7, \"title\": \"Lead\", \"link\": \"https://a.org/1\","
	    " \"summary\": null, \"articles\": 40, \"items\": ["
	    "  {\"id\": 1, \"title\": \"Lead\", \"link\": \"https://a.org/1\"},"
	    "  {\"id\": 2, \"title\": \"Other\", \"summary\": \"Other's text\"}]},"
	    "{\"id\": 8, \"title\": \"Second\", \"articles\": -5,"
	    " \"items\": ["
	    "  {\"id\": 3, \"title\": \"Second\", \"summary\": \"Its own\"},"
	    "  {\"id\": 4, \"title\": \"More\", \"summary\": \"Not this\"}]}"
	    "]}]}";
	row.since = 1795761000;
	row.until = 1795847400;
	if ((v = digest_view_new(&row, 1, &err)) == NULL)
		fail_msg("%s", err);
	hd = digest_view_get(v);
	assert_int_equal(hd->ntopics, 1);
	assert_int_equal(hd->topics[0]->nstories, 2);
	hs = hd->topics[0]->stories[0];
	assert_string_equal(hs->title, "Lead");
	assert_null(hs->summary);
	/* ABI 1.3: the story's articles, listed (2) or not (38) */
	assert_int_equal(hs->nitems, 2);
	assert_int_equal(hs->articles, 40);
	hs = hd->topics[0]->stories[1];
	assert_string_equal(hs->summary, "Its own");
	/* a count below its items (or negative) is its items */
	assert_int_equal(hs->articles, 2);
	digest_view_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_ratelimit_idle),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_digest_view_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
