/*
 * api_staff.c - support staff (members of admin_group, signed in with their
 * own second factor): find a user, see their trail, invite, unlock, issue
 * recovery codes, remove a factor. Membership is checked again at every
 * request (a member removed from the group loses it at once), and every
 * action is audited by the core with the staff member in its source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api.h"

#define TRAIL_SHOWN 50
#define STAFF_SOURCE_MAX (MFA_USER_MAX + 16)

/* "web:staff:NAME": whoever acted, in the core's audit events. */
static void staff_source(const struct web_request *rq, char *out, size_t size)
{
	snprintf(out, size, "%s:staff:%s", WEB_SOURCE, rq->session.user);
}

/* The target user of a staff request, as the store knows the name. */
static bool target(struct web_request *rq, struct web_reply *rp, json_t *body, mfa_ctx *ctx,
                   char out[MFA_USER_MAX + 1])
{
	const char *user = member_string(body, "user", MFA_USER_MAX);

	if (!user || !user[0] || mfa_user_canonical(ctx, user, out) != MFA_OK) {
		reply_error(rp, 400, "Give a user name.");
		return false;
	}
	(void)rq;
	return true;
}

/* A user as support sees them: lockout, factors, recovery codes, trail. */
static void staff_user(struct web_request *rq, struct web_reply *rp, json_t *body, mfa_ctx *ctx,
                       int *r)
{
	char user[MFA_USER_MAX + 1], *trail = NULL, source[STAFF_SOURCE_MAX];
	struct mfa_factor_info *list = NULL;
	struct mfa_user_info info;
	struct mfa_request req;
	json_t *factors, *events = NULL;
	size_t n = 0;

	if (!target(rq, rp, body, ctx, user))
		return;
	/* Looking is an action too: the user can learn who looked. */
	api_core_request(rq, &req, user);
	staff_source(rq, source, sizeof(source));
	req.source = source;
	if ((*r = mfa_audit(ctx, &req, "staff-view", "ok", NULL)) != MFA_OK) {
		reply_error(rp, 503, "The audit could not be written: try again later.");
		return;
	}
	if ((*r = mfa_factor_list(ctx, user, &list, &n)) == MFA_OK &&
	    (*r = mfa_user_info_get(ctx, user, &info)) == MFA_ERR_NOT_FOUND) {
		memset(&info, 0, sizeof(info));
		*r = MFA_OK;
	}
	if (*r != MFA_OK) {
		mfa_factor_list_free(&list);
		reply_error(rp, 503, "The store could not be read: try again later.");
		return;
	}
	if (mfa_audit_recent(ctx, user, NULL, TRAIL_SHOWN, &trail) == MFA_OK)
		events = json_loads(trail, 0, NULL);
	free(trail);
	factors = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(factors, factor_json(&list[i]));
	mfa_factor_list_free(&list);
	reply_json(rp, 200, json_pack("{s:s, s:o, s:i, s:i, s:I, s:i, s:o}", "user", user, "factors",
	                              factors, "recovery_left", (int)info.recovery_left,
	                              "recovery_total", (int)info.recovery_total, "locked_until",
	                              (json_int_t)info.locked_until, "failures", (int)info.failures,
	                              "trail", events ? events : json_array()));
}

static void staff_unlock(struct web_request *rq, struct web_reply *rp, json_t *body, mfa_ctx *ctx,
                         int *r)
{
	char user[MFA_USER_MAX + 1], source[STAFF_SOURCE_MAX];

	if (!target(rq, rp, body, ctx, user))
		return;
	staff_source(rq, source, sizeof(source));
	if ((*r = mfa_unlock(ctx, user, source)) == MFA_OK)
		reply_json(rp, 200, json_pack("{s:s}", "unlocked", user));
	else if (*r == MFA_ERR_NOT_FOUND)
		reply_error(rp, 404, "No such user in the store.");
	else
		reply_error(rp, 503, "The store could not be written: try again later.");
}

