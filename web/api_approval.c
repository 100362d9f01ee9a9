/*
 * api_approval.c - the approval page's API (docs/approvals.md): a login at
 * ssh or a VPN shows a link /a/ID and a number; here the user sees what is
 * being approved, picks that number among four and signs with a passkey of
 * the approval's user. No session: the link names the login, the passkey
 * is what approves it. The user's name is not sent before the assertion
 * (only the key's credential ids, inside the WebAuthn options).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "api.h"

#define APPROVAL_PREFIX "/api/approval/"
#define APPROVAL_PER_ADDRESS 10        /* each step, a minute, from one address */
#define APPROVAL_WINDOW 60
#define APPROVAL_NUMBER_MAX 999        /* a chosen number is two digits; more is no choice */
#define GONE "This approval link is unknown or has expired: start the sign-in again."
#define ANSWERED "This sign-in was answered already: start the sign-in again if it is yours."
#define UNAVAILABLE "Verification is unavailable: ask your administrator."

/* The id from the path, as typed or linked (case ignored: a terminal that
 * cannot open links makes people type it), and the step after it. */
static bool approval_path(const char *path, char id[MFA_APPROVAL_ID_LEN + 1], const char **step)
{
	const char *p = path + strlen(APPROVAL_PREFIX);
	size_t n = strcspn(p, "/");

	if (n == 0 || n > MFA_APPROVAL_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		id[i] = (char)toupper((unsigned char)p[i]);
	id[n] = '\0';
	*step = p + n;
	return true;
}

static const char *state_name(mfa_approval_state s)
{
	switch (s) {
	case MFA_APPROVAL_PENDING: return "pending";
	case MFA_APPROVAL_APPROVED: return "approved";
	case MFA_APPROVAL_DENIED: return "denied";
	case MFA_APPROVAL_CONSUMED: return "consumed";
	case MFA_APPROVAL_EXPIRED: break;
	}
	return "expired";
}

/* The approval of id, or false and the answer sent: 404 for an unknown or
 * expired one, 409 for one decided when pending is required. */
static bool approval_load(mfa_ctx *ctx, const char *id, bool pending, struct mfa_approval_info *a,
                          struct web_reply *rp, int *r)
{
	*r = mfa_approval_get(ctx, id, a);
	/* One without a number (RADIUS hold) is approved from the signed-in
	 * user's list only: here, with no session, any key of its user and
	 * "number 0" would do, so the page does not know it. */
	if (*r == MFA_OK && a->choices[0] == 0)
		*r = MFA_ERR_CHALLENGE;
	if (*r == MFA_ERR_CHALLENGE || (*r == MFA_OK && a->state == MFA_APPROVAL_EXPIRED)) {
		reply_error(rp, 404, GONE);
		return false;
	}
	if (*r != MFA_OK) {
		reply_error(rp, 503, UNAVAILABLE);
		return false;
	}
	if (pending && a->state != MFA_APPROVAL_PENDING) {
		reply_error(rp, 409, ANSWERED);
		return false;
	}
	return true;
}

/* GET: what is being approved, and the four numbers. Viewing a pending
 * one is audited ("shown"): the trail says the link was opened, and from
 * where. */
static void approval_show(struct web_request *rq, struct web_reply *rp, mfa_ctx *ctx,
                          const char *id, int *r)
{
	struct mfa_approval_info a;
	struct mfa_request req;
	json_t *choices;

	if (!approval_load(ctx, id, false, &a, rp, r))
		return;
	if (a.state == MFA_APPROVAL_PENDING) {
		api_core_request(rq, &req, a.user);
		if ((*r = mfa_audit(ctx, &req, "approval", "shown", id)) != MFA_OK) {
			reply_error(rp, 503, UNAVAILABLE);
			return;
		}
	}
	choices = json_pack("[I, I, I, I]", (json_int_t)a.choices[0], (json_int_t)a.choices[1],
	                    (json_int_t)a.choices[2], (json_int_t)a.choices[3]);
	reply_json(rp, 200, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:o}", "id", a.id,
	                              "service", a.service, "nas", a.nas, "remote", a.remote,
	                              "created", (json_int_t)a.created, "expires",
	                              (json_int_t)a.expires, "state", state_name(a.state),
	                              "choices", choices));
}

/* POST begin: WebAuthn options for the approval's user. */
static void approval_begin(struct web_request *rq, struct web_reply *rp, mfa_ctx *ctx,
                           const char *id, int *r)
{
	struct mfa_approval_info a;

	(void)rq;
	if (!approval_load(ctx, id, true, &a, rp, r))
		return;
	reply_assertion_options(rp, ctx, a.user, "No passkey or security key is registered for "
	                                         "this account: sign in with a code instead.", r);
}

