/*
 * config.c: herald.conf(5), read with inih into a struct config (conf.h).
 * Errors are counted, not fatal at the first: config_load() returns them
 * all, one per line, "file:line: key: what is wrong".
 *
 * inih is driven through ini_parse_stream() with a reader of our own.  The
 * reader counts lines, so the handler knows where it is (Debian's inih does
 * not pass line numbers), and hands inih one canonical line per physical
 * line, because Debian's build (r55) has quirks a config must not inherit:
 *
 *  - lines are read into a 200-byte buffer and a longer line would come
 *    back in pieces, each parsed as a line of its own.  The reader gives
 *    inih a marker instead of a long value and keeps the value aside.
 *  - section names are cut at 49 bytes, and so are key names on
 *    continuation lines.  The reader parses section headers itself.
 *  - an inline comment is ';' after white space, on key lines but not on
 *    continuation lines, and even inside quotes.  The reader strips
 *    comments itself ('#' or ';' after white space, outside double
 *    quotes), the same way on every line and for every build of inih.
 *  - only the first malformed line is reported.  The reader reports each
 *    one and hands inih an empty line instead.
 *
 * A value may go on over the following lines that start with white space
 * (inih's continuation lines); the pieces are joined with one space.  A
 * value's errors name the line of its key.  The entry a key starts is
 * applied when the next key or section begins, or at the end of the file.
 * So an indented key after another key is part of that key's value, as in
 * inih and Python's configparser: keys are not indented.
 *
 * The rules a user sees (for herald.conf(5)):
 *  - keys are "key = value" ('=' only); names of feeds, topics and plugins
 *    are letters, digits, '.', '_' and '-', so lists split on white space.
 *  - a repeated key: the last one wins, so a value set by an include can
 *    be set again after it.  include and opml add up instead.  A repeated
 *    [feed], [topic] or [plugin] name is an error; [herald] and [feeds]
 *    may appear any number of times.
 *  - a value wholly inside double quotes loses them, except match and
 *    exclude, which are FTS5 queries kept as written.
 *  - relative paths: include and opml from the directory of the file
 *    that names them; database, plugin-dir and a plugin path with a '/'
 *    are made absolute the same way.  A plugin path without '/' is a file
 *    in plugin-dir (".so" added if missing).
 *  - a [plugin] without topics gets every topic; retention = 0 keeps
 *    articles forever; batch = 0 sends each alert alone.
 *  - OPML feeds are added after the whole config is read: a feed whose
 *    URL is configured already is skipped, a name in use gets "-2", "-3".
 */
#include "config.h"

#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>
#include <libxml/hash.h>
#include <libxml/xmlstring.h>

#include "conf.h"
#include "opml.h"
#include "slot.h"
#include "tz.h"
#include "url.h"
#include "util.h"

#ifdef PLUGINDIR
#define DEFAULT_PLUGIN_DIR	PLUGINDIR
#else
#define DEFAULT_PLUGIN_DIR	"/usr/lib/herald/plugins"
#endif
#define DEFAULT_DATABASE	"/var/lib/herald/herald.db"
#define DEFAULT_USER_AGENT	"herald/" PACKAGE_VERSION " (+" PACKAGE_URL ")"

#define CONF_FILE_MAX	(1024 * 1024)		/* one config file */
#define OPML_FILE_MAX	(16 * 1024 * 1024)	/* one OPML file */
#define INCLUDE_DEPTH	8	/* files open at once, the first included */
#define ERRORS_SHOWN	100	/* all are counted */
#define NAME_LEN	64	/* feed, topic and plugin names */
#define BREAKING_OUTLETS_MAX 1000	/* breaking = N/DURATION: N at most */
#define SLUG_LEN	48	/* names made from OPML titles */
#define KEY_LEN		64

#define MINUTE		60LL
#define HOUR		(60 * MINUTE)
#define DAY		(24 * HOUR)
#define WEEK		(7 * DAY)
#define DURATION_MAX	(100 * 366 * DAY)

/*
 * Bytes the reader puts into the lines it hands inih.  Valid input has none
 * (control characters are refused), so they cannot be confused with it.
 */
#define MARK_LONG	"\x1d"	/* the value is in parse->stash */
#define MARK_SEMI	'\x1e'	/* a ';' inside quotes */
#define MARK_HASH	'\x1f'	/* a '#' inside quotes */

enum sect {
	S_NONE,			/* before the first section */
	S_BAD,			/* a header with errors: its keys are skipped */
	S_HERALD,
	S_FEED,
	S_FEEDS,
	S_TOPIC,
	S_PLUGIN,
	S_DIGEST,
};

enum vtype {
	V_STR,			/* char *, quotes around it removed */
	V_PATH,			/* char *, relative to the file's directory */
	V_PLUGINPATH,		/* char *, a bare name is in plugin-dir */
	V_DURATION,		/* long long */
	V_SIZE,			/* size_t */
	V_INT,			/* int */
	V_BOOL,			/* int */
	V_URL,			/* char * */
	V_QUERY,		/* char *, kept as written; aux: its line (int) */
	V_NAMES,		/* char **; aux: the count (size_t) */
	V_RATE,			/* unsigned "N/DURATION"; aux: the period */
	V_BREAKING,		/* int "N/DURATION", N >= 2; aux: the period */
	V_ALERTPER,		/* int: 0 story, 1 article */
	V_INCLUDE,
	V_OPML,
	V_AT,			/* int[SLOT_MAX_AT]; aux: the count (size_t) */
	V_DAYS,			/* unsigned weekday mask */
};

struct keydef {
	const char	*name;
	enum vtype	 type;
	size_t		 off;		/* in the section's struct */
	long long	 min;		/* numbers: the range allowed */
	long long	 max;
	int		 zero_ok;	/* 0 is allowed below min */
	size_t		 aux;
};

#define NOAUX		((size_t)-1)
#define CF(f)		offsetof(struct config, f)
#define FF(f)		offsetof(struct config_feed, f)
#define TF(f)		offsetof(struct config_topic, f)
#define PF(f)		offsetof(struct config_plugin, f)
#define DF(f)		offsetof(struct config_digest, f)

static const struct keydef herald_keys[] = {
	{ "database", V_PATH, CF(database), 0, 0, 0, NOAUX },
	{ "interval", V_DURATION, CF(interval), MINUTE, DURATION_MAX, 0, NOAUX },
	{ "timeout-connect", V_DURATION, CF(timeout_connect), 1, HOUR, 0,
	    NOAUX },
	{ "timeout-total", V_DURATION, CF(timeout_total), 1, DAY, 0, NOAUX },
	{ "max-size", V_SIZE, CF(max_size), 1024, LLONG_MAX, 0, NOAUX },
	{ "user-agent", V_STR, CF(user_agent), 0, 0, 0, NOAUX },
	{ "max-parallel", V_INT, CF(max_parallel), 1, 4096, 0, NOAUX },
	{ "per-host", V_INT, CF(per_host), 1, 1024, 0, NOAUX },
	{ "retention", V_DURATION, CF(retention), DAY, DURATION_MAX, 1,
	    NOAUX },
	{ "max-items", V_INT, CF(max_items), 1, 1000000, 0, NOAUX },
	{ "plugin-dir", V_PATH, CF(plugin_dir), 0, 0, 0, NOAUX },
	{ "metrics-file", V_PATH, CF(metrics_file), 0, 0, 0, NOAUX },
	{ "control-socket", V_PATH, CF(control_socket), 0, 0, 0, NOAUX },
	{ "alert-per", V_ALERTPER, CF(alert_per_article), 0, 0, 0, NOAUX },
	{ "story-window", V_DURATION, CF(story_window), HOUR, 30 * DAY, 0,
	    NOAUX },
	{ "story-open", V_DURATION, CF(story_open), HOUR, 365 * DAY, 0,
	    NOAUX },
	{ "include", V_INCLUDE, 0, 0, 0, 0, NOAUX },
	{ NULL, 0, 0, 0, 0, 0, 0 }
};

