/* env.h - a private mfa installation (config, key, store) per test case. */
#ifndef MFA_TEST_ENV_H
#define MFA_TEST_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "mfa.h"

/* The clock every test context uses; tests move it by hand. */
extern time_t test_now;

struct test_env {
	char dir[256];
	char config[320];
	char store[320];
	char key[320];
	char audit[320];
};

/* Writes a config (plus extra "key = value" lines) and runs mfa_setup. */
mfa_ctx *env_new(struct test_env *env, const char *extra);
/* Another context on the same installation (another "process"). */
mfa_ctx *env_open(const struct test_env *env);
/* Enrolls an active factor with a known base32 secret; returns its id. */
int env_enroll(mfa_ctx *ctx, const char *user, mfa_factor_type type, const char *alg,
               unsigned digits, const char *secret_b32, char id[MFA_ID_LEN + 1]);
/* The code of a base32 secret at a moving factor, via liboath. */
void env_code(const char *secret_b32, const char *alg, unsigned digits, uint64_t factor,
              char out[9]);
int env_verify(mfa_ctx *ctx, const char *user, const char *code, struct mfa_verdict *v);
/* Runs SQL on the installation's store, as someone with write access to it
 * would: sqlite on a SQLite store, pg on PostgreSQL (tests/run's second
 * pass). false if it failed. */
bool env_sql(const struct test_env *env, const char *sqlite, const char *pg);
/* The first column of the first row of a query, as a number; -1 on failure. */
long env_sql_number(const struct test_env *env, const char *sqlite, const char *pg);
/* The config's "store = ..." value for this installation. */
const char *env_store_uri(const struct test_env *env, char *buf, size_t size);
/* Counts lines of the audit file containing needle. */
int env_audit_count(const struct test_env *env, const char *needle);
/* run(a) and run(b) in two threads released at the same moment (a
 * barrier); returns when both are done. */
void env_race_two(void (*run)(void *arg), void *a, void *b);

#endif
