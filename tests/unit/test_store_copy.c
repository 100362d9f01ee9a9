/* test_store_copy.c - mfa_store_copy: every kind of record reaches the
 * target and works there; a re-run gives the same store; a target with
 * other users, a failing target, a bad or missing one and the store itself
 * are refused with the target unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "check.h"
#include "env.h"
#include "softauthn.h"

#define ORIGIN "http://localhost:8080"
#define WA_CONF "webauthn_rp_id = localhost\nwebauthn_origins = " ORIGIN "\n" \
	"web_url = https://mfa.example.com\n"
#define SECRET_A "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
#define SECRET_B "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

/* A source installation, and a second config on the same key and audit
 * file whose store is another file: the target. */
struct pair {
	struct test_env env, tenv;
	mfa_ctx *ctx;
	char uri[340];
	struct sa_cred *cred;
	char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT];
	char challenge[MFA_CHALLENGE_ID_LEN + 1];
	char used_code[9];
	char invite[256];                   /* erin's invite link */
	time_t start;                       /* test_now, put back at the end */
};

static mfa_ctx *target_new(struct pair *p)
{
	mfa_ctx *t = NULL;
	unsigned created = 0;
	FILE *f;

	p->tenv = p->env;
	snprintf(p->tenv.config, sizeof(p->tenv.config), "%s/target.conf", p->env.dir);
	snprintf(p->tenv.store, sizeof(p->tenv.store), "%s/target.db", p->env.dir);
	snprintf(p->uri, sizeof(p->uri), "sqlite:%s", p->tenv.store);
	if (!(f = fopen(p->tenv.config, "w")))
		abort();
	fprintf(f, "store = %s\nkey_file = %s\naudit_syslog = no\naudit_file = %s\n%s", p->uri,
	        p->env.key, p->env.audit, WA_CONF);
	fclose(f);
	if (mfa_ctx_new(&t) != MFA_OK)
		abort();
	CHECK_EQ_INT(mfa_setup(t, p->tenv.config, &created), MFA_OK);
	CHECK(created & MFA_SETUP_STORE);
	CHECK(!(created & MFA_SETUP_KEY));
	return t;
}

static void wa_register(struct pair *p, const char *user)
{
	struct mfa_request req = { .user = user, .source = "test" };
	struct mfa_webauthn_result res;
	struct sa_opts opts = { .origin = ORIGIN };
	char *options = NULL, *response = NULL;

	CHECK_EQ_INT(mfa_webauthn_register_begin(p->ctx, user, &options), MFA_OK);
	CHECK_EQ_INT(sa_create(options, SA_ES256, SA_FMT_NONE, &opts, &p->cred, &response), 0);
	CHECK_EQ_INT(mfa_webauthn_register_finish(p->ctx, &req, response, "key", &res), MFA_OK);
	free(options);
	free(response);
}

static int wa_login(mfa_ctx *ctx, struct sa_cred *cred, const char *user)
{
	struct mfa_request req = { .user = user, .source = "test" };
	struct mfa_webauthn_result res;
	struct sa_opts opts = { .origin = ORIGIN };
	char *options = NULL, *response = NULL;
	int r;

	if ((r = mfa_webauthn_login_begin(ctx, user, &options)) != MFA_OK)
		return r;
	CHECK_EQ_INT(sa_get(cred, options, &opts, &response), 0);
	r = response ? mfa_webauthn_login_finish(ctx, &req, response, &res) : -1;
	free(options);
	free(response);
	return r;
}

/* alice: TOTP (a code used), a security key, recovery codes (one used).
 * bob: TOTP, locked out, a pending RADIUS challenge (and an expired one).
 * carol: state only (first seen). dave: a pending factor. erin: an invite
 * link only. */
