/*
 * cli-util.c: what the reading commands share: finding and opening the
 * database, times for people and for JSON, terminal width, text cleaned
 * and cut to fit a column, and a table that shrinks to the terminal.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "conf.h"
#include "date.h"
#include "store.h"
#include "termtext.h"
#include "text.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* The database                                                        */
/* ------------------------------------------------------------------ */

struct config *
cli_config_read(const char *cmd, const char *conffile, int required,
    int *failed)
{
	struct config	*c = NULL;
	struct stat	 sb;
	char		*err = NULL;

	*failed = 0;
	if (conffile == NULL) {
		if (!required && stat(CLI_DEFAULT_CONFIG, &sb) == -1 &&
		    errno == ENOENT)
			return NULL;
		conffile = CLI_DEFAULT_CONFIG;
	}
	if (config_load(conffile, &c, &err) == -1) {
		fprintf(stderr, "herald %s: cannot read the configuration "
		    "%s:\n%s", cmd, conffile, err != NULL ? err : "\n");
		free(err);
		*failed = 1;
		return NULL;
	}
	return c;
}

char *
cli_db_path(const char *db, const char *conffile, char **errstr)
{
	struct config	*conf = NULL;
	struct stat	 sb;
	char		*err = NULL, *path;
	size_t		 n;

	if (db != NULL)
		return xstrdup(db);
	if (conffile == NULL) {
		/* No config installed: the daemon's default applies too. */
		if (stat(CLI_DEFAULT_CONFIG, &sb) == -1 && errno == ENOENT)
			return xstrdup(CLI_DEFAULT_DATABASE);
		conffile = CLI_DEFAULT_CONFIG;
	}
	if (config_load(conffile, &conf, &err) == -1) {
		/* each error ends in '\n': the caller adds the last one */
		n = err != NULL ? strlen(err) : 0;
		while (n > 0 && err[n - 1] == '\n')
			n--;
		*errstr = xasprintf("cannot read the configuration %s "
		    "(name the database with -d DB):\n%.*s", conffile, (int)n,
		    err != NULL ? err : "");
		free(err);
		return NULL;
	}
	path = xstrdup(conf->database != NULL ? conf->database :
	    CLI_DEFAULT_DATABASE);
	config_free(conf);
	return path;
}

/*
 * A text file that starts as herald.conf(5) may (a section, a comment,
 * key = value), not as a database ("SQLite format 3").
 */
static int
looks_like_config(const char *path)
{
	FILE	*fp;
	char	 buf[256];
	size_t	 n, i = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL)
		return 0;
	if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	i += strspn(buf + i, " \t\r\n");
	return buf[i] == '[' || buf[i] == '#' || buf[i] == ';' ||
	    (buf[i] != '\0' && strchr(buf + i, '=') != NULL &&
	    strcspn(buf + i, "=") < strcspn(buf + i, "\n"));
}

struct store *
cli_store_open(const char *cmd, const char *db, const char *conffile)
{
	struct store	*s;
	struct stat	 sb;
	char		*path, *err = NULL;

	if ((path = cli_db_path(db, conffile, &err)) == NULL) {
		fprintf(stderr, "herald %s: %s\n", cmd, err);
		free(err);
		return NULL;
	}
	if (stat(path, &sb) == -1 && errno == ENOENT) {
		fprintf(stderr, "herald %s: no database at %s: has heraldd run "
		    "yet? (see heraldd(8))\n", cmd, path);
		free(path);
		return NULL;
	}
	/* SQLite's words for these are "disk I/O error", "not a database" */
	if (S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "herald %s: %s is a directory, not a database: "
		    "%s\n", cmd, path, db != NULL ? "name the database file "
		    "with -d" : "set database in the configuration to the "
		    "database file");
		free(path);
		return NULL;
	}
	if (db != NULL && S_ISREG(sb.st_mode) && looks_like_config(path)) {
		fprintf(stderr, "herald %s: %s looks like a configuration file, "
		    "not a database: give it with -c %s\n", cmd, path, path);
		free(path);
		return NULL;
	}
	if ((s = store_open(path, STORE_RDONLY, &err)) == NULL) {
		fprintf(stderr, "herald %s: %s\n", cmd, err);
		free(err);
	}
	free(path);
	return s;
}

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

