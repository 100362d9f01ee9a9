/*
 * verify.c - one authentication attempt: lockout, every active factor,
 * recovery codes, then the new state, all in one write transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "audit.h"
#include "factor.h"
#include "group.h"
#include "login.h"
#include "recovery.h"

#define CODE_TYPED_MAX 64

struct attempt {
	mfa_ctx *ctx;
	struct group_tx *tx;     /* the write: its own, or a savepoint of a batch (group.c) */
	const struct mfa_request *req;
	struct mfa_verdict *out;
	struct login_facts *facts;
	bool uniform;            /* no password checked before us: see mfa_login */
	bool challenge_taken;    /* the transaction must commit, whatever the verdict */
	bool audited;            /* the accepted event went out before the commit */
	time_t now;
	struct store_user user;
	struct store_factor *factors;
	size_t nfactors;
	size_t active;
	char code[CODE_TYPED_MAX + 1];
	/* The recovery code matched before the write transaction (see below):
	 * its row and stored hash. */
	bool pre_done, pre_found;
	size_t pre_index;
	size_t pre_left;          /* unused codes then */
	unsigned char pre_hash[STORE_HASH_LEN];
	/* The OTP check done before the write (see attempt_prepare): the rows
	 * it read, and per row what otp_check made of the code. */
	struct store_factor *pre_factors;
	size_t pre_nfactors;
	struct otp_prepared *pre_otp;   /* pre_nfactors of them */
	bool decoy_done;                /* attempt_decoy ran in the prepare */
};

struct otp_prepared {
	bool checked;            /* an active OTP row the code fits */
	int r;                   /* otp_check's return */
	struct otp_state st;     /* the state after the check */
	struct otp_result res;
};

static int64_t lockout_seconds(const struct mfa_config *cfg, unsigned failures)
{
	unsigned doublings = failures - cfg->lockout_threshold;
	uint64_t d;

	if (doublings > 20)
		doublings = 20;
	d = (uint64_t)cfg->lockout_delay << doublings;
	return (int64_t)(d > cfg->lockout_max_delay ? cfg->lockout_max_delay : d);
}

/* Whether two reads of a factor hold the same row: what an OTP check
 * reads and writes, and the sealed secret. */
static bool factor_unmoved(const struct store_factor *a, const struct store_factor *b)
{
	return !strcmp(a->id, b->id) && a->type == b->type && a->algorithm == b->algorithm &&
	       a->digits == b->digits && a->period == b->period && a->counter == b->counter &&
	       a->last_step == b->last_step && a->burnt_step == b->burnt_step &&
	       a->drift_steps == b->drift_steps && a->active == b->active &&
	       a->sealed_len == b->sealed_len && !memcmp(a->sealed, b->sealed, a->sealed_len);
}

/* The check made before the write for row f, if f has not moved since. */
static const struct otp_prepared *otp_prepared_for(const struct attempt *a,
                                                   const struct store_factor *f)
{
	for (size_t i = 0; i < a->pre_nfactors; i++)
		if (a->pre_otp[i].checked && !strcmp(a->pre_factors[i].id, f->id))
			return factor_unmoved(&a->pre_factors[i], f) ? &a->pre_otp[i] : NULL;
	return NULL;
}

/* The config's OTP policy, with the drift search a support tool asked for. */
static void attempt_policy(const struct attempt *a, struct otp_policy *pol)
{
	factor_policy(a->ctx, pol);
	if (a->req->drift_report > pol->drift_report)
		pol->drift_report = a->req->drift_report;
}

