/*
 * herald.c: the companion CLI's entry point and its one command table: the
 * options every command shares, each command's own from its entry, the
 * operands, --help, and the exit status.  Commands read the database
 * read-only unless they say otherwise.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "util.h"

#define HELP_WIDTH	79	/* the usage line wraps before this column */

static const struct cmd_entry *const commands[] = {
	&cmd_parse_entry,
	&cmd_feeds_entry,
	&cmd_digest_entry,
	&cmd_search_entry,
	&cmd_stories_entry,
	&cmd_alerts_entry,
	&cmd_topics_entry,
	&cmd_topics_test_entry,
	&cmd_status_entry,
	&cmd_fetch_entry,
	&cmd_reload_entry,
	&cmd_metrics_entry,
	NULL
};

/* The shared options' keys: above those of the commands' own options. */
enum {
	KEY_JSON = 0x100,
	KEY_CONFIG,
	KEY_DATABASE,
	KEY_SOCKET,
	KEY_HELP,
};

/* getopt_long's value for option i of a command: its index, not its key. */
#define OPT_INDEX	0x1000

size_t
cmd_args_has(const struct cmd_args *a, int key)
{
	size_t	 i, n = 0;

	for (i = 0; i < a->nopts; i++)
		n += a->opts[i].key == key;
	return n;
}

char *
cmd_args_get(const struct cmd_args *a, int key)
{
	size_t	 i;

	for (i = a->nopts; i > 0; i--)
		if (a->opts[i - 1].key == key)
			return a->opts[i - 1].value;
	return NULL;
}

/*
 * The shared options of entry c, as own options are written.  -c names
 * the configuration; what the command reads from it (the database path,
 * the control socket) says what --help tells of it.
 */
static size_t
shared_options(const struct cmd_entry *c, struct cmd_option *v)
{
	const char	*chelp, *csyn = NULL, *ssyn = NULL;
	size_t		 n = 0;

	if ((c->flags & CMD_DATABASE) && (c->flags & CMD_SOCKET))
		chelp = "read the database path and control-socket\n"
		    "from FILE (default " CLI_DEFAULT_CONFIG ")";
	else if (c->flags & CMD_CONFIG)
		chelp = "the configuration\n(default " CLI_DEFAULT_CONFIG ")";
	else if (c->flags & CMD_DATABASE)
		chelp = "read the database path from FILE\n"
		    "(default " CLI_DEFAULT_CONFIG ")";
	else
		chelp = "find the socket in FILE's control-socket\n"
		    "(default " CLI_DEFAULT_CONFIG ")";
	if (c->flags & CMD_DATABASE)
		csyn = "[-c FILE | -d DB]";
	else if (c->flags & CMD_SOCKET) {
		ssyn = "[-s SOCKET | -c FILE]";
		csyn = "";
	}
	if (c->flags & CMD_JSON)
		v[n++] = (struct cmd_option){ "json", KEY_JSON, 0, NULL,
		    c->json_help != NULL ? c->json_help :
		    "JSON, times in RFC 3339 UTC (see herald(1))", NULL };
	if (c->flags & CMD_SOCKET)
		v[n++] = (struct cmd_option){ "socket", KEY_SOCKET, 's',
		    "SOCKET", "heraldd's control socket (default: the\n"
		    "configuration's control-socket, else\n"
		    "$RUNTIME_DIRECTORY/" CLI_SOCKET_NAME ", else\n"
		    CLI_DEFAULT_SOCKET ")", ssyn };
	if (c->flags & (CMD_CONFIG | CMD_DATABASE | CMD_SOCKET))
		v[n++] = (struct cmd_option){ "config", KEY_CONFIG, 'c', "FILE",
		    chelp, csyn };
	if (c->flags & CMD_DATABASE)
		v[n++] = (struct cmd_option){ "database", KEY_DATABASE, 'd',
		    "DB", "the database to read (with -c too: this\n"
		    "one, not FILE's)", "" };
	return n;
}

