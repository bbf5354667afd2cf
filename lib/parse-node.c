/*
 * parse-node.c: feedparser's dictionaries as the parser keeps them: small
 * trees of objects, lists and strings allocated from arenas, so that an
 * entry's whole dictionary is freed in one go once the entry was handed
 * out, and no node costs a malloc, a reference count or a second UTF-8
 * check.  parse.c writes them; parse-json.c reads them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "parse-int.h"
#include "util.h"

#define ARENA_CHUNK	(16 * 1024)

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 size;
	size_t			 used;
	max_align_t		 data[];
};

/* n bytes aligned to `al` (a power of two). */
static void *
arena_get(struct arena *a, size_t n, size_t al)
{
	struct arena_chunk	*c = a->chunk;
	size_t			 off = 0, size;

	if (c != NULL)
		off = (c->used + al - 1) & ~(al - 1);
	if (c == NULL || off + n > c->size) {
		size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
		c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->used = 0;
		off = 0;
		if (size == n && a->chunk != NULL) {
			/* a big one: behind the current chunk, which stays open */
			c->next = a->chunk->next;
			a->chunk->next = c;
		} else {
			c->next = a->chunk;
			a->chunk = c;
		}
	}
	c->used = off + n;
	return (char *)c->data + off;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	return arena_get(a, n, sizeof(max_align_t));
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*d = arena_get(a, n + 1, 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk	*c, *next;

	for (c = a->chunk; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->chunk = NULL;
}

/* ---- nodes ---- */

static struct parse_node pn_null_node = { .kind = PN_NULL };
static struct parse_node pn_true_node = { .kind = PN_TRUE };
static struct parse_node pn_false_node = { .kind = PN_FALSE };

struct parse_node *
pn_null(void)
{
	return &pn_null_node;
}

struct parse_node *
pn_bool(int b)
{
	return b ? &pn_true_node : &pn_false_node;
}

static struct parse_node *
pn_alloc(struct arena *a, enum pn_kind kind)
{
	struct parse_node	*n = arena_alloc(a, sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->arena = a;
	return n;
}

struct parse_node *
pn_obj(struct arena *a)
{
	return pn_alloc(a, PN_OBJ);
}

struct parse_node *
pn_list(struct arena *a)
{
	return pn_alloc(a, PN_LIST);
}

struct parse_node *
pn_strn(struct arena *a, const char *s, size_t len)
{
	struct parse_node	*n = pn_alloc(a, PN_STR);

	n->u.s = arena_strndup(a, s, len);
	return n;
}

struct parse_node *
pn_str_wrap(struct arena *a, const char *s)
{
	struct parse_node	*n = pn_alloc(a, PN_STR);

	n->u.s = s;
	return n;
}

struct parse_node *
pn_str_new(struct arena *a, const char *s)
{
	return s != NULL ? pn_strn(a, s, strlen(s)) : pn_null();
}

struct parse_node *
pn_int(struct arena *a, long long i)
{
	struct parse_node	*n = pn_alloc(a, PN_INT);

	n->u.i = i;
	return n;
}

struct parse_node *
pn_get(const struct parse_node *o, const char *key)
{
	size_t	 i;

	if (o == NULL || o->kind != PN_OBJ)
		return NULL;
	for (i = 0; i < o->u.o.n; i++)
		if (o->u.o.v[i].key[0] == key[0] &&
		    strcmp(o->u.o.v[i].key, key) == 0)
			return o->u.o.v[i].val;
	return NULL;
}

/* Room for one more in an arena-backed array of `size`-byte members. */
static void *
grow(struct arena *a, void *v, size_t n, size_t *cap, size_t size)
{
	void	*nv;

	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 4;
	nv = arena_alloc(a, *cap * size);
	if (n > 0)
		memcpy(nv, v, n * size);
	return nv;
}

void
pn_set(struct parse_node *o, const char *key, struct parse_node *val)
{
	size_t	 i;

	if (o == NULL || o->kind != PN_OBJ)
		return;		/* as jansson: not an object, nothing set */
	for (i = 0; i < o->u.o.n; i++)
		if (o->u.o.v[i].key[0] == key[0] &&
		    strcmp(o->u.o.v[i].key, key) == 0) {
			o->u.o.v[i].val = val;
			return;
		}
	o->u.o.v = grow(o->arena, o->u.o.v, o->u.o.n, &o->u.o.cap,
	    sizeof(*o->u.o.v));
	o->u.o.v[o->u.o.n].key = arena_strndup(o->arena, key, strlen(key));
	o->u.o.v[o->u.o.n++].val = val;
}

void
pn_set_str(struct parse_node *o, const char *key, const char *s)
{
	if (o != NULL && o->kind == PN_OBJ)
		pn_set(o, key, pn_str_new(o->arena, s));
}

void
pn_del(struct parse_node *o, const char *key)
{
	size_t	 i;

	if (o == NULL || o->kind != PN_OBJ)
		return;
	for (i = 0; i < o->u.o.n; i++)
		if (strcmp(o->u.o.v[i].key, key) == 0) {
			memmove(o->u.o.v + i, o->u.o.v + i + 1,
			    (o->u.o.n - i - 1) * sizeof(*o->u.o.v));
			o->u.o.n--;
			return;
		}
}

void
pn_clear(struct parse_node *o)
{
	if (o != NULL && o->kind == PN_OBJ)
		o->u.o.n = 0;
}

void
pn_append(struct parse_node *l, struct parse_node *val)
{
	if (l == NULL || l->kind != PN_LIST)
		return;
	l->u.l.v = grow(l->arena, l->u.l.v, l->u.l.n, &l->u.l.cap,
	    sizeof(*l->u.l.v));
	l->u.l.v[l->u.l.n++] = val;
}

struct parse_node *
pn_copy(struct arena *a, const struct parse_node *n)
{
	struct parse_node	*c;
	size_t			 i;

	switch (n->kind) {
	case PN_NULL:
	case PN_TRUE:
	case PN_FALSE:
		return (struct parse_node *)n;	/* the shared constants */
	case PN_INT:
		return pn_int(a, n->u.i);
	case PN_STR:
		return pn_str_new(a, n->u.s);
	case PN_OBJ:
		c = pn_obj(a);
		for (i = 0; i < n->u.o.n; i++)
			pn_set(c, n->u.o.v[i].key, pn_copy(a, n->u.o.v[i].val));
		return c;
	case PN_LIST:
		c = pn_list(a);
		for (i = 0; i < n->u.l.n; i++)
			pn_append(c, pn_copy(a, n->u.l.v[i]));
		return c;
	}
	return pn_null();
}

int
pn_equal(const struct parse_node *a, const struct parse_node *b)
{
	size_t	 i;

	if (a == b)
		return 1;
	if (a == NULL || b == NULL || a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case PN_NULL:
	case PN_TRUE:
	case PN_FALSE:
		return 1;
	case PN_INT:
		return a->u.i == b->u.i;
	case PN_STR:
		return strcmp(a->u.s, b->u.s) == 0;
	case PN_OBJ:
		if (a->u.o.n != b->u.o.n)
			return 0;
		for (i = 0; i < a->u.o.n; i++)
			if (!pn_equal(a->u.o.v[i].val, pn_get(b, a->u.o.v[i].key)))
				return 0;
		return 1;
	case PN_LIST:
		if (a->u.l.n != b->u.l.n)
			return 0;
		for (i = 0; i < a->u.l.n; i++)
			if (!pn_equal(a->u.l.v[i], b->u.l.v[i]))
				return 0;
		return 1;
	}
	return 0;
}
