/*
 * store_copy.c - mfactl store copy: every record of the configured store
 * into another one (SQLite to PostgreSQL and back), through store_ops
 * alone. One read snapshot of this store, one write transaction on the
 * target; what was written is read back and compared before the commit, so
 * the target ends up with all of it or with nothing changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "audit.h"
#include "store.h"

struct copy {
	mfa_ctx *ctx;
	struct store *src, *dst;
	const char *uri;                      /* the target, for messages */
	int64_t now;
	/* One try's (store_retry runs it again from begin). */
	char (*users)[MFA_USER_MAX + 1];      /* this store's, sorted */
	size_t nusers;
	struct store_challenge *chal;         /* this store's, unexpired, sorted by id */
	size_t nchal;
	struct store_challenge *dst_chal;     /* the target's before the copy */
	size_t ndst_chal;
	const char **lock;                    /* every user the write touches, sorted */
	size_t nlock;
	struct mfa_copy_counts counts;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int name_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int challenge_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_challenge *)a)->id, ((const struct store_challenge *)b)->id);
}

static int factor_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_factor *)a)->id, ((const struct store_factor *)b)->id);
}

static bool name_in(const char *name, char (*names)[MFA_USER_MAX + 1], size_t n)
{
	return n && bsearch(name, names, n, sizeof(*names), name_cmp);
}

static bool locked(const struct copy *c, const char *name)
{
	return c->nlock && bsearch(&name, c->lock, c->nlock, sizeof(*c->lock), name_ptr_cmp);
}

static void copy_forget(struct copy *c)
{
	free(c->users);
	free(c->chal);
	free(c->dst_chal);
	free(c->lock);
	c->users = NULL;
	c->chal = c->dst_chal = NULL;
	c->lock = NULL;
	c->nusers = c->nchal = c->ndst_chal = c->nlock = 0;
	memset(&c->counts, 0, sizeof(c->counts));
}

/* The detail of a failure of store s, for mfa_ctx_error. */
static int copy_fail(struct copy *c, struct store *s, int r)
{
	const char *side = s == c->src ? "this store" : "the target";

	if (r == STORE_RETRY)
		ctx_fail(c->ctx, r, "store copy to %s: %s gave up on a conflict with another "
		         "writer, %d times: try again when it is less busy", c->uri, side, STORE_TRIES);
	else if (s->err[0])
		ctx_fail(c->ctx, r, "store copy to %s: %s: %s", c->uri, side, s->err);
	else
		ctx_fail(c->ctx, r, "store copy to %s: %s: %s", c->uri, side, mfa_strerror(r));
	s->err[0] = '\0';
	return r;
}

/* Pending challenges still to be answered at now, sorted by id. */
static int challenges_read(struct copy *c, struct store *s, struct store_challenge **list,
                           size_t *n)
{
	size_t kept = 0;
	int r = s->ops->challenges_get(s, list, n);

	if (r != MFA_OK)
		return copy_fail(c, s, r);
	for (size_t i = 0; i < *n; i++)
		if ((*list)[i].expires > c->now)
			(*list)[kept++] = (*list)[i];
	*n = kept;
	if (kept)
		qsort(*list, kept, sizeof(**list), challenge_cmp);
	return MFA_OK;
}

static int users_read(struct copy *c, struct store *s, char (**names)[MFA_USER_MAX + 1], size_t *n)
{
	int r = s->ops->users_list(s, names, n);

	if (r != MFA_OK)
		return copy_fail(c, s, r);
	/* Sorted by the backend already; sorted here too, so that a collation
	 * that is not strcmp's cannot make a name look missing. */
	if (*n)
		qsort(*names, *n, sizeof(**names), name_cmp);
	return MFA_OK;
}

