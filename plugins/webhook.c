/*
 * webhook.c: herald's webhook plugin: POSTs each alert (or batch) and each
 * digest as JSON through the daemon's HTTP client.  Formats: herald's own
 * JSON, ntfy, Slack, Mattermost, Matrix, Microsoft Teams, Discord,
 * Telegram, Gotify and Pushover; a digest in a chat format goes as as
 * many messages as the service's size limit asks (format-digest.c), one
 * after the other, a retry carrying on from the first one not sent.  With
 * a secret, X-Herald-Signature-256 carries "sha256=" and the HMAC-SHA256
 * of the body in hex.  2xx is success; 408, 429 and 5xx (and no answer)
 * are retried, after Retry-After when the receiver sends one; another
 * status is a failure.
 *
 *   [plugin "hook"]
 *   path = webhook
 *   url = https://example.org/herald      # required but for telegram, pushover
 *   format = json                         # ntfy slack mattermost matrix teams
 *                                         # discord telegram gotify pushover
 *   secret = s3cret                       # or secret-file = /etc/herald/key
 *   header = Authorization: Bearer abc    # one extra header
 *   token = syt_abc                       # Matrix, ntfy, Telegram (the bot's),
 *                                         # Gotify (the app's), Pushover (app)
 *   room = !abc:example.org               # Matrix room id
 *   chat = -1001234567890                 # Telegram chat_id
 *   user = uQiRzpo4DXghDmr9QzzfQu27cmVRsG  # Pushover user or group key
 *   priority = 5                          # Gotify 0-10, Pushover -2-1
 *   timeout = 10s
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common.h"

#define WEBHOOK_TIMEOUT		10.
#define WEBHOOK_SECRET_MAX	4096

struct webhook {
	struct herald_ctx		*ctx;
	const struct herald_host	*host;
	char				*name;
	char				*url;
	char				*post_url;	/* ntfy: the server root */
	char				*ntfy_topic;
	enum webhook_format		 format;
	char				*secret;
	size_t				 secret_len;
	char				*header;
	char				*token;
	char				*room;
	char				*chat;
	char				*user;
	int				 priority;
	double				 timeout;
	struct wreq			*reqs;	/* in flight */
	struct sent			*sent;	/* digests sent in part */
};

struct wreq {
	struct wreq			*next, *prev;
	struct webhook			*w;
	struct herald_completion	*c;
	struct herald_http		*h;
	/* a digest: its messages, sent one after the other */
	char				*key;
	char				**parts;
	size_t				 nparts;
	size_t				 at;
};

/*
 * The messages of a digest already delivered, by its key: a retry (in
 * this run of heraldd) starts at the first one not sent.  Kept only while
 * the digest may be retried: forgotten once it is delivered or failed,
 * and the oldest past WEBHOOK_SENT_MAX (the host gives a digest up after
 * its attempts or max-age without telling the plugin: such a record would
 * stay for the life of the process).
 */
#define WEBHOOK_SENT_MAX	32

struct sent {
	struct sent			*next;
	char				*key;
	size_t				 done;
};

#define TELEGRAM_URL	"https://api.telegram.org"
#define PUSHOVER_URL	"https://api.pushover.net/1/messages.json"

