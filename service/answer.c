/*
 * answer.c - mfad's answers: each step of a login a question asks, by the
 * core function wire.h names, after checking who may ask about whom. A
 * thin front end: the policy is the core's.
 */
#include <pwd.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mfad.h"

/* True if uid's user name is exactly user. */
static bool uid_is_user(uid_t uid, const char *user)
{
	struct passwd pw, *found = NULL;
	char buf[4096];

	return getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found &&
	       strcmp(found->pw_name, user) == 0;
}

void answer_refuse(struct wire_login_reply *reply, const char *text)
{
	memset(reply, 0, sizeof(*reply));
	reply->status = MFA_ERR_INVALID;
	reply->action = MFA_LOGIN_REFUSE;
	snprintf(reply->text, sizeof(reply->text), "%s", text);
}

static void verdict_text(int r, char *buf, size_t size)
{
	struct mfa_verdict v = { .result = r };

	mfa_verdict_message(&v, buf, size);
}

/* WIRE_OP_SPLIT: the end of "password and code"; a placeholder stands for
 * what was typed before it, which mfad never sees. */
static void op_split(mfa_ctx *ctx, const struct wire_login_request *r,
                     struct wire_login_reply *reply)
{
	char typed[WIRE_SPLIT_TAIL + 2];
	bool tail = r->flags & WIRE_TYPED_TAIL;
	size_t off = 0;

	if (strlen(r->code) > WIRE_SPLIT_TAIL) {
		reply->status = MFA_ERR_INVALID;
		return;
	}
	snprintf(typed, sizeof(typed), "%s%s", tail ? "x" : "", r->code);
	reply->status = (uint32_t)mfa_login_split(ctx, r->user, typed, &off);
	if (reply->status == MFA_OK)
		reply->offset = (uint32_t)(off - tail);
	explicit_bzero(typed, sizeof(typed));
}

static void op_enroll_begin(mfa_ctx *ctx, const struct mfa_request *req,
                            const struct mfa_login_policy *policy, mfa_qr_style style,
                            struct wire_login_reply *reply)
{
	mfa_enrollment *e = NULL;
	char *qr = NULL;
	int r = mfa_login_enroll_begin(ctx, req, policy, &e);

	reply->status = (uint32_t)r;
	if (r != MFA_OK) {
		/* NOT_FOUND: no longer allowed (an admin acted meanwhile): as if
		 * no enrollment had been offered. */
		verdict_text(r == MFA_ERR_NOT_FOUND ? MFA_ERR_NO_FACTOR : r, reply->text,
		             sizeof(reply->text));
		return;
	}
	snprintf(reply->factor, sizeof(reply->factor), "%s", mfa_enrollment_factor_id(e));
	snprintf(reply->uri, sizeof(reply->uri), "%s", mfa_enrollment_uri(e));
	snprintf(reply->secret, sizeof(reply->secret), "%s", mfa_enrollment_secret_base32(e));
	/* Without the drawing the link and the secret still do. */
	if (mfa_qr_render(mfa_enrollment_uri(e), style, &qr) == MFA_OK && strlen(qr) <= WIRE_QR_MAX)
		snprintf(reply->qr, sizeof(reply->qr), "%s", qr);
	if (qr) {
		explicit_bzero(qr, strlen(qr));
		free(qr);
	}
	mfa_enrollment_free(&e);
}

static void op_enroll_confirm(mfa_ctx *ctx, const struct mfa_request *req,
                              const struct mfa_login_policy *policy, const char *factor,
                              struct wire_login_reply *reply)
{
	mfa_enrollment *e = NULL;
	int r = mfa_login_enroll_resume(ctx, req, policy, factor, &e);

