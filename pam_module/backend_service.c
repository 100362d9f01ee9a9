/*
 * backend_service.c - pam_mfa.so: every step asked of mfad over its Unix
 * socket (wire.h). Nothing here opens the key or the store, so the module
 * works for any caller (a screen locker runs as the user), loads in tens
 * of microseconds, and links only libpam and libc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "backend.h"

#define TIMEOUT_DEFAULT_MS 10000
#define UNAVAILABLE_TEXT "Verification is unavailable: ask your administrator."

struct backend {
	pam_handle_t *pamh;
	const struct backend_options *opt;
	const struct backend_identity *id;
	struct wire_login_request req;
	struct wire_login_reply reply;
};

void backend_options_init(struct backend_options *o)
{
	memset(o, 0, sizeof(*o));
	o->socket = WIRE_DEFAULT_SOCKET;
	o->timeout_ms = TIMEOUT_DEFAULT_MS;
}

int backend_option(struct backend_options *o, const char *arg, char *why, size_t why_size)
{
	if (!strncmp(arg, "socket=", 7)) {
		if (arg[7] != '/' || strlen(arg + 7) >= 108) {
			snprintf(why, why_size, "unknown or malformed option '%s': socket= takes an "
			                        "absolute path of at most 107 bytes", arg);
			return -1;
		}
		o->socket = arg + 7;
		return 1;
	}
	if (!strncmp(arg, "timeout=", 8)) {
		const char *p = arg + 8;
		unsigned s = 0;

		for (; *p >= '0' && *p <= '9' && s <= 60; p++)
			s = s * 10 + (unsigned)(*p - '0');
		if (p == arg + 8 || *p || s < 1 || s > 60) {
			snprintf(why, why_size, "unknown or malformed option '%s': timeout= takes 1..60 "
			                        "seconds", arg);
			return -1;
		}
		o->timeout_ms = s * 1000;
		return 1;
	}
	if (!strncmp(arg, "config=", 7)) {
		snprintf(why, why_size, "unknown or malformed option '%s': pam_mfa.so asks mfad, "
		                        "which reads its own config (mfad --config); config= is for "
		                        "pam_mfa_local.so", arg);
		return -1;
	}
	return 0;
}

int backend_open(pam_handle_t *pamh, const struct backend_options *o,
                 const struct backend_identity *id, bool debug, struct backend **out,
                 struct backend_answer *fail)
{
	struct backend *b;

	(void)debug;
	memset(fail, 0, sizeof(*fail));
	if (!(*out = b = calloc(1, sizeof(*b))))
		return fail->result = MFA_ERR_NOMEM;
	b->pamh = pamh;
	b->opt = o;
	b->id = id;
	return MFA_OK;
}

void backend_close(struct backend **bp)
{
	if (!*bp)
		return;
	explicit_bzero(*bp, sizeof(**bp));
	free(*bp);
	*bp = NULL;
}

/* b->req sent; the answer from mfad's reply, or a refusal when there is
 * none (unreachable, slow or unintelligible: logged with the reason). */
static int send_ask(struct backend *b, struct backend_answer *out)
{
	char why[256];
	int r = wire_ask(b->opt->socket, b->opt->timeout_ms, &b->req, &b->reply, why, sizeof(why));

	explicit_bzero(&b->req, sizeof(b->req));
	if (r != MFA_OK) {
		pam_syslog(b->pamh, LOG_ERR, "user %s: %s: refusing (is mfad running? see mfad(8))",
		           b->id->user, why);
		out->result = MFA_ERR_SYSTEM;
		out->action = MFA_LOGIN_REFUSE;
		snprintf(out->text, sizeof(out->text), "%s", UNAVAILABLE_TEXT);
		return out->result;
	}
	out->result = (int)b->reply.status;
	out->action = (mfa_login_action)b->reply.action;
	snprintf(out->text, sizeof(out->text), "%s", b->reply.text);
	/* NOT_FOUND: nothing to offer (an approval, an enrollment). */
	if (out->result != MFA_OK && !MFA_ERR_IS_VERDICT(out->result) && out->result != MFA_ERR_INVALID &&
	    out->result != MFA_ERR_NOT_FOUND)
		pam_syslog(b->pamh, LOG_ERR, "user %s: mfad could not decide (error %d): see its log",
		           b->id->user, out->result);
	return out->result;
}

/* One step asked of mfad. */
static int ask(struct backend *b, enum wire_op op, const struct mfa_login_policy *policy,
               const char *code, uint32_t flags, struct backend_answer *out)
{
	struct wire_login_request *q = &b->req;
	/* b->req is zero here (calloc, then wiped after each question), but
	 * for what the caller set: the QR style, the factor. */
	memset(out, 0, sizeof(*out));
	if (strlen(b->id->user) > MFA_USER_MAX) {
		/* Cut short it would name someone else. */
		explicit_bzero(q, sizeof(*q));
		out->result = MFA_ERR_INVALID;
		out->action = MFA_LOGIN_REFUSE;
		snprintf(out->text, sizeof(out->text), "Verification refused.");
		return out->result;
	}
	q->op = op;
	snprintf(q->user, sizeof(q->user), "%s", b->id->user);
	snprintf(q->service, sizeof(q->service), "%s", b->id->service);
	if (b->id->remote)
		snprintf(q->remote, sizeof(q->remote), "%s", b->id->remote);
	if (b->id->tty)
		snprintf(q->tty, sizeof(q->tty), "%s", b->id->tty);
	if (code) {
		/* Longer than any code: sent as something no code can be (a
		 * control character), which the core refuses like a wrong code
		 * without touching the store, as it does the long text. */
		q->has_code = true;
		snprintf(q->code, sizeof(q->code), "%s", strlen(code) > WIRE_CODE_MAX ? "\x01" : code);
	}
	q->flags = flags;
	if (policy) {
		q->flags |= (policy->password_verified ? WIRE_PASSWORD_VERIFIED : 0) |
		           (policy->enroll_inline ? WIRE_ENROLL_INLINE : 0);
		q->no_factor = policy->no_factor;
		q->grace_days = policy->grace_days;
	}
	return send_ask(b, out);
}

