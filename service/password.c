/*
 * password.c - WIRE_OP_PASSWORD: mfa-web's password checks. The portal
 * runs as an unprivileged user, and only root can check another user's
 * password (pam_unix's helper checks the caller's own), so mfad runs the
 * PAM transaction of web_pam_service for it.
 *
 * Only root and web_user's uid may ask. Per user (case folded), at most
 * PASSWORD_FAIL_MAX checks that did not succeed run in PASSWORD_FAIL_WINDOW
 * seconds, whoever asks: a compromised portal must not become a fast
 * password oracle. A check counts as failed from the moment it starts
 * (given back if it succeeds), so that concurrent checks cannot slip past.
 * Checks from a browser the portal found holding the user's known-device
 * token (WIRE_KNOWN_DEVICE) have a budget and a table of their own: a
 * stranger's wrong passwords cannot lock the user out of the portal on a
 * browser they signed in with before. A lying portal gets twice the
 * budget, no more.
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "mfad.h"

#define LOCKED_TEXT "Too many failed password checks for this user: try again in a minute."

/* What the conversation answers, and whether PAM asked anything else. */
struct conv_state {
	const char *password;
	unsigned prompts;
	bool unanswerable;
};

int password_gate_init(struct password_gate *g, mfa_ctx *ctx)
{
	const char *name = mfa_config_text(ctx, "web_user");
	struct passwd pw, *found = NULL;
	char buf[4096];
	int r;

	g->web_uid_set = false;
	if (pthread_mutex_init(&g->lock, NULL) != 0) {
		say(LOG_ERR, "cannot start: cannot make a lock");
		return -1;
	}
	if (!name || !name[0])
		return 0;   /* root only */
	r = getpwnam_r(name, &pw, buf, sizeof(buf), &found);
	if (r != 0 || !found) {
		say(LOG_ERR, "cannot start: web_user = %s in %s is not a user here%s%s: create it "
		    "(useradd --system %s) or correct web_user", name, mfa_config_path(ctx),
		    r ? ": " : "", r ? strerror(r) : "", name);
		return -1;
	}
	if (found->pw_uid == 0) {
		say(LOG_ERR, "cannot start: web_user = %s in %s is root: the portal must run as a "
		    "user of its own", name, mfa_config_path(ctx));
		return -1;
	}
	g->web_uid = found->pw_uid;
	g->web_uid_set = true;
	say(LOG_INFO, "password checks for web_user %s (uid %u) through PAM service %s", name,
	    (unsigned)g->web_uid, mfa_config_text(ctx, "web_pam_service"));
	return 0;
}

bool password_may_ask(const struct password_gate *g, uid_t uid)
{
	return uid == 0 || (g->web_uid_set && uid == g->web_uid);
}

static long now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static unsigned recent_failures(const struct password_failures *f, long now)
{
	unsigned n = 0;

	for (size_t i = 0; i < PASSWORD_FAIL_MAX; i++)
		n += f->used[i] && now - f->at[i] < PASSWORD_FAIL_WINDOW;
	return n;
}

/* Counts a check of key (a folded user name) as failed until it is given
 * back: its slot and entry, or false when key has had its failures in the
 * window (or the table is full of users who have: fail closed). */
static bool failure_take(struct password_gate *g, struct password_failures *table,
                         const char *key, long now, size_t *slot, size_t *entry)
{
	struct password_failures *f = NULL;
	bool ok = false;

	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < PASSWORD_USERS_MAX; i++) {
		struct password_failures *u = &table[i];

		if (u->user[0] && !strcmp(u->user, key)) {
			f = u;
			*slot = i;
			break;
		}
		if (!f && (!u->user[0] || recent_failures(u, now) == 0)) {
			f = u;   /* free, or only old failures: reusable if key has none */
			*slot = i;
		}
	}
	if (f && strcmp(f->user, key) != 0) {
		memset(f, 0, sizeof(*f));
		snprintf(f->user, sizeof(f->user), "%s", key);
	}
	if (f && recent_failures(f, now) < PASSWORD_FAIL_MAX) {
		for (size_t i = 0; i < PASSWORD_FAIL_MAX; i++)
			if (!f->used[i] || now - f->at[i] >= PASSWORD_FAIL_WINDOW) {
				f->used[i] = true;
				f->at[i] = now;
				*entry = i;
				ok = true;
				break;
			}
	}
	pthread_mutex_unlock(&g->lock);
	return ok;
}

