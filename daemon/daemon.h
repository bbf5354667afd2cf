/*
 * daemon.h: the private interfaces of heraldd's files, one block per file.
 * depends on: herald/plugin.h, conf.h, fetch.h, store.h, libev; used by:
 * the files of daemon/ only.
 */
#ifndef HERALD_DAEMON_H
#define HERALD_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ev.h>

#include "herald/plugin.h"

#include "conf.h"
#include "fetch.h"
#include "store.h"

/*
 * hook.c: callbacks several users hang on one event.  Each (cb, arg) is
 * there once; a callback must not add or remove hooks while they run.
 */
struct hook {
	void	 (*cb)(void *);
	void	*arg;
};

struct hooks {
	struct hook	*v;
	size_t		 n;
};

void		 hooks_add(struct hooks *, void (*)(void *), void *);
void		 hooks_remove(struct hooks *, void (*)(void *), void *);
void		 hooks_run(const struct hooks *);
void		 hooks_clear(struct hooks *);

/* ingest.c: one fetched document, from bytes to store_items. */
struct ingest;

struct ingest_stats {
	int	 items;		/* entries the parser completed */
	int	 n_kept;	/* of which the feed carries unchanged */
	int	 n_new;
	int	 n_updated;
	int	 truncated;	/* entries past max-items were dropped */
	size_t	 n_matches;	/* new (item, topic) matches */
};

/* What the feed's last fetch left, so that what did not change costs little. */
struct ingest_prev {
	struct store	*st;		/* to read the entries the feed carries */
	int64_t		 feed_id;
	uint64_t	 body_hash;	/* of the last body stored, 0 none */
};

/* `prev` may be NULL: every body is parsed and every entry converted. */
struct ingest	*ingest_new(const char *url, size_t max_items, int64_t now,
		    const struct ingest_prev *prev);
/* Feeds bytes; -1 once the document was rejected (ingest_error() says why). */
int		 ingest_data(struct ingest *, const char *content_type,
		    const char *data, size_t len);
/* Ends the document: 0 a feed, -1 rejected or not a feed. */
int		 ingest_finish(struct ingest *);
/*
 * After ingest_finish() returned 0: 1 when the body was the same bytes as
 * the last stored one (ingest_prev.body_hash), so it was not parsed; there
 * is nothing to store and no title or hints to read.
 */
int		 ingest_unchanged(struct ingest *);
/* The hash of the body to store with the fetch, 0 when not known. */
uint64_t	 ingest_body_hash(struct ingest *);
const char	*ingest_error(struct ingest *);
/*
 * For a document that was read but is not well-formed XML (cut short,
 * garbage after the root...): "parse error line L: msg", else NULL.  Its
 * complete items are still there to store.
 */
const char	*ingest_malformed(struct ingest *);
/* "parse" or "notfeed", for a rejected document. */
const char	*ingest_error_class(struct ingest *);
/* The feed's own title and link, and scheduling hints (seconds, -1 none). */
const char	*ingest_title(struct ingest *);
const char	*ingest_site_link(struct ingest *);
long		 ingest_ttl(struct ingest *);
/* skipHours/skipDays: bitmasks of UTC hours (bit 0..23) and days (bit 0 = Sunday). */
uint32_t	 ingest_skip_hours(struct ingest *);
uint32_t	 ingest_skip_days(struct ingest *);
/*
 * Upserts every collected item inside the caller's transaction, then
 * matches those it made new or changed against `topics` (may be NULL).
 */
int		 ingest_store(struct ingest *, struct store *, int64_t feed_id,
		    struct store_topics *topics, struct ingest_stats *,
		    char **errstr);
void		 ingest_free(struct ingest *);

/* sched.c: feeds, hosts, when to fetch what, and what to do with results. */
struct sched;

struct sched	*sched_new(struct ev_loop *, struct store *, struct fetcher *);
/*
 * Applies a configuration: adds, updates and removes feeds (a removed
 * feed's transfer is cancelled).  The sched keeps no pointer into `conf`.
 * Returns -1 with *errstr when the store refused.
 */
