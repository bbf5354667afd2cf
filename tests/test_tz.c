/*
 * test_tz.c: tz.c against the C library's own reading of the same zone
 * files (setenv TZ + localtime_r/mktime, which the test may use: it is not
 * the daemon), over every zone of zone1970.tab and instants from 1902 to
 * 2300; then the clock changes of Europe/Brussels by hand, and slot.c's
 * schedules across both of its changes a year, weekdays and parse errors.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "date.h"
#include "slot.h"
#include "tz.h"

#define DAY	86400

/* 2026-03-29 01:00:00 UTC: Brussels goes from CET to CEST. */
#define SPRING_2026	1774746000LL
/* 2026-10-25 01:00:00 UTC: back to CET. */
#define AUTUMN_2026	1792890000LL

static struct tz *
load(const char *name)
{
	char		*err = NULL;
	struct tz	*z = tz_load(name, &err);

	if (z == NULL)
		fail_msg("tz_load(%s): %s", name, err);
	return z;
}

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return date_days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60;
}

static uint64_t	 rng = 88172645463325252ULL;

static uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
test_calendar(void **state)
{
	int64_t	 d, y;
	int	 m, dd;

	(void)state;
	assert_int_equal(date_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(date_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(date_days_from_civil(1969, 12, 31), -1);
	for (d = -800000; d < 800000; d += 37) {
		date_civil_from_days(d, &y, &m, &dd);
		assert_int_equal(date_days_from_civil(y, m, dd), d);
	}
}

/* Compares one zone with glibc at `n` instants; returns the mismatches. */
static int
compare_zone(const char *name, int n)
{
	struct tz	*z;
	struct tz_civil	 c;
	struct tm	 tm;
	char		*err = NULL;
	const char	*abbr;
	int		 i, bad = 0;
	int64_t		 t, lo = -2147483648LL, hi = utc(2300, 1, 1, 0, 0);

	if ((z = tz_load(name, &err)) == NULL) {
		print_error("%s: %s\n", name, err);
		free(err);
		return 1;
	}
	setenv("TZ", name, 1);
	tzset();
	for (i = 0; i < n; i++) {
		time_t	 tt;

		/* half spread over the range, half near "now" and the footer */
		if (i % 2 == 0)
			t = lo + (int64_t)(xorshift() % (uint64_t)(hi - lo));
		else
			t = utc(2000, 1, 1, 0, 0) + (int64_t)(xorshift() %
			    (uint64_t)(80LL * 366 * DAY));
		tt = (time_t)t;
		localtime_r(&tt, &tm);
		tz_to_civil(z, t, &c);
		if (tz_offset(z, t, &abbr) != tm.tm_gmtoff ||
		    c.year != tm.tm_year + 1900 || c.month != tm.tm_mon + 1 ||
		    c.day != tm.tm_mday || c.hour != tm.tm_hour ||
		    c.minute != tm.tm_min || c.second != tm.tm_sec ||
		    c.wday != tm.tm_wday || strcmp(abbr, tm.tm_zone) != 0) {
			if (bad++ < 3)
				print_error("%s at %lld: ours %+d %s, glibc %+ld "
				    "%s\n", name, (long long)t,
				    tz_offset(z, t, NULL), abbr, tm.tm_gmtoff,
				    tm.tm_zone);
		}
	}
	tz_free(z);
	return bad;
}

/* Every zone of zone1970.tab, 2,000 instants each. */
static void
test_against_glibc(void **state)
{
	FILE	*fp;
	char	 line[512], *f, *save;
	int	 col, zones = 0, bad = 0;

	(void)state;
	if ((fp = fopen("/usr/share/zoneinfo/zone1970.tab", "r")) == NULL)
		skip();
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#')
			continue;
		save = NULL;
		for (col = 0, f = strtok_r(line, "\t\n", &save); f != NULL &&
		    col < 2; col++, f = strtok_r(NULL, "\t\n", &save))
			;
		if (f == NULL)
			continue;
		zones++;
		bad += compare_zone(f, 2000) != 0;
	}
	fclose(fp);
	bad += compare_zone("UTC", 100) != 0;
	bad += compare_zone("CET", 2000) != 0;
	bad += compare_zone("EST5EDT", 2000) != 0;
	unsetenv("TZ");
	tzset();
	print_message("# %d zones compared with glibc\n", zones);
	assert_true(zones > 250);
	assert_int_equal(bad, 0);
}

/* mktime() agrees on every wall time that happens exactly once. */
static void
test_from_civil_glibc(void **state)
{
	static const char *const zones[] = { "Europe/Brussels",
	    "America/New_York", "Australia/Lord_Howe", "America/Santiago",
	    "Asia/Kolkata", "Pacific/Chatham", "Africa/Casablanca" };
	struct tz	*z;
	struct tz_civil	 c;
	struct tm	 tm;
	size_t		 i;
	int		 k, kind;
	int64_t		 t;

	(void)state;
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		z = load(zones[i]);
		setenv("TZ", zones[i], 1);
		tzset();
		for (k = 0; k < 3000; k++) {
			memset(&c, 0, sizeof(c));
			c.year = 1980 + (int)(xorshift() % 100);
			c.month = 1 + (int)(xorshift() % 12);
			c.day = 1 + (int)(xorshift() % 28);
			c.hour = (int)(xorshift() % 24);
			c.minute = (int)(xorshift() % 4) * 15;
			t = tz_from_civil(z, &c, &kind);
			memset(&tm, 0, sizeof(tm));
			tm.tm_year = c.year - 1900;
			tm.tm_mon = c.month - 1;
			tm.tm_mday = c.day;
			tm.tm_hour = c.hour;
			tm.tm_min = c.minute;
			tm.tm_isdst = -1;
			if (kind == 0)
				assert_int_equal(t, (int64_t)mktime(&tm));
			else {
				/* a changed or repeated time: check by hand */
				struct tz_civil	 back;

				tz_to_civil(z, t, &back);
				if (kind == 1)
					assert_int_equal(back.hour, c.hour);
			}
		}
		tz_free(z);
	}
	unsetenv("TZ");
	tzset();
}

