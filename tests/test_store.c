/*
 * test_store.c: the store (schema, refusal of newer or damaged files,
 * dedup, updates, the search index, pruning, the CLI reads) and
 * url_canonical, on databases in a temporary directory.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"
#include "url.h"
#include "util.h"

#define T0	1700000000	/* a fixed "now" */
#define DAY	86400

static char	 tmpdir[] = "/tmp/test_store.XXXXXX";
static int	 dbseq;

/* A fresh database path in the temporary directory (caller frees). */
static char *
db_path(void)
{
	return xasprintf("%s/db%d.sqlite", tmpdir, ++dbseq);
}

static struct store *
open_rw(const char *path)
{
	struct store	*s;
	char		*err = NULL;

	s = store_open(path, STORE_RDWR, &err);
	if (s == NULL)
		fail_msg("store_open %s: %s", path, err);
	store_set_now(s, T0);
	return s;
}

/* A new database, opened read-write. */
static struct store *
open_new(void)
{
	struct store	*s;
	char		*path = db_path();

	s = open_rw(path);
	free(path);
	return s;
}

static int64_t
feed(struct store *s, const char *name)
{
	int64_t	 id = 0;
	char	*err = NULL, *url;

	url = xasprintf("https://%s.example/feed", name);
	if (store_feed_ensure(s, name, url, NULL, 1, &id, &err) == -1)
		fail_msg("feed_ensure: %s", err);
	free(url);
	return id;
}

static enum store_upsert_result
upsert(struct store *s, int64_t feed_id, const struct store_item *it,
    int64_t *id)
{
	enum store_upsert_result	 res = -1;
	char				*err = NULL;

	if (store_item_upsert(s, feed_id, it, &res, id, &err) == -1)
		fail_msg("upsert: %s", err);
	return res;
}

static void
begin(struct store *s)
{
	char	*err = NULL;

	if (store_begin(s, &err) == -1)
		fail_msg("begin: %s", err);
}

static void
commit(struct store *s)
{
	char	*err = NULL;

	if (store_commit(s, &err) == -1)
		fail_msg("commit: %s", err);
}

/* Number of items stored (every stored item is carried by some feed). */
static size_t
count_items(struct store *s)
{
	struct store_entry	*v;
	size_t			 n;
	char			*err = NULL;

	if (store_digest(s, 0, 0, &v, &n, &err) == -1)
		fail_msg("digest: %s", err);
	store_entries_free(v, n);
	return n;
}

static size_t
count_hits(struct store *s, const char *query)
{
	struct store_search	 q = { .query = query };
	struct store_entry	*v;
	size_t			 n;
	char			*err = NULL;

	if (store_search(s, &q, &v, &n, &err) == -1)
		fail_msg("search %s: %s", query, err);
	store_entries_free(v, n);
	return n;
}

static void
complete_fetch(struct store *s, int64_t feed_id, int64_t when)
{
	struct store_fetch	 fx = { .fetched = when, .ok = 1,
				    .status = 200, .complete = 1 };
	char			*err = NULL;

	if (store_feed_update(s, feed_id, &fx, &err) == -1)
		fail_msg("feed_update: %s", err);
}

static void
read_file(const char *path, char **data, size_t *len)
{
	FILE	*fp;
	long	 n;

	assert_non_null(fp = fopen(path, "rb"));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	*data = xmalloc(n + 1);
	assert_int_equal(fread(*data, 1, n, fp), (size_t)n);
	(*data)[n] = '\0';
	fclose(fp);
	*len = n;
}

/* XORs `len` bytes at `off` with 0xff. */
static void
flip_bytes(const char *path, off_t off, size_t len)
{
	unsigned char	 b[256];
	size_t		 i;
	int		 fd;

	assert_true(len <= sizeof(b));
	assert_true((fd = open(path, O_RDWR)) != -1);
	assert_int_equal(pread(fd, b, len, off), (ssize_t)len);
	for (i = 0; i < len; i++)
		b[i] ^= 0xff;
	assert_int_equal(pwrite(fd, b, len, off), (ssize_t)len);
	close(fd);
}

/* Writes a big-endian 32-bit value at `off`. */
static void
poke_be32(const char *path, off_t off, uint32_t v)
{
	unsigned char	 b[4] = { v >> 24, v >> 16, v >> 8, v };
	int		 fd;

	assert_true((fd = open(path, O_RDWR)) != -1);
	assert_int_equal(pwrite(fd, b, 4, off), 4);
	close(fd);
}

/* A database with one feed and a few items, closed (WAL folded in). */
static char *
make_db(int nitems)
{
	struct store		*s;
	struct store_item	 it = { 0 };
	char			*path = db_path(), guid[32], title[64];
	int64_t			 f;
	int			 i;

	s = open_rw(path);
	f = feed(s, "one");
	begin(s);
	for (i = 0; i < nitems; i++) {
		snprintf(guid, sizeof(guid), "g%d", i);
		snprintf(title, sizeof(title), "Title number %d", i);
		it.guid = guid;
		it.title = title;
		it.summary = "Some words to fill a page of the index.";
		upsert(s, f, &it, NULL);
	}
	commit(s);
	store_close(s);
	return path;
}

/* url_canonical */

static const struct {
	const char	*in;
	const char	*want;		/* NULL: refused */
} url_cases[] = {
	{ "HTTP://Example.COM/a", "http://example.com/a" },
	{ "https://example.com:443/a", "https://example.com/a" },
	{ "http://example.com:80/", "http://example.com/" },
	{ "https://example.com:8443/a", "https://example.com:8443/a" },
	{ "https://example.com/a#section", "https://example.com/a" },
	{ "https://example.com/a?utm_source=rss&utm_medium=feed",
	  "https://example.com/a" },
	{ "https://example.com/a?id=5&utm_campaign=x&page=2",
	  "https://example.com/a?id=5&page=2" },
	{ "https://example.com/a?fbclid=abc", "https://example.com/a" },
	{ "https://example.com/a?gclid=1&dclid=2&msclkid=3",
	  "https://example.com/a" },
	{ "https://example.com/a?mc_cid=1&mc_eid=2&x=y",
	  "https://example.com/a?x=y" },
	{ "https://example.com/a?_ga=2.1&yclid=3&igshid=4",
	  "https://example.com/a" },
	{ "https://example.com/a?", "https://example.com/a" },
	{ "https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2" },
	{ "https://example.com/a?id=7&utm_source=x&lang=fr&id=3#top",
	  "https://example.com/a?id=7&id=3&lang=fr" },
	{ "https://example.com/a?ab=1&a=2&a-b=3", "https://example.com/a?a=2&a-b=3&ab=1" },
	{ "https://example.com/a?UTM_Source=x&q=1",
	  "https://example.com/a?q=1" },
	{ "https://example.com/a/../b/./c", "https://example.com/b/c" },
	{ "https://example.com", "https://example.com/" },
	{ "  https://example.com/a \n", "https://example.com/a" },
	{ "/relative/path", NULL },
	{ "example.com/a", NULL },
	{ "mailto:someone@example.com", NULL },
	{ "tag:example.com,2024:1", NULL },
	{ "", NULL },
	{ "https://example.com/%7euser/%C3%A9",
	  "https://example.com/~user/%c3%a9" },
	{ "https://example.com/a?q=%41%2F", "https://example.com/a?q=A%2f" },
	{ "https://example.com/caf%C3%A9", "https://example.com/caf%c3%a9" },
	{ "https://www.lemonde.fr/x.html?xtor=RSS-3208",
	  "https://www.lemonde.fr/x.html" },
	{ "https://example.com/a?x=1&&y=2", "https://example.com/a?x=1&y=2" },
	{ "https://example.com/a?utm_source=x#frag", "https://example.com/a" },
	{ "http://[::1]:80/feed", "http://[::1]/feed" },
	{ "https://Example.com/Path/Case", "https://example.com/Path/Case" },
	{ "https://example.com/a?ref=home", "https://example.com/a?ref=home" },
	{ "https://example.com/a?utm_source", "https://example.com/a" },
	{ "https://example.com/a b", "https://example.com/a%20b" },
	{ "https://news.bbc.example/x?ns_campaign=a&ns_source=b&id=1",
	  "https://news.bbc.example/x?id=1" },
	{ "HTTPS://EXAMPLE.COM:443/A?B=C#D", "https://example.com/A?B=C" },
	{ "https://example.com/a?utm_source=x&fbclid=y&",
	  "https://example.com/a" },
	{ "https://user@Example.com/", "https://user@example.com/" },
	{ "ftp://Example.com:21/x", "ftp://example.com/x" },
	{ "https://example.com/a?utm%5Fsource=x&k=v",
	  "https://example.com/a?k=v" },
	{ "https://example.com/a?page=1#utm_source=x",
	  "https://example.com/a?page=1" },
};

static void
test_url_canonical(void **state)
{
	size_t	 i, bad = 0;
	char	*got;

	for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		got = url_canonical(url_cases[i].in);
		if ((got == NULL) != (url_cases[i].want == NULL) ||
		    (got != NULL && strcmp(got, url_cases[i].want) != 0)) {
			print_error("url_canonical(\"%s\") = %s, want %s\n",
			    url_cases[i].in, got ? got : "NULL",
			    url_cases[i].want ? url_cases[i].want : "NULL");
			bad++;
		}
		free(got);
	}
	assert_int_equal(bad, 0);
	assert_true(i >= 25);
}

/* Opening */

static void
test_open_migrates(void **state)
{
	struct store	*s;
	char		*path = db_path(), *err = NULL;

	assert_true(store_schema_version() >= 1);
	s = open_rw(path);
	feed(s, "a");
	store_close(s);
	/* Again: nothing to migrate, data still there. */
	s = open_rw(path);
	store_close(s);
	s = store_open(path, STORE_RDONLY | STORE_CHECK, &err);
	if (s == NULL)
		fail_msg("read-only: %s", err);
	{
		struct store_feed	*v;
		size_t			 n;

		assert_int_equal(store_feeds_list(s, &v, &n, &err), 0);
		assert_int_equal(n, 1);
		assert_string_equal(v[0].name, "a");
		store_feeds_free(v, n);
	}
	/* A read-only handle refuses writes. */
	assert_int_equal(store_feed_ensure(s, "b", "https://b/", NULL, 1,
	    &(int64_t){ 0 }, &err), -1);
	assert_non_null(err);
	free(err);
	err = NULL;
	store_close(s);
	free(path);

	/* The CLI does not create a database. */
	path = db_path();
	assert_null(store_open(path, STORE_RDONLY, &err));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "first run"));
	assert_int_equal(access(path, F_OK), -1);
	free(err);
	free(path);
}

/* Opens must fail naming the file, with `what` in the message, and leave
 * the file as it was. */
static void
expect_refused(const char *path, int flags, const char *what)
{
	struct store	*s;
	char		*err = NULL, *before, *after;
	size_t		 lb, la;

	read_file(path, &before, &lb);
	s = store_open(path, flags, &err);
	if (s != NULL)
		fail_msg("%s opened, want refusal (%s)", path, what);
	assert_non_null(err);
	if (strstr(err, path) == NULL || strstr(err, what) == NULL)
		fail_msg("message \"%s\" lacks the path or \"%s\"", err, what);
	read_file(path, &after, &la);
	assert_int_equal(la, lb);
	assert_memory_equal(before, after, lb);
	free(before);
	free(after);
	free(err);
}

/* Header fields (big-endian) a database must not be opened with. */
static void
test_refuse_header(void **state)
{
	static const struct {
		off_t		 off;
		uint32_t	 value;
		int		 flags;
		const char	*what;
	} cases[] = {
		{ 60, 999, STORE_RDWR, "newer" },	/* user_version */
		{ 60, 999, STORE_RDONLY, "newer" },
		{ 60, 0, STORE_RDONLY, "start heraldd once" },
		{ 68, 0x12345678, STORE_RDWR, "not a herald database" },
		{ 68, 0x12345678, STORE_RDONLY, "not a herald database" },
	};
	size_t	 i;
	char	*path;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path = make_db(3);
		poke_be32(path, cases[i].off, cases[i].value);
		expect_refused(path, cases[i].flags, cases[i].what);
		free(path);
	}
}

