/*
 * story-why.c: why an article joined its story, in one line for people
 * (herald stories --explain) and packed for the store: the line's parts
 * by their structure, a third of its bytes, written out the same when read.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "story.h"
#include "util.h"

enum why_kind {
	WHY_SAME_DOC,
	WHY_SAME_LANG,
	WHY_ACROSS,
	WHY__COUNT
};

#define WHY_NUM_TEXT	0x04	/* in the first byte: numbers as text */
#define WHY_NUM_MAX	320	/* a double's digits printed with %f */
#define WHY_TEXT_MAX	1024	/* the line is cut there, as it always was */

/* A label: one part, or two joined by '_' (a phrase of two stems). */
struct why_label {
	const char	*p[2];
	size_t		 n[2];
	int		 np;
	int		 plain;		/* one part, no '_': others may use it */
};

/* What the line says: the decision, its figures as printed, the labels. */
struct why {
	enum why_kind	 kind;
	const char	*lang;
	size_t		 nlang;
	char		 sim[WHY_NUM_MAX], evid[WHY_NUM_MAX];
	struct why_label label[STORY_MATCH_SHARED];
	size_t		 nkeys, n;	/* keys first, then the words */
};

/*
 * The line names the strongest of what the two share, not all of it: a
 * reader wants the reasons, and each label costs its bytes in every
 * story link (bench/README.md: 24 labels made the why most of the
 * story tables).  Ties keep the keys' order, so the line is the same
 * for the same match.
 */
#define WHY_KEYS_MAX	5
#define WHY_WORDS_MAX	6

/* figures: the line prints them; the packed form may not need to */
static void
why_fill(const struct story_doc *a, const struct story_match *m,
    struct why *w, int figures)
{
	size_t		 i, j, pass, n, cap, pick[STORY_MATCH_SHARED];
	const char	*l, *colon;
	float		 wi;

	memset(w, 0, sizeof(*w));
	w->kind = m->strong ? WHY_SAME_DOC : m->same_lang ? WHY_SAME_LANG :
	    WHY_ACROSS;
	w->lang = a->lang[0] ? a->lang : "?";
	w->nlang = strlen(w->lang);
	if (figures) {
		snprintf(w->sim, sizeof(w->sim), "%.2f", m->text);
		snprintf(w->evid, sizeof(w->evid), "%.1f", m->keys);
	}
	/* the keys first, then the words (their stems, without the language) */
	for (pass = 0; pass < 2; pass++) {
		cap = pass == 0 ? WHY_KEYS_MAX : WHY_WORDS_MAX;
		/* the strongest first: an insertion into at most cap */
		for (i = n = 0; i < m->nshared && m->shared[i] < a->nkeys;
		    i++) {
			if ((a->keys[m->shared[i]].kind == STORY_TERM) !=
			    (pass == 1))
				continue;
			wi = a->keys[m->shared[i]].weight;
			for (j = n; j > 0 &&
			    a->keys[pick[j - 1]].weight < wi; j--)
				if (j < cap)
					pick[j] = pick[j - 1];
			if (j >= cap)
				continue;
			pick[j] = m->shared[i];
			if (n < cap)
				n++;
		}
		for (i = 0; i < n; i++) {
			l = a->labels != NULL ? a->labels[pick[i]] : "?";
			if (pass == 1 && (colon = strchr(l, ':')) != NULL)
				l = colon + 1;
			w->label[w->n].p[0] = l;
			w->label[w->n].n[0] = strlen(l);
			w->label[w->n].np = 1;
			w->label[w->n].plain = pass == 1 &&
			    memchr(l, '_', w->label[w->n].n[0]) == NULL;
			w->n++;
		}
		if (pass == 0)
			w->nkeys = w->n;
	}
}

/* Is label i's text that of label j? */
static int
label_same(const struct why *w, size_t i, size_t j)
{
	const struct why_label	*x = &w->label[i], *y = &w->label[j];
	int			 k;

	if (x->np != y->np)
		return 0;
	for (k = 0; k < x->np; k++)
		if (x->n[k] != y->n[k] || memcmp(x->p[k], y->p[k], x->n[k]) != 0)
			return 0;
	return 1;
}

/*
 * Two keys of other kinds may read the same ("dma" an acronym and a
 * concept): the line names each once (review5: "keys: EUR 500000000,
 * aple, dma, ap, dma"), the packed form keeps them all.
 */
