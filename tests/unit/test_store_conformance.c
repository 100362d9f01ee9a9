/*
 * test_store_conformance.c - the store contract (store.h), case by case,
 * through store_ops alone: every backend must pass the same cases.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "store.h"

/* The backends under test: %s is the case's private directory. On
 * tests/run's PostgreSQL pass, its database (test_pg_uri) alone, emptied
 * for each case. */
static const char *const store_uris[] = {
	"sqlite:%s/conformance.db",
};
#define N_URIS (sizeof(store_uris) / sizeof(store_uris[0]))

/* Makes a fresh store for uri (setup, as mfactl init does) and opens it. */
static struct store *conf_open(const char *uri, struct mfa_config *cfg)
{
	struct store *s = NULL;
	char err[STORE_ERR_MAX] = "";
	unsigned created = 0;

	config_defaults(cfg);
	cfg->group[0] = '\0';
	if (uri == test_pg_uri()) {
		test_pg_reset();
		snprintf(cfg->store, sizeof(cfg->store), "%s", uri);
	} else {
		snprintf(cfg->store, sizeof(cfg->store), uri, test_tmpdir());
	}
	CHECK_EQ_INT(store_uri_check(cfg->store, err, sizeof(err)), MFA_OK);
	CHECK_EQ_INT(store_setup(cfg, NO_GROUP, &created, err, sizeof(err)), MFA_OK);
	CHECK(created & MFA_SETUP_STORE);
	CHECK_EQ_INT(store_open(cfg, false, &s, err, sizeof(err)), MFA_OK);
	if (err[0])
		fprintf(stderr, "  %s: %s\n", cfg->store, err);
	return s;
}

static void factor_make(struct store_factor *f, const char *user, const char *id,
                        mfa_factor_type type)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->user, sizeof(f->user), "%s", user);
	snprintf(f->id, sizeof(f->id), "%.*s%s", MFA_ID_LEN - (int)strlen(id), "0000000000000000", id);
	snprintf(f->label, sizeof(f->label), "label %s", id);
	f->type = type;
	f->algorithm = MFA_ALG_SHA1;
	f->digits = 6;
	f->period = 30;
	f->last_step = -1;
	f->burnt_step = -1;
	f->active = true;
	f->created = 1000;
	f->sealed_len = VAULT_OVERHEAD + 20;
	memset(f->sealed, 0xA5, f->sealed_len);
	if (type == MFA_FACTOR_WEBAUTHN) {
		f->cose_alg = -7;
		f->cred_id_len = 32;
		memset(f->cred_id, id[0], f->cred_id_len);
		memset(f->aaguid, 1, sizeof(f->aaguid));
		snprintf(f->transports, sizeof(f->transports), "usb");
		snprintf(f->attestation, sizeof(f->attestation), "none");
	}
}

/* Runs one write transaction for user through the contract's entry. */
static int tx_insert(struct store *s, const struct store_factor *f)
{
	int r;

	if ((r = store_begin_user(s, f->user)) != MFA_OK)
		return r;
	if ((r = s->ops->factor_insert(s, f)) != MFA_OK) {
		s->ops->rollback(s);
		return r;
	}
	return s->ops->commit(s);
}

static size_t factor_count(struct store *s, const char *user)
{
	struct store_factor *list = NULL;
	size_t n = 0;

	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->factors_get(s, user, &list, &n), MFA_OK);
	s->ops->rollback(s);
	store_factors_free(&list, n);
	return n;
}

static void conf_users_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_user u = { .failures = 3, .locked_until = 77, .first_seen = 5,
		                .enroll = STORE_ENROLL_BLOCKED }, got;
	bool found = true;

	if (!s)
		return;
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->user_get(s, "alice", &got, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->user_put(s, "alice", &u), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->user_get(s, "alice", &got, &found), MFA_OK);
	s->ops->rollback(s);
	CHECK(found);
	CHECK_EQ_INT(got.failures, 3);
	CHECK_EQ_INT(got.locked_until, 77);
	CHECK_EQ_INT(got.first_seen, 5);
	CHECK_EQ_INT(got.enroll, STORE_ENROLL_BLOCKED);
	/* Rolled back: nothing written. */
	u.failures = 9;
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->user_put(s, "alice", &u), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->user_get(s, "alice", &got, &found), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(got.failures, 3);
	store_close(&s);
}

