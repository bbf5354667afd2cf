/*
 * test_config.c: the configuration module.  Each good file under
 * data/config gives the struct it should; each bad-*.conf gives exactly the
 * lines of its .err file; durations and sizes parse as documented.  Runs in
 * $TESTDATA/config so that messages name files as a user would.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "util.h"

static char	 tmpdir[] = "/tmp/test_config.XXXXXX";

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static char *
slurp(const char *path)
{
	struct buf	 b;
	char		 chunk[4096];
	size_t		 n;
	FILE		*f;

	if ((f = fopen(path, "r")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_steal(&b);
}

static void
spew(const char *path, const char *text)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static struct config *
load_ok(const char *path)
{
	struct config	*conf = NULL;
	char		*err = NULL;

	if (config_load(path, &conf, &err) == -1)
		fail_msg("%s: unexpected errors:\n%s", path, err);
	assert_null(err);
	assert_non_null(conf);
	return conf;
}

/* Loads a file that must fail and returns its errors (caller frees). */
static char *
load_bad(const char *path)
{
	struct config	*conf = (struct config *)1;
	char		*err = NULL;

	assert_int_equal(config_load(path, &conf, &err), -1);
	assert_null(conf);
	assert_non_null(err);
	return err;
}

static const struct config_plugin *
plugin(const struct config *conf, const char *name)
{
	size_t	 i;

	for (i = 0; i < conf->nplugins; i++)
		if (strcmp(conf->plugins[i].name, name) == 0)
			return &conf->plugins[i];
	fail_msg("no plugin %s", name);
	return NULL;
}

static const char *
option(const struct config_plugin *pl, const char *key)
{
	size_t	 i;

	for (i = 0; i < pl->noptions; i++)
		if (strcmp(pl->options[i].key, key) == 0)
			return pl->options[i].value;
	return NULL;
}

static char *
cwd_join(const char *rel)
{
	char	 cwd[PATH_MAX];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	return xasprintf("%s/%s", cwd, rel);
}

/* ------------------------------------------------------------------ */
/* Bad files: the exact error text                                     */
/* ------------------------------------------------------------------ */

static const char *const badfiles[] = {
	"bad-syntax",		/* lines inih would refuse, control bytes */
	"bad-sections",		/* headers, names, duplicates */
	"bad-herald",		/* every [herald] key's checks */
	"bad-feed",		/* url, interval floor, enabled, missing url */
	"bad-topic",		/* match missing, unknown feeds, multi-line */
	"bad-plugin",		/* topics, rate-limit, batch, max-age */
	"bad-include-loop",
	"bad-include-missing",
	"bad-include-depth",
	"bad-include-errors",	/* errors name the included file */
	"bad-opml-entity",	/* an internal entity: refused */
	"bad-opml-xxe",		/* an external entity: refused */
	"bad-opml-param",	/* a parameter entity: refused */
	"bad-opml-broken",	/* not well-formed */
	"bad-opml-rss",		/* well-formed, not OPML */
	"bad-opml-badurl",	/* xmlUrl checked like url */
	"bad-opml-missing",
	"bad-digest",		/* at, days, timezone, names, max-stories */
};
#define NBADFILES	(sizeof(badfiles) / sizeof(badfiles[0]))

static void
test_bad_file(void **state)
{
	const char	*name = *state;
	char		*conf, *errf, *want, *got;

	conf = xasprintf("%s.conf", name);
	errf = xasprintf("%s.err", name);
	want = slurp(errf);
	got = load_bad(conf);
	if (strcmp(got, want) != 0) {
		print_error("--- want\n%s--- got\n%s", want, got);
		fail_msg("%s: errors differ", conf);
	}
	free(got);
	free(want);
	free(errf);
	free(conf);
}

/* ------------------------------------------------------------------ */
/* Good files                                                          */
/* ------------------------------------------------------------------ */