int backend_login(struct backend *b, const char *code, const struct mfa_login_policy *policy,
                  struct backend_answer *out)
{
	int r = ask(b, WIRE_OP_LOGIN, policy, code, 0, out);

	explicit_bzero(&b->reply, sizeof(b->reply));
	return r;
}

int backend_split(struct backend *b, const char *typed, size_t *code_offset)
{
	struct backend_answer a;
	size_t len = strlen(typed), tail = len > WIRE_SPLIT_TAIL ? WIRE_SPLIT_TAIL : len;
	int r;

	/* Only the end, where a code can be, leaves this process: never the
	 * whole password. */
	*code_offset = 0;
	r = ask(b, WIRE_OP_SPLIT, NULL, typed + len - tail, len > tail ? WIRE_TYPED_TAIL : 0, &a);
	if (r == MFA_OK && b->reply.offset > tail)
		r = MFA_ERR_SYSTEM;   /* a broken answer: no split */
	if (r == MFA_OK)
		*code_offset = len - tail + b->reply.offset;
	explicit_bzero(&b->reply, sizeof(b->reply));
	return r;
}

int backend_enroll_begin(struct backend *b, const struct mfa_login_policy *policy,
                         mfa_qr_style style, struct backend_enrollment *e,
                         struct backend_answer *out)
{
	int r;

	memset(e, 0, sizeof(*e));
	b->req.qr = style;
	r = ask(b, WIRE_OP_ENROLL_BEGIN, policy, NULL, 0, out);
	if (r == MFA_OK && (!b->reply.factor[0] || !b->reply.uri[0] || !b->reply.secret[0])) {
		pam_syslog(b->pamh, LOG_ERR, "user %s: mfad offered an enrollment without its secret: "
		           "refusing", b->id->user);
		r = out->result = MFA_ERR_SYSTEM;
		out->action = MFA_LOGIN_REFUSE;
		snprintf(out->text, sizeof(out->text), "%s", UNAVAILABLE_TEXT);
	}
	if (r == MFA_OK) {
		memcpy(e->factor, b->reply.factor, sizeof(e->factor));
		memcpy(e->uri, b->reply.uri, sizeof(e->uri));
		memcpy(e->secret, b->reply.secret, sizeof(e->secret));
		memcpy(e->qr, b->reply.qr, sizeof(e->qr));
	}
	explicit_bzero(&b->reply, sizeof(b->reply));
	return r;
}

int backend_enroll_confirm(struct backend *b, const struct mfa_login_policy *policy,
                           const struct backend_enrollment *e, const char *code,
                           struct backend_answer *out)
{
	int r;

	snprintf(b->req.factor, sizeof(b->req.factor), "%s", e->factor);
	r = ask(b, WIRE_OP_ENROLL_CONFIRM, policy, code, 0, out);
	if (MFA_ERR_IS_VERDICT(r))
		out->action = MFA_LOGIN_RETRY;
	explicit_bzero(&b->reply, sizeof(b->reply));
	return r;
}

int backend_approval_begin(struct backend *b, const struct mfa_login_policy *policy,
                           char id[MFA_APPROVAL_ID_LEN + 1], struct backend_answer *out)
{
	int r = ask(b, WIRE_OP_APPROVAL_BEGIN, policy, NULL, 0, out);

	id[0] = '\0';
	if (r == MFA_OK && strlen(b->reply.approval) != MFA_APPROVAL_ID_LEN) {
		pam_syslog(b->pamh, LOG_ERR, "user %s: mfad offered an approval without its id: "
		           "refusing", b->id->user);
		r = out->result = MFA_ERR_SYSTEM;
		out->action = MFA_LOGIN_REFUSE;
		snprintf(out->text, sizeof(out->text), "%s", UNAVAILABLE_TEXT);
	}
	if (r == MFA_OK)
		memcpy(id, b->reply.approval, MFA_APPROVAL_ID_LEN + 1);
	explicit_bzero(&b->reply, sizeof(b->reply));
	return r;
}

int backend_approval_poll(struct backend *b, const char *id, struct backend_answer *out)
{
	int r;

	snprintf(b->req.approval, sizeof(b->req.approval), "%s", id);
	r = ask(b, WIRE_OP_APPROVAL_POLL, NULL, NULL, 0, out);
	explicit_bzero(&b->reply, sizeof(b->reply));
	return r;
}
