/*
 * signin.c - sign-in codes (docs/approvals.md, "Sign-in codes"). A VPN
 * client that cannot show an Access-Challenge (strongSwan xauth, OpenVPN's
 * RADIUS plugin, Windows) takes only a typed code; a user whose factor is a
 * passkey gets one on the portal after an assertion. The code logs in
 * once (verify.c takes it in the login's own transaction), within
 * signin_code_expires; a new one replaces the user's last.
 *
 * Stored as HMAC-SHA256(K, user || 0x00 || code) with K derived from the
 * key file: a stolen store alone does not give the code by trying every
 * 10^6 value, and a row copied to another user matches nothing.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "audit.h"
#include "factor.h"

/* K = HMAC-SHA256(vault key, label): the vault key itself signs nothing. */
#define SIGNIN_KEY_LABEL "mfa sign-in code key v1"

int signin_code_mac(mfa_ctx *ctx, const char *user, const char *code,
                    unsigned char out[STORE_HASH_LEN])
{
	unsigned char key[STORE_HASH_LEN], msg[MFA_USER_MAX + 1 + 64 + 1];
	size_t ulen = strlen(user), clen = strlen(code);
	unsigned len = 0;
	int r = MFA_ERR_SYSTEM;

	if (!ctx->key_loaded)
		return ctx_fail(ctx, MFA_ERR_INVALID, "mfa_open() was not called");
	if (ulen > MFA_USER_MAX || clen > 64)
		return ctx_fail(ctx, MFA_ERR_INVALID, "sign-in code or user name too long");
	memcpy(msg, user, ulen);
	msg[ulen] = 0x00;
	memcpy(msg + ulen + 1, code, clen);
	if (HMAC(EVP_sha256(), ctx->key, sizeof(ctx->key), (const unsigned char *)SIGNIN_KEY_LABEL,
	         sizeof(SIGNIN_KEY_LABEL) - 1, key, &len) && len == STORE_HASH_LEN &&
	    HMAC(EVP_sha256(), key, sizeof(key), msg, ulen + 1 + clen, out, &len) &&
	    len == STORE_HASH_LEN)
		r = MFA_OK;
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(msg, sizeof(msg));
	if (r != MFA_OK)
		return ctx_fail(ctx, r, "cannot hash a sign-in code");
	return MFA_OK;
}

unsigned factor_code_digits(const struct store_factor *list, size_t n)
{
	int64_t latest = -1;
	unsigned digits = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t when = list[i].last_used ? list[i].last_used : list[i].created;

		/* The factor used last is the one the user most likely holds. */
		if (list[i].active && factor_is_otp(&list[i]) && when >= latest) {
			latest = when;
			digits = list[i].digits;
		}
	}
	return digits;
}

/* digits uniform random decimal digits: a byte at or above 250 is drawn
 * again, so that no digit is likelier. */
static int code_draw(char *code, unsigned digits)
{
	unsigned char b[MFA_SIGNIN_CODE_MAX * 2];
	unsigned got = 0;
	int r;

	while (got < digits) {
		if ((r = random_bytes(b, sizeof(b))) != MFA_OK)
			return r;
		for (size_t i = 0; i < sizeof(b) && got < digits; i++)
			if (b[i] < 250)
				code[got++] = (char)('0' + b[i] % 10);
	}
	code[digits] = '\0';
	OPENSSL_cleanse(b, sizeof(b));
	return MFA_OK;
}

/* One transaction for store_retry: the user's factors read under the
 * user's lock (a passkey required, the code's length taken), then the new
 * code in place of the old. */
struct signin_tx {
	mfa_ctx *ctx;
	const char *user;
	char *code;              /* MFA_SIGNIN_CODE_MAX + 1 bytes */
	struct store_signin row;
	bool has_key;
};

static int signin_tx_run(void *arg)
{
	struct signin_tx *t = arg;
	struct store *s = t->ctx->store;
	struct store_factor *list = NULL;
	size_t n = 0;
	unsigned digits;
	int r;

	t->has_key = false;
	if ((r = store_begin_user(s, t->user)) != MFA_OK ||
	    (r = s->ops->factors_get(s, t->user, &list, &n)) != MFA_OK)
		goto fail;
	for (size_t i = 0; i < n; i++)
		t->has_key |= list[i].active && list[i].type == MFA_FACTOR_WEBAUTHN;
	if (!t->has_key) {
		s->ops->rollback(s);
		r = MFA_OK;
		goto out;
	}
	digits = factor_code_digits(list, n);
	if (digits < 6 || digits > MFA_SIGNIN_CODE_MAX)
		digits = SIGNIN_DIGITS_DEFAULT;
	if ((r = code_draw(t->code, digits)) != MFA_OK) {
		ctx_fail(t->ctx, r, "no randomness for a sign-in code");
		goto fail;
	}
	if ((r = signin_code_mac(t->ctx, t->user, t->code, t->row.hash)) != MFA_OK ||
	    (r = s->ops->signins_expire(s, t->row.created)) != MFA_OK ||
	    (r = s->ops->signin_put(s, &t->row)) != MFA_OK || (r = s->ops->commit(s)) != MFA_OK)
		goto fail;
	goto out;
fail:
	OPENSSL_cleanse(t->code, MFA_SIGNIN_CODE_MAX + 1);
	r = tx_abort(t->ctx, r);
out:
	store_factors_free(&list, n);
	return r;
}

int mfa_signin_code_create(mfa_ctx *ctx, const struct mfa_request *req,
                           char code[MFA_SIGNIN_CODE_MAX + 1], time_t *expires)
{
	struct signin_tx t = { .ctx = ctx, .code = code };
	char user[MFA_USER_MAX + 1], detail[AUDIT_VALUE_MAX];
	int r;

	if (code)
		code[0] = '\0';
	if (expires)
		*expires = 0;
	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (!req || !code || !expires)
		return ctx_fail(ctx, MFA_ERR_INVALID, "sign-in code: no request or no room for it");
	if ((r = mfa_user_canonical(ctx, req->user, user)) != MFA_OK ||
	    (r = user_name_require(ctx, user)) != MFA_OK)
		return r;
	t.user = user;
	str_copy(t.row.user, sizeof(t.row.user), user);
	t.row.created = (int64_t)ctx_now(ctx);
	t.row.expires = t.row.created + ctx->cfg.signin_code_expires;
	if ((r = store_retry(signin_tx_run, &t)) != MFA_OK)
		return r;
	if (!t.has_key) {
		OPENSSL_cleanse(code, MFA_SIGNIN_CODE_MAX + 1);
		return ctx_fail(ctx, MFA_ERR_NOT_FOUND, "%s has no security key or passkey: sign-in "
		                "codes are for users who sign in with one", user);
	}
	snprintf(detail, sizeof(detail), "expires in %u s", ctx->cfg.signin_code_expires);
	if ((r = audit_must_emit(ctx, &(struct audit_event){
	                                      .event = "signin-code", .user = user,
	                                      .source = req->source, .remote = req->remote,
	                                      .outcome = "created", .detail = detail })) != MFA_OK) {
		/* audit_required: a code no event records is not handed out. It
		 * stays stored, unknown to anyone, until it expires. */
		OPENSSL_cleanse(code, MFA_SIGNIN_CODE_MAX + 1);
		return r;
	}
	*expires = (time_t)t.row.expires;
	return MFA_OK;
}
