/*
 * util.h: allocation wrappers that never return NULL and a growable byte
 * buffer with a hard cap, shared by every herald program.
 * depends on: log.h (util.c: fatal on exhaustion); used by: every file.
 */
#ifndef HERALD_UTIL_H
#define HERALD_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * A byte buffer, always NUL-terminated once anything was appended.  A cap of
 * 0 means unlimited; appends past the cap are dropped and set `truncated`.
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 size;
	size_t	 cap;
	int	 truncated;
};

void	 buf_init(struct buf *, size_t cap);
void	 buf_append(struct buf *, const char *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_reset(struct buf *);
/* Returns the contents as a heap string (caller frees) and empties the buffer. */
char	*buf_steal(struct buf *);
void	 buf_free(struct buf *);

/*
 * 64-bit FNV-1a over len bytes, continuing from h (FNV_OFFSET to start):
 * the store's content hashes and the topic matcher's token lookups.
 * Inline, as the matcher runs it on every byte of every article.
 */
#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static inline uint64_t
fnv_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*c = p;

	while (len-- > 0) {
		h ^= *c++;
		h *= FNV_PRIME;
	}
	return h;
}

/*
 * A 64-bit hash of `len` bytes, chained through `h` (start with 0): fast,
 * well mixed, not cryptographic.
 */
uint64_t hash64(uint64_t h, const void *, size_t len);

#endif