	/* Without a code it would be mfa_enroll_activate: never at a login. */
	if (r == MFA_OK)
		r = req->code ? mfa_enroll_confirm(ctx, e, req->code) : MFA_ERR_INVALID;
	mfa_enrollment_free(&e);
	reply->status = (uint32_t)r;
	/* A wrong code: the core's sentence says what to do next. */
	if (mfa_err_is_verdict(r))
		snprintf(reply->text, sizeof(reply->text), "%s", mfa_ctx_error(ctx));
	else if (r != MFA_OK)
		verdict_text(r, reply->text, sizeof(reply->text));
}

/* Who may consume an approval: this host's mfad for this PAM service (and
 * caller, when not root), whatever the client says. */
static void approval_requester(const char *source, char *buf, size_t size)
{
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
		snprintf(host, sizeof(host), "localhost");
	/* source is "pam:SERVICE[ uid N]": the host goes after "pam:". */
	snprintf(buf, size, "pam:%s:%s", host, source + 4);
}

/* WIRE_OP_APPROVAL_BEGIN: offered only to a user with a security key when
 * the portal's address is known; else a refusal pam_mfa reads as "not
 * available" (MFA_ERR_NOT_FOUND), and the login goes on without. */
static void op_approval_begin(mfa_ctx *ctx, const struct mfa_request *req,
                              struct wire_login_reply *reply)
{
	const char *web_url = mfa_config_text(ctx, "web_url");
	char requester[MFA_APPROVAL_REQUESTER_MAX + 1], id[MFA_APPROVAL_ID_LEN + 1];
	struct mfa_user_info info;
	unsigned number = 0;
	int r;

	reply->action = MFA_LOGIN_REFUSE;
	if (!web_url || !web_url[0] || mfa_user_info_get(ctx, req->user, &info) != MFA_OK ||
	    info.webauthn_credentials == 0) {
		reply->status = MFA_ERR_NOT_FOUND;
		return;
	}
	if (info.locked_until > time(NULL)) {
		reply->status = MFA_ERR_LOCKED;
		verdict_text(MFA_ERR_LOCKED, reply->text, sizeof(reply->text));
		return;
	}
	approval_requester(req->source, requester, sizeof(requester));
	r = mfa_approval_create(ctx, req, requester, 0, id, &number);
	reply->status = (uint32_t)r;
	if (r != MFA_OK) {
		verdict_text(r, reply->text, sizeof(reply->text));
		return;
	}
	reply->action = MFA_LOGIN_ASK;
	snprintf(reply->approval, sizeof(reply->approval), "%s", id);
	mfa_approval_prompt(ctx, id, number, "press Enter.", reply->text, sizeof(reply->text));
}

/* WIRE_OP_APPROVAL_POLL: MFA_OK once, when approved (consumed now);
 * MFA_ERR_PENDING while the user has not decided; a verdict otherwise. */
static void op_approval_poll(mfa_ctx *ctx, const struct mfa_request *req, const char *id,
                             struct wire_login_reply *reply)
{
	char requester[MFA_APPROVAL_REQUESTER_MAX + 1];
	int r;

	approval_requester(req->source, requester, sizeof(requester));
	r = mfa_approval_consume(ctx, req, id, requester);
	reply->status = (uint32_t)r;
	switch (r) {
	case MFA_OK:
		reply->action = MFA_LOGIN_ACCEPT;
		snprintf(reply->text, sizeof(reply->text), "Sign-in approved.");
		break;
	case MFA_ERR_PENDING:
		reply->action = MFA_LOGIN_RETRY;
		snprintf(reply->text, sizeof(reply->text), "Not approved yet: approve it on the page, "
		         "then press Enter.");
		break;
	default:
		reply->action = MFA_LOGIN_REFUSE;
		snprintf(reply->text, sizeof(reply->text), "%s",
		         r == MFA_ERR_CHALLENGE ? "This sign-in was not approved (a wrong number, "
		                                  "refused or expired): start again."
		                                : "Verification is unavailable: ask your administrator.");
		break;
	}
}

