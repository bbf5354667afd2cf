/*
 * slot.c: a digest's schedule (slot.h): the `at` and `days` syntax, and
 * the next and previous slot of a schedule in its time zone.  Each
 * candidate day's times are converted with tz_from_civil(), which moves a
 * time that a clock change skips to just after the change and takes the
 * first of a time that happens twice, so every slot happens once.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "slot.h"
#include "tz.h"
#include "util.h"

#define DAY	86400
#define LOOK	8	/* days searched either side: a week and one */

static int
cmp_int(const void *a, const void *b)
{
	int	 x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* "7:30" or "07:30" as minutes after midnight; -1 if it is not one. */
static int
parse_hhmm(const char *w)
{
	size_t	 nh = strspn(w, "0123456789");
	int	 h, m;

	if (nh < 1 || nh > 2 || w[nh] != ':' || strlen(w + nh + 1) != 2 ||
	    strspn(w + nh + 1, "0123456789") != 2)
		return -1;
	h = atoi(w);
	m = atoi(w + nh + 1);
	return h > 23 || m > 59 ? -1 : h * 60 + m;
}

int
slot_parse_at(const char *s, int *at, size_t *nat, char **errstr)
{
	char		*copy = xstrdup(s), *w, *save = NULL;
	size_t		 n = 0, i, k;
	int		 ret = -1, mins;

	for (w = strtok_r(copy, ", \t", &save); w != NULL;
	    w = strtok_r(NULL, ", \t", &save)) {
		if ((mins = parse_hhmm(w)) == -1) {
			*errstr = xasprintf("\"%s\": expected a time as HH:MM "
			    "(24-hour), as in 07:30", w);
			goto done;
		}
		if (n == SLOT_MAX_AT) {
			*errstr = xasprintf("more than %d times", SLOT_MAX_AT);
			goto done;
		}
		at[n++] = mins;
	}
	if (n == 0) {
		*errstr = xstrdup("expected one or more times, as in 07:30");
		goto done;
	}
	qsort(at, n, sizeof(*at), cmp_int);
	for (i = k = 1; i < n; i++)
		if (at[i] != at[k - 1])
			at[k++] = at[i];
	*nat = k;
	ret = 0;
done:
	free(copy);
	return ret;
}

static int
day_index(const char *s, size_t len)
{
	static const char *const names[] = { "sunday", "monday", "tuesday",
	    "wednesday", "thursday", "friday", "saturday" };
	int	 i;

	for (i = 0; i < 7; i++)
		if ((len == 3 || len == strlen(names[i])) &&
		    strncasecmp(s, names[i], len) == 0)
			return i;
	return -1;
}

int
slot_parse_days(const char *s, unsigned *days, char **errstr)
{
	char		*copy = xstrdup(s), *w, *save = NULL, *dash;
	unsigned	 mask = 0;
	int		 a, b, ret = -1;

	for (w = strtok_r(copy, ", \t", &save); w != NULL;
	    w = strtok_r(NULL, ", \t", &save)) {
		if (strcasecmp(w, "daily") == 0 || strcmp(w, "*") == 0) {
			mask |= SLOT_ALL_DAYS;
			continue;
		}
		if (strcasecmp(w, "weekdays") == 0) {
			mask |= 0x3e;
			continue;
		}
		if (strcasecmp(w, "weekends") == 0) {
			mask |= 0x41;
			continue;
		}
		dash = strchr(w, '-');
		a = day_index(w, dash != NULL ? (size_t)(dash - w) : strlen(w));
		b = dash != NULL ? day_index(dash + 1, strlen(dash + 1)) : a;
		if (a == -1 || b == -1) {
			*errstr = xasprintf("\"%s\": expected days as mon-fri, "
			    "mon,wed,fri, weekends or daily", w);
			goto done;
		}
		for (;; a = (a + 1) % 7) {	/* fri-mon wraps */
			mask |= 1u << a;
			if (a == b)
				break;
		}
	}
	if (mask == 0) {
		*errstr = xstrdup("expected days, as in mon-fri or daily");
		goto done;
	}
	*days = mask;
	ret = 0;
done:
	free(copy);
	return ret;
}

/* The slot instants of one local day (days since the epoch) into v. */
static size_t
day_slots(const struct slot_sched *s, int64_t day, int64_t *v)
{
	struct tz_civil	 c;
	int64_t		 y;
	size_t		 i, n = 0;
	int		 wday = (int)(((day + 4) % 7 + 7) % 7);

	if (!(s->days & (1u << wday)))
		return 0;
	memset(&c, 0, sizeof(c));
	date_civil_from_days(day, &y, &c.month, &c.day);
	c.year = (int)y;
	for (i = 0; i < s->nat; i++) {
		c.hour = s->at[i] / 60;
		c.minute = s->at[i] % 60;
		v[n++] = tz_from_civil(s->tz, &c, NULL);
	}
	return n;
}

static int64_t
local_day(const struct slot_sched *s, int64_t t)
{
	struct tz_civil	 c;

	tz_to_civil(s->tz, t, &c);
	return date_days_from_civil(c.year, c.month, c.day);
}

int64_t
slot_next(const struct slot_sched *s, int64_t t)
{
	int64_t	 v[SLOT_MAX_AT], best = -1, d, today;
	size_t	 i, n;

	if (s->nat == 0 || s->days == 0)
		return -1;
	today = local_day(s, t);
	for (d = today - 1; d <= today + LOOK; d++) {
		n = day_slots(s, d, v);
		for (i = 0; i < n; i++)
			if (v[i] > t && (best == -1 || v[i] < best))
				best = v[i];
	}
	return best;
}

int64_t
slot_prev(const struct slot_sched *s, int64_t t)
{
	int64_t	 v[SLOT_MAX_AT], best = -1, d, today;
	size_t	 i, n;
	int	 found = 0;

	if (s->nat == 0 || s->days == 0)
		return -1;
	today = local_day(s, t);
	for (d = today + 1; d >= today - LOOK; d--) {
		n = day_slots(s, d, v);
		for (i = 0; i < n; i++)
			if (v[i] <= t && (!found || v[i] > best)) {
				best = v[i];
				found = 1;
			}
	}
	return found ? best : -1;
}