static void source_fill(struct pair *p)
{
	struct mfa_otp_params pending = { .label = "pending" };
	struct mfa_enrollment *e = NULL;
	struct mfa_verdict v;
	char old[MFA_CHALLENGE_ID_LEN + 1];
	time_t seen;

	memset(p, 0, sizeof(*p));
	p->start = test_now;
	p->ctx = env_new(&p->env, WA_CONF);
	CHECK_EQ_INT(env_enroll(p->ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, SECRET_A, NULL), MFA_OK);
	wa_register(p, "alice");
	CHECK_EQ_INT(mfa_recovery_generate(p->ctx, "alice", "test", p->codes), MFA_OK);
	CHECK_EQ_INT(env_verify(p->ctx, "alice", p->codes[0], &v), MFA_OK);
	env_code(SECRET_A, NULL, 6, (uint64_t)test_now / 30, p->used_code);
	CHECK_EQ_INT(env_verify(p->ctx, "alice", p->used_code, NULL), MFA_OK);
	CHECK_EQ_INT(env_enroll(p->ctx, "bob", MFA_FACTOR_TOTP, NULL, 6, SECRET_B, NULL), MFA_OK);
	for (int i = 0; i < 5; i++)
		CHECK(env_verify(p->ctx, "bob", "000000", NULL) != MFA_OK);
	CHECK_EQ_INT(env_verify(p->ctx, "bob", "000000", NULL), MFA_ERR_LOCKED);
	CHECK_EQ_INT(mfa_challenge_create(p->ctx, "bob", "nas1", 10, old), MFA_OK);
	test_now += 20;  /* that one expires */
	CHECK_EQ_INT(mfa_challenge_create(p->ctx, "bob", "nas1", 600, p->challenge), MFA_OK);
	CHECK_EQ_INT(mfa_user_first_seen(p->ctx, "carol", &seen), MFA_OK);
	CHECK_EQ_INT(mfa_enroll_begin(p->ctx, "dave", &pending, &e), MFA_OK);
	mfa_enrollment_free(&e);
	CHECK_EQ_INT(mfa_invite_create(p->ctx, "erin", 0, "staff", p->invite, sizeof(p->invite)),
	             MFA_OK);
}

static void pair_free(struct pair *p)
{
	sa_cred_free(&p->cred);
	mfa_ctx_free(&p->ctx);
	test_now = p->start;
}

/* Every factor as "user id type active counter", one line each. */
static void factors_text(mfa_ctx *ctx, char *out, size_t size)
{
	struct mfa_factor_info *list = NULL;
	size_t n = 0, len = 0;

	out[0] = '\0';
	CHECK_EQ_INT(mfa_factor_list(ctx, NULL, &list, &n), MFA_OK);
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s %s %d %d %llu %lld\n", list[i].user,
		                        list[i].id, list[i].type, list[i].active,
		                        (unsigned long long)list[i].counter, (long long)list[i].created);
	mfa_factor_list_free(&list);
}

static mfa_ctx *target_open(const struct pair *p)
{
	return env_open(&p->tenv);
}

