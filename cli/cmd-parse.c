/*
 * cmd-parse.c: `herald parse`, what the feed parser sees in one document:
 * a readable summary, or the feedparser-compatible JSON documented in
 * herald(1).  Entries are printed as they complete, so memory stays flat
 * whatever the size of the document.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "date.h"
#include "parse.h"
#include "parse-json.h"
#include "text.h"
#include "util.h"

struct out {
	int	 json;
	size_t	 n;
};

/*
 * Prints label, s and end to fp, s through cli_clean(): a document's text
 * may carry bidi controls and other characters that a terminal obeys.
 * none: what is printed when s is NULL or nothing of it is left.
 */
static void
print_clean(FILE *fp, const char *label, const char *s, const char *none,
    const char *end)
{
	char	*t = cli_clean(s, 0);

	fprintf(fp, "%s%s%s", label, *t != '\0' || none == NULL ? t : none,
	    end);
	free(t);
}

static void
print_entry_text(const struct parse_entry *e, size_t n)
{
	const struct parse_date	*d = parse_entry_date(e);
	const char		*summary = e->summary.value;
	char			 date[40] = "", label[32];

	if (d != NULL)
		date_format_rfc3339(d->epoch, date, sizeof(date));
	snprintf(label, sizeof(label), "\n[%zu] ", n);
	print_clean(stdout, label, e->title.value, "(no title)", "\n");
	if (*date)
		printf("    date:  %s\n", date);
	if (e->link != NULL)
		print_clean(stdout, "    link:  ", e->link, NULL, "\n");
	if (e->id != NULL)
		print_clean(stdout, "    id:    ", e->id, NULL, "\n");
	if (summary != NULL && *summary != '\0') {
		char	*t = html_to_text(summary, strlen(summary), 300);

		text_collapse_ws(t);
		if (*t != '\0')
			print_clean(stdout, "    text:  ", t, NULL,
			    strlen(t) >= 290 ? "...\n" : "\n");
		free(t);
	}
}

static void
on_entry(void *arg, const struct parse_entry *e)
{
	struct out	*o = arg;

	o->n++;
	if (o->json) {
		json_t	*s = parse_json_entry(e);

		if (o->n > 1)
			fputc(',', stdout);
		json_dumpf(s, stdout, JSON_COMPACT);
		json_decref(s);
	} else
		print_entry_text(e, o->n);
}

/* What herald parse --help says of the caps and entities (parse.h). */
static void
parse_notes(FILE *fp)
{
	fprintf(fp,
"Caps: %d entries per document, %d KB per text field, %d levels of\n"
"nesting, %d attributes per start tag.\n\n"
"Entities declared in the DOCTYPE are honoured when their text is plain\n"
"text and character references: at most %d entities of %d bytes each,\n"
"%d KB expanded per document.  External and parameter entities are never\n"
"loaded: their references are dropped (bozo).  Any other entity\n"
"declaration rejects the document.\n",
	    PARSE_MAX_ITEMS, PARSE_MAX_FIELD / 1024, PARSE_MAX_DEPTH,
	    PARSE_MAX_ATTRS, PARSE_MAX_ENTITIES, PARSE_MAX_ENTITY_TEXT,
	    PARSE_MAX_ENTITY_EXPANSION / 1024);
}

/*
 * What a bozo is, by feedparser's name of it: only a SAXParseException (or
 * an undeclared prefix) means the XML was not well-formed.
 */
static void
print_bozo(const struct parse_feed *f)
{
	static const struct {
		const char	*exception;
		const char	*what;
	} kinds[] = {
		{ "CharacterEncodingOverride", "encoding overridden" },
		{ "CharacterEncodingUnknown", "encoding unknown" },
		{ "NonXMLContentType", "not an XML content type" },
	};
	const char	*what = "not well-formed", *exc = f->bozo_exception;
	int		 wellformed = 0;
	size_t		 i;

	for (i = 0; exc != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(exc, kinds[i].exception) == 0) {
			what = kinds[i].what;
			wellformed = 1;
		}
	printf("warning:  %s (%s", what, exc != NULL ? exc : "bozo");
	if (f->bozo_message != NULL) {
		printf(": ");
		/* libxml2's message: where it found the document broken */
		if (f->xml_error != NULL && f->xml_error_line > 0 &&
		    strcmp(f->bozo_message, f->xml_error) == 0)
			printf("line %ld: ", f->xml_error_line);
		print_clean(stdout, "", f->bozo_message, NULL, "");
	}
	printf(")%s\n", wellformed ? "" : ", recovered");
}

