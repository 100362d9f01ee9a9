/*
 * api.c - the JSON API's front door and the sign-in: the password through
 * mfad (PAM service mfa-web, run as root there: this process may not read
 * other users' passwords), then a factor through the core exactly as at any
 * login (lockout, replay, audit). Every state change wants a JSON body and,
 * once signed in, the session's CSRF token in X-CSRF-Token.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "api.h"
#include "wire.h"

#define SIGNIN_PER_ADDRESS 30          /* password attempts a minute from one address
                                        * (an office behind one NAT shares it) */
#define SIGNIN_PER_USER 10             /* ... for one name from one address; a
                                        * factor for one signed-in name */
#define INVITE_PER_ADDRESS 10          /* invite links tried a minute from one address */
#define SIGNIN_WINDOW 60
#define WRONG_PASSWORD "The user name or password is wrong."
#define TOO_MANY "Too many attempts: wait a minute, then try again."

void reply_json(struct web_reply *rp, unsigned status, json_t *obj)
{
	free(rp->body);
	rp->body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	rp->len = rp->body ? strlen(rp->body) : 0;
	rp->status = rp->body ? status : 500;
	rp->content_type = "application/json";
	json_decref(obj);
}

void reply_error(struct web_reply *rp, unsigned status, const char *message)
{
	reply_json(rp, status, json_pack("{s:s}", "error", message));
}

void reply_cookie(struct web_request *rq, struct web_reply *rp, const char *id)
{
	bool secure = rq->web->cfg.secure_cookie;

	snprintf(rp->cookie, sizeof(rp->cookie), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
	         secure ? WEB_COOKIE_SECURE : WEB_COOKIE_PLAIN, id ? id : "", secure ? "; Secure" : "",
	         id ? "" : "; Max-Age=0");
}

/* The known-device token, kept MFA_DEVICE_DAYS by the browser. */
static void reply_device_cookie(struct web_request *rq, struct web_reply *rp, const char *token)
{
	bool secure = rq->web->cfg.secure_cookie;

	snprintf(rp->device_cookie, sizeof(rp->device_cookie),
	         "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%u%s",
	         secure ? WEB_DEVICE_COOKIE_SECURE : WEB_DEVICE_COOKIE_PLAIN, token,
	         MFA_DEVICE_DAYS * 86400u, secure ? "; Secure" : "");
}

json_t *body_object(struct web_request *rq, struct web_reply *rp)
{
	json_error_t err;
	json_t *obj = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &err);

	if (!json_is_object(obj)) {
		json_decref(obj);
		reply_error(rp, 400, "The request is not a JSON object.");
		return NULL;
	}
	return obj;
}

void reply_options(struct web_reply *rp, const char *options)
{
	json_error_t err;

	reply_json(rp, 200, json_pack("{s:o}", "options", json_loads(options, 0, &err)));
}

void reply_assertion_options(struct web_reply *rp, mfa_ctx *ctx, const char *user,
                             const char *no_key, int *r)
{
	char *options = NULL;

	*r = mfa_webauthn_login_begin(ctx, user, &options);
	if (*r == MFA_ERR_NO_FACTOR || *r == MFA_ERR_NOT_FOUND) {
		*r = MFA_OK;
		reply_error(rp, 404, no_key);
	} else if (*r != MFA_OK) {
		reply_error(rp, 503, "Verification is unavailable: ask your administrator.");
	} else {
		reply_options(rp, options);
	}
	free(options);
}

bool assertion_verdict(struct web_request *rq, struct web_reply *rp, mfa_ctx *ctx,
                       const char *user, const char *text, struct mfa_request *req, int *r)
{
	struct mfa_webauthn_result out;

	api_core_request(rq, req, user);
	*r = mfa_webauthn_login_finish(ctx, req, text, &out);
	if (*r == MFA_ERR_INVALID) {   /* not a WebAuthn answer at all */
		reply_error(rp, 400, "The security key's answer was not accepted: try again.");
		return false;
	}
	if (*r != MFA_OK && !mfa_err_is_verdict(*r)) {
		reply_error(rp, 503, "Verification is unavailable: ask your administrator.");
		return false;
	}
	return true;
}

