/*
 * story-eval.c: scores story assignment on a labelled set (tests/data/
 * stories/, one article a line with its true story).  Replays the
 * articles in the order they were published and prints pairwise
 * precision, recall over same-language pairs and over cross-language
 * pairs.  With -s PACK, through the real store (a temporary database, the
 * topic pack PACK, alerts per story), and also the share of (story,
 * topic) pairs that alerted exactly once, beside what alerting per
 * article would have sent.  -v lists every story made (with -s, the
 * (story, topic) pairs that did not alert once), -m the pairs it got
 * wrong, -d the keys of every article, -p every pair of one window
 * (each PAIR line followed by a KINDS line: the language-free keys the
 * pair shares, kind:label:weight:family, the kinds as -d writes them).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <limits.h>
#include <unistd.h>

#include <jansson.h>

#include "conf.h"
#include "store.h"
#include "story.h"
#include "util.h"

struct art {
	char		*id, *story, *feed, *lang, *link, *title, *summary;
	int		 nolang;
	int64_t		 at;
	int64_t		 item;		/* in the store (-s) */
	/* results */
	int64_t		 got;		/* story assigned */
	char		*why;
	int64_t		 matched;	/* the item it matched */
	struct story_doc doc;
	void		*packed;
	size_t		 packlen;
};

/* a key's kind in -d and -p: enum story_kind's order */
static const char	 kinds[] = "TNPDLA%#YMCK";
_Static_assert(sizeof(kinds) - 1 == STORY__NKINDS, "a letter a kind");

static struct art	*arts;
static size_t		 narts;
static int		 af_verbose;	/* -v with -s: the pairs not alerted once */

/* ---- an index in arrays: what the store does with tables ---- */

struct post {
	uint64_t	 key;
	int64_t		 item, at;
};

static struct post	*posts;
static size_t		 nposts, capposts;
static int64_t		*story_first;	/* by story id */
static size_t		 nstories;

static int
mem_postings(void *arg, uint64_t key, int64_t from, int64_t to,
    struct story_posting *out, size_t max)
{
	size_t	 i, n = 0;

	(void)arg;
	/* newest first, like the store */
	for (i = nposts; i-- > 0 && n < max;)
		if (posts[i].key == key && posts[i].at >= from &&
		    posts[i].at <= to) {
			out[n].item = posts[i].item;
			out[n].story = arts[posts[i].item - 1].got;
			out[n].at = posts[i].at;
			n++;
		}
	return (int)n;
}

/* feeds by name, numbered in order of appearance */
static char	**feeds;
static size_t	 nfeeds;

static int64_t
feed_id(const char *name)
{
	size_t	 i;

	for (i = 0; i < nfeeds; i++)
		if (strcmp(feeds[i], name) == 0)
			return (int64_t)i + 1;
	feeds = xrealloc(feeds, (nfeeds + 1) * sizeof(*feeds));
	feeds[nfeeds++] = xstrdup(name);
	return (int64_t)nfeeds;
}

static int
mem_load(void *arg, int64_t item, const void **doc, size_t *len,
    const struct story_sum **sum, int64_t *story, int64_t *first,
    int64_t *feed)
{
	struct art	*a = &arts[item - 1];

	(void)arg;
	*sum = NULL;
	*doc = a->packed;
	*len = a->packlen;
	*story = a->got;
	*first = story_first[a->got];
	*feed = feed_id(a->feed);
	return 1;
}

/*
 * The story's first article in lang, as the store's story_links give it
 * (arts are in order of publication).
 */
static int
mem_lead(void *arg, int64_t story, const char *lang, int64_t *item)
{
	size_t	 i;

	(void)arg;
	for (i = 0; i < narts; i++)
		if (arts[i].got == story && arts[i].packed != NULL &&
		    strcmp(arts[i].doc.lang, lang) == 0) {
			*item = (int64_t)i + 1;
			return 1;
		}
	return 0;
}