static int
cmd_parse(const struct cmd_args *a)
{
	struct parse_opts	 opts;
	struct out		 o;
	struct parser		*p;
	FILE			*fp;
	char			 chunk[65536];
	const char		*file = a->argv[0];
	size_t			 n;
	int			 rc;
	const struct parse_feed	*f;

	memset(&opts, 0, sizeof(opts));
	memset(&o, 0, sizeof(o));
	o.json = cmd_args_has(a, 'j') > 0;
	opts.url = cmd_args_get(a, 'u');
	opts.base_url = cmd_args_get(a, 'b');
	opts.content_type = cmd_args_get(a, 't');
	opts.language = cmd_args_get(a, 'l');
	if (strcmp(file, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(file, "rb")) == NULL) {
		fprintf(stderr, "herald parse: %s: %s\n", file, strerror(errno));
		return EXIT_FAIL;
	}
	parse_global_init();
	p = parse_new(&opts, on_entry, &o);
	if (o.json)
		fputs("{\"shape_version\":1,\"entries\":[", stdout);
	rc = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if ((rc = parse_push(p, chunk, n)) == -1)
			break;
	if (ferror(fp)) {
		fprintf(stderr, "herald parse: %s: %s\n", file, strerror(errno));
		parse_free(p);
		return EXIT_FAIL;
	}
	if (fp != stdin)
		fclose(fp);
	rc = parse_finish(p);
	f = parse_feed(p);
	if (o.json) {
		json_t		*doc = parse_json_feed(f), *v;
		const char	*k;

		fputs("]", stdout);
		json_object_foreach(doc, k, v) {
			json_t	*key = json_string(k);

			fputc(',', stdout);
			json_dumpf(key, stdout, JSON_ENCODE_ANY);
			fputc(':', stdout);
			json_dumpf(v, stdout, JSON_COMPACT | JSON_ENCODE_ANY);
			json_decref(key);
		}
		json_decref(doc);
		if (rc == -1) {
			json_t *e = json_string(f->error);

			fputs(",\"error\":", stdout);
			json_dumpf(e, stdout, JSON_ENCODE_ANY);
			json_decref(e);
		}
		fputs("}\n", stdout);
	} else if (rc == 0) {
		print_clean(stdout, "feed:     ", f->title.value, "(no title)",
		    "\n");
		if (f->link != NULL)
			print_clean(stdout, "link:     ", f->link, NULL, "\n");
		printf("format:   %s\n", *f->version ? f->version : "unknown");
		printf("encoding: %s\n", f->encoding);
		printf("entries:  %zu%s\n", o.n, parse_truncated(p) ?
		    " (more were dropped: over the cap)" : "");
		if (f->bozo)
			print_bozo(f);
	}
	if (rc == -1) {
		size_t	 i;

		fprintf(stderr, "herald parse: %s: ", file);
		print_clean(stderr, "", f->error, NULL, "\n");
		for (i = 0; i < f->nalternates; i++)
			print_clean(stderr, "herald parse: try the feed ",
			    f->alternates[i], NULL, "\n");
	}
	parse_free(p);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

static const struct cmd_option parse_options[] = {
	{ .name = "json", .key = 'j', .short_name = 'j',
	    .help = "JSON with feedparser's keys (see herald(1))",
	    .synopsis = "[--json]" },
	{ .name = "url", .key = 'u', .arg = "URL",
	    .help = "the document's URL, for relative links" },
	{ .name = "base-url", .key = 'b', .arg = "URL",
	    .help = "base URL (HTTP Content-Location), overrides --url" },
	{ .name = "content-type", .key = 't', .arg = "TYPE",
	    .help = "the HTTP Content-Type; for application/*xml its\n"
	    "charset wins over the XML declaration, which is tried\n"
	    "next when the charset cannot read the bytes (herald(1))" },
	{ .name = "language", .key = 'l', .arg = "LANG",
	    .help = "the HTTP Content-Language" },
	{ .name = NULL }
};

const struct cmd_entry cmd_parse_entry = {
	.name = "parse",
	.operands = "FILE|-",
	.lower = 1,
	.upper = 1,
	.options = parse_options,
	.summary = "show what the feed parser reads in a document",
	.about = "Parse one RSS or Atom document and print what herald sees "
	    "in it.",
	.notes = parse_notes,
	.exit_status = "0 a feed was read (warts are reported as \"bozo\"), "
	    "1 not a feed\nor rejected, 2 usage.",
	.exec = cmd_parse,
};
