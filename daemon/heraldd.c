/*
 * heraldd.c: the daemon's entry point: options, configuration, the store,
 * one libev loop, signals.  SIGTERM/SIGINT stop it (transfers in flight are
 * dropped: nothing is written until a fetch completes, and each write is one
 * transaction), SIGHUP swaps in a new configuration whole or keeps the old
 * one, SIGUSR1 makes every feed due now.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "parse.h"
#include "topic.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#define DEFAULT_CONFIG	SYSCONFDIR "/herald/herald.conf"
#define PRUNE_EVERY	(6 * 3600.)
/*
 * A pass of the retention prune holds the loop (no watchdog ping, no
 * fetch) for about PRUNE_PASS seconds at most; a backlog larger than that
 * (a retention just lowered on a large database) goes on PRUNE_AGAIN
 * seconds later, pass after pass, rather than in one pass that outlasts
 * WatchdogSec or TimeoutStartSec and gets heraldd killed.
 */
#define PRUNE_PASS	5.
#define PRUNE_AGAIN	1.

struct daemon {
	struct ev_loop	*loop;
	const char	*conf_path;
	struct config	*conf;
	struct store	*st;
	struct fetcher	*fr;
	struct sched	*sched;
	struct plugin_set *plugins;
	struct alerter	*alerts;
	struct digests	*digests;
	struct control	*control;	/* NULL with --once */
	int		 lock_fd;	/* DATABASE.lock, held until exit */
	int		 once;
	int		 pruned;	/* --once: the retention applied */
	int		 flushed;	/* --once: batching windows closed */
	ev_signal	 sigterm, sigint, sighup, sigusr1;
	ev_timer	 prune;
	ev_timer	 stop_timer;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: heraldd [-fnv] [-c FILE] [--once | --check-database]\n\n"
"  -c, --config FILE  configuration (default %s)\n"
"  -f, --foreground   stay in the foreground, log to stderr (with syslog\n"
"                     priority prefixes when that is the journal)\n"
"  -n, --check        check the configuration (and that the database's\n"
"                     directory exists) and exit\n"
"      --check-database\n"
"                     check the whole database (PRAGMA quick_check), exit\n"
"      --once         fetch every feed once, store, and exit\n"
"  -v, --verbose      log every fetch (twice: more)\n"
"  -h, --help         this text;  -V, --version  the version\n\n"
"Signals: TERM/INT stop, HUP reloads the configuration, USR1 fetches every\n"
"feed now.  See heraldd(8) and herald.conf(5).\n", DEFAULT_CONFIG);
}

/*
 * The directory of the database must exist: heraldd creates the database,
 * its -wal and -shm and its lock there, never the directory (the unit's
 * StateDirectory= makes /var/lib/herald).  Said by -n as by a start, before
 * the lock's open() fails with a bare ENOENT.  0, or -1 with *errstr.
 */
static int
daemon_check_dir(const char *database, char **errstr)
{
	struct stat	 sb;
	char		*copy = xstrdup(database), *dir;
	int		 ret = -1;

	dir = dirname(copy);	/* "." for "h.db", "/" for "/h.db" */
	if (stat(dir, &sb) == -1) {
		if (errno == ENOENT)
			*errstr = xasprintf("the directory %s of the database "
			    "%s does not exist: create it, writable by the "
			    "user heraldd runs as (the unit's is herald; see "
			    "heraldd(8)), or set database in the [herald] "
			    "section", dir, database);
		else
			*errstr = xasprintf("the directory %s of the database "
			    "%s: %s", dir, database, strerror(errno));
		goto done;
	}
	if (!S_ISDIR(sb.st_mode)) {
		*errstr = xasprintf("%s, the directory of the database %s, is "
		    "not a directory", dir, database);
		goto done;
	}
	ret = 0;
done:
	free(copy);
	return ret;
}

