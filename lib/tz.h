/*
 * tz.h: time zones from the system's tz database (TZif files under
 * /usr/share/zoneinfo, RFC 8536) read into a value of our own, so that
 * converting between UTC and a zone's wall clock never touches the
 * process's TZ, tzset() or localtime(): the daemon schedules digests in
 * several zones on one loop.  Times are seconds since the epoch, UTC.
 * depends on: date.h, util.h; used by: config.c, slot.c, digest-render.c,
 * daemon/digests.c, cli/cmd-digest.c.
 */
#ifndef HERALD_TZ_H
#define HERALD_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/*
 * Loads zone `name` ("Europe/Brussels", "UTC") from $TZDIR or
 * /usr/share/zoneinfo.  A name must be a relative path without "..".
 * Returns NULL with *errstr (heap) saying why.  Free with tz_free().
 */
struct tz	*tz_load(const char *name, char **errstr);
/*
 * The system's zone: $TZ when it names one (":Europe/Brussels" too), else
 * /etc/localtime (named after the zoneinfo file it links to), else UTC.
 */
struct tz	*tz_load_local(char **errstr);
/* The same from a TZif image in memory (tests, fuzzing). */
struct tz	*tz_load_mem(const char *name, const unsigned char *data,
		    size_t len, char **errstr);
void		 tz_free(struct tz *);
/* The name it was loaded as (owned by the tz). */
const char	*tz_name(const struct tz *);

/*
 * The zone's offset from UTC at instant t, in seconds east (+3600 for
 * CET); *abbr (may be NULL) gets the abbreviation ("CEST"), owned by the
 * tz.  A NULL tz is UTC, here and in tz_to_civil().  Past the file's last transition the POSIX TZ rule of its footer
 * applies, so any year works.
 */
int32_t		 tz_offset(const struct tz *, int64_t t, const char **abbr);

/* A wall-clock time: year, month 1-12, day 1-31, hour, minute, second. */
struct tz_civil {
	int	 year, month, day;
	int	 hour, minute, second;
	int	 wday;			/* 0 Sunday .. 6 Saturday (output) */
};

/* The wall clock of zone tz at instant t. */
void		 tz_to_civil(const struct tz *, int64_t t, struct tz_civil *);
/*
 * The instant the zone's wall clock shows `c` (wday ignored).  A time
 * that happens twice (the hour a clock goes back) gives the first; a time
 * that never happens (the hour skipped when a clock goes forward) gives
 * the instant as far past the gap's start as c is, so 02:30 on the day
 * CET turns to CEST is 03:30 CEST.  *kind (may be NULL) gets 0, 1 for a
 * repeated time or 2 for a skipped one.
 */
int64_t		 tz_from_civil(const struct tz *, const struct tz_civil *,
		    int *kind);

#endif
