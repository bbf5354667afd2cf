/*
 * store-digest.c: the store's part of digests (store.h, "Digests"): the
 * rows of a period, the topics' trends, each digest's watermark and the
 * digest outbox.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"

void
store_digest_rows_free(struct store_digest_row *v, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		free(v[i].topic);
		free(v[i].title);
		free(v[i].link);
		free(v[i].summary);
		free(v[i].lang);
		for (j = 0; j < v[i].nfeeds; j++)
			free(v[i].feeds[j]);
		free(v[i].feeds);
	}
	free(v);
}

void
store_trends_free(struct store_trend *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].topic);
	free(v);
}

void
store_digest_sends_free(struct store_digest_send *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].plugin);
		free(v[i].last_error);
		free(v[i].payload);
	}
	free(v);
}
