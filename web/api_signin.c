/*
 * api_signin.c - "Get a sign-in code" (docs/approvals.md, "Sign-in
 * codes"): a signed-in user with a passkey signs with it once more and gets
 * a short code that logs in once, within signin_code_expires, wherever a
 * code from an app is taken: the VPN clients that cannot show a challenge.
 * The fresh assertion is what makes the code: a session alone (a browser
 * left open) does not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/crypto.h>

#include "api.h"

#define SIGNIN_CODE_PER_USER 10        /* each step, a minute, for one user */
#define SIGNIN_CODE_WINDOW 60
#define NO_PASSKEY "No passkey or security key is registered for this account: sign-in " \
                   "codes are for accounts that sign in with one. Use the code from your " \
                   "app instead."
#define UNAVAILABLE "Verification is unavailable: ask your administrator."

/* POST begin: WebAuthn options for the signed-in user's own passkeys. */
static void signin_code_begin(struct web_request *rq, struct web_reply *rp, mfa_ctx *ctx,
                              int *r)
{
	reply_assertion_options(rp, ctx, rq->session.user, NO_PASSKEY, r);
}

/* POST finish {response}: the user's assertion, then the code. */
static void signin_code_finish(struct web_request *rq, struct web_reply *rp, mfa_ctx *ctx,
                               int *r)
{
	json_t *body = body_object(rq, rp);
	struct mfa_request req;
	char code[MFA_SIGNIN_CODE_MAX + 1] = "", message[160];
	time_t expires = 0;
	long minutes;
	char *text = NULL;

	if (!body)
		return;
	if (!(text = body_response(body, rp)))
		goto out;
	if (!assertion_verdict(rq, rp, ctx, rq->session.user, text, &req, r))
		goto out;
	if (*r != MFA_OK) {
		reply_error(rp, 401, *r == MFA_ERR_LOCKED
		                     ? "This account is locked for now: wait, then try again."
		                     : "The security key was not accepted: try again.");
		goto out;
	}
	*r = mfa_signin_code_create(ctx, &req, code, &expires);
	if (*r == MFA_ERR_NOT_FOUND) {   /* the passkey was removed meanwhile */
		*r = MFA_OK;
		reply_error(rp, 404, NO_PASSKEY);
		goto out;
	}
	if (*r != MFA_OK) {
		reply_error(rp, 503, UNAVAILABLE);
		goto out;
	}
	minutes = ((long)(expires - time(NULL)) + 30) / 60;
	if (minutes < 1)
		minutes = 1;
	snprintf(message, sizeof(message), "Type this code where your VPN asks for a code, within "
	         "%ld minute%s. It works once.", minutes, minutes == 1 ? "" : "s");
	web_log(LOG_INFO, "sign-in code for %s made from %s", rq->session.user, rq->client);
	reply_json(rp, 200, json_pack("{s:s, s:I, s:s}", "code", code, "expires",
	                              (json_int_t)expires, "message", message));
out:
	OPENSSL_cleanse(code, sizeof(code));
	free(text);
	json_decref(body);
}

bool api_signin_code(struct web_request *rq, struct web_reply *rp)
{
	static const struct {
		const char *path, *limit;
		void (*fn)(struct web_request *, struct web_reply *, mfa_ctx *, int *);
	} routes[] = {
		{ "/api/me/signin-code/begin", "signin-code-begin", signin_code_begin },
		{ "/api/me/signin-code/finish", "signin-code-finish", signin_code_finish },
	};
	struct web_pool *from;
	mfa_ctx *ctx;
	int r = MFA_OK;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(rq->method, "POST") != 0 || strcmp(rq->path, routes[i].path) != 0)
			continue;
		if (rq->session.stage != WEB_STAGE_SIGNED_IN) {
			reply_error(rp, 403, "An invite lets you set up a first factor only: sign in for "
			                     "the rest.");
			return true;
		}
		if (!limit_take(rq->web->limits, routes[i].limit, rq->session.user,
		                SIGNIN_CODE_PER_USER, SIGNIN_CODE_WINDOW)) {
			web_log(LOG_NOTICE, "sign-in code requests for %s over the limit",
			        rq->session.user);
			reply_error(rp, 429, "Too many attempts: wait a minute, then try again.");
			return true;
		}
		if ((ctx = api_ctx(rq, rp, &from))) {
			routes[i].fn(rq, rp, ctx, &r);
			api_ctx_done(from, ctx, r);
		}
		return true;
	}
	return false;
}