static int
cmp_at(const void *x, const void *y)
{
	const struct art	*a = x, *b = y;

	return a->at < b->at ? -1 : a->at > b->at;
}

static char *
jdup(json_t *o, const char *k)
{
	const char	*v = json_string_value(json_object_get(o, k));

	return v != NULL ? xstrdup(v) : NULL;
}

/*
 * Reads the articles of a set; "t" is hours after the set's base line
 * (the texts name their dates: the clock must not move them).
 */
static int
load(const char *path)
{
	int64_t		 base = 0;
	FILE		*f = fopen(path, "r");
	char		*line = NULL;
	size_t		 cap = 0;
	json_t		*o;
	json_error_t	 err;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		/* "# base YYYY-MM-DDTHH:MM:SSZ": what t counts from */
		if (strncmp(line, "# base ", 7) == 0) {
			struct tm	 tm;

			memset(&tm, 0, sizeof(tm));
			if (strptime(line + 7, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL) {
				fprintf(stderr, "%s: bad base line\n", path);
				return -1;
			}
			base = (int64_t)timegm(&tm);
			continue;
		}
		if (line[0] == '\n' || line[0] == '#')
			continue;
		if ((o = json_loads(line, 0, &err)) == NULL) {
			fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
			return -1;
		}
		arts = xrealloc(arts, (narts + 1) * sizeof(*arts));
		memset(&arts[narts], 0, sizeof(arts[0]));
		arts[narts].id = jdup(o, "id");
		arts[narts].story = jdup(o, "story");
		arts[narts].feed = jdup(o, "feed");
		arts[narts].lang = jdup(o, "lang");
		arts[narts].link = jdup(o, "link");
		arts[narts].title = jdup(o, "title");
		arts[narts].summary = jdup(o, "summary");
		arts[narts].nolang = json_is_true(json_object_get(o, "nolang"));
		arts[narts].at = base + (int64_t)lrint(json_number_value(
		    json_object_get(o, "t")) * 3600.0);
		narts++;
		json_decref(o);
	}
	free(line);
	fclose(f);
	return 0;
}

/* ---- the figures ---- */

struct figures {
	size_t	 together, together_right;
	size_t	 same_pairs, same_found;
	size_t	 cross_pairs, cross_found;
};

static void
figures(struct figures *f)
{
	size_t	 i, j;
	int	 truth, got, same;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < narts; i++)
		for (j = i + 1; j < narts; j++) {
			truth = strcmp(arts[i].story, arts[j].story) == 0;
			got = arts[i].got == arts[j].got;
			same = strcmp(arts[i].lang, arts[j].lang) == 0;
			if (got) {
				f->together++;
				f->together_right += truth;
			}
			if (truth && same) {
				f->same_pairs++;
				f->same_found += got;
			} else if (truth) {
				f->cross_pairs++;
				f->cross_found += got;
			}
		}
}

static double
ratio(size_t a, size_t b)
{
	return b == 0 ? 1.0 : (double)a / b;
}

/* ---- through the store ---- */

struct alertfig {
	size_t	 pairs;		/* (true story, topic) pairs matched */
	size_t	 once;		/* of which alerted exactly once */
	size_t	 alerts;
};

static struct art *
art_of_item(int64_t item)
{
	size_t	 i;

	for (i = 0; i < narts; i++)
		if (arts[i].item == item)
			return &arts[i];
	return NULL;
}

/*
 * Replays the set into a new database at `path` with the topics of the
 * pack and one plugin; fills each article's story; counts the alerts per
 * (true story, topic) pair.  -1 on error.
 */
