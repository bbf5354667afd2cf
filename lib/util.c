/*
 * util.c: allocation wrappers and the capped byte buffer.  Running out of
 * memory is not something herald recovers from: it logs and exits, and
 * systemd restarts it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fatal("malloc %zu", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t n)
{
	void	*p;

	if ((p = calloc(nmemb == 0 ? 1 : nmemb, n == 0 ? 1 : n)) == NULL)
		fatal("calloc %zu x %zu", nmemb, n);
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void	*p;

	if ((p = realloc(old, n == 0 ? 1 : n)) == NULL)
		fatal("realloc %zu", n);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	return s;
}

void
buf_init(struct buf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap;
}

void
buf_append(struct buf *b, const char *s, size_t n)
{
	size_t	 want;

	if (b->cap != 0 && b->len + n > b->cap) {
		b->truncated = 1;
		if (b->len >= b->cap)
			return;
		n = b->cap - b->len;
	}
	want = b->len + n + 1;
	if (want > b->size) {
		size_t	 size = b->size ? b->size : 64;

		while (size < want)
			size *= 2;
		b->data = xrealloc(b->data, size);
		b->size = size;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	/* the common case, room and no cap reached, without buf_append() */
	if (b->len + 1 < b->size && (b->cap == 0 || b->len < b->cap)) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return;
	}
	buf_append(b, &c, 1);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	 small[256], *s;
	int	 n;

	/* most pieces are short: formatted on the stack, no allocation */
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("vsnprintf");
	if ((size_t)n < sizeof(small)) {
		buf_append(b, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		fatal("vasprintf");
	buf_append(b, s, (size_t)n);
	free(s);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->truncated = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

char *
buf_steal(struct buf *b)
{
	char	*s;

	s = b->data != NULL ? b->data : xstrdup("");
	b->data = NULL;
	b->len = b->size = 0;
	b->truncated = 0;
	return s;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
	b->truncated = 0;
}

/*
 * Eight bytes a step, each folded in by a multiply and a shift, then
 * murmur3's finaliser.  What it is for: telling whether a body or an entry
 * is the one seen last time.  It is not a defence against a feed that
 * crafts a collision, which could only hide a change to its own articles.
 */
uint64_t
hash64(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*c = p;
	uint64_t		 w;

	h ^= (uint64_t)len * 0x9e3779b97f4a7c15ULL;
	for (; len >= 8; c += 8, len -= 8) {
		memcpy(&w, c, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, c, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}
