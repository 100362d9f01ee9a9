/* store.c - picks the store backend named by the config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store.h"

static const struct store_ops *const backends[] = { &store_sqlite_ops };

int store_open(const struct mfa_config *cfg, bool create, struct store **out, char *err,
               size_t errlen)
{
	const char *colon = strchr(cfg->store, ':');

	*out = NULL;
	for (size_t i = 0; colon && i < sizeof(backends) / sizeof(backends[0]); i++) {
		size_t n = strlen(backends[i]->scheme);

		if ((size_t)(colon - cfg->store) == n && !strncmp(cfg->store, backends[i]->scheme, n))
			return backends[i]->open(colon + 1, cfg, create, out, err, errlen);
	}
	snprintf(err, errlen, "store '%s': unknown kind of store (use sqlite:/path)", cfg->store);
	return MFA_ERR_CONFIG;
}

void store_close(struct store **sp)
{
	if (*sp)
		(*sp)->ops->close(*sp);
	*sp = NULL;
}

void store_factors_free(struct store_factor **list, size_t n)
{
	if (!*list)
		return;
	OPENSSL_cleanse(*list, n * sizeof(**list));
	free(*list);
	*list = NULL;
}
