/*
 * plugin.c: the only file that calls dlopen().  Loads each [plugin]
 * section's shared object, checks its ABI number and struct size (as nginx
 * does), and hands it a table of host functions (as Redis does): logging,
 * timers, HTTP on the daemon's curl multi handle and children watched by
 * ev_child, so that a plugin never blocks the loop.  Every resource a
 * plugin opens is tracked per instance and released when it goes away.
 */
#include "config.h"

#include <sys/stat.h>

#include <sys/queue.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "daemon.h"
#include "log.h"
#include "util.h"

extern char	**environ;

#define HTTP_DEFAULT_TIMEOUT	30.
#define HTTP_MAX_TIMEOUT	600.
#define HTTP_DEFAULT_KEEP	(64 * 1024)
#define HTTP_MAX_BODY		(1024 * 1024)	/* whole response, read */
#define CHILD_DEFAULT_TIMEOUT	60.
#define CHILD_DEFAULT_KEEP	(16 * 1024)
#define RETIRE_GRACE		30.	/* a retired set's deliveries, at most */

struct herald_http {
	TAILQ_ENTRY(herald_http) entry;
	struct plugin		*p;
	struct fetch		*f;
	ev_timer		 fail;		/* cannot start: fails from the loop */
	const char		*error;
	struct buf		 body;
	herald_http_cb		 cb;
	void			*arg;
};

struct herald_child {
	TAILQ_ENTRY(herald_child) entry;
	struct plugin		*p;
	pid_t			 pid;
	ev_child		 cw;
	ev_io			 in_io, out_io;
	ev_timer		 timer;		/* the timeout, or a spawn error */
	int			 in_fd, out_fd;
	char			*input;
	size_t			 input_len, input_off;
	struct buf		 out;
	char			*error;
	int			 timed_out;
	ev_tstamp		 started;
	herald_child_cb		 cb;
	void			*arg;
};

struct herald_timer {
	TAILQ_ENTRY(herald_timer) entry;
	struct plugin		*p;
	ev_timer		 w;
	herald_timer_cb		 cb;
	void			*arg;
};

enum completion_state {
	C_PENDING,		/* on_alert() called, no outcome yet */
	C_DONE,			/* outcome given, the caller not told yet */
	C_EXPIRED,		/* the caller was told "retry"; awaits a late call */
};

struct herald_completion {
	TAILQ_ENTRY(herald_completion) entry;
	struct plugin		*p;
	enum completion_state	 state;
	ev_timer		 timer;		/* deadline, or 0 to report */
	int			 outcome;
	long			 retry_after;
	char			*message;
	plugin_done_fn		 done;
	void			*arg;
};

struct plugin {
	TAILQ_ENTRY(plugin)	 entry;
	struct plugin_set	*set;
	char			*name;
	char			*path;
	const char		*file;		/* of the section, in conf */
	int			 line;
	void			*dl;
	const struct herald_plugin *hp;
	void			*state;
	int			 inited;
	struct plugin_limits	 limits;
	struct buf		*errors;	/* during init only */
	TAILQ_HEAD(, herald_http)	 https;
	TAILQ_HEAD(, herald_child)	 children;
	TAILQ_HEAD(, herald_timer)	 timers;
	TAILQ_HEAD(, herald_completion)	 completions;
	size_t			 pending;	/* completions C_PENDING or C_DONE */
};

struct plugin_set {
	LIST_ENTRY(plugin_set)	 retired_entry;
	struct ev_loop		*loop;
	struct fetcher		*fr;
	TAILQ_HEAD(, plugin)	 plugins;
	struct plugin		**index;
	size_t			 n;
	int			 retired;
	ev_timer		 grace;
	ev_idle			 reap;		/* frees a drained retired set */
};

/* Sets a reload replaced, still finishing their deliveries. */
static LIST_HEAD(, plugin_set)	 retired_sets = LIST_HEAD_INITIALIZER(retired_sets);

static const struct herald_host	*host_table(struct ev_loop *);
static void	set_destroy(struct plugin_set *);
static void	completion_report(struct herald_completion *);
static void	set_check_retired(struct plugin_set *);

/* ---- logging and errors ---- */

