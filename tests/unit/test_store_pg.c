/*
 * test_store_pg.c - what only the PostgreSQL backend does: the URIs it
 * refuses, every wait bounded by store_timeout, connecting again after the
 * server closed the connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "check.h"
#include "env.h"
#include "internal.h"
#include "store.h"

static int uri_check(const char *uri, char *err, size_t errlen)
{
	err[0] = '\0';
	return store_uri_check(uri, err, errlen);
}

static void pg_uri_forms(void)
{
	static const char *const good[] = {
		"postgresql:///mfa?host=/var/run/postgresql",
		"postgresql://mfa@127.0.0.1:5432/mfa",
		"postgresql://mfa@localhost/mfa?sslmode=disable",
		"postgresql://mfa@[::1]:5432/mfa",
		"postgres://mfa@db.example.com/mfa?sslmode=verify-full&sslrootcert=/etc/mfa/ca.crt",
		"postgresql://db1.example.com,db2.example.com/mfa?sslmode=verify-full"
		"&target_session_attrs=read-write&passfile=/etc/mfa/pgpass",
	};
	char err[512];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_EQ_INT(uri_check(good[i], err, sizeof(err)), MFA_OK);
		if (err[0])
			fprintf(stderr, "  %s: %s\n", good[i], err);
	}
	/* A password would sit in mfa.conf. */
	CHECK_EQ_INT(uri_check("postgresql://mfa:secret@127.0.0.1/mfa", err, sizeof(err)),
	             MFA_ERR_CONFIG);
	CHECK(strstr(err, "passfile") != NULL);
	CHECK(strstr(err, "secret") == NULL);
	CHECK_EQ_INT(uri_check("postgresql:///mfa?host=/run/pg&password=secret", err, sizeof(err)),
	             MFA_ERR_CONFIG);
	CHECK(strstr(err, "secret") == NULL);
	/* Over the network only with the server's certificate checked. */
	CHECK_EQ_INT(uri_check("postgresql://mfa@db.example.com/mfa", err, sizeof(err)), MFA_ERR_CONFIG);
	CHECK(strstr(err, "sslmode=verify-full") != NULL);
	CHECK_EQ_INT(uri_check("postgresql://mfa@10.0.0.5/mfa?sslmode=require", err, sizeof(err)),
	             MFA_ERR_CONFIG);
	CHECK_EQ_INT(uri_check("postgresql://mfa@10.0.0.5/mfa?sslmode=verify-ca", err, sizeof(err)),
	             MFA_ERR_CONFIG);
	/* One remote host in a list is enough to need it; hostaddr is where libpq goes. */
	CHECK_EQ_INT(uri_check("postgresql://localhost,db2.example.com/mfa", err, sizeof(err)),
	             MFA_ERR_CONFIG);
	CHECK_EQ_INT(uri_check("postgresql://localhost/mfa?hostaddr=192.0.2.7", err, sizeof(err)),
	             MFA_ERR_CONFIG);
	/* Not a URI libpq takes, or not a URI at all. */
	CHECK_EQ_INT(uri_check("postgresql://mfa@127.0.0.1/mfa?nosuchoption=1", err, sizeof(err)),
	             MFA_ERR_CONFIG);
	CHECK(strstr(err, "nosuchoption") != NULL);
	CHECK_EQ_INT(uri_check("postgresql:mfa", err, sizeof(err)), MFA_ERR_CONFIG);
	CHECK_EQ_INT(uri_check("postgresq://x/y", err, sizeof(err)), MFA_ERR_CONFIG);
}

/* A config file with store = uri (and a timeout): mfa_config_load says
 * the same at start-up. */
