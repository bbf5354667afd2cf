/*
 * mail.c: herald's mail plugin: one RFC 5322 message per delivery (a batch
 * is one message), with a plain text and an HTML part, handed to
 * sendmail(8) (through the host's children: never blocking the loop) or
 * written into a Maildir (tmp/, then rename(2) into new/).  The
 * Message-ID is made from the alert's key, so a resend is recognisable.
 *
 *   [plugin "mail"]
 *   path = mail
 *   to = me@example.org, desk@example.org    # required
 *   from = herald <herald@example.org>       # default herald@HOSTNAME
 *   subject = [herald]                       # the subject's prefix
 *   sendmail = /usr/sbin/sendmail            # run as: sendmail -oi -t
 *   maildir = /home/me/Maildir               # instead of sendmail
 *   timeout = 60s
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define MAIL_TIMEOUT	60.

struct mail {
	struct herald_ctx		*ctx;
	const struct herald_host	*host;
	char				*to;
	char				*from;
	char				*subject;
	char				*sendmail;
	char				*maildir;
	char				 hostname[256];
	double				 timeout;
	unsigned			 seq;
	struct send			*sends;	/* sendmail runs in flight */
};

struct send {
	struct send			*next, *prev;
	struct mail			*m;
	struct herald_completion	*c;
};

static void
mail_free(struct mail *m)
{
	while (m->sends != NULL) {
		struct send	*s = m->sends;

		m->sends = s->next;
		free(s);
	}
	free(m->to);
	free(m->from);
	free(m->subject);
	free(m->sendmail);
	free(m->maildir);
	free(m);
}

