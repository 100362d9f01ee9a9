/*
 * enroll.c - new OTP factors: a pending factor and its otpauth:// URI, made
 * active only once the first code proves the user's app has the secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>

#include "audit.h"
#include "factor.h"
#include "login.h"
#include "webauthn_codec.h"   /* the COSE algorithm numbers only */

#define URI_MAX 1024

struct mfa_enrollment {
	char user[MFA_USER_MAX + 1];
	char id[MFA_ID_LEN + 1];
	char uri[URI_MAX];
	char secret_b32[MFA_SECRET_MAX * 2];
	char source[64];
	char remote[64];
	bool inline_login;               /* started by a login, not an admin */
};

const char *mfa_webauthn_algorithm_name(int cose_alg)
{
	return cose_alg == WA_ALG_ES256   ? "ES256"
	       : cose_alg == WA_ALG_EDDSA ? "EdDSA"
	       : cose_alg == WA_ALG_RS256 ? "RS256"
	                                  : "unknown";
}

const char *mfa_factor_type_name(mfa_factor_type type)
{
	return type == MFA_FACTOR_HOTP       ? "hotp"
	       : type == MFA_FACTOR_TOTP     ? "totp"
	       : type == MFA_FACTOR_WEBAUTHN ? "webauthn"
	                                     : "unknown";
}

const char *mfa_algorithm_name(mfa_algorithm alg)
{
	return alg == MFA_ALG_SHA256 ? "SHA256" : alg == MFA_ALG_SHA512 ? "SHA512" : "SHA1";
}

int mfa_algorithm_parse(const char *name, mfa_algorithm *alg)
{
	if (!strcasecmp(name, "SHA1"))
		*alg = MFA_ALG_SHA1;
	else if (!strcasecmp(name, "SHA256"))
		*alg = MFA_ALG_SHA256;
	else if (!strcasecmp(name, "SHA512"))
		*alg = MFA_ALG_SHA512;
	else
		return MFA_ERR_INVALID;
	return MFA_OK;
}

/* RFC 3986 percent-encoding of everything but unreserved characters. */
static bool uri_append(char *uri, size_t size, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(uri);

	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		             (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
		             *p == '~' || *p == '@';

		if (n + (plain ? 1 : 3) >= size)
			return false;
		if (plain) {
			uri[n++] = (char)*p;
		} else {
			uri[n++] = '%';
			uri[n++] = hex[*p >> 4];
			uri[n++] = hex[*p & 15];
		}
	}
	uri[n] = '\0';
	return true;
}

static bool uri_build(struct mfa_enrollment *e, const struct store_factor *f, const char *issuer)
{
	char tail[160];

	/* Key Uri Format of Google Authenticator, as every app reads it. */
	snprintf(e->uri, sizeof(e->uri), "otpauth://%s/", mfa_factor_type_name(f->type));
	if (!uri_append(e->uri, sizeof(e->uri), issuer) || strlen(e->uri) + 2 >= sizeof(e->uri))
		return false;
	strcat(e->uri, ":");
	if (!uri_append(e->uri, sizeof(e->uri), f->label))
		return false;
	if (strlen(e->uri) + strlen(e->secret_b32) + 16 >= sizeof(e->uri))
		return false;
	strcat(e->uri, "?secret=");
	strcat(e->uri, e->secret_b32);
	strcat(e->uri, "&issuer=");
	if (!uri_append(e->uri, sizeof(e->uri), issuer))
		return false;
	if (f->type == MFA_FACTOR_HOTP)
		snprintf(tail, sizeof(tail), "&algorithm=%s&digits=%u&counter=%llu",
		         mfa_algorithm_name(f->algorithm), f->digits, (unsigned long long)f->counter);
	else
		snprintf(tail, sizeof(tail), "&algorithm=%s&digits=%u&period=%u",
		         mfa_algorithm_name(f->algorithm), f->digits, f->period);
	if (strlen(e->uri) + strlen(tail) >= sizeof(e->uri))
		return false;
	strcat(e->uri, tail);
	return true;
}

static size_t default_secret_len(mfa_algorithm alg)
{
	/* RFC 4226 §4 R6 and RFC 6238 §5.1: key as long as the HMAC output. */
	return alg == MFA_ALG_SHA512 ? 64 : alg == MFA_ALG_SHA256 ? 32 : 20;
}

