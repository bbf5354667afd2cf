/*
 * slot.h: when a digest is due: wall-clock times of day (`at = 07:30,
 * 13:00`) on chosen weekdays (`days = mon-fri`) in a time zone, turned
 * into instants with tz.h, so that 07:30 stays 07:30 across daylight
 * saving time.  Pure functions: the daemon arms its timers from them and
 * the CLI shows the next slot with them.
 * depends on: date.h, tz.h, util.h; used by: config.c, daemon/digests.c,
 * cli/cmd-digest.c.
 */
#ifndef HERALD_SLOT_H
#define HERALD_SLOT_H

#include <stddef.h>
#include <stdint.h>

struct tz;

#define SLOT_MAX_AT	24	/* times in one `at` */
#define SLOT_ALL_DAYS	0x7f	/* bit 0 Sunday .. bit 6 Saturday */

struct slot_sched {
	int		 at[SLOT_MAX_AT];	/* minutes after midnight, ascending */
	size_t		 nat;
	unsigned	 days;
	const struct tz	*tz;		/* borrowed */
};

/*
 * "07:30" or "07:30, 13:00, 18:15" (HH:MM, 24-hour, comma or space
 * between; sorted, duplicates dropped).  0, or -1 with *errstr (heap).
 */
int	 slot_parse_at(const char *, int *at, size_t *nat, char **errstr);
/*
 * Weekdays: "daily" (or "*"), names mon..sun (three letters or whole,
 * any case), ranges "mon-fri" (wrapping: "fri-mon"), lists "mon,wed,fri"
 * or "mon-fri sun", "weekdays", "weekends".  0, or -1 with *errstr.
 */
int	 slot_parse_days(const char *, unsigned *days, char **errstr);

/* The first slot strictly after `t`; -1 when there is none (no times). */
int64_t	 slot_next(const struct slot_sched *, int64_t t);
/* The last slot at or before `t`; -1 when there is none. */
int64_t	 slot_prev(const struct slot_sched *, int64_t t);

#endif
