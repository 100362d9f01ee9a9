/*
 * group.h - group commit: the write transactions of logins that threads of
 * one process run at the same time on the same store become one
 * transaction and one commit (see group.c).
 */
#ifndef MFA_GROUP_H
#define MFA_GROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"
#include "store.h"

/* The transaction a body runs in: its own (nested false: the body begins
 * and commits it) or a savepoint of a batch's (nested true: begun, user
 * locked, savepoint set; the body ends it with group_tx_commit or
 * group_tx_rollback, the batch commits). */
struct group_tx {
	struct store *st;
	bool nested;
	bool open;      /* nested: the savepoint is still set */
	bool broken;    /* nested: undoing it failed, the batch cannot go on */
};

/* One login's transaction, begin to commit (see struct group_tx), from a
 * fresh start each time: a batch may run it again. Returns a verdict, an
 * mfa_err, or STORE_RETRY. */
typedef int (*group_body)(void *arg, struct group_tx *tx);

/* Runs body for user in a write transaction shared with the other threads
 * of this process that run one on the same store (ctx->cfg.store) at the
 * same time; returns once that transaction's commit is done (its failure is
 * every member's: MFA_ERR_STORE or what commit said, detail in ctx). Alone,
 * the body runs as it would without group commit (store_retry). */
int group_run(mfa_ctx *ctx, const char *user, group_body body, void *arg);

/* Whether a batch is being written on ctx's store by another thread of
 * this process (group commit on): a login now would wait for it. */
bool group_busy(mfa_ctx *ctx);

/* A nested body keeps (commit) or undoes (rollback) what it wrote; on its
 * own transaction these are the store's commit and rollback. */
int group_tx_commit(struct group_tx *tx);
void group_tx_rollback(struct group_tx *tx);

/* What group commit did in this process (benchmarks, tests). */
struct group_stats {
	unsigned long batches;     /* transactions of two members or more */
	unsigned long batched;     /* members in them */
	unsigned long alone;       /* bodies that ran alone */
	unsigned long retries;     /* batches run again (serialisation failure, deadlock) */
	unsigned long largest;     /* members in the largest batch */
};
void group_stats_get(struct group_stats *out);
/* Members waiting for a leader on store uri (tests). */
size_t group_waiting(const char *store_uri);

#endif
