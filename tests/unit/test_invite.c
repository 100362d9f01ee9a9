/* test_invite.c - invite links: one use, expiring, stored hashed, refused
 * alike whether unknown, used, expired or mistyped; audited without the
 * token; gone with their user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "env.h"
#include "internal.h"

#define WEB "web_url = https://mfa.example.com/portal/\n"

/* The token: the link's fragment. */
static const char *token_of(const char *url)
{
	const char *hash = strrchr(url, '#');

	return hash ? hash + 1 : "";
}

static long invites_stored(const struct test_env *env)
{
	return env_sql_number(env, "SELECT count(*) FROM invites", "SELECT count(*) FROM mfa_invites");
}

static void invite_once(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, WEB), *other;
	char url[256], user[MFA_USER_MAX + 1];
	const char *token;

	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "staff", url, sizeof(url)), MFA_OK);
	/* web_url (its '/' dropped) + "/invite#" + 43 base64url characters. */
	CHECK(!strncmp(url, "https://mfa.example.com/portal/invite#", 38));
	token = token_of(url);
	CHECK_EQ_INT(strlen(token), MFA_INVITE_TOKEN_LEN);
	CHECK_EQ_INT(strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
	             MFA_INVITE_TOKEN_LEN);
	CHECK_EQ_INT(invites_stored(&env), 1);
	/* Redeemed at another process sharing the store: once. */
	other = env_open(&env);
	CHECK_EQ_INT(mfa_invite_redeem(other, token, user, sizeof(user)), MFA_OK);
	CHECK_STR(user, "alice");
	CHECK_EQ_INT(mfa_invite_redeem(ctx, token, user, sizeof(user)), MFA_ERR_INVITE);
	CHECK_STR(user, "");
	CHECK_STR(mfa_ctx_error(ctx), "invite link unknown, used or expired: ask for a new one");
	CHECK_STR(mfa_strerror(MFA_ERR_INVITE), "invite link unknown, used or expired: ask for a new one");
	CHECK(mfa_err_is_verdict(MFA_ERR_INVITE));
	CHECK_EQ_INT(invites_stored(&env), 0);
	/* Each link its own. */
	{
		char url2[256];

		CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "staff", url, sizeof(url)), MFA_OK);
		CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "staff", url2, sizeof(url2)), MFA_OK);
		CHECK(strcmp(url, url2) != 0);
		CHECK_EQ_INT(mfa_invite_redeem(ctx, token_of(url2), user, sizeof(user)), MFA_OK);
		CHECK_EQ_INT(mfa_invite_redeem(ctx, token_of(url), user, sizeof(user)), MFA_OK);
	}
	CHECK_EQ_INT(env_audit_count(&env, "\"event\":\"invite\",\"user\":\"alice\",\"source\":\"-\","
	                                   "\"outcome\":\"created\",\"detail\":\"by staff, expires "),
	             3);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"redeemed\",\"detail\":\"created by staff\""), 3);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"refused\",\"detail\":\"unknown or used\""), 1);
	mfa_ctx_free(&other);
	mfa_ctx_free(&ctx);
}

/* Default 24 hours, or the config's, or the caller's; expired: refused
 * like an unknown one, and removed. */