/* Users the target holds that this store does not: refused, not erased. */
static int extra_users(struct copy *c, char (*dst_users)[MFA_USER_MAX + 1], size_t n)
{
	size_t extra = 0;
	const char *first = NULL;

	for (size_t i = 0; i < n; i++)
		if (!name_in(dst_users[i], c->users, c->nusers) && extra++ == 0)
			first = dst_users[i];
	if (!extra)
		return MFA_OK;
	return ctx_fail(c->ctx, MFA_ERR_INVALID,
	                "store copy to %s: the target holds users this store does not (e.g. %s; "
	                "%zu in all): copy into an empty store",
	                c->uri, first, extra);
}

/* Reads this store's user list and challenges, and the target's as they
 * are now; then who the write locks: this store's users, and whoever has a
 * challenge here or there (the target's are replaced too). */
static int copy_plan(struct copy *c)
{
	char (*dst_users)[MFA_USER_MAX + 1] = NULL;
	size_t ndst = 0, k = 0;
	int r;

	if ((r = users_read(c, c->src, &c->users, &c->nusers)) != MFA_OK ||
	    (r = challenges_read(c, c->src, &c->chal, &c->nchal)) != MFA_OK)
		return r;
	if ((r = c->dst->ops->begin(c->dst, false)) != MFA_OK)
		return copy_fail(c, c->dst, r);
	if ((r = users_read(c, c->dst, &dst_users, &ndst)) == MFA_OK &&
	    (r = challenges_read(c, c->dst, &c->dst_chal, &c->ndst_chal)) == MFA_OK)
		r = extra_users(c, dst_users, ndst);
	c->dst->ops->rollback(c->dst);
	free(dst_users);
	if (r != MFA_OK)
		return r;
	if (!(c->lock = malloc((c->nusers + c->nchal + c->ndst_chal + 1) * sizeof(*c->lock))))
		return ctx_fail(c->ctx, MFA_ERR_NOMEM, "store copy: out of memory");
	for (size_t i = 0; i < c->nusers; i++)
		c->lock[k++] = c->users[i];
	for (size_t i = 0; i < c->nchal; i++)
		c->lock[k++] = c->chal[i].user;
	for (size_t i = 0; i < c->ndst_chal; i++)
		c->lock[k++] = c->dst_chal[i].user;
	qsort(c->lock, k, sizeof(*c->lock), name_ptr_cmp);
	c->nlock = 0;
	for (size_t i = 0; i < k; i++)
		if (c->nlock == 0 || strcmp(c->lock[i], c->lock[c->nlock - 1]) != 0)
			c->lock[c->nlock++] = c->lock[i];
	return MFA_OK;
}

/* Inside the write: what the plan saw may have changed since. */
static int copy_recheck(struct copy *c)
{
	char (*dst_users)[MFA_USER_MAX + 1] = NULL;
	struct store_challenge *dst_chal = NULL;
	size_t ndst = 0, nchal = 0;
	int r;

	if ((r = users_read(c, c->dst, &dst_users, &ndst)) == MFA_OK &&
	    (r = extra_users(c, dst_users, ndst)) == MFA_OK &&
	    (r = challenges_read(c, c->dst, &dst_chal, &nchal)) == MFA_OK)
		for (size_t i = 0; i < nchal && r == MFA_OK; i++)
			if (!locked(c, dst_chal[i].user))  /* a new challenge's user: plan again */
				r = ctx_fail(c->ctx, STORE_RETRY,
				             "store copy to %s: the target kept changing: stop what writes "
				             "to it and try again", c->uri);
	free(dst_users);
	free(dst_chal);
	return r;
}