static void
test_refuse_corrupt(void **state)
{
	char		*path, *copy, *data;
	size_t		 len, pagesz, npages, p;
	FILE		*fp;

	/* The header magic damaged: not a database. */
	path = make_db(200);
	read_file(path, &data, &len);
	copy = xasprintf("%s.copy", path);
	assert_non_null(fp = fopen(copy, "wb"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
	flip_bytes(copy, 0, 16);
	expect_refused(copy, STORE_RDWR, "herald will not modify it");
	expect_refused(copy, STORE_RDONLY, "herald will not modify it");

	/* B-tree pages damaged: quick_check catches it. */
	pagesz = ((unsigned char)data[16] << 8) | (unsigned char)data[17];
	if (pagesz == 1)
		pagesz = 65536;
	npages = len / pagesz;
	assert_true(npages > 4);
	assert_non_null(fp = fopen(copy, "wb"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
	for (p = 2; p < npages; p += 2)
		flip_bytes(copy, (off_t)((p - 1) * pagesz), 12);
	/*
	 * The file was closed cleanly and checked a moment ago, so a plain
	 * read-write open trusts it (test_check_when); asked to, it checks.
	 */
	expect_refused(copy, STORE_RDWR | STORE_CHECK,
	    "herald will not modify it");
	expect_refused(copy, STORE_RDONLY | STORE_CHECK,
	    "herald will not modify it");
	free(copy);

	/* Not SQLite at all. */
	copy = xasprintf("%s.txt", path);
	assert_non_null(fp = fopen(copy, "wb"));
	for (p = 0; p < 100; p++)
		fputs("this is a text file, not a database\n", fp);
	fclose(fp);
	expect_refused(copy, STORE_RDWR, "not a database");
	free(copy);
	free(data);
	free(path);
}

/*
 * The CLI, as another user of the daemon's group, reads a database the
 * daemon wrote: while it runs, after it stopped, and after it died with
 * frames in the WAL.  As root the child really becomes nobody:nogroup with
 * group read access only; otherwise the files are made read-only.
 */
static int
child_reads(const char *path, int as_nobody, int64_t want)
{
	struct store		*s;
	struct store_feed	*v;
	size_t			 n;
	char			*err = NULL;
	pid_t			 pid;
	int			 status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		alarm(10);
		if (as_nobody && (setgroups(0, NULL) == -1 ||
		    setgid(65534) == -1 || setuid(65534) == -1))
			_exit(3);
		if ((s = store_open(path, STORE_RDONLY, &err)) == NULL) {
			fprintf(stderr, "child: %s\n", err);
			_exit(1);
		}
		if (store_feeds_list(s, &v, &n, &err) == -1 || n != 1 ||
		    v[0].item_count != want) {
			fprintf(stderr, "child: %s\n", err ? err : "bad list");
			_exit(2);
		}
		store_feeds_free(v, n);
		store_close(s);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Adds items g<from>..g<to - 1> to feed "f". */
static void
add_items(struct store *s, int from, int to)
{
	int64_t			 fid = feed(s, "f");
	struct store_item	 it = { 0 };
	char			 g[16];
	int			 i;

	begin(s);
	for (i = from; i < to; i++) {
		snprintf(g, sizeof(g), "g%d", i);
		it.guid = g;
		it.title = g;
		upsert(s, fid, &it, NULL);
	}
	commit(s);
}

/* Gives the files to root:nogroup 0640, or makes them read-only. */
static void
share_files(const char *dir, const char *path, int root, int writable)
{
	const char	*sfx[] = { "", "-wal", "-shm" };
	char		*f;
	size_t		 i;

	for (i = 0; i < 3; i++) {
		f = xasprintf("%s%s", path, sfx[i]);
		assert_int_equal(access(f, F_OK), 0);
		if (root)
			assert_int_equal(chown(f, 0, 65534), 0);
		assert_int_equal(chmod(f, root || writable ? 0640 : 0440), 0);
		free(f);
	}
	if (root)
		assert_int_equal(chown(dir, 0, 65534), 0);
	assert_int_equal(chmod(dir, root || writable ? 0750 : 0550), 0);
}

static void
test_readonly_group_member(void **state)
{
	struct store	*s;
	char		*dir, *path;
	int		 root = geteuid() == 0, status;
	pid_t		 pid;

	if (root)
		assert_int_equal(chmod(tmpdir, 0711), 0);
	dir = xasprintf("%s/shared", tmpdir);
	assert_int_equal(mkdir(dir, 0750), 0);
	path = xasprintf("%s/herald.db", dir);
	s = open_rw(path);
	add_items(s, 0, 5);
	store_close(s);

	/* The daemon dies (kill -9) with its last batch only in the WAL. */
	if ((pid = fork()) == 0) {
		s = open_rw(path);
		add_items(s, 5, 10);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	{
		struct stat	 sb;
		char		*wal = xasprintf("%s-wal", path);

		assert_int_equal(stat(wal, &sb), 0);
		assert_true(sb.st_size > 0);
		free(wal);
	}
	share_files(dir, path, root, 0);
	assert_int_equal(child_reads(path, root, 10), 0);

	/* Restarted and running... */
	share_files(dir, path, root, 1);
	s = open_rw(path);
	add_items(s, 10, 12);
	share_files(dir, path, root, 0);
	assert_int_equal(child_reads(path, root, 12), 0);
	/* ...and stopped: its -wal and -shm files must stay. */
	store_close(s);
	assert_int_equal(child_reads(path, root, 12), 0);

	assert_int_equal(chmod(dir, 0700), 0);
	free(path);
	free(dir);
}

/* Dedup */

static void
test_dedup_guid(void **state)
{
	struct store		*s = open_new();
	struct store_item	 a = { .guid = "urn:1", .title = "One",
				    .link = "https://e.example/1" };
	struct store_item	 dup = { .guid = "urn:1",
				    .title = "Other title",
				    .link = "https://e.example/other" };
	int64_t			 f = feed(s, "f"), id1, id2, id3;

	begin(s);
	assert_int_equal(upsert(s, f, &a, &id1), STORE_NEW);
	/* The same GUID again in the same fetch: one row, first wins. */
	assert_int_equal(upsert(s, f, &dup, &id2), STORE_UNCHANGED);
	assert_int_equal(id1, id2);
	commit(s);
	begin(s);
	assert_int_equal(upsert(s, f, &a, &id3), STORE_UNCHANGED);
	commit(s);
	assert_int_equal(id1, id3);
	assert_int_equal(count_items(s), 1);
	assert_int_equal(count_hits(s, "other"), 0);
	store_close(s);
}

static void
test_dedup_link_two_feeds(void **state)
{
	struct store		*s = open_new();
	struct store_item	 a = { .guid = "a-17",
	    .link = "https://www.Example.eu/news/17?utm_source=rss&id=3",
	    .title = "Council adopts sanctions package",
	    .summary = "The Council adopted a package." };
	struct store_item	 b = { .guid = "https://other.example/?p=99",
	    .link = "https://www.example.eu/news/17?id=3&fbclid=xyz#top",
	    .title = "EU: sanctions package adopted",
	    .summary = "Another outlet's summary." };
	struct store_entry	*v;
	size_t			 n;
	int64_t			 fa = feed(s, "alpha"), fb = feed(s, "beta");
	int64_t			 ia, ib;
	char			*err = NULL;

	begin(s);
	assert_int_equal(upsert(s, fa, &a, &ia), STORE_NEW);
	commit(s);
	begin(s);
	assert_int_equal(upsert(s, fb, &b, &ib), STORE_UNCHANGED);
	commit(s);
	assert_int_equal(ia, ib);
	assert_int_equal(count_items(s), 1);
	/* Fetched again by both: still one item, not rewritten in turn. */
	begin(s);
	assert_int_equal(upsert(s, fa, &a, NULL), STORE_UNCHANGED);
	assert_int_equal(upsert(s, fb, &b, NULL), STORE_UNCHANGED);
	commit(s);
	assert_int_equal(store_digest(s, 0, 0, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].feed_name, "alpha");
	assert_string_equal(v[0].feeds, "alpha, beta");
	assert_string_equal(v[0].title, "Council adopts sanctions package");
	store_entries_free(v, n);
	{
		struct store_feed	*fv;

		assert_int_equal(store_feeds_list(s, &fv, &n, &err), 0);
		assert_int_equal(n, 2);
		assert_int_equal(fv[0].item_count, 1);
		assert_int_equal(fv[1].item_count, 1);
		store_feeds_free(fv, n);
	}
	store_close(s);
}

/* Items with neither GUID nor link: title and date. */
static void
test_dedup_hash(void **state)
{
	static const struct {
		const char	*title;
		int64_t		 date;
		int		 has_date;
		enum store_upsert_result want;
	} seq[] = {
		{ "Press release", T0 - 100, 1, STORE_NEW },
		{ "Press release", T0 - 100, 1, STORE_UNCHANGED },
		/* Same identity, title respelled: an update. */
		{ "press   RELEASE ", T0 - 100, 1, STORE_UPDATED },
		{ "Press release", T0 - 50, 1, STORE_NEW },
		{ "Another", 0, 0, STORE_NEW },
		{ "Another", 0, 0, STORE_UNCHANGED },
	};
	struct store		*s = open_new();
	int64_t			 f = feed(s, "f"), g = feed(s, "g");
	size_t			 i;

	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		struct store_item it = { .title = seq[i].title,
		    .published = seq[i].date,
		    .has_published = seq[i].has_date,
		    .summary = "Same text." };

		begin(s);	/* one fetch each */
		if (upsert(s, f, &it, NULL) != seq[i].want)
			fail_msg("step %zu: want %d", i, seq[i].want);
		commit(s);
	}
	assert_int_equal(count_items(s), 3);
	/* The hash is this feed's identity only: another feed's is new. */
	{
		struct store_item it = { .title = "Press release",
		    .published = T0 - 100, .has_published = 1 };

		begin(s);
		assert_int_equal(upsert(s, g, &it, NULL), STORE_NEW);
		commit(s);
	}
	store_close(s);
}

/* RELIABILITY.md case 26: every GUID new on each fetch, links stable. */
static void
test_guid_churn(void **state)
{
	struct store		*s = open_new();
	int64_t			 f = feed(s, "churn"), h = feed(s, "nolink");
	char			 guid[64], link[64], title[64];
	int			 fetch, i, nnew, nupd;

	for (fetch = 0; fetch < 4; fetch++) {
		nnew = nupd = 0;
		begin(s);
		for (i = 0; i < 10; i++) {
			struct store_item it = { 0 };

			snprintf(guid, sizeof(guid), "rnd-%d-%d", fetch, i);
			snprintf(link, sizeof(link),
			    "https://churn.example/a/%d?utm_medium=%d", i,
			    fetch);
			snprintf(title, sizeof(title), "Article %d", i);
			it.guid = guid;
			it.link = link;
			it.title = title;
			/* Dynamic feeds also stamp "now" on every item. */
			it.published = T0 + fetch;
			it.has_published = 1;
			switch (upsert(s, f, &it, NULL)) {
			case STORE_NEW:
				nnew++;
				break;
			case STORE_UPDATED:
				nupd++;
				break;
			default:
				break;
			}
			/* No link: the title and a stable date. */
			it.link = NULL;
			it.published = T0 - 3600;
			nnew += upsert(s, h, &it, NULL) == STORE_NEW;
		}
		complete_fetch(s, f, T0);
		complete_fetch(s, h, T0);
		commit(s);
		assert_int_equal(nnew, fetch == 0 ? 20 : 0);
		assert_int_equal(nupd, 0);
	}
	assert_int_equal(count_items(s), 20);
	store_close(s);
}

/* Feeds that link every item to one page keep their items apart. */
static void
test_same_link_many_items(void **state)
{
	struct store		*s = open_new();
	int64_t			 f = feed(s, "home");
	char			 guid[32], title[32];
	int			 fetch, i;

	for (fetch = 0; fetch < 3; fetch++) {
		begin(s);
		/* Each fetch adds one item at the top. */
		for (i = fetch + 4; i >= 0; i--) {
			struct store_item it = {
				.link = "https://home.example/" };

			snprintf(guid, sizeof(guid), "id-%d", i);
			snprintf(title, sizeof(title), "Notice %d", i);
			it.guid = guid;
			it.title = title;
			assert_int_equal(upsert(s, f, &it, NULL),
			    i == fetch + 4 || fetch == 0 ? STORE_NEW :
			    STORE_UNCHANGED);
		}
		commit(s);
	}
	assert_int_equal(count_items(s), 7);
	assert_int_equal(count_hits(s, "\"notice 0\""), 1);
	store_close(s);
}

/*
 * Items without GUIDs whose links differ only in tracking parameters, their
 * order or a fragment are one article, in one fetch and the next; items
 * that share a link under other titles stay apart (issue 8 item 7).
 */
static void
test_dup_links_no_guid(void **state)
{
	struct store		*s = open_new();
	int64_t			 f = feed(s, "noguid"), a, b;
	struct store_item	 v[] = {
		{ .link = "https://e.example/p?id=1&lang=en&utm_source=rss",
		  .title = "Council adopts its position" },
		{ .link = "https://E.example/p?lang=en&fbclid=x&id=1#comments",
		  .title = "Council adopts its position" },
		{ .link = "https://e.example/p?id=1&lang=en",
		  .title = "Live: the Council's position, update 2" },
		{ .link = "https://e.example/",
		  .title = "Notice 1" },
		{ .link = "https://e.example/#two",
		  .title = "Notice 2" },
	};
	enum store_upsert_result want[] = {
		STORE_NEW, STORE_UNCHANGED, STORE_NEW, STORE_NEW, STORE_NEW };
	size_t			 i;
	int			 fetch;

	for (fetch = 0; fetch < 2; fetch++) {
		begin(s);
		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
			assert_int_equal(upsert(s, f, &v[i],
			    i == 0 ? &a : i == 1 ? &b : NULL),
			    fetch == 0 ? want[i] : STORE_UNCHANGED);
		complete_fetch(s, f, T0 + fetch);
		commit(s);
		assert_int_equal(a, b);
		assert_int_equal(count_items(s), 4);
	}
	store_close(s);
}

/*
 * Fixtures of an older version made from a new database: migration 14
 * undone (matches named their topic by its text), on a database without
 * matches.
 */
#define UNDO_14 \
	" DROP TABLE matches; DROP TABLE topics;" \
	" CREATE TABLE matches (id INTEGER PRIMARY KEY," \
	"  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE," \
	"  topic TEXT NOT NULL, terms TEXT, field TEXT, snippet TEXT," \
	"  created INTEGER NOT NULL, UNIQUE (item_id, topic));"

/* ... and migration 16 (GUIDs by their text) */
#define UNDO_16 \
	" DROP INDEX item_feeds_keyless; DROP INDEX item_feeds_guid;" \
	" ALTER TABLE item_feeds DROP COLUMN guid_key;" \
	" CREATE UNIQUE INDEX item_feeds_guid ON item_feeds(feed_id, guid);"

/* ... and migration 17 (stories kept their titles) */
#define UNDO_17 \
	" DROP TRIGGER stories_title_au; DROP TRIGGER stories_title_bd;" \
	" UPDATE stories SET title = (SELECT i.title FROM items i" \
	"  WHERE i.id = lead_item) WHERE title IS NULL;"

/* Runs SQL on the file at `path` outside the store (fixtures, checks). */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3	*db;
	char	*msg = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		fail_msg("sqlite3_open %s", path);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", path, msg);
	sqlite3_close(db);
}

/* An integer the SQL on the file at `path` answers (checks). */
static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 v;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		fail_msg("sqlite3_open %s", path);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int
raw_count(void *arg, int ncol, char **val, char **name)
{
	(void)ncol;
	(void)name;
	if (val[0] != NULL && strcmp(val[0], "1") == 0)
		++*(int *)arg;
	return 0;
}

/*
 * Each link stored once (migration 10): canon_link only where the canonical
 * link differs from the link, items.guid not at all; link_key finds an
 * item by its canonical link, also after an update changed the link.
 */
static void
test_links_once(void **state)
{
	struct store		*s;
	char			*path = db_path();
	struct store_item	 a = { .guid = "a-1",
	    .link = "https://example.eu/news/1",
	    .title = "Plain link", .summary = "One." };
	struct store_item	 b = { .guid = "b-1",
	    .link = "https://example.eu/news/2?utm_source=rss&id=2",
	    .title = "Tracked link", .summary = "Two." };
	struct store_item	 a2 = { .link = "https://example.eu/news/1",
	    .title = "Plain link", .summary = "One." };
	int64_t			 fa, fb, ia, ib, id;

	s = open_rw(path);
	fa = feed(s, "alpha");
	fb = feed(s, "beta");
	begin(s);
	assert_int_equal(upsert(s, fa, &a, &ia), STORE_NEW);
	assert_int_equal(upsert(s, fa, &b, &ib), STORE_NEW);
	commit(s);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM items"
	    " WHERE guid IS NULL AND link_key IS NOT NULL"), 2);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM items"
	    " WHERE canon_link IS NULL"
	    " AND link = 'https://example.eu/news/1'"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM items"
	    " WHERE canon_link = 'https://example.eu/news/2?id=2'"), 1);
	/* another feed, no GUID: the same article by its canonical link */
	begin(s);
	assert_int_equal(upsert(s, fb, &a2, &id), STORE_UNCHANGED);
	commit(s);
	assert_int_equal(id, ia);
	/* the link moves: the key follows, and the new link finds it */
	b.link = "https://example.eu/news/2b";
	begin(s);
	assert_int_equal(upsert(s, fa, &b, &id), STORE_UPDATED);
	commit(s);
	assert_int_equal(id, ib);
	b.guid = NULL;
	begin(s);
	assert_int_equal(upsert(s, fb, &b, &id), STORE_UNCHANGED);
	commit(s);
	assert_int_equal(id, ib);
	assert_int_equal(count_items(s), 2);
	store_close(s);
	free(path);
}

/*
 * A database of schema version 2 (tests/data/store/v2.sql) opened by today's
 * store: migration 3 sorts the parameters of its canonical links, so its
 * GUID-less items are found again by link, whatever the parameters' order.
 */
static void
test_migrate_v2(void **state)
{
	struct store		*s;
	char			*path = db_path(), *sqlpath, *sql;
	const char		*dir = getenv("TESTDATA");
	size_t			 len;
	int64_t			 id;
	sqlite3			*db;
	int			 n = 0;
	struct store_item	 again = {
		.link = "https://e.example/press?id=41&year=2026",
		.title = "Council adopts its position on gas storage",
		.summary = "Ministers agreed." };

	if (dir == NULL)
		skip();
	sqlpath = xasprintf("%s/store/v2.sql", dir);
	read_file(sqlpath, &sql, &len);
	raw_exec(path, sql);
	free(sql);
	free(sqlpath);

	s = open_rw(path);
	assert_true(sqlite3_open(path, &db) == SQLITE_OK);
	assert_true(sqlite3_exec(db, "SELECT count(*) = 2 FROM items WHERE "
	    "canon_link IN ('https://e.example/press?id=41&year=2026', "
	    "'https://e.example/press?id=42&year=2026')", raw_count, &n,
	    NULL) == SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(n, 1);
	/*
	 * Migration 10: each link once (canon_link only where it differs),
	 * its key set, no items.guid; the lookup below finds item 1 by key.
	 */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM items"
	    " WHERE link_key IS NOT NULL"), 3);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM items"
	    " WHERE guid IS NOT NULL OR canon_link = link"), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM items"
	    " WHERE id = 3 AND canon_link IS NULL"
	    " AND link = 'https://e.example/news/ai-act'"), 1);
	/* migration 19: the index merges a level at 32 segments */
	assert_int_equal(raw_int(path, "SELECT v FROM items_fts_config"
	    " WHERE k = 'automerge'"), 32);
	assert_int_equal(raw_int(path, "SELECT v FROM items_fts_config"
	    " WHERE k = 'crisismerge'"), 32);
	begin(s);
	assert_int_not_equal(upsert(s, 1, &again, &id), STORE_NEW);
	commit(s);
	assert_int_equal(id, 1);
	assert_int_equal(count_items(s), 3);
	store_close(s);
	free(path);
}

/* Opens read-write and returns why the open ran quick_check ("" if not). */
static const char *
open_why(const char *path, int flags)
{
	struct store	*s;
	const char	*why;
	char		*err = NULL;

	if ((s = store_open(path, STORE_RDWR | flags, &err)) == NULL)
		fail_msg("store_open %s: %s", path, err);
	why = store_check_reason(s);
	store_close(s);
	return why != NULL ? why : "";
}

