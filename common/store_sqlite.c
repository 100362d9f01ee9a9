/*
 * store_sqlite.c - the embedded default store: one SQLite file in WAL mode.
 * BEGIN IMMEDIATE takes the write lock before a factor is read, so a second
 * login with the same code waits (busy timeout) and then sees the step the
 * first one used.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "internal.h"
#include "store.h"

#define SCHEMA_VERSION 7

enum stmt_id {
	ST_BEGIN_READ, ST_BEGIN_WRITE, ST_COMMIT, ST_ROLLBACK, ST_SAVEPOINT, ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_USER_GET, ST_USER_PUT, ST_USER_DEL, ST_USER_DEL_FACTORS, ST_USER_DEL_RECOVERY,
	ST_USER_DEL_CHALLENGES,
	ST_FACTORS_USER, ST_FACTORS_ALL, ST_FACTOR_BY_CRED, ST_FACTOR_INSERT, ST_FACTOR_UPDATE, ST_FACTOR_DEL,
	ST_FACTORS_DEL_PENDING, ST_RECOVERY_GET, ST_RECOVERY_DEL, ST_RECOVERY_INSERT,
	ST_RECOVERY_USE, ST_CHALLENGE_PUT, ST_CHALLENGE_TAKE, ST_CHALLENGES_EXPIRE, ST_USER_TWIN,
	ST_USER_CAPITALS, ST_DECOY_TOUCH, ST_USERS_LIST, ST_CHALLENGES_ALL,
	ST_USER_DEL_INVITES, ST_INVITE_PUT, ST_INVITE_TAKE, ST_INVITES_EXPIRE, ST_INVITES_USER,
	ST_USER_DEL_APPROVALS, ST_APPROVAL_PUT, ST_APPROVAL_GET, ST_APPROVAL_UPDATE,
	ST_APPROVALS_EXPIRE, ST_APPROVALS_USER,
	ST_USER_DEL_SIGNIN, ST_SIGNIN_PUT, ST_SIGNIN_GET, ST_SIGNINS_EXPIRE,
	ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
	[ST_BEGIN_READ] = "BEGIN",
	[ST_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT member",
	[ST_RELEASE] = "RELEASE member",
	[ST_ROLLBACK_TO] = "ROLLBACK TO member",
	[ST_USER_GET] = "SELECT failures, locked_until, first_seen, enroll FROM users WHERE name = ?1",
	[ST_USER_PUT] = ("INSERT INTO users(name, failures, locked_until, first_seen, enroll) "
	                 "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) DO UPDATE SET "
	                 "failures = ?2, locked_until = ?3, first_seen = ?4, enroll = ?5"),
	[ST_USER_DEL] = "DELETE FROM users WHERE name = ?1",
	[ST_USER_DEL_FACTORS] = "DELETE FROM factors WHERE user = ?1",
	[ST_USER_DEL_RECOVERY] = "DELETE FROM recovery WHERE user = ?1",
	[ST_USER_DEL_CHALLENGES] = "DELETE FROM challenges WHERE user = ?1",
#define FACTOR_COLUMNS "user, id, label, type, algorithm, digits, period, counter, last_step, " \
                       "drift, active, created, last_used, secret, cose_alg, cred_id, aaguid, " \
                       "transports, attestation, inline, burnt_step"
	/* Ordered in C (factor_order): ORDER BY here sorts a user's one or two
	 * rows in a temporary b-tree, at every login. */
	[ST_FACTORS_USER] = ("SELECT " FACTOR_COLUMNS " FROM factors WHERE user = ?1"),
	[ST_FACTORS_ALL] = ("SELECT " FACTOR_COLUMNS " FROM factors ORDER BY user, created, id"),
	[ST_FACTOR_BY_CRED] = ("SELECT " FACTOR_COLUMNS " FROM factors WHERE cred_id = ?1"),
	[ST_FACTOR_INSERT] = ("INSERT INTO factors(" FACTOR_COLUMNS ") VALUES"
	                      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
	                      " ?17, ?18, ?19, ?20, ?21)"),
	[ST_FACTOR_UPDATE] = ("UPDATE factors SET label = ?3, counter = ?8, last_step = ?9, "
	                      "drift = ?10, active = ?11, last_used = ?13, burnt_step = ?21 "
	                      "WHERE user = ?1 AND id = ?2"),
	[ST_FACTOR_DEL] = "DELETE FROM factors WHERE user = ?1 AND id = ?2",
	[ST_FACTORS_DEL_PENDING] = "DELETE FROM factors WHERE user = ?1 AND active = 0",
	[ST_RECOVERY_GET] = "SELECT salt, hash, used, kind FROM recovery WHERE user = ?1 ORDER BY idx",
	[ST_RECOVERY_DEL] = "DELETE FROM recovery WHERE user = ?1",
	[ST_RECOVERY_INSERT] = ("INSERT INTO recovery(user, idx, salt, hash, used, kind) "
	                        "VALUES(?1, ?2, ?3, ?4, ?5, ?6)"),
	[ST_RECOVERY_USE] = "UPDATE recovery SET used = 1 WHERE user = ?1 AND idx = ?2",
	[ST_CHALLENGE_PUT] = "INSERT INTO challenges(id, user, nas, expires) VALUES(?1, ?2, ?3, ?4)",
	[ST_CHALLENGE_TAKE] = "DELETE FROM challenges WHERE id = ?1 RETURNING user, nas, expires",
	[ST_CHALLENGES_EXPIRE] = "DELETE FROM challenges WHERE expires <= ?1",
	[ST_USER_TWIN] = ("SELECT user FROM factors WHERE user = ?1 COLLATE NOCASE AND user <> ?1 "
	                  "LIMIT 1"),
	[ST_USER_CAPITALS] = "SELECT user FROM factors WHERE user <> lower(user) LIMIT 1",
	[ST_DECOY_TOUCH] = ("INSERT INTO decoy(name, failures, locked_until, first_seen, enroll) "
	                    "VALUES('', ?1, ?2, ?3, 0) ON CONFLICT(name) DO UPDATE SET "
	                    "failures = (failures + 1) % 1000, locked_until = ?2, first_seen = ?3"),
	/* BINARY is strcmp's order; UNION makes each name once. */
	[ST_USERS_LIST] = ("SELECT name FROM users UNION SELECT user FROM factors "
	                   "UNION SELECT user FROM recovery UNION SELECT user FROM invites "
	                   "ORDER BY 1 COLLATE BINARY"),
	[ST_CHALLENGES_ALL] = "SELECT id, user, nas, expires FROM challenges ORDER BY id",
	[ST_USER_DEL_INVITES] = "DELETE FROM invites WHERE user = ?1",
	[ST_INVITE_PUT] = ("INSERT INTO invites(hash, user, created, expires, created_by) "
	                   "VALUES(?1, ?2, ?3, ?4, ?5)"),
	[ST_INVITE_TAKE] = ("DELETE FROM invites WHERE hash = ?1 "
	                    "RETURNING hash, user, created, expires, created_by"),
	[ST_INVITES_EXPIRE] = "DELETE FROM invites WHERE expires <= ?1",
	[ST_INVITES_USER] = ("SELECT hash, user, created, expires, created_by FROM invites "
	                     "WHERE user = ?1 ORDER BY created, hash"),
