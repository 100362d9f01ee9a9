/* test_signin.c - sign-in codes from the portal: accepted once, by their
 * user, before they expire, only while the passkey is there; a new one
 * replaces the old; stored as an HMAC; wrong ones count toward lockout;
 * a key-only user is asked for a code while one is live; two racing
 * logins with one code: one gets in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "env.h"
#include "internal.h"
#include "softauthn.h"

#define ORIGIN "http://localhost:8080"
#define WA_CONF "webauthn_rp_id = localhost\nwebauthn_origins = " ORIGIN "\n"
#define TOTP_SECRET "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

static const struct mfa_request web_alice = { .user = "alice", .source = "web",
	                                      .remote = "198.51.100.1" };
static const struct mfa_login_policy after_password = { .password_verified = true };
static const struct mfa_login_policy stranger = { .password_verified = false };

static mfa_ctx *signin_env(struct test_env *env, const char *extra)
{
	char conf[1024];

	snprintf(conf, sizeof(conf), "%s%s", WA_CONF, extra ? extra : "");
	return env_new(env, conf);
}

/* A passkey for user, as the portal registers one. */
static void passkey_add(mfa_ctx *ctx, const char *user, char factor_id[MFA_ID_LEN + 1])
{
	struct mfa_request req = { .user = user, .source = "test" };
	struct sa_opts o = { .origin = ORIGIN };
	struct mfa_webauthn_result res;
	struct sa_cred *cred = NULL;
	char *options = NULL, *response = NULL;

	CHECK_EQ_INT(mfa_webauthn_register_begin(ctx, user, &options), MFA_OK);
	CHECK_EQ_INT(sa_create(options, SA_ES256, SA_FMT_NONE, &o, &cred, &response), 0);
	CHECK_EQ_INT(mfa_webauthn_register_finish(ctx, &req, response, "key", &res), MFA_OK);
	if (factor_id)
		memcpy(factor_id, res.factor_id, MFA_ID_LEN + 1);
	sa_cred_free(&cred);
	free(options);
	free(response);
}

static int login_code(mfa_ctx *ctx, const char *user, const char *code,
                      const struct mfa_login_policy *pol, struct mfa_login_result *res)
{
	struct mfa_request req = { .user = user, .code = code, .source = "radius:vpn1" };

	return mfa_login(ctx, &req, pol, res);
}

static mfa_login_action login_ask(mfa_ctx *ctx, const char *user,
                                  const struct mfa_login_policy *pol)
{
	struct mfa_request req = { .user = user, .source = "radius:vpn1" };
	struct mfa_login_result res;

	mfa_login(ctx, &req, pol, &res);
	return res.action;
}

/* code in text as a number of its own (not inside a longer one, such as a
 * time stamp). */
static bool has_code(const char *text, const char *code)
{
	size_t n = strlen(code);

	for (const char *p = text; text && (p = strstr(p, code)); p++)
		if ((p == text || p[-1] < '0' || p[-1] > '9') && (p[n] < '0' || p[n] > '9'))
			return true;
	return false;
}

static bool audit_has_code(const struct test_env *env, const char *code)
{
	FILE *f = fopen(env->audit, "r");
	char line[2048];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = has_code(line, code);
	if (f)
		fclose(f);
	return found;
}

static long signin_rows(const struct test_env *env)
{
	return env_sql_number(env, "SELECT count(*) FROM signin_codes",
	                      "SELECT count(*) FROM mfa_signin_codes");
}

