/*
 * pam_mfa.c - the PAM front end: it turns PAM options into a login policy,
 * runs the conversation the core's mfa_login asks for, and turns its
 * answer into a PAM return code. The policy itself lives in the core,
 * asked through backend.h: over mfad's socket (pam_mfa.so) or in this
 * process (pam_mfa_local.so).
 *
 *   auth:     ask for a code (or collect "password+code" with forward_pass)
 *   account:  inline enrollment, which needs the whole auth stack to have
 *             succeeded first
 *   setcred:  refuses when a step the stack promised never ran (a
 *             forward_pass code nobody checked, an enrollment never done)
 *
 * No global mutable state: every call builds and frees its own backend.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "backend.h"

/* The core is built with hidden symbols; only PAM's entry points show. */
#define PAM_MFA_EXPORT PAM_EXTERN __attribute__((visibility("default")))
#define PROMPT_MAX 128
#define TYPED_MAX 512
#define MESSAGE_MAX 16384   /* an ASCII QR code of an otpauth link is about 6 KB */
/* PAM data: the code a forward_pass line split off; the user whose
 * enrollment the account phase owes. */
#define DATA_CODE "pam_mfa_forward_code"
#define DATA_ENROLL "pam_mfa_enroll"
/* What a later step still owes: "check" (a forward_pass line collected,
 * a pam_mfa line after the password module must check) or "enroll". In the
 * PAM environment, not PAM data: sshd calls pam_setcred in another process
 * than pam_authenticate, and carries only the environment across. */
#define ENV_PENDING "PAM_MFA_PENDING"

struct options {
	struct backend_options backend;
	bool debug, nullok, try_first_pass, use_first_pass, forward_pass, after_password;
	bool enroll_inline;
	bool approve;                    /* offer passkey approvals (docs/approvals.md) */
	unsigned approve_timeout;        /* seconds an approval is waited for */
	mfa_qr_style qr;
	unsigned grace_days;
	unsigned max_tries;
	char prompt[PROMPT_MAX];
};

struct login {
	pam_handle_t *pamh;
	struct options opt;
	struct backend *be;
	struct backend_identity id;
	struct mfa_login_policy policy;
	/* A message waiting for the next prompt: sshd shows messages only
	 * together with a prompt. */
	char pending[MESSAGE_MAX];
	int pending_style;
	bool drops_lone_messages;        /* sshd (PAM_TTY "ssh") */
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

static int option_error(pam_handle_t *pamh, const char *why)
{
	pam_syslog(pamh, LOG_ERR, "%s: refusing every login until it is fixed (see pam_mfa(8))", why);
	return PAM_SERVICE_ERR;
}

/* Unknown or malformed options, and combinations that would trust what
 * nothing checked, fail closed: a typo must not weaken a login. */
static int options_parse(pam_handle_t *pamh, int argc, const char **argv, struct options *o)
{
	char why[256];
	bool other = false;   /* an option a forward_pass line does not take */

	memset(o, 0, sizeof(*o));
	backend_options_init(&o->backend);
	o->max_tries = 3;
	o->approve_timeout = 120;
	o->qr = MFA_QR_UTF8;
	snprintf(o->prompt, sizeof(o->prompt), "Verification code: ");
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool general = true;
		int taken = backend_option(&o->backend, a, why, sizeof(why));

		if (taken < 0)
			return option_error(pamh, why);
		if (taken)
			;
		else if (!strcmp(a, "debug"))
			o->debug = true;
		else if (!strncmp(a, "prompt=", 7) && strlen(a + 7) > 0 && strlen(a + 7) < PROMPT_MAX - 1)
			snprintf(o->prompt, sizeof(o->prompt), "%s%s", a + 7,
			         a[strlen(a) - 1] == ' ' ? "" : " ");
		else if (!strcmp(a, "forward_pass"))
			o->forward_pass = true;
		else {
			general = false;
			if (!strcmp(a, "nullok"))
				o->nullok = true;
			else if (!strcmp(a, "try_first_pass"))
				o->try_first_pass = true;
			else if (!strcmp(a, "use_first_pass"))
				o->use_first_pass = true;
			else if (!strcmp(a, "after_password"))
				o->after_password = true;
			else if (!strcmp(a, "enroll=inline"))
				o->enroll_inline = true;
			else if (!strcmp(a, "enroll=none"))
				o->enroll_inline = false;
			else if (!strcmp(a, "approve"))
				o->approve = true;
			else if (!strncmp(a, "approve_timeout=", 16) &&
			         parse_count(a + 16, 600, &o->approve_timeout) && o->approve_timeout > 0)
				;
			else if (!strcmp(a, "qr=ascii"))
				o->qr = MFA_QR_ASCII;
			else if (!strcmp(a, "qr=utf8"))
				o->qr = MFA_QR_UTF8;
			else if (!strncmp(a, "grace=", 6) && parse_count(a + 6, 3650, &o->grace_days))
				;
			else if (!strncmp(a, "max_tries=", 10) && parse_count(a + 10, 10, &o->max_tries) &&
			         o->max_tries > 0)
				;
			else {
				snprintf(why, sizeof(why), "unknown or malformed option '%s'", a);
				return option_error(pamh, why);
			}
		}
		other |= !general;
	}
	if (o->use_first_pass && o->try_first_pass)
		return option_error(pamh, "use_first_pass and try_first_pass exclude each other");
	if (o->forward_pass && other)
		return option_error(pamh, "forward_pass only collects 'password and code' and hands the "
		                          "password on: give the other options to the pam_mfa line after "
		                          "the password module (with after_password)");
	if (!o->after_password && (o->nullok || o->grace_days || o->enroll_inline))
		return option_error(pamh, "nullok, grace and enroll=inline trust a password checked "
		                          "before pam_mfa: put pam_mfa after the password module "
		                          "(requisite) and add after_password");
	/* Offered before the password, an approval would tell a stranger who
	 * has a passkey (by the prompt) and let them create approvals. */
	if (o->approve && !o->after_password)
		return option_error(pamh, "approve offers a passkey approval only after the password: "
		                          "put pam_mfa after the password module (requisite) and add "
		                          "after_password");
	if (o->forward_pass && !strcmp(o->prompt, "Verification code: "))
		snprintf(o->prompt, sizeof(o->prompt), "Password and verification code: ");
	return PAM_SUCCESS;
}

