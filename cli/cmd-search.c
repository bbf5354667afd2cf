/*
 * cmd-search.c: `herald search QUERY`, full-text search over what herald
 * collected, in FTS5's query language (the one topic rules use), ranked by
 * bm25, with the matching words highlighted in a snippet.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "store.h"
#include "util.h"

#define SEARCH_LIMIT	20

/*
 * The snippet with its marks turned into bold (bold > 0), "[" and "]"
 * (bold == 0), or dropped (bold < 0).
 */
static char *
snippet_render(const char *snippet, int bold)
{
	struct buf	 b;
	char		*clean, *p;

	clean = cli_clean(snippet, 1);
	buf_init(&b, 0);
	for (p = clean; *p != '\0'; p++) {
		if (*p == CLI_MARK_OPEN && bold >= 0)
			buf_puts(&b, bold ? CLI_BOLD_ON : "[");
		else if (*p == CLI_MARK_CLOSE && bold >= 0)
			buf_puts(&b, bold ? CLI_BOLD_OFF : "]");
		else if (*p == CLI_MARK_OPEN || *p == CLI_MARK_CLOSE)
			continue;
		else
			buf_putc(&b, *p);
	}
	free(clean);
	return buf_steal(&b);
}

static void
print_line(const char *prefix, const char *text, size_t width)
{
	char	*line, *t;

	line = xasprintf("%s%s", prefix, text);
	t = cli_fit(line, width);
	printf("%s\n", t);
	free(t);
	free(line);
}

/* "a, b, c +2" of a list with '\n' between, at most `max` shown. */
static char *
lines_join(const char *s, size_t max)
{
	struct buf	 b;
	const char	*p, *q;
	size_t		 n = 0;

	buf_init(&b, 0);
	for (p = s; p != NULL && *p != '\0'; p = *q != '\0' ? q + 1 : q) {
		q = p + strcspn(p, "\n");
		if (q == p)
			continue;
		if (n++ < max) {
			if (n > 1)
				buf_puts(&b, ", ");
			buf_append(&b, p, (size_t)(q - p));
		}
	}
	if (n > max)
		buf_printf(&b, " +%zu", n - max);
	return buf_steal(&b);
}

/* The story line under a result that shares its story with others. */
static void
print_story(const struct store_entry *e, size_t width)
{
	char	*feeds, *langs, *line, *t;

	if (e->story_id == 0 || e->story_size < 2)
		return;
	feeds = lines_join(e->story_feeds, 4);
	langs = lines_join(e->story_langs, 8);
	line = xasprintf("story %lld: %lld articles, %s (%s)",
	    (long long)e->story_id, (long long)e->story_size,
	    *feeds != '\0' ? feeds : "?", *langs != '\0' ? langs : "?");
	t = cli_clean(line, 0);
	print_line("   ", t, width);
	free(t);
	free(line);
	free(langs);
	free(feeds);
}

/* The lines of a '\n'-separated list as a JSON array. */
static json_t *
lines_json(const char *s)
{
	json_t		*a = json_array();
	const char	*p, *q;

	for (p = s; p != NULL && *p != '\0'; p = *q != '\0' ? q + 1 : q) {
		q = p + strcspn(p, "\n");
		if (q > p)
			json_array_append_new(a, json_stringn(p,
			    (size_t)(q - p)));
	}
	return a;
}

static json_t *
story_json(const struct store_entry *e)
{
	json_t	*o;

	if (e->story_id == 0)
		return json_null();
	o = json_object();
	json_object_set_new(o, "id", json_integer(e->story_id));
	json_object_set_new(o, "size", json_integer(e->story_size));
	json_object_set_new(o, "feeds", lines_json(e->story_feeds));
	json_object_set_new(o, "languages", lines_json(e->story_langs));
	return o;
}

static void
print_text(const struct store_entry *v, size_t n)
{
	size_t	 width = cli_term_width(), i;
	int	 bold = isatty(STDOUT_FILENO);
	char	 num[32], date[64], *t, *feeds, *line, *title, *snip, *plain;
	int	 intitle;

	for (i = 0; i < n; i++) {
		if (i > 0)
			putchar('\n');
		snprintf(num, sizeof(num), "%zu. ", i + 1);
		title = cli_clean(v[i].title != NULL && *v[i].title != '\0' ?
		    v[i].title : "(no title)", 0);
		snip = snippet_render(v[i].snippet, bold);
		plain = snippet_render(v[i].snippet, -1);
		/*
		 * The best snippet is the title itself: highlight the title
		 * and show the summary below it instead.
		 */
		intitle = strcmp(plain, title) == 0;
		print_line(num, intitle ? snip : title, width);

		cli_time_local(v[i].has_published ? v[i].published :
		    v[i].first_seen, date, sizeof(date));
		feeds = cli_clean(v[i].feeds != NULL ? v[i].feeds :
		    v[i].feed_name, 0);
		line = xasprintf("%s, %s", *feeds != '\0' ? feeds :
		    "(unknown feed)", date);
		print_line("   ", line, width);
		free(line);
		free(feeds);
		print_story(&v[i], width);

		if (intitle) {
			free(snip);
			snip = cli_clean(v[i].summary, 0);
		}
		if (*snip != '\0')
			print_line("   ", snip, width);
		free(snip);
		free(plain);
		free(title);
		/* A link cut short is no link: printed whole. */
		if (v[i].link != NULL && *v[i].link != '\0') {
			t = cli_clean(v[i].link, 0);
			printf("   %s\n", t);
			free(t);
		}
	}
}