static void
test_defaults(void **state)
{
	struct config	*conf;

	(void)state;
	conf = load_ok("good-defaults.conf");
	assert_string_equal(conf->database, "/var/lib/herald/herald.db");
	assert_int_equal(conf->interval, 15 * 60);
	assert_int_equal(conf->timeout_connect, 15);
	assert_int_equal(conf->timeout_total, 60);
	assert_int_equal(conf->max_size, 16 * 1024 * 1024);
	assert_string_equal(conf->user_agent,
	    "herald/" PACKAGE_VERSION " (+" PACKAGE_URL ")");
	assert_int_equal(conf->max_parallel, 32);
	assert_int_equal(conf->per_host, 2);
	assert_int_equal(conf->retention, 90 * 86400);
	assert_int_equal(conf->max_items, 500);
#ifdef PLUGINDIR
	assert_string_equal(conf->plugin_dir, PLUGINDIR);
#else
	assert_string_equal(conf->plugin_dir, "/usr/lib/herald/plugins");
#endif
	assert_int_equal(conf->nfeeds, 0);
	assert_int_equal(conf->ntopics, 0);
	assert_int_equal(conf->nplugins, 0);
	assert_int_equal(conf->nfiles, 1);
	assert_string_equal(conf->files[0], "good-defaults.conf");
	config_free(conf);
}