/* A key-only user: refused before, asked while a code is live, in once. */
static void signin_once(void)
{
	struct test_env env;
	mfa_ctx *ctx = signin_env(&env, NULL), *vpn;
	struct mfa_login_result res;
	struct mfa_verdict v;
	char code[MFA_SIGNIN_CODE_MAX + 1];
	time_t expires = 0;

	passkey_add(ctx, "alice", NULL);
	/* No code yet: what a key-only user got before. */
	CHECK_EQ_INT(login_ask(ctx, "alice", &after_password), MFA_LOGIN_REFUSE);
	CHECK_EQ_INT(login_code(ctx, "alice", "123456", &after_password, &res), MFA_ERR_NO_FACTOR);
	CHECK(res.verdict.security_key_only);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code, &expires), MFA_OK);
	CHECK_EQ_INT(strlen(code), 6);
	CHECK_EQ_INT(strspn(code, "0123456789"), 6);
	CHECK_EQ_INT(expires, test_now + 300);
	/* The VPN's server is another process. */
	vpn = env_open(&env);
	CHECK_EQ_INT(login_ask(vpn, "alice", &after_password), MFA_LOGIN_ASK);
	CHECK_EQ_INT(login_code(vpn, "alice", code, &after_password, &res), MFA_OK);
	CHECK_EQ_INT(res.action, MFA_LOGIN_ACCEPT);
	CHECK_EQ_INT(res.verdict.via, MFA_VIA_SIGNIN_CODE);
	/* Once: then the user is key-only again. */
	CHECK_EQ_INT(login_code(vpn, "alice", code, &after_password, &res), MFA_ERR_NO_FACTOR);
	CHECK_EQ_INT(res.action, MFA_LOGIN_REFUSE);
	CHECK_EQ_INT(login_ask(vpn, "alice", &after_password), MFA_LOGIN_REFUSE);
	CHECK_EQ_INT(env_verify(vpn, "alice", code, &v), MFA_ERR_NO_FACTOR);
	CHECK_EQ_INT(signin_rows(&env), 0);
	CHECK_EQ_INT(env_audit_count(&env, "\"event\":\"signin-code\",\"user\":\"alice\","
	                                   "\"source\":\"web\""), 1);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"created\""), 1);
	CHECK_EQ_INT(env_audit_count(&env, "\"factor\":\"signin-code\""), 1);
	CHECK_EQ_INT(env_audit_count(&env, "\"event\":\"verify\",\"user\":\"alice\","
	                                   "\"source\":\"radius:vpn1\",\"outcome\":\"accepted\","
	                                   "\"factor\":\"signin-code\""), 1);
	/* Never the code in the audit. */
	CHECK(!audit_has_code(&env, code));
	mfa_ctx_free(&vpn);
	mfa_ctx_free(&ctx);
}

/* Before a password check every name gets the same prompt and refusal;
 * a key-only user's live code still logs in. */
static void signin_stranger_uniform(void)
{
	struct test_env env;
	mfa_ctx *ctx = signin_env(&env, NULL);
	struct mfa_login_result res, res_nobody;
	char code[MFA_SIGNIN_CODE_MAX + 1];
	time_t expires;

	passkey_add(ctx, "alice", NULL);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code, &expires), MFA_OK);
	CHECK_EQ_INT(login_ask(ctx, "alice", &stranger), MFA_LOGIN_ASK);
	CHECK_EQ_INT(login_ask(ctx, "nobody", &stranger), MFA_LOGIN_ASK);
	login_code(ctx, "alice", "000000", &stranger, &res);
	login_code(ctx, "nobody", "000000", &stranger, &res_nobody);
	CHECK_EQ_INT(res.action, MFA_LOGIN_RETRY);
	CHECK_EQ_INT(res_nobody.action, MFA_LOGIN_RETRY);
	CHECK_STR(res.message, res_nobody.message);
	CHECK_EQ_INT(login_code(ctx, "alice", code, &stranger, &res), MFA_OK);
	CHECK_EQ_INT(res.action, MFA_LOGIN_ACCEPT);
	mfa_ctx_free(&ctx);
}

