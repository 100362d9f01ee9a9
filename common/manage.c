/*
 * manage.c - support-staff operations on stored users and factors: list,
 * remove, rename, resync, unlock, recovery codes, export and delete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "audit.h"
#include "factor.h"
#include "recovery.h"

/* Points *user at its canonical form (user_case) in canon. */
static int check_user(mfa_ctx *ctx, const char **user, char canon[MFA_USER_MAX + 1])
{
	int r = ctx_require_open(ctx);

	if (r != MFA_OK || (r = mfa_user_canonical(ctx, *user, canon)) != MFA_OK)
		return r;
	*user = canon;
	return MFA_OK;
}

/* An AAGUID (the authenticator's model) in the usual UUID form. */
static void aaguid_text(const unsigned char g[STORE_AAGUID_LEN], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12],
	         g[13], g[14], g[15]);
}

static void info_from_factor(struct mfa_factor_info *info, const struct store_factor *f)
{
	memset(info, 0, sizeof(*info));
	str_copy(info->user, sizeof(info->user), f->user);
	str_copy(info->id, sizeof(info->id), f->id);
	str_copy(info->label, sizeof(info->label), f->label);
	info->type = f->type;
	info->algorithm = f->algorithm;
	info->digits = f->digits;
	info->period = f->period;
	info->counter = f->counter;
	info->drift_seconds = (long)f->drift_steps * (long)f->period;
	info->active = f->active;
	info->created = (time_t)f->created;
	info->last_used = (time_t)f->last_used;
	if (f->type == MFA_FACTOR_WEBAUTHN) {
		char id[(STORE_CRED_ID_MAX + 2) / 3 * 4 + 1];

		info->webauthn_algorithm = f->cose_alg;
		aaguid_text(f->aaguid, info->webauthn_aaguid);
		str_copy(info->webauthn_transports, sizeof(info->webauthn_transports), f->transports);
		str_copy(info->webauthn_attestation, sizeof(info->webauthn_attestation),
		         f->attestation);
		b64url_encode(f->cred_id, f->cred_id_len, id);
		if (strlen(id) >= sizeof(info->webauthn_credential_id))
			strcpy(id + sizeof(info->webauthn_credential_id) - 4, "...");
		str_copy(info->webauthn_credential_id, sizeof(info->webauthn_credential_id), id);
	}
}

int mfa_factor_list(mfa_ctx *ctx, const char *user, struct mfa_factor_info **out, size_t *n)
{
	char canon[MFA_USER_MAX + 1];
	struct store_factor *list = NULL;
	size_t count = 0;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = user ? check_user(ctx, &user, canon) : ctx_require_open(ctx)) != MFA_OK)
		return r;
	if ((r = ctx->store->ops->begin(ctx->store, false)) != MFA_OK ||
	    (r = ctx->store->ops->factors_get(ctx->store, user, &list, &count)) != MFA_OK)
		return tx_abort(ctx, r);
	ctx->store->ops->rollback(ctx->store);
	if (count && !(*out = calloc(count, sizeof(**out)))) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < count; i++)
		info_from_factor(&(*out)[i], &list[i]);
	*n = count;
out:
	store_factors_free(&list, count);
	return r;
}

void mfa_factor_list_free(struct mfa_factor_info **list)
{
	free(*list);
	*list = NULL;
}

