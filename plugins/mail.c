/*
 * mail.c: herald's mail plugin: one RFC 5322 message per delivery (a batch
 * is one message), with a plain text and an HTML part, handed to
 * sendmail(8) (through the host's children: never blocking the loop) or
 * written into a Maildir (tmp/, then rename(2) into new/), or sent by
 * SMTP through herald-smtp (libcurl's smtp:// with STARTTLS, or smtps://)
 * as a child.  A digest is one message too, its text and HTML renderings
 * as the two parts.  The Message-ID is made from the alert's key or the
 * digest's (its name and period), so a resend is recognisable.
 *
 *   [plugin "mail"]
 *   path = mail
 *   to = me@example.org, desk@example.org    # required
 *   from = herald <herald@example.org>       # default herald@HOSTNAME
 *   subject = [herald]                       # the subject's prefix
 *   sendmail = /usr/sbin/sendmail            # run as: sendmail -oi -t
 *   maildir = /home/me/Maildir               # instead of sendmail
 *   smtp = smtp://mail.example.org:587       # or smtps://...:465
 *   smtp-auth-file = /etc/herald/smtp.netrc  # netrc, mode 0600
 *   smtp-tls = starttls                      # none: only for a local relay
 *   smtp-ca = /etc/ssl/my-ca.pem             # another CA to trust
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
#include <strings.h>
#include <unistd.h>

#include "common.h"

#define MAIL_TIMEOUT	60.
#ifndef HERALD_SMTP
#define HERALD_SMTP	"/usr/libexec/herald/herald-smtp"
#endif

struct mail {
	struct herald_ctx		*ctx;
	const struct herald_host	*host;
	char				*to;
	char				*from;
	char				*subject;
	char				*sendmail;
	char				*maildir;
	char				*smtp;		/* smtp:// or smtps:// URL */
	char				*smtp_auth;	/* a netrc file */
	char				*smtp_ca;
	char				*smtp_helper;
	int				 smtp_tls;	/* STARTTLS required */
	int				 subject_set;
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
	free(m->smtp);
	free(m->smtp_auth);
	free(m->smtp_ca);
	free(m->smtp_helper);
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

/*
 * The SMTP credentials: a netrc file heraldd's user owns and nobody else
 * may read; checked here so that a mistake is a configuration error.
 */
static int
auth_file_check(const char *path, char **err)
{
	struct stat	 st;

	if (path[0] != '/') {
		*err = casprintf("\"%s\" is not an absolute path", path);
		return -1;
	}
	if (stat(path, &st) == -1) {
		*err = casprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*err = casprintf("%s is not a file", path);
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		*err = casprintf("%s must belong to heraldd's user and be "
		    "readable by it alone (it has mode %04o, owner %ld): "
		    "chown it and chmod 600", path,
		    (unsigned)(st.st_mode & 07777), (long)st.st_uid);
		return -1;
	}
	return 0;
}

