/* test_device.c - known-device tokens: good for their user, from this key
 * file, for MFA_DEVICE_DAYS; anything changed, another user's, another
 * key file's, expired, from the future or malformed is refused. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "env.h"

static void device_token_round_trip(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	char token[MFA_DEVICE_TOKEN_LEN + 1], other[MFA_DEVICE_TOKEN_LEN + 1];

	CHECK_EQ_INT(mfa_device_token_create(ctx, "alice", token), MFA_OK);
	CHECK_EQ_INT((int)strlen(token), MFA_DEVICE_TOKEN_LEN);
	CHECK_EQ_INT((int)strspn(token, "0123456789abcdef"), MFA_DEVICE_TOKEN_LEN);
	CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", token), MFA_OK);
	/* Bound to the name (case matters: the portal passes the canonical one). */
	CHECK_EQ_INT(mfa_device_token_check(ctx, "bob", token), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_device_token_check(ctx, "Alice", token), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_device_token_create(ctx, "bob", other), MFA_OK);
	CHECK(strcmp(other + 16, token + 16) != 0);
	CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", other), MFA_ERR_INVALID);
	/* Another context on the same key file takes it (another process). */
	{
		mfa_ctx *again = env_open(&env);

		CHECK_EQ_INT(mfa_device_token_check(again, "alice", token), MFA_OK);
		mfa_ctx_free(&again);
	}
	mfa_ctx_free(&ctx);
}

static void device_token_tampered(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	char token[MFA_DEVICE_TOKEN_LEN + 1], t[MFA_DEVICE_TOKEN_LEN + 2];

	CHECK_EQ_INT(mfa_device_token_create(ctx, "alice", token), MFA_OK);
	/* Every hex digit changed, one at a time: the time and the MAC. */
	for (size_t i = 0; i < MFA_DEVICE_TOKEN_LEN; i++) {
		memcpy(t, token, sizeof(token));
		t[i] = t[i] == '0' ? '1' : '0';
		CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", t), MFA_ERR_INVALID);
	}
	memcpy(t, token, sizeof(token));
	t[5] = 'A';                                       /* upper case: not ours */
	CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", t), MFA_ERR_INVALID);
	snprintf(t, sizeof(t), "%s0", token);              /* one digit too many */
	CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", t), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", token + 1), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", ""), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", NULL), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_device_token_check(ctx, "", token), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_device_token_check(ctx, NULL, token), MFA_ERR_INVALID);
	mfa_ctx_free(&ctx);
}

static void device_token_other_key_file(void)
{
	struct test_env a, b;
	mfa_ctx *ca = env_new(&a, NULL), *cb = env_new(&b, NULL);
	char token[MFA_DEVICE_TOKEN_LEN + 1];

	CHECK_EQ_INT(mfa_device_token_create(ca, "alice", token), MFA_OK);
	CHECK_EQ_INT(mfa_device_token_check(cb, "alice", token), MFA_ERR_INVALID);
	mfa_ctx_free(&ca);
	mfa_ctx_free(&cb);
}

static void device_token_lifetime(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	char token[MFA_DEVICE_TOKEN_LEN + 1];
	time_t made = test_now;

	CHECK_EQ_INT(mfa_device_token_create(ctx, "alice", token), MFA_OK);
	test_now = made + (time_t)MFA_DEVICE_DAYS * 86400;
	CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", token), MFA_OK);
	test_now = made + (time_t)MFA_DEVICE_DAYS * 86400 + 1;
	CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", token), MFA_ERR_INVALID);
	/* Made "later" than now (a clock put back): 5 minutes of slack. */
	test_now = made - 300;
	CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", token), MFA_OK);
	test_now = made - 301;
	CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", token), MFA_ERR_INVALID);
	test_now = made;
	mfa_ctx_free(&ctx);
}

static void device_token_needs_open_context(void)
{
	char token[MFA_DEVICE_TOKEN_LEN + 1] = "x";
	mfa_ctx *ctx = NULL;

	CHECK_EQ_INT(mfa_ctx_new(&ctx), MFA_OK);
	CHECK(mfa_device_token_create(ctx, "alice", token) != MFA_OK);
	CHECK_EQ_INT(token[0], '\0');
	CHECK_EQ_INT(mfa_device_token_check(ctx, "alice", "00"), MFA_ERR_INVALID);
	mfa_ctx_free(&ctx);
}

const struct test_case device_tests[] = {
	{ "device_token_round_trip", device_token_round_trip },
	{ "device_token_tampered", device_token_tampered },
	{ "device_token_other_key_file", device_token_other_key_file },
	{ "device_token_lifetime", device_token_lifetime },
	{ "device_token_needs_open_context", device_token_needs_open_context },
	{ NULL, NULL },
};
