/*
 * store_pg.c - the shared store: PostgreSQL through libpq, so that several
 * RADIUS servers, PAM hosts and the portal keep one replay, lockout and
 * challenge state. The schema, its migrations, the transactions and the
 * rows; speaking to the server is store_pg_conn.c's.
 *
 * Writes run at READ COMMITTED under a transaction-scoped advisory lock per
 * user (lock_user): a second login with the same code waits at the lock and
 * then reads the step the first one committed. A login's BEGIN, lock and
 * reads go out together (login_read, one round trip).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"
#include "store_pg.h"

/* Version 1 is what SQLite's schema 4 holds, 2 its schema 5, 3 its 6, 4
 * its 7. migrations[v] takes v to v + 1. */
#define PG_SCHEMA_VERSION 4
#define PG_FOLD "'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'"

#define FACTOR_COLUMNS "username, id, label, type, algorithm, digits, period, counter, last_step, " \
                       "drift, active, created, last_used, secret, cose_alg, cred_id, aaguid, " \
                       "transports, attestation, inline_pending, burnt_step"

/* Parameters are sent as text, bytea as binary; results come back binary
 * (integers as 8 bytes: every integer column is a bigint). */
const char *const pg_stmt_sql[PS__COUNT] = {
	[PS_LOCK_USER] = "SELECT pg_advisory_xact_lock(" PG_LOCK_CLASS ", hashtext($1))",
	[PS_USER_GET] = "SELECT failures, locked_until, first_seen, enroll FROM mfa_users WHERE name = $1",
	[PS_USER_PUT] = ("INSERT INTO mfa_users(name, failures, locked_until, first_seen, enroll) "
	                 "VALUES($1, $2, $3, $4, $5) ON CONFLICT(name) DO UPDATE SET "
	                 "failures = $2, locked_until = $3, first_seen = $4, enroll = $5"),
	[PS_USER_DEL] = "DELETE FROM mfa_users WHERE name = $1",
	[PS_USER_DEL_FACTORS] = "DELETE FROM mfa_factors WHERE username = $1",
	[PS_USER_DEL_RECOVERY] = "DELETE FROM mfa_recovery WHERE username = $1",
	[PS_USER_DEL_CHALLENGES] = "DELETE FROM mfa_challenges WHERE username = $1",
	[PS_FACTORS_USER] = ("SELECT " FACTOR_COLUMNS " FROM mfa_factors WHERE username = $1 "
	                     "ORDER BY created, id"),
	[PS_FACTORS_ALL] = "SELECT " FACTOR_COLUMNS " FROM mfa_factors ORDER BY username, created, id",
	[PS_FACTOR_BY_CRED] = "SELECT " FACTOR_COLUMNS " FROM mfa_factors WHERE cred_id = $1",
	[PS_FACTOR_INSERT] = ("INSERT INTO mfa_factors(" FACTOR_COLUMNS ") VALUES($1, $2, $3, $4, $5,"
	                      " $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,"
	                      " $21)"),
	[PS_FACTOR_UPDATE] = ("UPDATE mfa_factors SET label = $3, counter = $4, last_step = $5, "
	                      "drift = $6, active = $7, last_used = $8, burnt_step = $9 "
	                      "WHERE username = $1 AND id = $2"),
	[PS_FACTOR_DEL] = "DELETE FROM mfa_factors WHERE username = $1 AND id = $2",
	[PS_FACTORS_DEL_PENDING] = "DELETE FROM mfa_factors WHERE username = $1 AND active = 0",
	[PS_RECOVERY_GET] = "SELECT salt, hash, used, kind FROM mfa_recovery WHERE username = $1 ORDER BY idx",
	[PS_RECOVERY_DEL] = "DELETE FROM mfa_recovery WHERE username = $1",
	[PS_RECOVERY_INSERT] = ("INSERT INTO mfa_recovery(username, idx, salt, hash, used, kind) "
	                        "VALUES($1, $2, $3, $4, $5, $6)"),
	[PS_RECOVERY_USE] = "UPDATE mfa_recovery SET used = 1 WHERE username = $1 AND idx = $2",
	[PS_CHALLENGE_PUT] = "INSERT INTO mfa_challenges(id, username, nas, expires) VALUES($1, $2, $3, $4)",
	[PS_CHALLENGE_TAKE] = "DELETE FROM mfa_challenges WHERE id = $1 RETURNING username, nas, expires",
	[PS_CHALLENGES_EXPIRE] = "DELETE FROM mfa_challenges WHERE expires <= $1",
	[PS_USER_TWIN] = ("SELECT username FROM mfa_factors WHERE translate(username, " PG_FOLD ") = "
	                  "translate($1, " PG_FOLD ") AND username <> $1 LIMIT 1"),
	[PS_USER_CAPITALS] = ("SELECT username FROM mfa_factors WHERE username <> "
	                      "translate(username, " PG_FOLD ") LIMIT 1"),
	/* The shape of PS_USER_PUT on a row of no one's (see verify.c), spread
	 * over 256 rows: one hot row would queue every stranger's attempt on
	 * every server behind one row lock. */
	[PS_DECOY_TOUCH] = ("INSERT INTO mfa_decoy(name, failures, locked_until, first_seen, enroll) "
	                    "VALUES($1, 1, $2, $2, 0) ON CONFLICT(name) DO UPDATE SET "
	                    "failures = (mfa_decoy.failures + 1) % 1000, locked_until = $2, first_seen = $2"),
	[PS_USERS_LIST] = ("SELECT name FROM mfa_users UNION SELECT username FROM mfa_factors "
	                   "UNION SELECT username FROM mfa_recovery UNION SELECT username FROM "
	                   "mfa_invites ORDER BY 1"),
	[PS_CHALLENGES_ALL] = "SELECT id, username, nas, expires FROM mfa_challenges ORDER BY id",
	[PS_USER_DEL_INVITES] = "DELETE FROM mfa_invites WHERE username = $1",
	[PS_INVITE_PUT] = ("INSERT INTO mfa_invites(hash, username, created, expires, created_by) "
	                   "VALUES($1, $2, $3, $4, $5)"),
	[PS_INVITE_TAKE] = ("DELETE FROM mfa_invites WHERE hash = $1 "
	                    "RETURNING hash, username, created, expires, created_by"),
	[PS_INVITES_EXPIRE] = "DELETE FROM mfa_invites WHERE expires <= $1",
	[PS_INVITES_USER] = ("SELECT hash, username, created, expires, created_by FROM mfa_invites "
	                     "WHERE username = $1 ORDER BY created, hash"),
#define APPROVAL_COLUMNS "id, username, number, choices, service, nas, remote, requester, " \
                         "created, expires, state, decided_at"
	[PS_USER_DEL_APPROVALS] = "DELETE FROM mfa_approvals WHERE username = $1",
	[PS_APPROVAL_PUT] = ("INSERT INTO mfa_approvals(" APPROVAL_COLUMNS ") VALUES($1, $2, $3, $4,"
	                     " $5, $6, $7, $8, $9, $10, $11, $12)"),
	[PS_APPROVAL_GET] = "SELECT " APPROVAL_COLUMNS " FROM mfa_approvals WHERE id = $1",
	/* The row held until commit: a decision and a consume queue on it. */
	[PS_APPROVAL_GET_LOCK] = ("SELECT " APPROVAL_COLUMNS " FROM mfa_approvals WHERE id = $1 "
	                          "FOR UPDATE"),
	/* At READ COMMITTED the WHERE is checked again on the row a concurrent
	 * update committed: two racing moves from one state change it once. */
	[PS_APPROVAL_UPDATE] = ("UPDATE mfa_approvals SET state = $3, decided_at = $4 "
	                        "WHERE id = $1 AND state = $2"),
	[PS_APPROVALS_EXPIRE] = "DELETE FROM mfa_approvals WHERE expires <= $1",
	[PS_APPROVALS_USER] = ("SELECT " APPROVAL_COLUMNS " FROM mfa_approvals WHERE username = $1 "
	                       "ORDER BY created, id"),
	[PS_USER_DEL_SIGNIN] = "DELETE FROM mfa_signin_codes WHERE username = $1",
	/* One live code per user: a new one replaces the old. */
	[PS_SIGNIN_PUT] = ("INSERT INTO mfa_signin_codes(username, hash, created, expires) "
	                   "VALUES($1, $2, $3, $4) ON CONFLICT(username) DO UPDATE SET "
	                   "hash = $2, created = $3, expires = $4"),
	[PS_SIGNIN_GET] = ("SELECT username, hash, created, expires FROM mfa_signin_codes "
	                   "WHERE username = $1"),
	[PS_SIGNINS_EXPIRE] = "DELETE FROM mfa_signin_codes WHERE expires <= $1",
};

