/*
 * fuzz_date.c: libFuzzer target for date_parse() and date_format_rfc3339().
 * The input is copied to a heap buffer of exactly its size plus the NUL, so
 * AddressSanitizer sees any read past the terminator.  Anything that parses
 * must lie in years 1..9999 (give or take a day of offset) and survive a
 * round trip through RFC 3339.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"

#define FUZZ_MAX	4096
#define T_MIN		(-62135596800LL)	/* 0001-01-01T00:00:00Z */
#define T_MAX		253402300799LL		/* 9999-12-31T23:59:59Z */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, out[32];
	int64_t	 t, back;

	if (size > FUZZ_MAX)
		size = FUZZ_MAX;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (date_parse(s, &t) == 0) {
		if (t < T_MIN - 86400 || t > T_MAX + 86400)
			abort();
		date_format_rfc3339(t, out, sizeof(out));
		if (t >= T_MIN && t <= T_MAX &&
		    (date_parse(out, &back) != 0 || back != t))
			abort();
	}
	free(s);
	return 0;
}
