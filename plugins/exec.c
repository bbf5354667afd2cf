/*
 * exec.c: herald's exec plugin: runs a command for each delivery (or for
 * each alert of a batch) through /bin/sh -c, with the alert in HERALD_*
 * environment variables and as JSON on standard input.  The host runs it
 * in its own process group and kills the group at the timeout.  Exit 0 is
 * success; 64-78 but 75 (sysexits' permanent errors), 126 and 127 are
 * failures; anything else (1, 75 EX_TEMPFAIL, a signal, the timeout) is
 * retried later.  A digest runs the command once with the digest on
 * standard input (digest-format: text, markdown, html or json) and its
 * name, key, period and subject in HERALD_DIGEST* variables;
 * HERALD_EVENT says "alert" or "digest".
 *
 *   [plugin "notify"]
 *   path = exec
 *   command = notify-send "herald: $HERALD_TOPIC" "$HERALD_TITLE"
 *   timeout = 30s
 *   per = batch            # or alert: one run per alert of a batch
 *   digest-format = text   # markdown, html, json
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define EXEC_TIMEOUT	30.
#define EXEC_ENV_MAX	4096	/* bytes of one variable's value */

struct exec {
	struct herald_ctx		*ctx;
	const struct herald_host	*host;
	char				*command;
	double				 timeout;
	int				 per_alert;
	int				 digest_format;	/* enum digest_fmt */
	struct run			*runs;	/* in flight */
	struct drun			*druns;	/* digests in flight */
};

enum digest_fmt {
	DF_TEXT,
	DF_MARKDOWN,
	DF_HTML,
	DF_JSON,
};

/* One delivery: one child, or one after another with per = alert. */
struct run {
	struct run			*next, *prev;
	struct exec			*x;
	struct herald_completion	*c;
	struct herald_delivery		 d;	/* a deep copy */
	struct herald_alert		*alerts;
	struct herald_alert_story	*stories;
	const struct herald_alert_story	**storyp;
	char				**strs;
	size_t				 nstrs;
	size_t				 at;	/* per alert: the one running */
};

static int
exec_init(struct herald_ctx *ctx, const struct herald_host *host,
    const char *name, const struct herald_option *opts, size_t n,
    void **state)
{
	static const char *const known[] = { "command", "timeout", "per",
	    "digest-format", NULL };
	static const char *const fmts[] = { "text", "markdown", "html",
	    "json", NULL };
	struct exec	*x = ccalloc(1, sizeof(*x));
	size_t		 i;
	int		 rc = opt_check_known(ctx, host, opts, n, known);

	x->ctx = ctx;
	x->host = host;
	x->timeout = EXEC_TIMEOUT;
	for (i = 0; i < n; i++) {
		const struct herald_option	*o = &opts[i];

		if (strcmp(o->key, "command") == 0) {
			if (*o->value == '\0') {
				host->error(ctx, o, "an empty command");
				rc = -1;
			}
			free(x->command);
			x->command = cstrdup(o->value);
		} else if (strcmp(o->key, "timeout") == 0) {
			if (opt_duration(ctx, host, o, 0.1, 600, &x->timeout)
			    == -1)
				rc = -1;
		} else if (strcmp(o->key, "per") == 0) {
			if (strcmp(o->value, "alert") == 0)
				x->per_alert = 1;
			else if (strcmp(o->value, "batch") == 0)
				x->per_alert = 0;
			else {
				host->error(ctx, o, "\"%s\": alert or batch",
				    o->value);
				rc = -1;
			}
		} else if (strcmp(o->key, "digest-format") == 0) {
			size_t	 k;

			for (k = 0; fmts[k] != NULL; k++)
				if (strcmp(o->value, fmts[k]) == 0 ||
				    (k == DF_MARKDOWN && strcmp(o->value,
				    "md") == 0))
					break;
			if (fmts[k] == NULL) {
				host->error(ctx, o, "\"%s\": text, markdown, "
				    "html or json", o->value);
				rc = -1;
			} else
				x->digest_format = (int)k;
		}
	}
	if (rc == 0 && x->command == NULL) {
		host->error(ctx, NULL, "command is required");
		rc = -1;
	}
	if (rc == -1) {
		free(x->command);
		free(x);
		return -1;
	}
	*state = x;
	return 0;
}

