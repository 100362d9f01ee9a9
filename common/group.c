/*
 * group.c - group commit for logins. A login writes (replay state, lockout
 * counters), so each one is a write transaction, and the writers of one
 * store take turns: on SQLite one at a time for the whole database, and a
 * commit each. Threads of one process that verify at the same time on the
 * same store (radiusd's, mfad's) join a queue instead; the first to find
 * no leader leads: it takes every member waiting (itself included), runs
 * them in one transaction on its own connection, each inside a savepoint,
 * commits once, then wakes them all. Who arrives while a batch runs waits
 * for the next one, which one of them leads.
 *
 * What each login is promised holds for every member:
 * - no verdict before its commit: members return only after the batch's
 *   commit, and a commit failure is every member's failure;
 * - one member's failure is its own: its savepoint is rolled back and the
 *   others go on;
 * - the same user twice in a batch: the second runs after the first's
 *   writes, in the same transaction, and sees the code used (replay);
 * - across processes and servers nothing changes: the batch locks each
 *   member's user (sorted: two batches never wait on each other in a
 *   cycle) before any member runs; a serialisation failure or deadlock
 *   (STORE_RETRY) runs the whole batch again, from begin.
 * A member alone runs its body as if there were no group (store_retry): a
 * process with one thread (mfactl) pays two uncontended mutexes more.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"

#define GROUP_BATCH_MAX 64   /* the config's group_commit at most */

struct group_member {
	mfa_ctx *ctx;
	const char *user;
	group_body body;
	void *arg;
	int result;
	bool done;
	pthread_cond_t wake;      /* its own: a batch's end wakes its members and the next leader only */
	struct group_member *next;
};

/* The threads of this process verifying on one store. */
struct group {
	char *store;              /* its URI, cfg.store */
	unsigned refs;            /* threads inside group_run (under groups_lock) */
	pthread_mutex_t lock;
	bool leading;             /* a batch is running */
	struct group_member *head, **tail;
	size_t waiting;
	struct group *next;
};

static pthread_mutex_t groups_lock = PTHREAD_MUTEX_INITIALIZER;
static struct group *groups;
static struct group_stats stats;   /* under groups_lock */

static struct group *group_get(const char *uri)
{
	struct group *g;

	pthread_mutex_lock(&groups_lock);
	for (g = groups; g && strcmp(g->store, uri) != 0; g = g->next)
		;
	if (!g && (g = calloc(1, sizeof(*g)))) {
		if (!(g->store = strdup(uri))) {
			free(g);
			g = NULL;
		} else {
			pthread_mutex_init(&g->lock, NULL);
			g->tail = &g->head;
			g->next = groups;
			groups = g;
		}
	}
	if (g)
		g->refs++;
	pthread_mutex_unlock(&groups_lock);
	return g;
}

/* The last thread out frees it: groups live while someone verifies. */
static void group_put(struct group *g)
{
	pthread_mutex_lock(&groups_lock);
	if (--g->refs == 0) {
		struct group **p = &groups;

		while (*p != g)
			p = &(*p)->next;
		*p = g->next;
		pthread_mutex_destroy(&g->lock);
		free(g->store);
		free(g);
	}
	pthread_mutex_unlock(&groups_lock);
}

int group_tx_commit(struct group_tx *tx)
{
	int r;

	if (!tx->nested)
		return tx->st->ops->commit(tx->st);
	if (!tx->open)
		return MFA_OK;
	tx->open = false;
	if ((r = tx->st->ops->savepoint(tx->st, STORE_SP_RELEASE)) != MFA_OK)
		tx->broken = true;
	return r;
}

void group_tx_rollback(struct group_tx *tx)
{
	if (!tx->nested) {
		tx->st->ops->rollback(tx->st);
		return;
	}
	if (!tx->open)
		return;
	tx->open = false;
	if (tx->st->ops->savepoint(tx->st, STORE_SP_ROLLBACK) != MFA_OK)
		tx->broken = true;
}

/* The member alone: its own connection, its own transaction. */
static int member_alone(struct group_member *m)
{
	struct group_tx tx = { .st = m->ctx->store };
	int r = STORE_RETRY;

	for (unsigned i = 0; i < STORE_TRIES && r == STORE_RETRY; i++)
		r = m->body(m->arg, &tx);
	return r == STORE_RETRY ? MFA_ERR_STORE : r;
}

/* One run of a batch on st: MFA_OK once committed (each member's result
 * set), else why the whole batch failed (rolled back). */
static int batch_try(struct store *st, struct group_member **m, size_t n)
{
	const char *users[GROUP_BATCH_MAX];
	int r;

	for (size_t i = 0; i < n; i++)
		users[i] = m[i]->user;
	if ((r = store_begin_users(st, users, n)) != MFA_OK)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct group_tx tx = { .st = st, .nested = true };

		if ((r = st->ops->savepoint(st, STORE_SP_SET)) != MFA_OK)
			goto fail;
		tx.open = true;
		m[i]->result = m[i]->body(m[i]->arg, &tx);
		group_tx_rollback(&tx);   /* what the body left open */
		if (m[i]->result == STORE_RETRY) {
			r = STORE_RETRY;
			goto fail;
		}
		if (tx.broken) {
			r = MFA_ERR_STORE;
			goto fail;
		}
	}
	/* A failed commit ends the transaction (the backends roll back). */
	return st->ops->commit(st);
