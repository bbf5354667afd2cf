/*
 * checkconf.c: loads a herald.conf with config_load() and prints what the
 * tests check: the database, then one line per feed.  Exit status 0 when
 * the file loads, 1 with every error on stderr when it does not.
 *
 * usage: checkconf FILE
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "conf.h"

int
main(int argc, char **argv)
{
	struct config	*conf;
	char		*err = NULL;
	size_t		 i;

	if (argc != 2) {
		fprintf(stderr, "usage: checkconf FILE\n");
		return 2;
	}
	if (config_load(argv[1], &conf, &err) == -1) {
		fputs(err, stderr);
		free(err);
		return 1;
	}
	printf("database %s\n", conf->database);
	printf("interval %lld\n", conf->interval);
	printf("feeds %zu\n", conf->nfeeds);
	for (i = 0; i < conf->nfeeds; i++)
		printf("feed %s %s%s\n", conf->feeds[i].name,
		    conf->feeds[i].url, conf->feeds[i].enabled ? "" :
		    " (disabled)");
	config_free(conf);
	return 0;
}