static void
test_full(void **state)
{
	struct config			*conf;
	const struct config_feed	*f;
	const struct config_topic	*t;
	const struct config_plugin	*pl;
	char				*s;

	(void)state;
	conf = load_ok("good-full.conf");

	s = cwd_join("state/herald.db");
	assert_string_equal(conf->database, s);
	free(s);
	assert_int_equal(conf->interval, 30 * 60);
	assert_int_equal(conf->timeout_connect, 10);
	assert_int_equal(conf->timeout_total, 120);
	assert_int_equal(conf->max_size, 8 * 1024 * 1024);
	/* Quotes keep '#' and ';' from starting a comment, then go. */
	assert_string_equal(conf->user_agent,
	    "herald-test/1.0 (+https://example.org/#about ; contact)");
	assert_int_equal(conf->max_parallel, 64);
	assert_int_equal(conf->per_host, 4);
	assert_int_equal(conf->retention, 14 * 86400);
	assert_int_equal(conf->max_items, 250);
	assert_string_equal(conf->plugin_dir, "/opt/herald/plugins");

	assert_int_equal(conf->nfeeds, 4);
	f = config_feed_find(conf, "euractiv");
	assert_non_null(f);
	assert_ptr_equal(f, &conf->feeds[0]);
	assert_string_equal(f->url, "https://www.euractiv.com/feed/");
	assert_string_equal(f->title, "Euractiv");
	assert_int_equal(f->interval, 3600);
	assert_int_equal(f->enabled, 0);
	assert_string_equal(f->file, "good-full.conf");
	assert_int_equal(f->line, 17);
	f = config_feed_find(conf, "politico.eu");
	assert_non_null(f);
	assert_string_equal(f->url, "https://www.politico.eu/feed/#top");
	assert_string_equal(f->title, "Politico Europe #1");
	assert_int_equal(f->interval, 30 * 60);	/* from [herald] */
	assert_int_equal(f->enabled, 1);
	f = config_feed_find(conf, "local_file");
	assert_non_null(f);
	assert_string_equal(f->url, "file:///var/lib/herald/sample.xml");
	assert_null(f->title);
	assert_int_equal(f->enabled, 1);
	/* inih cuts section names at 49 bytes; the reader does not. */
	f = config_feed_find(conf,
	    "a-feed-name-longer-than-inih-keeps-in-its-section-buffer-xyz");
	assert_non_null(f);
	assert_string_equal(f->url, "http://127.0.0.1:8080/feed.xml");
	assert_null(config_feed_find(conf, "nosuch"));

	assert_int_equal(conf->ntopics, 2);
	t = config_topic_find(conf, "china");
	assert_non_null(t);
	/* A line over inih's 200 bytes arrives whole. */
	assert_true(strlen(t->match) > 200);
	assert_string_equal(t->match, "China OR Chinese OR Beijing OR "
	    "\"Xi Jinping\" OR Xinjiang OR Uyghur* OR Chine OR P\xc3\xa9kin "
	    "OR Cina OR Chiny OR \xce\x9a\xce\xaf\xce\xbd\xce\xb1 OR "
	    "\xd0\x9a\xd0\xb8\xd1\x82\xd0\xb0\xd0\xb9 OR Peking OR Pechino "
	    "OR Pekin OR K\xc3\xadna OR \xc4\x8c\xc3\xadna OR Kiina OR Hiina "
	    "OR \xc4\xb6\xc4\xab""na OR Kinija");
	assert_string_equal(t->exclude, "\"fine china\" OR porcelain");
	assert_int_equal(t->match_line, 35);
	assert_int_equal(t->exclude_line, 36);
	assert_int_equal(t->nfeeds, 2);
	assert_string_equal(t->feeds[0], "euractiv");
	assert_string_equal(t->feeds[1], "politico.eu");
	assert_int_equal(t->line, 34);
	assert_int_equal(t->breaking_outlets, 0);	/* no rule */
	t = config_topic_find(conf, "sanctions");
	assert_non_null(t);
	/* Continuation lines joined with one space; quoted '#' and ';'. */
	assert_string_equal(t->match, "sanctions OR \"asset freeze\" OR "
	    "embargo OR \"C# ; not a comment\"");
	assert_int_equal(t->match_line, 40);
	assert_string_equal(t->exclude, "\"tax # rate\"");
	assert_int_equal(t->exclude_line, 43);
	assert_int_equal(t->breaking_outlets, 5);
	assert_int_equal(t->breaking_within, 6 * 3600);
	assert_int_equal(t->nfeeds, 0);

	assert_int_equal(conf->nplugins, 4);
	pl = plugin(conf, "webhook");
	assert_string_equal(pl->path, "/opt/herald/plugins/webhook.so");
	assert_int_equal(pl->all_topics, 0);
	assert_int_equal(pl->ntopics, 2);
	assert_string_equal(pl->topics[0], "china");
	assert_string_equal(pl->topics[1], "sanctions");
	assert_int_equal(pl->rate_count, 10);
	assert_int_equal(pl->rate_period, 3600);
	assert_int_equal(pl->batch, 300);
	assert_int_equal(pl->max_age, 12 * 3600);
	/* The plugin's own keys, in order; a repeated one keeps its place. */
	assert_int_equal(pl->noptions, 3);
	assert_string_equal(pl->options[0].key, "url");
	assert_string_equal(pl->options[0].value,
	    "https://ntfy.example/eu-china");
	assert_int_equal(pl->options[0].line, 51);
	assert_string_equal(pl->options[1].key, "format");
	assert_string_equal(pl->options[1].value, "slack");
	assert_int_equal(pl->options[1].line, 55);
	/* inih cuts a continued key at 49 bytes; the reader does not. */
	assert_string_equal(pl->options[2].key, "a-plugin-key-of-more-than-"
	    "fifty-bytes-which-inih-would-cut-short");
	assert_string_equal(pl->options[2].value, "one two");
	assert_string_equal(pl->options[2].file, "good-full.conf");

	pl = plugin(conf, "jsonl");
	assert_string_equal(pl->path, "/opt/herald/plugins/jsonl.so");
	assert_int_equal(pl->all_topics, 1);
	assert_int_equal(pl->ntopics, 0);
	assert_int_equal(pl->rate_period, 0);
	assert_int_equal(pl->batch, 0);
	assert_int_equal(pl->max_age, 86400);
	assert_string_equal(option(pl, "file"), "/var/log/herald alerts.jsonl");
	pl = plugin(conf, "exec");
	s = cwd_join("../plugins/exec.so");
	assert_string_equal(pl->path, s);
	free(s);
	assert_string_equal(option(pl, "command"),
	    "/usr/bin/notify-send \"herald: $HERALD_TOPIC\"");
	pl = plugin(conf, "mail");
	assert_string_equal(pl->path, "/opt/herald/plugins/mail.so");
	assert_int_equal(pl->ntopics, 1);
	assert_int_equal(pl->noptions, 0);
	config_free(conf);
}