static const struct keydef feed_keys[] = {
	{ "url", V_URL, FF(url), 0, 0, 0, NOAUX },
	{ "interval", V_DURATION, FF(interval), MINUTE, DURATION_MAX, 0,
	    NOAUX },
	{ "title", V_STR, FF(title), 0, 0, 0, NOAUX },
	{ "enabled", V_BOOL, FF(enabled), 0, 0, 0, NOAUX },
	{ NULL, 0, 0, 0, 0, 0, 0 }
};

static const struct keydef feeds_keys[] = {
	{ "opml", V_OPML, 0, 0, 0, 0, NOAUX },
	{ NULL, 0, 0, 0, 0, 0, 0 }
};

static const struct keydef topic_keys[] = {
	{ "match", V_QUERY, TF(match), 0, 0, 0, TF(match_line) },
	{ "exclude", V_QUERY, TF(exclude), 0, 0, 0, TF(exclude_line) },
	{ "feeds", V_NAMES, TF(feeds), 0, 0, 0, TF(nfeeds) },
	{ "breaking", V_BREAKING, TF(breaking_outlets), MINUTE, 30 * DAY, 0,
	    TF(breaking_within) },
	{ NULL, 0, 0, 0, 0, 0, 0 }
};

static const struct keydef plugin_keys[] = {
	{ "path", V_PLUGINPATH, PF(path), 0, 0, 0, NOAUX },
	{ "topics", V_NAMES, PF(topics), 0, 0, 0, PF(ntopics) },
	{ "rate-limit", V_RATE, PF(rate_count), 1, DAY, 0, PF(rate_period) },
	{ "batch", V_DURATION, PF(batch), 1, DAY, 1, NOAUX },
	{ "max-age", V_DURATION, PF(max_age), MINUTE, 30 * DAY, 0, NOAUX },
	{ "alerts", V_BOOL, PF(alerts), 0, 0, 0, NOAUX },
	{ NULL, 0, 0, 0, 0, 0, 0 }
};

static const struct keydef digest_keys[] = {
	{ "topics", V_NAMES, DF(topics), 0, 0, 0, DF(ntopics) },
	{ "feeds", V_NAMES, DF(feeds), 0, 0, 0, DF(nfeeds) },
	{ "plugins", V_NAMES, DF(plugins), 0, 0, 0, DF(nplugins) },
	{ "at", V_AT, DF(at), 0, 0, 0, DF(nat) },
	{ "days", V_DAYS, DF(days), 0, 0, 0, NOAUX },
	{ "timezone", V_STR, DF(timezone), 0, 0, 0, DF(timezone_line) },
	{ "max-stories", V_INT, DF(max_stories), 1, 1000, 0, NOAUX },
	{ NULL, 0, 0, 0, 0, 0, 0 }
};

/* What a name in a list refers to: the list's key says ("topics"...). */
enum ref_kind {
	REF_FEED,
	REF_TOPIC,
	REF_PLUGIN,
};

/* A name a section refers to, checked once everything is read. */
struct ref {
	char		*name;
	enum ref_kind	 kind;
	const char	*file;
	int		 line;
};

struct opmlref {
	char		*path;
	const char	*file;
	int		 line;
};

/* What one config_load() call carries across files. */
struct load {
	struct config	*conf;
	struct buf	 errs;
	int		 nerrs;
	char		*stack[INCLUDE_DEPTH + 1]; /* real paths being read */
	const char	*shown[INCLUDE_DEPTH + 1]; /* and their names */
	xmlHashTablePtr	 feedtab;	/* name -> index + 1 */
	xmlHashTablePtr	 topictab;
	xmlHashTablePtr	 plugintab;
	xmlHashTablePtr	 digesttab;
	xmlHashTablePtr	 urltab;	/* feed URLs, for OPML imports */
	struct ref	*refs;
	size_t		 nrefs;
	struct opmlref	*opml;
	size_t		 nopml;
};

/* The state of one file while inih reads it. */
struct parse {
	struct load	*ld;
	const char	*file;		/* as named; owned by conf->files */
	char		*dir;		/* its directory as named, for includes */
	char		*absdir;	/* and absolute, for stored paths */
	int		 depth;
	char		*data;
	size_t		 len;
	size_t		 off;
	int		 lineno;
	enum { L_OTHER, L_KEY, L_CONT } kind;	/* of the line inih has */
	int		 prev_key;	/* inih would continue a key */
	struct buf	 stash;		/* a value too long for inih */
	enum sect	 sect;
	size_t		 idx;		/* of the feed, topic or plugin */
	char		 secttext[NAME_LEN + 16];	/* for messages */
	int		 pending;	/* an entry is being read */
	char		 key[KEY_LEN + 1];
	struct buf	 value;
	int		 keyline;
};

static void	 parse_file(struct load *, const char *, int,
		    struct parse *, int);

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static void __attribute__((format(printf, 5, 6)))
conf_error(struct load *ld, const char *file, int line, const char *key,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];

	if (++ld->nerrs > ERRORS_SHOWN)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_puts(&ld->errs, file);
	if (line > 0)
		buf_printf(&ld->errs, ":%d", line);
	buf_puts(&ld->errs, ": ");
	if (key != NULL)
		buf_printf(&ld->errs, "%s: ", key);
	buf_puts(&ld->errs, msg);
	buf_putc(&ld->errs, '\n');
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

/* Reads decimal digits at *sp into *n; returns -1 on overflow or none. */
static int
parse_digits(const char **sp, long long *n)
{
	const char	*s = *sp;
	long long	 v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (LLONG_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*sp = s;
	*n = v;
	return 0;
}

int
config_parse_duration(const char *s, long long *out, char **errstr)
{
	const char	*p = s;
	long long	 total = 0, n, unit;
	size_t		 len;

	*errstr = NULL;
	if (*s == '\0') {
		*errstr = xstrdup("empty duration");
		return -1;
	}
	while (*p != '\0') {
		if (parse_digits(&p, &n) == -1) {
			*errstr = xasprintf("\"%s\": %s", s,
			    *p >= '0' && *p <= '9' ? "number too large" :
			    "expected a number");
			return -1;
		}
		switch (*p) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = MINUTE;
			break;
		case 'h':
			unit = HOUR;
			break;
		case 'd':
			unit = DAY;
			break;
		case 'w':
			unit = WEEK;
			break;
		case '\0':
			if (strspn(s, "0123456789") == strlen(s)) {
				unit = 1;	/* plain seconds */
				break;
			}
			*errstr = xasprintf("\"%s\": number without a unit", s);
			return -1;
		default:
			unit = 0;
			break;
		}
		/* a unit is one letter: "15min" names "min", not "m" */
		len = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz");
		if (unit == 0 || len > 1) {
			*errstr = xasprintf("\"%s\": unknown unit \"%.*s\" "
			    "(use s, m, h, d or w)", s, len > 0 ? (int)len :
			    (int)strlen(p), p);
			return -1;
		}
		if (n > (LLONG_MAX - total) / unit) {
			*errstr = xasprintf("\"%s\": too long", s);
			return -1;
		}
		total += n * unit;
		if (*p != '\0')
			p++;
	}
	*out = total;
	return 0;
}

int
config_parse_size(const char *s, size_t *out, char **errstr)
{
	const char	*p = s;
	long long	 n;
	unsigned	 shift = 0;

	*errstr = NULL;
	if (*s == '\0') {
		*errstr = xstrdup("empty size");
		return -1;
	}
	if (parse_digits(&p, &n) == -1) {
		*errstr = xasprintf("\"%s\": %s", s, *p >= '0' && *p <= '9' ?
		    "number too large" : "expected a number");
		return -1;
	}
	switch (*p) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	}
	if (shift != 0) {
		p++;
		if (*p == 'i')
			p++;
	}
	if (*p == 'B' || *p == 'b')
		p++;
	if (*p != '\0' || (p[-1] == 'i')) {
		*errstr = xasprintf("\"%s\": unknown unit \"%s\" "
		    "(use K, M, G or T)", s, s + strspn(s, "0123456789"));
		return -1;
	}
	if ((unsigned long long)n > (SIZE_MAX >> shift)) {
		*errstr = xasprintf("\"%s\": too large", s);
		return -1;
	}
	*out = (size_t)n << shift;
	return 0;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Writes a duration the way a user would ("90s", "15m", "7d"). */