static void wipe_free(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* One conversation call: the pending message (if any) and the prompt
 * (if any), so that sshd, which shows messages only with a prompt, shows
 * both. Returns the answer, or NULL. */
static char *converse(struct login *l, int style, const char *prompt)
{
	const struct pam_conv *conv = NULL;
	struct pam_message msg[2];
	const struct pam_message *pmsg[2];
	struct pam_response *resp = NULL;
	char *answer = NULL;
	int n = 0;

	if (pam_get_item(l->pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS || !conv ||
	    !conv->conv)
		goto out;
	if (l->pending[0]) {
		msg[n] = (struct pam_message){ .msg_style = l->pending_style, .msg = l->pending };
		pmsg[n] = &msg[n];
		n++;
	}
	if (prompt) {
		msg[n] = (struct pam_message){ .msg_style = style, .msg = prompt };
		pmsg[n] = &msg[n];
		n++;
	}
	if (n == 0 || conv->conv(n, pmsg, &resp, conv->appdata_ptr) != PAM_SUCCESS || !resp)
		goto out;
	if (prompt) {
		answer = resp[n - 1].resp;
		resp[n - 1].resp = NULL;
	}
	for (int i = 0; i < n; i++)
		wipe_free(&resp[i].resp);
	free(resp);
out:
	l->pending[0] = '\0';
	if (answer && strlen(answer) > TYPED_MAX)
		wipe_free(&answer);
	return answer;
}

/* A message for the user, shown with the next prompt. */
static void tell(struct login *l, int style, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void tell(struct login *l, int style, const char *fmt, ...)
{
	size_t n = strlen(l->pending);
	va_list ap;

	if (n && n + 2 < sizeof(l->pending))
		l->pending[n++] = '\n';
	va_start(ap, fmt);
	vsnprintf(l->pending + n, sizeof(l->pending) - n, fmt, ap);
	va_end(ap);
	if (!n || style == PAM_ERROR_MSG)
		l->pending_style = style;
}

/* Last words: with no prompt to come, sshd would drop them, so there they
 * come with one of their own. */
static void tell_now(struct login *l)
{
	char *answer;

	if (!l->pending[0])
		return;
	if (!l->drops_lone_messages) {
		converse(l, 0, NULL);
		return;
	}
	answer = converse(l, PAM_PROMPT_ECHO_ON, "(press Enter) ");
	wipe_free(&answer);
}

static char *ask(struct login *l, const char *prompt)
{
	return converse(l, PAM_PROMPT_ECHO_OFF, prompt);
}

/* Why the core could not decide (the backend logged it) as a PAM code. */
static int pam_error_from(int r)
{
	switch (r) {
	case MFA_ERR_CONFIG:
		return PAM_SERVICE_ERR;
	case MFA_ERR_NOMEM:
		return PAM_BUF_ERR;
	default:
		return PAM_AUTHINFO_UNAVAIL;
	}
}

/* The core's answer as a PAM return code, its message shown. */
static int pam_result(struct login *l, const struct backend_answer *res)
{
	if (res->text[0])
		tell(l, res->action == MFA_LOGIN_ACCEPT ? PAM_TEXT_INFO : PAM_ERROR_MSG, "%s",
		     res->text);
	switch (res->action) {
	case MFA_LOGIN_ACCEPT:
		return PAM_SUCCESS;
	case MFA_LOGIN_IGNORE:
		return PAM_IGNORE;
	default:
		break;
	}
	if (res->result != MFA_OK && !MFA_ERR_IS_VERDICT(res->result) && res->result != MFA_ERR_INVALID)
		return pam_error_from(res->result);
	return PAM_AUTH_ERR;
}

static void data_free(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	if (data) {
		explicit_bzero(data, strlen(data));
		free(data);
	}
}

/* Sets (value) or clears (NULL) a PAM data item of ours. */
static int data_set(struct login *l, const char *name, const char *value)
{
	char *copy = NULL;

	if (value && !(copy = strdup(value)))
		return PAM_BUF_ERR;
	return pam_set_data(l->pamh, name, copy, data_free);
}

static int pending_set(pam_handle_t *pamh, const char *what)
{
	char item[64];

	if (!what) {
		pam_putenv(pamh, ENV_PENDING);   /* PAM_BAD_ITEM when it was not set */
		return PAM_SUCCESS;
	}
	snprintf(item, sizeof(item), ENV_PENDING "=%s", what);
	return pam_putenv(pamh, item);
}

static const char *data_get(pam_handle_t *pamh, const char *name)
{
	const void *v = NULL;

	return pam_get_data(pamh, name, &v) == PAM_SUCCESS ? v : NULL;
}

/* forward_pass: asks for password and code as one, keeps the code for the
 * pam_mfa line after the password module, hands the password on. Checks
 * nothing and writes nothing: everyone sees the same prompt. */
static int forward_collect(struct login *l)
{
	char *typed = ask(l, l->opt.prompt);
	size_t off;
	int r = PAM_IGNORE;

	if (!typed)
		return PAM_CONV_ERR;
	/* A user without a factor typed only a password. */
	if (backend_split(l->be, typed, &off) == MFA_OK) {
		if (data_set(l, DATA_CODE, typed + off) != PAM_SUCCESS)
			r = PAM_BUF_ERR;
		typed[off] = '\0';
	}
	if (r == PAM_IGNORE && pam_set_item(l->pamh, PAM_AUTHTOK, typed) != PAM_SUCCESS)
		r = PAM_AUTHTOK_ERR;
	/* Until a pam_mfa line after the password module checks, nothing may
	 * succeed on the password alone. */
	if (r == PAM_IGNORE && pending_set(l->pamh, "check") != PAM_SUCCESS)
		r = PAM_BUF_ERR;
	wipe_free(&typed);
	return r;
}

/* Could this be a code at all? A password in PAM_AUTHTOK is not one, and
 * must neither be checked nor count as a failure. A code is 6 to 8
 * digits, or a recovery code: XXXX-XXXX-XXXX in letters and digits. */
static bool code_shaped(const char *text)
{
	static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t n = strlen(text), digits = strspn(text, "0123456789");

	if (n >= 6 && n <= 8 && digits == n)
		return true;
	return n == 14 && text[4] == '-' && text[9] == '-' && strspn(text, alnum) == 4 &&
	       strspn(text + 5, alnum) == 4 && strspn(text + 10, alnum) == 4;
}

/* The next code to check: the forward_pass line's, the stack's, or typed. */
static char *next_code(struct login *l, unsigned attempt, bool *stop)
{
	const char *item = NULL;

	*stop = false;
	if (attempt == 0 && (item = data_get(l->pamh, DATA_CODE))) {
		char *code = strdup(item);

		data_set(l, DATA_CODE, NULL);
		return code;
	}
	if (attempt == 0 && (l->opt.try_first_pass || l->opt.use_first_pass) &&
	    pam_get_item(l->pamh, PAM_AUTHTOK, (const void **)&item) == PAM_SUCCESS && item &&
	    code_shaped(item))
		return strdup(item);
	if (l->opt.use_first_pass) {
		*stop = true;
		return NULL;
	}
	return ask(l, l->opt.prompt);
}

/* A code already at hand: the forward_pass line's, or the stack's. */
static bool code_at_hand(struct login *l)
{
	const char *item = NULL;

	return data_get(l->pamh, DATA_CODE) ||
	       ((l->opt.try_first_pass || l->opt.use_first_pass) &&
	        pam_get_item(l->pamh, PAM_AUTHTOK, (const void **)&item) == PAM_SUCCESS && item &&
	        code_shaped(item));
}

/* A passkey approval (option approve, docs/approvals.md): the link and the
 * number shown as a prompt (sshd drops messages with no prompt after), and
 * each answer polls mfad: Enter once approved. A PAM conversation blocks
 * until the user answers, so the store is asked at each answer, not in
 * between; approve_timeout bounds the waiting. A code (from an app, or a
 * recovery code) may be typed at the same prompt instead. -1: no approval
 * offered (no security key, no portal): the login goes on as without. */
static int approve_wait(struct login *l)
{
	char id[MFA_APPROVAL_ID_LEN + 1], prompt[WIRE_TEXT_MAX + 64];
	struct backend_answer res;
	struct timespec start, now;
	unsigned failed = 0;
	int r = backend_approval_begin(l->be, &l->policy, id, &res);

	if (r == MFA_ERR_NOT_FOUND)
		return -1;
	if (r != MFA_OK)
		return pam_result(l, &res);
	clock_gettime(CLOCK_MONOTONIC, &start);
	snprintf(prompt, sizeof(prompt), "%s Or type a code: ", res.text);
	for (;;) {
		char *typed = converse(l, PAM_PROMPT_ECHO_ON, prompt);

		if (!typed)
			return PAM_CONV_ERR;
		if (code_shaped(typed)) {
			backend_login(l->be, typed, &l->policy, &res);
			wipe_free(&typed);
			if (res.action != MFA_LOGIN_RETRY)
				return pam_result(l, &res);
			tell(l, PAM_ERROR_MSG, "%s", res.text);
			if (++failed >= l->opt.max_tries)
				return l->opt.max_tries > 1 ? PAM_MAXTRIES : PAM_AUTH_ERR;
			continue;
		}
		wipe_free(&typed);
		/* An approval that came in time counts even if Enter came late:
		 * the store's own expiry (approve_timeout in mfa.conf) bounds it. */
		backend_approval_poll(l->be, id, &res);
		if (res.result != MFA_ERR_PENDING)
			return pam_result(l, &res);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= (time_t)l->opt.approve_timeout) {
			tell(l, PAM_ERROR_MSG, "Not approved within %u seconds: start the sign-in again.",
			     l->opt.approve_timeout);
			return PAM_AUTH_ERR;
		}
		tell(l, PAM_TEXT_INFO, "%s", res.text);
	}
}

static int authenticate(struct login *l)
{
	const char *pending = pam_getenv(l->pamh, ENV_PENDING);
	struct backend_answer res;
	bool stop;

	if (pending && !strcmp(pending, "check")) {
		if (!l->opt.after_password) {
			pam_syslog(l->pamh, LOG_ERR,
			           "a forward_pass line collected the code, but this pam_mfa line lacks "
			           "after_password: refusing (see pam_mfa(8) for the stack)");
			return PAM_SERVICE_ERR;
		}
		pending_set(l->pamh, NULL);   /* this line checks, whatever it finds */
	}
	backend_login(l->be, NULL, &l->policy, &res);
	if (res.action == MFA_LOGIN_ENROLL) {
		/* Enrollment waits for the account phase: only a login whose
		 * whole auth stack succeeded may add a factor. */
		if (data_set(l, DATA_ENROLL, l->id.user) != PAM_SUCCESS ||
		    pending_set(l->pamh, "enroll") != PAM_SUCCESS)
			return PAM_BUF_ERR;
		return PAM_SUCCESS;
	}
	/* Offered where a code would be asked for, or where the user has no
	 * code factor (mfad offers it only to a user with a security key): a
	 * key-only user, refused without approvals, gets in this way. */
	if (l->opt.approve && !l->opt.use_first_pass && !code_at_hand(l) &&
	    (res.action == MFA_LOGIN_ASK ||
	     (res.action == MFA_LOGIN_REFUSE && res.result == MFA_ERR_NO_FACTOR))) {
		int status = approve_wait(l);

		if (status >= 0)
			return status;
	}
	if (res.action != MFA_LOGIN_ASK)
		return pam_result(l, &res);
	for (unsigned attempt = 0; attempt < l->opt.max_tries; attempt++) {
		char *code = next_code(l, attempt, &stop);

		if (!code)
			return stop ? PAM_AUTH_ERR : PAM_CONV_ERR;
		backend_login(l->be, code, &l->policy, &res);
		wipe_free(&code);
		if (res.action != MFA_LOGIN_RETRY)
			return pam_result(l, &res);
		tell(l, PAM_ERROR_MSG, "%s", res.text);
		if (l->opt.use_first_pass)
			return PAM_AUTH_ERR;
	}
	return l->opt.max_tries > 1 ? PAM_MAXTRIES : PAM_AUTH_ERR;
}

/* The account phase: the enrollment authenticate left for it. */
static int enroll_inline(struct login *l)
{
	struct backend_enrollment *e = calloc(1, sizeof(*e));
	struct backend_answer res;
	int r, status = PAM_AUTH_ERR;

	if (!e)
		return PAM_BUF_ERR;
	if ((r = backend_enroll_begin(l->be, &l->policy, l->opt.qr, e, &res)) != MFA_OK) {
		/* NOT_FOUND: no longer allowed (an admin acted meanwhile). */
		tell(l, PAM_ERROR_MSG, "%s", res.text);
		status = r == MFA_ERR_NOT_FOUND ? PAM_AUTH_ERR : pam_error_from(r);
		goto out;
	}
	/* Everything an app needs, whatever the client can show: the QR
	 * code, the link, and the secret typed out. */
	tell(l, PAM_TEXT_INFO,
	     "Two-factor authentication is required for this account.\n"
	     "Scan this QR code with an authenticator app:\n\n%s\n"
	     "or open this link on the phone: %s\n"
	     "or enter this secret by hand: %s", e->qr, e->uri, e->secret);
	for (unsigned i = 0; i < l->opt.max_tries; i++) {
		char *code = ask(l, "Code from the app: ");

		if (!code || !code[0]) {
			/* Enter alone: not now (a grace period may still let them in). */
			wipe_free(&code);
			break;
		}
		r = backend_enroll_confirm(l->be, &l->policy, e, code, &res);
		wipe_free(&code);
		if (r == MFA_OK) {
			tell(l, PAM_TEXT_INFO, "Two-factor authentication is set up.");
			status = PAM_SUCCESS;
			break;
		}
		tell(l, PAM_ERROR_MSG, "%s", res.text);
		if (!MFA_ERR_IS_VERDICT(r)) {
			status = pam_error_from(r);
			break;
		}
	}
	if (status != PAM_SUCCESS && l->opt.grace_days) {
		/* Not set up, but still within the grace period? */
		struct mfa_login_policy no_enroll = l->policy;

		no_enroll.enroll_inline = false;
		l->pending[0] = '\0';
		backend_login(l->be, NULL, &no_enroll, &res);
		status = pam_result(l, &res);
	}
out:
	explicit_bzero(e, sizeof(*e));
	free(e);
	return status;
}

/* Builds the backend and policy for one PAM call. */
static int login_open(struct login *l, pam_handle_t *pamh, int argc, const char **argv)
{
	const void *service = NULL, *rhost = NULL, *tty = NULL;
	const char *user = NULL;
	struct backend_answer fail;
	int r, status;

	l->pamh = pamh;
	if ((status = options_parse(pamh, argc, argv, &l->opt)) != PAM_SUCCESS)
		return status;
	if ((r = pam_get_user(pamh, &user, NULL)) != PAM_SUCCESS || !user || !*user)
		return r == PAM_SUCCESS ? PAM_USER_UNKNOWN : r;
	pam_get_item(pamh, PAM_SERVICE, &service);
	pam_get_item(pamh, PAM_RHOST, &rhost);
	pam_get_item(pamh, PAM_TTY, &tty);
	l->drops_lone_messages = tty && !strcmp(tty, "ssh");
	l->id = (struct backend_identity){
		.user = user,
		.service = service && *(const char *)service ? service : "unknown",
		.remote = rhost,
		.tty = tty,
	};
	l->policy = (struct mfa_login_policy){
		.password_verified = l->opt.after_password,
		.no_factor = l->opt.nullok ? MFA_NO_FACTOR_IGNORE : MFA_NO_FACTOR_REFUSE,
		.grace_days = l->opt.grace_days,
		.enroll_inline = l->opt.enroll_inline,
	};
	if ((r = backend_open(pamh, &l->opt.backend, &l->id, l->opt.debug, &l->be, &fail)) != MFA_OK) {
		if (fail.text[0])
			tell(l, PAM_ERROR_MSG, "%s", fail.text);
		return pam_error_from(r);
	}
	return PAM_SUCCESS;
}

static int login_close(struct login *l, int status)
{
	tell_now(l);
	if (l->opt.debug)
		pam_syslog(l->pamh, LOG_DEBUG, "user %s: %s", l->id.user ? l->id.user : "?",
		           pam_strerror(l->pamh, status));
	backend_close(&l->be);
	return status;
}

PAM_MFA_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct login l = { 0 };
	int status;

	(void)flags;
	if ((status = login_open(&l, pamh, argc, argv)) == PAM_SUCCESS)
		status = l.opt.forward_pass ? forward_collect(&l) : authenticate(&l);
	return login_close(&l, status);
}

PAM_MFA_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct login l = { 0 };
	const char *pending = pam_getenv(pamh, ENV_PENDING), *owed = data_get(pamh, DATA_ENROLL);
	int status;

	(void)flags;
	if (!pending)
		return PAM_IGNORE;
	if (strcmp(pending, "enroll") != 0 || !owed) {
		pam_syslog(pamh, LOG_ERR, "%s: refusing (see pam_mfa(8) for the stack)",
		           !strcmp(pending, "check")
		                   ? "a forward_pass code was never checked: no pam_mfa line with "
		                     "after_password after the password module"
		                   : "an enrollment is owed, but not by this login's authentication");
		return PAM_PERM_DENIED;
	}
	if ((status = login_open(&l, pamh, argc, argv)) == PAM_SUCCESS) {
		if (!l.opt.enroll_inline || !l.opt.after_password) {
			pam_syslog(pamh, LOG_ERR, "the account line of pam_mfa needs the auth line's "
			                          "options (after_password enroll=inline ...)");
			status = PAM_SERVICE_ERR;
		} else if (strcmp(owed, l.id.user) != 0) {
			status = PAM_PERM_DENIED;   /* the user changed since authenticate */
		} else {
			status = enroll_inline(&l);
		}
	}
	if (status == PAM_SUCCESS) {
		pam_set_data(pamh, DATA_ENROLL, NULL, NULL);
		pending_set(pamh, NULL);
	} else if (status != PAM_SERVICE_ERR && status != PAM_AUTHINFO_UNAVAIL &&
	           status != PAM_BUF_ERR) {
		status = PAM_PERM_DENIED;
	}
	return login_close(&l, status);
}

PAM_MFA_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *pending = pam_getenv(pamh, ENV_PENDING);

	(void)flags;
	(void)argc;
	(void)argv;
	/* A step the stack owes never ran: no credentials. */
	if (pending) {
		pam_syslog(pamh, LOG_ERR, "%s: refusing credentials (see pam_mfa(8) for the stack)",
		           !strcmp(pending, "check")
		                   ? "a forward_pass code was never checked"
		                   : "inline enrollment never ran: add 'account required pam_mfa.so' "
		                     "with the auth line's options");
		return PAM_CRED_ERR;
	}
	return PAM_SUCCESS;
}
