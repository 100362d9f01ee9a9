/* factor.c - helpers shared by verification, enrollment and management. */
#include <string.h>

#include <openssl/crypto.h>

#include "factor.h"

int factor_unseal(mfa_ctx *ctx, const struct store_factor *f, unsigned char *secret, size_t size,
                  size_t *secret_len)
{
	int r = vault_open(ctx->key, f->user, f->id, f->sealed, f->sealed_len, secret, size,
	                   secret_len);

	if (r == MFA_ERR_DECRYPT)
		return ctx_fail(ctx, r,
		                "the secret of factor %s of user %s does not decrypt: the key file %s is "
		                "not the one it was enrolled with, or the record was tampered with",
		                f->id, f->user, ctx->cfg.key_file);
	if (r != MFA_OK)
		return ctx_fail(ctx, r, "factor %s of user %s: malformed secret (remove and enroll again)",
		                f->id, f->user);
	return MFA_OK;
}

int factor_seal(mfa_ctx *ctx, struct store_factor *f, const unsigned char *secret,
                size_t secret_len)
{
	int r = vault_seal(ctx->key, f->user, f->id, secret, secret_len, f->sealed, &f->sealed_len);

	if (r != MFA_OK)
		return ctx_fail(ctx, r, "cannot encrypt the secret");
	return MFA_OK;
}

void factor_to_otp(const struct store_factor *f, struct otp_state *st)
{
	memset(st, 0, sizeof(*st));
	st->type = f->type;
	st->algorithm = f->algorithm;
	st->digits = f->digits;
	st->period = f->period;
	st->counter = f->counter;
	st->last_step = f->last_step;
	st->burnt_step = f->burnt_step;
	st->drift_steps = f->drift_steps;
}

void factor_from_otp(struct store_factor *f, const struct otp_state *st)
{
	f->counter = st->counter;
	f->last_step = st->last_step;
	f->burnt_step = st->burnt_step;
	f->drift_steps = st->drift_steps;
}

void factor_policy(const mfa_ctx *ctx, struct otp_policy *pol)
{
	pol->window_behind = ctx->cfg.totp_window_behind;
	pol->window_ahead = ctx->cfg.totp_window_ahead;
	pol->drift_report = ctx->cfg.drift_report;
	pol->hotp_lookahead = ctx->cfg.hotp_lookahead;
	pol->resync_window = ctx->cfg.resync_window;
}

int tx_abort(mfa_ctx *ctx, int r)
{
	if (ctx->store->err[0]) {
		ctx_fail(ctx, r, "%s", ctx->store->err);
		ctx->store->err[0] = '\0';
	} else if (!ctx->error[0]) {
		ctx_fail(ctx, r, "%s", mfa_strerror(r));
	}
	ctx->store->ops->rollback(ctx->store);
	return r;
}

bool code_clean(const char *typed, char *out, size_t size)
{
	size_t n = 0;

	if (!typed)
		return false;
	for (const unsigned char *p = (const unsigned char *)typed; *p; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (*p < 0x21 || *p > 0x7e || n + 1 >= size)
			return false;
		out[n++] = (char)*p;
	}
	out[n] = '\0';
	return n > 0;
}

int factor_secret_unique(mfa_ctx *ctx, const char *user, const unsigned char *secret,
                         size_t secret_len)
{
	struct store_factor *list = NULL;
	unsigned char other[MFA_SECRET_MAX];
	size_t n = 0, other_len = 0;
	int r = ctx->store->ops->factors_get(ctx->store, user, &list, &n);

	for (size_t i = 0; r == MFA_OK && i < n; i++) {
		if (!factor_is_otp(&list[i]))
			continue;
		if ((r = factor_unseal(ctx, &list[i], other, sizeof(other), &other_len)) != MFA_OK)
			break;
		if (other_len == secret_len && CRYPTO_memcmp(other, secret, secret_len) == 0)
			r = ctx_fail(ctx, MFA_ERR_INVALID,
			             "user %s already has this secret as factor %s: two factors with one "
			             "secret would let a code be used twice (remove it first with "
			             "'mfactl remove %s %s')", user, list[i].id, user, list[i].id);
	}
	OPENSSL_cleanse(other, sizeof(other));
	store_factors_free(&list, n);
	return r;
}
