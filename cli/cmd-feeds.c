/*
 * cmd-feeds.c: `herald feeds`, the health of every feed: when it last
 * worked, what went wrong since, when heraldd tries next, and how many
 * articles it carries.
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

/* What the status column and the JSON "state" say. */
static const char *
feed_state(const struct store_feed *f)
{
	if (!f->enabled)
		return "off";
	if (f->disabled_reason != NULL)
		return "disabled";
	if (f->last_fetch == 0)
		return "new";
	if (store_feed_failing(f))
		return "failing";
	return "ok";
}

static char *
feed_status_text(const struct store_feed *f)
{
	if (!f->enabled)
		return xstrdup("off (config)");
	if (f->disabled_reason != NULL)
		return xasprintf("disabled: %s", f->disabled_reason);
	if (f->last_fetch == 0)
		return xstrdup("not fetched yet");
	/* heraldd's errors name the HTTP status where there is one */
	if (f->last_error != NULL)
		return xstrdup(f->last_error);
	if (f->failures > 0)
		return xasprintf("failed (%d)", f->last_status);
	if (f->last_status == 304)
		return xstrdup("304 not modified");
	if (f->last_status > 0)
		return xasprintf("%d", f->last_status);
	return xstrdup("ok");
}

static void
print_table(struct store_feed *v, size_t n, int errors_only, int64_t now)
{
	static const struct cli_column cols[] = {
		/*
		 * URLs give way first, then names and statuses; the short
		 * columns never do.  On a narrow terminal URLs go.
		 */
		{ "NAME", 10, 1, 0, 0, 0 },
		{ "URL", 18, 0, 0, 1, 1 },
		{ "LAST OK", 99, 0, 0, 0, 0 },
		{ "STATUS", 12, 1, 0, 0, 0 },
		{ "FAIL", 99, 0, 1, 0, 0 },
		{ "NEXT", 99, 0, 0, 0, 0 },
		{ "ITEMS", 99, 0, 1, 0, 0 },
	};
	struct cli_table	*t;
	const char		*row[7];
	char			 last[32], next[32], fails[24], items[24];
	char			*status;
	size_t			 i;

	t = cli_table_new(cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < n; i++) {
		if (errors_only && !store_feed_failing(&v[i]))
			continue;
		if (v[i].last_success == 0)
			snprintf(last, sizeof(last), "never");
		else
			cli_time_relative(v[i].last_success, now, last,
			    sizeof(last));
		if (v[i].disabled_reason != NULL || !v[i].enabled ||
		    v[i].next_fetch == 0)
			snprintf(next, sizeof(next), "-");
		else if (v[i].next_fetch <= now)
			snprintf(next, sizeof(next), "due");
		else
			cli_time_relative(v[i].next_fetch, now, next,
			    sizeof(next));
		snprintf(fails, sizeof(fails), "%d", v[i].failures);
		snprintf(items, sizeof(items), "%lld",
		    (long long)v[i].item_count);
		status = feed_status_text(&v[i]);
		row[0] = v[i].name;
		/* most URLs start with https://: room better spent after */
		row[1] = v[i].url != NULL && strncmp(v[i].url, "https://",
		    8) == 0 && v[i].url[8] != '\0' ? v[i].url + 8 : v[i].url;
		row[2] = last;
		row[3] = status;
		row[4] = fails;
		row[5] = next;
		row[6] = items;
		cli_table_add(t, row);
		free(status);
	}
	cli_table_print(t, stdout, cli_term_width());
	cli_table_free(t);
}