static void
test_digest(void **state)
{
	struct config			*conf;
	const struct config_digest	*dg;

	(void)state;
	conf = load_ok("good-digest.conf");
	assert_int_equal(conf->ndigests, 2);
	assert_null(config_digest_find(conf, "evening"));
	dg = config_digest_find(conf, "morning");
	assert_non_null(dg);
	assert_int_equal(dg->ntopics, 2);
	assert_string_equal(dg->topics[0], "sanctions");
	assert_int_equal(dg->nfeeds, 1);
	assert_string_equal(dg->feeds[0], "politico");
	assert_int_equal(dg->nplugins, 2);
	assert_string_equal(dg->plugins[1], "hook");
	assert_int_equal(dg->nat, 2);
	assert_int_equal(dg->at[0], 7 * 60 + 30);
	assert_int_equal(dg->at[1], 13 * 60);
	assert_int_equal(dg->days, 0x3e);
	assert_string_equal(dg->timezone, "Europe/Brussels");
	assert_non_null(dg->tz);
	assert_int_equal(dg->max_stories, 5);
	assert_int_equal(dg->line, 22);
	assert_int_equal(conf->plugins[0].alerts, 0);
	assert_int_equal(conf->plugins[0].all_topics, 0);
	assert_int_equal(conf->plugins[1].alerts, 1);
	dg = config_digest_find(conf, "all");
	assert_int_equal(dg->ntopics, 0);
	assert_int_equal(dg->nplugins, 0);
	assert_int_equal(dg->days, 0x7f);
	assert_null(dg->timezone);
	assert_non_null(dg->tz);	/* the system's */
	assert_int_equal(dg->max_stories, 10);
	config_free(conf);
}

static void
test_crlf_bom(void **state)
{
	struct config	*conf;

	(void)state;
	conf = load_ok("good-crlf.conf");
	assert_int_equal(conf->interval, 20 * 60);
	assert_int_equal(conf->nfeeds, 1);
	assert_string_equal(conf->feeds[0].name, "crlf");
	assert_string_equal(conf->feeds[0].url, "https://example.org/feed");
	assert_string_equal(conf->feeds[0].title, "CR LF");
	assert_int_equal(conf->feeds[0].line, 4);
	config_free(conf);
}

static void
test_include(void **state)
{
	struct config	*conf;

	(void)state;
	conf = load_ok("good-include.conf");
	/* In place: the include overrides what came before, not after. */
	assert_int_equal(conf->interval, 10 * 60);
	assert_int_equal(conf->max_items, 100);
	assert_int_equal(conf->nfeeds, 3);
	assert_string_equal(conf->feeds[0].name, "first");
	assert_string_equal(conf->feeds[0].file, "conf.d/10-first.conf");
	assert_int_equal(conf->feeds[0].line, 5);
	assert_int_equal(conf->feeds[0].interval, 10 * 60);
	assert_string_equal(conf->feeds[1].name, "second");
	assert_string_equal(conf->feeds[2].name, "extra");
	assert_string_equal(conf->feeds[2].file, "extra.inc");
	assert_int_equal(conf->ntopics, 1);
	assert_int_equal(conf->topics[0].nfeeds, 3);
	/* a file of keys alone is read in the include's section */
	assert_int_equal(conf->retention, 40 * 86400);
	assert_int_equal(conf->nfiles, 5);
	assert_string_equal(conf->files[0], "good-include.conf");
	assert_string_equal(conf->files[1], "conf.d/10-first.conf");
	assert_string_equal(conf->files[2], "conf.d/20-second.conf");
	assert_string_equal(conf->files[3], "extra.inc");
	assert_string_equal(conf->files[4], "keys.inc");
	config_free(conf);
}

