/*
 * check.h - the unit tests' tiny harness. A test case is a function; it
 * passes when none of its CHECKs failed. main.c runs every suite and prints
 * one "ok"/"not ok" line per case, which tests/run collects.
 */
#ifndef MFA_CHECK_H
#define MFA_CHECK_H

#include <stdio.h>
#include <string.h>

extern int check_case_failed;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			check_case_failed = 1;                                   \
			fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, \
			        __LINE__, #cond);                                \
		}                                                                \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                          \
	do {                                                                        \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);     \
		if (check_a_ != check_b_) {                                         \
			check_case_failed = 1;                                      \
			fprintf(stderr, "  %s:%d: CHECK failed: %s == %s (%lld != %lld)\n", \
			        __FILE__, __LINE__, #a, #b, check_a_, check_b_);    \
		}                                                                   \
	} while (0)

#define CHECK_STR(a, b)                                                              \
	do {                                                                         \
		const char *check_a_ = (a), *check_b_ = (b);                         \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {    \
			check_case_failed = 1;                                       \
			fprintf(stderr, "  %s:%d: CHECK failed: %s == \"%s\" (got \"%s\")\n", \
			        __FILE__, __LINE__, #a, check_b_ ? check_b_ : "(null)", \
			        check_a_ ? check_a_ : "(null)");                     \
		}                                                                    \
	} while (0)

struct test_case {
	const char *name;
	void (*fn)(void);
};

/* One table per test file, ended by {NULL, NULL}; main.c lists them. */
extern const struct test_case otp_tests[];
extern const struct test_case config_tests[];
extern const struct test_case vault_tests[];
extern const struct test_case verify_tests[];
extern const struct test_case login_tests[];
extern const struct test_case store_tests[];
extern const struct test_case import_tests[];
extern const struct test_case recovery_tests[];
extern const struct test_case webauthn_tests[];
extern const struct test_case qr_tests[];
extern const struct test_case audit_tests[];
extern const struct test_case group_tests[];
extern const struct test_case store_conformance_tests[];
extern const struct test_case store_pg_tests[];
extern const struct test_case store_pg_live_tests[];
extern const struct test_case store_copy_tests[];
extern const struct test_case wire_tests[];
extern const struct test_case invite_tests[];
extern const struct test_case web_session_tests[];
extern const struct test_case approval_tests[];
extern const struct test_case signin_tests[];
extern const struct test_case device_tests[];

/* Directory of test data (tests/data), from $MFA_TEST_DATA. */
const char *test_data_dir(void);
/* A fresh private temporary directory for this case; removed at exit. */
const char *test_tmpdir(void);
/* $MFA_TEST_PG_URI, or NULL: tests/run's second pass runs the store-backed
 * suites on that PostgreSQL database instead of SQLite files. */
const char *test_pg_uri(void);
/* Empties that database (drops the mfa_ tables): a fresh store per case. */
void test_pg_reset(void);

#endif
