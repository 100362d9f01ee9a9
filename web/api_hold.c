/*
 * api_hold.c - a signed-in user's waiting sign-ins (docs/mfa-web.md): the
 * approvals without a number that RADIUS hold mode made (the VPN client
 * shows nothing, so there is no link and no number to match), approved
 * here with a fresh passkey assertion. Numbered approvals (PAM, challenge
 * mode) are not listed and cannot be decided here: they need their
 * number, on their /a/ID page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "api.h"

#define HOLD_PREFIX "/api/me/approvals"
#define HOLD_LISTED 16                 /* a user's open approvals shown at most */
#define HOLD_PER_USER 10               /* begin or finish, a minute, per user */
#define HOLD_WINDOW 60
#define GONE "This sign-in is no longer waiting: connect again."
#define UNAVAILABLE "Verification is unavailable: ask your administrator."

/* A waiting sign-in of this session's user, or false and the answer sent
 * (404 alike for unknown, another user's or numbered ones: nothing to learn
 * about the others). */
static bool hold_load(mfa_ctx *ctx, struct web_request *rq, const char *id,
                      struct mfa_approval_info *a, struct web_reply *rp, int *r)
{
	*r = mfa_approval_get(ctx, id, a);
	if (*r != MFA_OK && *r != MFA_ERR_CHALLENGE) {
		reply_error(rp, 503, UNAVAILABLE);
		return false;
	}
	if (*r == MFA_ERR_CHALLENGE || strcmp(a->user, rq->session.user) != 0 || a->choices[0] ||
	    a->state != MFA_APPROVAL_PENDING) {
		*r = MFA_OK;
		reply_error(rp, 404, GONE);
		return false;
	}
	return true;
}

static void hold_list(struct web_request *rq, struct web_reply *rp, mfa_ctx *ctx, const char *id,
                      int *r)
{
	struct mfa_approval_info open[HOLD_LISTED];
	json_t *list = json_array();
	size_t n = 0;

	(void)id;
	if ((*r = mfa_approval_list_open(ctx, rq->session.user, open, HOLD_LISTED, &n)) != MFA_OK) {
		json_decref(list);
		reply_error(rp, 503, UNAVAILABLE);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (open[i].choices[0] || open[i].state != MFA_APPROVAL_PENDING)
			continue;
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "id", open[i].id,
		                                      "service", open[i].service, "nas", open[i].nas,
		                                      "remote", open[i].remote, "created",
		                                      (json_int_t)open[i].created, "expires",
		                                      (json_int_t)open[i].expires));
	}
	reply_json(rp, 200, json_pack("{s:o}", "approvals", list));
}

static void hold_begin(struct web_request *rq, struct web_reply *rp, mfa_ctx *ctx, const char *id,
                       int *r)
{
	struct mfa_approval_info a;

	if (!hold_load(ctx, rq, id, &a, rp, r))
		return;
	reply_assertion_options(rp, ctx, rq->session.user,
	                        "No passkey or security key is registered for this account.", r);
}

/* finish {response}: the assertion, then the decision. A refused key
 * denies the sign-in for good, as on the /a/ID page. */
static void hold_finish(struct web_request *rq, struct web_reply *rp, mfa_ctx *ctx,
                        const char *id, int *r)
{
	json_t *body = body_object(rq, rp);
	struct mfa_approval_info a;
	struct mfa_request req;
	char *text = NULL;
	int d;

	if (!body || !(text = body_response(body, rp)) || !hold_load(ctx, rq, id, &a, rp, r) ||
	    !assertion_verdict(rq, rp, ctx, rq->session.user, text, &req, r))
		goto out;
	d = mfa_approval_decide(ctx, &req, id, 0, *r == MFA_OK);
	if (d == MFA_OK) {
		web_log(LOG_INFO, "waiting sign-in %s of %s approved from %s", id, a.user, rq->client);
		reply_json(rp, 200, json_pack("{s:b, s:s}", "approved", 1, "message",
		                              "Approved: your connection goes ahead."));
	} else if (d != MFA_ERR_CHALLENGE) {
		*r = d;
		reply_error(rp, 503, UNAVAILABLE);
	} else if (*r != MFA_OK) {
		web_log(LOG_NOTICE, "waiting sign-in %s of %s denied from %s: security key refused", id,
		        a.user, rq->client);
		reply_error(rp, 401, "The security key was not accepted: connect again.");
	} else {
		reply_error(rp, 404, GONE);
	}
out:
	free(text);
	json_decref(body);
}

bool api_hold(struct web_request *rq, struct web_reply *rp)
{
	static const struct {
		const char *method, *step;
		void (*fn)(struct web_request *, struct web_reply *, mfa_ctx *, const char *, int *);
	} routes[] = {
		{ "GET", "", hold_list },
		{ "POST", "/begin", hold_begin },
		{ "POST", "/finish", hold_finish },
	};
	char id[MFA_APPROVAL_ID_LEN + 1] = "";
	const char *p = rq->path + strlen(HOLD_PREFIX), *step = p;
	struct web_pool *from;
	mfa_ctx *ctx;
	int r = MFA_OK;

	if (strncmp(rq->path, HOLD_PREFIX, strlen(HOLD_PREFIX)) != 0 || (*p && *p != '/'))
		return false;
	if (*p) {
		size_t n = strcspn(++p, "/");

		if (n != MFA_APPROVAL_ID_LEN || strspn(p, MFA_APPROVAL_ALPHABET) < n || !p[n]) {
			reply_error(rp, 404, GONE);
			return true;
		}
		memcpy(id, p, n);
		step = p + n;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(rq->method, routes[i].method) != 0 || strcmp(step, routes[i].step) != 0 ||
		    (!id[0]) != (!step[0]))
			continue;
		if (rq->session.stage != WEB_STAGE_SIGNED_IN) {
			reply_error(rp, 403, "An invite lets you set up a first factor only: sign in "
			                     "for the rest.");
			return true;
		}
		if (id[0] && !limit_take(rq->web->limits, "hold-approve", rq->session.user,
		                         HOLD_PER_USER, HOLD_WINDOW)) {
			web_log(LOG_NOTICE, "waiting sign-ins of %s: over the limit", rq->session.user);
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
