/*
 * test_import.c - the import parsers on the sample files of
 * tests/data/import (see its README.md), hostile input, and import_set.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "env.h"
#include "import.h"

#define RFC4226_SECRET "12345678901234567890"   /* RFC 4226 appendix D */
#define SECRET_16 "1234567890123456"
#define SECRET_32 "12345678901234567890123456789012"
#define PSKC_NOW ((time_t)1700000000)   /* 2023-11-14: RFC 6030 figure 10 has expired */

/* A sample file, NUL-terminated; NULL (and a failed CHECK) if unreadable. */
static char *read_sample(const char *name, size_t *len)
{
	char path[4096];
	char *buf = NULL;
	long size;
	FILE *f;

	*len = 0;
	snprintf(path, sizeof(path), "%s/import/%s", test_data_dir(), name);
	f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)size + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)size, f);
		buf[*len] = '\0';
	}
	fclose(f);
	CHECK(buf != NULL);
	return buf;
}

/* liboath writes LAST-TIME in local time: the samples were written in UTC. */
static char saved_tz[64];
static bool had_tz;

static void tz_utc(void)
{
	const char *tz = getenv("TZ");

	had_tz = tz != NULL;
	snprintf(saved_tz, sizeof(saved_tz), "%s", tz ? tz : "");
	setenv("TZ", "UTC", 1);
	tzset();
}

static void tz_restore(void)
{
	if (had_tz)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
}

static bool has(const char *text, const char *part)
{
	return text && strstr(text, part) != NULL;
}

static bool secret_is(const struct import_token *tok, const char *secret)
{
	return tok->secret_len == strlen(secret) && memcmp(tok->secret, secret, tok->secret_len) == 0;
}

/* No error message may carry a secret, in any of the encodings used. */
static bool err_free_of_secrets(const char *err)
{
	static const char *const secrets[] = {
		"GEZDGNBV", "gezdgnbv", "3132333435", "MTIzNDU2", "1234567890", "s3cret",
		"12345678", "23456789",
	};

	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strstr(err, secrets[i]))
			return false;
	return true;
}

enum format { GA, OATH, PSKC };

/* Parses a sample file (or inline text when name is NULL). */
static int parse(enum format format, const char *name, const char *text, const char *user,
                 const char *serial, struct import_set *set, char *err, size_t errlen)
{
	size_t len = 0;
	char *buf = name ? read_sample(name, &len) : NULL;
	const char *data = name ? buf : text;
	int r;

	memset(set, 0, sizeof(*set));
	if (!data)
		return -1;
	if (!name)
		len = strlen(text);
	if (format == GA)
		r = import_ga_parse(data, len, user, set, err, errlen);
	else if (format == OATH)
		r = import_oath_parse(data, len, set, err, errlen);
	else {
		struct import_pskc_opts opts = {.user = user, .serial = serial, .now = PSKC_NOW};

		r = import_pskc_parse(data, len, &opts, set, err, errlen);
	}
	free(buf);
	return r;
}

/* A PSKC sample file (or inline text when name is NULL) with options. */
static int parse_pskc(const char *name, const char *text, const struct import_pskc_opts *opts,
                      struct import_set *set, char *err, size_t errlen)
{
	size_t len = 0;
	char *buf = name ? read_sample(name, &len) : NULL;
	int r = -1;

	memset(set, 0, sizeof(*set));
	if (name ? buf != NULL : text != NULL)
		r = import_pskc_parse(name ? buf : text, name ? len : strlen(text), opts, set, err,
		                      errlen);
	free(buf);
	return r;
}

/* A malformed input: MFA_ERR_IMPORT, err has every expected part and no
 * secret, and the set is left for import_set_free. */
static void expect_import_error(enum format format, const char *name, const char *text,
                                const char *user, const char *part1, const char *part2)
{
	struct import_set set;
	char err[256] = "untouched";
	int r = parse(format, name, text, user, NULL, &set, err, sizeof(err));

	CHECK_EQ_INT(r, MFA_ERR_IMPORT);
	if (!has(err, part1) || (part2 && !has(err, part2)))
		fprintf(stderr, "  input %s: err \"%s\"\n", name ? name : text, err);
	CHECK(has(err, part1));
	CHECK(!part2 || has(err, part2));
	CHECK(err_free_of_secrets(err));
	import_set_free(&set);
	CHECK(set.tokens == NULL && set.n == 0 && set.scratch == NULL && set.nscratch == 0);
}

static void ga_totp_basic(void)
{
	static const char *const codes[] = {"12345678", "23456789", "34567890", "45678901",
	                                    "56789012"};
	struct import_set set;
	char err[256];
	int r = parse(GA, "ga/totp_basic", NULL, "alice", NULL, &set, err, sizeof(err));

	CHECK_EQ_INT(r, MFA_OK);
	CHECK_STR(err, "");
	CHECK_EQ_INT(set.n, 1);
	if (set.n == 1) {
		CHECK_STR(set.tokens[0].user, "alice");
		CHECK_STR(set.tokens[0].label, "google-authenticator");
		CHECK_EQ_INT(set.tokens[0].type, MFA_FACTOR_TOTP);
		CHECK_EQ_INT(set.tokens[0].algorithm, MFA_ALG_SHA1);
		CHECK_EQ_INT(set.tokens[0].digits, 6);
		CHECK_EQ_INT(set.tokens[0].period, 30);
		CHECK_EQ_INT(set.tokens[0].counter, 0);
		CHECK_EQ_INT(set.tokens[0].last_step, 56666667);  /* the later of DISALLOW_REUSE */
		CHECK(secret_is(&set.tokens[0], RFC4226_SECRET));
	}
	CHECK_EQ_INT(set.nscratch, 5);
	for (size_t i = 0; i < 5 && i < set.nscratch; i++)
		CHECK_STR(set.scratch[i], codes[i]);
	CHECK(has(set.notes, "RATE_LIMIT 3 30 not imported: set lockout_threshold"));
	CHECK(!has(set.notes, "1700000000"));
	CHECK(has(set.notes, "WINDOW_SIZE 17 not imported: set totp_window_behind/ahead in mfa.conf"));
	CHECK(!has(set.notes, "DISALLOW_REUSE"));
	CHECK_EQ_INT(set.skipped, 0);
	import_set_free(&set);
}

