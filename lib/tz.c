/*
 * tz.c: a reader of the tz database's compiled files (TZif, RFC 8536) and
 * of the POSIX TZ rule in their footer, for converting between UTC and a
 * zone's wall clock without the C library's global TZ state (tz.h says
 * why).  Leap-second ("right/") zones are read as if they had none.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "tz.h"
#include "util.h"

#define TZ_DEFAULT_DIR	"/usr/share/zoneinfo"
#define TZ_LOCALTIME	"/etc/localtime"
#define TZ_FILE_MAX	(1024 * 1024)
#define TZ_ABBR_MAX	16
#define DAY		86400

struct tz_type {
	int32_t		 utoff;
	int		 isdst;
	size_t		 abbr;		/* index into chars */
};

/* One end of the footer's daylight saving time: when it starts or ends. */
struct tz_rule {
	char		 kind;		/* 'J' Julian 1-365, 'N' 0-365, 'M' */
	int		 n;		/* day for J and N */
	int		 month, week, wday;	/* for M */
	int32_t		 time;		/* seconds after local midnight */
};

struct tz {
	char		*name;
	int64_t		*trans;		/* ascending */
	unsigned char	*idx;		/* type of each transition */
	size_t		 ntrans;
	struct tz_type	*types;
	size_t		 ntypes;
	char		*chars;		/* abbreviations, NUL-separated */
	size_t		 nchars;
	/* the footer: a POSIX TZ string, for times past the last transition */
	int		 footer;
	int32_t		 std_off, dst_off;
	char		 std_abbr[TZ_ABBR_MAX], dst_abbr[TZ_ABBR_MAX];
	int		 has_dst;
	struct tz_rule	 start, end;
};

/* ---- the calendar ---- */

static int64_t
days_of(int y, int m, int d)
{
	return date_days_from_civil(y, m, d);
}

