/*
 * cmd-digest.c: `herald digest`: the stories of a period under the topics
 * they matched (digest.h), as text fitted to the terminal, Markdown, HTML
 * or JSON.  With --name, the next digest of that [digest] section as it
 * stands: from its last one (the watermark heraldd keeps) until now.
 * --send NAME asks heraldd to send that one now; --list shows the recent
 * digests and how their deliveries went.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "digest.h"
#include "slot.h"
#include "store.h"
#include "tz.h"
#include "util.h"

#define DIGEST_SINCE		"24h"
#define DIGEST_MAX_STORIES	10	/* per topic, without --name */

enum fmt {
	FMT_TEXT,
	FMT_MARKDOWN,
	FMT_HTML,
	FMT_JSON,
};

static int
parse_format(const char *s, enum fmt *f)
{
	if (strcmp(s, "text") == 0)
		*f = FMT_TEXT;
	else if (strcmp(s, "md") == 0 || strcmp(s, "markdown") == 0)
		*f = FMT_MARKDOWN;
	else if (strcmp(s, "html") == 0)
		*f = FMT_HTML;
	else if (strcmp(s, "json") == 0)
		*f = FMT_JSON;
	else
		return -1;
	return 0;
}

static int
print_doc(const struct digest *d, enum fmt f, const struct tz *z, int color)
{
	struct digest_style	 st;
	char			*s;

	memset(&st, 0, sizeof(st));
	st.width = cli_term_width();
	st.color = color;
	st.tz = z;
	switch (f) {
	case FMT_MARKDOWN:
		s = digest_render_markdown(d, &st);
		break;
	case FMT_HTML:
		s = digest_render_html(d, &st);
		break;
	case FMT_JSON:
		s = digest_to_json(d, 1);
		break;
	case FMT_TEXT:
	default:
		s = digest_render_text(d, &st);
		break;
	}
	fputs(s, stdout);
	if (f == FMT_JSON)
		putchar('\n');
	free(s);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

/*
 * A digest's period in local time, "2026-12-06 07:30 to 2026-12-07 07:30
 * CET": the seconds of an end that is not a whole minute (a --send 34 s
 * after the slot was "22:07 to 22:07"), the date and the zone once when
 * both ends share them.  Heap.
 */
static char *
period_text(int64_t since, int64_t until)
{
	struct tm	 a, b;
	time_t		 ta = (time_t)since, tb = (time_t)until;
	char		 s1[64], s2[64], z1[16], z2[16];

	if (localtime_r(&ta, &a) == NULL || localtime_r(&tb, &b) == NULL)
		return xasprintf("%lld to %lld", (long long)since,
		    (long long)until);
	strftime(z1, sizeof(z1), "%Z", &a);
	strftime(z2, sizeof(z2), "%Z", &b);
	strftime(s1, sizeof(s1), a.tm_sec != 0 ? "%Y-%m-%d %H:%M:%S" :
	    "%Y-%m-%d %H:%M", &a);
	if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday)
		strftime(s2, sizeof(s2), b.tm_sec != 0 ? "%H:%M:%S" : "%H:%M",
		    &b);
	else
		strftime(s2, sizeof(s2), b.tm_sec != 0 ? "%Y-%m-%d %H:%M:%S" :
		    "%Y-%m-%d %H:%M", &b);
	if (strcmp(z1, z2) == 0)
		return xasprintf("%s to %s %s", s1, s2, z2);
	return xasprintf("%s %s to %s %s", s1, z1, s2, z2);
}