static void
test_brussels(void **state)
{
	struct tz	*z = load("Europe/Brussels");
	struct tz_civil	 c;
	const char	*abbr;
	int		 kind;

	(void)state;
	assert_int_equal(tz_offset(z, SPRING_2026 - 1, &abbr), 3600);
	assert_string_equal(abbr, "CET");
	assert_int_equal(tz_offset(z, SPRING_2026, &abbr), 7200);
	assert_string_equal(abbr, "CEST");
	assert_int_equal(tz_offset(z, AUTUMN_2026 - 1, NULL), 7200);
	assert_int_equal(tz_offset(z, AUTUMN_2026, NULL), 3600);
	/* the footer's rule, long after the file's transitions */
	assert_int_equal(tz_offset(z, utc(2150, 7, 1, 12, 0), &abbr), 7200);
	assert_string_equal(abbr, "CEST");
	assert_int_equal(tz_offset(z, utc(2150, 12, 1, 12, 0), NULL), 3600);

	memset(&c, 0, sizeof(c));
	c.year = 2026;
	c.month = 3;
	c.day = 29;
	c.hour = 2;
	c.minute = 30;
	/* skipped: 02:30 CET would be 03:30 CEST */
	assert_int_equal(tz_from_civil(z, &c, &kind), SPRING_2026 + 1800);
	assert_int_equal(kind, 2);
	c.hour = 7;
	assert_int_equal(tz_from_civil(z, &c, &kind), utc(2026, 3, 29, 5, 30));
	assert_int_equal(kind, 0);
	c.month = 10;
	c.day = 25;
	c.hour = 2;
	/* happens twice: the first, in CEST */
	assert_int_equal(tz_from_civil(z, &c, &kind), AUTUMN_2026 - 1800);
	assert_int_equal(kind, 1);
	c.hour = 7;
	assert_int_equal(tz_from_civil(z, &c, &kind), utc(2026, 10, 25, 6, 30));
	tz_to_civil(z, utc(2026, 10, 25, 6, 30), &c);
	assert_int_equal(c.hour, 7);
	assert_int_equal(c.wday, 0);
	tz_free(z);
}

static void
test_load_errors(void **state)
{
	static const unsigned char	 junk[] = "TZif2 not really";
	char				*err = NULL;

	(void)state;
	assert_null(tz_load("Europe/Nowhere", &err));
	assert_non_null(strstr(err, "unknown time zone"));
	free(err);
	err = NULL;
	assert_null(tz_load("../etc/passwd", &err));
	assert_non_null(strstr(err, "not a time zone name"));
	free(err);
	err = NULL;
	assert_null(tz_load("/etc/localtime", &err));
	free(err);
	err = NULL;
	assert_null(tz_load_mem("junk", junk, sizeof(junk), &err));
	assert_non_null(strstr(err, "junk"));
	free(err);
}

/* A whole TZif file cut at every length is refused or read, never overrun. */
static void
test_truncated(void **state)
{
	FILE		*fp;
	unsigned char	 buf[8192];
	size_t		 n, i;
	struct tz	*z;
	char		*err;

	(void)state;
	if ((fp = fopen("/usr/share/zoneinfo/Europe/Brussels", "rb")) == NULL)
		skip();
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	for (i = 0; i < n; i++) {
		err = NULL;
		z = tz_load_mem("cut", buf, i, &err);
		if (z != NULL)
			(void)tz_offset(z, 0, NULL);
		tz_free(z);
		free(err);
	}
}

static struct slot_sched
sched(const struct tz *z, const char *at, const char *days)
{
	struct slot_sched	 s;
	char			*err = NULL;

	memset(&s, 0, sizeof(s));
	s.tz = z;
	if (slot_parse_at(at, s.at, &s.nat, &err) == -1 ||
	    slot_parse_days(days, &s.days, &err) == -1)
		fail_msg("%s", err);
	return s;
}