char *body_response(json_t *body, struct web_reply *rp)
{
	json_t *response = json_object_get(body, "response");
	char *text = json_is_object(response) ? json_dumps(response, JSON_COMPACT) : NULL;

	if (!text)
		reply_error(rp, 400, "The security key's answer is missing: try again.");
	return text;
}

json_t *factor_json(const struct mfa_factor_info *f)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I}", "id", f->id, "label", f->label,
	                      "type", f->type == MFA_FACTOR_WEBAUTHN ? "passkey"
	                              : f->type == MFA_FACTOR_HOTP   ? "token"
	                                                             : "app",
	                      "active", f->active, "created", (json_int_t)f->created, "last_used",
	                      (json_int_t)f->last_used);

	if (o && f->type == MFA_FACTOR_WEBAUTHN)
		json_object_set_new(o, "algorithm",
		                    json_string(mfa_webauthn_algorithm_name(f->webauthn_algorithm)));
	return o;
}

const char *member_string(json_t *obj, const char *key, size_t max)
{
	json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);

	if (!s || json_string_length(v) > max || strlen(s) != json_string_length(v))
		return NULL;   /* missing, too long, or a NUL inside */
	return s;
}

mfa_ctx *api_ctx(struct web_request *rq, struct web_reply *rp, struct web_pool **from)
{
	mfa_ctx *ctx = pool_get(rq->web, from);

	if (!ctx)
		reply_error(rp, 503, "Verification is unavailable: ask your administrator.");
	return ctx;
}

void api_ctx_done(struct web_pool *from, mfa_ctx *ctx, int r)
{
	pool_put(from, ctx, r == MFA_OK || mfa_err_is_verdict(r) || r == MFA_ERR_INVALID ||
	                    r == MFA_ERR_NOT_FOUND);
}

void api_core_request(struct web_request *rq, struct mfa_request *req, const char *user)
{
	memset(req, 0, sizeof(*req));
	req->user = user;
	req->source = WEB_SOURCE;
	req->remote = rq->client;
}

/* mfad lets one uid (this process's) hold at most 4 connections at once
 * (CONNS_PER_UID in service/mfad.c) and refuses more: sign-ins beyond that
 * wait their turn here, for at most the time a check may take. */
#define MFAD_CONNS 4
static pthread_mutex_t mfad_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mfad_free = PTHREAD_COND_INITIALIZER;
static unsigned mfad_asking;

static bool mfad_turn(unsigned timeout_ms)
{
	struct timespec until;
	int e = 0;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&mfad_mutex);
	while (mfad_asking >= MFAD_CONNS && e != ETIMEDOUT)
		e = pthread_cond_timedwait(&mfad_free, &mfad_mutex, &until);
	if ((ok = mfad_asking < MFAD_CONNS))
		mfad_asking++;
	pthread_mutex_unlock(&mfad_mutex);
	return ok;
}

static void mfad_done(void)
{
	pthread_mutex_lock(&mfad_mutex);
	mfad_asking--;
	pthread_cond_signal(&mfad_free);
	pthread_mutex_unlock(&mfad_mutex);
}

/* The password, by mfad: MFA_OK, MFA_ERR_BAD_PASSWORD (or another verdict),
 * or MFA_ERR_SYSTEM when mfad cannot be asked (logged). */
