/*
 * termtext.h: plain text laid out in columns, for terminals and mail:
 * display width of UTF-8 (wide characters two columns, our own ANSI
 * escapes none), cutting to a width and wrapping words into lines.
 * depends on: util.h; used by: digest-render.c, cli/cli-util.c.
 */
#ifndef HERALD_TERMTEXT_H
#define HERALD_TERMTEXT_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one UTF-8 sequence at s (not its NUL); invalid: U+FFFD, 1. */
size_t	 termtext_next(const char *s, uint32_t *cp);
/*
 * A bidi control (U+061C, U+200E-200F, U+202A-202E, U+2066-2069): it can
 * turn the text after it round on the screen, so output drops it.
 */
int	 termtext_is_bidi(uint32_t cp);
/* Columns of one code point: wcwidth() under C.UTF-8, else 1. */
int	 termtext_cpwidth(uint32_t cp);
/* Columns of s; ESC [ ... letter sequences take none. */
size_t	 termtext_width(const char *s);
/*
 * A heap copy of s cut to at most `width` columns on a character
 * boundary, ending in "…" when cut; an ESC[1m bold left open is closed.
 */
char	*termtext_fit(const char *s, size_t width);
/*
 * Words of s (white space folded) in lines of at most `width` columns,
 * at most `maxlines` of them (0: any), the last ending in "…" when text
 * was left out; "\n" and `indent` between lines (the caller writes the
 * first line's own indent).  A word longer than a line stands whole on
 * a line of its own, longer than `width`.  Heap.
 */
char	*termtext_wrap(const char *s, size_t width, size_t maxlines,
	    const char *indent);

#endif