/* Text columns compare as bytes (COLLATE "C"), as SQLite's do: names are
 * ordered and matched the same on both. */
static const char *const migrations[PG_SCHEMA_VERSION] = {
	"CREATE TABLE mfa_users(name text COLLATE \"C\" PRIMARY KEY,"
	" failures bigint NOT NULL DEFAULT 0, locked_until bigint NOT NULL DEFAULT 0,"
	" first_seen bigint NOT NULL DEFAULT 0, enroll bigint NOT NULL DEFAULT 0);"
	"CREATE TABLE mfa_factors(username text COLLATE \"C\" NOT NULL, id text COLLATE \"C\" NOT NULL,"
	" label text NOT NULL, type bigint NOT NULL, algorithm bigint NOT NULL,"
	" digits bigint NOT NULL, period bigint NOT NULL, counter bigint NOT NULL,"
	" last_step bigint NOT NULL, drift bigint NOT NULL, active bigint NOT NULL,"
	" created bigint NOT NULL, last_used bigint NOT NULL, secret bytea NOT NULL,"
	" cose_alg bigint NOT NULL DEFAULT 0, cred_id bytea UNIQUE, aaguid bytea,"
	" transports text NOT NULL DEFAULT '', attestation text NOT NULL DEFAULT '',"
	" inline_pending bigint NOT NULL DEFAULT 0, burnt_step bigint NOT NULL DEFAULT -1,"
	" PRIMARY KEY(username, id));"
	"CREATE INDEX mfa_factors_user_fold ON mfa_factors((translate(username, " PG_FOLD ")));"
	"CREATE TABLE mfa_recovery(username text COLLATE \"C\" NOT NULL, idx bigint NOT NULL,"
	" salt bytea NOT NULL, hash bytea NOT NULL, used bigint NOT NULL,"
	" kind bigint NOT NULL DEFAULT 0, PRIMARY KEY(username, idx));"
	"CREATE TABLE mfa_challenges(id text COLLATE \"C\" PRIMARY KEY,"
	" username text COLLATE \"C\" NOT NULL, nas text NOT NULL, expires bigint NOT NULL);"
	"CREATE INDEX mfa_challenges_expires ON mfa_challenges(expires);"
	"CREATE INDEX mfa_challenges_user ON mfa_challenges(username);"
	"CREATE TABLE mfa_decoy(name text COLLATE \"C\" PRIMARY KEY, failures bigint NOT NULL,"
	" locked_until bigint NOT NULL, first_seen bigint NOT NULL, enroll bigint NOT NULL);",
	/* 2: invite links: the SHA-256 of the token, never the token. */
	"CREATE TABLE mfa_invites(hash bytea PRIMARY KEY, username text COLLATE \"C\" NOT NULL,"
	" created bigint NOT NULL, expires bigint NOT NULL, created_by text NOT NULL);"
	"CREATE INDEX mfa_invites_user ON mfa_invites(username);"
	"CREATE INDEX mfa_invites_expires ON mfa_invites(expires);",
	/* 3: approvals of logins with a passkey (state: 0 pending, 1 approved,
	 * 2 denied, 3 consumed). */
	"CREATE TABLE mfa_approvals(id text COLLATE \"C\" PRIMARY KEY,"
	" username text COLLATE \"C\" NOT NULL, number bigint NOT NULL, choices bigint NOT NULL,"
	" service text NOT NULL, nas text NOT NULL, remote text NOT NULL, requester text NOT NULL,"
	" created bigint NOT NULL, expires bigint NOT NULL, state bigint NOT NULL,"
	" decided_at bigint NOT NULL);"
	"CREATE INDEX mfa_approvals_user ON mfa_approvals(username);"
	"CREATE INDEX mfa_approvals_expires ON mfa_approvals(expires);",
	/* 4: sign-in codes from the portal: an HMAC of the code, never the code. */
	"CREATE TABLE mfa_signin_codes(username text COLLATE \"C\" PRIMARY KEY,"
	" hash bytea NOT NULL, created bigint NOT NULL, expires bigint NOT NULL);"
	"CREATE INDEX mfa_signin_codes_expires ON mfa_signin_codes(expires);",
};

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int pg_location_check(const char *location, char *err, size_t errlen)
{
	return pg_location_check_as("postgresql", location, err, errlen);
}

static int pg_location_check_short(const char *location, char *err, size_t errlen)
{
	return pg_location_check_as("postgres", location, err, errlen);
}

/* 0 when there is no schema yet. One round trip: every PAM login opens. */
static int pg_schema_version(struct store_pg *q, int64_t *version)
{
	PGresult *res;
	int r;

	*version = 0;
	q->deadline = pg_now_ms() + q->timeout_ms;
	if (!PQsendQueryParams(q->conn, "SELECT max(version) FROM mfa_schema", 0, NULL, NULL, NULL,
	                       NULL, 1))
		return pg_fail(q, NULL, "read schema version");
	/* 42P01: no such table, no schema. */
	if (!(res = pg_result_or(q, "read schema version", "42P01", &r)))
		return r;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !col_int(res, 0, 0, version))
		*version = 0;
	PQclear(res);
	return MFA_OK;
}

