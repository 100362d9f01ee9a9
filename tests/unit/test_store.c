/* test_store.c - the store fails closed: missing, corrupt, tampered, newer. */
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "env.h"

static const char *secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

static void sql(const struct test_env *env, const char *stmt)
{
	sqlite3 *db = NULL;

	CHECK(sqlite3_open(env->store, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, stmt, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

static int pending_challenges(const struct test_env *env)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;

	CHECK(sqlite3_open(env->store, &db) == SQLITE_OK);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM challenges", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void check_factor_count(mfa_ctx *ctx, const char *user, size_t want)
{
	struct mfa_factor_info *list = NULL;
	size_t n = 0;

	CHECK_EQ_INT(mfa_factor_list(ctx, user, &list, &n), MFA_OK);
	CHECK_EQ_INT(n, want);
	mfa_factor_list_free(&list);
}

static int open_env(const struct test_env *env, mfa_ctx **ctx)
{
	int r;

	CHECK_EQ_INT(mfa_ctx_new(ctx), MFA_OK);
	r = mfa_config_load(*ctx, env->config);
	return r == MFA_OK ? mfa_open(*ctx) : r;
}

static void store_missing(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *c2 = NULL;

	mfa_ctx_free(&ctx);
	unlink(env.store);
	CHECK_EQ_INT(open_env(&env, &c2), MFA_ERR_STORE);
	CHECK(strstr(mfa_ctx_error(c2), "mfactl init") != NULL);
	CHECK(access(env.store, F_OK) != 0);  /* not silently created empty */
	mfa_ctx_free(&c2);
}

static void store_not_a_database(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *c2 = NULL;
	char db_wal[340], db_shm[340];
	FILE *f;

	mfa_ctx_free(&ctx);
	snprintf(db_wal, sizeof(db_wal), "%s-wal", env.store);
	snprintf(db_shm, sizeof(db_shm), "%s-shm", env.store);
	unlink(db_wal);
	unlink(db_shm);
	f = fopen(env.store, "w");
	CHECK(f != NULL);
	fputs("this is not an SQLite database, just some text that is long enough\n", f);
	for (int i = 0; i < 200; i++)
		fputs("garbage garbage garbage garbage\n", f);
	fclose(f);
	CHECK_EQ_INT(open_env(&env, &c2), MFA_ERR_CORRUPT);
	CHECK(strstr(mfa_ctx_error(c2), env.store) != NULL);
	mfa_ctx_free(&c2);
}

static void store_directory_instead(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *c2 = NULL;

	mfa_ctx_free(&ctx);
	unlink(env.store);
	CHECK(mkdir(env.store, 0700) == 0);
	CHECK_EQ_INT(open_env(&env, &c2), MFA_ERR_STORE);
	CHECK(strstr(mfa_ctx_error(c2), "not a regular file") != NULL);
	mfa_ctx_free(&c2);
}

/* Opens env's store and expects a refusal whose message holds want. */
static void store_refused(const struct test_env *env, const char *want)
{
	mfa_ctx *c = NULL;

	CHECK_EQ_INT(open_env(env, &c), MFA_ERR_STORE);
	if (!strstr(mfa_ctx_error(c), want))
		fprintf(stderr, "  got: %s\n", mfa_ctx_error(c));
	CHECK(strstr(mfa_ctx_error(c), want) != NULL);
	mfa_ctx_free(&c);
}

static void store_opens(const struct test_env *env)
{
	mfa_ctx *c = NULL;

	CHECK_EQ_INT(open_env(env, &c), MFA_OK);
	if (mfa_ctx_error(c)[0])
		fprintf(stderr, "  got: %s\n", mfa_ctx_error(c));
	mfa_ctx_free(&c);
}

/* Who can write the store can rewind last_step (replay) or empty it; who
 * can write its directory can put another file in its place. */
static void store_files_trusted(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	char wal[340], link[340], fix[800];

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	mfa_ctx_free(&ctx);
	snprintf(wal, sizeof(wal), "%s-wal", env.store);
	CHECK(access(wal, F_OK) == 0);  /* kept: SQLITE_FCNTL_PERSIST_WAL */
	snprintf(fix, sizeof(fix), "chown root %s; chmod go-w %s", env.store, env.store);
	store_opens(&env);
	CHECK(chmod(env.store, 0666) == 0);
	store_refused(&env, "writable by others (mode 0666)");
	store_refused(&env, fix);
	CHECK(chmod(env.store, 0660) == 0);   /* no group configured */
	store_refused(&env, "writable by group");
	CHECK(chmod(env.store, 0600) == 0);
	CHECK(chown(env.store, 65534, (gid_t)-1) == 0);
	store_refused(&env, "owned by uid 65534, not by root or the running user");
	CHECK(chown(env.store, 0, (gid_t)-1) == 0);
	store_opens(&env);
	/* The WAL holds committed transactions SQLite replays. */
	CHECK(chmod(wal, 0606) == 0);
	store_refused(&env, "-wal is writable by others");
	CHECK(chmod(wal, 0600) == 0);
	CHECK(chown(wal, 65534, (gid_t)-1) == 0);
	store_refused(&env, "-wal is owned by uid 65534");
	CHECK(chown(wal, 0, (gid_t)-1) == 0);
	/* The directory. */
	CHECK(chmod(env.dir, 0777) == 0);
	store_refused(&env, "writable by others (mode 0777)");
	CHECK(chmod(env.dir, 01777) == 0);    /* sticky: still others' files beside it */
	store_refused(&env, "writable by others");
	CHECK(chmod(env.dir, 0770) == 0);
	store_refused(&env, "writable by group");
	CHECK(chmod(env.dir, 0700) == 0);
	CHECK(chown(env.dir, 65534, (gid_t)-1) == 0);
	store_refused(&env, "owned by uid 65534");
	CHECK(chown(env.dir, 0, (gid_t)-1) == 0);
	store_opens(&env);
	/* A symbolic link in the store's place is not followed. */
	snprintf(link, sizeof(link), "%s/real.db", env.dir);
	CHECK(rename(env.store, link) == 0 && symlink(link, env.store) == 0);
	store_refused(&env, "symbolic link");
	CHECK(unlink(env.store) == 0 && rename(link, env.store) == 0);
	store_opens(&env);
}

/* With group = G, what mfactl init makes (directory 2770, database 0660,
 * both G's) opens; the group writing it must be G. */
static void store_files_group(void)
{
	struct group *g = getgrgid(65534);
	struct test_env env;
	mfa_ctx *ctx;
	char extra[128], wal[340];
	struct stat st;

	if (!g) {
		fprintf(stderr, "  no group 65534: skipped\n");
		return;
	}
	snprintf(extra, sizeof(extra), "group = %s", g->gr_name);
	ctx = env_new(&env, extra);
	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	mfa_ctx_free(&ctx);
	CHECK(stat(env.dir, &st) == 0 && (st.st_mode & 07777) == 02770 && st.st_gid == 65534);
	CHECK(stat(env.store, &st) == 0 && (st.st_mode & 0777) == 0660 && st.st_gid == 65534);
	store_opens(&env);
	/* A member of the group (radiusd as freerad) made the -wal: theirs. */
	snprintf(wal, sizeof(wal), "%s-wal", env.store);
	CHECK(chown(wal, 65534, (gid_t)-1) == 0);
	store_opens(&env);
	CHECK(chmod(wal, 0666) == 0);
	store_refused(&env, "-wal is writable by others");
	CHECK(chmod(wal, 0660) == 0 && chown(wal, 0, (gid_t)-1) == 0);
	/* Writable by another group than the configured one. */
	CHECK(chown(env.store, (uid_t)-1, 0) == 0);
	store_refused(&env, "not by the configured group");
	store_refused(&env, "chmod 660");
	CHECK(chown(env.store, (uid_t)-1, 65534) == 0);
	CHECK(chown(env.dir, (uid_t)-1, 0) == 0);
	store_refused(&env, "chmod 2770");
	CHECK(chown(env.dir, (uid_t)-1, 65534) == 0);
	/* The database itself stays root's (or the running user's). */
	CHECK(chown(env.store, 65534, (gid_t)-1) == 0);
	store_refused(&env, "owned by uid 65534");
	CHECK(chown(env.store, 0, (gid_t)-1) == 0);
	store_opens(&env);
}

static void store_newer_schema(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *c2 = NULL;

	mfa_ctx_free(&ctx);
	sql(&env, "PRAGMA user_version = 99");
	CHECK_EQ_INT(open_env(&env, &c2), MFA_ERR_STORE);
	CHECK(strstr(mfa_ctx_error(c2), "newer than this mfa") != NULL);
	mfa_ctx_free(&c2);
}

static void store_corrupt_record_denies(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_verdict v;
	char code[9];

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	sql(&env, "UPDATE factors SET digits = 42");
	env_code(secret, NULL, 6, (uint64_t)test_now / 30, code);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_ERR_CORRUPT);
	CHECK(strstr(mfa_ctx_error(ctx), "malformed") != NULL);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"error\""), 1);
	mfa_ctx_free(&ctx);
}