static void conf_factors_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_factor a, b, wa, *list = NULL, by;
	size_t n = 0;
	bool found;

	if (!s)
		return;
	factor_make(&a, "alice", "a", MFA_FACTOR_TOTP);
	factor_make(&b, "alice", "b", MFA_FACTOR_HOTP);
	b.active = false;
	b.created = 2000;
	factor_make(&wa, "bob", "w", MFA_FACTOR_WEBAUTHN);
	CHECK_EQ_INT(tx_insert(s, &a), MFA_OK);
	CHECK_EQ_INT(tx_insert(s, &b), MFA_OK);
	CHECK_EQ_INT(tx_insert(s, &wa), MFA_OK);
	CHECK_EQ_INT(factor_count(s, "alice"), 2);
	CHECK_EQ_INT(factor_count(s, NULL), 3);

	/* Update writes the mutable fields. */
	a.counter = 12;
	a.last_step = 4242;
	a.drift_steps = -2;
	a.last_used = 99;
	snprintf(a.label, sizeof(a.label), "renamed");
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->factor_update(s, &a), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->factors_get(s, "alice", &list, &n), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(n, 2);
	if (n == 2) {
		CHECK_STR(list[0].id, a.id);  /* creation order */
		CHECK_STR(list[0].label, "renamed");
		CHECK_EQ_INT(list[0].counter, 12);
		CHECK_EQ_INT(list[0].last_step, 4242);
		CHECK_EQ_INT(list[0].drift_steps, -2);
		CHECK_EQ_INT(list[0].last_used, 99);
		CHECK_EQ_INT(list[0].sealed_len, a.sealed_len);
		CHECK(!memcmp(list[0].sealed, a.sealed, a.sealed_len));
		CHECK(!list[1].active);
	}
	store_factors_free(&list, n);

	/* A credential id finds its factor, whoever's. */
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->factor_by_cred(s, wa.cred_id, wa.cred_id_len, &by, &found), MFA_OK);
	CHECK(found);
	CHECK_STR(by.user, "bob");
	CHECK_EQ_INT(by.cred_id_len, 32);
	CHECK(!memcmp(by.aaguid, wa.aaguid, sizeof(wa.aaguid)));
	CHECK_EQ_INT(s->ops->factor_by_cred(s, a.sealed, 32, &by, &found), MFA_OK);
	CHECK(!found);
	s->ops->rollback(s);

	/* Pending ones go; a delete says whether it found one. */
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->factors_delete_pending(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(factor_count(s, "alice"), 1);
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->factor_delete(s, "alice", a.id, &found), MFA_OK);
	CHECK(found);
	CHECK_EQ_INT(s->ops->factor_delete(s, "alice", a.id, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(factor_count(s, "alice"), 0);
	store_close(&s);
}

static void conf_recovery_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_recovery rec[3], *list = NULL;
	size_t n = 0;

	if (!s)
		return;
	for (size_t i = 0; i < 3; i++) {
		memset(&rec[i], 0, sizeof(rec[i]));
		memset(rec[i].salt, (int)i + 1, sizeof(rec[i].salt));
		memset(rec[i].hash, (int)i + 10, sizeof(rec[i].hash));
		rec[i].kind = RECOVERY_KIND_HMAC;
	}
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->recovery_replace(s, "alice", rec, 3), MFA_OK);
	CHECK_EQ_INT(s->ops->recovery_use(s, "alice", 1), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->recovery_get(s, "alice", &list, &n), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(n, 3);
	for (size_t i = 0; i < n && n == 3; i++) {
		CHECK(!memcmp(list[i].hash, rec[i].hash, STORE_HASH_LEN));  /* issue order */
		CHECK_EQ_INT(list[i].used, i == 1);
		CHECK_EQ_INT(list[i].kind, RECOVERY_KIND_HMAC);
	}
	free(list);
	/* Replace: the old ones are gone. */
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->recovery_replace(s, "alice", rec + 2, 1), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->recovery_get(s, "alice", &list, &n), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(n, 1);
	CHECK(n == 1 && !list[0].used);
	free(list);
	store_close(&s);
}

static void conf_challenges_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_challenge c1 = { .id = "c1", .user = "alice", .nas = "nas1", .expires = 100 };
	struct store_challenge c2 = { .id = "c2", .user = "alice", .nas = "nas2", .expires = 200 };
	struct store_challenge got;
	bool found;

	if (!s)
		return;
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->challenge_put(s, &c1), MFA_OK);
	CHECK_EQ_INT(s->ops->challenge_put(s, &c2), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	/* Take reads and deletes: a second take finds nothing. */
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->challenge_take(s, "c2", &got, &found), MFA_OK);
	CHECK(found);
	CHECK_STR(got.user, "alice");
	CHECK_STR(got.nas, "nas2");
	CHECK_EQ_INT(got.expires, 200);
	CHECK_EQ_INT(s->ops->challenge_take(s, "c2", &got, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	/* Expiry: what expires at or before now. */
	CHECK_EQ_INT(s->ops->begin(s, true), MFA_OK);
	CHECK_EQ_INT(s->ops->challenges_expire(s, 100), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->challenge_take(s, "c1", &got, &found), MFA_OK);
	CHECK(!found);
	s->ops->rollback(s);
	store_close(&s);
}

static void conf_names_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_factor f;
	char twin[MFA_USER_MAX + 1], name[MFA_USER_MAX + 1];
	bool found;

	if (!s)
		return;
	factor_make(&f, "Alice", "a", MFA_FACTOR_TOTP);
	CHECK_EQ_INT(tx_insert(s, &f), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->user_twin(s, "alice", twin, &found), MFA_OK);
	CHECK(found);
	CHECK_STR(twin, "Alice");
	CHECK_EQ_INT(s->ops->user_twin(s, "Alice", twin, &found), MFA_OK);
	CHECK(!found);  /* the name itself is no twin */
	CHECK_EQ_INT(s->ops->user_capitals(s, name, &found), MFA_OK);
	CHECK(found);
	CHECK_STR(name, "Alice");
	s->ops->rollback(s);
	/* The decoy row is no one's: no user appears. */
	CHECK_EQ_INT(s->ops->begin(s, true), MFA_OK);
	CHECK_EQ_INT(s->ops->decoy_touch(s, 50), MFA_OK);
	CHECK_EQ_INT(s->ops->decoy_touch(s, 51), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(factor_count(s, NULL), 1);
	store_close(&s);
}

static void conf_user_delete_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_user u = { .failures = 1 }, got;
	struct store_recovery rec = { .kind = RECOVERY_KIND_HMAC }, *list = NULL;
	struct store_challenge c = { .id = "c1", .user = "alice", .nas = "n", .expires = 100 }, gc;
	struct store_factor f, other;
	size_t n = 9;
	bool found;

	if (!s)
		return;
	factor_make(&f, "alice", "a", MFA_FACTOR_TOTP);
	factor_make(&other, "bob", "b", MFA_FACTOR_TOTP);
	CHECK_EQ_INT(tx_insert(s, &other), MFA_OK);
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->factor_insert(s, &f), MFA_OK);
	CHECK_EQ_INT(s->ops->user_put(s, "alice", &u), MFA_OK);
	CHECK_EQ_INT(s->ops->recovery_replace(s, "alice", &rec, 1), MFA_OK);
	CHECK_EQ_INT(s->ops->challenge_put(s, &c), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);

	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->user_delete(s, "alice", &found), MFA_OK);
	CHECK(found);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->user_get(s, "alice", &got, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->recovery_get(s, "alice", &list, &n), MFA_OK);
	CHECK_EQ_INT(n, 0);
	free(list);
	CHECK_EQ_INT(s->ops->challenge_take(s, "c1", &gc, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->user_delete(s, "alice", &found), MFA_OK);
	CHECK(!found);  /* nothing left */
	s->ops->rollback(s);
	CHECK_EQ_INT(factor_count(s, "alice"), 0);
	CHECK_EQ_INT(factor_count(s, "bob"), 1);  /* another user's rows stay */
	store_close(&s);
}

