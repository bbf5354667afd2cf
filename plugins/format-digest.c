/*
 * format-digest.c: a digest for each webhook format, split at the
 * service's size limit.  The digest becomes blocks in the service's
 * markup (a header, each topic's heading, each story, the failing feeds),
 * and the blocks are packed into as few messages as fit, a topic's
 * heading repeated at the top of a message that continues it, each
 * message marked "(2/3)" when there are several.  A story too long for a
 * message alone loses its summary, then its link.  herald's own JSON is
 * one body, as are the other machine formats.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

#define TITLE_CHARS	300	/* of a story's title, at most */
#define SUMMARY_CHARS	200	/* of its summary */
#define PART_MARK	16	/* room kept for " (12/34)" */

enum family {
	F_MARKDOWN,		/* Mattermost, Discord, Gotify, Teams */
	F_SLACK,
	F_HTML,			/* Telegram, Pushover: b, i, a only */
	F_MATRIX,		/* HTML with a plain body beside it */
	F_PLAIN,		/* ntfy */
};

struct block {
	char	*main;		/* in the family's markup */
	char	*alt;		/* Matrix: the plain body; else NULL */
	int	 heading;	/* a topic's heading */
};

struct blocks {
	struct block	*v;
	size_t		 n;
};

size_t
format_limit(enum webhook_format f)
{
	switch (f) {
	case FORMAT_SLACK:
		return 4000;		/* Slack's advice for one message */
	case FORMAT_MATTERMOST:
		return 16383;		/* characters of a post */
	case FORMAT_DISCORD:
		return 2000;		/* characters of content */
	case FORMAT_TELEGRAM:
		return 4096;		/* characters of a message */
	case FORMAT_PUSHOVER:
		return 1024;		/* characters of a message */
	case FORMAT_TEAMS:
		return 24000;		/* bytes of text; a card is 28 KB */
	case FORMAT_MATRIX:
		return 60000;		/* bytes of both bodies; an event 64 KiB */
	case FORMAT_NTFY:
		return 4096;		/* bytes; more becomes an attachment */
	case FORMAT_GOTIFY:
		return 32768;		/* bytes: no documented limit */
	case FORMAT_JSON:
	default:
		return 0;
	}
}

static int
byte_limit(enum webhook_format f)
{
	return f == FORMAT_TEAMS || f == FORMAT_MATRIX || f == FORMAT_NTFY ||
	    f == FORMAT_GOTIFY;
}

size_t
format_length(enum webhook_format f, const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n = 0;

	if (s == NULL)
		return 0;
	if (byte_limit(f))
		return strlen(s);
	/* UTF-16 code units: what the services count as characters */
	for (; *u != '\0'; u++)
		if ((*u & 0xc0) != 0x80)
			n += *u >= 0xf0 ? 2 : 1;
	return n;
}

static enum family
family_of(enum webhook_format f)
{
	switch (f) {
	case FORMAT_SLACK:
		return F_SLACK;
	case FORMAT_TELEGRAM:
	case FORMAT_PUSHOVER:
		return F_HTML;
	case FORMAT_MATRIX:
		return F_MATRIX;
	case FORMAT_NTFY:
		return F_PLAIN;
	default:
		return F_MARKDOWN;
	}
}

static enum markup
markup_of(enum family fam)
{
	return fam == F_SLACK ? MARKUP_SLACK : fam == F_MARKDOWN ?
	    MARKUP_MARKDOWN : fam == F_PLAIN ? MARKUP_PLAIN : MARKUP_HTML;
}

/* Strong text: **x**, *x*, <b>x</b>, or as it is. */
static void
strong(struct sbuf *b, enum family fam, int open)
{
	if (fam == F_SLACK)
		sbuf_puts(b, "*");
	else if (fam == F_MARKDOWN)
		sbuf_puts(b, "**");
	else if (fam == F_HTML || fam == F_MATRIX)
		sbuf_puts(b, open ? "<b>" : "</b>");
}

static void
emph(struct sbuf *b, enum family fam, int open)
{
	if (fam == F_SLACK || fam == F_MARKDOWN)
		sbuf_puts(b, "_");
	else if (fam == F_HTML || fam == F_MATRIX)
		sbuf_puts(b, open ? "<i>" : "</i>");
}