/* Tries each active OTP factor; on a match updates it in the store. */
static int attempt_otp(struct attempt *a)
{
	mfa_ctx *ctx = a->ctx;
	struct otp_policy pol;
	unsigned char secret[MFA_SECRET_MAX];
	size_t secret_len = 0;
	int r = MFA_ERR_BAD_CODE, verdict = MFA_ERR_BAD_CODE;

	attempt_policy(a, &pol);
	for (size_t i = 0; i < a->nfactors; i++) {
		struct store_factor *f = &a->factors[i];
		struct otp_state st;
		struct otp_result res;
		const struct otp_prepared *pre;

		if (!f->active || !factor_is_otp(f) || !otp_code_wellformed(a->code, f->digits))
			continue;
		if ((pre = otp_prepared_for(a, f))) {
			/* Checked before the write against this very row. */
			st = pre->st;
			res = pre->res;
			r = pre->r;
			ctx->otp_prepared_used++;
		} else {
			if ((r = factor_unseal(ctx, f, secret, sizeof(secret), &secret_len)) != MFA_OK)
				goto out;
			factor_to_otp(f, &st);
			r = otp_check(&st, secret, secret_len, a->code, a->now, &pol, &res);
			OPENSSL_cleanse(secret, sizeof(secret));
			ctx->otp_checked_in_write++;
		}
		if (r != MFA_OK) {
			ctx_fail(ctx, r, "factor %s of user %s cannot be checked", f->id, f->user);
			goto out;
		}
		if (res.outcome == OTP_DRIFT && st.burnt_step != f->burnt_step) {
			/* The code the hint reveals is burnt in this transaction. */
			factor_from_otp(f, &st);
			if ((r = a->tx->st->ops->factor_update(a->tx->st, f)) != MFA_OK)
				goto out;
		}
		if (res.outcome == OTP_MATCH) {
			factor_from_otp(f, &st);
			f->last_used = a->now;
			if ((r = a->tx->st->ops->factor_update(a->tx->st, f)) != MFA_OK)
				goto out;
			a->out->via = MFA_VIA_OTP;
			str_copy(a->out->factor_id, sizeof(a->out->factor_id), f->id);
			r = MFA_OK;
			goto out;
		}
		/* Several factors may see the code; keep the most telling refusal. */
		if (res.outcome == OTP_REPLAY) {
			verdict = MFA_ERR_REPLAY;
			str_copy(a->out->factor_id, sizeof(a->out->factor_id), f->id);
		} else if (res.outcome == OTP_DRIFT && verdict == MFA_ERR_BAD_CODE) {
			verdict = MFA_ERR_CLOCK_DRIFT;
			a->out->drift_seconds = res.offset_seconds;
			str_copy(a->out->factor_id, sizeof(a->out->factor_id), f->id);
		}
	}
	r = verdict;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	return r;
}

/* A factor no one holds, sealed under this context's key. */
static int decoy_make(mfa_ctx *ctx)
{
	struct store_factor *d = calloc(1, sizeof(*d));
	unsigned char secret[20];
	int r;

	if (!d)
		return MFA_ERR_NOMEM;
	d->type = MFA_FACTOR_TOTP;
	d->algorithm = (mfa_algorithm)ctx->cfg.default_algorithm;
	d->digits = ctx->cfg.default_digits;
	d->period = ctx->cfg.default_period;
	d->last_step = -1;
	d->burnt_step = -1;
	str_copy(d->user, sizeof(d->user), "-");
	str_copy(d->id, sizeof(d->id), "decoy000");
	if ((r = random_bytes(secret, sizeof(secret))) == MFA_OK)
		r = factor_seal(ctx, d, secret, sizeof(secret));
	OPENSSL_cleanse(secret, sizeof(secret));
	if (r != MFA_OK) {
		free(d);
		return r;
	}
	ctx->decoy = d;
	return MFA_OK;
}

/* For a user with no factor, or a locked one, does the work of checking
 * the code against one factor and forgets the result: a stranger must not
 * tell enrolled, unknown and locked users apart by the time a reply takes. */
static void attempt_decoy(struct attempt *a)
{
	mfa_ctx *ctx = a->ctx;
	unsigned char secret[MFA_SECRET_MAX];
	size_t secret_len = 0, n = strlen(a->code);
	struct otp_policy pol;
	struct otp_state st;
	struct otp_result res;

	if (a->decoy_done || (!ctx->decoy && decoy_make(ctx) != MFA_OK))
		return;
	factor_to_otp(ctx->decoy, &st);
	if (n >= 6 && n <= 8)
		st.digits = (unsigned)n;
	if (!otp_code_wellformed(a->code, st.digits) ||
	    factor_unseal(ctx, ctx->decoy, secret, sizeof(secret), &secret_len) != MFA_OK)
		return;
	attempt_policy(a, &pol);
	otp_check(&st, secret, secret_len, a->code, a->now, &pol, &res);
	OPENSSL_cleanse(secret, sizeof(secret));
}