static char *
read_secret(const char *path, char **err)
{
	struct stat	 sb;
	char		 buf[WEBHOOK_SECRET_MAX + 2];
	ssize_t		 r;
	size_t		 n = 0;
	int		 fd;

	/* O_NONBLOCK: a FIFO must not hang heraldd -n or a reload */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		*err = casprintf("cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		*err = casprintf("cannot read %s: not a regular file", path);
		close(fd);
		return NULL;
	}
	while (n < sizeof(buf) - 1 &&
	    (r = read(fd, buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			*err = casprintf("cannot read %s: %s", path,
			    strerror(errno));
			close(fd);
			return NULL;
		}
		n += (size_t)r;
	}
	close(fd);
	if (n > WEBHOOK_SECRET_MAX) {
		*err = casprintf("%s: longer than %d bytes", path,
		    WEBHOOK_SECRET_MAX);
		return NULL;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	if (n == 0) {
		*err = casprintf("%s is empty", path);
		return NULL;
	}
	return cstrdup(buf);
}

static int
url_ok(const char *u)
{
	return strncasecmp(u, "http://", 7) == 0 ||
	    strncasecmp(u, "https://", 8) == 0;
}

/* ntfy: "https://ntfy.sh/alerts" posts JSON to https://ntfy.sh/ */
static int
ntfy_split(struct webhook *w)
{
	const char	*host = strstr(w->url, "://") + 3;
	const char	*slash = strrchr(host, '/');
	const char	*first = strchr(host, '/');

	if (first == NULL || slash[1] == '\0' || strchr(slash, '?') != NULL)
		return -1;
	w->ntfy_topic = cstrdup(slash + 1);
	w->post_url = strndup(w->url, (size_t)(slash + 1 - w->url));
	if (w->post_url == NULL)
		abort();
	return 0;
}

static void
wreq_free(struct wreq *q)
{
	size_t	 i;

	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		q->w->reqs = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	for (i = 0; i < q->nparts; i++)
		free(q->parts[i]);
	free(q->parts);
	free(q->key);
	free(q);
}

static struct sent *
sent_find(struct webhook *w, const char *key)
{
	struct sent	*s;

	for (s = w->sent; s != NULL; s = s->next)
		if (strcmp(s->key, key) == 0)
			return s;
	return NULL;
}

/* done == 0 forgets the key: delivered whole, or never begun. */
static void
sent_set(struct webhook *w, const char *key, size_t done)
{
	struct sent	*s, **sp;

	for (sp = &w->sent; (s = *sp) != NULL; sp = &s->next)
		if (strcmp(s->key, key) == 0)
			break;
	if (done == 0) {
		if (s != NULL) {
			*sp = s->next;
			free(s->key);
			free(s);
		}
		return;
	}
	if (s == NULL) {
		size_t	 n = 0;

		/* the newest first: past the cap, the oldest goes */
		for (sp = &w->sent; (s = *sp) != NULL; sp = &s->next)
			if (++n >= WEBHOOK_SENT_MAX) {
				*sp = s->next;
				free(s->key);
				free(s);
				break;
			}
		s = ccalloc(1, sizeof(*s));
		s->key = cstrdup(key);
		s->next = w->sent;
		w->sent = s;
	}
	s->done = done;
}

/* Percent-encodes all but RFC 3986's unreserved characters. */
static char *
pct_encode(const char *s)
{
	struct sbuf	 b;

	sbuf_init(&b);
	for (; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s) != NULL)
			sbuf_add(&b, s, 1);
		else
			sbuf_printf(&b, "%%%02X", (unsigned char)*s);
	}
	return b.s;
}

static void
webhook_free(struct webhook *w)
{
	if (w == NULL)
		return;
	while (w->reqs != NULL)
		wreq_free(w->reqs);
	free(w->name);
	free(w->url);
	free(w->post_url);
	free(w->ntfy_topic);
	if (w->secret != NULL)
		explicit_bzero(w->secret, w->secret_len);
	free(w->secret);
	free(w->header);
	free(w->token);
	free(w->room);
	free(w->chat);
	free(w->user);
	while (w->sent != NULL)
		sent_set(w, w->sent->key, 0);
	free(w);
}

