/* env.c - test installations and helpers shared by the unit tests. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "env.h"
#include <liboath/oath.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "otp.h"

time_t test_now = 1700000000;

static time_t test_clock(void *arg)
{
	(void)arg;
	return test_now;
}

mfa_ctx *env_new(struct test_env *env, const char *extra)
{
	mfa_ctx *ctx = NULL;
	unsigned created = 0;
	char uri[1024];
	FILE *f;

	memset(env, 0, sizeof(*env));
	snprintf(env->dir, sizeof(env->dir), "%s", test_tmpdir());
	snprintf(env->config, sizeof(env->config), "%s/mfa.conf", env->dir);
	snprintf(env->store, sizeof(env->store), "%s/mfa.db", env->dir);
	snprintf(env->key, sizeof(env->key), "%s/mfa.key", env->dir);
	snprintf(env->audit, sizeof(env->audit), "%s/audit.json", env->dir);
	f = fopen(env->config, "w");
	if (!f)
		abort();
	if (test_pg_uri())
		test_pg_reset();
	fprintf(f, "store = %s\n", env_store_uri(env, uri, sizeof(uri)));
	fprintf(f, "key_file = %s\naudit_syslog = no\naudit_file = %s\n%s\n", env->key, env->audit,
	        extra ? extra : "");
	fclose(f);
	if (mfa_ctx_new(&ctx) != MFA_OK)
		abort();
	mfa_ctx_set_clock(ctx, test_clock, NULL);
	if (mfa_setup(ctx, env->config, &created) != MFA_OK) {
		fprintf(stderr, "setup: %s\n", mfa_ctx_error(ctx));
		abort();
	}
	return ctx;
}

mfa_ctx *env_open(const struct test_env *env)
{
	mfa_ctx *ctx = NULL;

	if (mfa_ctx_new(&ctx) != MFA_OK)
		abort();
	mfa_ctx_set_clock(ctx, test_clock, NULL);
	if (mfa_config_load(ctx, env->config) != MFA_OK || mfa_open(ctx) != MFA_OK) {
		fprintf(stderr, "open: %s\n", mfa_ctx_error(ctx));
		abort();
	}
	return ctx;
}

int env_enroll(mfa_ctx *ctx, const char *user, mfa_factor_type type, const char *alg,
               unsigned digits, const char *secret_b32, char id[MFA_ID_LEN + 1])
{
	struct mfa_otp_params p = { .type = type, .algorithm = -1, .digits = digits,
		                    .secret_base32 = secret_b32, .label = "test" };
	mfa_enrollment *e = NULL;
	mfa_algorithm a;
	int r;

	if (alg && mfa_algorithm_parse(alg, &a) == MFA_OK)
		p.algorithm = (int)a;
	if ((r = mfa_enroll_begin(ctx, user, &p, &e)) != MFA_OK)
		return r;
	if (id)
		snprintf(id, MFA_ID_LEN + 1, "%s", mfa_enrollment_factor_id(e));
	r = mfa_enroll_activate(ctx, e);
	mfa_enrollment_free(&e);
	return r;
}

void env_code(const char *secret_b32, const char *alg, unsigned digits, uint64_t factor,
              char out[9])
{
	char *raw = NULL;
	size_t raw_len = 0;
	mfa_algorithm a = MFA_ALG_SHA1;

	if (alg)
		mfa_algorithm_parse(alg, &a);
	if (oath_base32_decode(secret_b32, strlen(secret_b32), &raw, &raw_len) != OATH_OK ||
	    otp_code((unsigned char *)raw, raw_len, a, digits, factor, out) != MFA_OK)
		abort();
	free(raw);
}

int env_verify(mfa_ctx *ctx, const char *user, const char *code, struct mfa_verdict *v)
{
	struct mfa_request req = { .user = user, .code = code, .source = "test" };
	struct mfa_verdict local;

	return mfa_verify(ctx, &req, v ? v : &local);
}

int env_audit_count(const struct test_env *env, const char *needle)
{
	FILE *f = fopen(env->audit, "r");
	char line[1024];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

const char *env_store_uri(const struct test_env *env, char *buf, size_t size)
{
	if (test_pg_uri())
		snprintf(buf, size, "%s", test_pg_uri());
	else
		snprintf(buf, size, "sqlite:%s", env->store);
	return buf;
}

/* Runs sql on the store; a number from the first column, if asked. */
static bool env_sql_run(const struct test_env *env, const char *sqlite, const char *pg, long *number)
{
	bool ok = false;

	if (test_pg_uri()) {
		PGconn *conn = PQconnectdb(test_pg_uri());
		PGresult *res = PQstatus(conn) == CONNECTION_OK ? PQexec(conn, pg) : NULL;
		ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

		ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
		if (ok && number)
			ok = PQntuples(res) > 0 && (*number = strtol(PQgetvalue(res, 0, 0), NULL, 10), true);
		if (!ok)
			fprintf(stderr, "  env_sql: %s\n", PQerrorMessage(conn));
		PQclear(res);
		PQfinish(conn);
		return ok;
	}
	{
		sqlite3 *db = NULL;
		sqlite3_stmt *st = NULL;

		if (sqlite3_open(env->store, &db) != SQLITE_OK)
			goto out;
		if (!number) {
			ok = sqlite3_exec(db, sqlite, NULL, NULL, NULL) == SQLITE_OK;
			goto out;
		}
		if (sqlite3_prepare_v2(db, sqlite, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW) {
			*number = (long)sqlite3_column_int64(st, 0);
			ok = true;
		}
out:
		if (!ok)
			fprintf(stderr, "  env_sql: %s\n", db ? sqlite3_errmsg(db) : "no database");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	return ok;
}

bool env_sql(const struct test_env *env, const char *sqlite, const char *pg)
{
	return env_sql_run(env, sqlite, pg, NULL);
}

long env_sql_number(const struct test_env *env, const char *sqlite, const char *pg)
{
	long n = -1;

	return env_sql_run(env, sqlite, pg, &n) ? n : -1;
}

struct race_side {
	void (*run)(void *arg);
	void *arg;
	pthread_barrier_t *start;
};

static void *race_side_main(void *p)
{
	struct race_side *side = p;

	pthread_barrier_wait(side->start);
	side->run(side->arg);
	return NULL;
}

void env_race_two(void (*run)(void *arg), void *a, void *b)
{
	pthread_barrier_t start;
	struct race_side sides[2] = { { run, a, &start }, { run, b, &start } };
	pthread_t t[2];

	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++)
		CHECK_EQ_INT(pthread_create(&t[i], NULL, race_side_main, &sides[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
}
