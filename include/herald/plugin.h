/*
 * herald/plugin.h: the interface between heraldd and the plugins it loads,
 * the one header herald installs.  A plugin is a shared object exporting
 * herald_plugin_entry(); everything it may ask of the daemon comes through
 * the host table handed to init(), so a plugin links against nothing of
 * herald's and never blocks the daemon's loop.  See herald-plugin(3).
 * depends on: nothing; used by: daemon/plugin.c, plugins/.
 */
#ifndef HERALD_PLUGIN_H
#define HERALD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The major number is bumped when a struct below changes in a way an
 * older plugin cannot follow; the daemon refuses a plugin of another
 * major.  The minor number is bumped when something is added at the end
 * of a struct: a plugin built for an older minor of the same major still
 * loads (its struct herald_plugin is shorter, and the host reads only
 * what that minor has), and a plugin reads the host's additions only when
 * host->size says they are there.
 *
 *	1.0	on_item, on_alert
 *	1.1	on_digest; host->abi_minor
 *	1.2	delivery->stories: each alert's story, and breaking alerts
 *	1.3	herald_digest_feed->disabled: a feed herald stopped fetching;
 *		herald_digest_story->articles: its articles, listed or not
 */
#define HERALD_PLUGIN_ABI	1
#define HERALD_PLUGIN_ABI_MINOR	3

#if defined(__GNUC__)
#define HERALD_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#else
#define HERALD_PRINTF(f, a)
#endif

struct ev_loop;			/* libev's, for plugins that want it */
struct herald_ctx;		/* the host's handle on one plugin instance */
struct herald_http;		/* an HTTP request in flight */
struct herald_child;		/* a child process running */
struct herald_timer;		/* a one-shot timer */
struct herald_completion;	/* one on_alert() or on_digest() call awaiting
				   its outcome */

enum herald_log_level {
	HERALD_LOG_ERR,
	HERALD_LOG_WARN,
	HERALD_LOG_INFO,
	HERALD_LOG_DEBUG,
};

/* How an on_alert() call ended. */
enum herald_outcome {
	HERALD_OK,		/* delivered: never sent again */
	HERALD_FAIL,		/* cannot be delivered: dead, with the message */
	HERALD_RETRY,		/* try again later (after retry_after if > 0) */
};

/*
 * One key of the plugin's [plugin "name"] section that the host does not
 * handle itself (path, topics, rate-limit, batch, max-age and alerts are
 * the host's).  file:line is where the key was written.
 */
struct herald_option {
	const char	*key;
	const char	*value;
	const char	*file;
	int		 line;
};

/* An article new to the store (on_item).  Strings may be NULL. */
struct herald_item {
	int64_t		 id;
	const char	*feed;		/* the feed's name in the configuration */
	const char	*title;
	const char	*link;
	const char	*summary;	/* plain text */
	int64_t		 published;	/* seconds since the epoch; 0 unknown */
	int64_t		 first_seen;
};

/*
 * One alert: an article matched a topic.  key is the idempotency key: the
 * same on every attempt and after a restart, different for every alert of
 * this database; receivers drop a key they have seen.  id is the match's:
 * a topic's breaking alert for a story (ABI 1.2, see herald_alert_story)
 * has the id, topic and article of the story's first alert for the topic,
 * and that alert's key with "-breaking" after it.  Strings other than key
 * and topic may be NULL.
 */
struct herald_alert {
	const char	*key;
	int64_t		 id;
	const char	*topic;
	const char *const *terms;	/* the terms that hit, nterms of them */
	size_t		 nterms;
	const char	*field;		/* where the best hit is: title, summary... */
	const char	*snippet;	/* text around the hits, plain */
	const char	*title;
	const char	*link;
	const char	*summary;	/* plain text */
	const char	*feed;
	int64_t		 published;	/* 0 unknown */
	int64_t		 matched;	/* when the alert was raised */
};

