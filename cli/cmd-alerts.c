/*
 * cmd-alerts.c: `herald alerts`, the delivery state of the alert outbox:
 * per plugin how many alerts wait, went out or were given up, and when the
 * next attempt is; with --pending or --failed the alerts themselves, with
 * their attempts and the last error (the reason a dead one was given up).
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

#define ALERTS_DEFAULT_LIMIT	50

enum alerts_mode {
	MODE_SUMMARY,
	MODE_PENDING,
	MODE_FAILED,
	MODE_SENT,
};

static const char *
state_name(enum store_alert_state s)
{
	switch (s) {
	case STORE_ALERT_PENDING:
		return "pending";
	case STORE_ALERT_SENT:
		return "sent";
	case STORE_ALERT_DEAD:
		return "dead";
	}
	return "?";
}

/*
 * When heraldd's rate limit for `plugin` lets its next alert go, if it
 * holds it back now (rl: "rate_limited" of heraldd's status, may be NULL);
 * 0 when nothing holds it.
 */
static int64_t
rate_limited(json_t *rl, const char *plugin, int64_t now)
{
	json_t	*v = rl != NULL ? json_object_get(rl, plugin) : NULL;
	int64_t	 t = json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;

	return t > now ? t : 0;
}

static void
print_summary(struct store_outbox_count *v, size_t n, const char *plugin,
    int64_t now, json_t *rl)
{
	static const struct cli_column cols[] = {
		{ "PLUGIN", 8, 1, 0, 0, 0 },
		{ "PENDING", 99, 0, 1, 0, 0 },
		{ "SENT", 99, 0, 1, 0, 0 },
		{ "DEAD", 99, 0, 1, 0, 0 },
		{ "NEXT ATTEMPT", 99, 0, 0, 0, 0 },
	};
	struct cli_table	*t;
	const char		*row[5];
	char			 p[24], s[24], d[24], next[48], rel[32];
	size_t			 i;

	t = cli_table_new(cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < n; i++) {
		if (plugin != NULL && strcmp(plugin, v[i].plugin) != 0)
			continue;
		snprintf(p, sizeof(p), "%lld", (long long)v[i].pending);
		snprintf(s, sizeof(s), "%lld", (long long)v[i].sent);
		snprintf(d, sizeof(d), "%lld", (long long)v[i].dead);
		if (v[i].pending == 0 || v[i].next_attempt == 0)
			snprintf(next, sizeof(next), "-");
		else if (rate_limited(rl, v[i].plugin, now) >
		    v[i].next_attempt) {
			/* what waits for the rate limit is not "due" */
			cli_time_relative(rate_limited(rl, v[i].plugin, now),
			    now, rel, sizeof(rel));
			snprintf(next, sizeof(next), "%s (rate-limit)", rel);
		} else if (v[i].next_attempt <= now)
			snprintf(next, sizeof(next), "due");
		else
			cli_time_relative(v[i].next_attempt, now, next,
			    sizeof(next));
		row[0] = v[i].plugin;
		row[1] = p;
		row[2] = s;
		row[3] = d;
		row[4] = next;
		cli_table_add(t, row);
	}
	cli_table_print(t, stdout, cli_term_width());
	cli_table_free(t);
}

