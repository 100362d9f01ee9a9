/* test_group.c - group commit (common/group.c) with real threads: who
 * joins a batch, what one member's failure and the commit's failure do to
 * the others, and a process killed in the middle of batches. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "env.h"
#include "group.h"
#include "internal.h"
#include "store.h"

#define THREADS_MAX 8

static const char *secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/* Stores whose begin(write) can be held once (so that the others queue
 * behind a leader, deterministically) and whose commit can be made to fail. */
static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cond = PTHREAD_COND_INITIALIZER;
static bool hold_armed, hold_held;
static const struct store_ops *real_ops;
static struct store_ops held_ops, failing_ops;

static int held_begin(struct store *s, bool write)
{
	pthread_mutex_lock(&hold_lock);
	if (write && hold_armed) {
		hold_armed = false;
		hold_held = true;
		pthread_cond_broadcast(&hold_cond);
		while (hold_held)
			pthread_cond_wait(&hold_cond, &hold_lock);
	}
	pthread_mutex_unlock(&hold_lock);
	return real_ops->begin(s, write);
}

static int failing_commit(struct store *s)
{
	real_ops->rollback(s);
	snprintf(s->err, sizeof(s->err), "commit failed (injected)");
	return MFA_ERR_STORE;
}

static void ops_wrap(mfa_ctx *ctx, const struct store_ops *ops)
{
	real_ops = ctx->store->ops == &held_ops || ctx->store->ops == &failing_ops ? real_ops
	                                                                            : ctx->store->ops;
	held_ops = *real_ops;
	held_ops.begin = held_begin;
	failing_ops = held_ops;
	failing_ops.commit = failing_commit;
	ctx->store->ops = ops == real_ops ? real_ops : ops == &held_ops ? &held_ops : &failing_ops;
}

struct member {
	mfa_ctx *ctx;
	const char *user;
	char code[9];
	int result;
	char error[512];
	pthread_t tid;
	bool done;
};

static void *member_main(void *arg)
{
	struct member *m = arg;

	m->result = env_verify(m->ctx, m->user, m->code, NULL);
	snprintf(m->error, sizeof(m->error), "%s", mfa_ctx_error(m->ctx));
	pthread_mutex_lock(&hold_lock);
	m->done = true;
	pthread_mutex_unlock(&hold_lock);
	return NULL;
}

/* Waits (bounded: a hang is a failure, not a timing) until n members wait
 * for a leader on ctx's store. */
static bool waiting_for(mfa_ctx *ctx, size_t n)
{
	for (int i = 0; i < 20000; i++) {
		if (group_waiting(ctx->cfg.store) >= n)
			return true;
		usleep(500);
	}
	fprintf(stderr, "  %zu members never queued\n", n);
	return false;
}

/* m[0] starts and is held at its begin, m[1..n-1] queue one after the other
 * (in that order) behind it; then all run: m[0] alone, the rest in one
 * batch. Returns whether that batch ran. */
static bool run_batch(struct member *m, size_t n)
{
	struct group_stats before, after;
	bool ok = true;

	group_stats_get(&before);
	pthread_mutex_lock(&hold_lock);
	hold_armed = true;
	pthread_mutex_unlock(&hold_lock);
	pthread_create(&m[0].tid, NULL, member_main, &m[0]);
	pthread_mutex_lock(&hold_lock);
	while (!hold_held)
		pthread_cond_wait(&hold_cond, &hold_lock);
	pthread_mutex_unlock(&hold_lock);
	for (size_t i = 1; i < n; i++) {
		pthread_create(&m[i].tid, NULL, member_main, &m[i]);
		ok = ok && waiting_for(m[0].ctx, i);
	}
	pthread_mutex_lock(&hold_lock);
	hold_held = false;
	pthread_cond_broadcast(&hold_cond);
	pthread_mutex_unlock(&hold_lock);
	for (size_t i = 0; i < n; i++)
		pthread_join(m[i].tid, NULL);
	group_stats_get(&after);
	return ok && after.batches == before.batches + 1 && after.batched == before.batched + n - 1;
}

static void code_now(char code[9])
{
	env_code(secret, NULL, 6, (uint64_t)test_now / 30, code);
}

/* One user, one code, seven threads in one batch: exactly one success; the
 * others see its write in the same transaction (replay). Each checked the
 * code before the write, while the leader's batch ran (prepare); the first
 * of the batch applies its check, the others find the row moved and check
 * again against it. */