static int enroll_params(mfa_ctx *ctx, const char *user, const struct mfa_otp_params *p,
                         struct store_factor *f)
{
	int r;

	memset(f, 0, sizeof(*f));
	str_copy(f->user, sizeof(f->user), user);
	f->type = p->type ? p->type : MFA_FACTOR_TOTP;
	if (f->type != MFA_FACTOR_TOTP && f->type != MFA_FACTOR_HOTP)
		return ctx_fail(ctx, MFA_ERR_INVALID, "type must be totp or hotp");
	f->algorithm = p->algorithm < 0 ? (mfa_algorithm)ctx->cfg.default_algorithm
	                                : (mfa_algorithm)p->algorithm;
	if (f->algorithm > MFA_ALG_SHA512)
		return ctx_fail(ctx, MFA_ERR_INVALID, "algorithm must be SHA1, SHA256 or SHA512");
	f->digits = p->digits ? p->digits : ctx->cfg.default_digits;
	if (f->digits < 6 || f->digits > 8)
		return ctx_fail(ctx, MFA_ERR_INVALID, "digits must be 6, 7 or 8");
	f->period = f->type == MFA_FACTOR_TOTP ? (p->period ? p->period : ctx->cfg.default_period) : 30;
	if (f->period < MFA_PERIOD_MIN || f->period > MFA_PERIOD_MAX)
		return ctx_fail(ctx, MFA_ERR_INVALID, "period must be %d to %d seconds",
		                MFA_PERIOD_MIN, MFA_PERIOD_MAX);
	f->counter = f->type == MFA_FACTOR_HOTP ? p->counter : 0;
	if (f->counter > (uint64_t)INT64_MAX / 2)
		return ctx_fail(ctx, MFA_ERR_INVALID, "counter out of range");
	f->last_step = -1;
	f->burnt_step = -1;
	if (p->label) {
		if ((r = label_require(ctx, p->label)) != MFA_OK)
			return r;
		str_copy(f->label, sizeof(f->label), p->label);
	} else {
		char host[64] = "localhost";
		size_t keep = strlen(user) < 40 ? strlen(user) : 40;

		gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		/* Cut the name between two UTF-8 characters, not inside one. */
		while (keep > 0 && ((unsigned char)user[keep] & 0xc0) == 0x80)
			keep--;
		snprintf(f->label, sizeof(f->label), "%.*s@%.23s", (int)keep, user, host);
		if (!label_valid(f->label))  /* a host name that is not UTF-8 */
			snprintf(f->label, sizeof(f->label), "%.*s", (int)keep, user);
	}
	if (p->issuer && (!label_valid(p->issuer) || strchr(p->issuer, ':')))
		return ctx_fail(ctx, MFA_ERR_INVALID,
		                "invalid issuer: UTF-8 text without ':' or control characters");
	return MFA_OK;
}

/* Inside the write transaction: a name that differs only in case from
 * another user's is refused, unless names are exact and that is wanted. */
static int enroll_case_check(mfa_ctx *ctx, const char *user, const struct mfa_otp_params *p)
{
	char twin[MFA_USER_MAX + 1];
	bool found;
	int r = ctx->store->ops->user_twin(ctx->store, user, twin, &found);

	if (r != MFA_OK || !found || (p->allow_case && !ctx->cfg.user_case_lower))
		return r;
	return ctx_fail(ctx, MFA_ERR_INVALID,
	                "%s differs only in case from the enrolled user %s: enroll %s instead, or "
	                "give --allow-case (with user_case = exact) if they are different people",
	                user, twin, twin);
}

/* The transaction that stores a pending factor (a run for store_retry). */
struct enroll_tx {
	mfa_ctx *ctx;
	const char *user;
	const struct mfa_otp_params *params;
	const struct mfa_login_policy *inline_pol;
	const unsigned char *secret;
	size_t secret_len;
	const struct store_factor *f;
};

