/*
 * test_topics.c: topic matches and the alert outbox in the store (one
 * match per article and topic, outbox rows per plugin, delivery state,
 * counts), on databases in a temporary directory.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "store.h"
#include "topic.h"
#include "util.h"

#define T0	1700000000	/* a fixed "now" */
#define DAY	86400

static char	 tmpdir[] = "/tmp/test_topics.XXXXXX";
static int	 dbseq;

static char *
db_path(void)
{
	return xasprintf("%s/db%d.sqlite", tmpdir, ++dbseq);
}

static struct store *
open_rw(const char *path)
{
	struct store	*s;
	char		*err = NULL;

	if ((s = store_open(path, STORE_RDWR, &err)) == NULL)
		fail_msg("store_open %s: %s", path, err);
	store_set_now(s, T0);
	return s;
}

/*
 * These tests read the matcher's work through the outbox: every match
 * alerts (alert-per = article), or articles of one story would hide each
 * other's matches.  test_story_alerts checks alerting per story.
 */
static struct store *
open_new(void)
{
	struct store		*s;
	struct store_story_conf	 sc = { 0, 0, STORE_ALERT_PER_ARTICLE };
	char			*path = db_path();

	s = open_rw(path);
	store_stories_configure(s, &sc);
	free(path);
	return s;
}

static int64_t
feed(struct store *s, const char *name)
{
	int64_t	 id = 0;
	char	*err = NULL, *url;

	url = xasprintf("https://%s.example/feed", name);
	if (store_feed_ensure(s, name, url, NULL, 1, &id, &err) == -1)
		fail_msg("feed_ensure: %s", err);
	free(url);
	return id;
}

static int64_t
item(struct store *s, int64_t feed_id, const char *guid, const char *link,
    const char *title, const char *summary)
{
	struct store_item	 it = { .guid = guid, .link = link,
				    .title = title, .summary = summary };
	int64_t			 id = 0;
	char			*err = NULL;

	if (store_item_upsert(s, feed_id, &it, NULL, &id, &err) == -1)
		fail_msg("upsert: %s", err);
	return id;
}

static int64_t
match(struct store *s, int64_t item_id, const char *topic,
    const char *const *plugins, size_t nplugins, int *created)
{
	int64_t	 id = 0;
	char	*err = NULL;

	if (store_match_add(s, item_id, topic, "China\nBeijing", "title",
	    "[China] and [Beijing]", plugins, nplugins, &id, created,
	    &err) == -1)
		fail_msg("match_add: %s", err);
	return id;
}

static struct store_alert *
due(struct store *s, const char *plugin, int64_t now, size_t limit,
    size_t *n)
{
	struct store_alert	*v;
	char			*err = NULL;

	if (store_alerts_due(s, plugin, now, limit, &v, n, &err) == -1)
		fail_msg("due: %s", err);
	return v;
}

static size_t
count_due(struct store *s, const char *plugin, int64_t now)
{
	struct store_alert	*v;
	size_t			 n;

	v = due(s, plugin, now, 0, &n);
	store_alerts_free(v, n);
	return n;
}

static struct store_alert *
list(struct store *s, int state, const char *plugin, size_t *n)
{
	struct store_alerts_filter	 f = { .state = state,
					    .plugin = plugin };
	struct store_alert		*v;
	char				*err = NULL;

	if (store_alerts_list(s, &f, &v, n, &err) == -1)
		fail_msg("list: %s", err);
	return v;
}

static const char *const two[] = { "webhook", "jsonl" };

/* One match per (article, topic), whoever carries it and however often. */
static void
test_match_once(void **state)
{
	struct store	*s = open_new();
	int64_t		 a = feed(s, "a"), b = feed(s, "b"), it, it2, m1, m2;
	int		 created = -1;

	it = item(s, a, "g1", "https://news.example/x", "China and Beijing",
	    NULL);
	m1 = match(s, it, "china", two, 2, &created);
	assert_int_equal(created, 1);
	assert_true(m1 > 0);
	assert_int_equal(count_due(s, "webhook", T0), 1);
	assert_int_equal(count_due(s, "jsonl", T0), 1);
	assert_int_equal(count_due(s, "mail", T0), 0);

	/* the same article from a second feed is the same item and match */
	it2 = item(s, b, "other-guid", "https://news.example/x?utm_source=b",
	    "China and Beijing", NULL);
	assert_int_equal(it2, it);
	m2 = match(s, it2, "china", two, 2, &created);
	assert_int_equal(created, 0);
	assert_int_equal(m2, m1);
	/* updated, matched again: still one alert per plugin */
	item(s, a, "g1", "https://news.example/x", "China and Beijing, again",
	    NULL);
	m2 = match(s, it, "china", two, 2, &created);
	assert_int_equal(created, 0);
	assert_int_equal(m2, m1);
	assert_int_equal(count_due(s, "webhook", T0), 1);

	/* another topic is another alert */
	m2 = match(s, it, "beijing", two, 1, &created);
	assert_int_equal(created, 1);
	assert_true(m2 != m1);
	assert_int_equal(count_due(s, "webhook", T0), 2);
	assert_int_equal(count_due(s, "jsonl", T0), 1);
	store_close(s);
}

/* Due rows carry the article and the match, oldest due first. */
static void
test_due_rows(void **state)
{
	struct store		*s = open_new();
	struct store_alert	*v;
	int64_t			 a = feed(s, "a"), b = feed(s, "b"), i1, i2;
	size_t			 n;
	char			*err = NULL;

	i1 = item(s, a, "g1", "https://news.example/1", "First", "about China");
	item(s, b, NULL, "https://news.example/1", "First", "about China");
	store_set_now(s, T0 + 10);
	i2 = item(s, a, "g2", "https://news.example/2", "Second", "Beijing");
	store_set_now(s, T0);
	match(s, i1, "china", two, 1, NULL);
	store_set_now(s, T0 + 10);
	match(s, i2, "china", two, 1, NULL);

	v = due(s, "webhook", T0 + 10, 0, &n);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].item_id, i1);
	assert_int_equal(v[1].item_id, i2);
	assert_string_equal(v[0].plugin, "webhook");
	assert_int_equal(v[0].state, STORE_ALERT_PENDING);
	assert_int_equal(v[0].attempts, 0);
	assert_int_equal(v[0].created, T0);
	assert_int_equal(v[0].next_attempt, T0);
	assert_null(v[0].last_error);
	assert_string_equal(v[0].topic, "china");
	assert_string_equal(v[0].terms, "China\nBeijing");
	assert_string_equal(v[0].field, "title");
	assert_string_equal(v[0].snippet, "[China] and [Beijing]");
	assert_string_equal(v[0].title, "First");
	assert_string_equal(v[0].link, "https://news.example/1");
	assert_string_equal(v[0].summary, "about China");
	assert_string_equal(v[0].feed_name, "a");
	assert_string_equal(v[0].feeds, "a, b");
	assert_int_equal(v[0].has_published, 0);
	assert_true(v[0].alert_id != v[1].alert_id);
	store_alerts_free(v, n);

	/* not yet due; a limit */
	assert_int_equal(count_due(s, "webhook", T0 + 9), 1);
	v = due(s, "webhook", T0 + 10, 1, &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].item_id, i1);
	/* a retry moves a row behind the other */
	if (store_alert_attempt(s, v[0].id, &err) == -1 ||
	    store_alert_retry(s, v[0].id, T0 + 20, "HTTP 503", &err) == -1)
		fail_msg("retry: %s", err);
	store_alerts_free(v, n);
	v = due(s, "webhook", T0 + 30, 0, &n);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].item_id, i2);
	assert_int_equal(v[1].item_id, i1);
	assert_int_equal(v[1].attempts, 1);
	assert_string_equal(v[1].last_error, "HTTP 503");
	store_alerts_free(v, n);
	store_close(s);
}

