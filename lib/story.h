/*
 * story.h: what makes two articles one story, without a database.  An
 * article becomes a story_doc: its language (declared, else guessed), the
 * stems of its title and summary, and keys that do not depend on language
 * (EU document ids, amounts, numbers, dates, names, places, its link with
 * the language taken out).  Two docs compare into a story_match: how alike
 * their text is, the keys they share, and whether that makes one story.
 * The store indexes the keys and keeps docs packed (store-stories.c);
 * doc/stories.md says how the measure and its thresholds were chosen.
 * depends on: text.h, util.h, Snowball's libstemmer, libexttextcat, the
 * word lists of lib/stories/ (compiled in); used by: tests/ (test_story,
 * story-eval).
 */
#ifndef HERALD_STORY_H
#define HERALD_STORY_H

#include <stddef.h>
#include <stdint.h>

/*
 * Stemmers, stop words, places and the language guesser: built once, used
 * by one thread.  Never NULL (the word lists are compiled in); the guesser
 * is loaded on first use and, when libexttextcat's language models are
 * missing, guesses nothing.
 */
struct story_ctx;

struct story_ctx	*story_ctx_new(void);
void			 story_ctx_free(struct story_ctx *);

enum story_kind {
	STORY_TERM,	/* a stem of the title or summary, or two in a row:
			   same language only */
	STORY_NAME,	/* a capitalised word or an acronym, folded */
	STORY_PLACE,	/* a country, its capital or its people */
	STORY_DOCID,	/* IP/26/745, C-412/25, COM(2025) 123, 2023/0123(COD) */
	STORY_LINK,	/* the article's link with its language taken out */
	STORY_AMOUNT,	/* a number with a currency */
	STORY_PERCENT,	/* a number with per cent */
	STORY_NUMBER,	/* a number with no unit, scaled (18.3 million) */
	STORY_YEAR,
	STORY_DATE,	/* a day of a month */
	STORY_COGNATE,	/* a long word's start, folded: "econo" meets
			   economic, économiques, económicas across
			   languages; never posted */
	STORY_CONCEPT,	/* an EU-policy notion from concepts.txt, one key
			   in every language: "rare earths", "Seltene
			   Erden", "terres rares" (appended: packed docs
			   store the kind's number) */
	STORY__NKINDS
};

/* A key and its worth when two docs share it. */
struct story_key {
	uint64_t	 hash;		/* kind and text: what the index holds */
	float		 weight;	/* times the key's rarity once assigned */
	uint8_t		 kind;		/* enum story_kind */
	uint8_t		 family;	/* DOCID: which kind of id (a conflict
					   needs two of one family) */
};

struct story_doc {
	char		 lang[4];	/* ISO 639-1, "" when unknown */
	int		 guessed;	/* lang came from the guesser */
	int		 roundup;	/* its title lists several headlines
					   (a newsletter's): no story's */
	struct story_key *keys;		/* sorted by hash, each once */
	size_t		 nkeys;
	char		**labels;	/* readable key i ("IP/26/745", "apple",
					   "EUR 500000000"); NULL in an
					   unpacked doc */
};

/* What an article says; every pointer may be NULL, borrowed for the call. */
struct story_input {
	const char	*title;
	const char	*summary;	/* plain text; only its start is read */
	const char	*lang;		/* as the feed declares it ("en-GB") */
	const char	*link;
	int64_t		 at;		/* when it was published; 0: now */
};

/* Fills *doc (cleared first); 0, or -1 when there is nothing to read. */
int	 story_doc_build(struct story_ctx *, const struct story_input *,
	    struct story_doc *);
void	 story_doc_clear(struct story_doc *);

/*
 * Guesses the language of text with libexttextcat's models of the EU's
 * languages: "en", "fr"..., or NULL when it cannot tell.
 */
const char	*story_lang_guess(struct story_ctx *, const char *text,
		    size_t len);
/*
 * story_lang_guess()'s first pass alone: the language the text's own
 * words and letters make clear, or NULL when it is left to libexttextcat.
 */