static void
test_opml(void **state)
{
	static const struct {
		const char	*name;
		const char	*url;
		const char	*title;
		const char	*file;
		int		 line;
	} want[] = {
		{ "euractiv", "https://example.org/euractiv-own", NULL,
		    "good-opml.conf", 1 },
		{ "suddeutsche-zeitung-politik",
		    "https://rss.sueddeutsche.de/rss/Politik",
		    "S\xc3\xbc""ddeutsche Zeitung \xe2\x80\x93 Politik",
		    "opml/feeds.opml", 6 },
		/* "euractiv" is taken by the config's own feed */
		{ "euractiv-2", "https://www.euractiv.com/feed/", "Euractiv",
		    "opml/feeds.opml", 7 },
		{ "euractiv-3", "https://www.euractiv.com/sections/energy/feed/",
		    "Euractiv", "opml/feeds.opml", 8 },
		{ "romania-libera-stiri", "https://romanialibera.ro/feed",
		    "Rom\xc3\xa2nia Liber\xc4\x83 & \xc8\x98tiri",
		    "opml/feeds.opml", 10 },
		{ "www-consilium-europa-eu-en-rss-pressreleases-ash",
		    "https://www.consilium.europa.eu/en/rss/pressreleases.ashx",
		    NULL, "opml/feeds.opml", 13 },
		/* a title with no Latin letters: the name comes from the URL */
		{ "example-gr-rss", "https://example.gr/rss",
		    "\xce\x9a\xce\xaf\xce\xbd\xce\xb1", "opml/feeds.opml", 14 },
		/* the same URL again (line 15) is skipped */
	};
	struct config	*conf;
	size_t		 i;

	(void)state;
	conf = load_ok("good-opml.conf");
	assert_int_equal(conf->nfeeds, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < conf->nfeeds; i++) {
		assert_string_equal(conf->feeds[i].name, want[i].name);
		assert_string_equal(conf->feeds[i].url, want[i].url);
		if (want[i].title == NULL)
			assert_null(conf->feeds[i].title);
		else
			assert_string_equal(conf->feeds[i].title,
			    want[i].title);
		assert_string_equal(conf->feeds[i].file, want[i].file);
		assert_int_equal(conf->feeds[i].line, want[i].line);
		assert_int_equal(conf->feeds[i].enabled, 1);
		assert_int_equal(conf->feeds[i].interval, 15 * 60);
	}
	assert_int_equal(conf->topics[0].nfeeds, 5);
	assert_int_equal(conf->nfiles, 2);
	assert_string_equal(conf->files[1], "opml/feeds.opml");
	config_free(conf);
}

/* A DOCTYPE naming an external DTD that declares an entity: not loaded. */
static void
test_opml_dtd(void **state)
{
	struct config	*conf;

	(void)state;
	conf = load_ok("good-opml-dtd.conf");
	assert_int_equal(conf->nfeeds, 1);
	assert_string_equal(conf->feeds[0].name, "plain");
	assert_string_equal(conf->feeds[0].url, "https://example.org/plain");
	config_free(conf);
}

/* ------------------------------------------------------------------ */
/* Files made at run time                                              */
/* ------------------------------------------------------------------ */

static void
test_missing_file(void **state)
{
	char	*err;

	(void)state;
	err = load_bad("nosuch.conf");
	assert_string_equal(err, "nosuch.conf: No such file or directory\n");
	free(err);
	err = load_bad("conf.d");
	assert_string_equal(err, "conf.d: Is a directory\n");
	free(err);
}

static void
test_many_errors(void **state)
{
	struct buf	 b;
	char		*path, *err, *last;
	size_t		 lines = 0;
	int		 i;

	(void)state;
	path = xasprintf("%s/many.conf", tmpdir);
	buf_init(&b, 0);
	buf_puts(&b, "[herald]\n");
	for (i = 0; i < 150; i++)
		buf_puts(&b, "no equals sign\n");
	spew(path, b.data);
	buf_free(&b);
	err = load_bad(path);
	for (last = err; *last != '\0'; last++)
		lines += *last == '\n';
	assert_int_equal(lines, 101);
	last = strrchr(err, '\n');
	*last = '\0';
	last = strrchr(err, '\n') + 1;
	b.data = xasprintf("%s: 50 more errors not shown", path);
	assert_string_equal(last, b.data);
	free(b.data);
	b.data = xasprintf("%s:101: expected \"key = value\"\n", path);
	assert_non_null(strstr(err, b.data));
	free(b.data);
	free(err);
	free(path);
}

