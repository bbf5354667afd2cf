#include "config.h"
#include "url.h"
#include "util.h"
char *url_resolve(const char *b, const char *r) { (void)b; return xstrdup(r); }
int url_is_absolute(const char *s) { (void)s; return 0; }