static void
fmt_duration(long long secs, char *out, size_t len)
{
	static const struct {
		long long	 secs;
		char		 unit;
	} units[] = { { WEEK, 'w' }, { DAY, 'd' }, { HOUR, 'h' },
	    { MINUTE, 'm' } };
	size_t	 i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (secs != 0 && secs % units[i].secs == 0) {
			snprintf(out, len, "%lld%c", secs / units[i].secs,
			    units[i].unit);
			return;
		}
	}
	snprintf(out, len, "%llds", secs);
}

/*
 * Checks a feed URL: http, https or file only, and then with the parser of
 * url.c, which reads URLs as the fetcher's libcurl does.  Returns 0, or -1
 * with *why (caller frees).
 */
static int
feed_url_check(const char *s, char **why)
{
	static const char *const allowed[] = { "http", "https", "file" };
	const char	*msg;
	char		*scheme;
	size_t		 i;

	*why = NULL;
	if (url_is_absolute(s)) {
		scheme = xstrndup(s, strcspn(s, ":"));
		for (i = 0; scheme[i] != '\0'; i++)
			scheme[i] = (char)tolower((unsigned char)scheme[i]);
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			if (strcmp(scheme, allowed[i]) == 0)
				break;
		if (i == sizeof(allowed) / sizeof(allowed[0]))
			*why = xasprintf("\"%s\": scheme \"%s\" not allowed "
			    "(http, https or file)", s, scheme);
		free(scheme);
		if (*why != NULL)
			return -1;
	} else {
		/* libcurl would say "Bad scheme" */
		*why = xasprintf("\"%s\": not an absolute URL (start it with "
		    "https://, http:// or file://)", s);
		return -1;
	}
	if (url_check(s, &msg) == -1) {
		*why = xasprintf("\"%s\": %s", s, msg);
		return -1;
	}
	return 0;
}

/* Feed, topic and plugin names: letters, digits, '.', '_' and '-'. */
static const char *
name_check(const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0)
		return "empty name";
	if (n > NAME_LEN)
		return "name longer than 64 bytes";
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") != n)
		return "a name may contain only letters, digits, '.', '_' "
		    "and '-'";
	return NULL;
}

/* Removes one pair of double quotes around the whole of s, in place. */
static char *
unquote(char *s)
{
	size_t	 n = strlen(s);

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"' &&
	    memchr(s + 1, '"', n - 2) == NULL) {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}

static char *
path_join(const char *dir, const char *path)
{
	if (path[0] == '/' || dir == NULL || dir[0] == '\0' ||
	    strcmp(dir, ".") == 0)
		return xstrdup(path);
	return xasprintf("%s/%s", dir, path);
}