#define APPROVAL_COLUMNS "id, user, number, choices, service, nas, remote, requester, created, " \
                         "expires, state, decided_at"
	[ST_USER_DEL_APPROVALS] = "DELETE FROM approvals WHERE user = ?1",
	[ST_APPROVAL_PUT] = ("INSERT INTO approvals(" APPROVAL_COLUMNS ") VALUES(?1, ?2, ?3, ?4, ?5,"
	                     " ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
	[ST_APPROVAL_GET] = "SELECT " APPROVAL_COLUMNS " FROM approvals WHERE id = ?1",
	[ST_APPROVAL_UPDATE] = ("UPDATE approvals SET state = ?3, decided_at = ?4 "
	                        "WHERE id = ?1 AND state = ?2"),
	[ST_APPROVALS_EXPIRE] = "DELETE FROM approvals WHERE expires <= ?1",
	[ST_APPROVALS_USER] = ("SELECT " APPROVAL_COLUMNS " FROM approvals WHERE user = ?1 "
	                       "ORDER BY created, id"),
	[ST_USER_DEL_SIGNIN] = "DELETE FROM signin_codes WHERE user = ?1",
	/* One live code per user: a new one replaces the old. */
	[ST_SIGNIN_PUT] = ("INSERT OR REPLACE INTO signin_codes(user, hash, created, expires) "
	                   "VALUES(?1, ?2, ?3, ?4)"),
	[ST_SIGNIN_GET] = "SELECT user, hash, created, expires FROM signin_codes WHERE user = ?1",
	[ST_SIGNINS_EXPIRE] = "DELETE FROM signin_codes WHERE expires <= ?1",
};

/* Migrations, one per schema version: migrations[v] takes v to v + 1. */
static const char *const migrations[SCHEMA_VERSION] = {
	"CREATE TABLE users(name TEXT PRIMARY KEY NOT NULL, failures INTEGER NOT NULL DEFAULT 0,"
	" locked_until INTEGER NOT NULL DEFAULT 0, first_seen INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE factors(id TEXT NOT NULL, user TEXT NOT NULL, label TEXT NOT NULL,"
	" type INTEGER NOT NULL, algorithm INTEGER NOT NULL, digits INTEGER NOT NULL,"
	" period INTEGER NOT NULL, counter INTEGER NOT NULL, last_step INTEGER NOT NULL,"
	" drift INTEGER NOT NULL, active INTEGER NOT NULL, created INTEGER NOT NULL,"
	" last_used INTEGER NOT NULL, secret BLOB NOT NULL, PRIMARY KEY(user, id));"
	"CREATE TABLE recovery(user TEXT NOT NULL, idx INTEGER NOT NULL, salt BLOB NOT NULL,"
	" hash BLOB NOT NULL, used INTEGER NOT NULL, PRIMARY KEY(user, idx));",
	/* 2: RADIUS challenges, shared by every server using the store. */
	"CREATE TABLE challenges(id TEXT PRIMARY KEY NOT NULL, user TEXT NOT NULL,"
	" nas TEXT NOT NULL, expires INTEGER NOT NULL);"
	"CREATE INDEX challenges_expires ON challenges(expires);",
	/* 3: WebAuthn credentials, factors of their own type. A credential id
	 * belongs to one user only. */
	"ALTER TABLE factors ADD COLUMN cose_alg INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE factors ADD COLUMN cred_id BLOB;"
	"ALTER TABLE factors ADD COLUMN aaguid BLOB;"
	"ALTER TABLE factors ADD COLUMN transports TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE factors ADD COLUMN attestation TEXT NOT NULL DEFAULT '';"
	"CREATE UNIQUE INDEX factors_cred_id ON factors(cred_id) WHERE cred_id IS NOT NULL;"
	/* Challenges: one b-tree, so that taking one writes one page. Expiry
	 * scans them all, but only the few unanswered ones are ever there. */
	"CREATE TABLE challenges3(id TEXT PRIMARY KEY NOT NULL, user TEXT NOT NULL,"
	" nas TEXT NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT INTO challenges3 SELECT id, user, nas, expires FROM challenges;"
	"DROP TABLE challenges;"
	"ALTER TABLE challenges3 RENAME TO challenges;",
	/* 4: login policy. users.enroll: may a user without a factor enroll at a
	 * login (0: never had one; 1: had one removed or used up; 2: allowed
	 * again by an admin). factors.inline: a pending factor a login started
	 * (a login never replaces an admin's). recovery.kind: 0 PBKDF2 under its
	 * salt, 1 HMAC under a key derived from the key file. Names that differ
	 * only in case are found through an index. */
	"ALTER TABLE users ADD COLUMN enroll INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE factors ADD COLUMN inline INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE factors ADD COLUMN burnt_step INTEGER NOT NULL DEFAULT -1;"
	"ALTER TABLE recovery ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX factors_user_nocase ON factors(user COLLATE NOCASE);"
	/* One row a refused stranger's attempt writes, as an enrolled user's
	 * failure writes theirs: the time of a reply must not tell them apart. */
	"CREATE TABLE decoy(name TEXT PRIMARY KEY NOT NULL, failures INTEGER NOT NULL,"
	" locked_until INTEGER NOT NULL, first_seen INTEGER NOT NULL, enroll INTEGER NOT NULL);"
	"UPDATE users SET enroll = 1 WHERE name IN (SELECT user FROM recovery);",
	/* 5: invite links (mfactl invite, the portal): the SHA-256 of the
	 * token, never the token. */
	"CREATE TABLE invites(hash BLOB PRIMARY KEY NOT NULL, user TEXT NOT NULL,"
	" created INTEGER NOT NULL, expires INTEGER NOT NULL, created_by TEXT NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE INDEX invites_user ON invites(user);"
	"CREATE INDEX invites_expires ON invites(expires);",
	/* 6: approvals of logins with a passkey (approval.c). state: 0
	 * pending, 1 approved, 2 denied, 3 consumed. */
	"CREATE TABLE approvals(id TEXT PRIMARY KEY NOT NULL, user TEXT NOT NULL,"
	" number INTEGER NOT NULL, choices INTEGER NOT NULL, service TEXT NOT NULL,"
	" nas TEXT NOT NULL, remote TEXT NOT NULL, requester TEXT NOT NULL,"
	" created INTEGER NOT NULL, expires INTEGER NOT NULL, state INTEGER NOT NULL,"
	" decided_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX approvals_user ON approvals(user);"
	"CREATE INDEX approvals_expires ON approvals(expires);",
	/* 7: sign-in codes from the portal (signin.c): an HMAC of the code
	 * under a key derived from the key file, never the code. */
	"CREATE TABLE signin_codes(user TEXT PRIMARY KEY NOT NULL, hash BLOB NOT NULL,"
	" created INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX signin_codes_expires ON signin_codes(expires);",
};

struct store_sqlite {
	struct store base;
	sqlite3 *db;
	char path[CONFIG_PATH_MAX];
	sqlite3_stmt *stmt[ST__COUNT];
	bool holds_writer_lock;
};

/* Writers in one process (FreeRADIUS's threads, each with its own
 * connection) queue here instead of in SQLite's busy handler, which sleeps
 * milliseconds at a time and empties every connection's page cache. Other
 * processes still meet at SQLite's lock, with the busy timeout. */
static pthread_mutex_t sq_writer_lock = PTHREAD_MUTEX_INITIALIZER;

static void sq_writer_release(struct store_sqlite *q)
{
	if (q->holds_writer_lock) {
		q->holds_writer_lock = false;
		pthread_mutex_unlock(&sq_writer_lock);
	}
}