static void copy_every_kind(void)
{
	struct pair p;
	struct mfa_copy_counts n, again;
	struct mfa_user_info si, ti;
	struct mfa_request req = { .user = "bob", .source = "test" };
	char before[2048], after[2048], code[9], user[MFA_USER_MAX + 1];
	mfa_ctx *t;

	source_fill(&p);
	t = target_new(&p);
	mfa_ctx_free(&t);
	CHECK_EQ_INT(mfa_store_copy(p.ctx, p.uri, "test", &n), MFA_OK);
	if (n.users != 5)
		fprintf(stderr, "  %s\n", mfa_ctx_error(p.ctx));
	CHECK_EQ_INT(n.users, 5);  /* erin, with an invite only, too */
	CHECK_EQ_INT(n.factors, 4);
	CHECK_EQ_INT(n.recovery_codes, MFA_RECOVERY_COUNT);
	CHECK_EQ_INT(n.challenges, 1);
	CHECK_EQ_INT(n.invites, 1);
	CHECK_EQ_INT(env_audit_count(&p.env, "\"store-copy\""), 1);
	CHECK_EQ_INT(env_audit_count(&p.env, "5 users, 4 factors, 10 recovery codes, 1 challenges to sqlite:"), 1);

	/* Safe to run again: the same store. */
	t = target_open(&p);
	factors_text(t, before, sizeof(before));
	mfa_ctx_free(&t);
	CHECK_EQ_INT(mfa_store_copy(p.ctx, p.uri, "test", &again), MFA_OK);
	CHECK(!memcmp(&n, &again, sizeof(n)));
	t = target_open(&p);
	factors_text(t, after, sizeof(after));
	CHECK_STR(after, before);
	factors_text(p.ctx, before, sizeof(before));
	CHECK_STR(after, before);  /* ids, users, types, pending, counters, as here */
	CHECK(strstr(after, "dave") && strstr(after, " 3 1 "));  /* pending one and the key */

	/* State: bob's lockout, carol's first sighting, the codes left. */
	CHECK_EQ_INT(mfa_user_info_get(p.ctx, "bob", &si), MFA_OK);
	CHECK_EQ_INT(mfa_user_info_get(t, "bob", &ti), MFA_OK);
	CHECK_EQ_INT(ti.failures, si.failures);
	CHECK(ti.locked_until == si.locked_until && ti.locked_until > test_now);
	CHECK_EQ_INT(mfa_user_info_get(p.ctx, "carol", &si), MFA_OK);
	CHECK_EQ_INT(mfa_user_info_get(t, "carol", &ti), MFA_OK);
	CHECK(ti.first_seen == si.first_seen && ti.first_seen != 0);
	CHECK_EQ_INT(mfa_user_info_get(t, "alice", &ti), MFA_OK);
	CHECK_EQ_INT(ti.recovery_total, MFA_RECOVERY_COUNT);
	CHECK_EQ_INT(ti.recovery_left, MFA_RECOVERY_COUNT - 1);

	/* Logins on the target: replay state came along. */
	CHECK_EQ_INT(env_verify(t, "alice", p.used_code, NULL), MFA_ERR_REPLAY);
	CHECK_EQ_INT(env_verify(t, "alice", p.codes[0], NULL), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(env_verify(t, "alice", p.codes[1], NULL), MFA_OK);
	test_now = (p.start / 30 + 1) * 30;  /* the step after the used code's */
	env_code(SECRET_A, NULL, 6, (uint64_t)test_now / 30, code);
	CHECK_EQ_INT(env_verify(t, "alice", code, NULL), MFA_OK);
	CHECK_EQ_INT(wa_login(t, p.cred, "alice"), MFA_OK);
	CHECK_EQ_INT(env_verify(t, "bob", "000000", NULL), MFA_ERR_LOCKED);
	/* The RADIUS challenge is answered at the target. */
	CHECK_EQ_INT(mfa_challenge_take(t, &req, p.challenge, "nas1"), MFA_OK);
	/* erin's invite link works at the target, once. */
	CHECK_EQ_INT(mfa_invite_redeem(t, strrchr(p.invite, '#') + 1, user, sizeof(user)), MFA_OK);
	CHECK_STR(user, "erin");
	CHECK_EQ_INT(mfa_invite_redeem(t, strrchr(p.invite, '#') + 1, user, sizeof(user)),
	             MFA_ERR_INVITE);
	mfa_ctx_free(&t);
	pair_free(&p);
}

/* Runs sql on the target's file, as only a test would. */
static void target_sql(const struct pair *p, const char *sql)
{
	sqlite3 *db = NULL;

	CHECK_EQ_INT(sqlite3_open(p->tenv.store, &db), SQLITE_OK);
	CHECK_EQ_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void copy_refuses_other_users(void)
{
	struct pair p;
	struct mfa_copy_counts n;
	char before[2048], after[2048];
	mfa_ctx *t;

	source_fill(&p);
	t = target_new(&p);
	CHECK_EQ_INT(env_enroll(t, "zed", MFA_FACTOR_TOTP, NULL, 6, SECRET_B, NULL), MFA_OK);
	factors_text(t, before, sizeof(before));
	mfa_ctx_free(&t);
	CHECK_EQ_INT(mfa_store_copy(p.ctx, p.uri, "test", &n), MFA_ERR_INVALID);
	CHECK(strstr(mfa_ctx_error(p.ctx), "the target holds users this store does not (e.g. zed; 1 in all)"));
	CHECK(strstr(mfa_ctx_error(p.ctx), "copy into an empty store"));
	CHECK_EQ_INT(n.users, 0);
	t = target_open(&p);
	factors_text(t, after, sizeof(after));
	CHECK_STR(after, before);
	CHECK(strstr(after, "alice") == NULL);
	mfa_ctx_free(&t);
	CHECK_EQ_INT(env_audit_count(&p.env, "\"store-copy\""), 0);
	pair_free(&p);
}

/* A target that fails an insert half-way, and one that drops a row
 * without a word: both rolled back, the target as it was. */
static void copy_failure_changes_nothing(void)
{
	struct pair p;
	struct mfa_copy_counts n;
	struct mfa_user_info ti;
	char before[2048], after[2048];
	mfa_ctx *t;

	source_fill(&p);
	t = target_new(&p);
	mfa_ctx_free(&t);
	CHECK_EQ_INT(mfa_store_copy(p.ctx, p.uri, "test", &n), MFA_OK);
	/* The source moves on: bob unlocked, alice's codes reissued. */
	CHECK_EQ_INT(mfa_unlock(p.ctx, "bob", "test"), MFA_OK);
	CHECK_EQ_INT(mfa_recovery_generate(p.ctx, "alice", "test", p.codes), MFA_OK);
	t = target_open(&p);
	factors_text(t, before, sizeof(before));
	mfa_ctx_free(&t);

	/* Every touched user's rows deleted, alice's factors written: then her
	 * codes' insert fails. */
	target_sql(&p, "CREATE TRIGGER fail_codes BEFORE INSERT ON recovery BEGIN "
	               "SELECT RAISE(ABORT, 'test trigger refused a recovery code'); END");
	CHECK_EQ_INT(mfa_store_copy(p.ctx, p.uri, "test", &n), MFA_ERR_STORE);
	CHECK(strstr(mfa_ctx_error(p.ctx), "test trigger refused a recovery code") != NULL);
	CHECK(strstr(mfa_ctx_error(p.ctx), p.uri) != NULL);
	CHECK_EQ_INT(n.users, 0);
	t = target_open(&p);
	factors_text(t, after, sizeof(after));
	CHECK_STR(after, before);
	CHECK_EQ_INT(mfa_user_info_get(t, "bob", &ti), MFA_OK);
	CHECK(ti.failures == 5 && ti.locked_until > test_now);  /* still the first copy's */
	CHECK_EQ_INT(mfa_user_info_get(t, "alice", &ti), MFA_OK);
	CHECK_EQ_INT(ti.recovery_left, MFA_RECOVERY_COUNT - 1);
	mfa_ctx_free(&t);

	/* A row that silently does not arrive: the read-back finds it. */
	target_sql(&p, "DROP TRIGGER fail_codes; CREATE TRIGGER drop_key BEFORE INSERT ON factors "
	               "WHEN NEW.type = 3 BEGIN SELECT RAISE(IGNORE); END");
	CHECK_EQ_INT(mfa_store_copy(p.ctx, p.uri, "test", &n), MFA_ERR_STORE);
	CHECK(strstr(mfa_ctx_error(p.ctx), "read back, the target does not hold what was written "
	                                   "(the number of factors of alice)") != NULL);
	t = target_open(&p);
	factors_text(t, after, sizeof(after));
	CHECK_STR(after, before);
	CHECK_EQ_INT(mfa_user_info_get(t, "bob", &ti), MFA_OK);
	CHECK_EQ_INT(ti.failures, 5);
	mfa_ctx_free(&t);
	CHECK_EQ_INT(env_audit_count(&p.env, "\"store-copy\""), 1);  /* the first copy only */

	/* The trigger gone, the same copy goes through. */
	target_sql(&p, "DROP TRIGGER drop_key");
	CHECK_EQ_INT(mfa_store_copy(p.ctx, p.uri, "test", &n), MFA_OK);
	t = target_open(&p);
	CHECK_EQ_INT(mfa_user_info_get(t, "bob", &ti), MFA_OK);
	CHECK_EQ_INT(ti.failures, 0);
	CHECK_EQ_INT(env_verify(t, "alice", p.codes[0], NULL), MFA_OK);  /* the new codes */
	mfa_ctx_free(&t);
	pair_free(&p);
}

static void copy_refuses_bad_targets(void)
{
	struct pair p;
	struct mfa_copy_counts n;
	char uri[400], path[400];
	struct stat st;

	memset(&p, 0, sizeof(p));
	p.ctx = env_new(&p.env, NULL);
	CHECK_EQ_INT(env_enroll(p.ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, SECRET_A, NULL), MFA_OK);
	/* The store itself. */
	CHECK_EQ_INT(mfa_store_copy(p.ctx, env_store_uri(&p.env, uri, sizeof(uri)), "test", &n),
	             MFA_ERR_INVALID);
	CHECK(strstr(mfa_ctx_error(p.ctx), "is the configured store itself") != NULL);
	/* Unknown kinds and malformed locations. */
	CHECK_EQ_INT(mfa_store_copy(p.ctx, "mysql://db/mfa", "test", &n), MFA_ERR_INVALID);
	CHECK(strstr(mfa_ctx_error(p.ctx), "not supported") != NULL);
	CHECK_EQ_INT(mfa_store_copy(p.ctx, "sqlite:relative.db", "test", &n), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_store_copy(p.ctx, "", "test", &n), MFA_ERR_INVALID);
	/* Not made by mfactl init: not made here either. */
	snprintf(path, sizeof(path), "%s/new.db", p.env.dir);
	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	CHECK_EQ_INT(mfa_store_copy(p.ctx, uri, "test", &n), MFA_ERR_STORE);
	CHECK(strstr(mfa_ctx_error(p.ctx), "run 'mfactl init' with store = ") != NULL);
	CHECK(stat(path, &st) != 0);
	CHECK_EQ_INT(n.users + n.factors, 0);
	CHECK_EQ_INT(env_audit_count(&p.env, "\"store-copy\""), 0);
	mfa_ctx_free(&p.ctx);
}

const struct test_case store_copy_tests[] = {
	{ "store_copy_every_kind", copy_every_kind },
	{ "store_copy_refuses_other_users", copy_refuses_other_users },
	{ "store_copy_failure_changes_nothing", copy_failure_changes_nothing },
	{ "store_copy_refuses_bad_targets", copy_refuses_bad_targets },
	{ NULL, NULL },
};
