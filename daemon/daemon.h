/*
 * daemon.h: the private interfaces of heraldd's files, one block per file.
 */
#ifndef HERALD_DAEMON_H
#define HERALD_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "conf.h"
#include "fetch.h"
#include "store.h"

/* ingest.c: one fetched document, from bytes to store_items. */
struct ingest;

struct ingest_stats {
	int	 items;		/* entries the parser completed */
	int	 n_new;
	int	 n_updated;
	int	 truncated;	/* entries past max-items were dropped */
};

struct ingest	*ingest_new(const char *url, size_t max_items, int64_t now);
/* Feeds bytes; -1 once the document was rejected (ingest_error() says why). */
int		 ingest_data(struct ingest *, const char *content_type,
		    const char *data, size_t len);
/* Ends the document: 0 a feed, -1 rejected or not a feed. */
int		 ingest_finish(struct ingest *);
const char	*ingest_error(struct ingest *);
/* "parse" or "notfeed", for a rejected document. */
const char	*ingest_error_class(struct ingest *);
/* The feed's own title and link, and scheduling hints (seconds, -1 none). */
const char	*ingest_title(struct ingest *);
const char	*ingest_site_link(struct ingest *);
long		 ingest_ttl(struct ingest *);
/* skipHours/skipDays: bitmasks of UTC hours (bit 0..23) and days (bit 0 = Sunday). */
uint32_t	 ingest_skip_hours(struct ingest *);
uint32_t	 ingest_skip_days(struct ingest *);
/* Upserts every collected item inside the caller's transaction. */
int		 ingest_store(struct ingest *, struct store *, int64_t feed_id,
		    struct ingest_stats *, char **errstr);
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
/* Every enabled feed due now (SIGUSR1, --once). */
void		 sched_all_due(struct sched *);
/* Stops starting fetches and cancels those in flight. */
void		 sched_stop(struct sched *);
/* Fetches in flight plus feeds waiting for a slot. */
size_t		 sched_busy(struct sched *);
/* Called each time a fetch ends (--once uses it to leave the loop). */
void		 sched_set_idle_cb(struct sched *, void (*)(void *), void *);
void		 sched_free(struct sched *);

/* Feeds that failed their last attempt, and fetches done (for STATUS=). */
size_t		 sched_nerrors(struct sched *);
uint64_t	 sched_nfetches(struct sched *);

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
 * ended) every 30 s.  Takes the sched's idle callback: not with --once.
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

#endif