/* Every name with a row of its own, once each, in strcmp order; a
 * challenge alone or the decoy row makes no user. */
static void conf_users_list_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_user u = { .failures = 2 };
	struct store_recovery rec = { .kind = RECOVERY_KIND_HMAC };
	struct store_challenge c = { .id = "c1", .user = "erin", .nas = "n", .expires = 100 };
	struct store_factor a1, a2, b, z;
	static const char *const want[] = { "Zed", "alice", "bob", "carol", "dave" };
	char (*names)[MFA_USER_MAX + 1] = NULL;
	size_t n = 9;

	if (!s)
		return;
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->users_list(s, &names, &n), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(n, 0);
	free(names);
	factor_make(&b, "bob", "b", MFA_FACTOR_TOTP);
	factor_make(&a1, "alice", "a", MFA_FACTOR_TOTP);
	factor_make(&a2, "alice", "w", MFA_FACTOR_WEBAUTHN);
	factor_make(&z, "Zed", "z", MFA_FACTOR_HOTP);
	CHECK_EQ_INT(tx_insert(s, &b), MFA_OK);
	CHECK_EQ_INT(tx_insert(s, &a1), MFA_OK);
	CHECK_EQ_INT(tx_insert(s, &a2), MFA_OK);
	CHECK_EQ_INT(tx_insert(s, &z), MFA_OK);
	CHECK_EQ_INT(store_begin_users(s, (const char *const[]){ "alice", "carol", "dave", "erin" }, 4),
	             MFA_OK);
	CHECK_EQ_INT(s->ops->user_put(s, "alice", &u), MFA_OK);   /* factors and state: once */
	CHECK_EQ_INT(s->ops->user_put(s, "carol", &u), MFA_OK);   /* state only */
	CHECK_EQ_INT(s->ops->recovery_replace(s, "dave", &rec, 1), MFA_OK);  /* codes only */
	CHECK_EQ_INT(s->ops->challenge_put(s, &c), MFA_OK);       /* a challenge only */
	CHECK_EQ_INT(s->ops->decoy_touch(s, 50), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->users_list(s, &names, &n), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(n, 5);
	for (size_t i = 0; i < n && n == 5; i++)
		CHECK_STR(names[i], want[i]);
	free(names);
	store_close(&s);
}

/* Every pending challenge, expired ones too (expiry is challenges_expire's). */
static void conf_challenges_get_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_challenge c1 = { .id = "wa:Zm9v", .user = "bob", .nas = "login", .expires = 10 };
	struct store_challenge c2 = { .id = "0a1b", .user = "alice", .nas = "nas1", .expires = 200 };
	struct store_challenge *list = NULL, got;
	size_t n = 9;
	bool found;

	if (!s)
		return;
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->challenges_get(s, &list, &n), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(n, 0);
	free(list);
	CHECK_EQ_INT(store_begin_users(s, (const char *const[]){ "alice", "bob" }, 2), MFA_OK);
	CHECK_EQ_INT(s->ops->challenge_put(s, &c1), MFA_OK);
	CHECK_EQ_INT(s->ops->challenge_put(s, &c2), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->challenges_get(s, &list, &n), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(n, 2);
	if (n == 2) {
		CHECK_STR(list[0].id, "0a1b");  /* by id */
		CHECK_STR(list[0].user, "alice");
		CHECK_STR(list[0].nas, "nas1");
		CHECK_EQ_INT(list[0].expires, 200);
		CHECK_STR(list[1].id, "wa:Zm9v");
		CHECK_STR(list[1].user, "bob");
		CHECK_STR(list[1].nas, "login");
		CHECK_EQ_INT(list[1].expires, 10);
	}
	free(list);
	/* A taken one is gone from the list. */
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->challenge_take(s, "0a1b", &got, &found), MFA_OK);
	CHECK(found);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->challenges_get(s, &list, &n), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(n, 1);
	CHECK(n == 1 && !strcmp(list[0].id, "wa:Zm9v"));
	free(list);
	store_close(&s);
}

/* Invites: put locks the user; take by hash reads and deletes (once);
 * expiry removes what expires at or before now; get lists a user's by
 * created; a user with an invite alone is listed, "found" and deleted. */