static void ga_totp_options(void)
{
	struct import_set set;
	char err[256];
	int r = parse(GA, "ga/totp_options", NULL, "bob", NULL, &set, err, sizeof(err));

	/* CRLF lines, the tool's unpadded 26-character (128-bit) secret. */
	CHECK_EQ_INT(r, MFA_OK);
	CHECK_EQ_INT(set.n, 1);
	if (set.n == 1) {
		CHECK_STR(set.tokens[0].user, "bob");
		CHECK_EQ_INT(set.tokens[0].type, MFA_FACTOR_TOTP);
		CHECK_EQ_INT(set.tokens[0].period, 60);
		CHECK_EQ_INT(set.tokens[0].digits, 6);
		CHECK(secret_is(&set.tokens[0], SECRET_16));
	}
	CHECK_EQ_INT(set.nscratch, 1);
	if (set.nscratch == 1)
		CHECK_STR(set.scratch[0], "87654321");
	CHECK(has(set.notes, "TIME_SKEW -2 not imported"));
	CHECK(has(set.notes, "line 6: unknown option FUTURE_OPTION ignored"));
	CHECK(!has(set.notes, "RESETTING_TIME_SKEW"));
	CHECK(!has(set.notes, "WINDOW_SIZE"));
	import_set_free(&set);
}

static void ga_hotp_counter(void)
{
	static const char *const codes[] = {"12345678", "98765432", "11223344"};
	struct import_set set;
	char err[256];
	int r = parse(GA, "ga/hotp_counter", NULL, "carol", NULL, &set, err, sizeof(err));

	CHECK_EQ_INT(r, MFA_OK);
	CHECK_EQ_INT(set.n, 1);
	if (set.n == 1) {
		CHECK_EQ_INT(set.tokens[0].type, MFA_FACTOR_HOTP);
		CHECK_EQ_INT(set.tokens[0].algorithm, MFA_ALG_SHA1);
		CHECK_EQ_INT(set.tokens[0].digits, 6);
		/* HOTP_COUNTER is the counter the module checks next. */
		CHECK_EQ_INT(set.tokens[0].counter, 42);
		CHECK_EQ_INT(set.tokens[0].period, 0);
		CHECK(secret_is(&set.tokens[0], SECRET_16));
		CHECK_STR(set.tokens[0].label, "google-authenticator");
	}
	CHECK_EQ_INT(set.nscratch, 3);
	for (size_t i = 0; i < 3 && i < set.nscratch; i++)
		CHECK_STR(set.scratch[i], codes[i]);
	CHECK(has(set.notes, "WINDOW_SIZE 5 not imported: set hotp_lookahead in mfa.conf"));
	import_set_free(&set);
}

static void ga_malformed_files(void)
{
	expect_import_error(GA, "ga/bad_secret", NULL, "alice", "line 1: secret is not valid base32",
	                    NULL);
	expect_import_error(GA, "ga/bad_option_value", NULL, "alice", "line 2: HOTP_COUNTER", NULL);
	expect_import_error(GA, "ga/empty", NULL, "alice", "empty", NULL);
	expect_import_error(GA, "ga/scratch_bad", NULL, "alice", "line 5: not a scratch code", NULL);
	expect_import_error(GA, "ga/short_secret", NULL, "alice", "line 1: secret is 9 bytes",
	                    "fewer than 10");
	expect_import_error(GA, "ga/no_mode", NULL, "alice", "no \" TOTP_AUTH or \" HOTP_COUNTER",
	                    NULL);
}

