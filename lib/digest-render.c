/*
 * digest-render.c: a digest (digest.h) for people: text fitted to a width
 * (bold and colour for a terminal), Markdown, and one HTML document for
 * mail (tables, inline CSS, a dark-mode stylesheet, no script, no remote
 * asset; the trend is bars of table cells), plus the mail's subject.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "termtext.h"
#include "tz.h"
#include "util.h"

#define SUMMARY_CHARS	320	/* of a story's summary, at most, in HTML */
#define TREND_PX	28	/* the tallest bar of an HTML trend */

#define C_OFF		"\033[0m"
#define C_BOLD		"\033[1m"
#define C_DIM		"\033[2m"
#define C_TOPIC		"\033[1;36m"
#define C_ALERT		"\033[1;31m"

static const char *const spark[] = { "\xe2\x96\x81", "\xe2\x96\x82",
    "\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
    "\xe2\x96\x87", "\xe2\x96\x88" };

/* ---- shared ---- */

static char	*one_line(const char *);

static const char *
nz(const char *s, const char *dflt)
{
	return s != NULL && *s != '\0' ? s : dflt;
}

static const char *
topic_name(const struct digest_topic *t)
{
	return t->name != NULL ? t->name : "all stories";
}

/*
 * "Fri 28 Nov 07:30"; with_zone adds " CET".  A time in another year than
 * the digest's end ("Wed 31 Dec 2025 07:30") gives its year.
 */
static void
fmt_time(const struct digest_style *st, int64_t t, int with_zone, char *out,
    size_t len)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const struct tz	*z = st != NULL ? st->tz : NULL;
	struct tz_civil	 c;
	const char	*abbr;

	struct tz_civil	 r;
	char		 year[16] = "";

	tz_to_civil(z, t, &c);
	(void)tz_offset(z, t, &abbr);
	if (st != NULL && st->now != 0) {
		tz_to_civil(z, st->now, &r);
		if (r.year != c.year)
			snprintf(year, sizeof(year), " %d", c.year);
	}
	snprintf(out, len, "%s %d %s%s %02d:%02d%s%s", wd[c.wday], c.day,
	    mo[c.month - 1], year, c.hour, c.minute, with_zone ? " " : "",
	    with_zone ? abbr : "");
}

/* st, with the digest's end as the year that goes without saying. */
static struct digest_style
style_for(const struct digest *d, const struct digest_style *st)
{
	struct digest_style	 s = { 0 };

	if (st != NULL)
		s = *st;
	s.now = d->until;
	return s;
}

char *
digest_period(const struct digest *d, const struct digest_style *in)
{
	struct digest_style	 st = style_for(d, in);
	char			 a[64], b[64];

	fmt_time(&st, d->since, 0, a, sizeof(a));
	fmt_time(&st, d->until, 1, b, sizeof(b));
	return xasprintf("%s \xe2\x80\x93 %s", a, b);
}

static char *
title_line(const struct digest *d)
{
	return d->name != NULL ? xasprintf("herald digest \xe2\x80\x9c%s\xe2\x80"
	    "\x9d", d->name) : xstrdup("herald digest");
}

/* "Preview: the digest will go at Fri 28 Nov 07:30 CET", or NULL. */
static char *
preview_line(const struct digest *d, const struct digest_style *st)
{
	char	 t[64];

	if (d->next == 0)
		return NULL;
	fmt_time(st, d->next, 1, t, sizeof(t));
	return xasprintf("Preview: the digest goes out %s", t);
}

/*
 * "552 stories, 88 shown" when the per-topic limit left some out, else
 * "12 stories": what the period holds, and what of it the digest shows
 * (a story under two topics once in both).
 */
static char *
counts_words(const struct digest *d)
{
	size_t	 shown = digest_nstories(d);
	size_t	 total = d->total > shown ? d->total : shown;

	if (total > shown)
		return xasprintf("%zu stories, %zu shown", total, shown);
	return xasprintf("%zu stor%s", total, total == 1 ? "y" : "ies");
}