int		 sched_apply(struct sched *, const struct config *, char **errstr);
/*
 * Every enabled feed due now (SIGUSR1, --once, herald fetch), those whose
 * last attempt failed last; returns how many (not the off, disabled).
 */
size_t		 sched_all_due(struct sched *);
/*
 * Of the enabled feeds (`name`: that one; NULL: all), how many wait for
 * their host's Retry-After, and until when at the latest (*until, wall
 * clock): herald fetch's answer does not count them as due now.
 */
size_t		 sched_waiting(struct sched *, const char *name, time_t *until);
/* One feed due now (herald fetch NAME); -1 unknown, off or disabled. */
int		 sched_fetch_now(struct sched *, const char *name,
		    char **errstr);
/* Stops starting fetches and cancels those in flight. */
void		 sched_stop(struct sched *);
/* Fetches in flight plus feeds waiting for a slot. */
size_t		 sched_busy(struct sched *);
/*
 * Callbacks run each time a fetch ends: --once leaves the loop, notify.c
 * updates STATUS=.  Each user adds and removes its own.
 */
void		 sched_add_idle_cb(struct sched *, void (*)(void *), void *);
void		 sched_remove_idle_cb(struct sched *, void (*)(void *), void *);
/* Called after a fetch's transaction committed new or changed items. */
void		 sched_set_commit_cb(struct sched *, void (*)(void *), void *);
void		 sched_free(struct sched *);

/* Feeds that failed their last attempt, and fetches done (for STATUS=). */
size_t		 sched_nerrors(struct sched *);
uint64_t	 sched_nfetches(struct sched *);
/* Fetches whose store failed (their feed stays as before; --once: exit 1). */
uint64_t	 sched_nstore_failures(struct sched *);
/* For the control socket and metrics: body bytes fetched since start, */
uint64_t	 sched_nbytes(struct sched *);
/* when the last fetch ended with nothing else in flight or waiting (0 none), */
time_t		 sched_last_cycle(struct sched *);
size_t		 sched_unfetched(struct sched *);
/*
 * the configured feeds, and each one's bytes: a heap array (free()) sorted
 * by name (strcmp), the names borrowed until the sched next changes.
 */
size_t		 sched_nfeeds(struct sched *);
struct sched_feed_bytes {
	const char	*name;
	uint64_t	 bytes;
};
size_t		 sched_feeds_bytes(struct sched *, struct sched_feed_bytes **);
/*
 * The feeds a host's Retry-After held back since their last fetch started
 * (under --once: not fetched): a heap array (free()) sorted by name, the
 * strings borrowed until the sched next changes.
 */
struct sched_held {
	const char	*name;
	const char	*host;
	time_t		 until;		/* the host's wait ends (wall clock) */
	long		 asked;		/* its Retry-After, seconds */
};
size_t		 sched_held(struct sched *, struct sched_held **);

/*
 * notify.c: the service manager's notify protocol (sd_notify(3)); nothing
 * is sent when $NOTIFY_SOCKET is not set.
 */
/* Starts WATCHDOG=1 every WATCHDOG_USEC/2 when it is meant for this pid. */
void		 notify_init(struct ev_loop *);
/* Sends one message ("STOPPING=1"); 1 sent, 0 no socket, -1 failed. */
int		 notify_send(const char *);
/*
 * STATUS= from the sched (feeds in error, fetches, when the last cycle
 * ended) every 30 s, and when a cycle ends (an idle callback of its own).
 */
void		 notify_status_start(struct sched *);
/*
 * READY=1 with a fresh STATUS=, at start and after a reload (RELOADING=1);
 * a refused reload's error (first line) stays in STATUS= until the next
 * reload is applied.
 */
void		 notify_ready(size_t nfeeds, const char *reload_error);
/* Stops the timers and lets go of the sched (before sched_free()). */
void		 notify_stop(void);
/*
 * Before READY=1, work that may outlast TimeoutStartSec (a schema
 * upgrade): EXTEND_TIMEOUT_USEC= of `seconds` from now, and STATUS=what.
 * Sent again before those seconds run out, it keeps the start alive.
 */