/* A process that opens the database read-write and dies without closing. */
static void
open_and_die(const char *path)
{
	pid_t	 pid;
	int	 status;
	char	*err = NULL;

	if ((pid = fork()) == 0)
		_exit(store_open(path, STORE_RDWR, &err) == NULL ? 1 : 0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * When a read-write open runs quick_check (issue 11 item 5): after a
 * process died with the database open, when no check is recorded, when the
 * last is a week old or dated ahead, and when asked; not after a clean
 * close with a recent check, nor on a new file.  An unclean close makes a
 * damaged file refused again.
 */
static void
test_check_when(void **state)
{
	char	*path = db_path(), *sql, *copy, *data;
	int64_t	 now = (int64_t)time(NULL);
	size_t	 len, pagesz, npages, p;
	FILE	*fp;

	assert_string_equal(open_why(path, 0), "");	/* new */
	assert_string_equal(open_why(path, 0), "");	/* clean, checked */
	open_and_die(path);
	assert_non_null(strstr(open_why(path, 0), "not closed cleanly"));
	assert_string_equal(open_why(path, 0), "");
	assert_non_null(strstr(open_why(path, STORE_CHECK), "asked"));
	open_and_die(path);
	assert_string_equal(open_why(path, STORE_NOCHECK), "");
	assert_string_equal(open_why(path, 0), "");	/* NOCHECK closed it */

	sql = xasprintf("UPDATE store_meta SET value = %lld"
	    " WHERE key = 'checked'", (long long)(now - 6 * 86400));
	raw_exec(path, sql);
	free(sql);
	assert_string_equal(open_why(path, 0), "");
	/* six days: not checked, so the record stays six days old */
	assert_true(raw_int(path, "SELECT value FROM store_meta"
	    " WHERE key = 'checked'") <= now - 6 * 86400);
	sql = xasprintf("UPDATE store_meta SET value = %lld"
	    " WHERE key = 'checked'", (long long)(now - 7 * 86400 - 60));
	raw_exec(path, sql);
	free(sql);
	assert_non_null(strstr(open_why(path, 0), "a week old"));
	assert_true(raw_int(path, "SELECT value FROM store_meta"
	    " WHERE key = 'checked'") >= now);
	assert_string_equal(open_why(path, 0), "");
	sql = xasprintf("UPDATE store_meta SET value = %lld"
	    " WHERE key = 'checked'", (long long)(now + 3 * 86400));
	raw_exec(path, sql);
	free(sql);
	assert_non_null(strstr(open_why(path, 0), "in the future"));
	raw_exec(path, "DELETE FROM store_meta WHERE key = 'checked'");
	assert_non_null(strstr(open_why(path, 0), "no check"));
	assert_string_equal(open_why(path, 0), "");
	free(path);

	/* Damaged B-tree pages after an unclean close: refused at once. */
	path = make_db(200);
	raw_exec(path, "UPDATE store_meta SET value = 1 WHERE key = 'open'");
	read_file(path, &data, &len);
	copy = xasprintf("%s.copy", path);
	assert_non_null(fp = fopen(copy, "wb"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
	pagesz = ((unsigned char)data[16] << 8) | (unsigned char)data[17];
	if (pagesz == 1)
		pagesz = 65536;
	npages = len / pagesz;
	assert_true(npages > 4);
	for (p = 3; p < npages; p += 2)
		flip_bytes(copy, (off_t)((p - 1) * pagesz), 12);
	expect_refused(copy, STORE_RDWR, "herald will not modify it");
	free(copy);
	free(data);
	free(path);
}

/* Every story, oldest activity last (store_stories_list). */
static struct store_story *
all_stories(struct store *s, size_t *n)
{
	struct store_stories_filter	 f = { 0 };
	struct store_story		*v;
	char				*err = NULL;

	if (store_stories_list(s, &f, &v, n, &err) == -1)
		fail_msg("stories_list: %s", err);
	return v;
}

/* The title all_stories() gives the story of article `item`. */
static char *
story_title_of(struct store *s, int64_t item)
{
	struct store_story	*v;
	int64_t			 story;
	char			*t = NULL, *err = NULL;
	size_t			 n, i;

	assert_int_equal(store_item_story(s, item, &story, &err), 1);
	v = all_stories(s, &n);
	for (i = 0; i < n; i++)
		if (v[i].id == story)
			t = v[i].title != NULL ? xstrdup(v[i].title) :
			    xstrdup("(none)");
	store_stories_free(v, n);
	assert_non_null(t);
	return t;
}

/*
 * The migration that adds stories (issue 9) gives each article already
 * stored its story: the three unrelated articles of v2.sql a story each,
 * and two articles added to it at schema 2 that carry one press release
 * (IP/26/745, in English and in French, two feeds) one story of two.
 * The outbox made again for breaking alerts keeps its rows.
 */
static void
test_migrate_v2_stories(void **state)
{
	struct store		*s;
	struct store_story	*v;
	char			*path = db_path(), *sqlpath, *sql;
	const char		*dir = getenv("TESTDATA");
	size_t			 len, n, i, two = 0, one = 0;

	if (dir == NULL)
		skip();
	sqlpath = xasprintf("%s/store/v2.sql", dir);
	read_file(sqlpath, &sql, &len);
	raw_exec(path, sql);
	free(sql);
	free(sqlpath);
	raw_exec(path,
	    "INSERT INTO feeds (id, name, url, config_url, created)"
	    " VALUES (2, 'council-fr', 'file:///tmp/v2/fr.rss',"
	    " 'file:///tmp/v2/fr.rss', 1796602161);"
	    "INSERT INTO items (id, guid, link, title, summary, lang,"
	    " published, first_seen, changed, content_hash, dedup_key)"
	    " VALUES (4, 'ip-745-en',"
	    " 'https://ec.europa.eu/commission/presscorner/detail/en/ip_26_745',"
	    " 'Commission fines Apple EUR 500 million under the Digital"
	    " Markets Act', 'IP/26/745. The Commission fined Apple"
	    " EUR 500 million for breaching anti-steering rules.', 'en',"
	    " 1796600000, 1796602161, 1796602161, 1, 1),"
	    " (5, 'ip-745-fr',"
	    " 'https://ec.europa.eu/commission/presscorner/detail/fr/ip_26_745',"
	    " 'La Commission inflige une amende de 500 millions d''euros"
	    " a Apple', 'IP/26/745. La Commission a inflige une amende de"
	    " 500 millions d''euros a Apple.', 'fr', 1796600600,"
	    " 1796602161, 1796602161, 2, 2);"
	    "INSERT INTO item_feeds (item_id, feed_id, guid, first_seen,"
	    " content_hash) VALUES (4, 1, 'ip-745-en', 1796602161, 1),"
	    " (5, 2, 'ip-745-fr', 1796602161, 2);"
	    "INSERT INTO matches (id, item_id, topic, created)"
	    " VALUES (7, 4, 'dma', 1796602161), (8, 5, 'dma', 1796602170),"
	    " (9, 5, 'apple', 1796602170);"
	    "INSERT INTO outbox (id, match_id, plugin, state, attempts,"
	    " next_attempt, created, sent_at) VALUES (3, 7, 'p', 'sent', 2,"
	    " 1796602161, 1796602161, 1796602200);");

	s = open_rw(path);
	/* migration 8 kept the outbox's rows, none breaking */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM outbox WHERE"
	    " id = 3 AND match_id = 7 AND plugin = 'p' AND state = 'sent'"
	    " AND attempts = 2 AND sent_at = 1796602200 AND breaking = 0"),
	    1);
	/* migration 15: the trends read matches_topic */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_schema"
	    " WHERE name = 'matches_created'"), 0);
	/* migration 14: the match names its topic by number, same id */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM matches m"
	    " JOIN topics t ON t.id = m.topic_id WHERE m.id = 7"
	    " AND m.item_id = 4 AND t.name = 'dma'"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM"
	    " pragma_foreign_key_list('outbox') WHERE \"table\" = 'matches'"),
	    1);
	{
		struct store_alerts_filter	 f = { .state = -1,
						    .topic = "dma" };
		struct store_topic_count	*tc;
		struct store_alert		*a;
		size_t				 na, k;
		char				*err = NULL;

		assert_int_equal(store_alerts_list(s, &f, &a, &na, &err), 0);
		assert_int_equal(na, 1);
		assert_int_equal(a[0].id, 3);
		assert_string_equal(a[0].topic, "dma");
		assert_int_equal(a[0].item_id, 4);
		store_alerts_free(a, na);
		assert_int_equal(store_topic_counts(s, 1796603000, &tc, &na,
		    &err), 0);
		/* dma: two matches of one story (IP/26/745 en and fr) */
		assert_int_equal(na, 2);
		k = strcmp(tc[0].topic, "dma") == 0 ? 0 : 1;
		assert_string_equal(tc[k].topic, "dma");
		assert_int_equal(tc[k].total, 2);
		assert_int_equal(tc[k].day, 2);
		store_topic_counts_free(tc, na);
	}
	/* every stored article in exactly one story */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM items i WHERE"
	    " (SELECT count(*) FROM story_links l WHERE l.item_id = i.id)"
	    " = 1"), 5);
	/*
	 * the alerts sent before stories are the stories' alerts (review5:
	 * an article that joined an old story alerted its topics again,
	 * and broke): one pair per (story, topic), on its first match, its
	 * breaking done
	 */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_topics"),
	    2);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_topics t"
	    " JOIN story_links l ON l.story_id = t.story_id AND l.item_id = 4"
	    " WHERE t.topic = 'dma' AND t.match_id = 7"
	    " AND t.created = 1796602161 AND t.breaking > 0"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_topics t"
	    " JOIN story_links l ON l.story_id = t.story_id AND l.item_id = 5"
	    " WHERE t.topic = 'apple' AND t.match_id = 9"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_links"), 5);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_links"
	    " WHERE item_id = 5 AND story_id = (SELECT story_id"
	    " FROM story_links WHERE item_id = 4)"), 1);
	v = all_stories(s, &n);
	assert_int_equal(n, 4);
	/* migrations 6 and 17: every story titled by its lead */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM stories"
	    " WHERE title IS NOT NULL"), 0);
	for (i = 0; i < n; i++) {
		assert_non_null(v[i].title);
		assert_true(strcmp(v[i].title, "") != 0);
		assert_int_equal(v[i].size, (int64_t)v[i].nitems);
		if (v[i].size == 2) {
			two++;
			assert_int_equal(v[i].nfeeds, 2);
			assert_int_equal(v[i].nlanguages, 2);
		} else if (v[i].size == 1)
			one++;
	}
	assert_int_equal(two, 1);
	assert_int_equal(one, 3);
	store_stories_free(v, n);
	/* the index holds the migrated articles' keys: a newcomer joins */
	{
		struct store_item	 it = { .guid = "ip-745-de",
		    .link = "https://ec.europa.eu/commission/presscorner/"
		    "detail/de/ip_26_745", .lang = "de",
		    .title = "Kommission verhängt 500 Millionen Euro Geldbuße"
		    " gegen Apple", .summary = "IP/26/745.",
		    .published = 1796601000, .has_published = 1 };
		int64_t			 id, st4, st6;
		char			*err = NULL;

		store_set_now(s, 1796603000);
		begin(s);
		upsert(s, 1, &it, &id);
		commit(s);
		assert_int_equal(store_item_story(s, 4, &st4, &err), 1);
		assert_int_equal(store_item_story(s, id, &st6, &err), 1);
		assert_int_equal(st4, st6);
	}
	store_close(s);
	free(path);
	(void)state;
}

/* Updates */

static void
test_unchanged_not_rewritten(void **state)
{
	struct store		*s = open_new();
	struct store_item	 it = { .guid = "x", .title = "Stable",
				    .link = "https://e.example/x",
				    .summary = "Nothing changes here.",
				    .published = T0 - 10, .has_published = 1 };
	struct store_entry	*v;
	size_t			 n;
	int64_t			 f = feed(s, "f"), before;
	char			*err = NULL;

	begin(s);
	assert_int_equal(upsert(s, f, &it, NULL), STORE_NEW);
	complete_fetch(s, f, T0);
	commit(s);

	store_set_now(s, T0 + 3600);
	before = store_changes(s);
	begin(s);
	assert_int_equal(upsert(s, f, &it, NULL), STORE_UNCHANGED);
	/* A new date alone is not a change (feeds that stamp "now"). */
	it.published = T0 + 3600;
	assert_int_equal(upsert(s, f, &it, NULL), STORE_UNCHANGED);
	commit(s);
	begin(s);
	assert_int_equal(upsert(s, f, &it, NULL), STORE_UNCHANGED);
	commit(s);
	assert_int_equal(store_changes(s) - before, 0);

	assert_int_equal(store_digest(s, 0, 0, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].changed, T0);
	assert_int_equal(v[0].first_seen, T0);
	store_entries_free(v, n);
	store_close(s);
}

static void
test_changed_updated(void **state)
{
	struct store		*s = open_new();
	struct store_item	 it = { .guid = "x", .title = "Parliament vote",
				    .summary = "The committee discussed "
				    "fisheries quotas." };
	struct store_entry	*v;
	size_t			 n;
	int64_t			 f = feed(s, "f"), id1, id2;
	char			*err = NULL;

	begin(s);
	assert_int_equal(upsert(s, f, &it, &id1), STORE_NEW);
	commit(s);
	assert_int_equal(count_hits(s, "fisheries"), 1);

	store_set_now(s, T0 + 60);
	it.summary = "The committee rejected the semiconductor subsidies.";
	begin(s);
	assert_int_equal(upsert(s, f, &it, &id2), STORE_UPDATED);
	commit(s);
	assert_int_equal(id1, id2);
	assert_int_equal(count_items(s), 1);
	assert_int_equal(count_hits(s, "semiconductor"), 1);
	assert_int_equal(count_hits(s, "fisheries"), 0);
	assert_int_equal(count_hits(s, "parliament"), 1);

	assert_int_equal(store_digest(s, 0, 0, &v, &n, &err), 0);
	assert_int_equal(v[0].changed, T0 + 60);
	assert_int_equal(v[0].first_seen, T0);
	store_entries_free(v, n);

	/* A second feed's version of the article does not overwrite it. */
	{
		int64_t			 g = feed(s, "g");
		struct store_item	 other = { .guid = "o",
		    .link = "https://e.example/vote",
		    .title = "Vote", .summary = "Syndicated copy." };

		it.link = "https://e.example/vote";
		begin(s);
		assert_int_equal(upsert(s, f, &it, NULL), STORE_UPDATED);
		assert_int_equal(upsert(s, g, &other, NULL), STORE_UNCHANGED);
		commit(s);
		assert_int_equal(count_hits(s, "syndicated"), 0);
	}
	store_close(s);
}

static void
test_rollback(void **state)
{
	struct store		*s = open_new();
	struct store_item	 it = { .guid = "r", .title = "Rolled back" };
	int64_t			 f = feed(s, "f");

	begin(s);
	upsert(s, f, &it, NULL);
	assert_int_equal(store_rollback(s), 0);
	assert_int_equal(count_items(s), 0);
	assert_int_equal(store_rollback(s), 0);	/* none open: harmless */
	/* Outside a transaction an upsert commits on its own. */
	assert_int_equal(upsert(s, f, &it, NULL), STORE_NEW);
	assert_int_equal(count_items(s), 1);
	store_close(s);
}

/*
 * The story index lives in memory, the database its truth: a rollback
 * takes back what it learnt (the next assignment makes it again from
 * story_links), and so does another connection's commit.
 */
static void
test_story_index_truth(void **state)
{
	static const char *const titles[] = {
	    "EU adopts 20th sanctions package against Russia",
	    "Commission fines Apple EUR 500 million under the DMA",
	    "Parliament approves the 2035 car CO2 target review",
	    "Council agrees its position on the asylum pact",
	    "ECB keeps its deposit rate at 2 per cent",
	};
	struct store		*s = open_new(), *o;
	struct store_item	 it = { .lang = "en" };
	int64_t			 f = feed(s, "f"), g;
	char			 guid[8], *path;
	size_t			 i;

	(void)state;
	path = xasprintf("%s/db%d.sqlite", tmpdir, dbseq);
	for (i = 0; i < 5; i++) {
		snprintf(guid, sizeof(guid), "t%zu", i);
		it.guid = guid;
		it.title = titles[i];
		if (i == 1) {
			/* stored, then rolled back: out of the index */
			begin(s);
			assert_int_equal(upsert(s, f, &it, NULL), STORE_NEW);
			assert_int_equal(store_stories_indexed(s), 2);
			assert_int_equal(store_rollback(s), 0);
			assert_int_equal(store_stories_indexed(s), 0);
			continue;
		}
		if (i == 3) {
			/* another connection stores one */
			o = open_rw(path);
			g = feed(o, "g");
			assert_int_equal(upsert(o, g, &it, NULL), STORE_NEW);
			store_close(o);
			continue;
		}
		assert_int_equal(upsert(s, f, &it, NULL), STORE_NEW);
	}
	/* 0, 2, 3 (the other's) and 4; not 1 */
	assert_int_equal(store_stories_indexed(s), 4);
	assert_int_equal(raw_int(path,
	    "SELECT count(*) FROM story_links WHERE indexed = 1"), 4);
	store_close(s);
	free(path);
}