/* One user's rows, from this store's snapshot into the target. */
static int copy_user(struct copy *c, const char *user)
{
	struct store *src = c->src, *dst = c->dst;
	struct store_user u;
	struct store_factor *f = NULL;
	struct store_recovery *rec = NULL;
	struct store_invite *inv = NULL;
	size_t nf = 0, nrec = 0, ninv = 0;
	bool found;
	int r;

	if ((r = src->ops->user_get(src, user, &u, &found)) != MFA_OK ||
	    (r = src->ops->factors_get(src, user, &f, &nf)) != MFA_OK ||
	    (r = src->ops->recovery_get(src, user, &rec, &nrec)) != MFA_OK ||
	    (r = src->ops->invites_get(src, user, &inv, &ninv)) != MFA_OK) {
		copy_fail(c, src, r);
		goto out;
	}
	if (found && (r = dst->ops->user_put(dst, user, &u)) != MFA_OK)
		goto dst_fail;
	for (size_t i = 0; i < nf; i++)
		if ((r = dst->ops->factor_insert(dst, &f[i])) != MFA_OK)
			goto dst_fail;
	if (nrec && (r = dst->ops->recovery_replace(dst, user, rec, nrec)) != MFA_OK)
		goto dst_fail;
	for (size_t i = 0; i < ninv; i++)
		if ((r = dst->ops->invite_put(dst, &inv[i])) != MFA_OK)
			goto dst_fail;
	c->counts.factors += (unsigned)nf;
	c->counts.recovery_codes += (unsigned)nrec;
	c->counts.invites += (unsigned)ninv;
	goto out;
dst_fail:
	copy_fail(c, dst, r);
out:
	store_factors_free(&f, nf);
	if (rec)
		OPENSSL_cleanse(rec, nrec * sizeof(*rec));
	free(rec);
	free(inv);
	return r;
}

static bool factor_same(const struct store_factor *a, const struct store_factor *b)
{
	return !strcmp(a->user, b->user) && !strcmp(a->id, b->id) && !strcmp(a->label, b->label) &&
	       a->type == b->type && a->algorithm == b->algorithm && a->digits == b->digits &&
	       a->period == b->period && a->counter == b->counter && a->last_step == b->last_step &&
	       a->burnt_step == b->burnt_step && a->drift_steps == b->drift_steps &&
	       a->active == b->active && a->created == b->created && a->last_used == b->last_used &&
	       a->sealed_len == b->sealed_len && !memcmp(a->sealed, b->sealed, a->sealed_len) &&
	       a->cose_alg == b->cose_alg && a->cred_id_len == b->cred_id_len &&
	       !memcmp(a->cred_id, b->cred_id, a->cred_id_len) &&
	       !memcmp(a->aaguid, b->aaguid, sizeof(a->aaguid)) &&
	       !strcmp(a->transports, b->transports) && !strcmp(a->attestation, b->attestation) &&
	       a->inline_pending == b->inline_pending;
}

static int mismatch(struct copy *c, const char *what, const char *user)
{
	return ctx_fail(c->ctx, MFA_ERR_STORE,
	                "store copy to %s: read back, the target does not hold what was written "
	                "(%s%s%s)", c->uri, what, user ? " of " : "",
	                user ? user : "");
}