static int
webhook_init(struct herald_ctx *ctx, const struct herald_host *host,
    const char *name, const struct herald_option *opts, size_t n,
    void **state)
{
	static const char *const known[] = { "url", "format", "secret",
	    "secret-file", "header", "token", "room", "chat", "user",
	    "priority", "timeout", NULL };
	struct webhook	*w = ccalloc(1, sizeof(*w));
	size_t		 i;
	int		 rc = opt_check_known(ctx, host, opts, n, known);
	char		*err = NULL;

	w->ctx = ctx;
	w->host = host;
	w->name = cstrdup(name);
	w->timeout = WEBHOOK_TIMEOUT;
	w->format = FORMAT_JSON;
	for (i = 0; i < n; i++) {
		const struct herald_option	*o = &opts[i];

		if (strcmp(o->key, "url") == 0) {
			if (!url_ok(o->value)) {
				host->error(ctx, o, "\"%s\" is not an http:// "
				    "or https:// URL", o->value);
				rc = -1;
			} else {
				free(w->url);
				w->url = cstrdup(o->value);
			}
		} else if (strcmp(o->key, "format") == 0) {
			if (format_parse(o->value, &w->format) == -1) {
				host->error(ctx, o, "unknown format \"%s\" "
				    "(json, ntfy, slack, mattermost, matrix, "
				    "teams, discord, telegram, gotify, "
				    "pushover)", o->value);
				rc = -1;
			}
		} else if (strcmp(o->key, "secret") == 0 ||
		    strcmp(o->key, "secret-file") == 0) {
			char	*s = o->key[6] == '\0' ? cstrdup(o->value) :
			    read_secret(o->value, &err);

			if (s == NULL || *s == '\0') {
				host->error(ctx, o, "%s", err ? err :
				    "an empty secret");
				free(err);
				err = NULL;
				free(s);
				rc = -1;
			} else {
				free(w->secret);
				w->secret = s;
				w->secret_len = strlen(s);
			}
		} else if (strcmp(o->key, "header") == 0) {
			const char	*colon = strchr(o->value, ':');

			if (colon == NULL || colon == o->value ||
			    strpbrk(o->value, "\r\n") != NULL) {
				host->error(ctx, o, "not \"Name: value\"");
				rc = -1;
			} else {
				free(w->header);
				w->header = cstrdup(o->value);
			}
		} else if (strcmp(o->key, "token") == 0) {
			free(w->token);
			w->token = cstrdup(o->value);
		} else if (strcmp(o->key, "room") == 0) {
			if (o->value[0] != '!' || strchr(o->value, ':') ==
			    NULL) {
				host->error(ctx, o, "not a Matrix room id "
				    "(!id:server; an alias must be resolved "
				    "first)");
				rc = -1;
			}
			free(w->room);
			w->room = cstrdup(o->value);
		} else if (strcmp(o->key, "chat") == 0 ||
		    strcmp(o->key, "user") == 0) {
			char	**dst = o->key[0] == 'c' ? &w->chat : &w->user;

			free(*dst);
			*dst = cstrdup(o->value);
		} else if (strcmp(o->key, "priority") == 0) {
			char	*end;
			long	 p = strtol(o->value, &end, 10);

			if (*o->value == '\0' || *end != '\0' || p < -2 ||
			    p > 10) {
				host->error(ctx, o, "\"%s\": a priority from "
				    "-2 to 10", o->value);
				rc = -1;
			} else
				w->priority = (int)p;
		} else if (strcmp(o->key, "timeout") == 0 &&
		    opt_duration(ctx, host, o, 1, 600, &w->timeout) == -1)
			rc = -1;
	}
	/* the services that have one address for everybody */
	if (rc == 0 && w->url == NULL && w->format == FORMAT_TELEGRAM)
		w->url = cstrdup(TELEGRAM_URL);
	if (rc == 0 && w->url == NULL && w->format == FORMAT_PUSHOVER)
		w->url = cstrdup(PUSHOVER_URL);
	if (rc == 0 && w->format == FORMAT_TELEGRAM && (w->token == NULL ||
	    w->chat == NULL)) {
		host->error(ctx, NULL, "telegram: token (the bot's) and chat "
		    "(a chat_id) are required");
		rc = -1;
	}
	if (rc == 0 && w->format == FORMAT_PUSHOVER && (w->token == NULL ||
	    w->user == NULL)) {
		host->error(ctx, NULL, "pushover: token (the application's) "
		    "and user are required");
		rc = -1;
	}
	if (rc == 0 && w->format == FORMAT_GOTIFY && w->token == NULL) {
		host->error(ctx, NULL, "gotify: token (the application's) is "
		    "required (url is the server)");
		rc = -1;
	}
	/* Pushover's emergency priority 2 requires retry and expire, which
	 * herald does not send: every message would be refused */
	if (rc == 0 && w->format == FORMAT_PUSHOVER && (w->priority < -2 ||
	    w->priority > 1)) {
		host->error(ctx, NULL, "pushover: priority is -2 to 1 "
		    "(2, emergency, is not supported)");
		rc = -1;
	}
	if (rc == 0 && w->url == NULL) {
		host->error(ctx, NULL, "url is required");
		rc = -1;
	}
	if (rc == 0 && w->format == FORMAT_NTFY && ntfy_split(w) == -1) {
		host->error(ctx, NULL, "ntfy: url must end in the topic "
		    "(https://ntfy.sh/mytopic)");
		rc = -1;
	}
	if (rc == 0 && w->format == FORMAT_MATRIX && (w->room == NULL ||
	    w->token == NULL)) {
		host->error(ctx, NULL, "matrix: room and token are required "
		    "(url is the homeserver)");
		rc = -1;
	}
	if (rc == -1) {
		webhook_free(w);
		return -1;
	}
	*state = w;
	return 0;
}

/* A short stable hex digest of s: 32 digits of its SHA-256. */
static char *
hash_hex(const char *s)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0, i;
	char		 hex[2 * EVP_MAX_MD_SIZE + 1];

	if (EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) != 1)
		n = 0;
	for (i = 0; i < n && i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[2 * i] = '\0';
	return cstrdup(hex);
}

/* "herald-<key>", or for a batch a digest of the keys: stable per batch. */
static char *
txn_id(const struct herald_delivery *d)
{
	char	*keys, *h, *t;

	if (d->nalerts == 1)
		return casprintf("herald-%s", d->alerts[0].key);
	keys = delivery_keys(d, ",");
	h = hash_hex(keys);
	t = casprintf("herald-batch-%s", h);
	free(keys);
	free(h);
	return t;
}