static void
host_log(struct herald_ctx *ctx, enum herald_log_level lvl, const char *fmt,
    ...)
{
	struct plugin	*p = (struct plugin *)ctx;
	va_list		 ap;
	char		*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	switch (lvl) {
	case HERALD_LOG_ERR:
	case HERALD_LOG_WARN:
		log_warnx("plugin %s: %s", p->name, s);
		break;
	case HERALD_LOG_INFO:
		log_info("plugin %s: %s", p->name, s);
		break;
	default:
		log_debug("plugin %s: %s", p->name, s);
		break;
	}
	free(s);
}

static void
host_error(struct herald_ctx *ctx, const struct herald_option *opt,
    const char *fmt, ...)
{
	struct plugin	*p = (struct plugin *)ctx;
	va_list		 ap;
	char		*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	if (p->errors == NULL)
		log_warnx("plugin %s: %s", p->name, s);
	else if (opt != NULL)
		buf_printf(p->errors, "%s:%d: %s: %s\n", opt->file ? opt->file :
		    p->file, opt->line, opt->key ? opt->key : "?", s);
	else
		buf_printf(p->errors, "%s:%d: [plugin \"%s\"]: %s\n", p->file,
		    p->line, p->name, s);
	free(s);
}

static double
host_now(struct herald_ctx *ctx)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- HTTP ---- */

static void
http_free(struct herald_http *h)
{
	ev_timer_stop(h->p->set->loop, &h->fail);
	TAILQ_REMOVE(&h->p->https, h, entry);
	buf_free(&h->body);
	free(h);
}

static int
http_data(void *arg, const char *ctype, const char *data, size_t len)
{
	struct herald_http	*h = arg;

	buf_append(&h->body, data, len);	/* past the cap: dropped */
	return 0;
}

static void
http_done(void *arg, const struct fetch_result *r)
{
	struct herald_http		*h = arg;
	struct herald_http_response	 resp;

	memset(&resp, 0, sizeof(resp));
	resp.ok = r->ok && r->status > 0;
	resp.status = r->status;
	resp.error = r->ok ? (r->status > 0 ? NULL : "no HTTP response") :
	    r->error;
	resp.body = h->body.data != NULL ? h->body.data : "";
	resp.body_len = h->body.len;
	resp.retry_after = r->retry_after;
	resp.seconds = r->seconds;
	h->f = NULL;
	h->cb(h->arg, &resp);
	http_free(h);
}

static void
http_fail_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct herald_http		*h = w->data;
	struct herald_http_response	 resp;

	memset(&resp, 0, sizeof(resp));
	resp.error = h->error;
	resp.body = "";
	resp.retry_after = -1;
	h->cb(h->arg, &resp);
	http_free(h);
}

static int
http_url_ok(const char *url)
{
	return url != NULL && (strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0);
}

static struct herald_http *
host_http(struct herald_ctx *ctx, const struct herald_http_request *rq,
    herald_http_cb cb, void *arg)
{
	struct plugin		*p = (struct plugin *)ctx;
	struct herald_http	*h = xcalloc(1, sizeof(*h));
	struct fetch_opts	 o;
	struct fetch_req	 req;
	double			 t = rq->timeout > 0 ? rq->timeout :
				    HTTP_DEFAULT_TIMEOUT;
	char			*ua;

	h->p = p;
	h->cb = cb;
	h->arg = arg;
	buf_init(&h->body, rq->max_response > 0 ? rq->max_response :
	    HTTP_DEFAULT_KEEP);
	ev_timer_init(&h->fail, http_fail_cb, 0., 0.);
	h->fail.data = h;
	TAILQ_INSERT_TAIL(&p->https, h, entry);
	if (p->set->fr == NULL || !http_url_ok(rq->url)) {
		h->error = p->set->fr == NULL ? "no HTTP client here" :
		    "not an http:// or https:// URL";
		ev_timer_start(p->set->loop, &h->fail);
		return h;
	}
	if (t > HTTP_MAX_TIMEOUT)
		t = HTTP_MAX_TIMEOUT;
	memset(&o, 0, sizeof(o));
	o.total_timeout = (long)t + ((double)(long)t < t);
	o.connect_timeout = o.total_timeout < 30 ? o.total_timeout : 30;
	o.low_speed_time = o.total_timeout;
	o.max_size = HTTP_MAX_BODY;
	o.max_redirects = 0;
	ua = xasprintf("herald/%s (+plugin %s)", PACKAGE_VERSION, p->name);
	o.user_agent = ua;
	memset(&req, 0, sizeof(req));
	req.url = rq->url;
	req.method = rq->method;
	req.headers = rq->headers;
	req.body = rq->body;
	req.body_len = rq->body_len;
	req.any_status = 1;
	if (req.method == NULL && req.body == NULL)
		req.method = "GET";	/* a plugin request, not a feed */
	h->f = fetch_start(p->set->fr, &o, &req, http_data, http_done, h);
	free(ua);
	return h;
}