/* A check that succeeded does not count (unless its entry was taken over:
 * a check that outlived the window). */
static void failure_give_back(struct password_gate *g, struct password_failures *table,
                              const char *key, long taken, size_t slot, size_t entry)
{
	struct password_failures *f = &table[slot];

	pthread_mutex_lock(&g->lock);
	if (!strcmp(f->user, key) && f->at[entry] == taken)
		f->used[entry] = false;
	pthread_mutex_unlock(&g->lock);
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct conv_state *st = arg;
	struct pam_response *out;

	*resp = NULL;
	if (n <= 0 || n > PAM_MAX_NUM_MSG || !(out = calloc((size_t)n, sizeof(*out))))
		return PAM_CONV_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			/* The password, once: a second question is not for it. */
			if (st->prompts++ == 0 && (out[i].resp = strdup(st->password)))
				break;
			goto refuse;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			break;
		default:
			goto refuse;   /* echo on: a user name, a code, ... */
		}
	}
	*resp = out;
	return PAM_SUCCESS;
refuse:
	st->unanswerable = true;
	for (int i = 0; i < n; i++)
		if (out[i].resp) {
			explicit_bzero(out[i].resp, strlen(out[i].resp));
			free(out[i].resp);
		}
	free(out);
	return PAM_CONV_ERR;
}

/* PAM's delay after a failure would hold a worker (and sshd's logins
 * behind it); the failure limit above does its job. */
static void no_delay(int status, unsigned delay, void *arg)
{
	(void)status;
	(void)delay;
	(void)arg;
}

/* PAM's results that mean it could not decide, not that the password is
 * wrong. */
static bool pam_unavailable(int r)
{
	return r == PAM_AUTHINFO_UNAVAIL || r == PAM_SYSTEM_ERR || r == PAM_BUF_ERR ||
	       r == PAM_ABORT || r == PAM_SERVICE_ERR || r == PAM_CONV_ERR;
}

/* The PAM transaction: MFA_OK, MFA_ERR_BAD_PASSWORD or MFA_ERR_SYSTEM,
 * with what PAM said in why (for the log and the audit). */
