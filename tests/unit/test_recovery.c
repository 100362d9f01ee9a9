/* test_recovery.c - recovery codes: format, single use, replaced on reissue. */
#include <string.h>

#include "check.h"
#include "env.h"
#include "recovery.h"

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

const struct test_case recovery_tests[] = {
	{ "code_split", code_split },
	{ "recovery_format", recovery_format },
	{ "recovery_single_use", recovery_single_use },
	{ "recovery_only_user", recovery_only_user },
	{ NULL, NULL },
};