fail:
	st->ops->rollback(st);
	return r;
}

/* Runs n members (n >= 2) in one transaction on the leader's connection. */
static void batch_run(mfa_ctx *leader, struct group_member **m, size_t n)
{
	struct store *st = leader->store;
	unsigned tries = 0;
	int r = STORE_RETRY;

	while (r == STORE_RETRY && tries++ < STORE_TRIES)
		r = batch_try(st, m, n);
	if (r != MFA_OK) {
		/* Nothing of the batch was kept: every member fails, and says why. */
		r = r == STORE_RETRY ? MFA_ERR_STORE : r;
		for (size_t i = 0; i < n; i++)
			m[i]->result = ctx_fail(m[i]->ctx, r, "%s",
			                        st->err[0] ? st->err : mfa_strerror(r));
		st->err[0] = '\0';
	}
	pthread_mutex_lock(&groups_lock);
	stats.batches++;
	stats.batched += n;
	stats.retries += tries - 1;
	if (n > stats.largest)
		stats.largest = n;
	pthread_mutex_unlock(&groups_lock);
}

/* Logins a transaction may hold on ctx's store. */
static size_t group_most(const mfa_ctx *ctx)
{
	size_t most = ctx->cfg.group_commit ? ctx->cfg.group_commit : ctx->store->ops->group_default;

	return most > GROUP_BATCH_MAX ? GROUP_BATCH_MAX : most;
}

int group_run(mfa_ctx *ctx, const char *user, group_body body, void *arg)
{
	struct group_member me = { .ctx = ctx, .user = user, .body = body, .arg = arg };
	size_t most = group_most(ctx);
	struct group *g;

	if (most <= 1)
		return member_alone(&me);
	if (!(g = group_get(ctx->cfg.store)))
		return ctx_fail(ctx, MFA_ERR_NOMEM, "out of memory");
	pthread_cond_init(&me.wake, NULL);
	pthread_mutex_lock(&g->lock);
	*g->tail = &me;
	g->tail = &me.next;
	g->waiting++;
	while (!me.done) {
		struct group_member *batch[GROUP_BATCH_MAX];
		size_t n = 0;

		if (g->leading) {
			pthread_cond_wait(&me.wake, &g->lock);
			continue;
		}
		g->leading = true;
		while (g->head && n < most) {
			batch[n++] = g->head;
			g->head = g->head->next;
		}
		if (!g->head)
			g->tail = &g->head;
		g->waiting -= n;
		pthread_mutex_unlock(&g->lock);
		if (n == 1) {
			batch[0]->result = member_alone(batch[0]);
			pthread_mutex_lock(&groups_lock);
			stats.alone++;
			pthread_mutex_unlock(&groups_lock);
		} else {
			batch_run(ctx, batch, n);
		}
		pthread_mutex_lock(&g->lock);
		/* Under the lock: a member returns, and drops its wake, only
		 * once this is over. Waking every waiter instead would make the
		 * next batch's members switch in to sleep again. */
		for (size_t i = 0; i < n; i++) {
			batch[i]->done = true;
			pthread_cond_signal(&batch[i]->wake);
		}
		g->leading = false;
		if (g->head)
			pthread_cond_signal(&g->head->wake);   /* it leads the next batch */
	}
	pthread_mutex_unlock(&g->lock);
	pthread_cond_destroy(&me.wake);
	group_put(g);
	return me.result;
}

bool group_busy(mfa_ctx *ctx)
{
	bool busy = false;

	if (group_most(ctx) <= 1)
		return false;
	pthread_mutex_lock(&groups_lock);
	for (struct group *g = groups; g && !busy; g = g->next)
		if (!strcmp(g->store, ctx->cfg.store)) {
			pthread_mutex_lock(&g->lock);
			busy = g->leading;
			pthread_mutex_unlock(&g->lock);
		}
	pthread_mutex_unlock(&groups_lock);
	return busy;
}

void group_stats_get(struct group_stats *out)
{
	pthread_mutex_lock(&groups_lock);
	*out = stats;
	pthread_mutex_unlock(&groups_lock);
}

size_t group_waiting(const char *store_uri)
{
	size_t n = 0;

	pthread_mutex_lock(&groups_lock);
	for (struct group *g = groups; g; g = g->next)
		if (!strcmp(g->store, store_uri)) {
			pthread_mutex_lock(&g->lock);
			n = g->waiting;
			pthread_mutex_unlock(&g->lock);
		}
	pthread_mutex_unlock(&groups_lock);
	return n;
}