/* "552 stories, 88 shown, in 11 topics" */
static char *
counts_line(const struct digest *d)
{
	char	*w = counts_words(d), *s;

	s = xasprintf("%s%s in %zu topic%s", w, d->total > digest_nstories(d) ?
	    "," : "", d->ntopics, d->ntopics == 1 ? "" : "s");
	free(w);
	return s;
}

char *
digest_sparkline(const unsigned *trend, size_t n)
{
	struct buf	 b;
	unsigned	 max = 0;
	size_t		 i;

	buf_init(&b, 0);
	buf_puts(&b, "");
	for (i = 0; i < n; i++)
		if (trend[i] > max)
			max = trend[i];
	for (i = 0; i < n; i++)
		buf_puts(&b, spark[max == 0 ? 0 :
		    (size_t)((unsigned long long)trend[i] * 7 / max)]);
	return buf_steal(&b);
}

int
digest_spike(const unsigned *trend, size_t n, unsigned *baseline)
{
	unsigned long long	 sum = 0;
	unsigned		 base;
	size_t			 i;

	if (n < 2)
		return 0;
	for (i = 0; i + 1 < n; i++)
		sum += trend[i];
	base = (unsigned)((sum + (n - 1) / 2) / (n - 1));
	*baseline = base;
	return trend[n - 1] >= 3 && trend[n - 1] >= 2 * base + 1;
}

char *
digest_trend_text(const struct digest_topic *t)
{
	unsigned	 base;
	unsigned	 last = t->trend[DIGEST_TREND_DAYS - 1];

	if (digest_spike(t->trend, DIGEST_TREND_DAYS, &base))
		return xasprintf("spike: %u in the last day, usually %u", last,
		    base);
	return xasprintf("%u in the last day", last);
}

static char *
story_meta(const struct digest_story *s, const struct digest_style *st)
{
	char	 t[64], *src, *out;

	src = digest_sources(s);
	fmt_time(st, s->first_seen, 0, t, sizeof(t));
	out = xasprintf("%s \xc2\xb7 first seen %s", src, t);
	free(src);
	src = one_line(out);
	free(out);
	return src;
}

static char *
failing_words(const struct digest_failing *f, const struct digest_style *st)
{
	char	 t[64], *s, *o;

	if (f->disabled != 0) {
		fmt_time(st, f->disabled, 0, t, sizeof(t));
		s = xasprintf("%s: disabled since %s: %s \xc2\xb7 fetched again "
		    "when its url changes", nz(f->outlet, nz(f->feed, "?")), t,
		    nz(f->error, "by herald"));
	} else if (f->last_success != 0) {
		fmt_time(st, f->last_success, 0, t, sizeof(t));
		s = xasprintf("%s: %s \xc2\xb7 %d failure%s since the last "
		    "success, %s", nz(f->outlet, nz(f->feed, "?")),
		    nz(f->error, "failing"), f->failures, f->failures == 1 ?
		    "" : "s", t);
	} else
		s = xasprintf("%s: %s \xc2\xb7 %d failure%s, never fetched",
		    nz(f->outlet, nz(f->feed, "?")), nz(f->error, "failing"),
		    f->failures, f->failures == 1 ? "" : "s");
	o = one_line(s);
	free(s);
	return o;
}

/*
 * Control characters and bidi controls out, white space folded: one line
 * of text that shows what it says.
 */
static char *
one_line(const char *s)
{
	char		*o = xstrdup(s != NULL ? s : ""), *p, *q;
	uint32_t	 cp;
	size_t		 n;
	int		 sp = 1;

	for (p = q = o; *p != '\0'; p++) {
		unsigned char	 c = (unsigned char)*p;

		if (c >= 0x80 && (n = termtext_next(p, &cp)) > 1 &&
		    termtext_is_bidi(cp)) {
			p += n - 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == ' ') {
			if (!sp)
				*q++ = ' ';
			sp = 1;
			continue;
		}
		*q++ = *p;
		sp = 0;
	}
	while (q > o && q[-1] == ' ')
		q--;
	*q = '\0';
	return o;
}

static int
web_url(const char *u)
{
	return u != NULL && (strncasecmp(u, "http://", 7) == 0 ||
	    strncasecmp(u, "https://", 8) == 0) && strpbrk(u, " \t\r\n") ==
	    NULL;
}