static int enroll_tx_run(void *arg)
{
	const struct enroll_tx *t = arg;
	mfa_ctx *ctx = t->ctx;
	int r;

	/* An enrollment abandoned earlier leaves a pending factor: drop it (a
	 * login may, as login_enroll_check found none of an admin's). */
	if ((r = store_begin_user(ctx->store, t->user)) != MFA_OK ||
	    (t->inline_pol && (r = login_enroll_check(ctx, t->user, t->inline_pol, ctx_now(ctx))) != MFA_OK) ||
	    (r = enroll_case_check(ctx, t->user, t->params)) != MFA_OK ||
	    (r = ctx->store->ops->factors_delete_pending(ctx->store, t->user)) != MFA_OK ||
	    (r = factor_secret_unique(ctx, t->user, t->secret, t->secret_len)) != MFA_OK ||
	    (r = ctx->store->ops->factor_insert(ctx->store, t->f)) != MFA_OK ||
	    (r = ctx->store->ops->commit(ctx->store)) != MFA_OK)
		return tx_abort(ctx, r);
	return MFA_OK;
}

/* inline_pol: a login's enrollment (checked again here), NULL: an admin's. */
static int enroll_begin(mfa_ctx *ctx, const char *user_in, const struct mfa_otp_params *params,
                        const struct mfa_login_policy *inline_pol, mfa_enrollment **out)
{
	char user[MFA_USER_MAX + 1];
	struct mfa_enrollment *e = NULL;
	struct store_factor f;
	unsigned char secret[MFA_SECRET_MAX];
	size_t secret_len;
	char *b32 = NULL;
	size_t b32len = 0;
	int r;

	*out = NULL;
	memset(&f, 0, sizeof(f));
	if ((r = ctx_require_open(ctx)) != MFA_OK ||
	    (r = mfa_user_canonical(ctx, user_in, user)) != MFA_OK ||
	    (r = user_name_require(ctx, user)) != MFA_OK ||
	    (r = enroll_params(ctx, user, params, &f)) != MFA_OK)
		goto out;
	if (!(e = calloc(1, sizeof(*e)))) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	if (params->secret_base32) {
		char *raw = NULL;
		size_t raw_len = 0;

		if (oath_base32_decode(params->secret_base32, strlen(params->secret_base32), &raw,
		                       &raw_len) != OATH_OK) {
			r = ctx_fail(ctx, MFA_ERR_INVALID, "the secret is not base32 (letters A-Z and digits 2-7)");
			goto out;
		}
		if (raw_len < 10 || raw_len > MFA_SECRET_MAX) {
			OPENSSL_cleanse(raw, raw_len);
			free(raw);
			r = ctx_fail(ctx, MFA_ERR_INVALID,
			             "the secret is %zu bytes: it must be 10 to %d bytes (16 to 103 base32 "
			             "characters)", raw_len, MFA_SECRET_MAX);
			goto out;
		}
		memcpy(secret, raw, raw_len);
		secret_len = raw_len;
		OPENSSL_cleanse(raw, raw_len);
		free(raw);
	} else {
		secret_len = default_secret_len(f.algorithm);
		if ((r = random_bytes(secret, secret_len)) != MFA_OK)
			goto out;
	}
	if (oath_base32_encode((const char *)secret, secret_len, &b32, &b32len) != OATH_OK) {
		r = ctx_fail(ctx, MFA_ERR_SYSTEM, "cannot encode the secret");
		goto out;
	}
	/* Apps want the secret without '=' padding. */
	while (b32len > 0 && b32[b32len - 1] == '=')
		b32[--b32len] = '\0';
	str_copy(e->secret_b32, sizeof(e->secret_b32), b32);
	if ((r = factor_id_new(f.id)) != MFA_OK)
		goto out;
	f.created = ctx_now(ctx);
	if (!uri_build(e, &f, params->issuer ? params->issuer : ctx->cfg.issuer)) {
		r = ctx_fail(ctx, MFA_ERR_INVALID, "label and issuer are too long for a QR code");
		goto out;
	}
	if ((r = factor_seal(ctx, &f, secret, secret_len)) != MFA_OK)
		goto out;
	str_copy(e->user, sizeof(e->user), user);
	str_copy(e->id, sizeof(e->id), f.id);
	str_copy(e->source, sizeof(e->source), params->source ? params->source : "cli");
	if (params->remote)
		str_copy(e->remote, sizeof(e->remote), params->remote);
	e->inline_login = f.inline_pending = inline_pol != NULL;
	if ((r = store_retry(enroll_tx_run,
	                     &(struct enroll_tx){ .ctx = ctx, .user = user, .params = params,
	                                          .inline_pol = inline_pol, .secret = secret,
	                                          .secret_len = secret_len, .f = &f })) != MFA_OK)
		goto out;
	if (inline_pol)
		audit_emit(ctx, &(struct audit_event){ .event = "enroll", .user = user, .factor = f.id,
		                                       .source = e->source, .remote = params->remote,
		                                       .outcome = "offered",
		                                       .detail = "secret shown at a login" });
	*out = e;
	e = NULL;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(&f, sizeof(f));
	if (b32) {
		OPENSSL_cleanse(b32, b32len);
		free(b32);
	}
	mfa_enrollment_free(&e);
	return r;
}