static void
test_long_value(void **state)
{
	struct config	*conf;
	struct buf	 b, v;
	char		*path;
	int		 i;

	(void)state;
	buf_init(&b, 0);
	buf_init(&v, 0);
	for (i = 0; i < 1000; i++)
		buf_printf(&v, "%sterm%d", i ? " OR " : "", i);
	buf_printf(&b, "[topic \"long\"]\nmatch = %s\n  OR %s\n", v.data,
	    v.data);
	buf_puts(&b, "exclude = x\n");
	path = xasprintf("%s/long.conf", tmpdir);
	spew(path, b.data);
	conf = load_ok(path);
	buf_reset(&b);
	buf_printf(&b, "%s OR %s", v.data, v.data);
	assert_string_equal(conf->topics[0].match, b.data);
	assert_string_equal(conf->topics[0].exclude, "x");
	assert_int_equal(conf->topics[0].exclude_line, 4);
	config_free(conf);
	buf_free(&b);
	buf_free(&v);
	free(path);
}

static void
test_too_large(void **state)
{
	char	*path, *err, *want;
	FILE	*f;
	int	 i;

	(void)state;
	path = xasprintf("%s/large.conf", tmpdir);
	assert_non_null(f = fopen(path, "w"));
	for (i = 0; i < 40000; i++)
		fputs("# a comment line to fill more than a MiB .......\n", f);
	fclose(f);
	err = load_bad(path);
	want = xasprintf("%s: file too large\n", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	free(path);
}

/*
 * An include or an opml that names a FIFO (or a device, a socket) would
 * block heraldd -n, and a reload, for good: refused with file:line.  The
 * alarm ends a load that blocks, failing the test.
 */
static void
test_not_regular(void **state)
{
	static const struct {
		const char	*name;
		const char	*text;
		const char	*want;		/* after "DIR/" */
	} t[] = {
		{ "fifo-include.conf", "[herald]\ninclude = fifo\n",
		    "fifo-include.conf:2: include: " },
		{ "fifo-opml.conf", "[herald]\n\n[feeds]\nopml = fifo\n",
		    "fifo-opml.conf:4: opml: " },
	};
	char	*fifo, *path, *err, *want;
	size_t	 i;

	(void)state;
	fifo = xasprintf("%s/fifo", tmpdir);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		path = xasprintf("%s/%s", tmpdir, t[i].name);
		spew(path, t[i].text);
		alarm(10);
		err = load_bad(path);
		alarm(0);
		want = xasprintf("%s/%s", tmpdir, t[i].want);
		if (strstr(err, want) == NULL ||
		    strstr(err, "not a regular file") == NULL)
			fail_msg("%s: got \"%s\", want \"%s...not a regular "
			    "file\"", t[i].name, err, want);
		free(want);
		free(err);
		free(path);
	}
	/* the file named on the command line, too */
	alarm(10);
	err = load_bad(fifo);
	alarm(0);
	assert_non_null(strstr(err, "not a regular file"));
	free(err);
	unlink(fifo);
	free(fifo);
}

/* ------------------------------------------------------------------ */
/* Durations and sizes                                                 */
/* ------------------------------------------------------------------ */

struct numcase {
	const char	*in;
	long long	 want;		/* -1: an error */
	const char	*err;		/* NULL: not checked */
};