void		 notify_busy(const char *what, unsigned seconds);

/* plugin.c: loading plugins and the host table they call (herald/plugin.h). */
struct plugin_set;
struct plugin;

/* What the host applies per [plugin] section (conf.h's, copied). */
struct plugin_limits {
	unsigned	 rate_count;	/* deliveries per rate_period; 0 none */
	long long	 rate_period;
	long long	 batch;		/* seconds; 0 each alert alone */
	long long	 max_age;	/* seconds an alert may wait */
};

/* How a delivery ended (herald_outcome's values), for alert.c. */
typedef void	(*plugin_done_fn)(void *arg, int outcome, long retry_after,
		    const char *message);

/*
 * Loads and initialises every [plugin] of `conf`.  fr may be NULL
 * (heraldd -n: requests then fail).  On any error nothing stays loaded and
 * *errstr holds one "file:line: ..." line per problem.
 */
int		 plugin_set_load(struct ev_loop *, struct fetcher *,
		    const struct config *, struct plugin_set **, char **errstr);
/*
 * Finalises every instance now, and those of sets a reload retired (the
 * daemon exits): deliveries in flight are dropped, children killed.
 */
void		 plugin_set_free(struct plugin_set *);
/*
 * A reload replaced the set: no new deliveries; the set is freed once its
 * deliveries in flight end (each still reports to its caller), or after a
 * grace period that ends them as retries.
 */
void		 plugin_set_retire(struct plugin_set *);
size_t		 plugin_set_count(struct plugin_set *);
struct plugin	*plugin_set_at(struct plugin_set *, size_t);
struct plugin	*plugin_set_find(struct plugin_set *, const char *name);
/* Whether any instance wants on_item, and the call to each that does. */
int		 plugin_set_wants_items(struct plugin_set *);
void		 plugin_set_item(struct plugin_set *, const struct herald_item *);
/* The name and limits belong to the instance. */
const char	*plugin_name(struct plugin *);
const struct plugin_limits *plugin_limits(struct plugin *);
int		 plugin_takes_alerts(struct plugin *);
/*
 * Calls on_alert; done runs exactly once, always later from the loop:
 * with the plugin's outcome, or HERALD_RETRY when it gave none within
 * `deadline` seconds or its set was retired before it did.
 */
void		 plugin_deliver(struct plugin *, const struct herald_delivery *,
		    double deadline, plugin_done_fn, void *arg);
/* Whether it has on_digest (ABI 1.1), and the same call for a digest. */
int		 plugin_takes_digests(struct plugin *);
void		 plugin_deliver_digest(struct plugin *,
		    const struct herald_digest *, double deadline,
		    plugin_done_fn, void *arg);

/* alert.c: delivering the outbox through the plugins. */
struct alerter;

#define ALERT_BACKOFF_BASE	30.	/* seconds before the first retry */
#define ALERT_BACKOFF_MAX	3600.	/* doubling up to this */
#define ALERT_BACKOFF_MIN	1.	/* never sooner, whatever Retry-After */

/* At most `count` sends in any `period` seconds (count 0: no limit). */
struct ratelimit {
	unsigned	 count;
	double		 period;
	double		*ring;		/* the last `count` send times */
	unsigned	 head, n;
};

void		 ratelimit_init(struct ratelimit *, unsigned count, double period);
/* The earliest time (>= now) the next send is allowed. */
double		 ratelimit_next(const struct ratelimit *, double now);
void		 ratelimit_take(struct ratelimit *, double now);
void		 ratelimit_clear(struct ratelimit *);
/*
 * Seconds to wait after attempt number `attempts` failed: exponential from
 * ALERT_BACKOFF_BASE to ALERT_BACKOFF_MAX spread by rnd (0 <= rnd < 1), or
 * retry_after (> 0) plus up to 10%; always within [ALERT_BACKOFF_MIN,
 * max_age] (max_age 0: no upper bound but the exponential's).
 */