static void
why_print(struct buf *b, const struct why *w)
{
	size_t	 i, j;

	if (w->kind == WHY_SAME_DOC)
		buf_puts(b, "same document");
	else if (w->kind == WHY_SAME_LANG) {
		buf_puts(b, "same language (");
		buf_append(b, w->lang, w->nlang);
		buf_puts(b, "), similarity ");
		buf_puts(b, w->sim);
	} else
		buf_puts(b, "across languages");
	buf_puts(b, ", evidence ");
	buf_puts(b, w->evid);
	for (i = 0; i < w->n; i++) {
		for (j = 0; i < w->nkeys && j < i && !label_same(w, i, j); j++)
			;
		if (i < w->nkeys && j < i)
			continue;
		if (i == 0 || i == w->nkeys)
			buf_puts(b, i < w->nkeys ? "; keys: " : "; words: ");
		else
			buf_puts(b, ", ");
		buf_append(b, w->label[i].p[0], w->label[i].n[0]);
		if (w->label[i].np == 2) {
			buf_putc(b, '_');
			buf_append(b, w->label[i].p[1], w->label[i].n[1]);
		}
	}
}

char *
story_match_explain(const struct story_doc *a, const struct story_match *m)
{
	struct why	 w;
	struct buf	 b;

	why_fill(a, m, &w, 1);
	buf_init(&b, WHY_TEXT_MAX);
	why_print(&b, &w);
	return buf_steal(&b);
}

/* ---- packed ---- */

static unsigned char *
put_uv(unsigned char *q, uint64_t v)
{
	for (; v >= 0x80; v >>= 7)
		*q++ = (unsigned char)((v & 0x7f) | 0x80);
	*q++ = (unsigned char)v;
	return q;
}

static unsigned char *
put_bytes(unsigned char *q, const char *p, size_t n)
{
	memcpy(q, p, n);
	return q + n;
}

static int
get_uv(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	int	 shift;

	*v = 0;
	for (shift = 0; *p < end && shift < 63; shift += 7) {
		*v |= (uint64_t)(**p & 0x7f) << shift;
		if ((*(*p)++ & 0x80) == 0)
			return 0;
	}
	return -1;
}

/*
 * A figure as printed with `dec` decimals ("0.62", "15.9") as the number
 * without its point (62, 159), when that gives it back exactly; -1 if not
 * (a sign, an exponent, too long).
 */