static void invite_make(struct store_invite *inv, const char *user, unsigned char fill,
                        int64_t created)
{
	memset(inv, 0, sizeof(*inv));
	memset(inv->hash, fill, sizeof(inv->hash));
	snprintf(inv->user, sizeof(inv->user), "%s", user);
	snprintf(inv->created_by, sizeof(inv->created_by), "staff-%c", (char)('a' + fill % 26));
	inv->created = created;
	inv->expires = created + 100;
}

static void conf_invites_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_invite a1, a2, b, got, *list = NULL;
	char (*names)[MFA_USER_MAX + 1] = NULL;
	unsigned char other[STORE_HASH_LEN];
	size_t n = 9;
	bool found;

	if (!s)
		return;
	invite_make(&a1, "alice", 0x11, 1000);
	invite_make(&a2, "alice", 0x02, 2000);
	invite_make(&b, "bob", 0x33, 1000);
	a2.hash[STORE_HASH_LEN - 1] = 0xfe;  /* differs from the others in its last byte only */
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->invite_put(s, &a2), MFA_OK);
	CHECK_EQ_INT(s->ops->invite_put(s, &a1), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(store_begin_user(s, "bob"), MFA_OK);
	CHECK_EQ_INT(s->ops->invite_put(s, &b), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	/* A user's, by created; the others' not. */
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->invites_get(s, "alice", &list, &n), MFA_OK);
	CHECK_EQ_INT(n, 2);
	if (n == 2) {
		CHECK(!memcmp(list[0].hash, a1.hash, STORE_HASH_LEN));
		CHECK_EQ_INT(list[0].created, 1000);
		CHECK_EQ_INT(list[0].expires, 1100);
		CHECK_STR(list[0].created_by, a1.created_by);
		CHECK_STR(list[0].user, "alice");
		CHECK(!memcmp(list[1].hash, a2.hash, STORE_HASH_LEN));
	}
	free(list);
	/* An invite alone makes a listed user. */
	CHECK_EQ_INT(s->ops->users_list(s, &names, &n), MFA_OK);
	CHECK_EQ_INT(n, 2);
	CHECK(n == 2 && !strcmp(names[0], "alice") && !strcmp(names[1], "bob"));
	free(names);
	s->ops->rollback(s);
	/* Take: by the whole hash, once. */
	memcpy(other, a2.hash, sizeof(other));
	other[STORE_HASH_LEN - 1] = 0x02;
	CHECK_EQ_INT(s->ops->begin(s, true), MFA_OK);
	CHECK_EQ_INT(s->ops->invite_take(s, other, &got, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->invite_take(s, a2.hash, &got, &found), MFA_OK);
	CHECK(found);
	CHECK_STR(got.user, "alice");
	CHECK_STR(got.created_by, a2.created_by);
	CHECK(!memcmp(got.hash, a2.hash, STORE_HASH_LEN));
	CHECK_EQ_INT(got.created, 2000);
	CHECK_EQ_INT(got.expires, 2100);
	CHECK_EQ_INT(s->ops->invite_take(s, a2.hash, &got, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	/* A rolled-back take leaves it. */
	CHECK_EQ_INT(s->ops->begin(s, true), MFA_OK);
	CHECK_EQ_INT(s->ops->invite_take(s, b.hash, &got, &found), MFA_OK);
	CHECK(found);
	s->ops->rollback(s);
	/* Expiry: at or before now. */
	CHECK_EQ_INT(s->ops->begin(s, true), MFA_OK);
	CHECK_EQ_INT(s->ops->invites_expire(s, 1099), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->invites_get(s, "bob", &list, &n), MFA_OK);
	CHECK_EQ_INT(n, 1);
	free(list);
	s->ops->rollback(s);
	CHECK_EQ_INT(s->ops->begin(s, true), MFA_OK);
	CHECK_EQ_INT(s->ops->invites_expire(s, 1100), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->invites_get(s, "bob", &list, &n), MFA_OK);
	CHECK_EQ_INT(n, 0);
	free(list);
	CHECK_EQ_INT(s->ops->invites_get(s, "alice", &list, &n), MFA_OK);
	CHECK_EQ_INT(n, 0);
	free(list);
	s->ops->rollback(s);
	/* Delete: an invite alone is a record of the user. */
	invite_make(&b, "bob", 0x44, 5000);
	CHECK_EQ_INT(store_begin_user(s, "bob"), MFA_OK);
	CHECK_EQ_INT(s->ops->invite_put(s, &b), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(store_begin_user(s, "bob"), MFA_OK);
	CHECK_EQ_INT(s->ops->user_delete(s, "bob", &found), MFA_OK);
	CHECK(found);
	CHECK_EQ_INT(s->ops->invite_take(s, b.hash, &got, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	/* A row no version of mfa writes (expiring when made) is refused on read. */
	invite_make(&b, "carol", 0x55, 5000);
	b.expires = b.created;
	CHECK_EQ_INT(store_begin_user(s, "carol"), MFA_OK);
	CHECK_EQ_INT(s->ops->invite_put(s, &b), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, true), MFA_OK);
	CHECK_EQ_INT(s->ops->invites_get(s, "carol", &list, &n), MFA_ERR_CORRUPT);
	CHECK(list == NULL && n == 0);
	CHECK_EQ_INT(s->ops->invite_take(s, b.hash, &got, &found), MFA_ERR_CORRUPT);
	CHECK(!found);
	CHECK(strstr(s->err, "malformed invite") != NULL);
	s->ops->rollback(s);
	store_close(&s);
}

/* Approvals: put (user locked); get by id; update moves from one state to
 * another only from that state; expiry at or before now; get lists a
 * user's by created; user_delete removes them (they alone find no one). */
static void approval_make(struct store_approval *a, const char *id, const char *user,
                          int64_t created)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", id);
	snprintf(a->user, sizeof(a->user), "%s", user);
	a->number = 47;
	a->choices = 12478365;
	snprintf(a->service, sizeof(a->service), "radius:vpn1");
	snprintf(a->nas, sizeof(a->nas), "nas-1");
	snprintf(a->remote, sizeof(a->remote), "192.0.2.7");
	snprintf(a->requester, sizeof(a->requester), "radius-a");
	a->created = created;
	a->expires = created + 120;
}

static void conf_approvals_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_approval a1, a2, b, got, *list = NULL;
	size_t n = 9;
	bool found, changed;

	if (!s)
		return;
	approval_make(&a1, "AAAA2222", "alice", 1000);
	approval_make(&a2, "AAAA2223", "alice", 900);
	approval_make(&b, "BBBB2222", "bob", 1000);
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->approval_put(s, &a1), MFA_OK);
	CHECK_EQ_INT(s->ops->approval_put(s, &a2), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(store_begin_user(s, "bob"), MFA_OK);
	CHECK_EQ_INT(s->ops->approval_put(s, &b), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->approval_get(s, "AAAA2222", false, &got, &found), MFA_OK);
	CHECK(found);
	CHECK_STR(got.user, "alice");
	CHECK_STR(got.service, "radius:vpn1");
	CHECK_STR(got.nas, "nas-1");
	CHECK_STR(got.remote, "192.0.2.7");
	CHECK_STR(got.requester, "radius-a");
	CHECK_EQ_INT(got.number, 47);
	CHECK_EQ_INT(got.choices, 12478365);
	CHECK_EQ_INT(got.created, 1000);
	CHECK_EQ_INT(got.expires, 1120);
	CHECK_EQ_INT(got.state, STORE_APPROVAL_PENDING);
	CHECK_EQ_INT(got.decided_at, 0);
	CHECK_EQ_INT(s->ops->approval_get(s, "AAAA2224", false, &got, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->approvals_get(s, "alice", &list, &n), MFA_OK);
	CHECK_EQ_INT(n, 2);
	CHECK(n == 2 && !strcmp(list[0].id, "AAAA2223") && !strcmp(list[1].id, "AAAA2222"));
	free(list);
	s->ops->rollback(s);
	/* Moves: only from the state named, once. */
	CHECK_EQ_INT(s->ops->begin(s, true), MFA_OK);
	CHECK_EQ_INT(s->ops->approval_get(s, "AAAA2222", true, &got, &found), MFA_OK);
	CHECK(found);
	CHECK_EQ_INT(s->ops->approval_update(s, "AAAA2222", STORE_APPROVAL_PENDING,
	                                     STORE_APPROVAL_APPROVED, 1010, &changed), MFA_OK);
	CHECK(changed);
	CHECK_EQ_INT(s->ops->approval_update(s, "AAAA2222", STORE_APPROVAL_PENDING,
	                                     STORE_APPROVAL_DENIED, 1011, &changed), MFA_OK);
	CHECK(!changed);
	CHECK_EQ_INT(s->ops->approval_update(s, "AAAA2224", STORE_APPROVAL_PENDING,
	                                     STORE_APPROVAL_DENIED, 1011, &changed), MFA_OK);
	CHECK(!changed);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	/* A rolled-back move leaves it. */
	CHECK_EQ_INT(s->ops->begin(s, true), MFA_OK);
	CHECK_EQ_INT(s->ops->approval_update(s, "AAAA2222", STORE_APPROVAL_APPROVED,
	                                     STORE_APPROVAL_CONSUMED, 1020, &changed), MFA_OK);
	CHECK(changed);
	s->ops->rollback(s);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->approval_get(s, "AAAA2222", false, &got, &found), MFA_OK);
	CHECK_EQ_INT(got.state, STORE_APPROVAL_APPROVED);
	CHECK_EQ_INT(got.decided_at, 1010);
	s->ops->rollback(s);
	/* Expiry: at or before now. */
	CHECK_EQ_INT(s->ops->begin(s, true), MFA_OK);
	CHECK_EQ_INT(s->ops->approvals_expire(s, 1020), MFA_OK);
	CHECK_EQ_INT(s->ops->approval_get(s, "AAAA2223", false, &got, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->approval_get(s, "AAAA2222", false, &got, &found), MFA_OK);
	CHECK(found);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	/* Delete: the user's go, another's stay; alone they find no one. */
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->user_delete(s, "alice", &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->approval_get(s, "AAAA2222", false, &got, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->approval_get(s, "BBBB2222", false, &got, &found), MFA_OK);
	CHECK(found);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	/* A row no version of mfa writes (a number not among the choices) is
	 * refused on read. */
	approval_make(&b, "CCCC2222", "carol", 5000);
	b.number = 48;
	CHECK_EQ_INT(store_begin_user(s, "carol"), MFA_OK);
	CHECK_EQ_INT(s->ops->approval_put(s, &b), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->approval_get(s, "CCCC2222", false, &got, &found), MFA_ERR_CORRUPT);
	CHECK(!found);
	CHECK(strstr(s->err, "malformed approval") != NULL);
	CHECK_EQ_INT(s->ops->approvals_get(s, "carol", &list, &n), MFA_ERR_CORRUPT);
	CHECK(list == NULL && n == 0);
	s->ops->rollback(s);
	store_close(&s);
}

/* Sign-in codes: one per user, put replaces it; delete says whether there
 * was one; expiry at or before now; user_delete removes them (they alone
 * find no one); a malformed row is refused on read. */
static void signin_make(struct store_signin *c, const char *user, unsigned char fill,
                        int64_t created)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->user, sizeof(c->user), "%s", user);
	memset(c->hash, fill, sizeof(c->hash));
	c->created = created;
	c->expires = created + 300;
}

static void conf_signin_codes_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_signin a1, a2, b, got;
	bool found;

	if (!s)
		return;
	signin_make(&a1, "alice", 0x11, 1000);
	signin_make(&a2, "alice", 0x22, 1100);
	signin_make(&b, "bob", 0x33, 900);
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->signin_put(s, &a1), MFA_OK);
	CHECK_EQ_INT(s->ops->signin_put(s, &a2), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(store_begin_user(s, "bob"), MFA_OK);
	CHECK_EQ_INT(s->ops->signin_put(s, &b), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->signin_get(s, "alice", &got, &found), MFA_OK);
	CHECK(found);
	CHECK_STR(got.user, "alice");
	CHECK(!memcmp(got.hash, a2.hash, sizeof(got.hash)));
	CHECK_EQ_INT(got.created, 1100);
	CHECK_EQ_INT(got.expires, 1400);
	CHECK_EQ_INT(s->ops->signin_get(s, "carol", &got, &found), MFA_OK);
	CHECK(!found);
	s->ops->rollback(s);
	/* Delete: once; a rolled-back one leaves it. */
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->signin_delete(s, "alice", &found), MFA_OK);
	CHECK(found);
	CHECK_EQ_INT(s->ops->signin_delete(s, "alice", &found), MFA_OK);
	CHECK(!found);
	s->ops->rollback(s);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->signin_get(s, "alice", &got, &found), MFA_OK);
	CHECK(found);
	s->ops->rollback(s);
	/* Expiry: at or before now. */
	CHECK_EQ_INT(s->ops->begin(s, true), MFA_OK);
	CHECK_EQ_INT(s->ops->signins_expire(s, 1200), MFA_OK);
	CHECK_EQ_INT(s->ops->signin_get(s, "bob", &got, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->signin_get(s, "alice", &got, &found), MFA_OK);
	CHECK(found);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	/* user_delete: the user's goes; alone it finds no one. */
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->user_delete(s, "alice", &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->signin_get(s, "alice", &got, &found), MFA_OK);
	CHECK(!found);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	/* A row no version of mfa writes (expiring when made) is refused. */
	signin_make(&b, "carol", 0x44, 5000);
	b.expires = b.created;
	CHECK_EQ_INT(store_begin_user(s, "carol"), MFA_OK);
	CHECK_EQ_INT(s->ops->signin_put(s, &b), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->signin_get(s, "carol", &got, &found), MFA_ERR_CORRUPT);
	CHECK(!found);
	CHECK(strstr(s->err, "malformed sign-in code") != NULL);
	s->ops->rollback(s);
	store_close(&s);
}

/* A row no version of mfa writes is refused on read, whoever wrote it. */
static void conf_corrupt_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_factor f, *list = NULL;
	size_t n = 0;

	if (!s)
		return;
	factor_make(&f, "alice", "a", MFA_FACTOR_TOTP);
	f.digits = 42;
	CHECK_EQ_INT(tx_insert(s, &f), MFA_OK);
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->factors_get(s, "alice", &list, &n), MFA_ERR_CORRUPT);
	CHECK(list == NULL && n == 0);
	CHECK(strstr(s->err, "malformed") != NULL);
	s->ops->rollback(s);
	store_close(&s);
}

