/* test_verify.c - the full verification path: store, replay, lockout, audit. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "env.h"
#include "internal.h"

static const char *secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

static void totp_code_now(char code[9])
{
	env_code(secret, NULL, 6, (uint64_t)test_now / 30, code);
}

static void verify_accept_wrong_replay(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_verdict v;
	char code[9], id[MFA_ID_LEN + 1], msg[256];

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, id), MFA_OK);
	totp_code_now(code);
	{
		char wrong[9];

		memcpy(wrong, code, sizeof(wrong));
		wrong[0] = code[0] == '9' ? '0' : (char)(code[0] + 1);
		CHECK_EQ_INT(env_verify(ctx, "alice", wrong, &v), MFA_ERR_BAD_CODE);
	}
	CHECK_EQ_INT(v.failures, 1);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_OK);
	CHECK_STR(v.factor_id, id);
	CHECK_EQ_INT(v.via, MFA_VIA_OTP);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_ERR_REPLAY);
	mfa_verdict_message(&v, msg, sizeof(msg));
	CHECK(strstr(msg, "already used") != NULL);
	/* Spaces as people type them are fine; the next step's code works. */
	test_now += 30;
	totp_code_now(code);
	{
		char spaced[12];

		snprintf(spaced, sizeof(spaced), "%.3s %.3s", code, code + 3);
		CHECK_EQ_INT(env_verify(ctx, "alice", spaced, &v), MFA_OK);
	}
	/* A second context, as another process would be, sees the replay too. */
	{
		mfa_ctx *other = env_open(&env);

		CHECK_EQ_INT(env_verify(other, "alice", code, &v), MFA_ERR_REPLAY);
		mfa_ctx_free(&other);
	}
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"accepted\""), 2);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"replayed\""), 2);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"rejected\""), 1);
	/* Never a code in the audit trail. */
	CHECK_EQ_INT(env_audit_count(&env, code), 0);
	mfa_ctx_free(&ctx);
}