static void invite_expires(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, WEB "invite_expires = 2h\n");
	char url[256], url2[256], user[MFA_USER_MAX + 1];
	time_t start = test_now;

	CHECK_EQ_INT(mfa_invite_lifetime(ctx, 0), 7200);
	CHECK_EQ_INT(mfa_invite_lifetime(ctx, 60), 60);
	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "staff", url, sizeof(url)), MFA_OK);
	CHECK_EQ_INT(mfa_invite_create(ctx, "bob", 600, "staff", url2, sizeof(url2)), MFA_OK);
	CHECK_EQ_INT(env_sql_number(&env, "SELECT max(expires - created) FROM invites",
	                            "SELECT max(expires - created) FROM mfa_invites"), 7200);
	test_now += 600;  /* bob's ends now */
	CHECK_EQ_INT(mfa_invite_redeem(ctx, token_of(url2), user, sizeof(user)), MFA_ERR_INVITE);
	CHECK_STR(mfa_ctx_error(ctx), "invite link unknown, used or expired: ask for a new one");
	CHECK_EQ_INT(env_audit_count(&env, "\"user\":\"bob\",\"source\":\"-\",\"outcome\":\"refused\","
	                                   "\"detail\":\"expired, created by staff\""), 1);
	CHECK_EQ_INT(invites_stored(&env), 1);  /* bob's is gone, alice's not */
	test_now = start + 7199;
	CHECK_EQ_INT(mfa_invite_redeem(ctx, token_of(url), user, sizeof(user)), MFA_OK);
	/* Expired ones go when the next invite is made, redeemed or not. */
	CHECK_EQ_INT(mfa_invite_create(ctx, "carol", 60, "staff", url, sizeof(url)), MFA_OK);
	test_now += 60;
	CHECK_EQ_INT(mfa_invite_create(ctx, "dave", 60, "staff", url2, sizeof(url2)), MFA_OK);
	CHECK_EQ_INT(invites_stored(&env), 1);
	CHECK_EQ_INT(mfa_invite_redeem(ctx, token_of(url), user, sizeof(user)), MFA_ERR_INVITE);
	/* Lifetimes from a minute to 30 days. */
	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 59, "staff", url, sizeof(url)), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 30 * 86400 + 1, "staff", url, sizeof(url)),
	             MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 30 * 86400, "staff", url, sizeof(url)), MFA_OK);
	test_now = start;
	mfa_ctx_free(&ctx);

	ctx = env_new(&env, WEB);
	CHECK_EQ_INT(mfa_invite_lifetime(ctx, 0), 24 * 3600);
	mfa_ctx_free(&ctx);
}

/* A token one character off, cut, padded or malformed is refused the same,
 * and leaves the real one usable. */
static void invite_wrong_tokens(void)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, WEB);
	char url[256], user[MFA_USER_MAX + 1], bad[128];
	const char *token;

	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "staff", url, sizeof(url)), MFA_OK);
	token = token_of(url);
	/* Every position, the next character of the alphabet: the last one
	 * too, whose low bits base64 leaves unused. */
	for (size_t i = 0; i < MFA_INVITE_TOKEN_LEN; i++) {
		snprintf(bad, sizeof(bad), "%s", token);
		bad[i] = alphabet[(strchr(alphabet, bad[i]) - alphabet + 1) % 64];
		CHECK_EQ_INT(mfa_invite_redeem(ctx, bad, user, sizeof(user)), MFA_ERR_INVITE);
		CHECK_STR(mfa_ctx_error(ctx), "invite link unknown, used or expired: ask for a new one");
	}
	snprintf(bad, sizeof(bad), "%.42s", token);
	CHECK_EQ_INT(mfa_invite_redeem(ctx, bad, user, sizeof(user)), MFA_ERR_INVITE);
	snprintf(bad, sizeof(bad), "%s=", token);
	CHECK_EQ_INT(mfa_invite_redeem(ctx, bad, user, sizeof(user)), MFA_ERR_INVITE);
	snprintf(bad, sizeof(bad), "%s", token);
	bad[0] = '+';
	CHECK_EQ_INT(mfa_invite_redeem(ctx, bad, user, sizeof(user)), MFA_ERR_INVITE);
	CHECK_EQ_INT(mfa_invite_redeem(ctx, "", user, sizeof(user)), MFA_ERR_INVITE);
	CHECK_EQ_INT(mfa_invite_redeem(ctx, NULL, user, sizeof(user)), MFA_ERR_INVITE);
	CHECK_EQ_INT(mfa_invite_redeem(ctx, "'; DELETE FROM invites; --", user, sizeof(user)),
	             MFA_ERR_INVITE);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"refused\",\"detail\":\"malformed\""), 6);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"refused\",\"detail\":\"unknown or used\""),
	             MFA_INVITE_TOKEN_LEN);
	/* No room for the name: refused before the invite is used. */
	CHECK_EQ_INT(mfa_invite_redeem(ctx, token, user, 8), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_invite_redeem(ctx, token, user, sizeof(user)), MFA_OK);
	CHECK_STR(user, "alice");
	mfa_ctx_free(&ctx);
}