/* store_begin_login reads what the calls one by one read, the twin too,
 * and fails closed on a malformed row. */
static void conf_login_read_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_factor f, *list = NULL;
	struct store_user u = { .failures = 2, .locked_until = 9, .first_seen = 4 }, got;
	char twin[MFA_USER_MAX + 1];
	bool found = false, twin_found = false;
	size_t n = 0;

	if (!s)
		return;
	factor_make(&f, "alice", "a", MFA_FACTOR_TOTP);
	CHECK_EQ_INT(tx_insert(s, &f), MFA_OK);
	factor_make(&f, "alice", "b", MFA_FACTOR_WEBAUTHN);
	CHECK_EQ_INT(tx_insert(s, &f), MFA_OK);
	factor_make(&f, "Bob", "c", MFA_FACTOR_TOTP);
	CHECK_EQ_INT(tx_insert(s, &f), MFA_OK);
	CHECK_EQ_INT(store_begin_user(s, "alice"), MFA_OK);
	CHECK_EQ_INT(s->ops->user_put(s, "alice", &u), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);

	CHECK_EQ_INT(store_begin_login(s, "alice", &got, &found, &list, &n, twin, &twin_found), MFA_OK);
	CHECK(found && got.failures == 2 && got.locked_until == 9 && got.first_seen == 4);
	CHECK_EQ_INT(n, 2);
	CHECK(n == 2 && list[0].type == MFA_FACTOR_TOTP && list[1].type == MFA_FACTOR_WEBAUTHN);
	CHECK(!twin_found);
	/* A write transaction, its user locked: it writes and commits. */
	got.failures = 3;
	CHECK_EQ_INT(s->ops->user_put(s, "alice", &got), MFA_OK);
	CHECK_EQ_INT(s->ops->commit(s), MFA_OK);
	store_factors_free(&list, n);

	CHECK_EQ_INT(store_begin_login(s, "bob", &got, &found, &list, &n, twin, &twin_found), MFA_OK);
	CHECK(!found && n == 0 && list == NULL);
	CHECK(twin_found);
	CHECK_STR(twin, "Bob");
	s->ops->rollback(s);
	/* Without the twin asked for: not looked up. */
	twin_found = true;
	CHECK_EQ_INT(store_begin_login(s, "bob", &got, &found, &list, &n, NULL, &twin_found), MFA_OK);
	s->ops->rollback(s);
	CHECK(twin_found);
	CHECK_EQ_INT(store_begin_login(s, "alice", &got, &found, &list, &n, NULL, NULL), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(got.failures, 3);
	store_factors_free(&list, n);

	/* A malformed factor: refused, nothing handed out, rolled back. */
	factor_make(&f, "carol", "d", MFA_FACTOR_TOTP);
	f.digits = 42;
	CHECK_EQ_INT(tx_insert(s, &f), MFA_OK);
	n = 7;
	CHECK_EQ_INT(store_begin_login(s, "carol", &got, &found, &list, &n, twin, &twin_found),
	             MFA_ERR_CORRUPT);
	CHECK(list == NULL && n == 0);
	/* The store goes on working after it. */
	CHECK_EQ_INT(store_begin_login(s, "alice", &got, &found, &list, &n, twin, &twin_found), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(n, 2);
	store_factors_free(&list, n);
	store_close(&s);
}

struct racer {
	const struct mfa_config *cfg;
	pthread_barrier_t *start;
	int result;    /* MFA_OK: this one moved the counter from 0 */
};

/* Whether the racers start as a login does (store_begin_login) or as
 * other writes do (store_begin_user, then reads). */
static bool race_by_login;

/* One verification in miniature: read the counter, and only if it is
 * still 0, move it on. */
static int race_body(void *arg)
{
	struct store *s = arg;
	struct store_factor *list = NULL;
	size_t n = 0;
	int r;

	if (race_by_login) {
		struct store_user u;
		bool found;

		/* A login's start: lock and reads at once (login_read). */
		if ((r = store_begin_login(s, "alice", &u, &found, &list, &n, NULL, NULL)) != MFA_OK)
			return r;
	} else if ((r = store_begin_user(s, "alice")) != MFA_OK ||
	           (r = s->ops->factors_get(s, "alice", &list, &n)) != MFA_OK) {
		s->ops->rollback(s);
		store_factors_free(&list, n);
		return r;
	}
	if (n != 1) {
		s->ops->rollback(s);
		store_factors_free(&list, n);
		return MFA_ERR_NOT_FOUND;
	}
	usleep(20000);  /* the other one reads now, if the lock let it */
	if (list[0].counter != 0) {
		s->ops->rollback(s);
		store_factors_free(&list, n);
		return MFA_ERR_REPLAY;
	}
	list[0].counter = 1;
	if ((r = s->ops->factor_update(s, &list[0])) != MFA_OK || (r = s->ops->commit(s)) != MFA_OK)
		s->ops->rollback(s);
	store_factors_free(&list, n);
	return r;
}

static void *racer_run(void *arg)
{
	struct racer *rc = arg;
	struct store *s = NULL;
	char err[STORE_ERR_MAX];

	rc->result = store_open(rc->cfg, false, &s, err, sizeof(err));
	pthread_barrier_wait(rc->start);
	if (rc->result == MFA_OK)
		rc->result = store_retry(race_body, s);
	store_close(&s);
	return NULL;
}

static int conf_reset_counter(const struct mfa_config *cfg)
{
	struct store *s = NULL;
	struct store_factor *list = NULL;
	size_t n = 0;
	char err[STORE_ERR_MAX];
	int r;

	if ((r = store_open(cfg, false, &s, err, sizeof(err))) != MFA_OK)
		return r;
	if ((r = store_begin_user(s, "alice")) == MFA_OK &&
	    (r = s->ops->factors_get(s, "alice", &list, &n)) == MFA_OK && n == 1) {
		list[0].counter = 0;
		r = s->ops->factor_update(s, &list[0]);
	}
	if (r == MFA_OK)
		r = s->ops->commit(s);
	else
		s->ops->rollback(s);
	store_factors_free(&list, n);
	store_close(&s);
	return r;
}

/* Two handles, two threads, one user's counter: exactly one wins. */
static void conf_race_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_factor f;
	pthread_barrier_t start;
	struct racer rc[2] = { { .cfg = &cfg, .start = &start }, { .cfg = &cfg, .start = &start } };
	pthread_t t[2];

	if (!s)
		return;
	factor_make(&f, "alice", "a", MFA_FACTOR_TOTP);
	CHECK_EQ_INT(tx_insert(s, &f), MFA_OK);
	store_close(&s);
	for (int round = 0; round < 6; round++) {
		race_by_login = round % 2;
		CHECK_EQ_INT(conf_reset_counter(&cfg), MFA_OK);
		pthread_barrier_init(&start, NULL, 2);
		for (int i = 0; i < 2; i++)
			CHECK_EQ_INT(pthread_create(&t[i], NULL, racer_run, &rc[i]), 0);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&start);
		CHECK((rc[0].result == MFA_OK) != (rc[1].result == MFA_OK));
		CHECK(rc[0].result == MFA_ERR_REPLAY || rc[1].result == MFA_ERR_REPLAY);
	}
}