static const struct numcase durations[] = {
	{ "0", 0, NULL },
	{ "90", 90, NULL },
	{ "30s", 30, NULL },
	{ "15m", 900, NULL },
	{ "2h", 7200, NULL },
	{ "7d", 604800, NULL },
	{ "1w", 604800, NULL },
	{ "30d", 2592000, NULL },
	{ "1h30m", 5400, NULL },
	{ "1d12h30m15s", 131415, NULL },
	{ "0015m", 900, NULL },
	{ "", -1, "empty duration" },
	{ "m", -1, "\"m\": expected a number" },
	{ "-5m", -1, "\"-5m\": expected a number" },
	{ " 5m", -1, "\" 5m\": expected a number" },
	{ "5m ", -1, "\"5m \": expected a number" },
	{ "15x", -1, "\"15x\": unknown unit \"x\" (use s, m, h, d or w)" },
	{ "15M", -1, "\"15M\": unknown unit \"M\" (use s, m, h, d or w)" },
	{ "1.5h", -1, "\"1.5h\": unknown unit \".5h\" (use s, m, h, d or w)" },
	{ "15min", -1, "\"15min\": unknown unit \"min\" (use s, m, h, d or w)" },
	{ "15mins", -1, "\"15mins\": unknown unit \"mins\" (use s, m, h, d or w)" },
	{ "2hours", -1, "\"2hours\": unknown unit \"hours\" (use s, m, h, d or w)" },
	{ "1h30min", -1, "\"1h30min\": unknown unit \"min\" (use s, m, h, d or w)" },
	{ "3days", -1, "\"3days\": unknown unit \"days\" (use s, m, h, d or w)" },
	{ "15xm", -1, "\"15xm\": unknown unit \"xm\" (use s, m, h, d or w)" },
	{ "1h30", -1, "\"1h30\": number without a unit" },
	{ "99999999999999999999", -1,
	    "\"99999999999999999999\": number too large" },
	{ "9223372036854775807s", 9223372036854775807LL, NULL },
	{ "15250284452471w", 9223372036854460800LL, NULL },
	{ "15250284452472w", -1, "\"15250284452472w\": too long" },
	{ "9223372036854775807s1s", -1, "\"9223372036854775807s1s\": too long" },
};
#define NDURATIONS	(sizeof(durations) / sizeof(durations[0]))

static const struct numcase sizes[] = {
	{ "0", 0, NULL },
	{ "512", 512, NULL },
	{ "512K", 524288, NULL },
	{ "512k", 524288, NULL },
	{ "16M", 16777216, NULL },
	{ "16MB", 16777216, NULL },
	{ "16MiB", 16777216, NULL },
	{ "16mb", 16777216, NULL },
	{ "1G", 1073741824, NULL },
	{ "2T", 2199023255552LL, NULL },
	{ "100B", 100, NULL },
	{ "", -1, "empty size" },
	{ "M", -1, "\"M\": expected a number" },
	{ "-1", -1, "\"-1\": expected a number" },
	{ "16Q", -1, "\"16Q\": unknown unit \"Q\" (use K, M, G or T)" },
	{ "16Mi", -1, "\"16Mi\": unknown unit \"Mi\" (use K, M, G or T)" },
	{ "16 M", -1, "\"16 M\": unknown unit \" M\" (use K, M, G or T)" },
	{ "1.5M", -1, "\"1.5M\": unknown unit \".5M\" (use K, M, G or T)" },
	{ "16iB", -1, "\"16iB\": unknown unit \"iB\" (use K, M, G or T)" },
	{ "99999999999999999999", -1,
	    "\"99999999999999999999\": number too large" },
	{ "17179869184G", -1, "\"17179869184G\": too large" },
};
#define NSIZES		(sizeof(sizes) / sizeof(sizes[0]))