/*
 * One writer per database: two heraldd on one database would each send
 * every alert.  flock(2) on DATABASE.lock (in the state directory, which
 * the unit lets heraldd write) is held for the process's lifetime and
 * goes with it however it ends.  -1 with *errstr naming the holder's pid.
 */
static int
daemon_lock(struct daemon *d, char **errstr)
{
	char	*path = xasprintf("%s.lock", d->conf->database);
	char	 buf[32];
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0640)) == -1) {
		*errstr = xasprintf("%s: %s: heraldd takes this lock beside its "
		    "database, so that only one runs on it%s", path,
		    strerror(errno), errno == EACCES ? "; its directory must "
		    "be writable by the user heraldd runs as (the unit's is "
		    "herald; see heraldd(8))" : "");
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK) {
			*errstr = xasprintf("%s: flock: %s", path,
			    strerror(errno));
			goto fail;
		}
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		*errstr = xasprintf("another heraldd (pid %s) is running on %s "
		    "(it holds %s): one heraldd per database; `herald fetch` "
		    "asks it to fetch now", *buf != '\0' ? buf : "unknown",
		    d->conf->database, path);
		goto fail;
	}
	d->lock_fd = fd;
	free(path);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	free(path);
	return -1;
}

/* The pid in the lock file, for the next heraldd's message (after fork). */
static void
daemon_lock_pid(struct daemon *d)
{
	char	 buf[32];
	int	 n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(d->lock_fd, 0) == -1 ||
	    pwrite(d->lock_fd, buf, (size_t)n, 0) != n)
		log_warn("%s.lock: writing the pid", d->conf->database);
}

/*
 * A schema upgrade inside store_open() tells the service manager that the
 * start goes on (store.h): each call gives it OPEN_EXTEND more seconds,
 * and the store calls again well before they run out.
 */
#define OPEN_EXTEND	(6 * STORE_PROGRESS_EVERY)

static void
open_progress(void *arg, const char *what)
{
	(void)arg;
	notify_busy(what, OPEN_EXTEND);
}

/*
 * --check-database: the check a start makes when the database was not
 * closed cleanly, asked for now, under the lock (a running heraldd
 * refuses it).  Like a start, it upgrades an older schema.
 */
static int
daemon_check_database(struct daemon *d)
{
	char	*err = NULL;

	if ((d->st = store_open_progress(d->conf->database,
	    STORE_RDWR | STORE_CHECK, open_progress, NULL, &err)) == NULL) {
		log_warnx("%s", err);
		free(err);
		config_free(d->conf);
		return 1;
	}
	store_close(d->st);
	printf("%s: database ok (PRAGMA quick_check)\n", d->conf->database);
	config_free(d->conf);
	return 0;
}

/* One pass of the retention prune; 1 when items are left for the next. */
static int
daemon_prune(struct daemon *d)
{
	int64_t	 deleted = 0;
	char	*err = NULL;
	int	 more = 0;

	if (d->conf->retention <= 0)
		return 0;
	if (store_prune_for(d->st, (int64_t)time(NULL) - d->conf->retention,
	    PRUNE_PASS, &deleted, &more, &err) == -1) {
		log_warnx("pruning old items failed: %s", err);
		free(err);
		return 0;
	}
	if (deleted > 0)
		log_info("pruned %lld items older than the retention of %lld "
		    "days%s", (long long)deleted,
		    (long long)(d->conf->retention / 86400),
		    !more ? "" : d->once ? "; more to prune, going on" :
		    "; more to prune, going on in a second");
	if (more)
		return 1;
	if (store_digests_prune(d->st, (int64_t)time(NULL) -
	    d->conf->retention, &deleted, &err) == -1) {
		log_warnx("pruning old digests failed: %s", err);
		free(err);
	}
	return 0;
}

static void
prune_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	/* the next pass soon while a backlog is left, else in PRUNE_EVERY */
	ev_timer_stop(loop, w);
	ev_timer_set(w, daemon_prune(w->data) ? PRUNE_AGAIN : PRUNE_EVERY,
	    PRUNE_EVERY);
	ev_timer_start(loop, w);
}