/*
 * Delivery attempts and outcomes, step by step: what each does to one
 * pending row.  An attempt counts when it starts (A), its outcome counts
 * nothing more: one a kill -9 cut short (A alone) counts (review5).
 */
enum op { OP_ATTEMPT, OP_SENT, OP_RETRY, OP_DEAD };
#define A	OP_ATTEMPT

static const struct {
	enum op		 ops[8];
	size_t		 nops;
	int		 state;
	int		 attempts;
	int64_t		 next;
	const char	*error;
	int64_t		 sent_at;
} outcome_cases[] = {
	{ { A, OP_SENT }, 2, STORE_ALERT_SENT, 1, T0, NULL, T0 + 5 },
	{ { A, OP_RETRY }, 2, STORE_ALERT_PENDING, 1, T0 + 60, "err 2", 0 },
	{ { A, OP_RETRY, A, OP_RETRY, A, OP_SENT }, 6, STORE_ALERT_SENT, 3,
	    T0 + 60, NULL, T0 + 5 },
	{ { A, OP_RETRY, A, OP_DEAD }, 4, STORE_ALERT_DEAD, 2, T0 + 60,
	    "err 4", 0 },
	{ { A, OP_DEAD }, 2, STORE_ALERT_DEAD, 1, T0, "err 2", 0 },
	/* cut short by a kill, then tried again after the restart */
	{ { A }, 1, STORE_ALERT_PENDING, 1, T0, NULL, 0 },
	{ { A, A, OP_SENT }, 3, STORE_ALERT_SENT, 2, T0, NULL, T0 + 5 },
	/* a row that is no longer pending does not change */
	{ { A, OP_SENT, A, OP_RETRY, OP_DEAD }, 5, STORE_ALERT_SENT, 1, T0,
	    NULL, T0 + 5 },
	{ { A, OP_DEAD, A, OP_SENT }, 4, STORE_ALERT_DEAD, 1, T0, "err 2", 0 },
};
#undef A

static void
test_outcomes(void **state)
{
	size_t		 c, k, n;
	char		*err = NULL, msg[32];

	for (c = 0; c < sizeof(outcome_cases) / sizeof(outcome_cases[0]);
	    c++) {
		struct store		*s = open_new();
		struct store_alert	*v;
		int64_t			 f = feed(s, "a"), it, row;
		int			 rc = 0;

		it = item(s, f, "g", "https://x.example/1", "China", NULL);
		match(s, it, "china", two, 1, NULL);
		v = due(s, "webhook", T0, 0, &n);
		assert_int_equal(n, 1);
		row = v[0].id;
		store_alerts_free(v, n);
		for (k = 0; k < outcome_cases[c].nops; k++) {
			snprintf(msg, sizeof(msg), "err %zu", k + 1);
			switch (outcome_cases[c].ops[k]) {
			case OP_ATTEMPT:
				rc = store_alert_attempt(s, row, &err);
				break;
			case OP_SENT:
				rc = store_alert_sent(s, row, T0 + 5, &err);
				break;
			case OP_RETRY:
				rc = store_alert_retry(s, row, T0 + 60, msg,
				    &err);
				break;
			case OP_DEAD:
				rc = store_alert_dead(s, row, msg, &err);
				break;
			}
			if (rc == -1)
				fail_msg("case %zu op %zu: %s", c, k, err);
		}
		v = list(s, -1, NULL, &n);
		assert_int_equal(n, 1);
		if ((int)v[0].state != outcome_cases[c].state ||
		    v[0].attempts != outcome_cases[c].attempts ||
		    v[0].next_attempt != outcome_cases[c].next ||
		    v[0].sent_at != outcome_cases[c].sent_at)
			fail_msg("case %zu: state %d attempts %d next %lld "
			    "sent %lld", c, v[0].state, v[0].attempts,
			    (long long)v[0].next_attempt,
			    (long long)v[0].sent_at);
		if (outcome_cases[c].error == NULL)
			assert_null(v[0].last_error);
		else
			assert_string_equal(v[0].last_error,
			    outcome_cases[c].error);
		store_alerts_free(v, n);
		store_close(s);
	}
}

/* The earliest pending next_attempt, per plugin and overall. */
static void
test_next(void **state)
{
	struct store		*s = open_new();
	struct store_alert	*v;
	int64_t			 f = feed(s, "a"), it, when = -1;
	size_t			 n, i;
	char			*err = NULL;

	assert_int_equal(store_alerts_next(s, NULL, &when, &err), 0);
	assert_int_equal(when, 0);
	it = item(s, f, "g", "https://x.example/1", "China", NULL);
	match(s, it, "china", two, 2, NULL);
	v = due(s, "webhook", T0, 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(store_alert_retry(s, v[0].id, T0 + 300, "x", &err), 0);
	store_alerts_free(v, n);
	assert_int_equal(store_alerts_next(s, "webhook", &when, &err), 1);
	assert_int_equal(when, T0 + 300);
	assert_int_equal(store_alerts_next(s, "jsonl", &when, &err), 1);
	assert_int_equal(when, T0);
	assert_int_equal(store_alerts_next(s, NULL, &when, &err), 1);
	assert_int_equal(when, T0);
	assert_int_equal(store_alerts_next(s, "mail", &when, &err), 0);

	/* nothing pending once everything is sent */
	v = list(s, STORE_ALERT_PENDING, NULL, &n);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		assert_int_equal(store_alert_sent(s, v[i].id, T0, &err), 0);
	store_alerts_free(v, n);
	assert_int_equal(store_alerts_next(s, NULL, &when, &err), 0);
	store_close(s);
}

/* Rows older than the maximum age die without an attempt. */
static void
test_expire(void **state)
{
	struct store		*s = open_new();
	struct store_alert	*v;
	int64_t			 f = feed(s, "a"), it;
	size_t			 n, ndead = 9;
	char			*err = NULL;

	it = item(s, f, "g1", "https://x.example/1", "China", NULL);
	match(s, it, "china", two, 2, NULL);
	store_set_now(s, T0 + DAY);
	it = item(s, f, "g2", "https://x.example/2", "Beijing", NULL);
	match(s, it, "china", two, 2, NULL);
	v = due(s, "webhook", T0, 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(store_alert_attempt(s, v[0].id, &err), 0);
	assert_int_equal(store_alert_retry(s, v[0].id, T0 + 60, "timeout",
	    &err), 0);
	store_alerts_free(v, n);

	/* only the webhook's rows created before the cutoff */
	assert_int_equal(store_alerts_expire(s, "webhook", T0 + 1, &ndead,
	    &err), 0);
	assert_int_equal(ndead, 1);
	v = list(s, STORE_ALERT_DEAD, NULL, &n);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].plugin, "webhook");
	assert_string_equal(v[0].last_error,
	    "expired after 1 attempt: timeout");
	assert_int_equal(v[0].attempts, 1);
	store_alerts_free(v, n);
	assert_int_equal(store_alerts_expire(s, "jsonl", T0 + 1, &ndead,
	    &err), 0);
	assert_int_equal(ndead, 1);
	v = list(s, STORE_ALERT_DEAD, "jsonl", &n);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].last_error, "expired after 0 attempts");
	store_alerts_free(v, n);
	v = list(s, STORE_ALERT_PENDING, NULL, &n);
	assert_int_equal(n, 2);
	store_alerts_free(v, n);
	store_close(s);
}