static void
print_alerts(struct store_alert *v, size_t n, enum alerts_mode mode,
    int64_t now, json_t *rl)
{
	/* the free texts give way before the names a reader types again */
	static const struct cli_column cols[] = {
		{ "ALERT", 99, 0, 1, 0, 0 },
		{ "PLUGIN", 8, 2, 0, 0, 0 },
		{ "TOPIC", 8, 2, 0, 0, 0 },
		{ "TRIES", 99, 0, 1, 0, 0 },
		{ "WHEN", 99, 0, 0, 0, 0 },
		{ "ERROR", 16, 1, 0, 0, 0 },
		{ "TITLE", 12, 1, 0, 1, 0 },
	};
	struct cli_table	*t;
	const char		*row[7];
	char			 id[STORE_ALERT_KEY_LEN], tries[24], when[32];
	size_t			 i;

	t = cli_table_new(cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < n; i++) {
		store_alert_key(&v[i], id);
		snprintf(tries, sizeof(tries), "%d", v[i].attempts);
		if (mode == MODE_PENDING)
			/* when the next attempt is */
			if (v[i].next_attempt <= now &&
			    rate_limited(rl, v[i].plugin, now) > 0)
				snprintf(when, sizeof(when), "rate-limited");
			else if (v[i].next_attempt <= now)
				snprintf(when, sizeof(when), "due");
			else
				cli_time_relative(v[i].next_attempt, now, when,
				    sizeof(when));
		else if (mode == MODE_SENT)
			cli_time_relative(v[i].sent_at, now, when, sizeof(when));
		else
			/* when the alert was raised */
			cli_time_relative(v[i].created, now, when, sizeof(when));
		row[0] = id;
		row[1] = v[i].plugin;
		row[2] = v[i].topic;
		row[3] = tries;
		row[4] = when;
		row[5] = v[i].last_error != NULL ? v[i].last_error : "-";
		row[6] = v[i].title;
		cli_table_add(t, row);
	}
	cli_table_print(t, stdout, cli_term_width());
	cli_table_free(t);
}

static json_t *
alert_json(const struct store_alert *a)
{
	json_t	*o = json_object(), *terms = json_array();
	char	*copy, *p, *q;

	copy = xstrdup(a->terms != NULL ? a->terms : "");
	for (p = copy; *p != '\0'; p = q) {
		if ((q = strchr(p, '\n')) != NULL)
			*q++ = '\0';
		else
			q = p + strlen(p);
		if (*p != '\0')
			json_array_append_new(terms, cli_json_str(p));
	}
	free(copy);
	json_object_set_new(o, "alert", json_integer(a->alert_id));
	json_object_set_new(o, "breaking", json_boolean(a->breaking));
	json_object_set_new(o, "plugin", cli_json_str(a->plugin));
	json_object_set_new(o, "state", json_string(state_name(a->state)));
	json_object_set_new(o, "attempts", json_integer(a->attempts));
	json_object_set_new(o, "next_attempt", a->state == STORE_ALERT_PENDING ?
	    cli_json_time(a->next_attempt) : json_null());
	json_object_set_new(o, "last_error", cli_json_str(a->last_error));
	json_object_set_new(o, "created", cli_json_time(a->created));
	json_object_set_new(o, "sent", cli_json_time(a->sent_at));
	json_object_set_new(o, "topic", cli_json_str(a->topic));
	json_object_set_new(o, "terms", terms);
	json_object_set_new(o, "field", cli_json_str(a->field));
	json_object_set_new(o, "snippet", cli_json_str(a->snippet));
	json_object_set_new(o, "item", json_integer(a->item_id));
	json_object_set_new(o, "title", cli_json_str(a->title));
	json_object_set_new(o, "link", cli_json_str(a->link));
	json_object_set_new(o, "feed", cli_json_str(a->feed_name));
	json_object_set_new(o, "published", a->has_published ?
	    cli_json_time(a->published) : json_null());
	return o;
}

/*
 * --plugin NAME: a plugin configured or with alerts stored, so that a
 * misspelt name is an error, not "no alerts yet"; 0 or -1 (said).
 */
