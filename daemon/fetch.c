/*
 * fetch.c: libcurl's multi_socket API on libev, after curl's evhiperfifo
 * example without its flaws: one ev_io per socket (found again through
 * curl_multi_assign), one ev_timer re-armed by CURLMOPT_TIMERFUNCTION with
 * fractional seconds, and finished transfers torn down from the loop after
 * curl_multi_info_read(), never inside a curl callback.
 */
#include "config.h"

#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <ev.h>

#include "fetch.h"
#include "log.h"
#include "util.h"

#define FETCH_ACCEPT	"Accept: application/rss+xml, application/atom+xml, " \
			"application/rdf+xml;q=0.9, application/xml;q=0.9, " \
			"text/xml;q=0.8, */*;q=0.5"
#define FETCH_HDR_MAX	1024	/* bytes kept of one header value */

struct fetcher {
	struct ev_loop		*loop;
	CURLM			*multi;
	ev_timer		 timer;
	int			 running;
	TAILQ_HEAD(, fetch)	 fetches;
	size_t			 nfetches;
};

struct sockinfo {
	ev_io			 io;
	curl_socket_t		 fd;
	struct fetcher		*fr;
};

struct fetch {
	TAILQ_ENTRY(fetch)	 entry;
	struct fetcher		*fr;
	CURL			*easy;
	struct curl_slist	*headers;
	fetch_data_fn		 data_fn;
	fetch_done_fn		 done_fn;
	void			*arg;
	int			 is_file;
	int			 any_status;
	size_t			 max_size;
	size_t			 bytes;
	size_t			 discarded;
	int			 too_large;
	int			 aborted;
	int			 permanent;	/* every redirect so far 301/308 */
	int			 redirects;
	char			*etag;
	char			*last_modified;
	long			 max_age;
	char			 errbuf[CURL_ERROR_SIZE];
	ev_timer		 deferred;	/* a transfer that could not start */
	char			*start_error;
	ev_tstamp		 started;
};

static void	fetch_check_done(struct fetcher *);

/* ---- curl -> libev ---- */

static void
fetch_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sockinfo	*si = w->data;
	struct fetcher	*fr = si->fr;
	int		 action = 0;

	if (revents & EV_READ)
		action |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(fr->multi, si->fd, action, &fr->running);
	fetch_check_done(fr);
}

static void
fetch_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fetcher	*fr = w->data;

	curl_multi_socket_action(fr->multi, CURL_SOCKET_TIMEOUT, 0, &fr->running);
	fetch_check_done(fr);
}

static int
fetch_sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct fetcher	*fr = userp;
	struct sockinfo	*si = sockp;
	int		 kind = 0;

	if (what == CURL_POLL_REMOVE) {
		if (si != NULL) {
			ev_io_stop(fr->loop, &si->io);
			free(si);
			curl_multi_assign(fr->multi, s, NULL);
		}
		return 0;
	}
	if (si == NULL) {
		si = xcalloc(1, sizeof(*si));
		si->fd = s;
		si->fr = fr;
		ev_init(&si->io, fetch_io_cb);
		si->io.data = si;
		curl_multi_assign(fr->multi, s, si);
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	ev_io_stop(fr->loop, &si->io);
	ev_io_set(&si->io, s, kind);
	ev_io_start(fr->loop, &si->io);
	return 0;
}

static int
fetch_multi_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct fetcher	*fr = userp;

	ev_timer_stop(fr->loop, &fr->timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&fr->timer, timeout_ms / 1000.0, 0.);
		ev_timer_start(fr->loop, &fr->timer);
	}
	return 0;
}

/* ---- one transfer ---- */

static size_t
fetch_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct fetch	*f = userdata;
	size_t		 n = size * nmemb;
	long		 status = 0;

	curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
	if (f->bytes + f->discarded + n > f->max_size) {
		f->too_large = 1;
		return 0;
	}
	if (!f->is_file && !f->any_status && (status < 200 || status >= 300)) {
		/* an error page: counted against the cap, never parsed */
		f->discarded += n;
		return n;
	}
	f->bytes += n;
	if (f->data_fn != NULL) {
		char	*ct = NULL;

		curl_easy_getinfo(f->easy, CURLINFO_CONTENT_TYPE, &ct);
		if (f->data_fn(f->arg, ct, ptr, n) == 0)
			return n;
		f->aborted = 1;
		return 0;
	}
	return n;
}

static char *
header_value(const char *buf, size_t len, const char *name)
{
	size_t	 nl = strlen(name);

	if (len <= nl || strncasecmp(buf, name, nl) != 0)
		return NULL;
	buf += nl;
	len -= nl;
	while (len > 0 && (*buf == ' ' || *buf == '\t'))
		buf++, len--;
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		len--;
	if (len > FETCH_HDR_MAX)
		len = FETCH_HDR_MAX;
	return xstrndup(buf, len);
}