static void pg_uri_refused_at_load(void)
{
	char path[300];
	mfa_ctx *ctx = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/mfa.conf", test_tmpdir());
	f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f, "store = postgresql://mfa:pw@127.0.0.1/mfa\nkey_file = /nonexistent\n");
	fclose(f);
	CHECK_EQ_INT(mfa_ctx_new(&ctx), MFA_OK);
	CHECK_EQ_INT(mfa_config_load(ctx, path), MFA_ERR_CONFIG);
	CHECK(strstr(mfa_ctx_error(ctx), "passfile") != NULL);
	CHECK(strstr(mfa_ctx_error(ctx), "pw@") == NULL);
	mfa_ctx_free(&ctx);
}

struct silent_server {
	int fd;
	int port;
	volatile int stop;
};

/* Accepts connections and never answers: a server that hangs. */
static void *silent_run(void *arg)
{
	struct silent_server *srv = arg;
	int held[8], n = 0;

	while (!srv->stop && n < 8) {
		struct timeval tv = { 0, 100000 };
		fd_set set;

		FD_ZERO(&set);
		FD_SET(srv->fd, &set);
		if (select(srv->fd + 1, &set, NULL, NULL, &tv) > 0)
			held[n++] = accept(srv->fd, NULL, NULL);
	}
	while (!srv->stop)
		usleep(10000);
	for (int i = 0; i < n; i++)
		close(held[i]);
	return NULL;
}

static int silent_start(struct silent_server *srv, pthread_t *t)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	memset(srv, 0, sizeof(*srv));
	srv->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv->fd < 0 || bind(srv->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(srv->fd, 8) < 0 || getsockname(srv->fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	srv->port = ntohs(a.sin_port);
	return pthread_create(t, NULL, silent_run, srv);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A server that accepts and then says nothing: the open gives up after
 * store_timeout with a message that says so, instead of hanging. */
static void pg_silent_server_bounded(void)
{
	struct silent_server srv;
	struct mfa_config cfg;
	struct store *s = NULL;
	struct timespec t0;
	char err[STORE_ERR_MAX] = "";
	pthread_t t;
	double took;

	CHECK_EQ_INT(silent_start(&srv, &t), 0);
	config_defaults(&cfg);
	cfg.store_timeout = 1;
	snprintf(cfg.store, sizeof(cfg.store), "postgresql://mfa@127.0.0.1:%d/mfa?sslmode=disable",
	         srv.port);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ_INT(store_open(&cfg, false, &s, err, sizeof(err)), MFA_ERR_STORE);
	took = seconds_since(&t0);
	CHECK(s == NULL);
	CHECK(strstr(err, "store_timeout") != NULL);
	/* Bounded by the timeout (1 s; libpq's own connect_timeout is at least 2). */
	CHECK(took >= 0.9 && took < 1.9);
	if (!(took >= 0.9 && took < 1.9) || !strstr(err, "store_timeout"))
		fprintf(stderr, "  took %.2f s: %s\n", took, err);
	srv.stop = 1;
	pthread_join(t, NULL);
	close(srv.fd);
}

/* Nothing listens: refused at once, and the message says what to check. */
static void pg_nothing_listening(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct mfa_config cfg;
	struct store *s = NULL;
	char err[STORE_ERR_MAX] = "";

	/* A port that was free a moment ago. */
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	      getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	close(fd);
	config_defaults(&cfg);
	snprintf(cfg.store, sizeof(cfg.store), "postgresql://mfa@127.0.0.1:%d/mfa?sslmode=disable",
	         ntohs(a.sin_port));
	CHECK_EQ_INT(store_open(&cfg, false, &s, err, sizeof(err)), MFA_ERR_STORE);
	CHECK(strstr(err, "running and reachable") != NULL);
}

/* libpq would ignore a passfile others can read, with a warning on a
 * stderr no daemon shows: refused with the fix instead. */
static void pg_passfile_mode(void)
{
	char path[300];
	struct mfa_config cfg;
	struct store *s = NULL;
	char err[STORE_ERR_MAX] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/pgpass", test_tmpdir());
	f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f, "*:*:*:mfa:secret\n");
	fclose(f);
	chmod(path, 0644);
	config_defaults(&cfg);
	snprintf(cfg.store, sizeof(cfg.store), "postgresql://mfa@127.0.0.1:1/mfa?passfile=%s", path);
	CHECK_EQ_INT(store_open(&cfg, false, &s, err, sizeof(err)), MFA_ERR_CONFIG);
	CHECK(strstr(err, "chmod 600") != NULL);
	CHECK(strstr(err, "secret") == NULL);
}

const struct test_case store_pg_tests[] = {
	{ "pg_uri_forms", pg_uri_forms },
	{ "pg_uri_refused_at_load", pg_uri_refused_at_load },
	{ "pg_silent_server_bounded", pg_silent_server_bounded },
	{ "pg_nothing_listening", pg_nothing_listening },
	{ "pg_passfile_mode", pg_passfile_mode },
	{ NULL, NULL },
};

#define HOTP_SECRET "JBSWY3DPEHPK3PXP"

/* A fresh store with alice (HOTP) enrolled and her first code used. */
static mfa_ctx *alice_logged_in(struct test_env *env)
{
	mfa_ctx *ctx = env_new(env, NULL);
	char code[9];

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_HOTP, NULL, 6, HOTP_SECRET, NULL), MFA_OK);
	env_code(HOTP_SECRET, NULL, 6, 0, code);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, NULL), MFA_OK);
	return ctx;
}