/* ---- text ---- */

/*
 * s in the width, between colour codes when there is colour: wrapped,
 * never cut (the mail's text part is this at 78 columns, and a line cut
 * there loses what it says), the lines after the first indented two
 * more, under a bullet's text.  s holds no control character but the
 * codes this file puts there: data went through one_line() first.
 */
static void
t_line(struct buf *b, const struct digest_style *st, const char *indent,
    const char *color, const char *s)
{
	/* st->width is 40 or more (digest_render_text()) */
	size_t	 w = st->width - strlen(indent);
	char	*cont = xasprintf("%s  ", indent), *fit;

	fit = termtext_width(s) <= w ? xstrdup(s) :
	    termtext_wrap(s, w - 2, 0, cont);
	buf_puts(b, indent);
	if (st->color && color != NULL)
		buf_printf(b, "%s%s%s\n", color, fit, C_OFF);
	else
		buf_printf(b, "%s\n", fit);
	free(fit);
	free(cont);
}

static void
t_rule(struct buf *b, const struct digest_style *st, const char *label)
{
	size_t	 w = termtext_width(label) + 4, i;
	char	*head;
	struct buf	 r;

	buf_init(&r, 0);
	buf_printf(&r, "\xe2\x94\x81\xe2\x94\x81 %s ", label);
	for (i = w; i < st->width && i < 200; i++)
		buf_puts(&r, "\xe2\x94\x81");
	head = buf_steal(&r);
	t_line(b, st, "", C_TOPIC, head);
	free(head);
}

char *
digest_render_text(const struct digest *d, const struct digest_style *in)
{
	struct digest_style	 st = style_for(d, in);
	struct buf		 b;
	size_t			 i, j;
	char			*s, *u, *w;

	if (st.width < 40)
		st.width = 40;
	buf_init(&b, 0);
	s = title_line(d);
	t_line(&b, &st, "", C_BOLD, s);
	free(s);
	s = digest_period(d, &st);
	u = counts_line(d);
	w = xasprintf("%s \xc2\xb7 %s", s, u);
	t_line(&b, &st, "", NULL, w);
	free(s);
	free(u);
	free(w);
	if ((s = preview_line(d, &st)) != NULL) {
		t_line(&b, &st, "", C_DIM, s);
		free(s);
	}
	if (d->ntopics == 0) {
		buf_putc(&b, '\n');
		t_line(&b, &st, "", C_DIM, "Nothing new in this period.");
	}
	for (i = 0; i < d->ntopics; i++) {
		const struct digest_topic	*t = &d->topics[i];

		buf_putc(&b, '\n');
		s = one_line(topic_name(t));
		t_rule(&b, &st, s);
		free(s);
		s = digest_sparkline(t->trend, DIGEST_TREND_DAYS);
		u = digest_trend_text(t);
		w = xasprintf("%zu stor%s \xc2\xb7 14 days %s \xc2\xb7 %s",
		    t->total, t->total == 1 ? "y" : "ies", s, u);
		t_line(&b, &st, "", C_DIM, w);
		free(s);
		free(u);
		free(w);
		for (j = 0; j < t->nstories; j++) {
			const struct digest_story	*sy = &t->stories[j];
			const struct digest_item	*lead = &sy->items[0];
			const char			*sum = digest_story_summary(sy);

			buf_putc(&b, '\n');
			u = one_line(nz(lead->title, "(no title)"));
			s = xasprintf("\xe2\x80\xa2 %s", u);
			t_line(&b, &st, "", C_BOLD, s);
			free(s);
			free(u);
			u = story_meta(sy, &st);
			if (sy->breaking) {
				s = xasprintf("%sBREAKING%s \xc2\xb7 %s",
				    st.color ? C_ALERT : "", st.color ?
				    C_OFF C_DIM : "", u);
				t_line(&b, &st, "  ", C_DIM, s);
				free(s);
			} else
				t_line(&b, &st, "  ", C_DIM, u);
			free(u);
			if (sum != NULL) {
				s = one_line(sum);
				u = termtext_wrap(s, st.width - 2, 2, "  ");
				buf_printf(&b, "  %s\n", u);
				free(s);
				free(u);
			}
			/* a link cut short is no link: printed whole */
			if (lead->link != NULL && *lead->link != '\0') {
				s = one_line(lead->link);
				buf_printf(&b, "  %s\n", s);
				free(s);
			}
		}
		if (t->total > t->nstories) {
			u = one_line(topic_name(t));
			s = xasprintf("\xe2\x80\xa6 %zu more stor%s in %s",
			    t->total - t->nstories, t->total - t->nstories == 1 ?
			    "y" : "ies", u);
			free(u);
			buf_putc(&b, '\n');
			t_line(&b, &st, "  ", C_DIM, s);
			free(s);
		}
	}
	if (d->nfailing > 0) {
		buf_putc(&b, '\n');
		t_rule(&b, &st, "failing feeds");
		for (i = 0; i < d->nfailing; i++) {
			s = failing_words(&d->failing[i], &st);
			u = xasprintf("\xe2\x80\xa2 %s", s);
			t_line(&b, &st, "", NULL, u);
			free(s);
			free(u);
		}
	}
	return buf_steal(&b);
}