static void
host_http_cancel(struct herald_http *h)
{
	if (h == NULL)
		return;
	if (h->f != NULL)
		fetch_cancel(h->f);
	http_free(h);
}

/* ---- children ---- */

static void
child_close_fds(struct herald_child *c)
{
	struct ev_loop	*loop = c->p->set->loop;

	ev_io_stop(loop, &c->in_io);
	ev_io_stop(loop, &c->out_io);
	if (c->in_fd != -1)
		close(c->in_fd);
	if (c->out_fd != -1)
		close(c->out_fd);
	c->in_fd = c->out_fd = -1;
}

static void
child_free(struct herald_child *c)
{
	struct ev_loop	*loop = c->p->set->loop;

	child_close_fds(c);
	ev_child_stop(loop, &c->cw);
	ev_timer_stop(loop, &c->timer);
	TAILQ_REMOVE(&c->p->children, c, entry);
	buf_free(&c->out);
	free(c->input);
	free(c->error);
	free(c);
}

/* Reads what the child wrote; 0 at end of file or error. */
static int
child_read(struct herald_child *c)
{
	char	 b[4096];
	ssize_t	 n;
	int	 i;

	for (i = 0; i < 64; i++) {
		n = read(c->out_fd, b, sizeof(b));
		if (n > 0) {
			buf_append(&c->out, b, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 1;
		return 0;
	}
	return 1;
}

static void
child_out_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct herald_child	*c = w->data;

	if (!child_read(c)) {
		ev_io_stop(loop, &c->out_io);
		close(c->out_fd);
		c->out_fd = -1;
	}
}

static void
child_in_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct herald_child	*c = w->data;
	ssize_t			 n;

	n = write(c->in_fd, c->input + c->input_off, c->input_len - c->input_off);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->input_off += (size_t)n;
	if (n == -1 || c->input_off >= c->input_len) {
		/* done, or the child closed its stdin (EPIPE): fine either way */
		ev_io_stop(loop, &c->in_io);
		close(c->in_fd);
		c->in_fd = -1;
	}
}

static void
child_report(struct herald_child *c, int exited, int status, int sig)
{
	struct herald_child_result	 r;

	memset(&r, 0, sizeof(r));
	r.error = c->error;
	r.exited = exited;
	r.status = status;
	r.signal = sig;
	r.timed_out = c->timed_out;
	r.output = c->out.data != NULL ? c->out.data : "";
	r.output_len = c->out.len;
	r.seconds = ev_now(c->p->set->loop) - c->started;
	c->cb(c->arg, &r);
	child_free(c);
}

static void
child_exit_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct herald_child	*c = w->data;
	int			 st = w->rstatus;

	ev_child_stop(loop, w);
	c->pid = -1;
	/* what it wrote before exiting is in the pipe; a grandchild that
	   keeps the pipe open must not hold the result back */
	if (c->out_fd != -1)
		child_read(c);
	if (WIFEXITED(st))
		child_report(c, 1, WEXITSTATUS(st), 0);
	else
		child_report(c, 0, 0, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void
child_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct herald_child	*c = w->data;

	if (c->pid == -1) {
		/* it never started */
		child_report(c, 0, 0, 0);
		return;
	}
	c->timed_out = 1;
	log_debug("plugin %s: child %ld timed out: killing its process group",
	    c->p->name, (long)c->pid);
	kill(-c->pid, SIGKILL);
	kill(c->pid, SIGKILL);
	/* child_exit_cb reports once the kernel says it is gone */
}

static int
set_nonblock(int fd)
{
	int	 fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* The daemon's environment with `extra` added (a name in both: extra's). */
