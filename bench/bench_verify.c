/*
 * bench_verify.c - TOTP verifications per second through the full path
 * (mfa_verify: SQLite transaction, decryption, replay and lockout state,
 * audit) beside liboath's own validation alone, in one run on one core;
 * the same users sending wrong codes, whose cost must not exceed a right
 * one's (a failure also reads recovery codes and counts failures); then
 * the same from 4 threads, each with its own context on one store, as
 * radiusd's and mfad's threads run it (group commit, common/group.c).
 *
 *   build/bench_verify [--seconds S] [--users N] [--dir DIR]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include <liboath/oath.h>

#include "bench.h"
#include "group.h"
#include "mfa.h"

#define BENCH_THREADS 4

struct bench_user {
	char name[32];
	char secret[20];
	char code[9];
};

static mfa_ctx *bench_setup(const char *dir, const char *tag, const char *extra,
                            struct bench_user *users, int nusers)
{
	char path[512], store[512];
	mfa_ctx *ctx = NULL;
	unsigned created;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.conf", dir, tag);
	snprintf(store, sizeof(store), "%s/%s.db", dir, tag);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fprintf(f, "store = sqlite:%s\nkey_file = %s/mfa.key\naudit_syslog = no\n%s\n", store, dir,
	        extra);
	fclose(f);
	if (mfa_ctx_new(&ctx) != MFA_OK || mfa_setup(ctx, path, &created) != MFA_OK) {
		fprintf(stderr, "bench: setup: %s\n", ctx ? mfa_ctx_error(ctx) : "no memory");
		exit(2);
	}
	mfa_ctx_set_clock(ctx, bench_clock, NULL);
	for (int i = 0; i < nusers; i++) {
		struct mfa_otp_params p = { .algorithm = -1, .label = "bench" };
		mfa_enrollment *e = NULL;
		char *raw = NULL;
		size_t len = 0;

		if (mfa_enroll_begin(ctx, users[i].name, &p, &e) != MFA_OK ||
		    mfa_enroll_activate(ctx, e) != MFA_OK ||
		    oath_base32_decode(mfa_enrollment_secret_base32(e),
		                       strlen(mfa_enrollment_secret_base32(e)), &raw, &len) != OATH_OK ||
		    len != sizeof(users[i].secret)) {
			fprintf(stderr, "bench: enroll: %s\n", mfa_ctx_error(ctx));
			exit(2);
		}
		memcpy(users[i].secret, raw, len);
		free(raw);
		mfa_enrollment_free(&e);
	}
	return ctx;
}

/* A code no step within drift_report (900 s, 30 steps) of now gives this
 * user: refused as wrong, not as off in time. */
#define WRONG_REACH 31
static void wrong_code(const struct bench_user *u, char code[9])
{
	char near[2 * WRONG_REACH + 1][9];
	bool taken;

	for (int d = -WRONG_REACH; d <= WRONG_REACH; d++)
		oath_totp_generate(u->secret, sizeof(u->secret), bench_now + 30 * d, 30, 0, 6,
		                   near[d + WRONG_REACH]);
	for (unsigned n = (unsigned)atoi(near[WRONG_REACH]);; n = (n + 1) % 1000000) {
		snprintf(code, 9, "%06u", n);
		taken = false;
		for (int i = 0; i < 2 * WRONG_REACH + 1; i++)
			taken |= !strcmp(code, near[i]);
		if (!taken)
			return;
	}
}

/* Runs rounds over all users (one step later each round) for `budget` s,
 * with the right codes, or with wrong ones: then every verdict must be
 * MFA_ERR_BAD_CODE, and at most WRONG_ROUNDS rounds run, below the
 * config's lockout_threshold, so that no user locks (a locked refusal
 * would skip the work measured). */
#define WRONG_ROUNDS 500
static double bench_full(mfa_ctx *ctx, struct bench_user *users, int nusers, double budget,
                         bool wrong)
{
	int expect = wrong ? MFA_ERR_BAD_CODE : MFA_OK;
	double spent = 0;
	long done = 0;

	for (int round = 0; spent < budget && (!wrong || round < WRONG_ROUNDS); round++) {
		struct timespec t0;

		bench_now += 30;
		for (int i = 0; i < nusers; i++) {
			if (wrong)
				wrong_code(&users[i], users[i].code);
			else
				oath_totp_generate(users[i].secret, sizeof(users[i].secret), bench_now, 30,
				                   0, 6, users[i].code);
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < nusers; i++) {
			struct mfa_request req = { .user = users[i].name, .code = users[i].code,
				                   .source = "bench" };
			struct mfa_verdict v;

			if (mfa_verify(ctx, &req, &v) != expect) {
				fprintf(stderr, "bench: a %s code got %s: %s\n", wrong ? "wrong" : "right",
				        mfa_strerror(v.result), mfa_ctx_error(ctx));
				exit(2);
			}
		}
		spent += seconds_since(&t0);
		done += nusers;
	}
	return (double)done / spent;
}

