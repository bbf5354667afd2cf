/*
 * fetch.h: HTTP(S) transfers on libcurl's multi_socket API driven by libev.
 * The only module that talks to curl's multi handle.  Bytes reach the
 * consumer as they arrive (decoded: gzip, deflate, br, zstd), so nothing
 * buffers a whole body.
 * depends on: log.h, util.h, libcurl, libev; used by: daemon/ (through
 * daemon.h).
 */
#ifndef HERALD_FETCH_H
#define HERALD_FETCH_H

#include <stddef.h>

#include <ev.h>

struct fetch_opts {
	long		 connect_timeout;	/* seconds: DNS, TCP, TLS */
	long		 total_timeout;		/* seconds for the whole transfer */
	long		 low_speed_time;	/* abort below 1 byte/s for this long */
	size_t		 max_size;		/* decoded bytes */
	long		 max_redirects;
	const char	*user_agent;
};

struct fetch_req {
	const char	*url;
	const char	*etag;		/* If-None-Match, or NULL */
	const char	*last_modified;	/* If-Modified-Since, or NULL */
	/*
	 * Plugin requests (plugin.c); all zero for a feed.  A method or a
	 * body means no feed Accept header and no redirects followed; the
	 * body is copied.  any_status passes every response's body to the
	 * data callback, not only a 2xx one's.
	 */
	const char	*method;	/* NULL: GET, or POST with a body */
	const char *const *headers;	/* "Name: value", NULL-terminated */
	const char	*body;
	size_t		 body_len;
	int		 any_status;
};

/* What one transfer ended with; borrowed for the done callback. */
struct fetch_result {
	int		 ok;		/* a complete HTTP (or file) response */
	long		 status;	/* HTTP status of the last response, 0 none */
	const char	*error;		/* NULL when ok (the status may be 4xx/5xx) */
	const char	*error_class;	/* dns connect timeout tls redirect protocol
					   too-large io aborted */
	const char	*etag;
	const char	*last_modified;
	const char	*content_type;
	const char	*effective_url;	/* after redirects */
	const char	*redirect_url;	/* set when every redirect was 301/308 */
	long		 retry_after;	/* seconds from now, -1 none */
	long		 max_age;	/* Cache-Control max-age, -1 none */
	size_t		 bytes;		/* decoded body bytes delivered */
	double		 seconds;	/* wall time of the transfer */
};

/*
 * Called with body bytes of a 2xx response as they arrive, with the
 * response's Content-Type (or NULL).  Return 0 to go on, -1 to abort the
 * transfer (the result then has error_class "aborted").
 */
typedef int	(*fetch_data_fn)(void *arg, const char *content_type,
		    const char *data, size_t len);
/* Called once when the transfer ends, from the loop, never inside curl. */
typedef void	(*fetch_done_fn)(void *arg, const struct fetch_result *);

struct fetcher;
struct fetch;

struct fetcher	*fetcher_new(struct ev_loop *);
/* Cancels every transfer (no done callbacks) and frees the fetcher. */
void		 fetcher_free(struct fetcher *);
size_t		 fetcher_active(struct fetcher *);

/*
 * Starts a transfer.  http and https only; file:// only when the URL itself
 * is file:// (never through a redirect).  Never returns NULL: a transfer that
 * cannot start ends through its done callback on the next loop iteration.
 */
struct fetch	*fetch_start(struct fetcher *, const struct fetch_opts *,
		    const struct fetch_req *, fetch_data_fn, fetch_done_fn,
		    void *arg);
/* Stops a transfer without calling its done callback. */
void		 fetch_cancel(struct fetch *);

#endif
