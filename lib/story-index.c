/*
 * story-index.c: the window's story keys in memory (issue 9 item 6).  For
 * each posted key, the articles that carry it sorted by (time, article),
 * so that a lookup reads the newest of a time range as the SQL index
 * (key, at, item_id) read them, row for row; each article's story is kept
 * once, so that a merge changes one record, not its 32 postings.  Beside
 * them, the packed docs of the newest articles held (a bounded ring) and
 * each held story's first time, so that a candidate is read without SQL.
 * The store fills it from story_links and story_docs and drops it when a
 * transaction rolls back: the database stays the truth.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "story.h"
#include "util.h"

/*
 * A map from 64-bit keys to slots, open addressing with linear probing
 * and backward-shift deletion (no tombstones: the window comes and goes).
 * val 0 is an empty cell; slots are stored plus one.
 */
struct u64map {
	uint64_t	*key;
	uint32_t	*val;
	size_t		 cap;		/* a power of two, or 0 */
	size_t		 n;
};

static size_t
u64map_home(const struct u64map *m, uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & (m->cap - 1);
}

static uint32_t *
u64map_find(const struct u64map *m, uint64_t k)
{
	size_t	 i;

	if (m->cap == 0)
		return NULL;
	for (i = u64map_home(m, k); m->val[i] != 0; i = (i + 1) & (m->cap - 1))
		if (m->key[i] == k)
			return &m->val[i];
	return NULL;
}

static void u64map_put(struct u64map *, uint64_t, uint32_t);

static void
u64map_grow(struct u64map *m)
{
	struct u64map	 old = *m;
	size_t		 i;

	m->cap = old.cap ? 2 * old.cap : 64;
	m->key = xcalloc(m->cap, sizeof(*m->key));
	m->val = xcalloc(m->cap, sizeof(*m->val));
	m->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.val[i] != 0)
			u64map_put(m, old.key[i], old.val[i]);
	free(old.key);
	free(old.val);
}

/* v is the slot plus one; k must not be in the map yet */
static void
u64map_put(struct u64map *m, uint64_t k, uint32_t v)
{
	size_t	 i;

	if (4 * (m->n + 1) > 3 * m->cap)
		u64map_grow(m);
	for (i = u64map_home(m, k); m->val[i] != 0; i = (i + 1) & (m->cap - 1))
		;
	m->key[i] = k;
	m->val[i] = v;
	m->n++;
}

static void
u64map_del(struct u64map *m, uint32_t *cell)
{
	size_t	 i = (size_t)(cell - m->val), j, h, mask = m->cap - 1;

	/* pull back the cells of the run that probed past the hole */
	for (j = (i + 1) & mask; m->val[j] != 0; j = (j + 1) & mask) {
		h = u64map_home(m, m->key[j]);
		if (((j - h) & mask) >= ((j - i) & mask)) {
			m->key[i] = m->key[j];
			m->val[i] = m->val[j];
			i = j;
		}
	}
	m->val[i] = 0;
	m->n--;
}

