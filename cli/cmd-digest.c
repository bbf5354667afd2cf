/*
 * cmd-digest.c: `herald digest`, the articles first seen in the last day
 * (or --since), grouped by the feed that carried them first, newest first.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "store.h"
#include "util.h"

#define DIGEST_SINCE	"24h"

/* The date an article is listed and sorted by, as store_digest() does. */
static int64_t
entry_date(const struct store_entry *e)
{
	return e->has_published ? e->published : e->first_seen;
}

static int
cmp_newest(const void *a, const void *b)
{
	const struct store_entry	*x = a, *y = b;

	if (entry_date(x) != entry_date(y))
		return entry_date(x) < entry_date(y) ? 1 : -1;
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

static int
cmp_grouped(const void *a, const void *b)
{
	const struct store_entry	*x = a, *y = b;
	int				 c;

	c = strcmp(x->feed_name ? x->feed_name : "",
	    y->feed_name ? y->feed_name : "");
	return c != 0 ? c : cmp_newest(a, b);
}

/*
 * --limit keeps the newest articles of all feeds, not the first feeds by
 * name (which is how store_digest() would cut a grouped list).
 */
static void
keep_newest(struct store_entry *v, size_t *n, size_t limit)
{
	struct store_entry	*tail;

	if (limit == 0 || *n <= limit)
		return;
	qsort(v, *n, sizeof(*v), cmp_newest);
	tail = xcalloc(*n - limit, sizeof(*tail));
	memcpy(tail, v + limit, (*n - limit) * sizeof(*tail));
	store_entries_free(tail, *n - limit);
	*n = limit;
	qsort(v, *n, sizeof(*v), cmp_grouped);
}

static void
print_text(const struct store_entry *v, size_t n, int64_t since)
{
	size_t		 width = cli_term_width(), i, j, count, nfeeds = 0;
	const char	*name, *prev = NULL;
	char		 date[64], *t, *line;

	for (i = 0; i < n; i++) {
		name = v[i].feed_name ? v[i].feed_name : "(unknown feed)";
		if (prev == NULL || strcmp(prev, name) != 0)
			nfeeds++;
		prev = name;
	}
	cli_time_local(since, date, sizeof(date));
	line = xasprintf("%zu new article%s in %zu feed%s since %s", n,
	    n == 1 ? "" : "s", nfeeds, nfeeds == 1 ? "" : "s", date);
	t = cli_fit(line, width);
	printf("%s\n", t);
	free(t);
	free(line);
	prev = NULL;
	for (i = 0; i < n; i++) {
		name = v[i].feed_name ? v[i].feed_name : "(unknown feed)";
		if (prev == NULL || strcmp(prev, name) != 0) {
			for (j = i, count = 0; j < n; j++, count++)
				if (strcmp(v[j].feed_name ? v[j].feed_name :
				    "(unknown feed)", name) != 0)
					break;
			t = cli_clean(name, 0);
			line = xasprintf("== %s (%zu)", t, count);
			free(t);
			t = cli_fit(line, width);
			printf("\n%s\n", t);
			free(t);
			free(line);
		}
		prev = name;

		t = cli_clean(v[i].title != NULL && *v[i].title != '\0' ?
		    v[i].title : "(no title)", 0);
		line = xasprintf("* %s", t);
		free(t);
		t = cli_fit(line, width);
		printf("%s\n", t);
		free(t);
		free(line);

		cli_time_local(entry_date(&v[i]), date, sizeof(date));
		if (v[i].feeds != NULL && strchr(v[i].feeds, ',') != NULL) {
			t = cli_clean(v[i].feeds, 0);
			line = xasprintf("  %s, in %s", date, t);
			free(t);
		} else
			line = xasprintf("  %s", date);
		t = cli_fit(line, width);
		printf("%s\n", t);
		free(t);
		free(line);

		t = cli_clean(v[i].summary, 0);
		if (*t != '\0') {
			line = xasprintf("  %s", t);
			free(t);
			t = cli_fit(line, width);
			printf("%s\n", t);
			free(line);
		}
		free(t);
		/* A link cut short is no link: printed whole. */
		if (v[i].link != NULL && *v[i].link != '\0') {
			t = cli_clean(v[i].link, 0);
			printf("  %s\n", t);
			free(t);
		}
	}
}

static int
print_json(const struct store_entry *v, size_t n, int64_t since)
{
	json_t		*doc, *feeds, *group = NULL, *items = NULL;
	const char	*prev = NULL, *name;
	size_t		 i;
	int		 rc;

	feeds = json_array();
	for (i = 0; i < n; i++) {
		name = v[i].feed_name ? v[i].feed_name : "";
		if (prev == NULL || strcmp(prev, name) != 0) {
			group = json_object();
			items = json_array();
			json_object_set_new(group, "feed",
			    cli_json_str(v[i].feed_name));
			json_object_set_new(group, "items", items);
			json_array_append_new(feeds, group);
		}
		prev = name;
		json_array_append_new(items, cli_json_entry(&v[i]));
	}
	doc = json_object();
	json_object_set_new(doc, "since", cli_json_time(since));
	json_object_set_new(doc, "count", json_integer((json_int_t)n));
	json_object_set_new(doc, "feeds", feeds);
	rc = cli_json_print(doc);
	json_decref(doc);
	return rc;
}

static int
cmd_digest(const struct cmd_args *a)
{
	struct store		*s;
	struct store_entry	*v = NULL;
	const char		*sincearg = DIGEST_SINCE, *limitarg;
	char			*err = NULL, *tl, *tok, *save;
	const char		**topics = NULL;
	size_t			 n = 0, limit = 0, ntopics = 0, i;
	int64_t			 now = (int64_t)time(NULL), since;
	int			 ret = EXIT_FAIL;

	if (cmd_args_get(a, 's') != NULL)
		sincearg = cmd_args_get(a, 's');
	if ((limitarg = cmd_args_get(a, 'n')) != NULL &&
	    cli_parse_limit("digest", limitarg, &limit) == -1)
		return EXIT_USAGE;
	/* --topic a --topic b, or --topic a,b */
	for (i = 0; i < a->nopts; i++) {
		if (a->opts[i].key != 't')
			continue;
		for (tl = a->opts[i].value; (tok = strtok_r(tl, ", ", &save)) !=
		    NULL; tl = NULL) {
			topics = xrealloc(topics, (ntopics + 1) *
			    sizeof(*topics));
			topics[ntopics++] = tok;
		}
	}
	if (cli_parse_since("digest", sincearg, now, &since) == -1) {
		free(topics);
		return EXIT_USAGE;
	}
	if ((s = cli_store_open("digest", a->db, a->config)) == NULL) {
		free(topics);
		return EXIT_FAIL;
	}
	if (ntopics > 0) {
		ret = cli_topic_digest(s, topics, ntopics, since, limit,
		    a->json);
		free(topics);
		store_close(s);
		return ret;
	}
	if (store_digest(s, since, 0, &v, &n, &err) == -1) {
		fprintf(stderr, "herald digest: %s\n", err);
		free(err);
		goto done;
	}
	store_close(s);
	s = NULL;
	keep_newest(v, &n, limit);
	if (a->json) {
		if (print_json(v, n, since) == -1)
			goto done;
	} else
		print_text(v, n, since);
	ret = EXIT_OK;
done:
	store_entries_free(v, n);
	store_close(s);
	return ret;
}

static const struct cmd_option digest_options[] = {
	{ .name = "since", .key = 's', .arg = "DURATION", .help = "how far "
	    "back (default " DIGEST_SINCE "): 90m, 36h, 7d, 2w, 1d12h" },
	{ .name = "limit", .key = 'n', .arg = "N",
	    .help = "the N newest articles only (default 0: all)" },
	{ .name = "topic", .key = 't', .arg = "NAME",
	    .help = "the matches of topic NAME instead, with the words that\n"
	    "matched, grouped by topic (repeat it, or NAME,NAME)",
	    .synopsis = "[--topic NAME[,NAME]...]" },
	{ .name = NULL }
};

const struct cmd_entry cmd_digest_entry = {
	.name = "digest",
	.flags = CMD_JSON | CMD_DATABASE,
	.options = digest_options,
	.summary = "show the articles first seen in the last day, by feed or "
	    "topic",
	.about =
"Show the articles herald saw for the first time recently, grouped by\n"
"feed, newest first: title, date, a one-line summary and the link.",
	.exit_status = "0 ok (even with nothing new), 1 failure, 2 usage.",
	.exec = cmd_digest,
};
