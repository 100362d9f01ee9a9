/* store.c - picks the store backend named by the config. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store.h"

static const struct store_ops *const backends[] = { &store_sqlite_ops, &store_pg_ops,
	                                                  &store_postgres_ops };

/* The backend uri names, and *location the text after "scheme:". */
static const struct store_ops *backend_find(const char *uri, const char **location)
{
	const char *colon = strchr(uri, ':');

	for (size_t i = 0; colon && i < sizeof(backends) / sizeof(backends[0]); i++) {
		size_t n = strlen(backends[i]->scheme);

		if ((size_t)(colon - uri) == n && !strncmp(uri, backends[i]->scheme, n)) {
			*location = colon + 1;
			return backends[i];
		}
	}
	return NULL;
}

int store_uri_check(const char *uri, char *err, size_t errlen)
{
	const char *location;
	const struct store_ops *ops = backend_find(uri, &location);

	if (ops)
		return ops->location_check(location, err, errlen);
	snprintf(err, errlen, "store: '%s' is not supported; use sqlite:/absolute/path or "
	         "postgresql://USER@HOST/DB?sslmode=verify-full", uri);
	return MFA_ERR_CONFIG;
}

/* The configured store's backend, or NULL with the reason in err. */
static const struct store_ops *backend_of(const struct mfa_config *cfg, const char **location,
                                          char *err, size_t errlen)
{
	const struct store_ops *ops = backend_find(cfg->store, location);

	if (!ops)
		snprintf(err, errlen, "store '%s': unknown kind of store (use sqlite:/path or postgresql://...)",
		         cfg->store);
	return ops;
}

int store_open(const struct mfa_config *cfg, bool create, struct store **out, char *err,
               size_t errlen)
{
	const char *location;
	const struct store_ops *ops = backend_of(cfg, &location, err, errlen);

	*out = NULL;
	return ops ? ops->open(location, cfg, create, out, err, errlen) : MFA_ERR_CONFIG;
}

int store_setup(const struct mfa_config *cfg, gid_t gid, unsigned *created, char *err,
                size_t errlen)
{
	const char *location;
	const struct store_ops *ops = backend_of(cfg, &location, err, errlen);

	return ops ? ops->setup(location, cfg, gid, created, err, errlen) : MFA_ERR_CONFIG;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int store_begin_users(struct store *s, const char *const *users, size_t n)
{
	const char **sorted;
	int r;

	if (n == 0)
		return s->ops->begin(s, true);
	if (!(sorted = malloc(n * sizeof(*sorted))))
		return MFA_ERR_NOMEM;
	memcpy(sorted, users, n * sizeof(*sorted));
	/* One order for every writer: two never wait on each other. */
	qsort(sorted, n, sizeof(*sorted), name_cmp);
	r = s->ops->begin(s, true);
	for (size_t i = 0; i < n && r == MFA_OK; i++)
		if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0)
			r = s->ops->lock_user(s, sorted[i]);
	free(sorted);
	if (r != MFA_OK)
		s->ops->rollback(s);
	return r;
}

int store_begin_user(struct store *s, const char *user)
{
	return store_begin_users(s, &user, 1);
}

int store_login_reads(struct store *s, const char *user, struct store_user *u, bool *found,
                      struct store_factor **list, size_t *n, char twin[MFA_USER_MAX + 1],
                      bool *twin_found)
{
	int r;

	*list = NULL;
	*n = 0;
	if ((r = s->ops->user_get(s, user, u, found)) == MFA_OK &&
	    (r = s->ops->factors_get(s, user, list, n)) == MFA_OK && twin)
		r = s->ops->user_twin(s, user, twin, twin_found);
	return r;
}

int store_begin_login(struct store *s, const char *user, struct store_user *u, bool *found,
                      struct store_factor **list, size_t *n, char twin[MFA_USER_MAX + 1],
                      bool *twin_found)
{
	int r;

	*list = NULL;
	*n = 0;
	if (s->ops->login_read) {
		if ((r = s->ops->begin(s, true)) == MFA_OK)
			r = s->ops->login_read(s, user, u, found, list, n, twin, twin_found);
	} else if ((r = store_begin_user(s, user)) == MFA_OK) {
		r = store_login_reads(s, user, u, found, list, n, twin, twin_found);
	}
	if (r != MFA_OK) {
		s->ops->rollback(s);
		store_factors_free(list, *n);
		*n = 0;
	}
	return r;
}

int store_retry(int (*body)(void *arg), void *arg)
{
	int r = STORE_RETRY;

	for (unsigned i = 0; i < STORE_TRIES && r == STORE_RETRY; i++)
		r = body(arg);
	return r == STORE_RETRY ? MFA_ERR_STORE : r;
}

bool store_factor_ok(const struct store_factor *f)
{
	bool otp = f->type == MFA_FACTOR_TOTP || f->type == MFA_FACTOR_HOTP;

	if (strlen(f->id) != MFA_ID_LEN || (!otp && f->type != MFA_FACTOR_WEBAUTHN) ||
	    (int)f->algorithm < 0 || f->algorithm > MFA_ALG_SHA512 || f->counter > INT64_MAX ||
	    f->drift_steps < -100000 || f->drift_steps > 100000 ||
	    f->sealed_len < VAULT_OVERHEAD || f->sealed_len > sizeof(f->sealed))
		return false;
	if (otp)
		return f->digits >= 6 && f->digits <= 8 && f->period >= MFA_PERIOD_MIN &&
		       f->period <= MFA_PERIOD_MAX && f->cred_id_len == 0;
	return f->cred_id_len >= 1 && f->cred_id_len <= STORE_CRED_ID_MAX;
}

bool store_user_ok(const struct store_user *u)
{
	return u->failures <= 1000000 && u->enroll >= STORE_ENROLL_NEW &&
	       u->enroll <= STORE_ENROLL_ALLOWED;
}

bool store_recovery_ok(const struct store_recovery *r)
{
	return r->kind == RECOVERY_KIND_PBKDF2 || r->kind == RECOVERY_KIND_HMAC;
}

bool store_invite_ok(const struct store_invite *inv)
{
	return inv->user[0] && inv->created_by[0] && inv->expires > inv->created;
}

bool store_approval_choices(unsigned choices, unsigned out[4])
{
	if (choices > 99999999)
		return false;
	for (int i = 3; i >= 0; i--) {
		out[i] = choices % 100;
		choices /= 100;
		if (out[i] < 10)
			return false;
	}
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (out[i] == out[j])
				return false;
	return true;
}

bool store_approval_ok(const struct store_approval *a)
{
	unsigned c[4];

	return strlen(a->id) == MFA_APPROVAL_ID_LEN &&
	       strspn(a->id, MFA_APPROVAL_ALPHABET) == MFA_APPROVAL_ID_LEN && a->user[0] &&
	       ((a->number == 0 && a->choices == 0) ||   /* no number: hold mode */
	        (a->number >= 10 && a->number <= 99 && store_approval_choices(a->choices, c) &&
	         (c[0] == a->number || c[1] == a->number || c[2] == a->number ||
	          c[3] == a->number))) &&
	       a->state >= STORE_APPROVAL_PENDING && a->state <= STORE_APPROVAL_CONSUMED &&
	       a->expires > a->created && (a->state == STORE_APPROVAL_PENDING) == (a->decided_at == 0);
}

bool store_signin_ok(const struct store_signin *c)
{
	return c->user[0] && c->expires > c->created;
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