/* Every option of c, its own first, then the shared ones; returns n. */
static size_t
all_options(const struct cmd_entry *c, struct cmd_option **out)
{
	struct cmd_option	*v;
	size_t			 n = 0, i;

	for (i = 0; c->options != NULL && c->options[i].name != NULL; i++)
		n++;
	v = xcalloc(n + 5, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = c->options[i];
	n += shared_options(c, v + n);
	*out = v;
	return n;
}

/* "-x, --name ARG" or "--name ARG", as --help lists it. */
static char *
option_left(const struct cmd_option *o)
{
	char	 sh[8] = "";

	if (o->short_name != 0)
		snprintf(sh, sizeof(sh), "-%c, ", o->short_name);
	return xasprintf("%s--%s%s%s", sh, o->name, o->arg != NULL ? " " : "",
	    o->arg != NULL ? o->arg : "");
}

static void
usage_line(const struct cmd_entry *c, const struct cmd_option *v, size_t n,
    FILE *fp)
{
	char	*item, *lead;
	size_t	 i, col, indent;

	lead = xasprintf("usage: herald %s", c->name);
	fputs(lead, fp);
	col = indent = strlen(lead) + 1;
	for (i = 0; i <= n; i++) {
		if (i == n)
			item = c->operands != NULL ? xstrdup(c->operands) :
			    NULL;
		else if (v[i].synopsis != NULL)
			item = *v[i].synopsis != '\0' ?
			    xstrdup(v[i].synopsis) : NULL;
		else if (v[i].short_name != 0)
			item = xasprintf("[-%c%s%s]", v[i].short_name,
			    v[i].arg != NULL ? " " : "",
			    v[i].arg != NULL ? v[i].arg : "");
		else
			item = xasprintf("[--%s%s%s]", v[i].name,
			    v[i].arg != NULL ? " " : "",
			    v[i].arg != NULL ? v[i].arg : "");
		if (item == NULL)
			continue;
		if (col > indent && col + strlen(item) > HELP_WIDTH) {
			fprintf(fp, "\n%*s", (int)indent - 1, "");
			col = indent - 1;
		}
		fprintf(fp, " %s", item);
		col += strlen(item) + 1;
		free(item);
	}
	fputc('\n', fp);
	free(lead);
}

/* Text with '\n' between lines, each after `indent` spaces but the first. */
static void
print_indented(FILE *fp, const char *text, size_t indent)
{
	const char	*p = text, *e;

	for (;;) {
		e = p + strcspn(p, "\n");
		fprintf(fp, "%.*s\n", (int)(e - p), p);
		if (*e == '\0')
			break;
		p = e + 1;
		fprintf(fp, "%*s", (int)indent, "");
	}
}

/* herald NAME --help, from the table. */
static void
cmd_help(const struct cmd_entry *c, FILE *fp)
{
	struct cmd_option	*v;
	char			**left;
	size_t			 n, i, w = 0;

	n = all_options(c, &v);
	usage_line(c, v, n, fp);
	fprintf(fp, "\n%s\n", c->about);
	left = xcalloc(n + 1, sizeof(*left));
	for (i = 0; i < n; i++) {
		left[i] = option_left(&v[i]);
		if (strlen(left[i]) > w)
			w = strlen(left[i]);
	}
	if (n > 0)
		fputc('\n', fp);
	for (i = 0; i < n; i++) {
		fprintf(fp, "  %-*s  ", (int)w, left[i]);
		print_indented(fp, v[i].help, w + 4);
		free(left[i]);
	}
	if (c->notes != NULL) {
		fputc('\n', fp);
		c->notes(fp);
	}
	fprintf(fp, "\nExit status: ");
	print_indented(fp, c->exit_status, 0);
	free(left);
	free(v);
}

/*
 * Parses the options and operands of command c (argv[0] is its last word)
 * into *a, then runs it.
 */
static int
cmd_run(const struct cmd_entry *c, int argc, char **argv)
{
	struct cmd_args	 a;
	struct cmd_option *v;
	struct option	*lo;
	struct buf	 shorts;
	char		*word, *prog;
	size_t		 n, i;
	int		 ch, key, ret;

	memset(&a, 0, sizeof(a));
	n = all_options(c, &v);
	lo = xcalloc(n + 2, sizeof(*lo));
	buf_init(&shorts, 0);
	buf_putc(&shorts, 'h');
	for (i = 0; i < n; i++) {
		lo[i].name = v[i].name;
		lo[i].has_arg = v[i].arg != NULL ? required_argument :
		    no_argument;
		lo[i].val = OPT_INDEX + (int)i;
		if (v[i].short_name != 0) {
			buf_putc(&shorts, v[i].short_name);
			if (v[i].arg != NULL)
				buf_putc(&shorts, ':');
		}
	}
	lo[n].name = "help";
	lo[n].val = 'h';
	a.opts = xcalloc(argc, sizeof(*a.opts));
	ret = CMD_USAGE;
	/* getopt's messages start with argv[0]: "herald stories: ..." */
	word = argv[0];
	argv[0] = prog = xasprintf("herald %s", c->name);
	while ((ch = getopt_long(argc, argv, shorts.data, lo, NULL)) != -1) {
		if (ch == '?' || ch == ':')
			goto done;
		if (ch == 'h')
			key = KEY_HELP;
		else if (ch >= OPT_INDEX)
			key = v[ch - OPT_INDEX].key;
		else
			for (key = 0, i = 0; i < n && key == 0; i++)
				if (v[i].short_name == ch)
					key = v[i].key;
		switch (key) {
		case KEY_HELP:
			cmd_help(c, stdout);
			ret = EXIT_OK;
			goto done;
		case KEY_JSON:
			a.json = 1;
			break;
		case KEY_CONFIG:
			a.config = optarg;
			break;
		case KEY_DATABASE:
			a.db = optarg;
			break;
		case KEY_SOCKET:
			a.socket = optarg;
			break;
		default:
			a.opts[a.nopts].key = key;
			a.opts[a.nopts++].value = optarg;
			break;
		}
	}
	argv[0] = word;
	a.argc = argc - optind;
	a.argv = argv + optind;
	if (a.argc < c->lower || (c->upper >= 0 && a.argc > c->upper))
		goto done;
	ret = c->exec(&a);
	/* what a command printed and could not write is a failure */
	if (fflush(stdout) != 0 && ret != CMD_USAGE)
		ret = EXIT_FAIL;
done:
	argv[0] = word;
	free(prog);
	if (ret == CMD_USAGE) {
		cmd_help(c, stderr);
		ret = EXIT_USAGE;
	}
	free(a.opts);
	buf_free(&shorts);
	free(lo);
	free(v);
	return ret;
}

static void
usage(FILE *fp)
{
	const struct cmd_entry *const *c;
	size_t			 w = 0;

	for (c = commands; *c != NULL; c++)
		if (strlen((*c)->name) > w)
			w = strlen((*c)->name);
	fprintf(fp, "usage: herald [--version] [--help]\n"
	    "       herald [-c FILE | -d DB | -s SOCKET] [--json] COMMAND [ARGS]"
	    "\n\n"
	    "herald reads what the herald daemon (heraldd) collected, and tests\n"
	    "feeds and rules before you save them.\n\nCommands:\n");
	for (c = commands; *c != NULL; c++)
		fprintf(fp, "  %-*s  %s\n", (int)w, (*c)->name,
		    (*c)->summary);
	fprintf(fp, "\nThe options every command shares may come before it "
	    "or after it.\nRun 'herald COMMAND --help' for a command's options. "
	    "See herald(1).\n");
}

/* The entry argv names, its longest name first ("topics test"). */
static const struct cmd_entry *
cmd_find(int argc, char **argv, int *words)
{
	const struct cmd_entry *const *c;
	const struct cmd_entry	*best = NULL;
	const char		*sp;
	size_t			 len;

	*words = 0;
	for (c = commands; *c != NULL; c++) {
		sp = strchr((*c)->name, ' ');
		len = sp != NULL ? (size_t)(sp - (*c)->name) :
		    strlen((*c)->name);
		if (strlen(argv[1]) != len ||
		    strncmp((*c)->name, argv[1], len) != 0)
			continue;
		if (sp == NULL && *words == 0) {
			best = *c;
			*words = 1;
		} else if (sp != NULL && argc > 2 &&
		    strcmp(sp + 1, argv[2]) == 0) {
			best = *c;
			*words = 2;
		}
	}
	return best;
}

/*
 * How many of argv's words from argv[1] are shared options written before
 * the command ("herald -c FILE stories", as "git -C" is): those of
 * shared_options() for a command taking them all, a valued one with its
 * value apart, attached ("-cFILE") or after '=' ("--config=FILE").  The
 * command checks them as if written after it.
 */
static int
leading_options(int argc, char **argv)
{
	static const struct cmd_entry	 all = { .flags = CMD_JSON |
					    CMD_CONFIG | CMD_DATABASE |
					    CMD_SOCKET };
	struct cmd_option		 v[8];
	const char			*a, *eq;
	size_t				 k, n = shared_options(&all, v), len;
	int				 i = 1, take;

	while (i < argc && argv[i][0] == '-') {
		a = argv[i];
		take = 0;
		for (k = 0; k < n && take == 0; k++) {
			if (a[1] == '-') {
				eq = strchr(a, '=');
				len = eq != NULL ? (size_t)(eq - a - 2) :
				    strlen(a + 2);
				if (strlen(v[k].name) != len ||
				    strncmp(a + 2, v[k].name, len) != 0)
					continue;
				if (v[k].arg == NULL)
					take = eq == NULL ? 1 : 0;
				else
					take = eq != NULL ? 1 : 2;
			} else if (v[k].short_name != 0 &&
			    a[1] == v[k].short_name)
				take = v[k].arg == NULL ? (a[2] == '\0') :
				    a[2] != '\0' ? 1 : 2;
		}
		if (take == 0 || i + take > argc)
			break;
		i += take;
	}
	return i - 1;
}

int
main(int argc, char **argv)
{
	const struct cmd_entry	*c;
	char			**v;
	int			 words, lead, rc;

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
	if ((lead = leading_options(argc, argv)) > 0) {
		if (lead + 1 >= argc) {
			usage(stderr);
			return EXIT_USAGE;
		}
		/* the command's words first, then the options, then the rest */
		v = xcalloc((size_t)argc + 1, sizeof(*v));
		v[0] = argv[0];
		memcpy(v + 1, argv + 1 + lead,
		    (size_t)(argc - 1 - lead) * sizeof(*v));
		if ((c = cmd_find(argc - lead, v, &words)) == NULL) {
			fprintf(stderr, "herald: unknown command '%s'; run "
			    "'herald --help' for the list\n", v[1]);
			free(v);
			return EXIT_USAGE;
		}
		memcpy(v + 1 + words, argv + 1, (size_t)lead * sizeof(*v));
		memcpy(v + 1 + words + lead, argv + 1 + lead + words,
		    (size_t)(argc - 1 - lead - words) * sizeof(*v));
		rc = cmd_run(c, argc - words, v + words);
		free(v);
		return rc;
	}
	if ((c = cmd_find(argc, argv, &words)) != NULL)
		return cmd_run(c, argc - words, argv + words);
	if (argv[1][0] == '-')
		fprintf(stderr, "herald: unknown option '%s' before a command;"
		    " run 'herald --help' for the commands and their options\n",
		    argv[1]);
	else
		fprintf(stderr, "herald: unknown command '%s'; run 'herald "
		    "--help' for the list\n", argv[1]);
	return EXIT_USAGE;
}