static void
sigterm_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon	*d = w->data;

	log_info("signal %d: stopping", w->signum);
	notify_send("STOPPING=1");
	sched_stop(d->sched);
	ev_break(loop, EVBREAK_ALL);
}

/* The story window, a story's life and alert-per, from [herald]. */
static void
daemon_stories(struct store *st, const struct config *c)
{
	struct store_story_conf	 sc;

	sc.window = c->story_window;
	sc.open = c->story_open;
	sc.alert_per = c->alert_per_article ? STORE_ALERT_PER_ARTICLE :
	    STORE_ALERT_PER_STORY;
	store_stories_configure(st, &sc);
}

/*
 * Loads the configuration file again and swaps it in whole, or keeps the
 * running one and says why (SIGHUP, herald reload).
 */
static int
daemon_reload(void *arg, char **note, char **errstr)
{
	struct daemon	*d = arg;
	struct config	*nc = NULL;
	struct plugin_set *np = NULL;
	char		*err = NULL, *db = NULL, *sock = NULL;

	notify_send("RELOADING=1");
	if (config_load(d->conf_path, &nc, &err) == -1 ||
	    topic_check_config(nc, &err) == -1 ||
	    plugin_set_load(d->loop, d->fr, nc, &np, &err) == -1) {
		log_warnx("reload refused, keeping the running configuration: %s",
		    err);
		notify_ready(d->conf->nfeeds, err);
		*errstr = err;
		config_free(nc);
		return -1;
	}
	*note = NULL;
	if (strcmp(nc->database, d->conf->database) != 0) {
		log_warnx("reload: a new database path takes a restart; "
		    "still using %s", d->conf->database);
		db = xasprintf("the new database path takes a restart: still "
		    "using %s", d->conf->database);
	}
	free(nc->database);
	nc->database = xstrdup(d->conf->database);
	if ((nc->control_socket == NULL) != (d->conf->control_socket == NULL) ||
	    (nc->control_socket != NULL &&
	    strcmp(nc->control_socket, d->conf->control_socket) != 0)) {
		const char	*at = d->control != NULL ?
				    control_path(d->control) : NULL;

		/* none before (none could be made): none until a restart */
		sock = at != NULL ? xasprintf("the new control-socket takes a "
		    "restart: still listening on %s", at) : xstrdup("the new "
		    "control-socket takes a restart: no control socket until "
		    "then");
		log_warnx("reload: %s", sock);
		/*
		 * as the database: the running value stays, so that the
		 * next reload compares against where the socket is
		 */
		free(nc->control_socket);
		nc->control_socket = d->conf->control_socket != NULL ?
		    xstrdup(d->conf->control_socket) : NULL;
	}
	if (db != NULL || sock != NULL)
		*note = xasprintf("%s%s%s", db != NULL ? db : "",
		    db != NULL && sock != NULL ? "; " : "",
		    sock != NULL ? sock : "");
	free(db);
	free(sock);
	if (sched_apply(d->sched, nc, &err) == -1) {
		log_warnx("reload: applying the configuration failed: %s", err);
		free(err);
	}
	daemon_stories(d->st, nc);
	/* the new plugins are up: the old ones finish what they started */
	alert_set_plugins(d->alerts, np);
	plugin_set_retire(d->plugins);
	d->plugins = np;
	if (digests_apply(d->digests, nc, &err) == -1) {
		log_warnx("reload: digests: %s", err);
		free(err);
	}
	config_free(d->conf);
	d->conf = nc;
	if (d->control != NULL)
		control_metrics_file(d->control, nc->metrics_file);
	log_info("reload: configuration applied (%zu feeds)", nc->nfeeds);
	notify_ready(nc->nfeeds, NULL);
	return 0;
}