/* RADIUS: the challenge this code answers, taken in the verification's own
 * transaction, so that an answer is checked exactly once. */
static int attempt_challenge(struct attempt *a)
{
	mfa_ctx *ctx = a->ctx;
	const char *id = a->req->challenge, *nas = a->req->challenge_nas ? a->req->challenge_nas : "";
	const char *why = NULL;
	struct store_challenge c;
	bool found;
	int r;

	if (!challenge_id_wellformed(id))
		why = "malformed";
	else if ((r = a->tx->st->ops->challenge_take(a->tx->st, id, &c, &found)) != MFA_OK)
		return r;
	else
		why = challenge_refusal(&c, a->challenge_taken = found, a->req->user, nas, a->now);
	if (!why)
		return MFA_OK;
	str_copy(a->facts->challenge_why, sizeof(a->facts->challenge_why), why);
	return ctx_fail(ctx, MFA_ERR_CHALLENGE, "challenge %s", why);
}

/* The OTP half of attempt_prepare, on the rows it read: each active OTP
 * factor the code fits is unsealed and checked now, the result kept for the
 * write, which uses it if the row has not moved (otp_prepared_for) and
 * checks again if it has. Whom the write would give a decoy check gets it
 * here instead, so that strangers still take as long. */
static void otp_prepare(struct attempt *a, bool locked)
{
	mfa_ctx *ctx = a->ctx;
	unsigned char secret[MFA_SECRET_MAX];
	size_t secret_len = 0;
	struct otp_policy pol;
	bool active = false;

	if (locked) {
		if (a->uniform) {
			attempt_decoy(a);
			a->decoy_done = true;
		}
		return;
	}
	if (a->pre_nfactors && !(a->pre_otp = calloc(a->pre_nfactors, sizeof(*a->pre_otp))))
		return;
	attempt_policy(a, &pol);
	for (size_t i = 0; i < a->pre_nfactors; i++) {
		const struct store_factor *f = &a->pre_factors[i];
		struct otp_prepared *pre = &a->pre_otp[i];

		if (!f->active || !factor_is_otp(f))
			continue;
		active = true;
		if (!otp_code_wellformed(a->code, f->digits) ||
		    factor_unseal(ctx, f, secret, sizeof(secret), &secret_len) != MFA_OK)
			continue;   /* the write sees to it, and fails as it must */
		factor_to_otp(f, &pre->st);
		pre->r = otp_check(&pre->st, secret, secret_len, a->code, a->now, &pol, &pre->res);
		pre->checked = true;
		OPENSSL_cleanse(secret, sizeof(secret));
	}
	if (!active) {
		attempt_decoy(a);
		a->decoy_done = true;
	}
	ctx->error[0] = '\0';
}

/* Matching a typed recovery code costs an HMAC or a PBKDF2 (more for
 * codes issued before schema 4): done inside the write transaction it would
 * hold every other login of the process back. Match first, under a read
 * transaction, for both forms (an 8-digit OTP pays one PBKDF2 too, so that
 * the time does not tell who has scratch codes); the write transaction only
 * checks the match still holds. With otp (another thread's batch is being
 * written, so this one waits anyway) the OTP factors are read and checked
 * in the same read transaction too (otp_prepare). */