/* A user's factors come in creation order, then by id, whatever order
 * their rows were written in and whatever the index's order is. */
static void conf_factor_order_case(const char *uri)
{
	struct mfa_config cfg;
	struct store *s = conf_open(uri, &cfg);
	struct store_factor f[3], *list = NULL;
	static const char *const ids[] = { "a", "x", "m" };
	static const int64_t when[] = { 2000, 1000, 1000 };
	size_t n = 0;

	if (!s)
		return;
	for (size_t i = 0; i < 3; i++) {
		factor_make(&f[i], "alice", ids[i], MFA_FACTOR_TOTP);
		f[i].created = when[i];
		CHECK_EQ_INT(tx_insert(s, &f[i]), MFA_OK);
	}
	CHECK_EQ_INT(s->ops->begin(s, false), MFA_OK);
	CHECK_EQ_INT(s->ops->factors_get(s, "alice", &list, &n), MFA_OK);
	s->ops->rollback(s);
	CHECK_EQ_INT(n, 3);
	if (n == 3) {
		CHECK_STR(list[0].id, f[2].id);   /* 1000, m */
		CHECK_STR(list[1].id, f[1].id);   /* 1000, x */
		CHECK_STR(list[2].id, f[0].id);   /* 2000, a */
	}
	store_factors_free(&list, n);
	store_close(&s);
}