/* ---- Markdown ---- */

/*
 * CommonMark and GitHub's: a backslash before the punctuation that could
 * start markup here (parentheses only matter after ']', which is escaped).
 */
static void
md_esc(struct buf *b, const char *s)
{
	char	*o = one_line(s), *p;

	for (p = o; *p != '\0'; p++) {
		if (strchr("\\`*_[]<>|~&#", *p) != NULL ||
		    (p == o && strchr("+-=", *p) != NULL) ||
		    (*p == '.' && p > o && p[-1] >= '0' && p[-1] <= '9' &&
		    strspn(o, "0123456789") == (size_t)(p - o)))
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	free(o);
}

/* <url> with what would end it percent-encoded. */
static void
md_url(struct buf *b, const char *u)
{
	buf_putc(b, '<');
	for (; *u != '\0'; u++) {
		if (*u == '<' || *u == '>' || *u == '\\' ||
		    (unsigned char)*u <= 0x20 || (unsigned char)*u >= 0x7f)
			buf_printf(b, "%%%02X", (unsigned char)*u);
		else
			buf_putc(b, *u);
	}
	buf_putc(b, '>');
}

char *
digest_render_markdown(const struct digest *d, const struct digest_style *in)
{
	struct digest_style	 sty = style_for(d, in);
	const struct digest_style *st = &sty;
	struct buf	 b;
	size_t		 i, j;
	char		*s, *u;

	buf_init(&b, 0);
	buf_puts(&b, "# ");
	s = title_line(d);
	md_esc(&b, s);
	free(s);
	s = digest_period(d, st);
	u = counts_line(d);
	buf_puts(&b, "\n\n*");
	md_esc(&b, s);
	buf_puts(&b, " \xc2\xb7 ");
	md_esc(&b, u);
	buf_puts(&b, "*\n");
	free(s);
	free(u);
	if ((s = preview_line(d, st)) != NULL) {
		buf_puts(&b, "\n*");
		md_esc(&b, s);
		buf_puts(&b, "*\n");
		free(s);
	}
	if (d->ntopics == 0)
		buf_puts(&b, "\nNothing new in this period.\n");
	for (i = 0; i < d->ntopics; i++) {
		const struct digest_topic	*t = &d->topics[i];

		buf_puts(&b, "\n## ");
		md_esc(&b, topic_name(t));
		s = digest_sparkline(t->trend, DIGEST_TREND_DAYS);
		u = digest_trend_text(t);
		buf_printf(&b, "\n\n%zu stor%s \xc2\xb7 14 days `%s` \xc2\xb7 ",
		    t->total, t->total == 1 ? "y" : "ies", s);
		md_esc(&b, u);
		buf_puts(&b, "\n\n");
		free(s);
		free(u);
		for (j = 0; j < t->nstories; j++) {
			const struct digest_story	*sy = &t->stories[j];
			const struct digest_item	*lead = &sy->items[0];
			const char			*sum = digest_story_summary(sy);

			buf_puts(&b, "- **");
			if (web_url(lead->link)) {
				buf_putc(&b, '[');
				md_esc(&b, nz(lead->title, "(no title)"));
				buf_puts(&b, "](");
				md_url(&b, lead->link);
				buf_putc(&b, ')');
			} else
				md_esc(&b, nz(lead->title, "(no title)"));
			buf_puts(&b, "**");
			if (sy->breaking)
				buf_puts(&b, " \xc2\xb7 **breaking**");
			buf_puts(&b, "  \n  ");
			s = story_meta(sy, st);
			md_esc(&b, s);
			free(s);
			if (sum != NULL) {
				s = one_line(sum);
				u = termtext_wrap(s, 200, 2, " ");
				buf_puts(&b, "  \n  ");
				md_esc(&b, u);
				free(s);
				free(u);
			}
			buf_putc(&b, '\n');
		}
		if (t->total > t->nstories)
			buf_printf(&b, "\n*\xe2\x80\xa6 %zu more stor%s*\n",
			    t->total - t->nstories, t->total - t->nstories == 1 ?
			    "y" : "ies");
	}
	if (d->nfailing > 0) {
		buf_puts(&b, "\n## Failing feeds\n\n");
		for (i = 0; i < d->nfailing; i++) {
			buf_puts(&b, "- ");
			s = failing_words(&d->failing[i], st);
			md_esc(&b, s);
			free(s);
			buf_putc(&b, '\n');
		}
	}
	return buf_steal(&b);
}

/* ---- HTML ---- */

static void
h_esc(struct buf *b, const char *s)
{
	uint32_t	 cp;
	size_t		 n;

	for (; s != NULL && *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80 && (n = termtext_next(s, &cp)) >
		    1 && termtext_is_bidi(cp)) {
			s += n - 1;
			continue;
		}
		switch (*s) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&#39;");
			break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' &&
			    *s != '\t')
				buf_putc(b, ' ');
			else
				buf_putc(b, *s);
		}
	}
}

