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

/*
 * The command table, in the manner of tmux's cmd_entry and its args
 * template.  herald.c parses the options every command shares (-c, -d,
 * -s, --json, -h) and each command's own ones from its entry, checks the
 * number of operands, prints --help from the entry, and turns what the
 * command returns into the exit status.  A command keeps only its own
 * options and what it does with them.
 */

/* An option of a command's own. */
struct cmd_option {
	const char	*name;		/* the long name, without "--" */
	int		 key;		/* what cmd_args_get() looks for (< 256) */
	char		 short_name;	/* also taken as -x; 0: none */
	const char	*arg;		/* the argument's name; NULL: none */
	const char	*help;		/* for --help; '\n' between lines */
	/*
	 * In the usage line: NULL for "[--name ARG]", else this text ("" for
	 * an option shown inside another's).
	 */
	const char	*synopsis;
};

/* The shared options a command takes (cmd_entry.flags). */
#define CMD_JSON	0x01	/* --json */
#define CMD_DATABASE	0x02	/* -d DB; -c FILE names the database */
#define CMD_CONFIG	0x04	/* -c FILE: the configuration it reads */
#define CMD_SOCKET	0x08	/* -s SOCKET; -c FILE names the socket */

/* One own option as given, in the order given. */
struct cmd_arg {
	int		 key;
	char		*value;		/* in argv; NULL for none */
};

/* What herald.c hands a command. */
struct cmd_args {
	const char	*config;	/* -c FILE; NULL: the default */
	const char	*db;		/* -d DB; NULL: from the configuration */
	const char	*socket;	/* -s SOCKET; NULL: the default */
	int		 json;		/* --json */
	struct cmd_arg	*opts;		/* its own options */
	size_t		 nopts;
	int		 argc;		/* the operands */
	char		**argv;
};

/* How often own option `key` was given. */
size_t		 cmd_args_has(const struct cmd_args *, int key);
/* The value it was last given, or NULL. */
char		*cmd_args_get(const struct cmd_args *, int key);

struct cmd_entry {
	const char	*name;		/* "topics test": a command's subcommand */
	const char	*operands;	/* in the usage line, after the options */
	int		 lower;		/* operands: at least */
	int		 upper;		/* ... at most; -1: any number */
	unsigned	 flags;		/* CMD_*: the shared options it takes */
	const struct cmd_option *options; /* its own; a NULL name ends them */
	const char	*summary;	/* one line for `herald --help` */
	const char	*about;		/* what --help says it does */
	const char	*json_help;	/* --json's line, if not the usual */
	void		(*notes)(FILE *); /* more --help text, or NULL */
	const char	*exit_status;	/* after "Exit status: " */
	/* an exit status, or CMD_USAGE: usage on stderr, exit EXIT_USAGE */
	int		(*exec)(const struct cmd_args *);
};

/* Exit codes shared by every command. */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* the command ran and failed (not a feed, ...) */
#define EXIT_USAGE	2	/* bad arguments */
#define CMD_USAGE	(-1)	/* exec: bad arguments, show the usage */

/* A number in a help text: CMD_STR(SEARCH_LIMIT) is "20". */
#define CMD_STR(x)	CMD_STR_(x)
#define CMD_STR_(x)	#x

extern const struct cmd_entry cmd_parse_entry;
extern const struct cmd_entry cmd_feeds_entry;
extern const struct cmd_entry cmd_digest_entry;
extern const struct cmd_entry cmd_search_entry;
extern const struct cmd_entry cmd_stories_entry;
extern const struct cmd_entry cmd_alerts_entry;
extern const struct cmd_entry cmd_topics_entry;
extern const struct cmd_entry cmd_topics_test_entry;
/* cmd-status.c: heraldd's control socket. */
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_fetch_entry;
extern const struct cmd_entry cmd_reload_entry;
extern const struct cmd_entry cmd_metrics_entry;

/* cli-util.c: what the commands that read the database share. */
struct store;
struct store_entry;

#ifndef SYSCONFDIR
#define SYSCONFDIR		"/etc"
#endif
/* The defaults of heraldd and config.c. */
#define CLI_DEFAULT_CONFIG	SYSCONFDIR "/herald/herald.conf"
#define CLI_DEFAULT_DATABASE	"/var/lib/herald/herald.db"
/* heraldd's control socket: in $RUNTIME_DIRECTORY, else the unit's. */
#define CLI_SOCKET_NAME		"heraldd.sock"
#define CLI_DEFAULT_SOCKET	"/run/herald/" CLI_SOCKET_NAME

/*
 * The configuration named by -c (`conffile`), else CLI_DEFAULT_CONFIG;
 * NULL (and nothing said) when none was named, the default does not
 * exist and the command does not require one.  NULL and *failed set when
 * it could not be read, said on stderr ("herald CMD: cannot read the
 * configuration FILE:" and each error): the command then fails.
 */
struct config;
struct config *cli_config_read(const char *cmd, const char *conffile,
	    int required, int *failed);

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
/* A count for option `opt` ("--min-size"): a number, 0 or more. */
int	 cli_parse_count(const char *cmd, const char *opt, const char *arg,
	    size_t *count);

/*
 * --topic NAME, repeated or NAME,NAME (own option `key`): the names, which
 * point into argv (cut at the commas); *n of them, NULL when none.  The
 * array is the caller's to free.
 */
const char **cli_topics_arg(const struct cmd_args *, int key, size_t *n);
/*
 * 0 when each name is a topic of `conf` (NULL: none read) or one that
 * matched before (in the store); else says on stderr which is not and
 * which there are, and returns -1.
 */
int	 cli_topics_check(const char *cmd, const char *const *names, size_t n,
	    const struct config *conf, struct store *);

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
 * cmd-status.c: sends one request line to heraldd's control socket (sock:
 * -s, else the configuration's, else the default) and prints its answer,
 * "ok: ..." on stdout and "error: ..." on stderr.  Returns an exit code.
 */
int	 cli_ctl_simple(const char *cmd, const char *sock, const char *conffile,
	    const char *req);
/*
 * heraldd's "status" answer (the caller's to json_decref()), or NULL,
 * saying nothing, when no daemon answers there.
 */
json_t	*cli_ctl_status(const char *sock, const char *conffile);

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
 * As cli_fit(), cut from the middle for a URL: its start (the host) and
 * its end (the last path segments, whole where they fit in two thirds)
 * kept, so that two feeds of one host still read apart.
 */
char	*cli_fit_middle(const char *s, size_t width);

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
	int		 middle;	/* cut from the middle (URLs) */
};
struct cli_table;

struct cli_table *cli_table_new(const struct cli_column *, size_t ncols);
/* Adds a row of ncols strings (copied and cleaned; NULL is empty). */
void	 cli_table_add(struct cli_table *, const char *const *row);
void	 cli_table_print(struct cli_table *, FILE *, size_t width);
void	 cli_table_free(struct cli_table *);

#endif