static int
list_runs(struct store *s, const char *name, int json)
{
	struct store_digest_send	*v = NULL;
	static const char *const	 states[] = { "pending", "sent", "dead" };
	static const struct cli_column	 cols[] = {
		{ "DIGEST", 6, 3, 0, 0, 0 },
		{ "PERIOD", 20, 1, 0, 0, 0 },
		{ "PLUGIN", 6, 3, 0, 0, 0 },
		{ "STATE", 5, 4, 0, 0, 0 },
		{ "TRIES", 5, 4, 1, 0, 0 },
		{ "ERROR", 5, 0, 0, 1, 0 },
	};
	struct cli_table		*t;
	json_t				*a, *o;
	char				*period, tries[16];
	size_t				 n = 0, i;
	char				*err = NULL;

	if (store_digests_list(s, name, 50, &v, &n, &err) == -1) {
		fprintf(stderr, "herald digest: %s\n", err);
		free(err);
		return EXIT_FAIL;
	}
	if (json) {
		a = json_array();
		for (i = 0; i < n; i++) {
			o = json_object();
			json_object_set_new(o, "name", json_string(v[i].name));
			json_object_set_new(o, "since", cli_json_time(v[i].since));
			json_object_set_new(o, "until", cli_json_time(v[i].until));
			json_object_set_new(o, "plugin", json_string(v[i].plugin));
			json_object_set_new(o, "state",
			    json_string(states[v[i].state]));
			json_object_set_new(o, "attempts",
			    json_integer(v[i].attempts));
			json_object_set_new(o, "sent", cli_json_time(v[i].sent_at));
			json_object_set_new(o, "error",
			    cli_json_str(v[i].last_error));
			json_array_append_new(a, o);
		}
		o = json_object();
		json_object_set_new(o, "digests", a);
		i = cli_json_print(o) == 0;
		json_decref(o);
		store_digest_sends_free(v, n);
		return i ? EXIT_OK : EXIT_FAIL;
	}
	t = cli_table_new(cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < n; i++) {
		const char	*row[6];

		period = period_text(v[i].since, v[i].until);
		snprintf(tries, sizeof(tries), "%d", v[i].attempts);
		row[0] = v[i].name;
		row[1] = period;
		row[2] = v[i].plugin;
		row[3] = states[v[i].state];
		row[4] = tries;
		row[5] = v[i].last_error;
		cli_table_add(t, row);
		free(period);
	}
	cli_table_print(t, stdout, cli_term_width());
	cli_table_free(t);
	if (n == 0)
		printf("no digest has been queued yet\n");
	store_digest_sends_free(v, n);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

static int
cmd_digest(const struct cmd_args *a)
{
	struct store			*s = NULL;
	struct config			*conf = NULL;
	const struct config_digest	*dg = NULL;
	struct digest_spec		 spec;
	struct digest			*d = NULL;
	struct tz			*ztmp = NULL;
	const struct tz			*z;
	const char			*db = a->db, *conffile = a->config;
	const char			*name = cmd_args_get(a, 'N');
	const char			*sendname = cmd_args_get(a, 'S');
	const char			*sincearg = cmd_args_get(a, 'i');
	const char			*arg;
	char				*err = NULL, *req;
	const char			**topics = NULL, **all = NULL;
	size_t				 ntopics = 0, limit = 0, i;
	int64_t				 now = (int64_t)time(NULL), since, mark;
	int				 list = cmd_args_has(a, 'L') > 0;
	int				 nocolor = cmd_args_has(a, 'C') > 0;
	int				 haslimit = 0, ret = EXIT_FAIL, rc, failed;
	enum fmt			 f = a->json ? FMT_JSON : FMT_TEXT;

	if ((arg = cmd_args_get(a, 'F')) != NULL && !a->json &&
	    parse_format(arg, &f) == -1) {
		fprintf(stderr, "herald digest: --format %s: text, md, html or "
		    "json\n", arg);
		return CMD_USAGE;
	}
	if ((arg = cmd_args_get(a, 'n')) != NULL) {
		if (cli_parse_limit("digest", arg, &limit) == -1)
			return EXIT_USAGE;
		haslimit = 1;
	}
	/* --list [NAME]; the other modes take no operand */
	if (a->argc > 0 && !list)
		return CMD_USAGE;
	if (list && a->argc == 1)
		name = a->argv[0];
	if (sendname != NULL && (name != NULL || list)) {
		fprintf(stderr, "herald digest: --send NAME takes no --name or "
		    "--list\n");
		return CMD_USAGE;
	}
	if (name != NULL && sincearg != NULL && !list) {
		fprintf(stderr, "herald digest: --name and --since exclude each "
		    "other (a named digest's period begins at its last slot)\n");
		return CMD_USAGE;
	}
	if (sendname != NULL) {
		req = xasprintf("digest %s", sendname);
		ret = cli_ctl_simple("digest", a->socket, conffile, req);
		free(req);
		return ret;
	}
	if (list) {
		if ((s = cli_store_open("digest", db, conffile)) != NULL)
			ret = list_runs(s, name, f == FMT_JSON);
		goto done;
	}
	/* --topic a --topic b, or --topic a,b */
	topics = cli_topics_arg(a, 't', &ntopics);

	/* the configuration: the section asked for, the topics there are */
	conf = cli_config_read("digest", conffile, name != NULL, &failed);
	if (failed)
		goto done;
	if (name != NULL) {
		if ((dg = config_digest_find(conf, name)) == NULL) {
			fprintf(stderr, "herald digest: no [digest \"%s\"] in %s\n",
			    name, conffile != NULL ? conffile :
			    CLI_DEFAULT_CONFIG);
			goto done;
		}
	}
	if ((s = cli_store_open("digest", db, conffile)) == NULL ||
	    cli_topics_check("digest", topics, ntopics, conf, s) == -1)
		goto done;
	memset(&spec, 0, sizeof(spec));
	spec.max_stories = haslimit ? limit : dg != NULL ?
	    (size_t)dg->max_stories : DIGEST_MAX_STORIES;
	if (ntopics > 0) {
		spec.topics = topics;
		spec.ntopics = ntopics;
	} else if (dg != NULL && dg->ntopics > 0) {
		spec.topics = (const char *const *)dg->topics;
		spec.ntopics = dg->ntopics;
	} else if (conf != NULL) {
		all = xcalloc(conf->ntopics + 1, sizeof(*all));
		for (i = 0; i < conf->ntopics; i++)
			all[i] = conf->topics[i].name;
		spec.topics = all;
		spec.ntopics = conf->ntopics;
		spec.all_stories = conf->ntopics == 0;
	}
	if (dg != NULL) {
		spec.name = dg->name;
		spec.feeds = (const char *const *)dg->feeds;
		spec.nfeeds = dg->nfeeds;
		z = dg->tz;
	} else {
		if ((ztmp = tz_load_local(&err)) == NULL) {
			fprintf(stderr, "herald digest: %s (times in UTC)\n",
			    err);
			free(err);
			err = NULL;
		}
		z = ztmp;
	}
	spec.timezone = z != NULL ? tz_name(z) : NULL;

	if (dg != NULL) {
		struct slot_sched	 sl;

		memset(&sl, 0, sizeof(sl));
		memcpy(sl.at, dg->at, sizeof(sl.at));
		sl.nat = dg->nat;
		sl.days = dg->days;
		sl.tz = dg->tz;
		/* from the last digest, else from the slot before now */
		if ((rc = store_digest_watermark(s, name, &mark, &err)) == -1) {
			fprintf(stderr, "herald digest: %s\n", err);
			goto done;
		}
		since = rc == 1 ? mark : slot_prev(&sl, now);
		if (since == -1 || since > now)
			since = now;
		/* until the end of this second: what came in it too */
		d = digest_build(s, &spec, since, now + 1, &err);
		if (d != NULL)
			d->next = slot_next(&sl, now) > 0 ? slot_next(&sl, now) : 0;
	} else {
		if (cli_parse_since("digest", sincearg != NULL ? sincearg :
		    DIGEST_SINCE, now, &since) == -1) {
			ret = EXIT_USAGE;
			goto done;
		}
		d = digest_build(s, &spec, since, now + 1, &err);
		/* no topic matched anything (or none exist): every story */
		if (d != NULL && d->ntopics == 0 && ntopics == 0 &&
		    conf == NULL) {
			digest_free(d);
			spec.all_stories = 1;
			d = digest_build(s, &spec, since, now + 1, &err);
		}
	}
	if (d == NULL) {
		fprintf(stderr, "herald digest: %s\n", err);
		goto done;
	}
	store_close(s);
	s = NULL;
	ret = print_doc(d, f, z, !nocolor && isatty(STDOUT_FILENO) &&
	    getenv("NO_COLOR") == NULL);
done:
	free(err);
	digest_free(d);
	tz_free(ztmp);
	free(all);
	free(topics);
	config_free(conf);
	store_close(s);
	return ret;
}

static const struct cmd_option digest_options[] = {
	{ .name = "name", .key = 'N', .arg = "NAME", .help = "the next digest "
	    "of [digest \"NAME\"], as it stands: from\nits last one until "
	    "now, with its topics and feeds",
	    .synopsis = "[--name NAME | --since DURATION]" },
	{ .name = "since", .key = 'i', .arg = "DURATION", .help = "without "
	    "--name, how far back (default " DIGEST_SINCE "):\n90m, 36h, 7d, "
	    "2w, 1d12h", .synopsis = "" },
	{ .name = "topic", .key = 't', .arg = "NAME",
	    .help = "this topic only (repeat it, or NAME,NAME)",
	    .synopsis = "[--topic NAME[,NAME]...]" },
	{ .name = "limit", .key = 'n', .arg = "N", .help = "stories a topic "
	    "(default: the section's\nmax-stories, else "
	    CMD_STR(DIGEST_MAX_STORIES) "; 0: all)" },
	{ .name = "format", .key = 'F', .arg = "FORMAT", .help = "text "
	    "(fitted to the terminal), md, html (one\nfile for mail) or json",
	    .synopsis = "[--format text|md|html|json]" },
	{ .name = "no-color", .key = 'C', .help = "no bold or colour, even on "
	    "a terminal" },
	{ .name = "send", .key = 'S', .arg = "NAME", .help = "ask heraldd to "
	    "send that digest now" },
	{ .name = "list", .key = 'L', .help = "the last digests (of NAME) and "
	    "their deliveries" },
	{ .name = NULL }
};

const struct cmd_entry cmd_digest_entry = {
	.name = "digest",
	.operands = "[NAME]",
	.lower = 0,
	.upper = 1,
	.flags = CMD_JSON | CMD_DATABASE | CMD_SOCKET,
	.options = digest_options,
	.summary = "the stories of the last day, or of a [digest], by topic",
	.about =
"The stories herald saw in a period, under the topics they matched, most\n"
"active topic first; each story with its outlets and languages, a summary\n"
"and when it was first seen; a 14-day trend per topic; failing feeds.\n"
"NAME goes with --list.",
	.json_help = "the same as --format json",
	.exit_status = "0 ok (even with nothing new), 1 failure, 2 usage.",
	.exec = cmd_digest,
};