int mfa_user_info_get(mfa_ctx *ctx, const char *user, struct mfa_user_info *out)
{
	char canon[MFA_USER_MAX + 1];
	struct store_user u;
	struct store_recovery *rec = NULL;
	struct store_factor *list = NULL;
	struct store_signin signin;
	size_t n = 0, nfactors = 0;
	bool found, signin_found;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = check_user(ctx, &user, canon)) != MFA_OK)
		return r;
	if ((r = ctx->store->ops->begin(ctx->store, false)) != MFA_OK ||
	    (r = ctx->store->ops->user_get(ctx->store, user, &u, &found)) != MFA_OK ||
	    (r = ctx->store->ops->factors_get(ctx->store, user, &list, &nfactors)) != MFA_OK ||
	    (r = ctx->store->ops->recovery_get(ctx->store, user, &rec, &n)) != MFA_OK ||
	    (r = ctx->store->ops->signin_get(ctx->store, user, &signin, &signin_found)) != MFA_OK) {
		store_factors_free(&list, nfactors);
		free(rec);
		return tx_abort(ctx, r);
	}
	ctx->store->ops->rollback(ctx->store);
	for (size_t i = 0; i < nfactors; i++) {
		if (!list[i].active)
			continue;
		if (!factor_is_otp(&list[i]))
			out->webauthn_credentials++;
		else
			out->active_factors++;
	}
	out->code_digits = factor_code_digits(list, nfactors);
	store_factors_free(&list, nfactors);
	/* As verify.c takes it: unexpired, and its passkey still there. A
	 * user without an OTP factor types it with as many digits as
	 * mfa_signin_code_create gave it. */
	out->signin_code = signin_found && out->webauthn_credentials &&
	                   signin.expires > (int64_t)ctx_now(ctx);
	if (out->signin_code && !out->code_digits)
		out->code_digits = SIGNIN_DIGITS_DEFAULT;
	str_copy(out->user, sizeof(out->user), user);
	out->failures = u.failures;
	out->locked_until = (time_t)u.locked_until;
	out->first_seen = (time_t)u.first_seen;
	out->recovery_total = (unsigned)n;
	for (size_t i = 0; i < n; i++)
		out->recovery_left += !rec[i].used;
	free(rec);
	return MFA_OK;
}

/* Loads user's factor `id` inside an open write transaction. */
static int factor_find(mfa_ctx *ctx, const char *user, const char *id, struct store_factor **list,
                       size_t *n, struct store_factor **f)
{
	int r = ctx->store->ops->factors_get(ctx->store, user, list, n);

	*f = NULL;
	if (r != MFA_OK)
		return r;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*list)[i].id, id))
			*f = &(*list)[i];
	if (!*f)
		return ctx_fail(ctx, MFA_ERR_NOT_FOUND,
		                "user %s has no factor %s ('mfactl list %s' shows the ids)", user, id, user);
	return MFA_OK;
}

int mfa_factor_remove(mfa_ctx *ctx, const char *user, const char *factor_id, const char *source)
{
	char canon[MFA_USER_MAX + 1];
	struct store_user u;
	bool found, known;
	int r;

	if ((r = check_user(ctx, &user, canon)) != MFA_OK)
		return r;
	if ((r = store_begin_user(ctx->store, user)) != MFA_OK ||
	    (r = ctx->store->ops->factor_delete(ctx->store, user, factor_id, &found)) != MFA_OK)
		return tx_abort(ctx, r);
	if (!found)
		return tx_abort(ctx, ctx_fail(ctx, MFA_ERR_NOT_FOUND,
		                              "user %s has no factor %s ('mfactl list %s' shows the ids)",
		                              user, factor_id, user));
	/* Whoever had a factor removed does not get to enroll a new one at a
	 * login on their own (mfactl allow-enroll). */
	if ((r = ctx->store->ops->user_get(ctx->store, user, &u, &known)) != MFA_OK)
		return tx_abort(ctx, r);
	u.enroll = STORE_ENROLL_BLOCKED;
	if ((r = ctx->store->ops->user_put(ctx->store, user, &u)) != MFA_OK)
		return tx_abort(ctx, r);
	if ((r = ctx->store->ops->commit(ctx->store)) != MFA_OK)
		return tx_abort(ctx, r);
	audit_emit(ctx, &(struct audit_event){ .event = "remove", .user = user, .factor = factor_id,
	                                       .source = source, .outcome = "ok" });
	return MFA_OK;
}