/*
 * The merge scene: three articles of one press release (IP/26/100) in
 * feed f published at t_big, one of another story (no id) in feed g at
 * t_small; ids in id[0..3], their two stories in st[0] (big), st[1].
 * (Two stories of two press releases never merge.)
 */
static void
merge_scene(struct store *s, int64_t t_big, int64_t t_small, int64_t *id,
    int64_t *st)
{
	static const char *const big[] = {
	    "Council adopts a sanctions package on Russia's fleet, IP/26/100",
	    "Shadow fleet: 117 more vessels listed by the Council (IP/26/100)",
	    "IP/26/100: the EU lists 117 tankers of Russia's shadow fleet",
	};
	struct store_item	 it = { .lang = "en", .has_published = 1 };
	int64_t			 f = feed(s, "f"), g = feed(s, "g");
	char			 guid[8], *err = NULL;
	size_t			 i;

	it.published = t_big;
	for (i = 0; i < 3; i++) {
		snprintf(guid, sizeof(guid), "a%zu", i);
		it.guid = guid;
		it.title = big[i];
		assert_int_equal(upsert(s, f, &it, &id[i]), STORE_NEW);
	}
	it.published = t_small;
	it.guid = "b";
	it.title = "Apple fined EUR 500 million under the Digital Markets Act";
	assert_int_equal(upsert(s, g, &it, &id[3]), STORE_NEW);
	assert_int_equal(store_item_story(s, id[0], &st[0], &err), 1);
	assert_int_equal(store_item_story(s, id[3], &st[1], &err), 1);
	assert_true(st[0] != st[1]);
}

/*
 * The bridge, in feed h at t: closer to the small story's words, it joins
 * that one, and the big one through IP/26/100.
 */
static int64_t
merge_bridge(struct store *s, int64_t t)
{
	struct store_item	 it = { .lang = "en", .has_published = 1 };
	int64_t			 id;

	it.published = t;
	it.guid = "c";
	it.title = "Apple fined EUR 500 million under the Digital Markets Act, "
	    "a day after IP/26/100";
	assert_int_equal(upsert(s, feed(s, "h"), &it, &id), STORE_NEW);
	return id;
}

/*
 * The (story, topic) pairs kept in memory forget a story merged away: its
 * id was the largest, and the next story takes it again, whose first
 * match of the topic alerts (store-stories.c: struct pair_seen).
 */
static void
test_story_pairs_id_again(void **state)
{
	static const char *const plugins[] = { "p" };
	struct store		*s = open_new();
	struct store_item	 it = { .lang = "en", .has_published = 1 };
	int64_t			 id[5], st[2], x, sx;
	char			*err = NULL, *path;

	(void)state;
	path = xasprintf("%s/db%d.sqlite", tmpdir, dbseq);
	merge_scene(s, T0 - 7200, T0 - 7200, id, st);
	assert_int_equal(store_match_add(s, id[3], "t", "[t]", "title", NULL,
	    plugins, 1, NULL, NULL, &err), 0);
	id[4] = merge_bridge(s, T0 - 7200);
	assert_int_equal(store_item_story(s, id[4], &sx, &err), 1);
	assert_int_equal(sx, st[0]);
	it.guid = "d";
	it.published = T0 - 3600;
	it.title = "Parliament approves the 2035 car CO2 target review";
	assert_int_equal(upsert(s, feed(s, "k"), &it, &x), STORE_NEW);
	assert_int_equal(store_item_story(s, x, &sx, &err), 1);
	assert_int_equal(sx, st[1]);
	assert_int_equal(store_match_add(s, x, "t", "[t]", "title", NULL,
	    plugins, 1, NULL, NULL, &err), 0);
	store_close(s);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM outbox"), 2);
	free(path);
}

/*
 * The pairs kept in memory are trusted without SQL only in the write
 * transaction that checked the data version: another connection that
 * deleted the pair between two transactions is seen, and the next match
 * of the story alerts again (store-stories.c: dv_txn).
 */
static int64_t	 story_of(struct store *, int64_t);

static void
test_story_pairs_other_writer(void **state)
{
	static const char *const plugins[] = { "p" };
	struct store		*s;
	struct store_item	 it = { .lang = "en", .has_published = 1,
				    .guid = "d", .published = T0 - 7200,
				    .title = "IP/26/100: Council lists 117 shadow "
				    "fleet tankers of Russia" };
	int64_t			 id[5], st[2], x;
	char			*err = NULL, *path = db_path();

	(void)state;
	s = open_rw(path);
	merge_scene(s, T0 - 7200, T0 - 7200, id, st);
	begin(s);
	assert_int_equal(store_match_add(s, id[0], "t", "[t]", "title", NULL,
	    plugins, 1, NULL, NULL, &err), 0);
	commit(s);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM outbox"), 1);
	raw_exec(path, "DELETE FROM story_topics");
	begin(s);
	assert_int_equal(upsert(s, feed(s, "k"), &it, &x), STORE_NEW);
	assert_int_equal(story_of(s, x), st[0]);
	assert_int_equal(store_match_add(s, x, "t", "[t]", "title", NULL,
	    plugins, 1, NULL, NULL, &err), 0);
	commit(s);
	store_close(s);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM outbox"), 2);
	free(path);
}

/*
 * An article that joins one story and bridges another merges them into
 * the one with more articles, whichever it joined: a merge moves every
 * link of the story merged, and a long-running story merged into each
 * newcomer cost its size every time (and changed its id under its alerts).
 */
static void
test_story_merge_largest(void **state)
{
	struct store		*s = open_new();
	struct store_story	*v;
	int64_t			 id[5], story, st[2];
	char			*err = NULL, *path, *sql;
	size_t			 i, n, nobegan = 0, nmerged = 0;

	(void)state;
	path = xasprintf("%s/db%d.sqlite", tmpdir, dbseq);
	merge_scene(s, T0 - 7200, T0 - 7200, id, st);
	id[4] = merge_bridge(s, T0 - 7200);
	/* one story of five, under the id of the story of three */
	for (i = 0; i < 5; i++) {
		assert_int_equal(store_item_story(s, id[i], &story, &err), 1);
		assert_int_equal(story, st[0]);
	}
	/*
	 * --explain: one article began the story; the one that began the
	 * story merged says so (it read "began the story" too)
	 */
	v = all_stories(s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].nitems, 5);
	for (i = 0; i < v[0].nitems; i++) {
		nobegan += v[0].items[i].why == NULL;
		nmerged += v[0].items[i].why != NULL &&
		    strncmp(v[0].items[i].why, "began a story of its own",
		    24) == 0;
	}
	assert_int_equal(nobegan, 1);
	assert_int_equal(nmerged, 1);
	store_stories_free(v, n);
	store_close(s);
	sql = xasprintf("SELECT size FROM stories WHERE id = %lld",
	    (long long)st[0]);
	assert_int_equal(raw_int(path, sql), 5);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM stories"), 1);
	free(sql);
	free(path);
}

/*
 * What a merge into the largest story keeps of the one joined (review of
 * 9f02cb1): a (story, topic) pair that broke there has broken in the
 * merged story (or a second breaking alert would go), and a story merged
 * that began earlier gives its lead, though the new article is older
 * still (the join lowered first_seen before the merges compared it).
 */
static void
test_story_merge_keeps(void **state)
{
	struct store	*s = open_new();
	int64_t		 id[5], story, st[2];
	char		*err = NULL, *path, *sql, *title;

	(void)state;
	path = xasprintf("%s/db%d.sqlite", tmpdir, dbseq);
	merge_scene(s, T0 - 3600, T0 - 7200, id, st);
	/*
	 * topic t broke in the small story, not yet in the big one; topic u
	 * alerted in the small one only, and moves with its first match
	 */
	sql = xasprintf("INSERT INTO story_topics (story_id, topic, match_id,"
	    " created, breaking) VALUES (%lld, 't', 40, 5, 555),"
	    " (%lld, 't', 50, 9, 0), (%lld, 'u', 42, 7, 0)",
	    (long long)st[1], (long long)st[0], (long long)st[1]);
	raw_exec(path, sql);
	free(sql);
	id[4] = merge_bridge(s, T0 - 10000);
	assert_int_equal(store_item_story(s, id[4], &story, &err), 1);
	assert_int_equal(story, st[0]);
	/* and the lead's title with it */
	title = story_title_of(s, id[4]);
	assert_string_equal(title, "Apple fined EUR 500 million under the "
	    "Digital Markets Act");
	free(title);
	store_close(s);
	sql = xasprintf("SELECT breaking FROM story_topics WHERE story_id = %lld"
	    " AND topic = 't'", (long long)story);
	assert_int_equal(raw_int(path, sql), 555);
	free(sql);
	/*
	 * and the pair's first alert is the earlier one, whichever story
	 * kept its id (review5: the breaking alert went on the later match)
	 */
	sql = xasprintf("SELECT match_id * 100 + created FROM story_topics"
	    " WHERE story_id = %lld AND topic = 't'", (long long)story);
	assert_int_equal(raw_int(path, sql), 4005);
	free(sql);
	sql = xasprintf("SELECT match_id + created FROM story_topics"
	    " WHERE story_id = %lld AND topic = 'u' AND breaking = 0",
	    (long long)story);
	assert_int_equal(raw_int(path, sql), 49);
	free(sql);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_topics"), 2);
	sql = xasprintf("SELECT lead_item FROM stories WHERE id = %lld",
	    (long long)story);
	assert_int_equal(raw_int(path, sql), id[3]);
	free(sql);
	free(path);
}

/*
 * The story tables as they were before migration 23: foreign keys from
 * story_links and story_topics to stories (a cascade for the pairs), from
 * story_links and story_docs to items (cascades), story_links' unused
 * columns.  The title triggers, which name story_links, are left as
 * they are.
 */
#define UNDO_23 \
	" PRAGMA legacy_alter_table = ON;" \
	" DROP TRIGGER story_items_ad;" \
	" CREATE TABLE story_docs_old (" \
	"  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE," \
	"  doc BLOB NOT NULL);" \
	" INSERT INTO story_docs_old SELECT * FROM story_docs;" \
	" DROP TABLE story_docs;" \
	" ALTER TABLE story_docs_old RENAME TO story_docs;" \
	" CREATE TABLE story_links_old (" \
	"  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE," \
	"  story_id INTEGER NOT NULL REFERENCES stories(id)," \
	"  at INTEGER NOT NULL, lang TEXT, feed_id INTEGER, matched INTEGER," \
	"  score REAL, why TEXT, indexed INTEGER NOT NULL DEFAULT 1);" \
	" INSERT INTO story_links_old (item_id, story_id, at, lang, feed_id," \
	"  why, indexed) SELECT item_id, story_id, at, lang, feed_id, why," \
	"  indexed FROM story_links;" \
	" DROP TABLE story_links;" \
	" ALTER TABLE story_links_old RENAME TO story_links;" \
	" CREATE INDEX story_links_story ON story_links(story_id, at);" \
	" CREATE INDEX story_links_indexed ON story_links(at)" \
	"  WHERE indexed = 1;" \
	" CREATE TRIGGER story_links_ad AFTER DELETE ON story_links BEGIN" \
	"  UPDATE stories SET size = size - 1 WHERE id = old.story_id;" \
	"  DELETE FROM stories WHERE id = old.story_id AND size <= 0;" \
	" END;" \
	" CREATE TABLE story_topics_old (" \
	"  story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE," \
	"  topic TEXT NOT NULL, match_id INTEGER, created INTEGER NOT NULL," \
	"  breaking INTEGER NOT NULL DEFAULT 0," \
	"  PRIMARY KEY (story_id, topic)) WITHOUT ROWID;" \
	" INSERT INTO story_topics_old SELECT * FROM story_topics;" \
	" DROP TABLE story_topics;" \
	" ALTER TABLE story_topics_old RENAME TO story_topics;"

/*
 * Migration 23: the story tables carry no foreign keys (a merge's DELETE
 * and UPDATE ran with a statement journal, store-stories.c).  The links,
 * docs and pairs stay; a merge still moves the pairs and leaves none
 * under the story merged; an article's going takes its link and doc,
 * its story's last link the story and its pairs, by triggers now.
 */
static void
test_migrate_story_keys(void **state)
{
	struct store	*s;
	char		*path = db_path(), *err = NULL, *sql;
	int64_t		 id[5], st[2], whys, docs, story;

	(void)state;
	s = open_rw(path);
	merge_scene(s, T0 - 7200, T0 - 7200, id, st);
	assert_int_equal(store_match_add(s, id[3], "t", "[t]", "title", NULL,
	    NULL, 0, NULL, NULL, &err), 0);
	store_close(s);
	whys = raw_int(path, "SELECT count(*) FROM story_links"
	    " WHERE why IS NOT NULL");
	assert_true(whys > 0);
	docs = raw_int(path, "SELECT count(*) FROM story_docs");
	assert_true(docs > 0);
	raw_exec(path, UNDO_23 " PRAGMA user_version = 22");
	assert_int_equal(raw_int(path, "SELECT count(*) FROM"
	    " pragma_foreign_key_list('story_topics')"), 1);

	s = open_rw(path);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(raw_int(path, "SELECT count(*) FROM"
	    " pragma_foreign_key_list('story_links')"), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM"
	    " pragma_foreign_key_list('story_topics')"), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM"
	    " pragma_foreign_key_list('story_docs')"), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_schema"
	    " WHERE name = 'stories_last_seen'"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM"
	    " pragma_table_info('story_links') WHERE name IN ('matched',"
	    " 'score')"), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_links"), 4);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_links"
	    " WHERE why IS NOT NULL"), whys);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_docs"),
	    docs);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_topics"), 1);
	/* the small story's pair moves into the big one, none left behind */
	id[4] = merge_bridge(s, T0 - 7200);
	assert_int_equal(store_item_story(s, id[4], &story, &err), 1);
	assert_int_equal(story, st[0]);
	store_close(s);
	sql = xasprintf("SELECT count(*) FROM story_topics WHERE story_id ="
	    " %lld", (long long)st[0]);
	assert_int_equal(raw_int(path, sql), 1);
	free(sql);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_topics"), 1);
	/* the articles go: their links and docs, the story, its pair */
	raw_exec(path, "PRAGMA foreign_keys = ON; DELETE FROM items");
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_links"), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_docs"), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM stories"), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_topics"), 0);
	free(path);
}

/*
 * Stores articles (title, summary) of one language, each from its own
 * feed, an hour apart before T0; their ids into id[].
 */
static void
story_articles(struct store *s, const char *const (*art)[2], size_t n,
    int64_t *id)
{
	struct store_item	 it = { .lang = "en", .has_published = 1 };
	char			 name[16];
	size_t			 i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%zu", i);
		it.guid = name;
		it.title = art[i][0];
		it.summary = art[i][1];
		it.published = T0 - (int64_t)(n - i) * 3600;
		assert_int_equal(upsert(s, feed(s, name), &it, &id[i]),
		    STORE_NEW);
	}
}

static int64_t
story_of(struct store *s, int64_t item)
{
	int64_t	 story = 0;
	char	*err = NULL;

	assert_int_equal(store_item_story(s, item, &story, &err), 1);
	return story;
}

/*
 * A chain of look-alikes: each article shares words with the one before
 * only, the ends nothing.  Each joins through the article before it, but
 * must also meet the story's first article: the chain breaks into
 * stories of two.  (Before the guard: one story of six.)
 */
