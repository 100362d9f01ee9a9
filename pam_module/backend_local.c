/*
 * backend_local.c - pam_mfa_local.so: every step asked of the core in this
 * process. For hosts that do not run mfad; the caller must be able to read
 * the key file and the store (root, or the config's group).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "backend.h"

struct backend {
	pam_handle_t *pamh;
	bool debug;
	mfa_ctx *ctx;
	struct mfa_request req;
	char source[96];
};

void backend_options_init(struct backend_options *o)
{
	memset(o, 0, sizeof(*o));
}

int backend_option(struct backend_options *o, const char *arg, char *why, size_t why_size)
{
	if (!strncmp(arg, "config=", 7)) {
		if (arg[7] != '/') {
			snprintf(why, why_size, "unknown or malformed option '%s': config= takes an "
			                        "absolute path", arg);
			return -1;
		}
		o->config = arg + 7;
		return 1;
	}
	if (!strncmp(arg, "socket=", 7) || !strncmp(arg, "timeout=", 8)) {
		snprintf(why, why_size, "unknown or malformed option '%s': pam_mfa_local.so asks no "
		                        "service; socket= and timeout= are pam_mfa.so's", arg);
		return -1;
	}
	return 0;
}

static void log_to_pam(void *arg, mfa_log_level level, const char *message)
{
	struct backend *b = arg;
	int prio = level == MFA_LOG_ERROR ? LOG_ERR : level == MFA_LOG_WARNING ? LOG_WARNING
	           : level == MFA_LOG_INFO ? LOG_INFO : LOG_DEBUG;

	if (level <= MFA_LOG_WARNING || b->debug)
		pam_syslog(b->pamh, prio, "%s", message);
}

/* Why the core could not decide r, with what to do next. */
static void log_undecided(struct backend *b, int r)
{
	pam_syslog(b->pamh, LOG_ERR, "user %s: %s", b->req.user,
	           mfa_ctx_error(b->ctx)[0] ? mfa_ctx_error(b->ctx) : mfa_strerror(r));
}

/* r, a step's result, as an answer; why it could not decide is logged. */
static int answer(struct backend *b, int r, struct backend_answer *out)
{
	struct mfa_verdict v = { .result = r };

	out->result = r;
	out->action = r == MFA_OK ? MFA_LOGIN_ACCEPT : MFA_LOGIN_REFUSE;
	mfa_verdict_message(&v, out->text, sizeof(out->text));
	if (r != MFA_OK && !mfa_err_is_verdict(r))
		log_undecided(b, r);
	return r;
}

int backend_open(pam_handle_t *pamh, const struct backend_options *o,
                 const struct backend_identity *id, bool debug, struct backend **out,
                 struct backend_answer *fail)
{
	struct backend *b;
	int r;

	memset(fail, 0, sizeof(*fail));
	*out = NULL;
	if (!(b = calloc(1, sizeof(*b))))
		return fail->result = MFA_ERR_NOMEM;
	b->pamh = pamh;
	b->debug = debug;
	snprintf(b->source, sizeof(b->source), "pam:%s", id->service);
	b->req = (struct mfa_request){ .user = id->user, .source = b->source, .remote = id->remote };
	if ((r = mfa_ctx_new(&b->ctx)) != MFA_OK) {
		free(b);
		return fail->result = r;
	}
	mfa_ctx_set_log_handler(b->ctx, log_to_pam, b);
	if ((r = mfa_config_load(b->ctx, o->config)) != MFA_OK || (r = mfa_open(b->ctx)) != MFA_OK) {
		answer(b, r, fail);
		backend_close(&b);
		return r;
	}
	*out = b;
	return MFA_OK;
}

void backend_close(struct backend **bp)
{
	if (!*bp)
		return;
	mfa_ctx_free(&(*bp)->ctx);
	free(*bp);
	*bp = NULL;
}

int backend_login(struct backend *b, const char *code, const struct mfa_login_policy *policy,
                  struct backend_answer *out)
{
	struct mfa_login_result res;

	b->req.code = code;
	mfa_login(b->ctx, &b->req, policy, &res);
	b->req.code = NULL;
	out->result = res.result;
	out->action = res.action;
	snprintf(out->text, sizeof(out->text), "%s", res.message);
	if (res.result != MFA_OK && !mfa_err_is_verdict(res.result) && res.result != MFA_ERR_INVALID)
		log_undecided(b, res.result);
	explicit_bzero(&res, sizeof(res));
	return out->result;
}

int backend_split(struct backend *b, const char *typed, size_t *code_offset)
{
	return mfa_login_split(b->ctx, b->req.user, typed, code_offset);
}