int
cli_parse_since(const char *cmd, const char *arg, int64_t now, int64_t *since)
{
	long long	 d;
	char		*err = NULL;

	if (config_parse_duration(arg, &d, &err) == -1) {
		fprintf(stderr, "herald %s: --since %s: %s\n", cmd, arg, err);
		free(err);
		return -1;
	}
	*since = d >= now ? 0 : now - d;
	return 0;
}

int
cli_parse_count(const char *cmd, const char *opt, const char *arg,
    size_t *count)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 ||
	    n < 0 || (unsigned long long)n > SIZE_MAX) {
		fprintf(stderr, "herald %s: %s %s: expected a number%s\n",
		    cmd, opt, arg, strcmp(opt, "--limit") == 0 ?
		    " (0: no limit)" : "");
		return -1;
	}
	*count = (size_t)n;
	return 0;
}

int
cli_parse_limit(const char *cmd, const char *arg, size_t *limit)
{
	return cli_parse_count(cmd, "--limit", arg, limit);
}

const char **
cli_topics_arg(const struct cmd_args *a, int key, size_t *np)
{
	const char	**v = NULL;
	char		 *tl, *tok, *save;
	size_t		  i, n = 0;

	for (i = 0; i < a->nopts; i++) {
		if (a->opts[i].key != key)
			continue;
		for (tl = a->opts[i].value; (tok = strtok_r(tl, ", ", &save)) !=
		    NULL; tl = NULL) {
			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n++] = tok;
		}
	}
	*np = n;
	return v;
}