static void
test_story_chain(void **state)
{
	static const char *const art[][2] = {
	    { "Beekeepers report honey shortage as orchards bloom late",
	      "Beekeepers report a honey shortage; orchards bloom late after "
	      "frost." },
	    { "Orchards bloom late, frost damages apricot harvest",
	      "Orchards bloom late; frost damages the apricot harvest in "
	      "valleys." },
	    { "Apricot harvest damaged, valleys brace for drought",
	      "The apricot harvest is damaged; valleys brace for drought and "
	      "wildfires." },
	    { "Drought and wildfires threaten forests, firefighters deployed",
	      "Drought and wildfires threaten forests; firefighters deployed "
	      "with helicopters." },
	    { "Firefighters deployed with helicopters rescue hikers on a "
	      "mountain glacier", "Firefighters deployed with helicopters "
	      "rescue hikers stranded on a mountain glacier." },
	    { "Mountain glacier hikers describe avalanche and blizzard",
	      "Hikers on the mountain glacier describe an avalanche and a "
	      "blizzard." },
	};
	struct store	*s = open_new();
	int64_t		 id[6];

	(void)state;
	story_articles(s, art, 6, id);
	/* the links hold: each pair of neighbours that meet the first */
	assert_int_equal(story_of(s, id[1]), story_of(s, id[0]));
	assert_int_equal(story_of(s, id[3]), story_of(s, id[2]));
	assert_int_equal(story_of(s, id[5]), story_of(s, id[4]));
	/* the chain does not */
	assert_true(story_of(s, id[2]) != story_of(s, id[0]));
	assert_true(story_of(s, id[4]) != story_of(s, id[2]));
	assert_true(story_of(s, id[5]) != story_of(s, id[0]));
	store_close(s);
}

/*
 * The guard's first article in a language the story had none in: looked
 * up, found missing (and the miss kept), then the first article of that
 * language joins and is the one later articles in it must meet.  A chain
 * in that language breaks as in test_story_chain.  (Fails if a kept miss
 * is not replaced by the article that joins.)
 */
static void
test_story_lead_later(void **state)
{
	static const char *const art[][3] = {
	    { "de", "Kommission: Imker melden Honigmangel, IP/26/4321",
	      "Die Kommission veroeffentlicht IP/26/4321 zum Honigmangel der "
	      "Imker." },
	    { "en", "Beekeepers report honey shortage as orchards bloom late",
	      "IP/26/4321: beekeepers report a honey shortage; orchards bloom "
	      "late after frost." },
	    { "en", "Orchards bloom late, frost damages apricot harvest",
	      "Orchards bloom late; frost damages the apricot harvest in "
	      "valleys." },
	    { "en", "Apricot harvest damaged, valleys brace for drought",
	      "The apricot harvest is damaged; valleys brace for drought and "
	      "wildfires." },
	};
	struct store		*s = open_new();
	struct store_item	 it = { .has_published = 1 };
	char			 name[16];
	int64_t			 id[4];
	size_t			 i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "g%zu", i);
		it.guid = name;
		it.lang = art[i][0];
		it.title = art[i][1];
		it.summary = art[i][2];
		it.published = T0 - (int64_t)(4 - i) * 3600;
		assert_int_equal(upsert(s, feed(s, name), &it, &id[i]),
		    STORE_NEW);
	}
	/* the id brings the first English article in, the words the next */
	assert_int_equal(story_of(s, id[1]), story_of(s, id[0]));
	assert_int_equal(story_of(s, id[2]), story_of(s, id[0]));
	/* the third meets only the second, not the first English one */
	assert_true(story_of(s, id[3]) != story_of(s, id[0]));
	store_close(s);
}

/*
 * A story that moves on (a probe, the answer, the rivals, an offer,
 * another regulator) still joins: each follow-up names what the first
 * article is about (Meta, WhatsApp, rival chatbots or assistants).
 */
static void
test_story_evolving(void **state)
{
	static const char *const art[][2] = {
	    { "Commission opens antitrust probe into Meta over WhatsApp AI "
	      "policy", "The Commission opened an antitrust investigation "
	      "into Meta's policy barring rival AI chatbots from WhatsApp." },
	    { "Meta defends WhatsApp chatbot rules as EU investigation begins",
	      "Meta said its WhatsApp Business rules protect users; rival "
	      "chatbot makers complained." },
	    { "Rival chatbot makers welcome scrutiny of WhatsApp ban by Meta",
	      "Start-ups building assistants say the WhatsApp ban by Meta "
	      "shut them out of Europe." },
	    { "Meta offers to reopen WhatsApp to rival assistants",
	      "Meta proposed commitments to let rival AI assistants back onto "
	      "WhatsApp for a fee." },
	    { "Italy widens its own WhatsApp inquiry into Meta assistants",
	      "Italy's competition authority widened its inquiry into how "
	      "Meta treats rival assistants on WhatsApp." },
	};
	struct store	*s = open_new();
	int64_t		 id[5];
	size_t		 i;

	(void)state;
	story_articles(s, art, 5, id);
	for (i = 1; i < 5; i++)
		assert_int_equal(story_of(s, id[i]), story_of(s, id[0]));
	store_close(s);
}

/*
 * Out of the story window an article keeps its story and why, not its
 * packed keys: expiry deletes its doc from story_docs.  The migration
 * that made story_docs takes a database that kept every doc in story_links
 * to that: the window's docs move (and serve a newcomer), the others go,
 * the reasons still read.
 */
static void
test_story_docs_expire(void **state)
{
	struct store		*s = open_new();
	struct store_item	 it = { .lang = "en", .has_published = 1 };
	struct store_story	*v;
	int64_t			 f = feed(s, "f"), g = feed(s, "g"), id[3];
	int64_t			 deleted, sa, sc;
	char			*path, *err = NULL, *sql;
	size_t			 n, k, why = 0;

	(void)state;
	path = xasprintf("%s/db%d.sqlite", tmpdir, dbseq);
	it.title = "EU adopts 20th sanctions package against Russia";
	it.summary = "It lists 117 more vessels of the shadow fleet.";
	it.guid = "a";
	it.published = T0 - 3600;
	assert_int_equal(upsert(s, f, &it, &id[0]), STORE_NEW);
	it.title = "EU agrees 20th Russia sanctions package: 117 vessels";
	it.guid = "b";
	assert_int_equal(upsert(s, g, &it, &id[1]), STORE_NEW);
	store_close(s);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_docs"), 2);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM"
	    " pragma_table_info('story_links') WHERE name = 'doc'"), 0);
	/*
	 * The database before migration 12: every doc in story_links, the
	 * first article's out of the window
	 */
	sql = xasprintf("DROP TRIGGER story_items_ad;"	/* migration 23's */
	    " ALTER TABLE story_links ADD COLUMN doc BLOB;"
	    " UPDATE story_links SET doc = (SELECT d.doc FROM story_docs d"
	    "  WHERE d.item_id = story_links.item_id);"
	    " UPDATE story_links SET indexed = 0 WHERE item_id = %lld;"
	    " DROP TABLE story_docs;" UNDO_14 UNDO_16 UNDO_17
	    "PRAGMA user_version = 11",
	    (long long)id[0]);
	raw_exec(path, sql);
	free(sql);
	s = open_rw(path);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
	sql = xasprintf("SELECT item_id FROM story_docs WHERE item_id = %lld"
	    " AND (SELECT count(*) FROM story_docs) = 1", (long long)id[1]);
	assert_int_equal(raw_int(path, sql), id[1]);
	free(sql);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM"
	    " pragma_table_info('story_links') WHERE name = 'doc'"), 0);
	/* herald stories --explain: the story and why stay */
	v = all_stories(s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].nitems, 2);
	for (k = 0; k < v[0].nitems; k++)
		why += v[0].items[k].why != NULL &&
		    strstr(v[0].items[k].why, "117") != NULL;
	assert_int_equal(why, 1);
	store_stories_free(v, n);
	/* the moved doc serves a newcomer */
	it.title = "Russia: EU sanctions package lists 117 shadow fleet vessels";
	it.guid = "c";
	it.published = T0 - 1800;
	assert_int_equal(upsert(s, feed(s, "h"), &it, &id[2]), STORE_NEW);
	assert_int_equal(store_item_story(s, id[1], &sa, &err), 1);
	assert_int_equal(store_item_story(s, id[2], &sc, &err), 1);
	assert_int_equal(sa, sc);
	/* retention passes the window first: nothing is first seen that
	   long ago, nothing is deleted, the newest arrivals stay indexed
	   (test_story_prune_old_news) */
	assert_int_equal(store_prune(s, T0 - 60, &deleted, &err), 0);
	assert_int_equal(deleted, 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_links"
	    " WHERE indexed = 1"), 2);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_docs"), 2);
	assert_int_equal(store_stories_indexed(s), 2);
	store_close(s);
	free(path);
}

/*
 * Articles older than the window as they arrive (a feed's history, the
 * first fetch of a new feed, ../shared/feeds/real) still meet the ones
 * that came a few hundred articles before them: the expiry pass runs
 * every 256 articles and took every old article out, so two outlets'
 * reports of one old story met only if no pass ran between their feeds.
 */
static void
test_story_old_arrivals(void **state)
{
	struct store		*s = open_new();
	struct store_item	 it = { .lang = "en", .has_published = 1 };
	int64_t			 f = feed(s, "f"), g = feed(s, "g"), h;
	int64_t			 a, b, x, sa, sb;
	char			*err = NULL, guid[32], title[64];
	unsigned		 r = 12345;
	int			 i, k;

	(void)state;
	h = feed(s, "h");
	it.title = "EU adopts 20th sanctions package against Russia";
	it.summary = "It lists 117 more vessels of the shadow fleet.";
	it.guid = "a";
	it.published = T0 - 400 * 86400;
	assert_int_equal(upsert(s, f, &it, &a), STORE_NEW);
	/* 300 unrelated old articles of another feed: random words */
	it.summary = NULL;
	for (i = 0; i < 300; i++) {
		for (k = 0; k < 20; k++) {
			r = r * 1103515245u + 12345u;
			title[k] = (k % 7 == 6) ? ' ' : (char)('a' + (r >> 16) % 26);
		}
		title[20] = '\0';
		snprintf(guid, sizeof(guid), "x%d", i);
		it.title = title;
		it.guid = guid;
		it.published = T0 - 400 * 86400 + 60 + i;
		assert_int_equal(upsert(s, g, &it, &x), STORE_NEW);
	}
	it.title = "EU agrees 20th Russia sanctions package: 117 vessels";
	it.summary = "The package lists 117 more vessels of the shadow fleet.";
	it.guid = "b";
	it.published = T0 - 400 * 86400 + 3600;
	assert_int_equal(upsert(s, h, &it, &b), STORE_NEW);
	assert_int_equal(store_item_story(s, a, &sa, &err), 1);
	assert_int_equal(store_item_story(s, b, &sb, &err), 1);
	assert_int_equal(sa, sb);
	store_close(s);
}

/*
 * Retention deletes by arrival, the index went by the news's time: the
 * daemon's prune at every start took every old-dated article out of the
 * index, though none was deleted, so a feed's history fetched before a
 * restart no longer met the next feeds' (review3: Fort Lauderdale in
 * twelve pieces).  Articles the prune deletes leave the index.
 */
static void
test_story_prune_old_news(void **state)
{
	struct store		*s = open_new();
	struct store_item	 it = { .lang = "en", .has_published = 1 };
	int64_t			 f = feed(s, "f"), g = feed(s, "g");
	int64_t			 a, b, c, d, sa, sb, sc, sd, n;
	char			*err = NULL, *sql, *path;

	(void)state;
	path = xasprintf("%s/db%d.sqlite", tmpdir, dbseq);
	/* arrived 200 days ago, about a story of 300 days ago */
	store_set_now(s, T0 - 200 * 86400);
	it.title = "Council adopts new rules on gas storage filling targets";
	it.summary = "Member states may reach the 90% target between 1 "
	    "October and 1 December.";
	it.guid = "c";
	it.published = T0 - 300 * 86400;
	assert_int_equal(upsert(s, f, &it, &c), STORE_NEW);
	/* arrived now, about a story of 400 days ago */
	store_set_now(s, T0);
	it.title = "EU adopts 20th sanctions package against Russia";
	it.summary = "It lists 117 more vessels of the shadow fleet.";
	it.guid = "a";
	it.published = T0 - 400 * 86400;
	assert_int_equal(upsert(s, f, &it, &a), STORE_NEW);
	/* a retention of 90 days: the first goes, the second stays */
	assert_int_equal(store_prune(s, T0 - 90 * 86400, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_item_story(s, c, &sc, &err), 0);
	it.title = "EU agrees 20th Russia sanctions package: 117 vessels";
	it.summary = "The package lists 117 more vessels of the shadow fleet.";
	it.guid = "b";
	it.published = T0 - 400 * 86400 + 3600;
	assert_int_equal(upsert(s, g, &it, &b), STORE_NEW);
	assert_int_equal(store_item_story(s, a, &sa, &err), 1);
	assert_int_equal(store_item_story(s, b, &sb, &err), 1);
	assert_int_equal(sa, sb);
	/* the deleted one's story is not joined */
	it.title = "Council adopts new rules on gas storage filling targets";
	it.guid = "d";
	it.published = T0 - 300 * 86400 + 600;
	it.summary = "Member states may reach the 90% target between 1 "
	    "October and 1 December.";
	assert_int_equal(upsert(s, g, &it, &d), STORE_NEW);
	assert_int_equal(store_item_story(s, d, &sd, &err), 1);
	sql = xasprintf("SELECT size FROM stories WHERE id = (SELECT story_id"
	    " FROM story_links WHERE item_id = %lld)", (long long)d);
	assert_int_equal(raw_int(path, sql), 1);
	(void)sc;
	(void)sd;
	free(sql);
	free(path);
	store_close(s);
}

/*
 * A story's title is its lead article's: NULL in the row while it is the
 * same (migration 17), read from the lead.  The title it began with stays
 * when the lead's title changes; none stays none when an untitled lead
 * gets one; a database that kept every title is made so and reads the
 * same.  (The lead pruned: test_prune_stories.)
 */
static void
test_story_title(void **state)
{
	struct store		*s = open_new();
	struct store_item	 it = { .lang = "en", .has_published = 1,
				    .published = T0 - 3600 };
	int64_t			 f = feed(s, "f"), id[3];
	char			*path, *t;

	(void)state;
	path = xasprintf("%s/db%d.sqlite", tmpdir, dbseq);
	it.title = "EU adopts 20th sanctions package against Russia";
	it.summary = "It lists 117 more vessels of the shadow fleet.";
	it.guid = "a";
	assert_int_equal(upsert(s, f, &it, &id[0]), STORE_NEW);
	it.title = "EU agrees 20th Russia sanctions package: 117 vessels";
	it.guid = "b";
	assert_int_equal(upsert(s, feed(s, "g"), &it, &id[1]), STORE_NEW);
	it.title = NULL;
	it.summary = "Baltic fishing quotas for cod and herring agreed.";
	it.guid = "c";
	assert_int_equal(upsert(s, feed(s, "h"), &it, &id[2]), STORE_NEW);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM stories"), 2);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM stories"
	    " WHERE title IS NULL"), 2);
	t = story_title_of(s, id[1]);
	assert_string_equal(t, "EU adopts 20th sanctions package against "
	    "Russia");
	free(t);
	t = story_title_of(s, id[2]);
	assert_string_equal(t, "(none)");
	free(t);
	store_close(s);

	/* a database of version 16 kept the title: made NULL, read the same */
	raw_exec(path, UNDO_17 "PRAGMA user_version = 16");
	assert_int_equal(raw_int(path, "SELECT count(*) FROM stories"
	    " WHERE title IS NULL"), 1);
	s = open_rw(path);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM stories"
	    " WHERE title IS NULL"), 2);
	t = story_title_of(s, id[1]);
	assert_string_equal(t, "EU adopts 20th sanctions package against "
	    "Russia");
	free(t);

	/* the leads' titles change: the stories keep theirs */
	store_set_now(s, T0 + 60);
	it.title = "EU adopts 20th sanctions package (updated)";
	it.summary = "It lists 117 more vessels of the shadow fleet.";
	it.guid = "a";
	assert_int_equal(upsert(s, f, &it, NULL), STORE_UPDATED);
	it.title = "Baltic quotas";
	it.summary = "Baltic fishing quotas for cod and herring agreed.";
	it.guid = "c";
	assert_int_equal(upsert(s, feed(s, "h"), &it, NULL), STORE_UPDATED);
	t = story_title_of(s, id[1]);
	assert_string_equal(t, "EU adopts 20th sanctions package against "
	    "Russia");
	free(t);
	t = story_title_of(s, id[2]);
	assert_string_equal(t, "(none)");
	free(t);
	store_close(s);
	free(path);
}