static int attempt_prepare(struct attempt *a, bool otp)
{
	mfa_ctx *ctx = a->ctx;
	struct store *st = ctx->store;
	struct store_recovery *list = NULL;
	struct store_user u;
	char norm[RECOVERY_NORM_MAX + 1];
	size_t n = 0;
	bool found, rec = recovery_normalize(a->code, norm);
	int r;

	if (!rec && !otp)
		return MFA_OK;
	if ((r = st->ops->begin(st, false)) != MFA_OK ||
	    (r = st->ops->user_get(st, a->req->user, &u, &found)) != MFA_OK ||
	    (rec && (r = st->ops->recovery_get(st, a->req->user, &list, &n)) != MFA_OK)) {
		tx_abort(ctx, r);
		if (!rec) {
			/* Only an optimisation failed: the write decides. */
			ctx->error[0] = '\0';
			r = MFA_OK;
		}
		goto out;
	}
	if (otp && st->ops->factors_get(st, a->req->user, &a->pre_factors, &a->pre_nfactors) != MFA_OK)
		st->err[0] = '\0';   /* a malformed row: the write fails on it */
	st->ops->rollback(st);
	if (otp)
		otp_prepare(a, found && u.locked_until > a->now);
	if (!rec)
		goto out;
	/* A locked user's code is refused unlooked at (an unlock in between:
	 * refused once); but a stranger must not see that in the time taken. */
	if (found && u.locked_until > a->now && !a->uniform)
		goto out;
	r = recovery_match(ctx, a->req->user, norm, list, n, &a->pre_found, &a->pre_index);
	if (r != MFA_OK)
		goto out;
	if (a->pre_found)
		memcpy(a->pre_hash, list[a->pre_index].hash, STORE_HASH_LEN);
	for (size_t i = 0; i < n; i++)
		a->pre_left += !list[i].used;
	a->pre_done = true;
out:
	OPENSSL_cleanse(norm, sizeof(norm));
	free(list);
	return r;
}

/* Uses the recovery code matched before, if it is still there, unused and
 * unchanged; hashes nothing. */
