/*
 * parse-int.h: what parse.c shares with parse-node.c and parse-json.c alone:
 * feedparser's dictionaries behind the typed view (struct parse_node,
 * opaque in parse.h), and the arenas they live in.
 * depends on: parse.h; used by: parse.c, parse-node.c, parse-json.c only.
 */
#ifndef HERALD_PARSE_INT_H
#define HERALD_PARSE_INT_H

#include <stddef.h>

#include "parse.h"

/* Allocations freed together (parse-node.c). */
struct arena {
	struct arena_chunk	*chunk;
};

void		*arena_alloc(struct arena *, size_t);
char		*arena_strndup(struct arena *, const char *, size_t);
/* Frees every allocation; the arena can be used again. */
void		 arena_free(struct arena *);

enum pn_kind {
	PN_NULL,
	PN_FALSE,
	PN_TRUE,
	PN_INT,
	PN_STR,
	PN_OBJ,
	PN_LIST,
};

struct pn_pair {
	const char		*key;
	struct parse_node	*val;
};

/*
 * A value of feedparser's dictionaries.  An object or list allocates its
 * members from its own arena: a value set into one must live there too (or
 * be one of the shared constants pn_null() and pn_bool()).  Objects keep
 * their keys in insertion order.
 */
struct parse_node {
	enum pn_kind	 kind;
	struct arena	*arena;
	union {
		long long	 i;
		const char	*s;
		struct {
			struct pn_pair	*v;
			size_t		 n, cap;
		} o;
		struct {
			struct parse_node **v;
			size_t		 n, cap;
		} l;
	} u;
};

/* Readers: NULL-safe; a string is valid UTF-8. */
struct parse_node *pn_get(const struct parse_node *obj, const char *key);

static inline const char *
pn_s(const struct parse_node *n)
{
	return n != NULL && n->kind == PN_STR ? n->u.s : NULL;
}

static inline size_t
pn_len(const struct parse_node *n)
{
	return n == NULL ? 0 : n->kind == PN_LIST ? n->u.l.n :
	    n->kind == PN_OBJ ? n->u.o.n : 0;
}

/* The list's member i, or NULL. */
static inline struct parse_node *
pn_at(const struct parse_node *n, size_t i)
{
	return n != NULL && n->kind == PN_LIST && i < n->u.l.n ? n->u.l.v[i] :
	    NULL;
}

static inline int
pn_is(const struct parse_node *n, enum pn_kind k)
{
	return n != NULL && n->kind == k;
}

static inline long long
pn_i(const struct parse_node *n)
{
	return n != NULL && n->kind == PN_INT ? n->u.i : 0;
}

/* Each member v of a list (nothing for anything else). */
#define pn_foreach(list, i, v) \
	for ((i) = 0; ((v) = pn_at((list), (i))) != NULL; (i)++)

int		 pn_equal(const struct parse_node *, const struct parse_node *);

/* Writers. */
struct parse_node *pn_null(void);
struct parse_node *pn_bool(int);
struct parse_node *pn_obj(struct arena *);
struct parse_node *pn_list(struct arena *);
struct parse_node *pn_int(struct arena *, long long);
/* A copy of s (NULL: the null constant), or of s[0..len). */
struct parse_node *pn_str_new(struct arena *, const char *s);
struct parse_node *pn_strn(struct arena *, const char *s, size_t len);
/* s itself, which must live in the arena. */
struct parse_node *pn_str_wrap(struct arena *, const char *s);
/* Sets or replaces obj[key] (the key is copied). */
void		 pn_set(struct parse_node *obj, const char *key,
		    struct parse_node *val);
void		 pn_set_str(struct parse_node *obj, const char *key,
		    const char *s);
void		 pn_del(struct parse_node *obj, const char *key);
void		 pn_clear(struct parse_node *obj);
void		 pn_append(struct parse_node *list, struct parse_node *val);
/* A deep copy into arena a. */
struct parse_node *pn_copy(struct arena *a, const struct parse_node *);

#endif
