/*
 * cli.h: the command table of `herald`.  Each command lives in its own
 * cmd-*.c file and exports one `const struct cmd_entry`.
 * depends on: store.h, conf.h, parse.h, text.h, date.h, log.h, util.h,
 * jansson; used by: the files of cli/ only.
 */
#ifndef HERALD_CLI_H
#define HERALD_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct cmd_entry {
	const char	*name;
	const char	*usage;		/* arguments, after "herald NAME" */
	const char	*summary;	/* one line for `herald --help` */
	int		(*exec)(int argc, char **argv);
};

/* Exit codes shared by every command. */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* the command ran and failed (not a feed, ...) */
#define EXIT_USAGE	2	/* bad arguments */

extern const struct cmd_entry cmd_parse_entry;
extern const struct cmd_entry cmd_feeds_entry;
extern const struct cmd_entry cmd_digest_entry;
extern const struct cmd_entry cmd_search_entry;
extern const struct cmd_entry cmd_alerts_entry;
extern const struct cmd_entry cmd_topics_entry;
/* cmd-status.c: heraldd's control socket. */
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_fetch_entry;
extern const struct cmd_entry cmd_reload_entry;
extern const struct cmd_entry cmd_metrics_entry;

void	cmd_usage(const struct cmd_entry *);

/* cli-util.c: what the commands that read the database share. */
struct store;
struct store_entry;

#ifndef SYSCONFDIR
#define SYSCONFDIR		"/etc"
#endif
/* The defaults of heraldd and config.c. */
#define CLI_DEFAULT_CONFIG	SYSCONFDIR "/herald/herald.conf"
#define CLI_DEFAULT_DATABASE	"/var/lib/herald/herald.db"

/*
 * The database to read: `db` (-d), else the `database` of the config file
 * `conffile` (-c; NULL: CLI_DEFAULT_CONFIG, if it exists), else the
 * default.  Returns a heap path, or NULL with *errstr (heap).
 */
char	*cli_db_path(const char *db, const char *conffile, char **errstr);
/* Opens it read-only; on failure says why on stderr and returns NULL. */
struct store *cli_store_open(const char *cmd, const char *db,
	    const char *conffile);

/* --since DURATION and --limit N; on error say why on stderr, return -1. */
int	 cli_parse_since(const char *cmd, const char *arg, int64_t now,
	    int64_t *since);
int	 cli_parse_limit(const char *cmd, const char *arg, size_t *limit);

/* "3m ago", "in 12m", "now". */
void	 cli_time_relative(int64_t t, int64_t now, char *buf, size_t len);
/* "2026-11-28 16:30 CET", local time. */
void	 cli_time_local(int64_t t, char *buf, size_t len);
/* JSON values: RFC 3339 UTC or null for 0; a string or null for NULL. */
json_t	*cli_json_time(int64_t t);
json_t	*cli_json_str(const char *s);
/* An article as digest and search print it (no snippet or rank). */
json_t	*cli_json_entry(const struct store_entry *);
/* Prints a JSON document and a newline on stdout; 0 or -1. */
int	 cli_json_print(json_t *);

/*
 * cmd-topics.c: herald digest --topic: each topic's matches first seen
 * since `since` (at most `limit` each, 0: all), grouped by topic with the
 * terms that matched.  Returns an exit code.
 */
int	 cli_topic_digest(struct store *, const char *const *topics,
	    size_t ntopics, int64_t since, size_t limit, int json);

/* Columns of the terminal: $COLUMNS, else TIOCGWINSZ on stdout, else 80. */
size_t	 cli_term_width(void);

/* Highlight marks that cli_clean() keeps, and bold on a terminal. */
#define CLI_MARK_OPEN	0x02
#define CLI_MARK_CLOSE	0x03
#define CLI_BOLD_ON	"\033[1m"
#define CLI_BOLD_OFF	"\033[0m"

/*
 * A heap copy of s on one line for a terminal: invalid UTF-8 repaired,
 * control characters (and the marks, unless keep_marks) turned to spaces,
 * bidi controls (U+202E and its kind) dropped, white space folded.  s may
 * be NULL.
 */
char	*cli_clean(const char *s, int keep_marks);
/* Display columns of s (wide characters count two, our escapes none). */
size_t	 cli_width(const char *s);
/*
 * A heap copy of s cut to at most `width` columns on a character boundary,
 * ending in "…" when cut (bold is closed if the cut was inside it).
 */
char	*cli_fit(const char *s, size_t width);

/*
 * A table that shrinks until it fits the terminal: the columns of the
 * lowest `order` first, the widest of them first, none below its `min`.
 * When even that is too wide, optional columns are left out.
 */
struct cli_column {
	const char	*name;		/* the header */
	size_t		 min;		/* never narrower than this */
	int		 order;		/* which columns give way first */
	int		 right;		/* right-aligned (numbers) */
	int		 optional;	/* left out rather than overflow */
};
struct cli_table;

struct cli_table *cli_table_new(const struct cli_column *, size_t ncols);
/* Adds a row of ncols strings (copied and cleaned; NULL is empty). */
void	 cli_table_add(struct cli_table *, const char *const *row);
void	 cli_table_print(struct cli_table *, FILE *, size_t width);
void	 cli_table_free(struct cli_table *);

#endif