static void
civil_of(int64_t days, int *y, int *m, int *d)
{
	int64_t	 y64;

	date_civil_from_days(days, &y64, m, d);
	*y = (int)y64;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int	 n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* ---- the footer's POSIX TZ string ---- */

/* An abbreviation: letters, or anything but '>' between '<' and '>'. */
static const char *
posix_abbr(const char *s, char *out)
{
	size_t		 n = 0;

	if (*s == '<') {
		for (s++; *s != '\0' && *s != '>'; s++)
			if (n < TZ_ABBR_MAX - 1)
				out[n++] = *s;
		if (*s != '>')
			return NULL;
		s++;
	} else {
		for (; (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z');
		    s++)
			if (n < TZ_ABBR_MAX - 1)
				out[n++] = *s;
	}
	out[n] = '\0';
	return n >= 3 ? s : NULL;
}

static const char *
posix_num(const char *s, int min, int max, int *out)
{
	int	 n = 0, digits = 0;

	for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
		n = n * 10 + (*s - '0');
	if (digits == 0 || n < min || n > max)
		return NULL;
	*out = n;
	return s;
}

/* [+-]hh[:mm[:ss]], hours up to `maxh`; seconds, sign as written. */
static const char *
posix_time(const char *s, int maxh, int32_t *out)
{
	int	 sign = 1, h, m = 0, sec = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if ((s = posix_num(s, 0, maxh, &h)) == NULL)
		return NULL;
	if (*s == ':') {
		if ((s = posix_num(s + 1, 0, 59, &m)) == NULL)
			return NULL;
		if (*s == ':' && (s = posix_num(s + 1, 0, 59, &sec)) == NULL)
			return NULL;
	}
	*out = sign * (h * 3600 + m * 60 + sec);
	return s;
}

static const char *
posix_rule(const char *s, struct tz_rule *r)
{
	r->time = 2 * 3600;
	if (*s == 'J') {
		r->kind = 'J';
		s = posix_num(s + 1, 1, 365, &r->n);
	} else if (*s == 'M') {
		r->kind = 'M';
		if ((s = posix_num(s + 1, 1, 12, &r->month)) == NULL ||
		    *s != '.' || (s = posix_num(s + 1, 1, 5, &r->week)) ==
		    NULL || *s != '.')
			return NULL;
		s = posix_num(s + 1, 0, 6, &r->wday);
	} else {
		r->kind = 'N';
		s = posix_num(s, 0, 365, &r->n);
	}
	if (s != NULL && *s == '/')
		s = posix_time(s + 1, 167, &r->time);	/* RFC 8536 3.3.1 */
	return s;
}

static int
posix_parse(struct tz *z, const char *s)
{
	int32_t	 off;

	if ((s = posix_abbr(s, z->std_abbr)) == NULL ||
	    (s = posix_time(s, 24, &off)) == NULL)
		return -1;
	z->std_off = -off;		/* POSIX counts west of Greenwich */
	if (*s == '\0')
		return 0;
	if ((s = posix_abbr(s, z->dst_abbr)) == NULL)
		return -1;
	z->has_dst = 1;
	z->dst_off = z->std_off + 3600;
	if (*s != ',' && *s != '\0') {
		if ((s = posix_time(s, 24, &off)) == NULL)
			return -1;
		z->dst_off = -off;
	}
	if (*s == '\0') {
		/* no rule: the United States' since 2007, as glibc assumes */
		z->start = (struct tz_rule){ 'M', 0, 3, 2, 0, 7200 };
		z->end = (struct tz_rule){ 'M', 0, 11, 1, 0, 7200 };
		return 0;
	}
	if (*s != ',' || (s = posix_rule(s + 1, &z->start)) == NULL ||
	    *s != ',' || (s = posix_rule(s + 1, &z->end)) == NULL)
		return -1;
	return *s == '\0' ? 0 : -1;
}

/* The local midnight (as seconds, UTC-like) of rule r in year y. */
static int64_t
rule_day(const struct tz_rule *r, int y)
{
	int64_t	 jan1 = days_of(y, 1, 1), first, d;
	int	 wd;

	switch (r->kind) {
	case 'J':
		return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
	case 'N':
		return jan1 + r->n;
	default:
		first = days_of(y, r->month, 1);
		wd = (int)((first + 4) % 7 + 7) % 7;	/* 1970-01-01: Thu */
		d = first + (r->wday - wd + 7) % 7 + (r->week - 1) * 7;
		while (d - first >= month_days(y, r->month))
			d -= 7;
		return d;
	}
}

static int
posix_isdst(const struct tz *z, int64_t t)
{
	int	 y, m, d;
	int64_t	 s, e;

	if (!z->has_dst)
		return 0;
	civil_of(floor_div(t + z->std_off, DAY), &y, &m, &d);
	/* the start is in standard time, the end in daylight saving time */
	s = rule_day(&z->start, y) * DAY + z->start.time - z->std_off;
	e = rule_day(&z->end, y) * DAY + z->end.time - z->dst_off;
	if (s < e)
		return t >= s && t < e;
	return !(t >= e && t < s);
}

/* ---- TZif ---- */

struct rd {
	const unsigned char	*p;
	size_t			 left;
};

static int
rd_take(struct rd *r, size_t n, const unsigned char **out)
{
	if (n > r->left)
		return -1;
	*out = r->p;
	r->p += n;
	r->left -= n;
	return 0;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct hdr {
	int	 version;
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int
read_header(struct rd *r, struct hdr *h)
{
	const unsigned char	*p;

	if (rd_take(r, 44, &p) == -1 || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->version = p[4] == 0 ? 1 : p[4] - '0';
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0 ||
	    h->timecnt > 100000 || h->leapcnt > 10000 ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
		return -1;
	return 0;
}

/* The data block after a header; tsize is 4 (v1) or 8 (v2+). */
static int
read_block(struct rd *r, const struct hdr *h, size_t tsize, struct tz *z)
{
	const unsigned char	*t, *ix, *ty, *ch, *skip;
	size_t			 i;

	if (rd_take(r, h->timecnt * tsize, &t) == -1 ||
	    rd_take(r, h->timecnt, &ix) == -1 ||
	    rd_take(r, h->typecnt * 6, &ty) == -1 ||
	    rd_take(r, h->charcnt, &ch) == -1 ||
	    rd_take(r, h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt,
	    &skip) == -1)
		return -1;
	z->ntrans = h->timecnt;
	z->trans = xcalloc(h->timecnt + 1, sizeof(*z->trans));
	z->idx = xcalloc(h->timecnt + 1, 1);
	for (i = 0; i < h->timecnt; i++) {
		z->trans[i] = tsize == 8 ? be64(t + 8 * i) :
		    (int64_t)(int32_t)be32(t + 4 * i);
		if (ix[i] >= h->typecnt || (i > 0 &&
		    z->trans[i] <= z->trans[i - 1]))
			return -1;
		z->idx[i] = ix[i];
	}
	z->ntypes = h->typecnt;
	z->types = xcalloc(h->typecnt, sizeof(*z->types));
	for (i = 0; i < h->typecnt; i++) {
		z->types[i].utoff = (int32_t)be32(ty + 6 * i);
		z->types[i].isdst = ty[6 * i + 4];
		z->types[i].abbr = ty[6 * i + 5];
		if (z->types[i].abbr >= h->charcnt ||
		    z->types[i].utoff <= -25 * 3600 ||
		    z->types[i].utoff >= 26 * 3600)
			return -1;
	}
	z->nchars = h->charcnt;
	z->chars = xmalloc(h->charcnt + 1);
	memcpy(z->chars, ch, h->charcnt);
	z->chars[h->charcnt] = '\0';
	return 0;
}

void
tz_free(struct tz *z)
{
	if (z == NULL)
		return;
	free(z->name);
	free(z->trans);
	free(z->idx);
	free(z->types);
	free(z->chars);
	free(z);
}

struct tz *
tz_load_mem(const char *name, const unsigned char *data, size_t len,
    char **errstr)
{
	struct tz		*z = xcalloc(1, sizeof(*z));
	struct rd		 r = { data, len };
	struct hdr		 h;
	const unsigned char	*skip;
	char			*foot = NULL;
	const char		*why = "not a TZif file";
	size_t			 n;

	z->name = xstrdup(name);
	if (read_header(&r, &h) == -1)
		goto bad;
	why = "a TZif file that is cut short or inconsistent";
	if (h.version >= 2) {
		/* the 64-bit data follows the 32-bit block: skip that */
		n = h.timecnt * 5 + h.typecnt * 6 + h.charcnt +
		    h.leapcnt * 8 + h.isstdcnt + h.isutcnt;
		if (rd_take(&r, n, &skip) == -1 || read_header(&r, &h) == -1 ||
		    read_block(&r, &h, 8, z) == -1)
			goto bad;
		/* the footer: "\nTZ string\n", maybe empty */
		if (r.left >= 2 && r.p[0] == '\n') {
			const unsigned char	*nl = memchr(r.p + 1, '\n',
						    r.left - 1);

			if (nl == NULL)
				goto bad;
			foot = xstrndup((const char *)r.p + 1,
			    (size_t)(nl - r.p - 1));
			if (*foot != '\0') {
				why = "a TZif footer that is not a POSIX TZ "
				    "string";
				if (posix_parse(z, foot) == -1)
					goto bad;
				z->footer = 1;
			}
		}
	} else if (read_block(&r, &h, 4, z) == -1)
		goto bad;
	free(foot);
	return z;
bad:
	*errstr = xasprintf("%s: %s", name, why);
	free(foot);
	tz_free(z);
	return NULL;
}

/* Names are relative paths in the database: "Europe/Brussels". */
static int
name_ok(const char *s)
{
	const char	*p;

	if (*s == '\0' || *s == '/' || strlen(s) > 255)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("/_-+.", *p) != NULL))
			return 0;
	return strstr(s, "..") == NULL;
}

/* Reads the TZif file at `path` as zone `name`. */
static struct tz *
load_path(const char *name, const char *path, char **errstr)
{
	char		*data = NULL;
	struct stat	 st;
	struct tz	*z = NULL;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		*errstr = errno == ENOENT ? xasprintf("unknown time zone \"%s\" "
		    "(no %s; is tzdata installed?)", name, path) :
		    xasprintf("%s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > TZ_FILE_MAX) {
		*errstr = xasprintf("%s: not a time zone file", path);
		goto done;
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		n = read(fd, data + len, (size_t)st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*errstr = xasprintf("%s: %s", path, n == 0 ?
			    "shorter than it was" : strerror(errno));
			goto done;
		}
		len += (size_t)n;
	}
	z = tz_load_mem(name, (const unsigned char *)data, len, errstr);
done:
	if (fd != -1)
		close(fd);
	free(data);
	return z;
}

struct tz *
tz_load(const char *name, char **errstr)
{
	const char	*dir = getenv("TZDIR");
	char		*path;
	struct tz	*z;

	if (!name_ok(name)) {
		*errstr = xasprintf("\"%s\": not a time zone name (as in "
		    "Europe/Brussels)", name);
		return NULL;
	}
	if (dir == NULL || *dir == '\0')
		dir = TZ_DEFAULT_DIR;
	path = xasprintf("%s/%s", dir, name);
	z = load_path(name, path, errstr);
	free(path);
	return z;
}

struct tz *
tz_load_local(char **errstr)
{
	const char	*env = getenv("TZ");
	char		 link[PATH_MAX];
	const char	*name = "localtime", *p;
	ssize_t		 n;
	struct tz	*z;

	if (env != NULL && *env == ':')
		env++;
	if (env != NULL && *env != '\0' && name_ok(env)) {
		char	*e = NULL;

		if ((z = tz_load(env, &e)) != NULL)
			return z;
		free(e);	/* a POSIX string: the file's zone then */
	}
	if ((n = readlink(TZ_LOCALTIME, link, sizeof(link) - 1)) > 0) {
		link[n] = '\0';
		if ((p = strstr(link, "zoneinfo/")) != NULL)
			name = p + strlen("zoneinfo/");
	}
	if (access(TZ_LOCALTIME, F_OK) == -1 && errno == ENOENT) {
		/* no local zone: UTC, as the C library assumes */
		z = xcalloc(1, sizeof(*z));
		z->name = xstrdup("UTC");
		z->footer = 1;
		strcpy(z->std_abbr, "UTC");
		return z;
	}
	return load_path(name, TZ_LOCALTIME, errstr);
}

const char *
tz_name(const struct tz *z)
{
	return z->name;
}

int32_t
tz_offset(const struct tz *z, int64_t t, const char **abbr)
{
	size_t	 lo, hi, mid;
	int	 dst;
	const struct tz_type *ty;

	if (z == NULL) {
		if (abbr != NULL)
			*abbr = "UTC";
		return 0;
	}
	if (z->footer && (z->ntrans == 0 || t >= z->trans[z->ntrans - 1])) {
		dst = posix_isdst(z, t);
		if (abbr != NULL)
			*abbr = dst ? z->dst_abbr : z->std_abbr;
		return dst ? z->dst_off : z->std_off;
	}
	if (z->ntrans == 0 || t < z->trans[0])
		ty = &z->types[0];
	else {
		/* the last transition at or before t */
		lo = 0;
		hi = z->ntrans;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (z->trans[mid] <= t)
				lo = mid;
			else
				hi = mid;
		}
		ty = &z->types[z->idx[lo]];
	}
	if (abbr != NULL)
		*abbr = z->chars + ty->abbr;
	return ty->utoff;
}

void
tz_to_civil(const struct tz *z, int64_t t, struct tz_civil *c)
{
	int64_t	 l = t + tz_offset(z, t, NULL);
	int64_t	 days = floor_div(l, DAY), secs = l - days * DAY;

	civil_of(days, &c->year, &c->month, &c->day);
	c->hour = (int)(secs / 3600);
	c->minute = (int)(secs / 60 % 60);
	c->second = (int)(secs % 60);
	c->wday = (int)(((days + 4) % 7 + 7) % 7);
}

int64_t
tz_from_civil(const struct tz *z, const struct tz_civil *c, int *kind)
{
	int64_t	 l, t, best = 0;
	int32_t	 off[3];
	int	 i, j, nvalid = 0;

	l = days_of(c->year, c->month, c->day) * DAY +
	    c->hour * 3600 + c->minute * 60 + c->second;
	/* the offsets in force a day either side: transitions are rarer */
	off[0] = tz_offset(z, l - DAY, NULL);
	off[1] = tz_offset(z, l, NULL);
	off[2] = tz_offset(z, l + DAY, NULL);
	for (i = 0; i < 3; i++) {
		for (j = 0; j < i; j++)
			if (off[j] == off[i])
				break;
		if (j < i)
			continue;
		t = l - off[i];
		if (tz_offset(z, t, NULL) != off[i])
			continue;
		if (nvalid == 0 || t < best)
			best = t;
		nvalid++;
	}
	if (nvalid > 0) {
		if (kind != NULL)
			*kind = nvalid > 1;
		return best;
	}
	/* skipped: counted from the offset before the gap */
	if (kind != NULL)
		*kind = 2;
	return l - off[0];
}