int mfa_factor_rename(mfa_ctx *ctx, const char *user, const char *factor_id, const char *label,
                      const char *source)
{
	char canon[MFA_USER_MAX + 1];
	struct store_factor *list = NULL, *f;
	size_t n = 0;
	int r;

	if ((r = check_user(ctx, &user, canon)) != MFA_OK)
		return r;
	if ((r = label_require(ctx, label)) != MFA_OK)
		return r;
	if ((r = store_begin_user(ctx->store, user)) != MFA_OK ||
	    (r = factor_find(ctx, user, factor_id, &list, &n, &f)) != MFA_OK) {
		tx_abort(ctx, r);
		goto out;
	}
	str_copy(f->label, sizeof(f->label), label);
	if ((r = ctx->store->ops->factor_update(ctx->store, f)) != MFA_OK ||
	    (r = ctx->store->ops->commit(ctx->store)) != MFA_OK) {
		tx_abort(ctx, r);
		goto out;
	}
	audit_emit(ctx, &(struct audit_event){ .event = "rename", .user = user, .factor = factor_id,
	                                       .source = source, .outcome = "ok" });
out:
	store_factors_free(&list, n);
	return r;
}

int mfa_resync(mfa_ctx *ctx, const char *user, const char *code1, const char *code2,
               const char *source, char factor_id[MFA_ID_LEN + 1])
{
	char canon[MFA_USER_MAX + 1];
	struct store_factor *list = NULL;
	unsigned char secret[MFA_SECRET_MAX];
	size_t n = 0, secret_len = 0;
	char c1[16], c2[16];
	struct otp_policy pol;
	int r;

	factor_id[0] = '\0';
	if ((r = check_user(ctx, &user, canon)) != MFA_OK)
		return r;
	if (!code_clean(code1, c1, sizeof(c1)) || !code_clean(code2, c2, sizeof(c2)))
		return ctx_fail(ctx, MFA_ERR_INVALID, "give two consecutive codes, digits only");
	factor_policy(ctx, &pol);
	if ((r = store_begin_user(ctx->store, user)) != MFA_OK ||
	    (r = ctx->store->ops->factors_get(ctx->store, user, &list, &n)) != MFA_OK) {
		tx_abort(ctx, r);
		goto out;
	}
	r = MFA_ERR_BAD_CODE;
	for (size_t i = 0; i < n && r == MFA_ERR_BAD_CODE; i++) {
		struct store_factor *f = &list[i];
		struct otp_state st;

		if (!f->active || !factor_is_otp(f) || !otp_code_wellformed(c1, f->digits))
			continue;
		if ((r = factor_unseal(ctx, f, secret, sizeof(secret), &secret_len)) != MFA_OK)
			break;
		factor_to_otp(f, &st);
		r = otp_resync(&st, secret, secret_len, c1, c2, ctx_now(ctx), &pol);
		OPENSSL_cleanse(secret, sizeof(secret));
		if (r == MFA_OK) {
			factor_from_otp(f, &st);
			str_copy(factor_id, MFA_ID_LEN + 1, f->id);
			r = ctx->store->ops->factor_update(ctx->store, f);
		}
	}
	if (r == MFA_ERR_BAD_CODE)
		ctx_fail(ctx, r,
		         "no factor of %s shows these two codes one after the other (within %u steps): "
		         "type two codes the token shows in a row",
		         user, ctx->cfg.resync_window);
	if (r != MFA_OK || (r = ctx->store->ops->commit(ctx->store)) != MFA_OK) {
		tx_abort(ctx, r);
		goto out;
	}
	audit_emit(ctx, &(struct audit_event){ .event = "resync", .user = user, .factor = factor_id,
	                                       .source = source, .outcome = "ok" });
out:
	OPENSSL_cleanse(c1, sizeof(c1));
	OPENSSL_cleanse(c2, sizeof(c2));
	store_factors_free(&list, n);
	return r;
}

