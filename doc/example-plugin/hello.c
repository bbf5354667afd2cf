/*
 * hello.c: a herald plugin built outside herald's tree, against the
 * installed <herald/plugin.h> (see herald-plugin(3) and the Makefile).
 * It counts new articles, and answers each alert by running echo(1)
 * through the host, which keeps the daemon's loop free: the plugin itself
 * never blocks, and reports the outcome through host->complete().  From a
 * daemon of ABI 1.2 or later it also logs each alert's story.
 *
 *   [plugin "hello"]
 *   path = /usr/local/lib/herald/hello.so
 *   greeting = Hello        # this plugin's own key
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <herald/plugin.h>

struct hello {
	struct herald_ctx		*ctx;
	const struct herald_host	*host;
	char				*greeting;
	unsigned long			 items;
};

/* What one on_alert() call needs when the child ends. */
struct pending {
	struct hello			*h;
	struct herald_completion	*c;
};

static int
hello_init(struct herald_ctx *ctx, const struct herald_host *host,
    const char *name, const struct herald_option *opts, size_t n,
    void **state)
{
	struct hello	*h;
	size_t		 i;
	int		 rc = 0;

	/* a daemon of ABI 1.0 has a shorter host: what it has is enough */
	if (host->abi != HERALD_PLUGIN_ABI || host->size <
	    offsetof(struct herald_host, abi_minor))
		return -1;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -1;
	h->ctx = ctx;
	h->host = host;
	for (i = 0; i < n; i++) {
		if (strcmp(opts[i].key, "greeting") == 0) {
			free(h->greeting);
			h->greeting = strdup(opts[i].value);
		} else {
			/* unknown keys are errors, at their file:line */
			host->error(ctx, &opts[i], "unknown key (hello knows "
			    "greeting)");
			rc = -1;
		}
	}
	if (rc == -1) {
		free(h->greeting);
		free(h);
		return -1;
	}
	if (h->greeting == NULL)
		h->greeting = strdup("Hello");
	host->log(ctx, HERALD_LOG_INFO, "%s from section %s", h->greeting,
	    name);
	*state = h;
	return 0;
}

static void
hello_item(void *state, const struct herald_item *it)
{
	struct hello	*h = state;

	h->items++;
	h->host->log(h->ctx, HERALD_LOG_DEBUG, "new article %lld: %s "
	    "(%lu so far)", (long long)it->id, it->title ? it->title : "",
	    h->items);
}

/*
 * Alert i's story (ABI 1.2), or NULL from an older daemon: its struct
 * herald_delivery ends before `stories`, which must not be read then.
 * host->abi_minor itself is there only when host->size covers it (1.1).
 */
static const struct herald_alert_story *
alert_story(const struct hello *h, const struct herald_delivery *d,
    size_t i)
{
	if (h->host->size <= offsetof(struct herald_host, abi_minor) ||
	    h->host->abi_minor < 2 || d->stories == NULL)
		return NULL;
	return d->stories[i];
}

static void
echo_done(void *arg, const struct herald_child_result *r)
{
	struct pending	*p = arg;

	if (r->exited && r->status == 0)
		p->h->host->complete(p->c, HERALD_OK, 0, NULL);
	else
		p->h->host->complete(p->c, HERALD_RETRY, 0,
		    r->error ? r->error : "echo failed");
	free(p);
}

static void
hello_alert(void *state, const struct herald_delivery *d,
    struct herald_completion *c)
{
	struct hello			*h = state;
	struct pending			*p;
	struct herald_spawn		 sp;
	const struct herald_alert_story	*st;
	const char			*argv[4];
	char				 line[512];
	size_t				 i;

	/* each alert's story: how many outlets told it so far */
	for (i = 0; i < d->nalerts; i++)
		if ((st = alert_story(h, d, i)) != NULL && st->id != 0)
			h->host->log(h->ctx, HERALD_LOG_INFO, "alert %s in "
			    "story %lld: %lld article%s, %zu outlet%s%s",
			    d->alerts[i].key, (long long)st->id,
			    (long long)st->size, st->size == 1 ? "" : "s",
			    st->noutlets, st->noutlets == 1 ? "" : "s",
			    st->breaking ? ", breaking" : "");
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		h->host->complete(c, HERALD_RETRY, 0, "out of memory");
		return;
	}
	p->h = h;
	p->c = c;
	/* the delivery is borrowed: what the child needs is copied now */
	snprintf(line, sizeof(line), "%s: alert %s (%s): %s", h->greeting,
	    d->alerts[0].key, d->alerts[0].topic,
	    d->alerts[0].title ? d->alerts[0].title : "");
	argv[0] = "echo";
	argv[1] = line;
	argv[2] = NULL;
	memset(&sp, 0, sizeof(sp));
	sp.argv = argv;
	sp.timeout = 10;
	h->host->spawn(h->ctx, &sp, echo_done, p);
}

static void
hello_fini(void *state)
{
	struct hello	*h = state;

	h->host->log(h->ctx, HERALD_LOG_INFO, "goodbye after %lu articles",
	    h->items);
	free(h->greeting);
	free(h);
}

static const struct herald_plugin hello_plugin = {
	.abi = HERALD_PLUGIN_ABI,
	.size = sizeof(struct herald_plugin),
	.name = "hello",
	.version = "1.0",
	.init = hello_init,
	.on_item = hello_item,
	.on_alert = hello_alert,
	.fini = hello_fini,
};

const struct herald_plugin *
herald_plugin_entry(void)
{
	return &hello_plugin;
}