static void ga_malformed_inline(void)
{
	char many[512] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n";
	char long_line[5000];

	expect_import_error(GA, NULL, "GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n\" HOTP_COUNTER 1\n", "alice",
	                    "line 3: HOTP_COUNTER and TOTP_AUTH (line 2) both set", NULL);
	expect_import_error(GA, NULL, "GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n\" STEP_SIZE 30\n"
	                    "\" STEP_SIZE 60\n", "alice", "line 4: second STEP_SIZE", "line 3");
	expect_import_error(GA, NULL, "GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n\" STEP_SIZE 61\n", "alice",
	                    "line 3: STEP_SIZE", NULL);
	expect_import_error(GA, NULL, "GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n\" STEP_SIZE 30x\n", "alice",
	                    "line 3: STEP_SIZE", NULL);
	expect_import_error(GA, NULL, "GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n\" RATE_LIMIT 3\n", "alice",
	                    "line 3: RATE_LIMIT", NULL);
	expect_import_error(GA, NULL, "GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n\" DISALLOW_REUSE 1 x\n",
	                    "alice", "line 3: DISALLOW_REUSE", NULL);
	expect_import_error(GA, NULL, "GEZDGNBVGY3TQOJQ\n\" HOTP_COUNTER 0\n", "alice",
	                    "line 2: HOTP_COUNTER", NULL);
	expect_import_error(GA, NULL, "GEZDGNBVGY3TQOJQ\n\" HOTP_COUNTER -1\n", "alice",
	                    "line 2: HOTP_COUNTER", NULL);
	expect_import_error(GA, NULL, "GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH yes\n", "alice",
	                    "line 2: TOTP_AUTH takes no value", NULL);
	expect_import_error(GA, NULL, "\" TOTP_AUTH\nGEZDGNBVGY3TQOJQ\n", "alice",
	                    "line 1: an option, not a secret", NULL);
	expect_import_error(GA, NULL, "\n\" TOTP_AUTH\n", "alice", "line 1: no secret", NULL);
	expect_import_error(GA, NULL, "GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n01234567\n", "alice",
	                    "line 3: not a scratch code", NULL);
	expect_import_error(GA, NULL, "GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n11111111 22222222\n", "alice",
	                    "line 3: not a scratch code", NULL);
	for (int i = 0; i < 21; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%d\n", 10000000 + i);
	expect_import_error(GA, NULL, many, "alice", "line 23: more than 20 scratch codes", NULL);
	memset(long_line, 'A', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	expect_import_error(GA, NULL, long_line, "alice", "line 1: longer than", NULL);
}

static void ga_arguments(void)
{
	static const char text[] = "GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n";
	static const char with_nul[] = "GEZDGNBVGY3TQOJQ\n\0\" TOTP_AUTH\n";
	static const char loose[] = "GEZDGNBVGY3TQOJQ\n\n\" TOTP_AUTH\n\n12345678";
	static const char odd[] = "GEZDGNBVGY3TQOJQ\n\"TOTP_AUTH\n\"  TOTP_AUTH\n";
	struct import_set set;
	char err[128];

	memset(&set, 0, sizeof(set));
	CHECK_EQ_INT(import_ga_parse(text, strlen(text), "two words", &set, err, sizeof(err)),
	             MFA_ERR_INVALID);
	CHECK(has(err, "user name"));
	CHECK_EQ_INT(import_ga_parse(text, strlen(text), NULL, &set, err, sizeof(err)),
	             MFA_ERR_INVALID);
	CHECK_EQ_INT(import_ga_parse(text, strlen(text), "alice", NULL, err, sizeof(err)),
	             MFA_ERR_INVALID);
	CHECK_EQ_INT(import_ga_parse(with_nul, sizeof(with_nul) - 1, "alice", &set, err, sizeof(err)),
	             MFA_ERR_IMPORT);
	CHECK(has(err, "NUL byte"));
	CHECK_EQ_INT(set.nscratch, 0);
	import_set_free(&set);
	/* A trailing line without "\n", and blank lines among scratch codes. */
	CHECK_EQ_INT(import_ga_parse(loose, sizeof(loose) - 1, "alice", &set, err, sizeof(err)),
	             MFA_OK);
	CHECK_EQ_INT(set.nscratch, 1);
	import_set_free(&set);
	/* The module ignores `"TOTP_AUTH` and `"  TOTP_AUTH`: no TOTP here. */
	CHECK_EQ_INT(import_ga_parse(odd, sizeof(odd) - 1, "alice", &set, err, sizeof(err)),
	             MFA_ERR_IMPORT);
	CHECK(has(err, "no \" TOTP_AUTH"));
	CHECK(has(set.notes, "line 2: not an option"));
	CHECK(has(set.notes, "line 3: not an option"));
	import_set_free(&set);
}

static void oath_usersfile(void)
{
	struct import_set set;
	const struct import_token *t = NULL;
	char err[256];
	int r;

	tz_utc();
	r = parse(OATH, "oath/users.oath", NULL, NULL, NULL, &set, err, sizeof(err));
	tz_restore();
	CHECK_EQ_INT(r, MFA_OK);
	CHECK_STR(err, "");
	CHECK_EQ_INT(set.n, 5);
	if (set.n == 5) {
		t = &set.tokens[0];     /* HOTP alice, never used */
		CHECK_STR(t->user, "alice");
		CHECK_STR(t->label, "pam_oath");
		CHECK_EQ_INT(t->type, MFA_FACTOR_HOTP);
		CHECK_EQ_INT(t->algorithm, MFA_ALG_SHA1);
		CHECK_EQ_INT(t->digits, 6);
		CHECK_EQ_INT(t->counter, 0);
		CHECK_EQ_INT(t->last_step, -1);
		CHECK(secret_is(t, RFC4226_SECRET));

		t = &set.tokens[1];     /* HOTP/T30/8 bob */
		CHECK_STR(t->user, "bob");
		CHECK_EQ_INT(t->type, MFA_FACTOR_TOTP);
		CHECK_EQ_INT(t->period, 30);
		CHECK_EQ_INT(t->digits, 8);
		CHECK_EQ_INT(t->last_step, -1);
		CHECK(secret_is(t, SECRET_32));

		t = &set.tokens[2];     /* HOTP/T60 carol, COUNTER of a TOTP line ignored */
		CHECK_STR(t->user, "carol");
		CHECK_EQ_INT(t->type, MFA_FACTOR_TOTP);
		CHECK_EQ_INT(t->period, 60);
		CHECK_EQ_INT(t->digits, 6);
		CHECK_EQ_INT(t->counter, 0);
		/* LAST-OTP 673833 is S16's code at LAST-TIME 2024-01-01T00:00:00. */
		CHECK_EQ_INT(t->last_step, 1704067200 / 60);
		CHECK(secret_is(t, SECRET_16));

		t = &set.tokens[3];     /* HOTP/E/7 alice: counter 7 was used */
		CHECK_STR(t->user, "alice");
		CHECK_EQ_INT(t->type, MFA_FACTOR_HOTP);
		CHECK_EQ_INT(t->digits, 7);
		CHECK_EQ_INT(t->counter, 8);
		CHECK(secret_is(t, SECRET_32));

		t = &set.tokens[4];     /* HOTP/E/8 dave: counter 5 never used */
		CHECK_STR(t->user, "dave");
		CHECK_EQ_INT(t->digits, 8);
		CHECK_EQ_INT(t->counter, 5);
		CHECK_STR(t->label, "pam_oath");
	}
	CHECK(has(set.notes, "password field for bob ignored: mfa checks only the second factor"));
	CHECK(has(set.notes, "password field for alice ignored"));
	CHECK(!has(set.notes, "for carol"));
	CHECK(!has(set.notes, "for dave"));
	CHECK(!has(set.notes, "s3cret"));
	import_set_free(&set);
}

static void oath_malformed(void)
{
	expect_import_error(OATH, "oath/bad_hex", NULL, NULL, "line 2: secret is not valid hex", NULL);
	expect_import_error(OATH, "oath/bad_type", NULL, NULL, "line 2: unknown token type", NULL);
	expect_import_error(OATH, "oath/missing_secret", NULL, NULL, "line 3: secret missing", NULL);
	expect_import_error(OATH, "oath/bad_counter", NULL, NULL, "line 1: counter is not a number",
	                    NULL);
	expect_import_error(OATH, "oath/short_secret", NULL, NULL, "line 1: secret is 9 bytes",
	                    "fewer than 10");
	expect_import_error(OATH, NULL, "# nothing\n\n", NULL, "no token lines", NULL);
	expect_import_error(OATH, NULL, "HOTP al\001ce - 3132333435363738393031323334353637383930\n",
	                    NULL, "line 1: user name is not valid", NULL);
	expect_import_error(OATH, NULL,
	                    "HOTP alice s3cret 3132333435363738393031323334353637383930 1 2 3 4\n",
	                    NULL, "line 1: more than 7 fields", NULL);
	expect_import_error(OATH, NULL, "HOTP alice\n", NULL, "line 1: password missing", NULL);
	expect_import_error(OATH, NULL,
	                    "HOTP alice - 3132333435363738393031323334353637383930"
	                    "3132333435363738393031323334353637383930"
	                    "3132333435363738393031323334353637383930"
	                    "3132333435363738393031323334353637383930\n",
	                    NULL, "line 1: secret is longer than 64 bytes", NULL);
	expect_import_error(OATH, NULL,
	                    "HOTP alice - 3132333435363738393031323334353637383930 "
	                    "9223372036854775807 123456\n",
	                    NULL, "line 1: counter is too large", NULL);
	/* A TOTP line's replay state must be read, or not be there at all. */
	tz_utc();
	expect_import_error(OATH, NULL,
	                    "HOTP/T30 erin - 3132333435363738393031323334353637383930 0 567086 "
	                    "2024-01-01T00:00:00Z\n",
	                    NULL, "line 1: LAST-TIME is not a time as pam_oath writes it", NULL);
	expect_import_error(OATH, NULL,
	                    "HOTP/T30/8 erin - 3132333435363738393031323334353637383930 0 567086 "
	                    "2024-01-01T00:00:00L\n",
	                    NULL, "line 1: LAST-OTP is not a code of 8 digits", NULL);
	expect_import_error(OATH, NULL,
	                    "HOTP/T30 erin - 3132333435363738393031323334353637383930 0 567086\n",
	                    NULL, "line 1: LAST-OTP without LAST-TIME", NULL);
	/* Another day: not S20's code within 100 steps of that time. */
	expect_import_error(OATH, NULL,
	                    "HOTP/T30 erin - 3132333435363738393031323334353637383930 0 567086 "
	                    "2024-01-02T00:00:00L\n",
	                    NULL, "line 1: LAST-OTP is no code of this token within 100 steps",
	                    "TZ");
	tz_restore();
}

/* Issue 10 item 11: files the real tools wrote after a real login (see
 * tests/data/import/README.md); the code they just accepted is refused
 * after the import, the next one is accepted. */
static void import_after_login(const char *sample, const char *secret_b32, int64_t used_step)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_import_report rep;
	struct mfa_verdict v;
	char path[4096], code[9];
	time_t saved_now = test_now;
	int r;

	snprintf(path, sizeof(path), "%s/import/%s", test_data_dir(), sample);
	test_now = (time_t)(used_step * 30 + 10);
	tz_utc();
	if (strstr(sample, "ga/"))
		r = mfa_import_google_authenticator(ctx, path, "alice", "test", &rep);
	else
		r = mfa_import_oath_usersfile(ctx, path, "test", &rep);
	tz_restore();
	CHECK_EQ_INT(r, MFA_OK);
	CHECK_EQ_INT(rep.factors, 1);
	env_code(secret_b32, NULL, 6, (uint64_t)used_step, code);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_ERR_REPLAY);
	env_code(secret_b32, NULL, 6, (uint64_t)used_step - 1, code);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_ERR_REPLAY);
	env_code(secret_b32, NULL, 6, (uint64_t)used_step + 1, code);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_OK);
	mfa_ctx_free(&ctx);
	test_now = saved_now;
}

