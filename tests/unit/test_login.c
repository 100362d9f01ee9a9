/* test_login.c - the login policy (mfa_login): strangers, users without a
 * factor, names in another case, inline enrollment, RADIUS challenges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "env.h"

static const char *secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
static const struct mfa_login_policy stranger = { .password_verified = false };
static const struct mfa_login_policy after_password = { .password_verified = true };

static void code_now(char code[9])
{
	env_code(secret, NULL, 6, (uint64_t)test_now / 30, code);
}

static int login(mfa_ctx *ctx, const char *user, const char *code,
                 const struct mfa_login_policy *pol, struct mfa_login_result *res)
{
	struct mfa_request req = { .user = user, .code = code, .source = "test",
		                   .remote = "192.0.2.1" };

	return mfa_login(ctx, &req, pol, res);
}

/* Nothing stored about user at all? */
static int stored_nothing(mfa_ctx *ctx, const char *user)
{
	char *json = NULL;
	int r = mfa_user_export(ctx, user, &json);

	free(json);
	return r == MFA_ERR_NOT_FOUND;
}

static void login_same_for_every_stranger(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_login_result res, first;
	const char *users[] = { "alice", "nobody", "a b", "keyless" };
	char id[MFA_ID_LEN + 1];

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	CHECK_EQ_INT(env_enroll(ctx, "keyless", MFA_FACTOR_TOTP, NULL, 6,
	                        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", id), MFA_OK);
	CHECK_EQ_INT(mfa_factor_remove(ctx, "keyless", id, "test"), MFA_OK);
	/* The same prompt, then the same refusal, for each. */
	for (int round = 0; round < 7; round++) {
		for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
			login(ctx, users[i], NULL, &stranger, &res);
			CHECK_EQ_INT(res.action, MFA_LOGIN_ASK);
			login(ctx, users[i], "000000", &stranger, &res);
			CHECK(res.action == MFA_LOGIN_RETRY || res.action == MFA_LOGIN_REFUSE);
			if (round == 0 && i == 0)
				first = res;
			CHECK_STR(res.message, first.message);
		}
	}
	/* alice is locked by now (7 failures), and still looks like the rest. */
	{
		struct mfa_user_info info;

		CHECK_EQ_INT(mfa_user_info_get(ctx, "alice", &info), MFA_OK);
		CHECK(info.locked_until > test_now);
	}
	CHECK(stored_nothing(ctx, "nobody"));
	CHECK(env_audit_count(&env, "\"user\":\"nobody\",\"source\":\"test\",\"outcome\":\"no_factor\"") == 7);
	/* Options that trust a password are refused without one. */
	{
		struct mfa_login_policy bad = { .grace_days = 3 };

		CHECK_EQ_INT(login(ctx, "nobody", NULL, &bad, &res), MFA_ERR_CONFIG);
		CHECK_EQ_INT(res.action, MFA_LOGIN_REFUSE);
		bad = (struct mfa_login_policy){ .no_factor = MFA_NO_FACTOR_ACCEPT };
		CHECK_EQ_INT(login(ctx, "nobody", "123456", &bad, &res), MFA_ERR_CONFIG);
	}
	mfa_ctx_free(&ctx);
}

static void login_no_factor_policies(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_login_result res;
	struct mfa_login_policy pol = after_password;
	char code[9];

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	CHECK_EQ_INT(login(ctx, "bob", NULL, &pol, &res), MFA_ERR_NO_FACTOR);
	CHECK_EQ_INT(res.action, MFA_LOGIN_REFUSE);
	CHECK(strstr(res.message, "No authenticator is enrolled") != NULL);
	pol.no_factor = MFA_NO_FACTOR_IGNORE;
	login(ctx, "bob", NULL, &pol, &res);
	CHECK_EQ_INT(res.action, MFA_LOGIN_IGNORE);
	pol.no_factor = MFA_NO_FACTOR_ACCEPT;
	CHECK_EQ_INT(login(ctx, "bob", NULL, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.action, MFA_LOGIN_ACCEPT);
	/* A user with a factor is asked, whatever the no-factor policy. */
	login(ctx, "alice", NULL, &pol, &res);
	CHECK_EQ_INT(res.action, MFA_LOGIN_ASK);
	code_now(code);
	CHECK_EQ_INT(login(ctx, "alice", code, &pol, &res), MFA_OK);
	/* Grace: counted on the context clock from the first login. */
	pol = after_password;
	pol.grace_days = 3;
	CHECK_EQ_INT(login(ctx, "carol", NULL, &pol, &res), MFA_OK);
	CHECK(strstr(res.message, "3 days left") != NULL);
	test_now += 2 * 86400 + 60;
	login(ctx, "carol", NULL, &pol, &res);
	CHECK(strstr(res.message, "1 day left") != NULL);
	test_now += 86400;
	CHECK_EQ_INT(login(ctx, "carol", NULL, &pol, &res), MFA_ERR_NO_FACTOR);
	CHECK_EQ_INT(res.action, MFA_LOGIN_REFUSE);
	mfa_ctx_free(&ctx);
}

static void login_name_in_another_case(void)
{
	struct test_env env, lower;
	mfa_ctx *ctx = env_new(&env, NULL), *lc;
	struct mfa_login_result res;
	struct mfa_login_policy accept = { .password_verified = true,
		                           .no_factor = MFA_NO_FACTOR_ACCEPT };
	struct mfa_otp_params p = { .algorithm = -1, .secret_base32 = "JBSWY3DPEHPK3PXPJBSWY3DP" };
	mfa_enrollment *e = NULL;
	char code[9];

	CHECK_EQ_INT(env_enroll(ctx, "bob", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	/* BOB is not "a user without a factor": bob's factor guards him. */
	CHECK_EQ_INT(login(ctx, "BOB", NULL, &accept, &res), MFA_ERR_NO_FACTOR);
	CHECK_EQ_INT(res.action, MFA_LOGIN_REFUSE);
	CHECK_EQ_INT(login(ctx, "BOB", "123456", &accept, &res), MFA_ERR_NO_FACTOR);
	CHECK_EQ_INT(res.action, MFA_LOGIN_REFUSE);
	CHECK(env_audit_count(&env, "differs only in case") >= 2);
	/* Enrolling a name that differs only in case needs --allow-case. */
	CHECK_EQ_INT(mfa_enroll_begin(ctx, "Bob", &p, &e), MFA_ERR_INVALID);
	CHECK(strstr(mfa_ctx_error(ctx), "bob") != NULL);
	p.allow_case = true;
	CHECK_EQ_INT(mfa_enroll_begin(ctx, "Bob", &p, &e), MFA_OK);
	mfa_enrollment_free(&e);
	mfa_ctx_free(&ctx);

	/* user_case = lower: BOB is bob, everywhere. */
	lc = env_new(&lower, "user_case = lower");
	CHECK_EQ_INT(env_enroll(lc, "bob", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	code_now(code);
	CHECK_EQ_INT(login(lc, "BOB", code, &accept, &res), MFA_OK);
	CHECK(env_audit_count(&lower, "\"user\":\"bob\",\"source\":\"test\",\"outcome\":\"accepted\"") == 1);
	p.allow_case = true;
	CHECK_EQ_INT(mfa_enroll_begin(lc, "BOB", &p, &e), MFA_OK);   /* it is bob's second factor */
	mfa_enrollment_free(&e);
	{
		struct mfa_factor_info *list = NULL;
		size_t n = 0;

		CHECK_EQ_INT(mfa_factor_list(lc, "BoB", &list, &n), MFA_OK);
		CHECK_EQ_INT(n, 2);
		mfa_factor_list_free(&list);
	}
	mfa_ctx_free(&lc);
}

/* Switching to user_case = lower with a name with capitals in the store
 * would lock that user out unnoticed: the setting is refused instead. */
static void login_lower_refused_over_capitals(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *lc = NULL;
	char path[400], cmd[900];

	CHECK_EQ_INT(env_enroll(ctx, "Carol", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	snprintf(path, sizeof(path), "%s.lower", env.config);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && echo 'user_case = lower' >> '%s'", env.config,
	         path, path);
	CHECK(system(cmd) == 0);
	CHECK_EQ_INT(mfa_ctx_new(&lc), MFA_OK);
	CHECK_EQ_INT(mfa_config_load(lc, path), MFA_OK);
	CHECK_EQ_INT(mfa_open(lc), MFA_ERR_CONFIG);
	CHECK(strstr(mfa_ctx_error(lc), "mfactl delete 'Carol'") != NULL);
	mfa_ctx_free(&lc);
	CHECK_EQ_INT(mfa_user_delete(ctx, "Carol", "test"), MFA_OK);
	CHECK_EQ_INT(mfa_ctx_new(&lc), MFA_OK);
	CHECK_EQ_INT(mfa_config_load(lc, path), MFA_OK);
	CHECK_EQ_INT(mfa_open(lc), MFA_OK);
	mfa_ctx_free(&lc);
	mfa_ctx_free(&ctx);
}

/* Does the policy offer user enrollment now? */
static bool offered(mfa_ctx *ctx, const char *user, const struct mfa_login_policy *pol)
{
	struct mfa_login_result res;

	login(ctx, user, NULL, pol, &res);
	return res.action == MFA_LOGIN_ENROLL;
}

static void login_enrollment_limits(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_login_policy pol = { .password_verified = true, .enroll_inline = true };
	struct mfa_request req = { .user = "newbie", .source = "pam:test", .remote = "192.0.2.9" };
	struct mfa_otp_params admin = { .algorithm = -1 };
	struct mfa_factor_info *list = NULL;
	mfa_enrollment *e = NULL;
	size_t n = 0;
	char code[9];

	CHECK(offered(ctx, "newbie", &pol));
	CHECK_EQ_INT(mfa_login_enroll_begin(ctx, &req, &pol, &e), MFA_OK);
	CHECK_EQ_INT(mfa_enroll_confirm(ctx, e, "000000"), MFA_ERR_BAD_CODE);
	env_code(mfa_enrollment_secret_base32(e), NULL, 6, (uint64_t)test_now / 30, code);
	/* Resumed by id, as the resident service does: it confirms this
	 * pending factor, and no other. */
	{
		mfa_enrollment *resumed = NULL;

		CHECK_EQ_INT(mfa_login_enroll_resume(ctx, &req, &pol, "AAAAAAAA", &resumed), MFA_OK);
		CHECK_EQ_INT(mfa_enroll_confirm(ctx, resumed, code), MFA_ERR_NOT_FOUND);
		mfa_enrollment_free(&resumed);
		CHECK_EQ_INT(mfa_login_enroll_resume(ctx, &req, &pol, mfa_enrollment_factor_id(e), &resumed),
		             MFA_OK);
		CHECK_EQ_INT(mfa_enroll_confirm(ctx, resumed, code), MFA_OK);
		mfa_enrollment_free(&resumed);
	}
	mfa_enrollment_free(&e);
	CHECK(env_audit_count(&env, "\"event\":\"enroll\",\"user\":\"newbie\",\"source\":\"pam:test\",\"outcome\":\"offered\"") == 1);
	CHECK(env_audit_count(&env, "\"outcome\":\"rejected\",\"factor\"") == 1);
	CHECK(env_audit_count(&env, "\"outcome\":\"ok\",\"factor\"") == 1);
	CHECK(env_audit_count(&env, "\"remote\":\"192.0.2.9\"") == 3);
	CHECK(!offered(ctx, "newbie", &pol));   /* has a factor */
	/* An admin's removal ends self-enrollment until allow-enroll. */
	CHECK_EQ_INT(mfa_factor_list(ctx, "newbie", &list, &n), MFA_OK);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(mfa_factor_remove(ctx, "newbie", list[0].id, "test"), MFA_OK);
	mfa_factor_list_free(&list);
	CHECK(!offered(ctx, "newbie", &pol));
	CHECK_EQ_INT(mfa_login_enroll_begin(ctx, &req, &pol, &e), MFA_ERR_NOT_FOUND);
	CHECK_EQ_INT(mfa_user_allow_enroll(ctx, "newbie", "test"), MFA_OK);
	CHECK(offered(ctx, "newbie", &pol));
	/* An admin's pending enrollment is never replaced by a login's. */
	CHECK_EQ_INT(mfa_enroll_begin(ctx, "pending", &admin, &e), MFA_OK);
	{
		/* ... nor confirmed by a login that names it. */
		struct mfa_request preq = { .user = "pending", .source = "pam:test" };
		mfa_enrollment *resumed = NULL;

		env_code(mfa_enrollment_secret_base32(e), NULL, 6, (uint64_t)test_now / 30, code);
		CHECK_EQ_INT(mfa_login_enroll_resume(ctx, &preq, &pol, mfa_enrollment_factor_id(e), &resumed),
		             MFA_OK);
		CHECK_EQ_INT(mfa_enroll_confirm(ctx, resumed, code), MFA_ERR_NOT_FOUND);
		mfa_enrollment_free(&resumed);
		pol.password_verified = false;
		CHECK_EQ_INT(mfa_login_enroll_resume(ctx, &preq, &pol, mfa_enrollment_factor_id(e), &resumed),
		             MFA_ERR_INVALID);
		CHECK(resumed == NULL);
		pol.password_verified = true;
	}
	mfa_enrollment_free(&e);
	CHECK(!offered(ctx, "pending", &pol));
	/* Recovery codes, even used up, are a factor someone had. */
	{
		char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT];

		CHECK_EQ_INT(mfa_recovery_generate(ctx, "spent", "test", codes), MFA_OK);
		CHECK(!offered(ctx, "spent", &pol));
	}
	/* grace bounds the window, counted from the first login; an admin's
	 * allow-enroll is not bound by it. */
	pol.grace_days = 1;
	CHECK(offered(ctx, "late", &pol));
	test_now += 2 * 86400;
	CHECK(!offered(ctx, "late", &pol));
	CHECK_EQ_INT(mfa_user_allow_enroll(ctx, "late", "test"), MFA_OK);
	CHECK(offered(ctx, "late", &pol));
	/* Who had a factor removed gets no new grace period of logins with
	 * the password alone. */
	{
		struct mfa_login_result res;
		struct mfa_login_policy grace = { .password_verified = true, .grace_days = 30 };

		CHECK_EQ_INT(env_enroll(ctx, "veteran", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
		CHECK_EQ_INT(mfa_factor_list(ctx, "veteran", &list, &n), MFA_OK);
		CHECK_EQ_INT(mfa_factor_remove(ctx, "veteran", list[0].id, "test"), MFA_OK);
		mfa_factor_list_free(&list);
		CHECK_EQ_INT(login(ctx, "veteran", NULL, &grace, &res), MFA_ERR_NO_FACTOR);
		CHECK_EQ_INT(res.action, MFA_LOGIN_REFUSE);
		CHECK_EQ_INT(login(ctx, "freshman", NULL, &grace, &res), MFA_OK);
		CHECK_EQ_INT(res.action, MFA_LOGIN_ACCEPT);
	}
	/* Never without a verified password. */
	pol.password_verified = false;
	CHECK_EQ_INT(mfa_login_enroll_begin(ctx, &req, &pol, &e), MFA_ERR_INVALID);
	CHECK(e == NULL);
	mfa_ctx_free(&ctx);
}

static void login_challenge_in_one_transaction(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_login_result res;
	struct mfa_user_info info;
	char id[MFA_CHALLENGE_ID_LEN + 1], code[9];
	struct mfa_request req = { .user = "alice", .source = "radius:test", .challenge = id,
		                   .challenge_nas = "10.0.0.1" };

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	CHECK_EQ_INT(mfa_challenge_create(ctx, "alice", "10.0.0.1", 60, id), MFA_OK);
	code_now(code);
	req.code = code;
	CHECK_EQ_INT(mfa_login(ctx, &req, &after_password, &res), MFA_OK);
	/* Used: the next answer to it is refused, and not counted as a guess. */
	test_now += 30;
	code_now(code);
	CHECK_EQ_INT(mfa_login(ctx, &req, &after_password, &res), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(res.action, MFA_LOGIN_REFUSE);
	CHECK(strstr(res.message, "start again") != NULL);
	/* Another user's challenge is used up and refused. */
	CHECK_EQ_INT(mfa_challenge_create(ctx, "bob", "10.0.0.1", 60, id), MFA_OK);
	CHECK_EQ_INT(mfa_login(ctx, &req, &after_password, &res), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_user_info_get(ctx, "alice", &info), MFA_OK);
	CHECK_EQ_INT(info.failures, 0);
	CHECK(env_audit_count(&env, "challenge issued to another user") == 1);
	/* Through another NAS. */
	CHECK_EQ_INT(mfa_challenge_create(ctx, "alice", "10.0.0.2", 60, id), MFA_OK);
	CHECK_EQ_INT(mfa_login(ctx, &req, &after_password, &res), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_challenge_create(ctx, "alice", "10.0.0.1", 60, id), MFA_OK);
	CHECK_EQ_INT(mfa_login(ctx, &req, &after_password, &res), MFA_OK);
	mfa_ctx_free(&ctx);
}

static void login_split_password_and_code(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	size_t off;

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 8, secret, NULL), MFA_OK);
	CHECK_EQ_INT(mfa_login_split(ctx, "alice", "hunter2-12345678", &off), MFA_OK);
	CHECK_EQ_INT(off, 8);
	CHECK_EQ_INT(mfa_login_split(ctx, "alice", "pwABCD-EFGH-IJKL", &off), MFA_OK);
	CHECK_EQ_INT(off, 2);
	/* No password before it, or no code after it. */
	CHECK_EQ_INT(mfa_login_split(ctx, "alice", "12345678", &off), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(mfa_login_split(ctx, "alice", "hunter2-1234567", &off), MFA_ERR_BAD_CODE);
	/* A user without a factor typed a password, digits and all. */
	CHECK_EQ_INT(mfa_login_split(ctx, "bob", "hunter2-12345678", &off), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(mfa_login_split(ctx, "a b", "hunter2-12345678", &off), MFA_ERR_INVALID);
	mfa_ctx_free(&ctx);
}

const struct test_case login_tests[] = {
	{ "login_split_password_and_code", login_split_password_and_code },
	{ "login_same_for_every_stranger", login_same_for_every_stranger },
	{ "login_no_factor_policies", login_no_factor_policies },
	{ "login_name_in_another_case", login_name_in_another_case },
	{ "login_lower_refused_over_capitals", login_lower_refused_over_capitals },
	{ "login_enrollment_limits", login_enrollment_limits },
	{ "login_challenge_in_one_transaction", login_challenge_in_one_transaction },
	{ NULL, NULL },
};