static int attempt_recovery(struct attempt *a, bool *has_codes)
{
	struct store *st = a->tx->st;
	struct store_recovery *list = NULL;
	size_t n = 0, index = a->pre_index, left = 0;
	int r;

	*has_codes = false;
	if (a->pre_done && !a->pre_found) {
		/* Matched nothing a moment ago: no need to read the codes again. */
		*has_codes = a->pre_left > 0;
		return MFA_ERR_BAD_CODE;
	}
	if ((r = st->ops->recovery_get(st, a->req->user, &list, &n)) != MFA_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		left += !list[i].used;
	*has_codes = left > 0;
	if (!a->pre_found || index >= n || list[index].used ||
	    CRYPTO_memcmp(list[index].hash, a->pre_hash, STORE_HASH_LEN) != 0) {
		r = MFA_ERR_BAD_CODE;
		goto out;
	}
	if ((r = st->ops->recovery_use(st, a->req->user, index)) != MFA_OK)
		goto out;
	a->out->via = MFA_VIA_RECOVERY;
	a->out->recovery_left = (unsigned)(left - 1);
	r = MFA_OK;
out:
	free(list);
	return r;
}

static const char *outcome_name(int r)
{
	switch (r) {
	case MFA_OK: return "accepted";
	case MFA_ERR_BAD_CODE: return "rejected";
	case MFA_ERR_REPLAY: return "replayed";
	case MFA_ERR_CLOCK_DRIFT: return "clock_drift";
	case MFA_ERR_LOCKED: return "locked";
	case MFA_ERR_NO_FACTOR: return "no_factor";
	case MFA_ERR_CHALLENGE: return "bad_challenge";
	default: return "error";
	}
}

/* The event of the attempt; an acceptance through audit_must_emit. */
static int attempt_audit(struct attempt *a, int r)
{
	char detail[256] = "";
	struct audit_event ev = {
		.event = "verify", .user = a->req->user, .source = a->req->source,
		.remote = a->req->remote, .nas_id = a->req->nas_id, .station = a->req->station,
		.outcome = outcome_name(r),
	};

	if (a->out->factor_id[0])
		ev.factor = a->out->factor_id;
	if (r == MFA_OK && a->out->via == MFA_VIA_RECOVERY)
		snprintf(detail, sizeof(detail), "recovery code, %u left", a->out->recovery_left);
	else if (r == MFA_ERR_CLOCK_DRIFT)
		snprintf(detail, sizeof(detail), "code valid %ld s %s: device clock off",
		         labs(a->out->drift_seconds), a->out->drift_seconds < 0 ? "ago" : "from now");
	else if (r == MFA_ERR_CHALLENGE)
		snprintf(detail, sizeof(detail), "challenge %s", a->facts->challenge_why);
	else if (r == MFA_ERR_NO_FACTOR && a->facts->case_twin[0])
		snprintf(detail, sizeof(detail), "refused: the name differs only in case from %s's",
		         a->facts->case_twin);
	else if (r == MFA_ERR_NO_FACTOR && a->out->security_key_only)
		snprintf(detail, sizeof(detail), "refused: security key only");
	else if (r == MFA_ERR_LOCKED || (mfa_err_is_verdict(r) && a->out->locked_seconds))
		snprintf(detail, sizeof(detail), "%u failures, locked for %u s", a->out->failures,
		         a->out->locked_seconds);
	else if (!mfa_err_is_verdict(r) && r != MFA_OK)
		snprintf(detail, sizeof(detail), "%s", a->ctx->error);
	if (detail[0])
		ev.detail = detail;
	if (r == MFA_OK)
		return audit_must_emit(a->ctx, &ev);
	audit_emit(a->ctx, &ev);
	return MFA_OK;
}

/* Ends the attempt's write on a failure: tx_abort on its transaction. */
static int attempt_abort(struct attempt *a, int r)
{
	struct store *st = a->tx->st;

	if (st->err[0]) {
		ctx_fail(a->ctx, r, "%s", st->err);
		st->err[0] = '\0';
	} else if (!a->ctx->error[0]) {
		ctx_fail(a->ctx, r, "%s", mfa_strerror(r));
	}
	group_tx_rollback(a->tx);
	return r;
}

/* Ends the transaction of a refusal that counted no failure. A stranger's
 * refusal (a name without a factor, a locked user) writes as much as an
 * enrolled user's counted failure does, though for no one: the time of the
 * reply must not tell them apart. A taken challenge must be committed. */
static int attempt_end(struct attempt *a, int verdict)
{
	struct store *st = a->tx->st;
	int r;

	if (a->uniform && (r = st->ops->decoy_touch(st, a->now)) != MFA_OK)
		return attempt_abort(a, r);
	if (!a->challenge_taken && !a->uniform) {
		group_tx_rollback(a->tx);
		return verdict;
	}
	if ((r = group_tx_commit(a->tx)) != MFA_OK)
		return attempt_abort(a, r);
	return verdict;
}

static int attempt_run(struct attempt *a)
{
	mfa_ctx *ctx = a->ctx;
	struct store *st = a->tx->st;
	const struct store_ops *ops = st->ops;
	bool found, twin = false, has_codes = false, user_dirty = false;
	int r, verdict;

	/* A twin matters only to a name with nothing of its own; a stranger's
	 * attempt looks for one whatever the name has, to take the same time.
	 * In a batch the transaction is begun and the user locked already. */
	if (!a->req->challenge && !a->tx->nested) {
		/* The lock and the reads at once (one round trip on PostgreSQL). */
		if ((r = store_begin_login(st, a->req->user, &a->user, &found, &a->factors,
		                           &a->nfactors, a->uniform ? a->facts->case_twin : NULL,
		                           &twin)) != MFA_OK)
			return attempt_abort(a, r);
	} else {
		if (!a->tx->nested && (r = store_begin_user(st, a->req->user)) != MFA_OK)
			return attempt_abort(a, r);
		if (a->req->challenge && (r = attempt_challenge(a)) != MFA_OK)
			return r == MFA_ERR_CHALLENGE ? attempt_end(a, r) : attempt_abort(a, r);
		if ((r = store_login_reads(st, a->req->user, &a->user, &found, &a->factors,
		                           &a->nfactors, a->uniform ? a->facts->case_twin : NULL,
		                           &twin)) != MFA_OK)
			return attempt_abort(a, r);
	}
	if (!a->uniform && a->nfactors == 0 &&
	    (r = ops->user_twin(st, a->req->user, a->facts->case_twin, &twin)) != MFA_OK)
		return attempt_abort(a, r);
	for (size_t i = 0; i < a->nfactors; i++)
		a->active += a->factors[i].active && factor_is_otp(&a->factors[i]);
	if (found && a->user.locked_until > a->now) {
		/* While locked the code is not even looked at: no oracle. */
		if (a->uniform) {
			struct store_recovery *codes = NULL;
			size_t ncodes = 0;

			attempt_decoy(a);
			/* A wrong code reads the recovery codes: so does this, to
			 * take as many store round trips (PostgreSQL). Not used. */
			if (ops->recovery_get(st, a->req->user, &codes, &ncodes) == MFA_OK)
				free(codes);
		}
		a->out->locked_until = (time_t)a->user.locked_until;
		a->out->locked_seconds = (unsigned)(a->user.locked_until - a->now);
		a->out->failures = a->user.failures;
		return attempt_end(a, MFA_ERR_LOCKED);
	}
	if (a->active)
		verdict = attempt_otp(a);
	else {
		attempt_decoy(a);
		verdict = MFA_ERR_BAD_CODE;
	}
	if (verdict != MFA_OK && mfa_err_is_verdict(verdict)) {
		r = attempt_recovery(a, &has_codes);
		if (r == MFA_OK || !mfa_err_is_verdict(r))
			verdict = r;
	}
	if (!mfa_err_is_verdict(verdict) && verdict != MFA_OK)
		return attempt_abort(a, verdict);
	if (verdict != MFA_OK && a->active == 0 && !has_codes) {
		/* No row is written for a name without a factor: a stranger
		 * typing names must not create any. */
		for (size_t i = 0; i < a->nfactors; i++)
			a->out->security_key_only |= a->factors[i].type == MFA_FACTOR_WEBAUTHN &&
			                             a->factors[i].active;
		if (!twin)
			a->facts->case_twin[0] = '\0';
		return attempt_end(a, MFA_ERR_NO_FACTOR);
	}
	a->facts->case_twin[0] = '\0';
	if (!found)
		a->user.first_seen = a->now;
	if (verdict == MFA_OK) {
		user_dirty = a->user.failures != 0 || a->user.locked_until != 0;
		a->user.failures = 0;
		a->user.locked_until = 0;
	} else if (verdict == MFA_ERR_REPLAY) {
		/* Not a guess: only a code that was right can be replayed, and
		 * it is refused anyway. Counted, a user re-typing a code just
		 * used (or ssh's retries of it) would lock themselves out. */
		a->out->failures = a->user.failures;
	} else {
		a->user.failures++;
		if (ctx->cfg.lockout_threshold && a->user.failures >= ctx->cfg.lockout_threshold) {
			int64_t secs = lockout_seconds(&ctx->cfg, a->user.failures);

			a->user.locked_until = a->now + secs;
			a->out->locked_until = (time_t)a->user.locked_until;
			a->out->locked_seconds = (unsigned)secs;
		}
		a->out->failures = a->user.failures;
	}
	/* A success with nothing to reset leaves the user's row alone. */
	if (!((verdict == MFA_OK || verdict == MFA_ERR_REPLAY) && found && !user_dirty) &&
	    (r = ops->user_put(st, a->req->user, &a->user)) != MFA_OK)
		return attempt_abort(a, r);
	/* audit_required: no acceptance without its event, so the event goes
	 * out before the commit, and a lost one rolls back (the code stays
	 * unused). A commit failing after it is audited again as an error. */
	if (verdict == MFA_OK && ctx->cfg.audit_required) {
		a->audited = true;
		if ((r = attempt_audit(a, MFA_OK)) != MFA_OK)
			return attempt_abort(a, r);
	}
	if ((r = group_tx_commit(a->tx)) != MFA_OK)
		return attempt_abort(a, r);
	return verdict;
}

/* A run for group_run (alone: store_retry's; in a batch, maybe again
 * with the whole batch): what a run before it found is forgotten; the
 * recovery code matched before the transaction stays. */
static int attempt_try(void *arg, struct group_tx *tx)
{
	struct attempt *a = arg;

	a->tx = tx;

	store_factors_free(&a->factors, a->nfactors);
	a->nfactors = 0;
	a->active = 0;
	a->challenge_taken = false;
	a->audited = false;
	memset(&a->user, 0, sizeof(a->user));
	memset(a->out, 0, sizeof(*a->out));
	memset(a->facts, 0, sizeof(*a->facts));
	return attempt_run(a);
}

int verify_attempt(mfa_ctx *ctx, const struct mfa_request *req, bool uniform,
                   struct mfa_verdict *out, struct login_facts *facts)
{
	struct attempt a = { .ctx = ctx, .req = req, .out = out, .facts = facts, .uniform = uniform };
	int r;

	memset(out, 0, sizeof(*out));
	memset(facts, 0, sizeof(*facts));
	a.now = ctx_now(ctx);
	if (!code_clean(req->code, a.code, sizeof(a.code))) {
		/* Not a code anyone could have: refused like a wrong one, but
		 * without touching the store (nothing changes on bad input). */
		r = MFA_ERR_BAD_CODE;
		(void)attempt_audit(&a, r);
		goto out;
	}
	if ((r = attempt_prepare(&a, group_busy(ctx))) == MFA_OK)
		r = group_run(ctx, req->user, attempt_try, &a);
	if (!a.audited || r != MFA_OK)
		attempt_audit(&a, r);
out:
	store_factors_free(&a.factors, a.nfactors);
	store_factors_free(&a.pre_factors, a.pre_nfactors);
	free(a.pre_otp);
	OPENSSL_cleanse(a.code, sizeof(a.code));
	out->result = r;
	return r;
}

int mfa_verify(mfa_ctx *ctx, const struct mfa_request *req, struct mfa_verdict *out)
{
	static const struct mfa_login_policy admin = { .password_verified = true };
	struct mfa_login_result res;
	int r;

	memset(out, 0, sizeof(*out));
	if (!req->code)
		return out->result = ctx_fail(ctx, MFA_ERR_INVALID, "no code given");
	r = mfa_login(ctx, req, &admin, &res);
	*out = res.verdict;
	out->result = r;
	return r;
}

void mfa_verdict_message(const struct mfa_verdict *v, char *buf, size_t len)
{
	long minutes;

	switch (v->result) {
	case MFA_OK:
		if (v->via == MFA_VIA_RECOVERY)
			snprintf(buf, len, "Recovery code accepted: %u left.%s", v->recovery_left,
			         v->recovery_left < 3 ? " Ask for new recovery codes soon." : "");
		else
			snprintf(buf, len, "Code accepted.");
		return;
	case MFA_ERR_LOCKED:
		snprintf(buf, len, "Too many failed attempts: try again in %u minute%s.",
		         (v->locked_seconds + 59) / 60, (v->locked_seconds + 59) / 60 == 1 ? "" : "s");
		return;
	case MFA_ERR_CLOCK_DRIFT:
		minutes = (labs(v->drift_seconds) + 30) / 60;
		if (v->drift_seconds < 0)
			snprintf(buf, len,
			         "This code was valid %ld minute%s ago: the clock on your device is behind. "
			         "Set it to update automatically, then use a new code.",
			         minutes, minutes == 1 ? "" : "s");
		else
			snprintf(buf, len,
			         "This code will be valid in %ld minute%s: the clock on your device is ahead. "
			         "Set it to update automatically, then use a new code.",
			         minutes, minutes == 1 ? "" : "s");
		break;
	case MFA_ERR_REPLAY:
		snprintf(buf, len, "This code was already used: wait for the next one.");
		break;
	case MFA_ERR_BAD_CODE:
		snprintf(buf, len, "Wrong code.");
		break;
	case MFA_ERR_NO_FACTOR:
		snprintf(buf, len, v->security_key_only
		                           ? "This account signs in with a security key, which this login "
		                             "cannot ask for: use a recovery code or ask your administrator."
		                           : "No authenticator is enrolled for this account: ask your "
		                             "administrator.");
		return;
	case MFA_ERR_CHALLENGE:
		snprintf(buf, len, "This login took too long or was interrupted: start again.");
		return;
	case MFA_ERR_BAD_PASSWORD:
		snprintf(buf, len, "Wrong user name or password.");
		return;
	default:
		snprintf(buf, len, "Verification is unavailable: ask your administrator.");
		return;
	}
	/* This failure was the one that locked the account: say so now. */
	if (v->locked_seconds) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, " Too many failed attempts: try again in %u minute%s.",
		         (v->locked_seconds + 59) / 60, (v->locked_seconds + 59) / 60 == 1 ? "" : "s");
	}
}
