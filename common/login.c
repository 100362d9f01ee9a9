/*
 * login.c - the login policy every front end applies: who is asked for a
 * code, what a user without a factor gets (refusal, grace period, nullok,
 * enrollment), and the words a user sees. Front ends only translate.
 *
 * When nothing before us checked a password, whoever types may be a
 * stranger: unknown, factorless, locked and enrolled users then get the same
 * prompt and the same refusal, and nothing a stranger does writes a row for
 * a name without a factor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "factor.h"
#include "login.h"

/* The one refusal a stranger sees, whoever the name belongs to. */
#define UNIFORM_REFUSAL                                                                            \
	"Code not accepted. After several wrong codes, wait a few minutes before trying a new one."

/* What the store says about a user, read in one transaction. */
struct user_state {
	struct store_user u;
	bool found;
	unsigned active_otp, webauthn, pending_admin;
	unsigned recovery_rows, recovery_left;
	bool signin_code;        /* a live sign-in code from the portal (and its passkey) */
	bool twin;
	char twin_name[MFA_USER_MAX + 1];
};

/* Inside a transaction. */
static int state_load(mfa_ctx *ctx, const char *user, struct user_state *s)
{
	const struct store_ops *ops = ctx->store->ops;
	struct store_factor *list = NULL;
	struct store_recovery *rec = NULL;
	struct store_signin signin;
	size_t n = 0, nrec = 0;
	bool signin_found;
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = ops->user_get(ctx->store, user, &s->u, &s->found)) != MFA_OK ||
	    (r = ops->factors_get(ctx->store, user, &list, &n)) != MFA_OK ||
	    (r = ops->recovery_get(ctx->store, user, &rec, &nrec)) != MFA_OK ||
	    (r = ops->signin_get(ctx->store, user, &signin, &signin_found)) != MFA_OK ||
	    (r = ops->user_twin(ctx->store, user, s->twin_name, &s->twin)) != MFA_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!list[i].active)
			s->pending_admin += !list[i].inline_pending;
		else if (factor_is_otp(&list[i]))
			s->active_otp++;
		else
			s->webauthn++;
	}
	/* verify.c takes a sign-in code only while its passkey is there. */
	s->signin_code = signin_found && s->webauthn && signin.expires > (int64_t)ctx_now(ctx);
	s->recovery_rows = (unsigned)nrec;
	for (size_t i = 0; i < nrec; i++)
		s->recovery_left += !rec[i].used;
	/* A twin only matters to a name that has nothing of its own. */
	if (n || nrec)
		s->twin = false;
out:
	store_factors_free(&list, n);
	free(rec);
	return r;
}

static int state_read(mfa_ctx *ctx, const char *user, struct user_state *s)
{
	int r;

	if ((r = ctx->store->ops->begin(ctx->store, false)) != MFA_OK ||
	    (r = state_load(ctx, user, s)) != MFA_OK)
		return tx_abort(ctx, r);
	ctx->store->ops->rollback(ctx->store);
	return MFA_OK;
}

static bool grace_over(const struct mfa_login_policy *pol, const struct user_state *s, time_t now)
{
	return pol->grace_days && s->u.first_seen &&
	       now - s->u.first_seen >= (int64_t)pol->grace_days * 86400;
}

/* Never had a factor: a user a grace period and self-enrollment are for.
 * One who had a factor removed, or recovery codes, is no newcomer. */
static bool newcomer(const struct user_state *s)
{
	return s->u.enroll == STORE_ENROLL_NEW && !s->recovery_rows;
}