/* tag.conf: from's config with one more line (the same store). */
static void config_copy(const char *dir, const char *from, const char *tag, const char *line)
{
	char src[512], dst[512], buf[2048];
	FILE *in, *out;
	size_t n;

	snprintf(src, sizeof(src), "%s/%s.conf", dir, from);
	snprintf(dst, sizeof(dst), "%s/%s.conf", dir, tag);
	if (!(in = fopen(src, "r")) || !(out = fopen(dst, "w"))) {
		perror(dst);
		exit(2);
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fprintf(out, "\n%s\n", line);
	fclose(in);
	if (fclose(out) != 0)
		exit(2);
}

struct bench_thread {
	mfa_ctx *ctx;
	struct bench_user *users;
	int first, nusers;
};

/* Every BENCH_THREADS-th user from first on. */
static void *bench_thread_run(void *arg)
{
	struct bench_thread *t = arg;

	for (int i = t->first; i < t->nusers; i += BENCH_THREADS) {
		struct mfa_request req = { .user = t->users[i].name, .code = t->users[i].code,
			                   .source = "bench" };
		struct mfa_verdict v;

		if (mfa_verify(t->ctx, &req, &v) != MFA_OK) {
			fprintf(stderr, "bench: verify refused: %s %s\n", mfa_strerror(v.result),
			        mfa_ctx_error(t->ctx));
			exit(2);
		}
	}
	return NULL;
}

/* As bench_full, the users shared out among BENCH_THREADS threads, each
 * with its own context on the store of ctx's config; *per_batch: members
 * per shared transaction. */
static double bench_threads(const char *config, struct bench_user *users, int nusers,
                            double budget, double *per_batch)
{
	struct bench_thread t[BENCH_THREADS];
	struct group_stats g0, g1;
	double spent = 0;
	long done = 0;

	for (int i = 0; i < BENCH_THREADS; i++) {
		t[i] = (struct bench_thread){ .users = users, .first = i, .nusers = nusers };
		if (mfa_ctx_new(&t[i].ctx) != MFA_OK || mfa_config_load(t[i].ctx, config) != MFA_OK ||
		    mfa_open(t[i].ctx) != MFA_OK) {
			fprintf(stderr, "bench: open: %s\n", t[i].ctx ? mfa_ctx_error(t[i].ctx) : "no memory");
			exit(2);
		}
		mfa_ctx_set_clock(t[i].ctx, bench_clock, NULL);
	}
	group_stats_get(&g0);
	while (spent < budget) {
		pthread_t tid[BENCH_THREADS];
		struct timespec t0;

		bench_now += 30;
		for (int i = 0; i < nusers; i++)
			oath_totp_generate(users[i].secret, sizeof(users[i].secret), bench_now, 30, 0, 6,
			                   users[i].code);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < BENCH_THREADS; i++)
			if (pthread_create(&tid[i], NULL, bench_thread_run, &t[i]) != 0)
				exit(2);
		for (int i = 0; i < BENCH_THREADS; i++)
			pthread_join(tid[i], NULL);
		spent += seconds_since(&t0);
		done += nusers;
	}
	group_stats_get(&g1);
	*per_batch = (double)done / (double)(g1.batches - g0.batches + g1.alone - g0.alone);
	if (getenv("BENCH_GROUP_STATS"))
		fprintf(stderr, "group: %lu batches of %lu, %lu alone, largest %lu, retries %lu\n",
		        g1.batches - g0.batches, g1.batched - g0.batched, g1.alone - g0.alone, g1.largest,
		        g1.retries - g0.retries);
	for (int i = 0; i < BENCH_THREADS; i++)
		mfa_ctx_free(&t[i].ctx);
	return (double)done / spent;
}

static double bench_liboath(struct bench_user *users, int nusers, double budget)
{
	double spent = 0;
	long done = 0;

	while (spent < budget) {
		struct timespec t0;

		bench_now += 30;
		for (int i = 0; i < nusers; i++)
			oath_totp_generate(users[i].secret, sizeof(users[i].secret), bench_now, 30, 0, 6,
			                   users[i].code);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < nusers; i++)
			if (oath_totp_validate(users[i].secret, sizeof(users[i].secret), bench_now, 30, 0, 1,
			                       users[i].code) < 0) {
				fprintf(stderr, "bench: liboath refused its own code\n");
				exit(2);
			}
		spent += seconds_since(&t0);
		done += nusers;
	}
	return (double)done / spent;
}