static void signin_expired(void)
{
	struct test_env env;
	mfa_ctx *ctx = signin_env(&env, "signin_code_expires = 1m\n");
	char code[MFA_SIGNIN_CODE_MAX + 1];
	struct mfa_verdict v;
	time_t expires, start = test_now;

	passkey_add(ctx, "alice", NULL);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code, &expires), MFA_OK);
	CHECK_EQ_INT(expires, start + 60);
	test_now = start + 60;
	CHECK_EQ_INT(login_ask(ctx, "alice", &after_password), MFA_LOGIN_REFUSE);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_ERR_NO_FACTOR);
	/* Expired rows go when the next code is made. */
	CHECK_EQ_INT(signin_rows(&env), 1);
	test_now = start + 59;
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code, &expires), MFA_OK);
	test_now = start + 59 + 59;
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_OK);
	CHECK_EQ_INT(v.via, MFA_VIA_SIGNIN_CODE);
	test_now = start;
	mfa_ctx_free(&ctx);
}

/* Bound to its user; a new one replaces the old. */
static void signin_user_and_replace(void)
{
	struct test_env env;
	mfa_ctx *ctx = signin_env(&env, NULL);
	struct mfa_request web_bob = web_alice;
	char code[MFA_SIGNIN_CODE_MAX + 1], code2[MFA_SIGNIN_CODE_MAX + 1];
	char bob_code[MFA_SIGNIN_CODE_MAX + 1];
	struct mfa_verdict v;
	time_t expires;

	web_bob.user = "bob";
	passkey_add(ctx, "alice", NULL);
	passkey_add(ctx, "bob", NULL);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code, &expires), MFA_OK);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_bob, bob_code, &expires), MFA_OK);
	/* alice's code is not bob's, nor bob's alice's, unless they drew the
	 * same digits. */
	if (strcmp(code, bob_code) != 0) {
		CHECK_EQ_INT(env_verify(ctx, "bob", code, &v), MFA_ERR_BAD_CODE);
		CHECK_EQ_INT(env_verify(ctx, "alice", bob_code, &v), MFA_ERR_BAD_CODE);
	}
	/* A row copied to another user matches nothing there. */
	CHECK(env_sql(&env, "UPDATE signin_codes SET hash = (SELECT hash FROM signin_codes "
	                    "WHERE user = 'alice') WHERE user = 'bob'",
	              "UPDATE mfa_signin_codes SET hash = (SELECT hash FROM mfa_signin_codes "
	              "WHERE username = 'alice') WHERE username = 'bob'"));
	CHECK_EQ_INT(env_verify(ctx, "bob", code, &v), MFA_ERR_BAD_CODE);
	do
		CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code2, &expires), MFA_OK);
	while (!strcmp(code, code2));
	CHECK_EQ_INT(signin_rows(&env), 2);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(env_verify(ctx, "alice", code2, &v), MFA_OK);
	CHECK_EQ_INT(v.via, MFA_VIA_SIGNIN_CODE);
	mfa_ctx_free(&ctx);
}

/* The store holds an HMAC under the key file's key: not the code, not a
 * hash anyone could compute from the store alone. */
static void signin_stored_hashed(void)
{
	struct test_env env;
	mfa_ctx *ctx = signin_env(&env, NULL);
	char code[MFA_SIGNIN_CODE_MAX + 1], sqlite[256], pg[256];
	time_t expires;

	passkey_add(ctx, "alice", NULL);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code, &expires), MFA_OK);
	CHECK_EQ_INT(env_sql_number(&env, "SELECT length(hash) FROM signin_codes",
	                            "SELECT length(hash) FROM mfa_signin_codes"), 32);
	snprintf(sqlite, sizeof(sqlite), "SELECT count(*) FROM signin_codes WHERE "
	         "instr(CAST(hash AS TEXT), '%s') > 0 OR hash = CAST('%s' AS BLOB)", code, code);
	snprintf(pg, sizeof(pg), "SELECT count(*) FROM mfa_signin_codes WHERE "
	         "position(convert_to('%s', 'UTF8') IN hash) > 0 OR "
	         "hash = sha256(convert_to('%s', 'UTF8')) OR "
	         "hash = sha256(convert_to('alice', 'UTF8') || '\\x00'::bytea || "
	         "convert_to('%s', 'UTF8'))", code, code, code);
	CHECK_EQ_INT(env_sql_number(&env, sqlite, pg), 0);
	if (!test_pg_uri()) {
		/* Nowhere in the file's bytes either. */
		FILE *f = fopen(env.store, "rb");
		static unsigned char buf[1 << 20];
		size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

		CHECK(n > 0);
		CHECK(!memmem(buf, n, code, strlen(code)));
		if (f)
			fclose(f);
	}
	mfa_ctx_free(&ctx);
}