/* One user's rows, read back from the target and compared with this store's. */
static int check_user(struct copy *c, const char *user)
{
	struct store *src = c->src, *dst = c->dst;
	struct store_user su, du;
	struct store_factor *sf = NULL, *df = NULL;
	struct store_recovery *sr = NULL, *dr = NULL;
	struct store_invite *si = NULL, *di = NULL;
	size_t nsf = 0, ndf = 0, nsr = 0, ndr = 0, nsi = 0, ndi = 0;
	bool sfound, dfound;
	int r;

	if ((r = src->ops->user_get(src, user, &su, &sfound)) != MFA_OK ||
	    (r = src->ops->factors_get(src, user, &sf, &nsf)) != MFA_OK ||
	    (r = src->ops->recovery_get(src, user, &sr, &nsr)) != MFA_OK ||
	    (r = src->ops->invites_get(src, user, &si, &nsi)) != MFA_OK) {
		copy_fail(c, src, r);
		goto out;
	}
	if ((r = dst->ops->user_get(dst, user, &du, &dfound)) != MFA_OK ||
	    (r = dst->ops->factors_get(dst, user, &df, &ndf)) != MFA_OK ||
	    (r = dst->ops->recovery_get(dst, user, &dr, &ndr)) != MFA_OK ||
	    (r = dst->ops->invites_get(dst, user, &di, &ndi)) != MFA_OK) {
		copy_fail(c, dst, r);
		goto out;
	}
	if (sfound != dfound ||
	    (sfound && (su.failures != du.failures || su.locked_until != du.locked_until ||
	                su.first_seen != du.first_seen || su.enroll != du.enroll))) {
		r = mismatch(c, "lockout and enrollment state", user);
		goto out;
	}
	if (nsf != ndf) {
		r = mismatch(c, "the number of factors", user);
		goto out;
	}
	if (nsf) {
		qsort(sf, nsf, sizeof(*sf), factor_cmp);
		qsort(df, ndf, sizeof(*df), factor_cmp);
	}
	for (size_t i = 0; i < nsf; i++)
		if (!factor_same(&sf[i], &df[i])) {
			r = mismatch(c, "a factor", user);
			goto out;
		}
	if (nsr != ndr) {
		r = mismatch(c, "the number of recovery codes", user);
		goto out;
	}
	for (size_t i = 0; i < nsr; i++)
		if (sr[i].used != dr[i].used || sr[i].kind != dr[i].kind ||
		    memcmp(sr[i].salt, dr[i].salt, sizeof(sr[i].salt)) != 0 ||
		    memcmp(sr[i].hash, dr[i].hash, sizeof(sr[i].hash)) != 0) {
			r = mismatch(c, "a recovery code", user);
			goto out;
		}
	/* Both in (created, hash) order. */
	if (nsi != ndi) {
		r = mismatch(c, "the number of invites", user);
		goto out;
	}
	for (size_t i = 0; i < nsi; i++)
		if (memcmp(si[i].hash, di[i].hash, sizeof(si[i].hash)) != 0 ||
		    si[i].created != di[i].created || si[i].expires != di[i].expires ||
		    strcmp(si[i].created_by, di[i].created_by) != 0) {
			r = mismatch(c, "an invite", user);
			goto out;
		}
out:
	store_factors_free(&sf, nsf);
	store_factors_free(&df, ndf);
	if (sr)
		OPENSSL_cleanse(sr, nsr * sizeof(*sr));
	if (dr)
		OPENSSL_cleanse(dr, ndr * sizeof(*dr));
	free(sr);
	free(dr);
	free(si);
	free(di);
	return r;
}

/* The whole target, read back: the same users, rows and challenges. */
static int copy_check(struct copy *c)
{
	char (*users)[MFA_USER_MAX + 1] = NULL;
	struct store_challenge *chal = NULL;
	size_t n = 0, nchal = 0;
	int r;

	if ((r = users_read(c, c->dst, &users, &n)) != MFA_OK)
		goto out;
	if (n != c->nusers) {
		r = mismatch(c, "the number of users", NULL);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(users[i], c->users[i]) != 0) {
			r = mismatch(c, "the user names", NULL);
			goto out;
		}
	for (size_t i = 0; i < n && r == MFA_OK; i++)
		r = check_user(c, c->users[i]);
	if (r != MFA_OK || (r = challenges_read(c, c->dst, &chal, &nchal)) != MFA_OK)
		goto out;
	if (nchal != c->nchal) {
		r = mismatch(c, "the number of pending challenges", NULL);
		goto out;
	}
	for (size_t i = 0; i < nchal; i++)
		if (strcmp(chal[i].id, c->chal[i].id) != 0 || strcmp(chal[i].user, c->chal[i].user) != 0 ||
		    strcmp(chal[i].nas, c->chal[i].nas) != 0 || chal[i].expires != c->chal[i].expires) {
			r = mismatch(c, "a pending challenge", NULL);
			goto out;
		}
out:
	free(users);
	free(chal);
	return r;
}

/* The writes, inside the target's transaction: the touched users' rows
 * there go first (a re-run replaces them; a credential id moved from one
 * user to another meets no stale row), then this store's. */