static struct store_sqlite *as_sqlite(struct store *s)
{
	return (struct store_sqlite *)(void *)s;
}

/* Maps an SQLite failure to a code and a message that says what to do. */
static int sq_fail(struct store_sqlite *q, int rc, const char *what)
{
	int code = MFA_ERR_STORE;

	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		code = MFA_ERR_CORRUPT;
	else if (rc == SQLITE_NOMEM)
		code = MFA_ERR_NOMEM;
	snprintf(q->base.err, sizeof(q->base.err), "store %s: %s: %s%s", q->path, what,
	         q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc),
	         code == MFA_ERR_CORRUPT ? " (restore it from a backup)"
	         : rc == SQLITE_BUSY     ? " (another process holds it too long)"
	         : rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN || rc == SQLITE_PERM
	                 ? " (check that it and its directory are readable and writable by this process)"
	                 : "");
	return code;
}

static sqlite3_stmt *sq_stmt(struct store_sqlite *q, enum stmt_id id)
{
	int rc;

	if (q->stmt[id]) {
		sqlite3_reset(q->stmt[id]);
		sqlite3_clear_bindings(q->stmt[id]);
		return q->stmt[id];
	}
	rc = sqlite3_prepare_v3(q->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &q->stmt[id], NULL);
	if (rc != SQLITE_OK) {
		sq_fail(q, rc, "prepare");
		return NULL;
	}
	return q->stmt[id];
}

/* Runs a statement with no result rows. */
static int sq_done(struct store_sqlite *q, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, rc, what);
	return MFA_OK;
}

static int sq_exec_simple(struct store_sqlite *q, enum stmt_id id, const char *what)
{
	sqlite3_stmt *st = sq_stmt(q, id);

	return st ? sq_done(q, st, what) : MFA_ERR_STORE;
}

static int sq_schema_version(struct store_sqlite *q, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rc = SQLITE_OK;
	else if (rc == SQLITE_OK || rc == SQLITE_DONE)
		rc = sqlite3_errcode(q->db);
	*version = rc == SQLITE_OK ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? MFA_OK : sq_fail(q, rc, "read schema version");
}

/* Brings the schema up to date. The common case, a current schema, costs
 * one read and takes no lock: this runs at every login. */