static void
test_duration(void **state)
{
	const struct numcase	*c = *state;
	long long		 got = -12345;
	char			*err = (char *)1;
	int			 rc;

	rc = config_parse_duration(c->in, &got, &err);
	if (c->want >= 0) {
		if (rc != 0)
			fail_msg("\"%s\": %s", c->in, err);
		assert_null(err);
		assert_int_equal(got, c->want);
		return;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(got, -12345);
	assert_non_null(err);
	if (c->err != NULL)
		assert_string_equal(err, c->err);
	free(err);
}

static void
test_size(void **state)
{
	const struct numcase	*c = *state;
	size_t			 got = 12345;
	char			*err = (char *)1;
	int			 rc;

	rc = config_parse_size(c->in, &got, &err);
	if (c->want >= 0) {
		if (rc != 0)
			fail_msg("\"%s\": %s", c->in, err);
		assert_null(err);
		assert_int_equal(got, (size_t)c->want);
		return;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(got, 12345);
	assert_non_null(err);
	if (c->err != NULL)
		assert_string_equal(err, c->err);
	free(err);
}

/* ------------------------------------------------------------------ */

#define NTESTS	(NBADFILES + NDURATIONS + NSIZES + 12)

static struct CMUnitTest tests[NTESTS];
static char names[NTESTS][96];

static void
add_test(size_t *i, const char *kind, const char *in, CMUnitTestFunction fn,
    const void *state)
{
	char	*name = names[*i];
	size_t	 j;

	if (*i >= NTESTS) {
		fprintf(stderr, "test_config: NTESTS too small\n");
		exit(1);
	}
	snprintf(name, sizeof(names[0]), "%s: \"%s\"", kind, in);
	/* keep TAP lines printable and free of directives */
	for (j = 0; name[j] != '\0'; j++)
		if ((unsigned char)name[j] < 0x20 || name[j] == '#' ||
		    (unsigned char)name[j] >= 0x7f)
			name[j] = '?';
	tests[*i].name = name;
	tests[*i].test_func = fn;
	tests[*i].initial_state = (void *)(uintptr_t)state;
	(*i)++;
}

static int
cleanup(void **state)
{
	static const char *const made[] = { "many.conf", "long.conf",
	    "large.conf", "fifo-include.conf", "fifo-opml.conf", "fifo" };
	char	*path;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		path = xasprintf("%s/%s", tmpdir, made[i]);
		unlink(path);
		free(path);
	}
	rmdir(tmpdir);
	return 0;
}

int
main(void)
{
	const char	*data;
	char		*dir;
	size_t		 i, n = 0;

	if ((data = getenv("TESTDATA")) == NULL)
		data = "data";
	dir = xasprintf("%s/config", data);
	if (chdir(dir) == -1) {
		fprintf(stderr, "test_config: %s: %s (set TESTDATA)\n", dir,
		    strerror(errno));
		return 1;
	}
	free(dir);
	if (mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "test_config: mkdtemp: %s\n", strerror(errno));
		return 1;
	}

	for (i = 0; i < NBADFILES; i++)
		add_test(&n, "errors", badfiles[i], test_bad_file, badfiles[i]);
	add_test(&n, "good", "good-defaults.conf", test_defaults, NULL);
	add_test(&n, "good", "good-full.conf", test_full, NULL);
	add_test(&n, "good", "good-crlf.conf", test_crlf_bom, NULL);
	add_test(&n, "good", "good-digest.conf", test_digest, NULL);
	add_test(&n, "good", "good-include.conf", test_include, NULL);
	add_test(&n, "good", "good-opml.conf", test_opml, NULL);
	add_test(&n, "good", "good-opml-dtd.conf", test_opml_dtd, NULL);
	add_test(&n, "file", "missing or a directory", test_missing_file,
	    NULL);
	add_test(&n, "file", "150 errors, 100 shown", test_many_errors, NULL);
	add_test(&n, "file", "a value of 2 x 12 KB", test_long_value, NULL);
	add_test(&n, "file", "over 1 MiB", test_too_large, NULL);
	add_test(&n, "file", "an include or opml naming a FIFO",
	    test_not_regular, NULL);
	for (i = 0; i < NDURATIONS; i++)
		add_test(&n, "duration", durations[i].in, test_duration,
		    &durations[i]);
	for (i = 0; i < NSIZES; i++)
		add_test(&n, "size", sizes[i].in, test_size, &sizes[i]);
	if (n != NTESTS) {
		fprintf(stderr, "test_config: %zu tests, NTESTS %zu\n", n,
		    (size_t)NTESTS);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, cleanup);
}
