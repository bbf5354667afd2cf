/*
 * topic.h: [topic] sections on their way to the store's matcher: every
 * rule checked when the configuration is read (heraldd -n, start, SIGHUP),
 * then compiled with the feeds it is restricted to and the plugins that
 * receive it.
 * depends on: conf.h, store.h, util.h; used by: heraldd.c, sched.c.
 */
#ifndef HERALD_TOPIC_H
#define HERALD_TOPIC_H

#include <stdint.h>

#include "conf.h"
#include "store.h"

/*
 * Checks every topic's match and exclude query.  Returns 0, or -1 with
 * *errstr (caller frees) holding one line per bad rule, each ending in
 * '\n': "file:line: match: what is wrong (topic NAME)".
 */
int	 topic_check_config(const struct config *, char **errstr);

/* 1 when plugin `p` receives topic `name` (its topics list, or all). */
int	 topic_plugin_wants(const struct config_plugin *p, const char *name);

/*
 * Compiles the configuration's topics on store `st` (outside a
 * transaction).  feed_id() maps a configured feed name to its store id
 * (0: unknown, left out of the restriction).  A config without topics
 * gives NULL and no error; otherwise NULL means *errstr says why.
 */
struct store_topics *topic_compile(struct store *st, const struct config *,
	    int64_t (*feed_id)(void *, const char *), void *arg,
	    char **errstr);

#endif