static int
store_replay(const char *path, const char *pack, enum store_alert_per per,
    struct alertfig *af)
{
	struct config		*conf = NULL;
	struct store		*st = NULL;
	struct store_topics	*ts = NULL;
	struct store_topic	*tv = NULL;
	struct store_story_conf	 sc = { 0, 0, per };
	struct store_alert	*al = NULL;
	struct store_alerts_filter af_filter = { -1, "eval", NULL, 0 };
	struct store_entry	*ent = NULL;
	char			*err = NULL, *cpath, **terms = NULL;
	const char *const	 plugins[] = { "eval" };
	size_t			 i, j, k, n = 0, nal = 0, cnt;
	int64_t			 feed, story;
	int			 ret = -1;
	FILE			*f;

	cpath = xasprintf("%s.conf", path);
	if ((f = fopen(cpath, "w")) == NULL) {
		perror(cpath);
		goto done;
	}
	fprintf(f, "[herald]\ndatabase = %s\ninclude = %s\n", path, pack);
	fclose(f);
	if (config_load(cpath, &conf, &err) == -1)
		goto fail;
	if ((st = store_open(path, STORE_RDWR | STORE_NOCHECK, &err)) == NULL)
		goto fail;
	store_stories_configure(st, &sc);
	tv = xcalloc(conf->ntopics + 1, sizeof(*tv));
	for (i = 0; i < conf->ntopics; i++) {
		tv[i].name = conf->topics[i].name;
		tv[i].match = conf->topics[i].match;
		tv[i].exclude = conf->topics[i].exclude;
		tv[i].plugins = plugins;
		tv[i].nplugins = 1;
	}
	if ((ts = store_topics_new(st, tv, conf->ntopics, &err)) == NULL)
		goto fail;
	for (i = 0; i < narts; i++) {
		struct art		*a = &arts[i];
		struct store_item	 it;
		enum store_upsert_result res;

		memset(&it, 0, sizeof(it));
		it.guid = a->id;
		it.link = a->link;
		it.title = a->title;
		it.summary = a->summary;
		it.lang = a->nolang ? NULL : a->lang;
		it.published = a->at;
		it.has_published = 1;
		/* fetched a few minutes after it was published */
		store_set_now(st, a->at + 600);
		if (store_feed_ensure(st, a->feed, "file:///dev/null", NULL, 1,
		    &feed, &err) == -1 || store_begin(st, &err) == -1 ||
		    store_item_upsert(st, feed, &it, &res, &a->item,
		    &err) == -1 ||
		    (res == STORE_NEW && store_topics_match(st, ts, feed,
		    &a->item, 1, NULL, &err) == -1) ||
		    store_commit(st, &err) == -1)
			goto fail;
	}
	/* read once all arrived: a later article may merge two stories */
	for (i = 0; i < narts; i++) {
		if (store_item_story(st, arts[i].item, &story, &err) == -1)
			goto fail;
		arts[i].got = story;
		if (story > (int64_t)nstories)
			nstories = (size_t)story;
	}
	/* every (true story, topic) pair some article of it matched */
	memset(af, 0, sizeof(*af));
	if (store_alerts_list(st, &af_filter, &al, &nal, &err) == -1)
		goto fail;
	af->alerts = nal;
	for (k = 0; k < conf->ntopics; k++) {
		const char	*topic = conf->topics[k].name;
		char		**seen = NULL;
		size_t		 nseen = 0, s2;

		if (store_topic_entries(st, topic, 0, 0, &ent, &terms, &n,
		    &err) == -1)
			goto fail;
		for (i = 0; i < n; i++) {
			struct art *a = art_of_item(ent[i].id);

			if (a == NULL)
				continue;
			for (s2 = 0; s2 < nseen && strcmp(seen[s2],
			    a->story) != 0; s2++)
				;
			if (s2 < nseen)
				continue;
			seen = xrealloc(seen, (nseen + 1) * sizeof(*seen));
			seen[nseen++] = a->story;
			for (j = 0, cnt = 0; j < nal; j++) {
				struct art *b = art_of_item(al[j].item_id);

				cnt += b != NULL && strcmp(al[j].topic,
				    topic) == 0 && strcmp(b->story,
				    a->story) == 0;
			}
			af->pairs++;
			af->once += cnt == 1;
			if (cnt != 1 && af_verbose) {
				/* why: the stories the alerts' articles are in
				   at the end (two: a split; one: merged after
				   both alerted) */
				printf("  %s: %s alerted %zu times:", topic,
				    a->story, cnt);
				for (j = 0; j < nal; j++) {
					struct art *b = art_of_item(
					    al[j].item_id);
					int64_t	 got;

					if (b == NULL || strcmp(al[j].topic,
					    topic) != 0 || strcmp(b->story,
					    a->story) != 0)
						continue;
					if (store_item_story(st, b->item, &got,
					    &err) == -1)
						goto fail;
					printf(" %s@%lld", b->id,
					    (long long)got);
				}
				printf("\n");
			}
		}
		free(seen);
		for (i = 0; i < n; i++)
			free(terms[i]);
		free(terms);
		store_entries_free(ent, n);
		ent = NULL;
	}
	ret = 0;
	goto done;
fail:
	fprintf(stderr, "story-eval: %s\n", err != NULL ? err : "error");
done:
	free(err);
	store_alerts_free(al, nal);
	store_topics_free(ts);
	free(tv);
	store_close(st);
	config_free(conf);
	unlink(cpath);
	free(cpath);
	return ret;
}