static void
sighup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	char	*err = NULL, *note = NULL;

	if (daemon_reload(w->data, &note, &err) == -1)
		free(err);
	free(note);
}

static void
sigusr1_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon	*d = w->data;

	log_info("signal USR1: every feed due now");
	sched_all_due(d->sched);
}

/* A fetch stored new or changed items: matches may wait in the outbox. */
static void
committed(void *arg)
{
	alert_kick(arg);
}

/*
 * --once: once nothing is in flight or waiting, send what the batching
 * windows hold (no run comes back to send it), then leave the loop.
 */
static void
once_idle(void *arg)
{
	struct daemon	*d = arg;

	if (sched_busy(d->sched) != 0 || alert_busy(d->alerts) != 0)
		return;
	if (!d->pruned) {
		/*
		 * Under cron --once is the only run there is: the retention
		 * applies, whole, once every feed was fetched (review7: it
		 * never did).  Not before: an article still in its feed is
		 * kept only when the feed's last success is recent, and after
		 * a gap longer than the retention none is (review8).
		 */
		d->pruned = 1;
		while (daemon_prune(d))
			;
	}
	if (!d->flushed) {
		d->flushed = 1;
		alert_flush(d->alerts);
		return;
	}
	ev_break(d->loop, EVBREAK_ALL);
}

static void
once_stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	once_idle(w->data);
}

/*
 * --once ended: says what a cron job or a script must know, and returns
 * the exit status.  1 when a fetch was not stored (its articles wait for
 * the next run); else 75 (EX_TEMPFAIL, "try again later") when a host's
 * Retry-After held feeds back: nothing failed, but not every feed was
 * fetched, and a run after the time logged fetches them (review7 D4).
 */
static int
once_done(struct daemon *d)
{
	struct sched_held	*held;
	unsigned long long	 nf = sched_nfetches(d->sched);
	size_t			 nheld, nerr = sched_nerrors(d->sched), i;
	char			 when[64], *also = NULL;
	struct tm		 tm;
	int			 rc = 0;

	nheld = sched_held(d->sched, &held);
	for (i = 0; i < nheld; i++) {
		if (localtime_r(&held[i].until, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z",
		    &tm) == 0)
			snprintf(when, sizeof(when), "@%lld",
			    (long long)held[i].until);
		log_warnx("feed %s: not fetched: its host %s asked to wait "
		    "%ld s (Retry-After), until %s", held[i].name,
		    held[i].host, held[i].asked, when);
	}
	free(held);
	if (nheld > 0)
		also = xasprintf(", %zu feed%s not fetched (held back by "
		    "their host's Retry-After: run again later)", nheld,
		    nheld == 1 ? "" : "s");
	if (sched_nstore_failures(d->sched) > 0) {
		/* the log named each feed; cron must see it failed */
		log_warnx("done: storing %llu of %llu fetches failed (see "
		    "above): their articles were not stored%s",
		    (unsigned long long)sched_nstore_failures(d->sched), nf,
		    also != NULL ? also : "");
		rc = 1;
	} else if (nheld > 0) {
		log_warnx("done: %llu fetch%s, %zu feed%s in error%s", nf,
		    nf == 1 ? "" : "es", nerr, nerr == 1 ? "" : "s", also);
		rc = EX_TEMPFAIL;
	} else
		log_debug("done: %llu fetch%s, %zu feed%s in error", nf,
		    nf == 1 ? "" : "es", nerr, nerr == 1 ? "" : "s");
	free(also);
	return rc;
}

/*
 * Whether standard error is the journal: JOURNAL_STREAM names its device
 * and inode (systemd.exec(5)); one a child inherited with another stderr
 * (heraldd --once run from a unit's shell into a file) is not.
 */