/* Servers need no DDL rights: only mfactl init (setup) migrates. */
static int pg_migrate(struct store_pg *q, bool create)
{
	int64_t version;
	int r;

	if ((r = pg_schema_version(q, &version)) != MFA_OK)
		return r;
	if (version == PG_SCHEMA_VERSION)
		return MFA_OK;
	if (version > PG_SCHEMA_VERSION) {
		snprintf(q->base.err, sizeof(q->base.err),
		         "store %s has schema version %lld, newer than this mfa (%d): upgrade mfa",
		         q->uri, (long long)version, PG_SCHEMA_VERSION);
		return MFA_ERR_STORE;
	}
	if (!create) {
		snprintf(q->base.err, sizeof(q->base.err),
		         version == 0 ? "store %s is not initialised (run 'mfactl init' with a role that may create tables)"
		                      : "store %s has an older schema (run 'mfactl init' with a role that may create tables)",
		         q->uri);
		return MFA_ERR_STORE;
	}
	q->in_tx = true;
	/* One migrator at a time; the version is read again under the lock. */
	if ((r = pg_exec(q, "BEGIN; SELECT pg_advisory_xact_lock(" PG_LOCK_CLASS ", 0); "
	                    "CREATE TABLE IF NOT EXISTS mfa_schema(version bigint NOT NULL)",
	                 "upgrade schema")) != MFA_OK ||
	    (r = pg_schema_version(q, &version)) != MFA_OK)
		goto out;
	for (; version < PG_SCHEMA_VERSION; version++) {
		char sql[96];

		snprintf(sql, sizeof(sql), "DELETE FROM mfa_schema; INSERT INTO mfa_schema VALUES(%lld)",
		         (long long)version + 1);
		if ((r = pg_exec(q, migrations[version], "upgrade schema")) != MFA_OK ||
		    (r = pg_exec(q, sql, "upgrade schema")) != MFA_OK)
			goto out;
	}
	r = pg_exec(q, "COMMIT", "upgrade schema");
out:
	if (r != MFA_OK && q->conn)
		pg_exec(q, "ROLLBACK", "rollback");
	q->in_tx = false;
	return r;
}

static void pg_close(struct store *s)
{
	struct store_pg *q = as_pg(s);

	pg_drop(q);
	free(q);
}

static int pg_open_as(const char *scheme, const char *location, const struct mfa_config *cfg,
                      bool create, struct store **out, char *err, size_t errlen)
{
	struct store_pg *q;
	struct pg_uri_facts f;
	int r;

	*out = NULL;
	if ((r = pg_location_check_as(scheme, location, err, errlen)) != MFA_OK)
		return r;
	if (!(q = calloc(1, sizeof(*q))))
		return MFA_ERR_NOMEM;
	q->base.ops = !strcmp(scheme, "postgres") ? &store_postgres_ops : &store_pg_ops;
	snprintf(q->uri, sizeof(q->uri), "%s:%s", scheme, location);
	q->timeout_ms = cfg->store_timeout * 1000;
	if ((r = pg_uri_facts(q->uri, &f, err, errlen)) != MFA_OK ||
	    (r = pg_passfile_check(&f, err, errlen)) != MFA_OK)
		goto out;
	q->hosts = f.hosts;
	if ((r = pg_connect(q)) != MFA_OK || (r = pg_migrate(q, create)) != MFA_OK) {
		snprintf(err, errlen, "%s", q->base.err);
		goto out;
	}
	*out = &q->base;
	return MFA_OK;
out:
	pg_close(&q->base);
	return r;
}

static int pg_open(const char *location, const struct mfa_config *cfg, bool create,
                   struct store **out, char *err, size_t errlen)
{
	return pg_open_as("postgresql", location, cfg, create, out, err, errlen);
}

static int pg_open_short(const char *location, const struct mfa_config *cfg, bool create,
                         struct store **out, char *err, size_t errlen)
{
	return pg_open_as("postgres", location, cfg, create, out, err, errlen);
}

/* No files here: the group setting is for the key and the audit file. */
static int pg_setup_as(const char *scheme, const char *location, const struct mfa_config *cfg,
                       unsigned *created, char *err, size_t errlen)
{
	struct store *s = NULL;
	struct store_pg *q;
	int64_t version = -1;
	int r;

	/* Open without migrating first, to tell whether the schema was there. */
	if ((r = pg_open_as(scheme, location, cfg, false, &s, err, errlen)) == MFA_OK) {
		pg_close(s);
		return MFA_OK;
	}
	if (!(q = calloc(1, sizeof(*q))))
		return MFA_ERR_NOMEM;
	q->base.ops = &store_pg_ops;
	snprintf(q->uri, sizeof(q->uri), "%s:%s", scheme, location);
	q->timeout_ms = cfg->store_timeout * 1000 * 4;   /* DDL may wait for running logins */
	if ((r = pg_connect(q)) == MFA_OK && (r = pg_schema_version(q, &version)) == MFA_OK &&
	    (r = pg_migrate(q, true)) == MFA_OK && version == 0)
		*created |= MFA_SETUP_STORE;
	snprintf(err, errlen, "%s", r == MFA_OK ? "" : q->base.err);
	pg_close(&q->base);
	return r;
}

static int pg_setup(const char *location, const struct mfa_config *cfg, gid_t gid,
                    unsigned *created, char *err, size_t errlen)
{
	(void)gid;
	return pg_setup_as("postgresql", location, cfg, created, err, errlen);
}

static int pg_setup_short(const char *location, const struct mfa_config *cfg, gid_t gid,
                          unsigned *created, char *err, size_t errlen)
{
	(void)gid;
	return pg_setup_as("postgres", location, cfg, created, err, errlen);
}

/* A read sees one snapshot; a write sees what committed before each of
 * its statements, which after lock_user is everything its user's last
 * writer did. The BEGIN goes out with the first statement. */
static int pg_begin(struct store *s, bool write)
{
	struct store_pg *q = as_pg(s);
	int r;

	if (q->conn && (PQstatus(q->conn) != CONNECTION_OK ||
	                PQtransactionStatus(q->conn) != PQTRANS_IDLE))
		pg_drop(q);
	q->fresh = !q->conn;
	if (!q->conn && (r = pg_connect(q)) != MFA_OK)
		return r;
	q->in_tx = true;
	q->writing = q->pending_write = write;
	q->begin_pending = write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
	return MFA_OK;
}

static int pg_lock_user(struct store *s, const char *user)
{
	struct store_pg *q = as_pg(s);
	struct pg_params p = { 0 };

	if (!q->in_tx || !q->writing) {
		snprintf(q->base.err, sizeof(q->base.err), "store %s: user %s locked outside a write",
		         q->uri, user);
		return MFA_ERR_STORE;
	}
	if (q->begin_pending)
		return pg_send_begin(q, user, NULL, 0);
	p_text(&p, user);
	return pg_do(q, PS_LOCK_USER, &p, "lock user", NULL);
}