static int64_t
num_of(const char *s, int dec)
{
	int64_t	 v = 0;
	size_t	 i, n = strlen(s);

	/* digits, the point, dec digits; no zero leading the whole part */
	if (n < (size_t)dec + 2 || n > 15 || s[n - dec - 1] != '.' ||
	    (s[0] == '0' && n != (size_t)dec + 2))
		return -1;
	for (i = 0; i < n; i++) {
		if (i == n - dec - 1)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * num_of() of x printed with dec (1 or 2) decimals, without printing it
 * where that is plain: x finite, not negative (nor -0), under 10^6, and x
 * times 10^dec not within 10^-6 of a half.  The product is then within
 * 10^-8 of the exact one, and printf's exact rounding of the decimal goes
 * the same way as the rounding of the product; -1 otherwise (ask printf).
 * A why packed printed two doubles a join, 3,000 instructions each.
 */
static int64_t
num_plain(double x, int dec)
{
	double	 y, f;

	if (!(x >= 0.0 && x < 1e6) || signbit(x))
		return -1;
	y = x * (dec == 2 ? 100.0 : 10.0);
	f = y - floor(y);
	if (fabs(f - 0.5) < 1e-6)
		return -1;
	return (int64_t)floor(y) + (f > 0.5);
}

/* x as num_of() reads it printed with dec decimals into out (when it must) */
static int64_t
num_figure(double x, int dec, char *out)
{
	int64_t	 v;

	if ((v = num_plain(x, dec)) != -1)
		return v;
	snprintf(out, WHY_NUM_MAX, "%.*f", dec, x);
	return num_of(out, dec);
}

static void
num_print(char *out, int64_t v, int dec)
{
	int	 pw = dec == 2 ? 100 : 10;

	snprintf(out, WHY_NUM_MAX, "%lld.%0*lld", (long long)(v / pw), dec,
	    (long long)(v % pw));
}

/* Label j as a part of another (a literal with no '_'), or -1. */
static int
label_find(const struct why *w, const char *p, size_t n)
{
	size_t	 j;

	for (j = w->nkeys; j < w->n; j++)
		if (w->label[j].plain && w->label[j].n[0] == n &&
		    memcmp(w->label[j].p[0], p, n) == 0)
			return (int)j;
	return -1;
}

/*
 * The packed form: a byte of kind (and WHY_NUM_TEXT), the language (same
 * language only), the figures as numbers (or texts), the counts of keys
 * and words, then each label as a varint v: v & 3 is 0 for v >> 2 bytes
 * of text; 1 for the first n bytes (a varint after) of label v >> 2, as
 * a key is of a word ("agric" of "agricol"); 2 for a phrase of two stems,
 * "x_y": x is part v >> 2 and y the part (a varint) after, a part p being
 * label p >> 1 when p is odd, else p >> 1 bytes of text.  A label referred
 * to is a word held as text, with no '_'.  Varints: 7 bits a byte, low
 * first.
 */
void *
story_match_pack(const struct story_doc *a, const struct story_match *m,
    size_t *len)
{
	struct why	 w;
	unsigned char	*out, *q;
	int64_t		 sim, evid;
	size_t		 i, j, n, u, cap;
	int		 k, x, y, textnum;
	const char	*p;

	why_fill(a, m, &w, 0);
	sim = w.kind == WHY_SAME_LANG ? num_figure(m->text, 2, w.sim) : 0;
	evid = num_figure(m->keys, 1, w.evid);
	textnum = sim == -1 || evid == -1;
	if (textnum) {
		/* the figures as the line prints them, both */
		snprintf(w.sim, sizeof(w.sim), "%.2f", m->text);
		snprintf(w.evid, sizeof(w.evid), "%.1f", m->keys);
	}
	/* a varint is at most 10 bytes, a label two and its text */
	cap = 1 + 10 + w.nlang + 2 * (10 + WHY_NUM_MAX) + 20;
	for (i = 0; i < w.n; i++)
		cap += 30 + w.label[i].n[0];
	q = out = xmalloc(cap);
	*q++ = (unsigned char)(w.kind | (textnum ? WHY_NUM_TEXT : 0));
	if (w.kind == WHY_SAME_LANG) {
		q = put_uv(q, w.nlang);
		q = put_bytes(q, w.lang, w.nlang);
		if (textnum) {
			q = put_uv(q, strlen(w.sim));
			q = put_bytes(q, w.sim, strlen(w.sim));
		} else
			q = put_uv(q, (uint64_t)sim);
	}
	if (textnum) {
		q = put_uv(q, strlen(w.evid));
		q = put_bytes(q, w.evid, strlen(w.evid));
	} else
		q = put_uv(q, (uint64_t)evid);
	q = put_uv(q, w.nkeys);
	q = put_uv(q, w.n - w.nkeys);
	for (i = 0; i < w.n; i++) {
		p = w.label[i].p[0];
		n = w.label[i].n[0];
		/* a key: the start of a word */
		for (j = w.nkeys; i < w.nkeys && j < w.n; j++)
			if (n > 0 && w.label[j].plain && w.label[j].n[0] >= n &&
			    memcmp(w.label[j].p[0], p, n) == 0)
				break;
		if (i < w.nkeys && j < w.n) {
			q = put_uv(q, (uint64_t)j << 2 | 1);
			q = put_uv(q, n);
			continue;
		}
		/* a word: two others joined, or one and a text */
		x = y = -1;
		u = 0;
		for (k = 0; i >= w.nkeys && !w.label[i].plain && k < (int)n;
		    k++) {
			int	 kx, ky;

			if (p[k] != '_')
				continue;
			kx = label_find(&w, p, (size_t)k);
			ky = label_find(&w, p + k + 1, n - k - 1);
			if ((kx != -1) + (ky != -1) > (x != -1) + (y != -1)) {
				x = kx;
				y = ky;
				u = (size_t)k;
			}
			if (x != -1 && y != -1)
				break;
		}
		if (x == -1 && y == -1) {
			q = put_uv(q, (uint64_t)n << 2);
			q = put_bytes(q, p, n);
			continue;
		}
		q = put_uv(q, (x != -1 ? (uint64_t)x << 1 | 1 :
		    (uint64_t)u << 1) << 2 | 2);
		if (x == -1)
			q = put_bytes(q, p, u);
		q = put_uv(q, y != -1 ? (uint64_t)y << 1 | 1 :
		    (uint64_t)(n - u - 1) << 1);
		if (y == -1)
			q = put_bytes(q, p + u + 1, n - u - 1);
	}
	*len = (size_t)(q - out);
	return out;
}

/* A part of a packed label: a label's index (odd) or bytes of text. */
static int
part_get(const unsigned char **p, const unsigned char *end, uint64_t v,
    const char **s, size_t *n, int *ref)
{
	if (v & 1) {
		*ref = (int)(v >> 1);
		return v >> 1 < STORY_MATCH_SHARED ? 0 : -1;
	}
	*ref = -1;
	if ((uint64_t)(end - *p) < v >> 1)
		return -1;
	*s = (const char *)*p;
	*n = v >> 1;
	*p += *n;
	return 0;
}

/* Whether label j is one a packed label may refer to. */
static int
ref_ok(const struct why *w, const int *op, int j)
{
	return j >= 0 && (size_t)j >= w->nkeys && (size_t)j < w->n &&
	    op[j] == 0 &&
	    memchr(w->label[j].p[0], '_', w->label[j].n[0]) == NULL;
}

char *
story_why_unpack(const void *blob, size_t len)
{
	const unsigned char	*p = blob, *end = p + len;
	struct why		 w;
	struct buf		 b;
	uint64_t		 v, nk, nw, pn[STORY_MATCH_SHARED];
	int			 op[STORY_MATCH_SHARED];
	int			 ref[STORY_MATCH_SHARED][2];
	int			 textnum, k;
	size_t			 i;

	memset(&w, 0, sizeof(w));
	if (len == 0 || (*p & ~WHY_NUM_TEXT) >= WHY__COUNT)
		return NULL;
	w.kind = *p & ~WHY_NUM_TEXT;
	textnum = (*p++ & WHY_NUM_TEXT) != 0;
	if (w.kind == WHY_SAME_LANG) {
		if (get_uv(&p, end, &v) == -1 || (uint64_t)(end - p) < v)
			return NULL;
		w.lang = (const char *)p;
		w.nlang = v;
		p += v;
	}
	for (k = w.kind == WHY_SAME_LANG ? 0 : 1; k < 2; k++) {
		char	*out = k == 0 ? w.sim : w.evid;

		if (get_uv(&p, end, &v) == -1)
			return NULL;
		if (!textnum)
			num_print(out, (int64_t)(v & INT64_MAX), 2 - k);
		else if (v >= WHY_NUM_MAX || (uint64_t)(end - p) < v)
			return NULL;
		else {
			memcpy(out, p, v);
			out[v] = '\0';
			p += v;
		}
	}
	if (get_uv(&p, end, &nk) == -1 || get_uv(&p, end, &nw) == -1 ||
	    nk > STORY_MATCH_SHARED || nw > STORY_MATCH_SHARED - nk)
		return NULL;
	w.nkeys = nk;
	w.n = nk + nw;
	for (i = 0; i < w.n; i++) {
		struct why_label	*l = &w.label[i];

		if (get_uv(&p, end, &v) == -1)
			return NULL;
		op[i] = (int)(v & 3);
		ref[i][0] = ref[i][1] = -1;
		l->np = 1;
		if (op[i] == 0) {
			if ((uint64_t)(end - p) < v >> 2)
				return NULL;
			l->p[0] = (const char *)p;
			l->n[0] = v >> 2;
			p += l->n[0];
		} else if (op[i] == 1) {
			ref[i][0] = (int)(v >> 2 & 0xff);
			if (v >> 2 >= STORY_MATCH_SHARED ||
			    get_uv(&p, end, &pn[i]) == -1)
				return NULL;
		} else if (op[i] == 2) {
			l->np = 2;
			if (part_get(&p, end, v >> 2, &l->p[0], &l->n[0],
			    &ref[i][0]) == -1 || get_uv(&p, end, &v) == -1 ||
			    part_get(&p, end, v, &l->p[1], &l->n[1],
			    &ref[i][1]) == -1)
				return NULL;
		} else
			return NULL;
	}
	if (p != end)
		return NULL;
	/* the references, to words held as text */
	for (i = 0; i < w.n; i++) {
		for (k = 0; k < 2; k++) {
			if (ref[i][k] == -1)
				continue;
			if (!ref_ok(&w, op, ref[i][k]))
				return NULL;
			w.label[i].p[k] = w.label[ref[i][k]].p[0];
			w.label[i].n[k] = w.label[ref[i][k]].n[0];
		}
		if (op[i] == 1) {
			if (pn[i] > w.label[i].n[0])
				return NULL;
			w.label[i].n[0] = pn[i];
		}
	}
	buf_init(&b, WHY_TEXT_MAX);
	why_print(&b, &w);
	return buf_steal(&b);
}