/* herald alerts and herald topics: lists, filters and counts. */
static void
test_lists_and_counts(void **state)
{
	struct store			*s = open_new();
	struct store_alert		*v;
	struct store_outbox_count	*oc;
	struct store_topic_count	*tc;
	struct store_entry		*e;
	struct store_alerts_filter	 filt = { .state = -1,
					    .topic = "russia" };
	char				**terms;
	int64_t				 f = feed(s, "a"), it;
	size_t				 n, i;
	char				*err = NULL, guid[16], link[64];

	/* china: one 10 days ago, one 3 days ago, two today; russia: one */
	static const int64_t ages[] = { 10 * DAY, 3 * DAY, 3600, 60 };

	for (i = 0; i < 4; i++) {
		store_set_now(s, T0 - ages[i]);
		snprintf(guid, sizeof(guid), "g%zu", i);
		snprintf(link, sizeof(link), "https://x.example/%zu", i);
		it = item(s, f, guid, link, "China", NULL);
		match(s, it, "china", two, 2, NULL);
		if (i == 3)
			match(s, it, "russia", two, 1, NULL);
	}
	store_set_now(s, T0);
	if (store_topic_counts(s, T0, &tc, &n, &err) == -1)
		fail_msg("topic_counts: %s", err);
	assert_int_equal(n, 2);
	assert_string_equal(tc[0].topic, "china");
	assert_int_equal(tc[0].day, 2);
	assert_int_equal(tc[0].week, 3);
	assert_int_equal(tc[0].total, 4);
	assert_int_equal(tc[0].last, T0 - 60);
	assert_string_equal(tc[1].topic, "russia");
	assert_int_equal(tc[1].total, 1);
	store_topic_counts_free(tc, n);

	v = list(s, -1, NULL, &n);
	assert_int_equal(n, 9);
	assert_true(v[0].id > v[1].id);		/* newest first */
	store_alerts_free(v, n);
	v = list(s, -1, "jsonl", &n);
	assert_int_equal(n, 4);
	assert_int_equal(store_alert_dead(s, v[0].id, "HTTP 400", &err), 0);
	store_alerts_free(v, n);
	if (store_alerts_list(s, &filt, &v, &n, &err) == -1)
		fail_msg("list: %s", err);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].topic, "russia");
	store_alerts_free(v, n);

	if (store_outbox_counts(s, &oc, &n, &err) == -1)
		fail_msg("outbox_counts: %s", err);
	assert_int_equal(n, 2);
	assert_string_equal(oc[0].plugin, "jsonl");
	assert_int_equal(oc[0].pending, 3);
	assert_int_equal(oc[0].dead, 1);
	assert_int_equal(oc[0].sent, 0);
	assert_string_equal(oc[1].plugin, "webhook");
	assert_int_equal(oc[1].pending, 5);
	assert_int_equal(oc[1].next_attempt, T0 - 10 * DAY);
	store_outbox_counts_free(oc, n);

	if (store_topic_entries(s, "china", T0 - 7 * DAY, 0, &e, &terms, &n,
	    &err) == -1)
		fail_msg("topic_entries: %s", err);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].title, "China");
	assert_int_equal(e[0].first_seen, T0 - 60);
	assert_string_equal(e[0].snippet, "[China] and [Beijing]");
	assert_string_equal(terms[0], "China\nBeijing");
	for (i = 0; i < n; i++)
		free(terms[i]);
	free(terms);
	store_entries_free(e, n);
	store_close(s);
}

/* Pruning an article removes its matches and outbox rows. */
static void
test_prune_cascades(void **state)
{
	struct store		*s = open_new();
	struct store_alert	*v;
	struct store_topic_count *tc;
	int64_t			 f = feed(s, "a"), it, deleted = 0;
	size_t			 n;
	char			*err = NULL;

	it = item(s, f, "g1", "https://x.example/1", "China", NULL);
	match(s, it, "china", two, 2, NULL);
	store_set_now(s, T0 + 10 * DAY);
	if (store_prune(s, T0 + DAY, &deleted, &err) == -1)
		fail_msg("prune: %s", err);
	assert_int_equal(deleted, 1);
	v = list(s, -1, NULL, &n);
	assert_int_equal(n, 0);
	store_alerts_free(v, n);
	if (store_topic_counts(s, T0, &tc, &n, &err) == -1)
		fail_msg("topic_counts: %s", err);
	assert_int_equal(n, 0);
	store_topic_counts_free(tc, n);
	store_close(s);
}

/* What the daemon wrote survives a reopen; the CLI reads it read-only. */
static void
test_durable_readonly(void **state)
{
	struct store		*s, *r;
	struct store_alert	*v;
	char			*path = db_path(), *err = NULL;
	int64_t			 f, it;
	size_t			 n;

	s = open_rw(path);
	f = feed(s, "a");
	if (store_begin(s, &err) == -1)
		fail_msg("begin: %s", err);
	it = item(s, f, "g1", "https://x.example/1", "China", NULL);
	match(s, it, "china", two, 2, NULL);
	it = item(s, f, "g2", "https://x.example/2", "Kína", NULL);
	match(s, it, "china", two, 2, NULL);
	store_rollback(s);
	assert_int_equal(count_due(s, "webhook", T0), 0);
	it = item(s, f, "g1", "https://x.example/1", "China", NULL);
	match(s, it, "china", two, 2, NULL);
	store_close(s);

	s = open_rw(path);
	assert_int_equal(count_due(s, "webhook", T0), 1);
	if ((r = store_open(path, STORE_RDONLY, &err)) == NULL)
		fail_msg("read-only: %s", err);
	v = list(r, STORE_ALERT_PENDING, NULL, &n);
	assert_int_equal(n, 2);
	store_alerts_free(v, n);
	/* a read-only handle cannot write */
	assert_int_equal(store_alert_sent(r, 1, T0, &err), -1);
	free(err);
	store_close(r);
	store_close(s);
	free(path);
}

/* Queries that compile, and what is said about those that do not. */
static const struct {
	const char	*query;
	const char	*error;		/* NULL: compiles; else a substring */
} qcheck_cases[] = {
	{ "China", NULL },
	{ "China OR Chinese OR Beijing", NULL },
	{ "\"Xi Jinping\" OR Chin*", NULL },
	{ "title: sanctions", NULL },
	{ "{title summary}: sanctions", NULL },
	{ "NEAR(Russia sanctions, 10)", NULL },
	{ "Κίνα OR Китай OR Kína", NULL },
	{ "energy NOT \"energy drink\"", NULL },
	{ "(a OR b) AND c", NULL },
	{ "", "empty query" },
	{ "   ", "empty query" },
	{ "China AND", "syntax error at the end of the query" },
	{ "(China", "syntax error" },
	{ "\"Xi Jinping", "unterminated string" },
	{ "U.S. sanctions", "syntax error near \".\"" },
	{ "body: China", "no such column: body" },
	{ "NOT China", "syntax error" },
	{ "NEAR(a b, x)", "expected integer" },
};

static void
test_qcheck(void **state)
{
	struct store_qcheck	*q;
	size_t			 i;
	char			*err = NULL;

	if ((q = store_qcheck_new(&err)) == NULL)
		fail_msg("qcheck_new: %s", err);
	for (i = 0; i < sizeof(qcheck_cases) / sizeof(qcheck_cases[0]);
	    i++) {
		int	 rc = store_qcheck(q, qcheck_cases[i].query, &err);

		if (qcheck_cases[i].error == NULL && rc != 0)
			fail_msg("%s: %s", qcheck_cases[i].query, err);
		if (qcheck_cases[i].error != NULL && rc == 0)
			fail_msg("%s: compiled", qcheck_cases[i].query);
		if (qcheck_cases[i].error != NULL &&
		    strstr(err, qcheck_cases[i].error) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"",
			    qcheck_cases[i].query, err, qcheck_cases[i].error);
		free(err);
		err = NULL;
	}
	store_qcheck_free(q);
}