int mfa_unlock(mfa_ctx *ctx, const char *user, const char *source)
{
	char canon[MFA_USER_MAX + 1];
	struct store_user u;
	bool found;
	int r;

	if ((r = check_user(ctx, &user, canon)) != MFA_OK)
		return r;
	if ((r = store_begin_user(ctx->store, user)) != MFA_OK ||
	    (r = ctx->store->ops->user_get(ctx->store, user, &u, &found)) != MFA_OK)
		return tx_abort(ctx, r);
	if (!found) {
		ctx->store->ops->rollback(ctx->store);
		return MFA_OK;  /* nothing to unlock */
	}
	u.failures = 0;
	u.locked_until = 0;
	if ((r = ctx->store->ops->user_put(ctx->store, user, &u)) != MFA_OK ||
	    (r = ctx->store->ops->commit(ctx->store)) != MFA_OK)
		return tx_abort(ctx, r);
	audit_emit(ctx, &(struct audit_event){ .event = "unlock", .user = user, .source = source,
	                                       .outcome = "ok" });
	return MFA_OK;
}

int mfa_recovery_generate(mfa_ctx *ctx, const char *user, const char *source,
                          char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT])
{
	char canon[MFA_USER_MAX + 1];
	struct store_recovery rec[MFA_RECOVERY_COUNT];
	int r;

	memset(codes, 0, MFA_RECOVERY_COUNT * MFA_RECOVERY_TEXT);
	if ((r = check_user(ctx, &user, canon)) != MFA_OK)
		return r;
	if ((r = recovery_generate(ctx, user, codes, rec)) != MFA_OK)
		return ctx_fail(ctx, r, "cannot generate recovery codes");
	if ((r = store_begin_user(ctx->store, user)) != MFA_OK ||
	    (r = ctx->store->ops->recovery_replace(ctx->store, user, rec, MFA_RECOVERY_COUNT)) != MFA_OK ||
	    (r = ctx->store->ops->commit(ctx->store)) != MFA_OK) {
		tx_abort(ctx, r);
		OPENSSL_cleanse(codes, MFA_RECOVERY_COUNT * MFA_RECOVERY_TEXT);
		goto out;
	}
	audit_emit(ctx, &(struct audit_event){ .event = "recovery", .user = user, .source = source,
	                                       .outcome = "ok", .detail = "new codes issued" });
out:
	OPENSSL_cleanse(rec, sizeof(rec));
	return r;
}

static json_t *factor_json(mfa_ctx *ctx, const struct store_factor *f)
{
	char label[MFA_TEXT_ESCAPED_MAX];

	/* Older versions let labels that are not UTF-8 in: shown escaped. */
	if (!mfa_text_escape(f->label, label, sizeof(label)))
		ctx_log(ctx, MFA_LOG_WARNING, "the label of factor %s is not UTF-8 text: exported as %s",
		        f->id, label);
	if (f->type == MFA_FACTOR_WEBAUTHN) {
		char id[(STORE_CRED_ID_MAX + 2) / 3 * 4 + 1], aaguid[37];

		/* The public key stays out, like seeds: it is sealed for integrity. */
		aaguid_text(f->aaguid, aaguid);
		b64url_encode(f->cred_id, f->cred_id_len, id);
		return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:I, s:I}",
		                 "id", f->id, "type", "webauthn", "label", label, "algorithm",
		                 mfa_webauthn_algorithm_name(f->cose_alg), "credential_id", id,
		                 "aaguid", aaguid, "transports", f->transports,
		                 "attestation", f->attestation, "sign_count", (json_int_t)f->counter,
		                 "active", (int)f->active, "created", (json_int_t)f->created,
		                 "last_used", (json_int_t)f->last_used);
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:b, s:I, s:I}",
	                 "id", f->id, "type", mfa_factor_type_name(f->type), "label", label,
	                 "algorithm", mfa_algorithm_name(f->algorithm), "digits", (int)f->digits,
	                 "period", (int)f->period, "counter", (json_int_t)f->counter,
	                 "drift_seconds", (json_int_t)f->drift_steps * (json_int_t)f->period,
	                 "active", (int)f->active, "created", (json_int_t)f->created,
	                 "last_used", (json_int_t)f->last_used);
}

