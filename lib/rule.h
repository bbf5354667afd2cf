/*
 * rule.h: the topic rule engine.  A topic's match and exclude are written in
 * FTS5's query language; the engine compiles them to trees and evaluates
 * them on the tokens of one article at a time, with FTS5's semantics
 * (precedence, phrases, column filters, prefix*, ^ and +), and explains a
 * match by its terms, field and snippet.  It knows no SQLite: the caller
 * supplies the tokenizer (the store gives it the search index's, so rules
 * and articles fold alike), and the rules the trees do not cover (NEAR) are
 * left to the caller (rule_fts()).
 * depends on: util.h; used by: store-topics.c and store-query.c.
 */
#ifndef HERALD_RULE_H
#define HERALD_RULE_H

#include <stddef.h>
#include <stdint.h>

/* The columns of an article, in the order rules and texts give them. */
#define RULE_NCOLS	4

extern const char *const rule_columns[RULE_NCOLS];	/* "title", ... */

/* What the tokenizer is given: a rule's text, or an article's. */
#define RULE_TOKENIZE_QUERY	0x1
#define RULE_TOKENIZE_PREFIX	0x2	/* with QUERY: the text ends in '*' */
#define RULE_TOKENIZE_DOCUMENT	0x4

/*
 * tokenize() calls token(ctx, 0, tok, toklen, start, end) for each token of
 * text[0..len), in order, with the token folded (case, diacritics) and its
 * byte offsets in text, and stops early when token() returns nonzero.  This
 * is the shape of FTS5's xTokenize, which the store passes through.
 */
struct rule_tokenizer {
	void	 (*tokenize)(void *arg, void *ctx, int flags, const char *text,
		    int len, int (*token)(void *ctx, int flags, const char *tok,
		    int toklen, int start, int end));
	void	*arg;
};

struct rule_set;

/* An empty set; the tokenizer is copied, its arg borrowed for the set's life. */
struct rule_set	*rule_set_new(const struct rule_tokenizer *);
void		 rule_set_free(struct rule_set *);

/*
 * Adds a topic: its match and its exclude (NULL or "": none), queries that
 * FTS5 has already accepted (the store checks them first).  Returns the
 * topic's index, 0 for the first and one more for each.
 */
size_t		 rule_set_add(struct rule_set *, const char *match,
		    const char *exclude);

/*
 * 1 when topic i is evaluated by FTS5 and not by rule_match(): its match or
 * exclude holds NEAR or something the trees do not read the way FTS5 does,
 * or its match names no token to look for.
 */
int		 rule_fts(const struct rule_set *, size_t i);

/*
 * Tokenizes an article's columns (text[c] of len[c] bytes; NULL for none),
 * which stay borrowed until the next scan.  *cand gets the candidate topics,
 * in ascending order, those whose match names a token the article holds
 * (and those with nothing to look for); returns how many.
 */
size_t		 rule_scan(struct rule_set *, const char *const text[RULE_NCOLS],
		    const int len[RULE_NCOLS], const uint32_t **cand);

/* On the scanned article: topic i's match holds and its exclude does not. */
int		 rule_match(const struct rule_set *, size_t i);

/*
 * Why topic i's match holds on the scanned article: *terms the matched terms
 * as the article writes them ('\n' between), *field the first column with a
 * hit (one of rule_columns), *snippet a few tokens around the first hit with
 * every hit between "[" and "]".  Each may be NULL when there is none;
 * *terms and *snippet are heap strings (caller frees).
 */
void		 rule_explain(struct rule_set *, size_t i, char **terms,
		    const char **field, char **snippet);

/*
 * The same explanation packed (about 20 bytes): offsets into the scanned
 * texts, which must stay as they are.  *p is a heap buffer of *n bytes
 * (caller frees).  rule_unpack() writes terms, field and snippet from it
 * and the same texts, as rule_explain() would have (NULL for an output not
 * wanted); -1 when p is not a packed explanation or its offsets lie
 * outside the texts.
 */
void		 rule_explain_packed(struct rule_set *, size_t i,
		    unsigned char **p, size_t *n);
int		 rule_unpack(const unsigned char *p, size_t n,
		    const char *const text[RULE_NCOLS], const int len[RULE_NCOLS],
		    char **terms, const char **field, char **snippet);

#endif