static int password_check(struct web_request *rq, const char *user, const char *password,
                          bool known_device)
{
	struct wire_login_request req = { .op = WIRE_OP_PASSWORD, .has_code = true,
		                          .flags = known_device ? WIRE_KNOWN_DEVICE : 0 };
	struct wire_login_reply reply;
	char why[256];
	int r;

	if (strlen(user) > MFA_USER_MAX || strlen(password) > WIRE_CODE_MAX)
		return MFA_ERR_BAD_PASSWORD;
	strcpy(req.user, user);
	strcpy(req.code, password);
	snprintf(req.service, sizeof(req.service), "%s", WEB_SOURCE);
	snprintf(req.remote, sizeof(req.remote), "%s", rq->client);
	if (mfad_turn(rq->web->cfg.mfad_timeout_ms)) {
		r = wire_ask(rq->web->cfg.mfad_socket, rq->web->cfg.mfad_timeout_ms, &req, &reply,
		             why, sizeof(why));
		mfad_done();
	} else {
		r = MFA_ERR_SYSTEM;
		snprintf(why, sizeof(why), "mfad still busy with %d checks after %u ms", MFAD_CONNS,
		         rq->web->cfg.mfad_timeout_ms);
	}
	OPENSSL_cleanse(&req, sizeof(req));
	if (r != MFA_OK) {
		web_log(LOG_ERR, "cannot check a password: %s (is mfad running, and "
		       "web_user set in mfa.conf?)", why);
		return MFA_ERR_SYSTEM;
	}
	r = (int)reply.status;
	if (r != MFA_OK && r != MFA_ERR_BAD_PASSWORD && r != MFA_ERR_LOCKED) {
		/* Not an answer about the password: mfad refused the asker (is
		 * this process web_user?) or PAM could not decide. */
		web_log(LOG_ERR, "mfad did not check a password (status %d: %s): see mfad's log; "
		        "web_user in mfa.conf must name the user mfa-web runs as", r, reply.text);
		r = MFA_ERR_SYSTEM;
	}
	OPENSSL_cleanse(&reply, sizeof(reply));
	return r;
}

bool api_is_staff(struct web *w, const char *user)
{
	struct group grp, *g = NULL;
	struct passwd pw, *p = NULL;
	char buf[16384];

	if (!w->cfg.admin_group[0])
		return false;
	if (getgrnam_r(w->cfg.admin_group, &grp, buf, sizeof(buf), &g) != 0 || !g)
		return false;
	for (char **m = g->gr_mem; *m; m++)
		if (!strcmp(*m, user))
			return true;
	{
		gid_t gid = g->gr_gid;

		return getpwnam_r(user, &pw, buf, sizeof(buf), &p) == 0 && p && p->pw_gid == gid;
	}
}

/* What the signed-in (or half signed-in) browser may know about itself. */
static json_t *session_json(struct web_request *rq, const struct web_session *s)
{
	static const char *const stages[] = { "none", "password", "signed_in", "invite" };

	return json_pack("{s:s, s:s, s:s, s:b}", "stage", stages[s->stage], "user", s->user,
	                 "csrf", s->csrf, "staff", s->staff && rq != NULL);
}

/* Which factors user can sign in with: NULL (answered) if none. */
static json_t *signin_methods(mfa_ctx *ctx, const char *user, struct web_reply *rp, int *r)
{
	struct mfa_user_info info;
	json_t *m;

	if ((*r = mfa_user_info_get(ctx, user, &info)) != MFA_OK && *r != MFA_ERR_NOT_FOUND) {
		reply_error(rp, 503, "Verification is unavailable: ask your administrator.");
		return NULL;
	}
	if (*r == MFA_ERR_NOT_FOUND)
		memset(&info, 0, sizeof(info));
	*r = MFA_OK;
	if (!info.active_factors && !info.webauthn_credentials && !info.recovery_left) {
		reply_error(rp, 403, "No second factor is enrolled for this account: ask support "
		                     "for an invite link.");
		return NULL;
	}
	m = json_array();
	if (info.active_factors)
		json_array_append_new(m, json_string("code"));
	if (info.webauthn_credentials)
		json_array_append_new(m, json_string("passkey"));
	if (info.recovery_left)
		json_array_append_new(m, json_string("recovery"));
	return m;
}