/* The matcher, table-driven: topics, then articles and what they hit. */
static const char *const plug1[] = { "jsonl" };

static const struct store_topic match_topics[] = {
	{ .name = "china", .match = "China OR Chinese OR Beijing OR Pékin OR "
	    "\"Xi Jinping\" OR Κίνα OR Κινα OR Китай OR Kína OR Kínai*",
	    .exclude = "\"fine china\" OR porcelain OR Chinatown",
	    .plugins = plug1, .nplugins = 1 },
	{ .name = "russia", .match = "Russia* OR Rusko OR Moscow OR Kremlin",
	    .exclude = "Prussia* OR \"Russian dressing\"",
	    .plugins = plug1, .nplugins = 1 },
	{ .name = "sanctions", .match = "title: sanction*",
	    .plugins = plug1, .nplugins = 1 },
	{ .name = "nearby", .match = "NEAR(gas pipeline, 3)",
	    .plugins = plug1, .nplugins = 1 },
	{ .name = "nothing", .match = "zzyzx", .plugins = plug1,
	    .nplugins = 1 },
};

static const struct {
	const char	*title;
	const char	*summary;
	const char	*hits;		/* "topic:field:terms|..." in order */
} match_cases[] = {
	{ "China and the EU", NULL, "china:title:China" },
	{ "Talks in Beijing", "Xi Jinping met the Commission", 
	    "china:title:Beijing\nXi Jinping" },
	{ "Pekin odpowiada", NULL, "china:title:Pekin" },	/* diacritics */
	{ "Η ΚΙΝΑ και η ΕΕ", NULL, "china:title:ΚΙΝΑ" },
	{ "Η Κίνα και η ΕΕ", NULL, "china:title:Κίνα" },
	{ "Китай и ЕС", NULL, "china:title:Китай" },
	{ "Kínai befektetés", NULL, "china:title:Kínai" },	/* prefix */
	{ "A fine China tea set", NULL, "" },			/* excluded */
	{ "Chinatown parade", "Chinese new year", "" },
	{ "Kingdom of Prussia", "Russian history", "" },
	{ "Russian troops", NULL, "russia:title:Russian" },
	{ "Market report", "The Kremlin said", "russia:summary:Kremlin" },
	{ "New sanctions package", "Russia", 
	    "russia:summary:Russia|sanctions:title:sanctions" },
	{ "Weekly brief", "more sanctions on Russia",
	    "russia:summary:Russia" },	/* title: only */
	{ "Energy", "the gas export pipeline", "nearby:summary:gas\npipeline" },
	{ "Energy", "gas prices rise while the pipeline waits", "" },
	{ "Nothing here", "at all", "" },
};

static char *
hits_of(struct store *s, int64_t item_id)
{
	struct store_alert	*v;
	struct buf		 b;
	size_t			 n, i;
	char			*out;

	v = list(s, -1, NULL, &n);
	buf_init(&b, 0);
	/* newest first: walk backwards for match order */
	for (i = n; i-- > 0;) {
		if (v[i].item_id != item_id)
			continue;
		buf_printf(&b, "%s%s:%s:%s", b.len ? "|" : "", v[i].topic,
		    v[i].field ? v[i].field : "-",
		    v[i].terms ? v[i].terms : "-");
	}
	store_alerts_free(v, n);
	out = b.len ? buf_steal(&b) : xstrdup("");
	buf_free(&b);
	return out;
}

static void
test_match_table(void **state)
{
	struct store		*s = open_new();
	struct store_topics	*ts;
	struct store_topics_stats stats;
	int64_t			 f = feed(s, "a"), ids[32];
	size_t			 i, n, nm = 0, total = 0;
	char			*err = NULL, guid[16], *h;

	n = sizeof(match_cases) / sizeof(match_cases[0]);
	assert_true(n <= 32);
	if ((ts = store_topics_new(s, match_topics, sizeof(match_topics) /
	    sizeof(match_topics[0]), &err)) == NULL)
		fail_msg("topics_new: %s", err);
	if (store_begin(s, &err) == -1)
		fail_msg("begin: %s", err);
	for (i = 0; i < n; i++) {
		snprintf(guid, sizeof(guid), "g%zu", i);
		ids[i] = item(s, f, guid, NULL, match_cases[i].title,
		    match_cases[i].summary);
	}
	if (store_topics_match(s, ts, f, ids, n, &nm, &err) == -1)
		fail_msg("match: %s", err);
	if (store_commit(s, &err) == -1)
		fail_msg("commit: %s", err);
	for (i = 0; i < n; i++) {
		h = hits_of(s, ids[i]);
		if (strcmp(h, match_cases[i].hits) != 0)
			fail_msg("\"%s\" / \"%s\": got \"%s\", want \"%s\"",
			    match_cases[i].title, match_cases[i].summary ?
			    match_cases[i].summary : "", h,
			    match_cases[i].hits);
		if (*h != '\0')
			total += 1 + (strchr(h, '|') != NULL);
		free(h);
	}
	assert_int_equal(nm, total);
	/* only articles holding a token of a rule are looked at for it */
	store_topics_stats(ts, &stats);
	assert_int_equal(stats.batches, 1);
	assert_int_equal(stats.items, n);
	assert_true(stats.candidates >= total);
	assert_true(stats.candidates <= total + 6);
	store_topics_free(ts);
	store_close(s);
}

/* Matching again, updating, a second feed, feed restrictions, snippets. */
static void
test_match_semantics(void **state)
{
	static const int64_t	 only_b[1] = { 2 };
	struct store_topic	 tp[2] = {
		{ .name = "china", .match = "China", .plugins = two,
		    .nplugins = 2 },
		{ .name = "b-only", .match = "China", .feeds = only_b,
		    .nfeeds = 1, .plugins = two, .nplugins = 1 },
	};
	struct store		*s = open_new();
	struct store_topics	*ts;
	struct store_alert	*v;
	struct store_item	 it = { .guid = "g1",
				    .link = "https://x.example/1",
				    .title = "China talks",
				    .summary = "A long summary of the talks "
				    "between the EU and China about trade "
				    "and climate that goes on." };
	enum store_upsert_result res;
	int64_t			 a = feed(s, "a"), b = feed(s, "b"), id;
	size_t			 n, nm = 9;
	char			*err = NULL;

	assert_int_equal(b, only_b[0]);
	if ((ts = store_topics_new(s, tp, 2, &err)) == NULL)
		fail_msg("topics_new: %s", err);
	assert_int_equal(store_item_upsert(s, a, &it, &res, &id, &err), 0);
	assert_int_equal(res, STORE_NEW);
	assert_int_equal(store_topics_match(s, ts, a, &id, 1, &nm, &err), 0);
	assert_int_equal(nm, 1);		/* not b-only */
	v = list(s, -1, NULL, &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].terms, "China");
	assert_string_equal(v[0].field, "title");
	assert_non_null(strstr(v[0].snippet, "[China]"));
	store_alerts_free(v, n);

	/* updated: matched again, nothing new */
	it.title = "China talks (updated)";
	assert_int_equal(store_item_upsert(s, a, &it, &res, &id, &err), 0);
	assert_int_equal(res, STORE_UPDATED);
	assert_int_equal(store_topics_match(s, ts, a, &id, 1, &nm, &err), 0);
	assert_int_equal(nm, 0);
	/* brought by feed b, updated there: only b-only is new */
	it.guid = "other";
	it.title = "China talks (b)";
	assert_int_equal(store_item_upsert(s, b, &it, &res, &id, &err), 0);
	assert_int_equal(store_topics_match(s, ts, b, &id, 1, &nm, &err), 0);
	assert_int_equal(nm, 1);
	v = list(s, -1, NULL, &n);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].topic, "b-only");
	store_alerts_free(v, n);

	/* a batch that is rolled back leaves no alert and a clean index */
	it.guid = "g2";
	it.link = "https://x.example/2";
	it.title = "China again";
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_item_upsert(s, a, &it, &res, &id, &err), 0);
	assert_int_equal(store_topics_match(s, ts, a, &id, 1, &nm, &err), 0);
	assert_int_equal(nm, 1);
	store_rollback(s);
	v = list(s, -1, NULL, &n);
	assert_int_equal(n, 3);
	store_alerts_free(v, n);
	it.title = "Nothing of the kind";
	it.summary = NULL;
	assert_int_equal(store_item_upsert(s, a, &it, &res, &id, &err), 0);
	assert_int_equal(store_topics_match(s, ts, a, &id, 1, &nm, &err), 0);
	assert_int_equal(nm, 0);
	store_topics_free(ts);
	store_close(s);
}