static int
plugin_check(const char *name, const struct config *conf, struct store *s)
{
	struct store_outbox_count	*counts = NULL;
	struct buf			 known;
	char				*err = NULL;
	size_t				 n = 0, i, j;
	int				 ret = -1;

	for (i = 0; conf != NULL && i < conf->nplugins; i++)
		if (strcmp(conf->plugins[i].name, name) == 0)
			return 0;
	if (store_outbox_counts(s, &counts, &n, &err) == -1) {
		fprintf(stderr, "herald alerts: %s\n", err);
		free(err);
		return -1;
	}
	buf_init(&known, 0);
	for (i = 0; i < n; i++) {
		if (strcmp(counts[i].plugin, name) == 0)
			ret = 0;
		buf_printf(&known, "%s%s", known.len > 0 ? ", " : "",
		    counts[i].plugin);
	}
	for (i = 0; conf != NULL && i < conf->nplugins; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(counts[j].plugin, conf->plugins[i].name) == 0)
				break;
		if (j == n)
			buf_printf(&known, "%s%s", known.len > 0 ? ", " : "",
			    conf->plugins[i].name);
	}
	if (ret == -1)
		fprintf(stderr, "herald alerts: no plugin \"%s\"%s%s\n", name,
		    known.len > 0 ? "; the plugins are: " : " is configured or "
		    "has alerts", known.len > 0 ? known.data : "");
	buf_free(&known);
	store_outbox_counts_free(counts, n);
	return ret;
}

static int
cmd_alerts(const struct cmd_args *a)
{
	struct store			*s;
	struct config			*conf = NULL;
	struct store_outbox_count	*counts = NULL;
	struct store_alert		*alerts = NULL;
	struct store_alerts_filter	 f;
	enum alerts_mode		 mode = MODE_SUMMARY;
	const char			*limitarg = cmd_args_get(a, 'l');
	char				*err = NULL;
	size_t				 n = 0, i, limit = ALERTS_DEFAULT_LIMIT;
	size_t				 nmodes = 0;
	int				 ret = EXIT_FAIL, failed;
	int64_t				 now = (int64_t)time(NULL);
	json_t				*doc, *arr, *status = NULL, *rl;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < a->nopts; i++) {
		switch (a->opts[i].key) {
		case 'P':
		case 'F':
		case 'S':
			mode = a->opts[i].key == 'P' ? MODE_PENDING :
			    a->opts[i].key == 'F' ? MODE_FAILED : MODE_SENT;
			nmodes++;
			break;
		}
	}
	f.plugin = cmd_args_get(a, 'p');
	f.topic = cmd_args_get(a, 't');
	if (limitarg != NULL &&
	    cli_parse_limit("alerts", limitarg, &limit) == -1)
		return EXIT_USAGE;
	if (nmodes > 1) {
		fprintf(stderr, "herald alerts: --pending, --failed and "
		    "--sent exclude each other\n");
		return CMD_USAGE;
	}
	/* --topic NAME: a topic configured or stored, as stories' */
	if (f.topic != NULL || f.plugin != NULL) {
		conf = cli_config_read("alerts", a->config, 0, &failed);
		if (failed)
			return EXIT_FAIL;
	}
	if ((s = cli_store_open("alerts", a->db, a->config)) == NULL ||
	    cli_topics_check("alerts", &f.topic, f.topic != NULL, conf, s) ==
	    -1 || (f.plugin != NULL && plugin_check(f.plugin, conf, s) == -1))
		goto done;
	if (mode == MODE_SUMMARY) {
		if (store_outbox_counts_topic(s, f.topic, &counts, &n, &err) ==
		    -1)
			goto fail;
	} else {
		f.state = mode == MODE_PENDING ? STORE_ALERT_PENDING :
		    mode == MODE_FAILED ? STORE_ALERT_DEAD : STORE_ALERT_SENT;
		f.limit = limit;
		if (store_alerts_list(s, &f, &alerts, &n, &err) == -1)
			goto fail;
	}
	store_close(s);
	s = NULL;

	/* an alert due but still pending may wait for a rate limit */
	for (i = 0; i < n && status == NULL; i++)
		if (mode == MODE_SUMMARY ? counts[i].pending > 0 &&
		    counts[i].next_attempt <= now : mode == MODE_PENDING &&
		    alerts[i].next_attempt <= now)
			status = cli_ctl_status(a->socket, a->config);
	rl = status != NULL ? json_object_get(status, "rate_limited") : NULL;

	if (a->json) {
		doc = json_object();
		arr = json_array();
		for (i = 0; i < n; i++) {
			json_t	*o;

			if (mode != MODE_SUMMARY) {
				json_array_append_new(arr, alert_json(&alerts[i]));
				continue;
			}
			if (f.plugin != NULL &&
			    strcmp(f.plugin, counts[i].plugin) != 0)
				continue;
			o = json_object();
			json_object_set_new(o, "plugin",
			    cli_json_str(counts[i].plugin));
			json_object_set_new(o, "pending",
			    json_integer(counts[i].pending));
			json_object_set_new(o, "sent",
			    json_integer(counts[i].sent));
			json_object_set_new(o, "dead",
			    json_integer(counts[i].dead));
			json_object_set_new(o, "next_attempt",
			    counts[i].pending > 0 ?
			    cli_json_time(counts[i].next_attempt) : json_null());
			json_object_set_new(o, "rate_limited_until",
			    counts[i].pending > 0 && rate_limited(rl,
			    counts[i].plugin, now) > 0 ? cli_json_time(
			    rate_limited(rl, counts[i].plugin, now)) :
			    json_null());
			json_array_append_new(arr, o);
		}
		json_object_set_new(doc, mode == MODE_SUMMARY ? "plugins" :
		    "alerts", arr);
		if (cli_json_print(doc) == -1) {
			json_decref(doc);
			goto done;
		}
		json_decref(doc);
	} else if (mode == MODE_SUMMARY) {
		size_t	 k = 0;

		for (i = 0; i < n; i++)
			k += f.plugin == NULL ||
			    strcmp(f.plugin, counts[i].plugin) == 0;
		if (k == 0 && f.topic != NULL)
			fprintf(stderr, "herald alerts: no alerts of topic "
			    "\"%s\" yet\n", f.topic);
		else if (k == 0)
			fprintf(stderr, "herald alerts: no alerts yet\n");
		else
			print_summary(counts, n, f.plugin, now, rl);
	} else if (n == 0)
		fprintf(stderr, "herald alerts: no %s alerts\n",
		    mode == MODE_PENDING ? "pending" : mode == MODE_FAILED ?
		    "failed" : "sent");
	else
		print_alerts(alerts, n, mode, now, rl);
	ret = EXIT_OK;
	goto done;