/*
 * An alert's story (ABI 1.2): the story its article belongs to, as it
 * stands when the alert is delivered.  Outlets are the feeds that carried
 * its articles first, as a digest names them (a feed's configured title,
 * else its own, else its section's name), languages their codes ("en"),
 * each distinct, in the order of its articles.  breaking is 1 for the one more
 * alert a topic with breaking = N/DURATION sends when the story reached N
 * outlets within DURATION.
 */
struct herald_alert_story {
	int64_t		 id;		/* 0: the article has no story */
	int64_t		 size;		/* its articles (1: this one alone) */
	const char *const *outlets;
	size_t		 noutlets;
	const char *const *languages;
	size_t		 nlanguages;
	int		 breaking;
};

/*
 * What one on_alert() call delivers: one alert, or every alert of a
 * batching window when the section sets batch (nalerts >= 1 always).
 * attempt counts from 1 across restarts.
 */
struct herald_delivery {
	const struct herald_alert *alerts;
	size_t		 nalerts;
	unsigned	 attempt;
	const char	*plugin;	/* the section's name */

	/*
	 * ABI 1.2: stories[i] is alerts[i]'s story, never NULL.  A daemon
	 * of an older minor hands a shorter struct: read this member only
	 * when host->abi_minor >= 2 (and host->size says abi_minor is
	 * there).  An array of pointers, so that a later minor can add
	 * members at the end of struct herald_alert_story.
	 */
	const struct herald_alert_story *const *stories;
};

/*
 * A digest (ABI 1.1): what a [digest "NAME"] section gathered over one
 * period, as data and ready-made in four renderings, for on_digest().
 * Its arrays are arrays of pointers, so that a later minor version can
 * add members at the end of these structs.  Strings may be NULL unless
 * said otherwise.
 */
struct herald_digest_item {
	int64_t		 id;
	const char	*title;
	const char	*link;
	const char	*feed;		/* the feed's name in the configuration */
	const char	*outlet;	/* what readers call it (its title) */
	const char	*lang;		/* "en"; NULL unknown */
	int64_t		 published;	/* 0 unknown */
	int64_t		 first_seen;
};

/* One story: its lead article's title, link and summary, and the rest. */
struct herald_digest_story {
	int64_t		 id;
	const char	*title;
	const char	*link;
	const char	*summary;	/* plain text */
	const char	*sources;	/* "Euractiv, Politico, Council (en, fr) +3" */
	const char *const *outlets;
	size_t		 noutlets;
	const char *const *languages;
	size_t		 nlanguages;
	int		 breaking;
	int64_t		 first_seen;
	const struct herald_digest_item *const *items;	/* the lead first; 25 at most */
	size_t		 nitems;
	/* ABI 1.3 (host->abi_minor >= 3): the period's articles, >= nitems */
	size_t		 articles;
};

struct herald_digest_topic {
	const char	*name;		/* NULL: every story (no topics) */
	const unsigned	*trend;		/* matches a day, oldest first */
	size_t		 ntrend;	/* 14 */
	const char	*sparkline;	/* the trend as "▁▂▃▅▇" */
	const char	*trend_text;	/* "spike: 25 in the last day, usually 4" */
	size_t		 total;		/* stories in the period */
	const struct herald_digest_story *const *stories; /* shown, ranked */
	size_t		 nstories;
};

struct herald_digest_feed {
	const char	*feed;
	const char	*outlet;
	const char	*error;
	int		 failures;	/* in a row */
	int64_t		 last_success;	/* 0 never */
	/*
	 * ABI 1.3 (host->abi_minor >= 3): when herald stopped fetching the
	 * feed (410 Gone; error says why), until its url changes; 0: it is
	 * failing, not disabled.
	 */
	int64_t		 disabled;
};

/*
 * key is the idempotency key, never NULL: the digest's name and period
 * ("morning/2026-11-27T06:30:00Z/2026-11-28T06:30:00Z"), the same on
 * every attempt and after a restart.  subject, text (78 columns),
 * markdown, html (one document: inline CSS, no script, no remote asset)
 * and json (herald(1)'s digest JSON, one line) are never NULL.
 */