void answer(mfa_ctx *ctx, struct password_gate *g, uid_t uid, const struct wire_login_request *r,
            struct wire_login_reply *reply)
{
	static const char *const op_names[] = { "?", "login", "split", "enrollment", "enrollment",
		                                "password", "approval", "approval" };
	char user[MFA_TEXT_ESCAPED_MAX], service[4 * WIRE_SERVICE_MAX + 1], source[160];
	struct mfa_login_result res;
	struct mfa_request req;
	struct mfa_login_policy policy;

	/* About another user's password, not a step of a login. */
	if (r->op == WIRE_OP_PASSWORD) {
		answer_password(ctx, g, uid, r, reply);
		return;
	}
	memset(reply, 0, sizeof(*reply));
	mfa_text_escape(r->user, user, sizeof(user));
	mfa_text_escape(r->service, service, sizeof(service));
	if (uid != 0) {
		if (!uid_is_user(uid, r->user)) {
			say(LOG_WARNING, "uid %u asked about user %s: refused, not its own user",
			    (unsigned)uid, user);
			answer_refuse(reply, REFUSED_TEXT);
			return;
		}
		snprintf(source, sizeof(source), "pam:%s uid %u", r->service, (unsigned)uid);
	} else {
		snprintf(source, sizeof(source), "pam:%s", r->service);
	}
	req = (struct mfa_request){
		.user = r->user,
		.code = r->has_code ? r->code : NULL,
		.source = source,
		.remote = r->remote[0] ? r->remote : NULL,
	};
	policy = (struct mfa_login_policy){
		/* Only root's word on the password counts. */
		.password_verified = uid == 0 && (r->flags & WIRE_PASSWORD_VERIFIED),
		.no_factor = (mfa_no_factor)r->no_factor,
		.grace_days = r->grace_days,
		.enroll_inline = r->flags & WIRE_ENROLL_INLINE,
	};
	switch (r->op) {
	case WIRE_OP_LOGIN:
		mfa_login(ctx, &req, &policy, &res);
		reply->status = (uint32_t)res.result;
		reply->action = res.action;
		snprintf(reply->text, sizeof(reply->text), "%s", res.message);
		explicit_bzero(&res, sizeof(res));
		break;
	case WIRE_OP_SPLIT:
		op_split(ctx, r, reply);
		break;
	case WIRE_OP_ENROLL_BEGIN:
		op_enroll_begin(ctx, &req, &policy, (mfa_qr_style)r->qr, reply);
		break;
	case WIRE_OP_APPROVAL_BEGIN:
		/* Root's clients offer one only after the password (pam_mfa's
		 * after_password); a user asking about itself is past its own. */
		if (uid == 0 && !policy.password_verified) {
			say(LOG_ERR, "user %s (%s): approval asked before the password was checked: "
			    "refused (pam_mfa's approve needs after_password)", user, service);
			answer_refuse(reply, REFUSED_TEXT);
			return;
		}
		op_approval_begin(ctx, &req, reply);
		break;
	case WIRE_OP_APPROVAL_POLL:
		op_approval_poll(ctx, &req, r->approval, reply);
		break;
	default:
		op_enroll_confirm(ctx, &req, &policy, r->factor, reply);
		break;
	}
	if (reply->status != MFA_OK && !mfa_err_is_verdict((int)reply->status) &&
	    !(r->op == WIRE_OP_APPROVAL_BEGIN && reply->status == MFA_ERR_NOT_FOUND))
		say(LOG_ERR, "user %s (uid %u, %s): %s: %s%s%s", user, (unsigned)uid, service,
		    op_names[r->op], mfa_strerror((int)reply->status),
		    mfa_ctx_error(ctx)[0] ? ": " : "", mfa_ctx_error(ctx));
	else if (r->op == WIRE_OP_LOGIN &&
	         (reply->action == MFA_LOGIN_REFUSE || reply->action == MFA_LOGIN_RETRY))
		say(LOG_NOTICE, "user %s (uid %u, %s): %s: %s", user, (unsigned)uid, service,
		    reply->action == MFA_LOGIN_RETRY ? "retry" : "refused",
		    mfa_strerror((int)reply->status));
}