static int pg_commit(struct store *s)
{
	struct store_pg *q = as_pg(s);
	int r = q->begin_pending ? MFA_OK : pg_exec(q, "COMMIT", "commit");

	q->in_tx = q->writing = false;
	q->begin_pending = NULL;
	return r;
}

static void pg_rollback(struct store *s)
{
	struct store_pg *q = as_pg(s);

	if (!q->begin_pending && q->conn && PQtransactionStatus(q->conn) != PQTRANS_IDLE)
		pg_exec(q, "ROLLBACK", "rollback");
	q->in_tx = q->writing = false;
	q->begin_pending = NULL;
}

/* Group commit is off unless the config asks (group_commit): writers of
 * different users run in parallel on their own connections and PostgreSQL
 * already shares WAL flushes between commits, while a batch runs its
 * members' round trips one after the other on one connection (measured
 * with bench_radius: 702 requests/s batched, 1,550 to 2,500 not). */
static int pg_savepoint(struct store *s, enum store_sp what)
{
	static const char *const sql[] = {
		[STORE_SP_SET] = "SAVEPOINT member",
		[STORE_SP_RELEASE] = "RELEASE SAVEPOINT member",
		/* After a failed statement only this makes the transaction usable. */
		[STORE_SP_ROLLBACK] = "ROLLBACK TO SAVEPOINT member; RELEASE SAVEPOINT member",
	};
	struct store_pg *q = as_pg(s);
	int r;

	if (!q->in_tx || !q->writing || (unsigned)what > STORE_SP_ROLLBACK) {
		snprintf(q->base.err, sizeof(q->base.err), "store %s: savepoint outside a write", q->uri);
		return MFA_ERR_STORE;
	}
	if (q->begin_pending && (r = pg_send_begin(q, NULL, NULL, 0)) != MFA_OK)
		return r;
	return pg_exec(q, sql[what], "savepoint");
}

/* Reads one row of a result into elem; arg as its caller gave it. */
typedef int (*pg_row_reader)(struct store_pg *q, const PGresult *res, int row, void *elem,
                             const void *arg);

/* Every row of res, each read by read_row into an array of elem_size
 * elements: MFA_OK and the array (the caller frees it), or the first
 * row's failure and nothing (what was read wiped). */
static int pg_rows_read(struct store_pg *q, const PGresult *res, size_t elem_size,
                        pg_row_reader read_row, const void *arg, void **list, size_t *n)
{
	int rows = PQntuples(res), r = MFA_OK;
	unsigned char *v = NULL;

	*list = NULL;
	*n = 0;
	if (rows > 0 && !(v = calloc((size_t)rows, elem_size)))
		return MFA_ERR_NOMEM;
	for (int i = 0; i < rows && r == MFA_OK; i++)
		r = read_row(q, res, i, v + (size_t)i * elem_size, arg);
	if (r != MFA_OK) {
		OPENSSL_cleanse(v, (size_t)rows * elem_size);
		free(v);
		return r;
	}
	*list = v;
	*n = (size_t)rows;
	return MFA_OK;
}

/* Runs id and reads its rows (pg_rows_read). */
static int pg_rows_get(struct store_pg *q, enum pg_stmt id, const struct pg_params *p,
                       const char *what, size_t elem_size, pg_row_reader read_row,
                       const void *arg, void **list, size_t *n)
{
	PGresult *res;
	int r;

	*list = NULL;
	*n = 0;
	if (!(res = pg_run(q, id, p, what, &r)))
		return r;
	r = pg_rows_read(q, res, elem_size, read_row, arg, list, n);
	PQclear(res);
	return r;
}

/* A user row from a PS_USER_GET result. */
int pg_user_parse(struct store_pg *q, const PGresult *res, const char *user,
                  struct store_user *u, bool *found)
{
	int64_t v[4];

	memset(u, 0, sizeof(*u));
	*found = false;
	if (PQntuples(res) != 1)
		return MFA_OK;
	for (int i = 0; i < 4; i++)
		if (!col_int(res, 0, i, &v[i]))
			v[0] = -1;
	u->failures = (unsigned)(v[0] < 0 ? UINT_MAX : clamp(v[0], 0, UINT_MAX));
	u->locked_until = v[1];
	u->first_seen = v[2];
	u->enroll = (int)clamp(v[3], INT_MIN, INT_MAX);
	if (!store_user_ok(u)) {
		snprintf(q->base.err, sizeof(q->base.err), "store %s: user %s: bad failure count "
		         "or enroll state", q->uri, user);
		return MFA_ERR_CORRUPT;
	}
	*found = true;
	return MFA_OK;
}

static int pg_user_get(struct store *s, const char *user, struct store_user *u, bool *found)
{
	struct store_pg *q = as_pg(s);
	struct pg_params p = { 0 };
	PGresult *res;
	int r;

	memset(u, 0, sizeof(*u));
	*found = false;
	p_text(&p, user);
	if (!(res = pg_run(q, PS_USER_GET, &p, "read user", &r)))
		return r;
	r = pg_user_parse(q, res, user, u, found);
	PQclear(res);
	return r;
}

static int pg_user_put(struct store *s, const char *user, const struct store_user *u)
{
	struct pg_params p = { 0 };

	p_text(&p, user);
	p_int(&p, u->failures);
	p_int(&p, u->locked_until);
	p_int(&p, u->first_seen);
	p_int(&p, u->enroll);
	return pg_do(as_pg(s), PS_USER_PUT, &p, "write user", NULL);
}

static int pg_delete_user_rows(struct store_pg *q, enum pg_stmt id, const char *user, long *changed)
{
	struct pg_params p = { 0 };
	long n = 0;
	int r;

	p_text(&p, user);
	r = pg_do(q, id, &p, "delete", &n);
	*changed += n;
	return r;
}

static int pg_user_delete(struct store *s, const char *user, bool *found)
{
	struct store_pg *q = as_pg(s);
	long changed = 0, ignored = 0;
	int r;

	*found = false;
	if ((r = pg_delete_user_rows(q, PS_USER_DEL_FACTORS, user, &changed)) != MFA_OK ||
	    (r = pg_delete_user_rows(q, PS_USER_DEL_RECOVERY, user, &changed)) != MFA_OK ||
	    (r = pg_delete_user_rows(q, PS_USER_DEL_INVITES, user, &changed)) != MFA_OK ||
	    (r = pg_delete_user_rows(q, PS_USER_DEL, user, &changed)) != MFA_OK)
		return r;
	*found = changed > 0;
	/* Pending challenges and approvals go too, but alone make no one
	 * "found" (store_sqlite.c). */
	if ((r = pg_delete_user_rows(q, PS_USER_DEL_CHALLENGES, user, &ignored)) != MFA_OK ||
	    (r = pg_delete_user_rows(q, PS_USER_DEL_APPROVALS, user, &ignored)) != MFA_OK)
		return r;
	return pg_delete_user_rows(q, PS_USER_DEL_SIGNIN, user, &ignored);
}

