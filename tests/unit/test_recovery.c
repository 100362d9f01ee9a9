/*
 * test_recovery.c - recovery codes: format, single use, replaced on reissue;
 * what matching a typed code costs (ctx->recovery_hashes), old PBKDF2 rows,
 * rows moved to another user, another key file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "check.h"
#include "env.h"
#include "internal.h"
#include "recovery.h"
#include "store.h"

static void recovery_format(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT];
	struct store_recovery rec[MFA_RECOVERY_COUNT];
	char norm[RECOVERY_NORM_MAX + 1];

	CHECK_EQ_INT(recovery_generate(ctx, "gus", codes, rec), MFA_OK);
	mfa_ctx_free(&ctx);
	for (int i = 0; i < MFA_RECOVERY_COUNT; i++) {
		CHECK_EQ_INT(rec[i].kind, RECOVERY_KIND_HMAC);
		CHECK_EQ_INT(strlen(codes[i]), 14);
		CHECK(codes[i][4] == '-' && codes[i][9] == '-');
		CHECK(strspn(codes[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-") == 14);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(codes[i], codes[j]) != 0);
	}
	CHECK(recovery_normalize("abcd-efgh-ijkl", norm));
	CHECK_STR(norm, "ABCDEFGHIJKL");
	/* 0, 1 and 8 are read as the letters people mistake them for. */
	CHECK(recovery_normalize("0000 1111 8888", norm));
	CHECK_STR(norm, "OOOOIIIIBBBB");
	CHECK(recovery_normalize("12345678", norm));  /* scratch code */
	CHECK_STR(norm, "12345678");
	CHECK(!recovery_normalize("ABCD-EFGH-IJK", norm));
	CHECK(!recovery_normalize("ABCD-EFGH-IJK9", norm));
	CHECK(!recovery_normalize("ABCD-EFGH-IJKL-MNOP-QRST", norm));
	CHECK(!recovery_normalize("1234567", norm));
}

