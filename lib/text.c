/* placeholder: replaced by the text module */
#include "config.h"
#include <string.h>
#include "util.h"
#include "text.h"
size_t utf8_encode(uint32_t cp, char *o) { if (cp < 0x80) { o[0] = (char)cp; return 1; } return 0; }
int utf8_valid(const char *s, size_t l) { (void)s; (void)l; return 1; }
char *utf8_sanitize(const char *s, size_t l, size_t *ol, int *c) { if (ol) *ol = l; if (c) *c = 0; return xstrndup(s, l); }
const char *html_entity_lookup(const char *n, size_t l) { (void)n; (void)l; return NULL; }
char *html_to_text(const char *h, size_t l, size_t m) { (void)m; return xstrndup(h, l); }
void text_collapse_ws(char *s) { (void)s; }