const char	*story_lang_cues(struct story_ctx *, const char *text,
		    size_t len);

/* The doc as the store keeps it (heap, *len bytes), and back (no labels). */
void	*story_doc_pack(const struct story_doc *, size_t *len);
int	 story_doc_unpack(const void *, size_t, struct story_doc *);

/*
 * What a comparison needs of a packed doc alone, summed once: the index
 * keeps it with the doc, since a doc is a candidate for many articles.
 * story_doc_sum() gives 0, or -1 for bytes that do not unpack.
 */
struct story_sum {
	double		 n, tn;		/* squared norms: the stems, the
					   title's */
	int		 fam;		/* families of its document ids */
	uint32_t	 amt;		/* currencies of its amounts */
	uint32_t	 cnt;		/* what its counts count */
	int		 pl;		/* it names a place */
	int		 tp;		/* its title names one */
	int		 td;		/* its title gives a day */
	int		 tc;		/* the notions its title names
					   (concepts.txt) */
};

int	 story_doc_sum(const void *, size_t, struct story_sum *);

/*
 * The keys to post in the index for this doc (and the only ones
 * story_assign() looks up), at most max: the language-free keys, the
 * title's stems, the heaviest others.  Returns how many.
 */
size_t	 story_doc_index_keys(const struct story_doc *, uint64_t *out,
	    size_t max);
/* the same of a packed doc (the same keys); -1 for bytes that do not unpack */
int	 story_doc_index_keys_packed(const void *, size_t, uint64_t *out,
	    size_t max);

/*
 * How much a key counts given `df`, the number of stories in the window
 * that already carry it: 1 for a key no story or one story has, less for
 * common ones (stories, not articles: a number every article of one story
 * repeats is still that story's).  story_assign() applies it to a new
 * doc's weights before comparing and packing it (story_doc_weigh), so
 * each doc keeps its keys' worth as it was when it arrived.
 */
double	 story_rarity(unsigned df);
void	 story_doc_weigh(struct story_doc *, const unsigned *df);

/* One comparison of a new doc with a stored one. */
#define STORY_MATCH_SHARED	24
struct story_match {
	double		 text;		/* cosine of the stems, same language
					   only (0 across languages) */
	double		 title;		/* cosine of the titles' stems */
	double		 contain;	/* how much of the shorter text the
					   other holds */
	double		 terms;		/* shared stems' and phrases' worth */
	int		 nterms;	/* shared stems and phrases */
	int		 nphrases;	/* of which phrases */
	double		 keys;		/* shared language-free keys' worth */
	int		 solid;		/* of them, neither cognates nor
					   German nouns */
	int		 same_lang;
	int		 strong;	/* a document id or a link in common */
	int		 conflict;	/* different ids of one family, or
					   amounts and none in common */
	int		 other_id;	/* of the conflicts, the ids */
	int		 other_subject;	/* a title names a country the other
					   article never does */
	int		 other_day;	/* both titles give a day, none the
					   same */
	int		 two_subjects;	/* each title names a country the
					   other article never does */
	double		 score;		/* what ranks candidates */
	int		 joins;		/* enough for one story */
	size_t		 shared[STORY_MATCH_SHARED];	/* indexes into a's keys */
	size_t		 nshared;
};

/*
 * The thresholds, with the defaults doc/stories.md justifies; tests and
 * the evaluation may change them.
 */
