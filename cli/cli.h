/*
 * cli.h: the command table of `herald`.  Each command lives in its own
 * cmd-*.c file and exports one `const struct cmd_entry`.
 */
#ifndef HERALD_CLI_H
#define HERALD_CLI_H

struct cmd_entry {
	const char	*name;
	const char	*usage;		/* arguments, after "herald NAME" */
	const char	*summary;	/* one line for `herald --help` */
	int		(*exec)(int argc, char **argv);
};

/* Exit codes shared by every command. */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* the command ran and failed (not a feed, ...) */
#define EXIT_USAGE	2	/* bad arguments */

extern const struct cmd_entry cmd_parse_entry;

void	cmd_usage(const struct cmd_entry *);

#endif