static const char *
keep(struct run *r, char *s)
{
	r->strs[r->nstrs++] = s;
	return s;
}

static const char *
dup(struct run *r, const char *s)
{
	return s != NULL ? keep(r, cstrdup(s)) : NULL;
}

/* A copy of a list of strings, kept with the run. */
static const char *const *
dupv(struct run *r, const char *const *v, size_t n)
{
	const char	**w = ccalloc(n + 1, sizeof(*w));
	size_t		 k;

	for (k = 0; k < n; k++)
		w[k] = dup(r, v[k]);
	keep(r, (char *)w);
	return w;
}

/* Copies the delivery: the host's is borrowed for on_alert() only. */
static void
run_copy(struct run *r, const struct herald_delivery *d)
{
	const struct herald_alert_story	*s;
	size_t				 i, nstr = 2;

	for (i = 0; i < d->nalerts; i++) {
		nstr += 9 + d->alerts[i].nterms + 1;
		if ((s = alert_story(d, i)) != NULL)
			nstr += s->noutlets + s->nlanguages + 2;
	}
	r->strs = ccalloc(nstr, sizeof(*r->strs));
	r->alerts = ccalloc(d->nalerts, sizeof(*r->alerts));
	r->d = *d;
	r->d.alerts = r->alerts;
	if (d->stories != NULL) {
		r->stories = ccalloc(d->nalerts, sizeof(*r->stories));
		r->storyp = ccalloc(d->nalerts, sizeof(*r->storyp));
		r->d.stories = r->storyp;
		for (i = 0; i < d->nalerts; i++) {
			if ((s = alert_story(d, i)) != NULL) {
				r->stories[i] = *s;
				r->stories[i].outlets = dupv(r, s->outlets,
				    s->noutlets);
				r->stories[i].languages = dupv(r,
				    s->languages, s->nlanguages);
			}
			r->storyp[i] = &r->stories[i];
		}
	}
	r->d.plugin = dup(r, d->plugin);
	for (i = 0; i < d->nalerts; i++) {
		const struct herald_alert	*a = &d->alerts[i];
		struct herald_alert		*b = &r->alerts[i];

		*b = *a;
		b->key = dup(r, a->key);
		b->topic = dup(r, a->topic);
		b->field = dup(r, a->field);
		b->snippet = dup(r, a->snippet);
		b->title = dup(r, a->title);
		b->link = dup(r, a->link);
		b->summary = dup(r, a->summary);
		b->feed = dup(r, a->feed);
		b->terms = dupv(r, a->terms, a->nterms);
	}
}

static void
run_free(struct run *r)
{
	size_t	 i;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		r->x->runs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	for (i = 0; i < r->nstrs; i++)
		free(r->strs[i]);
	free(r->strs);
	free(r->alerts);
	free(r->stories);
	free(r->storyp);
	free(r);
}

static char *
env_var(const char *name, const char *v)
{
	/* long values are cut, between characters: the whole alert is on
	   stdin */
	v = v != NULL ? v : "";
	return casprintf("%s=%.*s", name, (int)utf8_prefix(v, EXEC_ENV_MAX),
	    v);
}

/* NAME=a, b, c */
static char *
env_list(const char *name, const char *const *v, size_t n)
{
	struct sbuf	 b;
	char		*e;
	size_t		 i;

	sbuf_init(&b);
	for (i = 0; i < n; i++)
		sbuf_printf(&b, "%s%s", i ? ", " : "", v[i]);
	e = env_var(name, b.s);
	sbuf_free(&b);
	return e;
}

static void	run_next(struct run *);