/* May a user without a factor enroll at this login? why says if not. */
static bool may_enroll(const struct mfa_login_policy *pol, const struct user_state *s, time_t now,
                       const char **why)
{
	*why = NULL;
	if (!pol->password_verified || !pol->enroll_inline)
		*why = "inline enrollment is off";
	else if (s->active_otp || s->webauthn)
		*why = "the user has a factor";
	else if (s->twin)
		*why = "the name differs only in case from an enrolled user's";
	else if (s->pending_admin)
		*why = "an administrator's enrollment is pending";
	else if (s->u.enroll == STORE_ENROLL_ALLOWED)
		*why = NULL;   /* an admin's word, whatever the grace period says */
	else if (!newcomer(s))
		*why = "the user had a factor removed or recovery codes: 'mfactl allow-enroll' lets "
		       "them enroll again";
	else if (grace_over(pol, s, now))
		*why = "the grace period for enrolling is over";
	return *why == NULL;
}

int login_enroll_check(mfa_ctx *ctx, const char *user, const struct mfa_login_policy *policy,
                       time_t now)
{
	struct user_state s;
	const char *why;
	int r;

	if ((r = state_load(ctx, user, &s)) != MFA_OK)
		return r;
	if (may_enroll(policy, &s, now, &why))
		return MFA_OK;
	return ctx_fail(ctx, MFA_ERR_NOT_FOUND, "%s may not enroll at a login: %s", user, why);
}

static int finish(struct mfa_login_result *out, mfa_login_action action, int result)
{
	out->action = action;
	out->verdict.result = result;
	return out->result = result;
}

static int unavailable(struct mfa_login_result *out, int r)
{
	struct mfa_verdict v = { .result = r };

	mfa_verdict_message(&v, out->message, sizeof(out->message));
	return finish(out, MFA_LOGIN_REFUSE, r);
}

/* A user without a factor, after a verified password. */
static int no_factor(mfa_ctx *ctx, const struct mfa_request *req,
                     const struct mfa_login_policy *pol, struct user_state *s, bool enroll_now,
                     struct mfa_login_result *out)
{
	time_t now = ctx_now(ctx);
	const char *why;
	int r;

	out->verdict.security_key_only = s->webauthn != 0;
	if (s->webauthn || s->twin) {
		/* A security key is a factor these logins cannot ask for, and a
		 * name in another case is somebody's who has one: neither counts
		 * as "no factor" for nullok, grace, enrollment or accept. */
		mfa_audit(ctx, req, "verify", "no_factor",
		          s->webauthn ? "refused: security key only"
		                      : "refused: the name differs only in case from an enrolled user's");
		mfa_verdict_message(&(struct mfa_verdict){ .result = MFA_ERR_NO_FACTOR,
		                                           .security_key_only = s->webauthn != 0 },
		                    out->message, sizeof(out->message));
		return finish(out, MFA_LOGIN_REFUSE, MFA_ERR_NO_FACTOR);
	}
	/* A grace period starts at the first login without a factor. */
	if (pol->grace_days && !s->u.first_seen) {
		time_t first_seen;

		if ((r = mfa_user_first_seen(ctx, req->user, &first_seen)) != MFA_OK)
			return unavailable(out, r);
		s->u.first_seen = first_seen;
	}
	if (enroll_now && may_enroll(pol, s, now, &why))
		return finish(out, MFA_LOGIN_ENROLL, MFA_ERR_NO_FACTOR);
	if (pol->grace_days && newcomer(s) && !grace_over(pol, s, now)) {
		long left = (long)pol->grace_days - (long)((now - s->u.first_seen) / 86400);

		snprintf(out->message, sizeof(out->message),
		         "Two-factor authentication is not set up for this account: %ld day%s left "
		         "before it is required. Ask your administrator to enroll you.",
		         left, left == 1 ? "" : "s");
		if ((r = mfa_audit(ctx, req, "verify", "grace", "no factor, grace period")) != MFA_OK)
			return unavailable(out, r);
		return finish(out, MFA_LOGIN_ACCEPT, MFA_OK);
	}
	if (pol->no_factor == MFA_NO_FACTOR_IGNORE) {
		mfa_audit(ctx, req, "verify", "no_factor", "nullok: left to other modules");
		return finish(out, MFA_LOGIN_IGNORE, MFA_ERR_NO_FACTOR);
	}
	if (pol->no_factor == MFA_NO_FACTOR_ACCEPT) {
		if ((r = mfa_audit(ctx, req, "verify", "no_factor", "accepted: no_factor = accept")) !=
		    MFA_OK)
			return unavailable(out, r);
		return finish(out, MFA_LOGIN_ACCEPT, MFA_OK);
	}
	mfa_audit(ctx, req, "verify", "no_factor", "refused");
	mfa_verdict_message(&(struct mfa_verdict){ .result = MFA_ERR_NO_FACTOR }, out->message,
	                    sizeof(out->message));
	return finish(out, MFA_LOGIN_REFUSE, MFA_ERR_NO_FACTOR);
}