struct story_params {
	double	 text_min;	/* same language: cosine alone */
	double	 text_keys_min;	/* same language: the least cosine */
	double	 keys_min;	/* key evidence alone (across languages);
				   within one, text / text_min + evidence /
				   keys_min >= 1 */
	double	 plain_text_min; /* same language: the least cosine of the
				   words not of names... */
	double	 plain_figures_min; /* ...unless figures of this worth meet */
	double	 other_subject_text; /* the cosine needed when a title names
				   a country the other never does */
	double	 conflict_keys;	/* key evidence that outweighs a conflict */
	double	 same_feed_text;	/* one feed, two articles: the cosine
					   needed (an outlet tells a story
					   once) */
	double	 lead_min;	/* a join (and each merge) must also meet
				   the story's first article in the new
				   one's language this far along the line a
				   join needs (1: as far as a join; 0: not
				   at all): single links chain */
	double	 cross_rest;	/* across languages, when one key of the
				   evidence is neither a place, a notion nor
				   a cognate: what the others must be worth
				   (one name and a country are no story) */
	int64_t	 close_time;	/* seconds: two articles of one language
				   this close whose titles name one country
				   count it again */
	double	 near_keys;	/* across languages, two articles published
				   at most near seconds apart: the key
				   evidence a join needs instead of keys_min
				   (an outlet's translation comes within
				   hours, a look-alike any day of the week);
				   never enough to merge two stories */
	int64_t	 near;
};

void	 story_params_default(struct story_params *);

/* As story_compare(), a published `apart` seconds from b (-1: unknown) */
void	 story_compare_apart(const struct story_params *,
	    const struct story_doc *a, const struct story_doc *b, int64_t apart,
	    struct story_match *);
void	 story_compare(const struct story_params *, const struct story_doc *a,
	    const struct story_doc *b, struct story_match *);

/*
 * Why a joined b, in one line: "same language (fr), similarity 0.62;
 * shared: IP/26/745, EUR 500000000, apple".  a must have labels (a doc
 * just built).  Heap; caller frees.
 */
char	*story_match_explain(const struct story_doc *a,
	    const struct story_match *);

/*
 * The same packed by its parts (story-why.c), a third of the bytes, and
 * written out again: story_why_unpack(story_match_pack(a, m)) is
 * story_match_explain(a, m).  Both heap; unpack gives NULL for bytes that
 * are no packed why.
 */
void	*story_match_pack(const struct story_doc *a,
	    const struct story_match *, size_t *len);
char	*story_why_unpack(const void *, size_t);

/*
 * Assignment: which story a new doc joins.  The index is the caller's
 * (the store's tables, or a test's arrays), reached through two calls;
 * story_assign() does the rest the same way for all of them.
 */
struct story_posting {
	int64_t		 item;
	int64_t		 story;		/* the item's story */
	int64_t		 at;
};

struct story_index {
	/*
	 * The items carrying `key` with at in [from, to], newest first, at
	 * most `max` of them into out; returns how many, or -1 on error.
	 */
	int	(*postings)(void *arg, uint64_t key, int64_t from, int64_t to,
		    struct story_posting *out, size_t max);
	/*
	 * An item's packed doc (story_doc_pack's bytes into *doc and *len,
	 * the index's until its next call) with its story_doc_sum() when
	 * kept (else *sum NULL), its story, when that story
	 * began and the feed that carried the item first; 1 found, 0 gone,
	 * -1 on error.  Bytes that do not unpack are skipped.
	 */
	int	(*load)(void *arg, int64_t item, const void **doc, size_t *len,
		    const struct story_sum **sum, int64_t *story,
		    int64_t *story_first, int64_t *feed);
	void	*arg;
	/*
	 * The story's first article in language lang (of its articles in
	 * that language, the one published first) into *item: 1 found, 0
	 * none, -1 on error.  NULL: joins are not held to it (see
	 * story_params.lead_min).
	 */
	int	(*lead)(void *arg, int64_t story, const char *lang,
		    int64_t *item);
};

/*
 * The window's keys in memory (story-index.c): what story_index.postings
 * reads, the articles carrying a key sorted by (at, item), newest first
 * within [from, to], as the store's SQL index returned them.  An article's
 * story is held once (story_mem_set_story after a merge).  The caller
 * keeps it in step with its truth and passes the same keys to remove an
 * article as it posted.
 */
struct story_mem;

struct story_mem *story_mem_new(void);
void	 story_mem_free(struct story_mem *);
void	 story_mem_clear(struct story_mem *);
void	 story_mem_add(struct story_mem *, int64_t item, int64_t story,
	    int64_t at, const uint64_t *keys, size_t nkeys);