int mfa_user_export(mfa_ctx *ctx, const char *user, char **json)
{
	char canon[MFA_USER_MAX + 1];
	struct store_factor *list = NULL;
	struct store_recovery *rec = NULL;
	struct store_invite *inv = NULL;
	struct store_approval *appr = NULL;
	struct store_signin signin;
	struct store_user u;
	size_t n = 0, nrec = 0, ninv = 0, nappr = 0, left = 0;
	json_t *root = NULL, *factors, *invites, *approvals;
	char shown[MFA_TEXT_ESCAPED_MAX];
	bool found, signin_found;
	int r;

	*json = NULL;
	if ((r = check_user(ctx, &user, canon)) != MFA_OK)
		return r;
	if ((r = ctx->store->ops->begin(ctx->store, false)) != MFA_OK ||
	    (r = ctx->store->ops->user_get(ctx->store, user, &u, &found)) != MFA_OK ||
	    (r = ctx->store->ops->factors_get(ctx->store, user, &list, &n)) != MFA_OK ||
	    (r = ctx->store->ops->recovery_get(ctx->store, user, &rec, &nrec)) != MFA_OK ||
	    (r = ctx->store->ops->invites_get(ctx->store, user, &inv, &ninv)) != MFA_OK ||
	    (r = ctx->store->ops->approvals_get(ctx->store, user, &appr, &nappr)) != MFA_OK ||
	    (r = ctx->store->ops->signin_get(ctx->store, user, &signin, &signin_found)) != MFA_OK) {
		tx_abort(ctx, r);
		goto out;
	}
	ctx->store->ops->rollback(ctx->store);
	if (!found && n == 0 && nrec == 0 && ninv == 0) {
		r = ctx_fail(ctx, MFA_ERR_NOT_FOUND, "nothing is stored about user %s", user);
		goto out;
	}
	for (size_t i = 0; i < nrec; i++)
		left += !rec[i].used;
	if (!mfa_text_escape(user, shown, sizeof(shown)))
		ctx_log(ctx, MFA_LOG_WARNING, "user name %s is not UTF-8 text: exported escaped", shown);
	r = MFA_ERR_NOMEM;
	root = json_pack("{s:s, s:i, s:I, s:I, s:{s:i, s:i}, s:[]}", "user", shown, "failures",
	                 (int)u.failures, "locked_until", (json_int_t)u.locked_until, "first_seen",
	                 (json_int_t)u.first_seen, "recovery_codes", "total", (int)nrec, "left",
	                 (int)left, "factors");
	if (!root)
		goto out;
	factors = json_object_get(root, "factors");
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(factors, factor_json(ctx, &list[i])) < 0)
			goto out;
	/* Pending invite links: when, until when, by whom; never their hash. */
	if (!(invites = json_array()) || json_object_set_new(root, "invites", invites) < 0)
		goto out;
	for (size_t i = 0; i < ninv; i++) {
		char by[MFA_TEXT_ESCAPED_MAX];

		mfa_text_escape(inv[i].created_by, by, sizeof(by));
		if (json_array_append_new(invites, json_pack("{s:I, s:I, s:s}", "created",
		                                             (json_int_t)inv[i].created, "expires",
		                                             (json_int_t)inv[i].expires, "created_by",
		                                             by)) < 0)
			goto out;
	}
	/* A sign-in code not yet used or swept: when and until when, never its
	 * hash. */
	if (signin_found &&
	    json_object_set_new(root, "signin_code",
	                        json_pack("{s:I, s:I}", "created", (json_int_t)signin.created,
	                                  "expires", (json_int_t)signin.expires)) < 0)
		goto out;
	/* Approvals of logins not yet swept (they live minutes). */
	if (!(approvals = json_array()) || json_object_set_new(root, "approvals", approvals) < 0)
		goto out;
	for (size_t i = 0; i < nappr; i++) {
		static const char *const states[] = { "pending", "approved", "denied", "consumed" };
		char service[4 * MFA_APPROVAL_SERVICE_MAX + 1], nas[4 * MFA_APPROVAL_NAS_MAX + 1],
		        remote[4 * MFA_APPROVAL_REMOTE_MAX + 1],
		        requester[4 * MFA_APPROVAL_REQUESTER_MAX + 1];

		mfa_text_escape(appr[i].service, service, sizeof(service));
		mfa_text_escape(appr[i].nas, nas, sizeof(nas));
		mfa_text_escape(appr[i].remote, remote, sizeof(remote));
		mfa_text_escape(appr[i].requester, requester, sizeof(requester));
		if (json_array_append_new(
		            approvals,
		            json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:I}", "id", appr[i].id,
		                      "service", service, "nas", nas, "remote", remote, "requester",
		                      requester, "created", (json_int_t)appr[i].created, "expires",
		                      (json_int_t)appr[i].expires, "state", states[appr[i].state],
		                      "decided_at", (json_int_t)appr[i].decided_at)) < 0)
			goto out;
	}
	if (!(*json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
		goto out;
	r = MFA_OK;
out:
	json_decref(root);
	free(appr);
	store_factors_free(&list, n);
	free(rec);
	free(inv);
	return r;
}

int mfa_user_delete(mfa_ctx *ctx, const char *user, const char *source)
{
	char canon[MFA_USER_MAX + 1];
	bool found;
	int r;

	if ((r = check_user(ctx, &user, canon)) != MFA_OK)
		return r;
	if ((r = store_begin_user(ctx->store, user)) != MFA_OK ||
	    (r = ctx->store->ops->user_delete(ctx->store, user, &found)) != MFA_OK)
		return tx_abort(ctx, r);
	if (!found)
		return tx_abort(ctx, ctx_fail(ctx, MFA_ERR_NOT_FOUND, "nothing is stored about user %s",
		                              user));
	if ((r = ctx->store->ops->commit(ctx->store)) != MFA_OK)
		return tx_abort(ctx, r);
	audit_emit(ctx, &(struct audit_event){ .event = "delete", .user = user, .source = source,
	                                       .outcome = "ok", .detail = "every record erased" });
	return MFA_OK;
}

int mfa_user_first_seen(mfa_ctx *ctx, const char *user, time_t *first_seen)
{
	char canon[MFA_USER_MAX + 1];
	struct store_user u;
	bool found;
	int r;

	*first_seen = 0;
	if ((r = check_user(ctx, &user, canon)) != MFA_OK)
		return r;
	if ((r = store_begin_user(ctx->store, user)) != MFA_OK ||
	    (r = ctx->store->ops->user_get(ctx->store, user, &u, &found)) != MFA_OK)
		return tx_abort(ctx, r);
	if (!found || u.first_seen == 0) {
		u.first_seen = ctx_now(ctx);
		if ((r = ctx->store->ops->user_put(ctx->store, user, &u)) != MFA_OK ||
		    (r = ctx->store->ops->commit(ctx->store)) != MFA_OK)
			return tx_abort(ctx, r);
	} else {
		ctx->store->ops->rollback(ctx->store);
	}
	*first_seen = (time_t)u.first_seen;
	return MFA_OK;
}

int mfa_audit(mfa_ctx *ctx, const struct mfa_request *req, const char *event,
              const char *outcome, const char *detail)
{
	return audit_must_emit(ctx, &(struct audit_event){ .event = event, .user = req->user,
	                                                   .source = req->source, .remote = req->remote,
	                                                   .nas_id = req->nas_id, .station = req->station,
	                                                   .outcome = outcome, .detail = detail });
}
