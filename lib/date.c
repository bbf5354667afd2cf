/* placeholder: replaced by the date module */
#include "config.h"
#include <stdio.h>
#include "date.h"
int date_parse(const char *s, int64_t *out) { (void)s; (void)out; return -1; }
void date_format_rfc3339(int64_t t, char *dst, size_t n) { snprintf(dst, n, "%lld", (long long)t); }