/* One TOTP period range, MFA_PERIOD_MIN..MAX, for enrollment, both
 * importers that carry a period, and the rows the store reads back. */
static void period_range_one_everywhere(void)
{
	static const unsigned periods[] = { MFA_PERIOD_MIN - 1, MFA_PERIOD_MIN, MFA_PERIOD_MAX,
		                            MFA_PERIOD_MAX + 1 };
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_import_report rep;
	char path[400], user[32], stmt[128];

	for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		unsigned p = periods[i];
		int want = p >= MFA_PERIOD_MIN && p <= MFA_PERIOD_MAX ? MFA_OK : -1;
		struct mfa_otp_params op = { .algorithm = -1, .period = p, .secret_base32 = secret };
		mfa_enrollment *e = NULL;
		FILE *f;
		int r;

		snprintf(user, sizeof(user), "enroll%u", p);
		r = mfa_enroll_begin(ctx, user, &op, &e);
		CHECK_EQ_INT(r, want ? MFA_ERR_INVALID : MFA_OK);
		mfa_enrollment_free(&e);

		snprintf(user, sizeof(user), "pskc%u", p);
		snprintf(path, sizeof(path), "%s/%s.xml", env.dir, user);
		CHECK((f = fopen(path, "w")) != NULL);
		if (f) {
			fprintf(f, "<KeyContainer Version=\"1.0\" "
			           "xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><KeyPackage>"
			           "<Key Id=\"k\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:totp\">"
			           "<Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue>"
			           "</Secret><TimeInterval><PlainValue>%u</PlainValue></TimeInterval>"
			           "</Data><UserId>%s</UserId></Key></KeyPackage></KeyContainer>\n",
			        p, user);
			fclose(f);
		}
		r = mfa_import_pskc(ctx, path, NULL, "test", &rep);
		CHECK_EQ_INT(r, want ? MFA_ERR_IMPORT : MFA_OK);
		if (want)
			CHECK(strstr(mfa_ctx_error(ctx), "TimeInterval must be 10 to 300 seconds") != NULL);

		/* google-authenticator's own limit is 60: only the low end applies. */
		if (p > 60)
			continue;
		snprintf(user, sizeof(user), "ga%u", p);
		snprintf(path, sizeof(path), "%s/%s", env.dir, user);
		CHECK((f = fopen(path, "w")) != NULL);
		if (f) {
			fprintf(f, "%s\n\" TOTP_AUTH\n\" STEP_SIZE %u\n", secret, p);
			fclose(f);
		}
		r = mfa_import_google_authenticator(ctx, path, user, "test", &rep);
		CHECK_EQ_INT(r, want ? MFA_ERR_IMPORT : MFA_OK);
	}

	/* A row outside the range is malformed, whoever wrote it. */
	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		unsigned p = periods[i];
		int want = p >= MFA_PERIOD_MIN && p <= MFA_PERIOD_MAX ? MFA_ERR_BAD_CODE
		                                                      : MFA_ERR_CORRUPT;

		snprintf(stmt, sizeof(stmt), "UPDATE factors SET period = %u WHERE user = 'alice'", p);
		sql(&env, stmt);
		CHECK_EQ_INT(env_verify(ctx, "alice", "000000", NULL), want);
	}
	mfa_ctx_free(&ctx);
}