static void ga_after_login(void)
{
	/* " DISALLOW_REUSE 59868911 59868912": two logins 36 s apart. */
	import_after_login("ga/totp_after_login", "73JJC43IL7OCG574JEZUVP5G2U", 59868912);
}

static void oath_after_login(void)
{
	/* LAST-OTP 833908 at LAST-TIME 2026-11-30T19:36:02L (1796067362). */
	import_after_login("oath/totp_after_login", "AXRQCYV4PJYKCDY4G3EHSA2A4YWKJ57G",
	                   1796067362 / 30);
}

static void oath_totp_position(void)
{
	static const char text[] =
		"HOTP/T30 erin - 3132333435363738393031323334353637383930 -1 567086 "
		"2024-01-01T00:00:00L\r\n";
	struct import_set set;
	char err[128];

	/* Newer liboath keeps a signed window position in a TOTP line. The
	 * LAST-OTP is S20's code a minute before LAST-TIME (two steps), in
	 * the window pam_oath searched around the login. */
	memset(&set, 0, sizeof(set));
	tz_utc();
	CHECK_EQ_INT(import_oath_parse(text, strlen(text), &set, err, sizeof(err)), MFA_OK);
	tz_restore();
	CHECK_EQ_INT(set.n, 1);
	if (set.n == 1) {
		CHECK_EQ_INT(set.tokens[0].type, MFA_FACTOR_TOTP);
		CHECK_EQ_INT(set.tokens[0].counter, 0);
		CHECK_EQ_INT(set.tokens[0].last_step, 1704067200 / 30 - 2);
	}
	CHECK_STR(set.notes, "");
	import_set_free(&set);
}