/* Before a code is asked for. */
static int login_before_code(mfa_ctx *ctx, const struct mfa_request *req,
                             const struct mfa_login_policy *pol, struct mfa_login_result *out)
{
	struct user_state s;
	time_t now;
	int r;

	/* A stranger is asked like everyone: no store read tells them apart. */
	if (!pol->password_verified)
		return finish(out, MFA_LOGIN_ASK, MFA_OK);
	if ((r = state_read(ctx, req->user, &s)) != MFA_OK)
		return unavailable(out, r);
	if (!s.active_otp && !s.recovery_left && !s.signin_code)
		return no_factor(ctx, req, pol, &s, true, out);
	now = ctx_now(ctx);
	if (s.found && s.u.locked_until > now) {
		/* Tell them now: asking for a code would be a trap. */
		out->verdict.result = MFA_ERR_LOCKED;
		out->verdict.locked_until = (time_t)s.u.locked_until;
		out->verdict.locked_seconds = (unsigned)(s.u.locked_until - now);
		out->verdict.failures = s.u.failures;
		mfa_verdict_message(&out->verdict, out->message, sizeof(out->message));
		mfa_audit(ctx, req, "verify", "locked", "refused before asking for a code");
		return finish(out, MFA_LOGIN_REFUSE, MFA_ERR_LOCKED);
	}
	return finish(out, MFA_LOGIN_ASK, MFA_OK);
}

static int login_code(mfa_ctx *ctx, const struct mfa_request *req,
                      const struct mfa_login_policy *pol, struct mfa_login_result *out)
{
	bool uniform = !pol->password_verified;
	struct login_facts facts;
	int r = verify_attempt(ctx, req, uniform, &out->verdict, &facts);

	if (r == MFA_OK) {
		if (out->verdict.via == MFA_VIA_RECOVERY)
			mfa_verdict_message(&out->verdict, out->message, sizeof(out->message));
		return finish(out, MFA_LOGIN_ACCEPT, r);
	}
	if (!mfa_err_is_verdict(r))
		return unavailable(out, r);
	if (uniform && (r == MFA_ERR_BAD_CODE || r == MFA_ERR_NO_FACTOR || r == MFA_ERR_LOCKED)) {
		snprintf(out->message, sizeof(out->message), "%s", UNIFORM_REFUSAL);
		return finish(out, MFA_LOGIN_RETRY, r);
	}
	if (r == MFA_ERR_NO_FACTOR) {
		struct user_state s = { .webauthn = out->verdict.security_key_only,
			                .twin = facts.case_twin[0] != '\0' };

		/* Already audited by the verification: only the policy is left. */
		if (s.webauthn || s.twin || pol->no_factor == MFA_NO_FACTOR_REFUSE) {
			mfa_verdict_message(&out->verdict, out->message, sizeof(out->message));
			return finish(out, MFA_LOGIN_REFUSE, r);
		}
		if ((r = state_read(ctx, req->user, &s)) != MFA_OK)
			return unavailable(out, r);
		return no_factor(ctx, req, pol, &s, false, out);
	}
	mfa_verdict_message(&out->verdict, out->message, sizeof(out->message));
	if (r == MFA_ERR_LOCKED || r == MFA_ERR_CHALLENGE || out->verdict.locked_until)
		return finish(out, MFA_LOGIN_REFUSE, r);
	return finish(out, MFA_LOGIN_RETRY, r);
}