static json_t *
feed_json(const struct store_feed *f)
{
	json_t	*o = json_object();

	json_object_set_new(o, "name", cli_json_str(f->name));
	json_object_set_new(o, "url", cli_json_str(f->url));
	json_object_set_new(o, "configured_url", cli_json_str(f->config_url));
	/* what readers see: the configured title, else the feed's own */
	json_object_set_new(o, "title", cli_json_str(f->config_title != NULL &&
	    *f->config_title != '\0' ? f->config_title : f->title));
	json_object_set_new(o, "feed_title", cli_json_str(f->title));
	json_object_set_new(o, "site_link", cli_json_str(f->site_link));
	json_object_set_new(o, "state", json_string(feed_state(f)));
	json_object_set_new(o, "enabled", json_boolean(f->enabled));
	json_object_set_new(o, "disabled_reason",
	    cli_json_str(f->disabled_reason));
	json_object_set_new(o, "last_fetch", cli_json_time(f->last_fetch));
	json_object_set_new(o, "last_success", cli_json_time(f->last_success));
	json_object_set_new(o, "last_status", f->last_status > 0 ?
	    json_integer(f->last_status) : json_null());
	json_object_set_new(o, "last_error", cli_json_str(f->last_error));
	json_object_set_new(o, "error_class", cli_json_str(f->error_class));
	json_object_set_new(o, "failures", json_integer(f->failures));
	json_object_set_new(o, "next_fetch", cli_json_time(f->next_fetch));
	json_object_set_new(o, "items", json_integer(f->item_count));
	json_object_set_new(o, "fetches", json_integer(f->n_fetches));
	json_object_set_new(o, "errors", json_integer(f->n_errors));
	json_object_set_new(o, "not_modified",
	    json_integer(f->n_not_modified));
	json_object_set_new(o, "new_items", json_integer(f->n_new));
	json_object_set_new(o, "updated_items", json_integer(f->n_updated));
	return o;
}

static int
print_json(struct store_feed *v, size_t n, int errors_only)
{
	json_t	*doc, *arr;
	size_t	 i;
	int	 rc;

	arr = json_array();
	for (i = 0; i < n; i++)
		if (!errors_only || store_feed_failing(&v[i]))
			json_array_append_new(arr, feed_json(&v[i]));
	doc = json_object();
	json_object_set_new(doc, "feeds", arr);
	rc = cli_json_print(doc);
	json_decref(doc);
	return rc;
}

static int
cmd_feeds(const struct cmd_args *a)
{
	struct store		*s;
	struct store_feed	*v = NULL;
	char			*err = NULL;
	size_t			 n = 0, i, shown = 0;
	int			 errors_only = cmd_args_has(a, 'e') > 0;
	int			 ret = EXIT_FAIL;

	if ((s = cli_store_open("feeds", a->db, a->config)) == NULL)
		return EXIT_FAIL;
	if (store_feeds_list(s, &v, &n, &err) == -1) {
		fprintf(stderr, "herald feeds: %s\n", err);
		free(err);
		goto done;
	}
	/* The read is over: print without holding the database. */
	store_close(s);
	s = NULL;
	for (i = 0; i < n; i++)
		shown += !errors_only || store_feed_failing(&v[i]);
	if (a->json) {
		if (print_json(v, n, errors_only) == -1)
			goto done;
	} else if (shown == 0)
		fprintf(stderr, "herald feeds: %s\n", errors_only ?
		    "no feed is failing" : "no feeds yet (heraldd adds the "
		    "configured feeds when it starts)");
	else
		print_table(v, n, errors_only, (int64_t)time(NULL));
	ret = EXIT_OK;
done:
	store_feeds_free(v, n);
	store_close(s);
	return ret;
}

static const struct cmd_option feeds_options[] = {
	{ .name = "errors", .key = 'e', .help = "only feeds whose last attempt "
	    "failed, or that herald\ndisabled (410 Gone)" },
	{ .name = NULL }
};

const struct cmd_entry cmd_feeds_entry = {
	.name = "feeds",
	.flags = CMD_JSON | CMD_DATABASE,
	.options = feeds_options,
	.summary = "show every feed's health: last success, errors, next fetch",
	.about =
"Show every feed heraldd watches: its URL, when it was last fetched\n"
"successfully, the last status or error, consecutive failures, when it is\n"
"fetched next, and how many articles it carries.",
	.exit_status = "0 ok, 1 failure (no database...), 2 usage.",
	.exec = cmd_feeds,
};