static void pskc_hotp_two(void)
{
	struct import_set set;
	char err[256];
	int r = parse(PSKC, "pskc/hotp_two.xml", NULL, NULL, NULL, &set, err, sizeof(err));

	CHECK_EQ_INT(r, MFA_OK);
	CHECK_STR(err, "");
	CHECK_EQ_INT(set.n, 2);
	if (set.n == 2) {
		CHECK_STR(set.tokens[0].user, "alice");          /* Key/UserId */
		CHECK_STR(set.tokens[0].label, "pskc:987654321");
		CHECK_EQ_INT(set.tokens[0].type, MFA_FACTOR_HOTP);
		CHECK_EQ_INT(set.tokens[0].algorithm, MFA_ALG_SHA1);
		CHECK_EQ_INT(set.tokens[0].digits, 8);
		CHECK_EQ_INT(set.tokens[0].counter, 0);
		CHECK(secret_is(&set.tokens[0], RFC4226_SECRET));
		CHECK_STR(set.tokens[1].user, "bob");            /* DeviceInfo/UserId */
		CHECK_STR(set.tokens[1].label, "pskc:987654322");
		CHECK_EQ_INT(set.tokens[1].type, MFA_FACTOR_HOTP);
		CHECK_EQ_INT(set.tokens[1].digits, 6);
		CHECK_EQ_INT(set.tokens[1].counter, 5);
		CHECK(secret_is(&set.tokens[1], SECRET_32));
	}
	CHECK_EQ_INT(set.skipped, 0);
	CHECK_EQ_INT(set.nscratch, 0);
	import_set_free(&set);
}

static void pskc_totp(void)
{
	struct import_set set;
	char err[256];
	int r = parse(PSKC, "pskc/totp.xml", NULL, NULL, NULL, &set, err, sizeof(err));

	CHECK_EQ_INT(r, MFA_OK);
	CHECK_EQ_INT(set.n, 1);
	if (set.n == 1) {
		CHECK_STR(set.tokens[0].user, "carol");
		CHECK_STR(set.tokens[0].label, "pskc:totp-carol");  /* no SerialNo: Key Id */
		CHECK_EQ_INT(set.tokens[0].type, MFA_FACTOR_TOTP);
		CHECK_EQ_INT(set.tokens[0].algorithm, MFA_ALG_SHA1);
		CHECK_EQ_INT(set.tokens[0].period, 60);
		CHECK_EQ_INT(set.tokens[0].digits, 6);
		CHECK(secret_is(&set.tokens[0], RFC4226_SECRET));
	}
	CHECK_STR(set.notes, "");
	import_set_free(&set);
}

static void pskc_user_and_serial(void)
{
	struct import_set set;
	char err[256];

	CHECK_EQ_INT(parse(PSKC, "pskc/hotp_two.xml", NULL, "zoe", NULL, &set, err, sizeof(err)),
	             MFA_OK);
	CHECK_EQ_INT(set.n, 2);
	if (set.n == 2) {
		CHECK_STR(set.tokens[0].user, "zoe");
		CHECK_STR(set.tokens[1].user, "zoe");
	}
	import_set_free(&set);

	CHECK_EQ_INT(parse(PSKC, "pskc/hotp_two.xml", NULL, NULL, "987654322", &set, err,
	                   sizeof(err)),
	             MFA_OK);
	CHECK_EQ_INT(set.n, 1);
	CHECK_EQ_INT(set.skipped, 1);
	if (set.n == 1) {
		CHECK_STR(set.tokens[0].user, "bob");
		CHECK_STR(set.tokens[0].label, "pskc:987654322");
		CHECK_EQ_INT(set.tokens[0].counter, 5);
	}
	import_set_free(&set);

	CHECK_EQ_INT(parse(PSKC, "pskc/hotp_two.xml", NULL, NULL, "123", &set, err, sizeof(err)),
	             MFA_ERR_IMPORT);
	CHECK(has(err, "no key with serial 123"));
	import_set_free(&set);

	CHECK_EQ_INT(parse(PSKC, "pskc/hotp_two.xml", NULL, "two words", NULL, &set, err,
	                   sizeof(err)),
	             MFA_ERR_INVALID);
	import_set_free(&set);
	CHECK_EQ_INT(parse(PSKC, "pskc/hotp_two.xml", NULL, NULL, "", &set, err, sizeof(err)),
	             MFA_ERR_INVALID);
	import_set_free(&set);
}

static void pskc_no_userid(void)
{
	struct import_set set;
	char err[256];

	expect_import_error(PSKC, "pskc/no_userid.xml", NULL, NULL,
	                    "key 987654321 has no UserId: give --user", NULL);
	CHECK_EQ_INT(parse(PSKC, "pskc/no_userid.xml", NULL, "zoe", NULL, &set, err, sizeof(err)),
	             MFA_OK);
	CHECK_EQ_INT(set.n, 2);
	if (set.n == 2)
		CHECK_STR(set.tokens[1].user, "zoe");
	import_set_free(&set);
}

static void pskc_malformed_files(void)
{
	expect_import_error(PSKC, "pskc/not_xml.xml", NULL, NULL, "line 1: not well-formed XML",
	                    NULL);
	expect_import_error(PSKC, "pskc/unknown_algorithm.xml", NULL, NULL,
	                    "key 987654321: algorithm is not HOTP or TOTP", NULL);
	expect_import_error(PSKC, "pskc/encrypted.xml", NULL, NULL,
	                    "the file is encrypted with the pre-shared key \"Pre-shared-key\": "
	                    "give it with --key-file FILE",
	                    NULL);
	expect_import_error(PSKC, "pskc/rfc6030_figure7.xml", NULL, NULL,
	                    "the file is encrypted with a password (PBKDF2, \"My Password 1\"): "
	                    "give it with --password-file FILE",
	                    NULL);
	/* Neither is encrypted: nothing may say so. */
	expect_import_error(PSKC, "pskc/rfc6030_figure4.xml", NULL, NULL,
	                    "key 987654321 has no secret: it is derived from a master key", NULL);
	expect_import_error(PSKC, "pskc/empty_keypackage.xml", NULL, "zoe",
	                    "KeyPackage 987654323 holds no Key: remove it", NULL);
}