/* One factor row; store_factor_ok refuses values no version of mfa writes. */
static int pg_factor_row(struct store_pg *q, const PGresult *res, int row, struct store_factor *f)
{
	int64_t v[21];
	const void *sealed, *cred, *aaguid;
	size_t sealed_len = 0, cred_len = 0, aaguid_len = 0;
	static const int ints[] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 19, 20 };

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (!col_int(res, row, ints[i], &v[ints[i]]))
			goto corrupt;
	sealed = col_blob(res, row, 13, &sealed_len);
	cred = col_blob(res, row, 15, &cred_len);
	aaguid = col_blob(res, row, 16, &aaguid_len);
	if (!col_text(res, row, 0, f->user, sizeof(f->user)) ||
	    !col_text(res, row, 1, f->id, sizeof(f->id)) ||
	    !col_text(res, row, 2, f->label, sizeof(f->label)) ||
	    !col_text(res, row, 17, f->transports, sizeof(f->transports)) ||
	    !col_text(res, row, 18, f->attestation, sizeof(f->attestation)) ||
	    !sealed || sealed_len > sizeof(f->sealed) ||
	    (cred && (cred_len < 1 || cred_len > STORE_CRED_ID_MAX)) ||
	    (aaguid && aaguid_len != STORE_AAGUID_LEN))
		goto corrupt;
	memcpy(f->sealed, sealed, sealed_len);
	f->sealed_len = sealed_len;
	if (cred) {
		memcpy(f->cred_id, cred, cred_len);
		f->cred_id_len = cred_len;
	}
	if (aaguid)
		memcpy(f->aaguid, aaguid, STORE_AAGUID_LEN);
	f->type = (mfa_factor_type)clamp(v[3], -1, INT_MAX);
	f->algorithm = (mfa_algorithm)clamp(v[4], -1, INT_MAX);
	f->digits = (unsigned)clamp(v[5], 0, UINT_MAX);
	f->period = (unsigned)clamp(v[6], 0, UINT_MAX);
	f->counter = v[7] < 0 ? UINT64_MAX : (uint64_t)v[7];
	f->last_step = v[8];
	f->drift_steps = (int)clamp(v[9], INT_MIN, INT_MAX);
	f->active = v[10] != 0;
	f->created = v[11];
	f->last_used = v[12];
	f->cose_alg = (int)clamp(v[14], INT_MIN, INT_MAX);
	f->inline_pending = v[19] != 0;
	f->burnt_step = v[20];
	if (store_factor_ok(f))
		return MFA_OK;
corrupt:
	snprintf(q->base.err, sizeof(q->base.err),
	         "store %s: factor %.*s of user %.*s is malformed (remove it with 'mfactl remove' and enroll again)",
	         q->uri, 40, PQgetisnull(res, row, 1) ? "?" : PQgetvalue(res, row, 1),
	         MFA_USER_MAX, PQgetisnull(res, row, 0) ? "?" : PQgetvalue(res, row, 0));
	OPENSSL_cleanse(f, sizeof(*f));
	return MFA_ERR_CORRUPT;
}

/* Every factor row of a PS_FACTORS_* result. */
static int read_factor(struct store_pg *q, const PGresult *res, int row, void *elem,
                       const void *arg)
{
	(void)arg;
	return pg_factor_row(q, res, row, elem);
}

int pg_factors_parse(struct store_pg *q, const PGresult *res, struct store_factor **list,
                     size_t *n)
{
	void *v;
	int r = pg_rows_read(q, res, sizeof(**list), read_factor, NULL, &v, n);

	*list = v;
	return r;
}

static int pg_factors_get(struct store *s, const char *user, struct store_factor **list, size_t *n)
{
	struct pg_params p = { 0 };
	void *v;
	int r;

	if (user)
		p_text(&p, user);
	r = pg_rows_get(as_pg(s), user ? PS_FACTORS_USER : PS_FACTORS_ALL, &p, "read factors",
	                sizeof(**list), read_factor, NULL, &v, n);
	*list = v;
	return r;
}

/* $1..$21 in FACTOR_COLUMNS order. */
static void pg_bind_factor(struct pg_params *p, const struct store_factor *f)
{
	p_text(p, f->user);
	p_text(p, f->id);
	p_text(p, f->label);
	p_int(p, f->type);
	p_int(p, f->algorithm);
	p_int(p, f->digits);
	p_int(p, f->period);
	p_int(p, (int64_t)f->counter);
	p_int(p, f->last_step);
	p_int(p, f->drift_steps);
	p_int(p, f->active);
	p_int(p, f->created);
	p_int(p, f->last_used);
	p_blob(p, f->sealed, f->sealed_len);
	p_int(p, f->cose_alg);
	if (f->type == MFA_FACTOR_WEBAUTHN) {
		p_blob(p, f->cred_id, f->cred_id_len);
		p_blob(p, f->aaguid, STORE_AAGUID_LEN);
	} else {
		p_null(p);
		p_null(p);
	}
	p_text(p, f->transports);
	p_text(p, f->attestation);
	p_int(p, f->inline_pending);
	p_int(p, f->burnt_step);
}

static int pg_factor_insert(struct store *s, const struct store_factor *f)
{
	struct pg_params p = { 0 };

	pg_bind_factor(&p, f);
	return pg_do(as_pg(s), PS_FACTOR_INSERT, &p, "add factor", NULL);
}

static int pg_factor_update(struct store *s, const struct store_factor *f)
{
	struct store_pg *q = as_pg(s);
	struct pg_params p = { 0 };
	long changed = 0;
	int r;

	p_text(&p, f->user);
	p_text(&p, f->id);
	p_text(&p, f->label);
	p_int(&p, (int64_t)f->counter);
	p_int(&p, f->last_step);
	p_int(&p, f->drift_steps);
	p_int(&p, f->active);
	p_int(&p, f->last_used);
	p_int(&p, f->burnt_step);
	if ((r = pg_do(q, PS_FACTOR_UPDATE, &p, "update factor", &changed)) != MFA_OK)
		return r;
	if (changed != 1) {
		snprintf(q->base.err, sizeof(q->base.err), "store %s: factor %s of %s vanished",
		         q->uri, f->id, f->user);
		return MFA_ERR_NOT_FOUND;
	}
	return MFA_OK;
}

static int pg_factor_by_cred(struct store *s, const unsigned char *cred_id, size_t len,
                             struct store_factor *f, bool *found)
{
	struct store_pg *q = as_pg(s);
	struct pg_params p = { 0 };
	PGresult *res;
	int r = MFA_OK;

	*found = false;
	p_blob(&p, cred_id, len);
	if (!(res = pg_run(q, PS_FACTOR_BY_CRED, &p, "read credential", &r)))
		return r;
	if (PQntuples(res) == 1 && (r = pg_factor_row(q, res, 0, f)) == MFA_OK)
		*found = true;
	PQclear(res);
	return r;
}