int mfa_enroll_begin(mfa_ctx *ctx, const char *user, const struct mfa_otp_params *params,
                     mfa_enrollment **out)
{
	return enroll_begin(ctx, user, params, NULL, out);
}

int mfa_login_enroll_begin(mfa_ctx *ctx, const struct mfa_request *req,
                           const struct mfa_login_policy *policy, mfa_enrollment **out)
{
	struct mfa_otp_params p = { .algorithm = -1, .source = req->source, .remote = req->remote };

	*out = NULL;
	if (!policy->password_verified || !policy->enroll_inline)
		return ctx_fail(ctx, MFA_ERR_INVALID, "inline enrollment needs a verified password");
	return enroll_begin(ctx, req->user, &p, policy, out);
}

int mfa_login_enroll_resume(mfa_ctx *ctx, const struct mfa_request *req,
                            const struct mfa_login_policy *policy, const char *factor_id,
                            mfa_enrollment **out)
{
	struct mfa_enrollment *e;
	char user[MFA_USER_MAX + 1];
	int r;

	*out = NULL;
	if (!policy->password_verified || !policy->enroll_inline)
		return ctx_fail(ctx, MFA_ERR_INVALID, "inline enrollment needs a verified password");
	if (!factor_id || strlen(factor_id) != MFA_ID_LEN)
		return ctx_fail(ctx, MFA_ERR_INVALID, "no pending factor named");
	if ((r = ctx_require_open(ctx)) != MFA_OK || (r = mfa_user_canonical(ctx, req->user, user)) != MFA_OK)
		return r;
	if (!(e = calloc(1, sizeof(*e))))
		return MFA_ERR_NOMEM;
	/* Confirming reads the factor and its secret from the store: the
	 * URI and the secret are not needed again. */
	str_copy(e->user, sizeof(e->user), user);
	str_copy(e->id, sizeof(e->id), factor_id);
	str_copy(e->source, sizeof(e->source), req->source ? req->source : "pam");
	if (req->remote)
		str_copy(e->remote, sizeof(e->remote), req->remote);
	e->inline_login = true;
	*out = e;
	return MFA_OK;
}

const char *mfa_enrollment_factor_id(const mfa_enrollment *e)
{
	return e->id;
}

const char *mfa_enrollment_uri(const mfa_enrollment *e)
{
	return e->uri;
}

const char *mfa_enrollment_secret_base32(const mfa_enrollment *e)
{
	return e->secret_b32;
}

void mfa_enrollment_free(mfa_enrollment **ep)
{
	if (!*ep)
		return;
	OPENSSL_cleanse(*ep, sizeof(**ep));
	free(*ep);
	*ep = NULL;
}

/* An admin's allow-enroll is good for one enrollment at a login. */
static int enroll_allowance_used(mfa_ctx *ctx, const char *user)
{
	struct store_user u;
	bool found;
	int r = ctx->store->ops->user_get(ctx->store, user, &u, &found);

	if (r != MFA_OK || !found || u.enroll != STORE_ENROLL_ALLOWED)
		return r;
	u.enroll = STORE_ENROLL_NEW;
	return ctx->store->ops->user_put(ctx->store, user, &u);
}