/* hotp_two.xml's first key with one piece replaced. */
static char *pskc_variant(const char *from, const char *to)
{
	size_t len;
	char *orig = read_sample("pskc/hotp_two.xml", &len), *at, *out = NULL;

	if (orig && (at = strstr(orig, from)) && (out = malloc(len + strlen(to) + 1)))
		snprintf(out, len + strlen(to) + 1, "%.*s%s%s", (int)(at - orig), orig, to,
		         at + strlen(from));
	CHECK(out != NULL);
	free(orig);
	return out;
}

static void pskc_variant_error(const char *from, const char *to, const char *part)
{
	char *text = pskc_variant(from, to);

	if (text)
		expect_import_error(PSKC, NULL, text, NULL, part, NULL);
	free(text);
}

static void pskc_hostile(void)
{
	struct import_set set;
	char err[256];
	char *text;

	/* libpskc would dereference NULL on this one. */
	pskc_variant_error("<Manufacturer>Manufacturer</Manufacturer>", "<Manufacturer/>",
	                   "line 7: empty element");
	/* libpskc reads these with bare strtoul: the schema refuses them. */
	pskc_variant_error("<PlainValue>0</PlainValue>", "<PlainValue>abc</PlainValue>",
	                   "line 25: does not follow the PSKC schema");
	pskc_variant_error("Length=\"8\"", "Length=\"eight\"", "does not follow the PSKC schema");
	pskc_variant_error("Length=\"8\"", "Length=\"4\"", "key 987654321: ResponseFormat Length 4");
	pskc_variant_error("Encoding=\"DECIMAL\"", "Encoding=\"HEXADECIMAL\"",
	                   "key 987654321: codes are not DECIMAL");
	pskc_variant_error("MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=", "MTIzNDU2Nzg5",
	                   "key 987654321: secret is 9 bytes");
	pskc_variant_error("<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
	                   "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]>",
	                   "DOCTYPE");
	pskc_variant_error("<UserId>alice</UserId>", "<UserId>al ice</UserId>",
	                   "key 987654321: UserId is not a valid user name");

	/* A Suite names the hash. */
	text = pskc_variant("<ResponseFormat", "<Suite>HMAC-SHA256</Suite><ResponseFormat");
	memset(&set, 0, sizeof(set));
	if (text) {
		CHECK_EQ_INT(import_pskc_parse(text, strlen(text), NULL, &set, err, sizeof(err)),
		             MFA_OK);
		CHECK(set.n == 2 && set.tokens[0].algorithm == MFA_ALG_SHA256);
	}
	free(text);
	import_set_free(&set);
	pskc_variant_error("<ResponseFormat", "<Suite>MD5</Suite><ResponseFormat",
	                   "key 987654321: Suite");
}

/* RFC 6030 figure 5: the PIN KeyPackage is left out with a note, the key
 * it protects (PINUsageMode Local: the token checks the PIN) comes in. */
static void pskc_pin_package_skipped(void)
{
	struct import_set set;
	char err[256];
	struct import_pskc_opts opts = {.user = "zoe", .now = PSKC_NOW};

	CHECK_EQ_INT(parse_pskc("pskc/rfc6030_figure5.xml", NULL, &opts, &set, err, sizeof(err)),
	             MFA_OK);
	CHECK_EQ_INT(set.n, 1);
	if (set.n == 1) {
		CHECK_STR(set.tokens[0].label, "pskc:987654321");
		CHECK(secret_is(&set.tokens[0], RFC4226_SECRET));
	}
	CHECK(has(set.notes, "key 987654321 skipped: it is a PIN, not an OTP key"));
	CHECK_EQ_INT(set.skipped, 0);
	import_set_free(&set);
}

/* PINUsageMode Append: mfa would accept the code without the PIN. */
static void pskc_pin_append_needs_force(void)
{
	struct import_set set;
	char err[256];
	struct import_pskc_opts opts = {.now = PSKC_NOW};

	expect_import_error(PSKC, "pskc/pin_append.xml", NULL, NULL,
	                    "key 987654321: PINUsageMode Append: mfa does not check the PIN",
	                    "give --force");
	opts.force = true;
	CHECK_EQ_INT(parse_pskc("pskc/pin_append.xml", NULL, &opts, &set, err, sizeof(err)),
	             MFA_OK);
	CHECK_EQ_INT(set.n, 1);
	CHECK(has(set.notes, "PINUsageMode Append ignored (--force)"));
	import_set_free(&set);
}

/* RFC 6030 figure 10: every key expired in 2006. */
static void pskc_expired_needs_force(void)
{
	struct import_set set;
	char err[256];
	struct import_pskc_opts opts = {.user = "zoe", .now = PSKC_NOW};

	CHECK_EQ_INT(parse_pskc("pskc/rfc6030_figure10.xml", NULL, &opts, &set, err, sizeof(err)),
	             MFA_ERR_IMPORT);
	CHECK(has(err, "key 654321: Policy ExpiryDate 2006-05-31 has passed: give --force"));
	CHECK_EQ_INT(set.n, 0);
	import_set_free(&set);
	/* The day before the first ExpiryDate (2006-03-31): all valid. */
	opts.now = 1143676800;
	CHECK_EQ_INT(parse_pskc("pskc/rfc6030_figure10.xml", NULL, &opts, &set, err, sizeof(err)),
	             MFA_OK);
	CHECK_EQ_INT(set.n, 4);
	CHECK_STR(set.notes, "");
	import_set_free(&set);
	opts.now = PSKC_NOW;
	opts.force = true;
	CHECK_EQ_INT(parse_pskc("pskc/rfc6030_figure10.xml", NULL, &opts, &set, err, sizeof(err)),
	             MFA_OK);
	CHECK_EQ_INT(set.n, 4);
	CHECK(has(set.notes, "key 654321: ExpiryDate 2006-05-31 passed, imported (--force)"));
	import_set_free(&set);
}