/* A topic that does not compile is refused by name. */
static void
test_topics_refused(void **state)
{
	struct store_topic	 tp[2] = {
		{ .name = "good", .match = "China" },
		{ .name = "bad", .match = "China", .exclude = "(porcelain" },
	};
	struct store		*s = open_new();
	char			*err = NULL;

	assert_null(store_topics_new(s, tp, 2, &err));
	assert_non_null(strstr(err, "topic bad: exclude: "));
	assert_non_null(strstr(err, "syntax error"));
	free(err);
	store_close(s);
}

/* The backtest finds what the matcher found, and writes nothing. */
static void
test_backtest(void **state)
{
	struct store		*s = open_new(), *r;
	struct store_topics	*ts;
	struct store_entry	*e;
	char			**terms, **fields, *err = NULL, guid[16];
	char			*path;
	int64_t			 f = feed(s, "a"), ids[32];
	size_t			 i, j, n, nc;

	nc = sizeof(match_cases) / sizeof(match_cases[0]);
	if ((ts = store_topics_new(s, match_topics, 4, &err)) == NULL)
		fail_msg("topics_new: %s", err);
	for (i = 0; i < nc; i++) {
		snprintf(guid, sizeof(guid), "g%zu", i);
		ids[i] = item(s, f, guid, NULL, match_cases[i].title,
		    match_cases[i].summary);
	}
	assert_int_equal(store_topics_match(s, ts, f, ids, nc, NULL, &err), 0);
	store_topics_free(ts);
	path = xasprintf("%s/db%d.sqlite", tmpdir, dbseq);
	store_close(s);
	if ((r = store_open(path, STORE_RDONLY, &err)) == NULL)
		fail_msg("open: %s", err);
	free(path);
	for (j = 0; j < 4; j++) {
		struct store_entry	*me;
		char			**mt;
		size_t			 mn;

		if (store_topic_test(r, &match_topics[j], 0, 0, &e, &terms,
		    &fields, &n, &err) == -1)
			fail_msg("topic_test %s: %s", match_topics[j].name,
			    err);
		if (store_topic_entries(r, match_topics[j].name, 0, 0, &me,
		    &mt, &mn, &err) == -1)
			fail_msg("topic_entries: %s", err);
		assert_int_equal(n, mn);
		for (i = 0; i < n; i++) {
			assert_int_equal(e[i].id, me[i].id);
			assert_string_equal(terms[i], mt[i]);
			assert_string_equal(e[i].snippet, me[i].snippet);
			assert_non_null(fields[i]);
			free(terms[i]);
			free(fields[i]);
			free(mt[i]);
		}
		free(terms);
		free(fields);
		free(mt);
		store_entries_free(e, n);
		store_entries_free(me, mn);
	}
	/* the limit, and a bad query */
	assert_int_equal(store_topic_test(r, &match_topics[0], 0, 1, &e,
	    &terms, &fields, &n, &err), 0);
	assert_int_equal(n, 1);
	free(terms[0]);
	free(fields[0]);
	free(terms);
	free(fields);
	store_entries_free(e, n);
	{
		struct store_topic bad = { .name = "x", .match = "a AND" };

		assert_int_equal(store_topic_test(r, &bad, 0, 0, &e, &terms,
		    &fields, &n, &err), -1);
		assert_non_null(strstr(err, "topic x: match: syntax error"));
		free(err);
	}
	store_close(r);
}

/* Rule errors name file:line and the key, through topic_check_config(). */
static void
test_check_config(void **state)
{
	struct config	*c = NULL;
	char		*path, *err = NULL;
	FILE		*fp;

	path = xasprintf("%s/bad.conf", tmpdir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "[herald]\ndatabase = x.db\n\n"
	    "[topic \"good\"]\nmatch = China OR \"Xi Jinping\"\n"
	    "exclude = porcelain\n\n"
	    "[topic \"bad\"]\nmatch = U.S. sanctions\n"
	    "exclude = (porcelain\n\n"
	    "[topic \"worse\"]\nmatch = body: China\n");
	fclose(fp);
	if (config_load(path, &c, &err) == -1)
		fail_msg("config_load: %s", err);
	assert_int_equal(topic_check_config(c, &err), -1);
	{
		char	*want = xasprintf(
		    "%s:9: match: syntax error near \".\" (topic bad)\n"
		    "%s:10: exclude: syntax error at the end of the query "
		    "(topic bad)\n"
		    "%s:13: match: no such column: body (topic worse)\n",
		    path, path, path);

		assert_string_equal(err, want);
		free(want);
	}
	free(err);
	config_free(c);
	free(path);
}

/*
 * The shipped pack: etc/herald.conf (which includes it) through
 * config_load, every example sentence in tests/data/topics through the
 * matcher, as a title and as a summary; each topic has sentences it must
 * match in each official language of the EU.
 */
static int64_t
pack_feed_id(void *arg, const char *name)
{
	return 1;
}

struct sentence {
	char	*topic;
	char	*text;
	int	 want;
	int64_t	 ids[2];
};

/* The EU's official languages: each topic has sentences in every one. */
static const char *const eu_langs[] = {
	"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga",
	"hr", "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk",
	"sl", "sv",
};
#define NLANGS	(sizeof(eu_langs) / sizeof(eu_langs[0]))

static int
eu_lang(const char *code)
{
	size_t	 i;

	for (i = 0; i < NLANGS; i++)
		if (strcmp(code, eu_langs[i]) == 0)
			return (int)i;
	return -1;
}