/* The first n characters of s, on a character boundary, "…" if cut. */
static char *
cut(const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, chars = 0;
	char			*o;

	while (u[i] != '\0' && chars < n) {
		i++;
		while ((u[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	if (u[i] == '\0')
		return cstrdup(s);
	o = ccalloc(i + 4, 1);
	memcpy(o, s, i);
	memcpy(o + i, "\xe2\x80\xa6", 3);
	return o;
}

/* The units format_length() counts for the n bytes at s. */
static size_t
units(enum webhook_format f, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, k = 0;

	if (byte_limit(f))
		return n;
	for (i = 0; i < n; i++)
		if ((u[i] & 0xc0) != 0x80)
			k += u[i] >= 0xf0 ? 2 : 1;
	return k;
}

/* An entity's length at s ("&amp;", "&#39;"), or 0 when s starts none. */
static size_t
entity_len(const char *s)
{
	size_t	 i;

	if (s[0] != '&')
		return 0;
	for (i = 1; i < 12 && (isalnum((unsigned char)s[i]) || s[i] == '#');
	    i++)
		;
	return i > 1 && s[i] == ';' ? i + 1 : 0;
}

#define CUT_DEPTH	8	/* open elements followed; ours nest 3 */

/*
 * What a cut inside an element must write after the "…": an HTML
 * element's "</name>", or the text that closes it in Markdown or mrkdwn as
 * it stands in s ("](url)" after a link's text, "]", "**", "_", ">").
 */
struct opened {
	const char	*s;
	size_t		 len;
	int		 tag;	/* s is an element's name */
	const char	*at;	/* where s's closing text starts, or NULL */
};

/*
 * For the unescaped '[' at s, the text that closes it: "](url)" for a
 * Markdown link, "]" for a bracket that starts none (our "**[topic]**");
 * NULL when no ']' closes it.  A feed's brackets and parentheses reach
 * Markdown escaped or percent-encoded: unescaped ones are ours.
 */
static const char *
md_bracket(const char *s, size_t *len)
{
	const char	*p = s + 1, *e;

	while (*p != '\0' && *p != ']' && *p != '[' && *p != '\n')
		p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
	if (*p != ']')
		return NULL;
	*len = 1;
	if (p[1] == '(') {
		e = p + 2 + strcspn(p + 2, ") \t\n");
		if (*e == ')')
			*len = (size_t)(e - p) + 1;
	}
	return p;
}

/* Follows one more open element, if CUT_DEPTH allows; 1 if it did. */
static int
cut_open(struct opened *open, size_t *nopen, const char *s, size_t len,
    int tag, const char *at)
{
	if (*nopen >= CUT_DEPTH)
		return 0;
	open[*nopen].s = s;
	open[*nopen].len = len;
	open[*nopen].tag = tag;
	open[*nopen].at = at;
	(*nopen)++;
	return 1;
}

char *
format_cut(enum webhook_format f, const char *s, size_t room)
{
	enum family	 fam = family_of(f);
	int		 html = fam == F_HTML || fam == F_MATRIX;
	int		 ents = html || fam == F_SLACK;
	int		 md = fam == F_MARKDOWN;
	struct sbuf	 b;
	struct opened	 open[CUT_DEPTH], best_open[CUT_DEPTH];
	const char	*e;
	size_t		 nopen = 0, best_nopen = 0, i = 0, k, n, used = 0;
	size_t		 closers = 0, best = 0;
	int		 opens;

	if (units(f, s, strlen(s)) <= room)
		return cstrdup(s);
	/*
	 * The longest prefix ending between two tokens and not just after
	 * an opening one, "…" and the closers after.  A link's "](url)" is
	 * one token: a cut in its text closes it whole, never a dangling '['
	 * or half a URL; a cut that leaves no room for it goes before '['.
	 */
	while (s[i] != '\0') {
		k = 1;
		opens = 0;
		if (nopen > 0 && open[nopen - 1].at == s + i) {
			/* the closing text we were keeping room for */
			nopen--;
			k = open[nopen].len;
			closers -= units(f, open[nopen].s, open[nopen].len);
		} else if (html && s[i] == '<' &&
		    (e = strchr(s + i, '>')) != NULL) {
			k = (size_t)(e - (s + i)) + 1;
			n = strcspn(s + i + 1, " \t\n/>");
			if (k <= 2)
				;
			else if (s[i + 1] == '/' && nopen > 0) {
				nopen--;
				closers -= open[nopen].len + 3;
			} else if (s[i + 1] != '/' && s[i + 1] != '!' &&
			    s[i + k - 2] != '/' && n > 0 &&
			    (opens = cut_open(open, &nopen, s + i + 1, n, 1,
			    NULL)))
				closers += n + 3;
		} else if (ents && entity_len(s + i) > 0)
			k = entity_len(s + i);
		else if (md && s[i] == '\\' && s[i + 1] != '\0')
			k = 2;
		else if (md && s[i] == '[' && (e = md_bracket(s + i, &n)) !=
		    NULL) {
			if ((opens = cut_open(open, &nopen, e, n, 0, e)))
				closers += units(f, e, n);
			else	/* too deep to follow: the link whole */
				k = (size_t)(e - (s + i)) + n;
		} else if (md && (s[i] == '_' || (s[i] == '*' &&
		    s[i + 1] == '*'))) {
			/* strong or emphasis of ours: a feed's are escaped */
			k = s[i] == '_' ? 1 : 2;
			if (nopen > 0 && open[nopen - 1].at == NULL &&
			    !open[nopen - 1].tag && open[nopen - 1].len == k &&
			    open[nopen - 1].s[0] == s[i]) {
				nopen--;
				closers -= k;
			} else if ((opens = cut_open(open, &nopen, s + i, k, 0,
			    NULL)))
				closers += k;
		} else if (fam == F_SLACK && s[i] == '<' &&
		    (e = strchr(s + i, '>')) != NULL) {
			/* <url|text>: a feed's '<' is "&lt;" in mrkdwn */
			const char	*bar = memchr(s + i, '|',
				    (size_t)(e - (s + i)));

			k = (size_t)(e - (s + i)) + 1;
			if (bar != NULL && (opens = cut_open(open, &nopen, e, 1,
			    0, e))) {
				k = (size_t)(bar - (s + i)) + 1;
				closers += 1;
			}
		}
		while ((s[i + k] & 0xc0) == 0x80)
			k++;
		used += units(f, s + i, k);
		i += k;
		/* "…" is one unit, three bytes; "</b>" as many of either */
		if (used + (byte_limit(f) ? 3 : 1) + closers > room)
			break;
		if (opens)
			continue;	/* no "<b>…</b>", "[…](url)" */
		best = i;
		best_nopen = nopen;
		memcpy(best_open, open, nopen * sizeof(*open));
	}
	sbuf_init(&b);
	sbuf_add(&b, s, best);
	sbuf_puts(&b, "\xe2\x80\xa6");
	while (best_nopen > 0) {
		best_nopen--;
		if (best_open[best_nopen].tag)
			sbuf_puts(&b, "</");
		sbuf_add(&b, best_open[best_nopen].s,
		    best_open[best_nopen].len);
		if (best_open[best_nopen].tag)
			sbuf_puts(&b, ">");
	}
	return b.s;
}

static void
block_add(struct blocks *bl, char *main, char *alt, int heading)
{
	bl->v = realloc(bl->v, (bl->n + 1) * sizeof(*bl->v));
	if (bl->v == NULL)
		abort();
	bl->v[bl->n].main = main;
	bl->v[bl->n].alt = alt;
	bl->v[bl->n].heading = heading;
	bl->n++;
}

/* The header: the subject in strong, the period below. */
static char *
header(const struct herald_digest *d, enum family fam)
{
	struct sbuf	 b;
	int		 fl = MARKUP_CHAT | MARKUP_ONELINE;

	sbuf_init(&b);
	strong(&b, fam, 1);
	markup_text(&b, markup_of(fam), fl, d->subject);
	strong(&b, fam, 0);
	sbuf_puts(&b, "\n");
	markup_text(&b, markup_of(fam), fl, cnz(d->period, ""));
	sbuf_puts(&b, "\n");
	return b.s;
}

static char *
heading(const struct herald_digest_topic *t, enum family fam, int cont)
{
	struct sbuf	 b;
	int		 fl = MARKUP_CHAT | MARKUP_ONELINE;

	sbuf_init(&b);
	sbuf_puts(&b, "\n");
	strong(&b, fam, 1);
	markup_text(&b, markup_of(fam), fl, cnz(t->name, "all stories"));
	strong(&b, fam, 0);
	if (cont)
		sbuf_puts(&b, " (continued)\n");
	else {
		sbuf_printf(&b, " \xc2\xb7 %zu stor%s \xc2\xb7 %s \xc2\xb7 ",
		    t->total, t->total == 1 ? "y" : "ies", cnz(t->sparkline, ""));
		markup_text(&b, markup_of(fam), fl, cnz(t->trend_text, ""));
		sbuf_puts(&b, "\n");
	}
	return b.s;
}

/* level 0: whole; 1: no summary; 2: no link either, a short title. */
static char *
story(const struct herald_digest_story *s, enum family fam, int level)
{
	struct sbuf	 b;
	enum markup	 m = markup_of(fam);
	int		 fl = MARKUP_CHAT | MARKUP_ONELINE;
	char		*t;

	sbuf_init(&b);
	t = cut(cnz(s->title, "(no title)"), level >= 2 ? 100 : TITLE_CHARS);
	sbuf_puts(&b, "\xe2\x80\xa2 ");
	if (level >= 2 || fam == F_PLAIN)
		markup_text(&b, m, fl, t);
	else
		markup_link(&b, m, fl, s->link, t);
	free(t);
	if (s->breaking) {
		sbuf_puts(&b, " \xc2\xb7 ");
		strong(&b, fam, 1);
		sbuf_puts(&b, "breaking");
		strong(&b, fam, 0);
	}
	sbuf_puts(&b, "\n  ");
	emph(&b, fam, 1);
	markup_text(&b, m, fl, cnz(s->sources, ""));
	emph(&b, fam, 0);
	sbuf_puts(&b, "\n");
	if (level == 0 && s->summary != NULL && *s->summary != '\0') {
		t = cut(s->summary, SUMMARY_CHARS);
		sbuf_puts(&b, "  ");
		markup_text(&b, m, fl, t);
		sbuf_puts(&b, "\n");
		free(t);
	}
	if (level == 0 && fam == F_PLAIN && markup_url_ok(s->link)) {
		sbuf_puts(&b, "  ");
		markup_url(&b, m, s->link);
		sbuf_puts(&b, "\n");
	}
	return b.s;
}

/*
 * The failing feeds, one a line, under a strong heading; a feed herald
 * disabled (ABI 1.3) says so and since when (UTC).
 */
static char *
failing(const struct herald_digest *d, enum family fam, unsigned abi_minor)
{
	struct sbuf	 b;
	int		 fl = MARKUP_CHAT | MARKUP_ONELINE;
	size_t		 i;
	char		 since[64];
	time_t		 t;
	struct tm	 tm;

	sbuf_init(&b);
	sbuf_puts(&b, "\n");
	strong(&b, fam, 1);
	sbuf_puts(&b, "Failing feeds");
	strong(&b, fam, 0);
	sbuf_puts(&b, "\n");
	for (i = 0; i < d->nfailing; i++) {
		sbuf_puts(&b, "\xe2\x80\xa2 ");
		markup_text(&b, markup_of(fam), fl, cnz(d->failing[i]->outlet,
		    cnz(d->failing[i]->feed, "?")));
		sbuf_puts(&b, ": ");
		if (abi_minor >= 3 && d->failing[i]->disabled != 0) {
			t = (time_t)d->failing[i]->disabled;
			if (gmtime_r(&t, &tm) == NULL ||
			    strftime(since, sizeof(since), "%Y-%m-%d %H:%M UTC",
			    &tm) == 0)
				snprintf(since, sizeof(since), "?");
			sbuf_printf(&b, "disabled since %s: ", since);
		}
		markup_text(&b, markup_of(fam), fl, cnz(d->failing[i]->error,
		    "failing"));
		sbuf_puts(&b, "\n");
	}
	return b.s;
}

static size_t
block_len(enum webhook_format f, const char *main, const char *alt)
{
	return format_length(f, main) + format_length(f, alt);
}

/* One story's block, as whole as fits in `room`. */
static void
story_add(struct blocks *bl, enum webhook_format f, enum family fam,
    const struct herald_digest_story *s, size_t room)
{
	char	*main = NULL, *alt = NULL;
	int	 level;

	for (level = 0; level < 3; level++) {
		free(main);
		free(alt);
		main = story(s, fam, level);
		alt = fam == F_MATRIX ? story(s, F_PLAIN, level) : NULL;
		if (block_len(f, main, alt) <= room)
			break;
	}
	block_add(bl, main, alt, 0);
}

static void
blocks_make(struct blocks *bl, enum webhook_format f,
    const struct herald_digest *d, size_t room, unsigned abi_minor)
{
	enum family	 fam = family_of(f);
	size_t		 i, j;
	char		 t[48];

	block_add(bl, header(d, fam), fam == F_MATRIX ? header(d, F_PLAIN) :
	    NULL, 0);
	if (d->ntopics == 0)
		block_add(bl, cstrdup("\nNothing new in this period.\n"),
		    fam == F_MATRIX ? cstrdup("\nNothing new in this period.\n") :
		    NULL, 0);
	for (i = 0; i < d->ntopics; i++) {
		const struct herald_digest_topic *tp = d->topics[i];

		block_add(bl, heading(tp, fam, 0), fam == F_MATRIX ?
		    heading(tp, F_PLAIN, 0) : NULL, 1);
		for (j = 0; j < tp->nstories; j++)
			story_add(bl, f, fam, tp->stories[j], room);
		if (tp->total > tp->nstories) {
			snprintf(t, sizeof(t), "  \xe2\x80\xa6 %zu more\n",
			    tp->total - tp->nstories);
			block_add(bl, cstrdup(t), fam == F_MATRIX ? cstrdup(t) :
			    NULL, 0);
		}
	}
	if (d->nfailing > 0) {
		char	*main = failing(d, fam, abi_minor);
		char	*alt = fam == F_MATRIX ? failing(d, F_PLAIN, abi_minor) :
		    NULL;

		/* a long list of failing feeds is cut like a story */
		if (block_len(f, main, alt) > room) {
			char	*c = format_cut(f, main, room / 3);

			free(main);
			main = c;
			if (alt != NULL) {
				/* ntfy's cut: plain text, in bytes as Matrix */
				c = format_cut(FORMAT_NTFY, alt, room / 3);
				free(alt);
				alt = c;
			}
		}
		block_add(bl, main, alt, 0);
	}
}

/* One message: its main text (and Matrix's plain body). */
struct part {
	struct sbuf	 main;
	struct sbuf	 alt;
};

/* Every "\n" of s as `with` (heap). */
static char *
newlines(const char *s, const char *with)
{
	struct sbuf	 b;

	sbuf_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			sbuf_puts(&b, with);
		else
			sbuf_add(&b, s, 1);
	}
	return b.s;
}

static char *
envelope(enum webhook_format f, const struct herald_digest *d,
    const struct format_target *tgt, const char *main, const char *alt,
    size_t k, size_t n)
{
	json_t		*o, *blocks;
	char		*s, *title;

	title = n > 1 ? casprintf("%s (%zu/%zu)", d->subject, k, n) :
	    cstrdup(d->subject);
	switch (f) {
	case FORMAT_SLACK:
	case FORMAT_MATTERMOST:
		o = json_pack("{s:s}", "text", main);
		break;
	case FORMAT_DISCORD:
		o = json_pack("{s:s,s:{s:[]},s:i}", "content", main,
		    "allowed_mentions", "parse", "flags", 4);
		break;
	case FORMAT_TELEGRAM:
		o = json_pack("{s:s,s:s,s:s,s:b}", "chat_id", cnz(tgt->chat, ""),
		    "text", main, "parse_mode", "HTML",
		    "disable_web_page_preview", 1);
		break;
	case FORMAT_TEAMS:
		/* a TextBlock's Markdown breaks a line at a blank line only */
		s = newlines(main, "\n\n");
		blocks = json_array();
		json_array_append_new(blocks, format_teams_text(s));
		o = format_teams_card(blocks);
		free(s);
		break;
	case FORMAT_MATRIX:
		s = newlines(main, "<br>\n");
		o = json_pack("{s:s,s:s,s:s,s:s,s:{}}", "msgtype", "m.text",
		    "body", alt, "format", "org.matrix.custom.html",
		    "formatted_body", s, "m.mentions");
		free(s);
		break;
	case FORMAT_NTFY:
		o = json_pack("{s:s,s:s,s:s,s:[s,s]}", "topic",
		    cnz(tgt->ntfy_topic, "herald"), "title", title, "message",
		    main, "tags", "herald", "digest");
		break;
	case FORMAT_GOTIFY:
		o = json_pack("{s:s,s:s,s:i,s:{s:{s:s}}}", "title", title,
		    "message", main, "priority", tgt->priority, "extras",
		    "client::display", "contentType", "text/markdown");
		break;
	case FORMAT_PUSHOVER:
		s = cut(title, 240);
		o = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i}", "token",
		    cnz(tgt->token, ""), "user", cnz(tgt->user, ""), "title", s,
		    "message", main, "html", 1, "priority", tgt->priority);
		free(s);
		break;
	case FORMAT_JSON:
	default:
		free(title);
		return cstrdup(d->json);
	}
	free(title);
	if (o == NULL)
		abort();
	return cdump(o);
}

char **
format_digest(enum webhook_format f, const struct herald_digest *d,
    const struct format_target *tgt, size_t *n)
{
	struct blocks	 bl = { NULL, 0 };
	struct part	*parts = NULL;
	enum family	 fam = family_of(f);
	size_t		 limit = format_limit(f), room, np = 0, i, k;
	size_t		 len = 0, blen;
	const struct herald_digest_topic *tp = NULL;
	char		**out, *mark;

	if (f == FORMAT_JSON) {
		out = ccalloc(2, sizeof(*out));
		out[0] = cstrdup(d->json);
		*n = 1;
		return out;
	}
	room = limit - PART_MARK;
	blocks_make(&bl, f, d, room, tgt != NULL ? tgt->abi_minor : 0);
	for (i = 0, k = 0; i < bl.n; i++) {
		struct block	*b = &bl.v[i];

		if (b->heading)
			tp = d->topics[k++];
		blen = block_len(f, b->main, b->alt);
		if (np == 0 || len + blen > room) {
			parts = realloc(parts, (np + 1) * sizeof(*parts));
			if (parts == NULL)
				abort();
			sbuf_init(&parts[np].main);
			sbuf_init(&parts[np].alt);
			np++;
			len = 0;
			/* a topic carried on: its heading again */
			if (np > 1 && !b->heading && tp != NULL) {
				char	*h = heading(tp, fam, 1);
				char	*ha = fam == F_MATRIX ?
					    heading(tp, F_PLAIN, 1) : NULL;

				sbuf_puts(&parts[np - 1].main, h + 1);
				if (ha != NULL)
					sbuf_puts(&parts[np - 1].alt, ha + 1);
				len += block_len(f, h, ha);
				free(h);
				free(ha);
			}
		}
		/* a message never starts with a blank line */
		sbuf_puts(&parts[np - 1].main, len == 0 && b->main[0] == '\n' ?
		    b->main + 1 : b->main);
		if (b->alt != NULL)
			sbuf_puts(&parts[np - 1].alt, len == 0 &&
			    b->alt[0] == '\n' ? b->alt + 1 : b->alt);
		len += blen;
	}
	out = ccalloc(np + 1, sizeof(*out));
	for (i = 0; i < np; i++) {
		if (np > 1) {
			mark = casprintf("(%zu/%zu)", i + 1, np);
			sbuf_puts(&parts[i].main, mark);
			if (fam == F_MATRIX)
				sbuf_puts(&parts[i].alt, mark);
			free(mark);
		}
		out[i] = envelope(f, d, tgt, parts[i].main.s,
		    fam == F_MATRIX ? parts[i].alt.s : NULL, i + 1, np);
		sbuf_free(&parts[i].main);
		sbuf_free(&parts[i].alt);
	}
	for (i = 0; i < bl.n; i++) {
		free(bl.v[i].main);
		free(bl.v[i].alt);
	}
	free(bl.v);
	free(parts);
	*n = np;
	return out;
}