static int sq_migrate(struct store_sqlite *q, bool create)
{
	int version, rc, r;

	if ((r = sq_schema_version(q, &version)) != MFA_OK)
		return r;
	if (version == SCHEMA_VERSION)
		return MFA_OK;
	if (version > SCHEMA_VERSION) {
		snprintf(q->base.err, sizeof(q->base.err),
		         "store %s has schema version %d, newer than this mfa (%d): upgrade mfa",
		         q->path, version, SCHEMA_VERSION);
		return MFA_ERR_STORE;
	}
	if (version == 0 && !create) {
		snprintf(q->base.err, sizeof(q->base.err),
		         "store %s is not initialised (run 'mfactl init')", q->path);
		return MFA_ERR_STORE;
	}
	/* WAL is a property of the file: set once, when it is made. */
	if (version == 0 &&
	    (rc = sqlite3_exec(q->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL)) != SQLITE_OK)
		return sq_fail(q, rc, "create");
	if ((rc = sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
		return sq_fail(q, rc, "upgrade schema");
	/* Another process may have upgraded it while we waited for the lock. */
	if ((r = sq_schema_version(q, &version)) != MFA_OK)
		goto out;
	r = MFA_ERR_STORE;
	for (; version < SCHEMA_VERSION; version++) {
		char sql[64];

		rc = sqlite3_exec(q->db, migrations[version], NULL, NULL, NULL);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			r = sq_fail(q, rc, "upgrade schema");
			goto out;
		}
	}
	if ((rc = sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
		r = sq_fail(q, rc, "upgrade schema");
		goto out;
	}
	return MFA_OK;
out:
	sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

static void sq_close(struct store *s)
{
	struct store_sqlite *q = as_sqlite(s);

	if (q->holds_writer_lock) {
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
		sq_writer_release(q);
	}
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(q->stmt[i]);
	sqlite3_close(q->db);
	free(q);
}

/* What to run to make path (a directory, the database or one of its files)
 * what `mfactl init` makes it. */
static void sq_fix(const char *path, const struct stat *st, const struct mfa_config *cfg,
                   char *fix, size_t size)
{
	if (cfg->group[0])
		snprintf(fix, size, "chown root:%s %s; chmod %s %s", cfg->group, path,
		         S_ISDIR(st->st_mode) ? "2770" : "660", path);
	else
		snprintf(fix, size, "chown root %s; chmod go-w %s", path, path);
}

/* Whoever can change the store can rewind last_step (replay) or empty it
 * (no factor: nullok lets everyone in). So nobody but root, the running
 * user and the configured group may change the file, its -wal (committed
 * transactions SQLite replays) and -shm, or their directory: who can write
 * there can put another file in their place. That also makes the check
 * hold until SQLite opens the path. The directories above are the admin's
 * to keep (as for the config and key). *exists says whether the database
 * is there. */
static int sq_check_files(const char *location, const struct mfa_config *cfg, bool *exists,
                          char *err, size_t errlen)
{
	static const char *const suffix[] = { "-wal", "-shm" };
	char dir[CONFIG_PATH_MAX], path[CONFIG_PATH_MAX + 8], fix[STORE_ERR_MAX], hint[256];
	struct stat st;
	gid_t gid = NO_GROUP;
	int rc;

	*exists = false;
	if (cfg->group[0] && (rc = group_id(cfg->group, &gid)) != 0) {
		snprintf(err, errlen, "store %s: group '%s' does not exist%s%s", location, cfg->group,
		         rc != ENOENT ? ": " : "", rc != ENOENT ? strerror(rc) : "");
		return MFA_ERR_CONFIG;
	}
	str_copy(dir, sizeof(dir), location);
	str_copy(dir, sizeof(dir), dirname(dir));
	if (stat(dir, &st) < 0) {
		int e = errno;

		snprintf(err, errlen, "store %s: directory %s: %s%s", location, dir, strerror(e),
		         access_hint(e, cfg->group, hint, sizeof(hint)));
		return MFA_ERR_STORE;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "store %s: %s is not a directory", location, dir);
		return MFA_ERR_STORE;
	}
	sq_fix(dir, &st, cfg, fix, sizeof(fix));
	if (file_check_writers(dir, &st, false, gid, fix, err, errlen) != MFA_OK)
		return MFA_ERR_STORE;
	for (size_t i = 0; i <= 2; i++) {
		snprintf(path, sizeof(path), "%s%s", location, i ? suffix[i - 1] : "");
		if (lstat(path, &st) < 0) {
			int e = errno;

			if (e == ENOENT)
				continue;
			snprintf(err, errlen, "store %s: %s%s", path, strerror(e),
			         access_hint(e, cfg->group, hint, sizeof(hint)));
			return MFA_ERR_STORE;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "store %s is %s", path,
			         S_ISLNK(st.st_mode) ? "a symbolic link: not followed (name the file itself)"
			                             : "not a regular file");
			return MFA_ERR_STORE;
		}
		sq_fix(path, &st, cfg, fix, sizeof(fix));
		/* A process of the group (radiusd as freerad) makes the -wal and
		 * -shm it finds missing: theirs, in the group, like the database. */
		if (file_check_writers(path, &st, i > 0 && gid != NO_GROUP, gid, fix, err, errlen) != MFA_OK)
			return MFA_ERR_STORE;
		if (i == 0)
			*exists = true;
	}
	return MFA_OK;
}

static int sq_open(const char *location, const struct mfa_config *cfg, bool create,
                   struct store **out, char *err, size_t errlen)
{
	struct store_sqlite *q;
	bool exists;
	int rc, r = MFA_ERR_STORE;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	char pragmas[160];

	*out = NULL;
	if (!(q = calloc(1, sizeof(*q))))
		return MFA_ERR_NOMEM;
	q->base.ops = &store_sqlite_ops;
	if (!str_copy(q->path, sizeof(q->path), location)) {
		snprintf(err, errlen, "store path too long");
		goto out;
	}
	if ((r = sq_check_files(location, cfg, &exists, err, errlen)) != MFA_OK)
		goto out;
	r = MFA_ERR_STORE;
	if (!exists && !create) {
		snprintf(err, errlen, "store %s: %s (run 'mfactl init' to create it)", location,
		         strerror(ENOENT));
		goto out;
	}
	if (!exists)
		flags |= SQLITE_OPEN_CREATE;
	{
		/* The database and its -wal/-shm files: 0600, or 0660 for a group. */
		mode_t old = umask(cfg->group[0] ? 007 : 077);
		rc = sqlite3_open_v2(location, &q->db, flags, NULL);
		umask(old);
	}
	if (rc != SQLITE_OK) {
		char hint[256];
		size_t n;

		r = sq_fail(q, rc, "open");
		n = strlen(q->base.err);
		if (rc == SQLITE_CANTOPEN || rc == SQLITE_PERM)
			snprintf(q->base.err + n, sizeof(q->base.err) - n, "%s",
			         access_hint(EACCES, cfg->group, hint, sizeof(hint)));
		goto fail_msg;
	}
	sqlite3_extended_result_codes(q->db, 0);
	sqlite3_busy_timeout(q->db, (int)cfg->store_busy_timeout);
	/* WAL: readers never block the writer. synchronous=NORMAL keeps the
	 * database consistent on a crash; FULL also survives power loss for the
	 * last commits at the price of an fsync per login. A long-lived process
	 * keeps up to 5 MiB of WAL after each checkpoint (1000 pages come to 4):
	 * rewriting blocks the file has is cheaper than allocating them again. */
	snprintf(pragmas, sizeof(pragmas), "PRAGMA synchronous = %s; PRAGMA journal_size_limit = %d",
	         cfg->sqlite_sync_full ? "FULL" : "NORMAL", 5 << 20);
	rc = sqlite3_exec(q->db, pragmas, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = sq_fail(q, rc, "open");
		goto fail_msg;
	}
	/* A PAM login opens and closes the store each time. Closing the last
	 * connection checkpoints the WAL (two fsyncs; a WAL left long would be
	 * read back whole by the next open) and would then delete it, which the
	 * next login recreates (two fsyncs more). Keep the file instead, cut to
	 * nothing (journal_size_limit) so the next open has nothing to read. */
	{
		int on = 1;

		sqlite3_file_control(q->db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
	}
	if ((r = sq_migrate(q, create)) != MFA_OK)
		goto fail_msg;
	*out = &q->base;
	return MFA_OK;
fail_msg:
	snprintf(err, errlen, "%s", q->base.err);
out:
	sq_close(&q->base);
	return r;
}

static int sq_begin(struct store *s, bool write)
{
	struct store_sqlite *q = as_sqlite(s);
	int r;

	if (write && !q->holds_writer_lock) {
		pthread_mutex_lock(&sq_writer_lock);
		q->holds_writer_lock = true;
	}
	r = sq_exec_simple(q, write ? ST_BEGIN_WRITE : ST_BEGIN_READ, "begin transaction");
	if (r != MFA_OK)
		sq_writer_release(q);
	return r;
}

/* BEGIN IMMEDIATE took the database's one write lock: every user is
 * locked already. Outside a write it is the caller's mistake. */
static int sq_lock_user(struct store *s, const char *user)
{
	struct store_sqlite *q = as_sqlite(s);

	if (q->holds_writer_lock)
		return MFA_OK;
	snprintf(q->base.err, sizeof(q->base.err), "store %s: user %s locked outside a write",
	         q->path, user);
	return MFA_ERR_STORE;
}

static int sq_commit(struct store *s)
{
	struct store_sqlite *q = as_sqlite(s);
	int r = sq_exec_simple(q, ST_COMMIT, "commit");

	if (r != MFA_OK)
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	sq_writer_release(q);
	return r;
}

static void sq_rollback(struct store *s)
{
	struct store_sqlite *q = as_sqlite(s);

	if (!sqlite3_get_autocommit(q->db))
		sq_exec_simple(q, ST_ROLLBACK, "rollback");
	sq_writer_release(q);
}

static int sq_savepoint(struct store *s, enum store_sp what)
{
	struct store_sqlite *q = as_sqlite(s);
	int r;

	if (!q->holds_writer_lock || sqlite3_get_autocommit(q->db)) {
		snprintf(q->base.err, sizeof(q->base.err), "store %s: savepoint outside a write", q->path);
		return MFA_ERR_STORE;
	}
	switch (what) {
	case STORE_SP_SET:
		return sq_exec_simple(q, ST_SAVEPOINT, "savepoint");
	case STORE_SP_RELEASE:
		return sq_exec_simple(q, ST_RELEASE, "release savepoint");
	default:
		/* ROLLBACK TO keeps the savepoint open: release it as well. */
		if ((r = sq_exec_simple(q, ST_ROLLBACK_TO, "rollback to savepoint")) != MFA_OK)
			return r;
		return sq_exec_simple(q, ST_RELEASE, "release savepoint");
	}
}

/* Out-of-range numbers saturate, for store_*_ok to refuse. */
static int64_t saturate(sqlite3_int64 v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int sq_user_get(struct store *s, const char *user, struct store_user *u, bool *found)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_USER_GET);
	int rc;

	memset(u, 0, sizeof(*u));
	*found = false;
	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sqlite3_int64 failures = sqlite3_column_int64(st, 0);

		u->failures = (unsigned)saturate(failures < 0 ? UINT_MAX : failures, 0, UINT_MAX);
		u->locked_until = sqlite3_column_int64(st, 1);
		u->first_seen = sqlite3_column_int64(st, 2);
		u->enroll = (int)saturate(sqlite3_column_int64(st, 3), INT_MIN, INT_MAX);
		if (!store_user_ok(u)) {
			bool failures_bad = u->failures > 1000000;

			sqlite3_reset(st);
			snprintf(q->base.err, sizeof(q->base.err), "store %s: user %s: %s", q->path, user,
			         failures_bad ? "bad failure count" : "bad enroll state");
			return MFA_ERR_CORRUPT;
		}
		*found = true;
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, rc, "read user");
	return MFA_OK;
}

static int sq_user_put(struct store *s, const char *user, const struct store_user *u)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_USER_PUT);

	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, u->failures);
	sqlite3_bind_int64(st, 3, u->locked_until);
	sqlite3_bind_int64(st, 4, u->first_seen);
	sqlite3_bind_int(st, 5, u->enroll);
	return sq_done(q, st, "write user");
}

static int sq_delete_user_rows(struct store_sqlite *q, enum stmt_id id, const char *user,
                               int *changes)
{
	sqlite3_stmt *st = sq_stmt(q, id);
	int r;

	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	r = sq_done(q, st, "delete");
	*changes += sqlite3_changes(q->db);
	return r;
}

