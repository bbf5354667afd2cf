/*
 * cmd-stories.c: `herald stories`, the stories herald made of the articles
 * it stored (issue 9): newest activity first, each with its outlets,
 * languages, topics and articles; --explain says why each article joined.
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
#include "termtext.h"
#include "util.h"

#define STORIES_DEFAULT_SINCE	"7d"
#define STORIES_DEFAULT_LIMIT	50

/* "a, b, c" of a list of strings, at most `max` then "+N". */
static char *
join_list(char **v, size_t n, size_t max)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 0);
	for (i = 0; i < n && i < max; i++)
		buf_printf(&b, "%s%s", i > 0 ? ", " : "", v[i]);
	if (n > max)
		buf_printf(&b, " +%zu", n - max);
	if (b.len == 0)
		buf_puts(&b, "-");
	return buf_steal(&b);
}

static json_t *
strv_json(char **v, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, cli_json_str(v[i]));
	return a;
}

static json_t *
story_json(const struct store_story *s, int explain)
{
	json_t	*o = json_object(), *items = json_array(), *it;
	size_t	 i;

	json_object_set_new(o, "id", json_integer(s->id));
	json_object_set_new(o, "title", cli_json_str(s->title));
	json_object_set_new(o, "first_seen", cli_json_time(s->first_seen));
	json_object_set_new(o, "last_seen", cli_json_time(s->last_seen));
	json_object_set_new(o, "languages", strv_json(s->languages,
	    s->nlanguages));
	json_object_set_new(o, "feeds", strv_json(s->feeds, s->nfeeds));
	json_object_set_new(o, "topics", strv_json(s->topics, s->ntopics));
	for (i = 0; i < s->nitems; i++) {
		const struct store_story_item *x = &s->items[i];

		it = json_object();
		json_object_set_new(it, "id", json_integer(x->id));
		json_object_set_new(it, "title", cli_json_str(x->title));
		json_object_set_new(it, "link", cli_json_str(x->link));
		json_object_set_new(it, "feed", cli_json_str(x->feed));
		json_object_set_new(it, "lang", cli_json_str(x->lang));
		json_object_set_new(it, "published", x->has_published ?
		    cli_json_time(x->published) : json_null());
		json_object_set_new(it, "first_seen",
		    cli_json_time(x->first_seen));
		if (explain)
			json_object_set_new(it, "why", cli_json_str(x->why));
		json_array_append_new(items, it);
	}
	json_object_set_new(o, "items", items);
	return o;
}

/* The feed column: its widest name, up to a quarter of the terminal. */
#define STORIES_FEED_MIN	14
#define STORIES_TEXT_MIN	20	/* columns a title or a why keeps */

/* Columns left of `width` after `used`, at least STORIES_TEXT_MIN. */
static size_t
room(size_t width, size_t used)
{
	return width > used + STORIES_TEXT_MIN ? width - used :
	    STORIES_TEXT_MIN;
}

/* prefix, then s in lines of the terminal's width, the others indented. */
static void
print_wrapped(const char *prefix, const char *indent, const char *s,
    size_t width)
{
	char	*w = termtext_wrap(s, room(width, strlen(indent)), 0, indent);

	printf("%s%s\n", prefix, w);
	free(w);
}

static void
story_print(const struct store_story *s, int explain, int64_t now,
    size_t width)
{
	char	*feeds, *langs, *topics, *title, *t, *f, *line, when[32];
	char	 head[64];
	size_t	 i, fw = 0, w, cap, lw;

	feeds = join_list(s->feeds, s->nfeeds, 4);
	langs = join_list(s->languages, s->nlanguages, 8);
	topics = join_list(s->topics, s->ntopics, 6);
	title = cli_clean(s->title != NULL ? s->title : "(untitled)", 0);
	cli_time_relative(s->last_seen, now, when, sizeof(when));
	/* fitted to the terminal (review5: COLUMNS=60 was not) */
	snprintf(head, sizeof(head), "story %lld: ", (long long)s->id);
	t = cli_fit(title, room(width, strlen(head)));
	printf("%s%s\n", head, t);
	free(t);
	line = xasprintf("%lld article%s, %s (%s); topics: %s; last %s",
	    (long long)s->size, s->size == 1 ? "" : "s", feeds, langs, topics,
	    when);
	print_wrapped("  ", "  ", line, width);
	free(line);
	cap = width / 4 > STORIES_FEED_MIN ? width / 4 : STORIES_FEED_MIN;
	for (i = 0; i < s->nitems; i++) {
		f = cli_clean(s->items[i].feed != NULL ? s->items[i].feed :
		    "?", 0);
		if ((w = cli_width(f)) > fw)
			fw = w;
		free(f);
	}
	fw = fw > cap ? cap : fw < STORIES_FEED_MIN ? STORIES_FEED_MIN : fw;
	for (i = 0; i < s->nitems; i++) {
		const struct store_story_item *x = &s->items[i];

		t = cli_clean(x->feed != NULL ? x->feed : "?", 0);
		f = cli_fit(t, fw);
		free(t);
		t = cli_clean(x->title != NULL ? x->title : "(untitled)", 0);
		lw = x->lang != NULL ? cli_width(x->lang) : 1;
		line = cli_fit(t, room(width, 4 + (lw > 3 ? lw : 3) + 1 +
		    fw + 1));
		printf("    %-3s %s%*s %s\n", x->lang != NULL ? x->lang : "?",
		    f, (int)(fw - cli_width(f)), "", line);
		free(line);
		free(f);
		free(t);
		if (explain) {
			t = cli_clean(x->why != NULL ? x->why :
			    "began the story", 0);
			print_wrapped("        why: ", "             ", t, width);
			free(t);
		}
	}
	free(feeds);
	free(langs);
	free(topics);
	free(title);
}