/* 07:30 every day stays 07:30 in Brussels across both changes. */
static void
test_slot_dst(void **state)
{
	struct tz		*z = load("Europe/Brussels");
	struct slot_sched	 s = sched(z, "07:30", "daily");
	struct tz_civil		 c;
	int64_t			 t, prev;
	int			 i;

	(void)state;
	/* from a week before the spring change to a week after autumn's */
	t = slot_next(&s, utc(2026, 3, 22, 0, 0));
	assert_int_equal(t, utc(2026, 3, 22, 6, 30));
	for (i = 0; i < 230; i++) {
		tz_to_civil(z, t, &c);
		assert_int_equal(c.hour, 7);
		assert_int_equal(c.minute, 30);
		assert_int_equal(slot_prev(&s, t), t);
		assert_int_equal(slot_prev(&s, t - 1), i == 0 ?
		    utc(2026, 3, 21, 6, 30) : prev);
		prev = t;
		t = slot_next(&s, t);
		/* 23 hours into summer time, 25 out of it, else 24 */
		if (c.month == 3 && c.day == 28)
			assert_int_equal(t - prev, 23 * 3600);
		else if (c.month == 10 && c.day == 24)
			assert_int_equal(t - prev, 25 * 3600);
		else
			assert_int_equal(t - prev, 24 * 3600);
	}
	tz_free(z);
}

/* A slot in the hour a change skips or repeats happens once. */
static void
test_slot_changing_hour(void **state)
{
	struct tz		*z = load("Europe/Brussels");
	struct slot_sched	 s = sched(z, "02:30", "daily");
	int64_t			 t;

	(void)state;
	t = slot_next(&s, utc(2026, 3, 28, 12, 0));
	assert_int_equal(t, SPRING_2026 + 1800);	/* 03:30 CEST */
	assert_int_equal(slot_next(&s, t), utc(2026, 3, 30, 0, 30));
	t = slot_next(&s, utc(2026, 10, 24, 12, 0));
	assert_int_equal(t, AUTUMN_2026 - 1800);	/* 02:30 CEST */
	/* not again at 02:30 CET an hour later */
	assert_int_equal(slot_next(&s, t), utc(2026, 10, 26, 1, 30));
	assert_int_equal(slot_prev(&s, AUTUMN_2026 + 1800), t);
	tz_free(z);
}

static void
test_slot_days(void **state)
{
	struct tz		*z = load("Europe/Brussels");
	struct slot_sched	 s = sched(z, "13:00, 07:30", "mon-fri");
	int64_t			 t;

	(void)state;
	assert_int_equal(s.nat, 2);
	assert_int_equal(s.at[0], 450);
	assert_int_equal(s.days, 0x3e);
	/* Friday 2026-11-27 13:00 CET, then Monday 07:30 */
	t = slot_next(&s, utc(2026, 11, 27, 7, 0));
	assert_int_equal(t, utc(2026, 11, 27, 12, 0));
	t = slot_next(&s, t);
	assert_int_equal(t, utc(2026, 11, 30, 6, 30));
	assert_int_equal(slot_prev(&s, t - 1), utc(2026, 11, 27, 12, 0));
	s = sched(z, "18:00", "fri-mon");
	assert_int_equal(s.days, 0x63);
	s = sched(z, "9:05", "Wednesday sun");
	assert_int_equal(s.days, 0x09);
	assert_int_equal(s.at[0], 545);
	s = sched(z, "12:00", "weekends");
	assert_int_equal(s.days, 0x41);
	tz_free(z);
}

static void
test_slot_parse_errors(void **state)
{
	static const char *const bad_at[] = { "", "7", "24:00", "07:60",
	    "07:3", "007:30", "07:30:00", "7h30", "07:30, x", NULL };
	static const char *const bad_days[] = { "", "mo", "mon-", "funday",
	    "mon--fri", NULL };
	int		 at[SLOT_MAX_AT];
	size_t		 n, i;
	unsigned	 days;
	char		*err;

	(void)state;
	for (i = 0; bad_at[i] != NULL; i++) {
		err = NULL;
		if (slot_parse_at(bad_at[i], at, &n, &err) != -1)
			fail_msg("at \"%s\" accepted", bad_at[i]);
		assert_non_null(err);
		free(err);
	}
	for (i = 0; bad_days[i] != NULL; i++) {
		err = NULL;
		if (slot_parse_days(bad_days[i], &days, &err) != -1)
			fail_msg("days \"%s\" accepted", bad_days[i]);
		assert_non_null(err);
		free(err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_against_glibc),
		cmocka_unit_test(test_from_civil_glibc),
		cmocka_unit_test(test_brussels),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_slot_dst),
		cmocka_unit_test(test_slot_changing_hour),
		cmocka_unit_test(test_slot_days),
		cmocka_unit_test(test_slot_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