static int sq_user_delete(struct store *s, const char *user, bool *found)
{
	struct store_sqlite *q = as_sqlite(s);
	int changes = 0, r;

	*found = false;
	if ((r = sq_delete_user_rows(q, ST_USER_DEL_FACTORS, user, &changes)) != MFA_OK ||
	    (r = sq_delete_user_rows(q, ST_USER_DEL_RECOVERY, user, &changes)) != MFA_OK ||
	    (r = sq_delete_user_rows(q, ST_USER_DEL_INVITES, user, &changes)) != MFA_OK ||
	    (r = sq_delete_user_rows(q, ST_USER_DEL, user, &changes)) != MFA_OK)
		return r;
	*found = changes > 0;
	/* Pending WebAuthn and RADIUS challenges go too: a ceremony begun
	 * before the delete must not register a key or log in after it. They
	 * are no record of the user, so they alone do not make one "found". */
	if ((r = sq_delete_user_rows(q, ST_USER_DEL_CHALLENGES, user, &changes)) != MFA_OK ||
	    (r = sq_delete_user_rows(q, ST_USER_DEL_APPROVALS, user, &changes)) != MFA_OK ||
	    (r = sq_delete_user_rows(q, ST_USER_DEL_SIGNIN, user, &changes)) != MFA_OK)
		return r;
	return MFA_OK;
}

static bool text_column(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t && str_copy(dst, size, (const char *)t);
}

/* Reads one factor row; store_factor_ok refuses values no version of mfa
 * writes, this only what would not fit. */
static int sq_factor_row(struct store_sqlite *q, sqlite3_stmt *st, struct store_factor *f)
{
	const void *blob;
	int blob_len;
	sqlite3_int64 counter = sqlite3_column_int64(st, 7);
	const void *cred = sqlite3_column_blob(st, 15), *aaguid = sqlite3_column_blob(st, 16);
	int cred_len = sqlite3_column_bytes(st, 15), aaguid_len = sqlite3_column_bytes(st, 16);

	memset(f, 0, sizeof(*f));
	if (!text_column(st, 0, f->user, sizeof(f->user)) ||
	    !text_column(st, 1, f->id, sizeof(f->id)) ||
	    !text_column(st, 2, f->label, sizeof(f->label)) ||
	    !text_column(st, 17, f->transports, sizeof(f->transports)) ||
	    !text_column(st, 18, f->attestation, sizeof(f->attestation)) ||
	    (cred && (cred_len < 1 || cred_len > STORE_CRED_ID_MAX)) ||
	    (aaguid && aaguid_len != STORE_AAGUID_LEN))
		goto corrupt;
	if (cred) {
		memcpy(f->cred_id, cred, (size_t)cred_len);
		f->cred_id_len = (size_t)cred_len;
	}
	if (aaguid)
		memcpy(f->aaguid, aaguid, STORE_AAGUID_LEN);
	f->cose_alg = sqlite3_column_int(st, 14);
	f->type = (mfa_factor_type)saturate(sqlite3_column_int64(st, 3), -1, INT_MAX);
	f->algorithm = (mfa_algorithm)saturate(sqlite3_column_int64(st, 4), -1, INT_MAX);
	f->digits = (unsigned)saturate(sqlite3_column_int64(st, 5), 0, UINT_MAX);
	f->period = (unsigned)saturate(sqlite3_column_int64(st, 6), 0, UINT_MAX);
	f->counter = counter < 0 ? UINT64_MAX : (uint64_t)counter;
	f->last_step = sqlite3_column_int64(st, 8);
	f->drift_steps = (int)saturate(sqlite3_column_int64(st, 9), INT_MIN, INT_MAX);
	f->active = sqlite3_column_int64(st, 10) != 0;
	f->created = sqlite3_column_int64(st, 11);
	f->last_used = sqlite3_column_int64(st, 12);
	f->inline_pending = sqlite3_column_int64(st, 19) != 0;
	f->burnt_step = sqlite3_column_int64(st, 20);
	blob = sqlite3_column_blob(st, 13);
	blob_len = sqlite3_column_bytes(st, 13);
	if (!blob || (size_t)blob_len > sizeof(f->sealed))
		goto corrupt;
	memcpy(f->sealed, blob, (size_t)blob_len);
	f->sealed_len = (size_t)blob_len;
	if (store_factor_ok(f))
		return MFA_OK;
corrupt:
	snprintf(q->base.err, sizeof(q->base.err),
	         "store %s: factor %s of user %s is malformed (remove it with 'mfactl remove' and enroll again)",
	         q->path, sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "?",
	         sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "?");
	return MFA_ERR_CORRUPT;
}

/* A user's factors in the order ORDER BY created, id gives. */
static int factor_order(const void *pa, const void *pb)
{
	const struct store_factor *a = pa, *b = pb;

	if (a->created != b->created)
		return a->created < b->created ? -1 : 1;
	return strcmp(a->id, b->id);
}

static int sq_factors_get(struct store *s, const char *user, struct store_factor **list, size_t *n)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, user ? ST_FACTORS_USER : ST_FACTORS_ALL);
	struct store_factor *v = NULL;
	size_t count = 0, cap = 0;
	int rc, r = MFA_OK;

	*list = NULL;
	*n = 0;
	if (!st)
		return MFA_ERR_STORE;
	if (user)
		sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct store_factor *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				r = MFA_ERR_NOMEM;
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		if ((r = sq_factor_row(q, st, &v[count])) != MFA_OK)
			goto out;
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = sq_fail(q, rc, "read factors");
		goto out;
	}
	if (user && count > 1)
		qsort(v, count, sizeof(*v), factor_order);
	*list = v;
	*n = count;
	v = NULL;
out:
	sqlite3_reset(st);
	store_factors_free(&v, cap);
	return r;
}

static void sq_bind_factor(sqlite3_stmt *st, const struct store_factor *f)
{
	sqlite3_bind_text(st, 1, f->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->label, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, f->type);
	sqlite3_bind_int(st, 5, f->algorithm);
	sqlite3_bind_int(st, 6, (int)f->digits);
	sqlite3_bind_int(st, 7, (int)f->period);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)f->counter);
	sqlite3_bind_int64(st, 9, f->last_step);
	sqlite3_bind_int(st, 10, f->drift_steps);
	sqlite3_bind_int(st, 11, f->active);
	sqlite3_bind_int64(st, 12, f->created);
	sqlite3_bind_int64(st, 13, f->last_used);
	sqlite3_bind_int(st, 15, f->cose_alg);
	if (f->type == MFA_FACTOR_WEBAUTHN) {
		sqlite3_bind_blob(st, 16, f->cred_id, (int)f->cred_id_len, SQLITE_STATIC);
		sqlite3_bind_blob(st, 17, f->aaguid, STORE_AAGUID_LEN, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, 16);
		sqlite3_bind_null(st, 17);
	}
	sqlite3_bind_text(st, 18, f->transports, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 19, f->attestation, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 20, f->inline_pending);
	sqlite3_bind_int64(st, 21, f->burnt_step);
}

static int sq_factor_insert(struct store *s, const struct store_factor *f)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_FACTOR_INSERT);

	if (!st)
		return MFA_ERR_STORE;
	sq_bind_factor(st, f);
	sqlite3_bind_blob(st, 14, f->sealed, (int)f->sealed_len, SQLITE_STATIC);
	return sq_done(q, st, "add factor");
}