/* The server ends our session (a restart, a failover, an admin): the next
 * login connects again by itself and works. */
static void pg_live_reconnect(void)
{
	struct test_env env;
	mfa_ctx *ctx = alice_logged_in(&env);
	char code[9];
	struct mfa_verdict v;

	/* Every session of the store's database but the one asking. */
	CHECK(env_sql(&env, "", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
	                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"));
	env_code(HOTP_SECRET, NULL, 6, 1, code);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_OK);
	/* And the replay state lived through it. */
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_ERR_REPLAY);
	mfa_ctx_free(&ctx);
}

/* Another context on env's store fails to open, saying needle. */
static void open_refused(const struct test_env *env, const char *needle)
{
	mfa_ctx *other = NULL;

	CHECK_EQ_INT(mfa_ctx_new(&other), MFA_OK);
	CHECK_EQ_INT(mfa_config_load(other, env->config), MFA_OK);
	CHECK_EQ_INT(mfa_open(other), MFA_ERR_STORE);
	CHECK(strstr(mfa_ctx_error(other), needle) != NULL);
	mfa_ctx_free(&other);
}

/* A server role without DDL rights (the RADIUS servers') refuses to
 * migrate and says how. */
static void pg_live_schema_versions(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);

	mfa_ctx_free(&ctx);
	CHECK(env_sql(&env, "", "UPDATE mfa_schema SET version = version + 1"));
	open_refused(&env, "newer than this mfa");
	CHECK(env_sql(&env, "", "DROP TABLE mfa_schema"));
	open_refused(&env, "mfactl init");
}

/* A statement of a login's pipeline fails on the server: the login fails
 * closed and says why, and the next one works on the same context. */
static void pg_live_pipeline_failure(void)
{
	struct test_env env;
	mfa_ctx *ctx = alice_logged_in(&env);
	char code[9];
	struct mfa_verdict v;

	CHECK(env_sql(&env, "", "ALTER TABLE mfa_factors RENAME TO mfa_factors_away"));
	env_code(HOTP_SECRET, NULL, 6, 1, code);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_ERR_STORE);
	CHECK(strstr(mfa_ctx_error(ctx), "mfa_factors") != NULL);
	CHECK(env_sql(&env, "", "ALTER TABLE mfa_factors_away RENAME TO mfa_factors"));
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_OK);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_ERR_REPLAY);
	mfa_ctx_free(&ctx);
}

const struct test_case store_pg_live_tests[] = {
	{ "pg_live_pipeline_failure", pg_live_pipeline_failure },
	{ "pg_live_reconnect", pg_live_reconnect },
	{ "pg_live_schema_versions", pg_live_schema_versions },
	{ NULL, NULL },
};