/* Only for users with a passkey, and only while they have it. */
static void signin_needs_passkey(void)
{
	struct test_env env;
	mfa_ctx *ctx = signin_env(&env, NULL);
	struct mfa_request web_carol = web_alice;
	char code[MFA_SIGNIN_CODE_MAX + 1], key_id[MFA_ID_LEN + 1];
	struct mfa_verdict v;
	time_t expires = 1;

	web_carol.user = "carol";
	CHECK_EQ_INT(env_enroll(ctx, "carol", MFA_FACTOR_TOTP, NULL, 6, TOTP_SECRET, NULL), MFA_OK);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_carol, code, &expires), MFA_ERR_NOT_FOUND);
	CHECK_STR(code, "");
	CHECK_EQ_INT(expires, 0);
	web_carol.user = "nobody";
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_carol, code, &expires), MFA_ERR_NOT_FOUND);
	CHECK_EQ_INT(signin_rows(&env), 0);
	CHECK_EQ_INT(env_audit_count(&env, "signin-code"), 0);
	/* The passkey removed (lost, stolen): its code is void. */
	passkey_add(ctx, "alice", key_id);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code, &expires), MFA_OK);
	CHECK_EQ_INT(mfa_factor_remove(ctx, "alice", key_id, "test"), MFA_OK);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_ERR_NO_FACTOR);
	mfa_ctx_free(&ctx);
}

/* Wrong codes count toward lockout as wrong app codes do; locked, the
 * right code is refused too. */
static void signin_lockout(void)
{
	struct test_env env;
	mfa_ctx *ctx = signin_env(&env, "lockout_threshold = 3\n");
	struct mfa_login_result res;
	struct mfa_user_info info;
	char code[MFA_SIGNIN_CODE_MAX + 1];
	const char *wrong;
	time_t expires;

	passkey_add(ctx, "alice", NULL);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code, &expires), MFA_OK);
	wrong = strcmp(code, "000000") ? "000000" : "111111";
	CHECK_EQ_INT(login_code(ctx, "alice", wrong, &after_password, &res), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(res.action, MFA_LOGIN_RETRY);
	CHECK_EQ_INT(res.verdict.failures, 1);
	CHECK_EQ_INT(login_code(ctx, "alice", wrong, &after_password, &res), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(login_code(ctx, "alice", wrong, &after_password, &res), MFA_ERR_BAD_CODE);
	CHECK(res.verdict.locked_seconds > 0);
	CHECK_EQ_INT(mfa_user_info_get(ctx, "alice", &info), MFA_OK);
	CHECK_EQ_INT(info.failures, 3);
	CHECK_EQ_INT(login_code(ctx, "alice", code, &after_password, &res), MFA_ERR_LOCKED);
	CHECK_EQ_INT(signin_rows(&env), 1);
	mfa_ctx_free(&ctx);
}

/* "password" and code typed as one (RADIUS append, PAM forward_pass): the
 * code is found for a key-only user while one is live, with the digits of
 * the user's app codes when they have one. */
static void signin_split(void)
{
	struct test_env env;
	mfa_ctx *ctx = signin_env(&env, NULL);
	struct mfa_request web_dave = web_alice;
	struct mfa_user_info info;
	char code[MFA_SIGNIN_CODE_MAX + 1], typed[64];
	struct mfa_verdict v;
	time_t expires;
	size_t off = 99;

	passkey_add(ctx, "alice", NULL);
	CHECK_EQ_INT(mfa_login_split(ctx, "alice", "hunter2123456", &off), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code, &expires), MFA_OK);
	CHECK_EQ_INT(mfa_user_info_get(ctx, "alice", &info), MFA_OK);
	CHECK(info.signin_code);
	CHECK_EQ_INT(info.code_digits, 6);
	snprintf(typed, sizeof(typed), "hunter2%s", code);
	CHECK_EQ_INT(mfa_login_split(ctx, "alice", typed, &off), MFA_OK);
	CHECK_EQ_INT(off, 7);
	CHECK_EQ_INT(env_verify(ctx, "alice", typed + off, &v), MFA_OK);
	CHECK_EQ_INT(mfa_login_split(ctx, "alice", typed, &off), MFA_ERR_BAD_CODE);
	/* A user with an 8-digit app and a passkey gets 8 digits. */
	web_dave.user = "dave";
	CHECK_EQ_INT(env_enroll(ctx, "dave", MFA_FACTOR_TOTP, NULL, 8, TOTP_SECRET, NULL), MFA_OK);
	passkey_add(ctx, "dave", NULL);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_dave, code, &expires), MFA_OK);
	CHECK_EQ_INT(strlen(code), 8);
	snprintf(typed, sizeof(typed), "pw%s", code);
	CHECK_EQ_INT(mfa_login_split(ctx, "dave", typed, &off), MFA_OK);
	CHECK_EQ_INT(off, 2);
	CHECK_EQ_INT(env_verify(ctx, "dave", code, &v), MFA_OK);
	CHECK_EQ_INT(v.via, MFA_VIA_SIGNIN_CODE);
	mfa_ctx_free(&ctx);
}