static char **
child_env(const char *const *extra)
{
	size_t	 n = 0, m = 0, i, j, k = 0;
	char	**env;

	while (environ[n] != NULL)
		n++;
	while (extra != NULL && extra[m] != NULL)
		m++;
	env = xcalloc(n + m + 1, sizeof(*env));
	for (i = 0; i < n; i++) {
		size_t	 len = strcspn(environ[i], "=");
		int	 shadowed = 0;

		for (j = 0; j < m && !shadowed; j++)
			shadowed = strncmp(extra[j], environ[i], len) == 0 &&
			    extra[j][len] == '=';
		if (!shadowed)
			env[k++] = environ[i];
	}
	for (j = 0; j < m; j++)
		if (strchr(extra[j], '=') != NULL)
			env[k++] = (char *)extra[j];
	env[k] = NULL;
	return env;
}

static int
child_start(struct herald_child *c, const struct herald_spawn *sp)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, all;
	int				 in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int				 rc = -1, err;
	char				**env = NULL;

	if (sp->argv == NULL || sp->argv[0] == NULL) {
		c->error = xstrdup("no command");
		return -1;
	}
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1) {
		c->error = xasprintf("pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);	/* SIGPIPE back on */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	env = child_env(sp->env);
	err = posix_spawnp(&c->pid, sp->argv[0], &fa, &attr,
	    (char *const *)sp->argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (err != 0) {
		c->pid = -1;
		c->error = xasprintf("%s: %s", sp->argv[0], strerror(err));
		goto out;
	}
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	c->in_fd = in[1];
	c->out_fd = out[0];
	in[1] = out[0] = -1;
	set_nonblock(c->in_fd);
	set_nonblock(c->out_fd);
	rc = 0;
out:
	free(env);
	if (in[0] != -1)
		close(in[0]);
	if (in[1] != -1)
		close(in[1]);
	if (out[0] != -1)
		close(out[0]);
	if (out[1] != -1)
		close(out[1]);
	return rc;
}

static struct herald_child *
host_spawn(struct herald_ctx *ctx, const struct herald_spawn *sp,
    herald_child_cb cb, void *arg)
{
	struct plugin		*p = (struct plugin *)ctx;
	struct ev_loop		*loop = p->set->loop;
	struct herald_child	*c = xcalloc(1, sizeof(*c));
	double			 t = sp->timeout > 0 ? sp->timeout :
				    CHILD_DEFAULT_TIMEOUT;

	c->p = p;
	c->cb = cb;
	c->arg = arg;
	c->pid = -1;
	c->in_fd = c->out_fd = -1;
	c->started = ev_now(loop);
	buf_init(&c->out, sp->max_output > 0 ? sp->max_output :
	    CHILD_DEFAULT_KEEP);
	ev_timer_init(&c->timer, child_timer_cb, t, 0.);
	c->timer.data = c;
	ev_init(&c->in_io, child_in_cb);
	ev_init(&c->out_io, child_out_cb);
	c->in_io.data = c->out_io.data = c;
	TAILQ_INSERT_TAIL(&p->children, c, entry);
	if (child_start(c, sp) == -1) {
		ev_timer_set(&c->timer, 0., 0.);
		ev_timer_start(loop, &c->timer);
		return c;
	}
	ev_child_init(&c->cw, child_exit_cb, c->pid, 0);
	c->cw.data = c;
	ev_child_start(loop, &c->cw);
	ev_timer_start(loop, &c->timer);
	ev_io_set(&c->out_io, c->out_fd, EV_READ);
	ev_io_start(loop, &c->out_io);
	if (sp->input != NULL && sp->input_len > 0) {
		c->input = xmalloc(sp->input_len);
		memcpy(c->input, sp->input, sp->input_len);
		c->input_len = sp->input_len;
		ev_io_set(&c->in_io, c->in_fd, EV_WRITE);
		ev_io_start(loop, &c->in_io);
	} else {
		close(c->in_fd);
		c->in_fd = -1;
	}
	return c;
}

static void
host_child_cancel(struct herald_child *c)
{
	if (c == NULL)
		return;
	if (c->pid > 0) {
		/* libev's SIGCHLD handler reaps it */
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
	}
	child_free(c);
}

/* ---- timers ---- */

static void
timer_free(struct herald_timer *t)
{
	ev_timer_stop(t->p->set->loop, &t->w);
	TAILQ_REMOVE(&t->p->timers, t, entry);
	free(t);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct herald_timer	*t = w->data;
	herald_timer_cb		 cb = t->cb;
	void			*arg = t->arg;

	timer_free(t);
	cb(arg);
}

static struct herald_timer *
host_timer(struct herald_ctx *ctx, double seconds, herald_timer_cb cb,
    void *arg)
{
	struct plugin		*p = (struct plugin *)ctx;
	struct herald_timer	*t = xcalloc(1, sizeof(*t));

	t->p = p;
	t->cb = cb;
	t->arg = arg;
	ev_timer_init(&t->w, timer_cb, seconds > 0 ? seconds : 0., 0.);
	t->w.data = t;
	TAILQ_INSERT_TAIL(&p->timers, t, entry);
	ev_timer_start(p->set->loop, &t->w);
	return t;
}

static void
host_timer_cancel(struct herald_timer *t)
{
	if (t != NULL)
		timer_free(t);
}

/* ---- deliveries ---- */

static void
completion_free(struct herald_completion *c)
{
	ev_timer_stop(c->p->set->loop, &c->timer);
	TAILQ_REMOVE(&c->p->completions, c, entry);
	free(c->message);
	free(c);
}

/* Tells the caller (alert.c) and keeps the struct only if a late call may come. */
static void
completion_report(struct herald_completion *c)
{
	struct plugin_set	*set = c->p->set;
	plugin_done_fn		 done = c->done;
	void			*arg = c->arg;
	int			 outcome = c->outcome;
	long			 ra = c->retry_after;
	char			*msg = c->message;

	c->message = NULL;
	c->p->pending--;
	if (c->state == C_DONE)
		completion_free(c);
	else {
		ev_timer_stop(set->loop, &c->timer);
		c->state = C_EXPIRED;
	}
	done(arg, outcome, ra, msg);
	free(msg);
	set_check_retired(set);
}

static void
completion_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct herald_completion	*c = w->data;

	if (c->state == C_PENDING) {
		log_warnx("plugin %s: no outcome within %.0f s: the alert "
		    "will be retried", c->p->name, w->repeat > 0 ? w->repeat :
		    0.);
		c->outcome = HERALD_RETRY;
		c->retry_after = 0;
		c->message = xstrdup("the plugin gave no outcome in time");
	}
	completion_report(c);
}

static void
host_complete(struct herald_completion *c, enum herald_outcome outcome,
    long retry_after, const char *message)
{
	struct ev_loop	*loop;

	if (c == NULL)
		return;
	if (c->state == C_EXPIRED) {
		log_debug("plugin %s: an outcome after the deadline ignored",
		    c->p->name);
		completion_free(c);
		return;
	}
	if (c->state == C_DONE) {
		log_warnx("plugin %s: completed one delivery twice", c->p->name);
		return;
	}
	if (outcome != HERALD_OK && outcome != HERALD_FAIL &&
	    outcome != HERALD_RETRY) {
		log_warnx("plugin %s: unknown outcome %d: retrying", c->p->name,
		    (int)outcome);
		outcome = HERALD_RETRY;
	}
	c->state = C_DONE;
	c->outcome = outcome;
	c->retry_after = retry_after > 0 ? retry_after : 0;
	c->message = message != NULL ? xstrdup(message) : NULL;
	/* report from the loop: never inside on_alert or the plugin's callback */
	loop = c->p->set->loop;
	ev_timer_stop(loop, &c->timer);
	ev_timer_set(&c->timer, 0., 0.);
	ev_timer_start(loop, &c->timer);
}

/* A completion for one call, or NULL when it already ended (retired). */
static struct herald_completion *
completion_new(struct plugin *p, double deadline, int takes,
    const char *what, plugin_done_fn done, void *arg)
{
	struct herald_completion	*c = xcalloc(1, sizeof(*c));

	c->p = p;
	c->done = done;
	c->arg = arg;
	c->state = C_PENDING;
	ev_timer_init(&c->timer, completion_timer_cb, deadline, deadline);
	c->timer.data = c;
	TAILQ_INSERT_TAIL(&p->completions, c, entry);
	p->pending++;
	ev_timer_start(p->set->loop, &c->timer);
	if (p->set->retired || !takes) {
		host_complete(c, HERALD_RETRY, 0, !takes ? what :
		    "the plugin was unloaded");
		return NULL;
	}
	return c;
}

void
plugin_deliver(struct plugin *p, const struct herald_delivery *d,
    double deadline, plugin_done_fn done, void *arg)
{
	struct herald_completion	*c;

	if ((c = completion_new(p, deadline, p->hp->on_alert != NULL,
	    "the plugin takes no alerts", done, arg)) != NULL)
		p->hp->on_alert(p->state, d, c);
}

void
plugin_deliver_digest(struct plugin *p, const struct herald_digest *dg,
    double deadline, plugin_done_fn done, void *arg)
{
	struct herald_completion	*c;

	if ((c = completion_new(p, deadline, plugin_takes_digests(p),
	    "the plugin takes no digests", done, arg)) != NULL)
		p->hp->on_digest(p->state, dg, c);
}

/* ---- the host table ---- */

static const struct herald_host *
host_table(struct ev_loop *loop)
{
	static struct herald_host	 h;

	h.abi = HERALD_PLUGIN_ABI;
	h.size = sizeof(h);
	h.version = PACKAGE_VERSION;
	h.loop = loop;
	h.log = host_log;
	h.error = host_error;
	h.now = host_now;
	h.http = host_http;
	h.http_cancel = host_http_cancel;
	h.spawn = host_spawn;
	h.child_cancel = host_child_cancel;
	h.timer = host_timer;
	h.timer_cancel = host_timer_cancel;
	h.complete = host_complete;
	h.abi_minor = HERALD_PLUGIN_ABI_MINOR;
	return &h;
}

/* ---- loading ---- */

static void
plugin_unload(struct plugin *p)
{
	struct herald_completion	*c;

	if (p->inited && p->hp->fini != NULL)
		p->hp->fini(p->state);
	p->inited = 0;
	while (!TAILQ_EMPTY(&p->https))
		host_http_cancel(TAILQ_FIRST(&p->https));
	while (!TAILQ_EMPTY(&p->children))
		host_child_cancel(TAILQ_FIRST(&p->children));
	while (!TAILQ_EMPTY(&p->timers))
		host_timer_cancel(TAILQ_FIRST(&p->timers));
	while ((c = TAILQ_FIRST(&p->completions)) != NULL)
		completion_free(c);
	if (p->dl != NULL)
		dlclose(p->dl);
	free(p->name);
	free(p->path);
	free(p);
}

static int
plugin_open(struct plugin *p, struct buf *errs)
{
	const struct herald_plugin	*(*entry)(void);
	const struct herald_plugin	*hp;
	const char			*e;
	struct stat			 sb;

	/* dlopen(3) of a FIFO would block heraldd -n and a reload */
	if (stat(p->path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		buf_printf(errs, "%s:%d: [plugin \"%s\"]: cannot load %s: not "
		    "a regular file\n", p->file, p->line, p->name, p->path);
		return -1;
	}
	dlerror();
	if ((p->dl = dlopen(p->path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		buf_printf(errs, "%s:%d: [plugin \"%s\"]: cannot load %s\n",
		    p->file, p->line, p->name, e ? e : p->path);
		return -1;
	}
	*(void **)&entry = dlsym(p->dl, "herald_plugin_entry");
	if (entry == NULL) {
		buf_printf(errs, "%s:%d: [plugin \"%s\"]: %s: no symbol "
		    "herald_plugin_entry: not a herald plugin\n", p->file,
		    p->line, p->name, p->path);
		return -1;
	}
	if ((hp = entry()) == NULL) {
		buf_printf(errs, "%s:%d: [plugin \"%s\"]: %s: "
		    "herald_plugin_entry() returned NULL\n", p->file, p->line,
		    p->name, p->path);
		return -1;
	}
	if (hp->abi != HERALD_PLUGIN_ABI) {
		buf_printf(errs, "%s:%d: [plugin \"%s\"]: %s: built for plugin "
		    "ABI %u, heraldd has ABI %u: rebuild it against this "
		    "herald's <herald/plugin.h>\n", p->file, p->line, p->name,
		    p->path, hp->abi, HERALD_PLUGIN_ABI);
		return -1;
	}
	/* an older minor's struct is shorter: read only what it has */
	if (hp->size != sizeof(struct herald_plugin) &&
	    hp->size != HERALD_PLUGIN_SIZE_1_0) {
		buf_printf(errs, "%s:%d: [plugin \"%s\"]: %s: struct "
		    "herald_plugin has %zu bytes, heraldd expects %zu (ABI "
		    "%u.%u) or %zu (ABI %u.0): rebuild it against this "
		    "herald's <herald/plugin.h>\n", p->file, p->line, p->name,
		    p->path, hp->size, sizeof(struct herald_plugin),
		    HERALD_PLUGIN_ABI, HERALD_PLUGIN_ABI_MINOR,
		    (size_t)HERALD_PLUGIN_SIZE_1_0, HERALD_PLUGIN_ABI);
		return -1;
	}
	if (hp->init == NULL) {
		buf_printf(errs, "%s:%d: [plugin \"%s\"]: %s: no init "
		    "callback\n", p->file, p->line, p->name, p->path);
		return -1;
	}
	p->hp = hp;
	return 0;
}

static int
plugin_init(struct plugin *p, const struct config_plugin *cp,
    struct buf *errs)
{
	struct herald_option	*opts;
	size_t			 i, before = errs->len;
	int			 rc;

	opts = xcalloc(cp->noptions + 1, sizeof(*opts));
	for (i = 0; i < cp->noptions; i++) {
		opts[i].key = cp->options[i].key;
		opts[i].value = cp->options[i].value;
		opts[i].file = cp->options[i].file;
		opts[i].line = cp->options[i].line;
	}
	p->errors = errs;
	rc = p->hp->init((struct herald_ctx *)p, host_table(p->set->loop),
	    p->name, opts, cp->noptions, &p->state);
	p->errors = NULL;
	free(opts);
	if (rc != 0) {
		if (errs->len == before)
			buf_printf(errs, "%s:%d: [plugin \"%s\"]: %s: init "
			    "failed\n", p->file, p->line, p->name, p->path);
		return -1;
	}
	p->inited = 1;
	return 0;
}

int
plugin_set_load(struct ev_loop *loop, struct fetcher *fr,
    const struct config *conf, struct plugin_set **out, char **errstr)
{
	struct plugin_set	*set = xcalloc(1, sizeof(*set));
	struct buf		 errs;
	size_t			 i;

	*out = NULL;
	buf_init(&errs, 64 * 1024);
	set->loop = loop;
	set->fr = fr;
	TAILQ_INIT(&set->plugins);
	set->index = xcalloc(conf->nplugins + 1, sizeof(*set->index));
	for (i = 0; i < conf->nplugins; i++) {
		const struct config_plugin	*cp = &conf->plugins[i];
		struct plugin			*p = xcalloc(1, sizeof(*p));

		p->set = set;
		p->name = xstrdup(cp->name);
		p->path = xstrdup(cp->path);
		p->file = cp->file;
		p->line = cp->line;
		p->limits.rate_count = cp->rate_count;
		p->limits.rate_period = cp->rate_period;
		p->limits.batch = cp->batch;
		p->limits.max_age = cp->max_age > 0 ? cp->max_age : 86400;
		TAILQ_INIT(&p->https);
		TAILQ_INIT(&p->children);
		TAILQ_INIT(&p->timers);
		TAILQ_INIT(&p->completions);
		TAILQ_INSERT_TAIL(&set->plugins, p, entry);
		set->index[set->n++] = p;
		if (plugin_open(p, &errs) == 0 && plugin_init(p, cp, &errs) == 0)
			log_debug("plugin %s: %s %s loaded from %s", p->name,
			    p->hp->name ? p->hp->name : "?",
			    p->hp->version ? p->hp->version : "", p->path);
	}
	for (i = 0; errs.len == 0 && i < conf->ndigests; i++) {
		const struct config_digest	*dg = &conf->digests[i];
		size_t				 j;

		for (j = 0; j < dg->nplugins; j++) {
			struct plugin	*p = plugin_set_find(set, dg->plugins[j]);

			if (p != NULL && !plugin_takes_digests(p))
				buf_printf(&errs, "%s:%d: plugins: [digest \"%s\"]: "
				    "plugin \"%s\" (%s) takes no digests\n",
				    dg->file, dg->line, dg->name, p->name,
				    p->path);
		}
	}
	if (errs.len > 0) {
		*errstr = buf_steal(&errs);
		set_destroy(set);
		return -1;
	}
	buf_free(&errs);
	*out = set;
	return 0;
}

static void
set_destroy(struct plugin_set *set)
{
	struct plugin	*p;

	if (set->retired)
		LIST_REMOVE(set, retired_entry);
	ev_timer_stop(set->loop, &set->grace);
	ev_idle_stop(set->loop, &set->reap);
	while ((p = TAILQ_FIRST(&set->plugins)) != NULL) {
		TAILQ_REMOVE(&set->plugins, p, entry);
		plugin_unload(p);
	}
	free(set->index);
	free(set);
}

void
plugin_set_free(struct plugin_set *set)
{
	/* the daemon ends: sets a reload replaced go now too */
	while (!LIST_EMPTY(&retired_sets))
		set_destroy(LIST_FIRST(&retired_sets));
	if (set != NULL)
		set_destroy(set);
}

static void
set_reap_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct plugin_set	*set = w->data;

	ev_idle_stop(loop, w);
	log_debug("reload: the previous plugins are finalised");
	set_destroy(set);
}

/* A retired set with nothing in flight is freed from the loop. */
static void
set_check_retired(struct plugin_set *set)
{
	size_t	 i, busy = 0;

	if (!set->retired)
		return;
	for (i = 0; i < set->n; i++)
		busy += set->index[i]->pending;
	if (busy == 0 && !ev_is_active(&set->reap))
		ev_idle_start(set->loop, &set->reap);
}

static void
set_grace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct plugin_set		*set = w->data;
	struct herald_completion	*c, *next;
	size_t				 i;

	for (i = 0; i < set->n; i++) {
		struct plugin	*p = set->index[i];

		for (c = TAILQ_FIRST(&p->completions); c != NULL; c = next) {
			next = TAILQ_NEXT(c, entry);
			if (c->state != C_PENDING)
				continue;
			c->outcome = HERALD_RETRY;
			c->message = xstrdup("interrupted by a reload");
			c->state = C_DONE;
			completion_report(c);
		}
	}
	set_check_retired(set);
}

void
plugin_set_retire(struct plugin_set *set)
{
	if (set == NULL)
		return;
	set->retired = 1;
	LIST_INSERT_HEAD(&retired_sets, set, retired_entry);
	ev_idle_init(&set->reap, set_reap_cb);
	set->reap.data = set;
	ev_timer_init(&set->grace, set_grace_cb, RETIRE_GRACE, 0.);
	set->grace.data = set;
	ev_timer_start(set->loop, &set->grace);
	set_check_retired(set);
}

size_t
plugin_set_count(struct plugin_set *set)
{
	return set != NULL ? set->n : 0;
}

struct plugin *
plugin_set_at(struct plugin_set *set, size_t i)
{
	return set != NULL && i < set->n ? set->index[i] : NULL;
}

struct plugin *
plugin_set_find(struct plugin_set *set, const char *name)
{
	size_t	 i;

	for (i = 0; set != NULL && i < set->n; i++)
		if (strcmp(set->index[i]->name, name) == 0)
			return set->index[i];
	return NULL;
}

int
plugin_set_wants_items(struct plugin_set *set)
{
	size_t	 i;

	for (i = 0; set != NULL && i < set->n; i++)
		if (set->index[i]->hp->on_item != NULL)
			return 1;
	return 0;
}

void
plugin_set_item(struct plugin_set *set, const struct herald_item *it)
{
	size_t	 i;

	for (i = 0; set != NULL && !set->retired && i < set->n; i++)
		if (set->index[i]->hp->on_item != NULL)
			set->index[i]->hp->on_item(set->index[i]->state, it);
}

const char *
plugin_name(struct plugin *p)
{
	return p->name;
}

const struct plugin_limits *
plugin_limits(struct plugin *p)
{
	return &p->limits;
}

int
plugin_takes_alerts(struct plugin *p)
{
	return p->hp->on_alert != NULL;
}

int
plugin_takes_digests(struct plugin *p)
{
	return p->hp->size >= sizeof(struct herald_plugin) &&
	    p->hp->on_digest != NULL;
}