/* Finds the pending factor, checks code if given, and activates it. */
static int enroll_finish_once(mfa_ctx *ctx, mfa_enrollment *e, const char *code)
{
	const struct store_ops *ops;
	struct store_factor *list = NULL, *f = NULL;
	unsigned char secret[MFA_SECRET_MAX];
	size_t n = 0, secret_len = 0;
	char clean[16];
	int r;

	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	ops = ctx->store->ops;
	if ((r = store_begin_user(ctx->store, e->user)) != MFA_OK ||
	    (r = ops->factors_get(ctx->store, e->user, &list, &n)) != MFA_OK) {
		tx_abort(ctx, r);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].id, e->id))
			f = &list[i];
	/* A login confirms only what a login began: never an admin's
	 * pending factor. */
	if (!f || f->active || !factor_is_otp(f) || (e->inline_login && !f->inline_pending)) {
		r = ctx_fail(ctx, MFA_ERR_NOT_FOUND, "the pending factor %s of %s is gone (enroll again)",
		             e->id, e->user);
		tx_abort(ctx, r);
		goto out;
	}
	if (code) {
		struct otp_state st;
		struct otp_result res;
		struct otp_policy pol;

		factor_policy(ctx, &pol);
		factor_to_otp(f, &st);
		if (!code_clean(code, clean, sizeof(clean)) || !otp_code_wellformed(clean, f->digits)) {
			r = ctx_fail(ctx, MFA_ERR_BAD_CODE, "the code must be %u digits", f->digits);
			tx_abort(ctx, r);
			goto out;
		}
		if ((r = factor_unseal(ctx, f, secret, sizeof(secret), &secret_len)) != MFA_OK ||
		    (r = otp_check(&st, secret, secret_len, clean, ctx_now(ctx), &pol, &res)) != MFA_OK) {
			tx_abort(ctx, r);
			goto out;
		}
		if (res.outcome != OTP_MATCH) {
			r = res.outcome == OTP_DRIFT ? MFA_ERR_CLOCK_DRIFT : MFA_ERR_BAD_CODE;
			if (e->inline_login)
				audit_emit(ctx, &(struct audit_event){ .event = "enroll", .user = e->user,
				                                       .factor = e->id, .source = e->source,
				                                       .remote = e->remote[0] ? e->remote : NULL,
				                                       .outcome = "rejected",
				                                       .detail = "wrong confirmation code" });
			if (r == MFA_ERR_CLOCK_DRIFT)
				ctx_fail(ctx, r, "that code was valid %ld s %s: the device clock is off; set it "
				         "to automatic time and try a new code", labs(res.offset_seconds),
				         res.offset_seconds < 0 ? "ago" : "from now");
			else
				ctx_fail(ctx, r, "that is not the code the app shows: check that the app "
				         "scanned this QR code, then type the code it shows now");
			tx_abort(ctx, r);
			goto out;
		}
		/* The confirming code is used: it must not log in afterwards. */
		factor_from_otp(f, &st);
		f->last_used = ctx_now(ctx);
	}
	f->active = true;
	if (e->inline_login && (r = enroll_allowance_used(ctx, e->user)) != MFA_OK) {
		tx_abort(ctx, r);
		goto out;
	}
	if ((r = ops->factor_update(ctx->store, f)) != MFA_OK || (r = ops->commit(ctx->store)) != MFA_OK) {
		tx_abort(ctx, r);
		goto out;
	}
	audit_emit(ctx, &(struct audit_event){ .event = "enroll", .user = e->user, .factor = e->id,
	                                       .source = e->source,
	                                       .remote = e->remote[0] ? e->remote : NULL,
	                                       .outcome = "ok",
	                                       .detail = code ? "confirmed with a code" : "activated without a code" });
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(clean, sizeof(clean));
	store_factors_free(&list, n);
	return r;
}

struct enroll_finish_args {
	mfa_ctx *ctx;
	mfa_enrollment *e;
	const char *code;
};

static int enroll_finish_run(void *arg)
{
	const struct enroll_finish_args *a = arg;

	return enroll_finish_once(a->ctx, a->e, a->code);
}

static int enroll_finish(mfa_ctx *ctx, mfa_enrollment *e, const char *code)
{
	return store_retry(enroll_finish_run,
	                   &(struct enroll_finish_args){ .ctx = ctx, .e = e, .code = code });
}

int mfa_enroll_confirm(mfa_ctx *ctx, mfa_enrollment *e, const char *code)
{
	return enroll_finish(ctx, e, code);
}

int mfa_enroll_activate(mfa_ctx *ctx, mfa_enrollment *e)
{
	return enroll_finish(ctx, e, NULL);
}