static char *
dir_of(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static char *
abs_dir_of(const char *path)
{
	char	*dir, *abs, cwd[PATH_MAX];

	dir = dir_of(path);
	if (dir[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return dir;
	abs = strcmp(dir, ".") == 0 ? xstrdup(cwd) :
	    xasprintf("%s/%s", cwd, dir);
	free(dir);
	return abs;
}

/* errno for a file that is not a regular one (read_error() says so) */
#define ENOTREGULAR	(-1)

/*
 * Reads a whole file of at most `cap` bytes into a NUL-terminated heap
 * buffer.  Returns 0, or -1 with errno set (EFBIG: over the cap).  Only a
 * regular file: a FIFO or a device would block heraldd -n and a reload,
 * or never end; O_NONBLOCK lets the open of a FIFO return to say so.
 */
static int
read_file(const char *path, size_t cap, char **data, size_t *len)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 n = 0, size = 0;
	ssize_t		 r;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = ENOTREGULAR;
		goto fail;
	}
	for (;;) {
		if (n + 1 >= size) {
			if (size > cap) {
				errno = EFBIG;
				goto fail;
			}
			size = size ? size * 2 : 8192;
			buf = xrealloc(buf, size);
		}
		if ((r = read(fd, buf + n, size - n - 1)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > cap) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	if (buf == NULL)
		buf = xmalloc(1);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

static const char *
read_error(void)
{
	if (errno == ENOTREGULAR)
		return "not a regular file (a FIFO, a device or a socket "
		    "would block or never end)";
	return errno == EFBIG ? "file too large" : strerror(errno);
}

static void
names_free(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
file_add(struct config *conf, const char *path)
{
	conf->files = xrealloc(conf->files,
	    (conf->nfiles + 1) * sizeof(*conf->files));
	conf->files[conf->nfiles++] = xstrdup(path);
}

static int
tab_add(xmlHashTablePtr t, const char *name, size_t idx)
{
	return xmlHashAddEntry(t, (const xmlChar *)name,
	    (void *)(uintptr_t)(idx + 1));
}

static int
tab_find(xmlHashTablePtr t, const char *name, size_t *idx)
{
	uintptr_t	 v;

	v = (uintptr_t)xmlHashLookup(t, (const xmlChar *)name);
	if (v == 0)
		return -1;
	if (idx != NULL)
		*idx = v - 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Sections                                                            */
/* ------------------------------------------------------------------ */

static size_t
feed_new(struct config *conf, const char *name, const char *file, int line)
{
	struct config_feed	*f;

	conf->feeds = xrealloc(conf->feeds,
	    (conf->nfeeds + 1) * sizeof(*conf->feeds));
	f = &conf->feeds[conf->nfeeds];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(name);
	f->enabled = 1;
	f->file = file;
	f->line = line;
	return conf->nfeeds++;
}

static void
section_named(struct parse *p, const char *type, const char *name)
{
	struct load	*ld = p->ld;
	struct config	*conf = ld->conf;
	xmlHashTablePtr	 tab;
	const char	*why, *ffile;
	size_t		 idx;
	int		 fline;

	if ((why = name_check(name)) != NULL) {
		conf_error(ld, p->file, p->lineno, p->secttext, "%s", why);
		return;
	}
	tab = strcmp(type, "feed") == 0 ? ld->feedtab :
	    strcmp(type, "topic") == 0 ? ld->topictab :
	    strcmp(type, "digest") == 0 ? ld->digesttab : ld->plugintab;
	if (tab_find(tab, name, &idx) == 0) {
		if (tab == ld->feedtab) {
			ffile = conf->feeds[idx].file;
			fline = conf->feeds[idx].line;
		} else if (tab == ld->topictab) {
			ffile = conf->topics[idx].file;
			fline = conf->topics[idx].line;
		} else if (tab == ld->digesttab) {
			ffile = conf->digests[idx].file;
			fline = conf->digests[idx].line;
		} else {
			ffile = conf->plugins[idx].file;
			fline = conf->plugins[idx].line;
		}
		conf_error(ld, p->file, p->lineno, p->secttext,
		    "duplicate %s \"%s\" (first at %s:%d)", type, name,
		    ffile, fline);
		return;
	}
	if (tab == ld->feedtab) {
		idx = feed_new(conf, name, p->file, p->lineno);
		p->sect = S_FEED;
	} else if (tab == ld->topictab) {
		struct config_topic	*t;

		conf->topics = xrealloc(conf->topics,
		    (conf->ntopics + 1) * sizeof(*conf->topics));
		t = &conf->topics[conf->ntopics];
		memset(t, 0, sizeof(*t));
		t->name = xstrdup(name);
		t->file = p->file;
		t->line = p->lineno;
		idx = conf->ntopics++;
		p->sect = S_TOPIC;
	} else if (tab == ld->digesttab) {
		struct config_digest	*dg;

		conf->digests = xrealloc(conf->digests,
		    (conf->ndigests + 1) * sizeof(*conf->digests));
		dg = &conf->digests[conf->ndigests];
		memset(dg, 0, sizeof(*dg));
		dg->name = xstrdup(name);
		dg->days = SLOT_ALL_DAYS;
		dg->max_stories = 10;
		dg->file = p->file;
		dg->line = p->lineno;
		idx = conf->ndigests++;
		p->sect = S_DIGEST;
	} else {
		struct config_plugin	*pl;

		conf->plugins = xrealloc(conf->plugins,
		    (conf->nplugins + 1) * sizeof(*conf->plugins));
		pl = &conf->plugins[conf->nplugins];
		memset(pl, 0, sizeof(*pl));
		pl->name = xstrdup(name);
		pl->all_topics = 1;
		pl->alerts = 1;
		pl->max_age = DAY;
		pl->file = p->file;
		pl->line = p->lineno;
		idx = conf->nplugins++;
		p->sect = S_PLUGIN;
	}
	tab_add(tab, name, idx);
	p->idx = idx;
}

/*
 * Starts a section from its header line s ("[type]" or [type "name"]),
 * comments already cut off.  Strict: the type in lower case, one name in
 * double quotes after white space where the type takes one, nothing else.
 */
static void
section_begin(struct parse *p, char *s)
{
	static const struct {
		const char	*type;
		enum sect	 sect;
		int		 named;
	} types[] = {
		{ "herald", S_HERALD, 0 },
		{ "feed", S_FEED, 1 },
		{ "feeds", S_FEEDS, 0 },
		{ "topic", S_TOPIC, 1 },
		{ "plugin", S_PLUGIN, 1 },
		{ "digest", S_DIGEST, 1 },
	};
	struct load	*ld = p->ld;
	char		*end, *type, *q, *name = NULL;
	size_t		 i, n;

	p->sect = S_BAD;
	snprintf(p->secttext, sizeof(p->secttext), "%s", s);
	if ((end = strchr(s, ']')) == NULL) {
		conf_error(ld, p->file, p->lineno, p->secttext,
		    "section header without ']'");
		return;
	}
	if (end[1] != '\0') {
		conf_error(ld, p->file, p->lineno, p->secttext,
		    "text after ']'");
		return;
	}
	*end = '\0';
	type = s + 1 + strspn(s + 1, " \t");
	n = strcspn(type, " \t\"");
	q = type + n + strspn(type + n, " \t");
	if (*q == '"') {
		if (q == type + n) {
			conf_error(ld, p->file, p->lineno, p->secttext,
			    "expected white space before the name");
			return;
		}
		name = q + 1;
		if ((q = strchr(name, '"')) == NULL) {
			conf_error(ld, p->file, p->lineno, p->secttext,
			    "name without its closing quote");
			return;
		}
		*q++ = '\0';
		q += strspn(q, " \t");
	}
	if (*q != '\0') {
		conf_error(ld, p->file, p->lineno, p->secttext,
		    "expected [type] or [type \"name\"]");
		return;
	}
	type[n] = '\0';
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i].type) == 0)
			break;
	if (i == sizeof(types) / sizeof(types[0])) {
		conf_error(ld, p->file, p->lineno, p->secttext,
		    "unknown section");
		return;
	}
	if (types[i].named && name == NULL) {
		conf_error(ld, p->file, p->lineno, p->secttext,
		    "a %s section needs a name: [%s \"NAME\"]", type, type);
		return;
	}
	if (!types[i].named && name != NULL) {
		conf_error(ld, p->file, p->lineno, p->secttext,
		    "a %s section takes no name", type);
		return;
	}
	if (types[i].named)
		section_named(p, type, name);
	else
		p->sect = types[i].sect;
}

/* ------------------------------------------------------------------ */
/* Keys                                                                */
/* ------------------------------------------------------------------ */

static void
include_glob(struct parse *p, const char *key, const char *pattern)
{
	struct load	*ld = p->ld;
	glob_t		 g;
	char		*pat;
	size_t		 i;
	int		 rc;

	pat = path_join(p->dir, pattern);
	memset(&g, 0, sizeof(g));
	/* A pattern without wildcards names a file that must exist. */
	rc = glob(pat, GLOB_NOMAGIC, NULL, &g);
	if (rc == GLOB_NOMATCH)
		goto done;
	if (rc != 0) {
		conf_error(ld, p->file, p->keyline, key, "%s: cannot expand",
		    pattern);
		goto done;
	}
	for (i = 0; i < g.gl_pathc; i++)
		parse_file(ld, g.gl_pathv[i], p->depth + 1, p, p->keyline);
done:
	globfree(&g);
	free(pat);
}

static void
ref_add(struct load *ld, const char *name, enum ref_kind kind,
    const char *file, int line)
{
	struct ref	*r;

	ld->refs = xrealloc(ld->refs, (ld->nrefs + 1) * sizeof(*ld->refs));
	r = &ld->refs[ld->nrefs++];
	r->name = xstrdup(name);
	r->kind = kind;
	r->file = file;
	r->line = line;
}

/* Splits a space-separated list of names; returns its length, or -1. */
static int
names_set(struct parse *p, const char *key, char *v, char ***listp,
    size_t *np)
{
	char		**list = NULL, *w, *save = NULL;
	const char	*why;
	size_t		  n = 0;
	int		  bad = 0;

	for (w = strtok_r(v, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if ((why = name_check(w)) != NULL) {
			conf_error(p->ld, p->file, p->keyline, key,
			    "\"%s\": %s", w, why);
			bad = 1;
			continue;
		}
		list = xrealloc(list, (n + 1) * sizeof(*list));
		list[n++] = xstrdup(w);
	}
	if (bad || n == 0) {
		if (n == 0 && !bad)
			conf_error(p->ld, p->file, p->keyline, key,
			    "empty value");
		names_free(list, n);
		return -1;
	}
	names_free(*listp, *np);
	*listp = list;
	*np = n;
	return 0;
}

static int
number_check(struct parse *p, const struct keydef *kd, long long n,
    const char *v)
{
	char	 lo[32], hi[32];

	if (n == 0 && kd->zero_ok)
		return 0;
	if (n >= kd->min && n <= kd->max)
		return 0;
	if (kd->type == V_DURATION || kd->type == V_RATE ||
	    kd->type == V_BREAKING) {
		fmt_duration(kd->min, lo, sizeof(lo));
		fmt_duration(kd->max, hi, sizeof(hi));
	} else {
		snprintf(lo, sizeof(lo), "%lld", kd->min);
		snprintf(hi, sizeof(hi), "%lld", kd->max);
	}
	if (n < kd->min)
		conf_error(p->ld, p->file, p->keyline, kd->name,
		    "\"%s\" is below the minimum of %s%s", v, lo,
		    kd->zero_ok ? " (or 0)" : "");
	else
		conf_error(p->ld, p->file, p->keyline, kd->name,
		    "\"%s\" is above the maximum of %s", v, hi);
	return -1;
}

/*
 * COUNT/DURATION (rate-limit, breaking), the duration's number optional
 * ("10/h"): 0, or -1 when the count is not a number followed by '/', -2
 * when what follows is not a duration.
 */
static int
parse_count_period(const char *v, long long *n, long long *period)
{
	const char	*s = v;
	char		*d, *why = NULL;
	int		 rc;

	if (parse_digits(&s, n) == -1 || *s != '/')
		return -1;
	s++;
	d = *s >= '0' && *s <= '9' ? xstrdup(s) : xasprintf("1%s", s);
	rc = config_parse_duration(d, period, &why);
	free(why);
	free(d);
	return rc == -1 ? -2 : 0;
}

/* Applies one key of the table to the struct at `base`; 0 or -1. */
static int
key_set(struct parse *p, void *base, const struct keydef *kd, char *v)
{
	struct load	*ld = p->ld;
	char		**sp = (char **)((char *)base + kd->off);
	char		*why = NULL, *s;
	long long	 n, period;
	size_t		 size, cnt, i;
	int		 b, rc;

	if (*v == '\0') {
		conf_error(ld, p->file, p->keyline, kd->name, "empty value");
		return -1;
	}
	switch (kd->type) {
	case V_STR:
	case V_PATH:
	case V_PLUGINPATH:
	case V_URL:
		if (*(v = unquote(v)) == '\0') {
			conf_error(ld, p->file, p->keyline, kd->name,
			    "empty value");
			return -1;
		}
		if (kd->type == V_URL && feed_url_check(v, &why) == -1) {
			conf_error(ld, p->file, p->keyline, kd->name, "%s",
			    why);
			free(why);
			return -1;
		}
		free(*sp);
		if (kd->type == V_PATH ||
		    (kd->type == V_PLUGINPATH && strchr(v, '/') != NULL))
			*sp = path_join(p->absdir, v);
		else
			*sp = xstrdup(v);
		/* a value checked later names its own line */
		if (kd->aux != NOAUX)
			*(int *)((char *)base + kd->aux) = p->keyline;
		break;
	case V_QUERY:
		free(*sp);
		*sp = xstrdup(v);
		*(int *)((char *)base + kd->aux) = p->keyline;
		break;
	case V_DURATION:
		if (config_parse_duration(v, &n, &why) == -1) {
			conf_error(ld, p->file, p->keyline, kd->name, "%s",
			    why);
			free(why);
			return -1;
		}
		if (number_check(p, kd, n, v) == -1)
			return -1;
		*(long long *)((char *)base + kd->off) = n;
		break;
	case V_SIZE:
		if (config_parse_size(v, &size, &why) == -1) {
			conf_error(ld, p->file, p->keyline, kd->name, "%s",
			    why);
			free(why);
			return -1;
		}
		if (number_check(p, kd, size > LLONG_MAX ? LLONG_MAX :
		    (long long)size, v) == -1)
			return -1;
		*(size_t *)((char *)base + kd->off) = size;
		break;
	case V_INT:
		s = v;
		if (parse_digits((const char **)&s, &n) == -1 || *s != '\0') {
			conf_error(ld, p->file, p->keyline, kd->name,
			    "\"%s\": expected a whole number", v);
			return -1;
		}
		if (number_check(p, kd, n, v) == -1)
			return -1;
		*(int *)((char *)base + kd->off) = (int)n;
		break;
	case V_BOOL:
		if (parse_bool(v, &b) == -1) {
			conf_error(ld, p->file, p->keyline, kd->name,
			    "\"%s\": expected yes, no, true, false, on, off, "
			    "1 or 0", v);
			return -1;
		}
		*(int *)((char *)base + kd->off) = b;
		break;
	case V_ALERTPER:
		if (strcmp(v, "story") != 0 && strcmp(v, "article") != 0) {
			conf_error(ld, p->file, p->keyline, kd->name,
			    "\"%s\": expected story or article", v);
			return -1;
		}
		*(int *)((char *)base + kd->off) = strcmp(v, "article") == 0;
		break;
	case V_RATE:
		rc = parse_count_period(v, &n, &period);
		if (rc == -1 || (rc == 0 && (n < 1 || n > UINT_MAX))) {
			conf_error(ld, p->file, p->keyline, kd->name,
			    "\"%s\": expected COUNT/DURATION with a count of "
			    "at least 1, as in 10/1h", v);
			return -1;
		}
		if (rc == -2) {
			conf_error(ld, p->file, p->keyline, kd->name,
			    "\"%s\": expected a duration after '/'", v);
			return -1;
		}
		if (number_check(p, kd, period, v) == -1)
			return -1;
		*(unsigned *)((char *)base + kd->off) = (unsigned)n;
		*(long long *)((char *)base + kd->aux) = period;
		break;
	case V_BREAKING:
		rc = parse_count_period(v, &n, &period);
		if (rc == -1) {
			conf_error(ld, p->file, p->keyline, kd->name,
			    "\"%s\": expected OUTLETS/DURATION, as in 5/6h "
			    "(a story 5 outlets carried within 6 hours)", v);
			return -1;
		}
		if (rc == -2) {
			conf_error(ld, p->file, p->keyline, kd->name,
			    "\"%s\": expected a duration after '/', as in "
			    "5/6h or 3/90m", v);
			return -1;
		}
		if (n < 2 || n > BREAKING_OUTLETS_MAX) {
			conf_error(ld, p->file, p->keyline, kd->name,
			    "\"%s\": the outlets must be 2 to %d (one outlet "
			    "is every story)", v, BREAKING_OUTLETS_MAX);
			return -1;
		}
		if (number_check(p, kd, period, v) == -1)
			return -1;
		*(int *)((char *)base + kd->off) = (int)n;
		*(long long *)((char *)base + kd->aux) = period;
		break;
	case V_NAMES:
		if (names_set(p, kd->name, v, (char ***)sp,
		    (size_t *)((char *)base + kd->aux)) == -1)
			return -1;
		if (p->sect == S_PLUGIN)
			((struct config_plugin *)base)->all_topics = 0;
		cnt = *(size_t *)((char *)base + kd->aux);
		for (i = 0; i < cnt; i++)
			ref_add(ld, (*(char ***)sp)[i],
			    strcmp(kd->name, "topics") == 0 ? REF_TOPIC :
			    strcmp(kd->name, "plugins") == 0 ? REF_PLUGIN :
			    REF_FEED, p->file, p->keyline);
		break;
	case V_AT:
		if (slot_parse_at(v, (int *)((char *)base + kd->off),
		    (size_t *)((char *)base + kd->aux), &why) == -1) {
			conf_error(ld, p->file, p->keyline, kd->name, "%s",
			    why);
			free(why);
			/* [digest]'s key: no "missing" from digest_finish() too */
			((struct config_digest *)base)->at_bad = 1;
			return -1;
		}
		break;
	case V_DAYS:
		if (slot_parse_days(v, (unsigned *)((char *)base + kd->off),
		    &why) == -1) {
			conf_error(ld, p->file, p->keyline, kd->name, "%s",
			    why);
			free(why);
			return -1;
		}
		break;
	case V_INCLUDE:
		include_glob(p, kd->name, unquote(v));
		break;
	case V_OPML:
		ld->opml = xrealloc(ld->opml,
		    (ld->nopml + 1) * sizeof(*ld->opml));
		ld->opml[ld->nopml].path = path_join(p->dir, unquote(v));
		ld->opml[ld->nopml].file = p->file;
		ld->opml[ld->nopml].line = p->keyline;
		ld->nopml++;
		break;
	}
	return 0;
}

static void
plugin_option(struct parse *p, struct config_plugin *pl, const char *key,
    const char *v)
{
	struct config_option	*o;
	size_t			 i;

	/* A repeated key: the last one wins, in the place of the first. */
	for (i = 0; i < pl->noptions; i++) {
		if (strcmp(pl->options[i].key, key) == 0) {
			free(pl->options[i].value);
			pl->options[i].value = xstrdup(v);
			pl->options[i].line = p->keyline;
			return;
		}
	}
	pl->options = xrealloc(pl->options,
	    (pl->noptions + 1) * sizeof(*pl->options));
	o = &pl->options[pl->noptions++];
	o->key = xstrdup(key);
	o->value = xstrdup(v);
	o->file = p->file;
	o->line = p->keyline;
}

/* Applies the entry read so far (a key and its continuation lines). */
static void
entry_finish(struct parse *p)
{
	struct config		*conf = p->ld->conf;
	const struct keydef	*keys;
	void			*base;
	char			*v, *c;
	size_t			 i;

	if (!p->pending)
		return;
	p->pending = 0;
	v = p->value.data != NULL ? p->value.data : "";
	for (c = v; *c != '\0'; c++) {
		if (*c == MARK_SEMI)
			*c = ';';
		else if (*c == MARK_HASH)
			*c = '#';
	}
	switch (p->sect) {
	case S_HERALD:
		keys = herald_keys;
		base = conf;
		break;
	case S_FEED:
		keys = feed_keys;
		base = &conf->feeds[p->idx];
		break;
	case S_FEEDS:
		keys = feeds_keys;
		base = conf;
		break;
	case S_TOPIC:
		keys = topic_keys;
		base = &conf->topics[p->idx];
		break;
	case S_PLUGIN:
		keys = plugin_keys;
		base = &conf->plugins[p->idx];
		break;
	case S_DIGEST:
		keys = digest_keys;
		base = &conf->digests[p->idx];
		break;
	default:
		return;
	}
	for (i = 0; keys[i].name != NULL; i++) {
		if (strcmp(keys[i].name, p->key) != 0)
			continue;
		/* A required key given with a bad value is not missing too. */
		if (key_set(p, base, &keys[i], v) == -1 &&
		    (keys[i].type == V_URL || keys[i].type == V_QUERY) &&
		    *(char **)((char *)base + keys[i].off) == NULL)
			*(char **)((char *)base + keys[i].off) = xstrdup("");
		return;
	}
	if (p->sect == S_PLUGIN) {
		plugin_option(p, base, p->key, unquote(v));
		return;
	}
	conf_error(p->ld, p->file, p->keyline, p->key, "unknown key in %s",
	    p->secttext);
}

/* ------------------------------------------------------------------ */
/* The reader and the handler inih calls                               */
/* ------------------------------------------------------------------ */

/*
 * Cuts a comment off s in place: '#' or ';' after white space and outside
 * double quotes.  With `mark`, the '#' and ';' inside quotes become marks
 * that inih leaves alone (entry_finish turns them back).  Trims white space
 * at the end and returns s.
 */
static char *
comment_cut(char *s, int mark)
{
	char	*c, *end;
	int	 quoted = 0, space = 0;

	for (c = s; *c != '\0'; c++) {
		if (*c == '"')
			quoted = !quoted;
		else if (!quoted && space && (*c == '#' || *c == ';')) {
			*c = '\0';
			break;
		} else if (quoted && mark && *c == ';')
			*c = MARK_SEMI;
		else if (quoted && mark && *c == '#')
			*c = MARK_HASH;
		space = *c == ' ' || *c == '\t';
	}
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* Copies line into inih's buffer; a value that does not fit is stashed. */
static char *
emit(struct parse *p, char *str, int num, const char *prefix,
    const char *value)
{
	size_t	 need = strlen(prefix) + strlen(value) + 2;

	if (need > (size_t)num) {
		buf_reset(&p->stash);
		buf_puts(&p->stash, value);
		value = MARK_LONG;
		if (strlen(prefix) + strlen(value) + 2 > (size_t)num) {
			/* Only an inih built with a tiny buffer gets here. */
			conf_error(p->ld, p->file, p->lineno, NULL,
			    "line too long for inih (%d bytes)", num);
			p->kind = L_OTHER;
			prefix = value = "";
		}
	}
	snprintf(str, (size_t)num, "%s%s\n", prefix, value);
	return str;
}

static char *
conf_reader(char *str, int num, void *arg)
{
	struct parse	*p = arg;
	char		*raw, *eol, *s, *eq, *k, keyeq[KEY_LEN + 2];
	size_t		 n, i;

	if (p->off >= p->len || num < 4)
		return NULL;
	raw = p->data + p->off;
	eol = memchr(raw, '\n', p->len - p->off);
	n = eol != NULL ? (size_t)(eol - raw) : p->len - p->off;
	p->off += n + (eol != NULL);
	raw[n] = '\0';
	p->lineno++;
	p->kind = L_OTHER;

	if (p->lineno == 1 && n >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0) {
		raw += 3;
		n -= 3;
	}
	if (n > 0 && raw[n - 1] == '\r')
		raw[--n] = '\0';
	for (i = 0; i < n; i++)
		if (((unsigned char)raw[i] < 0x20 && raw[i] != '\t') ||
		    raw[i] == 0x7f)
			break;
	if (i < n || !xmlCheckUTF8((const unsigned char *)raw)) {
		entry_finish(p);
		conf_error(p->ld, p->file, p->lineno, NULL, "%s",
		    i < n ? "control character in line" : "invalid UTF-8");
		return emit(p, str, num, "", "");
	}

	s = raw + strspn(raw, " \t");
	if (*s == '\0' || *s == '#' || *s == ';')
		return emit(p, str, num, "", "");

	/* inih takes an indented line after a key as its continuation. */
	if (s > raw && p->prev_key) {
		comment_cut(s, 1);
		if (!p->pending)	/* of a key that was refused */
			return emit(p, str, num, "", "");
		p->kind = L_CONT;
		return emit(p, str, num, " ", s);
	}

	entry_finish(p);
	if (*s == '[') {
		p->prev_key = 0;
		section_begin(p, comment_cut(s, 0));
		return emit(p, str, num, "", "[s]");
	}
	comment_cut(s, 1);
	if ((eq = strchr(s, '=')) == NULL) {
		conf_error(p->ld, p->file, p->lineno, NULL,
		    "expected \"key = value\"");
		return emit(p, str, num, "", "");
	}
	*eq = '\0';
	k = s;
	for (n = strlen(k); n > 0 && (k[n - 1] == ' ' || k[n - 1] == '\t'); )
		k[--n] = '\0';
	if (n == 0 || n > KEY_LEN || strspn(k, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n) {
		for (i = 0; i < n; i++)
			if (k[i] == MARK_SEMI || k[i] == MARK_HASH)
				k[i] = k[i] == MARK_SEMI ? ';' : '#';
		if (n == 0)
			conf_error(p->ld, p->file, p->lineno, NULL,
			    "expected a key before '='");
		else
			conf_error(p->ld, p->file, p->lineno, NULL,
			    "invalid key \"%s\"", k);
		return emit(p, str, num, "", "");
	}
	p->prev_key = 1;
	p->kind = L_KEY;
	snprintf(keyeq, sizeof(keyeq), "%s=", k);
	return emit(p, str, num, keyeq, eq + 1 + strspn(eq + 1, " \t"));
}

static int
conf_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct parse	*p = arg;
	const char	*v;

	(void)section;		/* cut at 49 bytes: parse->sect instead */
	if (name == NULL || value == NULL)
		return 1;
	v = strcmp(value, MARK_LONG) == 0 && p->stash.data != NULL ?
	    p->stash.data : value;
	switch (p->kind) {
	case L_KEY:
		if (p->sect == S_NONE) {
			conf_error(p->ld, p->file, p->lineno, name,
			    "key outside any section (start the file with "
			    "one, as [herald])");
			break;
		}
		if (p->sect == S_BAD)	/* its header was reported */
			break;
		p->pending = 1;
		snprintf(p->key, sizeof(p->key), "%s", name);
		p->keyline = p->lineno;
		buf_reset(&p->value);
		buf_puts(&p->value, v);
		break;
	case L_CONT:
		if (p->pending) {
			buf_putc(&p->value, ' ');
			buf_puts(&p->value, v);
		}
		break;
	case L_OTHER:
		break;
	}
	p->kind = L_OTHER;
	return 1;
}

/*
 * Reads one file.  `from` and `fromline` name the include that led here
 * (NULL for the top file), for messages about the file itself.
 */
static void
parse_file(struct load *ld, const char *path, int depth, struct parse *from,
    int fromline)
{
	struct parse	 p;
	/* The top file's own errors name it; an included one's the include. */
	const char	*efile = from != NULL ? from->file : path;
	const char	*ekey = from != NULL ? "include" : NULL;
	const char	*epath = from != NULL ? path : NULL;
	char		*real = NULL;
	struct buf	 chain;
	int		 i, rc;

	memset(&p, 0, sizeof(p));
	if (depth > INCLUDE_DEPTH) {
		conf_error(ld, efile, fromline, ekey,
		    "%s: includes nested deeper than %d", path, INCLUDE_DEPTH);
		return;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		conf_error(ld, efile, fromline, ekey, "%s%s%s",
		    epath ? epath : "", epath ? ": " : "", strerror(errno));
		return;
	}
	for (i = 0; i < depth; i++) {
		if (strcmp(ld->stack[i], real) == 0) {
			buf_init(&chain, 0);
			for (; i < depth; i++)
				buf_printf(&chain, "%s -> ", ld->shown[i]);
			buf_puts(&chain, path);
			conf_error(ld, efile, fromline, ekey,
			    "include loop: %s", chain.data);
			buf_free(&chain);
			free(real);
			return;
		}
	}
	if (read_file(path, CONF_FILE_MAX, &p.data, &p.len) == -1) {
		conf_error(ld, efile, fromline, ekey, "%s%s%s",
		    epath ? epath : "", epath ? ": " : "", read_error());
		free(real);
		return;
	}
	file_add(ld->conf, path);
	p.ld = ld;
	p.file = ld->conf->files[ld->conf->nfiles - 1];
	p.dir = dir_of(path);
	p.absdir = abs_dir_of(path);
	p.depth = depth;
	/*
	 * An included file starts in the section of its include line (so a
	 * file of [herald] keys alone is one); its own headers end with it.
	 */
	if (from != NULL) {
		p.sect = from->sect;
		p.idx = from->idx;
		memcpy(p.secttext, from->secttext, sizeof(p.secttext));
	}
	buf_init(&p.stash, 0);
	buf_init(&p.value, 0);
	ld->stack[depth] = real;
	ld->shown[depth] = p.file;

	rc = ini_parse_stream(conf_reader, &p, conf_handler, &p);
	entry_finish(&p);
	if (rc > 0)
		conf_error(ld, p.file, rc, NULL, "inih refused this line");
	else if (rc < 0)
		conf_error(ld, p.file, 0, NULL, "inih failed (%d)", rc);

	ld->stack[depth] = NULL;
	free(real);
	free(p.data);
	free(p.dir);
	free(p.absdir);
	buf_free(&p.stash);
	buf_free(&p.value);
}

/* ------------------------------------------------------------------ */
/* OPML                                                                */
/* ------------------------------------------------------------------ */

/* U+00C0 to U+017F folded to ASCII; '-' for what has no letter. */
static const char latin_fold[] =
    "aaaaaaaceeeeiiiidnooooo-ouuuuyts"		/* U+00C0 */
    "aaaaaaaceeeeiiiidnooooo-ouuuuyty"		/* U+00E0 */
    "aaaaaaccccccccdd" "ddeeeeeeeeeegggg"	/* U+0100 */
    "gggghhhhiiiiiiii" "iiiijjkkklllllll"	/* U+0120 */
    "lllnnnnnnnnnoooo" "oooorrrrrrssssss"	/* U+0140 */
    "ssttttttuuuuuuuu" "uuuuwwyyyzzzzzzs";	/* U+0160 */

/*
 * Makes a name from free text: ASCII letters and digits in lower case,
 * Latin letters with diacritics folded ("Süddeutsche" -> "suddeutsche"),
 * every other run of characters one '-'.  Returns a heap string, maybe
 * empty.
 */
static char *
slugify(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			*out, c;
	size_t			 n = 0;
	unsigned		 cp;

	out = xmalloc(SLUG_LEN + 1);
	while (*u != '\0' && n < SLUG_LEN) {
		c = '-';
		if (*u < 0x80) {
			if ((*u >= 'a' && *u <= 'z') || (*u >= '0' && *u <= '9'))
				c = (char)*u;
			else if (*u >= 'A' && *u <= 'Z')
				c = (char)(*u - 'A' + 'a');
			u++;
		} else {
			if ((*u & 0xe0) == 0xc0 && (u[1] & 0xc0) == 0x80) {
				cp = ((unsigned)(*u & 0x1f) << 6) | (u[1] & 0x3f);
				if (cp >= 0xc0 && cp < 0x180)
					c = latin_fold[cp - 0xc0];
				else if (cp >= 0x218 && cp <= 0x21b)
					c = cp < 0x21a ? 's' : 't'; /* ș ț */
			}
			u++;
			while ((*u & 0xc0) == 0x80)
				u++;
		}
		if (c == '-' && (n == 0 || out[n - 1] == '-'))
			continue;
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	return out;
}

/* An OPML file being read: where its errors and feeds go. */
struct opml_load {
	struct load	*ld;
	const char	*file;
};

static void
opml_load_error(void *arg, int line, const char *key, const char *msg)
{
	struct opml_load	*ol = arg;

	conf_error(ol->ld, ol->file, line, key, "%s", msg);
}

/* A feed of the OPML file, unless its URL is configured already. */
static void
opml_load_feed(void *arg, int line, const char *u, const char *otitle)
{
	struct opml_load	*ol = arg;
	struct load		*ld = ol->ld;
	struct config		*conf = ld->conf;
	const char		*file = ol->file;
	char			*title, *base, *name, *why = NULL;
	size_t			 i, idx;

	if (feed_url_check(u, &why) == -1) {
		conf_error(ld, file, line, "xmlUrl", "%s", why);
		free(why);
		return;
	}
	if (tab_find(ld->urltab, u, NULL) == 0)
		return;		/* configured already */

	title = otitle != NULL ? xstrdup(otitle) : NULL;
	base = slugify(title != NULL ? title : "");
	if (*base == '\0') {
		free(base);
		base = slugify(strstr(u, "://") != NULL ? strstr(u, "://") + 3 :
		    u);
	}
	if (*base == '\0') {
		free(base);
		base = xstrdup("feed");
	}
	name = xstrdup(base);
	/* nfeeds + 2 suffixes cannot all be taken. */
	for (i = 2; tab_find(ld->feedtab, name, NULL) == 0 &&
	    i < conf->nfeeds + 3; i++) {
		free(name);
		name = xasprintf("%s-%zu", base, i);
	}
	idx = feed_new(conf, name, file, line);
	conf->feeds[idx].url = xstrdup(u);
	conf->feeds[idx].title = title;
	tab_add(ld->feedtab, name, idx);
	tab_add(ld->urltab, conf->feeds[idx].url, idx);
	free(name);
	free(base);
}

static void
opml_import(struct load *ld, const struct opmlref *r)
{
	struct opml_load	 ol;
	struct opml_reader	 rd;
	char			*data = NULL;
	size_t			 len;

	if (read_file(r->path, OPML_FILE_MAX, &data, &len) == -1) {
		conf_error(ld, r->file, r->line, "opml", "%s: %s", r->path,
		    read_error());
		return;
	}
	file_add(ld->conf, r->path);
	ol.ld = ld;
	ol.file = ld->conf->files[ld->conf->nfiles - 1];
	rd.feed = opml_load_feed;
	rd.error = opml_load_error;
	rd.arg = &ol;
	opml_read(data, len, r->path, &rd);
	free(data);
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */
/* ------------------------------------------------------------------ */

/* A digest needs its times; its zone is loaded now, to report it here. */
static void
digest_finish(struct load *ld, struct config_digest *dg)
{
	char	*err = NULL;

	if (dg->nat == 0 && !dg->at_bad)
		conf_error(ld, dg->file, dg->line, "at",
		    "missing in [digest \"%s\"] (the times to send it, as in "
		    "at = 07:30)", dg->name);
	dg->tz = dg->timezone != NULL ? tz_load(dg->timezone, &err) :
	    tz_load_local(&err);
	if (dg->tz == NULL) {
		conf_error(ld, dg->file, dg->timezone_line != 0 ?
		    dg->timezone_line : dg->line, "timezone", "%s", err);
		free(err);
	}
}

/* Checks what can be checked only once everything is read. */
static void
load_finish(struct load *ld)
{
	struct config		*conf = ld->conf;
	struct config_plugin	*pl;
	size_t			 i;
	char			*p;

	for (i = 0; i < conf->nfeeds; i++)
		if (conf->feeds[i].url != NULL)
			tab_add(ld->urltab, conf->feeds[i].url, i);
	for (i = 0; i < ld->nopml; i++)
		opml_import(ld, &ld->opml[i]);

	for (i = 0; i < conf->nfeeds; i++) {
		if (conf->feeds[i].url == NULL)
			conf_error(ld, conf->feeds[i].file, conf->feeds[i].line,
			    "url", "missing in [feed \"%s\"]",
			    conf->feeds[i].name);
		if (conf->feeds[i].interval == 0)
			conf->feeds[i].interval = conf->interval;
	}
	for (i = 0; i < conf->ntopics; i++)
		if (conf->topics[i].match == NULL)
			conf_error(ld, conf->topics[i].file,
			    conf->topics[i].line, "match",
			    "missing in [topic \"%s\"]", conf->topics[i].name);
	for (i = 0; i < ld->nrefs; i++) {
		static const char *const what[] = { "feed", "topic", "plugin" };
		const struct ref	*r = &ld->refs[i];
		char			 key[16];

		if (tab_find(r->kind == REF_TOPIC ? ld->topictab :
		    r->kind == REF_PLUGIN ? ld->plugintab : ld->feedtab,
		    r->name, NULL) == 0)
			continue;
		snprintf(key, sizeof(key), "%ss", what[r->kind]);
		conf_error(ld, r->file, r->line, key, "unknown %s \"%s\"",
		    what[r->kind], r->name);
	}
	for (i = 0; i < conf->ndigests; i++)
		digest_finish(ld, &conf->digests[i]);
	for (i = 0; i < conf->nplugins; i++) {
		pl = &conf->plugins[i];
		if (!pl->alerts && pl->ntopics > 0)
			conf_error(ld, pl->file, pl->line, "alerts",
			    "no in [plugin \"%s\"], which has topics: choose "
			    "one", pl->name);
		if (!pl->alerts)
			pl->all_topics = 0;	/* digests only */
		p = pl->path;
		if (p == NULL)
			pl->path = xasprintf("%s/%s.so", conf->plugin_dir,
			    pl->name);
		else if (strchr(p, '/') == NULL) {
			pl->path = xasprintf("%s/%s%s", conf->plugin_dir, p,
			    strlen(p) > 3 && strcmp(p + strlen(p) - 3,
			    ".so") == 0 ? "" : ".so");
			free(p);
		}
	}
}

static int	 load_path(const char *, struct config **, char **, int);

int
config_load(const char *path, struct config **out, char **errstr)
{
	return load_path(path, out, errstr, 0);
}

int
config_load_all(const char *path, struct config **out, char **errstr)
{
	return load_path(path, out, errstr, 1);
}

static int
load_path(const char *path, struct config **out, char **errstr, int keep)
{
	struct load	 ld;
	struct config	*conf;
	size_t		 i;
	int		 ret = -1;

	*out = NULL;
	*errstr = NULL;
	memset(&ld, 0, sizeof(ld));
	buf_init(&ld.errs, 0);
	ld.feedtab = xmlHashCreate(0);
	ld.topictab = xmlHashCreate(0);
	ld.plugintab = xmlHashCreate(0);
	ld.digesttab = xmlHashCreate(0);
	ld.urltab = xmlHashCreate(0);
	if (ld.feedtab == NULL || ld.topictab == NULL ||
	    ld.plugintab == NULL || ld.digesttab == NULL ||
	    ld.urltab == NULL) {
		*errstr = xstrdup("out of memory\n");
		goto done;
	}

	conf = ld.conf = xcalloc(1, sizeof(*conf));
	conf->database = xstrdup(DEFAULT_DATABASE);
	conf->interval = 15 * MINUTE;
	conf->story_window = 72 * HOUR;
	conf->story_open = 7 * DAY;
	conf->timeout_connect = 15;
	conf->timeout_total = 60;
	conf->max_size = 16 * 1024 * 1024;
	conf->user_agent = xstrdup(DEFAULT_USER_AGENT);
	conf->max_parallel = 32;
	conf->per_host = 2;
	conf->retention = 90 * DAY;
	conf->max_items = 500;
	conf->plugin_dir = xstrdup(DEFAULT_PLUGIN_DIR);

	parse_file(&ld, path, 0, NULL, 0);
	if (ld.nerrs == 0 || conf->nfiles > 0)
		load_finish(&ld);

	if (ld.nerrs > 0) {
		if (ld.nerrs > ERRORS_SHOWN)
			buf_printf(&ld.errs, "%s: %d more errors not shown\n",
			    path, ld.nerrs - ERRORS_SHOWN);
		*errstr = buf_steal(&ld.errs);
		if (keep)
			*out = conf;
		else
			config_free(conf);
		goto done;
	}
	*out = conf;
	ret = 0;
done:
	buf_free(&ld.errs);
	for (i = 0; i < ld.nrefs; i++)
		free(ld.refs[i].name);
	free(ld.refs);
	for (i = 0; i < ld.nopml; i++)
		free(ld.opml[i].path);
	free(ld.opml);
	xmlHashFree(ld.feedtab, NULL);
	xmlHashFree(ld.topictab, NULL);
	xmlHashFree(ld.plugintab, NULL);
	xmlHashFree(ld.digesttab, NULL);
	xmlHashFree(ld.urltab, NULL);
	return ret;
}

void
config_free(struct config *conf)
{
	struct config_plugin	*pl;
	size_t			 i, j;

	if (conf == NULL)
		return;
	free(conf->database);
	free(conf->user_agent);
	free(conf->plugin_dir);
	free(conf->metrics_file);
	free(conf->control_socket);
	for (i = 0; i < conf->nfeeds; i++) {
		free(conf->feeds[i].name);
		free(conf->feeds[i].url);
		free(conf->feeds[i].title);
	}
	free(conf->feeds);
	for (i = 0; i < conf->ntopics; i++) {
		free(conf->topics[i].name);
		free(conf->topics[i].match);
		free(conf->topics[i].exclude);
		names_free(conf->topics[i].feeds, conf->topics[i].nfeeds);
	}
	free(conf->topics);
	for (i = 0; i < conf->nplugins; i++) {
		pl = &conf->plugins[i];
		free(pl->name);
		free(pl->path);
		names_free(pl->topics, pl->ntopics);
		for (j = 0; j < pl->noptions; j++) {
			free(pl->options[j].key);
			free(pl->options[j].value);
		}
		free(pl->options);
	}
	free(conf->plugins);
	for (i = 0; i < conf->ndigests; i++) {
		struct config_digest	*dg = &conf->digests[i];

		free(dg->name);
		names_free(dg->topics, dg->ntopics);
		names_free(dg->feeds, dg->nfeeds);
		names_free(dg->plugins, dg->nplugins);
		free(dg->timezone);
		tz_free(dg->tz);
	}
	free(conf->digests);
	for (i = 0; i < conf->nfiles; i++)
		free(conf->files[i]);
	free(conf->files);
	free(conf);
}

const struct config_feed *
config_feed_find(const struct config *conf, const char *name)
{
	size_t	 i;

	for (i = 0; i < conf->nfeeds; i++)
		if (strcmp(conf->feeds[i].name, name) == 0)
			return &conf->feeds[i];
	return NULL;
}

const struct config_digest *
config_digest_find(const struct config *conf, const char *name)
{
	size_t	 i;

	for (i = 0; i < conf->ndigests; i++)
		if (strcmp(conf->digests[i].name, name) == 0)
			return &conf->digests[i];
	return NULL;
}

const struct config_topic *
config_topic_find(const struct config *conf, const char *name)
{
	size_t	 i;

	for (i = 0; i < conf->ntopics; i++)
		if (strcmp(conf->topics[i].name, name) == 0)
			return &conf->topics[i];
	return NULL;
}