static int pam_check(const char *pam_service, const char *user, const char *password,
                     const char *remote, char *why, size_t why_size)
{
	struct conv_state st = { .password = password };
	struct pam_conv pc = { conv, &st };
	pam_handle_t *pamh = NULL;
	const char *step = "pam_start";
	int r;

	r = pam_start(pam_service, user, &pc, &pamh);
	if (r == PAM_SUCCESS) {
		step = "PAM_RHOST";
		r = remote[0] ? pam_set_item(pamh, PAM_RHOST, remote) : PAM_SUCCESS;
	}
	if (r == PAM_SUCCESS) {
		step = "PAM_FAIL_DELAY";
		r = pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)no_delay);
	}
	if (r == PAM_SUCCESS) {
		step = "pam_authenticate";
		r = pam_authenticate(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	}
	if (r == PAM_SUCCESS) {
		step = "pam_acct_mgmt";
		r = pam_acct_mgmt(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	}
	if (st.unanswerable) {
		snprintf(why, why_size, "%s: the stack asked for more than the password (a second "
		         "prompt, or one with echo on): it must check the password only (no "
		         "pam_mfa.so)", step);
		r = r == PAM_SUCCESS ? PAM_CONV_ERR : r;
	} else {
		snprintf(why, why_size, "%s: %s", step, pamh ? pam_strerror(pamh, r) : "failed");
	}
	if (pamh)
		pam_end(pamh, r);
	if (r == PAM_SUCCESS)
		return MFA_OK;
	return st.unanswerable || pam_unavailable(r) ? MFA_ERR_SYSTEM : MFA_ERR_BAD_PASSWORD;
}

void answer_password(mfa_ctx *ctx, struct password_gate *g, uid_t uid,
                     const struct wire_login_request *r, struct wire_login_reply *reply)
{
	const char *pam_service = mfa_config_text(ctx, "web_pam_service");
	char user[MFA_TEXT_ESCAPED_MAX], key[MFA_USER_MAX + 1], why[256], detail[512];
	char service[4 * WIRE_SERVICE_MAX + 1];
	struct mfa_request req = { .user = r->user, .source = "web",
		                   .remote = r->remote[0] ? r->remote : NULL };
	size_t slot = 0, entry = 0, i;
	bool known = r->flags & WIRE_KNOWN_DEVICE;
	struct password_failures *table = known ? g->known : g->users;
	long taken;
	int res;

	memset(reply, 0, sizeof(*reply));
	mfa_text_escape(r->user, user, sizeof(user));
	mfa_text_escape(r->service, service, sizeof(service));
	/* Anyone else learns nothing, and no PAM module runs for them. */
	if (!password_may_ask(g, uid)) {
		say(LOG_WARNING, "uid %u asked to check user %s's password: refused, neither root nor "
		    "web_user", (unsigned)uid, user);
		answer_refuse(reply, REFUSED_TEXT);
		return;
	}
	if (!r->has_code) {
		say(LOG_NOTICE, "uid %u asked to check user %s's password without one: refused",
		    (unsigned)uid, user);
		answer_refuse(reply, REFUSED_TEXT);
		return;
	}
	/* Alice, ALICE and alice are one user to LDAP: one count. */
	for (i = 0; r->user[i] && i < MFA_USER_MAX; i++)
		key[i] = (char)tolower((unsigned char)r->user[i]);
	key[i] = '\0';
	taken = now_s();
	if (!failure_take(g, table, key, taken, &slot, &entry)) {
		say(LOG_WARNING, "password of user %s (uid %u, %s): refused without PAM, %u failed "
		    "checks in %u s%s", user, (unsigned)uid, service, PASSWORD_FAIL_MAX,
		    PASSWORD_FAIL_WINDOW, known ? " on known devices" : "");
		mfa_audit(ctx, &req, "password", "locked",
		          known ? "too many failed password checks on known devices"
		                : "too many failed password checks");
		reply->status = MFA_ERR_LOCKED;
		snprintf(reply->text, sizeof(reply->text), "%s", LOCKED_TEXT);
		return;
	}
	res = pam_check(pam_service, r->user, r->code, r->remote, why, sizeof(why));
	snprintf(detail, sizeof(detail), "asked as %s by uid %u%s; PAM service %s, %s", r->service,
	         (unsigned)uid, known ? " from a known device" : "", pam_service, why);
	if (res == MFA_OK) {
		failure_give_back(g, table, key, taken, slot, entry);
		/* Under audit_required a sign-in that is not recorded is none. */
		if (mfa_audit(ctx, &req, "password", "accepted", detail) != MFA_OK)
			res = MFA_ERR_SYSTEM;
	} else {
		mfa_audit(ctx, &req, "password", "rejected", detail);
	}
	reply->status = (uint32_t)res;
	if (res == MFA_ERR_BAD_PASSWORD)
		snprintf(reply->text, sizeof(reply->text), "Wrong user name or password.");
	else if (res != MFA_OK)
		snprintf(reply->text, sizeof(reply->text), "Password checks are unavailable: ask your "
		         "administrator.");
	if (res != MFA_OK)
		say(res == MFA_ERR_SYSTEM ? LOG_ERR : LOG_NOTICE,
		    "password of user %s (uid %u, %s): %s: %s", user, (unsigned)uid, service,
		    res == MFA_ERR_SYSTEM ? "could not check" : "rejected", why);
}