/*
 * Why an article joined its story is stored packed (migration 18: a BLOB
 * of a third of the text) and read as the line; a why stored as text by
 * an older herald reads as it was.
 */
static void
test_story_why(void **state)
{
	struct store		*s = open_new();
	struct store_item	 it = { .lang = "en", .has_published = 1,
				    .published = T0 - 3600 };
	struct store_story	*v;
	int64_t			 id[2], packed;
	char			*path, *sql;
	size_t			 n, k;
	const char		*why = NULL;

	(void)state;
	path = xasprintf("%s/db%d.sqlite", tmpdir, dbseq);
	it.title = "EU adopts 20th sanctions package against Russia";
	it.summary = "It lists 117 more vessels of the shadow fleet.";
	it.guid = "a";
	assert_int_equal(upsert(s, feed(s, "f"), &it, &id[0]), STORE_NEW);
	it.title = "EU agrees 20th Russia sanctions package: 117 vessels";
	it.guid = "b";
	assert_int_equal(upsert(s, feed(s, "g"), &it, &id[1]), STORE_NEW);
	sql = xasprintf("SELECT CASE typeof(why) WHEN 'blob' THEN length(why)"
	    " END FROM story_links WHERE item_id = %lld", (long long)id[1]);
	packed = raw_int(path, sql);
	free(sql);
	v = all_stories(s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].nitems, 2);
	for (k = 0; k < 2; k++)
		if (v[0].items[k].id == id[1])
			why = v[0].items[k].why;
	assert_non_null(why);
	assert_non_null(strstr(why, "same language (en), similarity "));
	assert_non_null(strstr(why, "; words: "));
	/* packed: at most half the line */
	assert_true(packed > 0 && (size_t)packed * 2 <= strlen(why));
	store_stories_free(v, n);
	/* the text an older herald stored */
	sql = xasprintf("UPDATE story_links SET why = 'same language (en),"
	    " similarity 0.71, evidence 2.4; keys: 117; words: sanction,"
	    " packag' WHERE item_id = %lld", (long long)id[1]);
	raw_exec(path, sql);
	free(sql);
	v = all_stories(s, &n);
	for (k = 0; k < 2; k++)
		if (v[0].items[k].id == id[1])
			assert_string_equal(v[0].items[k].why,
			    "same language (en), similarity 0.71, evidence 2.4;"
			    " keys: 117; words: sanction, packag");
		else
			assert_null(v[0].items[k].why);
	store_stories_free(v, n);
	store_close(s);
	free(path);
}

/* Search */

static void
test_search(void **state)
{
	static const struct {
		const char	*query;
		size_t		 hits;
	} cases[] = {
		{ "Bruxelles", 2 },
		{ "bruxelles", 2 },
		{ "BRUXELLES", 2 },
		{ "kosice", 1 },
		{ "Košice", 1 },
		{ "pekin", 1 },
		{ "Pékin", 1 },
		{ "ΚΊΝΑ", 1 },
		{ "китай", 1 },
		{ "\"green deal\"", 1 },
		{ "brux*", 2 },
		{ "title:bruxelles", 1 },
		{ "author:dupont", 1 },
		{ "bruxelles NOT kosice", 1 },
		{ "semiconductor", 0 },
	};
	static const char *const bad[] = {
		"\"unbalanced", "AND", "nosuchcolumn:x", "a NEAR(",
	};
	struct store		*s = open_new();
	struct store_item	 items[] = {
		{ .guid = "1", .title = "Sommet à Bruxelles",
		  .summary = "Les dirigeants se réunissent.",
		  .author = "Marie Dupont" },
		{ .guid = "2", .title = "Cohesion funds for Košice",
		  .summary = "Slovakia's second city, near Bruxelles' radar." },
		{ .guid = "3", .title = "Trade", .summary = "Relations with "
		  "Pékin, Κίνα and Китай under the Green Deal." },
	};
	struct store_search	 q = { .hl_open = "<b>", .hl_close = "</b>" };
	struct store_entry	*v;
	size_t			 i, n;
	int64_t			 f = feed(s, "f");
	char			*err = NULL;

	begin(s);
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		upsert(s, f, &items[i], NULL);
	commit(s);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (count_hits(s, cases[i].query) != cases[i].hits)
			fail_msg("search \"%s\": want %zu hits",
			    cases[i].query, cases[i].hits);

	/* The title hit ranks first, with a highlighted snippet. */
	q.query = "bruxelles";
	assert_int_equal(store_search(s, &q, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].title, "Sommet à Bruxelles");
	assert_true(v[0].rank <= v[1].rank);
	assert_non_null(strstr(v[0].snippet, "<b>Bruxelles</b>"));
	assert_string_equal(v[0].feed_name, "f");
	store_entries_free(v, n);

	/* since and limit */
	q.limit = 1;
	assert_int_equal(store_search(s, &q, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	store_entries_free(v, n);
	q.limit = 0;
	q.since = T0 + 1;
	assert_int_equal(store_search(s, &q, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	store_entries_free(v, n);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		q.query = bad[i];
		q.since = 0;
		err = NULL;
		assert_int_equal(store_search(s, &q, &v, &n, &err), -1);
		assert_non_null(err);
		if (strstr(err, "invalid query") == NULL)
			fail_msg("\"%s\": %s", bad[i], err);
		assert_null(v);
		assert_int_equal(n, 0);
		free(err);
	}
	q.query = "";
	err = NULL;
	assert_int_equal(store_search(s, &q, &v, &n, &err), -1);
	free(err);
	/* The handle still works after a bad query. */
	assert_int_equal(count_hits(s, "kosice"), 1);
	store_close(s);
}

/* Retention */

static void
test_prune(void **state)
{
	struct store		*s = open_new();
	int64_t			 f = feed(s, "f"), g = feed(s, "g"), deleted;
	char			 guid[32], *err = NULL;
	int			 i;

	/* 100 days ago: items 0-9 in f, "old-g" in g. */
	store_set_now(s, T0 - 100 * DAY);
	begin(s);
	for (i = 0; i < 10; i++) {
		struct store_item it = { .title = "Old news" };

		snprintf(guid, sizeof(guid), "old-%d", i);
		it.guid = guid;
		it.summary = i < 2 ? "still listed" : "long gone";
		upsert(s, f, &it, NULL);
	}
	{
		struct store_item it = { .guid = "old-g", .title = "Gee",
		    .summary = "still listed" };

		upsert(s, g, &it, NULL);
	}
	complete_fetch(s, f, T0 - 100 * DAY);
	complete_fetch(s, g, T0 - 100 * DAY);
	commit(s);

	/* Today f still lists items 0 and 1 and a new one; g is dead. */
	store_set_now(s, T0);
	begin(s);
	for (i = 0; i < 2; i++) {
		struct store_item it = { .title = "Old news",
		    .summary = "still listed" };

		snprintf(guid, sizeof(guid), "old-%d", i);
		it.guid = guid;
		assert_int_equal(upsert(s, f, &it, NULL), STORE_UNCHANGED);
	}
	{
		struct store_item it = { .guid = "new", .title = "New" };

		assert_int_equal(upsert(s, f, &it, NULL), STORE_NEW);
	}
	complete_fetch(s, f, T0);
	commit(s);
	assert_int_equal(count_items(s), 12);
	assert_int_equal(count_hits(s, "gone"), 8);

	assert_int_equal(store_prune(s, T0 - 90 * DAY, &deleted, &err), 0);
	/* 8 gone from f, and g's item: g has not succeeded since. */
	assert_int_equal(deleted, 9);
	assert_int_equal(count_items(s), 3);
	assert_int_equal(count_hits(s, "gone"), 0);
	assert_int_equal(count_hits(s, "\"still listed\""), 2);
	/* Pruned items come back as new; kept ones do not. */
	begin(s);
	{
		struct store_item it = { .guid = "old-5", .title = "Old news",
		    .summary = "long gone" };
		struct store_item kept = { .guid = "old-0",
		    .title = "Old news", .summary = "still listed" };

		assert_int_equal(upsert(s, f, &it, NULL), STORE_NEW);
		assert_int_equal(upsert(s, f, &kept, NULL), STORE_UNCHANGED);
	}
	commit(s);
	assert_int_equal(store_prune(s, T0 - 90 * DAY, &deleted, &err), 0);
	assert_int_equal(deleted, 0);
	store_close(s);
}

static void
test_prune_batches(void **state)
{
	struct store		*s = open_new();
	int64_t			 f = feed(s, "f"), deleted;
	char			 guid[32], *err = NULL;
	int			 i;

	store_set_now(s, T0 - 10 * DAY);
	begin(s);
	for (i = 0; i < 2500; i++) {
		struct store_item it = { .title = "x" };

		snprintf(guid, sizeof(guid), "%d", i);
		it.guid = guid;
		upsert(s, f, &it, NULL);
	}
	commit(s);
	assert_int_equal(store_prune(s, T0, &deleted, &err), 0);
	assert_int_equal(deleted, 2500);
	assert_int_equal(count_items(s), 0);
	store_close(s);
}

/*
 * A bounded prune (heraldd's passes, so that a lowered retention over a
 * large database does not hold the loop past its watchdog): 0 seconds
 * deletes one batch a call and says whether more is left; a bound that is
 * not reached deletes everything in one call, as store_prune() does.
 */
static void
test_prune_passes(void **state)
{
	struct store		*s = open_new();
	int64_t			 f = feed(s, "f"), deleted, total = 0;
	char			 guid[32], *err = NULL;
	int			 i, more, calls = 0;

	store_set_now(s, T0 - 10 * DAY);
	begin(s);
	for (i = 0; i < 2500; i++) {
		struct store_item it = { .title = "x" };

		snprintf(guid, sizeof(guid), "%d", i);
		it.guid = guid;
		upsert(s, f, &it, NULL);
	}
	commit(s);
	do {
		assert_int_equal(store_prune_for(s, T0 - 20 * DAY, 0, &deleted,
		    &more, &err), 0);
		assert_int_equal(deleted, 0);
		assert_int_equal(more, 0);
		assert_int_equal(store_prune_for(s, T0, 0, &deleted, &more,
		    &err), 0);
		total += deleted;
		calls++;
		assert_int_equal(deleted, calls < 3 ? 1000 : 500);
		assert_int_equal(more, calls < 3);
		assert_int_equal(count_items(s), 2500 - total);
	} while (more && calls < 10);
	assert_int_equal(calls, 3);
	store_set_now(s, T0 - 10 * DAY);
	begin(s);
	for (i = 0; i < 1500; i++) {
		struct store_item it = { .title = "y" };

		snprintf(guid, sizeof(guid), "y%d", i);
		it.guid = guid;
		upsert(s, f, &it, NULL);
	}
	commit(s);
	assert_int_equal(store_prune_for(s, T0, 600, &deleted, &more, &err), 0);
	assert_int_equal(deleted, 1500);
	assert_int_equal(more, 0);
	assert_int_equal(count_items(s), 0);
	store_close(s);
}

/*
 * Retention takes a story with its last article (issue 9): a story whose
 * articles are all pruned goes, with its keys in the index and its topic
 * pairs; a story that keeps one article stays, one smaller.
 */
static void
test_prune_stories(void **state)
{
	static const struct {
		const char	*feed, *title, *summary;
		int64_t		 age;		/* days before T0, first seen */
		int64_t		 pub;		/* minutes after the story began */
	} arts[] = {
	    /* story A: both pruned */
	    { "a", "EU adopts 20th sanctions package against Russia",
	      "It lists 117 more vessels of the shadow fleet and bans "
	      "transactions with 22 Russian banks.", 100, 0 },
	    { "b", "EU agrees 20th Russia sanctions package",
	      "The package targets 117 more shadow fleet tankers and 22 "
	      "banks.", 100, 30 },
	    /* story B: one pruned, one kept (seen later, published soon) */
	    { "a", "Commission fines Apple EUR 500 million under the DMA",
	      "IP/26/745: Apple breached the anti-steering obligation of "
	      "the Digital Markets Act.", 100, 5000 },
	    { "b", "Apple fined EUR 500 million by Brussels under DMA",
	      "The decision IP/26/745 finds Apple breached the Digital "
	      "Markets Act.", 80, 5060 },
	};
	struct store		*s = open_new();
	struct store_story	*v;
	int64_t			 f, id[4], sa, sb, deleted, t;
	char			*err = NULL, *path, guid[8], *sql;
	size_t			 i, n;

	(void)state;
	path = xasprintf("%s/db%d.sqlite", tmpdir, dbseq);
	for (i = 0; i < 4; i++) {
		struct store_item	 it = { .title = arts[i].title,
		    .summary = arts[i].summary, .lang = "en",
		    .has_published = 1 };

		/* published first; then seen (a feed can lag) */
		t = T0 - 101 * DAY;
		it.published = t + arts[i].pub * 60;
		snprintf(guid, sizeof(guid), "g%zu", i);
		it.guid = guid;
		f = feed(s, arts[i].feed);
		store_set_now(s, T0 - arts[i].age * DAY);
		begin(s);
		assert_int_equal(upsert(s, f, &it, &id[i]), STORE_NEW);
		commit(s);
	}
	assert_int_equal(store_item_story(s, id[0], &sa, &err), 1);
	assert_int_equal(store_item_story(s, id[2], &sb, &err), 1);
	assert_int_not_equal(sa, sb);
	for (i = 1; i < 4; i++) {
		int64_t	 x;

		assert_int_equal(store_item_story(s, id[i], &x, &err), 1);
		assert_int_equal(x, i < 2 ? sa : sb);
	}
	/* story A alerted a topic: its pair goes with it */
	store_set_now(s, T0);
	assert_int_equal(store_match_add(s, id[0], "russia", "sanctions",
	    "title", "[sanctions]", NULL, 0, NULL, NULL, &err), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_topics"), 1);
	assert_true(store_stories_indexed(s) > 0);

	assert_int_equal(store_prune(s, T0 - 90 * DAY, &deleted, &err), 0);
	assert_int_equal(deleted, 3);
	v = all_stories(s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, sb);
	assert_int_equal(v[0].size, 1);
	assert_int_equal(v[0].nitems, 1);
	assert_int_equal(v[0].items[0].id, id[3]);
	/* its lead went: the story keeps the lead's title */
	assert_string_equal(v[0].title, arts[2].title);
	store_stories_free(v, n);
	sql = xasprintf("SELECT count(*) FROM stories WHERE id = %lld",
	    (long long)sa);
	assert_int_equal(raw_int(path, sql), 0);
	free(sql);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_topics"), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM story_links"), 1);
	/* no pruned article is left in the index */
	assert_int_equal(store_stories_indexed(s), (size_t)raw_int(path,
	    "SELECT count(*) FROM story_links WHERE indexed = 1"));
	store_close(s);
	free(path);
}

/* Feeds and the CLI reads */

static void
test_feed_state(void **state)
{
	struct store		*s = open_new();
	struct store_feed	 fd;
	struct store_fetch	 ok = { .fetched = T0, .ok = 1, .status = 200,
				    .next_fetch = T0 + 900,
				    .set_validators = 1, .etag = "\"v1\"",
				    .last_modified = "Tue, 14 Nov 2023 "
				    "22:13:20 GMT", .title = "The Feed",
				    .site_link = "https://f.example/",
				    .n_new = 3 };
	struct store_fetch	 bad = { .fetched = T0 + 900, .status = 503,
				    .error = "HTTP 503", .error_class =
				    "http5xx", .failures = 1,
				    .next_fetch = T0 + 2700 };
	struct store_fetch	 nm = { .fetched = T0 + 2700, .ok = 1,
				    .status = 304, .next_fetch = T0 + 3600 };
	int64_t			 id, id2;
	char			*err = NULL;

	assert_int_equal(store_feed_ensure(s, "f", "https://f.example/rss",
	    NULL, 1, &id, &err), 0);
	assert_int_equal(store_feed_ensure(s, "f", "https://f.example/rss",
	    NULL, 1, &id2, &err), 0);
	assert_int_equal(id, id2);
	assert_int_equal(store_feed_get(s, id + 100, &fd, &err), 0);

	assert_int_equal(store_feed_update(s, id, &ok, &err), 0);
	assert_int_equal(store_feed_update(s, id, &bad, &err), 0);
	assert_int_equal(store_feed_get(s, id, &fd, &err), 1);
	assert_string_equal(fd.etag, "\"v1\"");		/* kept on error */
	assert_string_equal(fd.last_error, "HTTP 503");
	assert_string_equal(fd.error_class, "http5xx");
	assert_int_equal(fd.last_status, 503);
	assert_int_equal(fd.failures, 1);
	assert_int_equal(fd.last_success, T0);
	assert_int_equal(fd.last_fetch, T0 + 900);
	assert_int_equal(fd.next_fetch, T0 + 2700);
	assert_string_equal(fd.title, "The Feed");
	assert_int_equal(fd.n_fetches, 2);
	assert_int_equal(fd.n_errors, 1);
	assert_int_equal(fd.n_new, 3);
	store_feed_clear(&fd);

	assert_int_equal(store_feed_update(s, id, &nm, &err), 0);
	assert_int_equal(store_feed_get(s, id, &fd, &err), 1);
	assert_null(fd.last_error);
	assert_int_equal(fd.failures, 0);
	assert_int_equal(fd.n_not_modified, 1);
	assert_int_equal(fd.last_success, T0 + 2700);
	assert_string_equal(fd.etag, "\"v1\"");
	store_feed_clear(&fd);

	/* A permanent redirect moves url, not config_url... */
	nm.url = "https://new.f.example/rss";
	assert_int_equal(store_feed_update(s, id, &nm, &err), 0);
	assert_int_equal(store_feed_ensure(s, "f", "https://f.example/rss",
	    NULL, 1, &id2, &err), 0);
	assert_int_equal(store_feed_get(s, id, &fd, &err), 1);
	assert_string_equal(fd.url, "https://new.f.example/rss");
	assert_string_equal(fd.etag, "\"v1\"");
	store_feed_clear(&fd);
	/* ...a new configured URL resets it and the validators. */
	assert_int_equal(store_feed_ensure(s, "f", "https://g.example/rss",
	    NULL, 0, &id2, &err), 0);
	assert_int_equal(id, id2);
	assert_int_equal(store_feed_get(s, id, &fd, &err), 1);
	assert_string_equal(fd.url, "https://g.example/rss");
	assert_string_equal(fd.config_url, "https://g.example/rss");
	assert_null(fd.etag);
	assert_null(fd.last_modified);
	assert_int_equal(fd.enabled, 0);
	store_feed_clear(&fd);
	store_close(s);
}

/*
 * What the last body said is kept with the fetch that stored it, and only
 * then: a fetch that did not parse a body (a 304, an error, the same body)
 * leaves it as it was.
 */
static void
test_feed_body(void **state)
{
	struct store		*s = open_new();
	struct store_feed	 fd;
	struct store_fetch	 parsed = { .fetched = T0, .ok = 1,
				    .status = 200, .set_body = 1,
				    .body_hash = 0xfedcba9876543210ULL,
				    .hint = 7200, .skip_hours = 0x3,
				    .skip_days = 0x41 };
	struct store_fetch	 same = { .fetched = T0 + 60, .ok = 1,
				    .status = 200 };
	struct store_fetch	 nohint = { .fetched = T0 + 120, .ok = 1,
				    .status = 200, .set_body = 1,
				    .body_hash = 0, .hint = -1 };
	int64_t			 id = feed(s, "f");
	char			*err = NULL;

	assert_int_equal(store_feed_get(s, id, &fd, &err), 1);
	assert_true(fd.body_hash == 0);
	assert_int_equal(fd.hint, -1);
	store_feed_clear(&fd);
	assert_int_equal(store_feed_update(s, id, &parsed, &err), 0);
	assert_int_equal(store_feed_update(s, id, &same, &err), 0);
	assert_int_equal(store_feed_get(s, id, &fd, &err), 1);
	assert_true(fd.body_hash == 0xfedcba9876543210ULL);
	assert_int_equal(fd.hint, 7200);
	assert_int_equal(fd.skip_hours, 0x3);
	assert_int_equal(fd.skip_days, 0x41);
	store_feed_clear(&fd);
	assert_int_equal(store_feed_update(s, id, &nohint, &err), 0);
	assert_int_equal(store_feed_get(s, id, &fd, &err), 1);
	assert_true(fd.body_hash == 0);
	assert_int_equal(fd.hint, -1);
	assert_int_equal(fd.skip_hours, 0);
	store_feed_clear(&fd);
	/* rolled back with its transaction */
	begin(s);
	assert_int_equal(store_feed_update(s, id, &parsed, &err), 0);
	assert_int_equal(store_rollback(s), 0);
	assert_int_equal(store_feed_get(s, id, &fd, &err), 1);
	assert_true(fd.body_hash == 0);
	store_feed_clear(&fd);
	store_close(s);
}

/*
 * The raw hashes of what a feed carries: written with the items, read back
 * by store_feed_seen(), gone when the item leaves the feed; an item kept
 * with store_item_keep() stays current without a write.
 */
static void
test_feed_seen(void **state)
{
	struct store		*s = open_new();
	struct store_item	 a = { .guid = "a", .title = "Alpha",
				    .raw_hash = 11 };
	struct store_item	 b = { .guid = "b", .title = "Beta",
				    .raw_hash = 22 };
	struct store_item	 c = { .guid = "c", .title = "Gamma",
				    .raw_hash = 33 };
	struct store_seen	*v;
	size_t			 n, i;
	int64_t			 f = feed(s, "f"), ida, idb, idc, sum;
	char			*err = NULL;

	begin(s);
	upsert(s, f, &a, &ida);
	upsert(s, f, &b, &idb);
	complete_fetch(s, f, T0);
	commit(s);
	assert_int_equal(store_feed_seen(s, f, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	for (i = 0, sum = 0; i < n; i++)
		sum += v[i].raw_hash == 11 ? v[i].item_id * 1000 :
		    v[i].raw_hash == 22 ? v[i].item_id : -1000000;
	assert_int_equal(sum, ida * 1000 + idb);
	free(v);

	/* a kept, b gone, c new */
	begin(s);
	store_item_keep(s, f, ida);
	upsert(s, f, &c, &idc);
	complete_fetch(s, f, T0 + 60);
	commit(s);
	assert_int_equal(store_feed_seen(s, f, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		assert_true((v[i].raw_hash == 11 && v[i].item_id == ida) ||
		    (v[i].raw_hash == 33 && v[i].item_id == idc));
	free(v);

	/* the same article from an entry written otherwise: its new hash */
	a.raw_hash = 44;
	begin(s);
	assert_int_equal(upsert(s, f, &a, NULL), STORE_UNCHANGED);
	store_item_keep(s, f, idc);
	complete_fetch(s, f, T0 + 120);
	commit(s);
	assert_int_equal(store_feed_seen(s, f, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		assert_true(v[i].raw_hash == (v[i].item_id == ida ? 44 : 33));
	free(v);
	store_close(s);
}

/*
 * The search index is written as a transaction commits: what it added is
 * found, what was rolled back leaves nothing behind, and an update inside
 * a later transaction replaces the old words.
 */
/*
 * A match's terms, field and snippet are stored packed (offsets into the
 * article's texts, migration 13) and read out in full; when the article's
 * texts change, its matches keep what they said of the old ones.
 */
static void
test_match_packed(void **state)
{
	static const char *const plugins[] = { "jsonl" };
	struct store_topic	 tp = { .name = "china", .match = "China",
				    .plugins = plugins, .nplugins = 1 };
	struct store_alerts_filter f = { .state = -1 };
	struct store_item	 it = { .guid = "g1",
				    .link = "https://x.example/1",
				    .title = "Talks with China on trade",
				    .summary = "China and the EU" };
	struct store_topics	*ts;
	struct store_alert	*v;
	struct store		*s;
	char			*path = db_path(), *err = NULL;
	int64_t			 a, id;
	size_t			 n, nm;

	(void)state;
	s = open_rw(path);
	a = feed(s, "a");
	if ((ts = store_topics_new(s, &tp, 1, &err)) == NULL)
		fail_msg("topics_new: %s", err);
	/* the topic has its number before its first match */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM topics"
	    " WHERE name = 'china'"), 1);
	assert_int_equal(upsert(s, a, &it, &id), STORE_NEW);
	assert_int_equal(store_topics_match(s, ts, a, &id, 1, &nm, &err), 0);
	assert_int_equal(nm, 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM matches"
	    " WHERE typeof(snippet) = 'blob' AND length(snippet) < 16"
	    " AND terms IS NULL AND field IS NULL"), 1);
	assert_int_equal(store_alerts_list(s, &f, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].terms, "China");
	assert_string_equal(v[0].field, "title");
	assert_string_equal(v[0].snippet, "Talks with [China] on trade");
	store_alerts_free(v, n);

	/* the texts change: the match says what it said */
	it.title = "China: a long new title before the talks";
	it.summary = NULL;
	assert_int_equal(upsert(s, a, &it, &id), STORE_UPDATED);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM matches"
	    " WHERE typeof(snippet) = 'text'"), 1);
	assert_int_equal(store_alerts_list(s, &f, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].terms, "China");
	assert_string_equal(v[0].field, "title");
	assert_string_equal(v[0].snippet, "Talks with [China] on trade");
	store_alerts_free(v, n);
	store_topics_free(ts);
	store_close(s);
	free(path);
}

/*
 * A feed's GUIDs are found by their hash (migration 16), the text
 * compared; a GUID whose hash another of the feed's has is kept without
 * one and still found; an older database's GUIDs get their hashes.
 */
static void
test_guid_key(void **state)
{
	struct store_item	 it = { .guid = "g1",
				    .link = "https://x.example/1",
				    .title = "One" };
	struct store		*s;
	char			*path = db_path();
	int64_t			 a, id, id2;

	(void)state;
	s = open_rw(path);
	a = feed(s, "a");
	assert_int_equal(upsert(s, a, &it, &id), STORE_NEW);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM item_feeds"
	    " WHERE guid = 'g1' AND guid_key IS NOT NULL"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM"
	    " pragma_index_info('item_feeds_guid') WHERE name = 'guid'"), 0);
	assert_int_equal(upsert(s, a, &it, &id2), STORE_UNCHANGED);
	assert_int_equal(id2, id);
	/* another GUID of the feed holds g1's hash */
	raw_exec(path, "UPDATE item_feeds SET guid = 'other'"
	    " WHERE guid = 'g1'");
	it.link = "https://x.example/2";
	it.title = "Two";
	assert_int_equal(upsert(s, a, &it, &id), STORE_NEW);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM item_feeds"
	    " WHERE guid = 'g1' AND guid_key IS NULL"), 1);
	assert_int_equal(upsert(s, a, &it, &id2), STORE_UNCHANGED);
	assert_int_equal(id2, id);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM item_feeds"), 2);
	store_close(s);
	/* the other gone, the keyless GUID is still looked for when opened */
	raw_exec(path, "DELETE FROM item_feeds WHERE guid = 'other'");
	s = open_rw(path);
	it.link = "https://x.example/3";	/* found by its GUID alone */
	assert_int_equal(upsert(s, a, &it, &id2), STORE_UPDATED);
	assert_int_equal(id2, id);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM item_feeds"), 1);
	store_close(s);
	/* the database before migration 16 */
	raw_exec(path, UNDO_16 UNDO_17 "PRAGMA user_version = 15");
	s = open_rw(path);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM item_feeds"
	    " WHERE guid = 'g1' AND guid_key IS NOT NULL"), 1);
	assert_int_equal(upsert(s, a, &it, &id2), STORE_UNCHANGED);
	assert_int_equal(id2, id);
	store_close(s);
	free(path);
}

