/* main.c - runs every unit test case; one "ok"/"not ok" line per case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

int check_case_failed;

static const struct test_case *const suites[] = {
	otp_tests, config_tests, vault_tests, store_tests, verify_tests, login_tests, recovery_tests,
	import_tests, webauthn_tests, qr_tests, audit_tests, store_conformance_tests,
	store_copy_tests,
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
		for (const struct test_case *t = suites[s]; t->name; t++) {
			if (only && !strstr(t->name, only))
				continue;
			check_case_failed = 0;
			t->fn();
			printf("%s unit/%s\n", check_case_failed ? "not ok" : "ok", t->name);
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