int backend_enroll_begin(struct backend *b, const struct mfa_login_policy *policy,
                         mfa_qr_style style, struct backend_enrollment *e,
                         struct backend_answer *out)
{
	mfa_enrollment *en = NULL;
	char *qr = NULL;
	int r;

	memset(e, 0, sizeof(*e));
	memset(out, 0, sizeof(*out));
	if ((r = mfa_login_enroll_begin(b->ctx, &b->req, policy, &en)) != MFA_OK) {
		if (r == MFA_ERR_NOT_FOUND) {
			/* No longer allowed (an admin acted meanwhile): as if no
			 * enrollment had been offered. */
			pam_syslog(b->pamh, LOG_NOTICE, "%s", mfa_ctx_error(b->ctx));
			answer(b, MFA_ERR_NO_FACTOR, out);
			return out->result = r;
		}
		return answer(b, r, out);
	}
	snprintf(e->factor, sizeof(e->factor), "%s", mfa_enrollment_factor_id(en));
	snprintf(e->uri, sizeof(e->uri), "%s", mfa_enrollment_uri(en));
	snprintf(e->secret, sizeof(e->secret), "%s", mfa_enrollment_secret_base32(en));
	if (mfa_qr_render(mfa_enrollment_uri(en), style, &qr) == MFA_OK)
		snprintf(e->qr, sizeof(e->qr), "%s", qr);
	if (qr) {
		explicit_bzero(qr, strlen(qr));
		free(qr);
	}
	mfa_enrollment_free(&en);
	return MFA_OK;
}

int backend_enroll_confirm(struct backend *b, const struct mfa_login_policy *policy,
                           const struct backend_enrollment *e, const char *code,
                           struct backend_answer *out)
{
	mfa_enrollment *en = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = mfa_login_enroll_resume(b->ctx, &b->req, policy, e->factor, &en)) == MFA_OK)
		r = mfa_enroll_confirm(b->ctx, en, code);
	mfa_enrollment_free(&en);
	if (mfa_err_is_verdict(r)) {
		/* A wrong code: the core's sentence says what to do next. */
		out->result = r;
		out->action = MFA_LOGIN_RETRY;
		snprintf(out->text, sizeof(out->text), "%s", mfa_ctx_error(b->ctx));
		return r;
	}
	return answer(b, r, out);
}

/* The same approval mfad offers pam_mfa.so (service/answer.c), bound to
 * the same requester, pam:HOST:SERVICE: the core decides when to offer. */
int backend_approval_begin(struct backend *b, const struct mfa_login_policy *policy,
                           char id[MFA_APPROVAL_ID_LEN + 1], struct backend_answer *out)
{
	char requester[MFA_APPROVAL_REQUESTER_MAX + 1];
	int r;

	id[0] = '\0';
	memset(out, 0, sizeof(*out));
	out->action = MFA_LOGIN_REFUSE;
	/* pam_mfa asks only after_password; said again here, as mfad does. */
	if (!policy || !policy->password_verified) {
		pam_syslog(b->pamh, LOG_ERR, "user %s: approval asked before the password was "
		           "checked: refused (approve needs after_password)", b->req.user);
		return answer(b, MFA_ERR_INVALID, out);
	}
	if ((r = mfa_approval_pam_requester(NULL, b->source + 4, requester, sizeof(requester))) !=
	    MFA_OK)
		return answer(b, r, out);
	r = mfa_approval_offer(b->ctx, &b->req, requester, MFA_APPROVAL_PAM_THEN, id, out->text,
	                       sizeof(out->text));
	if (r == MFA_ERR_NOT_FOUND)
		return out->result = r;
	if (r != MFA_OK)
		return answer(b, r, out);
	out->action = MFA_LOGIN_ASK;
	return out->result = MFA_OK;
}

/* Consumes it: MFA_OK once approved, MFA_ERR_PENDING until then; the
 * texts mfad answers pam_mfa.so. */
int backend_approval_poll(struct backend *b, const char *id, struct backend_answer *out)
{
	char requester[MFA_APPROVAL_REQUESTER_MAX + 1];
	int r;

	memset(out, 0, sizeof(*out));
	r = mfa_approval_pam_requester(NULL, b->source + 4, requester, sizeof(requester));
	if (r == MFA_OK)
		r = mfa_approval_consume(b->ctx, &b->req, id, requester);
	if (!mfa_approval_poll_text(r))
		return answer(b, r, out);
	out->result = r;
	out->action = r == MFA_OK ? MFA_LOGIN_ACCEPT
	              : r == MFA_ERR_PENDING ? MFA_LOGIN_RETRY : MFA_LOGIN_REFUSE;
	snprintf(out->text, sizeof(out->text), "%s", mfa_approval_poll_text(r));
	return r;
}
