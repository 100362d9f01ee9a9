/*
 * limit.c - at most n events in a window for one key (an address, a user
 * name): a fixed table, so that a flood of keys costs no memory. Keys are
 * placed by a keyed hash (SipHash through OpenSSL), which a stranger cannot
 * aim at another key's place; when every place a key may take is busy, the
 * key is refused, never let through uncounted.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "web.h"

#define SLOTS 8192
#define PROBES 8
#define KEY_MAX 300

struct limit_slot {
	char key[KEY_MAX];
	time_t start;                     /* of the window */
	unsigned count, window;
};

struct web_limits {
	pthread_mutex_t mutex;
	unsigned char hash_key[16];
	struct limit_slot slot[SLOTS];
};

struct web_limits *limits_new(void)
{
	struct web_limits *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (RAND_bytes(l->hash_key, sizeof(l->hash_key)) != 1) {
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->mutex, NULL);
	return l;
}

void limits_free(struct web_limits *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->mutex);
	free(l);
}

static bool place(const struct web_limits *l, const char *key, size_t *out)
{
	unsigned char mac[8];
	size_t size = sizeof(mac), len = 0;
	OSSL_PARAM params[2] = {
		OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
		OSSL_PARAM_construct_end(),
	};
	bool ok;

	ok = EVP_Q_mac(NULL, "SIPHASH", NULL, NULL, params, l->hash_key, sizeof(l->hash_key),
	               (const unsigned char *)key, strlen(key), mac, sizeof(mac), &len) != NULL &&
	     len == sizeof(mac);
	if (ok)
		*out = ((size_t)mac[0] | (size_t)mac[1] << 8 | (size_t)mac[2] << 16) % SLOTS;
	return ok;
}

bool limit_take(struct web_limits *l, const char *kind, const char *key, unsigned n,
                unsigned window)
{
	char full[KEY_MAX];
	time_t now = time(NULL);
	size_t at;
	bool ok = false;
	int len = snprintf(full, sizeof(full), "%s %s", kind, key);

	if (len < 0 || (size_t)len >= sizeof(full) || !place(l, full, &at))
		return false;
	pthread_mutex_lock(&l->mutex);
	for (size_t i = 0; i < PROBES; i++) {
		struct limit_slot *x = &l->slot[(at + i) % SLOTS];
		bool stale = !x->key[0] || now - x->start >= (time_t)x->window || now < x->start;

		if (x->key[0] && strcmp(x->key, full) == 0) {
			if (stale) {
				x->start = now;
				x->count = 0;
				x->window = window;
			}
			ok = x->count < n;
			x->count += ok;
			goto out;
		}
	}
	for (size_t i = 0; i < PROBES; i++) {
		struct limit_slot *x = &l->slot[(at + i) % SLOTS];

		if (!x->key[0] || now - x->start >= (time_t)x->window || now < x->start) {
			memcpy(x->key, full, (size_t)len + 1);
			x->start = now;
			x->window = window;
			x->count = 1;
			ok = n > 0;
			goto out;
		}
	}
out:
	pthread_mutex_unlock(&l->mutex);
	return ok;
}