static void signin_password(struct web_request *rq, struct web_reply *rp)
{
	json_t *body = body_object(rq, rp), *methods;
	const char *user, *password;
	char canonical[MFA_USER_MAX + 1], id[WEB_TOKEN_TEXT], key[WEB_ADDR_MAX + MFA_USER_MAX + 2];
	struct web_session s;
	struct web_pool *from;
	mfa_ctx *ctx;
	int r;

	if (!body)
		return;
	user = member_string(body, "user", MFA_USER_MAX);
	password = member_string(body, "password", WEB_PASSWORD_MAX);
	if (!user || !password || !user[0]) {
		reply_error(rp, 400, "Type your user name and password.");
		goto out;
	}
	/* Per address, and per name from that address: a stranger's wrong
	 * passwords must not lock the name's owner out of the portal. */
	snprintf(key, sizeof(key), "%s %s", rq->client, user);
	if (!limit_take(rq->web->limits, "signin-addr", rq->client, SIGNIN_PER_ADDRESS,
	                SIGNIN_WINDOW) ||
	    !limit_take(rq->web->limits, "signin-user-addr", key, SIGNIN_PER_USER, SIGNIN_WINDOW)) {
		web_log(LOG_NOTICE, "sign-in attempts from %s over the limit", rq->client);
		reply_error(rp, 429, TOO_MANY);
		goto out;
	}
	if (!(ctx = api_ctx(rq, rp, &from)))
		goto out;
	r = mfa_user_canonical(ctx, user, canonical);
	/* A browser this user signed in with before has its own budget of
	 * wrong passwords at mfad (docs/mfa-web.md, Known devices). */
	if (r == MFA_OK)
		r = password_check(rq, canonical, password,
		                   rq->device && mfa_device_token_check(ctx, canonical, rq->device) ==
		                                         MFA_OK);
	if (r != MFA_OK) {
		api_ctx_done(from, ctx, MFA_OK);
		if (r == MFA_ERR_SYSTEM)
			reply_error(rp, 503, "Verification is unavailable: ask your administrator.");
		else if (r == MFA_ERR_LOCKED)
			reply_error(rp, 429, "Too many wrong passwords for this name: wait a minute, "
			                     "then try again.");
		else
			reply_error(rp, 401, WRONG_PASSWORD);
		goto out;
	}
	methods = signin_methods(ctx, canonical, rp, &r);
	api_ctx_done(from, ctx, r);
	if (!methods)
		goto out;
	if (session_create(rq->web->sessions, canonical, WEB_STAGE_PASSWORD, &s) != MFA_OK) {
		json_decref(methods);
		reply_error(rp, 503, "The portal is busy: try again in a minute.");
		goto out;
	}
	session_id_text(&s, id);
	reply_cookie(rq, rp, id);
	reply_json(rp, 200, json_pack("{s:o, s:o}", "session", session_json(rq, &s), "methods",
	                              methods));
	OPENSSL_cleanse(id, sizeof(id));
	OPENSSL_cleanse(&s, sizeof(s));
out:
	json_decref(body);   /* the password: jansson frees, the body buffer is wiped */
}

/* The factor was right: a new id, and the browser is signed in; known
 * from now on when ctx made it a token. */
static void signed_in(struct web_request *rq, struct web_reply *rp, mfa_ctx *ctx)
{
	struct web_session *s = &rq->session;
	char id[WEB_TOKEN_TEXT], token[MFA_DEVICE_TOKEN_LEN + 1];

	s->stage = WEB_STAGE_SIGNED_IN;
	s->staff = api_is_staff(rq->web, s->user);
	if (session_rotate(rq->web->sessions, s) != MFA_OK) {
		reply_error(rp, 503, "The portal is busy: try again in a minute.");
		return;
	}
	session_id_text(s, id);
	reply_cookie(rq, rp, id);
	if (mfa_device_token_create(ctx, s->user, token) == MFA_OK)
		reply_device_cookie(rq, rp, token);
	else
		web_log(LOG_WARNING, "no known-device token for %s: %s", s->user, mfa_ctx_error(ctx));
	web_log(LOG_INFO, "%s signed in from %s%s", s->user, rq->client,
	       s->staff ? " (support staff)" : "");
	reply_json(rp, 200, json_pack("{s:o}", "session", session_json(rq, s)));
	OPENSSL_cleanse(id, sizeof(id));
}

/* The factor step, at most SIGNIN_PER_USER a minute for the signed-in name
 * (the core's lockout counts the failures besides). */
static bool factor_attempt_allowed(struct web_request *rq, struct web_reply *rp)
{
	if (limit_take(rq->web->limits, "signin-user", rq->session.user, SIGNIN_PER_USER,
	               SIGNIN_WINDOW))
		return true;
	reply_error(rp, 429, TOO_MANY);
	return false;
}