struct racer {
	mfa_ctx *ctx;
	const char *code;
	int result;
};

static void racer_run(void *arg)
{
	struct racer *c = arg;
	struct mfa_verdict v;

	c->result = env_verify(c->ctx, "alice", c->code, &v);
}

/* Two logins (two processes) racing with one code: one gets in. */
static void signin_race(void)
{
	struct test_env env;
	mfa_ctx *ctx = signin_env(&env, NULL), *other = env_open(&env);
	char code[MFA_SIGNIN_CODE_MAX + 1];
	time_t expires;

	passkey_add(ctx, "alice", NULL);
	for (int round = 0; round < 10; round++) {
		struct racer c[2] = { { .ctx = ctx, .code = code }, { .ctx = other, .code = code } };

		CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code, &expires), MFA_OK);
		env_race_two(racer_run, &c[0], &c[1]);
		CHECK_EQ_INT((c[0].result == MFA_OK) + (c[1].result == MFA_OK), 1);
		CHECK(c[0].result == MFA_ERR_NO_FACTOR || c[1].result == MFA_ERR_NO_FACTOR);
	}
	CHECK_EQ_INT(env_audit_count(&env, "\"factor\":\"signin-code\""), 10);
	mfa_ctx_free(&other);
	mfa_ctx_free(&ctx);
}

/* A store made before sign-in codes (SQLite schema 6, PostgreSQL 3) gets
 * their table: SQLite at the next open, PostgreSQL at mfactl init. */