/* Options that only make sense once a password was checked. */
static int policy_check(mfa_ctx *ctx, const struct mfa_login_policy *pol)
{
	if (pol->password_verified)
		return MFA_OK;
	if (pol->grace_days || pol->enroll_inline || pol->no_factor != MFA_NO_FACTOR_REFUSE)
		return ctx_fail(ctx, MFA_ERR_CONFIG,
		                "grace, nullok, inline enrollment and accepting users without a factor "
		                "need a password checked before the code");
	return MFA_OK;
}

int mfa_login(mfa_ctx *ctx, const struct mfa_request *req, const struct mfa_login_policy *policy,
              struct mfa_login_result *out)
{
	struct mfa_request creq = *req;
	char canon[MFA_USER_MAX + 1];
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = ctx_require_open(ctx)) != MFA_OK || (r = policy_check(ctx, policy)) != MFA_OK)
		return unavailable(out, r);
	if (mfa_user_canonical(ctx, req->user, canon) != MFA_OK) {
		/* Not a name anyone has: treated as an unknown one. */
		mfa_audit(ctx, &(struct mfa_request){ .source = req->source, .remote = req->remote },
		          "verify", "rejected", "invalid user name");
		if (!req->code && !policy->password_verified)
			return finish(out, MFA_LOGIN_ASK, MFA_OK);
		snprintf(out->message, sizeof(out->message), "%s", UNIFORM_REFUSAL);
		return finish(out, MFA_LOGIN_REFUSE, MFA_ERR_INVALID);
	}
	creq.user = canon;
	if (!req->code) {
		if (req->challenge)
			return unavailable(out, ctx_fail(ctx, MFA_ERR_INVALID, "a challenge without a code"));
		return login_before_code(ctx, &creq, policy, out);
	}
	return login_code(ctx, &creq, policy, out);
}

int mfa_login_split(mfa_ctx *ctx, const char *user, const char *typed, size_t *code_offset)
{
	struct mfa_user_info info;
	int r;

	*code_offset = 0;
	if ((r = mfa_user_info_get(ctx, user, &info)) != MFA_OK)
		return r;
	if (info.active_factors == 0 && info.recovery_left == 0 && !info.signin_code)
		return MFA_ERR_BAD_CODE;
	if ((r = mfa_code_split(typed, info.code_digits, code_offset)) != MFA_OK)
		return r;
	/* Nothing before the code: no password was typed. */
	return *code_offset > 0 ? MFA_OK : MFA_ERR_BAD_CODE;
}

int mfa_user_allow_enroll(mfa_ctx *ctx, const char *user, const char *source)
{
	const struct store_ops *ops;
	char canon[MFA_USER_MAX + 1];
	struct store_user u;
	bool found;
	int r;

	if ((r = ctx_require_open(ctx)) != MFA_OK || (r = mfa_user_canonical(ctx, user, canon)) != MFA_OK)
		return r;
	ops = ctx->store->ops;
	if ((r = store_begin_user(ctx->store, canon)) != MFA_OK ||
	    (r = ops->user_get(ctx->store, canon, &u, &found)) != MFA_OK)
		return tx_abort(ctx, r);
	u.enroll = STORE_ENROLL_ALLOWED;
	if ((r = ops->user_put(ctx->store, canon, &u)) != MFA_OK ||
	    (r = ops->commit(ctx->store)) != MFA_OK)
		return tx_abort(ctx, r);
	audit_emit(ctx, &(struct audit_event){ .event = "allow-enroll", .user = canon,
	                                       .source = source, .outcome = "ok" });
	return MFA_OK;
}
