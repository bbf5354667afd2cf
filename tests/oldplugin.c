/*
 * oldplugin.c: a plugin built against herald/plugin.h as ABI 1.0 had it
 * (tests/abi-1.0/, a copy of the 1.0 header): heraldd of ABI 1.1 must
 * still load it and deliver alerts to it (it_digest.py).  It appends each
 * alert's key to the file its `file` option names.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "herald/plugin.h"

struct old {
	const struct herald_host	*host;
	int				 fd;
};

static int
old_init(struct herald_ctx *ctx, const struct herald_host *host,
    const char *name, const struct herald_option *opts, size_t n,
    void **state)
{
	struct old	*o;
	size_t		 i;

	(void)name;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return -1;
	o->host = host;
	o->fd = -1;
	for (i = 0; i < n; i++)
		if (strcmp(opts[i].key, "file") == 0)
			o->fd = open(opts[i].value, O_WRONLY | O_APPEND |
			    O_CREAT | O_CLOEXEC, 0644);
	if (o->fd == -1) {
		host->error(ctx, NULL, "file is required");
		free(o);
		return -1;
	}
	*state = o;
	return 0;
}

static void
old_alert(void *state, const struct herald_delivery *d,
    struct herald_completion *c)
{
	struct old	*o = state;
	char		 line[256];
	size_t		 i;
	int		 n;

	for (i = 0; i < d->nalerts; i++) {
		n = snprintf(line, sizeof(line), "%s\n", d->alerts[i].key);
		if (n > 0 && write(o->fd, line, (size_t)n) != n) {
			o->host->complete(c, HERALD_RETRY, 0, "write failed");
			return;
		}
	}
	o->host->complete(c, HERALD_OK, 0, NULL);
}

static void
old_fini(void *state)
{
	struct old	*o = state;

	close(o->fd);
	free(o);
}

static const struct herald_plugin old_plugin = {
	.abi = HERALD_PLUGIN_ABI,
	.size = sizeof(struct herald_plugin),
	.name = "old",
	.version = "1.0",
	.init = old_init,
	.on_alert = old_alert,
	.fini = old_fini,
};

const struct herald_plugin *
herald_plugin_entry(void)
{
	return &old_plugin;
}
