/*
 * cmd-topics.c: `herald topics` (matches per topic: the last 24 hours, 7
 * days, in all) and `herald topics test NAME` (a rule backtested over the
 * stored articles with the daemon's engine, writing nothing), so a rule is
 * tried before it is saved.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "conf.h"
#include "store.h"
#include "util.h"

#define TOPICS_TEST_SINCE	(30 * 86400)
#define TOPICS_TEST_LIMIT	20

struct topics_opts {
	const char	*conffile;
	const char	*db;
	const char	*sincearg;
	const char	*match;
	const char	*exclude;
	size_t		 limit;
	int		 json;
};

/* herald topics */

struct topic_row {
	const char	*name;
	const char	*match;		/* NULL: not in the configuration */
	const char	*exclude;
	struct store_topic_count *count; /* NULL: no match yet */
};

/*
 * Whether query q has an AND, OR or NOT outside its phrases and
 * parentheses.  FTS5's NOT binds tighter than AND and OR, so beside a NOT
 * such a query needs parentheses of its own to mean what it means alone.
 */
static int
query_has_operator(const char *q)
{
	const unsigned char	*p = (const unsigned char *)q, *w;
	int			 depth = 0;
	size_t			 n;

	while (*p != '\0') {
		if (*p == '"') {
			/* a phrase; "" in it is a quote */
			for (p++; *p != '\0'; p++) {
				if (*p != '"')
					continue;
				if (p[1] != '"')
					break;
				p++;
			}
			if (*p != '\0')
				p++;
			continue;
		}
		if (*p == '(' || *p == ')') {
			depth += *p == '(' ? 1 : -1;
			p++;
			continue;
		}
		/* FTS5's bareword: ASCII letters, digits, '_', 0x1a, non-ASCII */
		for (w = p; *p >= 0x80 || *p == '_' || *p == 0x1a ||
		    (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z'); p++)
			;
		n = (size_t)(p - w);
		if (n == 0) {
			p++;
			continue;
		}
		if (depth <= 0 && ((n == 2 && memcmp(w, "OR", 2) == 0) ||
		    (n == 3 && (memcmp(w, "AND", 3) == 0 ||
		    memcmp(w, "NOT", 3) == 0))))
			return 1;
	}
	return 0;
}

/*
 * A topic's rule as one query that herald search reads as the topic does:
 * "MATCH NOT EXCLUDE", each side in parentheses when it needs them.
 */
static char *
topic_rule_query(const char *match, const char *exclude)
{
	int	 pm, pe;

	if (exclude == NULL || *exclude == '\0')
		return xstrdup(match);
	pm = query_has_operator(match);
	pe = query_has_operator(exclude);
	return xasprintf("%s%s%s NOT %s%s%s", pm ? "(" : "", match,
	    pm ? ")" : "", pe ? "(" : "", exclude, pe ? ")" : "");
}

static int
topics_list(const struct topics_opts *o)
{
	static const struct cli_column cols[] = {
		{ "TOPIC", 8, 3, 0, 0, 0 },
		{ "24H", 3, 9, 1, 0, 0 },
		{ "7D", 3, 9, 1, 0, 0 },
		{ "TOTAL", 5, 9, 1, 0, 0 },
		{ "LAST", 8, 5, 0, 1, 0 },
		{ "RULE", 12, 1, 0, 1, 0 },
	};
	struct config			*c;
	struct store			*s;
	struct store_topic_count	*tc = NULL;
	struct topic_row		*rows;
	struct cli_table		*t;
	json_t				*arr, *doc, *obj;
	size_t				 ntc = 0, nrows = 0, i, j;
	int64_t				 now = (int64_t)time(NULL);
	char				*err = NULL, last[64], day[32];
	char				 week[32], total[32], *rule;
	const char			*row[6];
	int				 failed, ret = EXIT_FAIL;

	c = cli_config_read("topics", o->conffile, 0, &failed);
	if (failed)
		return EXIT_FAIL;
	if ((s = cli_store_open("topics", o->db, o->conffile)) == NULL) {
		config_free(c);
		return EXIT_FAIL;
	}
	if (store_topic_counts(s, now, &tc, &ntc, &err) == -1) {
		fprintf(stderr, "herald topics: %s\n", err);
		free(err);
		store_close(s);
		config_free(c);
		return EXIT_FAIL;
	}
	store_close(s);

	/* The configured topics in file order, then those only stored. */
	rows = xcalloc((c != NULL ? c->ntopics : 0) + ntc + 1, sizeof(*rows));
	for (i = 0; c != NULL && i < c->ntopics; i++) {
		rows[nrows].name = c->topics[i].name;
		rows[nrows].match = c->topics[i].match;
		rows[nrows].exclude = c->topics[i].exclude;
		for (j = 0; j < ntc; j++)
			if (strcmp(tc[j].topic, c->topics[i].name) == 0)
				rows[nrows].count = &tc[j];
		nrows++;
	}
	for (j = 0; j < ntc; j++) {
		for (i = 0; i < nrows; i++)
			if (rows[i].count == &tc[j])
				break;
		if (i < nrows)
			continue;
		rows[nrows].name = tc[j].topic;
		rows[nrows].count = &tc[j];
		nrows++;
	}

	if (o->json) {
		arr = json_array();
		for (i = 0; i < nrows; i++) {
			struct store_topic_count *k = rows[i].count;

			obj = json_object();
			json_object_set_new(obj, "name",
			    cli_json_str(rows[i].name));
			json_object_set_new(obj, "configured",
			    json_boolean(rows[i].match != NULL));
			json_object_set_new(obj, "match",
			    cli_json_str(rows[i].match));
			json_object_set_new(obj, "exclude",
			    cli_json_str(rows[i].exclude));
			json_object_set_new(obj, "day",
			    json_integer(k ? k->day : 0));
			json_object_set_new(obj, "week",
			    json_integer(k ? k->week : 0));
			json_object_set_new(obj, "total",
			    json_integer(k ? k->total : 0));
			json_object_set_new(obj, "last",
			    cli_json_time(k ? k->last : 0));
			json_array_append_new(arr, obj);
		}
		doc = json_object();
		json_object_set_new(doc, "topics", arr);
		ret = cli_json_print(doc) == 0 ? EXIT_OK : EXIT_FAIL;
		json_decref(doc);
		goto done;
	}
	if (nrows == 0) {
		fprintf(stderr, "herald topics: no topic is configured and "
		    "none has matched yet: add a [topic] section (see "
		    "herald.conf(5))\n");
		ret = EXIT_OK;
		goto done;
	}
	t = cli_table_new(cols, 6);
	for (i = 0; i < nrows; i++) {
		struct store_topic_count *k = rows[i].count;

		snprintf(day, sizeof(day), "%lld", (long long)(k ? k->day : 0));
		snprintf(week, sizeof(week), "%lld",
		    (long long)(k ? k->week : 0));
		snprintf(total, sizeof(total), "%lld",
		    (long long)(k ? k->total : 0));
		if (k != NULL && k->last != 0)
			cli_time_relative(k->last, now, last, sizeof(last));
		else
			snprintf(last, sizeof(last), "never");
		rule = rows[i].match == NULL ? xstrdup("(not configured)") :
		    topic_rule_query(rows[i].match, rows[i].exclude);
		row[0] = rows[i].name;
		row[1] = day;
		row[2] = week;
		row[3] = total;
		row[4] = last;
		row[5] = rule;
		cli_table_add(t, row);
		free(rule);
	}
	cli_table_print(t, stdout, cli_term_width());
	cli_table_free(t);
	ret = EXIT_OK;
done:
	free(rows);
	store_topic_counts_free(tc, ntc);
	config_free(c);
	return ret;
}

/* herald topics test NAME */

/* The terms of one match, '\n' between, as "a, b, c". */
static char *
terms_joined(const char *terms)
{
	struct buf	 b;
	const char	*p;

	buf_init(&b, 0);
	for (p = terms; p != NULL && *p != '\0'; p++) {
		if (*p == '\n')
			buf_puts(&b, ", ");
		else
			buf_putc(&b, *p);
	}
	if (b.len == 0) {
		buf_free(&b);
		return xstrdup("");
	}
	return buf_steal(&b);
}

static json_t *
terms_json(const char *terms)
{
	json_t		*arr = json_array();
	const char	*p = terms, *e;

	while (p != NULL && *p != '\0') {
		e = p + strcspn(p, "\n");
		json_array_append_new(arr, json_stringn(p, (size_t)(e - p)));
		p = *e != '\0' ? e + 1 : e;
	}
	return arr;
}

static void
print_line(const char *prefix, const char *text, size_t width)
{
	char	*line, *t, *clean;

	clean = cli_clean(text, 0);
	line = xasprintf("%s%s", prefix, clean);
	t = cli_fit(line, width);
	printf("%s\n", t);
	free(t);
	free(line);
	free(clean);
}

/* A link on its own line, whole (never cut to the width), made safe. */
static void
print_link(const char *prefix, const char *link)
{
	char	*clean = cli_clean(link, 0);

	printf("%s%s\n", prefix, clean);
	free(clean);
}

static int
topics_test(const struct topics_opts *o, const char *name)
{
	struct config		*c;
	struct store		*s;
	struct store_feed	*feeds = NULL;
	struct store_entry	*v = NULL;
	struct store_topic	 tp;
	const struct config_topic *ct = NULL;
	int64_t			*ids = NULL, since, now = (int64_t)time(NULL);
	char			**terms = NULL, **fields = NULL, *err = NULL;
	char			 num[32], date[64], *line, *tj;
	size_t			 nfeeds = 0, n = 0, i, j, shown, width;
	int			 failed, ret = EXIT_FAIL;
	json_t			*doc, *arr, *obj;

	since = now - TOPICS_TEST_SINCE;
	if (o->sincearg != NULL && cli_parse_since("topics test", o->sincearg,
	    now, &since) == -1)
		return EXIT_USAGE;
	c = cli_config_read("topics test", o->conffile, 0,
	    &failed);
	if (failed)
		return EXIT_FAIL;
	if (c != NULL)
		ct = config_topic_find(c, name);
	if (ct == NULL && o->match == NULL) {
		fprintf(stderr, "herald topics test: no topic \"%s\" in the "
		    "configuration; give its rule with --match QUERY\n", name);
		config_free(c);
		return EXIT_FAIL;
	}
	memset(&tp, 0, sizeof(tp));
	tp.name = name;
	tp.match = o->match != NULL ? o->match : ct->match;
	tp.exclude = o->exclude != NULL ? o->exclude :
	    o->match == NULL && ct != NULL ? ct->exclude : NULL;
	if (tp.exclude != NULL && *tp.exclude == '\0')
		tp.exclude = NULL;
	if ((s = cli_store_open("topics test", o->db, o->conffile)) == NULL)
		goto done;
	/* [topic] feeds = ...: the configured names to stored ids */
	if (ct != NULL && ct->nfeeds > 0) {
		if (store_feeds_list(s, &feeds, &nfeeds, &err) == -1) {
			fprintf(stderr, "herald topics test: %s\n", err);
			goto done;
		}
		ids = xcalloc(ct->nfeeds + 1, sizeof(*ids));
		for (i = 0; i < ct->nfeeds; i++)
			for (j = 0; j < nfeeds; j++)
				if (strcmp(feeds[j].name, ct->feeds[i]) == 0)
					ids[tp.nfeeds++] = feeds[j].id;
		if (tp.nfeeds == 0)
			ids[tp.nfeeds++] = -1;	/* none stored: no match */
		tp.feeds = ids;
	}
	if (store_topic_test(s, &tp, since, 0, &v, &terms, &fields, &n,
	    &err) == -1) {
		fprintf(stderr, "herald topics test: %s\n", err);
		goto done;
	}
	shown = o->limit == 0 || o->limit > n ? n : o->limit;

	if (o->json) {
		arr = json_array();
		for (i = 0; i < shown; i++) {
			obj = cli_json_entry(&v[i]);
			json_object_set_new(obj, "terms", terms_json(terms[i]));
			json_object_set_new(obj, "field",
			    cli_json_str(fields[i]));
			json_object_set_new(obj, "snippet",
			    cli_json_str(v[i].snippet));
			json_array_append_new(arr, obj);
		}
		doc = json_object();
		json_object_set_new(doc, "topic", cli_json_str(name));
		json_object_set_new(doc, "match", cli_json_str(tp.match));
		json_object_set_new(doc, "exclude", cli_json_str(tp.exclude));
		json_object_set_new(doc, "since", cli_json_time(since));
		json_object_set_new(doc, "count", json_integer((json_int_t)n));
		json_object_set_new(doc, "results", arr);
		ret = cli_json_print(doc) == 0 ? EXIT_OK : EXIT_FAIL;
		json_decref(doc);
		goto done;
	}
	width = cli_term_width();
	cli_time_local(since, date, sizeof(date));
	printf("%s: %zu article%s since %s", name, n, n == 1 ? "" : "s",
	    date);
	if (shown < n)
		printf(" (the newest %zu shown)", shown);
	putchar('\n');
	for (i = 0; i < shown; i++) {
		putchar('\n');
		snprintf(num, sizeof(num), "%zu. ", i + 1);
		print_line(num, v[i].title != NULL && *v[i].title != '\0' ?
		    v[i].title : "(no title)", width);
		cli_time_local(v[i].has_published ? v[i].published :
		    v[i].first_seen, date, sizeof(date));
		tj = terms_joined(terms[i]);
		line = xasprintf("%s, %s; %s: %s", v[i].feeds != NULL ?
		    v[i].feeds : v[i].feed_name != NULL ? v[i].feed_name :
		    "(unknown feed)", date, fields[i] != NULL ? fields[i] :
		    "?", tj);
		print_line("   ", line, width);
		free(line);
		free(tj);
		if (v[i].snippet != NULL && *v[i].snippet != '\0')
			print_line("   ", v[i].snippet, width);
		if (v[i].link != NULL && *v[i].link != '\0')
			print_link("   ", v[i].link);
	}
	ret = EXIT_OK;
done:
	free(err);
	for (i = 0; i < n; i++) {
		free(terms[i]);
		free(fields[i]);
	}
	free(terms);
	free(fields);
	store_entries_free(v, n);
	store_feeds_free(feeds, nfeeds);
	free(ids);
	store_close(s);
	config_free(c);
	return ret;
}

/* The options both forms take, and those of the test. */
static void
topics_opts_read(const struct cmd_args *a, struct topics_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->db = a->db;
	o->conffile = a->config;
	o->json = a->json;
	o->sincearg = cmd_args_get(a, 's');
	o->match = cmd_args_get(a, 'm');
	o->exclude = cmd_args_get(a, 'x');
	o->limit = TOPICS_TEST_LIMIT;
}

static int
cmd_topics(const struct cmd_args *a)
{
	struct topics_opts	 o;

	topics_opts_read(a, &o);
	return topics_list(&o);
}

static int
cmd_topics_test(const struct cmd_args *a)
{
	struct topics_opts	 o;
	const char		*limitarg = cmd_args_get(a, 'n');

	topics_opts_read(a, &o);
	if (limitarg != NULL &&
	    cli_parse_limit("topics test", limitarg, &o.limit) == -1)
		return EXIT_USAGE;
	if (o.exclude != NULL && o.match == NULL) {
		fprintf(stderr, "herald topics test: --exclude needs --match "
		    "(the rule tried is --match NOT --exclude)\n");
		return CMD_USAGE;
	}
	return topics_test(&o, a->argv[0]);
}

const struct cmd_entry cmd_topics_entry = {
	.name = "topics",
	.flags = CMD_JSON | CMD_DATABASE | CMD_CONFIG,
	.summary = "matches per topic: in the last day, week and in all",
	.about =
"Every topic of the configuration (and any other that matched before)\n"
"with its matches in the last 24 hours, 7 days and in all, when it last\n"
"matched, and its rule as a query for 'herald search': MATCH, or\n"
"(MATCH) NOT (EXCLUDE).  'herald topics test --help' tries a rule.",
	.json_help = "JSON, times in RFC 3339 UTC",
	.exit_status = "0 ok, 1 failure (no database...), 2 usage.",
	.exec = cmd_topics,
};

static const struct cmd_option topics_test_options[] = {
	{ .name = "since", .key = 's', .arg = "DURATION",
	    .help = "articles first seen in the last DURATION (default 30d)" },
	{ .name = "limit", .key = 'n', .arg = "N",
	    .help = "show at most N (default " CMD_STR(TOPICS_TEST_LIMIT)
	    "; 0: all); the count is all" },
	{ .name = "match", .key = 'm', .arg = "QUERY",
	    .help = "try this rule instead of the configured one (NAME\n"
	    "need not exist)",
	    .synopsis = "[--match QUERY [--exclude QUERY]]" },
	{ .name = "exclude", .key = 'x', .arg = "QUERY",
	    .help = "with --match: its veto", .synopsis = "" },
	{ .name = NULL }
};

const struct cmd_entry cmd_topics_test_entry = {
	.name = "topics test",
	.operands = "NAME",
	.lower = 1,
	.upper = 1,
	.flags = CMD_JSON | CMD_DATABASE | CMD_CONFIG,
	.options = topics_test_options,
	.summary = "run a topic's rule over the stored articles",
	.about =
"Runs topic NAME's rule over the articles herald keeps, with the\n"
"daemon's engine and nothing written (no match, no alert): which\n"
"articles it would have matched, on which words, newest first.",
	.json_help = "JSON, times in RFC 3339 UTC",
	.exit_status = "0 ok, 1 failure (no such topic, a malformed rule, no\n"
	    "database...), 2 usage.",
	.exec = cmd_topics_test,
};