static void recovery_single_use(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT], old[MFA_RECOVERY_TEXT];
	struct mfa_user_info info;
	struct mfa_verdict v;
	char lower[MFA_RECOVERY_TEXT];

	CHECK_EQ_INT(env_enroll(ctx, "hal", MFA_FACTOR_TOTP, NULL, 6,
	                        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", NULL), MFA_OK);
	CHECK_EQ_INT(mfa_recovery_generate(ctx, "hal", "test", codes), MFA_OK);
	CHECK_EQ_INT(env_verify(ctx, "hal", codes[3], &v), MFA_OK);
	CHECK_EQ_INT(v.via, MFA_VIA_RECOVERY);
	CHECK_EQ_INT(v.recovery_left, 9);
	CHECK_EQ_INT(env_verify(ctx, "hal", codes[3], &v), MFA_ERR_BAD_CODE);
	/* Case and dashes do not matter. */
	for (size_t i = 0; i < sizeof(lower); i++)
		lower[i] = (char)(codes[4][i] >= 'A' && codes[4][i] <= 'Z' ? codes[4][i] + 32 : codes[4][i]);
	CHECK_EQ_INT(env_verify(ctx, "hal", lower, &v), MFA_OK);
	CHECK_EQ_INT(mfa_user_info_get(ctx, "hal", &info), MFA_OK);
	CHECK_EQ_INT(info.recovery_left, 8);
	/* New codes: the old ones stop working. */
	memcpy(old, codes[5], sizeof(old));
	CHECK_EQ_INT(mfa_recovery_generate(ctx, "hal", "test", codes), MFA_OK);
	CHECK_EQ_INT(env_verify(ctx, "hal", old, &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(env_verify(ctx, "hal", codes[0], &v), MFA_OK);
	CHECK_EQ_INT(env_audit_count(&env, "recovery code, 9 left"), 2);
	mfa_ctx_free(&ctx);
}

static void recovery_only_user(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT];
	struct mfa_verdict v;

	/* Codes without any factor still count as a way in (not "no factor"). */
	CHECK_EQ_INT(mfa_recovery_generate(ctx, "ivy", "test", codes), MFA_OK);
	CHECK_EQ_INT(env_verify(ctx, "ivy", "123456", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(env_verify(ctx, "ivy", codes[0], &v), MFA_OK);
	mfa_ctx_free(&ctx);
}

static void code_split(void)
{
	size_t off = 99;

	CHECK_EQ_INT(mfa_code_split("hunter2123456", 6, &off), MFA_OK);
	CHECK_EQ_INT(off, 7);
	CHECK_EQ_INT(mfa_code_split("pw12345678", 8, &off), MFA_OK);
	CHECK_EQ_INT(off, 2);
	CHECK_EQ_INT(mfa_code_split("123456", 6, &off), MFA_OK);  /* empty password */
	CHECK_EQ_INT(off, 0);
	CHECK_EQ_INT(mfa_code_split("s3cretABCD-EFGH-IJKL", 6, &off), MFA_OK);
	CHECK_EQ_INT(off, 6);
	CHECK_EQ_INT(mfa_code_split("s3cretabcd-efgh-2345", 0, &off), MFA_OK);
	CHECK_EQ_INT(off, 6);
	CHECK_EQ_INT(mfa_code_split("hunter2", 6, &off), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(mfa_code_split("hunter12345x", 6, &off), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(mfa_code_split("12345", 6, &off), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(mfa_code_split("pwABCD-EFGH-IJK9", 6, &off), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(mfa_code_split("pw123456", 0, &off), MFA_ERR_BAD_CODE);
}

static const char *const wrong_issued = "AAAA-BBBB-CCCC";

/* Verifies and returns how many hashes that cost. */
static unsigned long verify_cost(mfa_ctx *ctx, const char *user, const char *code, int want)
{
	unsigned long before = ctx->recovery_hashes;
	struct mfa_verdict v;

	CHECK_EQ_INT(env_verify(ctx, user, code, &v), want);
	return ctx->recovery_hashes - before;
}

static void rows_get(mfa_ctx *ctx, const char *user, struct store_recovery **list, size_t *n)
{
	*list = NULL;
	*n = 0;
	CHECK_EQ_INT(ctx->store->ops->begin(ctx->store, false), MFA_OK);
	CHECK_EQ_INT(ctx->store->ops->recovery_get(ctx->store, user, list, n), MFA_OK);
	ctx->store->ops->rollback(ctx->store);
}

/* One HMAC per guess, with 10 codes or none, right or wrong. */
static void recovery_cost_issued(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT];
	struct store_recovery *rows = NULL;
	size_t n = 0;

	CHECK_EQ_INT(env_enroll(ctx, "kim", MFA_FACTOR_TOTP, NULL, 6,
	                        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", NULL), MFA_OK);
	CHECK_EQ_INT(env_enroll(ctx, "lou", MFA_FACTOR_TOTP, NULL, 6,
	                        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", NULL), MFA_OK);
	CHECK_EQ_INT(mfa_recovery_generate(ctx, "kim", "test", codes), MFA_OK);
	rows_get(ctx, "kim", &rows, &n);
	CHECK_EQ_INT(n, MFA_RECOVERY_COUNT);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_INT(rows[i].kind, RECOVERY_KIND_HMAC);
	free(rows);
	CHECK_EQ_INT(verify_cost(ctx, "kim", wrong_issued, MFA_ERR_BAD_CODE), 1);
	CHECK_EQ_INT(verify_cost(ctx, "lou", wrong_issued, MFA_ERR_BAD_CODE), 1);
	CHECK_EQ_INT(verify_cost(ctx, "nobody", wrong_issued, MFA_ERR_NO_FACTOR), 1);
	CHECK_EQ_INT(verify_cost(ctx, "kim", codes[9], MFA_OK), 1);
	CHECK_EQ_INT(verify_cost(ctx, "kim", codes[9], MFA_ERR_BAD_CODE), 1);
	/* A 6-digit code is never a recovery code: nothing hashed. */
	CHECK_EQ_INT(verify_cost(ctx, "kim", "123456", MFA_ERR_BAD_CODE), 0);
	mfa_ctx_free(&ctx);
}

/* Imported scratch codes: one salt per import, one PBKDF2 per guess. */
static void recovery_cost_scratch(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_import_report rep;
	struct store_recovery *rows = NULL;
	char path[4096];
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/import/ga/totp_basic", test_data_dir());
	CHECK_EQ_INT(mfa_import_google_authenticator(ctx, path, "mia", "test", &rep), MFA_OK);
	CHECK_EQ_INT(rep.recovery_codes, 5);
	rows_get(ctx, "mia", &rows, &n);
	CHECK_EQ_INT(n, 5);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ_INT(rows[i].kind, RECOVERY_KIND_PBKDF2);
		CHECK(memcmp(rows[i].salt, rows[0].salt, STORE_SALT_LEN) == 0);
	}
	free(rows);
	CHECK_EQ_INT(env_enroll(ctx, "ned", MFA_FACTOR_TOTP, NULL, 6,
	                        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", NULL), MFA_OK);
	CHECK_EQ_INT(verify_cost(ctx, "mia", "87654321", MFA_ERR_BAD_CODE), 1);
	CHECK_EQ_INT(verify_cost(ctx, "ned", "87654321", MFA_ERR_BAD_CODE), 1);
	CHECK_EQ_INT(verify_cost(ctx, "mia", "23456789", MFA_OK), 1);
	CHECK_EQ_INT(verify_cost(ctx, "mia", "23456789", MFA_ERR_BAD_CODE), 1);
	/* A 12-character guess: the HMAC, plus the import's one salt. */
	CHECK_EQ_INT(verify_cost(ctx, "mia", wrong_issued, MFA_ERR_BAD_CODE), 2);
	CHECK_EQ_INT(verify_cost(ctx, "mia", "56789012", MFA_OK), 1);
	mfa_ctx_free(&ctx);
}

/* A code issued before schema 4 (PBKDF2, a salt of its own) still works,
 * once; its holder pays one PBKDF2 per such code left. */
static void recovery_legacy_pbkdf2(void)
{
	static const char *const old[] = { "ABCDEFGHIJKL", "MNOPQRSTUVWX", "YZ234567ABCD" };
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct store_recovery rec[3];
	unsigned char salt[STORE_SALT_LEN];
	const struct store_ops *ops = ctx->store->ops;

	for (size_t i = 0; i < 3; i++) {
		CHECK_EQ_INT(random_bytes(salt, sizeof(salt)), MFA_OK);
		CHECK_EQ_INT(recovery_seal(old[i], salt, &rec[i]), MFA_OK);
		CHECK_EQ_INT(rec[i].kind, RECOVERY_KIND_PBKDF2);
	}
	CHECK_EQ_INT(ops->begin(ctx->store, true), MFA_OK);
	CHECK_EQ_INT(ops->recovery_replace(ctx->store, "olga", rec, 3), MFA_OK);
	CHECK_EQ_INT(ops->commit(ctx->store), MFA_OK);
	CHECK_EQ_INT(verify_cost(ctx, "olga", wrong_issued, MFA_ERR_BAD_CODE), 1 + 3);
	CHECK_EQ_INT(verify_cost(ctx, "olga", "mnop-qrst-uvwx", MFA_OK), 1 + 3);
	CHECK_EQ_INT(verify_cost(ctx, "olga", "MNOP-QRST-UVWX", MFA_ERR_BAD_CODE), 1 + 2);
	CHECK_EQ_INT(verify_cost(ctx, "olga", "ABCD-EFGH-IJKL", MFA_OK), 1 + 2);
	mfa_ctx_free(&ctx);
}

/* The HMAC binds the user: rows moved to another user match nothing. */
static void recovery_row_moved(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT], own[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT];
	struct mfa_verdict v;

	CHECK_EQ_INT(mfa_recovery_generate(ctx, "pia", "test", codes), MFA_OK);
	CHECK_EQ_INT(mfa_recovery_generate(ctx, "quinn", "test", own), MFA_OK);
	/* quinn's own codes no longer, pia's instead. */
	CHECK(env_sql(&env, "DELETE FROM recovery WHERE user = 'quinn';"
	                    "UPDATE recovery SET user = 'quinn' WHERE user = 'pia'",
	              "DELETE FROM mfa_recovery WHERE username = 'quinn';"
	              "UPDATE mfa_recovery SET username = 'quinn' WHERE username = 'pia'"));
	CHECK_EQ_INT(env_verify(ctx, "quinn", codes[0], &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(env_verify(ctx, "quinn", codes[4], &v), MFA_ERR_BAD_CODE);
	/* Moved back, they work for pia. */
	CHECK(env_sql(&env, "UPDATE recovery SET user = 'pia' WHERE user = 'quinn'",
	              "UPDATE mfa_recovery SET username = 'pia' WHERE username = 'quinn'"));
	CHECK_EQ_INT(env_verify(ctx, "pia", codes[0], &v), MFA_OK);
	mfa_ctx_free(&ctx);
}

/* The key file is part of the hash: another key refuses the code. */
static void recovery_other_key(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *other = NULL;
	char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT];
	char key2[400], config2[400], err[256], uri[1024];
	struct mfa_verdict v;
	FILE *f;

	CHECK_EQ_INT(mfa_recovery_generate(ctx, "rae", "test", codes), MFA_OK);
	snprintf(key2, sizeof(key2), "%s/other.key", env.dir);
	snprintf(config2, sizeof(config2), "%s/other.conf", env.dir);
	CHECK_EQ_INT(vault_key_create(key2, NO_GROUP, err, sizeof(err)), MFA_OK);
	f = fopen(config2, "w");
	CHECK(f != NULL);
	if (!f)
		goto out;
	fprintf(f, "store = %s\nkey_file = %s\naudit_syslog = no\naudit_file = %s\n",
	        env_store_uri(&env, uri, sizeof(uri)), key2, env.audit);
	fclose(f);
	CHECK_EQ_INT(mfa_ctx_new(&other), MFA_OK);
	CHECK_EQ_INT(mfa_config_load(other, config2), MFA_OK);
	CHECK_EQ_INT(mfa_open(other), MFA_OK);
	CHECK_EQ_INT(env_verify(other, "rae", codes[0], &v), MFA_ERR_BAD_CODE);
	/* Reloading the right key takes effect (no stale derived key). */
	CHECK_EQ_INT(mfa_config_load(other, env.config), MFA_OK);
	CHECK_EQ_INT(mfa_open(other), MFA_OK);
	CHECK_EQ_INT(env_verify(other, "rae", codes[0], &v), MFA_OK);
out:
	mfa_ctx_free(&other);
	mfa_ctx_free(&ctx);
}

const struct test_case recovery_tests[] = {
	{ "code_split", code_split },
	{ "recovery_format", recovery_format },
	{ "recovery_single_use", recovery_single_use },
	{ "recovery_only_user", recovery_only_user },
	{ "recovery_cost_issued", recovery_cost_issued },
	{ "recovery_cost_scratch", recovery_cost_scratch },
	{ "recovery_legacy_pbkdf2", recovery_legacy_pbkdf2 },
	{ "recovery_row_moved", recovery_row_moved },
	{ "recovery_other_key", recovery_other_key },
	{ NULL, NULL },
};
