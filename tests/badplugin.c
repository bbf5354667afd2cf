/*
 * badplugin.c: plugins heraldd must refuse at startup (it_plugins.py):
 * built with -DBADABI (another ABI number), -DBADSIZE (a struct
 * herald_plugin of another size) or -DNOSYM (no herald_plugin_entry).
 */
#include <stddef.h>

#include "herald/plugin.h"

#ifdef NOSYM
int	not_a_herald_plugin(void);

int
not_a_herald_plugin(void)
{
	return 0;
}
#else
static int
bad_init(struct herald_ctx *ctx, const struct herald_host *host,
    const char *name, const struct herald_option *opts, size_t n,
    void **state)
{
	*state = NULL;
	return 0;
}

static const struct herald_plugin bad_plugin = {
#ifdef BADABI
	.abi = HERALD_PLUGIN_ABI + 998,
#else
	.abi = HERALD_PLUGIN_ABI,
#endif
#ifdef BADSIZE
	.size = sizeof(struct herald_plugin) + 8,
#else
	.size = sizeof(struct herald_plugin),
#endif
	.name = "bad",
	.init = bad_init,
};

const struct herald_plugin *
herald_plugin_entry(void)
{
	return &bad_plugin;
}
#endif