/* The command through /bin/sh -c, with `input` on its stdin. */
static void
command_start(struct exec *x, char **env, const char *input,
    herald_child_cb cb, void *arg)
{
	struct herald_spawn	 sp;
	const char		*argv[4];

	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = x->command;
	argv[3] = NULL;
	memset(&sp, 0, sizeof(sp));
	sp.argv = argv;
	sp.env = (const char *const *)env;
	sp.input = input;
	sp.input_len = strlen(input);
	sp.timeout = x->timeout;
	sp.max_output = 4096;
	x->host->spawn(x->ctx, &sp, cb, arg);
}

static void
run_done(void *arg, const struct herald_child_result *res)
{
	struct run		*r = arg;
	struct exec		*x = r->x;
	enum herald_outcome	 o;
	char			*msg = NULL;

	o = child_outcome(res, "command", &msg);
	if (o == HERALD_OK && x->per_alert && r->at + 1 < r->d.nalerts) {
		r->at++;
		run_next(r);
		return;
	}
	x->host->complete(r->c, o, 0, msg);
	free(msg);
	run_free(r);
}

/* Starts the child for the whole delivery, or for alert r->at. */
static void
run_next(struct run *r)
{
	struct exec		*x = r->x;
	struct herald_delivery	 one = r->d;
	const struct herald_delivery *d = &r->d;
	char			*env[28], *json, *terms, *keys;
	char			 t1[32], t2[32];
	const struct herald_alert *a;
	const struct herald_alert_story *s;
	size_t			 ne = 0, i, k;

	if (x->per_alert) {
		one.alerts = &r->d.alerts[r->at];
		one.nalerts = 1;
		if (r->d.stories != NULL)
			one.stories = &r->d.stories[r->at];
		d = &one;
	}
	a = &d->alerts[0];
	s = alert_story(d, 0);
	json = delivery_json(d);
	keys = delivery_keys(d, " ");
	{
		struct sbuf	 b;

		sbuf_init(&b);
		for (k = 0; k < a->nterms; k++)
			sbuf_printf(&b, "%s%s", k ? ", " : "", a->terms[k]);
		terms = b.s;
	}
	env[ne++] = env_var("HERALD_EVENT", "alert");
	env[ne++] = env_var("HERALD_PLUGIN", d->plugin);
	env[ne++] = casprintf("HERALD_ATTEMPT=%u", d->attempt);
	env[ne++] = casprintf("HERALD_COUNT=%zu", d->nalerts);
	env[ne++] = env_var("HERALD_ALERT_IDS", keys);
	/* the first (or only) alert, so a simple command needs no JSON */
	env[ne++] = env_var("HERALD_ALERT_ID", a->key);
	env[ne++] = env_var("HERALD_TOPIC", a->topic);
	env[ne++] = env_var("HERALD_TERMS", terms);
	env[ne++] = env_var("HERALD_FIELD", a->field);
	env[ne++] = env_var("HERALD_TITLE", a->title);
	env[ne++] = env_var("HERALD_LINK", a->link);
	env[ne++] = env_var("HERALD_SNIPPET", a->snippet);
	env[ne++] = env_var("HERALD_SUMMARY", a->summary);
	env[ne++] = env_var("HERALD_FEED", a->feed);
	env[ne++] = env_var("HERALD_PUBLISHED", iso_time(a->published, t1,
	    sizeof(t1)));
	env[ne++] = env_var("HERALD_MATCHED", iso_time(a->matched, t2,
	    sizeof(t2)));
	/* its story (ABI 1.2): empty when the daemon gives none */
	env[ne++] = casprintf("HERALD_BREAKING=%d", s != NULL && s->breaking);
	env[ne++] = s != NULL && s->id != 0 ?
	    casprintf("HERALD_STORY_ID=%lld", (long long)s->id) :
	    cstrdup("HERALD_STORY_ID=");
	env[ne++] = s != NULL && s->id != 0 ?
	    casprintf("HERALD_STORY_SIZE=%lld", (long long)s->size) :
	    cstrdup("HERALD_STORY_SIZE=");
	env[ne++] = env_list("HERALD_STORY_OUTLETS", s != NULL ? s->outlets :
	    NULL, s != NULL ? s->noutlets : 0);
	env[ne++] = env_list("HERALD_STORY_LANGUAGES", s != NULL ?
	    s->languages : NULL, s != NULL ? s->nlanguages : 0);
	env[ne] = NULL;
	command_start(x, env, json, run_done, r);
	for (i = 0; i < ne; i++)
		free(env[i]);
	free(json);
	free(keys);
	free(terms);
}