double		 alert_backoff(int attempts, long retry_after, double rnd,
		    double max_age);

struct alerter	*alert_new(struct ev_loop *, struct store *, struct plugin_set *);
/* A new plugin set (SIGHUP); the old one is the caller's to retire. */
void		 alert_set_plugins(struct alerter *, struct plugin_set *);
/* Something was committed: look for due deliveries and new items soon. */
void		 alert_kick(struct alerter *);
/* Deliveries in flight (for --once: wait for them). */
size_t		 alert_busy(struct alerter *);
/*
 * Sends what waits in an open batching window now, and from then on does
 * not batch (--once, once every fetch is done: it never comes back).
 */
void		 alert_flush(struct alerter *);
void		 alert_add_idle_cb(struct alerter *, void (*)(void *), void *);
/*
 * Calls fn for each plugin whose rate-limit holds its next delivery back
 * at `now`, with the time the limit lets it go (herald alerts shows it,
 * not "due").
 */
void		 alert_rate_limited(struct alerter *, double now,
		    void (*fn)(const char *plugin, double until, void *),
		    void *arg);
void		 alert_free(struct alerter *);

/*
 * digests.c: the [digest] sections: a timer per section for its next slot,
 * the digest of the period since its watermark queued in the outbox when
 * the slot comes (or at start, when one passed while heraldd was down).
 */
struct digests;

struct digests	*digests_new(struct ev_loop *, struct store *, struct alerter *);
/*
 * Applies a configuration: a timer for each [digest] with plugins (the
 * others are for herald digest --name); a slot passed since the last
 * digest is queued now.  -1 with *errstr when a time zone cannot load.
 */
int		 digests_apply(struct digests *, const struct config *,
		    char **errstr);
/*
 * herald digest --send NAME: queues the period since the last digest,
 * until now, at once.  *summary (heap) says what was queued.
 */
int		 digests_send_now(struct digests *, const char *name,
		    char **summary, char **errstr);
void		 digests_free(struct digests *);

/* What a plugin's on_digest() gets for a queued digest (its payload). */
struct digest_view;

struct digest_view *digest_view_new(const struct store_digest_send *,
		    unsigned attempt, char **errstr);
const struct herald_digest *digest_view_get(const struct digest_view *);
void		 digest_view_free(struct digest_view *);

/*
 * control.c: the control socket (herald status, fetch, reload, metrics) and
 * the metrics file.  One line in, one answer out, then the connection is
 * closed; everything runs on the loop and never blocks.
 */
struct control;

/*
 * Applies the configuration file again (SIGHUP): 0, or -1 with *errstr.
 * On 0, *note (heap, NULL none) says what was not applied, such as the
 * keys that take a restart.
 */
typedef int	(*control_reload_fn)(void *arg, char **note, char **errstr);

struct control	*control_new(struct ev_loop *, struct store *, struct sched *,
		    control_reload_fn, void *arg);
/* Where "digest NAME" goes (herald digest --send NAME). */
void		 control_set_digests(struct control *, struct digests *);
/* Whose rate limits "status" reports. */
void		 control_set_alerter(struct control *, struct alerter *);
/*
 * Listens on `configured` ([herald] control-socket) when not NULL, else on
 * $RUNTIME_DIRECTORY/heraldd.sock, else on /run/herald/heraldd.sock when
 * /run/herald is a writable directory, mode 0660.  No place, or a live
 * daemon already on the socket: logged once, no socket, and 0 all the
 * same.  -1 (logged) when it could not be made.
 */
int		 control_listen(struct control *, const char *configured);
/* The socket's path, or NULL when there is none. */
const char	*control_path(struct control *);
/*
 * Writes the metrics to `path` (tmp file + rename) now and every minute;
 * NULL stops.  A reload calls it again with the new configuration's key.
 */
void		 control_metrics_file(struct control *, const char *path);
/* The Prometheus text exposition (heap). */
char		*control_metrics(struct control *);
/* Closes the connections and removes the socket. */
void		 control_free(struct control *);

#endif
