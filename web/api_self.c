/*
 * api_self.c - a signed-in user's own things: the factors (add an app or a
 * passkey, rename, remove), new recovery codes, what is stored about them
 * (list, download), and deleting it all. Each is one core call, audited by
 * the core with source "web" and the browser's address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api.h"

#define LABEL_MAX 64
#define SIGNINS_SHOWN 10

/* An invite's first factor is set up: the invite's session ends there;
 * the user signs in with their password and that factor. */
static void invite_done(struct web_request *rq, struct web_reply *rp)
{
	if (rq->session.stage != WEB_STAGE_INVITE)
		return;
	session_end(rq->web->sessions, &rq->session);
	reply_cookie(rq, rp, NULL);
}

static void unavailable(struct web_reply *rp)
{
	reply_error(rp, 503, "This could not be done now: try again later, or ask support.");
}

/* The user's factors, recovery codes left and lockout state. */
static void me(struct web_request *rq, struct web_reply *rp)
{
	struct mfa_factor_info *list = NULL;
	struct mfa_user_info info;
	struct web_pool *from;
	size_t n = 0;
	json_t *factors, *signins = NULL;
	char *recent = NULL;
	mfa_ctx *ctx;
	int r;

	if (!(ctx = api_ctx(rq, rp, &from)))
		return;
	r = mfa_factor_list(ctx, rq->session.user, &list, &n);
	if (r == MFA_OK && (r = mfa_user_info_get(ctx, rq->session.user, &info)) == MFA_ERR_NOT_FOUND) {
		memset(&info, 0, sizeof(info));
		r = MFA_OK;
	}
	/* The last sign-ins, from the audit (none shown if it cannot be read). */
	if (r == MFA_OK &&
	    mfa_audit_recent(ctx, rq->session.user, SIGNIN_EVENTS, SIGNINS_SHOWN, &recent) == MFA_OK)
		signins = json_loads(recent, 0, NULL);
	free(recent);
	api_ctx_done(from, ctx, r);
	if (r != MFA_OK) {
		mfa_factor_list_free(&list);
		unavailable(rp);
		return;
	}
	factors = json_array();
	for (size_t i = 0; i < n; i++)
		if (list[i].active)
			json_array_append_new(factors, factor_json(&list[i]));
	mfa_factor_list_free(&list);
	reply_json(rp, 200, json_pack("{s:s, s:o, s:i, s:i, s:I, s:o}", "user", rq->session.user,
	                              "factors", factors, "recovery_left", (int)info.recovery_left,
	                              "recovery_total", (int)info.recovery_total, "locked_until",
	                              (json_int_t)info.locked_until, "signins",
	                              signins ? signins : json_array()));
}

static const char *label_of(json_t *body, const char *fallback)
{
	const char *label = member_string(body, "label", LABEL_MAX);

	return label && label[0] ? label : fallback;
}

/* An authenticator app: a pending factor, its QR code (SVG), link and
 * secret; active once confirmed by a first code. */
static void app_begin(struct web_request *rq, struct web_reply *rp)
{
	json_t *body = body_object(rq, rp);
	struct mfa_otp_params params = { .type = MFA_FACTOR_TOTP, .algorithm = -1 };
	mfa_enrollment *e = NULL;
	struct web_pool *from;
	char *svg = NULL;
	mfa_ctx *ctx;
	int r;

	if (!body)
		return;
	params.label = label_of(body, "authenticator app");
	params.source = WEB_SOURCE;
	params.remote = rq->client;
	if (!(ctx = api_ctx(rq, rp, &from)))
		goto out;
	r = mfa_enroll_begin(ctx, rq->session.user, &params, &e);
	api_ctx_done(from, ctx, r);
	if (r == MFA_ERR_INVALID) {   /* the label */
		reply_error(rp, 400, "That name cannot be used: use letters, digits and spaces.");
		goto out;
	}
	if (r != MFA_OK || mfa_qr_render(mfa_enrollment_uri(e), MFA_QR_SVG, &svg) != MFA_OK) {
		mfa_enrollment_free(&e);
		unavailable(rp);
		goto out;
	}
	reply_json(rp, 200, json_pack("{s:s, s:s, s:s, s:s}", "factor", mfa_enrollment_factor_id(e),
	                              "uri", mfa_enrollment_uri(e), "secret",
	                              mfa_enrollment_secret_base32(e), "qr_svg", svg));
	OPENSSL_cleanse(svg, strlen(svg));
	free(svg);
	/* The session keeps it until the first code; an earlier one is dropped. */
	e = session_enrollment_swap(rq->web->sessions, &rq->session, e);
	mfa_enrollment_free(&e);
out:
	json_decref(body);
}