static int sq_factor_update(struct store *s, const struct store_factor *f)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_FACTOR_UPDATE);
	int r;

	if (!st)
		return MFA_ERR_STORE;
	sq_bind_factor(st, f);
	if ((r = sq_done(q, st, "update factor")) != MFA_OK)
		return r;
	if (sqlite3_changes(q->db) != 1) {
		snprintf(q->base.err, sizeof(q->base.err), "store %s: factor %s of %s vanished",
		         q->path, f->id, f->user);
		return MFA_ERR_NOT_FOUND;
	}
	return MFA_OK;
}

static int sq_factor_by_cred(struct store *s, const unsigned char *cred_id, size_t len,
                             struct store_factor *f, bool *found)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_FACTOR_BY_CRED);
	int rc, r = MFA_OK;

	*found = false;
	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_blob(st, 1, cred_id, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((r = sq_factor_row(q, st, f)) == MFA_OK)
			*found = true;
	} else if (rc != SQLITE_DONE) {
		r = sq_fail(q, rc, "read credential");
	}
	sqlite3_reset(st);
	return r;
}

static int sq_factor_delete(struct store *s, const char *user, const char *id, bool *found)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_FACTOR_DEL);
	int r;

	*found = false;
	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if ((r = sq_done(q, st, "remove factor")) == MFA_OK)
		*found = sqlite3_changes(q->db) > 0;
	return r;
}

static int sq_factors_delete_pending(struct store *s, const char *user)
{
	int changes = 0;

	return sq_delete_user_rows(as_sqlite(s), ST_FACTORS_DEL_PENDING, user, &changes);
}

static int sq_recovery_get(struct store *s, const char *user, struct store_recovery **list,
                           size_t *n)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_RECOVERY_GET);
	struct store_recovery *v = NULL;
	size_t count = 0, cap = 0;
	int rc, r = MFA_OK;

	*list = NULL;
	*n = 0;
	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct store_recovery *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				r = MFA_ERR_NOMEM;
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		if (sqlite3_column_bytes(st, 0) != STORE_SALT_LEN ||
		    sqlite3_column_bytes(st, 1) != STORE_HASH_LEN) {
			snprintf(q->base.err, sizeof(q->base.err),
			         "store %s: a recovery code of %s is malformed (issue new ones with 'mfactl recovery')",
			         q->path, user);
			r = MFA_ERR_CORRUPT;
			goto out;
		}
		memcpy(v[count].salt, sqlite3_column_blob(st, 0), STORE_SALT_LEN);
		memcpy(v[count].hash, sqlite3_column_blob(st, 1), STORE_HASH_LEN);
		v[count].used = sqlite3_column_int(st, 2) != 0;
		v[count].kind = sqlite3_column_int(st, 3);
		if (!store_recovery_ok(&v[count])) {
			snprintf(q->base.err, sizeof(q->base.err),
			         "store %s: a recovery code of %s has an unknown kind (issue new ones with 'mfactl recovery')",
			         q->path, user);
			r = MFA_ERR_CORRUPT;
			goto out;
		}
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = sq_fail(q, rc, "read recovery codes");
		goto out;
	}
	*list = v;
	*n = count;
	v = NULL;
out:
	sqlite3_reset(st);
	free(v);
	return r;
}

static int sq_recovery_replace(struct store *s, const char *user, const struct store_recovery *list,
                               size_t n)
{
	struct store_sqlite *q = as_sqlite(s);
	int changes = 0, r;

	if ((r = sq_delete_user_rows(q, ST_RECOVERY_DEL, user, &changes)) != MFA_OK)
		return r;
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st = sq_stmt(q, ST_RECOVERY_INSERT);

		if (!st)
			return MFA_ERR_STORE;
		sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sqlite3_bind_blob(st, 3, list[i].salt, STORE_SALT_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, list[i].hash, STORE_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, list[i].used);
		sqlite3_bind_int(st, 6, list[i].kind);
		if ((r = sq_done(q, st, "store recovery codes")) != MFA_OK)
			return r;
	}
	return MFA_OK;
}

static int sq_recovery_use(struct store *s, const char *user, size_t index)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_RECOVERY_USE);

	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	return sq_done(q, st, "use recovery code");
}

static int sq_challenge_put(struct store *s, const struct store_challenge *c)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_CHALLENGE_PUT);

	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->nas, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, c->expires);
	return sq_done(q, st, "store challenge");
}

static int sq_challenge_take(struct store *s, const char *id, struct store_challenge *c, bool *found)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_CHALLENGE_TAKE);
	int rc;

	memset(c, 0, sizeof(*c));
	*found = false;
	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (!text_column(st, 0, c->user, sizeof(c->user)) ||
		    !text_column(st, 1, c->nas, sizeof(c->nas))) {
			sqlite3_reset(st);
			snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed challenge", q->path);
			return MFA_ERR_CORRUPT;
		}
		c->expires = sqlite3_column_int64(st, 2);
		str_copy(c->id, sizeof(c->id), id);
		*found = true;
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, rc, "use challenge");
	return MFA_OK;
}

static int sq_challenges_expire(struct store *s, int64_t now)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_CHALLENGES_EXPIRE);

	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_int64(st, 1, now);
	return sq_done(q, st, "expire challenges");
}

static int sq_user_twin(struct store *s, const char *user, char twin[MFA_USER_MAX + 1], bool *found)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_USER_TWIN);
	int rc;

	twin[0] = '\0';
	*found = false;
	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = true;
		if (!text_column(st, 0, twin, MFA_USER_MAX + 1))
			twin[0] = '\0';
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sq_fail(q, rc, "look up names");
	return MFA_OK;
}

static int sq_user_capitals(struct store *s, char name[MFA_USER_MAX + 1], bool *found)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_USER_CAPITALS);
	int rc;

	name[0] = '\0';
	*found = false;
	if (!st)
		return MFA_ERR_STORE;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = true;
		if (!text_column(st, 0, name, MFA_USER_MAX + 1))
			name[0] = '\0';
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? MFA_OK : sq_fail(q, rc, "look up names");
}

/* The same statement shape as a user's failure, on a row of no one's; its
 * content changes each time, as a failure count does (SQLite writes no page
 * for a row left as it was). */
static int sq_decoy_touch(struct store *s, int64_t now)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_DECOY_TOUCH);

	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_int64(st, 1, 1);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, now);
	return sq_done(q, st, "write");
}

static int sq_users_list(struct store *s, char (**names)[MFA_USER_MAX + 1], size_t *n)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_USERS_LIST);
	char (*v)[MFA_USER_MAX + 1] = NULL;
	size_t count = 0, cap = 0;
	int rc, r = MFA_OK;

	*names = NULL;
	*n = 0;
	if (!st)
		return MFA_ERR_STORE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char (*nv)[MFA_USER_MAX + 1] = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				r = MFA_ERR_NOMEM;
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		if (!text_column(st, 0, v[count], sizeof(v[count])) || !v[count][0]) {
			snprintf(q->base.err, sizeof(q->base.err),
			         "store %s: a user name is empty or longer than %d bytes (restore it from a backup)",
			         q->path, MFA_USER_MAX);
			r = MFA_ERR_CORRUPT;
			goto out;
		}
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = sq_fail(q, rc, "list users");
		goto out;
	}
	*names = v;
	*n = count;
	v = NULL;
out:
	sqlite3_reset(st);
	free(v);
	return r;
}

