/*
 * test_webhook.c: the webhook plugin (plugins/webhook.c) against a host
 * made here, whose HTTP requests the test answers one by one: a digest
 * sent in several messages carries on from the first message not sent
 * after a retry, and starts again from the first after a permanent
 * failure (its record of the messages sent is forgotten); the records of
 * digests left half-sent are capped.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common.h"

#define NSTORIES	40

/* The request in flight: the plugin sends one message at a time. */
static struct {
	char		*body;
	herald_http_cb	 cb;
	void		*arg;
	int		 open;
} req;

static struct {
	int		 done;
	int		 outcome;
} result;

static int	 dummy;

static void
fake_log(struct herald_ctx *ctx, enum herald_log_level l, const char *fmt,
    ...)
{
	(void)ctx;
	(void)l;
	(void)fmt;
}

static void
fake_error(struct herald_ctx *ctx, const struct herald_option *o,
    const char *fmt, ...)
{
	va_list	 ap;

	(void)ctx;
	(void)o;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double
fake_now(struct herald_ctx *ctx)
{
	(void)ctx;
	return (double)time(NULL);
}

static struct herald_http *
fake_http(struct herald_ctx *ctx, const struct herald_http_request *rq,
    herald_http_cb cb, void *arg)
{
	(void)ctx;
	assert_false(req.open);
	free(req.body);
	req.body = strndup(rq->body, rq->body_len);
	req.cb = cb;
	req.arg = arg;
	req.open = 1;
	return (struct herald_http *)&dummy;
}

static void
fake_http_cancel(struct herald_http *h)
{
	(void)h;
	req.open = 0;
}

static void
fake_complete(struct herald_completion *c, enum herald_outcome o,
    long retry_after, const char *msg)
{
	(void)c;
	(void)retry_after;
	(void)msg;
	result.done++;
	result.outcome = (int)o;
}

/* Answers the open request with an HTTP status, as the host's loop would. */
static void
answer(long status)
{
	struct herald_http_response	 r;

	assert_true(req.open);
	memset(&r, 0, sizeof(r));
	r.ok = 1;
	r.status = status;
	r.body = "";
	r.retry_after = -1;
	req.open = 0;
	req.cb(req.arg, &r);
}

/* Which message "(k/n)" the open request carries: k, 0 for none. */
static unsigned
part_of(void)
{
	const char	*p = req.body, *q;
	unsigned	 k = 0, n;

	while (p != NULL && (q = strstr(p, "(")) != NULL) {
		if (sscanf(q, "(%u/%u)", &k, &n) == 2)
			return k;
		p = q + 1;
	}
	return 0;
}

static void
test_digest_parts_forgotten(void **state)
{
	static const struct herald_option opts[] = {
		{ "url", "http://127.0.0.1:9/hook", "t.conf", 2 },
		{ "format", "discord", "t.conf", 3 },
	};
	struct herald_host		 h;
	const struct herald_plugin	*p = herald_plugin_entry();
	struct herald_digest		 d;
	struct herald_digest_topic	 t;
	const struct herald_digest_topic *tp[1] = { &t };
	struct herald_digest_story	 st[NSTORIES];
	const struct herald_digest_story *sp[NSTORIES];
	char				*titles[NSTORIES], *keys[40];
	void				*w = NULL;
	size_t				 i;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.abi = HERALD_PLUGIN_ABI;
	h.size = sizeof(h);
	h.version = "test";
	h.log = fake_log;
	h.error = fake_error;
	h.now = fake_now;
	h.http = fake_http;
	h.http_cancel = fake_http_cancel;
	h.complete = fake_complete;
	h.abi_minor = HERALD_PLUGIN_ABI_MINOR;
	assert_int_equal(p->init(NULL, &h, "hook", opts, 2, &w), 0);

	memset(st, 0, sizeof(st));
	for (i = 0; i < NSTORIES; i++) {
		titles[i] = casprintf("Story %02zu: the Council adopts a package "
		    "of measures with a title long enough to fill a message",
		    i);
		st[i].id = (int64_t)i + 1;
		st[i].title = titles[i];
		st[i].link = "https://news.test/a";
		st[i].summary = "EU ambassadors agreed on the package, with "
		    "more words to make it longer than a line.";
		st[i].sources = "Euractiv, Politico (en, fr)";
		sp[i] = &st[i];
	}
	memset(&t, 0, sizeof(t));
	t.name = "russia";
	t.sparkline = "";
	t.trend_text = "";
	t.stories = sp;
	t.nstories = NSTORIES;
	t.total = NSTORIES;
	memset(&d, 0, sizeof(d));
	d.key = "morning/2026-11-27T06:30:00Z/2026-11-28T06:30:00Z";
	d.name = "morning";
	d.subject = "herald morning digest";
	d.period = "a day";
	d.text = d.markdown = d.html = "x";
	d.json = "{}";
	d.topics = tp;
	d.ntopics = 1;
	d.nstories = NSTORIES;
	d.attempt = 1;
	d.plugin = "hook";

	/* message 1 goes, message 2 is refused for good */
	p->on_digest(w, &d, NULL);
	assert_int_equal(part_of(), 1);
	answer(200);
	assert_int_equal(part_of(), 2);
	answer(400);
	assert_int_equal(result.done, 1);
	assert_int_equal(result.outcome, HERALD_FAIL);
	/* offered again: all of it, from the first message */
	d.attempt = 2;
	p->on_digest(w, &d, NULL);
	assert_int_equal(part_of(), 1);
	answer(200);
	assert_int_equal(part_of(), 2);
	/* a retry carries on where it stopped */
	answer(503);
	assert_int_equal(result.outcome, HERALD_RETRY);
	d.attempt = 3;
	p->on_digest(w, &d, NULL);
	assert_int_equal(part_of(), 2);
	while (req.open)
		answer(200);
	assert_int_equal(result.outcome, HERALD_OK);

	/*
	 * Forty digests stopped after their first message (the host gives
	 * such a digest up without telling the plugin): the records are
	 * capped, the oldest forgotten, the newest kept.
	 */
	for (i = 0; i < 40; i++) {
		keys[i] = casprintf("daily/%02zu", i);
		d.key = keys[i];
		d.attempt = 1;
		p->on_digest(w, &d, NULL);
		assert_int_equal(part_of(), 1);
		answer(200);
		assert_int_equal(part_of(), 2);
		answer(503);
		assert_int_equal(result.outcome, HERALD_RETRY);
	}
	d.key = keys[0];
	d.attempt = 2;
	p->on_digest(w, &d, NULL);
	assert_int_equal(part_of(), 1);
	while (req.open)
		answer(200);
	d.key = keys[39];
	p->on_digest(w, &d, NULL);
	assert_int_equal(part_of(), 2);
	while (req.open)
		answer(200);
	for (i = 0; i < 40; i++)
		free(keys[i]);
	p->fini(w);
	for (i = 0; i < NSTORIES; i++)
		free(titles[i]);
	free(req.body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_parts_forgotten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