static int
mail_init(struct herald_ctx *ctx, const struct herald_host *host,
    const char *name, const struct herald_option *opts, size_t n,
    void **state)
{
	static const char *const known[] = { "to", "from", "subject",
	    "sendmail", "maildir", "timeout", "smtp", "smtp-auth-file",
	    "smtp-tls", "smtp-ca", "smtp-helper", NULL };
	struct mail	*m = ccalloc(1, sizeof(*m));
	size_t		 i;
	int		 rc = opt_check_known(ctx, host, opts, n, known);
	char		*err = NULL;

	m->ctx = ctx;
	m->host = host;
	m->timeout = MAIL_TIMEOUT;
	m->smtp_tls = 1;
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
		else if (strcmp(o->key, "subject") == 0) {
			dst = &m->subject;
			m->subject_set = 1;
		} else if (strcmp(o->key, "smtp") == 0) {
			if (strncasecmp(o->value, "smtp://", 7) != 0 &&
			    strncasecmp(o->value, "smtps://", 8) != 0) {
				host->error(ctx, o, "\"%s\" is not an smtp:// "
				    "or smtps:// URL", o->value);
				rc = -1;
			}
			dst = &m->smtp;
		} else if (strcmp(o->key, "smtp-auth-file") == 0) {
			if (auth_file_check(o->value, &err) == -1) {
				host->error(ctx, o, "%s", err);
				free(err);
				err = NULL;
				rc = -1;
			}
			dst = &m->smtp_auth;
		} else if (strcmp(o->key, "smtp-tls") == 0) {
			if (strcmp(o->value, "starttls") == 0)
				m->smtp_tls = 1;
			else if (strcmp(o->value, "none") == 0)
				m->smtp_tls = 0;
			else {
				host->error(ctx, o, "\"%s\": starttls or none",
				    o->value);
				rc = -1;
			}
		} else if (strcmp(o->key, "smtp-ca") == 0 ||
		    strcmp(o->key, "smtp-helper") == 0) {
			if (o->value[0] != '/') {
				host->error(ctx, o, "\"%s\" is not an absolute "
				    "path", o->value);
				rc = -1;
			}
			dst = o->key[5] == 'c' ? &m->smtp_ca : &m->smtp_helper;
		}
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
	if (rc == 0 && (m->sendmail != NULL) + (m->maildir != NULL) +
	    (m->smtp != NULL) > 1) {
		host->error(ctx, NULL, "sendmail, maildir and smtp: choose one");
		rc = -1;
	}
	if (rc == 0 && m->smtp == NULL && (m->smtp_auth != NULL ||
	    m->smtp_ca != NULL)) {
		host->error(ctx, NULL, "smtp-auth-file and smtp-ca need smtp");
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
	if (m->sendmail == NULL && m->maildir == NULL && m->smtp == NULL)
		m->sendmail = cstrdup("/usr/sbin/sendmail");
	if (m->smtp != NULL && m->smtp_helper == NULL)
		m->smtp_helper = cstrdup(HERALD_SMTP);
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

	o = child_outcome(r, m->smtp != NULL ? "herald-smtp" : m->sendmail,
	    &msg);
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

/* The argument vector of herald-smtp for this plugin (heap, NULL-ended). */
static char **
smtp_argv(struct mail *m)
{
	char	**v, **rcpt, *from;
	size_t	 n = 0, nr, i;

	rcpt = mail_rcpts(m->to, &nr);
	from = mail_rcpts_first(m->from);
	v = ccalloc(16 + 2 * nr, sizeof(*v));
	v[n++] = cstrdup(m->smtp_helper);
	v[n++] = cstrdup("--url");
	v[n++] = cstrdup(m->smtp);
	v[n++] = cstrdup("--from");
	v[n++] = from;
	for (i = 0; i < nr; i++) {
		v[n++] = cstrdup("--to");
		v[n++] = rcpt[i];
	}
	free(rcpt);
	v[n++] = cstrdup("--tls");
	v[n++] = cstrdup(m->smtp_tls ? "starttls" : "none");
	v[n++] = cstrdup("--timeout");
	v[n++] = casprintf("%.0f", m->timeout);
	if (m->smtp_auth != NULL) {
		v[n++] = cstrdup("--netrc");
		v[n++] = cstrdup(m->smtp_auth);
	}
	if (m->smtp_ca != NULL) {
		v[n++] = cstrdup("--ca");
		v[n++] = cstrdup(m->smtp_ca);
	}
	v[n] = NULL;
	return v;
}

/* Hands one message on: into the Maildir now, or to a child. */
static void
mail_send(struct mail *m, char *msg, struct herald_completion *c)
{
	struct herald_spawn	 sp;
	struct send		*s;
	const char		*argv[4];
	char			**sv = NULL, *err = NULL;
	size_t			 i;

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
	if (m->smtp != NULL)
		sp.argv = (const char *const *)(sv = smtp_argv(m));
	sp.input = msg;
	sp.input_len = strlen(msg);
	/* the child's own timeout comes first: its message says more */
	sp.timeout = m->timeout + 5;
	m->host->spawn(m->ctx, &sp, send_done, s);
	for (i = 0; sv != NULL && sv[i] != NULL; i++)
		free(sv[i]);
	free(sv);
	free(msg);
}

static void
mail_alert(void *state, const struct herald_delivery *d,
    struct herald_completion *c)
{
	struct mail		*m = state;
	struct herald_delivery	 dd;

	delivery_adopt(m->host, d, &dd);
	mail_send(m, mail_build(&dd, m->from, m->to, m->subject, m->hostname,
	    (int64_t)m->host->now(m->ctx)), c);
}

static void
mail_digest(void *state, const struct herald_digest *d,
    struct herald_completion *c)
{
	struct mail	*m = state;

	mail_send(m, mail_digest_build(d, m->from, m->to, m->subject_set ?
	    m->subject : NULL, m->hostname, (int64_t)m->host->now(m->ctx)), c);
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
	.on_digest = mail_digest,
};

const struct herald_plugin *
herald_plugin_entry(void)
{
	return &mail_plugin;
}