#define FOR_EACH_URI(name, fn)                      \
	static void name(void)                      \
	{                                           \
		if (test_pg_uri())                  \
			fn(test_pg_uri());          \
		for (size_t i = 0; !test_pg_uri() && i < N_URIS; i++) \
			fn(store_uris[i]);          \
	}
FOR_EACH_URI(conf_users, conf_users_case)
FOR_EACH_URI(conf_factors, conf_factors_case)
FOR_EACH_URI(conf_recovery, conf_recovery_case)
FOR_EACH_URI(conf_challenges, conf_challenges_case)
FOR_EACH_URI(conf_names, conf_names_case)
FOR_EACH_URI(conf_user_delete, conf_user_delete_case)
FOR_EACH_URI(conf_users_list, conf_users_list_case)
FOR_EACH_URI(conf_challenges_get, conf_challenges_get_case)
FOR_EACH_URI(conf_corrupt, conf_corrupt_case)
FOR_EACH_URI(conf_race, conf_race_case)
FOR_EACH_URI(conf_login_read, conf_login_read_case)
FOR_EACH_URI(conf_invites, conf_invites_case)
FOR_EACH_URI(conf_approvals, conf_approvals_case)
FOR_EACH_URI(conf_signin_codes, conf_signin_codes_case)
FOR_EACH_URI(conf_factor_order, conf_factor_order_case)