static void
exec_alert(void *state, const struct herald_delivery *d,
    struct herald_completion *c)
{
	struct exec		*x = state;
	struct run		*r = ccalloc(1, sizeof(*r));
	struct herald_delivery	 dd;

	r->x = x;
	r->c = c;
	delivery_adopt(x->host, d, &dd);
	run_copy(r, &dd);
	r->next = x->runs;
	if (x->runs != NULL)
		x->runs->prev = r;
	x->runs = r;
	run_next(r);
}

/* A digest: one run, with the digest on stdin. */
struct drun {
	struct drun			*next, *prev;
	struct exec			*x;
	struct herald_completion	*c;
};

static void
drun_free(struct drun *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		r->x->druns = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	free(r);
}

static void
drun_done(void *arg, const struct herald_child_result *res)
{
	struct drun		*r = arg;
	enum herald_outcome	 o;
	char			*msg = NULL;

	o = child_outcome(res, "command", &msg);
	r->x->host->complete(r->c, o, 0, msg);
	free(msg);
	drun_free(r);
}

static void
exec_digest(void *state, const struct herald_digest *d,
    struct herald_completion *c)
{
	struct exec		*x = state;
	struct drun		*r = ccalloc(1, sizeof(*r));
	const char		*body;
	char			*env[12], t1[32], t2[32];
	size_t			 ne = 0, i;

	r->x = x;
	r->c = c;
	r->next = x->druns;
	if (x->druns != NULL)
		x->druns->prev = r;
	x->druns = r;
	body = x->digest_format == DF_MARKDOWN ? d->markdown :
	    x->digest_format == DF_HTML ? d->html :
	    x->digest_format == DF_JSON ? d->json : d->text;
	env[ne++] = env_var("HERALD_EVENT", "digest");
	env[ne++] = env_var("HERALD_PLUGIN", d->plugin);
	env[ne++] = casprintf("HERALD_ATTEMPT=%u", d->attempt);
	env[ne++] = env_var("HERALD_DIGEST", d->name);
	env[ne++] = env_var("HERALD_DIGEST_KEY", d->key);
	env[ne++] = env_var("HERALD_DIGEST_SINCE", iso_time(d->since, t1,
	    sizeof(t1)));
	env[ne++] = env_var("HERALD_DIGEST_UNTIL", iso_time(d->until, t2,
	    sizeof(t2)));
	env[ne++] = env_var("HERALD_SUBJECT", d->subject);
	env[ne++] = casprintf("HERALD_COUNT=%zu", d->nstories);
	env[ne] = NULL;
	command_start(x, env, body, drun_done, r);
	for (i = 0; i < ne; i++)
		free(env[i]);
}

static void
exec_fini(void *state)
{
	struct exec	*x = state;

	/* the host kills the children still running */
	while (x->runs != NULL)
		run_free(x->runs);
	while (x->druns != NULL)
		drun_free(x->druns);
	free(x->command);
	free(x);
}

static const struct herald_plugin exec_plugin = {
	.abi = HERALD_PLUGIN_ABI,
	.size = sizeof(struct herald_plugin),
	.name = "exec",
	.version = PACKAGE_VERSION,
	.init = exec_init,
	.on_alert = exec_alert,
	.fini = exec_fini,
	.on_digest = exec_digest,
};

const struct herald_plugin *
herald_plugin_entry(void)
{
	return &exec_plugin;
}