static void staff_recovery(struct web_request *rq, struct web_reply *rp, json_t *body,
                           mfa_ctx *ctx, int *r)
{
	char user[MFA_USER_MAX + 1], source[STAFF_SOURCE_MAX];
	char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT];
	json_t *list;

	if (!target(rq, rp, body, ctx, user))
		return;
	staff_source(rq, source, sizeof(source));
	if ((*r = mfa_recovery_generate(ctx, user, source, codes)) != MFA_OK) {
		reply_error(rp, *r == MFA_ERR_NOT_FOUND ? 404 : 503,
		            *r == MFA_ERR_NOT_FOUND ? "No such user in the store."
		                                    : "The store could not be written: try again later.");
		return;
	}
	list = json_array();
	for (size_t i = 0; i < MFA_RECOVERY_COUNT; i++)
		json_array_append_new(list, json_string(codes[i]));
	OPENSSL_cleanse(codes, sizeof(codes));
	reply_json(rp, 200, json_pack("{s:s, s:o}", "user", user, "codes", list));
}

static void staff_remove(struct web_request *rq, struct web_reply *rp, json_t *body, mfa_ctx *ctx,
                         int *r)
{
	char user[MFA_USER_MAX + 1], source[STAFF_SOURCE_MAX];
	const char *id = member_string(body, "id", MFA_ID_LEN);

	if (!target(rq, rp, body, ctx, user))
		return;
	if (!id) {
		reply_error(rp, 400, "Which factor? Its id is missing.");
		return;
	}
	staff_source(rq, source, sizeof(source));
	if ((*r = mfa_factor_remove(ctx, user, id, source)) == MFA_OK)
		reply_json(rp, 200, json_pack("{s:s, s:s}", "user", user, "removed", id));
	else if (*r == MFA_ERR_NOT_FOUND)
		reply_error(rp, 404, "No such factor.");
	else
		reply_error(rp, 503, "The store could not be written: try again later.");
}

/* A one-time link for user to set up a first factor ("expires": "24h",
 * "90m", ...; the config's invite_expires if absent). */
static void staff_invite(struct web_request *rq, struct web_reply *rp, json_t *body, mfa_ctx *ctx,
                         int *r)
{
	char user[MFA_USER_MAX + 1], url[1024];
	const char *expires = member_string(body, "expires", 16);
	unsigned seconds = 0;

	if (!target(rq, rp, body, ctx, user))
		return;
	if (expires && expires[0] && mfa_duration_parse(expires, &seconds) != MFA_OK) {
		reply_error(rp, 400, "Give the lifetime as 90m, 24h or 7d.");
		return;
	}
	*r = mfa_invite_create(ctx, user, seconds, rq->session.user, url, sizeof(url));
	if (*r == MFA_OK)
		reply_json(rp, 200, json_pack("{s:s, s:s, s:i}", "user", user, "url", url, "expires_in",
		                              (int)mfa_invite_lifetime(ctx, seconds)));
	else if (*r == MFA_ERR_INVALID)
		reply_error(rp, 400, "That lifetime is out of range (1 minute to 30 days).");
	else if (*r == MFA_ERR_CONFIG)
		reply_error(rp, 503, "Set web_url in mfa.conf to the portal's address first.");
	else
		reply_error(rp, 503, "The store could not be written: try again later.");
	OPENSSL_cleanse(url, sizeof(url));
}

bool api_staff(struct web_request *rq, struct web_reply *rp)
{
	static const struct {
		const char *path;
		void (*fn)(struct web_request *, struct web_reply *, json_t *, mfa_ctx *, int *);
	} routes[] = {
		{ "/api/staff/user", staff_user },
		{ "/api/staff/unlock", staff_unlock },
		{ "/api/staff/recovery", staff_recovery },
		{ "/api/staff/remove", staff_remove },
		{ "/api/staff/invite", staff_invite },
	};
	struct web_pool *from;
	json_t *body;
	mfa_ctx *ctx;
	int r = MFA_OK;

	if (strncmp(rq->path, "/api/staff/", 11) != 0)
		return false;
	if (strcmp(rq->method, "POST") != 0 || rq->session.stage != WEB_STAGE_SIGNED_IN ||
	    !api_is_staff(rq->web, rq->session.user)) {
		reply_error(rp, 403, "This is for support staff only.");
		return true;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(rq->path, routes[i].path) != 0)
			continue;
		if (!(body = body_object(rq, rp)))
			return true;
		if ((ctx = api_ctx(rq, rp, &from))) {
			routes[i].fn(rq, rp, body, ctx, &r);
			api_ctx_done(from, ctx, r);
		}
		json_decref(body);
		return true;
	}
	reply_error(rp, 404, "No such request.");
	return true;
}
