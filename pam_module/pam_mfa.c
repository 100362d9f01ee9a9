/*
 * pam_mfa.c - the PAM front end: asks for a code through the conversation,
 * hands it to the core, and turns the verdict into a PAM return code.
 * No global mutable state: every call builds and frees its own context.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "mfa.h"

/* The core is built with hidden symbols; only PAM's entry points show. */
#define PAM_MFA_EXPORT PAM_EXTERN __attribute__((visibility("default")))
#define PROMPT_MAX 128
#define TYPED_MAX 512

enum enroll_mode { ENROLL_NONE, ENROLL_INLINE };

struct options {
	const char *config;
	bool debug, nullok, try_first_pass, use_first_pass, forward_pass;
	enum enroll_mode enroll;
	unsigned grace_days;
	unsigned max_tries;
	char prompt[PROMPT_MAX];
};

struct login {
	pam_handle_t *pamh;
	struct options opt;
	mfa_ctx *ctx;
	struct mfa_request req;
	char source[96];
};

static bool parse_count(const char *text, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end || errno || n > max)
		return false;
	*out = (unsigned)n;
	return true;
}

/* Unknown or malformed options fail closed: a typo must not weaken a login. */
static int options_parse(pam_handle_t *pamh, int argc, const char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_tries = 3;
	snprintf(o->prompt, sizeof(o->prompt), "Verification code: ");
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "debug"))
			o->debug = true;
		else if (!strcmp(a, "nullok"))
			o->nullok = true;
		else if (!strcmp(a, "try_first_pass"))
			o->try_first_pass = true;
		else if (!strcmp(a, "use_first_pass"))
			o->use_first_pass = true;
		else if (!strcmp(a, "forward_pass"))
			o->forward_pass = true;
		else if (!strncmp(a, "config=", 7) && a[7] == '/')
			o->config = a + 7;
		else if (!strcmp(a, "enroll=inline"))
			o->enroll = ENROLL_INLINE;
		else if (!strcmp(a, "enroll=none"))
			o->enroll = ENROLL_NONE;
		else if (!strncmp(a, "grace=", 6) && parse_count(a + 6, 3650, &o->grace_days))
			;
		else if (!strncmp(a, "max_tries=", 10) && parse_count(a + 10, 10, &o->max_tries) &&
		         o->max_tries > 0)
			;
		else if (!strncmp(a, "prompt=", 7) && strlen(a + 7) > 0 && strlen(a + 7) < PROMPT_MAX - 1)
			snprintf(o->prompt, sizeof(o->prompt), "%s%s", a + 7,
			         a[strlen(a) - 1] == ' ' ? "" : " ");
		else {
			pam_syslog(pamh, LOG_ERR,
			           "unknown or malformed option '%s': refusing every login until it is "
			           "fixed (see pam_mfa(8))", a);
			return PAM_SERVICE_ERR;
		}
	}
	if (o->use_first_pass && o->try_first_pass) {
		pam_syslog(pamh, LOG_ERR, "use_first_pass and try_first_pass exclude each other");
		return PAM_SERVICE_ERR;
	}
	if (o->forward_pass && !strcmp(o->prompt, "Verification code: "))
		snprintf(o->prompt, sizeof(o->prompt), "Password and verification code: ");
	return PAM_SUCCESS;
}

static void log_to_pam(void *arg, mfa_log_level level, const char *message)
{
	struct login *l = arg;
	int prio = level == MFA_LOG_ERROR ? LOG_ERR : level == MFA_LOG_WARNING ? LOG_WARNING
	           : level == MFA_LOG_INFO ? LOG_INFO : LOG_DEBUG;

	if (level <= MFA_LOG_WARNING || l->opt.debug)
		pam_syslog(l->pamh, prio, "%s", message);
}