/* Whether len bytes of needle are anywhere in the file at path. */
static bool file_holds(const char *path, const void *needle, size_t len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t size = 0, cap = 0, got;
	bool found = false;

	if (!f)
		return false;
	do {
		if (size + 65536 > cap) {
			char *nb = realloc(buf, cap = size + 65536);

			if (!nb)
				abort();
			buf = nb;
		}
		got = fread(buf + size, 1, cap - size, f);
		size += got;
	} while (got > 0);
	fclose(f);
	found = size >= len && memmem(buf, size, needle, len) != NULL;
	free(buf);
	return found;
}

/* Neither the token nor its bytes reach the store (its file and its
 * write-ahead log), the audit or the export; the row holds its hash. */
static void invite_stored_hashed(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, WEB);
	char url[256], wal[400], user[MFA_USER_MAX + 1], *json = NULL;
	unsigned char raw[64];
	size_t raw_len = 0;
	const char *token;

	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "staff", url, sizeof(url)), MFA_OK);
	token = token_of(url);
	CHECK_EQ_INT(b64url_decode(token, raw, sizeof(raw), &raw_len), 0);
	CHECK_EQ_INT(raw_len, 32);
	CHECK_EQ_INT(env_sql_number(&env, "SELECT length(hash) FROM invites",
	                            "SELECT length(hash) FROM mfa_invites"), 32);
	if (!test_pg_uri()) {
		/* The SQLite file itself, as sqlite3 or a backup would read it. */
		char cmd[1024];
		FILE *p;

		snprintf(wal, sizeof(wal), "%s-wal", env.store);
		CHECK(!file_holds(env.store, token, strlen(token)));
		CHECK(!file_holds(wal, token, strlen(token)));
		CHECK(!file_holds(env.store, raw, raw_len));
		CHECK(!file_holds(wal, raw, raw_len));
		/* The row is there, where the search looked: its user and maker. */
		CHECK(file_holds(env.store, "staff", 5) || file_holds(wal, "staff", 5));
		snprintf(cmd, sizeof(cmd), "sqlite3 '%s' .dump | grep -c -F -e '%s' -e 'staff'",
		         env.store, token);
		CHECK((p = popen(cmd, "r")) != NULL);
		if (p) {
			char line[32] = "";

			CHECK(fgets(line, sizeof(line), p) != NULL);
			CHECK_STR(line, "1\n");  /* the row, by its maker; never the token */
			pclose(p);
		}
	}
	CHECK(!file_holds(env.audit, token, strlen(token)));
	CHECK_EQ_INT(mfa_user_export(ctx, "alice", &json), MFA_OK);
	CHECK(json && !strstr(json, token) && strstr(json, "\"created_by\": \"staff\""));
	CHECK(json && !strstr(json, "hash"));
	free(json);
	CHECK_EQ_INT(mfa_invite_redeem(ctx, token, user, sizeof(user)), MFA_OK);
	CHECK(!file_holds(env.audit, token, strlen(token)));
	mfa_ctx_free(&ctx);
}

/* mfactl delete USER takes the user's invites; a user with an invite alone
 * is a user to export and delete. */
static void invite_gone_with_user(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, WEB);
	char url[256], url_bob[256], user[MFA_USER_MAX + 1], *json = NULL;

	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "staff", url, sizeof(url)), MFA_OK);
	CHECK_EQ_INT(mfa_invite_create(ctx, "bob", 0, "staff", url_bob, sizeof(url_bob)), MFA_OK);
	CHECK_EQ_INT(mfa_user_export(ctx, "alice", &json), MFA_OK);
	CHECK(json && strstr(json, "\"invites\": ["));
	free(json);
	CHECK_EQ_INT(mfa_user_delete(ctx, "alice", "test"), MFA_OK);
	CHECK_EQ_INT(mfa_invite_redeem(ctx, token_of(url), user, sizeof(user)), MFA_ERR_INVITE);
	CHECK_EQ_INT(mfa_user_export(ctx, "alice", &json), MFA_ERR_NOT_FOUND);
	CHECK_EQ_INT(mfa_user_delete(ctx, "alice", "test"), MFA_ERR_NOT_FOUND);
	/* Another user's stays. */
	CHECK_EQ_INT(mfa_invite_redeem(ctx, token_of(url_bob), user, sizeof(user)), MFA_OK);
	CHECK_STR(user, "bob");
	mfa_ctx_free(&ctx);
}

