/* main.c - runs every unit test case; one "ok"/"not ok" line per case. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "check.h"

int check_case_failed;

/* Where a suite runs: SQLITE on the first pass only, BOTH through a store
 * on either, PG on tests/run's PostgreSQL pass only. */
enum pass { SQLITE = 1, PG = 2, BOTH = 3 };
static const struct {
	const struct test_case *cases;
	enum pass pass;
} suites[] = {
	{ otp_tests, SQLITE }, { config_tests, SQLITE }, { vault_tests, SQLITE },
	{ store_tests, SQLITE }, { verify_tests, BOTH }, { login_tests, BOTH },
	{ recovery_tests, BOTH }, { import_tests, BOTH }, { webauthn_tests, BOTH },
	{ qr_tests, SQLITE }, { audit_tests, BOTH }, { store_conformance_tests, BOTH },
	{ store_pg_tests, SQLITE }, { store_pg_live_tests, PG }, { store_copy_tests, BOTH },
	{ wire_tests, SQLITE }, { group_tests, BOTH }, { invite_tests, BOTH },
	{ web_session_tests, SQLITE },
	{ approval_tests, BOTH },
	{ signin_tests, BOTH },
	{ device_tests, SQLITE },
};

static char tmp_root[] = "/tmp/mfa-unit-XXXXXX";
static int tmp_seq;
static char tmp_case[256];

const char *test_data_dir(void)
{
	const char *d = getenv("MFA_TEST_DATA");

	return d && *d ? d : "tests/data";
}

const char *test_tmpdir(void)
{
	snprintf(tmp_case, sizeof(tmp_case), "%s/%d", tmp_root, ++tmp_seq);
	if (mkdir(tmp_case, 0700) != 0) {
		perror(tmp_case);
		abort();
	}
	return tmp_case;
}

const char *test_pg_uri(void)
{
	const char *uri = getenv("MFA_TEST_PG_URI");

	return uri && *uri ? uri : NULL;
}

void test_pg_reset(void)
{
	PGconn *conn = PQconnectdb(test_pg_uri());
	PGresult *res = NULL;

	if (PQstatus(conn) == CONNECTION_OK)
		res = PQexec(conn, "SET client_min_messages = warning; DROP TABLE IF EXISTS mfa_schema, "
		                   "mfa_users, mfa_factors, mfa_recovery, mfa_challenges, mfa_decoy, mfa_invites, "
		                   "mfa_approvals, mfa_signin_codes");
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "test_pg_reset: %s\n", PQerrorMessage(conn));
		abort();
	}
	PQclear(res);
	PQfinish(conn);
}

static void remove_tmp(void)
{
	char cmd[300];

	if (getenv("MFA_KEEP_TMP"))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp_root);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		return 2;
	}
	atexit(remove_tmp);
	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		if (!(suites[s].pass & (test_pg_uri() ? PG : SQLITE)))
			continue;
		for (const struct test_case *t = suites[s].cases; t->name; t++) {
			if (only && !strstr(t->name, only))
				continue;
			check_case_failed = 0;
			t->fn();
			printf("%s %s/%s\n", check_case_failed ? "not ok" : "ok",
			       test_pg_uri() ? "unit-pg" : "unit", t->name);
			fflush(stdout);
			if (check_case_failed)
				failed++;
			else
				passed++;
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