static int sq_challenges_get(struct store *s, struct store_challenge **list, size_t *n)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_CHALLENGES_ALL);
	struct store_challenge *v = NULL;
	size_t count = 0, cap = 0;
	int rc, r = MFA_OK;

	*list = NULL;
	*n = 0;
	if (!st)
		return MFA_ERR_STORE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct store_challenge *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				r = MFA_ERR_NOMEM;
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		memset(&v[count], 0, sizeof(v[count]));
		if (!text_column(st, 0, v[count].id, sizeof(v[count].id)) ||
		    !text_column(st, 1, v[count].user, sizeof(v[count].user)) ||
		    !text_column(st, 2, v[count].nas, sizeof(v[count].nas))) {
			snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed challenge", q->path);
			r = MFA_ERR_CORRUPT;
			goto out;
		}
		v[count].expires = sqlite3_column_int64(st, 3);
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = sq_fail(q, rc, "read challenges");
		goto out;
	}
	*list = v;
	*n = count;
	v = NULL;
out:
	sqlite3_reset(st);
	free(v);
	return r;
}

static int sq_invite_put(struct store *s, const struct store_invite *inv)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_INVITE_PUT);

	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_blob(st, 1, inv->hash, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, inv->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, inv->created);
	sqlite3_bind_int64(st, 4, inv->expires);
	sqlite3_bind_text(st, 5, inv->created_by, -1, SQLITE_STATIC);
	return sq_done(q, st, "store invite");
}

/* One invite row (hash, user, created, expires, created_by). */
static bool sq_invite_row(sqlite3_stmt *st, struct store_invite *inv)
{
	const void *hash = sqlite3_column_blob(st, 0);

	memset(inv, 0, sizeof(*inv));
	if (!hash || sqlite3_column_bytes(st, 0) != STORE_HASH_LEN ||
	    !text_column(st, 1, inv->user, sizeof(inv->user)) ||
	    !text_column(st, 4, inv->created_by, sizeof(inv->created_by)))
		return false;
	memcpy(inv->hash, hash, STORE_HASH_LEN);
	inv->created = sqlite3_column_int64(st, 2);
	inv->expires = sqlite3_column_int64(st, 3);
	return store_invite_ok(inv);
}

static int sq_invite_take(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                          struct store_invite *inv, bool *found)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_INVITE_TAKE);
	int rc;

	memset(inv, 0, sizeof(*inv));
	*found = false;
	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (!sq_invite_row(st, inv)) {
			sqlite3_reset(st);
			snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed invite", q->path);
			return MFA_ERR_CORRUPT;
		}
		*found = true;
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, rc, "use invite");
	return MFA_OK;
}

static int sq_invites_expire(struct store *s, int64_t now)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_INVITES_EXPIRE);

	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_int64(st, 1, now);
	return sq_done(q, st, "expire invites");
}

static int sq_invites_get(struct store *s, const char *user, struct store_invite **list,
                          size_t *n)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_INVITES_USER);
	struct store_invite *v = NULL;
	size_t count = 0, cap = 0;
	int rc, r = MFA_OK;

	*list = NULL;
	*n = 0;
	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct store_invite *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				r = MFA_ERR_NOMEM;
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		if (!sq_invite_row(st, &v[count])) {
			snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed invite", q->path);
			r = MFA_ERR_CORRUPT;
			goto out;
		}
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = sq_fail(q, rc, "read invites");
		goto out;
	}
	*list = v;
	*n = count;
	v = NULL;
out:
	sqlite3_reset(st);
	free(v);
	return r;
}

static int sq_approval_put(struct store *s, const struct store_approval *a)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_APPROVAL_PUT);

	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, a->number);
	sqlite3_bind_int64(st, 4, a->choices);
	sqlite3_bind_text(st, 5, a->service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->nas, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->remote, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, a->requester, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, a->created);
	sqlite3_bind_int64(st, 10, a->expires);
	sqlite3_bind_int64(st, 11, a->state);
	sqlite3_bind_int64(st, 12, a->decided_at);
	return sq_done(q, st, "store approval");
}

/* One approval row (APPROVAL_COLUMNS). */
static bool sq_approval_row(sqlite3_stmt *st, struct store_approval *a)
{
	int64_t number = sqlite3_column_int64(st, 2), choices = sqlite3_column_int64(st, 3),
	        state = sqlite3_column_int64(st, 10);

	memset(a, 0, sizeof(*a));
	if (!text_column(st, 0, a->id, sizeof(a->id)) ||
	    !text_column(st, 1, a->user, sizeof(a->user)) ||
	    !text_column(st, 4, a->service, sizeof(a->service)) ||
	    !text_column(st, 5, a->nas, sizeof(a->nas)) ||
	    !text_column(st, 6, a->remote, sizeof(a->remote)) ||
	    !text_column(st, 7, a->requester, sizeof(a->requester)) || number < 0 || number > 99 ||
	    choices < 0 || choices > 99999999 || state < 0 || state > 3)
		return false;
	a->number = (unsigned)number;
	a->choices = (unsigned)choices;
	a->state = (int)state;
	a->created = sqlite3_column_int64(st, 8);
	a->expires = sqlite3_column_int64(st, 9);
	a->decided_at = sqlite3_column_int64(st, 11);
	return store_approval_ok(a);
}

/* The write lock BEGIN IMMEDIATE took holds every row: lock needs nothing. */
static int sq_approval_get(struct store *s, const char *id, bool lock, struct store_approval *a,
                           bool *found)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_APPROVAL_GET);
	int rc;

	(void)lock;
	memset(a, 0, sizeof(*a));
	*found = false;
	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (!sq_approval_row(st, a)) {
			sqlite3_reset(st);
			snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed approval", q->path);
			return MFA_ERR_CORRUPT;
		}
		*found = true;
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, rc, "read approval");
	return MFA_OK;
}

static int sq_approval_update(struct store *s, const char *id, int from, int to,
                              int64_t decided_at, bool *changed)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_APPROVAL_UPDATE);
	int r;

	*changed = false;
	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	sqlite3_bind_int64(st, 4, decided_at);
	if ((r = sq_done(q, st, "update approval")) == MFA_OK)
		*changed = sqlite3_changes(q->db) == 1;
	return r;
}

static int sq_approvals_expire(struct store *s, int64_t now)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_APPROVALS_EXPIRE);

	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_int64(st, 1, now);
	return sq_done(q, st, "expire approvals");
}

static int sq_approvals_get(struct store *s, const char *user, struct store_approval **list,
                            size_t *n)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_APPROVALS_USER);
	struct store_approval *v = NULL;
	size_t count = 0, cap = 0;
	int rc, r = MFA_OK;

	*list = NULL;
	*n = 0;
	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct store_approval *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				r = MFA_ERR_NOMEM;
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		if (!sq_approval_row(st, &v[count])) {
			snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed approval",
			         q->path);
			r = MFA_ERR_CORRUPT;
			goto out;
		}
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = sq_fail(q, rc, "read approvals");
		goto out;
	}
	*list = v;
	*n = count;
	v = NULL;
out:
	sqlite3_reset(st);
	free(v);
	return r;
}

/* SQLite's online backup from this connection: one read snapshot (WAL
 * lets writers go on meanwhile), so the copy is what one moment held. */