static void app_confirm(struct web_request *rq, struct web_reply *rp)
{
	json_t *body = body_object(rq, rp);
	mfa_enrollment *e = NULL;
	struct web_pool *from;
	const char *code;
	mfa_ctx *ctx;
	int r;

	if (!body)
		return;
	if (!(code = member_string(body, "code", 16)) || !code[0]) {
		reply_error(rp, 400, "Type the code your app shows.");
		goto out;
	}
	if (!(e = session_enrollment_swap(rq->web->sessions, &rq->session, NULL))) {
		reply_error(rp, 409, "Start again: add the app first.");
		goto out;
	}
	if (!(ctx = api_ctx(rq, rp, &from)))
		goto out;
	r = mfa_enroll_confirm(ctx, e, code);
	api_ctx_done(from, ctx, r);
	if (r == MFA_OK) {
		reply_json(rp, 200, json_pack("{s:s}", "factor", mfa_enrollment_factor_id(e)));
		invite_done(rq, rp);
	} else if (mfa_err_is_verdict(r)) {
		reply_error(rp, 401, "That code is not the app's current one: type the code it shows now.");
		e = session_enrollment_swap(rq->web->sessions, &rq->session, e);
	} else {
		unavailable(rp);
	}
out:
	mfa_enrollment_free(&e);
	json_decref(body);
}

static void passkey_begin(struct web_request *rq, struct web_reply *rp)
{
	struct web_pool *from;
	char *options = NULL;
	mfa_ctx *ctx;
	int r;

	if (!(ctx = api_ctx(rq, rp, &from)))
		return;
	r = mfa_webauthn_register_begin(ctx, rq->session.user, &options);
	api_ctx_done(from, ctx, r);
	if (r != MFA_OK)
		unavailable(rp);
	else
		reply_options(rp, options);
	free(options);
}

static void passkey_finish(struct web_request *rq, struct web_reply *rp)
{
	json_t *body = body_object(rq, rp);
	struct mfa_webauthn_result out;
	struct mfa_request req;
	struct web_pool *from;
	char *text = NULL;
	mfa_ctx *ctx;
	int r;

	if (!body)
		return;
	if (!(text = body_response(body, rp)))
		goto out;
	if (!(ctx = api_ctx(rq, rp, &from)))
		goto out;
	api_core_request(rq, &req, rq->session.user);
	r = mfa_webauthn_register_finish(ctx, &req, text, label_of(body, "passkey"), &out);
	api_ctx_done(from, ctx, r);
	if (r == MFA_OK) {
		reply_json(rp, 200, json_pack("{s:s, s:s}", "factor", out.factor_id, "algorithm",
		                              mfa_webauthn_algorithm_name(out.algorithm)));
		invite_done(rq, rp);
	}
	else if (mfa_err_is_verdict(r) || r == MFA_ERR_INVALID)
		reply_error(rp, 400, "The security key's answer was not accepted: try again.");
	else
		unavailable(rp);
out:
	free(text);
	json_decref(body);
}

/* How many factors user can sign in with (OTP and WebAuthn), and recovery
 * codes left: the last one is never removed without a way back in. */
static int count_factors(mfa_ctx *ctx, const char *user, unsigned *factors, unsigned *recovery)
{
	struct mfa_user_info info;
	int r = mfa_user_info_get(ctx, user, &info);

	if (r != MFA_OK)
		return r;
	*factors = info.active_factors + info.webauthn_credentials;
	*recovery = info.recovery_left;
	return MFA_OK;
}

static void factor_remove(struct web_request *rq, struct web_reply *rp)
{
	json_t *body = body_object(rq, rp);
	unsigned factors = 0, recovery = 0;
	struct web_pool *from;
	const char *id;
	mfa_ctx *ctx;
	int r;

	if (!body)
		return;
	if (!(id = member_string(body, "id", MFA_ID_LEN))) {
		reply_error(rp, 400, "Which factor? Its id is missing.");
		goto out;
	}
	if (!(ctx = api_ctx(rq, rp, &from)))
		goto out;
	r = count_factors(ctx, rq->session.user, &factors, &recovery);
	if (r != MFA_OK || (factors <= 1 && (!recovery ||
	                                     !json_is_true(json_object_get(body, "confirm_last"))))) {
		api_ctx_done(from, ctx, r);
		if (r != MFA_OK)
			unavailable(rp);
		else if (!recovery)
			reply_error(rp, 409, "This is your last factor and you have no recovery codes: "
			                     "add another factor (or create recovery codes) first.");
		else
			reply_error(rp, 409, "This is your last factor: after removing it you can sign "
			                     "in only with a recovery code. Confirm to remove it anyway.");
		goto out;
	}
	r = mfa_factor_remove(ctx, rq->session.user, id, WEB_SOURCE);
	api_ctx_done(from, ctx, r);
	if (r == MFA_OK)
		reply_json(rp, 200, json_pack("{s:s}", "removed", id));
	else if (r == MFA_ERR_NOT_FOUND)
		reply_error(rp, 404, "No such factor.");
	else
		unavailable(rp);
out:
	json_decref(body);
}