/*
 * A GUID that is the article's link is kept as '' (migration 21) and
 * still finds its article; when the link changes, the GUID keeps the
 * old one, and a GUID that is another text is kept whole.
 */
static void
test_guid_link(void **state)
{
	struct store_item	 it = { .guid = "https://x.example/a",
				    .link = "https://x.example/a",
				    .title = "One", .summary = "First" };
	struct store_item	 other = { .guid = "urn:b",
				    .link = "https://x.example/b",
				    .title = "Two" };
	struct store_item	 third = { .guid = "https://x.example/c",
				    .link = "https://x.example/c",
				    .title = "Three" };
	struct store		*s;
	char			*path = db_path();
	int64_t			 a, b, id, id2, idb;

	(void)state;
	s = open_rw(path);
	a = feed(s, "a");
	b = feed(s, "b");
	assert_int_equal(upsert(s, a, &it, &id), STORE_NEW);
	assert_int_equal(upsert(s, a, &other, &id2), STORE_NEW);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM item_feeds"
	    " WHERE guid = '' AND guid_key IS NOT NULL"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM item_feeds"
	    " WHERE guid = 'urn:b'"), 1);
	assert_int_equal(upsert(s, a, &it, &id2), STORE_UNCHANGED);
	assert_int_equal(id2, id);
	/* another feed's copy with the same link and GUID keeps its own */
	assert_int_equal(upsert(s, b, &it, &id2), STORE_UNCHANGED);
	assert_int_equal(id2, id);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM item_feeds"
	    " WHERE guid = ''"), 2);
	/* the link moves, the GUID stays: the same article */
	it.link = "https://x.example/a?moved";
	it.summary = "First, corrected";
	assert_int_equal(upsert(s, a, &it, &id2), STORE_UPDATED);
	assert_int_equal(id2, id);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM item_feeds"
	    " WHERE guid = 'https://x.example/a'"), 2);
	assert_int_equal(upsert(s, a, &it, &id2), STORE_UNCHANGED);
	assert_int_equal(id2, id);
	assert_int_equal(upsert(s, b, &it, &id2), STORE_UNCHANGED);
	assert_int_equal(id2, id);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM items"), 2);
	/* a GUID of another text with the link's hash is not the article */
	assert_int_equal(upsert(s, a, &third, &id), STORE_NEW);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM item_feeds"
	    " WHERE guid = ''"), 1);
	assert_int_equal(upsert(s, a, &other, &idb), STORE_UNCHANGED);
	raw_exec(path, "CREATE TEMP TABLE k AS SELECT guid_key FROM item_feeds"
	    " WHERE guid = 'urn:b';"
	    " DELETE FROM item_feeds WHERE guid = 'urn:b';"
	    " UPDATE item_feeds SET guid_key = (SELECT guid_key FROM k)"
	    " WHERE guid = '' AND feed_id = (SELECT id FROM feeds"
	    " WHERE name = 'a');");
	store_close(s);
	s = open_rw(path);
	upsert(s, a, &other, &id2);
	assert_int_equal(id2, idb);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM item_feeds"
	    " WHERE guid = 'urn:b' AND guid_key IS NULL"), 1);
	store_close(s);
	free(path);
}

static void
test_index_at_commit(void **state)
{
	struct store		*s = open_new();
	struct store_item	 gone = { .guid = "g", .title = "Quixotic" };
	struct store_item	 kept = { .guid = "k", .title = "Zealous" };
	struct store_item	 many[40];
	char			 title[40][32];
	int64_t			 f = feed(s, "f");
	size_t			 i;

	begin(s);
	upsert(s, f, &gone, NULL);
	assert_int_equal(store_rollback(s), 0);
	begin(s);
	upsert(s, f, &kept, NULL);
	for (i = 0; i < 40; i++) {
		snprintf(title[i], sizeof(title[i]), "Batch item%zu", i);
		memset(&many[i], 0, sizeof(many[i]));
		many[i].guid = title[i];
		many[i].title = title[i];
	}
	for (i = 0; i < 40; i++)
		upsert(s, f, &many[i], NULL);
	commit(s);
	assert_int_equal(count_hits(s, "quixotic"), 0);
	assert_int_equal(count_hits(s, "zealous"), 1);
	assert_int_equal(count_hits(s, "batch"), 40);
	assert_int_equal(count_hits(s, "item39"), 1);

	kept.title = "Zealots";
	begin(s);
	assert_int_equal(upsert(s, f, &kept, NULL), STORE_UPDATED);
	commit(s);
	assert_int_equal(count_hits(s, "zealous"), 0);
	assert_int_equal(count_hits(s, "zealots"), 1);
	/* outside store_begin(), an upsert is its own transaction */
	kept.title = "Zeal";
	assert_int_equal(upsert(s, f, &kept, NULL), STORE_UPDATED);
	assert_int_equal(count_hits(s, "zealots"), 0);
	assert_int_equal(count_hits(s, "zeal"), 1);
	store_close(s);
}

/*
 * Stores the three articles items[] in one transaction, matched against
 * the topics tp[] compiled: their ids in ids[], the matches made in *nm.
 */