/* Without web_url there is no link to give: refused, nothing stored. Bad
 * users, actors and buffers too. */
static void invite_refusals(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	char url[256], small[40];

	strcpy(url, "unchanged");
	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "staff", url, sizeof(url)), MFA_ERR_CONFIG);
	CHECK(strstr(mfa_ctx_error(ctx), "web_url is not set") != NULL);
	CHECK(strstr(mfa_ctx_error(ctx), "web_url = https://") != NULL);
	CHECK_STR(url, "");
	CHECK_EQ_INT(invites_stored(&env), 0);
	CHECK_EQ_INT(env_audit_count(&env, "\"invite\""), 0);
	mfa_ctx_free(&ctx);

	ctx = env_new(&env, WEB "user_case = lower\n");
	CHECK_EQ_INT(mfa_invite_create(ctx, "al ice", 0, "staff", url, sizeof(url)), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_invite_create(ctx, "", 0, "staff", url, sizeof(url)), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_invite_create(ctx, NULL, 0, "staff", url, sizeof(url)), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "", url, sizeof(url)), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, NULL, url, sizeof(url)), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "two words", url, sizeof(url)), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "staff", small, sizeof(small)), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "staff", NULL, 0), MFA_ERR_INVALID);
	CHECK_EQ_INT(invites_stored(&env), 0);
	/* Names as the store knows them. */
	{
		char user[MFA_USER_MAX + 1];

		CHECK_EQ_INT(mfa_invite_create(ctx, "Alice", 0, "staff", url, sizeof(url)), MFA_OK);
		CHECK_EQ_INT(mfa_invite_redeem(ctx, token_of(url), user, sizeof(user)), MFA_OK);
		CHECK_STR(user, "alice");
	}
	mfa_ctx_free(&ctx);
}

/* A store made before invites (SQLite schema 4, PostgreSQL 1) gets their
 * table: SQLite at the next open, PostgreSQL at mfactl init (servers have
 * no DDL rights). */
static void invite_store_upgrade(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, WEB), *c2 = NULL;
	char url[256], user[MFA_USER_MAX + 1];
	unsigned created = 0;

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6,
	                        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", NULL), MFA_OK);
	mfa_ctx_free(&ctx);
	CHECK(env_sql(&env, "DROP TABLE invites; DROP TABLE approvals; DROP TABLE signin_codes; "
	              "PRAGMA user_version = 4",
	              "DROP TABLE mfa_invites; DROP TABLE mfa_approvals; DROP TABLE mfa_signin_codes; "
	              "UPDATE mfa_schema SET version = 1"));
	CHECK_EQ_INT(invites_stored(&env), -1);
	if (test_pg_uri()) {
		CHECK_EQ_INT(mfa_ctx_new(&c2), MFA_OK);
		CHECK_EQ_INT(mfa_config_load(c2, env.config), MFA_OK);
		CHECK_EQ_INT(mfa_open(c2), MFA_ERR_STORE);
		CHECK(strstr(mfa_ctx_error(c2), "older schema (run 'mfactl init'") != NULL);
		mfa_ctx_free(&c2);
		CHECK_EQ_INT(mfa_ctx_new(&c2), MFA_OK);
		CHECK_EQ_INT(mfa_setup(c2, env.config, &created), MFA_OK);
		mfa_ctx_free(&c2);
	}
	ctx = env_open(&env);
	CHECK_EQ_INT(mfa_invite_create(ctx, "alice", 0, "staff", url, sizeof(url)), MFA_OK);
	CHECK_EQ_INT(mfa_invite_redeem(ctx, token_of(url), user, sizeof(user)), MFA_OK);
	CHECK_EQ_INT(invites_stored(&env), 0);
	CHECK_EQ_INT(env_sql_number(&env, "PRAGMA user_version", "SELECT max(version) FROM mfa_schema"),
	             test_pg_uri() ? 4 : 7);
	mfa_ctx_free(&ctx);
}