/* Where a body goes: the URL, the service's path after it, or Matrix's. */
static char *
request_url(struct webhook *w, const char *txn, const char **method)
{
	size_t	 ul = strlen(w->url);
	int	 slash = ul > 0 && w->url[ul - 1] == '/';
	char	*room, *u;

	*method = "POST";
	switch (w->format) {
	case FORMAT_MATRIX:
		room = pct_encode(w->room);
		/* the transaction id makes the homeserver drop a resend */
		u = casprintf("%.*s/_matrix/client/v3/rooms/%s/send/"
		    "m.room.message/%s", (int)(slash ? ul - 1 : ul), w->url,
		    room, txn);
		free(room);
		*method = "PUT";
		return u;
	case FORMAT_TELEGRAM:
		return casprintf("%.*s/bot%s/sendMessage", (int)(slash ?
		    ul - 1 : ul), w->url, w->token);
	case FORMAT_GOTIFY:
		return casprintf("%.*s/message", (int)(slash ? ul - 1 : ul),
		    w->url);
	default:
		return cstrdup(w->post_url != NULL ? w->post_url : w->url);
	}
}

static void	webhook_next(struct wreq *);

static void
webhook_done(void *arg, const struct herald_http_response *r)
{
	struct wreq		*q = arg;
	struct webhook		*w = q->w;
	enum herald_outcome	 o;
	char			*msg = NULL, body[201];
	size_t			 i, len;

	q->h = NULL;
	len = r->body_len < 200 ? r->body_len : 200;
	for (i = 0; i < len; i++)
		body[i] = isprint((unsigned char)r->body[i]) ? r->body[i] : ' ';
	body[len] = '\0';
	if (!r->ok) {
		o = HERALD_RETRY;
		msg = casprintf("%s", r->error ? r->error : "no answer");
	} else if (r->status >= 200 && r->status < 300) {
		o = HERALD_OK;
	} else if (r->status == 408 || r->status == 429 || r->status >= 500) {
		o = HERALD_RETRY;
		msg = casprintf("HTTP %ld%s%s", r->status, len ? ": " : "", body);
	} else {
		o = HERALD_FAIL;
		msg = casprintf("HTTP %ld%s%s", r->status, len ? ": " : "", body);
	}
	if (q->parts != NULL) {
		if (o == HERALD_OK && ++q->at < q->nparts) {
			/* this message is there: the next one */
			sent_set(w, q->key, q->at);
			webhook_next(q);
			return;
		}
		/*
		 * delivered whole, or refused for good (the host gives the
		 * digest up): forgotten, so that one offered again goes
		 * whole; a retry carries on from the first message not sent
		 */
		sent_set(w, q->key, o == HERALD_RETRY ? q->at : 0);
		if (msg != NULL && q->nparts > 1) {
			char	*m = casprintf("message %zu of %zu: %s",
				    q->at + 1, q->nparts, msg);

			free(msg);
			msg = m;
		}
	}
	w->host->complete(q->c, o, o == HERALD_RETRY && r->retry_after > 0 ?
	    r->retry_after : 0, msg);
	free(msg);
	wreq_free(q);
}

/*
 * Sends one body: its headers (idempotency, the keys, the signature,
 * authorization), to the format's URL.  The answer goes to webhook_done.
 */
static void
webhook_send(struct wreq *q, const char *body, const char *idem,
    const char *ids, const char *txn)
{
	struct webhook			*w = q->w;
	struct herald_http_request	 rq;
	const char			*hdrs[8];
	char				*sig = NULL, *auth = NULL, *url, hex[65];
	size_t				 nh = 0;

	hdrs[nh++] = "Content-Type: application/json; charset=utf-8";
	hdrs[nh++] = idem;
	hdrs[nh++] = ids;
	if (w->secret != NULL) {
		/* never unsigned when a secret says it must be signed */
		if (hmac_sha256_hex(w->secret, w->secret_len, body,
		    strlen(body), hex) == -1) {
			w->host->complete(q->c, HERALD_RETRY, 0,
			    "HMAC-SHA256 failed");
			wreq_free(q);
			return;
		}
		sig = casprintf("X-Herald-Signature-256: sha256=%s", hex);
		hdrs[nh++] = sig;
	}
	/* Telegram's token is in the URL, Pushover's in the body */
	if (w->token != NULL && w->format == FORMAT_GOTIFY)
		auth = casprintf("X-Gotify-Key: %s", w->token);
	else if (w->token != NULL && w->format != FORMAT_TELEGRAM &&
	    w->format != FORMAT_PUSHOVER)
		auth = casprintf("Authorization: Bearer %s", w->token);
	if (auth != NULL)
		hdrs[nh++] = auth;
	if (w->header != NULL)
		hdrs[nh++] = w->header;
	hdrs[nh] = NULL;
	memset(&rq, 0, sizeof(rq));
	url = request_url(w, txn, &rq.method);
	rq.url = url;
	rq.headers = hdrs;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.timeout = w->timeout;
	rq.max_response = 4096;
	q->h = w->host->http(w->ctx, &rq, webhook_done, q);
	free(sig);
	free(auth);
	free(url);
}

