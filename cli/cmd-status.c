/*
 * cmd-status.c: the commands that talk to a running heraldd through its
 * control socket (daemon/control.c): `herald status` (the daemon's answer
 * and the database, or the database alone when nobody answers), `herald
 * fetch [FEED]`, `herald reload` and `herald metrics`.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "conf.h"
#include "store.h"
#include "util.h"

#define CTL_TIMEOUT_MS		(30 * 1000)	/* a reload loads plugins */
#define CTL_REPLY_MAX		(64 * 1024 * 1024)
#define CTL_BUSY		"error: too many connections"	/* control.c */
#define STATUS_EXIT_DOWN	3		/* heraldd is not running */
#define STATUS_ERRORS_SHOWN	5

enum ctl_fail {
	CTL_OK,
	CTL_DOWN,	/* nothing listens: heraldd is not running */
	CTL_DENIED,	/* the socket is not ours to use */
	CTL_BUSYERR,	/* it runs, but refused: too many connections */
	CTL_ERROR,
};

/* $RUNTIME_DIRECTORY/heraldd.sock, else the unit's. */
static char *
ctl_socket_default(void)
{
	const char	*rd = getenv("RUNTIME_DIRECTORY");

	if (rd != NULL && *rd != '\0')
		return xasprintf("%.*s/%s", (int)strcspn(rd, ":"), rd,
		    CLI_SOCKET_NAME);
	return xstrdup(CLI_DEFAULT_SOCKET);
}

/*
 * -s, else the configuration's control-socket (-c FILE, or the default
 * file when it exists), else $RUNTIME_DIRECTORY/heraldd.sock, else the
 * unit's.  NULL with *errstr when -c names a configuration that does not
 * load.
 */
static char *
ctl_socket_path(const char *opt, const char *conffile, char **errstr)
{
	const char	*file = conffile != NULL ? conffile : CLI_DEFAULT_CONFIG;
	struct config	*conf = NULL;
	char		*err = NULL, *path = NULL;

	if (opt != NULL)
		return xstrdup(opt);
	if (conffile != NULL || access(file, R_OK) == 0) {
		if (config_load(file, &conf, &err) == 0) {
			if (conf->control_socket != NULL)
				path = xstrdup(conf->control_socket);
			config_free(conf);
		} else if (conffile != NULL) {
			size_t	 n = err != NULL ? strlen(err) : 0;

			while (n > 0 && err[n - 1] == '\n')
				n--;
			*errstr = xasprintf("cannot read the configuration %s:"
			    "\n%.*s", conffile, (int)n, err != NULL ? err : "");
			free(err);
			return NULL;
		}
		free(err);
		if (path != NULL)
			return path;
	}
	return ctl_socket_default();
}

/*
 * Sends one request line and reads the answer until the daemon closes the
 * connection.  CTL_OK with *reply (heap), else *errstr (heap) says why.
 */
