/*
 * date.h: the dates feeds carry, as seconds since the epoch in UTC.
 * RFC 822/1123 and their real-world variants, RFC 850, asctime, RFC 3339 /
 * W3CDTF / ISO 8601 and non-English day and month names where unambiguous.
 * Unparseable means "no date", never 1970.
 * depends on: libxml2's xmlstring.h (date.c); used by: parse.c, cli/.
 */
#ifndef HERALD_DATE_H
#define HERALD_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0 and stores the time in *out, or -1 when `s` is not a date. */
int	date_parse(const char *s, int64_t *out);

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (month 1-12), and
 * back (Howard Hinnant's algorithms).
 */
int64_t	date_days_from_civil(int64_t year, int month, int day);
void	date_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

/* Formats `t` as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into `dst` (at least 32 bytes). */
void	date_format_rfc3339(int64_t t, char *dst, size_t dstlen);

#endif