static int
print_json(const char *query, const struct store_entry *v, size_t n)
{
	json_t	*doc, *arr, *o;
	char	*snip;
	size_t	 i;
	int	 rc;

	arr = json_array();
	for (i = 0; i < n; i++) {
		o = cli_json_entry(&v[i]);
		snip = snippet_render(v[i].snippet, 0);
		json_object_set_new(o, "snippet", cli_json_str(snip));
		free(snip);
		json_object_set_new(o, "rank", json_real(v[i].rank));
		json_object_set_new(o, "story", story_json(&v[i]));
		json_array_append_new(arr, o);
	}
	doc = json_object();
	json_object_set_new(doc, "query", cli_json_str(query));
	json_object_set_new(doc, "count", json_integer((json_int_t)n));
	json_object_set_new(doc, "results", arr);
	rc = cli_json_print(doc);
	json_decref(doc);
	return rc;
}

static int
cmd_search(const struct cmd_args *a)
{
	static const char	 hl_open[] = { CLI_MARK_OPEN, '\0' };
	static const char	 hl_close[] = { CLI_MARK_CLOSE, '\0' };
	struct store		*s;
	struct store_search	 q;
	struct store_entry	*v = NULL;
	struct buf		 query;
	const char		*sincearg = cmd_args_get(a, 's');
	const char		*limitarg = cmd_args_get(a, 'n');
	char			*err = NULL;
	size_t			 n = 0, limit = SEARCH_LIMIT;
	int64_t			 since = 0;
	int			 i, ret = EXIT_FAIL;

	if (limitarg != NULL &&
	    cli_parse_limit("search", limitarg, &limit) == -1)
		return EXIT_USAGE;
	if (sincearg != NULL && cli_parse_since("search", sincearg,
	    (int64_t)time(NULL), &since) == -1)
		return EXIT_USAGE;
	buf_init(&query, 0);
	for (i = 0; i < a->argc; i++) {
		if (i > 0)
			buf_putc(&query, ' ');
		buf_puts(&query, a->argv[i]);
	}
	if ((s = cli_store_open("search", a->db, a->config)) == NULL)
		goto done;

	memset(&q, 0, sizeof(q));
	q.query = query.data;
	q.since = since;
	q.limit = limit;
	q.hl_open = hl_open;
	q.hl_close = hl_close;
	if (store_search(s, &q, &v, &n, &err) == -1) {
		fprintf(stderr, "herald search: %s\n", err);
		free(err);
		goto done;
	}
	store_close(s);
	s = NULL;
	if (a->json) {
		if (print_json(query.data, v, n) == -1)
			goto done;
	} else if (n == 0)
		fprintf(stderr, "herald search: no article matches %s\n",
		    query.data);
	else
		print_text(v, n);
	ret = EXIT_OK;
done:
	store_entries_free(v, n);
	store_close(s);
	buf_free(&query);
	return ret;
}

static const struct cmd_option search_options[] = {
	{ .name = "since", .key = 's', .arg = "DURATION",
	    .help = "only articles first seen in the last DURATION, as 7d\n"
	    "(default: every article)" },
	{ .name = "limit", .key = 'n', .arg = "N",
	    .help = "at most N results (default " CMD_STR(SEARCH_LIMIT)
	    "; 0: all)" },
	{ .name = NULL }
};

const struct cmd_entry cmd_search_entry = {
	.name = "search",
	.operands = "QUERY...",
	.lower = 1,
	.upper = -1,
	.flags = CMD_JSON | CMD_DATABASE,
	.options = search_options,
	.summary = "search the articles (FTS5 syntax), best matches first",
	.about =
"Search every article herald keeps, best matches first (bm25; a word in\n"
"the title weighs most), with the matching words highlighted.  Case does\n"
"not matter, nor do accents, Latin or Greek (\"pekin\" finds \"Pékin\",\n"
"\"κινα\" finds \"ΚΙΝΑ\" and \"Κίνα\").  Several arguments are joined with\n"
"spaces.  QUERY is SQLite FTS5 syntax, as topic rules:\n"
"  sanctions russia            both words\n"
"  china OR beijing            either\n"
"  \"asset freeze\"              a phrase\n"
"  sanction*                   a prefix\n"
"  nato NOT summit             one without the other\n"
"  NEAR(gas storage, 5)        near each other\n"
"  title:ukraine               in one column: title summary content author\n"
"A result that shares its story with other articles says so under it:\n"
"the story's id (as herald stories lists it), its articles, outlets and\n"
"languages.",
	.json_help = "JSON, times in RFC 3339 UTC, highlights as [ ]",
	.exit_status = "0 ok (even with no match), 1 failure (a malformed "
	    "query,\nno database...), 2 usage.",
	.exec = cmd_search,
};