static void store_moved_secret_denies(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	char code[9];
	const char *other = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	CHECK_EQ_INT(env_enroll(ctx, "mallory", MFA_FACTOR_TOTP, NULL, 6, other, NULL), MFA_OK);
	/* Mallory copies alice's sealed secret into his own row. */
	sql(&env, "UPDATE factors SET secret = (SELECT secret FROM factors WHERE user = 'alice') "
	          "WHERE user = 'mallory'");
	env_code(secret, NULL, 6, (uint64_t)test_now / 30, code);
	CHECK_EQ_INT(env_verify(ctx, "mallory", code, NULL), MFA_ERR_DECRYPT);
	CHECK(strstr(mfa_ctx_error(ctx), "does not decrypt") != NULL);
	/* Alice is unaffected. */
	CHECK_EQ_INT(env_verify(ctx, "alice", code, NULL), MFA_OK);
	mfa_ctx_free(&ctx);
}

static void store_wrong_key_denies(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *c2 = NULL;
	unsigned char junk[32];
	char code[9];
	int fd;

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	mfa_ctx_free(&ctx);
	memset(junk, 0x5a, sizeof(junk));
	fd = open(env.key, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	close(fd);
	CHECK_EQ_INT(open_env(&env, &c2), MFA_OK);
	env_code(secret, NULL, 6, (uint64_t)test_now / 30, code);
	CHECK_EQ_INT(env_verify(c2, "alice", code, NULL), MFA_ERR_DECRYPT);
	CHECK(strstr(mfa_ctx_error(c2), "key file") != NULL);
	mfa_ctx_free(&c2);
	/* Missing key file: mfa_open refuses. */
	unlink(env.key);
	CHECK_EQ_INT(open_env(&env, &c2), MFA_ERR_KEY);
	CHECK(strstr(mfa_ctx_error(c2), env.key) != NULL);
	mfa_ctx_free(&c2);
}

static void store_setup_idempotent(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *c2 = NULL;
	unsigned created = 99;
	struct stat st;
	unsigned char before[32], after[32];
	int fd;

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	mfa_ctx_free(&ctx);
	fd = open(env.key, O_RDONLY);
	CHECK(fd >= 0 && read(fd, before, 32) == 32);
	close(fd);
	CHECK_EQ_INT(mfa_ctx_new(&c2), MFA_OK);
	CHECK_EQ_INT(mfa_setup(c2, env.config, &created), MFA_OK);
	CHECK_EQ_INT(created, 0);
	fd = open(env.key, O_RDONLY);
	CHECK(fd >= 0 && read(fd, after, 32) == 32);
	close(fd);
	CHECK(memcmp(before, after, 32) == 0);
	CHECK(stat(env.store, &st) == 0 && (st.st_mode & 077) == 0);
	mfa_ctx_free(&c2);
	c2 = env_open(&env);
	check_factor_count(c2, "alice", 1);
	mfa_ctx_free(&c2);
}

static void store_migrates_v1(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *c2 = NULL;
	char id[MFA_CHALLENGE_ID_LEN + 1];

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	mfa_ctx_free(&ctx);
	/* What schema version 1 looked like. */
	sql(&env, "DROP TABLE challenges; DROP INDEX factors_cred_id; DROP INDEX factors_user_nocase;"
	          "DROP TABLE decoy; DROP TABLE invites; DROP TABLE approvals; DROP TABLE signin_codes;"
	          "ALTER TABLE users DROP COLUMN enroll; ALTER TABLE factors DROP COLUMN inline;"
	          "ALTER TABLE factors DROP COLUMN burnt_step;"
	          "ALTER TABLE recovery DROP COLUMN kind;"
	          "ALTER TABLE factors DROP COLUMN cose_alg; ALTER TABLE factors DROP COLUMN cred_id;"
	          "ALTER TABLE factors DROP COLUMN aaguid; ALTER TABLE factors DROP COLUMN transports;"
	          "ALTER TABLE factors DROP COLUMN attestation; PRAGMA user_version = 1");
	CHECK_EQ_INT(open_env(&env, &c2), MFA_OK);
	CHECK_EQ_INT(mfa_challenge_create(c2, "alice", "10.0.0.1", 60, id), MFA_OK);
	check_factor_count(c2, "alice", 1);
	mfa_ctx_free(&c2);
}

static void challenges_once_bound_expiring(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *other;
	struct mfa_request req = { .user = "alice", .source = "test" };
	struct mfa_request bob = { .user = "bob", .source = "test" };
	char id[MFA_CHALLENGE_ID_LEN + 1], id2[MFA_CHALLENGE_ID_LEN + 1];

	CHECK_EQ_INT(mfa_challenge_create(ctx, "alice", "10.0.0.1", 60, id), MFA_OK);
	CHECK_EQ_INT(strlen(id), MFA_CHALLENGE_ID_LEN);
	/* Taken at another "server" sharing the store: works, and only once. */
	other = env_open(&env);
	CHECK_EQ_INT(mfa_challenge_take(other, &req, id, "10.0.0.1"), MFA_OK);
	CHECK_EQ_INT(mfa_challenge_take(ctx, &req, id, "10.0.0.1"), MFA_ERR_CHALLENGE);
	CHECK(strstr(mfa_ctx_error(ctx), "already used") != NULL);
	mfa_ctx_free(&other);
	/* Bound to the user and the NAS; a wrong try still uses it up. */
	CHECK_EQ_INT(mfa_challenge_create(ctx, "alice", "10.0.0.1", 60, id), MFA_OK);
	CHECK_EQ_INT(mfa_challenge_take(ctx, &bob, id, "10.0.0.1"), MFA_ERR_CHALLENGE);
	CHECK(strstr(mfa_ctx_error(ctx), "another user") != NULL);
	CHECK_EQ_INT(mfa_challenge_take(ctx, &req, id, "10.0.0.1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_challenge_create(ctx, "alice", "10.0.0.1", 60, id), MFA_OK);
	CHECK_EQ_INT(mfa_challenge_take(ctx, &req, id, "10.0.0.2"), MFA_ERR_CHALLENGE);
	CHECK(strstr(mfa_ctx_error(ctx), "another NAS") != NULL);
	/* Expiry, by the injected clock. */
	CHECK_EQ_INT(mfa_challenge_create(ctx, "alice", "10.0.0.1", 60, id), MFA_OK);
	CHECK_EQ_INT(mfa_challenge_create(ctx, "alice", "10.0.0.1", 600, id2), MFA_OK);
	test_now += 61;
	CHECK_EQ_INT(mfa_challenge_take(ctx, &req, id, "10.0.0.1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_challenge_take(ctx, &req, id2, "10.0.0.1"), MFA_OK);
	/* Forged or malformed. */
	CHECK_EQ_INT(mfa_challenge_take(ctx, &req, "00000000000000000000000000000000", "10.0.0.1"),
	             MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_challenge_take(ctx, &req, "'; DROP TABLE users; --", "10.0.0.1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_challenge_take(ctx, &req, NULL, "10.0.0.1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_challenge_create(ctx, "alice", "10.0.0.1", 0, id), MFA_ERR_INVALID);
	CHECK_EQ_INT(env_audit_count(&env, "\"event\":\"challenge\""), 8);
	mfa_ctx_free(&ctx);
}

/* Unanswered challenges are swept, by each context at most once a minute. */
static void challenges_expired_are_swept(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	char id[MFA_CHALLENGE_ID_LEN + 1];

	for (int i = 0; i < 5; i++)
		CHECK_EQ_INT(mfa_challenge_create(ctx, "alice", "10.0.0.1", 10, id), MFA_OK);
	CHECK_EQ_INT(pending_challenges(&env), 5);
	test_now += 11;
	/* Within the minute of the first sweep: nothing is read back yet. */
	CHECK_EQ_INT(mfa_challenge_create(ctx, "alice", "10.0.0.1", 600, id), MFA_OK);
	CHECK_EQ_INT(pending_challenges(&env), 6);
	test_now += 60;
	CHECK_EQ_INT(mfa_challenge_create(ctx, "alice", "10.0.0.1", 600, id), MFA_OK);
	CHECK_EQ_INT(pending_challenges(&env), 2);
	mfa_ctx_free(&ctx);
}

/* Older versions stored names and labels that are not UTF-8: such a user
 * is still listed, exported (escaped) and deleted, never lost. */
static void store_legacy_names_not_utf8(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_factor_info *list = NULL;
	char *json = NULL;
	size_t n = 0;

	CHECK_EQ_INT(env_enroll(ctx, "bob", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	sql(&env, "UPDATE factors SET user = CAST(X'62FF6F62' AS TEXT), "
	          "label = CAST(X'6C61FE62' AS TEXT)");
	CHECK_EQ_INT(mfa_factor_list(ctx, NULL, &list, &n), MFA_OK);
	CHECK_EQ_INT(n, 1);
	if (n == 1)
		CHECK_STR(list[0].user, "b\xffob");
	mfa_factor_list_free(&list);
	CHECK_EQ_INT(mfa_user_export(ctx, "b\xffob", &json), MFA_OK);
	CHECK(json && strstr(json, "\"user\": \"b\\\\xffob\"") != NULL);
	CHECK(json && strstr(json, "\"label\": \"la\\\\xfeb\"") != NULL);
	free(json);
	CHECK_EQ_INT(mfa_user_delete(ctx, "b\xffob", "test"), MFA_OK);
	CHECK_EQ_INT(mfa_factor_list(ctx, NULL, &list, &n), MFA_OK);
	CHECK_EQ_INT(n, 0);
	mfa_factor_list_free(&list);
	mfa_ctx_free(&ctx);
}

const struct test_case store_tests[] = {
	{ "store_migrates_v1", store_migrates_v1 },
	{ "challenges_once_bound_expiring", challenges_once_bound_expiring },
	{ "challenges_expired_are_swept", challenges_expired_are_swept },
	{ "store_missing", store_missing },
	{ "store_files_trusted", store_files_trusted },
	{ "store_files_group", store_files_group },
	{ "store_not_a_database", store_not_a_database },
	{ "store_directory_instead", store_directory_instead },
	{ "store_newer_schema", store_newer_schema },
	{ "store_corrupt_record_denies", store_corrupt_record_denies },
	{ "period_range_one_everywhere", period_range_one_everywhere },
	{ "store_moved_secret_denies", store_moved_secret_denies },
	{ "store_wrong_key_denies", store_wrong_key_denies },
	{ "store_setup_idempotent", store_setup_idempotent },
	{ "store_legacy_names_not_utf8", store_legacy_names_not_utf8 },
	{ NULL, NULL },
};