static void
test_pack(void **state)
{
	struct config		*c = NULL;
	struct store		*s;
	struct store_topics	*ts;
	struct store_entry	*v = NULL;
	struct sentence		*sv = NULL;
	char			**terms = NULL;
	struct buf		 bad;
	const char		*srcdir = getenv("top_srcdir");
	const char		*data = getenv("TESTDATA");
	char			*path, *err = NULL, line[1024], guid[32];
	int64_t			*ids, f;
	size_t			 i, j, k, n = 0, cap = 0, nv = 0, nids = 0;
	size_t			 ntopicfiles = 0, nbad = 0;
	unsigned long		 langs;
	int			 lang;
	FILE			*fp;

	if (srcdir == NULL)
		srcdir = "..";
	path = xasprintf("%s/etc/herald.conf", srcdir);
	if (config_load(path, &c, &err) == -1)
		fail_msg("config_load %s: %s", path, err);
	free(path);
	if (topic_check_config(c, &err) == -1)
		fail_msg("the shipped pack: %s", err);
	assert_true(c->ntopics >= 10);

	/* every topic of the pack has its sentences */
	for (i = 0; i < c->ntopics; i++) {
		path = xasprintf("%s/topics/%s.txt", data ? data : "data",
		    c->topics[i].name);
		if ((fp = fopen(path, "r")) == NULL)
			fail_msg("%s: no example sentences", path);
		ntopicfiles++;
		lang = -1;
		langs = 0;
		while (fgets(line, sizeof(line), fp) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			if (strncmp(line, "## ", 3) == 0) {
				if ((lang = eu_lang(line + 3)) == -1)
					fail_msg("%s: \"%s\": not an official "
					    "language of the EU", path, line + 3);
				continue;
			}
			if ((line[0] != '+' && line[0] != '-') ||
			    line[1] != ' ')
				continue;
			if (line[0] == '+' && lang != -1)
				langs |= 1ul << lang;
			if (n == cap) {
				cap = cap ? 2 * cap : 256;
				sv = xrealloc(sv, cap * sizeof(*sv));
			}
			sv[n].topic = c->topics[i].name;
			sv[n].text = xstrdup(line + 2);
			sv[n].want = line[0] == '+';
			n++;
		}
		fclose(fp);
		for (j = 0; j < NLANGS; j++)
			if (!(langs & (1ul << j)))
				fail_msg("%s: no sentence in \"## %s\" that "
				    "must match", path, eu_langs[j]);
		free(path);
	}
	assert_true(n >= 10 * ntopicfiles);

	s = open_new();
	f = feed(s, "pack");
	if ((ts = topic_compile(s, c, pack_feed_id, NULL, &err)) == NULL)
		fail_msg("topic_compile: %s", err);
	ids = xcalloc(2 * n, sizeof(*ids));
	if (store_begin(s, &err) == -1)
		fail_msg("begin: %s", err);
	for (i = 0; i < n; i++) {
		snprintf(guid, sizeof(guid), "t%zu", i);
		sv[i].ids[0] = ids[nids++] = item(s, f, guid, NULL,
		    sv[i].text, NULL);
		snprintf(guid, sizeof(guid), "s%zu", i);
		sv[i].ids[1] = ids[nids++] = item(s, f, guid, NULL,
		    "An article", sv[i].text);
	}
	if (store_topics_match(s, ts, f, ids, nids, NULL, &err) == -1)
		fail_msg("match: %s", err);
	if (store_commit(s, &err) == -1)
		fail_msg("commit: %s", err);
	/* the pack has no plugin here: read the matches, not the outbox */
	buf_init(&bad, 0);
	for (i = 0; i < n; i++)
		for (k = 0; k < 2; k++) {
			int	 got = 0;

			if (i == 0 || strcmp(sv[i].topic, sv[i - 1].topic)) {
				if (v != NULL)
					store_entries_free(v, nv);
				for (j = 0; j < nv; j++)
					free(terms[j]);
				free(terms);
				if (store_topic_entries(s, sv[i].topic, 0, 0,
				    &v, &terms, &nv, &err) == -1)
					fail_msg("entries: %s", err);
			}
			for (j = 0; j < nv && !got; j++)
				got = v[j].id == sv[i].ids[k];
			if (got == sv[i].want)
				continue;
			nbad++;
			buf_printf(&bad, "# %s: %s \"%s\" (as a %s)\n",
			    sv[i].topic, sv[i].want ? "missed" :
			    "wrongly matched", sv[i].text,
			    k == 0 ? "title" : "summary");
		}
	store_entries_free(v, nv);
	for (j = 0; j < nv; j++)
		free(terms[j]);
	free(terms);
	if (nbad > 0) {
		fprintf(stderr, "%s", bad.data);
		fail_msg("%zu of %zu example sentences wrong", nbad, 2 * n);
	}
	buf_free(&bad);
	for (i = 0; i < n; i++)
		free(sv[i].text);
	free(sv);
	free(ids);
	store_topics_free(ts);
	store_close(s);
	config_free(c);
}

/*
 * The matcher evaluates rules itself (FTS5 only for NEAR): every rule here
 * must pick the same articles as FTS5 does over the search index.
 */
static const char *const diff_rules[] = {
	"china",
	"china OR russia",
	"china russia",
	"china AND russia",
	"china NOT russia",
	"china russia NOT trade",
	"china AND russia NOT trade",
	"china OR russia AND trade",
	"(china OR russia) AND trade",
	"china NOT russia NOT trade",
	"\"trade war\"",
	"\"trade war\" OR \"war on trade\"",
	"trad*",
	"\"trade w\"*",
	"title: china",
	"summary: china OR title: russia",
	"{title author}: china",
	"- title: china",
	"-{summary content}: china",
	"title: (china OR russia)",
	"^china",
	"title: ^china",
	"\"trade\" + \"war\"",
	"NEAR(china trade, 2)",
	"NEAR(china trade, 2) OR russia",
	"Pékin OR Κίνα",
	"kina*",
	"author: smith",
	"china AND (trade OR war) NOT (\"fine china\" OR porcelain)",
	"(china NOT trade) OR (russia NOT war)",
	/* inflected forms inside phrases: a prefix on any of its tokens */
	"\"asset freez\"*",
	"\"asset freez\" *",
	"asset + freez*",
	"asset* + freez*",
	"trad* + war",
	"trad* + war*",
	"\"restriktiv\"* + \"Maßnahme\"*",
	"środk* + ograniczając*",
	"\"srodk\"* + \"ograniczajac\"*",
	"\"travel ban\"* OR \"asset freez\"*",
	"trade* + trade",
	"\"sanctions\" + \"package\"* NOT \"asset freez\"*",
	"title: \"asset freez\"*",
	"^asset* + freez*",
	"\"anti-dump\"*",
	/* the tokens that make a topic a candidate are a few of its own */
	"\"the trade\" AND (china OR russia)",
	"(a OR china) AND trade",
	"trade AND (war OR \"in china\")",
	"(china NOT russia) AND (trade OR war)",
	"\"china and russia\" OR \"of war\"",
	"china AND russia AND trade",
	"(war AND trade) OR (kinetic AND trade)",
	"\"a trade war\" OR (trade* AND (the OR of)) NOT russia",
	"(mesure* + restrictive* OR \"asset freez\"*) AND (eu OR council)",
};

static const char *const diff_docs[][3] = {	/* title, summary, author */
	{ "China and Russia", "talk trade", "Smith" },
	{ "China", "a trade war looms", NULL },
	{ "Russia", "China war on trade", "Jones" },
	{ "Trade war", "between China and Russia", NULL },
	{ "Fine china", "porcelain and trade", NULL },
	{ "Pekin responds", "Κίνα και Ρωσία", NULL },
	{ "The Kinase", "kinetic trade", NULL },
	{ "Weather", "rain", "China Smith" },
	{ "china trade", "russia", NULL },
	{ "Trader", "China trades with Russia", NULL },
	{ "In China the trade of war", NULL, NULL },
	{ "News", "china alone", NULL },
	{ "Asset freezes and travel bans", "sanctions packages", NULL },
	{ "The asset freeze", "assets frozen; freezes asset", NULL },
	{ "restriktiven Maßnahmen gegen", "restriktiver Maßnahme", NULL },
	{ "Przedłużenie środków ograniczających", NULL, NULL },
	{ "trader wars", "trade trade", "Travel bans" },
	{ "anti-dumping duties", "antidumping", NULL },
	{ "Sanctions packaged", "a travel ban", NULL },
	{ "EU council", "mesures restrictives", NULL },
	{ "The council", "of the EU", NULL },
};