/* Text cut to about n bytes on a word boundary, with an ellipsis. */
static char *
cut_words(const char *s, size_t n)
{
	char	*o = one_line(s), *r;
	size_t	 k;

	if (strlen(o) <= n)
		return o;
	for (k = n; k > n / 2 && o[k] != ' '; k--)
		;
	if (o[k] != ' ')
		for (k = n; k > 0 && ((unsigned char)o[k] & 0xc0) == 0x80; k--)
			;
	o[k] = '\0';
	r = xasprintf("%s\xe2\x80\xa6", o);
	free(o);
	return r;
}

/*
 * Light colours in style attributes (what every mail client keeps); the
 * stylesheet turns them dark where the client honours
 * prefers-color-scheme, and says the page supports both.
 */
#define H_DARK \
	"@media (prefers-color-scheme: dark){" \
	"body,.bg{background:#111418 !important}" \
	".card{background:#1b1f24 !important;border-color:#2d333b !important}" \
	".tx{color:#e6edf3 !important}.mu{color:#9aa5b1 !important}" \
	".ln{color:#79b8ff !important}.tp{color:#56d4dd !important}" \
	".rl{border-color:#2d333b !important}.br{background:#9b1c1c !important}" \
	".bar{background:#3fb6c7 !important}.bz{background:#2d333b !important}}"

static void
h_trend(struct buf *b, const struct digest_topic *t)
{
	unsigned	 max = 1;
	size_t		 i;
	int		 h;

	for (i = 0; i < DIGEST_TREND_DAYS; i++)
		if (t->trend[i] > max)
			max = t->trend[i];
	buf_printf(b, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" style=\"border-collapse:separate;"
	    "border-spacing:2px 0\" title=\"matches a day, last 14 days\"><tr>");
	for (i = 0; i < DIGEST_TREND_DAYS; i++) {
		h = t->trend[i] == 0 ? 1 : 2 + (int)((unsigned long long)
		    t->trend[i] * (TREND_PX - 2) / max);
		buf_printf(b, "<td valign=\"bottom\" style=\"height:%dpx;"
		    "width:6px;vertical-align:bottom;padding:0\">"
		    "<table role=\"presentation\" cellpadding=\"0\" "
		    "cellspacing=\"0\" width=\"6\"><tr><td class=\"%s\" "
		    "height=\"%d\" style=\"height:%dpx;width:6px;font-size:0;"
		    "line-height:0;background:%s\" title=\"%u\"></td></tr>"
		    "</table></td>", TREND_PX, t->trend[i] == 0 ? "bz" : "bar",
		    h, h, t->trend[i] == 0 ? "#d0d7de" : i + 1 ==
		    DIGEST_TREND_DAYS ? "#0e7490" : "#0891b2", t->trend[i]);
	}
	buf_puts(b, "</tr></table>");
}