/* The Maildir and its tmp, new and cur, made if missing. */
static int
maildir_prepare(const char *dir, char **err)
{
	static const char *const sub[] = { "", "/tmp", "/new", "/cur" };
	size_t	 i;

	for (i = 0; i < 4; i++) {
		char	*p = casprintf("%s%s", dir, sub[i]);

		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			*err = casprintf("cannot create %s: %s", p,
			    strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

static int
mail_init(struct herald_ctx *ctx, const struct herald_host *host,
    const char *name, const struct herald_option *opts, size_t n,
    void **state)
{
	static const char *const known[] = { "to", "from", "subject",
	    "sendmail", "maildir", "timeout", NULL };
	struct mail	*m = ccalloc(1, sizeof(*m));
	size_t		 i;
	int		 rc = opt_check_known(ctx, host, opts, n, known);
	char		*err = NULL;

	m->ctx = ctx;
	m->host = host;
	m->timeout = MAIL_TIMEOUT;
	if (gethostname(m->hostname, sizeof(m->hostname) - 1) == -1 ||
	    m->hostname[0] == '\0')
		strcpy(m->hostname, "localhost");
	for (i = 0; i < n; i++) {
		const struct herald_option	*o = &opts[i];
		char				**dst = NULL;

		if (strpbrk(o->value, "\r\n") != NULL) {
			host->error(ctx, o, "a line break in the value");
			rc = -1;
			continue;
		}
		if (strcmp(o->key, "to") == 0) {
			if (strchr(o->value, '@') == NULL) {
				host->error(ctx, o, "\"%s\" is not an address",
				    o->value);
				rc = -1;
			}
			dst = &m->to;
		} else if (strcmp(o->key, "from") == 0)
			dst = &m->from;
		else if (strcmp(o->key, "subject") == 0)
			dst = &m->subject;
		else if (strcmp(o->key, "sendmail") == 0 ||
		    strcmp(o->key, "maildir") == 0) {
			if (o->value[0] != '/') {
				host->error(ctx, o, "\"%s\" is not an absolute "
				    "path", o->value);
				rc = -1;
			}
			dst = o->key[0] == 's' ? &m->sendmail : &m->maildir;
		} else if (strcmp(o->key, "timeout") == 0 &&
		    opt_duration(ctx, host, o, 1, 600, &m->timeout) == -1)
			rc = -1;
		if (dst != NULL) {
			free(*dst);
			*dst = cstrdup(o->value);
		}
	}
	if (rc == 0 && m->to == NULL) {
		host->error(ctx, NULL, "to is required");
		rc = -1;
	}
	if (rc == 0 && m->sendmail != NULL && m->maildir != NULL) {
		host->error(ctx, NULL, "sendmail and maildir: choose one");
		rc = -1;
	}
	if (rc == 0 && m->maildir != NULL &&
	    maildir_prepare(m->maildir, &err) == -1) {
		host->error(ctx, NULL, "maildir: %s", err);
		free(err);
		rc = -1;
	}
	if (rc == -1) {
		mail_free(m);
		return -1;
	}
	if (m->from == NULL)
		m->from = casprintf("herald <herald@%s>", m->hostname);
	if (m->subject == NULL)
		m->subject = cstrdup("[herald]");
	if (m->sendmail == NULL && m->maildir == NULL)
		m->sendmail = cstrdup("/usr/sbin/sendmail");
	*state = m;
	return 0;
}

static int
maildir_deliver(struct mail *m, const char *msg, char **err)
{
	struct timeval	 tv;
	char		*tmp = NULL, *dst = NULL, host[256];
	size_t		 len = strlen(msg), off = 0, i;
	int		 fd = -1, rc = -1;

	gettimeofday(&tv, NULL);
	/* '/' and ':' cannot be in a Maildir file name's host part */
	for (i = 0; m->hostname[i] != '\0' && i < sizeof(host) - 1; i++)
		host[i] = m->hostname[i] == '/' || m->hostname[i] == ':' ?
		    '_' : m->hostname[i];
	host[i] = '\0';
	tmp = casprintf("%s/tmp/%lld.M%06ldP%ldQ%u.%s", m->maildir,
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(), ++m->seq,
	    host);
	dst = casprintf("%s/new/%s", m->maildir, strrchr(tmp, '/') + 1);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		*err = casprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t	 n = write(fd, msg + off, len - off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = casprintf("writing %s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		*err = casprintf("fsync %s: %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, dst) == -1) {
		*err = casprintf("rename to %s: %s", dst, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	free(tmp);
	free(dst);
	return rc;
}

static void
send_done(void *arg, const struct herald_child_result *r)
{
	struct send		*s = arg;
	struct mail		*m = s->m;
	enum herald_outcome	 o;
	char			*msg = NULL;

	o = child_outcome(r, m->sendmail, &msg);
	m->host->complete(s->c, o, 0, msg);
	free(msg);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		m->sends = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	free(s);
}

static void
mail_alert(void *state, const struct herald_delivery *d,
    struct herald_completion *c)
{
	struct mail		*m = state;
	struct herald_spawn	 sp;
	struct send		*s;
	const char		*argv[4];
	char			*msg, *err = NULL;

	msg = mail_build(d, m->from, m->to, m->subject, m->hostname,
	    (int64_t)m->host->now(m->ctx));
	if (m->maildir != NULL) {
		if (maildir_deliver(m, msg, &err) == -1)
			m->host->complete(c, HERALD_RETRY, 0, err);
		else
			m->host->complete(c, HERALD_OK, 0, NULL);
		free(err);
		free(msg);
		return;
	}
	s = ccalloc(1, sizeof(*s));
	s->m = m;
	s->c = c;
	s->next = m->sends;
	if (m->sends != NULL)
		m->sends->prev = s;
	m->sends = s;
	argv[0] = m->sendmail;
	argv[1] = "-oi";
	argv[2] = "-t";
	argv[3] = NULL;
	memset(&sp, 0, sizeof(sp));
	sp.argv = argv;
	sp.input = msg;
	sp.input_len = strlen(msg);
	sp.timeout = m->timeout;
	m->host->spawn(m->ctx, &sp, send_done, s);
	free(msg);
}

static void
mail_fini(void *state)
{
	mail_free(state);
}

static const struct herald_plugin mail_plugin = {
	.abi = HERALD_PLUGIN_ABI,
	.size = sizeof(struct herald_plugin),
	.name = "mail",
	.version = PACKAGE_VERSION,
	.init = mail_init,
	.on_alert = mail_alert,
	.fini = mail_fini,
};

const struct herald_plugin *
herald_plugin_entry(void)
{
	return &mail_plugin;
}