static void
u64map_free(struct u64map *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

/* A doc kept, with what a comparison needs of it alone, summed once. */
struct mem_doc {
	struct story_sum sum;
	int		 summed;	/* 0: the bytes do not unpack */
	unsigned char	 bytes[];	/* packed */
};

struct mem_item {
	int64_t		 item;
	int64_t		 story;
	int64_t		 at;
	int64_t		 feed;		/* with the doc, when kept */
	struct mem_doc	*doc;		/* NULL: not kept */
	size_t		 len;
};

/* A story of the articles held: when it began, how many are held. */
struct mem_story {
	int64_t		 story;
	int64_t		 first;		/* INT64_MAX: not known */
	uint32_t	 n;
};

struct mem_list {
	uint32_t	*v;		/* item slots, by (at, item) */
	uint32_t	 n;
	uint32_t	 cap;
};

struct story_mem {
	struct mem_item	*items;
	size_t		 nitems, capitems;
	uint32_t	*ifree;		/* free item slots */
	size_t		 nifree;
	struct u64map	 byitem;
	struct mem_list	*lists;
	size_t		 nlists, caplists;
	uint32_t	*lfree;		/* free lists */
	size_t		 nlfree;
	struct u64map	 bykey;
	size_t		 live;		/* items held */
	struct mem_story *stories;
	size_t		 nstories, capstories;
	uint32_t	*sfree;
	size_t		 nsfree;
	struct u64map	 bystory;
	/* the docs kept, oldest first: a ring of items, maybe gone since */
	int64_t		*ring;
	size_t		 ringcap, ringhead, ringn;
	size_t		 docbytes;
};

struct story_mem *
story_mem_new(void)
{
	return xcalloc(1, sizeof(struct story_mem));
}

void
story_mem_clear(struct story_mem *m)
{
	size_t	 i;

	for (i = 0; i < m->nlists; i++)
		free(m->lists[i].v);
	free(m->lists);
	free(m->lfree);
	for (i = 0; i < m->nitems; i++)
		free(m->items[i].doc);
	free(m->items);
	free(m->ifree);
	free(m->stories);
	free(m->sfree);
	free(m->ring);
	u64map_free(&m->byitem);
	u64map_free(&m->bykey);
	u64map_free(&m->bystory);
	memset(m, 0, sizeof(*m));
}

void
story_mem_free(struct story_mem *m)
{
	if (m == NULL)
		return;
	story_mem_clear(m);
	free(m);
}

size_t
story_mem_count(const struct story_mem *m)
{
	return m->live;
}

/* (at, item) of slot a before that of b */
static int
mem_before(const struct story_mem *m, uint32_t a, int64_t at, int64_t item)
{
	const struct mem_item	*x = &m->items[a];

	return x->at < at || (x->at == at && x->item < item);
}

/* the first position of l not before (at, item) */
static uint32_t
mem_lower(const struct story_mem *m, const struct mem_list *l, int64_t at,
    int64_t item)
{
	uint32_t	 lo = 0, hi = l->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (mem_before(m, l->v[mid], at, item))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t
mem_list_new(struct story_mem *m)
{
	if (m->nlfree > 0)
		return m->lfree[--m->nlfree];
	if (m->nlists == m->caplists) {
		m->caplists = m->caplists ? 2 * m->caplists : 256;
		m->lists = xrealloc(m->lists, m->caplists * sizeof(*m->lists));
		m->lfree = xrealloc(m->lfree, m->caplists * sizeof(*m->lfree));
	}
	memset(&m->lists[m->nlists], 0, sizeof(m->lists[0]));
	return (uint32_t)m->nlists++;
}

static struct mem_story *
mem_story_get(const struct story_mem *m, int64_t story)
{
	uint32_t	*cell = u64map_find(&m->bystory, (uint64_t)story);

	return cell != NULL ? &m->stories[*cell - 1] : NULL;
}

/* one more article of story held */
static void
mem_story_hold(struct story_mem *m, int64_t story)
{
	struct mem_story	*x;
	uint32_t		 slot;

	if ((x = mem_story_get(m, story)) != NULL) {
		x->n++;
		return;
	}
	if (m->nsfree > 0)
		slot = m->sfree[--m->nsfree];
	else {
		if (m->nstories == m->capstories) {
			m->capstories = m->capstories ? 2 * m->capstories : 256;
			m->stories = xrealloc(m->stories, m->capstories *
			    sizeof(*m->stories));
			m->sfree = xrealloc(m->sfree, m->capstories *
			    sizeof(*m->sfree));
		}
		slot = (uint32_t)m->nstories++;
	}
	m->stories[slot].story = story;
	m->stories[slot].first = INT64_MAX;
	m->stories[slot].n = 1;
	u64map_put(&m->bystory, (uint64_t)story, slot + 1);
}

/* one article of story fewer: the last takes the story's record */
static void
mem_story_release(struct story_mem *m, int64_t story)
{
	uint32_t	*cell = u64map_find(&m->bystory, (uint64_t)story);
	uint32_t	 slot;

	if (cell == NULL)
		return;
	slot = *cell - 1;
	if (--m->stories[slot].n > 0)
		return;
	u64map_del(&m->bystory, cell);
	m->sfree[m->nsfree++] = slot;
}

static void
mem_doc_drop(struct story_mem *m, struct mem_item *x)
{
	if (x->doc == NULL)
		return;
	m->docbytes -= x->len;
	free(x->doc);
	x->doc = NULL;
	x->len = 0;
}

void
story_mem_add(struct story_mem *m, int64_t item, int64_t story, int64_t at,
    const uint64_t *keys, size_t nk)
{
	struct mem_list	*l;
	uint32_t	*cell, slot, li, pos;
	size_t		 k;

	if ((cell = u64map_find(&m->byitem, (uint64_t)item)) != NULL) {
		story_mem_set_story(m, item, story);	/* posted already */
		return;
	}
	if (m->nifree > 0)
		slot = m->ifree[--m->nifree];
	else {
		if (m->nitems == m->capitems) {
			m->capitems = m->capitems ? 2 * m->capitems : 256;
			m->items = xrealloc(m->items, m->capitems *
			    sizeof(*m->items));
			m->ifree = xrealloc(m->ifree, m->capitems *
			    sizeof(*m->ifree));
		}
		slot = (uint32_t)m->nitems++;
	}
	memset(&m->items[slot], 0, sizeof(m->items[slot]));
	m->items[slot].item = item;
	m->items[slot].story = story;
	m->items[slot].at = at;
	u64map_put(&m->byitem, (uint64_t)item, slot + 1);
	mem_story_hold(m, story);
	m->live++;
	for (k = 0; k < nk; k++) {
		if ((cell = u64map_find(&m->bykey, keys[k])) != NULL)
			li = *cell - 1;
		else {
			li = mem_list_new(m);
			u64map_put(&m->bykey, keys[k], li + 1);
		}
		l = &m->lists[li];
		pos = mem_lower(m, l, at, item);
		if (pos < l->n && l->v[pos] == slot)
			continue;	/* a key twice: posted once */
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 4;
			l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
		}
		memmove(&l->v[pos + 1], &l->v[pos], (l->n - pos) *
		    sizeof(*l->v));
		l->v[pos] = slot;
		l->n++;
	}
}

void
story_mem_remove(struct story_mem *m, int64_t item, const uint64_t *keys,
    size_t nk)
{
	struct mem_list	*l;
	uint32_t	*icell, *kcell, slot, li, pos;
	size_t		 k;

	if ((icell = u64map_find(&m->byitem, (uint64_t)item)) == NULL)
		return;
	slot = *icell - 1;
	for (k = 0; k < nk; k++) {
		if ((kcell = u64map_find(&m->bykey, keys[k])) == NULL)
			continue;
		li = *kcell - 1;
		l = &m->lists[li];
		pos = mem_lower(m, l, m->items[slot].at, item);
		if (pos == l->n || l->v[pos] != slot)
			continue;
		memmove(&l->v[pos], &l->v[pos + 1], (l->n - pos - 1) *
		    sizeof(*l->v));
		if (--l->n == 0) {
			free(l->v);
			memset(l, 0, sizeof(*l));
			u64map_del(&m->bykey, kcell);
			m->lfree[m->nlfree++] = li;
		}
	}
	mem_doc_drop(m, &m->items[slot]);
	mem_story_release(m, m->items[slot].story);
	u64map_del(&m->byitem, icell);
	m->ifree[m->nifree++] = slot;
	m->live--;
}

int
story_mem_set_story(struct story_mem *m, int64_t item, int64_t story)
{
	uint32_t	*cell;

	struct mem_item	*x;

	if ((cell = u64map_find(&m->byitem, (uint64_t)item)) == NULL)
		return 0;
	x = &m->items[*cell - 1];
	if (x->story != story) {
		mem_story_hold(m, story);
		mem_story_release(m, x->story);
		x->story = story;
	}
	return 1;
}

int
story_mem_story_of(const struct story_mem *m, int64_t item, int64_t *story)
{
	uint32_t	*cell = u64map_find(&m->byitem, (uint64_t)item);

	if (cell == NULL)
		return 0;
	*story = m->items[*cell - 1].story;
	return 1;
}

void
story_mem_story_seen(struct story_mem *m, int64_t story, int64_t at)
{
	struct mem_story	*x = mem_story_get(m, story);

	/* min(first, at), as the row takes it: unknown stays unknown */
	if (x != NULL && x->first != INT64_MAX && at < x->first)
		x->first = at;
}

void
story_mem_story_first_is(struct story_mem *m, int64_t story, int64_t first)
{
	struct mem_story	*x = mem_story_get(m, story);

	if (x != NULL)
		x->first = first;
}

int
story_mem_story_first(const struct story_mem *m, int64_t story,
    int64_t *first)
{
	const struct mem_story	*x = mem_story_get(m, story);

	if (x == NULL || x->first == INT64_MAX)
		return 0;
	*first = x->first;
	return 1;
}

void
story_mem_merge(struct story_mem *m, int64_t into, int64_t from)
{
	const struct mem_story	*x = mem_story_get(m, from);
	struct mem_story	*y = mem_story_get(m, into);

	if (y == NULL)
		return;
	/* min(first) as the stories row takes it; unknown stays unknown */
	if (x == NULL || x->first == INT64_MAX)
		y->first = INT64_MAX;
	else if (x->first < y->first && y->first != INT64_MAX)
		y->first = x->first;
}

static void
mem_doc_fill(struct mem_doc *d, const void *doc, size_t len)
{
	memcpy(d->bytes, doc, len);
	d->summed = story_doc_sum(d->bytes, len, &d->sum) == 0;
}

void
story_mem_keep_doc(struct story_mem *m, int64_t item, int64_t feed,
    const void *doc, size_t len)
{
	uint32_t	*cell = u64map_find(&m->byitem, (uint64_t)item);
	struct mem_item	*x;
	int64_t		 old;

	if (cell == NULL || len > STORY_MEM_DOC_BYTES / 8)
		return;
	x = &m->items[*cell - 1];
	if (x->doc != NULL) {
		/* kept already: in its place in the ring */
		m->docbytes -= x->len;
		x->doc = xrealloc(x->doc, sizeof(*x->doc) + len);
		mem_doc_fill(x->doc, doc, len);
		x->len = len;
		x->feed = feed;
		m->docbytes += len;
		return;
	}
	x->doc = xmalloc(sizeof(*x->doc) + len);
	mem_doc_fill(x->doc, doc, len);
	x->len = len;
	x->feed = feed;
	m->docbytes += len;
	if (m->ringcap == 0) {
		m->ringcap = STORY_MEM_DOCS;
		m->ring = xcalloc(m->ringcap, sizeof(*m->ring));
	}
	/* the oldest kept go first, past either bound */
	while (m->ringn == m->ringcap || (m->docbytes > STORY_MEM_DOC_BYTES &&
	    m->ringn > 0)) {
		old = m->ring[m->ringhead];
		m->ringhead = (m->ringhead + 1) % m->ringcap;
		m->ringn--;
		if ((cell = u64map_find(&m->byitem, (uint64_t)old)) != NULL &&
		    old != item)
			mem_doc_drop(m, &m->items[*cell - 1]);
	}
	m->ring[(m->ringhead + m->ringn) % m->ringcap] = item;
	m->ringn++;
}

const void *
story_mem_doc(const struct story_mem *m, int64_t item, size_t *len,
    int64_t *story, int64_t *first, int64_t *feed)
{
	uint32_t		*cell = u64map_find(&m->byitem, (uint64_t)item);
	const struct mem_item	*x;

	if (cell == NULL)
		return NULL;
	x = &m->items[*cell - 1];
	if (x->doc == NULL || !story_mem_story_first(m, x->story, first))
		return NULL;
	*len = x->len;
	*story = x->story;
	*feed = x->feed;
	return x->doc->bytes;
}

const struct story_sum *
story_mem_doc_sum(const struct story_mem *m, int64_t item)
{
	uint32_t		*cell = u64map_find(&m->byitem, (uint64_t)item);
	const struct mem_item	*x;

	if (cell == NULL)
		return NULL;
	x = &m->items[*cell - 1];
	return x->doc != NULL && x->doc->summed ? &x->doc->sum : NULL;
}

size_t
story_mem_postings(const struct story_mem *m, uint64_t key, int64_t from,
    int64_t to, struct story_posting *out, size_t max)
{
	const struct mem_list	*l;
	const struct mem_item	*x;
	uint32_t		*cell, pos;
	size_t			 n = 0;

	if ((cell = u64map_find(&m->bykey, key)) == NULL)
		return 0;
	l = &m->lists[*cell - 1];
	/* the first after `to`: newest first from there, as SQL's ORDER BY
	   at DESC walked (key, at, item_id) backwards */
	pos = mem_lower(m, l, to, INT64_MAX);
	while (pos > 0 && n < max) {
		x = &m->items[l->v[--pos]];
		if (x->at < from)
			break;
		out[n].item = x->item;
		out[n].story = x->story;
		out[n].at = x->at;
		n++;
	}
	return n;
}