/* POST finish {number, response}: the assertion of the approval's user,
 * then the decision. A refused key or a wrong number denies the approval
 * for good (someone else may have started that login); an answer that is
 * not WebAuthn at all changes nothing. */
static void approval_finish(struct web_request *rq, struct web_reply *rp, mfa_ctx *ctx,
                            const char *id, int *r)
{
	json_t *body = body_object(rq, rp), *number;
	struct mfa_approval_info a;
	struct mfa_request req;
	char *text = NULL;
	int d;

	if (!body)
		return;
	number = json_object_get(body, "number");
	if (!json_is_integer(number) || json_integer_value(number) < 0 ||
	    json_integer_value(number) > APPROVAL_NUMBER_MAX) {
		reply_error(rp, 400, "Choose the number shown at your sign-in.");
		goto out;
	}
	if (!(text = body_response(body, rp)))
		goto out;
	if (!approval_load(ctx, id, true, &a, rp, r))
		goto out;
	if (!assertion_verdict(rq, rp, ctx, a.user, text, &req, r))
		goto out;
	d = mfa_approval_decide(ctx, &req, id, (unsigned)json_integer_value(number), *r == MFA_OK);
	if (d == MFA_OK) {
		web_log(LOG_INFO, "approval %s for %s approved from %s", id, a.user, rq->client);
		reply_json(rp, 200, json_pack("{s:b, s:s, s:s}", "approved", 1, "user", a.user,
		                              "message", "Approved: go back to your sign-in."));
		goto out;
	}
	if (d != MFA_ERR_CHALLENGE) {
		*r = d;
		reply_error(rp, 503, UNAVAILABLE);
		goto out;
	}
	if (*r != MFA_OK) {
		web_log(LOG_NOTICE, "approval %s for %s denied from %s: security key refused", id,
		        a.user, rq->client);
		reply_error(rp, 401, *r == MFA_ERR_LOCKED
		                     ? "This account is locked for now: wait, then start the sign-in "
		                       "again."
		                     : "The security key was not accepted: start the sign-in again.");
		goto out;
	}
	/* The key was right and the decision refused: why, from the row. */
	*r = MFA_OK;
	if (!approval_load(ctx, id, false, &a, rp, r))
		goto out;
	if (a.state == MFA_APPROVAL_DENIED) {
		web_log(LOG_NOTICE, "approval %s for %s denied from %s: wrong number", id, a.user,
		        rq->client);
		reply_error(rp, 403, "Denied: that was not the number shown at your sign-in. Start "
		                     "again.");
	} else {
		reply_error(rp, 409, ANSWERED);
	}
out:
	free(text);
	json_decref(body);
}

bool api_approval(struct web_request *rq, struct web_reply *rp)
{
	static const struct {
		bool post;
		const char *step, *limit;
		void (*fn)(struct web_request *, struct web_reply *, mfa_ctx *, const char *, int *);
	} routes[] = {
		{ false, "", "approval-show", approval_show },
		{ true, "/begin", "approval-begin", approval_begin },
		{ true, "/finish", "approval-finish", approval_finish },
	};
	char id[MFA_APPROVAL_ID_LEN + 1];
	bool post = !strcmp(rq->method, "POST");
	struct web_pool *from;
	const char *step;
	mfa_ctx *ctx;
	int r = MFA_OK;

	if (strncmp(rq->path, APPROVAL_PREFIX, strlen(APPROVAL_PREFIX)) != 0)
		return false;
	if (!approval_path(rq->path, id, &step)) {
		reply_error(rp, 404, GONE);
		return true;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (routes[i].post != post || strcmp(step, routes[i].step) != 0)
			continue;
		/* The ids are no secret, but guessing them is no one's business. */
		if (!limit_take(rq->web->limits, routes[i].limit, rq->client, APPROVAL_PER_ADDRESS,
		                APPROVAL_WINDOW)) {
			web_log(LOG_NOTICE, "approval requests from %s over the limit", rq->client);
			reply_error(rp, 429, "Too many attempts: wait a minute, then try again.");
			return true;
		}
		if ((ctx = api_ctx(rq, rp, &from))) {
			routes[i].fn(rq, rp, ctx, id, &r);
			api_ctx_done(from, ctx, r);
		}
		return true;
	}
	reply_error(rp, 404, "No such request.");
	return true;
}
