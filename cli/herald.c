/*
 * herald.c: the companion CLI's entry point: global options and the command
 * table.  Commands read the database read-only unless they say otherwise.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

static const struct cmd_entry *const commands[] = {
	&cmd_parse_entry,
	&cmd_feeds_entry,
	&cmd_digest_entry,
	&cmd_search_entry,
	&cmd_alerts_entry,
	&cmd_topics_entry,
	&cmd_status_entry,
	&cmd_fetch_entry,
	&cmd_reload_entry,
	&cmd_metrics_entry,
	NULL
};

void
cmd_usage(const struct cmd_entry *c)
{
	fprintf(stderr, "usage: herald %s %s\n", c->name, c->usage);
}

static void
usage(FILE *fp)
{
	const struct cmd_entry *const *c;

	fprintf(fp, "usage: herald [--version] [--help] COMMAND [ARGS]\n\n"
	    "herald reads what the herald daemon (heraldd) collected, and tests\n"
	    "feeds and rules before you save them.\n\nCommands:\n");
	for (c = commands; *c != NULL; c++)
		fprintf(fp, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(fp, "\nRun 'herald COMMAND --help' for a command's options. "
	    "See herald(1).\n");
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *const *c;

	log_init("herald", LOG_TO_STDERR, 0);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("herald %s\n", PACKAGE_VERSION);
		return EXIT_OK;
	}
	for (c = commands; *c != NULL; c++)
		if (strcmp((*c)->name, argv[1]) == 0)
			return (*c)->exec(argc - 1, argv + 1);
	fprintf(stderr, "herald: unknown command '%s'; run 'herald --help' for "
	    "the list\n", argv[1]);
	return EXIT_USAGE;
}