fail:
	fprintf(stderr, "herald alerts: %s\n", err);
	free(err);
done:
	store_outbox_counts_free(counts, mode == MODE_SUMMARY ? n : 0);
	store_alerts_free(alerts, mode == MODE_SUMMARY ? 0 : n);
	store_close(s);
	config_free(conf);
	json_decref(status);
	return ret;
}

static const struct cmd_option alerts_options[] = {
	{ .name = "pending", .key = 'P', .help = "alerts still to deliver: "
	    "attempts, the next one, the\nlast error",
	    .synopsis = "[--pending | --failed | --sent]" },
	{ .name = "failed", .key = 'F',
	    .help = "alerts given up (dead) and why", .synopsis = "" },
	{ .name = "sent", .key = 'S', .help = "alerts delivered",
	    .synopsis = "" },
	{ .name = "plugin", .key = 'p', .arg = "NAME",
	    .help = "only this plugin's deliveries" },
	{ .name = "topic", .key = 't', .arg = "NAME",
	    .help = "only this topic's alerts" },
	{ .name = "limit", .key = 'l', .arg = "N",
	    .help = "at most N alerts, newest first (default "
	    CMD_STR(ALERTS_DEFAULT_LIMIT) "; 0: all)" },
	{ .name = NULL }
};

const struct cmd_entry cmd_alerts_entry = {
	.name = "alerts",
	.flags = CMD_JSON | CMD_DATABASE | CMD_SOCKET,
	.options = alerts_options,
	.summary = "show the delivery state of topic alerts per plugin",
	.about =
"Show the delivery state of topic alerts.  Without an option: per plugin,\n"
"how many alerts are pending, sent and dead, and when the next attempt is\n"
"(heraldd, when it answers, says which wait for a plugin's rate-limit).",
	.exit_status = "0 ok, 1 failure (no database...), 2 usage.",
	.exec = cmd_alerts,
};
