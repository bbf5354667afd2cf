/*
 * hook.c: a list of callbacks on one event (a fetch ended, the outbox
 * went idle), so that each user adds its own and none can silently
 * replace another's, as a single callback slot let them.
 */
#include "config.h"

#include <stdlib.h>

#include "daemon.h"
#include "util.h"

void
hooks_add(struct hooks *h, void (*cb)(void *), void *arg)
{
	size_t	 i;

	for (i = 0; i < h->n; i++)
		if (h->v[i].cb == cb && h->v[i].arg == arg)
			return;
	h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
	h->v[h->n].cb = cb;
	h->v[h->n].arg = arg;
	h->n++;
}

void
hooks_remove(struct hooks *h, void (*cb)(void *), void *arg)
{
	size_t	 i;

	for (i = 0; i < h->n; i++)
		if (h->v[i].cb == cb && h->v[i].arg == arg) {
			h->v[i] = h->v[--h->n];
			return;
		}
}

void
hooks_run(const struct hooks *h)
{
	size_t	 i;

	for (i = 0; i < h->n; i++)
		h->v[i].cb(h->v[i].arg);
}

void
hooks_clear(struct hooks *h)
{
	free(h->v);
	h->v = NULL;
	h->n = 0;
}