static int copy_write(struct copy *c)
{
	struct store *dst = c->dst;
	bool found;
	int r;

	if ((r = copy_recheck(c)) != MFA_OK)
		return r;
	if ((r = dst->ops->challenges_expire(dst, c->now)) != MFA_OK)
		return copy_fail(c, dst, r);
	for (size_t i = 0; i < c->nlock; i++)
		if ((r = dst->ops->user_delete(dst, c->lock[i], &found)) != MFA_OK)
			return copy_fail(c, dst, r);
	for (size_t i = 0; i < c->nusers; i++)
		if ((r = copy_user(c, c->users[i])) != MFA_OK)
			return r;
	for (size_t i = 0; i < c->nchal; i++)
		if ((r = dst->ops->challenge_put(dst, &c->chal[i])) != MFA_OK)
			return copy_fail(c, dst, r);
	c->counts.users = (unsigned)c->nusers;
	c->counts.challenges = (unsigned)c->nchal;
	return copy_check(c);
}

/* A run for store_retry: this store's snapshot and the target's write,
 * both from begin. */
static int copy_run(void *arg)
{
	struct copy *c = arg;
	struct store *src = c->src, *dst = c->dst;
	int r;

	copy_forget(c);
	if ((r = src->ops->begin(src, false)) != MFA_OK)
		return copy_fail(c, src, r);
	if ((r = copy_plan(c)) != MFA_OK)
		goto out;
	if ((r = store_begin_users(dst, c->lock, c->nlock)) != MFA_OK) {
		copy_fail(c, dst, r);
		goto out;
	}
	if ((r = copy_write(c)) != MFA_OK) {
		dst->ops->rollback(dst);
		goto out;
	}
	if ((r = dst->ops->commit(dst)) != MFA_OK) {
		copy_fail(c, dst, r);
		dst->ops->rollback(dst);
	}
out:
	src->ops->rollback(src);
	return r;
}

int mfa_store_copy(mfa_ctx *ctx, const char *to_uri, const char *source,
                   struct mfa_copy_counts *out)
{
	struct copy c = { .ctx = ctx, .uri = to_uri };
	struct mfa_config *cfg = NULL;
	char detail[AUDIT_VALUE_MAX], why[STORE_ERR_MAX] = "";
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (!to_uri || !to_uri[0])
		return ctx_fail(ctx, MFA_ERR_INVALID, "store copy: name the target store");
	if (!(cfg = malloc(sizeof(*cfg))))
		return MFA_ERR_NOMEM;
	/* The same settings but the store: its group, timeouts, TLS. */
	*cfg = ctx->cfg;
	if (!str_copy(cfg->store, sizeof(cfg->store), to_uri)) {
		r = ctx_fail(ctx, MFA_ERR_INVALID, "store copy: the target store's name is too long");
		goto out;
	}
	if (store_uri_check(to_uri, why, sizeof(why)) != MFA_OK) {
		r = ctx_fail(ctx, MFA_ERR_INVALID, "store copy: the target %s", why);
		goto out;
	}
	if (!strcmp(to_uri, ctx->cfg.store)) {
		r = ctx_fail(ctx, MFA_ERR_INVALID,
		             "store copy: %s is the configured store itself: name another store", to_uri);
		goto out;
	}
	/* Never made here: a typo must not leave a new store behind. */
	if ((r = store_open(cfg, false, &c.dst, why, sizeof(why))) != MFA_OK) {
		ctx_fail(ctx, r, "store copy: cannot open the target: %s. A new store must be made "
		         "first: run 'mfactl init' with store = %s in its config (the same key_file)",
		         why, to_uri);
		goto out;
	}
	c.src = ctx->store;
	c.now = (int64_t)ctx_now(ctx);
	if ((r = store_retry(copy_run, &c)) != MFA_OK)
		goto out;
	*out = c.counts;
	snprintf(detail, sizeof(detail), "%u users, %u factors, %u recovery codes, %u challenges to %s",
	         out->users, out->factors, out->recovery_codes, out->challenges, to_uri);
	audit_emit(ctx, &(struct audit_event){ .event = "store-copy", .source = source,
	                                       .outcome = "ok", .detail = detail });
out:
	copy_forget(&c);
	store_close(&c.dst);
	free(cfg);
	return r;
}