static void invite_config(void)
{
	struct mfa_config cfg;
	char err[512];
	unsigned s;

	CHECK_EQ_INT(mfa_duration_parse("90", &s), MFA_OK);
	CHECK_EQ_INT(s, 90);
	CHECK_EQ_INT(mfa_duration_parse("90s", &s), MFA_OK);
	CHECK_EQ_INT(s, 90);
	CHECK_EQ_INT(mfa_duration_parse("15m", &s), MFA_OK);
	CHECK_EQ_INT(s, 900);
	CHECK_EQ_INT(mfa_duration_parse("24h", &s), MFA_OK);
	CHECK_EQ_INT(s, 86400);
	CHECK_EQ_INT(mfa_duration_parse("7d", &s), MFA_OK);
	CHECK_EQ_INT(s, 7 * 86400);
	static const char *const bad[] = { "", "h", "-1h", "+1h", " 1h", "1h ", "1hh", "1w", "1.5h",
		                           "1H", "0x10", "99999999999d", "50000d", "4294967296" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ_INT(mfa_duration_parse(bad[i], &s), MFA_ERR_INVALID);
		CHECK_EQ_INT(s, 0);
	}
	CHECK_EQ_INT(mfa_duration_parse(NULL, &s), MFA_ERR_INVALID);

	config_defaults(&cfg);
	CHECK_EQ_INT(cfg.invite_expires, 86400);
	CHECK_STR(cfg.web_url, "");
	CHECK_EQ_INT(config_set(&cfg, "invite_expires", "3d", err, sizeof(err)), MFA_OK);
	CHECK_EQ_INT(cfg.invite_expires, 3 * 86400);
	CHECK_EQ_INT(config_set(&cfg, "invite_expires", "31d", err, sizeof(err)), MFA_ERR_CONFIG);
	CHECK(strstr(err, "invite_expires: '31d' is not a duration from 60s to 30d") != NULL);
	CHECK_EQ_INT(config_set(&cfg, "invite_expires", "59", err, sizeof(err)), MFA_ERR_CONFIG);
	CHECK_EQ_INT(config_set(&cfg, "invite_expires", "soon", err, sizeof(err)), MFA_ERR_CONFIG);
	CHECK_EQ_INT(cfg.invite_expires, 3 * 86400);
	CHECK_EQ_INT(config_set(&cfg, "web_url", "https://mfa.example.com:8443/", err, sizeof(err)),
	             MFA_OK);
	CHECK_STR(cfg.web_url, "https://mfa.example.com:8443");
	CHECK_EQ_INT(config_set(&cfg, "web_url", "http://localhost", err, sizeof(err)), MFA_OK);
	CHECK_EQ_INT(config_set(&cfg, "web_url", "http://[::1]:8080/mfa", err, sizeof(err)), MFA_OK);
	CHECK_EQ_INT(config_set(&cfg, "web_url", "http://127.0.0.1:8080", err, sizeof(err)), MFA_OK);
	static const char *const bad_urls[] = { "mfa.example.com", "ftp://mfa.example.com",
		                                "https://", "https:///path", "https://a b",
		                                "https://mfa.example.com/?x=1", "https://h/#f",
		                                "https://user@host", "javascript:alert(1)",
		                                "http://mfa.example.com", "http://localhost.example.com",
		                                "http://127.0.0.10", "http://[::1]x" };
	for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
		CHECK_EQ_INT(config_set(&cfg, "web_url", bad_urls[i], err, sizeof(err)), MFA_ERR_CONFIG);
		CHECK(strstr(err, "is not https://HOST[:PORT][/PATH]") != NULL);
	}
	CHECK_STR(cfg.web_url, "http://127.0.0.1:8080");
	CHECK_EQ_INT(config_set(&cfg, "web_url", "", err, sizeof(err)), MFA_OK);
	CHECK_STR(cfg.web_url, "");
}

const struct test_case invite_tests[] = {
	{ "invite_once", invite_once },
	{ "invite_expires", invite_expires },
	{ "invite_wrong_tokens", invite_wrong_tokens },
	{ "invite_stored_hashed", invite_stored_hashed },
	{ "invite_gone_with_user", invite_gone_with_user },
	{ "invite_refusals", invite_refusals },
	{ "invite_store_upgrade", invite_store_upgrade },
	{ "invite_config", invite_config },
	{ NULL, NULL },
};