static enum ctl_fail
ctl_request(const char *path, const char *req, char **reply, char **errstr)
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd;
	struct buf		 b;
	char			 chunk[8192];
	size_t			 off = 0, len;
	ssize_t			 n;
	char			*line;
	int			 fd, rc;
	enum ctl_fail		 ret = CTL_ERROR;

	*reply = NULL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		*errstr = xasprintf("%s: path too long", path);
		return CTL_ERROR;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		*errstr = xasprintf("socket: %s", strerror(errno));
		return CTL_ERROR;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED) {
			*errstr = xasprintf("heraldd is not running (no answer "
			    "on %s)", path);
			ret = CTL_DOWN;
		} else if (errno == EACCES || errno == EPERM) {
			*errstr = xasprintf("%s: permission denied: join the "
			    "herald group (usermod -aG herald $USER, then log "
			    "in again) or run as the herald user", path);
			ret = CTL_DENIED;
		} else
			*errstr = xasprintf("%s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	line = xasprintf("%s\n", req);
	len = strlen(line);
	while (off < len) {
		if ((n = send(fd, line + off, len - off, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			/* closed on us: its reason may be waiting to be read */
			if (errno == EPIPE || errno == ECONNRESET)
				break;
			*errstr = xasprintf("%s: sending: %s", path,
			    strerror(errno));
			free(line);
			close(fd);
			return CTL_ERROR;
		}
		off += (size_t)n;
	}
	free(line);
	buf_init(&b, 0);
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((rc = poll(&pfd, 1, CTL_TIMEOUT_MS)) == -1 && errno == EINTR)
			continue;
		if (rc <= 0) {
			*errstr = rc == 0 ? xasprintf("%s: no answer within "
			    "%d s", path, CTL_TIMEOUT_MS / 1000) :
			    xasprintf("%s: poll: %s", path, strerror(errno));
			goto fail;
		}
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			/* closed with our request unread: what came is all */
			if (errno == ECONNRESET && b.len > 0)
				break;
			*errstr = xasprintf("%s: reading: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > CTL_REPLY_MAX) {
			*errstr = xasprintf("%s: answer too long", path);
			goto fail;
		}
		buf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	if (b.len == 0) {
		buf_free(&b);
		*errstr = xasprintf("%s: heraldd closed the connection without "
		    "an answer", path);
		return CTL_ERROR;
	}
	if (strncmp(b.data, CTL_BUSY, strlen(CTL_BUSY)) == 0) {
		b.data[strcspn(b.data, "\n")] = '\0';
		*errstr = xasprintf("heraldd is running but has too many "
		    "control connections open (%s): try again in a few "
		    "seconds", b.data + 7);
		buf_free(&b);
		return CTL_BUSYERR;
	}
	*reply = buf_steal(&b);
	return CTL_OK;
fail:
	buf_free(&b);
	close(fd);
	return CTL_ERROR;
}

static int
exit_for(enum ctl_fail f)
{
	return f == CTL_OK ? EXIT_OK : EXIT_FAIL;
}

/* ------------------------------------------------------------------ */
/* herald fetch, reload, metrics                                       */
/* ------------------------------------------------------------------ */

json_t *
cli_ctl_status(const char *sock, const char *conffile)
{
	char	*path, *reply = NULL, *err = NULL;
	json_t	*d = NULL;

	if ((path = ctl_socket_path(sock, conffile, &err)) == NULL) {
		free(err);
		err = NULL;
		path = ctl_socket_default();
	}
	if (ctl_request(path, "status", &reply, &err) == CTL_OK) {
		d = json_loads(reply, 0, NULL);
		if (d != NULL && !json_is_object(d)) {
			json_decref(d);
			d = NULL;
		}
	}
	free(reply);
	free(err);
	free(path);
	return d;
}

/* Prints the daemon's answer: "ok: ..." on stdout, "error: ..." on stderr. */
int
cli_ctl_simple(const char *cmd, const char *sock, const char *conffile,
    const char *req)
{
	char		*path, *reply, *err = NULL;
	enum ctl_fail	 f;
	int		 ret;

	if ((path = ctl_socket_path(sock, conffile, &err)) == NULL) {
		fprintf(stderr, "herald %s: %s\n", cmd, err);
		free(err);
		return EXIT_FAIL;
	}
	if ((f = ctl_request(path, req, &reply, &err)) != CTL_OK) {
		fprintf(stderr, "herald %s: %s\n", cmd, err);
		free(err);
		free(path);
		return exit_for(f);
	}
	free(path);
	if (strncmp(reply, "error: ", 7) == 0) {
		fprintf(stderr, "herald %s: heraldd: %s", cmd, reply + 7);
		ret = EXIT_FAIL;
	} else {
		fputs(strncmp(reply, "ok: ", 4) == 0 ? reply + 4 : reply,
		    stdout);
		ret = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	}
	free(reply);
	return ret;
}

/* fetch [FEED], reload, metrics. */
static int
cmd_ctl(const char *cmd, const struct cmd_args *a)
{
	char		*req;
	int		 ret;

	if (a->argc > 0 && (a->argv[0][0] == '\0' ||
	    strpbrk(a->argv[0], " \t\r\n") != NULL)) {
		fprintf(stderr, "herald %s: a feed name without spaces, "
		    "please\n", cmd);
		return EXIT_USAGE;
	}
	req = a->argc > 0 ? xasprintf("%s %s", cmd, a->argv[0]) :
	    xstrdup(cmd);
	ret = cli_ctl_simple(cmd, a->socket, a->config, req);
	free(req);
	return ret;
}

static int
cmd_fetch(const struct cmd_args *a)
{
	return cmd_ctl("fetch", a);
}

static int
cmd_reload(const struct cmd_args *a)
{
	return cmd_ctl("reload", a);
}

static int
cmd_metrics(const struct cmd_args *a)
{
	return cmd_ctl("metrics", a);
}

/* ------------------------------------------------------------------ */
/* herald status                                                       */
/* ------------------------------------------------------------------ */

struct db_status {
	char		*path;
	int		 ok;		/* read */
	long long	 size, wal_size;
	size_t		 nfeeds;
	size_t		 nerrors;
	char		*errors[STATUS_ERRORS_SHOWN];	/* their names */
	int64_t		 last_fetch;
	long long	 pending, dead, sent;
	int64_t		 damaged;	/* a check found it damaged then */
	char		*damaged_mark;	/* DATABASE.damaged */
};

static void
db_status_read(struct db_status *ds, const char *db, const char *conffile)
{
	struct store			*s;
	struct store_feed		*feeds = NULL;
	struct store_outbox_count	*ob = NULL;
	struct stat			 sb;
	size_t				 nf = 0, no = 0, i;
	char				*err = NULL, *wal;

	if ((ds->path = cli_db_path(db, conffile, &err)) == NULL) {
		fprintf(stderr, "herald status: %s\n", err);
		free(err);
		return;
	}
	if (stat(ds->path, &sb) == 0)
		ds->size = (long long)sb.st_size;
	wal = xasprintf("%s-wal", ds->path);
	if (stat(wal, &sb) == 0)
		ds->wal_size = (long long)sb.st_size;
	free(wal);
	/* what keeps heraldd from starting, when the database opens or not */
	store_damaged_mark(ds->path, &ds->damaged, &ds->damaged_mark);
	if ((s = cli_store_open("status", db, conffile)) == NULL)
		return;
	if (store_feeds_list(s, &feeds, &nf, &err) == -1 ||
	    store_outbox_counts(s, &ob, &no, &err) == -1) {
		fprintf(stderr, "herald status: %s\n", err);
		free(err);
		goto done;
	}
	for (i = 0; i < nf; i++) {
		if (!feeds[i].enabled)
			continue;
		ds->nfeeds++;
		if (feeds[i].last_fetch > ds->last_fetch)
			ds->last_fetch = feeds[i].last_fetch;
		if (!store_feed_failing(&feeds[i]))
			continue;
		if (ds->nerrors < STATUS_ERRORS_SHOWN)
			ds->errors[ds->nerrors] = xstrdup(feeds[i].name);
		ds->nerrors++;
	}
	for (i = 0; i < no; i++) {
		ds->pending += ob[i].pending;
		ds->dead += ob[i].dead;
		ds->sent += ob[i].sent;
	}
	ds->ok = 1;
done:
	store_feeds_free(feeds, nf);
	store_outbox_counts_free(ob, no);
	store_close(s);
}

static void
db_status_free(struct db_status *ds)
{
	size_t	 i;

	for (i = 0; i < STATUS_ERRORS_SHOWN; i++)
		free(ds->errors[i]);
	free(ds->path);
	free(ds->damaged_mark);
}

static json_int_t
jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* "2026-11-28 16:30 CET (3m ago)" */
static void
when(int64_t t, int64_t now, char *out, size_t len)
{
	char	 abs[64], rel[32];

	cli_time_local(t, abs, sizeof(abs));
	cli_time_relative(t, now, rel, sizeof(rel));
	snprintf(out, len, "%s (%s)", abs, rel);
}

static void
size_human(long long n, char *out, size_t len)
{
	/* 1 MiB up in MiB: the file and its WAL side by side read alike */
	if (n >= 1024LL * 1024)
		snprintf(out, len, "%.1f MiB", (double)n / (1024 * 1024));
	else if (n >= 1024)
		snprintf(out, len, "%.1f KiB", (double)n / 1024);
	else
		snprintf(out, len, "%lld bytes", n);
}

/*
 * heraldd refuses a database a check found damaged until a check passes:
 * the reason it is not running, said where the operator looks.
 */
static void
damaged_print(const struct db_status *ds, int64_t now)
{
	char	 t[128];

	if (ds->damaged_mark == NULL)
		return;
	when(ds->damaged, now, t, sizeof(t));
	printf("damaged: a check found the database damaged, %s (%s):\n"
	    "         heraldd will not start on it until it is restored from "
	    "a backup\n         or salvaged (see heraldd(8))\n", t,
	    ds->damaged_mark);
}

static void
status_print(const char *sock, json_t *d, const char *why,
    struct db_status *ds)
{
	int64_t		 now = (int64_t)time(NULL);
	char		 t[128], a[32], b[32];
	size_t		 i;
	long long	 nerr;

	if (d != NULL) {
		printf("heraldd: running, pid %lld, version %s\n",
		    (long long)jint(d, "pid"),
		    json_string_value(json_object_get(d, "version")) ?
		    json_string_value(json_object_get(d, "version")) : "?");
		damaged_print(ds, now);
		when(jint(d, "started"), now, t, sizeof(t));
		printf("since:   %s\n", t);
		if (jint(d, "last_cycle") > 0) {
			when(jint(d, "last_cycle"), now, t, sizeof(t));
			printf("last cycle ended: %s%s\n", t, jint(d, "busy") > 0 ?
			    "; fetching now" : "");
		} else
			printf("last cycle: the first is running\n");
		printf("fetches: %lld since start, %lld in flight or waiting",
		    (long long)jint(d, "fetches"), (long long)jint(d, "busy"));
		if (jint(d, "unfetched") > 0)
			printf(", %lld feed%s not fetched yet",
			    (long long)jint(d, "unfetched"),
			    jint(d, "unfetched") == 1 ? "" : "s");
		printf("\n");
		printf("feeds:   %lld", (long long)jint(d, "feeds"));
		nerr = (long long)jint(d, "feeds_in_error");
	} else {
		if (strncmp(why, "heraldd ", 8) == 0)
			printf("%s\n", why);
		else
			printf("heraldd: unknown: %s\n", why);
		damaged_print(ds, now);
		if (!ds->ok)
			return;
		if (ds->last_fetch > 0) {
			when(ds->last_fetch, now, t, sizeof(t));
			printf("last fetch: %s\n", t);
		}
		printf("feeds:   %zu", ds->nfeeds);
		nerr = (long long)ds->nerrors;
	}
	if (nerr > 0) {
		printf(", %lld in error", nerr);
		if (ds->ok && ds->nerrors > 0) {
			printf(" (");
			for (i = 0; i < ds->nerrors && i < STATUS_ERRORS_SHOWN;
			    i++) {
				char	*c = cli_clean(ds->errors[i], 0);

				printf("%s%s", i ? ", " : "", c);
				free(c);
			}
			printf("%s; see herald feeds --errors)",
			    ds->nerrors > STATUS_ERRORS_SHOWN ? ", ..." : "");
		}
	}
	printf("\n");
	if (ds->ok)
		printf("alerts:  %lld pending, %lld dead, %lld sent\n",
		    ds->pending, ds->dead, ds->sent);
	else if (d != NULL)
		printf("alerts:  %lld pending, %lld dead\n",
		    (long long)jint(d, "alerts_pending"),
		    (long long)jint(d, "alerts_dead"));
	if (ds->path != NULL) {
		size_human(ds->size, a, sizeof(a));
		size_human(ds->wal_size, b, sizeof(b));
		printf("database: %s, %s (+ %s WAL)\n", ds->path, a, b);
	}
	if (d != NULL)
		printf("socket:  %s\n", sock);
}

static json_t *
status_json(const char *sock, json_t *d, const char *why,
    struct db_status *ds)
{
	json_t	*o = json_object(), *db, *errs, *dm;
	size_t	 i;

	json_object_set_new(o, "running", json_boolean(d != NULL));
	json_object_set_new(o, "socket", json_string(sock));
	json_object_set_new(o, "reason", d == NULL ? cli_json_str(why) :
	    json_null());
	if (ds->damaged_mark != NULL) {
		dm = json_object();
		json_object_set_new(dm, "found", cli_json_time(ds->damaged));
		json_object_set_new(dm, "mark", cli_json_str(ds->damaged_mark));
		json_object_set_new(o, "damaged", dm);
	} else
		json_object_set_new(o, "damaged", json_null());
	if (d != NULL) {
		dm = json_object();
		json_object_set_new(dm, "pid", json_integer(jint(d, "pid")));
		json_object_set_new(dm, "version", json_incref(
		    json_object_get(d, "version") ? json_object_get(d,
		    "version") : json_null()));
		json_object_set_new(dm, "started", cli_json_time(jint(d,
		    "started")));
		json_object_set_new(dm, "last_cycle", cli_json_time(jint(d,
		    "last_cycle")));
		json_object_set_new(dm, "feeds", json_integer(jint(d,
		    "feeds")));
		json_object_set_new(dm, "feeds_in_error", json_integer(jint(d,
		    "feeds_in_error")));
		json_object_set_new(dm, "fetches", json_integer(jint(d,
		    "fetches")));
		json_object_set_new(dm, "busy", json_integer(jint(d, "busy")));
		json_object_set_new(o, "daemon", dm);
	} else
		json_object_set_new(o, "daemon", json_null());
	if (ds->ok) {
		db = json_object();
		json_object_set_new(db, "path", cli_json_str(ds->path));
		json_object_set_new(db, "size", json_integer(ds->size));
		json_object_set_new(db, "wal_size", json_integer(ds->wal_size));
		json_object_set_new(db, "feeds", json_integer(
		    (json_int_t)ds->nfeeds));
		json_object_set_new(db, "feeds_in_error", json_integer(
		    (json_int_t)ds->nerrors));
		errs = json_array();
		for (i = 0; i < ds->nerrors && i < STATUS_ERRORS_SHOWN; i++)
			json_array_append_new(errs, cli_json_str(ds->errors[i]));
		json_object_set_new(db, "feeds_in_error_names", errs);
		json_object_set_new(db, "last_fetch", cli_json_time(
		    ds->last_fetch));
		json_object_set_new(db, "alerts_pending", json_integer(
		    ds->pending));
		json_object_set_new(db, "alerts_dead", json_integer(ds->dead));
		json_object_set_new(db, "alerts_sent", json_integer(ds->sent));
		json_object_set_new(o, "database", db);
	} else
		json_object_set_new(o, "database", json_null());
	return o;
}

static int
cmd_status(const struct cmd_args *a)
{
	struct db_status	 ds;
	char			*sock, *reply = NULL, *why = NULL;
	json_t			*d = NULL, *doc;
	json_error_t		 jerr;
	enum ctl_fail		 f;
	int			 ret;

	if ((sock = ctl_socket_path(a->socket, a->config, &why)) == NULL) {
		/* the configuration does not load: db_status_read says why */
		free(why);
		why = NULL;
		sock = ctl_socket_default();
	}
	f = ctl_request(sock, "status", &reply, &why);
	if (f == CTL_OK && (d = json_loads(reply, 0, &jerr)) == NULL) {
		why = xasprintf("%s: not a status answer: %s", sock, jerr.text);
		f = CTL_ERROR;
	}
	free(reply);
	memset(&ds, 0, sizeof(ds));
	db_status_read(&ds, a->db, a->config);
	if (a->json) {
		doc = status_json(sock, d, why, &ds);
		if (cli_json_print(doc) == -1)
			ds.ok = 0;
		json_decref(doc);
	} else
		status_print(sock, d, why, &ds);
	if (fflush(stdout) != 0 || !ds.ok)
		ret = EXIT_FAIL;
	else
		ret = f == CTL_OK ? EXIT_OK : f == CTL_DOWN ? STATUS_EXIT_DOWN :
		    EXIT_FAIL;
	if (f == CTL_DENIED && !a->json)
		fprintf(stderr, "herald status: %s\n", why);
	json_decref(d);
	db_status_free(&ds);
	free(why);
	free(sock);
	return ret;
}

#define CTL_EXIT	"0 done, 1 failure (heraldd not running or refused), " \
			"2 usage."

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.flags = CMD_JSON | CMD_SOCKET | CMD_DATABASE,
	.summary = "is heraldd running; its last cycle, feeds in error, alerts",
	.about =
"Whether heraldd is running (it answers on its control socket), since\n"
"when, its last cycle, the feeds in error, pending and dead alerts and the\n"
"size of the database.  Without a daemon, what the database says.",
	.exit_status = "0 running, 1 failure, 2 usage, 3 heraldd not running.",
	.exec = cmd_status,
};

const struct cmd_entry cmd_fetch_entry = {
	.name = "fetch",
	.operands = "[FEED]",
	.upper = 1,
	.flags = CMD_SOCKET,
	.summary = "ask heraldd to fetch a feed, or every feed, now",
	.about = "Ask heraldd to fetch FEED now, or every feed without one.",
	.exit_status = CTL_EXIT,
	.exec = cmd_fetch,
};

const struct cmd_entry cmd_reload_entry = {
	.name = "reload",
	.flags = CMD_SOCKET,
	.summary = "ask heraldd to read its configuration again",
	.about =
"Ask heraldd to read its configuration again (as SIGHUP does) and say\n"
"whether it was applied or refused, and why.",
	.exit_status = CTL_EXIT,
	.exec = cmd_reload,
};

const struct cmd_entry cmd_metrics_entry = {
	.name = "metrics",
	.flags = CMD_SOCKET,
	.summary = "print heraldd's metrics (Prometheus text format)",
	.about = "Print heraldd's metrics in the Prometheus text format.",
	.exit_status = CTL_EXIT,
	.exec = cmd_metrics,
};