static int
stderr_is_journal(void)
{
	const char		*js = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'n' },
		{ "check-database", no_argument, NULL, 'D' },
		{ "once", no_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct daemon	 d;
	int		 ch, check = 0, checkdb = 0, fg = 0, verbose = 0;
	int		 to_stderr, rc = 0;
	char		*err = NULL;

	memset(&d, 0, sizeof(d));
	d.conf_path = DEFAULT_CONFIG;
	d.lock_fd = -1;
	while ((ch = getopt_long(argc, argv, "c:fnvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d.conf_path = optarg;
			break;
		case 'f':
			fg = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'o':
			d.once = 1;
			break;
		case 'D':
			checkdb = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("heraldd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (checkdb && (check || d.once))) {
		usage(stderr);
		return 2;
	}
	/*
	 * Under systemd (or with -f, --once, -n) stderr is the log: with
	 * journald's priority prefixes when it is the journal, else as a
	 * person reads it.
	 */
	to_stderr = check || checkdb || fg || d.once || getenv("JOURNAL_STREAM") != NULL ||
	    getenv("NOTIFY_SOCKET") != NULL;
	log_init("heraldd", check ? LOG_TO_STDERR : stderr_is_journal() ?
	    LOG_TO_JOURNAL : to_stderr ? LOG_TO_STDERR : LOG_TO_SYSLOG, verbose);
	/* libxml2's entity loader is process-wide: one that loads nothing */
	parse_global_init();

	if (check && config_load_all(d.conf_path, &d.conf, &err) == -1) {
		/*
		 * -n: the topics' rules checked beside the other errors, not
		 * in a second round; the plugins need a valid configuration.
		 */
		fprintf(stderr, "%s", err);
		free(err);
		err = NULL;
		if (d.conf != NULL && topic_check_config(d.conf, &err) == -1)
			fprintf(stderr, "%s", err);
		free(err);
		config_free(d.conf);
		fprintf(stderr, "heraldd: %s: configuration not valid (the "
		    "plugins are checked once it is)\n", d.conf_path);
		return 1;
	}
	if ((!check && config_load(d.conf_path, &d.conf, &err) == -1) ||
	    topic_check_config(d.conf, &err) == -1) {
		fprintf(stderr, "%s", err);
		fprintf(stderr, "heraldd: %s: configuration not valid\n", d.conf_path);
		return 1;
	}
	if (check && plugin_set_load(EV_DEFAULT, NULL, d.conf, &d.plugins,
	    &err) == -1) {
		fprintf(stderr, "%s", err);
		fprintf(stderr, "heraldd: %s: plugins not valid\n", d.conf_path);
		return 1;
	}
	if (daemon_check_dir(d.conf->database, &err) == -1) {
		log_warnx("%s", err);
		if (!to_stderr)
			fprintf(stderr, "heraldd: %s\n", err);
		free(err);
		plugin_set_free(d.plugins);
		config_free(d.conf);
		return 1;
	}
	if (check) {
		plugin_set_free(d.plugins);
		printf("%s: configuration ok (%zu feed%s, %zu topic%s, "
		    "%zu plugin%s, %zu digest%s)\n", d.conf_path,
		    d.conf->nfeeds, d.conf->nfeeds == 1 ? "" : "s",
		    d.conf->ntopics, d.conf->ntopics == 1 ? "" : "s",
		    d.conf->nplugins, d.conf->nplugins == 1 ? "" : "s",
		    d.conf->ndigests, d.conf->ndigests == 1 ? "" : "s");
		config_free(d.conf);
		return 0;
	}
	/* before detaching, so that a second heraldd says why on a terminal */
	if (daemon_lock(&d, &err) == -1) {
		log_warnx("%s", err);
		if (!to_stderr)
			fprintf(stderr, "heraldd: %s\n", err);
		free(err);
		config_free(d.conf);
		return 1;
	}
	if (checkdb)
		return daemon_check_database(&d);
	if (!fg && !d.once && getenv("NOTIFY_SOCKET") == NULL &&
	    getenv("JOURNAL_STREAM") == NULL && daemon(0, 0) == -1)
		fatal("daemon");
	daemon_lock_pid(&d);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);
	/* past RLIMIT_FSIZE a write fails with EFBIG: a full disk, not death */
	signal(SIGXFSZ, SIG_IGN);
	if ((d.st = store_open_progress(d.conf->database, STORE_RDWR,
	    open_progress, NULL, &err)) == NULL) {
		log_warnx("%s", err);
		return 1;
	}
	daemon_stories(d.st, d.conf);
	d.loop = EV_DEFAULT;
	d.fr = fetcher_new(d.loop);
	d.sched = sched_new(d.loop, d.st, d.fr);
	notify_init(d.loop);
	if (sched_apply(d.sched, d.conf, &err) == -1) {
		log_warnx("%s", err);
		goto fail;
	}
	if (plugin_set_load(d.loop, d.fr, d.conf, &d.plugins, &err) == -1) {
		log_warnx("%s: plugins not valid:\n%s", d.conf_path, err);
		goto fail;
	}
	d.alerts = alert_new(d.loop, d.st, d.plugins);
	sched_set_commit_cb(d.sched, committed, d.alerts);
	/* a digest missed while heraldd was down is queued now */
	d.digests = digests_new(d.loop, d.st, d.alerts);
	if (digests_apply(d.digests, d.conf, &err) == -1) {
		log_warnx("%s", err);
		goto fail;
	}

	ev_signal_init(&d.sigterm, sigterm_cb, SIGTERM);
	ev_signal_init(&d.sigint, sigterm_cb, SIGINT);
	ev_signal_init(&d.sighup, sighup_cb, SIGHUP);
	ev_signal_init(&d.sigusr1, sigusr1_cb, SIGUSR1);
	d.sigterm.data = d.sigint.data = d.sighup.data = d.sigusr1.data = &d;
	ev_signal_start(d.loop, &d.sigterm);
	ev_signal_start(d.loop, &d.sigint);
	ev_signal_start(d.loop, &d.sighup);
	ev_signal_start(d.loop, &d.sigusr1);

	if (d.once) {
		sched_add_idle_cb(d.sched, once_idle, &d);
		alert_add_idle_cb(d.alerts, once_idle, &d);
		sched_all_due(d.sched);
		if (sched_busy(d.sched) == 0) {
			/* no feed to fetch: still leave through the loop */
			ev_timer_init(&d.stop_timer, once_stop_cb, 0., 0.);
			d.stop_timer.data = &d;
			ev_timer_start(d.loop, &d.stop_timer);
		}
	} else {
		ev_timer_init(&d.prune, prune_cb,
		    daemon_prune(&d) ? PRUNE_AGAIN : PRUNE_EVERY, PRUNE_EVERY);
		d.prune.data = &d;
		ev_timer_start(d.loop, &d.prune);
		d.control = control_new(d.loop, d.st, d.sched, daemon_reload,
		    &d);
		control_set_digests(d.control, d.digests);
		control_set_alerter(d.control, d.alerts);
		if (control_listen(d.control, d.conf->control_socket) == -1)
			log_warnx("running without a control socket");
		control_metrics_file(d.control, d.conf->metrics_file);
		log_info("started: %zu feeds, database %s", d.conf->nfeeds,
		    d.conf->database);
		notify_status_start(d.sched);
		notify_ready(d.conf->nfeeds, NULL);
	}
	ev_run(d.loop, 0);

	sched_stop(d.sched);
	control_free(d.control);
	notify_stop();
	if (d.once)
		rc = once_done(&d);
	digests_free(d.digests);
	alert_free(d.alerts);
	plugin_set_free(d.plugins);
	sched_free(d.sched);
	fetcher_free(d.fr);
	store_close(d.st);
	config_free(d.conf);
	return rc;

fail:
	/* refused at the start: the database is closed cleanly all the same */
	store_close(d.st);
	return 1;
}