static size_t
fetch_header_cb(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct fetch	*f = userdata;
	size_t		 len = size * nitems;
	char		*v;

	if (len > 5 && strncmp(buf, "HTTP/", 5) == 0) {
		const char	*sp = memchr(buf, ' ', len);
		long		 code = sp ? strtol(sp + 1, NULL, 10) : 0;

		if (code >= 100 && code < 200)
			return len;
		if (code >= 300 && code < 400) {
			f->redirects++;
			if (code != 301 && code != 308)
				f->permanent = 0;
		}
		/* validators belong to the final response */
		free(f->etag);
		free(f->last_modified);
		f->etag = f->last_modified = NULL;
		f->max_age = -1;
		return len;
	}
	if ((v = header_value(buf, len, "etag:")) != NULL) {
		free(f->etag);
		f->etag = v;
	} else if ((v = header_value(buf, len, "last-modified:")) != NULL) {
		free(f->last_modified);
		f->last_modified = v;
	} else if ((v = header_value(buf, len, "cache-control:")) != NULL) {
		const char *m = strcasestr(v, "max-age=");

		if (m != NULL)
			f->max_age = strtol(m + 8, NULL, 10);
		free(v);
	}
	return len;
}

static void
fetch_free(struct fetch *f)
{
	struct fetcher	*fr = f->fr;

	ev_timer_stop(fr->loop, &f->deferred);
	if (f->easy != NULL) {
		curl_multi_remove_handle(fr->multi, f->easy);
		curl_easy_cleanup(f->easy);
	}
	curl_slist_free_all(f->headers);
	TAILQ_REMOVE(&fr->fetches, f, entry);
	fr->nfetches--;
	free(f->etag);
	free(f->last_modified);
	free(f->start_error);
	free(f);
}

static const char *
fetch_class(CURLcode code, const struct fetch *f)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "dns";
	case CURLE_COULDNT_CONNECT:
		return "connect";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return "tls";
	case CURLE_TOO_MANY_REDIRECTS:
		return "redirect";
	case CURLE_UNSUPPORTED_PROTOCOL:
		return "protocol";
	case CURLE_FILESIZE_EXCEEDED:
		return "too-large";
	case CURLE_WRITE_ERROR:
		if (f->too_large)
			return "too-large";
		if (f->aborted)
			return "aborted";
		return "io";
	default:
		return "io";
	}
}

static void
fetch_finish(struct fetch *f, CURLcode code)
{
	struct fetch_result	 r;
	char			*err = NULL;
	char			*eff = NULL, *ct = NULL;
	curl_off_t		 ra = -1;
	double			 total = 0;

	memset(&r, 0, sizeof(r));
	r.retry_after = -1;
	r.max_age = f->max_age;
	if (f->easy != NULL) {
		curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &r.status);
		curl_easy_getinfo(f->easy, CURLINFO_EFFECTIVE_URL, &eff);
		curl_easy_getinfo(f->easy, CURLINFO_CONTENT_TYPE, &ct);
		curl_easy_getinfo(f->easy, CURLINFO_RETRY_AFTER, &ra);
		curl_easy_getinfo(f->easy, CURLINFO_TOTAL_TIME, &total);
	}
	r.effective_url = eff;
	r.content_type = ct;
	r.retry_after = ra > 0 ? (long)ra : -1;
	r.etag = f->etag;
	r.last_modified = f->last_modified;
	r.bytes = f->bytes;
	r.seconds = total;
	if (f->redirects > 0 && f->permanent && eff != NULL)
		r.redirect_url = eff;
	if (f->start_error != NULL) {
		r.error = f->start_error;
		r.error_class = "io";
	} else if (code == CURLE_OK) {
		r.ok = 1;
	} else {
		r.error_class = fetch_class(code, f);
		if (strcmp(r.error_class, "too-large") == 0)
			err = xasprintf("too large: more than %zu bytes", f->max_size);
		else if (strcmp(r.error_class, "timeout") == 0)
			err = xasprintf("timed out: %s", f->errbuf[0] ?
			    f->errbuf : curl_easy_strerror(code));
		else if (code == CURLE_UNSUPPORTED_PROTOCOL &&
		    r.status >= 300 && r.status < 400)
			/* libcurl's words read as a build problem */
			err = xasprintf("HTTP %ld: a redirect herald refuses "
			    "(it follows http and https only)", r.status);
		else
			err = xstrdup(f->errbuf[0] ? f->errbuf :
			    curl_easy_strerror(code));
		r.error = err;
	}
	if (f->done_fn != NULL)
		f->done_fn(f->arg, &r);
	free(err);
}