static void signin_code(struct web_request *rq, struct web_reply *rp)
{
	json_t *body = body_object(rq, rp);
	struct mfa_request req;
	struct mfa_verdict v;
	struct web_pool *from;
	char msg[256];
	mfa_ctx *ctx;
	int r;

	if (!body)
		return;
	api_core_request(rq, &req, rq->session.user);
	if (!(req.code = member_string(body, "code", 64)) || !req.code[0]) {
		reply_error(rp, 400, "Type the code from your app, or a recovery code.");
		goto out;
	}
	if (!factor_attempt_allowed(rq, rp))
		goto out;
	if (!(ctx = api_ctx(rq, rp, &from)))
		goto out;
	r = mfa_verify(ctx, &req, &v);
	if (r == MFA_OK)
		signed_in(rq, rp, ctx);
	api_ctx_done(from, ctx, r);
	if (r != MFA_OK) {
		mfa_verdict_message(&v, msg, sizeof(msg));
		reply_error(rp, mfa_err_is_verdict(r) ? 401 : 503, msg);
	}
out:
	json_decref(body);
}

static void signin_passkey_begin(struct web_request *rq, struct web_reply *rp)
{
	struct web_pool *from;
	char *options = NULL;
	mfa_ctx *ctx;
	int r;

	if (!(ctx = api_ctx(rq, rp, &from)))
		return;
	r = mfa_webauthn_login_begin(ctx, rq->session.user, &options);
	api_ctx_done(from, ctx, r);
	if (r == MFA_ERR_NO_FACTOR)   /* the core's word for "no passkey" */
		r = MFA_ERR_NOT_FOUND;
	if (r != MFA_OK) {
		reply_error(rp, r == MFA_ERR_NOT_FOUND ? 404 : 503,
		            r == MFA_ERR_NOT_FOUND ? "No passkey or security key is registered for "
		                                     "this account."
		                                   : "Verification is unavailable: ask your "
		                                     "administrator.");
		free(options);
		return;
	}
	reply_options(rp, options);
	free(options);
}

static void signin_passkey_finish(struct web_request *rq, struct web_reply *rp)
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
	if (!factor_attempt_allowed(rq, rp))
		goto out;
	if (!(ctx = api_ctx(rq, rp, &from)))
		goto out;
	api_core_request(rq, &req, rq->session.user);
	r = mfa_webauthn_login_finish(ctx, &req, text, &out);
	if (r == MFA_OK)
		signed_in(rq, rp, ctx);
	api_ctx_done(from, ctx, r);
	if (r == MFA_ERR_INVALID)   /* not a WebAuthn answer at all */
		reply_error(rp, 400, "The security key's answer was not accepted: try again.");
	else if (r != MFA_OK)
		reply_error(rp, mfa_err_is_verdict(r) ? 401 : 503,
		            mfa_err_is_verdict(r) ? "The security key was not accepted: try again."
		                                  : "Verification is unavailable: ask your "
		                                    "administrator.");
out:
	free(text);
	json_decref(body);
}

/* An invite link's token: a session that may enroll a first factor only. */
static void invite(struct web_request *rq, struct web_reply *rp)
{
	json_t *body = body_object(rq, rp);
	char user[MFA_USER_MAX + 1], id[WEB_TOKEN_TEXT];
	struct mfa_user_info info;
	struct web_session s;
	struct web_pool *from;
	const char *token;
	mfa_ctx *ctx;
	int r;

	if (!body)
		return;
	if (!limit_take(rq->web->limits, "invite-addr", rq->client, INVITE_PER_ADDRESS,
	                SIGNIN_WINDOW)) {
		reply_error(rp, 429, TOO_MANY);
		goto out;
	}
	if (!(token = member_string(body, "token", 256))) {
		reply_error(rp, 400, "The invite link is incomplete: open it again from the message.");
		goto out;
	}
	if (!(ctx = api_ctx(rq, rp, &from)))
		goto out;
	r = mfa_invite_redeem(ctx, token, user, sizeof(user));
	if (r == MFA_OK && (r = mfa_user_info_get(ctx, user, &info)) == MFA_ERR_NOT_FOUND) {
		memset(&info, 0, sizeof(info));
		r = MFA_OK;
	}
	api_ctx_done(from, ctx, r);
	if (r == MFA_ERR_INVITE) {
		reply_error(rp, 401, "This invite link is unknown, used or expired: ask support for "
		                     "a new one.");
		goto out;
	}
	if (r != MFA_OK) {
		reply_error(rp, 503, "Verification is unavailable: ask your administrator.");
		goto out;
	}
	/* A first factor only: never a second one beside one the holder lacks. */
	if (info.active_factors || info.webauthn_credentials) {
		reply_error(rp, 409, "This account has a sign-in factor already: sign in with it, or "
		                     "ask support to remove it and send a new invite.");
		goto out;
	}
	if (session_create(rq->web->sessions, user, WEB_STAGE_INVITE, &s) != MFA_OK) {
		reply_error(rp, 503, "The portal is busy: try again in a minute.");
		goto out;
	}
	session_id_text(&s, id);
	reply_cookie(rq, rp, id);
	web_log(LOG_INFO, "%s opened an invite from %s", user, rq->client);
	reply_json(rp, 200, json_pack("{s:o}", "session", session_json(rq, &s)));
	OPENSSL_cleanse(id, sizeof(id));
	OPENSSL_cleanse(&s, sizeof(s));
out:
	json_decref(body);
}