struct herald_digest {
	const char	*key;
	const char	*name;
	int64_t		 since;		/* the period: [since, until) */
	int64_t		 until;
	const char	*subject;
	const char	*period;	/* "Fri 27 Nov 07:30 – Sat 28 Nov 07:30 CET" */
	const char	*text;
	const char	*markdown;
	const char	*html;
	const char	*json;
	const struct herald_digest_topic *const *topics; /* most active first */
	size_t		 ntopics;
	const struct herald_digest_feed *const *failing;
	size_t		 nfailing;
	size_t		 nstories;	/* shown, distinct across topics (json's
					   "total": the period's) */
	unsigned	 attempt;	/* from 1, across restarts */
	const char	*plugin;	/* the section's name */
};

/* An HTTP request through the daemon's own curl multi handle. */
struct herald_http_request {
	const char	*method;	/* "POST", "PUT", "GET"...; NULL: POST if a
					   body is given, else GET */
	const char	*url;		/* http:// or https:// only */
	const char *const *headers;	/* "Name: value", NULL-terminated; or NULL */
	const char	*body;		/* copied by the host; may be NULL */
	size_t		 body_len;
	double		 timeout;	/* seconds for the whole exchange; 0: 30 */
	size_t		 max_response;	/* response bytes kept; 0: 64 KiB */
};

/* Borrowed for the callback. */
struct herald_http_response {
	int		 ok;		/* a whole HTTP response came (any status) */
	long		 status;	/* 0 when none */
	const char	*error;		/* why not ok; NULL when ok */
	const char	*body;		/* NUL-terminated, at most max_response */
	size_t		 body_len;
	long		 retry_after;	/* Retry-After in seconds; -1 none */
	double		 seconds;
};

typedef void	(*herald_http_cb)(void *arg, const struct herald_http_response *);

/*
 * A child process: argv[0] is looked up in PATH; env entries ("NAME=value")
 * are added to the daemon's environment; input is written to its stdin,
 * which is then closed; stdout and stderr are read together.  It runs in
 * its own process group, which is sent SIGKILL when the timeout expires.
 */
struct herald_spawn {
	const char *const *argv;	/* NULL-terminated */
	const char *const *env;		/* NULL-terminated, or NULL */
	const char	*input;
	size_t		 input_len;
	double		 timeout;	/* seconds; 0: 60 */
	size_t		 max_output;	/* bytes of output kept; 0: 16 KiB */
};

/* Borrowed for the callback. */
struct herald_child_result {
	const char	*error;		/* it could not be started; else NULL */
	int		 exited;	/* it called exit(): status is valid */
	int		 status;	/* exit status */
	int		 signal;	/* the signal that ended it, or 0 */
	int		 timed_out;	/* killed at the timeout */
	const char	*output;	/* NUL-terminated */
	size_t		 output_len;
	double		 seconds;
};

typedef void	(*herald_child_cb)(void *arg, const struct herald_child_result *);
typedef void	(*herald_timer_cb)(void *arg);

/*
 * The host table, given to init() and valid until fini() returns.  Every
 * function is called from the daemon's loop thread only.  Callbacks
 * (herald_http_cb, herald_child_cb, herald_timer_cb) always run later from
 * the loop, never inside the call that started them, and exactly once
 * unless cancelled first.  What the host passes a plugin is borrowed for
 * the call; copy what you keep.
 */
struct herald_host {
	unsigned	 abi;		/* HERALD_PLUGIN_ABI of the daemon */
	size_t		 size;		/* sizeof(struct herald_host) */
	const char	*version;	/* herald's version */
	struct ev_loop	*loop;		/* the daemon's libev loop */