/* The shared row checks, on their own. */
static void conf_row_checks(void)
{
	struct store_factor f;
	struct store_user u = { .enroll = STORE_ENROLL_ALLOWED };
	struct store_recovery r = { .kind = RECOVERY_KIND_PBKDF2 };

	factor_make(&f, "alice", "a", MFA_FACTOR_TOTP);
	CHECK(store_factor_ok(&f));
	f.period = MFA_PERIOD_MAX + 1;
	CHECK(!store_factor_ok(&f));
	factor_make(&f, "alice", "a", MFA_FACTOR_TOTP);
	f.counter = (uint64_t)INT64_MAX + 1;
	CHECK(!store_factor_ok(&f));
	factor_make(&f, "alice", "a", MFA_FACTOR_TOTP);
	f.cred_id_len = 1;  /* an OTP factor with a credential */
	CHECK(!store_factor_ok(&f));
	factor_make(&f, "alice", "w", MFA_FACTOR_WEBAUTHN);
	CHECK(store_factor_ok(&f));
	f.cred_id_len = 0;
	CHECK(!store_factor_ok(&f));
	factor_make(&f, "alice", "a", MFA_FACTOR_TOTP);
	f.sealed_len = VAULT_OVERHEAD - 1;
	CHECK(!store_factor_ok(&f));
	CHECK(store_user_ok(&u));
	u.enroll = 3;
	CHECK(!store_user_ok(&u));
	CHECK(store_recovery_ok(&r));
	r.kind = 2;
	CHECK(!store_recovery_ok(&r));
	{
		struct store_approval a;
		unsigned c[4];

		approval_make(&a, "AAAA2222", "alice", 1000);
		CHECK(store_approval_ok(&a));
		CHECK(store_approval_choices(12478365, c) && c[0] == 12 && c[3] == 65);
		CHECK(!store_approval_choices(12478312, c));   /* twice 12 */
		CHECK(!store_approval_choices(9478365, c));    /* 09 */
		CHECK(!store_approval_choices(112478365, c));
		snprintf(a.id, sizeof(a.id), "AAAA222O");     /* O looks like 0 */
		CHECK(!store_approval_ok(&a));
		approval_make(&a, "AAAA2222", "alice", 1000);
		a.state = STORE_APPROVAL_APPROVED;             /* decided, but when? */
		CHECK(!store_approval_ok(&a));
		a.decided_at = 1001;
		CHECK(store_approval_ok(&a));
		a.state = 4;
		CHECK(!store_approval_ok(&a));
	}
}

const struct test_case store_conformance_tests[] = {
	{ "store_conf_users", conf_users },
	{ "store_conf_factors", conf_factors },
	{ "store_conf_recovery", conf_recovery },
	{ "store_conf_challenges", conf_challenges },
	{ "store_conf_names", conf_names },
	{ "store_conf_user_delete", conf_user_delete },
	{ "store_conf_users_list", conf_users_list },
	{ "store_conf_challenges_get", conf_challenges_get },
	{ "store_conf_corrupt", conf_corrupt },
	{ "store_conf_race", conf_race },
	{ "store_conf_login_read", conf_login_read },
	{ "store_conf_invites", conf_invites },
	{ "store_conf_approvals", conf_approvals },
	{ "store_conf_signin_codes", conf_signin_codes },
	{ "store_conf_factor_order", conf_factor_order },
	{ "store_conf_row_checks", conf_row_checks },
	{ NULL, NULL },
};