static int sq_backup(struct store *s, const char *dest)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3 *db = NULL;
	sqlite3_backup *b;
	sqlite3_stmt *st = NULL;
	int fd, rc, r = MFA_ERR_STORE;

	/* Never over something: O_EXCL, and the file is ours at 0600. */
	fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;

		snprintf(q->base.err, sizeof(q->base.err), "backup %s: %s%s", dest, strerror(e),
		         e == EEXIST ? " (a backup never replaces a file: give a new name)" : "");
		return e == EEXIST ? MFA_ERR_INVALID : MFA_ERR_SYSTEM;
	}
	close(fd);
	rc = sqlite3_open_v2(dest, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	if (!(b = sqlite3_backup_init(db, "main", q->db, "main"))) {
		rc = sqlite3_errcode(db);
		goto fail;
	}
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		goto fail;
	/* One self-contained file, synced, and whole before it is kept. */
	if ((rc = sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL)) != SQLITE_OK)
		goto fail;
	if (sqlite3_step(st) != SQLITE_ROW || !sqlite3_column_text(st, 0) ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		snprintf(q->base.err, sizeof(q->base.err), "backup %s: the copy does not check out: %s",
		         dest, sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "?");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = sqlite3_close(db)) != SQLITE_OK)
		goto fail;
	db = NULL;
	if ((fd = open(dest, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 || fsync(fd) < 0) {
		snprintf(q->base.err, sizeof(q->base.err), "backup %s: %s", dest, strerror(errno));
		if (fd >= 0)
			close(fd);
		r = MFA_ERR_SYSTEM;
		goto out;
	}
	close(fd);
	return MFA_OK;
fail:
	snprintf(q->base.err, sizeof(q->base.err), "backup %s: %s", dest,
	         db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	unlink(dest);
	return r;
}

static int sq_signin_put(struct store *s, const struct store_signin *c)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_SIGNIN_PUT);

	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, c->user, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, c->hash, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->created);
	sqlite3_bind_int64(st, 4, c->expires);
	return sq_done(q, st, "store sign-in code");
}

/* One sign-in code row (user, hash, created, expires). */
static bool sq_signin_row(sqlite3_stmt *st, struct store_signin *c)
{
	const void *hash = sqlite3_column_blob(st, 1);

	memset(c, 0, sizeof(*c));
	if (!hash || sqlite3_column_bytes(st, 1) != STORE_HASH_LEN ||
	    !text_column(st, 0, c->user, sizeof(c->user)))
		return false;
	memcpy(c->hash, hash, STORE_HASH_LEN);
	c->created = sqlite3_column_int64(st, 2);
	c->expires = sqlite3_column_int64(st, 3);
	return store_signin_ok(c);
}

static int sq_signin_get(struct store *s, const char *user, struct store_signin *c, bool *found)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_SIGNIN_GET);
	int rc;

	memset(c, 0, sizeof(*c));
	*found = false;
	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (!sq_signin_row(st, c)) {
			sqlite3_reset(st);
			memset(c, 0, sizeof(*c));
			snprintf(q->base.err, sizeof(q->base.err), "store %s: malformed sign-in code",
			         q->path);
			return MFA_ERR_CORRUPT;
		}
		*found = true;
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, rc, "read sign-in code");
	return MFA_OK;
}

static int sq_signin_delete(struct store *s, const char *user, bool *found)
{
	struct store_sqlite *q = as_sqlite(s);
	int changes = 0, r;

	*found = false;
	if ((r = sq_delete_user_rows(q, ST_USER_DEL_SIGNIN, user, &changes)) == MFA_OK)
		*found = changes > 0;
	return r;
}

static int sq_signins_expire(struct store *s, int64_t now)
{
	struct store_sqlite *q = as_sqlite(s);
	sqlite3_stmt *st = sq_stmt(q, ST_SIGNINS_EXPIRE);

	if (!st)
		return MFA_ERR_STORE;
	sqlite3_bind_int64(st, 1, now);
	return sq_done(q, st, "expire sign-in codes");
}

static int sq_location_check(const char *location, char *err, size_t errlen)
{
	if (location[0] == '/')
		return MFA_OK;
	snprintf(err, errlen, "store: 'sqlite:%s' is not supported; use sqlite:/absolute/path",
	         location);
	return MFA_ERR_CONFIG;
}

/* With a group: the database and its -wal and -shm files. */
static int sq_share_files(const char *location, const struct mfa_config *cfg, gid_t gid,
                          char *err, size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	int r;

	for (size_t i = 0; i < 3; i++) {
		char path[CONFIG_PATH_MAX + 8];

		snprintf(path, sizeof(path), "%s%s", location, suffix[i]);
		if ((r = path_share(path, gid, cfg->group, 0660, err, errlen)) != MFA_OK)
			return r;
	}
	return MFA_OK;
}

static int sq_setup(const char *location, const struct mfa_config *cfg, gid_t gid,
                    unsigned *created, char *err, size_t errlen)
{
	char copy[CONFIG_PATH_MAX];
	const char *dir;
	struct stat st;
	struct store *s = NULL;
	int r;

	/* setgid: the -wal and -shm files SQLite makes get the group too. */
	if ((r = dir_make_parent(location, copy, &dir, err, errlen)) != MFA_OK ||
	    (r = path_share(dir, gid, cfg->group, 02770, err, errlen)) != MFA_OK)
		return r;
	if (lstat(location, &st) < 0)
		*created |= MFA_SETUP_STORE;
	/* Before the open too: it checks the files' group. */
	if ((r = sq_share_files(location, cfg, gid, err, errlen)) != MFA_OK ||
	    (r = sq_open(location, cfg, true, &s, err, errlen)) != MFA_OK)
		return r;
	sq_close(s);
	return sq_share_files(location, cfg, gid, err, errlen);
}

const struct store_ops store_sqlite_ops = {
	.scheme = "sqlite",
	.location_check = sq_location_check,
	.setup = sq_setup,
	.open = sq_open,
	.close = sq_close,
	.backup = sq_backup,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.lock_user = sq_lock_user,
	.user_get = sq_user_get,
	.user_put = sq_user_put,
	.user_delete = sq_user_delete,
	.factors_get = sq_factors_get,
	.factor_insert = sq_factor_insert,
	.factor_update = sq_factor_update,
	.factor_by_cred = sq_factor_by_cred,
	.factor_delete = sq_factor_delete,
	.factors_delete_pending = sq_factors_delete_pending,
	.recovery_get = sq_recovery_get,
	.recovery_replace = sq_recovery_replace,
	.recovery_use = sq_recovery_use,
	.challenge_put = sq_challenge_put,
	.challenge_take = sq_challenge_take,
	.challenges_expire = sq_challenges_expire,
	.user_twin = sq_user_twin,
	.user_capitals = sq_user_capitals,
	.decoy_touch = sq_decoy_touch,
	.users_list = sq_users_list,
	.challenges_get = sq_challenges_get,
	.invite_put = sq_invite_put,
	.invite_take = sq_invite_take,
	.invites_expire = sq_invites_expire,
	.invites_get = sq_invites_get,
	.approval_put = sq_approval_put,
	.approval_get = sq_approval_get,
	.approval_update = sq_approval_update,
	.approvals_expire = sq_approvals_expire,
	.approvals_get = sq_approvals_get,
	.signin_put = sq_signin_put,
	.signin_get = sq_signin_get,
	.signin_delete = sq_signin_delete,
	.signins_expire = sq_signins_expire,
	.savepoint = sq_savepoint,
	/* One writer at a time for the whole file: waiting in a batch costs
	 * less than waiting for the lock, and a commit is shared. */
	.group_default = 64,
};
