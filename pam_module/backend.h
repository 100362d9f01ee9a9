/*
 * backend.h - where pam_mfa's questions go. pam_mfa.c holds the PAM side
 * (options, conversation, return codes) and asks each step of a login
 * through this interface, answered by one of two files:
 *
 *   backend_service.c  pam_mfa.so: mfad over its Unix socket (wire.h);
 *                      links only libpam and libc, works for any caller
 *   backend_local.c    pam_mfa_local.so: the core in this process; needs
 *                      to read the key file and the store (root)
 *
 * Each backend logs why it could not answer; an answer's text is for the
 * user. Functions return the answer's mfa_err.
 */
#ifndef PAM_MFA_BACKEND_H
#define PAM_MFA_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include <security/pam_modules.h>

#include "mfa.h"     /* types and constants only: nothing of the core is linked */
#include "wire.h"

/* Options only one backend takes. */
struct backend_options {
	const char *config;              /* local: config=/path */
	const char *socket;              /* service: socket=/path */
	unsigned timeout_ms;             /* service: timeout=SECONDS */
};

/* Who logs in, from the PAM items. */
struct backend_identity {
	const char *user;
	const char *service;
	const char *remote;
	const char *tty;
};

struct backend_answer {
	int result;                      /* mfa_err */
	mfa_login_action action;
	char text[WIRE_TEXT_MAX + 1];    /* for the user; may be empty */
};

/* What an authenticator app needs (secrets: wiped by backend_enroll_wipe). */
struct backend_enrollment {
	char factor[MFA_ID_LEN + 1];
	char uri[WIRE_URI_MAX + 1];
	char secret[WIRE_SECRET_MAX + 1];
	char qr[WIRE_QR_MAX + 1];        /* may be empty */
};

struct backend;

/* The defaults of this backend's options. */
void backend_options_init(struct backend_options *o);
/* 1 if arg is this backend's option (0 if not); -1 with why if it is,
 * but malformed or meant for the other module. */
int backend_option(struct backend_options *o, const char *arg, char *why, size_t why_size);

/* Ready to ask about id (its strings must outlive the backend). On
 * failure *fail holds the refusal to show. */
int backend_open(pam_handle_t *pamh, const struct backend_options *o,
                 const struct backend_identity *id, bool debug, struct backend **out,
                 struct backend_answer *fail);
void backend_close(struct backend **bp);

/* mfa_login: code NULL asks what to do before asking for a code. */
int backend_login(struct backend *b, const char *code, const struct mfa_login_policy *policy,
                  struct backend_answer *out);
/* mfa_login_split of "password and code" typed as one. */
int backend_split(struct backend *b, const char *typed, size_t *code_offset);
/* mfa_login_enroll_begin, the QR code drawn in style. */
int backend_enroll_begin(struct backend *b, const struct mfa_login_policy *policy,
                         mfa_qr_style style, struct backend_enrollment *e,
                         struct backend_answer *out);
/* mfa_enroll_confirm of the pending factor e names. */
int backend_enroll_confirm(struct backend *b, const struct mfa_login_policy *policy,
                           const struct backend_enrollment *e, const char *code,
                           struct backend_answer *out);
/* A passkey approval (docs/approvals.md): MFA_OK with the text to show in
 * out->text and the id to poll in id; MFA_ERR_NOT_FOUND when none is
 * offered (no security key, no portal, or this backend cannot). */
int backend_approval_begin(struct backend *b, const struct mfa_login_policy *policy,
                           char id[MFA_APPROVAL_ID_LEN + 1], struct backend_answer *out);
/* Consumes approval id: MFA_OK (accept), MFA_ERR_PENDING (not decided
 * yet: ask again), or a refusal. */
int backend_approval_poll(struct backend *b, const char *id, struct backend_answer *out);

#endif