static int pg_factor_delete(struct store *s, const char *user, const char *id, bool *found)
{
	struct pg_params p = { 0 };
	long changed = 0;
	int r;

	p_text(&p, user);
	p_text(&p, id);
	r = pg_do(as_pg(s), PS_FACTOR_DEL, &p, "remove factor", &changed);
	*found = r == MFA_OK && changed > 0;
	return r;
}

static int pg_factors_delete_pending(struct store *s, const char *user)
{
	long changed = 0;

	return pg_delete_user_rows(as_pg(s), PS_FACTORS_DEL_PENDING, user, &changed);
}

/* One recovery code row; arg: whose, for the message. */
static int read_recovery(struct store_pg *q, const PGresult *res, int row, void *elem,
                         const void *arg)
{
	struct store_recovery *c = elem;
	size_t salt_len = 0, hash_len = 0;
	const void *salt = col_blob(res, row, 0, &salt_len), *hash = col_blob(res, row, 1, &hash_len);
	int64_t used, kind;

	if (!salt || !hash || salt_len != STORE_SALT_LEN || hash_len != STORE_HASH_LEN ||
	    !col_int(res, row, 2, &used) || !col_int(res, row, 3, &kind)) {
		snprintf(q->base.err, sizeof(q->base.err),
		         "store %s: a recovery code of %s is malformed (issue new ones with 'mfactl recovery')",
		         q->uri, (const char *)arg);
		return MFA_ERR_CORRUPT;
	}
	memcpy(c->salt, salt, STORE_SALT_LEN);
	memcpy(c->hash, hash, STORE_HASH_LEN);
	c->used = used != 0;
	c->kind = (int)clamp(kind, INT_MIN, INT_MAX);
	if (!store_recovery_ok(c)) {
		snprintf(q->base.err, sizeof(q->base.err),
		         "store %s: a recovery code of %s has an unknown kind (issue new ones with 'mfactl recovery')",
		         q->uri, (const char *)arg);
		return MFA_ERR_CORRUPT;
	}
	return MFA_OK;
}

static int pg_recovery_get(struct store *s, const char *user, struct store_recovery **list,
                           size_t *n)
{
	struct pg_params p = { 0 };
	void *v;
	int r;

	p_text(&p, user);
	r = pg_rows_get(as_pg(s), PS_RECOVERY_GET, &p, "read recovery codes", sizeof(**list),
	                read_recovery, user, &v, n);
	*list = v;
	return r;
}

static int pg_recovery_replace(struct store *s, const char *user, const struct store_recovery *list,
                               size_t n)
{
	struct store_pg *q = as_pg(s);
	long changed = 0;
	int r;

	if ((r = pg_delete_user_rows(q, PS_RECOVERY_DEL, user, &changed)) != MFA_OK)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct pg_params p = { 0 };

		p_text(&p, user);
		p_int(&p, (int64_t)i);
		p_blob(&p, list[i].salt, STORE_SALT_LEN);
		p_blob(&p, list[i].hash, STORE_HASH_LEN);
		p_int(&p, list[i].used);
		p_int(&p, list[i].kind);
		if ((r = pg_do(q, PS_RECOVERY_INSERT, &p, "store recovery codes", NULL)) != MFA_OK)
			return r;
	}
	return MFA_OK;
}

static int pg_recovery_use(struct store *s, const char *user, size_t index)
{
	struct pg_params p = { 0 };

	p_text(&p, user);
	p_int(&p, (int64_t)index);
	return pg_do(as_pg(s), PS_RECOVERY_USE, &p, "use recovery code", NULL);
}

static int pg_challenge_put(struct store *s, const struct store_challenge *c)
{
	struct pg_params p = { 0 };

	p_text(&p, c->id);
	p_text(&p, c->user);
	p_text(&p, c->nas);
	p_int(&p, c->expires);
	return pg_do(as_pg(s), PS_CHALLENGE_PUT, &p, "store challenge", NULL);
}

static bool pg_challenge_row(const PGresult *res, int row, int col, struct store_challenge *c)
{
	return col_text(res, row, col, c->user, sizeof(c->user)) &&
	       col_text(res, row, col + 1, c->nas, sizeof(c->nas)) &&
	       col_int(res, row, col + 2, &c->expires);
}

static int pg_challenge_take(struct store *s, const char *id, struct store_challenge *c, bool *found)
{
	struct store_pg *q = as_pg(s);
	struct pg_params p = { 0 };
	PGresult *res;
	int r;

	memset(c, 0, sizeof(*c));
	*found = false;
	p_text(&p, id);
	if (!(res = pg_run(q, PS_CHALLENGE_TAKE, &p, "use challenge", &r)))
		return r;
	if (PQntuples(res) == 1) {
		if (!pg_challenge_row(res, 0, 0, c)) {
			PQclear(res);
			snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed challenge", q->uri);
			return MFA_ERR_CORRUPT;
		}
		str_copy(c->id, sizeof(c->id), id);
		*found = true;
	}
	PQclear(res);
	return MFA_OK;
}

static int pg_challenges_expire(struct store *s, int64_t now)
{
	struct pg_params p = { 0 };

	p_int(&p, now);
	return pg_do(as_pg(s), PS_CHALLENGES_EXPIRE, &p, "expire challenges", NULL);
}

static void pg_name_parse(const PGresult *res, char name[MFA_USER_MAX + 1], bool *found)
{
	name[0] = '\0';
	*found = PQntuples(res) >= 1;
	if (*found && !col_text(res, 0, 0, name, MFA_USER_MAX + 1))
		name[0] = '\0';
}

/* The first name a one-column query returns, if any. */
static int pg_first_name(struct store_pg *q, enum pg_stmt id, const char *user,
                         char name[MFA_USER_MAX + 1], bool *found)
{
	struct pg_params p = { 0 };
	PGresult *res;
	int r;

	name[0] = '\0';
	*found = false;
	if (user)
		p_text(&p, user);
	if (!(res = pg_run(q, id, &p, "look up names", &r)))
		return r;
	pg_name_parse(res, name, found);
	PQclear(res);
	return MFA_OK;
}

static int pg_user_twin(struct store *s, const char *user, char twin[MFA_USER_MAX + 1], bool *found)
{
	return pg_first_name(as_pg(s), PS_USER_TWIN, user, twin, found);
}

static int pg_user_capitals(struct store *s, char name[MFA_USER_MAX + 1], bool *found)
{
	return pg_first_name(as_pg(s), PS_USER_CAPITALS, NULL, name, found);
}

static int pg_decoy_touch(struct store *s, int64_t now)
{
	struct pg_params p = { 0 };
	unsigned char slot = 0;
	char name[16];

	if (random_bytes(&slot, 1) != MFA_OK)
		slot = (unsigned char)now;
	snprintf(name, sizeof(name), "decoy%03u", slot);
	p_text(&p, name);
	p_int(&p, now);
	return pg_do(as_pg(s), PS_DECOY_TOUCH, &p, "write", NULL);
}