static void pskc_signed_file_noted(void)
{
	struct import_set set;
	char err[256];
	struct import_pskc_opts opts = {.user = "zoe", .now = PSKC_NOW};

	CHECK_EQ_INT(parse_pskc("pskc/rfc6030_figure9.xml", NULL, &opts, &set, err, sizeof(err)),
	             MFA_OK);
	CHECK_EQ_INT(set.n, 1);
	CHECK(has(set.notes, "the file is signed: signature present, not checked"));
	import_set_free(&set);
	/* An unsigned file says nothing about signatures. */
	CHECK_EQ_INT(parse_pskc("pskc/hotp_two.xml", NULL, &opts, &set, err, sizeof(err)), MFA_OK);
	CHECK_STR(set.notes, "");
	import_set_free(&set);
}

/* Expects an encrypted file to import as one HOTP key with the RFC 4226
 * secret, or to fail with err holding part and no token. */
static void expect_decrypted(const char *name, const char *text, const char *key_hex,
                             const char *password, const char *part)
{
	struct import_set set;
	char err[256] = "untouched";
	unsigned char key[32];
	struct import_pskc_opts opts = {.user = "zoe", .now = PSKC_NOW};
	int r;

	if (key_hex) {
		CHECK_EQ_INT(import_pskc_key_parse(key_hex, strlen(key_hex), key, &opts.key_len, err,
		                                   sizeof(err)),
		             MFA_OK);
		opts.key = key;
	}
	if (password) {
		opts.password = password;
		opts.password_len = strlen(password);
	}
	r = parse_pskc(name, text, &opts, &set, err, sizeof(err));
	if (!part) {
		CHECK_EQ_INT(r, MFA_OK);
		CHECK_EQ_INT(set.n, 1);
		if (set.n == 1) {
			CHECK(secret_is(&set.tokens[0], RFC4226_SECRET));
			CHECK_EQ_INT(set.tokens[0].type, MFA_FACTOR_HOTP);
			CHECK_EQ_INT(set.tokens[0].digits, 8);
		}
	} else {
		CHECK_EQ_INT(r, MFA_ERR_IMPORT);
		if (!has(err, part))
			fprintf(stderr, "  %s: err \"%s\"\n", name ? name : "inline", err);
		CHECK(has(err, part));
		CHECK(err_free_of_secrets(err));
		CHECK_EQ_INT(set.n, 0);
	}
	import_set_free(&set);
}

/* RFC 6030 figure 6 (encrypted.xml) and figure 7 as known answers. */
static void pskc_encrypted_rfc6030(void)
{
	static const char fig6_key[] = "12345678901234567890123456789012";
	size_t len;
	char *fig6 = read_sample("pskc/encrypted.xml", &len), *text;

	expect_decrypted("pskc/encrypted.xml", NULL, fig6_key, NULL, NULL);
	expect_decrypted("pskc/encrypted.xml", NULL, "12345678901234567890123456789012\n", NULL,
	                 NULL);
	/* The same key raw. */
	expect_decrypted("pskc/encrypted.xml", NULL,
	                 "\x12\x34\x56\x78\x90\x12\x34\x56\x78\x90\x12\x34\x56\x78\x90\x12", NULL,
	                 NULL);
	expect_decrypted("pskc/rfc6030_figure7.xml", NULL, NULL, "qwerty", NULL);

	expect_decrypted("pskc/encrypted.xml", NULL, "12345678901234567890123456789013", NULL,
	                 "wrong key");
	expect_decrypted("pskc/encrypted.xml", NULL, "1234567890123456789012345678901234567890"
	                 "123456789012345678901234", NULL, "the file uses AES-128 but the key is 32");
	expect_decrypted("pskc/encrypted.xml", NULL, NULL, "qwerty", "give it with --key-file");
	expect_decrypted("pskc/rfc6030_figure7.xml", NULL, NULL, "qwertz", "wrong password");
	expect_decrypted("pskc/rfc6030_figure7.xml", NULL, fig6_key, NULL,
	                 "give it with --password-file");

	/* The MAC is checked before decrypting: a changed last block would
	 * fail the padding, but the MAC refuses it first. */
	if (fig6 && (text = strdup(fig6))) {
		char *at = strstr(text, "UqGv");

		CHECK(at != NULL);
		if (at)
			at[3] = 'w';
		expect_decrypted(NULL, text, fig6_key, NULL, "key 987654321: the MAC does not match");
		free(text);
	}
	if (fig6 && (text = strdup(fig6))) {
		char *at = strstr(text, "Su+Nv");

		CHECK(at != NULL);
		if (at)
			at[0] = 'T';
		expect_decrypted(NULL, text, fig6_key, NULL, "key 987654321: the MAC does not match");
		free(text);
	}
	/* No ValueMAC: not decrypted at all. */
	if (fig6 && (text = strdup(fig6))) {
		char *from = strstr(text, "<ValueMAC>"), *to = strstr(text, "</ValueMAC>");

		CHECK(from && to);
		if (from && to)
			memmove(from, to + strlen("</ValueMAC>"), strlen(to + strlen("</ValueMAC>")) + 1);
		expect_decrypted(NULL, text, fig6_key, NULL, "has no ValueMAC");
		free(text);
	}
	free(fig6);
}