static struct wreq *
wreq_new(struct webhook *w, struct herald_completion *c)
{
	struct wreq	*q = ccalloc(1, sizeof(*q));

	q->w = w;
	q->c = c;
	q->next = w->reqs;
	if (w->reqs != NULL)
		w->reqs->prev = q;
	w->reqs = q;
	return q;
}

static void
webhook_alert(void *state, const struct herald_delivery *hd,
    struct herald_completion *c)
{
	struct webhook		*w = state;
	struct format_target	 tgt;
	struct herald_delivery	 dd, *d = &dd;
	char			*body, *keys, *idem, *ids, *txn;

	delivery_adopt(w->host, hd, &dd);
	memset(&tgt, 0, sizeof(tgt));
	tgt.ntfy_topic = w->ntfy_topic;
	tgt.chat = w->chat;
	tgt.user = w->user;
	tgt.token = w->token;
	tgt.priority = w->priority;
	switch (w->format) {
	case FORMAT_TEAMS:
	case FORMAT_DISCORD:
	case FORMAT_TELEGRAM:
	case FORMAT_GOTIFY:
	case FORMAT_PUSHOVER:
		body = format_reach_body(w->format, d, &tgt);
		break;
	default:
		body = format_body(w->format, d, w->ntfy_topic);
		break;
	}
	keys = delivery_keys(d, ",");
	ids = casprintf("X-Herald-Alert-Ids: %s", keys);
	txn = txn_id(d);
	idem = casprintf("Idempotency-Key: %s", d->nalerts == 1 ?
	    d->alerts[0].key : txn);
	webhook_send(wreq_new(w, c), body, idem, ids, txn);
	free(body);
	free(keys);
	free(ids);
	free(idem);
	free(txn);
}

/* Sends message q->at of a digest. */
static void
webhook_next(struct wreq *q)
{
	char	*idem, *ids, *h, *txn;

	/* each message its own key, so a receiver drops only a resend */
	idem = q->nparts > 1 ? casprintf("Idempotency-Key: %s#%zu", q->key,
	    q->at + 1) : casprintf("Idempotency-Key: %s", q->key);
	ids = casprintf("X-Herald-Digest-Key: %s", q->key);
	h = hash_hex(q->key);
	txn = casprintf("herald-digest-%s-%zu", h, q->at + 1);
	webhook_send(q, q->parts[q->at], idem, ids, txn);
	free(idem);
	free(ids);
	free(h);
	free(txn);
}

static void
webhook_digest(void *state, const struct herald_digest *d,
    struct herald_completion *c)
{
	struct webhook		*w = state;
	struct format_target	 tgt;
	struct wreq		*q;
	const struct sent	*s;

	memset(&tgt, 0, sizeof(tgt));
	tgt.ntfy_topic = w->ntfy_topic;
	tgt.chat = w->chat;
	tgt.user = w->user;
	tgt.token = w->token;
	tgt.priority = w->priority;
	tgt.abi_minor = host_abi_minor(w->host);
	q = wreq_new(w, c);
	q->key = cstrdup(d->key);
	q->parts = format_digest(w->format, d, &tgt, &q->nparts);
	/* a retry in this run: the messages already there are not sent again */
	if ((s = sent_find(w, d->key)) != NULL && s->done < q->nparts)
		q->at = s->done;
	webhook_next(q);
}

static void
webhook_fini(void *state)
{
	/* the host cancels the requests still open: their state goes here */
	webhook_free(state);
}

static const struct herald_plugin webhook_plugin = {
	.abi = HERALD_PLUGIN_ABI,
	.size = sizeof(struct herald_plugin),
	.name = "webhook",
	.version = PACKAGE_VERSION,
	.init = webhook_init,
	.on_alert = webhook_alert,
	.fini = webhook_fini,
	.on_digest = webhook_digest,
};

const struct herald_plugin *
herald_plugin_entry(void)
{
	return &webhook_plugin;
}