int
cli_topics_check(const char *cmd, const char *const *names, size_t n,
    const struct config *conf, struct store *s)
{
	struct store_topic_count	*tc = NULL;
	const char			**known = NULL, *near;
	struct buf			 list;
	char				*err = NULL;
	size_t				 ntc = 0, nknown = 0, i, j;
	int				 ret = -1;

	if (n == 0)
		return 0;
	if (store_topic_counts(s, (int64_t)time(NULL), &tc, &ntc, &err) ==
	    -1) {
		fprintf(stderr, "herald %s: %s\n", cmd, err);
		free(err);
		return -1;
	}
	/* as herald topics lists them: configured, then only stored */
	known = xcalloc((conf != NULL ? conf->ntopics : 0) + ntc + 1,
	    sizeof(*known));
	for (i = 0; conf != NULL && i < conf->ntopics; i++)
		known[nknown++] = conf->topics[i].name;
	for (j = 0; j < ntc; j++) {
		for (i = 0; i < nknown && strcmp(known[i], tc[j].topic) != 0;
		    i++)
			;
		if (i == nknown)
			known[nknown++] = tc[j].topic;
	}
	buf_init(&list, 0);
	for (i = 0; i < nknown; i++)
		buf_printf(&list, "%s%s", i > 0 ? ", " : "", known[i]);
	for (i = 0; i < n; i++) {
		near = NULL;
		for (j = 0; j < nknown; j++) {
			if (strcmp(names[i], known[j]) == 0)
				break;
			if (strcasecmp(names[i], known[j]) == 0)
				near = known[j];
		}
		if (j < nknown)
			continue;
		if (nknown == 0) {
			fprintf(stderr, "herald %s: no topic \"%s\": no topic "
			    "is configured and none has matched yet (see "
			    "[topic] in herald.conf(5))\n", cmd, names[i]);
		} else if (near != NULL) {
			fprintf(stderr, "herald %s: no topic \"%s\" (names are "
			    "case-sensitive: \"%s\"?); the topics are: %s\n",
			    cmd, names[i], near, list.data);
		} else {
			fprintf(stderr, "herald %s: no topic \"%s\"; the topics "
			    "are: %s\n", cmd, names[i], list.data);
		}
		goto done;
	}
	ret = 0;
done:
	buf_free(&list);
	free(known);
	store_topic_counts_free(tc, ntc);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Times                                                               */
/* ------------------------------------------------------------------ */

void
cli_time_relative(int64_t t, int64_t now, char *buf, size_t len)
{
	/* The largest unit that fits; days only from 48h ("36h ago"). */
	static const struct {
		int64_t		 from;
		int64_t		 secs;
		const char	*unit;
	} units[] = {
		{ 365 * 86400, 365 * 86400, "y" },
		{ 2 * 86400, 86400, "d" },
		{ 3600, 3600, "h" },
		{ 60, 60, "m" },
		{ 1, 1, "s" },
	};
	int64_t		 d = now - t, a, n;
	size_t		 i;

	a = d < 0 ? -d : d;
	if (a < 1) {
		snprintf(buf, len, "now");
		return;
	}
	for (i = 0; a < units[i].from; i++)
		;
	n = a / units[i].secs;
	if (d > 0)
		snprintf(buf, len, "%lld%s ago", (long long)n, units[i].unit);
	else
		snprintf(buf, len, "in %lld%s", (long long)n, units[i].unit);
}

void
cli_time_local(int64_t t, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

json_t *
cli_json_time(int64_t t)
{
	char	 buf[40];

	if (t == 0)
		return json_null();
	date_format_rfc3339(t, buf, sizeof(buf));
	return json_string(buf);
}

json_t *
cli_json_str(const char *s)
{
	json_t	*j;
	char	*clean;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	/* jansson refuses invalid UTF-8: repair it rather than drop it */
	clean = utf8_sanitize(s, strlen(s), NULL, NULL);
	j = json_string(clean);
	free(clean);
	return j != NULL ? j : json_null();
}

/* The JSON of an article, as digest and search print it. */
json_t *
cli_json_entry(const struct store_entry *e)
{
	json_t		*o = json_object(), *a;
	const char	*p, *q;

	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "title", cli_json_str(e->title));
	json_object_set_new(o, "link", cli_json_str(e->link));
	json_object_set_new(o, "feed", cli_json_str(e->feed_name));
	a = json_array();
	for (p = e->feeds; p != NULL && *p != '\0'; p = q) {
		if ((q = strstr(p, ", ")) == NULL)
			q = p + strlen(p);
		json_array_append_new(a, json_stringn(p, (size_t)(q - p)));
		if (*q != '\0')
			q += 2;
	}
	json_object_set_new(o, "feeds", a);
	json_object_set_new(o, "published", e->has_published ?
	    cli_json_time(e->published) : json_null());
	json_object_set_new(o, "first_seen", cli_json_time(e->first_seen));
	json_object_set_new(o, "changed", cli_json_time(e->changed));
	json_object_set_new(o, "author", cli_json_str(e->author));
	a = json_array();
	for (p = e->categories; p != NULL && *p != '\0'; p = q) {
		q = p + strcspn(p, "\n");
		if (q > p)
			json_array_append_new(a,
			    json_stringn(p, (size_t)(q - p)));
		if (*q != '\0')
			q++;
	}
	json_object_set_new(o, "categories", a);
	json_object_set_new(o, "summary", cli_json_str(e->summary));
	return o;
}

int
cli_json_print(json_t *j)
{
	int	 rc;

	rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (rc == 0)
		rc = fputc('\n', stdout) == EOF ? -1 : 0;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Text for a terminal                                                 */
/* ------------------------------------------------------------------ */

size_t
cli_term_width(void)
{
	struct winsize	 ws;
	const char	*cols;
	char		*end;
	long		 n;

	if ((cols = getenv("COLUMNS")) != NULL && *cols != '\0') {
		errno = 0;
		n = strtol(cols, &end, 10);
		if (*end == '\0' && errno == 0 && n >= 20 && n <= 10000)
			return (size_t)n;
	}
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ,
	    &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/*
 * Whether code point cp, n bytes at its place, goes to the terminal as it
 * stands (cli_clean's rules).
 */
static int
clean_keeps(uint32_t cp, size_t n, int keep_marks)
{
	if (cp == CLI_MARK_OPEN || cp == CLI_MARK_CLOSE)
		return keep_marks;
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
	    cp == 0x2028 || cp == 0x2029 || termtext_is_bidi(cp))
		return 0;
	return !(cp == 0xfffd && n == 1);
}

/*
 * Runs of characters that stay are copied whole: the text of a feed is
 * mostly printable ASCII, and one append per character was a sixth of
 * `herald parse`'s instructions.
 */
char *
cli_clean(const char *s, int keep_marks)
{
	struct buf		 b;
	const unsigned char	*u;
	const char		*run = s;
	uint32_t		 cp;
	size_t			 n;
	char			*out;

	buf_init(&b, 0);
	for (; s != NULL && *s != '\0'; s += n) {
		u = (const unsigned char *)s;
		if (*u >= 0x20 && *u < 0x7f) {
			n = 1;
			continue;
		}
		n = termtext_next(s, &cp);
		if (clean_keeps(cp, n, keep_marks))
			continue;
		buf_append(&b, run, (size_t)(s - run));
		run = s + n;
		if (cp == 0xfffd && n == 1)
			buf_puts(&b, "\xef\xbf\xbd");
		else if (!termtext_is_bidi(cp))
			buf_putc(&b, ' ');
	}
	if (s != NULL)
		buf_append(&b, run, (size_t)(s - run));
	out = buf_steal(&b);
	text_collapse_ws(out);
	return out;
}

size_t
cli_width(const char *s)
{
	return termtext_width(s);
}

char *
cli_fit(const char *s, size_t width)
{
	return termtext_fit(s, width);
}

char *
cli_fit_middle(const char *s, size_t width)
{
	struct buf	 b;
	size_t		 n = 0, cap = 16, i, k, budget, tmax, tw = 0, hw = 0;
	size_t		*off, *cw;
	uint32_t	 cp;
	const char	*p;

	if (cli_width(s) <= width || width < 3)
		return cli_fit(s, width);
	off = xcalloc(cap, sizeof(*off));
	cw = xcalloc(cap, sizeof(*cw));
	for (p = s; *p != '\0'; n++) {
		if (n == cap) {
			cap *= 2;
			off = xrealloc(off, cap * sizeof(*off));
			cw = xrealloc(cw, cap * sizeof(*cw));
		}
		off[n] = (size_t)(p - s);
		p += termtext_next(p, &cp);
		cw[n] = (size_t)termtext_cpwidth(cp);
	}
	budget = width - 1;		/* the ellipsis takes one */
	tmax = budget * 2 / 3;
	/* the tail: from the earliest '/' whose suffix fits in tmax */
	k = n;
	for (i = n; i > 0; i--) {
		tw += cw[i - 1];
		if (tw > tmax)
			break;
		if (s[off[i - 1]] == '/')
			k = i - 1;
	}
	if (k == n) {
		/* no whole segment fits: the last tmax columns */
		for (k = n, tw = 0; k > 0 && tw + cw[k - 1] <= tmax; k--)
			tw += cw[k - 1];
	}
	for (i = k, tw = 0; i < n; i++)
		tw += cw[i];
	buf_init(&b, 0);
	for (i = 0; i < k && hw + cw[i] <= budget - tw; i++)
		hw += cw[i];
	buf_append(&b, s, i < n ? off[i] : strlen(s));
	buf_puts(&b, "\xe2\x80\xa6");	/* … */
	buf_puts(&b, s + (k < n ? off[k] : strlen(s)));
	free(off);
	free(cw);
	return buf_steal(&b);
}

/* Pads s to `width` columns, left or right aligned, onto fp. */
static void
put_padded(FILE *fp, const char *s, size_t width, int right, int last)
{
	size_t	 w = cli_width(s), i;

	if (right)
		for (i = w; i < width; i++)
			fputc(' ', fp);
	fputs(s, fp);
	if (!right && !last)
		for (i = w; i < width; i++)
			fputc(' ', fp);
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */
/* ------------------------------------------------------------------ */

struct cli_table {
	const struct cli_column	*cols;
	size_t			 ncols;
	char			**cells;	/* nrows * ncols, cleaned */
	size_t			 nrows;
	size_t			 caprows;
};

struct cli_table *
cli_table_new(const struct cli_column *cols, size_t ncols)
{
	struct cli_table	*t;

	t = xcalloc(1, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
	return t;
}

void
cli_table_add(struct cli_table *t, const char *const *row)
{
	size_t	 i;

	if (t->nrows == t->caprows) {
		t->caprows = t->caprows == 0 ? 32 : 2 * t->caprows;
		t->cells = xrealloc(t->cells,
		    t->caprows * t->ncols * sizeof(*t->cells));
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = cli_clean(row[i], 0);
	t->nrows++;
}

/*
 * Column widths for `width` terminal columns, leaving out the columns
 * marked in drop[]; returns the table's width (it may still not fit).
 */
static size_t
table_layout(const struct cli_table *t, size_t width, const char *drop,
    size_t *w)
{
	size_t	 total = 0, shown = 0, i, r, cw, best;

	for (i = 0; i < t->ncols; i++) {
		w[i] = 0;
		if (drop[i])
			continue;
		w[i] = cli_width(t->cols[i].name);
		for (r = 0; r < t->nrows; r++)
			if ((cw = cli_width(t->cells[r * t->ncols + i])) > w[i])
				w[i] = cw;
		total += w[i];
		shown++;
	}
	/* two spaces between columns */
	total += shown > 1 ? 2 * (shown - 1) : 0;
	/*
	 * Too wide: take one column at a time from the widest column that
	 * may still shrink, among those that give way first.
	 */
	while (total > width) {
		best = t->ncols;
		for (i = 0; i < t->ncols; i++) {
			if (drop[i] || w[i] <= t->cols[i].min)
				continue;
			if (best == t->ncols ||
			    t->cols[i].order < t->cols[best].order ||
			    (t->cols[i].order == t->cols[best].order &&
			    w[i] > w[best]))
				best = i;
		}
		if (best == t->ncols)
			break;
		w[best]--;
		total--;
	}
	return total;
}

void
cli_table_print(struct cli_table *t, FILE *fp, size_t width)
{
	size_t	*w, i, r, last;
	char	*cell, *drop;
	int	 first;

	w = xcalloc(t->ncols, sizeof(*w));
	drop = xcalloc(t->ncols, 1);
	/* Still too wide at the narrowest: leave out an optional column. */
	while (table_layout(t, width, drop, w) > width) {
		for (i = 0; i < t->ncols; i++)
			if (t->cols[i].optional && !drop[i])
				break;
		if (i == t->ncols)
			break;
		drop[i] = 1;
	}
	for (last = t->ncols; last > 0 && drop[last - 1]; last--)
		;
	for (r = 0; r <= t->nrows; r++) {
		for (i = 0, first = 1; i < t->ncols; i++) {
			if (drop[i])
				continue;
			if (r > 0 && t->cols[i].middle)
				cell = cli_fit_middle(t->cells[(r - 1) *
				    t->ncols + i], w[i]);
			else
				cell = cli_fit(r == 0 ? t->cols[i].name :
				    t->cells[(r - 1) * t->ncols + i], w[i]);
			if (!first)
				fputs("  ", fp);
			first = 0;
			put_padded(fp, cell, w[i], t->cols[i].right,
			    i == last - 1);
			free(cell);
		}
		fputc('\n', fp);
	}
	free(drop);
	free(w);
}

void
cli_table_free(struct cli_table *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
