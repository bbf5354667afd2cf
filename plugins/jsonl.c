/*
 * jsonl.c: herald's jsonl plugin: one JSON object per alert and line
 * (JSON Lines), appended to a file or written to standard output.  A batch
 * is as many lines (a digest one line, its JSON as herald(1) has it),
 * written with one write(2) to a file opened O_APPEND.
 * A write that fails part way (a full disk, a file size limit) is cut off
 * again: the file always ends with a whole line, and the batch is retried
 * whole.
 *
 *   [plugin "log"]
 *   path = jsonl
 *   file = /var/lib/herald/alerts.jsonl   # or "-" (the default): stdout
 *   fsync = no                            # yes: fsync after each delivery
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

struct jsonl {
	struct herald_ctx		*ctx;
	const struct herald_host	*host;
	char				*file;	/* NULL: stdout */
	int				 fd;
	int				 fsync;
};

static int
jsonl_init(struct herald_ctx *ctx, const struct herald_host *host,
    const char *name, const struct herald_option *opts, size_t n,
    void **state)
{
	static const char *const known[] = { "file", "fsync", NULL };
	struct jsonl	*j = ccalloc(1, sizeof(*j));
	size_t		 i;
	int		 rc = opt_check_known(ctx, host, opts, n, known);

	j->ctx = ctx;
	j->host = host;
	j->fd = STDOUT_FILENO;
	for (i = 0; i < n; i++) {
		if (strcmp(opts[i].key, "file") == 0 &&
		    strcmp(opts[i].value, "-") != 0) {
			if (opts[i].value[0] != '/') {
				host->error(ctx, &opts[i], "\"%s\" is not an "
				    "absolute path", opts[i].value);
				rc = -1;
				continue;
			}
			free(j->file);
			j->file = cstrdup(opts[i].value);
		} else if (strcmp(opts[i].key, "fsync") == 0 &&
		    opt_bool(ctx, host, &opts[i], &j->fsync) == -1)
			rc = -1;
	}
	if (rc == 0 && j->file != NULL) {
		struct stat	 sb;

		/* O_NONBLOCK: opening a FIFO must not hang heraldd -n */
		j->fd = open(j->file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		    O_NONBLOCK, 0640);
		if (j->fd == -1) {
			host->error(ctx, NULL, "cannot open %s: %s", j->file,
			    errno == ENXIO ? "not a regular file (a FIFO)" :
			    strerror(errno));
			rc = -1;
		} else if (fstat(j->fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
			host->error(ctx, NULL, "cannot open %s: not a regular "
			    "file", j->file);
			close(j->fd);
			j->fd = -1;
			rc = -1;
		} else
			(void)fcntl(j->fd, F_SETFL, O_APPEND);
	}
	if (rc == -1) {
		if (j->file != NULL && j->fd != -1 && j->fd != STDOUT_FILENO)
			close(j->fd);
		free(j->file);
		free(j);
		return -1;
	}
	*state = j;
	return 0;
}

static int
write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t	 n = write(fd, s, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Appends whole lines and ends the call: a write cut short by a full disk
 * or a file size limit is cut off again, so no torn line stays.
 */
static void
jsonl_append(struct jsonl *j, const char *lines, size_t len,
    struct herald_completion *c)
{
	char		*msg = NULL;
	off_t		 end = -1;
	int		 saved;

	/* where the last whole line ends (a pipe has no end: -1) */
	if (j->file != NULL)
		end = lseek(j->fd, 0, SEEK_END);
	if (write_all(j->fd, lines, len) == -1) {
		saved = errno;
		/* ENOSPC or EFBIG after a part: no torn line stays */
		if (end != -1 && ftruncate(j->fd, end) == -1)
			msg = casprintf("writing %s: %s; cutting the part "
			    "written off failed too: %s", j->file,
			    strerror(saved), strerror(errno));
		else
			msg = casprintf("writing %s: %s", j->file ? j->file :
			    "stdout", strerror(saved));
	}
	if (msg == NULL && j->fsync && fsync(j->fd) == -1 && errno != EINVAL)
		msg = casprintf("fsync %s: %s", j->file ? j->file : "stdout",
		    strerror(errno));
	/* a line written twice is harmless: its "id" (a digest's "key")
	   tells them apart */
	j->host->complete(c, msg == NULL ? HERALD_OK : HERALD_RETRY, 0, msg);
	free(msg);
}

static void
jsonl_alert(void *state, const struct herald_delivery *d,
    struct herald_completion *c)
{
	struct jsonl		*j = state;
	struct herald_delivery	 dd;
	struct sbuf		 b;
	size_t			 i;

	delivery_adopt(j->host, d, &dd);
	sbuf_init(&b);
	for (i = 0; i < dd.nalerts; i++) {
		json_t	*o = alert_json(&dd, i, 1);
		char	*s = json_dumps(o, JSON_COMPACT);

		json_decref(o);
		if (s == NULL)
			abort();
		sbuf_puts(&b, s);
		sbuf_puts(&b, "\n");
		free(s);
	}
	jsonl_append(j, b.s, b.len, c);
	sbuf_free(&b);
}

static void
jsonl_digest(void *state, const struct herald_digest *d,
    struct herald_completion *c)
{
	char	*line = casprintf("%s\n", d->json);

	jsonl_append(state, line, strlen(line), c);
	free(line);
}

static void
jsonl_fini(void *state)
{
	struct jsonl	*j = state;

	if (j->file != NULL)
		close(j->fd);
	free(j->file);
	free(j);
}

static const struct herald_plugin jsonl_plugin = {
	.abi = HERALD_PLUGIN_ABI,
	.size = sizeof(struct herald_plugin),
	.name = "jsonl",
	.version = PACKAGE_VERSION,
	.init = jsonl_init,
	.on_alert = jsonl_alert,
	.fini = jsonl_fini,
	.on_digest = jsonl_digest,
};

const struct herald_plugin *
herald_plugin_entry(void)
{
	return &jsonl_plugin;
}