void	 story_mem_remove(struct story_mem *, int64_t item,
	    const uint64_t *keys, size_t nkeys);
int	 story_mem_set_story(struct story_mem *, int64_t item, int64_t story);
int	 story_mem_story_of(const struct story_mem *, int64_t item,
	    int64_t *story);			/* 0: not held */
size_t	 story_mem_postings(const struct story_mem *, uint64_t key,
	    int64_t from, int64_t to, struct story_posting *out, size_t max);
size_t	 story_mem_count(const struct story_mem *);	/* articles held */

/*
 * Each story's first article's time, as the stories row holds it: the
 * caller tells it (story_mem_story_first_is: a new story, the row read)
 * and every change (seen: an article joining; merge: before its articles
 * move); a story is held while an article of it is.  story_mem_story_first
 * gives 0 when the time is not known.
 */
void	 story_mem_story_seen(struct story_mem *, int64_t story, int64_t at);
void	 story_mem_story_first_is(struct story_mem *, int64_t story,
	    int64_t first);
int	 story_mem_story_first(const struct story_mem *, int64_t story,
	    int64_t *first);
void	 story_mem_merge(struct story_mem *, int64_t into, int64_t from);

/*
 * The packed docs of the articles held, the newest kept (at most
 * STORY_MEM_DOCS of them and STORY_MEM_DOC_BYTES): story_mem_doc() gives
 * an article's with its story, when that began and its feed, or NULL
 * when not kept (read the store's).  Each is kept with its
 * story_doc_sum() and a flag (48 bytes, not counted in
 * STORY_MEM_DOC_BYTES: 384 KiB at most).
 */
#define STORY_MEM_DOCS		8192
#define STORY_MEM_DOC_BYTES	(6u << 20)
void	 story_mem_keep_doc(struct story_mem *, int64_t item, int64_t feed,
	    const void *doc, size_t len);
const void *story_mem_doc(const struct story_mem *, int64_t item,
	    size_t *len, int64_t *story, int64_t *first, int64_t *feed);
/* a kept doc's story_doc_sum(), NULL when not kept or not unpacked */
const struct story_sum *story_mem_doc_sum(const struct story_mem *,
	    int64_t item);

/* The window and the story's life, in seconds (herald.conf's defaults). */
struct story_window {
	int64_t	 window;	/* candidates within this of the article */
	int64_t	 open;		/* a story takes articles this long */
};

#define STORY_WINDOW_DEFAULT	(72 * 3600)
#define STORY_OPEN_DEFAULT	(7 * 86400)
#define STORY_POSTINGS_MAX	32	/* read per key */
#define STORY_SHORTLIST		16	/* candidates compared in full */
#define STORY_INDEX_KEYS	32	/* keys posted and looked up */

struct story_decision {
	int64_t		 story;		/* joined, or 0: a new story */
	int64_t		 item;		/* the article it matched best */
	struct story_match match;	/* with that article */
	size_t		 candidates;	/* items the index offered */
	size_t		 compared;
	/*
	 * Other open stories the doc joins through one of their articles
	 * as well: it bridges them, and they become the story it joined.
	 */
#define STORY_MERGE_MAX	4
	int64_t		 merge[STORY_MERGE_MAX];
	size_t		 nmerge;
};

/*
 * Decides the story of `doc` (built, not yet weighed) for an article at
 * `at` carried by `feed`: looks its keys up, weighs them by rarity (the
 * doc is changed: pack it after this call), compares it with the best
 * candidates and keeps the best story still open that it joins, through
 * one of its articles or through the keys it shares with all of those
 * compared, and whose first article in doc's language it meets at
 * p->lead_min (ix->lead); so for each story it bridges.  -1 when the
 * index failed.
 */
int	 story_assign(const struct story_params *, const struct story_window *,
	    const struct story_index *, struct story_doc *doc, int64_t at,
	    int64_t feed, struct story_decision *);

#endif