static void group_race_one_user(void)
{
	struct test_env env;
	mfa_ctx *admin = env_new(&env, "lockout_threshold = 0\ngroup_commit = 64");
	struct member m[THREADS_MAX];
	int rounds_ok = 0;

	CHECK_EQ_INT(env_enroll(admin, "race", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	CHECK_EQ_INT(env_enroll(admin, "lead", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	for (int i = 0; i < THREADS_MAX; i++) {
		m[i].ctx = env_open(&env);
		ops_wrap(m[i].ctx, &held_ops);
		m[i].user = i == 0 ? "lead" : "race";
	}
	for (int round = 0; round < 5; round++) {
		int wins = 0, replays = 0;
		unsigned long used = 0, again = 0;

		test_now += 30;
		for (int i = 0; i < THREADS_MAX; i++) {
			code_now(m[i].code);
			m[i].ctx->otp_prepared_used = m[i].ctx->otp_checked_in_write = 0;
		}
		CHECK(run_batch(m, THREADS_MAX));
		CHECK_EQ_INT(m[0].result, MFA_OK);
		for (int i = 1; i < THREADS_MAX; i++) {
			wins += m[i].result == MFA_OK;
			replays += m[i].result == MFA_ERR_REPLAY;
			used += m[i].ctx->otp_prepared_used;
			again += m[i].ctx->otp_checked_in_write;
		}
		rounds_ok += wins == 1 && replays == THREADS_MAX - 2 && used == 1 &&
		             again == THREADS_MAX - 2;
	}
	CHECK_EQ_INT(rounds_ok, 5);
	for (int i = 0; i < THREADS_MAX; i++)
		mfa_ctx_free(&m[i].ctx);
	mfa_ctx_free(&admin);
}

/* Members that fail do so alone: one whose factor is malformed (before it
 * wrote anything), one whose acceptance cannot be audited (after it wrote
 * the used code: rolled back to its savepoint, the code stays unused). The
 * members before and after them are accepted, their codes used for good. */
static void group_failing_member(void)
{
	struct test_env env;
	mfa_ctx *admin = env_new(&env, "audit_required = yes\ngroup_commit = 64");
	static const char *const users[] = { "lead", "good1", "bad", "noaudit", "good2" };
	struct member m[5];

	for (int i = 0; i < 5; i++) {
		CHECK_EQ_INT(env_enroll(admin, users[i], MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
		m[i].ctx = env_open(&env);
		ops_wrap(m[i].ctx, &held_ops);
		m[i].user = users[i];
	}
	snprintf(m[3].ctx->cfg.audit_file, sizeof(m[3].ctx->cfg.audit_file), "%s/no/such/dir/a.json",
	         env.dir);
	CHECK(env_sql(&env, "UPDATE factors SET digits = 42 WHERE user = 'bad'",
	              "UPDATE mfa_factors SET digits = 42 WHERE username = 'bad'"));
	test_now += 30;
	for (int i = 0; i < 5; i++)
		code_now(m[i].code);
	CHECK(run_batch(m, 5));
	CHECK_EQ_INT(m[0].result, MFA_OK);
	CHECK_EQ_INT(m[1].result, MFA_OK);
	CHECK_EQ_INT(m[2].result, MFA_ERR_CORRUPT);
	CHECK(strstr(m[2].error, "malformed") != NULL);
	CHECK_EQ_INT(m[3].result, MFA_ERR_SYSTEM);
	CHECK(strstr(m[3].error, "audit_required") != NULL);
	CHECK_EQ_INT(m[4].result, MFA_OK);
	/* Committed: the accepted codes again are replays; the one refused
	 * for want of its audit event was never used. */
	CHECK_EQ_INT(env_verify(admin, "good1", m[1].code, NULL), MFA_ERR_REPLAY);
	CHECK_EQ_INT(env_verify(admin, "good2", m[4].code, NULL), MFA_ERR_REPLAY);
	CHECK_EQ_INT(env_verify(admin, "noaudit", m[3].code, NULL), MFA_OK);
	/* Prepared before the write while the leader's batch ran: the good
	 * members' checks were used as made; a lone login (admin) checks in
	 * its write only, as without group commit. */
	CHECK_EQ_INT(m[1].ctx->otp_prepared_used, 1);
	CHECK_EQ_INT(m[4].ctx->otp_prepared_used, 1);
	CHECK_EQ_INT(admin->otp_prepared_used, 0);
	CHECK(admin->otp_checked_in_write >= 3);
	for (int i = 0; i < 5; i++)
		mfa_ctx_free(&m[i].ctx);
	mfa_ctx_free(&admin);
}

/* The batch's commit fails: every member is told (none accepted, none
 * refused as if the code were wrong), and nothing was used up. */
static void group_commit_failure(void)
{
	struct test_env env;
	mfa_ctx *admin = env_new(&env, "audit_required = yes\ngroup_commit = 64");
	static const char *const users[] = { "lead", "u1", "u2", "u3", "u3" };
	struct member m[5];

	for (int i = 0; i < 5; i++) {
		if (i < 4)
			CHECK_EQ_INT(env_enroll(admin, users[i], MFA_FACTOR_TOTP, NULL, 6, secret, NULL),
			             MFA_OK);
		m[i].ctx = env_open(&env);
		/* The leader of the batch is one of m[1..4]: theirs all fail. */
		ops_wrap(m[i].ctx, i == 0 ? &held_ops : &failing_ops);
		m[i].user = users[i];
	}
	test_now += 30;
	for (int i = 0; i < 5; i++)
		code_now(m[i].code);
	CHECK(run_batch(m, 5));
	CHECK_EQ_INT(m[0].result, MFA_OK);
	for (int i = 1; i < 5; i++) {
		CHECK_EQ_INT(m[i].result, MFA_ERR_STORE);
		CHECK(strstr(m[i].error, "injected") != NULL);
	}
	/* audit_required: the acceptances audited before the commit are
	 * audited again as errors. */
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"error\""), 4);
	for (int i = 1; i < 4; i++)
		CHECK_EQ_INT(env_verify(admin, users[i], m[i].code, NULL), MFA_OK);
	for (int i = 0; i < 5; i++)
		mfa_ctx_free(&m[i].ctx);
	mfa_ctx_free(&admin);
}

/* group_commit = 1: no batches. A login while another thread is in the
 * middle of its own goes ahead on its own (it would wait for the other's
 * transaction with group commit on), and checks its code in its write. */
static void group_commit_off(void)
{
	struct test_env env;
	mfa_ctx *admin = env_new(&env, "group_commit = 1");
	struct member m[2];
	struct group_stats before, after;

	for (int i = 0; i < 2; i++) {
		m[i].user = i == 0 ? "lead" : "other";
		CHECK_EQ_INT(env_enroll(admin, m[i].user, MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
		m[i].ctx = env_open(&env);
		ops_wrap(m[i].ctx, &held_ops);
	}
	test_now += 30;
	code_now(m[0].code);
	code_now(m[1].code);
	group_stats_get(&before);
	pthread_mutex_lock(&hold_lock);
	hold_armed = true;
	pthread_mutex_unlock(&hold_lock);
	pthread_create(&m[0].tid, NULL, member_main, &m[0]);
	pthread_mutex_lock(&hold_lock);
	while (!hold_held)
		pthread_cond_wait(&hold_cond, &hold_lock);
	pthread_mutex_unlock(&hold_lock);
	/* m[0] is held before its begin: m[1] runs to the end meanwhile
	 * (bounded: were it queued behind m[0], that is the failure). */
	m[1].done = false;
	pthread_create(&m[1].tid, NULL, member_main, &m[1]);
	for (int i = 0; i < 20000; i++) {
		bool done;

		pthread_mutex_lock(&hold_lock);
		done = m[1].done;
		pthread_mutex_unlock(&hold_lock);
		if (done)
			break;
		usleep(500);
	}
	pthread_mutex_lock(&hold_lock);
	CHECK(m[1].done);
	pthread_mutex_unlock(&hold_lock);
	CHECK_EQ_INT(m[1].result, MFA_OK);
	CHECK_EQ_INT(m[1].ctx->otp_prepared_used, 0);
	CHECK_EQ_INT(m[1].ctx->otp_checked_in_write, 1);
	pthread_mutex_lock(&hold_lock);
	hold_held = false;
	pthread_cond_broadcast(&hold_cond);
	pthread_mutex_unlock(&hold_lock);
	pthread_join(m[0].tid, NULL);
	pthread_join(m[1].tid, NULL);
	CHECK_EQ_INT(m[0].result, MFA_OK);
	group_stats_get(&after);
	CHECK_EQ_INT(after.batches, before.batches);
	CHECK_EQ_INT(group_waiting(m[0].ctx->cfg.store), 0);
	for (int i = 0; i < 2; i++)
		mfa_ctx_free(&m[i].ctx);
	mfa_ctx_free(&admin);
}

/* kill -9 of a process whose threads verify in batches: every acceptance
 * it reported is durable (the code is used), none was reported twice, and
 * the store works afterwards. HOTP: each code is a counter value. */
#define KILL_USERS 4
#define KILL_THREADS 4
#define KILL_AFTER 150

struct killer_thread {
	mfa_ctx *ctx;
	int fd;
	int first_user;
};

static void *killer_main(void *arg)
{
	struct killer_thread *t = arg;

	/* Two threads per user: each code is tried twice, at the same time. */
	for (uint64_t counter = 0;; counter++)
		for (int k = 0; k < KILL_USERS / 2; k++) {
			char user[16], code[9], line[64];
			int n;

			snprintf(user, sizeof(user), "k%d", t->first_user + k);
			env_code(secret, NULL, 6, counter, code);
			if (env_verify(t->ctx, user, code, NULL) != MFA_OK)
				continue;
			n = snprintf(line, sizeof(line), "%s %llu\n", user, (unsigned long long)counter);
			if (write(t->fd, line, (size_t)n) != n)
				_exit(3);
		}
	return NULL;
}

static void group_kill_mid_batch(void)
{
	struct test_env env;
	mfa_ctx *admin = env_new(&env, "lockout_threshold = 0\ngroup_commit = 64");
	char buf[16384], *p, *line;
	size_t len = 0;
	int fds[2], lines = 0, status;
	pid_t pid;
	bool twice = false;
	char seen[1024][32];
	size_t nseen = 0;

	for (int k = 0; k < KILL_USERS; k++) {
		char user[16];

		snprintf(user, sizeof(user), "k%d", k);
		CHECK_EQ_INT(env_enroll(admin, user, MFA_FACTOR_HOTP, NULL, 6, secret, NULL), MFA_OK);
	}
	CHECK_EQ_INT(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct killer_thread t[KILL_THREADS];
		pthread_t tid[KILL_THREADS];

		close(fds[0]);
		for (int i = 0; i < KILL_THREADS; i++) {
			t[i] = (struct killer_thread){ .ctx = env_open(&env), .fd = fds[1],
				                       .first_user = (i % 2) * (KILL_USERS / 2) };
			pthread_create(&tid[i], NULL, killer_main, &t[i]);
		}
		for (int i = 0; i < KILL_THREADS; i++)
			pthread_join(tid[i], NULL);
		_exit(0);
	}
	close(fds[1]);
	/* Killed once it has reported KILL_AFTER acceptances: by then it is
	 * in the middle of other batches. */
	while (lines < KILL_AFTER && len < sizeof(buf) - 1) {
		ssize_t got = read(fds[0], buf + len, sizeof(buf) - 1 - len);

		if (got <= 0)
			break;
		for (ssize_t i = 0; i < got; i++)
			lines += buf[len + (size_t)i] == '\n';
		len += (size_t)got;
	}
	kill(pid, SIGKILL);
	for (ssize_t got; len < sizeof(buf) - 1 &&
	                  (got = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0;)
		len += (size_t)got;
	close(fds[0]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	buf[len] = '\0';
	CHECK(lines >= KILL_AFTER);
	/* Reported once each, and used for good. */
	for (line = strtok_r(buf, "\n", &p); line; line = strtok_r(NULL, "\n", &p)) {
		char user[16], code[9];
		unsigned long long counter;

		if (sscanf(line, "%15s %llu", user, &counter) != 2) {
			CHECK(!"a line the child wrote");
			continue;
		}
		for (size_t i = 0; i < nseen; i++)
			twice |= !strcmp(seen[i], line);
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", line);
		env_code(secret, NULL, 6, counter, code);
		CHECK(env_verify(admin, user, code, NULL) != MFA_OK);
	}
	CHECK(!twice);
	/* The store works afterwards: each user's next code is accepted. */
	for (int k = 0; k < KILL_USERS; k++) {
		char user[16], code[9];
		int r = MFA_ERR_BAD_CODE;

		snprintf(user, sizeof(user), "k%d", k);
		/* The next counters: one of the next few is unused. */
		for (uint64_t c = 0; c < 400 && r != MFA_OK; c++) {
			env_code(secret, NULL, 6, c, code);
			r = env_verify(admin, user, code, NULL);
		}
		CHECK_EQ_INT(r, MFA_OK);
	}
	mfa_ctx_free(&admin);
}

const struct test_case group_tests[] = {
	{ "group_race_one_user", group_race_one_user },
	{ "group_failing_member", group_failing_member },
	{ "group_commit_failure", group_commit_failure },
	{ "group_commit_off", group_commit_off },
	{ "group_kill_mid_batch", group_kill_mid_batch },
	{ NULL, NULL },
};