static void signin_store_upgrade(void)
{
	struct test_env env;
	mfa_ctx *ctx = signin_env(&env, NULL), *c2 = NULL;
	char code[MFA_SIGNIN_CODE_MAX + 1];
	unsigned created = 0;
	struct mfa_verdict v;
	time_t expires;

	passkey_add(ctx, "alice", NULL);
	mfa_ctx_free(&ctx);
	CHECK(env_sql(&env, "DROP TABLE signin_codes; PRAGMA user_version = 6",
	              "DROP TABLE mfa_signin_codes; UPDATE mfa_schema SET version = 3"));
	CHECK_EQ_INT(signin_rows(&env), -1);
	if (test_pg_uri()) {
		CHECK_EQ_INT(mfa_ctx_new(&c2), MFA_OK);
		CHECK_EQ_INT(mfa_config_load(c2, env.config), MFA_OK);
		CHECK_EQ_INT(mfa_open(c2), MFA_ERR_STORE);
		mfa_ctx_free(&c2);
		CHECK_EQ_INT(mfa_ctx_new(&c2), MFA_OK);
		CHECK_EQ_INT(mfa_setup(c2, env.config, &created), MFA_OK);
		mfa_ctx_free(&c2);
	}
	ctx = env_open(&env);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code, &expires), MFA_OK);
	CHECK_EQ_INT(signin_rows(&env), 1);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_OK);
	CHECK_EQ_INT(env_sql_number(&env, "PRAGMA user_version", "SELECT max(version) FROM mfa_schema"),
	             test_pg_uri() ? 4 : 7);
	mfa_ctx_free(&ctx);
}

/* Exported, and gone with the user. */
static void signin_gone_with_user(void)
{
	struct test_env env;
	mfa_ctx *ctx = signin_env(&env, NULL);
	char code[MFA_SIGNIN_CODE_MAX + 1], *json = NULL, needle[64];
	time_t expires;

	passkey_add(ctx, "alice", NULL);
	CHECK_EQ_INT(mfa_signin_code_create(ctx, &web_alice, code, &expires), MFA_OK);
	/* Exported: when and until when, never the code or its hash. */
	CHECK_EQ_INT(mfa_user_export(ctx, "alice", &json), MFA_OK);
	snprintf(needle, sizeof(needle), "\"expires\": %lld", (long long)expires);
	CHECK(json && strstr(json, "\"signin_code\": {") && strstr(json, needle) &&
	      !has_code(json, code) && !strstr(json, "hash"));
	free(json);
	CHECK_EQ_INT(mfa_user_delete(ctx, "alice", "test"), MFA_OK);
	CHECK_EQ_INT(signin_rows(&env), 0);
	mfa_ctx_free(&ctx);
}

static void signin_config(void)
{
	struct mfa_config cfg;
	char err[512];

	config_defaults(&cfg);
	CHECK_EQ_INT(cfg.signin_code_expires, 300);
	CHECK_EQ_INT(config_set(&cfg, "signin_code_expires", "1m", err, sizeof(err)), MFA_OK);
	CHECK_EQ_INT(cfg.signin_code_expires, 60);
	CHECK_EQ_INT(config_set(&cfg, "signin_code_expires", "15m", err, sizeof(err)), MFA_OK);
	CHECK_EQ_INT(cfg.signin_code_expires, 900);
	CHECK_EQ_INT(config_set(&cfg, "signin_code_expires", "59", err, sizeof(err)),
	             MFA_ERR_CONFIG);
	CHECK_EQ_INT(config_set(&cfg, "signin_code_expires", "901s", err, sizeof(err)),
	             MFA_ERR_CONFIG);
	CHECK_EQ_INT(config_set(&cfg, "signin_code_expires", "5 minutes", err, sizeof(err)),
	             MFA_ERR_CONFIG);
	CHECK_EQ_INT(cfg.signin_code_expires, 900);
}

const struct test_case signin_tests[] = {
	{ "signin_once", signin_once },
	{ "signin_stranger_uniform", signin_stranger_uniform },
	{ "signin_expired", signin_expired },
	{ "signin_user_and_replace", signin_user_and_replace },
	{ "signin_stored_hashed", signin_stored_hashed },
	{ "signin_needs_passkey", signin_needs_passkey },
	{ "signin_lockout", signin_lockout },
	{ "signin_split", signin_split },
	{ "signin_race", signin_race },
	{ "signin_store_upgrade", signin_store_upgrade },
	{ "signin_gone_with_user", signin_gone_with_user },
	{ "signin_config", signin_config },
	{ NULL, NULL },
};