static void pskc_key_file_formats(void)
{
	unsigned char key[32];
	size_t key_len = 99;
	char err[256];

	CHECK_EQ_INT(import_pskc_key_parse("00112233445566778899aabbccddeeff\r\n", 34, key, &key_len,
	                                   err, sizeof(err)),
	             MFA_OK);
	CHECK(key_len == 16 && key[0] == 0x00 && key[15] == 0xff);
	CHECK_EQ_INT(import_pskc_key_parse("0123456789abcdef0123456789abcdef0123456789abcdef", 48,
	                                   key, &key_len, err, sizeof(err)),
	             MFA_OK);
	CHECK_EQ_INT(key_len, 24);
	/* 16 bytes that are not 32 hex digits: raw. */
	CHECK_EQ_INT(import_pskc_key_parse("0123456789abcdef", 16, key, &key_len, err, sizeof(err)),
	             MFA_OK);
	CHECK(key_len == 16 && key[0] == '0');
	CHECK_EQ_INT(import_pskc_key_parse("0123456789abcde", 15, key, &key_len, err, sizeof(err)),
	             MFA_ERR_IMPORT);
	CHECK_EQ_INT(key_len, 0);
	CHECK(has(err, "16, 24 or 32 bytes"));
	CHECK_EQ_INT(import_pskc_key_parse("0123456789abcdef0123456789abcdeg\n", 33, key, &key_len,
	                                   err, sizeof(err)),
	             MFA_ERR_IMPORT);
}

static void set_growth_and_free(void)
{
	struct import_set set;
	struct import_token *tok = NULL;
	int r = MFA_OK;
	size_t added = 0;

	memset(&set, 0, sizeof(set));
	for (size_t i = 0; i < 50 && r == MFA_OK; i++) {
		r = import_set_add(&set, &tok);
		if (r == MFA_OK) {
			CHECK(tok->secret_len == 0 && tok->user[0] == '\0' && tok->counter == 0);
			tok->secret[0] = (unsigned char)(i + 1);
			tok->secret_len = 1;
			added++;
		}
	}
	CHECK_EQ_INT(added, 50);
	CHECK_EQ_INT(set.n, 50);
	/* Growing kept what was there. */
	for (size_t i = 0; i < set.n; i++)
		CHECK_EQ_INT(set.tokens[i].secret[0], i + 1);
	CHECK_EQ_INT(import_set_add_scratch(&set, "12345678"), MFA_OK);
	CHECK_EQ_INT(import_set_add_scratch(&set, ""), MFA_ERR_INVALID);
	CHECK_EQ_INT(import_set_add_scratch(&set, "12345678901234567"), MFA_ERR_INVALID);
	CHECK_EQ_INT(set.nscratch, 1);
	CHECK_EQ_INT(import_set_add(&set, NULL), MFA_ERR_INVALID);
	import_set_free(&set);
	CHECK(set.tokens == NULL && set.n == 0 && set.cap == 0 && set.scratch == NULL);
	import_set_free(&set);  /* twice is harmless */
}

static void set_token_limit(void)
{
	struct import_set set;
	struct import_token *tok = NULL;
	int r = MFA_OK;

	memset(&set, 0, sizeof(set));
	while (r == MFA_OK)
		r = import_set_add(&set, &tok);
	CHECK_EQ_INT(r, MFA_ERR_IMPORT);
	CHECK_EQ_INT(set.n, IMPORT_MAX_TOKENS);
	CHECK(tok == NULL);
	import_set_free(&set);
}

static void set_notes_bounded(void)
{
	struct import_set set;
	char note[64];

	memset(&set, 0, sizeof(set));
	import_set_note(&set, "first");
	import_set_note(&set, "second");
	import_set_note(&set, "first");     /* one note for several tokens */
	import_set_note(&set, "firs");      /* a prefix is another note */
	CHECK_STR(set.notes, "first; second; firs");
	for (int i = 0; i < 100; i++) {
		snprintf(note, sizeof(note), "note number %d, long enough to fill", i);
		import_set_note(&set, note);
	}
	CHECK(strlen(set.notes) < sizeof(set.notes));
	CHECK(strlen(set.notes) >= 5 && strcmp(set.notes + strlen(set.notes) - 5, "; ...") == 0);
	CHECK(has(set.notes, "note number 0,"));
	CHECK(!has(set.notes, "note number 99"));
	import_set_free(&set);
	CHECK_STR(set.notes, "");
}

const struct test_case import_tests[] = {
	{"import_ga_totp_basic", ga_totp_basic},
	{"import_ga_totp_options", ga_totp_options},
	{"import_ga_hotp_counter", ga_hotp_counter},
	{"import_ga_malformed_files", ga_malformed_files},
	{"import_ga_malformed_inline", ga_malformed_inline},
	{"import_ga_arguments", ga_arguments},
	{"import_oath_usersfile", oath_usersfile},
	{"import_oath_malformed", oath_malformed},
	{"import_oath_totp_position", oath_totp_position},
	{"import_ga_after_login_replay", ga_after_login},
	{"import_oath_after_login_replay", oath_after_login},
	{"import_pskc_hotp_two", pskc_hotp_two},
	{"import_pskc_totp", pskc_totp},
	{"import_pskc_user_and_serial", pskc_user_and_serial},
	{"import_pskc_no_userid", pskc_no_userid},
	{"import_pskc_malformed_files", pskc_malformed_files},
	{"import_pskc_hostile", pskc_hostile},
	{"import_pskc_pin_package_skipped", pskc_pin_package_skipped},
	{"import_pskc_pin_append_needs_force", pskc_pin_append_needs_force},
	{"import_pskc_expired_needs_force", pskc_expired_needs_force},
	{"import_pskc_signed_file_noted", pskc_signed_file_noted},
	{"import_pskc_encrypted_rfc6030", pskc_encrypted_rfc6030},
	{"import_pskc_key_file_formats", pskc_key_file_formats},
	{"import_set_growth_and_free", set_growth_and_free},
	{"import_set_token_limit", set_token_limit},
	{"import_set_notes_bounded", set_notes_bounded},
	{NULL, NULL},
};
