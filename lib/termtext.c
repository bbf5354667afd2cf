/*
 * termtext.c: display width, fitting and word wrapping of UTF-8 text for
 * terminals and plain-text mail (termtext.h).
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "termtext.h"
#include "util.h"

#define ELLIPSIS	"\xe2\x80\xa6"
#define BOLD_ON		"\033[1m"
#define ATTR_OFF	"\033[0m"

size_t
termtext_next(const char *s, uint32_t *cp)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 c, min;
	size_t			 n, i;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2; c = u[0] & 0x1f; min = 0x80;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3; c = u[0] & 0x0f; min = 0x800;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4; c = u[0] & 0x07; min = 0x10000;
	} else
		goto bad;
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (u[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return n;
bad:
	*cp = 0xfffd;
	return 1;
}

int
termtext_is_bidi(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * wcwidth() in the C.UTF-8 locale: herald's text is UTF-8 whatever the
 * user's locale says.
 */
int
termtext_cpwidth(uint32_t cp)
{
	static locale_t	 utf8 = (locale_t)0;
	static int	 tried;
	locale_t	 old;
	int		 w;

	if (cp < 0x7f)
		return cp < 0x20 ? 0 : 1;
	if (!tried) {
		tried = 1;
		utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	if (utf8 == (locale_t)0)
		return 1;
	old = uselocale(utf8);
	w = wcwidth((wchar_t)cp);
	uselocale(old);
	return w < 0 ? 1 : w;
}

/* The length of an escape sequence we wrote (ESC [ ... letter), or 0. */
static size_t
csi_len(const char *s)
{
	size_t	 i;

	if (s[0] != '\033' || s[1] != '[')
		return 0;
	for (i = 2; s[i] != '\0'; i++)
		if ((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z'))
			return i + 1;
	return i;
}

size_t
termtext_width(const char *s)
{
	size_t		 w = 0, n;
	uint32_t	 cp;

	while (*s != '\0') {
		if ((n = csi_len(s)) > 0) {
			s += n;
			continue;
		}
		s += termtext_next(s, &cp);
		w += (size_t)termtext_cpwidth(cp);
	}
	return w;
}

char *
termtext_fit(const char *s, size_t width)
{
	struct buf	 b;
	size_t		 w = 0, n, cw;
	uint32_t	 cp;
	int		 bold = 0;

	if (termtext_width(s) <= width)
		return xstrdup(s);
	buf_init(&b, 0);
	/* leave room for the ellipsis, which takes one column */
	while (*s != '\0' && width > 0) {
		if ((n = csi_len(s)) > 0) {
			buf_append(&b, s, n);
			if (n == strlen(BOLD_ON) && memcmp(s, BOLD_ON, n) == 0)
				bold = 1;
			else if (s[n - 1] == 'm')
				bold = 0;
			s += n;
			continue;
		}
		n = termtext_next(s, &cp);
		cw = (size_t)termtext_cpwidth(cp);
		if (w + cw > width - 1)
			break;
		buf_append(&b, s, n);
		w += cw;
		s += n;
	}
	/* no space before the ellipsis */
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	if (width > 0)
		buf_puts(&b, ELLIPSIS);
	if (bold)
		buf_puts(&b, ATTR_OFF);
	return buf_steal(&b);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

char *
termtext_wrap(const char *s, size_t width, size_t maxlines,
    const char *indent)
{
	struct buf	 b, line;
	size_t		 nlines = 1, n, ww;
	char		*word, *cut;
	const char	*p = s != NULL ? s : "";

	if (width < 2)
		width = 2;
	buf_init(&b, 0);
	buf_init(&line, 0);
	buf_puts(&b, "");
	buf_puts(&line, "");
	for (;;) {
		while (is_space(*p))
			p++;
		if (*p == '\0')
			break;
		for (n = 0; p[n] != '\0' && !is_space(p[n]); n++)
			;
		word = xstrndup(p, n);
		ww = termtext_width(word);
		if (line.len > 0 && termtext_width(line.data) + 1 + ww <=
		    width) {
			buf_putc(&line, ' ');
			buf_puts(&line, word);
			p += n;
		} else if (line.len == 0) {
			/*
			 * a word longer than a line stands whole on its own:
			 * cut, a link or a name would say something else
			 */
			buf_puts(&line, word);
			p += n;
		} else {
			/* the line is full */
			if (maxlines > 0 && nlines == maxlines) {
				free(word);
				break;
			}
			buf_puts(&b, line.data);
			buf_putc(&b, '\n');
			buf_puts(&b, indent != NULL ? indent : "");
			buf_reset(&line);
			buf_puts(&line, "");
			nlines++;
			free(word);
			continue;
		}
		free(word);
	}
	while (is_space(*p))
		p++;
	if (*p != '\0') {
		/* text left out: the last line says so */
		if (termtext_width(line.data) + 1 > width) {
			cut = termtext_fit(line.data, width - 1);
			buf_reset(&line);
			buf_puts(&line, cut);
			free(cut);
			/* termtext_fit() ended it in the ellipsis already */
		} else
			buf_puts(&line, ELLIPSIS);
	}
	buf_puts(&b, line.data);
	buf_free(&line);
	return buf_steal(&b);
}