static int
cmd_stories(const struct cmd_args *a)
{
	struct store			*s = NULL;
	struct config			*conf = NULL;
	struct store_story		*v = NULL;
	struct store_stories_filter	 f;
	const char			*since = cmd_args_get(a, 's');
	const char			*limitarg = cmd_args_get(a, 'l');
	const char			*minarg = cmd_args_get(a, 'm');
	char				*err = NULL, size[64] = "";
	const char			**topics = NULL;
	size_t				 n = 0, i, limit = STORIES_DEFAULT_LIMIT;
	size_t				 width;
	int				 explain = cmd_args_has(a, 'e') > 0;
	int				 ret = EXIT_FAIL, failed;
	int64_t				 now = (int64_t)time(NULL);
	json_t				*doc, *arr;

	memset(&f, 0, sizeof(f));
	if (since == NULL)
		since = STORIES_DEFAULT_SINCE;
	if ((limitarg != NULL &&
	    cli_parse_limit("stories", limitarg, &limit) == -1) ||
	    (minarg != NULL &&
	    cli_parse_count("stories", "--min-size", minarg, &f.min_size) ==
	    -1) ||
	    cli_parse_since("stories", since, now, &f.since) == -1)
		return EXIT_USAGE;
	f.limit = limit;
	/* --topic a,b: each a topic configured or stored, as digest's */
	topics = cli_topics_arg(a, 't', &f.ntopics);
	f.topics = topics;
	if (f.ntopics > 0) {
		conf = cli_config_read("stories", a->config, 0, &failed);
		if (failed)
			goto done;
	}
	if ((s = cli_store_open("stories", a->db, a->config)) == NULL ||
	    cli_topics_check("stories", topics, f.ntopics, conf, s) == -1)
		goto done;
	if (store_stories_list(s, &f, &v, &n, &err) == -1) {
		fprintf(stderr, "herald stories: %s\n", err);
		free(err);
		goto done;
	}
	store_close(s);
	s = NULL;
	if (a->json) {
		doc = json_object();
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, story_json(&v[i], explain));
		json_object_set_new(doc, "stories", arr);
		ret = cli_json_print(doc) == 0 ? EXIT_OK : EXIT_FAIL;
		json_decref(doc);
	} else {
		width = cli_term_width();
		/* say which filters left nothing, not only the period */
		if (n == 0 && f.min_size > 1)
			snprintf(size, sizeof(size), " of %zu articles or more",
			    f.min_size);
		if (n == 0)
			fprintf(stderr, "herald stories: no stories since %s%s%s"
			    "\n", since, size, f.ntopics > 0 ?
			    " with an article of the topics asked for" : "");
		for (i = 0; i < n; i++) {
			if (i > 0)
				printf("\n");
			story_print(&v[i], explain, now, width);
		}
		ret = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	}
done:
	store_stories_free(v, n);
	store_close(s);
	config_free(conf);
	free(topics);
	return ret;
}

static const struct cmd_option stories_options[] = {
	{ .name = "since", .key = 's', .arg = "D",
	    .help = "stories active in the last D (default "
	    STORIES_DEFAULT_SINCE ";\n--since 3650d --limit 0 lists "
	    "everything)" },
	{ .name = "topic", .key = 't', .arg = "NAME",
	    .help = "only stories with an article matching this topic\n"
	    "(repeat it, or NAME,NAME: any of them)",
	    .synopsis = "[--topic NAME[,NAME]...]" },
	{ .name = "min-size", .key = 'm', .arg = "N",
	    .help = "only stories of at least N articles" },
	{ .name = "limit", .key = 'l', .arg = "N",
	    .help = "at most N stories (default "
	    CMD_STR(STORIES_DEFAULT_LIMIT) "; 0: all)" },
	{ .name = "explain", .key = 'e',
	    .help = "why each article joined its story" },
	{ .name = NULL }
};

const struct cmd_entry cmd_stories_entry = {
	.name = "stories",
	.flags = CMD_JSON | CMD_DATABASE | CMD_CONFIG,
	.options = stories_options,
	.summary = "show stories: one event told by several outlets and "
	    "languages",
	.about =
"Show the stories herald made of what it stored: the articles of several\n"
"outlets and languages that tell one story, newest activity first.  Every\n"
"article belongs to exactly one story; a story of one counts.",
	.exit_status = "0 ok, 1 failure (no such topic, no database...), 2 "
	    "usage.",
	.exec = cmd_stories,
};