static void
fetch_check_done(struct fetcher *fr)
{
	CURLMsg		*msg;
	int		 left;

	while ((msg = curl_multi_info_read(fr->multi, &left)) != NULL) {
		struct fetch	*f;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&f);
		fetch_finish(f, msg->data.result);
		fetch_free(f);
	}
}

static void
fetch_deferred_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fetch	*f = w->data;

	fetch_finish(f, CURLE_OK);
	fetch_free(f);
}

struct fetch *
fetch_start(struct fetcher *fr, const struct fetch_opts *o,
    const struct fetch_req *req, fetch_data_fn data_fn, fetch_done_fn done_fn,
    void *arg)
{
	struct fetch	*f;
	CURL		*e;
	CURLMcode	 mc;

	f = xcalloc(1, sizeof(*f));
	f->fr = fr;
	f->data_fn = data_fn;
	f->done_fn = done_fn;
	f->arg = arg;
	f->max_size = o->max_size;
	f->max_age = -1;
	f->permanent = 1;
	f->started = ev_now(fr->loop);
	ev_timer_init(&f->deferred, fetch_deferred_cb, 0., 0.);
	f->deferred.data = f;
	TAILQ_INSERT_TAIL(&fr->fetches, f, entry);
	fr->nfetches++;
	f->is_file = strncasecmp(req->url, "file:", 5) == 0;
	f->any_status = req->any_status;

	if ((e = curl_easy_init()) == NULL) {
		f->start_error = xstrdup("curl_easy_init failed");
		goto defer;
	}
	f->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, f);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fetch_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, fetch_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, f->is_file ? "file" : "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, req->method == NULL &&
	    req->body == NULL ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, o->max_redirects);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, o->total_timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o->low_speed_time);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_size);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, o->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/* never wait for a resolver thread that hangs when tearing down */
	curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
	if (req->method == NULL && req->body == NULL)
		f->headers = curl_slist_append(f->headers, FETCH_ACCEPT);
	else {
		const char *const *h;

		if (req->body != NULL) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)req->body_len);
			curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body);
			/* no 1 s wait for a "100 Continue" that may never come */
			f->headers = curl_slist_append(f->headers, "Expect:");
		}
		if (req->method != NULL)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
		for (h = req->headers; h != NULL && *h != NULL; h++)
			f->headers = curl_slist_append(f->headers, *h);
	}
	if (req->etag != NULL && *req->etag != '\0') {
		char *h = xasprintf("If-None-Match: %s", req->etag);

		f->headers = curl_slist_append(f->headers, h);
		free(h);
	}
	if (req->last_modified != NULL && *req->last_modified != '\0') {
		char *h = xasprintf("If-Modified-Since: %s", req->last_modified);

		f->headers = curl_slist_append(f->headers, h);
		free(h);
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->headers);
	if ((mc = curl_multi_add_handle(fr->multi, e)) != CURLM_OK) {
		f->start_error = xasprintf("cannot start transfer: %s",
		    curl_multi_strerror(mc));
		curl_easy_cleanup(e);
		f->easy = NULL;
		goto defer;
	}
	return f;
defer:
	ev_timer_start(fr->loop, &f->deferred);
	return f;
}

void
fetch_cancel(struct fetch *f)
{
	fetch_free(f);
}

struct fetcher *
fetcher_new(struct ev_loop *loop)
{
	struct fetcher	*fr;
	static int	 inited;

	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			fatalx("curl_global_init failed");
		inited = 1;
	}
	fr = xcalloc(1, sizeof(*fr));
	fr->loop = loop;
	TAILQ_INIT(&fr->fetches);
	if ((fr->multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	ev_timer_init(&fr->timer, fetch_timer_cb, 0., 0.);
	fr->timer.data = fr;
	curl_multi_setopt(fr->multi, CURLMOPT_SOCKETFUNCTION, fetch_sock_cb);
	curl_multi_setopt(fr->multi, CURLMOPT_SOCKETDATA, fr);
	curl_multi_setopt(fr->multi, CURLMOPT_TIMERFUNCTION, fetch_multi_timer_cb);
	curl_multi_setopt(fr->multi, CURLMOPT_TIMERDATA, fr);
	return fr;
}

size_t
fetcher_active(struct fetcher *fr)
{
	return fr->nfetches;
}

void
fetcher_free(struct fetcher *fr)
{
	struct fetch	*f;

	if (fr == NULL)
		return;
	while ((f = TAILQ_FIRST(&fr->fetches)) != NULL)
		fetch_free(f);
	ev_timer_stop(fr->loop, &fr->timer);
	curl_multi_cleanup(fr->multi);
	free(fr);
}