static int read_name(struct store_pg *q, const PGresult *res, int row, void *elem,
                     const void *arg)
{
	(void)arg;
	if (col_text(res, row, 0, elem, MFA_USER_MAX + 1))
		return MFA_OK;
	snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed user name", q->uri);
	return MFA_ERR_CORRUPT;
}

static int pg_users_list(struct store *s, char (**names)[MFA_USER_MAX + 1], size_t *n)
{
	void *v;
	int r = pg_rows_get(as_pg(s), PS_USERS_LIST, NULL, "list users", sizeof(**names), read_name,
	                    NULL, &v, n);

	*names = v;
	return r;
}

static int read_challenge(struct store_pg *q, const PGresult *res, int row, void *elem,
                          const void *arg)
{
	struct store_challenge *c = elem;

	(void)arg;
	if (col_text(res, row, 0, c->id, sizeof(c->id)) && pg_challenge_row(res, row, 1, c))
		return MFA_OK;
	snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed challenge", q->uri);
	return MFA_ERR_CORRUPT;
}

static int pg_challenges_get(struct store *s, struct store_challenge **list, size_t *n)
{
	void *v;
	int r = pg_rows_get(as_pg(s), PS_CHALLENGES_ALL, NULL, "read challenges", sizeof(**list),
	                    read_challenge, NULL, &v, n);

	*list = v;
	return r;
}

static int pg_invite_put(struct store *s, const struct store_invite *inv)
{
	struct pg_params p = { 0 };

	p_blob(&p, inv->hash, STORE_HASH_LEN);
	p_text(&p, inv->user);
	p_int(&p, inv->created);
	p_int(&p, inv->expires);
	p_text(&p, inv->created_by);
	return pg_do(as_pg(s), PS_INVITE_PUT, &p, "store invite", NULL);
}

/* One invite row (hash, username, created, expires, created_by). */
static int read_invite(struct store_pg *q, const PGresult *res, int row, void *elem,
                       const void *arg)
{
	struct store_invite *inv = elem;
	size_t len = 0;
	const void *hash = col_blob(res, row, 0, &len);

	(void)arg;
	memset(inv, 0, sizeof(*inv));
	if (hash && len == STORE_HASH_LEN && col_text(res, row, 1, inv->user, sizeof(inv->user)) &&
	    col_int(res, row, 2, &inv->created) && col_int(res, row, 3, &inv->expires) &&
	    col_text(res, row, 4, inv->created_by, sizeof(inv->created_by))) {
		memcpy(inv->hash, hash, STORE_HASH_LEN);
		if (store_invite_ok(inv))
			return MFA_OK;
	}
	snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed invite", q->uri);
	return MFA_ERR_CORRUPT;
}

static int pg_invite_take(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                          struct store_invite *inv, bool *found)
{
	struct store_pg *q = as_pg(s);
	struct pg_params p = { 0 };
	PGresult *res;
	int r = MFA_OK;

	memset(inv, 0, sizeof(*inv));
	*found = false;
	p_blob(&p, hash, STORE_HASH_LEN);
	if (!(res = pg_run(q, PS_INVITE_TAKE, &p, "use invite", &r)))
		return r;
	if (PQntuples(res) == 1 && (r = read_invite(q, res, 0, inv, NULL)) == MFA_OK)
		*found = true;
	PQclear(res);
	return r;
}

static int pg_invites_expire(struct store *s, int64_t now)
{
	struct pg_params p = { 0 };

	p_int(&p, now);
	return pg_do(as_pg(s), PS_INVITES_EXPIRE, &p, "expire invites", NULL);
}

static int pg_invites_get(struct store *s, const char *user, struct store_invite **list,
                          size_t *n)
{
	struct pg_params p = { 0 };
	void *v;
	int r;

	p_text(&p, user);
	r = pg_rows_get(as_pg(s), PS_INVITES_USER, &p, "read invites", sizeof(**list), read_invite,
	                NULL, &v, n);
	*list = v;
	return r;
}

static int pg_approval_put(struct store *s, const struct store_approval *a)
{
	struct pg_params p = { 0 };

	p_text(&p, a->id);
	p_text(&p, a->user);
	p_int(&p, a->number);
	p_int(&p, a->choices);
	p_text(&p, a->service);
	p_text(&p, a->nas);
	p_text(&p, a->remote);
	p_text(&p, a->requester);
	p_int(&p, a->created);
	p_int(&p, a->expires);
	p_int(&p, a->state);
	p_int(&p, a->decided_at);
	return pg_do(as_pg(s), PS_APPROVAL_PUT, &p, "store approval", NULL);
}

/* One approval row (APPROVAL_COLUMNS). */
static int read_approval(struct store_pg *q, const PGresult *res, int row, void *elem,
                         const void *arg)
{
	struct store_approval *a = elem;
	int64_t number = -1, choices = -1, state = -1;

	(void)arg;
	memset(a, 0, sizeof(*a));
	if (col_text(res, row, 0, a->id, sizeof(a->id)) &&
	    col_text(res, row, 1, a->user, sizeof(a->user)) && col_int(res, row, 2, &number) &&
	    col_int(res, row, 3, &choices) && col_text(res, row, 4, a->service, sizeof(a->service)) &&
	    col_text(res, row, 5, a->nas, sizeof(a->nas)) &&
	    col_text(res, row, 6, a->remote, sizeof(a->remote)) &&
	    col_text(res, row, 7, a->requester, sizeof(a->requester)) &&
	    col_int(res, row, 8, &a->created) && col_int(res, row, 9, &a->expires) &&
	    col_int(res, row, 10, &state) && col_int(res, row, 11, &a->decided_at) &&
	    number >= 0 && number <= 99 && choices >= 0 && choices <= 99999999 && state >= 0 &&
	    state <= 3) {
		a->number = (unsigned)number;
		a->choices = (unsigned)choices;
		a->state = (int)state;
		if (store_approval_ok(a))
			return MFA_OK;
	}
	snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed approval", q->uri);
	return MFA_ERR_CORRUPT;
}

static int pg_approval_get(struct store *s, const char *id, bool lock, struct store_approval *a,
                           bool *found)
{
	struct store_pg *q = as_pg(s);
	struct pg_params p = { 0 };
	PGresult *res;
	int r = MFA_OK;

	memset(a, 0, sizeof(*a));
	*found = false;
	p_text(&p, id);
	if (!(res = pg_run(q, lock ? PS_APPROVAL_GET_LOCK : PS_APPROVAL_GET, &p, "read approval",
	                   &r)))
		return r;
	if (PQntuples(res) == 1 && (r = read_approval(q, res, 0, a, NULL)) == MFA_OK)
		*found = true;
	PQclear(res);
	return r;
}

static int pg_approval_update(struct store *s, const char *id, int from, int to,
                              int64_t decided_at, bool *changed)
{
	struct pg_params p = { 0 };
	long n = 0;
	int r;

	*changed = false;
	p_text(&p, id);
	p_int(&p, from);
	p_int(&p, to);
	p_int(&p, decided_at);
	if ((r = pg_do(as_pg(s), PS_APPROVAL_UPDATE, &p, "update approval", &n)) == MFA_OK)
		*changed = n == 1;
	return r;
}