static void
test_differential(void **state)
{
	struct store		*s = open_new();
	struct store_topic	*tp;
	struct store_topics	*ts;
	struct store_entry	*e, *me;
	struct store_item	 it;
	char			**terms, **fields, **mt, *err = NULL, name[16];
	char			 guid[16];
	int64_t			 f = feed(s, "a"), ids[32];
	size_t			 nr, nd, i, j, n, mn, k;

	nr = sizeof(diff_rules) / sizeof(diff_rules[0]);
	nd = sizeof(diff_docs) / sizeof(diff_docs[0]);
	tp = xcalloc(nr, sizeof(*tp));
	for (i = 0; i < nr; i++) {
		snprintf(name, sizeof(name), "r%zu", i);
		tp[i].name = xstrdup(name);
		tp[i].match = diff_rules[i];
	}
	if ((ts = store_topics_new(s, tp, nr, &err)) == NULL)
		fail_msg("topics_new: %s", err);
	for (i = 0; i < nd; i++) {
		memset(&it, 0, sizeof(it));
		snprintf(guid, sizeof(guid), "d%zu", i);
		it.guid = guid;
		it.title = diff_docs[i][0];
		it.summary = diff_docs[i][1];
		it.author = diff_docs[i][2];
		if (store_item_upsert(s, f, &it, NULL, &ids[i], &err) == -1)
			fail_msg("upsert: %s", err);
	}
	if (store_topics_match(s, ts, f, ids, nd, NULL, &err) == -1)
		fail_msg("match: %s", err);
	for (i = 0; i < nr; i++) {
		if (store_topic_test(s, &tp[i], 0, 0, &e, &terms, &fields,
		    &n, &err) == -1)
			fail_msg("test %s: %s", diff_rules[i], err);
		if (store_topic_entries(s, tp[i].name, 0, 0, &me, &mt, &mn,
		    &err) == -1)
			fail_msg("entries: %s", err);
		/* a rule that picks none or all of the documents tells little */
		if (n == 0 || n == nd)
			fail_msg("rule %s: FTS5 picks %zu of %zu documents",
			    diff_rules[i], n, nd);
		/* both newest first */
		for (j = 0, k = 0; j < n || k < mn; ) {
			if (j < n && k < mn && e[j].id == me[k].id) {
				j++;
				k++;
				continue;
			}
			fail_msg("rule %s: FTS5 has %zu articles, the matcher "
			    "%zu (first difference: \"%s\")", diff_rules[i],
			    n, mn, j < n ? e[j].title : me[k].title);
		}
		for (j = 0; j < n; j++) {
			free(terms[j]);
			free(fields[j]);
		}
		for (j = 0; j < mn; j++)
			free(mt[j]);
		free(terms);
		free(fields);
		free(mt);
		store_entries_free(e, n);
		store_entries_free(me, mn);
	}
	for (i = 0; i < nr; i++)
		free((char *)tp[i].name);
	free(tp);
	store_topics_free(ts);
	store_close(s);
}

static int
rm_tree(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		*p;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	return rmdir(dir);
}

static int
setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	if (getenv("TEST_TOPICS_KEEP") == NULL)
		rm_tree(tmpdir);
	return 0;
}

/*
 * One article (English, published at `at`) stored and matched as the
 * daemon does, each a fetch of its own; returns its story.
 */
static int64_t
ingest(struct store *s, struct store_topics *ts, const char *feedname,
    const char *title, const char *summary, int64_t at, const char *g,
    size_t i)
{
	int64_t			 f = feed(s, feedname), id = 0, story = 0;
	struct store_item	 it = { .title = title, .summary = summary,
				    .lang = "en", .published = at,
				    .has_published = 1 };
	char			*err = NULL, guid[16];

	snprintf(guid, sizeof(guid), "%s%zu", g, i);
	it.guid = guid;
	store_set_now(s, at + 60);
	if (store_begin(s, &err) == -1 ||
	    store_item_upsert(s, f, &it, NULL, &id, &err) == -1 ||
	    store_topics_match(s, ts, f, &id, 1, NULL, &err) == -1 ||
	    store_commit(s, &err) == -1)
		fail_msg("article %s: %s", guid, err);
	if (store_item_story(s, id, &story, &err) != 1)
		fail_msg("story of %s: %s", guid, err);
	return story;
}

/*
 * Alerts per story (issue 9): two outlets' articles of one story matching
 * a topic alert once; an article joining the story later does not alert
 * that topic again; another story alerts; per article, every match does.
 * An alert names its story's outlets as the digest does: a feed's title,
 * else its name.
 */
static void
test_story_alerts(void **state)
{
	static const char *const one[] = { "p" };
	struct store_topic	 tp[1] = {
		{ .name = "sanctions", .match = "sanction*",
		    .plugins = one, .nplugins = 1 },
	};
	static const struct {
		const char	*feed, *title, *summary;
	} arts[] = {
	    { "a", "EU adopts 20th sanctions package against Russia",
	      "It lists 117 more vessels of the shadow fleet and bans "
	      "transactions with 22 Russian banks." },
	    { "b", "EU agrees 20th Russia sanctions package",
	      "The package targets 117 more shadow fleet tankers and 22 "
	      "banks." },
	    { "c", "New EU sanctions hit 117 ships of Russia's shadow fleet",
	      "Transactions with 22 banks are banned under the 20th package." },
	    { "a", "Iran: Council sanctions judges over executions",
	      "Restrictive measures now apply to 247 individuals and 44 "
	      "entities responsible for human rights violations in Iran." },
	};
	struct store_story_conf	 sc = { 0, 0, STORE_ALERT_PER_STORY };
	struct store		*s;
	struct store_topics	*ts;
	struct store_alert	*v;
	struct store_fetch	 fx;
	char			*err = NULL, *path;
	int64_t			 story[4], t0 = 1900000000;
	size_t			 i, n, per;
	int			 pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		path = db_path();
		s = open_rw(path);
		free(path);
		sc.alert_per = pass == 0 ? STORE_ALERT_PER_STORY :
		    STORE_ALERT_PER_ARTICLE;
		store_stories_configure(s, &sc);
		if ((ts = store_topics_new(s, tp, 1, &err)) == NULL)
			fail_msg("topics_new: %s", err);
		for (i = 0; i < 4; i++)
			story[i] = ingest(s, ts, arts[i].feed, arts[i].title,
			    arts[i].summary, t0 + 600 * (int64_t)i, "g", i);
		assert_true(story[0] == story[1] && story[1] == story[2]);
		assert_true(story[3] != story[0]);
		/* b has a title, a and c none (yet): as the digest does */
		memset(&fx, 0, sizeof(fx));
		fx.ok = 1;
		fx.status = 200;
		fx.title = "Politico Europe";
		fx.hint = -1;
		if (store_feed_update(s, feed(s, "b"), &fx, &err) == -1)
			fail_msg("feed_update: %s", err);
		v = list(s, -1, NULL, &n);
		/* per story: the first Russia article and the Iran one */
		per = pass == 0 ? 2 : 4;
		assert_int_equal(n, per);
		/* the story's outlets as a digest names them */
		for (i = 0; i < n && v[i].story_id != story[0]; i++)
			;
		assert_true(i < n);
		assert_non_null(v[i].story_feeds);
		assert_string_equal(v[i].story_feeds, "a\nPolitico Europe\nc");
		store_alerts_free(v, n);
		store_topics_free(ts);
		store_close(s);
	}
}

/*
 * An article that joins two stories bridges them: the second becomes the
 * first, its articles, its size and the (story, topic) pairs that alerted
 * (a later article of either does not alert the topic again).
 */