	void	(*log)(struct herald_ctx *, enum herald_log_level,
		    const char *fmt, ...) HERALD_PRINTF(3, 4);
	/*
	 * init() only: a configuration error, reported as "file:line: key:
	 * message" at the option (NULL: at the section header).  Report
	 * every error, then return -1.
	 */
	void	(*error)(struct herald_ctx *, const struct herald_option *,
		    const char *fmt, ...) HERALD_PRINTF(3, 4);
	/* Wall-clock time, seconds since the epoch. */
	double	(*now)(struct herald_ctx *);

	/* Never NULL: a request that cannot start ends through cb. */
	struct herald_http *(*http)(struct herald_ctx *,
		    const struct herald_http_request *, herald_http_cb, void *arg);
	/* Stops a request; its callback is not called. */
	void	(*http_cancel)(struct herald_http *);

	/* Never NULL: a child that cannot start ends through cb. */
	struct herald_child *(*spawn)(struct herald_ctx *,
		    const struct herald_spawn *, herald_child_cb, void *arg);
	/* Kills the child's process group; its callback is not called. */
	void	(*child_cancel)(struct herald_child *);

	struct herald_timer *(*timer)(struct herald_ctx *, double seconds,
		    herald_timer_cb, void *arg);
	void	(*timer_cancel)(struct herald_timer *);

	/*
	 * Ends an on_alert() or on_digest() call, once, possibly from
	 * inside it.  message says why for HERALD_FAIL and HERALD_RETRY;
	 * retry_after (seconds, 0 none) overrides the host's backoff for
	 * HERALD_RETRY.  A call that does not complete within the host's
	 * deadline counts as a retry; completing it later is harmless.
	 */
	void	(*complete)(struct herald_completion *, enum herald_outcome,
		    long retry_after, const char *message);

	/* ABI 1.1: present when size > offsetof(struct herald_host, abi_minor) */
	unsigned	 abi_minor;	/* HERALD_PLUGIN_ABI_MINOR of the daemon */
};

/*
 * What herald_plugin_entry() returns; static, const, never freed.  Every
 * callback but init may be NULL.  `state` is whatever init() stored.
 */
struct herald_plugin {
	unsigned	 abi;		/* HERALD_PLUGIN_ABI */
	size_t		 size;		/* sizeof(struct herald_plugin) */
	const char	*name;		/* "webhook" */
	const char	*version;

	/*
	 * Called once per [plugin] section using this object (one object
	 * may serve several sections: keep state in *state, not in
	 * globals).  Unknown or wrong options are errors: report each with
	 * host->error() and return -1.  No I/O may block here either.
	 */
	int	(*init)(struct herald_ctx *, const struct herald_host *,
		    const char *name, const struct herald_option *options,
		    size_t noptions, void **state);
	/* Every article new to the store, after it was committed. */
	void	(*on_item)(void *state, const struct herald_item *);
	/*
	 * Delivers alerts.  Must return at once and end the call later (or
	 * now) with host->complete(c, ...).  The delivery is borrowed until
	 * on_alert returns.
	 */
	void	(*on_alert)(void *state, const struct herald_delivery *,
		    struct herald_completion *c);
	/*
	 * The instance is going away (exit, or a reload that replaced it).
	 * Requests, children and timers still open are cancelled by the host
	 * after fini returns.
	 */
	void	(*fini)(void *state);

	/*
	 * ABI 1.1.  Delivers a digest to a plugin a [digest] section names,
	 * as on_alert() does an alert: return at once, end the call with
	 * host->complete(c, ...).  The digest is borrowed until on_digest
	 * returns.  NULL: the plugin takes no digests (a [digest] naming it
	 * is a configuration error).
	 */
	void	(*on_digest)(void *state, const struct herald_digest *,
		    struct herald_completion *c);
};

/*
 * sizeof(struct herald_plugin) as ABI 1.0 had it: the host loads a
 * plugin of that size or of today's.
 */
#define HERALD_PLUGIN_SIZE_1_0	offsetof(struct herald_plugin, on_digest)

/* The one symbol a plugin exports. */
const struct herald_plugin *herald_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif
