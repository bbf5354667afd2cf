/*
 * mime.c: one alert mail as an RFC 5322 message: multipart/alternative
 * (RFC 2046) with a text/plain and a text/html part, both UTF-8 in
 * quoted-printable (RFC 2045), non-ASCII headers as RFC 2047 encoded-words.
 * Lines end in LF: sendmail(8) and Maildir readers expect local newlines.
 * Header values never carry a line break of their own (no injection).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common.h"

#define QP_LINE		76
#define HDR_LINE	78

char *
mime_qp(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	struct sbuf		 b;
	size_t			 col = 0;
	const unsigned char	*p;

	sbuf_init(&b);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		char	 enc[4];
		size_t	 n;
		int	 eol = p[1] == '\n' || p[1] == '\0' ||
			    (p[1] == '\r' && p[2] == '\n');

		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n') {
			sbuf_puts(&b, "\n");
			col = 0;
			continue;
		}
		if ((*p >= 33 && *p <= 126 && *p != '=' &&
		    !(col == 0 && *p == '.') &&
		    !(col == 0 && *p == 'F' && strncmp((const char *)p,
		    "From ", 5) == 0)) ||
		    ((*p == ' ' || *p == '\t') && !eol)) {
			enc[0] = (char)*p;
			n = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[*p >> 4];
			enc[2] = hex[*p & 0xf];
			n = 3;
		}
		/* a soft break leaves room for "=" (and the last char of a line) */
		if (col + n > QP_LINE - 1 && !(eol && col + n <= QP_LINE)) {
			sbuf_puts(&b, "=\n");
			col = 0;
			if (enc[0] == '.' && n == 1) {
				sbuf_puts(&b, "=2E");
				col = 3;
				continue;
			}
		}
		sbuf_add(&b, enc, n);
		col += n;
	}
	return b.s;
}

/*
 * Whether a value can go as it is, folded at its spaces: printable ASCII,
 * no word too long for a line (RFC 5322 folds only at white space, and a
 * line must stay under 998 octets), nothing a reader would take for an
 * encoded-word (RFC 2047 section 5).
 */
static int
is_ascii_clean(const char *s, int unstructured)
{
	size_t	 word = 0;

	/* an address cannot be an encoded-word: it stays as it is */
	if (unstructured && strstr(s, "=?") != NULL)
		return 0;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x7f || ((unsigned char)*s < 0x20 &&
		    *s != '\t'))
			return 0;
		word = *s == ' ' || *s == '\t' ? 0 : word + 1;
		if (unstructured && word > HDR_LINE - 1 - strlen("Subject: "))
			return 0;
	}
	return 1;
}

/* Control characters (and so line breaks) become spaces. */
static char *
clean_value(const char *v)
{
	char	*s = cstrdup(v), *p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

static void
b64(struct sbuf *b, const unsigned char *p, size_t n)
{
	static const char	 t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			 i;

	for (i = 0; i + 2 < n; i += 3) {
		char	 o[4] = { t[p[i] >> 2], t[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
			    t[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)],
			    t[p[i + 2] & 63] };

		sbuf_add(b, o, 4);
	}
	if (n - i == 1) {
		char	 o[4] = { t[p[i] >> 2], t[(p[i] & 3) << 4], '=', '=' };

		sbuf_add(b, o, 4);
	} else if (n - i == 2) {
		char	 o[4] = { t[p[i] >> 2], t[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
			    t[(p[i + 1] & 15) << 2], '=' };

		sbuf_add(b, o, 4);
	}
}

char *
mime_header_encode(const char *name, const char *value)
{
	struct sbuf	 b;
	char		*v = clean_value(value);
	size_t		 col, len = strlen(v), i;

	sbuf_init(&b);
	sbuf_printf(&b, "%s:", name);
	col = b.len;
	/*
	 * Addresses and ids are never encoded-words (RFC 2047 section 5):
	 * a long one stays one word on its line, within 998 octets.
	 */
	if (is_ascii_clean(v, strcasecmp(name, "From") != 0 &&
	    strcasecmp(name, "To") != 0 &&
	    strcasecmp(name, "Message-ID") != 0 &&
	    strcasecmp(name, "X-Herald-Digest-Key") != 0)) {
		/* fold at spaces to keep lines short */
		char	*w, *save = NULL;

		for (w = strtok_r(v, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save)) {
			if (col + 1 + strlen(w) > HDR_LINE && col > strlen(name) + 1) {
				sbuf_puts(&b, "\n");
				col = 0;
			}
			sbuf_printf(&b, " %s", w);
			col += 1 + strlen(w);
		}
		free(v);
		return b.s;
	}
	/* encoded-words on lines of at most 76, each of whole UTF-8 characters */
	for (i = 0; i < len; ) {
		size_t	 room = i == 0 && col + 13 + 8 <= 76 ? 76 - col - 13 :
			    76 - 13;
		size_t	 max = room / 4 * 3, n;

		n = len - i > max ? max : len - i;
		while (n > 0 && i + n < len &&
		    ((unsigned char)v[i + n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
			n = len - i > max ? max : len - i;
		sbuf_puts(&b, i == 0 && col + 13 + 8 <= 76 ? " =?UTF-8?B?" :
		    "\n =?UTF-8?B?");
		b64(&b, (const unsigned char *)v + i, n);
		sbuf_puts(&b, "?=");
		i += n;
	}
	free(v);
	return b.s;
}

static void
header(struct sbuf *b, const char *name, const char *value)
{
	char	*h = mime_header_encode(name, value);

	sbuf_puts(b, h);
	sbuf_puts(b, "\n");
	free(h);
}

char *
mime_message(const struct mime_msg *m)
{
	struct sbuf	 b, bd;
	char		 date[64], *qp;
	time_t		 t = (time_t)m->date;
	struct tm	 tm;
	const char	*const *x;
	const char	*p;

	/* "=_" never occurs in quoted-printable: a boundary that cannot clash */
	sbuf_init(&bd);
	sbuf_puts(&bd, "=_herald_");
	for (p = m->boundary ? m->boundary : m->message_id; p && *p; p++)
		if (isalnum((unsigned char)*p) || *p == '.' || *p == '-')
			sbuf_add(&bd, p, 1);
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);

	sbuf_init(&b);
	header(&b, "From", m->from);
	header(&b, "To", m->to);
	header(&b, "Subject", m->subject);
	header(&b, "Date", date);
	if (m->message_id != NULL) {
		char	*id = casprintf("<%s>", m->message_id);

		header(&b, "Message-ID", id);
		free(id);
	}
	for (x = m->extra; x != NULL && *x != NULL; x++) {
		char	*name = cstrdup(*x), *v;

		/* "Name: value", folded as the others */
		if ((v = strstr(name, ": ")) != NULL) {
			*v = '\0';
			header(&b, name, v + 2);
		} else {
			v = clean_value(*x);
			sbuf_printf(&b, "%s\n", v);
			free(v);
		}
		free(name);
	}
	sbuf_puts(&b, "MIME-Version: 1.0\n");
	sbuf_printf(&b, "Content-Type: multipart/alternative;\n"
	    " boundary=\"%s\"\n\n", bd.s);
	sbuf_puts(&b, "This is a message in MIME format: a text and an HTML "
	    "part.\n\n");
	sbuf_printf(&b, "--%s\n", bd.s);
	sbuf_puts(&b, "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n");
	qp = mime_qp(m->text ? m->text : "");
	sbuf_printf(&b, "%s\n", qp);
	free(qp);
	sbuf_printf(&b, "--%s\n", bd.s);
	sbuf_puts(&b, "Content-Type: text/html; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n");
	qp = mime_qp(m->html ? m->html : "");
	sbuf_printf(&b, "%s\n", qp);
	free(qp);
	sbuf_printf(&b, "--%s--\n", bd.s);
	sbuf_free(&bd);
	return b.s;
}

/*
 * "X-Herald-Story: 42" (heap): the alerts' stories, each once in the
 * alerts' order, ", " between them; NULL when none has one (a daemon
 * before ABI 1.2).  An article alone is a story too: its id is here
 * though the text shows no story line.
 */
static char *
story_ids_header(const struct herald_delivery *d)
{
	const struct herald_alert_story	*s;
	struct sbuf			 b;
	size_t				 i, j;

	sbuf_init(&b);
	for (i = 0; i < d->nalerts; i++) {
		if ((s = alert_story(d, i)) == NULL || s->id == 0)
			continue;
		for (j = 0; j < i; j++)
			if (alert_story(d, j) != NULL &&
			    alert_story(d, j)->id == s->id)
				break;
		if (j < i)
			continue;
		sbuf_printf(&b, "%s%lld", b.len > 0 ? ", " : "X-Herald-Story: ",
		    (long long)s->id);
	}
	if (b.len == 0) {
		sbuf_free(&b);
		return NULL;
	}
	return b.s;
}

/* The mail plugin's message for a delivery (heap). */
char *
mail_build(const struct herald_delivery *d, const char *from, const char *to,
    const char *prefix, const char *hostname, int64_t now)
{
	struct mime_msg	 mm;
	struct sbuf	 subj, html;
	char		*text, *body, *msgid, *keys, *idsh, *topich = NULL;
	char		*storyh;
	const char	*extra[6];
	size_t		 i, nx = 0;

	sbuf_init(&subj);
	if (d->nalerts == 1) {
		char	*t = alert_title(d, 0);

		sbuf_printf(&subj, "%s %s: %s", prefix, d->alerts[0].topic, t);
		free(t);
	}
	else {
		sbuf_printf(&subj, "%s %zu alerts:", prefix, d->nalerts);
		for (i = 0; i < d->nalerts && i < 5; i++)
			sbuf_printf(&subj, "%s %s", i ? "," : "",
			    d->alerts[i].topic);
		if (d->nalerts > 5)
			sbuf_puts(&subj, "...");
	}
	keys = delivery_keys(d, ".");
	msgid = d->nalerts == 1 ?
	    casprintf("herald.alert.%s.%s@%s", d->alerts[0].key,
	    d->plugin ? d->plugin : "mail", hostname) :
	    casprintf("herald.alerts.%.200s.%s@%s", keys,
	    d->plugin ? d->plugin : "mail", hostname);
	free(keys);
	/* ", ": a batch of 200 keys folds at its spaces */
	keys = delivery_keys(d, ", ");
	idsh = casprintf("X-Herald-Alert-Ids: %s", keys);
	extra[nx++] = idsh;
	extra[nx++] = "Auto-Submitted: auto-generated";
	if (d->nalerts == 1) {
		topich = casprintf("X-Herald-Topic: %s", d->alerts[0].topic);
		extra[nx++] = topich;
	}
	if ((storyh = story_ids_header(d)) != NULL)
		extra[nx++] = storyh;
	extra[nx] = NULL;
	text = format_text(d);
	sbuf_init(&html);
	sbuf_puts(&html, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "</head><body>\n");
	body = format_html(d);
	sbuf_puts(&html, body);
	free(body);
	sbuf_puts(&html, "</body></html>\n");

	memset(&mm, 0, sizeof(mm));
	mm.from = from;
	mm.to = to;
	mm.subject = subj.s;
	mm.text = text;
	mm.html = html.s;
	mm.message_id = msgid;
	mm.date = now;
	mm.extra = extra;
	body = mime_message(&mm);
	sbuf_free(&subj);
	sbuf_free(&html);
	free(text);
	free(msgid);
	free(keys);
	free(idsh);
	free(topich);
	free(storyh);
	return body;
}

/*
 * "morning.20261127T063000Z.20261128T063000Z" from the key
 * "morning/2026-11-27T06:30:00Z/2026-11-28T06:30:00Z": what a Message-ID
 * and a boundary may hold.
 */
static char *
digest_msgid_part(const char *key)
{
	struct sbuf	 b;
	const char	*p;
	int		 seg = 0;

	sbuf_init(&b);
	for (p = key; *p != '\0'; p++) {
		if (*p == '/') {
			seg++;
			sbuf_puts(&b, ".");
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || (seg == 0 &&
		    strchr("._-", *p) != NULL))
			sbuf_add(&b, p, 1);
	}
	return b.s;
}

char *
mail_digest_build(const struct herald_digest *d, const char *from,
    const char *to, const char *prefix, const char *hostname, int64_t now)
{
	struct mime_msg	 mm;
	char		*subject, *msgid, *part, *body;
	char		*hname, *hkey;
	const char	*extra[4];

	subject = prefix != NULL && *prefix != '\0' ?
	    casprintf("%s %s", prefix, d->subject) : cstrdup(d->subject);
	part = digest_msgid_part(d->key);
	msgid = casprintf("herald.digest.%.200s.%s@%s", part, d->plugin ?
	    d->plugin : "mail", hostname);
	hname = casprintf("X-Herald-Digest: %s", d->name ? d->name : "-");
	hkey = casprintf("X-Herald-Digest-Key: %s", d->key);
	extra[0] = hname;
	extra[1] = hkey;
	extra[2] = "Auto-Submitted: auto-generated";
	extra[3] = NULL;
	memset(&mm, 0, sizeof(mm));
	mm.from = from;
	mm.to = to;
	mm.subject = subject;
	mm.text = d->text;
	mm.html = d->html;
	mm.message_id = msgid;
	mm.boundary = part;
	mm.date = now;
	mm.extra = extra;
	body = mime_message(&mm);
	free(subject);
	free(part);
	free(msgid);
	free(hname);
	free(hkey);
	return body;
}

char **
mail_rcpts(const char *list, size_t *n)
{
	char		**v = ccalloc(1, sizeof(*v));
	const char	*p = list, *end, *lt, *gt;
	size_t		 len;

	*n = 0;
	while (p != NULL && *p != '\0') {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		lt = memchr(p, '<', len);
		gt = lt != NULL ? memchr(lt, '>', len - (size_t)(lt - p)) : NULL;
		if (lt != NULL && gt != NULL) {
			p = lt + 1;
			len = (size_t)(gt - lt - 1);
		}
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len > 0 && memchr(p, '@', len) != NULL) {
			v = realloc(v, (*n + 2) * sizeof(*v));
			if (v == NULL || (v[*n] = strndup(p, len)) == NULL)
				abort();
			v[++*n] = NULL;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return v;
}

char *
mail_rcpts_first(const char *list)
{
	char	**v;
	char	*first;
	size_t	 n, i;

	v = mail_rcpts(list, &n);
	first = n > 0 ? v[0] : cstrdup("");
	for (i = 1; i < n; i++)
		free(v[i]);
	free(v);
	return first;
}