static void verify_clock_drift_message(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, "drift_report = 900");
	struct mfa_verdict v;
	char code[9], msg[256];

	CHECK_EQ_INT(env_enroll(ctx, "bob", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	env_code(secret, NULL, 6, (uint64_t)(test_now - 240) / 30, code);
	CHECK_EQ_INT(env_verify(ctx, "bob", code, &v), MFA_ERR_CLOCK_DRIFT);
	CHECK_EQ_INT(v.drift_seconds, -240);
	mfa_verdict_message(&v, msg, sizeof(msg));
	CHECK(strstr(msg, "valid 4 minutes ago") != NULL);
	CHECK(strstr(msg, "behind") != NULL);
	CHECK_EQ_INT(env_audit_count(&env, "code valid 240 s ago"), 1);
	env_code(secret, NULL, 6, (uint64_t)(test_now + 180) / 30, code);
	CHECK_EQ_INT(env_verify(ctx, "bob", code, &v), MFA_ERR_CLOCK_DRIFT);
	mfa_verdict_message(&v, msg, sizeof(msg));
	CHECK(strstr(msg, "valid in 3 minutes") != NULL);
	mfa_ctx_free(&ctx);
}

/* drift_report is off unless asked for: a code from another time is just
 * wrong (no hint, nothing burnt), so a wrong code costs what a right one does
 * and tells a guesser nothing about steps outside the window. */
static void verify_drift_report_off_by_default(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_verdict v;
	char code[9], msg[256];
	uint64_t cur = (uint64_t)test_now / 30;

	CHECK_EQ_INT(env_enroll(ctx, "gus", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	env_code(secret, NULL, 6, cur - 8, code);
	CHECK_EQ_INT(env_verify(ctx, "gus", code, &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(v.drift_seconds, 0);
	mfa_verdict_message(&v, msg, sizeof(msg));
	CHECK(strstr(msg, "Wrong code.") != NULL);
	CHECK(strstr(msg, "clock") == NULL);
	CHECK_EQ_INT(env_audit_count(&env, "device clock off"), 0);
	/* A code 10 minutes ahead: wrong now, not burnt, so it works in its time. */
	env_code(secret, NULL, 6, cur + 20, code);
	CHECK_EQ_INT(env_verify(ctx, "gus", code, &v), MFA_ERR_BAD_CODE);
	test_now += 600;
	CHECK_EQ_INT(env_verify(ctx, "gus", code, &v), MFA_OK);
	test_now -= 600;
	mfa_ctx_free(&ctx);
}

/* Issue 10 item 1: the drift hint says a code is right; it must never be
 * accepted later, or every guess would test some 60 steps instead of 3. */
static void verify_drift_burns_revealed_code(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, "drift_report = 900");
	struct mfa_verdict v;
	char code[9], c1[9], c2[9], msg[256], id[MFA_ID_LEN + 1];
	uint64_t cur = (uint64_t)test_now / 30;

	CHECK_EQ_INT(env_enroll(ctx, "dora", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	env_code(secret, NULL, 6, cur + 20, code);
	CHECK_EQ_INT(env_verify(ctx, "dora", code, &v), MFA_ERR_CLOCK_DRIFT);
	CHECK_EQ_INT(v.drift_seconds, 600);
	CHECK_EQ_INT(v.failures, 1);
	mfa_verdict_message(&v, msg, sizeof(msg));
	CHECK(strstr(msg, "valid in 10 minutes") != NULL);
	/* Its time has come: refused as used, in another process too. */
	test_now += 600;
	{
		mfa_ctx *other = env_open(&env);

		CHECK_EQ_INT(env_verify(other, "dora", code, &v), MFA_ERR_REPLAY);
		mfa_ctx_free(&other);
	}
	/* A replay is no guess: the drift refusal's failure stands alone. */
	CHECK_EQ_INT(v.failures, 1);
	/* The next step's code works. */
	test_now += 30;
	env_code(secret, NULL, 6, cur + 21, code);
	CHECK_EQ_INT(env_verify(ctx, "dora", code, &v), MFA_OK);
	CHECK_EQ_INT(v.failures, 0);

	/* A device that really is 10 minutes ahead: after the hint the user
	 * sets its clock right, and the code of the right time works at once;
	 * the revealed code never does. */
	cur = (uint64_t)test_now / 30;
	CHECK_EQ_INT(env_enroll(ctx, "erin", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	env_code(secret, NULL, 6, cur + 20, code);
	CHECK_EQ_INT(env_verify(ctx, "erin", code, &v), MFA_ERR_CLOCK_DRIFT);
	env_code(secret, NULL, 6, cur, c1);
	CHECK_EQ_INT(env_verify(ctx, "erin", c1, &v), MFA_OK);
	test_now += 600;
	CHECK_EQ_INT(env_verify(ctx, "erin", code, &v), MFA_ERR_REPLAY);
	/* A device that stays ahead is re-aligned by resync with new codes. */
	cur = (uint64_t)test_now / 30;
	env_code(secret, NULL, 6, cur + 20, c1);
	env_code(secret, NULL, 6, cur + 21, c2);
	CHECK_EQ_INT(mfa_resync(ctx, "erin", c1, c2, "test", id), MFA_OK);
	test_now += 30;
	env_code(secret, NULL, 6, cur + 23, code);
	CHECK_EQ_INT(env_verify(ctx, "erin", code, &v), MFA_OK);
	mfa_ctx_free(&ctx);
}

static void verify_lockout_timing(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, "lockout_threshold = 3\nlockout_delay = 30\nlockout_max_delay = 100");
	struct mfa_verdict v;
	char code[9], msg[256];
	const char *hsecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

	/* HOTP: the right code stays the same while time passes. */
	CHECK_EQ_INT(env_enroll(ctx, "carol", MFA_FACTOR_HOTP, NULL, 6, hsecret, NULL), MFA_OK);
	env_code(hsecret, NULL, 6, 0, code);
	CHECK_EQ_INT(env_verify(ctx, "carol", "111111", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(env_verify(ctx, "carol", "222222", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(v.locked_until, 0);
	CHECK_EQ_INT(env_verify(ctx, "carol", "333333", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(v.locked_seconds, 30);
	/* Locked: even the right code is refused, and not consumed. */
	test_now += 29;
	CHECK_EQ_INT(env_verify(ctx, "carol", code, &v), MFA_ERR_LOCKED);
	CHECK_EQ_INT(v.locked_seconds, 1);
	mfa_verdict_message(&v, msg, sizeof(msg));
	CHECK(strstr(msg, "try again in 1 minute") != NULL);
	/* Expired; one more failure doubles the delay, then the cap. */
	test_now += 1;
	CHECK_EQ_INT(env_verify(ctx, "carol", "444444", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(v.locked_seconds, 60);
	test_now += 60;
	CHECK_EQ_INT(env_verify(ctx, "carol", "555555", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(v.locked_seconds, 100);
	CHECK_EQ_INT(env_verify(ctx, "carol", code, &v), MFA_ERR_LOCKED);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"locked\""), 2);
	/* Unlock clears it; the right code (never consumed) now works. */
	CHECK_EQ_INT(mfa_unlock(ctx, "carol", "test"), MFA_OK);
	CHECK_EQ_INT(env_verify(ctx, "carol", code, &v), MFA_OK);
	/* Success reset the count: two failures do not lock. */
	CHECK_EQ_INT(env_verify(ctx, "carol", "111111", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(env_verify(ctx, "carol", "111111", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(v.failures, 2);
	CHECK_EQ_INT(v.locked_until, 0);
	mfa_ctx_free(&ctx);
}

/* Issue 15: only a right code can be replayed, so a replay is no guess
 * and does not count toward lockout_threshold; wrong codes still do. */
static void verify_replay_is_not_a_guess(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, "lockout_threshold = 3");
	struct mfa_verdict v;
	char code[9];

	CHECK_EQ_INT(env_enroll(ctx, "ruth", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	env_code(secret, NULL, 6, (uint64_t)test_now / 30, code);
	CHECK_EQ_INT(env_verify(ctx, "ruth", code, &v), MFA_OK);
	for (int i = 0; i < 5; i++) {
		CHECK_EQ_INT(env_verify(ctx, "ruth", code, &v), MFA_ERR_REPLAY);
		CHECK_EQ_INT(v.failures, 0);
		CHECK_EQ_INT(v.locked_until, 0);
	}
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"replayed\""), 5);
	/* Wrong codes count as before, replays in between or not. */
	CHECK_EQ_INT(env_verify(ctx, "ruth", "000000", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(v.failures, 1);
	CHECK_EQ_INT(env_verify(ctx, "ruth", code, &v), MFA_ERR_REPLAY);
	CHECK_EQ_INT(v.failures, 1);
	CHECK_EQ_INT(env_verify(ctx, "ruth", "000001", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(env_verify(ctx, "ruth", "000002", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(v.failures, 3);
	CHECK(v.locked_until > 0);
	mfa_ctx_free(&ctx);
}

static void verify_no_factor_and_pending(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_otp_params p = { .algorithm = -1, .secret_base32 = secret };
	mfa_enrollment *e = NULL;
	struct mfa_verdict v;
	char code[9];

	CHECK_EQ_INT(env_verify(ctx, "nobody", "123456", &v), MFA_ERR_NO_FACTOR);
	/* A pending factor does not log anyone in. */
	CHECK_EQ_INT(mfa_enroll_begin(ctx, "dave", &p, &e), MFA_OK);
	totp_code_now(code);
	CHECK_EQ_INT(env_verify(ctx, "dave", code, &v), MFA_ERR_NO_FACTOR);
	/* Confirmation: a wrong code leaves it pending, the right one activates. */
	CHECK_EQ_INT(mfa_enroll_confirm(ctx, e, "000001"), MFA_ERR_BAD_CODE);
	CHECK(strstr(mfa_ctx_error(ctx), "not the code") != NULL);
	CHECK_EQ_INT(mfa_enroll_confirm(ctx, e, code), MFA_OK);
	CHECK(strncmp(mfa_enrollment_uri(e), "otpauth://totp/mfa:", 19) == 0);
	CHECK(strstr(mfa_enrollment_uri(e), "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&") != NULL);
	mfa_enrollment_free(&e);
	CHECK(e == NULL);
	/* The confirming code was used up. */
	CHECK_EQ_INT(env_verify(ctx, "dave", code, &v), MFA_ERR_REPLAY);
	mfa_ctx_free(&ctx);
}

static void verify_bad_input_changes_nothing(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_user_info info;
	struct mfa_verdict v;
	char longcode[200];

	CHECK_EQ_INT(env_enroll(ctx, "erin", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	memset(longcode, '1', sizeof(longcode) - 1);
	longcode[sizeof(longcode) - 1] = '\0';
	CHECK_EQ_INT(env_verify(ctx, "erin", longcode, &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(env_verify(ctx, "erin", "12\n456", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(env_verify(ctx, "erin", "", &v), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(env_verify(ctx, "er in", "123456", &v), MFA_ERR_INVALID);
	CHECK_EQ_INT(env_verify(ctx, "erin\x01", "123456", &v), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_user_info_get(ctx, "erin", &info), MFA_OK);
	CHECK_EQ_INT(info.failures, 0);
	mfa_ctx_free(&ctx);
}

static void verify_several_factors(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	const char *hsecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
	char hid[MFA_ID_LEN + 1], tid[MFA_ID_LEN + 1], code[9];
	struct mfa_verdict v;

	CHECK_EQ_INT(env_enroll(ctx, "frank", MFA_FACTOR_TOTP, "SHA256", 8, secret, tid), MFA_OK);
	CHECK_EQ_INT(env_enroll(ctx, "frank", MFA_FACTOR_HOTP, NULL, 6, hsecret, hid), MFA_OK);
	env_code(hsecret, NULL, 6, 3, code);
	CHECK_EQ_INT(env_verify(ctx, "frank", code, &v), MFA_OK);
	CHECK_STR(v.factor_id, hid);
	env_code(secret, "SHA256", 8, (uint64_t)test_now / 30, code);
	CHECK_EQ_INT(env_verify(ctx, "frank", code, &v), MFA_OK);
	CHECK_STR(v.factor_id, tid);
	/* The same secret twice for one user would double every code's use. */
	CHECK_EQ_INT(env_enroll(ctx, "frank", MFA_FACTOR_TOTP, NULL, 6, hsecret, NULL), MFA_ERR_INVALID);
	CHECK(strstr(mfa_ctx_error(ctx), hid) != NULL);
	CHECK_EQ_INT(env_enroll(ctx, "grace", MFA_FACTOR_TOTP, NULL, 6, hsecret, NULL), MFA_OK);
	mfa_ctx_free(&ctx);
}

/* Two processes, one code, 100 rounds: exactly one winner each round, and
 * the loser refused (replay), never failing (a store error is no refusal). */
static void verify_race_two_processes(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	int rounds_ok = 0;

	CHECK_EQ_INT(env_enroll(ctx, "race", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	mfa_ctx_free(&ctx);
	for (int round = 0; round < 100; round++) {
		int go[2], status = 0, wins = 0, refusals = 0;
		pid_t pid[2];
		char code[9];

		test_now += 30;  /* a fresh code each round */
		totp_code_now(code);
		if (pipe(go) != 0)
			abort();
		for (int i = 0; i < 2; i++) {
			pid[i] = fork();
			if (pid[i] == 0) {
				mfa_ctx *c = env_open(&env);
				char b;

				close(go[1]);
				/* Wait on the barrier so both verify at the same moment. */
				if (read(go[0], &b, 1) < 0)
					_exit(MFA_ERR__COUNT + 1);
				/* The exact result: every mfa_err fits an exit status. */
				_exit(env_verify(c, "race", code, NULL));
			}
		}
		close(go[0]);
		close(go[1]);  /* releases both children at once */
		for (int i = 0; i < 2; i++) {
			int r = -1;

			if (waitpid(pid[i], &status, 0) == pid[i] && WIFEXITED(status))
				r = WEXITSTATUS(status);
			wins += r == MFA_OK;
			refusals += r == MFA_ERR_REPLAY || r == MFA_ERR_BAD_CODE;
			if (r != MFA_OK && r != MFA_ERR_REPLAY && r != MFA_ERR_BAD_CODE)
				fprintf(stderr, "  round %d: a process got %s (status %#x)\n", round,
				        r >= 0 && r < MFA_ERR__COUNT ? mfa_strerror(r) : "no result",
				        (unsigned)status);
		}
		rounds_ok += wins == 1 && refusals == 1;
		if (wins != 1)
			fprintf(stderr, "  round %d: %d winners\n", round, wins);
	}
	CHECK_EQ_INT(rounds_ok, 100);
}

struct race_thread {
	mfa_ctx *ctx;
	const char *code;
	int result;
};

static void race_thread_run(void *arg)
{
	struct race_thread *t = arg;

	t->result = env_verify(t->ctx, "race", t->code, NULL);
}

/* The same within one process: two threads, each with its own context. */
static void verify_race_two_threads(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct race_thread t[2];
	int winners_ok = 0;

	CHECK_EQ_INT(env_enroll(ctx, "race", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	t[0].ctx = ctx;
	t[1].ctx = env_open(&env);
	for (int round = 0; round < 100; round++) {
		char code[9];
		int wins = 0;

		test_now += 30;
		totp_code_now(code);
		t[0].code = t[1].code = code;
		env_race_two(race_thread_run, &t[0], &t[1]);
		for (int i = 0; i < 2; i++) {
			wins += t[i].result == MFA_OK;
			CHECK(t[i].result == MFA_OK || t[i].result == MFA_ERR_REPLAY);
		}
		winners_ok += wins == 1;
	}
	CHECK_EQ_INT(winners_ok, 100);
	mfa_ctx_free(&t[0].ctx);
	mfa_ctx_free(&t[1].ctx);
}

static void manage_list_rename_export_delete(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_factor_info *list = NULL;
	char id[MFA_ID_LEN + 1], *json = NULL;
	size_t n = 0;

	CHECK_EQ_INT(env_enroll(ctx, "gina", MFA_FACTOR_TOTP, NULL, 6, secret, id), MFA_OK);
	CHECK_EQ_INT(mfa_factor_rename(ctx, "gina", id, "Pixel 8", "test"), MFA_OK);
	CHECK_EQ_INT(mfa_factor_rename(ctx, "gina", "nosuchid", "x", "test"), MFA_ERR_NOT_FOUND);
	{
		struct mfa_user_info info;
		time_t seen = 0;

		CHECK_EQ_INT(mfa_user_info_get(ctx, "gina", &info), MFA_OK);
		CHECK_EQ_INT(info.active_factors, 1);
		CHECK_EQ_INT(info.code_digits, 6);
		CHECK_EQ_INT(mfa_user_first_seen(ctx, "newbie", &seen), MFA_OK);
		CHECK_EQ_INT(seen, test_now);
		test_now += 100;
		CHECK_EQ_INT(mfa_user_first_seen(ctx, "newbie", &seen), MFA_OK);
		CHECK_EQ_INT(seen, test_now - 100);
	}
	CHECK_EQ_INT(mfa_factor_list(ctx, "gina", &list, &n), MFA_OK);
	CHECK_EQ_INT(n, 1);
	if (n == 1) {
		CHECK_STR(list[0].label, "Pixel 8");
		CHECK(list[0].active);
	}
	mfa_factor_list_free(&list);
	CHECK_EQ_INT(mfa_user_export(ctx, "gina", &json), MFA_OK);
	CHECK(json && strstr(json, "\"Pixel 8\"") != NULL);
	CHECK(json && strstr(json, secret) == NULL && strstr(json, "secret") == NULL);
	free(json);
	CHECK_EQ_INT(mfa_user_delete(ctx, "gina", "test"), MFA_OK);
	CHECK_EQ_INT(mfa_user_export(ctx, "gina", &json), MFA_ERR_NOT_FOUND);
	CHECK_EQ_INT(mfa_user_delete(ctx, "gina", "test"), MFA_ERR_NOT_FOUND);
	CHECK_EQ_INT(env_enroll(ctx, "gina", MFA_FACTOR_TOTP, NULL, 6, secret, id), MFA_OK);
	CHECK_EQ_INT(mfa_factor_remove(ctx, "gina", id, "test"), MFA_OK);
	CHECK_EQ_INT(mfa_factor_remove(ctx, "gina", id, "test"), MFA_ERR_NOT_FOUND);
	CHECK_EQ_INT(env_audit_count(&env, "\"event\":\"delete\""), 1);
	CHECK_EQ_INT(env_audit_count(&env, "\"event\":\"remove\""), 1);
	mfa_ctx_free(&ctx);
}

/* Names and labels are stored only as UTF-8 text without control
 * characters, wherever they come in; JSON output depends on it. */
static void names_labels_utf8(void)
{
	static const char *const bad[] = { "b\xffob", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		                           "c\xc2\x9b", "tail\xc3", "\xe2\x82x", "\xf8\x88\x80\x80\x80",
		                           NULL };
	static const char longname[] = "a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	static const char *const good[] = { "jos\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
		                            "\xf0\x9f\x94\x91", "\xef\xbf\xbd", NULL };
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, "webauthn_rp_id = localhost\n"
	                             "webauthn_origins = http://localhost:8080");
	struct mfa_otp_params p = { .algorithm = -1, .secret_base32 = secret, .source = "test" };
	struct mfa_import_report rep;
	struct mfa_factor_info *list = NULL;
	struct mfa_webauthn_result res;
	mfa_enrollment *e = NULL;
	char id[MFA_ID_LEN + 1], path[400], shown[MFA_TEXT_ESCAPED_MAX], *opts = NULL;
	size_t n = 0;
	FILE *f;

	for (int i = 0; bad[i]; i++) {
		CHECK(!user_name_valid(bad[i]) && !label_valid(bad[i]));
		CHECK_EQ_INT(mfa_enroll_begin(ctx, bad[i], &p, &e), MFA_ERR_INVALID);
		CHECK(strstr(mfa_ctx_error(ctx), "UTF-8") != NULL);
		CHECK(!mfa_text_escape(bad[i], shown, sizeof(shown)));
	}
	for (int i = 0; good[i]; i++) {
		CHECK(user_name_valid(good[i]) && label_valid(good[i]));
		CHECK(mfa_text_escape(good[i], shown, sizeof(shown)));
		CHECK_STR(shown, good[i]);
	}
	CHECK(!mfa_text_escape("b\xff\x01o", shown, sizeof(shown)));
	CHECK_STR(shown, "b\\xff\\x01o");
	CHECK(!mfa_text_escape("\xff\xff", shown, 6));  /* cut, never past the end */
	CHECK_STR(shown, "\\xff");
	CHECK(!mfa_text_escape("jos\xc3\xa9", shown, 5));  /* never half a character */
	CHECK_STR(shown, "jos");

	p.label = "t\xffk";
	CHECK_EQ_INT(mfa_enroll_begin(ctx, "alice", &p, &e), MFA_ERR_INVALID);
	CHECK(strstr(mfa_ctx_error(ctx), "invalid label 't\\xffk'") != NULL);
	p.label = NULL;
	p.issuer = "Ex\xc2\x85";
	CHECK_EQ_INT(mfa_enroll_begin(ctx, "alice", &p, &e), MFA_ERR_INVALID);
	p.issuer = NULL;
	CHECK_EQ_INT(mfa_webauthn_register_begin(ctx, "b\xffob", &opts), MFA_ERR_INVALID);
	CHECK(opts == NULL && strstr(mfa_ctx_error(ctx), "UTF-8") != NULL);
	CHECK_EQ_INT(mfa_webauthn_register_finish(ctx, &(struct mfa_request){ .user = "alice" }, "{}",
	                                          "t\xffk", &res),
	             MFA_ERR_INVALID);
	CHECK(strstr(mfa_ctx_error(ctx), "invalid label") != NULL);

	/* The name from an import file, and the one given for it. */
	snprintf(path, sizeof(path), "%s/users.oath", env.dir);
	if ((f = fopen(path, "w"))) {
		fputs("HOTP alice - 3132333435363738393031323334353637383930\n"
		      "HOTP b\xffob - 3132333435363738393031323334353637383931\n", f);
		fclose(f);
	}
	CHECK_EQ_INT(mfa_import_oath_usersfile(ctx, path, "test", &rep), MFA_ERR_IMPORT);
	CHECK(strstr(mfa_ctx_error(ctx), "line 2: user name is not valid") != NULL);
	CHECK_EQ_INT(mfa_import_google_authenticator(ctx, path, "b\xffob", "test", &rep),
	             MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_import_pskc(ctx, path, &(struct mfa_pskc_options){ .user = "b\xffob" }, "test",
	                             &rep), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_factor_list(ctx, NULL, &list, &n), MFA_OK);
	CHECK_EQ_INT(n, 0);
	mfa_factor_list_free(&list);

	/* A long name in UTF-8 (a, then 22 e-acute): the default label is cut
	 * between characters. */
	CHECK_EQ_INT(env_enroll(ctx, longname, MFA_FACTOR_TOTP, NULL, 6, secret, id), MFA_OK);
	CHECK_EQ_INT(mfa_factor_rename(ctx, longname, id, "x\xe9y", "test"), MFA_ERR_INVALID);
	p.label = NULL;
	p.secret_base32 = NULL;
	CHECK_EQ_INT(mfa_enroll_begin(ctx, longname, &p, &e), MFA_OK);
	CHECK_EQ_INT(mfa_enroll_activate(ctx, e), MFA_OK);
	mfa_enrollment_free(&e);
	CHECK_EQ_INT(mfa_factor_list(ctx, NULL, &list, &n), MFA_OK);
	CHECK_EQ_INT(n, 2);
	for (size_t i = 0; i < n; i++)
		CHECK(label_valid(list[i].label));
	mfa_factor_list_free(&list);
	mfa_ctx_free(&ctx);
}

const struct test_case verify_tests[] = {
	{ "verify_accept_wrong_replay", verify_accept_wrong_replay },
	{ "verify_clock_drift_message", verify_clock_drift_message },
	{ "verify_drift_burns_revealed_code", verify_drift_burns_revealed_code },
	{ "verify_drift_report_off_by_default", verify_drift_report_off_by_default },
	{ "verify_lockout_timing", verify_lockout_timing },
	{ "verify_replay_is_not_a_guess", verify_replay_is_not_a_guess },
	{ "verify_no_factor_and_pending", verify_no_factor_and_pending },
	{ "verify_bad_input_changes_nothing", verify_bad_input_changes_nothing },
	{ "verify_several_factors", verify_several_factors },
	{ "verify_race_two_processes_100_rounds", verify_race_two_processes },
	{ "verify_race_two_threads_100_rounds", verify_race_two_threads },
	{ "manage_list_rename_export_delete", manage_list_rename_export_delete },
	{ "names_labels_utf8", names_labels_utf8 },
	{ NULL, NULL },
};