static struct store_topics *
ingest(struct store *s, int64_t f, const struct store_topic *tp, size_t ntp,
    const struct store_item *const *items, int64_t *ids, size_t *nm)
{
	struct store_topics	*ts;
	char			*err = NULL;
	size_t			 i;

	if ((ts = store_topics_new(s, tp, ntp, &err)) == NULL)
		fail_msg("topics_new: %s", err);
	begin(s);
	for (i = 0; i < 3; i++)
		upsert(s, f, items[i], &ids[i]);
	if (store_topics_match(s, ts, f, ids, 3, nm, &err) == -1)
		fail_msg("match: %s", err);
	commit(s);
	return ts;
}

/*
 * The topic matcher's tokens go to the search index again (store-tokens.c)
 * only for a text the same byte for byte: every column of every article
 * is found, the index is the one the tokenizer makes afresh (FTS5's
 * integrity-check, after the transaction, tokenizes the texts again), and
 * a changed text leaves the index as it was indexed.
 */
static void
test_index_tokens_once(void **state)
{
	struct store_topic	 tp = { .name = "eu", .match = "EU" };
	struct store_item	 a = { .guid = "a", .title = "Pékin talks",
				    .summary = "Η Ευρωπαϊκή Επιτροπή EU",
				    .content = "<p>zymurgy\xc2\xa0" "fjord "
				    "content</p>",
				    .author = "Ålesund Writer" };
	struct store_item	 b = { .guid = "b",
				    .title = "Η Ευρωπαϊκή Επιτροπή EU",
				    .summary = "Pékin talks" };
	struct store_item	 c = { .guid = "c", .title = "Alpha EU one" };
	const struct store_item	*abc[] = { &a, &b, &c };
	struct store_topics	*ts;
	struct store		*s;
	char			*path = db_path(), *err = NULL;
	int64_t			 f, ids[3];
	size_t			 nm;

	(void)state;
	s = open_rw(path);
	f = feed(s, "f");
	ts = ingest(s, f, &tp, 1, abc, ids, &nm);
	assert_int_equal(nm, 3);
	/* changed: the old text out of the index, the new in */
	c.title = "Beta EU two";
	begin(s);
	assert_int_equal(upsert(s, f, &c, &ids[2]), STORE_UPDATED);
	if (store_topics_match(s, ts, f, &ids[2], 1, &nm, &err) == -1)
		fail_msg("match: %s", err);
	commit(s);
	assert_int_equal(count_hits(s, "pekin"), 2);
	assert_int_equal(count_hits(s, "title:pekin"), 1);
	assert_int_equal(count_hits(s, "summary:ΕΠΙΤΡΟΠΉ"), 1);
	assert_int_equal(count_hits(s, "title:ευρωπαϊκή"), 1);
	assert_int_equal(count_hits(s, "content:zymurgy"), 1);
	assert_int_equal(count_hits(s, "\"zymurgy fjord content\""), 1);
	assert_int_equal(count_hits(s, "author:alesund"), 1);
	assert_int_equal(count_hits(s, "alpha"), 0);
	assert_int_equal(count_hits(s, "\"beta eu two\""), 1);
	if (store_index_check(s, &err) == -1)
		fail_msg("index check: %s", err);
	store_topics_free(ts);
	store_close(s);
	free(path);
}

/* The articles topic `name` matched; *terms0 the first one's terms. */
static size_t
topic_count(struct store *s, const char *name, char **terms0)
{
	struct store_entry	*e;
	char			**terms, *err = NULL;
	size_t			 n, i;

	if (store_topic_entries(s, name, 0, 0, &e, &terms, &n, &err) == -1)
		fail_msg("topic_entries %s: %s", name, err);
	if (terms0 != NULL)
		*terms0 = n > 0 ? xstrdup(terms[0]) : NULL;
	for (i = 0; i < n; i++)
		free(terms[i]);
	free(terms);
	store_entries_free(e, n);
	return n;
}

/* The articles store_topic_test() finds for the rule `match`. */
static size_t
topic_test_count(struct store *s, const char *match)
{
	struct store_topic	 tp = { .name = "t", .match = match };
	struct store_entry	*e;
	char			**terms, **fields, *err = NULL;
	size_t			 n, i;

	if (store_topic_test(s, &tp, 0, 0, &e, &terms, &fields, &n,
	    &err) == -1)
		fail_msg("topic_test %s: %s", match, err);
	for (i = 0; i < n; i++) {
		free(terms[i]);
		free(fields[i]);
	}
	free(terms);
	free(fields);
	store_entries_free(e, n);
	return n;
}

/*
 * Greek accents fold as Latin ones do (store-tokens.c): a rule or a search
 * with the accented word finds a headline in capitals, written without
 * tonos, and the other way round, with or without final sigma; at ingest
 * (the matcher, and NEAR's rules, which FTS5 runs over the batch) and on
 * a read-only handle (herald search, herald topics test).  SQLite's
 * unicode61 kept tonos and dialytika: 'Επιτροπή' missed 'ΕΠΙΤΡΟΠΗ'.
 */
/*
 * German ß is written ss in the index, the rules and the queries
 * (migration 22): "Gruß" and "gruss" find each other, a prefix too.
 */
static void
test_sharp_s_fold(void **state)
{
	struct store_topic	 tp[] = {
		{ .name = "eszett", .match = "Hitlergruß" },
		{ .name = "plain", .match = "strasse*" },
	};
	struct store_item	 a = { .guid = "a",
				    .title = "Ermittlungen wegen Hitlergruss" };
	struct store_item	 b = { .guid = "b",
				    .title = "Hitlergruß auf der Straße gezeigt" };
	struct store_item	 c = { .guid = "c",
				    .title = "Neue Regeln für den Verkehr" };
	const struct store_item	*ab[] = { &a, &b, &c };
	struct store		*s;
	int64_t			 f, ids[3];
	size_t			 nm;

	(void)state;
	s = open_new();
	f = feed(s, "de");
	store_topics_free(ingest(s, f, tp, 2, ab, ids, &nm));
	assert_int_equal(topic_count(s, "eszett", NULL), 2);
	assert_int_equal(topic_count(s, "plain", NULL), 1);
	assert_int_equal(count_hits(s, "hitlergruss"), 2);
	assert_int_equal(count_hits(s, "Hitlergruß"), 2);
	assert_int_equal(count_hits(s, "strasse"), 1);
	assert_int_equal(count_hits(s, "STRASSE"), 1);
	assert_int_equal(count_hits(s, "Straß*"), 1);
	store_close(s);
}

static void
test_greek_fold(void **state)
{
	struct store_topic	 tp[] = {
		{ .name = "comm", .match = "Επιτροπή" },
		{ .name = "sanc", .match = "κυρώσεις" },
		{ .name = "near", .match = "NEAR(επιτροπή κυρωσεις, 3)" },
		{ .name = "prefix", .match = "Επιτρ*" },
		{ .name = "caps", .match = "ΕΥΡΩΠΑΪΚΉ" },
	};
	struct store_item	 a = { .guid = "a",
				    .title = "Η ΕΠΙΤΡΟΠΗ ΠΡΟΤΕΙΝΕΙ ΝΕΕΣ ΚΥΡΩΣΕΙΣ" };
	struct store_item	 b = { .guid = "b",
				    .title = "Νέες κυρώσεις από την Ευρωπαϊκή "
				    "Επιτροπή" };
	struct store_item	 c = { .guid = "c",
				    .title = "Κυρωσεις χωρίς τόνους" };
	const struct store_item	*abc[] = { &a, &b, &c };
	struct store		*s, *r;
	char			*path = db_path(), *err = NULL, *terms;
	int64_t			 f, ids[3];
	size_t			 nm;

	(void)state;
	s = open_rw(path);
	f = feed(s, "el");
	store_topics_free(ingest(s, f, tp, 5, abc, ids, &nm));
	assert_int_equal(topic_count(s, "comm", &terms), 2);
	assert_string_equal(terms, "Επιτροπή");	/* b's, the newer */
	free(terms);
	assert_int_equal(topic_count(s, "sanc", NULL), 3);
	assert_int_equal(topic_count(s, "near", NULL), 2);
	assert_int_equal(topic_count(s, "prefix", NULL), 2);
	assert_int_equal(topic_count(s, "caps", NULL), 1);
	assert_int_equal(nm, 10);
	if (store_index_check(s, &err) == -1)
		fail_msg("index check: %s", err);
	store_close(s);

	if ((r = store_open(path, STORE_RDONLY, &err)) == NULL)
		fail_msg("open: %s", err);
	assert_int_equal(count_hits(r, "Επιτροπή"), 2);
	assert_int_equal(count_hits(r, "επιτροπη"), 2);
	assert_int_equal(count_hits(r, "title:ΕΠΙΤΡΟΠΉ"), 2);
	assert_int_equal(count_hits(r, "κυρώσεις"), 3);
	assert_int_equal(count_hits(r, "ΚΥΡΩΣΕΙΣ"), 3);
	assert_int_equal(count_hits(r, "κυρωσεισ"), 3);
	assert_int_equal(count_hits(r, "\"νέες κυρώσεις\""), 2);
	assert_int_equal(count_hits(r, "ευρωπαικη"), 1);
	assert_int_equal(count_hits(r, "τονους"), 1);
	assert_int_equal(topic_test_count(r, "Επιτροπή"), 2);
	assert_int_equal(topic_test_count(r, "ΚΥΡΏΣΕΙΣ AND νεες"), 2);
	assert_int_equal(topic_test_count(r, "NEAR(επιτροπή κυρώσεις, 3)"),
	    2);
	store_close(r);
	free(path);
}

/*
 * Migration 20: an index made before Greek was folded (by SQLite's own
 * tokenizer, as any other program's connection makes it) is made again:
 * a search without the accents finds the accented article, FTS5's check
 * passes; the search index's settings stay.
 */
static void
test_migrate_greek(void **state)
{
	struct store_item	 a = { .guid = "a", .title = "placeholder" };
	struct store		*s;
	char			*path = db_path(), *err = NULL;
	int64_t			 f;

	(void)state;
	s = open_rw(path);
	f = feed(s, "el");
	upsert(s, f, &a, NULL);
	store_close(s);
	raw_exec(path, "UPDATE items SET title = 'Η Επιτροπή προτείνει"
	    " κυρώσεις';"
	    "INSERT INTO items_fts(items_fts) VALUES ('rebuild');"
	    "PRAGMA user_version = 19");
	assert_int_equal(raw_int(path, "SELECT count(*) FROM items_fts"
	    " WHERE items_fts MATCH 'επιτροπή'"), 1);

	s = open_rw(path);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(count_hits(s, "επιτροπη"), 1);
	assert_int_equal(count_hits(s, "ΕΠΙΤΡΟΠΗ"), 1);
	assert_int_equal(count_hits(s, "Επιτροπή κυρώσεις"), 1);
	assert_int_equal(count_hits(s, "placeholder"), 0);
	if (store_index_check(s, &err) == -1)
		fail_msg("index check: %s", err);
	assert_int_equal(raw_int(path, "SELECT v FROM items_fts_config"
	    " WHERE k = 'automerge'"), 32);
	store_close(s);
	free(path);
}

static void
test_digest(void **state)
{
	struct store		*s = open_new();
	int64_t			 b = feed(s, "bravo"), a = feed(s, "alpha");
	struct store_entry	*v;
	size_t			 n;
	char			*err = NULL;
	struct {
		int64_t		 feed;
		const char	*guid;
		int64_t		 seen;
		int64_t		 published;
	} rows[] = {
		{ 0, "b-old", T0 - 2 * DAY, T0 - 2 * DAY },
		{ 0, "b1", T0, T0 - 300 },
		{ 0, "b2", T0, T0 - 100 },
		{ 1, "a1", T0, T0 - 200 },
		{ 1, "a-undated", T0 + 10, 0 },
	};
	size_t			 i;
	const char		*want[] = { "a-undated", "a1", "b2", "b1" };

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct store_item it = { .guid = rows[i].guid,
		    .title = rows[i].guid, .published = rows[i].published,
		    .has_published = rows[i].published != 0 };

		store_set_now(s, rows[i].seen);
		assert_int_equal(upsert(s, rows[i].feed ? a : b, &it, NULL),
		    STORE_NEW);
	}
	assert_int_equal(store_digest(s, T0 - DAY, 0, &v, &n, &err), 0);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++)
		assert_string_equal(v[i].title, want[i]);
	assert_string_equal(v[0].feed_name, "alpha");
	assert_string_equal(v[3].feed_name, "bravo");
	assert_false(v[0].has_published);
	assert_true(v[1].has_published);
	store_entries_free(v, n);
	assert_int_equal(store_digest(s, T0 - DAY, 2, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	store_entries_free(v, n);
	/*
	 * The plugins' on_item read: the same order, and only the articles
	 * after the last one given (b2's id: a1 and a-undated came later).
	 */
	{
		int64_t	 after;

		assert_int_equal(store_items_new(s, T0 - DAY, 0, &v, &n,
		    &err), 0);
		assert_int_equal(n, 4);
		for (i = 0; i < n; i++)
			assert_string_equal(v[i].title, want[i]);
		after = v[2].id;
		store_entries_free(v, n);
		assert_int_equal(store_items_new(s, T0 - DAY, after, &v, &n,
		    &err), 0);
		assert_int_equal(n, 2);
		assert_string_equal(v[0].title, "a-undated");
		assert_string_equal(v[1].title, "a1");
		assert_true(v[0].id > after && v[1].id > after);
		store_entries_free(v, n);
		assert_int_equal(store_items_new(s, 0, 0, &v, &n, &err), 0);
		assert_int_equal(n, 5);
		store_entries_free(v, n);
	}
	/* Search honours since too. */
	{
		struct store_search q = { .query = "b1 OR b2 OR old" };

		assert_int_equal(store_search(s, &q, &v, &n, &err), 0);
		assert_int_equal(n, 3);
		store_entries_free(v, n);
		q.since = T0 - DAY;
		assert_int_equal(store_search(s, &q, &v, &n, &err), 0);
		assert_int_equal(n, 2);
		store_entries_free(v, n);
	}
	store_close(s);
}

/* Fixture: one temporary directory for the whole run. */

static int
setup(void **state)
{
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static void
rm_tree(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		*p;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			chmod(p, 0700);
			rm_tree(p);
		} else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

static int
teardown(void **state)
{
	if (getenv("TEST_STORE_KEEP") == NULL)
		rm_tree(tmpdir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_canonical),
		cmocka_unit_test(test_open_migrates),
		cmocka_unit_test(test_migrate_v2),
		cmocka_unit_test(test_links_once),
		cmocka_unit_test(test_migrate_v2_stories),
		cmocka_unit_test(test_refuse_header),
		cmocka_unit_test(test_refuse_corrupt),
		cmocka_unit_test(test_check_when),
		cmocka_unit_test(test_readonly_group_member),
		cmocka_unit_test(test_dedup_guid),
		cmocka_unit_test(test_dedup_link_two_feeds),
		cmocka_unit_test(test_dedup_hash),
		cmocka_unit_test(test_guid_churn),
		cmocka_unit_test(test_same_link_many_items),
		cmocka_unit_test(test_dup_links_no_guid),
		cmocka_unit_test(test_unchanged_not_rewritten),
		cmocka_unit_test(test_changed_updated),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_story_index_truth),
		cmocka_unit_test(test_story_docs_expire),
		cmocka_unit_test(test_story_old_arrivals),
		cmocka_unit_test(test_story_prune_old_news),
		cmocka_unit_test(test_story_title),
		cmocka_unit_test(test_story_why),
		cmocka_unit_test(test_story_merge_largest),
		cmocka_unit_test(test_story_merge_keeps),
		cmocka_unit_test(test_migrate_story_keys),
		cmocka_unit_test(test_story_pairs_id_again),
		cmocka_unit_test(test_story_pairs_other_writer),
		cmocka_unit_test(test_story_chain),
		cmocka_unit_test(test_story_lead_later),
		cmocka_unit_test(test_story_evolving),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_prune_batches),
		cmocka_unit_test(test_prune_passes),
		cmocka_unit_test(test_prune_stories),
		cmocka_unit_test(test_feed_state),
		cmocka_unit_test(test_feed_body),
		cmocka_unit_test(test_feed_seen),
		cmocka_unit_test(test_index_at_commit),
		cmocka_unit_test(test_index_tokens_once),
		cmocka_unit_test(test_greek_fold),
		cmocka_unit_test(test_sharp_s_fold),
		cmocka_unit_test(test_migrate_greek),
		cmocka_unit_test(test_match_packed),
		cmocka_unit_test(test_guid_key),
		cmocka_unit_test(test_guid_link),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
