/*
 * conf.h: herald's configuration (herald.conf(5)), read with inih into one
 * struct config that the daemon swaps in whole on SIGHUP.  The module is
 * config.c; its header cannot be called config.h, which is autoconf's and
 * would be shadowed for every file in lib/.
 * depends on: util.h, url.h, opml.h, inih, libxml2's hash; used by:
 * daemon/ (heraldd.c, sched.c, topic.c, plugin.c ...), cli/ (cli-util.c,
 * cmd-topics.c).
 */
#ifndef HERALD_CONF_H
#define HERALD_CONF_H

#include <stddef.h>

#include "slot.h"

struct tz;

/*
 * Ownership: a struct config owns every string and array it points to, and
 * config_free() releases all of it at once.  The `file` members point into
 * config->files and live as long as the config.  Durations are in seconds,
 * sizes in bytes.  Relative paths have been made relative to the file that
 * named them.  Every list keeps the order of the files.
 */

struct config_feed {
	char		*name;		/* unique; letters, digits, . _ - */
	char		*url;		/* http, https or file */
	char		*title;		/* NULL if not set */
	long long	 interval;	/* the [herald] interval unless set */
	int		 enabled;
	const char	*file;		/* the config or OPML file */
	int		 line;
};

struct config_topic {
	char		*name;
	char		*match;		/* FTS5 query text, not yet compiled */
	char		*exclude;	/* NULL if not set */
	char		**feeds;	/* feed names that exist; none: all */
	size_t		 nfeeds;
	const char	*file;
	int		 line;		/* of the [topic] header */
	int		 match_line;
	int		 exclude_line;	/* 0 if not set */
	int		 breaking_outlets; /* breaking = N/DURATION: N; 0 none */
	long long	 breaking_within; /* ... DURATION */
};

/* A key of a [plugin] section that the host does not know: the plugin's. */
struct config_option {
	char		*key;
	char		*value;
	const char	*file;
	int		 line;
};

struct config_plugin {
	char		*name;
	char		*path;		/* the .so to load */
	char		**topics;	/* topic names that exist */
	size_t		 ntopics;
	int		 all_topics;	/* no topics key: every topic */
	int		 alerts;	/* 0: digests only (alerts = no) */
	unsigned	 rate_count;	/* at most rate_count deliveries ... */
	long long	 rate_period;	/* ... per rate_period; 0: no limit */
	long long	 batch;		/* batching window; 0: none */
	long long	 max_age;	/* give up on an alert after this */
	struct config_option *options;	/* in file order */
	size_t		 noptions;
	const char	*file;
	int		 line;
};

/*
 * A [digest "name"] section: which topics and feeds, when (in `timezone`,
 * across daylight saving time; slot.h), how many stories per topic, and
 * which plugins deliver it.  No plugins: only `herald digest --name`
 * shows it.
 */
struct config_digest {
	char		*name;
	char		**topics;	/* topic names that exist; none: all */
	size_t		 ntopics;
	char		**feeds;	/* feed names that exist; none: all */
	size_t		 nfeeds;
	char		**plugins;	/* plugin names that exist */
	size_t		 nplugins;
	int		 at[SLOT_MAX_AT]; /* minutes after midnight, ascending */
	size_t		 nat;		/* 0 only while loading */
	int		 at_bad;	/* while loading: an at key was wrong */
	unsigned	 days;		/* bit 0 Sunday .. bit 6 Saturday */
	char		*timezone;	/* NULL: the system's (/etc/localtime) */
	int		 timezone_line;	/* 0 if not set */
	struct tz	*tz;		/* loaded from it; owned */
	int		 max_stories;	/* per topic */
	const char	*file;
	int		 line;
};

struct config {
	char		*database;
	long long	 interval;
	long long	 timeout_connect;
	long long	 timeout_total;
	size_t		 max_size;
	char		*user_agent;
	int		 max_parallel;
	int		 per_host;
	long long	 retention;	/* 0: keep forever */
	int		 max_items;
	char		*plugin_dir;
	char		*metrics_file;	/* Prometheus textfile; NULL none */
	char		*control_socket; /* NULL: $RUNTIME_DIRECTORY's */
	int		 alert_per_article; /* alert-per = article (0: story) */
	long long	 story_window;	/* stories: candidates this close */
	long long	 story_open;	/* a story takes articles this long */

	struct config_feed	*feeds;
	size_t			 nfeeds;
	struct config_topic	*topics;
	size_t			 ntopics;
	struct config_plugin	*plugins;
	size_t			 nplugins;
	struct config_digest	*digests;
	size_t			 ndigests;

	char		**files;	/* every file read: config, includes, OPML */
	size_t		 nfiles;
};

/*
 * Reads the configuration file at `path` and the files it includes.  On
 * success returns 0 and stores a new config in *out (caller frees with
 * config_free).  On failure returns -1, stores nothing in *out, and sets
 * *errstr (caller frees) to every error found, one per line, each ending
 * in '\n': "file:line: key: what is wrong".
 */
int	config_load(const char *path, struct config **out, char **errstr);
/*
 * As config_load(), but on errors (-1) *out still holds what was read,
 * or NULL: heraldd -n checks its topics' rules too, so that one run
 * reports them beside the other errors.
 */
int	config_load_all(const char *path, struct config **out, char **errstr);
void	config_free(struct config *);

/* Lookups by name; NULL if there is none.  The result belongs to conf. */
const struct config_feed  *config_feed_find(const struct config *, const char *);
const struct config_topic *config_topic_find(const struct config *, const char *);
const struct config_digest *config_digest_find(const struct config *,
	    const char *);

/*
 * The value syntax of herald.conf, for the CLI too (--since 30d).
 * Durations: plain seconds, or number-unit pairs with units s m h d w
 * ("90", "30s", "15m", "1h30m", "7d", "2w").  Sizes: plain bytes, or a
 * number with K, M, G or T (powers of 1024, any case, optional "B" or
 * "iB": "512K", "16M", "1GiB").  Both return 0, or -1 with *errstr (caller
 * frees) saying what is wrong.
 */
int	config_parse_duration(const char *, long long *, char **errstr);
int	config_parse_size(const char *, size_t *, char **errstr);

#endif