char *
digest_render_html(const struct digest *d, const struct digest_style *in)
{
	struct digest_style	 sty = style_for(d, in);
	const struct digest_style *st = &sty;
	struct buf	 b;
	size_t		 i, j;
	char		*s, *u, *w;

	buf_init(&b, 0);
	s = title_line(d);
	buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<meta name=\"color-scheme\" content=\"light dark\">"
	    "<meta name=\"supported-color-schemes\" content=\"light dark\">"
	    "<title>");
	h_esc(&b, s);
	buf_puts(&b, "</title><style>:root{color-scheme:light dark}"
	    H_DARK "</style></head>\n");
	buf_puts(&b, "<body class=\"bg\" style=\"margin:0;padding:0;"
	    "background:#f3f4f6\">\n<table role=\"presentation\" class=\"bg\" "
	    "width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
	    "style=\"background:#f3f4f6\"><tr><td align=\"center\" "
	    "style=\"padding:16px 8px\">\n<table role=\"presentation\" "
	    "class=\"card\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
	    "style=\"max-width:680px;background:#ffffff;border:1px solid "
	    "#e5e7eb;border-radius:6px;font-family:-apple-system,Segoe UI,"
	    "Helvetica,Arial,sans-serif\">\n");
	buf_puts(&b, "<tr><td style=\"padding:20px 24px 8px\"><h1 class=\"tx\" "
	    "style=\"margin:0;font-size:20px;color:#111827\">");
	h_esc(&b, s);
	free(s);
	s = digest_period(d, st);
	u = counts_line(d);
	buf_puts(&b, "</h1><p class=\"mu\" style=\"margin:4px 0 0;font-size:13px;"
	    "color:#6b7280\">");
	h_esc(&b, s);
	buf_puts(&b, " &middot; ");
	h_esc(&b, u);
	if ((w = preview_line(d, st)) != NULL) {
		buf_puts(&b, "<br>");
		h_esc(&b, w);
		free(w);
	}
	buf_puts(&b, "</p></td></tr>\n");
	free(s);
	free(u);
	if (d->ntopics == 0)
		buf_puts(&b, "<tr><td class=\"tx\" style=\"padding:12px 24px;"
		    "color:#111827\">Nothing new in this period.</td></tr>\n");
	for (i = 0; i < d->ntopics; i++) {
		const struct digest_topic	*t = &d->topics[i];

		buf_puts(&b, "<tr><td style=\"padding:16px 24px 4px\">"
		    "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
		    "cellspacing=\"0\"><tr><td valign=\"bottom\"><h2 "
		    "class=\"tp\" style=\"margin:0;font-size:17px;"
		    "color:#0e7490\">");
		h_esc(&b, topic_name(t));
		buf_printf(&b, "</h2><div class=\"mu\" style=\"font-size:12px;"
		    "color:#6b7280\">%zu stor%s &middot; ", t->total,
		    t->total == 1 ? "y" : "ies");
		u = digest_trend_text(t);
		h_esc(&b, u);
		free(u);
		buf_puts(&b, "</div></td><td align=\"right\" valign=\"bottom\">");
		h_trend(&b, t);
		buf_puts(&b, "</td></tr></table></td></tr>\n");
		for (j = 0; j < t->nstories; j++) {
			const struct digest_story	*sy = &t->stories[j];
			const struct digest_item	*lead = &sy->items[0];
			const char			*sum = digest_story_summary(sy);

			buf_puts(&b, "<tr><td class=\"rl\" style=\"padding:10px "
			    "24px;border-top:1px solid #eef0f3\">");
			if (sy->breaking)
				buf_puts(&b, "<span class=\"br\" style=\"display:"
				    "inline-block;background:#dc2626;color:#fff;"
				    "font-size:11px;font-weight:bold;padding:1px "
				    "5px;border-radius:3px;margin-right:6px\">"
				    "BREAKING</span>");
			if (web_url(lead->link)) {
				buf_puts(&b, "<a class=\"ln\" href=\"");
				h_esc(&b, lead->link);
				buf_puts(&b, "\" style=\"color:#1d4ed8;font-size:"
				    "15px;font-weight:bold;text-decoration:"
				    "none\">");
				h_esc(&b, nz(lead->title, "(no title)"));
				buf_puts(&b, "</a>");
			} else {
				buf_puts(&b, "<b class=\"tx\" style=\"font-size:"
				    "15px;color:#111827\">");
				h_esc(&b, nz(lead->title, "(no title)"));
				buf_puts(&b, "</b>");
			}
			s = story_meta(sy, st);
			buf_puts(&b, "<div class=\"mu\" style=\"font-size:12px;"
			    "color:#6b7280;margin-top:2px\">");
			h_esc(&b, s);
			buf_puts(&b, "</div>");
			free(s);
			if (sum != NULL) {
				s = cut_words(sum, SUMMARY_CHARS);
				buf_puts(&b, "<div class=\"tx\" style=\"font-size:"
				    "14px;line-height:1.4;color:#374151;"
				    "margin-top:4px\">");
				h_esc(&b, s);
				buf_puts(&b, "</div>");
				free(s);
			}
			buf_puts(&b, "</td></tr>\n");
		}
		if (t->total > t->nstories)
			buf_printf(&b, "<tr><td class=\"mu\" style=\"padding:4px "
			    "24px 8px;font-size:12px;color:#6b7280\">&hellip; "
			    "%zu more stor%s</td></tr>\n", t->total -
			    t->nstories, t->total - t->nstories == 1 ? "y" :
			    "ies");
	}
	if (d->nfailing > 0) {
		buf_puts(&b, "<tr><td style=\"padding:16px 24px 4px\"><h2 "
		    "class=\"tp\" style=\"margin:0;font-size:15px;"
		    "color:#0e7490\">Failing feeds</h2></td></tr>\n");
		for (i = 0; i < d->nfailing; i++) {
			buf_puts(&b, "<tr><td class=\"tx\" style=\"padding:2px "
			    "24px;font-size:13px;color:#374151\">");
			s = failing_words(&d->failing[i], st);
			h_esc(&b, s);
			free(s);
			buf_puts(&b, "</td></tr>\n");
		}
	}
	buf_puts(&b, "<tr><td class=\"mu\" style=\"padding:16px 24px 20px;"
	    "font-size:11px;color:#9ca3af\">Sent by herald.</td></tr>\n"
	    "</table>\n</td></tr></table>\n</body></html>\n");
	return buf_steal(&b);
}

char *
digest_subject(const struct digest *d, const struct digest_style *st)
{
	struct buf	 b;
	char		 t[64], *day, *n;
	size_t		 i;

	fmt_time(st, d->until, 0, t, sizeof(t));
	/* "Fri 28 Nov 07:30": the subject keeps the day */
	day = xstrndup(t, strlen(t) > 6 ? strlen(t) - 6 : strlen(t));
	buf_init(&b, 0);
	n = counts_words(d);
	buf_printf(&b, "herald%s%s digest \xc2\xb7 %s \xc2\xb7 %s",
	    d->name != NULL ? " " : "", d->name != NULL ? d->name : "", day, n);
	free(n);
	for (i = 0; i < d->ntopics && i < 3; i++)
		buf_printf(&b, "%s%s", i == 0 ? ": " : ", ",
		    topic_name(&d->topics[i]));
	if (d->ntopics > 3)
		buf_puts(&b, "\xe2\x80\xa6");
	free(day);
	return buf_steal(&b);
}