static void signout(struct web_request *rq, struct web_reply *rp)
{
	session_end(rq->web->sessions, &rq->session);
	reply_cookie(rq, rp, NULL);
	reply_json(rp, 200, json_pack("{s:s}", "stage", "none"));
}

/* A state change from another site cannot set these: a JSON content type
 * needs a CORS preflight we never grant, and Origin (sent by browsers with
 * every POST) must be this host. */
static bool same_origin_json(const struct web_request *rq)
{
	const char *p;

	if (!rq->content_type || strncmp(rq->content_type, "application/json", 16) != 0)
		return false;
	if (!rq->origin)
		return true;
	p = strstr(rq->origin, "://");
	return rq->host && p && !strcmp(p + 3, rq->host);
}

void api_handle(struct web_request *rq, struct web_reply *rp)
{
	const char *path = rq->path;
	bool post = !strcmp(rq->method, "POST"), get = !strcmp(rq->method, "GET");
	enum web_stage stage = rq->has_session ? rq->session.stage : 0;

	if (!post && !get) {
		reply_error(rp, 405, "Method not allowed.");
		return;
	}
	if (post && !same_origin_json(rq)) {
		reply_error(rp, 403, "Refused: send JSON from the portal's own page.");
		return;
	}
	if (get && !strcmp(path, "/api/session")) {
		if (rq->has_session)
			reply_json(rp, 200, json_pack("{s:o}", "session", session_json(rq, &rq->session)));
		else
			reply_json(rp, 200, json_pack("{s:{s:s}}", "session", "stage", "none"));
		return;
	}
	if (post && !strcmp(path, "/api/signin")) {
		signin_password(rq, rp);
		return;
	}
	if (post && !strcmp(path, "/api/invite")) {
		invite(rq, rp);
		return;
	}
	/* The approval page needs no session: its link and the passkey do. */
	if (api_approval(rq, rp))
		return;
	/* Everything else belongs to a session, and a change needs its token. */
	if (!rq->has_session) {
		reply_error(rp, 401, "Sign in first.");
		return;
	}
	if (post && !session_csrf_ok(&rq->session, rq->csrf)) {
		reply_error(rp, 403, "Refused: the page is out of date. Reload it and try again.");
		return;
	}
	if (post && !strcmp(path, "/api/signout")) {
		signout(rq, rp);
		return;
	}
	if (stage == WEB_STAGE_PASSWORD) {
		if (post && !strcmp(path, "/api/signin/code"))
			signin_code(rq, rp);
		else if (post && !strcmp(path, "/api/signin/passkey/begin"))
			signin_passkey_begin(rq, rp);
		else if (post && !strcmp(path, "/api/signin/passkey/finish"))
			signin_passkey_finish(rq, rp);
		else
			reply_error(rp, 401, "Finish signing in first: your second factor is due.");
		return;
	}
	if (api_self(rq, rp) || api_staff(rq, rp) || api_hold(rq, rp))
		return;
	if (api_signin_code(rq, rp))
		return;
	reply_error(rp, 404, "No such request.");
}