static void factor_rename(struct web_request *rq, struct web_reply *rp)
{
	json_t *body = body_object(rq, rp);
	struct web_pool *from;
	const char *id, *label;
	mfa_ctx *ctx;
	int r;

	if (!body)
		return;
	id = member_string(body, "id", MFA_ID_LEN);
	label = member_string(body, "label", LABEL_MAX);
	if (!id || !label || !label[0]) {
		reply_error(rp, 400, "Give the factor's id and a new name (at most 64 bytes).");
		goto out;
	}
	if (!(ctx = api_ctx(rq, rp, &from)))
		goto out;
	r = mfa_factor_rename(ctx, rq->session.user, id, label, WEB_SOURCE);
	api_ctx_done(from, ctx, r);
	if (r == MFA_OK)
		reply_json(rp, 200, json_pack("{s:s, s:s}", "id", id, "label", label));
	else if (r == MFA_ERR_NOT_FOUND)
		reply_error(rp, 404, "No such factor.");
	else if (r == MFA_ERR_INVALID)
		reply_error(rp, 400, "That name cannot be used: use letters, digits and spaces.");
	else
		unavailable(rp);
out:
	json_decref(body);
}

/* New recovery codes, shown once. */
static void recovery(struct web_request *rq, struct web_reply *rp)
{
	char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT];
	struct web_pool *from;
	json_t *list;
	mfa_ctx *ctx;
	int r;

	if (!(ctx = api_ctx(rq, rp, &from)))
		return;
	r = mfa_recovery_generate(ctx, rq->session.user, WEB_SOURCE, codes);
	api_ctx_done(from, ctx, r);
	if (r != MFA_OK) {
		unavailable(rp);
		return;
	}
	list = json_array();
	for (size_t i = 0; i < MFA_RECOVERY_COUNT; i++)
		json_array_append_new(list, json_string(codes[i]));
	OPENSSL_cleanse(codes, sizeof(codes));
	reply_json(rp, 200, json_pack("{s:o}", "codes", list));
}

/* Everything stored about the user, as `mfactl export` gives it. */
static void export(struct web_request *rq, struct web_reply *rp)
{
	struct web_pool *from;
	char *json = NULL;
	mfa_ctx *ctx;
	int r;

	if (!(ctx = api_ctx(rq, rp, &from)))
		return;
	r = mfa_user_export(ctx, rq->session.user, &json);
	api_ctx_done(from, ctx, r);
	if (r != MFA_OK) {
		free(json);
		unavailable(rp);
		return;
	}
	free(rp->body);
	rp->body = json;
	rp->len = strlen(json);
	rp->status = 200;
	rp->content_type = "application/json";
	rp->disposition = "attachment; filename=\"mfa-export.json\"";
}

/* Deletes every MFA record of the user after they typed their name. */
static void delete_account(struct web_request *rq, struct web_reply *rp)
{
	json_t *body = body_object(rq, rp);
	struct web_pool *from;
	const char *confirm;
	mfa_ctx *ctx;
	int r;

	if (!body)
		return;
	confirm = member_string(body, "confirm", MFA_USER_MAX);
	if (!confirm || strcmp(confirm, rq->session.user) != 0) {
		reply_error(rp, 400, "Type your user name to confirm.");
		goto out;
	}
	if (!(ctx = api_ctx(rq, rp, &from)))
		goto out;
	r = mfa_user_delete(ctx, rq->session.user, WEB_SOURCE);
	api_ctx_done(from, ctx, r);
	if (r != MFA_OK) {
		unavailable(rp);
		goto out;
	}
	sessions_end_user(rq->web->sessions, rq->session.user);
	reply_cookie(rq, rp, NULL);
	reply_json(rp, 200, json_pack("{s:b}", "deleted", 1));
out:
	json_decref(body);
}

bool api_self(struct web_request *rq, struct web_reply *rp)
{
	static const struct {
		const char *method, *path;
		void (*fn)(struct web_request *, struct web_reply *);
		bool invite;                  /* an invite's holder may too */
	} routes[] = {
		{ "GET", "/api/me", me, false },
		{ "POST", "/api/factors/app/begin", app_begin, true },
		{ "POST", "/api/factors/app/confirm", app_confirm, true },
		{ "POST", "/api/factors/passkey/begin", passkey_begin, true },
		{ "POST", "/api/factors/passkey/finish", passkey_finish, true },
		{ "POST", "/api/factors/rename", factor_rename, false },
		{ "POST", "/api/factors/remove", factor_remove, false },
		{ "POST", "/api/recovery", recovery, false },
		{ "GET", "/api/export", export, false },
		{ "POST", "/api/delete", delete_account, false },
	};

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(rq->method, routes[i].method) != 0 || strcmp(rq->path, routes[i].path) != 0)
			continue;
		if (rq->session.stage == WEB_STAGE_SIGNED_IN ||
		    (rq->session.stage == WEB_STAGE_INVITE && routes[i].invite)) {
			routes[i].fn(rq, rp);
			return true;
		}
		reply_error(rp, 403, "An invite lets you set up a first factor only: sign in for "
		                     "the rest.");
		return true;
	}
	return false;
}