/* A message to the user; failure to show it changes no verdict. */
static void say(struct login *l, int style, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct login *l, int style, const char *fmt, ...)
{
	char text[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pam_prompt(l->pamh, style, NULL, "%s", text);
}

/* Asks for a secret with echo off; NULL when the user gave none. */
static char *ask(struct login *l, const char *prompt)
{
	char *answer = NULL;

	if (pam_prompt(l->pamh, PAM_PROMPT_ECHO_OFF, &answer, "%s", prompt) != PAM_SUCCESS)
		return NULL;
	if (answer && strlen(answer) > TYPED_MAX) {
		explicit_bzero(answer, strlen(answer));
		free(answer);
		return NULL;
	}
	return answer;
}

static void wipe_free(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* The core's "could not decide" codes, as PAM knows them. */
static int pam_error_from(struct login *l, int r)
{
	pam_syslog(l->pamh, LOG_ERR, "user %s: %s", l->req.user,
	           mfa_ctx_error(l->ctx)[0] ? mfa_ctx_error(l->ctx) : mfa_strerror(r));
	switch (r) {
	case MFA_ERR_CONFIG:
		return PAM_SERVICE_ERR;
	case MFA_ERR_NOMEM:
		return PAM_BUF_ERR;
	case MFA_ERR_INVALID:
		return PAM_USER_UNKNOWN;
	default:
		return PAM_AUTHINFO_UNAVAIL;
	}
}

/* forward_pass: keeps the code, hands the password on as PAM_AUTHTOK. */
static int split_forward(struct login *l, char *typed, unsigned digits, const char **code)
{
	size_t off;

	if (mfa_code_split(typed, digits, &off) != MFA_OK)
		return PAM_AUTH_ERR;
	*code = typed + off;
	{
		char saved = typed[off];
		int r;

		typed[off] = '\0';
		r = pam_set_item(l->pamh, PAM_AUTHTOK, typed);
		typed[off] = saved;
		return r;
	}
}

static int enroll_inline(struct login *l)
{
	struct mfa_otp_params p = { .algorithm = -1, .source = l->source };
	mfa_enrollment *e = NULL;
	char *qr = NULL;
	int r, status = PAM_AUTH_ERR;

	if ((r = mfa_enroll_begin(l->ctx, l->req.user, &p, &e)) != MFA_OK)
		return pam_error_from(l, r);
	if (mfa_qr_render(mfa_enrollment_uri(e), true, &qr) != MFA_OK)
		qr = NULL;
	say(l, PAM_TEXT_INFO,
	    "Two-factor authentication is required for this account.\n"
	    "Scan this QR code with an authenticator app:\n\n%s\n"
	    "or enter this secret by hand: %s", qr ? qr : "", mfa_enrollment_secret_base32(e));
	for (unsigned i = 0; i < l->opt.max_tries; i++) {
		char *code = ask(l, "Code from the app: ");

		if (!code)
			break;
		r = mfa_enroll_confirm(l->ctx, e, code);
		wipe_free(&code);
		if (r == MFA_OK) {
			say(l, PAM_TEXT_INFO, "Two-factor authentication is set up.");
			status = PAM_SUCCESS;
			break;
		}
		if (!mfa_err_is_verdict(r)) {
			status = pam_error_from(l, r);
			break;
		}
		say(l, PAM_ERROR_MSG, "%s", mfa_ctx_error(l->ctx));
	}
	if (qr) {
		explicit_bzero(qr, strlen(qr));
		free(qr);
	}
	mfa_enrollment_free(&e);
	return status;
}

/* A user without a factor: inline enrollment, grace period, nullok, or no. */
static int no_factor(struct login *l, const struct mfa_user_info *info)
{
	struct mfa_verdict v = { .result = MFA_ERR_NO_FACTOR,
		                 .security_key_only = info->webauthn_credentials != 0 };
	char msg[256];
	time_t first_seen;
	int r;

	mfa_verdict_message(&v, msg, sizeof(msg));
	/* A security key is a factor this module cannot ask for yet: neither
	 * nullok, a grace period nor a new enrollment may step around it. */
	if (v.security_key_only) {
		say(l, PAM_ERROR_MSG, "%s", msg);
		mfa_audit(l->ctx, &l->req, "verify", "no_factor", "refused: security key only");
		return PAM_AUTH_ERR;
	}
	if (l->opt.enroll == ENROLL_INLINE && enroll_inline(l) == PAM_SUCCESS)
		return PAM_SUCCESS;
	if (l->opt.grace_days) {
		long left;

		if ((r = mfa_user_first_seen(l->ctx, l->req.user, &first_seen)) != MFA_OK)
			return pam_error_from(l, r);
		left = (long)l->opt.grace_days - (long)((time(NULL) - first_seen) / 86400);
		if (left > 0) {
			say(l, PAM_TEXT_INFO,
			    "Two-factor authentication is not set up for this account: %ld day%s left "
			    "before it is required. Ask your administrator to enroll you.",
			    left, left == 1 ? "" : "s");
			mfa_audit(l->ctx, &l->req, "verify", "grace", "no factor, grace period");
			return PAM_SUCCESS;
		}
	}
	if (l->opt.nullok) {
		mfa_audit(l->ctx, &l->req, "verify", "no_factor", "nullok: left to other modules");
		return PAM_IGNORE;
	}
	say(l, PAM_ERROR_MSG, "%s", msg);
	mfa_audit(l->ctx, &l->req, "verify", "no_factor", "refused");
	return PAM_AUTH_ERR;
}

static int authenticate(struct login *l)
{
	struct mfa_user_info info;
	struct mfa_verdict v;
	char msg[256];
	int r;

	if ((r = mfa_user_info_get(l->ctx, l->req.user, &info)) != MFA_OK)
		return pam_error_from(l, r);
	if (info.active_factors == 0 && info.recovery_left == 0)
		return no_factor(l, &info);
	if (info.locked_until > time(NULL)) {
		/* Tell them now; asking for a code would be a trap. */
		unsigned minutes = (unsigned)((info.locked_until - time(NULL) + 59) / 60);

		say(l, PAM_ERROR_MSG, "Too many failed attempts: try again in %u minute%s.", minutes,
		    minutes == 1 ? "" : "s");
		mfa_audit(l->ctx, &l->req, "verify", "locked", "refused before asking for a code");
		return PAM_AUTH_ERR;
	}
	for (unsigned attempt = 0; attempt < l->opt.max_tries; attempt++) {
		const void *item = NULL;
		char *typed = NULL;
		const char *code;
		bool from_stack = false;

		if (attempt == 0 && (l->opt.try_first_pass || l->opt.use_first_pass) &&
		    pam_get_item(l->pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS && item) {
			typed = strdup(item);
			from_stack = true;
		} else if (l->opt.use_first_pass) {
			return PAM_AUTH_ERR;
		} else {
			typed = ask(l, l->opt.prompt);
		}
		if (!typed)
			return from_stack ? PAM_BUF_ERR : PAM_CONV_ERR;
		code = typed;
		if (l->opt.forward_pass && (r = split_forward(l, typed, info.code_digits, &code)) != PAM_SUCCESS) {
			wipe_free(&typed);
			say(l, PAM_ERROR_MSG, "Type your password followed by the code, as one.");
			if (r != PAM_AUTH_ERR)
				return r;
			continue;
		}
		l->req.code = code;
		r = mfa_verify(l->ctx, &l->req, &v);
		l->req.code = NULL;
		wipe_free(&typed);
		if (r == MFA_OK) {
			if (v.via == MFA_VIA_RECOVERY) {
				mfa_verdict_message(&v, msg, sizeof(msg));
				say(l, PAM_TEXT_INFO, "%s", msg);
			}
			return PAM_SUCCESS;
		}
		if (!mfa_err_is_verdict(r))
			return pam_error_from(l, r);
		mfa_verdict_message(&v, msg, sizeof(msg));
		say(l, PAM_ERROR_MSG, "%s", msg);
		if (r == MFA_ERR_LOCKED || r == MFA_ERR_NO_FACTOR || v.locked_until)
			return PAM_AUTH_ERR;
		if (l->opt.use_first_pass)
			return PAM_AUTH_ERR;
	}
	return l->opt.max_tries > 1 ? PAM_MAXTRIES : PAM_AUTH_ERR;
}

PAM_MFA_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct login l = { .pamh = pamh };
	const void *service = NULL, *rhost = NULL;
	const char *user = NULL;
	int r, status;

	(void)flags;
	if ((status = options_parse(pamh, argc, argv, &l.opt)) != PAM_SUCCESS)
		return status;
	if ((r = pam_get_user(pamh, &user, NULL)) != PAM_SUCCESS || !user || !*user)
		return r == PAM_SUCCESS ? PAM_USER_UNKNOWN : r;
	pam_get_item(pamh, PAM_SERVICE, &service);
	pam_get_item(pamh, PAM_RHOST, &rhost);
	snprintf(l.source, sizeof(l.source), "pam:%s", service ? (const char *)service : "unknown");
	l.req.user = user;
	l.req.source = l.source;
	l.req.remote = rhost;
	if (mfa_ctx_new(&l.ctx) != MFA_OK)
		return PAM_BUF_ERR;
	mfa_ctx_set_log_handler(l.ctx, log_to_pam, &l);
	if ((r = mfa_config_load(l.ctx, l.opt.config)) != MFA_OK ||
	    (r = mfa_open(l.ctx)) != MFA_OK) {
		status = pam_error_from(&l, r);
		goto out;
	}
	status = authenticate(&l);
	if (l.opt.debug)
		pam_syslog(pamh, LOG_DEBUG, "user %s: %s", user, pam_strerror(pamh, status));
out:
	mfa_ctx_free(&l.ctx);
	return status;
}

PAM_MFA_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