static void
test_story_merge(void **state)
{
	static const char *const one[] = { "p" };
	struct store_topic	 tp[1] = {
		{ .name = "steel", .match = "steel",
		    .plugins = one, .nplugins = 1 },
	};
	static const struct {
		const char	*feed, *title, *summary;
	} arts[] = {
	    /* one outlet's two releases: one story only on a shared id */
	    { "a", "Commission proposes new steel measure",
	      "See IP/26/612 for the press release." },
	    { "a", "Annex to COM(2026) 95 on steel",
	      "Impact assessment and tables." },
	    { "c", "Steel: IP/26/612 and COM(2026) 95",
	      "The release and the proposal." },
	    { "d", "More on steel: COM(2026) 95", "Tariff quotas." },
	};
	struct store_story_conf	 sc = { 0, 0, STORE_ALERT_PER_STORY };
	struct store_stories_filter sf = { 0, NULL, 0, 0 };
	struct store		*s;
	struct store_topics	*ts;
	struct store_alert	*v;
	struct store_story	*sv;
	char			*err = NULL, *path;
	int64_t			 story[4], t0 = 1900000000;
	size_t			 i, n;

	(void)state;
	path = db_path();
	s = open_rw(path);
	free(path);
	store_stories_configure(s, &sc);
	if ((ts = store_topics_new(s, tp, 1, &err)) == NULL)
		fail_msg("topics_new: %s", err);
	for (i = 0; i < 4; i++) {
		story[i] = ingest(s, ts, arts[i].feed, arts[i].title,
		    arts[i].summary, t0 + 600 * (int64_t)i, "m", i);
		if (i == 1)
			assert_true(story[1] != story[0]);
	}
	/* all four in one story now: read again, the first two moved */
	for (i = 0; i < 4; i++) {
		if (store_item_story(s, i + 1, &story[i], &err) != 1)
			fail_msg("story of %zu: %s", i, err);
		assert_true(story[i] == story[0]);
	}
	if (store_stories_list(s, &sf, &sv, &n, &err) == -1)
		fail_msg("stories_list: %s", err);
	assert_int_equal(n, 1);
	assert_int_equal(sv[0].size, 4);
	assert_string_equal(sv[0].title, arts[0].title);
	store_stories_free(sv, n);
	/* the two stories alerted before they met; nothing after */
	v = list(s, -1, NULL, &n);
	assert_int_equal(n, 2);
	store_alerts_free(v, n);
	store_topics_free(ts);
	store_close(s);
}

/*
 * breaking = N/DURATION (issue 9): a (story, topic) pair that alerted
 * sends one more alert, breaking, once N distinct outlets carried the
 * story within DURATION, whether or not their articles matched the topic;
 * once per pair.  The window slides: three outlets 40 minutes apart do
 * not reach 3/1h until a fourth comes within the hour of two of them.
 */
static void
test_breaking(void **state)
{
	static const char *const two[] = { "p", "q" };
	struct store_topic	 tp[2] = {
		{ .name = "sanctions", .match = "sanction*",
		    .plugins = two, .nplugins = 2, .breaking_outlets = 3,
		    .breaking_within = 3600 },
		{ .name = "russia", .match = "russia*",
		    .plugins = two, .nplugins = 1 },
	};
	static const struct {
		const char	*feed, *title, *summary;
		int		 minute;
	} arts[] = {
	    { "a", "EU adopts 20th sanctions package against Russia",
	      "It lists 117 more vessels of the shadow fleet and bans "
	      "transactions with 22 Russian banks.", 0 },
	    /* the same outlet again: one outlet */
	    { "a", "20th sanctions package: the 117 vessels of Russia's "
	      "shadow fleet", "The listing of 117 tankers and 22 banks "
	      "completes the 20th package.", 10 },
	    { "b", "EU agrees 20th Russia sanctions package",
	      "The package targets 117 more shadow fleet tankers and 22 "
	      "banks.", 40 },
	    /* no "sanction" in it: the story's outlets count all the same */
	    { "c", "EU's 20th package hits 117 ships of Russia's shadow fleet",
	      "Transactions with 22 banks are banned under the 20th "
	      "package.", 80 },
	    { "d", "Shadow fleet: 117 more vessels in the EU's 20th package "
	      "against Russia", "It also bans transactions with 22 banks in "
	      "third countries.", 90 },
	    { "e", "Russia: 20th EU package lists 117 shadow fleet ships",
	      "The 22 banks named in the 20th package face a transaction "
	      "ban.", 95 },
	};
	struct store_story_conf	 sc = { 0, 0, STORE_ALERT_PER_STORY };
	struct store		*s;
	struct store_topics	*ts;
	struct store_topics_stats stats;
	struct store_alert	*v;
	char			*err = NULL, *path, guid[8];
	char			 key[STORE_ALERT_KEY_LEN], want[64];
	int64_t			 id, story, first = 0, t0 = 1900000000;
	size_t			 i, k, n, nbreak;

	(void)state;
	path = db_path();
	s = open_rw(path);
	free(path);
	store_stories_configure(s, &sc);
	if ((ts = store_topics_new(s, tp, 2, &err)) == NULL)
		fail_msg("topics_new: %s", err);
	for (i = 0; i < sizeof(arts) / sizeof(arts[0]); i++) {
		int64_t	 f = feed(s, arts[i].feed);
		struct store_item it = { .title = arts[i].title,
		    .summary = arts[i].summary, .lang = "en",
		    .published = t0 + 60 * (int64_t)arts[i].minute,
		    .has_published = 1 };

		snprintf(guid, sizeof(guid), "g%zu", i);
		it.guid = guid;
		store_set_now(s, t0 + 60 * (int64_t)arts[i].minute + 30);
		if (store_begin(s, &err) == -1 ||
		    store_item_upsert(s, f, &it, NULL, &id, &err) == -1 ||
		    store_topics_match(s, ts, f, &id, 1, NULL, &err) == -1 ||
		    store_commit(s, &err) == -1)
			fail_msg("article %zu: %s", i, err);
		assert_int_equal(store_item_story(s, id, &story, &err), 1);
		if (i == 0)
			first = story;
		assert_int_equal(story, first);
		v = list(s, -1, NULL, &n);
		for (k = 0, nbreak = 0; k < n; k++)
			if (v[k].breaking) {
				nbreak++;
				assert_string_equal(v[k].topic, "sanctions");
				snprintf(want, sizeof(want), "%lld-breaking",
				    (long long)v[k].alert_id);
				assert_string_equal(store_alert_key(&v[k], key),
				    want);
				/* on the pair's first match: the first article */
				assert_string_equal(v[k].title, arts[0].title);
				assert_int_equal(v[k].story_id, first);
				assert_int_equal(v[k].story_size,
				    (int64_t)i + 1);
			}
		/*
		 * a b (one outlet, then two) c: 40 minutes apart, never
		 * three within the hour; d at 90: b c d are; e: no more
		 */
		assert_int_equal(nbreak, i < 4 ? 0 : 2);
		/* the first alerts: one per plugin of each topic */
		assert_int_equal(n - nbreak, 3);
		store_alerts_free(v, n);
	}
	store_topics_stats(ts, &stats);
	assert_int_equal(stats.breaking, 1);
	/* a breaking alert is due like any other, for each plugin */
	v = due(s, "q", t0 + 86400, 0, &n);
	for (k = 0, nbreak = 0; k < n; k++)
		nbreak += v[k].breaking;
	assert_int_equal(n, 2);
	assert_int_equal(nbreak, 1);
	store_alerts_free(v, n);
	store_topics_free(ts);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_once),
		cmocka_unit_test(test_due_rows),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_lists_and_counts),
		cmocka_unit_test(test_prune_cascades),
		cmocka_unit_test(test_durable_readonly),
		cmocka_unit_test(test_qcheck),
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_match_semantics),
		cmocka_unit_test(test_topics_refused),
		cmocka_unit_test(test_backtest),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_check_config),
		cmocka_unit_test(test_pack),
		cmocka_unit_test(test_story_alerts),
		cmocka_unit_test(test_story_merge),
		cmocka_unit_test(test_breaking),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