int main(int argc, char **argv)
{
	double budget = 2.0;
	int nusers = 1000;
	char dir[] = "/tmp/mfa-bench-XXXXXX", cmd[64];
	struct bench_user *users;
	mfa_ctx *ctx;
	double oath_rate, full_rate, wrong_rate, audit_rate, sync_rate, threads_rate, per_batch;
	double alone_rate, sync_threads_rate, sync_alone_rate, sync_per_batch, unused;
	char config[600];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			budget = atof(argv[++i]);
		else if (!strcmp(argv[i], "--users") && i + 1 < argc)
			nusers = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_verify [--seconds S] [--users N]\n");
			return 2;
		}
	}
	if (budget <= 0 || nusers < 1 || nusers > 1000000 || !mkdtemp(dir))
		return 2;
	users = calloc((size_t)nusers, sizeof(*users));
	if (!users)
		return 2;
	for (int i = 0; i < nusers; i++)
		snprintf(users[i].name, sizeof(users[i].name), "user%06d", i);
	oath_init();

	printf("bench_verify: %d users, TOTP SHA1 6 digits, window -1/+1, one core, %.1f s each\n",
	       nusers, budget);
	/* lockout_threshold above WRONG_ROUNDS: wrong codes never lock a user. */
	ctx = bench_setup(dir, "normal", "lockout_threshold = 1000", users, nusers);
	oath_rate = bench_liboath(users, nusers, budget);
	full_rate = bench_full(ctx, users, nusers, budget, false);
	wrong_rate = bench_full(ctx, users, nusers, budget, true);
	mfa_ctx_free(&ctx);
	snprintf(config, sizeof(config), "%s/normal.conf", dir);
	threads_rate = bench_threads(config, users, nusers, budget, &per_batch);
	/* The same store, each login its own transaction (as before group commit). */
	config_copy(dir, "normal", "alone", "group_commit = 1");
	snprintf(config, sizeof(config), "%s/alone.conf", dir);
	alone_rate = bench_threads(config, users, nusers, budget, &unused);
	{
		char extra[600];

		snprintf(extra, sizeof(extra), "audit_file = %s/audit.json", dir);
		ctx = bench_setup(dir, "audit", extra, users, nusers);
	}
	audit_rate = bench_full(ctx, users, nusers, budget, false);
	mfa_ctx_free(&ctx);
	ctx = bench_setup(dir, "sync", "sqlite_sync_full = yes", users, nusers);
	sync_rate = bench_full(ctx, users, nusers, budget / 4, false);
	mfa_ctx_free(&ctx);
	snprintf(config, sizeof(config), "%s/sync.conf", dir);
	sync_threads_rate = bench_threads(config, users, nusers, budget / 4, &sync_per_batch);
	config_copy(dir, "sync", "sync_alone", "group_commit = 1");
	snprintf(config, sizeof(config), "%s/sync_alone.conf", dir);
	sync_alone_rate = bench_threads(config, users, nusers, budget / 4, &unused);

	printf("%-58s %10.0f verifications/s\n", "liboath oath_totp_validate alone (no store)", oath_rate);
	printf("%-58s %10.0f verifications/s  (%.0f%% of liboath)\n",
	       "mfa_verify full path, SQLite WAL, synchronous=NORMAL", full_rate,
	       100.0 * full_rate / oath_rate);
	printf("%-58s %10.0f verifications/s\n", "  same users and store, a wrong code each", wrong_rate);
	printf("ratio wrong / right cost: %.2f (goal <= 1.00)\n", full_rate / wrong_rate);
	printf("%-58s %10.0f verifications/s  (%.2fx one thread; %.1f per commit)\n",
	       "  same, 4 threads sharing one store (group commit)", threads_rate,
	       threads_rate / full_rate, per_batch);
	printf("%-58s %10.0f verifications/s\n", "  same, 4 threads, each login its own transaction",
	       alone_rate);
	printf("%-58s %10.0f verifications/s\n", "  same, plus a JSON audit_file line each", audit_rate);
	printf("%-58s %10.0f verifications/s\n", "  same as full path, sqlite_sync_full = yes (fsync)",
	       sync_rate);
	printf("%-58s %10.0f verifications/s  (%.2fx one thread; %.1f per commit)\n",
	       "  same, 4 threads sharing one store (group commit)", sync_threads_rate,
	       sync_threads_rate / sync_rate, sync_per_batch);
	printf("%-58s %10.0f verifications/s\n", "  same, 4 threads, each login its own transaction",
	       sync_alone_rate);
	printf("goal: full path >= 10000 verifications/s: %s\n", full_rate >= 10000 ? "met" : "NOT met");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: could not remove %s\n", dir);
	free(users);
	return 0;
}
