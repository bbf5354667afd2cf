/*
 * opml.h: reading an OPML subscription list ([feeds] opml in herald.conf):
 * every outline with an xmlUrl, in document order, with its title.  No
 * network, no DTD, and any entity declaration refuses the document.
 * depends on: text.h, util.h, libxml2; used by: config.c.
 */
#ifndef HERALD_OPML_H
#define HERALD_OPML_H

#include <stddef.h>

struct opml_reader {
	/*
	 * An outline with an xmlUrl: the URL without surrounding white space
	 * (never empty), and its title attribute, else its text, with white
	 * space collapsed (NULL if neither says anything).  Both borrowed for
	 * the call.
	 */
	void	 (*feed)(void *arg, int line, const char *url,
		    const char *title);
	/*
	 * What is wrong at `line` (0: the document as a whole), under the
	 * key "opml", "outline" or "xmlUrl".  Reading goes on after an
	 * outline's error, not after the document's.
	 */
	void	 (*error)(void *arg, int line, const char *key,
		    const char *msg);
	void	*arg;
};

/*
 * Reads the OPML document data[0..len); `name` is its path, for libxml2.
 * Returns 0 when the document was read, -1 when it was refused (error()
 * said why).
 */
int	 opml_read(const char *data, size_t len, const char *name,
	    const struct opml_reader *);

#endif