static int pg_approvals_expire(struct store *s, int64_t now)
{
	struct pg_params p = { 0 };

	p_int(&p, now);
	return pg_do(as_pg(s), PS_APPROVALS_EXPIRE, &p, "expire approvals", NULL);
}

static int pg_approvals_get(struct store *s, const char *user, struct store_approval **list,
                            size_t *n)
{
	struct pg_params p = { 0 };
	void *v;
	int r;

	p_text(&p, user);
	r = pg_rows_get(as_pg(s), PS_APPROVALS_USER, &p, "read approvals", sizeof(**list),
	                read_approval, NULL, &v, n);
	*list = v;
	return r;
}

static int pg_signin_put(struct store *s, const struct store_signin *c)
{
	struct pg_params p = { 0 };

	p_text(&p, c->user);
	p_blob(&p, c->hash, STORE_HASH_LEN);
	p_int(&p, c->created);
	p_int(&p, c->expires);
	return pg_do(as_pg(s), PS_SIGNIN_PUT, &p, "store sign-in code", NULL);
}

static int pg_signin_get(struct store *s, const char *user, struct store_signin *c, bool *found)
{
	struct store_pg *q = as_pg(s);
	struct pg_params p = { 0 };
	PGresult *res;
	const void *hash;
	size_t len = 0;
	int r = MFA_OK;

	memset(c, 0, sizeof(*c));
	*found = false;
	p_text(&p, user);
	if (!(res = pg_run(q, PS_SIGNIN_GET, &p, "read sign-in code", &r)))
		return r;
	if (PQntuples(res) == 1) {
		hash = col_blob(res, 0, 1, &len);
		if (hash && len == STORE_HASH_LEN && col_text(res, 0, 0, c->user, sizeof(c->user)) &&
		    col_int(res, 0, 2, &c->created) && col_int(res, 0, 3, &c->expires)) {
			memcpy(c->hash, hash, STORE_HASH_LEN);
			*found = store_signin_ok(c);
		}
		if (!*found) {
			memset(c, 0, sizeof(*c));
			snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed sign-in code",
			         q->uri);
			r = MFA_ERR_CORRUPT;
		}
	}
	PQclear(res);
	return r;
}

static int pg_signin_delete(struct store *s, const char *user, bool *found)
{
	long changed = 0;
	int r;

	*found = false;
	if ((r = pg_delete_user_rows(as_pg(s), PS_USER_DEL_SIGNIN, user, &changed)) == MFA_OK)
		*found = changed > 0;
	return r;
}

static int pg_signins_expire(struct store *s, int64_t now)
{
	struct pg_params p = { 0 };

	p_int(&p, now);
	return pg_do(as_pg(s), PS_SIGNINS_EXPIRE, &p, "expire sign-in codes", NULL);
}

/* A login's first reads, with its BEGIN and user lock: one round trip
 * instead of five. The lock comes first in the pipeline: at READ COMMITTED
 * each later statement reads after it was granted. */
static int pg_login_read(struct store *s, const char *user, struct store_user *u, bool *found,
                         struct store_factor **list, size_t *n, char twin[MFA_USER_MAX + 1],
                         bool *twin_found)
{
	struct store_pg *q = as_pg(s);
	struct pg_step steps[4] = { { .id = PS_LOCK_USER }, { .id = PS_USER_GET },
		                    { .id = PS_FACTORS_USER }, { .id = PS_USER_TWIN } };
	size_t nsteps = twin ? 4 : 3;
	int r;

	memset(u, 0, sizeof(*u));
	*found = false;
	*list = NULL;
	*n = 0;
	if (twin) {
		twin[0] = '\0';
		*twin_found = false;
	}
	if (!q->in_tx || !q->writing || !q->begin_pending) {
		snprintf(q->base.err, sizeof(q->base.err), "store %s: a login's reads outside its "
		         "write's start", q->uri);
		return MFA_ERR_STORE;
	}
	for (size_t i = 0; i < nsteps; i++)
		p_text(&steps[i].p, user);
	if ((r = pg_send_begin(q, NULL, steps, nsteps)) != MFA_OK)
		return r;
	if ((r = pg_user_parse(q, steps[1].res, user, u, found)) == MFA_OK &&
	    (r = pg_factors_parse(q, steps[2].res, list, n)) == MFA_OK && twin)
		pg_name_parse(steps[3].res, twin, twin_found);
	for (size_t i = 0; i < nsteps; i++)
		PQclear(steps[i].res);
	return r;
}

#define PG_OPS(name, scheme_text, check, open_fn, setup_fn) \
	const struct store_ops name = { \
		.scheme = scheme_text, \
		.location_check = check, \
		.setup = setup_fn, \
		.open = open_fn, \
		.close = pg_close, \
		.begin = pg_begin, \
		.commit = pg_commit, \
		.rollback = pg_rollback, \
		.lock_user = pg_lock_user, \
		.user_get = pg_user_get, \
		.user_put = pg_user_put, \
		.user_delete = pg_user_delete, \
		.factors_get = pg_factors_get, \
		.factor_insert = pg_factor_insert, \
		.factor_update = pg_factor_update, \
		.factor_by_cred = pg_factor_by_cred, \
		.factor_delete = pg_factor_delete, \
		.factors_delete_pending = pg_factors_delete_pending, \
		.recovery_get = pg_recovery_get, \
		.recovery_replace = pg_recovery_replace, \
		.recovery_use = pg_recovery_use, \
		.challenge_put = pg_challenge_put, \
		.challenge_take = pg_challenge_take, \
		.challenges_expire = pg_challenges_expire, \
		.user_twin = pg_user_twin, \
		.user_capitals = pg_user_capitals, \
		.decoy_touch = pg_decoy_touch, \
		.users_list = pg_users_list, \
		.challenges_get = pg_challenges_get, \
		.invite_put = pg_invite_put, \
		.invite_take = pg_invite_take, \
		.invites_expire = pg_invites_expire, \
		.invites_get = pg_invites_get, \
		.approval_put = pg_approval_put, \
		.approval_get = pg_approval_get, \
		.approval_update = pg_approval_update, \
		.approvals_expire = pg_approvals_expire, \
		.approvals_get = pg_approvals_get, \
		.signin_put = pg_signin_put, \
		.signin_get = pg_signin_get, \
		.signin_delete = pg_signin_delete, \
		.signins_expire = pg_signins_expire, \
		.login_read = pg_login_read, \
		.savepoint = pg_savepoint, \
		.group_default = 1, \
	}

PG_OPS(store_pg_ops, "postgresql", pg_location_check, pg_open, pg_setup);
PG_OPS(store_postgres_ops, "postgres", pg_location_check_short, pg_open_short, pg_setup_short);