int
main(int argc, char **argv)
{
	struct story_ctx	*ctx;
	struct story_params	 p;
	struct story_window	 win = { STORY_WINDOW_DEFAULT,
				     STORY_OPEN_DEFAULT };
	struct story_index	 ix = { mem_postings, mem_load, NULL, mem_lead };
	struct story_decision	 dec;
	struct figures		 f;
	uint64_t		 keys[STORY_INDEX_KEYS];
	size_t			 i, j, k, nk;
	int			 c, verbose = 0, misses = 0, dump = 0, pairs = 0;
	const char		*pack = NULL;
	struct alertfig		 af_story, af_article;

	story_params_default(&p);

	while ((c = getopt(argc, argv, "dpvms:t:k:x:j:f:l:r:")) != -1)
		switch (c) {
		case 's':
			pack = optarg;
			break;
		case 'j':
			p.text_keys_min = atof(optarg);
			break;
		case 'f':
			p.same_feed_text = atof(optarg);
			break;
		case 'l':
			p.lead_min = atof(optarg);
			break;
		case 'r':
			p.cross_rest = atof(optarg);
			break;
		case 'p':
			pairs = 1;
			break;
		case 'd':
			dump = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'm':
			misses = 1;
			break;
		case 't':
			p.text_min = atof(optarg);
			break;
		case 'k':
			p.other_subject_text = atof(optarg);
			break;
		case 'x':
			p.keys_min = atof(optarg);
			break;
		default:
			fprintf(stderr, "usage: story-eval [-dmpv] [-s PACK] "
			    "[-t text] [-j floor] [-k other] [-x keys] "
			    "[-l lead] [-r rest] FILE.jsonl\n");
			return 2;
		}
	if (optind + 1 != argc || load(argv[optind]) == -1)
		return 2;
	qsort(arts, narts, sizeof(*arts), cmp_at);
	if (pack != NULL) {
		char	 dir[] = "/tmp/story-eval.XXXXXX", *db;
		int	 rc;

		if (mkdtemp(dir) == NULL || (pack = realpath(pack, NULL)) == NULL) {
			perror("story-eval");
			return 1;
		}
		/* what alerting per article would send, then per story */
		db = xasprintf("%s/article.db", dir);
		rc = store_replay(db, pack, STORE_ALERT_PER_ARTICLE,
		    &af_article);
		af_verbose = verbose;
		free(db);
		nstories = 0;
		db = xasprintf("%s/story.db", dir);
		if (rc == 0)
			rc = store_replay(db, pack, STORE_ALERT_PER_STORY,
			    &af_story);
		unlink(db);
		free(db);
		db = xasprintf("%s/article.db", dir);
		unlink(db);
		free(db);
		rmdir(dir);
		if (rc == -1)
			return 1;
		figures(&f);
		printf("%s: %zu articles, %zu stories made (through the store)\n",
		    argv[optind], narts, nstories);
		printf("pairwise precision     %.3f  (%zu of %zu pairs put "
		    "together)\n", ratio(f.together_right, f.together),
		    f.together_right, f.together);
		printf("same-language recall   %.3f  (%zu of %zu pairs)\n",
		    ratio(f.same_found, f.same_pairs), f.same_found,
		    f.same_pairs);
		printf("cross-language recall  %.3f  (%zu of %zu pairs)\n",
		    ratio(f.cross_found, f.cross_pairs), f.cross_found,
		    f.cross_pairs);
		printf("alerted once           %.3f  (%zu of %zu (story, topic) "
		    "pairs; %zu alerts)\n", ratio(af_story.once, af_story.pairs),
		    af_story.once, af_story.pairs, af_story.alerts);
		printf("  per article          %.3f  (%zu of %zu pairs; %zu "
		    "alerts)\n", ratio(af_article.once, af_article.pairs),
		    af_article.once, af_article.pairs, af_article.alerts);
		return 0;
	}
	ctx = story_ctx_new();
	story_first = xcalloc(narts + 2, sizeof(*story_first));
	for (i = 0; i < narts; i++) {
		struct art		*a = &arts[i];
		struct story_input	 in = { a->title, a->summary,
					     a->nolang ? NULL : a->lang, a->link,
					     a->at };

		story_doc_build(ctx, &in, &a->doc);
		if (dump) {
			const char	*kc = kinds;

			printf("%s %s %s:", a->id, a->story, a->doc.lang);
			for (k = 0; k < a->doc.nkeys; k++)
				printf(" %c:%s/%.1f", kc[a->doc.keys[k].kind],
				    a->doc.labels[k], a->doc.keys[k].weight);
			printf("\n");
		}
		if (story_assign(&p, &win, &ix, &a->doc, a->at,
		    feed_id(a->feed), &dec) == -1)
			return 1;
		if (dec.story == 0) {
			a->got = (int64_t)++nstories;
			story_first[a->got] = a->at;
			a->why = xstrdup("new");
		} else {
			a->got = dec.story;
			a->matched = dec.item;
			a->why = story_match_explain(&a->doc, &dec.match);
			for (k = 0; k < dec.nmerge; k++) {
				size_t	 q;

				for (q = 0; q < narts; q++)
					if (arts[q].got == dec.merge[k])
						arts[q].got = dec.story;
				if (story_first[dec.merge[k]] <
				    story_first[dec.story])
					story_first[dec.story] =
					    story_first[dec.merge[k]];
			}
		}
		a->packed = story_doc_pack(&a->doc, &a->packlen);
		nk = story_doc_index_keys(&a->doc, keys, STORY_INDEX_KEYS);
		for (k = 0; k < nk; k++) {
			if (nposts == capposts) {
				capposts = capposts ? 2 * capposts : 1024;
				posts = xrealloc(posts, capposts * sizeof(*posts));
			}
			posts[nposts].key = keys[k];
			posts[nposts].item = (int64_t)i + 1;
			posts[nposts].at = a->at;
			nposts++;
		}
		if (a->nolang && a->doc.guessed &&
		    strcmp(a->doc.lang, a->lang) != 0)
			fprintf(stderr, "%s: guessed %s, is %s\n", a->id,
			    a->doc.lang, a->lang);
	}
	figures(&f);
	printf("%s: %zu articles, %zu stories made\n", argv[optind], narts,
	    nstories);
	printf("pairwise precision     %.3f  (%zu of %zu pairs put together)\n",
	    ratio(f.together_right, f.together), f.together_right, f.together);
	printf("same-language recall   %.3f  (%zu of %zu pairs)\n",
	    ratio(f.same_found, f.same_pairs), f.same_found, f.same_pairs);
	printf("cross-language recall  %.3f  (%zu of %zu pairs)\n",
	    ratio(f.cross_found, f.cross_pairs), f.cross_found, f.cross_pairs);
	if (verbose)
		for (k = 1; k <= nstories; k++) {
			printf("\nstory %zu\n", k);
			for (i = 0; i < narts; i++)
				if (arts[i].got == (int64_t)k)
					printf("  %-4s %-22s %-2s %.60s\n    %s\n",
					    arts[i].id, arts[i].story,
					    arts[i].lang, arts[i].title,
					    arts[i].why);
		}
	if (misses) {
		struct story_match	 m;
		struct story_doc	 d;

		printf("\nwrongly together:\n");
		for (i = 0; i < narts; i++)
			if (arts[i].matched != 0 && strcmp(arts[i].story,
			    arts[arts[i].matched - 1].story) != 0)
				printf("  %s (%s) -> %s (%s): %s\n", arts[i].id,
				    arts[i].story, arts[arts[i].matched - 1].id,
				    arts[arts[i].matched - 1].story,
				    arts[i].why);
		printf("\nmissed (same story, apart), best pair:\n");
		for (i = 0; i < narts; i++)
			for (j = 0; j < i; j++) {
				if (strcmp(arts[i].story, arts[j].story) != 0 ||
				    arts[i].got == arts[j].got)
					continue;
				story_doc_unpack(arts[j].packed,
				    arts[j].packlen, &d);
				story_compare_apart(&p, &arts[i].doc, &d,
				    arts[i].at - arts[j].at, &m);
				{
					char *w = story_match_explain(
					    &arts[i].doc, &m);

					printf("  %s %s %s <> %s %s: %s%s\n",
					    arts[i].story, arts[i].id,
					    arts[i].lang, arts[j].id,
					    arts[j].lang, w,
					    m.conflict ? " CONFLICT" : "");
					free(w);
				}
				story_doc_clear(&d);
			}
	}
	if (pairs) {
		struct story_match	 m;
		struct story_doc	 d;

		/* every pair in one window, as the later article saw it */
		for (i = 0; i < narts; i++)
			for (j = 0; j < i; j++) {
				if (arts[i].at - arts[j].at > win.window)
					continue;
				story_doc_unpack(arts[j].packed,
				    arts[j].packlen, &d);
				story_compare_apart(&p, &arts[i].doc, &d,
				    arts[i].at - arts[j].at, &m);
				char	*why = story_match_explain(
					    &arts[i].doc, &m);

				printf("PAIR %d %d %.3f %.3f %d %d %d %s %s %s %s"
				    " %.3f %.3f %.3f %d %d %.1f %s\n",
				    strcmp(arts[i].story, arts[j].story) == 0,
				    m.same_lang, m.text, m.keys, m.strong,
				    m.conflict, strcmp(arts[i].feed,
				    arts[j].feed) == 0, arts[i].id, arts[j].id,
				    arts[i].story, arts[j].story, m.title,
				    m.contain, m.terms, m.nterms, m.nphrases,
				    (double)(arts[i].at - arts[j].at) / 3600,
				    why);
				free(why);
				/* the language-free keys shared, kind:label:
				   weight:family */
				printf("KINDS");
				for (k = 0; k < m.nshared; k++) {
					const struct story_key *sk =
					    &arts[i].doc.keys[m.shared[k]];

					if (sk->kind == STORY_TERM)
						continue;
					printf(" %c:%s:%.2f:%x", kinds[sk->kind],
					    arts[i].doc.labels[m.shared[k]],
					    sk->weight, sk->family);
				}
				printf("\n");
				story_doc_clear(&d);
			}
	}
	story_ctx_free(ctx);
	return 0;
}
